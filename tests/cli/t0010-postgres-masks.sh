#!/bin/sh
# The PostgreSQL runtime's masks against the C core, on a real server: the
# same inputs through ward_<fn> in SQLite (the C core) and ward.<fn> in a
# throwaway PostgreSQL cluster must give the same outputs, NULL included,
# on both runtimes: database ward_c runs the C library (build/ward_pg.so),
# database ward_sql the SQL runtime (the same script, applied with
# ward.pg_runtime = sql).
. "$ROOT/tests/cli/lib.sh"

. "$ROOT/tests/cli/lib_pg.sh"
DBS="ward_c ward_sql"
# pgq ARGS...: psql as the superuser in database $DB with its own options
# (-c, -f, stdin).
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$PGDIR" -U postgres -d "${DB:-postgres}" "$@"; }

# Inputs: ASCII, Chinese, emoji, short and empty values, e-mail shapes.
INPUTS="13812345678 张三丰 王 a ab abc abcdefgh 11010519491231002X a😀bc
alice@example.com a@x.org @x.org x@ a@b@c.com 张三@例子.中国 no-at
6222020200001234 ___ 0 daniel@gmail.com ab@cd.ef a.b@c x@y.z.w Roberto
first@sub.example.co.uk 欧阳娜娜@邮件.公司.中国 欧阳 欧阳娜 司马懿 歐陽修 张
+86-138-1234-5678 +8613812345678 008613812345678 8613812345678 138-1234-5678
12812345678 1381234567 138123456789 +86+138 13812345678x 11010519491231002x
110105194912310021 11010519491302300X 181010180002290019 6222-0202-0000-1234
62220202000012 622202020000123456789 6222020200001234567890 6222_0202
010-12345678 (010)12345678 021-1234567 0755-88886666 0755-8888666-123
+86-10-12345678 0086-21-87654321 +86(755)88886666 10-12345678 0101234567
0755-1888666 02012345678 020-12345678-9999 0512-6789-1234 +44-20-1234567
0571-8888-6666 广东省深圳市南山区科技园路1号 北京市海淀区中关村大街27号
上海市浦东新区世纪大道100号 内蒙古自治区呼和浩特市新城区 香港特别行政区中西区
浙江省杭州市西湖区文三路90号 四川省阿坝藏族羌族自治州马尔康市 新疆维吾尔自治区喀什地区喀什市
湖北省仙桃市干河街道 河北省 江苏省苏州市 重庆市 某某路3号 广东省东莞市长安镇 黑龙江省大兴安岭地区漠河市
内蒙古自治区锡林郭勒盟锡林浩特市 吉林省延边朝鲜族自治州延吉市 广西壮族自治区南宁市青秀区１号
37 -37 39 40 +5 -0 007 9223372036854775807 -9223372036854775808 9223372036854775808
3.7 -3.7 1e3 2.5e-7 1e20 .5 5. 1e999 +-5 5- 0x10 12,5 64.99 65 17.999 1234567890123456.7
2024-05-17 2024-02-29 2023-02-29 2024-13-01 2024-05-17T13:45:10 2024-05-17 13:45:10
2024-05-17T13:45:10.123Z 2024-05-17T13:45+08:00 2024-05-17T13:45:10+0800 2024-05-17T24:00
2024-05-17T13:45:10.Z 17/05/2024 20240517 0000-02-29 2024-05-17T13:45:10-05"

inputs_sql() {
    echo "CREATE TABLE inputs (i integer PRIMARY KEY, v text);"
    i=0
    for v in $INPUTS; do
        i=$((i + 1))
        echo "INSERT INTO inputs VALUES ($i, '$v');"
    done
    echo "INSERT INTO inputs VALUES (1000, ''), (1001, NULL);"
}

# calls FORM: the sample calls of the catalog (runtime/core/mask_catalog.def)
# whose arguments PostgreSQL takes in that form: plain, json (one jsonb
# array) or keyed; one "NAME ARGS" a line, ARGS an SQL argument list that
# may be empty. samples NAME: the argument lists of NAME's calls.
# names [FORM]: the names of the functions (of that form) as a PostgreSQL
# array literal, each quoted ("null" unquoted would be NULL).
calls() { "$BUILD/tests/unit/test_mask" --calls | awk -v f="$1" '$1 == f { print $2, $3 }'; }
samples() { "$BUILD/tests/unit/test_mask" --calls | awk -v n="$1" '$2 == n { print $3 }'; }
names() {
    "$BUILD/tests/unit/test_mask" --calls | awk -v f="${1:-}" 'f == "" || $1 == f { print "\"" $2 "\"" }' |
        uniq | paste -sd, | sed 's/.*/{&}/'
}

t_calls() {
    calls plain >plain && calls json >json && calls keyed >keyed &&
    grep -q '^keep 3,4$' plain && grep -q '^hive_mask $' json && grep -q "^hmac 'phone'$" keyed &&
    names | tr , '\n' | wc -l >out && grep -c '^MASK(' "$ROOT/runtime/core/mask_catalog.def" >want &&
    cmp want out &&
    names keyed >out && echo '{"hmac","encrypt"}' >want && cmp want out
}
test_expect_success 'the catalog lists its sample calls, every function in one form' t_calls

t_load() {
    printf 'policy m version 1;\nrole mr;\ntable mt { id integer key; v text; }\n' >m.ward &&
    "$WARD" compile m.ward --target postgres -o "$SCRATCH_BASE/m.sql" &&
    for DB in $DBS; do
        pg "CREATE DATABASE $DB" &&
        pgq -c "CREATE TABLE mt (id integer PRIMARY KEY, v text)" &&
        PGOPTIONS="-c ward.pg_runtime=${DB#ward_}" pgq -f "$SCRATCH_BASE/m.sql" &&
        pgq -c "SELECT ward.runtime()" >out && echo "${DB#ward_}" >want && cmp want out &&
        inputs_sql | pgq || return 1
    done &&
    DB=ward_c pgq -c "SELECT l.lanname, count(*) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'ward'::regnamespace AND p.proname IN ('keep', 'cn_address', 'hive_mask',
        'bucket', 'siv_encrypt_', 'hmac_sha256_', 'outcome', 'read_') GROUP BY 1" >out &&
    echo 'c|9' >want && cmp want out &&
    # Every function of the catalog is in both databases, and in ward_c
    # every declaration of it (overloads and _date ones too) is the C
    # library's: native.sql declares them again, in C, by hand. (The keyed
    # ones stay SQL, definer functions around the C primitives.)
    names=$(names) && keyed=$(names keyed) &&
    for DB in $DBS; do
        pgq -c "SELECT n FROM unnest('$names'::text[]) n WHERE NOT EXISTS
            (SELECT FROM pg_proc p WHERE p.pronamespace = 'ward'::regnamespace AND p.proname = n)" >out &&
        test ! -s out || { echo "not in $DB:"; cat out; return 1; }
    done &&
    DB=ward_c pgq -c "SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'ward'::regnamespace AND l.lanname <> 'c'
          AND (p.proname = ANY('$names') OR p.proname = ANY(SELECT n || '_date' FROM unnest('$names'::text[]) n))
          AND p.proname <> ALL('$keyed')" >out &&
    test ! -s out || { echo "not in C in ward_c:"; cat out; return 1; }
}
test_expect_success 'the runtime applies in two databases, one on the C library, one on SQL' t_load

t_diff() {
    inputs_sql | sq_plain c.db &&
    calls plain >plain && test -s plain &&
    while read -r fn args <&3; do
        call="$fn(v${args:+,$args})"
        sq c.db "SELECT i || ':' || coalesce(ward_$call, '<NULL>') FROM inputs ORDER BY i" >c.out &&
        test -s c.out || return 1
        for DB in $DBS; do
            pgq -c "SELECT i || ':' || coalesce(ward.$call, '<NULL>') FROM inputs ORDER BY i" >p.out || return 1
            if ! cmp -s c.out p.out; then
                echo "$call differs in $DB (C core, then PostgreSQL):"
                diff c.out p.out
                return 1
            fi
        done
    done 3<plain
}
test_expect_success 'every function with plain arguments: identical to the C core on every input' t_diff

t_args() {
    for DB in $DBS; do t_args_in || return 1; done
}
t_args_in() {
    ! pgq -c "SELECT ward.keep('abc', -1, 0)" 2>err &&
    contains err 'first and last must not be negative' &&
    ! pgq -c "SELECT ward.keep('abc', 1, 0, 'ab')" 2>err &&
    contains err 'char must be one character' &&
    ! pgq -c "SELECT ward.cn_id('11010519491231002X', 'year')" 2>err &&
    contains err 'argument 1 must be one of tail|birth|all' &&
    ! pgq -c "SELECT ward.anon_partial('abc', -1, 'x', 0)" 2>err &&
    contains err 'prefix and suffix must not be negative' &&
    pgq -c "SELECT ward.mssql_default(42::bigint), ward.mssql_default(4.2::float8)" >out &&
    echo '0|0' >want && cmp want out
}
test_expect_success 'bad arguments are refused as in the C core' t_args

# ward.text_, the text a mask reads, under output settings a session may
# choose: the C library writes what the SQL runtime's pinned settings do.
t_text() {
    q="SELECT ward.text_(d), ward.text_(ts), ward.text_(tz), ward.text_(f8), ward.text_(f4)
       FROM (VALUES ('1990-03-07'::date, '2024-05-17 23:30:00.25'::timestamp,
                     '2024-05-17 23:30:00+00'::timestamptz, 39.99::float8, 39.99::real),
                    ('0044-03-15 BC', '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00.5-08',
                     0.1, 1e-7), ('infinity', '-infinity', 'infinity', 'NaN', '-Infinity'),
                    ('2024-02-29', '2024-02-29 00:00', '1970-01-01 00:00+14', 1e300, 3.4e38),
                    (NULL, NULL, NULL, NULL, NULL)) v(d, ts, tz, f8, f4)" &&
    DB=ward_sql pgq -c "$q" >want &&
    grep -q '^1990-03-07|2024-05-17 23:30:00.25|2024-05-17 23:30:00+00|39.99|39.99$' want &&
    for set in "DateStyle = 'German'" "DateStyle = 'SQL, MDY'" "TimeZone = 'Pacific/Kiritimati'" \
               "extra_float_digits = -14" "IntervalStyle = 'sql_standard'"; do
        for DB in $DBS; do
            pgq -c "SET $set" -c "$q" >out &&
            if ! cmp -s want out; then
                echo "ward.text_ in $DB under $set:"
                diff want out
                return 1
            fi
        done
    done
}
test_expect_success 'ward.text_: the same text on both runtimes, whatever the session set' t_text

# The Hive family: SQLite's positional arguments, PostgreSQL's JSON array
# of the same (NULL as null, strings in double quotes).
t_hive() {
    inputs_sql | sq_plain h.db &&
    sq_plain h.db "CREATE TABLE nums (i integer PRIMARY KEY, v integer);
        INSERT INTO nums VALUES (1, 0), (2, 7), (3, 1234), (4, -1234), (5, 9223372036854775807),
        (6, -9223372036854775808), (7, 1000), (8, 55), (9, NULL);
        CREATE TABLE dates (i integer PRIMARY KEY, v text);
        INSERT INTO dates VALUES (1, '2024-05-17'), (2, '2024-02-29'), (3, '2024-05-31'),
        (4, '2024-05-17T10:00:00'), (5, 'nonsense'), (6, NULL);" &&
    for DB in $DBS; do
        pgq -c "CREATE TABLE nums (i integer PRIMARY KEY, v bigint);
            INSERT INTO nums VALUES (1, 0), (2, 7), (3, 1234), (4, -1234), (5, 9223372036854775807),
            (6, -9223372036854775808), (7, 1000), (8, 55), (9, NULL);
            CREATE TABLE dates (i integer PRIMARY KEY, v text);
            INSERT INTO dates VALUES (1, '2024-05-17'), (2, '2024-02-29'), (3, '2024-05-31'),
            (4, '2024-05-17T10:00:00'), (5, 'nonsense'), (6, NULL);" || return 1
    done &&
    calls json >json && test -s json &&
    while read -r fn args <&3; do
        lite=${args:+,$args}
        json="[$(echo "$args" | sed -e "s/'/\"/g" -e 's/NULL/null/g')]"
        for t in inputs nums dates; do
            v=v; pgfn="ward.$fn"
            [ "$t" = dates ] && v='ward_date(v)' && pgfn="ward.${fn}_date"
            sq h.db "SELECT i || ':' || coalesce(ward_$fn($v$lite), '<NULL>') FROM $t ORDER BY i" >c.out &&
            test -s c.out || return 1
            for DB in $DBS; do
                pgq -c "SELECT i || ':' || coalesce($pgfn(v, '$json')::text, '<NULL>') FROM $t ORDER BY i" >p.out ||
                    return 1
                if ! cmp -s c.out p.out; then
                    echo "$fn($lite) on $t differs in $DB (C core, then PostgreSQL):"
                    diff c.out p.out
                    return 1
                fi
            done
        done
    done 3<json
}
test_expect_success 'the Hive family on text, integers and dates: identical to the C core' t_hive

t_mssql_date() {
    inputs_sql | sq_plain md.db &&
    sq md.db "SELECT i || ':' || coalesce(ward_mssql_default(ward_date(v)), '<NULL>') FROM inputs ORDER BY i" >c.out &&
    grep -q ':1900-01-01T00:00:00$' c.out && grep -q ':1900-01-01$' c.out &&
    for DB in $DBS; do
        pgq -c "SELECT i || ':' || coalesce(ward.mssql_default_date(v), '<NULL>') FROM inputs ORDER BY i" >p.out &&
        cmp c.out p.out || return 1
    done
}
test_expect_success 'mssql_default on dates: identical to the C core' t_mssql_date

t_hmac() {
    export WARD_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
    inputs_sql | sq_plain k.db &&
    for DB in $DBS; do
        "$WARD" key load --dsn "host=$PGDIR user=postgres dbname=$DB" 2>err &&
        contains err 'the masking key is in ward.key' &&
        ! grep -q 00112233 err &&
        for ctx in $(samples hmac); do
            sq k.db "SELECT i || ':' || coalesce(ward_hmac(v, $ctx), '<NULL>') FROM inputs ORDER BY i" >c.out &&
            pgq -c "SELECT i || ':' || coalesce(ward.hmac(v, $ctx), '<NULL>') FROM inputs ORDER BY i" >p.out &&
            cmp c.out p.out || return 1
        done &&
        pgq -c "SELECT count(*) FROM ward.key" >out && echo 1 >want && cmp want out || return 1
    done &&
    DB=ward_c &&
    # With every statement logged, the derived keys still stay out of the
    # server log.
    pgq -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null &&
    sleep 0.3 &&
    "$WARD" key load --dsn "host=$PGDIR user=postgres dbname=$DB" 2>err &&
    pgq -c "SELECT 'logged-marker'" >/dev/null &&
    pgq -c "SELECT ward.hmac('13812345678', 'phone'), ward.encrypt('13812345678', 'phone')" >/dev/null &&
    pgq -c "SELECT encode(mac, 'hex') || ' ' || encode(siv, 'hex') FROM ward.key" >keys &&
    pgq -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null &&
    grep -q logged-marker "$PGDIR/server.log" &&
    for k in $(cat keys); do
        ! grep -q "$(echo "$k" | cut -c1-32)" "$PGDIR/server.log" || { echo "key in the server log"; return 1; }
    done &&
    unset WARD_KEY &&
    expect_exit 2 "$WARD" key load --dsn "$DSN" 2>err &&
    contains err 'WARD_KEY'
}
test_expect_success 'hmac: the same pseudonyms as the C core on both runtimes, the key loaded by ward key load' t_hmac

# Values for encrypt: random printable ASCII (quotes and backslashes too)
# of 0 to 70 bytes and of 150 to 450, then lengths around the 16-byte
# blocks (the plaintext is one byte longer than the value), multi-byte
# UTF-8 and long multi-byte values, the empty string and NULL.
enc_sql() {
    echo "CREATE TABLE enc (i integer PRIMARY KEY, v text);"
    awk 'BEGIN {
        srand(5297)
        split("0 1 14 15 16 17 31 32 33 47 48 49 63 64 65", exact, " ")
        for (i = 1; i <= 300; i++) {
            if (i <= 240) n = int(rand() * 71)
            else if (i <= 270) n = 150 + int(rand() * 300)
            else n = exact[(i - 271) % 15 + 1]
            s = ""
            for (j = 0; j < n; j++) {
                c = sprintf("%c", 32 + int(rand() * 95))
                s = s (c == "\047" ? "\047\047" : c)
            }
            printf "INSERT INTO enc VALUES (%d, \047%s\047);\n", i, s
        }
    }'
    i=1000
    for v in 张三丰 欧阳娜娜 王 a😀bc 😀 😀😀😀😀 张张张张张 张张张张张张 \
        北京市海淀区中关村大街27号 "$(printf '%0250d' 7)" \
        "$(printf 'é%.0s' $(seq 120))" "$(printf '张%.0s' $(seq 90))"; do
        i=$((i + 1))
        echo "INSERT INTO enc VALUES ($i, '$v');"
    done
    echo "INSERT INTO enc VALUES (2000, ''), (2001, NULL);"
}

t_encrypt() {
    export WARD_KEY=8f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100
    enc_sql | sq_plain e.db &&
    for DB in $DBS; do
        "$WARD" key load --dsn "host=$PGDIR user=postgres dbname=$DB" 2>err &&
        ! grep -q 8f0e1d2c err &&
        enc_sql | pgq &&
        pgq -c "SELECT count(*) FROM enc" >out && echo 314 >want && cmp want out || return 1
    done &&
    for ctx in $(samples encrypt); do
        sq e.db "SELECT i || ':' || coalesce(ward_encrypt(v, $ctx), '<NULL>') FROM enc ORDER BY i" >c.out &&
        test "$(grep -c ':ward1:' c.out)" -eq 313 || return 1
        for DB in $DBS; do
            pgq -c "SELECT i || ':' || coalesce(ward.encrypt(v, $ctx), '<NULL>') FROM enc ORDER BY i" >p.out ||
                return 1
            if ! cmp -s c.out p.out; then
                echo "encrypt(v, $ctx) differs in $DB (C core, then PostgreSQL):"
                diff c.out p.out
                return 1
            fi
        done
    done &&
    for DB in $DBS; do
        pgq -c "SELECT ward.encrypt(NULL, 'phone') IS NULL, ward.encrypt(NULL, NULL) IS NULL" >out &&
        echo 't|t' >want && cmp want out &&
        ! pgq -c "SELECT ward.encrypt('a', NULL)" 2>err &&
        contains err 'the context must be text' || return 1
    done &&
    # The SQL runtime's AES-SIV is pgcrypto's AES, in a schema of its own.
    DB=ward_sql pgq -c "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                        WHERE e.extname = 'pgcrypto'" >out &&
    echo ward_crypto >want && cmp want out
}
test_expect_success 'encrypt: the same tokens as the C core on both runtimes, byte for byte' t_encrypt

t_encrypt_refused() {
    export WARD_KEY=8f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100
    printf 'policy e version 1;\nrole er;\ntable et { id integer key; phone text;\n  mask phone with keep(3, 4) to er; }\n' >e.ward &&
    "$WARD" compile e.ward --target postgres -o e.sql &&
    # A key table from before encrypt: the script adds the column, empty.
    pgq -c "CREATE SCHEMA ward" -c "CREATE TABLE ward.key (id integer PRIMARY KEY CHECK (id = 1), mac bytea NOT NULL)" \
        -c "CREATE TABLE et (id integer PRIMARY KEY, phone text)" &&
    pgq -f e.sql &&
    ! pgq -c "SELECT ward.encrypt('a', 'phone')" 2>err &&
    contains err '[no-key] ward_encrypt needs a key' &&
    "$WARD" key load --dsn "$DSN" 2>err &&
    sq :memory: "SELECT ward_encrypt('13812345678', 'phone')" >c.out &&
    pgq -c "SELECT ward.encrypt('13812345678', 'phone')" >p.out && cmp c.out p.out &&
    pgq -c "CREATE ROLE e01 LOGIN IN ROLE er" &&
    pg_as e01 "SELECT ward.keep('13812345678', 3, 4)" >out &&
    echo '138****5678' >want && cmp want out &&
    ! pg_as e01 "SELECT ward.encrypt('13812345678', 'phone')" 2>err &&
    contains err 'permission denied for function encrypt' &&
    ! pg_as e01 "SELECT siv FROM ward.key" 2>err &&
    contains err 'permission denied for table key' &&
    for f in "siv_encrypt_('\\x00', '\\x00', '\\x00')" "siv_cmac_('\\x00', '\\x00')" \
        "siv_dbl_('\\x00')" "xor_('\\x00', '\\x00')" "aes_('\\x00', '\\x00', 'ecb')" \
        "hmac_sha256_('\\x00', '\\x00')"; do
        ! pg_as e01 "SELECT ward.$f" 2>err &&
        contains err "permission denied for function ${f%%(*}" || return 1
    done
}
test_expect_success 'encrypt: a policy role can neither call it nor read its key' t_encrypt_refused
