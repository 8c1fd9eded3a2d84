#!/usr/bin/python3
"""Accuracy benchmark of every shipped sampler on the diabetes Bayesian lasso.

    pi(x) ∝ exp(-beta (|A x - b|^2 / (2 sigma^2) + lambda |x|_1)),  beta = 1, lambda = 0.5
    (configs/data/diabetes.h5, d = 10; configs/diabetes_gibbs.ini, configs/diabetes_lasso.ini)

Gold standard: gibbs_lasso (exact), N = 2000 chains, GOLD_SWEEPS sweeps, the frames every 10
sweeps from sweep 20 on pooled (the last frame is held out: it is the noise floor, 2000 exact
iid draws). Every other run has N = 2000 particles; its cloud at the listed layer (2000 draws) is
compared with the gold standard per coordinate k (gold mean m_k, sd s_k):
    mean err   max_k |mean_k - m_k| / s_k
    sd ratio   min_k .. max_k sd_k / s_k
    W1         max_k and mean_k of the 1-D Wasserstein distance (exact, by sorting) / s_k
    corr err   max_{k != l} |R_kl - R^gold_kl| (correlation matrices)
    near 0     mean_k of the fraction of draws with |x_k| < 0.05 s_k (the gold's in the header)
    CPU s      user + system seconds of the run (rusage of the child process; a frame inside a
               longer run gets the run's CPU pro rata of its layers)
emcee (32 walkers, affine-invariant ensemble, numpy log density) runs for EMCEE_CPU seconds of
CPU; its second half, thinned to 2000 draws, is compared the same way.

Run from the repository root after a build:
    /usr/bin/python3 bench/accuracy.py [build/src/rwpo] [--only GROUPS]
GROUPS is a comma-separated subset of the row groups gibbs, mcmc, rwpo, precond, svgd, emcee
(default: all); the gold standard and the iid floor are always computed. Single rank (the
problem is small); all groups take about 11 CPU minutes, precond about 3.5 and svgd about 5.
Prints a Markdown table. Not a CI test: it depends on load and takes minutes.
"""
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

ARGS, GROUPS = [], {"gibbs", "mcmc", "rwpo", "precond", "svgd", "emcee"}
_argv = sys.argv[1:]
while _argv:
    _a = _argv.pop(0)
    if _a == "--only" and _argv:
        GROUPS = set(_argv.pop(0).split(","))
    elif _a.startswith("--only="):
        GROUPS = set(_a.split("=", 1)[1].split(","))
    else:
        ARGS.append(_a)
RWPO = os.path.abspath(ARGS[0] if ARGS else "build/src/rwpo")
GOLD_SWEEPS = 600
N = 2000
EMCEE_CPU = 5.0
MCMC = [  # method, h, layers, layers to report (frames)
    ("pmala", 1.0, 2000, [200, 500, 1000, 2000]),
    ("myula", 0.5, 2000, [1000, 2000]),
    ("ula", 0.5, 2000, [1000, 2000]),
]
RWPO_RUNS = [  # weights, h, layers, layers to report (T = h x layers)
    ("coordinatewise", 0.5, 500, [50, 200, 500]),
    ("joint", 0.5, 500, [50, 200, 500]),
    ("joint", 0.1, 500, [250, 500]),
]
PRECOND_RUNS = [  # label, sets, layers, layers to report (preconditioned rwpo_l1; T = h)
    ("full (prox), covariance, h = 0.1", ["sampler.precondition=full", "sampler.h=0.1"], 400,
     [200, 400]),
    ("full (prox), covariance, h = 0.05", ["sampler.precondition=full", "sampler.h=0.05"], 400,
     [400]),
    ("full (prox), covariance, h = 0.05, T = 0.01",
     ["sampler.precondition=full", "sampler.h=0.05", "sampler.T=0.01"], 400, [400]),
    ("full (moreau, gamma = 1), covariance, h = 0.1",
     ["sampler.precondition=full", "sampler.precondition_l1=moreau", "sampler.gamma=1",
      "sampler.h=0.1"], 200, [200]),
    ("full (prox), hessian, h = 0.1",
     ["sampler.precondition=full", "sampler.precondition_source=hessian", "sampler.h=0.1"],
     200, [200]),
    ("full (prox), covariance, joint, h = 0.1",
     ["sampler.precondition=full", "sampler.weights=joint", "sampler.h=0.1"], 200, [200]),
    ("diagonal, covariance, h = 0.2", ["sampler.precondition=diagonal", "sampler.h=0.2"], 1000,
     [500, 1000]),
    ("diagonal, hessian, joint, h = 0.01",
     ["sampler.precondition=diagonal", "sampler.precondition_source=hessian",
      "sampler.weights=joint", "sampler.h=0.01"], 400, [400]),
    ("full (prox), covariance, h = 0.1, + pmala K = 1",
     ["sampler.precondition=full", "sampler.h=0.1", "sampler.correct=pmala"], 200, [200]),
]
SVGD_RUNS = [  # label, sets, layers, layers to report
    ("svgd, h = 1", ["sampler.method=svgd", "sampler.h=1"], 1000, [500, 1000]),
    ("svgd, h = 3", ["sampler.method=svgd", "sampler.h=3"], 4000, [1000, 2000, 4000]),
]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OPENBLAS_NUM_THREADS="1")


def run(ini, out, *sets):
    """rwpo run (one process, MPI singleton); returns its CPU seconds."""
    args = [RWPO, "run", ini, "--overwrite"]
    for s in (f"run.output={out}", "run.progress=86400", "run.checkpoint_every=0") + sets:
        args += ["--set", s]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(args, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"rwpo failed ({' '.join(args)}):\n{p.stdout[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def frames(path):
    with h5py.File(path, "r") as f:
        pos = f["particles/cloud/position"]
        return pos["value"][()], pos["step"][()]


def w1(a, b):
    """1-D Wasserstein-1 distance between two empirical measures: integral |F_a - F_b| dx."""
    a, b = np.sort(a), np.sort(b)
    allv = np.sort(np.concatenate([a, b]))
    dx = np.diff(allv)
    fa = np.searchsorted(a, allv[:-1], side="right") / len(a)
    fb = np.searchsorted(b, allv[:-1], side="right") / len(b)
    return float(np.sum(np.abs(fa - fb) * dx))


def corr(x):
    return np.corrcoef(x, rowvar=False)


class Gold:
    def __init__(self, x):
        self.x = x
        self.m, self.s = x.mean(0), x.std(0)
        self.r = corr(x)
        self.near0 = float(np.mean(np.abs(x) < 0.05 * self.s))

    def metrics(self, y):
        m = np.abs(y.mean(0) - self.m) / self.s
        sr = y.std(0) / self.s
        w = np.array([w1(y[:, k], self.x[:, k]) for k in range(y.shape[1])]) / self.s
        ce = np.abs(corr(y) - self.r).max()
        n0 = float(np.mean(np.abs(y) < 0.05 * self.s))
        return m.max(), sr.min(), sr.max(), w.max(), w.mean(), ce, n0


def emcee_draws(A, b, sigma, beta, lam, seed=1):
    import emcee
    d = A.shape[1]
    AtA, Atb, btb = A.T @ A, A.T @ b, b @ b

    def logp(x):  # vectorized over walkers: x [W][d]
        quad = np.einsum("wi,ij,wj->w", x, AtA, x) - 2 * x @ Atb + btb
        return -beta * (quad / (2 * sigma**2) + lam * np.abs(x).sum(1))

    rng = np.random.default_rng(seed)
    x0 = np.linalg.solve(AtA, Atb) + rng.normal(size=(32, d))
    sampler = emcee.EnsembleSampler(32, d, logp, vectorize=True)
    start = time.process_time()
    state = x0
    while time.process_time() - start < EMCEE_CPU:
        state = sampler.run_mcmc(state, 500, progress=False)
    cpu = time.process_time() - start
    chain = sampler.get_chain()  # [steps][walkers][d]
    keep = chain[len(chain) // 2:].reshape(-1, d)
    idx = np.linspace(0, len(keep) - 1, N).astype(int)
    return keep[idx], cpu, len(chain)


def main():
    tmp = tempfile.mkdtemp(prefix="rwpo_accuracy_")
    try:
        bench(os.getcwd(), tmp)
    finally:
        subprocess.run(["rm", "-rf", tmp])


def bench(root, tmp):
    gibbs_ini = os.path.join(root, "configs/diabetes_gibbs.ini")
    lasso_ini = os.path.join(root, "configs/diabetes_lasso.ini")
    rows = []

    # gold standard (seed 1) and its held-out last frame (the iid noise floor)
    cpu = run(gibbs_ini, f"{tmp}/gold.h5", f"run.layers={GOLD_SWEEPS}", "run.every=10")
    x, steps = frames(f"{tmp}/gold.h5")
    gold = Gold(x[(steps >= 20) & (steps < steps[-1])].reshape(-1, x.shape[2]))
    floor = x[-1]
    with h5py.File(f"{tmp}/gold.h5", "r") as f:
        p = f["parameters"].attrs
        sigma, beta, lam = (float(p[k]) for k in ("problem.sigma", "sampler.beta",
                                                  "sampler.lambda"))
    with h5py.File(os.path.join(root, "configs/data/diabetes.h5"), "r") as f:
        A, b = f["A"][()], f["b"][()]
    rows.append(("iid exact draws (held-out gold frame)", "", gold.metrics(floor), None))

    if "gibbs" in GROUPS:  # gibbs_lasso itself, another seed, 50 sweeps
        gibbs_rows(rows, gold, gibbs_ini, tmp)
    if "mcmc" in GROUPS:
        mcmc_rows(rows, gold, lasso_ini, tmp)
    if "rwpo" in GROUPS:
        rwpo_rows(rows, gold, lasso_ini, tmp)
    for group, runs in (("precond", PRECOND_RUNS), ("svgd", SVGD_RUNS)):
        if group not in GROUPS:
            continue
        for i, (label, sets, layers, report) in enumerate(runs):
            out = f"{tmp}/{group}{i}.h5"
            cpu = run(lasso_ini, out, *sets, f"run.layers={layers}",
                      f"run.every={math.gcd(*report)}")
            x, steps = frames(out)
            for L in report:
                name = label if group == "svgd" else f"rwpo_l1 preconditioned {label}"
                rows.append((name, f"{L} layers", gold.metrics(x[list(steps).index(L)]),
                             cpu * L / layers))
    if "emcee" in GROUPS:
        y, cpu, steps = emcee_draws(A, b, sigma, beta, lam)
        rows.append(("emcee, 32 walkers", f"{steps} steps", gold.metrics(y), cpu))
    table(rows, gold)


def gibbs_rows(rows, gold, gibbs_ini, tmp):
    cpu = run(gibbs_ini, f"{tmp}/gibbs.h5", "run.layers=50", "run.every=25", "run.seed=7")
    x, steps = frames(f"{tmp}/gibbs.h5")
    for L in (25, 50):
        rows.append(("gibbs_lasso (seed 7)", f"{L} sweeps", gold.metrics(x[list(steps).index(L)]),
                     cpu * L / 50))


def mcmc_rows(rows, gold, lasso_ini, tmp):
    for method, h, layers, report in MCMC:
        cpu = run(lasso_ini, f"{tmp}/{method}.h5", f"sampler.method={method}", f"sampler.h={h}",
                  f"run.layers={layers}", f"run.every={math.gcd(*report)}")
        x, steps = frames(f"{tmp}/{method}.h5")
        for L in report:
            rows.append((f"{method}, h = {h}", f"{L} layers", gold.metrics(x[list(steps).index(L)]),
                         cpu * L / layers))


def rwpo_rows(rows, gold, lasso_ini, tmp):
    for weights, h, layers, report in RWPO_RUNS:
        cpu = run(lasso_ini, f"{tmp}/rwpo_{weights}.h5", f"sampler.weights={weights}",
                  f"sampler.h={h}", f"run.layers={layers}", f"run.every={math.gcd(*report)}")
        x, steps = frames(f"{tmp}/rwpo_{weights}.h5")
        for L in report:
            rows.append((f"rwpo_l1 {weights}, h = {h}", f"T = {h * L:g} ({L} layers)",
                         gold.metrics(x[list(steps).index(L)]), cpu * L / layers))


def table(rows, gold):
    print(f"Gold standard: gibbs_lasso, {len(gold.x)} pooled draws ({N} chains, sweeps 20.."
          f"{GOLD_SWEEPS - 10} every 10); gold near-0 fraction {gold.near0:.4f}. "
          f"Every row: {N} draws.\n")
    print("| sampler | run | mean err / sd | sd ratio | W1 max / sd | W1 mean / sd | corr err |"
          " near 0 | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, what, (me, s0, s1, wm, wa, ce, n0), cpu in rows:
        c = "" if cpu is None else f"{cpu:.1f}"
        print(f"| {name} | {what} | {me:.3f} | {s0:.2f}-{s1:.2f} | {wm:.3f} | {wa:.3f} | {ce:.3f} |"
              f" {n0:.4f} | {c} |")


if __name__ == "__main__":
    main()
