/*
 * mutate.c - mutants of a policy, run against its corpus (see mutate.h).
 */
#include "mutate.h"

#include "report.h"
#include "runner.h"

#include <string.h>

static bool run_mutant(const Model *mm, const Corpus *c, Arena *a,
                       MutationResult *out, const char *what, const char **err)
{
    RunResult rr;
    if (!runner_run(mm, c, a, &rr, err))
        return false;
    Mutant *mu = &out->mutants[out->n++];
    mu->what = what;
    mu->killed = rr.failed > 0;
    for (size_t i = 0; i < rr.ncases && !mu->killed_by; i++)
        if (!rr.cases[i].pass)
            mu->killed_by = rr.cases[i].c->name;
    out->survived += !mu->killed;
    return true;
}

/* without copies an array of N elements of SIZE bytes leaving out SKIP. */
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

bool mutate_run(const Model *m, const Corpus *c, Arena *a, MutationResult *out,
                const char **err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 2 * m->nrules + m->nrowrules + m->nwrites + 1;
    out->mutants = arena_alloc(a, cap * sizeof *out->mutants);
    for (size_t i = 0; i < m->nrules; i++) {
        const Rule *r = &m->rules[i];
        Model mm = *m;
        mm.rules = without(a, m->rules, m->nrules, sizeof *m->rules, i);
        mm.nrules = m->nrules - 1;
        const char *what =
            arena_printf(a, "remove '%s' (%s)", report_quote(a, r->at),
                         report_where(a, r->at));
        if (!run_mutant(&mm, c, a, out, what, err))
            return false;
        Rule *flipped =
            without(a, m->rules, m->nrules, sizeof *m->rules, m->nrules);
        mm = *m;
        mm.rules = flipped;
        flipped[i].effect =
            r->effect == EFFECT_SHOW ? EFFECT_HIDE : EFFECT_SHOW;
        flipped[i].mask = NULL;
        what = arena_printf(a, "make '%s' (%s) %s", report_quote(a, r->at),
                            report_where(a, r->at),
                            effect_name(flipped[i].effect));
        if (!run_mutant(&mm, c, a, out, what, err))
            return false;
    }
    for (size_t i = 0; i < m->nrowrules; i++) {
        Model mm = *m;
        mm.rowrules =
            without(a, m->rowrules, m->nrowrules, sizeof *m->rowrules, i);
        mm.nrowrules = m->nrowrules - 1;
        const char *what = arena_printf(a, "remove '%s' (%s)",
                                        report_quote(a, m->rowrules[i].at),
                                        report_where(a, m->rowrules[i].at));
        if (!run_mutant(&mm, c, a, out, what, err))
            return false;
    }
    for (size_t i = 0; i < m->nwrites; i++) {
        Model mm = *m;
        mm.writes = without(a, m->writes, m->nwrites, sizeof *m->writes, i);
        mm.nwrites = m->nwrites - 1;
        const char *what = arena_printf(a, "remove '%s' (%s)",
                                        report_quote(a, m->writes[i].at),
                                        report_where(a, m->writes[i].at));
        if (!run_mutant(&mm, c, a, out, what, err))
            return false;
    }
    return true;
}
