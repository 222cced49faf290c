/*
 * parse.c - runs the scanner and the parser over one Source (see parse.h).
 *
 * Also the scanner's side channel: it collects comments for `ward fmt` and
 * tracks which statement is being read so that syntax errors can say
 * "expected ';' after the role declaration". Error recovery lives here too:
 * after a syntax error the parser asks lexer_resync whether the token it
 * failed on starts the next statement; if so, yylex supplies the missing
 * ';' (or '}') and hands the token out again, so one mistake gives one
 * error and the statement after it is still read. lexer_sql_hint names the
 * SQL a user reached for (joins, like, functions) in a row expression.
 */
#include "parse.h"

#include "parser.h"
#include "lexer.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

int lexer_scan(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);

void lexer_comment(Lexer *lx, Span at)
{
    if (lx->ncomments == lx->cap) {
        lx->cap = lx->cap ? lx->cap * 2 : 16;
        lx->comments = xrealloc(lx->comments, lx->cap * sizeof *lx->comments);
    }
    /* A comment is on its own line when only blanks precede it. */
    uint32_t i = at.begin;
    while (i > 0 &&
           (lx->src->text[i - 1] == ' ' || lx->src->text[i - 1] == '\t'))
        i--;
    Comment *c = &lx->comments[lx->ncomments++];
    c->at = at;
    c->own_line = i == 0 || lx->src->text[i - 1] == '\n';
}

void lexer_string_error(Lexer *lx, Span at, const char *msg, const char *hint)
{
    Diagnostic *x = diag_error(lx->diag, at, "%s", msg);
    diag_hint(lx->diag, x, "%s", hint);
}

/* lexer_literal reports a string literal of LEN bytes at AT that is over
 * AST_MAX_LITERAL: labels and mask arguments are short, and the limit
 * keeps one literal from filling the generated SQL. */
void lexer_literal(Lexer *lx, Span at, size_t len)
{
    if (len <= AST_MAX_LITERAL)
        return;
    at.end = at.begin + 1;
    Diagnostic *x = diag_error(lx->diag, at,
                               "string literal of %zu bytes is longer than "
                               "the limit of %d",
                               len, AST_MAX_LITERAL);
    diag_hint(lx->diag, x,
              "a policy's strings are labels and mask "
              "arguments; data belongs in the database");
}

/* lexer_number reports the number literal LIT (NODE_INT or NODE_REAL) when
 * it does not fit its type: an integer beyond 64 bits (E006), a real that
 * overflows or underflows a double (E007). Never clamped: the value would
 * reach the generated SQL as something the user did not write. The span
 * takes in a minus sign before the literal. The grammar has no '-' but the
 * sign of a number, so an integer right after '-' is the magnitude of a
 * negative number: 9223372036854775808 fits there and nowhere else. */
void lexer_number(Lexer *lx, const Node *lit)
{
    bool minus = lx->prev_tok == '-';
    Span at = lit->at;
    if (minus)
        at.begin = lx->prev_begin;
    if (lit->kind == NODE_INT) {
        const char *text = lit->as.int_lit.text;
        if (minus)
            text = arena_printf(lx->arena, "-%s", text);
        int64_t v;
        if (ast_int_parse(text, &v))
            return;
        Diagnostic *x = diag_error_code(lx->diag, DIAG_INT_OUT_OF_RANGE, at,
                                        "integer literal is out of range");
        diag_hint(lx->diag, x,
                  "integers run from -9223372036854775808 to "
                  "9223372036854775807");
        return;
    }
    double v;
    if (ast_real_parse(lit->as.real_lit.text, &v))
        return;
    Diagnostic *x = diag_error_code(lx->diag, DIAG_REAL_OUT_OF_RANGE, at,
                                    "real literal is out of range");
    diag_hint(lx->diag, x,
              "reals are 64-bit floating point: other than 0, their size "
              "runs from about 2.2e-308 to 1.8e308");
}

/* describe names the statement that token TOK starts inside BLOCK. */
static const char *describe(int tok, LexBlock block, LexBlock *opens)
{
    *opens = block;
    if (block == BLOCK_TABLE) {
        switch (tok) {
        case TOK_IDENT: return "the column declaration";
        case TOK_SHOW: return "the show rule";
        case TOK_HIDE: return "the hide rule";
        case TOK_MASK: return "the mask rule";
        case TOK_ROWS: return "the rows rule";
        case TOK_WRITE: return "the write rule";
        default: return NULL;
        }
    }
    if (block == BLOCK_APPROVAL) {
        switch (tok) {
        case TOK_EXPORT:
        case TOK_DELETE:
        case TOK_UPDATE:
        case TOK_UNMASK: return "the guarded operation";
        case TOK_BY: return "the approvers";
        case TOK_EXPIRES: return "the expiry";
        default: return NULL;
        }
    }
    switch (tok) {
    case TOK_POLICY: return "the policy header";
    case TOK_ROLE: return "the role declaration";
    case TOK_SCENARIO: return "the scenario declaration";
    case TOK_MASK: return "the mask declaration";
    case TOK_CLASSIFICATION: return "the classification";
    case TOK_TABLE: *opens = BLOCK_TABLE; return "the table header";
    case TOK_APPROVAL: *opens = BLOCK_APPROVAL; return "the approval header";
    case TOK_AUDIT: return "the audit rule";
    case TOK_CORPUS: return "the corpus line";
    default: return NULL;
    }
}

/* scan reads one token from the flex scanner. */
static LexToken scan(Lexer *lx, yyscan_t scanner)
{
    LexToken t = {0};
    YYSTYPE val = NULL;
    YYLTYPE at = {0};
    t.tok = lexer_scan(&val, &at, scanner);
    lx->prev_tok = t.tok;
    lx->prev_begin = at.begin;
    if (t.tok == 0) {
        /* The end of input sits at the end of the text. */
        at.file = lx->src;
        at.begin = at.end = (uint32_t)lx->src->len;
    }
    t.val = val;
    t.at = at;
    return t;
}

/* track follows statement boundaries and blocks for token TOK, which the
 * parser is about to receive. */
static void track(Lexer *lx, int tok, const Node *val)
{
    lx->tok_block = lx->block;
    lx->tok_starts = lx->at_stmt_start && tok != '}' && tok != 0;
    if (lx->tok_starts) {
        lx->stmt = describe(tok, lx->block, &lx->opening);
        lx->stmt_tok = tok;
        lx->stmt_name = tok == TOK_IDENT && val ? val->as.name.text : NULL;
        lx->stmt_len = 0;
        lx->in_expr = false;
        lx->depth = 0;
        lx->at_stmt_start = false;
    }
    lx->stmt_len++;
    if (tok == '(')
        lx->depth++;
    else if (tok == ')' && lx->depth > 0)
        lx->depth--;
    if (tok == ';') {
        lx->at_stmt_start = true;
        lx->in_expr = false;
    } else if (tok == '{') {
        lx->block = lx->opening;
        lx->at_stmt_start = true;
    } else if (tok == '}') {
        lx->block = BLOCK_TOP;
        lx->at_stmt_start = true;
        lx->in_expr = false;
    } else if (tok == TOK_WHERE && lx->stmt_tok == TOK_ROWS &&
               lx->block == BLOCK_TABLE) {
        lx->in_expr = true;
    } else if (tok == TOK_FOR) {
        lx->in_expr = false;
    }
}

/* newline_between: a line break separates offsets A and B. */
static bool newline_between(const Lexer *lx, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i < b && i < lx->src->len; i++)
        if (lx->src->text[i] == '\n')
            return true;
    return false;
}

/* starts_line: token T is the first on its line. */
static bool starts_line(const Lexer *lx, const LexToken *prev,
                        const LexToken *t)
{
    return !prev->tok || newline_between(lx, prev->at.end, t->at.begin);
}

static void push_back(Lexer *lx, LexToken t)
{
    if (lx->npending < (int)(sizeof lx->pending / sizeof lx->pending[0]))
        lx->pending[lx->npending++] = t;
}

static void push_front(Lexer *lx, LexToken t)
{
    if (lx->npending == (int)(sizeof lx->pending / sizeof lx->pending[0]))
        return;
    memmove(lx->pending + 1, lx->pending,
            (size_t)lx->npending * sizeof lx->pending[0]);
    lx->pending[0] = t;
    lx->npending++;
}

static LexToken synthetic(int tok, uint32_t at, const Source *src)
{
    return (LexToken){tok, NULL, {src, at, at}, true};
}

/* column_runs_on: T, a name at the start of a line inside a column
 * declaration that already has its name and type, followed by another
 * name, starts the next column: the ';' before it is missing.
 *   id integer key          <- no ';'
 *   name text;
 * Reports it and queues T and the token after it behind a ';'. A name
 * followed by anything else is a tag on the next line, which the model
 * reports. Returns whether the ';' was supplied (T is then the ';'). */
static bool column_runs_on(Lexer *lx, yyscan_t scanner, LexToken *t)
{
    if (lx->block != BLOCK_TABLE || lx->at_stmt_start ||
        lx->stmt_tok != TOK_IDENT || !lx->stmt_name || lx->stmt_len < 2 ||
        t->tok != TOK_IDENT || !starts_line(lx, &lx->hist[0], t))
        return false;
    LexToken next = scan(lx, scanner);
    if (next.tok != TOK_IDENT) {
        push_back(lx, next);
        return false;
    }
    Diagnostic *x = diag_error(lx->diag, t->at,
                               "expected ';' after column '%s'", lx->stmt_name);
    diag_hint(lx->diag, x, "each column declaration ends with ';'");
    push_back(lx, *t);
    push_back(lx, next);
    *t = synthetic(';', t->at.begin, lx->src);
    return true;
}

/* yylex wraps the flex scanner: it hands out queued tokens first, supplies
 * a column's missing ';', and follows statement boundaries. */
int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner)
{
    Lexer *lx = yyget_extra(scanner);
    LexToken t;
    if (lx->npending) {
        t = lx->pending[0];
        lx->npending--;
        memmove(lx->pending, lx->pending + 1,
                (size_t)lx->npending * sizeof lx->pending[0]);
    } else {
        t = scan(lx, scanner);
        column_runs_on(lx, scanner, &t);
    }
    *lval = t.val;
    *lloc = t.at;
    lx->synthetic = t.synthetic;
    track(lx, t.tok, t.val);
    if (!t.synthetic) {
        lx->hist[2] = lx->hist[1];
        lx->hist[1] = lx->hist[0];
        lx->hist[0] = t;
    }
    return t.tok;
}

/* starts_statement: the last token, TOK, can begin a statement of BLOCK
 * and is the first on its line: a keyword after others on its line is
 * more likely a reserved word written as a name (`scenario audit;`) than a
 * statement after a missing ';'. */
static bool starts_statement(const Lexer *lx, int tok, LexBlock block)
{
    LexBlock opens;
    if (!starts_line(lx, &lx->hist[1], &lx->hist[0]))
        return false;
    return (block == BLOCK_TABLE && tok == TOK_IDENT) ||
           describe(tok, block, &opens) != NULL;
}

LexResync lexer_resync(Lexer *lx)
{
    const LexToken *t = &lx->hist[0];
    if (!t->tok || lx->synthetic || lx->replayed == t->at.begin + 1 ||
        lexer_sql_hint(lx) || (t->tok == TOK_IDENT && lx->depth > 0))
        return RESYNC_NONE;
    LexResync r = RESYNC_NONE;
    if (t->tok == '}' && lx->tok_block != BLOCK_TOP)
        r = RESYNC_SEMI; /* the block's last statement lacks its ';' */
    else if (!lx->tok_starts && starts_statement(lx, t->tok, lx->tok_block))
        r = RESYNC_SEMI; /* the statement before lacks its ';' */
    else if (lx->tok_block != BLOCK_TOP && t->tok != TOK_MASK &&
             t->tok != TOK_IDENT && starts_statement(lx, t->tok, BLOCK_TOP))
        r = RESYNC_BLOCK; /* a top-level declaration: the '}' is missing */
    if (r == RESYNC_NONE)
        return r;
    lx->replayed = t->at.begin + 1;
    LexToken again = *t;
    push_front(lx, again);
    if (r == RESYNC_BLOCK)
        push_front(lx, synthetic('}', t->at.begin, lx->src));
    push_front(lx, synthetic(';', t->at.begin, lx->src));
    return r;
}

/* --- hints for SQL the language does not have ------------------------------
 */

static bool word_in(const char *w, const char *const *words)
{
    for (; *words; words++) {
        const char *a = w, *b = *words;
        while (*a && *b && (*a | 0x20) == *b)
            a++, b++;
        if (!*a && !*b)
            return true;
    }
    return false;
}

static const char *const JOIN_WORDS[] = {"join",  "inner", "outer", "left",
                                         "right", "full",  "cross", "natural",
                                         "on",    "using", NULL};
static const char *const PATTERN_WORDS[] = {
    "like", "ilike", "glob", "regexp", "similar", "match", NULL};
static const char *const OTHER_SQL_WORDS[] = {
    "union",   "intersect", "except",   "limit", "offset", "order",
    "group",   "having",    "distinct", "as",    "any",    "some",
    "case",    "when",      "then",     "else",  "end",    "cast",
    "collate", "escape",    "over",     NULL};
static const char *const EXISTS_WORD[] = {"exists", NULL};
static const char *const BETWEEN_WORD[] = {"between", NULL};

#define MEMBERSHIP_FORM "COL in (select COL from TABLE [where EXPR])"

/* name_of is the text of T when it is a name, else NULL. */
static const char *name_of(const LexToken *t)
{
    return t->tok == TOK_IDENT && t->val ? t->val->as.name.text : NULL;
}

const char *lexer_sql_hint(const Lexer *lx)
{
    const LexToken *t = &lx->hist[0], *before = &lx->hist[1],
                   *before2 = &lx->hist[2];
    const char *w = name_of(t), *bw = name_of(before);
    /* rows join event_attendance on ...: a join where the filter goes. */
    if (w && word_in(w, JOIN_WORDS) && before->tok == TOK_ROWS)
        return "a rows rule cannot join tables; to keep the rows whose "
               "column appears in another table, write: rows where "
               "COL in (select COL from TABLE [where EXPR]) for ROLES";
    if (!lx->in_expr)
        return NULL;
    /* id in event_attendance.doctor_id: the membership test's shorthand
     * that SQL does not have either; spell out the subquery for it. */
    const char *dot = w ? strchr(w, '.') : NULL;
    if (dot && dot > w && dot[1] && before->tok == TOK_IN)
        return arena_printf(lx->arena,
                            "a membership test is written as a subquery: "
                            "COL in (select %s from %.*s [where EXPR])",
                            dot + 1, (int)(dot - w), w);
    if ((w && word_in(w, JOIN_WORDS)) ||
        (t->tok == ',' && before->tok == TOK_IDENT && before2->tok == TOK_FROM))
        return "a rows rule cannot join tables; to keep the rows whose "
               "column appears in another table, write: " MEMBERSHIP_FORM;
    const char *sqlw =
        w && word_in(w, OTHER_SQL_WORDS) ? w
        : bw && word_in(bw, OTHER_SQL_WORDS) && before2->tok == TOK_SELECT
            ? bw
            : NULL;
    if (sqlw)
        return arena_printf(lx->arena,
                            "'%s' is SQL that row expressions do not have; "
                            "they use columns, literals, session.ATTR, "
                            "current_user, comparisons, in (...), is [not] "
                            "null, and, or, not, and " MEMBERSHIP_FORM,
                            sqlw);
    if (t->tok == TOK_IDENT && before->tok == TOK_IDENT &&
        before2->tok == TOK_FROM)
        return "a subquery reads one table, named alone: no alias, no "
               "join; write: " MEMBERSHIP_FORM;
    if (t->tok == ',' && before->tok == TOK_IDENT && before2->tok == TOK_SELECT)
        return "a subquery selects one column: " MEMBERSHIP_FORM;
    if (t->tok == TOK_INVALID && before->tok == TOK_SELECT)
        return "a subquery selects one column, by its name: " MEMBERSHIP_FORM;
    if (t->tok == TOK_SELECT || (w && word_in(w, EXISTS_WORD)))
        return "a rows rule reads another table only as a membership "
               "test: " MEMBERSHIP_FORM;
    if (t->tok == '(' && bw && word_in(bw, EXISTS_WORD))
        return "a rows rule reads another table only as a membership "
               "test: " MEMBERSHIP_FORM;
    if (w && word_in(w, PATTERN_WORDS))
        return "row expressions have no pattern matching; compare with = "
               "or list the values: COL in (\"a\", \"b\")";
    if (w && word_in(w, BETWEEN_WORD))
        return "row expressions have no 'between'; write: COL >= LOW and "
               "COL <= HIGH";
    if (t->tok == '(' && bw)
        return "row expressions call no functions; they compare columns "
               "as stored with literals, session.ATTR and current_user";
    if (t->tok == '-' || (t->tok == TOK_INVALID && t->at.end > t->at.begin &&
                          strchr("+*/%|", lx->src->text[t->at.begin])))
        return "row expressions have no arithmetic and no string "
               "operators; compare a column with a value";
    return NULL;
}

int utf8_check_source(Diag *d, const Source *src)
{
    for (size_t i = 0; i < src->len;) {
        uint32_t cp;
        int len = utf8_decode(src->text + i, src->len - i, &cp);
        Span at = {src, (uint32_t)i, (uint32_t)i + 1};
        if (cp == 0) {
            diag_error(d, at, "NUL byte in policy file");
            return -1;
        }
        if (cp == UTF8_BAD) {
            Diagnostic *x = diag_error(d, at, "invalid UTF-8 byte 0x%02x",
                                       (unsigned char)src->text[i]);
            diag_hint(d, x,
                      "ward reads policies as UTF-8; convert the "
                      "file (for example with iconv -f GBK -t UTF-8)");
            return -1;
        }
        i += (size_t)len;
    }
    return 0;
}

/* over reports the first declaration N past the limit MAX of WHAT. */
static void over(Diag *d, const Node *n, const char *what, int max)
{
    Diagnostic *x = diag_error(d, n->at, "more than %d %s", max, what);
    diag_hint(d, x, "docs/security.md lists the limits of a policy");
}

/* check_counts enforces the limits on declarations (ast.h), before the
 * model spends memory on them: roles, scenarios and tables of the file,
 * columns of each table. */
static void check_counts(Diag *d, const Node *root)
{
    const Node *items = root->as.file.items;
    size_t roles = 0, scenarios = 0, tables = 0;
    for (size_t i = 0; i < LIST_LEN(items); i++) {
        const Node *n = LIST_AT(items, i);
        if (!n)
            continue;
        if (n->kind == NODE_ROLE && ++roles == AST_MAX_ROLES + 1)
            over(d, n, "roles", AST_MAX_ROLES);
        if (n->kind == NODE_SCENARIO && ++scenarios == AST_MAX_SCENARIOS + 1)
            over(d, n, "scenarios", AST_MAX_SCENARIOS);
        if (n->kind != NODE_TABLE)
            continue;
        if (++tables == AST_MAX_TABLES + 1)
            over(d, n, "tables", AST_MAX_TABLES);
        size_t columns = 0;
        const Node *members = n->as.table.members;
        for (size_t j = 0; j < LIST_LEN(members); j++) {
            const Node *m = LIST_AT(members, j);
            if (m && m->kind == NODE_COLUMN && ++columns == AST_MAX_COLUMNS + 1)
                over(d, m, "columns in one table", AST_MAX_COLUMNS);
        }
    }
}

int parse_source(Arena *a, Diag *d, const Source *src, ParseResult *out)
{
    memset(out, 0, sizeof *out);
    int errors = d->errors;
    if (utf8_check_source(d, src) < 0)
        return -1;

    Lexer lx;
    memset(&lx, 0, sizeof lx);
    lx.arena = a;
    lx.diag = d;
    lx.src = src;
    lx.at_stmt_start = true;
    sb_init(&lx.str);

    Parser p = {.arena = a, .diag = d, .lx = &lx, .root = NULL};
    yyscan_t scanner;
    if (yylex_init_extra(&lx, &scanner) != 0) {
        diag_error(d, (Span){0}, "cannot start the scanner");
        sb_free(&lx.str);
        return -1;
    }
    YY_BUFFER_STATE buf = yy_scan_bytes(src->text, (int)src->len, scanner);
    int rc = yyparse(scanner, &p);
    yy_delete_buffer(buf, scanner);
    yylex_destroy(scanner);
    sb_free(&lx.str);

    out->root = p.root;
    out->ncomments = lx.ncomments;
    if (lx.ncomments) {
        out->comments = arena_alloc(a, lx.ncomments * sizeof *out->comments);
        memcpy(out->comments, lx.comments,
               lx.ncomments * sizeof *out->comments);
    }
    free(lx.comments);
    if (rc == 2 && !p.stack)
        diag_error(d, (Span){0}, "out of memory while parsing");
    if (p.root)
        check_counts(d, p.root);
    return rc != 0 || d->errors > errors ? -1 : 0;
}
