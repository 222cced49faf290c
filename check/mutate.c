/*
 * mutate.c - mutants of a policy, run against its corpus (see mutate.h).
 *
 * A mutant is a copy of the Model with one construct changed; the arrays
 * it changes are copied, the rest shared with the original (nothing is
 * freed: the arena holds it all). A mutant that no observable behaviour
 * could tell from the policy (an equivalent mutant) is never made: it
 * would survive every corpus, so a survivor always names something the
 * corpus could check and does not.
 */
#include "mutate.h"

#include "decide.h"
#include "report.h"
#include "run_postgres.h"
#include "runner.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

typedef struct Mutation {
    const Model *m;
    const Corpus *c;
    Arena *a;
    MutationResult *out;
    size_t cap;
    const char **err;
    const char *dsn; /* the PostgreSQL database, or NULL for SQLite */
} Mutation;

/* run_mutant runs the corpus on MM and records whether a case failed. */
static bool run_mutant(Mutation *mu, const Model *mm, const char *what)
{
    RunResult rr;
    if (mu->dsn ? !runner_run_postgres(mm, mu->c, mu->dsn, true, mu->a, &rr,
                                       mu->err)
                : !runner_run(mm, mu->c, mu->a, &rr, mu->err))
        return false;
    if (mu->out->n == mu->cap) {
        size_t cap = mu->cap ? 2 * mu->cap : 32;
        Mutant *grown = arena_alloc(mu->a, cap * sizeof *grown);
        if (mu->out->n)
            memcpy(grown, mu->out->mutants, mu->out->n * sizeof *grown);
        mu->out->mutants = grown;
        mu->cap = cap;
    }
    Mutant *mt = &mu->out->mutants[mu->out->n++];
    memset(mt, 0, sizeof *mt);
    mt->what = what;
    mt->killed = rr.failed > 0;
    for (size_t i = 0; i < rr.ncases && !mt->killed_by; i++)
        if (!rr.cases[i].pass)
            mt->killed_by = rr.cases[i].c->name;
    mu->out->survived += !mt->killed;
    return true;
}

/* without copies an array of N elements of SIZE bytes leaving out SKIP
 * (SKIP >= N: a plain copy). */
static void *without(Arena *a, const void *items, size_t n, size_t size,
                     size_t skip)
{
    char *copy = arena_alloc(a, (n + 1) * size);
    const char *src = items;
    for (size_t i = 0, k = 0; i < n; i++)
        if (i != skip)
            memcpy(copy + size * k++, src + size * i, size);
    return copy;
}

static void *copy_of(Arena *a, const void *items, size_t n, size_t size)
{
    return without(a, items, n, size, n);
}

static const char *where(Mutation *mu, Span at)
{
    return report_where(mu->a, at);
}

static const char *quote(Mutation *mu, Span at)
{
    return report_quote(mu->a, at);
}

/* ---- masks ---- */

/* Masks is every distinct mask the policy uses, in the order written:
 * the pool a mask is swapped from. */
typedef struct Masks {
    const MaskFn **items;
    size_t n;
} Masks;

static void add_mask(Masks *p, const MaskFn *f)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->items[i]->text, f->text) == 0)
            return;
    p->items[p->n++] = f;
}

static Masks masks_of(Mutation *mu)
{
    const Model *m = mu->m;
    Masks p = {arena_alloc(mu->a, (m->nmasks + m->nrules + m->nclasses + 2) *
                                      sizeof *p.items),
               0};
    for (size_t i = 0; i < m->nmasks; i++)
        add_mask(&p, m->masks[i]);
    for (size_t i = 0; i < m->nclasses; i++)
        if (m->classes[i].has_default && m->classes[i].mask)
            add_mask(&p, m->classes[i].mask);
    for (size_t i = 0; i < m->nrules; i++)
        if (m->rules[i].mask)
            add_mask(&p, m->rules[i].mask);
    return p;
}

/* fits: does SPEC apply to every column of TYPES[0..N)? */
static bool fits(const MaskSpec *spec, const ColType *types, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ColType t = types[i];
        bool number = t == TYPE_INTEGER || t == TYPE_REAL;
        bool date = t == TYPE_DATE || t == TYPE_DATETIME;
        if ((spec->input == MIN_TEXT && t != TYPE_TEXT) ||
            (spec->input == MIN_NUMBER && !number) ||
            (spec->input == MIN_DATE && !date))
            return false;
    }
    return true;
}

/* other_mask is the mask that replaces FROM on columns of TYPES: the next
 * one of the policy's own (in the order written, around), else redact().
 * A keyed mask only when the corpus has a test key: without one, the
 * mutant would fail for want of a key, and prove nothing. */
static const MaskFn *other_mask(Mutation *mu, const Masks *pool,
                                const MaskFn *from, const ColType *types,
                                size_t ntypes)
{
    size_t at = 0;
    for (size_t i = 0; i < pool->n; i++)
        if (strcmp(pool->items[i]->text, from->text) == 0)
            at = i;
    for (size_t k = 1; k < pool->n; k++) {
        const MaskFn *f = pool->items[(at + k) % pool->n];
        if (strcmp(f->text, from->text) != 0 && fits(f->spec, types, ntypes) &&
            (!f->spec->keyed || mu->c->key))
            return f;
    }
    if (strcmp(from->text, "redact()") == 0)
        return NULL;
    MaskFn *r = arena_alloc(mu->a, sizeof *r);
    r->spec = mask_spec_find("redact");
    r->call = ast_call_new(mu->a, from->at,
                           ast_name_new(mu->a, from->at, "redact", 6), NULL);
    r->text = "redact()";
    r->at = from->at;
    return r;
}

static const char *mask_name(Mutation *mu, const MaskFn *f)
{
    return f->name ? f->name : arena_printf(mu->a, "%s", f->text);
}

/* ---- access rules and classification defaults ---- */

static bool access_rules(Mutation *mu, const Masks *pool)
{
    const Model *m = mu->m;
    for (size_t i = 0; i < m->nrules; i++) {
        const Rule *r = &m->rules[i];
        Model mm = *m;
        mm.rules = without(mu->a, m->rules, m->nrules, sizeof *m->rules, i);
        mm.nrules = m->nrules - 1;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a, "remove '%s' (%s)",
                                     quote(mu, r->at), where(mu, r->at))))
            return false;
        Rule *flipped = copy_of(mu->a, m->rules, m->nrules, sizeof *m->rules);
        mm = *m;
        mm.rules = flipped;
        flipped[i].effect =
            r->effect == EFFECT_SHOW ? EFFECT_HIDE : EFFECT_SHOW;
        flipped[i].mask = NULL;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a, "make '%s' (%s) %s",
                                     quote(mu, r->at), where(mu, r->at),
                                     effect_name(flipped[i].effect))))
            return false;
        if (r->effect != EFFECT_MASK)
            continue;
        ColType *types = arena_alloc(mu->a, (r->ncolumns + 1) * sizeof *types);
        for (size_t k = 0; k < r->ncolumns; k++)
            types[k] = m->tables[r->table].columns[r->columns[k]].type;
        const MaskFn *to = other_mask(mu, pool, r->mask, types, r->ncolumns);
        if (!to)
            continue;
        Rule *swapped = copy_of(mu->a, m->rules, m->nrules, sizeof *m->rules);
        swapped[i].mask = to;
        mm = *m;
        mm.rules = swapped;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a, "swap mask %s for %s in '%s' (%s)",
                                     mask_name(mu, r->mask), mask_name(mu, to),
                                     quote(mu, r->at), where(mu, r->at))))
            return false;
    }
    return true;
}

/* class_columns: the types of the columns classified K; how many. */
static size_t class_columns(const Model *m, int k, ColType *types)
{
    size_t n = 0;
    for (size_t t = 0; t < m->ntables; t++)
        for (size_t c = 0; c < m->tables[t].ncolumns; c++)
            if (m->tables[t].columns[c].classification == k)
                types[n++] = m->tables[t].columns[c].type;
    return n;
}

static bool class_defaults(Mutation *mu, const Masks *pool)
{
    const Model *m = mu->m;
    size_t ncols = 0;
    for (size_t t = 0; t < m->ntables; t++)
        ncols += m->tables[t].ncolumns;
    ColType *types = arena_alloc(mu->a, (ncols + 1) * sizeof *types);
    for (size_t i = 0; i < m->nclasses; i++) {
        const Classification *k = &m->classes[i];
        size_t n = class_columns(m, (int)i, types);
        /* A classification no column has decides nothing. */
        if (!k->has_default || !n)
            continue;
        Model mm = *m;
        Classification *flipped =
            copy_of(mu->a, m->classes, m->nclasses, sizeof *m->classes);
        flipped[i].effect =
            k->effect == EFFECT_SHOW ? EFFECT_HIDE : EFFECT_SHOW;
        flipped[i].mask = NULL;
        mm.classes = flipped;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a,
                                     "make the default of classification "
                                     "%s (%s) %s",
                                     k->name, where(mu, k->at),
                                     effect_name(flipped[i].effect))))
            return false;
        if (k->effect != EFFECT_MASK)
            continue;
        const MaskFn *to = other_mask(mu, pool, k->mask, types, n);
        if (!to)
            continue;
        Classification *swapped =
            copy_of(mu->a, m->classes, m->nclasses, sizeof *m->classes);
        swapped[i].mask = to;
        mm = *m;
        mm.classes = swapped;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a,
                                     "swap mask %s for %s in the default of "
                                     "classification %s (%s)",
                                     mask_name(mu, k->mask), mask_name(mu, to),
                                     k->name, where(mu, k->at))))
            return false;
    }
    return true;
}

/* ---- rows and writes ---- */

/* always_true: is E the literal `true`? Widening such a rule to `rows all`
 * changes nothing. */
static bool always_true(const Node *e)
{
    return e->kind == NODE_BOOL && e->as.boolean.value;
}

/* operand_of is the field of E that holds its one operand, for the kinds
 * of row expression that have one; NULL for the others. */
static Node **operand_of(Node *e)
{
    switch (e->kind) {
    case NODE_NOT: return &e->as.not_.operand;
    case NODE_IS_NULL: return &e->as.is_null.operand;
    case NODE_IN: return &e->as.in.operand;
    case NODE_IN_SELECT: return &e->as.in_select.operand;
    default: return NULL;
    }
}

static Node *node_copy(Arena *a, const Node *e)
{
    Node *n = arena_alloc(a, sizeof *n);
    *n = *e;
    return n;
}

/* without_where is E with the membership test AT (a node of E) replaced by
 * a copy that has no where, stored in *COPY. The nodes on the way down to
 * AT are copied, the rest shared; E itself when AT is not in it.
 * Arena-owned. */
static Node *without_where(Arena *a, Node *e, const Node *at, Node **copy)
{
    Node *n;
    if (e == at) {
        n = node_copy(a, e);
        n->as.in_select.where = NULL;
        *copy = n;
        return n;
    }
    if (e->kind == NODE_BINARY) {
        Node *l = without_where(a, e->as.binary.left, at, copy);
        Node *r = without_where(a, e->as.binary.right, at, copy);
        if (l == e->as.binary.left && r == e->as.binary.right)
            return e;
        n = node_copy(a, e);
        n->as.binary.left = l;
        n->as.binary.right = r;
        return n;
    }
    Node **child = operand_of(e);
    Node *c = child ? without_where(a, *child, at, copy) : e;
    if (!child || c == *child)
        return e;
    n = node_copy(a, e);
    *operand_of(n) = c;
    return n;
}

/* membership_wheres: for each membership test of rows rule I that has a
 * where, the rule with that where dropped (the subquery then reads every
 * row of the other table: `in` keeps more rows, `not in` fewer). */
static bool membership_wheres(Mutation *mu, size_t i)
{
    const Model *m = mu->m;
    const RowRule *r = &m->rowrules[i];
    for (size_t k = 0; k < r->nmembers; k++) {
        const Membership *ms = &r->members[k];
        if (!ms->where || always_true(ms->where))
            continue;
        RowRule *dropped =
            copy_of(mu->a, m->rowrules, m->nrowrules, sizeof *m->rowrules);
        Membership *members =
            copy_of(mu->a, r->members, r->nmembers, sizeof *r->members);
        Node *copy = NULL;
        dropped[i].expr =
            without_where(mu->a, (Node *)r->expr, ms->node, &copy);
        assert(copy);
        /* The other tests keep their nodes: only the path to this one was
         * copied, and a membership holds no other. */
        members[k].node = copy;
        members[k].where = NULL;
        dropped[i].members = members;
        Model mm = *m;
        mm.rowrules = dropped;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a,
                                     "drop 'where %s' from the membership "
                                     "test on %s (%s)",
                                     quote(mu, ms->where->at),
                                     m->tables[ms->table].name,
                                     where(mu, ms->at))))
            return false;
    }
    return true;
}

static bool row_rules(Mutation *mu)
{
    const Model *m = mu->m;
    for (size_t i = 0; i < m->nrowrules; i++) {
        const RowRule *r = &m->rowrules[i];
        Model mm = *m;
        mm.rowrules =
            without(mu->a, m->rowrules, m->nrowrules, sizeof *m->rowrules, i);
        mm.nrowrules = m->nrowrules - 1;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a, "remove '%s' (%s)",
                                     quote(mu, r->at), where(mu, r->at))))
            return false;
        if (!r->expr || always_true(r->expr))
            continue; /* `rows all` is as wide as it gets */
        /* A rule with membership tests widens the same way: its rows no
         * longer depend on the other table at all. */
        RowRule *wide =
            copy_of(mu->a, m->rowrules, m->nrowrules, sizeof *m->rowrules);
        wide[i].expr = NULL;
        wide[i].members = NULL;
        wide[i].nmembers = 0;
        mm = *m;
        mm.rowrules = wide;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a, "widen '%s' (%s) to rows all",
                                     quote(mu, r->at), where(mu, r->at))) ||
            !membership_wheres(mu, i))
            return false;
    }
    for (size_t i = 0; i < m->nwrites; i++) {
        Model mm = *m;
        mm.writes = without(mu->a, m->writes, m->nwrites, sizeof *m->writes, i);
        mm.nwrites = m->nwrites - 1;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a, "remove '%s' (%s)",
                                     quote(mu, m->writes[i].at),
                                     where(mu, m->writes[i].at))))
            return false;
    }
    return true;
}

/* ---- approvals ---- */

/* with_approval runs M with approval I replaced by AP. */
static bool with_approval(Mutation *mu, size_t i, const Approval *ap,
                          const char *what)
{
    const Model *m = mu->m;
    Approval *changed =
        copy_of(mu->a, m->approvals, m->napprovals, sizeof *m->approvals);
    changed[i] = *ap;
    Model mm = *m;
    mm.approvals = changed;
    return run_mutant(mu, &mm, what);
}

/* with_by runs M with the `by` line of approval I made of CLAUSES (N of
 * them), its v1 view (count, roles) made again from them: the sum of the
 * counts and the union of the roles (model.h). */
static bool with_by(Mutation *mu, size_t i, ApprovalClause *clauses, size_t n,
                    const char *what)
{
    const Model *m = mu->m;
    Approval ap = m->approvals[i];
    ap.clauses = clauses;
    ap.nclauses = n;
    ap.count = 0;
    ap.roles = arena_alloc(mu->a, (m->nroles + 1) * sizeof *ap.roles);
    ap.nroles = 0;
    for (size_t c = 0; c < n; c++) {
        ap.count += clauses[c].count;
        for (size_t k = 0; k < clauses[c].nroles; k++)
            if (!ids_contain(ap.roles, ap.nroles, clauses[c].roles[k]))
                ap.roles[ap.nroles++] = clauses[c].roles[k];
    }
    return with_approval(mu, i, &ap, what);
}

/* subsumed: does every holder of role R in clause C also hold another of
 * C's roles? Then dropping R from C changes nobody's vote. */
static bool subsumed(const Model *m, const ApprovalClause *c, int r)
{
    for (size_t k = 0; k < c->nroles; k++)
        if (c->roles[k] != r && m->roles[r].closure[c->roles[k]])
            return true;
    return false;
}

/* guards: each guard of approval I dropped; a bulk-read limit raised by
 * one row and lowered by one (a corpus that kills both pins the limit:
 * N rows read freely, N + 1 need the approval). */
static bool guards(Mutation *mu, size_t i)
{
    const Model *m = mu->m;
    const Approval *ap = &m->approvals[i];
    for (size_t g = 0; g < ap->nguards; g++) {
        const Guard *gd = &ap->guards[g];
        const Table *tb = &m->tables[gd->table];
        const char *target = gd->column < 0
                                 ? tb->name
                                 : arena_printf(mu->a, "%s.%s", tb->name,
                                                tb->columns[gd->column].name);
        const char *beyond = gd->beyond < 0
                                 ? ""
                                 : arena_printf(mu->a, " beyond %lld rows",
                                                (long long)gd->beyond);
        Approval dropped = *ap;
        dropped.guards =
            without(mu->a, ap->guards, ap->nguards, sizeof *ap->guards, g);
        dropped.nguards = ap->nguards - 1;
        if (!with_approval(mu, i, &dropped,
                           arena_printf(mu->a,
                                        "drop '%s %s%s;' (%s) from approval "
                                        "%s",
                                        guard_op_name(gd->op), target, beyond,
                                        where(mu, gd->at), ap->name)))
            return false;
        for (int up = 1; up >= 0 && gd->beyond >= 0; up--) {
            int64_t n = up ? gd->beyond + 1 : gd->beyond - 1;
            if ((up && gd->beyond == INT64_MAX) || (!up && n < 1))
                continue;
            Approval moved = *ap;
            Guard *gs = copy_of(mu->a, ap->guards, ap->nguards, sizeof *gs);
            gs[g].beyond = n;
            moved.guards = gs;
            if (!with_approval(mu, i, &moved,
                               arena_printf(mu->a,
                                            "%s the limit of 'export %s%s;' "
                                            "(%s) in approval %s to %lld "
                                            "rows",
                                            up ? "raise" : "lower", target,
                                            beyond, where(mu, gd->at), ap->name,
                                            (long long)n)))
                return false;
        }
    }
    return true;
}

/* by_line: the mutants of approval I's `by` line. A line of one clause
 * keeps the v1 wording: its count lowered by one, each approving role
 * dropped. A line of several also loses each clause in turn, and each
 * clause is lowered and loses its roles alone. The last role of a clause
 * is not dropped (an approval nobody can give is a different policy, not a
 * smaller one), nor one whose holders all hold another role of the clause
 * (inherits). */
static bool by_line(Mutation *mu, size_t i)
{
    const Model *m = mu->m;
    const Approval *ap = &m->approvals[i];
    bool one = ap->nclauses == 1;
    for (size_t c = 0; c < ap->nclauses; c++) {
        const ApprovalClause *cl = &ap->clauses[c];
        /* Where a role is dropped from: the approval, or the clause. */
        const char *from =
            one ? arena_printf(mu->a, "approval %s (%s)", ap->name,
                               where(mu, ap->at))
                : arena_printf(mu->a, "'%s' (%s) in approval %s",
                               quote(mu, cl->at), where(mu, cl->at), ap->name);
        if (!one && !with_by(mu, i,
                             without(mu->a, ap->clauses, ap->nclauses,
                                     sizeof *ap->clauses, c),
                             ap->nclauses - 1,
                             arena_printf(mu->a,
                                          "drop '%s' (%s) from the by line of "
                                          "approval %s",
                                          quote(mu, cl->at), where(mu, cl->at),
                                          ap->name)))
            return false;
        if (cl->count > 1) {
            ApprovalClause *fewer =
                copy_of(mu->a, ap->clauses, ap->nclauses, sizeof *fewer);
            fewer[c].count = cl->count - 1;
            const char *what =
                one ? arena_printf(mu->a, "lower approval %s (%s) to by %d",
                                   ap->name, where(mu, ap->at), cl->count - 1)
                    : arena_printf(mu->a,
                                   "lower '%s' (%s) in approval %s to %d",
                                   quote(mu, cl->at), where(mu, cl->at),
                                   ap->name, cl->count - 1);
            if (!with_by(mu, i, fewer, ap->nclauses, what))
                return false;
        }
        for (size_t r = 0; cl->nroles > 1 && r < cl->nroles; r++) {
            if (subsumed(m, cl, cl->roles[r]))
                continue;
            ApprovalClause *fewer =
                copy_of(mu->a, ap->clauses, ap->nclauses, sizeof *fewer);
            fewer[c].roles =
                without(mu->a, cl->roles, cl->nroles, sizeof *cl->roles, r);
            fewer[c].nroles = cl->nroles - 1;
            if (!with_by(mu, i, fewer, ap->nclauses,
                         arena_printf(mu->a, "drop approver %s from %s",
                                      m->roles[cl->roles[r]].name, from)))
                return false;
        }
    }
    return true;
}

static bool approvals(Mutation *mu)
{
    const Model *m = mu->m;
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        if (!guards(mu, i))
            return false;
        if (ap->expires) {
            Approval forever = *ap;
            forever.expires = 0;
            if (!with_approval(mu, i, &forever,
                               arena_printf(mu->a,
                                            "drop the expiry of approval %s "
                                            "(%s)",
                                            ap->name, where(mu, ap->at))))
                return false;
        }
        if (!by_line(mu, i))
            return false;
    }
    return true;
}

/* ---- audit ---- */

/* readable: does some role alone, in some scenario or none, read COLUMN of
 * TABLE as anything but hidden? Otherwise no read produces its value and
 * auditing its reads or not is the same policy. */
static bool readable(const Model *m, int table, int column)
{
    for (size_t r = 0; r < m->nroles; r++)
        for (int s = -1; s < (int)m->nscenarios; s++)
            if (decide_role(m, (int)r, s, table, column, NULL).effect !=
                EFFECT_HIDE)
                return true;
    return false;
}

/* writable: can some write record COLUMN of TABLE? Only a write that
 * gives it a value names it: a granted column, or an integer key, which an
 * insert numbers. When COLUMN is the table's only audited one, dropping it
 * stops the records of every attempt, refused ones too. */
static bool writable(const Model *m, const Audit *au, int table, int column)
{
    const Table *tb = &m->tables[table];
    size_t audited = 0;
    for (size_t c = 0; c < tb->ncolumns; c++)
        audited += au->write[c];
    bool any = false;
    for (size_t i = 0; i < tb->nwrites; i++) {
        const WriteRule *w = model_write(m, tb->writes[i]);
        any = true;
        if (ids_contain(w->columns, w->ncolumns, column))
            return true;
    }
    return audited == 1 || (any && tb->key == column &&
                            tb->columns[column].type == TYPE_INTEGER);
}

static bool audits(Mutation *mu)
{
    const Model *m = mu->m;
    for (size_t i = 0; i < m->naudits; i++) {
        const Audit *au = &m->audits[i];
        const Table *tb = &m->tables[au->table];
        for (int w = 0; w < 2; w++)
            for (size_t c = 0; c < tb->ncolumns; c++) {
                const bool *on = w ? au->write : au->read;
                if (!on[c] || (w ? !writable(m, au, au->table, (int)c)
                                 : !readable(m, au->table, (int)c)))
                    continue;
                Audit *less =
                    copy_of(mu->a, m->audits, m->naudits, sizeof *m->audits);
                bool *flags = copy_of(mu->a, on, tb->ncolumns, sizeof *on);
                flags[c] = false;
                if (w)
                    less[i].write = flags;
                else
                    less[i].read = flags;
                Model mm = *m;
                mm.audits = less;
                if (!run_mutant(mu, &mm,
                                arena_printf(mu->a,
                                             "stop auditing %s of %s.%s "
                                             "(%s)",
                                             w ? "writes" : "reads", tb->name,
                                             tb->columns[c].name,
                                             where(mu, au->at))))
                    return false;
            }
    }
    return true;
}

bool mutate_run(const Model *m, const Corpus *c, const char *dsn, Arena *a,
                MutationResult *out, const char **err)
{
    memset(out, 0, sizeof *out);
    Mutation mu = {m, c, a, out, 0, err, dsn};
    Masks pool = masks_of(&mu);
    return access_rules(&mu, &pool) && class_defaults(&mu, &pool) &&
           row_rules(&mu) && approvals(&mu) && audits(&mu);
}
