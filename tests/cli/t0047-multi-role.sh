#!/bin/sh
# Sessions of several roles on both targets. The combination rule (the
# most permissive role's decision, between masks the one written first)
# lives in compiler/decide.c alone; the SQL of both runtimes orders the
# roles' rows by the key the compiler writes beside each. Here sessions of
# several roles, by hand and through `ward check --exhaustive`, are held to
# `ward explain` on SQLite and PostgreSQL alike, and a mutant of
# PostgreSQL's rank table is caught.
. "$ROOT/tests/cli/lib.sh"

. "$ROOT/tests/cli/lib_pg.sh"

# mr: a policy whose roles disagree on every column: two masks of equal
# standing on phone (the nurse's written first), a classification default
# against show and hide on card, show against hide on note, a scenario
# that narrows, and an inheriting role. Its corpus names one role a
# session only.
mr() {
    cat >mr.ward <<'EOF'
policy mr version 1 "several roles in one session";

role clerk;
role nurse;
role auditor;
role lead inherits clerk;

scenario review;

mask head3 = keep(3, 0);
mask tail4 = keep(0, 4);

classification pii.card default mask tail4;

table patients {
  id    integer key;
  phone text;
  card  text pii.card;
  note  text;

  mask phone with head3 to nurse;
  mask phone with tail4 to clerk, auditor;
  show phone to lead;
  show card to auditor;
  hide card to nurse;
  hide note to clerk;
  show note to nurse;
  hide note in review;
  show note to auditor in review;
  mask phone with tail4 in review;
}

corpus "mr.yaml";
EOF
    cat >mr.yaml <<'EOF'
fixtures:
  patients:
    - {id: 1, phone: "13812345678", card: "6222020200001234", note: allergic}
    - {id: 2, phone: "13998765432", card: "6222020200005678", note: null}
cases:
  - name: a nurse alone sees the phone's head and no card
    session: {roles: [nurse], user: n01}
    read: patients
    where: {id: 1}
    expect: {phone: "138********", card: null, note: allergic}
  - name: a clerk alone sees the phone's tail and the card's
    session: {roles: [clerk], user: c01}
    read: patients
    where: {id: 1}
    expect: {phone: "*******5678", card: "************1234", note: null}
EOF
}

EXH='exhaustive: 160 values in 20 sessions (12 of several roles) held to the decision function, 0 mismatches'

t_exhaustive_sqlite() {
    mr && "$WARD" check mr.ward --exhaustive >out &&
    contains out "$EXH"
}
test_expect_success 'exhaustive holds every role, each incomparable pair and all roles at once to the decision function on SQLite' t_exhaustive_sqlite

t_exhaustive_postgres() {
    mr && "$WARD" check mr.ward --exhaustive >lite.out &&
    "$WARD" check mr.ward --exhaustive --target postgres --dsn "$DSN" >pg.out &&
    contains pg.out "$EXH" &&
    cmp lite.out pg.out
}
test_expect_success 'and on PostgreSQL, with the same sessions and values' t_exhaustive_postgres

t_shipped() {
    for p in "$ROOT"/policies/*.ward; do
        "$WARD" check "$p" --exhaustive >lite.out &&
        "$WARD" check "$p" --exhaustive --target postgres --dsn "$DSN" >pg.out &&
        grep '^exhaustive:' lite.out >lite.exh && grep '^exhaustive:' pg.out >pg.exh &&
        contains lite.exh ' 0 mismatches' && cmp lite.exh pg.exh &&
        ! grep -q '(0 of several roles)' lite.exh || return 1
    done
}
test_expect_success_plain 'every shipped policy agrees on both targets in sessions of several roles' t_shipped

# want ROLES SCENARIO: row 1 as `ward explain` decides it for the session,
# "phone|card|note", NULL as "-": a mask applied by hand (keep(3, 0),
# keep(0, 4)) to the fixture's ASCII values.
want() {
    w_sc=
    [ "$2" != - ] && w_sc="--scenario $2"
    # shellcheck disable=SC2086
    "$WARD" explain mr.ward --role "$1" $w_sc patients >explain.out || return 1
    for c in phone card note; do
        case $c in
        phone) v=13812345678 ;;
        card) v=6222020200001234 ;;
        note) v=allergic ;;
        esac
        d=$(sed -n "s/^  $c: //p" explain.out)
        case $d in
        show) printf '%s' "$v" ;;
        hide) printf '%s' - ;;
        'mask head3') printf '%s' "$v" | awk '{ s = substr($0, 1, 3); for (i = 4; i <= length($0); i++) s = s "*"; printf "%s", s }' ;;
        'mask tail4') printf '%s' "$v" | awk '{ s = ""; for (i = 1; i <= length($0) - 4; i++) s = s "*"; printf "%s", s substr($0, length($0) - 3) }' ;;
        *) echo "explain gave '$d' for $c"; return 1 ;;
        esac
        [ $c = note ] || printf '|'
    done
    echo
}

Q="SELECT coalesce(phone, '-') || '|' || coalesce(card, '-') || '|' || coalesce(note, '-') FROM patients WHERE id = 1"

t_by_hand() {
    mr && "$WARD" compile mr.ward -o lite.sql 2>/dev/null &&
    "$WARD" compile mr.ward --target postgres -o pg.sql 2>/dev/null &&
    T="CREATE TABLE patients (id integer PRIMARY KEY, phone text, card text, note text)" &&
    ROWS="INSERT INTO patients VALUES (1, '13812345678', '6222020200001234', 'allergic'), (2, '13998765432', '6222020200005678', NULL)" &&
    sq_plain lite.db "$T; $ROWS;" && sq_plain lite.db ".read lite.sql" &&
    pg "CREATE DATABASE mr" && pgd mr "$T" "$ROWS" &&
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d mr -f pg.sql &&
    n=0 &&
    for roles in nurse,clerk clerk,auditor nurse,auditor lead,nurse lead,auditor nurse,clerk,auditor; do
        u=u_$(echo "$roles" | tr , _)
        pgd mr "CREATE ROLE $u LOGIN" "GRANT $(echo "$roles" | sed 's/,/, /g') TO $u" || return 1
        for sc in - review; do
            want "$roles" "$sc" >want.out &&
            sq_as lite.db "$roles" "$u" "$sc" - "$Q" >lite.out &&
            set_sc="SELECT ward.set_scenario(NULL)" &&
            { [ "$sc" = - ] || set_sc="SELECT ward.set_scenario('$sc')"; } &&
            pgd_as mr "$u" "$set_sc" "$(echo "$Q" | sed 's/FROM patients/FROM mr.patients/')" |
                sed '1d' >pg.out || return 1
            if ! cmp -s want.out lite.out || ! cmp -s want.out pg.out; then
                echo "roles $roles, scenario $sc: explain, SQLite, PostgreSQL:"
                cat want.out lite.out pg.out
                return 1
            fi
            n=$((n + 1))
        done
    done &&
    test "$n" -eq 12 &&
    # The written-first mask and the most permissive role, as explain says.
    want nurse,clerk - >w && echo '138********|************1234|allergic' >x && cmp x w &&
    want lead,nurse review >w && echo '*******5678|************1234|-' >x && cmp x w
}
test_expect_success 'sessions of several roles read on SQLite and PostgreSQL what ward explain decides' t_by_hand

# A mutant of the rank table: the PostgreSQL server's ward.cell, made
# before the runtime, ranks every mask above show as its rows arrive. The
# runtime keeps the table (CREATE TABLE IF NOT EXISTS), so the check's run
# orders by the mutant's ranks: sessions of several roles must catch it,
# where each role alone (no inheritance among them) cannot.
t_rank_mutant() {
    # Without the inheriting role, and with a name of its own: server
    # roles are the cluster's, and t_by_hand's policy made lead a member
    # of clerk there.
    mr && sed 's/^role lead inherits clerk;/role chief;/; s/ lead;/ chief;/' mr.ward >flat.ward &&
    pg "CREATE DATABASE mutant" &&
    M="host=$PGDIR user=postgres dbname=mutant" &&
    "$WARD" check flat.ward --exhaustive --target postgres --dsn "$M" >ok.out &&
    contains ok.out ' 0 mismatches' &&
    pgd mutant "CREATE SCHEMA ward" \
        "CREATE TABLE ward.cell (policy text NOT NULL, tbl text NOT NULL,
            col text NOT NULL, role text NOT NULL, scenario text NOT NULL,
            outcome integer NOT NULL, rank integer NOT NULL, pos bigint NOT NULL,
            PRIMARY KEY (policy, tbl, col, role, scenario))" \
        "CREATE FUNCTION public.masks_first() RETURNS trigger LANGUAGE plpgsql AS
            \$\$ BEGIN IF NEW.rank = 1 THEN NEW.rank := 3; END IF; RETURN NEW; END \$\$" \
        "CREATE TRIGGER masks_first BEFORE INSERT ON ward.cell FOR EACH ROW
            EXECUTE FUNCTION public.masks_first()" &&
    expect_exit 1 "$WARD" check flat.ward --exhaustive --target postgres --dsn "$M" >out &&
    contains out '2 cases: 2 passed, 0 failed' &&
    grep -q '^  mismatch: roles [a-z+]*[,:] ' out &&
    ! grep '^  mismatch: role ' out
}
test_expect_success_plain 'a mutant of the rank table on PostgreSQL is caught by sessions of several roles' t_rank_mutant
