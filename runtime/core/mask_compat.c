/*
 * mask_compat.c - compatibility families with the semantics users already
 * know: Apache Hive/Ranger (GenericUDFMask and friends), PostgreSQL
 * Anonymizer (anon.partial, anon.partial_email) and SQL Server dynamic data
 * masking (default(), email(), partial()). docs/masks.md gives the sources.
 *
 * Each follows its vendor, with one deliberate exception shared by all:
 * where the vendor would reveal a whole value (or a whole e-mail local part
 * or domain name) because it is no longer than the parts shown, ward masks
 * it instead. docs/masks.md lists each such case.
 */
#include "mask_impl.h"

#include <stdio.h>
#include <stdlib.h>

#include "crypto.h"
#include "utf8.h"

/* ---- Apache Hive ------------------------------------------------------ */

#define HIVE_KEEP (-1) /* Hive's UNMASKED_VAL: keep the original */

/* HiveMask is one call's replacement settings (Hive's MaskTransformer). */
typedef struct HiveMask {
    int32_t upper, lower, digit, other; /* code point, or HIVE_KEEP */
    int number;                         /* 0..9, for digits of integers */
    int day, month, year;               /* date fields, or HIVE_KEEP */
} HiveMask;

typedef enum HiveClass { HC_UPPER, HC_LOWER, HC_DIGIT, HC_OTHER } HiveClass;

/*
 * hive_class classifies CP as Java's Character.getType does for the blocks
 * that masked data uses: ASCII, Latin-1, Latin Extended-A, Greek, basic
 * Cyrillic and the fullwidth forms; decimal digits of ASCII, Arabic-Indic,
 * Devanagari and fullwidth. Everything else, CJK ideographs included (they
 * have no case), is "other", as in Java.
 */
static HiveClass hive_class(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            return HC_UPPER;
        if (cp >= 'a' && cp <= 'z')
            return HC_LOWER;
        if (cp >= '0' && cp <= '9')
            return HC_DIGIT;
        return HC_OTHER;
    }
    if (cp < 0x100) {
        if ((cp >= 0xC0 && cp <= 0xDE) && cp != 0xD7)
            return HC_UPPER;
        if ((cp >= 0xDF && cp <= 0xFF && cp != 0xF7) || cp == 0xB5)
            return HC_LOWER;
        return HC_OTHER;
    }
    if (cp <= 0x17F) { /* Latin Extended-A: mostly upper/lower pairs */
        if (cp == 0x138 || cp == 0x149 || cp == 0x17F)
            return HC_LOWER;
        if (cp == 0x178)
            return HC_UPPER;
        bool odd_upper =
            (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
        return (cp % 2 == 1) == odd_upper ? HC_UPPER : HC_LOWER;
    }
    if (cp >= 0x386 && cp <= 0x3CE) { /* Greek */
        if (cp == 0x386 || (cp >= 0x388 && cp <= 0x38A) || cp == 0x38C ||
            cp == 0x38E || cp == 0x38F || (cp >= 0x391 && cp <= 0x3AB))
            return cp == 0x3A2 ? HC_OTHER : HC_UPPER;
        if (cp == 0x390 || cp >= 0x3AC)
            return HC_LOWER;
        return HC_OTHER;
    }
    if (cp >= 0x400 && cp <= 0x42F) /* Cyrillic */
        return HC_UPPER;
    if (cp >= 0x430 && cp <= 0x45F)
        return HC_LOWER;
    if ((cp >= 0x660 && cp <= 0x669) || (cp >= 0x6F0 && cp <= 0x6F9) ||
        (cp >= 0x966 && cp <= 0x96F) || (cp >= 0xFF10 && cp <= 0xFF19))
        return HC_DIGIT;
    if (cp >= 0xFF21 && cp <= 0xFF3A)
        return HC_UPPER;
    if (cp >= 0xFF41 && cp <= 0xFF5A)
        return HC_LOWER;
    return HC_OTHER;
}

/*
 * char_arg reads argument I of ARGS (NARGS given) as a replacement
 * character, as Hive's getCharArg does: NULL, missing or an empty string
 * keeps DEF; a string gives its first character; -1 means keep the
 * original; another integer is a code point. Returns false with BAD filled
 * when it is none of these.
 */
static bool char_arg(const MaskValue *args, int nargs, int i, int32_t def,
                     int32_t *out, MaskArgError *bad)
{
    *out = def;
    if (i >= nargs)
        return true;
    const MaskValue *a = &args[i];
    char buf[32];
    const char *s = a->s;
    size_t n = a->n;

    switch (a->kind) {
    case MASK_NULL: return true;
    case MASK_INT:
        if (a->i == HIVE_KEEP) {
            *out = HIVE_KEEP;
            return true;
        }
        if (a->i < 1 || a->i > 0x10FFFF || (a->i >= 0xD800 && a->i <= 0xDFFF))
            return mask_arg_error(
                bad, i, "argument %d is not a character or -1", i + 1);
        *out = (int32_t)a->i;
        return true;
    case MASK_REAL:
        n = mask_fmt_real(a->r, buf);
        s = buf;
        break;
    case MASK_TEXT:
    case MASK_DATE: break;
    }
    if (n == 0)
        return true;
    uint32_t cp;
    utf8_decode(s, n, &cp);
    if (cp == UTF8_BAD)
        return mask_arg_error(bad, i, "argument %d is not UTF-8", i + 1);
    *out = (int32_t)cp;
    return true;
}

/* int_arg reads argument I as Hive's getIntArg does (strings are parsed,
 * integers narrowed to int as Hive does), else false with BAD filled. */
static bool int_arg(const MaskValue *args, int nargs, int i, int def, int *out,
                    MaskArgError *bad)
{
    *out = def;
    if (i >= nargs)
        return true;
    const MaskValue *a = &args[i];
    char buf[32], *end;

    switch (a->kind) {
    case MASK_NULL: return true;
    case MASK_INT:
        *out = (int)a->i; /* Hive narrows to int too */
        return true;
    case MASK_REAL: break;
    case MASK_TEXT:
    case MASK_DATE:
        if (a->n == 0)
            return true;
        if (a->n < sizeof buf) {
            memcpy(buf, a->s, a->n);
            buf[a->n] = '\0';
            long v = strtol(buf, &end, 10);
            if (*end == '\0' && buf[0] != ' ' && v >= INT32_MIN &&
                v <= INT32_MAX) {
                *out = (int)v;
                return true;
            }
        }
        break;
    }
    return mask_arg_error(bad, i, "argument %d must be an integer", i + 1);
}

/*
 * hive_init reads the settings starting at argument FIRST (Hive's
 * MaskTransformer.init), with Hive's defaults and range corrections. The
 * date fields take arguments only when WITH_DATE (the full mask does).
 * Returns false with BAD filled for an argument Hive would refuse.
 */
static bool hive_init(const MaskValue *args, int nargs, int first,
                      bool with_date, HiveMask *h, MaskArgError *bad)
{
    if (!char_arg(args, nargs, first, 'X', &h->upper, bad) ||
        !char_arg(args, nargs, first + 1, 'x', &h->lower, bad) ||
        !char_arg(args, nargs, first + 2, 'n', &h->digit, bad) ||
        !char_arg(args, nargs, first + 3, HIVE_KEEP, &h->other, bad) ||
        !int_arg(args, nargs, first + 4, 1, &h->number, bad))
        return false;
    h->day = 1;
    h->month = 0;
    h->year = 0;
    if (with_date && (!int_arg(args, nargs, first + 5, 1, &h->day, bad) ||
                      !int_arg(args, nargs, first + 6, 0, &h->month, bad) ||
                      !int_arg(args, nargs, first + 7, 0, &h->year, bad)))
        return false;
    if (h->number < 0 || h->number > 9)
        h->number = 1;
    if (h->day != HIVE_KEEP && (h->day < 1 || h->day > 31))
        h->day = 1;
    if (h->month != HIVE_KEEP && (h->month < 0 || h->month > 11))
        h->month = 0;
    return true;
}

/* hive_mask's rules: the settings read as Hive reads them. */
bool mask_check_hive(const MaskValue *args, int nargs, MaskArgError *out)
{
    HiveMask h;
    return hive_init(args, nargs, 0, true, &h, out);
}

/* The rules of the _n masks: n (an integer by its kind), then settings. */
bool mask_check_hive_n(const MaskValue *args, int nargs, MaskArgError *out)
{
    HiveMask h;
    return hive_init(args, nargs, 1, false, &h, out);
}

/* hive_put appends CP (UTF8_BAD for an invalid byte), masked when MASK. */
static void hive_put(MaskBuf *b, const HiveMask *h, uint32_t cp,
                     const char *src, size_t len, bool mask)
{
    if (mask) {
        int32_t r = HIVE_KEEP;
        switch (cp == UTF8_BAD ? HC_OTHER : hive_class(cp)) {
        case HC_UPPER: r = h->upper; break;
        case HC_LOWER: r = h->lower; break;
        case HC_DIGIT: r = h->digit; break;
        case HC_OTHER: r = h->other; break;
        }
        if (r != HIVE_KEEP) {
            mask_put_cp(b, (uint32_t)r);
            return;
        }
    }
    if (cp == UTF8_BAD)
        mask_put_cp(b, 0xFFFD); /* as Java decodes it */
    else
        mask_put(b, src, len);
}

/* HiveRepl is one class's replacement, encoded once per call. */
typedef struct HiveRepl {
    char bytes[UTF8_MAX]; /* the replacement character in UTF-8 */
    int len;              /* its length; 0 keeps the original */
} HiveRepl;

static void hive_repl(int32_t r, HiveRepl *out)
{
    out->len = r == HIVE_KEEP ? 0 : utf8_encode((uint32_t)r, out->bytes);
}

/*
 * hive_text masks the characters of c->s whose index k (0-based) satisfies
 * LO <= k < HI, and copies the others. Each input character becomes at
 * most UTF8_MAX bytes, so one reservation covers the whole output and the
 * loop writes directly; a fixed buffer too small for that takes the
 * counting path through hive_put.
 */
static void hive_text(MaskCall *c, const HiveMask *h, size_t lo, size_t hi)
{
    MaskBuf *b = c->out;
    const char *s = c->s;
    size_t n = c->n, i = 0, k = 0;

    if (n > SIZE_MAX / UTF8_MAX || !mask_buf_reserve(b, UTF8_MAX * n)) {
        b->fail = 0; /* retry below, counting */
        while (i < n) {
            uint32_t cp;
            int len = utf8_decode(s + i, n - i, &cp);
            hive_put(b, h, cp, s + i, (size_t)len, k >= lo && k < hi);
            i += (size_t)len;
            k++;
        }
        return;
    }
    HiveRepl repl[4];
    hive_repl(h->upper, &repl[HC_UPPER]);
    hive_repl(h->lower, &repl[HC_LOWER]);
    hive_repl(h->digit, &repl[HC_DIGIT]);
    hive_repl(h->other, &repl[HC_OTHER]);
    char *d = b->data + b->len;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i];
        uint32_t cp = ch;
        int len = 1;
        if (ch >= 0x80)
            len = utf8_decode(s + i, n - i, &cp);
        if (k >= lo && k < hi) {
            const HiveRepl *r =
                &repl[cp == UTF8_BAD ? HC_OTHER : hive_class(cp)];
            if (r->len > 0) {
                memcpy(d, r->bytes, (size_t)r->len);
                d += r->len;
                i += (size_t)len;
                k++;
                continue;
            }
        }
        if (cp == UTF8_BAD) {
            memcpy(d, "\xef\xbf\xbd", 3); /* U+FFFD, as Java decodes */
            d += 3;
        } else {
            memcpy(d, s + i, (size_t)len);
            d += len;
        }
        i += (size_t)len;
        k++;
    }
    b->len = (size_t)(d - b->data);
}

/* Java long arithmetic: two's complement, wrapping. */
static int64_t jmul(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

static int64_t jadd(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* hive_digits returns how many decimal digits V (non-zero) has. */
static int hive_digits(int64_t v)
{
    int k = 0;
    for (; v != 0; v /= 10)
        k++;
    return k;
}

/*
 * hive_number rebuilds V digit by digit from the least significant (index
 * 0), replacing digit i by NUMBER when LO <= i < HI, exactly as Hive's
 * Long transforms do (wrapping included).
 */
static int64_t hive_number(int64_t v, int number, int lo, int hi)
{
    int64_t val = v < 0 ? jmul(v, -1) : v, ret = 0, pos = 1;
    for (int i = 0; val != 0; i++) {
        int64_t digit = i >= lo && i < hi ? number : val % 10;
        ret = jadd(ret, jmul(digit, pos));
        val /= 10;
        pos = jmul(pos, 10);
    }
    return v < 0 ? jmul(ret, -1) : ret;
}

/* hive_date masks a date value as Hive's transform(Date) does. */
static void hive_date(MaskCall *c, const HiveMask *h)
{
    MaskDateTime dt;
    char buf[32];

    /* Hive masks DATE only; a timestamp is an unsupported type: NULL. */
    if (!mask_parse_datetime(c->in->s, c->in->n, &dt) || dt.has_time) {
        mask_set_null(c->out);
        return;
    }
    int y = h->year == HIVE_KEEP ? dt.year : h->year;
    int m = h->month == HIVE_KEEP ? dt.month : h->month + 1;
    int d = h->day == HIVE_KEEP ? dt.day : h->day;
    /* Where Hive's Date.of would throw (31 April, year 10000), NULL. */
    if (y < 0 || y > 9999 || d > mask_days_in_month(y, m)) {
        mask_set_null(c->out);
        return;
    }
    mask_set_text(c->out);
    int k = snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    mask_put(c->out, buf, (size_t)k);
}

typedef enum HiveOp {
    HIVE_ALL,        /* mask */
    HIVE_FIRST_N,    /* mask_first_n */
    HIVE_LAST_N,     /* mask_last_n */
    HIVE_SHOW_FIRST, /* mask_show_first_n */
    HIVE_SHOW_LAST   /* mask_show_last_n */
} HiveOp;

/* hive_apply is the body shared by the five character masks. */
static int hive_apply(MaskCall *c, HiveOp op)
{
    HiveMask h;
    MaskArgError bad;
    int n = 0;
    bool ok;

    /* The arguments passed mask_check_hive or mask_check_hive_n: reading
     * them again cannot fail. */
    if (op == HIVE_ALL) {
        ok = hive_init(c->args, c->nargs, 0, true, &h, &bad);
    } else {
        ok = int_arg(c->args, c->nargs, 0, 4, &n, &bad) &&
             hive_init(c->args, c->nargs, 1, false, &h, &bad);
        if (n < 0)
            n = 0;
    }
    if (!ok)
        return mask_fail(c, MASK_EARG, "%s", bad.message);

    switch (c->in->kind) {
    case MASK_REAL: /* FLOAT, DOUBLE, DECIMAL: unsupported, NULL */
    case MASK_NULL: mask_set_null(c->out); return MASK_OK;
    case MASK_DATE: hive_date(c, &h); return MASK_OK;
    case MASK_INT: {
        int64_t v = c->in->i, r;
        int digits = v == 0 ? 1 : hive_digits(v);
        if (v == 0) {
            /* Hive: 0 becomes NUMBER when any digit is masked. */
            bool masked =
                op == HIVE_ALL ||
                ((op == HIVE_FIRST_N || op == HIVE_LAST_N) && n > 0) ||
                op == HIVE_SHOW_FIRST || op == HIVE_SHOW_LAST;
            mask_set_int(c->out, masked ? h.number : 0);
            return MASK_OK;
        }
        switch (op) {
        case HIVE_FIRST_N:
            r = hive_number(v, h.number, digits < n ? 0 : digits - n, 64);
            break;
        case HIVE_LAST_N: r = hive_number(v, h.number, 0, n); break;
        case HIVE_SHOW_FIRST:
            /* ward: a value no longer than n is masked, not shown. */
            r = hive_number(v, h.number, 0, digits > n ? digits - n : 64);
            break;
        case HIVE_SHOW_LAST:
            r = hive_number(v, h.number, digits > n ? n : 0, 64);
            break;
        case HIVE_ALL:
        default: r = hive_number(v, h.number, 0, 64); break;
        }
        mask_set_int(c->out, r);
        return MASK_OK;
    }
    case MASK_TEXT: break;
    }

    mask_input_text(c);
    mask_set_text(c->out);
    size_t count = utf8_count(c->s, c->n), un = (size_t)n;
    switch (op) {
    case HIVE_ALL: hive_text(c, &h, 0, count); break;
    case HIVE_FIRST_N: hive_text(c, &h, 0, un); break;
    case HIVE_LAST_N:
        hive_text(c, &h, count > un ? count - un : 0, count);
        break;
    case HIVE_SHOW_FIRST:
        /* ward: a value no longer than n is masked whole, not shown. */
        hive_text(c, &h, count > un ? un : 0, count);
        break;
    case HIVE_SHOW_LAST:
        hive_text(c, &h, 0, count > un ? count - un : count);
        break;
    }
    return MASK_OK;
}

/* hive_mask([upper, lower, digit, other, number, day, month, year]) */
int mask_fn_hive_mask(MaskCall *c)
{
    return hive_apply(c, HIVE_ALL);
}

/* hive_mask_first_n([n, upper, lower, digit, other, number]) */
int mask_fn_hive_mask_first_n(MaskCall *c)
{
    return hive_apply(c, HIVE_FIRST_N);
}

/* hive_mask_last_n([n, upper, lower, digit, other, number]) */
int mask_fn_hive_mask_last_n(MaskCall *c)
{
    return hive_apply(c, HIVE_LAST_N);
}

/* hive_mask_show_first_n([n, upper, lower, digit, other, number]) */
int mask_fn_hive_mask_show_first_n(MaskCall *c)
{
    return hive_apply(c, HIVE_SHOW_FIRST);
}

/* hive_mask_show_last_n([n, upper, lower, digit, other, number]) */
int mask_fn_hive_mask_show_last_n(MaskCall *c)
{
    return hive_apply(c, HIVE_SHOW_LAST);
}

/* hive_mask_hash(): SHA-256 hex of strings; NULL for every other type. */
int mask_fn_hive_mask_hash(MaskCall *c)
{
    unsigned char md[CRYPTO_SHA256_LEN];

    if (c->in->kind != MASK_TEXT) {
        mask_set_null(c->out);
        return MASK_OK;
    }
    if (crypto_sha256(c->in->s, c->in->n, md) < 0)
        return mask_fail(c, MASK_ECRYPTO, "SHA-256 failed");
    mask_set_text(c->out);
    mask_put_hex(c->out, md, sizeof md);
    return MASK_OK;
}

/* ---- PostgreSQL Anonymizer and SQL Server partial ----------------------- */

/*
 * partial is anon.partial and SQL Server's partial(): the first PREFIX
 * characters, PADDING, the last SUFFIX characters. ward: a value of at most
 * PREFIX + SUFFIX characters (which both vendors would show in full or in
 * overlapping parts) gives PADDING alone, as does invalid UTF-8.
 */
static int partial(MaskCall *c)
{
    int64_t prefix = c->args[0].i, suffix = c->args[2].i;
    const MaskValue *pad = &c->args[1];

    mask_input_text(c);
    mask_set_text(c->out);
    size_t count = utf8_count(c->s, c->n);
    if (!utf8_valid(c->s, c->n) ||
        (uint64_t)prefix + (uint64_t)suffix >= count) {
        mask_put(c->out, pad->s, pad->n);
        return MASK_OK;
    }
    size_t a = utf8_offset(c->s, c->n, (size_t)prefix);
    size_t b = a + utf8_offset(c->s + a, c->n - a,
                               count - (size_t)prefix - (size_t)suffix);
    mask_put(c->out, c->s, a);
    mask_put(c->out, pad->s, pad->n);
    mask_put(c->out, c->s + b, c->n - b);
    return MASK_OK;
}

/* The rule of anon_partial and mssql_partial: counts of characters. */
bool mask_check_partial(const MaskValue *args, int nargs, MaskArgError *out)
{
    (void)nargs;
    if (args[0].i < 0 || args[2].i < 0)
        return mask_arg_error(out, args[0].i < 0 ? 0 : 2,
                              "prefix and suffix must not be negative");
    return true;
}

/* anon_partial(prefix, padding, suffix) */
int mask_fn_anon_partial(MaskCall *c)
{
    return partial(c);
}

/* put_first2 appends the first two characters of S (N bytes) when it has
 * more than two, else nothing (two would be all of it). */
static void put_first2(MaskBuf *b, const char *s, size_t n)
{
    if (utf8_count(s, n) > 2)
        mask_put(b, s, utf8_offset(s, n, 2));
}

/*
 * anon_partial_email(): anon.partial_email, "da******@gm******.com": two
 * characters of the part before the first '@', two of the part after the
 * last '@', and everything after the last '.'. ward: a value with no '.'
 * after its last '@' is not an address and gives "******@******"; a local
 * part or domain name of at most two characters shows none.
 */
int mask_fn_anon_partial_email(MaskCall *c)
{
    mask_input_text(c);
    mask_set_text(c->out);
    const char *s = c->s;
    size_t n = c->n;
    const char *first_at = memchr(s, '@', n);
    size_t last_at = n, last_dot = n;
    for (size_t i = n; i > 0; i--) {
        if (last_dot == n && s[i - 1] == '.')
            last_dot = i - 1;
        if (s[i - 1] == '@') {
            last_at = i - 1;
            break;
        }
    }
    if (first_at == NULL || last_dot == n || !utf8_valid(s, n)) {
        mask_put_str(c->out, "******@******");
        return MASK_OK;
    }
    put_first2(c->out, s, (size_t)(first_at - s));
    mask_put_str(c->out, "******@");
    /* The domain name is what lies between the last '@' and the last '.'. */
    if (utf8_count(s + last_at + 1, last_dot - last_at - 1) > 2)
        put_first2(c->out, s + last_at + 1, n - last_at - 1);
    mask_put_str(c->out, "******.");
    mask_put(c->out, s + last_dot + 1, n - last_dot - 1);
    return MASK_OK;
}

/* ---- SQL Server dynamic data masking ------------------------------------ */

/*
 * mssql_default(): strings "xxxx", or one 'x' per character when shorter
 * than four; numbers 0; dates 1900-01-01 (with 00:00:00 when the value has
 * a time of day).
 */
int mask_fn_mssql_default(MaskCall *c)
{
    switch (c->in->kind) {
    case MASK_INT: mask_set_int(c->out, 0); return MASK_OK;
    case MASK_REAL: mask_set_real(c->out, 0.0); return MASK_OK;
    case MASK_DATE: {
        MaskDateTime dt;
        bool has_time = mask_parse_datetime(c->in->s, c->in->n, &dt)
                            ? dt.has_time
                            : c->in->n > 10;
        mask_set_text(c->out);
        mask_put_str(c->out, "1900-01-01");
        if (has_time) {
            mask_put(c->out, dt.has_time ? &dt.sep : " ", 1);
            mask_put_str(c->out, "00:00:00");
        }
        return MASK_OK;
    }
    case MASK_TEXT:
    case MASK_NULL: break;
    }
    mask_input_text(c);
    mask_set_text(c->out);
    size_t count = utf8_count(c->s, c->n);
    mask_put_repeat(c->out, "x", 1, count < 4 ? count : 4);
    return MASK_OK;
}

/*
 * mssql_email(): the first character and the constant "XXX@XXXX.com".
 * ward: a value of one character (or invalid UTF-8) shows none of it.
 */
int mask_fn_mssql_email(MaskCall *c)
{
    mask_input_text(c);
    mask_set_text(c->out);
    if (utf8_valid(c->s, c->n) && utf8_count(c->s, c->n) >= 2)
        mask_put(c->out, c->s, utf8_offset(c->s, c->n, 1));
    else
        mask_put(c->out, "X", 1);
    mask_put_str(c->out, "XXX@XXXX.com");
    return MASK_OK;
}

/* mssql_partial(prefix, padding, suffix) */
int mask_fn_mssql_partial(MaskCall *c)
{
    return partial(c);
}
