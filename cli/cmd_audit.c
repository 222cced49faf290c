/*
 * cmd_audit.c - `ward audit verify DB` and `ward audit verify --dsn DSN`:
 * walk the audit log's hash chain, on SQLite (ward_audit) or PostgreSQL
 * (ward.audit), with one walker.
 *
 * Rows are numbered 1, 2, 3... (never reused) and each carries its
 * predecessor's hash and its own (runtime/core/audit_chain.h). The walk stops
 * at the first row that breaks the chain and names it:
 *   - a number missing before it: rows were deleted;
 *   - its prev differs from the hash of the row before: a row was deleted,
 *     inserted or rewritten in between;
 *   - its hash differs from its content: the row was altered.
 * Rows deleted from the end are caught by the database's own record of the
 * highest number used: sqlite_sequence on SQLite, ward.audit_head (number
 * and hash) on PostgreSQL. Exit 0 intact, 1 broken, 2 no audit log.
 */
#include "cli.h"

#include "audit_chain.h"
#include "ward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE                                                                  \
    "ward audit verify DATABASE | ward audit verify --dsn DSN | "              \
    "ward audit fold DATABASE"

/* One row of the log: its number, the hashed fields, prev and hash. */
typedef struct AuditRow {
    long long seq;
    const char *f[AUDIT_NFIELDS];
    size_t n[AUDIT_NFIELDS];
    const char *prev, *hash;
} AuditRow;

/* A source of rows in order: next fills ROW and returns 1, 0 at the end,
 * -1 on a read error (message printed). */
typedef struct AuditSource {
    int (*next)(void *src, AuditRow *row);
    void *src;
    const char *where; /* the database, for messages */
    long long high;    /* the highest number the database says it used */
    const char *head;  /* the hash of that row, when the database keeps it */
} AuditSource;

static int broken(const char *where, long long seq, const char *why)
{
    printf("row %lld: %s\n", seq, why);
    fprintf(stderr,
            "ward audit verify: %s: the audit log was tampered with "
            "(first bad row: %lld)\n",
            where, seq);
    return EXIT_FAILED;
}

static int walk(AuditSource *s)
{
    char last[65] = AUDIT_GENESIS;
    long long expect = 1, rows = 0;
    AuditRow row;
    int more;
    while ((more = s->next(s->src, &row)) == 1) {
        char want[65];
        if (row.seq != expect) {
            char why[160];
            snprintf(why, sizeof why, "rows %lld to %lld are missing: deleted",
                     expect, row.seq - 1);
            return broken(s->where, row.seq, why);
        }
        if (!row.prev || strcmp(row.prev, last) != 0)
            return broken(s->where, row.seq,
                          "its predecessor's hash does not match: a row "
                          "before it was deleted, inserted or altered");
        if (audit_chain_hash(row.prev, row.f, row.n, want) != 0) {
            fprintf(stderr, "ward audit verify: SHA-256 failed\n");
            return EXIT_USAGE;
        }
        if (!row.hash || strcmp(row.hash, want) != 0)
            return broken(s->where, row.seq,
                          "its content does not match its hash: altered");
        snprintf(last, sizeof last, "%s", row.hash);
        expect = row.seq + 1;
        rows++;
    }
    if (more < 0)
        return EXIT_USAGE;
    if (s->high > expect - 1) {
        char why[160];
        snprintf(why, sizeof why, "rows %lld to %lld are missing: deleted",
                 expect, s->high);
        return broken(s->where, expect, why);
    }
    if (s->head && s->high == expect - 1 && strcmp(s->head, last) != 0)
        return broken(s->where, expect - 1,
                      "the log's head names another hash: the last row was "
                      "replaced");
    printf("intact: %lld row%s; last row %lld, hash %s\n", rows,
           rows == 1 ? "" : "s", expect - 1, last);
    return EXIT_OK;
}

/* ---- SQLite ---- */

static int sqlite_next(void *src, AuditRow *row)
{
    sqlite3_stmt *st = src;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW) {
        fprintf(stderr, "ward audit verify: %s\n",
                sqlite3_errmsg(sqlite3_db_handle(st)));
        return -1;
    }
    row->seq = sqlite3_column_int64(st, 0);
    for (int i = 0; i < AUDIT_NFIELDS; i++) {
        row->f[i] = sqlite3_column_type(st, i + 1) == SQLITE_NULL
                        ? NULL
                        : (const char *)sqlite3_column_text(st, i + 1);
        row->n[i] = row->f[i] ? (size_t)sqlite3_column_bytes(st, i + 1) : 0;
    }
    row->prev = (const char *)sqlite3_column_text(st, 11);
    row->hash = (const char *)sqlite3_column_text(st, 12);
    return 1;
}

static int verify_sqlite(const char *path)
{
    sqlite3 *db;
    if (cli_db_open("audit verify", path, &db) != EXIT_OK)
        return EXIT_USAGE;
    sqlite3_stmt *st = NULL;
    AuditSource s = {sqlite_next, NULL, path, 0, NULL};
    if (sqlite3_prepare_v2(db,
                           "SELECT seq FROM sqlite_sequence WHERE name = "
                           "'ward_audit'",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        s.high = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    int rc;
    if (sqlite3_prepare_v2(db,
                           "SELECT seq, at, user, roles, scenario, op, tbl, "
                           "key, columns, nrows, detail, prev, hash FROM "
                           "ward_audit ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "ward audit verify: %s: no audit log (%s)\n", path,
                sqlite3_errmsg(db));
        rc = EXIT_USAGE;
    } else {
        s.src = st;
        rc = walk(&s);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    int journals = ward_audit_journals(path);
    if (journals)
        fprintf(stderr,
                "ward audit verify: note: %d audit journal%s next to %s "
                "hold%s records not yet in the log: of connections still "
                "open, or of processes that ended without closing (`ward "
                "audit fold %s` adds those)\n",
                journals, journals == 1 ? "" : "s", path,
                journals == 1 ? "s" : "", path);
    return rc;
}

/* fold_sqlite: `ward audit fold DB`. */
static int fold_sqlite(const char *path)
{
    int folded = 0;
    char *err = NULL;
    int rc = ward_audit_fold(path, &folded, &err);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "ward audit fold: %s: %s\n", path,
                err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return EXIT_USAGE;
    }
    printf("folded: %d journal%s of ended processes\n", folded,
           folded == 1 ? "" : "s");
    return EXIT_OK;
}

/* ---- PostgreSQL ---- */

typedef struct PgSource {
    PGconn *db;
    PGresult *res;
} PgSource;

/* Rows arrive one at a time (single-row mode): a long log is never held
 * whole in memory. */
static int pg_next(void *src, AuditRow *row)
{
    PgSource *p = src;
    PQclear(p->res);
    p->res = PQgetResult(p->db);
    if (!p->res)
        return 0;
    ExecStatusType st = PQresultStatus(p->res);
    if (st == PGRES_TUPLES_OK) {
        PQclear(p->res);
        p->res = NULL;
        while ((p->res = PQgetResult(p->db)))
            PQclear(p->res);
        return 0;
    }
    if (st != PGRES_SINGLE_TUPLE) {
        fprintf(stderr, "ward audit verify: %s", PQerrorMessage(p->db));
        return -1;
    }
    row->seq = strtoll(PQgetvalue(p->res, 0, 0), NULL, 10);
    for (int i = 0; i < AUDIT_NFIELDS; i++) {
        bool null = PQgetisnull(p->res, 0, i + 1);
        row->f[i] = null ? NULL : PQgetvalue(p->res, 0, i + 1);
        row->n[i] = null ? 0 : (size_t)PQgetlength(p->res, 0, i + 1);
    }
    row->prev = PQgetvalue(p->res, 0, 11);
    row->hash = PQgetvalue(p->res, 0, 12);
    return 1;
}

static int verify_postgres(const char *dsn)
{
    PgSource p = {NULL, NULL};
    if (cli_pg_connect("audit verify", dsn, &p.db) != EXIT_OK)
        return EXIT_USAGE;
    /* One snapshot for the head and the rows: appends racing the walk
     * are not mistaken for tampering. */
    PQclear(PQexec(p.db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    PGresult *head = PQexec(p.db, "SELECT seq, hash FROM ward.audit_head");
    int rc = EXIT_OK;
    if (PQresultStatus(head) != PGRES_TUPLES_OK || PQntuples(head) != 1) {
        fprintf(stderr,
                "ward audit verify: no audit log on this server, or no "
                "right to read it: %s",
                PQerrorMessage(p.db));
        rc = EXIT_USAGE;
    } else if (!PQsendQuery(p.db, "SELECT seq, at, \"user\", roles, "
                                  "scenario, op, tbl, key, columns, "
                                  "nrows::text, detail, prev, hash FROM "
                                  "ward.audit ORDER BY seq") ||
               !PQsetSingleRowMode(p.db)) {
        fprintf(stderr, "ward audit verify: %s", PQerrorMessage(p.db));
        rc = EXIT_USAGE;
    } else {
        /* Named by its database, never by the DSN: it may hold a
         * password. */
        char where[300];
        snprintf(where, sizeof where, "database %s", PQdb(p.db));
        AuditSource s = {pg_next, &p, where,
                         strtoll(PQgetvalue(head, 0, 0), NULL, 10),
                         PQgetvalue(head, 0, 1)};
        rc = walk(&s);
        PQclear(p.res);
        while ((p.res = PQgetResult(p.db)))
            PQclear(p.res);
    }
    PQclear(head);
    PQfinish(p.db);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    Args a = {argc, argv, 1, "audit"};
    const char *sub = NULL, *path = NULL, *dsn = NULL;
    for (const char *arg; (arg = args_next(&a));) {
        if (strcmp(arg, "--help") == 0)
            return printf("usage: %s\n", USAGE), EXIT_OK;
        if (strncmp(arg, "--dsn", 5) == 0 && (!arg[5] || arg[5] == '=')) {
            if (!(dsn = args_value(&a, arg)))
                return EXIT_USAGE;
            continue;
        }
        if (arg[0] == '-' && arg[1])
            return cli_usage("audit", USAGE, "unknown option '%s'", arg);
        if (!sub)
            sub = arg;
        else if (!path)
            path = arg;
        else
            return cli_usage("audit", USAGE, "one database at a time");
    }
    if (sub && strcmp(sub, "fold") == 0) {
        if (dsn)
            return cli_usage("audit", USAGE,
                             "fold is for a database file: PostgreSQL has "
                             "no journals");
        if (!path)
            return cli_usage("audit", USAGE, "no database given");
        return fold_sqlite(path);
    }
    if (!sub || strcmp(sub, "verify") != 0)
        return cli_usage("audit", USAGE, "%s%s%s",
                         sub ? "unknown subcommand '" : "no subcommand given",
                         sub ? sub : "", sub ? "'" : "");
    if (path && dsn)
        return cli_usage("audit", USAGE, "a database file or --dsn, not both");
    if (dsn)
        return verify_postgres(dsn);
    if (!path)
        return cli_usage("audit", USAGE, "no database given");
    return verify_sqlite(path);
}
