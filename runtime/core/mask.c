/*
 * mask.c - the masking core's entry points (mask_apply, mask_apply_name),
 * argument checking against the catalog (mask_check_args), and the helpers
 * every family shares: output writers, number formatting and ISO date
 * parsing. Each catalog entry carries its implementation (mask_spec.h).
 */
#include "mask_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "utf8.h"

static void verr(char *err, size_t errlen, const char *name, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static void verr(char *err, size_t errlen, const char *name, const char *fmt,
                 va_list ap)
{
    if (err == NULL || errlen == 0)
        return;
    int k = snprintf(err, errlen, "%s: ", name);
    if (k < 0 || (size_t)k >= errlen)
        return;
    vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
}

int mask_fail(MaskCall *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(c->err, c->errlen, c->spec->name, fmt, ap);
    va_end(ap);
    return code;
}

static int spec_fail(const MaskSpec *spec, char *err, size_t errlen, int code,
                     const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int spec_fail(const MaskSpec *spec, char *err, size_t errlen, int code,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(err, errlen, spec->name, fmt, ap);
    va_end(ap);
    return code;
}

/* word_ok reports whether the N bytes at S are one of WORDS ("a|b|c"). */
static bool word_ok(const char *words, const char *s, size_t n)
{
    const char *w = words;
    while (w != NULL && *w != '\0') {
        const char *bar = strchr(w, '|');
        size_t len = bar != NULL ? (size_t)(bar - w) : strlen(w);
        if (len == n && memcmp(w, s, n) == 0)
            return true;
        w = bar != NULL ? bar + 1 : NULL;
    }
    return false;
}

bool mask_arg_error(MaskArgError *out, int arg, const char *fmt, ...)
{
    va_list ap;
    out->arg = arg;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    return false;
}

/* check_kinds holds ARGS to SPEC's arity and kinds (see mask.h). */
static bool check_kinds(const MaskSpec *spec, const MaskValue *args, int nargs,
                        MaskArgError *out)
{
    if (nargs < spec->min_args || nargs > spec->max_args) {
        if (spec->min_args == spec->max_args)
            return mask_arg_error(out, -1, "takes %d argument%s, got %d",
                                  spec->min_args,
                                  spec->min_args == 1 ? "" : "s", nargs);
        return mask_arg_error(out, -1, "takes %d to %d arguments, got %d",
                              spec->min_args, spec->max_args, nargs);
    }
    for (int i = 0; i < nargs; i++) {
        MaskKind k = args[i].kind;
        switch (spec->args[i]) {
        case MARG_INT:
            if (k != MASK_INT)
                return mask_arg_error(out, i, "argument %d must be an integer",
                                      i + 1);
            break;
        case MARG_NUMBER:
            if (k != MASK_INT && k != MASK_REAL)
                return mask_arg_error(out, i, "argument %d must be a number",
                                      i + 1);
            break;
        case MARG_STRING:
            if (k != MASK_TEXT || !utf8_valid(args[i].s, args[i].n))
                return mask_arg_error(
                    out, i, "argument %d must be a UTF-8 string", i + 1);
            break;
        case MARG_WORD:
            if (k != MASK_TEXT || !word_ok(spec->words, args[i].s, args[i].n))
                return mask_arg_error(out, i, "argument %d must be one of %s",
                                      i + 1, spec->words);
            break;
        case MARG_SCALAR:
            if (k == MASK_DATE)
                return mask_arg_error(out, i,
                                      "argument %d must be a string or a "
                                      "number",
                                      i + 1);
            break;
        }
    }
    return true;
}

bool mask_check_args(const MaskSpec *spec, const MaskValue *args, int nargs,
                     MaskArgError *out)
{
    return check_kinds(spec, args, nargs, out) &&
           (spec->check == NULL || spec->check(args, nargs, out));
}

void mask_buf_init(MaskBuf *b, char *mem, size_t cap, MaskGrow grow, void *ctx)
{
    b->kind = MASK_NULL;
    b->i = 0;
    b->r = 0.0;
    b->data = mem;
    b->len = 0;
    b->cap = mem != NULL ? cap : 0;
    b->grow = grow;
    b->ctx = ctx;
    b->heap = false;
    b->fail = 0;
}

bool mask_buf_reserve(MaskBuf *b, size_t extra)
{
    if (b->fail != 0)
        return false;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->fail = MASK_ENOMEM;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    if (b->grow == NULL) {
        b->fail = MASK_ESPACE;
        return false;
    }
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need)
        cap *= 2;
    char *p = b->grow(b->ctx, b->heap ? b->data : NULL, cap);
    if (p == NULL) {
        b->fail = MASK_ENOMEM;
        return false;
    }
    if (!b->heap && b->len > 0)
        memcpy(p, b->data, b->len);
    b->data = p;
    b->cap = cap;
    b->heap = true;
    return true;
}

void mask_put_repeat(MaskBuf *b, const char *unit, size_t n, size_t count)
{
    if (n == 0 || count == 0)
        return;
    if (count > SIZE_MAX / 4 / n) {
        b->fail = MASK_ENOMEM;
        return;
    }
    size_t total = n * count;
    if (!mask_buf_reserve(b, total)) {
        b->len += total;
        return;
    }
    char *d = b->data + b->len;
    if (n == 1) {
        memset(d, unit[0], count);
    } else {
        for (size_t i = 0; i < count; i++, d += n)
            memcpy(d, unit, n);
    }
    b->len += total;
}

void mask_put_cp(MaskBuf *b, uint32_t cp)
{
    char u[UTF8_MAX];
    int k = utf8_encode(cp, u);
    if (k == 0)
        k = utf8_encode(0xFFFD, u);
    mask_put(b, u, (size_t)k);
}

void mask_set_text(MaskBuf *b)
{
    b->kind = MASK_TEXT;
    b->len = 0;
}

void mask_set_null(MaskBuf *b)
{
    b->kind = MASK_NULL;
    b->len = 0;
}

void mask_set_int(MaskBuf *b, int64_t v)
{
    b->kind = MASK_INT;
    b->i = v;
    b->len = 0;
}

void mask_set_real(MaskBuf *b, double v)
{
    b->kind = MASK_REAL;
    b->r = v;
    b->len = 0;
}

size_t mask_fmt_int(int64_t v, char *buf)
{
    char tmp[24];
    size_t k = 0, n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        buf[n++] = '-';
    while (k > 0)
        buf[n++] = tmp[--k];
    buf[n] = '\0';
    return n;
}

size_t mask_fmt_real(double v, char *buf)
{
    if (isnan(v)) {
        memcpy(buf, "NaN", 4);
        return 3;
    }
    if (isinf(v)) {
        const char *s = v > 0 ? "Infinity" : "-Infinity";
        size_t n = strlen(s);
        memcpy(buf, s, n + 1);
        return n;
    }
    /* Rounding to 15 digits gives the shortest form whenever one of at
     * most 15 digits exists; else take 16 or 17, whichever reads back. */
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return n > 0 ? (size_t)n : 0;
}

void mask_input_text(MaskCall *c)
{
    const MaskValue *in = c->in;

    switch (in->kind) {
    case MASK_INT:
        c->n = mask_fmt_int(in->i, c->num);
        c->s = c->num;
        break;
    case MASK_REAL:
        c->n = mask_fmt_real(in->r, c->num);
        c->s = c->num;
        break;
    case MASK_TEXT:
    case MASK_DATE:
        c->s = in->s != NULL ? in->s : "";
        c->n = in->s != NULL ? in->n : 0;
        break;
    case MASK_NULL:
        c->s = "";
        c->n = 0;
        break;
    }
}

void mask_whole(MaskCall *c, const char *unit, size_t n)
{
    mask_put_repeat(c->out, unit, n, utf8_count(c->s, c->n));
}

void mask_put_hex(MaskBuf *b, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    if (!mask_buf_reserve(b, 2 * n)) {
        b->len += 2 * n;
        return;
    }
    char *d = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        d[2 * i] = digits[p[i] >> 4];
        d[2 * i + 1] = digits[p[i] & 15];
    }
    b->len += 2 * n;
}

int mask_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return days[month - 1];
}

/* digits reads exactly K ASCII digits at S[*I] into *V and advances *I. */
static bool digits(const char *s, size_t n, size_t *i, int k, int *v)
{
    int x = 0;
    if (*i + (size_t)k > n)
        return false;
    for (int j = 0; j < k; j++) {
        char ch = s[*i + (size_t)j];
        if (ch < '0' || ch > '9')
            return false;
        x = x * 10 + (ch - '0');
    }
    *i += (size_t)k;
    *v = x;
    return true;
}

/* lit consumes the byte CH at S[*I]. */
static bool lit(const char *s, size_t n, size_t *i, char ch)
{
    if (*i >= n || s[*i] != ch)
        return false;
    (*i)++;
    return true;
}

bool mask_parse_datetime(const char *s, size_t n, MaskDateTime *out)
{
    size_t i = 0;
    int zh, zm;

    memset(out, 0, sizeof *out);
    out->tz = n;
    if (!digits(s, n, &i, 4, &out->year) || !lit(s, n, &i, '-') ||
        !digits(s, n, &i, 2, &out->month) || !lit(s, n, &i, '-') ||
        !digits(s, n, &i, 2, &out->day))
        return false;
    if (out->month < 1 || out->month > 12 || out->day < 1 ||
        out->day > mask_days_in_month(out->year, out->month))
        return false;
    if (i == n)
        return true;
    if (s[i] != 'T' && s[i] != ' ')
        return false;
    out->sep = s[i++];
    out->has_time = true;
    if (!digits(s, n, &i, 2, &out->hour) || !lit(s, n, &i, ':') ||
        !digits(s, n, &i, 2, &out->minute))
        return false;
    if (i < n && s[i] == ':') {
        i++;
        if (!digits(s, n, &i, 2, &out->sec))
            return false;
        if (i < n && s[i] == '.') {
            size_t start = ++i;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == start)
                return false;
        }
    }
    if (out->hour > 23 || out->minute > 59 || out->sec > 59)
        return false;
    if (i == n)
        return true;
    out->tz = i;
    if (s[i] == 'Z')
        return i + 1 == n;
    if (s[i] != '+' && s[i] != '-')
        return false;
    i++;
    if (!digits(s, n, &i, 2, &zh) || zh > 23)
        return false;
    if (i == n)
        return true;
    lit(s, n, &i, ':');
    if (!digits(s, n, &i, 2, &zm) || zm > 59)
        return false;
    return i == n;
}

int mask_apply(const MaskSpec *spec, const MaskValue *args, int nargs,
               const MaskValue *in, MaskBuf *out, const MaskKey *key, char *err,
               size_t errlen)
{
    int rc;

    out->kind = MASK_NULL;
    out->len = 0;
    out->fail = 0;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (spec == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "no masking function given");
        return MASK_EARG;
    }
    MaskArgError bad;
    if (!check_kinds(spec, args, nargs, &bad))
        return spec_fail(spec, err, errlen, MASK_EARG, "%s", bad.message);
    /* A keyed function fails without a key even on NULL, so that a missing
     * key shows on the first row rather than the first non-NULL one. */
    if (spec->keyed && (key == NULL || !key->loaded))
        return spec_fail(spec, err, errlen, MASK_EKEY,
                         "no masking key loaded: set WARD_KEY_FILE or "
                         "WARD_KEY");
    if (in == NULL || in->kind == MASK_NULL)
        return MASK_OK;
    /* The entry's own rules, past NULL as the SQL runtime has them. */
    if (spec->check != NULL && !spec->check(args, nargs, &bad))
        return spec_fail(spec, err, errlen, MASK_EARG, "%s", bad.message);

    MaskCall c;
    c.spec = spec;
    c.args = args;
    c.nargs = nargs;
    c.in = in;
    c.out = out;
    c.key = key;
    c.err = err;
    c.errlen = errlen;
    c.s = "";
    c.n = 0;
    if ((rc = spec->impl(&c)) < 0)
        return rc;
    if (out->kind == MASK_TEXT && mask_buf_reserve(out, 0))
        out->data[out->len] = '\0';
    if (out->fail == MASK_ESPACE)
        return spec_fail(spec, err, errlen, MASK_ESPACE,
                         "output needs %zu bytes", out->len + 1);
    if (out->fail != 0)
        return spec_fail(spec, err, errlen, MASK_ENOMEM, "out of memory");
    return MASK_OK;
}

int mask_apply_name(const char *name, const MaskValue *args, int nargs,
                    const MaskValue *in, MaskBuf *out, const MaskKey *key,
                    char *err, size_t errlen)
{
    const MaskSpec *spec = mask_spec_find(name);
    if (spec == NULL) {
        out->kind = MASK_NULL;
        out->len = 0;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "unknown masking function '%s'", name);
        return MASK_EARG;
    }
    return mask_apply(spec, args, nargs, in, out, key, err, errlen);
}
