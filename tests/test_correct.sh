#!/bin/sh
# Corrected RWPO (sampler.method = rwpo_l1, sampler.correct = pmala) through the program:
#  - the same run on 1, 2 and 3 ranks (gaussian with the L1 prior, N = 7, d = 3, 2 correction
#    steps per layer) agrees to 1e-12: the correction's draws are keyed by particle id, but
#    rwpo_l1 itself is not bitwise independent of the rank count (the ring folds the key blocks
#    in a rank-count-dependent order), so neither is the corrected run; 2 and 3 ranks are
#    compared bitwise through the restart below (a 3-rank restart of a 2-rank run);
#  - restarts from a recorded layer (on 3 ranks) and from a checkpoint (on 1 rank) continue
#    bitwise: the whole run file (positions, steps, times, every observable, correct_acceptance)
#    equals the uninterrupted 2-rank run's;
#  - correct_acceptance is an observable with correct = pmala only, in (0, 1]; correct = none
#    records no such observable; `check` prints the keys; --keys lists sampler.correct.
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"

mc_ini g.ini rwpo_l1 "type = gaussian" "mean = 1, -1, 0.5" "std = 0.7"
sed -i '/^schedule/a correct = pmala\ncorrect_steps = 2\ncorrect_h = 0.1' g.ini

# --- rank counts -------------------------------------------------------------------------------
for np in 1 2 3; do
    run $np run g.ini --set run.output=g_$np.h5 > g_$np.log 2>&1 \
        || bad "gaussian on $np ranks: $(tail -1 g_$np.log)"
done
for np in 2 3; do
    $CMP --rtol 1e-12 g_1.h5 g_$np.h5 > c.txt && ok "gaussian: 1 and $np ranks: $(cat c.txt)" \
        || bad "gaussian: 1 and $np ranks: $(cat c.txt)"
done

# --- restarts: the whole file bitwise ----------------------------------------------------------
run 2 run g.ini --set run.output=full.h5 > full.log 2>&1 || bad "full run"
cp full.h5 t.h5
run 3 run g.ini --set run.output=t.h5 --restart t.h5:10 > t.log 2>&1 \
    || bad "restart from layer 10: $(tail -1 t.log)"
$CMP full.h5 t.h5 > c.txt && ok "restart from recorded layer 10 (3 ranks): identical file" \
    || bad "restart from recorded layer 10: $(cat c.txt)"
cp full.h5 c.h5
cp full.ckpt.prev.h5 c8.h5
run 1 run g.ini --set run.output=c.h5 --restart c8.h5 > c.log 2>&1 \
    || bad "restart from the checkpoint: $(tail -1 c.log)"
grep -q "restart: layer 8" c.log || bad "the checkpoint restart is not at layer 8"
$CMP full.h5 c.h5 > c.txt && ok "restart from the layer-8 checkpoint (1 rank): identical file" \
    || bad "restart from the checkpoint: $(cat c.txt)"

# --- observables and keys ----------------------------------------------------------------------
acc=$(h5dump -d /observables/correct_acceptance/value full.h5 2>/dev/null \
      | grep -o "[0-9][0-9.e+-]*" | tail -1)
/usr/bin/python3 -c "import sys; a = float(sys.argv[1]); sys.exit(0 if 0 < a <= 1 else 1)" \
    "${acc:-nan}" && ok "correct_acceptance recorded ($acc)" || bad "correct_acceptance: '$acc'"
run 1 run g.ini --set run.output=none.h5 --set sampler.correct=none \
    --set sampler.correct_steps=1 --set sampler.correct_h=h > n.log 2>&1 || bad "none"
h5ls none.h5/observables | grep -q correct_acceptance && bad "correct = none records it" \
    || ok "correct = none: no correct_acceptance"
out=$("$RWPO" check g.ini)
echo "$out" | grep -qx "correct_steps = 2" && echo "$out" | grep -q "^correct_h = 0.1" \
    && ok "check prints the correct keys" || bad "check: correct keys"
"$RWPO" --keys | grep -q "| sampler.correct | none | none \\\\| pmala |" \
    && ok "--keys lists sampler.correct" || bad "--keys lacks sampler.correct"

finish test_correct.sh
