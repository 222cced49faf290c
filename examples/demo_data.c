/*
 * demo_data.c - `demo_data DB [N]`: a pharmacy chain's customer table with
 * N (default 3000) synthetic customers, for the demo and the benchmarks.
 *
 * The data looks real and is not: Chinese names (compound surnames such as
 * 欧阳 and 司马 included), mainland mobile numbers, 18-digit resident IDs
 * with a real region, a real birth date and a correct GB 11643 check digit,
 * medication, a store and the sales rep who owns the customer. The
 * generator is seeded, so every run writes the same rows.
 */
#include "mask.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t seed = 0x9e3779b97f4a7c15ULL;

/* next is xorshift64*: small, fast and the same everywhere. */
static uint64_t next(void)
{
    seed ^= seed >> 12;
    seed ^= seed << 25;
    seed ^= seed >> 27;
    return seed * 0x2545f4914f6cdd1dULL;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(next() % n);
}

#define PICK(a) (a)[pick(sizeof(a) / sizeof((a)[0]))]

static const char *const SURNAMES[] = {
    "王", "李", "张",   "刘",   "陈",   "杨",   "黄",   "赵", "吴",
    "周", "徐", "孙",   "马",   "朱",   "胡",   "郭",   "何", "林",
    "罗", "高", "欧阳", "司马", "诸葛", "上官", "东方",
};
static const char *const GIVEN[] = {
    "伟",   "芳",   "娜",   "敏",   "静", "丽", "强", "磊",   "军",   "洋",
    "勇",   "艳",   "杰",   "娟",   "涛", "明", "超", "秀英", "华",   "慧",
    "建国", "志强", "海燕", "晓东", "丹", "平", "刚", "桂英", "玉兰", "文",
};
static const char *const PREFIXES[] = {
    "138", "139", "135", "136", "137", "150", "151", "152", "158", "159",
    "186", "187", "188", "133", "153", "180", "189", "177", "199", "166",
};
/* Region codes of real districts: Beijing, Shanghai, Guangzhou, Shenzhen,
 * Chengdu, Hangzhou, Wuhan, Xi'an. */
static const char *const REGIONS[] = {
    "110101", "110105", "310101", "310115", "440106",
    "440305", "510104", "330106", "420102", "610113",
};
static const char *const DRUGS[] = {
    "metformin",  "insulin",       "amlodipine", "atorvastatin", "losartan",
    "omeprazole", "levothyroxine", "阿莫西林",   "布洛芬",       "硝苯地平",
    "二甲双胍",   "阿司匹林",      NULL,
};

static void resident_id(char out[19])
{
    int year = 1940 + (int)pick(66), month = 1 + (int)pick(12);
    int day = 1 + (int)pick(28);
    snprintf(out, 19, "%s%04d%02d%02d%03u", PICK(REGIONS), year, month, day,
             pick(1000));
    out[17] = mask_cn_id_check(out);
    out[18] = '\0';
}

static int usage(void)
{
    fprintf(stderr, "usage: demo_data DB [N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3)
        return usage();
    long n = argc == 3 ? strtol(argv[2], NULL, 10) : 3000;
    if (n < 1 || n > 10000000)
        return usage();
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
        fprintf(stderr, "demo_data: %s: %s\n", argv[1], sqlite3_errmsg(db));
        return 1;
    }
    /* Never touch a table that already holds data. */
    char *err = NULL;
    if (sqlite3_exec(db,
                     "BEGIN;"
                     "CREATE TABLE customers (id integer primary key, name "
                     "text, phone text, id_card text, medication text, "
                     "store_id integer, owner text);"
                     "CREATE INDEX customers_store ON customers (store_id);",
                     NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "demo_data: %s: %s (the demo needs a new database)\n",
                argv[1], err);
        sqlite3_free(err);
        sqlite3_close(db);
        return 1;
    }
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
                       "INSERT INTO customers (id, name, phone, id_card, "
                       "medication, store_id, owner) VALUES (?, ?, ?, ?, ?, "
                       "?, ?)",
                       -1, &st, NULL);
    for (long i = 1; i <= n; i++) {
        char name[32], phone[12], id[19], owner[8];
        snprintf(name, sizeof name, "%s%s", PICK(SURNAMES), PICK(GIVEN));
        snprintf(phone, sizeof phone, "%s%08u", PICK(PREFIXES),
                 pick(100000000));
        resident_id(id);
        snprintf(owner, sizeof owner, "r%02u", 1 + pick(40));
        const char *drug = PICK(DRUGS);
        sqlite3_bind_int64(st, 1, i);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, phone, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, id, -1, SQLITE_TRANSIENT);
        if (drug)
            sqlite3_bind_text(st, 5, drug, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_int(st, 6, 1 + (int)pick(12));
        sqlite3_bind_text(st, 7, owner, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "demo_data: %s\n", sqlite3_errmsg(db));
            sqlite3_finalize(st);
            sqlite3_close(db);
            return 1;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    if (rc != SQLITE_OK)
        return 1;
    printf("demo_data: %ld customers in %s\n", n, argv[1]);
    return 0;
}
