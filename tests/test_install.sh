#!/bin/sh
# Installation (README, "Installing"): a fresh build directory configured with a temporary
# --prefix, `meson install`, then everything used as installed, from an empty directory whose
# PATH holds neither the source nor a build tree:
#  - the listing: bin/rwpo, bin/rwpo-plot (= jobs/plot.py), every job script but setup.sh, every
#    configuration and data file, README, man page, module files; no source-tree path left in
#    the installed scripts and configurations;
#  - rwpo --version: its MPI, HDF5 and ScaLAPACK lines against mpirun --version and pkg-config;
#  - the installed quickstart.sh on 2 ranks (5 layers) with no rwpo on PATH: it finds the
#    installed program; the exact marginals of rwpo-plot against the run's marginal_l1_error
#    (computed in C by src/problems/marginal.c); rwpo-plot run and corner write PNGs;
#    rwpo-plot's one-line message when its Python lacks the packages;
#  - every installed configuration passes `rwpo check`; the diabetes Gibbs configuration runs
#    from the empty directory (its data named by absolute paths); the installed run.sbatch runs
#    (LAUNCHER=mpirun, outside SLURM) with the installed program;
#  - the man page: groff and man -l without warnings, every command and option of --help and
#    every key of --keys in it;
#  - the module files: luac -p, the Lua file run with stub functions (PATH, MANPATH,
#    RWPO_SHARE), the Tcl file under tclsh with stubs, and `module load rwpo` through Lmod when
#    it is installed. Without lua the test ends with 77 (skipped) after everything else passed.
# Why not `meson install --destdir`: the module file, the job scripts and the configurations
# carry the prefix's absolute paths; only a real prefix lets them be used where they landed.
# The price is a second build (library and program only, -Dtests=disabled: ~20 s on 2 cores).
set -eu
. "$(dirname "$(readlink -f "$0")")/lib.sh"
PY=/usr/bin/python3
PREFIX=$TMP/prefix
SHARE=$PREFIX/share/rwpo
CLEAN_PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset RWPO_SHARE CONFIG SETS LAUNCHER PLOT 2>/dev/null || true

# ---- build and install ------------------------------------------------------------------------
if ! meson setup "$TMP/build" "$SRC" --prefix "$PREFIX" -Dtests=disabled > setup.log 2>&1 ||
   ! ninja -j2 -C "$TMP/build" > ninja.log 2>&1 ||
   ! meson install -C "$TMP/build" --quiet > install.log 2>&1; then
    tail -30 setup.log ninja.log install.log; bad "build and meson install into a temporary prefix"
    finish test_install
fi
ok "meson setup --prefix, ninja, meson install"
(cd "$PREFIX" && find . -type f | sort) > listing.txt

# ---- the installed tree -----------------------------------------------------------------------
want="bin/rwpo bin/rwpo-plot share/man/man1/rwpo.1 share/doc/rwpo/README.md
      share/rwpo/modulefiles/rwpo.lua share/rwpo/modulefiles-tcl/rwpo"
for f in "$SRC"/jobs/*.sbatch "$SRC"/jobs/*.sh; do
    [ "$(basename "$f")" = setup.sh ] || want="$want share/rwpo/jobs/$(basename "$f")"
done
for f in "$SRC"/configs/*.ini; do want="$want share/rwpo/configs/$(basename "$f")"; done
for f in "$SRC"/configs/data/*; do want="$want share/rwpo/configs/data/$(basename "$f")"; done
missing=""
for f in $want; do [ -f "$PREFIX/$f" ] || missing="$missing $f"; done
[ -z "$missing" ] && ok "installed: every program, job script, configuration, data file, doc" \
    || bad "not installed:$missing (add them to install/meson.build)"
for f in bin/rwpo bin/rwpo-plot share/rwpo/jobs/quickstart.sh share/rwpo/jobs/run.sbatch; do
    [ -x "$PREFIX/$f" ] || bad "$f is not executable"
done
cmp -s "$PREFIX/bin/rwpo-plot" "$SRC/jobs/plot.py" && head -1 "$PREFIX/bin/rwpo-plot" |
    grep -qx '#!/usr/bin/env python3' && ok "bin/rwpo-plot is jobs/plot.py (#!/usr/bin/env python3)" \
    || bad "bin/rwpo-plot differs from jobs/plot.py or lacks #!/usr/bin/env python3"
cmp -s "$PREFIX/share/doc/rwpo/README.md" "$SRC/README.md" && ok "README installed" \
    || bad "README installed"
left=$(grep -l 'echo build/src/rwpo\|:-jobs/\|= configs/data' "$SHARE"/jobs/* \
       "$SHARE"/configs/*.ini || true)
[ -z "$left" ] && ok "installed scripts and configurations name no source-tree path" \
    || bad "source-tree paths left in: $left"
grep -q "command -v $PREFIX/bin/rwpo " "$SHARE/jobs/run.sbatch" &&
    grep -q "PLOT:-$PREFIX/bin/rwpo-plot" "$SHARE/jobs/summary.sbatch" &&
    grep -q "operator_file = $SHARE/configs/data/diabetes.h5:/A" "$SHARE/configs/diabetes_lasso.ini" \
    && ok "installed copies name the installed program, plotting tool and data" \
    || bad "installed copies do not name the installed paths"

mkdir empty
cd empty
export PATH="$PREFIX/bin:$CLEAN_PATH"
case ":$PATH:" in *":$SRC"*|*":$TMP/build"*|*":$(dirname "$RWPO")"*)
    bad "PATH still holds a source or build tree: $PATH" ;; esac
[ "$(command -v rwpo)" = "$PREFIX/bin/rwpo" ] && ok "rwpo on PATH is the installed one" \
    || bad "rwpo on PATH: $(command -v rwpo)"

# ---- rwpo --version ---------------------------------------------------------------------------
rwpo --version > version.txt
head -1 version.txt | grep -Eq "^rwpo [0-9]+\.[0-9]+\.[0-9]+ \(" && ok "--version first line" \
    || bad "--version first line: $(head -1 version.txt)"
mpi=$(mpirun --version | sed -n 's/.*Open MPI) \([0-9.]*\).*/\1/p')
hdf5=$(pkg-config --modversion hdf5-openmpi)
scalapack=$(pkg-config --modversion scalapack-openmpi)
grep -q "^  MPI: .*$mpi" version.txt && grep -q "^  HDF5: $hdf5, parallel" version.txt &&
    grep -q "^  ScaLAPACK: $scalapack " version.txt && grep -q "^  BLAS: " version.txt \
    && ok "--version names MPI $mpi, HDF5 $hdf5 (parallel), ScaLAPACK $scalapack, BLAS" \
    || { cat version.txt; bad "--version lines (MPI $mpi, HDF5 $hdf5, ScaLAPACK $scalapack)"; }

# ---- the quickstart, with no rwpo on PATH: the installed script finds the installed program ---
if env -u RWPO PATH="$CLEAN_PATH" timeout 300 "$SHARE/jobs/quickstart.sh" --set run.layers=5 \
       > quick.log 2>&1 && grep -q "^status: *complete" quick.log && [ -s out/quickstart.h5 ]; then
    ok "installed quickstart.sh on 2 ranks from an empty directory (no rwpo on PATH)"
else
    tail -5 quick.log; bad "installed quickstart.sh"
fi
# the exact marginals of rwpo-plot reproduce the run's marginal_l1_error (KDE of variance 0.1 on
# [-20, 20], dx = 0.01, against src/problems/marginal.c's exact marginals) of coordinates 1 and d
cat > marg.py <<'EOF'
import importlib.machinery, importlib.util, sys
import h5py, numpy as np
loader = importlib.machinery.SourceFileLoader("rwpo_plot", sys.argv[1])
plot = importlib.util.module_from_spec(importlib.util.spec_from_loader("rwpo_plot", loader))
loader.exec_module(plot)
with h5py.File(sys.argv[2], "r") as f:
    x = f["particles/cloud/position/value"][-1]
    exact = plot.exact_marginals(f, x.shape[1])
    recorded = f["observables/marginal_l1_error/value"][-1]
g = -20 + 0.01 * np.arange(4001)
w = np.ones_like(g)
w[0] = w[-1] = 0.5
worst = 0.0
for k, c in enumerate((1, x.shape[1])):
    kde = np.exp(-0.5 * (g[:, None] - x[None, :, c - 1]) ** 2 / 0.1).sum(axis=1)
    kde /= len(x) * np.sqrt(2 * np.pi * 0.1)
    l1 = 0.01 * np.sum(w * np.abs(kde - exact[c](g)))
    worst = max(worst, abs(l1 - recorded[k]))
    print(f"coordinate {c}: L1 {l1:.6f}, recorded {recorded[k]:.6f}")
sys.exit(0 if worst < 1e-4 else 1)
EOF
$PY marg.py "$PREFIX/bin/rwpo-plot" out/quickstart.h5 > marg.log 2>&1 \
    && ok "rwpo-plot's exact mixture marginals = the C code's ($(tr '\n' ' ' < marg.log))" \
    || { cat marg.log; bad "rwpo-plot's exact marginals against marginal_l1_error"; }

# ---- rwpo-plot --------------------------------------------------------------------------------
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(wc -c < "$1")" -gt 5000 ]; }
$PY -c "import h5py, numpy as np; h5py.File('ref.h5', 'w')['draws'] = np.random.default_rng(1).normal(size=(3000, 20)) * 3"
rwpo-plot run out/quickstart.h5 --coords 1,20 -o run.png > plot.log 2>&1 && is_png run.png \
    && ok "rwpo-plot run -> run.png" || { cat plot.log; bad "rwpo-plot run"; }
rwpo-plot corner out/quickstart.h5 --coords 1,2,20 --reference ref.h5:/draws -o corner.png \
    > plot.log 2>&1 && is_png corner.png && ok "rwpo-plot corner --reference path.h5:/dataset" \
    || { cat plot.log; bad "rwpo-plot corner (dataset reference)"; }
rwpo-plot corner out/quickstart.h5 --layer 0 --coords 1,2 --reference out/quickstart.h5 \
    -o corner2.png > plot.log 2>&1 && is_png corner2.png \
    && ok "rwpo-plot corner --layer 0 --reference RUN.h5 (its last layer)" \
    || { cat plot.log; bad "rwpo-plot corner (run-file reference)"; }
if rwpo-plot corner out/quickstart.h5 --coords 1,21 -o no.png > plot.log 2>&1; then
    bad "rwpo-plot corner accepted coordinate 21 of 20"
else
    grep -q "out of range (allowed: 1..20)" plot.log && [ ! -e no.png ] \
        && ok "rwpo-plot corner refuses a coordinate out of range" || bad "corner --coords 1,21"
fi
# a Python without the packages (-S: no site-packages): one line naming the Debian packages
if $PY -S "$PREFIX/bin/rwpo-plot" run out/quickstart.h5 > nopkg.out 2> nopkg.err; then
    bad "rwpo-plot ran without its packages"
else
    [ "$(wc -l < nopkg.err)" -eq 1 ] && [ ! -s nopkg.out ] &&
        grep -q "apt-get install python3-h5py python3-matplotlib python3-numpy" nopkg.err \
        && ok "rwpo-plot without numpy/h5py/matplotlib: $(cat nopkg.err)" \
        || { cat nopkg.err; bad "rwpo-plot's message for missing packages"; }
fi

# ---- the installed configurations, from the empty directory -----------------------------------
bad_cfg=""
for f in "$SHARE"/configs/*.ini; do
    index=$(grep -q '^\[sweep\]' "$f" && echo "--sweep-index 0" || true)
    rwpo check "$f" $index > /dev/null 2> check.err ||
        bad_cfg="$bad_cfg $(basename "$f"): $(tail -1 check.err)"
done
[ -z "$bad_cfg" ] && ok "rwpo check of every installed configuration" || bad "check:$bad_cfg"
timeout 300 mpirun -np 2 --bind-to none rwpo run "$SHARE/configs/diabetes_gibbs.ini" --set run.layers=3 --set particles.n=40 \
    --set run.output=gibbs.h5 > gibbs.log 2>&1 && [ -s gibbs.h5 ] \
    && ok "installed diabetes_gibbs.ini runs from an empty directory (data by absolute path)" \
    || { tail -3 gibbs.log; bad "installed diabetes_gibbs.ini from an empty directory"; }
if env -u RWPO PATH="$CLEAN_PATH" LAUNCHER=mpirun CONFIG="$SHARE/configs/quickstart.ini" \
       SETS="--set run.layers=2 --set run.output=out/job.h5" timeout 300 \
       bash "$SHARE/jobs/run.sbatch" > job.log 2>&1 && [ -s out/job.h5 ]; then
    ok "installed run.sbatch (LAUNCHER=mpirun, no rwpo on PATH) runs the installed program"
else
    tail -5 job.log; bad "installed run.sbatch"
fi

# ---- the man page -----------------------------------------------------------------------------
MAN1=$PREFIX/share/man/man1/rwpo.1
warn=$(groff -man -Tutf8 -ww -z "$MAN1" 2>&1)
[ -z "$warn" ] && ok "groff -man -Tutf8 -ww: no warnings" || bad "groff warns: $warn"
if command -v man > /dev/null; then
    MANWIDTH=80 man --warnings -l "$MAN1" > man.txt 2> man.err
    [ ! -s man.err ] && [ -s man.txt ] && ok "man -l: no warnings" || bad "man -l: $(cat man.err)"
    for s in NAME SYNOPSIS COMMANDS OPTIONS "EXIT STATUS" FILES ENVIRONMENT EXAMPLES; do
        grep -q "^$s" man.txt || bad "man page section $s"
    done
    [ "$(MANPATH=$PREFIX/share/man man -w rwpo)" = "$MAN1" ] && ok "man -w rwpo finds it" \
        || bad "man -w rwpo"
fi
# every command and option of --help, every key of --keys, in the page's text
sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\e/\\/g' "$MAN1" > man.plain
absent=""
for w in $(rwpo --help | sed -n 's/^ *\(usage:\)\{0,1\} *rwpo \([a-z]*\).*/\2/p' | sort -u) \
         $(rwpo --help | grep -o -- '--[a-z][a-z-]*' | sort -u) \
         $(rwpo --keys | sed -n 's/^| \([a-z_]*\.[A-Za-z_0-9]*\) |.*/\1/p'); do
    grep -qw -- "$w" man.plain || absent="$absent $w"
done
[ -z "$absent" ] && ok "man page names every command, option and key of --help and --keys" \
    || bad "man page lacks:$absent"

# ---- module files -----------------------------------------------------------------------------
skipped=""
LUA=$(command -v lua5.4 || command -v lua || true)
LUAC=$(command -v luac5.4 || command -v luac || true)
if [ -n "$LUA" ] && [ -n "$LUAC" ]; then
    "$LUAC" -p "$SHARE/modulefiles/rwpo.lua" && ok "luac -p rwpo.lua" || bad "luac -p rwpo.lua"
    cat > stub.lua <<'EOF'
env = {}
function prepend_path(k, v) env[k] = v end
function setenv(k, v) env[k] = v end
function help() end
function whatis() end
dofile(arg[1])
print(env.PATH, env.MANPATH, env.RWPO_SHARE)
EOF
    got=$("$LUA" stub.lua "$SHARE/modulefiles/rwpo.lua")
    want_env=$(printf '%s\t%s\t%s' "$PREFIX/bin" "$PREFIX/share/man" "$SHARE")
    [ "$got" = "$want_env" ] && ok "rwpo.lua sets PATH, MANPATH, RWPO_SHARE to the prefix" \
        || bad "rwpo.lua sets: $got"
else
    skipped="lua"
fi
if command -v tclsh > /dev/null; then
    got=$(printf '%s\n' 'proc prepend-path {k v} {set ::env_$k $v}' 'proc setenv {k v} {set ::env_$k $v}' \
        'proc module-whatis {args} {}' "source {$SHARE/modulefiles-tcl/rwpo}" \
        'puts "$::env_PATH $::env_MANPATH $::env_RWPO_SHARE"' | tclsh)
    [ "$got" = "$PREFIX/bin $PREFIX/share/man $SHARE" ] \
        && ok "Tcl module file sets PATH, MANPATH, RWPO_SHARE" || bad "Tcl module file sets: $got"
fi
if [ -f /usr/share/lmod/lmod/init/bash ] && command -v bash > /dev/null; then
    for dir in modulefiles modulefiles-tcl; do
        got=$(env -u LOADEDMODULES -u _LMFILES_ PATH="$CLEAN_PATH" bash -c '
            . /usr/share/lmod/lmod/init/bash > /dev/null 2>&1
            module use "$1" && module load rwpo 2>&1 &&
            echo "$(command -v rwpo) $RWPO_SHARE $(man -w rwpo)"' sh "$SHARE/$dir" 2>&1)
        [ "$got" = "$PREFIX/bin/rwpo $SHARE $MAN1" ] \
            && ok "Lmod: module use $dir; module load rwpo" || bad "Lmod $dir: $got"
    done
fi
[ -z "$skipped" ] || [ "$fails" -ne 0 ] || { echo "SKIP: no $skipped (apt-get install lua5.4)"; exit 77; }
finish test_install
