/*
 * sqlite_write.c - writes through the session's virtual tables (xUpdate).
 *
 * An application's unchanged `UPDATE customers SET phone = ...` names the
 * session's virtual table; SQLite finds the rows through it and calls
 * rt_write once per row, which checks the write against the policy and
 * runs it on main with the runtime's own statement:
 *   - a column may be written only when a write rule grants it to one of
 *     the session's roles ([write-denied] names role, table and column);
 *   - a row is named by its rowid, and is one the session sees (the row
 *     filter is part of every write); rows are also found by the key as
 *     the session sees it, so updates and deletes need the key shown, as
 *     on PostgreSQL;
 *   - setting a column to the value the session reads of it (`SET phone =
 *     phone`, an ORM saving every field) is no change: a mask is never
 *     stored over the real value;
 *   - a row a write would put out of the session's sight is refused, as
 *     PostgreSQL's row security does;
 *   - guarded updates and deletes use an approved request (once per
 *     statement).
 * Every attempt on a table with audited writes leaves exactly one audit
 * record: changed, unchanged or refused (with its code). The work done and
 * the records written depend only on what the session can see (its
 * decided values and its grants), never on a value it cannot: a right and a
 * wrong guess at a masked value take the same path, so neither a change
 * counter nor the timing tells them apart.
 */
#include "sqlite_rt.h"

#include <stdarg.h>
#include <string.h>

/* Write is one xUpdate call in progress. */
typedef struct Write {
    WardConn *w;
    RtTable *t;
    const char *op;    /* insert, update, delete */
    char *key;         /* the row's key as text, for the audit record */
    sqlite3_str *cols; /* audited columns written */
    char *err;
} Write;

static bool audited(const RtTable *t)
{
    for (int i = 0; i < t->ncols; i++)
        if (t->cols[i].audit_write)
            return true;
    return false;
}

static void refuse(Write *wr, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* refuse records the refused attempt (after the statement: its failure
 * rolls back whatever it wrote) and sets the error. */
static void refuse(Write *wr, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    wr->err = sqlite3_mprintf("ward: [%s] %s", code, msg ? msg : "");
    sqlite3_free(msg);
    if (audited(wr->t)) {
        char *detail = sqlite3_mprintf("refused [%s]", code);
        rt_audit_defer(wr->w, wr->op, wr->t->name, wr->key, NULL, detail);
        sqlite3_free(detail);
    }
}

static const char *roles(const WardConn *w)
{
    return w->roles && *w->roles ? w->roles : "(none)";
}

static void add_column(Write *wr, const RtColumn *c)
{
    if (!c->audit_write)
        return;
    if (sqlite3_str_length(wr->cols))
        sqlite3_str_appendchar(wr->cols, 1, ',');
    sqlite3_str_appendall(wr->cols, c->name);
}

/* record appends the attempt's audit record; it stays with the statement
 * until it ends, and comes back if a rollback takes it away. */
static int record(Write *wr, const char *detail)
{
    if (!audited(wr->t))
        return SQLITE_OK;
    int n = sqlite3_str_length(wr->cols);
    const char *cols = n ? sqlite3_str_value(wr->cols) : NULL;
    return rt_audit_attempt(wr->w, wr->op, wr->t->name, wr->key, cols, detail,
                            &wr->err);
}

/* run prepares and steps SQL as the runtime with VALS bound from ?FIRST on
 * and, when FIRST is 2, ROWID as ?1; OUT (may be NULL) gets the first
 * column of a row it returns. Frees SQL. */
static int run(Write *wr, char *sql, sqlite3_value **vals, int n, int first,
               sqlite3_int64 rowid, sqlite3_int64 *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sql ? rt_prepare(wr->w, sql, &st) : SQLITE_NOMEM;
    for (int i = 0; rc == SQLITE_OK && i < n; i++)
        rc = sqlite3_bind_value(st, i + first, vals[i]);
    if (rc == SQLITE_OK && first == 2)
        rc = sqlite3_bind_int64(st, 1, rowid);
    if (rc == SQLITE_OK) {
        rc = rt_step(wr->w, st);
        if (rc == SQLITE_ROW && out)
            *out = sqlite3_column_int64(st, 0);
        rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
    /* The base table's own constraints speak for themselves; the attempt
     * is recorded as failed (with the class of the error, never a value). */
    if (rc != SQLITE_OK && !wr->err) {
        wr->err = sqlite3_mprintf("%s", sqlite3_errmsg(wr->w->db));
        if (audited(wr->t)) {
            char *detail =
                sqlite3_mprintf("failed [%s]", (rc & 0xff) == SQLITE_CONSTRAINT
                                                   ? "constraint"
                                                   : sqlite3_errstr(rc));
            rt_audit_defer(wr->w, wr->op, wr->t->name, wr->key, NULL, detail);
            sqlite3_free(detail);
        }
    }
    rt_finalize(wr->w, st);
    sqlite3_free(sql);
    return rc;
}

/* row_read reads row ROWID of the base table, within the session's rows:
 * every column (rowid first), for the decided values and the key. */
static sqlite3_stmt *row_read(Write *wr, sqlite3_int64 rowid)
{
    RtTable *t = wr->t;
    sqlite3_str *s = sqlite3_str_new(wr->w->db);
    sqlite3_str_appendall(s, "SELECT rowid");
    for (int i = 0; i < t->ncols; i++)
        sqlite3_str_appendf(s, ", \"%w\"", t->cols[i].name);
    sqlite3_str_appendf(s, " FROM main.\"%w\" WHERE rowid = ?1 AND (%s)",
                        t->name, t->filter ? t->filter : "1");
    char *sql = sqlite3_str_finish(s);
    sqlite3_stmt *st = NULL;
    int rc = sql ? rt_prepare(wr->w, sql, &st) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc == SQLITE_OK)
        sqlite3_bind_int64(st, 1, rowid);
    if (rc != SQLITE_OK || rt_step(wr->w, st) != SQLITE_ROW) {
        if (!wr->err)
            wr->err = sqlite3_mprintf("ward: row %lld of %s is not the "
                                      "session's to write",
                                      (long long)rowid, t->name);
        rt_finalize(wr->w, st);
        return NULL;
    }
    if (t->key >= 0)
        wr->key = rt_dup((const char *)sqlite3_column_text(st, 1 + t->key));
    else
        wr->key = sqlite3_mprintf("%lld", (long long)rowid);
    return st;
}

/* still_visible: row ROWID, just written, is there and is one the session
 * may see. */
static bool still_visible(Write *wr, sqlite3_int64 rowid)
{
    RtTable *t = wr->t;
    char *sql = sqlite3_mprintf("SELECT coalesce((%s), 0) FROM main.\"%w\" "
                                "WHERE rowid = ?1",
                                t->filter ? t->filter : "1", t->name);
    sqlite3_stmt *st = NULL;
    int rc = sql ? rt_prepare(wr->w, sql, &st) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc == SQLITE_OK)
        sqlite3_bind_int64(st, 1, rowid);
    bool ok = rc == SQLITE_OK && rt_step(wr->w, st) == SQLITE_ROW &&
              sqlite3_column_int(st, 0) != 0;
    rt_finalize(wr->w, st);
    if (!ok)
        refuse(wr, "write-denied",
               "%s %s may not write a row of %s that its rows rules would "
               "not let it see",
               rt_role_word(wr->w), roles(wr->w), t->name);
    return ok;
}

/* granted: a write rule grants C to the session, and a write of it cannot
 * tell anything the session does not see. A column in a unique index (or
 * the primary key) fails a write when another row holds the value: that
 * answers a guess at a masked value, or tells that a row outside the
 * session's rows exists, unless the session sees the column in clear in
 * every row. */
static bool granted(Write *wr, const RtColumn *c)
{
    if (!c->writable) {
        refuse(wr, "write-denied", "%s %s may not write %s.%s",
               rt_role_word(wr->w), roles(wr->w), wr->t->name, c->name);
        return false;
    }
    if (c->constrained && (c->effect != RT_SHOW || wr->t->filter)) {
        refuse(wr, "write-denied",
               "%s %s may not write %s.%s: the column is unique and the "
               "session does not see it in clear in every row, so a refused "
               "write would tell whether another row holds the value",
               rt_role_word(wr->w), roles(wr->w), wr->t->name, c->name);
        return false;
    }
    return true;
}

/* keys_on: the connection enforces foreign keys (PRAGMA foreign_keys),
 * which a session cannot change. */
static bool keys_on(WardConn *w)
{
    int on = 0;
    sqlite3_db_config(w->db, SQLITE_DBCONFIG_ENABLE_FKEY, -1, &on);
    return on != 0;
}

/*
 * reference_ok: writing V into column C, a foreign key to another
 * protected table, names a row of it the session sees, by a column it sees
 * in clear. Otherwise the key's check would tell a row the session does
 * not see (or a value it does not see) from none at all, so hidden and
 * missing rows are refused alike.
 */
static bool reference_ok(Write *wr, const RtColumn *c, sqlite3_value *v)
{
    if (!c->refers || sqlite3_value_type(v) == SQLITE_NULL || !keys_on(wr->w))
        return true;
    RtTable *p = rt_table(wr->w, c->refers);
    char *err = NULL;
    bool ok = p && rt_table_decide(wr->w, p, &err) == SQLITE_OK;
    sqlite3_free(err);
    int k = !ok             ? -1
            : c->refers_col ? rt_column(p, c->refers_col)
            : p->key >= 0   ? p->key
                            : p->rowid_col;
    char *sql = NULL;
    if (k >= 0 && p->cols[k].effect == RT_SHOW)
        sql = sqlite3_mprintf("SELECT 1 FROM main.\"%w\" WHERE \"%w\" = ?1 "
                              "AND (%s)",
                              p->name, p->cols[k].name,
                              p->filter ? p->filter : "1");
    sqlite3_stmt *st = NULL;
    ok = sql && rt_prepare(wr->w, sql, &st) == SQLITE_OK &&
         sqlite3_bind_value(st, 1, v) == SQLITE_OK &&
         rt_step(wr->w, st) == SQLITE_ROW;
    rt_finalize(wr->w, st);
    sqlite3_free(sql);
    if (!ok)
        refuse(wr, "write-denied",
               "%s %s may not set %s.%s to a row of %s it does not see",
               rt_role_word(wr->w), roles(wr->w), wr->t->name, c->name,
               c->refers);
    return ok;
}

/* referenced_ok: deleting the row, or changing column C (NULL: the row),
 * touches no foreign key of a protected table: its check or its cascade
 * would reach rows the session may not see or write. */
static bool referenced_ok(Write *wr, const RtColumn *c)
{
    const RtTable *t = wr->t;
    /* A key naming no column refers to the primary key. */
    int pk = t->rowid_col >= 0 ? t->rowid_col : t->key;
    bool referenced =
        c ? c->referenced || (t->referenced && pk >= 0 && c == &t->cols[pk])
          : t->referenced;
    for (int i = 0; !c && !referenced && i < t->ncols; i++)
        referenced = t->cols[i].referenced;
    if (!referenced || !keys_on(wr->w))
        return true;
    refuse(wr, "write-denied",
           "%s %s may not %s %s%s%s: a foreign key of a protected table "
           "refers to it, and its check or cascade would reach rows the "
           "session does not see",
           rt_role_word(wr->w), roles(wr->w), c ? "change" : "delete from",
           t->name, c ? "." : "", c ? c->name : "");
    return false;
}

/* key_usable: rows are found by the key as the session sees it. */
static bool key_usable(Write *wr, const char *what)
{
    const RtTable *t = wr->t;
    if (t->key >= 0 && t->cols[t->key].effect == RT_SHOW)
        return true;
    refuse(wr, "write-denied",
           "%s %s cannot %s rows of %s: %s, so a row of the view names no "
           "row of the table",
           rt_role_word(wr->w), roles(wr->w), what, t->name,
           t->key < 0 ? "the table has no key column"
                      : "its key column is not shown to this session");
    return false;
}

static bool approved(Write *wr, const char *approval, const char *op,
                     const RtColumn *c)
{
    if (!approval)
        return true;
    if (rt_approval_use(wr->w, approval, op, wr->t, c, &wr->err) == SQLITE_OK)
        return true;
    if (audited(wr->t)) {
        rt_audit_defer(wr->w, wr->op, wr->t->name, wr->key, NULL,
                       "refused [approval-required]");
    }
    return false;
}

/* decided_is: V equals what the session reads of column C whose stored
 * value is BASE. */
static bool decided_is(WardConn *w, const RtColumn *c, sqlite3_value *base,
                       sqlite3_value *v)
{
    switch (c->effect) {
    case RT_SHOW: return rt_value_is(base, v);
    case RT_HIDE: return sqlite3_value_type(v) == SQLITE_NULL;
    case RT_MASK: break;
    }
    return rt_mask_is(w, c->mask, base, c->date, c->margs, c->nargs, v);
}

static int update(Write *wr, sqlite3_int64 rowid, bool new_rowid,
                  sqlite3_value **vals)
{
    RtTable *t = wr->t;
    sqlite3_stmt *row = row_read(wr, rowid);
    if (!row)
        return SQLITE_ERROR;
    int rc = SQLITE_ERROR;
    sqlite3_value *set[t->ncols ? t->ncols : 1];
    int nset = 0;
    sqlite3_str *s = sqlite3_str_new(wr->w->db);
    sqlite3_str_appendf(s, "UPDATE OR ABORT main.\"%w\" SET ", t->name);
    if (new_rowid) {
        refuse(wr, "write-denied", "the rowid of %s cannot be changed",
               t->name);
        goto out;
    }
    if (!key_usable(wr, "update"))
        goto out;
    for (int i = 0; i < t->ncols; i++) {
        if (sqlite3_value_nochange(vals[i]))
            continue;
        const RtColumn *c = &t->cols[i];
        if (!granted(wr, c) || !reference_ok(wr, c, vals[i]) ||
            !referenced_ok(wr, c))
            goto out;
        if (decided_is(wr->w, c, sqlite3_column_value(row, 1 + i), vals[i]))
            continue;
        if (!approved(wr, c->update, "update", c))
            goto out;
        sqlite3_str_appendf(s, "%s\"%w\" = ?%d", nset ? ", " : "", c->name,
                            nset + 2);
        set[nset++] = vals[i];
        add_column(wr, c);
    }
    sqlite3_str_appendf(s, " WHERE rowid = ?1 AND (%s)",
                        t->filter ? t->filter : "1");
    if (nset) {
        /* The row's rowid after the write: a new value of the column that
         * is the rowid moves it. */
        sqlite3_int64 now = rowid;
        sqlite3_str_appendall(s, " RETURNING rowid");
        char *sql = sqlite3_str_finish(s);
        s = NULL;
        if (run(wr, sql, set, nset, 2, rowid, &now) != SQLITE_OK ||
            !still_visible(wr, now))
            goto out;
    }
    rc = record(wr, nset ? NULL : "unchanged");
out:
    if (s)
        sqlite3_free(sqlite3_str_finish(s));
    rt_finalize(wr->w, row);
    return wr->err ? SQLITE_ERROR : rc;
}

static int insert(Write *wr, sqlite3_value *given_rowid, sqlite3_value **vals,
                  sqlite3_int64 *out_rowid)
{
    RtTable *t = wr->t;
    WardConn *w = wr->w;
    if (sqlite3_value_type(given_rowid) != SQLITE_NULL) {
        refuse(wr, "write-denied",
               "an insert into %s cannot choose the "
               "rowid",
               t->name);
        return SQLITE_ERROR;
    }
    /* A column given as NULL is not written: the table's default applies. */
    sqlite3_value *given[t->ncols ? t->ncols : 1];
    int n = 0;
    bool any = false;
    sqlite3_str *cols = sqlite3_str_new(w->db);
    sqlite3_str *qs = sqlite3_str_new(w->db);
    for (int i = 0; i < t->ncols; i++) {
        any = any || t->cols[i].writable;
        if (sqlite3_value_type(vals[i]) == SQLITE_NULL)
            continue;
        if (!granted(wr, &t->cols[i]) ||
            !reference_ok(wr, &t->cols[i], vals[i]))
            break;
        sqlite3_str_appendf(cols, "%s\"%w\"", n ? ", " : "", t->cols[i].name);
        sqlite3_str_appendf(qs, "%s?%d", n ? ", " : "", n + 1);
        given[n++] = vals[i];
        add_column(wr, &t->cols[i]);
    }
    char *c = sqlite3_str_finish(cols), *q = sqlite3_str_finish(qs);
    /* An insert that gives no value still makes a row: it needs a grant to
     * write some column of the table. */
    if (!wr->err && !any)
        refuse(wr, "write-denied", "%s %s may not insert into %s",
               rt_role_word(w), roles(w), t->name);
    char *sql = NULL;
    if (!wr->err)
        sql = n ? sqlite3_mprintf("INSERT OR ABORT INTO main.\"%w\" (%s) "
                                  "VALUES (%s) RETURNING rowid",
                                  t->name, c, q)
                : sqlite3_mprintf("INSERT OR ABORT INTO main.\"%w\" DEFAULT "
                                  "VALUES RETURNING rowid",
                                  t->name);
    sqlite3_free(c);
    sqlite3_free(q);
    if (wr->err)
        return SQLITE_ERROR;
    if (run(wr, sql, given, n, 1, 0, out_rowid) != SQLITE_OK)
        return SQLITE_ERROR;
    if (!still_visible(wr, *out_rowid))
        return SQLITE_ERROR;
    /* The record names the audited columns the new row has a value in,
     * defaults and the key included. */
    sqlite3_stmt *row = row_read(wr, *out_rowid);
    if (!row)
        return SQLITE_ERROR;
    sqlite3_str_reset(wr->cols);
    for (int i = 0; i < t->ncols; i++)
        if (sqlite3_column_type(row, 1 + i) != SQLITE_NULL)
            add_column(wr, &t->cols[i]);
    rt_finalize(wr->w, row);
    return record(wr, NULL);
}

static int delete (Write *wr, sqlite3_int64 rowid)
{
    RtTable *t = wr->t;
    sqlite3_stmt *row = row_read(wr, rowid);
    if (!row)
        return SQLITE_ERROR;
    rt_finalize(wr->w, row);
    if (!t->deletable) {
        refuse(wr, "write-denied",
               "%s %s may not delete from %s: a delete needs a write grant "
               "on every column, or a delete approval",
               rt_role_word(wr->w), roles(wr->w), t->name);
        return SQLITE_ERROR;
    }
    if (!key_usable(wr, "delete") || !referenced_ok(wr, NULL) ||
        !approved(wr, t->delete_approval, "delete", NULL))
        return SQLITE_ERROR;
    char *sql = sqlite3_mprintf("DELETE FROM main.\"%w\" WHERE rowid = ?1 "
                                "AND (%s)",
                                t->name, t->filter ? t->filter : "1");
    if (run(wr, sql, NULL, 0, 2, rowid, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    return record(wr, NULL);
}

/* base_rowid is the stored rowid behind the one the session was given. */
static sqlite3_int64 base_rowid(const Write *wr, sqlite3_value *v)
{
    sqlite3_int64 r = sqlite3_value_int64(v);
    return rt_rowid_clear(wr->t) ? r : rt_rowid_show(wr->w, r);
}

int rt_write(WardConn *w, RtTable *t, int argc, sqlite3_value **argv,
             sqlite3_int64 *rowid, char **err)
{
    Write wr = {.w = w, .t = t};
    wr.cols = sqlite3_str_new(w->db);
    /* What the statement read to find its rows is recorded before its
     * write, inside it. */
    rt_audit_flush_reads(w, true);
    /* The compiled write-audit triggers leave this write to us. */
    w->writing++;
    int rc;
    if (argc == 1) {
        wr.op = "delete";
        rc = delete (&wr, base_rowid(&wr, argv[0]));
    } else if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        wr.op = "insert";
        rc = insert(&wr, argv[1], argv + 2, rowid);
        if (rc == SQLITE_OK && !rt_rowid_clear(t))
            *rowid = rt_rowid_hide(w, *rowid);
    } else {
        wr.op = "update";
        rc =
            update(&wr, base_rowid(&wr, argv[0]),
                   sqlite3_value_int64(argv[1]) != sqlite3_value_int64(argv[0]),
                   argv + 2);
    }
    w->writing--;
    sqlite3_free(sqlite3_str_finish(wr.cols));
    sqlite3_free(wr.key);
    if (rc != SQLITE_OK && !wr.err)
        wr.err =
            sqlite3_mprintf("ward: the write failed: %s", sqlite3_errstr(rc));
    if (rc == SQLITE_OK) {
        sqlite3_free(wr.err);
        wr.err = NULL;
    }
    *err = wr.err;
    return rc;
}
