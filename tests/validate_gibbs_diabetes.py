#!/usr/bin/python3
"""Validate rwpo's gibbs_lasso gold standard on the diabetes lasso against samplers outside rwpo
(run by hand, not in CI; Debian: python3-emcee python3-h5py python3-numpy python3-scipy).

    /usr/bin/python3 tests/validate_gibbs_diabetes.py RUN.h5 [--steps S] [--burn B] [--seed K]

RUN.h5 is a run of configs/diabetes_gibbs.ini (the data paths are read from its /parameters).
The run's frames at layers >= B (default 20) are pooled. References:
  - emcee (affine-invariant ensemble, 40 walkers, S steps, default 100000; the first S/5 steps
    dropped, thinned by max(10, S / 10000)) on the same log density
        log pi(x) = -beta (|A x - b|^2 / (2 sigma^2) + lambda |x|_1);
  - an independent numpy Gibbs sampler (2000 chains x 1000 sweeps, numpy's own inverse
    Gaussian draws Generator.wald, numpy's batched Cholesky; frames every 10 sweeps from 20).
Printed per reference: the largest |mean difference| / sd, the sd ratios, the largest
Wasserstein-1 distance of the marginals / sd, the largest correlation difference; for the
pooled draws and for the run's last frame alone (2000 independent draws).
"""
import argparse
import sys

import h5py
import numpy as np
from scipy.stats import wasserstein_distance


def spec(text):
    path, dset = text.rsplit(":/", 1)
    return path, "/" + dset


def read_problem(run):
    with h5py.File(run, "r") as f:
        par = dict(f["parameters"].attrs)
        frames = f["particles/cloud/position/value"][...]
        steps = f["particles/cloud/position/step"][...]

    def get(k):
        v = par[k]
        return v.decode() if isinstance(v, bytes) else v

    pa, da = spec(get("problem.operator_file"))
    pb, db = spec(get("problem.data_file"))
    with h5py.File(pa, "r") as f:
        A = f[da][...]
    with h5py.File(pb, "r") as f:
        b = f[db][...]
    return (A, b, float(get("problem.sigma")), float(get("sampler.beta")),
            float(get("sampler.lambda")), frames, steps)


def log_prob(X, A, b, sigma, beta, lam):
    R = X @ A.T - b
    return -beta * ((R * R).sum(axis=-1) / (2 * sigma**2) + lam * np.abs(X).sum(axis=-1))


def numpy_gibbs(A, b, sigma, beta, lam, chains, sweeps, seed, burn=20, every=10):
    """Draws of an independent numpy Gibbs sampler: the chains at sweeps k >= burn, k % every
    == 0, stacked. Also used by tests/test_gibbs.sh."""
    rng = np.random.default_rng(seed)
    d = A.shape[1]
    Q0 = beta * A.T @ A / sigma**2
    c = beta * A.T @ b / sigma**2
    a = beta * lam
    x = rng.standard_normal((chains, d))
    keep = []
    for k in range(1, sweeps + 1):
        t = np.maximum(np.abs(x), 1e-300)
        u = rng.wald(a / t, a * a)  # 1/s | x ~ InverseGaussian(a/|x|, a^2)
        Q = Q0[None] + u[:, :, None] * np.eye(d)[None]
        L = np.linalg.cholesky(Q)
        mean = np.linalg.solve(Q, np.broadcast_to(c, (chains, d))[..., None])[..., 0]
        z = rng.standard_normal((chains, d))
        x = mean + np.linalg.solve(np.swapaxes(L, 1, 2), z[..., None])[..., 0]
        if k >= burn and k % every == 0:
            keep.append(x.copy())
    return np.concatenate(keep)


def run_emcee(A, b, sigma, beta, lam, steps, seed, start):
    import emcee

    d = A.shape[1]
    walkers = 40
    rng = np.random.default_rng(seed)
    p0 = start + 0.1 * rng.standard_normal((walkers, d))
    sampler = emcee.EnsembleSampler(walkers, d, log_prob, args=(A, b, sigma, beta, lam),
                                    vectorize=True)
    np.random.seed(seed)
    sampler.run_mcmc(p0, steps, progress=False)
    try:
        tau = sampler.get_autocorr_time(discard=steps // 5)
    except Exception as e:  # too short a run for a reliable estimate
        tau = np.array([np.nan] * d)
        print("emcee autocorrelation:", e)
    return sampler.get_chain(discard=steps // 5, thin=max(10, steps // 10000), flat=True), tau


def compare(name, X, R):
    """X: draws under test, R: reference draws."""
    mr, sr = R.mean(0), R.std(0)
    mx, sx = X.mean(0), X.std(0)
    w1 = np.array([wasserstein_distance(X[:, j], R[:, j]) for j in range(R.shape[1])]) / sr
    cr, cx = np.corrcoef(R.T), np.corrcoef(X.T)
    print(f"{name:<44s} n = {len(X):>6d}: max |mean err|/sd {np.max(np.abs(mx - mr) / sr):.4f}"
          f"  sd ratio {np.min(sx / sr):.4f}-{np.max(sx / sr):.4f}  max W1/sd {w1.max():.4f}"
          f"  max |corr err| {np.abs(cx - cr).max():.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--burn", type=int, default=20)
    ap.add_argument("--seed", type=int, default=12345)
    args = ap.parse_args()
    A, b, sigma, beta, lam, frames, steps = read_problem(args.run)
    n, d = frames.shape[1:]
    G = frames[steps >= args.burn].reshape(-1, d)
    last = frames[-1]
    print(f"rwpo gibbs_lasso: {len(steps)} frames, layers {steps[0]}..{steps[-1]}, "
          f"N = {n}, d = {d}; pooled frames from layer {args.burn}: {len(G)} draws")
    np.set_printoptions(precision=4, suppress=True, linewidth=150)
    print("rwpo pooled mean:", G.mean(0))
    print("rwpo pooled sd:  ", G.std(0))

    NG = numpy_gibbs(A, b, sigma, beta, lam, 2000, 1000, args.seed)
    print("numpy Gibbs mean:", NG.mean(0))
    print("numpy Gibbs sd:  ", NG.std(0))
    E, tau = run_emcee(A, b, sigma, beta, lam, args.steps, args.seed, G.mean(0))
    print("emcee mean:      ", E.mean(0))
    print("emcee sd:        ", E.std(0))
    print("emcee integrated autocorrelation (steps):", tau)
    for ref_name, R in (("numpy Gibbs", NG), ("emcee", E)):
        print(f"--- against {ref_name} ({len(R)} draws)")
        compare("rwpo pooled (layers >= burn)", G, R)
        compare("rwpo last frame (2000 independent draws)", last, R)
    print("--- the two references against each other")
    compare("numpy Gibbs vs emcee", NG, E)
    return 0


if __name__ == "__main__":
    sys.exit(main())
