#!/bin/sh
# SQLite target: the audit chain under tampering, drift reported by
# `ward verify`, and upgrading a policy without losing a row.
. "$ROOT/tests/cli/lib.sh"

# busy_db: the running example with a few audited reads and writes.
busy_db() {
    mkdb db &&
    sq_as db cs_agent a01 - - "SELECT phone FROM customers" \
        "UPDATE customers SET phone = '13700000000' WHERE id = 1" \
        "SELECT phone FROM customers WHERE id = 2" >/dev/null &&
    sq_as db cs_supervisor s01 - - "SELECT ward_request('export_customers', 'q')" \
        "SELECT id_card FROM customers" >/dev/null &&
    sq_plain db "SELECT count(*) FROM ward_audit" >n &&
    test "$(cat n)" -ge 5
}

# unguard: what an attacker with the file does first.
unguard() {
    sq_plain db "DROP TRIGGER ward_audit_no_update; DROP TRIGGER ward_audit_no_delete"
}

t_intact() {
    busy_db &&
    "$WARD" audit verify db >out &&
    contains out "intact: $(cat n) rows; last row $(cat n), hash "
}
test_expect_success 'an untouched audit log verifies, exit 0' t_intact

t_append_only() {
    busy_db &&
    ! sq_plain db "UPDATE ward_audit SET user = 'x'" 2>err &&
    contains err '[append-only]' &&
    ! sq_plain db "DELETE FROM ward_audit" 2>err &&
    contains err '[append-only]'
}
test_expect_success 'the audit log refuses UPDATE and DELETE' t_append_only

t_altered() {
    busy_db && unguard &&
    sq_plain db "UPDATE ward_audit SET user = 'nobody' WHERE seq = 2" &&
    expect_exit 1 "$WARD" audit verify db >out 2>err &&
    contains out 'row 2: its content does not match its hash: altered' &&
    contains err 'first bad row: 2'
}
test_expect_success 'an altered row is caught and named' t_altered

t_deleted() {
    busy_db && unguard &&
    sq_plain db "DELETE FROM ward_audit WHERE seq = 3" &&
    expect_exit 1 "$WARD" audit verify db >out &&
    contains out 'row 4: rows 3 to 3 are missing: deleted'
}
test_expect_success 'a deleted row is caught' t_deleted

t_renumbered() {
    busy_db && unguard &&
    sq_plain db "DELETE FROM ward_audit WHERE seq = 3;
        UPDATE ward_audit SET seq = seq - 1 WHERE seq > 3" &&
    expect_exit 1 "$WARD" audit verify db >out &&
    contains out "row 3: its predecessor's hash does not match"
}
test_expect_success 'a deleted row hidden by renumbering is caught by the chain' t_renumbered

t_tail() {
    busy_db && unguard &&
    sq_plain db "DELETE FROM ward_audit WHERE seq = (SELECT max(seq) FROM ward_audit)" &&
    expect_exit 1 "$WARD" audit verify db >out &&
    contains out "rows $(cat n) to $(cat n) are missing: deleted"
}
test_expect_success 'rows cut off the end are caught' t_tail

t_inserted() {
    busy_db && unguard &&
    sq_plain db "INSERT INTO ward_audit (seq, at, op, prev, hash)
        SELECT seq + 1000, at, 'read', hash, hash FROM ward_audit
        WHERE seq = (SELECT max(seq) FROM ward_audit)" &&
    expect_exit 1 "$WARD" audit verify db >out &&
    contains out 'are missing: deleted' &&
    unguard 2>/dev/null; mkdb db2 &&
    sq_as db2 cs_agent a01 - - "SELECT phone FROM customers" "SELECT phone FROM customers" >/dev/null &&
    sq_plain db2 "DROP TRIGGER ward_audit_no_update;
        UPDATE ward_audit SET seq = 3 WHERE seq = 2;
        INSERT INTO ward_audit (seq, at, user, op, prev, hash)
        SELECT 2, at, 'ghost', 'read', hash, hash FROM ward_audit WHERE seq = 1" &&
    expect_exit 1 "$WARD" audit verify db2 >out &&
    contains out 'row 2: its content does not match its hash: altered'
}
test_expect_success 'an inserted row is caught' t_inserted

t_verify_clean() {
    mkdb db &&
    "$WARD" verify db 2>err &&
    contains err 'policy gsp_pharmacy version 1 as applied'
}
test_expect_success 'verify: a freshly applied database has no drift' t_verify_clean

t_verify_drift() {
    mkdb db &&
    sq_plain db "DROP TRIGGER ward_vote_check;
        CREATE TRIGGER sneaky AFTER INSERT ON customers BEGIN SELECT 1; END;
        UPDATE ward_cell SET effect = 'show', rank = 2, mask = NULL, args = NULL WHERE col = 'phone';
        DROP TRIGGER ward_audit_customers_update;
        CREATE TRIGGER ward_audit_customers_update AFTER UPDATE ON customers BEGIN SELECT 1; END" &&
    expect_exit 1 "$WARD" verify db >out 2>err &&
    contains out 'dropped: trigger ward_vote_check' &&
    contains out 'added: trigger sneaky' &&
    contains out 'changed: the rows of ward_cell' &&
    contains out 'changed: trigger ward_audit_customers_update' &&
    contains err '4 changes since policy gsp_pharmacy version 1' &&
    sq_plain db ".read db.sql" &&
    sq_plain db "DROP TRIGGER sneaky" &&
    "$WARD" verify db
}
test_expect_success 'verify: hand edits are reported, and re-applying repairs them' t_verify_drift

t_verify_usage() {
    expect_exit 2 "$WARD" verify nosuch.db 2>err &&
    contains err "cannot open 'nosuch.db'" &&
    test ! -e nosuch.db &&
    sq_plain plain.db "CREATE TABLE t (x)" &&
    expect_exit 2 "$WARD" verify plain.db 2>err &&
    contains err 'no ward manifest' &&
    expect_exit 2 "$WARD" audit verify plain.db 2>err &&
    contains err 'no audit log' &&
    expect_exit 2 "$WARD" audit 2>err &&
    expect_exit 2 "$WARD" audit check plain.db 2>err &&
    contains err "unknown subcommand 'check'"
}
test_expect_success 'verify and audit verify: exit 2 for what is not a ward database' t_verify_usage

t_migrate() {
    busy_db &&
    sq_plain db "SELECT count(*) FROM customers" >rows1 &&
    sq_plain db "SELECT count(*), max(hash) FROM ward_audit" >audit1 &&
    sed -e 's/version 1/version 2/' \
        -e 's/^mask phone_mid = keep(3, 4);/mask phone_mid = keep(3, 2);/' \
        -e 's/^audit customers read phone, id_card, medication write all;/audit customers read id_card write phone;/' \
        "$ROOT/policies/gsp_pharmacy.ward" >v2.ward &&
    grep -q "keep(3, 2)" v2.ward &&
    "$WARD" compile v2.ward --no-check -o v2.sql &&
    sq_plain db ".read v2.sql" &&
    sq_plain db "SELECT count(*) FROM customers" >rows2 && cmp rows1 rows2 &&
    sq_plain db "SELECT count(*), max(hash) FROM ward_audit" >audit2 && cmp audit1 audit2 &&
    sq_plain db "SELECT phone FROM customers WHERE id = 1" >out &&
    echo 13700000000 >want && cmp want out &&
    sq_as db cs_agent a01 - - "SELECT phone FROM customers WHERE id = 2" >out &&
    echo '139******32' >want && cmp want out &&
    sq_plain db "SELECT version FROM ward_policy" >out && echo 2 >want && cmp want out &&
    "$WARD" audit verify db >/dev/null &&
    "$WARD" verify db &&
    sq_plain db "SELECT sql LIKE '%id_card%', sql LIKE '%phone%' FROM sqlite_schema WHERE name = 'ward_audit_customers_update'" >out &&
    echo '0|1' >want && cmp want out
}
test_expect_success 'upgrading v1 to v2 keeps every base row and audit row' t_migrate
