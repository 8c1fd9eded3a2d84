#!/usr/bin/python3
"""Build (or check) configs/data/diabetes.h5: the diabetes data of Efron, Hastie, Johnstone and
Tibshirani (2004), "Least angle regression", as shipped with scikit-learn (Debian:
python3-sklearn; the data files are part of the package, nothing is downloaded).

    /A       [442][10] float64  the 10 baseline variables (age, sex, bmi, bp, s1..s6), each
                                column centred and scaled to POPULATION standard deviation 1
                                (numpy std, ddof = 0) from sklearn's raw values
                                (load_diabetes(scaled=False))
    /b       [442]     float64  the response (disease progression after one year), centred
    attribute sigma             sqrt(RSS / (n - d)) of the least-squares fit of b on A (54.09),
                                the noise level of f = |A x - b|^2 / (2 sigma^2)
    attribute features          the column names; attribute source: where the data come from

usage: make_diabetes.py [--check] [FILE]    (default FILE: diabetes.h5 next to this script)
Without --check it writes FILE; with --check it rebuilds the arrays in memory and compares them
with FILE (A and b to 1e-12 relative, sigma to 1e-12 relative), exit 0 when they agree.
"""
import os
import sys

import h5py
import numpy as np
from sklearn.datasets import load_diabetes


def build():
    X, y = load_diabetes(return_X_y=True, scaled=False)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    A = (X - X.mean(axis=0)) / X.std(axis=0)  # population sd (ddof = 0)
    b = y - y.mean()
    coef, _, rank, _ = np.linalg.lstsq(A, b, rcond=None)
    n, d = A.shape
    assert rank == d
    rss = float(np.sum((A @ coef - b) ** 2))
    sigma = np.sqrt(rss / (n - d))
    return A, b, sigma, coef


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    path = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "diabetes.h5")
    A, b, sigma, coef = build()
    names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    if not check:
        with h5py.File(path, "w") as f:
            f.create_dataset("A", data=A)
            f.create_dataset("b", data=b)
            f.attrs["sigma"] = sigma
            f.attrs["features"] = ",".join(names)
            f.attrs["source"] = ("scikit-learn load_diabetes(scaled=False) (Efron et al. 2004); "
                                 "columns standardised (mean 0, population sd 1), response "
                                 "centred; sigma = sqrt(RSS / (n - d)) of least squares")
        print(f"wrote {path}: A {A.shape}, b {b.shape}, sigma = {sigma:.10g}")
        print("least squares:", np.array2string(coef, precision=4))
        return 0
    with h5py.File(path, "r") as f:
        A0, b0, s0 = f["A"][...], f["b"][...], float(f.attrs["sigma"])
    ok = A0.shape == A.shape and b0.shape == b.shape
    ok = ok and np.allclose(A0, A, rtol=1e-12, atol=1e-12 * np.abs(A).max())
    ok = ok and np.allclose(b0, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())
    ok = ok and abs(s0 - sigma) <= 1e-12 * sigma
    print(f"{path}: {'agrees with' if ok else 'DIFFERS from'} a rebuild "
          f"(sigma stored {s0:.10g}, rebuilt {sigma:.10g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
