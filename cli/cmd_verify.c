/*
 * cmd_verify.c - `ward verify DB`: has anything the compiled script created
 * been changed by hand since it was applied?
 *
 * The script stores a manifest (ward_manifest): the SHA-256 of each table
 * and trigger definition as SQLite keeps it in sqlite_schema, and of each
 * catalog table's rows. verify recomputes them and reports every object
 * changed or dropped, every catalog table whose rows were edited, and every
 * ward_ object or trigger on a protected table that the script did not
 * create. Exit 0 when nothing drifted, 1 when something did, 2 when DB is
 * not a database with a ward policy.
 *
 * On PostgreSQL (--dsn) the script stores, per policy, the fingerprint of
 * what it made as the server keeps it (emit_postgres_fingerprint: views,
 * row security and policies, triggers, the runtime's functions, catalog
 * rows) in ward.manifest; verify runs the same query and compares, for
 * every policy in ward.policy. It also warns, without failing, of each
 * constraint that lets a role learn a value it may write but not see
 * (emit_postgres_oracles).
 */
#include "cli.h"

#include "crypto.h"
#include "emit_postgres.h"

#include <stdio.h>
#include <string.h>

#define USAGE "ward verify DATABASE | ward verify --dsn DSN"

static void hex(const unsigned char *d, char *out)
{
    for (int i = 0; i < CRYPTO_SHA256_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void sha_text(const char *s, size_t n, char *out)
{
    unsigned char d[CRYPTO_SHA256_LEN];
    memset(d, 0, sizeof d);
    crypto_sha256(s ? s : "", n, d);
    hex(d, out);
}

/* rows_text renders TABLE's rows as the compiler wrote them: values as SQL
 * literals joined by ", ", one row per line, in insertion order. */
static char *rows_text(sqlite3 *db, const char *table, size_t *len)
{
    char *sql =
        sqlite3_mprintf("SELECT * FROM main.\"%w\" ORDER BY rowid", table);
    sqlite3_stmt *st = NULL;
    sqlite3_str *s = sqlite3_str_new(db);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(st); i++) {
                if (i)
                    sqlite3_str_appendall(s, ", ");
                switch (sqlite3_column_type(st, i)) {
                case SQLITE_NULL: sqlite3_str_appendall(s, "NULL"); break;
                case SQLITE_INTEGER:
                    sqlite3_str_appendf(s, "%lld", sqlite3_column_int64(st, i));
                    break;
                default:
                    sqlite3_str_appendf(s, "%Q", sqlite3_column_text(st, i));
                    break;
                }
            }
            sqlite3_str_appendchar(s, 1, '\n');
        }
    } else {
        sqlite3_str_appendall(s, "(missing)");
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    *len = (size_t)sqlite3_str_length(s);
    return sqlite3_str_finish(s);
}

/* drift_line prints one difference between the manifest (WANT) and the
 * server (GOT); NULL is absent. Returns 1 when it is drift. */
static int drift_line(const char *type, const char *name, const char *want,
                      const char *got)
{
    if (want && got && strcmp(want, got) == 0)
        return 0;
    if (strcmp(type, "rows") == 0)
        printf("changed: the rows of %s (the policy's decisions) were "
               "edited\n",
               name);
    else
        printf("%s: %s %s\n",
               !want  ? "added"
               : !got ? "dropped"
                      : "changed",
               type, name);
    return 1;
}

/* warn_oracles warns, on stderr, of each constraint of POLICY's tables
 * that tells a role, by refusing its write, whether another row holds a
 * value it does not see (emit_postgres_oracles). A warning, not drift: the
 * exit status does not change. */
static void warn_oracles(PGconn *db, const char *policy)
{
    StrBuf q;
    sb_init(&q);
    emit_postgres_oracles(policy, &q);
    PGresult *res = PQexec(db, q.data);
    sb_free(&q);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr,
                "ward verify: warning: policy %s: could not look for "
                "constraints that tell masked values: %s",
                policy, PQerrorMessage(db));
        PQclear(res);
        return;
    }
    for (int r = 0; r < PQntuples(res); r++)
        fprintf(stderr,
                "ward verify: warning: policy %s: %s.%s is in %s, and %s %s "
                "may write it without seeing it in clear: a write the table "
                "refuses tells whether another row holds the value written "
                "(docs/dba-postgres.md, \"Constraints as oracles\")\n",
                policy, PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                PQgetvalue(res, r, 2),
                strcmp(PQgetvalue(res, r, 4), "1") == 0 ? "role" : "roles",
                PQgetvalue(res, r, 3));
    PQclear(res);
}

static int verify_postgres(const char *dsn)
{
    PGconn *db;
    if (cli_pg_connect("verify", dsn, &db) != EXIT_OK)
        return EXIT_USAGE;
    PQclear(PQexec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    PGresult *pol =
        PQexec(db, "SELECT policy, version FROM ward.policy ORDER BY policy");
    if (PQresultStatus(pol) != PGRES_TUPLES_OK || PQntuples(pol) == 0) {
        fprintf(stderr,
                "ward verify: database %s: no ward manifest (%s): apply a "
                "script from `ward compile --target postgres` first\n",
                PQdb(db),
                PQresultStatus(pol) == PGRES_TUPLES_OK ? "no policy applied"
                                                       : PQerrorMessage(db));
        PQclear(pol);
        PQfinish(db);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    for (int i = 0; i < PQntuples(pol) && rc != EXIT_USAGE; i++) {
        const char *policy = PQgetvalue(pol, i, 0);
        StrBuf q;
        sb_init(&q);
        sb_puts(&q, "WITH f AS (");
        emit_postgres_fingerprint(policy, &q);
        sb_puts(&q, "), m AS (SELECT type, name, sha256 FROM ward.manifest "
                    "WHERE policy = $1) SELECT coalesce(m.type, f.type), "
                    "coalesce(m.name, f.name), m.sha256, f.sha256 FROM m FULL "
                    "JOIN f ON f.type = m.type AND f.name = m.name ORDER BY "
                    "1, 2");
        const char *v[1] = {policy};
        PGresult *res = PQexecParams(db, q.data, 1, NULL, v, NULL, NULL, 0);
        sb_free(&q);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            fprintf(stderr, "ward verify: %s", PQerrorMessage(db));
            rc = EXIT_USAGE;
        } else {
            int drift = 0;
            for (int r = 0; r < PQntuples(res); r++)
                drift += drift_line(
                    PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                    PQgetisnull(res, r, 2) ? NULL : PQgetvalue(res, r, 2),
                    PQgetisnull(res, r, 3) ? NULL : PQgetvalue(res, r, 3));
            if (drift) {
                fprintf(stderr,
                        "ward verify: database %s: %d change%s since policy "
                        "%s version %s was applied; re-apply the compiled "
                        "script to restore it\n",
                        PQdb(db), drift, drift == 1 ? "" : "s", policy,
                        PQgetvalue(pol, i, 1));
                rc = EXIT_FAILED;
            } else {
                fprintf(stderr,
                        "ward verify: database %s: policy %s version %s as "
                        "applied (%d objects and catalog tables checked)\n",
                        PQdb(db), policy, PQgetvalue(pol, i, 1),
                        PQntuples(res));
            }
        }
        PQclear(res);
        if (rc != EXIT_USAGE)
            warn_oracles(db, policy);
    }
    PQclear(pol);
    PQfinish(db);
    return rc;
}

int cmd_verify(int argc, char **argv)
{
    Args a = {argc, argv, 1, "verify"};
    const char *path = NULL, *dsn = NULL;
    for (const char *arg; (arg = args_next(&a));) {
        if (strcmp(arg, "--help") == 0)
            return printf("usage: %s\n", USAGE), EXIT_OK;
        if (strncmp(arg, "--dsn", 5) == 0 && (!arg[5] || arg[5] == '=')) {
            if (!(dsn = args_value(&a, arg)))
                return EXIT_USAGE;
            continue;
        }
        if (arg[0] == '-' && arg[1])
            return cli_usage("verify", USAGE, "unknown option '%s'", arg);
        if (path)
            return cli_usage("verify", USAGE, "one database at a time");
        path = arg;
    }
    if (path && dsn)
        return cli_usage("verify", USAGE, "a database file or --dsn, not both");
    if (dsn)
        return verify_postgres(dsn);
    if (!path)
        return cli_usage("verify", USAGE, "no database given");
    sqlite3 *db;
    if (cli_db_open("verify", path, &db) != EXIT_OK)
        return EXIT_USAGE;

    sqlite3_stmt *m = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT m.type, m.name, m.sha256, s.sql FROM "
                           "ward_manifest m LEFT JOIN sqlite_schema s ON "
                           "s.name = m.name AND s.type = m.type ORDER BY "
                           "m.rowid",
                           -1, &m, NULL) != SQLITE_OK) {
        fprintf(stderr,
                "ward verify: %s: no ward manifest (%s): apply a script from "
                "`ward compile --target sqlite` first\n",
                path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return EXIT_USAGE;
    }
    int checked = 0, drift = 0;
    while (sqlite3_step(m) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(m, 0);
        const char *name = (const char *)sqlite3_column_text(m, 1);
        const char *want = (const char *)sqlite3_column_text(m, 2);
        char got[2 * CRYPTO_SHA256_LEN + 1];
        checked++;
        if (strcmp(type, "rows") == 0) {
            size_t n;
            char *text = rows_text(db, name, &n);
            sha_text(text, n, got);
            sqlite3_free(text);
            drift += drift_line(type, name, want, got);
            continue;
        }
        const char *sql = (const char *)sqlite3_column_text(m, 3);
        if (sql)
            sha_text(sql, strlen(sql), got);
        drift += drift_line(type, name, want, sql ? got : NULL);
    }
    sqlite3_finalize(m);

    /* Objects the script did not make: anything named ward_, and any
     * trigger or view on a protected table. */
    sqlite3_stmt *x = NULL;
    sqlite3_prepare_v2(
        db,
        "SELECT s.type, s.name FROM sqlite_schema s WHERE s.type IN "
        "('table', 'view', 'trigger', 'index') AND s.name NOT LIKE "
        "'sqlite_autoindex%' AND s.name <> 'ward_manifest' AND (s.name LIKE "
        "'ward\\_%' ESCAPE '\\' OR (s.type IN ('trigger', 'view') AND "
        "(s.tbl_name IN (SELECT name FROM ward_table) OR s.tbl_name LIKE "
        "'ward\\_%' ESCAPE '\\'))) AND NOT EXISTS (SELECT 1 FROM "
        "ward_manifest m WHERE m.name = s.name AND m.type = s.type) ORDER "
        "BY s.type, s.name",
        -1, &x, NULL);
    while (x && sqlite3_step(x) == SQLITE_ROW)
        drift += drift_line((const char *)sqlite3_column_text(x, 0),
                            (const char *)sqlite3_column_text(x, 1), NULL, "");
    sqlite3_finalize(x);

    sqlite3_stmt *p = NULL;
    const char *policy = "?";
    long long version = 0;
    if (sqlite3_prepare_v2(db, "SELECT name, version FROM ward_policy", -1, &p,
                           NULL) == SQLITE_OK &&
        sqlite3_step(p) == SQLITE_ROW) {
        policy = (const char *)sqlite3_column_text(p, 0);
        version = sqlite3_column_int64(p, 1);
    }
    if (drift)
        fprintf(stderr,
                "ward verify: %s: %d change%s since policy %s version %lld "
                "was applied; re-apply the compiled script to restore it\n",
                path, drift, drift == 1 ? "" : "s", policy, version);
    else
        fprintf(stderr,
                "ward verify: %s: policy %s version %lld as applied (%d "
                "objects and catalog tables checked)\n",
                path, policy, version, checked);
    sqlite3_finalize(p);
    sqlite3_close(db);
    return drift ? EXIT_FAILED : EXIT_OK;
}
