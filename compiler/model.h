/*
 * model.h - the resolved policy: every name bound, every type checked.
 *
 * model_build walks the syntax tree once per kind of declaration, binds names
 * to indexes, and reports every semantic error (unknown and duplicate names,
 * inheritance cycles, mask arity and argument types, row expression types,
 * conflicting rules) without stopping at the first. The Model is what the
 * decision function (decide.h), explain, the matrix and the emitters read;
 * none of them look at the syntax tree for meaning again.
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

typedef struct RowRule {
    int id;
    int table;
    const Node *expr; /* NULL for `rows all` */
    int *roles;
    size_t nroles;
    Span at;
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
} Table;

typedef struct Guard {
    GuardOp op;
    int table;
    int column; /* for update and unmask; -1 otherwise */
    Span at;
} Guard;

typedef struct Approval {
    const char *name;
    const char *label;
    Span at;
    Guard *guards;
    size_t nguards;
    int count;  /* approvals needed */
    int *roles; /* approving roles */
    size_t nroles;
    int64_t expires; /* seconds; 0 when never */
} Approval;

typedef struct Audit {
    int table;
    bool *read;  /* read[c]: reads of column c are audited */
    bool *write; /* write[c]: writes of column c are audited */
    Span at;
} Audit;

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
