/*
 * mask_spec.c - the catalog of masking functions (see mask_spec.h).
 *
 * The order is the documentation order of docs/masks.md: native, Chinese PII,
 * generalisation, keyed, then the compatibility families.
 */
#include "mask_spec.h"

#include <string.h>

#define S MARG_STRING
#define I MARG_INT
#define N MARG_NUMBER
#define W MARG_WORD
#define X MARG_SCALAR

static const MaskSpec specs[] = {
    /* native */
    {"keep",
     2,
     3,
     {I, I, S},
     NULL,
     MIN_ANY,
     false,
     "keep(first, last[, char])"},
    {"redact", 0, 1, {S}, NULL, MIN_ANY, false, "redact([text])"},
    {"null", 0, 0, {0}, NULL, MIN_ANY, false, "null()"},
    {"email", 0, 0, {0}, NULL, MIN_TEXT, false, "email()"},
    {"hash", 0, 0, {0}, NULL, MIN_ANY, false, "hash()"},
    /* Chinese PII */
    {"cn_mobile", 0, 0, {0}, NULL, MIN_ANY, false, "cn_mobile()"},
    {"cn_id",
     0,
     1,
     {W},
     "tail|birth|all",
     MIN_TEXT,
     false,
     "cn_id([tail|birth|all])"},
    {"cn_name", 0, 0, {0}, NULL, MIN_TEXT, false, "cn_name()"},
    {"cn_bank_card", 0, 0, {0}, NULL, MIN_ANY, false, "cn_bank_card()"},
    {"cn_address", 0, 0, {0}, NULL, MIN_TEXT, false, "cn_address()"},
    {"cn_landline", 0, 0, {0}, NULL, MIN_ANY, false, "cn_landline()"},
    /* generalisation */
    {"bucket", 1, 1, {N}, NULL, MIN_NUMBER, false, "bucket(width)"},
    {"range", 2, 2, {N, N}, NULL, MIN_NUMBER, false, "range(low, high)"},
    {"date_trunc",
     1,
     1,
     {W},
     "year|month|day",
     MIN_DATE,
     false,
     "date_trunc(year|month|day)"},
    /* keyed */
    {"hmac", 1, 1, {S}, NULL, MIN_ANY, true, "hmac(context)"},
    {"encrypt", 1, 1, {S}, NULL, MIN_ANY, true, "encrypt(context)"},
    /* Apache Hive / Ranger */
    {"hive_mask",
     0,
     8,
     {X, X, X, X, X, X, X, X},
     NULL,
     MIN_ANY,
     false,
     "hive_mask([upper, lower, digit, other, number, day, month, year])"},
    {"hive_mask_first_n",
     0,
     6,
     {I, X, X, X, X, X},
     NULL,
     MIN_ANY,
     false,
     "hive_mask_first_n([n, upper, lower, digit, other, number])"},
    {"hive_mask_last_n",
     0,
     6,
     {I, X, X, X, X, X},
     NULL,
     MIN_ANY,
     false,
     "hive_mask_last_n([n, upper, lower, digit, other, number])"},
    {"hive_mask_show_first_n",
     0,
     6,
     {I, X, X, X, X, X},
     NULL,
     MIN_ANY,
     false,
     "hive_mask_show_first_n([n, upper, lower, digit, other, number])"},
    {"hive_mask_show_last_n",
     0,
     6,
     {I, X, X, X, X, X},
     NULL,
     MIN_ANY,
     false,
     "hive_mask_show_last_n([n, upper, lower, digit, other, number])"},
    {"hive_mask_hash", 0, 0, {0}, NULL, MIN_ANY, false, "hive_mask_hash()"},
    /* PostgreSQL Anonymizer */
    {"anon_partial",
     3,
     3,
     {I, S, I},
     NULL,
     MIN_ANY,
     false,
     "anon_partial(prefix, padding, suffix)"},
    {"anon_partial_email",
     0,
     0,
     {0},
     NULL,
     MIN_TEXT,
     false,
     "anon_partial_email()"},
    /* SQL Server dynamic data masking */
    {"mssql_default", 0, 0, {0}, NULL, MIN_ANY, false, "mssql_default()"},
    {"mssql_email", 0, 0, {0}, NULL, MIN_TEXT, false, "mssql_email()"},
    {"mssql_partial",
     3,
     3,
     {I, S, I},
     NULL,
     MIN_ANY,
     false,
     "mssql_partial(prefix, padding, suffix)"},
};

const MaskSpec *mask_spec_find(const char *name)
{
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

size_t mask_spec_count(void)
{
    return sizeof specs / sizeof specs[0];
}

const MaskSpec *mask_spec_at(size_t i)
{
    return i < mask_spec_count() ? &specs[i] : NULL;
}
