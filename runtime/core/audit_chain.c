/*
 * audit_chain.c - the audit log's row hash (see audit_chain.h).
 */
#include "audit_chain.h"

#include "crypto.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static int put(EVP_MD_CTX *md, const void *p, size_t n)
{
    return EVP_DigestUpdate(md, p, n) == 1 ? 0 : -1;
}

int audit_chain_hash(const char *prev, const char *const fields[AUDIT_NFIELDS],
                     const size_t lens[AUDIT_NFIELDS], char out[65])
{
    static const char tag[] = "ward-audit-1\n";
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return -1;
    int rc = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0 : -1;
    if (rc == 0)
        rc = put(md, tag, sizeof tag - 1);
    if (rc == 0)
        rc = put(md, prev, strlen(prev));
    for (int i = 0; i < AUDIT_NFIELDS && rc == 0; i++) {
        char len[32];
        int n = fields[i] ? snprintf(len, sizeof len, "\n%zu:", lens[i])
                          : snprintf(len, sizeof len, "\n-");
        rc = put(md, len, (size_t)n);
        if (rc == 0 && fields[i])
            rc = put(md, fields[i], lens[i]);
    }
    unsigned char d[CRYPTO_SHA256_LEN];
    unsigned int dn = 0;
    if (rc == 0 && EVP_DigestFinal_ex(md, d, &dn) != 1)
        rc = -1;
    EVP_MD_CTX_free(md);
    if (rc != 0)
        return -1;
    for (unsigned int i = 0; i < dn; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    return 0;
}
