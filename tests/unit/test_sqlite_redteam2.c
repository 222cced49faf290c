/*
 * test_sqlite_redteam2.c - the second red team of the SQLite runtime, the
 * attacks that need the C API: a locked session that prepares and steps
 * statements itself (sqlite3_prepare_v2 / sqlite3_step), keeps them open,
 * interleaves them, and measures them with a stopwatch.
 *
 * Cases titled FINDING fail on the runtime as it is (each prints
 * "FINDING: <title>"); the others are attacks that held. The shell-level
 * attacks are in tests/cli/t0025-sqlite-redteam2.sh.
 */
#include "check.h"
#include "sqlite_harness.h"

#include "emit_sqlite.h"
#include "model.h"
#include "ward.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/ward-redteam2.XXXXXX";
static char path[256];

#define FINDING(title, ok)                                                     \
    do {                                                                       \
        bool ok_ = (ok);                                                       \
        if (!ok_)                                                              \
            fprintf(stderr, "FINDING: %s\n", title);                           \
        CHECK(ok_);                                                            \
    } while (0)

/* compile_text compiles policy TEXT. */
static char *compile_text(const char *text)
{
    char file[300];
    snprintf(file, sizeof file, "%s/policy.ward", dir);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    char *sql = harness_compile(file);
    unlink(file);
    return sql;
}

/* one: SQL's rows, or "ERROR: message". */
static const char *one(sqlite3 *db, const char *sql)
{
    static char out[8192];
    if (harness_run(db, sql, out, sizeof out) != SQLITE_DONE)
        snprintf(out, sizeof out, "ERROR: %s", sqlite3_errmsg(db));
    else if (*out)
        out[strlen(out) - 1] = '\0';
    return out;
}

static bool failed(const char *s)
{
    return strncmp(s, "ERROR", 5) == 0;
}

/* fresh makes the database file again from SCHEMA (rows included), then
 * applies POLICY_SQL. */
static void fresh(const char *schema, const char *policy_sql)
{
    unlink(path);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, schema, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, policy_sql ? policy_sql : "", NULL, NULL, NULL) ==
          SQLITE_OK);
    CHECK(sqlite3_close(db) == SQLITE_OK);
}

static const char CUSTOMERS[] =
    "CREATE TABLE customers (id integer primary key, name text, phone text, "
    "id_card text, medication text, store_id integer, owner text);"
    "INSERT INTO customers VALUES (1, '张三丰', '13812345678', "
    "'110101199003071234', 'metformin', 7, 'r01'), (2, '李四', "
    "'13998765432', '11010119900307123X', 'insulin', 8, 'r02');";

static char *gsp; /* the pharmacy policy, compiled */

/* as opens a locked session. */
static sqlite3 *as(const char *roles, const char *user, const char *attrs)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    CHECK(ward_runtime_open(db, &err) == SQLITE_OK);
    CHECK(ward_session_set(db, roles, user, NULL, attrs, &err) == SQLITE_OK);
    CHECK(ward_session_lock(db, &err) == SQLITE_OK);
    if (err)
        fprintf(stderr, "session: %s\n", err);
    sqlite3_free(err);
    return db;
}

/* owner: SQL on the database without a session (the DBA). */
static const char *owner(const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    const char *r = one(db, sql);
    sqlite3_close(db);
    return r;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    return st;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* time_once: the wall time of running ST to its end and resetting it. */
static double time_once(sqlite3_stmt *st)
{
    double t = now();
    while (sqlite3_step(st) == SQLITE_ROW)
        ;
    sqlite3_reset(st);
    return now() - t;
}

/* ---- a hidden INTEGER PRIMARY KEY ------------------------------------- */

static const char BADGES_POLICY[] =
    "policy k version 1;\n"
    "role clerk;\n"
    "classification secret default hide;\n"
    "table badges { id integer key secret; holder text; write holder to "
    "clerk; }\n";

static const char BADGES[] =
    "CREATE TABLE badges (id integer primary key, holder text);"
    "INSERT INTO badges VALUES (101, 'a'), (102, 'b'), (103, 'c'), (104, "
    "'d');";

/* confirmed: the session's table f holds ward_rowid_order(103) in column
 * a, which names the row whose hidden key is 103: the key is recovered. */
static bool key_confirmed(sqlite3 *db)
{
    const char *got = one(db, "SELECT holder FROM badges WHERE rowid IN "
                              "(SELECT a FROM f)");
    return strcmp(got, "c") == 0;
}

/*
 * FINDING: the DEFAULT check (check_defaults, at the end of each
 * statement) is skipped when the CREATE TABLE was prepared before some
 * other statement ended: the authorizer sets own_unchecked at prepare
 * time, the other statement's end clears it while the table does not exist
 * yet, and the CREATE's own end finds the flag clear. The DEFAULT then
 * calls any function: here ward_rowid_order, which refuses nothing (the
 * authorizer alone keeps it from sessions), turns a guessed hidden key into
 * the rowid the session sees, and so confirms the hidden key of row 'c'.
 */
static void test_default_prepare_race(void)
{
    char *k = compile_text(BADGES_POLICY);
    fresh(BADGES, k);
    free(k);
    sqlite3 *db = as("clerk", "c01", NULL);
    CHECK(failed(one(db, "SELECT ward_rowid_order(103)")));
    CHECK_STR(one(db, "SELECT id FROM badges WHERE holder = 'c'"), "NULL");
    sqlite3_stmt *create = prepare(
        db, "CREATE TEMP TABLE f (a DEFAULT (ward_rowid_order(103)), b)");
    CHECK_STR(one(db, "SELECT 1"), "1");
    CHECK(sqlite3_step(create) == SQLITE_DONE);
    sqlite3_finalize(create);
    one(db, "INSERT INTO f (b) VALUES (1)");
    FINDING("a temp table DEFAULT prepared before another statement ended "
            "escapes the check and calls ward_rowid_order: a hidden key is "
            "confirmed",
            !key_confirmed(db));
    sqlite3_close(db);
}

/*
 * FINDING: the check drops a bad table with DROP TABLE, which SQLite
 * refuses ("database table is locked") while another statement of the
 * connection is reading; the failure is ignored and own_unchecked is
 * already clear, so the table stays and its DEFAULT runs.
 */
static void test_default_drop_locked(void)
{
    char *k = compile_text(BADGES_POLICY);
    fresh(BADGES, k);
    free(k);
    sqlite3 *db = as("clerk", "c01", NULL);
    CHECK_STR(one(db, "CREATE TEMP TABLE r (x)"), "");
    CHECK_STR(one(db, "INSERT INTO r VALUES (1), (2)"), "");
    sqlite3_stmt *reader = prepare(db, "SELECT x FROM r");
    CHECK(sqlite3_step(reader) == SQLITE_ROW);
    one(db, "CREATE TEMP TABLE f (a DEFAULT (ward_rowid_order(103)), b)");
    sqlite3_finalize(reader);
    one(db, "INSERT INTO f (b) VALUES (1)");
    FINDING("a temp table DEFAULT survives the check while another "
            "statement reads (DROP TABLE is locked): a hidden key is "
            "confirmed",
            !key_confirmed(db));
    sqlite3_close(db);
}

/* Held: without interleaving, the same DEFAULT is dropped after the
 * CREATE, and the INSERT finds no table. */
static void test_default_plain_held(void)
{
    char *k = compile_text(BADGES_POLICY);
    fresh(BADGES, k);
    free(k);
    sqlite3 *db = as("clerk", "c01", NULL);
    one(db, "CREATE TEMP TABLE f (a DEFAULT (ward_rowid_order(103)), b)");
    CHECK(failed(one(db, "INSERT INTO f (b) VALUES (1)")));
    sqlite3_close(db);
}

/* ---- audit records in a long transaction ------------------------------ */

/*
 * FINDING: every record appended inside a transaction stays on the
 * unsettled list until it commits, and list_push walks the list to its end:
 * settle() re-pushes every record after every statement, so each statement
 * costs O(n^2) in the records of the transaction so far (O(n^3) in all),
 * and one UPDATE of n audited rows costs O(n^2). A session pins the CPU
 * with BEGIN and a loop of audited reads (3,000 statements: ~30 s, 6,000:
 * ~4 min, where the same reads of an unaudited column take 60 ms), or with
 * `UPDATE customers SET name = name` on 40,000 rows (~1 min).
 */
static void test_unsettled_quadratic(void)
{
    fresh(CUSTOMERS, gsp);
    sqlite3 *db = as("cs_agent", "a01", NULL);
    CHECK_STR(one(db, "BEGIN"), "");
    sqlite3_stmt *st = prepare(db, "SELECT phone FROM customers WHERE id = 1");
    enum { N = 1200, K = 100 };
    double first = 0, last = 0;
    for (int i = 0; i < N; i++) {
        double t = time_once(st);
        if (i < K)
            first += t;
        if (i >= N - K)
            last += t;
    }
    sqlite3_finalize(st);
    CHECK_STR(one(db, "COMMIT"), "");
    sqlite3_close(db);
    CHECK_STR(owner("SELECT count(*) FROM ward_audit WHERE op = 'read'"),
              "1200");
    fprintf(stderr,
            "audited reads in one transaction: first %d %.1f ms, "
            "last %d %.1f ms\n",
            K, first * 1e3, K, last * 1e3);
    FINDING("an audited read costs time growing with the records of its "
            "transaction (unsettled list, O(n^2) per statement)",
            last < 4 * first + 0.02);
}

/* ---- memory a session can make the connection keep -------------------- */

/*
 * FINDING: the authorizer adds the name of every CREATE TEMP TABLE or VIEW
 * it allows to the session's own names (RtNames own) when the statement is
 * prepared: a statement that then fails, is only EXPLAINed, or names a
 * table already made adds it again, and nothing takes a name away. Each
 * name is kept (and the list sorted again on the next lookup) until the
 * connection closes: a locked session grows the process without bound,
 * 100 kB per prepare with a long name.
 */
static void test_own_names_growth(void)
{
    fresh(CUSTOMERS, gsp);
    sqlite3 *db = as("cs_agent", "a01", NULL);
    char name[201];
    memset(name, 'n', 200);
    name[200] = '\0';
    char sql[400];
    snprintf(sql, sizeof sql, "CREATE TEMP TABLE %s (x)", name);
    CHECK_STR(one(db, sql), "");
    /* warm up: the connection's caches */
    for (int i = 0; i < 50; i++)
        one(db, sql);
    sqlite3_int64 before = sqlite3_memory_used();
    for (int i = 0; i < 2000; i++)
        CHECK(failed(one(db, sql))); /* already exists */
    sqlite3_int64 grown = sqlite3_memory_used() - before;
    fprintf(stderr, "2000 refused CREATE TEMP TABLE: %lld bytes kept\n",
            (long long)grown);
    sqlite3_close(db);
    FINDING("refused CREATE TEMP TABLE statements grow the connection's "
            "memory without bound (RtNames own)",
            grown < 100000);
}

/* ---- timing ------------------------------------------------------------ */

/* median_ratio runs A and B interleaved N times and returns the ratio of
 * their median times (A over B). */
static double median_ratio(sqlite3_stmt *a, sqlite3_stmt *b, int n)
{
    double *ta = malloc(sizeof *ta * (size_t)n);
    double *tb = malloc(sizeof *tb * (size_t)n);
    for (int i = 0; i < n; i++) {
        ta[i] = time_once(a);
        tb[i] = time_once(b);
    }
    qsort(ta, (size_t)n, sizeof *ta, cmp_double);
    qsort(tb, (size_t)n, sizeof *tb, cmp_double);
    double r = ta[n / 2] / tb[n / 2];
    fprintf(stderr, "  median %.2f us / %.2f us\n", ta[n / 2] * 1e6,
            tb[n / 2] * 1e6);
    free(ta);
    free(tb);
    return r;
}

/*
 * FINDING: a constraint on a column the session sees in clear reaches the
 * base table, whose index finds every row holding the value, and the row
 * filter then drops those outside the session's rows. The time that takes
 * grows with the rows outside the filter: a store manager of store 7, who
 * sees one customer and gets count 0 for both, tells owner 'rx' (400
 * customers of other stores) from 'ry' (none) by a stopwatch, reliably
 * (~20x here; with the primary key, one hidden row at id 2 against none at
 * id 3 is ~130 ns out of 9 us, still separable over a few thousand tries).
 * The session counts rows beyond its own, and tests guesses of values
 * of rows it does not see.
 */
static void test_timing_rows_outside_filter(void)
{
    char schema[2048];
    snprintf(schema, sizeof schema,
             "%s WITH RECURSIVE r(n) AS (SELECT 3 UNION ALL SELECT n + 1 "
             "FROM r WHERE n < 402) INSERT INTO customers SELECT n, 'x', "
             "'139' || (10000000 + n), NULL, NULL, 8, 'rx' FROM r;"
             "CREATE INDEX customers_owner ON customers (owner);",
             CUSTOMERS);
    fresh(schema, gsp);
    sqlite3 *db = as("store_manager", "m01", "{\"store_id\": 7}");
    CHECK_STR(one(db, "SELECT count(*) FROM customers"), "1");
    CHECK_STR(one(db, "SELECT count(*) FROM customers WHERE owner = 'rx'"),
              "0");
    CHECK_STR(one(db, "SELECT count(*) FROM customers WHERE owner = 'ry'"),
              "0");
    sqlite3_stmt *rx =
        prepare(db, "SELECT count(*) FROM customers WHERE owner = 'rx'");
    sqlite3_stmt *ry =
        prepare(db, "SELECT count(*) FROM customers WHERE owner = 'ry'");
    double r = median_ratio(rx, ry, 301);
    sqlite3_finalize(rx);
    sqlite3_finalize(ry);
    sqlite3_close(db);
    FINDING("the time of a query tells how many rows outside the session's "
            "rows hold a value",
            r < 2.0);
}

/*
 * Held: a right and a wrong guess at a masked phone, written by cs_agent
 * (an index on phone, each write rolled back), take the same time.
 */
static void test_timing_masked_write_held(void)
{
    char schema[1024];
    snprintf(schema, sizeof schema,
             "%s CREATE INDEX customers_phone ON customers (phone);",
             CUSTOMERS);
    fresh(schema, gsp);
    sqlite3 *db = as("cs_agent", "a01", NULL);
    sqlite3_stmt *begin = prepare(db, "BEGIN");
    sqlite3_stmt *rollback = prepare(db, "ROLLBACK");
    sqlite3_stmt *right =
        prepare(db, "UPDATE customers SET phone = '13998765432' WHERE id = 1");
    sqlite3_stmt *wrong =
        prepare(db, "UPDATE customers SET phone = '13998760000' WHERE id = 1");
    enum { N = 201 };
    double tr[N], tw[N];
    for (int i = 0; i < N; i++) {
        time_once(begin);
        tr[i] = time_once(right);
        time_once(rollback);
        time_once(begin);
        tw[i] = time_once(wrong);
        time_once(rollback);
    }
    qsort(tr, N, sizeof *tr, cmp_double);
    qsort(tw, N, sizeof *tw, cmp_double);
    double r = tr[N / 2] / tw[N / 2];
    fprintf(stderr, "masked write, right / wrong guess: %.1f / %.1f us\n",
            tr[N / 2] * 1e6, tw[N / 2] * 1e6);
    CHECK(r > 0.75 && r < 1.33);
    sqlite3_finalize(begin);
    sqlite3_finalize(rollback);
    sqlite3_finalize(right);
    sqlite3_finalize(wrong);
    sqlite3_close(db);
}

/* ---- names the session's snapshot does not know ------------------------ */

/*
 * FINDING (low): read_ok() takes a name that is on neither of the
 * session's lists for the statement's own CTE, so a table the DBA creates
 * in main after the session started can be counted (count(*), EXISTS),
 * though docs/dba-sqlite.md says such tables are off the allow-list until
 * the next session (its columns are refused).
 */
static void test_late_table_counted(void)
{
    fresh(CUSTOMERS, gsp);
    sqlite3 *db = as("cs_agent", "a01", NULL);
    CHECK_STR(one(db, "SELECT count(*) FROM customers"), "2");
    CHECK_STR(owner("CREATE TABLE payroll (name, salary); INSERT INTO "
                    "payroll VALUES ('a', 1), ('b', 2), ('c', 3)"),
              "");
    CHECK_STR(one(db, "SELECT count(*) FROM customers"), "2");
    CHECK(failed(one(db, "SELECT salary FROM payroll")));
    const char *got = one(db, "SELECT count(*) FROM payroll");
    FINDING("a table made after the session started can be counted",
            failed(got));
    sqlite3_close(db);
}

/* ---- held -------------------------------------------------------------- */

/* Held: an approved export read inside a read-only statement that fails
 * afterwards uses the approval and leaves its record (the nested writes
 * commit with no writer around them). */
static void test_export_failing_readonly_held(void)
{
    fresh(CUSTOMERS, gsp);
    sqlite3 *a = as("cs_agent", "a01", NULL);
    CHECK_STR(one(a, "SELECT ward_request('export_customers', 'review')"), "1");
    sqlite3_close(a);
    sqlite3 *s = as("cs_supervisor", "s01", NULL);
    CHECK_STR(one(s, "SELECT ward_approve(1)"), "0");
    sqlite3_close(s);
    sqlite3 *db = as("cs_agent", "a01", NULL);
    CHECK(failed(one(db, "SELECT ward_request((SELECT group_concat(phone) "
                         "FROM ward_export_customers), 'x')")));
    CHECK(failed(one(db, "SELECT count(*) FROM ward_export_customers")));
    sqlite3_close(db);
    CHECK_STR(owner("SELECT count(*) FROM ward_audit WHERE op = 'export'"),
              "1");
    CHECK_STR(owner("SELECT used_at IS NOT NULL FROM ward_request WHERE id "
                    "= 1"),
              "1");
}

/* Held: reads by a statement kept open while a write statement of the
 * session fails beside it are recorded, and a statement prepared with the
 * legacy sqlite3_prepare records its reads too. */
static void test_interleaved_reads_held(void)
{
    fresh(CUSTOMERS, gsp);
    sqlite3 *db = as("cs_agent", "a01", NULL);
    sqlite3_stmt *held = prepare(db, "SELECT phone FROM customers");
    CHECK(sqlite3_step(held) == SQLITE_ROW);
    CHECK(failed(one(db, "UPDATE customers SET id_card = 'x' WHERE id = 1")));
    CHECK(sqlite3_step(held) == SQLITE_ROW);
    CHECK(sqlite3_step(held) == SQLITE_DONE);
    sqlite3_finalize(held);
    sqlite3_stmt *legacy = NULL;
    CHECK(sqlite3_prepare(db, "SELECT id_card FROM customers WHERE id = 1", -1,
                          &legacy, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(legacy) == SQLITE_ROW);
    sqlite3_finalize(legacy);
    sqlite3_close(db);
    CHECK_STR(owner("SELECT sum(nrows) FROM ward_audit WHERE op = 'read' AND "
                    "columns = 'phone'"),
              "2");
    CHECK_STR(owner("SELECT count(*) FROM ward_audit WHERE op = 'update' AND "
                    "detail = 'refused [write-denied]'"),
              "1");
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/db", dir);
    gsp = harness_compile("policies/gsp_pharmacy.ward");
    CHECK(gsp != NULL);
    test_default_prepare_race();
    test_default_drop_locked();
    test_default_plain_held();
    test_unsettled_quadratic();
    test_own_names_growth();
    test_timing_rows_outside_filter();
    test_timing_masked_write_held();
    test_late_table_counted();
    test_export_failing_readonly_held();
    test_interleaved_reads_held();
    free(gsp);
    unlink(path);
    char j[300];
    snprintf(j, sizeof j, "%s-journal", path);
    unlink(j);
    rmdir(dir);
    return check_report("test_sqlite_redteam_second");
}
