/*
 * test_check.c - the corpus runner's machinery that the CLI tests cannot
 * reach: translation validation catches SQL that disagrees with the
 * decision function.
 */
#include "check.h"

#include "corpus.h"
#include "exhaustive.h"
#include "model.h"
#include "parse.h"

#include <unistd.h>

static const char *const POLICY = "policy t version 1;\n"
                                  "role clerk;\n"
                                  "role boss;\n"
                                  "mask last4 = keep(0, 4);\n"
                                  "table cards {\n"
                                  "  id integer key;\n"
                                  "  number text;\n"
                                  "  holder text;\n"
                                  "  mask number with last4 to clerk;\n"
                                  "  show number to boss;\n"
                                  "  hide holder to clerk;\n"
                                  "}\n";

static Model *build(Arena *a, const char *text)
{
    Diag d;
    diag_init(&d, a);
    Source *src = source_from_string(a, "t.ward", text, strlen(text));
    ParseResult pr;
    Model *m = NULL;
    if (parse_source(a, &d, src, &pr) == 0 && pr.root)
        m = model_build(a, &d, src, pr.root);
    if (d.errors)
        diag_print(&d, stderr);
    diag_dispose(&d);
    return m;
}

static Corpus *corpus(Arena *a, const Model *m)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/ward-test-check-%ld.yaml",
             (long)getpid());
    FILE *f = fopen(path, "w");
    fputs("fixtures:\n  cards:\n"
          "    - {id: 1, number: \"6222020200001234\", holder: ann}\n"
          "    - {id: 2, number: \"6222020200005678\", holder: bob}\n"
          "cases: []\n",
          f);
    fclose(f);
    Diag d;
    diag_init(&d, a);
    Corpus *c = corpus_load(a, &d, path);
    if (c && !corpus_bind(c, m, &d))
        c = NULL;
    if (d.errors)
        diag_print(&d, stderr);
    diag_dispose(&d);
    remove(path);
    return c;
}

static void test_exhaustive(void)
{
    Arena a;
    arena_init(&a);
    Model *m = build(&a, POLICY);
    CHECK(m != NULL);
    Corpus *c = m ? corpus(&a, m) : NULL;
    CHECK(c != NULL);
    if (!c) {
        arena_free(&a);
        return;
    }
    ExhaustiveResult r;
    const char *err = NULL;
    CHECK(exhaustive_run(m, c, &a, &r, &err));
    /* 2 roles x 1 (no scenario) x 2 rows x 3 columns. */
    CHECK_INT(r.checked, 12);
    CHECK_INT(r.nmismatches, 0);

    /* SQL compiled from a policy where the clerk sees the number in clear,
     * held to the original decisions: every clerk number differs. */
    char *bad = arena_strdup(&a, POLICY);
    char *at = strstr(bad, "mask number with last4 to clerk;");
    memcpy(at, "show number             to clerk;",
           strlen("show number             to clerk;"));
    Model *emit = build(&a, bad);
    CHECK(emit != NULL);
    if (emit) {
        CHECK(exhaustive_compare(m, emit, c, &a, &r, &err));
        CHECK_INT(r.nmismatches, 2);
        CHECK(r.nmismatches &&
              strstr(r.mismatches[0], "cards.number of row 1: the decision "
                                      "(mask last4") != NULL);
    }
    arena_free(&a);
}

int main(void)
{
    test_exhaustive();
    return check_report("test_check");
}
