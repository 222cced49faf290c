-- runtime/postgres/write.sql - writes through the policy's views.
--
-- An application's `UPDATE policy.customers SET phone = ...` fires the
-- view's INSTEAD OF trigger, ward.view_write_, for each row the caller can
-- see. It checks the write against the policy and runs it on the base
-- table as the runtime's owner (the policy's roles hold no privilege on
-- base tables):
--   - a column the caller changes needs a write grant of one of its roles,
--     else [write-denied]; a column set to what the caller already sees is
--     no change and is not written, so writing back a masked value never
--     stores the mask;
--   - rows are named by the table's key as the caller sees it: without a
--     shown key a view row names no base row;
--   - a delete needs a write grant on every column, or a delete approval;
--   - update and delete approvals are used once per statement;
--   - a row the write leaves out of the caller's own sight is refused, as
--     row security does for tables.
-- The write-audit triggers on the base table record the change.

-- The protected tables: the base table and its key column.
CREATE TABLE IF NOT EXISTS ward.tbl (
    policy text NOT NULL,
    name   text NOT NULL,
    base   regclass NOT NULL,
    keycol text, -- NULL: no key column
    gk     text NOT NULL, -- its read counter's settings key
    has_rows boolean NOT NULL, -- row rules: a row may be out of sight
    PRIMARY KEY (policy, name)
);
-- Write grants: role may write tbl.col.
CREATE TABLE IF NOT EXISTS ward.write (
    policy text NOT NULL,
    tbl    text NOT NULL,
    col    text NOT NULL,
    role   text NOT NULL,
    PRIMARY KEY (policy, tbl, col, role)
);
REVOKE ALL ON ward.tbl, ward.write FROM PUBLIC;
-- ward.read_table_ remembers it (session.sql, ward.changed_).
DROP TRIGGER IF EXISTS ward_changed ON ward.tbl;
CREATE TRIGGER ward_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON ward.tbl FOR EACH STATEMENT EXECUTE FUNCTION ward.changed_();

-- view_rows_: how many rows of the policy view P.T the caller sees, with
-- KEY = K when KEY is given. It runs as ward_reader, the views' owner,
-- which holds no key, vote or audit row: code the base table's owner
-- attaches to it (a row-security policy's function runs as the current
-- user) would otherwise run with the runtime's rights. Only the runtime
-- calls it, for a protected table's own view.
CREATE OR REPLACE FUNCTION ward.view_rows_(p text, t text, keycol text, k text)
RETURNS bigint LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF keycol IS NULL THEN
        EXECUTE format('SELECT count(*) FROM %I.%I', p, t) INTO n;
    ELSE
        EXECUTE format('SELECT count(*) FROM %I.%I AS v WHERE v.%I::text = $1',
                       p, t, keycol) INTO n USING k;
    END IF;
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION ward.view_rows_(text, text, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.who_(p text)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r text := ward.roles_(p);
BEGIN
    RETURN CASE WHEN r LIKE '%,%' THEN 'roles ' ELSE 'role ' END
           || coalesce(r, '(none)');
END $$;

-- dml_: one write on a base table, run by the policy's writer function
-- (P.ward_dml_, owned by the policy's own writer role, ward_w_...: a role
-- with the rows of that policy's tables and nothing else, so that code a
-- table's owner attaches to it (a column default, a trigger) runs without
-- the runtime's rights or another policy's tables). When the table
-- refuses the write (a NOT NULL, CHECK or unique constraint), the error
-- keeps the table's message and drops its DETAIL, which shows the failing
-- row as the writer sees it: every column, masked or not.
CREATE OR REPLACE FUNCTION ward.dml_(q text, a jsonb, b jsonb)
RETURNS jsonb LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r jsonb;
BEGIN
    EXECUTE q INTO r USING a, b;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    IF SQLERRM LIKE 'ward: %' THEN
        RAISE;
    END IF;
    RAISE EXCEPTION USING ERRCODE = SQLSTATE,
                          MESSAGE = 'ward: the table refused the write: ' || SQLERRM;
END $$;
REVOKE ALL ON FUNCTION ward.dml_(text, jsonb, jsonb) FROM PUBLIC;

-- write_: dml_ through policy P's writer function.
CREATE OR REPLACE FUNCTION ward.write_(p text, q text, a jsonb, b jsonb)
RETURNS jsonb LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r jsonb;
BEGIN
    EXECUTE format('SELECT %I.ward_dml_($1, $2, $3)', p) INTO r USING q, a, b;
    RETURN r;
END $$;
REVOKE ALL ON FUNCTION ward.write_(text, text, jsonb, jsonb) FROM PUBLIC;

CREATE OR REPLACE FUNCTION ward.view_write_()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p text := TG_ARGV[0];
    t text := TG_TABLE_NAME;
    tb ward.tbl;
    u text := ward.caller_();
    o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    cols text[];
    c text;
    ap text;
    k jsonb;
    seen boolean;
BEGIN
    SELECT * INTO tb FROM ward.tbl WHERE policy = p AND name = t;
    -- The columns written: changed (update) or given (insert).
    SELECT array_agg(e.key ORDER BY e.key) INTO cols FROM jsonb_each(n) e
    WHERE CASE WHEN TG_OP = 'INSERT' THEN e.value <> 'null'::jsonb
               ELSE e.value IS DISTINCT FROM o -> e.key END;
    IF TG_OP = 'UPDATE' AND cols IS NULL THEN
        RETURN NEW;
    END IF;
    -- An insert that gives no value still makes a row: it needs a grant
    -- to write some column of the table.
    IF TG_OP = 'INSERT' AND cols IS NULL AND NOT EXISTS (
        SELECT 1 FROM ward.write w WHERE w.policy = p AND w.tbl = t
          AND pg_has_role(u::name, w.role, 'MEMBER')) THEN
        PERFORM ward.refuse_('write-denied', format('%s may not insert into %s',
                                                    ward.who_(p), t));
    END IF;
    FOREACH c IN ARRAY coalesce(cols, '{}') LOOP
        IF NOT EXISTS (SELECT 1 FROM ward.write w
                       WHERE w.policy = p AND w.tbl = t AND w.col = c
                         AND pg_has_role(u::name, w.role, 'MEMBER')) THEN
            PERFORM ward.refuse_('write-denied', format('%s may not write %s.%s',
                                                        ward.who_(p), t, c));
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        SELECT approval INTO ap FROM ward.guard g
        WHERE g.policy = p AND g.op = 'delete' AND g.tbl = t;
        IF ap IS NULL AND EXISTS (
            SELECT 1 FROM jsonb_object_keys(o) x(col)
            WHERE NOT EXISTS (SELECT 1 FROM ward.write w
                              WHERE w.policy = p AND w.tbl = t AND w.col = x.col
                                AND pg_has_role(u::name, w.role, 'MEMBER'))) THEN
            PERFORM ward.refuse_('write-denied', format(
                '%s may not delete from %s: a delete needs a write grant on '
                'every column, or a delete approval', ward.who_(p), t));
        END IF;
    END IF;
    IF TG_OP <> 'INSERT' AND (tb.keycol IS NULL
                              OR ward.outcome(p, t, tb.keycol) <> 1) THEN
        PERFORM ward.refuse_('write-denied', format(
            '%s cannot %s rows of %s: %s, so a row of the view names no row '
            'of the table', ward.who_(p), lower(TG_OP), t,
            CASE WHEN tb.keycol IS NULL THEN 'the table has no key column'
                 ELSE 'its key column is not shown to this session' END));
    END IF;
    -- The audit chain's head before the row: the base table's trigger
    -- appends under the head's lock, and taking that lock after the row's
    -- would let two transactions each hold what the other waits for (one
    -- writing row 1 then row 3, the other row 3: "deadlock detected").
    -- Writers of audited tables queue on the head first.
    IF EXISTS (SELECT 1 FROM ward.audit_col a
               WHERE a.policy = p AND a.tbl = t AND a.wr) THEN
        PERFORM 1 FROM ward.audit_head WHERE id = 1 FOR UPDATE;
    END IF;
    -- The base row is named by its key alone, and an update reads only
    -- the columns it writes: the view's other values are what the caller
    -- sees (a mask: '30-39' of a real), which the table's types need not
    -- take.
    IF TG_OP = 'DELETE' THEN
        IF ap IS NOT NULL THEN
            PERFORM ward.approval_use_(p, ap, 'delete', t, '', true);
        END IF;
        PERFORM ward.write_(p, format('DELETE FROM %s AS b WHERE b.%I = '
                                 '(jsonb_populate_record(NULL::%s, $1)).%I '
                                 'RETURNING NULL::jsonb',
                                 tb.base, tb.keycol, tb.base, tb.keycol),
                            jsonb_build_object(tb.keycol, o -> tb.keycol), NULL);
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        FOR ap, c IN SELECT g.approval, g.col FROM ward.guard g
                     WHERE g.policy = p AND g.op = 'update' AND g.tbl = t
                       AND g.col = ANY (cols) ORDER BY g.col LOOP
            PERFORM ward.approval_use_(p, ap, 'update', t, c, true);
        END LOOP;
        PERFORM ward.write_(p, format('UPDATE %s AS b SET (%s) = ROW(%s) FROM '
                                 'jsonb_populate_record(NULL::%s, $1) AS r WHERE b.%I = '
                                 '(jsonb_populate_record(NULL::%s, $2)).%I '
                                 'RETURNING NULL::jsonb',
                                 tb.base,
                                 (SELECT string_agg(format('%I', x), ', ') FROM unnest(cols) x),
                                 (SELECT string_agg(format('r.%I', x), ', ') FROM unnest(cols) x),
                                 tb.base, tb.keycol, tb.base, tb.keycol),
                            (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(n) e
                             WHERE e.key = ANY (cols)),
                            jsonb_build_object(tb.keycol, o -> tb.keycol));
        k := coalesce(n -> tb.keycol, o -> tb.keycol);
    ELSIF cols IS NULL THEN
        -- Every column NULL: the table's defaults.
        n := ward.write_(p, format('INSERT INTO %s AS b DEFAULT VALUES RETURNING to_jsonb(b)',
                              tb.base), NULL, NULL);
        k := n -> tb.keycol;
    ELSE
        n := ward.write_(p, format('INSERT INTO %s AS b (%s) SELECT %s FROM '
                              'jsonb_populate_record(NULL::%s, $1) AS r RETURNING to_jsonb(b)',
                              tb.base,
                              (SELECT string_agg(format('%I', x), ', ') FROM unnest(cols) x),
                              (SELECT string_agg(format('r.%I', x), ', ') FROM unnest(cols) x),
                              tb.base), n, NULL);
        k := n -> tb.keycol;
    END IF;
    -- Still the caller's to see, by the policy's view (its row rules),
    -- which finds the row by its key as the caller sees it.
    IF tb.has_rows AND (tb.keycol IS NULL OR ward.outcome(p, t, tb.keycol) <> 1) THEN
        PERFORM ward.refuse_('write-denied', format(
            '%s cannot insert into %s: %s, so the new row cannot be checked '
            'against its rows rules', ward.who_(p), t,
            CASE WHEN tb.keycol IS NULL THEN 'the table has no key column'
                 ELSE 'its key column is not shown to this session' END));
    END IF;
    IF tb.has_rows THEN
        seen := ward.view_rows_(p, t, tb.keycol, k #>> '{}') > 0;
        IF NOT seen THEN
            PERFORM ward.refuse_('write-denied', format(
                '%s may not write a row of %s that its rows rules would not '
                'let it see', ward.who_(p), t));
        END IF;
    END IF;
    RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION ward.view_write_() FROM PUBLIC;
