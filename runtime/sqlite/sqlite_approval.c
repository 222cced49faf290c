/*
 * sqlite_approval.c - second-person approval: ward_request, ward_approve,
 * and the gates of the guarded operations.
 *
 *   ward_request(approval, reason)  a new request by the session's user;
 *                                   returns its id
 *   ward_approve(id | approval)     a vote; by name, the one open request
 *                                   for that approval; returns how many
 *                                   approvals are still needed (0: approved)
 * The rules (never the requester, an approving role, once per approver,
 * not after expiry or use) are the triggers of the compiled script; this
 * file checks them first only to name who and what in the refusal. A
 * guarded operation consumes one approved request of the session's user:
 * a statement reading ward_export_T or ward_unmask_T is gated once, before
 * its first row (sqlite_vtab.c); a DELETE or UPDATE statement uses one
 * request for all its rows. Every step is appended to the audit log,
 * refusals of a vote included.
 */
#include "sqlite_rt.h"

#include <string.h>

static bool has_user(sqlite3_context *ctx, WardConn *w, const char *fn)
{
    if (w->active && w->user && *w->user)
        return true;
    rt_error(ctx,
             "%s needs a session with a user: call ward_session(roles, "
             "user, ...) first",
             fn);
    return false;
}

static sqlite3_stmt *prep(WardConn *w, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (rt_prepare(w, sql, &st) != SQLITE_OK) {
        rt_finalize(w, st);
        return NULL;
    }
    return st;
}

/* approval_info reads an approval's count and expiry; false if unknown. */
static bool approval_info(WardConn *w, const char *name, int *count,
                          sqlite3_int64 *expires)
{
    sqlite3_stmt *st = prep(w, "SELECT count, expires FROM "
                               "main.\"ward_approval\" WHERE name = ?1");
    bool found = false;
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (rt_step(w, st) == SQLITE_ROW) {
            found = true;
            *count = sqlite3_column_int(st, 0);
            *expires = sqlite3_column_int64(st, 1);
        }
    }
    rt_finalize(w, st);
    return found;
}

static const char *guarded_table(WardConn *w, const char *approval, char *buf,
                                 size_t n)
{
    sqlite3_stmt *st = prep(w, "SELECT tbl FROM main.\"ward_guard\" WHERE "
                               "approval = ?1 ORDER BY rowid LIMIT 1");
    buf[0] = '\0';
    if (st) {
        sqlite3_bind_text(st, 1, approval, -1, SQLITE_STATIC);
        if (rt_step(w, st) == SQLITE_ROW)
            sqlite3_snprintf((int)n, buf, "%s", sqlite3_column_text(st, 0));
    }
    rt_finalize(w, st);
    return buf[0] ? buf : NULL;
}

static void fn_request(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    WardConn *w = rt_conn(ctx);
    if (!has_user(ctx, w, "ward_request"))
        return;
    const char *name = (const char *)sqlite3_value_text(argv[0]);
    const char *reason = (const char *)sqlite3_value_text(argv[1]);
    int count = 0;
    sqlite3_int64 expires = 0;
    if (!name || !approval_info(w, name, &count, &expires)) {
        rt_error(ctx, "[unknown-approval] no approval '%s' in policy %s",
                 name ? name : "", w->policy);
        return;
    }
    if (!reason || !*reason) {
        rt_error(ctx, "ward_request needs a reason");
        return;
    }
    char now[32], until[32];
    rt_now(w, now, 0);
    rt_now(w, until, expires);
    sqlite3_stmt *st = prep(w, "INSERT INTO main.\"ward_request\" (approval, "
                               "requester, reason, requested_at, expires_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id");
    sqlite3_int64 id = 0;
    int rc = st ? SQLITE_OK : SQLITE_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w->user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
        if (expires > 0)
            sqlite3_bind_text(st, 5, until, -1, SQLITE_STATIC);
        rc = rt_step(w, st);
        if (rc == SQLITE_ROW)
            id = sqlite3_column_int64(st, 0);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_result_error(ctx, sqlite3_errmsg(w->db), -1);
        rt_finalize(w, st);
        return;
    }
    rt_finalize(w, st);
    char tbl[256], detail[300];
    sqlite3_snprintf(sizeof detail, detail, "%s #%lld", name, (long long)id);
    char *err = NULL;
    if (rt_audit_append(w, "request", guarded_table(w, name, tbl, sizeof tbl),
                        NULL, NULL, 0, false, detail, &err) != SQLITE_OK) {
        sqlite3_result_error(ctx, err, -1);
        sqlite3_free(err);
        return;
    }
    sqlite3_result_int64(ctx, id);
}

typedef struct Request {
    sqlite3_int64 id;
    char approval[128];
    char requester[256];
    bool dead; /* used or expired */
    int votes;
    bool voted; /* by the session's user */
    int open;   /* by name: how many requests of that name are open */
} Request;

static bool request_load(WardConn *w, sqlite3_value *which, Request *r)
{
    memset(r, 0, sizeof *r);
    char now[32];
    rt_now(w, now, 0);
    sqlite3_stmt *st;
    if (sqlite3_value_type(which) == SQLITE_INTEGER) {
        st = prep(w, "SELECT id, approval, requester, used_at IS NOT NULL OR "
                     "(expires_at IS NOT NULL AND expires_at <= ?2) FROM "
                     "main.\"ward_request\" WHERE id = ?1");
        if (st)
            sqlite3_bind_int64(st, 1, sqlite3_value_int64(which));
    } else {
        /* By name: the request for it that is still open, when it is the
         * only one (a vote must not go to a request filed by someone
         * else just before it). */
        st = prep(w, "SELECT id, approval, requester, 0, count(*) OVER () "
                     "FROM main.\"ward_request\" WHERE approval = ?1 AND "
                     "used_at IS NULL AND (expires_at IS NULL OR expires_at > "
                     "?2) ORDER BY id DESC LIMIT 1");
        if (st)
            sqlite3_bind_value(st, 1, which);
    }
    bool found = false;
    if (st) {
        sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
        if (rt_step(w, st) == SQLITE_ROW) {
            found = true;
            r->id = sqlite3_column_int64(st, 0);
            sqlite3_snprintf(sizeof r->approval, r->approval, "%s",
                             sqlite3_column_text(st, 1));
            sqlite3_snprintf(sizeof r->requester, r->requester, "%s",
                             sqlite3_column_text(st, 2));
            r->dead = sqlite3_column_int(st, 3) != 0;
            r->open =
                sqlite3_column_count(st) > 4 ? sqlite3_column_int(st, 4) : 1;
        }
    }
    rt_finalize(w, st);
    if (!found)
        return false;
    st = prep(w, "SELECT count(*), coalesce(sum(approver = ?2), 0) FROM "
                 "main.\"ward_vote\" WHERE request = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, r->id);
        sqlite3_bind_text(st, 2, w->user, -1, SQLITE_STATIC);
        if (rt_step(w, st) == SQLITE_ROW) {
            r->votes = sqlite3_column_int(st, 0);
            r->voted = sqlite3_column_int(st, 1) > 0;
        }
    }
    rt_finalize(w, st);
    return true;
}

/* approvers lists the approving roles of APPROVAL, and whether the session
 * holds one. */
static char *approvers(WardConn *w, const char *approval, bool *holds)
{
    sqlite3_stmt *st = prep(w, "SELECT role FROM main.\"ward_approver\" "
                               "WHERE approval = ?1 ORDER BY rowid");
    sqlite3_str *s = sqlite3_str_new(w->db);
    *holds = false;
    if (st) {
        sqlite3_bind_text(st, 1, approval, -1, SQLITE_STATIC);
        while (rt_step(w, st) == SQLITE_ROW) {
            const char *role = (const char *)sqlite3_column_text(st, 0);
            char *k = sqlite3_mprintf(",%s,", role);
            if (k && strstr(w->roles_key, k))
                *holds = true;
            sqlite3_free(k);
            sqlite3_str_appendf(s, "%s%s", sqlite3_str_length(s) ? ", " : "",
                                role);
        }
    }
    rt_finalize(w, st);
    return sqlite3_str_finish(s);
}

/* refuse audits a refused vote, then reports it. */
static void refuse(sqlite3_context *ctx, WardConn *w, const Request *r,
                   const char *code, char *msg)
{
    char detail[400], tbl[256];
    sqlite3_snprintf(sizeof detail, detail, "%s #%lld refused [%s]",
                     r->approval, (long long)r->id, code);
    rt_audit_lasting(w, "approve",
                     guarded_table(w, r->approval, tbl, sizeof tbl), NULL, NULL,
                     0, false, detail, NULL);
    rt_error(ctx, "[%s] %s", code, msg ? msg : "refused");
    sqlite3_free(msg);
}

static void fn_approve(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    WardConn *w = rt_conn(ctx);
    if (!has_user(ctx, w, "ward_approve"))
        return;
    Request r;
    if (!request_load(w, argv[0], &r)) {
        rt_error(ctx, "[unknown-request] no %s request %s",
                 sqlite3_value_type(argv[0]) == SQLITE_INTEGER ? "" : "open",
                 sqlite3_value_text(argv[0]));
        return;
    }
    if (r.open > 1) {
        rt_error(ctx,
                 "[ambiguous-request] %d requests for %s are open; approve "
                 "one by its id (the latest is #%lld)",
                 r.open, r.approval, (long long)r.id);
        return;
    }
    int count = 0;
    sqlite3_int64 expires = 0;
    approval_info(w, r.approval, &count, &expires);
    bool holds;
    char *who = approvers(w, r.approval, &holds);
    if (strcmp(r.requester, w->user) == 0)
        refuse(ctx, w, &r, "self-approval",
               sqlite3_mprintf("%s requested #%lld (%s) and cannot approve "
                               "it",
                               w->user, (long long)r.id, r.approval));
    else if (!holds)
        refuse(ctx, w, &r, "not-approver",
               sqlite3_mprintf("%s approves only as %s; %s holds %s",
                               r.approval, who ? who : "", w->user,
                               *w->roles ? w->roles : "no role"));
    else if (r.voted)
        refuse(ctx, w, &r, "already-approved",
               sqlite3_mprintf("%s already approved #%lld", w->user,
                               (long long)r.id));
    else if (r.dead)
        refuse(ctx, w, &r, "expired",
               sqlite3_mprintf("request #%lld (%s) has expired or was used",
                               (long long)r.id, r.approval));
    else if (r.votes >= count)
        refuse(ctx, w, &r, "already-approved",
               sqlite3_mprintf("request #%lld (%s) already has its %d "
                               "approval%s",
                               (long long)r.id, r.approval, count,
                               count == 1 ? "" : "s"));
    else {
        char now[32];
        rt_now(w, now, 0);
        sqlite3_stmt *st = prep(w, "INSERT INTO main.\"ward_vote\" (request, "
                                   "approver, roles, at) VALUES (?1, ?2, ?3, "
                                   "?4)");
        int rc = SQLITE_ERROR;
        if (st) {
            sqlite3_bind_int64(st, 1, r.id);
            sqlite3_bind_text(st, 2, w->user, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, w->roles, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
            rc = rt_step(w, st);
        }
        rt_finalize(w, st);
        if (rc != SQLITE_DONE) {
            sqlite3_result_error(ctx, sqlite3_errmsg(w->db), -1);
        } else {
            char detail[300], tbl[256];
            sqlite3_snprintf(sizeof detail, detail, "%s #%lld", r.approval,
                             (long long)r.id);
            char *err = NULL;
            if (rt_audit_append(
                    w, "approve", guarded_table(w, r.approval, tbl, sizeof tbl),
                    NULL, NULL, 0, false, detail, &err) != SQLITE_OK) {
                sqlite3_result_error(ctx, err, -1);
                sqlite3_free(err);
            } else {
                sqlite3_result_int(ctx, count - r.votes - 1);
            }
        }
    }
    sqlite3_free(who);
}

/* ---- guarded operations ---- */

static const char *op_phrase(const char *op)
{
    return strcmp(op, "delete") == 0 ? "delete from" : op;
}

void rt_approval_statement_end(WardConn *w)
{
    for (int i = 0; i < w->ntables; i++)
        w->tables[i].exported = false;
    for (int i = 0; i < w->nuses; i++)
        sqlite3_free(w->uses[i].approval);
    sqlite3_free(w->uses);
    w->uses = NULL;
    w->nuses = 0;
}

static sqlite3_int64 count_rows(WardConn *w, const RtTable *t)
{
    char *sql =
        sqlite3_mprintf("SELECT count(*) FROM main.\"%w\"%s%s", t->name,
                        t->filter ? " WHERE " : "", t->filter ? t->filter : "");
    sqlite3_stmt *st = sql ? prep(w, sql) : NULL;
    sqlite3_free(sql);
    sqlite3_int64 n = -1;
    if (st && rt_step(w, st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    rt_finalize(w, st);
    return n;
}

int rt_approval_use(WardConn *w, const char *approval, const char *op,
                    const RtTable *t, const RtColumn *c, char **err)
{
    /* An approved operation is the only statement of the session running
     * (checked first, every time): another one, open beside it, would
     * share its approval and escape its record. */
    if (rt_guard_running(w, NULL) > 1) {
        *err =
            sqlite3_mprintf("ward: [approval-required] %s of %s%s%s uses "
                            "approval %s, and must be the only statement "
                            "running on the connection",
                            strcmp(op, "delete") == 0 ? "delete" : op, t->name,
                            c ? "." : "", c ? c->name : "", approval);
        return SQLITE_ERROR;
    }
    for (int i = 0; i < w->nuses; i++)
        if (strcmp(w->uses[i].approval, approval) == 0)
            return SQLITE_OK; /* this statement already holds one */
    if (!w->user) {
        *err = sqlite3_mprintf("ward: [approval-required] %s %s%s%s needs "
                               "approval %s, and a session with a user",
                               op_phrase(op), t->name, c ? "." : "",
                               c ? c->name : "", approval);
        return SQLITE_ERROR;
    }
    /* Inside an explicit transaction a ROLLBACK would undo the use and
     * its audit record while the data was already read: one approval,
     * many exports. */
    if (!sqlite3_get_autocommit(w->db)) {
        *err =
            sqlite3_mprintf("ward: [approval-required] %s of %s%s%s "
                            "uses approval %s, and must run outside an "
                            "explicit transaction (BEGIN or SAVEPOINT)",
                            strcmp(op, "delete") == 0 ? "delete" : op, t->name,
                            c ? "." : "", c ? c->name : "", approval);
        return SQLITE_ERROR;
    }
    char now[32];
    rt_now(w, now, 0);
    sqlite3_stmt *st = prep(
        w, "SELECT r.id FROM main.\"ward_request\" r JOIN "
           "main.\"ward_approval\" a ON a.name = r.approval WHERE r.approval "
           "= ?1 AND r.requester = ?2 AND r.used_at IS NULL AND (r.expires_at "
           "IS NULL OR r.expires_at > ?3) AND (SELECT count(*) FROM "
           "main.\"ward_vote\" v WHERE v.request = r.id) >= a.count ORDER BY "
           "r.id LIMIT 1");
    sqlite3_int64 id = 0;
    if (st) {
        sqlite3_bind_text(st, 1, approval, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w->user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
        if (rt_step(w, st) == SQLITE_ROW)
            id = sqlite3_column_int64(st, 0);
    }
    rt_finalize(w, st);
    if (!id) {
        *err =
            sqlite3_mprintf("ward: [approval-required] %s of %s%s%s needs "
                            "approval %s",
                            strcmp(op, "delete") == 0 ? "delete" : op, t->name,
                            c ? "." : "", c ? c->name : "", approval);
        return SQLITE_ERROR;
    }
    st = prep(w, "UPDATE main.\"ward_request\" SET used_at = ?2 WHERE id = "
                 "?1");
    int rc = SQLITE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        rc = rt_step(w, st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    rt_finalize(w, st);
    if (rc != SQLITE_OK) {
        *err = sqlite3_mprintf("ward: cannot use request #%lld: %s",
                               (long long)id, sqlite3_errmsg(w->db));
        return rc;
    }
    RtUse *u = sqlite3_realloc64(w->uses, (w->nuses + 1) * sizeof *u);
    if (!u)
        return SQLITE_NOMEM;
    w->uses = u;
    u[w->nuses].approval = sqlite3_mprintf("%s", approval);
    u[w->nuses].request = id;
    w->nuses++;
    char detail[300];
    sqlite3_snprintf(sizeof detail, detail, "%s #%lld", approval,
                     (long long)id);
    /* Exports are recorded here with their size; deletes and updates by
     * the write-audit triggers, row by row, and here once. */
    bool sized = strcmp(op, "export") == 0;
    return rt_audit_append(w, op, t->name, NULL, c ? c->name : NULL,
                           sized ? count_rows(w, t) : 0, sized, detail, err);
}

int rt_export_gate(WardConn *w, RtTable *t, char **err)
{
    if (!t->export_approval && rt_guard_running(w, NULL) > 1) {
        *err = sqlite3_mprintf("ward: an export of %s must be the only "
                               "statement running on the connection",
                               t->name);
        return SQLITE_ERROR;
    }
    if (t->exported && rt_guard_running(w, NULL) <= 1)
        return SQLITE_OK; /* gated once for the whole statement */
    int rc;
    if (t->export_approval)
        rc = rt_approval_use(w, t->export_approval, "export", t, NULL, err);
    else
        rc = rt_audit_lasting(w, "export", t->name, NULL, NULL,
                              count_rows(w, t), true, NULL, err);
    t->exported = rc == SQLITE_OK;
    return rc;
}

static const RtFunction FUNCTIONS[] = {
    {"ward_request", 2, 0, fn_request},
    {"ward_approve", 1, 0, fn_approve},
};

int rt_approval_register(sqlite3 *db, WardConn *w)
{
    return rt_register(db, w, FUNCTIONS, sizeof FUNCTIONS / sizeof *FUNCTIONS);
}
