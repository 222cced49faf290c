/*
 * report.c - `ward explain` and `ward matrix` (see report.h).
 */
#include "report.h"

#include "fmt.h"

#include <string.h>

const char *report_where(Arena *a, Span at)
{
    size_t line, col;
    srcmap_line_col(at.file, at.begin, &line, &col);
    return arena_printf(a, "%s:%zu:%zu", at.file->name, line, col);
}

const char *report_quote(Arena *a, Span at)
{
    StrBuf sb;
    sb_init(&sb);
    bool space = false;
    for (uint32_t i = at.begin; i < at.end; i++) {
        char c = at.file->text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = true;
            continue;
        }
        if (space && sb.len)
            sb_putc(&sb, ' ');
        space = false;
        sb_putc(&sb, c);
    }
    const char *s = arena_strdup(a, sb_cstr(&sb));
    sb_free(&sb);
    return s;
}

const char *report_cell(Arena *a, const Outcome *o)
{
    return outcome_text(a, o);
}

const char *report_why(const Model *m, Arena *a, const Outcome *o)
{
    switch (o->why) {
    case WHY_ROLE_RULE:
        return arena_printf(a, "rule '%s' (%s)", report_quote(a, o->rule->at),
                            report_where(a, o->rule->at));
    case WHY_COLUMN_DEFAULT:
        return arena_printf(a, "column default '%s' (%s)",
                            report_quote(a, o->rule->at),
                            report_where(a, o->rule->at));
    case WHY_CLASS_DEFAULT:
        return arena_printf(a, "default of classification %s (%s)",
                            m->classes[o->classification].name,
                            report_where(a, m->classes[o->classification].at));
    case WHY_CLASS_NO_DEFAULT:
        return arena_printf(a,
                            "classification %s has no default, so it is "
                            "hidden (%s)",
                            m->classes[o->classification].name,
                            report_where(a, m->classes[o->classification].at));
    case WHY_UNCLASSIFIED: return "unclassified and no rule, so it is shown";
    case WHY_SCENARIO_ROLE:
        return arena_printf(a, "scenario rule for the role '%s' (%s)",
                            report_quote(a, o->rule->at),
                            report_where(a, o->rule->at));
    case WHY_SCENARIO_NARROW:
        return arena_printf(a, "scenario rule '%s' narrows it (%s)",
                            report_quote(a, o->rule->at),
                            report_where(a, o->rule->at));
    case WHY_NO_ROLE: return "the session holds no role";
    }
    return "?";
}

static bool held_any(const Session *s, const int *roles, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s->roles[roles[i]])
            return true;
    return false;
}

static void role_list(const Model *m, const int *roles, size_t n, StrBuf *out)
{
    for (size_t i = 0; i < n; i++)
        sb_printf(out, "%s%s", i ? ", " : "", m->roles[roles[i]].name);
}

/* lost explains why rule R on the column did not decide. */
static void lost(const Model *m, const Session *s, const Decision *d,
                 const Rule *r, Arena *a, StrBuf *out)
{
    sb_printf(out, "      - '%s' (%s): ", report_quote(a, r->at),
              report_where(a, r->at));
    for (size_t i = 0; i < d->nper_role; i++) {
        const RoleDecision *rd = &d->per_role[i];
        const char *role = m->roles[rd->role].name;
        if (rd->final.rule == r &&
            effect_rank(rd->final.effect) == effect_rank(d->result.effect) &&
            rd->final.effect != EFFECT_MASK) {
            sb_printf(out, "gives role %s the same %s\n", role,
                      outcome_text(a, &rd->final));
            return;
        }
        if (rd->final.rule == r) {
            sb_printf(out, "gives role %s %s, less than %s wins\n", role,
                      outcome_text(a, &rd->final),
                      d->result.effect == EFFECT_MASK &&
                              rd->final.effect == EFFECT_MASK
                          ? "an earlier mask, which"
                          : "the most permissive role, which");
            return;
        }
        if (rd->base.rule == r) {
            sb_printf(out, "role %s's base, replaced in scenario %s\n", role,
                      m->scenarios[s->scenario].name);
            return;
        }
        if (rd->ignored == r) {
            sb_printf(out,
                      "a scenario rule only narrows; it cannot widen "
                      "role %s's %s\n",
                      role, effect_name(rd->base.effect));
            return;
        }
    }
    if (r->scenario >= 0 && r->scenario != s->scenario) {
        sb_printf(out, "applies only in scenario %s\n",
                  m->scenarios[r->scenario].name);
        return;
    }
    if (r->nroles > 0 && !held_any(s, r->roles, r->nroles)) {
        sb_puts(out, "names ");
        role_list(m, r->roles, r->nroles, out);
        sb_puts(out, ", not held by this session\n");
        return;
    }
    if (r->nroles == 0 && r->scenario >= 0) {
        sb_puts(out, "applies to every role in this scenario, but a rule "
                     "naming the role and the scenario decides first\n");
        return;
    }
    if (r->nroles == 0 && r->scenario < 0 && s->scenario < 0 &&
        d->nper_role > 0) {
        sb_puts(out, "column default, overridden by a rule naming the "
                     "role\n");
        return;
    }
    sb_puts(out, "repeats an earlier rule\n");
}

static void explain_column(const Model *m, const Session *s, int table,
                           int column, Arena *a, StrBuf *out)
{
    const Column *c = &m->tables[table].columns[column];
    Decision d;
    decide_column(m, s, table, column, a, &d);
    sb_printf(out, "  %s: %s\n", c->name, outcome_text(a, &d.result));
    if (d.result.effect == EFFECT_MASK)
        sb_printf(out, "      masked with %s\n", d.result.mask->text);
    if (d.role >= 0 && d.nper_role > 1)
        sb_printf(out, "      decided for role %s by: %s\n",
                  m->roles[d.role].name, report_why(m, a, &d.result));
    else if (d.role >= 0)
        sb_printf(out, "      decided by: %s\n", report_why(m, a, &d.result));
    else
        sb_printf(out, "      %s\n", report_why(m, a, &d.result));
    /* Other roles of the session, when they decided differently. */
    for (size_t i = 0; i < d.nper_role; i++) {
        const RoleDecision *rd = &d.per_role[i];
        if (rd->role == d.role)
            continue;
        sb_printf(out, "      role %s alone: %s, by %s\n",
                  m->roles[rd->role].name, outcome_text(a, &rd->final),
                  report_why(m, a, &rd->final));
    }
    /* Every other rule on the column, and why it lost. */
    bool header = false;
    for (size_t i = 0; i < m->nrules; i++) {
        const Rule *r = &m->rules[i];
        if (r->table != table || !rule_has_column(r, column) ||
            r == d.result.rule)
            continue;
        if (!header)
            sb_puts(out, "      other rules:\n");
        header = true;
        lost(m, s, &d, r, a, out);
    }
}

static void explain_rows(const Model *m, const Session *s, int table, Arena *a,
                         StrBuf *out)
{
    RowFilter f;
    decide_rows(m, s, table, a, &f);
    switch (f.kind) {
    case ROWS_ALL:
        if (f.nrules)
            sb_printf(out, "  rows: all, by '%s' (%s)\n",
                      report_quote(a, f.rules[0]->at),
                      report_where(a, f.rules[0]->at));
        else
            sb_puts(out, "  rows: all (the table has no rows rule)\n");
        return;
    case ROWS_NONE:
        sb_puts(out, "  rows: none (no rows rule names a role of this "
                     "session)\n");
        return;
    case ROWS_WHERE:
        sb_puts(out, "  rows: where ");
        for (size_t i = 0; i < f.nrules; i++) {
            if (i)
                sb_puts(out, " or ");
            bool paren = f.nrules > 1;
            if (paren)
                sb_putc(out, '(');
            fmt_expr(f.rules[i]->expr, out);
            if (paren)
                sb_putc(out, ')');
        }
        sb_putc(out, '\n');
        for (size_t i = 0; i < f.nrules; i++)
            sb_printf(out, "      by '%s' (%s)\n",
                      report_quote(a, f.rules[i]->at),
                      report_where(a, f.rules[i]->at));
        for (size_t i = 0; i < s->nattrs; i++)
            sb_printf(out, "      with session.%s = '%s'\n", s->attrs[i].name,
                      s->attrs[i].value);
        if (s->user)
            sb_printf(out, "      with current_user = '%s'\n", s->user);
        return;
    }
}

static void explain_writes(const Model *m, const Session *s, int table,
                           StrBuf *out)
{
    const Table *t = &m->tables[table];
    sb_puts(out, "  writes:");
    bool any = false;
    for (size_t c = 0; c < t->ncolumns; c++)
        if (decide_write(m, s, table, (int)c, NULL)) {
            sb_printf(out, "%s %s", any ? "," : "", t->columns[c].name);
            any = true;
        }
    sb_puts(out, any ? "\n" : " none\n");
}

void report_explain(const Model *m, const Session *s, int table, int column,
                    Arena *a, StrBuf *out)
{
    sb_puts(out, "session: roles ");
    bool first = true;
    for (size_t r = 0; r < m->nroles; r++)
        if (s->roles[r]) {
            sb_printf(out, "%s%s", first ? "" : ", ", m->roles[r].name);
            first = false;
        }
    if (first)
        sb_puts(out, "(none)");
    sb_printf(out, "; scenario %s\n",
              s->scenario >= 0 ? m->scenarios[s->scenario].name : "(none)");
    sb_printf(out, "table %s\n", m->tables[table].name);
    if (column >= 0) {
        explain_column(m, s, table, column, a, out);
        explain_rows(m, s, table, a, out);
        return;
    }
    for (size_t c = 0; c < m->tables[table].ncolumns; c++)
        explain_column(m, s, table, (int)c, a, out);
    explain_rows(m, s, table, a, out);
    explain_writes(m, s, table, out);
}

void report_matrix(const Model *m, Arena *a, StrBuf *out)
{
    sb_printf(out, "policy %s version %lld\n", m->name, (long long)m->version);
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tab = &m->tables[t];
        for (int sc = -1; sc < (int)m->nscenarios; sc++) {
            sb_printf(out, "\ntable %s, %s%s\n", tab->name,
                      sc < 0 ? "no scenario" : "scenario ",
                      sc < 0 ? "" : m->scenarios[sc].name);
            /* Column widths: the widest header or cell. */
            size_t nc = tab->ncolumns;
            const char **cells =
                arena_alloc(a, (m->nroles * nc + 1) * sizeof *cells);
            size_t *w = arena_alloc(a, (nc + 1) * sizeof *w);
            size_t w_role = 4;
            for (size_t r = 0; r < m->nroles; r++) {
                size_t l = strlen(m->roles[r].name);
                if (l > w_role)
                    w_role = l;
                Session s;
                session_init(&s, m, a);
                session_add_role(&s, m, (int)r);
                s.scenario = sc;
                for (size_t c = 0; c < nc; c++) {
                    Decision d;
                    decide_column(m, &s, (int)t, (int)c, NULL, &d);
                    cells[r * nc + c] = outcome_text(a, &d.result);
                }
            }
            for (size_t c = 0; c < nc; c++) {
                w[c] = strlen(tab->columns[c].name);
                for (size_t r = 0; r < m->nroles; r++)
                    if (strlen(cells[r * nc + c]) > w[c])
                        w[c] = strlen(cells[r * nc + c]);
            }
            size_t start = out->len;
            sb_puts(out, "role");
            sb_pad_to(out, start, w_role + 2);
            for (size_t c = 0; c < nc; c++) {
                size_t cs = out->len;
                sb_puts(out, tab->columns[c].name);
                if (c + 1 < nc)
                    sb_pad_to(out, cs, w[c] + 2);
            }
            sb_putc(out, '\n');
            for (size_t r = 0; r < m->nroles; r++) {
                start = out->len;
                sb_puts(out, m->roles[r].name);
                sb_pad_to(out, start, w_role + 2);
                for (size_t c = 0; c < nc; c++) {
                    size_t cs = out->len;
                    sb_puts(out, cells[r * nc + c]);
                    if (c + 1 < nc)
                        sb_pad_to(out, cs, w[c] + 2);
                }
                sb_putc(out, '\n');
            }
        }
    }
}
