#!/bin/sh
# SQLite target, reads: every semantic rule of column and row decisions,
# through the stock sqlite3 shell with the runtime loaded.
. "$ROOT/tests/cli/lib.sh"

t_agent() {
    mkdb db &&
    sq_as db cs_agent a01 - - \
        "SELECT name, phone, quote(id_card), quote(medication) FROM customers WHERE id = 1" >out &&
    echo '张**|138****5678|NULL|NULL' >want && cmp want out
}
test_expect_success 'cs_agent: class defaults mask name and phone, hide the rest' t_agent

t_supervisor() {
    mkdb db &&
    sq_as db cs_supervisor s01 - - \
        "SELECT phone, id_card, medication FROM customers WHERE id = 1" >out &&
    echo '13812345678|110101199003071234|metformin' >want && cmp want out
}
test_expect_success 'a role rule shows: cs_supervisor sees the phone and ID' t_supervisor

t_scenario() {
    mkdb db &&
    sq_as db cs_supervisor s01 outbound_call - \
        "SELECT phone, id_card, quote(medication) FROM customers WHERE id = 1" >out &&
    echo '13812345678|11010119900307****|NULL' >want && cmp want out
}
test_expect_success 'a scenario narrows: outbound_call masks the ID tail, hides medication' t_scenario

t_scenario_grant() {
    mkdb db &&
    sq_as db pharmacist p01 outbound_call - \
        "SELECT medication, quote(phone) FROM customers WHERE id = 1" >out &&
    echo 'metformin|NULL' >want && cmp want out
}
test_expect_success 'a rule naming role and scenario grants within it' t_scenario_grant

t_union() {
    mkdb db &&
    sq_as db 'pharmacist, cs_agent' x - - \
        "SELECT phone, medication FROM customers WHERE id = 1" >out &&
    echo '138****5678|metformin' >want && cmp want out
}
test_expect_success 'roles only add access: pharmacist + cs_agent sees the masked phone' t_union

t_inherits() {
    mkdb db &&
    sq db "SELECT ward_session('cs_supervisor', 's01', NULL, NULL)" \
        "SELECT ward_roles(), ward_user(), quote(ward_scenario())" >out &&
    printf 'cs_agent,cs_supervisor\ncs_agent,cs_supervisor|s01|NULL\n' >want &&
    cmp want out
}
test_expect_success 'inherited roles are held: the session lists both' t_inherits

t_store() {
    mkdb db &&
    sq_as db store_manager m01 - '{"store_id": 7}' \
        "SELECT group_concat(id) FROM customers" >out &&
    echo 1 >want && cmp want out
}
test_expect_success 'rows: a store manager sees their store only' t_store

t_no_attr() {
    mkdb db &&
    sq_as db store_manager m01 - - "SELECT count(*) FROM customers" >out &&
    echo 0 >want && cmp want out
}
test_expect_success 'rows: a missing attribute matches nothing' t_no_attr

t_owner() {
    mkdb db &&
    sq_as db sales_rep r02 - - "SELECT group_concat(id) FROM customers" >out &&
    echo 2 >want && cmp want out
}
test_expect_success 'rows: a sales rep sees rows where owner = current_user' t_owner

t_rows_union() {
    mkdb db &&
    sq_as db 'sales_rep, store_manager' r02 - '{"store_id": 7}' \
        "SELECT group_concat(id) FROM customers" >out &&
    echo 1,2 >want && cmp want out &&
    sq_as db 'sales_rep, cs_agent' r02 - - "SELECT count(*) FROM customers" >out &&
    echo 2 >want && cmp want out
}
test_expect_success 'rows: the union of the roles; rows all absorbs' t_rows_union

t_no_role() {
    mkdb db &&
    sq_as db - x - - "SELECT count(*), quote(max(phone)) FROM customers" >out &&
    echo '0|NULL' >want && cmp want out
}
test_expect_success 'a session without roles sees nothing' t_no_role

t_inference() {
    mkdb db &&
    sq_as db cs_agent a01 - - \
        "SELECT count(*) FROM customers WHERE phone = '13812345678'" \
        "SELECT count(*) FROM customers WHERE id_card LIKE '1101%'" \
        "SELECT count(*) FROM customers WHERE phone = '138****5678'" \
        "SELECT count(*) FROM customers WHERE medication IS NOT NULL" >out &&
    printf '0\n0\n1\n0\n' >want && cmp want out
}
test_expect_success 'predicates see only what the session sees: no inference' t_inference

t_direct() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "SELECT phone FROM main.customers" 2>err &&
    contains err 'prohibited' &&
    ! sq_as db cs_agent a01 - - \
        "WITH c AS (SELECT * FROM main.customers) SELECT id_card FROM c" 2>err &&
    contains err 'prohibited' &&
    ! sq_as db store_manager m01 - '{"store_id": 7}' \
        "SELECT id FROM main.customers WHERE store_id = 8" 2>err &&
    contains err 'prohibited'
}
test_expect_success 'direct reads of the base table are refused during a session' t_direct

t_schema() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "DROP TABLE customers" 2>err &&
    contains err 'not authorized' &&
    ! sq_as db cs_agent a01 - - "CREATE TEMP VIEW v AS SELECT * FROM main.customers" \
        "SELECT phone FROM v" 2>err &&
    contains err 'prohibited' &&
    ! sq_as db cs_agent a01 - - "ATTACH 'db' AS other" 2>err &&
    ! sq_as db cs_agent a01 - - "SELECT load_extension('x')" 2>err &&
    ! sq_as db cs_agent a01 - - "PRAGMA writable_schema = 1" 2>err &&
    ! sq_as db cs_agent a01 - - "DELETE FROM ward_cell" 2>err &&
    ! sq_as db cs_agent a01 - - "SELECT ward_audit_write('read', 'customers', 1)" 2>err &&
    sq_as db cs_agent a01 - - "CREATE TEMP TABLE scratch (x)" \
        "INSERT INTO scratch VALUES (1)" "SELECT x FROM scratch" >out &&
    echo 1 >want && cmp want out
}
test_expect_success 'a session cannot unmake its views or touch ward tables' t_schema

t_unknown() {
    mkdb db &&
    ! sq db "SELECT ward_session('cs_agnet', 'a', NULL, NULL)" 2>err &&
    contains err "ward: [unknown-role] no role 'cs_agnet' in policy gsp_pharmacy" &&
    ! sq db "SELECT ward_session('cs_agent', 'a', 'inbound', NULL)" 2>err &&
    contains err '[unknown-scenario]' &&
    ! sq db "SELECT ward_session('cs_agent', 'a', NULL, '[1]')" 2>err &&
    contains err 'must be a JSON object' &&
    ! sq db "SELECT ward_session('cs_agent', 'a', NULL, '{oops')" 2>err &&
    contains err 'not valid JSON'
}
test_expect_success 'unknown role and scenario, bad attributes: refused with their codes' t_unknown

t_locked() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "SELECT ward_lock()" \
        "SELECT ward_session('cs_supervisor', 'a01', NULL, NULL)" 2>err &&
    contains err 'ward: [session-locked]' &&
    ! sq db "SELECT ward_lock()" 2>err &&
    contains err 'needs a session'
}
test_expect_success 'a locked session cannot change: [session-locked]' t_locked

t_dba() {
    mkdb db &&
    sq db "SELECT phone FROM customers WHERE id = 1" >out &&
    echo 13812345678 >want && cmp want out
}
test_expect_success 'without a session the connection sees the table as it is' t_dba

t_nopolicy() {
    sq_plain db "CREATE TABLE t (x)" &&
    ! sq db "SELECT ward_session('a', 'u', NULL, NULL)" 2>err &&
    contains err 'no usable ward policy'
}
test_expect_success 'a database without a policy says so' t_nopolicy

t_idempotent() {
    mkdb once && mkdb twice && sq_plain twice ".read twice.sql" &&
    sq_plain once .dump >a && sq_plain twice .dump >b && cmp a b
}
test_expect_success 'applying twice equals applying once' t_idempotent

t_mismatch() {
    sq_plain db "CREATE TABLE customers (id integer primary key, name text)" &&
    "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" -o p.sql &&
    ! sq_plain db ".read p.sql" 2>err &&
    contains err 'no such column' &&
    sq_plain db "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'ward%'" >out &&
    echo 0 >want && cmp want out
}
test_expect_success 'a policy that does not match the database applies nothing' t_mismatch

t_read_audit() {
    mkdb db &&
    sq_as db cs_agent a01 - - "SELECT phone FROM customers" \
        "SELECT id, name FROM customers" >/dev/null &&
    sq_plain db "SELECT user, roles, op, tbl, columns, nrows FROM ward_audit" >out &&
    echo 'a01|cs_agent|read|customers|phone|2' >want && cmp want out
}
test_expect_success 'reads of audited columns are audited per statement, with the row count' t_read_audit

t_inject_policy() {
    printf '%s\n' 'policy q version 1;' 'role r;' \
        'table t { c text; rows where c = "a'"'"'); DROP TABLE t; --" for r; }' >q.ward &&
    sq_plain db "CREATE TABLE t (c text); INSERT INTO t VALUES ('a''); DROP TABLE t; --'), ('b')" &&
    "$WARD" compile q.ward -o q.sql && sq_plain db ".read q.sql" &&
    sq_as db r u - - "SELECT count(*) FROM t" >out &&
    echo 1 >want && cmp want out &&
    sq_plain db "SELECT count(*) FROM t" >out && echo 2 >want && cmp want out
}
test_expect_success 'a policy string with quotes cannot inject SQL' t_inject_policy

t_inject_attr() {
    mkdb db &&
    sq_as db store_manager m01 - '{"store_id": "7 OR 1=1"}' \
        "SELECT count(*) FROM customers" >out &&
    echo 0 >want && cmp want out &&
    sq_as db "sales_rep" "r01' OR '1'='1" - - "SELECT count(*) FROM customers" >out &&
    echo 0 >want && cmp want out
}
test_expect_success 'session values cannot inject SQL' t_inject_attr

t_nulls() {
    mkdb db &&
    sq db "INSERT INTO customers VALUES (3, NULL, NULL, NULL, NULL, 7, NULL)" &&
    sq_as db cs_supervisor s01 outbound_call - \
        "SELECT quote(name), quote(phone), quote(id_card) FROM customers WHERE id = 3" >out &&
    echo 'NULL|NULL|NULL' >want && cmp want out
}
test_expect_success 'NULL in gives NULL out through every mask' t_nulls

t_rollback() {
    mkdb db &&
    sq_as db cs_agent a01 - - "BEGIN" "SELECT phone FROM customers" "ROLLBACK" \
        "BEGIN" "SAVEPOINT s" "SELECT phone FROM customers WHERE id = 1" \
        "ROLLBACK TO s" "COMMIT" \
        "BEGIN" "SELECT phone FROM customers WHERE id = 2" "COMMIT" >/dev/null &&
    sq_plain db "SELECT op, columns, nrows FROM ward_audit ORDER BY seq" >out &&
    printf 'read|phone|2\nread|phone|1\nread|phone|1\n' >want && cmp want out &&
    "$WARD" audit verify db >/dev/null
}
test_expect_success 'a ROLLBACK does not erase the record of a read' t_rollback

t_introspection() {
    mkdb db &&
    sq_as db cs_agent a01 - - "SELECT name FROM pragma_table_info('customers') WHERE cid = 2" \
        "PRAGMA table_info(customers)" >out &&
    head -1 out | grep -qx phone &&
    ! sq_as db cs_agent a01 - - "SELECT readfile('db')" 2>err &&
    contains err 'not authorized' &&
    ! sq_as db cs_agent a01 - - "PRAGMA journal_mode = off" 2>err
}
test_expect_success 'a session may ask the schema, not read the file or change settings' t_introspection

t_keyed_guess() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "SELECT ward_hmac('13812345678', 'phone')" 2>err &&
    contains err 'not authorized to use function: ward_hmac' &&
    ! sq_as db cs_agent a01 - - "SELECT ward_encrypt('13812345678', 'phone')" 2>err
}
test_expect_success 'a session cannot call keyed masks to confirm a guessed value' t_keyed_guess

t_keyed_view() {
    printf 'policy q version 1;\nrole r;\ntable t { id integer key; phone text;\n  mask phone with hmac("phone") to r; }\n' >q.ward &&
    sq_plain db "CREATE TABLE t (id integer primary key, phone text); INSERT INTO t VALUES (1, '13812345678')" &&
    "$WARD" compile q.ward -o q.sql && sq_plain db ".read q.sql" &&
    WARD_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff \
        sq_as db r u - - "SELECT length(phone), phone GLOB '*[^0-9a-f]*' FROM t" >out &&
    echo '64|0' >want && cmp want out &&
    ! sq_as db r u - - "SELECT phone FROM t" 2>err &&
    contains err '[no-key]'
}
test_expect_success 'keyed masks work through the views, and refuse without a key' t_keyed_view

t_cte() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "WITH ward_x AS (SELECT phone FROM main.customers) SELECT * FROM ward_x" >out 2>err &&
    contains err 'prohibited' && test ! -s out &&
    ! sq_as db store_manager m07 - '{"store_id": 7}' \
        "WITH customers AS (SELECT * FROM main.customers) SELECT id FROM customers" >out 2>err &&
    test ! -s out &&
    ! sq_as db cs_agent a01 - - "with \"CUSTOMERS\"(a) as materialized (select phone from main.customers) select * from \"CUSTOMERS\"" >out 2>err &&
    test ! -s out &&
    ! sq_as db cs_agent a01 - - "WITH ward_x AS (SELECT ward_audit_write('update', 'customers', '1', 'phone')) SELECT * FROM ward_x" 2>err &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'update'" >out && echo 0 >want && cmp want out &&
    sq_as db cs_agent a01 - - "WITH x AS (SELECT phone FROM customers) SELECT * FROM x" \
        "SELECT 'WITH customers AS (' AS s" >out &&
    printf '138****5678\n139****5432\nWITH customers AS (\n' >want && cmp want out
}
test_expect_success 'a CTE named after a protected table or ward_ reaches no base row' t_cte

t_private() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "SELECT count(*) FROM ward_audit" 2>err &&
    ! sq_as db cs_agent a01 - - "SELECT op, columns FROM ward_audit" 2>err &&
    contains err 'prohibited' &&
    ! sq_as db cs_agent a01 - - "SELECT * FROM ward_request" 2>err &&
    ! sq_as db cs_agent a01 - - "SELECT * FROM ward_vote" 2>err &&
    sq db "SELECT ward_session('cs_agent', 'a01', NULL, NULL)" "SELECT ward_session_end()" \
        "SELECT count(*) >= 0 FROM ward_audit" >out &&
    tail -1 out | grep -qx 1 &&
    ! sq_as db cs_agent a01 - - "SELECT ward_lock()" "SELECT ward_session_end()" 2>err &&
    contains err '[session-locked]'
}
test_expect_success 'sessions cannot read the audit log or approvals; a locked one cannot end' t_private

t_nested_flush() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "CREATE TEMP TABLE t (a, b)" \
        "WITH m AS MATERIALIZED (SELECT phone x FROM customers WHERE id = 2)
         INSERT INTO t SELECT ward_request('export_customers', 'x'), json_extract('{}', x) FROM m" 2>err &&
    "$WARD" audit fold db >/dev/null &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'read' AND columns = 'phone'" >out &&
    echo 1 >want && cmp want out
}
test_expect_success "a read is recorded even when the runtime's own statements end inside it" t_nested_flush

t_abandoned() {
    mkdb db &&
    sq_as db cs_agent a01 - - "BEGIN" "SELECT phone FROM customers WHERE id = 1" >/dev/null &&
    sq_plain db "SELECT user, op, columns, nrows FROM ward_audit" >out &&
    echo 'a01|read|phone|1' >want && cmp want out &&
    "$WARD" audit verify db >/dev/null &&
    sq_as db cs_agent a01 - - "BEGIN" "SELECT phone FROM customers" "COMMIT" >/dev/null &&
    sq_plain db "SELECT count(*) FROM ward_audit" >out && echo 2 >want && cmp want out &&
    "$WARD" audit verify db >/dev/null
}
test_expect_success 'reads in a transaction the connection abandons are still recorded' t_abandoned

t_real_arg() {
    printf 'policy q version 1;\nrole r;\ntable t { id integer key; x real; n integer;\n  mask x with bucket(10.0) to r;\n  mask n with bucket(10) to r; }\n' >q.ward &&
    "$WARD" compile q.ward -o q.sql &&
    sq_plain db "CREATE TABLE t (id integer primary key, x real, n integer); INSERT INTO t VALUES (1, 37.5, 37)" &&
    sq_plain db ".read q.sql" &&
    sq_as db r u - - "SELECT x, n FROM t" >out &&
    echo '[30,40)|30-39' >want && cmp want out
}
test_expect_success 'a real argument stays real: bucket(10.0) is not bucket(10)' t_real_arg
