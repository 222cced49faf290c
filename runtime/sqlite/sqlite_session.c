/*
 * sqlite_session.c - ward_session(), ward_lock(), ward_session_end(),
 * ward_attr(), ward_user(): who the connection serves.
 *
 * ward_session(roles, user, scenario, attrs) checks the names against the
 * policy's catalog, closes the roles under inheritance and puts the session
 * in force. It decides nothing per table (each table is decided the first
 * time a statement uses it, sqlite_catalog.c), so it costs the same for a
 * policy of one table or a hundred. It ends the previous session's temp
 * objects, makes the temp virtual tables the first time (sqlite_vtab.c),
 * records what the session may read besides them (sqlite_guard.c), and
 * installs the authorizer again: SQLite then expires every statement
 * prepared so far, so none runs unchecked or under the old session.
 */
#include "sqlite_rt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void attrs_free(char **names, sqlite3_value **values, int n)
{
    for (int i = 0; i < n; i++) {
        sqlite3_free(names[i]);
        sqlite3_value_free(values[i]);
    }
    sqlite3_free(names);
    sqlite3_free(values);
}

void rt_session_clear(WardConn *w)
{
    attrs_free(w->attr_names, w->attr_values, w->nattrs);
    w->attr_names = NULL;
    w->attr_values = NULL;
    w->nattrs = 0;
    sqlite3_free(w->user);
    sqlite3_free(w->roles);
    sqlite3_free(w->roles_key);
    sqlite3_free(w->scenario);
    w->user = w->roles = w->roles_key = w->scenario = NULL;
    rt_names_clear(&w->readable);
    rt_names_clear(&w->unreadable);
    rt_names_clear(&w->at_start);
    rt_approval_statement_end(w);
}

/* ---- building a session ---- */

/* Build is a session being assembled; it replaces the connection's only
 * when every name checked out. */
typedef struct Build {
    WardConn *w;
    sqlite3_context *ctx;
    char *roles, *roles_key, *scenario, *user;
    char **attr_names;
    sqlite3_value **attr_values;
    int nattrs;
    bool failed;
} Build;

static void build_dispose(Build *b)
{
    sqlite3_free(b->roles);
    sqlite3_free(b->roles_key);
    sqlite3_free(b->scenario);
    sqlite3_free(b->user);
    attrs_free(b->attr_names, b->attr_values, b->nattrs);
}

static void fail(Build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(Build *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    b->failed = true;
    va_list ap;
    va_start(ap, fmt);
    char *msg = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    rt_error(b->ctx, "%s", msg ? msg : "out of memory");
    sqlite3_free(msg);
}

static sqlite3_stmt *query(Build *b, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (b->failed)
        return NULL;
    if (rt_prepare(b->w, sql, &st) != SQLITE_OK) {
        fail(b, "reading the policy catalog: %s", sqlite3_errmsg(b->w->db));
        rt_finalize(b->w, st);
        return NULL;
    }
    return st;
}

static bool next(Build *b, sqlite3_stmt *st)
{
    if (!st || b->failed)
        return false;
    int rc = rt_step(b->w, st);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        fail(b, "reading the policy catalog: %s", sqlite3_errmsg(b->w->db));
    return false;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* The given roles, each known, closed under inherits, declaration order. */
static void load_roles(Build *b, const char *given)
{
    sqlite3_str *key = sqlite3_str_new(b->w->db);
    sqlite3_str_appendchar(key, 1, ',');
    sqlite3_stmt *known = query(b, "SELECT 1 FROM main.\"ward_role\" WHERE "
                                   "name = ?1");
    const char *p = given ? given : "";
    while (*p && !b->failed) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *end = e;
        while (end > p && end[-1] == ' ')
            end--;
        if (end > p) {
            rt_reset(b->w, known);
            sqlite3_bind_text(known, 1, p, (int)(end - p), SQLITE_STATIC);
            if (!next(b, known) && !b->failed)
                fail(b, "[unknown-role] no role '%.*s' in policy %s",
                     (int)(end - p), p, b->w->policy);
            sqlite3_str_append(key, p, (int)(end - p));
            sqlite3_str_appendchar(key, 1, ',');
        }
        p = e;
    }
    rt_finalize(b->w, known);
    char *given_key = sqlite3_str_finish(key);
    sqlite3_stmt *st = query(
        b, "SELECT r.name FROM main.\"ward_role\" r WHERE EXISTS (SELECT 1 "
           "FROM main.\"ward_role_closure\" c WHERE c.holds = r.name AND "
           "instr(?1, ',' || c.role || ',') > 0) ORDER BY r.rowid");
    if (st)
        sqlite3_bind_text(st, 1, given_key, -1, SQLITE_STATIC);
    sqlite3_str *list = sqlite3_str_new(b->w->db);
    while (next(b, st)) {
        if (sqlite3_str_length(list))
            sqlite3_str_appendchar(list, 1, ',');
        sqlite3_str_appendall(list, col_text(st, 0));
    }
    rt_finalize(b->w, st);
    sqlite3_free(given_key);
    b->roles = sqlite3_str_finish(list);
    if (!b->roles)
        b->roles = rt_dup("");
    b->roles_key = sqlite3_mprintf(",%s,", b->roles);
}

static void load_scenario(Build *b, const char *s)
{
    if (!s || !*s || b->failed)
        return;
    sqlite3_stmt *st =
        query(b, "SELECT 1 FROM main.\"ward_scenario\" WHERE name = ?1");
    if (st)
        sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
    if (!next(b, st) && !b->failed)
        fail(b, "[unknown-scenario] no scenario '%s' in policy %s", s,
             b->w->policy);
    rt_finalize(b->w, st);
    b->scenario = rt_dup(s);
}

static void load_attrs(Build *b, sqlite3_value *json)
{
    if (!json || sqlite3_value_type(json) == SQLITE_NULL || b->failed)
        return;
    sqlite3_stmt *st = NULL;
    if (rt_prepare(b->w, "SELECT json_type(?1), key, value FROM json_each(?1)",
                   &st) != SQLITE_OK) {
        fail(b, "session attributes need SQLite's JSON functions: %s",
             sqlite3_errmsg(b->w->db));
        rt_finalize(b->w, st);
        return;
    }
    sqlite3_bind_value(st, 1, json);
    int rc;
    while ((rc = rt_step(b->w, st)) == SQLITE_ROW) {
        if (strcmp(col_text(st, 0), "object") != 0) {
            fail(b, "session attributes must be a JSON object such as "
                    "'{\"store_id\": 7}'");
            break;
        }
        int n = b->nattrs + 1;
        char **names = sqlite3_realloc64(b->attr_names, n * sizeof *names);
        if (names)
            b->attr_names = names;
        sqlite3_value **vals =
            sqlite3_realloc64(b->attr_values, n * sizeof *vals);
        if (vals)
            b->attr_values = vals;
        if (!names || !vals) {
            fail(b, "out of memory");
            break;
        }
        b->attr_names[b->nattrs] = rt_dup(col_text(st, 1));
        b->attr_values[b->nattrs] =
            sqlite3_value_dup(sqlite3_column_value(st, 2));
        b->nattrs++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        fail(b, "session attributes are not valid JSON: %s",
             sqlite3_errmsg(b->w->db));
    rt_finalize(b->w, st);
}

/* ---- the session's temp objects ---- */

/* drop_own drops the temp tables and views the session made (whatever
 * temp holds that is neither the runtime's nor was there before the
 * session): they end with it, so the next session of the connection
 * inherits nothing. */
static int drop_own(WardConn *w, char **err)
{
    if (!w->own_watch)
        return SQLITE_OK;
    sqlite3_stmt *st = NULL;
    sqlite3_str *s = sqlite3_str_new(w->db);
    int rc = rt_prepare(w,
                        "SELECT type, name FROM temp.sqlite_schema WHERE "
                        "type IN ('table', 'view')",
                        &st);
    while (rc == SQLITE_OK && (rc = rt_step(w, st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        const char *type = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if (name && !rt_names_has(&w->vtabs, name) &&
            !rt_names_has(&w->at_start, name))
            sqlite3_str_appendf(s, "DROP %s IF EXISTS temp.\"%w\";\n",
                                strcmp(type, "view") == 0 ? "VIEW" : "TABLE",
                                name);
    }
    rt_finalize(w, st);
    char *sql = sqlite3_str_finish(s);
    if (rc == SQLITE_DONE)
        rc = sql ? (*sql ? rt_exec(w, sql, err) : SQLITE_OK) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc == SQLITE_OK) {
        rt_names_clear(&w->own);
        w->own_watch = false;
    }
    return rc;
}

/* busy_elsewhere: a statement other than the caller's is running, whose
 * rows would change session half-way. */
static bool busy_elsewhere(WardConn *w)
{
    int busy = 0;
    for (sqlite3_stmt *s = sqlite3_next_stmt(w->db, NULL); s;
         s = sqlite3_next_stmt(w->db, s))
        busy += sqlite3_stmt_busy(s) != 0;
    return busy > 1;
}

static bool may_change(sqlite3_context *ctx, WardConn *w, const char *fn)
{
    if (w->locked) {
        rt_error(ctx, "[session-locked] the session of this connection is "
                      "locked; open a new connection for another session");
        return false;
    }
    if (w->internal) {
        rt_error(ctx, "%s cannot run inside ward's own SQL", fn);
        return false;
    }
    if (busy_elsewhere(w)) {
        rt_error(ctx,
                 "%s cannot change the session while another statement of "
                 "this connection is running: reset or finalize it first",
                 fn);
        return false;
    }
    return true;
}

/* ---- SQL functions ---- */

static void fn_session(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    WardConn *w = rt_conn(ctx);
    if (!may_change(ctx, w, "ward_session"))
        return;
    bool changed = false;
    char *err = NULL;
    if (rt_catalog_load(w, &changed, &err) != SQLITE_OK) {
        sqlite3_result_error(ctx, err ? err : "ward: cannot read the policy",
                             -1);
        sqlite3_free(err);
        return;
    }
    Build b = {.w = w, .ctx = ctx};
    load_roles(&b, argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : NULL);
    if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL)
        b.user = rt_dup((const char *)sqlite3_value_text(argv[1]));
    if (argc > 2)
        load_scenario(&b, (const char *)sqlite3_value_text(argv[2]));
    if (argc > 3)
        load_attrs(&b, argv[3]);
    if (b.failed) {
        build_dispose(&b);
        return;
    }
    /* Flush what the old session read, and drop what it made, before it
     * goes. */
    rt_audit_statement_end(w);
    rt_journal_boundary(w);
    int rc = drop_own(w, &err);
    if (rc != SQLITE_OK) {
        build_dispose(&b);
        rt_error(ctx, "cannot end the previous session's temp objects: %s",
                 err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return;
    }
    rt_session_clear(w);
    w->roles = b.roles;
    w->roles_key = b.roles_key;
    w->scenario = b.scenario;
    w->user = b.user;
    w->attr_names = b.attr_names;
    w->attr_values = b.attr_values;
    w->nattrs = b.nattrs;
    /* From here on the session is in force, and fails closed: if the
     * virtual tables cannot be made, the authorizer still refuses the
     * protected tables themselves. */
    w->active = true;
    w->gen++;
    rc = rt_vtab_sync(w, changed, &err);
    if (rc == SQLITE_OK)
        rc = rt_guard_snapshot(w, &err);
    /* Setting the authorizer expires every prepared statement. */
    if (rc == SQLITE_OK)
        rc = rt_guard_install(w->db, w);
    if (rc != SQLITE_OK) {
        rt_error(ctx, "cannot set up the session: %s",
                 err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return;
    }
    sqlite3_result_text(ctx, w->roles, -1, SQLITE_TRANSIENT);
}

/* ward_session_end(): back to no session (the connection's owner, without
 * restrictions) when the session is not locked; an unlocked session is
 * the application's to change, not a boundary. */
static void fn_session_end(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    WardConn *w = rt_conn(ctx);
    if (!may_change(ctx, w, "ward_session_end"))
        return;
    if (w->active) {
        rt_audit_statement_end(w);
        rt_journal_boundary(w);
        char *err = NULL;
        int rc = drop_own(w, &err);
        if (rc == SQLITE_OK)
            rc = rt_vtab_drop(w, &err);
        if (rc == SQLITE_OK)
            rc = rt_guard_install(w->db, w);
        if (rc != SQLITE_OK) {
            rt_error(ctx, "cannot end the session: %s",
                     err ? err : sqlite3_errstr(rc));
            sqlite3_free(err);
            return;
        }
        rt_session_clear(w);
        w->active = false;
        w->gen++;
    }
    sqlite3_result_null(ctx);
}

static void fn_lock(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    WardConn *w = rt_conn(ctx);
    if (!w->active) {
        rt_error(ctx, "ward_lock() needs a session: call ward_session() "
                      "first");
        return;
    }
    w->locked = true;
    sqlite3_result_int(ctx, 1);
}

static void fn_attr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    WardConn *w = rt_conn(ctx);
    const char *name = (const char *)sqlite3_value_text(argv[0]);
    for (int i = 0; name && i < w->nattrs; i++)
        if (strcmp(w->attr_names[i], name) == 0) {
            sqlite3_result_value(ctx, w->attr_values[i]);
            return;
        }
    sqlite3_result_null(ctx);
}

/* ward_user(), ward_roles(), ward_scenario(): what the session holds, for
 * row rules, applications, and the shell user checking where they stand. */
static void fn_user(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    WardConn *w = rt_conn(ctx);
    rt_result_text(ctx, w->active ? w->user : NULL);
}

static void fn_roles(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    WardConn *w = rt_conn(ctx);
    rt_result_text(ctx, w->active ? w->roles : NULL);
}

static void fn_scenario(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    WardConn *w = rt_conn(ctx);
    rt_result_text(ctx, w->active ? w->scenario : NULL);
}

/* ward_clock(at): fixes the runtime's clock at AT (ISO 8601, UTC), or lets
 * it run again with NULL: the time of audit records, requests, votes and
 * expiry checks. For tests (a corpus step's `at:`), by the connection's
 * owner only: with a session set it is refused, so no session can move
 * expiry. */
static void fn_clock(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    WardConn *w = rt_conn(ctx);
    if (w->active) {
        rt_error(ctx, "[denied] ward_clock is for the connection's owner: "
                      "end the session first");
        return;
    }
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        w->clock_set = false;
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_stmt *st = NULL;
    bool ok = false;
    if (rt_prepare(w,
                   "SELECT unixepoch(?1), CAST(round(strftime('%f', ?1) * "
                   "1000) AS INTEGER) % 1000",
                   &st) == SQLITE_OK) {
        sqlite3_bind_value(st, 1, argv[0]);
        if (rt_step(w, st) == SQLITE_ROW &&
            sqlite3_column_type(st, 0) != SQLITE_NULL) {
            w->clock_s = sqlite3_column_int64(st, 0);
            w->clock_ms = sqlite3_column_int(st, 1);
            w->clock_set = ok = true;
        }
    }
    rt_finalize(w, st);
    if (!ok) {
        rt_error(ctx,
                 "ward_clock takes a time such as '2026-12-01T10:00:00Z', "
                 "not '%s'",
                 sqlite3_value_text(argv[0]));
        return;
    }
    char now[32];
    rt_now(w, now, 0);
    sqlite3_result_text(ctx, now, -1, SQLITE_TRANSIENT);
}

/* ward_attr and ward_user are constant for the life of a session, and
 * every statement is prepared again when the session changes, so SQLite
 * may evaluate them once per statement (and use indexes on them). */
#define CONSTANT (SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)

static const RtFunction FUNCTIONS[] = {
    {"ward_session", -1, 0, fn_session},
    {"ward_lock", 0, 0, fn_lock},
    {"ward_session_end", 0, 0, fn_session_end},
    {"ward_attr", 1, CONSTANT, fn_attr},
    {"ward_user", 0, CONSTANT, fn_user},
    {"ward_roles", 0, 0, fn_roles},
    {"ward_scenario", 0, 0, fn_scenario},
    {"ward_clock", 1, 0, fn_clock},
};

int rt_session_register(sqlite3 *db, WardConn *w)
{
    return rt_register(db, w, FUNCTIONS, sizeof FUNCTIONS / sizeof *FUNCTIONS);
}
