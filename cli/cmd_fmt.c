/*
 * cmd_fmt.c - `ward fmt POLICY... [--check] [-w]`: canonical layout.
 *
 * Prints the formatted policy to stdout; -w rewrites the file in place
 * (atomically); --check prints nothing and exits 1 when a file is not in
 * canonical layout, naming it.
 */
#include "cli.h"

#include "fmt.h"

#include <stdio.h>
#include <string.h>

#define USAGE "ward fmt POLICY... [--check | -w]"

static int fmt_one(const char *path, bool check, bool write)
{
    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, &arena);
    int rc = EXIT_OK;
    Source *src = source_load(&arena, &d, path);
    ParseResult pr;
    if (src && parse_source(&arena, &d, src, &pr) == 0) {
        StrBuf sb;
        sb_init(&sb);
        fmt_policy(&pr, src, &sb);
        bool same =
            sb.len == src->len && memcmp(sb_cstr(&sb), src->text, sb.len) == 0;
        if (check) {
            if (!same) {
                fprintf(stderr, "ward fmt: %s is not formatted\n", path);
                rc = EXIT_FAILED;
            }
        } else if (write) {
            if (!same && write_file_atomic(path, sb_cstr(&sb), sb.len) < 0)
                rc = EXIT_USAGE;
        } else if (write_file_atomic("-", sb_cstr(&sb), sb.len) < 0) {
            rc = EXIT_USAGE;
        }
        sb_free(&sb);
    }
    if (d.errors)
        rc = cli_diagnostics(&d);
    diag_dispose(&d);
    arena_free(&arena);
    return rc;
}

int cmd_fmt(int argc, char **argv)
{
    Args a = {argc, argv, 1, "fmt"};
    bool check = false, write = false;
    int first = 0, npaths = 0;
    char **paths = argv;
    for (const char *arg; (arg = args_next(&a));) {
        if (strcmp(arg, "--check") == 0)
            check = true;
        else if (strcmp(arg, "-w") == 0 || strcmp(arg, "--write") == 0)
            write = true;
        else if (strcmp(arg, "--help") == 0)
            return printf("usage: %s\n", USAGE), EXIT_OK;
        else if (arg[0] == '-' && arg[1])
            return cli_usage("fmt", USAGE, "unknown option '%s'", arg);
        else
            paths[first + npaths++] = (char *)arg;
    }
    if (npaths == 0)
        return cli_usage("fmt", USAGE, "no policy file given");
    if (check && write)
        return cli_usage("fmt", USAGE, "--check and -w exclude each other");
    int rc = EXIT_OK;
    for (int i = 0; i < npaths; i++) {
        int r = fmt_one(paths[i], check, write);
        if (r > rc)
            rc = r;
    }
    return rc;
}
