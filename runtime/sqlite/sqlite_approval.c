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
#include "approval_match.h"
#include "sqlite_rt.h"

#include <stddef.h>
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

/* ---- who fills the places of a `by` line ---- */

/* Clauses is an approval's `by` line as the catalog holds it: per clause,
 * its count and its roles as ",a,b,". */
typedef struct Clauses {
    size_t n;
    int counts[APPROVAL_MAX_PLACES];
    char *roles[APPROVAL_MAX_PLACES];
} Clauses;

static void clauses_free(Clauses *cl)
{
    for (size_t i = 0; i < cl->n; i++)
        sqlite3_free(cl->roles[i]);
    cl->n = 0;
}

static bool clauses_load(WardConn *w, const char *approval, Clauses *cl)
{
    cl->n = 0;
    sqlite3_stmt *st = prep(
        w, "SELECT c.count, ',' || group_concat(a.role, ',') || ',' FROM "
           "main.\"ward_clause\" c JOIN main.\"ward_approver\" a ON "
           "a.approval = c.approval AND a.clause = c.clause WHERE c.approval "
           "= ?1 GROUP BY c.clause ORDER BY c.clause");
    if (st) {
        sqlite3_bind_text(st, 1, approval, -1, SQLITE_STATIC);
        while (cl->n < APPROVAL_MAX_PLACES && rt_step(w, st) == SQLITE_ROW) {
            cl->counts[cl->n] = sqlite3_column_int(st, 0);
            cl->roles[cl->n] = rt_dup((const char *)sqlite3_column_text(st, 1));
            if (!cl->roles[cl->n])
                break;
            cl->n++;
        }
    }
    rt_finalize(w, st);
    return cl->n > 0;
}

/* Voters are the role sets (",a,b,") of a request's voters. */
typedef struct Voters {
    const Clauses *cl;
    char **roles;
} Voters;

/* voter_takes: voter V holds one of clause C's roles (names are 63 bytes at
 * most, so ",role," fits the buffer). */
static bool voter_takes(void *ctx, size_t c, size_t v)
{
    const Voters *vs = ctx;
    const char *r = vs->cl->roles[c];
    for (const char *end; r && (end = strchr(r + 1, ',')); r = end) {
        char key[72];
        if (end - r + 1 >= (ptrdiff_t)sizeof key)
            continue; /* longer than any name: never a match */
        sqlite3_snprintf(sizeof key, key, "%.*s", (int)(end - r + 1), r);
        if (end > r + 1 && strstr(vs->roles[v], key))
            return true;
    }
    return false;
}

/* request_placed is how many places of CL the votes on REQUEST fill, with
 * a vote by a holder of EXTRA (the runtime's "a,b") added when EXTRA is not
 * NULL; -1 when the votes cannot be read. */
static int request_placed(WardConn *w, const Clauses *cl, sqlite3_int64 request,
                          const char *extra)
{
    /* Role names hold no space: one string, split at the spaces. */
    sqlite3_stmt *st = prep(w, "SELECT group_concat(',' || roles || ',', ' ') "
                               "FROM main.\"ward_vote\" WHERE request = ?1");
    char *all = NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, request);
        if (rt_step(w, st) == SQLITE_ROW) {
            const char *votes = (const char *)sqlite3_column_text(st, 0);
            all = sqlite3_mprintf("%s%s%s%s%s", votes ? votes : "",
                                  votes && extra ? " " : "", extra ? "," : "",
                                  extra ? extra : "", extra ? "," : "");
        }
    }
    rt_finalize(w, st);
    if (!all)
        return -1;
    size_t n = *all ? 1 : 0;
    for (const char *p = all; *p; p++)
        n += *p == ' ';
    char **roles = sqlite3_malloc64((n ? n : 1) * sizeof *roles);
    int placed = -1;
    if (roles) {
        char *p = all;
        for (size_t i = 0; i < n; i++) {
            roles[i] = p;
            p += strcspn(p, " ");
            if (*p)
                *p++ = '\0';
        }
        Voters vs = {cl, roles};
        placed = (int)approval_placed(cl->n, cl->counts, n, voter_takes, &vs);
    }
    sqlite3_free(roles);
    sqlite3_free(all);
    return placed;
}

/* approval_info reads an approval's count and expiry (seconds, 0 for
 * never; a catalog of an earlier ward wrote NULL, which reads as 0); false
 * if unknown. */
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
    bool dead;  /* used or expired */
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
    st = prep(w, "SELECT EXISTS (SELECT 1 FROM main.\"ward_vote\" WHERE "
                 "request = ?1 AND approver = ?2)");
    if (st) {
        sqlite3_bind_int64(st, 1, r->id);
        sqlite3_bind_text(st, 2, w->user, -1, SQLITE_STATIC);
        if (rt_step(w, st) == SQLITE_ROW)
            r->voted = sqlite3_column_int(st, 0) != 0;
    }
    rt_finalize(w, st);
    return true;
}

/* approvers describes who approves APPROVAL ("compliance, sales_manager",
 * or "1 of compliance and 1 of sales_manager" for a line of several
 * clauses), and whether the session holds one of those roles. */
static char *approvers(WardConn *w, const char *approval, bool *holds)
{
    sqlite3_stmt *st = prep(
        w, "SELECT c.count, group_concat(a.role, ', '), count(*) OVER (), "
           "max(instr(?2, ',' || a.role || ',')) FROM main.\"ward_clause\" c "
           "JOIN main.\"ward_approver\" a ON a.approval = c.approval AND "
           "a.clause = c.clause WHERE c.approval = ?1 GROUP BY c.clause ORDER "
           "BY c.clause");
    sqlite3_str *s = sqlite3_str_new(w->db);
    *holds = false;
    if (st) {
        sqlite3_bind_text(st, 1, approval, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w->roles_key, -1, SQLITE_STATIC);
        while (rt_step(w, st) == SQLITE_ROW) {
            const char *roles = (const char *)sqlite3_column_text(st, 1);
            if (sqlite3_column_int(st, 3) > 0)
                *holds = true;
            if (sqlite3_column_int(st, 2) == 1)
                sqlite3_str_appendall(s, roles ? roles : "");
            else
                sqlite3_str_appendf(
                    s, "%s%d of %s", sqlite3_str_length(s) ? " and " : "",
                    sqlite3_column_int(st, 0), roles ? roles : "");
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
    Clauses cl;
    clauses_load(w, r.approval, &cl);
    int places = (int)approval_places(cl.n, cl.counts);
    int before = request_placed(w, &cl, r.id, NULL);
    int after = request_placed(w, &cl, r.id, w->roles);
    clauses_free(&cl);
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
    else if (before < 0 || after < 0)
        rt_error(ctx, "cannot read the votes on request #%lld: %s",
                 (long long)r.id, sqlite3_errmsg(w->db));
    else if (before >= places)
        refuse(ctx, w, &r, "already-approved",
               sqlite3_mprintf("request #%lld (%s) already has its %d "
                               "approval%s",
                               (long long)r.id, r.approval, places,
                               places == 1 ? "" : "s"));
    else if (after == before)
        /* One approver fills one place: the places this one's roles could
         * fill are taken, and a later vote never makes this one count. */
        refuse(ctx, w, &r, "already-approved",
               sqlite3_mprintf("the places of request #%lld (%s) that "
                               "%s's roles can fill are taken; it still "
                               "needs %d approval%s (by %s)",
                               (long long)r.id, r.approval, w->user,
                               places - before, places - before == 1 ? "" : "s",
                               who ? who : ""));
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
                sqlite3_result_int(ctx, places - after);
            }
        }
    }
    sqlite3_free(who);
}

/* ---- guarded operations ---- */

void rt_approval_statement_end(WardConn *w)
{
    for (int i = 0; i < w->ntables; i++) {
        w->tables[i].exported = false;
        w->tables[i].produced = 0;
    }
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

/* approved_request is the oldest open request of APPROVAL by the session's
 * user whose votes fill its `by` line; 0 when there is none. */
static sqlite3_int64 approved_request(WardConn *w, const char *approval)
{
    Clauses cl;
    if (!clauses_load(w, approval, &cl))
        return 0;
    int places = (int)approval_places(cl.n, cl.counts);
    char now[32];
    rt_now(w, now, 0);
    sqlite3_stmt *st =
        prep(w, "SELECT id FROM main.\"ward_request\" WHERE approval = ?1 "
                "AND requester = ?2 AND used_at IS NULL AND (expires_at IS "
                "NULL OR expires_at > ?3) ORDER BY id");
    sqlite3_int64 id = 0;
    if (st) {
        sqlite3_bind_text(st, 1, approval, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w->user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
        while (!id && rt_step(w, st) == SQLITE_ROW) {
            sqlite3_int64 r = sqlite3_column_int64(st, 0);
            if (request_placed(w, &cl, r, NULL) >= places)
                id = r;
        }
    }
    rt_finalize(w, st);
    clauses_free(&cl);
    return id;
}

/* use_approval is rt_approval_use with DOING, the operation as messages
 * name it ("export of customers", "reading more than 100 rows of
 * doctors"), and DETAIL, what the audit record adds after the request. */
static int use_approval(WardConn *w, const char *approval, const char *op,
                        const char *doing, const char *detail, const RtTable *t,
                        const RtColumn *c, char **err)
{
    /* An approved operation is the only statement of the session running
     * (checked first, every time): another one, open beside it, would
     * share its approval and escape its record. */
    if (rt_guard_running(w, NULL) > 1) {
        *err = sqlite3_mprintf("ward: [approval-required] %s uses approval "
                               "%s, and must be the only statement running "
                               "on the connection",
                               doing, approval);
        return SQLITE_ERROR;
    }
    for (int i = 0; i < w->nuses; i++)
        if (strcmp(w->uses[i].approval, approval) == 0)
            return SQLITE_OK; /* this statement already holds one */
    if (!w->user) {
        *err = sqlite3_mprintf("ward: [approval-required] %s needs approval "
                               "%s, and a session with a user",
                               doing, approval);
        return SQLITE_ERROR;
    }
    /* Inside an explicit transaction a ROLLBACK would undo the use and
     * its audit record while the data was already read: one approval,
     * many exports. */
    if (!sqlite3_get_autocommit(w->db)) {
        *err = sqlite3_mprintf("ward: [approval-required] %s uses approval "
                               "%s, and must run outside an explicit "
                               "transaction (BEGIN or SAVEPOINT)",
                               doing, approval);
        return SQLITE_ERROR;
    }
    sqlite3_int64 id = approved_request(w, approval);
    if (!id) {
        *err = sqlite3_mprintf("ward: [approval-required] %s needs approval "
                               "%s",
                               doing, approval);
        return SQLITE_ERROR;
    }
    char now[32];
    rt_now(w, now, 0);
    sqlite3_stmt *st = prep(w, "UPDATE main.\"ward_request\" SET used_at = "
                               "?2 WHERE id = ?1");
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
    char text[400];
    sqlite3_snprintf(sizeof text, text, "%s #%lld%s", approval, (long long)id,
                     detail ? detail : "");
    /* Exports are recorded here with their size; deletes and updates by
     * the write-audit triggers, row by row, and here once. */
    bool sized = strcmp(op, "export") == 0;
    return rt_audit_append(w, op, t->name, NULL, c ? c->name : NULL,
                           sized ? count_rows(w, t) : 0, sized, text, err);
}

int rt_approval_use(WardConn *w, const char *approval, const char *op,
                    const RtTable *t, const RtColumn *c, char **err)
{
    char *doing = sqlite3_mprintf("%s of %s%s%s", op, t->name, c ? "." : "",
                                  c ? c->name : "");
    if (!doing)
        return SQLITE_NOMEM;
    int rc = use_approval(w, approval, op, doing, NULL, t, c, err);
    sqlite3_free(doing);
    return rc;
}

int rt_bulk_gate(WardConn *w, RtTable *t, char **err)
{
    char *doing = sqlite3_mprintf("reading more than %lld row%s of %s",
                                  (long long)t->export_beyond,
                                  t->export_beyond == 1 ? "" : "s", t->name);
    if (!doing)
        return SQLITE_NOMEM;
    int rc;
    /* A write that then fails would give the approval back and lose its
     * record with the rows already read, as for an export. */
    if (rt_guard_writing(w)) {
        *err = sqlite3_mprintf("ward: [approval-required] %s needs approval "
                               "%s, which an INSERT, UPDATE or DELETE cannot "
                               "use: read the rows in a SELECT",
                               doing, t->export_approval);
        rc = SQLITE_ERROR;
    } else {
        char detail[64];
        sqlite3_snprintf(sizeof detail, detail, ": read beyond %lld rows",
                         (long long)t->export_beyond);
        rc = use_approval(w, t->export_approval, "export", doing, detail, t,
                          NULL, err);
    }
    sqlite3_free(doing);
    if (rc == SQLITE_OK)
        t->bulk_epoch = w->started;
    return rc;
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
