/*
 * crypto.c - SHA-256, HMAC-SHA256, AES-256-SIV and key loading over OpenSSL
 * 3 EVP (see crypto.h).
 *
 * Every function here is reentrant: OpenSSL contexts are created and freed
 * within one call. OpenSSL allocates internally with its own allocator; the
 * masking core's output buffers never come from here.
 */
#include "crypto.h"

#include <pthread.h>

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* is_hex reports whether the N bytes at P are an even run of hex digits. */
static bool is_hex(const unsigned char *p, size_t n)
{
    if (n == 0 || n % 2 != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (hexval(p[i]) < 0)
            return false;
    return true;
}

int crypto_key_from_material(MaskKey *out, const void *p, size_t n, char *err,
                             size_t errlen)
{
    const unsigned char *m = p;
    unsigned char decoded[CRYPTO_KEY_FILE_MAX / 2];
    int rc = -1;

    out->loaded = false;
    if (is_hex(m, n) && n / 2 <= sizeof decoded) {
        for (size_t i = 0; i < n / 2; i++)
            decoded[i] =
                (unsigned char)(hexval(m[2 * i]) << 4 | hexval(m[2 * i + 1]));
        m = decoded;
        n /= 2;
    }
    if (n < CRYPTO_KEY_MIN) {
        set_err(err, errlen,
                "key too short: need at least 32 bytes (64 hex digits)");
        goto out;
    }
    /* Domain-separated subkeys: HMAC(master, label). */
    static const char mac_label[] = "ward/hmac/v1";
    static const char siv1_label[] = "ward/siv/v1/1";
    static const char siv2_label[] = "ward/siv/v1/2";
    if (crypto_hmac_sha256(m, n, mac_label, sizeof mac_label - 1, NULL, 0, NULL,
                           0, out->mac) < 0 ||
        crypto_hmac_sha256(m, n, siv1_label, sizeof siv1_label - 1, NULL, 0,
                           NULL, 0, out->siv) < 0 ||
        crypto_hmac_sha256(m, n, siv2_label, sizeof siv2_label - 1, NULL, 0,
                           NULL, 0, out->siv + 32) < 0) {
        set_err(err, errlen, "cannot derive the masking key (OpenSSL)");
        crypto_key_dispose(out);
        goto out;
    }
    out->loaded = true;
    rc = 0;
out:
    OPENSSL_cleanse(decoded, sizeof decoded);
    return rc;
}

/*
 * read_key_file reads at most CRYPTO_KEY_FILE_MAX bytes of PATH into BUF and
 * returns the length with trailing white space removed, or -1 with ERR set.
 */
static long read_key_file(const char *path, unsigned char *buf, char *err,
                          size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "cannot open WARD_KEY_FILE %s: %s", path,
                     strerror(errno));
        return -1;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, CRYPTO_KEY_FILE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            if (err != NULL && errlen > 0)
                snprintf(err, errlen, "cannot read WARD_KEY_FILE %s: %s", path,
                         strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > CRYPTO_KEY_FILE_MAX) {
            if (err != NULL && errlen > 0)
                snprintf(err, errlen,
                         "WARD_KEY_FILE %s is larger than %d bytes", path,
                         CRYPTO_KEY_FILE_MAX);
            close(fd);
            return -1;
        }
    }
    close(fd);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
                     buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    return (long)n;
}

int crypto_key_load_env(MaskKey *out, char *err, size_t errlen)
{
    unsigned char buf[CRYPTO_KEY_FILE_MAX + 1];
    int rc = -1;

    out->loaded = false;
    const char *path = getenv("WARD_KEY_FILE");
    if (path != NULL && path[0] != '\0') {
        long n = read_key_file(path, buf, err, errlen);
        if (n >= 0)
            rc = crypto_key_from_material(out, buf, (size_t)n, err, errlen);
        OPENSSL_cleanse(buf, sizeof buf);
        return rc;
    }
    const char *k = getenv("WARD_KEY");
    if (k != NULL && k[0] != '\0')
        return crypto_key_from_material(out, k, strlen(k), err, errlen);
    set_err(err, errlen, "no masking key: set WARD_KEY_FILE or WARD_KEY");
    return -1;
}

void crypto_key_dispose(MaskKey *k)
{
    OPENSSL_cleanse(k, sizeof *k);
    k->loaded = false;
}

/*
 * The algorithms are fetched from OpenSSL's providers once per process:
 * fetching is most of the cost of one short HMAC or SIV call. Fetched
 * objects are reference-counted and safe to share between threads.
 */
static EVP_MD *alg_sha256;
static EVP_MAC *alg_hmac;
static EVP_CIPHER *alg_siv;
static pthread_once_t alg_once = PTHREAD_ONCE_INIT;

/*
 * Registered after OpenSSL's own exit handler, so it runs before
 * OPENSSL_cleanup at exit; in the SQLite extension it also runs when the
 * last connection unloads ward.so (handlers of a shared object run at its
 * dlclose), whose statics would otherwise take the only references with
 * them: a leak on every load.
 */
static void release_algorithms(void)
{
    EVP_MD_free(alg_sha256);
    EVP_MAC_free(alg_hmac);
    EVP_CIPHER_free(alg_siv);
    alg_sha256 = NULL;
    alg_hmac = NULL;
    alg_siv = NULL;
}

static void fetch_algorithms(void)
{
    if (OPENSSL_init_crypto(0, NULL) != 1)
        return;
    alg_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    alg_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    alg_siv = EVP_CIPHER_fetch(NULL, "AES-256-SIV", NULL);
    atexit(release_algorithms);
}

static void algorithms(void)
{
    pthread_once(&alg_once, fetch_algorithms);
}

int crypto_sha256(const void *p, size_t n, unsigned char *out)
{
    unsigned int len = 0;

    algorithms();
    if (alg_sha256 == NULL ||
        EVP_Digest(p, n, out, &len, alg_sha256, NULL) != 1 ||
        len != CRYPTO_SHA256_LEN)
        return -1;
    return 0;
}

int crypto_hmac_sha256(const unsigned char *key, size_t keylen, const void *p1,
                       size_t n1, const void *p2, size_t n2, const void *p3,
                       size_t n3, unsigned char *out)
{
    int rc = -1;
    algorithms();
    EVP_MAC_CTX *ctx = alg_hmac != NULL ? EVP_MAC_CTX_new(alg_hmac) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    size_t len = 0;

    if (ctx == NULL || EVP_MAC_init(ctx, key, keylen, params) != 1)
        goto out;
    if ((n1 > 0 && EVP_MAC_update(ctx, p1, n1) != 1) ||
        (n2 > 0 && EVP_MAC_update(ctx, p2, n2) != 1) ||
        (n3 > 0 && EVP_MAC_update(ctx, p3, n3) != 1))
        goto out;
    if (EVP_MAC_final(ctx, out, &len, CRYPTO_SHA256_LEN) != 1 ||
        len != CRYPTO_SHA256_LEN)
        goto out;
    rc = 0;
out:
    EVP_MAC_CTX_free(ctx);
    return rc;
}

/*
 * siv_ctx returns a cipher context initialised for AES-256-SIV under KEY in
 * the direction ENC (1 encrypt, 0 decrypt) with AD absorbed, or NULL.
 */
static EVP_CIPHER_CTX *siv_ctx(const unsigned char *key, int enc,
                               const void *ad, size_t adlen)
{
    algorithms();
    EVP_CIPHER *cipher = alg_siv;
    EVP_CIPHER_CTX *ctx = cipher != NULL ? EVP_CIPHER_CTX_new() : NULL;
    int outl = 0;

    if (ctx == NULL ||
        EVP_CipherInit_ex2(ctx, cipher, key, NULL, enc, NULL) != 1 ||
        adlen > (size_t)INT32_MAX ||
        EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)adlen) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

int crypto_siv_encrypt(const unsigned char *key, const void *ad, size_t adlen,
                       const void *pt, size_t n, unsigned char *tag,
                       unsigned char *ct)
{
    int rc = -1, outl = 0;

    if (n == 0 || n > (size_t)INT32_MAX)
        return -1;
    EVP_CIPHER_CTX *ctx = siv_ctx(key, 1, ad, adlen);
    if (ctx == NULL)
        return -1;
    /* SIV is one-shot: exactly one plaintext update. */
    if (EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)n) != 1 || (size_t)outl != n)
        goto out;
    if (EVP_EncryptFinal_ex(ctx, NULL, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CRYPTO_SIV_TAG_LEN,
                            tag) != 1)
        goto out;
    rc = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

int crypto_siv_decrypt(const unsigned char *key, const void *ad, size_t adlen,
                       const unsigned char *tag, const unsigned char *ct,
                       size_t n, unsigned char *pt)
{
    unsigned char sink[1];
    unsigned char tagbuf[CRYPTO_SIV_TAG_LEN];
    int rc = -1, outl = 0;

    if (n == 0 || n > (size_t)INT32_MAX)
        return -1;
    EVP_CIPHER_CTX *ctx = siv_ctx(key, 0, ad, adlen);
    if (ctx == NULL)
        return -1;
    memcpy(tagbuf, tag, sizeof tagbuf);
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, CRYPTO_SIV_TAG_LEN,
                            tagbuf) != 1)
        goto out;
    /* The update checks the tag; on mismatch it fails. */
    if (EVP_DecryptUpdate(ctx, pt, &outl, ct, (int)n) != 1 || (size_t)outl != n)
        goto out;
    if (EVP_DecryptFinal_ex(ctx, sink, &outl) != 1)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        OPENSSL_cleanse(pt, n);
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}
