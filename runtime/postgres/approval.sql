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
REVOKE ALL ON ward.approval, ward.approver, ward.guard, ward.request,
              ward.vote FROM PUBLIC;
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
    VALUES (a.policy, a.name, ward.caller_(), reason, clock_timestamp(),
            CASE WHEN a.expires > 0
                 THEN clock_timestamp() + make_interval(secs => a.expires) END)
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
    votes integer;
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
    IF NOT EXISTS (SELECT 1 FROM ward.approver x
                   WHERE x.policy = r.policy AND x.approval = r.approval
                     AND pg_has_role(u::name, x.role, 'MEMBER')) THEN
        PERFORM ward.refuse_('not-approver', format(
            '%s holds no role that approves %s', u, r.approval));
    END IF;
    IF EXISTS (SELECT 1 FROM ward.vote WHERE request = r.id AND approver = u) THEN
        PERFORM ward.refuse_('already-approved', format(
            '%s already approved %s #%s', u, r.approval, r.id));
    END IF;
    IF r.used_at IS NOT NULL OR r.expires_at <= clock_timestamp() THEN
        PERFORM ward.refuse_('expired', format(
            'request %s #%s is used or expired', r.approval, r.id));
    END IF;
    SELECT count(*) INTO votes FROM ward.vote WHERE request = r.id;
    IF votes >= a.count THEN
        PERFORM ward.refuse_('already-approved', format(
            'request %s #%s has all its approvals', r.approval, r.id));
    END IF;
    INSERT INTO ward.vote VALUES (r.id, u, clock_timestamp());
    PERFORM ward.audit_session_(r.policy, 'approve', NULL, NULL, NULL, NULL,
                                format('%s #%s', r.approval, r.id));
    RETURN a.count - votes - 1;
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
      AND (r.expires_at IS NULL OR r.expires_at > clock_timestamp());
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
CREATE OR REPLACE FUNCTION ward.approval_use_(p text, ap text, op text,
                                              t text, c text,
                                              memo boolean DEFAULT false)
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
          AND (expires_at IS NULL OR expires_at > clock_timestamp());
        IF rid IS NOT NULL THEN
            RETURN rid;
        END IF;
    END IF;
    SELECT * INTO a FROM ward.approval WHERE policy = p AND name = ap;
    SELECT r.id INTO rid FROM ward.request r
    WHERE r.policy = p AND r.approval = ap AND r.requester = u
      AND r.used_at IS NULL
      AND (r.expires_at IS NULL OR r.expires_at > clock_timestamp())
      AND (SELECT count(*) FROM ward.vote v WHERE v.request = r.id) >= a.count
    ORDER BY r.id LIMIT 1
    FOR UPDATE;
    IF rid IS NULL THEN
        PERFORM ward.refuse_('approval-required', format(
            '%s of %s needs approval %s', op,
            t || CASE WHEN c <> '' THEN '.' || c ELSE '' END, ap));
    END IF;
    UPDATE ward.request SET used_at = clock_timestamp(), used_stmt = s
    WHERE id = rid;
    RETURN rid;
END $$;
REVOKE ALL ON FUNCTION ward.approval_use_(text, text, text, text, text, boolean)
    FROM PUBLIC;

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
