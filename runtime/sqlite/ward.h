/*
 * ward.h - the ward runtime's C API for applications on SQLite.
 *
 * An application opens its database as usual, loads the runtime into the
 * connection, sets the session of the user it serves, and locks it; from
 * then on every query on that connection sees what the compiled policy
 * says, and the session cannot be changed by SQL:
 *
 *     sqlite3 *db;
 *     sqlite3_open("pharmacy.db", &db);
 *     char *err = NULL;
 *     if (ward_runtime_open(db, &err) != SQLITE_OK ||
 *         ward_session_set(db, "cs_agent", "a01", "outbound_call", NULL,
 *                          &err) != SQLITE_OK ||
 *         ward_session_lock(db, &err) != SQLITE_OK) {
 *         fprintf(stderr, "%s\n", err);
 *         sqlite3_free(err);
 *     }
 *
 * The same functions exist in SQL (ward_session, ward_lock; docs/dba-sqlite.md)
 * for the stock shell with `.load ward`. Errors come back as SQLite codes
 * with a message in *ERR (free it with sqlite3_free; ERR may be NULL). A
 * refusal's message starts with "ward: [code]", e.g. "[unknown-role]".
 *
 * Link with libward.a, -lsqlite3, -lcrypto and -lm (pkg-config --libs ward).
 */
#ifndef WARD_H
#define WARD_H

#include <sqlite3.h>

/* The layout of the catalog a compiled script writes (ward_policy.format):
 * the runtime refuses a database whose policy has another. */
#define WARD_SQLITE_FORMAT 3

/* ward_runtime_open registers the runtime on DB. Loading twice is a no-op. */
int ward_runtime_open(sqlite3 *db, char **err);

/* ward_session_set sets the session: ROLES comma-separated (each one of the
 * policy's roles), USER (may be NULL), SCENARIO (NULL for none), ATTRS a JSON
 * object such as {"store_id": 7} or NULL. */
int ward_session_set(sqlite3 *db, const char *roles, const char *user,
                     const char *scenario, const char *attrs, char **err);

/* ward_session_end returns an unlocked connection to no session (the
 * connection's owner); a locked one refuses with [session-locked]. */
int ward_session_end(sqlite3 *db, char **err);

/* ward_session_lock fixes the session for the rest of the connection:
 * later ward_session_set and ward_session() calls fail [session-locked]. */
int ward_session_lock(sqlite3 *db, char **err);

/* ward_clock_set fixes the runtime's clock on DB at AT ("2026-12-01T10:00:00Z",
 * UTC), or lets it run again with NULL: the time of audit records,
 * requests and votes, and of expiry. For tests (a corpus step's `at:`);
 * refused while a session is set. SQL: SELECT ward_clock(at). */
int ward_clock_set(sqlite3 *db, const char *at, char **err);

/* ward_audit_fold adds to the audit log of the database file PATH the
 * records that connections of ended processes left in audit journals next
 * to it (docs/dba-sqlite.md, "Reads and the audit log"); *FOLDED gets how
 * many journals. Returns an SQLite code, with a message in *ERR. */
int ward_audit_fold(const char *path, int *folded, char **err);

/* ward_audit_journals counts the audit journals next to the database file
 * PATH: of open connections, or of processes that ended without closing. */
int ward_audit_journals(const char *path);

/* sqlite3_ward_init is the loadable extension's entry point; in a program,
 * ward_runtime_open calls it. */
int sqlite3_ward_init(sqlite3 *db, char **err,
                      const struct sqlite3_api_routines *api);

#endif
