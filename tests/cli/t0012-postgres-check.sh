#!/bin/sh
# ward check --target postgres: the corpus through libpq on a real server,
# each case rolled back, each step as a role holding only its session's
# roles. The read cases of the running example pass on both targets.
. "$ROOT/tests/cli/lib.sh"

. "$ROOT/tests/cli/lib_pg.sh"

# ro: the running example without what PostgreSQL does not enforce yet,
# and its read cases.
ro() {
    grep -v -E '^  write |^approval|^  export |^  by |^  expires|^}$|^audit|^corpus' \
        "$ROOT/policies/gsp_pharmacy.ward" >ro.ward &&
    echo '}' >>ro.ward &&
    echo 'corpus "ro.yaml";' >>ro.ward &&
    awk '/^  # ---- writes ----/ { exit } { print }' \
        "$ROOT/policies/gsp_pharmacy.cases.yaml" >ro.yaml
}

t_both() {
    ro &&
    "$WARD" check ro.ward >lite.out &&
    "$WARD" check ro.ward --target postgres --dsn "$DSN" >pg.out &&
    contains pg.out '17 cases: 17 passed, 0 failed' &&
    contains pg.out 'cells 48/48 (100.0%)' &&
    cmp lite.out pg.out
}
test_expect_success 'the read cases pass on PostgreSQL exactly as on SQLite' t_both

# Every case of every shipped policy passes on PostgreSQL as on SQLite,
# those that fix the clock (at:) included.
t_every_policy() {
    n=0
    for p in "$ROOT"/policies/*.ward; do
        # A policy using what the postgres target does not enforce yet is
        # refused by it whole (t0030); once it does, the policy is checked.
        if ! "$WARD" compile "$p" --target postgres --no-check >/dev/null 2>pg.err &&
            grep -q 'is not supported by the postgres target yet' pg.err; then
            echo "skipped $p: the postgres target refuses it"
            continue
        fi
        "$WARD" check "$p" >lite.out &&
        "$WARD" check "$p" --target postgres --dsn "$DSN" >pg.out &&
        contains lite.out ' 0 failed' && contains pg.out ' 0 failed' &&
        grep '^ok ' pg.out | sort >pg.ok && grep '^ok ' lite.out | sort >lite.ok &&
        cmp lite.ok pg.ok &&
        tail -n +"$(grep -n '^coverage:' lite.out | cut -d: -f1)" lite.out >lite.cov &&
        tail -n +"$(grep -n '^coverage:' pg.out | cut -d: -f1)" pg.out >pg.cov &&
        cmp lite.cov pg.cov || return 1
        n=$((n + 1))
    done
    test "$n" -ge 1
}
test_expect_success 'every policy in policies/ passes its corpus on both targets alike' t_every_policy

# The shipped corpora pin their policies down on PostgreSQL too: every
# mutant, compiled for PostgreSQL and run there, fails some case.
t_mutants() {
    for p in "$ROOT"/policies/*.ward; do
        "$WARD" check "$p" --target postgres --dsn "$DSN" --mutate >pg.out ||
            { tail -5 pg.out; return 1; }
        grep -E '^mutants: [0-9]+, killed [0-9]+, survived 0$' pg.out >/dev/null ||
            { tail -5 pg.out; return 1; }
    done &&
    psql -X -At -h "$PGDIR" -U postgres -d postgres \
        -c "SELECT count(*) FROM pg_namespace WHERE nspname IN ('ward', 'ward_check_base')" >out &&
    printf '0\n' >want && cmp want out
}
test_expect_success_plain 'every shipped corpus kills every mutant on PostgreSQL, and leaves nothing behind' t_mutants

t_write_caught() {
    sed '/^  write name, phone to cs_agent;/d' "$ROOT/policies/gsp_pharmacy.ward" >nw.ward &&
    cp "$ROOT/policies/gsp_pharmacy.cases.yaml" . &&
    ! grep -q '^  write ' nw.ward &&
    expect_exit 1 "$WARD" check nw.ward --target postgres --dsn "$DSN" >out &&
    contains out 'an agent updates a phone number, and the change is audited' &&
    contains out '[write-denied] role cs_agent may not write customers.phone' &&
    sed '/^  by 1 of compliance, cs_supervisor;/s/compliance, //' "$ROOT/policies/gsp_pharmacy.ward" >na.ward &&
    expect_exit 1 "$WARD" check na.ward --target postgres --dsn "$DSN" >out &&
    contains out '[not-approver] c01 holds no role that approves export_customers'
}
test_expect_success 'a policy that lost its write grant or an approver fails its corpus on PostgreSQL' t_write_caught

t_rolled_back() {
    psql -X -At -h "$PGDIR" -U postgres -d postgres \
        -c "SELECT count(*) FROM pg_namespace WHERE nspname IN ('ward_check_base', 'gsp_pharmacy', 'ward')" \
        -c "SELECT count(*) FROM pg_roles WHERE rolname IN ('a01', 'cs_agent')" >out &&
    printf '0\n0\n' >want && cmp want out
}
test_expect_success 'nothing outlives a case on the server' t_rolled_back

t_wrong() {
    ro &&
    cat >>ro.yaml <<'YAML' &&
  - name: wrong on purpose
    session: {roles: [pharmacist], user: p01}
    read: customers.phone
    where: {id: 1}
    expect: "13812345678"
YAML
    expect_exit 1 "$WARD" check ro.ward --target postgres --dsn "$DSN" >out &&
    contains out 'FAIL wrong on purpose' &&
    contains out 'customers.phone: expected the text "13812345678", got NULL' &&
    contains out "decided by hide: rule 'hide phone to pharmacist;'"
}
test_expect_success 'a wrong expectation on PostgreSQL shows expected, actual and the rule' t_wrong

t_superuser() {
    ro &&
    cat >>ro.yaml <<'YAML' &&
  - name: as the superuser
    session: {roles: [cs_agent], user: postgres}
    read: customers
    expect_rows: 3
YAML
    expect_exit 1 "$WARD" check ro.ward --target postgres --dsn "$DSN" >out &&
    contains out 'refused: postgres is a superuser or bypasses row security'
}
test_expect_success 'a case never runs as a superuser' t_superuser

t_usage() {
    ro &&
    expect_exit 2 "$WARD" check ro.ward --target postgres 2>err &&
    contains err 'needs --dsn' &&
    expect_exit 2 "$WARD" check ro.ward --target postgres --dsn "host=$PGDIR user=nobody_here" 2>err &&
    contains err 'cannot connect' &&
    printf 'policy q version 1;\nrole r;\ntable t { n text; mask n with nope() to r; }\n' >q.ward &&
    printf 'fixtures: {}\ncases: []\n' >q.cases.yaml &&
    expect_exit 2 "$WARD" check q.ward --corpus q.cases.yaml --target postgres --dsn "$DSN" 2>err &&
    contains err 'nope'
}
test_expect_success 'check on postgres: usage, connection and policy errors are exit 2' t_usage

# ops.ward: inserts, deletes, and the delete and update guards, whose
# corpus must pass alike on both targets.
ops() {
    cat >ops.ward <<'EOP' &&
policy ops version 1;
role clerk;
role lead;
role rep;
table items {
  id    integer key;
  label text;
  price real;
  owner text;
  write id, label, price, owner to clerk;
  write id, label, owner to rep;
  rows all for clerk, lead;
  rows where owner = current_user for rep;
}
approval drop_item "delete an item" {
  delete items;
  by 1 of lead;
}
approval reprice "change a price" {
  update items.price;
  by 1 of lead;
}
audit items write all;
corpus "ops.yaml";
EOP
    cat >ops.yaml <<'EOY'
fixtures:
  items:
    - {id: 1, label: pen, price: 1.5, owner: r1}
    - {id: 2, label: ink, price: 9.0, owner: r2}
cases:
  - name: a clerk inserts an item, audited, and sees it
    steps:
      - session: {roles: [clerk], user: k1}
        insert: items
        set: {id: 3, label: cap, price: 0.5, owner: r1}
        expect_audit: {table: items, op: insert, user: k1}
      - session: {roles: [clerk], user: k1}
        read: items.label
        where: {id: 3}
        expect: cap
  - name: a rep may not insert a row it would not see
    session: {roles: [rep], user: r1}
    insert: items
    set: {id: 9, label: x, owner: r2}
    expect_error: write-denied
  - name: a rep relabels its own item only
    steps:
      - session: {roles: [rep], user: r1}
        write: items
        where: {id: 1}
        set: {label: quill}
        expect_rows: 1
      - session: {roles: [rep], user: r1}
        write: items
        where: {id: 2}
        set: {label: quill}
        expect_rows: 0
  - name: a rep may not hand its item to someone else
    session: {roles: [rep], user: r1}
    write: items
    where: {id: 1}
    set: {owner: r2}
    expect_error: write-denied
  - name: a delete needs its approval, used once
    steps:
      - session: {roles: [clerk], user: k1}
        delete: items
        where: {id: 2}
        expect_error: approval-required
      - session: {roles: [clerk], user: k1}
        request: drop_item
        reason: discontinued
      - session: {roles: [lead], user: l1}
        approve: drop_item
      - session: {roles: [clerk], user: k1}
        delete: items
        where: {id: 2}
        expect_rows: 1
        expect_audit: {table: items, op: delete, user: k1}
      - session: {roles: [clerk], user: k1}
        delete: items
        where: {id: 1}
        expect_error: approval-required
  - name: a price change needs its approval; a label change does not
    steps:
      - session: {roles: [clerk], user: k1}
        write: items
        where: {id: 1}
        set: {label: nib}
        expect_rows: 1
      - session: {roles: [clerk], user: k1}
        write: items
        where: {id: 1}
        set: {price: 2.0}
        expect_error: approval-required
EOY
}

t_ops() {
    ops &&
    "$WARD" check ops.ward >lite.out &&
    contains lite.out '6 cases: 6 passed, 0 failed' &&
    "$WARD" check ops.ward --target postgres --dsn "$DSN" >pg.out &&
    cmp lite.out pg.out
}
test_expect_success 'inserts, deletes and guarded updates pass alike on both targets' t_ops

# kinds.ward: every kind of step, each with a passing case and cases whose
# one wrong expectation must fail it (as tests/unit/test_check.c on SQLite).
kinds() {
    cat >kinds.ward <<'EOP' &&
policy kinds version 1;
role clerk;
role boss;
mask last4 = keep(0, 4);
table cards {
  id integer key;
  number text;
  amount real;
  mask number with last4 to clerk;
  show number to boss;
  rows all for clerk, boss;
  write amount to clerk;
  write id, number, amount to boss;
}
approval export_cards "export the cards" {
  export cards;
  by 1 of boss;
}
audit cards read number write all;
corpus "kinds.yaml";
EOP
    cat >kinds.yaml <<'EOY'
fixtures:
  cards:
    - {id: 1, number: "6222020200001234", amount: 300.0}
    - {id: 2, number: "6222020200005678", amount: 12.5}
cases:
  - name: ok read, typed
    session: {roles: [clerk], user: k1}
    read: cards
    where: {id: 1}
    expect: {number: "************1234", amount: 300, id: 1.0}
    expect_audit: {table: cards, column: number, op: read, user: k1}
  - name: wrong read value
    session: {roles: [clerk], user: k1}
    read: cards.number
    where: {id: 1}
    expect: "6222020200001234"
  - name: wrong read audit
    session: {roles: [clerk], user: k1}
    read: cards.number
    where: {id: 1}
    expect_audit: {table: cards, column: number, op: read, user: k2}
  - name: wrong typed
    session: {roles: [clerk], user: k1}
    read: cards.amount
    where: {id: 1}
    expect: "300"
  - name: ok write
    session: {roles: [clerk], user: k1}
    write: cards
    where: {id: 2}
    set: {amount: 13}
    expect_rows: 1
    expect_audit: {table: cards, column: amount, op: update}
  - name: wrong write rows
    session: {roles: [clerk], user: k1}
    write: cards
    where: {id: 2}
    set: {amount: 13}
    expect_rows: 2
  - name: wrong write refusal
    session: {roles: [clerk], user: k1}
    write: cards
    where: {id: 2}
    set: {number: "1"}
    expect_error: approval-required
  - name: ok insert, numbered
    session: {roles: [boss], user: b1}
    insert: cards
    set: {number: "6222020200009999", amount: 1}
    expect_rows: 1
    expect_audit: {table: cards, column: id, op: insert}
  - name: wrong insert rows
    session: {roles: [boss], user: b1}
    insert: cards
    set: {id: 3, number: "6222020200009999", amount: 1}
    expect_rows: 0
  - name: ok delete
    session: {roles: [boss], user: b1}
    delete: cards
    where: {id: 2}
    expect_rows: 1
  - name: wrong delete rows
    session: {roles: [boss], user: b1}
    delete: cards
    where: {id: 2}
    expect_rows: 2
  - name: ok export, request, approve
    steps:
      - session: {roles: [clerk], user: k1}
        request: export_cards
        reason: audit
        expect: 1
        expect_rows: 1
      - session: {roles: [boss], user: b1}
        approve: export_cards
        expect: 0
      - session: {roles: [clerk], user: k1}
        export: cards
        where: {id: 1}
        expect: {number: "************1234", amount: 300}
  - name: wrong export value
    steps:
      - session: {roles: [clerk], user: k1}
        request: export_cards
        reason: audit
      - session: {roles: [boss], user: b1}
        approve: export_cards
      - session: {roles: [clerk], user: k1}
        export: cards
        expect: {number: WRONG}
  - name: wrong request value
    session: {roles: [clerk], user: k1}
    request: export_cards
    reason: audit
    expect: 2
  - name: wrong approve value
    steps:
      - session: {roles: [clerk], user: k1}
        request: export_cards
        reason: audit
      - session: {roles: [boss], user: b1}
        approve: export_cards
        expect: 1
  - name: ok unknown role
    session: {roles: [pg_read_all_data], user: j1}
    read: cards
    expect_error: unknown-role
  - name: wrong unknown role
    session: {roles: [clerk], user: k1}
    read: cards
    expect_error: unknown-role
EOY
}

t_kinds() {
    kinds &&
    expect_exit 1 "$WARD" check kinds.ward >lite.out &&
    expect_exit 1 "$WARD" check kinds.ward --target postgres --dsn "$DSN" >pg.out &&
    contains pg.out '17 cases: 6 passed, 11 failed' &&
    grep -E '^(ok|FAIL)' lite.out >lite.verdicts &&
    grep -E '^(ok|FAIL)' pg.out >pg.verdicts &&
    cmp lite.verdicts pg.verdicts &&
    grep -q '^ok   ok ' pg.out && ! grep -q '^FAIL ok ' pg.out &&
    ! grep -q '^ok   wrong ' pg.out &&
    contains pg.out 'number: expected the text "WRONG", got the text "************1234"' &&
    contains pg.out 'expected the text "300", got the real 300' &&
    contains pg.out 'expected an audit row with table cards column number op read user k2, and the step left none' &&
    contains pg.out 'expected the integer 2, got the integer 1' &&
    contains pg.out 'expected the refusal [unknown-role], and it succeeded'
}
test_expect_success 'one verdict: every expect key fails a wrong step of every kind, on both targets alike' t_kinds

# pg_read_all_data exists on the server and reads every view: had the
# runner granted it, the read would succeed and the case fail.
t_unknown_role() {
    kinds &&
    expect_exit 1 "$WARD" check kinds.ward --target postgres --dsn "$DSN" >pg.out &&
    contains pg.out 'ok   ok unknown role'
}
test_expect_success 'a role the policy does not declare is refused on PostgreSQL, never granted' t_unknown_role

# keyed.ward: a keyed mask, and a corpus that carries its test key.
keyed() {
    cat >keyed.ward <<'EOP' &&
policy keyed version 1;
role sales;
role ops;
classification pii.name default mask hmac("customer");
table orders {
  id integer key;
  customer text pii.name;
  amount real;
  show customer to ops;
  rows all for sales, ops;
}
corpus "keyed.yaml";
EOP
    cat >keyed.yaml <<'EOY'
key: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
fixtures:
  orders:
    - {id: 1, customer: acme, amount: 300.0}
cases:
  - name: sales sees a stable pseudonym
    session: {roles: [sales], user: s1}
    read: orders
    where: {id: 1}
    expect: {customer: 0fb809a498e2d5fb4c6a184f85c599b905922b8020a07f48af3d42bfbfbcc544, amount: 300}
  - name: ops sees the name
    session: {roles: [ops], user: o1}
    read: orders.customer
    where: {id: 1}
    expect: acme
EOY
}

t_key() {
    keyed &&
    env -u WARD_KEY -u WARD_KEY_FILE "$WARD" check keyed.ward --target postgres --dsn "$DSN" >pg.out &&
    contains pg.out '2 cases: 2 passed, 0 failed' &&
    WARD_KEY=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff \
        "$WARD" check keyed.ward --target postgres --dsn "$DSN" >pg2.out &&
    cmp pg.out pg2.out &&
    psql -X -At -h "$PGDIR" -U postgres -d postgres \
        -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'ward'" >out &&
    printf '0\n' >want && cmp want out
}
test_expect_success "the corpus's key gives the same pseudonyms on PostgreSQL, and leaves nothing behind" t_key

t_at() {
    # The runner fixes the runtime's clock for a step (ward.clock, rolled
    # back with the case): an approval 25 hours old has expired, one 23
    # hours old has not; no session may set the clock.
    cat >at.ward <<'EOP' &&
policy atp version 1;
role clerk;
role boss;
table t { id integer key; v text; rows all for clerk, boss; }
approval export_t { export t; by 1 of boss; expires 24h; }
corpus "at.yaml";
EOP
    cat >at.yaml <<'YAML' &&
fixtures:
  t: [{id: 1, v: a}]
cases:
  - name: within a day the approval serves
    steps:
      - {session: {roles: [clerk], user: c1}, at: "2026-12-01T10:00:00Z", request: export_t, reason: r}
      - {session: {roles: [boss], user: b1}, at: "2026-12-01T11:00:00Z", approve: export_t}
      - {session: {roles: [clerk], user: c1}, at: "2026-12-02T09:00:00Z", export: t, expect_rows: 1}
  - name: after a day it has expired
    steps:
      - {session: {roles: [clerk], user: c1}, at: "2026-12-01T10:00:00Z", request: export_t, reason: r}
      - {session: {roles: [boss], user: b1}, at: "2026-12-01T11:00:00Z", approve: export_t}
      - {session: {roles: [clerk], user: c1}, at: "2026-12-02T11:00:00Z", export: t, expect_error: approval-required}
YAML
    "$WARD" check at.ward >lite.out &&
    "$WARD" check at.ward --target postgres --dsn "$DSN" >pg.out &&
    contains pg.out '2 cases: 2 passed, 0 failed' &&
    psql -X -At -h "$PGDIR" -U postgres -d postgres \
        -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'ward'" >out &&
    printf '0\n' >want && cmp want out
}
test_expect_success 'at: fixes the clock on PostgreSQL too: an approval expires 24 hours after the request' t_at
