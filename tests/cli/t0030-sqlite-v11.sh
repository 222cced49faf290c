#!/bin/sh
# SQLite target, the v1.1 constructs enforced by the runtime: rows that
# depend on another table (membership), approvals that need one of each
# role (clauses, distinct people), and the bulk-read gate (`export T beyond
# N rows`) on every statement of a session, aggregates included.
. "$ROOT/tests/cli/lib.sh"

cat >"$SCRATCH_BASE/crm.ward" <<'EOF'
policy crm version 1;

role marketing;
role sales_manager;
role compliance;
role auditor;
role director inherits compliance;
role both inherits compliance, sales_manager;

table event_attendance {
  doctor_id integer;
  event_id  integer;
  rows where event_id > 100 for auditor;   # never applies to membership
  rows all for marketing, sales_manager, compliance;
}
table manager_regions { manager text; region text; }

table doctors {
  id     integer key;
  name   text;
  region text;
  rows where id in (select doctor_id from event_attendance) for marketing;
  rows where region in (select region from manager_regions
                        where manager = current_user) for sales_manager;
  rows where not (id in (select doctor_id from event_attendance
                         where event_id > 1)) for auditor;
  rows all for compliance;
  write name, region to sales_manager;
}

approval export_doctors "export the doctor list" {
  export doctors beyond 8 rows;
  by 1 of compliance and 1 of sales_manager;
  expires 24h;
}
EOF
POLICY=$SCRATCH_BASE/crm.ward

# crm DB: ten doctors in three regions, attendance and manager regions with
# nulls that must never match.
crm() {
    sq_plain "$1" "CREATE TABLE doctors (id integer primary key, name text,
                   region text);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
                                WHERE i < 10)
        INSERT INTO doctors SELECT i, 'dr' || i,
            CASE WHEN i <= 4 THEN 'north' WHEN i <= 8 THEN 'south' END FROM n;
        CREATE TABLE event_attendance (doctor_id integer, event_id integer);
        INSERT INTO event_attendance VALUES (1, 1), (2, 1), (2, 2), (5, 3),
                                            (NULL, 1);
        CREATE TABLE manager_regions (manager text, region text);
        INSERT INTO manager_regions VALUES ('m1', 'north'), ('m1', NULL),
                                           ('m2', 'south');" &&
    "$WARD" compile "$POLICY" -o "$1.sql" &&
    sq_plain "$1" ".read $1.sql"
}

# as DB ROLE USER SQL...: a locked session.
as() {
    db=$1 role=$2 user=$3
    shift 3
    sq "$db" ".output /dev/null" \
        "SELECT ward_session($(sql_str "$role"), $(sql_str "$user"), NULL, NULL)" \
        "SELECT ward_lock()" ".output stdout" "$@"
}

ids() {
    printf "%s\n" "$@" >want && cmp want out
}

# ---- membership rows ----

t_attended() {
    crm db && as db marketing u1 "SELECT id FROM doctors ORDER BY id" >out &&
    ids 1 2 5
}
test_expect_success 'marketing sees the doctors who attended an event, nulls never matching' t_attended

t_as_stored() {
    # auditor sees no row of event_attendance through its own rows rule,
    # yet the membership test reads that table as stored.
    crm db && as db auditor u1 "SELECT count(*) FROM event_attendance" >out &&
    ids 0 &&
    as db auditor u1 "SELECT id FROM doctors ORDER BY id" >out &&
    ids 1 3 4 6 7 8 9 10
}
test_expect_success 'not in: the other table read as stored, a row attending event 2 or 3 excluded' t_as_stored

t_current_user() {
    crm db && as db sales_manager m1 "SELECT id FROM doctors ORDER BY id" >out &&
    ids 1 2 3 4 &&
    as db sales_manager m2 "SELECT id FROM doctors ORDER BY id" >out &&
    ids 5 6 7 8 &&
    as db sales_manager m3 "SELECT count(*) FROM doctors" >out && ids 0
}
test_expect_success 'a membership test filtered by current_user: each manager sees their regions, a null region never' t_current_user

t_follows_table() {
    crm db && sq_plain db "INSERT INTO manager_regions VALUES ('m3', 'south')" &&
    as db sales_manager m3 "SELECT count(*) FROM doctors" >out && ids 4 &&
    sq_plain db "DELETE FROM event_attendance WHERE doctor_id = 5" &&
    as db marketing u1 "SELECT id FROM doctors ORDER BY id" >out && ids 1 2
}
test_expect_success 'the rows follow the other table as it changes, with no session restart' t_follows_table

t_write_stays() {
    crm db && as db sales_manager m1 "UPDATE doctors SET name = 'x' WHERE id = 1" \
        "SELECT changes()" >out && ids 1 &&
    { as db sales_manager m1 "UPDATE doctors SET region = 'south' WHERE id = 2" \
        >out 2>err; test $? -ne 0; } &&
    contains err '[write-denied]' && contains err 'would not let it see' &&
    sq_plain db "SELECT region FROM doctors WHERE id = 2" >out && ids north
}
test_expect_success 'a write that would move a row out of the membership is refused' t_write_stays

t_shadow() {
    # A temp table made before the session cannot stand in for the other
    # table: the runtime reads main."event_attendance".
    crm db &&
    { sq db "CREATE TEMP TABLE event_attendance (doctor_id integer, event_id integer)" \
        "INSERT INTO temp.event_attendance VALUES (3, 1), (4, 1)" \
        ".output /dev/null" "SELECT ward_session('marketing', 'u1', NULL, NULL)" \
        ".output stdout" "SELECT id FROM doctors ORDER BY id" >out 2>err; true; } &&
    ! grep -E '^(3|4)$' out &&
    grep -F 'FROM main."event_attendance"' db.sql >/dev/null
}
test_expect_success 'the membership subquery names the main schema, never a name a session can create' t_shadow

t_plan() {
    # An index on the other table's column is used, not a scan per row.
    crm db && sq_plain db "CREATE INDEX ea_doctor ON event_attendance (doctor_id)" &&
    expr=$(sq_plain db "SELECT expr FROM ward_rowrule WHERE role = 'marketing'") &&
    sq_plain db "EXPLAIN QUERY PLAN SELECT id FROM main.doctors WHERE $expr" >out &&
    contains out 'USING COVERING INDEX ea_doctor' &&
    ! grep -E 'CORRELATED' out
}
test_expect_success 'the membership test is an uncorrelated IN over an index, not a scan per row' t_plan

# ---- one of each ----

t_one_of_each() {
    crm db &&
    as db compliance c9 "SELECT ward_request('export_doctors', 'congress mailing')" >out &&
    ids 1 &&
    as db compliance c1 "SELECT ward_approve(1)" >out && ids 1 &&
    { as db director c2 "SELECT ward_approve(1)" >out 2>err; test $? -ne 0; } &&
    contains err "[already-approved] the places of request #1 (export_doctors) that c2's roles can fill are taken; it still needs 1 approval (by 1 of compliance and 1 of sales_manager)" &&
    { as db compliance c9 "SELECT count(*) FROM doctors" >out 2>err; test $? -ne 0; } &&
    contains err '[approval-required]' &&
    as db sales_manager s1 "SELECT ward_approve(1)" >out && ids 0 &&
    as db compliance c9 "SELECT count(*) FROM doctors" >out && ids 10 &&
    sq_plain db "SELECT user, detail FROM ward_audit WHERE op = 'approve' ORDER BY seq" >out &&
    printf "%s\n" "c1|export_doctors #1" "c2|export_doctors #1 refused [already-approved]" \
        "s1|export_doctors #1" >want && cmp want out
}
test_expect_success 'by 1 of compliance and 1 of sales_manager: two compliance votes are not enough' t_one_of_each

t_both_roles() {
    # One person holding both roles fills one place, whichever place the
    # others leave: the order of the votes never matters.
    crm db &&
    as db marketing u1 "SELECT ward_request('export_doctors', 'a')" \
        "SELECT ward_request('export_doctors', 'b')" >/dev/null &&
    as db both b1 "SELECT ward_approve(1)" "SELECT ward_approve(2)" >out && ids 1 1 &&
    as db compliance c1 "SELECT ward_approve(1)" >out && ids 0 &&
    as db sales_manager s1 "SELECT ward_approve(2)" >out && ids 0 &&
    { as db both b3 "SELECT ward_approve(2)" >out 2>err; test $? -ne 0; } &&
    contains err 'already has its 2 approvals'
}
test_expect_success 'a voter holding both roles counts once, and takes the place the others leave' t_both_roles

t_trigger_single() {
    # A line of several clauses is counted by the runtime; the vote
    # trigger's count check still guards single-clause approvals.
    crm db && grep -F 'c.clause > 0' db.sql >/dev/null &&
    sq_plain db "SELECT approval, clause, count FROM ward_clause ORDER BY clause" >out &&
    printf "%s\n" "export_doctors|0|1" "export_doctors|1|1" >want && cmp want out
}
test_expect_success 'the catalog holds each clause with its count and roles' t_trigger_single

# ---- bulk reads ----

t_bulk_refused() {
    crm db &&
    as db compliance c1 "SELECT count(*) FROM (SELECT id FROM doctors LIMIT 8)" \
        "SELECT count(*) FROM doctors WHERE id <= 8" \
        "SELECT name FROM doctors WHERE id = 9" >out &&
    printf "%s\n" 8 8 dr9 >want && cmp want out &&
    for q in "SELECT count(*) FROM doctors" "SELECT id FROM doctors LIMIT 9" \
             "SELECT max(name) FROM doctors" "SELECT * FROM doctors WHERE name LIKE 'dr%'" \
             "SELECT a.id FROM doctors a JOIN doctors b ON a.id = b.id LIMIT 5" \
             "SELECT group_concat(name) FROM (SELECT name FROM doctors)" \
             "WITH d AS (SELECT * FROM doctors) SELECT count(*) FROM d"; do
        { as db compliance c1 "$q" >out 2>err; test $? -ne 0; } &&
        contains err '[approval-required] reading more than 8 rows of doctors needs approval export_doctors' &&
        { ! grep -F 'dr9' out || { echo "row 9 was produced: $q"; false; }; } || return 1
    done
}
test_expect_success 'a statement reading a 9th row of doctors fails at that row (the 9th): scans, aggregates, joins, CTEs' t_bulk_refused

t_bulk_approved() {
    crm db &&
    as db compliance c1 "SELECT ward_request('export_doctors', 'audit sample')" >/dev/null &&
    as db both b1 "SELECT ward_approve(1)" >/dev/null &&
    as db sales_manager s1 "SELECT ward_approve(1)" >/dev/null &&
    as db compliance c1 "SELECT count(*) FROM doctors" >out && ids 10 &&
    { as db compliance c1 "SELECT count(*) FROM doctors" >out 2>err; test $? -ne 0; } &&
    contains err '[approval-required]' &&
    sq_plain db "SELECT user, op, tbl, nrows, detail FROM ward_audit WHERE op = 'export'" >out &&
    ids "c1|export|doctors|10|export_doctors #1: read beyond 8 rows" &&
    "$WARD" audit verify db >/dev/null
}
test_expect_success 'an approved request lets one statement read past the limit, and is used up' t_bulk_approved

t_bulk_txn() {
    crm db &&
    as db compliance c1 "SELECT ward_request('export_doctors', 'r')" >/dev/null &&
    as db director d1 "SELECT ward_approve(1)" >/dev/null &&
    as db sales_manager s1 "SELECT ward_approve(1)" >/dev/null &&
    { as db compliance c1 "BEGIN" "SELECT count(*) FROM doctors" >out 2>err; test $? -ne 0; } &&
    contains err 'must run outside an explicit transaction' &&
    { as db both w1 "UPDATE doctors SET name = name" >out 2>err; test $? -ne 0; } &&
    contains err 'which an INSERT, UPDATE or DELETE cannot use' &&
    sq_plain db "SELECT used_at IS NULL FROM ward_request" >out && ids 1
}
test_expect_success 'past the limit inside a transaction or a write is refused, and the request stays unused' t_bulk_txn

t_bulk_per_table() {
    # The limit counts the rows of doctors only; other tables read freely.
    crm db && as db compliance c1 "SELECT count(*) FROM event_attendance" \
        "SELECT count(*) FROM manager_regions" >out && ids 5 3 &&
    as db marketing u1 "SELECT count(*) FROM doctors" >out && ids 3 &&
    as db auditor a1 "SELECT count(*) FROM doctors" >out && ids 8
}
test_expect_success 'the gate counts the rows the session view produces, per table' t_bulk_per_table

t_both_targets() {
    # Both targets enforce every v1.1 construct (t0021 runs this policy on
    # PostgreSQL): the PostgreSQL script compiles too.
    "$WARD" compile "$POLICY" --target postgres -o pg.sql &&
    grep -F 'ward.bulk_(' pg.sql >/dev/null &&
    grep -F '"ward_member_' pg.sql >/dev/null &&
    grep -F 'INSERT INTO ward.clause' pg.sql >/dev/null
}
test_expect_success 'the same policy compiles for PostgreSQL, gate, membership and clauses included' t_both_targets
