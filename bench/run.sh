#!/bin/sh
# bench/run.sh [--smoke] [--only NAMES] [--out FILE] [BUILD] - `make
# bench`: runs every
# benchmark (or those of the comma-separated NAMES), prints one table of
# ratios against baselines measured in the same run, and writes the
# results as JSON (default bench/results.json).
#
#   mask           build/bench/bench_mask: every mask function, ns a call,
#                  against a memcpy of the same values
#   sqlite         build/bench/bench_sqlite: masked scans, point reads,
#                  audited reads and audited UPDATEs, ward_session
#   check          build/bench/bench_check: ward check on two corpus sizes
#                  and the growth from one to the other
#   postgres       bench/bench_postgres.sh: scans and lookups on a
#                  throwaway cluster, C library and SQL runtime
#   postgres_bulk  bench/bench_postgres_bulk.sh: the bulk-read gate (C
#                  library: the SQL runtime refuses a gated policy)
#   compile        build/bench/bench_compile, when it is built: compile
#                  time and memory at growing policy sizes
#
# Each benchmark prints its own table and then one line a figure,
#   RESULT<TAB>bench=B<TAB>workload=W<TAB>baseline=L<TAB>base=X<TAB>value=Y
#   <TAB>unit=U<TAB>ratio=R
# which is all this script reads (bench_compile's table is read as it is,
# when it prints no such lines). The benchmarks' full output goes to the
# log beside the JSON file (FILE with .log for .json).
#
# --smoke (or BENCH_SMOKE=1) runs everything at tiny sizes, in well under
# a minute: tests/cli/t0043 runs it within `make test`, so that the
# benchmarks cannot rot. Its numbers mean nothing. Exit 0, or 1 when a
# benchmark failed or printed no figure (the others still run, and the
# table and the file are still written).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
smoke=${BENCH_SMOKE:-0}
[ "$smoke" = 0 ] || [ "$smoke" = 1 ] || smoke=1
out=
build=
only=
while [ $# -gt 0 ]; do
    case $1 in
    --smoke) smoke=1 ;;
    --out)
        [ $# -ge 2 ] || { echo "bench/run.sh: --out needs a file" >&2; exit 2; }
        out=$2
        shift
        ;;
    --only)
        [ $# -ge 2 ] || { echo "bench/run.sh: --only needs names" >&2; exit 2; }
        only=$2
        shift
        ;;
    -*) echo "usage: bench/run.sh [--smoke] [--only NAMES] [--out FILE] [BUILD]" >&2; exit 2 ;;
    *) build=$1 ;;
    esac
    shift
done
build=${build:-build}
case $build in /*) ;; *) build=$ROOT/$build ;; esac
out=${out:-$ROOT/bench/results.json}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
log=${out%.json}.log
[ "$log" != "$out" ] || log=$out.log
command=${BENCH_COMMAND:-sh bench/run.sh$([ "$smoke" = 1 ] && echo ' --smoke')}

# The sizes: full (the numbers docs/performance.md records) or smoke.
if [ "$smoke" = 1 ]; then
    mask_n=2000
    sq_env="WARD_BENCH_ROWS=2000 WARD_BENCH_POINTS=200 WARD_BENCH_REPEAT=2"
    check_sizes="20 200"
    pg_args="2000 100 3"
    bulk_args="2000 2"
    compile_args=--smoke
else
    mask_n=1000000
    sq_env="WARD_BENCH_ROWS=1000000 WARD_BENCH_POINTS=20000 WARD_BENCH_REPEAT=5"
    check_sizes="1000 10000"
    pg_args="1000000 5000 7"
    bulk_args="1000000 5"
    compile_args=
fi

cd "$ROOT" || exit 2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench-run.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
: >"$TMP/results.tsv"
: >"$TMP/benches.tsv"
mkdir -p "$(dirname "$out")" || exit 2
: >"$log" || exit 2
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
# The tree measured, as it is when the run starts.
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$ROOT" status --porcelain -- . ':!bench/results.json' ':!bench/results.log' 2>/dev/null)" ] ||
    commit="$commit (with local changes)"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
status=0

now() { date +%s.%N; }

# wanted NAME: NAME is to run (no --only, or --only names it).
wanted() {
    [ -z "$only" ] && return 0
    case ",$only," in *",$1,"*) return 0 ;; esac
    return 1
}

# from_compile_table: RESULT lines from bench_compile's table, whose rows
# are "TABLES STEP SECONDS PEAK_MB ...": for each step, the time and the
# peak memory at each size against the size before it.
from_compile_table() {
    awk '
        $1 ~ /^[0-9]+$/ && ($2 == "check" || $2 == "sqlite" || $2 == "postgres") {
            if (!($1 in seen)) { seen[$1] = 1; sizes[++n] = $1 }
            sec[$1, $2] = $3; mb[$1, $2] = $4
        }
        END {
            split("check sqlite postgres", steps, " ")
            for (i = 2; i <= n; i++)
                for (k = 1; k <= 3; k++) {
                    a = sizes[i - 1]; b = sizes[i]; s = steps[k]
                    what = (s == "check" ? "check" : s " emit")
                    f = "RESULT\tbench=compile\tworkload=%s, %d tables (x%g), %s\tbaseline=%d tables\tbase=%s\tvalue=%s\tunit=%s\tratio=%.2f\n"
                    if (sec[a, s] > 0)
                        printf f, what, b, b / a, "time", a, sec[a, s], sec[b, s], "s", sec[b, s] / sec[a, s]
                    if (mb[a, s] > 0)
                        printf f, what, b, b / a, "peak memory", a, mb[a, s], mb[b, s], "MB", mb[b, s] / mb[a, s]
                }
        }'
}

# run NAME CMD...: runs one benchmark, its output to the log, its RESULT
# lines to results.tsv, a line of progress, and its status to benches.tsv.
run() {
    name=$1
    shift
    wanted "$name" || return 0
    printf '%-14s ' "$name"
    {
        echo "=== $name: $*"
        echo
    } >>"$log"
    t0=$(now)
    "$@" >"$TMP/$name.out" 2>&1
    rc=$?
    t1=$(now)
    cat "$TMP/$name.out" >>"$log"
    echo >>"$log"
    grep '^RESULT	' "$TMP/$name.out" >"$TMP/$name.res"
    if [ "$name" = compile ] && [ ! -s "$TMP/$name.res" ]; then
        from_compile_table <"$TMP/$name.out" >"$TMP/$name.res"
    fi
    n=$(wc -l <"$TMP/$name.res")
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    if [ "$rc" -ne 0 ]; then
        st=failed note="exit $rc (see $log)"
        status=1
    elif [ "$n" -eq 0 ]; then
        st=failed note="no RESULT line (see $log)"
        status=1
    else
        st=ok note=
    fi
    echo "$st, $n figures, $secs s${note:+: $note}"
    [ "$rc" -eq 0 ] || tail -5 "$TMP/$name.out" | sed 's/^/    /'
    cat "$TMP/$name.res" >>"$TMP/results.tsv"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$st" "$secs" "$*" "$note" >>"$TMP/benches.tsv"
}

# skip NAME WHY: a benchmark that cannot run here, said so in the file.
skip() {
    wanted "$1" || return 0
    printf '%-14s skipped: %s\n' "$1" "$2"
    printf '%s\tskipped\t0\t\t%s\n' "$1" "$2" >>"$TMP/benches.tsv"
}

have_pg=no
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && have_pg=yes; done
command -v initdb >/dev/null 2>&1 && have_pg=yes

echo "bench/run.sh: $([ "$smoke" = 1 ] && echo 'smoke run (tiny sizes; the numbers mean nothing)' || echo 'full run'), build $build"
run mask "$build/bench/bench_mask" "$mask_n"
# shellcheck disable=SC2086
run sqlite env $sq_env "$build/bench/bench_sqlite"
# shellcheck disable=SC2086
run check "$build/bench/bench_check" $check_sizes
if [ "$have_pg" = yes ]; then
    # shellcheck disable=SC2086
    run postgres env BUILD="$build" sh bench/bench_postgres.sh $pg_args
    # shellcheck disable=SC2086
    run postgres_bulk env BUILD="$build" sh bench/bench_postgres_bulk.sh $bulk_args
else
    skip postgres "no PostgreSQL server (mk/deps.sh installs one)"
    skip postgres_bulk "no PostgreSQL server (mk/deps.sh installs one)"
fi
if [ -x "$build/bench/bench_compile" ]; then
    # shellcheck disable=SC2086
    run compile "$build/bench/bench_compile" $compile_args --ward "$build/ward"
else
    skip compile "$build/bench/bench_compile is not built (bench/bench_compile.c is not in this tree)"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

# --- the table ----------------------------------------------------------------
echo
awk -F'\t' '
    function val(f,   i) { i = index(f, "="); return substr(f, i + 1) }
    # num: about four significant digits, for reading (the file keeps all).
    function num(x) {
        if (x !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) return x
        x += 0
        return sprintf(x >= 1000 || x <= -1000 ? "%.0f" : x >= 100 ? "%.1f" : x >= 10 ? "%.2f" : "%.3f", x)
    }
    BEGIN {
        f = "%-13s %-46s %-32s %14s %9s\n"
        printf f, "benchmark", "workload", "baseline", "measured", "ratio"
        printf f, "---------", "--------", "--------", "--------", "-----"
    }
    {
        b = val($2); w = val($3); l = val($4); x = val($5); y = val($6); u = val($7); r = val($8)
        printf "%-13s %-46s %-32s %14s %8sx\n", b, w, l " " num(x) " " u, num(y) " " u, r
    }' "$TMP/results.tsv"

# --- the file -------------------------------------------------------------------
# json_str: stdin's one line as a JSON string.
json_str() {
    awk '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); printf "\"%s\"", $0 }'
}
os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo 2>/dev/null)
pgv=
if [ "$have_pg" = yes ]; then
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/postgres" ] && pgv=$("$d/postgres" --version); done
fi
{
    echo "{"
    printf '  "date": %s,\n' "$(echo "$started" | json_str)"
    printf '  "command": %s,\n' "$(echo "$command" | json_str)"
    printf '  "smoke": %s,\n' "$([ "$smoke" = 1 ] && echo true || echo false)"
    printf '  "commit": %s,\n' "$(echo "$commit" | json_str)"
    echo '  "machine": {'
    printf '    "cpu": %s,\n' "$(echo "$cpu" | json_str)"
    printf '    "cores": %s,\n' "$(nproc 2>/dev/null || echo 0)"
    printf '    "memory_mb": %s,\n' "$(( ${mem_kb:-0} / 1024 ))"
    printf '    "os": %s,\n' "$(echo "$os" | json_str)"
    printf '    "kernel": %s,\n' "$(uname -sr | json_str)"
    printf '    "compiler": %s,\n' "$(${CC:-cc} --version 2>/dev/null | head -1 | json_str)"
    printf '    "sqlite": %s,\n' "$(sqlite3 --version 2>/dev/null | cut -d' ' -f1 | json_str)"
    printf '    "postgresql": %s,\n' "$(echo "$pgv" | json_str)"
    printf '    "load_average_before": %s,\n' "$(echo "$load_before" | json_str)"
    printf '    "load_average_after": %s\n' "$(echo "$load_after" | json_str)"
    echo '  },'
    echo '  "benchmarks": ['
    awk -F'\t' '
        function js(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
        { rows[NR] = sprintf("    {\"name\": %s, \"status\": %s, \"seconds\": %s, \"command\": %s, \"note\": %s}",
                             js($1), js($2), $3 + 0, js($4), js($5)) }
        END { for (i = 1; i <= NR; i++) print rows[i] (i < NR ? "," : "") }' "$TMP/benches.tsv"
    echo '  ],'
    echo '  "measurements": ['
    awk -F'\t' '
        function js(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
        function val(f,   i) { i = index(f, "="); return substr(f, i + 1) }
        function num(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ ? s : "null" }
        { rows[NR] = sprintf("    {\"bench\": %s, \"workload\": %s, \"baseline\": %s, \"unit\": %s, \"baseline_value\": %s, \"value\": %s, \"ratio\": %s}",
                             js(val($2)), js(val($3)), js(val($4)), js(val($7)), num(val($5)), num(val($6)), num(val($8))) }
        END { for (i = 1; i <= NR; i++) print rows[i] (i < NR ? "," : "") }' "$TMP/results.tsv"
    echo '  ]'
    echo "}"
} >"$TMP/results.json" && mv "$TMP/results.json" "$out" || status=1
echo
echo "bench/run.sh: $(wc -l <"$TMP/results.tsv") figures written to $out (log: $log)"
exit "$status"
