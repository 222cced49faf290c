/*
 * strbuf.h - a growable string with a sticky error.
 *
 * All generated text (SQL, reports, formatted policies) is built in a StrBuf.
 * Append freely; if a size limit is ever exceeded the buffer turns failed and
 * later appends are ignored, so callers test sb_failed once at the end.
 */
#ifndef WARD_STRBUF_H
#define WARD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct StrBuf {
    char *data;  /* NUL-terminated when len > 0; caller frees via sb_free */
    size_t len;  /* bytes used, not counting the NUL */
    size_t cap;  /* bytes allocated */
    bool failed; /* sticky: an append overflowed */
} StrBuf;

void sb_init(StrBuf *sb);
void sb_free(StrBuf *sb);
void sb_reset(StrBuf *sb);
void sb_append(StrBuf *sb, const char *s, size_t n);
void sb_puts(StrBuf *sb, const char *s);
void sb_putc(StrBuf *sb, char c);
void sb_printf(StrBuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* sb_put_int appends V in decimal, as "%lld" would, without the cost of
 * formatting: the emitters write millions of numbers. */
void sb_put_int(StrBuf *sb, long long v);
/* sb_pad appends spaces until the last line is WIDTH display columns wide. */
void sb_pad_to(StrBuf *sb, size_t line_start, size_t width);
bool sb_failed(const StrBuf *sb);
/* sb_cstr returns the text, "" when empty. Borrowed from SB. */
const char *sb_cstr(const StrBuf *sb);

/* sb_put_quoted appends S as a ward string literal: double quotes, with
 * '"' and '\\' escaped (the language's only escapes). */
void sb_put_quoted(StrBuf *sb, const char *s, size_t n);

/* sb_put_json appends N bytes at S as a JSON string literal: quotes,
 * backslashes and control characters escaped. */
void sb_put_json(StrBuf *sb, const char *s, size_t n);

/* utf8_width counts display columns of S (CJK characters are two wide). */
size_t text_width(const char *s, size_t n);

#endif
