/*
 * app.c - the C API walk-through: what an application serving end users
 * does on each connection.
 *
 *     build/examples/app DB ROLES USER [SCENARIO]
 *
 * It opens the database, loads the runtime (ward_runtime_open), sets the
 * session of the user it serves and locks it, then runs its usual query,
 * unchanged; the answer is what the policy lets that user see. Finally it
 * shows that SQL on the locked connection cannot change the session.
 */
#include "ward.h"

#include <stdio.h>

static int fail(sqlite3 *db, char *err)
{
    fprintf(stderr, "app: %s\n", err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    sqlite3_close(db);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: app DB ROLES USER [SCENARIO]\n");
        return 2;
    }
    sqlite3 *db;
    char *err = NULL;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return fail(db, NULL);
    if (ward_runtime_open(db, &err) != SQLITE_OK ||
        ward_session_set(db, argv[2], argv[3], argc == 5 ? argv[4] : NULL, NULL,
                         &err) != SQLITE_OK ||
        ward_session_lock(db, &err) != SQLITE_OK)
        return fail(db, err);

    /* The application's own query: nothing about ward in it. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, name, phone, id_card, medication FROM "
                           "customers ORDER BY id LIMIT 5",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(db, NULL);
    printf("%-4s %-10s %-12s %-19s %s\n", "id", "name", "phone", "id_card",
           "medication");
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *v[5];
        for (int i = 0; i < 5; i++) {
            v[i] = (const char *)sqlite3_column_text(st, i);
            v[i] = v[i] ? v[i] : "NULL";
        }
        printf("%-4s %-10s %-12s %-19s %s\n", v[0], v[1], v[2], v[3], v[4]);
    }
    sqlite3_finalize(st);

    /* An end user's SQL on this connection cannot become someone else. */
    if (sqlite3_exec(db, "SELECT ward_session('compliance', 'x', NULL, NULL)",
                     NULL, NULL, &err) != SQLITE_OK) {
        printf("changing the session: %s\n", err);
        sqlite3_free(err);
    }
    sqlite3_close(db);
    return 0;
}
