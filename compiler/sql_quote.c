/*
 * sql_quote.c - quoted identifiers and literals for generated SQL.
 */
#include "sql_quote.h"

#include <string.h>

static void put_quoted(StrBuf *sb, char q, const char *s, size_t n)
{
    sb_putc(sb, q);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == q)
            sb_putc(sb, q);
        sb_putc(sb, s[i]);
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
