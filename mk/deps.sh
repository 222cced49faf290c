#!/bin/sh
# mk/deps.sh PROFILE [--list] - installs what a profile of the build needs
# on a fresh Debian machine; a no-op when everything is present. Without
# root it stops and prints the exact command to run instead. --list prints
# the missing packages and exits 0 without installing (the tests use it).
#
#   build  the compiler, the SQLite runtime and the libraries: a C compiler,
#          flex, bison and the -dev headers of SQLite, libyaml, OpenSSL and
#          libpq (whose pg_config gives the include paths); no server
#   demo   build, and the sqlite3 shell the demo applies the policy with
#   pg     build, and the PostgreSQL server's headers, for the runtime's C
#          library (build/ward_pg.so)
#   test   all of the above, and a PostgreSQL server, its client and
#          pgaudit: the tests start throwaway clusters of their own
#
# The Makefile calls it before the first step of each profile.
set -eu

profile=${1:-build}
list=${2:-}
missing=""
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need_hdr() { [ -e "/usr/include/$1" ] || missing="$missing $2"; }

# The server's major version: the installed server's, else the one libpq's
# pg_config reports (the same major on Debian), else Debian 12's.
pgmajor() {
    v=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null |
        sed 's|/usr/lib/postgresql/||; s|/bin||' | sort -n | tail -1)
    [ -n "$v" ] || v=$(pg_config --version 2>/dev/null |
        sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
    echo "${v:-15}"
}

build() {
    need_cmd flex flex
    need_cmd bison bison
    need_cmd cc gcc
    need_hdr sqlite3.h libsqlite3-dev
    need_hdr yaml.h libyaml-dev
    need_hdr openssl/evp.h libssl-dev
    need_hdr postgresql/libpq-fe.h libpq-dev
}
demo() { need_cmd sqlite3 sqlite3; }
# The C library is built for the server's major version.
pg() {
    need_hdr "postgresql/$(pgmajor)/server/postgres.h" \
        "postgresql-server-dev-$(pgmajor)"
}
server() {
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
        missing="$missing postgresql"
    need_cmd psql postgresql-client
    # pgaudit, for the tests of `ward compile --pgaudit`.
    ls /usr/lib/postgresql/*/lib/pgaudit.so >/dev/null 2>&1 ||
        missing="$missing postgresql-$(pgmajor)-pgaudit"
}

case $profile in
build) build ;;
demo) build && demo ;;
pg) build && pg ;;
test) build && demo && pg && server ;;
*)
    echo "usage: mk/deps.sh build|demo|pg|test [--list]" >&2
    exit 2
    ;;
esac

if [ "$list" = --list ]; then
    echo "${missing# }"
    exit 0
fi
[ -z "$missing" ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
    echo "ward: missing $profile dependencies:$missing" >&2
    echo "ward: run as root: $cmd" >&2
    exit 1
fi
echo "ward: installing $profile dependencies:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
