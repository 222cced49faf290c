/*
 * exhaustive_sqlite.c - the SQLite target of the exhaustive check: the
 * corpus runner's template database, sessions through the public C API
 * (ward.h), rows read with SQLite's own statements.
 */
#include "exhaustive_target.h"

#include "runner.h"
#include "sql_quote.h"
#include "strbuf.h"
#include "ward.h"

#include <stdlib.h>
#include <string.h>

typedef struct Lite {
    sqlite3 *db;
    Arena *a;
} Lite;

static XValue from_sqlite(Arena *a, sqlite3_value *v)
{
    XValue x = {XV_NULL, 0, 0, NULL, 0};
    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: break;
    case SQLITE_INTEGER:
        x.kind = XV_INT;
        x.i = sqlite3_value_int64(v);
        break;
    case SQLITE_FLOAT:
        x.kind = XV_REAL;
        x.r = sqlite3_value_double(v);
        break;
    default:
        x.kind = XV_TEXT;
        x.n = (size_t)sqlite3_value_bytes(v);
        x.s = arena_strndup(a, (const char *)sqlite3_value_text(v), x.n);
        break;
    }
    return x;
}

static bool sqlite_read(XTarget *t, const Model *m, int table, bool base,
                        long long limit, Arena *a, XRows *out, const char **why)
{
    (void)base; /* before a session, the name is the stored table */
    sqlite3 *db = ((Lite *)t->ctx)->db;
    const Table *tb = &m->tables[table];
    StrBuf sql;
    sb_init(&sql);
    exh_select(tb, &sql);
    sql_put_ident(&sql, tb->name);
    if (limit >= 0)
        sb_printf(&sql, " LIMIT %lld", limit);
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) == SQLITE_OK;
    sb_free(&sql);
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            XValue **grown = arena_alloc(a, cap * sizeof *grown);
            if (out->n)
                memcpy(grown, out->row, out->n * sizeof *grown);
            out->row = grown;
        }
        XValue *r = arena_alloc(a, (tb->ncolumns + 1) * sizeof *r);
        for (size_t c = 0; c < tb->ncolumns; c++)
            r[c] = from_sqlite(a, sqlite3_column_value(st, (int)c));
        out->row[out->n++] = r;
    }
    if (!ok || rc != SQLITE_DONE) {
        *why = arena_strdup(a, sqlite3_errmsg(db));
        ok = false;
    }
    sqlite3_finalize(st);
    return ok;
}

static bool sqlite_session(XTarget *t, const CSession *s, const char **why)
{
    StrBuf roles, attrs;
    sb_init(&roles);
    sb_init(&attrs);
    for (size_t i = 0; i < s->nroles; i++) {
        sb_puts(&roles, i ? "," : "");
        sb_puts(&roles, s->roles[i]);
    }
    if (s->attrs.n)
        runner_attrs_json(&s->attrs, &attrs);
    Lite *l = t->ctx;
    char *e = NULL;
    bool ok = ward_session_set(l->db, roles.data, s->user, s->scenario,
                               s->attrs.n ? attrs.data : NULL, &e) == SQLITE_OK;
    *why = ok ? NULL : arena_strdup(l->a, e ? e : "refused");
    sqlite3_free(e);
    sb_free(&roles);
    sb_free(&attrs);
    return ok;
}

static void sqlite_end_session(XTarget *t)
{
    (void)t; /* the next ward_session_set replaces the session */
}

static void sqlite_close(XTarget *t)
{
    sqlite3_close(((Lite *)t->ctx)->db);
}

bool exh_sqlite_open(const Model *emit, const Corpus *c, const char *tamper,
                     Arena *a, XTarget *t, const char **err)
{
    unsigned char *image = NULL;
    sqlite3_int64 size = 0;
    if (!runner_template(emit, c, a, &image, &size, err))
        return false;
    sqlite3 *db = runner_open(image, size);
    sqlite3_free(image);
    if (!db) {
        *err = "cannot open the test database";
        return false;
    }
    if (tamper && sqlite3_exec(db, tamper, NULL, NULL, NULL) != SQLITE_OK) {
        *err = arena_printf(a, "the tamper SQL failed: %s", sqlite3_errmsg(db));
        sqlite3_close(db);
        return false;
    }
    Lite *l = arena_alloc(a, sizeof *l);
    *l = (Lite){db, a};
    *t = (XTarget){.name = "sqlite",
                   .loose_types = false,
                   .env_key = true,
                   .ctx = l,
                   .session = sqlite_session,
                   .end_session = sqlite_end_session,
                   .read = sqlite_read,
                   .close = sqlite_close};
    return true;
}
