/*
 * mask_keyed.c - keyed masks: hmac (a join-preserving pseudonym) and
 * encrypt (deterministic AES-256-SIV), and mask_decrypt, its inverse
 * (docs/masks.md, "Keyed").
 *
 * Keys come in a MaskKey that the caller loaded (crypto_key_load_env);
 * mask_apply refuses a keyed call without one, so a missing key is an error
 * and never a pass-through. Tokens are text so that they join and compare:
 *
 *   hmac:    64 lower-case hex digits
 *   encrypt: "ward1:" base64url(SIV tag || ciphertext), no padding,
 *            where the plaintext is 0x01 || the value's text form
 */
#include "mask_impl.h"

#include <stdio.h>

#include "crypto.h"

#define TOKEN_PREFIX     "ward1:"
#define TOKEN_PREFIX_LEN (sizeof TOKEN_PREFIX - 1)
#define TOKEN_FORMAT     0x01 /* first plaintext byte: value as UTF-8 text */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* b64_len returns the unpadded base64 length of N bytes. */
static size_t b64_len(size_t n)
{
    return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

/*
 * b64_encode writes the unpadded base64url form of the N bytes at IN to
 * OUT. IN may lie inside OUT's range as long as it starts at least
 * b64_len(N) - N bytes after OUT: each group is read before it is written.
 */
static void b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v =
            (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
    }
}

static int b64_val(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '-')
        return 62;
    if (ch == '_')
        return 63;
    return -1;
}

/*
 * b64_decode decodes N characters of unpadded base64url at IN into OUT and
 * returns the byte count, or -1 for a character outside the alphabet, an
 * impossible length, or non-zero trailing bits (so each byte string has
 * exactly one token).
 */
static long b64_decode(const char *in, size_t n, unsigned char *out)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        return -1;
    return (long)o;
}

/* hmac(context): HMAC-SHA256(key, be64(len(context)) || context || value). */
int mask_fn_hmac(MaskCall *c)
{
    const MaskValue *ctx = &c->args[0];
    unsigned char len[8], md[CRYPTO_SHA256_LEN];

    /* The length prefix keeps ("ab", "c") and ("a", "bc") apart. */
    for (int k = 0; k < 8; k++)
        len[k] = (unsigned char)((uint64_t)ctx->n >> (56 - 8 * k));
    mask_input_text(c);
    if (crypto_hmac_sha256(c->key->mac, sizeof c->key->mac, len, sizeof len,
                           ctx->s, ctx->n, c->s, c->n, md) < 0)
        return mask_fail(c, MASK_ECRYPTO, "HMAC-SHA256 failed");
    mask_set_text(c->out);
    mask_put_hex(c->out, md, sizeof md);
    return MASK_OK;
}

/*
 * encrypt(context). The plaintext is a format byte (TOKEN_FORMAT) followed
 * by the value's text form: the byte keeps the SIV input non-empty (OpenSSL
 * 3.0 cannot encrypt an empty message with SIV) and leaves room for later
 * formats. The plaintext is staged, and the raw SIV tag and ciphertext are
 * written, past the end of the final token inside the output buffer; the
 * token is then base64-encoded forward over them, so no memory is needed
 * beyond the buffer itself. The staged plaintext is wiped.
 */
int mask_fn_encrypt(MaskCall *c)
{
    const MaskValue *ctx = &c->args[0];
    MaskBuf *b = c->out;

    mask_input_text(c);
    mask_set_text(b);
    if (c->n > SIZE_MAX / 8) {
        b->fail = MASK_ENOMEM;
        return MASK_OK;
    }
    size_t plain = 1 + c->n, raw = CRYPTO_SIV_TAG_LEN + plain;
    size_t enc = b64_len(raw);
    mask_put(b, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
    if (!mask_buf_reserve(b, enc + raw + plain)) {
        /* Report the room needed, scratch included. */
        b->len += enc + raw + plain;
        return MASK_OK;
    }
    unsigned char *r = (unsigned char *)b->data + b->len + enc;
    unsigned char *p = r + raw;
    p[0] = TOKEN_FORMAT;
    memcpy(p + 1, c->s, c->n);
    int rc = crypto_siv_encrypt(c->key->siv, ctx->s, ctx->n, p, plain, r,
                                r + CRYPTO_SIV_TAG_LEN);
    memset(p, 0, plain);
    if (rc < 0)
        return mask_fail(c, MASK_ECRYPTO, "AES-256-SIV encryption failed");
    b64_encode(r, raw, b->data + b->len);
    b->len += enc;
    return MASK_OK;
}

int mask_decrypt(const char *token, size_t n, const char *context,
                 size_t ctxlen, MaskBuf *out, const MaskKey *key, char *err,
                 size_t errlen)
{
    out->kind = MASK_NULL;
    out->len = 0;
    out->fail = 0;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (key == NULL || !key->loaded) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen,
                     "decrypt: no masking key loaded: set "
                     "WARD_KEY_FILE or WARD_KEY");
        return MASK_EKEY;
    }
    if (token == NULL)
        return MASK_OK;
    if (context == NULL)
        context = "";
    size_t enc = n > TOKEN_PREFIX_LEN ? n - TOKEN_PREFIX_LEN : 0;
    size_t raw = enc / 4 * 3 + (enc % 4 == 0 ? 0 : enc % 4 - 1);
    if (n < TOKEN_PREFIX_LEN ||
        memcmp(token, TOKEN_PREFIX, TOKEN_PREFIX_LEN) != 0 ||
        raw <= CRYPTO_SIV_TAG_LEN) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "decrypt: not a ward encryption token");
        return MASK_EINPUT;
    }
    size_t plain = raw - CRYPTO_SIV_TAG_LEN;
    mask_set_text(out);
    /* Plaintext goes at the start, the decoded token after it. */
    if (!mask_buf_reserve(out, plain + raw)) {
        out->len = plain + raw;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "decrypt: %s",
                     out->fail == MASK_ESPACE ? "output buffer too small"
                                              : "out of memory");
        return out->fail;
    }
    unsigned char *r = (unsigned char *)out->data + plain;
    long got = b64_decode(token + TOKEN_PREFIX_LEN, enc, r);
    if (got != (long)raw ||
        crypto_siv_decrypt(key->siv, context, ctxlen, r, r + CRYPTO_SIV_TAG_LEN,
                           plain, (unsigned char *)out->data) < 0 ||
        out->data[0] != TOKEN_FORMAT) {
        memset(out->data, 0, plain + raw);
        out->kind = MASK_NULL;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen,
                     "decrypt: token does not authenticate "
                     "under this key and context");
        return MASK_EINPUT;
    }
    memmove(out->data, out->data + 1, plain - 1);
    plain--;
    memset(r, 0, raw);
    out->len = plain;
    out->data[plain] = '\0';
    return MASK_OK;
}
