#!/bin/sh
# Every frame verifiable (run by meson test; also by hand after a build):
#  - run files carry HDF5's Fletcher32 checksum on positions, steps, times and observables;
#    `rwpo verify` reads back every frame of a run file, its checkpoints and segments: ok lines,
#    exit 0; `rwpo info` says so;
#  - one bit flipped on disk (tests/h5flip.py) in a frame's positions or in an observable: verify
#    names the file, frame, layer and dataset (exit 1); `--restart FILE` and `FILE:LAYER` of the
#    damaged frame are refused (exit 1, one line); an intact layer of the same file restarts;
#  - `--restart auto` falls back to the newest intact source with a warning: an earlier intact
#    frame of the run file (the file continued in place: bitwise the uninterrupted run), or the
#    checkpoint when the frames down to its layer are damaged; a complete file whose last frame is
#    damaged is redone in a segment;
#  - a run file without checksums (as written before them) verifies ("no checksum") and restarts.
# Every command runs with RWPO_CHECK_HDF5_IDS=1 (no HDF5 identifier left open).
set -u
. "$(dirname "$(readlink -f "$0")")/lib.sh"
export RWPO_CHECK_HDF5_IDS=1
FLIP="/usr/bin/python3 $SRC/tests/h5flip.py"
POS=particles/cloud/position/value

restart_ini r.ini full.h5 200 4 8 100      # 60 layers: frames 0, 4, .., 60; checkpoints 56, 48
run 2 run r.ini > full.log 2>&1 && ok "reference run" || { bad "reference run"; cat full.log; }
# files of the reference run under another name (a checkpoint records no output name)
copy_run() { for s in "" .ckpt .ckpt.prev; do cp full$s.h5 $1$s.h5; done; }

# --- intact files ------------------------------------------------------------------------------
o=$("$RWPO" verify full.h5 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$o" | grep -qx "ok: full.h5 (16 frames, layers 0..60)" &&
    echo "$o" | grep -qx "ok: full.ckpt.h5 (1 frame, layers 56..56)" &&
    echo "$o" | grep -qx "ok: full.ckpt.prev.h5 (1 frame, layers 48..48)" &&
    ok "verify: the run file and both checkpoints intact (exit 0)" || bad "verify intact: $rc $o"
/usr/bin/python3 - <<'EOF' && ok "Fletcher32 on positions, steps, times, observables" || bad "checksum filters"
import h5py, sys
f = h5py.File("full.h5", "r")
names = ["particles/cloud/position/" + n for n in ("value", "step", "time")]
names += ["observables/%s/%s" % (o, n) for o in f["observables"] for n in ("value", "step", "time")]
sys.exit(0 if all(f[n].fletcher32 for n in names) else 1)
EOF
"$RWPO" info full.h5 | grep -q "^checksum: *Fletcher32" && ok "info: checksum line" || bad "info"

# --- a bit flipped in frame 15's positions -----------------------------------------------------
copy_run d
$FLIP d.h5 $POS 15,0,0 > /dev/null
o=$("$RWPO" verify d.h5 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$o" | grep -q "^damaged: d.h5: frame 15 (layer 60): /$POS: .*Fletcher32" &&
    echo "$o" | grep -qx "ok: d.ckpt.h5 (1 frame, layers 56..56)" &&
    ok "verify: damaged frame named ($(echo "$o" | head -1 | cut -c1-60)...)" || bad "verify damaged: $rc $o"
o=$(run 2 run r.ini --set run.output=x.h5 --restart d.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$o" | grep -c '^rwpo: error:')" -eq 1 ] &&
    echo "$o" | grep -q "error: cannot restart from d.h5: frame 15 (layer 60)" && [ ! -e x.h5 ] &&
    ok "--restart d.h5 (damaged last frame) refused: exit 1, one line" || bad "restart damaged: $rc $o"
o=$(run 2 run r.ini --set run.output=x.h5 --restart d.h5:60 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$o" | grep -q "error: cannot restart from d.h5: frame 15 (layer 60)" &&
    ok "--restart d.h5:60 refused" || bad "restart d.h5:60: $rc $o"
run 2 run r.ini --set run.output=x.h5 --restart d.h5:56 > x.log 2>&1 &&
    $CMP --rtol 0 full.h5 x.h5 > c.txt && ok "--restart d.h5:56 (intact frame): $(cat c.txt)" ||
    { bad "restart from the intact frame 56"; tail -3 x.log; }

# --- auto: a complete file whose last frame is damaged is redone in a segment from frame 14 ------
o=$(run 2 run r.ini --set run.output=d.h5 --restart auto 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$o" | grep -q "warning: .*using its frame 14 (layer 56), the newest intact one" &&
    [ -e d.seg1.h5 ] && $CMP --rtol 0 full.h5 d.seg1.h5 > c.txt &&
    ok "auto, complete file damaged at its end: redone from frame 14 in d.seg1.h5 ($(cat c.txt))" ||
    { bad "auto on a damaged complete file: $rc"; echo "$o" | grep rwpo: | tail -4; }

# --- auto: a running file (killed) with frame 15 damaged and no checkpoint: continued in place ---
cp full.h5 k.h5
/usr/bin/python3 - <<'EOF'     # in place (same type): as a run killed at its end leaves it
import h5py, numpy as np
a = h5py.File("k.h5", "r+")["parameters"].attrs
a.modify("status", np.array(b"running", dtype=a.get_id("status").dtype))
EOF
$FLIP k.h5 $POS 15,0,0 > /dev/null
o=$(run 2 run r.ini --set run.output=k.h5 --restart auto 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$o" | grep -q "using its frame 14 (layer 56)" && $CMP full.h5 k.h5 > c.txt &&
    "$RWPO" verify k.h5 > /dev/null &&
    ok "auto, frame 15 damaged, no checkpoint: continued from frame 14, file identical, verifies" ||
    { bad "auto from an earlier frame: $rc $(cat c.txt)"; echo "$o" | grep rwpo: | tail -4; }

# --- auto: frames 14 and 15 damaged (down to the checkpoint's layer): the checkpoint is used ----
copy_run c
$FLIP c.h5 $POS 15,0,0 > /dev/null
$FLIP c.h5 $POS 14,0,0 > /dev/null
o=$(run 2 run r.ini --set run.output=c.h5 --set run.layers=64 --restart auto 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$o" | grep -q "warning: cannot restart from c.h5: frame 15 (layer 60).*trying c.ckpt.h5" &&
    echo "$o" | grep -q "restart: layer 56 from c.ckpt.h5" &&
    ok "auto, frames down to layer 56 damaged: falls back to the checkpoint (layer 56)" ||
    { bad "auto to the checkpoint: $rc"; echo "$o" | grep rwpo: | tail -4; }

# --- an observable's chunk flipped --------------------------------------------------------------
cp full.h5 ob.h5
$FLIP ob.h5 observables/potential/value 3 > /dev/null
o=$("$RWPO" verify ob.h5 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$o" | grep -q "^damaged: ob.h5: frame 0 (layer 0): /observables/potential/value: rows 0..15 unreadable" &&
    ok "verify: damaged observable named" || bad "verify observable: $rc $o"

# --- a run file without checksums (as written before them) -------------------------------------
/usr/bin/python3 - <<'EOF' || bad "strip checksums"
import h5py
src, dst = h5py.File("full.h5", "r"), h5py.File("old.h5", "w", track_order=True)
def copy(g, h):
    for k, v in g.attrs.items():
        h.attrs.create(k, v, dtype=g.attrs.get_id(k).dtype)
    for name, obj in g.items():
        if isinstance(obj, h5py.Dataset):
            kw = dict(chunks=obj.chunks, maxshape=obj.maxshape) if obj.chunks else {}
            d = h.create_dataset(name, data=obj[()], dtype=obj.dtype, **kw)
            for k, v in obj.attrs.items():
                d.attrs[k] = v
        else:
            copy(obj, h.create_group(name, track_order=True))
copy(src, dst)
EOF
o=$("$RWPO" verify old.h5 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$o" | grep -qx "ok: old.h5 (16 frames, layers 0..60; no checksum: read back only)" &&
    "$RWPO" info old.h5 | grep -q "^checksum: *none" &&
    ok "a file without checksums verifies (no checksum) and info says so" || bad "old file: $rc $o"
o=$(run 2 run r.ini --set run.output=o2.h5 --restart old.h5:56 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$o" | grep -q "old.h5 has no checksum" && $CMP --rtol 0 full.h5 o2.h5 > c.txt &&
    ok "a file without checksums restarts ($(cat c.txt))" ||
    { bad "old file restart: $rc"; echo "$o" | grep rwpo: | tail -3; }

finish test_verify.sh
