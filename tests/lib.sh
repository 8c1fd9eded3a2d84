# Shared preamble of the shell test scripts (sourced): the program, the source tree, MPI as root
# on a small machine, a private temporary directory (removed, with anything still running in it,
# on exit), and the ok/bad/run helpers. Scripts end with `finish NAME`.
RWPO=$(readlink -f "${RWPO_BIN:-build/src/rwpo}")
SRC=$(readlink -f "${RWPO_SOURCE_ROOT:-.}")
CMP="/usr/bin/python3 $SRC/tests/h5compare.py"
. "$SRC/tests/fixtures.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d)
trap 'rc=$?; pkill -9 -f "$TMP" 2>/dev/null || true; rm -rf "$TMP"; exit $rc' EXIT
cd "$TMP" || exit 1
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
# run NP ARGS...: rwpo on NP ranks with a timeout (no test may hang)
run() { np=$1; shift; timeout 300 mpirun -np "$np" --bind-to none "$RWPO" "$@"; }
finish() { echo "$1: $fails failure(s)"; [ "$fails" -eq 0 ]; exit $?; }
