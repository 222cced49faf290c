/*
 * cmd_parse.c - `ward parse POLICY [--dump]`: syntax only.
 *
 * Checks the grammar without resolving names; with --dump prints the tree
 * as an S-expression (the golden tests of the parser compare it).
 */
#include "cli.h"

#include "parse.h"

#include <stdio.h>
#include <string.h>

#define USAGE "ward parse POLICY [--dump]"

int cmd_parse(int argc, char **argv)
{
    Args a = {argc, argv, 1, "parse"};
    const char *path = NULL;
    bool dump = false;
    for (const char *arg; (arg = args_next(&a));) {
        if (strcmp(arg, "--dump") == 0)
            dump = true;
        else if (strcmp(arg, "--help") == 0)
            return printf("usage: %s\n", USAGE), EXIT_OK;
        else if (arg[0] == '-' && arg[1])
            return cli_usage("parse", USAGE, "unknown option '%s'", arg);
        else if (path)
            return cli_usage("parse", USAGE, "one policy at a time");
        else
            path = arg;
    }
    if (!path)
        return cli_usage("parse", USAGE, "no policy file given");

    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, &arena);
    int rc = EXIT_OK;
    Source *src = source_load(&arena, &d, path);
    ParseResult pr;
    if (src && parse_source(&arena, &d, src, &pr) == 0 && dump) {
        StrBuf sb;
        sb_init(&sb);
        ast_dump(pr.root, &sb);
        fputs(sb_cstr(&sb), stdout);
        sb_free(&sb);
    }
    rc = cli_diagnostics(&d);
    diag_dispose(&d);
    arena_free(&arena);
    return rc;
}
