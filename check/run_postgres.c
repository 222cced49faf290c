/*
 * run_postgres.c - running a corpus on the PostgreSQL target, through
 * libpq (see run_postgres.h).
 *
 * Every case is one transaction that is rolled back: the base tables (in a
 * schema of their own), the fixtures, the compiled script, and a role per
 * user of the case, granted exactly the session's roles. Each step runs
 * after SET ROLE to that user, so privileges, row security and
 * current_user are the user's, and the runner refuses to go on if that
 * role is a superuser or may bypass row security (a run as superuser would
 * pass with every policy dropped, and prove nothing). Nothing outlives a
 * case; still, point --dsn at a scratch database: the script's objects
 * exist, locked, while a case runs.
 */
#include "run_postgres.h"

#include "emit_postgres.h"
#include "sql_quote.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct PgRun {
    const Model *m;
    const Corpus *c;
    Arena *a;
    PGconn *db;
    StrBuf why;
    const char *script;
} PgRun;

/* exec runs SQL with text parameters; NULL result (message in why) on
 * error. The caller PQclears a result. */
static PGresult *exec(PgRun *r, const char *sql, int n, const char *const *v)
{
    PGresult *res = PQexecParams(r->db, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    PQclear(res);
    return NULL;
}

static bool run_sql(PgRun *r, const char *sql)
{
    PGresult *res = PQexec(r->db, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        sb_printf(&r->why, "  %s", PQerrorMessage(r->db));
    PQclear(res);
    return ok;
}

static const char *pg_type(ColType t)
{
    switch (t) {
    case TYPE_INTEGER: return "bigint";
    case TYPE_REAL: return "double precision";
    case TYPE_BOOLEAN: return "boolean";
    default: return "text"; /* dates too: the same text as on SQLite */
    }
}

static void cval_text(const CVal *v, StrBuf *out)
{
    sb_reset(out);
    if (v->kind == CV_BOOL)
        sb_puts(out, v->i ? "true" : "false");
    else
        sb_append(out, v->s, v->n);
}

/* setup makes the case's world inside the open transaction. */
static bool setup(PgRun *r)
{
    StrBuf sql, val;
    sb_init(&sql);
    sb_init(&val);
    sb_puts(&sql, "CREATE SCHEMA ward_check_base;\n"
                  "SET LOCAL search_path = ward_check_base, public;\n");
    runner_tables_sql(r->m, pg_type, &sql);
    for (size_t f = 0; f < r->c->nfixtures; f++) {
        const CFixture *fx = &r->c->fixtures[f];
        for (size_t row = 0; row < fx->nrows; row++) {
            const CMap *mp = &fx->rows[row];
            sb_puts(&sql, "INSERT INTO ");
            sql_put_ident(&sql, fx->table);
            sb_puts(&sql, " (");
            for (size_t i = 0; i < mp->n; i++) {
                sb_puts(&sql, i ? ", " : "");
                sql_put_ident(&sql, mp->items[i].key);
            }
            sb_puts(&sql, mp->n ? ") VALUES (" : ") DEFAULT VALUES");
            for (size_t i = 0; i < mp->n; i++) {
                sb_puts(&sql, i ? ", " : "");
                if (mp->items[i].val.kind == CV_NULL) {
                    sb_puts(&sql, "NULL");
                } else {
                    cval_text(&mp->items[i].val, &val);
                    sql_put_text(&sql, val.data, val.len);
                }
            }
            sb_puts(&sql, mp->n ? ");\n" : ";\n");
        }
    }
    bool ok = run_sql(r, sql.data) && run_sql(r, r->script);
    sb_free(&sql);
    sb_free(&val);
    return ok;
}

static const char *actual(Arena *a, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return "NULL";
    const char *v = PQgetvalue(res, row, col);
    switch (PQftype(res, col)) {
    case 20:
    case 21:
    case 23: return arena_printf(a, "the integer %s", v);
    case 700:
    case 701:
    case 1700: return arena_printf(a, "the real %s", v);
    case 16: return strcmp(v, "t") == 0 ? "true" : "false";
    default: return arena_printf(a, "the text \"%s\"", v);
    }
}

static bool same(const PGresult *res, int row, int col, const CVal *v)
{
    bool null = PQgetisnull(res, row, col);
    const char *s = PQgetvalue(res, row, col);
    Oid t = PQftype(res, col);
    bool integer = t == 20 || t == 21 || t == 23;
    bool real = t == 700 || t == 701 || t == 1700;
    switch (v->kind) {
    case CV_NULL: return null;
    case CV_INT: return !null && integer && strtoll(s, NULL, 10) == v->i;
    case CV_REAL: return !null && real && strtod(s, NULL) == v->r;
    case CV_BOOL: return !null && t == 16 && (s[0] == 't') == (v->i != 0);
    case CV_TEXT:
        return !null && !integer && !real && t != 16 &&
               (size_t)PQgetlength(res, row, col) == v->n &&
               memcmp(s, v->s, v->n) == 0;
    }
    return false;
}

/* as_user makes the step's user (a role granted exactly the session's
 * roles) and becomes it; false, with the reason, when that is refused. */
static bool as_user(PgRun *r, const CSession *s)
{
    const char *user = s->user ? s->user : "ward_check_user";
    StrBuf sql;
    sb_init(&sql);
    sb_puts(&sql, "DO $ward$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles "
                  "WHERE rolname = ");
    sql_put_str(&sql, user);
    sb_puts(&sql, ") THEN CREATE ROLE ");
    sql_put_ident(&sql, user);
    /* A user: it can log in (never does; the case is rolled back). */
    sb_puts(&sql, " LOGIN; END IF; END $ward$;\n");
    if (r->m->nroles) {
        sb_puts(&sql, "REVOKE ");
        for (size_t i = 0; i < r->m->nroles; i++) {
            sb_puts(&sql, i ? ", " : "");
            sql_put_ident(&sql, r->m->roles[i].name);
        }
        sb_puts(&sql, " FROM ");
        sql_put_ident(&sql, user);
        sb_puts(&sql, ";\n");
    }
    for (size_t i = 0; i < s->nroles; i++) {
        sb_puts(&sql, "GRANT ");
        sql_put_ident(&sql, s->roles[i]);
        sb_puts(&sql, " TO ");
        sql_put_ident(&sql, user);
        sb_puts(&sql, ";\n");
    }
    sb_puts(&sql, "DO $ward$ BEGIN IF to_regclass('pg_temp.ward_state') IS "
                  "NOT NULL THEN DELETE FROM pg_temp.ward_state; END IF; END "
                  "$ward$;\nSET ROLE ");
    sql_put_ident(&sql, user);
    sb_puts(&sql, ";\n");
    bool ok = run_sql(r, sql.data);
    sb_free(&sql);
    if (!ok)
        return false;
    PGresult *res = exec(r,
                         "SELECT rolsuper OR rolbypassrls FROM pg_roles "
                         "WHERE rolname = current_user",
                         0, NULL);
    bool strong =
        !res || PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "f") != 0;
    PQclear(res);
    if (strong) {
        sb_printf(&r->why,
                  "  refused: %s is a superuser or bypasses row "
                  "security; a case run as it proves nothing\n",
                  user);
        return false;
    }
    const char *sc[1] = {s->scenario};
    res = exec(r, "SELECT ward.set_scenario($1)", 1, sc);
    ok = res != NULL;
    PQclear(res);
    StrBuf val;
    sb_init(&val);
    for (size_t i = 0; ok && i < s->attrs.n; i++) {
        cval_text(&s->attrs.items[i].val, &val);
        const char *kv[2] = {s->attrs.items[i].key,
                             s->attrs.items[i].val.kind == CV_NULL ? NULL
                                                                   : val.data};
        res = exec(r, "SELECT ward.set_attr($1, $2)", 2, kv);
        ok = res != NULL;
        PQclear(res);
    }
    sb_free(&val);
    if (!ok)
        sb_printf(&r->why, "  the session was refused: %s",
                  PQerrorMessage(r->db));
    return ok;
}

/* audit_high is the number of the audit log's last row. */
static long long audit_high(PgRun *r)
{
    PGresult *res = exec(r, "SELECT seq FROM ward.audit_head", 0, NULL);
    long long n = res && PQntuples(res) == 1
                      ? strtoll(PQgetvalue(res, 0, 0), NULL, 10)
                      : 0;
    PQclear(res);
    return n;
}

/* check_audit: each expect_audit of ST matches a row appended since
 * SINCE. Reads are recorded at commit: their deferred trigger runs now. */
static bool check_audit(PgRun *r, const CStep *st, long long since)
{
    if (!st->naudits)
        return true;
    /* The reads of the step, which the runtime appends at commit. */
    run_sql(r, "SELECT ward.reads_flush_()");
    static const char *const cols[][2] = {
        {"table", "tbl = $"},
        {"column", "position(',' || $"},
        {"op", "op = $"},
        {"user", "\"user\" = $"},
    };
    char high[32];
    snprintf(high, sizeof high, "%lld", since);
    for (size_t k = 0; k < st->naudits; k++) {
        const CMap *f = &st->audits[k].fields;
        StrBuf sql;
        sb_init(&sql);
        sb_puts(&sql, "SELECT count(*) FROM ward.audit WHERE seq > $1");
        const char **v = arena_alloc(r->a, (f->n + 1) * sizeof *v);
        v[0] = high;
        for (size_t i = 0; i < f->n; i++) {
            v[i + 1] = f->items[i].val.s;
            for (size_t j = 0; j < 4; j++)
                if (strcmp(f->items[i].key, cols[j][0]) == 0)
                    sb_printf(&sql, " AND %s%zu%s", cols[j][1], i + 2,
                              j == 1 ? " || ',' in ',' || columns || ',') > 0"
                                     : "");
        }
        PGresult *res = exec(r, sql.data, (int)f->n + 1, v);
        sb_free(&sql);
        bool found =
            res && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "0");
        PQclear(res);
        if (!found) {
            runner_audit_missing(&r->why, f);
            return false;
        }
    }
    return true;
}

static const RunDialect RUN_POSTGRES = {"$", " IS NOT DISTINCT FROM ", NULL,
                                        "ward.request", "ward.approve"};

/* params: the step's values in the order runner_step_sql numbers them. */
static const char **params(PgRun *r, const CStep *st, int *n)
{
    const CMap *maps[2] = {&st->set, &st->where};
    const char **v =
        arena_alloc(r->a, (st->set.n + st->where.n + 2) * sizeof *v);
    *n = 0;
    if (st->op == COP_REQUEST || st->op == COP_APPROVE) {
        v[(*n)++] = st->target;
        if (st->op == COP_REQUEST)
            v[(*n)++] = st->reason;
        return v;
    }
    StrBuf val;
    sb_init(&val);
    for (int k = st->op == COP_WRITE || st->op == COP_INSERT ? 0 : 1; k < 2;
         k++) {
        if (st->op == COP_INSERT && k == 1)
            break;
        for (size_t i = 0; i < maps[k]->n; i++) {
            const CVal *cv = &maps[k]->items[i].val;
            cval_text(cv, &val);
            v[(*n)++] =
                cv->kind == CV_NULL ? NULL : arena_strdup(r->a, sb_cstr(&val));
        }
    }
    sb_free(&val);
    return v;
}

static bool run_step(PgRun *r, const CStep *st, Exercised *ex)
{
    sb_printf(&r->why, "  session: %s\n",
              runner_session_text(r->a, &st->session));
    long long since = audit_high(r);
    run_sql(r, "SAVEPOINT ward_step");
    bool ok = as_user(r, &st->session);
    StrBuf sql;
    sb_init(&sql);
    RunDialect d = RUN_POSTGRES;
    d.schema = r->m->name;
    runner_step_sql(r->m, st, &d, &sql);
    sb_printf(&r->why, "  query:   %s\n", sql.data);
    int n = 0;
    const char **v = params(r, st, &n);
    PGresult *res = ok ? exec(r, sql.data, n, v) : NULL;
    const char *error =
        ok && !res ? arena_strdup(r->a, PQerrorMessage(r->db)) : NULL;
    sb_free(&sql);
    if (ok && st->expect_error) {
        char *code = arena_printf(r->a, "[%s]", st->expect_error);
        if (!error) {
            sb_printf(&r->why, "  expected the refusal %s, and it succeeded\n",
                      code);
            ok = false;
        } else if (!strstr(error, code)) {
            sb_printf(&r->why, "  expected the refusal %s, got: %s", code,
                      error);
            ok = false;
        }
    } else if (ok && error) {
        sb_printf(&r->why, "  it failed: %s", error);
        ok = false;
    }
    bool read = st->op == COP_READ || st->op == COP_EXPORT;
    if (ok && res && read && st->has_expect) {
        if (PQntuples(res) == 0) {
            sb_puts(&r->why, "  expected a row, and the session sees none\n");
            ok = false;
        } else if (st->column >= 0 && !same(res, 0, 0, &st->expect_value)) {
            sb_printf(&r->why, "  %s: expected %s, got %s\n  decided by %s\n",
                      st->target, runner_describe_cval(r->a, &st->expect_value),
                      actual(r->a, res, 0, 0),
                      runner_decided_by(r->m, st, st->column, r->a));
            ok = false;
        }
        for (size_t i = 0; ok && st->expect_map && i < st->expect.n; i++) {
            const CPair *p = &st->expect.items[i];
            if (!same(res, 0, (int)i, &p->val)) {
                sb_printf(&r->why,
                          "  %s: expected %s, got %s\n  decided by %s\n",
                          p->key, runner_describe_cval(r->a, &p->val),
                          actual(r->a, res, 0, (int)i),
                          runner_decided_by(r->m, st, p->column, r->a));
                ok = false;
            }
        }
    }
    if (ok && res && st->has_expect_rows) {
        long long rows = read ? PQntuples(res) : atoll(PQcmdTuples(res));
        if (rows != st->expect_rows) {
            sb_printf(&r->why, "  expected %lld row%s, got %lld\n",
                      (long long)st->expect_rows,
                      st->expect_rows == 1 ? "" : "s", rows);
            ok = false;
        }
    }
    PQclear(res);
    /* Back to the runner's own role, whatever happened. */
    run_sql(r, error ? "ROLLBACK TO SAVEPOINT ward_step; RESET ROLE"
                     : "RESET ROLE; RELEASE SAVEPOINT ward_step");
    ok = ok && check_audit(r, st, since);
    if (ok && !error)
        runner_note(r->m, st, ex, r->a);
    return ok;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

bool runner_run_postgres(const Model *m, const Corpus *c, const char *dsn,
                         Arena *a, RunResult *out, const char **err)
{
    memset(out, 0, sizeof *out);
    out->ex.rules = arena_alloc(a, (m->nrules + 1) * sizeof(bool));
    out->ex.rowrules = arena_alloc(a, (m->nrowrules + 1) * sizeof(bool));
    out->ex.writes = arena_alloc(a, (m->nwrites + 1) * sizeof(bool));
    out->ex.cells = arena_alloc(a, (cell_count(m) + 1) * sizeof(bool));
    PgRun r = {.m = m, .c = c, .a = a};
    r.db = PQconnectdb(dsn);
    if (PQstatus(r.db) != CONNECTION_OK) {
        *err = arena_printf(a, "cannot connect to %s: %s", dsn,
                            PQerrorMessage(r.db));
        PQfinish(r.db);
        return false;
    }
    /* The runner's own role changes and the script say nothing worth
     * showing: notices are dropped. */
    PQsetNoticeProcessor(r.db, quiet, NULL);
    StrBuf script;
    sb_init(&script);
    PgOptions opt = {.transaction = false, .pgaudit = false};
    emit_postgres(m, &opt, &script);
    r.script = script.data;
    sb_init(&r.why);
    out->cases = arena_alloc(a, (c->ncases + 1) * sizeof *out->cases);
    out->ncases = c->ncases;
    for (size_t i = 0; i < c->ncases; i++) {
        const CCase *cs = &c->cases[i];
        CaseResult *cr = &out->cases[i];
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cr->c = cs;
        cr->pass = true;
        sb_reset(&r.why);
        if (!run_sql(&r, "BEGIN") || !setup(&r)) {
            cr->pass = false;
            sb_puts(&r.why, "  (setting up the case on the server)\n");
        }
        for (size_t k = 0; cr->pass && k < cs->nsteps; k++) {
            sb_reset(&r.why);
            if (cs->steps)
                sb_printf(&r.why, "  step %zu of %zu\n", k + 1, cs->nsteps);
            if (!run_step(&r, &cs->step[k], &out->ex)) {
                cr->pass = false;
                cr->step = k;
            }
        }
        run_sql(&r, "ROLLBACK");
        if (!cr->pass)
            cr->failure = arena_strdup(a, sb_cstr(&r.why));
        out->failed += !cr->pass;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        cr->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    }
    sb_free(&r.why);
    sb_free(&script);
    PQfinish(r.db);
    return true;
}
