/*
 * test_sqlite_api.c - the SQLite runtime through its C API
 * (runtime/sqlite/ward.h), linked into the program: the running example
 * compiled by the library, applied to an in-memory database, then read, written
 * and locked the way an application does. Under `make asan` this is where the
 * runtime's memory is checked, leaks included.
 */
#include "check.h"
#include "sqlite_harness.h"

#include "emit_sqlite.h"
#include "model.h"
#include "ward.h"

#include <stdlib.h>

static sqlite3 *db;

/* one returns the first column of the first row of SQL as text (static
 * buffer), "NULL" for NULL, or "ERROR: message". */
static const char *one(const char *sql)
{
    static char buf[512];
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(buf, sizeof buf, "%s", t ? t : "NULL");
    } else if (rc == SQLITE_DONE) {
        snprintf(buf, sizeof buf, "DONE");
    } else {
        snprintf(buf, sizeof buf, "ERROR: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return buf;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
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
    char *err = NULL;
    CHECK(sqlite3_exec(db, sql ? sql : "", NULL, NULL, &err) == SQLITE_OK);
    if (err)
        fprintf(stderr, "apply: %s\n", err);
    sqlite3_free(err);
    free(sql);
}

static void test_open_and_session(void)
{
    char *err = NULL;
    CHECK(ward_runtime_open(db, &err) == SQLITE_OK);
    CHECK(err == NULL);
    /* A second load is a no-op, not a second copy of the state. */
    CHECK(ward_runtime_open(db, &err) == SQLITE_OK);
    CHECK_STR(one("SELECT phone FROM customers WHERE id = 1"), "13812345678");

    CHECK(ward_session_set(db, "cs_agent", "a01", NULL, NULL, &err) ==
          SQLITE_OK);
    CHECK_STR(one("SELECT phone FROM customers WHERE id = 1"), "138****5678");
    CHECK_STR(one("SELECT name FROM customers WHERE id = 1"), "张**");
    CHECK_STR(one("SELECT id_card FROM customers WHERE id = 1"), "NULL");
    CHECK_STR(one("SELECT ward_user()"), "a01");

    CHECK(ward_session_set(db, "cs_supervisor", "s01", "outbound_call", NULL,
                           &err) == SQLITE_OK);
    CHECK_STR(one("SELECT id_card FROM customers WHERE id = 1"),
              "11010119900307****");
    CHECK_STR(one("SELECT ward_scenario()"), "outbound_call");

    CHECK(ward_session_set(db, "store_manager", "m01", NULL,
                           "{\"store_id\": 8}", &err) == SQLITE_OK);
    CHECK_STR(one("SELECT group_concat(id) FROM customers"), "2");

    CHECK(ward_session_set(db, "nobody", "x", NULL, NULL, &err) ==
          SQLITE_ERROR);
    CHECK(err && strstr(err, "ward: [unknown-role] no role 'nobody'"));
    sqlite3_free(err);
    err = NULL;
    /* A refused session change leaves the previous one in force. */
    CHECK_STR(one("SELECT group_concat(id) FROM customers"), "2");
}

static void test_writes(void)
{
    char *err = NULL;
    CHECK(ward_session_set(db, "cs_agent", "a01", NULL, NULL, &err) ==
          SQLITE_OK);
    CHECK_STR(one("UPDATE customers SET phone = '13700000000' WHERE id = 2"),
              "DONE");
    CHECK(starts(one("UPDATE customers SET medication = 'x' WHERE id = 2"),
                 "ERROR: ward: [write-denied] role cs_agent may not write "
                 "customers.medication"));
    CHECK(starts(one("DELETE FROM customers"), "ERROR: ward: [write-denied]"));
    CHECK(starts(one("SELECT * FROM main.customers"), "ERROR: access to"));
    CHECK(ward_session_set(db, "compliance", "c01", NULL, NULL, &err) ==
          SQLITE_OK);
    CHECK_STR(one("SELECT phone || medication FROM customers WHERE id = 2"),
              "NULL");
    CHECK_STR(one("SELECT id_card FROM customers WHERE id = 2"),
              "11010119900307123X");
}

static void test_audit(void)
{
    /* Sessions may not read the log; the connection's owner may. */
    CHECK(starts(one("SELECT count(*) FROM ward_audit"),
                 "ERROR: not authorized"));
    CHECK(starts(one("SELECT op FROM ward_audit"),
                 "ERROR: access to ward_audit.op is prohibited"));
    CHECK_STR(one("SELECT ward_session_end()"), "NULL");
    CHECK_STR(one("SELECT count(*) FROM ward_audit WHERE op = 'update' AND "
                  "key = '2' AND columns = 'phone' AND user = 'a01'"),
              "1");
    /* The SELECT of the phone; the UPDATE of it and the refused DELETE
     * read no phone. */
    CHECK_STR(one("SELECT count(*) FROM ward_audit WHERE op = 'read' AND "
                  "columns = 'phone' AND user = 'a01'"),
              "1");
    CHECK_STR(one("SELECT count(*) FROM ward_audit WHERE op = 'read' AND "
                  "columns = 'id_card' AND user = 's01' AND nrows = 1"),
              "1");
    /* Every row chains onto the one before it. */
    CHECK_STR(one("SELECT count(*) FROM ward_audit a JOIN ward_audit b ON "
                  "b.seq = a.seq + 1 WHERE b.prev <> a.hash"),
              "0");
}

static void test_lock(void)
{
    char *err = NULL;
    CHECK(ward_session_set(db, "pharmacist", "p01", NULL, NULL, &err) ==
          SQLITE_OK);
    CHECK(ward_session_lock(db, &err) == SQLITE_OK);
    CHECK(ward_session_set(db, "cs_supervisor", "p01", NULL, NULL, &err) ==
          SQLITE_ERROR);
    CHECK(err && strstr(err, "[session-locked]"));
    sqlite3_free(err);
    err = NULL;
    CHECK(starts(one("SELECT ward_session('compliance', 'x', NULL, NULL)"),
                 "ERROR: ward: [session-locked]"));
    CHECK_STR(one("SELECT medication FROM customers WHERE id = 1"),
              "metformin");
    CHECK(starts(one("DROP VIEW customers"), "ERROR: not authorized"));
}

static void test_keyed_without_key(void)
{
    /* A keyed mask without a key fails loudly, never passes the value. */
    unsetenv("WARD_KEY");
    unsetenv("WARD_KEY_FILE");
    sqlite3 *k;
    CHECK(sqlite3_open(":memory:", &k) == SQLITE_OK);
    CHECK(ward_runtime_open(k, NULL) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(k, "SELECT ward_hmac('13812345678', 'phone')", -1,
                             &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ERROR);
    CHECK(strstr(sqlite3_errmsg(k), "[no-key]") != NULL);
    sqlite3_finalize(st);
    sqlite3_close(k);
}

int main(void)
{
    setup();
    test_open_and_session();
    test_writes();
    test_audit();
    test_lock();
    CHECK(sqlite3_close(db) == SQLITE_OK);
    test_keyed_without_key();
    return check_report("test_sqlite_api");
}
