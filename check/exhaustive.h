/*
 * exhaustive.h - translation validation: the generated SQL held to the
 * decision function on every matrix cell, even where the corpus is silent.
 *
 * For every role alone, with no scenario and in each scenario, and every
 * table, the runtime's view is read on the corpus's fixtures; each value is
 * compared with what decide_column and the C masking core say it must be:
 * the base value when shown, NULL when hidden, the mask function's output
 * when masked. A session's user and attributes are taken from the first
 * corpus case of that role, so row filters let rows through. Rows are
 * matched by the table's key column; a table without one, a key the role
 * does not see in clear, and keyed masks without a key are skipped and
 * counted.
 */
#ifndef WARD_EXHAUSTIVE_H
#define WARD_EXHAUSTIVE_H

#include "corpus.h"
#include "model.h"

typedef struct ExhaustiveResult {
    size_t checked;  /* values compared */
    size_t sessions; /* role x scenario sessions run */
    size_t skipped;  /* table x session pairs that could not be matched */
    const char **mismatches; /* one explanation each, at most 20 kept */
    size_t nmismatches;      /* all of them */
} ExhaustiveResult;

bool exhaustive_run(const Model *m, const Corpus *c, Arena *a,
                    ExhaustiveResult *out, const char **err);

/* exhaustive_compare holds the SQL compiled from EMIT to the decisions of
 * M (same tables): exhaustive_run is the case EMIT == M; the tests use two
 * models to prove a diverging emitter is caught. */
bool exhaustive_compare(const Model *m, const Model *emit, const Corpus *c,
                        Arena *a, ExhaustiveResult *out, const char **err);

#endif
