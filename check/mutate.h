/*
 * mutate.h - mutation testing of a corpus: does it pin the policy down?
 *
 * Each mutant is the policy with one construct changed: an access rule
 * removed, its effect flipped (show <-> hide, a mask to show) or its mask
 * swapped for another; a classification default flipped or its mask
 * swapped; a rows rule removed or widened to `rows all`, a membership
 * test's where dropped; a write rule removed; an approval's guard or
 * expiry dropped, a bulk-read limit (`beyond N rows`) raised or lowered by
 * one, a clause of its `by` line dropped (when it has several), a clause's
 * count lowered or one of its roles dropped; an audited column's reads or
 * writes no longer audited.
 * The corpus runs against each mutant's compiled SQL; a mutant no case
 * fails "survives", and names a construct the corpus does not really
 * check. Mutants nothing could tell from the policy are not made.
 */
#ifndef WARD_MUTATE_H
#define WARD_MUTATE_H

#include "corpus.h"
#include "model.h"

typedef struct Mutant {
    const char *what; /* "remove 'show phone to cs_supervisor;' (p:30:3)" */
    bool killed;
    const char *killed_by; /* the first failing case, when killed */
} Mutant;

typedef struct MutationResult {
    Mutant *mutants;
    size_t n;
    size_t survived;
} MutationResult;

/* mutate_run builds and runs every mutant: on SQLite, or with DSN on the
 * PostgreSQL database it names (each mutant stops at the first case that
 * kills it). False with ERR when the test database cannot be built.
 * Arena-owned. */
bool mutate_run(const Model *m, const Corpus *c, const char *dsn, Arena *a,
                MutationResult *out, const char **err);

#endif
