#!/usr/bin/python3
"""OT-Flow's generator alone and followed by RWPO-L1 layers: sample quality on held-out swissroll.

    /usr/bin/python3 bench/otflow.py [build/src/rwpo]        the table (a few CPU minutes)
    /usr/bin/python3 bench/otflow.py --reference OUT.h5 [N] [SEED]
                                    write N (default 2000) held-out swissroll points to
                                    OUT.h5:/samples (configs/data/swissroll_heldout.h5 is
                                    `--reference configs/data/swissroll_heldout.h5 2000 7`)

The swissroll is OT-Flow's (lib/toy_data.py: sklearn's make_swiss_roll with noise 1.0, columns
0 and 2, divided by 5), re-written in numpy: t = 1.5 pi (1 + 2 u), u ~ U(0, 1),
x = (t cos t, t sin t) + N(0, I), divided by 5 (sklearn's height coordinate is dropped).

Every run: N particles z ~ N(0, I) at layer 0 (OT-Flow's latent), flow.steps = 12 RK4 steps of
OT-Flow's pretrained swissroll generator (configs/data/otflow_swissroll_phi.h5), then L RWPO-L1
layers with f = 0 (problem.type = none), lambda, h = T. Compared with the held-out points
(configs/data/swissroll_heldout.h5, R = 2000) by the run's own sample-quality observables at the
last layer: energy distance, sliced W2 (64 directions), OT-Flow's MMD; and the fractions of
exact zeros: raw and after the read-out S_{lambda_out T}(x) with lambda_out = READOUT_LAMBDA
(the same threshold for every row). The noise floor is a fresh swissroll sample of N points
against the same reference (numpy). Prints a Markdown table (about 20 s). Not a CI test.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
N = 2000
READOUT_LAMBDA = 10.0  # read-out threshold lambda_out T = 0.1 at T = h = 0.01
H = 0.01


def swissroll(n, rng):
    """OT-Flow's swissroll (lib/toy_data.py), re-written in numpy."""
    t = 1.5 * np.pi * (1 + 2 * rng.random(n))
    x = t * np.cos(t)
    rng.random(n)  # sklearn's height coordinate, dropped by OT-Flow
    y = t * np.sin(t)
    data = np.stack([x, y], axis=1) + rng.standard_normal((n, 2))
    return data / 5


def write_reference(path, n, seed):
    with h5py.File(path, "w") as f:
        f["samples"] = swissroll(n, np.random.default_rng(seed))
        f.attrs["source"] = ("held-out swissroll (OT-Flow's definition), bench/otflow.py "
                             f"--reference {os.path.basename(path)} {n} {seed}")


def run(rwpo, tmp, name, layers, lam, h):
    out = os.path.join(tmp, name + ".h5")
    sets = [f"run.output={out}", f"run.layers={12 + layers}", f"sampler.lambda={lam}",
            f"sampler.h={h}", f"particles.n={N}", f"flow.readout_lambda={READOUT_LAMBDA}",
            f"run.every={12 + layers}"]
    cmd = [rwpo, "run", os.path.join(ROOT, "configs/otflow_swissroll.ini")]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as f:
        o = f["observables"]
        get = lambda k: o[k]["value"][-1]
        return (float(get("energy_distance")), float(get("sliced_w2")), float(get("mmd")),
                get("zero_fractions"), float(get("readout_zeros")))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--reference":
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
        seed = int(sys.argv[4]) if len(sys.argv) > 4 else 7
        write_reference(sys.argv[2], n, seed)
        return
    rwpo = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/src/rwpo")
    cases = [("otflow", 0, 0.0, H)]
    for lam in (0.3, 1.0, 3.0):
        for layers in (2, 5, 10):
            cases.append((f"l{lam}_L{layers}", layers, lam, H))
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(rwpo, tmp, *c) for c in cases]
    # the noise floor: a fresh swissroll sample of N points against the same reference
    with h5py.File(os.path.join(ROOT, "configs/data/swissroll_heldout.h5"), "r") as f:
        Y = f["samples"][()]
    X = swissroll(N, np.random.default_rng(11))
    dist = lambda a, b: np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    e_floor = 2 * dist(X, Y).mean() - dist(X, X).mean() - dist(Y, Y).mean()
    kxx, kyy, kxy = (np.exp(-(dist(a, b) ** 2 + 1e-5)) for a, b in ((X, X), (Y, Y), (X, Y)))
    m_floor = ((kxx.sum() - np.trace(kxx)) / (N * (N - 1)) +
               (kyy.sum() - np.trace(kyy)) / (len(Y) * (len(Y) - 1)) - 2 * kxy.mean())
    print(f"N = {N} particles against R = {len(Y)} held-out swissroll points; h = T = {H}, "
          f"f = 0; read-out S_(lambda_out T) with lambda_out = {READOUT_LAMBDA:g} (threshold "
          f"{READOUT_LAMBDA * H:g}). Noise floor (a fresh swissroll sample of {N}): energy "
          f"{e_floor:.5f}, MMD {m_floor:.2e}\n")
    print("| run | RWPO layers | lambda | energy | sliced W2 | MMD | energy / OT-Flow's | "
          "exact 0 | abs < 1e-2 | abs < 5e-2 | read-out zeros |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    e0 = rows[0][0]
    for (name, layers, lam, h), (e, sw, mmd, z, rz) in zip(cases, rows):
        label = "OT-Flow alone (nt = 12)" if layers == 0 else "OT-Flow + RWPO-L1"
        print(f"| {label} | {layers} | {lam:g} | {e:.5f} | {sw:.4f} | {mmd:.2e} | "
              f"{e / e0:.2f} | {z[0]:.3f} | {z[1]:.4f} | {z[2]:.4f} | {rz:.4f} |")


if __name__ == "__main__":
    main()
