/*
 * cmd_compile.c - `ward compile POLICY [--target sqlite|postgres] [-o FILE]`.
 *
 * Resolves and checks the policy, then writes the target's apply script to
 * FILE (atomically: a failed compile leaves no file) or to stdout with
 * `-o -`. Without -o it only checks. Exit 0, or 2 with diagnostics.
 */
#include "cli.h"

#include "check_report.h"
#include "emit_postgres.h"
#include "emit_sqlite.h"
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define USAGE                                                                  \
    "ward compile POLICY [--target sqlite|postgres] [-o FILE] [--no-check] "   \
    "[--pgaudit]"

int cmd_compile(int argc, char **argv)
{
    Args a = {argc, argv, 1, "compile"};
    const char *path = NULL, *target = "sqlite", *output = NULL;
    bool no_check = false, with_pgaudit = false;
    for (const char *arg; (arg = args_next(&a));) {
        if (strncmp(arg, "--target", 8) == 0 &&
            (arg[8] == '\0' || arg[8] == '=')) {
            if (!(target = args_value(&a, arg)))
                return EXIT_USAGE;
        } else if (strcmp(arg, "-o") == 0 ||
                   (strncmp(arg, "--output", 8) == 0 &&
                    (arg[8] == '\0' || arg[8] == '='))) {
            if (!(output = args_value(&a, arg)))
                return EXIT_USAGE;
        } else if (strcmp(arg, "--no-check") == 0) {
            no_check = true;
        } else if (strcmp(arg, "--pgaudit") == 0) {
            with_pgaudit = true;
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
    if (with_pgaudit && strcmp(target, "postgres") != 0)
        return cli_usage("compile", USAGE,
                         "--pgaudit configures PostgreSQL's pgaudit: use it "
                         "with --target postgres");

    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, &arena);
    Model *m = load_policy(&arena, &d, path, NULL);
    int rc = cli_diagnostics(&d);
    /* A corpus line naming a file that is not written yet is a usual first
     * step; say how to go on rather than only "cannot open". */
    if (m && rc == EXIT_OK && m->corpus && !no_check &&
        access(m->corpus_path, F_OK) != 0 && errno == ENOENT) {
        Diagnostic *x = diag_error(
            &d, m->corpus_at, "the corpus '%s' does not exist", m->corpus_path);
        diag_hint(&d, x,
                  "compile runs the policy's corpus first: write it "
                  "(docs/ci.md describes it), or compile with --no-check "
                  "to skip it for now");
        rc = cli_diagnostics(&d);
    }
    /* The policy's corpus runs first: a failing policy is never written. */
    if (m && rc == EXIT_OK && m->corpus && !no_check)
        rc = check_model(m, NULL);
    else if (m && rc == EXIT_OK && m->corpus)
        fprintf(stderr,
                "ward compile: warning: --no-check: the corpus %s "
                "was not run\n",
                m->corpus_path);
    bool postgres = strcmp(target, "postgres") == 0;
    if (m && rc == EXIT_OK &&
        !(postgres ? emit_postgres_check(m, &d) : emit_sqlite_check(m, &d)))
        rc = cli_diagnostics(&d);
    if (m && rc == EXIT_OK && output) {
        StrBuf sql;
        sb_init(&sql);
        if (postgres)
            emit_postgres(
                m, &(PgOptions){.transaction = true, .pgaudit = with_pgaudit},
                &sql);
        else
            emit_sqlite(m, &sql);
        /* The buffer caps generated text (strbuf.c): say so rather than
         * exit 2 with nothing on stderr. */
        if (sb_failed(&sql)) {
            fprintf(stderr,
                    "ward compile: %s: the %s script would pass the 1 GiB "
                    "limit on generated text; nothing written\n",
                    path, target);
            rc = EXIT_USAGE;
        } else if (write_file_atomic(output, sql.data, sql.len) != 0) {
            rc = EXIT_USAGE;
        }
        sb_free(&sql);
    } else if (m && rc == EXIT_OK)
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
