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

# test_expect_success_plain TITLE BODY: a test whose cost is the server's,
# not ward's (mutants compiled and run on PostgreSQL, say): run in the plain
# pass only. Under the sanitizers (tests/run.sh sets WARD_PRELOAD) it is
# reported as skipped, which counts as neither passed nor failed, and the
# plain pass of the same suite runs it.
test_expect_success_plain() {
    if [ -n "${WARD_PRELOAD:-}" ]; then
        test_count=$((test_count + 1))
        echo "skip $test_count - $1 (server-bound: run by the plain pass)"
        return 0
    fi
    test_expect_success "$@"
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

# sq DB ARGS...: the stock sqlite3 shell on DB with the runtime loaded,
# stopping at the first error. A sanitizer build of the runtime needs its
# sanitizer libraries preloaded into the (uninstrumented) shell.
sq() {
    db=$1
    shift
    LD_PRELOAD="${WARD_PRELOAD:-}" sqlite3 -bail "$db" ".load $BUILD/ward" "$@"
}

# sq_plain DB ARGS...: the shell without the runtime (a DBA's session).
sq_plain() {
    db=$1
    shift
    sqlite3 -bail "$db" "$@"
}

# sql_str S: S as an SQL string literal, or NULL for "-".
sql_str() {
    if [ "$1" = - ]; then echo NULL; else printf "'%s'" "$(printf %s "$1" | sed "s/'/''/g")"; fi
}

# sq_as DB ROLES USER SCENARIO ATTRS ARGS...: sq in a session. The four
# session values are plain text, "-" for NULL. Test bodies that need SQL
# quotes are written as shell functions (test_expect_success 'x' t_name).
sq_as() {
    db=$1
    session="SELECT ward_session($(sql_str "$2"), $(sql_str "$3"), $(sql_str "$4"), $(sql_str "$5"))"
    shift 5
    sq "$db" ".output /dev/null" "$session" ".output stdout" "$@"
}

# mkdb DB [POLICY]: the running example's customers (two rows) with the
# compiled POLICY (default: the GSP pharmacy policy) applied.
mkdb() {
    sq_plain "$1" "CREATE TABLE customers (id integer primary key, name text,
        phone text, id_card text, medication text, store_id integer,
        owner text);
        INSERT INTO customers VALUES
        (1, '张三丰', '13812345678', '110101199003071234', 'metformin', 7, 'r01'),
        (2, '李四', '13998765432', '11010119900307123X', 'insulin', 8, 'r02');" &&
    "$WARD" compile "${2:-$ROOT/policies/gsp_pharmacy.ward}" -o "$1.sql" &&
    sq_plain "$1" ".read $1.sql"
}
