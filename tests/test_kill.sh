#!/bin/sh
# Fault injection: start a run, kill -9 every rank at a pseudo-random moment, check that every
# checkpoint on disk is readable, restart with --restart auto until done, and compare the whole
# trajectory (positions, steps, times, observables; across segment files if the run file was
# damaged) bitwise with the uninterrupted run.
#   tests/test_kill.sh [TRIALS]   (10 in CI; tests/soak_kill.sh runs more)
# RWPO_KEEP=DIR keeps the files of a trial whose checkpoint was unreadable.
set -u
TRIALS=${1:-10}
. "$(dirname "$(readlink -f "$0")")/lib.sh"
restart_ini k.ini ref.h5 1200 2 3 100
t0=$(date +%s.%N)
timeout 300 mpirun -np 2 --bind-to none "$RWPO" run k.ini > ref.log 2>&1 || { cat ref.log; exit 1; }
t1=$(date +%s.%N)
span=$(echo "$t1 $t0" | awk '{print $1 - $2}')
echo "reference run: $span s"
pass=0
for i in $(seq 1 "$TRIALS"); do
    # absolute: the kill pattern below must not match the runs of another test_kill/soak running
    # on the same machine at the same time (same program path, same trial numbers)
    out="$TMP/k$i.h5"
    # kill somewhere between 5% and 95% of the run (pseudo-random, reproducible per trial)
    delay=$(awk -v i="$i" -v s="$span" 'BEGIN { srand(4242); for (j = 0; j < i; j++) r = rand();
                                                printf "%.2f", s * (0.05 + 0.9 * r) }')
    mpirun -np 2 --bind-to none "$RWPO" run k.ini --set run.output="$out" > "k$i.log" 2>&1 &
    pid=$!
    sleep "$delay"
    # like a node failure: the launcher and every rank die at once (launcher first, so that no
    # rank is started after the kill; again after a moment for one caught while starting)
    kill -9 $pid 2>/dev/null
    pkill -9 -f "^$RWPO run k.ini --set run.output=$out" 2>/dev/null
    wait $pid 2>/dev/null
    sleep 0.2
    pkill -9 -f "^$RWPO run k.ini --set run.output=$out" 2>/dev/null
    ok=1
    for ck in "k$i.ckpt.h5" "k$i.ckpt.prev.h5"; do
        if [ -e "$ck" ] && ! "$RWPO" info "$ck" > "$ck.info" 2>&1; then
            echo "trial $i: $ck is unreadable after kill -9 at ${delay}s: $(tail -1 "$ck.info")"
            ok=0
            # keep the evidence (RWPO_KEEP=DIR): the file, its neighbours and the run's log
            [ -n "${RWPO_KEEP:-}" ] && mkdir -p "$RWPO_KEEP" && cp -p k$i.* "$RWPO_KEEP"/
        fi
    done
    n=0
    until timeout 300 mpirun -np 2 --bind-to none "$RWPO" run k.ini --set run.output="$out" \
          --restart auto > "k$i.r$n.log" 2>&1; do
        n=$((n + 1))
        [ $n -ge 3 ] && { echo "trial $i: restart failed"; tail -3 "k$i.r$((n-1)).log"; ok=0; break; }
    done
    segs=$(ls k$i.seg*.h5 2>/dev/null | tr '\n' ',' | sed 's/,$//')
    from=$(cat k$i.r*.log | grep -o "restart: layer [0-9]*\|already complete\|no checkpoint" | head -1)
    if ! $CMP ref.h5 "$out${segs:+,$segs}" > "k$i.cmp" 2>&1; then
        echo "trial $i: $(cat k$i.cmp)"; ok=0
    fi
    [ $ok -eq 1 ] && pass=$((pass + 1))
    echo "trial $i: killed at ${delay}s; ${from:-fresh start}${segs:+, new segment}: $([ $ok -eq 1 ] && echo identical || echo FAILED)"
done
echo "kill -9 trials: $pass of $TRIALS passed"
[ "$pass" -eq "$TRIALS" ]
