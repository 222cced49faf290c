#!/bin/sh
# tests/valgrind/quick.sh BUILD - a quick memcheck over the C code (make
# valgrind-quick; tests/valgrind.sh runs the whole suite under memcheck).
#
# Minutes instead of hours: what reaches every C file under memcheck:
# every unit test program (the property test at WARD_PROP_N statements,
# default 2000), the command line on every shipped policy and its corpus
# (compile for both targets, check, explain, matrix, fmt, parse) and the
# SQLite runtime (ward.so) loaded by the sqlite3 shell through the demo's
# steps: sessions, masked reads, writes, an approval and the audit. A
# definite leak, an invalid read or write, or a use of uninitialised
# memory fails it. Ends with "N passed, N failed" like tests/run.sh.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-vg.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
VG="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --suppressions=$ROOT/tests/valgrind/ward.supp"
passed=0
failed=0
# vg NAME CMD...: CMD under memcheck; a memcheck error (exit 99) fails it,
# the command's own status is the caller's to judge (some must fail).
vg() {
    name=$1
    shift
    $VG "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ $rc -eq 99 ] || grep -q '^==[0-9]*== ' "$TMP/err"; then
        failed=$((failed + 1))
        echo "FAIL: $name"
        sed -n '1,40p' "$TMP/err"
    else
        passed=$((passed + 1))
    fi
    return 0
}

for t in "$BUILD"/tests/unit/test_*; do
    case $t in *.o | *.d) continue ;; esac
    WARD_PROP_N=${WARD_PROP_N:-2000} vg "unit $(basename "$t")" "$t"
done

W=$BUILD/ward
for p in policies/*.ward; do
    n=$(basename "$p" .ward)
    vg "parse $n" "$W" parse --dump "$p"
    vg "fmt $n" "$W" fmt --check "$p"
    vg "compile sqlite $n" "$W" compile "$p" -o "$TMP/$n.sql"
    vg "compile postgres $n" "$W" compile "$p" --target postgres -o "$TMP/$n.pg.sql"
    vg "check $n" "$W" check "$p" --min-coverage 100
    vg "matrix $n" "$W" matrix "$p"
done
vg "explain" "$W" explain policies/gsp_pharmacy.ward --role cs_agent --attr store_id=7 customers.phone
# Every malformed policy of the golden tests: the error paths.
for e in tests/golden/errors/*.ward; do
    vg "error $(basename "$e")" "$W" compile "$e" --no-check -o "$TMP/x.sql"
done

# The SQLite runtime in the sqlite3 shell: the running example's database,
# a session per role, reads, writes and an approval.
"$BUILD/examples/demo_data" "$TMP/demo.db" 200 >/dev/null 2>&1 &&
    sqlite3 "$TMP/demo.db" ".read $TMP/gsp_pharmacy.sql" >/dev/null 2>&1
as() {
    role=$1 user=$2
    shift 2
    vg "sqlite3 $role: $*" sqlite3 "$TMP/demo.db" ".load $BUILD/ward" \
        "SELECT ward_session('$role', '$user', NULL, NULL)" "$@"
}
as cs_agent a01 "SELECT * FROM customers LIMIT 5" "SELECT count(*) FROM customers"
as cs_supervisor s01 "SELECT ward_request('export_customers', 'vg')"
as compliance c01 "SELECT ward_approve(1)"
as cs_supervisor s01 "SELECT count(*) FROM ward_export_customers"
as cs_agent a01 "UPDATE customers SET phone = '13800000000' WHERE id = 1"
as cs_agent a01 "SELECT * FROM main.customers"
vg "audit verify" "$W" audit verify "$TMP/demo.db"
# A keyed mask fetches OpenSSL's algorithms; the shell unloads ward.so when
# it closes the database, which must release them (a leak on every load).
WARD_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
    vg "sqlite3 keyed masks" sqlite3 :memory: ".load $BUILD/ward" \
    "SELECT ward_hash('x'), ward_hmac('x', 'c'), ward_encrypt('x', 'c')"
vg "verify" "$W" verify "$TMP/demo.db"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
