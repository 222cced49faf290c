/*
 * emit_common.c - row expressions and the catalog walk, for both emitters
 * (see emit_common.h).
 */
#include "emit_common.h"

#include "sql_quote.h"

/* ---- row expressions ---- */

/* Each operator's SQL, by its enum value: a new BinOp without its text
 * fails the assertion below rather than shifting the others. */
static const char *const BINOP_SQL[] = {
    [OP_EQ] = " = ", [OP_NE] = " <> ", [OP_LT] = " < ",    [OP_LE] = " <= ",
    [OP_GT] = " > ", [OP_GE] = " >= ", [OP_AND] = " AND ", [OP_OR] = " OR ",
};
_Static_assert(sizeof BINOP_SQL / sizeof BINOP_SQL[0] == OP_OR + 1,
               "every BinOp has its SQL");

static void expr(const RowExpr *x, const Node *e, const Node *other,
                 StrBuf *out);

void emit_row_operand(const RowExpr *x, const Node *e, const Node *other,
                      StrBuf *out)
{
    bool atom = e->kind != NODE_BINARY && e->kind != NODE_NOT &&
                e->kind != NODE_IN && e->kind != NODE_IS_NULL &&
                (e->kind != NODE_IN_SELECT || !x->dialect->membership_parens);
    if (!atom)
        sb_putc(out, '(');
    expr(x, e, other, out);
    if (!atom)
        sb_putc(out, ')');
}

/* expr = binary | "not" operand | operand ["not"] "in" "(" values ")"
 *      | operand "is" ["not"] "null" | membership | name | session.ATTR
 *      | current_user | literal */
static void expr(const RowExpr *x, const Node *e, const Node *other,
                 StrBuf *out)
{
    const RowDialect *d = x->dialect;
    switch (e->kind) {
    case NODE_BINARY:
        emit_row_operand(x, e->as.binary.left, e->as.binary.right, out);
        sb_puts(out, BINOP_SQL[e->as.binary.op]);
        emit_row_operand(x, e->as.binary.right, e->as.binary.left, out);
        return;
    case NODE_NOT:
        sb_puts(out, "NOT ");
        emit_row_operand(x, e->as.not_.operand, NULL, out);
        return;
    case NODE_IN: {
        const Node *vals = e->as.in.values;
        emit_row_operand(x, e->as.in.operand,
                         LIST_LEN(vals) ? LIST_AT(vals, 0) : NULL, out);
        sb_puts(out, e->as.in.negated ? " NOT IN (" : " IN (");
        for (size_t i = 0; i < LIST_LEN(vals); i++) {
            if (i)
                sb_puts(out, ", ");
            expr(x, LIST_AT(vals, i), e->as.in.operand, out);
        }
        sb_putc(out, ')');
        return;
    }
    case NODE_IS_NULL:
        emit_row_operand(x, e->as.is_null.operand, NULL, out);
        sb_puts(out, e->as.is_null.negated ? " IS NOT NULL" : " IS NULL");
        return;
    case NODE_IN_SELECT: d->membership(x, e, out); return;
    case NODE_NAME: d->column(x, e->as.name.text, out); return;
    case NODE_SESSION: d->session(x, e, other, out); return;
    case NODE_CURRENT_USER: sb_puts(out, d->current_user); return;
    default: sql_put_literal(out, e, d->bool_words); return;
    }
}

void emit_row_expr(const RowExpr *x, const Node *e, StrBuf *out)
{
    expr(x, e, NULL, out);
}

/* ---- the catalog ---- */

static CatalogValue text(const char *s)
{
    return (CatalogValue){.kind = CATALOG_TEXT, .text = s};
}

static CatalogValue integer(long long n)
{
    return (CatalogValue){.kind = CATALOG_INT, .num = n};
}

static CatalogValue boolean(bool b)
{
    return (CatalogValue){.kind = CATALOG_BOOL, .num = b};
}

static const CatalogValue NULL_VALUE = {.kind = CATALOG_NULL};

/* row_new starts a row of REL about nothing in particular. */
static CatalogRow row_new(CatalogRel rel)
{
    return (CatalogRow){
        .rel = rel, .table = -1, .column = -1, .role = -1, .scenario = -1};
}

static void put(CatalogRow *row, CatalogValue v)
{
    row->v[row->n++] = v;
}

void emit_catalog_value(StrBuf *out, const CatalogValue *v,
                        const char *const bools[2])
{
    switch (v->kind) {
    case CATALOG_NULL: sb_puts(out, "NULL"); return;
    case CATALOG_TEXT: sql_put_str(out, v->text); return;
    case CATALOG_INT: sb_put_int(out, v->num); return;
    case CATALOG_BOOL: sb_puts(out, bools[v->num != 0]); return;
    }
}

void emit_column_cells(const Model *m, int table, int column, CellVisit *visit,
                       void *ctx)
{
    for (size_t r = 0; r < m->nroles; r++)
        for (int s = -1; s < (int)m->nscenarios; s++) {
            Outcome o = decide_role(m, (int)r, s, table, column, NULL);
            visit(ctx, (int)r, s, &o);
        }
}

static void roles(const Model *m, CatalogVisit *visit, void *ctx)
{
    for (size_t r = 0; r < m->nroles; r++) {
        CatalogRow row = row_new(CATALOG_ROLE);
        row.role = (int)r;
        put(&row, text(m->roles[r].name));
        put(&row, text(m->roles[r].label));
        visit(ctx, &row);
    }
    for (size_t r = 0; r < m->nroles; r++)
        for (size_t h = 0; h < m->nroles; h++) {
            if (!m->roles[r].closure[h])
                continue;
            CatalogRow row = row_new(CATALOG_ROLE_CLOSURE);
            row.role = (int)r;
            put(&row, text(m->roles[r].name));
            put(&row, text(m->roles[h].name));
            visit(ctx, &row);
        }
    for (size_t s = 0; s < m->nscenarios; s++) {
        CatalogRow row = row_new(CATALOG_SCENARIO);
        row.scenario = (int)s;
        put(&row, text(m->scenarios[s].name));
        put(&row, text(m->scenarios[s].label));
        visit(ctx, &row);
    }
}

static void tables(const Model *m, CatalogVisit *visit, void *ctx)
{
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        CatalogRow row = row_new(CATALOG_TABLE);
        row.table = (int)t;
        put(&row, text(tb->name));
        put(&row, text(tb->key >= 0 ? tb->columns[tb->key].name : NULL));
        put(&row, boolean(tb->has_rows));
        visit(ctx, &row);
    }
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        const Audit *au = model_audit(m, (int)t);
        for (size_t c = 0; c < tb->ncolumns; c++) {
            CatalogRow row = row_new(CATALOG_COLUMN);
            row.table = (int)t;
            row.column = (int)c;
            put(&row, text(tb->name));
            put(&row, text(tb->columns[c].name));
            put(&row, integer((long long)c));
            put(&row, text(coltype_name(tb->columns[c].type)));
            put(&row, boolean(au && au->read[c]));
            put(&row, boolean(au && au->write[c]));
            visit(ctx, &row);
        }
    }
}

/* A column's cells go to the walk's visitor as rows. */
typedef struct CellWalk {
    const Model *m;
    int table, column;
    CatalogVisit *visit;
    void *ctx;
} CellWalk;

static void cell_row(void *ctx, int role, int scenario, const Outcome *o)
{
    const CellWalk *w = ctx;
    const Model *m = w->m;
    const Table *tb = &m->tables[w->table];
    CatalogRow row = row_new(CATALOG_CELL);
    row.table = w->table;
    row.column = w->column;
    row.role = role;
    row.scenario = scenario;
    row.outcome = o;
    put(&row, text(tb->name));
    put(&row, text(tb->columns[w->column].name));
    put(&row, text(m->roles[role].name));
    put(&row, text(scenario < 0 ? "" : m->scenarios[scenario].name));
    /* The combination key, the one rule both runtimes order by. */
    CombineKey k = combine_key(m, o);
    put(&row, integer(k.rank));
    put(&row, integer(k.pos));
    w->visit(w->ctx, &row);
}

/* cells: every role alone, with no scenario and in each one; a session's
 * roles are combined by the runtime (decide_column's rule). */
static void cells(const Model *m, CatalogVisit *visit, void *ctx)
{
    for (size_t t = 0; t < m->ntables; t++)
        for (size_t c = 0; c < m->tables[t].ncolumns; c++) {
            CellWalk w = {m, (int)t, (int)c, visit, ctx};
            emit_column_cells(m, (int)t, (int)c, cell_row, &w);
        }
}

static void row_grants(const Model *m, CatalogVisit *visit, void *ctx)
{
    for (size_t i = 0; i < m->nrowrules; i++) {
        const RowRule *rr = &m->rowrules[i];
        for (size_t k = 0; k < rr->nroles; k++) {
            CatalogRow row = row_new(CATALOG_ROWRULE);
            row.table = rr->table;
            row.role = rr->roles[k];
            row.rowrule = rr;
            put(&row, text(m->tables[rr->table].name));
            put(&row, text(m->roles[rr->roles[k]].name));
            visit(ctx, &row);
        }
    }
    for (size_t i = 0; i < m->nwrites; i++) {
        const WriteRule *w = &m->writes[i];
        const Table *tb = &m->tables[w->table];
        for (size_t c = 0; c < w->ncolumns; c++)
            for (size_t k = 0; k < w->nroles; k++) {
                CatalogRow row = row_new(CATALOG_WRITE);
                row.table = w->table;
                row.column = w->columns[c];
                row.role = w->roles[k];
                put(&row, text(tb->name));
                put(&row, text(tb->columns[w->columns[c]].name));
                put(&row, text(m->roles[w->roles[k]].name));
                visit(ctx, &row);
            }
    }
}

static void approvals(const Model *m, CatalogVisit *visit, void *ctx)
{
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        CatalogRow row = row_new(CATALOG_APPROVAL);
        put(&row, text(ap->name));
        put(&row, text(ap->label));
        put(&row, integer(ap->count));
        put(&row, integer(ap->expires));
        visit(ctx, &row);
    }
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        for (size_t c = 0; c < ap->nclauses; c++) {
            CatalogRow row = row_new(CATALOG_CLAUSE);
            put(&row, text(ap->name));
            put(&row, integer((long long)c));
            put(&row, integer(ap->clauses[c].count));
            visit(ctx, &row);
        }
    }
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        for (size_t c = 0; c < ap->nclauses; c++)
            for (size_t k = 0; k < ap->clauses[c].nroles; k++) {
                CatalogRow row = row_new(CATALOG_APPROVER);
                row.role = ap->clauses[c].roles[k];
                put(&row, text(ap->name));
                put(&row, integer((long long)c));
                put(&row, text(m->roles[row.role].name));
                visit(ctx, &row);
            }
    }
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        for (size_t k = 0; k < ap->nguards; k++) {
            const Guard *g = &ap->guards[k];
            const Table *tb = &m->tables[g->table];
            CatalogRow row = row_new(CATALOG_GUARD);
            row.table = g->table;
            row.column = g->column;
            put(&row, text(ap->name));
            put(&row, text(guard_op_name(g->op)));
            put(&row, text(tb->name));
            put(&row, text(g->column >= 0 ? tb->columns[g->column].name : ""));
            put(&row, g->beyond >= 0 ? integer(g->beyond) : NULL_VALUE);
            visit(ctx, &row);
        }
    }
}

void emit_catalog_walk(const Model *m, CatalogVisit *visit, void *ctx)
{
    roles(m, visit, ctx);
    tables(m, visit, ctx);
    cells(m, visit, ctx);
    row_grants(m, visit, ctx);
    approvals(m, visit, ctx);
}
