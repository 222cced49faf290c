/*
 * fuzz_corpus.c - libFuzzer target for the audit corpus loader (check/
 * corpus.c, libyaml), built by `make fuzz`.
 *
 * Any bytes are loaded as a corpus and, when they load, bound against a
 * fixed policy (tables, columns, roles, scenarios, approvals); the
 * diagnostics are printed to /dev/null. The loader must refuse what it
 * cannot take (repeated keys, alias cycles, alias bombs, deep nesting)
 * with an error, never a crash, a leak or a timeout.
 */
#include "corpus.h"
#include "diag.h"
#include "model.h"
#include "parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char POLICY[] = "policy g version 1;\n"
                             "role clerk;\n"
                             "role boss inherits clerk;\n"
                             "scenario review;\n"
                             "table cards {\n"
                             "  id     integer key;\n"
                             "  number text;\n"
                             "  owner  text;\n"
                             "  write number to clerk;\n"
                             "  mask number with redact() to clerk;\n"
                             "  rows where owner = current_user for clerk;\n"
                             "  rows all for boss;\n"
                             "}\n"
                             "approval export_cards \"export the cards\" {\n"
                             "  export cards;\n"
                             "  by 1 of boss;\n"
                             "}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Arena policy_arena;
    static const Model *model;
    static FILE *sink;
    if (!model) {
        arena_init(&policy_arena);
        Diag d;
        diag_init(&d, &policy_arena);
        Source *src = source_from_string(&policy_arena, "g.ward", POLICY,
                                         sizeof POLICY - 1);
        ParseResult pr;
        if (parse_source(&policy_arena, &d, src, &pr) == 0)
            model = model_build(&policy_arena, &d, src, pr.root);
        if (!model) {
            diag_print(&d, stderr);
            abort();
        }
        diag_dispose(&d);
        sink = fopen("/dev/null", "w");
    }
    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, &arena);
    Source *src =
        source_from_string(&arena, "fuzz.yaml", (const char *)data, size);
    Corpus *c = corpus_load_source(&arena, &d, src);
    if (c)
        corpus_bind(c, model, &d);
    diag_print(&d, sink);
    diag_dispose(&d);
    arena_free(&arena);
    return 0;
}
