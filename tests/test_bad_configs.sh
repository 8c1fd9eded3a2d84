#!/bin/sh
# Bad configurations, files and command lines: each must exit with status 1 and a one-line error
# containing the expected text, on 2 ranks, within a timeout (no rank left hanging), without
# creating the output file. Run by meson test (RWPO_BIN set) or by hand after a build.
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"

good() {
    cat <<'EOF'
[run]
output = out.h5
layers = 3

[particles]
n = 10
dim = 3
init_scale = 2

[sampler]
beta = 1
lambda = 0.1
h = 0.1

[problem]
type = mixture_laplace
EOF
}

pass=0
fail=0
# expect NAME EXPECTED_TEXT CONFIG_FILE [ARGS...]: `rwpo run` must fail with status 1.
expect() {
    name=$1; text=$2; shift 2
    rm -f out.h5
    out=$(timeout 120 mpirun -np 2 --bind-to none "$RWPO" "$@" 2>&1)
    rc=$?
    errs=$(printf '%s\n' "$out" | grep -c '^rwpo: error:')
    if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -qF -- "$text" && [ "$errs" -ge 1 ] &&
       [ ! -e out.h5 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $name: exit $rc (want 1), want text: $text"
        printf '%s\n' "$out" | head -5 | sed 's/^/    /'
    fi
}

# edit: a good config with sed expressions applied, written to FILE
edit() {
    file=$1; shift
    good > "$file"
    for e in "$@"; do
        sed -i "$e" "$file"
    done
}

good > good.ini
# the good one really is good (so the failures below are about their one change)
if timeout 120 mpirun -np 2 --bind-to none "$RWPO" run good.ini >/dev/null 2>&1 && [ -e out.h5 ]; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "FAIL: the base configuration does not run"
fi

expect unknown-key "unknown key 'betta' in [sampler] (did you mean sampler.beta?)" \
    run good.ini --set sampler.betta=1
edit k2.ini 's/^\[problem\]/[problme]/'
expect unknown-section "unknown section [problme]" run k2.ini
edit k3.ini '/^beta/d'
expect missing-key "missing required key [sampler] beta" run k3.ini
expect bad-number "[sampler] beta = 'abc': not a number" run good.ini --set sampler.beta=abc
expect out-of-range "[sampler] beta = -1: out of range (allowed: > 0)" run good.ini --set sampler.beta=-1
expect nan "[sampler] lambda = 'nan': NaN and Inf are not allowed" run good.ini --set sampler.lambda=nan
edit k7.ini 's/^h = 0.1/h = inf/'
expect inf "k7.ini:13: [sampler] h = 'inf': NaN and Inf are not allowed" run k7.ini
expect zero-particles "[particles] n = 0: out of range (allowed: >= 1" run good.ini --set particles.n=0
expect fractional-n "[particles] n = '2.5': not an integer" run good.ini --set particles.n=2.5
edit k10.ini '/^dim/d'
expect missing-dim "missing required key [particles] dim" run k10.ini
expect bad-enum "[sampler] normaliser = 'fancy': not allowed (allowed: exact | moreau)" \
    run good.ini --set sampler.normaliser=fancy
expect bad-weights "[sampler] weights = 'both': not allowed (allowed: coordinatewise | joint)" \
    run good.ini --set sampler.weights=both
# run.attention (fast Gauss transform): spelling, with joint weights, the tolerance
expect bad-attention "[run] attention = 'fast': not allowed (allowed: direct | fgt | auto)" \
    run good.ini --set run.attention=fast
expect fgt-joint "[run] attention = fgt needs sampler.weights = coordinatewise" \
    run good.ini --set run.attention=fgt --set sampler.weights=joint
expect fgt-precondition "[run] attention = fgt needs sampler.precondition = none" \
    run good.ini --set run.attention=fgt --set sampler.precondition=diagonal
expect fgt-tolerance "[run] tolerance = 0: out of range (allowed: > 0" \
    run good.ini --set run.attention=fgt --set run.tolerance=0
# sampler.correct (corrected RWPO): spelling, K < 1, with another method
expect bad-correct "[sampler] correct = 'mala': not allowed (allowed: none | pmala)" \
    run good.ini --set sampler.correct=mala
expect correct-steps-0 "[sampler] correct_steps = 0: out of range (allowed: >= 1" \
    run good.ini --set sampler.correct=pmala --set sampler.correct_steps=0
expect correct-steps-alone "[sampler] correct_steps = '5' needs correct = pmala" \
    run good.ini --set sampler.correct_steps=5
expect correct-method "[sampler] correct is not a key of sampler.method 'pmala' (it belongs to rwpo_l1)" \
    run good.ini --set sampler.method=pmala --set sampler.correct=pmala
# sampler.precondition (preconditioned RWPO): spelling, another method, keys without it, the
# hessian source on a problem without an operator, every < 1
expect bad-precondition "[sampler] precondition = 'dense': not allowed (allowed: none | diagonal | full)" \
    run good.ini --set sampler.precondition=dense
expect precondition-method "[sampler] precondition is not a key of sampler.method 'svgd' (it belongs to rwpo_l1)" \
    run good.ini --set sampler.method=svgd --set sampler.precondition=full
expect precondition-every-alone "[sampler] precondition_every = '5' needs precondition = diagonal or full" \
    run good.ini --set sampler.precondition_every=5
expect precondition-every-0 "[sampler] precondition_every = 0: out of range (allowed: >= 1" \
    run good.ini --set sampler.precondition=diagonal --set sampler.precondition_every=0
expect precondition-hessian "[sampler] precondition_source = hessian needs problem.type = linear (got mixture_laplace" \
    run good.ini --set sampler.precondition=full --set sampler.precondition_source=hessian
expect precondition-gamma "[sampler] gamma = '0.3' needs precondition = full and precondition_l1 = moreau" \
    run good.ini --set sampler.precondition=diagonal --set sampler.gamma=0.3
expect bad-schedule "[sampler] schedule = '50-0.025': bad entry" run good.ini --set sampler.schedule=50-0.025
expect decreasing-schedule "bad entry (allowed: up to 64 entries 'layer:h' separated by commas, no empty entry, with layer >= 1 increasing" \
    run good.ini "--set=sampler.schedule=50:0.1, 40:0.2"
expect init-file-missing-key "[particles] init = file needs init_file" run good.ini --set particles.init=file
echo "not hdf5" > text.h5
expect init-file-not-hdf5 "init_file = text.h5:/x" run good.ini --set particles.init=file \
    --set particles.init_file=text.h5:/x
expect init-file-absent "init_file = nowhere.h5:/x" run good.ini --set particles.init=file \
    --set particles.init_file=nowhere.h5:/x
# a run file's position dataset is 3-D: the wrong type of init file
timeout 120 mpirun -np 2 --bind-to none "$RWPO" run good.ini --set run.output=traj.h5 >/dev/null 2>&1
expect init-file-3d "traj.h5:/particles/cloud/position/value" run good.ini --set particles.init=file \
    --set particles.init_file=traj.h5:/particles/cloud/position/value
expect init-file-no-dataset "traj.h5:/nothing" run good.ini --set particles.init=file \
    --set particles.init_file=traj.h5:/nothing
expect init-file-no-colon "missing dataset (allowed: path.h5:/dataset)" run good.ini \
    --set particles.init=file --set particles.init_file=traj.h5
expect init-mean-count "[particles] init_mean = '1,2': not a list of finite numbers (allowed: 1 or d = 3" \
    run good.ini --set particles.init_mean=1,2
expect problem-key-mismatch "[problem] std is not a key of problem type 'mixture_laplace'" \
    run good.ini --set problem.std=2
expect mixture-dim1 "problem mixture_laplace needs dim >= 2" run good.ini --set particles.dim=1
expect output-dir "[run] output = nodir/out.h5" run good.ini --set run.output=nodir/out.h5
printf '[run]\nlayers = 3\nlayers = 4\n' > k26.ini
expect duplicate-key "k26.ini:3: [run] layers is given twice" run k26.ini
printf 'layers = 3\n[run]\n' > k27.ini
expect outside-section "key 'layers' outside any section" run k27.ini
printf '[run]\nthis line has no equals sign\n' > k28.ini
expect syntax "k28.ini:2: syntax error" run k28.ini
expect no-file "nothere.ini: cannot open configuration" run nothere.ini
expect malformed-set "--set 'sampler.beta': malformed (allowed: section.key=value)" \
    run good.ini --set sampler.beta
expect unknown-command "unknown command 'walk'" walk good.ini
expect unknown-option "unknown option '--fast'" run good.ini --fast
expect no-config "'run' needs a file argument" run
expect T-zero "[sampler] T = 0: out of range (allowed: >= 1e-12)" run good.ini --set sampler.T=0
expect T-word "[sampler] T = 'half': not a number (allowed: a number >= 1e-12, or 'h')" run good.ini --set sampler.T=half
expect memory "the run needs an estimated" run good.ini --set particles.n=1000000000000
expect memory-fits-on "it fits on" run good.ini --set particles.n=3000000000
expect h-tiny "[sampler] h = 1e-20: out of range (allowed: >= 1e-12)" run good.ini --set sampler.h=1e-20
expect schedule-trailing-comma "schedule = '50:0.025,': bad entry" run good.ini "--set=sampler.schedule=50:0.025,"
expect schedule-empty-entry "schedule = '50:0.025,,60:0.01': bad entry" run good.ini "--set=sampler.schedule=50:0.025,,60:0.01"
expect init-mean-trailing-comma "init_mean = '1,': not a list" run good.ini "--set=particles.init_mean=1,"
expect every-zero "[run] every = 0: out of range (allowed: >= 1" run good.ini --set run.every=0
awk 'BEGIN{printf "[run]\nname = "; for(i=0;i<300;i++) printf "x"; printf "\n"}' > k37.ini
expect long-line-real "k37.ini:2: line longer than 198 characters" run k37.ini
expect check-bad "[sampler] beta = -1: out of range" check good.ini --set sampler.beta=-1
expect info-not-hdf5 "text.h5" info text.h5
expect info-missing "nothere.h5" info nothere.h5

# ---- linear and logistic problems (issue 5): bad inputs, from files written with h5py --------
cat > lin.ini <<'EOF'
[run]
output = out.h5
layers = 2

[particles]
n = 8
dim = 4

[sampler]
beta = 1
lambda = 0
h = 0.01

[problem]
type = linear
operator = file
operator_file = lin.h5:/A
data_file = lin.h5:/b
EOF
/usr/bin/python3 - <<'PYEOF'
import h5py, numpy as np
r = np.random.default_rng(1)
A = r.standard_normal((10, 4)); b = r.standard_normal(10)
with h5py.File("lin.h5", "w") as f:
    f["A"] = A; f["b"] = b; f["b9"] = b[:9]
    An = A.copy(); An[6, 2] = np.nan; f["A_nan"] = An
    bn = b.copy(); bn[3] = np.inf; f["b_inf"] = bn
    Az = A.copy(); Az[:, 1] = 0; f["A_zero_col"] = Az
    f["A_wide"] = r.standard_normal((3, 4)); f["b3"] = b[:3]
    f["A_d5"] = r.standard_normal((10, 5))
PYEOF
# the base linear configuration runs
if timeout 120 mpirun -np 2 --bind-to none "$RWPO" run lin.ini >/dev/null 2>&1 && [ -e out.h5 ]; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "FAIL: the base linear configuration does not run"
fi
expect lin-mismatch "A and b do not match" run lin.ini --set problem.data_file=lin.h5:/b9
expect lin-nan-A "lin.h5:/A_nan: non-finite value nan at row 6, column 2" run lin.ini \
    --set problem.operator_file=lin.h5:/A_nan
expect lin-inf-b "lin.h5:/b_inf: non-finite value inf at entry 3" run lin.ini \
    --set problem.data_file=lin.h5:/b_inf
expect lin-missing "lin.h5:/nothing: no such dataset" run lin.ini \
    --set problem.operator_file=lin.h5:/nothing
expect lin-missing-file "[problem] data_file = nofile.h5:/b: nofile.h5: no such file" run lin.ini \
    --set problem.data_file=nofile.h5:/b
expect lin-non-spd "column 2 of A is zero" run lin.ini --set problem.operator_file=lin.h5:/A_zero_col
expect lin-improper "(m < d) and [sampler] lambda = 0: A'A is singular" run lin.ini \
    --set problem.operator_file=lin.h5:/A_wide --set problem.data_file=lin.h5:/b3
expect lin-dim "A has shape [10][5], expected [m][d] with d = particles.dim = 4" run lin.ini \
    --set problem.operator_file=lin.h5:/A_d5
expect lin-no-data-file "operator = file needs operator_file" run lin.ini --set problem.data_file=
expect lin-gen-improper "[problem] m = 2 < dim = 4 with [sampler] lambda = 0" run lin.ini \
    --set problem.operator=gaussian --set problem.operator_file= --set problem.data_file= \
    --set problem.m=2 --set problem.sparsity=2
expect lin-sparsity "[problem] sparsity = 9: more non-zeros than dim = 4" run lin.ini \
    --set problem.operator=gaussian --set problem.operator_file= --set problem.data_file= \
    --set problem.sparsity=9
expect lin-blur2d "operator blur2d needs a square image" run lin.ini --set problem.operator=blur2d \
    --set problem.operator_file= --set problem.data_file= --set particles.dim=5
expect lin-grid "[linalg] grid_rows = 3: must divide the number of ranks 2" run lin.ini \
    --set linalg.grid_rows=3
expect lin-budget "[linalg] memory_budget = 10 bytes" run lin.ini --set linalg.memory_budget=10
expect lin-key-other-problem "[linalg] layout is not a key of problem type 'mixture_laplace'" \
    run good.ini --set linalg.layout=replicated
sed '/^operator = file/d; s/^type = linear/type = logistic/' lin.ini > logi.ini
expect logistic-labels "lin.h5:/b: label 0 is" run logi.ini
expect logistic-half-files "needs both operator_file" run logi.ini --set problem.data_file=

# the flow layers (OT-Flow's model) and the sample-quality reference (issue 13)
model="$SRC/configs/data/otflow_swissroll_phi.h5"
heldout="$SRC/configs/data/swissroll_heldout.h5"
expect flow-missing "[flow] file = nowhere.h5: nowhere.h5: no such file" run good.ini \
    --set flow.file=nowhere.h5 --set particles.dim=2
expect flow-invalid "no such object ('/phi' not found) (expected an OT-Flow model, group /phi)" \
    run good.ini --set flow.file="$SRC/configs/data/diabetes.h5" --set particles.dim=2
expect flow-dim "the model has d = 2 but particles.dim = 3 (allowed: the model's d)" run good.ini \
    --set flow.file="$model"
expect flow-method "[flow] file is not a key of sampler.method 'ula' (it belongs to rwpo_l1)" \
    run good.ini --set flow.file="$model" --set sampler.method=ula
expect reference-dim "samples of shape [2000][2], expected [R][3] with R >= 2 rows" run good.ini \
    --set problem.reference_file="$heldout:/samples"
expect reference-no-dataset "[problem] reference_file = '$heldout': missing dataset" run good.ini \
    --set problem.reference_file="$heldout"
expect reference-absent "/nothing: no such dataset" run good.ini --set particles.dim=2 \
    --set problem.reference_file="$heldout:/nothing"
# ---- problem.type = data: training samples from `rwpo data` ------------------------------------
timeout 120 mpirun -np 1 "$RWPO" data moons --n 50 -o kde.h5:/moons >/dev/null 2>&1
sed 's/^type = mixture_laplace/type = data\ndata_file = kde.h5:\/moons/; s/^dim = 3/dim = 2/' \
    good.ini > kde.ini
expect data-missing-file "[problem] type = data needs data_file = path.h5:/dataset" run kde.ini \
    --set problem.data_file=
expect data-no-dataset "[problem] data_file = 'kde.h5': missing dataset" run kde.ini \
    --set problem.data_file=kde.h5
expect data-wrong-d "expected [M][d] with d = particles.dim = 3 and M >= 1 (the file's d is 2)" \
    run kde.ini --set particles.dim=3
expect data-absent "[problem] data_file = kde.h5:/nothing" run kde.ini \
    --set problem.data_file=kde.h5:/nothing
/usr/bin/python3 -c "import h5py, numpy as np; f = h5py.File('kde.h5', 'a'); \
f['int'] = np.ones((5, 2), dtype=np.int32); x = np.ones((5, 2)); x[3, 1] = np.nan; f['nan'] = x"
expect data-integer "kde.h5:/int: dataset is of integer type, expected floating point" run kde.ini \
    --set problem.data_file=kde.h5:/int
expect data-nan "kde.h5:/nan: non-finite value nan at row 3, column 1" run kde.ini --set problem.data_file=kde.h5:/nan
expect data-negative-bandwidth "[problem] bandwidth = -0.1: out of range (allowed: > 0)" run \
    kde.ini --set problem.bandwidth=-0.1
expect data-zero-bandwidth "[problem] bandwidth = 0: out of range (allowed: > 0)" run \
    kde.ini --set problem.bandwidth=0
expect data-negative-start "[problem] bandwidth_start = -1: out of range (allowed: >= 0)" run \
    kde.ini --set problem.bandwidth_start=-1
expect data-start-no-layers "bandwidth_start = 1 differs from bandwidth = 0.1 but bandwidth_layers = 0" \
    run kde.ini --set problem.bandwidth_start=1
expect data-follows-schedule "[sampler] h_follows = bandwidth with schedule = '5:0.01'" run \
    kde.ini --set sampler.h_follows=bandwidth --set sampler.schedule=5:0.01
expect data-follows-too-small "[sampler] h_follows = bandwidth: h = 0.1 scaled by" run kde.ini \
    --set sampler.h_follows=bandwidth --set problem.bandwidth=1e-9 --set problem.bandwidth_start=1 \
    --set problem.bandwidth_layers=3
expect data-key-other-problem "[problem] bandwidth is not a key of problem type 'mixture_laplace'" \
    run good.ini --set problem.bandwidth=0.2
expect data-follows-other-problem "[sampler] h_follows is not a key of problem type" \
    run good.ini --set sampler.h_follows=bandwidth

echo "bad configurations: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
