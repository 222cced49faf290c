/*
 * sqlite_guard.c - the authorizer and the statement-end hook.
 *
 * While a session is set, SQL on the connection goes through the session's
 * views. The authorizer (consulted when a statement is prepared) refuses:
 *   - reading or writing a protected table other than through the views
 *     and triggers ward made for the session (`SELECT * FROM
 *     main.customers` is refused; `SELECT * FROM customers` reads the view);
 *   - writing ward's own tables (catalog, audit log, approvals), and
 *     reading the audit log and the approvals: whether an UPDATE left an
 *     audit row would tell a guessed masked value from a wrong one;
 *   - changing the schema (views, triggers, tables in main; ATTACH), which
 *     could unmake the views; temp tables and indexes stay allowed;
 *   - PRAGMAs that set something (schema introspection stays allowed),
 *     load_extension() and the shell's file functions;
 *   - calling ward's internal functions other than from its own views and
 *     triggers.
 * Statements the runtime runs itself (w->internal) are not restricted.
 *
 * The statement hooks (sqlite3_trace_v2): at the start of a session's
 * statement, one that names a CTE after a protected table or ward_ is
 * interrupted (SQLite would report its reads as coming from a view of that
 * name: sqlite_cte.c); at the end of a top-level statement the read-audit
 * records are appended and the approvals it used released.
 */
#include "sqlite_rt.h"

#include <string.h>

static bool is_protected(const WardConn *w, const char *table)
{
    for (int i = 0; table && i < w->ntables; i++)
        if (sqlite3_stricmp(w->tables[i].name, table) == 0)
            return true;
    return false;
}

/* ward_ names: the runtime's own objects (views, triggers, tables). */
static bool is_ward(const char *name)
{
    return name && sqlite3_strnicmp(name, "ward_", 5) == 0;
}

/* The innermost view or trigger is one the runtime made for the session,
 * or one the compiled script made. */
static bool from_ward(const WardConn *w, const char *ctx)
{
    return ctx && (is_ward(ctx) || is_protected(w, ctx));
}

static bool is_private(const char *table)
{
    return table && (sqlite3_stricmp(table, "ward_audit") == 0 ||
                     sqlite3_stricmp(table, "ward_request") == 0 ||
                     sqlite3_stricmp(table, "ward_vote") == 0);
}

static bool is_temp(const char *db)
{
    return db && strcmp(db, "temp") == 0;
}

static const char *const INTERNAL_FUNCTIONS[] = {
    "ward_read",
    "ward_insert",
    "ward_update",
    "ward_delete",
    "ward_export",
    "ward_unmask",
    "ward_chain",
    "ward_audit_write",
    "ward_decrypt",
    "load_extension",
    /* keyed: a session that could call them could confirm a guessed value
     * against a pseudonym; the views call them for it */
    "ward_hmac",
    "ward_encrypt",
    /* the stock shell's file functions: a session reads through SQL only */
    "readfile",
    "writefile",
    "edit",
};

/* Pragmas that only describe the schema, which applications and ORMs ask
 * with an argument (PRAGMA table_info(customers)). */
static const char *const READ_PRAGMAS[] = {
    "table_info",      "table_xinfo",   "table_list",       "index_list",
    "index_info",      "index_xinfo",   "foreign_key_list", "database_list",
    "collation_list",  "function_list", "module_list",      "pragma_list",
    "compile_options",
};

static bool read_pragma(const char *name)
{
    for (size_t i = 0; i < sizeof READ_PRAGMAS / sizeof *READ_PRAGMAS; i++)
        if (name && sqlite3_stricmp(name, READ_PRAGMAS[i]) == 0)
            return true;
    return false;
}

static int authorize(void *p, int action, const char *a1, const char *a2,
                     const char *db, const char *ctx)
{
    WardConn *w = p;
    if (!w->active || w->internal)
        return SQLITE_OK;
    switch (action) {
    case SQLITE_READ:
        /* A statement that reads no column of a table (count(*)) is
         * reported with an empty column and without the view it came
         * through: allowed, so counting rows through the views works; it
         * reveals the table's row count and nothing else. */
        /* The audit log and the approvals say what others did, and what a
         * write changed (even their row count): an oracle for a masked
         * value. */
        if (!is_temp(db) && is_private(a1))
            return SQLITE_DENY;
        if (a2 && !*a2)
            return SQLITE_OK;
        if (!is_temp(db) && is_protected(w, a1) && !from_ward(w, ctx))
            return SQLITE_DENY;
        return SQLITE_OK;
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
        if (is_temp(db))
            /* The session's views (their triggers route the write) and the
             * application's own temp tables. */
            return SQLITE_OK;
        if (is_ward(a1) || is_protected(w, a1))
            return SQLITE_DENY;
        return SQLITE_OK;
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_DROP_TEMP_INDEX:
        return is_ward(a1) || is_protected(w, a1) ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_TEMP_TRIGGER:
    case SQLITE_CREATE_TEMP_VIEW:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_VIEW:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_TEMP_TRIGGER:
    case SQLITE_DROP_TEMP_VIEW:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_VIEW:
    case SQLITE_ALTER_TABLE:
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_VTABLE:
    case SQLITE_REINDEX:
    case SQLITE_ANALYZE: return SQLITE_DENY;
    case SQLITE_PRAGMA:
        /* Reading a setting or the schema is fine; setting one is the
         * DBA's job. */
        return a2 == NULL || read_pragma(a1) ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_FUNCTION:
        for (size_t i = 0;
             i < sizeof INTERNAL_FUNCTIONS / sizeof *INTERNAL_FUNCTIONS; i++)
            if (a2 && sqlite3_stricmp(a2, INTERNAL_FUNCTIONS[i]) == 0)
                return from_ward(w, ctx) && strncmp(a2, "ward_", 5) == 0
                           ? SQLITE_OK
                           : SQLITE_DENY;
        return SQLITE_OK;
    default: return SQLITE_OK;
    }
}

/* nested: another statement of the connection is still running, so the
 * one that just ended (one of the runtime's own, finalised inside a
 * function call) is not the end of the session's statement. */
static bool nested(WardConn *w, sqlite3_stmt *ended)
{
    for (sqlite3_stmt *s = sqlite3_next_stmt(w->db, NULL); s;
         s = sqlite3_next_stmt(w->db, s))
        if (s != ended && sqlite3_stmt_busy(s))
            return true;
    return false;
}

static int statement_hook(unsigned type, void *p, void *stmt, void *x)
{
    WardConn *w = p;
    if (w->internal)
        return 0;
    if (type == SQLITE_TRACE_STMT) {
        /* A statement that names a CTE after a protected table or ward_
         * would pass its reads off as the session's views: stop it before
         * its first row. */
        const char *sql = x;
        if (w->active && sql && strncmp(sql, "--", 2) != 0 &&
            rt_cte_shadows(w, sql))
            sqlite3_interrupt(w->db);
        return 0;
    }
    if (type == SQLITE_TRACE_PROFILE && !nested(w, stmt)) {
        rt_audit_statement_end(w);
        rt_approval_statement_end(w);
    }
    return 0;
}

int rt_guard_install(sqlite3 *db, WardConn *w)
{
    int rc = sqlite3_set_authorizer(db, authorize, w);
    if (rc == SQLITE_OK)
        rc = sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE,
                              statement_hook, w);
    return rc;
}
