/*
 * ast.c - constructors for the syntax tree (its S-expression dump is
 * ast_dump.c).
 *
 * The constructors do no checking beyond what the token itself says (a
 * number's value, a duration's unit); meaning is compiler/model.c's job.
 */
#include "ast.h"

#include "strbuf.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

Node *ast_new(Arena *a, NodeKind kind, Span at)
{
    Node *n = arena_alloc(a, sizeof *n);
    n->kind = kind;
    n->at = at;
    n->depth = 1;
    return n;
}

/* deeper is one more than the deeper of A and B (either may be NULL). */
static uint32_t deeper(const Node *a, const Node *b)
{
    uint32_t da = a ? a->depth : 0, db = b ? b->depth : 0;
    return (da > db ? da : db) + 1;
}

Node *ast_list_new(Arena *a, Span at)
{
    return ast_new(a, NODE_LIST, at);
}

/* ast_list_push appends ITEM (ignored when NULL) and widens the list's span.
 * The item array grows by doubling inside the arena. */
Node *ast_list_push(Arena *a, Node *list, Node *item)
{
    if (!item)
        return list;
    if (list->as.list.len == list->as.list.cap) {
        size_t cap = list->as.list.cap ? list->as.list.cap * 2 : 4;
        Node **items = arena_alloc(a, cap * sizeof *items);
        if (list->as.list.len)
            memcpy(items, list->as.list.items,
                   list->as.list.len * sizeof *items);
        list->as.list.items = items;
        list->as.list.cap = cap;
    }
    if (list->as.list.len == 0 && !list->at.file)
        list->at = item->at;
    else
        list->at = span_join(list->at, item->at);
    list->as.list.items[list->as.list.len++] = item;
    return list;
}

Node *ast_name_new(Arena *a, Span at, const char *text, size_t len)
{
    Node *n = ast_new(a, NODE_NAME, at);
    n->as.name.text = arena_strndup(a, text, len);
    return n;
}

/* ast_int_parse converts TEXT, an optional '-' and decimal digits, to OUT.
 * Returns false when the value does not fit in 64 bits; OUT then holds the
 * nearest end of the range, which never reaches SQL: the scanner reports
 * such a literal (lexer_number), and no output follows an error. */
bool ast_int_parse(const char *text, int64_t *out)
{
    errno = 0;
    long long v = strtoll(text, NULL, 10);
    *out = v;
    return errno != ERANGE;
}

/* ast_real_parse converts TEXT, an optional '-' and digits '.' digits, to
 * OUT. Returns false when the value overflows to infinity, or when a nonzero
 * literal comes out as 0 or loses precision below the normal doubles
 * (underflow): either would change the meaning of the policy silently. */
bool ast_real_parse(const char *text, double *out)
{
    errno = 0;
    double v = strtod(text, NULL);
    *out = v;
    if (errno == ERANGE || isinf(v))
        return false;
    if (v == 0)
        for (const char *p = text; *p; p++)
            if (*p >= '1' && *p <= '9')
                return false;
    return true;
}

Node *ast_int_new(Arena *a, Span at, const char *text, size_t len)
{
    Node *n = ast_new(a, NODE_INT, at);
    n->as.int_lit.text = arena_strndup(a, text, len);
    ast_int_parse(n->as.int_lit.text, &n->as.int_lit.value);
    return n;
}

Node *ast_real_new(Arena *a, Span at, const char *text, size_t len)
{
    Node *n = ast_new(a, NODE_REAL, at);
    n->as.real_lit.text = arena_strndup(a, text, len);
    ast_real_parse(n->as.real_lit.text, &n->as.real_lit.value);
    return n;
}

/* ast_negate turns the literal LIT into its negative, written "-LIT". An
 * integer is converted again from its new text, so that -9223372036854775808
 * (whose digits alone do not fit) is exact. */
Node *ast_negate(Arena *a, Span at, Node *lit)
{
    lit->at = at;
    if (lit->kind == NODE_INT) {
        lit->as.int_lit.text = arena_printf(a, "-%s", lit->as.int_lit.text);
        ast_int_parse(lit->as.int_lit.text, &lit->as.int_lit.value);
    } else {
        lit->as.real_lit.value = -lit->as.real_lit.value;
        lit->as.real_lit.text = arena_printf(a, "-%s", lit->as.real_lit.text);
    }
    return lit;
}

Node *ast_duration_new(Arena *a, Span at, const char *text, size_t len)
{
    Node *n = ast_new(a, NODE_DURATION, at);
    n->as.duration.text = arena_strndup(a, text, len);
    errno = 0;
    long long v = strtoll(n->as.duration.text, NULL, 10);
    long long unit = 1;
    switch (text[len - 1]) {
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: break;
    }
    /* Overflow becomes -1; the model reports it. */
    if (errno == ERANGE || v > INT64_MAX / unit)
        n->as.duration.seconds = -1;
    else
        n->as.duration.seconds = v * unit;
    return n;
}

/* policy_decl = "policy" name "version" INT [STRING] ";" */
Node *ast_policy_new(Arena *a, Span at, Node *name, Node *version, Node *label)
{
    Node *n = ast_new(a, NODE_POLICY, at);
    n->as.policy.name = name;
    n->as.policy.version = version;
    n->as.policy.label = label;
    return n;
}

/* role_decl = "role" name [STRING] ["inherits" names] ";" */
Node *ast_role_new(Arena *a, Span at, Node *name, Node *label, Node *inherits)
{
    Node *n = ast_new(a, NODE_ROLE, at);
    n->as.role.name = name;
    n->as.role.label = label;
    n->as.role.inherits = inherits;
    return n;
}

/* scenario_decl = "scenario" name [STRING] ";" */
Node *ast_scenario_new(Arena *a, Span at, Node *name, Node *label)
{
    Node *n = ast_new(a, NODE_SCENARIO, at);
    n->as.scenario.name = name;
    n->as.scenario.label = label;
    return n;
}

/* mask_decl = "mask" name "=" call ";" */
Node *ast_mask_def_new(Arena *a, Span at, Node *name, Node *call)
{
    Node *n = ast_new(a, NODE_MASK_DEF, at);
    n->as.mask_def.name = name;
    n->as.mask_def.call = call;
    return n;
}

/* call = name "(" [arg {"," arg}] ")" */
Node *ast_call_new(Arena *a, Span at, Node *name, Node *args)
{
    Node *n = ast_new(a, NODE_CALL, at);
    n->as.call.name = name;
    n->as.call.args = args ? args : ast_list_new(a, at);
    return n;
}

/* effect = "show" | "hide" | "mask" mask_ref; a carrier for the default. */
Node *ast_effect_new(Arena *a, Span at, Effect effect, Node *mask)
{
    Node *n = ast_new(a, NODE_ACCESS, at);
    n->as.access.effect = effect;
    n->as.access.mask = mask;
    return n;
}

/* class_decl = "classification" name [STRING] ["default" effect] ";" */
Node *ast_classification_new(Arena *a, Span at, Node *name, Node *label,
                             Node *def)
{
    Node *n = ast_new(a, NODE_CLASSIFICATION, at);
    n->as.classification.name = name;
    n->as.classification.label = label;
    if (def) {
        n->as.classification.has_default = true;
        n->as.classification.effect = def->as.access.effect;
        n->as.classification.mask = def->as.access.mask;
    }
    return n;
}

/* table_decl = "table" name "{" member* "}" */
Node *ast_table_new(Arena *a, Span at, Node *name, Node *members)
{
    Node *n = ast_new(a, NODE_TABLE, at);
    n->as.table.name = name;
    n->as.table.members = members;
    return n;
}

/* column = name type {"key" | classification} ";"
 * ATTRS holds NODE_BOOL for "key" and NODE_NAME for classifications. */
Node *ast_column_new(Arena *a, Span at, Node *name, Node *type, Node *attrs)
{
    Node *n = ast_new(a, NODE_COLUMN, at);
    n->as.column.name = name;
    n->as.column.type = type;
    n->as.column.classes = ast_list_new(a, at);
    for (size_t i = 0; attrs && i < attrs->as.list.len; i++) {
        Node *x = attrs->as.list.items[i];
        if (x->kind == NODE_BOOL && n->as.column.key)
            n->as.column.key_again = x->at;
        else if (x->kind == NODE_BOOL)
            n->as.column.key = true;
        else
            ast_list_push(a, n->as.column.classes, x);
    }
    return n;
}

/* access = ("show" | "hide") names [to] [in] ";"
 *        | "mask" names "with" mask_ref [to] [in] ";" */
Node *ast_access_new(Arena *a, Span at, Effect effect, Node *columns,
                     Node *mask, Node *roles, Node *scenario)
{
    Node *n = ast_new(a, NODE_ACCESS, at);
    n->as.access.effect = effect;
    n->as.access.columns = columns;
    n->as.access.mask = mask;
    n->as.access.roles = roles;
    n->as.access.scenario = scenario;
    return n;
}

/* rows = "rows" ("where" expr | "all") "for" names ";" */
Node *ast_rows_new(Arena *a, Span at, Node *expr, Node *roles)
{
    Node *n = ast_new(a, NODE_ROWS, at);
    n->as.rows.expr = expr;
    n->as.rows.roles = roles;
    return n;
}

/* write = "write" names "to" names ";" */
Node *ast_write_new(Arena *a, Span at, Node *columns, Node *roles)
{
    Node *n = ast_new(a, NODE_WRITE, at);
    n->as.write.columns = columns;
    n->as.write.roles = roles;
    return n;
}

/* approval_decl = "approval" name [STRING] "{" approval_item* "}" */
Node *ast_approval_new(Arena *a, Span at, Node *name, Node *label, Node *items)
{
    Node *n = ast_new(a, NODE_APPROVAL, at);
    n->as.approval.name = name;
    n->as.approval.label = label;
    n->as.approval.items = items;
    return n;
}

/* guard = "export" names ["beyond" INT "rows"] ";"
 *       | ("delete" | "update" | "unmask") names ";" */
Node *ast_guard_new(Arena *a, Span at, GuardOp op, Node *targets, Node *beyond)
{
    Node *n = ast_new(a, NODE_GUARD, at);
    n->as.guard.op = op;
    n->as.guard.targets = targets;
    n->as.guard.beyond = beyond;
    return n;
}

/* by = "by" by_clause {"and" by_clause} ";" */
Node *ast_by_new(Arena *a, Span at, Node *clauses)
{
    Node *n = ast_new(a, NODE_BY, at);
    n->as.by.clauses = clauses;
    return n;
}

/* by_clause = INT "of" names */
Node *ast_by_clause_new(Arena *a, Span at, Node *count, Node *roles)
{
    Node *n = ast_new(a, NODE_BY_CLAUSE, at);
    n->as.by_clause.count = count;
    n->as.by_clause.roles = roles;
    return n;
}

/* expires = "expires" DURATION ";" */
Node *ast_expires_new(Arena *a, Span at, Node *duration)
{
    Node *n = ast_new(a, NODE_EXPIRES, at);
    n->as.expires.duration = duration;
    return n;
}

/* audit_decl = "audit" name audit_part+ ";" */
Node *ast_audit_new(Arena *a, Span at, Node *table, Node *parts)
{
    Node *n = ast_new(a, NODE_AUDIT, at);
    n->as.audit.table = table;
    n->as.audit.parts = parts;
    return n;
}

/* audit_part = ("read" | "write") (names | "all") */
Node *ast_audit_part_new(Arena *a, Span at, bool write, Node *columns)
{
    Node *n = ast_new(a, NODE_AUDIT_PART, at);
    n->as.audit_part.write = write;
    n->as.audit_part.columns = columns;
    return n;
}

/* corpus_decl = "corpus" STRING ";" */
Node *ast_corpus_new(Arena *a, Span at, Node *path)
{
    Node *n = ast_new(a, NODE_CORPUS, at);
    n->as.corpus.path = path;
    return n;
}

Node *ast_binary_new(Arena *a, Span at, BinOp op, Node *l, Node *r)
{
    Node *n = ast_new(a, NODE_BINARY, at);
    n->as.binary.op = op;
    n->as.binary.left = l;
    n->as.binary.right = r;
    n->depth = deeper(l, r);
    return n;
}

Node *ast_not_new(Arena *a, Span at, Node *operand)
{
    Node *n = ast_new(a, NODE_NOT, at);
    n->as.not_.operand = operand;
    n->depth = deeper(operand, NULL);
    return n;
}

Node *ast_in_new(Arena *a, Span at, Node *operand, Node *values, bool negated)
{
    Node *n = ast_new(a, NODE_IN, at);
    n->as.in.operand = operand;
    n->as.in.values = values;
    n->as.in.negated = negated;
    n->depth = deeper(operand, NULL);
    return n;
}

Node *ast_is_null_new(Arena *a, Span at, Node *operand, bool negated)
{
    Node *n = ast_new(a, NODE_IS_NULL, at);
    n->as.is_null.operand = operand;
    n->as.is_null.negated = negated;
    n->depth = deeper(operand, NULL);
    return n;
}

/* subquery = "select" name "from" name ["where" expr] */
Node *ast_subquery_new(Arena *a, Span at, Node *column, Node *table,
                       Node *where)
{
    Node *n = ast_new(a, NODE_IN_SELECT, at);
    n->as.in_select.column = column;
    n->as.in_select.table = table;
    n->as.in_select.where = where;
    n->depth = deeper(where, NULL);
    return n;
}

/* expr ["not"] "in" "(" subquery ")": SUBQUERY gains its operand and spans
 * the whole test. */
Node *ast_in_select_new(Arena *a, Span at, Node *operand, Node *subquery,
                        bool negated)
{
    (void)a;
    subquery->at = at;
    subquery->as.in_select.operand = operand;
    subquery->as.in_select.negated = negated;
    subquery->depth = deeper(operand, subquery->as.in_select.where);
    return subquery;
}

const char *effect_name(Effect e)
{
    switch (e) {
    case EFFECT_SHOW: return "show";
    case EFFECT_MASK: return "mask";
    case EFFECT_HIDE: return "hide";
    }
    return "?";
}

const char *guard_op_name(GuardOp op)
{
    switch (op) {
    case GUARD_EXPORT: return "export";
    case GUARD_DELETE: return "delete";
    case GUARD_UPDATE: return "update";
    case GUARD_UNMASK: return "unmask";
    }
    return "?";
}

const char *binop_text(BinOp op)
{
    switch (op) {
    case OP_EQ: return "=";
    case OP_NE: return "!=";
    case OP_LT: return "<";
    case OP_LE: return "<=";
    case OP_GT: return ">";
    case OP_GE: return ">=";
    case OP_AND: return "and";
    case OP_OR: return "or";
    }
    return "?";
}
