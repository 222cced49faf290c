/*
 * ast.h - the syntax tree of a ward policy.
 *
 * The parser builds these nodes and nothing else: every rule about meaning
 * (names, types, conflicts) is checked later by compiler/model.c. All nodes
 * live in the compilation's Arena. Every node carries the Span it was parsed
 * from so that diagnostics can point at it.
 */
#ifndef WARD_AST_H
#define WARD_AST_H

#include "arena.h"
#include "diag.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum NodeKind {
    NODE_FILE,           /* the whole file: list of items */
    NODE_LIST,           /* a comma list or a block body */
    NODE_POLICY,         /* policy NAME version N ["label"] ; */
    NODE_ROLE,           /* role NAME ["label"] [inherits NAMES] ; */
    NODE_SCENARIO,       /* scenario NAME ["label"] ; */
    NODE_MASK_DEF,       /* mask NAME = CALL ; */
    NODE_CLASSIFICATION, /* classification NAME ["label"] [default E] ; */
    NODE_TABLE,          /* table NAME { member* } */
    NODE_COLUMN,         /* NAME TYPE [key] [CLASSIFICATION] ; */
    NODE_ACCESS,         /* show|hide|mask COLS [with M] [to R] [in S] ; */
    NODE_ROWS,           /* rows where EXPR | rows all  for ROLES ; */
    NODE_WRITE,          /* write COLS to ROLES ; */
    NODE_APPROVAL,       /* approval NAME ["label"] { item* } */
    NODE_GUARD,          /* export T [beyond N rows] | delete T | update T.C
                            | unmask T.C ; */
    NODE_BY,             /* by CLAUSE {and CLAUSE} ; */
    NODE_BY_CLAUSE,      /* N of ROLES, one clause of a by line */
    NODE_EXPIRES,        /* expires DURATION ; */
    NODE_AUDIT,          /* audit T [read COLS|all] [write COLS|all] ; */
    NODE_AUDIT_PART,     /* read COLS|all  or  write COLS|all */
    NODE_CORPUS,         /* corpus "FILE" ; */
    NODE_CALL,           /* NAME ( args ) */
    NODE_NAME,           /* an identifier (may contain dots) */
    NODE_INT,            /* integer literal */
    NODE_REAL,           /* real literal */
    NODE_STRING,         /* string literal, escapes resolved */
    NODE_BOOL,           /* true / false */
    NODE_NULL,           /* null */
    NODE_DURATION,       /* 24h: a number and a unit */
    NODE_SESSION,        /* session.ATTR in a row expression */
    NODE_CURRENT_USER,   /* current_user */
    NODE_BINARY,         /* comparison, and, or */
    NODE_NOT,            /* not EXPR */
    NODE_IN,             /* EXPR [not] in (values) */
    NODE_IN_SELECT,      /* EXPR [not] in (select COL from T [where E]) */
    NODE_IS_NULL,        /* EXPR is [not] null */
} NodeKind;

typedef enum Effect {
    EFFECT_SHOW, /* the clear value */
    EFFECT_MASK, /* the value through a masking function */
    EFFECT_HIDE, /* NULL */
} Effect;

typedef enum GuardOp {
    GUARD_EXPORT, /* export TABLE */
    GUARD_DELETE, /* delete TABLE */
    GUARD_UPDATE, /* update TABLE.COLUMN */
    GUARD_UNMASK, /* unmask TABLE.COLUMN */
} GuardOp;

typedef enum BinOp {
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE, /* comparisons */
    OP_AND,
    OP_OR, /* logic */
} BinOp;

typedef struct Node Node;

/* Limits of the front end (docs/security.md, "Limits"). Every walk of a
 * row expression recurses on its operands, so the parser refuses an
 * expression nested deeper than AST_MAX_DEPTH operators (a chain of `or`
 * terms nests one level a term) before any walk sees it. */
#define AST_MAX_DEPTH     1000
#define AST_MAX_LITERAL   65536 /* bytes of one string literal */
#define AST_MAX_ROLES     10000
#define AST_MAX_SCENARIOS 10000
#define AST_MAX_TABLES    100000
#define AST_MAX_COLUMNS   10000 /* columns of one table */

struct Node {
    NodeKind kind;
    Span at;
    uint32_t depth; /* operators nested in an expression: 1 for a leaf */
    union {
        struct {
            Node *items;
        } file; /* items: list */
        struct {
            Node **items;
            size_t len, cap;
        } list;
        struct {
            Node *name, *version, *label;
        } policy;
        struct {
            Node *name, *label, *inherits;
        } role; /* inherits: list */
        struct {
            Node *name, *label;
        } scenario;
        struct {
            Node *name, *call;
        } mask_def;
        struct {
            Node *name, *label;
            bool has_default; /* a default clause was written */
            Effect effect;    /* the default */
            Node *mask;       /* NAME or CALL when effect is mask */
        } classification;
        struct {
            Node *name, *members;
        } table; /* members: list */
        struct {
            Node *name, *type;
            bool key;       /* the primary key */
            Span key_again; /* a second "key" word, for the model to report */
            Node *classes;  /* list of classification names */
        } column;
        struct {
            Effect effect;
            Node *columns;  /* list of names */
            Node *mask;     /* NAME or CALL for mask, else NULL */
            Node *roles;    /* list of names, NULL when absent */
            Node *scenario; /* name, NULL when absent */
        } access;
        struct {
            Node *expr;
            Node *roles;
        } rows; /* expr NULL: rows all */
        struct {
            Node *columns, *roles;
        } write;
        struct {
            Node *name, *label, *items;
        } approval;
        struct {
            GuardOp op;
            Node *targets; /* list of names */
            Node *beyond;  /* NODE_INT of `beyond N rows` (export), or NULL */
        } guard;
        struct {
            Node *clauses; /* list of NODE_BY_CLAUSE, one or more */
        } by;
        struct {
            Node *count, *roles; /* NODE_INT; list of names */
        } by_clause;
        struct {
            Node *duration;
        } expires;
        struct {
            Node *table, *parts;
        } audit; /* parts: list */
        struct {
            bool write;    /* a write part, else a read part */
            Node *columns; /* list of names; NULL for all */
        } audit_part;
        struct {
            Node *path;
        } corpus;
        struct {
            Node *name, *args;
        } call; /* args: list */
        struct {
            const char *text;
        } name;
        struct {
            int64_t value;
            const char *text;
        } int_lit;
        struct {
            double value;
            const char *text;
        } real_lit;
        struct {
            const char *value;
            size_t len;
        } string;
        struct {
            bool value;
        } boolean;
        struct {
            int64_t seconds;
            const char *text;
        } duration;
        struct {
            const char *attr;
        } session;
        struct {
            BinOp op;
            Node *left, *right;
        } binary;
        struct {
            Node *operand;
        } not_;
        struct {
            Node *operand, *values;
            bool negated;
        } in;
        struct {
            Node *operand;
            bool negated;
        } is_null;
        struct {
            Node *operand; /* the expression tested, over the rule's table */
            Node *column;  /* NODE_NAME: the column of TABLE selected */
            Node *table;   /* NODE_NAME: another table of the policy */
            Node *where;   /* over TABLE's columns, or NULL */
            bool negated;  /* not in */
        } in_select;
    } as;
};

/* LIST_LEN and LIST_AT read a NODE_LIST that may be NULL (absent). */
#define LIST_LEN(n)   ((n) ? (n)->as.list.len : 0)
#define LIST_AT(n, i) ((n)->as.list.items[(i)])

/* Constructors: one per grammar action. Every result is arena-owned. */
Node *ast_new(Arena *a, NodeKind kind, Span at);
Node *ast_list_new(Arena *a, Span at);
Node *ast_list_push(Arena *a, Node *list, Node *item);
Node *ast_name_new(Arena *a, Span at, const char *text, size_t len);
/* Number conversion, shared by the constructors and the scanner's range
 * check: false when TEXT does not fit (see ast.c). */
bool ast_int_parse(const char *text, int64_t *out);
bool ast_real_parse(const char *text, double *out);
Node *ast_int_new(Arena *a, Span at, const char *text, size_t len);
Node *ast_real_new(Arena *a, Span at, const char *text, size_t len);
Node *ast_negate(Arena *a, Span at, Node *lit);
Node *ast_duration_new(Arena *a, Span at, const char *text, size_t len);
Node *ast_policy_new(Arena *a, Span at, Node *name, Node *version, Node *label);
Node *ast_role_new(Arena *a, Span at, Node *name, Node *label, Node *inherits);
Node *ast_scenario_new(Arena *a, Span at, Node *name, Node *label);
Node *ast_mask_def_new(Arena *a, Span at, Node *name, Node *call);
Node *ast_call_new(Arena *a, Span at, Node *name, Node *args);
Node *ast_classification_new(Arena *a, Span at, Node *name, Node *label,
                             Node *def);
Node *ast_table_new(Arena *a, Span at, Node *name, Node *members);
Node *ast_column_new(Arena *a, Span at, Node *name, Node *type, Node *attrs);
Node *ast_access_new(Arena *a, Span at, Effect effect, Node *columns,
                     Node *mask, Node *roles, Node *scenario);
Node *ast_rows_new(Arena *a, Span at, Node *expr, Node *roles);
Node *ast_write_new(Arena *a, Span at, Node *columns, Node *roles);
Node *ast_approval_new(Arena *a, Span at, Node *name, Node *label, Node *items);
Node *ast_guard_new(Arena *a, Span at, GuardOp op, Node *targets, Node *beyond);
Node *ast_by_new(Arena *a, Span at, Node *clauses);
Node *ast_by_clause_new(Arena *a, Span at, Node *count, Node *roles);
Node *ast_expires_new(Arena *a, Span at, Node *duration);
Node *ast_audit_new(Arena *a, Span at, Node *table, Node *parts);
Node *ast_audit_part_new(Arena *a, Span at, bool write, Node *columns);
Node *ast_corpus_new(Arena *a, Span at, Node *path);
Node *ast_binary_new(Arena *a, Span at, BinOp op, Node *l, Node *r);
Node *ast_not_new(Arena *a, Span at, Node *operand);
Node *ast_in_new(Arena *a, Span at, Node *operand, Node *values, bool negated);
Node *ast_is_null_new(Arena *a, Span at, Node *operand, bool negated);
/* ast_subquery_new builds `select COLUMN from TABLE [where WHERE]` as a
 * NODE_IN_SELECT whose operand ast_in_select_new fills in later. */
Node *ast_subquery_new(Arena *a, Span at, Node *column, Node *table,
                       Node *where);
Node *ast_in_select_new(Arena *a, Span at, Node *operand, Node *subquery,
                        bool negated);
Node *ast_effect_new(Arena *a, Span at, Effect effect, Node *mask);

/* ast_dump prints NODE as a stable S-expression, without locations. */
struct StrBuf;
void ast_dump(const Node *node, struct StrBuf *out);

/* Names for messages and dumps. Static strings. */
const char *effect_name(Effect e);
const char *guard_op_name(GuardOp op);
const char *binop_text(BinOp op);

#endif
