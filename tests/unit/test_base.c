/*
 * test_base.c - the compiler's base: arena, strbuf, line maps, spans,
 * edit distance and the rendering of diagnostics.
 */
#include "check.h"

#include "arena.h"
#include "diag.h"
#include "strbuf.h"

#include <limits.h>
#include <stdlib.h>

static void test_arena(void)
{
    Arena a;
    arena_init(&a);
    char *p = arena_alloc(&a, 10);
    CHECK(p != NULL);
    CHECK(p[0] == 0 && p[9] == 0); /* zeroed */
    /* Larger than one block, and many small ones, stay usable. */
    char *big = arena_alloc(&a, 200000);
    big[199999] = 'x';
    for (int i = 0; i < 10000; i++)
        arena_alloc(&a, 24);
    CHECK_STR(arena_strndup(&a, "policy", 3), "pol");
    CHECK_STR(arena_printf(&a, "%s-%d", "v", 2), "v-2");
    CHECK(((uintptr_t)arena_alloc(&a, 3) & 15) == 0); /* aligned */
    arena_free(&a);
    CHECK(a.head == NULL);
}

static void test_strbuf(void)
{
    StrBuf sb;
    sb_init(&sb);
    CHECK_STR(sb_cstr(&sb), "");
    sb_puts(&sb, "ab");
    sb_putc(&sb, 'c');
    sb_printf(&sb, "%d", 42);
    CHECK_STR(sb_cstr(&sb), "abc42");
    CHECK_INT(sb.len, 5);
    for (int i = 0; i < 1000; i++)
        sb_puts(&sb, "0123456789");
    CHECK_INT(sb.len, 10005);
    CHECK(!sb_failed(&sb));
    sb_reset(&sb);
    CHECK_STR(sb_cstr(&sb), "");
    /* Padding counts display columns: CJK characters are two wide. */
    sb_puts(&sb, "张三");
    sb_pad_to(&sb, 0, 6);
    CHECK_STR(sb_cstr(&sb), "张三  ");
    CHECK_INT(text_width("a张", strlen("a张")), 3);
    /* sb_put_int writes what "%lld" would, at both ends of the range. */
    sb_reset(&sb);
    const long long ints[] = {0, 7, -7, 4294967295LL, LLONG_MAX, LLONG_MIN};
    char want[64];
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        sb_reset(&sb);
        sb_put_int(&sb, ints[i]);
        snprintf(want, sizeof want, "%lld", ints[i]);
        CHECK_STR(sb_cstr(&sb), want);
    }
    /* sb_printf formats into the room left, or grows and formats again:
     * the same text either way, across the boundary of a full buffer. */
    StrBuf big;
    sb_init(&big);
    StrBuf ref;
    sb_init(&ref);
    for (int i = 0; i < 2000; i++) {
        sb_printf(&big, "%d:%s;", i, i % 7 ? "x" : "a longer piece of text");
        snprintf(want, sizeof want, "%d:%s;", i,
                 i % 7 ? "x" : "a longer piece of text");
        sb_puts(&ref, want);
    }
    CHECK_INT(big.len, ref.len);
    CHECK(strcmp(sb_cstr(&big), sb_cstr(&ref)) == 0);
    sb_free(&big);
    sb_free(&ref);
    sb_free(&sb);
}

static void test_srcmap(void)
{
    Arena a;
    arena_init(&a);
    const char *text = "ab\n张三 x\n\nlast";
    Source *src = source_from_string(&a, "f.ward", text, strlen(text));
    size_t line, col;
    srcmap_line_col(src, 0, &line, &col);
    CHECK_INT(line, 1);
    CHECK_INT(col, 1);
    srcmap_line_col(src, 3, &line, &col);
    CHECK_INT(line, 2);
    CHECK_INT(col, 1);
    /* Columns count characters: 'x' follows two CJK characters. */
    srcmap_line_col(src, (uint32_t)(strchr(text, 'x') - text), &line, &col);
    CHECK_INT(line, 2);
    CHECK_INT(col, 4);
    srcmap_line_col(src, (uint32_t)strlen(text), &line, &col);
    CHECK_INT(line, 4);
    CHECK_INT(col, 5);
    Span s = span_join((Span){src, 5, 7}, (Span){src, 2, 3});
    CHECK_INT(s.begin, 2);
    CHECK_INT(s.end, 7);
    arena_free(&a);
}

static void test_edit_distance(void)
{
    CHECK_INT(edit_distance("pharmacist", "pharmacist"), 0);
    CHECK_INT(edit_distance("phamacist", "pharmacist"), 1);
    CHECK_INT(edit_distance("kep", "keep"), 1);
    CHECK_INT(edit_distance("", "abc"), 3);
    CHECK_INT(edit_distance("abc", "xyz"), 3);
}

static void test_diag_render(void)
{
    Arena a;
    arena_init(&a);
    Diag d;
    diag_init(&d, &a);
    const char *text = "role a;\n  show x to admn;\n";
    Source *src = source_from_string(&a, "p.ward", text, strlen(text));
    uint32_t at = (uint32_t)(strstr(text, "admn") - text);
    Diagnostic *x =
        diag_error(&d, (Span){src, at, at + 4}, "unknown role '%s'", "admn");
    diag_hint(&d, x, "did you mean '%s'?", "admin");
    diag_warning(&d, (Span){src, 0, 4}, "first");
    CHECK_INT(d.errors, 1);
    CHECK_INT(d.warnings, 1);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    diag_print(&d, f);
    fclose(f);
    /* Sorted by position: the warning at 1:1 comes first. */
    CHECK_STR(buf, "p.ward:1:1: warning: first\n"
                   "    1 | role a;\n"
                   "      | ^~~~\n"
                   "p.ward:2:13: error: unknown role 'admn'\n"
                   "    2 |   show x to admn;\n"
                   "      |             ^~~~\n"
                   "hint: did you mean 'admin'?\n");
    free(buf);
    diag_dispose(&d);
    arena_free(&a);
}

/* A message has no length limit: one quoting a name of 2,000 characters
 * (an unknown role, as the model reports it) comes back whole, in the
 * message, in a note and in a hint, and prints whole. Formatting into a
 * fixed buffer of 1,024 bytes used to cut it there without a word. */
static void test_diag_long_message(void)
{
    Arena a;
    arena_init(&a);
    Diag d;
    diag_init(&d, &a);
    enum { LONG = 2000 };
    char name[LONG + 1];
    memset(name, 'r', LONG);
    name[LONG - 1] = 'z'; /* the end shows it is all there */
    name[LONG] = '\0';
    const char *text = "role a;\n";
    Source *src = source_from_string(&a, "p.ward", text, strlen(text));
    Diagnostic *x =
        diag_error(&d, (Span){src, 5, 6}, "unknown role '%s'", name);
    diag_note(&d, x, (Span){src, 0, 4}, "'%s' is used here", name);
    diag_hint(&d, x, "did you mean '%s'?", name);
    CHECK_INT(strlen(x->msg), LONG + strlen("unknown role ''"));
    CHECK(strstr(x->msg, name) != NULL);
    CHECK_INT(x->nnotes, 2);
    CHECK_INT(strlen(x->notes[0].msg), LONG + strlen("'' is used here"));
    CHECK_INT(strlen(x->notes[1].msg), LONG + strlen("did you mean ''?"));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    diag_print(&d, f);
    fclose(f);
    char *want = xmalloc(LONG + 64);
    snprintf(want, LONG + 64, "p.ward:1:6: error: unknown role '%s'\n", name);
    CHECK(strncmp(buf, want, strlen(want)) == 0);
    snprintf(want, LONG + 64, "hint: did you mean '%s'?\n", name);
    CHECK(len >= strlen(want) && strcmp(buf + len - strlen(want), want) == 0);
    free(want);
    free(buf);
    diag_dispose(&d);
    arena_free(&a);
}

int main(void)
{
    test_arena();
    test_strbuf();
    test_srcmap();
    test_edit_distance();
    test_diag_render();
    test_diag_long_message();
    return check_report("test_base");
}
