/*
 * sqlite_guard.c - the authorizer and the statement-end hook.
 *
 * While a session is set, the authorizer (consulted whenever a statement is
 * prepared) lets through only what is on its allow-lists:
 *   - reads: the session's temp virtual tables, the temp tables and views
 *     the session made itself, the ordinary tables of main and attached
 *     databases that are not protected, not ward's and not SQLite's own
 *     (as they were when the session started), the schema tables, and the
 *     table-valued functions json_each and json_tree. Never a protected
 *     table, a ward_ table, sqlite_sequence, sqlite_stat*, dbstat or
 *     sqlite_stmt, in any schema;
 *   - writes: the same, less the schema tables (SQLite refuses those);
 *   - functions: SQLite's side-effect-free built-ins and ward's functions
 *     meant for sessions (fts3_tokenizer, load_extension, the shell's file
 *     functions, keyed masks and ward's internal functions are not);
 *   - DDL: temp tables, temp views and indexes on the session's own temp
 *     tables; never a trigger, never an object in main, never ATTACH;
 *   - PRAGMAs that describe the schema, and reading a few settings.
 * Nothing is decided by the name of the view, trigger or CTE a read is
 * reported from, or by a statement's text: a statement chooses those. The
 * one thing trusted is WardConn.internal, set only while the runtime
 * prepares or steps its own statements. Refusals reach the application as
 * SQLite's own authorization error (SQLITE_AUTH, "not authorized" or
 * "access to ... is prohibited"); the reason goes to SQLite's error log as
 * "ward: [denied] ...".
 *
 * The statement-end hook (sqlite3_trace_v2 PROFILE) appends the audit
 * records of each statement of the session when it ends, drops a temp
 * table it made with a DEFAULT that would call a function, and releases
 * the approvals in use once no statement of the session runs.
 */
#include "sqlite_rt.h"

#include <stdlib.h>
#include <string.h>

/* SQLite's built-in functions with no effect outside the statement. */
/* clang-format off */
static const char *const FUNCTIONS[] = {
    "->", "->>", "abs", "acos", "acosh", "asin", "asinh", "atan", "atan2",
    "atanh", "avg", "ceil", "ceiling", "changes", "char", "coalesce",
    "concat", "concat_ws", "cos", "cosh", "count", "cume_dist",
    "current_date", "current_time", "current_timestamp", "date", "datetime",
    "degrees", "dense_rank", "exp", "first_value", "floor", "format", "glob",
    "group_concat", "hex", "ifnull", "iif", "instr", "json", "json_array",
    "json_array_length", "json_error_position", "json_extract",
    "json_group_array", "json_group_object", "json_insert", "json_object",
    "json_patch", "json_pretty", "json_quote", "json_remove", "json_replace",
    "json_set", "json_type", "json_valid", "jsonb", "jsonb_array",
    "jsonb_extract", "jsonb_group_array", "jsonb_group_object",
    "jsonb_insert", "jsonb_object", "jsonb_patch", "jsonb_remove",
    "jsonb_replace", "jsonb_set", "julianday", "lag", "last_insert_rowid",
    "last_value", "lead", "length", "like", "likelihood", "likely", "ln",
    "log", "log10", "log2", "lower", "ltrim", "max", "min", "mod",
    "nth_value", "ntile", "nullif", "octet_length", "percent_rank", "pi",
    "pow", "power", "printf", "quote", "radians", "random", "randomblob",
    "rank", "replace", "round", "row_number", "rtrim", "sign", "sin", "sinh",
    "soundex", "sqlite_compileoption_get", "sqlite_compileoption_used",
    "sqlite_source_id", "sqlite_version", "sqrt", "strftime", "string_agg",
    "substr", "substring", "sum", "tan", "tanh", "time", "timediff", "total",
    "total_changes", "trim", "trunc", "typeof", "unhex", "unicode",
    "unixepoch", "unlikely", "upper", "zeroblob",
    /* ward's, for sessions */
    "ward_session", "ward_lock", "ward_session_end", "ward_attr", "ward_user",
    "ward_roles", "ward_scenario", "ward_request", "ward_approve",
    "ward_runtime_version", "ward_date",
};
/* clang-format on */

/* PRAGMAs that describe the schema, with or without an argument (a table
 * or index name), and settings a session may read but not set. */
/* clang-format off */
static const char *const PRAGMAS_NAMED[] = {
    "table_info", "table_xinfo", "table_list",       "index_list",
    "index_info", "index_xinfo", "foreign_key_list",
};
static const char *const PRAGMAS_READ[] = {
    "database_list",   "collation_list", "function_list", "module_list",
    "pragma_list",     "compile_options", "encoding",     "foreign_keys",
    "user_version",    "application_id",  "schema_version",
};

/* clang-format on */

/* The table-valued functions a session may read. */
static const char *const TABLE_FUNCTIONS[] = {
    "json_each",          "json_tree",          "pragma_table_info",
    "pragma_table_xinfo", "pragma_table_list",  "pragma_index_list",
    "pragma_index_info",  "pragma_index_xinfo", "pragma_foreign_key_list",
};

static bool in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (sqlite3_stricmp(name, list[i]) == 0)
            return true;
    return false;
}

#define IN(list, name) in_list(list, sizeof list / sizeof *list, name)

/* mask_function: a ward_<mask> function that is not keyed (a keyed one
 * would confirm a guessed value against a pseudonym). */
static bool mask_function(const char *name)
{
    if (!name || sqlite3_strnicmp(name, "ward_", 5) != 0)
        return false;
    for (size_t i = 0; i < mask_spec_count(); i++) {
        const MaskSpec *s = mask_spec_at(i);
        if (sqlite3_stricmp(name + 5, s->name) == 0)
            return !s->keyed;
    }
    return false;
}

static bool is_temp(const char *db)
{
    return db && sqlite3_stricmp(db, "temp") == 0;
}

static bool schema_table(const char *name)
{
    return name && (sqlite3_stricmp(name, "sqlite_master") == 0 ||
                    sqlite3_stricmp(name, "sqlite_schema") == 0 ||
                    sqlite3_stricmp(name, "sqlite_temp_master") == 0 ||
                    sqlite3_stricmp(name, "sqlite_temp_schema") == 0);
}

/* readable: TABLE in schema DB (main or attached) is on the allow-list. */
static bool readable(WardConn *w, const char *db, const char *table)
{
    char *key = sqlite3_mprintf("%s.%s", db, table);
    bool yes = key && rt_names_has(&w->readable, key);
    sqlite3_free(key);
    return yes;
}

/* readable_anywhere: TABLE, named without a schema, is readable in the
 * schema SQLite finds it in, whichever that is. */
static bool readable_anywhere(WardConn *w, const char *table)
{
    for (int i = 0; i < w->readable.n; i++) {
        const char *dot = strchr(w->readable.v[i], '.');
        if (dot && sqlite3_stricmp(dot + 1, table) == 0)
            return true;
    }
    return false;
}

static void denied(const char *what, const char *a, const char *b)
{
    sqlite3_log(SQLITE_AUTH, "ward: [denied] a session may not %s %s%s%s", what,
                a ? a : "", b ? "." : "", b ? b : "");
}

/*
 * read_ok decides a read of a column of TABLE in DB. SQLite reports a table
 * read for no column (count(*)) with an empty COLUMN and, when the statement
 * named no schema, a NULL DB: the table is then the first of that name in
 * temp, main, attached order, except inside a view or trigger of main,
 * where it is main's, and CTX (the view, trigger or CTE it is reported
 * from) is a name anyone can choose. So a protected name read that way is
 * allowed only from the statement itself (CTX NULL), where it is the
 * session's virtual table.
 */
static bool read_ok(WardConn *w, const char *table, const char *db,
                    const char *ctx)
{
    if (!table)
        return false;
    if (schema_table(table))
        return true;
    if (!db) {
        if (rt_names_has(&w->protected, table) ||
            rt_names_has(&w->vtabs, table))
            return rt_names_has(&w->vtabs, table) && !ctx;
        if (rt_names_has(&w->own, table) || readable_anywhere(w, table) ||
            IN(TABLE_FUNCTIONS, table))
            return true;
        /* Any other name of the database is off the allow-list; a name the
         * database does not have is the statement's own CTE. A table made
         * since the session started is not on the lists: ask SQLite. */
        return !rt_names_has(&w->unreadable, table) &&
               sqlite3_strnicmp(table, "ward_", 5) != 0 &&
               sqlite3_strnicmp(table, "sqlite_", 7) != 0 &&
               sqlite3_table_column_metadata(w->db, NULL, table, NULL, NULL,
                                             NULL, NULL, NULL,
                                             NULL) != SQLITE_OK;
    }
    if (is_temp(db))
        return rt_names_has(&w->own, table) || rt_names_has(&w->vtabs, table);
    if (readable(w, db, table))
        return true;
    /* Eponymous table-valued functions live in main. */
    return sqlite3_stricmp(db, "main") == 0 && IN(TABLE_FUNCTIONS, table) &&
           !rt_names_has(&w->protected, table);
}

static bool write_ok(WardConn *w, const char *table, const char *db)
{
    if (!table || !db)
        return false;
    if (is_temp(db))
        return rt_names_has(&w->own, table) || rt_names_has(&w->vtabs, table) ||
               schema_table(table);
    /* SQLite itself refuses writes of sqlite_master by SQL; its own code
     * reports them when it makes an eponymous virtual table. */
    return schema_table(table) || readable(w, db, table);
}

/* own_name: a name the session may give a temp table, view or index: one
 * the database does not have in any schema, so that nothing the session
 * makes can stand for something else (a table the application uses, a
 * trigger of main whose reads would then look like the session's). */
static bool own_name(WardConn *w, const char *name)
{
    return name && sqlite3_strnicmp(name, "ward_", 5) != 0 &&
           sqlite3_strnicmp(name, "sqlite_", 7) != 0 &&
           sqlite3_strnicmp(name, "pragma_", 7) != 0 &&
           !rt_names_has(&w->protected, name) &&
           !rt_names_has(&w->vtabs, name) &&
           !rt_names_has(&w->unreadable, name) && !readable_anywhere(w, name);
}

static int authorize(void *p, int action, const char *a1, const char *a2,
                     const char *db, const char *ctx)
{
    WardConn *w = p;
    if (!w->active || w->internal)
        return SQLITE_OK;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
    case SQLITE_RECURSIVE: return SQLITE_OK;
    case SQLITE_READ:
        if (read_ok(w, a1, db, ctx))
            return SQLITE_OK;
        denied("read", a1, a2);
        return SQLITE_DENY;
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
        if (write_ok(w, a1, db))
            return SQLITE_OK;
        denied("write", a1, NULL);
        return SQLITE_DENY;
    case SQLITE_FUNCTION:
        if (IN(FUNCTIONS, a2) || mask_function(a2))
            return SQLITE_OK;
        denied("call", a2, NULL);
        return SQLITE_DENY;
    case SQLITE_PRAGMA:
        if (IN(PRAGMAS_NAMED, a1) || (IN(PRAGMAS_READ, a1) && !a2))
            return SQLITE_OK;
        denied("run the pragma", a1, NULL);
        return SQLITE_DENY;
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_TEMP_VIEW:
        /* The object becomes the session's once it exists and has been
         * checked, after the statement (rt_guard_statement_end). */
        if (own_name(w, a1)) {
            w->own_watch = true;
            return SQLITE_OK;
        }
        denied("create", a1, NULL);
        return SQLITE_DENY;
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_DROP_TEMP_VIEW:
        if (rt_names_has(&w->own, a1))
            return SQLITE_OK;
        denied("drop", a1, NULL);
        return SQLITE_DENY;
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_DROP_TEMP_INDEX:
        if (rt_names_has(&w->own, a2) && own_name(w, a1))
            return SQLITE_OK;
        denied("index", a2, NULL);
        return SQLITE_DENY;
    default:
        /* Triggers, anything in main, ATTACH, ALTER, ANALYZE, REINDEX,
         * virtual tables: never. */
        denied("change the schema:", a1, NULL);
        return SQLITE_DENY;
    }
}

/* add_schema records the tables of schema DB a session may use, and the
 * names of the others. */
static int add_schema(WardConn *w, const char *db, char **err)
{
    /* table_list tells ordinary tables from views, virtual tables and
     * the shadow tables behind them (a full-text index's). */
    char *sql = sqlite3_mprintf("SELECT name, type = 'table' FROM "
                                "pragma_table_list WHERE schema = %Q",
                                db);
    sqlite3_stmt *st = NULL;
    int rc = sql ? rt_prepare(w, sql, &st) : SQLITE_NOMEM;
    sqlite3_free(sql);
    while (rc == SQLITE_OK && (rc = rt_step(w, st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        const char *name = (const char *)sqlite3_column_text(st, 0);
        bool ordinary = sqlite3_column_int(st, 1) != 0;
        if (!name)
            continue;
        if (!ordinary || sqlite3_strnicmp(name, "ward_", 5) == 0 ||
            sqlite3_strnicmp(name, "sqlite_", 7) == 0 ||
            rt_names_has(&w->protected, name)) {
            if (!rt_names_has(&w->vtabs, name) &&
                !rt_names_add(&w->unreadable, name))
                rc = SQLITE_NOMEM;
            continue;
        }
        char *key = sqlite3_mprintf("%s.%s", db, name);
        if (!key || !rt_names_add(&w->readable, key))
            rc = SQLITE_NOMEM;
        sqlite3_free(key);
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (rc != SQLITE_OK && !*err)
        *err = sqlite3_mprintf("%s", sqlite3_errmsg(w->db));
    rt_finalize(w, st);
    return rc;
}

/* add_names adds the first column of SQL's rows to the unreadable names,
 * but for the runtime's own virtual tables. */
static int add_names(WardConn *w, const char *sql, char **err)
{
    sqlite3_stmt *st = NULL;
    int rc = rt_prepare(w, sql, &st);
    while (rc == SQLITE_OK && (rc = rt_step(w, st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        rc = !name || rt_names_has(&w->vtabs, name) ||
                     rt_names_add(&w->unreadable, name)
                 ? SQLITE_OK
                 : SQLITE_NOMEM;
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (rc != SQLITE_OK && !*err)
        *err = sqlite3_mprintf("%s", sqlite3_errmsg(w->db));
    rt_finalize(w, st);
    return rc;
}

/* add_temp: what temp holds before the session (the application's) is
 * neither readable nor the session's. */
static int add_temp(WardConn *w, char **err)
{
    int before = w->unreadable.n;
    int rc = add_names(w, "SELECT name FROM temp.sqlite_schema", err);
    rt_names_clear(&w->at_start);
    for (int i = before; rc == SQLITE_OK && i < w->unreadable.n; i++)
        if (!rt_names_add(&w->at_start, w->unreadable.v[i]))
            rc = SQLITE_NOMEM;
    return rc;
}

/* add_others names every index and trigger of the other schemas: a session
 * may not name its objects after them. */
static int add_others(WardConn *w, const char *db, char **err)
{
    char *sql = sqlite3_mprintf("SELECT name FROM \"%w\".sqlite_schema WHERE "
                                "type IN ('index', 'trigger')",
                                db);
    int rc = sql ? add_names(w, sql, err) : SQLITE_NOMEM;
    sqlite3_free(sql);
    return rc;
}

static int add_modules(WardConn *w, char **err)
{
    return add_names(w, "SELECT name FROM pragma_module_list", err);
}

int rt_guard_snapshot(WardConn *w, char **err)
{
    rt_names_clear(&w->readable);
    rt_names_clear(&w->unreadable);
    sqlite3_stmt *st = NULL;
    /* temp too: what the application made there before the session is
     * not the session's. */
    int rc = rt_prepare(w, "SELECT name FROM pragma_database_list", &st);
    RtNames dbs = {0};
    while (rc == SQLITE_OK && (rc = rt_step(w, st)) == SQLITE_ROW) {
        rc = rt_names_add(&dbs, (const char *)sqlite3_column_text(st, 0))
                 ? SQLITE_OK
                 : SQLITE_NOMEM;
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    rt_finalize(w, st);
    for (int i = 0; rc == SQLITE_OK && i < dbs.n; i++) {
        if (sqlite3_stricmp(dbs.v[i], "temp") == 0)
            rc = add_temp(w, err);
        else if ((rc = add_schema(w, dbs.v[i], err)) == SQLITE_OK)
            rc = add_others(w, dbs.v[i], err);
    }
    rt_names_clear(&dbs);
    if (rc == SQLITE_OK)
        rc = add_modules(w, err);
    return rc;
}

bool rt_guard_writing(WardConn *w)
{
    for (sqlite3_stmt *s = sqlite3_next_stmt(w->db, NULL); s;
         s = sqlite3_next_stmt(w->db, s))
        if (sqlite3_stmt_busy(s) && !sqlite3_stmt_readonly(s) &&
            !rt_holds(w, s))
            return true;
    return false;
}

int rt_guard_running(WardConn *w, sqlite3_stmt *except)
{
    int n = 0;
    for (sqlite3_stmt *s = sqlite3_next_stmt(w->db, NULL); s;
         s = sqlite3_next_stmt(w->db, s))
        n += s != except && sqlite3_stmt_busy(s) && !rt_holds(w, s);
    return n;
}

bool rt_guard_trusted(const WardConn *w)
{
    return !w->active || w->internal > 0;
}

/* literal: a DEFAULT written as a constant, which calls nothing. */
static bool literal(const char *s)
{
    if (!s)
        return true;
    static const char *const WORDS[] = {"NULL",         "TRUE",
                                        "FALSE",        "CURRENT_TIME",
                                        "CURRENT_DATE", "CURRENT_TIMESTAMP"};
    for (size_t i = 0; i < sizeof WORDS / sizeof *WORDS; i++)
        if (sqlite3_stricmp(s, WORDS[i]) == 0)
            return true;
    const char *p = s;
    if (*p == 'x' || *p == 'X')
        p++;
    if (*p == '\'') {
        for (p++; *p; p++)
            if (*p == '\'' && *++p != '\'')
                return *p == '\0';
        return false;
    }
    p = s;
    if (*p == '+' || *p == '-')
        p++;
    bool digits = false;
    for (; *p; p++) {
        if ((*p >= '0' && *p <= '9'))
            digits = true;
        else if (!strchr(".eE+-xXabcdefABCDEF", *p))
            return false;
    }
    return digits;
}

/* literal_defaults: every DEFAULT of temp table NAME is a literal. False
 * when it cannot be told. */
static bool literal_defaults(WardConn *w, const char *name)
{
    sqlite3_stmt *st = NULL;
    bool ok = rt_prepare(w,
                         "SELECT dflt_value FROM "
                         "main.pragma_table_xinfo(?1, 'temp') WHERE "
                         "dflt_value IS NOT NULL",
                         &st) == SQLITE_OK;
    if (ok)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc;
    while (ok && (rc = rt_step(w, st)) == SQLITE_ROW)
        ok = literal((const char *)sqlite3_column_text(st, 0));
    ok = ok && rc == SQLITE_DONE;
    rt_finalize(w, st);
    return ok;
}

/*
 * reconcile makes the session's own objects what temp holds now, but for
 * the runtime's virtual tables and what was there before the session. A
 * new table with a DEFAULT other than a literal is dropped (SQLite never
 * asks the authorizer about a DEFAULT's functions); one that cannot be
 * checked or dropped stays out of the session's reach. Every failure
 * leaves an object out, never in.
 */
static void reconcile(WardConn *w)
{
    sqlite3_stmt *st = NULL;
    RtNames now = {0}, bad = {0};
    bool ok = rt_prepare(w,
                         "SELECT type, name FROM temp.sqlite_schema WHERE "
                         "type IN ('table', 'view')",
                         &st) == SQLITE_OK;
    int rc = SQLITE_OK;
    while (ok && (rc = rt_step(w, st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if (!name || rt_names_has(&w->vtabs, name) ||
            rt_names_has(&w->at_start, name))
            continue;
        bool fresh = !rt_names_has(&w->own, name);
        if (fresh && strcmp(type, "table") == 0 && !literal_defaults(w, name)) {
            rt_names_add(&bad, name);
            continue;
        }
        ok = rt_names_add(&now, name);
    }
    rt_finalize(w, st);
    if (ok && rc == SQLITE_DONE) {
        rt_names_clear(&w->own);
        w->own = now;
    } else {
        rt_names_clear(&now);
    }
    for (int i = 0; i < bad.n; i++) {
        sqlite3_log(SQLITE_AUTH,
                    "ward: [denied] a session's temp table may have only "
                    "literal DEFAULTs: %s dropped",
                    bad.v[i]);
        char *sql =
            sqlite3_mprintf("DROP TABLE IF EXISTS temp.\"%w\"", bad.v[i]);
        if (sql)
            rt_exec(w, sql, NULL);
        sqlite3_free(sql);
    }
    rt_names_clear(&bad);
}

void rt_guard_statement_end(WardConn *w)
{
    if (w->active && w->own_watch)
        reconcile(w);
}

static int statement_hook(unsigned type, void *p, void *stmt, void *x)
{
    (void)x;
    WardConn *w = p;
    if (w->internal)
        return 0;
    if (type == SQLITE_TRACE_STMT) {
        w->started++; /* a bulk read let past its limit notices (rt_bulk_gate)
                       */
        /* A statement starting holds no lock yet: a fold now does not wait
         * on it (in rollback-journal mode the end of a statement reset
         * after a row is too early). */
        rt_journal_settle(w, stmt);
        return 0;
    }
    if (type != SQLITE_TRACE_PROFILE)
        return 0;
    /* A statement of the session has ended (the runtime ends its own as
     * the runtime), whatever else is open: its reads are recorded now. The
     * approvals in use stay with the one statement that may hold them
     * (rt_approval_use) until no statement of the session runs. */
    rt_guard_statement_end(w);
    rt_audit_statement_end(w);
    if (!rt_guard_running(w, stmt))
        rt_approval_statement_end(w);
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
