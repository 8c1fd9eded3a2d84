#!/bin/sh
# The command line: --help, --version, --keys, `rwpo check` (resolved configuration with
# defaults, nothing written), `rwpo info`, recording every k layers (plus the last), the
# progress line, an init file read back (init = file reproduces a recorded layer), and a
# non-finite particle (exit status 2 naming the layer and the particle, status "failed"), and
# `rwpo bench` (rows on 2 ranks with both kernels; a bad option).
set -eu
. "$(dirname "$(readlink -f "$0")")/lib.sh"

"$RWPO" --help | grep -q "usage: rwpo run CONFIG.ini" && ok "--help" || bad "--help"
"$RWPO" --version | grep -Eq "^rwpo [0-9]+\.[0-9]+\.[0-9]+ " && ok "--version" || bad "--version"
"$RWPO" --keys | grep -q "| sampler.beta | \*\*required\*\*" && ok "--keys" || bad "--keys"
# the README's key table is the program's (regenerate it from `rwpo --keys` when keys change)
missing=$("$RWPO" --keys | grep -vxF -f "$SRC/README.md" | head -1)
[ -z "$missing" ] && ok "README key table = --keys" || bad "README key table lacks: $missing"

# check: resolved configuration, defaults included, --set applied, no output file
out=$(timeout 60 mpirun -np 2 --bind-to none "$RWPO" check "$SRC/configs/mixture_laplace.ini" \
      --set sampler.beta=2 --set run.output=never.h5)
echo "$out" | grep -qx "beta = 2" && ok "check applies --set" || bad "check applies --set"
echo "$out" | grep -qx "T = h" && ok "check prints default T = h" || bad "check prints default T = h"
echo "$out" | grep -qx "ring = overlap" && ok "check prints default ring" || bad "check prints defaults"
[ "$(echo "$out" | grep -c '^\[')" -eq 4 ] && ok "check prints 4 sections" || bad "check sections"
[ ! -e never.h5 ] && ok "check writes nothing" || bad "check wrote the output"
# the printed configuration is itself a valid configuration giving the same resolution
echo "$out" > resolved.ini
out2=$("$RWPO" check resolved.ini)
[ "$(echo "$out" | tail -n +2)" = "$(echo "$out2" | tail -n +2)" ] && ok "check output round-trips" \
    || bad "check output round-trips"

# every = 4 over 10 layers records 0, 4, 8 and the last layer 10; progress lines
cat > small.ini <<'EOF'
[run]
output = small.h5
layers = 10
every = 4
progress = 0
[particles]
n = 13
dim = 3
init_scale = 2
[sampler]
beta = 1
lambda = 0.2
h = 0.1
[problem]
type = gaussian
mean = 1
std = 1
EOF
log=$(run 3 run small.ini 2>&1) || bad "small run"
[ "$(echo "$log" | grep -c 'rwpo: layer [0-9]*/10 ')" -eq 10 ] && ok "one progress line per layer" \
    || bad "progress lines"
echo "$log" | grep -q "pairs/s  neighbours [0-9.e+-]*  mean_error = [0-9.e+-]* (layer 8)" && ok "progress shows pairs/s and the metric" \
    || bad "progress content"
info=$("$RWPO" info small.h5)
echo "$info" | grep -q "N = 13, d = 3" && ok "info: N and d" || bad "info: N and d"
echo "$info" | grep -q "4 recorded" && ok "info: 4 recorded layers" || bad "info: layers ($info)"
echo "$info" | grep -q "status: *complete" && ok "info: status complete" || bad "info: status"
/usr/bin/python3 - <<'EOF' && ok "steps 0 4 8 10" || bad "recorded steps"
import h5py, sys
f = h5py.File("small.h5", "r")
s = list(f["particles/cloud/position/step"][:])
o = list(f["observables/mean_error/step"][:])
sys.exit(0 if s == [0, 4, 8, 10] and o == s else 1)
EOF

# init = file: layer 8 of the run, as a 2-D dataset, reproduces layers 9 and 10 when restarted
# by hand (h = 0.1 everywhere, so the layer index does not matter to the dynamics)
/usr/bin/python3 - <<'EOF'
import h5py
f = h5py.File("small.h5", "r")
with h5py.File("init.h5", "w") as g:
    g["/cloud"] = f["particles/cloud/position/value"][2]
    g["/ints"] = (f["particles/cloud/position/value"][2] * 0).astype("i4")
EOF
run 2 run small.ini --set particles.init=file --set particles.init_file=init.h5:/cloud \
    --set run.layers=2 --set run.output=from_file.h5 > /dev/null 2>&1 || bad "init file run"
/usr/bin/python3 - <<'EOF' && ok "init = file continues the trajectory" || bad "init = file"
import h5py, numpy as np, sys
a = h5py.File("small.h5", "r")["particles/cloud/position/value"]
b = h5py.File("from_file.h5", "r")["particles/cloud/position/value"]
ok = np.array_equal(b[0], a[2]) and np.abs(b[1] - a[3]).max() < 1e-12 * np.abs(a[3]).max()
sys.exit(0 if ok else 1)
EOF
if run 2 run small.ini --set particles.init=file --set particles.init_file=init.h5:/cloud \
    --set particles.n=12 --set run.output=x.h5 > err.txt 2>&1; then bad "wrong N accepted"; else
    grep -q "init.h5:/cloud" err.txt && ok "init file of the wrong N refused" || bad "wrong N message"
fi

# a non-finite particle: exit 2, message names the layer and particle, file marked failed
set +e
run 2 run small.ini --set sampler.h=1e200 --set run.output=nan.h5 > nan.txt 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] && ok "non-finite particle: exit 2" || bad "non-finite particle: exit $rc"
grep -q "layer [0-9]*: particle [0-9]* coordinate [0-9]* is not finite" nan.txt && ok "names layer and particle" \
    || bad "non-finite message: $(cat nan.txt | head -3)"
"$RWPO" info nan.h5 | grep -q "status: *failed" && ok "status failed" || bad "status failed"

# bench: one row per configuration with finite positive rates, on 2 ranks, both kernels
for kern in fast reference; do
    run 2 bench --n 64,100 --d 2,9 --layers 1 --reps 1 --kernel $kern --block 16 > bench.txt 2>&1
    rows=$(awk '/^rwpo: (coordinatewise|joint) / && $5 > 0 && $6 > 0 && $NF > 0' bench.txt | wc -l)
    [ "$rows" -eq 8 ] && ok "bench --kernel $kern: 8 rows" || bad "bench $kern: $(cat bench.txt)"
done
set +e
"$RWPO" bench --weights both --kernel turbo > bench.txt 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] && [ "$(wc -l < bench.txt)" -eq 1 ] && grep -q "kernel turbo" bench.txt \
    && ok "bench: bad option, one line, exit 1" || bad "bench bad option: rc $rc $(cat bench.txt)"

echo "cli: $fails failure(s)"
[ "$fails" -eq 0 ]
