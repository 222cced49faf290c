/*
 * fmt.h - the canonical layout of a policy (`ward fmt`).
 *
 * fmt_policy prints a parsed file in canonical layout: one statement per
 * line, two-space indentation in blocks, single spaces around words,
 * aligned runs of like declarations, at most one blank line, and every
 * comment kept next to the statement it was written beside. Printing the
 * output again gives the same bytes (fmt is idempotent), and it parses to
 * the same tree.
 */
#ifndef WARD_FMT_H
#define WARD_FMT_H

#include "parse.h"
#include "strbuf.h"

void fmt_policy(const ParseResult *pr, const Source *src, StrBuf *out);

/* fmt_expr prints a row expression with the parentheses it needs. */
void fmt_expr(const Node *e, StrBuf *out);

/* fmt_string prints a string literal with its quotes and escapes. */
void fmt_string(const char *s, size_t len, StrBuf *out);

#endif
