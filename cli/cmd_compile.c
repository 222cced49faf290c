/*
 * cmd_compile.c - `ward compile POLICY [--target sqlite|postgres] [-o FILE]`.
 *
 * Resolves and checks the policy; exit 0 when it is valid, 2 with
 * diagnostics when it is not. The SQL emitters plug in here.
 */
#include "cli.h"

#include "model.h"

#include <stdio.h>
#include <string.h>

#define USAGE "ward compile POLICY [--target sqlite|postgres] [-o FILE]"

int cmd_compile(int argc, char **argv)
{
    Args a = {argc, argv, 1, "compile"};
    const char *path = NULL, *target = "sqlite";
    for (const char *arg; (arg = args_next(&a));) {
        if (strncmp(arg, "--target", 8) == 0 &&
            (arg[8] == '\0' || arg[8] == '=')) {
            if (!(target = args_value(&a, arg)))
                return EXIT_USAGE;
        } else if (strcmp(arg, "-o") == 0 || strncmp(arg, "--output", 8) == 0) {
            /* Exiting 0 without the file would let a script go on. */
            return cli_usage("compile", USAGE,
                             "%s: SQL output is not available yet; compile "
                             "only checks the policy",
                             arg);
        } else if (strcmp(arg, "--help") == 0) {
            return printf("usage: %s\n", USAGE), EXIT_OK;
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage("compile", USAGE, "unknown option '%s'", arg);
        } else if (path) {
            return cli_usage("compile", USAGE, "one policy at a time");
        } else {
            path = arg;
        }
    }
    if (!path)
        return cli_usage("compile", USAGE, "no policy file given");
    if (strcmp(target, "sqlite") != 0 && strcmp(target, "postgres") != 0)
        return cli_usage("compile", USAGE,
                         "unknown target '%s' (sqlite or postgres)", target);

    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, &arena);
    Model *m = load_policy(&arena, &d, path, NULL);
    int rc = cli_diagnostics(&d);
    if (m && rc == EXIT_OK)
        fprintf(stderr,
                "ward compile: %s: policy %s version %lld is valid "
                "(%zu role%s, %zu table%s, %zu rule%s)\n",
                path, m->name, (long long)m->version, m->nroles,
                m->nroles == 1 ? "" : "s", m->ntables,
                m->ntables == 1 ? "" : "s",
                m->nrules + m->nrowrules + m->nwrites,
                m->nrules + m->nrowrules + m->nwrites == 1 ? "" : "s");
    diag_dispose(&d);
    arena_free(&arena);
    return rc;
}
