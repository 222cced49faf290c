/*
 * coverage.h - what a corpus run asserted, against what the policy says.
 *
 * Rule coverage: every rule (show/mask/hide, rows, write) decided at least
 * one outcome that a passing case asserted. Cell coverage: every role x
 * scenario-or-none x classified column cell of the matrix was asserted by
 * a passing case whose session held exactly that role; a cell of a role
 * that sees no rows of its table at all is asserted by such a case that
 * reads the table with expect_rows: 0. The report names what is not
 * covered, grouped: the rules, then the cells by role and scenario.
 */
#ifndef WARD_COVERAGE_H
#define WARD_COVERAGE_H

#include "runner.h"

/* The uncovered cells of one role in one scenario (or none). */
typedef struct CoverGap {
    int role;
    int scenario;         /* -1 for none */
    const char **columns; /* "table.column", in the policy's order */
    size_t ncolumns;
} CoverGap;

typedef struct Coverage {
    size_t rules, rules_covered;
    size_t cells, cells_covered;
    double rule_pct, cell_pct;
    const char **rules_missing; /* "p.ward:30:3: show phone to ...;" */
    size_t nrules_missing;
    CoverGap *gaps; /* by role, then scenario (none first) */
    size_t ngaps;
    const char **missing; /* the report's lines for all of the above,
                             grouped and indented, for text and JUnit */
    size_t nmissing;
} Coverage;

/* coverage_compute measures EX against M. Arena-owned. */
void coverage_compute(const Model *m, const Exercised *ex, Arena *a,
                      Coverage *out);

/* coverage_pct is the gate's figure: the lower of the two percentages. */
double coverage_pct(const Coverage *c);

#endif
