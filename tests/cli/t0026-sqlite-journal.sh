#!/bin/sh
# SQLite target, the audit journal: on a database file a session's read
# records and write attempts go to a journal file of its connection first,
# and are folded into the chained log in batches, at session boundaries,
# when the connection closes, or by `ward audit fold` for processes that
# ended without closing. No record is lost when the process is killed.
. "$ROOT/tests/cli/lib.sh"

# killed DB SQL...: a locked cs_agent session runs SQL, then the process
# kills itself (SIGKILL: no close, no clean-up).
killed() {
    db=$1
    shift
    LD_PRELOAD="${WARD_PRELOAD:-}" sqlite3 "$db" ".load $BUILD/ward" \
        ".output /dev/null" "SELECT ward_session('cs_agent', 'a01', NULL, NULL)" \
        "SELECT ward_lock()" ".output stdout" "$@" '.system kill -9 $PPID'
}

journals() {
    ls db-wardlog-* 2>/dev/null | wc -l | tr -d ' '
}

t_killed() {
    mkdb db &&
    { killed db "SELECT phone FROM customers WHERE id = 1" \
          "UPDATE customers SET id_card = 'x' WHERE id = 1" >out 2>&1; true; } &&
    contains out '138****5678' &&
    test "$(journals)" = 1 &&
    sq_plain db "SELECT count(*) FROM ward_audit" >n && echo 0 >want && cmp want n &&
    "$WARD" audit verify db 2>err >/dev/null &&
    contains err 'audit journal next to db holds records not yet in the log' &&
    "$WARD" audit fold db >out &&
    contains out 'folded: 1 journal of ended processes' &&
    test "$(journals)" = 0 &&
    sq_plain db "SELECT user, op, columns, quote(detail) FROM ward_audit ORDER BY seq" >out &&
    printf "%s\n" "a01|read|phone|NULL" "a01|update||'refused [write-denied]'" >want &&
    cmp want out &&
    "$WARD" audit verify db >/dev/null 2>err && test ! -s err
}
test_expect_success 'records of a killed process survive in its journal; audit fold adds them' t_killed

t_next_session() {
    mkdb db &&
    { killed db "SELECT phone FROM customers" >/dev/null 2>&1; true; } &&
    test "$(journals)" = 1 &&
    sq_as db pharmacist p01 - - "SELECT medication FROM customers WHERE id = 1" >/dev/null &&
    test "$(journals)" = 0 &&
    sq_plain db "SELECT user, columns, nrows FROM ward_audit ORDER BY seq" >out &&
    printf "%s\n" "a01|phone|2" "p01|medication|1" >want && cmp want out &&
    "$WARD" audit verify db >/dev/null
}
test_expect_success 'the next session on the database folds what a dead process left' t_next_session

t_batches() {
    mkdb db &&
    for i in $(seq 1 150); do echo "SELECT phone FROM customers WHERE id = 1;"; done >reads.sql &&
    sq_as db cs_agent a01 - - ".read reads.sql" >/dev/null &&
    test "$(journals)" = 0 &&
    sq_plain db "SELECT count(*), sum(nrows) FROM ward_audit WHERE op = 'read'" >out &&
    echo '150|150' >want && cmp want out &&
    "$WARD" audit verify db >out && contains out 'intact: 150 rows'
}
test_expect_success 'many statements: one record each, folded in batches, chain intact' t_batches

t_modes() {
    for mode in DELETE WAL; do
        rm -f db db-* &&
        mkdb db && sq_plain db "PRAGMA journal_mode = $mode" >/dev/null &&
        for i in $(seq 1 100); do echo "SELECT phone FROM customers WHERE id = 2;"; done >reads.sql &&
        sq_plain db "PRAGMA journal_mode" | grep -qix "$mode" &&
        sq_as db cs_agent a01 - - ".read reads.sql" >/dev/null &&
        sq_plain db "SELECT count(*) FROM ward_audit" >n && echo 100 >want && cmp want n ||
        return 1
    done
}
test_expect_success 'folds succeed in rollback-journal and WAL mode alike' t_modes

t_rollback() {
    mkdb db &&
    sq_as db cs_agent a01 - - "BEGIN" "SELECT phone FROM customers" \
        "UPDATE customers SET phone = '13700000000' WHERE id = 1" "ROLLBACK" >/dev/null &&
    sq_plain db "SELECT op, columns FROM ward_audit ORDER BY seq" >out &&
    printf "%s\n" "read|phone" "update|phone" >want && cmp want out &&
    sq_plain db "SELECT phone FROM customers WHERE id = 1" >out &&
    echo 13812345678 >want && cmp want out
}
test_expect_success 'a rolled-back transaction keeps its read and write-attempt records' t_rollback

t_changes() {
    mkdb db &&
    sq_as db cs_agent a01 - - "UPDATE customers SET name = 'x' WHERE id > 0" \
        "SELECT phone FROM customers" "SELECT changes()" >out &&
    tail -1 out | grep -qx 2
}
test_expect_success 'changes() after a SELECT still counts the last write, not a record' t_changes

t_fold_usage() {
    expect_exit 2 "$WARD" audit fold 2>err &&
    contains err 'no database given' &&
    expect_exit 2 "$WARD" audit fold --dsn 'host=/nonexistent' 2>err &&
    contains err 'PostgreSQL has no journals'
}
test_expect_success 'audit fold: a database file, never a DSN' t_fold_usage
