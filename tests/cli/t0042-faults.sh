#!/bin/sh
# Faults, with real processes: an apply killed half-way (sqlite3, psql)
# leaves the database as it was; a read-only database or directory, or a
# full disk (a file size limit: writes fail with EFBIG), gives a clear
# error and no partial state, for `ward compile -o` and for an apply; two
# connections writing audited tables at once (SQLite in WAL mode; two psql
# clients) keep a valid chain, one record per write; a process killed
# inside a transaction of audited writes never breaks the chain, and its
# writes are gone.
. "$ROOT/tests/cli/lib.sh"

# The policy: a clerk writes owner and n of accounts; card is masked; every
# write and every read of card is audited.
policy() {
    cat >ft.ward <<EOP
policy ft version ${1:-1};
role clerk;
table acct {
  id    integer key;
  owner text;
  n     integer;
  card  text;
  mask card with keep(0, ${2:-4}) to clerk;
  write owner, n to clerk;
}
audit acct read card write all;
EOP
}

# lite DB: three accounts and two hundred filler rows under policy v1, with
# audit rows: a read of card, and writes of n.
lite() {
    policy 1 &&
    sq_plain "$1" "CREATE TABLE acct (id integer primary key, owner text,
        n integer, card text);
        INSERT INTO acct VALUES (1, 'a', 0, '6222000011112222'),
            (2, 'b', 0, '6222000033334444'), (3, 'c', 0, '6222000055556666');
        CREATE TABLE filler (x text);
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 200)
        INSERT INTO filler SELECT hex(randomblob(100)) FROM k;" &&
    "$WARD" compile ft.ward -o ft.sql &&
    sq_plain "$1" ".read ft.sql" &&
    sq_as "$1" clerk k01 - - "SELECT card FROM acct WHERE id = 1" \
        "UPDATE acct SET n = n + 1 WHERE id = 1" \
        "UPDATE acct SET n = n + 1 WHERE id = 2" >/dev/null &&
    "$WARD" audit fold "$1" >/dev/null &&
    sq_plain "$1" "SELECT count(*) FROM ward_audit" >n && test "$(cat n)" -ge 3
}

# state DB: everything in the database, rows and schema.
state() {
    sq_plain "$1" ".dump"
}

# wait_for FILE TEXT: up to 20 s for FILE to hold TEXT.
wait_for() {
    w=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        w=$((w + 1))
        [ "$w" -le 200 ] || { echo "timed out waiting for '$2' in $1"; cat "$1"; return 1; }
        sleep 0.1
    done
}

# cut_points FILE REGEX: four line numbers of FILE matching REGEX, at about
# a quarter, a half, three quarters and the last one.
cut_points() {
    grep -n -E "$2" "$1" | cut -d: -f1 >cands &&
    c=$(wc -l <cands) && test "$c" -ge 4 &&
    sed -n "$((c / 4))p;$((c / 2))p;$((3 * c / 4))p;${c}p" cands
}

# killed_feed K FILE PID_OUT OUT CMD...: CMD reads FILE's first K lines and
# then a marker line ($MARK) from a FIFO; once it has printed MARK (every
# statement before it has run), it is killed with SIGKILL, in the middle
# of its transaction.
killed_feed() {
    k=$1 file=$2 out=$3
    shift 3
    rm -f feed && mkfifo feed &&
    { "$@" <feed >"$out" 2>&1 & } &&
    pid=$! &&
    exec 3>feed &&
    { head -n "$k" "$file"; echo "$MARK"; } >&3 &&
    wait_for "$out" KILLPOINT &&
    kill -9 "$pid" &&
    { wait "$pid"; true; } &&
    exec 3>&-
}

# ---- (a) an apply killed half-way ----

t_lite_script_tx() {
    policy 2 2 && "$WARD" compile ft.ward -o v2.sql &&
    grep -v -e '^--' -e '^$' v2.sql | head -n 1 >first &&
    echo 'BEGIN IMMEDIATE;' >want && cmp want first &&
    grep -v -e '^--' -e '^$' v2.sql | tail -n 1 >last &&
    echo 'COMMIT;' >want && cmp want last &&
    grep -c -E '^(BEGIN( [A-Z]+)*|COMMIT|ROLLBACK|END TRANSACTION|SAVEPOINT .*|RELEASE .*);$' v2.sql >n &&
    echo 2 >want && cmp want n
}
test_expect_success 'the SQLite script is one transaction: BEGIN IMMEDIATE first, COMMIT last' t_lite_script_tx

t_lite_killed_apply() {
    for mode in delete wal; do
        rm -f db db-* &&
        lite db && sq_plain db "PRAGMA journal_mode = $mode" >/dev/null &&
        policy 2 2 && "$WARD" compile ft.ward -o v2.sql &&
        MARK='.print KILLPOINT' &&
        for k in $(cut_points v2.sql '^(END;|DROP [A-Z]+ IF EXISTS .*;)$'); do
            state db >before &&
            killed_feed "$k" v2.sql out sqlite3 db &&
            state db >after &&
            cmp before after || { echo "$mode: killed after line $k"; diff before after | head; return 1; }
            "$WARD" audit verify db >/dev/null &&
            "$WARD" verify db 2>err && contains err 'policy ft version 1' &&
            sq_as db clerk k01 - - "SELECT card FROM acct WHERE id = 1" >out &&
            echo '************2222' >want && cmp want out || return 1
        done &&
        sq_plain db ".read v2.sql" &&
        sq_as db clerk k01 - - "SELECT card FROM acct WHERE id = 1" >out &&
        echo '**************22' >want && cmp want out || return 1
    done
}
test_expect_success 'sqlite3 killed in the middle of an apply (rollback journal, WAL): the database as before, v1 in force' t_lite_killed_apply

# ---- (b) read-only and full ----

# as_user CMD...: CMD as an unprivileged user (root ignores file modes).
as_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

# open_scratch: the scratch directory reachable by as_user.
open_scratch() {
    chmod 755 "$SCRATCH_BASE" "$SCRATCH" && chmod -R a+rwX "$SCRATCH"
}

t_compile_readonly_dir() {
    policy 1 && mkdir ro && open_scratch && chmod 555 ro &&
    ! as_user "$WARD" compile ft.ward -o ro/ft.sql 2>err &&
    grep -q '^ward: ' err && contains err 'ro/ft.sql' &&
    test -z "$(ls -A ro)"
}
test_expect_success 'compile -o into a read-only directory: a clear error, no file' t_compile_readonly_dir

# efbig CMD...: CMD with files limited to 4 blocks (2 KB); writing more
# fails with EFBIG ("File too large") instead of raising SIGXFSZ.
efbig() {
    (trap '' XFSZ && ulimit -f 4 && exec "$@")
}

t_compile_full() {
    policy 1 && mkdir out &&
    expect_exit 2 efbig "$WARD" compile ft.ward -o out/ft.sql 2>err &&
    grep -q '^ward: ' err && contains err 'out/ft.sql' &&
    test -z "$(ls -A out)" &&
    echo 'an older script' >out/ft.sql &&
    expect_exit 2 efbig "$WARD" compile ft.ward -o out/ft.sql 2>err &&
    grep -q '^ward: ' err &&
    echo 'an older script' >want && cmp want out/ft.sql &&
    test "$(ls -A out)" = ft.sql
}
test_expect_success 'compile -o on a full disk: a clear error, the old file untouched, nothing left' t_compile_full

t_apply_readonly() {
    lite db && state db >before && open_scratch &&
    chmod 444 db &&
    ! as_user sqlite3 -bail db ".read ft.sql" 2>err &&
    contains err 'attempt to write a readonly database' &&
    chmod 644 db && state db >after && cmp before after &&
    chmod 666 db && chmod 555 . &&
    ! as_user sqlite3 -bail db ".read ft.sql" 2>err2 ;
    chmod 755 . &&
    contains err2 'attempt to write a readonly database' &&
    state db >after && cmp before after &&
    test -z "$(ls -A | grep -e '-journal$' -e '-wal$')"
}
test_expect_success 'an apply on a read-only database or directory: a clear error, the database as before' t_apply_readonly

t_apply_full() {
    lite db && rm db && mv ft.sql v1.sql &&
    sq_plain db "CREATE TABLE acct (id integer primary key, owner text,
        n integer, card text);
        INSERT INTO acct VALUES (1, 'a', 0, '6222000011112222');" &&
    state db >before &&
    blocks=$(( ($(wc -c <db) + 511) / 512 )) &&
    ! (trap '' XFSZ && ulimit -f "$blocks" && exec sqlite3 -bail db ".read v1.sql") \
        >/dev/null 2>err &&
    grep -q -e 'disk I/O error' -e 'database or disk is full' err &&
    state db >after && cmp before after &&
    sq_plain db "PRAGMA integrity_check" >out && echo ok >want && cmp want out &&
    test ! -e db-journal &&
    sq_plain db ".read v1.sql" && "$WARD" verify db 2>err && contains err 'policy ft version 1'
}
test_expect_success 'an apply on a full disk: a clear error, the database as before; it applies once there is room' t_apply_full

# ---- (c) two writers at once ----

# lite_writer DB USER ID SECS: a locked clerk session writing its own row
# and a shared one, in autocommit and in transactions, for SECS seconds
# (then the statements still in the pipe).
lite_writer() {
    end=$(($(date +%s) + $4))
    {
        echo ".load $BUILD/ward"
        echo ".timeout 30000"
        echo "SELECT ward_session('clerk', '$2', NULL, NULL);"
        echo "SELECT ward_lock();"
        while [ "$(date +%s)" -lt "$end" ]; do
            for k in 1 2 3 4 5; do
                echo "UPDATE acct SET n = n + 1 WHERE id = $3;"
                echo "UPDATE acct SET n = n + 1 WHERE id = 3;"
            done
            echo "BEGIN IMMEDIATE;"
            echo "SELECT card FROM acct WHERE id = 3;"
            echo "UPDATE acct SET n = n + 1 WHERE id = $3;"
            echo "UPDATE acct SET n = n + 1 WHERE id = 3;"
            echo "COMMIT;"
            echo "BEGIN;"
            echo "UPDATE acct SET n = n + 1 WHERE id = $3;"
            echo "UPDATE acct SET n = n + 1 WHERE id = 3;"
            echo "COMMIT;"
        done
    } | LD_PRELOAD="${WARD_PRELOAD:-}" sqlite3 "$1" >"$2.out" 2>"$2.err"
}

t_lite_concurrent() {
    lite db && sq_plain db "PRAGMA journal_mode = WAL" >out &&
    echo wal >want && cmp want out &&
    sq_plain db "SELECT sum(n) FROM acct" >n0 &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'update'" >u0 &&
    { lite_writer db w1 1 3 & lite_writer db w2 2 3 & wait; } &&
    test ! -s w1.err && test ! -s w2.err &&
    "$WARD" audit fold db >/dev/null &&
    "$WARD" audit verify db >out && contains out 'intact: ' &&
    writes=$(( $(sq_plain db "SELECT sum(n) FROM acct") - $(cat n0) )) &&
    records=$(( $(sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'update'") - $(cat u0) )) &&
    echo "writes $writes, update records $records" &&
    test "$writes" -gt 100 && test "$writes" = "$records" &&
    sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'update' AND detail IS NOT NULL" >out &&
    echo 0 >want && cmp want out &&
    for u in 1 2; do
        test "$(sq_plain db "SELECT n FROM acct WHERE id = $u")" = \
             "$(sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'update' AND key = '$u'")" || return 1
    done &&
    test "$(sq_plain db "SELECT count(*) FROM ward_audit WHERE op = 'read' AND user IN ('w1', 'w2')")" -gt 10
}
test_expect_success 'SQLite WAL: two processes writing audited rows for 3 s: no write refused, one record per write, the chain intact' t_lite_concurrent

# ---- (d) killed inside a transaction ----

# The session's records go to its journal outside the transaction (docs/
# dba-sqlite.md, "The audit journal"): the attempts of the killed
# transaction stay in the log, as they do after a ROLLBACK; its writes do
# not reach the table.
t_lite_killed_tx() {
    for mode in delete wal; do
        rm -f db db-* &&
        lite db && sq_plain db "PRAGMA journal_mode = $mode" >/dev/null &&
        sq_plain db "SELECT id, n, owner FROM acct" >rows0 &&
        sq_plain db "SELECT count(*) FROM ward_audit" >a0 &&
        printf '%s\n' ".load $BUILD/ward" \
            "SELECT ward_session('clerk', 'k09', NULL, NULL);" "SELECT ward_lock();" \
            "BEGIN;" "UPDATE acct SET n = n + 1 WHERE id = 1;" \
            "UPDATE acct SET owner = 'zz' WHERE id = 2;" \
            "SELECT card FROM acct WHERE id = 3;" \
            "UPDATE acct SET n = n + 7 WHERE id = 3;" >tx.sql &&
        MARK='.print KILLPOINT' &&
        killed_feed 8 tx.sql out env LD_PRELOAD="${WARD_PRELOAD:-}" sqlite3 db &&
        sq_plain db "SELECT id, n, owner FROM acct" >rows1 && cmp rows0 rows1 &&
        "$WARD" audit fold db >/dev/null &&
        "$WARD" audit verify db >out && contains out 'intact: ' &&
        sq_plain db "SELECT op, key, columns, quote(detail) FROM ward_audit
                     WHERE user = 'k09' ORDER BY seq" >got &&
        printf '%s\n' "update|1|n|NULL" "update|2|owner|NULL" "read||card|NULL" \
            "update|3|n|NULL" >want && cmp want got &&
        ls db-wardlog-* 2>/dev/null | wc -l >nj && echo 0 >want && cmp want nj || return 1
    done
}
test_expect_success 'sqlite3 killed inside BEGIN with audited writes: the writes gone, the attempts recorded, the chain intact' t_lite_killed_tx

# ---- PostgreSQL ----

if ! command -v psql >/dev/null 2>&1; then
    echo "# skipping PostgreSQL: no psql"
    exit 0
fi
. "$ROOT/tests/cli/lib_pg.sh"

# pgdb DB: three accounts and two hundred filler rows under policy v1 in a
# new database DB, with audit rows (a read of card, writes of n).
pgdb() {
    policy 1 &&
    "$WARD" compile ft.ward --target postgres -o ft.pg.sql &&
    pg "CREATE DATABASE $1" &&
    pgd "$1" "CREATE TABLE acct (id integer PRIMARY KEY, owner text, n integer, card text)" \
        "INSERT INTO acct VALUES (1, 'a', 0, '6222000011112222'),
            (2, 'b', 0, '6222000033334444'), (3, 'c', 0, '6222000055556666')" \
        "CREATE TABLE filler AS SELECT md5(i::text) AS x FROM generate_series(1, 200) i" &&
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d "$1" -f ft.pg.sql >/dev/null &&
    pgd_as "$1" w1 "SELECT card FROM ft.acct WHERE id = 1" \
        "UPDATE ft.acct SET n = n + 1 WHERE id = 1" >/dev/null &&
    pgd_as "$1" w2 "UPDATE ft.acct SET n = n + 1 WHERE id = 2" &&
    test "$(pgd "$1" "SELECT count(*) FROM ward.audit")" -ge 3
}

# pg_state DB: the database's schema and rows, and the cluster's roles.
pg_state() {
    pg_dump -h "$PGDIR" -U postgres -d "$1" | grep -v -e '^\\restrict ' -e '^\\unrestrict ' &&
    pg "SELECT rolname FROM pg_roles ORDER BY 1"
}

# pg_gone DB: no client is connected to DB (a killed client's backend has
# ended its transaction), waiting up to 20 s.
pg_gone() {
    w=0
    while [ "$(pg "SELECT count(*) FROM pg_stat_activity WHERE datname = '$1'
                   AND backend_type = 'client backend' AND pid <> pg_backend_pid()")" != 0 ]; do
        w=$((w + 1))
        [ "$w" -le 200 ] || { echo "a backend of $1 did not end"; return 1; }
        sleep 0.1
    done
}

t_pg_setup() {
    pg "CREATE ROLE clerk NOLOGIN" && pg "CREATE ROLE w1 LOGIN IN ROLE clerk" &&
    pg "CREATE ROLE w2 LOGIN IN ROLE clerk" && pg "CREATE ROLE k09 LOGIN IN ROLE clerk" &&
    pgdb fsetup && pgd_as fsetup w1 "SELECT card FROM ft.acct WHERE id = 2" >out &&
    echo '************4444' >want && cmp want out
}
test_expect_success 'PostgreSQL: the policy applies; clerks log in' t_pg_setup

t_pg_script_tx() {
    policy 2 2 && "$WARD" compile ft.ward --target postgres -o v2.sql &&
    grep -E '^(BEGIN|COMMIT|ROLLBACK|END|START TRANSACTION|SAVEPOINT .*|RELEASE .*);$' v2.sql >tx &&
    printf '%s\n' 'BEGIN;' 'COMMIT;' >want && cmp want tx &&
    sed -n '/^BEGIN;$/q;p' v2.sql | grep -v -e '^--' -e '^$' >pre &&
    ! grep -v '^SET ' pre &&
    grep -v -e '^--' -e '^$' v2.sql | tail -n 1 >last &&
    echo 'COMMIT;' >want && cmp want last
}
test_expect_success 'the PostgreSQL script is one transaction: only SET before BEGIN, COMMIT last' t_pg_script_tx

t_pg_killed_apply() {
    pgdb fkill && policy 2 2 && "$WARD" compile ft.ward --target postgres -o v2.sql &&
    MARK='\! echo KILLPOINT' &&
    for k in $(cut_points v2.sql '^(END \$\$;|\$ward\$;)$'); do
        pg_state fkill >before &&
        killed_feed "$k" v2.sql out \
            psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d fkill &&
        pg_gone fkill && pg_state fkill >after &&
        cmp before after || { echo "killed after line $k"; diff before after | head -20; return 1; }
        "$WARD" audit verify --dsn "host=$PGDIR user=postgres dbname=fkill" >/dev/null &&
        "$WARD" verify --dsn "host=$PGDIR user=postgres dbname=fkill" 2>err &&
        contains err 'policy ft version 1' &&
        pgd_as fkill w1 "SELECT card FROM ft.acct WHERE id = 1" >out &&
        echo '************2222' >want && cmp want out || return 1
    done &&
    psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d fkill -f v2.sql >/dev/null &&
    pgd_as fkill w1 "SELECT card FROM ft.acct WHERE id = 1" >out &&
    echo '**************22' >want && cmp want out
}
test_expect_success 'psql killed in the middle of an apply: the database and roles as before, v1 in force' t_pg_killed_apply

t_pg_readonly() {
    pgdb fro && policy 2 2 && "$WARD" compile ft.ward --target postgres -o v2.sql &&
    pg "ALTER DATABASE fro SET default_transaction_read_only = on" &&
    pg_state fro >before &&
    ! psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d fro -f v2.sql >/dev/null 2>err &&
    contains err 'read-only transaction' &&
    pg_state fro >after && cmp before after &&
    pg "ALTER DATABASE fro RESET default_transaction_read_only" &&
    "$WARD" verify --dsn "host=$PGDIR user=postgres dbname=fro" 2>err &&
    contains err 'policy ft version 1'
}
test_expect_success 'PostgreSQL: an apply on a read-only database: a clear error, the database as before' t_pg_readonly

# pg_writer DB USER ID SECS: like lite_writer, through the policy's view.
pg_writer() {
    end=$(($(date +%s) + $4))
    {
        while [ "$(date +%s)" -lt "$end" ]; do
            for k in 1 2 3 4 5; do
                echo "UPDATE ft.acct SET n = n + 1 WHERE id = $3;"
                echo "UPDATE ft.acct SET n = n + 1 WHERE id = 3;"
            done
            echo "BEGIN;"
            echo "SELECT card FROM ft.acct WHERE id = 3;"
            echo "UPDATE ft.acct SET n = n + 1 WHERE id = $3;"
            echo "UPDATE ft.acct SET n = n + 1 WHERE id = 3;"
            echo "COMMIT;"
        done
    } | psql -X -At -h "$PGDIR" -U "$2" -d "$1" >"$2.out" 2>"$2.err"
}

# Rows 1 and 2 have one writer each: their n counts the writes that
# succeeded, and each has its record. Row 3, written by both, is not
# counted: an UPDATE through a view computes the new row from the view's
# snapshot (the INSTEAD OF trigger writes absolute values), so two
# concurrent `n = n + 1` on one row can write the same value or an older
# one: a lost update, which a plain table's UPDATE would re-check; the
# base table's trigger then records a change from what the table held,
# not one per statement. A known limitation (docs/dba-postgres.md,
# "Faults"). Until the head was locked first, this test also ended in
# "deadlock detected".
t_pg_concurrent() {
    pgdb fconc &&
    pgd fconc "SELECT id, n FROM acct WHERE id IN (1, 2) ORDER BY id" >n0 &&
    pgd fconc "SELECT key, count(*) FROM ward.audit WHERE op = 'update' AND key IN ('1', '2')
               GROUP BY key ORDER BY key" >u0 &&
    { pg_writer fconc w1 1 3 & pg_writer fconc w2 2 3 & wait; } &&
    cat w1.err w2.err &&
    test ! -s w1.err && test ! -s w2.err &&
    "$WARD" audit verify --dsn "host=$PGDIR user=postgres dbname=fconc" >out &&
    contains out 'intact: ' &&
    test "$(grep -c '^UPDATE 1$' w1.out)" -gt 100 &&
    test "$(grep -c '^UPDATE 1$' w2.out)" -gt 100 &&
    pgd fconc "SELECT count(*) FROM ward.audit WHERE op = 'update' AND detail IS NOT NULL" >out &&
    echo 0 >want && cmp want out &&
    for u in 1 2; do
        writes=$(( $(pgd fconc "SELECT n FROM acct WHERE id = $u") - $(sed -n "${u}p" n0 | cut -d'|' -f2) )) &&
        records=$(( $(pgd fconc "SELECT count(*) FROM ward.audit WHERE op = 'update' AND key = '$u'") - $(sed -n "${u}p" u0 | cut -d'|' -f2) )) &&
        echo "row $u: writes $writes, records $records" &&
        test "$writes" -gt 50 && test "$writes" = "$records" || return 1
    done &&
    test "$(pgd fconc "SELECT count(*) FROM ward.audit WHERE op = 'read' AND \"user\" IN ('w1', 'w2')")" -gt 10
}
test_expect_success 'PostgreSQL: two clients writing audited rows for 3 s: no deadlock, one record per write of a row, the chain intact' t_pg_concurrent

# On PostgreSQL the records are rows of the transaction (reads: appended at
# commit): a killed transaction takes its writes and their records with it.
t_pg_killed_tx() {
    pgdb ftx &&
    pgd ftx "SELECT id, n, owner FROM acct ORDER BY id" >rows0 &&
    pgd ftx "SELECT count(*) FROM ward.audit" >a0 &&
    printf '%s\n' "BEGIN;" "UPDATE ft.acct SET n = n + 1 WHERE id = 1;" \
        "UPDATE ft.acct SET owner = 'zz' WHERE id = 2;" \
        "SELECT card FROM ft.acct WHERE id = 3;" \
        "UPDATE ft.acct SET n = n + 7 WHERE id = 3;" >tx.sql &&
    MARK='\! echo KILLPOINT' &&
    killed_feed 5 tx.sql out psql -X -q -At -h "$PGDIR" -U k09 -d ftx &&
    pg_gone ftx &&
    pgd ftx "SELECT id, n, owner FROM acct ORDER BY id" >rows1 && cmp rows0 rows1 &&
    "$WARD" audit verify --dsn "host=$PGDIR user=postgres dbname=ftx" >out &&
    contains out 'intact: ' &&
    pgd ftx "SELECT count(*) FROM ward.audit WHERE \"user\" = 'k09'" >got &&
    echo 0 >want && cmp want got &&
    pgd ftx "SELECT count(*) FROM ward.audit" >a1 && cmp a0 a1
}
test_expect_success 'psql killed inside BEGIN with audited writes: the writes and their records gone, the chain intact' t_pg_killed_tx
