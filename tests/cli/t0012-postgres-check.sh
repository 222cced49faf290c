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

t_every_policy() {
    n=0
    for p in "$ROOT"/policies/*.ward; do
        "$WARD" check "$p" >lite.out &&
        "$WARD" check "$p" --target postgres --dsn "$DSN" >pg.out &&
        contains pg.out ' 0 failed' &&
        cmp lite.out pg.out || return 1
        n=$((n + 1))
    done
    test "$n" -ge 1
}
test_expect_success 'every policy in policies/ passes its corpus on both targets alike' t_every_policy

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
