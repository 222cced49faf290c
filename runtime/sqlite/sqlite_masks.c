/*
 * sqlite_masks.c - every catalog masking function as the SQL function
 * ward_<name>(value, args...), plus ward_date() and ward_decrypt().
 *
 * Each call converts SQLite values to MaskValues, runs mask_apply from the
 * pure C core into a stack buffer (growing through sqlite3_realloc64 only
 * for long values), and hands the result back. The key for hmac and
 * encrypt is read from the environment once per connection, on first use.
 */
#include "sqlite_rt.h"

#include "mask.h"

#include <stdio.h>
#include <string.h>

static void *grow(void *ctx, void *old, size_t size)
{
    (void)ctx;
    return sqlite3_realloc64(old, size);
}

static MaskValue to_mask_value(sqlite3_value *v)
{
    MaskValue m = mask_null();
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        m.kind = MASK_INT;
        m.i = sqlite3_value_int64(v);
        break;
    case SQLITE_FLOAT:
        m.kind = MASK_REAL;
        m.r = sqlite3_value_double(v);
        break;
    case SQLITE_TEXT:
    case SQLITE_BLOB:
        m.kind = sqlite3_value_subtype(v) == WARD_SUBTYPE_DATE ? MASK_DATE
                                                               : MASK_TEXT;
        m.s = (const char *)sqlite3_value_text(v);
        m.n = (size_t)sqlite3_value_bytes(v);
        if (!m.s) {
            m.s = "";
            m.n = 0;
        }
        break;
    default: break;
    }
    return m;
}

static const MaskKey *conn_key(WardConn *w)
{
    if (!w->key_tried) {
        w->key_tried = true;
        if (crypto_key_load_env(&w->key, w->key_err, sizeof w->key_err) != 0)
            w->key.loaded = false;
    }
    return w->key.loaded ? &w->key : NULL;
}

static void result(sqlite3_context *ctx, MaskBuf *b, char *stack)
{
    switch (b->kind) {
    case MASK_NULL: sqlite3_result_null(ctx); break;
    case MASK_INT: sqlite3_result_int64(ctx, b->i); break;
    case MASK_REAL: sqlite3_result_double(ctx, b->r); break;
    default:
        if (b->heap) {
            sqlite3_result_text64(ctx, b->data, b->len, sqlite3_free,
                                  SQLITE_UTF8);
            b->heap = false;
        } else {
            sqlite3_result_text64(ctx, b->data ? b->data : stack, b->len,
                                  SQLITE_TRANSIENT, SQLITE_UTF8);
        }
        break;
    }
}

static void fail(sqlite3_context *ctx, WardConn *w, const MaskSpec *spec,
                 int rc, const char *err)
{
    if (rc == MASK_ENOMEM)
        sqlite3_result_error_nomem(ctx);
    else if (rc == MASK_EKEY)
        rt_error(ctx, "[no-key] ward_%s needs a key: %s", spec->name,
                 w->key_err[0] ? w->key_err : "set WARD_KEY_FILE or WARD_KEY");
    else
        rt_error(ctx, "ward_%s: %s", spec->name, err);
}

/* One registration per catalog entry: SQLite gives a function one user
 * data pointer, so each entry gets a small struct pairing spec and conn. */
typedef struct MaskFnData {
    const MaskSpec *spec;
    WardConn *w;
} MaskFnData;

/* apply runs SPEC on V (tagged a date when DATE) with ARGS into OUT, which
 * the caller set up over STACK. Returns a MASK_ code; ERR gets a message. */
static int apply(WardConn *w, const MaskSpec *spec, sqlite3_value *v, bool date,
                 const MaskValue *args, int nargs, MaskBuf *out, char *err,
                 size_t errlen)
{
    MaskValue in = to_mask_value(v);
    if (date && in.kind == MASK_TEXT)
        in.kind = MASK_DATE;
    const MaskKey *key = spec->keyed ? conn_key(w) : NULL;
    return mask_apply(spec, args, nargs, &in, out, key, err, errlen);
}

void rt_mask_args(sqlite3_value **argv, int n, MaskValue *out)
{
    for (int i = 0; i < n && i < MASK_MAX_ARGS; i++)
        out[i] = to_mask_value(argv[i]);
}

void rt_mask_result(sqlite3_context *ctx, WardConn *w, const MaskSpec *spec,
                    sqlite3_value *v, bool date, const MaskValue *args,
                    int nargs)
{
    if (sqlite3_value_type(v) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    char stack[256], err[160] = "";
    MaskBuf out;
    mask_buf_init(&out, stack, sizeof stack, grow, NULL);
    int rc = apply(w, spec, v, date, args, nargs, &out, err, sizeof err);
    if (rc == MASK_OK)
        result(ctx, &out, stack);
    else
        fail(ctx, w, spec, rc, err);
    if (out.heap)
        sqlite3_free(out.data);
}

bool rt_mask_is(WardConn *w, const MaskSpec *spec, sqlite3_value *base,
                bool date, const MaskValue *args, int nargs, sqlite3_value *v)
{
    if (sqlite3_value_type(base) == SQLITE_NULL)
        return sqlite3_value_type(v) == SQLITE_NULL;
    char stack[256], err[160] = "";
    MaskBuf out;
    mask_buf_init(&out, stack, sizeof stack, grow, NULL);
    bool same = false;
    if (apply(w, spec, base, date, args, nargs, &out, err, sizeof err) ==
        MASK_OK) {
        switch (out.kind) {
        case MASK_NULL: same = sqlite3_value_type(v) == SQLITE_NULL; break;
        case MASK_INT:
            same = sqlite3_value_type(v) == SQLITE_INTEGER &&
                   sqlite3_value_int64(v) == out.i;
            break;
        case MASK_REAL:
            same = sqlite3_value_type(v) == SQLITE_FLOAT &&
                   sqlite3_value_double(v) == out.r;
            break;
        default: {
            const char *d = out.data ? out.data : stack;
            same = sqlite3_value_type(v) == SQLITE_TEXT &&
                   (size_t)sqlite3_value_bytes(v) == out.len &&
                   memcmp(sqlite3_value_text(v), d, out.len) == 0;
            break;
        }
        }
    }
    if (out.heap)
        sqlite3_free(out.data);
    return same;
}

static void fn_mask_call(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const MaskFnData *fd = sqlite3_user_data(ctx);
    const MaskSpec *spec = fd->spec;
    int nargs = argc - 1;
    if (argc < 1 || nargs < spec->min_args || nargs > spec->max_args) {
        rt_error(ctx, "ward_%s takes the value and %s", spec->name,
                 spec->signature);
        return;
    }
    /* A keyed mask called by a session could confirm a guessed value
     * against a pseudonym: the authorizer refuses the call, and this holds
     * where SQLite does not ask it (a DEFAULT). */
    if (spec->keyed && !rt_guard_trusted(fd->w)) {
        rt_error(ctx, "[denied] ward_%s may not be called in a session",
                 spec->name);
        return;
    }
    MaskValue args[MASK_MAX_ARGS];
    rt_mask_args(argv + 1, nargs, args);
    rt_mask_result(ctx, fd->w, spec, argv[0], false, args, nargs);
}

/* ward_date(x): x, tagged as a date column's value. */
static void fn_date(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_value(ctx, argv[0]);
    sqlite3_result_subtype(ctx, WARD_SUBTYPE_DATE);
}

/* ward_decrypt(token, context): the clear text behind encrypt(context). */
static void fn_decrypt(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    WardConn *w = rt_conn(ctx);
    if (!rt_guard_trusted(w)) {
        rt_error(ctx, "[denied] ward_decrypt may not be called in a session");
        return;
    }
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const char *tok = (const char *)sqlite3_value_text(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    const char *c = (const char *)sqlite3_value_text(argv[1]);
    size_t cn = (size_t)sqlite3_value_bytes(argv[1]);
    char stack[256], err[160] = "";
    MaskBuf out;
    mask_buf_init(&out, stack, sizeof stack, grow, NULL);
    int rc = mask_decrypt(tok ? tok : "", n, c ? c : "", cn, &out, conn_key(w),
                          err, sizeof err);
    if (rc == MASK_OK)
        result(ctx, &out, stack);
    else if (rc == MASK_EKEY)
        rt_error(ctx, "[no-key] ward_decrypt needs a key: %s",
                 w->key_err[0] ? w->key_err : "set WARD_KEY_FILE or WARD_KEY");
    else if (rc == MASK_ENOMEM)
        sqlite3_result_error_nomem(ctx);
    else
        rt_error(ctx, "ward_decrypt: %s", err);
    if (out.heap)
        sqlite3_free(out.data);
}

int rt_masks_register(sqlite3 *db, WardConn *w)
{
    int flags =
        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS | SQLITE_SUBTYPE;
    for (size_t i = 0; i < mask_spec_count(); i++) {
        const MaskSpec *spec = mask_spec_at(i);
        MaskFnData *fd = sqlite3_malloc(sizeof *fd);
        if (!fd)
            return SQLITE_NOMEM;
        fd->spec = spec;
        fd->w = w;
        char name[64];
        snprintf(name, sizeof name, "ward_%s", spec->name);
        int rc = sqlite3_create_function_v2(
            db, name, -1, flags, fd, fn_mask_call, NULL, NULL, sqlite3_free);
        if (rc != SQLITE_OK)
            return rc;
    }
    int rc =
        sqlite3_create_function_v2(db, "ward_date", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC |
                                       SQLITE_INNOCUOUS | SQLITE_RESULT_SUBTYPE,
                                   w, fn_date, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "ward_decrypt", 2,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC, w,
                                        fn_decrypt, NULL, NULL, NULL);
    return rc;
}
