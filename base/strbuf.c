/*
 * strbuf.c - a growable string with a sticky error (see strbuf.h).
 */
#include "strbuf.h"

#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generated text beyond 1 GiB means a runaway loop, not a real policy. */
#define SB_LIMIT ((size_t)1 << 30)

void sb_init(StrBuf *sb)
{
    sb->data = NULL;
    sb->len = sb->cap = 0;
    sb->failed = false;
}

void sb_free(StrBuf *sb)
{
    free(sb->data);
    sb_init(sb);
}

void sb_reset(StrBuf *sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

static bool grow(StrBuf *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (extra > SB_LIMIT - sb->len) {
        sb->failed = true;
        return false;
    }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return true;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need)
        cap *= 2;
    sb->data = xrealloc(sb->data, cap);
    sb->cap = cap;
    return true;
}

void sb_append(StrBuf *sb, const char *s, size_t n)
{
    /* The common case, room to spare, skips grow's checks: generated SQL
     * is appended a few bytes at a time, tens of millions of times. */
    if ((sb->failed || n >= sb->cap - sb->len) && !grow(sb, n))
        return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void sb_puts(StrBuf *sb, const char *s)
{
    sb_append(sb, s, strlen(s));
}

void sb_putc(StrBuf *sb, char c)
{
    if ((sb->failed || sb->len + 1 >= sb->cap) && !grow(sb, 1))
        return;
    sb->data[sb->len++] = c;
    sb->data[sb->len] = '\0';
}

void sb_printf(StrBuf *sb, const char *fmt, ...)
{
    /* Format once into the room left, and again only when it did not fit. */
    va_list ap;
    va_start(ap, fmt);
    size_t room = sb->failed ? 0 : sb->cap - sb->len;
    int n = vsnprintf(room ? sb->data + sb->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < room) {
        sb->len += (size_t)n;
        return;
    }
    if (room)
        sb->data[sb->len] = '\0'; /* undo the part that was written */
    if (n < 0 || !grow(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_put_int(StrBuf *sb, long long v)
{
    char buf[24]; /* 20 digits, a sign */
    char *p = buf + sizeof buf;
    /* The magnitude as unsigned: -LLONG_MIN does not fit a long long. */
    unsigned long long u =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    sb_append(sb, p, (size_t)(buf + sizeof buf - p));
}

void sb_put_quoted(StrBuf *sb, const char *s, size_t n)
{
    sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            sb_putc(sb, '\\');
        sb_putc(sb, s[i]);
    }
    sb_putc(sb, '"');
}

size_t text_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) == 0x80)
            continue; /* continuation byte */
        /* Three- and four-byte sequences are CJK or wider in practice. */
        w += c >= 0xE0 ? 2 : 1;
    }
    return w;
}

void sb_pad_to(StrBuf *sb, size_t line_start, size_t width)
{
    size_t w = text_width(sb_cstr(sb) + line_start, sb->len - line_start);
    while (w++ < width)
        sb_putc(sb, ' ');
}

bool sb_failed(const StrBuf *sb)
{
    return sb->failed;
}

const char *sb_cstr(const StrBuf *sb)
{
    return sb->data ? sb->data : "";
}

void sb_put_json(StrBuf *sb, const char *s, size_t n)
{
    sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            sb_printf(sb, "\\%c", ch);
        else if (ch == '\n')
            sb_puts(sb, "\\n");
        else if (ch < 0x20)
            sb_printf(sb, "\\u%04x", ch);
        else
            sb_putc(sb, (char)ch);
    }
    sb_putc(sb, '"');
}
