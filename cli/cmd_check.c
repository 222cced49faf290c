/*
 * cmd_check.c - `ward check POLICY`: run the policy's audit test corpus on
 * the SQLite target (or PostgreSQL's, --target postgres --dsn), report each
 * case and the coverage, and gate on it; --exhaustive and --mutate on
 * either target.
 *
 * Exit 0 when every case passes (and coverage reaches --min-coverage, and
 * with --mutate no mutant survives), 1 when not, 2 for a bad policy,
 * corpus or usage.
 */
#include "cli.h"

#include "check_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE                                                                  \
    "ward check POLICY [--corpus FILE] [--target sqlite|postgres] [--dsn "     \
    "DSN] [--min-coverage PCT] [--format text|json|junit] [--exhaustive] "     \
    "[--mutate]"

int cmd_check(int argc, char **argv)
{
    Args a = {argc, argv, 1, "check"};
    CheckOptions o = {.format = "text"};
    const char *target = "sqlite", *min = NULL, *dsn = NULL;
    for (const char *arg; (arg = args_next(&a));) {
        const char *v;
        if (strncmp(arg, "--corpus", 8) == 0 && (!arg[8] || arg[8] == '=')) {
            if (!(o.corpus = args_value(&a, arg)))
                return EXIT_USAGE;
        } else if (strncmp(arg, "--target", 8) == 0 &&
                   (!arg[8] || arg[8] == '=')) {
            if (!(target = args_value(&a, arg)))
                return EXIT_USAGE;
        } else if (strncmp(arg, "--dsn", 5) == 0 &&
                   (!arg[5] || arg[5] == '=')) {
            if (!(dsn = args_value(&a, arg)))
                return EXIT_USAGE;
        } else if (strncmp(arg, "--min-coverage", 14) == 0 &&
                   (!arg[14] || arg[14] == '=')) {
            if (!(min = args_value(&a, arg)))
                return EXIT_USAGE;
        } else if (strncmp(arg, "--format", 8) == 0 &&
                   (!arg[8] || arg[8] == '=')) {
            if (!(v = args_value(&a, arg)))
                return EXIT_USAGE;
            o.format = v;
        } else if (strcmp(arg, "--mutate") == 0) {
            o.mutate = true;
        } else if (strcmp(arg, "--exhaustive") == 0) {
            o.exhaustive = true;
        } else if (strcmp(arg, "--help") == 0) {
            return printf("usage: %s\n", USAGE), EXIT_OK;
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage("check", USAGE, "unknown option '%s'", arg);
        } else if (o.policy) {
            return cli_usage("check", USAGE, "one policy at a time");
        } else {
            o.policy = arg;
        }
    }
    if (!o.policy)
        return cli_usage("check", USAGE, "no policy file given");
    if (strcmp(target, "sqlite") != 0 && strcmp(target, "postgres") != 0)
        return cli_usage("check", USAGE,
                         "unknown target '%s' (sqlite or postgres)", target);
    bool pg = strcmp(target, "postgres") == 0;
    if (pg && !dsn)
        return cli_usage("check", USAGE,
                         "--target postgres needs --dsn (a scratch database)");
    if (!pg && dsn)
        return cli_usage("check", USAGE, "--dsn goes with --target postgres");
    o.target = target;
    o.dsn = dsn;
    if (strcmp(o.format, "text") != 0 && strcmp(o.format, "json") != 0 &&
        strcmp(o.format, "junit") != 0)
        return cli_usage("check", USAGE,
                         "unknown format '%s' (text, json or junit)", o.format);
    if (min) {
        char *end;
        o.min_coverage = strtod(min, &end);
        if (*end || end == min || o.min_coverage < 0 || o.min_coverage > 100)
            return cli_usage("check", USAGE,
                             "--min-coverage takes a percentage from 0 to "
                             "100, not '%s'",
                             min);
        o.has_min = true;
    }
    return check_policy(&o, stdout);
}
