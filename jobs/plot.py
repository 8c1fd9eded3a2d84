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
  plot.py samples FILE.h5 [--layer L] [--reference PATH.h5:/ds] [--training PATH.h5:/ds] [-o s.png]
      generated samples of a generative run (default: its last recorded layer): d = 2 a scatter
      of the particles over the reference data (problem.reference_file); d = 64 (8x8 images) a
      grid of generated images, each beside its nearest training image (problem.data_file, else
      the reference). The files default to the run's own keys (paths relative to the cwd)
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


def read_spec(spec):
    import h5py
    path, dset = spec.rsplit(":/", 1)
    with h5py.File(path, "r") as f:
        return f[dset][()]


def plot_samples(args):
    import h5py
    with h5py.File(args.file, "r") as f:
        attrs = {k: v.decode() if isinstance(v, bytes) else str(v)
                 for k, v in f["parameters"].attrs.items()}
        steps = f["particles/cloud/position/step"][()]
        row = len(steps) - 1 if args.layer is None else int(np.flatnonzero(steps == args.layer)[0])
        x = f["particles/cloud/position/value"][row]
    ref_spec = args.reference or attrs.get("problem.reference_file", "")
    train_spec = args.training or attrs.get("problem.data_file", "") or ref_spec
    d = x.shape[1]
    if d == 2:
        fig, ax = plt.subplots(figsize=(6, 6))
        if ref_spec:
            y = read_spec(ref_spec)
            ax.scatter(y[:, 0], y[:, 1], s=3, c="0.7", label=f"reference ({len(y)})")
        ax.scatter(x[:, 0], x[:, 1], s=3, c="C3", label=f"particles ({len(x)})")
        ax.set_aspect("equal")
        ax.legend(loc="upper right", markerscale=3)
        ax.set_title(f"{args.file}: layer {steps[row]}")
    elif d == 64:
        if not train_spec:
            sys.exit("plot.py samples: d = 64 needs training images (--training or --reference)")
        t = read_spec(train_spec)
        show = x[:min(len(x), 16)]
        near = t[np.argmin(((show[:, None, :] - t[None, :, :]) ** 2).sum(-1), axis=1)]
        fig, axes = plt.subplots(4, 8, figsize=(10, 5.4))
        for i, ax in enumerate(axes.flat):
            j, img = i // 2, (show if i % 2 == 0 else near)
            if j < len(show):
                ax.imshow(img[j].reshape(8, 8), cmap="gray_r")
            ax.set_xticks([])
            ax.set_yticks([])
            if i < 2:
                ax.set_title("generated" if i == 0 else "nearest training", fontsize=8)
        fig.suptitle(f"{args.file}: layer {steps[row]}")
    else:
        sys.exit(f"plot.py samples: d = {d}: only d = 2 (scatter) and d = 64 (8x8 images)")
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"plot.py: wrote {args.output} (layer {steps[row]}, d = {d})")


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
    g = sub.add_parser("samples", help="generated samples over the reference (d = 2, d = 64)")
    g.add_argument("file")
    g.add_argument("--layer", type=int, help="recorded layer (default: the last)")
    g.add_argument("--reference", help="path.h5:/dataset (default: problem.reference_file)")
    g.add_argument("--training", help="path.h5:/dataset (default: problem.data_file)")
    g.add_argument("-o", "--output", default="samples.png")
    args = p.parse_args()
    if args.what == "samples":
        return plot_samples(args)
    plot_run(args) if args.what == "run" else plot_heatmap(args)


if __name__ == "__main__":
    main()
