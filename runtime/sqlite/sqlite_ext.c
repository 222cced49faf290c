/*
 * sqlite_ext.c - the runtime as a SQLite loadable extension: entry point,
 * per-connection state, and the helpers the other sqlite_*.c files share.
 *
 * `.load ward` in the stock shell (or ward_runtime_open from ward.h) calls
 * sqlite3_ward_init, which registers every SQL function (ward_session,
 * ward_lock, ward_request, ward_approve, the ward_<mask> functions, ...) and
 * the virtual table module, installs the authorizer and the statement-end
 * hook, and ties one WardConn to the connection; it is freed when the
 * connection closes. Loading twice on one connection is a no-op.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "sqlite_rt.h"
#include "ward.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WARD_RUNTIME_VERSION "ward runtime 2 (catalog format 2)"

/* The runtime's statements leave last_insert_rowid() as they found it: an
 * audit append would tell a session how long the log is. */
int rt_exec(WardConn *w, const char *sql, char **err)
{
    sqlite3_int64 keep = sqlite3_last_insert_rowid(w->db);
    w->internal++;
    int rc = sqlite3_exec(w->db, sql, NULL, NULL, err);
    w->internal--;
    sqlite3_set_last_insert_rowid(w->db, keep);
    return rc;
}

int rt_prepare(WardConn *w, const char *sql, sqlite3_stmt **out)
{
    w->internal++;
    int rc = sqlite3_prepare_v2(w->db, sql, -1, out, NULL);
    w->internal--;
    if (rc == SQLITE_OK && *out && !rt_hold(w, *out)) {
        sqlite3_finalize(*out);
        *out = NULL;
        rc = SQLITE_NOMEM;
    }
    return rc;
}

int rt_step(WardConn *w, sqlite3_stmt *stmt)
{
    /* A schema change makes step re-prepare, which consults the
     * authorizer again: stay internal for the whole step. */
    sqlite3_int64 keep = sqlite3_last_insert_rowid(w->db);
    w->internal++;
    int rc = sqlite3_step(stmt);
    w->internal--;
    sqlite3_set_last_insert_rowid(w->db, keep);
    return rc;
}

int rt_finalize(WardConn *w, sqlite3_stmt *stmt)
{
    rt_unhold(w, stmt);
    w->internal++;
    int rc = sqlite3_finalize(stmt);
    w->internal--;
    return rc;
}

int rt_reset(WardConn *w, sqlite3_stmt *stmt)
{
    w->internal++;
    int rc = sqlite3_reset(stmt);
    w->internal--;
    return rc;
}

bool rt_hold(WardConn *w, sqlite3_stmt *stmt)
{
    if (w->nheld == w->capheld) {
        int cap = w->capheld ? 2 * w->capheld : 16;
        sqlite3_stmt **h =
            sqlite3_realloc64(w->held, (sqlite3_uint64)cap * sizeof *h);
        if (!h)
            return false;
        w->held = h;
        w->capheld = cap;
    }
    w->held[w->nheld++] = stmt;
    return true;
}

void rt_unhold(WardConn *w, sqlite3_stmt *stmt)
{
    for (int i = 0; i < w->nheld; i++)
        if (w->held[i] == stmt) {
            w->held[i] = w->held[--w->nheld];
            return;
        }
}

bool rt_holds(const WardConn *w, sqlite3_stmt *stmt)
{
    for (int i = 0; i < w->nheld; i++)
        if (w->held[i] == stmt)
            return true;
    return false;
}

void rt_now(const WardConn *w, char *out, int64_t seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (w->clock_set) {
        /* A test's fixed clock (ward_clock). */
        ts.tv_sec = (time_t)w->clock_s;
        ts.tv_nsec = (long)w->clock_ms * 1000000L;
    }
    time_t t = ts.tv_sec + (time_t)seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000L) % 1000);
}

void rt_error(sqlite3_context *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    char *full = msg ? sqlite3_mprintf("ward: %s", msg) : NULL;
    if (full)
        sqlite3_result_error(ctx, full, -1);
    else
        sqlite3_result_error_nomem(ctx);
    sqlite3_free(full);
    sqlite3_free(msg);
}

int rt_register(sqlite3 *db, WardConn *w, const RtFunction *fns, size_t n)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++)
        rc = sqlite3_create_function_v2(db, fns[i].name, fns[i].nargs,
                                        SQLITE_UTF8 | fns[i].flags, w,
                                        fns[i].fn, NULL, NULL, NULL);
    return rc;
}

bool rt_value_is(sqlite3_value *a, sqlite3_value *b)
{
    int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
    if (ta != tb)
        return false;
    switch (ta) {
    case SQLITE_NULL: return true;
    case SQLITE_INTEGER:
        return sqlite3_value_int64(a) == sqlite3_value_int64(b);
    case SQLITE_FLOAT:
        return sqlite3_value_double(a) == sqlite3_value_double(b);
    default:
        /* Empty text or blob has no bytes to compare (and may be NULL). */
        return sqlite3_value_bytes(a) == sqlite3_value_bytes(b) &&
               (sqlite3_value_bytes(a) == 0 ||
                memcmp(sqlite3_value_blob(a), sqlite3_value_blob(b),
                       (size_t)sqlite3_value_bytes(a)) == 0);
    }
}

void rt_result_text(sqlite3_context *ctx, const char *s)
{
    if (s)
        sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_result_null(ctx);
}

WardConn *rt_conn(sqlite3_context *ctx)
{
    return sqlite3_user_data(ctx);
}

char *rt_dup(const char *s)
{
    return s ? sqlite3_mprintf("%s", s) : NULL;
}

const char *rt_role_word(const WardConn *w)
{
    return w->roles && strchr(w->roles, ',') ? "roles" : "role";
}

/* ---- RtNames ---- */

bool rt_names_add(RtNames *s, const char *name)
{
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        char **v = sqlite3_realloc64(s->v, (sqlite3_uint64)cap * sizeof *v);
        if (!v)
            return false;
        s->v = v;
        s->cap = cap;
    }
    char *copy = rt_dup(name);
    if (!copy)
        return false;
    s->v[s->n++] = copy;
    s->sorted = false;
    return true;
}

static int name_cmp(const void *a, const void *b)
{
    return sqlite3_stricmp(*(char *const *)a, *(char *const *)b);
}

bool rt_names_has(RtNames *s, const char *name)
{
    if (!name || !s->n)
        return false;
    if (!s->sorted) {
        qsort(s->v, (size_t)s->n, sizeof *s->v, name_cmp);
        s->sorted = true;
    }
    return bsearch(&name, s->v, (size_t)s->n, sizeof *s->v, name_cmp) != NULL;
}

void rt_names_clear(RtNames *s)
{
    for (int i = 0; i < s->n; i++)
        sqlite3_free(s->v[i]);
    sqlite3_free(s->v);
    memset(s, 0, sizeof *s);
}

static void conn_free(void *p)
{
    WardConn *w = p;
    rt_session_clear(w);
    rt_catalog_clear(w);
    rt_names_clear(&w->vtabs);
    rt_names_clear(&w->own);
    rt_audit_dispose(w);
    sqlite3_free(w->held);
    sqlite3_free(w->path);
    crypto_key_dispose(&w->key);
    sqlite3_free(w);
}

static void fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_text(ctx, WARD_RUNTIME_VERSION, -1, SQLITE_STATIC);
}

static bool already_loaded(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    bool yes = sqlite3_prepare_v2(db, "SELECT ward_runtime_version()", -1, &st,
                                  NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    return yes;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
    int sqlite3_ward_init(sqlite3 *db, char **pzErrMsg,
                          const sqlite3_api_routines *pApi)
{
    SQLITE_EXTENSION_INIT2(pApi);
    if (already_loaded(db))
        return SQLITE_OK;
    WardConn *w = sqlite3_malloc(sizeof *w);
    if (!w)
        return SQLITE_NOMEM;
    memset(w, 0, sizeof *w);
    w->db = db;
    sqlite3_randomness(sizeof w->rowid_key, &w->rowid_key);
    const char *path = sqlite3_db_filename(db, "main");
    w->path = sqlite3_mprintf("%s", path ? path : "");
    w->journal = rt_journal_new(w);
    /* The version function owns W: SQLite calls conn_free when the
     * connection closes, after every other function is gone. */
    int rc = sqlite3_create_function_v2(db, "ward_runtime_version", 0,
                                        SQLITE_UTF8 | SQLITE_INNOCUOUS, w,
                                        fn_version, NULL, NULL, conn_free);
    if (rc == SQLITE_OK)
        rc = rt_masks_register(db, w);
    if (rc == SQLITE_OK)
        rc = rt_audit_register(db, w);
    if (rc == SQLITE_OK)
        rc = rt_session_register(db, w);
    if (rc == SQLITE_OK)
        rc = rt_vtab_register(db, w);
    if (rc == SQLITE_OK)
        rc = rt_approval_register(db, w);
    if (rc == SQLITE_OK)
        rc = rt_guard_install(db, w);
    if (rc != SQLITE_OK && pzErrMsg)
        *pzErrMsg = sqlite3_mprintf("ward: cannot register the runtime: %s",
                                    sqlite3_errmsg(db));
    return rc;
}
