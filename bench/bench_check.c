/*
 * bench_check.c - how fast `ward check` runs a large corpus.
 *
 * Writes a corpus of 10,000 cases for the running example (the shipped
 * cases' kinds of reads, one session each), then times, in this process:
 *   - ward check's loader and runner on it (load, bind, run every case on
 *     its own copy of the test database);
 *   - the baseline: the same number of fresh database copies, each running
 *     one hand-written query against the base table, no session, no
 *     policy.
 * The ratio is what ward's per-case work (session, views, audit, the
 * comparison) costs over the bare minimum a case needs.
 */
#include "corpus.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CASES 10000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const READS[][3] = {
    {"cs_agent", "phone", "138****5678"},
    {"cs_supervisor", "phone", "\"13812345678\""},
    {"pharmacist", "medication", "metformin"},
    {"compliance", "id_card", "\"110101199003071234\""},
    {"cs_agent", "id_card", "null"},
};

static void write_corpus(const char *path)
{
    FILE *f = fopen(path, "w");
    fputs("fixtures:\n  customers:\n", f);
    for (int i = 1; i <= 100; i++)
        fprintf(f,
                "    - {id: %d, name: 张三丰, phone: \"13812345678\", "
                "id_card: \"110101199003071234\", medication: metformin, "
                "store_id: 7, owner: r01}\n",
                i);
    fputs("cases:\n", f);
    for (int i = 0; i < CASES; i++) {
        const char *const *r = READS[i % 5];
        fprintf(f,
                "  - name: case %d\n    session: {roles: [%s], user: u%d}\n"
                "    read: customers.%s\n    where: {id: %d}\n"
                "    expect: %s\n",
                i, r[0], i, r[1], 1 + i % 100, r[2]);
    }
    fclose(f);
}

int main(void)
{
    char path[] = "/tmp/ward-bench-corpus-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    write_corpus(path);

    Arena a;
    arena_init(&a);
    Diag d;
    diag_init(&d, &a);
    Model *m = load_policy(&a, &d, "policies/gsp_pharmacy.ward", NULL);
    if (!m) {
        diag_print(&d, stderr);
        fprintf(stderr, "bench_check: run from the repository root\n");
        return 1;
    }
    double t0 = now();
    Corpus *c = corpus_load(&a, &d, path);
    if (!c || !corpus_bind(c, m, &d)) {
        diag_print(&d, stderr);
        return 1;
    }
    double t1 = now();
    RunResult rr;
    const char *err = NULL;
    if (!runner_run(m, c, &a, &rr, &err) || rr.failed) {
        fprintf(stderr, "bench_check: %s\n", err ? err : "cases failed");
        return 1;
    }
    double t2 = now();

    /* Baseline: a fresh copy and one hand-written query per case. */
    unsigned char *image;
    sqlite3_int64 size;
    runner_template(m, c, &a, &image, &size, &err);
    double t3 = now();
    for (int i = 0; i < CASES; i++) {
        sqlite3 *db = runner_open(image, size);
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "SELECT phone FROM main.customers WHERE id = ?",
                           -1, &st, NULL);
        sqlite3_bind_int(st, 1, 1 + i % 100);
        while (sqlite3_step(st) == SQLITE_ROW)
            (void)sqlite3_column_text(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    double t4 = now();
    sqlite3_free(image);

    double run = t2 - t1, base = t4 - t3;
    printf("ward check on %d cases (policies/gsp_pharmacy.ward)\n", CASES);
    printf("%-34s %10s %12s\n", "", "seconds", "us per case");
    printf("%-34s %10.3f %12.1f\n", "load and bind the corpus", t1 - t0,
           (t1 - t0) / CASES * 1e6);
    printf("%-34s %10.3f %12.1f\n", "run every case", run, run / CASES * 1e6);
    printf("%-34s %10.3f %12.1f\n", "baseline: copy + one raw query", base,
           base / CASES * 1e6);
    printf("ratio run / baseline: %.2f\n", run / base);
    remove(path);
    diag_dispose(&d);
    arena_free(&a);
    return 0;
}
