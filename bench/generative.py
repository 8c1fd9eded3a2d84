#!/usr/bin/python3
"""Generative modelling benchmark: problem.type = data on OT-Flow's 2-D toy sets.

For each set (moons, rings, swissroll; configs/<set>.ini: N = M = 2000, 250 layers, bandwidth
annealed geometrically from 1 to 0.1 over all 250 layers, h = T = 0.2 sd_k^2, joint weights) the script makes the data with `rwpo data` (training set seed 1, held-out set seed 2,
and six more independent sets, seeds 3..8, for the noise floor), runs the configuration on 1
and 2 ranks (mpirun -np P) and prints a Markdown table:

    wall 1 / wall 2   seconds of the whole `mpirun -np P rwpo run` command (MPI start-up included)
    run 1 / run 2     rwpo's own `total` timer (max over ranks)
    energy            energy distance 2 E|X - Y| - E|X - X'| - E|Y - Y'| (V-statistic, numpy)
                      between the final cloud (2 ranks) and the held-out set
    floor             the same between two fresh independent sets of the same size: the mean
                      over three such pairs (seeds 3-4, 5-6, 7-8; one pair varies by 2x)
    ratio             energy / floor (goal: <= 2)
    dups              the duplicates observable at the last layer
    energy 150        energy of a 2-rank run annealing over the first 150 layers only
                      (--set problem.bandwidth_layers=150), and its ratio to the floor

Then one run with lambda > 0 (moons, sampler.lambda = LAMBDA): energy and the fraction of
coordinates that are exactly 0.0 in the final cloud.

Run from the repository root after a build:  /usr/bin/python3 bench/generative.py [build/src/rwpo]
Not a CI test: times depend on the machine's load.
"""
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

RWPO = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/src/rwpo")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETS = ["moons", "rings", "swissroll"]
M = 2000
LAMBDA = 1.0
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")


def energy(x, y):
    """2 E|X - Y| - E|X - X'| - E|Y - Y'| (V-statistic)."""
    def md(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).mean()
    return 2 * md(x, y) - md(x, x) - md(y, y)


def sh(cmd, cwd):
    t0 = time.time()
    r = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return time.time() - t0, r.stdout + r.stderr


def total_timer(log):
    for line in log.splitlines():
        f = line.split()
        if len(f) >= 4 and f[0] == "total":
            return float(f[3])
    return float("nan")


def run(cfg, out, np_, cwd, sets=()):
    cmd = ["mpirun", "-np", str(np_), RWPO, "run", cfg, "--set", f"run.output={out}",
           "--set", "run.progress=1000", "--overwrite"]
    for s in sets:
        cmd += ["--set", s]
    wall, log = sh(cmd, cwd)
    return wall, total_timer(log)


def main():
    tmp = tempfile.mkdtemp(prefix="rwpo_generative_")
    os.makedirs(os.path.join(tmp, "out"))
    print(f"rwpo: {RWPO}; work directory {tmp}\n")
    print("| data | N | M | layers | wall 1 (s) | wall 2 (s) | run 1 (s) | run 2 (s) | energy | "
          "floor | ratio | dups | energy 150 (ratio) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in SETS:
        data = os.path.join(tmp, "out", f"{name}.h5")
        for seed, ds in [(1, "train"), (2, "test")] + [(s, f"fresh{s}") for s in range(3, 9)]:
            sh([RWPO, "data", name, "--n", str(M), "--seed", str(seed), "-o", f"{data}:/{ds}"],
               tmp)
        cfg = os.path.join(ROOT, "configs", f"{name}.ini")
        w1, t1 = run(cfg, f"out/{name}_1.h5", 1, tmp)
        w2, t2 = run(cfg, f"out/{name}_2.h5", 2, tmp)
        with h5py.File(os.path.join(tmp, "out", f"{name}_2.h5"), "r") as f:
            x = f["particles/cloud/position/value"][-1]
            dups = f["observables/duplicates/value"][()].ravel()[-1]
            layers = int(f["particles/cloud/position/step"][-1])
        with h5py.File(data, "r") as f:
            held = f["test"][()]
            fl = np.mean([energy(f[f"fresh{s}"][()], f[f"fresh{s + 1}"][()]) for s in (3, 5, 7)])
        e = energy(x, held)
        run(cfg, f"out/{name}_150.h5", 2, tmp, ["problem.bandwidth_layers=150"])
        with h5py.File(os.path.join(tmp, "out", f"{name}_150.h5"), "r") as f:
            e150 = energy(f["particles/cloud/position/value"][-1], held)
        print(f"| {name} | {len(x)} | {M} | {layers} | {w1:.2f} | {w2:.2f} | {t1:.2f} | "
              f"{t2:.2f} | {e:.5f} | {fl:.5f} | {e / fl:.2f} | {dups:.3g} | "
              f"{e150:.5f} ({e150 / fl:.2f}) |", flush=True)

    # lambda > 0: the L1 prior on top of the data target
    cfg = os.path.join(ROOT, "configs", "moons.ini")
    run(cfg, "out/moons_l1.h5", 2, tmp, [f"sampler.lambda={LAMBDA}"])
    with h5py.File(os.path.join(tmp, "out", "moons_l1.h5"), "r") as f:
        x = f["particles/cloud/position/value"][-1]
    with h5py.File(os.path.join(tmp, "out", "moons.h5"), "r") as f:
        held = f["test"][()]
    zeros = np.mean(x == 0.0)
    print(f"\nmoons with lambda = {LAMBDA}: energy {energy(x, held):.5f}, exact zeros "
          f"{zeros:.4f} of the coordinates ({np.mean((x == 0.0).any(1)):.4f} of the particles "
          f"have one), |x| <= 1e-2: {np.mean(np.abs(x) <= 1e-2):.4f}")


if __name__ == "__main__":
    main()
