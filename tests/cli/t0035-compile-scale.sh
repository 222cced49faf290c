#!/bin/sh
# Compile at scale: a generated policy of 200 tables (bench/bench_compile.c
# writes it: 20 columns, 10 roles, 3 scenarios, 25 rules a table) compiles
# for both targets, and each table is decided by its own rules only (the
# indexes by table and column must not lend a rule to a neighbour: a table
# decides the same alone and among 200). The compile bench
# runs at its smoke size, so that it cannot rot. No timing is asserted
# here: `make bench` measures (docs/performance.md).
. "$ROOT/tests/cli/lib.sh"

BENCH=$BUILD/bench/bench_compile

# cells FILE TABLE: the ward_cell rows (table, column, role, scenario,
# effect, rank, pos, mask, args) of TABLE in the SQLite script FILE, the
# table's name replaced by T and without pos (the deciding rule's offset in
# the file, which differs between the two files).
cells() {
    grep "^  ('$2', '[a-z_]*', 'r[0-9]', '" "$1" |
        sed "s/^  ('$2', /  ('T', /; s/[,;]\$//" |
        sed 's/^\(\([^,]*,\)\{6\}\)[^,]*,/\1/'
}

test_expect_success 'a policy of 200 tables checks' '
    "$BENCH" --write 200 p.ward &&
    "$WARD" compile p.ward 2>err &&
    contains err "(10 roles, 200 tables, 5000 rules)"
'

test_expect_success 'it compiles for SQLite: every cell of every table' '
    "$BENCH" --write 200 p.ward &&
    "$WARD" compile --target sqlite -o p.sql p.ward &&
    test "$(grep -c "^  ('"'"'t0[0-9]*'"'"', '"'"'[a-z_]*'"'"', '"'"'r[0-9]'"'"', " p.sql)" -eq 160000 &&
    contains p.sql "('"'"'t0199'"'"', '"'"'memo'"'"', '"'"'r9'"'"', '"'"'s2'"'"', '"'"'mask'"'"'"
'

test_expect_success 'it compiles for PostgreSQL' '
    "$BENCH" --write 200 p.ward &&
    "$WARD" compile --target postgres -o p.sql p.ward &&
    contains p.sql "\"t0199\"" &&
    contains p.sql "\"t0000\""
'

# alone POLICY TABLE: POLICY's declarations and TABLE alone (its rules, its
# audit line, its approval if any), without the other tables.
alone() {
    awk -v t="$2" '/^table /{seen = 1; mine = ($2 == t)} !seen || mine' "$1"
}

test_expect_success 'a table decides alike alone and among 200' '
    "$BENCH" --write 200 big.ward &&
    "$WARD" compile -o big.sql big.ward &&
    for t in t0000 t0001 t0123 t0199; do
        alone big.ward $t >one.ward &&
        "$WARD" compile -o one.sql one.ward 2>err &&
        cells one.sql $t >a && cells big.sql $t >b &&
        test "$(wc -l <a)" -eq 800 && cmp a b || exit 1
    done
'

test_expect_success 'explain lists the other rules of a column only' '
    "$BENCH" --write 200 p.ward &&
    "$WARD" explain p.ward --role r9 t0199.phone >out &&
    contains out "decided by: default of classification pii.phone" &&
    test "$(grep -c "^      - " out)" -eq 2 &&
    contains out "'"'"'hide phone in s0;'"'"'"
'

test_expect_success 'the compile bench runs at its smoke size' '
    "$BENCH" --smoke --ward "$WARD" >out &&
    contains out "growth 10 -> 20 tables" &&
    test "$(grep -c "^20 " out)" -eq 3
'

test_expect_success 'the bench reports a failing compile' '
    printf "#!/bin/sh\nexit 2\n" >fake && chmod +x fake &&
    expect_exit 1 "$BENCH" --smoke --ward ./fake 2>err &&
    contains err "check failed on 10 tables"
'
