#!/bin/sh
# Signals at every stage, and start-up paths (the reliability issue's start-up hardening):
# a signal while MPI starts or during setup ends every rank within about a second with exit 3,
# leaving no lock; SIGINT (Ctrl-C) during the layers stops with a checkpoint and exit 3, like
# SIGTERM and SIGUSR1; run.stop_file naming a directory is refused up front.
. "$(dirname "$0")/lib.sh"

# a setup of a few seconds: the exact posterior of a 2500 x 2500 linear problem
cat > big.ini <<EOF_INI
[run]
output = $TMP/big.h5
layers = 10
progress = 1000
[particles]
n = 100
dim = 2500
[sampler]
beta = 1
lambda = 0
h = 0.001
[problem]
type = linear
m = 2500
EOF_INI

# 1. SIGTERM to every rank during setup (SLURM signals every task)
run 2 run big.ini > s1.log 2>&1 &
pid=$!
for i in $(seq 1 300); do grep -q "linear problem" s1.log && break; sleep 0.05; done
t0=$(date +%s%N)
pkill -TERM -f "^$RWPO run big.ini"
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -eq 3 ] && [ $ms -lt 3000 ] && grep -q "stopped by a signal during start-up" s1.log &&
    [ ! -e big.lock ] && ok "SIGTERM during setup: exit 3 after $ms ms, no lock left" ||
    { bad "SIGTERM during setup: rc $rc after $ms ms"; cat s1.log; }

# 2. a signal while MPI itself starts (a singleton rank, signalled at once)
"$RWPO" run big.ini > s2.log 2>&1 &
pid=$!
sleep 0.05
kill -TERM $pid
t0=$(date +%s%N)
wait $pid
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -eq 3 ] && [ $ms -lt 2000 ] && [ ! -e big.lock ] &&
    ok "SIGTERM while MPI starts: exit 3 after $ms ms" || { bad "SIGTERM at MPI start: rc $rc"; cat s2.log; }

# 3. SIGINT (Ctrl-C) during the layers: checkpoint, exit 3, continued bitwise
restart_ini r.ini "$TMP/i.h5" 60 1 0 1000
"$RWPO" run r.ini --set run.layers=100000 > s3.log 2>&1 &
pid=$!
for i in $(seq 1 300); do grep -q "rank(s), layers" s3.log && break; sleep 0.05; done
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 3 ] && grep -q "stopped by a signal after layer" s3.log && [ -e i.ckpt.h5 ] &&
    ok "SIGINT during the layers: checkpoint and exit 3" || { bad "SIGINT: rc $rc"; cat s3.log; }
run 2 run r.ini --set run.output="$TMP/j.h5" --set run.layers=100000 > s4.log 2>&1 &
pid=$!
for i in $(seq 1 300); do grep -q "rank(s), layers" s4.log && break; sleep 0.05; done
sleep 0.5
pkill -INT -f "^$RWPO run r.ini --set run.output=$TMP/j.h5"
wait $pid
rc=$?
[ $rc -eq 3 ] && [ -e j.ckpt.h5 ] && ok "SIGINT to the ranks under mpirun: checkpoint and exit 3" ||
    { bad "SIGINT under mpirun: rc $rc"; cat s4.log; }

# 4. run.stop_file naming a directory is refused before anything is written
mkdir stopdir
run 2 run r.ini --set run.output="$TMP/d.h5" --set run.stop_file="$TMP/stopdir" > s5.log 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "stop_file = $TMP/stopdir is a directory" s5.log && [ ! -e d.h5 ] &&
    ok "a directory as run.stop_file is refused" || { bad "stop_file directory: rc $rc"; cat s5.log; }
finish test_startup
