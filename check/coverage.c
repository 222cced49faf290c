/*
 * coverage.c - rule and cell coverage of a corpus run (see coverage.h).
 */
#include "coverage.h"

#include "report.h"

#include <string.h>

static void missing(Coverage *c, Arena *a, const char *line)
{
    const char **m = arena_alloc(a, (c->nmissing + 1) * sizeof *m);
    for (size_t i = 0; i < c->nmissing; i++)
        m[i] = c->missing[i];
    m[c->nmissing++] = line;
    c->missing = m;
}

static void rule(Coverage *c, const Model *m, Arena *a, bool hit, Span at)
{
    (void)m;
    c->rules++;
    if (hit)
        c->rules_covered++;
    else
        missing(c, a,
                arena_printf(a, "%s: rule '%s' decides no asserted outcome",
                             report_where(a, at), report_quote(a, at)));
}

void coverage_compute(const Model *m, const Exercised *ex, Arena *a,
                      Coverage *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < m->nrules; i++)
        rule(out, m, a, ex->rules[i], m->rules[i].at);
    for (size_t i = 0; i < m->nrowrules; i++)
        rule(out, m, a, ex->rowrules[i], m->rowrules[i].at);
    for (size_t i = 0; i < m->nwrites; i++)
        rule(out, m, a, ex->writes[i], m->writes[i].at);
    for (size_t t = 0; t < m->ntables; t++)
        for (size_t c = 0; c < m->tables[t].ncolumns; c++) {
            const Column *col = &m->tables[t].columns[c];
            if (col->classification < 0)
                continue;
            for (size_t r = 0; r < m->nroles; r++)
                for (int s = -1; s < (int)m->nscenarios; s++) {
                    out->cells++;
                    if (ex->cells[cell_index(m, (int)r, s, (int)t, (int)c)]) {
                        out->cells_covered++;
                        continue;
                    }
                    missing(out, a,
                            arena_printf(
                                a,
                                "%s: cell %s x %s x %s.%s is not "
                                "asserted by a case of that role "
                                "alone",
                                report_where(a, col->at), m->roles[r].name,
                                s < 0 ? "(no scenario)" : m->scenarios[s].name,
                                m->tables[t].name, col->name));
                }
        }
    out->rule_pct =
        out->rules ? 100.0 * (double)out->rules_covered / (double)out->rules
                   : 100.0;
    out->cell_pct =
        out->cells ? 100.0 * (double)out->cells_covered / (double)out->cells
                   : 100.0;
}

double coverage_pct(const Coverage *c)
{
    return c->rule_pct < c->cell_pct ? c->rule_pct : c->cell_pct;
}
