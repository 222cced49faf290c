/*
 * utf8.h - UTF-8 decoding, counting and validation for the masking core.
 *
 * Masks count characters (Unicode scalar values), never bytes, so every
 * function in runtime/core/mask_*.c walks its input through these helpers. They
 * are strict (RFC 3629): overlong forms, surrogates and values above
 * U+10FFFF are invalid. Nothing here allocates or keeps state.
 */
#ifndef WARD_UTF8_H
#define WARD_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* UTF8_BAD is the code point utf8_decode reports for an invalid byte. */
#define UTF8_BAD 0xFFFFFFFFu

/* UTF8_MAX is the longest encoding of one character, in bytes. */
#define UTF8_MAX 4

/*
 * utf8_decode decodes the character at S (N >= 1 bytes available) into
 * *CP and returns its length in bytes (1..4). An invalid or truncated
 * sequence yields *CP = UTF8_BAD and length 1, so a caller that keeps going
 * treats each bad byte as one character and never splits a good one.
 */
int utf8_decode(const char *s, size_t n, uint32_t *cp);

/*
 * utf8_encode writes the encoding of CP into OUT (room for UTF8_MAX bytes)
 * and returns its length, or 0 when CP is not a Unicode scalar value.
 */
int utf8_encode(uint32_t cp, char *out);

/* utf8_valid reports whether the N bytes at S are entirely valid UTF-8. */
bool utf8_valid(const char *s, size_t n);

/*
 * utf8_count returns the number of characters in the N bytes at S, counting
 * each invalid byte as one character (the same units utf8_decode steps by).
 */
size_t utf8_count(const char *s, size_t n);

/*
 * utf8_scan returns the number of characters in the N bytes at S, as
 * utf8_count does, and sets *VALID to utf8_valid(S, N): one pass for both.
 * When the result equals N the text is pure ASCII, so character and byte
 * offsets coincide.
 */
size_t utf8_scan(const char *s, size_t n, bool *valid);

/*
 * utf8_offset returns the byte offset of character number K (0-based) in
 * the N bytes at S, or N when the text has K characters or fewer. Invalid
 * bytes count as one character each, as in utf8_count.
 */
size_t utf8_offset(const char *s, size_t n, size_t k);

#endif
