/*
 * runner.h - running a corpus on the SQLite target.
 *
 * The runner builds one template database from the policy (a table per
 * policy table, the fixtures, the compiled script), keeps its image, and
 * gives every case a fresh in-memory copy with the runtime loaded; the
 * steps of a `steps` case share one copy. Each step sets its session, runs
 * its operation through the session's views exactly as an application
 * would, and holds what came back to what the case expects (verdict.h).
 * While it runs it records which rules and matrix cells the
 * passing assertions exercised (coverage.h reads that).
 */
#ifndef WARD_RUNNER_H
#define WARD_RUNNER_H

#include "corpus.h"
#include "model.h"
#include "strbuf.h"

#include <sqlite3.h>

#include <stdbool.h>

typedef struct CaseResult {
    const CCase *c;
    bool pass;
    const char *failure; /* what went wrong, several lines; NULL on pass */
    size_t step;         /* the failing step (0-based) */
    double ms;
} CaseResult;

/* What the passing assertions exercised. */
typedef struct Exercised {
    bool *rules;     /* [m->nrules] access rules that decided an outcome */
    bool *rowrules;  /* [m->nrowrules] */
    bool *writes;    /* [m->nwrites] */
    bool *cells;     /* [role][scenario + 1][table][column], see cell_index */
    bool *approvals; /* [m->napprovals] used by a passing step; NULL until
                        runner_note records the first use */
} Exercised;

typedef struct RunResult {
    CaseResult *cases;
    size_t ncases;
    size_t failed;
    Exercised ex;
} RunResult;

/* run_result_init empties OUT, with room in its Exercised for every rule,
 * rows rule, write and cell of M: how each target's runner starts. */
void run_result_init(const Model *m, Arena *a, RunResult *out);

/* runner_run runs every case of C against M. Returns false (with a
 * message in ERR, arena-owned) when the template cannot be built, e.g.
 * when a fixture breaks a table constraint. Everything is arena-owned. */
bool runner_run(const Model *m, const Corpus *c, Arena *a, RunResult *out,
                const char **err);

/* runner_template builds the test database of M with C's fixtures and
 * the compiled script, as an image (sqlite3_free it). False with ERR. */
bool runner_template(const Model *m, const Corpus *c, Arena *a,
                     unsigned char **image, sqlite3_int64 *size,
                     const char **err);

/* runner_open opens a private in-memory copy of IMAGE with the runtime
 * loaded; NULL on failure. Close it with sqlite3_close. */
sqlite3 *runner_open(const unsigned char *image, sqlite3_int64 size);

/* Shared with the PostgreSQL runner: how a failure names the session,
 * which rule decided a column, and what a passing step exercised.
 * Arena-owned strings. */
const char *runner_session_text(Arena *a, const CSession *s);
const char *runner_decided_by(const Model *m, const CStep *st, int column,
                              Arena *a);
void runner_note(const Model *m, const CStep *st, Exercised *ex, Arena *a);
/* runner_attrs_json writes session attributes as the JSON object
 * ward_session takes, values keeping their YAML types. */
void runner_attrs_json(const CMap *attrs, StrBuf *out);

/* How a target's SQL names parameters, compares allowing NULL, finds the
 * session's views (schema NULL: unqualified) and calls the approvals. */
typedef struct RunDialect {
    const char *param;
    const char *is;
    const char *schema;
    const char *request;
    const char *approve;
} RunDialect;

extern const RunDialect RUN_SQLITE;

/* runner_audit_missing says that the step left no audit row matching the
 * expect_audit fields F. */
void runner_audit_missing(StrBuf *why, const CMap *f);

/* runner_step_sql writes the statement of step ST in dialect D: the values
 * of set are parameters 1.., then those of where. */
void runner_step_sql(const Model *m, const CStep *st, const RunDialect *d,
                     StrBuf *sql);

/* runner_tables_sql appends CREATE TABLE statements for M's tables, each
 * column's type named by TYPE_NAME (the target's word for it). */
void runner_tables_sql(const Model *m, const char *(*type_name)(ColType),
                       StrBuf *out);

/* cell_index numbers a matrix cell: ROLE, SCENARIO (-1 for none), TABLE,
 * COLUMN. cell_count is the number of cells. */
size_t cell_index(const Model *m, int role, int scenario, int table,
                  int column);
size_t cell_count(const Model *m);

#endif
