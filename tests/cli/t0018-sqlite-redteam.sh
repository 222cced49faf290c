#!/bin/sh
# SQLite target, red team: a locked session (cs_agent, pharmacist,
# store_manager of store 7, sales_rep r01, or the roles of the small
# policies below) running arbitrary SQL through the stock sqlite3 shell.
#
# Tests titled "FINDING:" fail on the runtime as it is: each is a thing
# docs/dba-sqlite.md says a session can never do. The others are attacks
# that held. Attacks that need a statement kept open while others run are
# in tests/unit/test_sqlite_redteam.c.
. "$ROOT/tests/cli/lib.sh"
. "$ROOT/tests/cli/lib_locked.sh"

# mkschema DB CREATE [POLICY]: a customers table made by CREATE, the two
# customers of mkdb, and POLICY (default: the pharmacy policy) applied.
mkschema() {
    sq_plain "$1" "$2;
        INSERT INTO customers (id, name, phone, id_card, medication, store_id, owner) VALUES
        (1, '张三丰', '13812345678', '110101199003071234', 'metformin', 7, 'r01'),
        (2, '李四', '13998765432', '11010119900307123X', 'insulin', 8, 'r02');" &&
    if [ -n "${3:-}" ]; then
        "$WARD" compile "$3" --no-check -o "$1.sql" 2>/dev/null
    else
        "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" -o "$1.sql" 2>/dev/null
    fi &&
    sq_plain "$1" ".read $1.sql"
}

CUSTOMERS='CREATE TABLE customers (id integer primary key, name text,
    phone text, id_card text, medication text, store_id integer, owner text)'

# A policy whose sales reps see their own customers and may write their
# key, name, phone and owner (a reassignment tool, say).
rep_policy() {
    printf '%s\n' 'policy reps version 1;' 'role rep;' \
        'table customers { id integer key; name text; phone text;' \
        '  id_card text; medication text; store_id integer; owner text;' \
        '  rows where owner = current_user for rep;' \
        '  write id, name, phone, owner to rep; }' \
        'audit customers write all;' >reps.ward
}

# more DB: six more customers (3..8), written by the owner.
more() {
    sq "$1" "INSERT INTO customers VALUES
        (3, '王五', '13700000003', '110101199003070003', 'aspirin', 7, 'r01'),
        (4, '赵六', '13700000004', '110101199003070004', 'lisinopril', 7, 'r01'),
        (5, '钱七', '13700000005', '110101199003070005', 'warfarin', 7, 'r01'),
        (6, '孙八', '13700000006', '110101199003070006', 'zoloft', 7, 'r01'),
        (7, '周九', '13700000007', '110101199003070007', 'benazepril', 7, 'r01'),
        (8, '吴十', '13700000008', '110101199003070008', 'codeine', 7, 'r01')"
}

# rev: a comma-separated list reversed.
rev() {
    tr ',' '\n' | sed '1!G;h;$!d' | paste -sd, -
}

# ---- findings --------------------------------------------------------------

# A column DEFAULT of the session's own temp table is evaluated by every
# INSERT that omits the column, and SQLite never shows its function calls
# to the authorizer (CHECK, generated columns and indexes it does show,
# when the table is created; a DEFAULT is resolved only when used, and the
# temp schema is trusted). So the function allow-list does not hold: the
# stock shell's writefile and readfile run, ward_audit_write appends a
# forged record, and ward_decrypt turns an encrypt-masked token the
# session reads back into the clear value.
t_default_functions() {
    bad=0
    mkdb db && echo 'not for sessions' >secret.txt || exit 1
    locked db cs_agent a01 - \
        "CREATE TEMP TABLE f (a DEFAULT (writefile('pwned', 'x')), b)" \
        "INSERT INTO f (b) VALUES (1)" >/dev/null 2>&1
    test ! -e pwned || { echo "writefile: a session wrote the file pwned"; bad=1; }
    locked db cs_agent a01 - \
        "CREATE TEMP TABLE r (a DEFAULT (readfile('secret.txt')), b)" \
        "INSERT INTO r (b) VALUES (1)" "SELECT CAST(a AS TEXT) FROM r" >out 2>/dev/null
    ! grep -q 'not for sessions' out || { echo "readfile: a session read secret.txt"; bad=1; }
    locked db cs_agent a01 - \
        "CREATE TEMP TABLE g (a DEFAULT (ward_audit_write('export', 'customers', '1', 'phone')), b)" \
        "INSERT INTO g (b) VALUES (1)" >/dev/null 2>&1
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'export'" >n &&
    echo 0 >want && cmp -s want n || { echo "ward_audit_write: a session forged an export record"; bad=1; }
    printf '%s\n' 'policy enc version 1;' 'role clerk;' \
        'mask phone_token = encrypt("phone");' \
        'table customers { id integer key; name text; phone text; id_card text;' \
        '  medication text; store_id integer; owner text;' \
        '  mask phone with phone_token to clerk; }' >enc.ward &&
    mkschema enc "$CUSTOMERS" enc.ward || exit 1
    (
        export WARD_KEY=correct-horse-battery-staple-0123456789
        tok=$(locked enc clerk c01 - "SELECT phone FROM customers WHERE id = 1") &&
        case $tok in ward1:*) ;; *) echo "no token: $tok"; exit 1 ;; esac &&
        ! locked enc clerk c01 - "SELECT ward_decrypt('$tok', 'phone')" >/dev/null 2>&1 &&
        locked enc clerk c01 - \
            "CREATE TEMP TABLE d (a DEFAULT (ward_decrypt('$tok', 'phone')), b)" \
            "INSERT INTO d (b) VALUES (1)" "SELECT a FROM d" >out 2>&1
        no_secret out
    ) || { echo "ward_decrypt: a session decrypted the phone"; bad=1; }
    [ "$bad" = 0 ]
}
test_expect_success 'FINDING: a temp table DEFAULT calls any function: files, forged audit, decrypt' t_default_functions

# The base statement a virtual table runs has no ORDER BY, so SQLite may
# scan any index that covers it; a query using only the key (the rowid)
# is covered by every index. Rows then come back in the order of an
# indexed column the session does not see: here medication, hidden from
# cs_agent. Two databases that differ only in the medications (ascending
# with id in one, descending in the other) give reversed ids.
t_index_order() {
    mkdb a && mkdb b && more a && more b &&
    sq a "UPDATE customers SET medication = 'm' || id" &&
    sq b "UPDATE customers SET medication = 'm' || (9 - id)" &&
    sq_plain a "CREATE INDEX customers_med ON customers (medication)" &&
    sq_plain b "CREATE INDEX customers_med ON customers (medication)" &&
    for q in 'SELECT group_concat(id) FROM customers' \
             "SELECT group_concat(id) FROM customers WHERE store_id = 7"; do
        locked a cs_agent a01 - "$q" >oa &&
        locked b cs_agent a01 - "$q" >ob &&
        if [ "$(cat oa)" = "$(rev <ob)" ]; then
            echo "as cs_agent, '$q' follows the hidden medication: $(cat oa) / $(cat ob)"
            exit 1
        fi
    done
}
test_expect_success 'FINDING: row order follows an index on a hidden column' t_index_order

# A hidden INTEGER PRIMARY KEY is the rowid: the base statement returns
# rows in stored-rowid order, so the order of the rows reveals the order of
# the hidden keys, though the rowid the session sees is permuted.
t_hidden_key_order() {
    printf '%s\n' 'policy k version 1;' 'role clerk;' \
        'classification secret default hide;' \
        'table badges { id integer key secret; holder text; write holder to clerk; }' >k.ward &&
    "$WARD" compile k.ward --no-check -o k.sql 2>/dev/null &&
    sq_plain a "CREATE TABLE badges (id integer primary key, holder text);
        INSERT INTO badges VALUES (101, 'a'), (102, 'b'), (103, 'c'),
        (104, 'd'), (105, 'e'), (106, 'f'), (107, 'g'), (108, 'h')" \
        ".read k.sql" &&
    sq_plain b "CREATE TABLE badges (id integer primary key, holder text);
        INSERT INTO badges VALUES (108, 'a'), (107, 'b'), (106, 'c'),
        (105, 'd'), (104, 'e'), (103, 'f'), (102, 'g'), (101, 'h')" \
        ".read k.sql" &&
    locked a clerk c01 - "SELECT group_concat(holder) FROM badges" >oa &&
    locked b clerk c01 - "SELECT group_concat(holder) FROM badges" >ob &&
    if [ "$(cat oa)" = "$(rev <ob)" ]; then
        echo "the order of rows is the order of the hidden keys: $(cat oa) / $(cat ob)"
        exit 1
    fi
}
test_expect_success 'FINDING: row order reveals the order of a hidden rowid key' t_hidden_key_order

# guess_unique DB VALUE: cs_agent sets row 1's phone to VALUE in a
# transaction it rolls back; what the session observes (rows, error, exit).
guess_unique() {
    locked "$1" cs_agent a01 - "BEGIN" \
        "UPDATE customers SET phone = '$2' WHERE id = 1" \
        "SELECT changes()" "ROLLBACK" >o 2>&1
    echo "exit $?" >>o
    sed "s/$2/GUESS/g" o
}

# A UNIQUE index on a masked column the session may write turns the write
# into an oracle: setting row 1's phone to a number some customer has fails
# with "UNIQUE constraint failed", any other number succeeds. cs_agent sees
# 139****5432; ten thousand guesses recover the number.
t_unique_oracle() {
    mkdb db && sq_plain db "CREATE UNIQUE INDEX customers_phone ON customers (phone)" &&
    guess_unique db 13998765432 >right &&
    guess_unique db 13998760000 >wrong &&
    { cmp right wrong || { cat right wrong; exit 1; }; }
}
test_expect_success 'FINDING: a UNIQUE index on a masked column answers guesses of it' t_unique_oracle

# The runtime records a write attempt only when it refuses it itself or
# the base write succeeds: one that the table's own constraint refuses
# (run() in sqlite_write.c) leaves no record, so the oracle above is
# silent.
t_constraint_unaudited() {
    mkschema db "CREATE TABLE customers (id integer primary key, name text,
        phone text CHECK (length(phone) = 11), id_card text, medication text,
        store_id integer, owner text)" &&
    ! locked db cs_agent a01 - "UPDATE customers SET phone = '1' WHERE id = 1" 2>err &&
    contains err 'CHECK constraint failed' &&
    "$WARD" audit fold db >/dev/null &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'update' AND user = 'a01'" >n &&
    echo 1 >want && cmp want n
}
test_expect_success 'FINDING: a write the table constraints refuse leaves no audit record' t_constraint_unaudited

# The runtime's UPDATE takes the table's own conflict clause: with UNIQUE
# ON CONFLICT REPLACE, cs_agent (which may not delete) deletes customer 2
# by giving customer 1 its phone, unaudited; the rows it then counts tell a
# right guess of the masked number.
t_replace_deletes() {
    mkschema db "CREATE TABLE customers (id integer primary key, name text,
        phone text UNIQUE ON CONFLICT REPLACE, id_card text, medication text,
        store_id integer, owner text)" &&
    ! locked db cs_agent a01 - "DELETE FROM customers WHERE id = 2" 2>err &&
    contains err '[write-denied]' &&
    locked db cs_agent a01 - "UPDATE customers SET phone = '13998765432' WHERE id = 1" \
        >/dev/null 2>&1
    sq_plain db "SELECT count(*) FROM customers" >n &&
    echo 2 >want && cmp want n
}
test_expect_success 'FINDING: ON CONFLICT REPLACE lets an UPDATE delete a row the session may not delete' t_replace_deletes

# still_visible() checks the row at its old rowid after the UPDATE; when
# the key column is the rowid and the UPDATE changes it, nothing is there
# any more and the check passes: a rep hands customer 1 to r02 by
# renumbering it in the same statement.
t_key_move() {
    rep_policy && mkschema db "$CUSTOMERS" reps.ward &&
    ! locked db rep r01 - "UPDATE customers SET owner = 'r02' WHERE id = 1" 2>err &&
    contains err '[write-denied]' &&
    locked db rep r01 - "UPDATE customers SET id = 1001, owner = 'r02' WHERE id = 1" \
        >/dev/null 2>&1
    sq_plain db "SELECT id, owner FROM customers ORDER BY id" >out &&
    printf '1|r01\n2|r02\n' >want && cmp want out
}
test_expect_success 'FINDING: renumbering the key moves a row out of the session'"'"'s sight' t_key_move

# insert_key DB KEY: rep r01 inserts a customer of its own with KEY, rolled
# back; what the session observes.
insert_key() {
    locked "$1" rep r01 - "BEGIN" \
        "INSERT INTO customers (id, name, owner) VALUES ($2, 'x', 'r01')" \
        "ROLLBACK" 2>&1
    echo "exit $?"
}

# An insert with a chosen key collides with a row outside the rep's rows:
# "UNIQUE constraint failed: customers.id" for key 2 (r02's customer), none
# for key 3, so the rep learns which keys other reps' customers have.
t_key_collision() {
    rep_policy && mkschema db "$CUSTOMERS" reps.ward &&
    locked db rep r01 - "SELECT count(*) FROM customers" >n &&
    echo 1 >want && cmp want n &&
    insert_key db 2 >taken && insert_key db 3 >free &&
    { cmp taken free || { cat taken free; exit 1; }; }
}
test_expect_success 'FINDING: a key collision on insert reveals a row outside the rows rules' t_key_collision

# A refused insert (a row out of the session's sight) has already run the
# runtime's INSERT, which set last_insert_rowid() to the stored rowid; the
# statement's rollback does not restore it. With a hidden key that is the
# next key of the whole table: here 7778, beyond the one row the rep sees.
t_rowid_after_refusal() {
    printf '%s\n' 'policy h version 1;' 'role rep;' \
        'classification secret default hide;' \
        'table badges { id integer key secret; holder text; owner text;' \
        '  rows where owner = current_user for rep; write holder, owner to rep; }' >h.ward &&
    "$WARD" compile h.ward --no-check -o h.sql 2>/dev/null &&
    sq_plain db "CREATE TABLE badges (id integer primary key, holder text, owner text);
        INSERT INTO badges VALUES (1001, 'a', 'r01'), (5000, 'b', 'r02'), (7777, 'c', 'r02')" \
        ".read h.sql" &&
    printf '%s\n' "INSERT INTO badges (holder, owner) VALUES ('x', 'r02');" \
        "SELECT last_insert_rowid();" >q.sql &&
    locked_all db rep r01 - q.sql >out &&
    contains out '[write-denied]' &&
    tail -1 out >last && echo 0 >want && cmp want last
}
test_expect_success 'FINDING: last_insert_rowid() after a refused insert is the stored rowid' t_rowid_after_refusal

# last_insert_rowid() after a read of an audited column is the seq of the
# runtime's own audit record: the size of the audit log, other users'
# activity included (see also tests/unit/test_sqlite_redteam.c).
t_rowid_audit_seq() {
    mkdb db &&
    for i in 1 2 3 4 5; do
        locked db cs_agent a01 - "SELECT phone FROM customers" >/dev/null || exit 1
    done &&
    locked db store_manager m01 '{"store_id": 7}' "SELECT phone FROM customers" \
        "SELECT last_insert_rowid()" >out &&
    printf '138****5678\n0\n' >want && cmp want out
}
test_expect_success 'FINDING: last_insert_rowid() reveals the audit log'"'"'s length' t_rowid_audit_seq

# The allow-list takes every ordinary table of main that the policy does
# not protect, which includes the shadow tables of a full-text index: an
# FTS5 index over customers (external content, as its documentation
# recommends) keeps every token, resident IDs included, in
# customers_fts_data and customers_fts_idx. ward verify reports nothing.
# zero_or_refused SQL: as pharmacist, SQL fails or answers 0.
zero_or_refused() {
    out=$(locked db pharmacist p01 - "$1" 2>/dev/null)
    [ -z "$out" ] || [ "$out" = 0 ] || { echo "as pharmacist, $1: $out"; return 1; }
}

t_fts_shadow() {
    mkdb db &&
    sq_plain db "CREATE VIRTUAL TABLE customers_fts USING fts5 (name, phone,
        id_card, content='customers', content_rowid='id');
        INSERT INTO customers_fts (customers_fts) VALUES ('rebuild')" &&
    zero_or_refused "SELECT count(*) FROM customers_fts_data
        WHERE instr(block, CAST('110101199003071234' AS BLOB)) > 0" &&
    zero_or_refused "SELECT count(*) FROM customers_fts_idx" &&
    { locked db cs_agent a01 - "SELECT hex(block) FROM customers_fts_data" \
        >out 2>/dev/null || true; } &&
    ! grep -q 313130313031313939303033303731323334 out
}
test_expect_success 'FINDING: shadow tables of a full-text index over protected columns are readable' t_fts_shadow

# read_ok() allows a count(*) read of a protected name reported without a
# schema when its context (view or trigger name) is one of the session's
# own temp views. A trigger of main reports its name as the context, and a
# session may name a temp view after it: the trigger's count(*) then reads
# main.customers, every row. store_manager sees one customer and learns
# there are two.
t_trigger_name() {
    mkdb db &&
    sq_plain db "CREATE TABLE log (x); CREATE TABLE tally (n);
        CREATE TRIGGER tally AFTER INSERT ON log
        BEGIN INSERT INTO tally SELECT count(*) FROM customers; END" &&
    ! locked db store_manager m01 '{"store_id": 7}' "INSERT INTO log VALUES (1)" 2>err &&
    contains err 'not authorized' &&
    locked db store_manager m01 '{"store_id": 7}' "CREATE TEMP VIEW tally AS SELECT 1" \
        "INSERT INTO log VALUES (1)" >/dev/null 2>&1
    sq_plain db "SELECT count(*) FROM tally" >n &&
    echo 0 >want && cmp want n
}
test_expect_success 'FINDING: a temp view named after a trigger of main makes its reads the session'"'"'s' t_trigger_name

# A session may give a temp table the name of an ordinary table of main:
# for the rest of the connection the application's own statements on that
# name (its settings, its log) read and write the session's table.
t_shadow_app_table() {
    mkdb db &&
    sq_plain db "CREATE TABLE settings (k text, v text); INSERT INTO settings VALUES ('limit', '10')" &&
    ! locked db cs_agent a01 - "CREATE TEMP TABLE settings (k text, v text)" \
        "INSERT INTO settings VALUES ('limit', '100000')" >/dev/null 2>&1
}
test_expect_success 'FINDING (low): a temp table can shadow a table of main the application uses' t_shadow_app_table

# ---- attacks that held ----------------------------------------------------

# battery: statements about values a role must not tell apart, one a line.
battery() {
    cat <<'EOF'
SELECT id, name, phone, id_card, medication, store_id, owner FROM customers ORDER BY id;
SELECT typeof(name), typeof(phone), typeof(id_card), typeof(medication) FROM customers ORDER BY id;
SELECT length(name), length(phone), length(id_card), length(medication), octet_length(name) FROM customers ORDER BY id;
SELECT quote(phone), hex(phone), hex(id_card), unicode(substr(name, 2)) FROM customers ORDER BY id;
SELECT count(*), count(id), count(phone), count(id_card), count(medication) FROM customers;
SELECT min(phone), max(phone), min(id_card), max(medication), sum(length(id_card)), total(phone), avg(phone) FROM customers;
SELECT group_concat(phone), group_concat(medication), string_agg(id_card, ',') FROM customers;
SELECT id FROM customers WHERE phone = '13812345678' OR phone = '13899995678' OR phone = '13998765432';
SELECT id FROM customers WHERE phone LIKE '1381234%' OR phone GLOB '13812345*' OR phone > '13812345677';
SELECT id FROM customers WHERE id_card = '110101199003071234' OR id_card LIKE '1101%' OR id_card IS NOT NULL;
SELECT id FROM customers WHERE medication = 'metformin' OR medication IN ('insulin', 'aspirin') OR medication IS NOT NULL;
SELECT id FROM customers WHERE name = '张三丰' OR name LIKE '张三%' OR name > '张三';
SELECT id FROM customers WHERE phone IS '13812345678' OR id_card IS NOT NULL OR medication IS 'metformin';
SELECT id FROM customers WHERE phone BETWEEN '13812340000' AND '13812349999';
SELECT id FROM customers WHERE upper(id_card) = '11010119900307123X' OR instr(phone, '1234') > 0;
SELECT id FROM customers WHERE phone = 13812345678 OR id_card = 110101199003071234;
SELECT id FROM customers WHERE phone COLLATE NOCASE = '13812345678' OR id_card COLLATE RTRIM = '110101199003071234 ';
SELECT id, row_number() OVER (ORDER BY phone, id), rank() OVER (ORDER BY id_card), lag(medication) OVER (ORDER BY id) FROM customers ORDER BY id;
SELECT id, first_value(id) OVER (PARTITION BY medication ORDER BY id), ntile(2) OVER (ORDER BY name, id) FROM customers ORDER BY id;
SELECT id FROM customers ORDER BY phone, id;
SELECT id FROM customers ORDER BY id_card, id;
SELECT id FROM customers ORDER BY medication DESC, id;
SELECT id FROM customers ORDER BY name COLLATE NOCASE, id LIMIT 1 OFFSET 1;
SELECT count(DISTINCT phone), count(DISTINCT id_card), count(DISTINCT medication) FROM customers;
SELECT medication, count(*) FROM customers GROUP BY medication ORDER BY 1;
SELECT id_card, count(*) FROM customers GROUP BY id_card HAVING count(*) > 0;
SELECT key, value, type FROM customers, json_each(json_array(phone, id_card, medication)) ORDER BY id, key;
SELECT json_group_array(phone), json_group_object(id, medication) FROM customers;
SELECT json_extract(json_object('p', phone), '$.p'), json_valid(id_card), json_type(phone) FROM customers ORDER BY id;
SELECT a.id, b.id FROM customers a JOIN customers b ON a.phone = b.phone ORDER BY 1, 2;
SELECT a.id FROM customers a WHERE EXISTS (SELECT 1 FROM customers b WHERE b.id_card = '110101199003071234' AND b.id = a.id);
SELECT id FROM customers WHERE phone IN (SELECT phone FROM customers WHERE id = 2);
SELECT count(*) FROM customers WHERE id = 2;
SELECT count(*) FROM customers WHERE rowid = 2;
SELECT count(*) FROM customers WHERE store_id = 8 OR owner = 'r02';
SELECT count(*) FROM customers WHERE id IN (1, 2, 3);
SELECT max(rowid), min(rowid) FROM customers;
SELECT id FROM customers LIMIT 1;
SELECT id FROM customers ORDER BY id DESC LIMIT 1;
SELECT coalesce(id_card, 'none'), ifnull(medication, 'none'), nullif(phone, '13812345678') FROM customers ORDER BY id;
SELECT id, CASE WHEN phone = '13812345678' THEN 'y' ELSE 'n' END, iif(id_card > '2', 1, 0) FROM customers ORDER BY id;
SELECT ward_keep(phone, 3, 4), ward_redact(id_card), ward_cn_mobile(phone) FROM customers ORDER BY id;
CREATE TEMP TABLE guesses (g text);
INSERT INTO guesses VALUES ('13812345678'), ('110101199003071234'), ('metformin'), ('张三丰');
SELECT g FROM guesses JOIN customers ON g IN (phone, id_card, medication, name) ORDER BY g;
SELECT g FROM guesses WHERE g IN (SELECT phone FROM customers UNION SELECT id_card FROM customers) ORDER BY g;
CREATE TEMP TABLE copy AS SELECT * FROM customers;
SELECT * FROM copy ORDER BY id;
CREATE TEMP VIEW v AS SELECT count(*) AS n, max(id_card) AS m FROM customers;
SELECT * FROM v;
SELECT * FROM ward_export_customers;
SELECT phone FROM main.customers;
SELECT count(*) FROM customers_secret_notes;
EOF
}

# same_for ROLE USER ATTRS: the battery gives the same rows and errors on
# db and the twin, which differ only in what ROLE must not see.
same_for() {
    battery >battery.sql &&
    locked_all db "$1" "$2" "$3" battery.sql >one &&
    locked_all twin "$1" "$2" "$3" battery.sql >two &&
    { cmp one two || { echo "as $1:"; diff one two; return 1; }; } &&
    no_secret one
}

# twin DB SQL: a copy of the example with SQL applied by the owner.
twin() {
    mkdb "$1" && sq "$1" "$2" >/dev/null
}

t_noninterference() {
    mkdb db &&
    # cs_agent: phone middle digits, name tail, id_card, medication.
    twin twin "UPDATE customers SET phone = '13899995678', name = '张五六',
        id_card = '220202198001011111', medication = 'aspirin' WHERE id = 1;
        UPDATE customers SET phone = '13900005432', name = '李七',
        id_card = NULL, medication = NULL WHERE id = 2" &&
    same_for cs_agent a01 - &&
    grep -q '138\*\*\*\*5678' one &&
    # pharmacist: phone, name tail, id_card (medication is shown).
    rm -f twin twin.sql && twin twin "UPDATE customers SET phone = '15000000000',
        name = '张五六', id_card = 'x' WHERE id = 1;
        UPDATE customers SET phone = NULL, id_card = '9' WHERE id = 2" &&
    same_for pharmacist p01 - &&
    grep -q metformin one &&
    # store_manager of store 7 and sales_rep r01: row 2 is not theirs.
    rm -f twin twin.sql && twin twin "UPDATE customers SET phone = '13899995678',
        name = '张五六', id_card = '3', medication = 'x' WHERE id = 1;
        UPDATE customers SET name = '钱', phone = '1', id_card = '110101199003071234',
        medication = 'metformin', store_id = 9, owner = 'r09' WHERE id = 2" &&
    same_for store_manager m01 '{"store_id": 7}' &&
    same_for sales_rep r01 -
}
test_expect_success 'held: predicates, aggregates, windows, JSON, joins, sorting, temp tables tell nothing apart' t_noninterference

# The read side of a foreign key is authorized: a session writing a table
# whose foreign key points into a protected table, or is pointed at by
# one, is refused at prepare, not answered by "FOREIGN KEY constraint
# failed".
t_foreign_keys() {
    sq_plain db "CREATE TABLE stores (id integer primary key, city text);
        INSERT INTO stores VALUES (7, 'a'), (8, 'b'), (9, 'c')" &&
    mkschema db "CREATE TABLE customers (id integer primary key, name text,
        phone text, id_card text, medication text,
        store_id integer REFERENCES stores (id), owner text);
        CREATE TABLE orders (id integer primary key,
        customer integer REFERENCES customers (id))" &&
    for q in "DELETE FROM stores WHERE id = 8" "DELETE FROM stores WHERE id = 9" \
             "UPDATE stores SET id = 18 WHERE id = 8" \
             "INSERT INTO orders (customer) VALUES (2)" \
             "INSERT INTO orders (customer) VALUES (3)"; do
        ! sq db "PRAGMA foreign_keys = ON" ".output /dev/null" \
            "SELECT ward_session('store_manager', 'm01', NULL, '{\"store_id\": 7}')" \
            "SELECT ward_lock()" ".output stdout" "$q" 2>err &&
        contains err 'prohibited' || exit 1
    done &&
    sq_plain db "SELECT count(*) FROM stores" >n && echo 3 >want && cmp want n
}
test_expect_success 'held: foreign keys into and out of a protected table are refused, not answered' t_foreign_keys

# The one runtime statement a locked session reaches with an unqualified
# name is the mask arguments' json_each (sqlite_catalog.c, mask_args, run
# the first time a statement uses the table). A temp table or view of that
# name fails the session's reads closed; nothing leaks. (Qualifying it as
# main.json_each would keep the session working.)
t_json_each_shadow() {
    mkdb db &&
    for obj in "TABLE json_each (value, key)" "VIEW json_each AS SELECT 1 AS value, 0 AS key"; do
        ! locked db cs_agent a01 - "CREATE TEMP $obj" \
            "SELECT name, phone, id_card FROM customers" >out 2>err &&
        no_secret out && no_secret err && ! grep -q . out || exit 1
    done
}
test_expect_success 'held: a temp json_each fails the session closed' t_json_each_shadow

# OR REPLACE / OR IGNORE on the session's table do not reach the base
# table's conflict handling with a chosen key, and a session's temp table
# cannot run a function off the allow-list through CHECK, DEFAULT or a
# generated column.
t_conflict_and_ddl() {
    mkdb db &&
    for q in "INSERT OR REPLACE INTO customers (id, name) VALUES (2, 'x')" \
             "REPLACE INTO customers (id, name, phone) VALUES (1, 'x', '1')" \
             "INSERT INTO customers (rowid, name) VALUES (2, 'x')" \
             "UPDATE OR REPLACE customers SET id = 2 WHERE id = 1" \
             "CREATE TEMP TABLE t (a CHECK (load_extension('x')))" \
             "CREATE TEMP TABLE t (a, b AS (ward_audit_write('read', 'customers', a)))" \
             "CREATE TEMP TABLE t (a); CREATE TEMP TRIGGER tt AFTER INSERT ON t BEGIN SELECT 1; END" \
             "CREATE TEMP TABLE t (a); ALTER TABLE t RENAME TO customers" \
             "CREATE TEMP TABLE t (a); CREATE INDEX sqlite_autoindex_t_9 ON t (a)"; do
        ! locked db cs_agent a01 - "$q" >/dev/null 2>err || { echo "ran: $q"; exit 1; }
    done &&
    sq_plain db "SELECT count(*) FROM customers" >n && echo 2 >want && cmp want n
}
test_expect_success 'held: conflict clauses and temp DDL reach no base row and no forbidden function' t_conflict_and_ddl

# The session's writes stay in its rows without a key change.
t_rows_kept() {
    rep_policy && mkschema db "$CUSTOMERS" reps.ward &&
    ! locked db rep r01 - "INSERT INTO customers (name, owner) VALUES ('x', 'r02')" 2>err &&
    contains err '[write-denied]' &&
    ! locked db rep r01 - "UPDATE customers SET owner = NULL WHERE id = 1" 2>err &&
    contains err '[write-denied]' &&
    locked db rep r01 - "UPDATE customers SET name = 'y' WHERE id = 2" \
        "SELECT changes()" >out && echo 0 >want && cmp want out &&
    sq_plain db "SELECT id, name, owner FROM customers ORDER BY id" >out &&
    printf '1|张三丰|r01\n2|李四|r02\n' >want && cmp want out
}
test_expect_success 'held: an insert or update out of the rows rules is refused' t_rows_kept

# The unkeyed mask functions a session may call, with hostile arguments:
# errors, never a crash.
t_mask_fuzz() {
    mkdb db &&
    for f in keep redact null email hash cn_mobile cn_id cn_name cn_bank_card \
             cn_address cn_landline bucket range date_trunc hive_mask \
             hive_mask_first_n hive_mask_last_n hive_mask_show_first_n \
             hive_mask_show_last_n hive_mask_hash anon_partial \
             anon_partial_email mssql_default mssql_email mssql_partial; do
        for v in "phone" "zeroblob(70000)" "x'ff80'" "-9223372036854775808" "1e308" "'@'"; do
            for a in "" ", -1" ", 9223372036854775807" ", -9223372036854775808" ", 'x'" ", NULL"; do
                for b in "" ", 2147483648" ", ''" ", x'c3'"; do
                    echo "SELECT length(ward_$f($v$a$b)) FROM customers;"
                done
            done
        done
    done >fuzz.sql &&
    locked_all db cs_agent a01 - fuzz.sql >out || { tail -3 out; exit 1; }
    no_secret out
}
test_expect_success 'held: hostile arguments to the mask functions fail, never crash' t_mask_fuzz
