/*
 * sql_quote.c - quoted identifiers and literals for generated SQL.
 */
#include "sql_quote.h"

#include <stdio.h>
#include <string.h>

/* put_quoted appends N bytes at S between Q quotes, each Q in S doubled.
 * The runs between quotes go in whole: most names have none. */
static void put_quoted(StrBuf *sb, char q, const char *s, size_t n)
{
    sb_putc(sb, q);
    const char *end = s + n;
    while (s < end) {
        const char *at = memchr(s, q, (size_t)(end - s));
        size_t run = at ? (size_t)(at - s) + 1 : (size_t)(end - s);
        sb_append(sb, s, run);
        if (at)
            sb_putc(sb, q);
        s += run;
    }
    sb_putc(sb, q);
}

void sql_put_ident(StrBuf *sb, const char *name)
{
    put_quoted(sb, '"', name, strlen(name));
}

void sql_put_text(StrBuf *sb, const char *s, size_t n)
{
    put_quoted(sb, '\'', s, n);
}

void sql_put_str(StrBuf *sb, const char *s)
{
    if (s)
        sql_put_text(sb, s, strlen(s));
    else
        sb_puts(sb, "NULL");
}

/* put_real writes R so that it reads back as the same real, never as an
 * integer: bucket(10.0) is not bucket(10). */
static void put_real(StrBuf *sb, double r)
{
    char buf[400];
    snprintf(buf, sizeof buf, "%.17g", r);
    if (!strchr(buf, '.') && strchr(buf, 'e'))
        snprintf(buf, sizeof buf, "%.1f", r);
    else if (!strchr(buf, '.'))
        strcat(buf, ".0");
    sb_puts(sb, buf);
}

void sql_put_literal(StrBuf *sb, const Node *n, bool bool_words)
{
    switch (n->kind) {
    case NODE_INT: sb_printf(sb, "%lld", (long long)n->as.int_lit.value); break;
    case NODE_REAL: put_real(sb, n->as.real_lit.value); break;
    case NODE_STRING:
        sql_put_text(sb, n->as.string.value, n->as.string.len);
        break;
    case NODE_NAME: sql_put_str(sb, n->as.name.text); break; /* a word */
    case NODE_BOOL:
        if (bool_words)
            sb_puts(sb, n->as.boolean.value ? "true" : "false");
        else
            sb_puts(sb, n->as.boolean.value ? "1" : "0");
        break;
    default: sb_puts(sb, "NULL"); break;
    }
}

void sql_put_json_args(StrBuf *sb, const Node *call)
{
    sb_putc(sb, '[');
    for (size_t i = 0; i < LIST_LEN(call->as.call.args); i++) {
        const Node *a = LIST_AT(call->as.call.args, i);
        sb_puts(sb, i ? ", " : "");
        switch (a->kind) {
        case NODE_INT:
            sb_printf(sb, "%lld", (long long)a->as.int_lit.value);
            break;
        case NODE_REAL: put_real(sb, a->as.real_lit.value); break;
        case NODE_STRING:
            sb_put_json(sb, a->as.string.value, a->as.string.len);
            break;
        case NODE_NAME:
            sb_put_json(sb, a->as.name.text, strlen(a->as.name.text));
            break;
        case NODE_BOOL: sb_puts(sb, a->as.boolean.value ? "1" : "0"); break;
        default: sb_puts(sb, "null"); break;
        }
    }
    sb_putc(sb, ']');
}
