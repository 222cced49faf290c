#!/bin/sh
# Coverage of a corpus: a role that sees no rows is covered by asserting
# that it sees none; the report groups what is not covered by rule and
# role.
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
    contains out 'coverage: rules 5/7 (71.4%), cells 6/16 (37.5%)' &&
    cat >want <<'EOT' &&
  uncovered rules, deciding no outcome a passing case asserts:
    d.ward:20:3: hide customer in kiosk;
    d.ward:23:3: write amount to sales;
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
    contains out.json '"uncovered": {"rules": ["d.ward:20:3: hide customer in kiosk;", "d.ward:23:3: write amount to sales;"], "cells": [' &&
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
