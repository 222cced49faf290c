#!/bin/sh
# bench/bench_postgres_bulk.sh [ROWS [ROUNDS]] - what the bulk-read gate
# (`export T beyond N rows`) costs a PostgreSQL scan on the C library (the
# SQL runtime refuses a gated policy: docs/dba-postgres.md, "Bulk reads"),
# measured side by side with an ungated table in one throwaway cluster.
#
# Two tables of the same ROWS rows (default 1,000,000), `plain` and
# `gated`, in one policy whose only difference between them is the gate
# (`export gated beyond 10 rows`). Each round a clerk's request is
# approved, then the clerk counts both through their views: the ratio
# gated/plain is what counting every row costs (the gate itself runs once,
# at row 11). Median of ROUNDS rounds (default 5). Parallel query is
# off. Run after `make` ($BUILD, default build/, holds ward and
# ward_pg.so). After the table, a line a runtime for bench/run.sh:
# RESULT<TAB>bench=postgres_bulk<TAB>workload=...<TAB>baseline=...
set -eu
ROWS=${1:-1000000}
ROUNDS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
WARD=$BUILD/ward
export BUILD
DIR=$(mktemp -d /tmp/ward-bench-bulk.XXXXXX)
trap 'sh "$ROOT/tests/pg/cluster.sh" stop "$DIR"; rm -rf "$DIR"' EXIT INT TERM
sh "$ROOT/tests/pg/cluster.sh" start "$DIR" >/dev/null

pg() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -U "$1" -d "$2" -c "$3"; }

cat >"$DIR/b.ward" <<'EOF'
policy b version 1;
role clerk;
role boss;
table plain { id integer key; name text; rows all for clerk, boss; }
table gated { id integer key; name text; rows all for clerk, boss; }
approval export_gated { export gated beyond 10 rows; by 1 of boss; }
EOF
"$WARD" compile "$DIR/b.ward" --target postgres -o "$DIR/b.sql"
pg postgres postgres "ALTER SYSTEM SET max_parallel_workers_per_gather = 0" >/dev/null
pg postgres postgres "SELECT pg_reload_conf()" >/dev/null
pg postgres postgres "CREATE ROLE cl LOGIN; CREATE ROLE bo LOGIN"
for db in c; do
    pg postgres postgres "CREATE DATABASE $db"
    pg postgres $db "CREATE TABLE plain (id integer PRIMARY KEY, name text)"
    pg postgres $db "INSERT INTO plain SELECT g, 'n' || g FROM generate_series(1, $ROWS) g"
    pg postgres $db "CREATE TABLE gated AS SELECT * FROM plain; ALTER TABLE gated ADD PRIMARY KEY (id)"
    PGOPTIONS="-c ward.pg_runtime=c" psql -X -q -v ON_ERROR_STOP=1 -h "$DIR" -U postgres \
        -d $db -f "$DIR/b.sql"
    pg postgres $db "VACUUM ANALYZE plain"
    pg postgres $db "VACUUM ANALYZE gated"
done
# (Roles are the cluster's: granted once.)
pg postgres c "GRANT clerk TO cl; GRANT boss TO bo"
[ "$(pg postgres c "SELECT ward.runtime()")" = c ] || { echo "no C library in database c" >&2; exit 1; }

# ms DB SQL: one timed run as the clerk, after an untimed one that warms
# the session (and uses the round's approval when the table is gated).
ms() {
    printf '%s\n' "$2;" '\timing on' "$2;" |
        psql -X -q -At -h "$DIR" -U cl -d "$1" 2>/dev/null |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
for round in $(seq 1 "$ROUNDS"); do
    for db in c; do
        # Two approvals a round: the warm-up run and the timed one each use one.
        for k in 1 2; do
            r=$(pg cl $db "SELECT ward.request('export_gated', 'bench')")
            pg bo $db "SELECT ward.approve($r)" >/dev/null
        done
        echo "$db plain $(ms $db "SELECT count(name) FROM b.plain")"
        echo "$db gated $(ms $db "SELECT count(name) FROM b.gated")"
    done
done >"$DIR/t"
med() { awk -v d="$1" -v n="$2" '$1 == d && $2 == n { print $3 }' "$DIR/t" | sort -n |
        awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "rows: $ROWS (PostgreSQL $(pg postgres c 'SHOW server_version'))"
printf '%-28s %12s\n' "" "C library"
printf '%-28s %12s\n' "view, no gate: ms" "$(med c plain)"
printf '%-28s %12s\n' "view, gated: ms" "$(med c gated)"
printf '%-28s %12s\n' "  gated / no gate" \
    "$(awk -v a="$(med c gated)" -v b="$(med c plain)" 'BEGIN { printf "%.2f", a / b }')"
printf '%-28s %12s\n' "  ns added a row" \
    "$(awk -v a="$(med c gated)" -v b="$(med c plain)" -v n="$ROWS" 'BEGIN { printf "%.0f", (a - b) * 1e6 / n }')"
printf 'RESULT\tbench=postgres_bulk\tworkload=%s\tbaseline=ungated view\tbase=%s\tvalue=%s\tunit=ms\tratio=%s\n' \
    "count through a gated view, C library" "$(med c plain)" "$(med c gated)" \
    "$(awk -v a="$(med c gated)" -v b="$(med c plain)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }')"
