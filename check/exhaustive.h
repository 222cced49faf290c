/*
 * exhaustive.h - translation validation: the generated SQL held to the
 * decision function on every matrix cell, even where the corpus is silent,
 * on either target.
 *
 * For every role set below, with no scenario and in each scenario, and
 * every table, the runtime's view is read on the corpus's fixtures; each
 * value is compared with what decide_column and the C masking core say it
 * must be: the base value when shown, NULL when hidden, the mask
 * function's output when masked.
 *
 * The role sets: every role alone; every set of several roles a corpus
 * session names; all the policy's roles at once; and every pair of roles
 * that neither inherits the other and whose own decisions differ on some
 * column in some scenario (a pair deciding alike everywhere cannot tell
 * one combination from another). A session's decision is the best of its
 * roles' under an order (decide.h's combination rule; the SQL's ORDER BY),
 * so agreeing on every such pair means agreeing on every set: the pairs
 * are the bound, O(roles^2) sessions per scenario, and at most
 * EXHAUSTIVE_MAX_SETS sets run (the count beyond is reported, never
 * dropped without a word).
 *
 * A session's user and attributes are those of the corpus's first session
 * with the same roles, else of its roles' own first sessions (the first
 * user, the attributes merged), so row filters let rows through. Rows are
 * matched by the table's key column; a table without one, a key the
 * session does not see in clear, and a keyed mask without a key are
 * skipped and counted.
 */
#ifndef WARD_EXHAUSTIVE_H
#define WARD_EXHAUSTIVE_H

#include "corpus.h"
#include "model.h"

#define EXHAUSTIVE_MAX_SETS 256

typedef struct ExhaustiveResult {
    size_t checked;  /* values compared */
    size_t sessions; /* role set x scenario sessions run */
    size_t multi;    /* of which, sessions of several roles */
    size_t skipped;  /* table x session pairs that could not be matched */
    size_t unrun;    /* role sets beyond EXHAUSTIVE_MAX_SETS */
    const char **mismatches; /* one explanation each, at most 20 kept */
    size_t nmismatches;      /* all of them */
} ExhaustiveResult;

typedef struct ExhaustiveOptions {
    const char *dsn; /* NULL: the SQLite target; else a PostgreSQL server,
                        used as the corpus runner uses it (run_postgres.h) */
    /* For the tests: SQL run with the runner's rights once the script is
     * applied, before any session (a mutant of the catalog's rank table or
     * of the runtime's ordering, which must be caught). NULL in use. */
    const char *tamper;
} ExhaustiveOptions;

/* exhaustive_run holds M's SQL on the target DSN names (NULL: SQLite). */
bool exhaustive_run(const Model *m, const Corpus *c, const char *dsn, Arena *a,
                    ExhaustiveResult *out, const char **err);

/* exhaustive_compare holds the SQL compiled from EMIT to the decisions of
 * M (same tables and roles): exhaustive_run is the case EMIT == M; the
 * tests use two models, or a tamper, to prove a divergence is caught.
 * False with ERR when the target cannot be set up. */
bool exhaustive_compare(const Model *m, const Model *emit, const Corpus *c,
                        const ExhaustiveOptions *o, Arena *a,
                        ExhaustiveResult *out, const char **err);

#endif
