/*
 * test_sqlite_attack.c - the SQLite runtime attacked through the C API, the
 * way an application's SQL console or a compromised query builder would:
 * statements prepared with sqlite3_prepare_v2 (the shell strips what these
 * keep, such as a leading comment), statements prepared before the session
 * was set, legacy sqlite3_prepare, sqlite3_exec batches, a session changed
 * under a running statement, and the change counters. docs/dba-sqlite.md's
 * threat model says which of these paths are trusted application code.
 */
#include "check.h"
#include "sqlite_harness.h"

#include "emit_sqlite.h"
#include "model.h"
#include "ward.h"

#include <stdlib.h>

static sqlite3 *db;

static bool clear_value_in(const char *s)
{
    return strstr(s, "13812345678") || strstr(s, "13998765432") ||
           strstr(s, "110101199003071234") || strstr(s, "11010119900307123X");
}

/* refused: SQL fails, and neither its rows nor the error carry a clear
 * value. */
static bool refused(const char *sql)
{
    char out[4096];
    int rc = harness_run(db, sql, out, sizeof out);
    bool ok = rc != SQLITE_DONE && !clear_value_in(out) &&
              !clear_value_in(sqlite3_errmsg(db));
    if (!ok)
        fprintf(stderr, "not refused (%d): %s\n  rows: %s\n  error: %s\n", rc,
                sql, out, sqlite3_errmsg(db));
    return ok;
}

static const char *one(const char *sql)
{
    static char out[4096];
    if (harness_run(db, sql, out, sizeof out) != SQLITE_DONE)
        snprintf(out, sizeof out, "ERROR: %s", sqlite3_errmsg(db));
    else if (*out)
        out[strlen(out) - 1] = '\0'; /* the last ';' */
    return out;
}

static void setup(void)
{
    char *sql = harness_compile("policies/gsp_pharmacy.ward");
    CHECK(sql != NULL);
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TABLE customers (id integer primary key, name "
                       "text, phone text, id_card text, medication text, "
                       "store_id integer, owner text);"
                       "INSERT INTO customers VALUES (1, '张三丰', "
                       "'13812345678', '110101199003071234', 'metformin', 7, "
                       "'r01'), (2, '李四', '13998765432', "
                       "'11010119900307123X', 'insulin', 8, 'r02');",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql ? sql : "", NULL, NULL, NULL) == SQLITE_OK);
    free(sql);
    CHECK(ward_runtime_open(db, NULL) == SQLITE_OK);
}

/* The review's first finding, byte for byte through prepare_v2. */
static void test_leading_comment(void)
{
    CHECK(ward_session_set(db, "cs_agent", "a01", NULL, NULL, NULL) ==
          SQLITE_OK);
    CHECK(refused("-- x\nWITH ward_x AS (SELECT phone, id_card FROM "
                  "main.customers) SELECT * FROM ward_x"));
    CHECK(refused("-- x\nWITH ward_x AS (SELECT ward_audit_write('update', "
                  "'customers', '1', 'phone')) SELECT * FROM ward_x"));
    CHECK(refused("  /* a */ -- b\n\tWITH customers AS (SELECT * FROM "
                  "main.customers) SELECT phone FROM customers"));
    CHECK(refused("DELETE FROM customers WHERE json_extract('{}', (SELECT "
                  "phone||'/'||id_card FROM main.customers WHERE id=1))"));
    CHECK_STR(one("SELECT phone FROM customers WHERE id = 1"), "138****5678");
    CHECK_STR(one("SELECT ward_session_end()"), "NULL");
}

/* A statement prepared before the session, by the trusted side, runs as
 * the session once it is set: SQLite prepares it again. */
static void test_prepared_before(void)
{
    sqlite3_stmt *v2 = NULL, *legacy = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT phone FROM customers WHERE id = 1", -1,
                             &v2, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare(db, "SELECT phone FROM customers WHERE id = 1", -1,
                          &legacy, NULL) == SQLITE_OK);
    CHECK(ward_session_set(db, "pharmacist", "p01", NULL, NULL, NULL) ==
          SQLITE_OK);
    CHECK(sqlite3_step(v2) == SQLITE_ROW);
    CHECK(sqlite3_column_type(v2, 0) == SQLITE_NULL);
    sqlite3_finalize(v2);
    /* A legacy statement cannot prepare again: it fails, never runs as
     * prepared. */
    int rc = sqlite3_step(legacy);
    CHECK(rc != SQLITE_ROW);
    CHECK(sqlite3_finalize(legacy) != SQLITE_OK);
    CHECK_STR(one("SELECT ward_session_end()"), "NULL");
}

/* sqlite3_exec authorizes statement by statement: statements before the
 * refused one have run. */
static void test_exec_batch(void)
{
    CHECK(ward_session_set(db, "cs_agent", "a01", NULL, NULL, NULL) ==
          SQLITE_OK);
    char *err = NULL;
    CHECK(sqlite3_exec(db,
                       "CREATE TEMP TABLE marks (x); INSERT INTO marks "
                       "VALUES (1); SELECT phone FROM main.customers; "
                       "INSERT INTO marks VALUES (2)",
                       NULL, NULL, &err) == SQLITE_AUTH);
    CHECK(err && !clear_value_in(err));
    sqlite3_free(err);
    CHECK_STR(one("SELECT group_concat(x) FROM marks"), "1");
}

/* A session cannot change under a running statement. */
static void test_change_while_running(void)
{
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT phone FROM customers ORDER BY id", -1,
                             &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    char *err = NULL;
    CHECK(ward_session_set(db, "cs_supervisor", "s01", NULL, NULL, &err) ==
          SQLITE_ERROR);
    CHECK(err && strstr(err, "while another statement"));
    sqlite3_free(err);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "139****5432");
    sqlite3_finalize(st);
}

/* changes() counts the rows a statement wrote through the session, and
 * total_changes() moves the same for a right and a wrong guess. */
static void test_counters(void)
{
    CHECK(ward_session_set(db, "cs_agent", "a01", NULL, NULL, NULL) ==
          SQLITE_OK);
    CHECK_STR(one("INSERT INTO customers (name, phone) VALUES ('王五', "
                  "'13600000000'), ('赵六', '13600000001')"),
              "");
    CHECK_INT(sqlite3_changes(db), 2);
    CHECK_STR(one("UPDATE customers SET name = 'x' WHERE id > 2"), "");
    CHECK_INT(sqlite3_changes(db), 2);
    CHECK(strncmp(one("DELETE FROM customers WHERE id > 2"), "ERROR", 5) == 0);
    sqlite3_int64 before = sqlite3_total_changes64(db);
    CHECK(sqlite3_exec(db,
                       "SAVEPOINT g; UPDATE customers SET phone = "
                       "'13812345678' WHERE id = 1",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_int64 right = sqlite3_total_changes64(db) - before;
    CHECK(sqlite3_exec(db, "ROLLBACK TO g; RELEASE g", NULL, NULL, NULL) ==
          SQLITE_OK);
    before = sqlite3_total_changes64(db);
    CHECK(sqlite3_exec(db,
                       "SAVEPOINT g; UPDATE customers SET phone = "
                       "'13812340000' WHERE id = 1",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_int64 wrong = sqlite3_total_changes64(db) - before;
    CHECK(sqlite3_exec(db, "ROLLBACK TO g; RELEASE g", NULL, NULL, NULL) ==
          SQLITE_OK);
    CHECK_INT(right, wrong);
    CHECK_STR(one("SELECT ward_session_end()"), "NULL");
}

int main(void)
{
    setup();
    test_leading_comment();
    test_prepared_before();
    test_exec_batch();
    test_change_while_running();
    test_counters();
    CHECK(sqlite3_close(db) == SQLITE_OK);
    return check_report("test_sqlite_attack");
}
