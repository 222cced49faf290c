-- runtime/postgres/keys.sql - the PostgreSQL runtime's key and the keyed
-- masks.
--
-- The key never appears in a script: `ward key load --dsn DSN` derives the
-- HMAC subkey from WARD_KEY_FILE / WARD_KEY exactly as the C core does and
-- stores it in ward.key, which no role but the runtime's owner can read.
-- ward.hmac reads it as a SECURITY DEFINER function that no role may call
-- yet: PostgreSQL checks EXECUTE on a view's functions as the user, and a
-- user who could call it could confirm a guessed value against its
-- pseudonym. The compiler refuses hmac masks for PostgreSQL until views
-- can call it without that (the differential test calls it as owner).

CREATE TABLE IF NOT EXISTS ward.key (
    id  integer PRIMARY KEY CHECK (id = 1),
    mac bytea NOT NULL
);
REVOKE ALL ON ward.key FROM PUBLIC;

-- hmac_sha256_: RFC 2104 over the built-in sha256().
CREATE OR REPLACE FUNCTION ward.hmac_sha256_(k bytea, m bytea)
RETURNS bytea LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
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
-- context || the value's text, as runtime/mask_keyed.c.
CREATE OR REPLACE FUNCTION ward.hmac(v text, context text)
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog AS $$
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
