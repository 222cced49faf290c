#!/bin/sh
# Shadowing: a policy user's temporary objects named after what the
# runtime names. PostgreSQL searches the session's temporary schema for
# relation and type names, first unless the path names it, and any user
# may make temporary objects; a SECURITY DEFINER function that found a
# user's temporary view where it meant pg_catalog.pg_roles ran the user's
# code as ward_owner.
#
# The names come from the runtime itself, as applied: every word of the
# bodies of every function in schema ward and in the policies' schemas,
# read from pg_proc, so that a new function is covered without editing
# this script. Each user session of the attack makes, in its temporary
# schema, a view named after every such word (over the real catalog
# relation, or with the columns of the runtime's table of that name) and a
# domain named after every catalog type among them, each calling a trap
# that records that it ran and as whom; its own schema, first on its
# search_path, holds a function of the same signature for every catalog
# function the bodies name, and an operator for every catalog operator
# they use. The same steps (every entry point of the runtime) then run in
# two databases, one without the shadows, and must print the same, leave
# the same audit log and state, and never spring a trap. All of it twice:
# databases ward_plain and ward_shadow run the C library, sql_plain and
# sql_shadow the SQL runtime (whose inlinable functions are read under the
# shadowed search path), and the two runtimes must print the same too.
. "$ROOT/tests/cli/lib.sh"

. "$ROOT/tests/cli/lib_pg.sh"

# The pairs of databases: PAIR_plain and PAIR_shadow, PAIR's runtime.
PAIRS="ward sql"
runtime_of() { if [ "$1" = sql ]; then echo sql; else echo auto; fi; }
STEPS=$SCRATCH_BASE/steps
RUN=$SCRATCH_BASE/run
mkdir -p "$STEPS" "$RUN"
: >"$STEPS/empty.sql"
KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff

# words DB FILE: FILE's query run in DB after words.sql, as the superuser.
words() {
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d "$1" \
        -f "$SCRATCH_BASE/words.sql" -f "$2"
}

# step USER NAME: step NAME (steps/NAME.sql) as USER, in the plain database
# and then in the shadowed one, where :shadow sets the shadows up and
# :trapcheck lists what the trap recorded (the plain one gets an empty
# file for both); outputs in run/DB.NAME.out and .err.
step() {
    s_user=$1 s_name=$2
    for pair in $PAIRS; do
        for db in ${pair}_plain ${pair}_shadow; do
            if [ $db = ${pair}_shadow ]; then
                s_sh=$SCRATCH_BASE/shadow_$pair.sql s_tc=$SCRATCH_BASE/trapcheck.sql
            else
                s_sh=$STEPS/empty.sql s_tc=$STEPS/empty.sql
            fi
            psql -X -q -At -v ON_ERROR_STOP=0 -v shadow="$s_sh" -v trapcheck="$s_tc" \
                -h "$PGDIR" -U "$s_user" -d $db -f "$STEPS/$s_name.sql" \
                >"$RUN/$db.$s_name.out" 2>"$RUN/$db.$s_name.err"
        done
    done
}

# same NAME: both databases printed the same for step NAME, and no trap
# ran.
same() {
    for pair in $PAIRS; do
        for x in out err; do
            if ! diff -u "$RUN/${pair}_plain.$1.$x" "$RUN/${pair}_shadow.$1.$x" >diff.$x; then
                echo "step $1 ($x) differs with the shadows in place ($pair):"
                cat diff.$x
                return 1
            fi
        done
        if grep -h 'ward-trap' "$RUN/${pair}_shadow.$1.out" "$RUN/${pair}_shadow.$1.err"; then
            echo "step $1 sprang a trap ($pair)"
            return 1
        fi
    done
    # The C library and the SQL runtime print the same (errors without the
    # PL/pgSQL context lines, which name the function that raised).
    if ! diff -u "$RUN/ward_plain.$1.out" "$RUN/sql_plain.$1.out" >diff.out; then
        echo "step $1 prints differently on the C library and the SQL runtime:"
        cat diff.out
        return 1
    fi
    grep -v '^CONTEXT:\|^PL/pgSQL function\|^SQL statement\|^SQL function' "$RUN/ward_plain.$1.err" >c.err
    grep -v '^CONTEXT:\|^PL/pgSQL function\|^SQL statement\|^SQL function' "$RUN/sql_plain.$1.err" >s.err
    if ! diff -u c.err s.err >diff.err; then
        echo "step $1 fails differently on the C library and the SQL runtime:"
        cat diff.err
        return 1
    fi
}

# The second policy: every kind of mask the runtime has (keyed ones
# included), a scenario, row rules on an attribute and the user, and each
# kind of approval.
cat >"$SCRATCH_BASE/t16.ward" <<'EOP'
policy t16 version 1;
role clerk;
role boss;
scenario phone_call;
table acct {
  id     integer key;
  holder text;
  phone  text;
  idno   text;
  card   text;
  email  text;
  born   date;
  amount real;
  tel    text;
  addr   text;
  code   text;
  token  text;
  secret text;
  region integer;
  owner  text;
  mask holder with cn_name() to clerk;
  mask phone with hmac("phone") to clerk;
  mask phone with cn_mobile() to clerk in phone_call;
  mask idno with cn_id(tail) to clerk;
  mask card with cn_bank_card() to clerk;
  mask email with anon_partial_email() to clerk;
  mask born with date_trunc(month) to clerk;
  mask amount with bucket(10) to clerk;
  mask tel with cn_landline() to clerk;
  mask addr with cn_address() to clerk;
  mask code with hive_mask_show_last_n(4) to clerk;
  mask token with encrypt("token") to clerk;
  hide secret to clerk;
  mask region with mssql_default() to boss in phone_call;
  rows where owner = current_user and region = session.region for clerk;
  rows all for boss;
  write holder, phone, card, email, owner, region to clerk;
}
approval see_secret "see a secret" { unmask acct.secret; by 1 of boss; }
approval close_acct "close an account" { delete acct; by 1 of boss; }
approval change_card "change a card" { update acct.card; by 1 of boss; }
approval export_acct "export the accounts" { export acct; by 1 of boss; }
audit acct read phone, card, secret, token write all;
EOP

t_setup() {
    "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" --target postgres \
        -o "$SCRATCH_BASE/gsp.sql" >/dev/null &&
    "$WARD" compile "$SCRATCH_BASE/t16.ward" --target postgres -o "$SCRATCH_BASE/t16.sql" &&
    for db in ward_plain ward_shadow sql_plain sql_shadow; do
        rt=$(runtime_of "${db%_*}") &&
        pg "CREATE DATABASE $db" &&
        pgd $db "CREATE TABLE customers (id integer PRIMARY KEY, name text, phone text,
                 id_card text, medication text, store_id integer, owner text)" \
            "INSERT INTO customers VALUES
             (1, '张三丰', '13812345678', '110101199003071234', 'metformin', 7, 'r01'),
             (2, '欧阳娜娜', '13998765432', '11010119900307123X', 'insulin', 8, 'r02'),
             (3, '李四', '15000001111', '310101197511101441', NULL, 7, 'r02')" \
            "CREATE TABLE acct (id integer GENERATED BY DEFAULT AS IDENTITY (START WITH 100)
                 PRIMARY KEY, holder text, phone text, idno text, card text, email text,
                 born date, amount real, tel text, addr text, code text, token text,
                 secret text, region integer, owner text)" \
            "INSERT INTO acct VALUES
             (1, '欧阳娜娜', '13800000001', '110101199003071234', '6222021234567890123',
              'alice@example.com', '1990-03-07', 37.5, '010-62345678',
              '北京市朝阳区建国路88号', 'ABCD-1234-5678', 'tok1', 's1', 1, 'k1'),
             (2, '李四', '+86 138 0000 0002', '11010119900307123X', '6222 0212 3456 7890',
              'bo@x.cn', '1975-11-10', 120, '0755-2634567',
              '广东省深圳市南山区科技园南区1栋', 'code-2', 'tok2', 's2', 1, 'k2'),
             (3, '王小明', '13800000003', 'bad-id', '1234', 'noemail', '2024-02-29', -5,
              '13812345678', '某某路1号', 'x', 'tok3', 's3', 2, 'k1'),
             (4, 'John', '138-0000-0004', '11010519491231002X', '6222021234567890',
              'jo@ex.org', '2001-12-31', 0, '(010)62345678', '江苏省昆山市玉山镇同丰路',
              '12345', 'tok4', 's4', 1, 'k1')" &&
        PGOPTIONS="-c ward.pg_runtime=$rt" psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" \
            -U postgres -d $db -f "$SCRATCH_BASE/gsp.sql" &&
        PGOPTIONS="-c ward.pg_runtime=$rt" psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" \
            -U postgres -d $db -f "$SCRATCH_BASE/t16.sql" &&
        WARD_KEY=$KEY "$WARD" key load --dsn "host=$PGDIR user=postgres dbname=$db" \
            >/dev/null 2>&1 &&
        pgd $db "INSERT INTO ward.user_attr VALUES ('m07', 'store_id', '7')" || return 1
    done &&
    for u in a01:cs_agent s01:cs_supervisor c01:compliance p01:pharmacist m07:store_manager \
             r02:sales_rep k1:clerk k2:clerk bo1:boss; do
        pg "CREATE ROLE ${u%%:*} LOGIN IN ROLE ${u#*:}" || return 1
    done &&
    pgd ward_shadow "CREATE SCHEMA evil AUTHORIZATION a01" &&
    pgd sql_shadow "CREATE SCHEMA evil AUTHORIZATION a01" &&
    pgd ward_shadow "SELECT ward.runtime()" >out && echo c >want && cmp want out &&
    pgd sql_shadow "SELECT ward.runtime()" >out && echo sql >want && cmp want out &&
    psql -X -q -At -h "$PGDIR" -U k1 -d ward_plain \
        -c "SELECT ward.set_attr('region', '1')" -c "SELECT count(*) FROM t16.acct" >out &&
    printf '1\n2\n' >want && cmp want out
}
test_expect_success 'two databases, the same policies and rows; one will be shadowed' t_setup

# The words of the runtime's function bodies, as the server has them: one
# per line. The runtime's own temporary objects (pg_temp.ward_state) are
# left out: a table of that name made by the user is refused by design
# (t0013), and the refusal would be all these steps saw.
cat >"$SCRATCH_BASE/words.sql" <<'EOF'
CREATE TEMP VIEW ward_words AS
WITH src AS (
    SELECT lower(string_agg(p.prosrc, E'\n')) AS s
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('ward', 'gsp_pharmacy', 't16')
)
SELECT w FROM (SELECT DISTINCT m[1] AS w
                FROM src, regexp_matches(src.s, '([a-z_][a-z0-9_]*)', 'g') AS m) x
WHERE NOT EXISTS (SELECT 1 FROM src, regexp_matches(src.s, 'pg_temp\.([a-z_][a-z0-9_]*)', 'g') t
                  WHERE t[1] = x.w);
EOF

# The temporary shadows, one statement per line (see the top).
cat >"$SCRATCH_BASE/gen_temp.sql" <<'EOF'
WITH k AS (
    SELECT w,
        EXISTS (SELECT 1 FROM pg_class c WHERE c.relname = w
                AND c.relnamespace = 'pg_catalog'::regnamespace
                AND c.relkind IN ('r', 'v', 'm', 'f', 'p')) AS cat_rel,
        EXISTS (SELECT 1 FROM pg_type t WHERE t.typname = w
                AND t.typnamespace = 'pg_catalog'::regnamespace
                AND t.typtype IN ('b', 'd', 'e', 'r', 'm')) AS cat_type,
        (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname = w AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
           AND n.nspname NOT LIKE 'pg\_temp\_%'
         ORDER BY n.nspname LIMIT 1) AS mirror
    FROM ward_words
)
SELECT CASE
    WHEN cat_rel THEN format('CREATE TEMP VIEW %I AS SELECT s.* FROM pg_catalog.%I s '
                             'WHERE (SELECT pg_temp.ward_trap(%L));', w, w, 'relation ' || w)
    WHEN cat_type THEN format('CREATE DOMAIN pg_temp.%I AS pg_catalog.%I '
                              'CHECK (pg_temp.ward_trap(%L));', w, w, 'type ' || w)
    WHEN mirror IS NOT NULL THEN format('CREATE TEMP VIEW %I AS SELECT (x).* FROM (SELECT NULL::%s '
                                        'AS x) s WHERE (SELECT pg_temp.ward_trap(%L));',
                                        w, mirror, 'relation ' || w)
    ELSE format('CREATE TEMP VIEW %I AS SELECT NULL::pg_catalog.text AS %I '
                'WHERE (SELECT pg_temp.ward_trap(%L));', w, w, 'relation ' || w)
    END
    || CASE WHEN cat_type AND NOT cat_rel THEN ''
            ELSE format(E'\nGRANT ALL ON pg_temp.%I TO PUBLIC;\n'
                        'CREATE TRIGGER ward_trap INSTEAD OF INSERT OR UPDATE OR DELETE '
                        'ON pg_temp.%I FOR EACH ROW EXECUTE FUNCTION pg_temp.ward_trap_write();',
                        w, w) END
FROM k ORDER BY w;
EOF

# The user's own schema's shadows: a function of the same signature for
# every catalog function the bodies name (those a SQL function can stand
# for: no pseudo-type argument or result), an operator for every catalog
# operator whose name they hold (LIKE is ~~).
cat >"$SCRATCH_BASE/gen_evil.sql" <<'EOF'
WITH src AS (
    SELECT string_agg(p.prosrc, E'\n') AS s
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('ward', 'gsp_pharmacy', 't16')
), pseudo AS (
    SELECT oid FROM pg_type WHERE typtype = 'p'
)
SELECT format('CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE sql AS %L;',
              f.proname, pg_get_function_identity_arguments(f.oid),
              pg_get_function_result(f.oid),
              format('SELECT NULL::%s WHERE pg_temp.ward_trap(%L)',
                     format_type(f.prorettype, NULL), 'function ' || f.proname))
FROM pg_proc f JOIN ward_words ON ward_words.w = f.proname
WHERE f.pronamespace = 'pg_catalog'::regnamespace AND f.prokind = 'f'
  AND NOT (f.proargtypes::oid[] || f.prorettype) && ARRAY(SELECT oid FROM pseudo)
UNION ALL
SELECT format('CREATE FUNCTION evil.ward_op_%s(%s) RETURNS %s LANGUAGE sql AS %L;', o.oid,
              concat_ws(', ', CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END,
                        format_type(o.oprright, NULL)),
              format_type(o.oprresult, NULL),
              format('SELECT NULL::%s WHERE pg_temp.ward_trap(%L)',
                     format_type(o.oprresult, NULL), 'operator ' || o.oprname))
       || format(E'\nCREATE OPERATOR evil.%s (%sRIGHTARG = %s, FUNCTION = evil.ward_op_%s);',
                 o.oprname, CASE WHEN o.oprleft <> 0
                                 THEN 'LEFTARG = ' || format_type(o.oprleft, NULL) || ', ' END,
                 format_type(o.oprright, NULL), o.oid)
FROM pg_operator o, src
WHERE o.oprnamespace = 'pg_catalog'::regnamespace
  AND (strpos(src.s, o.oprname) > 0
       OR (o.oprname IN ('~~', '!~~') AND src.s ~* '\mlike\M'))
  AND NOT ARRAY[o.oprleft, o.oprright, o.oprresult] && ARRAY(SELECT oid FROM pseudo);
EOF

# The trap: records what ran and as whom (the record goes with a rolled
# back transaction; the warning reaches the client all the same).
cat >"$SCRATCH_BASE/trap.sql" <<'EOF'
CREATE TEMP TABLE ward_trap_log (what pg_catalog.text, usr pg_catalog.text);
GRANT INSERT ON pg_temp.ward_trap_log TO PUBLIC;
CREATE FUNCTION pg_temp.ward_trap(what pg_catalog.text) RETURNS pg_catalog.bool
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    INSERT INTO pg_temp.ward_trap_log VALUES (what, current_user);
    RAISE WARNING 'ward-trap: % ran as %', what, current_user;
    RETURN true;
END $f$;
CREATE FUNCTION pg_temp.ward_trap_write() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    PERFORM pg_temp.ward_trap(TG_OP || ' ' || TG_TABLE_NAME);
    RETURN NULL;
END $f$;
EOF
printf '%s\n' "SELECT 'ward-trap: logged', what, usr FROM pg_temp.ward_trap_log;" \
    >"$SCRATCH_BASE/trapcheck.sql"

t_generate() {
    for pair in $PAIRS; do t_generate_in ${pair}_shadow "$SCRATCH_BASE/shadow_$pair.sql" || return 1; done
}
# t_generate_in DB FILE: the shadows of DB's runtime into FILE, and the
# user's own schema's there.
t_generate_in() {
    g_db=$1 g_file=$2
    echo "SELECT string_agg(w, ' ' ORDER BY w) FROM ward_words;" >list.sql &&
    words $g_db list.sql >words &&
    for w in pg_roles pg_class text bytea jsonb name regclass audit audit_head request \
             vote read_pending locked_session user_attr cell key acct; do
        tr ' ' '\n' <words | grep -qx "$w" || { echo "no word $w in: $(cat words)"; return 1; }
    done &&
    ! tr ' ' '\n' <words | grep -qx ward_state &&
    { cat "$SCRATCH_BASE/trap.sql" &&
      words $g_db "$SCRATCH_BASE/gen_temp.sql"; } \
        >"$g_file" &&
    { echo 'SET check_function_bodies = off;' &&
      words $g_db "$SCRATCH_BASE/gen_evil.sql" &&
      echo 'GRANT USAGE ON SCHEMA evil TO PUBLIC;'; } >evil.sql &&
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGDIR" -U a01 -d $g_db -f evil.sql &&
    # Every shadow is made, by a cs_agent, without an error.
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGDIR" -U a01 -d $g_db \
        -f "$g_file" \
        -c "SELECT count(*) FROM pg_catalog.pg_class WHERE relnamespace
            OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema() AND relkind
            OPERATOR(pg_catalog.=) 'v'" \
        -c "SELECT count(*) FROM pg_catalog.pg_type WHERE typnamespace
            OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema() AND typtype
            OPERATOR(pg_catalog.=) 'd'" >made 2>made.err &&
    test ! -s made.err &&
    nw=$(wc -w <words) && nv=$(sed -n 1p made) && nd=$(sed -n 2p made) &&
    test "$((nv + nd))" -eq "$nw" && test "$nv" -gt 300 && test "$nd" -ge 10 &&
    pgd $g_db "SELECT count(*) > 300 FROM pg_operator WHERE oprnamespace = 'evil'::regnamespace" \
        "SELECT count(*) > 100 FROM pg_proc WHERE pronamespace = 'evil'::regnamespace
         AND proname NOT LIKE 'ward\\_op\\_%'" >out &&
    printf 't\nt\n' >want && cmp want out
}
test_expect_success 'the shadows come from the runtime'"'"'s own function bodies, and a cs_agent makes them all' t_generate

# Every function pins search_path = pg_catalog, pg_temp, but two kinds
# that may not: the C library's (no name in their C code goes through the
# search path; their SQL declarations are all this sees), and the SQL
# runtime's inlinable SQL functions, whose bodies the planner reads under
# the caller's search_path: those must name every function, operator and
# type with its schema. String literals aside, such a body may hold no
# operator character outside OPERATOR(pg_catalog.x), no cast to a type
# that is not pg_catalog's, and no call of a function outside pg_catalog
# and ward (LEAST, GREATEST and COALESCE are syntax, not names).
cat >"$SCRATCH_BASE/pinned.sql" <<'EOF'
WITH f AS (
    SELECT p.oid::regprocedure::text AS fn, l.lanname, p.probin,
           regexp_replace(regexp_replace(lower(p.prosrc), '''([^'']|'''')*''', '', 'g'),
                          'operator\(pg_catalog\.[^)]+\)', ' ', 'g') AS b
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    JOIN pg_language l ON l.oid = p.prolang
    WHERE n.nspname IN ('ward', 'gsp_pharmacy', 't16')
      AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
), v AS (
    SELECT fn, CASE
        WHEN lanname = 'c' AND probin = 'ward_pg' THEN NULL
        WHEN lanname = 'c' THEN 'a C function of library ' || probin
        WHEN lanname <> 'sql' THEN 'no search_path'
        WHEN b ~ '[-+*/<>=~!@#%^&|`?]' THEN 'an operator of the search path'
        WHEN b ~ '::\s*(?!pg_catalog\.)' THEN 'a type of the search path'
        WHEN EXISTS (SELECT 1 FROM regexp_matches(b, '([a-z_][a-z0-9_.]*)\s*\(', 'g') m
                     WHERE m[1] !~ '^(pg_catalog|ward)\.'
                       AND m[1] NOT IN ('least', 'greatest', 'coalesce', 'select', 'when',
                                        'then', 'else', 'and', 'or', 'not'))
            THEN 'a function of the search path'
        END AS why
    FROM f
)
SELECT coalesce(string_agg(fn || ': ' || why, E'\n' ORDER BY fn), 'none') FROM v
WHERE why IS NOT NULL;
EOF

t_pinned() {
    for db in ward_shadow sql_shadow; do
        psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d $db \
            -f "$SCRATCH_BASE/pinned.sql" >out &&
        echo none >want && cmp want out || { cat out; return 1; }
    done &&
    # The linter sees what it should: the two kinds exist where expected.
    pgd sql_shadow "SELECT count(*) > 5 FROM pg_proc WHERE pronamespace = 'ward'::regnamespace
                    AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
                    AND proconfig IS NULL" \
        "SELECT count(*) FROM pg_proc WHERE pronamespace = 'ward'::regnamespace
         AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')" >out &&
    printf 't\n0\n' >want && cmp want out &&
    pgd ward_shadow "SELECT count(*) > 40 FROM pg_proc WHERE pronamespace = 'ward'::regnamespace
                     AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')" >out &&
    echo t >want && cmp want out
}
test_expect_success 'every function pins search_path, or is the C library'"'"'s, or is inlinable SQL that names everything by schema' t_pinned

# Each step starts with the shadows and the user's search_path (its own
# schema before pg_catalog), and ends listing what the trap logged. Its own
# SQL qualifies what it calls: it runs among the shadows too.
begin_step() {
    printf '%s\n' '\i :shadow' 'SET search_path = evil, pg_catalog, public;'
}
end_step() {
    printf '%s\n' '\i :trapcheck'
}
EQ='OPERATOR(pg_catalog.=)'

{ begin_step; cat <<'EOF'; end_step; } >"$STEPS/s01_read.sql"
SELECT * FROM gsp_pharmacy.customers ORDER BY id;
SELECT ward.set_scenario('outbound_call');
SELECT * FROM gsp_pharmacy.customers ORDER BY id;
SELECT ward.request('export_customers', 'quarterly review');
SELECT ward.approve('export_customers');
SELECT pg_catalog.count(*) FROM gsp_pharmacy.ward_export_customers;
EOF
{ begin_step; cat <<'EOF'; end_step; } >"$STEPS/c01_approve.sql"
SELECT id, id_card FROM gsp_pharmacy.customers ORDER BY id;
SELECT ward.approve('export_customers');
SELECT ward.approve('export_customers');
EOF
{ begin_step; cat <<'EOF'; end_step; } >"$STEPS/s01_export.sql"
SELECT * FROM gsp_pharmacy.ward_export_customers ORDER BY id;
SELECT pg_catalog.count(*) FROM gsp_pharmacy.ward_export_customers;
EOF
{ begin_step; sed "s/=EQ=/$EQ/g" <<'EOF'; end_step; } >"$STEPS/a01_session.sql"
SELECT * FROM gsp_pharmacy.customers ORDER BY id;
BEGIN;
SELECT id, phone FROM gsp_pharmacy.customers ORDER BY id;
COMMIT;
UPDATE gsp_pharmacy.customers SET phone = '13900000000', name = '张三' WHERE id =EQ= 1;
SELECT id, name, phone FROM gsp_pharmacy.customers ORDER BY id;
UPDATE gsp_pharmacy.customers SET phone = phone, name = name;
UPDATE gsp_pharmacy.customers SET id_card = 'x' WHERE id =EQ= 1;
DELETE FROM gsp_pharmacy.customers WHERE id =EQ= 2;
INSERT INTO gsp_pharmacy.customers (id, name) VALUES (9, 'x');
INSERT INTO gsp_pharmacy.customers (name, phone) VALUES ('x', '1');
SELECT ward.set_attr('store_id', '7');
SELECT ward.attr('store_id'), ward.attr_bigint('store_id'), ward.attr_float('store_id');
SELECT ward.set_scenario('outbound_call');
SELECT ward.scenario();
SELECT ward.lock();
SELECT ward.set_scenario(NULL);
SELECT ward.set_attr('store_id', '8');
SELECT ward.request('export_customers', 'an agent asks');
SELECT ward.approve('export_customers');
SELECT pg_catalog.count(*) FROM gsp_pharmacy.ward_export_customers;
DISCARD ALL;
\i :shadow
SET search_path = evil, pg_catalog, public;
SELECT ward.scenario(), ward.attr('store_id');
SELECT * FROM gsp_pharmacy.customers ORDER BY id;
SELECT ward.set_scenario(NULL);
EOF
{ begin_step; cat <<'EOF'; end_step; } >"$STEPS/m07_pinned.sql"
SELECT id, store_id FROM gsp_pharmacy.customers ORDER BY id;
SELECT ward.set_attr('store_id', '8');
SELECT ward.attr('store_id');
EOF
{ begin_step; cat <<'EOF'; end_step; } >"$STEPS/r02_rows.sql"
SELECT id, name, phone FROM gsp_pharmacy.customers ORDER BY id;
EOF
{ begin_step; cat <<'EOF'; end_step; } >"$STEPS/p01_scenario.sql"
SELECT id, phone, medication FROM gsp_pharmacy.customers ORDER BY id;
SELECT ward.set_scenario('outbound_call');
SELECT id, phone, id_card, medication FROM gsp_pharmacy.customers ORDER BY id;
EOF
{ begin_step; sed "s/=EQ=/$EQ/g" <<'EOF'; end_step; } >"$STEPS/k1_masks.sql"
SELECT ward.set_attr('region', '1');
SELECT * FROM t16.acct ORDER BY id;
SELECT ward.set_scenario('phone_call');
SELECT id, phone FROM t16.acct ORDER BY id;
SELECT ward.set_scenario(NULL);
SELECT ward.request('see_secret', 'need to see it');
SELECT ward.request('close_acct', 'closing 4');
SELECT ward.request('change_card', 'a new card');
SELECT ward.request('export_acct', 'the report');
SELECT id, secret FROM t16.ward_unmask_acct ORDER BY id;
DELETE FROM t16.acct WHERE id =EQ= 4;
UPDATE t16.acct SET card = '6222000000000000' WHERE id =EQ= 1;
SELECT pg_catalog.count(*) FROM t16.ward_export_acct;
EOF
{ begin_step; cat <<'EOF'; end_step; } >"$STEPS/bo1_approve.sql"
SELECT ward.approve('see_secret');
SELECT ward.approve('close_acct');
SELECT ward.approve('change_card');
SELECT ward.approve('export_acct');
SELECT * FROM t16.acct ORDER BY id;
SELECT ward.set_scenario('phone_call');
SELECT id, phone, region FROM t16.acct ORDER BY id;
EOF
{ begin_step; sed "s/=EQ=/$EQ/g" <<'EOF'; end_step; } >"$STEPS/k1_guarded.sql"
SELECT ward.set_attr('region', '1');
SELECT id, secret FROM t16.ward_unmask_acct ORDER BY id;
SELECT id, secret FROM t16.ward_unmask_acct ORDER BY id;
UPDATE t16.acct SET card = '6222000000000000' WHERE id =EQ= 1;
DELETE FROM t16.acct WHERE id =EQ= 4;
SELECT id, phone, card, token FROM t16.ward_export_acct ORDER BY id;
INSERT INTO t16.acct (holder, owner, region) VALUES ('新户', 'k1', 1);
UPDATE t16.acct SET owner = 'k2' WHERE id =EQ= 1;
UPDATE t16.acct SET holder = holder, phone = phone, card = card;
BEGIN;
SELECT * FROM t16.acct ORDER BY id;
COMMIT;
EOF
# A session that used the runtime, then shadows, then DISCARD PLANS: the
# functions' cached plans are made again among the shadows.
{ printf '%s\n' 'SET search_path = evil, pg_catalog, public;'; sed "s/=EQ=/$EQ/g" <<'EOF'; end_step; } >"$STEPS/a01_plans.sql"
SELECT * FROM gsp_pharmacy.customers ORDER BY id;
SELECT ward.set_scenario('outbound_call');
SELECT ward.request('export_customers', 'before the shadows');
UPDATE gsp_pharmacy.customers SET name = '张三丰' WHERE id =EQ= 1;
\i :shadow
SET search_path = evil, pg_catalog, public;
DISCARD PLANS;
SELECT * FROM gsp_pharmacy.customers ORDER BY id;
SELECT ward.set_scenario(NULL);
SELECT ward.request('export_customers', 'after DISCARD PLANS');
UPDATE gsp_pharmacy.customers SET phone = '13812345678' WHERE id =EQ= 1;
SELECT ward.approve('export_customers');
EOF

t_steps() {
    for s in s01:s01_read c01:c01_approve s01:s01_export a01:a01_session m07:m07_pinned \
             r02:r02_rows p01:p01_scenario k1:k1_masks bo1:bo1_approve k1:k1_guarded \
             a01:a01_plans; do
        step "${s%%:*}" "${s#*:}" || return 1
    done
    r=0
    for s in s01_read c01_approve s01_export a01_session m07_pinned r02_rows p01_scenario \
             k1_masks bo1_approve k1_guarded a01_plans; do
        same $s || r=1
    done
    test $r -eq 0 &&
    # The steps did what they are for (in both databases alike).
    R=$RUN/ward_shadow &&
    contains $R.s01_export.out '1|张**|13812345678|110101199003071234|metformin|7|r01' &&
    contains $R.a01_session.err '[session-locked]' &&
    contains $R.a01_session.err '[write-denied] role cs_agent may not write customers.id_card' &&
    contains $R.a01_session.out 'outbound_call|7' &&
    contains $R.m07_pinned.err 'pinned by the DBA' &&
    contains $R.k1_masks.err '[approval-required] unmask of acct.secret needs approval see_secret' &&
    contains $R.k1_guarded.out '1|s1' &&
    contains $R.k1_guarded.err '[approval-required] unmask of acct.secret' &&
    contains $R.k1_guarded.err 'may not write a row of acct that its rows rules would not let it see' &&
    grep -q '^1|欧阳\*\*|[0-9a-f]\{64\}|' $R.k1_masks.out &&
    grep -q '|ward1:' $R.k1_masks.out &&
    contains $R.a01_plans.err '[ambiguous-request]'
}
test_expect_success 'every entry point, by every kind of user, prints the same among the shadows and springs no trap' t_steps

t_state() {
    for pair in $PAIRS; do t_state_in $pair || return 1; done &&
    # Both runtimes kept the same log of the same steps.
    q="SELECT \"user\", roles, scenario, op, tbl, key, columns, nrows, detail FROM ward.audit
       ORDER BY seq" &&
    pgd ward_plain "$q" >c.audit && pgd sql_plain "$q" >s.audit &&
    if ! cmp -s c.audit s.audit; then
        echo "the audit logs of the C library and the SQL runtime differ:"
        diff c.audit s.audit
        return 1
    fi
}
t_state_in() {
    P=$1_plain S=$1_shadow
    q="SELECT \"user\", roles, scenario, op, tbl, key, columns, nrows, detail FROM ward.audit
       ORDER BY seq" &&
    pgd $P "$q" >plain.audit && pgd $S "$q" >shadow.audit &&
    cmp plain.audit shadow.audit &&
    pgd $S "SELECT string_agg(DISTINCT op, ',' ORDER BY op) FROM ward.audit" >out &&
    echo 'approve,delete,export,insert,read,request,unmask,update' >want && cmp want out &&
    for t in customers acct; do
        pgd $P "SELECT * FROM $t ORDER BY id" >plain.$t &&
        pgd $S "SELECT * FROM $t ORDER BY id" >shadow.$t &&
        cmp plain.$t shadow.$t || return 1
    done &&
    q="SELECT r.id, r.approval, r.requester, r.used_at IS NOT NULL,
              (SELECT string_agg(v.approver, ',') FROM ward.vote v WHERE v.request = r.id)
       FROM ward.request r ORDER BY r.id" &&
    pgd $P "$q" >plain.req && pgd $S "$q" >shadow.req &&
    cmp plain.req shadow.req &&
    pgd $S "SELECT count(*) FROM ward.read_pending" >out &&
    echo 0 >want && cmp want out &&
    "$WARD" audit verify --dsn "host=$PGDIR user=postgres dbname=$S" >out &&
    contains out intact &&
    "$WARD" verify --dsn "host=$PGDIR user=postgres dbname=$S" >out 2>err &&
    contains err 'policy gsp_pharmacy version 1 as applied' &&
    contains err 'policy t16 version 1 as applied'
}
test_expect_success 'the shadowed database ends as the plain one: audit log, rows, requests; both verify' t_state
