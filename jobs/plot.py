#!/usr/bin/env python3
"""Plots of rwpo runs and sweeps (PNG). Needs Debian's python3-h5py python3-matplotlib
python3-numpy (run with /usr/bin/python3).

  plot.py run FILE.h5 [--coords 1,2] [--layers 0,10,50,100] [-o run.png]
      marginal histograms of the chosen coordinates (1-based) at several recorded layers, and
      every metric observable against the layer (log scale)
  plot.py heatmap SUMMARY.csv [--metric NAME] [-o heatmap.png]
      the final metric of each complete point over (sampler.beta, sampler.lambda), from the CSV
      of `rwpo summarize`; missing or incomplete points are left blank. NAME is any column: an
      observable, or with `rwpo summarize --reference REF` a comparison with the reference
      (ref_mean_error, ref_w1_max, ref_w1_mean, ref_corr_error, ref_energy, ref_agrees)
  plot.py corner FILE.h5 [--coords 1,2,5] [--layer K] [--reference REF] [-o corner.png]
      pairwise scatter of the chosen coordinates with their marginal histograms on the diagonal;
      REF (a run file: its last layer, or path.h5:/dataset of samples [n][d]) in a second colour
The exact target marginal is drawn (dashed) over the histograms of `run` and `corner` whenever the
problem has one: gaussian, mixture_laplace, none (the Laplace prior), linear with lambda = 0.
Installed, this script is `rwpo-plot`.
  plot.py samples FILE.h5 [--layer L] [--reference PATH.h5:/ds] [--training PATH.h5:/ds] [-o s.png]
      generated samples of a generative run (default: its last recorded layer): d = 2 a scatter
      of the particles over the reference data (problem.reference_file); d = 64 (8x8 images) a
      grid of generated images, each beside its nearest training image (problem.data_file, else
      the reference). The files default to the run's own keys (paths relative to the cwd)
"""
import argparse
import csv
import importlib.util
import math
import os
import sys

# Installed as rwpo-plot: say which Debian packages are missing instead of a traceback.
_MISSING = [pkg for mod, pkg in (("h5py", "python3-h5py"), ("matplotlib", "python3-matplotlib"),
                                 ("numpy", "python3-numpy")) if importlib.util.find_spec(mod) is None]
if _MISSING:
    sys.exit(f"{os.path.basename(sys.argv[0])}: {sys.executable} cannot import "
             f"{', '.join(p[8:] for p in _MISSING)}: apt-get install {' '.join(_MISSING)} (Debian)"
             + ("" if sys.executable == "/usr/bin/python3" else " and run it with /usr/bin/python3")
             + ", or use a Python that has them")

import matplotlib  # noqa: E402

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
        exact = exact_marginals(f, d)
    fig, axes = plt.subplots(1, len(coords) + 1, figsize=(4.2 * (len(coords) + 1), 3.6))
    cmap = plt.get_cmap("viridis")
    for a, c in zip(axes, coords):
        for j, r in enumerate(rows):
            x = frames[r][:, c - 1]
            a.hist(x, bins=60, density=True, histtype="step", lw=1.4,
                   color=cmap(j / max(1, len(rows) - 1)), label=f"layer {steps[r]}")
        draw_exact(a, exact.get(c))
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


# ---- exact target marginals (drawn over the histograms of `run` and `corner`) -----------------

MIXTURE_CENTRES = ((8.0, -4.0), (-4.0, -8.0), (-8.0, 4.0), (4.0, -8.0))


def _attr_text(attrs, key, default=""):
    v = attrs.get(key, default)
    return v.decode() if isinstance(v, bytes) else str(v)


def _density_on_grid(x, logp):
    """A density function from log-density values on an even grid: normalised by the trapezoidal
    rule, interpolated linearly, 0 outside the grid."""
    p = np.exp(logp - logp.max())
    p /= np.trapz(p, x)
    return lambda u: np.interp(np.asarray(u, dtype=float), x, p, left=0.0, right=0.0)


def gauss_l1_marginal(mu, s, beta, lam):
    """Density of q(u) ∝ exp(-beta ((u - mu)^2 / (2 s^2) + lam |u|)): N(mu, s^2/beta) at lam = 0,
    otherwise on a grid (0 is a node, so the kink is resolved) over mu +- 40 sd."""
    sd = s / math.sqrt(beta)
    if lam == 0:
        return lambda u: np.exp(-0.5 * ((np.asarray(u) - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    h = min(sd / 200, 0.01)
    reach = abs(mu) + 40 * sd
    x = np.arange(-math.ceil(reach / h), math.ceil(reach / h) + 1) * h
    return _density_on_grid(x, -beta * ((x - mu) ** 2 / (2 * s * s) + lam * np.abs(x)))


def mixture_marginal(coord, beta, lam):
    """Exact marginal of coordinate coord (0 or 1) of the mixture_laplace target: the (x1, x2)
    density S(x1, x2)^beta exp(-beta lam (|x1| + |x2|)), S = sum_c 1/4 N-kernel(x - a_c, 4 I),
    integrated over the other coordinate by the trapezoidal rule on the same even grid (0 a node)
    over +- (8 + D), beyond which it is below exp(-50) of its maximum (as src/problems/marginal.c)."""
    reach = 8 + math.sqrt(8 * (50 / beta + math.log(4) + 8 * lam))
    h = min(0.02, 0.1 / math.sqrt(beta))
    g = np.arange(-math.ceil(reach / h), math.ceil(reach / h) + 1) * h
    keep = np.array([c[coord] for c in MIXTURE_CENTRES])
    other = np.array([c[1 - coord] for c in MIXTURE_CENTRES])
    lx = -(g[:, None] - keep[None, :]) ** 2 / 8          # [x][c]
    ly = -(g[:, None] - other[None, :]) ** 2 / 8         # [y][c]
    mx, my = lx.max(axis=1), ly.max(axis=1)
    ex, ey = np.exp(lx - mx[:, None]), np.exp(ly - my[:, None])
    logp = np.empty_like(g)
    for i in range(0, len(g), 256):                      # rows of x at a time: bounded memory
        s_xy = 0.25 * ex[i:i + 256] @ ey.T               # S / exp(M(x) + M(y))
        logv = beta * (np.log(s_xy) + my[None, :] - lam * np.abs(g)[None, :])
        top = logv.max(axis=1)
        logp[i:i + 256] = top + np.log(np.trapz(np.exp(logv - top[:, None]), g, axis=1)) \
            + beta * (mx[i:i + 256] - lam * np.abs(g[i:i + 256]))
    return _density_on_grid(g, logp)


def _linear_posterior(f, attrs, beta):
    """Mean and covariance of the exact Gaussian posterior of a linear problem at lambda = 0: as
    the run stored them (/problem/exact_mean, exact_cov: a finished run), else from the operator
    and data files (operator = file). None when neither is available."""
    if "problem/exact_mean" in f and "problem/exact_cov" in f:
        return f["problem/exact_mean"][:], f["problem/exact_cov"][:]
    if _attr_text(attrs, "problem.operator") != "file":
        return None
    import h5py
    arrays = []
    for key in ("problem.operator_file", "problem.data_file"):
        path, _, ds = _attr_text(attrs, key).rpartition(":")
        try:
            with h5py.File(path, "r") as g:
                arrays.append(np.asarray(g[ds][:], dtype=float))
        except (OSError, KeyError):
            return None
    A, b = arrays
    sigma = float(attrs["problem.sigma"])
    gram = A.T @ A
    return np.linalg.solve(gram, A.T @ b), sigma ** 2 / beta * np.linalg.inv(gram)


def exact_marginals(f, d):
    """{coordinate (1-based): density function} of the target's exact marginals, for the
    problems that have them: gaussian (N(mu, s^2/beta) at lambda = 0, quadrature otherwise),
    mixture_laplace (every coordinate), none (the Laplace prior), linear at lambda = 0 (the
    Gaussian posterior); {} otherwise (logistic, linear with lambda > 0)."""
    attrs = f["parameters"].attrs
    kind = _attr_text(attrs, "problem.type")
    if "sampler.beta" not in attrs or "sampler.lambda" not in attrs:
        return {}
    beta, lam = float(attrs["sampler.beta"]), float(attrs["sampler.lambda"])
    if kind == "gaussian":
        mu = [float(v) for v in _attr_text(attrs, "problem.mean", "0").split(",")]
        mu = mu * d if len(mu) == 1 else mu
        s = float(attrs.get("problem.std", 1.0))
        return {k + 1: gauss_l1_marginal(mu[k], s, beta, lam) for k in range(d)}
    if kind == "mixture_laplace" and d >= 2:
        out = {k + 1: mixture_marginal(k, beta, lam) for k in range(2)}
        rest = gauss_l1_marginal(0.0, 2.0, beta, lam)    # f = u^2/8 per coordinate beyond 2
        out.update({k: rest for k in range(3, d + 1)})
        return out
    if kind == "none" and lam > 0:
        rate = beta * lam
        return {k: (lambda u: 0.5 * rate * np.exp(-rate * np.abs(np.asarray(u))))
                for k in range(1, d + 1)}
    if kind == "linear" and lam == 0:
        post = _linear_posterior(f, attrs, beta)
        if post is None:
            return {}
        mean, cov = post
        return {k + 1: gauss_l1_marginal(float(mean[k]), math.sqrt(beta * cov[k, k]), beta, 0.0)
                for k in range(d)}
    return {}


def draw_exact(ax, density):
    """Draw a density over an axis' current x range (nothing when density is None)."""
    if density is None:
        return
    x = np.linspace(*ax.get_xlim(), 600)
    ax.plot(x, density(x), color="k", ls="--", lw=1.2, label="exact target")


# ---- corner plot: a run's particles (and a reference sample) pairwise ---------------------------

def read_sample(spec, layer=None, what="reference"):
    """Samples [n][d] and a label from a run file (its last recorded layer, or `layer`) or from
    path.h5:/dataset."""
    import h5py
    path, sep, ds = spec.rpartition(":/")
    path, ds = (path, "/" + ds) if sep else (spec, None)
    try:
        with h5py.File(path, "r") as f:
            if ds is not None:
                x = np.asarray(f[ds][:], dtype=float)
                if x.ndim != 2:
                    sys.exit(f"plot.py: {spec} is not a 2-D dataset [n][d] (shape {x.shape})")
                return x, spec, None
            steps = [int(s) for s in f["particles/cloud/position/step"][:]]
            row = len(steps) - 1
            if layer is not None:
                if layer not in steps:
                    sys.exit(f"plot.py: layer {layer} of {path} is not recorded (recorded: "
                             f"{steps[0]}..{steps[-1]})")
                row = steps.index(layer)
            x = f["particles/cloud/position/value"][row]
            return x, f"{path} layer {steps[row]}", exact_marginals(f, x.shape[1])
    except (OSError, KeyError) as e:
        sys.exit(f"plot.py: cannot read the {what} {spec}: {e} (allowed: a run file or "
                 f"path.h5:/dataset of samples [n][d])")


def _thin(x, n_max=4000):
    """At most n_max rows, evenly spaced (a scatter of 10^5 points shows nothing more)."""
    return x if len(x) <= n_max else x[np.linspace(0, len(x) - 1, n_max).astype(int)]


def plot_corner(args):
    x, label, exact = read_sample(args.file, args.layer, "run")
    d = x.shape[1]
    coords = [int(c) for c in args.coords.split(",")] if args.coords else list(range(1, min(d, 4) + 1))
    bad = [c for c in coords if not 1 <= c <= d]
    if bad:
        sys.exit(f"plot.py: coordinates {bad} out of range (allowed: 1..{d})")
    ref = None
    if args.reference:
        ref, ref_label, _ = read_sample(args.reference)
        if ref.shape[1] != d:
            sys.exit(f"plot.py: the reference has d = {ref.shape[1]}, the run d = {d}")
    n = len(coords)
    fig, axes = plt.subplots(n, n, figsize=(2.3 * n + 0.8, 2.3 * n + 0.6), squeeze=False)
    xs, rs = _thin(x), _thin(ref) if ref is not None else None
    for i, ci in enumerate(coords):
        for j, cj in enumerate(coords):
            a = axes[i, j]
            if j > i:
                a.axis("off")
                continue
            if i == j:
                both = x[:, ci - 1] if ref is None else np.concatenate([x[:, ci - 1], ref[:, ci - 1]])
                lo, hi = np.quantile(both, [0.001, 0.999])
                bins = np.linspace(lo, hi, 50)
                a.hist(x[:, ci - 1], bins=bins, density=True, histtype="step", color="C0", lw=1.4,
                       label=label)
                if ref is not None:
                    a.hist(ref[:, ci - 1], bins=bins, density=True, histtype="step", color="C1",
                           lw=1.4, label=ref_label)
                draw_exact(a, exact.get(ci) if exact else None)
                a.set_yticks([])
            else:
                if rs is not None:
                    a.scatter(rs[:, cj - 1], rs[:, ci - 1], s=3, color="C1", alpha=0.35, lw=0)
                a.scatter(xs[:, cj - 1], xs[:, ci - 1], s=3, color="C0", alpha=0.5, lw=0)
            if i == n - 1:
                a.set_xlabel(f"x{cj}")
            if j == 0 and i > 0:
                a.set_ylabel(f"x{ci}")
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper right", fontsize=8, frameon=False)
    fig.suptitle(f"{label}: {len(x)} particles" + (f"; reference {len(ref)} samples"
                                                    if ref is not None else ""), fontsize=9, x=0.02,
                 ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(args.output, dpi=110)
    print(f"plot.py: wrote {args.output}")
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
    c = sub.add_parser("corner", help="pairwise scatter and marginals of chosen coordinates, "
                       "with a reference sample")
    c.add_argument("file", help="a run (or checkpoint) file")
    c.add_argument("--coords", help="1-based coordinates, e.g. 1,2,5 (default: the first four)")
    c.add_argument("--layer", type=int, help="recorded layer (default: the last)")
    c.add_argument("--reference", help="a run file (its last layer) or path.h5:/dataset of "
                   "samples [n][d], drawn in a second colour")
    c.add_argument("-o", "--output", default="corner.png")
    c.set_defaults(func=plot_corner)
    g = sub.add_parser("samples", help="generated samples over the reference (d = 2, d = 64)")
    g.add_argument("file")
    g.add_argument("--layer", type=int, help="recorded layer (default: the last)")
    g.add_argument("--reference", help="path.h5:/dataset (default: problem.reference_file)")
    g.add_argument("--training", help="path.h5:/dataset (default: problem.data_file)")
    g.add_argument("-o", "--output", default="samples.png")
    args = p.parse_args()
    if getattr(args, "func", None):
        return args.func(args)
    if args.what == "samples":
        return plot_samples(args)
    plot_run(args) if args.what == "run" else plot_heatmap(args)


if __name__ == "__main__":
    main()
