#!/bin/sh
# The warning of sampler.method = rwpo_l1 with sampler.weights = coordinatewise on a correlated
# posterior (run by meson test; also by hand after a build):
#  - the diabetes lasso (configs/diabetes_lasso.ini, strongly correlated columns): `rwpo check`
#    warns on stderr, naming the largest |correlation| of (A'A)^-1 and its pair as numpy's own
#    inverse gives them; stdout stays the resolved configuration alone;
#  - `rwpo run` on 1 and 3 ranks logs the same warning and stores it as /parameters/warning;
#  - a logistic problem read from files with correlated features warns with numpy's correlation
#    of S^-1 (S = X'X / n); one with orthogonal features does not;
#  - no warning: a linear operator with orthogonal columns (A'A = I), joint weights, gibbs_lasso,
#    the gaussian and mixture_laplace problems (no attribute in their files either).
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
PY="env PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3"
D="$SRC/configs/data/diabetes.h5"
lasso="$SRC/configs/diabetes_lasso.ini"
files="--set problem.operator_file=$D:/A --set problem.data_file=$D:/b"
short="--set run.layers=4 --set run.every=2 --set particles.n=40"

# numpy's answer: the largest |corr| of inv(H) and its pair (1-based), H = A'A or X'X / n
expect() {
    $PY - "$1" "$2" <<'EOF'
import sys
import h5py
import numpy as np
path, name = sys.argv[1], sys.argv[2]
A = h5py.File(path, "r")[name][()]
C = np.linalg.inv(A.T @ A / len(A))
s = np.sqrt(np.diag(C))
R = C / np.outer(s, s)
np.fill_diagonal(R, 0)
i, j = np.unravel_index(np.abs(R).argmax(), R.shape)
print(f"largest posterior correlation {R[i, j]:.2f} between x{i + 1} and x{j + 1}")
EOF
}
has_attr() {
    $PY -c "import h5py, sys; sys.exit(0 if 'warning' in h5py.File('$1', 'r')['parameters'].attrs else 1)"
}

# diabetes: check warns on stderr with numpy's correlation; stdout is the configuration alone
want=$(expect "$D" A)
run 1 check "$lasso" $files > chk.out 2> chk.err || bad "check of diabetes_lasso.ini failed"
grep -q "warning: sampler.weights = coordinatewise .*($want)" chk.err \
    && ok "check warns on stderr: $want" || { bad "check: no warning with '$want'"; cat chk.err; }
grep -q "^rwpo:" chk.out && bad "check: log lines on stdout" || ok "check: stdout has no log line"
run 1 check "$lasso" $files --set sampler.weights=coordinatewise > plain.out 2>/dev/null
grep -v "^;" plain.out | grep -q "weights = coordinatewise" \
    && ok "check: stdout is the resolved configuration" || bad "check: stdout lacks the configuration"

# run: the warning in the log and in /parameters/warning, the same on 1 and 3 ranks
for np in 1 3; do
    run $np run "$lasso" $files $short --set run.output="$TMP/l$np.h5" > l$np.log 2>&1 \
        || { bad "run on $np ranks"; tail -3 l$np.log; }
    grep -q "warning: .*($want)" l$np.log && ok "run on $np ranks warns" \
        || bad "run on $np ranks: no warning"
    attr=$($PY -c "import h5py; print(h5py.File('l$np.h5', 'r')['parameters'].attrs['warning'].decode())" 2>&1)
    grep -qF "$attr" l$np.log && case "$attr" in *"($want)"*) true ;; *) false ;; esac \
        && ok "$np ranks: /parameters/warning = the logged text" \
        || bad "$np ranks: /parameters/warning is '$attr'"
done

# no warning: joint weights, gibbs_lasso
for set in "sampler.weights=joint" "sampler.method=gibbs_lasso"; do
    run 1 check "$lasso" $files --set $set > /dev/null 2> n.err
    grep -q "warning: sampler.weights" n.err && bad "$set warns" || ok "$set: no warning"
done
run 2 run "$lasso" $files $short --set sampler.weights=joint --set run.output="$TMP/j.h5" \
    > j.log 2>&1 || bad "run with joint weights"
has_attr j.h5 && bad "joint weights: the file has a warning" || ok "joint weights: no attribute"

# data files: orthogonal columns (A'A = I), correlated logistic features, orthogonal features
$PY - <<'EOF' || bad "cannot write the data files"
import h5py
import numpy as np
rng = np.random.default_rng(3)
with h5py.File("data.h5", "w") as f:
    Q, _ = np.linalg.qr(rng.normal(size=(200, 6)))
    f["Q"] = Q
    f["b"] = Q @ np.arange(6.0) + 0.1 * rng.normal(size=200)
    Z = rng.choice([-1.0, 1.0], size=(300, 6))
    X = Z.copy()
    X[:, 4] = np.where(rng.random(300) < 0.85, Z[:, 1], Z[:, 4])  # x5 follows x2
    f["X"] = X
    had = np.array([[1.0]])  # orthogonal +-1 columns: a Hadamard block
    for _ in range(3):
        had = np.block([[had, had], [had, -had]])
    f["Xo"] = np.repeat(had[:, :6], 40, axis=0)
    f["y"] = (rng.random(300) < 0.5).astype(float)
    f["yo"] = (rng.random(320) < 0.5).astype(float)
EOF
ortho="--set problem.operator_file=$TMP/data.h5:/Q --set problem.data_file=$TMP/data.h5:/b"
run 1 check "$lasso" $ortho --set particles.dim=6 --set problem.sigma=0.1 > /dev/null 2> o.err \
    || { bad "check of the orthogonal operator"; cat o.err; }
grep -q "warning: sampler.weights" o.err && bad "orthogonal columns warn" \
    || ok "linear, orthogonal columns: no warning"
logi="--set particles.dim=6 --set sampler.lambda=1"
want=$(expect data.h5 X)
run 1 check "$SRC/configs/logistic.ini" $logi --set problem.operator_file="$TMP/data.h5:/X" \
    --set problem.data_file="$TMP/data.h5:/y" > /dev/null 2> g.err || { bad "logistic check"; cat g.err; }
grep -q "warning: sampler.weights = coordinatewise .*($want)" g.err \
    && ok "logistic, correlated features: $want" || { bad "logistic: no warning with '$want'"; cat g.err; }
run 1 check "$SRC/configs/logistic.ini" $logi --set problem.operator_file="$TMP/data.h5:/Xo" \
    --set problem.data_file="$TMP/data.h5:/yo" > /dev/null 2> go.err || { bad "logistic check (orthogonal)"; cat go.err; }
grep -q "warning: sampler.weights" go.err && bad "logistic, orthogonal features warn" \
    || ok "logistic, orthogonal features: no warning"

# gaussian and mixture_laplace: diagonal or non-Gaussian by construction, no warning
for ini in gaussian mixture_laplace; do
    run 2 run "$SRC/configs/$ini.ini" --set run.layers=4 --set run.every=2 \
        --set sampler.weights=coordinatewise --set run.output="$TMP/$ini.h5" > $ini.log 2>&1 \
        || { bad "$ini run"; tail -3 $ini.log; }
    ! grep -q "warning: sampler.weights" $ini.log && ! has_attr $ini.h5 \
        && ok "$ini: no warning, no attribute" || bad "$ini: warned"
done
finish test_warning.sh
