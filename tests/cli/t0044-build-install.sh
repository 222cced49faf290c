#!/bin/sh
# The build and the install (docs/install.md): a compiler-only build on a
# machine without the PostgreSQL server's headers builds everything but the
# server's library and says so; `make install` puts each part where Debian
# expects it; an application builds against the installed runtime alone
# (ward.h, libward.a, pkg-config); the man page names every command and
# option of `ward --help`.
. "$ROOT/tests/cli/lib.sh"

B=$SCRATCH_BASE/build
DEST=$SCRATCH_BASE/root
MA=$(cc -print-multiarch)
# A pg_config of a machine with libpq's headers and no server's.
cat >"$SCRATCH_BASE/pg_config" <<PGC
#!/bin/sh
case \$1 in
--includedir) pg_config --includedir ;;
*) echo "$SCRATCH_BASE/no-server" ;;
esac
PGC
chmod +x "$SCRATCH_BASE/pg_config"

# A build of its own, in the plain pass only: under the sanitizers it
# would be the same plain build again.
test_expect_success_plain 'a build without the server headers skips ward_pg.so alone' '
    (cd "$ROOT" && make -s -j2 BUILD="$B" OPT=-O0 PG_CONFIG="$SCRATCH_BASE/pg_config") \
        >out 2>&1 &&
    contains out "build/ward_pg.so not built: no PostgreSQL server headers" &&
    test -x "$B/ward" && test -f "$B/ward.so" && test -f "$B/libward.a" &&
    test ! -e "$B/ward_pg.so" && test ! -e "$B/pg" && test ! -e "$B/.deps-pg" &&
    "$B/ward" compile "$ROOT/policies/gsp_pharmacy.ward" -o p.sql &&
    grep -q "CREATE" p.sql
'

test_expect_success 'the build profile of mk/deps.sh needs no PostgreSQL server' '
    sh "$ROOT/mk/deps.sh" build --list >out &&
    ! grep -q "postgresql" out &&
    ! sed -n "/^build()/,/^}/p" "$ROOT/mk/deps.sh" | grep -q "server\|initdb\|pgaudit" &&
    expect_exit 2 sh "$ROOT/mk/deps.sh" nonsense
'

test_expect_success_plain 'make install puts each part where Debian expects it' '
    (cd "$ROOT" && make -s BUILD="$B" OPT=-O0 PG_CONFIG="$SCRATCH_BASE/pg_config" \
        install DESTDIR="$DEST" PREFIX=/usr) >out 2>&1 &&
    contains out "ward_pg.so not installed" &&
    test -x "$DEST/usr/bin/ward" &&
    test -f "$DEST/usr/lib/$MA/ward.so" &&
    test -f "$DEST/usr/lib/$MA/libward.a" &&
    test -f "$DEST/usr/lib/$MA/pkgconfig/ward.pc" &&
    test -f "$DEST/usr/include/ward.h" &&
    test -f "$DEST/usr/share/man/man1/ward.1" &&
    test -f "$DEST/usr/share/ward/policies/gsp_pharmacy.ward" &&
    test -f "$DEST/usr/share/doc/ward/install.md" &&
    test -f "$DEST/usr/share/doc/ward/semantics.md" &&
    "$DEST/usr/bin/ward" --version | grep -q "^ward "
'

test_expect_success_plain 'an application builds on the installed runtime alone' '
    flags=$(PKG_CONFIG_PATH="$DEST/usr/lib/$MA/pkgconfig" \
        PKG_CONFIG_SYSROOT_DIR="$DEST" pkg-config --cflags --libs ward) &&
    cc -o app "$ROOT/examples/app.c" $flags &&
    ! nm "$DEST/usr/lib/$MA/libward.a" | grep -q " T \(model_\|emit_\|parse_\|corpus_\)" &&
    sqlite3 :memory: ".load $DEST/usr/lib/$MA/ward" \
        "SELECT ward_runtime_version()" >v && test -s v
'

test_expect_success 'the man page names every command and option of ward --help' '
    "$WARD" --help >help &&
    sed -n "s/^  \([a-z]*\) .*/\1/p" help >cmds && test -s cmds &&
    sed "s/\\\\-/-/g" "$ROOT/docs/man/ward.1" >man &&
    while read -r c; do
        grep -q "^\.B ward $c\|^\.B $c\$" man || { echo "no $c"; exit 1; }
        "$WARD" $c --help 2>&1 | grep -o -- "--[a-z-]*\|-[a-z]\b" |
        while read -r o; do
            grep -q -- "$o" man || { echo "$c: no $o"; exit 1; }
        done || exit 1
    done <cmds
'
echo "1..$test_count"
