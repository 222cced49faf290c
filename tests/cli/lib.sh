# tests/cli/lib.sh - a small git t/-style harness for ward's CLI tests.
#
# A script sources this file, then calls
#     test_expect_success 'what it shows' 'commands chained with &&'
# once per behaviour. Each runs in a fresh scratch directory ($SCRATCH) and
# prints "ok N - what" or "not ok N - what" followed by its output.
# $WARD is the binary under test and $ROOT the repository.

test_count=0
SCRATCH_BASE=$(mktemp -d "${TMPDIR:-/tmp}/ward-cli.XXXXXX")
trap 'rm -rf "$SCRATCH_BASE"' EXIT INT TERM

test_expect_success() {
    test_count=$((test_count + 1))
    SCRATCH=$SCRATCH_BASE/$test_count
    mkdir -p "$SCRATCH"
    if (cd "$SCRATCH" && eval "$2") >"$SCRATCH_BASE/log" 2>&1; then
        echo "ok $test_count - $1"
    else
        echo "not ok $test_count - $1"
        sed 's/^/    /' "$SCRATCH_BASE/log"
    fi
}

# expect_exit CODE CMD...: runs CMD and checks its exit status.
expect_exit() {
    want=$1
    shift
    "$@"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "expected exit $want, got $got: $*"
        return 1
    fi
}

# contains FILE TEXT: the file holds the fixed string.
contains() {
    grep -F -- "$2" "$1" >/dev/null || { echo "'$1' lacks: $2"; cat "$1"; return 1; }
}
