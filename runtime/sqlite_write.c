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
 * The write-audit triggers of the compiled script fire on main as usual.
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
    RtTable *t = w->active ? rt_table(w, (const char *)sqlite3_value_text(name))
                           : NULL;
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

/* run prepares and steps SQL with the given bindings as the runtime. */
static void run(sqlite3_context *ctx, WardConn *w, char *sql,
                sqlite3_value **vals, int nvals)
{
    sqlite3_stmt *st = NULL;
    int rc = sql ? rt_prepare(w, sql, &st) : SQLITE_NOMEM;
    for (int i = 0; rc == SQLITE_OK && i < nvals; i++)
        rc = sqlite3_bind_value(st, i + 1, vals[i]);
    if (rc == SQLITE_OK)
        rc = rt_step(w, st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        sqlite3_result_null(ctx);
    else if (rc == SQLITE_NOMEM)
        sqlite3_result_error_nomem(ctx);
    else
        /* The base table's own constraints and the audit triggers speak
         * for themselves. */
        sqlite3_result_error(ctx, sqlite3_errmsg(w->db), -1);
    sqlite3_finalize(st);
    sqlite3_free(sql);
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
    sqlite3_str_appendf(s, "UPDATE main.\"%w\" SET \"%w\" = ?1 WHERE "
                           "\"%w\".\"%w\" = ?2",
                        t->name, t->cols[c].name, t->name,
                        t->cols[t->key].name);
    append_filter(s, t);
    sqlite3_value *vals[2] = {argv[3], argv[2]};
    run(ctx, w, sqlite3_str_finish(s), vals, 2);
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
    char *c = sqlite3_str_finish(cols), *q = sqlite3_str_finish(qs);
    char *sql = n ? sqlite3_mprintf("INSERT INTO main.\"%w\" (%s) VALUES (%s)",
                                    t->name, c, q)
                  : sqlite3_mprintf("INSERT INTO main.\"%w\" DEFAULT VALUES",
                                    t->name);
    sqlite3_free(c);
    sqlite3_free(q);
    run(ctx, w, sql, vals, n);
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
    run(ctx, w, sqlite3_str_finish(s), &argv[1], 1);
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
