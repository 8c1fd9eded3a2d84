#!/bin/sh
# Set up (Debian packages, build) and run every test: unit suites, MPI suites on 1, 2, 3 and 4
# ranks, command-line and bad-configuration tests, the end-to-end reference experiment.
set -eu
cd "$(dirname "$0")/.."
RWPO_EXTRA_PACKAGES="python3-h5py python3-numpy" jobs/setup.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
meson test -C "${RWPO_BUILD_DIR:-build}" --print-errorlogs "$@"
# the same suites under AddressSanitizer + UndefinedBehaviorSanitizer
tests/sanitize.sh
