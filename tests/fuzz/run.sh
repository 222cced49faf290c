#!/bin/sh
# tests/fuzz/run.sh BUILD SECONDS [TARGET...] - runs each libFuzzer target
# of BUILD/tests/fuzz for SECONDS, seeded from the repository (see
# docs/security.md). The working corpus lives in BUILD/fuzz-corpus/TARGET
# and grows from run to run; crashes go to BUILD/findings/TARGET/. Ends
# with one line per target: its execs/s, coverage and findings, and exits 1
# when any target found something.
set -u

BUILD=$1
SECONDS_EACH=$2
shift 2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
TARGETS=${*:-$(cd "$BUILD/tests/fuzz" && ls fuzz_* | grep -v '\.[od]$')}

# seed TARGET DIR: copy the repository's inputs for TARGET into DIR.
seed() {
    case $1 in
    fuzz_policy|fuzz_fmt)
        find policies examples tests -name '*.ward' -exec cp {} "$2" \; ;;
    fuzz_corpus)
        find policies tests -name '*.yaml' -exec cp {} "$2" \; ;;
    fuzz_mask)
        # A few values for each catalog entry: entry, shape, then bytes.
        i=0
        while [ $i -lt 40 ]; do
            printf "\\$(printf %03o $i)\\000\\003\\012alice@example.com\\0042024-01-31 13000000000" \
                >"$2/seed$i"
            i=$((i + 1))
        done ;;
    esac
    cp tests/fuzz/regress/"$1"/* "$2" 2>/dev/null
    return 0
}

status=0
summary=""
for t in $TARGETS; do
    corpus=$BUILD/fuzz-corpus/$t
    findings=$BUILD/findings/$t
    mkdir -p "$corpus" "$findings"
    [ -n "$(ls "$corpus")" ] || seed "$t" "$corpus"
    case $t in
    fuzz_policy|fuzz_fmt) dict="-dict=tests/fuzz/policy.dict" ;;
    fuzz_corpus) dict="-dict=tests/fuzz/corpus.dict" ;;
    *) dict="" ;;
    esac
    log=$BUILD/findings/$t.log
    echo "fuzz: $t for ${SECONDS_EACH}s (log $log)"
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$BUILD/tests/fuzz/$t" -max_total_time="$SECONDS_EACH" -timeout=10 \
        -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
        -artifact_prefix="$findings/" $dict "$corpus" >"$log" 2>&1
    rc=$?
    # The last status line: "#N DONE cov: C ft: F corp: ... exec/s: E".
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    speed=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
    cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    found=$(ls "$findings" | wc -l)
    line="$t: ${execs:-?} execs, ${speed:-?} execs/s, cov ${cov:-?}, ft ${ft:-?}, $found findings (exit $rc)"
    summary="$summary$line
"
    [ "$rc" -eq 0 ] && [ "$found" -eq 0 ] || status=1
done
printf '%s' "$summary"
exit $status
