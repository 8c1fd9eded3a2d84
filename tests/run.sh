#!/bin/sh
# Set up (Debian packages, build) and run every test: unit suites, MPI suites on 1, 2, 3 and 4
# ranks, command-line and bad-configuration tests, the end-to-end reference experiment.
set -eu
cd "$(dirname "$0")/.."
# slurm-wlm munge: tests/test_slurm.sh starts a private SLURM; python3-matplotlib: jobs/plot.py
RWPO_EXTRA_PACKAGES="python3-h5py python3-numpy python3-matplotlib slurm-wlm munge" jobs/setup.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
meson test -C "${RWPO_BUILD_DIR:-build}" --print-errorlogs "$@"
# the same suites under AddressSanitizer + UndefinedBehaviorSanitizer
tests/sanitize.sh
