-- runtime/postgres/masks.sql - the PostgreSQL runtime's masking functions.
--
-- Each function gives exactly what the C core (runtime/mask_*.c) gives for
-- the same input; tests/cli/t0010-postgres-masks.sh holds them to it, value
-- by value, on a real server. Plain PL/pgSQL and SQL, no extension, so the
-- runtime applies on managed PostgreSQL services too. NULL in gives NULL
-- out; text is counted in characters.
--
-- Ported so far: keep, redact, null, email, hash, anon_partial,
-- anon_partial_email, mssql_default (text and numbers), mssql_email,
-- mssql_partial. The other catalog functions follow (docs/masks.md lists
-- them all).

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

-- ---- PostgreSQL Anonymizer and SQL Server partial ----

-- The first PREFIX characters, PADDING, the last SUFFIX; a value of at most
-- PREFIX + SUFFIX characters gives PADDING alone.
CREATE OR REPLACE FUNCTION ward.partial_(fn text, v text, prefix integer,
                                         padding text, suffix integer)
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    IF prefix < 0 OR suffix < 0 THEN
        RAISE EXCEPTION 'ward: ward_%: prefix and suffix must not be negative', fn;
    END IF;
    IF prefix::bigint + suffix >= char_length(v) THEN
        RETURN padding;
    END IF;
    RETURN left(v, prefix) || padding || right(v, suffix);
END $$;

CREATE OR REPLACE FUNCTION ward.anon_partial(v text, prefix integer,
                                             padding text, suffix integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
    SELECT ward.partial_('anon_partial', v, prefix, padding, suffix)
$$;

CREATE OR REPLACE FUNCTION ward.mssql_partial(v text, prefix integer,
                                              padding text, suffix integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
    SELECT ward.partial_('mssql_partial', v, prefix, padding, suffix)
$$;

-- "da******@gm******.com": two characters of the part before the first '@',
-- two of the domain name, everything after the last '.'; a part of at most
-- two characters shows none; no '.' after the last '@' is no address.
CREATE OR REPLACE FUNCTION ward.anon_partial_email(v text)
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
DECLARE
    first_at integer;
    after text;
    dot integer;
    local text;
    domain text;
BEGIN
    IF v IS NULL THEN
        RETURN NULL;
    END IF;
    first_at := strpos(v, '@');
    IF first_at = 0 THEN
        RETURN '******@******';
    END IF;
    after := substr(v, char_length(v) - strpos(reverse(v), '@') + 2);
    IF strpos(after, '.') = 0 THEN
        RETURN '******@******';
    END IF;
    dot := char_length(after) - strpos(reverse(after), '.') + 1;
    local := left(v, first_at - 1);
    domain := left(after, dot - 1);
    RETURN CASE WHEN char_length(local) > 2 THEN left(local, 2) ELSE '' END
        || '******@'
        || CASE WHEN char_length(domain) > 2 THEN left(domain, 2) ELSE '' END
        || '******.' || substr(after, dot + 1);
END $$;

-- ---- SQL Server dynamic data masking ----

-- Text: "xxxx", or one x per character when shorter; numbers: 0.
CREATE OR REPLACE FUNCTION ward.mssql_default(v text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
    SELECT CASE WHEN v IS NULL THEN NULL ELSE repeat('x', least(char_length(v), 4)) END
$$;

CREATE OR REPLACE FUNCTION ward.mssql_default(v bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
    SELECT CASE WHEN v IS NULL THEN NULL ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION ward.mssql_default(v double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
    SELECT CASE WHEN v IS NULL THEN NULL ELSE 0.0 END
$$;

-- The first character and "XXX@XXXX.com"; a one-character value shows none.
CREATE OR REPLACE FUNCTION ward.mssql_email(v text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog AS $$
    SELECT CASE WHEN v IS NULL THEN NULL
                WHEN char_length(v) >= 2 THEN left(v, 1) || 'XXX@XXXX.com'
                ELSE 'XXXX@XXXX.com' END
$$;
