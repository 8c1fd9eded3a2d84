#!/bin/sh
# Set up (Debian packages, build) and run the quickstart: the mixture_laplace reference target
# (d = 20, four modes, L1 prior) sampled by 400 particles through 100 RWPO layers on 2 ranks.
# In the source tree it builds and runs there; installed (PREFIX/share/rwpo/jobs) it runs the
# installed program and configuration in the working directory (output in ./out).
set -eu
jobs=$(cd "$(dirname "$0")" && pwd)
if [ -f "$jobs/../meson.build" ]; then
    cd "$jobs/.."
    jobs/setup.sh
    RWPO=build/src/rwpo CONFIG=configs/quickstart.ini
else
    RWPO=${RWPO:-$(command -v rwpo || echo build/src/rwpo)}
    CONFIG=$jobs/../configs/quickstart.ini
fi
mkdir -p out
# MPI as root needs these two; more ranks than cores needs oversubscription.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1 OPENBLAS_NUM_THREADS=1
# --restart auto: a second invocation continues (or says "already complete") instead of being
# refused for an existing out/quickstart.h5; pass --set run.layers=200 to extend the run.
mpirun -np 2 --bind-to none "$RWPO" run "$CONFIG" --restart auto "$@"
echo
"$RWPO" info out/quickstart.h5 | head -20
