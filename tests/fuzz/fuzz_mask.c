/*
 * fuzz_mask.c - libFuzzer target for every function of the masking core
 * (runtime/core/mask.h), built by `make fuzz`.
 *
 * The input picks a catalog entry, the kind of the value, and arguments of
 * the kinds the catalog allows (and, one time in eight, of any kind, which
 * must give MASK_EARG and never a crash), then calls mask_apply. The
 * properties checked on every call are the core's promises: NULL in gives
 * NULL out, text out is NUL-terminated valid UTF-8, and the result does not
 * depend on the buffer (a small fixed buffer gives MASK_ESPACE with the size
 * needed, and that size then gives the same bytes as a growing buffer).
 * encrypt's tokens must decrypt back to the value's text.
 */
#include "crypto.h"
#include "mask.h"
#include "mask_spec.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reader takes bytes off the front of the fuzzer's input. */
typedef struct Reader {
    const uint8_t *p;
    size_t n;
} Reader;

static uint8_t byte(Reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static int64_t int64(Reader *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | byte(r);
    /* Mostly small numbers, which reach the interesting branches. */
    switch (v & 3) {
    case 0: return (int64_t)(v >> 2) % 40 - 8;
    case 1: return (int64_t)(v >> 2) % 1000;
    default: return (int64_t)v;
    }
}

/* text takes a length byte and that many bytes (capped by what is left). */
static void text(Reader *r, const char **s, size_t *n)
{
    size_t len = byte(r);
    if (len == 255)
        len = 255 + (size_t)byte(r) * 16;
    if (len > r->n)
        len = r->n;
    *s = (const char *)r->p;
    *n = len;
    r->p += len;
    r->n -= len;
}

/* word picks one of the '|'-separated WORDS, or garbage one time in 8. */
static void word(Reader *r, const char *words, MaskValue *v, char *buf,
                 size_t cap)
{
    uint8_t b = byte(r);
    v->kind = MASK_TEXT;
    if (!words || (b & 7) == 7) {
        text(r, &v->s, &v->n);
        return;
    }
    size_t count = 1;
    for (const char *c = words; *c; c++)
        count += *c == '|';
    size_t pick = (b >> 3) % count;
    const char *w = words;
    while (pick--)
        w = strchr(w, '|') + 1;
    size_t len = strcspn(w, "|");
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, w, len);
    buf[len] = '\0';
    v->s = buf;
    v->n = len;
}

static void value(Reader *r, MaskKind kind, MaskValue *v)
{
    memset(v, 0, sizeof *v);
    v->kind = kind;
    switch (kind) {
    case MASK_NULL: break;
    case MASK_INT: v->i = int64(r); break;
    case MASK_REAL: {
        uint64_t bits = (uint64_t)int64(r);
        if (byte(r) & 1)
            memcpy(&v->r, &bits, sizeof v->r);
        else
            v->r = (double)(int64_t)bits / 7.0;
        break;
    }
    case MASK_TEXT:
    case MASK_DATE: text(r, &v->s, &v->n); break;
    }
}

static void *grow(void *ctx, void *old, size_t size)
{
    (void)ctx;
    return realloc(old, size);
}

static MaskKey KEY;

static void load_key(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    char err[128];
    static const char hex[] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    if (crypto_key_from_material(&KEY, hex, 64, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_mask: %s\n", err);
        abort();
    }
}

/* check_decrypt: encrypt's token OUT of the text IN under CONTEXT decrypts
 * back to IN. */
static void check_decrypt(const MaskValue *context, const MaskValue *in,
                          const MaskBuf *out, const MaskKey *key)
{
    char err[256], stack[64];
    MaskBuf dec;
    mask_buf_init(&dec, stack, sizeof stack, grow, NULL);
    int rc = mask_decrypt(out->data, out->len, context->s, context->n, &dec,
                          key, err, sizeof err);
    if (rc != MASK_OK || dec.kind != MASK_TEXT || dec.len != in->n ||
        memcmp(dec.data, in->s, in->n) != 0) {
        fprintf(stderr, "encrypt: the token does not decrypt back\n");
        abort();
    }
    if (dec.heap)
        free(dec.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_key();
    Reader r = {data, size};
    const MaskSpec *spec = mask_spec_at(byte(&r) % mask_spec_count());
    uint8_t shape = byte(&r);
    bool wild = (shape & 7) == 7; /* arguments of any kind */
    int nargs = spec->min_args;
    if (spec->max_args > spec->min_args)
        nargs += (shape >> 3) % (spec->max_args - spec->min_args + 1);
    if (wild)
        nargs = (shape >> 3) % (MASK_MAX_ARGS + 1);
    MaskValue args[MASK_MAX_ARGS];
    char words[MASK_MAX_ARGS][32];
    for (int i = 0; i < nargs; i++) {
        if (wild) {
            value(&r, (MaskKind)(byte(&r) % 5), &args[i]);
            continue;
        }
        switch (spec->args[i]) {
        case MARG_INT: value(&r, MASK_INT, &args[i]); break;
        case MARG_NUMBER:
            value(&r, byte(&r) & 1 ? MASK_REAL : MASK_INT, &args[i]);
            break;
        case MARG_STRING: value(&r, MASK_TEXT, &args[i]); break;
        case MARG_WORD:
            word(&r, spec->words, &args[i], words[i], sizeof words[i]);
            break;
        case MARG_SCALAR: value(&r, (MaskKind)(byte(&r) % 4), &args[i]); break;
        }
    }
    MaskValue in;
    value(&r, (MaskKind)(byte(&r) % 5), &in);
    const MaskKey *key = byte(&r) % 16 == 0 ? NULL : &KEY;

    char err[256], stack[64];
    MaskBuf out;
    mask_buf_init(&out, stack, sizeof stack, grow, NULL);
    int rc = mask_apply(spec, args, nargs, &in, &out, key, err, sizeof err);
    if (rc == MASK_OK) {
        if (in.kind == MASK_NULL && out.kind != MASK_NULL) {
            fprintf(stderr, "%s: NULL in, a value out\n", spec->name);
            abort();
        }
        if (out.kind == MASK_TEXT) {
            if (out.data[out.len] != '\0' || !utf8_valid(out.data, out.len)) {
                fprintf(stderr, "%s: text out not NUL-terminated UTF-8\n",
                        spec->name);
                abort();
            }
            /* The same call into a small fixed buffer, then one of the
             * size it asks for: the same bytes. */
            char small[8], *exact = NULL;
            MaskBuf fixed;
            mask_buf_init(&fixed, small, sizeof small, NULL, NULL);
            int rc2 = mask_apply(spec, args, nargs, &in, &fixed, key, err,
                                 sizeof err);
            if (rc2 == MASK_ESPACE) {
                size_t need = fixed.len + 1;
                exact = malloc(need);
                mask_buf_init(&fixed, exact, need, NULL, NULL);
                rc2 = mask_apply(spec, args, nargs, &in, &fixed, key, err,
                                 sizeof err);
            }
            if (rc2 != MASK_OK || fixed.kind != MASK_TEXT ||
                fixed.len != out.len ||
                memcmp(fixed.data, out.data, out.len) != 0) {
                fprintf(stderr, "%s: fixed buffer gave another result\n",
                        spec->name);
                abort();
            }
            free(exact);
            if (strcmp(spec->name, "encrypt") == 0 && !wild &&
                in.kind == MASK_TEXT)
                check_decrypt(&args[0], &in, &out, key);
        }
    } else if (rc != MASK_EARG && rc != MASK_EKEY) {
        fprintf(stderr, "%s: unexpected rc %d: %s\n", spec->name, rc, err);
        abort();
    }
    if (out.heap)
        free(out.data);
    return 0;
}
