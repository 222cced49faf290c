/*
 * decide.c - the decision function (see decide.h and
 * docs/semantics.md#column-reads).
 *
 * For one role r and column c:
 *   1. Base: the rules on c naming r and no scenario; else a rule naming
 *      neither (the column's default); else the classification's default;
 *      a classified column without a default is hidden; else shown.
 *   2. Scenario: none set, the base decides. A rule naming r and the
 *      scenario decides outright. Else rules naming the scenario and no role
 *      only narrow: hide hides, a mask replaces show or a mask, nothing
 *      unhides.
 * A session takes the most permissive decision of its roles: the
 * combination rule (decide.h), which both targets' SQL follows.
 */
#include "decide.h"

#include "approval_match.h"

#include <stdlib.h>
#include <string.h>

void session_init(Session *s, const Model *m, Arena *a)
{
    memset(s, 0, sizeof *s);
    s->roles = arena_alloc(a, m->nroles + 1);
    s->scenario = -1;
}

void session_add_role(Session *s, const Model *m, int role)
{
    for (size_t r = 0; r < m->nroles; r++)
        if (m->roles[role].closure[r])
            s->roles[r] = true;
}

/* Firsts: the first rule on a column, in source order, of each kind that
 * can decide for one role in one scenario. Conflicts were rejected by the
 * model, so the first of a kind speaks for all. */
typedef struct Firsts {
    const Rule *role;          /* naming the role, no scenario */
    const Rule *column;        /* naming no role nor scenario: the default */
    const Rule *role_scenario; /* naming the role and the scenario */
    const Rule *scenario;      /* naming no role, and the scenario */
} Firsts;

/* first_rules finds them for ROLE and SCENARIO (-1: none) on
 * TABLE.COLUMN, in one pass over the column's own rules (Column.rules):
 * never over the whole policy. */
static Firsts first_rules(const Model *m, int table, int column, int role,
                          int scenario)
{
    Firsts f = {NULL, NULL, NULL, NULL};
    const Column *col = &m->tables[table].columns[column];
    for (size_t i = 0; i < col->nrules; i++) {
        const Rule *r = model_rule(m, col->rules[i]);
        if (!r || (r->scenario >= 0 && r->scenario != scenario))
            continue;
        bool any_role = r->nroles == 0;
        if (!any_role && !rule_names_role(r, role))
            continue;
        const Rule **slot = r->scenario < 0
                                ? (any_role ? &f.column : &f.role)
                                : (any_role ? &f.scenario : &f.role_scenario);
        if (!*slot)
            *slot = r;
    }
    return f;
}

static Outcome from_rule(const Rule *r, Why why)
{
    return (Outcome){r->effect, r->mask, why, r, -1};
}

Outcome decide_role(const Model *m, int role, int scenario, int table,
                    int column, RoleDecision *trace)
{
    /* Step 1: the base. */
    Outcome base;
    Firsts f = first_rules(m, table, column, role, scenario);
    const Rule *r;
    const Column *col = &m->tables[table].columns[column];
    if ((r = f.role)) {
        base = from_rule(r, WHY_ROLE_RULE);
    } else if ((r = f.column)) {
        base = from_rule(r, WHY_COLUMN_DEFAULT);
    } else if (col->classification >= 0) {
        const Classification *c = &m->classes[col->classification];
        if (c->has_default)
            base = (Outcome){c->effect, c->mask, WHY_CLASS_DEFAULT, NULL,
                             col->classification};
        else
            base = (Outcome){EFFECT_HIDE, NULL, WHY_CLASS_NO_DEFAULT, NULL,
                             col->classification};
    } else {
        base = (Outcome){EFFECT_SHOW, NULL, WHY_UNCLASSIFIED, NULL, -1};
    }

    /* Step 2: the scenario. */
    Outcome final = base;
    const Rule *ignored = NULL;
    if (scenario >= 0) {
        if ((r = f.role_scenario)) {
            final = from_rule(r, WHY_SCENARIO_ROLE);
        } else if ((r = f.scenario)) {
            if (r->effect == EFFECT_HIDE)
                final = from_rule(r, WHY_SCENARIO_NARROW);
            else if (r->effect == EFFECT_MASK && base.effect != EFFECT_HIDE)
                final = from_rule(r, WHY_SCENARIO_NARROW);
            else
                ignored = r; /* show never widens; a mask never unhides */
        }
    }
    if (trace) {
        trace->role = role;
        trace->base = base;
        trace->final = final;
        trace->ignored = ignored;
    }
    return final;
}

uint32_t outcome_pos(const Model *m, const Outcome *o)
{
    if (o->rule)
        return o->rule->at.begin;
    if (o->classification >= 0)
        return m->classes[o->classification].at.begin;
    return UINT32_MAX;
}

int effect_rank(Effect e)
{
    return e == EFFECT_SHOW ? 2 : e == EFFECT_MASK ? 1 : 0;
}

CombineKey combine_key(const Model *m, const Outcome *o)
{
    return (CombineKey){effect_rank(o->effect),
                        o->effect == EFFECT_MASK ? outcome_pos(m, o) : 0};
}

bool combine_before(CombineKey a, CombineKey b)
{
    return a.rank != b.rank ? a.rank > b.rank : a.pos < b.pos;
}

void decide_column(const Model *m, const Session *s, int table, int column,
                   Arena *a, Decision *out)
{
    memset(out, 0, sizeof *out);
    out->role = -1;
    out->result = (Outcome){EFFECT_HIDE, NULL, WHY_NO_ROLE, NULL, -1};
    if (a)
        out->per_role = arena_alloc(a, (m->nroles + 1) * sizeof *out->per_role);
    CombineKey best = {0, 0};
    for (size_t r = 0; r < m->nroles; r++) {
        if (!s->roles[r])
            continue;
        RoleDecision rd;
        Outcome o = decide_role(m, (int)r, s->scenario, table, column, &rd);
        if (a)
            out->per_role[out->nper_role++] = rd;
        CombineKey k = combine_key(m, &o);
        /* Equal keys give the same value: the tie only chooses whom explain
         * credits, a written rule over a default. */
        bool better = out->role < 0 || combine_before(k, best) ||
                      (!combine_before(best, k) && !out->result.rule && o.rule);
        if (better) {
            out->result = o;
            out->role = (int)r;
            best = k;
        }
    }
}

void decide_rows(const Model *m, const Session *s, int table, Arena *a,
                 RowFilter *out)
{
    memset(out, 0, sizeof *out);
    out->kind = m->tables[table].has_rows ? ROWS_NONE : ROWS_ALL;
    if (out->kind == ROWS_ALL)
        return;
    const Table *tb = &m->tables[table];
    out->rules = arena_alloc(a, (tb->nrowrules + 1) * sizeof *out->rules);
    for (size_t i = 0; i < tb->nrowrules; i++) {
        const RowRule *rr = model_rowrule(m, tb->rowrules[i]);
        if (!rr)
            continue;
        bool held = false;
        for (size_t k = 0; k < rr->nroles && !held; k++)
            held = s->roles[rr->roles[k]];
        if (!held)
            continue;
        if (!rr->expr) {
            /* `rows all` absorbs every other filter of the union. */
            out->kind = ROWS_ALL;
            out->rules[0] = rr;
            out->nrules = 1;
            return;
        }
        out->kind = ROWS_WHERE;
        out->rules[out->nrules++] = rr;
    }
}

bool decide_write(const Model *m, const Session *s, int table, int column,
                  const WriteRule **by)
{
    const Table *tb = &m->tables[table];
    for (size_t i = 0; i < tb->nwrites; i++) {
        const WriteRule *w = model_write(m, tb->writes[i]);
        if (!w || !ids_contain(w->columns, w->ncolumns, column))
            continue;
        for (size_t k = 0; k < w->nroles; k++)
            if (s->roles[w->roles[k]]) {
                if (by)
                    *by = w;
                return true;
            }
    }
    if (by)
        *by = NULL;
    return false;
}

const Guard *decide_guard(const Model *m, GuardOp op, int table, int column,
                          const Approval **by)
{
    /* Only the approvals that guard the table (Table.guards) are read. */
    const Table *tb = &m->tables[table];
    for (size_t k = 0; k < tb->nguards; k++) {
        const Approval *ap = &m->approvals[tb->guards[k]];
        for (size_t g = 0; g < ap->nguards; g++) {
            const Guard *gd = &ap->guards[g];
            if (gd->op == op && gd->table == table && gd->column == column) {
                if (by)
                    *by = ap;
                return gd;
            }
        }
    }
    if (by)
        *by = NULL;
    return NULL;
}

/* clause_takes: a voter holding ROLES can fill a place of clause C. */
static bool clause_takes(const ApprovalClause *c, const bool *roles)
{
    for (size_t k = 0; k < c->nroles; k++)
        if (roles[c->roles[k]])
            return true;
    return false;
}

bool decide_may_approve(const Approval *ap, const bool *roles)
{
    for (size_t i = 0; i < ap->nclauses; i++)
        if (clause_takes(&ap->clauses[i], roles))
            return true;
    return false;
}

/* Voters is approval_placed's view of AP and the voters' role sets. */
typedef struct Voters {
    const Approval *ap;
    const bool *const *roles;
} Voters;

static bool voter_takes(void *ctx, size_t clause, size_t voter)
{
    const Voters *vs = ctx;
    return clause_takes(&vs->ap->clauses[clause], vs->roles[voter]);
}

bool decide_approval_met(const Approval *ap, const bool *const *approvers,
                         size_t n)
{
    int counts[ap->nclauses ? ap->nclauses : 1];
    for (size_t i = 0; i < ap->nclauses; i++)
        counts[i] = ap->clauses[i].count;
    size_t places = approval_places(ap->nclauses, counts);
    if (places == 0)
        return false; /* a model always has a clause; never met by none */
    Voters vs = {ap, approvers};
    return approval_placed(ap->nclauses, counts, n, voter_takes, &vs) == places;
}

const char *outcome_text(Arena *a, const Outcome *o)
{
    if (o->effect != EFFECT_MASK)
        return effect_name(o->effect);
    return arena_printf(a, "mask %s",
                        o->mask->name ? o->mask->name : o->mask->text);
}
