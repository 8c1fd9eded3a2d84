#!/bin/sh
# Structure rules the code promises (README, "Code layout"):
#  - layers: src/<layer>/ and include/rwpo/<layer>/ include headers of their own layer or below,
#    in the order base < io < core < problems < samplers < run < cli;
#  - MPI is called only from base/comm.c and core/ring.c; <hdf5.h> is included only in src/io/,
#    and the private headers of src/io (h5util.h, h5md_file.h) only by src/io/;
#    ScaLAPACK (the private scalapack.h, Cblacs_*, p?gemm_ ...) only in core/linalg.c;
#  - the kernels (attention, prior_l1, marginal) do no I/O and use no MPI;
#  - every public header has its RWPO_<MODULE>_H guard; no source file lies outside a layer.
set -u
SRC=$(readlink -f "${RWPO_SOURCE_ROOT:-.}")
cd "$SRC" || exit 1
fail=0
LAYERS="base io core problems samplers run cli"
rank_of() { # position of a layer in LAYERS (1-based), 0 if unknown
    i=1; for l in $LAYERS; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo 0
}
for f in src/*.c src/*.h include/rwpo/*.h; do
    [ -e "$f" ] || continue
    echo "FAIL: $f lies outside the layer folders ($LAYERS)"; fail=1
done
for f in src/*/*.c src/*/*.h include/rwpo/*/*.h; do
    [ -e "$f" ] || continue
    layer=$(basename "$(dirname "$f")")
    me=$(rank_of "$layer")
    if [ "$me" -eq 0 ]; then echo "FAIL: $f is in an unknown layer '$layer'"; fail=1; continue; fi
    for inc in $(sed -n 's/^#include "rwpo\/\([a-z_]*\)\/.*/\1/p' "$f"); do
        them=$(rank_of "$inc")
        if [ "$them" -eq 0 ] || [ "$them" -gt "$me" ]; then
            echo "FAIL: $f (layer $layer) includes a header of layer '$inc' (above it)"; fail=1
        fi
    done
done
for f in src/*/*.c; do
    case "$f" in src/base/comm.c|src/core/ring.c) continue ;; esac
    if grep -nE '\bMPI_[A-Z][a-z_]+[[:space:]]*\(' "$f"; then
        echo "FAIL: $f calls MPI (only base/comm.c and core/ring.c may)"; fail=1
    fi
done
for f in src/*/*.c src/*/*.h include/rwpo/*/*.h; do
    case "$f" in src/io/*) continue ;; esac
    if grep -nE '#include[[:space:]]*[<"](hdf5|H5[A-Za-z]*)\.h' "$f"; then
        echo "FAIL: $f includes HDF5 (only src/io/ may)"; fail=1
    fi
    case "$f" in src/core/linalg.c|src/core/scalapack.h) continue ;; esac
    if grep -nE 'scalapack\.h|\bCblacs_|\b(p[sdcz][a-z0-9]+|descinit|numroc)_[[:space:]]*\(' "$f"; then
        echo "FAIL: $f uses ScaLAPACK/BLACS (only core/linalg.c may)"; fail=1
    fi
done
for h in src/io/*.h; do # io's private headers (HDF5 helpers, the run-file handle)
    [ -e "$h" ] || continue
    n=$(basename "$h")
    for f in src/*/*.c src/*/*.h include/rwpo/*/*.h tests/*.c; do
        case "$f" in src/io/*) continue ;; esac
        if grep -nE "#include[[:space:]]*\"([^\"]*/)?$n\"" "$f"; then
            echo "FAIL: $f includes $h (private to src/io)"; fail=1
        fi
    done
done
for f in src/core/attention.c src/core/attention_ref.c src/core/prior_l1.c src/problems/marginal.c; do
    if grep -nE '\b(printf|fprintf|fopen|puts|H5[A-Z][a-z]*|MPI_[A-Z][a-z_]*)[[:space:]]*\(' "$f"; then
        echo "FAIL: kernel file $f does I/O or MPI"; fail=1
    fi
done
for h in include/rwpo/*/*.h; do
    m=$(basename "$h" .h | tr 'a-z' 'A-Z')
    grep -q "#ifndef RWPO_${m}_H" "$h" || { echo "FAIL: $h lacks guard RWPO_${m}_H"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "structure: ok"
exit $fail
