/*
 * report.h - human-readable views of the decision function: `ward explain`
 * (one session, one table or column, with the deciding rule and why the
 * others lost) and `ward matrix` (every role x column per scenario).
 * Both call decide.h and nothing else for meaning.
 */
#ifndef WARD_REPORT_H
#define WARD_REPORT_H

#include "decide.h"
#include "strbuf.h"

/* report_explain explains TABLE (COLUMN -1 for every column) for S. */
void report_explain(const Model *m, const Session *s, int table, int column,
                    Arena *a, StrBuf *out);

/* report_matrix prints the role x column table of every table, once
 * without a scenario and once per scenario. */
void report_matrix(const Model *m, Arena *a, StrBuf *out);

/* cell_text: "show", "hide" or "mask NAME" for one outcome. */
const char *report_cell(Arena *a, const Outcome *o);

/* report_where prints a source location "file:line:col". Arena-owned. */
const char *report_where(Arena *a, Span at);

/* report_quote is a statement's source text on one line. Arena-owned. */
const char *report_quote(Arena *a, Span at);

/* report_why says how outcome O came about, naming its source: "rule
 * 'hide phone to pharmacist;' (p.ward:32:3)". Arena-owned. */
const char *report_why(const Model *m, Arena *a, const Outcome *o);

#endif
