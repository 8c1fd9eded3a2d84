#!/usr/bin/python3
"""Accuracy of a cloud against a gold-standard sample (e.g. RWPO or pmala against gibbs_lasso).

usage: bench/compare_clouds.py RUN.h5 GOLD.h5 [--run-frames K | --run-layer L] [--gold-from LAYER]

RUN.h5: the last K recorded frames of /particles/cloud/position (default 1: the final cloud),
or the frame of layer L.
GOLD.h5: every frame from layer --gold-from on (default: the last frame only), pooled.
Prints, per coordinate and over the coordinates, with s the gold standard deviation:
  max |mean error| / s, the range of sd ratios sd_run / s, the 1-D Wasserstein-1 distance of the
  marginals / s (max and mean; by sorting, on a common grid of quantile levels), and the largest
  absolute error of the correlation matrix. Needs python3-numpy and python3-h5py (Debian).
"""
import argparse
import sys

import h5py
import numpy as np


def frames(path, last=None, from_layer=None, layer=None):
    with h5py.File(path, "r") as f:
        g = f["particles/cloud/position"]
        step, val = g["step"][:], g["value"]
        if layer is not None:
            idx = np.nonzero(step == layer)[0]
            if len(idx) == 0:
                sys.exit(f"{path}: no frame at layer {layer} (recorded: {list(step)})")
        elif from_layer is not None:
            idx = np.nonzero(step >= from_layer)[0]
        else:
            idx = np.arange(len(step))[-(last or 1):]
        x = np.concatenate([val[i] for i in idx], axis=0)
        return x.reshape(x.shape[0], -1), step[idx]


def w1(a, b, n_q=4000):
    """1-D Wasserstein-1 distance of two samples: the mean |quantile difference|."""
    q = (np.arange(n_q) + 0.5) / n_q
    return float(np.mean(np.abs(np.quantile(a, q) - np.quantile(b, q))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("gold")
    ap.add_argument("--run-frames", type=int, default=1)
    ap.add_argument("--run-layer", type=int, default=None)
    ap.add_argument("--gold-from", type=int, default=None)
    a = ap.parse_args()
    x, xs = frames(a.run, last=a.run_frames, layer=a.run_layer)
    g, gs = frames(a.gold, from_layer=a.gold_from)
    s = g.std(axis=0)
    mean_err = np.abs(x.mean(axis=0) - g.mean(axis=0)) / s
    sd_ratio = x.std(axis=0) / s
    w = np.array([w1(x[:, j], g[:, j]) for j in range(g.shape[1])]) / s
    corr_err = np.abs(np.corrcoef(x, rowvar=False) - np.corrcoef(g, rowvar=False))
    print(f"run  {a.run}: {x.shape[0]} draws (layers {xs[0]}..{xs[-1]})")
    print(f"gold {a.gold}: {g.shape[0]} draws (layers {gs[0]}..{gs[-1]})")
    print("coord  mean_err/sd  sd_ratio  W1/sd")
    for j in range(g.shape[1]):
        print(f"{j + 1:5d}  {mean_err[j]:11.3f}  {sd_ratio[j]:8.3f}  {w[j]:.3f}")
    print(f"max_mean_err {mean_err.max():.3f}  sd_ratio {sd_ratio.min():.3f}..{sd_ratio.max():.3f}"
          f"  W1_max {w.max():.3f}  W1_mean {w.mean():.3f}  corr_err {corr_err.max():.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
