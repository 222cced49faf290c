/*
 * mutate.h - mutation testing of a corpus: does it pin the policy down?
 *
 * Each mutant is the policy with one rule changed: an access rule removed
 * or its effect flipped (show <-> hide, a mask to show), a rows rule or a
 * write rule removed. The corpus runs against each mutant's compiled SQL;
 * a mutant no case fails "survives", and names a rule the corpus does not
 * really check.
 */
#ifndef WARD_MUTATE_H
#define WARD_MUTATE_H

#include "corpus.h"
#include "model.h"

typedef struct Mutant {
    const char
        *what; /* "remove rule 'show phone to cs_supervisor;' (p:30:3)" */
    bool killed;
    const char *killed_by; /* the first failing case, when killed */
} Mutant;

typedef struct MutationResult {
    Mutant *mutants;
    size_t n;
    size_t survived;
} MutationResult;

/* mutate_run builds and runs every mutant. False with ERR when the test
 * database cannot be built. Arena-owned. */
bool mutate_run(const Model *m, const Corpus *c, Arena *a, MutationResult *out,
                const char **err);

#endif
