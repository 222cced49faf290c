/*
 * utf8.c - strict UTF-8 decoding, counting and validation (see utf8.h).
 *
 * The masking core calls these on every value, so each keeps an ASCII fast
 * path: most masked values (phone numbers, IDs, e-mail addresses) are pure
 * ASCII and never reach the multi-byte decoder.
 */
#include "utf8.h"

#include <string.h>

/* ascii8 reports whether the eight bytes at S are all ASCII. */
static inline bool ascii8(const char *s)
{
    uint64_t w;
    memcpy(&w, s, sizeof w);
    return (w & 0x8080808080808080u) == 0;
}

int utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        goto bad; /* continuation byte, C0/C1 overlong lead or F5..FF */
    }
    if ((size_t)len > n)
        goto bad;
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            goto bad;
        v = (v << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
    if (v < min || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
        goto bad;
    *cp = v;
    return len;
bad:
    *cp = UTF8_BAD;
    return 1;
}

int utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;

    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

bool utf8_valid(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        if (i + 8 <= n && ascii8(s + i)) {
            i += 8;
            continue;
        }
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int len = utf8_decode(s + i, n - i, &cp);
        if (cp == UTF8_BAD)
            return false;
        i += (size_t)len;
    }
    return true;
}

size_t utf8_scan(const char *s, size_t n, bool *valid)
{
    size_t i = 0, count = 0;
    bool ok = true;

    while (i < n) {
        if (i + 8 <= n && ascii8(s + i)) {
            i += 8;
            count += 8;
            continue;
        }
        if ((unsigned char)s[i] < 0x80) {
            i++;
        } else {
            uint32_t cp;
            i += (size_t)utf8_decode(s + i, n - i, &cp);
            if (cp == UTF8_BAD)
                ok = false;
        }
        count++;
    }
    *valid = ok;
    return count;
}

size_t utf8_count(const char *s, size_t n)
{
    bool valid;
    return utf8_scan(s, n, &valid);
}

size_t utf8_offset(const char *s, size_t n, size_t k)
{
    size_t i = 0;

    while (k > 0 && i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
        } else {
            uint32_t cp;
            i += (size_t)utf8_decode(s + i, n - i, &cp);
        }
        k--;
    }
    return i;
}
