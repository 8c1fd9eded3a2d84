#!/bin/sh
# Fuzz the configuration parser, the schedule and sweep parsers and the HDF5 readers with
# libFuzzer (README, "Fuzzing"): build the targets with clang (AddressSanitizer, UBSan, coverage),
# replay every input in tests/fuzz/regressions/<target>/, then fuzz each target for a while
# starting from tests/fuzz/corpus/<target>/.
#
#   tests/fuzz/run.sh [TARGET ...]        targets: config sweep h5_input h5_probe (default: all)
#
#   RWPO_FUZZ_TIME=S     seconds of fuzzing per target (default 15; 0: only the regressions)
#   RWPO_FUZZ_DIR=DIR    build directory (default build-fuzz); the growing working corpus is kept
#                        in DIR/fuzz-corpus/<target>, findings in DIR/fuzz-findings/<target>
#   RWPO_FUZZ_STRICT=1   also fail on crashes inside HDF5 or Open MPI themselves (see below)
#
# Exit status: 0 nothing found; 1 a finding (a crash, sanitizer report, failed check, leak,
# timeout or runaway allocation in rwpo's code, or a regression input that still fails; each is
# named with its target and reproducer file), or the fuzz build failed; 77 skipped: clang with
# libFuzzer is missing and cannot be installed (installing needs root, as jobs/setup.sh).
#
# Crashes whose failing frame lies inside libhdf5 or Open MPI, on memory those libraries own
# (a damaged file breaking HDF5's own decoder), are reported as library findings but do not
# fail the run: rwpo cannot fix them. RWPO_FUZZ_STRICT=1 counts them too.
#
# Sanitizers: ASan + UBSan (halt on the first report). Leak checking (LeakSanitizer) is on for
# the text targets with the suppressions of tests/fuzz/lsan.supp (Open MPI and HDF5 internals
# only) and off for the HDF5 targets: Open MPI's MPI-IO components and HDF5 lose small blocks
# on every file open, in plugins whose stacks LeakSanitizer cannot attribute.
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
ALL_TARGETS="config sweep h5_input h5_probe"
TARGETS=${*:-$ALL_TARGETS}
TIME=${RWPO_FUZZ_TIME:-15}
B=${RWPO_FUZZ_DIR:-build-fuzz}
STRICT=${RWPO_FUZZ_STRICT:-0}

say() { echo "fuzz: $*"; }
for t in $TARGETS; do
    case " $ALL_TARGETS " in *" $t "*) ;; *) say "unknown target '$t' (targets: $ALL_TARGETS)"; exit 1 ;; esac
done

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/rwpo-fuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$SCRATCH"' EXIT INT TERM

# ---- clang with libFuzzer -------------------------------------------------------------------
libfuzzer_works() {
    command -v clang >/dev/null 2>&1 || return 1
    printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ return (int)(d && n) * 0; }\n' \
        >"$SCRATCH/probe.c"
    clang -fsanitize=fuzzer,address,undefined "$SCRATCH/probe.c" -o "$SCRATCH/probe" \
        >"$SCRATCH/probe.log" 2>&1
}
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$@" >"$SCRATCH/apt.log" 2>&1 || {
        apt-get update -q >>"$SCRATCH/apt.log" 2>&1
        apt-get install -y -q --no-install-recommends "$@" >>"$SCRATCH/apt.log" 2>&1
    }
}
V=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
symbolizer() { # llvm-symbolizer of clang's version (readable stacks; the llvm-N package)
    for s in "/usr/lib/llvm-$V/bin/llvm-symbolizer" "$(command -v llvm-symbolizer)"; do
        [ -n "$s" ] && [ -x "$s" ] && { echo "$s"; return 0; }
    done
    return 1
}
if ! libfuzzer_works || ! symbolizer >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        if ! libfuzzer_works; then
            say "SKIP: clang with libFuzzer not found (Debian 12: sudo apt-get install clang libclang-rt-14-dev llvm-14)"
            exit 77
        fi
        say "llvm-symbolizer not found: stacks will show addresses (Debian 12: apt-get install llvm-14)"
    else
        command -v clang >/dev/null 2>&1 || { say "installing clang"; apt_install clang; }
        V=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
        # libFuzzer ships with the compiler-rt of clang's version: libclang-rt-N-dev (Debian 12),
        # libclang-common-N-dev in older releases; llvm-symbolizer is in llvm-N
        pkgs=""
        if ! libfuzzer_works; then
            for p in "libclang-rt-$V-dev" "libclang-common-$V-dev"; do
                apt-cache show "$p" >/dev/null 2>&1 && { pkgs="$p"; break; }
            done
        fi
        symbolizer >/dev/null || pkgs="$pkgs llvm-$V"
        if [ -n "$pkgs" ]; then
            say "installing$(printf ' %s' $pkgs)"
            # shellcheck disable=SC2086
            apt_install $pkgs || true
        fi
        if ! libfuzzer_works; then
            tail -5 "$SCRATCH/apt.log" 2>/dev/null
            tail -5 "$SCRATCH/probe.log" 2>/dev/null
            say "SKIP: could not set up clang ${V:-?} with libFuzzer (packages clang, libclang-rt-${V:-N}-dev)"
            exit 77
        fi
    fi
fi
SYMBOLIZER=$(symbolizer) && export ASAN_SYMBOLIZER_PATH="$SYMBOLIZER"

# ---- build ------------------------------------------------------------------------------------
if [ ! -f "$B/build.ninja" ]; then
    CC=clang meson setup "$B" -Dfuzz=true -Dtests=disabled -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debugoptimized -Dnative=false >"$SCRATCH/meson.log" 2>&1 || {
        tail -30 "$SCRATCH/meson.log"; say "FAIL: meson setup of the fuzz build $B failed (dependencies: jobs/setup.sh)"; exit 1; }
fi
exes=""
for t in $TARGETS; do exes="$exes tests/fuzz/fuzz_$t"; done
# shellcheck disable=SC2086
ninja -C "$B" $exes >"$SCRATCH/ninja.log" 2>&1 || {
    grep -E 'error|FAILED' "$SCRATCH/ninja.log" | head -30; say "FAIL: building the fuzz targets failed"; exit 1; }

# ---- environment ------------------------------------------------------------------------------
# scratch files of the targets (and Open MPI's session directory) in memory when possible
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TMPDIR=$(mktemp -d /dev/shm/rwpo-fuzz.XXXXXX) || exit 1
    trap 'rm -rf "$SCRATCH" "$TMPDIR"' EXIT INT TERM
else
    TMPDIR=$SCRATCH
fi
export TMPDIR
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_io_ompio_bytes_per_agg=1048576
export OPENBLAS_NUM_THREADS=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS="suppressions=$ROOT/tests/fuzz/lsan.supp:print_suppressions=0"
set_asan() { # $1: the target
    case $1 in
    h5_*) ASAN_OPTIONS=abort_on_error=1:allocator_may_return_null=1:detect_leaks=0 ;;
    *) ASAN_OPTIONS=abort_on_error=1:allocator_may_return_null=1:detect_leaks=1:leak_check_at_exit=0 ;;
    esac
    export ASAN_OPTIONS
}
# libFuzzer options of a target
opts() {
    case $1 in
    h5_*) echo "-max_len=16384 -dict=$ROOT/tests/fuzz/h5.dict -detect_leaks=0" ;;
    *) echo "-max_len=2048 -len_control=0 -dict=$ROOT/tests/fuzz/config.dict" ;;
    esac
}
LIMITS="-timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=1024"

# ---- classifying a report ---------------------------------------------------------------------
# Prints "rwpo" or "library" for the sanitizer/libFuzzer report in $1: "library" when the first
# frame outside the sanitizer runtime, libFuzzer, libc and h5_guard.c lies in libhdf5 or Open MPI
# and the memory involved was not allocated or freed by rwpo's code.
classify() {
    awk -v strict="$STRICT" '
        function runtime(l) {
            return l ~ /__sanitizer|__asan|__ubsan|__lsan|__interceptor_|fuzzer::|in (malloc|calloc|realloc|free|abort|raise|gsignal|memcpy|memmove|memset|strdup|strlen) |libc\.so|sysdeps\/|__mem(cpy|move|set)_|__libc_start|_start |__wrap_H5|h5_guard\.c/
        }
        function lib(l) { return l ~ /libhdf5|libmpi\.so|libopen-pal|libopen-rte|libpmix|openmpi\/lib|mca_/ }
        /==fuzz== check failed|LeakSanitizer: detected/ { verdict = "rwpo" }
        /^ *#[0-9]+ / {
            if (!inblock) { inblock = 1; block++; first = "" }
            if (first == "" && !runtime($0)) first = $0
            next
        }
        { if (inblock) { inblock = 0; firsts[block] = first } }
        /allocated by thread|freed by thread|previously allocated by/ { owner[block + 1] = 1 }
        END {
            if (inblock) firsts[block] = first
            if (verdict != "") { print verdict; exit }
            if (block == 0) { print "rwpo"; exit }
            if (!lib(firsts[1])) { print "rwpo"; exit }
            for (b = 2; b <= block; b++)
                if (owner[b] && firsts[b] != "" && !lib(firsts[b])) { print "rwpo"; exit }
            print (strict == "1" ? "rwpo" : "library")
        }' "$1"
}
# the one-line summary of a report
summary() {
    s=$(grep -m1 -E '==fuzz== check failed|^SUMMARY:|ERROR: libFuzzer:' "$1" | cut -c1-300)
    [ -n "$s" ] || s=$(grep -m1 -E 'ERROR|Assertion|runtime error' "$1" | cut -c1-300)
    echo "${s:-(no sanitizer summary; see the log)}"
}
# the first frames in rwpo's code (or the first frames at all)
frames() {
    awk '/^ *#[0-9]+ / && !/__sanitizer|__asan|fuzzer::|__interceptor_|libc\.so|_start/ { print; n++ }
         n >= 6 { exit }' "$1" | sed 's/ (BuildId: [0-9a-f]*)//; s/^ */      /' | cut -c1-200
}
findings=0
lib_findings=0
# report LOG REPRODUCER TARGET WHAT: print one finding; counts it (and prints a new reproducer
# in base64, for CI logs)
report() {
    kind=$(classify "$1")
    if [ "$kind" = library ]; then
        lib_findings=$((lib_findings + 1))
        say "LIBRARY FINDING in target $3 ($4; inside HDF5/Open MPI, not counted): reproducer $2"
    else
        findings=$((findings + 1))
        say "FINDING in target $3 ($4): reproducer $2"
    fi
    echo "      $(summary "$1")"
    frames "$1"
    echo "      replay: $(set_asan "$3"; echo "ASAN_OPTIONS=$ASAN_OPTIONS") $B/tests/fuzz/fuzz_$3 $2"
    if [ "$kind" != library ] && [ "${2#tests/fuzz/regressions/}" = "$2" ] &&
        [ "$(wc -c <"$2")" -le 4096 ]; then
        echo "      reproducer (base64):"
        base64 "$2" | sed 's/^/        /'
    fi
}

# ---- regressions, then fuzzing ----------------------------------------------------------------
start=$(date +%s)
for t in $TARGETS; do
    exe="$B/tests/fuzz/fuzz_$t"
    set_asan "$t"
    # shellcheck disable=SC2046
    set -- $(opts "$t")
    n_reg=0
    for f in tests/fuzz/regressions/"$t"/*; do
        [ -f "$f" ] || continue
        case $(basename "$f") in README* | *.md | *.txt) continue ;; esac
        n_reg=$((n_reg + 1))
        # shellcheck disable=SC2086
        if ! "$exe" "$@" $LIMITS "$f" >"$SCRATCH/replay.log" 2>&1; then
            report "$SCRATCH/replay.log" "$f" "$t" "regression input still fails"
        fi
    done
    [ "$n_reg" -gt 0 ] && say "$t: replayed $n_reg regression input(s)"
    [ "$TIME" -gt 0 ] || continue

    work="$B/fuzz-corpus/$t"
    art="$B/fuzz-findings/$t"
    rm -rf "$art"
    mkdir -p "$work" "$art"
    log="$B/fuzz-findings/$t.log"
    : >"$log"
    # A crash ends a libFuzzer session (its input is kept in $art): start another one for the
    # rest of the time, so that one bug does not hide the next (at most 20 sessions).
    t0=$(date +%s)
    runs=0
    sessions=0
    rc=0
    kept_before=0
    while [ "$sessions" -lt 20 ]; do
        left=$((TIME - ($(date +%s) - t0)))
        [ "$left" -ge 2 ] || break
        sessions=$((sessions + 1))
        # shellcheck disable=SC2086
        "$exe" "$@" $LIMITS -max_total_time="$left" -artifact_prefix="$art/" \
            "$work" "tests/fuzz/corpus/$t" >"$SCRATCH/session.log" 2>&1
        rc=$?
        cat "$SCRATCH/session.log" >>"$log"
        n=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$SCRATCH/session.log")
        [ -n "$n" ] || n=$(grep -E '^#[0-9]+[[:space:]]' "$SCRATCH/session.log" | tail -1 |
                           sed 's/^#\([0-9]*\).*/\1/')
        runs=$((runs + ${n:-0}))
        [ "$rc" -eq 0 ] && break
        kept=$(ls "$art" | wc -l)
        # failed without a new reproducer (none: reported below; the same: it crashes at once)
        [ "$kept" -gt "${kept_before:-0}" ] || break
        kept_before=$kept
    done
    t1=$(date +%s)
    # the coverage of the resulting corpus (all its inputs run once)
    # shellcheck disable=SC2086
    "$exe" "$@" -runs=0 $LIMITS "$work" "tests/fuzz/corpus/$t" >"$SCRATCH/cov.log" 2>&1
    cov=$(grep -m1 -E 'INITED cov:' "$SCRATCH/cov.log" | sed 's/.*cov: \([0-9]*\).*/\1/')
    total=$(grep -m1 -E 'inline 8-bit counters' "$SCRATCH/cov.log" | sed 's/.*(\([0-9]*\) inline.*/\1/')
    ncorp=$(find "$work" -type f | wc -l)
    secs=$((t1 - t0))
    say "$t: $runs runs in $secs s ($((runs / (secs > 0 ? secs : 1)))/s, $sessions session(s)), coverage ${cov:-?} of ${total:-?} edges, working corpus $ncorp inputs ($work)"
    if [ "$rc" -ne 0 ] && ! ls "$art" | grep -q .; then
        findings=$((findings + 1))
        say "FINDING in target $t: libFuzzer exited with status $rc without a reproducer; log $log"
        grep -E 'ERROR|SUMMARY' "$log" | head -5
    fi
    # replay each reproducer (at most 10 per target) to classify and report it
    n=0
    for f in "$art"/*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        if [ "$n" -gt 10 ]; then
            say "$t: more reproducers in $art (not replayed)"
            break
        fi
        # shellcheck disable=SC2086
        if "$exe" "$@" $LIMITS "$f" >"$SCRATCH/replay.log" 2>&1; then
            say "$t: $f did not fail again on replay (flaky; kept)"
            continue
        fi
        cp "$SCRATCH/replay.log" "$f.log"
        report "$SCRATCH/replay.log" "$f" "$t" "$(basename "$f" | cut -d- -f1)"
    done
done
end=$(date +%s)
say "done in $((end - start)) s: $findings finding(s) in rwpo, $lib_findings in HDF5/Open MPI"
if [ "$findings" -gt 0 ]; then
    say "a reproducer goes to tests/fuzz/regressions/<target>/ once the bug is understood"
    exit 1
fi
exit 0
