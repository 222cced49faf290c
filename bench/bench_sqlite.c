/*
 * bench_sqlite.c - what the SQLite runtime costs on a scan.
 *
 * One in-memory database of 200,000 customers with the running example's
 * policy applied. Each measurement is the best of five, in this process:
 *   raw          SELECT of every column from main.customers, no session
 *   hand masked  the same with the masks written by hand (ward_keep ...)
 *   view         SELECT * FROM customers as cs_agent (the session's view:
 *                masks, and the read audit counting phone)
 *   store, view  a store manager's session (row filter on store_id)
 *   store, hand  the same filter written by hand, on the same index
 *   session      setting a session (ward_session), per call
 * "Decide once per session, never per row": the view should cost the
 * hand-written masks plus the audit counting, and the row filter should
 * use the index like hand-written SQL.
 */
#include "emit_sqlite.h"
#include "ward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROWS   200000
#define REPEAT 5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench_sqlite: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

/* scan runs SQL to the end, touching every value; best of REPEAT, in
 * seconds; *N receives the row count. */
static double scan(sqlite3 *db, const char *sql, long *n)
{
    double best = 1e9;
    for (int k = 0; k < REPEAT; k++) {
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
        best = t < best ? t : best;
        *n = rows;
    }
    return best;
}

static void setup(sqlite3 *db)
{
    if (sqlite3_exec(db,
                     "CREATE TABLE customers (id integer primary key, name "
                     "text, phone text, id_card text, medication text, "
                     "store_id integer, owner text);"
                     "CREATE INDEX customers_store ON customers (store_id);"
                     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                     "FROM n WHERE i < 200000) "
                     "INSERT INTO customers SELECT i, '张三丰', '138' || "
                     "printf('%08d', i), '11010119900307' || printf('%04d', "
                     "i % 10000), 'metformin', i % 12 + 1, 'r' || (i % 40) "
                     "FROM n;",
                     NULL, NULL, NULL) != SQLITE_OK)
        die(db, "data");
    Arena a;
    arena_init(&a);
    Diag d;
    diag_init(&d, &a);
    Model *m = load_policy(&a, &d, "policies/gsp_pharmacy.ward", NULL);
    if (!m) {
        diag_print(&d, stderr);
        fprintf(stderr, "bench_sqlite: run from the repository root\n");
        exit(1);
    }
    StrBuf sql;
    sb_init(&sql);
    emit_sqlite(m, &sql);
    if (sqlite3_exec(db, sql.data, NULL, NULL, NULL) != SQLITE_OK)
        die(db, "apply");
    sb_free(&sql);
    diag_dispose(&d);
    arena_free(&a);
}

int main(void)
{
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    setup(db);
    if (ward_runtime_open(db, NULL) != SQLITE_OK)
        die(db, "runtime");
    long n_raw, n_hand, n_view, n_sv, n_sh;
    double raw = scan(db,
                      "SELECT id, name, phone, id_card, medication, "
                      "store_id, owner FROM main.customers",
                      &n_raw);
    double hand = scan(db,
                       "SELECT id, ward_keep(name, 1, 0), "
                       "ward_keep(phone, 3, 4), NULL, NULL, store_id, "
                       "owner FROM main.customers",
                       &n_hand);
    double store_hand = scan(db,
                             "SELECT id, ward_keep(name, 1, 0), "
                             "ward_keep(phone, 3, 4), NULL, NULL, "
                             "store_id, owner FROM main.customers WHERE "
                             "store_id = 7",
                             &n_sh);
    char *err = NULL;
    double t0 = now();
    for (int i = 0; i < 200; i++)
        if (ward_session_set(db, i % 2 ? "cs_agent" : "pharmacist", "a01", NULL,
                             NULL, &err) != SQLITE_OK)
            die(db, err);
    double session = (now() - t0) / 200;
    ward_session_set(db, "cs_agent", "a01", NULL, NULL, &err);
    double view = scan(db, "SELECT * FROM customers", &n_view);
    ward_session_set(db, "store_manager", "m07", NULL, "{\"store_id\": 7}",
                     &err);
    double store_view = scan(db, "SELECT * FROM customers", &n_sv);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT * FROM customers", -1,
                       &st, NULL);
    printf("store manager's query plan:");
    while (sqlite3_step(st) == SQLITE_ROW)
        printf(" %s", sqlite3_column_text(st, 3));
    printf("\n");
    sqlite3_finalize(st);
    sqlite3_close(db);

    printf("%d customers, best of %d; baseline: the raw scan\n", ROWS, REPEAT);
    printf("%-36s %8s %10s %8s\n", "", "rows", "ns/row", "ratio");
    printf("%-36s %8ld %10.1f %8.2f\n", "raw scan (no session)", n_raw,
           raw / (double)n_raw * 1e9, 1.0);
    printf("%-36s %8ld %10.1f %8.2f\n", "hand-written masks", n_hand,
           hand / (double)n_hand * 1e9, hand / raw);
    printf("%-36s %8ld %10.1f %8.2f\n", "cs_agent's view (masks + audit)",
           n_view, view / (double)n_view * 1e9, view / raw);
    printf("view / hand-written masks: %.2f\n", view / hand);
    printf("%-36s %8ld %10.1f\n", "store 7: hand-written filter", n_sh,
           store_hand / (double)n_sh * 1e9);
    printf("%-36s %8ld %10.1f\n", "store 7: store manager's view", n_sv,
           store_view / (double)n_sv * 1e9);
    printf("store view / hand-written filter: %.2f\n", store_view / store_hand);
    printf("setting a session: %.0f us\n", session * 1e6);
    return 0;
}
