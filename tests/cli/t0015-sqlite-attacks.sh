#!/bin/sh
# SQLite target, attacks: every statement of the attack review of the
# first runtime, and the classes they belong to, run as locked sessions of
# four roles through the stock sqlite3 shell. None of them may return a
# clear phone number or resident ID (no role here sees one), change a ward
# table, or leave the audit chain broken.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/lib_locked.sh"

ROLES='cs_agent|a01|-
pharmacist|p01|-
store_manager|m01|{"store_id": 7}
sales_rep|r01|-'

# refused SQL: as each of the four roles, SQL fails and shows no secret.
refused() {
    echo "$ROLES" | {
        ok=0
        while IFS='|' read -r role user attrs; do
            if locked db "$role" "$user" "$attrs" "$1" >out 2>err; then
                echo "as $role, this ran: $1"
                cat out
                ok=1
            fi
            no_secret out || ok=1
            no_secret err || ok=1
        done
        return $ok
    }
}

# chain_intact: the audit log verifies and holds no forged row.
chain_intact() {
    "$WARD" audit verify db >/dev/null 2>err || { cat err; return 1; }
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'update' AND
        columns = 'phone' AND detail IS NULL" >n &&
    echo 0 >want && cmp want n
}

base_rows() {
    sq_plain db "SELECT * FROM customers ORDER BY id" >"$1"
}

t_comment_cte() {
    mkdb db && base_rows before &&
    refused " -- x
WITH ward_x AS (SELECT phone, id_card FROM main.customers) SELECT * FROM ward_x" &&
    refused "/* x */ WITH ward_x AS (SELECT phone, id_card FROM main.customers) SELECT * FROM ward_x" &&
    refused " -- x
WITH ward_x AS (SELECT ward_audit_write('update', 'customers', '1', 'phone')) SELECT * FROM ward_x" &&
    refused "WITH customers AS (SELECT * FROM main.customers) SELECT phone FROM customers" &&
    refused "WITH x AS MATERIALIZED (SELECT id_card FROM main.customers) SELECT * FROM x" &&
    chain_intact && base_rows after && cmp before after
}
test_expect_success 'finding 1: a comment before a CTE over main reaches no base row and forges nothing' t_comment_cte

t_dml_subquery() {
    mkdb db && base_rows before &&
    refused "DELETE FROM customers WHERE json_extract('{}', (SELECT phone||'/'||id_card FROM main.customers WHERE id=1))" &&
    refused "UPDATE customers SET name = name WHERE json_extract('{}', (SELECT phone||'/'||id_card FROM main.customers WHERE id=1))" &&
    refused "INSERT INTO customers (name) SELECT id_card FROM main.customers" &&
    refused "UPDATE customers SET name = (SELECT phone FROM main.customers WHERE id = 2) WHERE id = 1" &&
    base_rows after && cmp before after
}
test_expect_success 'finding 2: a subquery of a write on the session table reaches no base row' t_dml_subquery

t_sequence() {
    mkdb db &&
    sq_as db cs_agent a01 - - "SELECT phone FROM customers" >/dev/null &&
    refused "UPDATE sqlite_sequence SET seq = seq + 3 WHERE name = 'ward_audit'" &&
    refused "UPDATE sqlite_sequence SET seq = 9223372036854775807" &&
    refused "SELECT * FROM sqlite_sequence" &&
    refused "SELECT count(*) FROM main.sqlite_sequence" &&
    "$WARD" audit verify db &&
    sq_as db cs_agent a01 - - "SELECT phone FROM customers WHERE id = 1" >/dev/null &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'read'" >n &&
    echo 2 >want && cmp want n
}
test_expect_success 'finding 3: sqlite_sequence is out of reach; reads go on being recorded' t_sequence

# guess ROLE USER ATTRS VALUE: the counters around an UPDATE of row 1's
# phone to VALUE inside a rolled-back transaction.
guess() {
    locked db "$1" "$2" "$3" "SELECT total_changes()" "BEGIN" \
        "UPDATE customers SET phone = '$4' WHERE id = 1" \
        "SELECT changes(), total_changes()" "ROLLBACK" \
        "SELECT changes(), total_changes()" 2>&1 |
        sed 's/13812345678\|13812340000/GUESS/g'
}

t_counter() {
    mkdb db &&
    echo "$ROLES" | while IFS='|' read -r role user attrs; do
        guess "$role" "$user" "$attrs" 13812345678 >right &&
        guess "$role" "$user" "$attrs" 13812340000 >wrong &&
        { cmp right wrong || { echo "as $role:"; cat right wrong; exit 1; }; } ||
        exit 1
    done &&
    sq_plain db "SELECT phone FROM customers WHERE id = 1" >out &&
    echo 13812345678 >want && cmp want out &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'update' AND user = 'a01'" >n &&
    echo 2 >want && cmp want n
}
test_expect_success 'finding 4: a right and a wrong guess move the change counters alike' t_counter

t_functions() {
    mkdb db &&
    for f in "fts3_tokenizer('simple')" "load_extension('x')" "readfile('db')" \
             "writefile('x', 'y')" "edit('x')" "ward_hmac(phone, 'p')" \
             "ward_encrypt(phone, 'p')" "ward_decrypt('x', 'p')" \
             "ward_chain('', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)" \
             "ward_audit_write('read', 'customers', 1)" "sqlite_offset(phone)" \
             "sha3_query('SELECT 1')"; do
        refused "SELECT $f FROM customers" || exit 1
    done &&
    test ! -e x
}
test_expect_success 'finding 5: fts3_tokenizer and every function off the allow-list are refused' t_functions

t_spellings() {
    mkdb db &&
    sq_plain db "CREATE TABLE notes (id integer, body text)" &&
    for q in 'SELECT phone FROM main.customers' \
             'SELECT phone FROM "main"."customers"' \
             'SELECT phone FROM MAIN.Customers' \
             'SELECT phone FROM [main].[customers]' \
             'SELECT phone FROM `main`.`CUSTOMERS`' \
             'SELECT count(*) FROM main.customers' \
             'SELECT count(*) FROM main.customers WHERE 0' \
             'SELECT (SELECT max(id_card) FROM main.customers)' \
             'SELECT * FROM customers WHERE phone IN (SELECT phone FROM main.customers)' \
             'SELECT * FROM customers JOIN main.customers m USING (id)' \
             'INSERT INTO notes SELECT id, id_card FROM main.customers' \
             'SELECT 1 FROM customers WHERE EXISTS (SELECT 1 FROM main.customers WHERE id_card LIKE "1101%")'; do
        refused "$q" || exit 1
    done &&
    sq_plain db "SELECT count(*) FROM notes" >n && echo 0 >want && cmp want n
}
test_expect_success 'a protected table is refused under every spelling and in every position' t_spellings

t_views() {
    mkdb db &&
    sq_plain db "CREATE VIEW report AS SELECT count(*) AS n FROM customers;
        CREATE VIEW phones AS SELECT max(phone) AS p FROM customers;
        CREATE TABLE log (x); CREATE TRIGGER copy AFTER INSERT ON log
        BEGIN INSERT INTO log SELECT phone FROM customers WHERE NEW.x = 1; END;" &&
    refused 'SELECT n FROM report' &&
    refused 'SELECT p FROM phones' &&
    refused 'INSERT INTO log VALUES (1)' &&
    refused 'CREATE TEMP VIEW v AS SELECT phone FROM main.customers; SELECT * FROM v' &&
    refused 'WITH c AS (SELECT count(*) FROM main.customers) SELECT * FROM c' &&
    sq_plain db "SELECT count(*) FROM log" >n && echo 0 >want && cmp want n &&
    locked db cs_agent a01 - "CREATE TEMP VIEW v AS SELECT count(id) AS n FROM customers" \
        "SELECT n FROM v" >out && echo 2 >want && cmp want out &&
    ! locked db cs_agent a01 - "CREATE TEMP VIEW w AS SELECT count(*) AS n FROM customers" \
        "SELECT n FROM w" 2>err && contains err 'not authorized'
}
test_expect_success 'views and triggers of main read as the statement: refused; own temp views work (count a column)' t_views

t_attached() {
    mkdb db &&
    sq db "ATTACH 'db' AS again" ".output /dev/null" \
        "SELECT ward_session('cs_agent', 'a01', NULL, NULL)" "SELECT ward_lock()" \
        ".output stdout" "SELECT phone FROM again.customers" >out 2>err ;
    test ! -s out && contains err 'prohibited' &&
    refused "ATTACH 'db' AS again" &&
    refused "DETACH main"
}
test_expect_success 'a database attached before the session is refused by table name too' t_attached

t_ward_tables() {
    mkdb db &&
    for t in ward_audit ward_request ward_vote ward_cell ward_policy ward_manifest \
             ward_rowrule ward_write ward_table; do
        refused "SELECT * FROM $t" &&
        refused "SELECT count(*) FROM $t" &&
        refused "SELECT count(*) FROM main.$t" &&
        refused "DELETE FROM $t" || exit 1
    done &&
    refused "INSERT INTO ward_audit (at, op, prev, hash) VALUES ('x', 'read', 'x', 'x')" &&
    chain_intact
}
test_expect_success 'ward tables: no read, no count, no write, in any schema' t_ward_tables

t_sqlite_tables() {
    mkdb db && sq_plain db "ANALYZE" &&
    for q in 'SELECT * FROM sqlite_stat1' 'SELECT count(*) FROM sqlite_stat1' \
             'SELECT * FROM dbstat' 'SELECT count(*) FROM dbstat' \
             'SELECT sql FROM sqlite_stmt' 'SELECT * FROM sqlite_dbpage' \
             'SELECT * FROM pragma_integrity_check' 'PRAGMA integrity_check' \
             'PRAGMA foreign_key_check' 'PRAGMA page_count' 'PRAGMA data_version' \
             'PRAGMA writable_schema = 1' 'PRAGMA recursive_triggers = 0' \
             'PRAGMA journal_mode = OFF' 'PRAGMA main.synchronous = 0'; do
        refused "$q" || exit 1
    done &&
    locked db cs_agent a01 - "PRAGMA table_info(customers)" \
        "SELECT count(*) FROM pragma_table_info('customers')" \
        "SELECT count(*) FROM json_each('[1, 2]')" >out &&
    contains out '2|phone|TEXT' && tail -2 out | tr '\n' ' ' | grep -qx '7 2 '
}
test_expect_success 'bookkeeping tables and pragmas are refused; schema pragmas answer' t_sqlite_tables

t_ddl() {
    mkdb db &&
    for q in 'CREATE TEMP TRIGGER t AFTER INSERT ON main.ward_audit BEGIN SELECT 1; END' \
             'CREATE TEMP TRIGGER t INSTEAD OF UPDATE ON customers BEGIN SELECT 1; END' \
             'CREATE TRIGGER t AFTER DELETE ON customers BEGIN SELECT 1; END' \
             'CREATE TABLE main.x (a)' 'CREATE VIEW x AS SELECT 1' \
             'CREATE TEMP TABLE customers (a)' 'CREATE TEMP TABLE ward_x (a)' \
             'CREATE TEMP VIEW ward_export_x AS SELECT 1' 'CREATE TEMP TABLE sqlite_x (a)' \
             'DROP TABLE customers' 'DROP TABLE temp.customers' \
             'DROP TABLE ward_export_customers' 'ALTER TABLE customers RENAME TO c2' \
             'CREATE VIRTUAL TABLE temp.x USING ward(customers)' \
             'CREATE VIRTUAL TABLE temp.y USING fts5(a)' \
             "VACUUM INTO 'copy.db'" 'VACUUM' 'ANALYZE' 'REINDEX'; do
        refused "$q" || exit 1
    done &&
    test ! -e copy.db && "$WARD" verify db >/dev/null
}
test_expect_success 'DDL: no trigger, nothing in main, nothing shadowing ward; VACUUM INTO refused' t_ddl

t_own_objects() {
    mkdb db &&
    sq db "SELECT ward_session('cs_supervisor', 's01', NULL, NULL)" \
        "CREATE TEMP TABLE stash AS SELECT phone FROM customers" \
        "CREATE TEMP VIEW peek AS SELECT * FROM stash" \
        "SELECT ward_session('cs_agent', 'a01', NULL, NULL)" \
        "SELECT * FROM stash" >out 2>err ;
    test "$(tail -1 out)" = cs_agent && contains err 'no such table: stash' &&
    sq db "SELECT ward_session('cs_supervisor', 's01', NULL, NULL)" \
        "CREATE TEMP TABLE stash AS SELECT phone FROM customers" \
        "SELECT ward_session_end()" "SELECT * FROM temp.stash" 2>err ;
    contains err 'no such table: temp.stash'
}
test_expect_success "a session's temp objects end with it: the next session finds none" t_own_objects

t_hidden_rowid() {
    mkdb db &&
    printf '%s\n' 'policy k version 1;' 'role clerk;' 'classification secret default hide;' \
        'table badges { id integer key secret; holder text; write holder to clerk; }' >k.ward &&
    sq_plain db "CREATE TABLE badges (id integer primary key, holder text);
        INSERT INTO badges VALUES (1001, 'a'), (2002, 'b'), (3003, 'c')" &&
    "$WARD" compile k.ward --no-check -o k.sql 2>/dev/null && sq_plain db ".read k.sql" &&
    locked db clerk c01 - "SELECT group_concat(rowid || ':' || quote(id)) FROM badges" \
        "SELECT count(*) FROM badges WHERE rowid = 2002" \
        "SELECT count(*) FROM badges WHERE rowid BETWEEN 1000 AND 4000" >out &&
    ! grep -E '(^|[:,])(1001|2002|3003):' out &&
    sed -n 2,3p out | tr '\n' ' ' | grep -qx '0 0 ' &&
    locked db clerk c01 - "UPDATE badges SET holder = 'z' WHERE holder = 'b'" \
        "SELECT holder FROM badges WHERE rowid = (SELECT rowid FROM badges WHERE holder = 'z')" \
        >out 2>err ; contains err 'cannot update rows of badges'
}
test_expect_success 'a rowid that is a hidden key is not revealed as the rowid' t_hidden_rowid

t_refusal_recorded() {
    mkdb db &&
    ! locked db pharmacist p01 - "UPDATE customers SET phone = '1' WHERE id = 1" 2>err &&
    contains err '[write-denied]' &&
    "$WARD" audit fold db >/dev/null &&
    sq_plain db "SELECT user, op, key, detail FROM ward_audit WHERE op = 'update'" >out &&
    echo 'p01|update|1|refused [write-denied]' >want && cmp want out &&
    "$WARD" audit verify db >/dev/null
}
test_expect_success 'a refused write attempt is recorded with its code' t_refusal_recorded

t_lock() {
    mkdb db &&
    refused "SELECT ward_session('cs_supervisor', 's01', NULL, NULL)" &&
    refused "SELECT ward_session_end()" &&
    refused "SELECT ward_session('cs_supervisor', 's01', NULL, NULL) FROM customers"
}
test_expect_success 'a locked session cannot be changed or ended by SQL' t_lock
