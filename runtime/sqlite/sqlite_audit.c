/*
 * sqlite_audit.c - appending to the chained audit log, ward_audit.
 *
 * Every append is one INSERT ... SELECT that reads the last row's hash and
 * writes the new row in the same statement, so two connections can never
 * chain onto the same predecessor: the statement holds the write lock from
 * the read to the write. ward_chain() (SQL) computes the row hash with
 * audit_chain_hash, the same code `ward audit verify` uses.
 *
 * What is recorded:
 *   - every write attempt of a session on a table with audited writes, one
 *     record each, changed, unchanged or refused (sqlite_write.c); a
 *     refusal is recorded after its statement, whose failure rolls back
 *     what it wrote;
 *   - the reads of a statement: for each table, the audited columns whose
 *     values the runtime produced to it and the number of rows, appended
 *     when the statement ends;
 *   - writes made outside a session, by the write-audit triggers of the
 *     compiled script (ward_audit_write; the session's own writes are
 *     recorded by the runtime instead).
 * A record that cannot be appended (the database is busy) is kept and
 * retried after the next statement. A record of a read or a write attempt
 * appended inside a statement or transaction is remembered until both have
 * ended: if a ROLLBACK (or ROLLBACK TO a savepoint) takes it away, it is
 * appended again, with its original time, after that statement, and if the
 * connection closes with the transaction open, through a connection of its
 * own. The data was read, the write was attempted; undoing the transaction
 * does not undo that.
 */
#include "sqlite_rt.h"

#include "audit_chain.h"

#include <stdio.h>
#include <string.h>

struct RtPending {
    char *f[AUDIT_NFIELDS];
    sqlite3_int64 seq; /* once appended: its row and hash */
    char hash[65];
    RtPending *next;
};

static const char APPEND_SQL[] =
    "INSERT INTO main.\"ward_audit\" (at, user, roles, scenario, op, tbl, "
    "key, columns, nrows, detail, prev, hash)\n"
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, p, "
    "ward_chain(p, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)\n"
    "FROM (SELECT coalesce((SELECT hash FROM main.\"ward_audit\" "
    "ORDER BY seq DESC LIMIT 1), '" AUDIT_GENESIS "') AS p)\n"
    "RETURNING seq, hash";

/* ward_chain(prev, at, user, ..., detail): the row hash. */
static void fn_chain(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (!rt_guard_trusted(rt_conn(ctx))) {
        rt_error(ctx, "[denied] ward_chain may not be called in a session");
        return;
    }
    const char *f[AUDIT_NFIELDS];
    size_t n[AUDIT_NFIELDS];
    if (argc != AUDIT_NFIELDS + 1) {
        rt_error(ctx, "ward_chain takes prev and %d fields", AUDIT_NFIELDS);
        return;
    }
    for (int i = 0; i < AUDIT_NFIELDS; i++) {
        sqlite3_value *v = argv[i + 1];
        f[i] = sqlite3_value_type(v) == SQLITE_NULL
                   ? NULL
                   : (const char *)sqlite3_value_text(v);
        n[i] = f[i] ? (size_t)sqlite3_value_bytes(v) : 0;
    }
    const char *prev = (const char *)sqlite3_value_text(argv[0]);
    char out[65];
    if (audit_chain_hash(prev ? prev : "", f, n, out) != 0) {
        rt_error(ctx, "ward_chain: SHA-256 failed");
        return;
    }
    sqlite3_result_text(ctx, out, 64, SQLITE_TRANSIENT);
}

/* append_fields appends one row; P, when not NULL, gets its seq and hash. */
static int append_fields(WardConn *w, char *const f[AUDIT_NFIELDS],
                         RtPending *p, char **err)
{
    sqlite3_stmt *st = NULL;
    int rc = rt_prepare(w, APPEND_SQL, &st);
    for (int i = 0; rc == SQLITE_OK && i < AUDIT_NFIELDS; i++)
        rc = f[i] ? sqlite3_bind_text(st, i + 1, f[i], -1, SQLITE_STATIC)
                  : sqlite3_bind_null(st, i + 1);
    if (rc == SQLITE_OK) {
        rc = rt_step(w, st);
        if (rc == SQLITE_ROW && p) {
            p->seq = sqlite3_column_int64(st, 0);
            sqlite3_snprintf(sizeof p->hash, p->hash, "%s",
                             sqlite3_column_text(st, 1));
        }
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    if (rc != SQLITE_OK && err)
        *err = sqlite3_mprintf("ward: cannot append to the audit log: %s",
                               sqlite3_errmsg(w->db));
    rt_finalize(w, st);
    return rc;
}

static void fields_free(char *f[AUDIT_NFIELDS])
{
    for (int i = 0; i < AUDIT_NFIELDS; i++)
        sqlite3_free(f[i]);
}

static char *dup(const char *s)
{
    return s ? sqlite3_mprintf("%s", s) : NULL;
}

static void fields_fill(WardConn *w, char *f[AUDIT_NFIELDS], const char *op,
                        const char *table, const char *key, const char *columns,
                        sqlite3_int64 nrows, bool has_nrows, const char *detail)
{
    char at[32];
    rt_now(w, at, 0);
    f[0] = dup(at);
    f[1] = dup(w->active ? w->user : NULL);
    f[2] = dup(w->active ? w->roles : NULL);
    f[3] = dup(w->active ? w->scenario : NULL);
    f[4] = dup(op);
    f[5] = dup(table);
    f[6] = dup(key);
    f[7] = dup(columns);
    f[8] = has_nrows ? sqlite3_mprintf("%lld", (long long)nrows) : NULL;
    f[9] = dup(detail);
}

static bool append_record(WardConn *w, RtPending *p, bool keep);

int rt_audit_append(WardConn *w, const char *op, const char *table,
                    const char *key, const char *columns, sqlite3_int64 nrows,
                    bool has_nrows, const char *detail, char **err)
{
    char *f[AUDIT_NFIELDS];
    fields_fill(w, f, op, table, key, columns, nrows, has_nrows, detail);
    int rc = append_fields(w, f, NULL, err);
    fields_free(f);
    return rc;
}

int rt_audit_attempt(WardConn *w, const char *op, const char *table,
                     const char *key, const char *columns, const char *detail,
                     char **err)
{
    return rt_audit_lasting(w, op, table, key, columns, 1, true, detail, err);
}

int rt_audit_lasting(WardConn *w, const char *op, const char *table,
                     const char *key, const char *columns, sqlite3_int64 nrows,
                     bool has_nrows, const char *detail, char **err)
{
    RtPending *p = sqlite3_malloc(sizeof *p);
    if (!p)
        return SQLITE_NOMEM;
    memset(p, 0, sizeof *p);
    fields_fill(w, p->f, op, table, key, columns, nrows, has_nrows, detail);
    if (rt_journal_write(w, p->f) == 0) {
        fields_free(p->f);
        sqlite3_free(p);
        return SQLITE_OK;
    }
    if (append_record(w, p, true))
        return SQLITE_OK;
    /* Kept on the pending list; the write itself fails. */
    if (err)
        *err = sqlite3_mprintf("ward: cannot append to the audit log: %s",
                               sqlite3_errmsg(w->db));
    return SQLITE_ERROR;
}

static void list_push(RtPending **list, RtPending *p);

void rt_audit_defer(WardConn *w, const char *op, const char *table,
                    const char *key, const char *columns, const char *detail)
{
    RtPending *p = sqlite3_malloc(sizeof *p);
    if (!p)
        return;
    memset(p, 0, sizeof *p);
    fields_fill(w, p->f, op, table, key, columns, 1, true, detail);
    /* The journal is outside the transaction the refusal rolls back. */
    if (rt_journal_write(w, p->f) == 0) {
        fields_free(p->f);
        sqlite3_free(p);
        return;
    }
    list_push(&w->pending, p);
}

/* ward_audit_write(op, table, key, column-or-NULL...): from the write-audit
 * triggers of the compiled script, for writes made outside a session. An
 * update that changed no audited column leaves no record. */
static void fn_audit_write(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    WardConn *w = rt_conn(ctx);
    if (argc < 3) {
        rt_error(ctx, "ward_audit_write takes op, table, key, columns...");
        return;
    }
    if (w->writing) {
        /* A session's checked write: rt_write records the attempt. */
        sqlite3_result_null(ctx);
        return;
    }
    if (!rt_guard_trusted(w)) {
        rt_error(ctx, "[denied] ward_audit_write may not be called in a "
                      "session");
        return;
    }
    const char *op = (const char *)sqlite3_value_text(argv[0]);
    const char *table = (const char *)sqlite3_value_text(argv[1]);
    const char *key = (const char *)sqlite3_value_text(argv[2]);
    sqlite3_str *cols = sqlite3_str_new(w->db);
    for (int i = 3; i < argc; i++) {
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
            continue;
        if (sqlite3_str_length(cols))
            sqlite3_str_appendchar(cols, 1, ',');
        sqlite3_str_appendall(cols, (const char *)sqlite3_value_text(argv[i]));
    }
    int ncols = sqlite3_str_length(cols);
    char *columns = sqlite3_str_finish(cols);
    if (op && strcmp(op, "update") == 0 && ncols == 0) {
        sqlite3_free(columns);
        sqlite3_result_null(ctx);
        return;
    }
    char *err = NULL;
    int rc = rt_audit_append(w, op, table, key, ncols ? columns : NULL, 1, true,
                             NULL, &err);
    sqlite3_free(columns);
    if (rc != SQLITE_OK)
        sqlite3_result_error(ctx, err ? err : "ward: audit append failed", -1);
    else
        sqlite3_result_null(ctx);
    sqlite3_free(err);
}

void rt_audit_count_read(RtColumn *c, sqlite3_int64 row)
{
    if (!c->read_seen || c->read_last != row) {
        c->read_rows++;
        c->read_last = row;
        c->read_seen = true;
    }
}

static void list_push(RtPending **list, RtPending *p)
{
    p->next = NULL;
    while (*list)
        list = &(*list)->next;
    *list = p;
}

static void list_free(RtPending **list)
{
    while (*list) {
        RtPending *p = *list;
        *list = p->next;
        fields_free(p->f);
        sqlite3_free(p);
    }
}

/* still_there: the appended row SEQ exists with the hash it got. */
static bool still_there(WardConn *w, const RtPending *p)
{
    sqlite3_stmt *st = NULL;
    bool yes = false;
    if (rt_prepare(w,
                   "SELECT 1 FROM main.\"ward_audit\" WHERE seq = ?1 AND "
                   "hash = ?2",
                   &st) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, p->seq);
        sqlite3_bind_text(st, 2, p->hash, -1, SQLITE_STATIC);
        yes = rt_step(w, st) == SQLITE_ROW;
    }
    rt_finalize(w, st);
    return yes;
}

/* append_record appends P's fields. P is kept on the unsettled list while
 * a transaction is open, or, with KEEP, while a statement runs (a record
 * appended by a statement in progress goes if the statement fails);
 * otherwise it is freed. On failure P goes back to pending. */
static bool append_record(WardConn *w, RtPending *p, bool keep)
{
    if (append_fields(w, p->f, p, NULL) != SQLITE_OK) {
        list_push(&w->pending, p);
        return false;
    }
    if (!keep && sqlite3_get_autocommit(w->db)) {
        fields_free(p->f);
        sqlite3_free(p);
        return true;
    }
    list_push(&w->unsettled, p);
    return true;
}

/* settle: records a rollback took away go back to pending; once no
 * transaction is open, the rest are committed and forgotten. A rollback
 * takes away the newest rows of the log, so when the newest unsettled
 * record is still there, all are. */
static void settle(WardConn *w)
{
    RtPending *last = w->unsettled;
    while (last && last->next)
        last = last->next;
    bool all_there = last && still_there(w, last);
    RtPending *list = w->unsettled;
    w->unsettled = NULL;
    while (list) {
        RtPending *p = list;
        list = p->next;
        if (!all_there && !still_there(w, p))
            list_push(&w->pending, p);
        else if (sqlite3_get_autocommit(w->db)) {
            fields_free(p->f);
            sqlite3_free(p);
        } else
            list_push(&w->unsettled, p);
    }
}

void rt_audit_flush_reads(WardConn *w, bool inside)
{
    for (int t = 0; t < w->ntables; t++) {
        RtTable *tb = &w->tables[t];
        sqlite3_int64 rows = 0;
        sqlite3_str *cols = NULL;
        for (int i = 0; i < tb->ncols; i++) {
            RtColumn *c = &tb->cols[i];
            if (!c->read_seen)
                continue;
            if (!cols)
                cols = sqlite3_str_new(w->db);
            else
                sqlite3_str_appendchar(cols, 1, ',');
            sqlite3_str_appendall(cols, c->name);
            rows = c->read_rows > rows ? c->read_rows : rows;
            c->read_rows = 0;
            c->read_seen = false;
        }
        if (!cols)
            continue;
        char *columns = sqlite3_str_finish(cols);
        RtPending *p = sqlite3_malloc(sizeof *p);
        if (p) {
            memset(p, 0, sizeof *p);
            fields_fill(w, p->f, "read", tb->name, NULL, columns, rows, true,
                        NULL);
            if (rt_journal_write(w, p->f) == 0) {
                fields_free(p->f);
                sqlite3_free(p);
            } else {
                append_record(w, p, inside);
            }
        }
        sqlite3_free(columns);
    }
}

void rt_audit_statement_end(WardConn *w)
{
    if (w->unsettled)
        settle(w);
    /* Retry what could not be appended before, oldest first. */
    RtPending *retry = w->pending;
    w->pending = NULL;
    while (retry) {
        RtPending *p = retry;
        retry = p->next;
        append_record(w, p, false);
    }
    rt_audit_flush_reads(w, false);
    rt_journal_settle(w, NULL);
}

/* rescue_one appends P through DB unless it is there already (a record
 * whose transaction did commit). The chain is computed here, in C: DB has
 * no ward functions. */
static void rescue_one(sqlite3 *db, const RtPending *p)
{
    sqlite3_stmt *st = NULL;
    if (p->seq > 0 &&
        sqlite3_prepare_v2(db,
                           "SELECT 1 FROM main.\"ward_audit\" WHERE "
                           "seq = ?1 AND hash = ?2",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, p->seq);
        sqlite3_bind_text(st, 2, p->hash, -1, SQLITE_STATIC);
        bool there = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        if (there)
            return;
    }
    char prev[65] = AUDIT_GENESIS, hash[65];
    if (sqlite3_prepare_v2(db,
                           "SELECT hash FROM main.\"ward_audit\" ORDER "
                           "BY seq DESC LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        sqlite3_snprintf(sizeof prev, prev, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    const char *f[AUDIT_NFIELDS];
    size_t n[AUDIT_NFIELDS];
    for (int i = 0; i < AUDIT_NFIELDS; i++) {
        f[i] = p->f[i];
        n[i] = f[i] ? strlen(f[i]) : 0;
    }
    if (audit_chain_hash(prev, f, n, hash) != 0)
        return;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO main.\"ward_audit\" (at, user, roles, "
                           "scenario, op, tbl, key, columns, nrows, detail, "
                           "prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                           "?8, ?9, ?10, ?11, ?12)",
                           -1, &st, NULL) == SQLITE_OK) {
        for (int i = 0; i < AUDIT_NFIELDS; i++)
            sqlite3_bind_text(st, i + 1, f[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, prev, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, hash, -1, SQLITE_STATIC);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

/* rescue appends the records a closing connection would lose: read
 * records whose transaction was abandoned, and ones still waiting. The
 * closing connection has released its locks by now; the data was read, so
 * the record outlives the transaction. */
static void rescue(WardConn *w)
{
    if (!w->path || !*w->path || (!w->pending && !w->unsettled))
        return;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(w->path, &db, SQLITE_OPEN_READWRITE, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        return;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
        for (RtPending *p = w->unsettled; p; p = p->next)
            rescue_one(db, p);
        for (RtPending *p = w->pending; p; p = p->next)
            rescue_one(db, p);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    sqlite3_close(db);
}

void rt_audit_dispose(WardConn *w)
{
    rt_journal_dispose(w);
    rescue(w);
    list_free(&w->pending);
    list_free(&w->unsettled);
}

static const RtFunction FUNCTIONS[] = {
    {"ward_chain", AUDIT_NFIELDS + 1, SQLITE_DETERMINISTIC, fn_chain},
    {"ward_audit_write", -1, 0, fn_audit_write},
};

int rt_audit_register(sqlite3 *db, WardConn *w)
{
    return rt_register(db, w, FUNCTIONS, sizeof FUNCTIONS / sizeof *FUNCTIONS);
}
