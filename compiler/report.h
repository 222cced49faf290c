/*
 * report.h - human-readable views of the decision function: `ward explain`
 * (one session, one table or column, with the deciding rule and why the
 * others lost, the rows, writes, approvals and audit) and `ward matrix`
 * (every role x column per scenario, then each role's rows and writes).
 * Both call decide.h and the model and nothing else for meaning.
 */
#ifndef WARD_REPORT_H
#define WARD_REPORT_H

#include "decide.h"
#include "strbuf.h"

/* report_explain explains TABLE (COLUMN -1 for every column) for S. */
void report_explain(const Model *m, const Session *s, int table, int column,
                    Arena *a, StrBuf *out);

/* report_matrix prints the role x column table of every table, once
 * without a scenario and once per scenario (a role that sees no rows of
 * the table shows "no rows" in each cell), then the columns each role may
 * write and the rows it sees. */
void report_matrix(const Model *m, Arena *a, StrBuf *out);

/* The matrix's data, one role at a time (a session holding ROLE and what
 * it inherits). All arena-owned.
 *   report_matrix_cell  "show", "hide", "mask NAME", or "no rows"
 *   report_rows_text    "all", "none", or "where EXPR" (several rules
 *                       joined by or)
 *   report_writes_text  "name, phone" or "none" */
const char *report_matrix_cell(const Model *m, int role, int scenario,
                               int table, int column, Arena *a);
const char *report_rows_text(const Model *m, const Session *s, int table,
                             Arena *a);
const char *report_writes_text(const Model *m, const Session *s, int table,
                               Arena *a);

/* report_guard_text describes one guarded operation: "export of doctors,
 * and any statement reading more than 100 of its rows". Arena-owned. */
const char *report_guard_text(const Model *m, const Guard *g, Arena *a);

/* report_by_text renders an approval's `by` line: "1 of compliance and 1
 * of sales_manager". Arena-owned. */
const char *report_by_text(const Model *m, const Approval *ap, Arena *a);

/* report_audit_text says what is audited of TABLE (COLUMN -1 for the whole
 * table): "reads of phone; writes of every column", or "none". */
const char *report_audit_text(const Model *m, int table, int column, Arena *a);

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
