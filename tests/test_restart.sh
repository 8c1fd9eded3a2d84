#!/bin/sh
# Checkpoints and restart (run by meson test; also by hand after a build):
#  - restarts from recorded layers of a trajectory at several k, same rank count: the whole file
#    (positions, steps, times, observables) is bitwise that of the uninterrupted run;
#  - restarts on 1, 3 and 4 ranks: final particles equal to 1e-12;
#  - SIGUSR1, SIGTERM, the stop file and the wall-time budget: exit 3, a valid checkpoint,
#    `--restart auto` completes bitwise identically; auto on a complete run does nothing;
#  - refusals: physics changes (named; accepted with --allow-physics-change), another N or d,
#    another program's file, another format version, a missing layer;
#  - damaged checkpoints: truncated at several offsets, flipped bytes, empty, not HDF5: refused
#    (exit 1) or, when the previous checkpoint is valid, it is used (with a warning);
#  - output failures: a file-size limit (disk full) and an unwritable checkpoint path end the run
#    with exit 2 and a message naming the layer; the earlier checkpoint stays intact and the run
#    is completed from it.
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"

restart_ini r.ini full.h5 600 4 6 100

run 2 run r.ini > full.log 2>&1 && ok "uninterrupted run" || { bad "uninterrupted run"; cat full.log; }

# --- trajectory restarts at several recorded layers, same rank count: bitwise -----------------
for k in 8 24 44; do
    cp full.h5 t$k.h5
    run 2 run r.ini --set run.output=t$k.h5 --restart t$k.h5:$k > t$k.log 2>&1 \
        || bad "restart from t$k.h5:$k"
    $CMP full.h5 t$k.h5 > c.txt && ok "trajectory restart at layer $k: identical file" \
        || bad "trajectory restart at layer $k: $(cat c.txt)"
done

# --- other rank counts: 1e-12 ------------------------------------------------------------------
for np in 1 3 4; do
    cp full.h5 n$np.h5
    run $np run r.ini --set run.output=n$np.h5 --restart n$np.h5:24 > n$np.log 2>&1 \
        || bad "restart on $np ranks"
    $CMP --rtol 1e-12 full.h5 n$np.h5 > c.txt && ok "restart on $np ranks: $(cat c.txt)" \
        || bad "restart on $np ranks: $(cat c.txt)"
done

# --- stop requests: exit 3, valid checkpoint, auto restart identical ----------------------------
slow="--set particles.n=1500"
run 2 run r.ini $slow --set run.output=slow.h5 > slow.log 2>&1 || bad "slow reference run"
stop_test() { # name, how (usr1 | term | file | wall)
    name=$1
    out=$name.h5
    extra=""
    [ "$2" = file ] && extra="--set run.stop_file=$TMP/STOP"
    [ "$2" = wall ] && extra="--set run.wall_time=1.5"
    mpirun -np 2 --bind-to none "$RWPO" run r.ini $slow --set run.output=$out $extra \
        > $name.log 2>&1 &
    pid=$!
    # signal once the run is in its layer loop (a loaded machine may take a while to start)
    for _ in $(seq 1 100); do grep -q "^rwpo: rwpo " $name.log 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    case $2 in
    usr1) kill -USR1 $pid ;;                                     # mpirun forwards SIGUSR1
    term) pkill -TERM -f "^$RWPO run r.ini.*output=$out" ;;      # SLURM signals every task
    file) touch "$TMP/STOP" ;;
    esac
    wait $pid
    rc=$?
    if [ $rc -eq 3 ] && grep -q "stopped by" $name.log; then
        ok "$name: exit 3 ($(grep -o 'stopped by [a-z -]* after layer [0-9]*' $name.log))"
    else
        bad "$name: exit $rc, want 3"; tail -3 $name.log
    fi
    "$RWPO" info $name.ckpt.h5 > /dev/null 2>&1 && ok "$name: checkpoint readable" \
        || bad "$name: checkpoint unreadable"
    [ "$2" = file ] && { [ ! -e "$TMP/STOP" ] && ok "stop file removed" || bad "stop file left"; }
    run 2 run r.ini $slow --set run.output=$out --restart auto > $name.2.log 2>&1 \
        || bad "$name: restart auto"
    $CMP slow.h5 $out > c.txt && ok "$name: restarted run identical to the uninterrupted one" \
        || bad "$name: $(cat c.txt)"
}
stop_test usr1 usr1
stop_test term term
stop_test file file
stop_test wall wall
out=$(run 2 run r.ini $slow --set run.output=usr1.h5 --restart auto 2>&1)
echo "$out" | grep -q "already complete" && ok "auto on a complete run does nothing" \
    || bad "auto on a complete run: $out"

# --- refusals ---------------------------------------------------------------------------------
cp full.ckpt.h5 keep.ckpt.h5
refuse() { # name, expected text, args...
    name=$1; text=$2; shift 2
    o=$(run 2 "$@" 2>&1); rc=$?
    if [ $rc -eq 1 ] && echo "$o" | grep -qF -- "$text"; then ok "$name"; else
        bad "$name: exit $rc, want 1 and: $text"; echo "$o" | grep error | head -2; fi
}
refuse "physics change refused, keys named" \
    "the configuration changes the physics: sampler.beta (1 -> 2), sampler.lambda (0.10000000000000001 -> 0.5)" \
    run r.ini --set run.output=ph.h5 --set sampler.beta=2 --set sampler.lambda=0.5 --restart keep.ckpt.h5
run 2 run r.ini --set run.output=ph.h5 --set sampler.beta=2 --restart keep.ckpt.h5 \
    --allow-physics-change > ph.log 2>&1 && grep -q "physics changes: sampler.beta" ph.log \
    && ok "--allow-physics-change accepted with a warning" || bad "--allow-physics-change"
run 2 run r.ini --set run.output=nl.h5 --set run.layers=80 --set run.every=8 --restart keep.ckpt.h5 \
    > nl.log 2>&1 && ok "non-physics keys (layers, every) may change" || bad "layers change refused"
refuse "another N refused" "it holds N = 600, d = 16; the configuration has N = 601, d = 16" \
    run r.ini --set run.output=x.h5 --set particles.n=601 --restart keep.ckpt.h5
refuse "another d refused" "it holds N = 600, d = 16; the configuration has N = 600, d = 15" \
    run r.ini --set run.output=x.h5 --set particles.dim=15 --restart full.h5:8
refuse "missing trajectory layer refused" "no recorded layer 9 (it holds 16 frames, layers 0..60)" \
    run r.ini --set run.output=x.h5 --restart full.h5:9
refuse "checkpoint layer mismatch refused" "the checkpoint holds layer" \
    run r.ini --set run.output=x.h5 --restart keep.ckpt.h5:7
/usr/bin/python3 -c "
import h5py, numpy as np
with h5py.File('other.h5', 'w') as f: f['/x'] = np.zeros((600, 16))
import shutil; shutil.copy('keep.ckpt.h5', 'v99.ckpt.h5')
with h5py.File('v99.ckpt.h5', 'r+') as f: f['checkpoint'].attrs['format_version'] = np.int64(99)
"
refuse "another program's HDF5 file refused" "not an rwpo file" \
    run r.ini --set run.output=x.h5 --restart other.h5
refuse "another format version refused" "checkpoint format version 99 (this rwpo reads version 1)" \
    run r.ini --set run.output=x.h5 --restart v99.ckpt.h5
: > empty.h5
refuse "empty file refused" "empty file" run r.ini --set run.output=x.h5 --restart empty.h5
echo "plain text" > text.h5
refuse "non-HDF5 file refused" "not an HDF5 file" run r.ini --set run.output=x.h5 --restart text.h5

# --- damaged checkpoints: refused alone, the previous one used when valid ----------------------
size=$(stat -c %s keep.ckpt.h5)
for cut in 100 2048 $((size / 2)) $((size - 1000)) $((size - 1)); do
    cp keep.ckpt.h5 cut.ckpt.h5
    truncate -s $cut cut.ckpt.h5
    o=$(run 2 run r.ini --set run.output=cut.h5 --restart cut.ckpt.h5 2>&1); rc=$?
    [ $rc -eq 1 ] && echo "$o" | grep -q "cannot restart from" && ok "checkpoint truncated at $cut bytes: refused" \
        || bad "checkpoint truncated at $cut: exit $rc"
done
# flip bytes inside the particle data (the last part of the file holds it)
cp keep.ckpt.h5 flip.ckpt.h5
/usr/bin/python3 - <<'EOF'
import h5py
with h5py.File("flip.ckpt.h5", "r") as f:
    off = f["particles/cloud/position/value"].id.get_chunk_info(0).byte_offset
with open("flip.ckpt.h5", "r+b") as g:
    g.seek(off + 5000)
    b = bytearray(g.read(4))
    g.seek(off + 5000)
    g.write(bytes(x ^ 0x5A for x in b))
EOF
o=$(run 2 run r.ini --set run.output=flip.h5 --restart flip.ckpt.h5 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$o" | grep -q "cannot restart from" && ok "flipped bytes in the particle data: refused ($(echo "$o" | grep -o 'HDF5: [^)]*' | head -1))" \
    || bad "flipped bytes: exit $rc: $(echo "$o" | grep error)"
# latest damaged, previous valid: the previous one is used and the result is still identical
cp full.h5 fb.h5
cp full.ckpt.prev.h5 fb.ckpt.prev.h5
cp full.ckpt.h5 fb.ckpt.h5
truncate -s 3000 fb.ckpt.h5
run 2 run r.ini --set run.output=fb.h5 --restart fb.ckpt.h5 > fb.log 2>&1 \
    && grep -q "trying fb.ckpt.prev.h5" fb.log && ok "damaged latest checkpoint: the previous one is used" \
    || { bad "fallback to the previous checkpoint"; grep -E "warn|error" fb.log | head -3; }
$CMP full.h5 fb.h5 > c.txt && ok "fallback restart identical" || bad "fallback restart: $(cat c.txt)"

# --- output failures: exit 2 naming the layer, earlier checkpoint intact --------------------------
# a file-size limit makes the trajectory write fail (EFBIG) like a full disk
# (set on the ranks only, with TCP between them: mpirun's and the shared-memory transport's
# files would exceed the limit)
timeout 300 mpirun -np 2 --bind-to none --mca btl self,tcp sh -c \
    "ulimit -f 2400; exec $RWPO run r.ini --set run.output=df.h5" > df.log 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "error: layer [0-9]*: writing df.h5: file size limit" df.log \
    && ok "disk full: exit 2 ($(grep -o 'layer [0-9]*: writing' df.log | head -1))" \
    || { bad "disk full: exit $rc"; grep error df.log | head -3; }
"$RWPO" info df.ckpt.h5 > /dev/null 2>&1 && ok "disk full: earlier checkpoint intact" \
    || bad "disk full: checkpoint unreadable"
run 2 run r.ini --set run.output=df.h5 --restart auto > df2.log 2>&1 || bad "disk full: restart"
segs=$(ls df.seg*.h5 2>/dev/null | tr '\n' ',' | sed 's/,$//')
$CMP full.h5 "df.h5${segs:+,$segs}" > c.txt && ok "disk full: completed run identical$( [ -n "$segs" ] && echo ' (new segment)')" \
    || bad "disk full: $(cat c.txt)"
# an unwritable checkpoint path (a directory where the temporary file goes)
cp full.ckpt.h5 uw.ckpt.h5.orig
mkdir -p uw.ckpt.tmp.h5
o=$(run 2 run r.ini --set run.output=uw.h5 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$o" | grep -q "layer 6: checkpoint not written" && ok "unwritable checkpoint: exit 2 naming layer 6" \
    || { bad "unwritable checkpoint: exit $rc"; echo "$o" | grep error | head -2; }
rmdir uw.ckpt.tmp.h5

echo "restart: $fails failure(s)"
[ "$fails" -eq 0 ]
