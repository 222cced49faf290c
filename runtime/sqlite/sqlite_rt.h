/*
 * sqlite_rt.h - the SQLite runtime's per-connection state, shared by the
 * files that make up the extension (runtime/sqlite/sqlite_*.c).
 *
 * Enforcement is by identity: once a session is set, the only code that
 * reads or writes a protected table's rows is the runtime's own prepared
 * statements. Each protected table is served to the session by a virtual
 * table of the same name in the connection's temp schema (sqlite_vtab.c),
 * whose rows, decided values, write checks and audit come from here in C.
 * The authorizer (sqlite_guard.c) refuses every other statement that names
 * a protected base table, a ward_ object or SQLite's bookkeeping tables,
 * and lets through only allow-listed tables, functions and DDL. It trusts
 * one thing: WardConn.internal, which is non-zero exactly while the runtime
 * prepares or steps a statement of its own on this connection.
 *
 * One WardConn lives per connection that loaded the runtime. It holds the
 * policy's catalog (RtTable: read once per applied policy), the session
 * (roles, user, scenario, attributes, lock), each table's decisions for the
 * session (computed lazily, the first time a statement uses the table),
 * the per-statement read counters and approvals in use, and the audit
 * records waiting to be appended.
 */
#ifndef WARD_SQLITE_RT_H
#define WARD_SQLITE_RT_H

#include <sqlite3ext.h>

#include <stdbool.h>
#include <stdint.h>

#include "crypto.h"
#include "mask_spec.h"

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

/* What a session gets of one column. */
typedef enum RtEffect {
    RT_HIDE, /* NULL; the base value is never read */
    RT_MASK, /* the C mask core's output */
    RT_SHOW  /* the stored value */
} RtEffect;

typedef struct RtColumn {
    /* From the catalog, fixed while the policy is applied. */
    char *name;
    char *decl;      /* the base column's declared type, for the vtable */
    char *coll;      /* its collation sequence */
    bool date;       /* date or datetime: masks receive it tagged */
    bool audit_read; /* reads are audited */
    bool audit_write;
    bool indexed;     /* the first column of an index of the base table */
    bool unique;      /* ... of a unique one, or the rowid alias */
    bool constrained; /* in any unique index or the primary key: a write
                       * of it can fail because another row holds it */
    char *refers;     /* a foreign key to this protected table, or NULL */
    char *refers_col; /* ... to this column of it (NULL: its key) */
    bool referenced;  /* a protected table's foreign key refers to it */
    char *unmask;     /* approval guarding its unmask, or NULL */
    char *update;     /* approval guarding its update, or NULL */
    /* The session's decision (valid while RtTable.gen == WardConn.gen). */
    RtEffect effect;
    const MaskSpec *mask;    /* RT_MASK: the catalog entry */
    sqlite3_value **args;    /* RT_MASK: its literal arguments (owned) */
    struct MaskValue *margs; /* the same for the core (borrows args) */
    int nargs;
    bool writable; /* a write rule grants it to the session */
    /* Read audit of the statement in progress: rows whose value of this
     * column the runtime produced. Consecutive reads of a row count once. */
    int64_t read_rows;
    sqlite3_int64 read_last;
    bool read_seen;
} RtColumn;

typedef struct RtTable {
    /* From the catalog. */
    char *name;
    int key;                     /* key column index, or -1 */
    bool has_rows;               /* the policy filters its rows */
    int rowid_col;               /* the column the rowid aliases, or -1 */
    char *export_approval;       /* approval guarding export, or NULL */
    sqlite3_int64 export_beyond; /* export T beyond N rows: N; else -1 */
    char *delete_approval;       /* approval guarding delete, or NULL */
    bool any_unmask;             /* some column has an unmask approval */
    bool referenced;             /* a protected table's foreign key refers to
                                  * its key (no column named) */
    RtColumn *cols;
    int ncols;
    /* The session's decisions, valid while gen == WardConn.gen. */
    unsigned gen;
    char *filter;   /* the row filter as SQL; NULL means every row */
    bool deletable; /* every column writable, or a delete approval */
    /* Per statement: an export of it was gated and recorded; the rows its
     * view produced (counted for export_beyond), and WardConn.started
     * when the bulk read was let past the limit. */
    bool exported;
    sqlite3_int64 produced;
    uint64_t bulk_epoch;
} RtTable;

/* A sorted set of names, compared case-insensitively as SQLite does. */
typedef struct RtNames {
    char **v;
    int n, cap;
    bool sorted;
} RtNames;

/* An approval consumed by the statement in progress: every row of one
 * DELETE or UPDATE statement, or one export, is covered by one use. */
typedef struct RtUse {
    char *approval;
    sqlite3_int64 request;
} RtUse;

/* An audit record waiting to be appended, or appended inside a transaction
 * that has not committed yet. */
typedef struct RtPending RtPending;

/* The connection's audit journal (sqlite_journal.c). */
typedef struct RtJournal RtJournal;

typedef struct WardConn {
    sqlite3 *db;
    int internal;     /* > 0 while the runtime prepares or steps its own SQL */
    bool active;      /* a session is set */
    bool locked;      /* ward_lock() was called */
    unsigned gen;     /* bumps with every session: decisions carry it */
    uint64_t started; /* statements of the session that began to run */
    /* The policy's catalog, as read at the last session start. */
    char *policy;     /* its name, for messages */
    char *policy_sha; /* source_sha256: a re-applied policy is re-read */
    RtTable *tables;
    int ntables;
    RtNames protected; /* the tables' names */
    RtNames vtabs;     /* the temp virtual tables made for them */
    /* The session. */
    char *user;      /* may be NULL */
    char *roles;     /* held roles, closed, declaration order, "a,b" */
    char *roles_key; /* the same as ",a,b," for instr() lookups */
    char *scenario;  /* NULL for none */
    char **attr_names;
    sqlite3_value **attr_values;
    int nattrs;
    /* What the session may read and write besides its virtual tables:
     * "schema.table" of the ordinary tables of main and attached
     * databases that are neither protected nor ward's nor SQLite's, as
     * they were when the session started; and the temp tables and views
     * the session made (dropped when it ends). */
    RtNames readable;
    RtNames own;      /* its temp tables and views, as they exist, checked */
    RtNames at_start; /* temp objects there before the session: not its */
    bool own_watch;   /* the session has made or dropped temp objects */
    /* Every other name a statement could mean: the views and tables of
     * every schema that are not readable, and the virtual table modules
     * (eponymous tables such as dbstat). A name on neither list, read
     * without a schema, is one the statement made: a CTE. */
    RtNames unreadable;
    /* The runtime's own statements, from rt_prepare to rt_finalize (its
     * virtual tables' scans stay prepared between calls): not the
     * session's, whatever they run. */
    sqlite3_stmt **held;
    int nheld, capheld;
    /* The statement in progress. */
    RtUse *uses;
    int nuses;
    int writing;          /* > 0 inside a checked write of the session */
    RtPending *pending;   /* to append after the statement */
    RtPending *unsettled; /* appended in the open transaction */
    RtJournal *journal;   /* NULL: records go to the log directly */
    uint64_t rowid_key;   /* random per connection: see rt_rowid_hide */
    bool clock_set;       /* ward_clock fixed the time (tests) */
    int64_t clock_s;      /* ... to this Unix time */
    int clock_ms;         /* ... and milliseconds */
    char *path;           /* the main database file, "" in memory */
    MaskKey key;
    bool key_tried;
    char key_err[160];
} WardConn;

/* ---- sqlite_ext.c: helpers ---- */
/* rt_exec runs SQL (no results) as the runtime. Returns an SQLite code; on
 * error *ERR gets an sqlite3_malloc'd message when ERR is non-NULL. */
int rt_exec(WardConn *w, const char *sql, char **err);
/* rt_prepare prepares SQL as the runtime (the authorizer lets it through);
 * end it with rt_finalize. */
int rt_prepare(WardConn *w, const char *sql, sqlite3_stmt **out);
/* rt_step steps STMT as the runtime: SQLite re-prepares inside step after a
 * schema change, and that must be the runtime's prepare too. */
int rt_step(WardConn *w, sqlite3_stmt *stmt);
/* rt_hold and rt_unhold record that the runtime keeps STMT prepared (or no
 * longer); rt_holds asks. */
bool rt_hold(WardConn *w, sqlite3_stmt *stmt);
void rt_unhold(WardConn *w, sqlite3_stmt *stmt);
bool rt_holds(const WardConn *w, sqlite3_stmt *stmt);
/* rt_finalize and rt_reset end the runtime's own statements as the
 * runtime: their end is not the end of a statement of the session. */
int rt_finalize(WardConn *w, sqlite3_stmt *stmt);
int rt_reset(WardConn *w, sqlite3_stmt *stmt);
/* rt_now writes the current UTC time (W's fixed clock when one is set),
 * plus SECONDS, as ISO 8601 with milliseconds ("2026-11-24T04:06:23.123Z")
 * to OUT (32 bytes). */
void rt_now(const WardConn *w, char *out, int64_t seconds);
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
/* rt_dup copies S with sqlite3_malloc; NULL stays NULL. */
char *rt_dup(const char *s);
/* rt_role_word is "role" or "roles" for the session's role list. */
const char *rt_role_word(const WardConn *w);

/* RtNames: add copies NAME; has looks it up (sorting first if needed). */
bool rt_names_add(RtNames *s, const char *name);
bool rt_names_has(RtNames *s, const char *name);
void rt_names_clear(RtNames *s);

/* ---- sqlite_catalog.c: the policy's catalog and per-table decisions ---- */
/* rt_catalog_load reads the policy's tables from the catalog, unless the
 * policy applied is the one already read (*CHANGED says whether it was
 * re-read). Returns an SQLite code with the message in *ERR. */
int rt_catalog_load(WardConn *w, bool *changed, char **err);
void rt_catalog_clear(WardConn *w);
/* rt_table finds the catalog's table NAME; NULL when absent. */
RtTable *rt_table(WardConn *w, const char *name);
int rt_column(const RtTable *t, const char *name);
/* rt_table_decide makes T's decisions for the session in force (once per
 * session). Returns an SQLite code with the message in *ERR. */
int rt_table_decide(WardConn *w, RtTable *t, char **err);

/* ---- sqlite_session.c ---- */
int rt_session_register(sqlite3 *db, WardConn *w);
/* rt_session_clear forgets the session (not the catalog). */
void rt_session_clear(WardConn *w);

/* ---- sqlite_vtab.c ---- */
/* rt_rowid_hide and rt_rowid_show: the rowid a session sees of a table
 * whose rowid is not a column it sees in clear is a keyed permutation of
 * the stored one (the key is random per connection), so it reveals neither
 * a hidden key nor how many rows were inserted between two it sees. */
sqlite3_int64 rt_rowid_hide(const WardConn *w, sqlite3_int64 rowid);
sqlite3_int64 rt_rowid_show(const WardConn *w, sqlite3_int64 rowid);
/* rt_rowid_clear: T's rowid is a column the session sees in clear. */
bool rt_rowid_clear(const RtTable *t);
int rt_vtab_register(sqlite3 *db, WardConn *w);
/* rt_vtab_sync makes the temp virtual tables of the catalog's tables that
 * do not exist yet (after DROP_OLD drops the ones made before). */
int rt_vtab_sync(WardConn *w, bool drop_old, char **err);
/* rt_vtab_drop drops every temp virtual table the runtime made. */
int rt_vtab_drop(WardConn *w, char **err);

/* ---- sqlite_guard.c ---- */
int rt_guard_install(sqlite3 *db, WardConn *w);
/* rt_guard_statement_end runs after every statement of the session: it
 * drops a temp table the session made with a DEFAULT that is not a literal
 * (SQLite never asks the authorizer about a DEFAULT's functions). */
void rt_guard_statement_end(WardConn *w);
/* rt_guard_running counts the statements of the session that are running
 * (the runtime's kept scans are not), EXCEPT one. */
int rt_guard_running(WardConn *w, sqlite3_stmt *except);
/* rt_guard_writing: an INSERT, UPDATE or DELETE of the session is running
 * (besides the runtime's own statements). */
bool rt_guard_writing(WardConn *w);
/* rt_guard_trusted: the runtime itself is running SQL (or no session is
 * set): ward's internal functions may run. */
bool rt_guard_trusted(const WardConn *w);
/* rt_guard_snapshot records what the session may read besides its own
 * virtual tables. Returns an SQLite code with the message in *ERR. */
int rt_guard_snapshot(WardConn *w, char **err);

/* ---- sqlite_audit.c ---- */
int rt_audit_register(sqlite3 *db, WardConn *w);
/* rt_audit_append appends one row to ward_audit for the session now.
 * Returns an SQLite code; ERR as in rt_exec. */
int rt_audit_append(WardConn *w, const char *op, const char *table,
                    const char *key, const char *columns, sqlite3_int64 nrows,
                    bool has_nrows, const char *detail, char **err);
/* rt_audit_attempt appends the record of a write attempt made by the
 * statement in progress; should the statement or its transaction roll it
 * back, it is appended again afterwards. */
int rt_audit_attempt(WardConn *w, const char *op, const char *table,
                     const char *key, const char *columns, const char *detail,
                     char **err);
/* rt_audit_lasting appends a record that no rollback may take away (an
 * export, a refused vote): through the journal, or kept and appended again
 * if a rollback removes it. */
int rt_audit_lasting(WardConn *w, const char *op, const char *table,
                     const char *key, const char *columns, sqlite3_int64 nrows,
                     bool has_nrows, const char *detail, char **err);
/* rt_audit_defer keeps a record to append when the statement in progress
 * has ended: one its failure would roll back (a refused write). */
void rt_audit_defer(WardConn *w, const char *op, const char *table,
                    const char *key, const char *columns, const char *detail);
/* rt_audit_count_read counts row ROW as read of column C of T. */
void rt_audit_count_read(RtColumn *c, sqlite3_int64 row);
/* rt_audit_flush_reads appends the read records counted so far; INSIDE a
 * statement in progress, which may yet roll them back. A write statement
 * appends them before it ends, so that sqlite3_changes() afterwards counts
 * its rows and not the runtime's record. */
void rt_audit_flush_reads(WardConn *w, bool inside);
/* rt_audit_statement_end appends the records of the statement that just
 * finished and retries records that could not be appended before. */
void rt_audit_statement_end(WardConn *w);
/* rt_audit_dispose frees the audit state when the connection closes;
 * records an abandoned transaction took with it are appended first,
 * through a connection of their own. */
void rt_audit_dispose(WardConn *w);

/* ---- sqlite_journal.c ---- */
/* rt_journal_new makes the journal of W's connection when its database is
 * a file; NULL otherwise. */
RtJournal *rt_journal_new(WardConn *w);
/* rt_journal_write writes one record (F: the audit fields) to the journal;
 * -1 when it cannot (the caller appends to the log directly). */
int rt_journal_write(WardConn *w, char *const f[]);
/* rt_journal_settle folds the journal into the log when enough has gathered
 * and the connection holds nothing (CURRENT: the statement starting or
 * ending, which does not count). */
void rt_journal_settle(WardConn *w, sqlite3_stmt *current);
/* rt_journal_boundary folds what has gathered and the journals dead
 * processes left, at a session's start or end. */
void rt_journal_boundary(WardConn *w);
/* rt_journal_dispose folds everything and removes the journal. */
void rt_journal_dispose(WardConn *w);
/* rt_journal_fold_orphans folds into DB's log the journals, next to the
 * database file BASE in DIR, of processes that no longer run; counts them
 * in *FOLDED (may be NULL). Returns an SQLite code. */
int rt_journal_fold_orphans(sqlite3 *db, const char *dir, const char *base,
                            int *folded);

/* ---- sqlite_write.c ---- */
/* rt_write is a virtual table's xUpdate for T: checks the write against
 * the session's grants, approvals and rows, runs it on the base table and
 * audits the attempt. Returns an SQLite code; *ERR as in rt_exec. */
int rt_write(WardConn *w, RtTable *t, int argc, sqlite3_value **argv,
             sqlite3_int64 *rowid, char **err);

/* ---- sqlite_approval.c ---- */
int rt_approval_register(sqlite3 *db, WardConn *w);
/* rt_approval_use checks that OP (export, delete, update, unmask) on
 * TABLE[.COLUMN], guarded by APPROVAL, may run now: consumes one approved
 * request of the session's user (once per statement) and audits it.
 * Returns SQLITE_OK, or an error with the message in *ERR (sqlite3_malloc). */
int rt_approval_use(WardConn *w, const char *approval, const char *op,
                    const RtTable *t, const RtColumn *c, char **err);
/* rt_export_gate gates one statement's export of T: its approval, or an
 * export record with the number of rows. */
int rt_export_gate(WardConn *w, RtTable *t, char **err);
/* rt_bulk_gate lets the statement in progress read more than
 * T->export_beyond rows of T: it uses an approved request of
 * T->export_approval (recorded as an export), or refuses with
 * [approval-required]. */
int rt_bulk_gate(WardConn *w, RtTable *t, char **err);
void rt_approval_statement_end(WardConn *w);

/* ---- sqlite_masks.c ---- */
int rt_masks_register(sqlite3 *db, WardConn *w);
/* rt_mask_args converts N SQL values to the core's (borrowing their text:
 * valid while the values are). */
void rt_mask_args(sqlite3_value **argv, int n, struct MaskValue *out);
/* rt_mask_result sets CTX's result to SPEC applied to V with ARGS. */
void rt_mask_result(sqlite3_context *ctx, WardConn *w, const MaskSpec *spec,
                    sqlite3_value *v, bool date, const struct MaskValue *args,
                    int nargs);
/* rt_mask_is: SPEC applied to BASE with ARGS gives exactly V. */
bool rt_mask_is(WardConn *w, const MaskSpec *spec, sqlite3_value *base,
                bool date, const struct MaskValue *args, int nargs,
                sqlite3_value *v);

#endif
