#!/bin/sh
# Attacks on the compiled PostgreSQL policy, on a real throwaway server:
# the running example applied as is (writes, approvals, audit), and users
# who log in with the policy's roles and try to get around it with plain
# SQL. Every attack must fail, and fail for the right reason: each test
# checks the refusal's text, or what the audit log holds afterwards.
. "$ROOT/tests/cli/lib.sh"

. "$ROOT/tests/cli/lib_pg.sh"
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
    pg "SELECT count(*) >= 10 FROM pg_proc WHERE pronamespace = 'ward'::regnamespace AND prosecdef" >out &&
    echo t >want && cmp want out &&
    # pg_temp named, and last: left out, it is searched first. Only the C
    # library's functions and the inlinable SQL ones do without (t0016
    # holds their bodies to schema-qualified names).
    pg "SELECT string_agg(proname, ' ') FROM pg_proc WHERE pronamespace = 'ward'::regnamespace
        AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (proconfig), false)
        AND prolang NOT IN (SELECT oid FROM pg_language WHERE lanname IN ('c', 'sql'))" >out &&
    echo >want && cmp want out
}
test_expect_success 'every PL/pgSQL function of the runtime pins its search_path to pg_catalog, pg_temp' t_search_path

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

# The attack review's finding: a temporary view named pg_roles, calling the
# user's own function, read by ward.caller_() inside the runtime's SECURITY
# DEFINER functions, ran that function as ward_owner (a forged vote, every
# row in clear, the lock removed). tests/cli/t0016 shadows every name.
cat >"$SCRATCH_BASE/temp_pg_roles.sql" <<'EOF'
CREATE TEMP TABLE loot (who text, could text);
GRANT ALL ON pg_temp.loot TO PUBLIC;
CREATE FUNCTION pg_temp.evil() RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    INSERT INTO pg_temp.loot VALUES (current_user,
        'vote=' || has_table_privilege('ward.vote', 'INSERT')
        || ' locked_session=' || has_table_privilege('ward.locked_session', 'DELETE'));
    RAISE WARNING 'evil ran as %', current_user;
    RETURN true;
END $f$;
CREATE TEMP VIEW pg_roles AS
    SELECT * FROM (SELECT r.*, pg_temp.evil() AS e FROM pg_catalog.pg_roles r OFFSET 0) s;
GRANT SELECT ON pg_temp.pg_roles TO PUBLIC;
EOF
t_temp_pg_roles() {
    id=$(pg_as s01 "SELECT ward.request('export_customers', 'for the temp view test')") &&
    U="SELECT phone FROM gsp_pharmacy.customers WHERE id = 1" &&
    L="SELECT coalesce(string_agg(DISTINCT who || ' ' || could, ', '), 'none') FROM pg_temp.loot" &&
    # A fresh session, and one that used ward before (its functions'
    # plans cached), then DISCARD PLANS.
    pg_try a01 "\\i $SCRATCH_BASE/temp_pg_roles.sql" "$U" "SELECT ward.set_scenario(NULL)" \
        "SELECT ward.approve($id)" "SELECT ward.request('export_customers', 'temp 1')" "$L" \
        >fresh.out 2>fresh.err
    pg_try a01 "$U" "SELECT ward.set_scenario(NULL)" "SELECT ward.lock()" \
        "\\i $SCRATCH_BASE/temp_pg_roles.sql" "DISCARD PLANS" "$U" \
        "SELECT ward.set_scenario('outbound_call')" "SELECT ward.approve($id)" \
        "SELECT ward.request('export_customers', 'temp 2')" "$L" >plans.out 2>plans.err
    for s in fresh plans; do
        if grep -q 'evil ran' $s.err || [ "$(tail -n 1 $s.out)" != none ]; then
            echo "$s: a01's function ran inside the runtime: $(tail -n 1 $s.out)"
            grep 'evil ran' $s.err | sort | uniq -c
            return 1
        fi
        contains $s.err 'a01 holds no role that approves export_customers' &&
        grep -q '^138\*\*\*\*5678$' $s.out || return 1
    done
    contains plans.err '[session-locked]' &&
    pg "SELECT count(*) FROM ward.vote WHERE request = $id" >out && echo 0 >want && cmp want out
}
test_expect_success 'a temporary view named pg_roles runs no code of the user'"'"'s in the runtime, after DISCARD PLANS too' t_temp_pg_roles

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

# ---- Second round: what the first did not attack ----

# A failed write's error shows the row as the runtime wrote it: it must not
# show what the writer may not see (id_card, medication, the whole name and
# phone of a cs_agent's rows).
t_write_error_detail() {
    pg "ALTER TABLE customers ALTER COLUMN name SET NOT NULL" \
       "ALTER TABLE customers ADD CONSTRAINT t13_phone CHECK (phone !~ '^x')" || return 1
    pg_try a01 "UPDATE gsp_pharmacy.customers SET name = NULL WHERE id = 1" \
        "UPDATE gsp_pharmacy.customers SET phone = 'x1' WHERE id = 2" >out 2>err
    pg "ALTER TABLE customers ALTER COLUMN name DROP NOT NULL" \
       "ALTER TABLE customers DROP CONSTRAINT t13_phone" || return 1
    contains err 'not-null constraint' && contains err 'check constraint' || return 1
    for s in 110101199003071234 metformin 13812345678 张三丰 \
             11010119900307123X insulin 13998765432 欧阳娜娜; do
        if grep -F -q -- "$s" err; then
            echo "a01's failed write showed $s:"
            cat err
            return 1
        fi
    done
    pg "SELECT name || ' ' || phone FROM customers WHERE id IN (1, 2) ORDER BY id" >out &&
    printf '%s\n' '张三丰 13812345678' '欧阳娜娜 13998765432' >want && cmp want out
}
test_expect_success 'a write refused by a constraint shows no column the writer may not see' t_write_error_detail

t_write_paths() {
    printf '9\tx\n' | refused a01 '[write-denied] role cs_agent may not write customers.id' \
        "COPY gsp_pharmacy.customers (id, name) FROM STDIN" &&
    printf '1\n' | refused p01 '[write-denied] role pharmacist may not write customers.store_id' \
        "COPY gsp_pharmacy.customers (store_id) FROM STDIN" &&
    refused a01 '[write-denied] role cs_agent may not write customers.id' \
        "INSERT INTO gsp_pharmacy.customers (id, name) VALUES (1, 'x') ON CONFLICT DO NOTHING" &&
    refused a01 'no unique or exclusion constraint matching the ON CONFLICT' \
        "INSERT INTO gsp_pharmacy.customers (id, name) VALUES (1, 'x')
         ON CONFLICT (id) DO UPDATE SET name = 'y'" &&
    ! pg_as a01 "MERGE INTO gsp_pharmacy.customers c USING (SELECT 1 AS id) s ON c.id = s.id
                 WHEN MATCHED THEN UPDATE SET store_id = 8" 2>err &&
    { grep -F -q 'cannot execute MERGE' err || contains err '[write-denied]'; } &&
    refused a01 '[write-denied] role cs_agent may not delete from customers' \
        "WITH d AS (DELETE FROM gsp_pharmacy.customers WHERE id = 1 RETURNING *) SELECT * FROM d" &&
    # RETURNING gives the view's row with what was written: nothing unmasked.
    pg_as a01 "WITH u AS (UPDATE gsp_pharmacy.customers SET phone = '13812345678' WHERE id = 1
               RETURNING id, name, phone, id_card, medication) SELECT * FROM u" >out &&
    echo '1|张**|13812345678||' >want && cmp want out &&
    # A WHERE on a masked or hidden column compares what a01 sees.
    pg "SELECT count(*) FROM ward.audit WHERE op = 'update' AND \"user\" = 'a01'" >before &&
    pg_as a01 "UPDATE gsp_pharmacy.customers SET name = 'guess' WHERE phone = '13812345678'" \
        "UPDATE gsp_pharmacy.customers SET name = 'guess' WHERE id_card LIKE '1101%'" \
        "UPDATE gsp_pharmacy.customers SET name = 'guess' WHERE medication = 'metformin'" &&
    pg "SELECT count(*) FROM ward.audit WHERE op = 'update' AND \"user\" = 'a01'" >after &&
    cmp before after &&
    pg "SELECT count(*) FROM customers WHERE name = 'guess'" >out && echo 0 >want && cmp want out
}
test_expect_success 'COPY, ON CONFLICT, MERGE, writable CTEs, RETURNING and WHERE on masks: the same checks' t_write_paths

t_write_trigger_reuse() {
    # The runtime's trigger on a view of one's own would delete by any key.
    refused a01 'permission denied for function ward.view_write_' \
        "CREATE TEMP VIEW customers AS SELECT 2 AS id, 'n'::text AS name, 'p'::text AS phone,
         NULL::text AS id_card, NULL::text AS medication, 8 AS store_id, 'r02'::text AS owner" \
        "CREATE TRIGGER w INSTEAD OF UPDATE OR DELETE ON customers
         FOR EACH ROW EXECUTE FUNCTION ward.view_write_('gsp_pharmacy')" &&
    refused a01 'permission denied for function ward.audit_write_' \
        "CREATE TEMP TABLE t (id integer)" \
        "CREATE TRIGGER a AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION ward.audit_write_('gsp_pharmacy', 'id')" &&
    refused a01 'permission denied for function ward.read_flush_' \
        "CREATE TEMP TABLE t (id integer)" \
        "CREATE CONSTRAINT TRIGGER f AFTER INSERT ON t DEFERRABLE
         FOR EACH ROW EXECUTE FUNCTION ward.read_flush_()"
}
test_expect_success 'the runtime'"'"'s trigger functions attach to no view or table of a user'"'"'s' t_write_trigger_reuse

t_write_masked_numbers() {
    # The view shows a masked number as text ('30-39', '1****'), which the
    # table's column does not take: a write through the view names its row
    # by the key and reads only the columns it writes.
    cat >wm.ward <<'EOP' &&
policy wm version 1;
role wm_clerk;
table wm_acct {
  id     integer key;
  amount real;
  n      integer;
  born   date;
  note   text;
  mask amount with bucket(10) to wm_clerk;
  mask n with keep(1, 0) to wm_clerk;
  mask born with mssql_default() to wm_clerk;
  write id, amount, n, born, note to wm_clerk;
}
EOP
    "$WARD" compile wm.ward --target postgres -o wm.sql &&
    pg "CREATE TABLE wm_acct (id integer PRIMARY KEY, amount real, n integer, born date, note text)" \
       "INSERT INTO wm_acct VALUES (1, 37.5, 12345, '1990-03-07', 'a'), (2, 5, 678, '2001-12-31', 'b')" &&
    pg_apply wm.sql && pg "CREATE ROLE wm1 LOGIN IN ROLE wm_clerk" &&
    pg_as wm1 "SELECT id, amount, n, born, note FROM wm.wm_acct ORDER BY id" >out &&
    printf '%s\n' '1|30-39|1****|1900-01-01|a' '2|0-9|6**|1900-01-01|b' >want && cmp want out &&
    pg_as wm1 "UPDATE wm.wm_acct SET note = 'changed' WHERE id = 1" \
        "UPDATE wm.wm_acct SET amount = 40, note = note WHERE id = 2" \
        "DELETE FROM wm.wm_acct WHERE id = 1" &&
    pg "SELECT id, amount, n, born, note FROM wm_acct ORDER BY id" >out &&
    echo '2|40|678|2001-12-31|b' >want && cmp want out
}
test_expect_success 'a write through the view of a table with masked numbers and dates' t_write_masked_numbers

t_output_settings() {
    # A mask reads characters. DateStyle and TimeZone are every user's to
    # set: they must not choose which characters of a date or a timestamp
    # the mask reads (keep(4, 0) of 1990-03-07 showed 07.0 under German,
    # 03/0 under SQL, MDY; a time zone moved the timestamp's date).
    cat >ds.ward <<'EOP' &&
policy ds version 1;
role ds_clerk;
table ds_t {
  id   integer key;
  born date;
  at   datetime;
  mask born with keep(4, 0) to ds_clerk;
  mask at with keep(10, 0) to ds_clerk;
}
EOP
    "$WARD" compile ds.ward --target postgres -o ds.sql &&
    pg "CREATE TABLE ds_t (id integer PRIMARY KEY, born date, at timestamptz)" \
       "INSERT INTO ds_t VALUES (1, '1990-03-07', '2024-05-17 23:30:00+00')" &&
    pg_apply ds.sql && pg "CREATE ROLE ds1 LOGIN IN ROLE ds_clerk" &&
    pg_as ds1 "SELECT born, at FROM ds.ds_t" >plain &&
    echo '1990******|2024-05-17************' >want && cmp want plain || return 1
    for st in 'German' 'SQL, MDY' 'SQL, DMY' 'Postgres, DMY'; do
        for tz in 'Pacific/Kiritimati' 'America/Los_Angeles'; do
            pg_as ds1 "SET DateStyle = '$st'" "SET TimeZone = '$tz'" \
                "SELECT born, at FROM ds.ds_t" >out &&
            if ! cmp -s plain out; then
                echo "under DateStyle $st, TimeZone $tz the masks show: $(cat out)"
                return 1
            fi
        done
    done
}
test_expect_success 'a session'"'"'s DateStyle or TimeZone chooses nothing a mask shows' t_output_settings

t_insert_defaults() {
    # pharmacist holds no write grant at all; the key gets a default.
    pg "ALTER TABLE customers ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START WITH 100)" ||
        return 1
    refused p01 '[write-denied]' "INSERT INTO gsp_pharmacy.customers DEFAULT VALUES"
    r=$?
    pg "SELECT count(*) FROM customers WHERE id >= 100" >rows
    pg "DELETE FROM customers WHERE id >= 100" \
       "ALTER TABLE customers ALTER COLUMN id DROP IDENTITY" || return 1
    test "$r" -eq 0 && echo 0 >want && cmp want rows
}
test_expect_success 'a role without a write grant inserts no row, not even one of defaults' t_insert_defaults

t_approval_once() {
    id=$(pg_as s01 "SELECT ward.request('export_customers', 'one statement')") &&
    pg_as c01 "SELECT ward.approve($id)" >/dev/null &&
    X="SELECT count(*) FROM gsp_pharmacy.ward_export_customers" &&
    pg "SELECT count(*) FROM customers" >all &&
    # Two statements of one transaction: the second needs its own approval
    # (and the refusal rolls back, giving the first its approval back).
    refused s01 '[approval-required]' "BEGIN" "$X" "$X" &&
    # Two statements of one query string: the same.
    refused s01 '[approval-required]' "$X; $X" &&
    pg_as s01 "$X" >out && cmp all out &&
    pg "SELECT count(*) FROM ward.audit WHERE op = 'export' AND detail = 'export_customers #$id'" >out &&
    echo 1 >want && cmp want out
}
test_expect_success 'an approval is used by one statement, not by the next one of a transaction or query string' t_approval_once

t_audit_settle() {
    n0=$(phone_reads a01) &&
    pg_as a01 "BEGIN" "SET CONSTRAINTS ALL IMMEDIATE" \
        "SELECT phone FROM gsp_pharmacy.customers WHERE id = 1" "COMMIT" >out &&
    contains out '138****5678' &&
    n1=$(phone_reads a01) && test "$n1" -eq $((n0 + 1)) &&
    pg_as a01 "BEGIN" "SET CONSTRAINTS ALL DEFERRED" \
        "SELECT phone FROM gsp_pharmacy.customers WHERE id = 1" \
        "SET CONSTRAINTS ward.ward_read_flush DEFERRED" "COMMIT" >/dev/null &&
    n2=$(phone_reads a01) && test "$n2" -eq $((n1 + 1)) &&
    refused a01 'permission denied for table read_pending' "TRUNCATE ward.read_pending" &&
    refused a01 'permission denied for table read_pending' \
        "INSERT INTO ward.read_pending (backend, stmt, policy, tbl, gk, cols, at)
         VALUES (1, 'x', 'gsp_pharmacy', 'customers', 'x', '{2}', 'x')" &&
    refused a01 'permission denied for sequence read_pending_id_seq' \
        "SELECT nextval('ward.read_pending_id_seq')" &&
    refused a01 'must be owner of table read_pending' \
        "ALTER TABLE ward.read_pending DISABLE TRIGGER ward_read_flush" &&
    refused a01 'permission denied for table locked_session' "TRUNCATE ward.locked_session" &&
    refused a01 'permission denied for table locked_session' "DELETE FROM ward.locked_session" &&
    refused a01 'permission denied for table locked_session' \
        "UPDATE ward.locked_session SET state = '{}'" &&
    refused a01 'permission denied for table locked_session' \
        "INSERT INTO ward.locked_session VALUES (pg_backend_pid(), now(), '{}')"
}
test_expect_success 'SET CONSTRAINTS hides no read; the pending reads and locked sessions are not the user'"'"'s' t_audit_settle

t_identity() {
    refused a01 'permission denied to set session authorization' "SET SESSION AUTHORIZATION c01" &&
    refused s01 'permission denied to set role "c01"' "SET ROLE c01" &&
    refused c01 'must have admin option on role "c01"' "GRANT c01 TO s01" || return 1
    # A login default naming another user is not applied.
    pg_as a01 "ALTER ROLE a01 SET role = 'c01'" >/dev/null 2>&1
    pg_as a01 "SELECT ward.caller_()" >out 2>/dev/null
    r=$?
    pg "ALTER ROLE a01 RESET role" || return 1
    test "$r" -eq 0 && echo a01 >want && cmp want out &&
    # SET ROLE to a group: still m07, still pinned.
    refused m07 'attribute store_id of m07 is pinned by the DBA' \
        "SET ROLE store_manager" "SELECT ward.set_attr('store_id', '8')" &&
    pg_as m07 "SET ROLE store_manager" \
        "SELECT string_agg(id::text, ',' ORDER BY id) FROM gsp_pharmacy.customers" >out &&
    echo '1,3,4' >want && cmp want out &&
    # After DISCARD TEMP, a state table of one's own changes nothing.
    pg_try s01 "SELECT ward.set_scenario('outbound_call')" "SELECT ward.lock()" "DISCARD TEMP" \
        "CREATE TEMP TABLE ward_state (k text PRIMARY KEY, v text)" \
        "INSERT INTO ward_state VALUES ('scenario', NULL), ('locked', NULL)" \
        "SELECT 'id_card ' || coalesce(id_card, '-') FROM gsp_pharmacy.customers WHERE id = 1" \
        "SELECT ward.set_scenario(NULL)" >out 2>err
    if grep -q '110101199003071234' out; then
        echo "a temporary ward_state of s01's own undid ward.lock():"
        cat out err
        return 1
    fi
    grep -q '^id_card 11010119900307\*\*\*\*$' out || contains err 'did not make'
}
test_expect_success 'no session becomes another user, leaves its pinned attributes or its lock' t_identity

t_verify_encoding() {
    pg "CREATE ROLE \"柜员01\" LOGIN IN ROLE cs_agent" &&
    pg_as "柜员01" "SELECT phone FROM gsp_pharmacy.customers WHERE id = 1" >/dev/null &&
    D=$DSN &&
    "$WARD" audit verify --dsn "$D" >out && contains out 'intact' &&
    PGCLIENTENCODING=GBK "$WARD" audit verify --dsn "$D" >out && contains out 'intact' &&
    "$WARD" audit verify --dsn "$D client_encoding=GB18030" >out && contains out 'intact'
}
test_expect_success 'ward audit verify holds whatever the client encoding, with a user named in Chinese' t_verify_encoding

t_stats() {
    pg "ANALYZE customers" &&
    pg_as a01 "SELECT count(*) FROM pg_stats WHERE tablename = 'customers'" \
        "SELECT count(*) FROM pg_stats_ext WHERE tablename = 'customers'" >out &&
    printf '0\n0\n' >want && cmp want out &&
    refused a01 'permission denied for table pg_statistic' "SELECT count(*) FROM pg_statistic"
}
test_expect_success 'the base table'"'"'s statistics show its values to no policy role' t_stats

# A second policy: a base table owned by an application role (not a
# superuser), a keyed mask with audited reads, an unmask and a delete
# approval.
acct_reads() {
    pg "SELECT count(*) FROM ward.audit WHERE op = 'read' AND \"user\" = '$1'
        AND tbl = 'acct' AND columns LIKE '%phone%'"
}
t_sx_setup() {
    cat >sx.ward <<'EOP' &&
policy sx version 1;
role teller;
role boss;
table acct {
  id     integer key;
  holder text;
  phone  text;
  secret text;
  owner  text;
  mask phone with hmac("phone") to teller;
  hide secret to teller;
  rows where owner = current_user for teller;
  rows all for boss;
  write holder, phone, owner to teller;
}
approval see_secret "see an account's secret" {
  unmask acct.secret;
  by 1 of boss;
}
approval close_acct "close an account" {
  delete acct;
  by 1 of boss;
  expires 2s;
}
audit acct read phone write all;
EOP
    "$WARD" compile sx.ward --target postgres -o "$SCRATCH_BASE/sx.sql" &&
    pg "CREATE ROLE app LOGIN" \
       "CREATE TABLE acct (id integer GENERATED BY DEFAULT AS IDENTITY (START WITH 100) PRIMARY KEY,
        holder text, phone text, secret text, owner text)" \
       "INSERT INTO acct VALUES (1, 'h1', '13800000001', 's1', 't1'), (2, 'h2', '13800000002', 's2', 't2'),
        (5, 'h5', '13800000005', 's5', 't1'), (6, 'h6', '13800000006', 's6', 't1')" \
       "ALTER TABLE acct OWNER TO app" &&
    pg_apply "$SCRATCH_BASE/sx.sql" &&
    WARD_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff \
        "$WARD" key load --dsn "$DSN" >/dev/null 2>&1 &&
    pg "CREATE ROLE t1 LOGIN IN ROLE teller" "CREATE ROLE t2 LOGIN IN ROLE teller" \
       "CREATE ROLE bo1 LOGIN IN ROLE boss" &&
    pg_as t1 "SELECT string_agg(id || ':' || length(phone) || ':' || coalesce(secret, '-'), ',' ORDER BY id)
              FROM sx.acct" >out &&
    echo '1:64:-,5:64:-,6:64:-' >want && cmp want out
}
test_expect_success 'a second policy: a table owned by an application role, hmac, unmask and delete approvals' t_sx_setup

t_keyed_direct() {
    f=$(pg "SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'sx' AND p.proname LIKE 'ward\\_keyed\\_%'") &&
    test -n "$f" && f=${f%(tid)} &&
    mine=$(pg "SELECT ctid FROM acct WHERE id = 1") &&
    theirs=$(pg "SELECT ctid FROM acct WHERE id = 2") &&
    # Through the view: the pseudonym, and a read recorded.
    n0=$(acct_reads t1) &&
    pg_as t1 "SELECT phone FROM sx.acct WHERE id = 1" >view.out &&
    grep -q '^[0-9a-f]\{64\}$' view.out &&
    n1=$(acct_reads t1) && test "$n1" -eq $((n0 + 1)) &&
    # Another teller's row, a role the mask is not for, hmac itself, a
    # look-alike hmac first on the search path: nothing.
    pg_as t1 "SELECT coalesce($f('$theirs'), 'NULL')" >out && echo NULL >want && cmp want out &&
    pg_as bo1 "SELECT coalesce($f('$mine'), 'NULL')" >out && cmp want out &&
    refused t1 'permission denied for function hmac' "SELECT ward.hmac('13800000001', 'phone')" &&
    pg "CREATE SCHEMA t1evil AUTHORIZATION t1" &&
    pg_as t1 "CREATE FUNCTION t1evil.hmac(text, text) RETURNS text LANGUAGE sql AS 'SELECT \$1'" \
        "SET search_path = t1evil, pg_catalog, public" "SELECT phone FROM sx.acct WHERE id = 1" >out &&
    cmp view.out out &&
    # Called directly, by row: the same pseudonym, so a read of acct.phone.
    n2=$(acct_reads t1) &&
    pg_as t1 "SELECT $f('$mine')" >direct.out &&
    n3=$(acct_reads t1) &&
    if cmp -s view.out direct.out && [ "$n3" -eq "$n2" ]; then
        echo "t1 read acct.phone's pseudonym by $f('$mine'); no read in the audit log"
        return 1
    fi
}
test_expect_success 'a keyed mask'"'"'s function called directly: another row or role gets NULL, its own row a recorded read' t_keyed_direct

t_approval_cross() {
    sid=$(pg_as t1 "SELECT ward.request('see_secret', 'cross')") &&
    refused c01 '[not-approver]' "SELECT ward.approve($sid)" &&
    refused s01 '[not-approver]' "SELECT ward.approve($sid)" &&
    refused t2 '[not-approver]' "SELECT ward.approve($sid)" &&
    eid=$(pg_as s01 "SELECT ward.request('export_customers', 'cross')") &&
    refused bo1 '[not-approver]' "SELECT ward.approve($eid)" &&
    pg_as c01 "SELECT ward.approve($eid)" >/dev/null &&
    pg_as bo1 "SELECT ward.approve($sid)" >/dev/null &&
    # An approval of one operation is not one of another, nor of another user.
    refused t1 '[approval-required] delete of acct needs approval close_acct' \
        "DELETE FROM sx.acct WHERE id = 5" &&
    refused t2 '[approval-required] unmask of acct.secret needs approval see_secret' \
        "SELECT secret FROM sx.ward_unmask_acct" &&
    refused a01 '[approval-required] export of customers needs approval export_customers' \
        "SELECT ward.export_gate_('gsp_pharmacy', 'customers')" &&
    refused a01 '[approval-required] unmask of acct.secret needs approval see_secret' \
        "SELECT ward.unmask_gate_('sx', 'acct', 'secret')" &&
    # The gates called directly with other names.
    refused t1 'is not an unmask-guarded column' "SELECT ward.unmask_gate_('sx', 'acct', 'phone')" &&
    refused t1 'is not an unmask-guarded column' \
        "SELECT ward.unmask_gate_('gsp_pharmacy', 'customers', 'secret')" &&
    refused t1 'is not a protected table' "SELECT ward.export_gate_('ward', 'key')" &&
    refused t1 'is not a protected table' "SELECT ward.export_gate_('sx', 'acct; SELECT 1')" &&
    # Each still serves its own requester, once.
    pg_as t1 "SELECT string_agg(secret, ',' ORDER BY id) FROM sx.ward_unmask_acct" >out &&
    echo 's1,s5,s6' >want && cmp want out &&
    refused t1 '[approval-required]' "SELECT secret FROM sx.ward_unmask_acct" &&
    pg "SELECT count(*) FROM customers" >want &&
    pg_as s01 "SELECT count(*) FROM gsp_pharmacy.ward_export_customers" >out && cmp want out
}
test_expect_success 'an approval of one policy, operation or user serves no other; the gates refuse other names' t_approval_cross

t_approval_expiry() {
    late=$(pg_as t1 "SELECT ward.request('close_acct', 'late vote')") &&
    used=$(pg_as t1 "SELECT ward.request('close_acct', 'late use')") &&
    pg_as bo1 "SELECT ward.approve($used)" >/dev/null &&
    sleep 3 &&
    refused bo1 '[expired]' "SELECT ward.approve($late)" &&
    refused t1 '[approval-required] delete of acct needs approval close_acct' \
        "DELETE FROM sx.acct WHERE id = 5" &&
    # Used before it expires, by a statement; a later statement after it
    # expired, in the same query string, needs another.
    id=$(pg_as t1 "SELECT ward.request('close_acct', 'in time')") &&
    pg_as bo1 "SELECT ward.approve($id)" >/dev/null &&
    refused t1 '[approval-required]' \
        "DELETE FROM sx.acct WHERE id = 5; SELECT pg_sleep(2.5); DELETE FROM sx.acct WHERE id = 6" &&
    pg "SELECT string_agg(id::text, ',' ORDER BY id) FROM acct WHERE id IN (5, 6)" >out &&
    echo '5,6' >want && cmp want out
}
test_expect_success 'an expired request is neither approved nor used, not even by a later statement of one query string' t_approval_expiry

t_write_sight() {
    # A teller's rows are its own: no write hands one to another teller,
    # or reaches one out of sight.
    refused t1 '[write-denied] role teller may not write a row of acct that its rows rules would not let it see' \
        "UPDATE sx.acct SET owner = 't2' WHERE id = 1" &&
    refused t1 '[write-denied] role teller may not write a row of acct that its rows rules would not let it see' \
        "INSERT INTO sx.acct (holder, owner) VALUES ('gift', 't2')" &&
    pg_as t1 "UPDATE sx.acct SET holder = 'taken' WHERE id = 2" \
        "UPDATE sx.acct SET holder = 'taken' WHERE owner = 't2'" &&
    refused t1 '[write-denied] role teller may not write acct.id' \
        "UPDATE sx.acct SET id = 2 WHERE id = 1" &&
    # A masked value written back is no change; a pseudonym is never stored.
    pg_as t1 "UPDATE sx.acct SET phone = phone, holder = holder WHERE id = 1" &&
    pg "SELECT string_agg(id || ' ' || holder || ' ' || phone || ' ' || owner, ',' ORDER BY id)
        FROM acct WHERE id IN (1, 2)" >out &&
    echo '1 h1 13800000001 t1,2 h2 13800000002 t2' >want && cmp want out &&
    refused t1 'permission denied for table request' "SELECT * FROM ward.request" &&
    refused t1 'permission denied for table vote' \
        "INSERT INTO ward.vote VALUES (1, 'bo1', now())" &&
    refused t1 'permission denied for table manifest' "DELETE FROM ward.manifest"
}
test_expect_success 'a teller'"'"'s writes stay on its own rows; a pseudonym written back is no change' t_write_sight

t_approve_by_name() {
    # t2 asks bo1 to approve its request; t1 files one of the same name
    # just before bo1 votes by name. bo1's vote must not go to t1.
    theirs=$(pg_as t2 "SELECT ward.request('see_secret', 'asked bo1 for it')") &&
    mine=$(pg_as t1 "SELECT ward.request('see_secret', 'slipped in')") || return 1
    pg_try bo1 "SELECT ward.approve('see_secret')" >/dev/null 2>err
    pg "SELECT string_agg(v.request::text, ',') FROM ward.vote v WHERE v.request IN ($theirs, $mine)
        AND v.approver = 'bo1'" >votes
    refused t1 '[approval-required]' "SELECT secret FROM sx.ward_unmask_acct WHERE id = 1" >/dev/null
    r=$?
    pg_as t2 "SELECT count(*) FROM sx.ward_unmask_acct" >/dev/null 2>&1
    if [ "$r" -ne 0 ]; then
        echo "bo1 approved 'see_secret' by name for t2; the vote went to request $(cat votes)"
        echo "(t2's is $theirs, t1's $mine), and t1 unmasked the secret"
        return 1
    fi
}
test_expect_success 'a vote by name goes to no request filed by someone else than the one meant' t_approve_by_name

t_owner_code() {
    # app owns acct (not a superuser): a default of its own runs when a
    # teller inserts through the view. It must not run with the runtime's
    # rights: the key, the votes, the audit log.
    pg "CREATE SCHEMA appfn AUTHORIZATION app" && pg "GRANT USAGE ON SCHEMA appfn TO PUBLIC" &&
    pg_as app "CREATE FUNCTION appfn.probe() RETURNS text LANGUAGE sql AS
        \$f\$ SELECT current_user || ' super=' || (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
            || ' key=' || has_table_privilege('ward.key', 'SELECT')
            || ' vote=' || has_table_privilege('ward.vote', 'INSERT')
            || ' audit=' || has_table_privilege('ward.audit', 'INSERT')
            || ' cell=' || has_table_privilege('ward.cell', 'UPDATE') \$f\$" \
        "ALTER TABLE acct ALTER COLUMN secret SET DEFAULT appfn.probe()" || return 1
    pg_as t1 "INSERT INTO sx.acct (holder, owner) VALUES ('probe', 't1')" >/dev/null 2>err
    pg "SELECT coalesce(secret, '-') FROM acct WHERE holder = 'probe'" >got
    "$WARD" verify --dsn "$DSN" >verify.out 2>&1
    rv=$?
    pg "DELETE FROM acct WHERE holder = 'probe'" \
       "ALTER TABLE acct ALTER COLUMN secret DROP DEFAULT" || return 1
    if grep -q true got; then
        echo "app's default ran inside a teller's insert as: $(cat got)"
        echo "ward verify, with the default in place (exit $rv):"
        cat verify.out
        return 1
    fi
}
test_expect_success 'code the base table'"'"'s owner attaches to it runs without the runtime'"'"'s rights' t_owner_code

t_key_not_unique() {
    cat >nq.ward <<'EOP' &&
policy nq version 1;
role nq_rep;
table nq_notes {
  id    integer key;
  owner text;
  body  text;
  rows where owner = current_user for nq_rep;
  write body to nq_rep;
}
EOP
    "$WARD" compile nq.ward --target postgres -o nq.sql &&
    pg "CREATE TABLE nq_notes (id integer, owner text, body text)" \
       "INSERT INTO nq_notes VALUES (1, 'nq1', 'mine'), (1, 'nq2', 'theirs')" || return 1
    if pg_apply nq.sql >apply.out 2>apply.err; then
        pg "CREATE ROLE nq1 LOGIN IN ROLE nq_rep" &&
        pg_as nq1 "SELECT id || ' ' || body FROM nq.nq_notes" >out &&
        echo '1 mine' >want && cmp want out || return 1
        pg_try nq1 "UPDATE nq.nq_notes SET body = 'by nq1' WHERE id = 1" >/dev/null 2>&1
        pg "SELECT body FROM nq_notes WHERE owner = 'nq2'" >out &&
        if [ "$(cat out)" != theirs ]; then
            echo "nq1 updated its note 1; nq2's note 1, out of its sight, now reads: $(cat out)"
            return 1
        fi
    else
        # Or the script refuses a key the table does not keep unique.
        contains apply.err 'nq_notes' && contains apply.err 'id'
    fi
}
test_expect_success 'a write names one row by its key: a key the table does not keep unique reaches no other row' t_key_not_unique

t_keyed_drift() {
    f=$(pg "SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'sx' AND p.proname LIKE 'ward\\_keyed\\_%'") && test -n "$f" &&
    D=$DSN &&
    pg "GRANT EXECUTE ON FUNCTION $f TO PUBLIC" || return 1
    "$WARD" verify --dsn "$D" >out 2>&1
    r=$?
    pg "REVOKE EXECUTE ON FUNCTION $f FROM PUBLIC" || return 1
    if [ "$r" -ne 1 ] || ! grep -F -q "${f%(tid)}" out; then
        echo "$f granted to PUBLIC; ward verify (exit $r) says:"
        cat out
        return 1
    fi
}
test_expect_success 'ward verify sees a keyed mask'"'"'s function granted to PUBLIC' t_keyed_drift

t_reapply_restores() {
    F='ward.audit_append_(text, text, text, text, text, text, text, bigint, text, text)' &&
    D=$DSN &&
    pg "GRANT EXECUTE ON FUNCTION $F TO a01" || return 1
    "$WARD" verify --dsn "$D" >out 2>&1
    r1=$?
    # The drift is reported; the DBA re-applies the script, as told.
    pg_apply "$SCRATCH_BASE/pg.sql" >/dev/null
    r2=$?
    pg_as a01 "SELECT ward.audit_append_('c01', 'compliance', NULL, 'approve', NULL, NULL,
               NULL, NULL, 'export_customers #1')" >forged.out 2>forged.err
    r3=$?
    pg "REVOKE EXECUTE ON FUNCTION $F FROM a01" &&
    pg_apply "$SCRATCH_BASE/pg.sql" >/dev/null ||
        return 1
    test "$r1" -eq 1 && contains out 'audit_append_' && test "$r2" -eq 0 || return 1
    if [ "$r3" -eq 0 ]; then
        echo "after the re-apply a01 still appends to the audit log (row $(cat forged.out));"
        "$WARD" verify --dsn "$D" 2>&1 | grep gsp_pharmacy
        return 1
    fi
    contains forged.err 'permission denied for function audit_append_'
}
test_expect_success 'a grant on a runtime function is reported, and re-applying the script takes it back' t_reapply_restores

# ---- Third round: the writer roles, the reset of grants, approvals per
# statement, votes by name, errors at COMMIT ----

t_owner_policy_code() {
    # app owns acct: a row-security policy of its own, on its own table,
    # calls its own function. The runtime's definer functions read the
    # policy's views (the export gate's count, the still-visible check):
    # the function must not run as ward_owner (the key, the votes).
    pg_as app "CREATE TABLE appfn.t13_loot (who text, key_ok boolean, vote_ok boolean)" \
        "GRANT INSERT ON appfn.t13_loot TO PUBLIC" \
        "CREATE FUNCTION appfn.t13_spy() RETURNS boolean LANGUAGE plpgsql AS
         \$f\$ BEGIN INSERT INTO appfn.t13_loot VALUES (current_user,
             has_table_privilege('ward.key', 'SELECT'), has_table_privilege('ward.vote', 'INSERT'));
             RETURN false; END \$f\$" \
        "CREATE POLICY t13_zz ON acct FOR SELECT USING (appfn.t13_spy())" || return 1
    # app alone, holding no policy role, calls the export gate.
    pg_try app "SELECT ward.export_gate_('sx', 'acct')" >/dev/null 2>&1
    "$WARD" verify --dsn "$DSN" >verify.out 2>&1
    rv=$?
    pg "SELECT coalesce(string_agg(DISTINCT who || ' key=' || key_ok || ' vote=' || vote_ok, ', '), '-')
        FROM appfn.t13_loot WHERE key_ok OR vote_ok" >got
    pg "DROP POLICY t13_zz ON acct" "DROP TABLE appfn.t13_loot" "DROP FUNCTION appfn.t13_spy()" ||
        return 1
    test "$rv" -eq 1 || { echo "ward verify missed the policy:"; cat verify.out; return 1; }
    if [ "$(cat got)" != - ]; then
        echo "app's row-security policy function ran, called by ward.export_gate_, as: $(cat got)"
        return 1
    fi
}
test_expect_success 'a row-security policy the table'"'"'s owner adds runs no code as ward_owner' t_owner_policy_code

t_writer_other_tables() {
    # app's trigger on acct runs as the writer role of policy sx when a
    # teller inserts through sx.acct; that role holds sx's tables only:
    # gsp_pharmacy's customers must stay out of app's reach.
    pg_as app "CREATE TABLE appfn.t13_l2 (x text)" "GRANT INSERT ON appfn.t13_l2 TO PUBLIC" \
        "CREATE FUNCTION appfn.t13_tr() RETURNS trigger LANGUAGE plpgsql AS
         \$f\$ BEGIN
             BEGIN INSERT INTO appfn.t13_l2 SELECT current_user || ' ' || c.phone || ' ' || c.id_card
                   FROM public.customers c;
             EXCEPTION WHEN OTHERS THEN INSERT INTO appfn.t13_l2 VALUES (current_user || ' ' || SQLERRM);
             END; RETURN NEW; END \$f\$" \
        "CREATE TRIGGER t13_tr BEFORE INSERT ON acct FOR EACH ROW EXECUTE FUNCTION appfn.t13_tr()" ||
        return 1
    pg_try t1 "INSERT INTO sx.acct (holder, owner) VALUES ('t13-trig', 't1')" >/dev/null 2>&1
    pg "SELECT coalesce(string_agg(x, ' / '), '-') FROM appfn.t13_l2" >got
    pg "DROP TRIGGER t13_tr ON acct" "DROP TABLE appfn.t13_l2" "DROP FUNCTION appfn.t13_tr()" \
       "DELETE FROM acct WHERE holder = 't13-trig'" || return 1
    if grep -q -e 13812345678 -e 110101199003071234 got; then
        echo "app's trigger on acct read gsp_pharmacy's customers: $(cat got)"
        return 1
    fi
}
test_expect_success 'a trigger of acct'"'"'s owner reads no other policy'"'"'s table as the runtime'"'"'s writer' t_writer_other_tables

t_reset_grant_option() {
    F='ward.audit_append_(text, text, text, text, text, text, text, bigint, text, text)' &&
    pg "GRANT EXECUTE ON FUNCTION $F TO a01 WITH GRANT OPTION" &&
    pg_as a01 "GRANT EXECUTE ON FUNCTION $F TO PUBLIC" || return 1
    pg_apply "$SCRATCH_BASE/pg.sql" \
        >apply.out 2>apply.err
    ra=$?
    pg_as s01 "SELECT ward.audit_append_('c01', 'compliance', NULL, 'approve', NULL, NULL,
               NULL, NULL, 'export_customers #1')" >forged.out 2>forged.err
    rf=$?
    pg "REVOKE ALL ON FUNCTION $F FROM a01 CASCADE" &&
    pg_apply "$SCRATCH_BASE/pg.sql" \
        >/dev/null || return 1
    if [ "$ra" -ne 0 ] || [ "$rf" -eq 0 ]; then
        echo "re-apply exit $ra: $(grep ERROR apply.err); s01 appended audit row: $(cat forged.out)"
        return 1
    fi
    contains forged.err 'permission denied for function audit_append_'
}
test_expect_success 'a grant with grant option, passed on, neither fails the re-apply nor survives it' t_reset_grant_option

t_schema_create() {
    D=$DSN &&
    pg "GRANT CREATE ON SCHEMA ward TO a01" &&
    pg_as a01 "CREATE FUNCTION ward.t13_probe() RETURNS text LANGUAGE sql SECURITY DEFINER
               SET search_path = pg_catalog AS \$f\$ SELECT current_user::text \$f\$" || return 1
    "$WARD" verify --dsn "$D" >verify.out 2>&1
    rv=$?
    pg_apply "$SCRATCH_BASE/pg.sql" >/dev/null
    pg_as a01 "SELECT ward.t13_probe()" >got 2>&1
    pg "DROP FUNCTION ward.t13_probe()" "REVOKE CREATE ON SCHEMA ward FROM a01" || return 1
    if grep -q ward_owner got; then
        echo "a01's definer function in schema ward, after the re-apply, runs as: $(cat got)"
        echo "(ward verify before the re-apply: exit $rv)"
        return 1
    fi
    test "$rv" -eq 1
}
test_expect_success 'CREATE on schema ward is reported, and a re-apply hands no user'"'"'s function to ward_owner' t_schema_create

t_public_grants() {
    pg "DO \$\$DECLARE f regprocedure; BEGIN
          FOR f IN SELECT oid FROM pg_proc WHERE pronamespace = 'ward'::regnamespace
                   AND proname IN ('dml_', 'stmt_', 'stmt_begin_', 'read_open_', 'audit_session_',
                                   'audit_append_', 'approval_use_', 'aes256_key_', 'aes256_',
                                   'siv_words_', 'siv_cmac_', 'siv_encrypt_', 'state_', 'put_',
                                   'read_settle_', 'read_flush_', 'view_write_', 'hmac', 'encrypt',
                                   'hmac_sha256_') LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
          END LOOP; END \$\$" \
       "GRANT ALL ON ward.locked_session, ward.user_attr, ward.read_pending, ward.manifest,
        ward.policy, ward.key, ward.vote, ward.request, ward.audit, ward.audit_head TO PUBLIC" || return 1
    for s in pg sx; do
        pg_apply "$SCRATCH_BASE/$s.sql" \
            >/dev/null || return 1
    done
    pg "SELECT coalesce(string_agg(o, ' '), '-') FROM (
          SELECT p.oid::regprocedure::text AS o FROM pg_proc p, aclexplode(p.proacl) a
          WHERE p.pronamespace = 'ward'::regnamespace AND a.grantee = 0 AND p.proname IN
            ('dml_', 'stmt_', 'stmt_begin_', 'read_open_', 'audit_session_', 'audit_append_',
             'approval_use_', 'aes256_key_', 'aes256_', 'siv_words_', 'siv_cmac_', 'siv_encrypt_',
             'state_', 'put_', 'read_settle_', 'read_flush_', 'view_write_', 'hmac', 'encrypt', 'hmac_sha256_')
          UNION ALL
          SELECT c.oid::regclass::text FROM pg_class c, aclexplode(c.relacl) a
          WHERE c.relnamespace = 'ward'::regnamespace AND a.grantee = 0 AND c.relname IN
            ('locked_session', 'user_attr', 'read_pending', 'manifest', 'policy', 'key', 'vote',
             'request', 'audit', 'audit_head')) x" >out &&
    echo - >want && cmp want out
}
test_expect_success 'a grant to PUBLIC on a sensitive runtime function or table does not survive a re-apply' t_public_grants

t_public_sequences() {
    pg "GRANT ALL ON ALL SEQUENCES IN SCHEMA ward TO PUBLIC" || return 1
    pg_apply "$SCRATCH_BASE/pg.sql" >/dev/null
    pg_try a01 "SELECT setval('ward.read_pending_id_seq', 1)" >/dev/null 2>seq.err
    pg "SELECT coalesce(string_agg(c.oid::regclass || ':' || a.privilege_type, ' '), '-')
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.relnamespace = 'ward'::regnamespace AND c.relkind = 'S' AND a.grantee = 0" >out
    pg "REVOKE ALL ON ALL SEQUENCES IN SCHEMA ward FROM PUBLIC" || return 1
    if [ "$(cat out)" != - ]; then
        echo "after the re-apply PUBLIC still holds: $(cat out)"
        return 1
    fi
    contains seq.err 'permission denied for sequence read_pending_id_seq'
}
test_expect_success 'a grant to PUBLIC on the runtime'"'"'s sequences does not survive a re-apply' t_public_sequences

t_approval_statements() {
    pg "INSERT INTO acct VALUES (42, 'h42', '1', 's42', 't1'), (43, 'h43', '1', 's43', 't1')" &&
    id=$(pg_as t1 "SELECT ward.request('close_acct', 't13 statements')") &&
    pg_as bo1 "SELECT ward.approve($id)" >/dev/null &&
    # Two statements of a DO block, two calls of a function in one query,
    # one approval: the second is refused (and the block rolled back).
    refused t1 '[approval-required] delete of acct needs approval close_acct' \
        "DO \$\$BEGIN DELETE FROM sx.acct WHERE id = 42; DELETE FROM sx.acct WHERE id = 43; END\$\$" &&
    refused t1 '[approval-required] delete of acct needs approval close_acct' \
        "CREATE FUNCTION pg_temp.d(i integer) RETURNS integer LANGUAGE sql AS
         'DELETE FROM sx.acct WHERE id = i RETURNING id'" "SELECT pg_temp.d(42), pg_temp.d(43)" &&
    # A locked session, DISCARD ALL between two statements: the stored
    # statement identity is no way to the used approval. (A fresh request:
    # close_acct expires in 2 s; the first, given back by the rollbacks,
    # expires first.)
    sleep 2 &&
    id=$(pg_as t1 "SELECT ward.request('close_acct', 't13 locked')") &&
    pg_as bo1 "SELECT ward.approve($id)" >/dev/null &&
    pg_try t1 "SELECT ward.set_scenario(NULL)" "SELECT ward.lock()" \
        "DELETE FROM sx.acct WHERE id = 42" "DISCARD ALL" "DELETE FROM sx.acct WHERE id = 43" \
        >/dev/null 2>err
    contains err '[approval-required] delete of acct needs approval close_acct' &&
    pg "SELECT string_agg(id::text, ',' ORDER BY id) FROM acct WHERE id IN (42, 43)" >out &&
    echo 43 >want && cmp want out &&
    pg "SELECT count(*) FROM ward.request WHERE id = $id AND used_at IS NOT NULL" >out &&
    echo 1 >want && cmp want out
}
test_expect_success 'one delete approval, two statements of a DO block, a function or a locked session: the second is refused' t_approval_statements

t_approval_nested() {
    pg "INSERT INTO acct VALUES (42, 'h42', '1', 's42', 't1'), (43, 'h43', '1', 's43', 't1')
        ON CONFLICT DO NOTHING" &&
    id=$(pg_as t1 "SELECT ward.request('close_acct', 't13 nested')") &&
    pg_as bo1 "SELECT ward.approve($id)" >/dev/null || return 1
    # The inner DELETE (a statement of its own, in a function called by
    # the outer one's WHERE) leaves its identity behind; the outer row then
    # finds the request the inner statement used.
    pg_try t1 "CREATE FUNCTION pg_temp.d(i integer) RETURNS integer LANGUAGE sql AS
               'DELETE FROM sx.acct WHERE id = i RETURNING id'" \
        "DELETE FROM sx.acct WHERE id = 42 AND pg_temp.d(43) IS NOT NULL" >/dev/null 2>err
    pg "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), 'none') FROM acct WHERE id IN (42, 43)" >out
    pg "DELETE FROM acct WHERE id IN (42, 43)" || return 1
    if [ "$(cat out)" = none ]; then
        echo "one close_acct approval (#$id) served two DELETE statements: rows 42 and 43 are gone"
        return 1
    fi
    contains err '[approval-required] delete of acct needs approval close_acct'
}
test_expect_success 'a DELETE nested in another'"'"'s WHERE takes an approval of its own' t_approval_nested

t_ambiguous_vote() {
    # Two open requests of one name: a vote by name is refused and lands
    # nowhere; by id it goes where it is meant.
    a=$(pg_as t2 "SELECT ward.request('see_secret', 't13 mine')") &&
    b=$(pg_as t1 "SELECT ward.request('see_secret', 't13 decoy')") &&
    refused bo1 '[ambiguous-request]' "SELECT ward.approve('see_secret')" &&
    pg "SELECT count(*) FROM ward.vote WHERE request IN ($a, $b)" >out &&
    echo 0 >want && cmp want out &&
    pg_as bo1 "SELECT ward.approve($a)" >/dev/null &&
    refused t1 '[approval-required]' "SELECT secret FROM sx.ward_unmask_acct WHERE id = 1" &&
    pg_as t2 "SELECT secret FROM sx.ward_unmask_acct WHERE id = 2" >out &&
    echo s2 >want && cmp want out
}
test_expect_success 'a vote by name with two open requests is refused and goes to neither' t_ambiguous_vote

t_deferred_detail() {
    pg "INSERT INTO acct VALUES (44, 'hA', '1', 'zz-secret-44', 't1'), (45, 'hB', '1', 'zz-secret-44', 't1')" \
       "ALTER TABLE acct ADD CONSTRAINT t13_u UNIQUE (holder, secret) DEFERRABLE INITIALLY DEFERRED" ||
        return 1
    pg_try t1 "\\set VERBOSITY verbose" "BEGIN" "UPDATE sx.acct SET holder = 'hA' WHERE id = 45" "COMMIT" \
        >/dev/null 2>err1
    pg "ALTER TABLE acct DROP CONSTRAINT t13_u" \
       "ALTER TABLE acct ADD CONSTRAINT t13_x EXCLUDE USING btree (holder WITH =, secret WITH =)
        DEFERRABLE INITIALLY DEFERRED" || return 1
    pg_try t1 "\\set VERBOSITY verbose" "UPDATE sx.acct SET holder = 'hA' WHERE id = 45" >/dev/null 2>err2
    pg "ALTER TABLE acct DROP CONSTRAINT t13_x" "DELETE FROM acct WHERE id IN (44, 45)" || return 1
    contains err1 'duplicate key value' && contains err2 'exclusion constraint' || return 1
    if grep -q zz-secret-44 err1 err2; then
        echo "a teller's write refused at COMMIT showed the hidden secret:"
        cat err1 err2
        return 1
    fi
}
test_expect_success 'a deferred unique or exclusion constraint refused at COMMIT shows no hidden column' t_deferred_detail
