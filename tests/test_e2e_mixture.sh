#!/bin/sh
# End-to-end: the mixture_laplace reference experiment (configs/mixture_laplace.ini: d = 20,
# N = 100, 100 layers, h = T = 0.1 then 0.025 from layer 50, coordinatewise weights) on 2 ranks,
# then the same run on 1 and 3 ranks. Asserts on the recorded HDF5 values (h5py):
#  - the marginal L1 error of coordinates 1 and d falls from layer 0 to layers 50 and 100;
#  - coordinates 3..20 concentrate at 0: their spread falls from the initial 5 to the exact
#    marginal's (computed here by quadrature), their means go to 0;
#  - the final particles agree across 1, 2 and 3 ranks to 1e-12 relative;
#  - the H5MD layout: shapes, steps, times (sum of the scheduled step sizes), attributes.
set -eu
. "$(dirname "$(readlink -f "$0")")/lib.sh"

for np in 2 1 3; do
    timeout 300 mpirun -np $np --bind-to none "$RWPO" run "$SRC/configs/mixture_laplace.ini" \
        --set run.output="$TMP/np$np.h5" --set run.progress=100 > "$TMP/log$np" 2>&1 || {
        cat "$TMP/log$np"; echo "FAIL: run on $np ranks"; exit 1; }
done

/usr/bin/python3 - "$TMP" <<'EOF'
import sys, math
import h5py, numpy as np

tmp = sys.argv[1]
fails = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)

f = h5py.File(f"{tmp}/np2.h5", "r")
# layout
check(list(f["h5md"].attrs["version"]) == [1, 1], "h5md version [1,1]")
check(f["h5md/creator"].attrs["name"] in (b"rwpo", "rwpo"), "creator name rwpo")
check(int(f["particles/cloud/box"].attrs["dimension"]) == 20, "box dimension 20")
pos = f["particles/cloud/position/value"]
check(pos.shape == (101, 100, 20) and pos.dtype == np.float64, f"positions shape {pos.shape}")
check(pos.maxshape[0] is None, "positions: unlimited first dimension")
step = f["particles/cloud/position/step"][:]
check(list(step) == list(range(101)), "steps 0..100")
time = f["particles/cloud/position/time"][:]
want = np.concatenate([[0], np.cumsum([0.1 if k < 50 else 0.025 for k in range(1, 101)])])
check(np.allclose(time, want, rtol=0, atol=1e-12), f"time = sum of step sizes (last {time[-1]:.4f})")
st = f["parameters"].attrs["status"]
check(st in (b"complete", "complete"), f"status complete ({st})")
check(float(f["parameters"].attrs["sampler.lambda"]) == 0.1, "parameter sampler.lambda stored")
check(int(f["parameters"].attrs["particles.n"]) == 100, "parameter particles.n stored")

# metric: marginal L1 error of coordinates 1 and d
err = f["observables/marginal_l1_error/value"][:]
check(err.shape == (101, 2), f"marginal_l1_error shape {err.shape}")
e0, e50, e100 = err[0], err[50], err[100]
print(f"     marginal L1 error coord 1: {e0[0]:.4f} -> {e50[0]:.4f} -> {e100[0]:.4f}; "
      f"coord 20: {e0[1]:.4f} -> {e50[1]:.4f} -> {e100[1]:.4f}")
check(e0[0] > 0.4 and e0[1] > 0.4, "initial cloud 5 N(0, I) is far from the target (error > 0.4)")
check(e50[0] < 0.6 * e0[0] and e50[1] < 0.6 * e0[1], "error falls by 40% by layer 50")
check(e100[0] < 0.2 and e100[1] < 0.2, "error below 0.2 at layer 100")
check(np.all(err[1:21, 0] < err[0, 0]), "error of coordinate 1 below the initial one in layers 1..20")

# coordinates 3..20 concentrate at 0: exact marginal exp(-(u^2/8 + 0.1|u|)) by quadrature
u = np.linspace(-30, 30, 600001)
w = np.exp(-(u * u / 8 + 0.1 * np.abs(u)))
sd_exact = math.sqrt(np.sum(w * u * u) / np.sum(w))
std = f["observables/std/value"][:]
mean = f["observables/mean/value"][:]
s0, s100 = std[0, 2:].mean(), std[100, 2:].mean()
print(f"     std of coordinates 3..20: {s0:.3f} -> {s100:.3f} (exact {sd_exact:.3f})")
check(abs(s0 - 5) < 0.6, "initial spread 5")
check(abs(s100 - sd_exact) < 0.25 * sd_exact, "final spread of coordinates 3..20 within 25% of exact")
check(np.abs(mean[100, 2:]).max() < 0.6, f"means of coordinates 3..20 near 0 (max {np.abs(mean[100, 2:]).max():.3f})")
x = pos[100]
check(np.abs(x[:, 2:]).mean() < 0.5 * np.abs(pos[0][:, 2:]).mean(), "|x_k|, k >= 3, halves")
# the observables match the recorded particles
check(np.allclose(mean[100], x.mean(axis=0), atol=1e-12), "mean observable = mean of positions")
check(np.allclose(std[100], x.std(axis=0), atol=1e-12), "std observable = std of positions")

# the same run on 1 and 3 ranks
for np_ in (1, 3):
    g = h5py.File(f"{tmp}/np{np_}.h5", "r")
    y = g["particles/cloud/position/value"][100]
    rel = np.abs(y - x).max() / np.abs(x).max()
    check(rel < 1e-12, f"final particles on {np_} vs 2 ranks: rel diff {rel:.2e}")
    check(np.array_equal(g["particles/cloud/position/value"][0], pos[0]), f"identical initial cloud on {np_} ranks")

if fails:
    print(f"{len(fails)} check(s) failed")
    sys.exit(1)
print("end-to-end mixture_laplace: all checks passed")
EOF
