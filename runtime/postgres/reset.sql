-- runtime/postgres/reset.sql - the runtime's privileges as the script
-- grants them, and no others.
--
-- CREATE OR REPLACE keeps a function's grants, and a table's survive too:
-- a grant made by hand since the last apply (EXECUTE on ward.audit_append_
-- to a user, say) would outlive the re-apply that `ward verify` tells the
-- DBA to run. So every grant to a named role on the runtime's functions,
-- tables and sequences is taken back first; the files after this one grant
-- what the runtime needs.

CREATE SCHEMA IF NOT EXISTS ward;

DO $ward$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT p.oid::regprocedure::text AS obj, a.grantee::regrole::text AS who
             FROM pg_proc p, aclexplode(p.proacl) a
             WHERE p.pronamespace = 'ward'::regnamespace
               AND a.grantee <> 0 AND a.grantee <> p.proowner LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %s CASCADE', o.obj, o.who);
    END LOOP;
    FOR o IN SELECT c.oid::regclass::text AS obj, a.grantee::regrole::text AS who,
                    CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
             FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.relnamespace = 'ward'::regnamespace AND c.relkind IN ('r', 'S', 'v')
               AND a.grantee <> 0 AND a.grantee <> c.relowner LOOP
        EXECUTE format('REVOKE ALL ON %s %s FROM %s CASCADE', o.kind, o.obj, o.who);
    END LOOP;
    -- The schema: nobody but its owner creates in it (a definer function
    -- put there would be taken for the runtime's).
    FOR o IN SELECT a.grantee::regrole::text AS who
             FROM pg_namespace n, aclexplode(n.nspacl) a
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
