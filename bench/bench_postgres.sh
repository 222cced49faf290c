#!/bin/sh
# bench/bench_postgres.sh [ROWS] - the PostgreSQL target's cost, as ratios
# against hand-written SQL on the same throwaway server in the same run.
#
# Starts a cluster (tests/pg/cluster.sh), loads ROWS customers (default
# 100000), applies the running example, and times with psql's \timing (the
# median of 5 runs of each statement, in a session of cs_agent's user):
#
#   scan, unaudited   SELECT count(name) through the view, against the same
#                     mask written by hand over the base table
#   scan, audited     SELECT count(phone): the same plus the read audit's
#                     per-row count, against the hand-written mask
#   point lookups     pgbench, 2000 single-row SELECTs of the phone by key
#                     through the view (decided, masked, audited), against
#                     the hand-written mask by key
# Run from the repository root after `make`.
set -eu
ROWS=${1:-100000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WARD=$ROOT/build/ward
DIR=$(mktemp -d /tmp/ward-bench-pg.XXXXXX)
trap 'sh "$ROOT/tests/pg/cluster.sh" stop "$DIR"; rm -rf "$DIR"' EXIT INT TERM
sh "$ROOT/tests/pg/cluster.sh" start "$DIR" >/dev/null
bindir=$(dirname "$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)")

pg() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -U "$1" -d postgres -c "$2"; }

"$WARD" compile "$ROOT/policies/gsp_pharmacy.ward" --target postgres --no-check \
    -o "$DIR/gsp.sql" 2>/dev/null
pg postgres "CREATE TABLE customers (id integer PRIMARY KEY, name text, phone text,
    id_card text, medication text, store_id integer, owner text)"
pg postgres "INSERT INTO customers SELECT g, '张' || g, '138' || lpad(g::text, 8, '0'),
    '110101199003' || lpad(g::text, 6, '0'), 'metformin', g % 10, 'r01'
    FROM generate_series(1, $ROWS) g"
psql -X -q -v ON_ERROR_STOP=1 -h "$DIR" -U postgres -d postgres -f "$DIR/gsp.sql"
pg postgres "VACUUM ANALYZE customers"
pg postgres "CREATE ROLE a01 LOGIN IN ROLE cs_agent"
# The hand-written baseline reads the base table as an application without
# ward would: past row security.
pg postgres "CREATE ROLE hand LOGIN BYPASSRLS; GRANT SELECT ON customers TO hand"

# median_ms USER SQL: the median of 5 timed runs, in milliseconds.
median_ms() {
    {
        printf '%s\n' '\timing on'
        for _ in 1 2 3 4 5; do printf '%s;\n' "$2"; done
    } | psql -X -q -h "$DIR" -U "$1" -d postgres 2>/dev/null |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n | sed -n 3p
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

raw=$(median_ms hand "SELECT count(name) FROM customers")
hand=$(median_ms hand "SELECT count(ward.keep(name, 1, 0)) FROM customers")
view=$(median_ms a01 "SELECT count(name) FROM gsp_pharmacy.customers")
hand_p=$(median_ms hand "SELECT count(ward.keep(phone, 3, 4)) FROM customers")
view_p=$(median_ms a01 "SELECT count(phone) FROM gsp_pharmacy.customers")

printf '%s\n' "\\set id random(1, $ROWS)" \
    'SELECT ward.keep(phone, 3, 4) FROM customers WHERE id = :id;' >"$DIR/hand.sql"
printf '%s\n' "\\set id random(1, $ROWS)" \
    'SELECT phone FROM gsp_pharmacy.customers WHERE id = :id;' >"$DIR/view.sql"
# tps: pgbench's transactions per second, one client, 2000 statements.
tps() {
    "$bindir/pgbench" -n -h "$DIR" -U "$1" -f "$2" -t 2000 postgres 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}
tps_hand=$(tps hand "$DIR/hand.sql")
tps_view=$(tps a01 "$DIR/view.sql")

echo "rows: $ROWS"
echo "scan, unaudited: raw $raw ms, hand mask $hand ms, view $view ms:" \
    "$(ratio "$view" "$hand")x the hand mask, $(ratio "$view" "$raw")x raw"
echo "scan, audited:   hand mask $hand_p ms, view $view_p ms:" \
    "$(ratio "$view_p" "$hand_p")x the hand mask"
echo "point lookups:   hand mask $tps_hand/s, view $tps_view/s:" \
    "$(ratio "$tps_hand" "$tps_view")x the time per statement"
