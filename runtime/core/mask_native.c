/*
 * mask_native.c - ward's own generic masks: keep, redact, null, email and
 * hash (docs/masks.md, "Generic").
 *
 * keep is the workhorse of the running example (phone, ID tail, surname)
 * and the benchmark's reference: it scans the value at most three times
 * (validate, count, locate) and writes it once.
 */
#include "mask_impl.h"

#include "crypto.h"
#include "utf8.h"

/* keep's rules: counts of characters, and one character to mask with. */
bool mask_check_keep(const MaskValue *args, int nargs, MaskArgError *out)
{
    if (args[0].i < 0 || args[1].i < 0)
        return mask_arg_error(out, args[0].i < 0 ? 0 : 1,
                              "first and last must not be negative");
    if (nargs > 2 && (args[2].n == 0 || utf8_count(args[2].s, args[2].n) != 1))
        return mask_arg_error(out, 2, "char must be one character");
    return true;
}

/* keep(first, last[, char]) */
int mask_fn_keep(MaskCall *c)
{
    int64_t first = c->args[0].i, last = c->args[1].i;
    const char *unit = "*";
    size_t ulen = 1;

    if (c->nargs > 2) {
        unit = c->args[2].s;
        ulen = c->args[2].n;
    }
    mask_input_text(c);
    mask_set_text(c->out);
    bool valid;
    size_t count = utf8_scan(c->s, c->n, &valid);
    /* Invalid UTF-8, and a value of at most first+last characters, are
     * replaced whole. */
    if (!valid || (uint64_t)first + (uint64_t)last >= count) {
        mask_put_repeat(c->out, unit, ulen, count);
        return MASK_OK;
    }
    size_t mid = count - (size_t)first - (size_t)last, a, b;
    if (count == c->n) { /* ASCII: characters are bytes */
        a = (size_t)first;
        b = a + mid;
    } else {
        a = utf8_offset(c->s, c->n, (size_t)first);
        b = a + utf8_offset(c->s + a, c->n - a, mid);
    }
    mask_put(c->out, c->s, a);
    mask_put_repeat(c->out, unit, ulen, mid);
    mask_put(c->out, c->s + b, c->n - b);
    return MASK_OK;
}

/* redact([text]) */
int mask_fn_redact(MaskCall *c)
{
    mask_set_text(c->out);
    if (c->nargs > 0)
        mask_put(c->out, c->args[0].s, c->args[0].n);
    else
        mask_put_str(c->out, "[REDACTED]");
    return MASK_OK;
}

/* null() */
int mask_fn_null(MaskCall *c)
{
    mask_set_null(c->out);
    return MASK_OK;
}

/* email(): first character of the local part, "***", '@' and the domain. */
int mask_fn_email(MaskCall *c)
{
    mask_input_text(c);
    mask_set_text(c->out);
    const char *s = c->s;
    size_t n = c->n, at = n;
    for (size_t i = n; i > 0; i--) {
        if (s[i - 1] == '@') {
            at = i - 1;
            break;
        }
    }
    if (at == n || at == 0 || at + 1 == n || !utf8_valid(s, n)) {
        mask_put_str(c->out, "***");
        return MASK_OK;
    }
    /* A one-character local part is not revealed: it would be all of it. */
    if (utf8_count(s, at) > 1)
        mask_put(c->out, s, utf8_offset(s, at, 1));
    mask_put_str(c->out, "***");
    mask_put(c->out, s + at, n - at);
    return MASK_OK;
}

/* hash(): lower-case hex SHA-256 of the value's text form. */
int mask_fn_hash(MaskCall *c)
{
    unsigned char md[CRYPTO_SHA256_LEN];

    mask_input_text(c);
    if (crypto_sha256(c->s, c->n, md) < 0)
        return mask_fail(c, MASK_ECRYPTO, "SHA-256 failed");
    mask_set_text(c->out);
    mask_put_hex(c->out, md, sizeof md);
    return MASK_OK;
}
