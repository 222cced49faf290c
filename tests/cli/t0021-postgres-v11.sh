#!/bin/sh
# PostgreSQL target, the v1.1 constructs enforced by the runtime, on the C
# library and on the SQL runtime: rows that depend on another table
# (membership, read as stored), approvals that need one of each role
# (clauses, distinct people), and the bulk-read gate (`export T beyond N
# rows`) on every statement, aggregates and COPY included.
. "$ROOT/tests/cli/lib.sh"

. "$ROOT/tests/cli/lib_pg.sh"
DBS="ward_c ward_sql"
# The bulk-read gate needs the C library: the SQL runtime refuses a policy
# that has one (t_sql_refuses_gate) and gets the same policy without it.
GATED_DBS="ward_c"
ids() {
    printf "%s\n" "$@" >want && cmp want out
}

POLICY=$ROOT/tests/cli/v11-crm.ward

t_setup() {
    "$WARD" compile "$POLICY" --target postgres -o "$SCRATCH_BASE/crm.sql" &&
    sed 's/ beyond 8 rows//' "$POLICY" >"$SCRATCH_BASE/ungated.ward" &&
    "$WARD" compile "$SCRATCH_BASE/ungated.ward" --target postgres -o "$SCRATCH_BASE/ungated.sql" &&
    for u in m1 m2 m3 u1 c1 c2 c9 s1 b1 b3 a1; do pg "CREATE ROLE $u LOGIN" || return 1; done &&
    for db in $DBS; do
        pg "CREATE DATABASE $db" &&
        pgd $db "CREATE TABLE doctors (id integer PRIMARY KEY, name text, region text)" \
            "INSERT INTO doctors SELECT i, 'dr' || i,
                 CASE WHEN i <= 4 THEN 'north' WHEN i <= 8 THEN 'south' END
             FROM generate_series(1, 10) i" \
            "CREATE TABLE event_attendance (doctor_id integer, event_id integer)" \
            "INSERT INTO event_attendance VALUES (1, 1), (2, 1), (2, 2), (5, 3), (NULL, 1)" \
            "CREATE TABLE manager_regions (manager text, region text)" \
            "INSERT INTO manager_regions VALUES ('m1', 'north'), ('m1', NULL), ('m2', 'south')" &&
        script=$SCRATCH_BASE/crm.sql &&
        { [ $db = ward_c ] || script=$SCRATCH_BASE/ungated.sql; } &&
        PGOPTIONS="-c ward.pg_runtime=${db#ward_}" psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" \
            -U postgres -d $db -f "$script" &&
        pgd $db "SELECT ward.runtime()" >out && echo "${db#ward_}" >want && cmp want out &&
        pgd $db "GRANT marketing TO u1" "GRANT sales_manager TO m1, m2, m3, s1" \
            "GRANT compliance TO c1, c9" "GRANT director TO c2" "GRANT \"both\" TO b1, b3" \
            "GRANT auditor TO a1" || return 1
    done
}
test_expect_success 'the policy applies on the C library and on the SQL runtime' t_setup

# ---- membership rows ----

t_attended() {
    for db in $DBS; do
        pgd_as $db u1 "SELECT id FROM crm.doctors ORDER BY id" >out && ids 1 2 5 || return 1
    done
}
test_expect_success 'marketing sees the doctors who attended an event, nulls never matching' t_attended

t_as_stored() {
    for db in $DBS; do
        pgd_as $db a1 "SELECT count(*) FROM crm.event_attendance" >out && ids 0 &&
        pgd_as $db a1 "SELECT id FROM crm.doctors ORDER BY id" >out &&
        ids 1 3 4 6 7 8 9 10 || return 1
    done
}
test_expect_success 'not in: the other table read as stored, a row attending event 2 or 3 excluded' t_as_stored

t_current_user() {
    for db in $DBS; do
        pgd_as $db m1 "SELECT id FROM crm.doctors ORDER BY id" >out && ids 1 2 3 4 &&
        pgd_as $db m2 "SELECT id FROM crm.doctors ORDER BY id" >out && ids 5 6 7 8 &&
        pgd_as $db m3 "SELECT count(*) FROM crm.doctors" >out && ids 0 || return 1
    done
}
test_expect_success 'a membership test filtered by current_user: each manager sees their regions, a null region never' t_current_user

t_follows_table() {
    for db in $DBS; do
        pgd $db "INSERT INTO manager_regions VALUES ('m3', 'south')" &&
        pgd_as $db m3 "SELECT count(*) FROM crm.doctors" >out && ids 4 &&
        pgd $db "DELETE FROM event_attendance WHERE doctor_id = 5" &&
        pgd_as $db u1 "SELECT id FROM crm.doctors ORDER BY id" >out && ids 1 2 &&
        pgd $db "DELETE FROM manager_regions WHERE manager = 'm3'" \
            "INSERT INTO event_attendance VALUES (5, 3)" || return 1
    done
}
test_expect_success 'the rows follow the other table as it changes' t_follows_table

t_write_stays() {
    for db in $DBS; do
        pgd_as $db m1 "UPDATE crm.doctors SET name = 'x' WHERE id = 1" &&
        pgd $db "SELECT name FROM doctors WHERE id = 1" >out && ids x &&
        ! pgd_as $db m1 "UPDATE crm.doctors SET region = 'south' WHERE id = 2" 2>err &&
        contains err 'ward: [' &&
        pgd $db "SELECT region FROM doctors WHERE id = 2" >out && ids north &&
        pgd $db "UPDATE doctors SET name = 'dr1' WHERE id = 1" || return 1
    done
}
test_expect_success 'a write that would move a row out of the membership is refused' t_write_stays

t_source_closed() {
    # The view that reads the other table as stored is for row security
    # alone: no policy role, and nobody else, may read it.
    for db in $DBS; do
        v=$(pgd $db "SELECT viewname FROM pg_views WHERE schemaname = 'crm'
                     AND viewname LIKE 'ward_member_%' ORDER BY 1 LIMIT 1") &&
        test -n "$v" &&
        for u in u1 a1 m1 c1; do
            ! pgd_as $db $u "SELECT count(*) FROM crm.$v" 2>err &&
            contains err 'permission denied' || return 1
        done
    done
}
test_expect_success 'the membership source views are closed to every policy role' t_source_closed

t_shadow() {
    # A temp table or view named like the other table, or like the source
    # view, in the session's own schema, is never what the rule reads: the
    # policy names the source view by schema and PostgreSQL binds names
    # when the policy is made.
    for db in $DBS; do
        pgd_as $db u1 "CREATE TEMP TABLE event_attendance (doctor_id integer, event_id integer)" \
            "INSERT INTO event_attendance VALUES (3, 1), (4, 1)" \
            "CREATE TEMP VIEW ward_member_0 AS SELECT 3 AS doctor_id, 1 AS event_id" \
            "SET search_path = pg_temp, crm, public" \
            "SELECT id FROM crm.doctors ORDER BY id" >out && ids 1 2 5 || return 1
    done
}
test_expect_success 'a temp object shadowing the other table or its source view is never read' t_shadow

t_plan() {
    # With an index on the other table's column, a point lookup probes it:
    # the membership test is a correlated EXISTS, not a scan per row.
    for db in $DBS; do
        pgd $db "CREATE INDEX ea_doctor ON event_attendance (doctor_id)" \
            "INSERT INTO event_attendance SELECT 1000 + i, 1 FROM generate_series(1, 20000) i" \
            "ANALYZE event_attendance" &&
        pgd_as $db u1 "EXPLAIN (COSTS OFF) SELECT name FROM crm.doctors WHERE id = 2" >plan &&
        contains plan 'ea_doctor' &&
        pgd_as $db u1 "SELECT name FROM crm.doctors WHERE id = 2" >out && ids dr2 &&
        pgd $db "DELETE FROM event_attendance WHERE doctor_id > 1000" || return 1
    done
}
test_expect_success 'the membership test probes an index of the other table' t_plan

t_reapply() {
    # Applying the script again replaces the source views and the rules
    # that read them; nothing of the first apply is left to block it.
    for db in $DBS; do
        script=$SCRATCH_BASE/crm.sql &&
        { [ $db = ward_c ] || script=$SCRATCH_BASE/ungated.sql; } &&
        PGOPTIONS="-c ward.pg_runtime=${db#ward_}" psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" \
            -U postgres -d $db -f "$script" &&
        pgd_as $db u1 "SELECT id FROM crm.doctors ORDER BY id" >out && ids 1 2 5 &&
        "$WARD" verify --dsn "host=$PGDIR user=postgres dbname=$db" >out ||
            { cat out; return 1; }
    done
}
test_expect_success 'the script applies again over itself, and verify finds what it made' t_reapply

# ---- one of each ----

t_one_of_each() {
    for db in $DBS; do
        pgd_as $db c9 "SELECT ward.request('export_doctors', 'congress mailing')" >out &&
        rid=$(cat out) &&
        pgd_as $db c1 "SELECT ward.approve($rid)" >out && ids 1 &&
        ! pgd_as $db c2 "SELECT ward.approve($rid)" >out 2>err &&
        contains err "[already-approved] the places of request #$rid (export_doctors) that c2's roles can fill are taken; it still needs 1 approval (by 1 of compliance and 1 of sales_manager)" &&
        ! pgd_as $db c9 "SELECT count(*) FROM crm.ward_export_doctors" 2>err &&
        contains err '[approval-required]' &&
        pgd_as $db s1 "SELECT ward.approve($rid)" >out && ids 0 &&
        pgd_as $db c9 "SELECT count(*) FROM crm.ward_export_doctors" >out && ids 10 &&
        pgd $db "SELECT approver || ' ' || clauses::text FROM ward.vote WHERE request = $rid
                 ORDER BY at" >out &&
        ids 'c1 {0}' 's1 {1}' || return 1
    done
}
test_expect_success 'by 1 of compliance and 1 of sales_manager: two compliance votes are not enough' t_one_of_each

t_both_roles() {
    # One person holding both roles fills one place, whichever place the
    # others leave: the order of the votes never matters.
    for db in $DBS; do
        r1=$(pgd_as $db u1 "SELECT ward.request('export_doctors', 'a')") &&
        r2=$(pgd_as $db u1 "SELECT ward.request('export_doctors', 'b')") &&
        pgd_as $db b1 "SELECT ward.approve($r1)" "SELECT ward.approve($r2)" >out && ids 1 1 &&
        pgd_as $db c1 "SELECT ward.approve($r1)" >out && ids 0 &&
        pgd_as $db s1 "SELECT ward.approve($r2)" >out && ids 0 &&
        ! pgd_as $db b3 "SELECT ward.approve($r2)" 2>err &&
        contains err 'has all its approvals' || return 1
    done
}
test_expect_success 'a voter holding both roles counts once, and takes the place the others leave' t_both_roles

t_not_approver() {
    for db in $DBS; do
        r=$(pgd_as $db c9 "SELECT ward.request('export_doctors', 'c')") &&
        ! pgd_as $db u1 "SELECT ward.approve($r)" 2>err &&
        contains err '[not-approver] u1 holds no role that approves export_doctors (by 1 of compliance and 1 of sales_manager)' || return 1
    done
}
test_expect_success 'a refused voter is told who approves, clause by clause' t_not_approver

t_three_places() {
    # by 2 of compliance, sales_manager and 1 of director: a director
    # (who inherits compliance) may fill either clause; the line is met by
    # three distinct people however the votes come.
    for db in $DBS; do
        r=$(pgd_as $db m1 "SELECT ward.request('delete_doctor', 'duplicate')") &&
        pgd_as $db c2 "SELECT ward.approve($r)" >out && ids 2 &&
        pgd_as $db c1 "SELECT ward.approve($r)" >out && ids 1 &&
        ! pgd_as $db m1 "DELETE FROM crm.doctors WHERE id = 4" 2>err &&
        contains err '[approval-required]' &&
        pgd_as $db s1 "SELECT ward.approve($r)" >out && ids 0 &&
        pgd_as $db m1 "DELETE FROM crm.doctors WHERE id = 4" &&
        pgd $db "SELECT count(*) FROM doctors WHERE id = 4" >out && ids 0 &&
        pgd $db "INSERT INTO doctors VALUES (4, 'dr4', 'north')" || return 1
    done
}
test_expect_success 'a director fills the place the others leave, and the delete needs all three' t_three_places

# ---- bulk reads ----

t_bulk_refused() {
    for db in $GATED_DBS; do
        pgd_as $db c1 "SELECT count(*) FROM (SELECT id FROM crm.doctors LIMIT 8) x" \
            "SELECT count(*) FROM crm.doctors WHERE id <= 8" \
            "SELECT name FROM crm.doctors WHERE id = 9" >out &&
        ids 8 8 dr9 &&
        for q in "SELECT count(*) FROM crm.doctors" "SELECT id FROM crm.doctors LIMIT 9" \
                 "SELECT max(name) FROM crm.doctors" \
                 "SELECT * FROM crm.doctors WHERE name LIKE 'dr%'" \
                 "SELECT a.id FROM crm.doctors a JOIN crm.doctors b ON a.id = b.id LIMIT 5" \
                 "SELECT string_agg(name, ',') FROM (SELECT name FROM crm.doctors) x" \
                 "WITH d AS MATERIALIZED (SELECT * FROM crm.doctors) SELECT count(*) FROM d" \
                 "SELECT id FROM crm.doctors WHERE id <= 5 UNION ALL SELECT id FROM crm.doctors WHERE id > 5" \
                 "COPY (SELECT * FROM crm.doctors) TO STDOUT" \
                 "COPY (SELECT name FROM crm.doctors WHERE id <= 5 UNION ALL SELECT name FROM crm.doctors WHERE id > 5) TO STDOUT" \
                 "DO \$\$ DECLARE r record; BEGIN FOR r IN SELECT id FROM crm.doctors WHERE id <= 5 LOOP END LOOP; FOR r IN SELECT id FROM crm.doctors WHERE id > 5 LOOP END LOOP; END \$\$"; do
            { ! pgd_as $db c1 "$q" >out 2>err || { echo "$db: not refused: $q"; false; }; } &&
            contains err '[approval-required] reading more than 8 rows of doctors needs approval export_doctors' &&
            { test "$(wc -l <out)" -le 8 || { echo "$db: a 9th row was produced: $q"; false; }; } || return 1
        done
    done
}
test_expect_success 'a statement reading a 9th row of doctors fails at that row: scans, aggregates, joins, CTEs, unions, COPY, DO' t_bulk_refused

t_bulk_approved() {
    # Two approved requests: one statement that reads the table twice over
    # uses one of them, the next statement the other, the third none.
    for db in $GATED_DBS; do
        r1=$(pgd_as $db c1 "SELECT ward.request('export_doctors', 'audit sample')") &&
        r2=$(pgd_as $db c1 "SELECT ward.request('export_doctors', 'second sample')") &&
        pgd_as $db b1 "SELECT ward.approve($r1)" "SELECT ward.approve($r2)" >/dev/null &&
        pgd_as $db s1 "SELECT ward.approve($r1)" >/dev/null &&
        pgd_as $db m1 "SELECT ward.approve($r2)" >/dev/null &&
        pgd_as $db c1 "SELECT count(*) FROM (SELECT * FROM crm.doctors UNION ALL SELECT * FROM crm.doctors) x" >out &&
        ids 20 &&
        pgd $db "SELECT id, used_at IS NOT NULL FROM ward.request WHERE id IN ($r1, $r2) ORDER BY id" >out &&
        ids "$r1|t" "$r2|f" &&
        pgd_as $db c1 "COPY (SELECT name FROM crm.doctors ORDER BY id) TO STDOUT" >out &&
        test "$(wc -l <out)" -eq 10 &&
        ! pgd_as $db c1 "SELECT count(*) FROM crm.doctors" 2>err &&
        contains err '[approval-required]' &&
        pgd $db "SELECT \"user\" || ' ' || op || ' ' || tbl || ' ' || detail FROM ward.audit
                 WHERE op = 'export' AND detail LIKE '%beyond%' ORDER BY seq" >out &&
        ids "c1 export doctors export_doctors #$r1: read beyond 8 rows" \
            "c1 export doctors export_doctors #$r2: read beyond 8 rows" &&
        "$WARD" audit verify --dsn "host=$PGDIR user=postgres dbname=$db" >/dev/null || return 1
    done
}
test_expect_success 'an approved request lets one statement read past the limit, and is used up' t_bulk_approved

t_bulk_per_table() {
    # The limit counts the rows of doctors only, per statement.
    for db in $GATED_DBS; do
        pgd_as $db c1 "SELECT count(*) FROM crm.event_attendance" \
            "SELECT count(*) FROM crm.manager_regions" \
            "SELECT count(*) FROM crm.doctors WHERE id <= 8" \
            "SELECT count(*) FROM crm.doctors WHERE id <= 8" >out && ids 5 3 8 8 &&
        # Inside a transaction its statements count together (the count
        # lives per transaction: more rows counted, never fewer).
        ! pgd_as $db c1 "BEGIN" "SELECT count(*) FROM crm.doctors WHERE id <= 5" \
            "SELECT count(*) FROM crm.doctors WHERE id > 6" "COMMIT" >out 2>err &&
        contains err '[approval-required]' && ids 5 &&
        pgd_as $db u1 "SELECT count(*) FROM crm.doctors" >out && ids 3 || return 1
    done
}
test_expect_success 'the gate counts the rows the session view produces, per table and transaction' t_bulk_per_table

t_reset_closed() {
    # The corpus runner's reset of the counts is the superuser's alone.
    for db in $DBS; do
        ! pgd_as $db c1 "SELECT ward.bulk_reset_()" 2>err &&
        contains err 'permission denied for function bulk_reset_' || return 1
    done
}
test_expect_success 'no policy user may reset the bulk-read counts' t_reset_closed

t_sql_refuses_gate() {
    # The gate's count must live where the session cannot set it back:
    # backend memory. The SQL runtime has no such place (a rolled-back
    # subtransaction, DISCARD TEMP or a changed TimeZone reset what it
    # could use), so a policy with a gate does not apply there, leaving
    # the database as it was.
    pg "CREATE DATABASE ward_sql2" &&
    pgd ward_sql2 "CREATE TABLE doctors (id integer PRIMARY KEY, name text, region text)" \
        "CREATE TABLE event_attendance (doctor_id integer, event_id integer)" \
        "CREATE TABLE manager_regions (manager text, region text)" &&
    ! PGOPTIONS="-c ward.pg_runtime=sql" psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" \
        -U postgres -d ward_sql2 -f "$SCRATCH_BASE/crm.sql" >out 2>err &&
    contains err 'this policy has a bulk-read gate (export T beyond N rows), which needs the C library ward_pg' &&
    pgd ward_sql2 "SELECT count(*) FROM pg_namespace WHERE nspname IN ('ward', 'crm')" >out &&
    ids 0
}
test_expect_success 'the SQL runtime refuses a policy with a bulk-read gate, applying nothing' t_sql_refuses_gate

t_bulk_first_statement() {
    # The statement that loads the C library counts as one statement
    # whatever its rows run (a PL/pgSQL function's queries, per row): a new
    # session, whose first statement reads every row through such a
    # function.
    ! psql -X -q -At -h "$PGDIR" -U c1 -d ward_c \
        -c "CREATE FUNCTION pg_temp.one(i integer) RETURNS integer LANGUAGE plpgsql VOLATILE
            AS 'BEGIN PERFORM 1 FROM pg_catalog.pg_class LIMIT 1; RETURN i; END';
            SELECT pg_temp.one(id) FROM crm.doctors" >out 2>err &&
    contains err '[approval-required]' &&
    test "$(wc -l <out)" -le 8 &&
    # And a DO block of a later command is one statement too.
    for db in $GATED_DBS; do
        ! pgd_as $db c1 "SELECT name FROM crm.doctors WHERE id = 1" \
            "DO \$\$ DECLARE r record; BEGIN FOR r IN SELECT id FROM crm.doctors WHERE id <= 5 LOOP END LOOP; FOR r IN SELECT id FROM crm.doctors WHERE id > 5 LOOP END LOOP; END \$\$" \
            >out 2>err &&
        contains err '[approval-required]' || return 1
    done
}
test_expect_success 'per-row functions inside the first statement do not restart its count' t_bulk_first_statement

# ---- a red-team review's ways around an earlier count, each refused ----

# refused_read DB SQL...: c1 runs SQL... in DB; the commands fail with the
# gate's refusal and no 9th name (dr9, dr10) reaches the client.
refused_read() {
    r_db=$1
    shift
    if pgd_as $r_db c1 "$@" >out 2>err; then
        echo "$r_db: not refused"; cat out err; return 1
    fi
    contains err '[approval-required]' &&
    ! grep -q 'dr9\|dr10' out || { echo "$r_db: read past the gate:"; cat out err; false; }
}

t_red_planner() {
    # An IMMUTABLE function of the session's own, with constant arguments,
    # is run by the planner, outside any executor the hooks see begin: a
    # count per executor statement restarted for each of its queries.
    for db in $GATED_DBS; do
        refused_read $db "SELECT name FROM crm.doctors WHERE id = 1" \
            "CREATE FUNCTION pg_temp.dump() RETURNS text LANGUAGE plpgsql IMMUTABLE AS
             \$\$ DECLARE acc text := ''; n text; BEGIN FOR i IN 1..10 LOOP
                 SELECT name INTO n FROM crm.doctors WHERE id = i; acc := acc || n || ' ';
             END LOOP; RETURN acc; END \$\$" \
            "SELECT pg_temp.dump()" || return 1
    done
}
test_expect_success 'a function the planner folds counts in its transaction' t_red_planner

t_red_deferred() {
    # A deferred constraint trigger on the session's own temp table runs
    # at commit, outside every executor the hooks see begin.
    for db in $GATED_DBS; do
        refused_read $db "SELECT name FROM crm.doctors WHERE id = 1" \
            "CREATE TEMP TABLE t (x integer)" \
            "CREATE FUNCTION pg_temp.tf() RETURNS trigger LANGUAGE plpgsql AS
             \$\$ DECLARE acc text := ''; n text; BEGIN FOR i IN 1..10 LOOP
                 SELECT name INTO n FROM crm.doctors WHERE id = i; acc := acc || n || ' ';
             END LOOP; RAISE NOTICE 'got: %', acc; RETURN NULL; END \$\$" \
            "CREATE CONSTRAINT TRIGGER tt AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED
             FOR EACH ROW EXECUTE FUNCTION pg_temp.tf()" \
            "INSERT INTO t VALUES (1)" || return 1
    done
}
test_expect_success 'a trigger deferred to the commit counts in its transaction' t_red_deferred

t_red_timezone() {
    # A statement told by statement_timestamp()::text (the SQL runtime's
    # count, withdrawn) changed between two reads of one statement, with
    # the TimeZone the statement set itself.
    for db in $GATED_DBS; do
        refused_read $db "SELECT (SELECT string_agg(name, ',') FROM crm.doctors WHERE id <= 5),
                                set_config('TimeZone', 'UTC+3', false),
                                (SELECT string_agg(name, ',') FROM crm.doctors WHERE id > 5)" || return 1
    done
}
test_expect_success 'a TimeZone set between two reads of one statement restarts nothing' t_red_timezone

t_red_subxact() {
    # A count kept in a table (the SQL runtime's, withdrawn) went back
    # with each rolled-back exception block, whose variables keep the rows.
    for db in $GATED_DBS; do
        refused_read $db "DO \$\$ DECLARE acc text := ''; n text; BEGIN FOR i IN 1..10 LOOP
                 BEGIN SELECT name INTO n FROM crm.doctors WHERE id = i; acc := acc || n || ' ';
                 RAISE EXCEPTION 'undo'; EXCEPTION WHEN raise_exception THEN NULL; END;
             END LOOP; RAISE NOTICE 'got: %', acc; END \$\$" || return 1
    done
}
test_expect_success 'an exception block that rolls back restarts nothing' t_red_subxact

t_red_discard() {
    # DISCARD TEMP inside the statement dropped a counter kept in the
    # temporary schema (the SQL runtime's, withdrawn).
    for db in $GATED_DBS; do
        refused_read $db "DO \$\$ DECLARE acc text := ''; n text; BEGIN FOR i IN 1..10 LOOP
                 SELECT name INTO n FROM crm.doctors WHERE id = i; acc := acc || n || ' ';
                 EXECUTE 'DISCARD TEMP';
             END LOOP; RAISE NOTICE 'got: %', acc; END \$\$" || return 1
    done
}
test_expect_success 'DISCARD TEMP inside a statement restarts nothing' t_red_discard
