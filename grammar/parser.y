/*
 * parser.y - the ward grammar: tokens -> syntax tree.
 *
 * A pure (reentrant) LALR parser. Actions only build nodes (ast.c); every
 * rule about meaning lives in compiler/model.c. Errors are reported through
 * yyreport_syntax_error below, with the expected tokens and a hint naming the
 * statement (or the SQL the language does not have). Recovery resynchronises
 * at ';' (and at '}' for a broken block), and where the failing token starts
 * the next statement, parse.c supplies the missing ';' or '}' and reads the
 * token again (lexer_resync), so one run reports every syntax error of a
 * file, each once.
 */
%require "3.8"
%define api.pure full
%define api.value.type {struct Node *}
%define api.location.type {Span}
%define api.token.prefix {TOK_}
%define parse.error custom
%define parse.lac full
%locations
%param {yyscan_t scanner}
%parse-param {Parser *p}
%expect 0

%code top {
/* Spelled out for the message of yyerror: bison's default. */
#define YYMAXDEPTH 10000
}

%code requires {
#include "ast.h"
#include "parse.h"
typedef void *yyscan_t;

/* A span covers its first to its last symbol; an empty rule sits at the
 * end of the previous symbol. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                          \
    do {                                                                     \
        if (N) {                                                             \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                              \
            (Cur).begin = YYRHSLOC(Rhs, 1).begin;                            \
            (Cur).end = YYRHSLOC(Rhs, N).end;                                \
        } else {                                                             \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                              \
            (Cur).begin = (Cur).end = YYRHSLOC(Rhs, 0).end;                  \
        }                                                                    \
    } while (0)
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);
}

%code {
#include <string.h>

#define A (p->arena)

static void yyerror(const Span *at, yyscan_t scanner, Parser *p,
                    const char *msg)
{
    (void)scanner;
    /* The one message bison sends here: its stack, YYMAXDEPTH states, is
     * full, which only nesting (parentheses, `not`) can do. */
    if (strcmp(msg, "memory exhausted") == 0) {
        Diagnostic *x = diag_error(p->diag, *at,
                                   "this nests too deeply: the parser holds "
                                   "at most %d open levels", YYMAXDEPTH);
        diag_hint(p->diag, x, "a row expression needs a few levels of "
                              "parentheses");
        p->stack = true;
        return;
    }
    diag_error(p->diag, *at, "%s", msg);
}

/* nest returns N, an expression node, unless it nests deeper than
 * AST_MAX_DEPTH: then it reports that (once a file) and returns N's first
 * operand instead, so that no tree deeper than the limit is ever built and
 * every later walk may recurse. */
static Node *nest(Parser *p, Node *n)
{
    if (n->depth <= AST_MAX_DEPTH)
        return n;
    Node *keep = n->kind == NODE_BINARY ? n->as.binary.left
                 : n->kind == NODE_NOT  ? n->as.not_.operand
                 : n->kind == NODE_IN   ? n->as.in.operand
                 : n->kind == NODE_IS_NULL ? n->as.is_null.operand
                                           : n->as.in_select.operand;
    if (!p->deep) {
        Diagnostic *x = diag_error(p->diag, n->at,
                                   "this expression nests more than %d "
                                   "operators deep", AST_MAX_DEPTH);
        diag_hint(p->diag, x, "each `or` or `and` of a chain nests one level; "
                              "for a list of values write COL in (v1, v2, "
                              "...)");
        p->deep = true;
    }
    return keep;
}
}

%token POLICY "policy" VERSION "version" ROLE "role" INHERITS "inherits"
%token SCENARIO "scenario" MASK "mask" CLASSIFICATION "classification"
%token DEFAULT "default" SHOW "show" HIDE "hide" TABLE "table" KEY "key"
%token WITH "with" TO "to" ROWS "rows" WHERE "where" FOR "for" ALL "all"
%token WRITE "write" APPROVAL "approval" EXPORT "export" DELETE "delete"
%token UPDATE "update" UNMASK "unmask" BY "by" OF "of" EXPIRES "expires"
%token AUDIT "audit" READ "read" CORPUS "corpus" BEYOND "beyond"
%token SELECT "select" FROM "from"
%token CURRENT_USER "current_user" IN "in" AND "and" OR "or" NOT "not"
%token IS "is" NULL "null" NE "!=" LE "<=" GE ">="
%token IDENT "name" INT "number" REAL "real number" STRING "string"
%token DURATION "duration" BOOL "true or false"
%token SESSION_ATTR "session attribute" INVALID "invalid token"

%left OR
%left AND
%precedence PREFIX_NOT
%nonassoc '=' NE '<' LE '>' GE IN IS NOT

%%

file
    : items                 { p->root = ast_new(A, NODE_FILE, @$);
                              p->root->as.file.items = $1; }
    ;

items
    : %empty                { $$ = ast_list_new(A, @$); }
    | items item            { $$ = ast_list_push(A, $1, $2); }
    ;

/* item = policy_decl | role_decl | ... ; a broken one is skipped to ';' */
item
    : policy_decl
    | role_decl
    | scenario_decl
    | mask_decl
    | class_decl
    | table_decl
    | approval_decl
    | audit_decl
    | corpus_decl
    | error ';'             { $$ = NULL; yyerrok; }
    | error '}'             { $$ = NULL; yyerrok; }
    ;

/* policy_decl = "policy" name "version" INT [STRING] ";" */
policy_decl
    : POLICY name VERSION INT opt_label ';'
                            { $$ = ast_policy_new(A, @$, $2, $4, $5); }
    ;

/* role_decl = "role" name [STRING] ["inherits" names] ";" */
role_decl
    : ROLE name opt_label opt_inherits ';'
                            { $$ = ast_role_new(A, @$, $2, $3, $4); }
    ;

opt_inherits
    : %empty                { $$ = NULL; }
    | INHERITS names        { $$ = $2; }
    ;

/* scenario_decl = "scenario" name [STRING] ";" */
scenario_decl
    : SCENARIO name opt_label ';'
                            { $$ = ast_scenario_new(A, @$, $2, $3); }
    ;

/* mask_decl = "mask" name "=" call ";" */
mask_decl
    : MASK name '=' call ';' { $$ = ast_mask_def_new(A, @$, $2, $4); }
    ;

/* call = name "(" [args] ")" */
call
    : name '(' ')'          { $$ = ast_call_new(A, @$, $1, NULL); }
    | name '(' args ')'     { $$ = ast_call_new(A, @$, $1, $3); }
    | NULL '(' ')'          { $$ = ast_call_new(A, @$,
                                  ast_name_new(A, @1, "null", 4), NULL); }
    ;

args
    : arg                   { $$ = ast_list_push(A, ast_list_new(A, @$), $1); }
    | args ',' arg          { $$ = ast_list_push(A, $1, $3); }
    ;

arg
    : number
    | STRING
    | name
    ;

number
    : INT
    | REAL
    | '-' INT               { $$ = ast_negate(A, @$, $2); }
    | '-' REAL              { $$ = ast_negate(A, @$, $2); }
    ;

/* class_decl = "classification" name [STRING] ["default" effect] ";" */
class_decl
    : CLASSIFICATION name opt_label opt_default ';'
                            { $$ = ast_classification_new(A, @$, $2, $3, $4); }
    ;

opt_default
    : %empty                { $$ = NULL; }
    | DEFAULT SHOW          { $$ = ast_effect_new(A, @$, EFFECT_SHOW, NULL); }
    | DEFAULT HIDE          { $$ = ast_effect_new(A, @$, EFFECT_HIDE, NULL); }
    | DEFAULT MASK mask_ref { $$ = ast_effect_new(A, @$, EFFECT_MASK, $3); }
    ;

/* mask_ref = name | call: a declared mask or an inline function call */
mask_ref
    : name
    | call
    ;

/* table_decl = "table" name "{" member* "}"; a broken header still has its
 * body read, so that its mistakes are reported and its '}' closes it */
table_decl
    : TABLE name '{' members '}'
                            { $$ = ast_table_new(A, @$, $2, $4); }
    | TABLE error '{' members '}'
                            { $$ = NULL; yyerrok; }
    ;

members
    : %empty                { $$ = ast_list_new(A, @$); }
    | members member        { $$ = ast_list_push(A, $1, $2); }
    ;

member
    : column
    | access
    | rows
    | write
    | error ';'             { $$ = NULL; yyerrok; }
    ;

/* column = name type {"key" | classification} ";" */
column
    : name name col_attrs ';'
                            { $$ = ast_column_new(A, @$, $1, $2, $3); }
    ;

col_attrs
    : %empty                { $$ = ast_list_new(A, @$); }
    | col_attrs KEY         { $$ = ast_list_push(A, $1,
                                  ast_new(A, NODE_BOOL, @2)); }
    | col_attrs name        { $$ = ast_list_push(A, $1, $2); }
    ;

/* access = ("show" | "hide") names [to] [in] ";"
 *        | "mask" names "with" mask_ref [to] [in] ";" */
access
    : SHOW names opt_to opt_in ';'
                    { $$ = ast_access_new(A, @$, EFFECT_SHOW, $2, NULL, $3, $4); }
    | HIDE names opt_to opt_in ';'
                    { $$ = ast_access_new(A, @$, EFFECT_HIDE, $2, NULL, $3, $4); }
    | MASK names WITH mask_ref opt_to opt_in ';'
                    { $$ = ast_access_new(A, @$, EFFECT_MASK, $2, $4, $5, $6); }
    ;

opt_to
    : %empty                { $$ = NULL; }
    | TO names              { $$ = $2; }
    ;

opt_in
    : %empty                { $$ = NULL; }
    | IN name               { $$ = $2; }
    ;

/* rows = "rows" ("where" expr | "all") "for" names ";" */
rows
    : ROWS WHERE expr FOR names ';'
                            { $$ = ast_rows_new(A, @$, $3, $5); }
    | ROWS ALL FOR names ';' { $$ = ast_rows_new(A, @$, NULL, $4); }
    ;

/* write = "write" names "to" names ";" */
write
    : WRITE names TO names ';'
                            { $$ = ast_write_new(A, @$, $2, $4); }
    ;

/* approval_decl = "approval" name [STRING] "{" approval_item* "}"; a broken
 * header still has its body read */
approval_decl
    : APPROVAL name opt_label '{' approval_items '}'
                            { $$ = ast_approval_new(A, @$, $2, $3, $5); }
    | APPROVAL error '{' approval_items '}'
                            { $$ = NULL; yyerrok; }
    ;

approval_items
    : %empty                { $$ = ast_list_new(A, @$); }
    | approval_items approval_item
                            { $$ = ast_list_push(A, $1, $2); }
    ;

/* approval_item = "export" names ["beyond" INT "rows"] ";"
 *               | ("delete" | "update" | "unmask") names ";"
 *               | "by" by_clause {"and" by_clause} ";"
 *               | "expires" DURATION ";" */
approval_item
    : EXPORT names ';'      { $$ = ast_guard_new(A, @$, GUARD_EXPORT, $2,
                                                 NULL); }
    | EXPORT names BEYOND INT ROWS ';'
                            { $$ = ast_guard_new(A, @$, GUARD_EXPORT, $2,
                                                 $4); }
    | DELETE names ';'      { $$ = ast_guard_new(A, @$, GUARD_DELETE, $2,
                                                 NULL); }
    | UPDATE names ';'      { $$ = ast_guard_new(A, @$, GUARD_UPDATE, $2,
                                                 NULL); }
    | UNMASK names ';'      { $$ = ast_guard_new(A, @$, GUARD_UNMASK, $2,
                                                 NULL); }
    | BY by_clauses ';'     { $$ = ast_by_new(A, @$, $2); }
    | EXPIRES DURATION ';'  { $$ = ast_expires_new(A, @$, $2); }
    | error ';'             { $$ = NULL; yyerrok; }
    ;

/* by_clause = INT "of" names: N approvers holding any of the roles */
by_clauses
    : by_clause             { $$ = ast_list_push(A, ast_list_new(A, @$), $1); }
    | by_clauses AND by_clause
                            { $$ = ast_list_push(A, $1, $3); }
    ;

by_clause
    : INT OF names          { $$ = ast_by_clause_new(A, @$, $1, $3); }
    ;

/* audit_decl = "audit" name audit_part+ ";" */
audit_decl
    : AUDIT name audit_parts ';'
                            { $$ = ast_audit_new(A, @$, $2, $3); }
    ;

audit_parts
    : audit_part            { $$ = ast_list_push(A, ast_list_new(A, @$), $1); }
    | audit_parts audit_part { $$ = ast_list_push(A, $1, $2); }
    ;

audit_part
    : READ names            { $$ = ast_audit_part_new(A, @$, false, $2); }
    | READ ALL              { $$ = ast_audit_part_new(A, @$, false, NULL); }
    | WRITE names           { $$ = ast_audit_part_new(A, @$, true, $2); }
    | WRITE ALL             { $$ = ast_audit_part_new(A, @$, true, NULL); }
    ;

/* corpus_decl = "corpus" STRING ";" */
corpus_decl
    : CORPUS STRING ';'     { $$ = ast_corpus_new(A, @$, $2); }
    ;

opt_label
    : %empty                { $$ = NULL; }
    | STRING
    ;

names
    : name                  { $$ = ast_list_push(A, ast_list_new(A, @$), $1); }
    | names ',' name        { $$ = ast_list_push(A, $1, $3); }
    ;

name
    : IDENT
    ;

/* expr = expr "or" expr | expr "and" expr | "not" expr
 *      | expr cmp expr | expr ["not"] "in" "(" values ")"
 *      | expr ["not"] "in" "(" subquery ")"
 *      | expr "is" ["not"] "null" | "(" expr ")" | primary */
expr
    : expr OR expr
                            { $$ = nest(p,
                                   ast_binary_new(A, @$, OP_OR, $1, $3)); }
    | expr AND expr
                            { $$ = nest(p,
                                   ast_binary_new(A, @$, OP_AND, $1, $3)); }
    | NOT expr %prec PREFIX_NOT
                            { $$ = nest(p, ast_not_new(A, @$, $2)); }
    | expr '=' expr
                            { $$ = nest(p,
                                   ast_binary_new(A, @$, OP_EQ, $1, $3)); }
    | expr NE expr
                            { $$ = nest(p,
                                   ast_binary_new(A, @$, OP_NE, $1, $3)); }
    | expr '<' expr
                            { $$ = nest(p,
                                   ast_binary_new(A, @$, OP_LT, $1, $3)); }
    | expr LE expr
                            { $$ = nest(p,
                                   ast_binary_new(A, @$, OP_LE, $1, $3)); }
    | expr '>' expr
                            { $$ = nest(p,
                                   ast_binary_new(A, @$, OP_GT, $1, $3)); }
    | expr GE expr
                            { $$ = nest(p,
                                   ast_binary_new(A, @$, OP_GE, $1, $3)); }
    | expr IN '(' values ')'
                            { $$ = nest(p, ast_in_new(A, @$, $1, $4, false)); }
    | expr NOT IN '(' values ')' %prec IN
                            { $$ = nest(p, ast_in_new(A, @$, $1, $5, true)); }
    | expr IN '(' subquery ')'
                            { $$ = nest(p,
                                   ast_in_select_new(A, @$, $1, $4, false)); }
    | expr NOT IN '(' subquery ')' %prec IN
                            { $$ = nest(p,
                                   ast_in_select_new(A, @$, $1, $5, true)); }
    | expr IS NULL
                            { $$ = nest(p,
                                   ast_is_null_new(A, @$, $1, false)); }
    | expr IS NOT NULL
                            { $$ = nest(p, ast_is_null_new(A, @$, $1, true)); }
    | '(' expr ')'          { $$ = $2; }
    | primary
    ;

/* subquery = "select" name "from" name ["where" expr]: membership in
 * another table of the policy */
subquery
    : SELECT name FROM name { $$ = ast_subquery_new(A, @$, $2, $4, NULL); }
    | SELECT name FROM name WHERE expr
                            { $$ = ast_subquery_new(A, @$, $2, $4, $6); }
    ;

primary
    : name
    | SESSION_ATTR
    | CURRENT_USER          { $$ = ast_new(A, NODE_CURRENT_USER, @$); }
    | literal
    ;

literal
    : number
    | STRING
    | BOOL
    | NULL                  { $$ = ast_new(A, NODE_NULL, @$); }
    ;

values
    : value                 { $$ = ast_list_push(A, ast_list_new(A, @$), $1); }
    | values ',' value      { $$ = ast_list_push(A, $1, $3); }
    ;

value
    : literal
    | SESSION_ATTR
    | CURRENT_USER          { $$ = ast_new(A, NODE_CURRENT_USER, @$); }
    ;

%%

/* is_token_class: KIND is a class of tokens ("name", "string"), not one
 * keyword or punctuation mark. */
static bool is_token_class(yysymbol_kind_t kind)
{
    switch (kind) {
    case YYSYMBOL_IDENT:
    case YYSYMBOL_INT:
    case YYSYMBOL_REAL:
    case YYSYMBOL_STRING:
    case YYSYMBOL_DURATION:
    case YYSYMBOL_BOOL:
    case YYSYMBOL_SESSION_ATTR:
    case YYSYMBOL_INVALID:
    case YYSYMBOL_YYEOF:
        return true;
    default:
        return false;
    }
}

/* token_text describes symbol KIND for a message: keywords and punctuation
 * in single quotes, classes of tokens ("name", "string") bare. */
static const char *token_text(Parser *p, yysymbol_kind_t kind)
{
    if (is_token_class(kind))
        return yysymbol_name(kind);
    const char *s = yysymbol_name(kind);
    size_t n = strlen(s);
    if ((s[0] == '"' || s[0] == '\'') && n >= 2)
        return arena_printf(p->arena, "'%.*s'", (int)(n - 2), s + 1);
    return arena_printf(p->arena, "'%s'", s);
}

/* invalid_hint is the hint for an invalid token of KIND. */
static const char *invalid_hint(LexInvalid kind)
{
    switch (kind) {
    case LEX_INVALID_NUMBER:
        return "a duration is a number and one of s, m, h, d (24h); a real "
               "number is written 12.5";
    case LEX_INVALID_CHAR:
        return "names are ASCII letters, digits, '_' and '.'; text belongs "
               "in double quotes";
    case LEX_INVALID_BYTE:
        return "a control character may stand only inside double quotes";
    }
    return "";
}

/* yyreport_syntax_error: "unexpected X, expected Y or Z", then the hint
 * "expected ';' after the role declaration" when a ';' would have fitted. */
static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner,
                                 Parser *p)
{
    (void)scanner;
    Lexer *lx = p->lx;
    yysymbol_kind_t tok = yypcontext_token(ctx);
    Span at = *yypcontext_location(ctx);
    yysymbol_kind_t expected[8];
    int n = yypcontext_expected_tokens(ctx, expected, 8);

    StrBuf msg;
    sb_init(&msg);
    if (tok == YYSYMBOL_INVALID && lx->invalid) {
        sb_puts(&msg, lx->invalid);
    } else if (tok == YYSYMBOL_YYEOF) {
        sb_puts(&msg, "unexpected end of file");
    } else if (tok == YYSYMBOL_IDENT) {
        sb_printf(&msg, "unexpected name '%.*s'", (int)(at.end - at.begin),
                  at.file->text + at.begin);
    } else {
        sb_printf(&msg, "unexpected %s", token_text(p, tok));
    }
    bool semi = false, duration = false, name = false;
    if (n > 0) {
        sb_puts(&msg, ", expected ");
        for (int i = 0; i < n; i++) {
            if (i > 0)
                sb_puts(&msg, i == n - 1 ? " or " : ", ");
            sb_puts(&msg, token_text(p, expected[i]));
            if (expected[i] == YYSYMBOL_YYUNDEF)
                continue;
            if (strcmp(yysymbol_name(expected[i]), "';'") == 0)
                semi = true;
            if (expected[i] == YYSYMBOL_DURATION)
                duration = true;
            if (expected[i] == YYSYMBOL_IDENT)
                name = true;
        }
    }
    /* A keyword where a declaration's name goes, or where a column would
     * start, is most likely a reserved word written as a name. */
    const char *word = yysymbol_name(tok);
    bool keyword = word[0] >= 'a' && word[0] <= 'z' && !is_token_class(tok);
    int first = lx->stmt_tok;
    bool declared_name =
        (name && lx->stmt_len == 2 &&
         (first == TOK_POLICY || first == TOK_ROLE || first == TOK_SCENARIO ||
          first == TOK_MASK || first == TOK_CLASSIFICATION ||
          first == TOK_TABLE || first == TOK_APPROVAL || first == TOK_AUDIT)) ||
        (lx->tok_starts && lx->tok_block == BLOCK_TABLE);
    if (at.begin == at.end && at.file && at.begin > 0 && tok == YYSYMBOL_YYEOF)
        at.begin = at.end = (uint32_t)at.file->len;
    Diagnostic *x = diag_error(p->diag, at, "%s", sb_cstr(&msg));
    sb_free(&msg);
    /* How to go on: supply a missing ';' (or '}') and read the token again
     * when it starts the next statement, so that one mistake is reported
     * once and the next statement is still read. */
    const char *stmt = lx->stmt;
    LexResync resync = lexer_resync(lx);
    const char *sql = lexer_sql_hint(lx);
    if (sql)
        diag_hint(p->diag, x, "%s", sql);
    else if (semi && stmt)
        diag_hint(p->diag, x, "expected ';' after %s", stmt);
    else if (resync == RESYNC_SEMI && stmt && lx->tok_block != BLOCK_TOP &&
             tok == YYSYMBOL_IDENT)
        diag_hint(p->diag, x, "this line starts a column declaration, but "
                              "%s before it is not complete", stmt);
    else if (resync == RESYNC_SEMI && stmt)
        diag_hint(p->diag, x, "this starts another statement, but %s "
                              "before it is not complete", stmt);
    else if (keyword && declared_name && resync == RESYNC_NONE)
        diag_hint(p->diag, x, "%s is a reserved word, so it cannot be a "
                              "name; docs/language.md lists them",
                  token_text(p, tok));
    else if (duration)
        diag_hint(p->diag, x, "a duration is a number and a unit s, m, h "
                              "or d, written together: 24h");
    else if (tok == YYSYMBOL_YYEOF)
        ; /* the expected tokens say it */
    else if (n == 0 && lx->hist[0].tok == '}' && lx->tok_block == BLOCK_TOP)
        diag_hint(p->diag, x, "no table or approval is open here");
    else if (n == 0 && lx->tok_starts)
        diag_hint(p->diag, x, "%s", lx->tok_block == BLOCK_TABLE
            ? "a table holds column declarations and show, mask, hide, "
              "rows and write rules"
            : lx->tok_block == BLOCK_APPROVAL
            ? "an approval holds export, delete, update, unmask, by and "
              "expires lines"
            : "a policy is made of policy, role, scenario, mask, "
              "classification, table, approval, audit and corpus "
              "statements");
    else if (n == 0 && lx->in_expr && tok != YYSYMBOL_INVALID)
        diag_hint(p->diag, x, "a row expression compares columns with "
                              "literals, session.ATTR and current_user, "
                              "joined by and, or, not; "
                              "see docs/language.md, Row expressions");
    else if (tok == YYSYMBOL_INVALID && lx->invalid)
        diag_hint(p->diag, x, "%s", invalid_hint(lx->invalid_kind));
    if (resync == RESYNC_BLOCK)
        diag_hint(p->diag, x, "%s above has no '}' before this line",
                  lx->tok_block == BLOCK_TABLE ? "the table" : "the approval");
    return 0;
}
