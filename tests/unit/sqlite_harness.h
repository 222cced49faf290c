/*
 * sqlite_harness.h - what the SQLite runtime's C-API tests share: a policy
 * compiled to its SQLite script, and a statement run to its end with its
 * rows as text. Header-only, like check.h: each test program includes it.
 */
#ifndef WARD_SQLITE_HARNESS_H
#define WARD_SQLITE_HARNESS_H

#include "arena.h"
#include "diag.h"
#include "emit_sqlite.h"
#include "model.h"
#include "strbuf.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* harness_compile is the SQLite script of the policy at PATH, or NULL when
 * it does not compile. Malloc'd. */
static inline char *harness_compile(const char *path)
{
    Arena a;
    arena_init(&a);
    Diag d;
    diag_init(&d, &a);
    Model *m = load_policy(&a, &d, path, NULL);
    char *sql = NULL;
    if (m) {
        StrBuf sb;
        sb_init(&sb);
        emit_sqlite(m, &sb);
        sql = strdup(sb.data);
        sb_free(&sb);
    }
    diag_dispose(&d);
    arena_free(&a);
    return sql;
}

/* harness_run prepares (v2) and steps SQL on DB to the end; returns the
 * SQLite code of the first failure or SQLITE_DONE, and the rows joined by
 * '|' and ';' in OUT (N bytes, truncated). */
static inline int harness_run(sqlite3 *db, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    size_t len = 0;
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            len += (size_t)snprintf(out + len, n - len, "%s%s", i ? "|" : "",
                                    t ? t : "NULL");
            if (len >= n)
                len = n - 1;
        }
        len += (size_t)snprintf(out + len, n - len, ";");
        if (len >= n)
            len = n - 1;
    }
    sqlite3_finalize(st);
    return rc;
}

#endif
