/*
 * sqlite_vtab.c - the session's view of each protected table: a virtual
 * table of the same name in the connection's temp schema.
 *
 * SQLite finds temp before main, so an application's unchanged
 * `SELECT phone FROM customers` reads the virtual table, whose rows come
 * from the runtime's own prepared statement over main.customers:
 *   - xBestIndex plans that statement: the session's row filter, the
 *     columns the query uses (a hidden column is never read), and the
 *     query's constraints on columns the session sees in clear, so the base
 *     table's indexes serve them. A constraint on a masked or hidden column
 *     is never pushed down: SQLite evaluates it on the decided values, as
 *     the session sees them, and nothing about the stored value can leak
 *     through which rows come back;
 *   - xColumn returns the decided value: the stored one, NULL, or the C
 *     mask core's output; reads of audited columns are counted;
 *   - xUpdate is the checked write path (sqlite_write.c).
 * Two more per table: ward_export_T (the export, gated by its approval and
 * recorded with its size) and, when a column has an unmask approval,
 * ward_unmask_T (that column in clear once approved).
 *
 * A plan's statement is prepared once and kept, per virtual table, for the
 * session it was planned for; a cursor borrows it.
 */
#include "sqlite_rt.h"

#include <stdlib.h>
#include <string.h>

typedef enum VtabMode { MODE_READ, MODE_EXPORT, MODE_UNMASK } VtabMode;

/* A prepared base statement for one plan. */
typedef struct Prepared {
    char *plan;       /* the plan text it was prepared from */
    sqlite3_stmt *st; /* NULL: the slot is free */
    unsigned gen;     /* the session it was planned for */
    bool busy;        /* a cursor holds it */
    int *pos;         /* column -> result column of st, or -1 */
    bool *pushed;     /* column -> a constraint on it reaches the base */
} Prepared;

#define CACHE 8

typedef struct WardVtab {
    sqlite3_vtab base;
    WardConn *w;
    char *table; /* the protected table it serves */
    VtabMode mode;
    Prepared cache[CACHE];
} WardVtab;

typedef struct WardCursor {
    sqlite3_vtab_cursor base;
    RtTable *t;
    Prepared *p; /* borrowed from the cache, or owned when !cached */
    bool cached;
    bool eof;
    sqlite3_int64 rowid; /* the current row's stored rowid */
} WardCursor;

static void prepared_free(WardConn *w, Prepared *p)
{
    rt_finalize(w, p->st);
    sqlite3_free(p->plan);
    sqlite3_free(p->pos);
    sqlite3_free(p->pushed);
    memset(p, 0, sizeof *p);
}

static void vtab_free(WardVtab *vt)
{
    for (int i = 0; i < CACHE; i++)
        prepared_free(vt->w, &vt->cache[i]);
    sqlite3_free(vt->table);
    sqlite3_free(vt);
}

/* table_of finds the vtab's table and its decisions for the session. */
static RtTable *table_of(WardVtab *vt)
{
    RtTable *t = rt_table(vt->w, vt->table);
    char *err = NULL;
    if (!t) {
        sqlite3_free(vt->base.zErrMsg);
        vt->base.zErrMsg = sqlite3_mprintf(
            "ward: %s is not protected by the policy in force", vt->table);
        return NULL;
    }
    if (rt_table_decide(vt->w, t, &err) != SQLITE_OK) {
        sqlite3_free(vt->base.zErrMsg);
        vt->base.zErrMsg = err;
        return NULL;
    }
    return t;
}

/* effect: what the session gets of column C through this vtab. */
static RtEffect effect(const WardVtab *vt, const RtColumn *c)
{
    if (vt->mode == MODE_UNMASK && c->unmask)
        return RT_SHOW;
    return c->effect;
}

/* ---- rowids ---- */

static uint32_t round_fn(uint32_t r, uint64_t k)
{
    /* splitmix64's finaliser over the half and the round key */
    uint64_t z = (uint64_t)r ^ k;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (uint32_t)(z ^ (z >> 31));
}

#define ROUNDS 8

static uint64_t round_key(uint64_t key, int i)
{
    return key + 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
}

sqlite3_int64 rt_rowid_hide(const WardConn *w, sqlite3_int64 rowid)
{
    uint64_t x = (uint64_t)rowid;
    uint32_t l = (uint32_t)(x >> 32), r = (uint32_t)x;
    for (int i = 0; i < ROUNDS; i++) {
        uint32_t t = r;
        r = l ^ round_fn(r, round_key(w->rowid_key, i));
        l = t;
    }
    return (sqlite3_int64)(((uint64_t)l << 32) | r);
}

sqlite3_int64 rt_rowid_show(const WardConn *w, sqlite3_int64 rowid)
{
    uint64_t x = (uint64_t)rowid;
    uint32_t l = (uint32_t)(x >> 32), r = (uint32_t)x;
    for (int i = ROUNDS - 1; i >= 0; i--) {
        uint32_t t = l;
        l = r ^ round_fn(l, round_key(w->rowid_key, i));
        r = t;
    }
    return (sqlite3_int64)(((uint64_t)l << 32) | r);
}

bool rt_rowid_clear(const RtTable *t)
{
    return t->rowid_col >= 0 && t->cols[t->rowid_col].effect == RT_SHOW;
}

/* ---- creating ---- */

/* dequote returns the module argument S without its quotes (a copy). */
static char *dequote(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || (s[0] != '"' && s[0] != '\''))
        return rt_dup(s);
    char q = s[0], *out = sqlite3_malloc64(n);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        out[k++] = s[i];
        if (s[i] == q && s[i + 1] == q)
            i++;
    }
    out[k] = '\0';
    return out;
}

/* vt_connect: argv[3] is the protected table, argv[4] the mode. The vtab
 * declares the table's policy columns with the base columns' types and
 * collations, so comparisons and sorting behave as on the table. */
static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **out, char **err)
{
    WardConn *w = aux;
    if (argc < 4) {
        *err = sqlite3_mprintf("ward: the ward module takes a table name");
        return SQLITE_ERROR;
    }
    WardVtab *vt = sqlite3_malloc(sizeof *vt);
    if (!vt)
        return SQLITE_NOMEM;
    memset(vt, 0, sizeof *vt);
    vt->w = w;
    vt->table = dequote(argv[3]);
    char *mode = argc > 4 ? dequote(argv[4]) : NULL;
    vt->mode = !mode                         ? MODE_READ
               : strcmp(mode, "export") == 0 ? MODE_EXPORT
               : strcmp(mode, "unmask") == 0 ? MODE_UNMASK
                                             : MODE_READ;
    sqlite3_free(mode);
    RtTable *t = vt->table ? rt_table(w, vt->table) : NULL;
    if (!t) {
        *err =
            sqlite3_mprintf("ward: %s is not protected by the policy", argv[3]);
        vtab_free(vt);
        return SQLITE_ERROR;
    }
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_str_appendall(s, "CREATE TABLE x(");
    for (int i = 0; i < t->ncols; i++) {
        const RtColumn *c = &t->cols[i];
        sqlite3_str_appendf(s, "%s\"%w\"", i ? ", " : "", c->name);
        if (c->decl && *c->decl)
            sqlite3_str_appendf(s, " \"%w\"", c->decl);
        sqlite3_str_appendf(s, " COLLATE \"%w\"", c->coll ? c->coll : "BINARY");
    }
    sqlite3_str_appendall(s, ")");
    char *sql = sqlite3_str_finish(s);
    int rc = sql ? sqlite3_declare_vtab(db, sql) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        *err = sqlite3_mprintf("ward: cannot declare %s: %s", vt->table,
                               sqlite3_errmsg(db));
        vtab_free(vt);
        return rc;
    }
    *out = &vt->base;
    return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *vtab)
{
    vtab_free((WardVtab *)vtab);
    return SQLITE_OK;
}

/* ---- planning ---- */

static const char *op_sql(unsigned char op, bool *unary)
{
    *unary = false;
    switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: return " = ";
    case SQLITE_INDEX_CONSTRAINT_GT: return " > ";
    case SQLITE_INDEX_CONSTRAINT_LE: return " <= ";
    case SQLITE_INDEX_CONSTRAINT_LT: return " < ";
    case SQLITE_INDEX_CONSTRAINT_GE: return " >= ";
    case SQLITE_INDEX_CONSTRAINT_NE: return " <> ";
    case SQLITE_INDEX_CONSTRAINT_IS: return " IS ";
    case SQLITE_INDEX_CONSTRAINT_ISNOT: return " IS NOT ";
    case SQLITE_INDEX_CONSTRAINT_ISNULL: *unary = true; return " IS NULL";
    case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
        *unary = true;
        return " IS NOT NULL";
    default: return NULL;
    }
}

static bool column_used(const sqlite3_index_info *info, int i)
{
    sqlite3_uint64 bit = (sqlite3_uint64)1 << (i < 63 ? i : 63);
    return (info->colUsed & bit) != 0;
}

/*
 * vt_best_index writes the plan into idxStr, in a form that names no SQL
 * (EXPLAIN shows idxStr, and the row filter is not the session's to
 * read): per column "-" (not read) or its result column, "*" when a
 * constraint on it reaches the base table; then "|" and each constraint
 * passed on as "COLUMN:OP " (COLUMN -1 for the rowid). plan_sql turns it
 * into the runtime's statement. Only columns the session sees in clear
 * (and the rowid, when it is one of them) are constrained.
 */
static int vt_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info)
{
    WardVtab *vt = (WardVtab *)vtab;
    RtTable *t = table_of(vt);
    if (!t)
        return SQLITE_ERROR;
    sqlite3_str *map = sqlite3_str_new(vt->w->db);
    sqlite3_str *cons = sqlite3_str_new(vt->w->db);
    int ncol = 1;
    int pos[t->ncols ? t->ncols : 1];
    bool pushed[t->ncols ? t->ncols : 1];
    for (int i = 0; i < t->ncols; i++) {
        pushed[i] = false;
        pos[i] = -1;
        if (column_used(info, i) && effect(vt, &t->cols[i]) != RT_HIDE)
            pos[i] = ncol++;
    }
    double rows = 1e6;
    int nargs = 0;
    bool unique = false;
    bool rowid_clear = rt_rowid_clear(t);
    for (int k = 0; k < info->nConstraint; k++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[k];
        if (!c->usable)
            continue;
        bool unary;
        if (!op_sql(c->op, &unary))
            continue;
        const RtColumn *col = c->iColumn >= 0 ? &t->cols[c->iColumn] : NULL;
        if (col ? col->effect != RT_SHOW : !rowid_clear)
            continue; /* decided values are SQLite's to compare */
        /* With a row filter, an index on the column would visit the rows
         * the filter then drops, and its time would count them: only a
         * unique column's (one row at most) is used. */
        if (t->filter && !(col ? col->unique : true))
            continue;
        if (col && sqlite3_stricmp(sqlite3_vtab_collation(info, k),
                                   col->coll ? col->coll : "BINARY") != 0)
            continue;
        if (col)
            pushed[c->iColumn] = true;
        sqlite3_str_appendf(cons, "%d:%d ", col ? c->iColumn : -1, c->op);
        if (!unary)
            info->aConstraintUsage[k].argvIndex = ++nargs;
        /* The base table evaluates it exactly as SQLite would on the
         * virtual table: the same column, type and collation, in clear. */
        info->aConstraintUsage[k].omit = 1;
        bool indexed = col ? col->indexed : true;
        bool uniq = col ? col->unique : true;
        if (c->op == SQLITE_INDEX_CONSTRAINT_EQ ||
            c->op == SQLITE_INDEX_CONSTRAINT_IS) {
            if (indexed && uniq) {
                rows = 1;
                unique = true;
            } else if (indexed && rows > 10) {
                rows = 10;
            } else if (rows > 1e5) {
                rows = 1e5;
            }
        } else if (indexed && rows > 2.5e5) {
            rows = 2.5e5;
        }
    }
    info->estimatedRows = (sqlite3_int64)rows;
    info->estimatedCost = rows;
    if (unique)
        info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    info->idxNum = nargs;
    for (int i = 0; i < t->ncols; i++) {
        if (pos[i] >= 0)
            sqlite3_str_appendf(map, "%d", pos[i]);
        else
            sqlite3_str_appendchar(map, 1, '-');
        sqlite3_str_appendall(map, pushed[i] ? "* " : " ");
    }
    /* An empty sqlite3_str finishes as NULL. */
    bool failed = sqlite3_str_errcode(map) || sqlite3_str_errcode(cons);
    char *m = sqlite3_str_finish(map);
    char *q = sqlite3_str_finish(cons);
    info->idxStr =
        failed ? NULL : sqlite3_mprintf("%s|%s", m ? m : "", q ? q : "");
    info->needToFreeIdxStr = 1;
    sqlite3_free(m);
    sqlite3_free(q);
    return info->idxStr ? SQLITE_OK : SQLITE_NOMEM;
}

/* plan_sql is the runtime's statement for PLAN (vt_best_index's form) as
 * the session in force decides T: the columns read, the row filter, the
 * constraints passed on as ?1, ?2, ... in order, and the rows in the
 * rowid's order (an index on a column the session does not see would
 * otherwise order them by it; a rowid that is a hidden key orders them by
 * its permutation). */
static char *plan_sql(WardConn *w, const RtTable *t, const Prepared *p,
                      const char *plan)
{
    sqlite3_str *sql = sqlite3_str_new(w->db);
    sqlite3_str_appendall(sql, "SELECT rowid");
    for (int i = 0; i < t->ncols; i++)
        if (p->pos[i] >= 0)
            sqlite3_str_appendf(sql, ", \"%w\"", t->cols[i].name);
    sqlite3_str_appendf(sql, " FROM main.\"%w\" WHERE (%s)", t->name,
                        t->filter ? t->filter : "1");
    const char *s = strchr(plan, '|');
    int nargs = 0;
    while (s && *++s) {
        char *e;
        long col = strtol(s, &e, 10);
        long op = *e == ':' ? strtol(e + 1, &e, 10) : -1;
        bool unary;
        const char *text = op_sql((unsigned char)op, &unary);
        if (!text || col < -1 || col >= t->ncols)
            break;
        sqlite3_str_appendall(sql, " AND ");
        if (col >= 0)
            sqlite3_str_appendf(sql, "\"%w\"", t->cols[col].name);
        else
            sqlite3_str_appendall(sql, "rowid");
        sqlite3_str_appendall(sql, text);
        if (!unary)
            sqlite3_str_appendf(sql, "?%d", ++nargs);
        s = strchr(e, ' ');
    }
    sqlite3_str_appendall(sql, rt_rowid_clear(t) || t->rowid_col < 0
                                   ? " ORDER BY rowid"
                                   : " ORDER BY ward_rowid_order(rowid)");
    return sqlite3_str_finish(sql);
}

/* ---- scanning ---- */

static int vt_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out)
{
    WardVtab *vt = (WardVtab *)vtab;
    RtTable *t = table_of(vt);
    if (!t)
        return SQLITE_ERROR;
    WardCursor *cur = sqlite3_malloc(sizeof *cur);
    if (!cur)
        return SQLITE_NOMEM;
    memset(cur, 0, sizeof *cur);
    cur->t = t;
    cur->eof = true;
    *out = &cur->base;
    return SQLITE_OK;
}

static void release(WardCursor *cur)
{
    if (!cur->p)
        return;
    if (cur->cached) {
        rt_reset(((WardVtab *)cur->base.pVtab)->w, cur->p->st);
        sqlite3_clear_bindings(cur->p->st);
        cur->p->busy = false;
    } else {
        prepared_free(((WardVtab *)cur->base.pVtab)->w, cur->p);
        sqlite3_free(cur->p);
    }
    cur->p = NULL;
}

static int vt_close(sqlite3_vtab_cursor *c)
{
    release((WardCursor *)c);
    sqlite3_free(c);
    return SQLITE_OK;
}

/* parse_map reads the plan's first line into P->pos and P->pushed: per
 * column, "-" (not read) or its result column, then "*" when a constraint
 * on it reaches the base table. */
static bool parse_map(const RtTable *t, const char *plan, Prepared *p)
{
    size_t n = (size_t)(t->ncols ? t->ncols : 1);
    p->pos = sqlite3_malloc64(n * sizeof *p->pos);
    p->pushed = sqlite3_malloc64(n * sizeof *p->pushed);
    if (!p->pos || !p->pushed)
        return false;
    const char *s = plan;
    for (int i = 0; i < t->ncols; i++) {
        p->pos[i] = *s == '-' ? -1 : atoi(s);
        while (*s && *s != ' ' && *s != '*')
            s++;
        p->pushed[i] = *s == '*';
        while (*s && *s != ' ')
            s++;
        if (*s == ' ')
            s++;
    }
    return true;
}

/* borrow finds PLAN's statement in the cache, or prepares it. */
static int borrow(WardVtab *vt, WardCursor *cur, const char *plan)
{
    WardConn *w = vt->w;
    Prepared *free_slot = NULL;
    for (int i = 0; i < CACHE; i++) {
        Prepared *p = &vt->cache[i];
        if (p->st && !p->busy && p->gen != w->gen)
            prepared_free(w, p); /* planned for another session */
        if (p->st && !p->busy && strcmp(p->plan, plan) == 0) {
            p->busy = true;
            cur->p = p;
            cur->cached = true;
            return SQLITE_OK;
        }
        if (!p->st && !free_slot)
            free_slot = p;
    }
    Prepared *p = free_slot;
    cur->cached = p != NULL;
    if (!p) {
        p = sqlite3_malloc(sizeof *p);
        if (!p)
            return SQLITE_NOMEM;
        memset(p, 0, sizeof *p);
    }
    int rc = parse_map(cur->t, plan, p) ? SQLITE_OK : SQLITE_NOMEM;
    char *sql = rc == SQLITE_OK ? plan_sql(w, cur->t, p, plan) : NULL;
    if (rc == SQLITE_OK && !sql)
        rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK)
        rc = rt_prepare(w, sql, &p->st);
    sqlite3_free(sql);
    if (rc == SQLITE_OK && !(p->plan = rt_dup(plan)))
        rc = SQLITE_NOMEM;
    if (rc != SQLITE_OK) {
        sqlite3_free(vt->base.zErrMsg);
        vt->base.zErrMsg = sqlite3_mprintf("ward: cannot read %s: %s",
                                           vt->table, sqlite3_errmsg(w->db));
        prepared_free(w, p);
        if (!cur->cached)
            sqlite3_free(p);
        return rc;
    }
    p->gen = w->gen;
    p->busy = true;
    cur->p = p;
    return SQLITE_OK;
}

/* bulk counts a row T's view produces to the statement, and says whether
 * it needs rt_bulk_gate: the first row past T's `export T beyond N rows`,
 * and every later one once another statement has begun beside it (which
 * the gate then refuses). The export view is gated whole instead. */
static bool bulk(const WardVtab *vt, RtTable *t)
{
    if (t->export_beyond < 0 || vt->mode == MODE_EXPORT)
        return false;
    return ++t->produced > t->export_beyond &&
           (t->produced == t->export_beyond + 1 ||
            t->bulk_epoch != vt->w->started);
}

static int step(WardCursor *cur)
{
    WardVtab *vt = (WardVtab *)cur->base.pVtab;
    int rc = rt_step(vt->w, cur->p->st);
    if (rc == SQLITE_ROW && bulk(vt, cur->t)) {
        /* Row N + 1 of a table read beyond its limit is not produced
         * unless the statement may have it. */
        char *err = NULL;
        rc = rt_bulk_gate(vt->w, cur->t, &err);
        if (rc != SQLITE_OK) {
            cur->eof = true;
            sqlite3_free(vt->base.zErrMsg);
            vt->base.zErrMsg = err;
            return rc;
        }
        rc = SQLITE_ROW;
    }
    if (rc == SQLITE_ROW) {
        cur->eof = false;
        cur->rowid = sqlite3_column_int64(cur->p->st, 0);
        return SQLITE_OK;
    }
    cur->eof = true;
    /* A write statement's reads are recorded inside it (see
     * rt_audit_flush_reads). */
    if (rc == SQLITE_DONE && rt_guard_writing(vt->w))
        rt_audit_flush_reads(vt->w, true);
    if (rc == SQLITE_DONE)
        return SQLITE_OK;
    sqlite3_free(vt->base.zErrMsg);
    vt->base.zErrMsg = sqlite3_mprintf("ward: reading %s: %s", vt->table,
                                       sqlite3_errmsg(vt->w->db));
    return rc;
}

/* gate runs the approval a statement through an export or unmask vtab
 * needs, before its first row. */
static int gate(WardVtab *vt, WardCursor *cur)
{
    char *err = NULL;
    int rc = SQLITE_OK;
    /* An export or an unmask read inside a write that then fails would
     * give its approval back and lose its record, with the rows already
     * read (an error message can carry them). */
    if (vt->mode != MODE_READ && rt_guard_writing(vt->w)) {
        sqlite3_free(vt->base.zErrMsg);
        vt->base.zErrMsg = sqlite3_mprintf(
            "ward: [approval-required] %s of %s cannot run inside an INSERT, "
            "UPDATE or DELETE",
            vt->mode == MODE_EXPORT ? "an export" : "an unmask", vt->table);
        return SQLITE_ERROR;
    }
    if (vt->mode == MODE_EXPORT) {
        rc = rt_export_gate(vt->w, cur->t, &err);
    } else if (vt->mode == MODE_UNMASK) {
        for (int i = 0; i < cur->t->ncols && rc == SQLITE_OK; i++) {
            const RtColumn *c = &cur->t->cols[i];
            if (c->unmask && cur->p->pos[i] >= 0)
                rc = rt_approval_use(vt->w, c->unmask, "unmask", cur->t, c,
                                     &err);
        }
    }
    if (rc != SQLITE_OK) {
        sqlite3_free(vt->base.zErrMsg);
        vt->base.zErrMsg = err;
    }
    return rc;
}

static int vt_filter(sqlite3_vtab_cursor *c, int nargs_plan, const char *plan,
                     int argc, sqlite3_value **argv)
{
    (void)nargs_plan;
    WardCursor *cur = (WardCursor *)c;
    WardVtab *vt = (WardVtab *)c->pVtab;
    release(cur);
    cur->eof = true;
    if (!plan || cur->t->gen != vt->w->gen || !vt->w->active) {
        sqlite3_free(vt->base.zErrMsg);
        vt->base.zErrMsg = sqlite3_mprintf(
            "ward: the session changed since this statement was prepared");
        return SQLITE_ERROR;
    }
    int rc = borrow(vt, cur, plan);
    for (int i = 0; rc == SQLITE_OK && i < argc; i++)
        rc = sqlite3_bind_value(cur->p->st, i + 1, argv[i]);
    if (rc == SQLITE_OK)
        rc = gate(vt, cur);
    /* A constraint on an audited column read it, rows found or not. */
    for (int i = 0; rc == SQLITE_OK && i < cur->t->ncols; i++)
        if (cur->p->pushed[i] && cur->t->cols[i].audit_read &&
            vt->mode != MODE_EXPORT)
            cur->t->cols[i].read_seen = true;
    if (rc == SQLITE_OK)
        rc = step(cur);
    return rc;
}

static int vt_next(sqlite3_vtab_cursor *c)
{
    return step((WardCursor *)c);
}

static int vt_eof(sqlite3_vtab_cursor *c)
{
    return ((WardCursor *)c)->eof;
}

static int vt_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int i)
{
    WardCursor *cur = (WardCursor *)c;
    WardVtab *vt = (WardVtab *)c->pVtab;
    /* An UPDATE that does not set this column needs no value of it. */
    if (sqlite3_vtab_nochange(ctx))
        return SQLITE_OK;
    RtColumn *col = &cur->t->cols[i];
    RtEffect e = effect(vt, col);
    if (e == RT_HIDE) {
        sqlite3_result_null(ctx);
        return SQLITE_OK;
    }
    int p = cur->p->pos[i];
    if (p < 0) {
        sqlite3_result_error(ctx, "ward: a column the plan did not read", -1);
        return SQLITE_ERROR;
    }
    sqlite3_value *v = sqlite3_column_value(cur->p->st, p);
    if (col->audit_read && vt->mode != MODE_EXPORT)
        rt_audit_count_read(col, cur->rowid);
    if (e == RT_SHOW)
        sqlite3_result_value(ctx, v);
    else
        rt_mask_result(ctx, vt->w, col->mask, v, col->date, col->margs,
                       col->nargs);
    return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *out)
{
    WardCursor *cur = (WardCursor *)c;
    WardVtab *vt = (WardVtab *)c->pVtab;
    *out =
        rt_rowid_clear(cur->t) ? cur->rowid : rt_rowid_hide(vt->w, cur->rowid);
    return SQLITE_OK;
}

static int vt_update(sqlite3_vtab *vtab, int argc, sqlite3_value **argv,
                     sqlite3_int64 *rowid)
{
    WardVtab *vt = (WardVtab *)vtab;
    if (vt->mode != MODE_READ) {
        sqlite3_free(vtab->zErrMsg);
        vtab->zErrMsg = sqlite3_mprintf(
            "ward: %s is read-only: write %s",
            vt->mode == MODE_EXPORT ? "the export" : "the unmask view",
            vt->table);
        return SQLITE_ERROR;
    }
    RtTable *t = table_of(vt);
    if (!t)
        return SQLITE_ERROR;
    char *err = NULL;
    int rc = rt_write(vt->w, t, argc, argv, rowid, &err);
    if (rc != SQLITE_OK) {
        sqlite3_free(vtab->zErrMsg);
        vtab->zErrMsg = err;
    }
    return rc;
}

/* vt_begin: a write statement on the table is starting. When main has no
 * transaction yet, take its write lock now, by a statement that writes
 * nothing: SQLite waits for the lock by the connection's busy handler only
 * when a transaction begins, never when a read transaction (the runtime's
 * reads of the rows to write) is upgraded. Without this, two connections
 * writing through sessions at once fail at once with "database is locked",
 * whatever busy timeout the application set (as a write to main would
 * itself: in autocommit, or as the first statement of a deferred
 * transaction; one that has read main already upgrades, as SQLite's own
 * tables do). If the lock cannot be had,
 * the write goes on and fails as before, and is recorded as an attempt. */
static int vt_begin(sqlite3_vtab *vtab)
{
    WardVtab *vt = (WardVtab *)vtab;
    if (vt->mode == MODE_READ &&
        sqlite3_txn_state(vt->w->db, "main") == SQLITE_TXN_NONE)
        (void)rt_exec(vt->w, "DELETE FROM main.ward_journal WHERE 0", NULL);
    return SQLITE_OK;
}

static sqlite3_module MODULE = {
    .iVersion = 1,
    .xCreate = vt_connect,
    .xConnect = vt_connect,
    .xBestIndex = vt_best_index,
    .xDisconnect = vt_disconnect,
    .xDestroy = vt_disconnect,
    .xOpen = vt_open,
    .xClose = vt_close,
    .xFilter = vt_filter,
    .xNext = vt_next,
    .xEof = vt_eof,
    .xColumn = vt_column,
    .xRowid = vt_rowid,
    .xUpdate = vt_update,
    .xBegin = vt_begin,
};

/* ward_rowid_order(rowid): the rowid a session sees, for the runtime's
 * scans of a table whose rowid is a hidden key. */
static void fn_rowid_order(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int64(
        ctx, rt_rowid_hide(rt_conn(ctx), sqlite3_value_int64(argv[0])));
}

static const RtFunction FUNCTIONS[] = {
    {"ward_rowid_order", 1, SQLITE_DETERMINISTIC, fn_rowid_order},
};

int rt_vtab_register(sqlite3 *db, WardConn *w)
{
    int rc = sqlite3_create_module_v2(db, "ward", &MODULE, w, NULL);
    if (rc == SQLITE_OK)
        rc =
            rt_register(db, w, FUNCTIONS, sizeof FUNCTIONS / sizeof *FUNCTIONS);
    return rc;
}

/* ---- the temp schema ---- */

int rt_vtab_drop(WardConn *w, char **err)
{
    int rc = SQLITE_OK;
    for (int i = 0; i < w->vtabs.n && rc == SQLITE_OK; i++) {
        char *sql =
            sqlite3_mprintf("DROP TABLE IF EXISTS temp.\"%w\"", w->vtabs.v[i]);
        rc = sql ? rt_exec(w, sql, err) : SQLITE_NOMEM;
        sqlite3_free(sql);
    }
    if (rc == SQLITE_OK)
        rt_names_clear(&w->vtabs);
    return rc;
}

static void create(sqlite3_str *s, RtNames *made, const char *name,
                   const char *table, const char *mode, bool *ok)
{
    sqlite3_str_appendf(s,
                        "CREATE VIRTUAL TABLE temp.\"%w\" USING "
                        "ward(\"%w\"%s%s);\n",
                        name, table, mode ? ", " : "", mode ? mode : "");
    *ok = *ok && rt_names_add(made, name);
}

int rt_vtab_sync(WardConn *w, bool drop_old, char **err)
{
    int rc = drop_old ? rt_vtab_drop(w, err) : SQLITE_OK;
    if (rc != SQLITE_OK || w->vtabs.n)
        return rc;
    sqlite3_str *s = sqlite3_str_new(w->db);
    RtNames made = {0};
    bool ok = true;
    for (int i = 0; i < w->ntables && ok; i++) {
        const RtTable *t = &w->tables[i];
        char *exp = sqlite3_mprintf("ward_export_%s", t->name);
        char *unm = sqlite3_mprintf("ward_unmask_%s", t->name);
        ok = exp && unm;
        if (ok) {
            create(s, &made, t->name, t->name, NULL, &ok);
            create(s, &made, exp, t->name, "export", &ok);
            if (t->any_unmask)
                create(s, &made, unm, t->name, "unmask", &ok);
        }
        sqlite3_free(exp);
        sqlite3_free(unm);
    }
    char *sql = sqlite3_str_finish(s);
    rc = ok && sql ? rt_exec(w, sql, err) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc == SQLITE_OK) {
        rt_names_clear(&w->vtabs);
        w->vtabs = made;
    } else {
        /* Keep the names: whatever was made is dropped with them. */
        for (int i = 0; i < made.n; i++)
            rt_names_add(&w->vtabs, made.v[i]);
        rt_names_clear(&made);
    }
    return rc;
}
