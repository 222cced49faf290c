/*
 * model.h - the resolved policy: every name bound, every type checked.
 *
 * model_build walks the syntax tree once per kind of declaration, binds names
 * to indexes, and reports every semantic error (unknown and duplicate names,
 * inheritance cycles, mask arity and argument types, row expression types,
 * conflicting rules) without stopping at the first. The Model is what the
 * decision function (decide.h), explain, the matrix and the emitters read;
 * none of them look at the syntax tree for meaning again.
 *
 * For emitters: the v1.1 constructs, and how to read them.
 *
 *   Membership rows  `rows where OPERAND [not] in (select COL from T
 *                    [where E]) for R;` A RowRule's expr may hold
 *                    NODE_IN_SELECT nodes anywhere (under and, or, not).
 *                    RowRule.members lists them resolved, and
 *                    model_membership(m, node) finds the one for a node
 *                    met while walking the expr. OPERAND is an expression
 *                    over the rule's own table, like any operand; COL
 *                    (Membership.column) is a column of the other table
 *                    T (Membership.table, never the rule's own table); E
 *                    (Membership.where) is a row expression whose names
 *                    are columns of T, with session.ATTR and current_user
 *                    as usual; it holds no membership itself. T is read
 *                    as stored: its own rows rules, masks and the
 *                    session's view do not apply. A null never matches:
 *                    the test is true when some row of T that passes E
 *                    has COL = OPERAND; `not in` is true when OPERAND is
 *                    not null and no such row exists. In SQL:
 *                      OPERAND [NOT] IN (SELECT t.COL FROM T t
 *                                        WHERE t.COL IS NOT NULL AND (E))
 *                    with E's names qualified by T's alias.
 *   Approval clauses `by 1 of compliance and 1 of sales_manager;`
 *                    Approval.clauses (nclauses >= 1) each need `count`
 *                    distinct approvers holding one of their roles, and
 *                    one approver counts for one clause only (a
 *                    matching: decide_approval_met in decide.h is the
 *                    reference). Approval.count and Approval.roles keep
 *                    their v1 meaning only when nclauses == 1; with more
 *                    clauses they hold the sum of the counts and the union
 *                    of the roles, a necessary condition, not sufficient.
 *   Bulk reads       `export T beyond N rows;` is a Guard with op
 *                    GUARD_EXPORT and beyond = N (beyond is -1 for a plain
 *                    `export T;`). It guards T's export view as `export T`
 *                    does, and also every other statement of a session
 *                    that reads more than N rows of T through the
 *                    session's view of T: the statement fails with
 *                    [approval-required] at row N + 1 unless the session
 *                    holds an approved request, which it then uses up.
 *
 * model_uses_v11 says whether a policy uses any of them; a target that does
 * not implement them yet refuses the policy with model_refuse_v11, which
 * reports each use at its location.
 */
#ifndef WARD_MODEL_H
#define WARD_MODEL_H

#include "ast.h"
#include "diag.h"
#include "mask_spec.h"

/* The longest name a policy may declare, in bytes: PostgreSQL keeps only
 * the first 63 bytes of an identifier (NAMEDATALEN - 1), and the limit holds
 * on both targets so that a policy means the same everywhere. */
#define MODEL_NAME_MAX 63

typedef enum ColType {
    TYPE_INTEGER,
    TYPE_REAL,
    TYPE_TEXT,
    TYPE_DATE,
    TYPE_DATETIME,
    TYPE_BOOLEAN,
} ColType;

typedef struct Role {
    const char *name;  /* identifier */
    const char *label; /* human label or NULL */
    Span at;           /* the declaration */
    int *parents;      /* roles named by inherits */
    size_t nparents;
    bool *closure; /* closure[r]: this role holds role r (itself too) */
} Role;

typedef struct Scenario {
    const char *name;
    const char *label;
    Span at;
} Scenario;

/* A MaskFn is a checked call of a catalog function: a declared mask
 * (`mask phone_mid = keep(3, 4);`) or one written inline in a rule. */
typedef struct MaskFn {
    const char *name;     /* declared name; NULL when inline */
    const MaskSpec *spec; /* the catalog entry */
    const Node *call;     /* NODE_CALL with literal arguments */
    const char *text;     /* canonical call text, e.g. "keep(3, 4)" */
    Span at;
} MaskFn;

typedef struct Classification {
    const char *name; /* dotted identifier, e.g. pii.phone */
    const char *label;
    Span at;
    bool has_default;   /* without one, its columns are hidden */
    Effect effect;      /* the default */
    const MaskFn *mask; /* for EFFECT_MASK */
} Classification;

typedef struct Column {
    const char *name;
    ColType type;
    bool key;
    int classification; /* index, or -1 when unclassified */
    Span at;
    bool bad_type; /* the type word was unknown (reported); TYPE_TEXT
                      stands in, and checks that need the type skip it */
    int *rules;    /* ids of the access rules naming this column, in
                      source order: what the decision function reads */
    size_t nrules;
} Column;

/* An access rule: show/mask/hide COLUMNS [to ROLES] [in SCENARIO]. */
typedef struct Rule {
    int id; /* index in Model.rules, in source order */
    int table;
    Effect effect;
    const MaskFn *mask; /* for EFFECT_MASK */
    int *columns;
    size_t ncolumns;
    int *roles; /* empty: names no role */
    size_t nroles;
    int scenario; /* -1: names no scenario */
    Span at;
} Rule;

/* A Membership is one `OPERAND [not] in (select COLUMN from TABLE [where
 * WHERE])` of a rows rule, resolved (see the note at the top). */
typedef struct Membership {
    const Node *node;    /* the NODE_IN_SELECT inside RowRule.expr */
    const Node *operand; /* over the rule's table */
    int table;           /* the other table, read as stored */
    int column;          /* the column of TABLE compared with OPERAND */
    const Node *where;   /* over TABLE's columns, or NULL */
    bool negated;        /* not in */
    Span at;
} Membership;

typedef struct RowRule {
    int id;
    int table;
    const Node *expr; /* NULL for `rows all` */
    int *roles;
    size_t nroles;
    Span at;
    Membership *members; /* the membership tests in expr, in source order */
    size_t nmembers;
} RowRule;

typedef struct WriteRule {
    int id;
    int table;
    int *columns;
    size_t ncolumns;
    int *roles;
    size_t nroles;
    Span at;
} WriteRule;

typedef struct Table {
    const char *name;
    Span at;
    Column *columns;
    size_t ncolumns;
    int key;       /* key column index, or -1 */
    bool has_rows; /* any rows rule: deny by default */
    /* Its rules, as ids into Model.rules, rowrules and writes, in source
     * order, and its audit statement: every per-table question is answered
     * without scanning the whole policy. */
    int *rules;
    size_t nrules;
    int *rowrules;
    size_t nrowrules;
    int *writes;
    size_t nwrites;
    int audit;             /* index in Model.audits, or -1 */
    size_t columns_before; /* columns of the tables declared before it */
    int *guards; /* the approvals (indexes in Model.approvals, ascending)
                    that guard an operation on it */
    size_t nguards;
} Table;

typedef struct Guard {
    GuardOp op;
    int table;
    int column; /* for update and unmask; -1 otherwise */
    Span at;
    int64_t beyond; /* export T beyond N rows: N (1 or more); -1 for a plain
                       `export T` and for the other operations */
} Guard;

/* One clause of a `by` line: COUNT approvers holding any of ROLES. */
typedef struct ApprovalClause {
    int count;  /* 1 to 100 */
    int *roles; /* any of these */
    size_t nroles;
    Span at;
} ApprovalClause;

typedef struct Approval {
    const char *name;
    const char *label;
    Span at;
    Guard *guards;
    size_t nguards;
    /* v1 view of the `by` line: exact when nclauses == 1; with several
     * clauses the sum of their counts and the union of their roles, which
     * an approval must reach but which does not suffice (see the top). */
    int count;  /* approvals needed */
    int *roles; /* approving roles */
    size_t nroles;
    ApprovalClause *clauses; /* the `by` line's clauses, in source order */
    size_t nclauses;
    int64_t expires; /* seconds; 0 when never */
    Span by_at;      /* the `by` line */
    Span expires_at; /* the `expires` line; file NULL when absent */
} Approval;

typedef struct Audit {
    int table;
    bool *read;  /* read[c]: reads of column c are audited */
    bool *write; /* write[c]: writes of column c are audited */
    Span at;
} Audit;

/* NameIndex finds a declaration by name in constant time: an open
 * addressing hash of names to indexes into their array (Model.roles,
 * tables, ...). A linear search per reference made a policy of n
 * declarations cost n^2 name comparisons. Only looked up, never iterated:
 * the output never depends on the hash order. Arena-owned. */
typedef struct NameIndex {
    const char **names; /* slot -> name, NULL when free */
    int *ids;           /* slot -> index of the declaration */
    size_t cap;         /* slots: a power of two, or 0 */
    size_t n;           /* names held */
} NameIndex;

typedef struct Model {
    Arena *arena;
    const Source *src;
    const char *name; /* policy name */
    int64_t version;
    const char *label;
    Span at;
    Role *roles;
    size_t nroles;
    Scenario *scenarios;
    size_t nscenarios;
    MaskFn **masks; /* declared masks */
    size_t nmasks;
    Classification *classes;
    size_t nclasses;
    Table *tables;
    size_t ntables;
    Rule *rules;
    size_t nrules;
    RowRule *rowrules;
    size_t nrowrules;
    WriteRule *writes;
    size_t nwrites;
    Approval *approvals;
    size_t napprovals;
    Audit *audits; /* at most one per table, merged */
    size_t naudits;
    /* The declarations by name; a mutant (check/mutate.c) shares them:
     * it renames nothing and keeps every array in order. */
    NameIndex role_names, scenario_names, table_names, class_names,
        approval_names, mask_names;
    const char *corpus;      /* path relative to the policy file, or NULL */
    const char *corpus_path; /* resolved against the policy's directory */
    Span corpus_at;
} Model;

/* model_build resolves ROOT. Returns the model, or NULL when any error was
 * reported (all of them are). Arena-owned. */
Model *model_build(Arena *a, Diag *d, const Source *src, const Node *root);

/* Lookups by name; -1 when absent. */
int model_role(const Model *m, const char *name);
int model_scenario(const Model *m, const char *name);
int model_table(const Model *m, const char *name);
int model_column(const Model *m, int table, const char *name);
/* model_audit is the audit statement of TABLE, or NULL. */
const Audit *model_audit(const Model *m, int table);

/* model_rule, model_rowrule and model_write find the rule of an id, as
 * the indexes (Column.rules, Table.rules, rowrules, writes) name them; NULL
 * when M does not hold it. In a model as built a rule's id is its index;
 * a mutant (check/mutate.c) is a copy of the model whose arrays may leave
 * one rule out, and the indexes, shared with the original, still work
 * through these. Borrowed from M. */
const Rule *model_rule(const Model *m, int id);
const RowRule *model_rowrule(const Model *m, int id);
const WriteRule *model_write(const Model *m, int id);

/* model_membership is the resolved membership test of NODE, a
 * NODE_IN_SELECT of one of M's rows rules; NULL for any other node. */
const Membership *model_membership(const Model *m, const Node *node);

/* A construct a target may not implement yet (see the note at the top). */
typedef struct ModelFeature {
    const char *what; /* "a membership test (in (select ...))", ... */
    Span at;          /* where the policy uses it */
} ModelFeature;

/* model_uses_v11 reports whether M uses a construct added in v1.1
 * (membership rows rules, approvals with several `by` clauses, `export T
 * beyond N rows`). OUT, when given, receives the first use in the file. */
bool model_uses_v11(const Model *m, ModelFeature *out);

/* The v1.1 constructs, as a set a target names to model_refuse_v11. */
enum {
    V11_MEMBERSHIP = 1, /* rows ... in (select ...) */
    V11_CLAUSES = 2,    /* by N of A and M of B */
    V11_BEYOND = 4,     /* export T beyond N rows */
    V11_ALL = 7
};

/* model_refuse_v11 reports every use in M of a construct in LACKING (a set
 * of V11_*) as an error "WHAT is not supported by the TARGET target yet",
 * located at the use. Returns the number of errors reported (0: the target
 * may go ahead). */
int model_refuse_v11(const Model *m, Diag *d, const char *target,
                     unsigned lacking);

/* rule_names_role, rule_has_column: membership tests on a rule's lists;
 * ids_contain tests any list of role or column indexes. */
bool rule_names_role(const Rule *r, int role);
bool rule_has_column(const Rule *r, int column);
bool ids_contain(const int *roles, size_t n, int role);

const char *coltype_name(ColType t);

/* load_policy reads, parses and resolves PATH: the one way every command
 * gets a Model. Returns NULL after reporting errors. When OUT_ROOT and
 * OUT_PARSE are given they receive the syntax tree and comments. */
struct ParseResult;
Model *load_policy(Arena *a, Diag *d, const char *path,
                   struct ParseResult *out_parse);

#endif
