/*
 * app.c - the C API walk-through (runtime/sqlite/ward.h): what an application
 * that serves end users does on each of its connections.
 *
 *     build/examples/app DB ROLES USER [SCENARIO]
 *
 * It opens the database, loads the runtime into the connection
 * (ward_runtime_open), sets the session of the user it serves
 * (ward_session_set) and locks it (ward_session_lock). Then it runs its
 * usual query, unchanged: the answer is what the compiled policy lets that
 * user see, masked columns masked, hidden ones NULL, rows filtered, and
 * the read recorded in the audit log. Last, it shows that SQL on the
 * locked connection (say, an end user's report query) cannot change the
 * session: ward_session() fails with [session-locked].
 *
 * Exit status: 0, 1 on a runtime error (or a session that did not stay
 * locked), 2 on bad usage. Build: `make` links it with build/libward.a,
 * -lsqlite3 and -lcrypto, like any application.
 */
#include "ward.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define NCOLS 5 /* columns of the application's query */
#define NROWS 5 /* its LIMIT */

/* The application's own query: nothing about ward in it. */
static const char QUERY[] = "SELECT id, name, phone, id_card, medication "
                            "FROM customers ORDER BY id LIMIT 5";

/*
 * display_width returns how many terminal columns the UTF-8 text S takes:
 * East Asian wide characters (CJK, Hangul, full-width forms) take two, so
 * that 张** lines up under ASCII. Continuation bytes take none.
 */
static int display_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        /* Lead bytes E3..ED start U+3000..U+DFFF (CJK through Hangul);
         * EF BC and EF BD start the full-width forms; F0.. is mostly
         * emoji and rare ideographs. */
        bool wide = (*p >= 0xE3 && *p <= 0xED) || *p >= 0xF0 ||
                    (*p == 0xEF && (p[1] == 0xBC || p[1] == 0xBD));
        w += wide ? 2 : 1;
    }
    return w;
}

/* print_cell prints S padded to WIDTH terminal columns, then a gap. */
static void print_cell(const char *s, int width, bool last)
{
    fputs(s, stdout);
    if (last) {
        putchar('\n');
        return;
    }
    for (int pad = width - display_width(s) + 2; pad > 0; pad--)
        putchar(' ');
}

/* fail reports the connection's error (or ERR, which it frees), closes DB
 * and returns the exit status of a runtime error. */
static int fail(sqlite3 *db, const char *doing, char *err)
{
    fprintf(stderr, "app: %s: %s\n", doing, err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    sqlite3_close(db);
    return 1;
}

/*
 * print_query runs QUERY on DB and prints its rows as aligned text, NULL
 * for a NULL (hidden) value. Returns 0, or -1 with the error in DB.
 */
static int print_query(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    char *cell[NROWS + 1][NCOLS] = {{NULL}}; /* sqlite3_malloc'd; row 0:
                                                the column names */
    int width[NCOLS] = {0};
    int nrows = 1, rc = SQLITE_DONE;
    if (sqlite3_prepare_v2(db, QUERY, -1, &st, NULL) != SQLITE_OK)
        return -1;
    for (int c = 0; c < NCOLS; c++)
        cell[0][c] = sqlite3_mprintf("%s", sqlite3_column_name(st, c));
    while (nrows <= NROWS && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < NCOLS; c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            cell[nrows][c] = sqlite3_mprintf("%s", v ? v : "NULL");
        }
        nrows++;
    }
    bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    sqlite3_finalize(st);
    for (int r = 0; ok && r < nrows; r++)
        for (int c = 0; c < NCOLS; c++) {
            if (!cell[r][c]) {
                ok = false; /* out of memory */
                break;
            }
            int w = display_width(cell[r][c]);
            width[c] = w > width[c] ? w : width[c];
        }
    for (int r = 0; ok && r < nrows; r++) {
        for (int c = 0; c < NCOLS; c++)
            print_cell(cell[r][c], width[c], c == NCOLS - 1);
        if (r == 0) /* a rule under the header */
            for (int c = 0; c < NCOLS; c++) {
                for (int i = 0; i < width[c]; i++)
                    putchar('-');
                fputs(c == NCOLS - 1 ? "\n" : "  ", stdout);
            }
    }
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < NCOLS; c++)
            sqlite3_free(cell[r][c]);
    return ok ? 0 : -1;
}

/* print_session prints whom the connection now serves, as the runtime
 * sees it: the roles closed under `inherits`. */
static int print_session(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT ward_user(), ward_roles(), "
                           "coalesce(ward_scenario(), 'none')",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return -1;
    }
    printf("session: user %s, roles %s, scenario %s; locked\n",
           sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
           sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: app DB ROLES USER [SCENARIO]\n"
                        "  ROLES is comma-separated, e.g. pharmacist or "
                        "cs_agent,compliance\n");
        return 2;
    }
    const char *path = argv[1], *roles = argv[2], *user = argv[3];
    const char *scenario = argc == 5 ? argv[4] : NULL;

    /* 1. Open the database as usual; the policy is already applied. */
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return fail(db, path, NULL);

    /* 2. Load the runtime, set the session of the user this connection
     *    serves, and lock it before any of that user's SQL runs. */
    char *err = NULL;
    if (ward_runtime_open(db, &err) != SQLITE_OK)
        return fail(db, "loading the runtime", err);
    if (ward_session_set(db, roles, user, scenario, NULL, &err) != SQLITE_OK)
        return fail(db, "setting the session", err);
    if (ward_session_lock(db, &err) != SQLITE_OK)
        return fail(db, "locking the session", err);
    if (print_session(db) < 0)
        return fail(db, "reading the session", NULL);

    /* 3. The application's query, as it always was. */
    printf("\n%s\n", QUERY);
    if (print_query(db) < 0)
        return fail(db, "customers", NULL);

    /* 4. SQL on this connection cannot become someone else. */
    static const char BECOME[] =
        "SELECT ward_session('compliance', 'x', NULL, NULL)";
    printf("\n%s\n", BECOME);
    if (sqlite3_exec(db, BECOME, NULL, NULL, &err) == SQLITE_OK) {
        fprintf(stderr, "app: the session changed after ward_session_lock\n");
        sqlite3_close(db);
        return 1;
    }
    if (!err || !strstr(err, "[session-locked]"))
        return fail(db, "changing the session", err);
    printf("refused: %s\n", err);
    sqlite3_free(err);
    sqlite3_close(db);
    return 0;
}
