#!/bin/sh
# AddressSanitizer + UndefinedBehaviorSanitizer build of rwpo; runs the unit suites, the engine
# suite on 1 and 3 ranks and a short run of the program. Leak checking is off: Open MPI and HDF5
# keep allocations alive until exit by design.
set -eu
cd "$(dirname "$0")/.."
B=${RWPO_ASAN_DIR:-build-asan}
[ -f "$B/build.ninja" ] || meson setup "$B" -Db_sanitize=address,undefined -Dbuildtype=debug \
    -Db_lundef=false >/dev/null
ninja -C "$B" >/dev/null
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
for t in test_prior test_marginal test_attention; do
    [ -x "$B/tests/$t" ] && "$B/tests/$t" >/dev/null
done
for np in 1 3; do
    mpirun -np $np --bind-to none "$B/tests/test_engine" >/dev/null 2>&1 || {
        echo "sanitize: test_engine on $np ranks failed"; exit 1; }
    mpirun -np $np --bind-to none "$B/tests/test_h5md" >/dev/null 2>&1 || {
        echo "sanitize: test_h5md on $np ranks failed"; exit 1; }
    mpirun -np $np --bind-to none "$B/tests/test_gibbs" >/dev/null 2>&1 || {
        echo "sanitize: test_gibbs on $np ranks failed"; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mpirun -np 2 --bind-to none "$B/src/rwpo" run configs/mixture_laplace.ini --set run.layers=5 \
    --set run.output="$T/a.h5" >/dev/null
"$B/src/rwpo" info "$T/a.h5" >/dev/null
echo "sanitize: ASan + UBSan clean"
