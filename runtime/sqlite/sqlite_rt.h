/*
 * sqlite_rt.h - the SQLite runtime's per-connection state, shared by the
 * files that make up the extension (runtime/sqlite/sqlite_*.c).
 *
 * One WardConn lives per connection that loaded the runtime. It holds the
 * session (roles, user, scenario, attributes, lock), what the session may
 * do per protected table (decided once when the session is set, from the
 * catalog the compiled script stored), the read-audit counters of the
 * statement in progress, and the approvals in use by it.
 *
 * The runtime runs SQL of its own (building views, writing base rows, the
 * audit log, approvals) on the same connection. While it does, `internal`
 * is non-zero: the authorizer lets those statements through and the
 * statement-end hook ignores them.
 */
#ifndef WARD_SQLITE_RT_H
#define WARD_SQLITE_RT_H

#include <sqlite3ext.h>

#include <stdbool.h>
#include <stdint.h>

#include "crypto.h"

#ifndef SQLITE_CORE
SQLITE_EXTENSION_INIT3
#endif

/* Older headers lack the flags; the values are SQLite's. */
#ifndef SQLITE_SUBTYPE
#define SQLITE_SUBTYPE 0x000100000
#endif
#ifndef SQLITE_RESULT_SUBTYPE
#define SQLITE_RESULT_SUBTYPE 0x001000000
#endif
#ifndef SQLITE_INNOCUOUS
#define SQLITE_INNOCUOUS 0x000200000
#endif

/* ward_date() tags a value with this subtype: a date column's value. */
#define WARD_SUBTYPE_DATE 'D'

typedef struct RtColumn {
    char *name;
    bool date;       /* date or datetime: masks receive it tagged */
    bool audit_read; /* reads are audited: the view counts them */
    bool writable;   /* the session may write it */
    bool shown;      /* the session sees it in clear */
    char *expr;      /* the session's expression, NULL when hidden */
    int slot;        /* read-audit counter, -1 when not audited */
    char *unmask;    /* approval guarding its unmask, or NULL */
    char *update;    /* approval guarding its update, or NULL */
} RtColumn;

typedef struct RtTable {
    char *name;
    int key;               /* key column index, or -1 */
    bool has_rows;         /* the policy filters its rows */
    char *filter;          /* the session's row filter; NULL means every row */
    char *export_approval; /* approval guarding export, or NULL */
    char *delete_approval; /* approval guarding delete, or NULL */
    bool deletable;        /* the session may delete (every column writable) */
    RtColumn *cols;
    int ncols;
} RtTable;

/* One read-audit counter: rows of a table in which a statement read an
 * audited column. Consecutive reads of the same row count once. */
typedef struct RtSlot {
    int table, column;
    int64_t rows;
    sqlite3_int64 last_key;
    bool seen;
} RtSlot;

/* An approval consumed by the statement in progress: every row of one
 * DELETE or UPDATE statement is covered by one use. */
typedef struct RtUse {
    char *approval;
    sqlite3_int64 request;
} RtUse;

/* A read record waiting to be appended (the append failed, e.g. busy), or
 * appended inside a transaction that has not committed yet. */
typedef struct RtPending RtPending;

typedef struct WardConn {
    sqlite3 *db;
    int internal;    /* > 0 while the runtime runs its own SQL */
    bool active;     /* a session is set */
    bool locked;     /* ward_lock() was called */
    char *policy;    /* name of the policy in force, for messages */
    char *user;      /* may be NULL */
    char *roles;     /* held roles, closed, declaration order, "a,b" */
    char *roles_key; /* the same as ",a,b," for instr() lookups */
    char *scenario;  /* NULL for none */
    char **attr_names;
    sqlite3_value **attr_values;
    int nattrs;
    RtTable *tables;
    int ntables;
    char **objects; /* temp views and triggers made for the session */
    int nobjects;
    RtSlot *slots;
    int nslots;
    RtUse *uses;
    int nuses;
    RtPending *pending;   /* to append after the next statement */
    RtPending *unsettled; /* appended in the open transaction */
    char *path;           /* the main database file, "" in memory */
    MaskKey key;
    bool key_tried;
    char key_err[160];
} WardConn;

/* ---- sqlite_ext.c ---- */
/* rt_exec runs SQL (no results) as the runtime. Returns an SQLite code; on
 * error *ERR gets an sqlite3_malloc'd message when ERR is non-NULL. */
int rt_exec(WardConn *w, const char *sql, char **err);
/* rt_prepare prepares SQL as the runtime (the authorizer lets it through). */
int rt_prepare(WardConn *w, const char *sql, sqlite3_stmt **out);
/* rt_step steps STMT as the runtime. */
int rt_step(WardConn *w, sqlite3_stmt *stmt);
/* rt_now writes the current UTC time, plus SECONDS, as ISO 8601 with
 * milliseconds ("2026-11-24T04:06:23.123Z") to OUT (32 bytes). */
void rt_now(char *out, int64_t seconds);
/* rt_error sets CTX's error to "ward: " followed by the formatted text. */
void rt_error(sqlite3_context *ctx, const char *fmt, ...);
/* rt_conn returns the connection's state behind a registered function. */
WardConn *rt_conn(sqlite3_context *ctx);
/* RtFunction is one SQL function of the runtime, for rt_register. */
typedef struct RtFunction {
    const char *name;
    int nargs; /* -1: any number */
    int flags; /* beyond SQLITE_UTF8 */
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
} RtFunction;
/* rt_register registers N functions with W as their user data. */
int rt_register(sqlite3 *db, WardConn *w, const RtFunction *fns, size_t n);
/* rt_value_is: A IS B as SQL means it (NULLs equal; type and bytes equal). */
bool rt_value_is(sqlite3_value *a, sqlite3_value *b);
/* rt_result_text sets CTX's result to S, or NULL when S is NULL. */
void rt_result_text(sqlite3_context *ctx, const char *s);
/* rt_table finds the session's table NAME; NULL when absent. */
RtTable *rt_table(WardConn *w, const char *name);
int rt_column(const RtTable *t, const char *name);

/* ---- sqlite_session.c ---- */
int rt_session_register(sqlite3 *db, WardConn *w);
void rt_session_clear(WardConn *w);

/* ---- sqlite_guard.c ---- */
int rt_guard_install(sqlite3 *db, WardConn *w);

/* ---- sqlite_cte.c ---- */
/* rt_cte_shadows: SQL names a CTE after a protected table or ward_. */
bool rt_cte_shadows(const WardConn *w, const char *sql);

/* ---- sqlite_audit.c ---- */
int rt_audit_register(sqlite3 *db, WardConn *w);
/* rt_audit_append appends one row to ward_audit for the session. Returns
 * an SQLite code; ERR as in rt_exec. */
int rt_audit_append(WardConn *w, const char *op, const char *table,
                    const char *key, const char *columns, sqlite3_int64 nrows,
                    bool has_nrows, const char *detail, char **err);
/* rt_audit_statement_end appends the read records of the statement that
 * just finished and retries records that could not be appended before. */
void rt_audit_statement_end(WardConn *w);
/* rt_audit_dispose frees the audit state when the connection closes; read
 * records an abandoned transaction took with it are appended first,
 * through a connection of their own. */
void rt_audit_dispose(WardConn *w);

/* ---- sqlite_write.c ---- */
int rt_write_register(sqlite3 *db, WardConn *w);

/* ---- sqlite_approval.c ---- */
int rt_approval_register(sqlite3 *db, WardConn *w);
/* rt_approval_use checks that OP (export, delete, update, unmask) on
 * TABLE[.COLUMN], guarded by APPROVAL, may run now: consumes one approved
 * request of the session's user (once per statement) and audits it.
 * Returns SQLITE_OK, or an error with the message in *ERR (sqlite3_malloc). */
int rt_approval_use(WardConn *w, const char *approval, const char *op,
                    const RtTable *t, const RtColumn *c, char **err);
void rt_approval_statement_end(WardConn *w);

/* ---- sqlite_masks.c ---- */
int rt_masks_register(sqlite3 *db, WardConn *w);

#endif
