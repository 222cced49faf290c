#!/bin/sh
# Installs what the build and the tests need on a fresh Debian machine: flex,
# bison, the -dev packages of the chosen libraries, the sqlite3 shell and a
# PostgreSQL server (the tests run their own throwaway cluster). Called by
# the Makefile before the first compile; a no-op when everything is present.
# Without root it stops and prints the exact command to run instead.
set -eu

missing=""
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need_hdr() { [ -e "/usr/include/$1" ] || missing="$missing $2"; }

need_cmd flex flex
need_cmd bison bison
need_cmd cc gcc
need_cmd sqlite3 sqlite3
need_hdr sqlite3.h libsqlite3-dev
need_hdr yaml.h libyaml-dev
need_hdr openssl/evp.h libssl-dev
need_hdr postgresql/libpq-fe.h libpq-dev
# The PostgreSQL target's tests start a throwaway server of their own.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
command -v psql >/dev/null 2>&1 || missing="$missing postgresql-client"
# pgaudit, for the tests of `ward compile --pgaudit`, built for the server's
# major version (Debian 12's server is 15).
pgmajor=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sed 's|/usr/lib/postgresql/||; s|/bin||' | sort -n | tail -1)
# The server's headers, for the runtime's C library (build/ward_pg.so),
# of the same major version as the server the tests start.
[ -e "/usr/include/postgresql/${pgmajor:-15}/server/postgres.h" ] ||
    missing="$missing postgresql-server-dev-${pgmajor:-15}"
ls /usr/lib/postgresql/*/lib/pgaudit.so >/dev/null 2>&1 ||
    missing="$missing postgresql-${pgmajor:-15}-pgaudit"

[ -z "$missing" ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
    echo "ward: missing build dependencies:$missing" >&2
    echo "ward: run as root: $cmd" >&2
    exit 1
fi
echo "ward: installing build dependencies:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
