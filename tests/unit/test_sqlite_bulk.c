/*
 * test_sqlite_bulk.c - the bulk-read gate (`export T beyond N rows`) and
 * one-of-each approvals on the SQLite runtime, through the C API, where a
 * client can hold several statements open at once: the count is per
 * statement, statements open side by side count together, a statement
 * begun beside one let past the limit is gated again, and a reset
 * statement starts counting afresh.
 */
#include "check.h"
#include "sqlite_harness.h"

#include "emit_sqlite.h"
#include "model.h"
#include "ward.h"

#include <stdlib.h>
#include <unistd.h>

static sqlite3 *db;

static const char POLICY[] =
    "policy crm version 1;\n"
    "role reader;\n"
    "role compliance;\n"
    "role sales_manager;\n"
    "table doctors {\n"
    "  id integer key;\n"
    "  name text;\n"
    "  rows all for reader, compliance, sales_manager;\n"
    "}\n"
    "approval export_doctors {\n"
    "  export doctors beyond 8 rows;\n"
    "  by 1 of compliance and 1 of sales_manager;\n"
    "}\n";

static char *compile(void)
{
    char path[] = "/tmp/ward-bulk-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    ssize_t n = write(fd, POLICY, sizeof POLICY - 1);
    close(fd);
    char *sql =
        n == (ssize_t)(sizeof POLICY - 1) ? harness_compile(path) : NULL;
    unlink(path);
    return sql;
}

static void as(const char *role, const char *user)
{
    char *err = NULL;
    CHECK(ward_session_set(db, role, user, NULL, NULL, &err) == SQLITE_OK);
    if (err)
        fprintf(stderr, "%s\n", err);
    sqlite3_free(err);
}

static sqlite3_stmt *prepare(const char *sql)
{
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    return st;
}

/* rows steps ST up to N rows; returns how many it produced, and the code
 * that stopped it in *RC. */
static int rows(sqlite3_stmt *st, int n, int *rc)
{
    int k = 0;
    while (k < n && (*rc = sqlite3_step(st)) == SQLITE_ROW)
        k++;
    return k;
}

static bool refused_bulk(void)
{
    return strstr(sqlite3_errmsg(db), "[approval-required] reading more "
                                      "than 8 rows of doctors") != NULL;
}

static void setup(void)
{
    char *sql = compile();
    CHECK(sql != NULL);
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TABLE doctors (id integer primary key, name "
                       "text); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                       "SELECT i + 1 FROM n WHERE i < 10) INSERT INTO doctors "
                       "SELECT i, 'dr' || i FROM n;",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql ? sql : "", NULL, NULL, NULL) == SQLITE_OK);
    free(sql);
    CHECK(ward_runtime_open(db, NULL) == SQLITE_OK);
}

/* Two statements open side by side count together: eight rows of one and
 * a ninth of the other is a ninth row, refused. */
static void test_side_by_side(void)
{
    as("reader", "u1");
    sqlite3_stmt *a = prepare("SELECT id FROM doctors");
    sqlite3_stmt *b = prepare("SELECT id FROM doctors WHERE id = 9");
    int rc = 0;
    CHECK_INT(rows(a, 8, &rc), 8);
    CHECK_INT(rows(b, 1, &rc), 0);
    CHECK(rc != SQLITE_ROW && refused_bulk());
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    /* Alone, the same lookup is one row. */
    b = prepare("SELECT id FROM doctors WHERE id = 9");
    CHECK_INT(rows(b, 5, &rc), 1);
    CHECK(rc == SQLITE_DONE);
    sqlite3_finalize(b);
}

/* A statement reset before its end starts counting afresh; its ninth row
 * is still refused. */
static void test_reset(void)
{
    as("reader", "u1");
    sqlite3_stmt *a = prepare("SELECT id FROM doctors");
    int rc = 0;
    CHECK_INT(rows(a, 8, &rc), 8);
    sqlite3_reset(a);
    CHECK_INT(rows(a, 8, &rc), 8);
    CHECK_INT(rows(a, 1, &rc), 0);
    CHECK(rc != SQLITE_ROW && refused_bulk());
    sqlite3_finalize(a);
}

static sqlite3_int64 approved_request(void)
{
    as("reader", "u1");
    sqlite3_stmt *st = prepare("SELECT ward_request('export_doctors', 'r')");
    sqlite3_int64 id =
        sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    CHECK(id > 0);
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT ward_approve(%lld)", (long long)id);
    as("compliance", "c1");
    st = prepare(sql);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
    sqlite3_finalize(st);
    as("sales_manager", "s1");
    st = prepare(sql);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0);
    sqlite3_finalize(st);
    return id;
}

/* A statement let past the limit keeps its approval to itself: one begun
 * beside it is gated again and refused, and the first reads on. */
static void test_approved_alone(void)
{
    approved_request();
    as("reader", "u1");
    sqlite3_stmt *a = prepare("SELECT id FROM doctors");
    int rc = 0;
    CHECK_INT(rows(a, 9, &rc), 9);
    sqlite3_stmt *b = prepare("SELECT count(*) FROM doctors");
    CHECK(sqlite3_step(b) != SQLITE_ROW);
    CHECK(strstr(sqlite3_errmsg(db), "must be the only statement running"));
    sqlite3_finalize(b);
    CHECK_INT(rows(a, 5, &rc), 1);
    CHECK(rc == SQLITE_DONE);
    sqlite3_finalize(a);
    /* The request is used up. */
    a = prepare("SELECT count(*) FROM doctors");
    CHECK(sqlite3_step(a) != SQLITE_ROW && refused_bulk());
    sqlite3_finalize(a);
}

/* One export record per statement let past the limit. */
static void test_recorded(void)
{
    sqlite3_int64 id = approved_request();
    as("reader", "u1");
    sqlite3_stmt *a = prepare("SELECT count(*) FROM doctors a JOIN doctors b "
                              "ON a.id = b.id");
    CHECK(sqlite3_step(a) == SQLITE_ROW && sqlite3_column_int(a, 0) == 10);
    sqlite3_finalize(a);
    CHECK(ward_session_end(db, NULL) == SQLITE_OK);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ward_audit WHERE op = 'export' AND detail "
             "= 'export_doctors #%lld: read beyond 8 rows'",
             (long long)id);
    a = prepare(sql);
    CHECK(sqlite3_step(a) == SQLITE_ROW && sqlite3_column_int(a, 0) == 1);
    sqlite3_finalize(a);
}

int main(void)
{
    setup();
    test_side_by_side();
    test_reset();
    test_approved_alone();
    test_recorded();
    CHECK(sqlite3_close(db) == SQLITE_OK);
    return check_report("test_sqlite_bulk");
}
