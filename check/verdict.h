/*
 * verdict.h - the one verdict of a corpus step, shared by the runner of
 * every target (runner.c for SQLite, run_postgres.c for PostgreSQL).
 *
 * A runner sets the step's session, runs its statement and describes what
 * came back in a StepResult: refused or not (with the message), how many
 * rows, and the first row's values typed as the target returned them.
 * verdict_step holds that to every expect* key of the step, whatever its
 * operation, so no expectation is checked on one target and ignored on
 * the other, and the failure reads the same everywhere. Expected values
 * are compared after conversion to the column's type (300 equals 300.0 on
 * a real column).
 */
#ifndef WARD_VERDICT_H
#define WARD_VERDICT_H

#include "corpus.h"
#include "strbuf.h"

/* What a step did, on any target. */
typedef struct StepResult {
    const char *error;    /* the refusal or failure, NULL when it ran */
    bool session_refused; /* the error came from setting the session */
    int64_t rows;         /* rows read, exported or returned (request and
                             approve: 1); for write and delete the rows of
                             the session's view it matched; for insert the
                             rows inserted */
    bool has_row;         /* a first row came back (and is below) */
    size_t ncols;
    const char **names; /* the first row's column names */
    CVal *values;       /* its values, as the target typed them */
} StepResult;

/* An AuditProbe says whether the step left an audit row matching FIELDS
 * (an expect_audit map): the one part of a verdict that must ask the
 * target's own audit log. */
typedef bool (*AuditProbe)(void *ctx, const CMap *fields);

typedef struct Verdict {
    const Model *m;
    const Corpus *c;
    Arena *a;
    AuditProbe audit; /* may be NULL when no step expects audit rows */
    void *audit_ctx;
} Verdict;

/* verdict_step holds R to every expectation of ST: expect_error (the
 * refusal code), expect (a value or a map of column to value, on the first
 * row), expect_rows and expect_audit. Appends what failed to WHY, one
 * indented line each. True when the step passed. */
bool verdict_step(const Verdict *v, const CStep *st, const StepResult *r,
                  StrBuf *why);

/* verdict_convert is V converted to a column of type T where that is
 * exact: an integer to a real on a real column, a whole real to an integer
 * on an integer column, 0 and 1 to booleans on a boolean column, a number
 * or a boolean to its text as written on a text or date column. Text and
 * NULL never convert, nor does anything inexact. */
CVal verdict_convert(const CVal *v, ColType t);

/* verdict_same: are WANT and GOT equal, types respected (a boolean and an
 * integer of the same value are equal: SQLite has no booleans)? */
bool verdict_same(const CVal *want, const CVal *got);

/* verdict_describe names a value with its type, so that a type mismatch
 * reads as one: the text "1200.5", the real 1200.5. Arena-owned. */
const char *verdict_describe(Arena *a, const CVal *v);

#endif
