-- runtime/postgres/session.sql - the PostgreSQL runtime's session: the
-- scenario, the attributes, the lock, and the decision for the current
-- session.
--
-- The roles of a session are the server's own: a user logs in as (or SETs
-- ROLE to) a login role granted the policy's roles. The scenario and the
-- attributes cannot live in settings (SET ward.x is open to every user), so
-- they live in a temporary table that only these SECURITY DEFINER
-- functions own and write; a table of the same name made by the user is
-- refused. ward.outcome is the decision for one column, computed once per
-- statement by the views (as an initplan), never per row.
--
-- Remembered answers. ward.outcome, ward.scenario, ward.attr,
-- ward.attr_bigint, ward.attr_float and ward.roles_ answer through
-- ward.<name>_fill_, which does the work. On the SQL runtime each is an
-- inlinable SQL function that calls its fill (no cost of its own); where
-- the C library loads, native.sql makes each a C function that remembers
-- the fill's answers for the session, per user, and forgets them when the
-- state they came from may have changed (runtime/postgres/pg_session.c):
-- ward.memo_flush_ (here, after every change to the session's state) and
-- ward.changed_ (a statement trigger on the catalog tables the answers
-- read) tell it so; on the SQL runtime both do nothing.

CREATE SCHEMA IF NOT EXISTS ward;
GRANT USAGE ON SCHEMA ward TO PUBLIC;

-- Each role's own decision per column and scenario ('' for none), from the
-- compiler's decision function: 0 hide, 1 show, 2.. a mask of the column;
-- rank and pos are its combination key (ward.outcome).
CREATE TABLE IF NOT EXISTS ward.cell (
    policy   text NOT NULL,
    tbl      text NOT NULL,
    col      text NOT NULL,
    role     text NOT NULL,
    scenario text NOT NULL,
    outcome  integer NOT NULL,
    rank     integer NOT NULL,
    pos      bigint NOT NULL,
    PRIMARY KEY (policy, tbl, col, role, scenario)
);
CREATE TABLE IF NOT EXISTS ward.scenario_def (
    policy text NOT NULL,
    name   text NOT NULL,
    PRIMARY KEY (policy, name)
);
-- The policy's roles, in the order the policy declares them.
CREATE TABLE IF NOT EXISTS ward.role (
    policy text NOT NULL,
    name   text NOT NULL,
    pos    integer NOT NULL,
    PRIMARY KEY (policy, name)
);
-- Each role and every role it holds, itself included, as the policy's
-- inheritance says (roles_settle_ holds the cluster's grants to it).
CREATE TABLE IF NOT EXISTS ward.role_closure (
    policy text NOT NULL,
    role   text NOT NULL,
    holds  text NOT NULL,
    PRIMARY KEY (policy, role, holds)
);
REVOKE ALL ON ward.cell, ward.scenario_def, ward.role, ward.role_closure
    FROM PUBLIC;
GRANT SELECT ON ward.cell, ward.scenario_def, ward.role, ward.role_closure
    TO PUBLIC;

-- roles_settle_ makes the grants between policy P's roles its inheritance,
-- exactly. Roles belong to the whole cluster and are shared by every
-- policy applied in it, and the runtime asks pg_has_role which of a
-- policy's roles a user holds: a grant made for another policy, left by an
-- older version of this one or made by hand would give a role more than
-- its policy says. It revokes each grant between two of P's roles that no
-- applied policy declares, then refuses (the apply rolls back) when any
-- policy's roles hold one another otherwise than that policy says.
-- Policies applied before ward kept role_closure are not judged.
CREATE OR REPLACE FUNCTION ward.roles_settle_(p text)
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    x record;
BEGIN
    FOR x IN
        SELECT r.rolname AS role, m.rolname AS member
        FROM pg_catalog.pg_auth_members am
        JOIN pg_catalog.pg_roles r ON r.oid = am.roleid
        JOIN pg_catalog.pg_roles m ON m.oid = am.member
        WHERE r.rolname IN (SELECT name FROM ward.role WHERE policy = p)
          AND m.rolname IN (SELECT name FROM ward.role WHERE policy = p)
          AND NOT EXISTS (SELECT 1 FROM ward.role_closure c
                          WHERE c.role = m.rolname AND c.holds = r.rolname)
          AND NOT EXISTS (SELECT 1 FROM ward.role a JOIN ward.role b
                            ON b.policy = a.policy
                          WHERE a.name = m.rolname AND b.name = r.rolname
                            AND NOT EXISTS (SELECT 1 FROM ward.role_closure c
                                            WHERE c.policy = a.policy))
    LOOP
        EXECUTE pg_catalog.format('REVOKE %I FROM %I', x.role, x.member);
    END LOOP;
    FOR x IN
        WITH wr AS (
            SELECT w.policy, w.name, w.pos, r.oid
            FROM ward.role w JOIN pg_catalog.pg_roles r ON r.rolname = w.name
            WHERE EXISTS (SELECT 1 FROM ward.role_closure c
                          WHERE c.policy = w.policy))
        SELECT a.policy, a.name AS role, b.name AS other,
               pg_catalog.pg_has_role(a.oid, b.oid, 'MEMBER') AS held
        FROM wr a JOIN wr b ON b.policy = a.policy AND b.name <> a.name
        WHERE pg_catalog.pg_has_role(a.oid, b.oid, 'MEMBER') <>
              EXISTS (SELECT 1 FROM ward.role_closure c
                      WHERE c.policy = a.policy AND c.role = a.name
                        AND c.holds = b.name)
        ORDER BY a.policy = p DESC, a.policy, a.pos, b.pos
        LIMIT 1
    LOOP
        IF x.held THEN
            RAISE EXCEPTION 'ward: role % holds role % in this cluster, but policy % does not say that % inherits %',
                x.role, x.other, x.policy, x.role, x.other
                USING HINT = 'roles belong to the whole cluster: a grant '
                    'between them (by another policy applied here, or by '
                    'hand) holds for every policy that declares both; '
                    'give the policies'' roles their own names, or revoke '
                    'the grant';
        END IF;
        RAISE EXCEPTION 'ward: role % does not hold role % in this cluster, which policy % says it inherits',
            x.role, x.other, x.policy
            USING HINT = 'a grant the policy made was revoked: re-apply '
                'policy ' || x.policy;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION ward.roles_settle_(text) FROM PUBLIC;

-- The policies applied, and what their scripts made (`ward verify --dsn`).
CREATE TABLE IF NOT EXISTS ward.policy (
    policy  text PRIMARY KEY,
    version bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ward.manifest (
    policy text NOT NULL,
    type   text NOT NULL,
    name   text NOT NULL,
    sha256 text NOT NULL,
    PRIMARY KEY (policy, type, name)
);
REVOKE ALL ON ward.policy, ward.manifest FROM PUBLIC;

-- caller_ is the session's user wherever it is asked: current_user, except
-- that inside the runtime's SECURITY DEFINER functions current_user is their
-- owner. The user is the login role, or the role a session SET ROLE to when
-- that is a user (a role that can log in: a pool's login becoming its
-- end user; the server checked membership). A SET ROLE to a group (the
-- policy's roles cannot log in) changes nothing: a user holding
-- cs_supervisor does not become a second person by SET ROLE cs_supervisor.
CREATE OR REPLACE FUNCTION ward.caller_()
RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT rolname::text FROM pg_catalog.pg_roles
                     WHERE rolname = current_setting('role') AND rolcanlogin),
                    session_user::text);
END $$;
GRANT EXECUTE ON FUNCTION ward.caller_() TO PUBLIC;

-- roles_ lists the policy's roles the caller holds, directly or inherited,
-- in the policy's order: the roles an audit row names.
CREATE OR REPLACE FUNCTION ward.roles_fill_(p text)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    u name := ward.caller_();
BEGIN
    RETURN (SELECT string_agg(name, ',' ORDER BY pos) FROM ward.role
            WHERE policy = p AND pg_has_role(u, name, 'MEMBER'));
END $$;

CREATE OR REPLACE FUNCTION ward.roles_(p text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT ward.roles_fill_(p)
$$;

-- memo_flush_: the session's state changed (see the top).
CREATE OR REPLACE FUNCTION ward.memo_flush_()
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
END $$;

-- changed_: the catalog tables' statement trigger (see the top).
CREATE OR REPLACE FUNCTION ward.changed_()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN NULL;
END $$;

-- state_ gives the session's state table, made on first use; NULL when it
-- does not exist yet and MAKE is false.
CREATE OR REPLACE FUNCTION ward.state_(make boolean)
RETURNS regclass LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t regclass := to_regclass('pg_temp.ward_state');
BEGIN
    IF t IS NULL AND make THEN
        CREATE TEMP TABLE ward_state (k text PRIMARY KEY, v text);
        t := to_regclass('pg_temp.ward_state');
    END IF;
    IF t IS NOT NULL AND (SELECT relowner FROM pg_catalog.pg_class WHERE oid = t)
                         <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        -- current_user here is the runtime's owner (SECURITY DEFINER).
        RAISE EXCEPTION 'ward: [session-locked] a table named ward_state that ward did not make shadows the session';
    END IF;
    RETURN t;
END $$;
REVOKE ALL ON FUNCTION ward.state_(boolean) FROM PUBLIC;

-- A locked session's state, where DISCARD TEMP and DISCARD ALL (which drop
-- temporary tables and reset settings) cannot reach it: by backend, told
-- apart from an earlier backend with the same pid by its start time.
CREATE TABLE IF NOT EXISTS ward.locked_session (
    pid     integer NOT NULL,
    started timestamptz NOT NULL,
    state   jsonb NOT NULL,
    PRIMARY KEY (pid, started)
);
REVOKE ALL ON ward.locked_session FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.backend_start_()
RETURNS timestamptz LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT backend_start FROM pg_stat_get_activity(pg_backend_pid()));
END $$;

-- mem_ / mem_set_: the session's state on a hot standby, which can make
-- no table: the C library keeps it in the backend's memory
-- (runtime/postgres/pg_session.c); the SQL runtime has none there.
CREATE OR REPLACE FUNCTION ward.mem_(key text)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION ward.mem_(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.mem_set_(key text, value text)
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'ward: [read-only] a session on a standby sets its scenario or attributes with the C library only';
END $$;
REVOKE ALL ON FUNCTION ward.mem_set_(text, text) FROM PUBLIC;

-- state_get_ / state_set_: one key of the session's state table as it is,
-- lock or none (the statement identities of approval.sql live there too);
-- on a standby, of its state in memory.
CREATE OR REPLACE FUNCTION ward.state_get_(key text)
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v text;
BEGIN
    IF pg_is_in_recovery() THEN
        RETURN ward.mem_(key);
    END IF;
    IF ward.state_(false) IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT v FROM pg_temp.ward_state WHERE k = $1' INTO v USING key;
    RETURN v;
END $$;
REVOKE ALL ON FUNCTION ward.state_get_(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.state_set_(key text, value text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_is_in_recovery() THEN
        PERFORM ward.mem_set_(key, value);
        RETURN;
    END IF;
    PERFORM ward.state_(true);
    EXECUTE 'INSERT INTO pg_temp.ward_state VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v'
        USING key, value;
END $$;
REVOKE ALL ON FUNCTION ward.state_set_(text, text) FROM PUBLIC;

-- get_: the session's KEY; a locked session's is kept apart (lock()).
CREATE OR REPLACE FUNCTION ward.get_(key text)
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v text;
BEGIN
    SELECT state ->> key INTO v FROM ward.locked_session
    WHERE pid = pg_backend_pid() AND started = ward.backend_start_();
    IF FOUND THEN
        RETURN v;
    END IF;
    RETURN ward.state_get_(key);
END $$;
-- Reading one's own session is open to all (ward.scenario, ward.attr and
-- row security call it as the user); writing goes through the checks.
GRANT EXECUTE ON FUNCTION ward.get_(text) TO PUBLIC;

CREATE OR REPLACE FUNCTION ward.put_(key text, value text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ward.get_('locked') IS NOT NULL THEN
        RAISE EXCEPTION 'ward: [session-locked] the session of this connection is locked; open a new connection for another session';
    END IF;
    PERFORM ward.state_set_(key, value);
    PERFORM ward.memo_flush_();
END $$;
REVOKE ALL ON FUNCTION ward.put_(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.set_scenario(s text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ward.scenario_def WHERE name = s) THEN
        RAISE EXCEPTION 'ward: [unknown-scenario] no scenario ''%'' in the policies of this database', s;
    END IF;
    PERFORM ward.put_('scenario', s);
    RETURN s;
END $$;

-- Attributes the DBA pins to a user: for users who log in themselves
-- (psql, a BI tool) with no application to set and lock their session, a
-- store manager's store_id is the DBA's to give, not the user's to choose.
-- A pinned attribute is what ward.attr reads, and set_attr refuses it.
CREATE TABLE IF NOT EXISTS ward.user_attr (
    usr   text NOT NULL,
    key   text NOT NULL,
    value text,
    PRIMARY KEY (usr, key)
);
REVOKE ALL ON ward.user_attr FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.pinned_(k text, OUT pinned boolean, OUT v text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    SELECT true, value INTO pinned, v FROM ward.user_attr
    WHERE usr = ward.caller_() AND key = k;
    pinned := coalesce(pinned, false);
END $$;
GRANT EXECUTE ON FUNCTION ward.pinned_(text) TO PUBLIC;

CREATE OR REPLACE FUNCTION ward.set_attr(k text, v text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (ward.pinned_(k)).pinned THEN
        RAISE EXCEPTION 'ward: [session-locked] attribute % of % is pinned by the DBA (ward.user_attr)',
            k, ward.caller_();
    END IF;
    PERFORM ward.put_('attr.' || k, v);
    RETURN v;
END $$;

CREATE OR REPLACE FUNCTION ward.lock()
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st jsonb;
BEGIN
    PERFORM ward.put_('locked', 'on');
    -- A standby's state is in memory, which DISCARD does not reach once
    -- locked, and it can write no row.
    IF pg_is_in_recovery() THEN
        RETURN true;
    END IF;
    EXECUTE 'SELECT jsonb_object_agg(k, v) FROM pg_temp.ward_state' INTO st;
    -- Rows of backends that are gone, then this one's.
    DELETE FROM ward.locked_session
    WHERE pid NOT IN (SELECT pid FROM pg_stat_get_activity(NULL) WHERE pid IS NOT NULL)
       OR pid = pg_backend_pid();
    INSERT INTO ward.locked_session VALUES (pg_backend_pid(), ward.backend_start_(), st);
    PERFORM ward.memo_flush_();
    RETURN true;
END $$;

CREATE OR REPLACE FUNCTION ward.scenario_fill_()
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN ward.get_('scenario');
END $$;

CREATE OR REPLACE FUNCTION ward.scenario()
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT ward.scenario_fill_()
$$;

CREATE OR REPLACE FUNCTION ward.attr_fill_(k text)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p record := ward.pinned_(k);
BEGIN
    RETURN CASE WHEN p.pinned THEN p.v ELSE ward.get_('attr.' || k) END;
END $$;

-- attr_bigint: an attribute compared with an integer column; NULL (no row
-- matches) when it is not a whole number.
CREATE OR REPLACE FUNCTION ward.attr(k text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT ward.attr_fill_(k)
$$;

CREATE OR REPLACE FUNCTION ward.attr_bigint_fill_(k text)
RETURNS bigint LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v text := ward.attr(k);
BEGIN
    RETURN CASE WHEN v ~ '^[+-]?[0-9]{1,18}$' THEN v::bigint END;
END $$;

CREATE OR REPLACE FUNCTION ward.attr_bigint(k text)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT ward.attr_bigint_fill_(k)
$$;

CREATE OR REPLACE FUNCTION ward.attr_float_fill_(k text)
RETURNS double precision LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v text := ward.attr(k);
BEGIN
    RETURN CASE WHEN v ~ '^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$'
                THEN v::double precision END;
END $$;

CREATE OR REPLACE FUNCTION ward.attr_float(k text)
RETURNS double precision LANGUAGE sql STABLE AS $$
    SELECT ward.attr_float_fill_(k)
$$;

-- outcome: the session's decision for one column, of the decisions of the
-- policy's roles the caller (ward.caller_) is a member of, directly or
-- through others (inherits is a grant): the one of highest rank, then
-- lowest pos. rank and pos are the compiler's combination key
-- (compiler/decide.h, combine_key), written into ward.cell beside each
-- role's own decision; this ordering is all the SQL knows of the rule. A
-- caller holding none of the roles sees the column hidden (0). Runs in a
-- view and in the runtime's functions.
CREATE OR REPLACE FUNCTION ward.outcome_fill_(p text, t text, c text)
RETURNS integer LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    sc text := coalesce(ward.scenario(), '');
    u name := ward.caller_();
BEGIN
    RETURN coalesce((
        SELECT outcome FROM ward.cell
        WHERE policy = p AND tbl = t AND col = c AND scenario = sc
          AND pg_has_role(u, role, 'MEMBER')
        ORDER BY rank DESC, pos
        LIMIT 1), 0);
END $$;

CREATE OR REPLACE FUNCTION ward.outcome(p text, t text, c text)
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT ward.outcome_fill_(p, t, c)
$$;

-- Every change to what the remembered answers read reaches every session
-- (ward.changed_, above).
DO $ward$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cell', 'role', 'scenario_def', 'user_attr',
                             'locked_session'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS ward_changed ON ward.%I', t);
        EXECUTE format('CREATE TRIGGER ward_changed AFTER INSERT OR UPDATE OR '
                       'DELETE OR TRUNCATE ON ward.%I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION ward.changed_()', t);
    END LOOP;
END
$ward$;
