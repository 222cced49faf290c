/*
 * exhaustive.c - every cell of the matrix through the generated SQL (see
 * exhaustive.h).
 */
#include "exhaustive.h"

#include "decide.h"
#include "keys.h"
#include "mask.h"
#include "report.h"
#include "runner.h"
#include "sql_quote.h"
#include "sqlite_rt.h"
#include "ward.h"

#include <stdlib.h>
#include <string.h>

#define KEEP_MISMATCHES 20

typedef struct Rows {
    sqlite3_value ***row; /* row[i][c] */
    size_t n;
    int ncols;
} Rows;

static void rows_free(Rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        for (int c = 0; c < r->ncols; c++)
            sqlite3_value_free(r->row[i][c]);
        free(r->row[i]);
    }
    free(r->row);
    memset(r, 0, sizeof *r);
}

static bool read_rows(sqlite3 *db, const char *table, Rows *out)
{
    StrBuf sql;
    sb_init(&sql);
    sb_puts(&sql, "SELECT * FROM ");
    sql_put_ident(&sql, table);
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) == SQLITE_OK;
    sb_free(&sql);
    memset(out, 0, sizeof *out);
    if (!ok)
        return false;
    out->ncols = sqlite3_column_count(st);
    while (sqlite3_step(st) == SQLITE_ROW) {
        out->row = xrealloc(out->row, (out->n + 1) * sizeof *out->row);
        sqlite3_value **r = xmalloc((size_t)out->ncols * sizeof *r);
        for (int c = 0; c < out->ncols; c++)
            r[c] = sqlite3_value_dup(sqlite3_column_value(st, c));
        out->row[out->n++] = r;
    }
    sqlite3_finalize(st);
    return true;
}

static const char *show_value(Arena *a, sqlite3_value *v)
{
    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: return "NULL";
    case SQLITE_INTEGER:
        return arena_printf(a, "%lld", (long long)sqlite3_value_int64(v));
    case SQLITE_FLOAT: return arena_printf(a, "%.17g", sqlite3_value_double(v));
    default: return arena_printf(a, "'%s'", sqlite3_value_text(v));
    }
}

static MaskValue arg_value(const Node *n)
{
    switch (n->kind) {
    case NODE_INT: return mask_int(n->as.int_lit.value);
    case NODE_REAL: return mask_real(n->as.real_lit.value);
    case NODE_STRING: return mask_text(n->as.string.value, n->as.string.len);
    case NODE_NAME: return mask_cstr(n->as.name.text);
    default: return mask_null();
    }
}

static MaskValue input_value(sqlite3_value *v, bool date)
{
    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: return mask_null();
    case SQLITE_INTEGER: return mask_int(sqlite3_value_int64(v));
    case SQLITE_FLOAT: return mask_real(sqlite3_value_double(v));
    default: {
        const char *s = (const char *)sqlite3_value_text(v);
        size_t n = (size_t)sqlite3_value_bytes(v);
        return date ? mask_date(s, n) : mask_text(s, n);
    }
    }
}

static void *grow(void *ctx, void *old, size_t size)
{
    (void)ctx;
    return realloc(old, size);
}

/* expected_matches: does ACTUAL equal what outcome O makes of BASE? WANT
 * receives the expected value's text for a report. */
static int expected_matches(Arena *a, const Column *col, const Outcome *o,
                            sqlite3_value *base, sqlite3_value *actual,
                            const MaskKey *key, const char **want)
{
    if (o->effect == EFFECT_SHOW) {
        *want = show_value(a, base);
        return rt_value_is(base, actual);
    }
    if (o->effect == EFFECT_HIDE) {
        *want = "NULL";
        return sqlite3_value_type(actual) == SQLITE_NULL;
    }
    if (o->mask->spec->keyed && !key)
        return -1; /* no key: cannot say */
    MaskValue args[MASK_MAX_ARGS];
    const Node *call = o->mask->call;
    int nargs = (int)LIST_LEN(call->as.call.args);
    for (int i = 0; i < nargs && i < MASK_MAX_ARGS; i++)
        args[i] = arg_value(LIST_AT(call->as.call.args, (size_t)i));
    bool date = col->type == TYPE_DATE || col->type == TYPE_DATETIME;
    MaskValue in = input_value(base, date);
    char stack[256];
    MaskBuf b;
    mask_buf_init(&b, stack, sizeof stack, grow, NULL);
    int rc = mask_apply(o->mask->spec, args, nargs, &in, &b, key, NULL, 0);
    int ok;
    if (rc != MASK_OK) {
        *want = "(the mask failed)";
        ok = 0;
    } else if (b.kind == MASK_NULL) {
        *want = "NULL";
        ok = sqlite3_value_type(actual) == SQLITE_NULL;
    } else if (b.kind == MASK_INT) {
        *want = arena_printf(a, "%lld", (long long)b.i);
        ok = sqlite3_value_type(actual) == SQLITE_INTEGER &&
             sqlite3_value_int64(actual) == b.i;
    } else if (b.kind == MASK_REAL) {
        *want = arena_printf(a, "%.17g", b.r);
        ok = sqlite3_value_type(actual) == SQLITE_FLOAT &&
             sqlite3_value_double(actual) == b.r;
    } else {
        const char *t = b.data ? b.data : stack;
        *want = arena_printf(a, "'%s'", t);
        ok = sqlite3_value_type(actual) == SQLITE_TEXT &&
             (size_t)sqlite3_value_bytes(actual) == b.len &&
             memcmp(sqlite3_value_text(actual), t, b.len) == 0;
    }
    if (b.heap)
        free(b.data);
    return ok;
}

/* session_for finds the user and attributes of the corpus's first case
 * run by ROLE alone. */
static const CSession *session_for(const Corpus *c, int role)
{
    for (size_t i = 0; i < c->ncases; i++)
        for (size_t s = 0; s < c->cases[i].nsteps; s++) {
            const CSession *cs = &c->cases[i].step[s].session;
            if (cs->nroles == 1 && cs->role_ids[0] == role)
                return cs;
        }
    return NULL;
}

static char *attrs_json(const CSession *cs)
{
    if (!cs || !cs->attrs.n)
        return NULL;
    StrBuf j;
    sb_init(&j);
    runner_attrs_json(&cs->attrs, &j);
    return j.data;
}

static void mismatch(ExhaustiveResult *out, Arena *a, const char *text)
{
    if (out->nmismatches < KEEP_MISMATCHES) {
        const char **m = arena_alloc(a, (out->nmismatches + 1) * sizeof *m);
        for (size_t i = 0; i < out->nmismatches; i++)
            m[i] = out->mismatches[i];
        m[out->nmismatches] = text;
        out->mismatches = m;
    }
    out->nmismatches++;
}

static void check_table(const Model *m, sqlite3 *db, int t, const Rows *base,
                        int role, int scenario, const MaskKey *key, Arena *a,
                        ExhaustiveResult *out)
{
    const Table *tb = &m->tables[t];
    Session s;
    session_init(&s, m, a);
    session_add_role(&s, m, role);
    s.scenario = scenario;
    Decision d;
    decide_column(m, &s, t, tb->key, NULL, &d);
    if (d.result.effect != EFFECT_SHOW) {
        out->skipped++;
        return;
    }
    Rows seen;
    if (!read_rows(db, tb->name, &seen)) {
        mismatch(out, a,
                 arena_printf(a, "%s: the view of %s cannot be read: %s",
                              m->roles[role].name, tb->name,
                              sqlite3_errmsg(db)));
        return;
    }
    for (size_t i = 0; i < seen.n; i++) {
        sqlite3_value **got = seen.row[i];
        sqlite3_value **row = NULL;
        for (size_t k = 0; k < base->n && !row; k++)
            if (rt_value_is(base->row[k][tb->key], got[tb->key]))
                row = base->row[k];
        if (!row) {
            mismatch(out, a,
                     arena_printf(a,
                                  "%s: the view of %s shows a row "
                                  "with key %s that the table "
                                  "lacks",
                                  m->roles[role].name, tb->name,
                                  show_value(a, got[tb->key])));
            continue;
        }
        for (size_t c = 0; c < tb->ncolumns; c++) {
            decide_column(m, &s, t, (int)c, NULL, &d);
            const char *want = NULL;
            int ok = expected_matches(a, &tb->columns[c], &d.result, row[c],
                                      got[c], key, &want);
            if (ok < 0)
                continue;
            out->checked++;
            if (!ok)
                mismatch(
                    out, a,
                    arena_printf(
                        a,
                        "role %s%s%s: %s.%s of row %s: the "
                        "decision (%s: %s) gives %s, the "
                        "view gave %s",
                        m->roles[role].name, scenario < 0 ? "" : ", scenario ",
                        scenario < 0 ? "" : m->scenarios[scenario].name,
                        tb->name, tb->columns[c].name,
                        show_value(a, row[tb->key]), outcome_text(a, &d.result),
                        report_why(m, a, &d.result), want,
                        show_value(a, got[c])));
        }
    }
    rows_free(&seen);
}

bool exhaustive_run(const Model *m, const Corpus *c, Arena *a,
                    ExhaustiveResult *out, const char **err)
{
    return exhaustive_compare(m, m, c, a, out, err);
}

bool exhaustive_compare(const Model *m, const Model *emit, const Corpus *c,
                        Arena *a, ExhaustiveResult *out, const char **err)
{
    memset(out, 0, sizeof *out);
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
    /* The corpus's test key, if it has one, else the environment's. */
    KeyEnv env;
    keys_env_enter(c->key, &env);
    MaskKey key;
    char kerr[160];
    bool keyed = crypto_key_load_env(&key, kerr, sizeof kerr) == 0;
    Rows *base = arena_alloc(a, (m->ntables + 1) * sizeof *base);
    for (size_t t = 0; t < m->ntables; t++)
        read_rows(db, m->tables[t].name, &base[t]);
    for (size_t r = 0; r < m->nroles; r++) {
        const CSession *cs = session_for(c, (int)r);
        char *attrs = attrs_json(cs);
        for (int s = -1; s < (int)m->nscenarios; s++) {
            char *e = NULL;
            if (ward_session_set(db, m->roles[r].name, cs ? cs->user : NULL,
                                 s < 0 ? NULL : m->scenarios[s].name, attrs,
                                 &e) != SQLITE_OK) {
                mismatch(out, a,
                         arena_printf(a,
                                      "%s: the session was "
                                      "refused: %s",
                                      m->roles[r].name, e));
                sqlite3_free(e);
                continue;
            }
            out->sessions++;
            for (size_t t = 0; t < m->ntables; t++) {
                if (m->tables[t].key < 0) {
                    out->skipped++;
                    continue;
                }
                check_table(m, db, (int)t, &base[t], (int)r, s,
                            keyed ? &key : NULL, a, out);
            }
        }
        free(attrs);
    }
    for (size_t t = 0; t < m->ntables; t++)
        rows_free(&base[t]);
    if (keyed)
        crypto_key_dispose(&key);
    sqlite3_close(db);
    keys_env_leave(&env);
    return true;
}
