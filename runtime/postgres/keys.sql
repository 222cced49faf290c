-- runtime/postgres/keys.sql - the PostgreSQL runtime's key and the keyed
-- masks.
--
-- The key never appears in a script: `ward key load --dsn DSN` derives the
-- HMAC subkey and the AES-SIV key pair from WARD_KEY_FILE / WARD_KEY
-- exactly as the C core does and stores them in ward.key, which no role
-- but the runtime's owner can read. ward.hmac and ward.encrypt read it as
-- SECURITY DEFINER functions that no role may call yet: PostgreSQL checks
-- EXECUTE on a view's functions as the user, and a user who could call
-- them could confirm a guessed value against its pseudonym or token. The
-- compiler refuses keyed masks for PostgreSQL until views can call them
-- without that (the differential tests call them as owner).

CREATE TABLE IF NOT EXISTS ward.key (
    id  integer PRIMARY KEY CHECK (id = 1),
    mac bytea NOT NULL
);
-- siv: the 64-byte AES-256-SIV key for ward.encrypt; added apart so that
-- a database set up before encrypt gains it (NULL until the next load).
ALTER TABLE ward.key ADD COLUMN IF NOT EXISTS siv bytea;
REVOKE ALL ON ward.key FROM PUBLIC;

-- hmac_sha256_: RFC 2104 over the built-in sha256().
CREATE OR REPLACE FUNCTION ward.hmac_sha256_(k bytea, m bytea)
RETURNS bytea LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kp bytea;
    ipad bytea;
    opad bytea;
BEGIN
    kp := CASE WHEN length(k) > 64 THEN sha256(k) ELSE k END;
    kp := kp || decode(repeat('00', 64 - length(kp)), 'hex');
    ipad := kp;
    opad := kp;
    FOR i IN 0 .. 63 LOOP
        ipad := set_byte(ipad, i, get_byte(kp, i) # 54);
        opad := set_byte(opad, i, get_byte(kp, i) # 92);
    END LOOP;
    RETURN sha256(opad || sha256(ipad || m));
END $$;
REVOKE ALL ON FUNCTION ward.hmac_sha256_(bytea, bytea) FROM PUBLIC;

-- hmac(context): hex HMAC-SHA256 under the key of be64(len(context)) ||
-- context || the value's text, as runtime/core/mask_keyed.c.
CREATE OR REPLACE FUNCTION ward.hmac(v text, context text)
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k bytea;
    c bytea := convert_to(context, 'UTF8');
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT mac INTO k FROM ward.key WHERE id = 1;
    IF k IS NULL THEN
        RAISE EXCEPTION 'ward: [no-key] ward_hmac needs a key: run ward key load --dsn';
    END IF;
    RETURN encode(ward.hmac_sha256_(k, int8send(length(c)::bigint) || c
                                        || convert_to(v, 'UTF8')), 'hex');
END $$;
REVOKE ALL ON FUNCTION ward.hmac(text, text) FROM PUBLIC;

-- encrypt(context): "ward1:" || base64url, unpadded, of AES-256-SIV (siv.sql)
-- under the key with the context as associated data, of the byte 0x01 ||
-- the value's text, as runtime/core/mask_keyed.c. encode() breaks lines and
-- pads; translate() maps to the URL alphabet and drops both.
CREATE OR REPLACE FUNCTION ward.encrypt(v text, context text)
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k bytea;
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    IF context IS NULL THEN
        RAISE EXCEPTION 'ward: ward_encrypt: the context must be text';
    END IF;
    SELECT siv INTO k FROM ward.key WHERE id = 1;
    IF k IS NULL THEN
        RAISE EXCEPTION 'ward: [no-key] ward_encrypt needs a key: run ward key load --dsn';
    END IF;
    RETURN 'ward1:' || translate(encode(ward.siv_encrypt_(k,
               convert_to(context, 'UTF8'),
               decode('01', 'hex') || convert_to(v, 'UTF8')), 'base64'),
           E'+/=\n', '-_');
END $$;
REVOKE ALL ON FUNCTION ward.encrypt(text, text) FROM PUBLIC;
