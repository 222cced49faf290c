#!/bin/sh
# SQLite target, second red team: a locked session (cs_agent, pharmacist,
# store_manager of store 7, sales_rep r01, or the roles of the small
# policies below) running arbitrary SQL through the stock sqlite3 shell,
# aimed at what the first round's fixes added (the DEFAULT check, the
# audit of rolled-back work, unique columns, the CTE rule).
#
# Tests titled "FINDING:" fail on the runtime as it is: each is a thing
# docs/dba-sqlite.md says a session can never do. The others are attacks
# that held. Attacks that need statements kept open, interleaved or timed
# are in tests/unit/test_sqlite_redteam2.c.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/lib_locked.sh"

CUSTOMERS='CREATE TABLE customers (id integer primary key, name text,
    phone text, id_card text, medication text, store_id integer, owner text);
    INSERT INTO customers VALUES
    (1, '"'"'张三丰'"'"', '"'"'13812345678'"'"', '"'"'110101199003071234'"'"', '"'"'metformin'"'"', 7, '"'"'r01'"'"'),
    (2, '"'"'李四'"'"', '"'"'13998765432'"'"', '"'"'11010119900307123X'"'"', '"'"'insulin'"'"', 8, '"'"'r02'"'"')'

# mkschema DB SQL [POLICY]: SQL (tables and rows, made by the owner), then
# POLICY (default: the pharmacy policy) compiled and applied.
mkschema() {
    sq_plain "$1" "$2" &&
    if [ -n "${3:-}" ]; then
        "$WARD" compile "$3" --no-check -o "$1.sql" 2>/dev/null
    else
        "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" -o "$1.sql" 2>/dev/null
    fi &&
    sq_plain "$1" ".read $1.sql"
}

# approved_export DB: a01 requests the customer export, s01 approves it.
approved_export() {
    locked "$1" cs_agent a01 - "SELECT ward_request('export_customers', 'review')" >/dev/null &&
    locked "$1" cs_supervisor s01 - "SELECT ward_approve(1)" >/dev/null
}

# ---- findings --------------------------------------------------------------

# check_defaults() finds the session's temp tables with
#   SELECT ... FROM temp.sqlite_schema s, pragma_table_xinfo(s.name, 'temp') x
# and pragma_table_xinfo, unqualified, is not a name the session's snapshot
# knows (pragma_module_list does not list the pragma tables): a session
# makes a temp table of that name, the check's query then fails to prepare,
# its failure is ignored, and every later DEFAULT runs. In the stock shell
# that is readfile() of the database file itself (every clear value), or
# writefile() anywhere the process may write.
t_pragma_shadow() {
    bad=0
    mkschema db "$CUSTOMERS" || exit 1
    locked db cs_agent a01 - \
        "CREATE TEMP TABLE pragma_table_xinfo (x)" \
        "CREATE TEMP TABLE f (a DEFAULT (readfile('db')), b)" \
        "INSERT INTO f (b) VALUES (1)" \
        "SELECT substr(a, instr(a, CAST('139987' AS BLOB)), 11) FROM f" >out 2>&1
    no_secret out || { echo "readfile: the session read the database file"; bad=1; }
    locked db cs_agent a01 - \
        "CREATE TEMP TABLE pragma_table_xinfo (x)" \
        "CREATE TEMP TABLE w (a DEFAULT (writefile('pwned', 'x')), b)" \
        "INSERT INTO w (b) VALUES (1)" >/dev/null 2>&1
    test ! -e pwned || { echo "writefile: the session wrote the file pwned"; bad=1; }
    [ "$bad" = 0 ]
}
test_expect_success 'FINDING: a temp table named pragma_table_xinfo disables the DEFAULT check: readfile, writefile' t_pragma_shadow

# The records that rt_audit_append writes directly (an export of a table
# without an export guard, the use of an approval, a refused vote) are not
# on the unsettled list: a ROLLBACK takes them away for good. An export in
# BEGIN ... ROLLBACK reads every row and leaves nothing; so does a probe of
# the approvals refused as [not-approver].
t_rollback_unaudited() {
    bad=0
    printf '%s\n' 'policy noexp version 1;' 'role clerk;' \
        'mask phone_mid = keep(3, 4);' \
        'table customers { id integer key; name text; phone text;' \
        '  id_card text; medication text; store_id integer; owner text;' \
        '  mask phone with phone_mid to clerk; }' \
        'audit customers read phone write all;' >noexp.ward &&
    mkschema db "$CUSTOMERS" noexp.ward || exit 1
    printf '%s\n' "BEGIN;" "SELECT group_concat(phone) FROM ward_export_customers;" \
        "ROLLBACK;" >q.sql &&
    locked_all db clerk c01 - q.sql >out || exit 1
    contains out '139****5432' || exit 1
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'export'" >n &&
    echo 1 >want && cmp -s want n || { echo "an export in a rolled-back transaction left no record"; bad=1; }
    mkschema gsp "$CUSTOMERS" || exit 1
    locked gsp cs_agent a01 - "SELECT ward_request('export_customers', 'review')" >/dev/null &&
    printf '%s\n' "BEGIN;" "SELECT ward_approve(1);" "ROLLBACK;" >v.sql &&
    locked_all gsp pharmacist p01 - v.sql >out || exit 1
    contains out '[not-approver]' || exit 1
    "$WARD" audit fold gsp >/dev/null &&
    sq_plain gsp "SELECT count(*) FROM ward_audit WHERE op = 'approve'" >n &&
    echo 1 >want && cmp -s want n || { echo "a refused vote in a rolled-back transaction left no record"; bad=1; }
    [ "$bad" = 0 ]
}
test_expect_success 'FINDING: an export or a refused vote rolled back leaves no audit record' t_rollback_unaudited

# An approval is used, and its record appended, by the runtime's own
# statements nested in the session's statement: inside a writing statement
# (INSERT INTO a temp table) that then fails, the statement's rollback
# takes both away. The failure is ward_request's own error, whose message
# carries its argument: the export. One approval, any number of exports,
# none recorded, and the request still unused.
t_export_rollback_reuse() {
    mkschema db "$CUSTOMERS" && approved_export db &&
    printf '%s\n' "CREATE TEMP TABLE t (x);" \
        "INSERT INTO t SELECT ward_request((SELECT group_concat(name || ' ' || phone) FROM ward_export_customers), 'x');" \
        "INSERT INTO t SELECT ward_request((SELECT group_concat(name || ' ' || phone) FROM ward_export_customers), 'x');" \
        "INSERT INTO t SELECT ward_request((SELECT group_concat(name || ' ' || phone) FROM ward_export_customers), 'x');" >q.sql &&
    locked_all db cs_agent a01 - q.sql >out || exit 1
    exports=$(grep -c '139\*\*\*\*5432' out)
    records=$(sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'export'")
    used=$(sq_plain db "SELECT count(*) FROM ward_request WHERE used_at IS NOT NULL")
    echo "exports read: $exports, export records: $records, requests used: $used"
    [ "$exports" -le 1 ] && [ "$records" = "$exports" ] && [ "$used" = "$exports" ] ||
        { cat out; exit 1; }
}
test_expect_success 'FINDING: a failing write statement gives the approved export back, unrecorded, again and again' t_export_rollback_reuse

# guess DB ROLE ATTRS SQL: SQL in a transaction rolled back; what the
# session observes.
guess() {
    locked "$1" "$2" u01 "$3" "BEGIN" "$4" "SELECT changes()" "ROLLBACK" >o 2>&1
    echo "exit $?" >>o
    cat o
}

# granted() refuses a write of a column in a unique index unless the
# session sees it in clear in every row; load_indexes() finds those columns
# by name in pragma_index_info, where an expression has none, and ignores
# the columns of a partial index's WHERE. So a UNIQUE index on an
# expression of the masked phone answers a guess of it, and a partial
# UNIQUE index on id_card (hidden) WHERE name <> '' answers, for a write of
# the name, whether the row's hidden id_card is another row's.
t_unique_expression() {
    bad=0
    mkschema db "$CUSTOMERS;
        CREATE UNIQUE INDEX customers_phone ON customers (substr(phone, 1, 11))" || exit 1
    guess db cs_agent - "UPDATE customers SET phone = '13998765432' WHERE id = 1" >right
    guess db cs_agent - "UPDATE customers SET phone = '13998760000' WHERE id = 1" >wrong
    cmp -s right wrong || { echo "expression index:"; cat right wrong; bad=1; }
    mkschema part "$CUSTOMERS;
        INSERT INTO customers VALUES (3, '', '13700000003', '110101199003071234', 'x', 7, 'r01'),
            (4, '', '13700000004', '220101199003070000', 'x', 7, 'r01');
        CREATE UNIQUE INDEX customers_card ON customers (id_card) WHERE name <> ''" || exit 1
    guess part cs_agent - "UPDATE customers SET name = 'x' WHERE id = 3" >same
    guess part cs_agent - "UPDATE customers SET name = 'x' WHERE id = 4" >other
    cmp -s same other || { echo "partial index:"; cat same other; bad=1; }
    [ "$bad" = 0 ]
}
test_expect_success 'FINDING: a unique index on an expression, or a partial one, answers guesses' t_unique_expression

# The runtime's own INSERT checks the base table's foreign keys (when the
# application turns them on), against every row of the parent: a store
# manager, who sees customer 1 only, writes an order for customer 2 (store
# 8) and one for customer 3 (none): the first is stored, the second fails
# "FOREIGN KEY constraint failed". Rows outside its rows are counted and
# found by key.
t_fk_oracle() {
    printf '%s\n' 'policy fk version 1;' 'role manager;' \
        'table customers { id integer key; name text; store_id integer;' \
        '  rows where store_id = session.store_id for manager; }' \
        'table orders { id integer key; customer integer; item text;' \
        '  write customer, item to manager; }' >fk.ward &&
    mkschema db "CREATE TABLE customers (id integer primary key, name text, store_id integer);
        INSERT INTO customers VALUES (1, 'a', 7), (2, 'b', 8);
        CREATE TABLE orders (id integer primary key,
            customer integer REFERENCES customers (id), item text)" fk.ward || exit 1
    for c in 2 3; do
        sq db "PRAGMA foreign_keys = ON" ".output /dev/null" \
            "SELECT ward_session('manager', 'm01', NULL, '{\"store_id\": 7}')" \
            "SELECT ward_lock()" ".output stdout" "SELECT count(*) FROM customers" \
            "BEGIN" "INSERT INTO orders (customer, item) VALUES ($c, 'x')" \
            "SELECT changes()" "ROLLBACK" >o$c 2>&1
        echo "exit $?" >>o$c
    done
    cmp o2 o3 || { cat o2 o3; exit 1; }
}
test_expect_success 'FINDING: a foreign key tells which rows outside the session'"'"'s rows exist' t_fk_oracle

# (low) The plan a virtual table hands SQLite is the runtime's base
# statement, and EXPLAIN prints it: the session reads its row filter (the
# policy's rows rules, with their literals) from the catalog it may not
# read.
t_explain_filter() {
    mkschema db "$CUSTOMERS" &&
    locked db store_manager m01 '{"store_id": 7}' "EXPLAIN SELECT name FROM customers" >out 2>&1
    ! grep -q 'main."customers" WHERE' out || { grep 'main."customers"' out; exit 1; }
}
test_expect_success 'FINDING (low): EXPLAIN shows the runtime'"'"'s statement and the row filter' t_explain_filter

# ---- attacks that held -----------------------------------------------------

# Every other place a temp table's expressions could call a function is
# authorized when it is made: a CHECK, a generated column, a partial
# index's WHERE, an index on an expression, a view (at each use). An
# AUTOINCREMENT temp table (whose sqlite_sequence would be the session's)
# is refused; STRICT tables and literal DEFAULTs work.
t_temp_ddl_held() {
    mkschema db "$CUSTOMERS" &&
    for q in "CREATE TEMP TABLE t (a CHECK (ward_rowid_order(a) <> 0))" \
             "CREATE TEMP TABLE t (a, b AS (ward_rowid_order(a)))" \
             "CREATE TEMP TABLE t (a, b AS (readfile('db')) STORED)" \
             "CREATE TEMP TABLE t (a); CREATE INDEX ti ON t (a) WHERE ward_rowid_order(a) > 0" \
             "CREATE TEMP TABLE t (a); CREATE INDEX ti ON t (readfile(a))" \
             "CREATE TEMP VIEW v AS SELECT readfile('db'); SELECT * FROM v" \
             "CREATE TEMP TABLE t (a INTEGER PRIMARY KEY AUTOINCREMENT, b)" \
             "SELECT * FROM temp.sqlite_sequence" \
             "CREATE TEMP TABLE t (a DEFAULT (ward_rowid_order(1))); INSERT INTO t DEFAULT VALUES" \
             "CREATE TEMP TABLE json_each (x)" \
             "VACUUM" "VACUUM INTO 'copy.db'" \
             "WITH c AS (SELECT count(*) FROM customers) SELECT * FROM c" \
             "CREATE TEMP VIEW v AS SELECT count(*) FROM customers; SELECT * FROM v"; do
        ! locked db cs_agent a01 - "$q" >out 2>&1 || { echo "ran: $q"; cat out; exit 1; }
        no_secret out || exit 1
    done &&
    test ! -e copy.db &&
    locked db cs_agent a01 - "CREATE TEMP TABLE t (a TEXT, b INT DEFAULT -1, c BLOB DEFAULT x'00', d TEXT DEFAULT 'it''s') STRICT" \
        "INSERT INTO t (a) VALUES ('x')" "SELECT a, b, hex(c), d FROM t" >out &&
    echo "x|-1|00|it's" >want && cmp want out
}
test_expect_success 'held: temp DDL calls no function off the allow-list but through the DEFAULT' t_temp_ddl_held

# A right and a wrong guess at the masked phone, written by cs_agent with
# an index on phone: the same rows, errors, counters and audit record.
t_masked_write_held() {
    mkschema db "$CUSTOMERS; CREATE INDEX customers_phone ON customers (phone)" &&
    for g in 13998765432 13998760000; do
        locked db cs_agent a01 - "BEGIN" "UPDATE customers SET phone = '$g' WHERE id = 1" \
            "SELECT changes(), total_changes(), last_insert_rowid()" \
            "SELECT count(*) FROM customers WHERE phone LIKE '139%'" "ROLLBACK" >o$g 2>&1 || exit 1
    done &&
    cmp o13998765432 o13998760000 &&
    sq_plain db "SELECT count(DISTINCT coalesce(detail, '') || columns) FROM ward_audit WHERE op = 'update'" >n &&
    echo 1 >want && cmp want n
}
test_expect_success 'held: right and wrong guesses at a masked value written look the same' t_masked_write_held

# The reads of a writing statement that fails (ward_request's error carries
# the masked phones) are recorded; so is a refused write.
t_failed_write_reads_held() {
    mkschema db "$CUSTOMERS" &&
    printf '%s\n' "CREATE TEMP TABLE t (x);" \
        "INSERT INTO t SELECT ward_request((SELECT group_concat(phone) FROM customers), 'x');" \
        "UPDATE customers SET id_card = (SELECT group_concat(phone) FROM customers) WHERE id = 1;" >q.sql &&
    locked_all db cs_agent a01 - q.sql >out || exit 1
    contains out '[unknown-approval]' && contains out '[write-denied]' &&
    "$WARD" audit fold db >/dev/null &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'read' AND columns = 'phone'" >n &&
    echo 2 >want && cmp want n &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'update' AND detail LIKE 'refused%'" >n &&
    echo 1 >want && cmp want n
}
test_expect_success 'held: reads inside a failing write statement are recorded' t_failed_write_reads_held

# Even with the DEFAULT check out of the way (the temp pragma_table_xinfo
# above, refused since), ward's own keyed and internal functions refuse to
# run for the session: ward_decrypt gives no clear phone, ward_audit_write
# and ward_chain append nothing.
t_self_refusal_held() {
    printf '%s\n' 'policy enc version 1;' 'role clerk;' \
        'mask phone_token = encrypt("phone");' \
        'table customers { id integer key; name text; phone text; id_card text;' \
        '  medication text; store_id integer; owner text;' \
        '  mask phone with phone_token to clerk; }' \
        'audit customers read phone;' >enc.ward &&
    mkschema db "$CUSTOMERS" enc.ward || exit 1
    export WARD_KEY=correct-horse-battery-staple-0123456789
    tok=$(locked db clerk c01 - "SELECT phone FROM customers WHERE id = 1") &&
    case $tok in ward1:*) ;; *) echo "no token: $tok"; exit 1 ;; esac
    n0=$(sq_plain db "SELECT count(*) FROM ward_audit")
    for d in "ward_decrypt('$tok', 'phone')" "ward_hmac('13812345678', 'phone')" \
             "ward_audit_write('export', 'customers', '1', 'phone')" \
             "ward_chain('', 'a', 'b', 'c', 'd', 'export', 'customers', 'g', 'h', 'i', 'j')"; do
        locked db clerk c01 - "CREATE TEMP TABLE pragma_table_xinfo (x)" \
            "CREATE TEMP TABLE d (a DEFAULT ($d), b)" \
            "INSERT INTO d (b) VALUES (1)" "SELECT a FROM d" >out 2>&1
        { grep -q -e '\[denied\]' -e 'not authorized' out ||
          { echo "not refused: $d"; cat out; exit 1; }; } &&
        no_secret out || exit 1
    done
    n1=$(sq_plain db "SELECT count(*) FROM ward_audit")
    [ "$((n1 - n0))" -le 1 ] || { sq_plain db "SELECT * FROM ward_audit"; exit 1; }
}
test_expect_success 'held: keyed, decrypt and audit functions refuse a session even in a DEFAULT' t_self_refusal_held
