/*
 * check_report.h - `ward check` end to end: load the corpus, run it, compute
 * coverage (and mutants), and report as text, JSON or JUnit XML.
 *
 * `ward compile` calls check_model before it writes a script, so a policy
 * whose corpus fails is never compiled.
 */
#ifndef WARD_CHECK_REPORT_H
#define WARD_CHECK_REPORT_H

#include "model.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct CheckOptions {
    const char *policy;
    const char *corpus; /* NULL: the one the policy names */
    const char *format; /* text, json, junit */
    const char *target; /* sqlite (default) or postgres */
    const char *dsn;    /* postgres: the server to run on */
    bool mutate;
    bool exhaustive; /* hold the SQL to the decision function */
    bool has_min;
    double min_coverage; /* percent */
} CheckOptions;

/* check_policy loads O->policy and checks it, writing the report to OUT.
 * Returns 0 (all passed, gates met), 1 (a case failed, coverage below the
 * minimum, a mutant survived) or 2 (bad policy, corpus or fixtures). */
int check_policy(const CheckOptions *o, FILE *out);

/* check_model runs M's corpus (CORPUS, or the one M names) for `ward
 * compile`: failures are reported on stderr, one summary line on success.
 * Returns 0, 1 or 2 as check_policy; 2 as well when M names no corpus. */
int check_model(const Model *m, const char *corpus);

#endif
