/*
 * emit_common.h - what the two SQL emitters share: row expressions and the
 * catalog walk, each written once with hooks for what the dialects do
 * differently.
 *
 * A rows rule's expression is translated here, operator by operator; the
 * dialect says how a column, session.ATTR, current_user and a membership
 * test are written. The catalog (the policy's decisions as rows the
 * runtime reads: roles, scenarios, tables, columns with their audit,
 * cells, rows rules, write grants, approvals with their clauses, approvers
 * and guards) is walked here, in one order and with one representation per
 * value; the dialect says how a row is written, into which of its tables,
 * with which of the values and any of its own. Both emitters
 * (emit_sqlite.c, emit_postgres.c) call these and nothing else for either.
 */
#ifndef WARD_EMIT_COMMON_H
#define WARD_EMIT_COMMON_H

#include "decide.h"
#include "model.h"
#include "strbuf.h"

/* ---- row expressions ---- */

typedef struct RowExpr RowExpr;

/* How a dialect writes the parts of a row expression that differ. */
typedef struct RowDialect {
    /* column writes column NAME of the row's table. */
    void (*column)(const RowExpr *x, const char *name, StrBuf *out);
    /* session writes session.ATTR (NODE_SESSION); OTHER is the operand it
     * is compared with (the other side, the list of an `in`), or NULL. */
    void (*session)(const RowExpr *x, const Node *attr, const Node *other,
                    StrBuf *out);
    /* membership writes a NODE_IN_SELECT, parenthesised as a whole;
     * emit_row_operand writes its parts. */
    void (*membership)(const RowExpr *x, const Node *e, StrBuf *out);
    const char *current_user; /* SQL for current_user */
    bool bool_words;          /* true and false rather than 1 and 0 */
    bool membership_parens;   /* an operand that is a membership test is
                                 parenthesised once more */
} RowDialect;

/* A row expression is written over the row of one table. */
struct RowExpr {
    const RowDialect *dialect;
    const Model *m;    /* the policy; NULL where the dialect needs none */
    const Table *tb;   /* the row's table; NULL where only its name is known */
    const char *table; /* its name */
};

/* emit_row_expr writes E (a rows rule's expression, or a part of one) as
 * SQL over X's table. */
void emit_row_expr(const RowExpr *x, const Node *e, StrBuf *out);

/* emit_row_operand writes E as an operand: parenthesised unless an atom,
 * since SQL's precedence of NOT, IS and IN differs enough from the policy
 * language's not to rely on it. OTHER is what E is compared with, or NULL
 * (see RowDialect.session). */
void emit_row_operand(const RowExpr *x, const Node *e, const Node *other,
                      StrBuf *out);

/* ---- the catalog ---- */

/* The catalog's relations, in the order the walk visits them; after each,
 * the values of its rows, in order. */
typedef enum CatalogRel {
    CATALOG_ROLE,         /* name, label */
    CATALOG_ROLE_CLOSURE, /* role, holds: each role and every role it holds,
                             itself included */
    CATALOG_SCENARIO,     /* name, label */
    CATALOG_TABLE,        /* name, key (column name or NULL), has_rows */
    CATALOG_COLUMN,       /* tbl, name, pos, type, audit_read, audit_write:
                             every column of every protected table */
    CATALOG_CELL,         /* tbl, col, role, scenario ('' for none), rank,
                             pos; the effect is Row.outcome's */
    CATALOG_ROWRULE,      /* tbl, role: one per role a rows rule names; its
                             expression is Row.rowrule's */
    CATALOG_WRITE,        /* tbl, col, role */
    CATALOG_APPROVAL,     /* name, label, count, expires (seconds, 0 for
                             never) */
    CATALOG_CLAUSE,       /* approval, clause, count */
    CATALOG_APPROVER,     /* approval, clause, role */
    CATALOG_GUARD,        /* approval, op, tbl, col ('' for export and
                             delete), beyond (NULL but for `export T beyond
                             N rows`) */
    CATALOG_NREL
} CatalogRel;

typedef enum CatalogKind {
    CATALOG_NULL,
    CATALOG_TEXT, /* text; a NULL text is NULL */
    CATALOG_INT,
    CATALOG_BOOL, /* the dialect spells it */
} CatalogKind;

typedef struct CatalogValue {
    CatalogKind kind;
    const char *text; /* CATALOG_TEXT, borrowed from the model */
    long long num;    /* CATALOG_INT, CATALOG_BOOL */
} CatalogValue;

#define CATALOG_MAX_VALUES 6

/* One row of the catalog, as the walk hands it to the dialect. */
typedef struct CatalogRow {
    CatalogRel rel;
    CatalogValue v[CATALOG_MAX_VALUES];
    int n; /* values in v */
    /* What the row is about, for the values a dialect adds of its own;
     * -1 or NULL where the relation has none. */
    int table, column, role, scenario;
    const Outcome *outcome; /* CATALOG_CELL */
    const RowRule *rowrule; /* CATALOG_ROWRULE */
} CatalogRow;

/* CatalogVisit receives one row; ROW and what it points to are borrowed
 * for the call only. */
typedef void CatalogVisit(void *ctx, const CatalogRow *row);

/* emit_catalog_walk calls VISIT with every row of the catalog of M, the
 * relations in CatalogRel's order and each one's rows in the policy's
 * order. */
void emit_catalog_walk(const Model *m, CatalogVisit *visit, void *ctx);

/* emit_catalog_value writes V as an SQL literal; BOOLS[0] and BOOLS[1]
 * spell false and true. */
void emit_catalog_value(StrBuf *out, const CatalogValue *v,
                        const char *const bools[2]);

/* CellVisit receives the decision of ROLE alone in SCENARIO (-1: none). */
typedef void CellVisit(void *ctx, int role, int scenario, const Outcome *o);

/* emit_column_cells calls VISIT for every role alone in every scenario
 * (none first) on column COLUMN of TABLE, in the order of the catalog's
 * cells: what numbers a column's outcomes the same way in the catalog and
 * in what reads it. */
void emit_column_cells(const Model *m, int table, int column, CellVisit *visit,
                       void *ctx);

#endif
