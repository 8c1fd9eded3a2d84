#!/usr/bin/python3
"""Plots of rwpo runs and sweeps (PNG). Needs Debian's python3-h5py python3-matplotlib
(run with /usr/bin/python3).

  plot.py run FILE.h5 [--coords 1,2] [--layers 0,10,50,100] [-o run.png]
      marginal histograms of the chosen coordinates (1-based) at several recorded layers, and
      every metric observable against the layer (log scale)
  plot.py heatmap SUMMARY.csv [--metric NAME] [-o heatmap.png]
      the final metric of each complete point over (sampler.beta, sampler.lambda), from the CSV
      of `rwpo summarize`; missing or incomplete points are left blank. NAME is any column: an
      observable, or with `rwpo summarize --reference REF` a comparison with the reference
      (ref_mean_error, ref_w1_max, ref_w1_mean, ref_corr_error, ref_energy, ref_agrees)
"""
import argparse
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

NOT_METRICS = {"mean", "std", "sparsity", "potential", "neighbours"}
PREFERRED = ["marginal_l1_error", "mean_error", "var_error", "map_distance", "theta_error",
             "truth_distance", "cov_error"]


def pick_layers(steps, wanted, n=4):
    if wanted:
        want = [int(x) for x in wanted.split(",")]
        missing = [w for w in want if w not in steps]
        if missing:
            sys.exit(f"plot.py: layers {missing} are not recorded (recorded: {steps[0]}..{steps[-1]})")
        return [steps.index(w) for w in want]
    idx = np.unique(np.linspace(0, len(steps) - 1, min(n, len(steps))).round().astype(int))
    return [int(i) for i in idx]


def plot_run(args):
    import h5py
    with h5py.File(args.file, "r") as f:
        pos = f["particles/cloud/position/value"]
        steps = [int(s) for s in f["particles/cloud/position/step"][:]]
        d = pos.shape[2]
        coords = [int(c) for c in args.coords.split(",")] if args.coords else [1, d] if d > 1 else [1]
        bad = [c for c in coords if not 1 <= c <= d]
        if bad:
            sys.exit(f"plot.py: coordinates {bad} out of range (allowed: 1..{d})")
        rows = pick_layers(steps, args.layers)
        frames = {r: pos[r] for r in rows}
        metrics = {}
        for name in f["observables"]:
            if name in NOT_METRICS:
                continue
            g = f["observables/" + name]
            v = np.asarray(g["value"][:], dtype=float)
            metrics[name] = (np.asarray(g["step"][:]), v.reshape(len(v), -1))
        beta = f["parameters"].attrs.get("sampler.beta")
        lam = f["parameters"].attrs.get("sampler.lambda")
    fig, axes = plt.subplots(1, len(coords) + 1, figsize=(4.2 * (len(coords) + 1), 3.6))
    cmap = plt.get_cmap("viridis")
    for a, c in zip(axes, coords):
        for j, r in enumerate(rows):
            x = frames[r][:, c - 1]
            a.hist(x, bins=60, density=True, histtype="step", lw=1.4,
                   color=cmap(j / max(1, len(rows) - 1)), label=f"layer {steps[r]}")
        a.set_xlabel(f"x{c}")
        a.set_ylabel("density")
        a.set_title(f"marginal of coordinate {c}")
        a.legend(fontsize=7)
    a = axes[-1]
    for name, (st, v) in metrics.items():
        for k in range(v.shape[1]):
            label = name if v.shape[1] == 1 else f"{name}[{k + 1}]"
            ok = np.isfinite(v[:, k]) & (v[:, k] > 0)
            a.plot(st[ok], v[ok, k], marker=".", label=label)
    a.set_yscale("log")
    a.set_xlabel("layer")
    a.set_title("metrics")
    if metrics:
        a.legend(fontsize=7)
    fig.suptitle(f"{args.file}  (beta = {beta}, lambda = {lam})", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"plot.py: wrote {args.output}")


def plot_heatmap(args):
    with open(args.csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        sys.exit(f"plot.py: {args.csv} has no rows")
    cols = rows[0].keys()
    for need in ("sampler.beta", "sampler.lambda", "status"):
        if need not in cols:
            sys.exit(f"plot.py: {args.csv} has no column {need} (a CSV of rwpo summarize)")
    metric = args.metric
    if not metric:
        for p in PREFERRED:
            cand = [c for c in cols if c == p or c.startswith(p + "_")]
            if cand:
                metric = cand[0]
                break
    if not metric or metric not in cols:
        sys.exit(f"plot.py: no metric column {metric!r} (columns: {', '.join(cols)})")
    betas = sorted({float(r["sampler.beta"]) for r in rows})
    lams = sorted({float(r["sampler.lambda"]) for r in rows})
    z = np.full((len(lams), len(betas)), np.nan)
    for r in rows:
        if r["status"] == "complete" and r.get(metric, ""):
            z[lams.index(float(r["sampler.lambda"])), betas.index(float(r["sampler.beta"]))] = \
                float(r[metric])
    fig, ax = plt.subplots(figsize=(1.2 * len(betas) + 3, 0.9 * len(lams) + 2.2))
    im = ax.imshow(np.ma.masked_invalid(z), origin="lower", cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(betas)), [f"{b:g}" for b in betas])
    ax.set_yticks(range(len(lams)), [f"{l:g}" for l in lams])
    ax.set_xlabel("beta (inverse temperature)")
    ax.set_ylabel("lambda (L1 weight)")
    for i in range(len(lams)):
        for j in range(len(betas)):
            if math.isfinite(z[i, j]):
                ax.text(j, i, f"{z[i, j]:.3g}", ha="center", va="center", color="w", fontsize=8)
    label = f"{metric} against the reference" if metric.startswith("ref_") else f"final {metric}"
    fig.colorbar(im, ax=ax, label=label)
    done = int(np.isfinite(z).sum())
    ax.set_title(f"{args.csv}: {done}/{z.size} points complete", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"plot.py: wrote {args.output} ({metric}, {done} points)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run", help="marginals across layers and metrics of a run file")
    r.add_argument("file")
    r.add_argument("--coords", help="1-based coordinates, e.g. 1,2 (default: first and last)")
    r.add_argument("--layers", help="recorded layers to draw, e.g. 0,50,100 (default: 4 spread)")
    r.add_argument("-o", "--output", default="run.png")
    h = sub.add_parser("heatmap", help="final metric over (beta, lambda) from a summary CSV")
    h.add_argument("csv")
    h.add_argument("--metric", help="CSV column (default: the problem's first metric), e.g. "
                   "ref_w1_max of summarize --reference")
    h.add_argument("-o", "--output", default="heatmap.png")
    args = p.parse_args()
    plot_run(args) if args.what == "run" else plot_heatmap(args)


if __name__ == "__main__":
    main()
