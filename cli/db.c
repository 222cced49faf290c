/*
 * db.c - opening a database for the commands that inspect one (verify,
 * audit verify, key load): a SQLite file read-only, never creating a file
 * that is not there; a PostgreSQL server by its DSN.
 */
#include "cli.h"

#include <stdio.h>

int cli_db_open(const char *cmd, const char *path, sqlite3 **out)
{
    *out = NULL;
    int rc = sqlite3_open_v2(path, out, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(*out, "SELECT count(*) FROM sqlite_schema", NULL,
                          NULL, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "ward %s: cannot open '%s': %s\n", cmd, path,
                *out ? sqlite3_errmsg(*out) : sqlite3_errstr(rc));
        sqlite3_close(*out);
        *out = NULL;
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cli_pg_connect(const char *cmd, const char *dsn, PGconn **out)
{
    *out = PQconnectdb(dsn);
    /* Text as the server keeps it: the audit chain hashes UTF-8 bytes. */
    if (PQstatus(*out) == CONNECTION_OK &&
        PQsetClientEncoding(*out, "UTF8") == 0) {
        PQclear(PQexec(*out, "SET client_min_messages = warning"));
        return EXIT_OK;
    }
    fprintf(stderr, "ward %s: cannot connect: %s", cmd, PQerrorMessage(*out));
    PQfinish(*out);
    *out = NULL;
    return EXIT_USAGE;
}
