/*
 * cmd_audit.c - `ward audit verify DB`: walk the audit log's hash chain.
 *
 * Rows are numbered 1, 2, 3... (AUTOINCREMENT never reuses a number) and
 * each carries its predecessor's hash and its own (runtime/audit_chain.h).
 * The walk stops at the first row that breaks the chain and names it:
 *   - a number missing before it: rows were deleted;
 *   - its prev differs from the hash of the row before: a row was deleted,
 *     inserted or rewritten in between;
 *   - its hash differs from its content: the row was altered.
 * Rows deleted from the end are caught by SQLite's own record of the
 * highest number ever used (sqlite_sequence). Exit 0 intact, 1 broken,
 * 2 no audit log.
 */
#include "cli.h"

#include "audit_chain.h"

#include <stdio.h>
#include <string.h>

#define USAGE "ward audit verify DATABASE"

static int broken(const char *path, long long seq, const char *why)
{
    printf("row %lld: %s\n", seq, why);
    fprintf(stderr,
            "ward audit verify: %s: the audit log was tampered with "
            "(first bad row: %lld)\n",
            path, seq);
    return EXIT_FAILED;
}

static int walk(sqlite3 *db, const char *path)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, at, user, roles, scenario, op, tbl, "
                           "key, columns, nrows, detail, prev, hash FROM "
                           "ward_audit ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "ward audit verify: %s: no audit log (%s)\n", path,
                sqlite3_errmsg(db));
        return EXIT_USAGE;
    }
    char last[65] = AUDIT_GENESIS;
    long long expect = 1, rows = 0;
    int rc = EXIT_OK;
    while (rc == EXIT_OK && sqlite3_step(st) == SQLITE_ROW) {
        long long seq = sqlite3_column_int64(st, 0);
        const char *f[AUDIT_NFIELDS];
        size_t n[AUDIT_NFIELDS];
        for (int i = 0; i < AUDIT_NFIELDS; i++) {
            f[i] = sqlite3_column_type(st, i + 1) == SQLITE_NULL
                       ? NULL
                       : (const char *)sqlite3_column_text(st, i + 1);
            n[i] = f[i] ? (size_t)sqlite3_column_bytes(st, i + 1) : 0;
        }
        const char *prev = (const char *)sqlite3_column_text(st, 11);
        const char *hash = (const char *)sqlite3_column_text(st, 12);
        char want[65];
        if (seq != expect) {
            char why[160];
            snprintf(why, sizeof why, "rows %lld to %lld are missing: deleted",
                     expect, seq - 1);
            rc = broken(path, seq, why);
        } else if (!prev || strcmp(prev, last) != 0) {
            rc = broken(path, seq,
                        "its predecessor's hash does not match: a row "
                        "before it was deleted, inserted or altered");
        } else if (audit_chain_hash(prev, f, n, want) != 0) {
            fprintf(stderr, "ward audit verify: SHA-256 failed\n");
            rc = EXIT_USAGE;
        } else if (!hash || strcmp(hash, want) != 0) {
            rc = broken(path, seq,
                        "its content does not match its hash: altered");
        } else {
            snprintf(last, sizeof last, "%s", hash);
            expect = seq + 1;
            rows++;
        }
    }
    sqlite3_finalize(st);
    if (rc != EXIT_OK)
        return rc;

    /* Rows cut off the end leave sqlite_sequence ahead of the last row. */
    long long high = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq FROM sqlite_sequence WHERE name = "
                           "'ward_audit'",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        high = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (high > expect - 1) {
        char why[160];
        snprintf(why, sizeof why, "rows %lld to %lld are missing: deleted",
                 expect, high);
        return broken(path, expect, why);
    }
    printf("intact: %lld row%s; last row %lld, hash %s\n", rows,
           rows == 1 ? "" : "s", expect - 1, last);
    return EXIT_OK;
}

int cmd_audit(int argc, char **argv)
{
    Args a = {argc, argv, 1, "audit"};
    const char *sub = NULL, *path = NULL;
    for (const char *arg; (arg = args_next(&a));) {
        if (strcmp(arg, "--help") == 0)
            return printf("usage: %s\n", USAGE), EXIT_OK;
        if (arg[0] == '-' && arg[1])
            return cli_usage("audit", USAGE, "unknown option '%s'", arg);
        if (!sub)
            sub = arg;
        else if (!path)
            path = arg;
        else
            return cli_usage("audit", USAGE, "one database at a time");
    }
    if (!sub || strcmp(sub, "verify") != 0)
        return cli_usage("audit", USAGE, "%s%s%s",
                         sub ? "unknown subcommand '" : "no subcommand given",
                         sub ? sub : "", sub ? "'" : "");
    if (!path)
        return cli_usage("audit", USAGE, "no database given");
    sqlite3 *db;
    if (cli_db_open("audit verify", path, &db) != EXIT_OK)
        return EXIT_USAGE;
    int rc = walk(db, path);
    sqlite3_close(db);
    return rc;
}
