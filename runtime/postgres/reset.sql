-- runtime/postgres/reset.sql - the runtime's privileges as the script
-- grants them, and no others.
--
-- CREATE OR REPLACE keeps a function's grants, and a table's survive too:
-- a grant made by hand since the last apply (EXECUTE on ward.audit_append_
-- to a user, say) would outlive the re-apply that `ward verify` tells the
-- DBA to run. So every grant to a named role on the runtime's functions,
-- tables and sequences is taken back first; the files after this one grant
-- what the runtime needs.
--
-- Names, in every file of the runtime and in every function the compiler
-- writes (emit_postgres.c). Each function pins
--     SET search_path = pg_catalog, pg_temp
-- with pg_temp named, and last. Left out of the path, the session's
-- temporary schema is searched FIRST for relation and type names, and any
-- user may make temporary objects: a temporary view named pg_roles, read by
-- a SECURITY DEFINER function, ran the user's own function as ward_owner.
-- With the path pinned so:
--   - relations and types: pg_catalog's wherever pg_catalog has the name;
--     every other one is written with its schema (ward.audit,
--     pg_temp.ward_state, "policy".ward_dml_), and the catalog's relations
--     are written pg_catalog.pg_roles all the same;
--   - functions and operators: PostgreSQL (15 included) never looks for
--     them in pg_temp, even where the path names it first, so an
--     unqualified call or operator reaches pg_catalog's only (the caller's
--     own search_path never applies inside a function that sets its own);
--     the runtime's own are called as ward.x;
--   - dynamic SQL names relations by %I.%I or by a regclass, which prints
--     schema-qualified under this path.
-- No function is left unpinned for speed (a SQL function with a SET is
-- never inlined and is planned on every call: docs/performance.md).
-- tests/cli/t0016-postgres-shadowing.sh shadows every name the functions'
-- bodies use, as a user, and runs every entry point.

CREATE SCHEMA IF NOT EXISTS ward;

DO $ward$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT p.oid::regprocedure::text AS obj, a.grantee::regrole::text AS who
             FROM pg_catalog.pg_proc p, aclexplode(p.proacl) a
             WHERE p.pronamespace = 'ward'::regnamespace
               AND a.grantee <> 0 AND a.grantee <> p.proowner LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s CASCADE', o.obj, o.who);
    END LOOP;
    FOR o IN SELECT c.oid::regclass::text AS obj, a.grantee::regrole::text AS who,
                    CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
             FROM pg_catalog.pg_class c, aclexplode(c.relacl) a
             WHERE c.relnamespace = 'ward'::regnamespace AND c.relkind IN ('r', 'S', 'v')
               AND a.grantee <> 0 AND a.grantee <> c.relowner LOOP
        EXECUTE format('REVOKE ALL ON %s %s FROM %s CASCADE', o.kind, o.obj, o.who);
    END LOOP;
    -- The schema: nobody but its owner creates in it (a definer function
    -- put there would be taken for the runtime's).
    FOR o IN SELECT a.grantee::regrole::text AS who
             FROM pg_catalog.pg_namespace n, aclexplode(n.nspacl) a
             WHERE n.nspname = 'ward' AND a.grantee <> 0 AND a.grantee <> n.nspowner LOOP
        EXECUTE format('REVOKE ALL ON SCHEMA ward FROM %s CASCADE', o.who);
    END LOOP;
END
$ward$;
REVOKE ALL ON SCHEMA ward FROM PUBLIC;
GRANT USAGE ON SCHEMA ward TO PUBLIC;
-- No table or sequence of the runtime is anyone's by default; the files
-- after this one grant the few that are.
REVOKE ALL ON ALL TABLES IN SCHEMA ward FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ward FROM PUBLIC;
