#!/bin/sh
# Sample-quality observables and OT-Flow's flow layers through the program:
#  - a run with 12 flow layers (OT-Flow's swissroll model), 6 RWPO-L1 layers with lambda > 0,
#    reference = the shipped held-out swissroll, on 1 and on 3 ranks: every observable of every
#    recorded layer equals a direct numpy formula (tests/check_quality.py: energy distance, OT-
#    Flow's MMD re-written in numpy, sliced W2 with the directions from a numpy Philox, nearest-
#    distance quantiles, zero fractions, read-out zeros) to 1e-12, NaN at the layers skipped by
#    problem.quality_every; the 3-rank file agrees with the 1-rank file to 1e-12 and its flow
#    layers' positions are bitwise equal;
#  - a run without the new keys records none of the new observables; `check` prints the [flow]
#    section only when a flow is set.
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"

cat > q.ini <<EOT
[run]
output = q.h5
layers = 18
every = 3
checkpoint_every = 0
seed = 4
[particles]
n = 150
dim = 2
[sampler]
beta = 1
lambda = 0.5
h = 0.02
[problem]
type = none
reference_file = $SRC/configs/data/swissroll_heldout.h5:/samples
directions = 16
quality_every = 6
[flow]
file = $SRC/configs/data/otflow_swissroll_phi.h5
steps = 12
readout_lambda = 2
EOT
for np in 1 3; do
    run $np run q.ini --set run.output=q_$np.h5 > q_$np.log 2>&1 \
        || bad "flow + RWPO-L1 on $np ranks: $(tail -1 q_$np.log)"
done
/usr/bin/python3 "$SRC/tests/check_quality.py" q_1.h5 \
    "$SRC/configs/data/swissroll_heldout.h5:/samples" q_3.h5 > c1.txt 2>&1 \
    && ok "1 rank against numpy, 3 ranks against 1: $(head -1 c1.txt)" \
    || bad "1 rank: $(cat c1.txt)"
/usr/bin/python3 "$SRC/tests/check_quality.py" q_3.h5 \
    "$SRC/configs/data/swissroll_heldout.h5:/samples" > c3.txt 2>&1 \
    && ok "3 ranks against numpy" || bad "3 ranks: $(cat c3.txt)"

# nothing new without the keys
sed '/^\[flow\]/,$d; /^reference_file/d; /^directions/d; /^quality_every/d' q.ini > plain.ini
run 2 run plain.ini --set run.output=plain.h5 > plain.log 2>&1 || bad "plain run"
/usr/bin/python3 -c "
import h5py, sys
f = h5py.File('plain.h5', 'r')
new = {'energy_distance', 'sliced_w2', 'mmd', 'nn_reference', 'nn_training', 'zero_fractions',
       'readout_zeros'} & set(f['observables'])
extra = [k for k in f['parameters'].attrs if k.startswith('flow.') or k in
         ('problem.reference_file', 'problem.directions', 'problem.quality_every')]
sys.exit(1 if new or extra else 0)" && ok "no new observables or parameters without the keys" \
    || bad "a plain run records the new observables or parameters"
run 1 check q.ini | grep -qx '\[flow\]' && ok "check prints [flow] with a flow" \
    || bad "check lacks [flow]"
run 1 check plain.ini | grep -q '^\[flow\]' && bad "check prints [flow] without a flow" \
    || ok "check omits [flow] without a flow"
finish test_quality.sh
