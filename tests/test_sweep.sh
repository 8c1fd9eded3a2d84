#!/bin/sh
# Parameter sweeps and summaries without SLURM (run by meson test; also by hand after a build):
#  - rwpo sweep --count / --list of a 2 x 2 product, zip mode, --set sweep.key=... overrides;
#  - rwpo run --sweep-index K and env (SLURM_ARRAY_TASK_ID): the point's parameters and templated
#    output; check --sweep-index prints the point's resolved configuration;
#  - bad sweeps, each a one-line error and exit 1 on 2 ranks (none hanging, nothing written):
#    empty lists and items, unknown keys, swept run.output, bad mode, zip lengths, unknown
#    placeholders, two points writing the same file, index out of range / not a number / env
#    unset, a sweep config run without an index, an index without a sweep, --set of a swept key;
#  - rwpo summarize: a CSV row per point with status complete / stopped (with its checkpoint
#    layer) / missing, layers done and final metrics; --missing prints what to resubmit;
#  - the progress line warns when the ETA exceeds the job's time (SLURM_JOB_END_TIME).
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"

mkdir -p out
cat > base.ini <<'EOF'
[run]
name = mix
output = out/{name}_{index}_b{sampler.beta}_l{sampler.lambda}.h5
layers = 12
every = 4
checkpoint_every = 4
progress = 100
[particles]
n = 120
dim = 4
[sampler]
beta = 1
lambda = 0.1
h = 0.1
[problem]
type = mixture_laplace
EOF
{ cat base.ini; printf '[sweep]\nsampler.beta = 0.5, 2\nsampler.lambda = 0.1, 1\n'; } > s.ini

# --- counting and listing ------------------------------------------------------------------------
n=$("$RWPO" sweep s.ini --count) && [ "$n" = 4 ] && ok "sweep --count: 4" || bad "sweep --count: '$n'"
"$RWPO" sweep s.ini --list > list.txt || bad "sweep --list"
sed -n 4p list.txt | grep -q "^2  2  0.1  out/mix_2_b2_l0.1.h5$" \
    && ok "sweep --list: first key slowest, templated output ($(sed -n 4p list.txt))" \
    || { bad "sweep --list"; cat list.txt; }
n=$("$RWPO" sweep s.ini --count --set sweep.sampler.lambda=0.1,0.5,1) && [ "$n" = 6 ] \
    && ok "--set sweep.sampler.lambda replaces the list (6 points)" || bad "--set sweep.*: '$n'"
{ cat base.ini; printf '[sweep]\nmode = zip\nsampler.beta = 0.5, 1, 2\nsampler.lambda = 0.1, 0.2, 0.3\n'; } > zip.ini
"$RWPO" sweep zip.ini --list | tail -1 | grep -q "^2  2  0.3  out/mix_2_b2_l0.3.h5$" \
    && ok "zip mode: 3 points, k-th of each list" || { bad "zip mode"; "$RWPO" sweep zip.ini --list; }
{ cat base.ini; printf '[sweep]\nparticles.init_mean = 0, 1, 0, 1; 2\nsampler.beta = 1\n'; } > semi.ini
sed -i 's/output = .*/output = out\/semi_{index}.h5/' semi.ini
"$RWPO" check semi.ini --sweep-index 0 | grep -q "^init_mean = 0, 1, 0, 1$" \
    && ok "';'-separated values for list-valued keys; check --sweep-index" || bad "';' lists"

# --- running points --------------------------------------------------------------------------------
run 2 run s.ini --sweep-index 1 > p1.log 2>&1 && [ -f out/mix_1_b0.5_l1.h5 ] \
    && grep -q "sweep point 1 of s.ini" p1.log && ok "run --sweep-index 1 writes out/mix_1_b0.5_l1.h5" \
    || { bad "run --sweep-index 1"; tail -3 p1.log; }
/usr/bin/python3 -c "
import h5py, sys
p = h5py.File('out/mix_1_b0.5_l1.h5')['parameters'].attrs
sys.exit(not (p['sampler.beta'] == 0.5 and p['sampler.lambda'] == 1 and p['run.name'] == b'mix'
              and p['run.output'] == b'out/mix_1_b0.5_l1.h5'))" \
    && ok "the point's parameters and expanded output are stored" || bad "stored parameters"
SLURM_ARRAY_TASK_ID=3 run 2 run s.ini --sweep-index env > p3.log 2>&1 && [ -f out/mix_3_b2_l1.h5 ] \
    && ok "--sweep-index env reads SLURM_ARRAY_TASK_ID" || { bad "--sweep-index env"; tail -3 p3.log; }
# point 2 stopped early with a checkpoint (stop file present from the start)
touch STOP
run 2 run s.ini --sweep-index 2 --set run.stop_file=STOP > p2.log 2>&1
[ $? -eq 3 ] && ok "point 2 stopped early (exit 3)" || bad "point 2 stop"

# --- summaries -----------------------------------------------------------------------------------
missing=$("$RWPO" summarize out --csv sum.csv --missing s.ini 2> tally.txt) || bad "summarize"
[ "$missing" = "0,2" ] && ok "--missing prints the points to resubmit: $missing" \
    || bad "--missing: '$missing'"
grep -q "summary of 4 run(s): 2 complete 1 stopped 1 missing -> sum.csv" tally.txt \
    && ok "tally: $(cat tally.txt)" || { bad "tally"; cat tally.txt; }
/usr/bin/python3 - <<'EOF' && ok "summary CSV: one row per point, statuses, layers, metrics" || bad "summary CSV"
import csv, math, sys
rows = list(csv.DictReader(open("sum.csv")))
by = {int(r["index"]): r for r in rows}
assert [r["index"] for r in rows] == ["0", "1", "2", "3"], rows
assert by[0]["status"] == "missing" and by[0]["file"] == "out/mix_0_b0.5_l0.1.h5"
assert by[1]["status"] == "complete" and by[1]["layers_done"] == "12" and by[1]["layers"] == "12"
assert by[1]["sampler.beta"] == "0.5" and by[1]["sampler.lambda"] == "1"
assert by[2]["status"] == "stopped" and by[2]["checkpoint_layer"] == "1", by[2]
for k in (1, 3):
    e = float(by[k]["marginal_l1_error_1"])
    assert 0 < e < 2 and math.isfinite(float(by[k]["potential"])), by[k]
print(open("sum.csv").read())
EOF
# resubmitting what --missing printed completes the sweep (point 2 resumes from its checkpoint)
for k in $(echo "$missing" | tr ',' ' '); do
    run 2 run s.ini --sweep-index "$k" --restart auto > r$k.log 2>&1 || bad "resubmit point $k"
done
grep -q "restart: layer 1 from out/mix_2_b2_l0.1.ckpt.h5" r2.log && ok "point 2 resumed from its checkpoint" \
    || { bad "point 2 resume"; grep rwpo: r2.log | head -3; }
grep -q "continue with: rwpo run s.ini --sweep-index 2 --restart" p2.log \
    && ok "the stop message names the sweep index" || bad "stop message: $(grep continue p2.log)"
missing=$("$RWPO" summarize out --csv sum2.csv --missing s.ini 2>/dev/null)
[ -z "$missing" ] && [ "$(grep -c ',complete,' sum2.csv)" = 4 ] \
    && ok "after resubmission: every point complete, nothing missing" || bad "after resubmission: '$missing'"
"$RWPO" summarize out/mix_1_b0.5_l1.h5 out/mix_3_b2_l1.h5 > direct.csv 2>/dev/null \
    && head -1 direct.csv | grep -q "^file,status,layers_done,layers,checkpoint_layer,sampler.beta,sampler.lambda," \
    && [ "$(wc -l < direct.csv)" = 3 ] && ok "summarize FILES: CSV on stdout with beta, lambda" \
    || { bad "summarize FILES"; cat direct.csv; }

# --- bad sweeps: one line, exit 1, 2 ranks, nothing written ---------------------------------------
expect() { # name, expected text, sweep section lines (\n-separated), args after the config
    name=$1; text=$2; body=$3; shift 3
    { cat base.ini; printf '[sweep]\n%b\n' "$body"; } > bad.ini
    rm -rf outb; mkdir outb
    sed -i 's/^output = out\//output = outb\//' bad.ini
    o=$(run 2 run bad.ini "$@" 2>&1); rc=$?
    if [ $rc -eq 1 ] && echo "$o" | grep -qF -- "$text" && [ -z "$(ls outb)" ]; then
        ok "$name: $(echo "$o" | grep error | head -1)"
    else
        bad "$name: exit $rc, want 1 and: $text"; echo "$o" | grep error | head -2
    fi
}
expect "empty list" "[sweep] sampler.beta = '': empty value" 'sampler.beta =\nsampler.lambda = 1' --sweep-index 0
expect "empty item" "[sweep] sampler.beta = '1,,2': empty value" 'sampler.beta = 1,,2' --sweep-index 0
expect "unknown key" "[sweep] unknown key 'sampler.betta' (allowed: section.key of any configuration key, or mode) (did you mean sampler.beta?)" \
    'sampler.betta = 1, 2' --sweep-index 0
expect "key without section" "[sweep] unknown key 'beta'" 'beta = 1, 2' --sweep-index 0
expect "swept output" "[sweep] run.output cannot be swept" 'run.output = a.h5, b.h5' --sweep-index 0
expect "bad mode" "[sweep] mode = 'grid': not allowed (allowed: product | zip)" 'mode = grid\nsampler.beta = 1, 2' --sweep-index 0
expect "zip lengths" "mode = zip needs lists of equal length: sampler.beta has 2 values, sampler.lambda has 3" \
    'mode = zip\nsampler.beta = 1, 2\nsampler.lambda = 1, 2, 3' --sweep-index 0
expect "bad value in a point" "bad.ini: [sweep] point 1 (sampler.beta = -1): [sampler] beta = -1: out of range (allowed: > 0)" \
    'sampler.beta = 1, -1' --sweep-index 0 --set "run.output=outb/{index}.h5"
expect "same output file" "[sweep] points 0 and 1 both write outb/mix_0_b1_l0.1.h5" \
    'sampler.beta = 1, 1' --sweep-index 0 --set "run.output=outb/mix_0_b{sampler.beta}_l0.1.h5"
expect "template without placeholders" "[sweep] points 0 and 1 both write outb/x.h5" \
    'sampler.beta = 1, 2' --sweep-index 1 --set run.output=outb/x.h5
expect "unknown placeholder" "unknown placeholder {sampler.h} (allowed: {index}, {name}, {sampler.beta})" \
    'sampler.beta = 1, 2' --sweep-index 0 --set "run.output=outb/x_{sampler.h}.h5"
expect "index out of range" "--sweep-index 2: out of range (bad.ini has 2 points: 0..1)" 'sampler.beta = 1, 2' --sweep-index 2
expect "index not a number" "--sweep-index = 'x1': not an index (allowed: an integer >= 0, or env)" 'sampler.beta = 1, 2' --sweep-index x1
expect "env unset" "--sweep-index env: SLURM_ARRAY_TASK_ID is not set" 'sampler.beta = 1, 2' --sweep-index env
SLURM_ARRAY_TASK_ID=7 expect "env out of range" "--sweep-index 7: out of range" 'sampler.beta = 1, 2' --sweep-index env
expect "no index" "bad.ini has a [sweep] of 2 points: choose one with --sweep-index K (0..1)" 'sampler.beta = 1, 2'
expect "--set of a swept key" "--set sampler.beta=3: sampler.beta is swept in [sweep]" 'sampler.beta = 1, 2' --sweep-index 0 --set sampler.beta=3
o=$(run 2 run base.ini --set run.output=outb/x.h5 --sweep-index 0 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$o" | grep -q "has no \[sweep\] section" && ok "index without a sweep refused" \
    || bad "index without a sweep: exit $rc"
o=$("$RWPO" sweep base.ini --count 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$o" | grep -q "base.ini has no \[sweep\] section" && ok "sweep on a config without [sweep] refused" \
    || bad "sweep without [sweep]: exit $rc"
o=$("$RWPO" summarize emptydir 2>&1); rc=$?
mkdir -p emptydir; o=$("$RWPO" summarize emptydir 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$o" | grep -q "nothing to summarise" && ok "summarize of an empty directory refused" \
    || bad "summarize empty: exit $rc: $o"
o=$("$RWPO" info out/mix_1_b0.5_l1.h5 --csv x 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$o" | grep -q "'info' takes these options: none" && ok "options checked per command" \
    || bad "options per command: exit $rc"

# --- progress warns when the ETA exceeds the job's remaining time ---------------------------------
SLURM_JOB_END_TIME=$(($(date +%s) + 5)) run 2 run base.ini --set run.output=out/eta.h5 \
    --set run.layers=100000 --set run.progress=0 --set run.wall_time=2 > eta.log 2>&1
grep -q "warning: ETA .* exceeds the job's remaining time" eta.log \
    && ok "ETA warning: $(grep -o "ETA [0-9]* s exceeds the job's remaining time ([0-9-]* s" eta.log)" \
    || { bad "no ETA warning"; grep -i warn eta.log; }
run 2 run base.ini --set run.output=out/eta2.h5 --set run.progress=0 > eta2.log 2>&1
grep -q "exceeds the job" eta2.log && bad "ETA warning without SLURM_JOB_END_TIME" || ok "no ETA warning outside SLURM"

echo "sweep: $fails failure(s)"
[ "$fails" -eq 0 ]
