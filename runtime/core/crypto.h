/*
 * crypto.h - the runtime's cryptography: SHA-256, HMAC-SHA256 and
 * deterministic authenticated encryption (AES-256-SIV), all through OpenSSL
 * EVP, plus loading the masking key from the environment at run time.
 *
 * The masking core (mask_keyed.c) is the only caller. Keys live in a MaskKey
 * that the caller owns and passes to every keyed call: there is no global
 * key. Key bytes are never printed, logged or put in an error message.
 */
#ifndef WARD_CRYPTO_H
#define WARD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define CRYPTO_SHA256_LEN   32   /* bytes in a SHA-256 digest */
#define CRYPTO_SIV_TAG_LEN  16   /* bytes in an AES-SIV synthetic IV */
#define CRYPTO_KEY_MIN      32   /* bytes of key material required */
#define CRYPTO_KEY_FILE_MAX 4096 /* longest key file read, in bytes */

/*
 * MaskKey holds the subkeys derived from the master key material. It is
 * plain data: copy it freely, and call crypto_key_dispose to wipe it.
 */
typedef struct MaskKey {
    bool loaded;           /* the subkeys below are set */
    unsigned char mac[32]; /* HMAC-SHA256 key for hmac() */
    unsigned char siv[64]; /* AES-256-SIV key pair for encrypt() */
} MaskKey;

/*
 * crypto_key_from_material derives OUT from N bytes of master key material.
 * Material that is all hex digits (even length) is decoded first, so that
 * `openssl rand -hex 32` output works as is. At least CRYPTO_KEY_MIN bytes
 * (after decoding) are required. The subkeys are HMAC-SHA256 of fixed labels
 * under the master key, so the two functions never share a key. Returns 0,
 * or -1 with a message in ERR that never contains key bytes.
 */
int crypto_key_from_material(MaskKey *out, const void *p, size_t n, char *err,
                             size_t errlen);

/*
 * crypto_key_load_env loads the key named by the environment: WARD_KEY_FILE
 * (a file whose content, trailing white space removed, is the material) if
 * set and non-empty, else WARD_KEY (the material itself). Returns 0, or -1
 * with a message in ERR (no key set, unreadable file, material too short);
 * OUT is then left with loaded = false. Reads the environment: call it once
 * per connection, not per row.
 */
int crypto_key_load_env(MaskKey *out, char *err, size_t errlen);

/* crypto_key_dispose wipes K (OPENSSL_cleanse) and marks it not loaded. */
void crypto_key_dispose(MaskKey *k);

/* crypto_sha256 writes the SHA-256 of the N bytes at P to OUT. 0 or -1. */
int crypto_sha256(const void *p, size_t n, unsigned char *out);

/*
 * crypto_hmac_sha256 writes HMAC-SHA256 under KEY (KEYLEN bytes) of the
 * concatenation of up to three byte strings (pass NULL, 0 for an unused one)
 * to OUT (CRYPTO_SHA256_LEN bytes). Returns 0, or -1 on an OpenSSL failure.
 */
int crypto_hmac_sha256(const unsigned char *key, size_t keylen, const void *p1,
                       size_t n1, const void *p2, size_t n2, const void *p3,
                       size_t n3, unsigned char *out);

/*
 * crypto_siv_encrypt encrypts the N bytes (N >= 1: OpenSSL 3.0's SIV refuses
 * an empty message) at PT under the 64-byte AES-256-SIV
 * KEY with AD (ADLEN bytes) as associated data. It writes the synthetic IV
 * to TAG (CRYPTO_SIV_TAG_LEN bytes) and N bytes of ciphertext to CT. Equal
 * inputs give equal outputs (deterministic), which is what lets encrypted
 * columns still join. Returns 0, or -1 on an OpenSSL failure.
 */
int crypto_siv_encrypt(const unsigned char *key, const void *ad, size_t adlen,
                       const void *pt, size_t n, unsigned char *tag,
                       unsigned char *ct);

/*
 * crypto_siv_decrypt reverses crypto_siv_encrypt: it writes N bytes of
 * plaintext to PT and returns 0 only when TAG authenticates CT and AD under
 * KEY; otherwise it returns -1 and PT holds no plaintext (it is zeroed).
 */
int crypto_siv_decrypt(const unsigned char *key, const void *ad, size_t adlen,
                       const unsigned char *tag, const unsigned char *ct,
                       size_t n, unsigned char *pt);

#endif
