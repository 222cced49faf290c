/*
 * pg_masks.c - every mask of the C core as the SQL function the views
 * already call (ward.keep, ward.cn_mobile, ward.hive_mask, ...), the text
 * a mask reads (ward.text_), and the crypto primitives of the keyed masks.
 *
 * One C entry point, ward_pg_mask, serves every mask: on its first call
 * through an FmgrInfo it reads its own declaration (name, argument and
 * result types) and finds the catalog entry (mask_spec.h) it stands for,
 * so native.sql declares each SQL function once and nothing here repeats
 * the catalog. The value and the arguments become MaskValues as the
 * SQLite extension makes them (sqlite_masks.c): text as text (a "_date"
 * function's as a date), bigint as an integer, double as a real, a
 * numeric argument as an integer when it has no fraction digits (10, not
 * 10.0: bucket(10) and bucket(10.0) differ), the Hive functions' JSON
 * array element by element. Trailing NULL arguments are arguments not
 * given. The result goes back in the declared result type. Errors carry
 * the core's message and never the value.
 */
#include "ward_pg.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include <errno.h>
#include <stdlib.h>

#include "crypto.h"
#include "mask.h"

/* How one SQL function calls the core: found once per FmgrInfo. */
typedef struct MaskFn {
    const MaskSpec *spec;     /* the catalog entry */
    bool date;                /* a "_date" function: the value is a date */
    bool json;                /* the arguments come as one jsonb array */
    int nargs;                /* SQL arguments, the value included */
    Oid types[FUNC_MAX_ARGS]; /* their types */
    Oid rettype;              /* the declared result type */
} MaskFn;

static MaskFn *mask_fn(FunctionCallInfo fcinfo)
{
    FmgrInfo *fl = fcinfo->flinfo;
    if (fl->fn_extra)
        return fl->fn_extra;
    HeapTuple tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(fl->fn_oid));
    if (!HeapTupleIsValid(tp))
        elog(ERROR, "ward: no function %u", fl->fn_oid);
    Form_pg_proc p = (Form_pg_proc)GETSTRUCT(tp);
    MaskFn *f = MemoryContextAllocZero(fl->fn_mcxt, sizeof *f);
    char name[NAMEDATALEN];
    strlcpy(name, NameStr(p->proname), sizeof name);
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, "_date") == 0) {
        f->date = true;
        name[n - 5] = '\0';
    }
    f->nargs = p->pronargs;
    for (int i = 0; i < p->pronargs && i < FUNC_MAX_ARGS; i++)
        f->types[i] = p->proargtypes.values[i];
    f->rettype = p->prorettype;
    ReleaseSysCache(tp);
    f->spec = mask_spec_find(name);
    if (f->spec == NULL || f->nargs < 1)
        elog(ERROR, "ward: %s is no masking function of the C core", name);
    /* The catalog says which entries take their arguments as one jsonb
     * array; a declaration in native.sql that disagrees is a bug. */
    f->json = f->spec->json_args;
    if (f->json != (f->nargs == 2 && f->types[1] == JSONBOID))
        elog(ERROR, "ward: %s is declared against the catalog's arguments",
             name);
    fl->fn_extra = f;
    return f;
}

/* number parses a numeric's text: an integer when it has no fraction
 * digits and fits, a real otherwise. S is palloc'd and stays alive. */
static MaskValue number(char *s)
{
    if (strpbrk(s, ".eEnN") == NULL) {
        errno = 0;
        char *end;
        long long v = strtoll(s, &end, 10);
        if (errno == 0 && *end == '\0')
            return mask_int(v);
    }
    return mask_real(strtod(s, NULL));
}

static MaskValue text_value(text *t)
{
    return mask_text(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* arg converts SQL argument I (not NULL) of type T. */
static MaskValue arg(FunctionCallInfo fcinfo, int i, Oid t)
{
    Datum d = PG_GETARG_DATUM(i);
    switch (t) {
    case INT2OID: return mask_int(DatumGetInt16(d));
    case INT4OID: return mask_int(DatumGetInt32(d));
    case INT8OID: return mask_int(DatumGetInt64(d));
    case FLOAT4OID: return mask_real(DatumGetFloat4(d));
    case FLOAT8OID: return mask_real(DatumGetFloat8(d));
    case NUMERICOID:
        return number(DatumGetCString(DirectFunctionCall1(numeric_out, d)));
    default: return text_value(DatumGetTextPP(d));
    }
}

/* json_args reads the Hive functions' argument array into OUT. */
static int json_args(Jsonb *jb, MaskValue *out)
{
    int n = 0;
    if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("ward: the arguments must be a JSON array")));
    JsonbIterator *it = JsonbIteratorInit(&jb->root);
    JsonbValue v;
    JsonbIteratorToken tok;
    while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (tok != WJB_ELEM)
            continue;
        if (n == MASK_MAX_ARGS)
            ereport(ERROR,
                    (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                     errmsg("ward: at most %d arguments", MASK_MAX_ARGS)));
        switch (v.type) {
        case jbvNumeric:
            out[n] = number(DatumGetCString(DirectFunctionCall1(
                numeric_out, NumericGetDatum(v.val.numeric))));
            break;
        case jbvString:
            out[n] = mask_text(v.val.string.val, (size_t)v.val.string.len);
            break;
        default: out[n] = mask_null(); break;
        }
        n++;
    }
    return n;
}

static void *grow(void *ctx, void *old, size_t size)
{
    (void)ctx;
    return old ? repalloc(old, size) : palloc(size);
}

/* fail raises the core's error RC with message ERR. */
static void fail(const MaskSpec *spec, int rc, const char *err)
{
    size_t n = strlen(spec->name);
    if (strncmp(err, spec->name, n) == 0 && err[n] == ':' && err[n + 1] == ' ')
        err += n + 2;
    if (rc == MASK_ENOMEM)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                        errmsg("ward: ward_%s: out of memory", spec->name)));
    ereport(ERROR,
            (errcode(rc == MASK_EARG ? ERRCODE_INVALID_PARAMETER_VALUE
                                     : ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
             errmsg("ward: ward_%s: %s", spec->name, err)));
}

PG_FUNCTION_INFO_V1(ward_pg_mask);
Datum ward_pg_mask(PG_FUNCTION_ARGS)
{
    MaskFn *f = mask_fn(fcinfo);
    MaskValue args[MASK_MAX_ARGS];
    int nargs = 0;
    if (f->json) {
        if (!PG_ARGISNULL(1))
            nargs = json_args(PG_GETARG_JSONB_P(1), args);
    } else {
        int last = PG_NARGS() - 1;
        while (last >= 1 && PG_ARGISNULL(last))
            last--;
        for (int i = 1; i <= last; i++) {
            if (nargs == MASK_MAX_ARGS)
                break;
            args[nargs++] =
                PG_ARGISNULL(i) ? mask_null() : arg(fcinfo, i, f->types[i]);
        }
    }
    MaskValue in = mask_null();
    if (!PG_ARGISNULL(0)) {
        in = arg(fcinfo, 0, f->types[0]);
        if (f->date && in.kind == MASK_TEXT)
            in.kind = MASK_DATE;
    }
    char stack[256], err[160];
    err[0] = '\0'; /* per row: no need to clear it whole */
    MaskBuf out;
    mask_buf_init(&out, stack, sizeof stack, grow, NULL);
    int rc = mask_apply(f->spec, args, nargs, &in, &out, NULL, err, sizeof err);
    if (rc != MASK_OK)
        fail(f->spec, rc, err);
    switch (out.kind) {
    case MASK_NULL: PG_RETURN_NULL();
    case MASK_INT:
        if (f->rettype == INT8OID)
            PG_RETURN_INT64(out.i);
        if (f->rettype == FLOAT8OID)
            PG_RETURN_FLOAT8((double)out.i);
        PG_RETURN_TEXT_P(cstring_to_text(psprintf("%lld", (long long)out.i)));
    case MASK_REAL:
        if (f->rettype == FLOAT8OID)
            PG_RETURN_FLOAT8(out.r);
        {
            char buf[32];
            double_to_shortest_decimal_buf(out.r, buf);
            PG_RETURN_TEXT_P(cstring_to_text(buf));
        }
    default: PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, (int)out.len));
    }
}

/* ward.cn_id_valid(v): the core's check of a resident ID. */
PG_FUNCTION_INFO_V1(ward_pg_cn_id_valid);
Datum ward_pg_cn_id_valid(PG_FUNCTION_ARGS)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_BOOL(false);
    text *t = PG_GETARG_TEXT_PP(0);
    PG_RETURN_BOOL(mask_cn_id_valid(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/*
 * ward.text_(v): the text a mask reads, whatever output settings the
 * session chose (masks.sql says why): dates and timestamps in ISO style,
 * a timestamp with time zone in UTC, reals in their shortest exact form.
 * Written directly, with no setting changed for the call.
 */
PG_FUNCTION_INFO_V1(ward_pg_text_date);
Datum ward_pg_text_date(PG_FUNCTION_ARGS)
{
    DateADT d = PG_GETARG_DATEADT(0);
    char buf[MAXDATELEN + 1];
    if (DATE_NOT_FINITE(d)) {
        EncodeSpecialDate(d, buf);
    } else {
        struct pg_tm tm;
        j2date(d + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
        EncodeDateOnly(&tm, USE_ISO_DATES, buf);
    }
    PG_RETURN_TEXT_P(cstring_to_text(buf));
}

static text *timestamp_text(Timestamp ts, bool utc)
{
    char buf[MAXDATELEN + 1];
    struct pg_tm tm;
    fsec_t fsec;
    if (TIMESTAMP_NOT_FINITE(ts))
        EncodeSpecialTimestamp(ts, buf);
    else if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) == 0) {
        /* In UTC, zone known: EncodeDateTime prints no zone when
         * tm_isdst is negative, as timestamp2tm leaves it here. */
        tm.tm_isdst = 0;
        EncodeDateTime(&tm, fsec, utc, 0, utc ? "UTC" : NULL, USE_ISO_DATES,
                       buf);
    } else
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
                        errmsg("timestamp out of range")));
    return cstring_to_text(buf);
}

PG_FUNCTION_INFO_V1(ward_pg_text_timestamp);
Datum ward_pg_text_timestamp(PG_FUNCTION_ARGS)
{
    PG_RETURN_TEXT_P(timestamp_text(PG_GETARG_TIMESTAMP(0), false));
}

PG_FUNCTION_INFO_V1(ward_pg_text_timestamptz);
Datum ward_pg_text_timestamptz(PG_FUNCTION_ARGS)
{
    PG_RETURN_TEXT_P(timestamp_text(PG_GETARG_TIMESTAMPTZ(0), true));
}

PG_FUNCTION_INFO_V1(ward_pg_text_float8);
Datum ward_pg_text_float8(PG_FUNCTION_ARGS)
{
    char buf[32];
    double_to_shortest_decimal_buf(PG_GETARG_FLOAT8(0), buf);
    PG_RETURN_TEXT_P(cstring_to_text(buf));
}

PG_FUNCTION_INFO_V1(ward_pg_text_float4);
Datum ward_pg_text_float4(PG_FUNCTION_ARGS)
{
    char buf[32];
    float_to_shortest_decimal_buf(PG_GETARG_FLOAT4(0), buf);
    PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/* ---- the keyed masks' primitives (keys.sql calls them with the key) ---- */

static bytea *bytes(const unsigned char *p, size_t n)
{
    bytea *b = palloc(VARHDRSZ + n);
    SET_VARSIZE(b, VARHDRSZ + n);
    memcpy(VARDATA(b), p, n);
    return b;
}

/* ward.hmac_sha256_(k, m): HMAC-SHA256, as the core computes it. */
PG_FUNCTION_INFO_V1(ward_pg_hmac_sha256);
Datum ward_pg_hmac_sha256(PG_FUNCTION_ARGS)
{
    bytea *k = PG_GETARG_BYTEA_PP(0), *m = PG_GETARG_BYTEA_PP(1);
    unsigned char out[CRYPTO_SHA256_LEN];
    if (crypto_hmac_sha256((const unsigned char *)VARDATA_ANY(k),
                           VARSIZE_ANY_EXHDR(k), VARDATA_ANY(m),
                           VARSIZE_ANY_EXHDR(m), NULL, 0, NULL, 0, out) != 0)
        ereport(ERROR, (errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
                        errmsg("ward: HMAC-SHA256 failed")));
    PG_RETURN_BYTEA_P(bytes(out, sizeof out));
}

/* ward.siv_encrypt_(key, ad, p): AES-256-SIV of P (not empty) under the
 * 64-byte KEY with AD: the synthetic IV, then the ciphertext. */
PG_FUNCTION_INFO_V1(ward_pg_siv_encrypt);
Datum ward_pg_siv_encrypt(PG_FUNCTION_ARGS)
{
    bytea *k = PG_GETARG_BYTEA_PP(0), *ad = PG_GETARG_BYTEA_PP(1),
          *p = PG_GETARG_BYTEA_PP(2);
    size_t n = VARSIZE_ANY_EXHDR(p);
    if (VARSIZE_ANY_EXHDR(k) != 64 || n == 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("ward: AES-SIV needs a 64-byte key and a "
                               "message")));
    unsigned char *out = palloc(CRYPTO_SIV_TAG_LEN + n);
    if (crypto_siv_encrypt((const unsigned char *)VARDATA_ANY(k),
                           VARDATA_ANY(ad), VARSIZE_ANY_EXHDR(ad),
                           VARDATA_ANY(p), n, out,
                           out + CRYPTO_SIV_TAG_LEN) != 0)
        ereport(ERROR, (errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
                        errmsg("ward: AES-SIV failed")));
    PG_RETURN_BYTEA_P(bytes(out, CRYPTO_SIV_TAG_LEN + n));
}
