#!/bin/sh
# Structure rules the code promises (style): MPI is called only from comm.c and ring.c; the
# kernels (attention.c, prior_l1.c, marginal.c) do no I/O and use no MPI; h5md.c makes no MPI
# calls of its own; every public header has its RWPO_<MODULE>_H guard.
set -u
SRC=$(readlink -f "${RWPO_SOURCE_ROOT:-.}")
cd "$SRC" || exit 1
fail=0
for f in src/*.c; do
    case "$f" in src/comm.c|src/ring.c) continue ;; esac
    if grep -nE '\bMPI_[A-Z][a-z_]+[[:space:]]*\(' "$f"; then
        echo "FAIL: $f calls MPI (only comm.c and ring.c may)"; fail=1
    fi
done
for f in src/attention.c src/prior_l1.c src/marginal.c; do
    if grep -nE '\b(printf|fprintf|fopen|puts|H5[A-Z][a-z]*|MPI_[A-Z][a-z_]*)[[:space:]]*\(' "$f"; then
        echo "FAIL: kernel file $f does I/O or MPI"; fail=1
    fi
done
for h in include/rwpo/*.h; do
    m=$(basename "$h" .h | tr 'a-z' 'A-Z')
    grep -q "#ifndef RWPO_${m}_H" "$h" || { echo "FAIL: $h lacks guard RWPO_${m}_H"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "structure: ok"
exit $fail
