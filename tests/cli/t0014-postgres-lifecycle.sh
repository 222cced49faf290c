#!/bin/sh
# The PostgreSQL target over a policy's life: applied, used (writes,
# approvals, reads, all audited), upgraded to version 2 without losing a
# base row or an audit row, checked for drift (`ward verify --dsn`) and
# tampering (`ward audit verify --dsn`), a failed apply leaving nothing,
# and pgaudit's object audit (`--pgaudit`) logging reads in the server log.
. "$ROOT/tests/cli/lib.sh"

. "$ROOT/tests/cli/lib_pg.sh"

# v2: the running example, version 2, compliance now also sees the
# medication (a rule added, nothing removed).
v2() {
    sed -e 's/^policy gsp_pharmacy version 1 /policy gsp_pharmacy version 2 /' \
        -e 's/^  show medication to pharmacist, cs_supervisor;/  show medication to pharmacist, cs_supervisor, compliance;/' \
        "$ROOT/policies/gsp_pharmacy.ward" >v2.ward &&
    grep -q 'version 2' v2.ward && grep -q 'cs_supervisor, compliance;' v2.ward &&
    "$WARD" compile v2.ward --no-check --target postgres -o v2.sql
}

t_apply_and_use() {
    "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" --target postgres -o v1.sql &&
    pg "CREATE TABLE customers (id integer PRIMARY KEY, name text, phone text,
        id_card text, medication text, store_id integer, owner text)" \
       "INSERT INTO customers VALUES
        (1, '张三丰', '13812345678', '110101199003071234', 'metformin', 7, 'r01'),
        (2, '欧阳娜娜', '13998765432', '11010119900307123X', 'insulin', 8, 'r02')" &&
    pg_apply v1.sql &&
    for u in a01:cs_agent s01:cs_supervisor c01:compliance; do
        pg "CREATE ROLE ${u%%:*} LOGIN IN ROLE ${u#*:}" || return 1
    done &&
    pg_as a01 "UPDATE gsp_pharmacy.customers SET phone = '13900000000' WHERE id = 2" &&
    pg_as a01 "SELECT phone FROM gsp_pharmacy.customers WHERE id = 1" >out &&
    echo '138****5678' >want && cmp want out &&
    pg_as s01 "SELECT ward.request('export_customers', 'audit')" >out &&
    pg_as c01 "SELECT ward.approve('export_customers')" >out &&
    pg_as s01 "SELECT count(*) FROM gsp_pharmacy.ward_export_customers" >out &&
    echo 2 >want && cmp want out &&
    pg "SELECT op || ':' || \"user\" || ':' || coalesce(columns, '') || ':' || coalesce(nrows::text, '')
        FROM ward.audit ORDER BY seq" >out &&
    cat >want <<'EOF' &&
update:a01:phone:
read:a01:phone:1
read:a01:phone:1
request:s01::
approve:c01::
export:s01::2
EOF
    { cmp want out || { diff want out; false; }; }
}
test_expect_success 'v1 applies; writes, reads, requests, approvals and exports are audited in order' t_apply_and_use

t_audit_verify() {
    "$WARD" audit verify --dsn "$DSN" >out &&
    contains out 'intact: 6 rows; last row 6' &&
    ! pg "DELETE FROM ward.audit WHERE seq = 2" 2>err &&
    contains err '[append-only]' &&
    pg "ALTER TABLE ward.audit DISABLE TRIGGER ward_append_only" \
       "UPDATE ward.audit SET \"user\" = 'x01' WHERE seq = 4" \
       "ALTER TABLE ward.audit ENABLE TRIGGER ward_append_only" &&
    expect_exit 1 "$WARD" audit verify --dsn "$DSN" >out 2>err &&
    contains out 'row 4: its content does not match its hash: altered' &&
    contains err 'database postgres: the audit log was tampered with (first bad row: 4)' &&
    ! grep -q 'user=postgres' err &&
    pg "ALTER TABLE ward.audit DISABLE TRIGGER ward_append_only" \
       "UPDATE ward.audit SET \"user\" = 's01' WHERE seq = 4" \
       "DELETE FROM ward.audit WHERE seq = 6" \
       "ALTER TABLE ward.audit ENABLE TRIGGER ward_append_only" &&
    expect_exit 1 "$WARD" audit verify --dsn "$DSN" >out &&
    contains out 'row 6: rows 6 to 6 are missing: deleted' &&
    expect_exit 2 "$WARD" audit verify --dsn "host=$PGDIR user=nobody_here" 2>err &&
    contains err 'cannot connect'
}
test_expect_success 'audit verify --dsn: intact, then an altered row and a row cut off the end' t_audit_verify

t_upgrade() {
    v2 &&
    pg "SELECT count(*) FROM ward.audit" >before &&
    test "$(cat before)" -ge 5 &&
    pg_apply v2.sql &&
    pg_apply v2.sql &&
    pg "SELECT count(*) FROM ward.audit" >after && cmp before after &&
    pg "SELECT id, phone FROM customers ORDER BY id" >out &&
    printf '1|13812345678\n2|13900000000\n' >want && cmp want out &&
    pg_as c01 "SELECT medication FROM gsp_pharmacy.customers WHERE id = 1" >out &&
    echo metformin >want && cmp want out &&
    pg "SELECT version FROM ward.policy WHERE policy = 'gsp_pharmacy'" >out &&
    echo 2 >want && cmp want out
}
test_expect_success 'v1 -> v2 keeps every base row and audit row and takes effect' t_upgrade

t_drift() {
    v2 &&
    "$WARD" verify --dsn "$DSN" 2>err &&
    contains err 'policy gsp_pharmacy version 2 as applied' &&
    pg "ALTER TABLE customers DISABLE ROW LEVEL SECURITY" \
       "DROP TRIGGER ward_audit ON customers" \
       "CREATE OR REPLACE VIEW gsp_pharmacy.ward_export_customers AS SELECT * FROM customers" \
       "UPDATE ward.cell SET outcome = 1 WHERE col = 'id_card'" &&
    expect_exit 1 "$WARD" verify --dsn "$DSN" >out 2>err &&
    contains out 'changed: table customers' &&
    contains out 'dropped: trigger customers.ward_audit' &&
    contains out 'changed: view ward_export_customers' &&
    contains out 'changed: the rows of ward.cell' &&
    contains err '4 changes since policy gsp_pharmacy version 2 was applied' &&
    pg_apply v2.sql &&
    "$WARD" verify --dsn "$DSN" 2>err &&
    contains err 'as applied'
}
test_expect_success 'verify --dsn names a disabled row security, a dropped trigger, an edited view and catalog' t_drift

# Every catalog table the script fills holds the policy's decisions: a
# hand edit of any of them (a clause's count lowered, an approver added) is
# drift. The list is the script's own, so a new catalog table is covered.
t_catalog_drift() {
    v2 &&
    tables=$(grep -o "DELETE FROM ward\.[a-z_]* WHERE policy" v2.sql |
        sed "s/DELETE FROM ward\.//; s/ WHERE policy//" | grep -v "^manifest$") &&
    [ "$(echo "$tables" | wc -l)" -ge 10 ] &&
    for t in $tables; do
        n=$(pg "SELECT count(*) FROM ward.$t WHERE policy = 'gsp_pharmacy'") &&
        [ "$n" -gt 0 ] || { echo "ward.$t: no rows to edit"; return 1; }
        pg "DELETE FROM ward.$t WHERE ctid = (SELECT ctid FROM ward.$t
            WHERE policy = 'gsp_pharmacy' LIMIT 1)" &&
        expect_exit 1 "$WARD" verify --dsn "$DSN" >out 2>err &&
        contains out "changed: the rows of ward.$t" &&
        pg_apply v2.sql || { echo "ward.$t"; return 1; }
    done
}
test_expect_success 'verify --dsn names a hand edit of every catalog table of the policy' t_catalog_drift

t_failed_apply() {
    pg "CREATE DATABASE other" &&
    psql -X -q -h "$PGDIR" -U postgres -d other \
        -c "CREATE TABLE customers (id integer PRIMARY KEY, name text)" &&
    "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" --target postgres -o v1.sql &&
    ! psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d other -f v1.sql 2>err &&
    contains err 'column customers.phone does not exist' &&
    psql -X -q -At -h "$PGDIR" -U postgres -d other \
        -c "SELECT count(*) FROM pg_namespace WHERE nspname IN ('ward', 'gsp_pharmacy')" >out &&
    echo 0 >want && cmp want out
}
test_expect_success 'a script that cannot apply leaves nothing behind' t_failed_apply

t_pgaudit() {
    pg "SHOW shared_preload_libraries" >out &&
    contains out pgaudit &&
    expect_exit 2 "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" --pgaudit -o x.sql 2>err &&
    contains err 'use it with --target postgres' &&
    v2 &&
    "$WARD" compile v2.ward --no-check --target postgres --pgaudit -o a.sql &&
    contains a.sql 'GRANT SELECT ("phone", "id_card", "medication") ON TABLE "customers" TO "ward_auditor"' &&
    pg_apply a.sql &&
    pg_as a01 "SELECT phone FROM gsp_pharmacy.customers WHERE id = 2 AND 'pgaudit-probe' <> ''" >out &&
    sleep 0.2 &&
    grep 'AUDIT: OBJECT' "$PGDIR/server.log" >log &&
    contains log 'READ,SELECT,TABLE,public.customers,SELECT phone FROM gsp_pharmacy.customers WHERE id = 2 AND '"'"'pgaudit-probe'"'" &&
    "$WARD" verify --dsn "$DSN" 2>err
}
test_expect_success '--pgaudit: the audited columns are logged by pgaudit in the server log' t_pgaudit

t_unmask() {
    cat >um.ward <<'EOP' &&
policy um version 1;
role agent;
role boss;
table people {
  id integer key;
  phone text;
  mask phone with keep(3, 4) to agent;
}
approval see_phone "see a phone number whole" {
  unmask people.phone;
  by 1 of boss;
}
audit people read phone;
EOP
    "$WARD" compile um.ward --target postgres -o um.sql &&
    pg "CREATE TABLE people (id integer PRIMARY KEY, phone text)" \
       "INSERT INTO people VALUES (1, '13812345678')" &&
    pg_apply um.sql &&
    pg "CREATE ROLE ag1 LOGIN IN ROLE agent" "CREATE ROLE bo1 LOGIN IN ROLE boss" &&
    pg_as ag1 "SELECT phone FROM um.people" >out &&
    echo '138****5678' >want && cmp want out &&
    ! pg_as ag1 "SELECT phone FROM um.ward_unmask_people" 2>err &&
    contains err '[approval-required] unmask of people.phone needs approval see_phone' &&
    pg_as ag1 "SELECT ward.request('see_phone', 'call back')" >/dev/null &&
    ! pg_as ag1 "SELECT ward.approve('see_phone')" 2>err &&
    contains err '[self-approval]' &&
    pg_as bo1 "SELECT ward.approve('see_phone')" >/dev/null &&
    pg_as ag1 "SELECT phone FROM um.ward_unmask_people" >out &&
    echo '13812345678' >want && cmp want out &&
    ! pg_as ag1 "SELECT phone FROM um.ward_unmask_people" 2>err &&
    contains err '[approval-required]' &&
    pg "SELECT count(*) FROM ward.audit WHERE op = 'unmask' AND \"user\" = 'ag1'
        AND columns = 'phone' AND detail LIKE 'see_phone #%'" >out &&
    echo 1 >want && cmp want out
}
test_expect_success 'an unmask view shows a guarded column whole once, after a second person approves' t_unmask
