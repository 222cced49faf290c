/*
 * sqlite_cte.c - finding the common table expressions a statement names.
 *
 * SQLite tells the authorizer which view or trigger a read comes from by
 * name, and a WITH clause's table gets the same treatment: a session could
 * write `WITH customers AS (SELECT * FROM main.customers) ...` and pass as
 * the session's own view. The runtime therefore reads the text of every
 * statement a session starts and stops one that names a CTE after a
 * protected table or with the ward_ prefix. This is a small tokenizer: it
 * skips comments and string literals, reads the four kinds of identifier
 * quoting, and looks for NAME [(columns)] AS [NOT] [MATERIALIZED] ( .
 */
#include "sqlite_rt.h"

#include <ctype.h>
#include <string.h>

typedef struct Tok {
    const char *s; /* identifier text (quotes removed lazily) */
    size_t n;
    char quote; /* 0, '"', '[', '`' */
    bool ident; /* an identifier or keyword */
    char punct; /* '(' ')' ',' ';' or 0 */
} Tok;

/* next_tok reads the next token of SQL from *P; false at the end. */
static bool next_tok(const char **p, Tok *t)
{
    const char *s = *p;
    for (;;) {
        while (*s && isspace((unsigned char)*s))
            s++;
        if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            s = e ? e + 2 : s + strlen(s);
        } else {
            break;
        }
    }
    memset(t, 0, sizeof *t);
    if (!*s) {
        *p = s;
        return false;
    }
    char c = *s;
    if (c == '\'') { /* string literal: '' doubles */
        for (s++; *s; s++)
            if (*s == '\'' && *++s != '\'')
                break;
    } else if (c == '"' || c == '`' || c == '[') {
        char close = c == '[' ? ']' : c;
        t->ident = true;
        t->quote = c;
        t->s = ++s;
        while (*s && !(*s == close && !(close != ']' && s[1] == close)))
            s += *s == close ? 2 : 1;
        t->n = (size_t)(s - t->s);
        if (*s)
            s++;
    } else if (isalnum((unsigned char)c) || c == '_' ||
               (unsigned char)c >= 0x80) {
        t->ident = true;
        t->s = s;
        while (*s && (isalnum((unsigned char)*s) || *s == '_' || *s == '$' ||
                      (unsigned char)*s >= 0x80))
            s++;
        t->n = (size_t)(s - t->s);
    } else {
        t->punct = c;
        s++;
    }
    *p = s;
    return true;
}

static bool is_kw(const Tok *t, const char *kw)
{
    return t->ident && !t->quote && t->n == strlen(kw) &&
           sqlite3_strnicmp(t->s, kw, (int)t->n) == 0;
}

/* unquoted copies T's name into BUF (doubled quotes made single). */
static void unquoted(const Tok *t, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n && k + 1 < cap; i++) {
        buf[k++] = t->s[i];
        if (t->quote && t->quote != '[' && t->s[i] == t->quote)
            i++;
    }
    buf[k] = '\0';
}

static bool reserved(const WardConn *w, const char *name)
{
    if (sqlite3_strnicmp(name, "ward_", 5) == 0)
        return true;
    for (int i = 0; i < w->ntables; i++)
        if (sqlite3_stricmp(w->tables[i].name, name) == 0)
            return true;
    return false;
}

bool rt_cte_shadows(const WardConn *w, const char *sql)
{
    Tok prev = {0}, t;
    const char *p = sql;
    while (next_tok(&p, &t)) {
        if (!prev.ident || is_kw(&prev, "AS")) {
            prev = t;
            continue;
        }
        /* PREV may be a CTE name: [ (columns) ] AS [NOT] [MATERIALIZED] ( */
        const char *q = p;
        Tok u = t;
        bool ok = true;
        if (u.punct == '(') { /* a column list */
            int depth = 1;
            while (depth > 0 && (ok = next_tok(&q, &u)))
                depth += u.punct == '(' ? 1 : u.punct == ')' ? -1 : 0;
            ok = ok && next_tok(&q, &u);
        }
        if (ok && is_kw(&u, "AS") && next_tok(&q, &u)) {
            if (is_kw(&u, "NOT") && !next_tok(&q, &u))
                ok = false;
            if (ok && is_kw(&u, "MATERIALIZED") && !next_tok(&q, &u))
                ok = false;
            if (ok && u.punct == '(') {
                char name[256];
                unquoted(&prev, name, sizeof name);
                if (reserved(w, name))
                    return true;
            }
        }
        prev = t;
    }
    return false;
}
