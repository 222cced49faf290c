/*
 * coverage.h - what a corpus run asserted, against what the policy says.
 *
 * Rule coverage: every rule (show/mask/hide, rows, write) decided at least
 * one outcome that a passing case asserted. Cell coverage: every role x
 * scenario-or-none x classified column cell of the matrix was asserted by
 * a passing case whose session held exactly that role. The report names
 * each rule and cell left uncovered, with its place in the policy.
 */
#ifndef WARD_COVERAGE_H
#define WARD_COVERAGE_H

#include "runner.h"

typedef struct Coverage {
    size_t rules, rules_covered;
    size_t cells, cells_covered;
    const char **missing; /* one line per uncovered rule or cell */
    size_t nmissing;
    double rule_pct, cell_pct;
} Coverage;

void coverage_compute(const Model *m, const Exercised *ex, Arena *a,
                      Coverage *out);

/* coverage_pct is the gate's figure: the lower of the two percentages. */
double coverage_pct(const Coverage *c);

#endif
