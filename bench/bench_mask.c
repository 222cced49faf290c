/*
 * bench_mask.c - nanoseconds per call of every masking function over a
 * million generated values, against a baseline measured in the same
 * process: a plain memcpy of the same values into an output buffer.
 *
 * Usage: bench_mask [COUNT]   (default 1000000 values per function)
 *
 * After its table it prints one line per function for bench/run.sh:
 *   RESULT<TAB>bench=mask<TAB>workload=...<TAB>baseline=memcpy<TAB>base=NS
 *   <TAB>value=NS<TAB>unit=ns/call<TAB>ratio=R
 *
 * Each function gets inputs of the shape it is meant for (phone numbers,
 * resident IDs, names, addresses, e-mail addresses, integers, dates) and
 * writes into a fixed stack buffer, as the SQLite extension does for short
 * values. The target for character-level masks on short strings is under
 * 100 ns per call.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mask.h"

/* ValueSet is COUNT values of one shape, packed in one block. */
typedef struct ValueSet {
    const char *name; /* shape, for the table */
    MaskValue *v;     /* the values (text points into data) */
    char *data;       /* the text bytes */
    size_t count;     /* values */
    size_t bytes;     /* text bytes in all */
} ValueSet;

static uint32_t rng = 2463534242u;

/* next returns the next xorshift32 number: deterministic across runs. */
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static const char *const surnames[] = {"张", "王",   "李",   "刘",
                                       "陈", "欧阳", "司马", "诸葛"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静",
                                    "丽", "强", "磊", "军", "洋"};
static const char *const streets[][2] = {{"北京市朝阳区建国路", "号"},
                                         {"广东省深圳市南山区科技园", "栋"},
                                         {"上海市浦东新区世纪大道", "号"},
                                         {"浙江省杭州市西湖区文三路", "号"}};

typedef enum Shape {
    SH_PHONE,
    SH_ID,
    SH_NAME,
    SH_EMAIL,
    SH_ADDRESS,
    SH_LANDLINE,
    SH_CARD,
    SH_INT,
    SH_DATE,
    SH_HIVE,
    SH_COUNT
} Shape;

static const char *const shape_names[SH_COUNT] = {
    "phone 11", "resident ID", "name",    "e-mail", "address",
    "landline", "bank card",   "integer", "date",   "card text"};

/* gen writes one value of SHAPE to BUF (at least 128 bytes). */
static int gen(Shape shape, char *buf)
{
    uint32_t r = next();
    switch (shape) {
    case SH_PHONE:
        return snprintf(buf, 128, "1%u%09u", 3 + r % 7, next() % 1000000000u);
    case SH_ID: {
        int n = snprintf(buf, 128, "110105%04u%02u%02u%03u", 1950 + r % 60,
                         1 + next() % 12, 1 + next() % 28, next() % 1000);
        buf[17] = mask_cn_id_check(buf);
        buf[18] = '\0';
        return n + 1;
    }
    case SH_NAME:
        return snprintf(buf, 128, "%s%s%s", surnames[r % 8], given[next() % 10],
                        r % 3 ? given[next() % 10] : "");
    case SH_EMAIL: return snprintf(buf, 128, "user%u@example.com", r % 100000);
    case SH_ADDRESS:
        return snprintf(buf, 128, "%s%u%s", streets[r % 4][0], next() % 500,
                        streets[r % 4][1]);
    case SH_LANDLINE: return snprintf(buf, 128, "010-6%07u", r % 10000000);
    case SH_CARD:
        return snprintf(buf, 128, "622202%07u%06u", r % 10000000,
                        next() % 1000000);
    case SH_INT: return 0;
    case SH_DATE:
        return snprintf(buf, 128, "20%02u-%02u-%02u", r % 30, 1 + next() % 12,
                        1 + next() % 28);
    case SH_HIVE:
        return snprintf(buf, 128, "Card-%04u-%04u", r % 10000, next() % 10000);
    case SH_COUNT: break;
    }
    return 0;
}

static int make_set(ValueSet *set, Shape shape, size_t count)
{
    char buf[128];
    size_t cap = count * 48, used = 0;

    set->name = shape_names[shape];
    set->v = malloc(count * sizeof *set->v);
    set->data = malloc(cap);
    set->count = count;
    if (set->v == NULL || set->data == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (shape == SH_INT) {
            set->v[i] = mask_int((int64_t)(next() % 100000));
            continue;
        }
        int n = gen(shape, buf);
        if (used + (size_t)n > cap)
            return -1;
        memcpy(set->data + used, buf, (size_t)n);
        /* data never moves: it was sized for the worst case up front. */
        set->v[i] = mask_text(set->data + used, (size_t)n);
        used += (size_t)n;
    }
    set->bytes = used;
    return 0;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One benchmark row: a catalog entry, its arguments and its input shape. */
typedef struct Case {
    const char *fn;      /* catalog name */
    int nargs;           /* arguments */
    MaskValue args[3];   /* the arguments */
    Shape shape;         /* the inputs */
    const char *spelled; /* how the call reads in the table */
} Case;

#define TX(s)                                                                  \
    {                                                                          \
        MASK_TEXT, 0, 0.0, (s), sizeof(s) - 1                                  \
    }
#define IN(v)                                                                  \
    {                                                                          \
        MASK_INT, (v), 0.0, NULL, 0                                            \
    }

static const Case cases[] = {
    {"keep", 2, {IN(3), IN(4)}, SH_PHONE, "keep(3, 4)"},
    {"keep", 2, {IN(1), IN(0)}, SH_NAME, "keep(1, 0)"},
    {"keep", 2, {IN(14), IN(0)}, SH_ID, "keep(14, 0)"},
    {"redact", 0, {IN(0)}, SH_PHONE, "redact()"},
    {"null", 0, {IN(0)}, SH_PHONE, "null()"},
    {"email", 0, {IN(0)}, SH_EMAIL, "email()"},
    {"hash", 0, {IN(0)}, SH_PHONE, "hash()"},
    {"cn_mobile", 0, {IN(0)}, SH_PHONE, "cn_mobile()"},
    {"cn_id", 0, {IN(0)}, SH_ID, "cn_id()"},
    {"cn_id", 1, {TX("tail")}, SH_ID, "cn_id(tail)"},
    {"cn_name", 0, {IN(0)}, SH_NAME, "cn_name()"},
    {"cn_bank_card", 0, {IN(0)}, SH_CARD, "cn_bank_card()"},
    {"cn_address", 0, {IN(0)}, SH_ADDRESS, "cn_address()"},
    {"cn_landline", 0, {IN(0)}, SH_LANDLINE, "cn_landline()"},
    {"bucket", 1, {IN(10)}, SH_INT, "bucket(10)"},
    {"range", 2, {IN(18), IN(65)}, SH_INT, "range(18, 65)"},
    {"date_trunc", 1, {TX("month")}, SH_DATE, "date_trunc(month)"},
    {"hmac", 1, {TX("customers.phone")}, SH_PHONE, "hmac(ctx)"},
    {"encrypt", 1, {TX("customers.phone")}, SH_PHONE, "encrypt(ctx)"},
    {"hive_mask", 0, {IN(0)}, SH_HIVE, "hive_mask()"},
    {"hive_mask", 0, {IN(0)}, SH_INT, "hive_mask()"},
    {"hive_mask_first_n", 1, {IN(4)}, SH_HIVE, "hive_mask_first_n(4)"},
    {"hive_mask_last_n", 1, {IN(4)}, SH_HIVE, "hive_mask_last_n(4)"},
    {"hive_mask_show_first_n",
     1,
     {IN(4)},
     SH_HIVE,
     "hive_mask_show_first_n(4)"},
    {"hive_mask_show_last_n", 1, {IN(4)}, SH_HIVE, "hive_mask_show_last_n(4)"},
    {"hive_mask_hash", 0, {IN(0)}, SH_HIVE, "hive_mask_hash()"},
    {"anon_partial",
     3,
     {IN(1), TX("xxxx"), IN(3)},
     SH_PHONE,
     "anon_partial(1, 'xxxx', 3)"},
    {"anon_partial_email", 0, {IN(0)}, SH_EMAIL, "anon_partial_email()"},
    {"mssql_default", 0, {IN(0)}, SH_PHONE, "mssql_default()"},
    {"mssql_email", 0, {IN(0)}, SH_EMAIL, "mssql_email()"},
    {"mssql_partial",
     3,
     {IN(1), TX("XXXX"), IN(1)},
     SH_NAME,
     "mssql_partial(1, 'XXXX', 1)"},
};

/* baseline returns ns per value of copying SET's values to a buffer. */
static double baseline(const ValueSet *set, unsigned long *sink)
{
    char out[256];
    double t0 = now_ns();
    for (size_t i = 0; i < set->count; i++) {
        const MaskValue *v = &set->v[i];
        size_t n = v->kind == MASK_TEXT ? v->n : sizeof v->i;
        memcpy(out, v->kind == MASK_TEXT ? v->s : (const char *)&v->i, n);
        out[n] = '\0';
        /* Keep the copy observable so it is not optimised away. */
        *sink += (unsigned char)out[n / 2];
        __asm__ volatile("" : : "r"(out) : "memory");
    }
    return (now_ns() - t0) / (double)set->count;
}

/* unbenched returns a catalog function no case calls, or NULL: a new mask
 * joins the catalog (runtime/core/mask_catalog.def) and must join the
 * workload here too, with an input shape of its own kind. */
static const char *unbenched(void)
{
    for (size_t i = 0; i < mask_spec_count(); i++) {
        const char *name = mask_spec_at(i)->name;
        size_t c = 0;
        while (c < sizeof cases / sizeof cases[0] &&
               strcmp(cases[c].fn, name) != 0)
            c++;
        if (c == sizeof cases / sizeof cases[0])
            return name;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    size_t count = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1000000;
    ValueSet sets[SH_COUNT];
    double base[SH_COUNT];
    unsigned long sink = 0;
    MaskKey key;
    char err[256];

    const char *missing = unbenched();
    if (missing) {
        fprintf(stderr, "bench_mask: no case calls %s\n", missing);
        return 1;
    }
    if (count == 0)
        count = 1;
    for (int s = 0; s < SH_COUNT; s++) {
        if (make_set(&sets[s], (Shape)s, count) < 0) {
            fprintf(stderr, "bench_mask: out of memory\n");
            return 1;
        }
        baseline(&sets[s], &sink); /* warm the caches */
        base[s] = baseline(&sets[s], &sink);
    }
    /* A fixed test key: the benchmark measures, it protects nothing. */
    if (crypto_key_from_material(&key,
                                 "000102030405060708090a0b0c0d0e0f"
                                 "101112131415161718191a1b1c1d1e1f",
                                 64, err, sizeof err) < 0) {
        fprintf(stderr, "bench_mask: %s\n", err);
        return 1;
    }

    printf("bench_mask: %zu values per function\n\n", count);
    printf("%-30s %-12s %10s %10s %8s\n", "function", "input", "ns/call",
           "memcpy ns", "ratio");
    printf("%-30s %-12s %10s %10s %8s\n", "--------", "-----", "-------",
           "---------", "-----");
    double measured[sizeof cases / sizeof cases[0]];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const Case *k = &cases[c];
        const MaskSpec *spec = mask_spec_find(k->fn);
        const ValueSet *set = &sets[k->shape];
        char stack[256];
        MaskBuf b;
        int failures = 0;

        mask_buf_init(&b, stack, sizeof stack, NULL, NULL);
        double t0 = now_ns();
        for (size_t i = 0; i < set->count; i++) {
            if (mask_apply(spec, k->args, k->nargs, &set->v[i], &b, &key, err,
                           sizeof err) != MASK_OK)
                failures++;
            sink += b.len;
        }
        double ns = (now_ns() - t0) / (double)set->count;
        measured[c] = ns;
        printf("%-30s %-12s %10.1f %10.1f %8.1f%s\n", k->spelled, set->name, ns,
               base[k->shape], ns / base[k->shape],
               failures ? "  (errors!)" : "");
    }
    printf("\n(checksum %lu)\n", sink);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double b = base[cases[c].shape];
        printf("RESULT\tbench=mask\tworkload=%s, %s\tbaseline=memcpy"
               "\tbase=%.2f\tvalue=%.2f\tunit=ns/call\tratio=%.2f\n",
               cases[c].spelled, sets[cases[c].shape].name, b, measured[c],
               measured[c] / b);
    }
    crypto_key_dispose(&key);
    for (int s = 0; s < SH_COUNT; s++) {
        free(sets[s].v);
        free(sets[s].data);
    }
    return 0;
}
