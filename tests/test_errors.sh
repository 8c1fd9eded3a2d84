#!/bin/sh
# Error paths that must end cleanly (run by meson test; also by hand after a build), all with
# RWPO_CHECK_HDF5_IDS=1 (an HDF5 identifier left open is an error, exit 2) and under
# `timeout -s KILL` (rwpo catches SIGTERM), so that a regression cannot hang:
#  - run.output that is not a regular file: /dev/null, a private character device (with
#    --restart auto and --overwrite: never moved aside), a directory: exit 1, one line, no crash;
#  - FIFOs where a file is expected (mkfifo): check, sweep, info, verify, summarize, --restart,
#    particles.init_file and problem.operator_file: refused before any open, nothing blocks;
#  - damaged files (truncated, bytes overwritten in their metadata) and missing datasets: info,
#    summarize, verify and --restart end with their message, no HDF5 id left, no HDF5 noise;
#  - summarize --csv onto one of its inputs (under any name) or onto another HDF5 file: refused
#    (exit 1), the file unchanged.
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
export RWPO_CHECK_HDF5_IDS=1
# quick NP ARGS: rwpo on NP ranks (0: without mpirun, one rank) killed after 20 s; output in o,
# status in rc
quick() {
    np=$1; shift
    if [ "$np" -eq 0 ]; then o=$(timeout -s KILL 20 "$RWPO" "$@" 2>&1); rc=$?
    else o=$(timeout -s KILL 20 mpirun -np "$np" --bind-to none "$RWPO" "$@" 2>&1); rc=$?; fi
}
# clean NAME WANT_RC [TEXT]: rc as wanted, TEXT in the output (if given), no leak, no HDF5 noise
clean() {
    if [ "$rc" -eq "$2" ] && { [ -z "${3:-}" ] || echo "$o" | grep -qF -- "$3"; } &&
        ! echo "$o" | grep -q "RWPO_CHECK_HDF5_IDS\|HDF5-DIAG\|infinite loop\|Segmentation\|signal"; then
        ok "$1 (exit $rc)"
    else
        bad "$1: exit $rc (want $2${3:+, text '$3'})"; echo "$o" | grep -v "^ *$" | head -4
    fi
}

restart_ini r.ini good.h5 100 4 8 100
quick 2 run r.ini; clean "a good run (reference)" 0

# --- outputs that are not regular files ------------------------------------------------------
quick 2 run r.ini --set run.output=/dev/null
clean "run.output = /dev/null" 1 "[run] output = /dev/null: not a regular file (a character device)"
mknod null c 1 3 2>/dev/null || mkfifo null
for opt in "--restart auto" "--overwrite"; do
    quick 2 run r.ini --set run.output=null $opt
    clean "run.output = a device, $opt" 1 "output = null: not a regular file"
    [ -e null ] && [ ! -f null ] && [ ! -e null.bak1 ] && ok "  the device is left in place" ||
        bad "  the device was moved"
done
mkdir adir
quick 0 run r.ini --set run.output=adir; clean "run.output = a directory" 1 "not a regular file (a directory)"

# --- FIFOs -----------------------------------------------------------------------------------
mkfifo ff
quick 0 check ff; clean "check FIFO" 1 "ff: not a regular file (a FIFO)"
quick 0 sweep ff --count; clean "sweep FIFO" 1 "ff: not a regular file (a FIFO)"
quick 0 info ff; clean "info FIFO" 1 "ff: not a regular file (a FIFO)"
quick 0 verify ff; clean "verify FIFO" 1 "damaged: ff: not a regular file (a FIFO)"
quick 0 summarize ff; clean "summarize FIFO (a damaged row)" 0 "warning: ff: not a regular file (a FIFO)"
quick 2 run r.ini --set run.output=x.h5 --restart ff; clean "--restart FIFO" 1 "ff: not a regular file (a FIFO)"
quick 2 run r.ini --set run.output=x.h5 --set particles.init=file --set particles.init_file=ff:/x
clean "particles.init_file = FIFO" 1 "ff: not a regular file (a FIFO)"
sed 's#^type = mixture_laplace#type = linear\noperator = file\noperator_file = ff:/A\ndata_file = ff:/b#' \
    r.ini > lin.ini
quick 2 run lin.ini; clean "problem.operator_file = FIFO" 1 "operator_file = ff:/A: ff: not a regular file (a FIFO)"

# --- damaged files and missing datasets -----------------------------------------------------
: > empty.h5
head -c 2000 good.h5 > trunc.h5
damaged="empty.h5 trunc.h5"
for off in 100 400 800 1600 2400 3000; do     # superblock, root group, object headers, heaps
    cp good.h5 m$off.h5
    printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' |
        dd of=m$off.h5 bs=1 seek=$off conv=notrunc 2>/dev/null
    damaged="$damaged m$off.h5"
done
for f in $damaged; do
    quick 0 info $f; r1=$rc; o1=$o
    quick 0 summarize $f; r2=$rc; o2=$o
    quick 0 verify $f; r3=$rc; o3=$o
    quick 0 run r.ini --set run.output=x$f --restart $f; r4=$rc; o4=$o
    o="$o1 $o2 $o3 $o4"
    rc=$([ $r1 -le 1 ] && [ $r2 -eq 0 ] && [ $r3 -le 1 ] && [ $r4 -le 1 ] && echo 0 || echo "$r1/$r2/$r3/$r4")
    clean "damaged $f: info, summarize, verify, --restart end cleanly" 0
done
quick 0 run r.ini --set run.output=x.h5 --set particles.init=file --set particles.init_file=good.h5:/nope
clean "missing dataset in init_file" 1 "no such dataset ('/nope' not found)"
quick 2 run r.ini --set run.output=x.h5 --set particles.init=file --set particles.init_file=m400.h5:/particles/cloud/position/value
clean "init_file in a damaged file" 1 "m400.h5"

# --- summarize --csv onto its input -----------------------------------------------------------
cp good.h5 s.h5
cp s.h5 keep.h5
ln -s s.h5 link.h5
quick 0 summarize s.h5 --csv s.h5; clean "summarize s.h5 --csv s.h5 refused" 1 "--csv s.h5: it is one of the files summarised"
quick 0 summarize . --csv link.h5; clean "summarize DIR --csv (a link to an input) refused" 1 "it is one of the files summarised"
quick 0 summarize s.h5 --csv good.h5; clean "summarize --csv onto another HDF5 file refused" 1 "an existing HDF5 file"
cmp -s s.h5 keep.h5 && cmp -s good.h5 keep.h5 && ok "  the run files are unchanged" || bad "  a run file was overwritten"
quick 0 summarize s.h5 --csv sum.csv; clean "summarize --csv onto a new file" 0
grep -q "^s.h5,complete" sum.csv && ok "  the CSV is written" || bad "  no CSV"
finish test_errors.sh
