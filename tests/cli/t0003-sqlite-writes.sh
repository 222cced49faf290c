#!/bin/sh
# SQLite target, writes and approvals: write grants, the approval rules and
# the guarded operations, through the stock sqlite3 shell.
. "$ROOT/tests/cli/lib.sh"

# A policy with every kind of guard; fix_balance expires after an hour.
ops_policy() {
    cat >ops.ward <<'EOP'
policy ops version 1;
role clerk;
role manager;
role auditor;
table accounts {
  id      integer key;
  owner   text;
  balance integer;
  card    text;
  mask card with keep(0, 4) to clerk;
  show card to manager;
  write owner, balance to clerk;
}
approval close_account { delete accounts; by 1 of manager; expires 1h; }
approval fix_balance { update accounts.balance; by 2 of manager, auditor; expires 1h; }
approval reveal_card { unmask accounts.card; by 1 of manager; }
audit accounts read card write all;
EOP
    sq_plain db "CREATE TABLE accounts (id integer primary key, owner text,
        balance integer, card text);" &&
    sq db "INSERT INTO accounts VALUES (1, 'ann', 100, '6222020200001234'),
        (2, 'bob', 50, '6222020200005678')" &&
    "$WARD" compile ops.ward -o ops.sql && sq_plain db ".read ops.sql"
}

t_update() {
    mkdb db &&
    sq_as db cs_agent a01 - - "UPDATE customers SET phone = '13700000000' WHERE id = 1" &&
    sq db "SELECT phone FROM customers WHERE id = 1" >out &&
    echo 13700000000 >want && cmp want out &&
    sq_plain db "SELECT op, tbl, key, columns, user FROM ward_audit WHERE op = 'update'" >out &&
    echo 'update|customers|1|phone|a01' >want && cmp want out &&
    ! grep -q 13700000000 db.sql &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE detail LIKE '%137%' OR columns LIKE '%137%' OR key LIKE '%137%'" >out &&
    echo 0 >want && cmp want out
}
test_expect_success "an application's unchanged UPDATE changes the base row, audited without values" t_update

t_denied() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - \
        "UPDATE customers SET id_card = '110101199003070000' WHERE id = 1" 2>err &&
    contains err 'ward: [write-denied] role cs_agent may not write customers.id_card' &&
    sq db "SELECT id_card FROM customers WHERE id = 1" >out &&
    echo 110101199003071234 >want && cmp want out
}
test_expect_success 'a write without a grant is refused naming role, table and column' t_denied

t_atomic() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - \
        "UPDATE customers SET phone = '13700000000', medication = 'x' WHERE id = 1" 2>err &&
    contains err '[write-denied]' &&
    sq db "SELECT phone, medication FROM customers WHERE id = 1" >out &&
    echo '13812345678|metformin' >want && cmp want out
}
test_expect_success 'a refused column undoes the whole statement' t_atomic

t_rowfilter() {
    mkdb db &&
    sq_plain db "SELECT 1" &&
    printf '%s\n' 'policy w version 1;' 'role rep;' \
        'table customers { id integer key; name text; phone text; id_card text;' \
        '  medication text; store_id integer; owner text;' \
        '  rows where owner = current_user for rep; write phone to rep; }' >w.ward &&
    "$WARD" compile w.ward -o w.sql && sq_plain db ".read w.sql" &&
    sq_as db rep r01 - - "UPDATE customers SET phone = '1'" &&
    sq db "SELECT group_concat(phone) FROM customers" >out &&
    echo '1,13998765432' >want && cmp want out
}
test_expect_success 'a write reaches only the rows the session sees' t_rowfilter

t_direct_write() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "UPDATE main.customers SET phone = '1'" 2>err &&
    contains err 'not authorized' &&
    ! sq_as db cs_agent a01 - - "INSERT INTO ward_request VALUES (9, 'export_customers', 'a01', 'x', 'x', NULL, NULL)" 2>err &&
    ! sq_as db cs_agent a01 - - "INSERT INTO ward_audit (at, op, prev, hash) VALUES ('x', 'read', 'x', 'x')" 2>err
}
test_expect_success "direct writes to the base table and ward's tables are refused" t_direct_write

t_insert() {
    mkdb db &&
    sq_as db cs_agent a01 - - "INSERT INTO customers (name, phone) VALUES ('王五', '13600000000')" &&
    sq db "SELECT name, phone FROM customers WHERE id = 3" >out &&
    echo '王五|13600000000' >want && cmp want out &&
    ! sq_as db cs_agent a01 - - "INSERT INTO customers (name, id_card) VALUES ('x', '1')" 2>err &&
    contains err 'may not write customers.id_card' &&
    ! sq_as db pharmacist p01 - - "INSERT INTO customers DEFAULT VALUES" 2>err &&
    contains err '[write-denied] role pharmacist may not insert into customers' &&
    "$WARD" audit fold db >/dev/null &&
    sq_plain db "SELECT op, quote(key), quote(columns), quote(detail) FROM ward_audit WHERE op = 'insert' ORDER BY at" >out &&
    printf "%s\n" "insert|'3'|'id,name,phone'|NULL" \
        "insert|NULL|NULL|'refused [write-denied]'" \
        "insert|NULL|NULL|'refused [write-denied]'" >want && cmp want out &&
    sq_plain db "SELECT count(*) FROM customers" >out &&
    echo 3 >want && cmp want out
}
test_expect_success 'an insert writes only granted columns' t_insert

t_delete() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "DELETE FROM customers WHERE id = 1" 2>err &&
    contains err '[write-denied] role cs_agent may not delete from customers' &&
    sq db "SELECT count(*) FROM customers" >out && echo 2 >want && cmp want out
}
test_expect_success 'a delete needs every column writable or a delete approval' t_delete

t_failclosed() {
    mkdb db &&
    ! sq_plain db "UPDATE customers SET phone = '1' WHERE id = 1" 2>err &&
    contains err 'ward_audit_write' &&
    sq db "SELECT phone FROM customers WHERE id = 1" >out &&
    echo 13812345678 >want && cmp want out
}
test_expect_success 'an audited table refuses writes from a connection without the runtime' t_failclosed

t_export_flow() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "SELECT count(*) FROM ward_export_customers" 2>err &&
    contains err 'ward: [approval-required] export of customers needs approval export_customers' &&
    sq_as db cs_supervisor s01 - - "SELECT ward_request('export_customers', 'quarterly review')" >out &&
    echo 1 >want && cmp want out &&
    ! sq_as db cs_supervisor s01 - - "SELECT ward_approve('export_customers')" 2>err &&
    contains err 'ward: [self-approval]' &&
    ! sq_as db pharmacist p01 - - "SELECT ward_approve('export_customers')" 2>err &&
    contains err 'ward: [not-approver]' &&
    sq_as db compliance c01 - - "SELECT ward_approve('export_customers')" >out &&
    echo 0 >want && cmp want out &&
    ! sq_as db compliance c01 - - "SELECT ward_approve(1)" 2>err &&
    contains err 'ward: [already-approved]' &&
    ! sq_as db cs_agent a01 - - "SELECT count(*) FROM ward_export_customers" 2>err &&
    contains err '[approval-required]' &&
    sq_as db cs_supervisor s01 - - "SELECT count(*) FROM ward_export_customers" >out &&
    echo 2 >want && cmp want out &&
    ! sq_as db cs_supervisor s01 - - "SELECT count(*) FROM ward_export_customers" 2>err &&
    contains err '[approval-required]' &&
    sq_plain db "SELECT user, op, nrows, detail FROM ward_audit WHERE op IN ('request', 'approve', 'export') ORDER BY seq" >out &&
    cat >want <<'EOW' &&
s01|request||export_customers #1
s01|approve||export_customers #1 refused [self-approval]
p01|approve||export_customers #1 refused [not-approver]
c01|approve||export_customers #1
c01|approve||export_customers #1 refused [already-approved]
s01|export|2|export_customers #1
EOW
    cmp want out
}
test_expect_success 'export: refused, requested, self-approval, approved, used once, every step audited' t_export_flow

t_self_no_role() {
    mkdb db &&
    sq_as db cs_agent a01 - - "SELECT ward_request('export_customers', 'r')" >/dev/null &&
    ! sq_as db cs_agent a01 - - "SELECT ward_approve(1)" 2>err &&
    contains err '[self-approval]'
}
test_expect_success 'a requester approving their own request gets [self-approval] without an approving role' t_self_no_role

t_vote_by_name() {
    mkdb db &&
    sq_as db cs_supervisor s01 - - "SELECT ward_request('export_customers', 'asked c01')" >/dev/null &&
    sq_as db cs_agent a01 - - "SELECT ward_request('export_customers', 'slipped in')" >/dev/null &&
    ! sq_as db compliance c01 - - "SELECT ward_approve('export_customers')" 2>err &&
    contains err '[ambiguous-request] 2 requests for export_customers are open; approve one by its id (the latest is #2)' &&
    sq_plain db "SELECT count(*) FROM ward_vote" >out &&
    echo 0 >want && cmp want out &&
    sq_as db compliance c01 - - "SELECT ward_approve(1)" >out &&
    echo 0 >want && cmp want out
}
test_expect_success 'a vote by name with several requests open goes to none of them' t_vote_by_name

t_request_checks() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "SELECT ward_request('nosuch', 'r')" 2>err &&
    contains err '[unknown-approval]' &&
    ! sq_as db cs_agent - - - "SELECT ward_request('export_customers', 'r')" 2>err &&
    contains err 'needs a session with a user' &&
    ! sq_as db compliance c01 - - "SELECT ward_approve(42)" 2>err &&
    contains err '[unknown-request]'
}
test_expect_success 'requests need a known approval, a user and a known id' t_request_checks

t_update_guard() {
    ops_policy &&
    ! sq_as db clerk k01 - - "UPDATE accounts SET balance = 0 WHERE id = 1" 2>err &&
    contains err 'ward: [approval-required] update of accounts.balance needs approval fix_balance' &&
    sq_as db clerk k01 - - "SELECT ward_request('fix_balance', 'typo')" >/dev/null &&
    sq_as db manager m01 - - "SELECT ward_approve('fix_balance')" >out &&
    echo 1 >want && cmp want out &&
    ! sq_as db clerk k01 - - "UPDATE accounts SET balance = 0 WHERE id = 1" 2>err &&
    sq_as db auditor u01 - - "SELECT ward_approve('fix_balance')" >out &&
    echo 0 >want && cmp want out &&
    sq_as db clerk k01 - - "UPDATE accounts SET balance = balance + 1" &&
    sq db "SELECT group_concat(balance) FROM accounts" >out &&
    echo 101,51 >want && cmp want out &&
    ! sq_as db clerk k01 - - "UPDATE accounts SET balance = 0 WHERE id = 1" 2>err &&
    contains err '[approval-required]'
}
test_expect_success 'update approval: N approvers, one statement, used once' t_update_guard

# clocked TIME ROLE USER SQL...: a session of ROLE as USER with the runtime's
# clock fixed at TIME (no sleeping: the test's pace is not the clock's).
clocked() {
    t=$1 role=$2 user=$3
    shift 3
    sq db "SELECT ward_clock('$t')" \
        "SELECT ward_session('$role', '$user', NULL, NULL)" "$@"
}

t_expiry() {
    ops_policy &&
    clocked 2026-12-01T10:00:00Z clerk k01 "SELECT ward_request('fix_balance', 'typo')" >/dev/null &&
    clocked 2026-12-01T10:00:00Z manager m01 "SELECT ward_approve(1)" >/dev/null &&
    ! clocked 2026-12-01T11:00:01Z auditor u01 "SELECT ward_approve(1)" 2>err &&
    contains err 'ward: [expired]' &&
    ! clocked 2026-12-01T11:00:01Z clerk k01 "UPDATE accounts SET balance = 0 WHERE id = 1" 2>err &&
    contains err '[approval-required]'
}
test_expect_success 'an expired request is dead' t_expiry

# The clock: a request at 10:00 that expires in 1h, approved at 10:59:59,
# cannot be used at 11:00:01.
t_clock() {
    ops_policy &&
    sq db "SELECT ward_clock('2026-12-01T10:00:00Z')" \
        "SELECT ward_session('clerk', 'k01', NULL, NULL)" \
        "SELECT ward_request('close_account', 'closed')" >out &&
    sq db "SELECT ward_clock('2026-12-01T10:59:59Z')" \
        "SELECT ward_session('manager', 'm01', NULL, NULL)" "SELECT ward_approve(1)" >>out &&
    sq db "SELECT ward_clock('2026-12-01T11:00:01Z')" \
        "SELECT ward_session('clerk', 'k01', NULL, NULL)" \
        "DELETE FROM accounts WHERE id = 2" 2>err ;
    contains err '[approval-required]' &&
    sq_plain db "SELECT requested_at, expires_at FROM ward_request" >out &&
    echo '2026-12-01T10:00:00.000Z|2026-12-01T11:00:00.000Z' >want && cmp want out &&
    sq_plain db "SELECT at FROM ward_audit WHERE op = 'approve'" >out &&
    echo '2026-12-01T10:59:59.000Z' >want && cmp want out &&
    ! sq db "SELECT ward_session('clerk', 'k01', NULL, NULL)" \
        "SELECT ward_clock('2026-12-01T10:00:00Z')" 2>err &&
    contains err 'not authorized to use function: ward_clock'
}
test_expect_success "ward_clock fixes the runtime's time for tests: expiry without sleeping; never in a session" t_clock

t_delete_guard() {
    ops_policy &&
    ! sq_as db clerk k01 - - "DELETE FROM accounts WHERE id = 2" 2>err &&
    contains err 'ward: [approval-required] delete of accounts needs approval close_account' &&
    sq_as db clerk k01 - - "SELECT ward_request('close_account', 'closed')" >/dev/null &&
    sq_as db manager m01 - - "SELECT ward_approve('close_account')" >/dev/null &&
    sq_as db clerk k01 - - "DELETE FROM accounts WHERE id = 2" &&
    sq db "SELECT group_concat(id) FROM accounts" >out && echo 1 >want && cmp want out &&
    sq_plain db "SELECT op, key, quote(detail) FROM ward_audit WHERE op = 'delete' AND key IS NOT NULL" >out &&
    printf "%s\n" "delete|2|'refused [approval-required]'" 'delete|2|NULL' >want && cmp want out
}
test_expect_success 'delete approval: the approval is the grant, once' t_delete_guard

t_unmask() {
    ops_policy &&
    sq_as db clerk k01 - - "SELECT card FROM accounts WHERE id = 1" >out &&
    echo '************1234' >want && cmp want out &&
    ! sq_as db clerk k01 - - "SELECT card FROM ward_unmask_accounts WHERE id = 1" 2>err &&
    contains err 'ward: [approval-required] unmask of accounts.card needs approval reveal_card' &&
    sq_as db clerk k01 - - "SELECT ward_request('reveal_card', 'customer call')" >/dev/null &&
    sq_as db manager m01 - - "SELECT ward_approve('reveal_card')" >/dev/null &&
    sq_as db clerk k01 - - "SELECT card FROM ward_unmask_accounts WHERE id = 1" >out &&
    echo 6222020200001234 >want && cmp want out &&
    ! sq_as db clerk k01 - - "SELECT card FROM ward_unmask_accounts WHERE id = 1" 2>err &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'unmask' AND columns = 'card'" >out &&
    echo 1 >want && cmp want out
}
test_expect_success 'unmask approval: the clear value once, audited' t_unmask

t_tables_guarded() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - "UPDATE ward_request SET used_at = NULL" 2>err &&
    ! sq_as db cs_agent a01 - - "DELETE FROM ward_vote" 2>err &&
    sq db "SELECT ward_session('compliance', 'c01', NULL, NULL)" >/dev/null &&
    ! sq_plain db "INSERT INTO ward_request (approval, requester, reason, requested_at) VALUES ('nosuch', 'x', 'y', 'z')" 2>err &&
    contains err '[unknown-approval]' &&
    sq_plain db "INSERT INTO ward_request (approval, requester, reason, requested_at) VALUES ('export_customers', 'x', 'y', 'z')" &&
    ! sq_plain db "INSERT INTO ward_vote VALUES (1, 'x', 'compliance', 'z')" 2>err &&
    contains err '[self-approval]' &&
    ! sq_plain db "INSERT INTO ward_vote VALUES (1, 'y', 'pharmacist', 'z')" 2>err &&
    contains err '[not-approver]' &&
    ! sq_plain db "DELETE FROM ward_request" 2>err &&
    contains err '[append-only]'
}
test_expect_success 'the approval rules hold even for SQL that bypasses the runtime' t_tables_guarded

t_writeback() {
    mkdb db &&
    sq_as db cs_agent a01 - - "UPDATE customers SET phone = phone, name = name WHERE id = 1" \
        "UPDATE customers SET phone = '139****5432' WHERE id = 2" &&
    sq db "SELECT name, phone FROM customers ORDER BY id" >out &&
    printf '张三丰|13812345678\n李四|13998765432\n' >want && cmp want out &&
    sq_plain db "SELECT key, quote(columns), detail FROM ward_audit WHERE op = 'update'" >out &&
    printf '1|NULL|unchanged\n2|NULL|unchanged\n' >want && cmp want out
}
test_expect_success 'writing back the masked values it read never stores a mask' t_writeback

t_returning() {
    mkdb db &&
    ! sq_as db cs_agent a01 - - \
        "UPDATE customers SET phone = '13700000000' WHERE id = 1 RETURNING phone, id_card" >out 2>err &&
    contains err 'RETURNING is not available on virtual tables' && test ! -s out &&
    sq db "SELECT phone FROM customers WHERE id = 1" >out &&
    echo 13812345678 >want && cmp want out
}
test_expect_success 'RETURNING is refused through the session (SQLite virtual tables), writing nothing' t_returning

t_export_txn() {
    mkdb db &&
    sq_as db cs_supervisor s01 - - "SELECT ward_request('export_customers', 'q')" >/dev/null &&
    sq_as db compliance c01 - - "SELECT ward_approve('export_customers')" >/dev/null &&
    ! sq_as db cs_supervisor s01 - - "BEGIN" "SELECT count(*) FROM ward_export_customers" 2>err &&
    contains err 'must run outside an explicit transaction' &&
    ! sq_as db cs_supervisor s01 - - "SAVEPOINT s" "SELECT count(*) FROM ward_export_customers" 2>err &&
    sq_as db cs_supervisor s01 - - "SELECT count(*) FROM ward_export_customers" >out &&
    echo 2 >want && cmp want out &&
    ! sq_as db cs_supervisor s01 - - "SELECT count(*) FROM ward_export_customers" 2>err &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'export'" >out && echo 1 >want && cmp want out
}
test_expect_success 'an approved export cannot be rolled back and repeated' t_export_txn

t_with_check() {
    mkdb db &&
    printf '%s\n' 'policy w version 1;' 'role rep;' \
        'table customers { id integer key; name text; phone text; id_card text;' \
        '  medication text; store_id integer; owner text;' \
        '  rows where owner = current_user for rep; write phone, owner, name to rep; }' >w.ward &&
    "$WARD" compile w.ward -o w.sql && sq_plain db ".read w.sql" &&
    ! sq_as db rep r01 - - "UPDATE customers SET owner = 'r02' WHERE id = 1" 2>err &&
    contains err '[write-denied] role rep may not write a row of customers that its rows rules would not let it see' &&
    ! sq_as db rep r01 - - "INSERT INTO customers (name, owner) VALUES ('x', 'r02')" 2>err &&
    contains err 'would not let it see' &&
    sq_as db rep r01 - - "INSERT INTO customers (name, owner) VALUES ('y', 'r01')" \
        "UPDATE customers SET phone = '1' WHERE id = 1" &&
    sq db "SELECT group_concat(owner) FROM customers" >out &&
    echo 'r01,r02,r01' >want && cmp want out
}
test_expect_success 'a write may not move a row out of the session own sight' t_with_check
