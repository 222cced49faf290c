/*
 * sqlite_write.c - writes through the session's views.
 *
 * An application's unchanged `UPDATE customers SET phone = ...` names the
 * session's temp view. Its INSTEAD OF triggers cannot write main.customers
 * themselves (a trigger body may not name another schema, and an
 * unqualified name finds the view again), so they call these functions,
 * which check the write against the policy and run the real statement on
 * main:
 *   ward_update(table, column, key, new, old)  one trigger per column,
 *                                           fired only when it is SET
 *   ward_insert(table, value...)            the columns given non-NULL
 *   ward_delete(table, key)
 * Rows are found by the table's key column as the session sees it, within
 * the session's row filter: a row the session cannot see cannot be changed.
 * An update that sets a column to what the session already sees is no
 * change and writes nothing: an application that writes back the masked
 * values it read (`SET phone = phone`, an ORM saving every field) must
 * never store the mask over the real value.
 * A row a write leaves out of the session's own sight (an update of a
 * filtered column, an insert for another owner) is refused, as
 * PostgreSQL's row security does. The write-audit triggers of the
 * compiled script fire on main as usual.
 */
#include "sqlite_rt.h"

#include <string.h>

static const char *role_word(const WardConn *w)
{
    return strchr(w->roles, ',') ? "roles" : "role";
}

static bool denied(sqlite3_context *ctx, WardConn *w, const RtTable *t,
                   const RtColumn *c)
{
    if (c->writable)
        return false;
    rt_error(ctx, "[write-denied] %s %s may not write %s.%s", role_word(w),
             *w->roles ? w->roles : "(none)", t->name, c->name);
    return true;
}

static RtTable *session_table(sqlite3_context *ctx, WardConn *w,
                              sqlite3_value *name)
{
    RtTable *t =
        w->active ? rt_table(w, (const char *)sqlite3_value_text(name)) : NULL;
    if (!t)
        rt_error(ctx, "no session, or '%s' is not a protected table",
                 sqlite3_value_text(name));
    return t;
}

/* Rows are identified by the key as the session sees it: without a key,
 * or with the key masked or hidden, a view row names no base row. */
static bool key_usable(sqlite3_context *ctx, WardConn *w, const RtTable *t,
                       const char *what)
{
    if (t->key >= 0 && t->cols[t->key].shown)
        return true;
    rt_error(ctx,
             "[write-denied] %s %s cannot %s rows of %s: %s, so a row of "
             "the view names no row of the table",
             role_word(w), *w->roles ? w->roles : "(none)", what, t->name,
             t->key < 0 ? "the table has no key column"
                        : "its key column is not shown to this session");
    return false;
}

static void append_filter(sqlite3_str *s, const RtTable *t)
{
    if (t->filter)
        sqlite3_str_appendf(s, " AND (%s)", t->filter);
}

/* run prepares and steps SQL with the given bindings as the runtime; on
 * failure it sets CTX's error and returns false. Frees SQL. */
static bool run(sqlite3_context *ctx, WardConn *w, char *sql,
                sqlite3_value **vals, int nvals)
{
    sqlite3_stmt *st = NULL;
    int rc = sql ? rt_prepare(w, sql, &st) : SQLITE_NOMEM;
    for (int i = 0; rc == SQLITE_OK && i < nvals; i++)
        rc = sqlite3_bind_value(st, i + 1, vals[i]);
    if (rc == SQLITE_OK)
        rc = rt_step(w, st);
    bool ok = rc == SQLITE_DONE || rc == SQLITE_ROW;
    if (rc == SQLITE_NOMEM)
        sqlite3_result_error_nomem(ctx);
    else if (!ok)
        /* The base table's own constraints and the audit triggers speak
         * for themselves. */
        sqlite3_result_error(ctx, sqlite3_errmsg(w->db), -1);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return ok;
}

/*
 * still_visible: the row a write just made or changed (WHERE_SQL with one
 * parameter, ARG) is one the session may see. A write that would put a row
 * out of the session's own sight is refused, as PostgreSQL's row security
 * does: a sales rep cannot hand a customer to someone else, or insert one
 * for another store.
 */
static bool still_visible(sqlite3_context *ctx, WardConn *w, const RtTable *t,
                          const char *where_sql, sqlite3_value *arg)
{
    if (!t->filter)
        return true;
    char *sql = sqlite3_mprintf("SELECT count(*) FROM main.\"%w\" WHERE %s "
                                "AND NOT coalesce((%s), 0)",
                                t->name, where_sql, t->filter);
    sqlite3_stmt *st = NULL;
    int rc = sql ? rt_prepare(w, sql, &st) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc == SQLITE_OK && arg)
        sqlite3_bind_value(st, 1, arg);
    bool ok = rc == SQLITE_OK && rt_step(w, st) == SQLITE_ROW &&
              sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    if (!ok)
        rt_error(ctx,
                 "[write-denied] %s %s may not write a row of %s that its "
                 "rows rules would not let it see",
                 role_word(w), *w->roles ? w->roles : "(none)", t->name);
    return ok;
}

static bool approved(sqlite3_context *ctx, WardConn *w, const char *approval,
                     const char *op, const RtTable *t, const RtColumn *c)
{
    if (!approval)
        return true;
    char *err = NULL;
    if (rt_approval_use(w, approval, op, t, c, &err) == SQLITE_OK)
        return true;
    sqlite3_result_error(ctx, err ? err : "ward: approval check failed", -1);
    sqlite3_free(err);
    return false;
}

static void fn_update(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    WardConn *w = rt_conn(ctx);
    RtTable *t = session_table(ctx, w, argv[0]);
    if (!t)
        return;
    int c = rt_column(t, (const char *)sqlite3_value_text(argv[1]));
    if (c < 0) {
        rt_error(ctx, "%s has no column '%s'", t->name,
                 sqlite3_value_text(argv[1]));
        return;
    }
    if (denied(ctx, w, t, &t->cols[c]) || !key_usable(ctx, w, t, "update"))
        return;
    if (rt_value_is(argv[3], argv[4])) {
        sqlite3_result_null(ctx);
        return;
    }
    if (!approved(ctx, w, t->cols[c].update, "update", t, &t->cols[c]))
        return;
    sqlite3_str *s = sqlite3_str_new(w->db);
    sqlite3_str_appendf(s,
                        "UPDATE main.\"%w\" SET \"%w\" = ?1 WHERE "
                        "\"%w\".\"%w\" = ?2",
                        t->name, t->cols[c].name, t->name,
                        t->cols[t->key].name);
    append_filter(s, t);
    sqlite3_value *vals[2] = {argv[3], argv[2]};
    if (!run(ctx, w, sqlite3_str_finish(s), vals, 2))
        return;
    char *where =
        sqlite3_mprintf("\"%w\".\"%w\" = ?1", t->name, t->cols[t->key].name);
    bool seen = where && still_visible(ctx, w, t, where,
                                       c == t->key ? argv[3] : argv[2]);
    sqlite3_free(where);
    if (seen)
        sqlite3_result_null(ctx);
}

static void fn_insert(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    WardConn *w = rt_conn(ctx);
    RtTable *t = session_table(ctx, w, argv[0]);
    if (!t)
        return;
    if (argc - 1 != t->ncols) {
        rt_error(ctx, "ward_insert: %s has %d columns", t->name, t->ncols);
        return;
    }
    /* A column given as NULL is not written: the table's default applies. */
    sqlite3_str *cols = sqlite3_str_new(w->db);
    sqlite3_str *qs = sqlite3_str_new(w->db);
    sqlite3_value *vals[256];
    int n = 0;
    for (int c = 0; c < t->ncols; c++) {
        if (sqlite3_value_type(argv[c + 1]) == SQLITE_NULL)
            continue;
        if (denied(ctx, w, t, &t->cols[c]) || n == 256) {
            sqlite3_free(sqlite3_str_finish(cols));
            sqlite3_free(sqlite3_str_finish(qs));
            if (n == 256)
                rt_error(ctx, "ward_insert: too many columns");
            return;
        }
        sqlite3_str_appendf(cols, "%s\"%w\"", n ? ", " : "", t->cols[c].name);
        sqlite3_str_appendf(qs, "%s?%d", n ? ", " : "", n + 1);
        vals[n++] = argv[c + 1];
    }
    /* An insert that gives no value still makes a row: it needs a grant to
     * write some column of the table. */
    bool any = n > 0;
    for (int k = 0; !any && k < t->ncols; k++)
        any = t->cols[k].writable;
    if (!any) {
        sqlite3_free(sqlite3_str_finish(cols));
        sqlite3_free(sqlite3_str_finish(qs));
        rt_error(ctx, "[write-denied] %s %s may not insert into %s",
                 role_word(w), *w->roles ? w->roles : "(none)", t->name);
        return;
    }
    char *c = sqlite3_str_finish(cols), *q = sqlite3_str_finish(qs);
    char *sql =
        n ? sqlite3_mprintf("INSERT INTO main.\"%w\" (%s) VALUES (%s)", t->name,
                            c, q)
          : sqlite3_mprintf("INSERT INTO main.\"%w\" DEFAULT VALUES", t->name);
    sqlite3_free(c);
    sqlite3_free(q);
    if (!run(ctx, w, sql, vals, n))
        return;
    sqlite3_value *row = NULL;
    sqlite3_stmt *st = NULL;
    if (rt_prepare(w, "SELECT last_insert_rowid()", &st) == SQLITE_OK &&
        rt_step(w, st) == SQLITE_ROW)
        row = sqlite3_value_dup(sqlite3_column_value(st, 0));
    sqlite3_finalize(st);
    if (still_visible(ctx, w, t, "_rowid_ = ?1", row))
        sqlite3_result_null(ctx);
    sqlite3_value_free(row);
}

static void fn_delete(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    WardConn *w = rt_conn(ctx);
    RtTable *t = session_table(ctx, w, argv[0]);
    if (!t)
        return;
    if (!t->deletable) {
        rt_error(ctx,
                 "[write-denied] %s %s may not delete from %s: a delete "
                 "needs a write grant on every column, or a delete approval",
                 role_word(w), *w->roles ? w->roles : "(none)", t->name);
        return;
    }
    if (!key_usable(ctx, w, t, "delete") ||
        !approved(ctx, w, t->delete_approval, "delete", t, NULL))
        return;
    sqlite3_str *s = sqlite3_str_new(w->db);
    sqlite3_str_appendf(s, "DELETE FROM main.\"%w\" WHERE \"%w\".\"%w\" = ?1",
                        t->name, t->name, t->cols[t->key].name);
    append_filter(s, t);
    if (run(ctx, w, sqlite3_str_finish(s), &argv[1], 1))
        sqlite3_result_null(ctx);
}

static const RtFunction FUNCTIONS[] = {
    {"ward_update", 5, 0, fn_update},
    {"ward_insert", -1, 0, fn_insert},
    {"ward_delete", 2, 0, fn_delete},
};

int rt_write_register(sqlite3 *db, WardConn *w)
{
    return rt_register(db, w, FUNCTIONS, sizeof FUNCTIONS / sizeof *FUNCTIONS);
}
