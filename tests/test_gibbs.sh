#!/bin/sh
# sampler.method = gibbs_lasso through the program, on the shipped diabetes data (run by meson
# test; also by hand after a build):
#  - configs/diabetes_gibbs.ini shortened to 50 sweeps runs from the repository root on 2 ranks;
#    its draws (sweeps 20..50, every 10: 8000) agree with an independent numpy Gibbs sampler
#    (numpy's own inverse Gaussian and Cholesky; tests/validate_gibbs_diabetes.py) in every
#    coordinate's mean and sd within 5 standard errors;
#  - 1, 2 and 3 ranks give bitwise the same particles (A'A is formed identically on any rank
#    count, every chain's draws are keyed by its global id);
#  - restarts from a recorded layer (the whole file bitwise) and from a checkpoint (the
#    particles bitwise): the state is x alone, and a checkpoint of a method without own values
#    restarts;
#  - refusals: a problem other than linear, dim above 500 (exit 1, one line, nothing written);
#  - the shipped data: sigma in both diabetes configurations is the file's attribute, and
#    configs/data/make_diabetes.py --check rebuilds the file (skipped without python3-sklearn).
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
PY="env PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3"  # no __pycache__ in the source tree
short="--set run.layers=50 --set run.every=10 --set run.progress=100"

# from the repository root, as documented (the data paths are relative to it)
(cd "$SRC" && run 2 run configs/diabetes_gibbs.ini $short --set run.output="$TMP/g2.h5") \
    > g2.log 2>&1 && ok "diabetes_gibbs.ini (50 sweeps) on 2 ranks" \
    || { bad "diabetes_gibbs.ini on 2 ranks"; tail -5 g2.log; }

# against an independent numpy Gibbs sampler
if $PY - "$TMP/g2.h5" "$SRC" > stats.txt 2>&1 <<'EOF'
import os
import sys
import numpy as np
sys.path.insert(0, sys.argv[2] + "/tests")
os.chdir(sys.argv[2])  # the run's data paths are relative to the repository root
from validate_gibbs_diabetes import numpy_gibbs, read_problem
A, b, sigma, beta, lam, frames, steps = read_problem(sys.argv[1])
X = frames[steps >= 20].reshape(-1, A.shape[1])
R = numpy_gibbs(A, b, sigma, beta, lam, 2000, 50, 7, burn=20, every=10)
# frames 10 sweeps apart are nearly independent (lag-10 autocorrelation < 0.01): iid errors
sd = R.std(0)
zm = (X.mean(0) - R.mean(0)) / (sd * np.sqrt(1 / len(X) + 1 / len(R)))
zs = (X.std(0) / sd - 1) / np.sqrt(1 / (2 * len(X)) + 1 / (2 * len(R)))
print(f"{len(X)} vs {len(R)} draws: mean z {np.abs(zm).max():.2f}, sd z {np.abs(zs).max():.2f} "
      f"(largest over 10 coordinates)")
sys.exit(0 if np.abs(zm).max() < 5 and np.abs(zs).max() < 5 else 1)
EOF
then ok "rwpo vs numpy Gibbs: $(cat stats.txt)"; else bad "rwpo vs numpy Gibbs: $(cat stats.txt)"; fi

# rank counts: bitwise
for np in 1 3; do
    (cd "$SRC" && run $np run configs/diabetes_gibbs.ini $short --set run.output="$TMP/g$np.h5") \
        > g$np.log 2>&1 || bad "diabetes_gibbs.ini on $np ranks"
    $CMP --rtol 0 g2.h5 g$np.h5 > c.txt && ok "$np vs 2 ranks: $(cat c.txt)" \
        || bad "$np vs 2 ranks: $(cat c.txt)"
done

# restarts: from a recorded layer (bitwise file), from a checkpoint (bitwise particles)
cp g2.h5 r.h5
(cd "$SRC" && run 2 run configs/diabetes_gibbs.ini $short --set run.output="$TMP/r.h5" \
    --restart "$TMP/r.h5:20") > r.log 2>&1 || bad "restart from layer 20"
$CMP g2.h5 r.h5 > c.txt && ok "restart from recorded layer 20: $(cat c.txt)" \
    || bad "restart from recorded layer 20: $(cat c.txt)"
(cd "$SRC" && run 2 run configs/diabetes_gibbs.ini $short --set run.layers=35 \
    --set run.checkpoint_every=15 --set run.output="$TMP/k.h5") > k1.log 2>&1 || bad "k run"
rm -f k.h5
(cd "$SRC" && run 2 run configs/diabetes_gibbs.ini $short --set run.output="$TMP/k.h5" \
    --restart "$TMP/k.ckpt.h5") > k2.log 2>&1 || bad "k restart"
grep -q "restart: layer 30 from .*k.ckpt.h5" k2.log && $CMP --rtol 0 g2.h5 k.h5 > c.txt \
    && ok "restart from the layer-30 checkpoint: $(cat c.txt)" \
    || bad "restart from the layer-30 checkpoint: $(grep restart: k2.log) $(cat c.txt)"

# refusals: exit 1, one line, no output file
refuse() { # name, expected text, configuration, --set arguments
    name=$1; text=$2; cfg=$3; shift 3
    out=$(cd "$SRC" && run 2 run "$cfg" --set run.output="$TMP/no.h5" "$@" 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && [ "$(printf '%s\n' "$out" | grep -c '^rwpo: error:')" -ge 1 ] &&
       printf '%s\n' "$out" | grep -qF -- "$text" && [ ! -e no.h5 ]; then
        ok "refused: $name"
    else
        bad "refused: $name: exit $rc: $out"
    fi
}
cat > gauss.ini <<'EOF_INI'
[run]
output = x.h5
layers = 2
[particles]
n = 8
dim = 3
[sampler]
method = gibbs_lasso
beta = 1
lambda = 0.5
h = 1
[problem]
type = gaussian
EOF_INI
refuse "problem gaussian" "[sampler] method = gibbs_lasso needs problem.type = linear (got gaussian)" \
    "$TMP/gauss.ini"
refuse "dim 501" "[particles] dim = 501: method gibbs_lasso allows dim <= 500" \
    configs/diabetes_gibbs.ini --set particles.dim=501

# the shipped data and configurations
if $PY - "$SRC" > sig.txt 2>&1 <<'EOF'
import configparser, sys
import h5py
src = sys.argv[1]
s = float(h5py.File(src + "/configs/data/diabetes.h5", "r").attrs["sigma"])
for name in ("diabetes_gibbs", "diabetes_lasso"):
    c = configparser.ConfigParser(inline_comment_prefixes=(";",))
    c.read(f"{src}/configs/{name}.ini")
    v = float(c["problem"]["sigma"])
    print(f"{name}.ini sigma = {v!r}, diabetes.h5 sigma = {s!r}")
    if abs(v - s) > 1e-12 * s:
        sys.exit(1)
EOF
then ok "sigma of the configurations = the data file's"; else bad "sigma: $(cat sig.txt)"; fi
if $PY -c "import sklearn" 2>/dev/null; then
    $PY "$SRC/configs/data/make_diabetes.py" --check "$SRC/configs/data/diabetes.h5" > mk.txt 2>&1 \
        && ok "$(cat mk.txt)" || bad "make_diabetes.py --check: $(cat mk.txt)"
else
    echo "skip make_diabetes.py --check (python3-sklearn is not installed)"
fi
finish test_gibbs.sh
