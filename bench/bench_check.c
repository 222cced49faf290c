/*
 * bench_check.c - how fast `ward check` runs a large corpus, and how its
 * time grows with the corpus.
 *
 * For each size N (default 1,000 and 10,000 cases) writes a corpus of N
 * cases for the running example (the shipped cases' kinds of reads, one
 * session each), then times, in this process:
 *   - ward check's loader and runner on it (load, bind, run every case on
 *     its own copy of the test database);
 *   - the baseline: the same number of fresh database copies, each running
 *     one hand-written query against the base table, no session, no
 *     policy.
 * The ratio is what ward's per-case work (session, views, audit, the
 * comparison) costs over the bare minimum a case needs; from one size to
 * the next, linear work grows as the number of cases.
 *
 *   bench_check [N...]   (run from the repository root)
 *
 * After its table it prints lines for bench/run.sh:
 *   RESULT<TAB>bench=check<TAB>workload=...<TAB>baseline=...<TAB>base=X
 *   <TAB>value=Y<TAB>unit=s<TAB>ratio=Y/X
 */
#include "corpus.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* write_corpus writes a corpus of CASES read cases to PATH. */
static void write_corpus(const char *path, int cases)
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
    for (int i = 0; i < cases; i++) {
        const char *const *r = READS[i % 5];
        fprintf(f,
                "  - name: case %d\n    session: {roles: [%s], user: u%d}\n"
                "    read: customers.%s\n    where: {id: %d}\n"
                "    expect: %s\n",
                i, r[0], i, r[1], 1 + i % 100, r[2]);
    }
    fclose(f);
}

/* Size is one corpus size's measurements, in seconds. */
typedef struct Size {
    int cases;   /* cases in the corpus */
    double load; /* load and bind */
    double run;  /* run every case */
    double base; /* a copy and one raw query per case */
} Size;

/* measure runs ward check's loader and runner on a corpus of S->cases
 * cases for M, and the baseline. Returns false (with a message printed)
 * when the corpus does not load or a case fails. */
static bool measure(const Model *m, Size *s)
{
    char path[] = "/tmp/ward-bench-corpus-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    close(fd);
    write_corpus(path, s->cases);

    /* One arena a size: the corpus and the run's results die with it. */
    Arena a;
    arena_init(&a);
    Diag d;
    diag_init(&d, &a);
    bool ok = false;
    double t0 = now();
    Corpus *c = corpus_load(&a, &d, path);
    if (!c || !corpus_bind(c, m, &d)) {
        diag_print(&d, stderr);
        goto out;
    }
    double t1 = now();
    RunResult rr;
    const char *err = NULL;
    if (!runner_run(m, c, &a, &rr, &err) || rr.failed) {
        fprintf(stderr, "bench_check: %s\n", err ? err : "cases failed");
        goto out;
    }
    double t2 = now();

    /* Baseline: a fresh copy and one hand-written query per case. */
    unsigned char *image;
    sqlite3_int64 size;
    if (!runner_template(m, c, &a, &image, &size, &err)) {
        fprintf(stderr, "bench_check: %s\n", err ? err : "no template");
        goto out;
    }
    double t3 = now();
    for (int i = 0; i < s->cases; i++) {
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
    s->load = t1 - t0;
    s->run = t2 - t1;
    s->base = t4 - t3;
    ok = true;
out:
    remove(path);
    diag_dispose(&d);
    arena_free(&a);
    return ok;
}

static void result(const char *workload, const char *baseline, double base,
                   double value)
{
    printf("RESULT\tbench=check\tworkload=%s\tbaseline=%s\tbase=%.4f"
           "\tvalue=%.4f\tunit=s\tratio=%.2f\n",
           workload, baseline, base, value, value / base);
}

int main(int argc, char **argv)
{
    Size sizes[8];
    int n = 0;
    for (int i = 1; i < argc && n < 8; i++)
        if (atoi(argv[i]) > 0)
            sizes[n++] = (Size){.cases = atoi(argv[i])};
    if (n == 0) {
        sizes[n++] = (Size){.cases = 1000};
        sizes[n++] = (Size){.cases = 10000};
    }

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
    for (int i = 0; i < n; i++)
        if (!measure(m, &sizes[i]))
            return 1;

    printf("ward check on N cases (policies/gsp_pharmacy.ward)\n");
    printf("%8s %-34s %10s %12s\n", "cases", "", "seconds", "us per case");
    for (int i = 0; i < n; i++) {
        const Size *s = &sizes[i];
        printf("%8d %-34s %10.3f %12.1f\n", s->cases,
               "load and bind the corpus", s->load, s->load / s->cases * 1e6);
        printf("%8d %-34s %10.3f %12.1f\n", s->cases, "run every case", s->run,
               s->run / s->cases * 1e6);
        printf("%8d %-34s %10.3f %12.1f\n", s->cases,
               "baseline: copy + one raw query", s->base,
               s->base / s->cases * 1e6);
        printf("%8d ratio run / baseline: %.2f\n", s->cases, s->run / s->base);
    }
    for (int i = 1; i < n; i++)
        printf("growth %d -> %d cases (x%.1f): load x%.2f, run x%.2f\n",
               sizes[i - 1].cases, sizes[i].cases,
               (double)sizes[i].cases / sizes[i - 1].cases,
               sizes[i].load / sizes[i - 1].load,
               sizes[i].run / sizes[i - 1].run);

    char what[128], base[64];
    for (int i = 0; i < n; i++) {
        snprintf(what, sizeof what, "run %d cases", sizes[i].cases);
        result(what, "copy + raw query", sizes[i].base, sizes[i].run);
    }
    for (int i = 1; i < n; i++) {
        snprintf(base, sizeof base, "%d cases", sizes[i - 1].cases);
        snprintf(what, sizeof what, "scaling: load and bind, %d cases",
                 sizes[i].cases);
        result(what, base, sizes[i - 1].load, sizes[i].load);
        snprintf(what, sizeof what, "scaling: run, %d cases", sizes[i].cases);
        result(what, base, sizes[i - 1].run, sizes[i].run);
    }
    diag_dispose(&d);
    arena_free(&a);
    return 0;
}
