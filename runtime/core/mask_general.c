/*
 * mask_general.c - generalisation: bucket, range and date_trunc
 * (docs/masks.md, "Generalisation").
 *
 * These replace a value by the class it falls in. Their input is a number or
 * a date; a value that is not one (text that does not parse, NaN, an
 * impossible date) has no class and gives NULL, never the value itself.
 */
#include "mask_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Num is a numeric input: an exact integer or a finite double. */
typedef struct Num {
    bool is_int; /* i holds the value, else r does */
    int64_t i;   /* integer value */
    double r;    /* real value */
} Num;

/*
 * input_number reads c->in as a number: integers and finite reals as they
 * are, text when all of it is a decimal literal (no spaces, no hex, no
 * inf/nan). Returns false when the input is not a number.
 */
static bool input_number(MaskCall *c, Num *out)
{
    const MaskValue *in = c->in;
    char buf[64];

    switch (in->kind) {
    case MASK_INT:
        out->is_int = true;
        out->i = in->i;
        return true;
    case MASK_REAL:
        out->is_int = false;
        out->r = in->r;
        return isfinite(in->r);
    case MASK_TEXT:
    case MASK_DATE: break;
    case MASK_NULL: return false;
    }
    if (in->n == 0 || in->n >= sizeof buf)
        return false;
    bool dot = false;
    for (size_t k = 0; k < in->n; k++) {
        char ch = in->s[k];
        if (ch == '.' || ch == 'e' || ch == 'E')
            dot = true;
        else if (!(ch >= '0' && ch <= '9') && ch != '+' && ch != '-')
            return false;
    }
    memcpy(buf, in->s, in->n);
    buf[in->n] = '\0';
    char *end;
    errno = 0;
    if (!dot) {
        long long v = strtoll(buf, &end, 10);
        if (*end == '\0' && errno == 0) {
            out->is_int = true;
            out->i = v;
            return true;
        }
    }
    errno = 0;
    double r = strtod(buf, &end);
    if (*end != '\0' || !isfinite(r))
        return false;
    out->is_int = false;
    out->r = r;
    return true;
}

/*
 * floor_d is floor(3) without libm (the library links with -lcrypto only):
 * beyond 2^52 every double is already an integer.
 */
static double floor_d(double x)
{
    if (!(x > -4503599627370496.0 && x < 4503599627370496.0))
        return x;
    double t = (double)(int64_t)x;
    return t > x ? t - 1.0 : t;
}

/* put_int and put_real append a number's text form. */
static void put_int(MaskBuf *b, int64_t v)
{
    char buf[32];
    mask_put(b, buf, mask_fmt_int(v, buf));
}

static void put_real(MaskBuf *b, double v)
{
    char buf[32];
    mask_put(b, buf, mask_fmt_real(v, buf));
}

/*
 * floor_bucket returns floor(X / W) * W for W > 0, clamped to INT64_MIN
 * where the exact bucket start is not representable.
 */
static int64_t floor_bucket(int64_t x, int64_t w)
{
    int64_t q = x / w;
    if (x % w < 0)
        q--;
    if (q < INT64_MIN / w)
        return INT64_MIN;
    return q * w;
}

/* bucket's rule: a finite width above zero. */
bool mask_check_bucket(const MaskValue *args, int nargs, MaskArgError *out)
{
    const MaskValue *w = &args[0];
    (void)nargs;
    if ((w->kind == MASK_INT && w->i <= 0) ||
        (w->kind == MASK_REAL && !(isfinite(w->r) && w->r > 0)))
        return mask_arg_error(out, 0, "width must be positive");
    return true;
}

/* bucket(width) */
int mask_fn_bucket(MaskCall *c)
{
    const MaskValue *w = &c->args[0];
    Num v;

    if (!input_number(c, &v)) {
        mask_set_null(c->out);
        return MASK_OK;
    }
    mask_set_text(c->out);
    if (w->kind == MASK_INT) {
        /* Integer buckets are labelled by the integers they hold; a real
         * value falls in the bucket of its floor. */
        int64_t x;
        if (v.is_int) {
            x = v.i;
        } else {
            double f = floor_d(v.r);
            if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) {
                mask_set_null(c->out);
                return MASK_OK;
            }
            x = (int64_t)f;
        }
        int64_t lo = floor_bucket(x, w->i);
        int64_t hi = lo > INT64_MAX - (w->i - 1) ? INT64_MAX : lo + (w->i - 1);
        put_int(c->out, lo);
        mask_put(c->out, "-", 1);
        put_int(c->out, hi);
        return MASK_OK;
    }
    double x = v.is_int ? (double)v.i : v.r;
    double lo = floor_d(x / w->r) * w->r;
    mask_put(c->out, "[", 1);
    put_real(c->out, lo);
    mask_put(c->out, ",", 1);
    put_real(c->out, lo + w->r);
    mask_put(c->out, ")", 1);
    return MASK_OK;
}

/* range's rule: finite bounds, low < high (compared as integers when both
 * are: two integers beyond 2^53 may be one double). */
bool mask_check_range(const MaskValue *args, int nargs, MaskArgError *out)
{
    const MaskValue *lo = &args[0], *hi = &args[1];
    (void)nargs;
    if (lo->kind == MASK_INT && hi->kind == MASK_INT) {
        if (lo->i < hi->i)
            return true;
    } else {
        double l = lo->kind == MASK_INT ? (double)lo->i : lo->r;
        double h = hi->kind == MASK_INT ? (double)hi->i : hi->r;
        if (isfinite(l) && isfinite(h) && l < h)
            return true;
    }
    return mask_arg_error(out, -1, "low must be less than high");
}

/* range(low, high) */
int mask_fn_range(MaskCall *c)
{
    const MaskValue *lo = &c->args[0], *hi = &c->args[1];
    Num v;

    if (lo->kind == MASK_INT && hi->kind == MASK_INT) {
        if (!input_number(c, &v)) {
            mask_set_null(c->out);
            return MASK_OK;
        }
        bool below = v.is_int ? v.i < lo->i : v.r < (double)lo->i;
        bool above = v.is_int ? v.i >= hi->i : v.r >= (double)hi->i;
        mask_set_text(c->out);
        if (below) {
            mask_put(c->out, "<", 1);
            put_int(c->out, lo->i);
        } else if (above) {
            mask_put(c->out, ">=", 2);
            put_int(c->out, hi->i);
        } else {
            put_int(c->out, lo->i);
            mask_put(c->out, "-", 1);
            put_int(c->out, hi->i - 1);
        }
        return MASK_OK;
    }
    double l = lo->kind == MASK_INT ? (double)lo->i : lo->r;
    double h = hi->kind == MASK_INT ? (double)hi->i : hi->r;
    if (!input_number(c, &v)) {
        mask_set_null(c->out);
        return MASK_OK;
    }
    double x = v.is_int ? (double)v.i : v.r;
    mask_set_text(c->out);
    if (x < l) {
        mask_put(c->out, "<", 1);
        put_real(c->out, l);
    } else if (x >= h) {
        mask_put(c->out, ">=", 2);
        put_real(c->out, h);
    } else {
        mask_put(c->out, "[", 1);
        put_real(c->out, l);
        mask_put(c->out, ",", 1);
        put_real(c->out, h);
        mask_put(c->out, ")", 1);
    }
    return MASK_OK;
}

/* date_trunc(year|month|day) */
int mask_fn_date_trunc(MaskCall *c)
{
    const MaskValue *unit = &c->args[0];
    MaskDateTime dt;
    char buf[10];

    if ((c->in->kind != MASK_TEXT && c->in->kind != MASK_DATE) ||
        !mask_parse_datetime(c->in->s, c->in->n, &dt)) {
        mask_set_null(c->out);
        return MASK_OK;
    }
    if (unit->n == 4 && memcmp(unit->s, "year", 4) == 0) {
        dt.month = 1;
        dt.day = 1;
    } else if (unit->n == 5 && memcmp(unit->s, "month", 5) == 0) {
        dt.day = 1;
    }
    mask_set_text(c->out);
    /* YYYY-MM-DD by hand: snprintf would dominate the cost. */
    buf[0] = (char)('0' + dt.year / 1000);
    buf[1] = (char)('0' + dt.year / 100 % 10);
    buf[2] = (char)('0' + dt.year / 10 % 10);
    buf[3] = (char)('0' + dt.year % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + dt.month / 10);
    buf[6] = (char)('0' + dt.month % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + dt.day / 10);
    buf[9] = (char)('0' + dt.day % 10);
    mask_put(c->out, buf, 10);
    if (dt.has_time) {
        mask_put(c->out, &dt.sep, 1);
        mask_put_str(c->out, "00:00:00");
        mask_put(c->out, c->in->s + dt.tz, c->in->n - dt.tz);
    }
    return MASK_OK;
}
