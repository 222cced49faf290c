/*
 * bench_sqlite.c - what the SQLite runtime costs, as ratios to baselines
 * run in the same process.
 *
 *   scan          SELECT * FROM customers as cs_agent (masked name and
 *                 phone, hidden ID and medication, phone reads counted)
 *                 against the raw scan of main.customers with no session,
 *                 and against the same masks written by hand in SQL;
 *   store         a store manager's session (row filter on store_id, an
 *                 index) against the same filter written by hand;
 *   point read    one row by key through a prepared statement, unaudited
 *                 columns, against the same statement on main, no session;
 *   audited read  the same read of an audited column (a read record per
 *                 statement) against the unaudited one, on a database file
 *                 in each journal mode;
 *   audited write an UPDATE of one row by key through cs_agent's session
 *                 (a write grant, a write record per statement) against
 *                 the same UPDATE on main.customers with no session, on
 *                 the same files;
 *   session       ward_session on a 100-table policy, the first call on a
 *                 connection (which makes the virtual tables) and later
 *                 ones, against a point read.
 * Every figure is the best of a few rounds, and the statements compared
 * run in turn within each round. The environment sets the sizes (for the
 * smoke run of bench/run.sh): WARD_BENCH_ROWS the customer count (default
 * 1,000,000), WARD_BENCH_POINTS the point reads a round (20,000; writes
 * are a tenth of it), WARD_BENCH_REPEAT the rounds (5).
 *
 * Each figure is also printed as a line for bench/run.sh:
 *   RESULT<TAB>bench=sqlite<TAB>workload=...<TAB>baseline=...<TAB>base=X
 *   <TAB>value=Y<TAB>unit=...<TAB>ratio=Y/X
 */
#include "emit_sqlite.h"
#include "ward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long rows_total = 1000000; /* customers */
static int points_n = 20000;      /* point reads a round */
static int rounds = 5;            /* rounds; the best is kept */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench_sqlite: %s: %s\n", what,
            db ? sqlite3_errmsg(db) : "");
    exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        die(db, err ? err : sql);
}

/* scan runs SQL to the end once, touching every value; *BEST keeps the
 * best time in seconds; *N receives the row count. Callers alternate the
 * statements they compare, round by round, so that a busy machine slows
 * them alike. */
static void scan_once(sqlite3 *db, const char *sql, long *n, double *best)
{
    for (int k = 0; k < 1; k++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            die(db, sql);
        double t0 = now();
        long rows = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++)
                (void)sqlite3_column_text(st, c);
            rows++;
        }
        double t = now() - t0;
        sqlite3_finalize(st);
        *best = t < *best ? t : *best;
        *n = rows;
    }
}

/* points reads points_n random rows by key through the prepared statement
 * ST once; *BEST keeps the best time per read. */
static void points_once(sqlite3 *db, sqlite3_stmt *st, double *best)
{
    unsigned seed = 7;
    for (int k = 0; k < 1; k++) {
        double t0 = now();
        for (int i = 0; i < points_n; i++) {
            seed = seed * 1103515245u + 12345u;
            sqlite3_bind_int64(st, 1, 1 + (long)(seed >> 8) % rows_total);
            if (sqlite3_step(st) != SQLITE_ROW)
                die(db, "point read found no row");
            for (int c = 0; c < sqlite3_column_count(st); c++)
                (void)sqlite3_column_text(st, c);
            sqlite3_reset(st);
        }
        double t = (now() - t0) / points_n;
        *best = t < *best ? t : *best;
    }
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die(db, sql);
    return st;
}

/* points reads points_n rows by key through SQL, best of rounds. */
static double points(sqlite3 *db, const char *sql)
{
    double best = 1e9;
    sqlite3_stmt *st = prepare(db, sql);
    for (int k = 0; k < rounds; k++)
        points_once(db, st, &best);
    sqlite3_finalize(st);
    return best;
}

static char *compile_file(const char *path)
{
    Arena a;
    arena_init(&a);
    Diag d;
    diag_init(&d, &a);
    Model *m = load_policy(&a, &d, path, NULL);
    if (!m) {
        diag_print(&d, stderr);
        fprintf(stderr, "bench_sqlite: run from the repository root\n");
        exit(1);
    }
    StrBuf sql;
    sb_init(&sql);
    emit_sqlite(m, &sql);
    char *out = strdup(sql.data);
    sb_free(&sql);
    diag_dispose(&d);
    arena_free(&a);
    return out;
}

static void customers(sqlite3 *db, const char *policy_sql)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE TABLE customers (id integer primary key, name text, "
             "phone text, id_card text, medication text, store_id integer, "
             "owner text);"
             "CREATE INDEX customers_store ON customers (store_id);"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
             "FROM n WHERE i < %ld) "
             "INSERT INTO customers SELECT i, '张三丰', '138' || "
             "printf('%%08d', i), '11010119900307' || printf('%%04d', "
             "i %% 10000), 'metformin', i %% 12 + 1, 'r' || (i %% 40) "
             "FROM n;",
             rows_total);
    exec(db, "BEGIN");
    exec(db, sql);
    exec(db, "COMMIT");
    exec(db, policy_sql);
}

static void session(sqlite3 *db, const char *roles, const char *attrs)
{
    char *err = NULL;
    if (ward_session_set(db, roles, "a01", NULL, attrs, &err) != SQLITE_OK)
        die(db, err);
}

static void row(const char *what, double t, double base)
{
    printf("  %-46s %10.2f us %8.2fx\n", what, t * 1e6, t / base);
}

/* result prints one figure for bench/run.sh: WORKLOAD measured VALUE
 * against BASELINE's BASE, both in UNIT. */
static void result(const char *workload, const char *baseline, double base,
                   double value, const char *unit)
{
    printf("RESULT\tbench=sqlite\tworkload=%s\tbaseline=%s\tbase=%.3f"
           "\tvalue=%.3f\tunit=%s\tratio=%.2f\n",
           workload, baseline, base, value, unit, value / base);
}

static void bench_scans(const char *policy_sql)
{
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    customers(db, policy_sql);
    if (ward_runtime_open(db, NULL) != SQLITE_OK)
        die(db, "runtime");
    long n_raw, n_hand, n_view, n_sv, n_sh;
    double raw = 1e9, hand = 1e9, view = 1e9, store_hand = 1e9,
           store_view = 1e9, point_raw = 1e9, point = 1e9;
    /* Each round: the owner's statements without a session, then the
     * sessions' on the same connection. */
    sqlite3 *agent = db;
    sqlite3_stmt *raw_pt = prepare(db, "SELECT name, store_id FROM "
                                       "main.customers WHERE id = ?");
    for (int k = 0; k < rounds; k++) {
        if (ward_session_end(db, NULL) != SQLITE_OK)
            die(db, "session end");
        scan_once(db,
                  "SELECT id, name, phone, id_card, medication, store_id, "
                  "owner FROM main.customers",
                  &n_raw, &raw);
        scan_once(db,
                  "SELECT id, ward_keep(name, 1, 0), ward_keep(phone, 3, 4), "
                  "NULL, NULL, store_id, owner FROM main.customers",
                  &n_hand, &hand);
        scan_once(db,
                  "SELECT id, ward_keep(name, 1, 0), ward_keep(phone, 3, 4), "
                  "NULL, NULL, store_id, owner FROM main.customers WHERE "
                  "store_id = 7",
                  &n_sh, &store_hand);
        points_once(db, raw_pt, &point_raw);
        session(agent, "cs_agent", NULL);
        scan_once(agent, "SELECT * FROM customers", &n_view, &view);
        sqlite3_stmt *pt = prepare(agent, "SELECT name, store_id FROM "
                                          "customers WHERE id = ?");
        points_once(agent, pt, &point);
        sqlite3_finalize(pt);
        session(agent, "store_manager", "{\"store_id\": 7}");
        scan_once(agent, "SELECT * FROM customers", &n_sv, &store_view);
    }
    sqlite3_finalize(raw_pt);
    sqlite3_close(db);

    printf("scans of %ld customers (in memory), best of %d\n", rows_total,
           rounds);
    printf("  %-46s %10s %11s\n", "", "ns/row", "ratio");
    printf("  %-46s %10.1f %10.2fx\n", "raw scan, no session",
           raw / n_raw * 1e9, 1.0);
    printf("  %-46s %10.1f %10.2fx\n", "the masks written by hand",
           hand / n_hand * 1e9, hand / raw);
    printf("  %-46s %10.1f %10.2fx\n",
           "cs_agent's table (masks, reads counted)", view / n_view * 1e9,
           view / raw);
    printf("  %-46s %10.2fx\n", "cs_agent's table / hand-written masks",
           view / hand);
    printf("  %-46s %10.1f\n", "store 7, filter written by hand",
           store_hand / n_sh * 1e9);
    printf("  %-46s %10.1f %10.2fx\n", "store 7, the store manager's table",
           store_view / n_sv * 1e9, store_view / store_hand);
    printf("point reads by key (name, store_id; unaudited), best of %d x %d\n",
           rounds, points_n);
    row("main.customers, no session", point_raw, point_raw);
    row("through cs_agent's session", point, point_raw);
    result("masked scan as cs_agent (in memory)", "raw scan", raw / n_raw * 1e9,
           view / n_view * 1e9, "ns/row");
    result("the same masks by hand in SQL", "raw scan", raw / n_raw * 1e9,
           hand / n_hand * 1e9, "ns/row");
    result("masked scan as cs_agent", "masks by hand", hand / n_hand * 1e9,
           view / n_view * 1e9, "ns/row");
    result("store 7, the store manager's row filter", "filter by hand",
           store_hand / n_sh * 1e9, store_view / n_sv * 1e9, "ns/row");
    result("point read by key, unaudited (in memory)", "raw point read",
           point_raw * 1e6, point * 1e6, "us");
}

/* writes_once updates points_n / 10 random rows by key through the
 * prepared statement ST (?1 the key, ?2 the new name), each its own
 * transaction; *BEST keeps the best time per UPDATE. */
static void writes_once(sqlite3 *db, sqlite3_stmt *st, double *best)
{
    unsigned seed = 11;
    int n = points_n / 10 > 0 ? points_n / 10 : 1;
    char name[32];
    double t0 = now();
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        sqlite3_bind_int64(st, 1, 1 + (long)(seed >> 8) % rows_total);
        snprintf(name, sizeof name, "n%d", i);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            die(db, "update");
        sqlite3_reset(st);
    }
    double t = (now() - t0) / n;
    *best = t < *best ? t : *best;
}

/* bench_audited measures an audited point read against an unaudited one
 * on a database file in journal mode MODE (synchronous SYNC). */
static void bench_audited(const char *policy_sql, const char *mode,
                          const char *sync)
{
    char path[] = "/tmp/ward-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        die(NULL, "mkstemp");
    close(fd);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die(db, path);
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA journal_mode = %s", mode);
    exec(db, sql);
    snprintf(sql, sizeof sql, "PRAGMA synchronous = %s", sync);
    exec(db, sql);
    customers(db, policy_sql);
    if (ward_runtime_open(db, NULL) != SQLITE_OK)
        die(db, "runtime");
    double plain = 1e9, audited = 1e9, w_plain = 1e9, w_audited = 1e9;
    /* The owner's UPDATE runs with no session; a session's statements
     * are prepared in it (ward_session_end invalidates nothing here: the
     * statements on main do not go through the runtime). */
    sqlite3_stmt *w1 =
        prepare(db, "UPDATE main.customers SET name = ?2 WHERE id = ?1");
    session(db, "cs_agent", NULL);
    sqlite3_stmt *p1 =
        prepare(db, "SELECT name, store_id FROM customers WHERE id = ?");
    sqlite3_stmt *p2 =
        prepare(db, "SELECT name, phone FROM customers WHERE id = ?");
    sqlite3_stmt *w2 =
        prepare(db, "UPDATE customers SET name = ?2 WHERE id = ?1");
    for (int k = 0; k < rounds; k++) {
        session(db, "cs_agent", NULL);
        points_once(db, p1, &plain);
        points_once(db, p2, &audited);
        writes_once(db, w2, &w_audited);
        if (ward_session_end(db, NULL) != SQLITE_OK)
            die(db, "session end");
        writes_once(db, w1, &w_plain);
    }
    sqlite3_finalize(p1);
    sqlite3_finalize(p2);
    sqlite3_finalize(w1);
    sqlite3_finalize(w2);
    sqlite3_close(db);
    char extra[300];
    snprintf(extra, sizeof extra, "%s-journal", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    unlink(extra);
    unlink(path);
    printf("audited point reads (phone: a read record each), file, "
           "journal_mode=%s synchronous=%s\n",
           mode, sync);
    row("unaudited point read (name, store_id)", plain, plain);
    row("audited point read (name, phone)", audited, plain);
    printf("audited writes (an UPDATE by key, a write record each), same "
           "file\n");
    row("UPDATE main.customers, no session", w_plain, w_plain);
    row("UPDATE customers as cs_agent (audited)", w_audited, w_plain);
    char what[160];
    snprintf(what, sizeof what, "audited point read, %s %s", mode, sync);
    result(what, "unaudited read", plain * 1e6, audited * 1e6, "us");
    snprintf(what, sizeof what, "audited UPDATE by key, %s %s", mode, sync);
    result(what, "UPDATE on main", w_plain * 1e6, w_audited * 1e6, "us");
}

/* bench_sessions times ward_session on a policy of NTABLES tables. */
static void bench_sessions(int ntables)
{
    char dir[] = "/tmp/ward-bench-XXXXXX";
    if (!mkdtemp(dir))
        die(NULL, "mkdtemp");
    char path[64];
    snprintf(path, sizeof path, "%s/wide.ward", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        die(NULL, path);
    fprintf(f, "policy wide version 1;\nrole clerk;\nrole boss inherits "
               "clerk;\nscenario phone;\nmask tail = keep(0, 4);\n"
               "classification pii default mask tail;\n");
    for (int t = 0; t < ntables; t++) {
        fprintf(f,
                "table t%d { id integer key; a text pii; b text; c integer; "
                "show a to boss; hide b in phone; rows where c = "
                "session.c for clerk; rows all for boss; write b to "
                "boss; }\n",
                t);
    }
    fprintf(f, "audit t0 read a;\n");
    fclose(f);
    char *policy_sql = compile_file(path);
    unlink(path);
    rmdir(dir);
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    exec(db, "BEGIN");
    for (int t = 0; t < ntables; t++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "CREATE TABLE t%d (id integer primary key, a text, b text, "
                 "c integer); INSERT INTO t%d VALUES (1, 'x', 'y', 1);",
                 t, t);
        exec(db, sql);
    }
    exec(db, "COMMIT");
    exec(db, policy_sql);
    free(policy_sql);
    if (ward_runtime_open(db, NULL) != SQLITE_OK)
        die(db, "runtime");
    double t0 = now();
    char *err = NULL;
    if (ward_session_set(db, "clerk", "a01", NULL, "{\"c\": 1}", &err) !=
        SQLITE_OK)
        die(db, err);
    double first = now() - t0;
    double best = 1e9;
    for (int k = 0; k < rounds; k++) {
        t0 = now();
        for (int i = 0; i < 200; i++)
            if (ward_session_set(db, i % 2 ? "clerk" : "boss", "a01",
                                 i % 3 ? NULL : "phone", "{\"c\": 1}",
                                 &err) != SQLITE_OK)
                die(db, err);
        double t = (now() - t0) / 200;
        best = t < best ? t : best;
    }
    double point = points(db, "SELECT a FROM t7 WHERE id = 1 + 0 * ?");
    sqlite3_close(db);
    printf("ward_session on a %d-table policy, best of %d x 200\n", ntables,
           rounds);
    row("a point read in the session (baseline)", point, point);
    row("first ward_session on a connection", first, point);
    row("ward_session, later calls", best, point);
    char what[160];
    snprintf(what, sizeof what, "first ward_session, %d tables", ntables);
    result(what, "a point read", point * 1e6, first * 1e6, "us");
    snprintf(what, sizeof what, "ward_session, later calls, %d tables",
             ntables);
    result(what, "a point read", point * 1e6, best * 1e6, "us");
}

int main(void)
{
    const char *env = getenv("WARD_BENCH_ROWS");
    if (env && atol(env) > 0)
        rows_total = atol(env);
    env = getenv("WARD_BENCH_POINTS");
    if (env && atoi(env) > 0)
        points_n = atoi(env);
    env = getenv("WARD_BENCH_REPEAT");
    if (env && atoi(env) > 0)
        rounds = atoi(env);
    char *gsp = compile_file("policies/gsp_pharmacy.ward");
    bench_scans(gsp);
    bench_audited(gsp, "DELETE", "FULL");
    bench_audited(gsp, "WAL", "FULL");
    bench_audited(gsp, "WAL", "NORMAL");
    free(gsp);
    bench_sessions(100);
    return 0;
}
