/*
 * parse.c - runs the scanner and the parser over one Source (see parse.h).
 *
 * Also the scanner's side channel: it collects comments for `ward fmt` and
 * tracks which statement is being read so that syntax errors can say
 * "expected ';' after the role declaration".
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

/* yylex wraps the flex scanner to follow statement boundaries. */
int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner)
{
    Lexer *lx = yyget_extra(scanner);
    *lval = NULL;
    int tok = lexer_scan(lval, lloc, scanner);
    lx->prev_tok = tok;
    lx->prev_begin = lloc->begin;
    if (tok == 0) {
        /* The end of input sits at the end of the text. */
        lloc->file = lx->src;
        lloc->begin = lloc->end = (uint32_t)lx->src->len;
        return tok;
    }
    if (lx->at_stmt_start && tok != '}') {
        lx->stmt = describe(tok, lx->block, &lx->opening);
        lx->at_stmt_start = false;
    }
    if (tok == ';') {
        lx->at_stmt_start = true;
    } else if (tok == '{') {
        lx->block = lx->opening;
        lx->at_stmt_start = true;
    } else if (tok == '}') {
        lx->block = BLOCK_TOP;
        lx->at_stmt_start = true;
    }
    return tok;
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
    if (rc == 2)
        diag_error(d, (Span){0}, "out of memory while parsing");
    return rc != 0 || d->errors > errors ? -1 : 0;
}
