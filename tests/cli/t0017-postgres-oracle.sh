#!/bin/sh
# Constraints as existence oracles. A unique or exclusion constraint (or a
# unique index, or a foreign key) on a column that a role may write but
# does not see in clear tells that role, by refusing its write, whether
# another row holds the value written: a cs_agent who sees 139****5432
# finds the number in at most 10^4 updates of its own row, and a refused
# write rolls back with its audit row. The script warns of each such
# constraint when applied, and `ward verify --dsn` warns without failing.
# Last, ward with TEMPORARY taken from PUBLIC (docs: "Temporary objects").
. "$ROOT/tests/cli/lib.sh"

. "$ROOT/tests/cli/lib_pg.sh"

# warnings: the lines of ward verify's stderr that are warnings.
warnings() {
    grep 'warning:' "$1" || true
}

t_setup() {
    "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" --target postgres \
        -o "$SCRATCH_BASE/gsp.sql" >/dev/null &&
    pg "CREATE TABLE customers (id integer PRIMARY KEY, name text, phone text,
        id_card text, medication text, store_id integer, owner text)" \
       "INSERT INTO customers VALUES
        (1, '张三丰', '13812345678', '110101199003071234', 'metformin', 7, 'r01'),
        (2, '欧阳娜娜', '13998765432', '11010119900307123X', 'insulin', 8, 'r02')" &&
    pg_apply "$SCRATCH_BASE/gsp.sql" 2>apply.err && test ! -s apply.err &&
    pg "CREATE ROLE a01 LOGIN IN ROLE cs_agent" "CREATE ROLE s01 LOGIN IN ROLE cs_supervisor" &&
    "$WARD" verify --dsn "$DSN" >out 2>err &&
    test -z "$(warnings err)"
}
test_expect_success 'as applied, without a constraint on a masked column: no warning' t_setup

t_oracle() {
    # What the warning is about: a01 sees 139****5432 and may write phone.
    pg "CREATE UNIQUE INDEX customers_phone_idx ON customers (phone)" &&
    pg_as a01 "SELECT phone FROM gsp_pharmacy.customers WHERE id = 2" >out &&
    echo '139****5432' >want && cmp want out &&
    pg "SELECT count(*) FROM ward.audit WHERE op = 'update'" >before &&
    pg_try a01 "UPDATE gsp_pharmacy.customers SET phone = '13998765431' WHERE id = 1" \
        "UPDATE gsp_pharmacy.customers SET phone = '13998765432' WHERE id = 1" >/dev/null 2>err
    contains err 'duplicate key value violates unique constraint "customers_phone_idx"' &&
    test "$(grep -c ERROR err)" -eq 1 &&
    pg "SELECT count(*) - 1 FROM ward.audit WHERE op = 'update'" >after &&
    cmp before after &&
    pg "UPDATE customers SET phone = '13812345678' WHERE id = 1"
}
test_expect_success 'the oracle: a refused write of a unique column tells a cs_agent another row'"'"'s masked phone, unrecorded' t_oracle

t_verify_warns() {
    "$WARD" verify --dsn "$DSN" >out 2>err
    r=$?
    # The index is drift too (the table changed since the apply).
    test $r -eq 1 && contains out 'changed: table customers' &&
    warnings err >w &&
    test "$(wc -l <w)" -eq 1 &&
    contains w 'ward verify: warning: policy gsp_pharmacy: customers.phone is in unique index customers_phone_idx, and role cs_agent may write it without seeing it in clear' &&
    # Re-applied, the index is part of what was applied: the script warns,
    # verify passes and still warns.
    pg_apply "$SCRATCH_BASE/gsp.sql" 2>apply.err &&
    contains apply.err 'WARNING:  ward: customers.phone is in unique index customers_phone_idx, and role cs_agent may write it' &&
    "$WARD" verify --dsn "$DSN" >out 2>err &&
    warnings err >w && test "$(wc -l <w)" -eq 1 &&
    contains w 'customers.phone is in unique index customers_phone_idx, and role cs_agent may'
}
test_expect_success 'ward verify --dsn warns of the unique index, naming table, column, index and role; exit 0 once applied' t_verify_warns

t_silent_again() {
    pg "DROP INDEX customers_phone_idx" &&
    pg_apply "$SCRATCH_BASE/gsp.sql" 2>apply.err && test ! -s apply.err &&
    "$WARD" verify --dsn "$DSN" >out 2>err &&
    test -z "$(warnings err)"
}
test_expect_success 'without the index, silent again' t_silent_again

t_kinds() {
    # Every kind: an exclusion constraint, a foreign key, an expression
    # index with a predicate; a column masked in a scenario only; a role
    # that inherits one that writes but sees the column whole.
    cat >ox.ward <<'EOP' &&
policy ox version 1;
role ox_clerk;
role ox_lead inherits ox_clerk;
scenario ox_screen;
table ox_t {
  id   integer key;
  code text;
  ref  text;
  note text;
  mask code with keep(1, 0) to ox_clerk;
  show code to ox_lead;
  hide ref to ox_clerk;
  mask note with redact() in ox_screen;
  write code, ref, note to ox_clerk;
}
EOP
    "$WARD" compile ox.ward --target postgres -o ox.sql &&
    pg "CREATE TABLE ox_ref (ref text PRIMARY KEY)" \
       "CREATE TABLE ox_t (id integer PRIMARY KEY, code text, ref text, note text)" &&
    pg_apply ox.sql 2>apply.err && test ! -s apply.err &&
    pg "ALTER TABLE ox_t ADD CONSTRAINT ox_code_x EXCLUDE USING btree (code WITH =)" \
       "ALTER TABLE ox_t ADD CONSTRAINT ox_ref_fk FOREIGN KEY (ref) REFERENCES ox_ref (ref)" \
       "CREATE UNIQUE INDEX ox_note_idx ON ox_t (lower(note)) WHERE id > 0" &&
    pg_apply ox.sql 2>apply.err &&
    "$WARD" verify --dsn "$DSN" >out 2>err &&
    warnings err | grep 'policy ox:' >w &&
    test "$(wc -l <w)" -eq 3 &&
    contains w 'ox_t.code is in exclusion constraint ox_code_x, and role ox_clerk may' &&
    contains w 'ox_t.note is in unique index ox_note_idx, and roles ox_clerk (in scenario ox_screen), ox_lead (in scenario ox_screen) may' &&
    contains w 'ox_t.ref is in foreign key ox_ref_fk, and role ox_clerk may' &&
    test "$(grep -c 'WARNING:  ward: ox_t' apply.err)" -eq 3 &&
    pg "ALTER TABLE ox_t DROP CONSTRAINT ox_code_x" "ALTER TABLE ox_t DROP CONSTRAINT ox_ref_fk" \
       "DROP INDEX ox_note_idx" &&
    pg_apply ox.sql 2>apply.err && test ! -s apply.err &&
    "$WARD" verify --dsn "$DSN" >out 2>err &&
    test -z "$(warnings err)"
}
test_expect_success 'exclusion constraints, foreign keys, expression indexes, scenarios, inherited roles' t_kinds

t_no_temporary() {
    # Defence in depth (docs/dba-postgres.md, "Temporary objects"): with
    # TEMPORARY taken from PUBLIC, ward still works for a cs_agent, which
    # can make no temporary object, before or after ward made the
    # session's temporary schema for its state.
    pg "REVOKE TEMPORARY ON DATABASE postgres FROM PUBLIC" || return 1
    pg_try a01 "CREATE TEMP VIEW pg_roles AS SELECT 1 AS x" \
        "SELECT ward.set_scenario('outbound_call')" "SELECT ward.set_attr('store_id', '7')" \
        "SELECT ward.lock()" "CREATE TEMP VIEW pg_roles AS SELECT 1 AS x" \
        "CREATE FUNCTION pg_temp.f() RETURNS integer LANGUAGE sql AS 'SELECT 1'" \
        "SELECT ward.scenario() || ' ' || ward.attr('store_id')" \
        "SELECT phone FROM gsp_pharmacy.customers WHERE id = 2" \
        "UPDATE gsp_pharmacy.customers SET name = '张三丰' WHERE id = 1" \
        "SELECT ward.request('export_customers', 'no temp') > 0" >out 2>err
    pg "GRANT TEMPORARY ON DATABASE postgres TO PUBLIC" || return 1
    printf '%s\n' outbound_call 7 t 'outbound_call 7' '139****5432' t >want &&
    cmp want out &&
    contains err 'permission denied to create temporary tables in database "postgres"' &&
    test "$(grep -c 'permission denied for schema pg_temp' err)" -eq 2 &&
    test "$(grep -c ERROR err)" -eq 3
}
test_expect_success 'with TEMPORARY revoked from PUBLIC, ward works and a cs_agent makes no temporary object' t_no_temporary
