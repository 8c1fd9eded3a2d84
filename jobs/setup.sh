#!/bin/sh
# Install what rwpo needs (Debian packages; only when root, otherwise list what is missing),
# then configure and build it in ./build. Sourced or run from the repository root.
#   RWPO_EXTRA_PACKAGES  more packages to install (tests add python3-h5py etc.)
#   RWPO_BUILD_DIR       build directory (default: build)
set -eu

cd "$(dirname "$0")/.."

PACKAGES="meson ninja-build pkg-config gcc libc6-dev libopenmpi-dev openmpi-bin \
libscalapack-openmpi-dev libhdf5-openmpi-dev hdf5-tools check libopenblas-dev libinih-dev \
librandom123-dev ${RWPO_EXTRA_PACKAGES:-}"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "setup: installing$missing"
        export DEBIAN_FRONTEND=noninteractive
        if ! apt-get install -y -q --no-install-recommends $missing >/tmp/rwpo-apt.log 2>&1; then
            apt-get update -q >/tmp/rwpo-apt.log 2>&1 || true
            apt-get install -y -q --no-install-recommends $missing >>/tmp/rwpo-apt.log 2>&1 || {
                tail -20 /tmp/rwpo-apt.log; echo "setup: apt-get failed"; exit 1; }
        fi
    else
        echo "setup: missing Debian packages:$missing"
        echo "setup: install them with: sudo apt-get install$missing"
        exit 1
    fi
fi

BUILD="${RWPO_BUILD_DIR:-build}"
if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" >/tmp/rwpo-meson.log 2>&1 || { cat /tmp/rwpo-meson.log; exit 1; }
fi
ninja -C "$BUILD" >/tmp/rwpo-ninja.log 2>&1 || { cat /tmp/rwpo-ninja.log; exit 1; }
echo "setup: built $BUILD/src/rwpo"
