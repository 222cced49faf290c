/*
 * sql_quote.h - how every emitter writes names and values into SQL.
 *
 * Generated SQL never splices a name or a value in raw: identifiers go out
 * double-quoted and literals single-quoted, each with its quote doubled, so
 * nothing a policy contains (a table named `x"; DROP ...`, a label with a
 * quote) can change the statement around it. Both dialects share these rules.
 */
#ifndef WARD_SQL_QUOTE_H
#define WARD_SQL_QUOTE_H

#include "ast.h"
#include "strbuf.h"

/* sql_put_ident appends NAME as a quoted identifier: "customers". */
void sql_put_ident(StrBuf *sb, const char *name);

/* sql_put_text appends N bytes at S as a string literal: 'it''s'. */
void sql_put_text(StrBuf *sb, const char *s, size_t n);

/* sql_put_str is sql_put_text for a NUL-terminated S; NULL gives NULL. */
void sql_put_str(StrBuf *sb, const char *s);

/* sql_put_literal appends a policy literal as SQL: integers as integers,
 * reals always with a decimal point (bucket(10.0) is not bucket(10): the
 * masks tell them apart), strings and words quoted, booleans as 1/0 or, with
 * BOOL_WORDS, true/false. */
void sql_put_literal(StrBuf *sb, const Node *n, bool bool_words);

/* sql_put_json_args appends a mask call's literal arguments as one JSON
 * array, each keeping its kind: [3, 4], ["*"], [10.0], ["month"] (a word as
 * a string). The runtime reads it back with json_each. */
void sql_put_json_args(StrBuf *sb, const Node *call);

#endif
