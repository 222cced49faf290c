#!/bin/sh
# tests/pg/cluster.sh start DIR | stop DIR | standby PRIMARY DIR
#
# A throwaway PostgreSQL cluster for the tests: initdb into DIR/data, a
# Unix socket in DIR, no TCP at all, fsync off, pgaudit loaded when
# installed. The runtime's C library (ward_pg.so) of $BUILD (else the
# repository's build/), copied into DIR, comes first on its
# dynamic_library_path, so that nothing is installed into the server's
# own directories; WARD_PG_LIB=none leaves it out, and scripts then get
# the SQL runtime. PostgreSQL refuses to run as
# root, so under root the server runs as the unprivileged user nobody.
# `start` prints the PGHOST to use; `stop` stops the cluster by its data
# directory. `standby PRIMARY DIR` makes DIR a streaming hot standby of the
# cluster started in PRIMARY (pg_basebackup over PRIMARY's socket, which
# writes standby.signal and primary_conninfo) and starts it like `start`. The superuser is named postgres; trust authentication on the
# socket only, which nobody else can reach.
set -eu
cmd=$1
dir=$2

bindir=
for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && bindir=$d
done
if [ -z "$bindir" ]; then
    command -v initdb >/dev/null 2>&1 || {
        echo "cluster.sh: no PostgreSQL server (run sh mk/deps.sh test as root)" >&2
        exit 1
    }
    bindir=$(dirname "$(command -v initdb)")
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

# serve DIR: starts the cluster in DIR/data, its socket in DIR.
serve() {
    # pgaudit (mk/deps.sh installs it) is loaded for the --pgaudit tests.
    preload=
    [ -e "$bindir/../lib/pgaudit.so" ] && preload="-c shared_preload_libraries=pgaudit"
    lib=${WARD_PG_LIB:-${BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}}
    libpath=
    # A copy in the cluster's own directory: the server's user (nobody,
    # under root) may not reach the build directory.
    if [ "$lib" != none ] && [ -e "$lib/ward_pg.so" ]; then
        mkdir -p "$1/lib"
        cp "$lib/ward_pg.so" "$1/lib/ward_pg.so"
        chmod -R a+rX "$1/lib"
        libpath="-c dynamic_library_path='$1/lib:\$libdir'"
    fi
    as_owner "$bindir/pg_ctl" -D "$1/data" -l "$1/server.log" -w \
        -o "-k $1 -c listen_addresses='' -c fsync=off -c max_connections=20 $preload $libpath" \
        start >/dev/null || {
        cat "$1/server.log" >&2
        exit 1
    }
    echo "$1"
}

case $cmd in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown nobody "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    serve "$dir"
    ;;
standby)
    primary=$2
    dir=$3
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown nobody "$dir"
    as_owner "$bindir/pg_basebackup" -h "$primary" -U postgres -D "$dir/data" -R \
        -X stream --no-sync >"$dir/basebackup.log" 2>&1 || {
        cat "$dir/basebackup.log" >&2
        exit 1
    }
    serve "$dir"
    ;;
stop)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: cluster.sh start|stop DIR | standby PRIMARY DIR" >&2
    exit 2
    ;;
esac
