/*
 * parse.h - the front end's entry point: text -> syntax tree.
 *
 * parse_source runs the flex scanner and the bison parser over one Source,
 * reporting every lexical and syntax error to the Diag (the parser recovers
 * at ';' and '}' so one run reports them all). Comments are collected on the
 * side for `ward fmt`, which must keep them.
 */
#ifndef WARD_PARSE_H
#define WARD_PARSE_H

#include "ast.h"
#include "diag.h"
#include "strbuf.h"

typedef struct Comment {
    Span at;       /* from '#' to the end of the line */
    bool own_line; /* nothing but blanks before it on its line */
} Comment;

typedef struct ParseResult {
    Node *root;        /* NODE_FILE; arena-owned; NULL after a fatal error */
    Comment *comments; /* in source order; arena-owned */
    size_t ncomments;
} ParseResult;

/* Block the scanner is in, for hints that name the statement. */
typedef enum LexBlock { BLOCK_TOP, BLOCK_TABLE, BLOCK_APPROVAL } LexBlock;

/* What made the last token invalid: the parser chooses its hint by this,
 * never by the message's wording. */
typedef enum LexInvalid {
    LEX_INVALID_NUMBER, /* digits run into letters: 2w, 1.5h, 12abc */
    LEX_INVALID_CHAR,   /* a character that starts no token: $, @, 张 */
    LEX_INVALID_BYTE,   /* a control byte outside a string */
} LexInvalid;

/* A token as the parser receives it. SYNTHETIC marks a ';' or '}' that
 * error recovery supplies (see lexer_resync). */
typedef struct LexToken {
    int tok;          /* TOK_* code, a character, or 0 at the end */
    struct Node *val; /* its node (names, literals), or NULL */
    Span at;
    bool synthetic;
} LexToken;

/* What error recovery does after a syntax error (lexer_resync). */
typedef enum LexResync {
    RESYNC_NONE,  /* skip to the next ';' as bison does */
    RESYNC_SEMI,  /* supply ';' and read the token again */
    RESYNC_BLOCK, /* supply ';' and '}' and read the token again */
} LexResync;

/* Lexer is the scanner's extra state (flex extra-type). */
typedef struct Lexer {
    Arena *arena;
    Diag *diag;
    const Source *src;
    uint32_t offset;    /* byte offset of the next unread character */
    uint32_t str_begin; /* offset of the opening quote of a string */
    StrBuf str;         /* string literal being read; heap, freed by parse */
    Comment *comments;  /* heap until parse_source copies them */
    size_t ncomments, cap;
    const char *invalid;     /* message for the last invalid token */
    LexInvalid invalid_kind; /* and what was wrong with it */
    /* Statement tracking, for "expected ';' after the role declaration". */
    LexBlock block;      /* block the next statement belongs to */
    LexBlock opening;    /* block a '{' after this statement opens */
    bool at_stmt_start;  /* the next token starts a statement */
    const char *stmt;    /* description of the current statement */
    int prev_tok;        /* the token before the one being scanned, or 0 */
    uint32_t prev_begin; /* where prev_tok starts */
    /* What the parser has been handed, for recovery and hints. */
    LexToken hist[3];      /* hist[0] the last real token handed out (the
                              parser's lookahead at an error), then older */
    LexBlock tok_block;    /* block hist[0] was read in, before its effect */
    bool tok_starts;       /* hist[0] started a statement */
    int stmt_tok;          /* first token of the current statement */
    const char *stmt_name; /* its name, when it is a column's */
    int stmt_len;          /* tokens of the current statement so far */
    bool in_expr;          /* inside a rows rule's row expression */
    int depth;             /* open parentheses in the current statement */
    LexToken pending[4];   /* tokens to hand out before scanning again */
    int npending;
    uint32_t replayed; /* offset + 1 of the last token read again */
    bool synthetic;    /* the last token handed out was supplied */
} Lexer;

typedef struct Parser {
    Arena *arena; /* where nodes go */
    Diag *diag;   /* where errors go */
    Lexer *lx;    /* the scanner's state, for error messages */
    Node *root;   /* the result */
    bool deep;    /* an expression over AST_MAX_DEPTH was reported */
    bool stack;   /* the parser's stack ran out (reported as nesting) */
} Parser;

/* parse_source parses SRC. Returns 0 when no error was reported, -1 else;
 * OUT is filled either way (the tree may be partial after errors). */
int parse_source(Arena *a, Diag *d, const Source *src, ParseResult *out);

/* utf8_check_source reports the first invalid UTF-8 sequence or NUL byte of
 * SRC. Returns 0 when the text is clean. */
int utf8_check_source(Diag *d, const Source *src);

/* Called by the parser's error reporter (parser.y), for the error at the
 * last token handed out. lexer_resync decides how to recover and queues
 * the tokens to supply: a missing ';' before a token that starts the next
 * statement (on its own line, for a column's name) is supplied, and so is
 * a missing '}' before a top-level declaration inside a block, so that the
 * statement after a mistake is read, and checked, on its own. A token is
 * read again at most once, and never inside parentheses or SQL (where a
 * name at the start of a line continues an expression). lexer_sql_hint
 * returns a hint for SQL that the language does not have (joins, like,
 * functions, select outside a membership test), or NULL. */
LexResync lexer_resync(Lexer *lx);
const char *lexer_sql_hint(const Lexer *lx);

/* Called by the scanner (lexer.l). */
void lexer_comment(Lexer *lx, Span at);
void lexer_string_error(Lexer *lx, Span at, const char *msg, const char *hint);
void lexer_number(Lexer *lx, const Node *lit);
void lexer_literal(Lexer *lx, Span at, size_t len);

#endif
