#!/bin/sh
# ward check: the audit test corpus, its coverage gate, mutants, reports,
# and the corpus's own errors.
. "$ROOT/tests/cli/lib.sh"
P=$ROOT/policies/gsp_pharmacy.ward

# policy_with: a copy of the running example whose corpus is stdin.
policy_with() {
    sed 's/^corpus .*/corpus "c.yaml";/' "$P" >p.ward && cat >c.yaml
}

FIXTURE='fixtures:
  customers:
    - {id: 1, name: 张三丰, phone: "13812345678", id_card: "110101199003071234", medication: metformin, store_id: 7, owner: r01}'

t_shipped() {
    "$WARD" check "$P" --min-coverage 100 >out &&
    contains out '30 cases: 30 passed, 0 failed' &&
    contains out 'coverage: rules 12/12 (100.0%), cells 48/48 (100.0%)'
}
test_expect_success 'the shipped corpus passes with 100% rule and cell coverage' t_shipped

t_junit() {
    "$WARD" check "$P" --min-coverage 100 --format junit >out.xml &&
    head -1 out.xml | grep -q '^<?xml version="1.0" encoding="UTF-8"?>$' &&
    contains out.xml '<testsuite name="ward check' &&
    contains out.xml 'tests="31" failures="0"' &&
    test "$(grep -c '<testcase ' out.xml)" -eq 31 &&
    tail -1 out.xml | grep -q '^</testsuites>$' &&
    if command -v python3 >/dev/null; then
        python3 -c "import xml.dom.minidom as m; m.parse('out.xml')"
    fi
}
test_expect_success 'JUnit output: one testcase per case and the coverage gate' t_junit

t_json() {
    "$WARD" check "$P" --format json >out.json &&
    contains out.json '"passed": 30' &&
    contains out.json '"target": "sqlite"' &&
    contains out.json '"failed": 0' &&
    contains out.json '"percent": 100.0' &&
    if command -v python3 >/dev/null; then
        python3 -c "import json; json.load(open('out.json'))"
    fi
}
test_expect_success 'JSON output' t_json

t_exhaustive() {
    "$WARD" check "$P" --exhaustive >out &&
    contains out 'exhaustive: 714 values in 36 sessions (24 of several roles) held to the decision function, 0 mismatches' &&
    "$WARD" check "$P" --exhaustive --format junit >out.xml &&
    contains out.xml 'name="exhaustive"'
}
test_expect_success 'exhaustive: the generated SQL agrees with the decision function on every cell' t_exhaustive

t_mutate() {
    "$WARD" check "$P" --mutate >out &&
    contains out 'mutants: 37, killed 37, survived 0'
}
test_expect_success 'the shipped corpus kills every mutant' t_mutate

t_wrong() {
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: the agent sees the full phone (wrong on purpose)
    session: {roles: [cs_agent], user: a01}
    read: customers.phone
    where: {id: 1}
    expect: "13812345678"
YAML
    expect_exit 1 "$WARD" check p.ward >out &&
    contains out 'FAIL the agent sees the full phone (wrong on purpose) (c.yaml:5:5)' &&
    contains out 'session: roles cs_agent, user a01' &&
    contains out 'query:   SELECT "phone" FROM "customers" WHERE "id" IS ?1' &&
    contains out 'customers.phone: expected the text "13812345678", got the text "138****5678"' &&
    contains out 'decided by mask phone_mid: default of classification pii.phone (p.ward:17:16)'
}
test_expect_success 'a wrong expectation fails with expected, actual and the deciding rule' t_wrong

t_types() {
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: store is a number, not text
    session: {roles: [cs_agent], user: a01}
    read: customers.store_id
    where: {id: 1}
    expect: "7"
YAML
    expect_exit 1 "$WARD" check p.ward >out &&
    contains out 'expected the text "7", got the integer 7'
}
test_expect_success 'values compare with their types' t_types

t_gate() {
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: agent phone
    session: {roles: [cs_agent], user: a01}
    read: customers.phone
    where: {id: 1}
    expect: 138****5678
YAML
    expect_exit 1 "$WARD" check p.ward --min-coverage 100 >out &&
    contains out '  uncovered rules, deciding no outcome a passing case asserts:' &&
    contains out '    p.ward:30:3: show phone to cs_supervisor;' &&
    contains out '  uncovered cells, by role: no passing case of the role alone asserts them' &&
    contains out '    cs_agent (p.ward:3:6):' &&
    contains out '      no scenario:   customers.name, customers.id_card, customers.medication' &&
    contains out '    pharmacist (p.ward:5:6):' &&
    contains out '      outbound_call: customers.name, customers.phone, customers.id_card, customers.medication' &&
    contains out 'is below the minimum 100.0%' &&
    "$WARD" check p.ward >/dev/null &&
    expect_exit 1 "$WARD" check p.ward --min-coverage 100 --format junit >out.xml &&
    contains out.xml '<testcase classname="gsp_pharmacy" name="coverage"' &&
    contains out.xml '<failure message="coverage '
}
test_expect_success 'a rule no case covers fails the gate, named with its place' t_gate

t_survivor() {
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: supervisor phone
    session: {roles: [cs_supervisor], user: s01}
    read: customers.phone
    where: {id: 1}
    expect: "13812345678"
YAML
    expect_exit 1 "$WARD" check p.ward --mutate >out &&
    contains out "survived: remove 'hide phone to pharmacist;' (p.ward:32:3)"
}
test_expect_success 'mutants the corpus does not kill are listed' t_survivor

t_errors() {
    policy_with <<'YAML' &&
cases:
  - name: typo
    session: {roles: [pharmacst], user: p}
    read: customers.phone
    expect: null
    expcet_rows: 1
YAML
    expect_exit 2 "$WARD" check p.ward >out 2>err &&
    contains err "c.yaml:6:5: error: unknown case key 'expcet_rows'" &&
    test ! -s out &&
    sed -i '/expcet_rows/d' c.yaml &&
    expect_exit 2 "$WARD" check p.ward 2>err &&
    contains err "c.yaml:3:23: error: no role 'pharmacst' in policy gsp_pharmacy" &&
    contains err "hint: did you mean 'pharmacist'?" &&
    contains err '    3 |     session: {roles: [pharmacst], user: p}'
}
test_expect_success 'corpus errors: file:line:col, the line, a hint, exit 2' t_errors

t_yaml() {
    policy_with <<'YAML' &&
cases:
  - name: broken
    session: {roles: [cs_agent
YAML
    expect_exit 2 "$WARD" check p.ward 2>err &&
    contains err 'c.yaml:4:1: error:' &&
    printf 'cases:\n  - name: x\n    session: {roles: [cs_agent]}\n    read: customers.phone\n    expect_error: denied\n' >c.yaml &&
    expect_exit 2 "$WARD" check p.ward 2>err &&
    contains err "unknown refusal code 'denied'" &&
    expect_exit 2 "$WARD" check p.ward --corpus nosuch.yaml 2>err &&
    contains err "cannot open 'nosuch.yaml'"
}
test_expect_success 'malformed YAML and unknown refusal codes are exit 2' t_yaml

t_compile_gate() {
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: wrong
    session: {roles: [cs_agent], user: a01}
    read: customers.phone
    where: {id: 1}
    expect: "13812345678"
YAML
    expect_exit 1 "$WARD" compile p.ward -o out.sql 2>err &&
    contains err "ward compile: case 'wrong' failed" &&
    contains err 'nothing written' &&
    test ! -e out.sql &&
    "$WARD" compile p.ward --no-check -o out.sql 2>err &&
    contains err 'warning: --no-check: the corpus c.yaml was not run' &&
    test -s out.sql
}
test_expect_success 'compile runs the corpus first and writes nothing on a failure' t_compile_gate

t_usage() {
    expect_exit 2 "$WARD" check 2>err &&
    expect_exit 2 "$WARD" check "$P" --format xml 2>err &&
    contains err "unknown format 'xml'" &&
    expect_exit 2 "$WARD" check "$P" --min-coverage 120 2>err &&
    expect_exit 2 "$WARD" check "$P" --target postgres 2>err
}
test_expect_success 'check usage errors exit 2' t_usage

t_ci_doc() {
    # The commands of docs/ci.md's GitLab job, as a CI runner would run them.
    sed -n '/^ward-policy:/,/^  artifacts:/p' "$ROOT/docs/ci.md" |
        sed -n 's/^    - \(build\/ward .*\)$/\1/p' >cmds &&
    test "$(wc -l <cmds)" -eq 3 &&
    (cd "$ROOT" && while read -r cmd; do
        eval "$(echo "$cmd" | sed "s#build/ward#$WARD#; s#> ward-junit.xml#> $SCRATCH/ward-junit.xml#; s#-o policy.sql#-o $SCRATCH/policy.sql#")" || exit 1
    done <"$SCRATCH/cmds") &&
    contains ward-junit.xml 'failures="0"' &&
    test -s policy.sql
}
test_expect_success "docs/ci.md's job commands pass on the shipped policy" t_ci_doc

t_attr_quotes() {
    policy_with <<YAML &&
$FIXTURE
cases:
  - name: an attribute with a quote and a backslash
    session: {roles: [store_manager], user: m01, attrs: {store_id: 'a"b\\\\c'}}
    read: customers
    expect_rows: 0
YAML
    "$WARD" check p.ward --exhaustive >out &&
    contains out '1 case: 1 passed, 0 failed' &&
    contains out '0 mismatches'
}
test_expect_success 'session attributes reach the runtime as JSON, quotes and all' t_attr_quotes
