/*
 * coverage.c - rule and cell coverage of a corpus run (see coverage.h).
 */
#include "coverage.h"

#include "decide.h"
#include "report.h"

#include <string.h>

/* Lines is a growable array of strings in the arena. */
typedef struct Lines {
    const char **items;
    size_t n, cap;
} Lines;

static void push(Lines *l, Arena *a, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        const char **items = arena_alloc(a, cap * sizeof *items);
        if (l->n)
            memcpy(items, l->items, l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = s;
}

static void rule(Coverage *c, Lines *missing, Arena *a, bool hit, Span at)
{
    c->rules++;
    if (hit)
        c->rules_covered++;
    else
        push(missing, a,
             arena_printf(a, "%s: %s", report_where(a, at),
                          report_quote(a, at)));
}

/* performable: can a corpus step perform an operation AP guards? Every
 * guard but unmask, which has no step kind. */
static bool performable(const Approval *ap)
{
    for (size_t g = 0; g < ap->nguards; g++)
        if (ap->guards[g].op != GUARD_UNMASK)
            return true;
    return false;
}

/* approval counts AP with the rules: covered when a passing step used its
 * approved request (runner.c, used_approval). */
static void approval(Coverage *c, Lines *missing, Arena *a, bool hit,
                     const Approval *ap)
{
    c->rules++;
    if (hit)
        c->rules_covered++;
    else
        push(missing, a,
             arena_printf(a,
                          "%s: approval %s, which no passing step uses "
                          "after its approvals",
                          report_where(a, ap->at), ap->name));
}

/* sees_no_rows: does ROLE alone see no rows of TABLE, by the policy? */
static bool sees_no_rows(const Model *m, int role, int table, Arena *a)
{
    Session s;
    session_init(&s, m, a);
    session_add_role(&s, m, role);
    RowFilter f;
    decide_rows(m, &s, table, a, &f);
    return f.kind == ROWS_NONE;
}

/* gaps collects the uncovered cells of ROLE in SCENARIO, if any, and says
 * which of their tables the role sees no rows of (TABLES, a flag each). */
static void gaps(Coverage *out, const Model *m, const Exercised *ex, int role,
                 int scenario, bool *tables, Arena *a)
{
    Lines cols = {0};
    for (size_t t = 0; t < m->ntables; t++)
        for (size_t c = 0; c < m->tables[t].ncolumns; c++) {
            if (m->tables[t].columns[c].classification < 0)
                continue;
            out->cells++;
            if (ex->cells[cell_index(m, role, scenario, (int)t, (int)c)]) {
                out->cells_covered++;
                continue;
            }
            push(&cols, a,
                 arena_printf(a, "%s.%s", m->tables[t].name,
                              m->tables[t].columns[c].name));
            tables[t] = true;
        }
    if (!cols.n)
        return;
    CoverGap *g = &out->gaps[out->ngaps++];
    g->role = role;
    g->scenario = scenario;
    g->columns = cols.items;
    g->ncolumns = cols.n;
}

/* joined is ITEMS separated by ", ". Arena-owned. */
static const char *joined(Arena *a, const char *const *items, size_t n)
{
    StrBuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < n; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", items[i]);
    const char *s = arena_strdup(a, sb_cstr(&sb));
    sb_free(&sb);
    return s;
}

void coverage_compute(const Model *m, const Exercised *ex, Arena *a,
                      Coverage *out)
{
    memset(out, 0, sizeof *out);
    Lines rules = {0}, lines = {0};
    for (size_t i = 0; i < m->nrules; i++)
        rule(out, &rules, a, ex->rules[i], m->rules[i].at);
    for (size_t i = 0; i < m->nrowrules; i++)
        rule(out, &rules, a, ex->rowrules[i], m->rowrules[i].at);
    for (size_t i = 0; i < m->nwrites; i++)
        rule(out, &rules, a, ex->writes[i], m->writes[i].at);
    for (size_t i = 0; i < m->napprovals; i++)
        if (performable(&m->approvals[i]))
            approval(out, &rules, a, ex->approvals && ex->approvals[i],
                     &m->approvals[i]);
    out->rules_missing = rules.items;
    out->nrules_missing = rules.n;
    if (rules.n)
        push(&lines, a,
             "  uncovered rules, deciding no outcome a passing case "
             "asserts:");
    for (size_t i = 0; i < rules.n; i++)
        push(&lines, a, arena_printf(a, "    %s", rules.items[i]));

    out->gaps = arena_alloc(a, (m->nroles * (m->nscenarios + 1) + 1) *
                                   sizeof *out->gaps);
    bool *tables = arena_alloc(a, (m->ntables + 1) * sizeof *tables);
    size_t width = strlen("no scenario");
    for (size_t s = 0; s < m->nscenarios; s++)
        if (strlen(m->scenarios[s].name) > width)
            width = strlen(m->scenarios[s].name);
    bool headed = false;
    for (size_t r = 0; r < m->nroles; r++) {
        memset(tables, 0, m->ntables * sizeof *tables);
        size_t first = out->ngaps;
        for (int s = -1; s < (int)m->nscenarios; s++)
            gaps(out, m, ex, (int)r, s, tables, a);
        if (out->ngaps == first)
            continue;
        if (!headed)
            push(&lines, a,
                 "  uncovered cells, by role: no passing case of the role "
                 "alone asserts them");
        headed = true;
        push(&lines, a,
             arena_printf(a, "    %s (%s):", m->roles[r].name,
                          report_where(a, m->roles[r].at)));
        for (size_t g = first; g < out->ngaps; g++) {
            const CoverGap *gp = &out->gaps[g];
            const char *sc = gp->scenario < 0 ? "no scenario"
                                              : m->scenarios[gp->scenario].name;
            push(&lines, a,
                 arena_printf(a, "      %s:%*s %s", sc,
                              (int)(width - strlen(sc)), "",
                              joined(a, gp->columns, gp->ncolumns)));
        }
        for (size_t t = 0; t < m->ntables; t++)
            if (tables[t] && sees_no_rows(m, (int)r, (int)t, a))
                push(&lines, a,
                     arena_printf(a,
                                  "      %s sees no rows of %s: a case of "
                                  "%s alone that reads %s with "
                                  "expect_rows: 0 covers its cells (one "
                                  "per scenario)",
                                  m->roles[r].name, m->tables[t].name,
                                  m->roles[r].name, m->tables[t].name));
    }
    out->missing = lines.items;
    out->nmissing = lines.n;
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
