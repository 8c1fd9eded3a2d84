#!/bin/sh
# A full disk never hangs a rank (run by meson test as root; skipped, 77, otherwise): runs on a
# 3 MB tmpfs mounted here (unmounted on every exit), filled at different moments:
#  - during the run: exit 2 naming the layer; every file left verifies (rwpo verify);
#  - `--restart auto` with a few kB free (the run file would be truncated): exit 2 before it is
#    touched (byte-identical), no segment left;
#  - `--restart auto` when the run file cannot be continued and a segment is needed: exit 2, no
#    segment file left behind;
#  - 100% full (not even the lock file fits) and a read-only file system: exit 2.
# Every rank must exit within the timeout (a hang is killed and fails the test); logs go outside
# the tmpfs; RWPO_CHECK_HDF5_IDS=1 throughout.
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
export RWPO_CHECK_HDF5_IDS=1
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to mount a tmpfs"; exit 77; }
FS=$TMP/fs
mkdir -p "$FS"
mount -t tmpfs -o size=3m tmpfs "$FS" 2>/dev/null || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
trap 'rc=$?; pkill -9 -f "$TMP" 2>/dev/null; umount -l "$FS" 2>/dev/null; rm -rf "$TMP"; exit $rc' EXIT
# rwpo NP ARGS in the tmpfs, killed after 60 s (exit 137: a hang); log in $TMP/LOG
fsrun() { log=$1; shift; (cd "$FS" && timeout -s KILL 60 mpirun -np 2 --bind-to none "$RWPO" "$@") > "$TMP/$log" 2>&1; }
# fill FREE_KB: leave about FREE_KB kB free on the tmpfs
fill() { rm -f "$FS/fill"; dd if=/dev/zero of="$FS/fill" bs=4k 2>/dev/null; truncate -s "-$1k" "$FS/fill"; }
# all_intact: every rwpo file left on the tmpfs reads back intact
all_intact() { (cd "$FS" && "$RWPO" verify out.h5 $(ls out.seg*.h5 2>/dev/null)) > "$TMP/v.txt" 2>&1; }

restart_ini "$FS/r.ini" out.h5 400 1 5 100   # a frame per layer: the disk fills near layer 40
fsrun 1.log run r.ini; rc=$?
[ $rc -eq 2 ] && grep -q "error: layer [0-9]*: .*disk full" 1.log && all_intact &&
    ok "disk fills during the run: exit 2 ($(grep -o 'layer [0-9]*: [a-z ]*' 1.log | head -1)), files intact" ||
    { bad "disk fills during the run: exit $rc"; grep rwpo: 1.log | tail -3; cat v.txt; }
cp "$FS/out.h5" saved.h5

fill 4
fsrun 2.log run r.ini --restart auto; rc=$?
[ $rc -eq 2 ] && grep -q "error: restart: cannot continue out.h5: disk full" 2.log &&
    cmp -s saved.h5 "$FS/out.h5" && ! ls "$FS"/out.seg* > /dev/null 2>&1 && all_intact &&
    ok "restart auto, 4 kB free: exit 2, out.h5 untouched, no segment" ||
    { bad "restart on a full disk: exit $rc"; grep rwpo: 2.log | tail -3; }

# the run file's steps damaged: it cannot be continued, a segment would be created (room for
# the append's metadata, not for a segment's first frame)
/usr/bin/python3 "$SRC/tests/h5flip.py" "$FS/out.h5" particles/cloud/position/step 0 8 > /dev/null
fill 300
fsrun 3.log run r.ini --restart auto; rc=$?
[ $rc -eq 2 ] && grep -q "error: \[run\] output = out.seg1.h5: cannot create it: disk full" 3.log &&
    ! ls "$FS"/out.seg* > /dev/null 2>&1 && (cd "$FS" && "$RWPO" verify out.ckpt.h5 out.ckpt.prev.h5 > /dev/null) &&
    ok "restart auto needing a segment, 300 kB free: exit 2, no segment left, checkpoints intact" ||
    { bad "segment on a full disk: exit $rc"; grep rwpo: 3.log | tail -3; ls "$FS"; }
rm -f "$FS/fill"
cp saved.h5 "$FS/out.h5"

fill 0
fsrun 4.log run r.ini --restart auto; rc=$?
[ $rc -eq 2 ] && grep -q "error: .*No space left on device" 4.log &&
    ok "restart auto, 100% full: exit 2 (the lock file does not fit)" || { bad "100% full: exit $rc"; grep rwpo: 4.log | tail -2; }

rm -f "$FS/fill"
mount -o remount,ro "$FS"
fsrun 5.log run r.ini --restart auto; rc=$?
[ $rc -eq 2 ] && grep -q "Read-only file system" 5.log &&
    ok "restart auto on a read-only file system: exit 2" || { bad "read-only: exit $rc"; grep rwpo: 5.log | tail -2; }
mount -o remount,rw "$FS"

# with room again (a larger tmpfs), the run completes from its checkpoint
mount -o remount,size=16m "$FS"
fsrun 6.log run r.ini --set run.every=20 --restart auto; rc=$?
[ $rc -eq 0 ] && all_intact && ok "with room again: completed from the checkpoint, files intact" ||
    { bad "completion: exit $rc"; grep rwpo: 6.log | tail -3; }
finish test_fulldisk.sh
