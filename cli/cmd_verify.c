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
 */
#include "cli.h"

#include "crypto.h"

#include <stdio.h>
#include <string.h>

#define USAGE "ward verify DATABASE"

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

int cmd_verify(int argc, char **argv)
{
    Args a = {argc, argv, 1, "verify"};
    const char *path = NULL;
    for (const char *arg; (arg = args_next(&a));) {
        if (strcmp(arg, "--help") == 0)
            return printf("usage: %s\n", USAGE), EXIT_OK;
        if (arg[0] == '-' && arg[1])
            return cli_usage("verify", USAGE, "unknown option '%s'", arg);
        if (path)
            return cli_usage("verify", USAGE, "one database at a time");
        path = arg;
    }
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
            if (strcmp(got, want) != 0) {
                printf("changed: the rows of %s (the policy's decisions) "
                       "were edited\n",
                       name);
                drift++;
            }
            continue;
        }
        const char *sql = (const char *)sqlite3_column_text(m, 3);
        if (!sql) {
            printf("dropped: %s %s\n", type, name);
            drift++;
            continue;
        }
        sha_text(sql, strlen(sql), got);
        if (strcmp(got, want) != 0) {
            printf("changed: %s %s\n", type, name);
            drift++;
        }
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
    while (x && sqlite3_step(x) == SQLITE_ROW) {
        printf("added: %s %s\n", sqlite3_column_text(x, 0),
               sqlite3_column_text(x, 1));
        drift++;
    }
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
