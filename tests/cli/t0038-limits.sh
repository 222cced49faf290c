#!/bin/sh
# The front end's limits (docs/security.md): inputs past them get a located
# error and exit 2, quickly and in bounded memory; inputs just inside them
# compile, format and dump (every recursive walk survives the deepest
# expression the parser accepts).
. "$ROOT/tests/cli/lib.sh"

# policy EXPR: a one-table policy whose rows rule is EXPR.
policy() {
    printf 'policy p version 1;\nrole r;\ntable t {\n  id integer key;\n  a integer;\n  rows where %s for r;\n}\n' "$1"
}

# repeat N TEXT SEP: TEXT N times, SEP between.
repeat() {
    awk -v n="$1" -v t="$2" -v s="$3" \
        'BEGIN { for (i = 0; i < n; i++) printf "%s%s", (i ? s : ""), t }'
}

t_or_chain() {
    policy "$(repeat 100000 'a = 1' ' or ')" >p.ward &&
    expect_exit 2 timeout 60 "$WARD" compile p.ward -o out.sql 2>err &&
    contains err 'p.ward:6:14: error: this expression nests more than 1000 operators deep' &&
    contains err 'hint: each `or` or `and` of a chain nests one level' &&
    test "$(grep -c error: err)" -eq 1 &&
    ! test -e out.sql
}
test_expect_success 'a row expression of 100,000 or terms is refused, not a stack overflow' t_or_chain

t_deepest_ok() {
    policy "$(repeat 499 'a = 1' ' or ')" >p.ward &&
    "$WARD" compile p.ward -o out.sql &&
    "$WARD" compile --target postgres p.ward -o out.pg.sql &&
    "$WARD" parse --dump p.ward >dump &&
    "$WARD" fmt p.ward >f.ward &&
    "$WARD" fmt f.ward >f2.ward &&
    cmp f.ward f2.ward
}
test_expect_success 'an expression 999 operators deep compiles, dumps and formats' t_deepest_ok

t_parens() {
    policy "$(repeat 100000 '(' '')a = 1$(repeat 100000 ')' '')" >p.ward &&
    expect_exit 2 timeout 60 "$WARD" compile p.ward -o out.sql 2>err &&
    contains err 'error: this nests too deeply: the parser holds at most 10000 open levels' &&
    ! grep -q 'memory exhausted' err &&
    ! grep -q 'out of memory' err
}
test_expect_success '100,000 nested parentheses: a depth error, not "memory exhausted"' t_parens

t_nots() {
    policy "$(repeat 100000 'not' ' ') a = 1" >p.ward &&
    expect_exit 2 timeout 60 "$WARD" compile p.ward -o out.sql 2>err &&
    contains err 'error: this nests too deeply' &&
    policy "$(repeat 1200 'not' ' ') a = 1" >p.ward &&
    expect_exit 2 "$WARD" compile p.ward -o out.sql 2>err &&
    contains err 'error: this expression nests more than 1000 operators deep'
}
test_expect_success 'chains of not are refused at either limit' t_nots

t_literal() {
    { printf 'policy p version 1 "' && repeat 70000 x '' &&
      printf '";\nrole r;\ntable t {\n  id integer key;\n}\n'; } >p.ward &&
    expect_exit 2 "$WARD" compile p.ward -o out.sql 2>err &&
    contains err 'p.ward:1:20: error: string literal of 70000 bytes is longer than the limit of 65536'
}
test_expect_success 'a string literal over 64 KiB is refused where it starts' t_literal

t_roles() {
    { echo 'policy p version 1;' &&
      awk 'BEGIN { for (i = 0; i < 10001; i++) print "role r" i ";" }' &&
      printf 'table t {\n  id integer key;\n}\n'; } >p.ward &&
    expect_exit 2 timeout 60 "$WARD" compile p.ward -o out.sql 2>err &&
    contains err 'p.ward:10002:1: error: more than 10000 roles'
}
test_expect_success 'more than 10,000 roles are refused before the model is built' t_roles

t_columns() {
    { printf 'policy p version 1;\nrole r;\ntable t {\n  id integer key;\n' &&
      awk 'BEGIN { for (i = 0; i < 10000; i++) print "  c" i " text;" }' &&
      echo '}'; } >p.ward &&
    expect_exit 2 timeout 60 "$WARD" compile p.ward -o out.sql 2>err &&
    contains err 'p.ward:10004:3: error: more than 10000 columns in one table'
}
test_expect_success 'more than 10,000 columns in one table are refused' t_columns

# corpus_policy: a policy for the corpus tests.
corpus_policy() {
    printf 'policy g version 1;\nrole clerk;\ntable cards {\n  id integer key;\n  number text;\n}\n' >p.ward
}

t_alias_bomb() {
    corpus_policy &&
    {
        printf 'x: &k {'
        awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%sk%d: v", (i ? ", " : ""), i }'
        echo '}'
        printf 'y: &s ['
        awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%s{session: {roles: [clerk], user: u, attrs: *k}, read: cards, expect_rows: 0}", (i ? ", " : "") }'
        echo ']'
        printf 'cases: ['
        awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%s{name: c, steps: *s}", (i ? ", " : "") }'
        echo ']'
    } >bomb.yaml &&
    expect_exit 2 timeout 20 "$WARD" check p.ward --corpus bomb.yaml 2>err &&
    contains err 'error: the corpus holds more than 1000000 values once its aliases are expanded'
}
test_expect_success 'a YAML alias bomb (1,000 cases x 1,000 steps x 1,000 keys) is refused at once' t_alias_bomb

t_long_line() {
    corpus_policy &&
    { printf 'cases: [' &&
      repeat 150000 '{name: "é", read: cards}' ', ' && echo ']'; } >c.yaml &&
    expect_exit 2 timeout 60 "$WARD" check p.ward --corpus c.yaml 2>err &&
    contains err "error: case 'é' has no session" &&
    contains err 'ward: 149800 more errors and warnings not shown' &&
    test "$(wc -c <err)" -lt 200000
}
test_expect_success '150,000 cases on one line: positions found in linear time, output bounded' t_long_line

t_dup_roles() {
    corpus_policy &&
    cat >c.yaml <<'EOY' &&
cases:
  - name: two roles lists
    session: {roles: [clerk], roles: [clerk, clerk, clerk], user: u}
    read: cards
    expect_rows: 0
EOY
    expect_exit 2 "$WARD" check p.ward --corpus c.yaml 2>err &&
    contains err "c.yaml:3:31: error: repeated key 'roles'" &&
    contains err 'c.yaml:3:15: note: first given here'
}
test_expect_success 'a repeated key inside a session is refused like one at the top' t_dup_roles
