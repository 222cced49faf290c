/*
 * sqlite_catalog.c - the policy as the compiled script stored it, and what
 * it decides for the session in force, table by table.
 *
 * The catalog tables (ward_table, ward_column, ward_cell, ward_rowrule,
 * ward_write, ward_guard) are read in two steps:
 *   - rt_catalog_load, when a session starts: the protected tables, their
 *     columns and guards. Read again only when a different policy has been
 *     applied (ward_policy.source_sha256 changed), so a session starts in
 *     time independent of the number of tables;
 *   - rt_table_decide, the first time a statement of the session uses a
 *     table: each column's effect for the session (of the roles' own
 *     decisions, which the compiler stored per role in ward_cell with
 *     their combination key, the first by rank, then pos: the combination
 *     rule of compiler/decide.h, whose ranking lives there alone), the row
 *     filter (the union of the roles' rows rules) and the write grants.
 * Everything here runs as the runtime (rt_prepare/rt_step) and reads main.
 */
#include "sqlite_rt.h"

#include "mask.h"
#include "ward.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Catalog is one pass over the catalog with a sticky first error. */
typedef struct Catalog {
    WardConn *w;
    char *err; /* sqlite3_malloc'd, the first failure */
} Catalog;

static void fail(Catalog *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(Catalog *c, const char *fmt, ...)
{
    if (c->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    c->err = msg ? sqlite3_mprintf("ward: %s", msg) : NULL;
    if (!c->err)
        c->err = sqlite3_mprintf("ward: out of memory");
    sqlite3_free(msg);
}

static sqlite3_stmt *query(Catalog *c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (c->err)
        return NULL;
    if (rt_prepare(c->w, sql, &st) != SQLITE_OK) {
        fail(c,
             "this database has no usable ward policy (%s): apply a script "
             "from `ward compile --target sqlite` first",
             sqlite3_errmsg(c->w->db));
        rt_finalize(c->w, st);
        return NULL;
    }
    return st;
}

static bool next(Catalog *c, sqlite3_stmt *st)
{
    if (!st || c->err)
        return false;
    int rc = rt_step(c->w, st);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        fail(c, "reading the policy catalog: %s", sqlite3_errmsg(c->w->db));
    return false;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* ---- the tables, read once per applied policy ---- */

static void decision_clear(RtTable *t)
{
    for (int i = 0; i < t->ncols; i++) {
        RtColumn *c = &t->cols[i];
        for (int a = 0; a < c->nargs; a++)
            sqlite3_value_free(c->args[a]);
        sqlite3_free(c->args);
        sqlite3_free(c->margs);
        c->args = NULL;
        c->margs = NULL;
        c->nargs = 0;
        c->mask = NULL;
        c->effect = RT_HIDE;
        c->writable = false;
    }
    sqlite3_free(t->filter);
    t->filter = NULL;
    t->deletable = false;
    t->gen = 0;
}

void rt_catalog_clear(WardConn *w)
{
    for (int i = 0; i < w->ntables; i++) {
        RtTable *t = &w->tables[i];
        decision_clear(t);
        for (int c = 0; c < t->ncols; c++) {
            sqlite3_free(t->cols[c].name);
            sqlite3_free(t->cols[c].decl);
            sqlite3_free(t->cols[c].coll);
            sqlite3_free(t->cols[c].unmask);
            sqlite3_free(t->cols[c].update);
            sqlite3_free(t->cols[c].refers);
            sqlite3_free(t->cols[c].refers_col);
        }
        sqlite3_free(t->cols);
        sqlite3_free(t->name);
        sqlite3_free(t->export_approval);
        sqlite3_free(t->delete_approval);
    }
    sqlite3_free(w->tables);
    w->tables = NULL;
    w->ntables = 0;
    rt_names_clear(&w->protected);
    sqlite3_free(w->policy);
    sqlite3_free(w->policy_sha);
    w->policy = w->policy_sha = NULL;
}

RtTable *rt_table(WardConn *w, const char *name)
{
    for (int i = 0; name && i < w->ntables; i++)
        if (sqlite3_stricmp(w->tables[i].name, name) == 0)
            return &w->tables[i];
    return NULL;
}

int rt_column(const RtTable *t, const char *name)
{
    for (int i = 0; name && i < t->ncols; i++)
        if (sqlite3_stricmp(t->cols[i].name, name) == 0)
            return i;
    return -1;
}

/* base_column reads the base column's declared type and collation, so the
 * virtual table compares and sorts exactly as the table does. */
static void base_column(Catalog *c, RtTable *t, RtColumn *col, bool *pk)
{
    const char *type = NULL, *coll = NULL;
    int notnull = 0, primary = 0, autoinc = 0;
    if (sqlite3_table_column_metadata(c->w->db, "main", t->name, col->name,
                                      &type, &coll, &notnull, &primary,
                                      &autoinc) != SQLITE_OK) {
        fail(c, "the policy protects %s.%s, which this database lacks: %s",
             t->name, col->name, sqlite3_errmsg(c->w->db));
        return;
    }
    col->decl = rt_dup(type ? type : "");
    col->coll = rt_dup(coll ? coll : "BINARY");
    *pk = primary != 0;
}

/*
 * The catalog is read in four statements over all tables at once, each
 * ordered like ward_table, so that a session starts in about the same time
 * whatever the number of tables. table_at follows them: the table a row
 * names is the current one or a later one.
 */
static RtTable *table_at(WardConn *w, int *at, const char *name)
{
    while (*at < w->ntables && sqlite3_stricmp(w->tables[*at].name, name))
        (*at)++;
    return *at < w->ntables ? &w->tables[*at] : NULL;
}

static void load_columns(Catalog *c)
{
    WardConn *w = c->w;
    sqlite3_stmt *st =
        query(c, "SELECT c.tbl, c.name, c.type, c.audit_read, c.audit_write "
                 "FROM main.\"ward_table\" t JOIN main.\"ward_column\" c ON "
                 "c.tbl = t.name ORDER BY t.rowid, c.pos");
    int at = 0;
    while (next(c, st)) {
        RtTable *t = table_at(w, &at, col_text(st, 0));
        if (!t)
            break;
        RtColumn *cols = sqlite3_realloc64(
            t->cols, (sqlite3_uint64)(t->ncols + 1) * sizeof *cols);
        if (!cols) {
            fail(c, "out of memory");
            break;
        }
        t->cols = cols;
        RtColumn *col = &t->cols[t->ncols++];
        memset(col, 0, sizeof *col);
        col->name = rt_dup(col_text(st, 1));
        const char *type = col_text(st, 2);
        col->date = type && (strcmp(type, "date") == 0 ||
                             strcmp(type, "datetime") == 0);
        col->audit_read = sqlite3_column_int(st, 3) != 0;
        col->audit_write = sqlite3_column_int(st, 4) != 0;
        bool pk = false;
        base_column(c, t, col, &pk);
        if (pk) {
            /* INTEGER PRIMARY KEY, alone and spelled so, is the rowid. */
            bool alone = t->rowid_col == -1;
            t->rowid_col =
                alone && col->decl && sqlite3_stricmp(col->decl, "INTEGER") == 0
                    ? t->ncols - 1
                    : -2;
        }
    }
    rt_finalize(w, st);
    for (int i = 0; i < w->ntables; i++) {
        RtTable *t = &w->tables[i];
        if (t->rowid_col < 0) {
            t->rowid_col = -1;
            continue;
        }
        RtColumn *pk = &t->cols[t->rowid_col];
        pk->indexed = pk->unique = pk->constrained = true;
    }
}

static void load_indexes(Catalog *c)
{
    WardConn *w = c->w;
    sqlite3_stmt *st =
        query(c, "SELECT t.name, il.\"unique\", ii.name, ii.seqno, "
                 "il.partial, ii.cid FROM main.\"ward_table\" t, "
                 "main.pragma_index_list(t.name, 'main') il, "
                 "main.pragma_index_info(il.name, 'main') ii ORDER BY t.rowid");
    int at = 0;
    while (next(c, st)) {
        RtTable *t = table_at(w, &at, col_text(st, 0));
        if (!t)
            continue;
        bool unique = sqlite3_column_int(st, 1) != 0;
        bool first = sqlite3_column_int(st, 3) == 0;
        bool whole = sqlite3_column_int(st, 4) == 0;
        /* A unique index over an expression, or only over some rows,
         * depends on columns its key does not name: every column of the
         * table may fail a write through it. */
        if (unique && (!whole || sqlite3_column_int(st, 5) == -2)) {
            for (int i = 0; i < t->ncols; i++)
                t->cols[i].constrained = true;
        }
        int k = rt_column(t, col_text(st, 2));
        if (k < 0)
            continue;
        t->cols[k].constrained = t->cols[k].constrained || unique;
        if (first && whole) {
            t->cols[k].indexed = true;
            t->cols[k].unique = t->cols[k].unique || unique;
        }
    }
    rt_finalize(w, st);
}

/* load_guards reads each table's guards. A guard's col is '' for export
 * and delete, which names no column (a catalog of an earlier ward wrote
 * NULL, which reads the same). */
static void load_guards(Catalog *c)
{
    WardConn *w = c->w;
    sqlite3_stmt *st = query(c, "SELECT g.tbl, g.approval, g.op, g.col, "
                                "g.beyond FROM "
                                "main.\"ward_table\" t JOIN "
                                "main.\"ward_guard\" g ON g.tbl = t.name "
                                "ORDER BY t.rowid");
    int at = 0;
    while (next(c, st)) {
        RtTable *t = table_at(w, &at, col_text(st, 0));
        if (!t)
            break;
        const char *ap = col_text(st, 1), *op = col_text(st, 2);
        int k = rt_column(t, col_text(st, 3));
        if (strcmp(op, "export") == 0) {
            t->export_approval = rt_dup(ap);
            if (sqlite3_column_type(st, 4) == SQLITE_INTEGER)
                t->export_beyond = sqlite3_column_int64(st, 4);
        } else if (strcmp(op, "delete") == 0) {
            t->delete_approval = rt_dup(ap);
        } else if (k >= 0 && strcmp(op, "update") == 0) {
            t->cols[k].update = rt_dup(ap);
        } else if (k >= 0 && strcmp(op, "unmask") == 0) {
            t->cols[k].unmask = rt_dup(ap);
            t->any_unmask = true;
        }
    }
    rt_finalize(w, st);
}

/* load_keys reads the foreign keys between protected tables: a session's
 * write through one is checked (sqlite_write.c), since its failure would
 * tell which rows it does not see exist. */
static void load_keys(Catalog *c)
{
    WardConn *w = c->w;
    sqlite3_stmt *st =
        query(c, "SELECT t.name, fk.\"table\", fk.\"from\", fk.\"to\" FROM "
                 "main.\"ward_table\" t, main.pragma_foreign_key_list(t.name, "
                 "'main') fk ORDER BY t.rowid");
    int at = 0;
    while (next(c, st)) {
        RtTable *t = table_at(w, &at, col_text(st, 0));
        RtTable *parent = rt_table(w, col_text(st, 1));
        int k = t ? rt_column(t, col_text(st, 2)) : -1;
        if (!parent || k < 0)
            continue;
        const char *to = col_text(st, 3);
        sqlite3_free(t->cols[k].refers);
        sqlite3_free(t->cols[k].refers_col);
        t->cols[k].refers = rt_dup(parent->name);
        t->cols[k].refers_col = rt_dup(to);
        int pk = to ? rt_column(parent, to) : -1;
        if (pk >= 0)
            parent->cols[pk].referenced = true;
        else
            parent->referenced = true;
    }
    rt_finalize(w, st);
}

/* load_tables reads the protected tables, then their columns, indexes and
 * guards. The runtime names rows by rowid: WITHOUT ROWID tables have none
 * and are refused. */
static void load_tables(Catalog *c)
{
    WardConn *w = c->w;
    sqlite3_stmt *st =
        query(c, "SELECT t.name, t.key, t.has_rows, coalesce(l.wr, 0) FROM "
                 "main.\"ward_table\" t LEFT JOIN pragma_table_list l ON "
                 "l.schema = 'main' AND l.name = t.name ORDER BY t.rowid");
    char **keys = NULL;
    while (next(c, st)) {
        RtTable *ts = sqlite3_realloc64(
            w->tables, (sqlite3_uint64)(w->ntables + 1) * sizeof *ts);
        char **ks = sqlite3_realloc64(keys, (sqlite3_uint64)(w->ntables + 1) *
                                                sizeof *ks);
        if (ts)
            w->tables = ts;
        if (ks)
            keys = ks;
        if (!ts || !ks) {
            fail(c, "out of memory");
            break;
        }
        RtTable *t = &w->tables[w->ntables];
        memset(t, 0, sizeof *t);
        t->name = rt_dup(col_text(st, 0));
        t->key = -1;
        t->rowid_col = -1;
        t->export_beyond = -1;
        t->has_rows = sqlite3_column_int(st, 2) != 0;
        keys[w->ntables++] = rt_dup(col_text(st, 1));
        if (!rt_names_add(&w->protected, t->name))
            fail(c, "out of memory");
        if (sqlite3_column_int(st, 3))
            fail(c,
                 "table %s has no rowid (WITHOUT ROWID): the SQLite runtime "
                 "serves only rowid tables",
                 t->name);
    }
    rt_finalize(w, st);
    load_columns(c);
    load_indexes(c);
    load_guards(c);
    load_keys(c);
    for (int i = 0; i < w->ntables; i++) {
        w->tables[i].key = rt_column(&w->tables[i], keys[i]);
        sqlite3_free(keys[i]);
    }
    sqlite3_free(keys);
}

int rt_catalog_load(WardConn *w, bool *changed, char **err)
{
    Catalog c = {.w = w};
    *changed = false;
    sqlite3_stmt *st = query(&c, "SELECT format, name, source_sha256 FROM "
                                 "main.\"ward_policy\" WHERE id = 1");
    char *name = NULL, *sha = NULL;
    if (next(&c, st)) {
        int format = sqlite3_column_int(st, 0);
        name = rt_dup(col_text(st, 1));
        sha = rt_dup(col_text(st, 2));
        if (format != WARD_SQLITE_FORMAT)
            fail(&c,
                 "the policy in this database has catalog format %d; this "
                 "runtime reads format %d: recompile it with this ward and "
                 "apply the script again",
                 format, WARD_SQLITE_FORMAT);
    } else if (!c.err) {
        fail(&c, "this database has no ward policy: apply a compiled script "
                 "first");
    }
    rt_finalize(w, st);
    if (!c.err && w->tables && w->policy_sha && sha &&
        strcmp(sha, w->policy_sha) == 0) {
        sqlite3_free(name);
        sqlite3_free(sha);
        return SQLITE_OK;
    }
    if (!c.err) {
        rt_catalog_clear(w);
        w->policy = name;
        w->policy_sha = sha;
        name = sha = NULL;
        load_tables(&c);
        *changed = true;
        if (c.err)
            rt_catalog_clear(w);
    }
    sqlite3_free(name);
    sqlite3_free(sha);
    *err = c.err;
    return c.err ? SQLITE_ERROR : SQLITE_OK;
}

/* ---- a table's decisions for the session ---- */

/* mask_args reads a cell's JSON argument list into C's values. */
static void mask_args(Catalog *c, RtColumn *col, const char *json)
{
    sqlite3_stmt *st = query(c, "SELECT value FROM json_each(?1) ORDER BY "
                                "CAST(key AS INTEGER)");
    if (st)
        sqlite3_bind_text(st, 1, json ? json : "[]", -1, SQLITE_STATIC);
    while (next(c, st)) {
        if (col->nargs == MASK_MAX_ARGS) {
            fail(c, "the catalog gives %s more arguments than any mask takes",
                 col->name);
            break;
        }
        if (!col->args) {
            col->args = sqlite3_malloc64(MASK_MAX_ARGS * sizeof *col->args);
            if (!col->args) {
                fail(c, "out of memory");
                break;
            }
        }
        sqlite3_value *v = sqlite3_value_dup(sqlite3_column_value(st, 0));
        if (!v) {
            fail(c, "out of memory");
            break;
        }
        col->args[col->nargs++] = v;
    }
    rt_finalize(c->w, st);
    col->margs = sqlite3_malloc64(MASK_MAX_ARGS * sizeof *col->margs);
    if (!col->margs)
        fail(c, "out of memory");
    else
        rt_mask_args(col->args, col->nargs, col->margs);
}

static void decide_cells(Catalog *c, RtTable *t)
{
    WardConn *w = c->w;
    /* Per column, the role's row of highest rank, then lowest pos: rank
     * and pos are the compiler's (combine_key); the effect is read as
     * written, never derived from a rank. */
    sqlite3_stmt *st = query(
        c, "SELECT col, effect, mask, args FROM (SELECT col, effect, mask, "
           "args, row_number() OVER (PARTITION BY col ORDER BY rank DESC, "
           "pos) AS n FROM main.\"ward_cell\" WHERE tbl = ?1 AND scenario = "
           "?2 AND instr(?3, ',' || role || ',') > 0) WHERE n = 1");
    if (st) {
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w->scenario ? w->scenario : "", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 3, w->roles_key, -1, SQLITE_STATIC);
    }
    while (next(c, st)) {
        int k = rt_column(t, col_text(st, 0));
        if (k < 0)
            continue;
        RtColumn *col = &t->cols[k];
        const char *effect = col_text(st, 1);
        if (effect && strcmp(effect, "show") == 0) {
            col->effect = RT_SHOW;
            continue;
        }
        if (effect && strcmp(effect, "hide") == 0)
            continue; /* cleared to RT_HIDE */
        if (!effect || strcmp(effect, "mask") != 0) {
            fail(c, "the catalog gives %s.%s an unknown effect '%s'", t->name,
                 col->name, effect ? effect : "");
            break;
        }
        col->effect = RT_MASK;
        const char *name = col_text(st, 2);
        col->mask = name ? mask_spec_find(name) : NULL;
        if (!col->mask) {
            fail(c, "the catalog names an unknown mask '%s' for %s.%s",
                 name ? name : "", t->name, col->name);
            break;
        }
        mask_args(c, col, col_text(st, 3));
    }
    rt_finalize(c->w, st);
}

static void decide_rows(Catalog *c, RtTable *t)
{
    WardConn *w = c->w;
    if (!t->has_rows)
        return;
    sqlite3_stmt *st = query(c, "SELECT expr FROM main.\"ward_rowrule\" "
                                "WHERE tbl = ?1 AND instr(?2, ',' || role "
                                "|| ',') > 0 ORDER BY rowid");
    if (st) {
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w->roles_key, -1, SQLITE_STATIC);
    }
    sqlite3_str *f = sqlite3_str_new(w->db);
    bool all = false;
    while (next(c, st)) {
        if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
            all = true; /* `rows all` absorbs the union */
            continue;
        }
        if (sqlite3_str_length(f))
            sqlite3_str_appendall(f, " OR ");
        sqlite3_str_appendf(f, "(%s)", col_text(st, 0));
    }
    rt_finalize(c->w, st);
    char *filter = sqlite3_str_finish(f);
    if (all) {
        sqlite3_free(filter);
        t->filter = NULL;
    } else {
        /* No rule names the session's roles: no rows. */
        t->filter = filter ? filter : rt_dup("0");
    }
}

static void decide_writes(Catalog *c, RtTable *t)
{
    WardConn *w = c->w;
    sqlite3_stmt *st = query(c, "SELECT DISTINCT col FROM main.\"ward_write\" "
                                "WHERE tbl = ?1 AND instr(?2, ',' || role "
                                "|| ',') > 0");
    if (st) {
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w->roles_key, -1, SQLITE_STATIC);
    }
    while (next(c, st)) {
        int k = rt_column(t, col_text(st, 0));
        if (k >= 0)
            t->cols[k].writable = true;
    }
    rt_finalize(c->w, st);
    bool all = t->ncols > 0;
    for (int k = 0; k < t->ncols; k++)
        all = all && t->cols[k].writable;
    t->deletable = all || t->delete_approval;
}

int rt_table_decide(WardConn *w, RtTable *t, char **err)
{
    *err = NULL;
    if (!w->active) {
        *err = sqlite3_mprintf("ward: %s is served only in a session: call "
                               "ward_session() first",
                               t->name);
        return SQLITE_ERROR;
    }
    if (t->gen == w->gen)
        return SQLITE_OK;
    decision_clear(t);
    Catalog c = {.w = w};
    decide_cells(&c, t);
    decide_rows(&c, t);
    decide_writes(&c, t);
    if (c.err) {
        decision_clear(t);
        *err = c.err;
        return SQLITE_ERROR;
    }
    t->gen = w->gen;
    return SQLITE_OK;
}
