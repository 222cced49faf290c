/*
 * bench_compile.c - how `ward compile` scales with the size of a policy.
 *
 * Generates policies of 10, 100 and 1,000 tables (20 columns, 10 roles, 3
 * scenarios, 25 rules a table, every table audited, an approval every tenth
 * table) into a temporary directory, then runs the ward binary on each, as
 * a user would, and measures each run's wall time and peak memory (the
 * child's maximum resident set size, from wait4):
 *   - check: `ward compile --no-check POLICY` (resolve and check only);
 *   - sqlite: `ward compile --no-check --target sqlite -o FILE`;
 *   - postgres: `ward compile --no-check --target postgres -o FILE`.
 * Each step runs three times and the fastest run is reported (the
 * machine is shared). It prints one table with the script's bytes per
 * column and the growth from one size to the next: linear work grows
 * tenfold from 10 to 100 and from 100 to 1,000 tables.
 *
 *   bench_compile [--smoke] [--ward PATH]
 *   bench_compile --write N FILE
 *
 * --smoke runs 10 and 20 tables only (`make test` runs it so the bench
 * cannot rot); --write only writes the policy of N tables to FILE, for
 * profiling one size by hand. PATH defaults to the ward binary next to this
 * program's directory (build/bench/.. -> build/ward). Exit 0, or 1 when a run
 * failed.
 */
#define _DEFAULT_SOURCE /* wait4: the child's own peak memory */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COLUMNS   20
#define ROLES     10
#define SCENARIOS 3
#define REPEATS   3 /* runs of each step; the fastest is reported */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The columns of every table: name, type and classification ("" none). */
static const char *const COLS[COLUMNS][3] = {
    {"id", "integer key", ""},      {"name", "text", "pii.name"},
    {"phone", "text", "pii.phone"}, {"id_card", "text", "pii.national_id"},
    {"medication", "text", "phi"},  {"store_id", "integer", ""},
    {"owner", "text", ""},          {"score", "real", ""},
    {"born", "date", "pii.name"},   {"seen", "datetime", ""},
    {"active", "boolean", ""},      {"email", "text", "pii.phone"},
    {"address", "text", "phi"},     {"note", "text", ""},
    {"city", "text", ""},           {"zip", "text", "pii.national_id"},
    {"card", "text", "pii.phone"},  {"balance", "real", "phi"},
    {"opened", "date", ""},         {"memo", "text", ""},
};

static const char *const EFFECTS[] = {"show", "mask", "hide"};

/* write_table writes table T: 20 columns and 25 rules (18 naming a role, a
 * fifth of them in a scenario; two scenario-wide; one column default; three
 * rows rules; one write rule), its audit line and, for every tenth table,
 * an approval guarding its export and an update. No two rules decide one
 * cell differently. */
static void write_table(FILE *f, int t)
{
    fprintf(f, "\ntable t%04d {\n", t);
    for (int c = 0; c < COLUMNS; c++)
        fprintf(f, "  %s %s%s%s;\n", COLS[c][0], COLS[c][1],
                COLS[c][2][0] ? " " : "", COLS[c][2]);
    for (int k = 0; k < 18; k++) {
        fprintf(f, "  %s %s%s to r%d", EFFECTS[k % 3], COLS[1 + k][0],
                k % 3 == 1 ? " with surname" : "", (k + t) % ROLES);
        if (k % 5 == 4)
            fprintf(f, " in s%d", (k / 5) % SCENARIOS);
        fputs(";\n", f);
    }
    fputs("  hide phone in s0;\n"
          "  mask id_card with tail in s1;\n"
          "  mask memo with tail;\n"
          "  rows where store_id = session.store_id for r3;\n"
          "  rows where owner = current_user or score > 100 for r4, r5;\n"
          "  rows all for r0, r1, r2;\n"
          "  write note, city to r0;\n"
          "}\n",
          f);
    fprintf(f, "audit t%04d read phone, id_card write all;\n", t);
    if (t % 10 == 0)
        fprintf(f,
                "approval a%04d {\n  export t%04d;\n  update t%04d.card;\n"
                "  by 1 of r2, r3;\n  expires 24h;\n}\n",
                t, t, t);
}

/* write_policy writes a policy of NTABLES tables to PATH. 0 or -1. */
static int write_policy(const char *path, int ntables)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "policy scale version 1 \"%d generated tables\";\n\n", ntables);
    for (int r = 0; r < ROLES; r++)
        fprintf(f, "role r%d%s;\n", r,
                r == 1   ? " inherits r0"
                : r == 5 ? " inherits r4"
                         : "");
    for (int s = 0; s < SCENARIOS; s++)
        fprintf(f, "scenario s%d;\n", s);
    fputs("\nmask surname = keep(1, 0);\n"
          "mask tail = keep(3, 4);\n"
          "classification pii.name default mask surname;\n"
          "classification pii.phone default mask tail;\n"
          "classification pii.national_id default hide;\n"
          "classification phi;\n",
          f);
    for (int t = 0; t < ntables; t++)
        write_table(f, t);
    return fclose(f) == 0 ? 0 : -1;
}

typedef struct Run {
    double seconds;
    long peak_kb; /* the child's maximum resident set size */
    bool ok;
} Run;

/* run executes ARGV (stdout and stderr to /dev/null) and measures it. */
static Run run(const char *const *argv)
{
    Run r = {0, 0, false};
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        return r;
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) ||
            !freopen("/dev/null", "w", stderr))
            _exit(127);
        /* execv takes char *const[]; it does not write the strings. */
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR)
            return r;
    r.seconds = now() - t0;
    r.peak_kb = ru.ru_maxrss;
    r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return r;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

enum { CHECK, SQLITE, POSTGRES, NSTEPS };
static const char *const STEP_NAMES[NSTEPS] = {"check", "sqlite", "postgres"};

typedef struct Size {
    int tables;
    Run runs[NSTEPS];
    long bytes[NSTEPS]; /* the script's size; unused for check */
} Size;

/* measure generates the policy for S->tables in DIR and runs every step. */
static bool measure(const char *ward, const char *dir, Size *s)
{
    char policy[4096], out[4096];
    snprintf(policy, sizeof policy, "%s/p%d.ward", dir, s->tables);
    if (write_policy(policy, s->tables) < 0) {
        fprintf(stderr, "bench_compile: cannot write %s\n", policy);
        return false;
    }
    bool ok = true;
    for (int k = 0; k < NSTEPS; k++) {
        snprintf(out, sizeof out, "%s/p%d.%s.sql", dir, s->tables,
                 STEP_NAMES[k]);
        const char *check[] = {ward, "compile", "--no-check", policy, NULL};
        const char *emit[] = {ward,       "compile",     "--no-check",
                              "--target", STEP_NAMES[k], "-o",
                              out,        policy,        NULL};
        /* The fastest of REPEATS runs: the machine is shared, and a
         * slower run measures the others' load, not the compiler. */
        for (int rep = 0; rep < REPEATS; rep++) {
            Run r = run(k == CHECK ? check : emit);
            if (rep == 0 || !r.ok || r.seconds < s->runs[k].seconds)
                s->runs[k] = r;
            if (!r.ok)
                break;
        }
        s->bytes[k] = k == CHECK ? 0 : file_size(out);
        if (!s->runs[k].ok) {
            fprintf(stderr, "bench_compile: %s failed on %d tables\n",
                    STEP_NAMES[k], s->tables);
            ok = false;
        }
        remove(out);
    }
    remove(policy);
    return ok;
}

static void print_table(const Size *sizes, int n)
{
    printf("ward compile on N tables x %d columns x %d roles x %d "
           "scenarios (25 rules a table)\n",
           COLUMNS, ROLES, SCENARIOS);
    printf("%-8s %-9s %9s %9s %12s %10s\n", "tables", "step", "seconds",
           "peak MB", "script MB", "B/column");
    for (int i = 0; i < n; i++)
        for (int k = 0; k < NSTEPS; k++) {
            const Size *s = &sizes[i];
            printf("%-8d %-9s %9.3f %9.1f", s->tables, STEP_NAMES[k],
                   s->runs[k].seconds, (double)s->runs[k].peak_kb / 1024.0);
            if (k == CHECK)
                printf(" %12s %10s\n", "-", "-");
            else
                printf(" %12.2f %10.0f\n", (double)s->bytes[k] / 1048576.0,
                       (double)s->bytes[k] / (s->tables * COLUMNS));
        }
    for (int i = 1; i < n; i++) {
        const Size *a = &sizes[i - 1], *b = &sizes[i];
        printf("growth %d -> %d tables (x%.0f):", a->tables, b->tables,
               (double)b->tables / a->tables);
        for (int k = 0; k < NSTEPS; k++)
            printf(" %s time x%.1f, memory x%.1f%s", STEP_NAMES[k],
                   b->runs[k].seconds / a->runs[k].seconds,
                   (double)b->runs[k].peak_kb / (double)a->runs[k].peak_kb,
                   k + 1 < NSTEPS ? ";" : "\n");
    }
}

int main(int argc, char **argv)
{
    bool smoke = false;
    char ward[4096];
    /* build/bench/bench_compile -> build/ward */
    const char *slash = strrchr(argv[0], '/');
    snprintf(ward, sizeof ward, "%.*s%s../ward",
             slash ? (int)(slash - argv[0] + 1) : 0, argv[0],
             slash ? "" : "./");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            smoke = true;
        } else if (strcmp(argv[i], "--write") == 0 && i + 2 < argc) {
            return write_policy(argv[i + 2], atoi(argv[i + 1])) == 0 ? 0 : 1;
        } else if (strcmp(argv[i], "--ward") == 0 && i + 1 < argc) {
            snprintf(ward, sizeof ward, "%s", argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_compile [--smoke] [--ward PATH] | "
                            "--write N FILE\n");
            return 1;
        }
    }
    if (access(ward, X_OK) != 0) {
        fprintf(stderr, "bench_compile: no ward binary at %s (--ward PATH)\n",
                ward);
        return 1;
    }
    char dir[] = "/tmp/ward-bench-compile-XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_compile: cannot make a temporary directory\n");
        return 1;
    }
    Size sizes[3] = {{.tables = 10}, {.tables = 100}, {.tables = 1000}};
    if (smoke)
        sizes[1].tables = 20;
    int n = smoke ? 2 : 3;
    bool ok = true;
    for (int i = 0; i < n && ok; i++)
        ok = measure(ward, dir, &sizes[i]);
    rmdir(dir);
    if (!ok)
        return 1;
    print_table(sizes, n);
    return 0;
}
