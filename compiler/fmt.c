/*
 * fmt.c - print a syntax tree in canonical layout (see fmt.h).
 *
 * Works on the tree, not the text, so the layout is fully canonical; the
 * comments collected by the scanner are merged back by offset. A comment
 * that ends a statement's line stays at the end of that line; any other
 * comment goes on its own line before the next statement. Runs of
 * consecutive declarations of one kind (roles, masks, classifications,
 * columns) are aligned as in policies/gsp_pharmacy.ward.
 */
#include "fmt.h"

#include <stdlib.h>
#include <string.h>

void fmt_string(const char *s, size_t len, StrBuf *out)
{
    sb_put_quoted(out, s, len);
}

static void names(const Node *list, StrBuf *out)
{
    for (size_t i = 0; i < LIST_LEN(list); i++) {
        if (i)
            sb_puts(out, ", ");
        sb_puts(out, LIST_AT(list, i)->as.name.text);
    }
}

/* prec: 1 or, 2 and, 3 not, 4 comparison/in/is, 5 primary. */
static int prec(const Node *e)
{
    switch (e->kind) {
    case NODE_BINARY:
        return e->as.binary.op == OP_OR ? 1 : e->as.binary.op == OP_AND ? 2 : 4;
    case NODE_NOT: return 3;
    case NODE_IN:
    case NODE_IN_SELECT:
    case NODE_IS_NULL: return 4;
    default: return 5;
    }
}

static void literal(const Node *e, StrBuf *out)
{
    switch (e->kind) {
    case NODE_NAME: sb_puts(out, e->as.name.text); break;
    case NODE_INT: sb_puts(out, e->as.int_lit.text); break;
    case NODE_REAL: sb_puts(out, e->as.real_lit.text); break;
    case NODE_STRING:
        fmt_string(e->as.string.value, e->as.string.len, out);
        break;
    case NODE_BOOL: sb_puts(out, e->as.boolean.value ? "true" : "false"); break;
    case NODE_NULL: sb_puts(out, "null"); break;
    case NODE_SESSION: sb_printf(out, "session.%s", e->as.session.attr); break;
    case NODE_CURRENT_USER: sb_puts(out, "current_user"); break;
    case NODE_DURATION: sb_puts(out, e->as.duration.text); break;
    default: break;
    }
}

/* sub prints E, parenthesised when it binds looser than MIN. */
static void sub(const Node *e, int min, StrBuf *out)
{
    bool paren = prec(e) < min;
    if (paren)
        sb_putc(out, '(');
    fmt_expr(e, out);
    if (paren)
        sb_putc(out, ')');
}

void fmt_expr(const Node *e, StrBuf *out)
{
    switch (e->kind) {
    case NODE_BINARY: {
        int p = prec(e);
        /* Left-associative: the right operand needs a tighter binding;
         * comparisons do not chain, so both sides need one. */
        sub(e->as.binary.left, p == 4 ? 5 : p, out);
        sb_printf(out, " %s ", binop_text(e->as.binary.op));
        sub(e->as.binary.right, p + 1, out);
        return;
    }
    case NODE_NOT:
        sb_puts(out, "not ");
        sub(e->as.not_.operand, 3, out);
        return;
    case NODE_IN:
        sub(e->as.in.operand, 5, out);
        sb_puts(out, e->as.in.negated ? " not in (" : " in (");
        for (size_t i = 0; i < LIST_LEN(e->as.in.values); i++) {
            if (i)
                sb_puts(out, ", ");
            literal(LIST_AT(e->as.in.values, i), out);
        }
        sb_putc(out, ')');
        return;
    case NODE_IN_SELECT:
        sub(e->as.in_select.operand, 5, out);
        sb_printf(out, "%s (select %s from %s",
                  e->as.in_select.negated ? " not in" : " in",
                  e->as.in_select.column->as.name.text,
                  e->as.in_select.table->as.name.text);
        if (e->as.in_select.where) {
            sb_puts(out, " where ");
            fmt_expr(e->as.in_select.where, out);
        }
        sb_putc(out, ')');
        return;
    case NODE_IS_NULL:
        sub(e->as.is_null.operand, 5, out);
        sb_puts(out, e->as.is_null.negated ? " is not null" : " is null");
        return;
    default: literal(e, out); return;
    }
}

static void call(const Node *c, StrBuf *out)
{
    sb_printf(out, "%s(", c->as.call.name->as.name.text);
    for (size_t i = 0; i < LIST_LEN(c->as.call.args); i++) {
        if (i)
            sb_puts(out, ", ");
        literal(LIST_AT(c->as.call.args, i), out);
    }
    sb_putc(out, ')');
}

static void mask_ref(const Node *m, StrBuf *out)
{
    if (m->kind == NODE_CALL)
        call(m, out);
    else
        sb_puts(out, m->as.name.text);
}

static void label(const Node *l, StrBuf *out)
{
    if (l) {
        sb_putc(out, ' ');
        fmt_string(l->as.string.value, l->as.string.len, out);
    }
}

/* A statement prints as up to three fields; aligned runs pad the first two
 * (e.g. "role cs_agent" | " \"label\";" or "id" | "integer" | "key;"). */
typedef struct Fields {
    StrBuf f[3];
    int n; /* fields in use */
} Fields;

static void statement(const Node *n, Fields *fs)
{
    StrBuf *a = &fs->f[0], *b = &fs->f[1], *c = &fs->f[2];
    fs->n = 2;
    switch (n->kind) {
    case NODE_POLICY:
        sb_printf(a, "policy %s version %s", n->as.policy.name->as.name.text,
                  n->as.policy.version->as.int_lit.text);
        label(n->as.policy.label, b);
        sb_putc(b, ';');
        break;
    case NODE_ROLE:
        sb_printf(a, "role %s", n->as.role.name->as.name.text);
        label(n->as.role.label, b);
        if (n->as.role.inherits) {
            sb_puts(b, " inherits ");
            names(n->as.role.inherits, b);
        }
        sb_putc(b, ';');
        break;
    case NODE_SCENARIO:
        sb_printf(a, "scenario %s", n->as.scenario.name->as.name.text);
        label(n->as.scenario.label, b);
        sb_putc(b, ';');
        break;
    case NODE_MASK_DEF:
        sb_printf(a, "mask %s", n->as.mask_def.name->as.name.text);
        sb_puts(b, " = ");
        call(n->as.mask_def.call, b);
        sb_putc(b, ';');
        break;
    case NODE_CLASSIFICATION:
        sb_printf(a, "classification %s",
                  n->as.classification.name->as.name.text);
        label(n->as.classification.label, b);
        if (n->as.classification.has_default) {
            sb_printf(b, " default %s",
                      effect_name(n->as.classification.effect));
            if (n->as.classification.mask) {
                sb_putc(b, ' ');
                mask_ref(n->as.classification.mask, b);
            }
        }
        sb_putc(b, ';');
        break;
    case NODE_COLUMN:
        fs->n = 3;
        sb_puts(a, n->as.column.name->as.name.text);
        sb_printf(b, " %s", n->as.column.type->as.name.text);
        if (n->as.column.key)
            sb_puts(c, " key");
        for (size_t i = 0; i < LIST_LEN(n->as.column.classes); i++)
            sb_printf(c, " %s", LIST_AT(n->as.column.classes, i)->as.name.text);
        sb_putc(c, ';');
        break;
    case NODE_ACCESS:
        sb_printf(a, "%s ", effect_name(n->as.access.effect));
        names(n->as.access.columns, a);
        if (n->as.access.mask) {
            sb_puts(a, " with ");
            mask_ref(n->as.access.mask, a);
        }
        if (n->as.access.roles) {
            sb_puts(a, " to ");
            names(n->as.access.roles, a);
        }
        if (n->as.access.scenario)
            sb_printf(a, " in %s", n->as.access.scenario->as.name.text);
        sb_putc(a, ';');
        fs->n = 1;
        break;
    case NODE_ROWS:
        if (n->as.rows.expr) {
            sb_puts(a, "rows where ");
            fmt_expr(n->as.rows.expr, a);
        } else {
            sb_puts(a, "rows all");
        }
        sb_puts(a, " for ");
        names(n->as.rows.roles, a);
        sb_putc(a, ';');
        fs->n = 1;
        break;
    case NODE_WRITE:
        sb_puts(a, "write ");
        names(n->as.write.columns, a);
        sb_puts(a, " to ");
        names(n->as.write.roles, a);
        sb_putc(a, ';');
        fs->n = 1;
        break;
    case NODE_GUARD:
        sb_printf(a, "%s ", guard_op_name(n->as.guard.op));
        names(n->as.guard.targets, a);
        if (n->as.guard.beyond)
            sb_printf(a, " beyond %s rows",
                      n->as.guard.beyond->as.int_lit.text);
        sb_putc(a, ';');
        fs->n = 1;
        break;
    case NODE_BY:
        sb_puts(a, "by ");
        for (size_t i = 0; i < LIST_LEN(n->as.by.clauses); i++) {
            const Node *cl = LIST_AT(n->as.by.clauses, i);
            sb_printf(a, "%s%s of ", i ? " and " : "",
                      cl->as.by_clause.count->as.int_lit.text);
            names(cl->as.by_clause.roles, a);
        }
        sb_putc(a, ';');
        fs->n = 1;
        break;
    case NODE_EXPIRES:
        sb_printf(a, "expires %s;", n->as.expires.duration->as.duration.text);
        fs->n = 1;
        break;
    case NODE_AUDIT:
        sb_printf(a, "audit %s", n->as.audit.table->as.name.text);
        for (size_t i = 0; i < LIST_LEN(n->as.audit.parts); i++) {
            const Node *p = LIST_AT(n->as.audit.parts, i);
            sb_puts(a, p->as.audit_part.write ? " write " : " read ");
            if (p->as.audit_part.columns)
                names(p->as.audit_part.columns, a);
            else
                sb_puts(a, "all");
        }
        sb_putc(a, ';');
        fs->n = 1;
        break;
    case NODE_CORPUS:
        sb_puts(a, "corpus ");
        fmt_string(n->as.corpus.path->as.string.value,
                   n->as.corpus.path->as.string.len, a);
        sb_putc(a, ';');
        fs->n = 1;
        break;
    default: fs->n = 0; break;
    }
}

typedef struct Printer {
    const Source *src;
    const Comment *comments;
    size_t ncomments;
    size_t next;       /* first comment not yet printed */
    uint32_t last_end; /* end offset of what was printed last */
    StrBuf *out;
} Printer;

/* blank_between: the source has an empty line between offsets A and B. */
static bool blank_between(const Printer *p, uint32_t a, uint32_t b)
{
    int nl = 0;
    for (uint32_t i = a; i < b && i < p->src->len; i++) {
        char c = p->src->text[i];
        if (c == '\n') {
            if (++nl >= 2)
                return true;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            nl = 0;
        }
    }
    return false;
}

static void indent(Printer *p, int depth)
{
    for (int i = 0; i < depth; i++)
        sb_puts(p->out, "  ");
}

static void comment_text(Printer *p, const Comment *c)
{
    /* Trailing blanks of a comment are not part of its meaning. */
    uint32_t end = c->at.end;
    while (end > c->at.begin &&
           (p->src->text[end - 1] == ' ' || p->src->text[end - 1] == '\t' ||
            p->src->text[end - 1] == '\r'))
        end--;
    sb_append(p->out, p->src->text + c->at.begin, end - c->at.begin);
}

/* comments_before prints, on their own lines, the comments that start
 * before offset LIMIT. FIRST suppresses a blank line at a block's top. */
static void comments_before(Printer *p, uint32_t limit, int depth, bool *first)
{
    while (p->next < p->ncomments && p->comments[p->next].at.begin < limit) {
        const Comment *c = &p->comments[p->next++];
        if (!*first && blank_between(p, p->last_end, c->at.begin))
            sb_putc(p->out, '\n');
        *first = false;
        indent(p, depth);
        comment_text(p, c);
        sb_putc(p->out, '\n');
        p->last_end = c->at.end;
    }
}

/* trailing returns the comment on the same line right after offset END. */
static const Comment *trailing(Printer *p, uint32_t end)
{
    if (p->next >= p->ncomments)
        return NULL;
    const Comment *c = &p->comments[p->next];
    for (uint32_t i = end; i < c->at.begin; i++)
        if (p->src->text[i] == '\n')
            return NULL;
    p->next++;
    return c;
}

/* comment_breaks_run: a comment between offsets END (the end of the run so
 * far) and NEXT_END (the end of the next statement) that is not the trailing
 * comment of the run's last line. Such a comment is printed on a line of
 * its own, which ends the run; deciding this from the source makes the
 * second formatting pass see the same runs as the first. */
static bool comment_breaks_run(const Printer *p, uint32_t end,
                               uint32_t next_end)
{
    for (size_t k = p->next; k < p->ncomments; k++) {
        const Comment *c = &p->comments[k];
        if (c->at.begin >= next_end)
            break;
        if (c->at.begin < end)
            continue;
        for (uint32_t i = end; i < c->at.begin; i++)
            if (p->src->text[i] == '\n')
                return true;
    }
    return false;
}

static bool alignable(NodeKind k)
{
    return k == NODE_ROLE || k == NODE_MASK_DEF || k == NODE_CLASSIFICATION ||
           k == NODE_COLUMN || k == NODE_SCENARIO;
}

static void print_list(Printer *p, const Node *list, int depth);

static void print_block(Printer *p, const Node *n, int depth)
{
    const Node *body;
    if (n->kind == NODE_TABLE) {
        sb_printf(p->out, "table %s {", n->as.table.name->as.name.text);
        body = n->as.table.members;
    } else {
        sb_printf(p->out, "approval %s", n->as.approval.name->as.name.text);
        label(n->as.approval.label, p->out);
        sb_puts(p->out, " {");
        body = n->as.approval.items;
    }
    /* A comment after the opening brace moves inside the block. */
    sb_putc(p->out, '\n');
    uint32_t open = n->at.begin;
    while (open < n->at.end && p->src->text[open] != '{')
        open++;
    p->last_end = open + 1;
    print_list(p, body, depth + 1);
    bool first = LIST_LEN(body) == 0;
    comments_before(p, n->at.end - 1, depth + 1, &first);
    indent(p, depth);
    sb_putc(p->out, '}');
    p->last_end = n->at.end;
    const Comment *t = trailing(p, n->at.end);
    if (t) {
        sb_puts(p->out, "  ");
        comment_text(p, t);
    }
    sb_putc(p->out, '\n');
}

/* print_list prints the statements of one block (or the file), keeping
 * blank lines (at most one) and aligning runs of like declarations. */
static void print_list(Printer *p, const Node *list, int depth)
{
    size_t n = LIST_LEN(list);
    bool first = true;
    for (size_t i = 0; i < n;) {
        const Node *s = LIST_AT(list, i);
        comments_before(p, s->at.begin, depth, &first);
        if (s->kind == NODE_TABLE || s->kind == NODE_APPROVAL) {
            if (!first && blank_between(p, p->last_end, s->at.begin))
                sb_putc(p->out, '\n');
            first = false;
            indent(p, depth);
            print_block(p, s, depth);
            i++;
            continue;
        }
        /* The run: statements of one kind, with no blank line and no
         * own-line comment between them. */
        size_t j = i + 1;
        if (alignable(s->kind)) {
            uint32_t end = s->at.end;
            while (j < n && LIST_AT(list, j)->kind == s->kind &&
                   !blank_between(p, end, LIST_AT(list, j)->at.begin) &&
                   !comment_breaks_run(p, end, LIST_AT(list, j)->at.end)) {
                end = LIST_AT(list, j)->at.end;
                j++;
            }
        }
        size_t count = j - i;
        Fields *fs = xmalloc(count * sizeof *fs);
        size_t w0 = 0, w1 = 0, wline = 0;
        for (size_t k = 0; k < count; k++) {
            for (int f = 0; f < 3; f++)
                sb_init(&fs[k].f[f]);
            statement(LIST_AT(list, i + k), &fs[k]);
            size_t a = text_width(sb_cstr(&fs[k].f[0]), fs[k].f[0].len);
            size_t b = text_width(sb_cstr(&fs[k].f[1]), fs[k].f[1].len);
            if (a > w0)
                w0 = a;
            if (fs[k].n == 3 && b > w1)
                w1 = b;
        }
        /* Pad only when something follows the padded field. */
        for (size_t k = 0; k < count; k++) {
            size_t line = 0;
            if (count > 1 && fs[k].n >= 2 && fs[k].f[1].data &&
                fs[k].f[1].data[0] != ';')
                line = w0;
            else
                line = text_width(sb_cstr(&fs[k].f[0]), fs[k].f[0].len);
            if (fs[k].n == 3)
                line +=
                    (count > 1 && fs[k].f[2].data && fs[k].f[2].data[0] != ';')
                        ? w1
                        : text_width(sb_cstr(&fs[k].f[1]), fs[k].f[1].len);
            else if (fs[k].n == 2)
                line += text_width(sb_cstr(&fs[k].f[1]), fs[k].f[1].len);
            if (fs[k].n == 3)
                line += text_width(sb_cstr(&fs[k].f[2]), fs[k].f[2].len);
            if (line > wline)
                wline = line;
        }
        for (size_t k = 0; k < count; k++) {
            const Node *st = LIST_AT(list, i + k);
            /* Comments written inside a statement go before it; they
             * bring their own blank line. */
            comments_before(p, st->at.end, depth, &first);
            if (k == 0 && !first && blank_between(p, p->last_end, st->at.begin))
                sb_putc(p->out, '\n');
            first = false;
            indent(p, depth);
            size_t start = p->out->len;
            sb_puts(p->out, sb_cstr(&fs[k].f[0]));
            if (fs[k].n >= 2) {
                if (count > 1 && fs[k].f[1].data && fs[k].f[1].data[0] != ';')
                    sb_pad_to(p->out, start, w0);
                size_t mid = p->out->len;
                sb_puts(p->out, sb_cstr(&fs[k].f[1]));
                if (fs[k].n == 3) {
                    if (count > 1 && fs[k].f[2].data &&
                        fs[k].f[2].data[0] != ';')
                        sb_pad_to(p->out, mid, w1);
                    sb_puts(p->out, sb_cstr(&fs[k].f[2]));
                }
            }
            p->last_end = st->at.end;
            const Comment *t = trailing(p, st->at.end);
            if (t) {
                if (count > 1)
                    sb_pad_to(p->out, start, wline);
                sb_puts(p->out, "  ");
                comment_text(p, t);
                p->last_end = t->at.end;
            }
            sb_putc(p->out, '\n');
            for (int f = 0; f < 3; f++)
                sb_free(&fs[k].f[f]);
        }
        free(fs);
        i = j;
    }
}

void fmt_policy(const ParseResult *pr, const Source *src, StrBuf *out)
{
    Printer p = {src, pr->comments, pr->ncomments, 0, 0, out};
    print_list(&p, pr->root->as.file.items, 0);
    bool first = LIST_LEN(pr->root->as.file.items) == 0;
    comments_before(&p, UINT32_MAX, 0, &first);
}
