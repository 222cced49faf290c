#!/bin/sh
# bench/bench_postgres.sh [ROWS [LOOKUPS [ROUNDS]]] - the PostgreSQL
# target's cost, as ratios against the raw table on the same throwaway
# server in the same run.
#
# Starts a cluster (tests/pg/cluster.sh, with build/ward_pg.so on its
# library path), loads ROWS customers (default 1000000) into two
# databases, and applies the running example to each: database c runs the
# C library, database s the SQL runtime (ward.pg_runtime = sql). Then, in
# one run:
#
#   raw           the base table, read by a role past row security
#   hand          a view written by hand with the masks as inlined SQL
#                 (left/repeat/right), as a DBA would without ward
#   anon          PostgreSQL Anonymizer's dynamic masking, where the
#                 server has it (Debian 12 does not package it)
#   ward C        the policy's view, as cs_agent's user, on the C library
#   ward SQL      the same on the SQL runtime
#
# for: a masked scan (count(name): keep(1, 0) on every row), an audited
# scan (count(phone): keep(3, 4), and every row counted for the read
# audit), the same two fetching every row to the client instead of
# counting (SELECT name, SELECT phone; psql discards them: what an
# application that reads the table pays), and point lookups by key through pgbench (one client,
# LOOKUPS statements (default 5000), each its own transaction): name (masked, unaudited) and
# phone (masked, audited: the statement's read record appended at
# commit), each with the simple query protocol (planned every time, as
# psql does) and prepared (planned once, as drivers do). Scans are the
# median of ROUNDS (default 7) interleaved runs; the ratio is to
# the raw scan. A lookup's cost is the time per statement minus the raw
# lookup's. Parallel query is off (max_parallel_workers_per_gather = 0):
# on the 2-core machine it measures the scheduler, and the runtime's
# per-session functions keep the views' scans serial.
# Run from the repository root after `make` ($BUILD, default build/, holds
# ward and ward_pg.so). After the table, one line a figure for
# bench/run.sh: RESULT<TAB>bench=postgres<TAB>workload=...<TAB>baseline=...
# <TAB>base=MS<TAB>value=MS<TAB>unit=ms<TAB>ratio=R.
set -eu
ROWS=${1:-1000000}
LOOKUPS=${2:-5000}
ROUNDS=${3:-7}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
WARD=$BUILD/ward
export BUILD
DIR=$(mktemp -d /tmp/ward-bench-pg.XXXXXX)
trap 'sh "$ROOT/tests/pg/cluster.sh" stop "$DIR"; rm -rf "$DIR"' EXIT INT TERM
sh "$ROOT/tests/pg/cluster.sh" start "$DIR" >/dev/null
bindir=$(dirname "$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)")

pg() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -U "$1" -d "$2" -c "$3"; }

"$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" --target postgres --no-check \
    -o "$DIR/gsp.sql" 2>/dev/null
pg postgres postgres "ALTER SYSTEM SET max_parallel_workers_per_gather = 0" >/dev/null
pg postgres postgres "SELECT pg_reload_conf()" >/dev/null
pg postgres postgres "CREATE ROLE a01 LOGIN; CREATE ROLE hand LOGIN BYPASSRLS"
anon=no
for db in c s; do
    pg postgres postgres "CREATE DATABASE $db"
    pg postgres $db "CREATE TABLE customers (id integer PRIMARY KEY, name text, phone text,
        id_card text, medication text, store_id integer, owner text)"
    pg postgres $db "INSERT INTO customers SELECT g, '张' || g, '138' || lpad(g::text, 8, '0'),
        '110101199003' || lpad(g::text, 6, '0'), 'metformin', g % 10, 'r01'
        FROM generate_series(1, $ROWS) g"
    rt=auto; [ $db = s ] && rt=sql
    PGOPTIONS="-c ward.pg_runtime=$rt" psql -X -q -v ON_ERROR_STOP=1 -h "$DIR" -U postgres \
        -d $db -f "$DIR/gsp.sql"
    pg postgres $db "VACUUM ANALYZE customers"
    pg postgres $db "GRANT cs_agent TO a01"
    # The hand-written view: the same masks as inlined SQL, no policy.
    pg postgres $db "GRANT SELECT ON customers TO hand; CREATE SCHEMA hand AUTHORIZATION hand"
    pg hand $db "CREATE VIEW hand.customers AS SELECT id,
        left(name, 1) || repeat('*', char_length(name) - 1) AS name,
        left(phone, 3) || repeat('*', char_length(phone) - 7) || right(phone, 4) AS phone
        FROM public.customers"
    if [ $db = c ] && pg postgres c "SELECT 1 FROM pg_available_extensions WHERE name = 'anon'" |
        grep -q 1; then
        anon=yes   # (not packaged for Debian 12: not measured here)
    fi
done
[ "$(pg postgres c "SELECT ward.runtime()")" = c ] || { echo "no C library in database c" >&2; exit 1; }
[ "$(pg postgres s "SELECT ward.runtime()")" = sql ] || exit 1

# time_ms USER DB SQL: one timed run, in milliseconds (rows fetched are
# discarded by psql, outside the timing; the first run of a session
# warms its caches and is not counted).
time_ms() {
    printf '%s\n' '\o /dev/null' "$3;" '\timing on' "$3;" |
        psql -X -q -h "$DIR" -U "$1" -d "$2" 2>/dev/null |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
# The scans: name, user, database, query.
SCANS="raw hand c SELECT count(name) FROM public.customers
raw_p hand c SELECT count(phone) FROM public.customers
hand hand c SELECT count(name) FROM hand.customers
hand_p hand c SELECT count(phone) FROM hand.customers
wc_n a01 c SELECT count(name) FROM gsp_pharmacy.customers
wc_p a01 c SELECT count(phone) FROM gsp_pharmacy.customers
ws_n a01 s SELECT count(name) FROM gsp_pharmacy.customers
ws_p a01 s SELECT count(phone) FROM gsp_pharmacy.customers
f_raw hand c SELECT name FROM public.customers
f_raw_p hand c SELECT phone FROM public.customers
f_hand hand c SELECT name FROM hand.customers
f_hand_p hand c SELECT phone FROM hand.customers
f_wc_n a01 c SELECT name FROM gsp_pharmacy.customers
f_wc_p a01 c SELECT phone FROM gsp_pharmacy.customers
f_ws_n a01 s SELECT name FROM gsp_pharmacy.customers
f_ws_p a01 s SELECT phone FROM gsp_pharmacy.customers"
# (The SQL runtime's audited scans take seconds a run: three rounds.)
for round in $(seq 1 "$ROUNDS"); do
    echo "$SCANS" | while read -r name user db query; do
        case $name in ws_p | f_ws_p) [ "$round" -le 3 ] || continue ;; esac
        echo "$name $(time_ms "$user" "$db" "$query")"
    done
done >"$DIR/scans"
for name in $(echo "$SCANS" | cut -d' ' -f1); do
    eval "$name=\$(awk -v n=$name '\$1 == n { print \$2 }' \"\$DIR/scans\" | sort -n |
        awk '{ v[NR] = \$1 } END { print v[int((NR + 1) / 2)] }')"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
# ms_per MODE USER DB SQL: pgbench's time per statement, in milliseconds
# (one client, LOOKUPS statements, each with a random key), with the query
# protocol MODE (simple or prepared).
ms_per() {
    printf '%s\n' "\\set id random(1, $ROWS)" "$4" >"$DIR/q.sql"
    "$bindir/pgbench" -n -M "$1" -h "$DIR" -U "$2" -f "$DIR/q.sql" -t "$LOOKUPS" "$3" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | awk '{ printf "%.4f", 1000 / $1 }'
}
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

for m in simple prepared; do
    eval "l_raw_$m=\$(ms_per $m hand c 'SELECT name FROM public.customers WHERE id = :id;')"
    eval "l_hand_$m=\$(ms_per $m hand c 'SELECT name FROM hand.customers WHERE id = :id;')"
    eval "l_wc_n_$m=\$(ms_per $m a01 c 'SELECT name FROM gsp_pharmacy.customers WHERE id = :id;')"
    eval "l_wc_p_$m=\$(ms_per $m a01 c 'SELECT phone FROM gsp_pharmacy.customers WHERE id = :id;')"
    eval "l_ws_n_$m=\$(ms_per $m a01 s 'SELECT name FROM gsp_pharmacy.customers WHERE id = :id;')"
    eval "l_ws_p_$m=\$(ms_per $m a01 s 'SELECT phone FROM gsp_pharmacy.customers WHERE id = :id;')"
done
audited=$(pg postgres c "SELECT count(*) FROM ward.audit WHERE op = 'read'")

echo "rows: $ROWS (PostgreSQL $(pg postgres c 'SHOW server_version'))"
echo "PostgreSQL Anonymizer: $( [ $anon = yes ] && echo 'installed, not measured' || echo 'not installed (not packaged for Debian 12)')"
printf '%-34s %10s %10s %10s %10s\n' "" raw hand "ward C" "ward SQL"
printf '%-34s %10s %10s %10s %10s\n' "masked scan, ms" "$raw" "$hand" "$wc_n" "$ws_n"
printf '%-34s %10s %10s %10s %10s\n' "  x raw" 1.00 "$(ratio "$hand" "$raw")" \
    "$(ratio "$wc_n" "$raw")" "$(ratio "$ws_n" "$raw")"
printf '%-34s %10s %10s %10s %10s\n' "audited scan, ms" "$raw_p" "$hand_p" "$wc_p" "$ws_p"
printf '%-34s %10s %10s %10s %10s\n' "  x raw" 1.00 "$(ratio "$hand_p" "$raw_p")" \
    "$(ratio "$wc_p" "$raw_p")" "$(ratio "$ws_p" "$raw_p")"
printf '%-34s %10s %10s %10s %10s\n' "masked fetch, ms" "$f_raw" "$f_hand" "$f_wc_n" "$f_ws_n"
printf '%-34s %10s %10s %10s %10s\n' "  x raw" 1.00 "$(ratio "$f_hand" "$f_raw")" \
    "$(ratio "$f_wc_n" "$f_raw")" "$(ratio "$f_ws_n" "$f_raw")"
printf '%-34s %10s %10s %10s %10s\n' "audited fetch, ms" "$f_raw_p" "$f_hand_p" "$f_wc_p" "$f_ws_p"
printf '%-34s %10s %10s %10s %10s\n' "  x raw" 1.00 "$(ratio "$f_hand_p" "$f_raw_p")" \
    "$(ratio "$f_wc_p" "$f_raw_p")" "$(ratio "$f_ws_p" "$f_raw_p")"
for m in simple prepared; do
    eval "r=\$l_raw_$m h=\$l_hand_$m cn=\$l_wc_n_$m cp=\$l_wc_p_$m sn=\$l_ws_n_$m sp=\$l_ws_p_$m"
    printf '%-34s %10s %10s %10s %10s\n' "lookup ($m), unaudited: ms" "$r" "$h" "$cn" "$sn"
    printf '%-34s %10s %10s %10s %10s\n' "  ms added" 0 "$(added "$h" "$r")" \
        "$(added "$cn" "$r")" "$(added "$sn" "$r")"
    printf '%-34s %10s %10s %10s %10s\n' "lookup ($m), audited: ms" "$r" "-" "$cp" "$sp"
    printf '%-34s %10s %10s %10s %10s\n' "  ms added" 0 "-" \
        "$(added "$cp" "$r")" "$(added "$sp" "$r")"
done
echo "read records appended on the C library: $audited"

# result WORKLOAD BASELINE BASE VALUE: one figure for bench/run.sh.
result() {
    printf 'RESULT\tbench=postgres\tworkload=%s\tbaseline=%s\tbase=%s\tvalue=%s\tunit=ms\tratio=%s\n' \
        "$1" "$2" "$3" "$4" "$(ratio "$4" "$3")"
}
for w in "masked scan:raw:hand:wc_n:ws_n" "audited scan:raw_p:hand_p:wc_p:ws_p" \
    "masked fetch:f_raw:f_hand:f_wc_n:f_ws_n" "audited fetch:f_raw_p:f_hand_p:f_wc_p:f_ws_p"; do
    IFS=: read -r what b h c s <<EOF
$w
EOF
    eval "b=\$$b h=\$$h c=\$$c s=\$$s"
    result "$what, view by hand" "raw table" "$b" "$h"
    result "$what, ward C library" "raw table" "$b" "$c"
    result "$what, ward SQL runtime" "raw table" "$b" "$s"
done
for m in simple prepared; do
    eval "r=\$l_raw_$m h=\$l_hand_$m cn=\$l_wc_n_$m cp=\$l_wc_p_$m sn=\$l_ws_n_$m sp=\$l_ws_p_$m"
    result "lookup ($m), view by hand" "raw lookup" "$r" "$h"
    result "lookup ($m), ward C library" "raw lookup" "$r" "$cn"
    result "lookup ($m), ward SQL runtime" "raw lookup" "$r" "$sn"
    result "audited lookup ($m), ward C library" "raw lookup" "$r" "$cp"
    result "audited lookup ($m), ward SQL runtime" "raw lookup" "$r" "$sp"
done
