#!/bin/sh
# Read replicas: a streaming hot standby of the primary, both started here
# (tests/pg/cluster.sh standby: pg_basebackup over the primary's socket).
# Sessions on the standby read through the policy's views with masking and
# row security, and every read of an audited column reaches the primary's
# chained log through the audit sink (ward.audit_sink), or is refused
# before its first value when the sink is missing or cannot be reached.
# A READ ONLY transaction on the primary takes the same way.
. "$ROOT/tests/cli/lib.sh"

. "$ROOT/tests/cli/lib_pg.sh"
SBDIR=$(mktemp -d /tmp/ward-pgsb.XXXXXX)
trap 'sh "$ROOT/tests/pg/cluster.sh" stop "$SBDIR"; sh "$ROOT/tests/pg/cluster.sh" stop "$PGDIR";
      rm -rf "$SBDIR" "$PGDIR" "$SCRATCH_BASE"' EXIT INT TERM

# sb USER SQL...: psql on the standby as USER, stop at the first error.
sb() {
    s_u=$1
    shift
    for q in "$@"; do set -- "$@" -c "$q"; shift; done
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$SBDIR" -U "$s_u" -d postgres "$@"
}
# caught_up: the standby has replayed everything the primary has written.
caught_up() {
    lsn=$(pg "SELECT pg_current_wal_lsn()") &&
    for _ in $(seq 100); do
        done_=$(sb postgres "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn") &&
        [ "$done_" = t ] && return 0
        sleep 0.1
    done
    echo "the standby did not catch up"
    return 1
}
reads() {
    pg "SELECT \"user\" || ' ' || columns || ' ' || coalesce(nrows::text, '-') || ' '
               || coalesce(detail, '-') FROM ward.audit WHERE op = 'read' ORDER BY seq"
}
Q="SELECT id, name, phone, coalesce(id_card, '-'), coalesce(medication, '-') FROM gsp_pharmacy.customers ORDER BY id"

t_setup() {
    "$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" --target postgres -o gsp.sql &&
    pg "CREATE TABLE customers (id integer PRIMARY KEY, name text, phone text,
        id_card text, medication text, store_id integer, owner text)" \
       "INSERT INTO customers VALUES
        (1, '张三丰', '13812345678', '110101199003071234', 'metformin', 7, 'r01'),
        (2, '欧阳娜娜', '13998765432', '11010119900307123X', 'insulin', 8, 'r02'),
        (3, '李四', '15000001111', '310101197511101441', NULL, 7, 'r02')" &&
    pg_apply gsp.sql &&
    pg "SELECT ward.runtime()" >out && echo c >want && cmp want out &&
    for u in a01:cs_agent s01:cs_supervisor p01:pharmacist m07:store_manager r02:sales_rep; do
        pg "CREATE ROLE ${u%%:*} LOGIN IN ROLE ${u#*:}" || return 1
    done &&
    pg "INSERT INTO ward.user_attr VALUES ('m07', 'store_id', '7')" \
       "CREATE ROLE ward_sink LOGIN IN ROLE ward_remote" \
       "INSERT INTO ward.audit_sink VALUES (1, 'host=$PGDIR user=ward_sink dbname=postgres')" &&
    sh "$ROOT/tests/pg/cluster.sh" standby "$PGDIR" "$SBDIR" >/dev/null &&
    caught_up &&
    sb postgres "SELECT pg_is_in_recovery(), ward.runtime()" >out &&
    echo 't|c' >want && cmp want out
}
test_expect_success 'a hot standby of the primary, the policy and its sink replicated' t_setup

t_masked() {
    for u in a01 s01 p01 m07 r02; do
        pg_as $u "$Q" >primary.out && sb $u "$Q" >standby.out &&
        if ! cmp -s primary.out standby.out; then
            echo "$u sees on the standby:"
            diff primary.out standby.out
            return 1
        fi || return 1
    done &&
    sb a01 "$Q" >out &&
    printf '%s\n' '1|张**|138****5678|-|-' '2|欧***|139****5432|-|-' '3|李*|150****1111|-|-' >want &&
    cmp want out &&
    # Row security: the pinned store, the sales rep's own rows.
    sb m07 "SELECT id FROM gsp_pharmacy.customers ORDER BY id" >out &&
    printf '1\n3\n' >want && cmp want out &&
    sb r02 "SELECT id FROM gsp_pharmacy.customers ORDER BY id" >out &&
    printf '2\n3\n' >want && cmp want out &&
    ! sb a01 "SELECT phone FROM customers" 2>err &&
    contains err 'permission denied for table customers'
}
test_expect_success 'the standby masks and filters as the primary does, for every role' t_masked

t_session() {
    # A scenario and attributes set on the standby (kept in the backend's
    # memory there), rolled back with their transaction, locked past
    # DISCARD ALL.
    sb p01 "SELECT ward.set_scenario('outbound_call')" \
        "SELECT id, phone, id_card, coalesce(medication, '-') FROM gsp_pharmacy.customers ORDER BY id" >out &&
    pg_as p01 "SELECT ward.set_scenario('outbound_call')" \
        "SELECT id, phone, id_card, coalesce(medication, '-') FROM gsp_pharmacy.customers ORDER BY id" >want &&
    cmp want out &&
    sb s01 "BEGIN" "SELECT ward.set_scenario('outbound_call')" "ROLLBACK" \
        "SELECT coalesce(ward.scenario(), '-')" "SELECT id_card FROM gsp_pharmacy.customers WHERE id = 1" >out &&
    printf '%s\n' outbound_call '-' '110101199003071234' >want && cmp want out &&
    sb s01 "BEGIN" "SELECT ward.set_scenario('outbound_call')" "SAVEPOINT a" \
        "SELECT ward.set_scenario(NULL)" "ROLLBACK TO a" \
        "SELECT id_card FROM gsp_pharmacy.customers WHERE id = 1" "COMMIT" >out 2>&1 &&
    printf '%s\n' outbound_call '' '11010119900307****' >want && cmp want out ||
    { echo "savepoints:"; cat out; false; } &&
    sb s01 "SELECT ward.set_scenario('outbound_call')" "DISCARD ALL" "SELECT coalesce(ward.scenario(), '-')" >out &&
    printf '%s\n' outbound_call '-' >want && cmp want out &&
    ! sb s01 "SELECT ward.set_scenario('outbound_call')" "SELECT ward.lock()" "DISCARD ALL" \
        "SELECT ward.scenario()" "SELECT id_card FROM gsp_pharmacy.customers WHERE id = 1" \
        "SELECT ward.set_scenario(NULL)" >out 2>err &&
    printf '%s\n' outbound_call t outbound_call '11010119900307****' >want && cmp want out &&
    contains err '[session-locked]' &&
    ! sb r02 "SELECT ward.mem_set_('scenario', NULL)" 2>err &&
    contains err 'permission denied for function mem_set_' &&
    sb a01 "SELECT ward.set_attr('store_id', '8')" "SELECT ward.attr('store_id')" >out &&
    printf '8\n8\n' >want && cmp want out
}
test_expect_success 'a standby session sets its scenario and attributes, rolls them back and locks them' t_session

t_audited() {
    pg "SELECT count(*) FROM ward.audit WHERE op = 'read'" >n0 &&
    sb a01 "SELECT phone FROM gsp_pharmacy.customers WHERE id = 1" >out &&
    echo '138****5678' >want && cmp want out &&
    sb s01 "BEGIN" "SELECT count(phone) FROM gsp_pharmacy.customers" \
        "SELECT id_card FROM gsp_pharmacy.customers WHERE id = 2" "COMMIT" >out &&
    printf '3\n11010119900307123X\n' >want && cmp want out &&
    reads | tail -n 3 >out &&
    printf '%s\n' 'a01 phone 1 from a standby' 's01 phone 3 from a standby' \
        's01 id_card 1 from a standby' >want &&
    cmp want out &&
    "$WARD" audit verify --dsn "$DSN" >out &&
    contains out intact &&
    # An unaudited column needs no sink.
    sb p01 "SELECT medication FROM gsp_pharmacy.customers WHERE id = 1" >out &&
    echo metformin >want && cmp want out
}
test_expect_success 'every audited read on the standby is in the primary'"'"'s chained log' t_audited

t_refused() {
    n0=$(pg "SELECT count(*) FROM ward.audit") &&
    pg "UPDATE ward.audit_sink SET conninfo = 'host=$SBDIR/nowhere user=ward_sink dbname=postgres'" &&
    caught_up &&
    ! sb a01 "SELECT id, phone FROM gsp_pharmacy.customers ORDER BY id" >out 2>err &&
    contains err '[audit-sink] the audit sink cannot be reached' &&
    ! grep -q '5678' out &&
    sb a01 "SELECT name FROM gsp_pharmacy.customers WHERE id = 1" >out &&
    echo '张**' >want && cmp want out &&
    pg "DELETE FROM ward.audit_sink" && caught_up &&
    ! sb a01 "SELECT id, phone FROM gsp_pharmacy.customers ORDER BY id" >out 2>err &&
    contains err '[read-only] an audited column is read here only with an audit sink' &&
    ! grep -q '5678' out &&
    n1=$(pg "SELECT count(*) FROM ward.audit") && test "$n0" -eq "$n1" &&
    # A user cannot send records of its own.
    ! pg_as a01 "SELECT ward.audit_remote_('[]')" 2>err &&
    contains err 'permission denied for function audit_remote_'
}
test_expect_success 'without a sink it reaches, the standby refuses an audited read before its first value' t_refused

t_read_only() {
    pg "INSERT INTO ward.audit_sink VALUES (1, 'host=$PGDIR user=ward_sink dbname=postgres')" &&
    pg_as a01 "BEGIN READ ONLY" "SELECT phone FROM gsp_pharmacy.customers WHERE id = 2" "COMMIT" >out &&
    echo '139****5432' >want && cmp want out &&
    pg_as a01 "SET default_transaction_read_only = on" \
        "SELECT count(phone) FROM gsp_pharmacy.customers" >out &&
    echo 3 >want && cmp want out &&
    reads | tail -n 2 >out &&
    printf '%s\n' 'a01 phone 1 from a read-only transaction' \
        'a01 phone 3 from a read-only transaction' >want &&
    cmp want out &&
    caught_up &&
    sb a01 "SELECT phone FROM gsp_pharmacy.customers WHERE id = 3" >out &&
    echo '150****1111' >want && cmp want out &&
    reads | tail -n 1 >out && echo 'a01 phone 1 from a standby' >want && cmp want out &&
    "$WARD" audit verify --dsn "$DSN" >out && contains out intact
}
test_expect_success 'a READ ONLY transaction on the primary records its reads through the sink too' t_read_only

t_primary_records() {
    # (On the primary, the C library.) Two statements of one query string
    # are two reads; a read in a savepoint rolled back is still a read; a
    # read in a transaction rolled back is in the server log.
    n0=$(pg "SELECT count(*) FROM ward.audit WHERE op = 'read'") &&
    psql -X -q -At -h "$PGDIR" -U a01 -d postgres \
        -c "SELECT phone FROM gsp_pharmacy.customers WHERE id = 1; SELECT phone FROM gsp_pharmacy.customers" >out &&
    test "$(wc -l <out)" -eq 4 &&
    reads | tail -n 2 >out &&
    printf '%s\n' 'a01 phone 1 -' 'a01 phone 3 -' >want && cmp want out &&
    pg_as a01 "BEGIN" "SAVEPOINT s" "SELECT phone FROM gsp_pharmacy.customers WHERE id = 2" \
        "ROLLBACK TO s" "COMMIT" >/dev/null &&
    reads | tail -n 1 >out && echo 'a01 phone 1 -' >want && cmp want out &&
    n1=$(pg "SELECT count(*) FROM ward.audit WHERE op = 'read'") &&
    test "$n1" -eq $((n0 + 3)) &&
    pg_as a01 "BEGIN" "SELECT phone FROM gsp_pharmacy.customers WHERE id = 3" "ROLLBACK" >/dev/null &&
    n2=$(pg "SELECT count(*) FROM ward.audit WHERE op = 'read'") && test "$n2" -eq "$n1" &&
    sleep 0.2 &&
    grep -q 'ward: not in ward.audit: a01 read gsp_pharmacy.customers (columns 2, 1 rows) at .* in a transaction that rolled back' \
        "$PGDIR/server.log"
}
test_expect_success 'on the primary: one record per statement of a query string; savepoints keep reads; a rollback logs them' t_primary_records
