#!/bin/sh
# tests/pg/cluster.sh start DIR | stop DIR
#
# A throwaway PostgreSQL cluster for the tests: initdb into DIR/data, a
# Unix socket in DIR, no TCP at all, fsync off, pgaudit loaded when
# installed. PostgreSQL refuses to run as
# root, so under root the server runs as the unprivileged user nobody.
# `start` prints the PGHOST to use; `stop` stops the cluster by its data
# directory. The superuser is named postgres; trust authentication on the
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
        echo "cluster.sh: no PostgreSQL server (run mk/deps.sh as root)" >&2
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

case $cmd in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown nobody "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    # pgaudit (mk/deps.sh installs it) is loaded for the --pgaudit tests.
    preload=
    [ -e "$bindir/../lib/pgaudit.so" ] && preload="-c shared_preload_libraries=pgaudit"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-k $dir -c listen_addresses='' -c fsync=off -c max_connections=20 $preload" \
        start >/dev/null || {
        cat "$dir/server.log" >&2
        exit 1
    }
    echo "$dir"
    ;;
stop)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
