#!/bin/sh
# PostgreSQL target, a column with more distinct masks than the emitter
# once kept (64): every role still gets its own mask, in the catalog, in
# the view and on a live cluster (C library and SQL runtime), as explain
# and SQLite say. Past the old cap roles were given hide without a word.
. "$ROOT/tests/cli/lib.sh"

N=70
# The policy: role rK masks code with keep(K, 0), K = 1..N: N distinct
# masks of one column.
write_policy() {
    {
        echo "policy many version 1;"
        k=1
        while [ $k -le $N ]; do echo "role r$k;"; k=$((k + 1)); done
        echo "table people {"
        echo "  id   integer key;"
        echo "  code text;"
        k=1
        while [ $k -le $N ]; do
            echo "  mask code with keep($k, 0) to r$k;"
            k=$((k + 1))
        done
        echo "}"
    } >"$1"
}

# The value: 80 characters, so that keep(K, 0) shows its first K.
VALUE=ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ

# expected K: VALUE through keep(K, 0).
expected() {
    printf "%s" "$VALUE" | cut -c1-"$1" | tr -d '\n'
    printf "%$((80 - $1))s\n" "" | tr ' ' '*'
}

test_expect_success 'every role has its own outcome code in ward.cell and the view' '
    write_policy p.ward &&
    "$WARD" compile p.ward --target postgres -o p.sql &&
    k=1 &&
    while [ $k -le $N ]; do
        contains p.sql "('"'"'many'"'"', '"'"'people'"'"', '"'"'code'"'"', '"'"'r$k'"'"', '"'"''"'"', $((k + 1)), 1, " &&
        contains p.sql "WHEN $((k + 1)) THEN ward.keep(\"t\".\"code\"::text, $k, 0)" || return 1
        k=$((k + 1))
    done &&
    ! grep -F "'"'"'r$N'"'"', '"'"''"'"', 0, " p.sql
'

test_expect_success 'explain agrees: the last role masks with its own keep' '
    write_policy p.ward &&
    "$WARD" explain p.ward --role r$N people.code >out &&
    contains out "keep($N, 0)"
'

. "$ROOT/tests/cli/lib_pg.sh"
DBS="ward_c ward_sql"

t_setup() {
    write_policy "$SCRATCH_BASE/p.ward" &&
    "$WARD" compile "$SCRATCH_BASE/p.ward" --target postgres -o "$SCRATCH_BASE/p.sql" &&
    k=1 &&
    while [ $k -le $N ]; do pg "CREATE ROLE u$k LOGIN" || return 1; k=$((k + 1)); done &&
    for db in $DBS; do
        pg "CREATE DATABASE $db" &&
        pgd $db "CREATE TABLE people (id integer PRIMARY KEY, code text)" \
            "INSERT INTO people VALUES (1, '$VALUE')" &&
        PGOPTIONS="-c ward.pg_runtime=${db#ward_}" psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" \
            -U postgres -d $db -f "$SCRATCH_BASE/p.sql" &&
        pgd $db "SELECT ward.runtime()" >out && echo "${db#ward_}" >want && cmp want out &&
        k=1 &&
        while [ $k -le $N ]; do pgd $db "GRANT r$k TO u$k" || return 1; k=$((k + 1)); done
    done
}
test_expect_success_plain 'the policy applies on the C library and on the SQL runtime' t_setup

t_each_role() {
    for db in $DBS; do
        k=1
        while [ $k -le $N ]; do
            pgd_as $db u$k "SELECT code FROM many.people" >out &&
            expected $k >want &&
            cmp want out || { echo "$db: u$k (r$k)"; return 1; }
            k=$((k + 1))
        done
    done
}
test_expect_success_plain "each of the $N roles reads the column through its own mask" t_each_role
