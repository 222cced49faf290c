#!/bin/sh
# Coverage and mutants of a corpus: a role that sees no rows is covered by
# asserting that it sees none; the report groups what is not covered by
# rule and role; a mutant of every construct (masks, classification
# defaults, rows, writes, approvals, audit), and a corpus that kills them.
. "$ROOT/tests/cli/lib.sh"

# dist: a distributor's policy with every construct, and the first
# corpus cases (every role, no scenario) on stdin.
dist() {
    cat >d.ward <<'EOP' &&
policy dist version 1;
role sales;
role ops;
role lead;
role auditor;
scenario kiosk;
mask tail4 = keep(0, 4);
mask initial = keep(1, 0);
classification pii.name default mask initial;
classification pii.phone default hide;
table orders {
  id       integer key;
  customer text pii.name;
  phone    text pii.phone;
  amount   real;
  region   text;
  show customer to ops;
  mask phone with tail4 to sales;
  show phone to ops;
  hide customer in kiosk;
  rows where region = session.region for sales;
  rows all for ops, lead;
  write amount to sales;
}
approval export_orders "export the orders" {
  export orders;
  by 2 of lead, ops;
  expires 1h;
}
audit orders read phone write amount;
corpus "d.yaml";
EOP
    {
        cat <<'EOY'
fixtures:
  orders:
    - {id: 1, customer: acme, phone: "13812345678", amount: 300.0, region: north}
    - {id: 2, customer: bolt, phone: "13998765432", amount: 12.5, region: south}
cases:
  - name: sales, north
    session: {roles: [sales], user: s1, attrs: {region: north}}
    read: orders
    expect: {customer: a***, phone: "*******5678", amount: 300}
    expect_rows: 1
  - name: ops
    session: {roles: [ops], user: o1}
    read: orders
    where: {id: 1}
    expect: {customer: acme, phone: "13812345678"}
  - name: lead
    session: {roles: [lead], user: l1}
    read: orders
    where: {id: 1}
    expect: {customer: a***, phone: null}
EOY
        cat
    } >d.yaml
}

t_grouped() {
    dist </dev/null &&
    expect_exit 1 "$WARD" check d.ward --min-coverage 100 >out &&
    contains out 'coverage: rules 5/8 (62.5%), cells 6/16 (37.5%)' &&
    cat >want <<'EOT' &&
  uncovered rules, deciding no outcome a passing case asserts:
    d.ward:20:3: hide customer in kiosk;
    d.ward:23:3: write amount to sales;
    d.ward:25:10: approval export_orders, which no passing step uses after its approvals
  uncovered cells, by role: no passing case of the role alone asserts them
    sales (d.ward:2:6):
      kiosk:       orders.customer, orders.phone
    ops (d.ward:3:6):
      kiosk:       orders.customer, orders.phone
    lead (d.ward:4:6):
      kiosk:       orders.customer, orders.phone
    auditor (d.ward:5:6):
      no scenario: orders.customer, orders.phone
      kiosk:       orders.customer, orders.phone
      auditor sees no rows of orders: a case of auditor alone that reads orders with expect_rows: 0 covers its cells (one per scenario)
coverage 37.5% is below the minimum 100.0%
EOT
    sed -n '/^  uncovered rules/,$p' out >got &&
    cmp want got &&
    expect_exit 1 "$WARD" check d.ward --min-coverage 100 --format json >out.json &&
    contains out.json '"uncovered": {"rules": ["d.ward:20:3: hide customer in kiosk;", "d.ward:23:3: write amount to sales;", "d.ward:25:10: approval export_orders, which no passing step uses after its approvals"], "cells": [' &&
    contains out.json '{"role": "auditor", "scenario": null, "columns": ["orders.customer", "orders.phone"]}' &&
    if command -v python3 >/dev/null; then
        python3 -c "import json; json.load(open('out.json'))"
    fi
}
test_expect_success 'the report names what is not covered, grouped by rule and by role' t_grouped

t_no_rows() {
    dist <<'EOY' &&
  - name: the auditor sees no order
    session: {roles: [auditor], user: u1}
    read: orders
    expect_rows: 0
  - name: nor on the kiosk
    session: {roles: [auditor], user: u1, scenario: kiosk}
    read: orders
    expect_rows: 0
  - name: a where that finds nothing asserts no cell
    session: {roles: [lead], user: l1, scenario: kiosk}
    read: orders
    where: {id: 9}
    expect_rows: 0
  - name: nor does a role that sees no row for want of an attribute
    session: {roles: [sales], user: s1, scenario: kiosk}
    read: orders
    expect_rows: 0
EOY
    expect_exit 1 "$WARD" check d.ward --min-coverage 100 >out &&
    contains out 'cells 10/16 (62.5%)' &&
    ! grep -q 'auditor (d.ward' out &&
    contains out '    sales (d.ward:2:6):' &&
    contains out '    lead (d.ward:4:6):'
}
test_expect_success 'a role that sees no rows is covered by a case asserting it sees none' t_no_rows

# The corpus that covers every rule and cell and kills every mutant.
full() {
    dist <<'EOY'
  - name: sales on the kiosk
    session: {roles: [sales], user: s1, scenario: kiosk, attrs: {region: north}}
    read: orders
    expect: {customer: null, phone: "*******5678"}
  - name: ops on the kiosk
    session: {roles: [ops], user: o1, scenario: kiosk}
    read: orders
    where: {id: 1}
    expect: {customer: null, phone: "13812345678"}
  - name: lead on the kiosk
    session: {roles: [lead], user: l1, scenario: kiosk}
    read: orders
    where: {id: 1}
    expect: {customer: null, phone: null}
  - name: the auditor sees no order
    session: {roles: [auditor], user: u1}
    read: orders
    expect_rows: 0
  - name: nor on the kiosk
    session: {roles: [auditor], user: u1, scenario: kiosk}
    read: orders
    expect_rows: 0
  - name: ops see every order
    session: {roles: [ops], user: o1}
    read: orders
    expect_rows: 2
  - name: reading a phone is audited
    session: {roles: [ops], user: o1}
    read: orders.phone
    where: {id: 2}
    expect: "13998765432"
    expect_audit: {table: orders, column: phone, op: read, user: o1}
  - name: sales change an amount, audited
    session: {roles: [sales], user: s1, attrs: {region: north}}
    write: orders
    where: {id: 1}
    set: {amount: 310}
    expect_rows: 1
    expect_audit: {table: orders, column: amount, op: update, user: s1}
  - name: an export needs approval
    session: {roles: [ops], user: o1}
    export: orders
    expect_error: approval-required
  - name: two approvers, one of each role will do
    steps:
      - session: {roles: [sales], user: s1, attrs: {region: north}}
        at: "2026-12-01T10:00:00Z"
        request: export_orders
        reason: audit
      - session: {roles: [lead], user: l1}
        at: "2026-12-01T10:10:00Z"
        approve: export_orders
        expect: 1
      - session: {roles: [sales], user: s1, attrs: {region: north}}
        at: "2026-12-01T10:20:00Z"
        export: orders
        expect_error: approval-required
      - session: {roles: [ops], user: o1}
        at: "2026-12-01T10:30:00Z"
        approve: export_orders
        expect: 0
      - session: {roles: [sales], user: s1, attrs: {region: north}}
        at: "2026-12-01T10:59:59Z"
        export: orders
        expect_rows: 1
  - name: an approval lasts an hour
    steps:
      - session: {roles: [sales], user: s1, attrs: {region: north}}
        at: "2026-12-01T10:00:00Z"
        request: export_orders
        reason: audit
      - session: {roles: [lead], user: l1}
        at: "2026-12-01T10:10:00Z"
        approve: export_orders
      - session: {roles: [ops], user: o1}
        at: "2026-12-01T10:20:00Z"
        approve: export_orders
      - session: {roles: [sales], user: s1, attrs: {region: north}}
        at: "2026-12-01T11:00:01Z"
        export: orders
        expect_error: approval-required
EOY
}

t_survivors() {
    dist </dev/null &&
    expect_exit 1 "$WARD" check d.ward --mutate >out &&
    contains out 'mutants: 23, killed 13, survived 10' &&
    contains out "survived: remove 'hide customer in kiosk;' (d.ward:20:3)" &&
    contains out "survived: make 'hide customer in kiosk;' (d.ward:20:3) show" &&
    contains out "survived: remove 'write amount to sales;' (d.ward:23:3)" &&
    contains out "survived: drop 'export orders;' (d.ward:26:10) from approval export_orders" &&
    contains out 'survived: drop the expiry of approval export_orders (d.ward:25:10)' &&
    contains out 'survived: lower approval export_orders (d.ward:25:10) to by 1' &&
    contains out 'survived: drop approver lead from approval export_orders (d.ward:25:10)' &&
    contains out 'survived: drop approver ops from approval export_orders (d.ward:25:10)' &&
    contains out 'survived: stop auditing reads of orders.phone (d.ward:30:1)' &&
    contains out 'survived: stop auditing writes of orders.amount (d.ward:30:1)' &&
    ! grep -q 'survived: swap mask' out &&
    ! grep -q 'survived: make the default' out &&
    ! grep -q 'survived: widen' out
}
test_expect_success 'a mutant of every construct, and the survivors named' t_survivors

t_all_killed() {
    full &&
    "$WARD" check d.ward --mutate --min-coverage 100 >out &&
    contains out '14 cases: 14 passed, 0 failed' &&
    contains out 'coverage: rules 8/8 (100.0%), cells 16/16 (100.0%)' &&
    contains out 'mutants: 23, killed 23, survived 0'
}
test_expect_success 'a corpus that kills every mutant, at 100% rule and cell coverage' t_all_killed

# Only ops's reads: the masks of sales and of the classification go
# unchecked, and their swaps survive, named with what replaced them.
t_mask_swaps() {
    dist </dev/null &&
    sed -i '/^  - name: sales, north/,$d' d.yaml &&
    cat >>d.yaml <<'EOY' &&
  - name: ops
    session: {roles: [ops], user: o1}
    read: orders
    where: {id: 1}
    expect: {customer: acme, phone: "13812345678"}
EOY
    expect_exit 1 "$WARD" check d.ward --mutate >out &&
    contains out "survived: swap mask tail4 for initial in 'mask phone with tail4 to sales;' (d.ward:18:3)" &&
    contains out 'survived: swap mask initial for tail4 in the default of classification pii.name (d.ward:9:16)' &&
    sed 's/^  mask phone with tail4 to sales;/  mask phone with keep(0, 4) to sales;/; /^mask tail4/d' d.ward >d2.ward &&
    expect_exit 1 "$WARD" check d2.ward --mutate >out &&
    contains out "survived: swap mask keep(0, 4) for initial in 'mask phone with keep(0, 4) to sales;'" &&
    contains out 'survived: swap mask initial for keep(0, 4) in the default of classification pii.name' &&
    sed 's/^  mask phone with tail4 to sales;/  mask phone with initial to sales;/; /^mask tail4/d' d.ward >d3.ward &&
    expect_exit 1 "$WARD" check d3.ward --mutate >out &&
    contains out "survived: swap mask initial for redact() in 'mask phone with initial to sales;'" &&
    contains out 'survived: swap mask initial for redact() in the default of classification pii.name'
}
test_expect_success "a mask is swapped for the policy's next one, else redact()" t_mask_swaps
