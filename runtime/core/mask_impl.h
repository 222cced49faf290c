/*
 * mask_impl.h - what the masking core's files share, and nothing else sees:
 * the per-call context, output writers, value formatting and date parsing.
 *
 * mask.c owns dispatch and these helpers; each family lives in its own file
 * (mask_native.c, mask_cn.c, mask_general.c, mask_keyed.c, mask_compat.c)
 * and exposes one mask_fn_<name> per catalog entry and the checks of its
 * arguments' rules. Internal: the extension and the tests include mask.h
 * only.
 */
#ifndef WARD_MASK_IMPL_H
#define WARD_MASK_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mask.h"

/* MaskCall is everything one mask_apply call carries to a family function. */
typedef struct MaskCall {
    const MaskSpec *spec;  /* the catalog entry (its name prefixes errors) */
    const MaskValue *args; /* checked against the catalog by mask_apply */
    int nargs;             /* number of args given */
    const MaskValue *in;   /* the input value, never MASK_NULL here */
    MaskBuf *out;          /* the result */
    const MaskKey *key;    /* loaded when spec->keyed, else maybe NULL */
    char *err;             /* message buffer, may be NULL */
    size_t errlen;         /* bytes at err */
    const char *s;         /* the input as text (after mask_input_text) */
    size_t n;              /* bytes at s */
    char num[48];          /* storage for a number's text form */
} MaskCall;

/* MaskDateTime is an ISO 8601 date or datetime, as mask_parse_datetime
 * found it. */
typedef struct MaskDateTime {
    int year, month, day;  /* the date, validated against the calendar */
    bool has_time;         /* a time of day followed the date */
    char sep;              /* 'T' or ' ' between date and time */
    int hour, minute, sec; /* the time (0 when absent) */
    size_t tz;             /* byte offset of a zone suffix, or n if none */
} MaskDateTime;

/*
 * mask_fail writes a message "NAME: ..." to c->err and returns CODE. Use it
 * for argument and key errors; it never quotes the value.
 */
int mask_fail(MaskCall *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * mask_buf_reserve makes room for EXTRA more bytes plus a NUL at b->len. On
 * failure it records MASK_ENOMEM or MASK_ESPACE in b->fail (sticky) and
 * returns false; writers then only count, so len still ends up as the
 * length needed.
 */
bool mask_buf_reserve(MaskBuf *b, size_t extra);

/* mask_put appends N bytes. Errors are sticky in b->fail. */
static inline void mask_put(MaskBuf *b, const void *p, size_t n)
{
    if (b->fail == 0 && b->len + n < b->cap) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return;
    }
    if (mask_buf_reserve(b, n))
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* mask_put_str appends the NUL-terminated string S. */
static inline void mask_put_str(MaskBuf *b, const char *s)
{
    mask_put(b, s, strlen(s));
}

/* mask_put_repeat appends COUNT copies of the N bytes at UNIT. */
void mask_put_repeat(MaskBuf *b, const char *unit, size_t n, size_t count);

/* mask_put_cp appends code point CP (a valid scalar value) as UTF-8. */
void mask_put_cp(MaskBuf *b, uint32_t cp);

/* mask_set_text starts a text result; mask_set_null/int/real set others. */
void mask_set_text(MaskBuf *b);
void mask_set_null(MaskBuf *b);
void mask_set_int(MaskBuf *b, int64_t v);
void mask_set_real(MaskBuf *b, double v);

/*
 * mask_input_text points c->s/c->n at the input's text form: text and dates
 * as they are, integers in decimal, reals in shortest round-trip form (in
 * c->num). Never fails.
 */
void mask_input_text(MaskCall *c);

/*
 * mask_whole appends the masked-whole form of c->s: one copy of UNIT (N
 * bytes) per character, each invalid byte counting as one character.
 */
void mask_whole(MaskCall *c, const char *unit, size_t n);

/* mask_fmt_int and mask_fmt_real write V's text form to BUF (at least 32
 * bytes), NUL-terminated, and return its length. */
size_t mask_fmt_int(int64_t v, char *buf);
size_t mask_fmt_real(double v, char *buf);

/* mask_put_hex appends N bytes at P as lower-case hex. */
void mask_put_hex(MaskBuf *b, const unsigned char *p, size_t n);

/*
 * mask_parse_datetime parses all N bytes at S as YYYY-MM-DD, optionally
 * followed by 'T' or ' ', HH:MM[:SS[.fraction]], and a zone (Z, +HH,
 * +HHMM, +HH:MM or the same with '-'). Returns false unless the whole text
 * matches and names a real calendar date and time.
 */
bool mask_parse_datetime(const char *s, size_t n, MaskDateTime *out);

/* mask_days_in_month returns the days in MONTH (1..12) of proleptic
 * Gregorian YEAR. */
int mask_days_in_month(int year, int month);

/*
 * mask_arg_error fills OUT with argument ARG (0-based, or -1 for the call)
 * and the message FMT, and returns false: a MaskCheck's refusal.
 */
bool mask_arg_error(MaskArgError *out, int arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The entries' own argument rules (MaskCheck; mask_catalog.def names them). */
bool mask_check_keep(const MaskValue *args, int nargs, MaskArgError *out);
bool mask_check_bucket(const MaskValue *args, int nargs, MaskArgError *out);
bool mask_check_range(const MaskValue *args, int nargs, MaskArgError *out);
bool mask_check_hive(const MaskValue *args, int nargs, MaskArgError *out);
bool mask_check_hive_n(const MaskValue *args, int nargs, MaskArgError *out);
bool mask_check_partial(const MaskValue *args, int nargs, MaskArgError *out);

/* One implementation per catalog entry, mask_fn_<name>: MASK_OK or a
 * MASK_E* code. Arguments have passed mask_check_args. */
#define MASK(name, ...) int mask_fn_##name(MaskCall *c);
#include "mask_catalog.def"
#undef MASK

#endif
