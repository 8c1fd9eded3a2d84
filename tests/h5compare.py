#!/usr/bin/python3
"""Compare the trajectories of two rwpo run files (or the final frames of two chains of segments).

usage: h5compare.py [--rtol R] [--final-only] A.h5[,A.seg1.h5,...] B.h5[,...]

Without --rtol the comparison is bitwise (positions, steps, times and every observable);
with --rtol R the final particles must agree to R relative (max abs diff / max abs value).
A comma-separated list is a chain of segments: frames of later segments replace those of the
same step in earlier ones. Exit 0 when equal, 1 otherwise (the first difference is printed).
"""
import sys
import h5py
import numpy as np


def load(chain):
    frames = {}  # step -> (time, positions, {observable: value})
    for path in chain.split(","):
        with h5py.File(path, "r") as f:
            steps = f["particles/cloud/position/step"][:]
            times = f["particles/cloud/position/time"][:]
            pos = f["particles/cloud/position/value"]
            obs = {}
            for name in f["observables"]:
                g = f["observables/" + name]
                obs[name] = dict(zip(g["step"][:].tolist(), g["value"][:]))
            for i, s in enumerate(steps.tolist()):
                if i == 0 and s in frames:
                    continue  # a segment's first frame repeats its restart layer
                frames[s] = (times[i], pos[i], {n: obs[n].get(s) for n in obs})
    return frames


def main():
    args = sys.argv[1:]
    rtol = None
    if args and args[0] == "--rtol":
        rtol = float(args[1])
        args = args[2:]
    a, b = load(args[0]), load(args[1])
    if rtol is not None:
        la, lb = max(a), max(b)
        if la != lb:
            print(f"last layers differ: {la} vs {lb}")
            return 1
        x, y = a[la][1], b[lb][1]
        rel = np.abs(x - y).max() / max(np.abs(y).max(), 1e-300)
        print(f"final layer {la}: relative difference {rel:.3e} (tolerance {rtol:g})")
        return 0 if rel <= rtol else 1
    if sorted(a) != sorted(b):
        print(f"recorded layers differ: {sorted(a)} vs {sorted(b)}")
        return 1
    for s in sorted(a):
        ta, pa, oa = a[s]
        tb, pb, ob = b[s]
        if ta != tb or not np.array_equal(pa, pb):
            print(f"layer {s}: time or positions differ")
            return 1
        for n in oa:
            va, vb = oa[n], ob.get(n)
            if va is None and vb is None:
                continue
            if va is None or vb is None or not np.array_equal(va, vb, equal_nan=True):
                print(f"layer {s}: observable {n} differs: {va} vs {vb}")
                return 1
    print(f"identical: {len(a)} recorded layers, last {max(a)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
