#!/usr/bin/python3
"""Check the sample-quality observables of a run file against direct numpy formulas.

usage: check_quality.py RUN.h5 REFERENCE.h5:/dataset [OTHER_RUN.h5]

For every recorded layer of RUN.h5 (flow.file and problem.reference_file set), recomputed from
the recorded positions X [N][d] and the reference Y [R][d]:
  energy_distance  2 mean|X - Y| - mean|X - X'| - mean|Y - Y'| (all pairs)
  mmd              OT-Flow's src/mmd.py MMDStatistic (unbiased, alpha = 1) re-written in numpy:
                   pdist with eps = 1e-5 under the square root, kernel exp(-dist^2), the traces
                   taken out, a00 = 1/(N(N-1)), a11 = 1/(R(R-1)), a01 = -1/(N R)
  sliced_w2        directions from a numpy re-implementation of Philox4x32-10 (Random123's
                   rounds; rwpo's key/counter layout and Box-Muller, stream 6), checked first on
                   layer 0 (the initial cloud is drawn from the same generator, stream 1);
                   W2^2 per direction from N R expanded points (np.repeat) sorted and matched
  nn_reference     np.quantile([.05, .5]) of the nearest distances particle -> reference, and
                   of reference -> other reference point
  zero_fractions   fractions of the coordinates == 0, < 1e-2, < 5e-2
  readout_zeros    fraction of |x| <= readout_lambda * T (T = h of the last layer)
to a relative 1e-12 (absolute 1e-12 for values near 0); at the layers that are not multiples of
problem.quality_every (nor the last) the values must be NaN. With OTHER_RUN.h5 (the same run on
another rank count) its observables must agree with RUN.h5's to 1e-12 and its positions of the
flow layers (k <= flow.steps) must be bitwise equal. Exit 0 when all hold.
"""
import sys

import h5py
import numpy as np

MASK = 0xFFFFFFFF


def philox(ctr, key):
    c, k = list(ctr), list(key)
    for r in range(10):
        if r:
            k = [(k[0] + 0x9E3779B9) & MASK, (k[1] + 0xBB67AE85) & MASK]
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [((p1 >> 32) ^ c[1] ^ k[0]) & MASK, p1 & MASK, ((p0 >> 32) ^ c[3] ^ k[1]) & MASK,
             p0 & MASK]
    return c


def normal(seed, stream, layer, pid, coord):
    r = philox([pid & MASK, pid >> 32, coord, (stream << 24) | (layer & 0xFFFFFF)],
               [seed & MASK, seed >> 32])
    a, b = (r[0] << 32) | r[1], (r[2] << 32) | r[3]
    u0 = ((a >> 11) + 0.5) * 2.0 ** -53
    u1 = ((b >> 11) + 0.5) * 2.0 ** -53
    return np.sqrt(-2.0 * np.log(u0)) * np.cos(6.283185307179586476925286766559 * u1)


def pdist(a, b, eps=1e-5):  # OT-Flow's pdist (norm 2), in float64
    na = np.sum(a ** 2, axis=1, keepdims=True)
    nb = np.sum(b ** 2, axis=1, keepdims=True)
    return np.sqrt(eps + np.abs(na + nb.T - 2 * a @ b.T))


def otflow_mmd(x, y):  # OT-Flow's MMDStatistic(n1, n2)(x, y, [1.0])
    n1, n2 = len(x), len(y)
    s = np.concatenate([x, y])
    k = np.exp(-1.0 * pdist(s, s) ** 2)
    k1, k2, k12 = k[:n1, :n1], k[n1:, n1:], k[:n1, n1:]
    return (2 * (-1.0 / (n1 * n2)) * k12.sum() + (1.0 / (n1 * (n1 - 1))) * (k1.sum() - np.trace(k1))
            + (1.0 / (n2 * (n2 - 1))) * (k2.sum() - np.trace(k2)))


def dist(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


def close(a, b, tol=1e-12):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b)))


def main():
    run, ref_spec = sys.argv[1], sys.argv[2]
    other = sys.argv[3] if len(sys.argv) > 3 else None
    path, dset = ref_spec.rsplit(":/", 1)
    with h5py.File(path, "r") as f:
        Y = f[dset][()]
    fails = []
    with h5py.File(run, "r") as f:
        P = f["parameters"].attrs
        seed = int(P["run.seed"])
        K = int(P["problem.directions"])
        every = int(P["problem.quality_every"])
        layers = int(P["run.layers"])
        lam_out = float(P["flow.readout_lambda"])
        h = float(P["sampler.h"])  # no schedule in the test configuration: T = h
        pos = f["particles/cloud/position/value"][()]
        steps = f["particles/cloud/position/step"][()]
        obs = {k: f["observables"][k]["value"][()] for k in f["observables"]}
        N, d = pos.shape[1:]
        # the generator itself: layer 0 is rng_normal(seed, stream 1, 0, id, coord)
        x0 = np.array([[normal(seed, 1, 0, i, c) for c in range(d)] for i in range(N)])
        if steps[0] != 0 or not np.array_equal(x0, pos[0]):
            fails.append(f"Philox re-implementation does not reproduce layer 0 "
                         f"(max diff {np.abs(x0 - pos[0]).max():.3g})")
        th = np.array([[normal(seed, 6, 0, k, c) for c in range(d)] for k in range(K)])
        th /= np.linalg.norm(th, axis=1, keepdims=True)
        dyy = dist(Y, Y)
        R = len(Y)
        np.fill_diagonal(dyy, np.inf)
        ref_nn = np.quantile(dyy.min(1), [0.05, 0.5])
        np.fill_diagonal(dyy, 0.0)
        eyy = dyy.mean()
        for r, k in enumerate(steps):
            X = pos[r]
            due = k % every == 0 or k == layers
            want = {}
            z = np.abs(X)
            want["zero_fractions"] = [np.mean(z == 0), np.mean(z < 1e-2), np.mean(z < 5e-2)]
            want["readout_zeros"] = np.mean(z <= lam_out * h)
            if due:
                dxy = dist(X, Y)
                want["energy_distance"] = 2 * dxy.mean() - dist(X, X).mean() - eyy
                want["mmd"] = otflow_mmd(X, Y)
                w2 = 0.0
                for t in th:
                    a = np.sort(np.repeat(X @ t, R))
                    b = np.sort(np.repeat(Y @ t, N))
                    w2 += np.mean((a - b) ** 2)
                want["sliced_w2"] = np.sqrt(w2 / K)
                want["nn_reference"] = np.concatenate([np.quantile(dxy.min(1), [0.05, 0.5]),
                                                       ref_nn])
            for name in ("energy_distance", "mmd", "sliced_w2", "nn_reference"):
                got = obs[name][r]
                if not due:
                    if not np.all(np.isnan(got)):
                        fails.append(f"layer {k}: {name} = {got}, expected NaN "
                                     f"(quality_every = {every})")
                elif not close(got, want[name]):
                    fails.append(f"layer {k}: {name} = {got!r}, numpy {want[name]!r}")
            for name in ("zero_fractions", "readout_zeros"):
                if not close(obs[name][r], want[name]):
                    fails.append(f"layer {k}: {name} = {obs[name][r]}, numpy {want[name]}")
        print(f"{run}: {len(steps)} layers checked ({', '.join(map(str, steps))}), N = {N}, "
              f"R = {R}, K = {K}; final energy {obs['energy_distance'][-1]:.6g}, sliced W2 "
              f"{obs['sliced_w2'][-1]:.6g}, MMD {obs['mmd'][-1]:.6g}")
        if other:
            flow_steps = int(P["flow.steps"])
            with h5py.File(other, "r") as g:
                pos2 = g["particles/cloud/position/value"][()]
                for r, k in enumerate(steps):
                    if k <= flow_steps and not np.array_equal(pos[r], pos2[r]):
                        fails.append(f"layer {k} (a flow layer): positions differ from {other}")
                for name in ("energy_distance", "mmd", "sliced_w2", "nn_reference",
                             "zero_fractions", "readout_zeros"):
                    a, b = obs[name], g["observables"][name]["value"][()]
                    nan = np.isnan(a)
                    if not (np.array_equal(nan, np.isnan(b)) and close(a[~nan], b[~nan])):
                        fails.append(f"{name}: {run} and {other} differ")
    for m in fails:
        print("FAIL", m)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
