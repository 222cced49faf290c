#!/bin/sh
# The ward command line: exit codes, explain, matrix, fmt, compile.
. "$ROOT/tests/cli/lib.sh"
P=$ROOT/policies/gsp_pharmacy.ward

test_expect_success 'no command is a usage error' '
    expect_exit 2 "$WARD" 2>err &&
    contains err "usage: ward COMMAND"
'

test_expect_success 'an unknown command names itself' '
    expect_exit 2 "$WARD" frobnicate 2>err &&
    contains err "ward: unknown command '\''frobnicate'\''"
'

test_expect_success 'help and version exit 0' '
    "$WARD" --help >out && contains out "explain" &&
    "$WARD" --version >out && contains out "ward "
'

test_expect_success 'compile accepts the running example' '
    "$WARD" compile "$P" 2>err &&
    contains err "policy gsp_pharmacy version 1 is valid"
'

test_expect_success 'compile of a missing file exits 2 with the reason' '
    expect_exit 2 "$WARD" compile nosuch.ward 2>err &&
    contains err "cannot open '\''nosuch.ward'\''"
'

test_expect_success 'compile rejects an unknown target' '
    expect_exit 2 "$WARD" compile "$P" --target oracle 2>err &&
    contains err "unknown target '\''oracle'\''"
'

test_expect_success 'compile -o writes the SQLite script, byte-identical each time' '
    "$WARD" compile "$P" -o one.sql &&
    "$WARD" compile "$P" --target sqlite -o two.sql &&
    cmp one.sql two.sql &&
    contains one.sql "BEGIN IMMEDIATE;" &&
    contains one.sql "COMMIT;"
'

test_expect_success 'a failed compile leaves no file behind' '
    printf "policy p version 1;\nrole r;\ntable t { c text; show c to nobody; }\n" >bad.ward &&
    expect_exit 2 "$WARD" compile bad.ward -o out.sql 2>err &&
    test ! -e out.sql &&
    ! ls out.sql.tmp* 2>/dev/null
'

test_expect_success 'compile -o into a pipe writes through it and leaves the pipe a pipe' '
    mkfifo pipe &&
    { cat pipe >piped & } &&
    "$WARD" compile "$P" -o pipe &&
    wait &&
    test -p pipe &&
    contains piped "COMMIT;" &&
    ! ls pipe.tmp* 2>/dev/null
'

test_expect_success 'compile for postgres writes the whole policy' '
    "$WARD" compile "$P" --target postgres -o out.sql &&
    contains out.sql "CREATE TRIGGER \"ward_write\" INSTEAD OF" &&
    contains out.sql "ward.export_gate_" &&
    contains out.sql "ward.read_("
'

test_expect_success 'explain: pharmacist sees medication, not the phone' '
    "$WARD" explain "$P" --role pharmacist customers >out &&
    contains out "  medication: show" &&
    contains out "decided by: rule '\''show medication to pharmacist, cs_supervisor;'\''" &&
    contains out "  phone: hide" &&
    contains out "decided by: rule '\''hide phone to pharmacist;'\'' ($P:32:3)"
'

test_expect_success 'explain names why the other rules lost' '
    "$WARD" explain "$P" --role pharmacist customers.phone >out &&
    contains out "'\''show phone to cs_supervisor;'\''" &&
    contains out "names cs_supervisor, not held by this session"
'

test_expect_success 'explain in a scenario: the ID tail is masked' '
    "$WARD" explain "$P" --role cs_supervisor --scenario outbound_call \
        customers.id_card >out &&
    contains out "id_card: mask id_tail" &&
    contains out "masked with keep(14, 0)" &&
    contains out "scenario rule '\''mask id_card with id_tail in outbound_call;'\'' narrows it"
'

test_expect_success 'explain shows each role of a multi-role session' '
    "$WARD" explain "$P" --role pharmacist --role cs_agent customers.phone >out &&
    contains out "phone: mask phone_mid" &&
    contains out "role pharmacist alone: hide"
'

test_expect_success 'explain shows the row filter with attributes' '
    "$WARD" explain "$P" --role store_manager --attr store_id=7 customers >out &&
    contains out "rows: where store_id = session.store_id" &&
    contains out "with session.store_id = '\''7'\''"
'

test_expect_success 'explain: deny by default for a role no rows rule names' '
    "$WARD" explain "$P" --role sales_rep --user r01 customers >out &&
    contains out "rows: where owner = current_user" &&
    contains out "with current_user = '\''r01'\''"
'

test_expect_success 'explain lists write grants' '
    "$WARD" explain "$P" --role cs_agent customers >out &&
    contains out "writes: name, phone"
'

test_expect_success 'explain suggests a near role name' '
    expect_exit 2 "$WARD" explain "$P" --role phamacist customers 2>err &&
    contains err "unknown role '\''phamacist'\'' (did you mean '\''pharmacist'\''?)"
'

test_expect_success 'explain rejects an unknown scenario, table and column' '
    expect_exit 2 "$WARD" explain "$P" --role cs_agent --scenario x customers &&
    expect_exit 2 "$WARD" explain "$P" --role cs_agent customer 2>err &&
    contains err "did you mean '\''customers'\''" &&
    expect_exit 2 "$WARD" explain "$P" --role cs_agent customers.fone
'

test_expect_success 'explain needs a role' '
    expect_exit 2 "$WARD" explain "$P" customers 2>err &&
    contains err "--role"
'

test_expect_success 'matrix prints every role per scenario' '
    "$WARD" matrix "$P" >out &&
    contains out "table customers, no scenario" &&
    contains out "table customers, scenario outbound_call" &&
    grep -E "^pharmacist +show +mask surname +hide +hide +show" out &&
    grep -E "^cs_supervisor +show +mask surname +show +mask id_tail +hide" out
'

test_expect_success 'fmt --check accepts the canonical example' '
    "$WARD" fmt --check "$P"
'

test_expect_success 'fmt --check rejects a messy file and -w fixes it' '
    printf "policy p version 1;\nrole   a   \"x\";   # keep me\n\n\n\nrole b inherits a;\n" >p.ward &&
    expect_exit 1 "$WARD" fmt --check p.ward 2>err &&
    contains err "p.ward is not formatted" &&
    "$WARD" fmt -w p.ward &&
    "$WARD" fmt --check p.ward &&
    contains p.ward "# keep me" &&
    test "$(grep -c "^$" p.ward)" = 1
'

test_expect_success 'fmt keeps every comment' '
    "$WARD" fmt "$P" >out &&
    test "$(grep -c "#" out)" = "$(grep -c "#" "$P")"
'

test_expect_success 'fmt of a broken file prints the error, not a file' '
    printf "policy p version 1\n" >bad.ward &&
    expect_exit 2 "$WARD" fmt bad.ward >out 2>err &&
    test ! -s out &&
    contains err "bad.ward:2:1: error: unexpected end of file"
'

test_expect_success 'parse --dump prints the tree' '
    "$WARD" parse --dump "$P" >out &&
    contains out "(policy gsp_pharmacy 1 \"GSP customer data security\")" &&
    contains out "(rows (= store_id (session store_id)) (for store_manager))"
'

test_expect_success 'make install honours PREFIX and DESTDIR' '
    make -s -C "$ROOT" install BUILD="$BUILD" DESTDIR="$SCRATCH/dest" \
        PREFIX=/opt/ward >/dev/null &&
    test -x "$SCRATCH/dest/opt/ward/bin/ward" &&
    "$SCRATCH/dest/opt/ward/bin/ward" --version
'

test_expect_success 'verify and audit verify take a database file or --dsn, not both, and no bad DSN' '
    expect_exit 2 "$WARD" verify x.db --dsn "host=/nonexistent" 2>err &&
    contains err "a database file or --dsn, not both" &&
    expect_exit 2 "$WARD" audit verify x.db --dsn "host=/nonexistent" 2>err &&
    contains err "a database file or --dsn, not both" &&
    expect_exit 2 "$WARD" verify --dsn "host=/nonexistent password=s3cret" 2>err &&
    contains err "ward verify: cannot connect" &&
    ! grep -q s3cret err
'
