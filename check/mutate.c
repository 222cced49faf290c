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
#include "runner.h"

#include <string.h>

typedef struct Mutation {
    const Model *m;
    const Corpus *c;
    Arena *a;
    MutationResult *out;
    size_t cap;
    const char **err;
} Mutation;

/* run_mutant runs the corpus on MM and records whether a case failed. */
static bool run_mutant(Mutation *mu, const Model *mm, const char *what)
{
    RunResult rr;
    if (!runner_run(mm, mu->c, mu->a, &rr, mu->err))
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
        if (!r->expr)
            continue; /* `rows all` is as wide as it gets */
        RowRule *wide =
            copy_of(mu->a, m->rowrules, m->nrowrules, sizeof *m->rowrules);
        wide[i].expr = NULL;
        mm = *m;
        mm.rowrules = wide;
        if (!run_mutant(mu, &mm,
                        arena_printf(mu->a, "widen '%s' (%s) to rows all",
                                     quote(mu, r->at), where(mu, r->at))))
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

static bool approvals(Mutation *mu)
{
    const Model *m = mu->m;
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        Model mm;
        for (size_t g = 0; g < ap->nguards; g++) {
            const Guard *gd = &ap->guards[g];
            const Table *tb = &m->tables[gd->table];
            const char *target =
                gd->column < 0 ? tb->name
                               : arena_printf(mu->a, "%s.%s", tb->name,
                                              tb->columns[gd->column].name);
            Approval *dropped = copy_of(mu->a, m->approvals, m->napprovals,
                                        sizeof *m->approvals);
            dropped[i].guards =
                without(mu->a, ap->guards, ap->nguards, sizeof *ap->guards, g);
            dropped[i].nguards = ap->nguards - 1;
            mm = *m;
            mm.approvals = dropped;
            if (!run_mutant(mu, &mm,
                            arena_printf(mu->a,
                                         "drop '%s %s;' (%s) from approval "
                                         "%s",
                                         guard_op_name(gd->op), target,
                                         where(mu, gd->at), ap->name)))
                return false;
        }
        if (ap->expires) {
            Approval *forever = copy_of(mu->a, m->approvals, m->napprovals,
                                        sizeof *m->approvals);
            forever[i].expires = 0;
            mm = *m;
            mm.approvals = forever;
            if (!run_mutant(mu, &mm,
                            arena_printf(mu->a,
                                         "drop the expiry of approval %s "
                                         "(%s)",
                                         ap->name, where(mu, ap->at))))
                return false;
        }
        if (ap->count > 1) {
            Approval *fewer = copy_of(mu->a, m->approvals, m->napprovals,
                                      sizeof *m->approvals);
            fewer[i].count = ap->count - 1;
            mm = *m;
            mm.approvals = fewer;
            if (!run_mutant(
                    mu, &mm,
                    arena_printf(mu->a, "lower approval %s (%s) to by %d",
                                 ap->name, where(mu, ap->at), ap->count - 1)))
                return false;
        }
        /* The last approving role is not dropped: an approval nobody can
         * give is a different policy, not a smaller one. */
        for (size_t r = 0; ap->nroles > 1 && r < ap->nroles; r++) {
            Approval *fewer = copy_of(mu->a, m->approvals, m->napprovals,
                                      sizeof *m->approvals);
            fewer[i].roles =
                without(mu->a, ap->roles, ap->nroles, sizeof *ap->roles, r);
            fewer[i].nroles = ap->nroles - 1;
            mm = *m;
            mm.approvals = fewer;
            if (!run_mutant(mu, &mm,
                            arena_printf(mu->a,
                                         "drop approver %s from approval %s "
                                         "(%s)",
                                         m->roles[ap->roles[r]].name, ap->name,
                                         where(mu, ap->at))))
                return false;
        }
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
    for (size_t i = 0; i < m->nwrites; i++) {
        if (m->writes[i].table != table)
            continue;
        any = true;
        if (ids_contain(m->writes[i].columns, m->writes[i].ncolumns, column))
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

bool mutate_run(const Model *m, const Corpus *c, Arena *a, MutationResult *out,
                const char **err)
{
    memset(out, 0, sizeof *out);
    Mutation mu = {m, c, a, out, 0, err};
    Masks pool = masks_of(&mu);
    return access_rules(&mu, &pool) && class_defaults(&mu, &pool) &&
           row_rules(&mu) && approvals(&mu) && audits(&mu);
}
