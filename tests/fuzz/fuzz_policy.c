/*
 * fuzz_policy.c - libFuzzer target for the policy front end and model,
 * built by `make fuzz`.
 *
 * Any bytes go through what `ward compile` does with a file: the UTF-8
 * check, the lexer and parser (with their recovery), the model's passes,
 * and, when the model is clean, both targets' checks and emitters; the
 * diagnostics are printed (to /dev/null) so that their rendering of any
 * span is exercised too. ASan and UBSan judge; nothing may crash, leak,
 * overflow the stack or take longer than libFuzzer's timeout.
 */
#include "diag.h"
#include "emit_postgres.h"
#include "emit_sqlite.h"
#include "model.h"
#include "parse.h"
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    Arena arena;
    arena_init(&arena);
    Diag d;
    diag_init(&d, &arena);
    Source *src =
        source_from_string(&arena, "fuzz.ward", (const char *)data, size);
    ParseResult pr;
    if (parse_source(&arena, &d, src, &pr) == 0 && pr.root) {
        Model *m = model_build(&arena, &d, src, pr.root);
        if (m) {
            StrBuf sql;
            sb_init(&sql);
            if (emit_sqlite_check(m, &d))
                emit_sqlite(m, &sql);
            sb_reset(&sql);
            if (emit_postgres_check(m, &d))
                emit_postgres(m, &(PgOptions){true, true}, &sql);
            sb_free(&sql);
        }
    }
    diag_print(&d, sink);
    diag_dispose(&d);
    arena_free(&arena);
    return 0;
}
