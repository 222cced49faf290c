#!/bin/sh
# tests/run.sh BUILD [--bless] - runs every test of ward and ends with the
# line "N passed, N failed". Exit status 1 when anything failed.
#
#   unit     tests/unit/test_*.c programs (their own "N passed, N failed")
#   golden   tests/golden/errors/*.ward -> .err  (exit 2, exact stderr)
#            tests/golden/parse/*.ward  -> .ast  (ward parse --dump)
#            tests/golden/<cmd>/*.args  -> .out  (any command's stdout)
#   fmt      every policy in the repository formats idempotently
#   cli      tests/cli/t*.sh, git t/ style scripts (see tests/cli/lib.sh)
#
# --bless rewrites the golden expectations from the current output; review
# the diff before committing it.
#
# TEST_PARTS (some of "unit golden fmt cli", the default) and TEST_CLI (a
# glob of tests/cli scripts, default t*) run a part of the suite: the
# whole suite under memcheck (tests/valgrind.sh) runs in parts.
set -u

BUILD=${1:-build}
BLESS=${2:-}
WARD=$BUILD/ward
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

passed=0
failed=0
pass() { passed=$((passed + 1)); }
part() { case " ${TEST_PARTS:-unit golden fmt cli} " in *" $1 "*) ;; *) return 1 ;; esac; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# compare NAME EXPECTED_FILE ACTUAL_FILE: diff, or bless.
compare() {
    if [ "$BLESS" = "--bless" ]; then
        cp "$3" "$2"
        pass
    elif diff -u "$2" "$3" >"$TMP/diff" 2>&1; then
        pass
    else
        fail "$1"
        head -40 "$TMP/diff"
    fi
}

# --- unit -----------------------------------------------------------------
for t in "$BUILD"/tests/unit/test_*; do
    part unit || break
    [ -x "$t" ] || continue
    case $t in *.o|*.d) continue ;; esac
    name=$(basename "$t")
    "$t" >"$TMP/unit.out" 2>"$TMP/unit.err"
    rc=$?
    line=$(grep -E '^[a-z_]+: [0-9]+ passed, [0-9]+ failed$' "$TMP/unit.out" |
           tail -1)
    p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed/\1/p')
    if [ -z "$line" ] || [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
        fail "unit $name exited $rc without a result line"
        cat "$TMP/unit.err"
        continue
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    [ "$f" -eq 0 ] || { echo "FAIL: unit $name"; cat "$TMP/unit.err"; }
done

# --- golden: diagnostics ----------------------------------------------------
for w in tests/golden/errors/*.ward; do
    part golden || break
    [ -e "$w" ] || continue
    exp=${w%.ward}.err
    "$WARD" compile "$w" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -ne 2 ]; then
        fail "$w: exit $rc, expected 2"
        cat "$TMP/err"
        continue
    fi
    if [ -s "$TMP/out" ]; then
        fail "$w: wrote to stdout on error"
        continue
    fi
    [ -e "$exp" ] || [ "$BLESS" = "--bless" ] || { fail "$w: no $exp"; continue; }
    compare "$w" "$exp" "$TMP/err"
done

# --- golden: syntax trees ---------------------------------------------------
for w in tests/golden/parse/*.ward; do
    part golden || break
    [ -e "$w" ] || continue
    "$WARD" parse --dump "$w" >"$TMP/out" 2>"$TMP/err" ||
        { fail "$w: parse failed"; cat "$TMP/err"; continue; }
    compare "$w" "${w%.ward}.ast" "$TMP/out"
done

# --- golden: command output ---------------------------------------------------
for a in tests/golden/*/*.args; do
    part golden || break
    [ -e "$a" ] || continue
    exp=${a%.args}.out
    # shellcheck disable=SC2046
    eval "\"$WARD\" $(cat "$a")" >"$TMP/out" 2>&1
    echo "exit $?" >>"$TMP/out"
    compare "$a" "$exp" "$TMP/out"
done

# --- fmt idempotence over every policy of the repository --------------------
for w in $(find policies examples tests/golden/parse tests/golden/fmt \
                -name '*.ward' 2>/dev/null | sort); do
    part fmt || break
    "$WARD" parse "$w" >/dev/null 2>&1 || continue
    if ! "$WARD" fmt "$w" >"$TMP/f1.ward" 2>"$TMP/err"; then
        fail "fmt $w"; cat "$TMP/err"; continue
    fi
    "$WARD" fmt "$TMP/f1.ward" >"$TMP/f2.ward" 2>"$TMP/err"
    if ! cmp -s "$TMP/f1.ward" "$TMP/f2.ward"; then
        fail "fmt is not idempotent on $w"
        diff -u "$TMP/f1.ward" "$TMP/f2.ward" | head -20
        continue
    fi
    "$WARD" parse --dump "$w" >"$TMP/a1" 2>/dev/null
    "$WARD" parse --dump "$TMP/f1.ward" >"$TMP/a2" 2>/dev/null
    if ! cmp -s "$TMP/a1" "$TMP/a2"; then
        fail "fmt changed the meaning of $w"
        diff -u "$TMP/a1" "$TMP/a2" | head -20
        continue
    fi
    pass
done

# --- cli scripts -------------------------------------------------------------
# A sanitizer build of the runtime loads into the stock sqlite3 shell only
# with its sanitizer libraries preloaded; leaks are checked by the unit tests
# that link the runtime, not in the shell.
WARD_PRELOAD=$(ldd "$BUILD/ward.so" 2>/dev/null |
    sed -n -e 's/.*=> \(.*libasan[^ ]*\) .*/\1/p' \
        -e 's/.*=> \(.*libubsan[^ ]*\) .*/\1/p' | tr '\n' ' ')
if [ -n "$WARD_PRELOAD" ]; then
    export WARD_PRELOAD
    export ASAN_OPTIONS=detect_leaks=0
fi
for t in tests/cli/t*.sh; do
    part cli || break
    # shellcheck disable=SC2254
    case ${t#tests/cli/} in ${TEST_CLI:-t*}) ;; *) continue ;; esac
    [ -e "$t" ] || continue
    WARD="$ROOT/$WARD" BUILD="$ROOT/$BUILD" ROOT="$ROOT" \
        sh "$t" >"$TMP/cli.out" 2>&1
    p=$(grep -c '^ok ' "$TMP/cli.out")
    f=$(grep -c '^not ok ' "$TMP/cli.out")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        echo "FAIL: $t"
        grep -A15 '^not ok ' "$TMP/cli.out" | head -60
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        fail "$t ran no test"
        head -20 "$TMP/cli.out"
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
