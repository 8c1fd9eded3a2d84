#!/bin/sh
# problem.type = data and `rwpo data` (run by meson test; also by hand after a build):
#  - `rwpo data NAME`: every toy set against OT-Flow's definitions (lib/toy_data.py, with
#    scikit-learn's make_moons, make_circles, make_swiss_roll) drawn by numpy
#    (tests/toy_data_check.py): the energy distance between rwpo's set and numpy's must be
#    within 4x the largest of five numpy-vs-numpy floors of the same size, and the means and
#    covariances within 5 standard errors; a set and its held-out set (another seed) differ;
#  - `rwpo data` errors: unknown name, bad --n, bad --seed, no dataset in -o, an existing dataset
#    (refused, replaced with --overwrite), a file that is not HDF5;
#  - restarts in data mode (annealed bandwidth, h_follows = bandwidth): stopped by the stop file
#    after layer 1 then `--restart auto`, and from a recorded layer in the middle of the
#    annealing: the whole run file is bitwise that of the uninterrupted run;
#  - warnings: 2T > sd^2 (before the run, counting the layers, and at the layer it first
#    happens), too few effective neighbours of the data attention; none for the good schedule,
#    whose duplicates stay 0; the duplicates observable of an initial cloud read from a file with
#    planted duplicates (50 equal rows and a pair: 52 of 200).
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
PY="env PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3"

sets="moons 8gaussians circles rings swissroll 2spirals checkerboard pinwheel"
for s in $sets; do
    run 1 data $s --n 2000 --seed 1 -o toy.h5:/$s/train > d.log 2>&1 || { bad "rwpo data $s"; cat d.log; }
    run 1 data $s --n 2000 --seed 2 -o toy.h5:/$s/test > d.log 2>&1 || bad "rwpo data $s held-out"
done
$PY "$SRC/tests/toy_data_check.py" toy.h5 $sets > toy.txt 2>&1 \
    && ok "rwpo data: every set matches OT-Flow's definitions" \
    || bad "rwpo data against OT-Flow's definitions"
sed 's/^/    /' toy.txt

# --- rwpo data: errors ---------------------------------------------------------------------------
derr() { # name, expected text, args...
    name=$1; text=$2; shift 2
    out=$(run 2 data "$@" 2>&1); rc=$?
    if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -qF -- "$text"; then
        ok "data error: $name"
    else
        bad "data error: $name (exit $rc)"
        printf '%s\n' "$out" | head -3
    fi
}
derr "unknown set" "unknown set 'moon' (allowed: moons, 8gaussians" moon --n 10 -o e.h5:/x
derr "no set" "no set named" --n 10 -o e.h5:/x
derr "--n 0" "--n '0': not a whole number of samples (allowed: 1 to 1e9)" moons --n 0 -o e.h5:/x
derr "--n 2.5" "--n '2.5'" moons --n 2.5 -o e.h5:/x
derr "--n missing" "--n '': not a whole number" moons -o e.h5:/x
derr "--seed -1" "--seed '-1'" moons --n 5 --seed -1 -o e.h5:/x
derr "no dataset" "-o 'e.h5': expected path.h5:/dataset" moons --n 5 -o e.h5
derr "existing dataset" \
    "toy.h5:/moons/train: the dataset exists (allowed: another dataset name, or --overwrite" \
    moons --n 5 -o toy.h5:/moons/train
echo "not hdf5" > text.h5
derr "not HDF5" "not an HDF5 file" moons --n 5 -o text.h5:/x
shape() { $PY -c "import h5py; print(h5py.File('$1', 'r')['$2'].shape)"; }
if run 2 data moons --n 7 --seed 3 -o toy.h5:/moons/train --overwrite > o.log 2>&1 &&
    [ "$(shape toy.h5 moons/train)" = "(7, 2)" ]; then
    ok "--overwrite replaces the dataset"
else
    bad "--overwrite"
fi
[ ! -e e.h5 ] && ok "no file left by a refused command" || bad "a refused command left e.h5"

# --- restarts in data mode: bitwise ---------------------------------------------------------------
run 1 data rings --n 300 -o kde.h5:/train > /dev/null 2>&1
printf '%s\n' "[run]" "output = full.h5" "layers = 40" "every = 5" "checkpoint_every = 15" \
    "progress = 1000" "[particles]" "n = 200" "dim = 2" "[sampler]" "beta = 1" "lambda = 0" \
    "h = 0.2" "weights = joint" "h_follows = bandwidth" "[problem]" "type = data" \
    "data_file = kde.h5:/train" "bandwidth = 0.15" "bandwidth_start = 1" \
    "bandwidth_layers = 30" > kde.ini
run 2 run kde.ini > full.log 2>&1 && ok "uninterrupted data run" \
    || { bad "uninterrupted data run"; tail -3 full.log; }
touch STOP
run 2 run kde.ini --set run.output=stop.h5 --set run.stop_file="$TMP/STOP" > stop.log 2>&1
rc=$?
[ $rc -eq 3 ] && ok "stop file: exit 3 with a checkpoint" || { bad "stop file: exit $rc"; tail -3 stop.log; }
run 2 run kde.ini --set run.output=stop.h5 --set run.stop_file="$TMP/STOP" --restart auto \
    > auto.log 2>&1 || bad "restart auto"
$CMP full.h5 stop.h5 > c.txt && ok "checkpoint + restart auto: identical file" \
    || bad "checkpoint + restart auto: $(cat c.txt)"
cp full.h5 mid.h5
run 2 run kde.ini --set run.output=mid.h5 --restart mid.h5:20 > mid.log 2>&1 \
    || bad "restart from layer 20"
$CMP full.h5 mid.h5 > c.txt && ok "restart from layer 20 (annealing): identical file" \
    || bad "restart from layer 20: $(cat c.txt)"
last() { $PY -c "import h5py; print(h5py.File('$1', 'r')['observables/$2/value'][-1])"; }
if ! grep -q "warning" full.log && [ "$(last full.h5 duplicates)" = 0.0 ]; then
    ok "good schedule: no warning, no duplicates"
else
    bad "good schedule: $(grep warning full.log | head -2) duplicates $(last full.h5 duplicates)"
fi

# --- warnings --------------------------------------------------------------------------------------
$PY -c "import h5py, numpy as np; x = np.random.RandomState(1).randn(200, 2); x[:50] = x[0]; \
x[60] = x[61]; h5py.File('init.h5', 'w')['x'] = x"
run 2 run kde.ini --set run.output=merge.h5 --set sampler.T=0.05 --set particles.init=file \
    --set particles.init_file=init.h5:/x > merge.log 2>&1 || bad "run with 2T > sd^2"
first() { $PY -c "import h5py; print(h5py.File('$1', 'r')['observables/$2/value'][()].ravel()[0])"; }
if grep -q "warning: data target: 2T > sd^2 at 22 of 40 layers (first at layer 19" merge.log &&
    grep -q "warning: layer 19: 2T = 0.1 > sd^2 = 0.0948" merge.log &&
    [ "$(first merge.h5 duplicates)" = 0.26 ]; then
    ok "2T > sd^2: warned before the run and at layer 19; duplicates of the initial cloud 52/200"
else
    bad "2T > sd^2 warnings or duplicates ($(first merge.h5 duplicates), want 0.26)"
    grep warning merge.log
fi
run 2 run kde.ini --set run.output=few.h5 --set problem.bandwidth=0.002 --set run.layers=3 \
    --set problem.bandwidth_layers=3 > few.log 2>&1 || bad "small-bandwidth run"
grep -q "the data attention has .* effective neighbours (below 1.5)" few.log \
    && ok "too few neighbours of the data attention: warned" \
    || { bad "neighbours warning"; grep warning few.log; }

finish test_generative.sh
