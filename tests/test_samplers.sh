#!/bin/sh
# The MCMC references (sampler.method = ula, myula, pmala) through the program:
#  - the same run on 1, 2 and 3 ranks: gaussian with the L1 prior (N = 7, per-chain arithmetic)
#    gives bitwise identical positions at every recorded layer; linear (N = 2 < P: a rank
#    without chains still takes part in the collective gradient; the replicated operator, and
#    for pmala the distributed one, each against its own 1-rank run) agrees to 1e-12: DGEMM's
#    and PDGEMM's summation order depends on a row's place in the rank's block and on the
#    process grid, so the gradient is not bitwise independent of the rank count;
#  - restarts from a recorded layer and from a checkpoint continue bitwise: the whole run file
#    (positions, steps, times, every observable, pmala's acceptance) equals the uninterrupted
#    run's;
#  - sampler.gamma belongs to myula only, must be > 0 (or h) and is printed by `check` for
#    myula only; `--keys` lists the methods; a sweep over sampler.method runs each point.
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"

# same_positions A B: every recorded frame's positions bitwise equal
same_positions() { h5diff -q "$1" "$2" /particles/cloud/position/value > /dev/null 2>&1; }

for m in ula myula pmala; do
    # --- rank counts: bitwise positions --------------------------------------------------------
    mc_ini g_$m.ini $m "type = gaussian" "mean = 1, -1, 0.5" "std = 0.7"
    mc_ini l_$m.ini $m "type = linear" "m = 6" "sigma = 0.5" "sparsity = 2"
    layouts=replicated
    [ $m = pmala ] && layouts="replicated distributed"
    for np in 1 2 3; do
        run $np run g_$m.ini --set run.output=g_${m}_$np.h5 > g_${m}_$np.log 2>&1 \
            || bad "$m gaussian on $np ranks: $(tail -1 g_${m}_$np.log)"
        for layout in $layouts; do
            run $np run l_$m.ini --set run.output=l_${m}_${layout}_$np.h5 --set particles.n=2 \
                --set linalg.layout=$layout > l.log 2>&1 || bad "$m linear $layout on $np ranks"
        done
    done
    for np in 2 3; do
        same_positions g_${m}_1.h5 g_${m}_$np.h5 && ok "$m gaussian: 1 and $np ranks bitwise" \
            || bad "$m gaussian: 1 and $np ranks differ"
        for layout in $layouts; do
            $CMP --rtol 1e-12 l_${m}_${layout}_1.h5 l_${m}_${layout}_$np.h5 > c.txt \
                && ok "$m linear N = 2, $layout: 1 and $np ranks: $(cat c.txt)" \
                || bad "$m linear N = 2, $layout: 1 and $np ranks: $(cat c.txt)"
        done
    done

    # --- restarts: the whole file bitwise --------------------------------------------------------
    run 2 run l_$m.ini --set run.output=full_$m.h5 > full.log 2>&1 || bad "$m full run"
    cp full_$m.h5 t_$m.h5
    run 2 run l_$m.ini --set run.output=t_$m.h5 --restart t_$m.h5:10 > t.log 2>&1 \
        || bad "$m restart from layer 10: $(tail -1 t.log)"
    $CMP full_$m.h5 t_$m.h5 > c.txt && ok "$m restart from recorded layer 10: identical file" \
        || bad "$m restart from recorded layer 10: $(cat c.txt)"
    # checkpoints at 8 and 16: the previous one holds layer 8
    cp full_$m.h5 c_$m.h5
    cp full_$m.ckpt.prev.h5 c8_$m.h5
    run 2 run l_$m.ini --set run.output=c_$m.h5 --restart c8_$m.h5 > c.log 2>&1 \
        || bad "$m restart from the checkpoint: $(tail -1 c.log)"
    grep -q "restart: layer 8" c.log || bad "$m: the checkpoint restart is not at layer 8"
    $CMP full_$m.h5 c_$m.h5 > c.txt && ok "$m restart from the layer-8 checkpoint: identical file" \
        || bad "$m restart from the checkpoint: $(cat c.txt)"
done
grep -q "layer [0-9]*/[0-9]* .* particles/s" full.log && ! grep -q "pairs/s" full.log \
    && ok "progress of independent chains in particles/s" || bad "progress: $(grep layer full.log | tail -1)"
"$RWPO" info full_pmala.h5 | grep -q "acceptance" && ok "info shows pmala's acceptance" \
    || bad "info lacks pmala's acceptance"

# --- keys ---------------------------------------------------------------------------------------
"$RWPO" --keys | grep -q "| sampler.method | rwpo_l1 | rwpo_l1 \\\\| ula \\\\| myula \\\\| pmala \\\\| gibbs_lasso \\\\| svgd |" \
    && ok "--keys lists the methods" || bad "--keys lacks the methods"
"$RWPO" --keys | grep -q "| sampler.gamma | h | > 0 |" && ok "--keys lists sampler.gamma" \
    || bad "--keys lacks sampler.gamma"
mc_ini k.ini myula "type = gaussian"
out=$("$RWPO" check k.ini)
echo "$out" | grep -qx "gamma = h" && ok "check prints gamma = h for myula" || bad "check: gamma"
out=$("$RWPO" check k.ini --set sampler.gamma=0.25)
echo "$out" | grep -qx "gamma = 0.25" && ok "check prints a set gamma" || bad "check: set gamma"
out=$("$RWPO" check k.ini --set sampler.method=pmala)
echo "$out" | grep -q "^gamma" && bad "check prints gamma for pmala" || ok "no gamma for pmala"
# expect_error TEXT ARGS...: rwpo check fails with exit 1 and a line containing TEXT
expect_error() {
    text=$1; shift
    out=$(timeout 60 "$RWPO" check "$@" 2>&1)
    rc=$?
    [ $rc -eq 1 ] && echo "$out" | grep -qF -- "$text" && ok "refused: $text" \
        || bad "want exit 1 and '$text', got $rc: $out"
}
expect_error "[sampler] gamma is not a key of sampler.method 'ula' (it belongs to rwpo_l1, myula, svgd)" \
    k.ini --set sampler.method=ula --set sampler.gamma=0.1
expect_error "[sampler] gamma = 0: out of range (allowed: > 0)" k.ini --set sampler.gamma=0
expect_error "[sampler] gamma = '-h': not a number" k.ini --set sampler.gamma=-h
expect_error "not allowed (allowed: rwpo_l1 | ula | myula | pmala | gibbs_lasso | svgd)" k.ini --set sampler.method=mala
mc_ini w.ini myula "type = gaussian"
run 1 run w.ini --set run.output=w.h5 --set sampler.gamma=0.01 --set run.layers=1 > w.log 2>&1
grep -q "sampler.gamma = 0.01 is below h/2" w.log && ok "myula warns when h > 2 gamma" \
    || bad "myula: no warning for h > 2 gamma"

# --- a sweep over the method ------------------------------------------------------------------
mc_ini s.ini ula "type = gaussian"
sed -i 's#^output = out.h5#output = sw_{sampler.method}.h5#' s.ini
printf '[sweep]\nsampler.method = ula, myula, pmala\n' >> s.ini
[ "$("$RWPO" sweep s.ini --count 2>/dev/null)" = 3 ] && ok "sweep over sampler.method: 3 points" \
    || bad "sweep count"
for k in 0 1 2; do
    run 2 run s.ini --sweep-index $k > sw.log 2>&1 || bad "sweep point $k: $(tail -1 sw.log)"
done
[ -e sw_ula.h5 ] && [ -e sw_myula.h5 ] && [ -e sw_pmala.h5 ] && ok "sweep points ran" \
    || bad "sweep outputs missing"
"$RWPO" summarize sw_ula.h5 sw_myula.h5 sw_pmala.h5 > sum.csv 2>/dev/null
[ "$(grep -c complete sum.csv)" = 3 ] && ok "summarize: 3 complete runs" || bad "summarize"

finish test_samplers.sh
