-- runtime/postgres/masks.sql - the PostgreSQL runtime's masking functions.
--
-- Each function gives exactly what the C core (runtime/mask_*.c) gives for
-- the same input; tests/cli/t0010-postgres-masks.sh holds them to it, value
-- by value, on a real server. Plain PL/pgSQL and SQL, no extension, so the
-- runtime applies on managed PostgreSQL services too. NULL in gives NULL
-- out; text is counted in characters.
--
-- Ported so far: keep, redact, null, email, hash. The other catalog
-- functions follow (docs/masks.md lists them all).

CREATE SCHEMA IF NOT EXISTS ward;

CREATE OR REPLACE FUNCTION ward.keep(v text, first integer, last integer,
                                     ch text DEFAULT '*')
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
DECLARE
    n integer;
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    IF first < 0 OR last < 0 THEN
        RAISE EXCEPTION 'ward: ward_keep: first and last must not be negative';
    END IF;
    IF ch IS NULL OR char_length(ch) <> 1 THEN
        RAISE EXCEPTION 'ward: ward_keep: char must be one character';
    END IF;
    n := char_length(v);
    -- A value of at most first + last characters is replaced whole.
    IF first::bigint + last >= n THEN
        RETURN repeat(ch, n);
    END IF;
    RETURN left(v, first) || repeat(ch, n - first - last) || right(v, last);
END $$;

CREATE OR REPLACE FUNCTION ward.redact(v text, replacement text DEFAULT '[REDACTED]')
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
    SELECT CASE WHEN v IS NULL THEN NULL ELSE replacement END
$$;

CREATE OR REPLACE FUNCTION ward.null(v text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
    SELECT NULL::text
$$;

CREATE OR REPLACE FUNCTION ward.email(v text)
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
DECLARE
    n integer;
    at integer;
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    n := char_length(v);
    -- The split is at the last '@'.
    at := n - strpos(reverse(v), '@') + 1;
    IF strpos(v, '@') = 0 OR at = 1 OR at = n THEN
        RETURN '***';
    END IF;
    -- A one-character local part is not revealed: it would be all of it.
    IF at - 1 > 1 THEN
        RETURN left(v, 1) || '***' || substr(v, at);
    END IF;
    RETURN '***' || substr(v, at);
END $$;

CREATE OR REPLACE FUNCTION ward.hash(v text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
    SELECT encode(sha256(convert_to(v, 'UTF8')), 'hex')
$$;
