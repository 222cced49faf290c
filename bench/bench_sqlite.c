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
 *   session       ward_session on a 100-table policy, the first call on a
 *                 connection (which makes the virtual tables) and later
 *                 ones, against a point read.
 * Every figure is the best of REPEAT rounds, and the statements compared
 * run in turn within each round. WARD_BENCH_ROWS sets the customer count
 * (default 1,000,000).
 */
#include "emit_sqlite.h"
#include "ward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPEAT 5
#define POINTS 20000

static long rows_total = 1000000;

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

/* points reads POINTS random rows by key through the prepared statement
 * ST once; *BEST keeps the best time per read. */
static void points_once(sqlite3 *db, sqlite3_stmt *st, double *best)
{
    unsigned seed = 7;
    for (int k = 0; k < 1; k++) {
        double t0 = now();
        for (int i = 0; i < POINTS; i++) {
            seed = seed * 1103515245u + 12345u;
            sqlite3_bind_int64(st, 1, 1 + (long)(seed >> 8) % rows_total);
            if (sqlite3_step(st) != SQLITE_ROW)
                die(db, "point read found no row");
            for (int c = 0; c < sqlite3_column_count(st); c++)
                (void)sqlite3_column_text(st, c);
            sqlite3_reset(st);
        }
        double t = (now() - t0) / POINTS;
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

/* points reads POINTS rows by key through SQL, best of REPEAT. */
static double points(sqlite3 *db, const char *sql)
{
    double best = 1e9;
    sqlite3_stmt *st = prepare(db, sql);
    for (int k = 0; k < REPEAT; k++)
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
    for (int k = 0; k < REPEAT; k++) {
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
           REPEAT);
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
           REPEAT, POINTS);
    row("main.customers, no session", point_raw, point_raw);
    row("through cs_agent's session", point, point_raw);
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
    session(db, "cs_agent", NULL);
    double plain = 1e9, audited = 1e9;
    sqlite3_stmt *p1 =
        prepare(db, "SELECT name, store_id FROM customers WHERE id = ?");
    sqlite3_stmt *p2 =
        prepare(db, "SELECT name, phone FROM customers WHERE id = ?");
    for (int k = 0; k < REPEAT; k++) {
        points_once(db, p1, &plain);
        points_once(db, p2, &audited);
    }
    sqlite3_finalize(p1);
    sqlite3_finalize(p2);
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
    for (int k = 0; k < REPEAT; k++) {
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
           REPEAT);
    row("a point read in the session (baseline)", point, point);
    row("first ward_session on a connection", first, point);
    row("ward_session, later calls", best, point);
}

int main(void)
{
    const char *env = getenv("WARD_BENCH_ROWS");
    if (env && atol(env) > 0)
        rows_total = atol(env);
    char *gsp = compile_file("policies/gsp_pharmacy.ward");
    bench_scans(gsp);
    bench_audited(gsp, "DELETE", "FULL");
    bench_audited(gsp, "WAL", "FULL");
    bench_audited(gsp, "WAL", "NORMAL");
    free(gsp);
    bench_sessions(100);
    return 0;
}
