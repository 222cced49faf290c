/*
 * exhaustive_postgres.c - the PostgreSQL target of the exhaustive check:
 * the corpus runner's world (run_postgres.h: one transaction, rolled
 * back), each session in a savepoint as a role granted exactly its roles,
 * rows read through the policy's views.
 */
#include "exhaustive_target.h"

#include "run_postgres.h"
#include "sql_quote.h"
#include "strbuf.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

typedef struct Pg {
    PgRun *run;
    PGconn *db;
    Arena *a;
    const char *schema; /* the views' schema: the policy's name */
} Pg;

/* exec_ok runs SQL; false with the server's message in *WHY (if given). */
static bool exec_ok(Pg *p, const char *sql, const char **why)
{
    PGresult *res = PQexec(p->db, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok && why) {
        const char *msg = PQerrorMessage(p->db);
        *why = arena_strndup(p->a, msg, strcspn(msg, "\n"));
    }
    PQclear(res);
    return ok;
}

/* from_pg types the field as the check compares it: integers, floats and
 * booleans (1 or 0) by their type; text under a declared integer or real
 * column that reads fully as one (a view's column made text for every
 * role by some role's mask) as that number. */
static XValue from_pg(Arena *a, const PGresult *res, int row, int col,
                      ColType declared)
{
    XValue x = {XV_NULL, 0, 0, NULL, 0};
    if (PQgetisnull(res, row, col))
        return x;
    const char *v = PQgetvalue(res, row, col);
    size_t n = (size_t)PQgetlength(res, row, col);
    char *end = NULL;
    switch (PQftype(res, col)) {
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: /* int4 */
        x.kind = XV_INT;
        x.i = strtoll(v, NULL, 10);
        return x;
    case 700:  /* float4 */
    case 701:  /* float8 */
    case 1700: /* numeric */
        x.kind = XV_REAL;
        x.r = strtod(v, NULL);
        return x;
    case 16: /* bool */
        x.kind = XV_INT;
        x.i = v[0] == 't';
        return x;
    default: break;
    }
    if (n && declared == TYPE_INTEGER) {
        long long i = strtoll(v, &end, 10);
        if (end == v + n)
            return (XValue){XV_INT, i, 0, NULL, 0};
    } else if (n && declared == TYPE_REAL) {
        double d = strtod(v, &end);
        if (end == v + n)
            return (XValue){XV_REAL, 0, d, NULL, 0};
    }
    x.kind = XV_TEXT;
    x.n = n;
    x.s = arena_strndup(a, v, n);
    return x;
}

static bool pg_read(XTarget *t, const Model *m, int table, bool base,
                    long long limit, Arena *a, XRows *out, const char **why)
{
    Pg *p = t->ctx;
    const Table *tb = &m->tables[table];
    StrBuf sql;
    sb_init(&sql);
    exh_select(tb, &sql);
    sql_put_ident(&sql, base ? "ward_check_base" : p->schema);
    sb_puts(&sql, ".");
    sql_put_ident(&sql, tb->name);
    if (limit >= 0)
        sb_printf(&sql, " LIMIT %lld", limit);
    memset(out, 0, sizeof *out);
    /* A refused read must not end the session's savepoint. */
    bool ok = exec_ok(p, "SAVEPOINT ward_exh_read", why);
    PGresult *res = ok ? PQexec(p->db, sql.data) : NULL;
    sb_free(&sql);
    if (ok && PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *msg = PQerrorMessage(p->db);
        *why = arena_strndup(a, msg, strcspn(msg, "\n"));
        ok = false;
    }
    if (ok) {
        out->n = (size_t)PQntuples(res);
        out->row = arena_alloc(a, (out->n + 1) * sizeof *out->row);
        for (size_t i = 0; i < out->n; i++) {
            XValue *r = arena_alloc(a, (tb->ncolumns + 1) * sizeof *r);
            for (size_t c = 0; c < tb->ncolumns; c++)
                r[c] = from_pg(a, res, (int)i, (int)c, tb->columns[c].type);
            out->row[i] = r;
        }
    }
    PQclear(res);
    exec_ok(p,
            ok ? "RELEASE SAVEPOINT ward_exh_read"
               : "ROLLBACK TO SAVEPOINT ward_exh_read; RELEASE SAVEPOINT "
                 "ward_exh_read",
            NULL);
    return ok;
}

static bool pg_session(XTarget *t, const CSession *s, const char **why)
{
    Pg *p = t->ctx;
    /* The bulk-read gate counts per transaction: each session starts
     * again, as each autocommit statement would. */
    if (!exec_ok(p, "SELECT ward.bulk_reset_(); SAVEPOINT ward_exh", why))
        return false;
    if (pg_world_become(p->run, s, why))
        return true;
    exec_ok(p,
            "ROLLBACK TO SAVEPOINT ward_exh; RELEASE SAVEPOINT ward_exh; "
            "RESET ROLE",
            NULL);
    return false;
}

static void pg_end_session(XTarget *t)
{
    /* The reads the C library keeps for the commit, then everything the
     * session made (its user, grants, state), taken back. */
    exec_ok(t->ctx,
            "RESET ROLE; SELECT ward.reads_flush_(); ROLLBACK TO SAVEPOINT "
            "ward_exh; RELEASE SAVEPOINT ward_exh",
            NULL);
}

static void pg_close(XTarget *t)
{
    Pg *p = t->ctx;
    pg_world_close(p->run);
}

bool exh_postgres_open(const Model *emit, const Corpus *c, const char *dsn,
                       const char *tamper, Arena *a, XTarget *t,
                       const char **err)
{
    PgRun *run = pg_world_open(emit, c, dsn, a, err);
    if (!run)
        return false;
    Pg *p = arena_alloc(a, sizeof *p);
    *p = (Pg){run, pg_world_conn(run), a, emit->name};
    const char *why = NULL;
    if (tamper && !exec_ok(p, tamper, &why)) {
        *err = arena_printf(a, "the tamper SQL failed: %s", why);
        pg_world_close(run);
        return false;
    }
    *t = (XTarget){.name = "postgres",
                   .loose_types = true,
                   .env_key = false,
                   .ctx = p,
                   .session = pg_session,
                   .end_session = pg_end_session,
                   .read = pg_read,
                   .close = pg_close};
    return true;
}
