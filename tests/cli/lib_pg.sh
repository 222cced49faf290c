# tests/cli/lib_pg.sh - a throwaway PostgreSQL cluster for a CLI test
# script, and the ways to talk to it. Source after lib.sh: the cluster
# starts here (tests/pg/cluster.sh: a temporary directory, its socket
# there, no TCP) and stops, by its data directory, when the script exits.

PGDIR=$(mktemp -d /tmp/ward-pg.XXXXXX)
trap 'sh "$ROOT/tests/pg/cluster.sh" stop "$PGDIR"; rm -rf "$PGDIR" "$SCRATCH_BASE"' EXIT INT TERM
DSN="host=$PGDIR user=postgres dbname=postgres"
# The cluster must answer before any test runs: otherwise every test would
# fail on its own, and none would say why. A cluster that did not start
# is one failed test, with what the server said.
if ! sh "$ROOT/tests/pg/cluster.sh" start "$PGDIR" >/dev/null 2>"$PGDIR/start.err"; then
    echo "not ok 1 - the PostgreSQL cluster in $PGDIR started"
    echo "# tests/pg/cluster.sh start failed:"
    sed 's/^/#   /' "$PGDIR/start.err"
    exit 1
fi
if ! psql -X -q -At -h "$PGDIR" -U postgres -d postgres -c 'SELECT 1' \
    >/dev/null 2>"$PGDIR/start.err"; then
    echo "not ok 1 - the PostgreSQL cluster in $PGDIR answers"
    sed 's/^/#   /' "$PGDIR/start.err"
    echo "# the last lines of its server log:"
    tail -n 40 "$PGDIR/server.log" 2>&1 | sed 's/^/#   /'
    exit 1
fi

# pg_run ON_ERROR_STOP USER SQL...: psql as USER, one connection, each SQL
# a statement.
pg_run() {
    stop=$1 u=$2
    shift 2
    for q in "$@"; do set -- "$@" -c "$q"; shift; done
    psql -X -q -At -v ON_ERROR_STOP="$stop" -h "$PGDIR" -U "$u" -d postgres "$@"
}
# pg_as USER SQL...: stop at the first error.
pg_as() { pg_run 1 "$@"; }
pg() { pg_as postgres "$@"; }
# pg_try USER SQL...: every statement runs whatever failed before it
# (errors on stderr): what a session can do after a refusal.
pg_try() { pg_run 0 "$@"; }
# pg_apply FILE: a compiled script, as the superuser, as a DBA applies it.
pg_apply() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d postgres -f "$1"; }
# pgd DB SQL...: psql as the superuser in database DB, stop at the first
# error (for tests that run one policy in several databases).
pgd() {
    d_db=$1
    shift
    for q in "$@"; do set -- "$@" -c "$q"; shift; done
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d "$d_db" "$@"
}
# pgd_as DB USER SQL...: psql as USER in DB, stop at the first error.
pgd_as() {
    a_db=$1 a_u=$2
    shift 2
    for q in "$@"; do set -- "$@" -c "$q"; shift; done
    psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGDIR" -U "$a_u" -d "$a_db" "$@"
}
