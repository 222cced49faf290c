/*
 * demo_data.c - `demo_data DB [N]`: a pharmacy chain's customer table with
 * N (default 3000) synthetic customers, for the demo and the benchmarks.
 *
 * The rows look real and are not: Chinese names drawn by how common each
 * surname is (compound surnames such as 欧阳, 司马 and 诸葛 included, and
 * rare), mainland mobile numbers, 18-digit resident IDs with a real region
 * code, a real birth date, a sequence whose parity matches the name's sex
 * and a correct GB 11643 check digit, medication, one of twelve stores and
 * a sales rep of that store. IDs and phone numbers are unique. The
 * generator has a fixed seed, so every run writes the same rows.
 *
 * The table is exactly the one policies/gsp_pharmacy.ward protects, and
 * nothing else: demo_data makes no table that the policy does not cover.
 * It writes into a new database (or an empty customers table) only; it
 * never touches rows that are already there.
 */
#include "mask.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ROWS 3000
#define MAX_ROWS     10000000L
#define STORES       12
#define REPS         40

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the generator ---- */

/* Rng is xorshift64*: small, fast, and the same on every platform (rand()
 * is not), so the demo shows the same customers everywhere. */
typedef struct Rng {
    uint64_t s; /* never 0 */
} Rng;

static uint64_t rng_next(Rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dULL;
}

/* rng_below returns a number in [0, n); n > 0. The top bits are the best
 * of xorshift64*, and the modulo bias for the small n used here is nil. */
static unsigned rng_below(Rng *r, unsigned n)
{
    return (unsigned)((rng_next(r) >> 32) % n);
}

/* A value and how common it is (any unit; only the ratios count). */
typedef struct Weighted {
    const char *text;
    unsigned weight;
} Weighted;

/* weighted picks from LIST (N entries) in proportion to their weights. */
static const char *weighted(Rng *r, const Weighted *list, size_t n)
{
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += list[i].weight;
    unsigned x = rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < list[i].weight)
            return list[i].text;
        x -= list[i].weight;
    }
    return list[n - 1].text;
}

#define PICK(r, a) ((a)[rng_below((r), (unsigned)NELEM(a))])

/* ---- the vocabulary ---- */

/* Surnames, weighted by their share of the population in per mille
 * (王 about 7%); the compound ones are rare, as they are in life. */
static const Weighted SURNAMES[] = {
    {"王", 71},  {"李", 70},  {"张", 66},  {"刘", 54},  {"陈", 45},  {"杨", 31},
    {"黄", 22},  {"赵", 20},  {"吴", 18},  {"周", 17},  {"徐", 16},  {"孙", 15},
    {"马", 12},  {"朱", 12},  {"胡", 11},  {"郭", 11},  {"何", 10},  {"林", 10},
    {"高", 10},  {"罗", 9},   {"郑", 8},   {"梁", 8},   {"谢", 7},   {"宋", 6},
    {"唐", 6},   {"许", 6},   {"韩", 5},   {"冯", 5},   {"邓", 5},   {"曹", 5},
    {"欧阳", 2}, {"司马", 1}, {"诸葛", 1}, {"上官", 1}, {"东方", 1},
};

/* Given names of one or two characters, by sex: the 17th digit of a
 * resident ID is odd for a man and even for a woman. */
static const char *const GIVEN_MALE[] = {
    "伟",   "强",   "磊",   "军",   "洋",   "勇",   "杰",   "涛",
    "明",   "超",   "刚",   "平",   "辉",   "鹏",   "华",   "飞",
    "波",   "斌",   "宇",   "浩",   "建国", "志强", "晓东", "文博",
    "子豪", "浩然", "宇轩", "俊杰", "明辉", "海涛", "国栋", "建华",
};
static const char *const GIVEN_FEMALE[] = {
    "芳",   "娜",   "敏",   "静",   "丽",   "艳",   "娟",   "霞",
    "燕",   "玲",   "丹",   "萍",   "红",   "梅",   "婷",   "慧",
    "莹",   "倩",   "颖",   "琴",   "秀英", "桂英", "玉兰", "海燕",
    "晓燕", "丽娟", "欣怡", "子涵", "雨萱", "梓涵", "淑珍", "春梅",
};

/* Mobile number segments of the three carriers. */
static const char *const PHONE_PREFIXES[] = {
    "134", "135", "136", "137", "138", "139", "147", "150", "151", "152",
    "157", "158", "159", "178", "182", "183", "187", "188", "198", "130",
    "131", "132", "155", "156", "166", "175", "176", "185", "186", "133",
    "153", "173", "177", "180", "181", "189", "191", "199",
};

/* Region codes (the first six digits of a resident ID) of real districts:
 * Beijing Dongcheng and Chaoyang, Shanghai Huangpu and Pudong, Guangzhou
 * Tianhe, Shenzhen Nanshan and Futian, Chengdu Jinjiang, Hangzhou Xihu,
 * Wuhan Jiang'an, Xi'an Yanta, Nanjing Gulou, Tianjin Heping, Chongqing
 * Yuzhong. */
static const char *const REGIONS[] = {
    "110101", "110105", "310101", "310115", "440106", "440305", "440304",
    "510104", "330106", "420102", "610113", "320106", "120101", "500103",
};

/* What the customer was last dispensed: generic names as a pharmacy's
 * system stores them, some in English and some in Chinese. */
static const char *const DRUGS[] = {
    "metformin", "insulin",    "amlodipine",    "atorvastatin",
    "losartan",  "omeprazole", "levothyroxine", "salbutamol",
    "阿莫西林",  "布洛芬",     "硝苯地平",      "二甲双胍",
    "阿司匹林",  "氯雷他定",   "头孢克肟",      "复方甘草片",
};

/* ---- one customer ---- */

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/*
 * resident_id writes an 18-digit resident ID to OUT: region, birth date
 * (a customer aged 20 to 85), a three-digit sequence whose last digit is
 * odd for a man, and the GB 11643 check character.
 */
static void resident_id(Rng *r, bool male, char out[19])
{
    int year = 1940 + (int)rng_below(r, 66);
    int month = 1 + (int)rng_below(r, 12);
    int day = 1 + (int)rng_below(r, (unsigned)days_in_month(year, month));
    unsigned seq =
        10 * rng_below(r, 100) + 2 * rng_below(r, 5) + (male ? 1 : 0);
    /* Room for what the compiler cannot bound; 17 digits in practice. */
    char digits[48];
    snprintf(digits, sizeof digits, "%s%04d%02d%02d%03u", PICK(r, REGIONS),
             year, month, day, seq);
    memcpy(out, digits, 17);
    out[17] = mask_cn_id_check(out);
    out[18] = '\0';
}

/* One row of the customers table, in the table's column order. */
typedef struct Customer {
    char name[32];
    char phone[12];
    char id_card[19];
    const char *medication;
    int store_id;
    char owner[8];
} Customer;

static void customer_make(Rng *r, Customer *c)
{
    bool male = rng_below(r, 2) == 0;
    snprintf(c->name, sizeof c->name, "%s%s",
             weighted(r, SURNAMES, NELEM(SURNAMES)),
             male ? PICK(r, GIVEN_MALE) : PICK(r, GIVEN_FEMALE));
    snprintf(c->phone, sizeof c->phone, "%s%08u", PICK(r, PHONE_PREFIXES),
             rng_below(r, 100000000u));
    resident_id(r, male, c->id_card);
    c->medication = PICK(r, DRUGS);
    /* Rep rK works at store (K-1) % 12 + 1 and owns customers there. */
    c->store_id = 1 + (int)rng_below(r, STORES);
    int reps = (REPS - c->store_id) / STORES + 1; /* reps of this store */
    int rep = c->store_id + STORES * (int)rng_below(r, (unsigned)reps);
    snprintf(c->owner, sizeof c->owner, "r%02d", rep);
}

/* ---- the database ---- */

static const char *const COLUMNS[] = {
    "id", "name", "phone", "id_card", "medication", "store_id", "owner",
};

/*
 * prepare_table makes sure DB has an empty customers table of the policy's
 * shape, creating it if it is missing. Returns 0, or -1 with a message on
 * stderr: the table holds rows (never touched) or has other columns.
 */
static int prepare_table(sqlite3 *db, const char *path)
{
    sqlite3_stmt *st = NULL;
    int ncols = 0, rc;
    bool same = true;
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM pragma_table_info('customers')",
                           -1, &st, NULL) != SQLITE_OK)
        goto sql_error;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        same = same && ncols < (int)NELEM(COLUMNS) && name &&
               strcmp(name, COLUMNS[ncols]) == 0;
        ncols++;
    }
    if (rc != SQLITE_DONE)
        goto sql_error;
    sqlite3_finalize(st);
    st = NULL;

    if (ncols == 0) {
        /* The index serves the store managers' row filter. */
        if (sqlite3_exec(db,
                         "CREATE TABLE customers (id integer primary key, "
                         "name text, phone text, id_card text, medication "
                         "text, store_id integer, owner text);"
                         "CREATE INDEX customers_store ON customers "
                         "(store_id)",
                         NULL, NULL, NULL) != SQLITE_OK)
            goto sql_error;
        return 0;
    }
    if (!same || ncols != (int)NELEM(COLUMNS)) {
        fprintf(stderr,
                "demo_data: %s: table customers has other columns than (id, "
                "name, phone, id_card, medication, store_id, owner); "
                "demo_data needs a new database\n",
                path);
        return -1;
    }
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM customers", -1, &st,
                           NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        goto sql_error;
    sqlite3_int64 rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rows > 0) {
        fprintf(stderr,
                "demo_data: %s: table customers already holds %lld rows, "
                "which demo_data never touches; it needs a new database\n",
                path, (long long)rows);
        return -1;
    }
    return 0;

sql_error:
    fprintf(stderr, "demo_data: %s: %s\n", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return -1;
}

/*
 * is_new reports whether VALUE was not drawn before, and remembers it.
 * SEEN is a prepared INSERT OR IGNORE into a temp table whose primary key
 * is the value. Returns 1, 0, or -1 on a SQLite error.
 */
static int is_new(sqlite3 *db, sqlite3_stmt *seen, const char *value)
{
    sqlite3_reset(seen);
    sqlite3_bind_text(seen, 1, value, -1, SQLITE_STATIC);
    if (sqlite3_step(seen) != SQLITE_DONE)
        return -1;
    return sqlite3_changes(db) == 1;
}

/*
 * fill inserts N customers with one prepared statement, redrawing any
 * whose ID or phone number an earlier one has. Runs inside the caller's
 * transaction. Returns 0, or -1 with a message on stderr.
 */
static int fill(sqlite3 *db, const char *path, long n)
{
    sqlite3_stmt *ins = NULL, *seen_id = NULL, *seen_phone = NULL;
    int rc = -1;
    if (sqlite3_exec(db,
                     "CREATE TEMP TABLE seen_id (v TEXT PRIMARY KEY) WITHOUT "
                     "ROWID; CREATE TEMP TABLE seen_phone (v TEXT PRIMARY "
                     "KEY) WITHOUT ROWID",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO customers (id, name, phone, id_card, "
                           "medication, store_id, owner) VALUES (?1, ?2, ?3, "
                           "?4, ?5, ?6, ?7)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO seen_id VALUES (?1)", -1,
                           &seen_id, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO seen_phone VALUES (?1)",
                           -1, &seen_phone, NULL) != SQLITE_OK)
        goto out;

    Rng rng = {0x9e3779b97f4a7c15ULL};
    for (long i = 1; i <= n; i++) {
        Customer c;
        int fresh_id, fresh_phone;
        do {
            customer_make(&rng, &c);
            if ((fresh_id = is_new(db, seen_id, c.id_card)) < 0 ||
                (fresh_phone = is_new(db, seen_phone, c.phone)) < 0)
                goto out;
        } while (!fresh_id || !fresh_phone);
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_bind_text(ins, 2, c.name, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, c.phone, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, c.id_card, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, c.medication, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 6, c.store_id);
        sqlite3_bind_text(ins, 7, c.owner, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            goto out;
    }
    rc = sqlite3_exec(db, "DROP TABLE temp.seen_id; DROP TABLE temp.seen_phone",
                      NULL, NULL, NULL) == SQLITE_OK
             ? 0
             : -1;

out:
    if (rc < 0)
        fprintf(stderr, "demo_data: %s: %s\n", path, sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    sqlite3_finalize(seen_id);
    sqlite3_finalize(seen_phone);
    return rc;
}

static int usage(const char *why)
{
    fprintf(stderr,
            "demo_data: %s\n"
            "usage: demo_data DB [N]\n"
            "  writes N synthetic pharmacy customers (default %d) into table\n"
            "  customers of DB, a new SQLite database\n",
            why, DEFAULT_ROWS);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3)
        return usage(argc < 2 ? "missing the database file"
                              : "too many arguments");
    long n = DEFAULT_ROWS;
    if (argc == 3) {
        char *end;
        n = strtol(argv[2], &end, 10);
        if (end == argv[2] || *end || n < 1 || n > MAX_ROWS)
            return usage("N must be a whole number from 1 to 10000000");
    }
    const char *path = argv[1];
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "demo_data: %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    /* One transaction: the table and all its rows, or nothing (closing
     * without COMMIT rolls back). IMMEDIATE: no writer can slip in
     * between the check and the inserts. The sets of values drawn so far
     * are temp tables, kept in memory. */
    int rc = 1;
    if (sqlite3_exec(db, "PRAGMA temp_store = MEMORY; BEGIN IMMEDIATE", NULL,
                     NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "demo_data: %s: %s\n", path, sqlite3_errmsg(db));
        goto out;
    }
    if (prepare_table(db, path) < 0 || fill(db, path, n) < 0)
        goto out;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "demo_data: %s: %s\n", path, sqlite3_errmsg(db));
        goto out;
    }
    printf("demo_data: %ld customers in %s\n", n, path);
    rc = 0;

out:
    sqlite3_close(db);
    return rc;
}
