#!/bin/sh
# Attacks on the compiled PostgreSQL policy, on a real throwaway server:
# the running example applied as is (writes, approvals, audit), and users
# who log in with the policy's roles and try to get around it with plain
# SQL. Every attack must fail, and fail for the right reason: each test
# checks the refusal's text, or what the audit log holds afterwards.
. "$ROOT/tests/cli/lib.sh"

PGDIR=$(mktemp -d /tmp/ward-pg.XXXXXX)
trap 'sh "$ROOT/tests/pg/cluster.sh" stop "$PGDIR"; rm -rf "$PGDIR" "$SCRATCH_BASE"' EXIT INT TERM
sh "$ROOT/tests/pg/cluster.sh" start "$PGDIR" >/dev/null
# pg_as USER SQL...: psql as USER, one connection, stop at the first error.
pg_as() {
    u=$1
    shift
    for q in "$@"; do set -- "$@" -c "$q"; shift; done
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGDIR" -U "$u" -d postgres "$@"
}
pg() { pg_as postgres "$@"; }
# pg_try USER SQL...: as pg_as, but every statement runs whatever failed
# before it (errors on stderr): what a session can do after a refusal.
pg_try() {
    u=$1
    shift
    for q in "$@"; do set -- "$@" -c "$q"; shift; done
    psql -X -q -At -v ON_ERROR_STOP=0 -h "$PGDIR" -U "$u" -d postgres "$@"
}
# refused USER TEXT SQL...: the statements, as USER in one connection, stop
# at an error whose message holds TEXT.
refused() {
    r_user=$1 r_text=$2
    shift 2
    if pg_as "$r_user" "$@" >refused.out 2>refused.err; then
        echo "not refused ($r_user): $*"
        cat refused.out
        return 1
    fi
    contains refused.err "$r_text"
}
# phone_reads USER: the audit log's records of USER reading customers.phone.
phone_reads() {
    pg "SELECT count(*) FROM ward.audit WHERE op = 'read' AND \"user\" = '$1'
        AND tbl = 'customers' AND columns LIKE '%phone%'"
}
# gk: the key of the read counters' settings (ward.r_GK, ward.c_GK_POS), as
# any user finds it in the view's definition.
gk() {
    pg_as a01 "SELECT (regexp_match(pg_get_viewdef('gsp_pharmacy.customers'::regclass),
                                    'ward.read_\\(''([0-9a-f]{16})'''))[1]"
}

t_setup() {
    "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" --target postgres \
        -o "$SCRATCH_BASE/pg.sql" &&
    pg "CREATE TABLE customers (id integer PRIMARY KEY, name text, phone text,
        id_card text, medication text, store_id integer, owner text)" \
       "INSERT INTO customers VALUES
        (1, '张三丰', '13812345678', '110101199003071234', 'metformin', 7, 'r01'),
        (2, '欧阳娜娜', '13998765432', '11010119900307123X', 'insulin', 8, 'r02'),
        (3, '李四', '15000001111', '310101197511101441', NULL, 7, 'r02')" &&
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d postgres \
        -f "$SCRATCH_BASE/pg.sql" &&
    for u in a01:cs_agent s01:cs_supervisor p01:pharmacist c01:compliance m07:store_manager r02:sales_rep; do
        pg "CREATE ROLE ${u%%:*} LOGIN IN ROLE ${u#*:}" || return 1
    done &&
    pg_as a01 "SELECT phone FROM gsp_pharmacy.customers WHERE id = 1" >out &&
    echo '138****5678' >want && cmp want out &&
    test "$(gk)" != ''
}
test_expect_success 'the full policy applies; users log in with its roles' t_setup

t_base_table() {
    refused a01 'permission denied for table customers' "SELECT phone FROM customers" &&
    refused a01 'permission denied for table customers' \
        "WITH x AS (TABLE customers) SELECT phone FROM x" &&
    refused a01 'permission denied for table customers' "COPY customers TO STDOUT" &&
    refused a01 'permission denied for table customers' \
        "COPY (SELECT phone FROM public.customers) TO STDOUT"
}
test_expect_success 'a policy role reads no base table: SELECT, a CTE, COPY' t_base_table

t_ddl() {
    refused a01 'must be owner of table customers' \
        "ALTER TABLE customers DISABLE ROW LEVEL SECURITY" &&
    refused a01 'must be owner of relation customers' "DROP POLICY ward_read ON customers" &&
    refused a01 'must be owner of table customers' "ALTER TABLE customers OWNER TO a01" &&
    refused a01 'must be owner of view customers' \
        "ALTER VIEW gsp_pharmacy.customers SET (security_barrier = false)" &&
    refused a01 'must be owner of relation customers' \
        "DROP TRIGGER ward_write ON gsp_pharmacy.customers" &&
    refused a01 'permission denied for schema gsp_pharmacy' \
        "CREATE OR REPLACE VIEW gsp_pharmacy.customers AS SELECT * FROM customers" &&
    refused a01 'permission denied for schema gsp_pharmacy' \
        "CREATE VIEW gsp_pharmacy.mine AS SELECT 1 AS x" &&
    refused a01 'permission denied for schema ward' \
        "CREATE OR REPLACE FUNCTION ward.caller_() RETURNS text LANGUAGE sql AS 'SELECT ''c01''::text'" &&
    refused a01 'must have admin option on role "ward_reader"' "GRANT ward_reader TO a01" &&
    refused a01 'permission denied to set role "ward_reader"' "SET ROLE ward_reader" &&
    refused a01 'must be superuser to change bypassrls attribute' "ALTER ROLE a01 BYPASSRLS" &&
    refused a01 'permission denied for table cell' "UPDATE ward.cell SET outcome = 1" &&
    pg "SELECT c.relrowsecurity, (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
        FROM pg_class c WHERE c.oid = 'public.customers'::regclass" >out &&
    echo 't|1' >want && cmp want out
}
test_expect_success 'a policy role changes neither the table, its policy, the views nor its own roles' t_ddl

t_approval() {
    id=$(pg_as s01 "SELECT ward.request('export_customers', 'quarterly report')") &&
    refused s01 '[self-approval]' "SELECT ward.approve($id)" &&
    refused s01 '[self-approval]' "SELECT ward.approve('export_customers')" &&
    refused p01 '[not-approver]' "SELECT ward.approve($id)" &&
    refused a01 '[not-approver]' "SELECT ward.approve($id)" &&
    refused s01 '[approval-required]' "SELECT count(*) FROM gsp_pharmacy.ward_export_customers" &&
    pg_as c01 "SELECT ward.approve($id)" >out && echo 0 >want && cmp want out &&
    refused c01 '[already-approved]' "SELECT ward.approve($id)" &&
    refused a01 '[approval-required]' "SELECT count(*) FROM gsp_pharmacy.ward_export_customers" &&
    pg_as s01 "SELECT count(*) FROM gsp_pharmacy.ward_export_customers" >out &&
    echo 3 >want && cmp want out &&
    refused s01 '[approval-required]' "SELECT count(*) FROM gsp_pharmacy.ward_export_customers" &&
    pg "SELECT count(*) FROM ward.audit WHERE op = 'export' AND detail = 'export_customers #$id'" >out &&
    echo 1 >want && cmp want out
}
test_expect_success 'an export needs a second person, an approving role, and is used once, by its requester' t_approval

t_writes() {
    refused a01 '[write-denied] role cs_agent may not write customers.id_card' \
        "UPDATE gsp_pharmacy.customers SET id_card = '1' WHERE id = 1" &&
    refused a01 '[write-denied] role cs_agent may not write customers.store_id' \
        "UPDATE gsp_pharmacy.customers SET store_id = 8 WHERE id = 1" &&
    refused a01 '[write-denied] role cs_agent may not delete from customers' \
        "DELETE FROM gsp_pharmacy.customers WHERE id = 1" &&
    refused a01 '[write-denied] role cs_agent may not write customers.id' \
        "INSERT INTO gsp_pharmacy.customers (id, name, phone) VALUES (9, 'x', '1')" &&
    refused p01 '[write-denied] role pharmacist may not write customers.phone' \
        "UPDATE gsp_pharmacy.customers SET phone = '1' WHERE id = 1" &&
    # What a01 sees written back (masks, NULL for hidden) is no change.
    pg_as a01 "UPDATE gsp_pharmacy.customers SET name = name, phone = phone,
        id_card = id_card, medication = medication WHERE id = 1" &&
    pg "SELECT name, phone, id_card, medication FROM customers WHERE id = 1" >out &&
    echo '张三丰|13812345678|110101199003071234|metformin' >want && cmp want out
}
test_expect_success 'writes through the view: only granted columns, masks never stored' t_writes

t_set_role_approval() {
    # s01 holds cs_supervisor, so the server lets it SET ROLE to it; the
    # approver must still be s01, the requester.
    id=$(pg_as s01 "SELECT ward.request('export_customers', 'approved by my group')") &&
    refused s01 '[self-approval]' "SET ROLE cs_supervisor" "SELECT ward.approve($id)" &&
    refused s01 '[approval-required]' "SELECT count(*) FROM gsp_pharmacy.ward_export_customers" &&
    id=$(pg_as s01 "SET ROLE cs_supervisor" \
        "SELECT ward.request('export_customers', 'requested by my group')" | tail -n 1) &&
    refused s01 '[self-approval]' "SELECT ward.approve($id)" &&
    refused s01 '[approval-required]' "SET ROLE cs_supervisor" \
        "SELECT count(*) FROM gsp_pharmacy.ward_export_customers"
}
test_expect_success 'SET ROLE to a group one holds is no second person' t_set_role_approval

t_audit() {
    pg_as a01 "SELECT phone FROM gsp_pharmacy.customers WHERE id = 2" >/dev/null &&
    fp="SELECT count(*) || ' ' || md5(string_agg(a::text, ',' ORDER BY seq))
        || ' ' || (SELECT seq || hash FROM ward.audit_head) FROM ward.audit a" &&
    pg "$fp" >before &&
    refused postgres '[append-only]' "UPDATE ward.audit SET \"user\" = 'nobody'" &&
    refused postgres '[append-only]' "DELETE FROM ward.audit" &&
    refused postgres '[append-only]' "TRUNCATE ward.audit" &&
    refused postgres '[append-only]' "UPDATE ward.audit_head SET hash = repeat('0', 64)" &&
    refused postgres '[append-only]' "DELETE FROM ward.audit_head" &&
    refused a01 'permission denied for table audit' "UPDATE ward.audit SET \"user\" = 'nobody'" &&
    refused a01 'permission denied for table audit' "DELETE FROM ward.audit" &&
    refused a01 'permission denied for table audit' "TRUNCATE ward.audit" &&
    refused a01 'permission denied for table audit' \
        "INSERT INTO ward.audit VALUES (999, 'now', 'c01', NULL, NULL, 'approve',
         NULL, NULL, NULL, NULL, NULL, 'x', 'y')" &&
    refused a01 'permission denied for table audit_head' \
        "UPDATE ward.audit_head SET seq = seq + 1" &&
    refused a01 'permission denied for function audit_append_' \
        "SELECT ward.audit_append_('c01', 'compliance', NULL, 'approve', NULL, NULL,
         NULL, NULL, 'export_customers #1')" &&
    refused a01 'permission denied for function audit_session_' \
        "SELECT ward.audit_session_('gsp_pharmacy', 'approve', NULL, NULL, NULL, NULL, NULL)" &&
    refused a01 'permission denied for table read_pending' "DELETE FROM ward.read_pending" &&
    pg "$fp" >after && cmp before after
}
test_expect_success 'the audit log is append-only, even for the superuser' t_audit

t_lock() {
    refused a01 '[session-locked]' "SELECT ward.set_scenario('outbound_call')" \
        "SELECT ward.lock()" "SELECT ward.set_scenario(NULL)" &&
    refused a01 '[session-locked]' "SELECT ward.set_scenario('outbound_call')" \
        "SELECT ward.lock()" "SELECT ward.set_attr('store_id', '8')" &&
    pg_try a01 "SELECT ward.set_scenario('outbound_call')" "SELECT ward.lock()" \
        "SELECT ward.set_scenario(NULL)" "SELECT ward.set_attr('store_id', '8')" \
        "SELECT ward.lock()" "SET ward.scenario = ''" \
        "DROP TABLE pg_temp.ward_state" "DELETE FROM pg_temp.ward_state" \
        "TRUNCATE pg_temp.ward_state" "ALTER TABLE pg_temp.ward_state RENAME TO mine" \
        "SELECT coalesce(ward.scenario(), '-') || ' ' || coalesce(ward.attr('store_id'), '-')" \
        >out 2>err &&
    test "$(tail -n 1 out)" = 'outbound_call -' &&
    test "$(grep -c 'session-locked' err)" -eq 3 &&
    contains err 'must be owner of table ward_state' &&
    contains err 'permission denied for table ward_state' &&
    refused a01 'a table named ward_state that ward did not make' \
        "CREATE TEMP TABLE ward_state (k text PRIMARY KEY, v text)" \
        "INSERT INTO ward_state VALUES ('scenario', 'outbound_call')" \
        "SELECT ward.set_scenario(NULL)" &&
    refused a01 'a table named ward_state that ward did not make' \
        "CREATE TEMP TABLE ward_state (k text PRIMARY KEY, v text)" \
        "SELECT phone FROM gsp_pharmacy.customers WHERE id = 1"
}
test_expect_success 'a locked session stays locked; a table of the same name is refused' t_lock

t_discard() {
    # Under outbound_call s01 sees id_card masked; without a scenario, whole.
    for d in 'DISCARD TEMP' 'DISCARD ALL'; do
        pg_try s01 "SELECT ward.set_scenario('outbound_call')" "SELECT ward.lock()" \
            "$d" "SELECT 'id_card ' || id_card FROM gsp_pharmacy.customers WHERE id = 1" \
            "SELECT ward.set_scenario(NULL)" "SELECT ward.set_attr('store_id', '8')" \
            "SELECT 'id_card ' || id_card FROM gsp_pharmacy.customers WHERE id = 1" \
            "SELECT 'store_id ' || ward.attr('store_id')" >out 2>err
        if grep -q -e '110101199003071234' -e 'store_id 8' out; then
            echo "$d undid ward.lock():"
            cat out err
            return 1
        fi
        # Still outbound_call, still locked.
        test "$(grep -c '^id_card 11010119900307\*\*\*\*$' out)" -eq 2 &&
        test "$(grep -c 'session-locked' err)" -eq 2 || { cat out err; return 1; }
    done
}
test_expect_success 'DISCARD TEMP or DISCARD ALL does not undo ward.lock()' t_discard

t_key() {
    refused a01 'permission denied for table key' "SELECT * FROM ward.key" &&
    refused a01 'permission denied for function hmac' "SELECT ward.hmac('x', 'y')" &&
    refused a01 'permission denied for function hmac_sha256_' \
        "SELECT ward.hmac_sha256_('\\x00'::bytea, '\\x00'::bytea)"
}
test_expect_success 'the key is unreadable and hmac uncallable by a policy role' t_key

t_search_path() {
    pg "SELECT count(*) FROM pg_proc WHERE pronamespace = 'ward'::regnamespace AND prosecdef
        AND NOT coalesce(array_to_string(proconfig, ',') LIKE '%search_path=%', false)" >out &&
    echo 0 >want && cmp want out &&
    pg "SELECT count(*) >= 10 FROM pg_proc WHERE pronamespace = 'ward'::regnamespace AND prosecdef" >out &&
    echo t >want && cmp want out &&
    pg "SELECT string_agg(proname, ' ') FROM pg_proc WHERE pronamespace = 'ward'::regnamespace
        AND NOT coalesce(array_to_string(proconfig, ',') LIKE '%search_path=%', false)" >out &&
    echo >want && cmp want out
}
test_expect_success 'every function of the runtime pins its search_path' t_search_path

t_evil_path() {
    pg "CREATE SCHEMA evil AUTHORIZATION a01" &&
    pg_as a01 "CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE sql AS 'SELECT ''c01''::text'" \
        "CREATE FUNCTION evil.current_setting(text, boolean) RETURNS text LANGUAGE sql AS 'SELECT ''c01''::text'" \
        "CREATE FUNCTION evil.pg_has_role(name, text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true'" \
        "CREATE FUNCTION evil.pg_has_role(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true'" \
        "CREATE TABLE evil.ward_state (k text PRIMARY KEY, v text)" \
        "INSERT INTO evil.ward_state VALUES ('scenario', NULL)" &&
    Q="SELECT id, phone, coalesce(id_card, '-'), coalesce(medication, '-') FROM gsp_pharmacy.customers ORDER BY id" &&
    pg_as a01 "$Q" >plain &&
    pg_as a01 "SET search_path = evil, pg_catalog, public" "$Q" >evil &&
    cmp plain evil &&
    head -n 1 evil >out && echo '1|138****5678|-|-' >want && cmp want out &&
    id=$(pg_as s01 "SELECT ward.request('export_customers', 'for the evil test')") &&
    refused a01 'a01 holds no role that approves export_customers' \
        "SET search_path = evil, pg_catalog, public" "SELECT ward.approve($id)" &&
    refused a01 'permission denied to set role "c01"' "SELECT set_config('role', 'c01', false)" &&
    pg_as a01 "SET search_path = evil, pg_catalog, public" \
        "SELECT ward.request('export_customers', 'mine')" >/dev/null &&
    pg "SELECT string_agg(requester, ',') FROM ward.request WHERE reason = 'mine'" >out &&
    echo a01 >want && cmp want out
}
test_expect_success 'functions of the user'"'"'s own schema first on its search_path change nothing' t_evil_path

t_owner() {
    pg "SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
        WHERE c.oid = 'public.customers'::regclass" >out &&
    ! grep -qx ward_reader out &&
    pg "SELECT rolsuper || ' ' || rolbypassrls || ' ' || rolcanlogin FROM pg_roles
        WHERE rolname = 'ward_reader'" >out &&
    echo 'false false false' >want && cmp want out &&
    pg "SELECT string_agg(viewowner, ' ' ORDER BY viewname) FROM pg_views
        WHERE schemaname = 'gsp_pharmacy'" >out &&
    echo 'ward_reader ward_reader' >want && cmp want out &&
    pg "CREATE ROLE b01 LOGIN BYPASSRLS IN ROLE sales_rep" &&
    pg_as b01 "SELECT count(*) FROM gsp_pharmacy.customers" >out &&
    echo 0 >want && cmp want out &&
    pg_as r02 "SELECT count(*) FROM gsp_pharmacy.customers" >out &&
    echo 2 >want && cmp want out &&
    refused b01 'permission denied for table customers' "SELECT count(*) FROM customers"
}
test_expect_success 'the views'"'"' owner is not the table'"'"'s and bypasses no row security, nor does a BYPASSRLS user' t_owner

t_read_forged_settings() {
    g=$(gk) && test -n "$g" &&
    n0=$(phone_reads a01) &&
    # The statement's counter forged before its first row: a pending record
    # that does not exist.
    pg_as a01 "SELECT c.phone FROM
        (SELECT set_config('ward.r_$g', statement_timestamp()::text || '|0|0|', false) AS f) f
        CROSS JOIN LATERAL (SELECT phone FROM gsp_pharmacy.customers
                            WHERE id = 1 AND f.f IS NOT NULL OFFSET 0) c" >out &&
    echo '138****5678' >want && cmp want out &&
    n1=$(phone_reads a01) && test "$n1" -eq $((n0 + 1)) &&
    # The counters wiped by the same statement, after its row.
    pg_as a01 "SELECT phone, set_config('ward.r_$g', '', false) = '',
        set_config('ward.c_${g}_2', '', false) = '' FROM gsp_pharmacy.customers WHERE id = 1" >out &&
    contains out '138****5678' &&
    n2=$(phone_reads a01) && test "$n2" -eq $((n1 + 1)) &&
    # ... or between the read and the commit.
    pg_as a01 "BEGIN" "SELECT phone FROM gsp_pharmacy.customers WHERE id = 1" \
        "SELECT set_config('ward.r_$g', statement_timestamp()::text || '|0|0|', false)" \
        "SELECT set_config('ward.c_${g}_2', '', false)" "COMMIT" >out &&
    contains out '138****5678' &&
    n3=$(phone_reads a01) && test "$n3" -eq $((n2 + 1))
}
test_expect_success 'a read is recorded however the session rewrites its read counters' t_read_forged_settings

t_read_swapped_columns() {
    g=$(gk) && test -n "$g" &&
    n0=$(phone_reads a01) &&
    # phone (position 2) read; the settings then claim medication (4) was.
    pg_as a01 "SELECT phone, set_config('ward.c_${g}_4', statement_timestamp()::text, false) <> '',
        set_config('ward.c_${g}_2', '', false) FROM gsp_pharmacy.customers WHERE id = 1" >out &&
    contains out '138****5678' &&
    n1=$(phone_reads a01) &&
    if [ "$n1" -ne $((n0 + 1)) ]; then
        echo "the read of phone was recorded as:"
        pg "SELECT seq, \"user\", op, tbl, columns, nrows FROM ward.audit ORDER BY seq DESC LIMIT 1"
        return 1
    fi &&
    # ... and id_card (3), between the read and the commit.
    pg_as a01 "BEGIN" "SELECT phone FROM gsp_pharmacy.customers WHERE id = 2" \
        "SELECT set_config('ward.c_${g}_3', coalesce(current_setting('ward.c_${g}_2', true), ''), false) <> '',
                set_config('ward.c_${g}_2', '', false)" "COMMIT" >out &&
    contains out '139****5432' &&
    n2=$(phone_reads a01) &&
    if [ "$n2" -ne $((n1 + 1)) ]; then
        echo "the read of phone was recorded as:"
        pg "SELECT seq, \"user\", op, tbl, columns, nrows FROM ward.audit ORDER BY seq DESC LIMIT 1"
        return 1
    fi
}
test_expect_success 'a read of phone cannot be recorded as a read of another column' t_read_swapped_columns

t_read_seen_direct() {
    g=$(gk) && test -n "$g" && n0=$(phone_reads a01) &&
    pg_as a01 "SELECT ward.outcome_read_('gsp_pharmacy', 'orders', 'phone', '$g', 2)" >out &&
    echo 0 >want && cmp want out &&
    refused a01 'is not a protected table' \
        "SELECT ward.outcome_read_('gsp_pharmacy', 'customers', 'phone', '0000000000000000', 2)" &&
    refused a01 'permission denied for function read_open_' \
        "SELECT ward.read_open_('gsp_pharmacy', 'customers', '$g', 4)" &&
    # A record opened by hand for another column first: phone is still
    # recorded as phone.
    pg_as a01 "SELECT c.phone FROM
        (SELECT ward.outcome_read_('gsp_pharmacy', 'customers', 'name', '$g', 1) AS f) f
        CROSS JOIN LATERAL (SELECT phone FROM gsp_pharmacy.customers
                            WHERE id = 1 AND f.f IS NOT NULL OFFSET 0) c" >out &&
    echo '138****5678' >want && cmp want out &&
    n1=$(phone_reads a01) &&
    if [ "$n1" -ne $((n0 + 1)) ]; then
        echo "a01 read phone; the audit log says:"
        pg "SELECT seq, \"user\", roles, op, tbl, columns, nrows FROM ward.audit
            ORDER BY seq DESC LIMIT 2"
        return 1
    fi
}
test_expect_success 'calling the read counter directly does not hide a read' t_read_seen_direct

t_gate_code() {
    # A login role holding no policy role: a temporary view whose filter
    # is its own temporary function, counted by the export gate.
    pg "CREATE ROLE x01 LOGIN" || return 1
    pg_try x01 "CREATE FUNCTION pg_temp.who() RETURNS boolean LANGUAGE plpgsql AS
            'BEGIN RAISE EXCEPTION ''ran as %'', current_user; END'" \
        "CREATE TEMP VIEW v AS SELECT 1 AS x WHERE pg_temp.who()" \
        "SELECT ward.export_gate_('pg_temp', 'v')" \
        "SELECT ward.unmask_gate_('pg_temp', 'v', 'x')" >out 2>err
    if grep 'ran as' err | grep -v -q 'ran as x01'; then
        echo "the export gate ran the user's code as another role:"
        cat err
        return 1
    fi
    pg "SELECT rolsuper FROM pg_roles WHERE rolname = 'x01'" >out &&
    echo f >want && cmp want out
}
test_expect_success 'the export gate runs no code of the caller'"'"'s as the runtime'"'"'s owner' t_gate_code

t_injection() {
    pg "INSERT INTO customers VALUES (4, \$v\$x'); DROP TABLE customers; --\$v\$,
        \$v\$'; SELECT 1; --\$v\$, NULL, NULL, 7, 'r02')" &&
    pg "SELECT id, ward.keep(name, 1, 0), ward.keep(phone, 3, 4) FROM customers WHERE id = 4" >want &&
    pg_as a01 "SELECT id, name, phone FROM gsp_pharmacy.customers WHERE id = 4" >out &&
    cmp want out &&
    pg_as a01 "UPDATE gsp_pharmacy.customers SET phone = \$v\$'); DELETE FROM customers; --\$v\$,
        name = \$v\$Robert'); DROP TABLE customers;--\$v\$ WHERE id = 4" &&
    pg "SELECT name || ' / ' || phone FROM customers WHERE id = 4" >out &&
    printf '%s\n' "Robert'); DROP TABLE customers;-- / '); DELETE FROM customers; --" >want &&
    cmp want out &&
    pg "SELECT count(*) FROM customers" >out && echo 4 >want && cmp want out &&
    pg "SELECT count(*) FROM ward.audit WHERE op = 'update' AND \"user\" = 'a01' AND key = '4'
        AND columns = 'name,phone'" >out && echo 1 >want && cmp want out &&
    refused a01 '[unknown-approval]' \
        "SELECT ward.request(\$v\$x'); DROP TABLE customers; --\$v\$, 'r')" &&
    pg_as a01 "SELECT ward.set_attr(\$v\$k'); DROP TABLE customers; --\$v\$, \$v\$'; --\$v\$)" \
        "SELECT ward.attr(\$v\$k'); DROP TABLE customers; --\$v\$)" >out &&
    printf "%s\n%s\n" "'; --" "'; --" >want && cmp want out &&
    pg "SELECT to_regclass('public.customers') IS NOT NULL" >out && echo t >want && cmp want out
}
test_expect_success 'SQL in a value is data: read, written back, and the table stays' t_injection

t_pinned() {
    pg "INSERT INTO ward.user_attr VALUES ('m07', 'store_id', '7')" &&
    pg_as m07 "SELECT string_agg(id::text, ',' ORDER BY id) FROM gsp_pharmacy.customers" >out &&
    echo '1,3,4' >want && cmp want out &&
    refused m07 'attribute store_id of m07 is pinned by the DBA' \
        "SELECT ward.set_attr('store_id', '8')" &&
    pg_try m07 "SELECT ward.set_attr('store_id', '8')" \
        "SELECT count(*) FROM gsp_pharmacy.customers WHERE store_id = 8" >out 2>/dev/null &&
    echo 0 >want && cmp want out &&
    refused m07 'permission denied for table user_attr' \
        "INSERT INTO ward.user_attr VALUES ('m07', 'region', 'x')" &&
    refused m07 'permission denied for table user_attr' \
        "UPDATE ward.user_attr SET value = '8'"
}
test_expect_success 'an attribute the DBA pins to a user is not the user'"'"'s to change' t_pinned
