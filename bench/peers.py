#!/usr/bin/python3
"""The same attention layer in numpy and PyTorch (best-practice formulations), timed on the same
sizes as `rwpo bench`; prints how many times faster rwpo is (peer time / rwpo time).

usage: bench/peers.py [--n 4096] [--d 2,20,128] [--weights joint|coordinatewise|both] [--rwpo BIN]

Joint weights: logits by one matrix product (N x N memory), softmax, values by a second product.
Coordinatewise weights: per coordinate an N x N logit matrix (vectorised over the coordinates in
chunks so memory stays bounded). Both use the exact erfcx key bias (scipy-free: computed by
rwpo's formula with math.erfc in numpy) and exp with the row max, in float64, one thread.
With --rwpo the rwpo binary's bench is run on the same sizes and the ratios printed.
Needs python3-numpy (and python3-torch for the PyTorch column) from Debian, under /usr/bin/python3.
"""
import argparse, os, re, subprocess, sys, time
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np

try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None

BETA, LAM, T = 1.0, 0.1, 0.1


def key_bias(y):
    """-log E(y) elementwise (exact normaliser), log-add-exp of two log erfcx terms."""
    from math import erfc, log, sqrt, pi
    s = sqrt(BETA / (4 * T))
    def log_erfcx(a):
        if a < 25:
            return a * a + log(erfc(a)) if erfc(a) > 0 else -log(a * sqrt(pi))
        return -log(a * sqrt(pi)) + log(1 - 0.5 / (a * a))
    f = np.vectorize(lambda u: -np.logaddexp(log_erfcx(s * (LAM * T - u)), log_erfcx(s * (LAM * T + u))))
    return f(y)


def joint_numpy(y, b):
    c = BETA / (2 * T)
    z = c * (y @ y.T) + b.sum(axis=1)[None, :]
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z @ y


def coord_numpy(y, b, chunk=4):
    c = BETA / (2 * T)
    out = np.empty_like(y)
    for k0 in range(0, y.shape[1], chunk):
        yk, bk = y[:, k0:k0 + chunk], b[:, k0:k0 + chunk]
        z = c * yk.T[:, :, None] * yk.T[:, None, :] + bk.T[:, None, :]   # [k][i][j]
        z -= z.max(axis=2, keepdims=True)
        np.exp(z, out=z)
        out[:, k0:k0 + chunk] = ((z * yk.T[:, None, :]).sum(axis=2) / z.sum(axis=2)).T
    return out


def joint_torch(y, b):
    c = BETA / (2 * T)
    z = c * (y @ y.T) + b.sum(dim=1)[None, :]
    return torch.softmax(z, dim=1) @ y


def coord_torch(y, b, chunk=4):
    c = BETA / (2 * T)
    out = torch.empty_like(y)
    for k0 in range(0, y.shape[1], chunk):
        yk, bk = y[:, k0:k0 + chunk], b[:, k0:k0 + chunk]
        z = c * yk.T[:, :, None] * yk.T[:, None, :] + bk.T[:, None, :]
        w = torch.softmax(z, dim=2)
        out[:, k0:k0 + chunk] = (w * yk.T[:, None, :]).sum(dim=2).T
    return out


def best_time(fn, reps=3):
    best = 1e300
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="4096")
    ap.add_argument("--d", default="2,20,128")
    ap.add_argument("--weights", default="both")
    ap.add_argument("--rwpo", default=None)
    a = ap.parse_args()
    ns = [int(v) for v in a.n.split(",")]
    ds = [int(v) for v in a.d.split(",")]
    ws = ["coordinatewise", "joint"] if a.weights == "both" else [a.weights]
    rw = {}
    if a.rwpo:
        out = subprocess.run([a.rwpo, "bench", "--n", a.n, "--d", a.d, "--weights", a.weights,
                              "--layers", "2", "--reps", "2"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.match(r"rwpo: (coordinatewise|joint)\s+(\d+)\s+(\d+)\s+([0-9.e+-]+)", line)
            if m:
                rw[(m.group(1), int(m.group(2)), int(m.group(3)))] = float(m.group(4))
    print(f"{'weights':15s} {'N':>6s} {'d':>4s} {'numpy s':>9s} {'torch s':>9s} {'rwpo s':>9s} "
          f"{'x numpy':>11s} {'x torch':>11s}")
    for w in ws:
        for d in ds:
            for n in ns:
                rng = np.random.default_rng(1)
                y = rng.standard_normal((n, d))
                b = key_bias(y)
                fn = joint_numpy if w == "joint" else coord_numpy
                tn = best_time(lambda: fn(y, b))
                tt = float("nan")
                if torch is not None:
                    yt, bt = torch.from_numpy(y), torch.from_numpy(b)
                    ft = joint_torch if w == "joint" else coord_torch
                    tt = best_time(lambda: ft(yt, bt))
                tr = rw.get((w, n, d), float("nan"))
                # rwpo's time is a whole layer (drift, bias, ring, update): a conservative ratio
                print(f"{w:15s} {n:6d} {d:4d} {tn:9.4f} {tt:9.4f} {tr:9.4f} {tn / tr:11.1f} {tt / tr:11.1f}")


if __name__ == "__main__":
    sys.exit(main())
