/*
 * sqlite_session.c - ward_session(), ward_lock(), ward_attr(), ward_user():
 * setting a session builds what it sees.
 *
 * ward_session(roles, user, scenario, attrs) checks the names against the
 * policy's catalog, closes the roles under inheritance, and decides once
 * per protected table: each column's expression (the most permissive of
 * the roles' own decisions, which the compiler stored in ward_cell; between
 * masks the one written first), the row filter (the union of the roles'
 * rows rules), and the write grants. It then replaces the connection's temp
 * schema: a view named after each table (SQLite finds temp before main, so
 * `SELECT phone FROM customers` reads the view unchanged), INSTEAD OF
 * triggers that route writes to the checked write functions, and the
 * export and unmask views. Nothing is decided per row.
 */
#include "sqlite_rt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup(const char *s)
{
    return s ? sqlite3_mprintf("%s", s) : NULL;
}

static void tables_free(RtTable *t, int n)
{
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < t[i].ncols; c++) {
            sqlite3_free(t[i].cols[c].name);
            sqlite3_free(t[i].cols[c].expr);
            sqlite3_free(t[i].cols[c].unmask);
            sqlite3_free(t[i].cols[c].update);
        }
        sqlite3_free(t[i].cols);
        sqlite3_free(t[i].name);
        sqlite3_free(t[i].filter);
        sqlite3_free(t[i].export_approval);
        sqlite3_free(t[i].delete_approval);
    }
    sqlite3_free(t);
}

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
    tables_free(w->tables, w->ntables);
    w->tables = NULL;
    w->ntables = 0;
    attrs_free(w->attr_names, w->attr_values, w->nattrs);
    w->attr_names = NULL;
    w->attr_values = NULL;
    w->nattrs = 0;
    for (int i = 0; i < w->nobjects; i++)
        sqlite3_free(w->objects[i]);
    sqlite3_free(w->objects);
    w->objects = NULL;
    w->nobjects = 0;
    sqlite3_free(w->slots);
    w->slots = NULL;
    w->nslots = 0;
    sqlite3_free(w->policy);
    sqlite3_free(w->user);
    sqlite3_free(w->roles);
    sqlite3_free(w->roles_key);
    sqlite3_free(w->scenario);
    w->policy = w->user = w->roles = w->roles_key = w->scenario = NULL;
    rt_approval_statement_end(w);
}

/* ---- building a session ---- */

/* Build is a session being assembled; it replaces the connection's only
 * when every catalog read succeeded. */
typedef struct Build {
    WardConn *w;
    sqlite3_context *ctx;
    char *policy;
    char *roles, *roles_key, *scenario, *user;
    char **attr_names;
    sqlite3_value **attr_values;
    int nattrs;
    RtTable *tables;
    int ntables;
    RtSlot *slots;
    int nslots;
    bool failed;
} Build;

static void build_dispose(Build *b)
{
    sqlite3_free(b->policy);
    sqlite3_free(b->roles);
    sqlite3_free(b->roles_key);
    sqlite3_free(b->scenario);
    sqlite3_free(b->user);
    attrs_free(b->attr_names, b->attr_values, b->nattrs);
    tables_free(b->tables, b->ntables);
    sqlite3_free(b->slots);
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
        fail(b,
             "this database has no usable ward policy (%s): apply a script "
             "from `ward compile --target sqlite` first",
             sqlite3_errmsg(b->w->db));
        sqlite3_finalize(st);
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

static void load_policy(Build *b)
{
    sqlite3_stmt *st =
        query(b, "SELECT format, name FROM main.\"ward_policy\" WHERE id = 1");
    if (next(b, st)) {
        int format = sqlite3_column_int(st, 0);
        b->policy = dup(col_text(st, 1));
        if (format != 1)
            fail(b,
                 "the policy in this database has catalog format %d; this "
                 "runtime reads format 1: recompile with this ward",
                 format);
    } else if (!b->failed) {
        fail(b, "this database has no ward policy: apply a compiled script "
                "first");
    }
    sqlite3_finalize(st);
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
            sqlite3_reset(known);
            sqlite3_bind_text(known, 1, p, (int)(end - p), SQLITE_STATIC);
            if (!next(b, known) && !b->failed)
                fail(b, "[unknown-role] no role '%.*s' in policy %s",
                     (int)(end - p), p, b->policy);
            sqlite3_str_append(key, p, (int)(end - p));
            sqlite3_str_appendchar(key, 1, ',');
        }
        p = e;
    }
    sqlite3_finalize(known);
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
    sqlite3_finalize(st);
    sqlite3_free(given_key);
    b->roles = sqlite3_str_finish(list);
    if (!b->roles)
        b->roles = dup("");
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
             b->policy);
    sqlite3_finalize(st);
    b->scenario = dup(s);
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
        sqlite3_finalize(st);
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
        b->attr_names[b->nattrs] = dup(col_text(st, 1));
        b->attr_values[b->nattrs] =
            sqlite3_value_dup(sqlite3_column_value(st, 2));
        b->nattrs++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        fail(b, "session attributes are not valid JSON: %s",
             sqlite3_errmsg(b->w->db));
    sqlite3_finalize(st);
}

static void load_columns(Build *b, RtTable *t)
{
    sqlite3_stmt *st = query(b, "SELECT name, type, audit_read FROM "
                                "main.\"ward_column\" WHERE tbl = ?1 "
                                "ORDER BY pos");
    if (st)
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    while (next(b, st)) {
        RtColumn *cols =
            sqlite3_realloc64(t->cols, (t->ncols + 1) * sizeof *cols);
        if (!cols) {
            fail(b, "out of memory");
            break;
        }
        t->cols = cols;
        RtColumn *c = &t->cols[t->ncols++];
        memset(c, 0, sizeof *c);
        c->name = dup(col_text(st, 0));
        const char *type = col_text(st, 1);
        c->date = type &&
                  (strcmp(type, "date") == 0 || strcmp(type, "datetime") == 0);
        c->audit_read = sqlite3_column_int(st, 2) != 0;
        c->slot = -1;
    }
    sqlite3_finalize(st);
}

/* Each column's expression for the session: the best of its roles' own
 * decisions (show > mask > hide; between masks, the earliest written). */
static void load_cells(Build *b, RtTable *t)
{
    sqlite3_stmt *st = query(
        b, "SELECT col, expr, rank FROM (SELECT col, expr, rank, "
           "row_number() OVER (PARTITION BY col ORDER BY rank DESC, pos) AS "
           "n FROM main.\"ward_cell\" WHERE tbl = ?1 AND scenario = ?2 AND "
           "instr(?3, ',' || role || ',') > 0) WHERE n = 1");
    if (st) {
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, b->scenario ? b->scenario : "", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 3, b->roles_key, -1, SQLITE_STATIC);
    }
    while (next(b, st)) {
        int c = rt_column(t, col_text(st, 0));
        if (c < 0)
            continue;
        if (sqlite3_column_type(st, 1) != SQLITE_NULL)
            t->cols[c].expr = dup(col_text(st, 1));
        t->cols[c].shown = sqlite3_column_int(st, 2) == 2;
    }
    sqlite3_finalize(st);
}

static void load_rows(Build *b, RtTable *t)
{
    if (!t->has_rows)
        return;
    sqlite3_stmt *st = query(b, "SELECT expr FROM main.\"ward_rowrule\" "
                                "WHERE tbl = ?1 AND instr(?2, ',' || role "
                                "|| ',') > 0 ORDER BY rowid");
    if (st) {
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, b->roles_key, -1, SQLITE_STATIC);
    }
    sqlite3_str *f = sqlite3_str_new(b->w->db);
    bool all = false;
    while (next(b, st)) {
        if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
            all = true; /* `rows all` absorbs the union */
            continue;
        }
        if (sqlite3_str_length(f))
            sqlite3_str_appendall(f, " OR ");
        sqlite3_str_appendf(f, "(%s)", col_text(st, 0));
    }
    sqlite3_finalize(st);
    char *filter = sqlite3_str_finish(f);
    if (all) {
        sqlite3_free(filter);
        t->filter = NULL;
    } else {
        /* No rule names the session's roles: no rows. */
        t->filter = filter ? filter : dup("0");
    }
}

static void load_writes(Build *b, RtTable *t)
{
    sqlite3_stmt *st = query(b, "SELECT DISTINCT col FROM main.\"ward_write\" "
                                "WHERE tbl = ?1 AND instr(?2, ',' || role "
                                "|| ',') > 0");
    if (st) {
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, b->roles_key, -1, SQLITE_STATIC);
    }
    while (next(b, st)) {
        int c = rt_column(t, col_text(st, 0));
        if (c >= 0)
            t->cols[c].writable = true;
    }
    sqlite3_finalize(st);
}

static void load_guards(Build *b, RtTable *t)
{
    sqlite3_stmt *st = query(b, "SELECT approval, op, col FROM "
                                "main.\"ward_guard\" WHERE tbl = ?1");
    if (st)
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    while (next(b, st)) {
        const char *ap = col_text(st, 0), *op = col_text(st, 1);
        int c = rt_column(t, col_text(st, 2));
        if (strcmp(op, "export") == 0)
            t->export_approval = dup(ap);
        else if (strcmp(op, "delete") == 0)
            t->delete_approval = dup(ap);
        else if (c >= 0 && strcmp(op, "update") == 0)
            t->cols[c].update = dup(ap);
        else if (c >= 0 && strcmp(op, "unmask") == 0)
            t->cols[c].unmask = dup(ap);
    }
    sqlite3_finalize(st);
}

static void load_tables(Build *b)
{
    sqlite3_stmt *st = query(b, "SELECT name, key, has_rows FROM "
                                "main.\"ward_table\" ORDER BY rowid");
    while (next(b, st)) {
        RtTable *ts =
            sqlite3_realloc64(b->tables, (b->ntables + 1) * sizeof *ts);
        if (!ts) {
            fail(b, "out of memory");
            break;
        }
        b->tables = ts;
        RtTable *t = &b->tables[b->ntables++];
        memset(t, 0, sizeof *t);
        t->name = dup(col_text(st, 0));
        t->key = -1;
        t->has_rows = sqlite3_column_int(st, 2) != 0;
        char *key = dup(col_text(st, 1));
        load_columns(b, t);
        t->key = rt_column(t, key);
        sqlite3_free(key);
        load_cells(b, t);
        load_rows(b, t);
        load_writes(b, t);
        load_guards(b, t);
        bool all = t->ncols > 0;
        for (int c = 0; c < t->ncols; c++)
            all = all && t->cols[c].writable;
        t->deletable = all || t->delete_approval;
    }
    sqlite3_finalize(st);
}

/* Read-audit counters: one per audited column the session can see. */
static void assign_slots(Build *b)
{
    for (int t = 0; t < b->ntables && !b->failed; t++)
        for (int c = 0; c < b->tables[t].ncols; c++) {
            RtColumn *col = &b->tables[t].cols[c];
            if (!col->audit_read || (!col->expr && !col->unmask))
                continue;
            RtSlot *s =
                sqlite3_realloc64(b->slots, (b->nslots + 1) * sizeof *s);
            if (!s) {
                fail(b, "out of memory");
                return;
            }
            b->slots = s;
            memset(&s[b->nslots], 0, sizeof *s);
            s[b->nslots].table = t;
            s[b->nslots].column = c;
            col->slot = b->nslots++;
        }
}

/* ---- the temp schema ---- */

static void ident(sqlite3_str *s, const char *name)
{
    sqlite3_str_appendf(s, "\"%w\"", name);
}

/* MODE: 0 the read view, 1 the export view, 2 the unmask view. */
static void view(sqlite3_str *s, const RtTable *t, const char *name, int mode)
{
    sqlite3_str_appendall(s, "CREATE TEMP VIEW ");
    ident(s, name);
    sqlite3_str_appendall(s, " (");
    for (int c = 0; c < t->ncols; c++) {
        if (c)
            sqlite3_str_appendall(s, ", ");
        ident(s, t->cols[c].name);
    }
    sqlite3_str_appendall(s, ") AS SELECT ");
    for (int c = 0; c < t->ncols; c++) {
        const RtColumn *col = &t->cols[c];
        if (c)
            sqlite3_str_appendall(s, ", ");
        bool counted = col->slot >= 0 && mode != 1;
        /* ward_read counts distinct rows by their rowid. */
        if (counted)
            sqlite3_str_appendf(s, "ward_read(%d, _rowid_, ", col->slot);
        if (mode == 2 && col->unmask) {
            sqlite3_str_appendf(s,
                                "CASE WHEN (SELECT ward_unmask(%Q, %Q)) "
                                "THEN ",
                                t->name, col->name);
            ident(s, col->name);
            sqlite3_str_appendall(s, " END");
        } else {
            sqlite3_str_appendall(s, col->expr ? col->expr : "NULL");
        }
        if (counted)
            sqlite3_str_appendall(s, ")");
    }
    sqlite3_str_appendall(s, " FROM main.");
    ident(s, t->name);
    if (mode == 1) {
        sqlite3_str_appendf(s, " WHERE (SELECT ward_export(%Q))", t->name);
        if (t->filter)
            sqlite3_str_appendf(s, " AND (%s)", t->filter);
    } else if (t->filter) {
        sqlite3_str_appendf(s, " WHERE %s", t->filter);
    }
    sqlite3_str_appendall(s, ";\n");
}

static void key_ref(sqlite3_str *s, const RtTable *t, const char *row)
{
    if (t->key >= 0) {
        sqlite3_str_appendf(s, "%s.", row);
        ident(s, t->cols[t->key].name);
    } else {
        sqlite3_str_appendall(s, "NULL");
    }
}

static void write_triggers(sqlite3_str *s, const RtTable *t, int ti)
{
    sqlite3_str_appendf(s,
                        "CREATE TEMP TRIGGER \"ward_insert_%d\" INSTEAD "
                        "OF INSERT ON ",
                        ti);
    ident(s, t->name);
    sqlite3_str_appendf(s, " BEGIN SELECT ward_insert(%Q", t->name);
    for (int c = 0; c < t->ncols; c++) {
        sqlite3_str_appendall(s, ", NEW.");
        ident(s, t->cols[c].name);
    }
    sqlite3_str_appendall(s, "); END;\n");
    sqlite3_str_appendf(s,
                        "CREATE TEMP TRIGGER \"ward_delete_%d\" INSTEAD "
                        "OF DELETE ON ",
                        ti);
    ident(s, t->name);
    sqlite3_str_appendf(s, " BEGIN SELECT ward_delete(%Q, ", t->name);
    key_ref(s, t, "OLD");
    sqlite3_str_appendall(s, "); END;\n");
    for (int c = 0; c < t->ncols; c++) {
        sqlite3_str_appendf(s,
                            "CREATE TEMP TRIGGER \"ward_update_%d_%d\" "
                            "INSTEAD OF UPDATE OF ",
                            ti, c);
        ident(s, t->cols[c].name);
        sqlite3_str_appendall(s, " ON ");
        ident(s, t->name);
        sqlite3_str_appendf(s, " BEGIN SELECT ward_update(%Q, %Q, ", t->name,
                            t->cols[c].name);
        key_ref(s, t, "OLD");
        sqlite3_str_appendall(s, ", NEW.");
        ident(s, t->cols[c].name);
        sqlite3_str_appendall(s, ", OLD.");
        ident(s, t->cols[c].name);
        sqlite3_str_appendall(s, "); END;\n");
    }
}

static bool add_object(char ***objs, int *n, const char *name)
{
    char **o = sqlite3_realloc64(*objs, (*n + 1) * sizeof *o);
    if (!o)
        return false;
    *objs = o;
    o[*n] = dup(name);
    (*n)++;
    return true;
}

static int install(WardConn *w, Build *b, char **err)
{
    sqlite3_str *s = sqlite3_str_new(w->db);
    for (int i = 0; i < w->nobjects; i++)
        sqlite3_str_appendf(s, "DROP VIEW IF EXISTS temp.\"%w\";\n",
                            w->objects[i]);
    char **objs = NULL;
    int nobjs = 0;
    bool ok = true;
    for (int t = 0; t < b->ntables && ok; t++) {
        const RtTable *tb = &b->tables[t];
        char *exp = sqlite3_mprintf("ward_export_%s", tb->name);
        char *unm = sqlite3_mprintf("ward_unmask_%s", tb->name);
        view(s, tb, tb->name, 0);
        write_triggers(s, tb, t);
        view(s, tb, exp, 1);
        ok = add_object(&objs, &nobjs, tb->name) &&
             add_object(&objs, &nobjs, exp);
        bool any = false;
        for (int c = 0; c < tb->ncols; c++)
            any = any || tb->cols[c].unmask;
        if (any) {
            view(s, tb, unm, 2);
            ok = ok && add_object(&objs, &nobjs, unm);
        }
        sqlite3_free(exp);
        sqlite3_free(unm);
    }
    char *sql = sqlite3_str_finish(s);
    int rc = ok && sql ? rt_exec(w, sql, err) : SQLITE_NOMEM;
    sqlite3_free(sql);
    for (int i = 0; i < w->nobjects; i++)
        sqlite3_free(w->objects[i]);
    sqlite3_free(w->objects);
    w->objects = objs;
    w->nobjects = nobjs;
    return rc;
}

/* ---- SQL functions ---- */

static void fn_session(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    WardConn *w = rt_conn(ctx);
    if (w->locked) {
        rt_error(ctx, "[session-locked] the session of this connection is "
                      "locked; open a new connection for another session");
        return;
    }
    if (w->internal) {
        rt_error(ctx, "ward_session cannot run inside ward's own SQL");
        return;
    }
    Build b = {.w = w, .ctx = ctx};
    const char *roles =
        argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : NULL;
    load_policy(&b);
    load_roles(&b, roles);
    if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL)
        b.user = dup((const char *)sqlite3_value_text(argv[1]));
    if (argc > 2)
        load_scenario(&b, (const char *)sqlite3_value_text(argv[2]));
    if (argc > 3)
        load_attrs(&b, argv[3]);
    load_tables(&b);
    assign_slots(&b);
    if (b.failed) {
        build_dispose(&b);
        return;
    }
    /* Flush what the old session read before its views go. */
    rt_audit_statement_end(w);
    char **objects = w->objects;
    int nobjects = w->nobjects;
    w->objects = NULL;
    w->nobjects = 0;
    rt_session_clear(w);
    w->objects = objects;
    w->nobjects = nobjects;
    w->policy = b.policy;
    w->roles = b.roles;
    w->roles_key = b.roles_key;
    w->scenario = b.scenario;
    w->user = b.user;
    w->attr_names = b.attr_names;
    w->attr_values = b.attr_values;
    w->nattrs = b.nattrs;
    w->tables = b.tables;
    w->ntables = b.ntables;
    w->slots = b.slots;
    w->nslots = b.nslots;
    /* From here on the session is in force: if the views cannot be made,
     * the authorizer still refuses direct reads of the protected tables. */
    w->active = true;
    char *err = NULL;
    int rc = install(w, &b, &err);
    if (rc != SQLITE_OK) {
        rt_error(ctx, "cannot build the session's views: %s",
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
    if (w->locked) {
        rt_error(ctx, "[session-locked] the session of this connection is "
                      "locked; open a new connection for another session");
        return;
    }
    if (w->active) {
        rt_audit_statement_end(w);
        sqlite3_str *s = sqlite3_str_new(w->db);
        for (int i = 0; i < w->nobjects; i++)
            sqlite3_str_appendf(s, "DROP VIEW IF EXISTS temp.\"%w\";\n",
                                w->objects[i]);
        char *sql = sqlite3_str_finish(s);
        char *err = NULL;
        int rc = sql ? rt_exec(w, sql, &err) : SQLITE_NOMEM;
        sqlite3_free(sql);
        if (rc != SQLITE_OK) {
            rt_error(ctx, "cannot drop the session's views: %s",
                     err ? err : sqlite3_errstr(rc));
            sqlite3_free(err);
            return;
        }
        rt_session_clear(w);
        w->active = false;
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

/* ward_attr and ward_user are constant for the life of a session, and
 * every view is rebuilt when the session changes, so SQLite may evaluate
 * them once per statement (and use indexes on them). */
#define CONSTANT (SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)

static const RtFunction FUNCTIONS[] = {
    {"ward_session", -1, 0, fn_session},
    {"ward_lock", 0, 0, fn_lock},
    {"ward_session_end", 0, 0, fn_session_end},
    {"ward_attr", 1, CONSTANT, fn_attr},
    {"ward_user", 0, CONSTANT, fn_user},
    {"ward_roles", 0, 0, fn_roles},
    {"ward_scenario", 0, 0, fn_scenario},
};

int rt_session_register(sqlite3 *db, WardConn *w)
{
    return rt_register(db, w, FUNCTIONS, sizeof FUNCTIONS / sizeof *FUNCTIONS);
}
