#!/bin/sh
# PostgreSQL target, roles shared by policies: a cluster's roles belong to
# all of it, and the runtime asks pg_has_role which of a policy's roles a
# user holds, so the grants between a policy's roles must be exactly its
# inheritance (ward.roles_settle_). A policy whose roles another policy
# applied here made to inherit otherwise does not apply, in either order,
# and nothing of it is left; an upgrade that drops an inheritance takes
# the grant back; a grant made by hand is drift, and a re-apply takes it
# back.
. "$ROOT/tests/cli/lib.sh"

# policy NAME TABLE INHERITS [VERSION]: clerk sees name, lead sees phone,
# the rest is hidden; with INHERITS yes, lead inherits clerk.
policy() {
    {
        echo "policy $1 version ${4:-1};"
        echo "classification pii default hide;"
        echo "role clerk;"
        if [ "$3" = yes ]; then echo "role lead inherits clerk;"; else echo "role lead;"; fi
        echo "table $2 {"
        echo "  id    integer key;"
        echo "  name  text pii;"
        echo "  phone text pii;"
        echo "  show name to clerk;"
        echo "  show phone to lead;"
        echo "}"
    }
}

. "$ROOT/tests/cli/lib_pg.sh"

t_setup() {
    policy alpha a_people yes >"$SCRATCH_BASE/alpha.ward" &&
    policy beta b_people no >"$SCRATCH_BASE/beta.ward" &&
    policy alpha a_people no 2 >"$SCRATCH_BASE/alpha2.ward" &&
    for p in alpha beta alpha2; do
        "$WARD" compile "$SCRATCH_BASE/$p.ward" --no-check --target postgres \
            -o "$SCRATCH_BASE/$p.sql" 2>/dev/null || return 1
    done &&
    pg "CREATE TABLE a_people (id integer PRIMARY KEY, name text, phone text)" \
       "CREATE TABLE b_people (id integer PRIMARY KEY, name text, phone text)" \
       "INSERT INTO a_people VALUES (1, 'Li Lei', '13812345678')" \
       "INSERT INTO b_people VALUES (1, 'Han Meimei', '13998765432')" \
       "CREATE ROLE u_lead LOGIN" &&
    pg_apply "$SCRATCH_BASE/alpha.sql" && pg "GRANT lead TO u_lead"
}
test_expect_success 'a policy whose lead inherits clerk applies' t_setup

t_refused_after() {
    expect_exit 3 pg_apply "$SCRATCH_BASE/beta.sql" 2>err &&
    contains err "role lead holds role clerk in this cluster, but policy beta does not say that lead inherits clerk" &&
    contains err "roles belong to the whole cluster" &&
    pg "SELECT count(*) FROM pg_namespace WHERE nspname = 'beta'" >out &&
    echo 0 >want && cmp want out &&
    pg "SELECT count(*) FROM ward.role WHERE policy = 'beta'" >out && cmp want out
}
test_expect_success 'a second policy that declares both roles without the inheritance is refused, nothing applied' t_refused_after

t_refused_before() {
    pg "DROP SCHEMA alpha CASCADE" "DELETE FROM ward.role WHERE policy = 'alpha'" \
       "DELETE FROM ward.role_closure WHERE policy = 'alpha'" \
       "DELETE FROM ward.policy WHERE policy = 'alpha'" "REVOKE clerk FROM lead" &&
    pg_apply "$SCRATCH_BASE/beta.sql" &&
    pg_as u_lead "SELECT name, phone FROM beta.b_people" >out &&
    printf "|13998765432\n" >want && cmp want out &&
    expect_exit 3 pg_apply "$SCRATCH_BASE/alpha.sql" 2>err &&
    contains err "role lead holds role clerk in this cluster, but policy beta does not say that lead inherits clerk" &&
    pg_as u_lead "SELECT name, phone FROM beta.b_people" >out &&
    printf "|13998765432\n" >want && cmp want out
}
test_expect_success 'in the other order the policy that would grant it is refused; the first reads as before' t_refused_before

t_upgrade() {
    pg "DROP SCHEMA beta CASCADE" "DELETE FROM ward.role WHERE policy = 'beta'" \
       "DELETE FROM ward.role_closure WHERE policy = 'beta'" \
       "DELETE FROM ward.policy WHERE policy = 'beta'" &&
    pg_apply "$SCRATCH_BASE/alpha.sql" &&
    pg_as u_lead "SELECT name, phone FROM alpha.a_people" >out &&
    printf "Li Lei|13812345678\n" >want && cmp want out &&
    pg_apply "$SCRATCH_BASE/alpha2.sql" &&
    pg "SELECT pg_has_role('lead', 'clerk', 'MEMBER')" >out && echo f >want && cmp want out &&
    pg_as u_lead "SELECT name, phone FROM alpha.a_people" >out &&
    printf "|13812345678\n" >want && cmp want out
}
test_expect_success 'an upgrade that drops the inheritance takes the grant back' t_upgrade

t_hand_grant() {
    "$WARD" verify --dsn "$DSN" 2>err &&
    pg "GRANT clerk TO lead" &&
    expect_exit 1 "$WARD" verify --dsn "$DSN" >out 2>err &&
    contains out "changed: role lead" &&
    pg_apply "$SCRATCH_BASE/alpha2.sql" &&
    pg "SELECT pg_has_role('lead', 'clerk', 'MEMBER')" >out && echo f >want && cmp want out &&
    "$WARD" verify --dsn "$DSN"
}
test_expect_success 'a grant between the roles made by hand is drift; a re-apply takes it back' t_hand_grant
echo "1..$test_count"
