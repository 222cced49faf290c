-- runtime/postgres/audit.sql - the PostgreSQL runtime's audit log,
-- ward.audit: chained exactly as the SQLite runtime chains ward_audit
-- (runtime/core/audit_chain.h), so `ward audit verify --dsn` walks it with the
-- same code.
--
-- Rows are appended only by ward.audit_append_, which takes the chain's
-- head (ward.audit_head) under a row lock: concurrent appenders queue
-- there, and each row's prev is the hash of the row numbered one below.
-- Updates, deletes and truncation of either table are refused by triggers;
-- the script never drops them.
--
-- Audited writes are recorded by row triggers on the base tables. Audited
-- reads are counted by the views (ward.read_, one call per row of an
-- audited column the statement uses) and recorded once per statement and
-- table, with the columns read and the number of rows, when the
-- transaction commits. With the C library (pg_read.c) the records are
-- kept in the backend's memory and appended just before the commit, or
-- sent to the audit sink where the transaction cannot write; a
-- transaction that aborts logs them to the server log. On the SQL runtime
-- (below) each record is a row of ward.read_pending, appended by a
-- deferred trigger, or as soon as the same session's next statement reads
-- that table, and a transaction that rolls back takes it with it.

CREATE TABLE IF NOT EXISTS ward.audit (
    seq      bigint PRIMARY KEY,
    at       text NOT NULL,
    "user"   text,
    roles    text,
    scenario text,
    op       text NOT NULL,
    tbl      text,
    key      text,
    columns  text,
    nrows    bigint,
    detail   text,
    prev     text NOT NULL,
    hash     text NOT NULL
);
CREATE TABLE IF NOT EXISTS ward.audit_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO ward.audit_head VALUES
    (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')
ON CONFLICT (id) DO NOTHING;
REVOKE ALL ON ward.audit, ward.audit_head FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.append_only_()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- The head moves one row forward at a time, and only forward.
    IF TG_TABLE_NAME = 'audit_head' AND TG_OP = 'UPDATE' THEN
        IF NEW.seq = OLD.seq + 1 AND NEW.id = OLD.id THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'ward: [append-only] the audit log cannot be changed or deleted';
END $$;
DROP TRIGGER IF EXISTS ward_append_only ON ward.audit;
CREATE TRIGGER ward_append_only BEFORE UPDATE OR DELETE ON ward.audit
    FOR EACH ROW EXECUTE FUNCTION ward.append_only_();
DROP TRIGGER IF EXISTS ward_append_only_truncate ON ward.audit;
CREATE TRIGGER ward_append_only_truncate BEFORE TRUNCATE ON ward.audit
    FOR EACH STATEMENT EXECUTE FUNCTION ward.append_only_();
DROP TRIGGER IF EXISTS ward_append_only ON ward.audit_head;
CREATE TRIGGER ward_append_only BEFORE UPDATE OR DELETE ON ward.audit_head
    FOR EACH ROW EXECUTE FUNCTION ward.append_only_();
DROP TRIGGER IF EXISTS ward_append_only_truncate ON ward.audit_head;
CREATE TRIGGER ward_append_only_truncate BEFORE TRUNCATE ON ward.audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION ward.append_only_();

-- audit_hash_: SHA-256 over the tag, prev, and each field as "\nLEN:" and
-- its bytes, or "\n-" for NULL (runtime/core/audit_chain.c).
-- (PL/pgSQL, as the other functions called once per statement or row
-- here: it keeps its plans for the session, where a SQL function with a
-- pinned search_path is planned again on every call.)
CREATE OR REPLACE FUNCTION ward.audit_hash_(prev text, f text[])
RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    b bytea := convert_to(E'ward-audit-1\n' || prev, 'UTF8');
    x text;
BEGIN
    FOREACH x IN ARRAY f LOOP
        b := b || CASE WHEN x IS NULL THEN convert_to(E'\n-', 'UTF8')
                       ELSE convert_to(E'\n' || octet_length(convert_to(x, 'UTF8'))
                                       || ':' || x, 'UTF8') END;
    END LOOP;
    RETURN encode(sha256(b), 'hex');
END $$;

CREATE OR REPLACE FUNCTION ward.now_()
RETURNS text LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN to_char(clock_timestamp() AT TIME ZONE 'UTC',
                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
END $$;

-- audit_append_: one chained row; returns its number.
CREATE OR REPLACE FUNCTION ward.audit_append_(
    u text, r text, sc text, op text, t text, k text, cols text,
    n bigint, detail text, at_ text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    h record;
    a text := coalesce(at_, ward.now_());
    nh text;
BEGIN
    SELECT seq, hash INTO h FROM ward.audit_head WHERE id = 1 FOR UPDATE;
    nh := ward.audit_hash_(h.hash, ARRAY[a, u, r, sc, op, t, k, cols, n::text, detail]);
    INSERT INTO ward.audit VALUES (h.seq + 1, a, u, r, sc, op, t, k, cols, n,
                                   detail, h.hash, nh);
    UPDATE ward.audit_head SET seq = h.seq + 1, hash = nh WHERE id = 1;
    RETURN h.seq + 1;
END $$;
REVOKE ALL ON FUNCTION ward.audit_append_(text, text, text, text, text, text,
                                          text, bigint, text, text) FROM PUBLIC;

-- audit_session_: a row by the caller, with its roles and scenario.
CREATE OR REPLACE FUNCTION ward.audit_session_(
    p text, op text, t text, k text, cols text, n bigint, detail text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN ward.audit_append_(ward.caller_(), ward.roles_(p), ward.scenario(),
                              op, t, k, cols, n, detail);
END $$;
REVOKE ALL ON FUNCTION ward.audit_session_(text, text, text, text, text,
                                           bigint, text) FROM PUBLIC;

-- Which columns of which table are audited, for reads and for writes.
CREATE TABLE IF NOT EXISTS ward.audit_col (
    policy text NOT NULL,
    tbl    text NOT NULL,
    col    text NOT NULL,
    pos    integer NOT NULL,
    rd     boolean NOT NULL,
    wr     boolean NOT NULL,
    PRIMARY KEY (policy, tbl, col)
);
REVOKE ALL ON ward.audit_col FROM PUBLIC;
-- ward.read_cols_ remembers it (session.sql, ward.changed_).
DROP TRIGGER IF EXISTS ward_changed ON ward.audit_col;
CREATE TRIGGER ward_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON ward.audit_col FOR EACH STATEMENT EXECUTE FUNCTION ward.changed_();

-- audit_write_: the row trigger of an audited base table (TG_ARGV: the
-- policy, the key column, the table's name: on a partitioned table the
-- trigger fires on the partition). The changed audited columns by name, never
-- their values; an update that changes none leaves no record.
CREATE OR REPLACE FUNCTION ward.audit_write_()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p text := TG_ARGV[0];
    t text := coalesce(TG_ARGV[2], TG_TABLE_NAME);
    o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    cols text;
BEGIN
    IF TG_OP <> 'DELETE' THEN
        SELECT string_agg(col, ',' ORDER BY pos) INTO cols FROM ward.audit_col
        WHERE policy = p AND tbl = t AND wr
          AND CASE WHEN TG_OP = 'INSERT' THEN n -> col <> 'null'::jsonb
                   ELSE (n -> col) IS DISTINCT FROM (o -> col) END;
        IF cols IS NULL AND TG_OP = 'UPDATE' THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM ward.audit_session_(p, lower(TG_OP), t,
        CASE WHEN TG_ARGV[1] <> '' THEN coalesce(n, o) ->> TG_ARGV[1] END,
        cols, NULL, NULL);
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION ward.audit_write_() FROM PUBLIC;

-- ---- reads ----

-- The running statement's identity on the SQL runtime is its start time
-- in its binary form, which no output setting changes (written out in
-- read_open_ and read_, which runs per row: a function call would cost
-- one per row). Two statements of one query string share it; the C
-- library numbers them.
DROP FUNCTION IF EXISTS ward.stmt_now_();

-- A statement's read of a table: opened, with the columns it reads, by
-- the views' once-per-statement decision (ward.outcome_read_), where only
-- the runtime writes; recorded in ward.audit by read_settle_.
CREATE TABLE IF NOT EXISTS ward.read_pending (
    id       bigserial PRIMARY KEY,
    backend  integer NOT NULL,
    stmt     text NOT NULL,
    policy   text NOT NULL,
    tbl      text NOT NULL,
    gk       text NOT NULL,
    cols     integer[] NOT NULL,
    at       text NOT NULL,
    "user"   text,
    roles    text,
    scenario text
);
REVOKE ALL ON ward.read_pending FROM PUBLIC;

-- read_append_: a read record: table T of policy P, the columns at
-- positions COLS, N rows, read at AT_ by U with roles R in scenario SC.
-- The C library calls it (through fmgr) at commit; nobody else may.
CREATE OR REPLACE FUNCTION ward.read_append_(p text, t text, cols integer[],
                                             n bigint, at_ text, u text,
                                             r text, sc text, detail text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    names text;
BEGIN
    SELECT string_agg(col, ',' ORDER BY pos) INTO names FROM ward.audit_col
    WHERE policy = p AND tbl = t AND pos = ANY (cols);
    PERFORM ward.audit_append_(u, r, sc, 'read', t, NULL, names, n, detail, at_);
END $$;
REVOKE ALL ON FUNCTION ward.read_append_(text, text, integer[], bigint, text,
                                         text, text, text, text) FROM PUBLIC;

-- read_cols_: the names of P.T's audited columns at the positions COLS
-- ("2,3"), as a record lists them; the C library remembers them.
CREATE OR REPLACE FUNCTION ward.read_cols_fill_(p text, t text, cols text)
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT string_agg(col, ',' ORDER BY pos) FROM ward.audit_col
            WHERE policy = p AND tbl = t
              AND pos = ANY (string_to_array(cols, ',')::integer[]));
END $$;
REVOKE ALL ON FUNCTION ward.read_cols_fill_(text, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.read_cols_(p text, t text, cols text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT ward.read_cols_fill_(p, t, cols)
$$;
REVOKE ALL ON FUNCTION ward.read_cols_(text, text, text) FROM PUBLIC;

-- read_settle_: the record of pending read ID, once. The columns are the
-- pending row's; the count is the session's setting ward.r_GK
-- (stmt|count|last row), which the session itself could rewrite: a count
-- that is not this statement's is left out, the record never.
CREATE OR REPLACE FUNCTION ward.read_settle_(pid bigint)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pr ward.read_pending;
    cur text;
    cnt bigint;
    cols text;
BEGIN
    DELETE FROM ward.read_pending WHERE id = pid RETURNING * INTO pr;
    IF pr.id IS NULL THEN
        RETURN;
    END IF;
    cur := current_setting('ward.r_' || pr.gk, true);
    IF pr.backend = pg_backend_pid() AND split_part(cur, '|', 1) = pr.stmt
       AND split_part(cur, '|', 2) ~ '^[0-9]{1,18}$' THEN
        cnt := split_part(cur, '|', 2)::bigint;
    END IF;
    PERFORM ward.read_append_(pr.policy, pr.tbl, pr.cols, cnt, pr.at,
                              pr."user", pr.roles, pr.scenario, NULL);
END $$;
REVOKE ALL ON FUNCTION ward.read_settle_(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.read_flush_()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM ward.read_settle_(NEW.id);
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION ward.read_flush_() FROM PUBLIC;
DROP TRIGGER IF EXISTS ward_read_flush ON ward.read_pending;
CREATE CONSTRAINT TRIGGER ward_read_flush AFTER INSERT ON ward.read_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ward.read_flush_();

-- read_table_: P.T is a protected table whose read counter is GK (a read
-- record names what its caller gave).
CREATE OR REPLACE FUNCTION ward.read_table_fill_(p text, t text, gk text)
RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM ward.tbl x
                   WHERE x.policy = p AND x.name = t AND x.gk = read_table_fill_.gk);
END $$;

CREATE OR REPLACE FUNCTION ward.read_table_(p text, t text, gk text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT ward.read_table_fill_(p, t, gk)
$$;

-- read_open_: this statement reads column POS of protected table T (its
-- settings key GK). Settles this backend's earlier statements on T (their
-- counts are about to be overwritten), then opens the statement's record
-- or adds the column to it.
CREATE OR REPLACE FUNCTION ward.read_open_(p text, t text, gk text, pos integer)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s text := encode(timestamptz_send(statement_timestamp()), 'hex');
    old bigint;
    cur ward.read_pending;
BEGIN
    SELECT * INTO cur FROM ward.read_pending rp
    WHERE rp.backend = pg_backend_pid() AND rp.gk = read_open_.gk AND rp.stmt = s
      AND rp.policy = p AND rp.tbl = t;
    IF cur.id IS NOT NULL THEN
        IF NOT pos = ANY (cur.cols) THEN
            UPDATE ward.read_pending SET cols = cols || pos WHERE id = cur.id;
        END IF;
        RETURN;
    END IF;
    IF NOT ward.read_table_fill_(p, t, gk) THEN
        RAISE EXCEPTION 'ward: %.% is not a protected table', p, t;
    END IF;
    FOR old IN SELECT id FROM ward.read_pending rp
               WHERE rp.backend = pg_backend_pid() AND rp.gk = read_open_.gk
                 AND rp.stmt <> s LOOP
        PERFORM ward.read_settle_(old);
    END LOOP;
    INSERT INTO ward.read_pending (backend, stmt, policy, tbl, gk, cols, at,
                                   "user", roles, scenario)
    VALUES (pg_backend_pid(), s, p, t, gk, ARRAY[pos], ward.now_(),
            ward.caller_(), ward.roles_(p), ward.scenario());
END $$;
REVOKE ALL ON FUNCTION ward.read_open_(text, text, text, integer) FROM PUBLIC;

-- outcome_read_: ward.outcome for an audited column, which also opens the
-- statement's read record when the session sees the column at all. The
-- views call it as an initplan: once per statement that uses the column,
-- at its first row. Declared STABLE so that a statement that does not use
-- the column does not call it (PostgreSQL drops unused view columns only
-- when they call no volatile function).
CREATE OR REPLACE FUNCTION ward.outcome_read_(p text, t text, c text,
                                              gk text, pos integer)
RETURNS integer LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o integer := ward.outcome(p, t, c);
BEGIN
    IF o <> 0 THEN
        PERFORM ward.read_open_(p, t, gk, pos);
    END IF;
    RETURN o;
END $$;
GRANT EXECUTE ON FUNCTION ward.outcome_read_(text, text, text, text, integer)
    TO PUBLIC;

-- read_: V, one row (table TBL, for a partition, and ROWKEY) of an audited
-- column as the view shows it, counted in
-- the session setting ward.r_GK (a row read twice in a row, by its filter
-- and its output, counts once). The row count is the session's to keep:
-- this runs as the session's user, per row, and touches no table.
CREATE OR REPLACE FUNCTION ward.read_(gk text, tbl oid, rowkey tid, v anyelement)
RETURNS anyelement LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s text := encode(timestamptz_send(statement_timestamp()), 'hex');
    cur text := current_setting('ward.r_' || gk, true);
    cnt text := split_part(cur, '|', 2);
    k text := coalesce(tbl::text || rowkey::text, '');
BEGIN
    IF split_part(cur, '|', 1) IS DISTINCT FROM s OR cnt !~ '^[0-9]{1,18}$' THEN
        PERFORM set_config('ward.r_' || gk, s || '|1|' || k, false);
    ELSIF substr(cur, length(s) + length(cnt) + 3) IS DISTINCT FROM k THEN
        PERFORM set_config('ward.r_' || gk,
                           s || '|' || (cnt::bigint + 1) || '|' || k, false);
    END IF;
    RETURN v;
END $$;
GRANT EXECUTE ON FUNCTION ward.read_(text, oid, tid, anyelement) TO PUBLIC;

-- reads_flush_: append the session's pending read records now, when the
-- transaction can write (the corpus runner reads ward.audit before it
-- rolls back). Only ever appends what the session read.
CREATE OR REPLACE FUNCTION ward.reads_flush_()
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    SET CONSTRAINTS ward.ward_read_flush IMMEDIATE;
    SET CONSTRAINTS ward.ward_read_flush DEFERRED;
END $$;

-- ---- the audit sink: reads where ward.audit cannot be written ----
--
-- A hot standby, or a READ ONLY transaction, cannot append to ward.audit.
-- With the C library, such a session sends its read records at commit to
-- the database this row names (the primary), through a connection of its
-- own, logged in as a role granted ward_remote; ward.audit_remote_ appends
-- them there. The table replicates with the rest, so one row set on the
-- primary serves every standby (docs/dba-postgres.md, "Read replicas").
CREATE TABLE IF NOT EXISTS ward.audit_sink (
    id       integer PRIMARY KEY CHECK (id = 1),
    conninfo text NOT NULL
);
REVOKE ALL ON ward.audit_sink FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.audit_sink_fill_()
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT conninfo FROM ward.audit_sink WHERE id = 1);
END $$;
REVOKE ALL ON FUNCTION ward.audit_sink_fill_() FROM PUBLIC;

DO $ward$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ward_remote') THEN
        CREATE ROLE "ward_remote" NOLOGIN;
    END IF;
END
$ward$;

-- audit_remote_: the read records a standby (or a read-only transaction)
-- sends, appended as they came: a JSON array of {policy, tbl, cols, nrows,
-- at, user, roles, scenario, detail}. Only ward_remote may call it: the
-- records name their users, and it trusts its caller to name them right.
CREATE OR REPLACE FUNCTION ward.audit_remote_(recs jsonb)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r jsonb;
    n integer := 0;
BEGIN
    FOR r IN SELECT x FROM jsonb_array_elements(recs) x LOOP
        PERFORM ward.read_append_(r ->> 'policy', r ->> 'tbl',
            ARRAY(SELECT c::integer FROM jsonb_array_elements_text(r -> 'cols') c),
            (r ->> 'nrows')::bigint, r ->> 'at', r ->> 'user', r ->> 'roles',
            r ->> 'scenario', r ->> 'detail');
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION ward.audit_remote_(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ward.audit_remote_(jsonb) TO "ward_remote";
