/*
 * corpus.h - the audit test corpus: a YAML file of fixtures and cases
 * (docs/ci.md#the-corpus), loaded with libyaml and checked
 * against the policy's model.
 *
 * corpus_load reads the file and checks its shape: every key known, every
 * value of the right kind. corpus_bind then checks its names against the
 * policy (tables, columns, roles, scenarios, approvals, refusal codes).
 * Both report each error at its place in the YAML file through the Diag
 * sink, as `file:line:col: error: ...` with the line and a caret.
 */
#ifndef WARD_CORPUS_H
#define WARD_CORPUS_H

#include "diag.h"
#include "model.h"

#include <stdbool.h>
#include <stdint.h>

/* A YAML scalar with its type resolved as YAML 1.2's core schema does for
 * plain scalars: null, true/false, integers, reals; anything quoted, and
 * any other plain scalar, is text. */
typedef enum CValKind { CV_NULL, CV_BOOL, CV_INT, CV_REAL, CV_TEXT } CValKind;

typedef struct CVal {
    CValKind kind;
    int64_t i;     /* CV_INT, CV_BOOL */
    double r;      /* CV_REAL */
    const char *s; /* the scalar as written (always set, for messages) */
    size_t n;
    Span at;
} CVal;

typedef struct CPair {
    const char *key;
    Span key_at;
    CVal val;
    int column; /* after corpus_bind: the column's index, or -1 */
} CPair;

/* A YAML mapping of column (or attribute) names to scalars. */
typedef struct CMap {
    CPair *items;
    size_t n;
    Span at;
} CMap;

typedef struct CSession {
    const char **roles;
    Span *role_at;
    size_t nroles;
    const char *user;     /* NULL when absent */
    const char *scenario; /* NULL when absent */
    Span scenario_at;
    CMap attrs;
    Span at;
    /* after corpus_bind */
    int *role_ids;   /* -1 for a role the policy does not declare, which
                        only a step expecting unknown-role may name */
    int scenario_id; /* -1 for none, or for one the policy does not
                        declare (a step expecting unknown-scenario) */
} CSession;

typedef enum COp {
    COP_NONE,
    COP_READ,    /* read: table or table.column */
    COP_WRITE,   /* write: table, where, set */
    COP_INSERT,  /* insert: table, set */
    COP_DELETE,  /* delete: table, where */
    COP_EXPORT,  /* export: table */
    COP_REQUEST, /* request: approval, reason */
    COP_APPROVE, /* approve: approval (its latest open request) */
} COp;

/* An expected audit row: any of table, column, op, user. */
typedef struct CAudit {
    CMap fields;
    Span at;
} CAudit;

typedef struct CStep {
    Span at;
    CSession session;
    COp op;
    const char *target; /* table, table.column or approval, as written */
    Span target_at;
    CMap where;
    CMap set;
    const char *reason;
    bool has_expect;
    bool expect_map; /* expect is a map of column to value */
    CVal expect_value;
    CMap expect;
    Span expect_at;
    bool has_expect_rows;
    int64_t expect_rows;
    Span expect_rows_at;
    const char *expect_error; /* a refusal code, without brackets */
    Span expect_error_at;
    CAudit *audits;
    size_t naudits;
    const char *when; /* `at:`, the runtime's clock for this step, or NULL */
    Span when_at;
    /* after corpus_bind */
    int table;    /* -1 for request and approve */
    int column;   /* read of one column, else -1 */
    int approval; /* -1 also for an approval the policy lacks, which only
                     a step expecting unknown-approval may name */
} CStep;

typedef struct CCase {
    const char *name;
    Span at;
    bool steps; /* a steps list: the steps share one database */
    CStep *step;
    size_t nsteps;
} CCase;

typedef struct CFixture {
    const char *table;
    Span at;
    CMap *rows;
    size_t nrows;
    int table_id; /* after corpus_bind */
} CFixture;

typedef struct Corpus {
    const Source *src;
    const char *key; /* the test key for keyed masks: 64 hex digits, or
                        NULL (then the environment's key, if any) */
    Span key_at;
    CFixture *fixtures;
    size_t nfixtures;
    CCase *cases;
    size_t ncases;
} Corpus;

/* corpus_load reads and shape-checks PATH. NULL after reporting errors. */
Corpus *corpus_load(Arena *a, Diag *d, const char *path);

/* corpus_load_source shape-checks SRC, already loaded (the fuzz target's
 * way in). NULL after reporting errors. */
Corpus *corpus_load_source(Arena *a, Diag *d, const Source *src);

/* corpus_bind resolves every name against M. False after reporting. */
bool corpus_bind(Corpus *c, const Model *m, Diag *d);

/* The refusal codes a case may expect: those docs/semantics.md#refusal-codes
 * marks "corpus". */
bool corpus_known_code(const char *code);

const char *cop_name(COp op);

#endif
