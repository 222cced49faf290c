-- runtime/postgres/siv.sql - AES-256-SIV (RFC 5297) for ward.encrypt
-- (keys.sql) on the SQL runtime, over pgcrypto's AES.
--
-- ward.siv_encrypt_ gives exactly what OpenSSL's "AES-256-SIV" gives the C
-- core (runtime/core/crypto.c) for a 64-byte key, one associated-data item
-- and a non-empty plaintext: the 16-byte synthetic IV followed by the
-- ciphertext. The first half of the key drives S2V (AES-CMAC), the second
-- CTR, as in OpenSSL. pgcrypto gives the block cipher: CMAC is CBC-MAC
-- ('aes-cbc/pad:none' from a zero IV, its last block) with the last
-- message block tweaked, and CTR is 'aes-ecb/pad:none' over the counter
-- blocks. tests/cli/t0010-postgres-masks.sh holds the whole to the C
-- core. Where the C library loads, native.sql replaces ward.siv_encrypt_
-- with the core's, and pgcrypto is not needed.
--
-- pgcrypto is created in schema ward_crypto when the server has it and no
-- database schema holds it yet; ward.aes_ names its functions by the
-- schema they are in. Without pgcrypto, ward.encrypt on the SQL runtime
-- refuses ([no-pgcrypto]); nothing else needs it.
--
-- No role but the owner may call these functions: they take the key as an
-- argument and are reached through ward.encrypt only.

-- The PL/pgSQL AES this file held before.
DROP FUNCTION IF EXISTS ward.siv_cmac_(integer[], integer[], integer[], bytea);
DROP FUNCTION IF EXISTS ward.siv_words_(bytea);
DROP FUNCTION IF EXISTS ward.aes256_(integer[], integer[], boolean);
DROP FUNCTION IF EXISTS ward.aes256_key_(bytea);

DO $ward$
DECLARE
    nsp text := (SELECT n.nspname FROM pg_catalog.pg_extension e
                 JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                 WHERE e.extname = 'pgcrypto');
BEGIN
    IF nsp IS NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions
                               WHERE name = 'pgcrypto') THEN
        CREATE SCHEMA IF NOT EXISTS ward_crypto;
        REVOKE ALL ON SCHEMA ward_crypto FROM PUBLIC;
        CREATE EXTENSION pgcrypto SCHEMA ward_crypto;
        nsp := 'ward_crypto';
    END IF;
    -- aes_(k, d, mode): pgcrypto's raw AES-256 of D under K, MODE 'ecb'
    -- or 'cbc' (from a zero IV), no padding.
    IF nsp IS NULL THEN
        CREATE OR REPLACE FUNCTION ward.aes_(k bytea, d bytea, mode text)
        RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
        SET search_path = pg_catalog, pg_temp AS $f$
        BEGIN
            RAISE EXCEPTION 'ward: [no-pgcrypto] ward_encrypt on the SQL runtime needs pgcrypto, which this server lacks';
        END $f$;
    ELSE
        EXECUTE format($f$
        CREATE OR REPLACE FUNCTION ward.aes_(k bytea, d bytea, mode text)
        RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        SET search_path = pg_catalog, pg_temp AS %L$f$,
            format('SELECT %I.encrypt(d, k, ''aes-'' OPERATOR(pg_catalog.||) mode '
                   'OPERATOR(pg_catalog.||) ''/pad:none'')', nsp));
    END IF;
END
$ward$;
REVOKE ALL ON FUNCTION ward.aes_(bytea, bytea, text) FROM PUBLIC;

-- xor_: A with each byte XORed with B's (B at least as long).
CREATE OR REPLACE FUNCTION ward.xor_(a bytea, b bytea)
RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r bytea := a;
BEGIN
    FOR i IN 0 .. length(a) - 1 LOOP
        r := set_byte(r, i, get_byte(a, i) # get_byte(b, i));
    END LOOP;
    RETURN r;
END $$;
REVOKE ALL ON FUNCTION ward.xor_(bytea, bytea) FROM PUBLIC;

-- siv_dbl_: doubling in GF(2^128), as RFC 5297 and CMAC define it.
CREATE OR REPLACE FUNCTION ward.siv_dbl_(x bytea)
RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r bytea := x;
    c integer := 0;
    b integer;
BEGIN
    FOR i IN REVERSE 15 .. 0 LOOP
        b := get_byte(x, i);
        r := set_byte(r, i, ((b << 1) & 255) | c);
        c := b >> 7;
    END LOOP;
    IF c = 1 THEN
        r := set_byte(r, 15, get_byte(r, 15) # 135);
    END IF;
    RETURN r;
END $$;
REVOKE ALL ON FUNCTION ward.siv_dbl_(bytea) FROM PUBLIC;

-- siv_cmac_: AES-CMAC (RFC 4493) of M under the 32-byte K.
CREATE OR REPLACE FUNCTION ward.siv_cmac_(k bytea, m bytea)
RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    zero bytea := decode(repeat('00', 16), 'hex');
    k1 bytea := ward.siv_dbl_(ward.aes_(k, zero, 'ecb'));
    n integer := length(m);
    full_ integer;
    last bytea;
    c bytea;
BEGIN
    IF n > 0 AND n % 16 = 0 THEN
        full_ := n - 16;
        last := ward.xor_(substr(m, n - 15), k1);
    ELSE
        full_ := n - n % 16;
        last := ward.xor_(substr(m, full_ + 1) || '\x80'::bytea
                          || decode(repeat('00', 15 - n % 16), 'hex'),
                          ward.siv_dbl_(k1));
    END IF;
    c := ward.aes_(k, substr(m, 1, full_) || last, 'cbc');
    RETURN substr(c, length(c) - 15);
END $$;
REVOKE ALL ON FUNCTION ward.siv_cmac_(bytea, bytea) FROM PUBLIC;

-- siv_encrypt_: AES-256-SIV of P (not empty) under the 64-byte KEY with
-- one associated-data item AD: the synthetic IV, then the ciphertext.
CREATE OR REPLACE FUNCTION ward.siv_encrypt_(key bytea, ad bytea, p bytea)
RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k1 bytea := substr(key, 1, 32);
    k2 bytea := substr(key, 33, 32);
    n integer := length(p);
    d bytea;
    t bytea;
    v bytea;
    q bytea;
    lo numeric;
    x numeric;
    ctr bytea := '';
BEGIN
    IF length(key) <> 64 OR n = 0 THEN
        RAISE EXCEPTION 'ward: AES-SIV needs a 64-byte key and a message';
    END IF;
    -- S2V.
    d := ward.siv_cmac_(k1, decode(repeat('00', 16), 'hex'));
    d := ward.xor_(ward.siv_dbl_(d), ward.siv_cmac_(k1, ad));
    IF n >= 16 THEN
        t := substr(p, 1, n - 16) || ward.xor_(substr(p, n - 15), d);
    ELSE
        t := ward.xor_(ward.siv_dbl_(d), p || '\x80'::bytea
                                          || decode(repeat('00', 15 - n), 'hex'));
    END IF;
    v := ward.siv_cmac_(k1, t);
    -- CTR from V with bits 63 and 31 cleared; the low 64 bits count.
    q := set_byte(set_byte(v, 8, get_byte(v, 8) & 127), 12, get_byte(v, 12) & 127);
    lo := ('x' || encode(substr(q, 9, 8), 'hex'))::bit(64)::bigint;
    FOR i IN 0 .. (n - 1) / 16 LOOP
        -- Below 2^64 (bit 63 was clear); to_hex takes it as a signed one.
        x := lo + i;
        IF x >= 9223372036854775808 THEN
            x := x - 18446744073709551616;
        END IF;
        ctr := ctr || substr(q, 1, 8)
                   || decode(lpad(to_hex(x::bigint), 16, '0'), 'hex');
    END LOOP;
    RETURN v || ward.xor_(p, ward.aes_(k2, ctr, 'ecb'));
END $$;
REVOKE ALL ON FUNCTION ward.siv_encrypt_(bytea, bytea, bytea) FROM PUBLIC;
