-- runtime/postgres/owner.sql - who the runtime's SECURITY DEFINER functions
-- run as: ward_owner, not the superuser who applies the script.
--
-- A definer function runs with its owner's privileges. Owned by the
-- superuser, any mistake in one of them (a relation it reads because the
-- caller named it, say) would hand the caller the whole cluster. ward_owner
-- holds only what the runtime needs: its own tables and functions in
-- schema ward, the protected base tables and the policy's views (granted
-- by the policy's script), BYPASSRLS, since it writes rows the row rules
-- have already let the caller write, and pg_read_all_stats. It cannot log
-- in and nobody is granted it.

DO $ward$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ward_owner') THEN
        CREATE ROLE "ward_owner" NOLOGIN BYPASSRLS;
    END IF;
END
$ward$;

GRANT USAGE ON SCHEMA ward TO "ward_owner";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ward TO "ward_owner";
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ward TO "ward_owner";
-- The runtime's helpers that no user may call (the keyed masks' parts).
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ward TO "ward_owner";
-- Its own backend's start time, which tells a locked session from an
-- earlier one with the same pid (ward.backend_start_), is shown to the
-- session's user and to pg_read_all_stats only.
GRANT pg_read_all_stats TO "ward_owner";
-- pgcrypto, for ward.encrypt on the SQL runtime (siv.sql), when the
-- script created it in a schema of its own.
DO $ward$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'ward_crypto') THEN
        GRANT USAGE ON SCHEMA ward_crypto TO "ward_owner";
    END IF;
END
$ward$;
-- Temporary tables: the session's state (ward.state_).
DO $ward$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO "ward_owner"', current_database());
END
$ward$;

DO $ward$
DECLARE
    f regprocedure;
BEGIN
    -- The runtime's own: made by whoever applies the script (or by an
    -- earlier apply). A definer function someone else put in schema ward
    -- keeps its owner, and `ward verify --dsn` names it.
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
             WHERE p.pronamespace = 'ward'::regnamespace AND p.prosecdef
               AND p.proowner IN (SELECT oid FROM pg_catalog.pg_roles
                                  WHERE rolname IN (current_user, 'ward_owner',
                                                    'ward_reader'))
               AND p.oid <> 'ward.view_rows_(text, text, text, text)'::regprocedure LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO "ward_owner"', f);
    END LOOP;
END
$ward$;
-- ward_writers: the policies' writer roles (ward_w_..., made by each
-- policy's script) are its members; it may run ward.dml_, nothing else.
-- A grant to the group survives the reset another policy's apply does.
DO $ward$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ward_writers') THEN
        CREATE ROLE "ward_writers" NOLOGIN;
    END IF;
END
$ward$;
GRANT EXECUTE ON FUNCTION ward.dml_(text, jsonb, jsonb) TO "ward_writers";

-- Reading a policy view for the runtime: as the views' owner, which holds
-- no key, vote or audit row (the role is made by the policy's script, so
-- this runs there: see emit_postgres.c).

