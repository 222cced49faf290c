#!/bin/sh
# The benchmarks cannot rot: `make bench`'s runner (bench/run.sh) at tiny
# sizes runs every benchmark and writes a results file that is valid JSON,
# holds every benchmark by name with at least one figure, and only
# positive numbers. No timing is asserted: the numbers of a smoke run mean
# nothing.
. "$ROOT/tests/cli/lib.sh"

# The benchmarks this tree has: PostgreSQL's where a server is installed,
# the compile bench where it is built.
expected() {
    echo mask sqlite check
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo postgres postgres_bulk; break; }
    done
    [ -x "$BUILD/bench/bench_compile" ] && echo compile
    return 0
}

# check_json FILE NAMES...: FILE parses as JSON; every NAME ran ("ok")
# and has figures; every figure is a positive number with its baseline.
check_json() {
    f=$1
    shift
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$f" "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("date", "command", "machine", "benchmarks", "measurements"):
    assert k in d, "no " + k
assert d["smoke"] is True, "not marked as a smoke run"
status = {b["name"]: b["status"] for b in d["benchmarks"]}
for name in sys.argv[2:]:
    assert status.get(name) == "ok", "%s: %s" % (name, status.get(name))
    figures = [m for m in d["measurements"] if m["bench"] == name]
    assert figures, "no figure for " + name
    for m in figures:
        for k in ("baseline_value", "value", "ratio"):
            v = m[k]
            assert isinstance(v, (int, float)) and v > 0, "%s: %s = %r" % (m["workload"], k, v)
        assert m["workload"] and m["baseline"] and m["unit"], m
print("ok:", len(d["measurements"]), "figures")
PY
    else
        # Without python: the shape, by grep.
        head -1 "$f" | grep -qx '{' && tail -1 "$f" | grep -qx '}' &&
        for name in "$@"; do
            grep -q "\"name\": \"$name\", \"status\": \"ok\"" "$f" &&
            grep -q "{\"bench\": \"$name\"" "$f" || { echo "no figures for $name"; return 1; }
        done &&
        ! grep '"bench": ' "$f" | grep -q -e ': null' -e ': -' -e ': 0[,}]' -e ': 0\.0*[,}]'
    fi
}

t_smoke() {
    sh "$ROOT/bench/run.sh" --smoke --out "$SCRATCH/out/results.json" "$BUILD" >run.out 2>&1 ||
        { cat run.out; return 1; }
    cat run.out &&
    test -s out/results.json && test -s out/results.log &&
    contains run.out 'benchmark     workload' &&
    # shellcheck disable=SC2046
    check_json out/results.json $(expected)
}
test_expect_success 'bench/run.sh --smoke runs every benchmark and writes valid results' t_smoke

t_no_compile() {
    # A build directory with bench_mask and no bench_compile.
    mkdir -p b/bench && ln -s "$BUILD/bench/bench_mask" b/bench/ &&
    sh "$ROOT/bench/run.sh" --smoke --only mask,compile --out "$SCRATCH/r.json" \
        "$SCRATCH/b" >run.out 2>&1 &&
    cat run.out &&
    contains run.out 'compile        skipped' &&
    contains r.json '"name": "compile", "status": "skipped"' &&
    contains r.json '"name": "mask", "status": "ok"' &&
    ! grep -q '"bench": "sqlite"' r.json
}
test_expect_success 'bench/run.sh --only runs the benchmarks named; one not built is skipped, and the file says so' t_no_compile
