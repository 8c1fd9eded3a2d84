#!/bin/bash
# The SLURM workflows on a real, private, single-node SLURM (munged, slurmctld, slurmd started
# here with their own slurm.conf, socket, ports, state and logs in a temporary directory):
#  - jobs/run.sbatch with 2 tasks (srun --mpi=pmix): the HDF5 output is complete and bitwise
#    equal to the same run under mpirun;
#  - jobs/submit_sweep.sh: a 2 x 2 sweep over beta and lambda as a throttled job array (%A_%a
#    logs) plus the dependent summary job: the CSV holds every point, complete, with sensible
#    metrics, and the heat map is drawn; submitting again submits nothing;
#  - jobs/long.sbatch: USR1 mid-run (scancel --batch --signal=USR1) -> checkpoint, exit 3,
#    requeue, resume with --restart auto -> bitwise equal to an uninterrupted run; jobs/plot.py
#    draws the run.
# The daemons are stopped by their PIDs on exit (trap); nothing is left running. Skips (77) only
# when SLURM or munge is not installed, when not root, or when the daemons do not start.
set -u
RWPO=$(readlink -f "${RWPO_BIN:-build/src/rwpo}")
SRC=$(readlink -f "${RWPO_SOURCE_ROOT:-.}")
PY=/usr/bin/python3
CMP="$PY $SRC/tests/h5compare.py"
. "$SRC/tests/fixtures.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
t_start=$(date +%s)
skip() { echo "SKIP: $1"; exit 77; }
for p in munged slurmctld slurmd sbatch scontrol; do
    command -v $p > /dev/null || [ -x /usr/sbin/$p ] || skip "$p not installed (Debian: slurm-wlm munge)"
done
[ "$(id -u)" = 0 ] || skip "needs root (munged runs as the munge user, slurmd as root)"
id munge > /dev/null 2>&1 && [ -r /etc/munge/munge.key ] || skip "no munge user or /etc/munge/munge.key"
export PATH=$PATH:/usr/sbin

T=$(mktemp -d)
chmod 755 "$T"      # munged wants its socket directory reachable by everybody
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/w/logs" "$T/w/out"
chown munge:munge "$T/munge"
chmod 711 "$T/munge"
MUNGED=""; CTLD=""; SLURMD=""
cleanup() {
    if [ -n "$CTLD" ]; then
        scancel --full --signal=KILL --state=RUNNING,PENDING --partition=test > /dev/null 2>&1
        scancel --partition=test > /dev/null 2>&1
        for i in $(seq 1 40); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.25; done
    fi
    for p in $SLURMD $CTLD $MUNGED; do kill "$p" 2>/dev/null; done
    for p in $SLURMD $CTLD $MUNGED; do
        for i in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- the private SLURM --------------------------------------------------------------------------
setpriv --reuid munge --regid munge --init-groups /usr/sbin/munged -F \
    --socket="$T/munge/munge.socket.2" --pid-file="$T/munge/munged.pid" \
    --log-file="$T/munge/munged.log" --seed-file="$T/munge/seed" \
    --key-file=/etc/munge/munge.key > "$T/munged.out" 2>&1 &
MUNGED=$!
for i in $(seq 1 40); do [ -S "$T/munge/munge.socket.2" ] && break; sleep 0.25; done
munge -S "$T/munge/munge.socket.2" -n 2>/dev/null | unmunge -S "$T/munge/munge.socket.2" \
    > /dev/null 2>&1 || { tail -3 "$T/munged.out"; skip "munged does not start"; }
PORT=$((20000 + RANDOM % 20000))
HOST=$(hostname -s)
export SLURM_CONF=$T/slurm.conf
cat > "$SLURM_CONF" <<EOF
ClusterName=rwpotest
SlurmctldHost=$HOST
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket.2
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
JobRequeue=1
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
SchedulerParameters=sched_interval=1
KillWait=5
$(slurmd -C | head -1) State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -f "$SLURM_CONF" > "$T/slurmctld.out" 2>&1 &
CTLD=$!
slurmd -D -f "$SLURM_CONF" > "$T/slurmd.out" 2>&1 &
SLURMD=$!
for i in $(seq 1 80); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.25; done
sinfo -h -o %t 2>/dev/null | grep -q idle \
    || { tail -3 "$T/slurmctld.out" "$T/slurmd.out"; skip "slurmctld/slurmd do not start"; }
echo "slurm: private SLURM up on $HOST:$PORT in $(( $(date +%s) - t_start )) s"

cd "$T/w" || exit 1
export RWPO PLOT=$SRC/jobs/plot.py
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
# wait until job $1 has left the queue (at most $2 seconds); print its final state
wait_job() {
    for i in $(seq 1 $(($2 * 4))); do [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && break; sleep 0.25; done
    scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2
}
cat > base.ini <<'EOF'
[run]
name = mix
layers = 20
every = 5
checkpoint_every = 5
progress = 100
[particles]
n = 300
dim = 4
[sampler]
beta = 1
lambda = 0.1
h = 0.1
[problem]
type = mixture_laplace
EOF

# --- 1. one run on 2 tasks ------------------------------------------------------------------------
sed 's#^\[run\]#[run]\noutput = out/one.h5#' base.ini > one.ini
j=$(sbatch --parsable --ntasks=2 --export=ALL,CONFIG=one.ini "$SRC/jobs/run.sbatch")
st=$(wait_job "$j" 60)
[ "$st" = COMPLETED ] && grep -q "2 rank(s)" logs/rwpo_$j.out \
    && ok "run.sbatch, 2 tasks: job $j $st" || { bad "run.sbatch: job $j $st"; tail -5 logs/rwpo_$j.out; }
$PY - <<'EOF' && ok "run.sbatch: HDF5 output complete (5 frames of 300 x 4, finite, metric recorded)" || bad "run.sbatch output"
import h5py, numpy as np
f = h5py.File("out/one.h5", "r")
x = f["particles/cloud/position/value"]
assert x.shape == (5, 300, 4) and np.isfinite(x[:]).all(), x.shape
assert list(f["particles/cloud/position/step"][:]) == [0, 5, 10, 15, 20]
assert f["parameters"].attrs["status"] == b"complete"
e = f["observables/marginal_l1_error/value"][-1]
assert np.isfinite(e).all() and (e > 0).all() and (e < 2).all(), e
EOF
timeout 120 mpirun -np 2 --bind-to none "$RWPO" run one.ini --set run.output=out/one_ref.h5 > one_ref.log 2>&1
$CMP out/one_ref.h5 out/one.h5 > c.txt && ok "srun --mpi=pmix run bitwise equal to mpirun: $(cat c.txt)" \
    || bad "srun vs mpirun: $(cat c.txt)"

# --- 2. a 2 x 2 sweep as a job array + the dependent summary job ------------------------------------
{ sed 's#^\[run\]#[run]\noutput = sweep/{name}_{index}_b{sampler.beta}_l{sampler.lambda}.h5#' base.ini
  printf '[sweep]\nsampler.beta = 0.5, 2\nsampler.lambda = 0.1, 1\n'; } > sw.ini
out=$(THROTTLE=2 "$SRC/jobs/submit_sweep.sh" sw.ini --ntasks=1 2>&1)
echo "$out"
A=$(echo "$out" | sed -n 's/.*as array job \([0-9]*\).*/\1/p')
S=$(echo "$out" | sed -n 's/.*summary job \([0-9]*\).*/\1/p')
[ -n "$A" ] && [ -n "$S" ] && ok "submit_sweep.sh: 4 points as array job $A, summary job $S" || bad "submit_sweep.sh"
scontrol show job "$A" 2>/dev/null | grep -q "ArrayTaskThrottle=2" && ok "array throttled to 2 at once (%2)" \
    || bad "array throttle: no ArrayTaskThrottle=2 on job $A"
st=$(wait_job "$S" 180)
[ "$st" = COMPLETED ] && ok "summary job $S ran after the array: $st" || { bad "summary job: $st"; cat logs/rwpo-summary_$S.out; }
n_logs=$(ls logs/rwpo-sweep_${A}_[0-3].out 2>/dev/null | wc -l)
[ "$n_logs" = 4 ] && ok "%A_%a logs: logs/rwpo-sweep_${A}_0..3.out" || bad "array logs: $(ls logs)"
echo "--- sw_summary.csv"; cat sw_summary.csv 2>/dev/null; echo "---"
$PY - <<'EOF' && ok "summary CSV: 4 points complete, 20 layers, metrics in (0, 2), lambda = 1 sparser" || bad "summary CSV"
import csv, math
rows = list(csv.DictReader(open("sw_summary.csv")))
assert len(rows) == 4, rows
grid = {(r["sampler.beta"], r["sampler.lambda"]) for r in rows}
assert grid == {("0.5", "0.1"), ("0.5", "1"), ("2", "0.1"), ("2", "1")}, grid
for r in rows:
    assert r["status"] == "complete" and r["layers_done"] == "20" == r["layers"], r
    for c in ("marginal_l1_error_1", "marginal_l1_error_2"):
        assert 0 < float(r[c]) < 2, r
    assert math.isfinite(float(r["potential"])) and 0 <= float(r["sparsity"]) <= 1, r
sp = {(r["sampler.beta"], r["sampler.lambda"]): float(r["sparsity"]) for r in rows}
assert sp[("2", "1")] > sp[("2", "0.1")], sp
EOF
if $PY -c "import matplotlib" 2>/dev/null; then
    [ -s sw_summary.png ] && ok "summary job drew the heat map sw_summary.png" || bad "no heat map"
fi
again=$("$SRC/jobs/submit_sweep.sh" sw.ini 2>&1)
echo "$again" | grep -q "all 4 points of sw.ini are complete" && ok "submitting again: $again" \
    || bad "resubmission: $again"

# --- 3. a long run: USR1 mid-run, checkpoint, requeue, resume, bitwise --------------------------
restart_ini long.ini out/long.h5 1500 4 6 0
L=$(sbatch --parsable --ntasks=2 --export=ALL,CONFIG=long.ini "$SRC/jobs/long.sbatch")
log=logs/rwpo-long_$L.out
for i in $(seq 1 240); do grep -q "layer 8/60" $log 2>/dev/null && break; sleep 0.25; done
scancel --batch --signal=USR1 "$L"
for i in $(seq 1 120); do scontrol show job "$L" | grep -q "Restarts=1" && break; sleep 0.25; done
stopped=$(grep -o "stopped by a signal after layer [0-9]*" $log)
[ -n "$stopped" ] && grep -q "rwpo exited with 3" $log && ok "USR1 mid-run: $stopped, exit 3" \
    || { bad "USR1: no early stop"; tail -5 $log; }
scontrol show job "$L" | grep -q "Restarts=1" && grep -q "requeueing job $L" $log \
    && ok "job $L requeued itself ($(scontrol show job "$L" | grep -o 'JobState=[A-Z]*'))" || bad "not requeued"
"$RWPO" info out/long.ckpt.h5 > /dev/null 2>&1 && ok "checkpoint out/long.ckpt.h5 readable" || bad "no checkpoint"
# Start it now, but not within the second slurmd revoked the old credential (the requeue): a
# credential issued in that same second counts as revoked and the launch is dropped ("Job L
# already killed, do not launch batch job"), which is why SLURM delays requeued jobs itself.
for i in $(seq 1 40); do grep -q "\[$L.batch\] done with job" "$T/slurmd.log" && break; sleep 0.25; done
sleep 2
scontrol update jobid="$L" StartTime=now
st=$(wait_job "$L" 120)
resumed=$(grep -o "restart: layer [0-9]* from out/long.ckpt.h5" $log)
[ "$st" = COMPLETED ] && [ -n "$resumed" ] && ok "requeued job resumed ($resumed) and completed" \
    || { bad "resume: $st"; tail -5 $log; }
timeout 300 mpirun -np 2 --bind-to none "$RWPO" run long.ini --set run.output=out/long_ref.h5 > long_ref.log 2>&1
$CMP out/long_ref.h5 out/long.h5 > c.txt && ok "interrupted + requeued run bitwise equal to the uninterrupted one: $(cat c.txt)" \
    || bad "long run differs: $(cat c.txt)"
if $PY -c "import matplotlib" 2>/dev/null; then
    $PY "$SRC/jobs/plot.py" run out/long.h5 --coords 1,2,16 -o long.png > /dev/null && [ -s long.png ] \
        && ok "plot.py run: marginals and metric of out/long.h5 -> long.png" || bad "plot.py run"
fi

echo "slurm: $fails failure(s) in $(( $(date +%s) - t_start )) s"
[ "$fails" -eq 0 ]
