/*
 * test_sqlite_property.c - a differential property test of the SQLite
 * runtime, through its contract only (the SQL surface and ward.h).
 *
 * A world is a policy compiled by the library (as `ward compile` does),
 * random base data, and the script applied to a shared in-memory database.
 * A session is a random set of roles, a user, a scenario or none and
 * attributes, set and locked with ward.h on a connection of its own. Every
 * statement a session runs is held to an oracle that never runs the
 * runtime:
 *
 *   reads    a plain reference connection holds, per protected table, a
 *            temp table of the same name with exactly the rows the session
 *            may see (decide_rows' rules evaluated on the base data) and the
 *            decided values (decide_column, and the C mask core for masked
 *            cells, as check/exhaustive.c does). Any SELECT must give the
 *            same multiset of rows on both (the same list when ORDER BY
 *            covers every output column), or fail on both;
 *   writes   the expected base tables live in a plain database that the
 *            oracle changes the way the contract says the write does
 *            (granted columns only, rows the session sees only, a value
 *            equal to the one seen is no change, no row out of sight); the
 *            real base tables, read on a connection without a session, must
 *            equal them after every write, and a refused write must say
 *            [write-denied];
 *   attacks  statements that must never give a session a row.
 *
 * Environment: WARD_PROP_SEED (default 1) and WARD_PROP_N (statements,
 * default 20000) choose the run; WARD_PROP_VERBOSE=1 prints every
 * statement. A failure prints the seed, the world, the session, the
 * statement and the first differing row. Each property below is held by
 * default; setting its variable to 0 counts its failures instead (to look
 * at one class at a time):
 *   WARD_PROP_CHANGES     sqlite3_changes() after a write is the number of
 *                         rows it affected as the session sees them;
 *   WARD_PROP_ATTACKS     every attack statement fails;
 *   WARD_PROP_CTE         a CTE named after a protected table works;
 *   WARD_PROP_UPDATE      a multi-column UPDATE is judged on its final row,
 *                         not on each column's intermediate one;
 *   WARD_PROP_VIEW        temp views over the session's tables work;
 *   WARD_PROP_AFFINITY    a column keeps its type's affinity, audited or
 *                         not, masked or not;
 *   WARD_PROP_EMPTY       UPDATEs that set '' where the session sees ''
 *                         run.
 */
#include "check.h"

#include "decide.h"
#include "emit_sqlite.h"
#include "mask.h"
#include "model.h"
#include "runner.h"
#include "sql_quote.h"
#include "strbuf.h"
#include "ward.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- options and random numbers ---- */

typedef struct Options {
    unsigned long long seed;
    long n;        /* statements to run */
    bool changes;  /* hold sqlite3_changes() after writes */
    bool attacks;  /* hold the attacks the first runtime let through */
    bool cte;      /* hold CTEs named after protected tables */
    bool update;   /* hold multi-column UPDATEs to their final row */
    bool view;     /* hold temp views over the session's tables */
    bool affinity; /* hold the type of audited shown columns */
    bool empty;    /* run UPDATEs that set '' where '' is seen */
    bool verbose;  /* print every statement */
} Options;

static Options opt;
static uint64_t rng; /* splitmix64 state: one stream per run */

static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int pick(int n)
{
    return n > 0 ? (int)(rnd() % (uint64_t)n) : 0;
}

static bool chance(int percent)
{
    return pick(100) < percent;
}

#define NELEM(a) ((int)(sizeof(a) / sizeof *(a)))
#define PICK(a)  ((a)[pick(NELEM(a))])

/* ---- statistics, printed at the end ---- */

static struct {
    long reads, writes, attacks, both_failed, sessions, worlds;
    long writes_ok, writes_denied, tolerated_cte, tolerated_rowid;
    long tolerated_update; /* refused on an intermediate row */
    long tolerated_view;   /* temp views refused */
    long skipped_empty;    /* UPDATEs of '' over '' not run */
    long changes_off; /* changes() differed, not held (no WARD_PROP_CHANGES) */
    int reports;      /* detailed failure reports printed */
} stats;

#define MAX_REPORTS 12

/* ---- the policies ---- */

/* An unprotected table of a world: not in the policy, read freely. */
typedef struct ExtraCol {
    const char *name;
    ColType type;
} ExtraCol;

typedef struct Extra {
    const char *name;
    ExtraCol cols[4];
    int key; /* INTEGER PRIMARY KEY column, or -1 */
} Extra;

typedef struct PolicyDef {
    const char *path;
    Extra extra;
} PolicyDef;

static const PolicyDef POLICIES[] = {
    {"policies/gsp_pharmacy.ward",
     {"stores",
      {{"id", TYPE_INTEGER},
       {"name", TYPE_TEXT},
       {"city", TYPE_TEXT},
       {"manager", TYPE_TEXT}},
      0}},
    {"tests/unit/prop_clinic.ward",
     {"rooms",
      {{"code", TYPE_TEXT},
       {"clinic_id", TYPE_INTEGER},
       {"floor", TYPE_INTEGER},
       {"label", TYPE_TEXT}},
      -1}},
};

/* A policy compiled once for the whole run. */
typedef struct Loaded {
    const PolicyDef *def;
    Model *m;
    char *script;         /* the apply script (caller frees) */
    const char *attrs[6]; /* session attributes its rows rules use */
    int nattrs;
} Loaded;

/* ---- the generator's view of a table ---- */

typedef enum Kind { K_INT, K_REAL, K_TEXT, K_DATE } Kind;

/* SQL literals seen in a column (base and session values). */
typedef struct Pool {
    char **lit;
    int n, cap;
} Pool;

typedef struct GCol {
    const char *name;
    ColType type;
    Kind kind;
    Pool *pool;
    const char *hint; /* a rows rule compares it with this session
                         attribute, or with current_user ("") */
} GCol;

typedef struct GTable {
    const char *name;
    GCol cols[16];
    int ncols;
    int key; /* key column, or -1 */
    int mt;  /* the model's table, or -1 when unprotected */
} GTable;

/* ---- a session and what the oracle decided for it ---- */

typedef struct Attr {
    const char *name;
    int kind; /* 0 integer, 1 text, 2 real, 3 null */
    long long i;
    const char *s;
} Attr;

typedef struct STable {
    Outcome *out;       /* per column: the session's decision */
    bool *write;        /* per column: the session may write it */
    const char *filter; /* row filter SQL over the base table; NULL: all */
    bool key_shown;     /* rows can be found by their key */
    bool deletable;     /* every column writable */
} STable;

typedef struct Sess {
    Arena a; /* everything below */
    int roles[4];
    int nroles;
    const char *roles_arg; /* as given to ward_session_set */
    const char *user;
    int scenario;
    Attr attrs[6];
    int nattrs;
    const char *attrs_json;
    Session s;
    STable *t; /* per model table */
    const char *text;
    sqlite3 *db; /* the session's connection, with the runtime */
} Sess;

/* ---- a world ---- */

typedef struct World {
    Loaded *p;
    int number;
    char uri[96];
    sqlite3 *owner; /* the real base, no runtime, no session */
    sqlite3 *pred;  /* the expected base */
    sqlite3 *ref;   /* the reference of the session's reads */
    GTable t[8];    /* the model's tables, then the unprotected one */
    int nt, nprot;
    Sess *sess; /* the current session: ward_attr, ward_user on pred */
    int sess_no, stmt_no;
    long long next_key; /* fresh key values for inserts */
    bool broken;        /* the base diverged: start a new world */
} World;

static MaskKey mask_key;
static bool have_key;

/* ---- reports ---- */

static bool is_refusal(const char *msg)
{
    return msg && (strstr(msg, "[denied]") || strstr(msg, "not authorized") ||
                   strstr(msg, "prohibited"));
}

/* fail_head counts a failure and, for the first few, prints where it
 * happened. Returns whether details should follow. */
static bool fail_head(World *w, const char *what, const char *sql)
{
    check_failed++;
    if (++stats.reports > MAX_REPORTS)
        return false;
    fprintf(stderr,
            "\ntest_sqlite_property: FAIL: %s\n"
            "  reproduce: WARD_PROP_SEED=%llu WARD_PROP_N=%ld%s%s%s%s%s%s%s "
            "build/tests/unit/test_sqlite_property\n"
            "  world %d (%s), session %d, statement %d\n"
            "  session: %s\n"
            "  statement: %s\n",
            what, opt.seed, opt.n, opt.changes ? "" : " WARD_PROP_CHANGES=0",
            opt.attacks ? "" : " WARD_PROP_ATTACKS=0",
            opt.cte ? "" : " WARD_PROP_CTE=0",
            opt.update ? "" : " WARD_PROP_UPDATE=0",
            opt.view ? "" : " WARD_PROP_VIEW=0",
            opt.affinity ? "" : " WARD_PROP_AFFINITY=0",
            opt.empty ? "" : " WARD_PROP_EMPTY=0", w->number, w->p->m->name,
            w->sess_no, w->stmt_no, w->sess ? w->sess->text : "(none)",
            sql ? sql : "");
    return true;
}

/* ---- results ---- */

typedef struct Result {
    bool error;
    char *msg;
    char **rows;
    int n, cap;
    int ncols;
    bool truncated;
} Result;

static void result_free(Result *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->rows[i]);
    free(r->rows);
    free(r->msg);
    memset(r, 0, sizeof *r);
}

/* put_value writes V readably and exactly: its type shows (5, 5.0, '5'). */
static void put_value(StrBuf *sb, sqlite3_value *v)
{
    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: sb_puts(sb, "NULL"); break;
    case SQLITE_INTEGER:
        sb_printf(sb, "%lld", (long long)sqlite3_value_int64(v));
        break;
    case SQLITE_FLOAT: sb_printf(sb, "%.17gr", sqlite3_value_double(v)); break;
    case SQLITE_TEXT:
        sql_put_text(sb, (const char *)sqlite3_value_text(v),
                     (size_t)sqlite3_value_bytes(v));
        break;
    default: {
        const unsigned char *b = sqlite3_value_blob(v);
        sb_puts(sb, "x'");
        for (int i = 0; i < sqlite3_value_bytes(v); i++)
            sb_printf(sb, "%02x", b[i]);
        sb_putc(sb, '\'');
    }
    }
}

#define MAX_ROWS 20000

/* run_sql runs SQL on DB and keeps every row as text, SKIP (-1 for none)
 * left out. Never fails itself: an error is part of the result. */
static void run_sql(sqlite3 *db, const char *sql, int skip, Result *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && st) {
        out->ncols = sqlite3_column_count(st);
        StrBuf sb;
        sb_init(&sb);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (out->n == MAX_ROWS) {
                out->truncated = true;
                break;
            }
            sb_reset(&sb);
            for (int i = 0; i < out->ncols; i++) {
                if (i == skip)
                    continue;
                if (sb.len)
                    sb_puts(&sb, " | ");
                put_value(&sb, sqlite3_column_value(st, i));
            }
            if (out->n == out->cap) {
                out->cap = out->cap ? 2 * out->cap : 16;
                out->rows =
                    xrealloc(out->rows, (size_t)out->cap * sizeof *out->rows);
            }
            out->rows[out->n++] = strdup(sb_cstr(&sb));
        }
        sb_free(&sb);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW && rc != SQLITE_OK) {
        out->error = true;
        out->msg = strdup(sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* diff_rows compares two results (as lists when ORDERED, else as
 * multisets, sorting them); false with the first difference in WHY. */
static bool diff_rows(Result *a, Result *b, bool ordered, StrBuf *why)
{
    if (!ordered && a->n)
        qsort(a->rows, (size_t)a->n, sizeof *a->rows, cmp_str);
    if (!ordered && b->n)
        qsort(b->rows, (size_t)b->n, sizeof *b->rows, cmp_str);
    int i = 0;
    while (i < a->n && i < b->n && strcmp(a->rows[i], b->rows[i]) == 0)
        i++;
    if (i == a->n && i == b->n)
        return true;
    sb_printf(why, "  runtime: %d row%s, oracle: %d row%s%s\n", a->n,
              a->n == 1 ? "" : "s", b->n, b->n == 1 ? "" : "s",
              ordered ? " (ordered)" : " (sorted)");
    sb_printf(why,
              "  first difference at row %d:\n    runtime: %s\n"
              "    oracle:  %s\n",
              i + 1, i < a->n ? a->rows[i] : "(no row)",
              i < b->n ? b->rows[i] : "(no row)");
    return false;
}

/* ---- data ---- */

static const char *const NAMES[] = {
    "张三丰", "李四", "王小明", "欧阳娜娜", "诸葛亮",  "买买提·艾力",
    "John",   "anna", "Z",      "",         "O'Brien", "李四"};
static const char *const PHONES[] = {"13812345678",
                                     "13998765432",
                                     "+86 138 1234 5678",
                                     "0086 13812345678",
                                     "138-1234-5678",
                                     "010-62345678",
                                     "12345",
                                     "",
                                     "15000000000"};
static const char *const ID_CARDS[] = {"110101199003071234",
                                       "11010119900307123X",
                                       "11010519491231002X", "123", ""};
static const char *const WORDS[] = {
    "metformin", "insulin", "高血压",         "糖尿病 2型", "flu", "A-101",
    "B 2",       "北京",    "上海市浦东新区", "100%",       "a_b", "*",
    "x*y",       "NULL",    "😀 emoji",        "tab\there"};
static const char *const USERS[] = {"r01",     "r02",    "a01",
                                    "dr_wang", "张医生", "s01"};
static const char *const DATES[] = {"2024-05-17", "1949-12-31", "1990-03-07",
                                    "2024-02-29", "2023-02-29", "17/05/2024",
                                    "20240517",   "1950-01-01", "2001-09-11"};
static const char *const DATETIMES[] = {
    "2024-05-17 13:45:10",       "2024-05-17T13:45:10.123Z",
    "2023-12-31T23:59:59+08:00", "2024-01-01 00:00",
    "2024-13-01 10:00:00",       "1999-12-31"};
static const double REALS[] = {3.5, 55.5, 70.25, 80.0, 120.125, -1.5,
                               0.1, 1e15, 37.5,  2.5,  0.0,     64.75};
static const int GROUPS[] = {7, 8, 9, 99};

static Kind kind_of(ColType t)
{
    switch (t) {
    case TYPE_INTEGER:
    case TYPE_BOOLEAN: return K_INT;
    case TYPE_REAL: return K_REAL;
    case TYPE_DATE:
    case TYPE_DATETIME: return K_DATE;
    default: return K_TEXT;
    }
}

static const char *type_name(ColType t)
{
    switch (t) {
    case TYPE_INTEGER: return "INTEGER";
    case TYPE_REAL: return "REAL";
    case TYPE_BOOLEAN: return "BOOLEAN";
    default: return "TEXT";
    }
}

static bool named(const GCol *c, const char *name)
{
    return strcmp(c->name, name) == 0;
}

/* gen_value appends a random SQL literal fit for column C: mostly of its
 * type, sometimes NULL, now and then of another type (SQLite keeps it). */
static void gen_value(StrBuf *sb, const GCol *c)
{
    if (chance(10)) {
        sb_puts(sb, "NULL");
        return;
    }
    if (chance(2)) {
        if (c->kind == K_TEXT || c->kind == K_DATE)
            sb_printf(sb, "%d", pick(100));
        else
            sb_puts(sb, "'abc'");
        return;
    }
    if (named(c, "name") || named(c, "label")) {
        sql_put_str(sb, PICK(NAMES));
    } else if (named(c, "phone")) {
        if (chance(10))
            sb_puts(sb, "13812345678"); /* an integer: stored as text */
        else
            sql_put_str(sb, PICK(PHONES));
    } else if (named(c, "id_card")) {
        sql_put_str(sb, PICK(ID_CARDS));
    } else if (named(c, "owner") || named(c, "doctor") || named(c, "manager")) {
        sql_put_str(sb, PICK(USERS));
    } else if (named(c, "store_id") || named(c, "clinic_id")) {
        sb_printf(sb, "%d", PICK(GROUPS));
    } else if (named(c, "age")) {
        static const int EDGES[] = {17, 18, 64, 65, 0, 100};
        sb_printf(sb, "%d", chance(30) ? PICK(EDGES) : pick(101));
    } else if (named(c, "patient_id")) {
        sb_printf(sb, "%d", 1 + pick(30));
    } else if (c->type == TYPE_BOOLEAN) {
        sb_printf(sb, "%d", pick(2));
    } else if (c->kind == K_INT) {
        sb_printf(sb, "%d", chance(5) ? 1381234567 : pick(600) - 100);
    } else if (c->kind == K_REAL) {
        char buf[40];
        snprintf(buf, sizeof buf, "%.17g", PICK(REALS));
        sb_puts(sb, buf);
        if (!strpbrk(buf, ".e"))
            sb_puts(sb, ".0");
    } else if (c->type == TYPE_DATE) {
        sql_put_str(sb, PICK(DATES));
    } else if (c->type == TYPE_DATETIME) {
        sql_put_str(sb, PICK(DATETIMES));
    } else {
        sql_put_str(sb, PICK(WORDS));
    }
}

/* table_rows appends the INSERTs of a random filling of T: unique keys,
 * duplicated values, NULLs, UTF-8. */
static void table_rows(World *w, const GTable *t, StrBuf *sql)
{
    int n = 6 + pick(14);
    char *prev[16] = {0};
    for (int r = 0; r < n; r++) {
        bool copy = r > 0 && chance(15);
        sb_puts(sql, "INSERT INTO ");
        sql_put_ident(sql, t->name);
        sb_puts(sql, " VALUES (");
        for (int c = 0; c < t->ncols; c++) {
            sb_puts(sql, c ? ", " : "");
            if (c == t->key) {
                sb_printf(sql, "%lld", w->next_key);
                w->next_key += 1 + (chance(20) ? pick(50) : 0);
                continue;
            }
            StrBuf v;
            sb_init(&v);
            if (copy && prev[c])
                sb_puts(&v, prev[c]);
            else
                gen_value(&v, &t->cols[c]);
            sb_puts(sql, sb_cstr(&v));
            free(prev[c]);
            prev[c] = strdup(sb_cstr(&v));
            sb_free(&v);
        }
        sb_puts(sql, ");\n");
    }
    for (int c = 0; c < 16; c++)
        free(prev[c]);
}

/* ---- loading the policies ---- */

/* walk_attrs collects the session attributes that rows rule E uses. */
static void walk_attrs(Loaded *p, const Node *e)
{
    if (!e)
        return;
    switch (e->kind) {
    case NODE_BINARY:
        walk_attrs(p, e->as.binary.left);
        walk_attrs(p, e->as.binary.right);
        return;
    case NODE_NOT: walk_attrs(p, e->as.not_.operand); return;
    case NODE_IS_NULL: walk_attrs(p, e->as.is_null.operand); return;
    case NODE_IN:
        walk_attrs(p, e->as.in.operand);
        for (size_t i = 0; i < LIST_LEN(e->as.in.values); i++)
            walk_attrs(p, LIST_AT(e->as.in.values, i));
        return;
    case NODE_SESSION:
        for (int i = 0; i < p->nattrs; i++)
            if (strcmp(p->attrs[i], e->as.session.attr) == 0)
                return;
        if (p->nattrs < NELEM(p->attrs))
            p->attrs[p->nattrs++] = e->as.session.attr;
        return;
    default: return;
    }
}

/* load reads, resolves and compiles a policy as `ward compile` does. */
static bool load(Loaded *p, const PolicyDef *def, Arena *a)
{
    memset(p, 0, sizeof *p);
    p->def = def;
    Diag d;
    diag_init(&d, a);
    p->m = load_policy(a, &d, def->path, NULL);
    diag_dispose(&d);
    if (!p->m) {
        fprintf(stderr, "test_sqlite_property: cannot load %s\n", def->path);
        return false;
    }
    StrBuf sb;
    sb_init(&sb);
    emit_sqlite(p->m, &sb);
    p->script = strdup(sb_cstr(&sb));
    sb_free(&sb);
    for (size_t r = 0; r < p->m->nrowrules; r++)
        walk_attrs(p, p->m->rowrules[r].expr);
    return true;
}

/* ---- the oracle's row filters: ward_attr and ward_user of the session,
 * registered on the expected base (a plain connection) ---- */

static void fn_attr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    World *w = sqlite3_user_data(ctx);
    const char *name = (const char *)sqlite3_value_text(argv[0]);
    for (int i = 0; w->sess && name && i < w->sess->nattrs; i++) {
        const Attr *at = &w->sess->attrs[i];
        if (strcmp(at->name, name) != 0)
            continue;
        switch (at->kind) {
        case 0: sqlite3_result_int64(ctx, at->i); return;
        case 1: sqlite3_result_text(ctx, at->s, -1, SQLITE_TRANSIENT); return;
        case 2: sqlite3_result_double(ctx, (double)at->i); return;
        default: sqlite3_result_null(ctx); return;
        }
    }
    sqlite3_result_null(ctx);
}

static void fn_user(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    World *w = sqlite3_user_data(ctx);
    if (w->sess && w->sess->user)
        sqlite3_result_text(ctx, w->sess->user, -1, SQLITE_TRANSIENT);
    else
        sqlite3_result_null(ctx);
}

static bool exec(sqlite3 *db, const char *sql, const char *what)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
        return true;
    fprintf(stderr, "test_sqlite_property: %s: %s\n", what,
            err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    check_failed++;
    return false;
}

/* ---- worlds ---- */

static void gtable_init(GTable *g, const char *name, int key, int mt)
{
    memset(g, 0, sizeof *g);
    g->name = name;
    g->key = key;
    g->mt = mt;
}

static void gcol_add(GTable *g, const char *name, ColType type)
{
    GCol *c = &g->cols[g->ncols++];
    c->name = name;
    c->type = type;
    c->kind = kind_of(type);
    c->pool = calloc(1, sizeof *c->pool);
}

static void pool_clear(Pool *p)
{
    for (int i = 0; i < p->n; i++)
        free(p->lit[i]);
    p->n = 0;
}

static void world_close(World *w)
{
    for (int t = 0; t < w->nt; t++)
        for (int c = 0; c < w->t[t].ncols; c++) {
            pool_clear(w->t[t].cols[c].pool);
            free(w->t[t].cols[c].pool->lit);
            free(w->t[t].cols[c].pool);
        }
    sqlite3_close(w->ref);
    sqlite3_close(w->pred);
    sqlite3_close(w->owner);
    memset(w, 0, sizeof *w);
}

/* hint_walk marks the columns that the rows rule E compares with a
 * session attribute or current_user: writes aim at them, so that rows
 * leave and enter the session's sight. */
static void hint_walk(GTable *g, const Node *e)
{
    if (!e)
        return;
    const Node *col = NULL, *val = NULL;
    switch (e->kind) {
    case NODE_BINARY:
        if (e->as.binary.op == OP_AND || e->as.binary.op == OP_OR) {
            hint_walk(g, e->as.binary.left);
            hint_walk(g, e->as.binary.right);
            return;
        }
        col = e->as.binary.left;
        val = e->as.binary.right;
        break;
    case NODE_NOT: hint_walk(g, e->as.not_.operand); return;
    case NODE_IN:
        col = e->as.in.operand;
        for (size_t i = 0; i < LIST_LEN(e->as.in.values); i++)
            if (LIST_AT(e->as.in.values, i)->kind != NODE_STRING &&
                LIST_AT(e->as.in.values, i)->kind != NODE_INT)
                val = LIST_AT(e->as.in.values, i);
        break;
    default: return;
    }
    if (col && val && col->kind != NODE_NAME) {
        const Node *x = col;
        col = val;
        val = x;
    }
    if (!col || !val || col->kind != NODE_NAME)
        return;
    for (int c = 0; c < g->ncols; c++)
        if (strcmp(g->cols[c].name, col->as.name.text) == 0) {
            if (val->kind == NODE_SESSION)
                g->cols[c].hint = val->as.session.attr;
            else if (val->kind == NODE_CURRENT_USER)
                g->cols[c].hint = "";
        }
}

static bool world_open(World *w, Loaded *p, int number)
{
    memset(w, 0, sizeof *w);
    w->p = p;
    w->number = number;
    w->next_key = 1 + pick(3);
    const Model *m = p->m;
    for (size_t t = 0; t < m->ntables && t < 7; t++) {
        const Table *tb = &m->tables[t];
        GTable *g = &w->t[w->nt++];
        gtable_init(g, tb->name, tb->key, (int)t);
        for (size_t c = 0; c < tb->ncolumns && c < 16; c++)
            gcol_add(g, tb->columns[c].name, tb->columns[c].type);
        for (size_t r = 0; r < m->nrowrules; r++)
            if (m->rowrules[r].table == (int)t)
                hint_walk(g, m->rowrules[r].expr);
    }
    w->nprot = w->nt;
    const Extra *x = &p->def->extra;
    GTable *g = &w->t[w->nt++];
    gtable_init(g, x->name, x->key, -1);
    for (int c = 0; c < 4; c++)
        gcol_add(g, x->cols[c].name, x->cols[c].type);

    /* The data: the policy's tables as ward's own runner makes them,
     * the unprotected table, random rows. */
    StrBuf data, extra;
    sb_init(&data);
    sb_init(&extra);
    runner_tables_sql(m, type_name, &data);
    sb_puts(&extra, "CREATE TABLE ");
    sql_put_ident(&extra, g->name);
    sb_puts(&extra, " (");
    for (int c = 0; c < g->ncols; c++) {
        sb_puts(&extra, c ? ", " : "");
        sql_put_ident(&extra, g->cols[c].name);
        sb_printf(&extra, " %s%s", type_name(g->cols[c].type),
                  c == g->key ? " PRIMARY KEY" : "");
    }
    sb_puts(&extra, ");\n");
    for (int t = 0; t < w->nprot; t++)
        table_rows(w, &w->t[t], &data);
    long long keys = w->next_key;
    w->next_key = 1;
    table_rows(w, g, &extra);
    w->next_key = keys + 1000;

    snprintf(w->uri, sizeof w->uri, "file:/ward-prop-%d-%d?vfs=memdb",
             (int)getpid(), number);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI;
    bool ok = sqlite3_open_v2(w->uri, &w->owner, flags, NULL) == SQLITE_OK &&
              sqlite3_open(":memory:", &w->pred) == SQLITE_OK &&
              sqlite3_open(":memory:", &w->ref) == SQLITE_OK &&
              exec(w->ref, "PRAGMA temp_store = MEMORY", "temp_store") &&
              exec(w->owner, data.data, "base data") &&
              exec(w->owner, extra.data, "unprotected table") &&
              exec(w->owner, "ANALYZE", "analyze") &&
              exec(w->owner, p->script, "the compiled script") &&
              exec(w->pred, data.data, "expected base data") &&
              exec(w->ref, extra.data, "reference unprotected table");
    sb_free(&data);
    sb_free(&extra);
    if (ok) {
        sqlite3_create_function(w->pred, "ward_attr", 1, SQLITE_UTF8, w,
                                fn_attr, NULL, NULL);
        sqlite3_create_function(w->pred, "ward_user", 0, SQLITE_UTF8, w,
                                fn_user, NULL, NULL);
    }
    return ok;
}

/* ---- sessions ---- */

static const char *sess_describe(World *w, Sess *s)
{
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "roles ");
    if (s->roles_arg)
        sb_printf(&sb, "'%s'", s->roles_arg);
    else
        sb_puts(&sb, "NULL");
    sb_printf(&sb, ", user %s%s%s, scenario %s, attrs %s", s->user ? "'" : "",
              s->user ? s->user : "NULL", s->user ? "'" : "",
              s->scenario < 0 ? "none" : w->p->m->scenarios[s->scenario].name,
              s->attrs_json ? s->attrs_json : "NULL");
    const char *t = arena_strdup(&s->a, sb_cstr(&sb));
    sb_free(&sb);
    return t;
}

/* sess_decide fills S->t from the decision function: per column the
 * session's outcome and write grant, per table the row filter as SQL. */
static void sess_decide(World *w, Sess *s)
{
    const Model *m = w->p->m;
    s->t = arena_alloc(&s->a, m->ntables * sizeof *s->t);
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        STable *st = &s->t[t];
        st->out = arena_alloc(&s->a, tb->ncolumns * sizeof *st->out);
        st->write = arena_alloc(&s->a, tb->ncolumns * sizeof *st->write);
        st->deletable = true;
        for (size_t c = 0; c < tb->ncolumns; c++) {
            Decision d;
            decide_column(m, &s->s, (int)t, (int)c, NULL, &d);
            st->out[c] = d.result;
            const WriteRule *by = NULL;
            st->write[c] = decide_write(m, &s->s, (int)t, (int)c, &by);
            st->deletable = st->deletable && st->write[c];
        }
        st->key_shown = tb->key >= 0 && st->out[tb->key].effect == EFFECT_SHOW;
        RowFilter rf;
        decide_rows(m, &s->s, (int)t, &s->a, &rf);
        if (rf.kind == ROWS_ALL) {
            st->filter = NULL;
        } else if (rf.kind == ROWS_NONE) {
            st->filter = "0";
        } else {
            StrBuf f;
            sb_init(&f);
            for (size_t i = 0; i < rf.nrules; i++) {
                sb_puts(&f, i ? " OR (" : "(");
                emit_sqlite_row_expr(tb->name, rf.rules[i]->expr, &f);
                sb_putc(&f, ')');
            }
            st->filter = arena_strdup(&s->a, sb_cstr(&f));
            sb_free(&f);
        }
    }
}

/* sess_random makes a random session of W's policy. */
static void sess_random(World *w, Sess *s)
{
    const Model *m = w->p->m;
    memset(s, 0, sizeof *s);
    arena_init(&s->a);
    int r = pick(100);
    int want = r < 6 ? 0 : r < 60 ? 1 : r < 90 ? 2 : 3;
    for (int i = 0; i < want; i++) {
        int role = pick((int)m->nroles);
        bool dup = false;
        for (int k = 0; k < s->nroles; k++)
            dup = dup || s->roles[k] == role;
        if (!dup)
            s->roles[s->nroles++] = role;
    }
    StrBuf sb;
    sb_init(&sb);
    for (int i = 0; i < s->nroles; i++)
        sb_printf(&sb, "%s%s", i ? (chance(50) ? "," : ", ") : "",
                  m->roles[s->roles[i]].name);
    s->roles_arg =
        s->nroles || chance(50) ? arena_strdup(&s->a, sb_cstr(&sb)) : NULL;
    sb_reset(&sb);
    s->user = chance(10) ? NULL : chance(10) ? "nobody" : PICK(USERS);
    s->scenario = chance(50) ? -1 : pick((int)m->nscenarios);
    if (m->nscenarios == 0)
        s->scenario = -1;
    for (int i = 0; i < w->p->nattrs; i++) {
        if (chance(15))
            continue;
        Attr *at = &s->attrs[s->nattrs++];
        at->name = w->p->attrs[i];
        at->i = chance(85) ? PICK(GROUPS) : pick(20);
        int k = pick(100);
        at->kind = k < 70 ? 0 : k < 85 ? 1 : k < 93 ? 2 : 3;
        at->s = arena_printf(&s->a, "%lld", at->i);
    }
    if (chance(20) && s->nattrs < 6) {
        Attr *at = &s->attrs[s->nattrs++];
        at->name = "zone";
        at->kind = 1;
        at->s = "东区";
    }
    if (s->nattrs || chance(30)) {
        sb_putc(&sb, '{');
        for (int i = 0; i < s->nattrs; i++) {
            const Attr *at = &s->attrs[i];
            sb_printf(&sb, "%s\"%s\": ", i ? ", " : "", at->name);
            if (at->kind == 0)
                sb_printf(&sb, "%lld", at->i);
            else if (at->kind == 1)
                sb_put_json(&sb, at->s, strlen(at->s));
            else if (at->kind == 2)
                sb_printf(&sb, "%lld.0", at->i);
            else
                sb_puts(&sb, "null");
        }
        sb_putc(&sb, '}');
        s->attrs_json = arena_strdup(&s->a, sb_cstr(&sb));
    }
    sb_free(&sb);
    session_init(&s->s, m, &s->a);
    for (int i = 0; i < s->nroles; i++)
        session_add_role(&s->s, m, s->roles[i]);
    s->s.scenario = s->scenario;
    s->s.user = s->user;
    s->text = sess_describe(w, s);
    sess_decide(w, s);
}

static void sess_close(Sess *s)
{
    if (s->db)
        sqlite3_close(s->db);
    arena_free(&s->a);
}

/* ---- the reference: what the session must see ---- */

static MaskValue arg_value(const Node *n)
{
    switch (n->kind) {
    case NODE_INT: return mask_int(n->as.int_lit.value);
    case NODE_REAL: return mask_real(n->as.real_lit.value);
    case NODE_STRING: return mask_text(n->as.string.value, n->as.string.len);
    case NODE_NAME: return mask_cstr(n->as.name.text);
    default: return mask_null();
    }
}

static void *grow(void *ctx, void *old, size_t size)
{
    (void)ctx;
    return realloc(old, size);
}

/* bind_decided binds, as parameter I of ST, the value that outcome O makes
 * of the base value V of column COL: the value itself, NULL, or the C mask
 * core's output. False when the mask fails (then the runtime's read would
 * fail too, which this test does not expect). */
static bool bind_decided(sqlite3_stmt *st, int i, const Column *col,
                         const Outcome *o, sqlite3_value *v)
{
    if (o->effect == EFFECT_SHOW)
        return sqlite3_bind_value(st, i, v) == SQLITE_OK;
    if (o->effect == EFFECT_HIDE)
        return sqlite3_bind_null(st, i) == SQLITE_OK;
    MaskValue args[MASK_MAX_ARGS];
    const Node *call = o->mask->call;
    int nargs = (int)LIST_LEN(call->as.call.args);
    for (int k = 0; k < nargs && k < MASK_MAX_ARGS; k++)
        args[k] = arg_value(LIST_AT(call->as.call.args, (size_t)k));
    bool date = col->type == TYPE_DATE || col->type == TYPE_DATETIME;
    MaskValue in;
    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: in = mask_null(); break;
    case SQLITE_INTEGER: in = mask_int(sqlite3_value_int64(v)); break;
    case SQLITE_FLOAT: in = mask_real(sqlite3_value_double(v)); break;
    default: {
        const char *s = (const char *)sqlite3_value_text(v);
        size_t n = (size_t)sqlite3_value_bytes(v);
        in = date ? mask_date(s, n) : mask_text(s, n);
    }
    }
    char stack[256];
    MaskBuf b;
    mask_buf_init(&b, stack, sizeof stack, grow, NULL);
    int rc = mask_apply(o->mask->spec, args, nargs, &in, &b,
                        have_key ? &mask_key : NULL, NULL, 0);
    bool ok = rc == MASK_OK;
    if (!ok)
        sqlite3_bind_null(st, i);
    else if (b.kind == MASK_NULL)
        sqlite3_bind_null(st, i);
    else if (b.kind == MASK_INT)
        sqlite3_bind_int64(st, i, b.i);
    else if (b.kind == MASK_REAL)
        sqlite3_bind_double(st, i, b.r);
    else
        sqlite3_bind_text(st, i, b.data ? b.data : stack, (int)b.len,
                          SQLITE_TRANSIENT);
    if (b.heap)
        free(b.data);
    return ok;
}

/* filter_sql appends " WHERE filter" for table T of the session. */
static void where_filter(StrBuf *sb, const STable *st)
{
    if (st->filter)
        sb_printf(sb, " WHERE %s", st->filter);
}

/* ref_build makes the reference tables of the session from the expected
 * base (ONLY that table, or all of them when -1): temp tables named like
 * the protected ones, the visible rows, the decided values. Every column
 * keeps its type's affinity, as a column of the session's table does
 * (docs/dba-sqlite.md: a masked value compares as a stored one of that
 * column would; no mask's output is text that affinity would convert). */
static bool ref_build(World *w, Sess *s, int only)
{
    const Model *m = w->p->m;
    StrBuf sb;
    sb_init(&sb);
    bool ok = true;
    for (size_t t = 0; t < m->ntables && ok; t++) {
        const Table *tb = &m->tables[t];
        const STable *st = &s->t[t];
        if (only >= 0 && (int)t != only)
            continue;
        sb_reset(&sb);
        sb_puts(&sb, "DROP TABLE IF EXISTS temp.");
        sql_put_ident(&sb, tb->name);
        sb_puts(&sb, "; CREATE TEMP TABLE ");
        sql_put_ident(&sb, tb->name);
        sb_puts(&sb, " (");
        for (size_t c = 0; c < tb->ncolumns; c++) {
            sb_puts(&sb, c ? ", " : "");
            sql_put_ident(&sb, tb->columns[c].name);
            sb_printf(&sb, " %s", type_name(tb->columns[c].type));
        }
        sb_puts(&sb, ")");
        if (!exec(w->ref, sb.data, "reference table"))
            break;
        sb_reset(&sb);
        sb_puts(&sb, "INSERT INTO temp.");
        sql_put_ident(&sb, tb->name);
        sb_puts(&sb, " VALUES (");
        for (size_t c = 0; c < tb->ncolumns; c++)
            sb_puts(&sb, c ? ", ?" : "?");
        sb_puts(&sb, ")");
        sqlite3_stmt *ins = NULL;
        sqlite3_prepare_v2(w->ref, sb.data, -1, &ins, NULL);
        sb_reset(&sb);
        sb_puts(&sb, "SELECT * FROM main.");
        sql_put_ident(&sb, tb->name);
        where_filter(&sb, st);
        sqlite3_stmt *sel = NULL;
        if (sqlite3_prepare_v2(w->pred, sb.data, -1, &sel, NULL) != SQLITE_OK)
            ok = false;
        while (ok && sqlite3_step(sel) == SQLITE_ROW) {
            for (size_t c = 0; c < tb->ncolumns && ok; c++)
                ok = bind_decided(ins, (int)c + 1, &tb->columns[c], &st->out[c],
                                  sqlite3_column_value(sel, (int)c));
            if (ok && sqlite3_step(ins) != SQLITE_DONE)
                ok = false;
            sqlite3_reset(ins);
        }
        if (!ok)
            fprintf(stderr,
                    "test_sqlite_property: building the reference of "
                    "%s: %s\n",
                    tb->name, sqlite3_errmsg(w->pred));
        sqlite3_finalize(sel);
        sqlite3_finalize(ins);
    }
    sb_free(&sb);
    if (!ok)
        check_failed++;
    return ok;
}

/* pools_fill collects the literals the generator uses: every distinct
 * value of each column, in the base and as the session sees it, so that
 * predicates hit clear values, masked values and misses. */
static void pools_fill(World *w)
{
    StrBuf sb;
    sb_init(&sb);
    for (int t = 0; t < w->nt; t++) {
        const GTable *g = &w->t[t];
        for (int c = 0; c < g->ncols; c++) {
            Pool *p = g->cols[c].pool;
            pool_clear(p);
            for (int side = 0; side < 2; side++) {
                sb_reset(&sb);
                sb_puts(&sb, "SELECT DISTINCT quote(");
                sql_put_ident(&sb, g->cols[c].name);
                sb_puts(&sb, ") FROM ");
                sb_puts(&sb, side == 0   ? "main."
                             : g->mt < 0 ? "main."
                                         : "temp.");
                sql_put_ident(&sb, g->name);
                sb_puts(&sb, " LIMIT 40");
                sqlite3_stmt *st = NULL;
                sqlite3_prepare_v2(side == 0 ? w->pred : w->ref, sb.data, -1,
                                   &st, NULL);
                while (st && sqlite3_step(st) == SQLITE_ROW) {
                    const char *v = (const char *)sqlite3_column_text(st, 0);
                    if (!v || strcmp(v, "NULL") == 0 || v[0] == 'X')
                        continue;
                    if (p->n == p->cap) {
                        p->cap = p->cap ? 2 * p->cap : 32;
                        p->lit =
                            xrealloc(p->lit, (size_t)p->cap * sizeof *p->lit);
                    }
                    p->lit[p->n++] = strdup(v);
                }
                sqlite3_finalize(st);
            }
        }
    }
    sb_free(&sb);
}

/* ---- the generator ---- */

typedef struct Src {
    const GTable *t;
    const char *qual; /* qualifier of its columns, NULL: none */
} Src;

typedef struct Scope {
    Src src[3];
    int n;
} Scope;

typedef struct Gen {
    StrBuf *sb;
    World *w;
    int aliases;     /* subquery aliases used so far */
    bool shadow;     /* a CTE is named after a protected table */
    const char *cte; /* the CTE's name: a table of that name is qualified */
    bool rowid;      /* output column 0 is a rowid: not compared */
    bool compound;   /* a UNION, INTERSECT or EXCEPT */
    bool in_cte;     /* writing a CTE's body */
} Gen;

/* sp separates two tokens: a space mostly, sometimes a newline, a tab, a
 * block or line comment (comments naming a table and AS included). */
static void sp(Gen *g)
{
    int r = pick(60);
    if (r < 46)
        sb_putc(g->sb, ' ');
    else if (r < 50)
        sb_puts(g->sb, "\n");
    else if (r < 53)
        sb_puts(g->sb, "\t ");
    else if (r < 55)
        sb_puts(g->sb, " /* c */ ");
    else if (r < 57)
        sb_puts(g->sb, " -- x\n");
    else if (r < 58)
        sb_puts(g->sb, "   ");
    else if (r < 59)
        sb_puts(g->sb, " /* customers AS ( */ ");
    else
        sb_puts(g->sb, " -- patients AS (select\n");
}

/* kw appends a keyword after a separator, in a random case. */
static void kw(Gen *g, const char *word)
{
    sp(g);
    int r = pick(10);
    for (const char *p = word; *p; p++) {
        char c = *p;
        if (r < 3 || (r == 3 && pick(2)))
            c = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        sb_putc(g->sb, c);
    }
}

/* put_name appends an identifier, quoted or in another case at random;
 * SQLite's names are case-insensitive. */
static void put_name(Gen *g, const char *name)
{
    int r = pick(12);
    if (r == 0) {
        sb_printf(g->sb, "\"%s\"", name);
    } else if (r == 1) {
        sb_printf(g->sb, "[%s]", name);
    } else if (r == 2) {
        sb_printf(g->sb, "`%s`", name);
    } else if (r == 3) {
        for (const char *p = name; *p; p++)
            sb_putc(g->sb, (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p));
    } else {
        sb_puts(g->sb, name);
    }
}

static void put_col(Gen *g, const Src *s, int c)
{
    if (s->qual) {
        put_name(g, s->qual);
        sb_putc(g->sb, '.');
    }
    put_name(g, s->t->cols[c].name);
}

/* put_lit appends a literal for column C: one of its values (clear or as
 * seen) mostly, else a fresh one of its type. */
static void put_lit(Gen *g, const GCol *c)
{
    if (c->pool->n && chance(80)) {
        sb_puts(g->sb, c->pool->lit[pick(c->pool->n)]);
        return;
    }
    switch (c->kind) {
    case K_INT: sb_printf(g->sb, "%d", pick(120) - 10); break;
    case K_REAL: sb_printf(g->sb, "%d.5", pick(120)); break;
    case K_DATE: sql_put_str(g->sb, PICK(DATES)); break;
    default: {
        static const char *const T[] = {
            "", "*", "李", "13812345678", "metformin", "138****5678", "a"};
        sql_put_str(g->sb, PICK(T));
    }
    }
}

/* put_cmp_lit appends the literal a column C of S is compared with: of
 * its own type, or now and then of another (7 for '7', 13812345678 for
 * '13812345678'), which the column's type converts as on the base table.
 * Only for columns the session sees in clear: a masked or hidden column
 * has no type the contract fixes. The first runtime lost the type of a
 * shown column whose reads are audited, so those only with
 * WARD_PROP_AFFINITY=1. */
static void put_cmp_lit(Gen *g, const Src *s, int c)
{
    const GCol *col = &s->t->cols[c];
    bool clear = s->t->mt == -1;
    if (s->t->mt >= 0 && g->w->sess) {
        const Model *m = g->w->p->m;
        const Audit *au = model_audit(m, s->t->mt);
        clear = g->w->sess->t[s->t->mt].out[c].effect == EFFECT_SHOW &&
                (opt.affinity || !au || !au->read[c]);
    }
    if (!clear || !chance(15) || !col->pool->n) {
        put_lit(g, col);
        return;
    }
    const char *v = col->pool->lit[pick(col->pool->n)];
    if (col->kind == K_INT && v[0] != '\'') {
        sb_printf(g->sb, "'%s'", v);
    } else if (col->kind == K_TEXT && v[0] == '\'' &&
               strspn(v + 1, "0123456789") == strlen(v) - 2 && strlen(v) > 2) {
        sb_append(g->sb, v + 1, strlen(v) - 2);
    } else {
        put_lit(g, col);
    }
}

/* put_tref appends a FROM item for T, under ALIAS (NULL: none): a
 * protected table by its name or as temp.T, the unprotected one as main.T
 * now and then. */
static void put_tref(Gen *g, const GTable *t, const char *alias)
{
    sp(g);
    bool shadowed = g->cte && sqlite3_stricmp(g->cte, t->name) == 0;
    if (t->mt != -2 && (shadowed || chance(15))) {
        put_name(g, t->mt >= 0 ? "temp" : "main");
        sb_putc(g->sb, '.');
    }
    put_name(g, t->name);
    if (alias) {
        if (chance(50))
            kw(g, "AS");
        sp(g);
        sb_puts(g->sb, alias);
    }
}

static const char *new_alias(Gen *g)
{
    static const char *const A[] = {"q1", "q2", "q3", "q4",  "q5",  "q6",
                                    "q7", "q8", "q9", "q10", "q11", "q12"};
    return A[g->aliases++ % NELEM(A)];
}

static int col_of_kind(const GTable *t, Kind k)
{
    int found[16], n = 0;
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c].kind == k)
            found[n++] = c;
    return n ? found[pick(n)] : -1;
}

static const GTable *any_table(Gen *g)
{
    return &g->w->t[pick(g->w->nt)];
}

/* put_template appends F with each '@' replaced by column C of S. */
static void put_template(Gen *g, const char *f, const Src *s, int c)
{
    for (const char *p = f; *p; p++) {
        if (*p == '@')
            put_col(g, s, c);
        else
            sb_putc(g->sb, *p);
    }
}

/* put_cexpr appends an expression over column C of S for a projection:
 * the column itself mostly, else a deterministic function of it. */
static void put_cexpr(Gen *g, const Src *s, int c)
{
    static const char *const TEXT_FN[] = {
        "upper(@)",      "lower(@)",
        "length(@)",     "substr(@, 1, 3)",
        "@ || '|'",      "coalesce(@, '-')",
        "trim(@)",       "replace(@, '*', '#')",
        "instr(@, '*')", "typeof(@)",
        "hex(@)",        "CASE WHEN @ IS NULL THEN 'n' ELSE 'v' END"};
    static const char *const INT_FN[] = {
        "@ + 1",           "abs(@)",    "@ * 3", "@ % 7", "coalesce(@, -1)",
        "CAST(@ AS TEXT)", "typeof(@)", "-@",    "@ > 10"};
    static const char *const REAL_FN[] = {"round(@, 1)", "@ * 2",
                                          "CAST(@ AS INTEGER)", "typeof(@)",
                                          "coalesce(@, 0.5)"};
    Kind k = s->t->cols[c].kind;
    if (chance(65)) {
        put_col(g, s, c);
        return;
    }
    sb_putc(g->sb, '(');
    put_template(g,
                 k == K_INT    ? PICK(INT_FN)
                 : k == K_REAL ? PICK(REAL_FN)
                               : PICK(TEXT_FN),
                 s, c);
    sb_putc(g->sb, ')');
}

static void gen_pred(Gen *g, const Scope *sc, int depth);

/* gen_subselect appends "SELECT col FROM table [WHERE ...]" of a column of
 * kind K (any column when none has it); the column's kind goes to OUT. */
static void gen_subselect_col(Gen *g, Kind k, int depth)
{
    const GTable *t = any_table(g);
    int c = col_of_kind(t, k);
    if (c < 0)
        c = pick(t->ncols);
    const char *alias = new_alias(g);
    Src s = {t, alias};
    kw(g, "SELECT");
    sp(g);
    put_col(g, &s, c);
    kw(g, "FROM");
    put_tref(g, t, alias);
    if (chance(50)) {
        Scope in = {{s}, 1};
        kw(g, "WHERE");
        gen_pred(g, &in, depth + 1);
    }
}

/* gen_pred appends a condition over the sources of SC: comparisons, LIKE,
 * IN, IS NULL, BETWEEN on any column (clear, masked or hidden), and at
 * shallow depth subqueries (IN, EXISTS, correlated, scalar). */
static void gen_pred(Gen *g, const Scope *sc, int depth)
{
    const Src *s = &sc->src[pick(sc->n)];
    int c = pick(s->t->ncols);
    const GCol *col = &s->t->cols[c];
    int r = pick(depth < 2 ? 118 : 80);
    if (r < 22) {
        static const char *const OPS[] = {
            " = ",  " <> ", " < ",  " <= ", " > ",
            " >= ", " != ", " == ", " IS ", " IS NOT "};
        sp(g);
        put_col(g, s, c);
        sb_puts(g->sb, PICK(OPS));
        put_cmp_lit(g, s, c);
        if (col->kind == K_TEXT && chance(10))
            kw(g, "COLLATE NOCASE");
    } else if (r < 32) {
        static const char *const PATS[] = {"'%*%'",    "'1%'",
                                           "'13%'",    "'%5678'",
                                           "'张%'",    "'%a%'",
                                           "'_'",      "'%'",
                                           "'2024-%'", "'%-0%'",
                                           "'[%'",     "'%R%'",
                                           "'O''%'",   "'%\\_%' ESCAPE '\\'",
                                           "'李_'",    "'%)'"};
        sp(g);
        put_col(g, s, c);
        if (chance(20))
            kw(g, "NOT");
        kw(g, "LIKE");
        sp(g);
        if (col->pool->n && chance(40)) {
            /* a prefix of one of its values */
            const char *v = col->pool->lit[pick(col->pool->n)];
            if (v[0] == '\'' && v[1] && v[1] != '\'') {
                int n = 1;
                while ((v[1 + n] & 0xC0) == 0x80)
                    n++;
                sb_putc(g->sb, '\'');
                sb_append(g->sb, v + 1, (size_t)n);
                sb_puts(g->sb, "%'");
            } else {
                sb_puts(g->sb, "'%'");
            }
        } else {
            sb_puts(g->sb, PICK(PATS));
        }
    } else if (r < 42) {
        sp(g);
        put_col(g, s, c);
        if (chance(25))
            kw(g, "NOT");
        kw(g, "IN");
        sb_puts(g->sb, " (");
        int n = 1 + pick(4);
        for (int i = 0; i < n; i++) {
            if (i)
                sb_puts(g->sb, ", ");
            put_cmp_lit(g, s, c);
        }
        sb_putc(g->sb, ')');
    } else if (r < 50) {
        sp(g);
        put_col(g, s, c);
        kw(g, "IS");
        if (chance(50))
            kw(g, "NOT");
        kw(g, "NULL");
    } else if (r < 56) {
        sp(g);
        put_col(g, s, c);
        kw(g, "BETWEEN");
        sp(g);
        put_lit(g, col);
        kw(g, "AND");
        sp(g);
        put_lit(g, col);
    } else if (r < 59) {
        static const char *const GLOBS[] = {"'1*'",    "'*[*]*'", "'张*'",
                                            "'*5678'", "'?'",     "'[a-m]*'"};
        sp(g);
        put_col(g, s, c);
        kw(g, "GLOB");
        sp(g);
        sb_puts(g->sb, PICK(GLOBS));
    } else if (r < 62) {
        sp(g);
        sb_puts(g->sb, "length(");
        put_col(g, s, c);
        sb_printf(g->sb, ") > %d", pick(12));
    } else if (r < 70) {
        kw(g, "NOT");
        sb_puts(g->sb, " (");
        gen_pred(g, sc, depth + 1);
        sb_putc(g->sb, ')');
    } else if (r < 80) {
        sb_putc(g->sb, '(');
        gen_pred(g, sc, depth + 1);
        kw(g, chance(50) ? "AND" : "OR");
        sp(g);
        gen_pred(g, sc, depth + 1);
        sb_putc(g->sb, ')');
    } else if (r < 92) {
        /* IN (subquery) */
        sp(g);
        put_col(g, s, c);
        if (chance(20))
            kw(g, "NOT");
        kw(g, "IN");
        sb_puts(g->sb, " (");
        gen_subselect_col(g, col->kind, depth);
        sb_putc(g->sb, ')');
    } else if (r < 106) {
        /* EXISTS, correlated on a column of the same kind */
        const GTable *t = any_table(g);
        int c2 = col_of_kind(t, col->kind);
        const char *alias = new_alias(g);
        Src in = {t, alias};
        if (chance(20))
            kw(g, "NOT");
        kw(g, "EXISTS");
        sb_puts(g->sb, " (");
        kw(g, "SELECT");
        /* Inside a CTE, a protected table read for no column is refused
         * (docs/dba-sqlite.md: the name could mean main's table there). */
        if (g->in_cte && t->mt >= 0) {
            sp(g);
            put_col(g, &in, 0);
        } else {
            sb_puts(g->sb, " 1");
        }
        kw(g, "FROM");
        put_tref(g, t, alias);
        kw(g, "WHERE");
        sp(g);
        if (c2 >= 0 && s->qual) {
            put_col(g, &in, c2);
            sb_puts(g->sb, " = ");
            put_col(g, s, c);
        } else {
            sb_puts(g->sb, "1");
        }
        if (chance(50)) {
            Scope inner = {{in}, 1};
            kw(g, "AND");
            gen_pred(g, &inner, depth + 1);
        }
        sb_putc(g->sb, ')');
    } else {
        /* a scalar subquery */
        const GTable *t = any_table(g);
        int c2 = col_of_kind(t, col->kind);
        if (c2 < 0)
            c2 = pick(t->ncols);
        const char *alias = new_alias(g);
        Src in = {t, alias};
        sp(g);
        put_col(g, s, c);
        sb_puts(g->sb, chance(50) ? " = (" : " >= (");
        kw(g, "SELECT");
        sb_puts(g->sb, chance(50) ? " max(" : " min(");
        put_col(g, &in, c2);
        sb_putc(g->sb, ')');
        kw(g, "FROM");
        put_tref(g, t, alias);
        if (chance(40)) {
            Scope inner = {{in}, 1};
            kw(g, "WHERE");
            gen_pred(g, &inner, depth + 1);
        }
        sb_putc(g->sb, ')');
    }
}

/* gen_proj appends a projection over SC and returns its column count. */
static int gen_proj(Gen *g, const Scope *sc, bool star)
{
    if (star && chance(20)) {
        int n = 0;
        if (sc->n == 1 && chance(60)) {
            sb_puts(g->sb, " *");
            return sc->src[0].t->ncols;
        }
        for (int i = 0; i < sc->n; i++) {
            if (!sc->src[i].qual)
                continue;
            sb_puts(g->sb, n ? ", " : " ");
            sb_printf(g->sb, "%s.*", sc->src[i].qual);
            n += sc->src[i].t->ncols;
        }
        if (n)
            return n;
    }
    int k = 1 + pick(4);
    for (int i = 0; i < k; i++) {
        const Src *s = &sc->src[pick(sc->n)];
        sb_puts(g->sb, i ? ", " : " ");
        put_cexpr(g, s, pick(s->t->ncols));
        if (chance(20))
            sb_printf(g->sb, " AS x%d", i);
    }
    return k;
}

/* order_all appends ORDER BY every output column (1..N), so the order is
 * total and LIMIT/OFFSET are deterministic. */
static void order_all(Gen *g, int n, bool limit)
{
    kw(g, "ORDER");
    kw(g, "BY");
    for (int i = 1; i <= n; i++) {
        sb_printf(g->sb, "%s%d", i > 1 ? ", " : " ", i);
        if (chance(30))
            kw(g, chance(50) ? "DESC" : "ASC");
        if (chance(10))
            kw(g, chance(50) ? "NULLS FIRST" : "NULLS LAST");
    }
    if (limit && chance(40)) {
        kw(g, "LIMIT");
        sb_printf(g->sb, " %d", pick(8));
        if (chance(50)) {
            kw(g, "OFFSET");
            sb_printf(g->sb, " %d", pick(5));
        }
    }
}

/* order_cols appends the window ORDER BY over every column of S. */
static void order_cols(Gen *g, const Src *s)
{
    kw(g, "ORDER");
    kw(g, "BY");
    for (int c = 0; c < s->t->ncols; c++) {
        sb_puts(g->sb, c ? ", " : " ");
        put_col(g, s, c);
    }
}

/* gen_aggs appends 1 to 3 aggregates over S; sums only of integer
 * columns, whose sums do not depend on the order of the rows. */
static int gen_aggs(Gen *g, const Src *s)
{
    static const char *const AGG[] = {"count(*)",
                                      "count(@)",
                                      "count(DISTINCT @)",
                                      "min(@)",
                                      "max(@)",
                                      "max(length(@))",
                                      "sum(@ IS NULL)",
                                      "count(@ LIKE '%*%' OR NULL)"};
    static const char *const SUM[] = {"sum(@)", "avg(@)", "total(@)"};
    int k = 1 + pick(3);
    for (int i = 0; i < k; i++) {
        sb_puts(g->sb, i ? ", " : " ");
        int ic = col_of_kind(s->t, K_INT);
        if (ic >= 0 && chance(30))
            put_template(g, PICK(SUM), s, ic);
        else
            put_template(g, PICK(AGG), s, pick(s->t->ncols));
    }
    return k;
}

/* ---- SELECT shapes; each returns whether ORDER BY covers every output
 * column (then the rows are compared as a list) ---- */

/* A derived table (CTE or subquery in FROM) as a table of the generator:
 * some columns of T, under NAME. */
typedef struct Derived {
    GTable t;
    int from[16]; /* the column of the source table behind each */
} Derived;

static void derived_pick(Derived *d, const GTable *src, const char *name,
                         bool rename)
{
    static const char *const X[] = {"x0", "x1", "x2", "x3"};
    memset(d, 0, sizeof *d);
    d->t.name = name;
    d->t.key = -1;
    d->t.mt = -2; /* never schema-qualified */
    int n = 1 + pick(4);
    for (int i = 0; i < n; i++) {
        int c = pick(src->ncols);
        d->from[i] = c;
        d->t.cols[i] = src->cols[c];
        if (rename)
            d->t.cols[i].name = X[i];
    }
    d->t.ncols = n;
}

/* derived_body appends "SELECT cols FROM src [WHERE ...]" of D. Column
 * names repeat when a column is picked twice: a derived table then gets
 * renamed columns (a list after the CTE's name, or AS in a subquery). */
static void derived_body(Gen *g, const Derived *d, const GTable *src,
                         bool as_names)
{
    const char *alias = chance(50) ? "s" : NULL;
    Src s = {src, alias};
    kw(g, "SELECT");
    for (int i = 0; i < d->t.ncols; i++) {
        sb_puts(g->sb, i ? ", " : " ");
        put_col(g, &s, d->from[i]);
        if (as_names)
            sb_printf(g->sb, " AS %s", d->t.cols[i].name);
    }
    kw(g, "FROM");
    put_tref(g, src, alias);
    if (chance(60)) {
        Scope sc = {{s}, 1};
        kw(g, "WHERE");
        gen_pred(g, &sc, 1);
    }
}

static bool sel_simple(Gen *g)
{
    const GTable *t = any_table(g);
    Src s = {t, chance(50) ? "a" : NULL};
    Scope sc = {{s}, 1};
    kw(g, "SELECT");
    if (chance(15))
        kw(g, "DISTINCT");
    int n = gen_proj(g, &sc, true);
    kw(g, "FROM");
    put_tref(g, t, s.qual);
    if (chance(75)) {
        kw(g, "WHERE");
        gen_pred(g, &sc, 0);
    }
    if (chance(35)) {
        order_all(g, n, true);
        return true;
    }
    return false;
}

static bool sel_join(Gen *g)
{
    const GTable *t1 = any_table(g), *t2 = any_table(g);
    Src a = {t1, "a"}, b = {t2, "b"};
    Scope sc = {{a, b}, 2};
    kw(g, "SELECT");
    if (chance(15))
        kw(g, "DISTINCT");
    int n = gen_proj(g, &sc, true);
    kw(g, "FROM");
    put_tref(g, t1, "a");
    if (chance(30))
        kw(g, "LEFT");
    kw(g, "JOIN");
    put_tref(g, t2, "b");
    int c1 = pick(t1->ncols);
    int c2 = col_of_kind(t2, t1->cols[c1].kind);
    bool same_name = false;
    for (int k = 0; k < t2->ncols; k++)
        same_name =
            same_name || strcmp(t2->cols[k].name, t1->cols[c1].name) == 0;
    if (same_name && chance(40)) {
        kw(g, "USING");
        sb_printf(g->sb, " (%s)", t1->cols[c1].name);
    } else {
        kw(g, "ON");
        sp(g);
        if (c2 >= 0) {
            put_col(g, &a, c1);
            sb_puts(g->sb, " = ");
            put_col(g, &b, c2);
        } else {
            sb_puts(g->sb, "1");
        }
    }
    if (chance(60)) {
        kw(g, "WHERE");
        gen_pred(g, &sc, 0);
    }
    if (chance(30)) {
        order_all(g, n, true);
        return true;
    }
    return false;
}

static bool sel_aggregate(Gen *g)
{
    const GTable *t = any_table(g);
    Src s = {t, chance(50) ? "a" : NULL};
    Scope sc = {{s}, 1};
    bool group = chance(55);
    kw(g, "SELECT");
    int n = 0;
    if (group) {
        sp(g);
        put_cexpr(g, &s, pick(t->ncols));
        sb_putc(g->sb, ',');
        n = 1;
    }
    n += gen_aggs(g, &s);
    kw(g, "FROM");
    put_tref(g, t, s.qual);
    if (chance(60)) {
        kw(g, "WHERE");
        gen_pred(g, &sc, 0);
    }
    if (group) {
        kw(g, "GROUP");
        kw(g, "BY");
        sb_puts(g->sb, " 1");
        if (chance(30)) {
            kw(g, "HAVING");
            sb_printf(g->sb, " count(*) > %d", pick(3));
        }
        if (chance(40)) {
            order_all(g, n, true);
            return true;
        }
    }
    return false;
}

static bool sel_compound(Gen *g)
{
    g->compound = true;
    static const char *const OPS[] = {"UNION", "UNION ALL", "INTERSECT",
                                      "EXCEPT"};
    int n = 1 + pick(2);
    int parts = 2 + (chance(25) ? 1 : 0);
    for (int p = 0; p < parts; p++) {
        if (p)
            kw(g, PICK(OPS));
        const GTable *t = any_table(g);
        Src s = {t, NULL};
        Scope sc = {{s}, 1};
        kw(g, "SELECT");
        for (int i = 0; i < n; i++) {
            sb_puts(g->sb, i ? ", " : " ");
            put_cexpr(g, &s, pick(t->ncols));
        }
        kw(g, "FROM");
        put_tref(g, t, NULL);
        if (chance(60)) {
            kw(g, "WHERE");
            gen_pred(g, &sc, 1);
        }
    }
    if (chance(35)) {
        order_all(g, n, true);
        return true;
    }
    return false;
}

/* sel_cte: WITH name AS (...) SELECT ... FROM name, the name sometimes a
 * protected table's (which the statement then means, as SQL says) or the
 * unprotected table's. */
static bool sel_cte(Gen *g)
{
    const GTable *src = any_table(g);
    int r = pick(100);
    const char *name = "c";
    if (r < 40) {
        name = g->w->t[pick(g->w->nprot)].name;
        g->shadow = true;
    } else if (r < 55) {
        name = g->w->t[g->w->nprot].name;
    }
    g->cte = name;
    bool list = chance(30);
    Derived d;
    derived_pick(&d, src, name, true);
    kw(g, "WITH");
    sp(g);
    put_name(g, name);
    if (list) {
        sb_puts(g->sb, "(");
        for (int i = 0; i < d.t.ncols; i++)
            sb_printf(g->sb, "%s%s", i ? ", " : "", d.t.cols[i].name);
        sb_puts(g->sb, ")");
    }
    kw(g, "AS");
    if (chance(15))
        kw(g, chance(50) ? "MATERIALIZED" : "NOT MATERIALIZED");
    sb_puts(g->sb, " (");
    g->in_cte = true;
    derived_body(g, &d, src, !list);
    g->in_cte = false;
    sb_puts(g->sb, ")");
    Src s = {&d.t, chance(50) ? "a" : NULL};
    Scope sc = {{s}, 1};
    kw(g, "SELECT");
    int n = 0;
    if (chance(30)) {
        /* join the CTE with a table */
        const GTable *t2 = any_table(g);
        Src b = {t2, "b"};
        s.qual = "a";
        sc.src[0] = s;
        sc.src[1] = b;
        sc.n = 2;
        n = gen_proj(g, &sc, false);
        kw(g, "FROM");
        put_tref(g, &d.t, "a");
        kw(g, "JOIN");
        put_tref(g, t2, "b");
        kw(g, "ON");
        int c2 = col_of_kind(t2, d.t.cols[0].kind);
        sp(g);
        if (c2 >= 0) {
            put_col(g, &s, 0);
            sb_puts(g->sb, " = ");
            put_col(g, &b, c2);
        } else {
            sb_puts(g->sb, "1");
        }
    } else {
        n = gen_proj(g, &sc, true);
        kw(g, "FROM");
        put_tref(g, &d.t, s.qual);
    }
    if (chance(50)) {
        kw(g, "WHERE");
        gen_pred(g, &sc, 1);
    }
    if (chance(30)) {
        order_all(g, n, true);
        return true;
    }
    return false;
}

static bool sel_derived(Gen *g)
{
    const GTable *src = any_table(g);
    Derived d;
    derived_pick(&d, src, "d", true);
    Src s = {&d.t, "d"};
    Scope sc = {{s}, 1};
    kw(g, "SELECT");
    int n = gen_proj(g, &sc, true);
    kw(g, "FROM");
    sb_puts(g->sb, " (");
    derived_body(g, &d, src, true);
    sb_puts(g->sb, ")");
    kw(g, "AS");
    sb_puts(g->sb, " d");
    if (chance(60)) {
        kw(g, "WHERE");
        gen_pred(g, &sc, 1);
    }
    if (chance(30)) {
        order_all(g, n, true);
        return true;
    }
    return false;
}

/* sel_window: window functions whose results do not depend on how ties
 * are broken (ORDER BY every column, or rank-like functions). */
static bool sel_window(Gen *g)
{
    const GTable *t = any_table(g);
    Src s = {t, chance(50) ? "a" : NULL};
    Scope sc = {{s}, 1};
    kw(g, "SELECT");
    int n = gen_proj(g, &sc, false);
    int k = 1 + pick(2);
    for (int i = 0; i < k; i++, n++) {
        int c = pick(t->ncols), c2 = pick(t->ncols);
        int ic = col_of_kind(t, K_INT);
        sb_puts(g->sb, ", ");
        switch (pick(9)) {
        case 0:
            sb_puts(g->sb, "row_number() OVER (");
            order_cols(g, &s);
            break;
        case 1:
            sb_puts(g->sb, "rank() OVER (ORDER BY ");
            put_col(g, &s, c);
            break;
        case 2:
            sb_puts(g->sb, "dense_rank() OVER (PARTITION BY ");
            put_col(g, &s, c2);
            sb_puts(g->sb, " ORDER BY ");
            put_col(g, &s, c);
            break;
        case 3:
            sb_puts(g->sb, "count(*) OVER (PARTITION BY ");
            put_col(g, &s, c);
            break;
        case 4:
            if (ic < 0)
                ic = c;
            sb_puts(g->sb, "sum(length(");
            put_col(g, &s, ic);
            sb_puts(g->sb, ")) OVER (PARTITION BY ");
            put_col(g, &s, c);
            break;
        case 5:
            sb_puts(g->sb, "lag(");
            put_col(g, &s, c);
            sb_puts(g->sb, ") OVER (");
            order_cols(g, &s);
            break;
        case 6:
            sb_puts(g->sb, "first_value(");
            put_col(g, &s, c);
            sb_puts(g->sb, ") OVER (PARTITION BY ");
            put_col(g, &s, c2);
            sb_putc(g->sb, ' ');
            order_cols(g, &s);
            break;
        case 7:
            sb_puts(g->sb, "group_concat(");
            put_col(g, &s, c);
            sb_puts(g->sb, ", '|') OVER (ORDER BY ");
            put_col(g, &s, c);
            sb_puts(g->sb, " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
                           "FOLLOWING");
            break;
        default:
            sb_puts(g->sb, "ntile(3) OVER (");
            order_cols(g, &s);
            break;
        }
        sb_putc(g->sb, ')');
    }
    kw(g, "FROM");
    put_tref(g, t, s.qual);
    if (chance(50)) {
        kw(g, "WHERE");
        gen_pred(g, &sc, 0);
    }
    if (chance(30)) {
        order_all(g, n, true);
        return true;
    }
    return false;
}

/* sel_concat: group_concat in a defined order, through an ordered
 * subquery (the aggregate's own ORDER BY needs SQLite 3.44). */
static bool sel_concat(Gen *g)
{
    const GTable *t = any_table(g);
    Src s = {t, NULL};
    Scope sc = {{s}, 1};
    kw(g, "SELECT");
    sb_puts(g->sb, " group_concat(x, '|'), count(*)");
    kw(g, "FROM");
    sb_puts(g->sb, " (");
    kw(g, "SELECT");
    sp(g);
    put_cexpr(g, &s, pick(t->ncols));
    sb_puts(g->sb, " AS x");
    kw(g, "FROM");
    put_tref(g, t, NULL);
    if (chance(50)) {
        kw(g, "WHERE");
        gen_pred(g, &sc, 1);
    }
    kw(g, "ORDER");
    kw(g, "BY");
    sb_puts(g->sb, " 1)");
    return false;
}

/* sel_scalar: a correlated scalar subquery in the projection. */
static bool sel_scalar(Gen *g)
{
    const GTable *t = any_table(g), *t2 = any_table(g);
    Src a = {t, "a"}, b = {t2, "b"};
    Scope sc = {{a}, 1};
    int c = pick(t->ncols);
    int c2 = col_of_kind(t2, t->cols[c].kind);
    kw(g, "SELECT");
    sp(g);
    put_cexpr(g, &a, pick(t->ncols));
    sb_puts(g->sb, ", (");
    kw(g, "SELECT");
    sb_puts(g->sb, chance(50) ? " count(*)" : " max(b.rowid IS NOT NULL)");
    kw(g, "FROM");
    put_tref(g, t2, "b");
    kw(g, "WHERE");
    sp(g);
    if (c2 >= 0) {
        put_col(g, &b, c2);
        sb_puts(g->sb, " = ");
        put_col(g, &a, c);
    } else {
        sb_puts(g->sb, "1");
    }
    sb_puts(g->sb, ")");
    kw(g, "FROM");
    put_tref(g, t, "a");
    if (chance(50)) {
        kw(g, "WHERE");
        gen_pred(g, &sc, 0);
    }
    return false;
}

static bool sel_recursive(Gen *g)
{
    const GTable *t = any_table(g);
    int c = col_of_kind(t, K_INT);
    if (c < 0)
        return sel_simple(g);
    Src a = {t, "a"};
    kw(g, "WITH RECURSIVE");
    sb_puts(g->sb, " n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                   "WHERE i < 12)");
    kw(g, "SELECT");
    sb_puts(g->sb, " n.i, ");
    put_cexpr(g, &a, pick(t->ncols));
    kw(g, "FROM");
    sb_puts(g->sb, " n");
    kw(g, "LEFT JOIN");
    put_tref(g, t, "a");
    kw(g, "ON");
    sp(g);
    put_col(g, &a, c);
    sb_puts(g->sb, " = n.i");
    return false;
}

/* sel_rowid: rowid next to columns; a view has no rowid to give, so only
 * the other columns are compared, and an error is tolerated. */
static bool sel_rowid(Gen *g)
{
    const GTable *t = any_table(g);
    Src s = {t, NULL};
    Scope sc = {{s}, 1};
    g->rowid = true;
    kw(g, "SELECT");
    sb_puts(g->sb, chance(50) ? " rowid," : " _rowid_,");
    gen_proj(g, &sc, false);
    kw(g, "FROM");
    put_tref(g, t, NULL);
    if (chance(50)) {
        kw(g, "WHERE");
        gen_pred(g, &sc, 0);
    }
    return false;
}

static bool gen_select(Gen *g)
{
    int r = pick(100);
    if (r < 24)
        return sel_simple(g);
    if (r < 38)
        return sel_join(g);
    if (r < 52)
        return sel_aggregate(g);
    if (r < 60)
        return sel_compound(g);
    if (r < 72)
        return sel_cte(g);
    if (r < 77)
        return sel_derived(g);
    if (r < 85)
        return sel_window(g);
    if (r < 89)
        return sel_concat(g);
    if (r < 94)
        return sel_scalar(g);
    if (r < 97)
        return sel_recursive(g);
    return sel_rowid(g);
}

/* ---- reads ---- */

static void run_read(World *w, Sess *s)
{
    StrBuf sql;
    sb_init(&sql);
    Gen g = {.sb = &sql, .w = w};
    if (chance(4))
        sb_puts(&sql, chance(50) ? "-- lead\n" : "/* lead */ ");
    bool ordered = gen_select(&g);
    if (opt.verbose)
        fprintf(stderr, "read: %s\n", sql.data);
    Result a, b;
    int skip = g.rowid ? 0 : -1;
    run_sql(s->db, sql.data, skip, &a);
    run_sql(w->ref, sql.data, skip, &b);
    stats.reads++;
    StrBuf why;
    sb_init(&why);
    if (a.error && is_refusal(a.msg)) {
        if (fail_head(w, "a legal statement was refused", sql.data))
            fprintf(stderr, "  runtime: %s\n  oracle:  %s\n", a.msg,
                    b.error ? b.msg : "(rows)");
    } else if (a.error != b.error) {
        if (a.error && g.shadow && !opt.cte) {
            stats.tolerated_cte++;
            check_passed++;
        } else if (a.error && g.rowid) {
            stats.tolerated_rowid++;
            check_passed++;
        } else if (fail_head(w, "an error on one side only", sql.data)) {
            fprintf(stderr, "  runtime: %s\n  oracle:  %s\n",
                    a.error ? a.msg : "(no error)",
                    b.error ? b.msg : "(no error)");
        }
    } else if (a.error) {
        stats.both_failed++;
        check_passed++;
        if (opt.verbose)
            fprintf(stderr, "  both failed: %s / %s\n", a.msg, b.msg);
    } else if (diff_rows(&a, &b, ordered, &why)) {
        check_passed++;
    } else if (fail_head(w, "the session's rows differ from the oracle's",
                         sql.data)) {
        fputs(why.data, stderr);
    }
    sb_free(&why);
    result_free(&a);
    result_free(&b);
    sb_free(&sql);
}

/* run_scratch: a session's scratch work, a temp table (or a temp view,
 * which the contract allows over the session's own tables) made from a
 * random SELECT, then read back: it holds what the session saw. */
static void run_scratch(World *w, Sess *s)
{
    StrBuf sql;
    sb_init(&sql);
    Gen g = {.sb = &sql, .w = w};
    bool view = chance(30);
    /* Not a compound: which column type a compound's table gets (and so
     * which values it converts) depends on its first SELECT's column,
     * and a masked column has no type the contract fixes. */
    for (int tries = 0; tries < 8 && (tries == 0 || g.shadow || g.compound);
         tries++) {
        sb_reset(&sql);
        g.shadow = g.rowid = g.compound = false;
        g.cte = NULL;
        sb_puts(&sql, view ? "CREATE TEMP VIEW scratch AS"
                           : "CREATE TEMP TABLE scratch AS");
        gen_select(&g);
    }
    if (opt.verbose)
        fprintf(stderr, "scratch: %s\n", sql.data);
    stats.reads++;
    Result a, b, ra, rb;
    run_sql(s->db, sql.data, -1, &a);
    run_sql(w->ref, sql.data, -1, &b);
    memset(&ra, 0, sizeof ra);
    memset(&rb, 0, sizeof rb);
    StrBuf why;
    sb_init(&why);
    if (a.error && view && !opt.view && !b.error) {
        stats.tolerated_view++;
        check_passed++;
    } else if (a.error && is_refusal(a.msg)) {
        if (fail_head(w, "a legal statement was refused", sql.data))
            fprintf(stderr, "  runtime: %s\n", a.msg);
    } else if (a.error != b.error) {
        if (fail_head(w, "an error on one side only", sql.data))
            fprintf(stderr, "  runtime: %s\n  oracle:  %s\n",
                    a.error ? a.msg : "(no error)",
                    b.error ? b.msg : "(no error)");
    } else if (a.error) {
        stats.both_failed++;
        check_passed++;
    } else {
        int skip = g.rowid ? 0 : -1;
        run_sql(s->db, "SELECT * FROM scratch", skip, &ra);
        run_sql(w->ref, "SELECT * FROM scratch", skip, &rb);
        /* A view that reads no column of a protected table (a join one
         * side of which gives no column) is refused: inside a view the
         * name could mean main's table (docs/dba-sqlite.md). The same
         * SELECT on its own must then answer as the oracle. */
        const char *body = strstr(sql.data, " AS");
        if (view && ra.error && !rb.error && is_refusal(ra.msg) && body) {
            result_free(&ra);
            run_sql(s->db, body + 3, skip, &ra);
            stats.tolerated_view++;
        }
        if (ra.error || rb.error) {
            if (fail_head(w, "the scratch table cannot be read", sql.data))
                fprintf(stderr, "  runtime: %s\n  oracle:  %s\n",
                        ra.error ? ra.msg : "(rows)",
                        rb.error ? rb.msg : "(rows)");
        } else if (diff_rows(&ra, &rb, false, &why)) {
            check_passed++;
        } else if (fail_head(w, "the scratch table differs from the oracle's",
                             sql.data)) {
            fputs(why.data, stderr);
        }
    }
    const char *drop = view ? "DROP VIEW IF EXISTS temp.scratch"
                            : "DROP TABLE IF EXISTS temp.scratch";
    sqlite3_exec(s->db, drop, NULL, NULL, NULL);
    sqlite3_exec(w->ref, drop, NULL, NULL, NULL);
    sb_free(&why);
    result_free(&a);
    result_free(&b);
    result_free(&ra);
    result_free(&rb);
    sb_free(&sql);
}

/* ---- writes ---- */

typedef struct Write {
    char kind; /* 'U'pdate, 'I'nsert, 'D'elete */
    const GTable *t;
    StrBuf where; /* the condition; empty for none */
    int set_col[4];
    StrBuf set_expr[4];
    int nset;
    int icols[16]; /* insert: the columns given */
    int nicols;
    StrBuf ival[3][16]; /* insert: literal per row and column */
    int nrows;
    bool defaults; /* INSERT ... DEFAULT VALUES */
} Write;

static void write_free(Write *wr)
{
    sb_free(&wr->where);
    for (int i = 0; i < 4; i++)
        sb_free(&wr->set_expr[i]);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 16; c++)
            sb_free(&wr->ival[r][c]);
}

/* write_cond generates the condition of an UPDATE or DELETE: the key
 * equal to a value often (one row), else any condition. */
static void write_cond(Gen *g, Write *wr)
{
    const GTable *t = wr->t;
    StrBuf *keep = g->sb;
    g->sb = &wr->where;
    Src s = {t, chance(50) ? t->name : NULL};
    Scope sc = {{s}, 1};
    if (t->key >= 0 && chance(55)) {
        sp(g);
        put_col(g, &s, t->key);
        sb_puts(g->sb, " = ");
        put_lit(g, &t->cols[t->key]);
    } else {
        gen_pred(g, &sc, 0);
    }
    g->sb = keep;
}

/* write_value appends the new value of column C: a value seen in it, a
 * fresh one, the column itself, or a function of it. */
/* session_value appends the session's value of HINT: its user, or an
 * attribute as the runtime reads it from the JSON (NULL when absent). */
static void session_value(const Sess *s, const char *hint, StrBuf *out)
{
    if (!*hint) {
        sql_put_str(out, s->user);
        return;
    }
    for (int i = 0; i < s->nattrs; i++) {
        const Attr *at = &s->attrs[i];
        if (strcmp(at->name, hint) != 0)
            continue;
        if (at->kind == 0)
            sb_printf(out, "%lld", at->i);
        else if (at->kind == 1)
            sql_put_str(out, at->s);
        else if (at->kind == 2)
            sb_printf(out, "%lld.0", at->i);
        else
            sb_puts(out, "NULL");
        return;
    }
    sb_puts(out, "NULL");
}

static void write_value(Gen *g, World *w, const GTable *t, int c, StrBuf *out)
{
    StrBuf *keep = g->sb;
    g->sb = out;
    Src s = {t, NULL};
    int r = pick(100);
    if (t->cols[c].hint && c != t->key && chance(40)) {
        session_value(w->sess, t->cols[c].hint, out);
    } else if (c == t->key) {
        if (r < 60)
            sb_printf(out, "%lld", w->next_key++);
        else
            put_name(g, t->cols[c].name);
    } else if (r < 35) {
        put_lit(g, &t->cols[c]);
    } else if (r < 60) {
        gen_value(out, &t->cols[c]);
    } else if (r < 85) {
        put_name(g, t->cols[c].name);
    } else if (r < 92) {
        sb_puts(out, "NULL");
    } else {
        put_template(g, t->cols[c].kind == K_INT ? "@ + 1" : "upper(@)", &s, c);
    }
    g->sb = keep;
}

static bool writable(const Sess *s, const GTable *t, int c)
{
    return s->t[t->mt].write[c];
}

/* write_random makes a random write on a protected table of W. */
static void write_random(Gen *g, World *w, Sess *s, Write *wr)
{
    memset(wr, 0, sizeof *wr);
    sb_init(&wr->where);
    wr->t = &w->t[pick(w->nprot)];
    const GTable *t = wr->t;
    int r = pick(100);
    wr->kind = r < 55 ? 'U' : r < 82 ? 'I' : 'D';
    int hinted[16], nhinted = 0;
    for (int c = 0; c < t->ncols; c++)
        if (t->cols[c].hint && writable(s, t, c))
            hinted[nhinted++] = c;
    if (wr->kind == 'U' && nhinted && chance(35)) {
        /* Every column the rows rules look at, in a random order: rows
         * move in and out of sight, and only the final row counts. */
        for (int i = nhinted - 1; i > 0; i--) {
            int k = pick(i + 1), x = hinted[i];
            hinted[i] = hinted[k];
            hinted[k] = x;
        }
        for (int i = 0; i < nhinted && i < 4; i++) {
            wr->set_col[wr->nset] = hinted[i];
            sb_init(&wr->set_expr[wr->nset]);
            write_value(g, w, t, hinted[i], &wr->set_expr[wr->nset]);
            wr->nset++;
        }
        if (chance(90))
            write_cond(g, wr);
    } else if (wr->kind == 'U') {
        int want = 1 + (chance(40) ? 1 + pick(2) : 0);
        for (int i = 0; i < want; i++) {
            int c = pick(t->ncols);
            if (chance(60)) {
                int tries = 0;
                while (!writable(s, t, c) && tries++ < 20)
                    c = pick(t->ncols);
            }
            bool dup = false;
            for (int k = 0; k < wr->nset; k++)
                dup = dup || wr->set_col[k] == c;
            if (dup)
                continue;
            wr->set_col[wr->nset] = c;
            sb_init(&wr->set_expr[wr->nset]);
            write_value(g, w, t, c, &wr->set_expr[wr->nset]);
            wr->nset++;
        }
        if (chance(85))
            write_cond(g, wr);
    } else if (wr->kind == 'D') {
        if (chance(90))
            write_cond(g, wr);
    } else {
        wr->defaults = chance(4);
        bool all = !wr->defaults && chance(15);
        for (int c = 0; c < t->ncols && !wr->defaults; c++)
            if (all || chance(writable(s, t, c) ? 70 : 25))
                wr->icols[wr->nicols++] = c;
        if (!wr->defaults && wr->nicols == 0)
            wr->icols[wr->nicols++] = pick(t->ncols);
        if (wr->nicols == t->ncols && chance(50))
            all = true;
        wr->nrows = wr->defaults ? 1 : chance(75) ? 1 : 2 + pick(2);
        for (int row = 0; row < wr->nrows; row++)
            for (int i = 0; i < wr->nicols; i++) {
                int c = wr->icols[i];
                StrBuf *v = &wr->ival[row][i];
                sb_init(v);
                StrBuf *keep = g->sb;
                g->sb = v;
                if (c == t->key)
                    chance(90) ? sb_printf(v, "%lld", w->next_key++)
                               : put_lit(g, &t->cols[c]);
                else if (t->cols[c].hint && chance(50))
                    session_value(s, t->cols[c].hint, v);
                else if (chance(15))
                    sb_puts(v, "NULL");
                else if (chance(30))
                    put_lit(g, &t->cols[c]);
                else
                    gen_value(v, &t->cols[c]);
                g->sb = keep;
            }
        if (all && wr->nicols == t->ncols)
            wr->nicols = -wr->nicols; /* no column list */
    }
}

/* write_sql renders WR as the statement the session runs. */
static void write_sql(Gen *g, const Write *wr)
{
    const GTable *t = wr->t;
    if (wr->kind == 'U') {
        kw(g, "UPDATE");
        put_tref(g, t, NULL);
        kw(g, "SET");
        for (int i = 0; i < wr->nset; i++) {
            sb_puts(g->sb, i ? ", " : " ");
            put_name(g, t->cols[wr->set_col[i]].name);
            sb_puts(g->sb, " = ");
            sb_puts(g->sb, sb_cstr(&wr->set_expr[i]));
        }
    } else if (wr->kind == 'D') {
        kw(g, "DELETE");
        kw(g, "FROM");
        put_tref(g, t, NULL);
    } else {
        kw(g, "INSERT");
        kw(g, "INTO");
        put_tref(g, t, NULL);
        if (wr->defaults) {
            kw(g, "DEFAULT");
            kw(g, "VALUES");
            return;
        }
        int n = wr->nicols < 0 ? -wr->nicols : wr->nicols;
        if (wr->nicols > 0) {
            sb_puts(g->sb, " (");
            for (int i = 0; i < n; i++) {
                sb_puts(g->sb, i ? ", " : "");
                put_name(g, t->cols[wr->icols[i]].name);
            }
            sb_puts(g->sb, ")");
        }
        kw(g, "VALUES");
        for (int row = 0; row < wr->nrows; row++) {
            sb_puts(g->sb, row ? ", (" : " (");
            for (int i = 0; i < n; i++)
                sb_printf(g->sb, "%s%s", i ? ", " : "",
                          sb_cstr(&wr->ival[row][i]));
            sb_puts(g->sb, ")");
        }
        return;
    }
    if (wr->where.len) {
        kw(g, "WHERE");
        sb_puts(g->sb, wr->where.data);
    }
}

typedef enum Expect {
    EXPECT_OK,     /* succeeds, and the expected base is what it made */
    EXPECT_DENIED, /* fails [write-denied], nothing changes */
    EXPECT_ERROR,  /* fails (a constraint of the table), nothing changes */
    EXPECT_EITHER  /* succeeds without a change, or fails [write-denied] */
} Expect;

/* Matched rows of an UPDATE or DELETE, as the session sees them. */
typedef struct Matched {
    sqlite3_value **v; /* per row: key, then seen and new value per SET */
    int n, width;
} Matched;

static void matched_free(Matched *m)
{
    for (int i = 0; i < m->n * m->width; i++)
        sqlite3_value_free(m->v[i]);
    free(m->v);
}

/* matched_rows runs, on the reference, the rows the write's condition
 * selects: their key and, for an UPDATE, per SET column the value seen
 * and the new value (SET expressions are evaluated on what is seen). */
static bool matched_rows(World *w, const Write *wr, Matched *out)
{
    const GTable *t = wr->t;
    StrBuf q;
    sb_init(&q);
    sb_puts(&q, "SELECT ");
    if (t->key >= 0)
        sql_put_ident(&q, t->cols[t->key].name);
    else
        sb_puts(&q, "NULL");
    for (int i = 0; wr->kind == 'U' && i < wr->nset; i++) {
        sb_puts(&q, ", ");
        sql_put_ident(&q, t->cols[wr->set_col[i]].name);
        sb_printf(&q, ", (%s)", sb_cstr(&wr->set_expr[i]));
    }
    sb_puts(&q, " FROM temp.");
    sql_put_ident(&q, t->name);
    if (wr->where.len)
        sb_printf(&q, " WHERE %s", wr->where.data);
    memset(out, 0, sizeof *out);
    out->width = 1 + (wr->kind == 'U' ? 2 * wr->nset : 0);
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(w->ref, q.data, -1, &st, NULL) == SQLITE_OK;
    int rc = SQLITE_DONE;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        out->v = xrealloc(out->v, (size_t)(out->n + 1) * (size_t)out->width *
                                      sizeof *out->v);
        for (int i = 0; i < out->width; i++)
            out->v[out->n * out->width + i] =
                sqlite3_value_dup(sqlite3_column_value(st, i));
        out->n++;
    }
    ok = ok && rc == SQLITE_DONE;
    sqlite3_finalize(st);
    sb_free(&q);
    return ok;
}

static bool value_is(sqlite3_value *a, sqlite3_value *b)
{
    int ta = sqlite3_value_type(a);
    if (ta != sqlite3_value_type(b))
        return false;
    switch (ta) {
    case SQLITE_NULL: return true;
    case SQLITE_INTEGER:
        return sqlite3_value_int64(a) == sqlite3_value_int64(b);
    case SQLITE_FLOAT:
        return sqlite3_value_double(a) == sqlite3_value_double(b);
    default: {
        int n = sqlite3_value_bytes(a);
        return n == sqlite3_value_bytes(b) &&
               (n == 0 || memcmp(sqlite3_value_blob(a), sqlite3_value_blob(b),
                                 (size_t)n) == 0);
    }
    }
}

/* visible: the row of T whose KEY_SQL equals V (bound) is one the session
 * may see, judged on the expected base. */
static bool visible(World *w, const STable *st, const GTable *t,
                    const char *key_sql, sqlite3_value *v)
{
    if (!st->filter)
        return true;
    StrBuf q;
    sb_init(&q);
    sb_puts(&q, "SELECT count(*) FROM main.");
    sql_put_ident(&q, t->name);
    sb_printf(&q, " WHERE %s IS ?1 AND NOT coalesce((%s), 0)", key_sql,
              st->filter);
    sqlite3_stmt *q_st = NULL;
    sqlite3_prepare_v2(w->pred, q.data, -1, &q_st, NULL);
    sqlite3_bind_value(q_st, 1, v);
    bool ok = q_st && sqlite3_step(q_st) == SQLITE_ROW &&
              sqlite3_column_int(q_st, 0) == 0;
    sqlite3_finalize(q_st);
    sb_free(&q);
    return ok;
}

/* predict applies WR to the expected base (inside the savepoint the
 * caller opened) the way the contract says it goes, and says how the
 * statement must end and how many rows it affects. */
static Expect predict(World *w, Sess *s, const Write *wr, long *changes,
                      bool *multi, bool *empty)
{
    const GTable *t = wr->t;
    const STable *st = &s->t[t->mt];
    char key_sql[80];
    snprintf(key_sql, sizeof key_sql, "\"%s\"",
             t->key >= 0 ? t->cols[t->key].name : "rowid");
    *changes = 0;
    *multi = *empty = false;
    if (wr->kind == 'I') {
        int n = wr->nicols < 0 ? -wr->nicols : wr->nicols;
        bool any_grant = false, null_denied = false;
        for (int c = 0; c < t->ncols; c++)
            any_grant = any_grant || st->write[c];
        for (int row = 0; row < wr->nrows; row++) {
            int given = 0;
            for (int i = 0; i < n; i++) {
                bool null = strcmp(sb_cstr(&wr->ival[row][i]), "NULL") == 0;
                if (!st->write[wr->icols[i]]) {
                    if (!null)
                        return EXPECT_DENIED;
                    null_denied = true;
                }
                given += !null;
            }
            if (!given && !any_grant)
                return EXPECT_DENIED;
        }
        StrBuf q;
        sb_init(&q);
        for (int row = 0; row < wr->nrows; row++) {
            sb_reset(&q);
            sb_puts(&q, "INSERT INTO main.");
            sql_put_ident(&q, t->name);
            StrBuf vals;
            sb_init(&vals);
            int k = 0;
            for (int i = 0; i < n; i++) {
                const char *v = sb_cstr(&wr->ival[row][i]);
                if (strcmp(v, "NULL") == 0)
                    continue;
                sb_puts(&q, k ? ", " : " (");
                sql_put_ident(&q, t->cols[wr->icols[i]].name);
                sb_printf(&vals, "%s%s", k ? ", " : "", v);
                k++;
            }
            if (k)
                sb_printf(&q, ") VALUES (%s)", vals.data);
            else
                sb_puts(&q, " DEFAULT VALUES");
            sb_free(&vals);
            if (sqlite3_exec(w->pred, q.data, NULL, NULL, NULL) != SQLITE_OK) {
                sb_free(&q);
                return EXPECT_ERROR;
            }
            sqlite3_value *rowid = NULL;
            sqlite3_stmt *li = NULL;
            sqlite3_prepare_v2(w->pred, "SELECT last_insert_rowid()", -1, &li,
                               NULL);
            if (li && sqlite3_step(li) == SQLITE_ROW)
                rowid = sqlite3_value_dup(sqlite3_column_value(li, 0));
            sqlite3_finalize(li);
            bool seen = visible(w, st, t, "rowid", rowid);
            sqlite3_value_free(rowid);
            if (!seen) {
                sb_free(&q);
                return EXPECT_DENIED;
            }
            (*changes)++;
        }
        sb_free(&q);
        return null_denied ? EXPECT_EITHER : EXPECT_OK;
    }

    Matched m;
    if (!matched_rows(w, wr, &m)) {
        matched_free(&m);
        return EXPECT_ERROR; /* the condition itself fails */
    }
    bool denied = !st->key_shown;
    if (wr->kind == 'D')
        denied = denied || !st->deletable;
    for (int i = 0; wr->kind == 'U' && i < wr->nset; i++)
        denied = denied || !st->write[wr->set_col[i]];
    Expect e = EXPECT_OK;
    if (m.n == 0)
        e = denied ? EXPECT_EITHER : EXPECT_OK;
    else if (denied)
        e = EXPECT_DENIED;
    for (int row = 0; wr->kind == 'U' && row < m.n; row++)
        for (int i = 0; i < wr->nset; i++) {
            sqlite3_value *seen = m.v[row * m.width + 1 + 2 * i];
            sqlite3_value *set = m.v[row * m.width + 2 + 2 * i];
            *empty = *empty || (sqlite3_value_type(seen) == SQLITE_TEXT &&
                                sqlite3_value_type(set) == SQLITE_TEXT &&
                                sqlite3_value_bytes(seen) == 0 &&
                                sqlite3_value_bytes(set) == 0);
        }
    StrBuf q;
    sb_init(&q);
    for (int row = 0; row < m.n && e == EXPECT_OK; row++) {
        sqlite3_value **v = &m.v[row * m.width];
        sb_reset(&q);
        sqlite3_value *newkey = v[0];
        if (wr->kind == 'D') {
            sb_puts(&q, "DELETE FROM main.");
            sql_put_ident(&q, t->name);
            sb_printf(&q, " WHERE %s IS ?1", key_sql);
        } else {
            sb_puts(&q, "UPDATE main.");
            sql_put_ident(&q, t->name);
            sb_puts(&q, " SET ");
            int k = 0;
            for (int i = 0; i < wr->nset; i++) {
                /* A value equal to the one seen is no change. */
                if (value_is(v[1 + 2 * i], v[2 + 2 * i]))
                    continue;
                if (wr->set_col[i] == t->key)
                    newkey = v[2 + 2 * i];
                sb_puts(&q, k++ ? ", " : "");
                sql_put_ident(&q, t->cols[wr->set_col[i]].name);
                sb_printf(&q, " = ?%d", 3 + 2 * i);
            }
            sb_printf(&q, " WHERE %s IS ?1", key_sql);
            if (!k)
                continue;
            *multi = *multi || (k > 1 && st->filter);
        }
        sqlite3_stmt *u = NULL;
        int rc = sqlite3_prepare_v2(w->pred, q.data, -1, &u, NULL);
        for (int i = 0; rc == SQLITE_OK && i < m.width; i++)
            sqlite3_bind_value(u, i + 1, v[i]);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(u);
        sqlite3_finalize(u);
        if (rc != SQLITE_DONE)
            e = EXPECT_ERROR;
        else if (wr->kind == 'U' && !visible(w, st, t, key_sql, newkey))
            e = EXPECT_DENIED;
    }
    sb_free(&q);
    *changes = m.n;
    matched_free(&m);
    return e;
}

/* base_equal compares the real base tables with the expected ones: ONLY
 * that one, or all when -1. */
static bool base_equal(World *w, int only, StrBuf *why)
{
    bool same = true;
    for (int t = 0; t < w->nprot && same; t++) {
        if (only >= 0 && t != only)
            continue;
        StrBuf q;
        sb_init(&q);
        sb_puts(&q, "SELECT * FROM main.");
        sql_put_ident(&q, w->t[t].name);
        Result a, b;
        run_sql(w->owner, q.data, -1, &a);
        run_sql(w->pred, q.data, -1, &b);
        if (a.error || b.error) {
            sb_printf(why, "  cannot read %s: %s\n", w->t[t].name,
                      a.error ? a.msg : b.msg);
            same = false;
        } else if (!diff_rows(&a, &b, false, why)) {
            sb_printf(why,
                      "  (table %s: 'runtime' is the real base, "
                      "'oracle' the expected one)\n",
                      w->t[t].name);
            same = false;
        }
        result_free(&a);
        result_free(&b);
        sb_free(&q);
    }
    return same;
}

static const char *expect_text(Expect e)
{
    switch (e) {
    case EXPECT_OK: return "success";
    case EXPECT_DENIED: return "[write-denied], no change";
    case EXPECT_ERROR: return "an error (a table constraint), no change";
    default: return "no change, or [write-denied]";
    }
}

/* run_stmt runs one write on the session and reads sqlite3_changes()
 * right after the last step and after finalize. */
static void run_stmt(sqlite3 *db, const char *sql, Result *out, long *ch_step,
                     long *ch_final)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            ;
    *ch_step = sqlite3_changes(db);
    if (rc != SQLITE_DONE && rc != SQLITE_OK) {
        out->error = true;
        out->msg = strdup(sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    *ch_final = sqlite3_changes(db);
}

static void run_write(World *w, Sess *s)
{
    StrBuf sql;
    sb_init(&sql);
    Gen g = {.sb = &sql, .w = w};
    Write wr;
    write_random(&g, w, s, &wr);
    write_sql(&g, &wr);
    if (opt.verbose)
        fprintf(stderr, "write: %s\n", sql.data);
    stats.writes++;
    exec(w->pred, "SAVEPOINT expect", "savepoint");
    long want = 0;
    bool multi, empty;
    Expect e = predict(w, s, &wr, &want, &multi, &empty);
    if (empty && !opt.empty) {
        /* The first runtime compared '' with '' by memcmp(NULL, NULL, 0)
         * (rt_value_is): undefined, and fatal under UBSan. */
        exec(w->pred, "ROLLBACK TO expect; RELEASE expect", "rollback");
        stats.skipped_empty++;
        write_free(&wr);
        sb_free(&sql);
        return;
    }
    Result r;
    long ch_step, ch_final;
    run_stmt(s->db, sql.data, &r, &ch_step, &ch_final);
    bool denied_msg = r.error && strstr(r.msg, "[write-denied]");
    bool ok;
    switch (e) {
    case EXPECT_OK: ok = !r.error; break;
    case EXPECT_DENIED: ok = denied_msg; break;
    case EXPECT_ERROR: ok = r.error; break;
    default: ok = !r.error || denied_msg; break;
    }
    if (r.error && is_refusal(r.msg))
        ok = false;
    if (!ok && e == EXPECT_OK && multi && denied_msg && !opt.update) {
        /* The first runtime checked the row after each column of a
         * multi-column UPDATE, not the final row. */
        stats.tolerated_update++;
        ok = true;
    }
    bool applied = !r.error && (e == EXPECT_OK || e == EXPECT_EITHER);
    if (!applied)
        exec(w->pred, "ROLLBACK TO expect", "rollback");
    exec(w->pred, "RELEASE expect", "release");
    StrBuf why;
    sb_init(&why);
    bool same = base_equal(w, wr.t->mt, &why);
    if (!ok) {
        if (fail_head(w, "the write did not end as the contract says",
                      sql.data))
            fprintf(stderr, "  expected: %s\n  runtime:  %s\n", expect_text(e),
                    r.error ? r.msg : "success");
    } else if (!same) {
        if (fail_head(w, "the base tables differ from the expected ones",
                      sql.data))
            fprintf(stderr, "  expected: %s; runtime: %s\n%s", expect_text(e),
                    r.error ? r.msg : "success", why.data);
    } else {
        check_passed++;
    }
    if (!same)
        w->broken = true; /* the oracle cannot follow from here */
    if (applied) {
        stats.writes_ok++;
        if (ch_step != want || ch_final != want) {
            if (!opt.changes)
                stats.changes_off++;
            else if (fail_head(w,
                               "sqlite3_changes() is not the rows the "
                               "write affected",
                               sql.data))
                fprintf(stderr,
                        "  expected %ld; after the last step %ld, after "
                        "finalize %ld\n",
                        want, ch_step, ch_final);
        }
        ref_build(w, s, wr.t->mt);
    } else if (r.error) {
        stats.writes_denied++;
    }
    sb_free(&why);
    result_free(&r);
    write_free(&wr);
    sb_free(&sql);
}

/* ---- attacks ---- */

typedef enum AttackMode {
    MUST_FAIL,  /* no row, ever */
    GAP,        /* must fail; the first runtime let it through, so it is held
                   unless WARD_PROP_ATTACKS=0 */
    SCHEMA_ONLY /* allowed: the protected table's column names */
} AttackMode;

typedef struct Attack {
    const char *name;
    const char *sql; /* $T a protected table, $C a column, $X the
                        unprotected table, $R a role */
    AttackMode mode;
    bool writes; /* the base must be unchanged afterwards */
} Attack;

static const Attack ATTACKS[] = {
    {"main.T", "SELECT * FROM main.$T", MUST_FAIL, false},
    {"main.T column", "SELECT $C FROM main.$T WHERE $C IS NOT NULL", MUST_FAIL,
     false},
    {"quoted \"main\".\"T\"", "select $C from \"main\".\"$T\"", MUST_FAIL,
     false},
    {"main.T in EXISTS", "SELECT 1 WHERE EXISTS (SELECT $C FROM main.$T)",
     MUST_FAIL, false},
    {"count(*) FROM main.T", "SELECT count(*) FROM main.$T", GAP, false},
    {"CTE over main.T", "WITH x AS (SELECT * FROM main.$T) SELECT * FROM x",
     MUST_FAIL, false},
    {"CTE named T over main.T",
     "WITH $T AS (SELECT * FROM main.$T) SELECT * FROM $T", MUST_FAIL, false},
    {"-- comment, then CTE named T over main.T",
     "-- x\nWITH $T AS (SELECT * FROM main.$T) SELECT * FROM $T", GAP, false},
    {"/* comment */, then CTE named T over main.T",
     "/* x */ WITH $T AS (SELECT * FROM main.$T) SELECT * FROM $T", MUST_FAIL,
     false},
    {"ward_audit", "SELECT * FROM ward_audit", MUST_FAIL, false},
    {"count(*) FROM ward_audit", "SELECT count(*) FROM ward_audit", MUST_FAIL,
     false},
    {"ward_cell (the catalog)", "SELECT * FROM ward_cell", GAP, false},
    {"sqlite_master UPDATE", "UPDATE sqlite_master SET sql = sql", MUST_FAIL,
     true},
    {"sqlite_master INSERT",
     "INSERT INTO sqlite_master VALUES ('table', 'x', 'x', 0, "
     "'CREATE TABLE x(a)')",
     MUST_FAIL, true},
    {"PRAGMA writable_schema", "PRAGMA writable_schema = ON", MUST_FAIL, false},
    {"sqlite_sequence", "SELECT * FROM sqlite_sequence", GAP, false},
    {"sqlite_stat1", "SELECT * FROM sqlite_stat1", GAP, false},
    {"dbstat", "SELECT name, ncell, payload FROM dbstat WHERE name = '$T'", GAP,
     false},
    {"sqlite_stmt", "SELECT sql FROM sqlite_stmt", GAP, false},
    {"load_extension", "SELECT load_extension('/nonexistent/x')", MUST_FAIL,
     false},
    {"readfile", "SELECT readfile('/etc/hostname')", MUST_FAIL, false},
    {"fts3_tokenizer", "SELECT hex(fts3_tokenizer('simple'))", GAP, false},
    {"ward_hmac", "SELECT ward_hmac('13812345678', 'patient')", MUST_FAIL,
     false},
    {"ward_decrypt", "SELECT ward_decrypt('ward1:AAAA', 'x')", MUST_FAIL,
     false},
    {"ward_update", "SELECT ward_update('$T', '$C', 1, 'x', 'y')", MUST_FAIL,
     true},
    {"DELETE FROM main.T", "DELETE FROM main.$T", MUST_FAIL, true},
    {"UPDATE main.T", "UPDATE main.$T SET $C = $C", MUST_FAIL, true},
    {"INSERT INTO main.T", "INSERT INTO main.$T DEFAULT VALUES", MUST_FAIL,
     true},
    /* Made, a view is inert: reading it is the attack. */
    {"read of a temp view over main.T",
     "CREATE TEMP VIEW v_x AS SELECT * FROM main.$T", MUST_FAIL, false},
    {"temp trigger",
     "CREATE TEMP TRIGGER tr_x AFTER INSERT ON $X BEGIN SELECT 1; END",
     MUST_FAIL, false},
    {"DROP VIEW temp.T", "DROP VIEW IF EXISTS temp.$T", MUST_FAIL, false},
    {"DROP TABLE temp.T", "DROP TABLE IF EXISTS temp.$T", MUST_FAIL, false},
    {"ATTACH", "ATTACH ':memory:' AS x", MUST_FAIL, false},
    {"ward_session after lock", "SELECT ward_session('$R', 'x', NULL, NULL)",
     MUST_FAIL, false},
    {"ward_session_end after lock", "SELECT ward_session_end()", MUST_FAIL,
     false},
    {"pragma_table_info (schema only)",
     "SELECT name FROM pragma_table_info('$T')", SCHEMA_ONLY, false},
};

static struct {
    long tried, through;
} attack_stat[NELEM(ATTACKS)];

static void attack_sql(World *w, const Attack *at, StrBuf *out, int *table)
{
    *table = pick(w->nprot);
    const GTable *t = &w->t[*table];
    for (const char *p = at->sql; *p; p++) {
        if (*p != '$') {
            sb_putc(out, *p);
            continue;
        }
        p++;
        if (*p == 'T')
            sb_puts(out, t->name);
        else if (*p == 'C')
            sb_puts(out, t->cols[pick(t->ncols)].name);
        else if (*p == 'X')
            sb_puts(out, w->t[w->nprot].name);
        else
            sb_puts(out, w->p->m->roles[pick((int)w->p->m->nroles)].name);
    }
}

static void run_attack(World *w, Sess *s)
{
    int i = pick(NELEM(ATTACKS));
    const Attack *at = &ATTACKS[i];
    StrBuf sql;
    sb_init(&sql);
    int table;
    attack_sql(w, at, &sql, &table);
    if (opt.verbose)
        fprintf(stderr, "attack: %s\n", sql.data);
    stats.attacks++;
    attack_stat[i].tried++;
    Result r;
    run_sql(s->db, sql.data, -1, &r);
    if (!r.error && strncmp(at->sql, "CREATE TEMP VIEW", 16) == 0) {
        result_free(&r);
        run_sql(s->db, "SELECT * FROM v_x", -1, &r);
        Result drop;
        run_sql(s->db, "DROP VIEW IF EXISTS temp.v_x", -1, &drop);
        result_free(&drop);
    }
    bool ok;
    if (at->mode == SCHEMA_ONLY) {
        const GTable *t = &w->t[table];
        ok = !r.error && r.n == t->ncols;
        for (int c = 0; ok && c < t->ncols; c++) {
            char want[80];
            snprintf(want, sizeof want, "'%s'", t->cols[c].name);
            ok = strcmp(r.rows[c], want) == 0;
        }
        if (!ok &&
            fail_head(w, "schema introspection of a protected table", sql.data))
            fprintf(stderr, "  runtime: %s\n",
                    r.error ? r.msg : "other column names");
    } else {
        bool through = !r.error || r.n > 0;
        if (through)
            attack_stat[i].through++;
        ok = !through || (at->mode == GAP && !opt.attacks);
        if (!ok &&
            fail_head(w, "an attack statement was let through", sql.data))
            fprintf(stderr, "  (%s) runtime: %d row%s%s%s\n", at->name, r.n,
                    r.n == 1 ? "" : "s", r.n ? ", the first: " : "",
                    r.n ? r.rows[0] : "");
    }
    StrBuf why;
    sb_init(&why);
    if (ok && at->writes && !base_equal(w, -1, &why)) {
        ok = false;
        w->broken = true;
        if (fail_head(w, "an attack statement changed the base", sql.data))
            fputs(why.data, stderr);
    }
    sb_free(&why);
    if (ok)
        check_passed++;
    /* A DROP that went through has unmade the session: start another. */
    if (!r.error && strncmp(at->sql, "DROP", 4) == 0)
        w->broken = true;
    result_free(&r);
    sb_free(&sql);
}

/* ---- sessions on a connection of their own ---- */

static bool sess_start(World *w, Sess *s)
{
    const Model *m = w->p->m;
    char *err = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(w->uri, &s->db, flags, NULL);
    /* An application's usual setting; temp holds the session's objects. */
    if (rc == SQLITE_OK)
        rc =
            sqlite3_exec(s->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = ward_runtime_open(s->db, &err);
    if (rc == SQLITE_OK)
        rc = ward_session_set(s->db, s->roles_arg, s->user,
                              s->scenario < 0 ? NULL
                                              : m->scenarios[s->scenario].name,
                              s->attrs_json, &err);
    if (rc == SQLITE_OK)
        rc = ward_session_lock(s->db, &err);
    if (rc != SQLITE_OK) {
        if (fail_head(w, "a valid session was refused", NULL))
            fprintf(stderr, "  runtime: %s\n", err ? err : "(no message)");
        sqlite3_free(err);
        return false;
    }
    check_passed++;
    if (chance(10)) {
        /* Locked: no SQL and no C call changes it. */
        rc = ward_session_set(s->db, m->roles[0].name, "x", NULL, NULL, &err);
        bool locked = rc != SQLITE_OK && err && strstr(err, "[session-locked]");
        sqlite3_free(err);
        if (locked)
            check_passed++;
        else if (fail_head(w, "a locked session was changed", NULL))
            fprintf(stderr, "  ward_session_set returned %d\n", rc);
    }
    if (!ref_build(w, s, -1))
        return false;
    pools_fill(w);
    return true;
}

/* ---- main ---- */

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : def;
}

static bool env_on(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* env_held: the property NAME is held unless NAME=0. */
static bool env_held(const char *name)
{
    const char *v = getenv(name);
    return !v || !*v || strcmp(v, "0") != 0;
}

int main(void)
{
    const char *seed = getenv("WARD_PROP_SEED");
    opt.seed = seed && *seed ? strtoull(seed, NULL, 0) : 1;
    opt.n = env_long("WARD_PROP_N", 20000);
    opt.changes = env_held("WARD_PROP_CHANGES");
    opt.attacks = env_held("WARD_PROP_ATTACKS");
    opt.cte = env_held("WARD_PROP_CTE");
    opt.update = env_held("WARD_PROP_UPDATE");
    opt.view = env_held("WARD_PROP_VIEW");
    opt.affinity = env_held("WARD_PROP_AFFINITY");
    opt.empty = env_held("WARD_PROP_EMPTY");
    opt.verbose = env_on("WARD_PROP_VERBOSE");
    rng = opt.seed;
    /* A test key for the keyed masks, the same for the runtime (which
     * reads the environment per connection) and the oracle. */
    setenv("WARD_KEY",
           "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
           0);
    char kerr[160];
    have_key = crypto_key_load_env(&mask_key, kerr, sizeof kerr) == 0;

    Arena arena;
    arena_init(&arena);
    Loaded loaded[NELEM(POLICIES)];
    int nloaded = 0;
    for (int i = 0; i < NELEM(POLICIES); i++)
        if (load(&loaded[nloaded], &POLICIES[i], &arena))
            nloaded++;
    CHECK(nloaded == NELEM(POLICIES));

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long done = 0;
    for (int wn = 0; nloaded && done < opt.n && check_failed < 200; wn++) {
        World w;
        if (!world_open(&w, &loaded[wn % nloaded], wn)) {
            world_close(&w);
            break;
        }
        stats.worlds++;
        for (int sn = 0; sn < 8 && done < opt.n && !w.broken; sn++) {
            Sess s;
            sess_random(&w, &s);
            w.sess = &s;
            w.sess_no = sn;
            w.stmt_no = -1;
            stats.sessions++;
            if (sess_start(&w, &s)) {
                int k = 20 + pick(60);
                for (int i = 0; i < k && done < opt.n && !w.broken;
                     i++, done++) {
                    w.stmt_no = i;
                    int r = pick(100);
                    if (r < 2)
                        run_scratch(&w, &s);
                    else if (r < 80)
                        run_read(&w, &s);
                    else if (r < 95)
                        run_write(&w, &s);
                    else
                        run_attack(&w, &s);
                }
                /* Nothing a session did reached another table. */
                StrBuf why;
                sb_init(&why);
                if (w.broken || base_equal(&w, -1, &why))
                    check_passed++;
                else if (fail_head(&w,
                                   "the base tables differ at the end "
                                   "of the session",
                                   NULL))
                    fputs(why.data, stderr);
                sb_free(&why);
            } else {
                done++;
            }
            w.sess = NULL;
            sess_close(&s);
        }
        world_close(&w);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    printf("seed %llu: %ld statements (%ld reads, %ld writes, %ld attacks) "
           "in %ld sessions of %ld worlds, %.2f s\n",
           opt.seed, done, stats.reads, stats.writes, stats.attacks,
           stats.sessions, stats.worlds, secs);
    printf("reads failing on both sides: %ld; writes applied: %ld, refused: "
           "%ld\n",
           stats.both_failed, stats.writes_ok, stats.writes_denied);
    if (stats.tolerated_cte)
        printf("CTEs named after a protected table that the runtime "
               "refused (held with WARD_PROP_CTE=1): %ld\n",
               stats.tolerated_cte);
    if (stats.tolerated_update)
        printf("multi-column UPDATEs refused although their final row is "
               "visible (held with WARD_PROP_UPDATE=1): %ld\n",
               stats.tolerated_update);
    if (stats.skipped_empty)
        printf("UPDATEs setting '' where the session sees '' not run (run "
               "with WARD_PROP_EMPTY=1): %ld\n",
               stats.skipped_empty);
    if (stats.tolerated_view)
        printf("temp views over the session's tables refused (held with "
               "WARD_PROP_VIEW=1): %ld\n",
               stats.tolerated_view);
    if (stats.tolerated_rowid)
        printf("rowid reads the runtime refused: %ld\n", stats.tolerated_rowid);
    if (stats.changes_off)
        printf("writes whose sqlite3_changes() was not the rows affected "
               "(held with WARD_PROP_CHANGES=1): %ld\n",
               stats.changes_off);
    for (int i = 0; i < NELEM(ATTACKS); i++)
        if (attack_stat[i].through)
            printf("attack let through%s: %s (%ld of %ld)\n",
                   ATTACKS[i].mode == GAP && !opt.attacks
                       ? " (held with WARD_PROP_ATTACKS=1)"
                       : "",
                   ATTACKS[i].name, attack_stat[i].through,
                   attack_stat[i].tried);
    if (stats.reports > MAX_REPORTS)
        fprintf(stderr, "test_sqlite_property: %d more failures not shown\n",
                stats.reports - MAX_REPORTS);

    for (int i = 0; i < nloaded; i++)
        free(loaded[i].script);
    arena_free(&arena);
    if (have_key)
        crypto_key_dispose(&mask_key);
    return check_report("test_sqlite_property");
}
