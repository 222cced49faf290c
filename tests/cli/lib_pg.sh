# tests/cli/lib_pg.sh - a throwaway PostgreSQL cluster for a CLI test
# script, and the ways to talk to it. Source after lib.sh: the cluster
# starts here (tests/pg/cluster.sh: a temporary directory, its socket
# there, no TCP) and stops, by its data directory, when the script exits.

PGDIR=$(mktemp -d /tmp/ward-pg.XXXXXX)
trap 'sh "$ROOT/tests/pg/cluster.sh" stop "$PGDIR"; rm -rf "$PGDIR" "$SCRATCH_BASE"' EXIT INT TERM
sh "$ROOT/tests/pg/cluster.sh" start "$PGDIR" >/dev/null
DSN="host=$PGDIR user=postgres dbname=postgres"

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
