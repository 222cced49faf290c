/*
 * test_crypto.c - the runtime's cryptography (runtime/core/crypto.c) and the
 * keyed masks built on it (runtime/core/mask_keyed.c): known-answer vectors for
 * SHA-256 and HMAC-SHA256, AES-256-SIV round trips and tamper detection,
 * key loading from WARD_KEY_FILE / WARD_KEY, and the token formats of
 * hmac() and encrypt() pinned against values computed independently
 * (Python hmac and cryptography's AESSIV), so that the PostgreSQL runtime
 * can be held to the same bytes.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "crypto.h"
#include "mask.h"

/* The test master key: bytes 00..1f, in hex. */
static const char master_hex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void test_sha256(void)
{
    unsigned char md[CRYPTO_SHA256_LEN];
    char h[65];

    CHECK_INT(crypto_sha256("abc", 3, md), 0);
    hex(md, sizeof md, h);
    CHECK_STR(
        h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_INT(crypto_sha256("", 0, md), 0);
    hex(md, sizeof md, h);
    CHECK_STR(
        h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* RFC 4231 test cases 1 and 2, and the split-input form. */
static void test_hmac(void)
{
    unsigned char key[20], md[CRYPTO_SHA256_LEN];
    char h[65];

    memset(key, 0x0b, sizeof key);
    CHECK_INT(crypto_hmac_sha256(key, sizeof key, "Hi There", 8, NULL, 0, NULL,
                                 0, md),
              0);
    hex(md, sizeof md, h);
    CHECK_STR(
        h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK_INT(crypto_hmac_sha256((const unsigned char *)"Jefe", 4, "what do ya",
                                 10, " want for", 9, " nothing?", 9, md),
              0);
    hex(md, sizeof md, h);
    CHECK_STR(
        h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_siv(void)
{
    unsigned char key[64], tag[16], ct[64], pt[64];
    char h[64];

    for (int i = 0; i < 64; i++)
        key[i] = (unsigned char)i;
    /* Known answer from cryptography's AESSIV (OpenSSL underneath, its
     * own AAD handling): key 00..3f, AD "ad", plaintext "hello". */
    CHECK_INT(crypto_siv_encrypt(key, "ad", 2, "hello", 5, tag, ct), 0);
    hex(tag, 16, h);
    hex(ct, 5, h + 32);
    CHECK_STR(h, "f95d56d29ffa3f3b3429243fee52dbaf73a5d5b576");

    CHECK_INT(crypto_siv_decrypt(key, "ad", 2, tag, ct, 5, pt), 0);
    CHECK(memcmp(pt, "hello", 5) == 0);
    CHECK_INT(crypto_siv_decrypt(key, "ae", 2, tag, ct, 5, pt), -1);
    CHECK(memcmp(pt, "\0\0\0\0\0", 5) == 0);
    ct[0] ^= 1;
    CHECK_INT(crypto_siv_decrypt(key, "ad", 2, tag, ct, 5, pt), -1);
    ct[0] ^= 1;
    tag[15] ^= 0x80;
    CHECK_INT(crypto_siv_decrypt(key, "ad", 2, tag, ct, 5, pt), -1);

    /* OpenSSL 3.0 cannot SIV-encrypt an empty message: refused, which is
     * why encrypt() prefixes a format byte. */
    CHECK_INT(crypto_siv_encrypt(key, "ad", 2, "", 0, tag, ct), -1);
}

/* test_key_material: formats, minimum length, subkey separation. */
static void test_key_material(void)
{
    MaskKey a, b;
    char err[256];

    CHECK_INT(crypto_key_from_material(&a, master_hex, 64, err, sizeof err), 0);
    CHECK(a.loaded);
    unsigned char raw[32];
    for (int i = 0; i < 32; i++)
        raw[i] = (unsigned char)i;
    CHECK_INT(crypto_key_from_material(&b, raw, 32, err, sizeof err), 0);
    /* Hex material decodes to the same bytes, hence the same key. */
    CHECK(memcmp(a.mac, b.mac, 32) == 0 && memcmp(a.siv, b.siv, 64) == 0);
    CHECK(memcmp(a.mac, a.siv, 32) != 0 && memcmp(a.siv, a.siv + 32, 32) != 0);

    CHECK_INT(crypto_key_from_material(&b, "short", 5, err, sizeof err), -1);
    CHECK(!b.loaded);
    CHECK(strstr(err, "too short") != NULL);
    CHECK(strstr(err, "short\"") == NULL);
    /* 62 hex digits decode to 31 bytes: too short. */
    CHECK_INT(crypto_key_from_material(&b, master_hex, 62, err, sizeof err),
              -1);
    /* A 32-character passphrase that is not hex is taken as bytes. */
    CHECK_INT(crypto_key_from_material(&b, "correct horse battery staple!!!!",
                                       32, err, sizeof err),
              0);
    crypto_key_dispose(&a);
    CHECK(!a.loaded);
    static const unsigned char zero[32];
    CHECK(memcmp(a.mac, zero, 32) == 0);
    crypto_key_dispose(&b);
}

/* test_key_env: WARD_KEY_FILE wins over WARD_KEY; errors never show keys. */
static void test_key_env(void)
{
    MaskKey k, ref;
    char err[256];
    char path[] = "/tmp/ward_key_XXXXXX";

    CHECK_INT(crypto_key_from_material(&ref, master_hex, 64, err, sizeof err),
              0);
    unsetenv("WARD_KEY_FILE");
    unsetenv("WARD_KEY");
    CHECK_INT(crypto_key_load_env(&k, err, sizeof err), -1);
    CHECK(!k.loaded);
    CHECK(strstr(err, "WARD_KEY_FILE") != NULL);

    setenv("WARD_KEY", master_hex, 1);
    CHECK_INT(crypto_key_load_env(&k, err, sizeof err), 0);
    CHECK(memcmp(k.mac, ref.mac, 32) == 0);

    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        /* A file key with a trailing newline, as `openssl rand -hex 32 >`
         * writes it; it differs from WARD_KEY and must win. */
        static const char file_hex[] = "ffeeddccbbaa99887766554433221100"
                                       "ffeeddccbbaa99887766554433221100\n";
        CHECK(write(fd, file_hex, sizeof file_hex - 1) ==
              (ssize_t)(sizeof file_hex - 1));
        close(fd);
        setenv("WARD_KEY_FILE", path, 1);
        CHECK_INT(crypto_key_load_env(&k, err, sizeof err), 0);
        CHECK(k.loaded && memcmp(k.mac, ref.mac, 32) != 0);
        MaskKey direct;
        CHECK_INT(
            crypto_key_from_material(&direct, file_hex, 64, err, sizeof err),
            0);
        CHECK(memcmp(k.mac, direct.mac, 32) == 0);
        unlink(path);
    }
    CHECK_INT(crypto_key_load_env(&k, err, sizeof err), -1);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, master_hex) == NULL);

    setenv("WARD_KEY_FILE", "", 1);
    setenv("WARD_KEY", "tooshort", 1);
    CHECK_INT(crypto_key_load_env(&k, err, sizeof err), -1);
    CHECK(strstr(err, "tooshort") == NULL);
    unsetenv("WARD_KEY_FILE");
    unsetenv("WARD_KEY");
    crypto_key_dispose(&ref);
}

/* apply runs NAME(ctx) on IN into a growing buffer; returns the rc. */
static void *grow(void *ctx, void *old, size_t size)
{
    (void)ctx;
    return realloc(old, size);
}

static int apply(const char *name, const char *ctx, const MaskValue *in,
                 const MaskKey *key, char *out, size_t outlen)
{
    char err[256];
    MaskBuf b;
    MaskValue arg = mask_cstr(ctx);
    mask_buf_init(&b, NULL, 0, grow, NULL);
    int rc = mask_apply_name(name, &arg, 1, in, &b, key, err, sizeof err);
    out[0] = '\0';
    if (rc == MASK_OK && b.kind == MASK_TEXT)
        snprintf(out, outlen, "%s", b.data);
    else if (rc == MASK_OK && b.kind == MASK_NULL)
        snprintf(out, outlen, "NULL");
    else
        snprintf(out, outlen, "%s", err);
    if (b.heap)
        free(b.data);
    return rc;
}

static void test_hmac_mask(void)
{
    MaskKey k, k2;
    char err[256], out[256], out2[256];
    MaskValue phone = mask_cstr("13812345678");

    crypto_key_from_material(&k, master_hex, 64, err, sizeof err);
    crypto_key_from_material(&k2,
                             "ffeeddccbbaa99887766554433221100"
                             "ffeeddccbbaa99887766554433221100",
                             64, err, sizeof err);
    /* Pinned: HMAC(HMAC(master, "ward/hmac/v1"),
     *             be64(len(ctx)) || ctx || value), from Python. */
    CHECK_INT(apply("hmac", "customers.phone", &phone, &k, out, sizeof out), 0);
    CHECK_STR(
        out,
        "5acd73470cf0949e7edd044a31a3fcac1460b1c0b5beac317c9a2db8eac56360");
    MaskValue empty = mask_cstr("");
    apply("hmac", "customers.phone", &empty, &k, out, sizeof out);
    CHECK_STR(
        out,
        "b3792e116d973935b34bb9f59db9c55303b6ab3e1c7a443445f087787ace8159");
    /* Integers are keyed as their decimal text. */
    MaskValue num = mask_int(13812345678);
    apply("hmac", "customers.phone", &num, &k, out2, sizeof out2);
    CHECK_STR(
        out2,
        "5acd73470cf0949e7edd044a31a3fcac1460b1c0b5beac317c9a2db8eac56360");
    /* Other context, other key: other pseudonym. */
    apply("hmac", "customers.phone2", &phone, &k, out, sizeof out);
    CHECK(strcmp(out, out2) != 0 && strlen(out) == 64);
    apply("hmac", "customers.phone", &phone, &k2, out, sizeof out);
    CHECK(strcmp(out, out2) != 0 && strlen(out) == 64);
    /* Context and value do not run together. */
    MaskValue c = mask_cstr("c");
    apply("hmac", "ab", &c, &k, out, sizeof out);
    MaskValue bc = mask_cstr("bc");
    apply("hmac", "a", &bc, &k, out2, sizeof out2);
    CHECK(strcmp(out, out2) != 0);

    /* No key: a clear error, never the value; NULL too. */
    CHECK_INT(apply("hmac", "x", &phone, NULL, out, sizeof out), MASK_EKEY);
    CHECK(strstr(out, "WARD_KEY") != NULL);
    CHECK(strstr(out, "13812345678") == NULL);
    MaskKey none = {0};
    CHECK_INT(apply("hmac", "x", &phone, &none, out, sizeof out), MASK_EKEY);
    MaskValue nul = mask_null();
    CHECK_INT(apply("hmac", "x", &nul, NULL, out, sizeof out), MASK_EKEY);
    CHECK_INT(apply("hmac", "x", &nul, &k, out, sizeof out), MASK_OK);
    CHECK_STR(out, "NULL");
    crypto_key_dispose(&k);
    crypto_key_dispose(&k2);
}

/* decrypt runs mask_decrypt into a growing buffer. */
static int decrypt(const char *token, const char *ctx, const MaskKey *key,
                   char *out, size_t outlen)
{
    char err[256];
    MaskBuf b;
    mask_buf_init(&b, NULL, 0, grow, NULL);
    int rc = mask_decrypt(token, strlen(token), ctx, strlen(ctx), &b, key, err,
                          sizeof err);
    if (rc == MASK_OK)
        snprintf(out, outlen, "%s", b.data);
    else
        snprintf(out, outlen, "%s", err);
    if (b.heap)
        free(b.data);
    return rc;
}

static void test_encrypt_mask(void)
{
    MaskKey k, k2;
    char err[256], tok[512], tok2[512], back[512];
    MaskValue phone = mask_cstr("13812345678");
    MaskValue name = mask_cstr("王小明");

    crypto_key_from_material(&k, master_hex, 64, err, sizeof err);
    crypto_key_from_material(&k2,
                             "ffeeddccbbaa99887766554433221100"
                             "ffeeddccbbaa99887766554433221100",
                             64, err, sizeof err);
    /* Pinned against cryptography's AESSIV with the derived key:
     * AESSIV(k).encrypt(b"\x01" + value, [context]). */
    CHECK_INT(apply("encrypt", "customers.phone", &phone, &k, tok, sizeof tok),
              0);
    CHECK_STR(tok, "ward1:bMp7BvJQenLBddjU6UgdoRjekylQ004WlkDT6A");
    apply("encrypt", "customers.name", &name, &k, tok2, sizeof tok2);
    CHECK_STR(tok2, "ward1:WqRbRXzKAZTDvPfVI2ZFA9Pr2G03rWQf3mo");

    /* Deterministic, so joins work; context and key change the token. */
    apply("encrypt", "customers.phone", &phone, &k, tok2, sizeof tok2);
    CHECK_STR(tok2, tok);
    apply("encrypt", "orders.phone", &phone, &k, tok2, sizeof tok2);
    CHECK(strcmp(tok2, tok) != 0);
    apply("encrypt", "customers.phone", &phone, &k2, tok2, sizeof tok2);
    CHECK(strcmp(tok2, tok) != 0);

    /* Round trips. */
    CHECK_INT(decrypt(tok, "customers.phone", &k, back, sizeof back), 0);
    CHECK_STR(back, "13812345678");
    apply("encrypt", "customers.name", &name, &k, tok2, sizeof tok2);
    CHECK_INT(decrypt(tok2, "customers.name", &k, back, sizeof back), 0);
    CHECK_STR(back, "王小明");
    MaskValue empty = mask_cstr("");
    apply("encrypt", "c", &empty, &k, tok2, sizeof tok2);
    CHECK(strncmp(tok2, "ward1:", 6) == 0 && strlen(tok2) == 6 + 23);
    CHECK_INT(decrypt(tok2, "c", &k, back, sizeof back), 0);
    CHECK_STR(back, "");
    MaskValue num = mask_int(-42);
    apply("encrypt", "c", &num, &k, tok2, sizeof tok2);
    CHECK_INT(decrypt(tok2, "c", &k, back, sizeof back), 0);
    CHECK_STR(back, "-42");

    /* Wrong context, wrong key, tampering, malformed tokens. */
    CHECK_INT(decrypt(tok, "orders.phone", &k, back, sizeof back), MASK_EINPUT);
    CHECK(strstr(back, "13812345678") == NULL);
    CHECK_INT(decrypt(tok, "customers.phone", &k2, back, sizeof back),
              MASK_EINPUT);
    for (size_t i = 6; i < strlen(tok); i++) {
        char bad[512];
        snprintf(bad, sizeof bad, "%s", tok);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        CHECK_INT(decrypt(bad, "customers.phone", &k, back, sizeof back),
                  MASK_EINPUT);
    }
    char cut[512];
    snprintf(cut, sizeof cut, "%s", tok);
    cut[strlen(cut) - 1] = '\0';
    CHECK_INT(decrypt(cut, "customers.phone", &k, back, sizeof back),
              MASK_EINPUT);
    CHECK_INT(decrypt("ward1:", "c", &k, back, sizeof back), MASK_EINPUT);
    CHECK_INT(decrypt("13812345678", "c", &k, back, sizeof back), MASK_EINPUT);
    CHECK_INT(
        decrypt("ward1:!!!!!!!!!!!!!!!!!!!!!!!!", "c", &k, back, sizeof back),
        MASK_EINPUT);
    CHECK_INT(decrypt(tok, "customers.phone", NULL, back, sizeof back),
              MASK_EKEY);
    CHECK_INT(apply("encrypt", "c", &phone, NULL, back, sizeof back),
              MASK_EKEY);

    /* A long value through a buffer that grows, and a fixed buffer that
     * reports the room it needs. */
    static char big[10000];
    memset(big, 'a', sizeof big - 1);
    MaskValue bigv = mask_text(big, sizeof big - 1);
    MaskValue ctx = mask_cstr("c");
    MaskBuf b;
    mask_buf_init(&b, NULL, 0, grow, NULL);
    CHECK_INT(
        mask_apply_name("encrypt", &ctx, 1, &bigv, &b, &k, err, sizeof err), 0);
    size_t toklen = b.len;
    size_t raw = 16 + 1 + sizeof big - 1;
    CHECK_INT(toklen, 6 + raw / 3 * 4 + (raw % 3 == 0 ? 0 : raw % 3 + 1));
    MaskBuf d;
    mask_buf_init(&d, NULL, 0, grow, NULL);
    CHECK_INT(mask_decrypt(b.data, b.len, "c", 1, &d, &k, err, sizeof err), 0);
    CHECK(d.len == sizeof big - 1 && memcmp(d.data, big, d.len) == 0);
    if (d.heap)
        free(d.data);
    char small[8];
    MaskBuf f;
    mask_buf_init(&f, small, sizeof small, NULL, NULL);
    CHECK_INT(
        mask_apply_name("encrypt", &ctx, 1, &bigv, &f, &k, err, sizeof err),
        MASK_ESPACE);
    char *room = malloc(f.len + 1);
    size_t need = f.len + 1;
    mask_buf_init(&f, room, need, NULL, NULL);
    CHECK_INT(
        mask_apply_name("encrypt", &ctx, 1, &bigv, &f, &k, err, sizeof err), 0);
    CHECK(f.len == toklen && memcmp(f.data, b.data, toklen) == 0);
    free(room);
    if (b.heap)
        free(b.data);
    crypto_key_dispose(&k);
    crypto_key_dispose(&k2);
}

int main(void)
{
    test_sha256();
    test_hmac();
    test_siv();
    test_key_material();
    test_key_env();
    test_hmac_mask();
    test_encrypt_mask();
    return check_report("test_crypto");
}
