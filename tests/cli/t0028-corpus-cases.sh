#!/bin/sh
# What a corpus case can say: the runtime's clock per step (`at:`), typed
# comparison, refusals of names the policy does not declare, and the
# combinations the loader refuses because they could never fail.
. "$ROOT/tests/cli/lib.sh"
P=$ROOT/policies/gsp_pharmacy.ward

# policy_with: a copy of the running example whose corpus is stdin.
policy_with() {
    sed 's/^corpus .*/corpus "c.yaml";/' "$P" >p.ward && cat >c.yaml
}

FIXTURE='fixtures:
  customers:
    - {id: 1, name: 张三丰, phone: "13812345678", id_card: "110101199003071234", medication: metformin, store_id: 7, owner: r01}'

# export_at REQUEST APPROVE EXPORT EXPECT: a request, its approval and the
# export, each at its time, the export expecting EXPECT.
export_at() {
    policy_with <<YAML
$FIXTURE
cases:
  - name: export at $3
    steps:
      - session: {roles: [cs_supervisor], user: s01}
        at: "$1"
        request: export_customers
        reason: review
      - session: {roles: [compliance], user: c01}
        at: "$2"
        approve: export_customers
      - session: {roles: [cs_supervisor], user: s01}
        at: "$3"
        export: customers
        $4
YAML
}

t_expiry() {
    export_at 2026-12-01T10:00:00Z 2026-12-01T11:00:00Z 2026-12-02T09:59:59Z 'expect_rows: 1' &&
    "$WARD" check p.ward >out &&
    contains out '1 case: 1 passed, 0 failed' &&
    export_at 2026-12-01T10:00:00Z 2026-12-01T11:00:00Z 2026-12-02T10:00:01Z 'expect_error: approval-required' &&
    "$WARD" check p.ward >out &&
    contains out '1 case: 1 passed, 0 failed' &&
    export_at 2026-12-01T10:00:00Z 2026-12-01T11:00:00Z 2026-12-02T10:00:01Z 'expect_rows: 1' &&
    expect_exit 1 "$WARD" check p.ward >out &&
    contains out '  at:      2026-12-02T10:00:01Z' &&
    contains out 'it failed: ward: [approval-required] export of customers needs approval export_customers'
}
test_expect_success 'at: fixes the clock of each step, so an approval expires on time' t_expiry

t_real_clock() {
    # A step without at: runs on the real clock, long after 2020.
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: a request of 2020 is dead today
    steps:
      - session: {roles: [cs_supervisor], user: s01}
        at: "2020-01-01T00:00:00Z"
        request: export_customers
        reason: review
      - session: {roles: [compliance], user: c01}
        approve: export_customers
        expect_error: unknown-request
YAML
    "$WARD" check p.ward >out &&
    contains out '1 case: 1 passed, 0 failed'
}
test_expect_success 'a step without at: runs on the real clock again' t_real_clock

t_bad_at() {
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: no such day
    session: {roles: [cs_agent], user: a01}
    at: "2026-02-29T10:00:00Z"
    read: customers
    expect_rows: 1
YAML
    expect_exit 2 "$WARD" check p.ward 2>err &&
    contains err 'c.yaml:7:9: error: at must be a time in UTC such as "2026-12-01T10:00:00Z"' &&
    sed -i 's/2026-02-29T10:00:00Z/2026-12-01 10:00/' c.yaml &&
    expect_exit 2 "$WARD" check p.ward 2>err &&
    contains err 'error: at must be a time in UTC'
}
test_expect_success 'a malformed at: is an error at its place' t_bad_at

t_typed() {
    policy_with <<YAML &&
fixtures:
  customers:
    - {id: 1, name: 张三丰, phone: "13812345678", store_id: 7, owner: r01}
cases:
  - name: a whole real equals an integer column's value
    session: {roles: [cs_agent], user: a01}
    read: customers
    where: {id: 1}
    expect: {id: 1.0, store_id: 7, owner: r01}
  - name: a number on a text column is its text
    session: {roles: [cs_supervisor], user: s01}
    read: customers.phone
    where: {id: 1}
    expect: 13812345678
  - name: a fraction never equals an integer
    session: {roles: [cs_agent], user: a01}
    read: customers.store_id
    where: {id: 1}
    expect: 7.5
YAML
    expect_exit 1 "$WARD" check p.ward >out &&
    contains out 'ok   a whole real equals an integer column' &&
    contains out 'ok   a number on a text column is its text' &&
    contains out 'customers.store_id: expected the real 7.5, got the integer 7'
}
test_expect_success 'expected values are compared after conversion to the column type' t_typed

t_unknown_names() {
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: an undeclared role is refused
    session: {roles: [intern], user: i01}
    read: customers
    expect_error: unknown-role
  - name: an undeclared scenario is refused
    session: {roles: [cs_agent], user: a01, scenario: night_shift}
    read: customers
    expect_error: unknown-scenario
  - name: an undeclared approval is refused
    session: {roles: [cs_agent], user: a01}
    request: export_everything
    reason: x
    expect_error: unknown-approval
YAML
    "$WARD" check p.ward >out &&
    contains out '3 cases: 3 passed, 0 failed' &&
    sed -i 's/expect_error: unknown-role/expect_rows: 3/' c.yaml &&
    expect_exit 2 "$WARD" check p.ward 2>err &&
    contains err "c.yaml:6:23: error: no role 'intern' in policy gsp_pharmacy" &&
    contains err 'hint: a step that tests the refusal of a role the policy does not declare expects unknown-role'
}
test_expect_success 'cases expecting unknown-role, -scenario or -approval may name undeclared ones' t_unknown_names

t_cannot_fail() {
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: expect on a write
    session: {roles: [cs_agent], user: a01}
    write: customers
    where: {id: 1}
    set: {phone: "13900000000"}
    expect: {phone: "13900000000"}
  - name: rows with a refusal
    session: {roles: [cs_agent], user: a01}
    export: customers
    expect_rows: 0
    expect_error: approval-required
YAML
    expect_exit 2 "$WARD" check p.ward 2>err &&
    contains err 'c.yaml:10:13: error: a write returns no row: expect has nothing to compare' &&
    contains err 'c.yaml:14:18: error: a step that expects a refusal returns nothing: expect_rows cannot go with expect_error'
}
test_expect_success 'expectations that could never fail are refused at their place' t_cannot_fail
