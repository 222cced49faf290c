/*
 * exhaustive_target.h - what check/exhaustive.c asks of a target: set a
 * session, read a table's rows as values. One file per target
 * (exhaustive_sqlite.c, exhaustive_postgres.c); nothing here decides.
 */
#ifndef WARD_EXHAUSTIVE_TARGET_H
#define WARD_EXHAUSTIVE_TARGET_H

#include "corpus.h"
#include "model.h"
#include "strbuf.h"

typedef enum XKind { XV_NULL, XV_INT, XV_REAL, XV_TEXT } XKind;

/* XValue is one value read, in the target's own typing. */
typedef struct XValue {
    XKind kind;
    long long i;
    double r;
    const char *s; /* XV_TEXT: bytes, not NUL-terminated; arena-owned */
    size_t n;
} XValue;

/* XRows: row[i][c] is column c (the table's declared order) of row i. */
typedef struct XRows {
    XValue **row;
    size_t n;
} XRows;

typedef struct XTarget XTarget;
struct XTarget {
    const char *name; /* "sqlite", "postgres" */
    /* PostgreSQL gives a column one type for every role: a column some
     * role sees through a text-returning mask is text for all, so a value
     * is compared by what it reads as, not by its type. */
    bool loose_types;
    /* The masking key the target holds: the environment's on SQLite, the
     * corpus's alone on PostgreSQL (the runner stores only that one). */
    bool env_key;
    void *ctx;
    /* session becomes S (roles, user, scenario, attributes); false with
     * *WHY. end_session returns to the runner's own role. */
    bool (*session)(XTarget *t, const CSession *s, const char **why);
    void (*end_session)(XTarget *t);
    /* read gives TABLE's rows: through the session's view, or as stored
     * (BASE; before any session); at most LIMIT of them (-1: all). False
     * with *WHY. */
    bool (*read)(XTarget *t, const Model *m, int table, bool base,
                 long long limit, Arena *a, XRows *out, const char **why);
    void (*close)(XTarget *t);
};

/* exh_select writes "SELECT" and every column of TB, in order, then
 * " FROM " to SQL: a target's read adds the relation. */
void exh_select(const Table *tb, StrBuf *sql);

/* Each opens its target with EMIT's script and C's fixtures, runs TAMPER
 * (NULL: none) and fills T. False with ERR. */
bool exh_sqlite_open(const Model *emit, const Corpus *c, const char *tamper,
                     Arena *a, XTarget *t, const char **err);
bool exh_postgres_open(const Model *emit, const Corpus *c, const char *dsn,
                       const char *tamper, Arena *a, XTarget *t,
                       const char **err);

#endif
