/*
 * fuzz_fmt.c - libFuzzer target for `ward fmt`'s round trip, built by
 * `make fuzz`.
 *
 * For any input X that parses without error: fmt(X) parses without error,
 * to the same syntax tree (ast_dump, which leaves out locations and
 * comments), and formatting is idempotent: fmt(fmt(X)) == fmt(X). Any
 * difference aborts with both texts on stderr.
 */
#include "ast.h"
#include "diag.h"
#include "fmt.h"
#include "parse.h"
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* format parses TEXT; on success writes its formatting to OUT and its
 * tree to DUMP (either may be NULL) and returns true. */
static bool format(Arena *a, const char *text, size_t len, StrBuf *out,
                   StrBuf *dump)
{
    Diag d;
    diag_init(&d, a);
    Source *src = source_from_string(a, "fuzz.ward", text, len);
    ParseResult pr;
    bool ok = parse_source(a, &d, src, &pr) == 0 && pr.root;
    if (ok && out)
        fmt_policy(&pr, src, out);
    if (ok && dump)
        ast_dump(pr.root, dump);
    diag_dispose(&d);
    return ok;
}

static void differ(const char *what, const StrBuf *a, const StrBuf *b)
{
    fprintf(stderr, "fuzz_fmt: %s\n--- first\n%s\n--- second\n%s\n", what,
            sb_cstr((StrBuf *)a), sb_cstr((StrBuf *)b));
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena arena;
    arena_init(&arena);
    StrBuf f1, f2, d1, d2;
    sb_init(&f1);
    sb_init(&f2);
    sb_init(&d1);
    sb_init(&d2);
    if (format(&arena, (const char *)data, size, &f1, &d1)) {
        if (!format(&arena, sb_cstr(&f1), f1.len, &f2, &d2))
            differ("the formatted policy does not parse", &f1, &d1);
        if (d1.len != d2.len || memcmp(sb_cstr(&d1), sb_cstr(&d2), d1.len))
            differ("formatting changed the syntax tree", &d1, &d2);
        if (f1.len != f2.len || memcmp(sb_cstr(&f1), sb_cstr(&f2), f1.len))
            differ("formatting is not idempotent", &f1, &f2);
    }
    sb_free(&f1);
    sb_free(&f2);
    sb_free(&d1);
    sb_free(&d2);
    arena_free(&arena);
    return 0;
}
