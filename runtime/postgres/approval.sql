-- runtime/postgres/approval.sql - second-person approval on PostgreSQL:
-- ward.request, ward.approve, and the gates of the guarded operations.
--
--   ward.request(approval, reason)  a new request by the caller; its id
--   ward.approve(id)                a vote; returns how many approvals
--   ward.approve(approval)          are still needed (0: approved); by
--                                   name, the one open request for it
-- The requester never approves their own request, only an approving role
-- votes, once, and not after expiry or use. A guarded operation uses one
-- approved request of the caller: an export or unmask statement through
-- its view's gate (once per statement), a DELETE or UPDATE statement once
-- for all its rows. Every step is appended to ward.audit. A refusal is an
-- error, and an error rolls its transaction back, audit row included: on
-- PostgreSQL refusals reach the server log, not ward.audit.

CREATE TABLE IF NOT EXISTS ward.approval (
    policy  text NOT NULL,
    name    text NOT NULL,
    label   text,
    count   integer NOT NULL,
    expires bigint NOT NULL, -- seconds; 0 never
    PRIMARY KEY (policy, name)
);
CREATE TABLE IF NOT EXISTS ward.approver (
    policy   text NOT NULL,
    approval text NOT NULL,
    role     text NOT NULL,
    PRIMARY KEY (policy, approval, role)
);
-- The clauses of a `by` line (`by 1 of a and 1 of b`: clauses 0 and 1),
-- with the places each has; ward.approval.count is their sum. A role
-- approves in each clause that names it. (Scripts of earlier versions
-- made one clause, 0, of every line.)
CREATE TABLE IF NOT EXISTS ward.clause (
    policy   text NOT NULL,
    approval text NOT NULL,
    clause   integer NOT NULL,
    count    integer NOT NULL,
    PRIMARY KEY (policy, approval, clause)
);
ALTER TABLE ward.approver ADD COLUMN IF NOT EXISTS clause integer NOT NULL DEFAULT 0;
ALTER TABLE ward.approver DROP CONSTRAINT IF EXISTS approver_pkey;
ALTER TABLE ward.approver ADD PRIMARY KEY (policy, approval, clause, role);
CREATE TABLE IF NOT EXISTS ward.guard (
    policy   text NOT NULL,
    approval text NOT NULL,
    op       text NOT NULL,
    tbl      text NOT NULL,
    col      text NOT NULL, -- '' for export and delete
    PRIMARY KEY (policy, op, tbl, col)
);
CREATE TABLE IF NOT EXISTS ward.request (
    id           bigserial PRIMARY KEY,
    policy       text NOT NULL,
    approval     text NOT NULL,
    requester    text NOT NULL,
    reason       text NOT NULL,
    requested_at timestamptz NOT NULL,
    expires_at   timestamptz,
    used_at      timestamptz,
    used_stmt    text
);
CREATE TABLE IF NOT EXISTS ward.vote (
    request  bigint NOT NULL REFERENCES ward.request (id),
    approver text NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (request, approver)
);
-- The clauses the approver's roles let them fill when they voted: a vote
-- counts as it was given, whatever roles its giver holds later.
ALTER TABLE ward.vote ADD COLUMN IF NOT EXISTS clauses integer[];
-- export T beyond N rows: N; NULL for a plain `export T` and the other
-- operations.
ALTER TABLE ward.guard ADD COLUMN IF NOT EXISTS beyond bigint;
-- The clock approvals run on: the real one, unless a row here fixes it.
-- Only the corpus runner writes it (`at:` in a case, docs/ci.md), as the
-- superuser, inside the case's transaction, which rolls it back; the
-- runtime only reads it, and no session may touch it.
CREATE TABLE IF NOT EXISTS ward.clock (
    at timestamptz NOT NULL
);
REVOKE ALL ON ward.approval, ward.approver, ward.clause, ward.guard,
              ward.request, ward.vote, ward.clock FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.clock_()
RETURNS timestamptz LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT max(c.at) FROM ward.clock c), clock_timestamp())
$$;
REVOKE ALL ON FUNCTION ward.clock_() FROM PUBLIC;
DO $ward$
BEGIN
    IF EXISTS (SELECT 1 FROM ward.clock) THEN
        RAISE WARNING 'ward: ward.clock fixes the approvals'' clock at %: requests expire by it, not by the real time; delete its row outside tests',
            (SELECT max(at) FROM ward.clock);
    END IF;
END
$ward$;

-- placed_: how many places of approval P.AP's `by` line the votes TAKES
-- fill at once, one place each; TAKES holds a vote's clauses each
-- ('{0,1}': it may fill clause 0 or 1; NULL: clause 0, a vote of an
-- earlier version). A matching found by augmenting paths, as
-- runtime/core/approval_match.c finds it for the compiler and SQLite, so
-- that the order of the votes never matters.
CREATE OR REPLACE FUNCTION ward.placed_(p text, ap text, takes text[])
RETURNS integer LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cap integer[];    -- places of clause c - 1
    load integer[];   -- of them, filled
    nc integer;
    nv integer := coalesce(array_length(takes, 1), 0);
    assign integer[]; -- the clause (+ 1) voter v fills, 0 for none
    prev_v integer[]; -- the voter a clause was reached from
    prev_c integer[]; -- the clause a voter was reached from, -1 the start
    queue integer[];
    head integer;
    found integer;
    v integer;
    c integer;
    old integer;
    filled integer := 0;
BEGIN
    SELECT array_agg(x.count ORDER BY x.clause), count(*) INTO cap, nc
    FROM ward.clause x WHERE x.policy = p AND x.approval = ap;
    IF nc = 0 OR nv = 0 THEN
        RETURN 0;
    END IF;
    load := array_fill(0, ARRAY[nc]);
    assign := array_fill(0, ARRAY[nv]);
    FOR s IN 1..nv LOOP
        prev_v := array_fill(0, ARRAY[nc]);
        prev_c := array_fill(0, ARRAY[nv]);
        prev_c[s] := -1;
        queue := ARRAY[s];
        head := 1;
        found := 0;
        WHILE found = 0 AND head <= array_length(queue, 1) LOOP
            v := queue[head];
            head := head + 1;
            FOREACH c IN ARRAY coalesce(takes[v], '{0}')::integer[] LOOP
                c := c + 1;
                CONTINUE WHEN c < 1 OR c > nc OR prev_v[c] <> 0;
                prev_v[c] := v;
                IF load[c] < cap[c] THEN
                    found := c;
                    EXIT;
                END IF;
                FOR u IN 1..nv LOOP
                    IF assign[u] = c AND prev_c[u] = 0 THEN
                        prev_c[u] := c;
                        queue := queue || u;
                    END IF;
                END LOOP;
            END LOOP;
        END LOOP;
        CONTINUE WHEN found = 0;
        -- Along the path back, each voter moves to the clause it reached.
        load[found] := load[found] + 1;
        c := found;
        LOOP
            v := prev_v[c];
            old := assign[v];
            assign[v] := c;
            EXIT WHEN v = s;
            c := old;
        END LOOP;
        filled := filled + 1;
    END LOOP;
    RETURN filled;
END $$;
REVOKE ALL ON FUNCTION ward.placed_(text, text, text[]) FROM PUBLIC;

-- votes_: the clauses of each vote on request RID, for placed_.
CREATE OR REPLACE FUNCTION ward.votes_(rid bigint)
RETURNS text[] LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(coalesce(v.clauses, '{0}')::text ORDER BY v.at, v.approver),
                    '{}')
    FROM ward.vote v WHERE v.request = rid
$$;
REVOKE ALL ON FUNCTION ward.votes_(bigint) FROM PUBLIC;

-- approvers_: who approves P.AP, as a refusal says it: "compliance,
-- sales_manager", or "1 of compliance and 1 of sales_manager" for a line
-- of several clauses.
CREATE OR REPLACE FUNCTION ward.approvers_(p text, ap text)
RETURNS text LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN count(*) = 1 THEN min(roles)
                ELSE string_agg(n || ' of ' || roles, ' and ' ORDER BY clause) END
    FROM (SELECT c.clause, c.count AS n,
                 string_agg(a.role, ', ' ORDER BY a.role) AS roles
          FROM ward.clause c JOIN ward.approver a
            ON a.policy = c.policy AND a.approval = c.approval AND a.clause = c.clause
          WHERE c.policy = p AND c.approval = ap
          GROUP BY c.clause, c.count) x
$$;
REVOKE ALL ON FUNCTION ward.approvers_(text, text) FROM PUBLIC;
REVOKE ALL ON SEQUENCE ward.request_id_seq FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.refuse_(code text, msg text)
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'ward: [' || code || '] ' || msg,
                          ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION ward.request(approval text, reason text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a ward.approval;
    n integer;
    id bigint;
BEGIN
    SELECT count(*) INTO n FROM ward.approval x WHERE x.name = request.approval;
    IF n <> 1 THEN
        PERFORM ward.refuse_(CASE n WHEN 0 THEN 'unknown-approval' ELSE 'ambiguous-approval' END,
            format('%s approval %L in the policies of this database',
                   CASE n WHEN 0 THEN 'no' ELSE 'more than one' END, approval));
    END IF;
    SELECT * INTO a FROM ward.approval x WHERE x.name = request.approval;
    IF reason IS NULL OR btrim(reason) = '' THEN
        RAISE EXCEPTION 'ward: ward.request needs a reason';
    END IF;
    INSERT INTO ward.request (policy, approval, requester, reason,
                              requested_at, expires_at)
    VALUES (a.policy, a.name, ward.caller_(), reason, ward.clock_(),
            CASE WHEN a.expires > 0
                 THEN ward.clock_() + make_interval(secs => a.expires) END)
    RETURNING ward.request.id INTO id;
    PERFORM ward.audit_session_(a.policy, 'request', NULL, NULL, NULL, NULL,
                                format('%s #%s', a.name, id));
    RETURN id;
END $$;
GRANT EXECUTE ON FUNCTION ward.request(text, text) TO PUBLIC;

CREATE OR REPLACE FUNCTION ward.approve(rid bigint)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    u text := ward.caller_();
    r ward.request;
    a ward.approval;
    mine integer[];
    votes text[];
    before integer;
    after integer;
BEGIN
    SELECT * INTO r FROM ward.request WHERE id = rid FOR UPDATE;
    IF r.id IS NULL THEN
        PERFORM ward.refuse_('unknown-request', format('no request %s', rid));
    END IF;
    SELECT * INTO a FROM ward.approval WHERE policy = r.policy AND name = r.approval;
    IF r.requester = u THEN
        PERFORM ward.refuse_('self-approval', format(
            '%s cannot approve their own request %s #%s', u, r.approval, r.id));
    END IF;
    -- The clauses the voter's roles fill (a role approves in each clause
    -- that names it).
    SELECT array_agg(DISTINCT x.clause ORDER BY x.clause) INTO mine FROM ward.approver x
    WHERE x.policy = r.policy AND x.approval = r.approval
      AND pg_has_role(u::name, x.role, 'MEMBER');
    IF mine IS NULL THEN
        PERFORM ward.refuse_('not-approver', format(
            '%s holds no role that approves %s (by %s)', u, r.approval,
            ward.approvers_(r.policy, r.approval)));
    END IF;
    IF EXISTS (SELECT 1 FROM ward.vote WHERE request = r.id AND approver = u) THEN
        PERFORM ward.refuse_('already-approved', format(
            '%s already approved %s #%s', u, r.approval, r.id));
    END IF;
    IF r.used_at IS NOT NULL OR r.expires_at <= ward.clock_() THEN
        PERFORM ward.refuse_('expired', format(
            'request %s #%s is used or expired', r.approval, r.id));
    END IF;
    votes := ward.votes_(r.id);
    before := ward.placed_(r.policy, r.approval, votes);
    IF before >= a.count THEN
        PERFORM ward.refuse_('already-approved', format(
            'request %s #%s has all its approvals', r.approval, r.id));
    END IF;
    -- One approver fills one place: when the places this one's roles
    -- could fill are taken, a later vote never makes this one count.
    after := ward.placed_(r.policy, r.approval, votes || mine::text);
    IF after = before THEN
        PERFORM ward.refuse_('already-approved', format(
            'the places of request #%s (%s) that %s''s roles can fill are taken; it still needs %s approval%s (by %s)',
            r.id, r.approval, u, a.count - before,
            CASE WHEN a.count - before = 1 THEN '' ELSE 's' END,
            ward.approvers_(r.policy, r.approval)));
    END IF;
    INSERT INTO ward.vote (request, approver, at, clauses)
    VALUES (r.id, u, ward.clock_(), mine);
    PERFORM ward.audit_session_(r.policy, 'approve', NULL, NULL, NULL, NULL,
                                format('%s #%s', r.approval, r.id));
    RETURN a.count - after;
END $$;
GRANT EXECUTE ON FUNCTION ward.approve(bigint) TO PUBLIC;

-- By name: the request for it that is still open (not used, not
-- expired), when there is only one; the checks of ward.approve(id) then
-- apply.
CREATE OR REPLACE FUNCTION ward.approve(approval text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rid bigint;
    n integer;
BEGIN
    SELECT max(id), count(*) INTO rid, n FROM ward.request r
    WHERE r.approval = approve.approval AND r.used_at IS NULL
      AND (r.expires_at IS NULL OR r.expires_at > ward.clock_());
    -- A vote must not go to a request filed by someone else just before.
    IF n > 1 THEN
        PERFORM ward.refuse_('ambiguous-request', format(
            '%s requests for %s are open; approve one by its id (the latest is #%s)',
            n, approval, rid));
    END IF;
    IF rid IS NULL THEN
        PERFORM ward.refuse_('unknown-request',
                             format('no open request for %L', approval));
    END IF;
    RETURN ward.approve(rid);
END $$;
GRANT EXECUTE ON FUNCTION ward.approve(text) TO PUBLIC;

-- A write statement's identity, for the use of an approval once per
-- statement: BEFORE STATEMENT triggers on each policy view push a fresh one
-- onto a stack in the session's state table, which only the runtime writes
-- (a session setting would be the session's to forge in its own WHERE),
-- and AFTER STATEMENT triggers pop it, so that a DELETE run inside another
-- DELETE's WHERE has an identity of its own and the outer one gets its own
-- back.
CREATE OR REPLACE FUNCTION ward.stmt_begin_()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM ward.state_set_('stmt', gen_random_uuid()::text || '|'
                                   || coalesce(ward.state_get_('stmt'), ''));
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION ward.stmt_begin_() FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.stmt_end_()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v text := ward.state_get_('stmt');
BEGIN
    PERFORM ward.state_set_('stmt', nullif(substr(v, strpos(v, '|') + 1), ''));
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION ward.stmt_end_() FROM PUBLIC;

-- stmt_: the identity of the write statement running now, if any.
CREATE OR REPLACE FUNCTION ward.stmt_()
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN nullif(split_part(ward.state_get_('stmt'), '|', 1), '');
END $$;
REVOKE ALL ON FUNCTION ward.stmt_() FROM PUBLIC;

-- approval_use_: the caller's operation OP on T (column C, '' for none)
-- under approval AP uses one approved, unexpired request; the refusal
-- names the approval. With MEMO (the row triggers of one UPDATE or DELETE
-- statement), the statement's later rows reuse the request its first row
-- used; an export or unmask gate runs once per statement and always takes
-- a request of its own. Returns the request used.
-- (WHAT, when given, is the refusal's wording of the operation.)
DROP FUNCTION IF EXISTS ward.approval_use_(text, text, text, text, text, boolean);
CREATE OR REPLACE FUNCTION ward.approval_use_(p text, ap text, op text,
                                              t text, c text,
                                              memo boolean DEFAULT false,
                                              what text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    u text := ward.caller_();
    sid text := ward.stmt_();
    s text := CASE WHEN memo AND sid IS NOT NULL
                   THEN pg_backend_pid() || '/' || sid END;
    a ward.approval;
    rid bigint;
BEGIN
    IF s IS NOT NULL THEN
        SELECT id INTO rid FROM ward.request
        WHERE policy = p AND approval = ap AND requester = u AND used_stmt = s
          AND (expires_at IS NULL OR expires_at > ward.clock_());
        IF rid IS NOT NULL THEN
            RETURN rid;
        END IF;
    END IF;
    SELECT * INTO a FROM ward.approval WHERE policy = p AND name = ap;
    SELECT r.id INTO rid FROM ward.request r
    WHERE r.policy = p AND r.approval = ap AND r.requester = u
      AND r.used_at IS NULL
      AND (r.expires_at IS NULL OR r.expires_at > ward.clock_())
      AND ward.placed_(p, ap, ward.votes_(r.id)) >= a.count
    ORDER BY r.id LIMIT 1
    FOR UPDATE;
    IF rid IS NULL THEN
        PERFORM ward.refuse_('approval-required', format(
            '%s needs approval %s', coalesce(what, op || ' of ' ||
            t || CASE WHEN c <> '' THEN '.' || c ELSE '' END), ap));
    END IF;
    UPDATE ward.request SET used_at = ward.clock_(), used_stmt = s
    WHERE id = rid;
    RETURN rid;
END $$;
REVOKE ALL ON FUNCTION ward.approval_use_(text, text, text, text, text, boolean,
                                          text) FROM PUBLIC;

-- The bulk-read gate, `export T beyond N rows`: a statement that reads more
-- than N rows of T through the session's view of T fails at row N + 1,
-- unless the session holds an approved request of the approval, which the
-- statement then uses up. The view of such a table calls, once per
-- statement, ward.bulk_open_ (an initplan) and, in its WHERE, ward.bulk_ for
-- each row it produces: after the row rules and the caller's leakproof
-- conditions, before the rest, so aggregates and COPY are counted too.
--
-- The count must live where nothing the session runs inside its
-- transaction can set it back: a rolled-back subtransaction puts a table
-- back, DISCARD TEMP drops the temporary schema, and a statement may change
-- the settings that print its own timestamp. Only backend memory holds, so
-- the gate is the C library's (pg_bulk.c, counting per transaction); the
-- SQL runtime refuses a policy with a gate when the script applies
-- (emit_postgres.c), and its ward.bulk_open_ and ward.bulk_ refuse every
-- read should a gated view meet them (a database switched to the SQL
-- runtime after a gated policy was applied).
CREATE OR REPLACE FUNCTION ward.bulk_open_(p text, t text)
RETURNS bigint[] LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM ward.refuse_('bulk-gate', format(
        'reading %s.%s needs the C library ward_pg: the SQL runtime cannot count its rows where the session cannot reset the count', p, t));
    RETURN NULL;
END $$;
GRANT EXECUTE ON FUNCTION ward.bulk_open_(text, text) TO PUBLIC;

CREATE OR REPLACE FUNCTION ward.bulk_(p text, t text, n bigint, tok bigint[])
RETURNS boolean LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM ward.refuse_('bulk-gate', format(
        'reading %s.%s needs the C library ward_pg', p, t));
    RETURN false;
END $$;
GRANT EXECUTE ON FUNCTION ward.bulk_(text, text, bigint, bigint[]) TO PUBLIC;

-- bulk_reset_: the corpus runner's (the superuser's) reset of the counts
-- before each step, which stands for an autocommit statement though the
-- run is one transaction; the SQL runtime has none to reset.
CREATE OR REPLACE FUNCTION ward.bulk_reset_()
RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
END $$;
REVOKE ALL ON FUNCTION ward.bulk_reset_() FROM PUBLIC;

-- bulk_gate_: row N + 1 of P.T in the statement counted from BASE: uses
-- an approved request, once for the statement, and records the export
-- ("A #id: read beyond N rows"), or refuses. A user calling it by hand
-- only spends an approval of their own.
CREATE OR REPLACE FUNCTION ward.bulk_gate_(p text, t text, base bigint)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    gk text;
    k text;
    cur text;
    ap text;
    lim bigint;
    rid bigint;
BEGIN
    SELECT x.gk INTO gk FROM ward.tbl x WHERE x.policy = p AND x.name = t;
    SELECT g.approval, g.beyond INTO ap, lim FROM ward.guard g
    WHERE g.policy = p AND g.op = 'export' AND g.tbl = t AND g.beyond IS NOT NULL;
    IF gk IS NULL OR ap IS NULL THEN
        RAISE EXCEPTION 'ward: %.% has no bulk-read gate', p, t;
    END IF;
    k := 'bulk:' || gk;
    cur := ward.state_get_(k);
    IF split_part(cur, '|', 2) = base::text AND split_part(cur, '|', 3) <> '' THEN
        RETURN true;
    END IF;
    rid := ward.approval_use_(p, ap, 'export', t, '', false,
                              format('reading more than %s rows of %s', lim, t));
    PERFORM ward.audit_session_(p, 'export', t, NULL, NULL, NULL,
                                format('%s #%s: read beyond %s rows', ap, rid, lim));
    -- The server log keeps it even if the transaction then aborts (which
    -- takes the audit row and the request's use back with it).
    RAISE LOG 'ward: % read beyond % rows of %.% under % #%', ward.caller_(), lim, p, t, ap, rid;
    PERFORM ward.state_set_(k, coalesce(split_part(cur, '|', 1), '') || '|' || base || '|' || rid);
    RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION ward.bulk_gate_(text, text, bigint) TO PUBLIC;

-- export_gate_: the gate of view P.ward_export_T, once per statement: uses
-- the export approval if the table has one, and records the export with
-- the number of rows the caller can see.
CREATE OR REPLACE FUNCTION ward.export_gate_(p text, t text)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ap text;
    rid bigint;
    n bigint;
BEGIN
    -- Only a protected table's own view is ever read here: the caller
    -- names it, and this function runs as the runtime's owner.
    IF NOT EXISTS (SELECT 1 FROM ward.tbl x WHERE x.policy = p AND x.name = t) THEN
        RAISE EXCEPTION 'ward: %.% is not a protected table', p, t;
    END IF;
    SELECT approval INTO ap FROM ward.guard
    WHERE policy = p AND op = 'export' AND tbl = t;
    IF ap IS NOT NULL THEN
        rid := ward.approval_use_(p, ap, 'export', t, '');
    END IF;
    -- The caller's rows: the policy's view applies the caller's row rules.
    n := ward.view_rows_(p, t, NULL, NULL);
    PERFORM ward.audit_session_(p, 'export', t, NULL, NULL, n,
        CASE WHEN ap IS NOT NULL THEN format('%s #%s', ap, rid) END);
    RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION ward.export_gate_(text, text) TO PUBLIC;

-- unmask_gate_: the gate of an unmask-guarded column in P.ward_unmask_T.
CREATE OR REPLACE FUNCTION ward.unmask_gate_(p text, t text, c text)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ap text;
    rid bigint;
BEGIN
    SELECT approval INTO ap FROM ward.guard
    WHERE policy = p AND op = 'unmask' AND tbl = t AND col = c;
    IF ap IS NULL THEN
        RAISE EXCEPTION 'ward: %.% is not an unmask-guarded column', t, c;
    END IF;
    rid := ward.approval_use_(p, ap, 'unmask', t, c);
    PERFORM ward.audit_session_(p, 'unmask', t, NULL, c, NULL,
                                format('%s #%s', ap, rid));
    RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION ward.unmask_gate_(text, text, text) TO PUBLIC;
