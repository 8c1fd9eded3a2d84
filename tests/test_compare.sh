#!/bin/sh
# rwpo compare and summarize --reference, on 2 ranks:
#  - the verdict: layer 0 of a run whose initial cloud IS the exact posterior (iid draws) agrees
#    with exact iid draws written by numpy (fixed seed); a cloud with the wrong spread, and a
#    reference shifted by 0.15 sd in one coordinate, differ (naming the statistic/coordinate);
#  - the numbers of the CSV (means, sds, mean errors, sd ratios, W1, spikes, correlation errors,
#    energy distance) against numpy's (W1 by the CDF formula, the energy on the documented
#    evenly spaced subsamples), for --layer K and for --pool FROM:TO (and FROM:);
#  - --pool 0:0 of a run file equals the same frame given as a dataset; nothing is written, no
#    lock taken; summarize --reference adds the ref_* columns (equal to compare's) and
#    plot.py draws one as a heat map;
#  - every bad input: exit 1, one rwpo line on stderr naming the file/dataset, nothing on stdout.
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
PY=/usr/bin/python3

# The gaussian problem at lambda = 0: the posterior is N(mu, s^2/beta I) = N(mu, 0.5 I).
cat > a.ini <<'EOF'
[run]
output = a.h5
layers = 40
every = 10
progress = 100
[particles]
n = 2000
dim = 4
init_mean = 1, -1, 0.5, 2
init_scale = 0.7071067811865476
[sampler]
beta = 2
lambda = 0
h = 0.05
[problem]
type = gaussian
mean = 1, -1, 0.5, 2
std = 1
EOF
sed -e 's/^output = a.h5/output = b.h5/' -e 's/^layers = 40/layers = 60/' -e 's/^n = 2000/n = 1000/' \
    -e 's/^init_mean = .*/init_mean = 0/' -e 's/^init_scale = .*/init_scale = 3/' a.ini > b.ini
sed -e 's/^output = a.h5/output = one.h5/' -e 's/^layers = 40/layers = 1/' -e 's/^n = 2000/n = 1/' \
    a.ini > one.ini
for c in a b one; do
    run 2 run $c.ini > $c.log 2>&1 || { bad "run $c"; cat $c.log; }
done
$PY - <<'EOF' || bad "numpy reference data"
import numpy as np, h5py
rng = np.random.default_rng(20251127)
mu = np.array([1.0, -1.0, 0.5, 2.0]); sd = np.sqrt(0.5)
with h5py.File("exact.h5", "w") as f:
    f["draws"] = mu + sd * rng.standard_normal((200000, 4))
    s = mu + sd * rng.standard_normal((20000, 4)); s[:, 2] += 0.15 * sd
    f["shifted"] = s
    f["d3"] = rng.standard_normal((100, 3))
    f["vec"] = rng.standard_normal(100)
    f["ints"] = np.ones((100, 4), dtype=np.int32)
    x = rng.standard_normal((100, 4)); x[7, 2] = np.nan
    f["nan"] = x
    f["single"] = rng.standard_normal((1, 4))
    f["empty"] = np.zeros((0, 4))
    f.create_group("grp")
with h5py.File("a.h5", "r") as f:
    frame0 = f["particles/cloud/position/value"][0]
with h5py.File("frames.h5", "w") as f:
    f["a0"] = frame0
EOF
md5_before=$(md5sum a.h5 b.h5)

# compare RUN REF [ARGS]: stdout to $1.out, stderr to $1.err; sets rc
cmp_run() { name=$1; shift; run 2 compare "$@" > "$name.out" 2> "$name.err"; rc=$?; }

# ---- verdicts
cmp_run v0 a.h5 exact.h5:/draws --layer 0 --csv v0.csv
[ $rc -eq 0 ] && head -1 v0.out | grep -q "^compare: .*: agrees with the reference" \
    && ok "layer 0 (iid posterior draws) agrees with numpy's exact draws" \
    || { bad "iid verdict (exit $rc)"; cat v0.out v0.err; }
[ "$(grep -c '^compare:' v0.out)" -eq 1 ] && [ ! -s v0.err ] && ok "one report on 2 ranks, nothing on stderr" \
    || bad "report printed $(grep -c '^compare:' v0.out) times"
grep -q "^run: *a.h5 layer 0 (2000 particles, d = 4)" v0.out && \
    grep -q "^reference: exact.h5:/draws (200000 samples, d = 4)" v0.out \
    && ok "the report names both samples" || bad "sample lines: $(sed -n 2,3p v0.out)"
cmp_run vs a.h5 exact.h5:/shifted --layer 0
[ $rc -eq 0 ] && head -1 vs.out | grep -q "DIFFERS from the reference.*max |mean error| [0-9.e-]* > limit [0-9.e-]* (coordinate 3)" \
    && ok "a reference shifted by 0.15 sd in coordinate 3: differs, coordinate 3 named (exit 0)" \
    || { bad "shift verdict (exit $rc)"; head -1 vs.out; cat vs.err; }
cmp_run vb b.h5 exact.h5:/draws --layer 0 --csv vb.csv
[ $rc -eq 0 ] && head -1 vb.out | grep -q "DIFFERS.*max |log sd ratio|" \
    && ok "an initial cloud of sd 3 differs by its sd ratio" || { bad "sd verdict"; head -1 vb.out; }
cmp_run last b.h5 exact.h5:/draws --csv last.csv
[ $rc -eq 0 ] && echo "info: rwpo gaussian (lambda 0, h 0.05, N 1000) after 60 layers: $(head -1 last.out)"

# ---- the numbers against numpy
check_csv() { # CSV RUN_FILE RUN_FRAMES REF_FILE REF_DATASET_OR_FRAMES
    $PY - "$@" <<'EOF'
import csv, sys, numpy as np, h5py
path, run, rframes, ref, rsel = sys.argv[1:6]
def frames(fn, sel):
    with h5py.File(fn, "r") as f:
        if sel.startswith("/"):
            return f[sel][:]
        v, st = f["particles/cloud/position/value"], list(f["particles/cloud/position/step"][:])
        a, b = (int(t) for t in sel.split(":"))
        return np.concatenate([v[i] for i, s in enumerate(st) if a <= s <= b])
x, y = frames(run, rframes), frames(ref, rsel)
n, d = x.shape; m = y.shape[0]
rows = list(csv.DictReader(open(path)))
want = ["coordinate", "mean_run", "mean_ref", "sd_run", "sd_ref", "mean_error", "sd_ratio", "w1",
        "spike_run", "spike_ref", "corr_error", "w1_mean", "energy", "agrees"]
assert list(rows[0].keys()) == want, list(rows[0].keys())
assert [r["coordinate"] for r in rows] == [str(k + 1) for k in range(d)] + ["all", "floor", "limit"]
def w1(a, b):  # int |F - G| dx on the merged support
    s = np.sort(np.concatenate([a, b]))
    F = np.searchsorted(np.sort(a), s[:-1], side="right") / len(a)
    G = np.searchsorted(np.sort(b), s[:-1], side="right") / len(b)
    return np.sum(np.abs(F - G) * np.diff(s))
sx, sy = x.std(0, ddof=1), y.std(0, ddof=1)
cx, cy = np.corrcoef(x.T), np.corrcoef(y.T)
err = 0.0
def close(got, want, what):
    global err
    got = float(got)
    e = abs(got - want) / max(1e-300, abs(want) + 1e-12)
    err = max(err, e)
    assert e < 1e-8, f"{what}: {got} vs {want}"
ws = []
for k in range(d):
    r = rows[k]
    close(r["mean_run"], x[:, k].mean(), "mean_run"); close(r["mean_ref"], y[:, k].mean(), "mean_ref")
    close(r["sd_run"], sx[k], "sd_run"); close(r["sd_ref"], sy[k], "sd_ref")
    close(r["mean_error"], (x[:, k].mean() - y[:, k].mean()) / sy[k], "mean_error")
    close(r["sd_ratio"], sx[k] / sy[k], "sd_ratio")
    ws.append(w1(x[:, k], y[:, k]) / sy[k]); close(r["w1"], ws[-1], "w1")
    close(r["spike_run"], np.mean(np.abs(x[:, k]) < 0.05 * sy[k]), "spike_run")
    close(r["spike_ref"], np.mean(np.abs(y[:, k]) < 0.05 * sy[k]), "spike_ref")
    close(r["corr_error"], max(abs(cx[k, l] - cy[k, l]) for l in range(d) if l != k), "corr_error")
a = rows[d]
close(a["w1"], max(ws), "w1 max"); close(a["w1_mean"], np.mean(ws), "w1 mean")
close(a["mean_error"], np.max(np.abs(x.mean(0) - y.mean(0)) / sy), "max |mean error|")
close(a["corr_error"], np.max(np.abs(cx - cy)), "correlation error")
def sub(z):  # rows floor(j n / k), k = min(n, 2000), divided by the reference sds
    k = min(len(z), 2000)
    return z[(np.arange(k) * len(z)) // k] / sy
u, v = sub(x), sub(y)
def dist(p, q):  # mean of |p_i - q_j| over all pairs, in blocks of rows
    return sum(np.sqrt(((p[i:i + 100, None, :] - q[None, :, :]) ** 2).sum(-1)).sum()
               for i in range(0, len(p), 100)) / (len(p) * len(q))
close(a["energy"], 2 * dist(u, v) - dist(u, u) - dist(v, v), "energy")
assert a["agrees"] in ("0", "1")
for r in rows[d + 1:]:
    assert float(r["w1"]) > 0 and float(r["energy"]) > 0 and float(r["sd_ratio"]) > 1
print(f"n = {n}, m = {m}: max relative difference {err:.1e}")
EOF
}
o=$(check_csv v0.csv a.h5 0:0 exact.h5 /draws 2>&1) && ok "CSV (layer 0 vs dataset) = numpy: $o" \
    || { bad "CSV values (layer 0)"; echo "$o"; }
o=$(check_csv last.csv b.h5 60:60 exact.h5 /draws 2>&1) && ok "CSV (last layer vs dataset) = numpy: $o" \
    || { bad "CSV values (last layer)"; echo "$o"; }
cmp_run l20 a.h5 exact.h5:/draws --layer 20 --csv l20.csv
o=$(check_csv l20.csv a.h5 20:20 exact.h5 /draws 2>&1) && grep -q "^run: *a.h5 layer 20 " l20.out \
    && ok "--layer 20 reads layer 20: $o" || { bad "--layer 20"; echo "$o"; head -3 l20.out; }
cmp_run pool a.h5 b.h5 --pool 30:60 --csv pool.csv
o=$(check_csv pool.csv a.h5 40:40 b.h5 30:60 2>&1) && \
    grep -q "^reference: b.h5 layers 30..60 pooled (4 recorded layers x 1000 particles = 4000 samples, d = 4)" pool.out \
    && ok "--pool 30:60 pools 4 recorded layers: $o" || { bad "--pool"; echo "$o"; sed -n 3p pool.out; }
cmp_run poolopen a.h5 b.h5 --pool 35: --csv poolopen.csv
o=$(check_csv poolopen.csv a.h5 40:40 b.h5 35:60 2>&1) && grep -q "layers 40..60 pooled (3 recorded" poolopen.out \
    && ok "--pool 35: pools every recorded layer from 35 on" || { bad "--pool FROM:"; echo "$o"; }
cmp_run p00 b.h5 a.h5 --pool 0:0 --csv p00.csv
cmp_run f00 b.h5 frames.h5:/a0 --csv f00.csv
cmp p00.csv f00.csv >/dev/null && ok "--pool 0:0 of a run file = its frame 0 as a dataset" \
    || bad "pool 0:0 vs dataset"
[ "$md5_before" = "$(md5sum a.h5 b.h5)" ] && [ ! -e a.lock ] && [ ! -e b.lock ] && \
    [ "$(ls | grep -c '\.lock$')" -eq 0 ] && ok "compare writes no run file and takes no lock" \
    || bad "compare changed a run file or left a lock"

# ---- summarize --reference, and the heat map of one of its columns
run 2 summarize a.h5 b.h5 --reference exact.h5:/draws --csv sum.csv > sum.out 2> sum.err \
    || { bad "summarize --reference"; cat sum.err; }
$PY - <<'EOF' && ok "summarize --reference: ref_* columns equal compare's" || bad "summarize columns"
import csv
rows = {r["file"]: r for r in csv.DictReader(open("sum.csv"))}
cols = ["ref_mean_error", "ref_w1_max", "ref_w1_mean", "ref_corr_error", "ref_energy", "ref_agrees"]
assert all(c in rows["b.h5"] for c in cols), list(rows["b.h5"])
last = {r["coordinate"]: r for r in csv.DictReader(open("last.csv"))}["all"]
for c, k in zip(cols, ["mean_error", "w1", "w1_mean", "corr_error", "energy", "agrees"]):
    g, w = rows["b.h5"][c], last[k]
    assert (g == w) if c == "ref_agrees" else abs(float(g) / float(w) - 1) < 1e-5, (c, g, w)
assert rows["a.h5"]["ref_w1_max"] != ""
EOF
run 2 summarize a.h5 --reference b.h5 --pool 30:60 > sump.csv 2>/dev/null && \
    head -1 sump.csv | grep -q "ref_w1_max" && ok "summarize --reference RUN --pool FROM:TO" \
    || bad "summarize --pool"
if $PY -c "import matplotlib" 2>/dev/null; then
    $PY "$SRC/jobs/plot.py" heatmap sum.csv --metric ref_w1_max -o heat.png > plot.out 2>&1 && [ -s heat.png ] \
        && grep -q "ref_w1_max" plot.out && ok "plot.py heatmap --metric ref_w1_max" \
        || { bad "heat map"; cat plot.out; }
fi

# ---- bad inputs: exit 1, one rwpo line on stderr, nothing on stdout (2 ranks)
printf 'not hdf5\n' > text.h5
head -c 3000 a.h5 > trunc.h5
expect_bad() { # NAME TEXT ARGS...
    name=$1; text=$2; shift 2
    out=$(run 2 "$@" 2> err.txt); rc=$?
    grep '^rwpo: ' err.txt > msg.txt # (mpirun adds its own lines about the exit status)
    if [ $rc -eq 1 ] && [ -z "$out" ] && [ "$(wc -l < msg.txt)" -eq 1 ] && grep -q '^rwpo: error: ' msg.txt &&
       grep -qF -- "$text" msg.txt; then
        ok "$name: $(cut -c1-150 msg.txt)"
    else
        bad "$name: exit $rc (want 1), stdout '$out', stderr:"; cat err.txt
    fi
}
expect_bad "missing RUN" "RUN nope.h5: no such file (allowed: a run file, or path.h5:/dataset" \
    compare nope.h5 exact.h5:/draws
expect_bad "RUN not HDF5" "not an HDF5 file" compare text.h5 exact.h5:/draws
expect_bad "truncated RUN" "trunc.h5" compare trunc.h5 exact.h5:/draws
expect_bad "missing dataset" "exact.h5:/nope: no such dataset" compare a.h5 exact.h5:/nope
expect_bad "a group, not a dataset" "not a dataset" compare a.h5 exact.h5:/grp
expect_bad "missing dataset file" "missing.h5" compare a.h5 missing.h5:/x
expect_bad "1-D dataset" "expected 2-D samples [M][d]" compare a.h5 exact.h5:/vec
expect_bad "integer dataset" "expected floating point" compare a.h5 exact.h5:/ints
expect_bad "non-finite sample" "non-finite value nan at row 7, column 2" compare a.h5 exact.h5:/nan
expect_bad "empty dataset" "M, d >= 1" compare a.h5 exact.h5:/empty
expect_bad "one reference sample" "has 1 sample (allowed: at least 2)" compare a.h5 exact.h5:/single
expect_bad "one run particle" "RUN one.h5 layer 1 (1 particle, d = 4) has 1 sample" compare one.h5 exact.h5:/draws
expect_bad "d mismatch" "differ in dimension" compare a.h5 exact.h5:/d3
expect_bad "layer not recorded" "RUN a.h5: layer 7 is not recorded (recorded layers: 0, 10, 20, 30, 40)" \
    compare a.h5 exact.h5:/draws --layer 7
expect_bad "layer not a number" "layer x is not recorded" compare a.h5 exact.h5:/draws --layer x
expect_bad "--layer of a dataset" "--layer applies to a run file" compare exact.h5:/draws a.h5 --layer 0
expect_bad "--pool of a dataset" "--pool applies to a run file" compare a.h5 exact.h5:/draws --pool 0:10
expect_bad "--pool empty" "REFERENCE b.h5: --pool 41:49 is empty" compare a.h5 b.h5 --pool 41:49
expect_bad "--pool reversed" "--pool 50:40: expected FROM:TO" compare a.h5 b.h5 --pool 50:40
expect_bad "--pool malformed" "--pool x: expected FROM:TO" compare a.h5 b.h5 --pool x
expect_bad "--pool without value" "--pool needs FROM:TO" compare a.h5 b.h5 --pool=
expect_bad "one operand" "'compare' needs RUN.h5 and REFERENCE" compare a.h5
expect_bad "three operands" "unexpected argument 'b.h5'" compare a.h5 exact.h5:/draws b.h5
expect_bad "--reference with compare" "'compare' takes these options: --layer, --pool, --csv" \
    compare a.h5 b.h5 --reference b.h5
expect_bad "--set with compare" "'compare' takes these options" compare a.h5 b.h5 --set run.seed=2
expect_bad "--layer with summarize" "'summarize' takes these options" summarize a.h5 --layer 3
expect_bad "--pool without --reference" "--pool (with --reference)" summarize a.h5 --pool 0:10
expect_bad "summarize with a bad reference" "exact.h5:/nope: no such dataset" \
    summarize a.h5 --reference exact.h5:/nope
expect_bad "unwritable CSV" "--csv nodir/x.csv: cannot write" compare a.h5 exact.h5:/draws --csv nodir/x.csv
expect_bad "CSV onto the run file" "--csv a.h5 is an input of the comparison" \
    compare a.h5 exact.h5:/draws --csv a.h5
expect_bad "CSV onto the reference file" "--csv exact.h5 is an input" compare a.h5 exact.h5:/draws --csv exact.h5
[ ! -e nodir ] && [ "$md5_before" = "$(md5sum a.h5 b.h5)" ] && ok "nothing created or changed by the failures" \
    || bad "a failure created or changed files"

# ---- time of one comparison (2000 x 4 against 2e5 x 4, serial)
t0=$(date +%s.%N); "$RWPO" compare a.h5 exact.h5:/draws > /dev/null 2>&1; t1=$(date +%s.%N)
echo "info: compare 2000 x 4 vs 200000 x 4 took $(awk "BEGIN { print $t1 - $t0 }") s (wall, this machine's load included)"
finish test_compare.sh
