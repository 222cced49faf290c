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
    const Column *col = &m->tables[table].columns[column];
    for (size_t i = 0; i < col->nrules; i++) {
        const Rule *r = model_rule(m, col->rules[i]);
        if (!r || r == d.result.rule)
            continue;
        if (!header)
            sb_puts(out, "      other rules:\n");
        header = true;
        lost(m, s, &d, r, a, out);
    }
}

/* filter_text appends a row filter's expression: one rule's as written
 * (fmt), several rules' as "(a) or (b)". */
static void filter_text(const RowFilter *f, StrBuf *out)
{
    for (size_t i = 0; i < f->nrules; i++) {
        if (i)
            sb_puts(out, " or ");
        bool paren = f->nrules > 1;
        if (paren)
            sb_putc(out, '(');
        fmt_expr(f->rules[i]->expr, out);
        if (paren)
            sb_putc(out, ')');
    }
}

const char *report_rows_text(const Model *m, const Session *s, int table,
                             Arena *a)
{
    RowFilter f;
    decide_rows(m, s, table, a, &f);
    if (f.kind == ROWS_ALL)
        return "all";
    if (f.kind == ROWS_NONE)
        return "none";
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "where ");
    filter_text(&f, &sb);
    const char *text = arena_strdup(a, sb_cstr(&sb));
    sb_free(&sb);
    return text;
}

const char *report_writes_text(const Model *m, const Session *s, int table,
                               Arena *a)
{
    const Table *t = &m->tables[table];
    StrBuf sb;
    sb_init(&sb);
    for (size_t c = 0; c < t->ncolumns; c++)
        if (decide_write(m, s, table, (int)c, NULL))
            sb_printf(&sb, "%s%s", sb.len ? ", " : "", t->columns[c].name);
    const char *text = arena_strdup(a, sb.len ? sb_cstr(&sb) : "none");
    sb_free(&sb);
    return text;
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
        filter_text(&f, out);
        sb_putc(out, '\n');
        for (size_t i = 0; i < f.nrules; i++)
            sb_printf(out, "      by '%s' (%s)\n",
                      report_quote(a, f.rules[i]->at),
                      report_where(a, f.rules[i]->at));
        /* Each other table a membership test reads, once. */
        for (size_t i = 0; i < f.nrules; i++)
            for (size_t k = 0; k < f.rules[i]->nmembers; k++) {
                int t = f.rules[i]->members[k].table;
                bool seen = false;
                for (size_t j = 0; j <= i && !seen; j++)
                    for (size_t h = 0; h < f.rules[j]->nmembers; h++) {
                        if (j == i && h == k)
                            break;
                        seen |= f.rules[j]->members[h].table == t;
                    }
                if (!seen)
                    sb_printf(out,
                              "      reads %s as stored: its own rows "
                              "rules and masks do not apply there\n",
                              m->tables[t].name);
            }
        for (size_t i = 0; i < s->nattrs; i++)
            sb_printf(out, "      with session.%s = '%s'\n", s->attrs[i].name,
                      s->attrs[i].value);
        if (s->user)
            sb_printf(out, "      with current_user = '%s'\n", s->user);
        return;
    }
}

static void explain_writes(const Model *m, const Session *s, int table,
                           Arena *a, StrBuf *out)
{
    const char *w = report_writes_text(m, s, table, a);
    sb_printf(out, "  writes: %s\n", w);
}

const char *report_guard_text(const Model *m, const Guard *g, Arena *a)
{
    const char *t = m->tables[g->table].name;
    switch (g->op) {
    case GUARD_EXPORT:
        if (g->beyond >= 0)
            return arena_printf(a,
                                "export of %s, and any statement reading "
                                "more than %lld of its rows",
                                t, (long long)g->beyond);
        return arena_printf(a, "export of %s", t);
    case GUARD_DELETE: return arena_printf(a, "delete from %s", t);
    case GUARD_UPDATE:
        return arena_printf(a, "update of %s.%s", t,
                            m->tables[g->table].columns[g->column].name);
    case GUARD_UNMASK:
        return arena_printf(a, "temporary unmask of %s.%s", t,
                            m->tables[g->table].columns[g->column].name);
    }
    return "?";
}

const char *report_by_text(const Model *m, const Approval *ap, Arena *a)
{
    StrBuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < ap->nclauses; i++) {
        const ApprovalClause *c = &ap->clauses[i];
        sb_printf(&sb, "%s%d of ", i ? " and " : "", c->count);
        role_list(m, c->roles, c->nroles, &sb);
    }
    const char *text = arena_strdup(a, sb_cstr(&sb));
    sb_free(&sb);
    return text;
}

/* guards_here: AP guards an operation on TABLE (on COLUMN, or the whole
 * table, when COLUMN >= 0). */
static bool guards_here(const Guard *g, int table, int column)
{
    return g->table == table &&
           (column < 0 || g->column < 0 || g->column == column);
}

/* explain_approvals lists the approvals guarding operations on TABLE (or
 * on COLUMN and the whole table): what, by whom, for how long, and whether
 * this session may vote. */
static void explain_approvals(const Model *m, const Session *s, int table,
                              int column, Arena *a, StrBuf *out)
{
    bool any = false;
    const Table *tb = &m->tables[table];
    for (size_t k = 0; k < tb->nguards; k++) {
        const Approval *ap = &m->approvals[tb->guards[k]];
        bool here = false;
        for (size_t g = 0; g < ap->nguards; g++)
            here |= guards_here(&ap->guards[g], table, column);
        if (!here)
            continue;
        if (!any)
            sb_puts(out, "  approvals:\n");
        any = true;
        sb_printf(out, "    %s", ap->name);
        if (ap->label) {
            sb_putc(out, ' ');
            fmt_string(ap->label, strlen(ap->label), out);
        }
        sb_printf(out, " (%s)\n", report_where(a, ap->at));
        for (size_t g = 0; g < ap->nguards; g++)
            if (guards_here(&ap->guards[g], table, column))
                sb_printf(out, "      guards: %s\n",
                          report_guard_text(m, &ap->guards[g], a));
        sb_printf(out, "      by: %s%s\n", report_by_text(m, ap, a),
                  ap->nclauses > 1 ? " (one person counts for one clause)"
                                   : "");
        if (ap->expires_at.file) {
            const char *line = report_quote(a, ap->expires_at);
            size_t n = strlen(line);
            sb_printf(out, "      %.*s\n",
                      (int)(n && line[n - 1] == ';' ? n - 1 : n), line);
        } else {
            sb_puts(out, "      expires never\n");
        }
        if (decide_may_approve(ap, s->roles))
            sb_puts(out, "      this session may approve another user's "
                         "request\n");
        else
            sb_puts(out, "      this session may not approve it\n");
    }
    if (!any)
        sb_puts(out, "  approvals: none\n");
}

/* column_list appends the names of the columns of T that FLAGS marks,
 * "every column" when all are. Returns how many. */
static size_t column_list(const Table *t, const bool *flags, int column,
                          StrBuf *out)
{
    size_t n = 0;
    for (size_t c = 0; c < t->ncolumns; c++)
        n += flags[c] && (column < 0 || (int)c == column);
    if (n == 0)
        return 0;
    if (column < 0 && n == t->ncolumns && n > 1) {
        sb_puts(out, "every column");
        return n;
    }
    size_t k = 0;
    for (size_t c = 0; c < t->ncolumns; c++)
        if (flags[c] && (column < 0 || (int)c == column))
            sb_printf(out, "%s%s", k++ ? ", " : "", t->columns[c].name);
    return n;
}

const char *report_audit_text(const Model *m, int table, int column, Arena *a)
{
    const Audit *au = model_audit(m, table);
    if (!au)
        return "none";
    const Table *t = &m->tables[table];
    StrBuf sb;
    sb_init(&sb);
    StrBuf part;
    sb_init(&part);
    if (column >= 0 && au->read[column] && au->write[column]) {
        sb_printf(&sb, "reads and writes of %s", t->columns[column].name);
        sb_reset(&part);
    } else if (column_list(t, au->read, column, &part))
        sb_printf(&sb, "reads of %s", sb_cstr(&part));
    sb_reset(&part);
    if (!(column >= 0 && au->read[column]) &&
        column_list(t, au->write, column, &part))
        sb_printf(&sb, "%swrites of %s", sb.len ? "; " : "", sb_cstr(&part));
    sb_free(&part);
    const char *text = arena_strdup(a, sb.len ? sb_cstr(&sb) : "none");
    sb_free(&sb);
    return text;
}

static void explain_audit(const Model *m, int table, int column, Arena *a,
                          StrBuf *out)
{
    const Audit *au = model_audit(m, table);
    const char *text = report_audit_text(m, table, column, a);
    if (au && strcmp(text, "none") != 0)
        sb_printf(out, "  audit: %s (%s)\n", text, report_where(a, au->at));
    else
        sb_printf(out, "  audit: none%s\n",
                  au && column >= 0 ? " of this column" : "");
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
    RowFilter f;
    decide_rows(m, s, table, a, &f);
    if (f.kind == ROWS_NONE)
        sb_printf(out,
                  "  (this session sees no rows of %s: what follows "
                  "applies to none)\n",
                  m->tables[table].name);
    if (column >= 0) {
        explain_column(m, s, table, column, a, out);
        explain_rows(m, s, table, a, out);
        explain_approvals(m, s, table, column, a, out);
        explain_audit(m, table, column, a, out);
        return;
    }
    for (size_t c = 0; c < m->tables[table].ncolumns; c++)
        explain_column(m, s, table, (int)c, a, out);
    explain_rows(m, s, table, a, out);
    explain_writes(m, s, table, a, out);
    explain_approvals(m, s, table, -1, a, out);
    explain_audit(m, table, -1, a, out);
}

const char *report_matrix_cell(const Model *m, int role, int scenario,
                               int table, int column, Arena *a)
{
    Session s;
    session_init(&s, m, a);
    session_add_role(&s, m, role);
    s.scenario = scenario;
    RowFilter f;
    decide_rows(m, &s, table, a, &f);
    if (f.kind == ROWS_NONE)
        return "no rows";
    Decision d;
    decide_column(m, &s, table, column, NULL, &d);
    return outcome_text(a, &d.result);
}

/* print_grid prints a header and NROWS rows of NC cells, each column as
 * wide as its widest cell; the last column is not padded. */
static void print_grid(const char *const *head, const char *const *cells,
                       size_t nrows, size_t nc, Arena *a, StrBuf *out)
{
    size_t *w = arena_alloc(a, (nc + 1) * sizeof *w);
    for (size_t c = 0; c < nc; c++) {
        w[c] = text_width(head[c], strlen(head[c]));
        for (size_t r = 0; r < nrows; r++) {
            size_t l = text_width(cells[r * nc + c], strlen(cells[r * nc + c]));
            if (l > w[c])
                w[c] = l;
        }
    }
    for (size_t r = 0; r <= nrows; r++) {
        size_t start = out->len;
        for (size_t c = 0; c < nc; c++) {
            sb_puts(out, r == 0 ? head[c] : cells[(r - 1) * nc + c]);
            if (c + 1 < nc) {
                size_t upto = 0;
                for (size_t k = 0; k <= c; k++)
                    upto += w[k] + 2;
                sb_pad_to(out, start, upto);
            }
        }
        sb_putc(out, '\n');
    }
}

void report_matrix(const Model *m, Arena *a, StrBuf *out)
{
    sb_printf(out, "policy %s version %lld\n", m->name, (long long)m->version);
    size_t nr = m->nroles;
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tab = &m->tables[t];
        size_t nc = tab->ncolumns + 1;
        const char **head = arena_alloc(a, (nc + 1) * sizeof *head);
        head[0] = "role";
        for (size_t c = 0; c < tab->ncolumns; c++)
            head[c + 1] = tab->columns[c].name;
        /* Room for the role x column grid and the rows-and-writes one. */
        size_t width = nc > 3 ? nc : 3;
        const char **cells = arena_alloc(a, (nr * width + 1) * sizeof *cells);
        for (int sc = -1; sc < (int)m->nscenarios; sc++) {
            sb_printf(out, "\ntable %s, %s%s\n", tab->name,
                      sc < 0 ? "no scenario" : "scenario ",
                      sc < 0 ? "" : m->scenarios[sc].name);
            for (size_t r = 0; r < nr; r++) {
                cells[r * nc] = m->roles[r].name;
                for (size_t c = 0; c < tab->ncolumns; c++)
                    cells[r * nc + c + 1] =
                        report_matrix_cell(m, (int)r, sc, (int)t, (int)c, a);
            }
            print_grid(head, cells, nr, nc, a, out);
        }
        /* Writes and rows do not depend on the scenario; the rows come
         * last, as the widest column. */
        sb_printf(out, "\ntable %s, writes and rows\n", tab->name);
        static const char *const rw_head[] = {"role", "writes", "rows"};
        for (size_t r = 0; r < nr; r++) {
            Session s;
            session_init(&s, m, a);
            session_add_role(&s, m, (int)r);
            cells[r * 3] = m->roles[r].name;
            cells[r * 3 + 1] = report_writes_text(m, &s, (int)t, a);
            cells[r * 3 + 2] = report_rows_text(m, &s, (int)t, a);
        }
        print_grid(rw_head, cells, nr, 3, a, out);
    }
}
