/*
 * ast_dump.c - print a syntax tree as a stable S-expression.
 *
 * Serves `ward parse --dump` and the golden tests of the parser; the output
 * has no locations, so it also proves that `ward fmt` keeps a policy's
 * meaning (the dump before and after formatting is the same).
 */
#include "ast.h"

#include "strbuf.h"

static void dump(const Node *n, StrBuf *out);

static void dump_list(const Node *list, StrBuf *out)
{
    for (size_t i = 0; list && i < list->as.list.len; i++) {
        sb_putc(out, ' ');
        dump(list->as.list.items[i], out);
    }
}

/* opt prints " X" when X is present. */
static void opt(const Node *n, StrBuf *out)
{
    if (n) {
        sb_putc(out, ' ');
        dump(n, out);
    }
}

static void tagged_list(const char *tag, const Node *list, StrBuf *out)
{
    if (!list)
        return;
    sb_printf(out, " (%s", tag);
    dump_list(list, out);
    sb_putc(out, ')');
}

static void dump(const Node *n, StrBuf *out)
{
    switch (n->kind) {
    case NODE_FILE:
        sb_puts(out, "(file");
        for (size_t i = 0; i < n->as.file.items->as.list.len; i++) {
            sb_puts(out, "\n  ");
            dump(n->as.file.items->as.list.items[i], out);
        }
        sb_puts(out, ")\n");
        return;
    case NODE_LIST:
        sb_puts(out, "(list");
        dump_list(n, out);
        sb_putc(out, ')');
        return;
    case NODE_POLICY:
        sb_puts(out, "(policy");
        opt(n->as.policy.name, out);
        opt(n->as.policy.version, out);
        opt(n->as.policy.label, out);
        sb_putc(out, ')');
        return;
    case NODE_ROLE:
        sb_puts(out, "(role");
        opt(n->as.role.name, out);
        opt(n->as.role.label, out);
        tagged_list("inherits", n->as.role.inherits, out);
        sb_putc(out, ')');
        return;
    case NODE_SCENARIO:
        sb_puts(out, "(scenario");
        opt(n->as.scenario.name, out);
        opt(n->as.scenario.label, out);
        sb_putc(out, ')');
        return;
    case NODE_MASK_DEF:
        sb_puts(out, "(mask");
        opt(n->as.mask_def.name, out);
        opt(n->as.mask_def.call, out);
        sb_putc(out, ')');
        return;
    case NODE_CLASSIFICATION:
        sb_puts(out, "(classification");
        opt(n->as.classification.name, out);
        opt(n->as.classification.label, out);
        if (n->as.classification.has_default) {
            sb_printf(out, " (default %s",
                      effect_name(n->as.classification.effect));
            opt(n->as.classification.mask, out);
            sb_putc(out, ')');
        }
        sb_putc(out, ')');
        return;
    case NODE_TABLE:
        sb_puts(out, "(table");
        opt(n->as.table.name, out);
        for (size_t i = 0; i < n->as.table.members->as.list.len; i++) {
            sb_puts(out, "\n    ");
            dump(n->as.table.members->as.list.items[i], out);
        }
        sb_putc(out, ')');
        return;
    case NODE_COLUMN:
        sb_puts(out, "(column");
        opt(n->as.column.name, out);
        opt(n->as.column.type, out);
        if (n->as.column.key)
            sb_puts(out, " key");
        dump_list(n->as.column.classes, out);
        sb_putc(out, ')');
        return;
    case NODE_ACCESS:
        sb_printf(out, "(%s", effect_name(n->as.access.effect));
        tagged_list("columns", n->as.access.columns, out);
        if (n->as.access.mask) {
            sb_puts(out, " (with ");
            dump(n->as.access.mask, out);
            sb_putc(out, ')');
        }
        tagged_list("to", n->as.access.roles, out);
        if (n->as.access.scenario) {
            sb_puts(out, " (in ");
            dump(n->as.access.scenario, out);
            sb_putc(out, ')');
        }
        sb_putc(out, ')');
        return;
    case NODE_ROWS:
        sb_puts(out, "(rows ");
        if (n->as.rows.expr)
            dump(n->as.rows.expr, out);
        else
            sb_puts(out, "all");
        tagged_list("for", n->as.rows.roles, out);
        sb_putc(out, ')');
        return;
    case NODE_WRITE:
        sb_puts(out, "(write");
        tagged_list("columns", n->as.write.columns, out);
        tagged_list("to", n->as.write.roles, out);
        sb_putc(out, ')');
        return;
    case NODE_APPROVAL:
        sb_puts(out, "(approval");
        opt(n->as.approval.name, out);
        opt(n->as.approval.label, out);
        for (size_t i = 0; i < n->as.approval.items->as.list.len; i++) {
            sb_puts(out, "\n    ");
            dump(n->as.approval.items->as.list.items[i], out);
        }
        sb_putc(out, ')');
        return;
    case NODE_GUARD:
        sb_printf(out, "(%s", guard_op_name(n->as.guard.op));
        dump_list(n->as.guard.targets, out);
        if (n->as.guard.beyond)
            sb_printf(out, " (beyond %s rows)",
                      n->as.guard.beyond->as.int_lit.text);
        sb_putc(out, ')');
        return;
    case NODE_BY:
        /* (by 1 (of a b)); clauses after the first follow "and". */
        sb_puts(out, "(by");
        for (size_t i = 0; i < LIST_LEN(n->as.by.clauses); i++) {
            if (i)
                sb_puts(out, " and");
            sb_putc(out, ' ');
            dump(LIST_AT(n->as.by.clauses, i), out);
        }
        sb_putc(out, ')');
        return;
    case NODE_BY_CLAUSE:
        dump(n->as.by_clause.count, out);
        tagged_list("of", n->as.by_clause.roles, out);
        return;
    case NODE_EXPIRES:
        sb_puts(out, "(expires");
        opt(n->as.expires.duration, out);
        sb_putc(out, ')');
        return;
    case NODE_AUDIT:
        sb_puts(out, "(audit");
        opt(n->as.audit.table, out);
        dump_list(n->as.audit.parts, out);
        sb_putc(out, ')');
        return;
    case NODE_AUDIT_PART:
        sb_printf(out, "(%s", n->as.audit_part.write ? "write" : "read");
        if (n->as.audit_part.columns)
            dump_list(n->as.audit_part.columns, out);
        else
            sb_puts(out, " all");
        sb_putc(out, ')');
        return;
    case NODE_CORPUS:
        sb_puts(out, "(corpus");
        opt(n->as.corpus.path, out);
        sb_putc(out, ')');
        return;
    case NODE_CALL:
        sb_puts(out, "(call");
        opt(n->as.call.name, out);
        dump_list(n->as.call.args, out);
        sb_putc(out, ')');
        return;
    case NODE_NAME: sb_puts(out, n->as.name.text); return;
    case NODE_INT: sb_puts(out, n->as.int_lit.text); return;
    case NODE_REAL: sb_puts(out, n->as.real_lit.text); return;
    case NODE_STRING:
        sb_put_quoted(out, n->as.string.value, n->as.string.len);
        return;
    case NODE_BOOL:
        sb_puts(out, n->as.boolean.value ? "true" : "false");
        return;
    case NODE_NULL: sb_puts(out, "null"); return;
    case NODE_DURATION:
        sb_printf(out, "(duration %s)", n->as.duration.text);
        return;
    case NODE_SESSION:
        sb_printf(out, "(session %s)", n->as.session.attr);
        return;
    case NODE_CURRENT_USER: sb_puts(out, "current_user"); return;
    case NODE_BINARY:
        sb_printf(out, "(%s ", binop_text(n->as.binary.op));
        dump(n->as.binary.left, out);
        sb_putc(out, ' ');
        dump(n->as.binary.right, out);
        sb_putc(out, ')');
        return;
    case NODE_NOT:
        sb_puts(out, "(not ");
        dump(n->as.not_.operand, out);
        sb_putc(out, ')');
        return;
    case NODE_IN:
        sb_puts(out, n->as.in.negated ? "(not-in " : "(in ");
        dump(n->as.in.operand, out);
        dump_list(n->as.in.values, out);
        sb_putc(out, ')');
        return;
    case NODE_IN_SELECT:
        sb_puts(out, n->as.in_select.negated ? "(not-in " : "(in ");
        dump(n->as.in_select.operand, out);
        sb_puts(out, " (select ");
        dump(n->as.in_select.column, out);
        sb_puts(out, " (from ");
        dump(n->as.in_select.table, out);
        sb_putc(out, ')');
        if (n->as.in_select.where) {
            sb_puts(out, " (where ");
            dump(n->as.in_select.where, out);
            sb_putc(out, ')');
        }
        sb_puts(out, "))");
        return;
    case NODE_IS_NULL:
        sb_puts(out, n->as.is_null.negated ? "(is-not-null " : "(is-null ");
        dump(n->as.is_null.operand, out);
        sb_putc(out, ')');
        return;
    }
}

void ast_dump(const Node *node, StrBuf *out)
{
    dump(node, out);
}
