#!/bin/sh
# A corpus's test key (`key:`): keyed masks use it for the run, so expected
# pseudonyms are stable and no production key is needed; it is never
# printed, and the environment's own key neither helps nor hurts.
. "$ROOT/tests/cli/lib.sh"

KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
# HMAC-SHA256 of "acme" under KEY with the context "customer", as the
# masking core computes it (runtime/core/mask_keyed.c).
PSEUDO=0fb809a498e2d5fb4c6a184f85c599b905922b8020a07f48af3d42bfbfbcc544

# keyed [KEYLINE]: a distributor's policy with a keyed mask, and a corpus
# whose first line is KEYLINE (default: the test key).
keyed() {
    cat >d.ward <<'EOP' &&
policy dist version 1;
role sales;
role ops;
role auditor;
classification pii.name default mask hmac("customer");
table orders {
  id integer key;
  customer text pii.name;
  amount real;
  show customer to ops;
  rows all for sales, ops;
}
corpus "d.yaml";
EOP
    {
        echo "${1-key: $KEY}"
        cat <<EOY
fixtures:
  orders:
    - {id: 1, customer: acme, amount: 300.0}
cases:
  - name: sales sees a stable pseudonym
    session: {roles: [sales], user: s1}
    read: orders
    where: {id: 1}
    expect: {customer: $PSEUDO, amount: 300}
  - name: ops counts the orders without reading the keyed column
    session: {roles: [ops], user: o1}
    read: orders
    expect_rows: 1
EOY
    } >d.yaml
}

t_no_env() {
    keyed &&
    env -u WARD_KEY -u WARD_KEY_FILE "$WARD" check d.ward >out &&
    contains out '2 cases: 2 passed, 0 failed'
}
test_expect_success 'keyed masks check against the corpus key, with no key in the environment' t_no_env

t_env_ignored() {
    keyed &&
    env -u WARD_KEY -u WARD_KEY_FILE "$WARD" check d.ward >want &&
    printf 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n' >prod.key &&
    WARD_KEY_FILE=$PWD/prod.key "$WARD" check d.ward >out &&
    cmp want out &&
    WARD_KEY=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee "$WARD" check d.ward >out &&
    cmp want out
}
test_expect_success "a production key in the environment does not change the corpus's pseudonyms" t_env_ignored

t_compile() {
    keyed &&
    env -u WARD_KEY -u WARD_KEY_FILE "$WARD" compile d.ward -o out.sql 2>err &&
    contains err 'd.yaml: 2 cases passed' &&
    test -s out.sql &&
    ! grep -q "$KEY" out.sql
}
test_expect_success 'compile -o runs a keyed corpus without a production key' t_compile

t_never_printed() {
    keyed &&
    sed -i "s/$PSEUDO/wrong/" d.yaml &&
    for f in text json junit; do
        expect_exit 1 env -u WARD_KEY -u WARD_KEY_FILE "$WARD" check d.ward --format $f >out.$f 2>err.$f || return 1
        ! grep -q "$KEY" out.$f err.$f || return 1
    done &&
    contains out.text "customer: expected the text \"wrong\", got the text \"$PSEUDO\""
}
test_expect_success 'the key is in no report, even of a failing pseudonym' t_never_printed

t_no_key() {
    keyed '# no key' &&
    expect_exit 1 env -u WARD_KEY -u WARD_KEY_FILE "$WARD" check d.ward >out &&
    contains out '[no-key] ward_hmac needs a key' &&
    contains out 'hint: give the corpus a test key (key: and 64 hex digits, at its top)' &&
    contains out 'ok   ops counts the orders without reading the keyed column'
}
test_expect_success 'without a key, a keyed read fails with [no-key] and a hint to add one' t_no_key

t_bad_key() {
    keyed 'key: 0001020304' &&
    expect_exit 2 "$WARD" check d.ward 2>err &&
    contains err 'd.yaml:1:6: error: key must be 64 hex digits (a 32-byte test key), not 10 characters' &&
    contains err 'hint: `openssl rand -hex 32` makes one' &&
    keyed "key: ${KEY%??}zz" &&
    expect_exit 2 "$WARD" check d.ward 2>err &&
    contains err 'not 64 characters with other than hex digits'
}
test_expect_success 'a malformed key is an error at its place, exit 2' t_bad_key

t_exhaustive() {
    keyed &&
    env -u WARD_KEY -u WARD_KEY_FILE "$WARD" check d.ward --exhaustive >out &&
    contains out 'exhaustive: 15 values in 6 sessions (3 of several roles) held to the decision function, 0 mismatches'
}
test_expect_success 'exhaustive holds keyed values to the masking core under the corpus key' t_exhaustive
