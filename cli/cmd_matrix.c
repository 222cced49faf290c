/*
 * cmd_matrix.c - `ward matrix POLICY`: the role x column decision table of
 * every table, once without a scenario and once per scenario. Each cell is
 * the decision for a session holding that role (and what it inherits).
 */
#include "cli.h"

#include "report.h"

#include <stdio.h>
#include <string.h>

#define USAGE "ward matrix POLICY [--format text]"

int cmd_matrix(int argc, char **argv)
{
    Args a = {argc, argv, 1, "matrix"};
    const char *path = NULL, *format = "text";
    for (const char *arg; (arg = args_next(&a));) {
        if (strncmp(arg, "--format", 8) == 0 && (!arg[8] || arg[8] == '=')) {
            if (!(format = args_value(&a, arg)))
                return EXIT_USAGE;
        } else if (strcmp(arg, "--help") == 0) {
            return printf("usage: %s\n", USAGE), EXIT_OK;
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage("matrix", USAGE, "unknown option '%s'", arg);
        } else if (path) {
            return cli_usage("matrix", USAGE, "one policy at a time");
        } else {
            path = arg;
        }
    }
    if (!path)
        return cli_usage("matrix", USAGE, "no policy file given");
    if (strcmp(format, "text") != 0)
        return cli_usage("matrix", USAGE, "unknown format '%s' (text)", format);
    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, &arena);
    int rc = EXIT_OK;
    Model *m = load_policy(&arena, &d, path, NULL);
    if (m) {
        StrBuf sb;
        sb_init(&sb);
        report_matrix(m, &arena, &sb);
        if (write_file_atomic("-", sb_cstr(&sb), sb.len) < 0)
            rc = EXIT_USAGE;
        sb_free(&sb);
    } else {
        rc = cli_diagnostics(&d);
    }
    diag_dispose(&d);
    arena_free(&arena);
    return rc;
}
