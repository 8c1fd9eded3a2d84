#!/bin/sh
# One owner per output, and no result replaced by accident (the reliability issue's cases 1-3):
# two writers on one output (the second is refused naming the first, the file holds one run's
# frames and parameters), a fresh run over existing files (refused, file untouched; --overwrite
# moves them aside), --restart auto on a complete file (nothing to do; with more layers it
# continues from the file's last frame, bitwise equal to an uninterrupted run), stale locks
# (a killed run's, an earlier run of the same SLURM job) taken over, a live or foreign one refused.
. "$(dirname "$0")/lib.sh"

restart_ini r.ini "$TMP/o.h5" 200 1 0 1000
sed 's/^layers = 60/layers = 20/' r.ini > s.ini

# 1. two writers at once: the second is refused naming the owner; the file is the first's
run 2 run r.ini --set run.layers=400 > w1.log 2>&1 &
w1=$!
for i in $(seq 1 100); do [ -e o.lock ] && break; sleep 0.1; done
run 2 run r.ini --set run.layers=400 --set sampler.beta=2 > w2.log 2>&1
rc=$?
run 2 run r.ini --restart auto > w3.log 2>&1
rc3=$?
wait $w1
rc1=$?
if [ $rc -eq 1 ] && [ $rc3 -eq 1 ] && grep -q "is being written by another run: pid [0-9]* on host" w2.log &&
   [ $rc1 -eq 0 ] && [ ! -e o.lock ]; then ok "second writer refused naming the owner"
else bad "second writer: rc $rc/$rc3, first $rc1"; cat w2.log; fi
beta=$(/usr/bin/python3 -c "import h5py; print(h5py.File('o.h5','r')['parameters'].attrs['sampler.beta'])")
steps=$(/usr/bin/python3 -c "import h5py; s=h5py.File('o.h5','r')['particles/cloud/position/step'][:]; print(len(s), s[-1])")
[ "$beta" = "1.0" ] && [ "$steps" = "401 400" ] && ok "the output holds the first run only" ||
    bad "output mixed: beta $beta, frames $steps"

# 2. a fresh run over a complete file: refused, untouched; --overwrite moves it aside
run 2 run s.ini --set run.output="$TMP/f.h5" > /dev/null 2>&1
sum=$(md5sum f.h5 | cut -d' ' -f1)
run 2 run s.ini --set run.output="$TMP/f.h5" --set sampler.beta=3 --set run.layers=2 > f2.log 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "f.h5 exists (status complete, layers 0..20): continue it with --restart auto, or start afresh with --overwrite" f2.log &&
    [ "$(md5sum f.h5 | cut -d' ' -f1)" = "$sum" ] && ok "fresh run over a complete file refused" ||
    { bad "fresh run over a complete file: rc $rc"; cat f2.log; }
run 2 run s.ini --set run.output="$TMP/f.h5" --set run.layers=3 --overwrite > f3.log 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(md5sum f.h5.bak1 | cut -d' ' -f1)" = "$sum" ] && grep -q "aside as NAME.bak1" f3.log &&
    [ "$(/usr/bin/python3 -c "import h5py; print(h5py.File('f.h5','r')['particles/cloud/position/step'][-1])")" = 3 ] &&
    ok "--overwrite keeps the old file as f.h5.bak1" || { bad "--overwrite: rc $rc"; cat f3.log; }
run 2 run s.ini --set run.output="$TMP/f.h5" --overwrite --restart auto > f4.log 2>&1
[ $? -eq 1 ] && grep -q "give one of them" f4.log && ok "--overwrite with --restart refused" ||
    bad "--overwrite with --restart"

# 3. --restart auto on a complete run file without checkpoints
run 2 run s.ini --set run.output="$TMP/a.h5" > /dev/null 2>&1
sum=$(md5sum a.h5 | cut -d' ' -f1)
run 2 run s.ini --set run.output="$TMP/a.h5" --restart auto > a1.log 2>&1
[ $? -eq 0 ] && grep -q "already complete" a1.log && [ "$(md5sum a.h5 | cut -d' ' -f1)" = "$sum" ] &&
    ok "auto on a complete file: nothing to do, untouched" || { bad "auto on a complete file"; cat a1.log; }
run 2 run s.ini --set run.output="$TMP/a.h5" --set run.layers=30 --restart auto > a2.log 2>&1
rc=$?
run 2 run s.ini --set run.output="$TMP/ref.h5" --set run.layers=30 > /dev/null 2>&1
[ $rc -eq 0 ] && grep -q "restart: layer 20 from $TMP/a.h5" a2.log && $CMP ref.h5 a.h5 > /dev/null &&
    ok "auto without a checkpoint continues from the run file's last frame (bitwise)" ||
    { bad "auto from the run file: rc $rc"; cat a2.log; }

# 4. stale locks: a killed run's is taken over; a live process's and another host's are refused
restart_ini k.ini "$TMP/k.h5" 200 1 5 1000
run 2 run k.ini --set run.layers=100000 > k1.log 2>&1 &
for i in $(seq 1 100); do [ -e k.ckpt.h5 ] && break; sleep 0.1; done
pkill -9 -f "run k.ini"
wait 2>/dev/null
run 2 run k.ini --set run.layers=20 --restart auto > k2.log 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "took over the stale lock $TMP/k.lock of a process that no longer exists" k2.log &&
    [ ! -e k.lock ] && ok "a killed run's lock is taken over" || { bad "stale lock: rc $rc"; cat k2.log; }
echo "host=elsewhere pid=4242 job=77 started=2026-01-01T00:00:00Z" > k.lock
run 2 run k.ini --set run.layers=30 --restart auto > k3.log 2>&1
[ $? -eq 1 ] && grep -q "pid 4242 on host elsewhere, job 77" k3.log && grep -q "remove $TMP/k.lock" k3.log &&
    ok "another host's lock refused naming host, pid, job and the file" || { bad "foreign lock"; cat k3.log; }
SLURM_JOB_ID=77 run 2 run k.ini --set run.layers=30 --restart auto > k4.log 2>&1
[ $? -eq 0 ] && grep -q "an earlier run of this job" k4.log && ok "a requeued job takes over its own lock" ||
    { bad "same job's lock"; cat k4.log; }
sleep 600 &
sp=$!
echo "host=$(hostname) pid=$sp job=- started=2026-01-01T00:00:00Z" > k.lock
run 2 run k.ini --set run.layers=40 --restart auto > k5.log 2>&1
[ $? -eq 0 ] && grep -q "took over the stale lock" k5.log &&
    ok "a lock whose pid now runs another program (pid reused) is stale" || { bad "reused pid"; cat k5.log; }
kill $sp 2>/dev/null; rm -f k.lock
echo "garbage" > k.lock
run 2 run k.ini --set run.layers=40 --restart auto > k6.log 2>&1
[ $? -eq 1 ] && grep -q "not an rwpo lock file" k6.log && ok "a foreign lock file is refused" ||
    { bad "garbage lock"; cat k6.log; }
finish test_ownership
