#!/bin/sh
# The injection property test: generated policies whose names are SQL
# keywords and mixed-case words (the language's identifiers are ASCII
# letters, digits and '_', so no quote can be in a name), and whose labels,
# row-rule literals and mask arguments, and the session attribute values
# and base rows, are full of quotes, comment markers, backslashes,
# semicolons, control characters and Unicode (CJK, emoji, RTL marks).
# Each case is compiled and applied on SQLite and PostgreSQL; then the
# objects made are exactly those of the same policy with plain names and
# strings (none more, none less), each session reads exactly the rows its
# literal or attribute selects, byte for byte, the mask's text comes back
# byte for byte, and the labels are stored as written. Cases come from
# t0041-gen.awk with a fixed seed: a failure names its case, and the case
# is the same on every run.
. "$ROOT/tests/cli/lib.sh"

SEED=${WARD_T0041_SEED:-41}
N=${WARD_T0041_CASES:-24}
GEN=$SCRATCH_BASE/gen
LC_ALL=C awk -v seed="$SEED" -v n="$N" -v out="$GEN" -f "$ROOT/tests/cli/t0041-gen.awk"

# names DIR: P T A B R1 R2 of a case.
names() {
    { read -r P; read -r T; read -r A; read -r B; read -r R1; read -r R2; } <"$1/names"
}

# lite_objects DB: every object of the database, one a line.
lite_objects() {
    sq_plain "$1" "SELECT type || ' ' || name || ' ' || tbl_name FROM sqlite_master ORDER BY 1"
}

# lite_apply DIR: base rows, then the policy; DIR/made is what the apply
# added to the database's objects.
lite_apply() {
    sq_plain "$1/db" ".read $1/sqlite.sql" &&
    lite_objects "$1/db" >"$1/before" &&
    "$WARD" compile "$1/policy.ward" -o "$1/policy.sql" &&
    sq_plain "$1/db" ".read $1/policy.sql" &&
    lite_objects "$1/db" >"$1/after" &&
    comm -13 "$1/before" "$1/after" >"$1/made"
}

# lite_case DIR: one case on SQLite.
lite_case() {
    d=$1
    names "$d" &&
    lite_apply "$d" || { echo "case $d: the apply failed"; return 1; }
    sed "s/twint/$T/g" "$GEN/twin/made" | LC_ALL=C sort >"$d/want_made"
    LC_ALL=C sort "$d/made" >"$d/got_made"
    cmp "$d/want_made" "$d/got_made" || {
        echo "case $d: objects differ from the plain policy's"
        diff "$d/want_made" "$d/got_made"
        return 1
    }
    cols="id, lower(hex(\"$A\")), lower(hex(\"$B\"))"
    sq "$d/db" ".output /dev/null" "SELECT ward_session('$R1', 'u1', NULL, NULL)" \
        ".output stdout" "SELECT $cols FROM \"$T\" ORDER BY id" >"$d/got_r1" &&
    cmp "$d/want_r1" "$d/got_r1" || { echo "case $d: R1 read"; cat "$d/policy.ward"; return 1; }
    sq "$d/db" ".output /dev/null" \
        "SELECT ward_session('$R2', 'u2', NULL, json_object('k', $(cat "$d/attr.sqlite")))" \
        ".output stdout" "SELECT $cols FROM \"$T\" ORDER BY id" >"$d/got_r2" &&
    cmp "$d/want_r2" "$d/got_r2" || { echo "case $d: R2 read"; cat "$d/policy.ward"; return 1; }
    sq_plain "$d/db" "SELECT lower(hex(label)) FROM ward_policy" \
        "SELECT lower(hex(label)) FROM ward_role WHERE name = '$R1'" \
        "SELECT lower(hex(label)) FROM ward_approval" >"$d/got_labels" &&
    cmp "$d/want_labels" "$d/got_labels" || { echo "case $d: labels"; return 1; }
    lite_objects "$d/db" >"$d/after2" && cmp "$d/after" "$d/after2" &&
    "$WARD" audit verify "$d/db" >/dev/null &&
    "$WARD" verify "$d/db" 2>/dev/null
}

t_sqlite() {
    lite_apply "$GEN/twin" && test -s "$GEN/twin/made" &&
    grep -q 'trigger ward_audit_twint_update twint' "$GEN/twin/made" &&
    i=1 &&
    while [ "$i" -le "$N" ]; do
        lite_case "$GEN/$i" || return 1
        i=$((i + 1))
    done
}
test_expect_success "SQLite: $N generated policies: exactly the objects they name, every value byte for byte" t_sqlite

if ! command -v psql >/dev/null 2>&1; then
    echo "# skipping PostgreSQL: no psql"
    exit 0
fi
. "$ROOT/tests/cli/lib_pg.sh"

# pg_objects DB: the relations, functions, triggers, row-security policies
# and schemas outside PostgreSQL's own, one a line.
pg_objects() {
    pgd "$1" "SELECT o FROM (
        SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text AS o
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
        UNION ALL
        SELECT 'func ' || n.nspname || '.' || p.proname || '/' || p.pronargs
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        UNION ALL
        SELECT 'trigger ' || c.relname || ' ' || t.tgname
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE NOT t.tgisinternal
        UNION ALL
        SELECT 'policy ' || c.relname || ' ' || p.polname
          FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        UNION ALL
        SELECT 'schema ' || nspname FROM pg_namespace
         WHERE nspname NOT IN ('pg_catalog', 'information_schema')
           AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'
        ) x ORDER BY o COLLATE \"C\""
}

# pg_case_apply DB DIR: base rows, then the policy, in a fresh database.
pg_case_apply() {
    pg "CREATE DATABASE $1" &&
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d "$1" -f "$2/pg.sql" &&
    pg_objects "$1" >"$2/pg_before" &&
    "$WARD" compile "$2/policy.ward" --target postgres -o "$2/policy.pg.sql" &&
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d "$1" \
        -f "$2/policy.pg.sql" >/dev/null &&
    pg_objects "$1" >"$2/pg_after" &&
    comm -13 "$2/pg_before" "$2/pg_after" >"$2/pg_made"
}

pg_case() {
    db=c$2 d=$1
    names "$d" &&
    pg_case_apply "$db" "$d" || { echo "case $d: the apply failed"; return 1; }
    sed -e "s/twinp/$P/g" -e "s/twint/$T/g" "$GEN/twin/pg_made" |
        LC_ALL=C sort >"$d/pg_want_made"
    LC_ALL=C sort "$d/pg_made" >"$d/pg_got_made"
    cmp "$d/pg_want_made" "$d/pg_got_made" || {
        echo "case $d: objects differ from the plain policy's"
        diff "$d/pg_want_made" "$d/pg_got_made"
        return 1
    }
    pg "CREATE ROLE r1_$2 LOGIN IN ROLE \"$R1\"" "CREATE ROLE r2_$2 LOGIN IN ROLE \"$R2\"" &&
    cols="id, encode(convert_to(\"$A\", 'UTF8'), 'hex'), encode(convert_to(\"$B\", 'UTF8'), 'hex')"
    pgd_as "$db" "r1_$2" "SELECT $cols FROM \"$P\".\"$T\" ORDER BY id" |
        tr '|' '|' >"$d/pg_got_r1" &&
    cmp "$d/want_r1" "$d/pg_got_r1" || { echo "case $d: R1 read"; cat "$d/policy.ward"; return 1; }
    pgd_as "$db" "r2_$2" "SELECT ward.set_attr('k', $(cat "$d/attr.pg")) IS NOT NULL" \
        "SELECT $cols FROM \"$P\".\"$T\" ORDER BY id" >"$d/pg_got_r2" &&
    sed 1d "$d/pg_got_r2" >"$d/pg_got_r2b" &&
    cmp "$d/want_r2" "$d/pg_got_r2b" || { echo "case $d: R2 read"; cat "$d/policy.ward"; return 1; }
    pgd "$db" "SELECT encode(convert_to(label, 'UTF8'), 'hex') FROM ward.approval" \
        >"$d/pg_got_label" &&
    sed -n 3p "$d/want_labels" >"$d/pg_want_label" &&
    cmp "$d/pg_want_label" "$d/pg_got_label" || { echo "case $d: approval label"; return 1; }
    pg_objects "$db" >"$d/pg_after2" && cmp "$d/pg_after" "$d/pg_after2" &&
    "$WARD" audit verify --dsn "host=$PGDIR user=postgres dbname=$db" >/dev/null
}

t_postgres() {
    pg_case_apply ctwin "$GEN/twin" && test -s "$GEN/twin/pg_made" &&
    grep -q '^rel twinp.twint v$' "$GEN/twin/pg_made" &&
    i=1 &&
    while [ "$i" -le "$N" ]; do
        pg_case "$GEN/$i" "$i" || return 1
        i=$((i + 1))
    done
}
test_expect_success "PostgreSQL: $N generated policies: exactly the objects they name, every value byte for byte" t_postgres
