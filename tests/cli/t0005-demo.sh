#!/bin/sh
# The README's main job, `make demo`, end to end: it must run on a fresh
# build and show each thing it promises.
. "$ROOT/tests/cli/lib.sh"

t_demo() {
    (cd "$ROOT" && LD_PRELOAD="${WARD_PRELOAD:-}" sh examples/demo.sh "$BUILD") >out 2>&1 &&
    contains out 'demo_data: 3000 customers in pharmacy.db' &&
    contains out '****' &&
    contains out '[write-denied] role cs_agent may not write customers.id_card' &&
    contains out '[approval-required] export of customers needs approval export_customers' &&
    contains out '[self-approval]' &&
    contains out '[not-approver]' &&
    contains out 'exported_rows' &&
    contains out 'intact: ' &&
    contains out 'as applied' &&
    contains out '[session-locked]'
}
test_expect_success 'make demo runs the whole walk-through' t_demo

t_data() {
    "$BUILD/examples/demo_data" d.db 500 >/dev/null &&
    sq_plain d.db "SELECT count(*), count(DISTINCT id_card) FROM customers" >out &&
    echo '500|500' >want && cmp want out &&
    expect_exit 1 "$BUILD/examples/demo_data" d.db 2>err &&
    contains err 'needs a new database'
}
test_expect_success 'demo_data writes N customers and never touches an existing table' t_data

t_ids() {
    "$BUILD/examples/demo_data" d.db 300 >/dev/null &&
    sq d.db "SELECT count(*) FROM customers
             WHERE ward_cn_id(id_card) = substr(id_card, 1, 3) || '***********' || substr(id_card, 15)" >out &&
    echo 300 >want && cmp want out
}
test_expect_success 'the synthetic resident IDs carry valid check digits' t_ids
