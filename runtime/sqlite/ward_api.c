/*
 * ward_api.c - the C API of ward.h, on top of the SQL functions.
 */
#include "ward.h"

#include <stddef.h>

int ward_runtime_open(sqlite3 *db, char **err)
{
    if (err)
        *err = NULL;
    return sqlite3_ward_init(db, err, NULL);
}

/* call runs SQL with up to four text bindings (NULL binds NULL). */
static int call(sqlite3 *db, const char *sql, const char *const *args,
                int nargs, char **err)
{
    if (err)
        *err = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    for (int i = 0; rc == SQLITE_OK && i < nargs; i++)
        rc = args[i] ? sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC)
                     : sqlite3_bind_null(st, i + 1);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc != SQLITE_OK && err)
        *err = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

int ward_session_set(sqlite3 *db, const char *roles, const char *user,
                     const char *scenario, const char *attrs, char **err)
{
    const char *args[4] = {roles, user, scenario, attrs};
    return call(db, "SELECT ward_session(?1, ?2, ?3, ?4)", args, 4, err);
}

int ward_session_end(sqlite3 *db, char **err)
{
    return call(db, "SELECT ward_session_end()", NULL, 0, err);
}

int ward_clock_set(sqlite3 *db, const char *at, char **err)
{
    const char *args[1] = {at};
    return call(db, "SELECT ward_clock(?1)", args, 1, err);
}

int ward_session_lock(sqlite3 *db, char **err)
{
    return call(db, "SELECT ward_lock()", NULL, 0, err);
}
