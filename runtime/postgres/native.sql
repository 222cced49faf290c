-- runtime/postgres/native.sql - the C runtime or the SQL runtime: which
-- one this database runs, chosen when the script is applied.
--
-- The files before this one define the SQL runtime whole. Here, unless
-- the DBA asked for the SQL runtime, the script tries to load the C
-- library ward_pg (build/ward_pg.so, installed in the server's library
-- directory: `make install-pg`; docs/dba-postgres.md) and, when it loads,
-- replaces the hot functions with its C functions under the same names,
-- arguments and defaults: every mask, the text a mask reads, the keyed
-- masks' primitives, the session's user, the remembered decisions, and
-- the read audit (runtime/postgres/pg_*.c). The views and everything
-- else call the same names either way, so one compiled script serves
-- both.
--
-- The choice is the setting ward.pg_runtime of the session that applies
-- the script (PGOPTIONS='-c ward.pg_runtime=sql' psql -f ...):
--   auto (or unset)  the C library if it loads, else the SQL runtime;
--   c                the C library, or the script stops;
--   sql              the SQL runtime, even where the library would load.
-- ward.runtime() says which one a database runs.
--
-- The library is looked for by the symbol ward_pg_abi_1: a library of
-- another interface version lacks it, and counts as not there. C
-- functions run with their caller's rights; where one needs the
-- runtime's, it calls the SQL runtime's SECURITY DEFINER functions through
-- fmgr, named by schema and argument types. None takes a name from the
-- search path, so none needs a SET search_path (whose per-call cost they
-- exist to avoid); tests/cli/t0016 holds the rest to theirs.

DO $ward$
DECLARE
    want text := coalesce(nullif(current_setting('ward.pg_runtime', true), ''), 'auto');
    why text;
BEGIN
    IF want NOT IN ('auto', 'c', 'sql') THEN
        RAISE EXCEPTION 'ward: ward.pg_runtime must be auto, c or sql, not %', want;
    END IF;
    IF want <> 'sql' THEN
        BEGIN
            CREATE OR REPLACE FUNCTION ward.abi_()
            RETURNS integer LANGUAGE c IMMUTABLE AS 'ward_pg', 'ward_pg_abi_1';
        EXCEPTION WHEN OTHERS THEN
            why := SQLERRM;
        END;
        IF why IS NOT NULL AND want = 'c' THEN
            RAISE EXCEPTION 'ward: ward.pg_runtime is c, but the C library ward_pg does not load: %', why;
        END IF;
    END IF;
    IF want = 'sql' OR why IS NOT NULL THEN
        DROP FUNCTION IF EXISTS ward.abi_();
        CREATE OR REPLACE FUNCTION ward.runtime()
        RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT 'sql'::pg_catalog.text $f$;
        RETURN;
    END IF;
    CREATE OR REPLACE FUNCTION ward.runtime()
    RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT 'c'::pg_catalog.text $f$;

    -- The masks (pg_masks.c: the function finds its catalog entry by name).
    CREATE OR REPLACE FUNCTION ward.keep(v text, first integer, last integer, ch text DEFAULT '*')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.redact(v text, replacement text DEFAULT '[REDACTED]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.null(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.email(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hash(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.anon_partial(v text, prefix integer, padding text, suffix integer)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.mssql_partial(v text, prefix integer, padding text, suffix integer)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.anon_partial_email(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.mssql_default(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.mssql_default(v bigint)
    RETURNS bigint LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.mssql_default(v double precision)
    RETURNS double precision LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.mssql_default_date(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.mssql_email(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.cn_mobile(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.cn_id_valid(v text)
    RETURNS boolean LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_cn_id_valid';
    CREATE OR REPLACE FUNCTION ward.cn_id(v text, mode text DEFAULT NULL)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.cn_name(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.cn_bank_card(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.cn_landline(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.cn_address(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.bucket(v text, width numeric)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.range(v text, low numeric, high numeric)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.date_trunc(v text, unit text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask(v bigint, args jsonb DEFAULT '[]')
    RETURNS bigint LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_date(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_first_n(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_first_n(v bigint, args jsonb DEFAULT '[]')
    RETURNS bigint LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_first_n_date(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_last_n(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_last_n(v bigint, args jsonb DEFAULT '[]')
    RETURNS bigint LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_last_n_date(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_show_first_n(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_show_first_n(v bigint, args jsonb DEFAULT '[]')
    RETURNS bigint LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_show_first_n_date(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_show_last_n(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_show_last_n(v bigint, args jsonb DEFAULT '[]')
    RETURNS bigint LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_show_last_n_date(v text, args jsonb DEFAULT '[]')
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_hash(v text)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';
    CREATE OR REPLACE FUNCTION ward.hive_mask_hash(v bigint)
    RETURNS text LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_mask';

    -- The text a mask reads, whatever the session's output settings.
    CREATE OR REPLACE FUNCTION ward.text_(v date)
    RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'ward_pg', 'ward_pg_text_date';
    CREATE OR REPLACE FUNCTION ward.text_(v timestamp)
    RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'ward_pg', 'ward_pg_text_timestamp';
    CREATE OR REPLACE FUNCTION ward.text_(v timestamptz)
    RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'ward_pg', 'ward_pg_text_timestamptz';
    CREATE OR REPLACE FUNCTION ward.text_(v double precision)
    RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'ward_pg', 'ward_pg_text_float8';
    CREATE OR REPLACE FUNCTION ward.text_(v real)
    RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'ward_pg', 'ward_pg_text_float4';

    -- The keyed masks' primitives: the key is their argument, and only
    -- ward.hmac and ward.encrypt (SECURITY DEFINER, keys.sql) call them.
    CREATE OR REPLACE FUNCTION ward.hmac_sha256_(k bytea, m bytea)
    RETURNS bytea LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'ward_pg', 'ward_pg_hmac_sha256';
    CREATE OR REPLACE FUNCTION ward.siv_encrypt_(key bytea, ad bytea, p bytea)
    RETURNS bytea LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'ward_pg', 'ward_pg_siv_encrypt';

    -- The session (pg_module.c, pg_session.c).
    CREATE OR REPLACE FUNCTION ward.caller_()
    RETURNS text LANGUAGE c STABLE PARALLEL SAFE AS 'ward_pg', 'ward_pg_caller';
    CREATE OR REPLACE FUNCTION ward.outcome(p text, t text, c text)
    RETURNS integer LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_memo';
    CREATE OR REPLACE FUNCTION ward.scenario()
    RETURNS text LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_memo';
    CREATE OR REPLACE FUNCTION ward.attr(k text)
    RETURNS text LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_memo';
    CREATE OR REPLACE FUNCTION ward.attr_bigint(k text)
    RETURNS bigint LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_memo';
    CREATE OR REPLACE FUNCTION ward.attr_float(k text)
    RETURNS double precision LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_memo';
    CREATE OR REPLACE FUNCTION ward.roles_(p text)
    RETURNS text LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_memo';
    CREATE OR REPLACE FUNCTION ward.read_table_(p text, t text, gk text)
    RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_memo';
    CREATE OR REPLACE FUNCTION ward.read_cols_(p text, t text, cols text)
    RETURNS text LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_memo';
    CREATE OR REPLACE FUNCTION ward.mem_(key text)
    RETURNS text LANGUAGE c STABLE AS 'ward_pg', 'ward_pg_mem';
    CREATE OR REPLACE FUNCTION ward.mem_set_(key text, value text)
    RETURNS void LANGUAGE c AS 'ward_pg', 'ward_pg_mem_set';
    CREATE OR REPLACE FUNCTION ward.memo_flush_()
    RETURNS void LANGUAGE c AS 'ward_pg', 'ward_pg_memo_flush';
    CREATE OR REPLACE FUNCTION ward.changed_()
    RETURNS trigger LANGUAGE c AS 'ward_pg', 'ward_pg_changed';

    -- The read audit (pg_read.c).
    CREATE OR REPLACE FUNCTION ward.outcome_read_(p text, t text, c text, gk text, pos integer)
    RETURNS integer LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_outcome_read';
    CREATE OR REPLACE FUNCTION ward.read_(gk text, tbl oid, rowkey tid, v anyelement)
    RETURNS anyelement LANGUAGE c STABLE PARALLEL RESTRICTED AS 'ward_pg', 'ward_pg_read';
    CREATE OR REPLACE FUNCTION ward.reads_flush_()
    RETURNS void LANGUAGE c AS 'ward_pg', 'ward_pg_reads_flush';
    CREATE OR REPLACE FUNCTION ward.append_only_()
    RETURNS trigger LANGUAGE c AS 'ward_pg', 'ward_pg_append_only';

    -- The bulk-read gate (pg_bulk.c).
    CREATE OR REPLACE FUNCTION ward.bulk_open_(p text, t text)
    RETURNS bigint[] LANGUAGE c AS 'ward_pg', 'ward_pg_bulk_open';
    CREATE OR REPLACE FUNCTION ward.bulk_(p text, t text, n bigint, tok bigint[])
    RETURNS boolean LANGUAGE c AS 'ward_pg', 'ward_pg_bulk';
    CREATE OR REPLACE FUNCTION ward.bulk_reset_()
    RETURNS void LANGUAGE c AS 'ward_pg', 'ward_pg_bulk_reset';
END
$ward$;
