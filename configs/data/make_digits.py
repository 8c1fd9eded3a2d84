#!/usr/bin/python3
"""Build the 64-D data set of configs/digits.ini: scikit-learn's 8x8 handwritten digits (UCI
optical recognition of handwritten digits, 1797 images, shipped with Debian's python3-sklearn;
nothing is downloaded), split into training and held-out images.

    /train   [1500][64] float64   training images, pixel values / 16 (in [0, 1]), row-major 8x8
    /test    [297][64]  float64   held-out images, the same scaling
    attributes scale (1/16), split_seed, source

The split is a fixed permutation (numpy RandomState(split_seed = 0)): the first 1500 images of
it train, the rest are held out. The file is generated, not committed: rerun this script.

usage: make_digits.py [FILE]    (default FILE: out/digits.h5 under the working directory)
"""
import os
import sys

import h5py
import numpy as np
from sklearn.datasets import load_digits

N_TRAIN = 1500
SPLIT_SEED = 0


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join("out", "digits.h5")
    x = np.asarray(load_digits().data, dtype=np.float64) / 16.0
    order = np.random.RandomState(SPLIT_SEED).permutation(len(x))
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with h5py.File(path, "w") as f:
        f["train"] = x[order[:N_TRAIN]]
        f["test"] = x[order[N_TRAIN:]]
        f.attrs["scale"] = 1.0 / 16.0
        f.attrs["split_seed"] = SPLIT_SEED
        f.attrs["source"] = "sklearn.datasets.load_digits (UCI optical digits, 8x8), pixels / 16"
    print(f"wrote {path}: /train [{N_TRAIN}][64], /test [{len(x) - N_TRAIN}][64]")


if __name__ == "__main__":
    main()
