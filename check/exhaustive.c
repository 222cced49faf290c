/*
 * exhaustive.c - every cell of the matrix, for every role and the role
 * sets that can tell combinations apart, through the generated SQL on
 * either target (see exhaustive.h; the targets: exhaustive_target.h).
 */
#include "exhaustive.h"

#include "decide.h"
#include "exhaustive_target.h"
#include "keys.h"
#include "mask.h"
#include "report.h"
#include "sql_quote.h"

#include <stdlib.h>
#include <string.h>

#define KEEP_MISMATCHES 20

/* RoleSet is one session's roles: as given, and closed under inherits. */
typedef struct RoleSet {
    int *given;
    size_t n;
    bool *closed;
} RoleSet;

typedef struct Sets {
    RoleSet *set;
    size_t n;
    size_t unrun; /* beyond EXHAUSTIVE_MAX_SETS */
} Sets;

static bool *closure_of(const Model *m, const int *given, size_t n, Arena *a)
{
    bool *closed = arena_alloc(a, m->nroles + 1);
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < m->nroles; r++)
            if (m->roles[given[i]].closure[r])
                closed[r] = true;
    return closed;
}

static bool same_closure(const Model *m, const bool *x, const bool *y)
{
    return memcmp(x, y, m->nroles) == 0;
}

/* holds: every role of Y is in X. */
static bool holds(const Model *m, const bool *x, const bool *y)
{
    for (size_t r = 0; r < m->nroles; r++)
        if (y[r] && !x[r])
            return false;
    return true;
}

/* add_set adds the set GIVEN unless a set with its closure is there. */
static void add_set(const Model *m, Sets *s, const int *given, size_t n,
                    Arena *a)
{
    bool *closed = closure_of(m, given, n, a);
    for (size_t i = 0; i < s->n; i++)
        if (same_closure(m, s->set[i].closed, closed))
            return;
    if (s->n == EXHAUSTIVE_MAX_SETS) {
        s->unrun++;
        return;
    }
    int *copy = arena_alloc(a, (n + 1) * sizeof *copy);
    memcpy(copy, given, n * sizeof *copy);
    s->set[s->n++] = (RoleSet){copy, n, closed};
}

/* decide_apart: roles X and Y, each alone, decide some column differently
 * in some scenario (their combination keys differ; equal keys give the
 * same value). */
static bool decide_apart(const Model *m, int x, int y)
{
    for (size_t t = 0; t < m->ntables; t++)
        for (size_t c = 0; c < m->tables[t].ncolumns; c++)
            for (int s = -1; s < (int)m->nscenarios; s++) {
                Outcome ox = decide_role(m, x, s, (int)t, (int)c, NULL);
                Outcome oy = decide_role(m, y, s, (int)t, (int)c, NULL);
                CombineKey kx = combine_key(m, &ox), ky = combine_key(m, &oy);
                if (kx.rank != ky.rank || kx.pos != ky.pos)
                    return true;
            }
    return false;
}

/* role_sets lists the sessions' roles, in the order exhaustive.h gives. */
static void role_sets(const Model *m, const Corpus *c, Arena *a, Sets *s)
{
    memset(s, 0, sizeof *s);
    s->set = arena_alloc(a, (EXHAUSTIVE_MAX_SETS + 1) * sizeof *s->set);
    for (size_t r = 0; r < m->nroles; r++) {
        int one = (int)r;
        add_set(m, s, &one, 1, a);
    }
    for (size_t i = 0; i < c->ncases; i++)
        for (size_t k = 0; k < c->cases[i].nsteps; k++) {
            const CSession *cs = &c->cases[i].step[k].session;
            bool known = cs->nroles > 1;
            for (size_t j = 0; j < cs->nroles && known; j++)
                known = cs->role_ids[j] >= 0;
            if (known)
                add_set(m, s, cs->role_ids, cs->nroles, a);
        }
    if (m->nroles > 2) {
        int *all = arena_alloc(a, m->nroles * sizeof *all);
        for (size_t r = 0; r < m->nroles; r++)
            all[r] = (int)r;
        add_set(m, s, all, m->nroles, a);
    }
    for (size_t x = 0; x < m->nroles; x++)
        for (size_t y = x + 1; y < m->nroles; y++) {
            const bool *cx = m->roles[x].closure, *cy = m->roles[y].closure;
            if (holds(m, cx, cy) || holds(m, cy, cx) ||
                !decide_apart(m, (int)x, (int)y))
                continue;
            int pair[2] = {(int)x, (int)y};
            add_set(m, s, pair, 2, a);
        }
}

/* first_session is the corpus's first session whose roles close to
 * CLOSED, or NULL. */
static const CSession *first_session(const Model *m, const Corpus *c,
                                     const bool *closed, Arena *a)
{
    for (size_t i = 0; i < c->ncases; i++)
        for (size_t k = 0; k < c->cases[i].nsteps; k++) {
            const CSession *cs = &c->cases[i].step[k].session;
            bool known = cs->nroles > 0;
            for (size_t j = 0; j < cs->nroles && known; j++)
                known = cs->role_ids[j] >= 0;
            if (known &&
                same_closure(m, closure_of(m, cs->role_ids, cs->nroles, a),
                             closed))
                return cs;
        }
    return NULL;
}

/* session_of builds the session of SET in SCENARIO: user and attributes
 * as exhaustive.h says. */
static CSession session_of(const Model *m, const Corpus *c, const RoleSet *set,
                           int scenario, Arena *a)
{
    CSession s;
    memset(&s, 0, sizeof s);
    s.nroles = set->n;
    s.roles = arena_alloc(a, (set->n + 1) * sizeof *s.roles);
    s.role_ids = set->given;
    for (size_t i = 0; i < set->n; i++)
        s.roles[i] = m->roles[set->given[i]].name;
    s.scenario_id = scenario;
    s.scenario = scenario < 0 ? NULL : m->scenarios[scenario].name;
    const CSession *same = first_session(m, c, set->closed, a);
    if (same) {
        s.user = same->user;
        s.attrs = same->attrs;
        return s;
    }
    size_t cap = 0;
    for (size_t i = 0; i < set->n; i++) {
        int one = set->given[i];
        const CSession *own = first_session(m, c, closure_of(m, &one, 1, a), a);
        if (own)
            cap += own->attrs.n;
    }
    s.attrs.items = arena_alloc(a, (cap + 1) * sizeof *s.attrs.items);
    for (size_t i = 0; i < set->n; i++) {
        int one = set->given[i];
        const CSession *own = first_session(m, c, closure_of(m, &one, 1, a), a);
        if (!own)
            continue;
        if (!s.user)
            s.user = own->user;
        for (size_t k = 0; k < own->attrs.n; k++) {
            bool dup = false;
            for (size_t j = 0; j < s.attrs.n && !dup; j++)
                dup =
                    strcmp(s.attrs.items[j].key, own->attrs.items[k].key) == 0;
            if (!dup)
                s.attrs.items[s.attrs.n++] = own->attrs.items[k];
        }
    }
    return s;
}

/* ---- values ---- */

static const char *show_value(Arena *a, const XValue *v)
{
    switch (v->kind) {
    case XV_NULL: return "NULL";
    case XV_INT: return arena_printf(a, "%lld", v->i);
    case XV_REAL: return arena_printf(a, "%.17g", v->r);
    default: return arena_printf(a, "'%.*s'", (int)v->n, v->s);
    }
}

static bool same_value(const XValue *x, const XValue *y)
{
    if (x->kind != y->kind)
        return false;
    switch (x->kind) {
    case XV_NULL: return true;
    case XV_INT: return x->i == y->i;
    case XV_REAL: return x->r == y->r;
    default: return x->n == y->n && memcmp(x->s, y->s, x->n) == 0;
    }
}

/* reads_as: LOOSE, a value of another kind read as BUF's text (a target
 * that types a column once for every role). */
static bool reads_as(const XValue *v, const char *text, size_t n)
{
    char *end = NULL;
    char *t = strndup(text, n);
    bool ok = false;
    if (v->kind == XV_INT) {
        long long i = strtoll(t, &end, 10);
        ok = n && end == t + n && i == v->i;
    } else if (v->kind == XV_REAL) {
        double d = strtod(t, &end);
        ok = n && end == t + n && d == v->r;
    }
    free(t);
    return ok;
}

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

static MaskValue input_value(const XValue *v, bool date)
{
    switch (v->kind) {
    case XV_NULL: return mask_null();
    case XV_INT: return mask_int(v->i);
    case XV_REAL: return mask_real(v->r);
    default: return date ? mask_date(v->s, v->n) : mask_text(v->s, v->n);
    }
}

static void *grow(void *ctx, void *old, size_t size)
{
    (void)ctx;
    return realloc(old, size);
}

/* expected_matches: does ACTUAL equal what outcome O makes of BASE? WANT
 * receives the expected value's text for a report. */
static bool expected_matches(Arena *a, const Column *col, const Outcome *o,
                             const XValue *base, const XValue *actual,
                             const MaskKey *key, bool loose, const char **want)
{
    if (o->effect == EFFECT_SHOW) {
        *want = show_value(a, base);
        return same_value(base, actual);
    }
    if (o->effect == EFFECT_HIDE) {
        *want = "NULL";
        return actual->kind == XV_NULL;
    }
    MaskValue args[MASK_MAX_ARGS];
    const Node *call = o->mask->call;
    int nargs = (int)LIST_LEN(call->as.call.args);
    for (int i = 0; i < nargs && i < MASK_MAX_ARGS; i++)
        args[i] = arg_value(LIST_AT(call->as.call.args, (size_t)i));
    bool date = col->type == TYPE_DATE || col->type == TYPE_DATETIME;
    MaskValue in = input_value(base, date);
    char stack[256];
    MaskBuf b;
    mask_buf_init(&b, stack, sizeof stack, grow, NULL);
    int rc = mask_apply(o->mask->spec, args, nargs, &in, &b, key, NULL, 0);
    bool ok;
    if (rc != MASK_OK) {
        *want = "(the mask failed)";
        ok = false;
    } else if (b.kind == MASK_NULL) {
        *want = "NULL";
        ok = actual->kind == XV_NULL;
    } else if (b.kind == MASK_INT) {
        *want = arena_printf(a, "%lld", (long long)b.i);
        ok = actual->kind == XV_INT
                 ? actual->i == b.i
                 : loose && actual->kind == XV_TEXT &&
                       reads_as(&(XValue){XV_INT, b.i, 0, NULL, 0}, actual->s,
                                actual->n);
    } else if (b.kind == MASK_REAL) {
        *want = arena_printf(a, "%.17g", b.r);
        ok = actual->kind == XV_REAL
                 ? actual->r == b.r
                 : loose && actual->kind == XV_TEXT &&
                       reads_as(&(XValue){XV_REAL, 0, b.r, NULL, 0}, actual->s,
                                actual->n);
    } else {
        const char *t = b.data ? b.data : stack;
        *want = arena_printf(a, "'%.*s'", (int)b.len, t);
        ok = actual->kind == XV_TEXT
                 ? actual->n == b.len && memcmp(actual->s, t, b.len) == 0
                 : loose && reads_as(actual, t, b.len);
    }
    if (b.heap)
        free(b.data);
    return ok;
}

/* ---- the run ---- */

typedef struct Run {
    const Model *m;
    XTarget *t;
    const MaskKey *key;
    XRows *base;
    Arena *a;
    ExhaustiveResult *out;
} Run;

static void mismatch(ExhaustiveResult *out, Arena *a, const char *text)
{
    if (out->nmismatches < KEEP_MISMATCHES) {
        const char **m = arena_alloc(a, (out->nmismatches + 1) * sizeof *m);
        for (size_t i = 0; i < out->nmismatches; i++)
            m[i] = out->mismatches[i];
        m[out->nmismatches] = text;
        out->mismatches = m;
    }
    out->nmismatches++;
}

/* who names a session: "role r" or "roles r+s", and its scenario. */
static const char *who(const Model *m, const CSession *s, Arena *a)
{
    StrBuf b;
    sb_init(&b);
    sb_puts(&b, s->nroles == 1 ? "role " : "roles ");
    for (size_t i = 0; i < s->nroles; i++) {
        sb_puts(&b, i ? "+" : "");
        sb_puts(&b, s->roles[i]);
    }
    if (s->scenario_id >= 0)
        sb_printf(&b, ", scenario %s", m->scenarios[s->scenario_id].name);
    const char *w = arena_strdup(a, sb_cstr(&b));
    sb_free(&b);
    return w;
}

static void check_table(Run *r, int t, const Session *s, const CSession *cs)
{
    const Model *m = r->m;
    const Table *tb = &m->tables[t];
    Arena *a = r->a;
    Decision *d = arena_alloc(a, (tb->ncolumns + 1) * sizeof *d);
    bool unkeyed = false;
    for (size_t c = 0; c < tb->ncolumns; c++) {
        decide_column(m, s, t, (int)c, NULL, &d[c]);
        unkeyed = unkeyed || (!r->key && d[c].result.effect == EFFECT_MASK &&
                              d[c].result.mask->spec->keyed);
    }
    if (d[tb->key].result.effect != EFFECT_SHOW || unkeyed) {
        r->out->skipped++;
        return;
    }
    /* A statement reading more than N rows of a table guarded `beyond N
     * rows` is refused, as it must be: the session's view is read N rows
     * at a time, the first N it gives. */
    const Guard *g = decide_guard(m, GUARD_EXPORT, t, -1, NULL);
    long long limit = g && g->beyond > 0 ? (long long)g->beyond : -1;
    XRows seen;
    const char *why = NULL;
    if (!r->t->read(r->t, m, t, false, limit, a, &seen, &why)) {
        mismatch(r->out, a,
                 arena_printf(a, "%s: the view of %s cannot be read: %s",
                              who(m, cs, a), tb->name, why));
        return;
    }
    const XRows *base = &r->base[t];
    for (size_t i = 0; i < seen.n; i++) {
        const XValue *got = seen.row[i];
        const XValue *row = NULL;
        for (size_t k = 0; k < base->n && !row; k++)
            if (same_value(&base->row[k][tb->key], &got[tb->key]))
                row = base->row[k];
        if (!row) {
            mismatch(r->out, a,
                     arena_printf(a,
                                  "%s: the view of %s shows a row with key "
                                  "%s that the table lacks",
                                  who(m, cs, a), tb->name,
                                  show_value(a, &got[tb->key])));
            continue;
        }
        for (size_t c = 0; c < tb->ncolumns; c++) {
            const char *want = NULL;
            const Outcome *o = &d[c].result;
            r->out->checked++;
            if (!expected_matches(a, &tb->columns[c], o, &row[c], &got[c],
                                  r->key, r->t->loose_types, &want))
                mismatch(r->out, a,
                         arena_printf(a,
                                      "%s: %s.%s of row %s: the decision "
                                      "(%s: %s) gives %s, the view gave %s",
                                      who(m, cs, a), tb->name,
                                      tb->columns[c].name,
                                      show_value(a, &row[tb->key]),
                                      outcome_text(a, o), report_why(m, a, o),
                                      want, show_value(a, &got[c])));
        }
    }
}

static void run_sessions(Run *r, const Corpus *c, const Sets *sets)
{
    const Model *m = r->m;
    for (size_t i = 0; i < sets->n; i++) {
        const RoleSet *set = &sets->set[i];
        for (int sc = -1; sc < (int)m->nscenarios; sc++) {
            CSession cs = session_of(m, c, set, sc, r->a);
            const char *why = NULL;
            if (!r->t->session(r->t, &cs, &why)) {
                mismatch(r->out, r->a,
                         arena_printf(r->a, "%s: the session was refused: %s",
                                      who(m, &cs, r->a), why));
                continue;
            }
            r->out->sessions++;
            r->out->multi += set->n > 1;
            Session s;
            session_init(&s, m, r->a);
            for (size_t k = 0; k < set->n; k++)
                session_add_role(&s, m, set->given[k]);
            s.scenario = sc;
            for (size_t t = 0; t < m->ntables; t++) {
                if (m->tables[t].key < 0)
                    r->out->skipped++;
                else
                    check_table(r, (int)t, &s, &cs);
            }
            r->t->end_session(r->t);
        }
    }
}

bool exhaustive_run(const Model *m, const Corpus *c, const char *dsn, Arena *a,
                    ExhaustiveResult *out, const char **err)
{
    ExhaustiveOptions o = {dsn, NULL};
    return exhaustive_compare(m, m, c, &o, a, out, err);
}

bool exhaustive_compare(const Model *m, const Model *emit, const Corpus *c,
                        const ExhaustiveOptions *o, Arena *a,
                        ExhaustiveResult *out, const char **err)
{
    memset(out, 0, sizeof *out);
    XTarget t;
    if (!(o->dsn ? exh_postgres_open(emit, c, o->dsn, o->tamper, a, &t, err)
                 : exh_sqlite_open(emit, c, o->tamper, a, &t, err)))
        return false;
    /* The corpus's test key, if it has one, else (on SQLite, which reads
     * it there too) the environment's. */
    KeyEnv env;
    keys_env_enter(c->key, &env);
    MaskKey key;
    char kerr[160];
    bool keyed = (c->key || t.env_key) &&
                 crypto_key_load_env(&key, kerr, sizeof kerr) == 0;
    Run r = {m, &t, keyed ? &key : NULL, NULL, a, out};
    r.base = arena_alloc(a, (m->ntables + 1) * sizeof *r.base);
    bool ok = true;
    for (size_t i = 0; i < m->ntables && ok; i++) {
        const char *why = NULL;
        ok = t.read(&t, m, (int)i, true, -1, a, &r.base[i], &why);
        if (!ok)
            *err = arena_printf(a, "the fixtures of %s cannot be read: %s",
                                m->tables[i].name, why);
    }
    if (ok) {
        Sets sets;
        role_sets(m, c, a, &sets);
        out->unrun = sets.unrun;
        run_sessions(&r, c, &sets);
    }
    if (keyed)
        crypto_key_dispose(&key);
    keys_env_leave(&env);
    t.close(&t);
    return ok;
}

void exh_select(const Table *tb, StrBuf *sql)
{
    sb_puts(sql, "SELECT ");
    for (size_t c = 0; c < tb->ncolumns; c++) {
        sb_puts(sql, c ? ", " : "");
        sql_put_ident(sql, tb->columns[c].name);
    }
    sb_puts(sql, " FROM ");
}
