#!/bin/sh
# tests/valgrind.sh BUILD - the whole test suite (tests/run.sh: unit,
# golden, fmt, cli) under valgrind's memcheck (make valgrind).
#
# Every program of ward the suite starts runs under memcheck
# (tests/valgrind/memcheck): every unit test program, every ward command
# (the suite's $WARD, and $BUILD/ward wherever a script or a benchmark
# starts it), and every sqlite3 shell that loads the SQLite runtime
# (ward.so). The suite runs on a mirror of BUILD,
# $BUILD/valgrind/build: the same files (symbolic links) except ward and
# the unit test programs, which are small scripts that exec memcheck on the
# real ones; a directory with such a script for sqlite3 (and a timeout
# that allows for memcheck's slowness) goes first in PATH.
# Not under memcheck: the PostgreSQL server and the runtime's C library it
# loads (ward_pg.so), psql, the examples' data generator and the benchmark
# programs themselves (the ward they start is).
#
# Each process logs to $BUILD/valgrind/logs/vg.PID. At the end a log with
# an error (an invalid read or write, a use of uninitialised memory, a bad
# free) or a definite leak fails the run, listed with its command line;
# the logs of clean processes are removed, the others kept. A process
# killed by a test (SIGKILL) leaves a log without a summary: counted, not
# failed. The suite's own verdict counts too. Ends with the suite's
# "N passed, N failed" and the line "memcheck: ...".
#
#   VG_QUICK=1   the quick subset instead (tests/valgrind/quick.sh)
#   VG_PARTS     some of "unit golden fmt cli" (default: all four, or only
#                cli when VG_TESTS is set)
#   VG_TESTS     a glob of tests/cli scripts, e.g. 't00[0-2]*': a long run
#                in parts, each with its own verdict
#   VG_DIR       the run's directory (default $BUILD/valgrind), to run
#                parts at once (e.g. $BUILD/valgrind-cli)
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
[ "${VG_QUICK:-}" = 1 ] && exec sh tests/valgrind/quick.sh "$BUILD"
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 2; }
SQLITE3=$(command -v sqlite3) || { echo "sqlite3: not installed" >&2; exit 2; }
case $BUILD:${VG_DIR:-} in
/* | *:/*) echo "tests/valgrind.sh: BUILD and VG_DIR are relative to the repository" >&2; exit 2 ;;
esac
[ -x "$BUILD/ward" ] || { echo "$BUILD/ward: not built (make valgrind builds it)" >&2; exit 2; }

REAL=$ROOT/$BUILD
VG=${VG_DIR:-$BUILD/valgrind}
LOGS=$ROOT/$VG/logs
MIRROR=$ROOT/$VG/build
MEMCHECK=$ROOT/tests/valgrind/memcheck
rm -rf "$VG"
SEEN=$ROOT/$VG/seen
mkdir -p "$VG/bin" "$MIRROR/tests/unit" "$MIRROR/bench" "$LOGS" "$SEEN" || exit 2
# Some tests run ward as an unprivileged user (tests/cli/t0042).
chmod 1777 "$LOGS" "$SEEN"

# shim FILE PROGRAM [VAR=VALUE]: FILE runs PROGRAM under memcheck. The log
# directory is written into it: an environment does not survive runuser.
shim() {
    printf '#!/bin/sh\n# %s under memcheck (tests/valgrind.sh)\n%s WARD_VG_LOGS=%s exec %s %s "$@"\n' \
        "$2" "${3:-}" "'$LOGS'" "'$MEMCHECK'" "'$2'" >"$1" && chmod 755 "$1"
}

for f in "$REAL"/* "$REAL"/.[!.]*; do
    [ -e "$f" ] || continue
    case ${f##*/} in valgrind* | ward | tests | bench) continue ;; esac
    ln -s "$f" "$MIRROR/${f##*/}"
done
# A compile or check identical to one already checked runs natively
# (tests/valgrind/memcheck), unless VG_EVERY=1.
if [ "${VG_EVERY:-}" = 1 ]; then
    shim "$MIRROR/ward" "$REAL/ward"
else
    shim "$MIRROR/ward" "$REAL/ward" "WARD_VG_SEEN='$SEEN'"
fi
for t in "$REAL"/tests/unit/test_*; do
    case $t in *.o | *.d) continue ;; esac
    [ -x "$t" ] && shim "$MIRROR/tests/unit/${t##*/}" "$t"
done
# bench_compile starts the ward beside it (argv[0]/../ward): the mirror's.
for f in "$REAL"/bench/*; do
    [ -e "$f" ] && ln -s "$f" "$MIRROR/bench/${f##*/}"
done
# sqlite3 under memcheck where it loads the runtime: an argument says
# .load, or the SQL comes on standard input (no SQL argument after the
# database); a DBA's shell without the runtime (the SQL as arguments, none
# loading it) runs natively.
shim "$VG/bin/sqlite3.memcheck" "$SQLITE3"
cat >"$VG/bin/sqlite3" <<EOF
#!/bin/sh
# sqlite3 under memcheck where it loads ward.so (tests/valgrind.sh)
n=0
for a in "\$@"; do
    case \$a in
    *.load*) exec '$ROOT/$VG/bin/sqlite3.memcheck' "\$@" ;;
    -*) ;;
    *) n=\$((n + 1)) ;;
    esac
done
[ \$n -ge 2 ] && exec '$SQLITE3' "\$@"
exec '$ROOT/$VG/bin/sqlite3.memcheck' "\$@"
EOF
# timeout: the limits tests give ward (tests/cli/t0038) are for its native
# speed; memcheck is 20 to 50 times slower, so a duration given as a number
# of seconds is multiplied by VG_SLOW (default 20).
TIMEOUT=$(command -v timeout)
cat >"$VG/bin/timeout" <<EOF
#!/bin/sh
# timeout, its duration times ${VG_SLOW:-20} (tests/valgrind.sh)
case \${1:-} in
*[!0-9]* | '') ;;
*) d=\$((\$1 * ${VG_SLOW:-20})); shift; set -- "\$d" "\$@" ;;
esac
exec '$TIMEOUT' "\$@"
EOF
chmod 755 "$VG/bin/sqlite3" "$VG/bin/timeout"

parts=${VG_PARTS:-unit golden fmt cli}
[ -n "${VG_TESTS:-}" ] && parts=${VG_PARTS:-cli}
echo "memcheck over tests/run.sh: $parts${VG_TESTS:+ ($VG_TESTS)}"
start=$(date +%s)
{
    PATH="$ROOT/$VG/bin:$PATH" TEST_PARTS=$parts TEST_CLI=${VG_TESTS:-t*} \
        sh tests/run.sh "$VG/build"
    echo $? >"$VG/suite.rc"
} | tee "$VG/suite.out"
suite_rc=$(cat "$VG/suite.rc")
took=$(($(date +%s) - start))

# The verdict of every process's log.
total=0
clean=0
killed=0
bad=0
for l in "$LOGS"/vg.*; do
    [ -e "$l" ] || continue
    total=$((total + 1))
    if grep -q '^==[0-9]*== ERROR SUMMARY: [1-9]' "$l" ||
        grep -q '^==[0-9]*== Process terminating with default action of signal [0-9]* (SIG\(SEGV\|BUS\|ILL\|FPE\|ABRT\))' "$l"; then
        bad=$((bad + 1))
        echo "MEMCHECK: $(sed -n 's/^==[0-9]*== Command: //p' "$l")"
        echo "    log: $l"
        grep -v -e '^==[0-9]*== *$' -e 'Memcheck, a memory' -e 'Copyright (C)' \
            -e 'Using Valgrind' -e 'Command: ' -e 'Parent PID' "$l" | sed -n '1,40p'
    elif grep -q '^==[0-9]*== ERROR SUMMARY: 0 ' "$l"; then
        clean=$((clean + 1))
        rm -f "$l"
    else
        killed=$((killed + 1))
    fi
done
echo "memcheck: $total processes, $clean clean, $killed ended without a summary (killed), $bad with errors; $((took / 60)) min $((took % 60)) s"
[ "$suite_rc" = 0 ] && [ "$bad" -eq 0 ]
