#!/bin/sh
# Set up (Debian packages, build) and run every test: unit suites, MPI suites on 1, 2, 3 and 4
# ranks, command-line and bad-configuration tests, the end-to-end reference experiment, then the
# sanitizer build (tests/sanitize.sh) and the fuzz targets (tests/fuzz/run.sh).
set -eu
cd "$(dirname "$0")/.."
# slurm-wlm munge: tests/test_slurm.sh starts a private SLURM; python3-matplotlib: jobs/plot.py;
# python3-sklearn: tests/test_gibbs.sh rebuilds configs/data/diabetes.h5 and compares;
# lua5.4 man-db: tests/test_install.sh checks the module file and the man page
RWPO_EXTRA_PACKAGES="python3-h5py python3-numpy python3-matplotlib python3-sklearn slurm-wlm munge \
lua5.4 man-db" jobs/setup.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
meson test -C "${RWPO_BUILD_DIR:-build}" --print-errorlogs "$@"
# the same suites under AddressSanitizer + UndefinedBehaviorSanitizer
tests/sanitize.sh
# libFuzzer on the parsers and the HDF5 readers, about a minute (status 77: clang with libFuzzer
# could not be set up, skipped; any finding fails)
rc=0
tests/fuzz/run.sh || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || exit "$rc"
