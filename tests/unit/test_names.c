/*
 * test_names.c - the limits of names and numbers
 * (docs/semantics.md#reserved-names-and-limits).
 *
 * The golden cases in tests/golden/errors/104-121 pin the text of each
 * refusal; these tests hold the other side of each line: what is refused
 * has the right code for every kind of declaration, and what sits just
 * inside the limit compiles and reaches the generated SQL unchanged (a
 * 63-byte name, the largest and smallest int64, the largest double, a long
 * Chinese label).
 */
#include "check.h"

#include "emit_postgres.h"
#include "emit_sqlite.h"
#include "parse.h"

#include <float.h>
#include <stdlib.h>

static Arena arena;

/* compile parses and resolves TEXT. Returns the model or NULL; *CODE gets
 * the code of the first diagnostic (DIAG_NO_CODE when there is none, or
 * when it has no code) and *ERRORS the error count. */
static Model *compile(const char *text, DiagCode *code, int *errors)
{
    Diag d;
    diag_init(&d, &arena);
    Source *src = source_from_string(&arena, "t.ward", text, strlen(text));
    ParseResult pr;
    Model *m = NULL;
    if (parse_source(&arena, &d, src, &pr) == 0)
        m = model_build(&arena, &d, src, pr.root);
    *code = d.len ? d.items[0]->code : DIAG_NO_CODE;
    *errors = d.errors;
    diag_dispose(&d);
    return m;
}

/* code_of is the code of the first diagnostic of TEXT. */
static DiagCode code_of(const char *text)
{
    DiagCode code;
    int errors;
    compile(text, &code, &errors);
    return code;
}

/* ok compiles TEXT and reports whether it compiled without a diagnostic. */
static Model *ok(const char *text)
{
    DiagCode code;
    int errors;
    Model *m = compile(text, &code, &errors);
    if (!m || errors) {
        fprintf(stderr, "did not compile:\n%s\n", text);
        return NULL;
    }
    return m;
}

/* name_of returns PREFIX padded with letters to exactly LEN bytes. */
static const char *name_of(const char *prefix, size_t len)
{
    char *s = arena_alloc(&arena, len + 1);
    size_t n = strlen(prefix);
    memcpy(s, prefix, n < len ? n : len);
    for (size_t i = n; i < len; i++)
        s[i] = (char)('a' + i % 26);
    return s;
}

/* policy_with declares one name of every kind, each LEN bytes long. */
static const char *policy_with(size_t len)
{
    return arena_printf(&arena,
                        "policy %s version 1;\n"
                        "role %s;\n"
                        "scenario %s;\n"
                        "mask %s = keep(1, 0);\n"
                        "classification %s default mask %s;\n"
                        "table %s {\n"
                        "  id integer key;\n"
                        "  %s text %s;\n"
                        "  show %s to %s in %s;\n"
                        "}\n"
                        "approval %s {\n"
                        "  export %s;\n"
                        "  by 1 of %s;\n"
                        "}\n",
                        name_of("p", len), name_of("r", len), name_of("s", len),
                        name_of("m", len), name_of("pii.", len),
                        name_of("m", len), name_of("t", len), name_of("c", len),
                        name_of("pii.", len), name_of("c", len),
                        name_of("r", len), name_of("s", len), name_of("a", len),
                        name_of("t", len), name_of("r", len));
}

static void test_length(void)
{
    /* 63 bytes: every kind compiles, and both targets keep the name whole. */
    Model *m = ok(policy_with(63));
    CHECK(m != NULL);
    if (m) {
        CHECK_INT(strlen(m->name), 63);
        CHECK_INT(strlen(m->roles[0].name), 63);
        CHECK_INT(strlen(m->tables[0].columns[1].name), 63);
        StrBuf sq, pg;
        sb_init(&sq);
        sb_init(&pg);
        emit_sqlite(m, &sq);
        PgOptions opt = {0};
        emit_postgres(m, &opt, &pg);
        CHECK(strstr(sb_cstr(&sq), name_of("c", 63)) != NULL);
        CHECK(strstr(sb_cstr(&pg), name_of("r", 63)) != NULL);
        CHECK(strstr(sb_cstr(&pg), name_of("p", 63)) != NULL);
        sb_free(&sq);
        sb_free(&pg);
    }
    /* 64 bytes: one error per declared name, each E001. */
    DiagCode code;
    int errors;
    CHECK(compile(policy_with(64), &code, &errors) == NULL);
    CHECK_INT(code, DIAG_NAME_TOO_LONG);
    CHECK_INT(errors, 8);
    /* A label is text, not a name: 60 Chinese characters are 180 bytes. */
    StrBuf label;
    sb_init(&label);
    for (int i = 0; i < 60; i++)
        sb_puts(&label, "客");
    CHECK(
        ok(arena_printf(&arena, "policy p version 1 \"%s\";\nrole r \"%s\";\n",
                        sb_cstr(&label), sb_cstr(&label))) != NULL);
    sb_free(&label);
}

/* A reserved name in every place and case it is refused. */
static void test_reserved(void)
{
    static const struct {
        const char *text;
        DiagCode code;
    } cases[] = {
        {"policy ward_p version 1;\nrole r;\n", DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole ward_owner;\n", DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole WARD_OWNER;\n", DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole pg_read_all_data;\n", DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole r;\nscenario Sqlite_x;\n",
         DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole r;\nmask pG_m = redact();\n",
         DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole r;\nclassification ward_x.y;\n",
         DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole r;\ntable sqlite_stat1 { x text; }\n",
         DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole r;\ntable t { ward_x text; }\n",
         DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole r;\ntable t { x text; }\n"
         "approval Ward_a { export t; by 1 of r; }\n",
         DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole r;\ntable t { rowid text; }\n",
         DIAG_RESERVED_COLUMN},
        {"policy p version 1;\nrole r;\ntable t { _ROWID_ text; }\n",
         DIAG_RESERVED_COLUMN},
        {"policy p version 1;\nrole r;\ntable t { OID text; }\n",
         DIAG_RESERVED_COLUMN},
        {"policy ward version 1;\nrole r;\n", DIAG_RESERVED_POLICY},
        {"policy WARD version 1;\nrole r;\n", DIAG_RESERVED_POLICY},
        {"policy public version 1;\nrole r;\n", DIAG_RESERVED_POLICY},
        {"policy Information_Schema version 1;\nrole r;\n",
         DIAG_RESERVED_POLICY},
        {"policy pg_catalog version 1;\nrole r;\n", DIAG_RESERVED_PREFIX},
        {"policy p version 1;\nrole public;\n", DIAG_RESERVED_ROLE},
        {"policy p version 1;\nrole PUBLIC;\n", DIAG_RESERVED_ROLE},
        {"policy p version 1;\nrole none;\n", DIAG_RESERVED_ROLE},
        {"policy p version 1;\nrole Current_User;\n", DIAG_RESERVED_ROLE},
        {"policy p version 1;\nrole current_role;\n", DIAG_RESERVED_ROLE},
        {"policy p version 1;\nrole session_user;\n", DIAG_RESERVED_ROLE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        DiagCode got = code_of(cases[i].text);
        if (got != cases[i].code)
            fprintf(stderr, "case %zu: %s", i, cases[i].text);
        CHECK_INT(got, cases[i].code);
    }
    /* Names that only look like the reserved ones. */
    CHECK(ok("policy wards version 1;\n"
             "role ward; role pgx; role sqlite; role publicity; role nobody;\n"
             "scenario ward;\n"
             "table rowid { rowids text; oid_x text; x_rowid_ text; }\n"
             "table public { none text; ward text; }\n") != NULL);
    /* Only roles and policies have reserved whole names. */
    CHECK(ok("policy p version 1;\nrole r;\nscenario public;\n"
             "table none { current_user_name text; }\n") != NULL);
}

/* rows_policy is a policy whose one rows rule has the condition COND. */
static const char *rows_policy(const char *cond)
{
    return arena_printf(&arena,
                        "policy p version 1;\nrole r;\n"
                        "table t { n integer; x real; rows where %s for r; }\n",
                        cond);
}

/* rows_literal is the right side of the first rows rule of M. */
static const Node *rows_literal(const Model *m)
{
    return m->rowrules[0].expr->as.binary.right;
}

static void test_numbers(void)
{
    Model *m = ok("policy p version 9223372036854775807;\nrole r;\n");
    CHECK(m != NULL);
    if (m)
        CHECK(m->version == INT64_MAX);
    CHECK_INT(code_of("policy p version 9223372036854775808;\nrole r;\n"),
              DIAG_INT_OUT_OF_RANGE);

    m = ok(rows_policy("n > -9223372036854775808"));
    CHECK(m != NULL);
    if (m)
        CHECK(rows_literal(m)->as.int_lit.value == INT64_MIN);
    m = ok(rows_policy("n < 9223372036854775807"));
    CHECK(m != NULL);
    if (m)
        CHECK(rows_literal(m)->as.int_lit.value == INT64_MAX);
    CHECK_INT(code_of(rows_policy("n > -9223372036854775809")),
              DIAG_INT_OUT_OF_RANGE);
    CHECK_INT(code_of(rows_policy("n < 9223372036854775808")),
              DIAG_INT_OUT_OF_RANGE);
    CHECK_INT(code_of(rows_policy("n in (1, 99999999999999999999)")),
              DIAG_INT_OUT_OF_RANGE);

    /* The largest double, written out, is a real; ten times it is not. */
    char max[400];
    snprintf(max, sizeof max, "%.1f", DBL_MAX);
    m = ok(rows_policy(arena_printf(&arena, "x < %s", max)));
    CHECK(m != NULL);
    if (m)
        CHECK(rows_literal(m)->as.real_lit.value == DBL_MAX);
    m = ok(rows_policy(arena_printf(&arena, "x > -%s", max)));
    CHECK(m != NULL);
    if (m)
        CHECK(rows_literal(m)->as.real_lit.value == -DBL_MAX);
    CHECK_INT(code_of(rows_policy(arena_printf(&arena, "x < 9%s", max))),
              DIAG_REAL_OUT_OF_RANGE);
    /* 0.000...1 with 400 zeros would read as 0; 0.000...0 is 0. */
    StrBuf tiny;
    sb_init(&tiny);
    sb_puts(&tiny, "0.");
    for (int i = 0; i < 400; i++)
        sb_putc(&tiny, '0');
    CHECK(ok(rows_policy(arena_printf(&arena, "x > %s", sb_cstr(&tiny)))) !=
          NULL);
    sb_putc(&tiny, '1');
    CHECK_INT(
        code_of(rows_policy(arena_printf(&arena, "x > %s", sb_cstr(&tiny)))),
        DIAG_REAL_OUT_OF_RANGE);
    sb_free(&tiny);

    /* Mask arguments and approval counts are numbers too. */
    CHECK_INT(code_of("policy p version 1;\nrole r;\n"
                      "mask m = keep(18446744073709551616, 0);\n"),
              DIAG_INT_OUT_OF_RANGE);
    CHECK_INT(
        code_of("policy p version 1;\nrole r;\n"
                "table t { x text; }\n"
                "approval a { export t; by 99999999999999999999 of r; }\n"),
        DIAG_INT_OUT_OF_RANGE);
}

int main(void)
{
    arena_init(&arena);
    test_length();
    test_reserved();
    test_numbers();
    arena_free(&arena);
    return check_report("test_names");
}
