/*
 * test_mask.c - table-driven vectors for every masking function in the
 * catalog (runtime/core/mask_*.c), the vendors' own documented examples for the
 * compatibility families, and the properties every function shares: NULL
 * in gives NULL out, invalid UTF-8 never reaches the output, fixed buffers
 * report the length they need.
 *
 * Keyed functions (hmac, encrypt) are tested in test_crypto.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mask.h"
#include "utf8.h"
#include "ward.h"

/* Initialisers for MaskValue in static tables. */
#define T(s)                                                                   \
    {                                                                          \
        MASK_TEXT, 0, 0.0, (s), sizeof(s) - 1                                  \
    }
#define D(s)                                                                   \
    {                                                                          \
        MASK_DATE, 0, 0.0, (s), sizeof(s) - 1                                  \
    }
#define I(v)                                                                   \
    {                                                                          \
        MASK_INT, (v), 0.0, NULL, 0                                            \
    }
#define R(v)                                                                   \
    {                                                                          \
        MASK_REAL, 0, (v), NULL, 0                                             \
    }
#define NUL                                                                    \
    {                                                                          \
        MASK_NULL, 0, 0.0, NULL, 0                                             \
    }

/* Expected results. */
#define OUT_T(s) MASK_TEXT, (s), 0
#define OUT_I(v) MASK_INT, NULL, (v)
#define OUT_NULL MASK_NULL, NULL, 0

typedef struct Vec {
    const char *fn;    /* catalog name */
    MaskValue in;      /* input value */
    int nargs;         /* arguments given */
    MaskValue args[8]; /* the arguments */
    MaskKind kind;     /* expected result kind */
    const char *text;  /* expected text when kind == MASK_TEXT */
    int64_t i;         /* expected integer when kind == MASK_INT */
} Vec;

/* clang-format off */
static const Vec vecs[] = {
    /* keep: docs/masks.md's examples, short values, UTF-8, arguments */
    {"keep", T("13812345678"), 2, {I(3), I(4)}, OUT_T("138****5678")},
    {"keep", T("王小明"), 2, {I(1), I(0)}, OUT_T("王**")},
    {"keep", T("张三丰"), 2, {I(1), I(0)}, OUT_T("张**")},
    {"keep", T("11010519491231002X"), 2, {I(14), I(0)},
     OUT_T("11010519491231****")},
    {"keep", T("1234567"), 2, {I(3), I(4)}, OUT_T("*******")},
    {"keep", T("123456"), 2, {I(3), I(4)}, OUT_T("******")},
    {"keep", T(""), 2, {I(3), I(4)}, OUT_T("")},
    {"keep", T("abc"), 2, {I(0), I(0)}, OUT_T("***")},
    {"keep", T("abc"), 3, {I(1), I(1), T("#")}, OUT_T("a#c")},
    {"keep", T("abcd"), 3, {I(1), I(1), T("●")}, OUT_T("a●●d")},
    {"keep", T("张三丰李四"), 2, {I(2), I(2)}, OUT_T("张三*李四")},
    {"keep", T("a😀bc"), 2, {I(2), I(1)}, OUT_T("a😀*c")},
    {"keep", T("王"), 2, {I(1), I(0)}, OUT_T("*")},
    {"keep", I(13812345678), 2, {I(3), I(4)}, OUT_T("138****5678")},
    {"keep", I(-42), 2, {I(1), I(0)}, OUT_T("-**")},
    {"keep", R(3.25), 2, {I(1), I(1)}, OUT_T("3**5")},
    {"keep", T("\xff\xfe"), 2, {I(1), I(0)}, OUT_T("**")},
    {"keep", T("ab\xe4\xb8"), 2, {I(1), I(0)}, OUT_T("****")},
    {"keep", T("13812345678"), 3, {I(3), I(4), T("王")},
     OUT_T("138王王王王5678")},
    {"keep", T("2024-05-17"), 2, {I(4), I(0)}, OUT_T("2024******")},

    /* redact, null */
    {"redact", T("secret"), 0, {NUL}, OUT_T("[REDACTED]")},
    {"redact", T("secret"), 1, {T("***")}, OUT_T("***")},
    {"redact", T(""), 1, {T("已隐藏")}, OUT_T("已隐藏")},
    {"redact", I(5), 0, {NUL}, OUT_T("[REDACTED]")},
    {"null", T("x"), 0, {NUL}, OUT_NULL},
    {"null", I(1), 0, {NUL}, OUT_NULL},

    /* email */
    {"email", T("alice@example.com"), 0, {NUL}, OUT_T("a***@example.com")},
    {"email", T("张三@例子.中国"), 0, {NUL}, OUT_T("张***@例子.中国")},
    {"email", T("a@example.com"), 0, {NUL}, OUT_T("***@example.com")},
    {"email", T("a\"b@c\"@x.org"), 0, {NUL}, OUT_T("a***@x.org")},
    {"email", T("no-at-sign"), 0, {NUL}, OUT_T("***")},
    {"email", T("@example.com"), 0, {NUL}, OUT_T("***")},
    {"email", T("alice@"), 0, {NUL}, OUT_T("***")},
    {"email", T(""), 0, {NUL}, OUT_T("***")},
    {"email", T("\xffz@x.org"), 0, {NUL}, OUT_T("***")},

    /* hash: SHA-256 of the text form */
    {"hash", T(""), 0, {NUL},
     OUT_T("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")},
    {"hash", T("abc"), 0, {NUL},
     OUT_T("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")},
    {"hash", I(42), 0, {NUL},
     OUT_T("73475cb40a568e8da8a045ced110137e159f890ac4da883b6b17dc651b3a8049")},

    /* cn_mobile */
    {"cn_mobile", T("13812345678"), 0, {NUL}, OUT_T("138****5678")},
    {"cn_mobile", T("+86 138 1234 5678"), 0, {NUL}, OUT_T("+86 138 **** 5678")},
    {"cn_mobile", T("+86-138-1234-5678"), 0, {NUL}, OUT_T("+86-138-****-5678")},
    {"cn_mobile", T("0086 13812345678"), 0, {NUL}, OUT_T("0086 138****5678")},
    {"cn_mobile", T("8613812345678"), 0, {NUL}, OUT_T("86138****5678")},
    {"cn_mobile", T("138-1234-5678"), 0, {NUL}, OUT_T("138-****-5678")},
    {"cn_mobile", T("199 0000 1111"), 0, {NUL}, OUT_T("199 **** 1111")},
    {"cn_mobile", I(13812345678), 0, {NUL}, OUT_T("138****5678")},
    {"cn_mobile", T("12345678901"), 0, {NUL}, OUT_T("***********")},
    {"cn_mobile", T("1381234567"), 0, {NUL}, OUT_T("**********")},
    {"cn_mobile", T("+8613812345678x"), 0, {NUL}, OUT_T("***************")},
    {"cn_mobile", T("+0086 13812345678"), 0, {NUL}, OUT_T("*****************")},
    {"cn_mobile", T("010-62345678"), 0, {NUL}, OUT_T("************")},
    {"cn_mobile", T("电话13812345678"), 0, {NUL}, OUT_T("*************")},
    {"cn_mobile", T(""), 0, {NUL}, OUT_T("")},

    /* cn_id: 11010519491231002X and 440308199901011234 are valid */
    {"cn_id", T("11010519491231002X"), 0, {NUL}, OUT_T("110***********002X")},
    {"cn_id", T("11010519491231002X"), 1, {T("tail")},
     OUT_T("11010519491231****")},
    {"cn_id", T("11010519491231002X"), 1, {T("birth")},
     OUT_T("110105********002X")},
    {"cn_id", T("11010519491231002X"), 1, {T("all")},
     OUT_T("1****************X")},
    {"cn_id", T("11010519491231002x"), 0, {NUL}, OUT_T("110***********002x")},
    {"cn_id", T("440308199901011234"), 1, {T("tail")},
     OUT_T("44030819990101****")},
    {"cn_id", I(440308199901011234), 0, {NUL}, OUT_T("440***********1234")},
    {"cn_id", T("110105194912310021"), 0, {NUL}, OUT_T("******************")},
    {"cn_id", T("110105194913310021"), 1, {T("tail")},
     OUT_T("******************")},
    {"cn_id", T("320583198702290030"), 0, {NUL}, OUT_T("******************")},
    {"cn_id", T("110105491231002"), 0, {NUL}, OUT_T("***************")},
    {"cn_id", T("11010519491231002X "), 0, {NUL}, OUT_T("*******************")},
    {"cn_id", T(""), 0, {NUL}, OUT_T("")},

    /* cn_name */
    {"cn_name", T("张三"), 0, {NUL}, OUT_T("张*")},
    {"cn_name", T("王小明"), 0, {NUL}, OUT_T("王**")},
    {"cn_name", T("欧阳娜娜"), 0, {NUL}, OUT_T("欧阳**")},
    {"cn_name", T("司马相如"), 0, {NUL}, OUT_T("司马**")},
    {"cn_name", T("诸葛亮"), 0, {NUL}, OUT_T("诸葛*")},
    {"cn_name", T("上官婉儿"), 0, {NUL}, OUT_T("上官**")},
    {"cn_name", T("东方不败"), 0, {NUL}, OUT_T("东方**")},
    {"cn_name", T("皇甫嵩"), 0, {NUL}, OUT_T("皇甫*")},
    {"cn_name", T("歐陽修"), 0, {NUL}, OUT_T("歐陽*")},
    {"cn_name", T("单雄信"), 0, {NUL}, OUT_T("单**")},
    {"cn_name", T("欧阳"), 0, {NUL}, OUT_T("**")},
    {"cn_name", T("张"), 0, {NUL}, OUT_T("*")},
    {"cn_name", T("买买提·艾力"), 0, {NUL}, OUT_T("买*****")},
    {"cn_name", T("John"), 0, {NUL}, OUT_T("J***")},
    {"cn_name", T(""), 0, {NUL}, OUT_T("")},

    /* cn_bank_card */
    {"cn_bank_card", T("6222021234567890123"), 0, {NUL},
     OUT_T("622202*********0123")},
    {"cn_bank_card", T("6222 0212 3456 7890"), 0, {NUL},
     OUT_T("622202******7890")},
    {"cn_bank_card", T("6222-0212-3456-7890"), 0, {NUL},
     OUT_T("622202******7890")},
    {"cn_bank_card", I(6222021234567890), 0, {NUL}, OUT_T("622202******7890")},
    {"cn_bank_card", T("12345"), 0, {NUL}, OUT_T("*****")},
    {"cn_bank_card", T("6222abc"), 0, {NUL}, OUT_T("*******")},
    {"cn_bank_card", T("62220212345678901234"), 0, {NUL},
     OUT_T("********************")},

    /* cn_address */
    {"cn_address", T("北京市朝阳区建国路88号"), 0, {NUL},
     OUT_T("北京市朝阳区******")},
    {"cn_address", T("广东省深圳市南山区科技园南区1栋"), 0, {NUL},
     OUT_T("广东省深圳市南山区*******")},
    {"cn_address", T("江苏省昆山市玉山镇同丰路"), 0, {NUL},
     OUT_T("江苏省昆山市******")},
    {"cn_address", T("内蒙古自治区呼和浩特市新城区中山路"), 0, {NUL},
     OUT_T("内蒙古自治区呼和浩特市新城区***")},
    {"cn_address", T("深圳市南山区粤海街道"), 0, {NUL},
     OUT_T("深圳市南山区****")},
    {"cn_address", T("上海市浦东新区世纪大道100号"), 0, {NUL},
     OUT_T("上海市浦东新区********")},
    {"cn_address", T("延边朝鲜族自治州延吉市人民路"), 0, {NUL},
     OUT_T("延边朝鲜族自治州延吉市***")},
    {"cn_address", T("海南省琼中黎族苗族自治县营根镇"), 0, {NUL},
     OUT_T("海南省琼中黎族苗族自治县***")},
    {"cn_address", T("香港特别行政区九龙城区太子道"), 0, {NUL},
     OUT_T("香港特别行政区九龙城区***")},
    {"cn_address", T("某某路1号"), 0, {NUL}, OUT_T("*****")},
    {"cn_address",
     T("北京市朝阳区"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
       "aaaaaaaaaaaaaaaaaaaa"),
     0,
     {NUL},
     OUT_T("北京市朝阳区"
           "**************************************************"
           "********************")},
    {"cn_address", T(""), 0, {NUL}, OUT_T("")},

    /* cn_landline */
    {"cn_landline", T("010-62345678"), 0, {NUL}, OUT_T("010-6234****")},
    {"cn_landline", T("0755-2634567"), 0, {NUL}, OUT_T("0755-263****")},
    {"cn_landline", T("(010)62345678"), 0, {NUL}, OUT_T("(010)6234****")},
    {"cn_landline", T("01062345678"), 0, {NUL}, OUT_T("0106234****")},
    {"cn_landline", T("+86 10 62345678"), 0, {NUL}, OUT_T("+86 10 6234****")},
    {"cn_landline", T("+86-755-26345678"), 0, {NUL}, OUT_T("+86-755-2634****")},
    {"cn_landline", T("0086 21 87654321"), 0, {NUL}, OUT_T("0086 21 8765****")},
    {"cn_landline", T("010-62345678-123"), 0, {NUL}, OUT_T("010-6234****-***")},
    {"cn_landline", T("0755 2634 5678"), 0, {NUL}, OUT_T("0755 2634 ****")},
    {"cn_landline", T("13812345678"), 0, {NUL}, OUT_T("***********")},
    {"cn_landline", T("010-0123456"), 0, {NUL}, OUT_T("***********")},
    {"cn_landline", T("0123-62345678"), 0, {NUL}, OUT_T("*************")},
    {"cn_landline", T("abc"), 0, {NUL}, OUT_T("***")},

    /* bucket */
    {"bucket", I(37), 1, {I(10)}, OUT_T("30-39")},
    {"bucket", I(30), 1, {I(10)}, OUT_T("30-39")},
    {"bucket", I(39), 1, {I(10)}, OUT_T("30-39")},
    {"bucket", I(0), 1, {I(10)}, OUT_T("0-9")},
    {"bucket", I(-5), 1, {I(10)}, OUT_T("-10--1")},
    {"bucket", I(-10), 1, {I(10)}, OUT_T("-10--1")},
    {"bucket", R(37.5), 1, {I(10)}, OUT_T("30-39")},
    {"bucket", R(-0.5), 1, {I(10)}, OUT_T("-10--1")},
    {"bucket", T("42"), 1, {I(10)}, OUT_T("40-49")},
    {"bucket", T("42.5"), 1, {I(5)}, OUT_T("40-44")},
    {"bucket", T("abc"), 1, {I(10)}, OUT_NULL},
    {"bucket", T(" 42"), 1, {I(10)}, OUT_NULL},
    {"bucket", T("inf"), 1, {I(10)}, OUT_NULL},
    {"bucket", I(37), 1, {R(2.5)}, OUT_T("[35,37.5)")},
    {"bucket", R(-0.5), 1, {R(0.25)}, OUT_T("[-0.5,-0.25)")},
    {"bucket", I(INT64_MIN), 1, {I(10)},
     OUT_T("-9223372036854775808--9223372036854775799")},
    {"bucket", I(INT64_MAX), 1, {I(10)},
     OUT_T("9223372036854775800-9223372036854775807")},

    /* range */
    {"range", I(10), 2, {I(18), I(65)}, OUT_T("<18")},
    {"range", I(18), 2, {I(18), I(65)}, OUT_T("18-64")},
    {"range", I(64), 2, {I(18), I(65)}, OUT_T("18-64")},
    {"range", I(65), 2, {I(18), I(65)}, OUT_T(">=65")},
    {"range", R(17.9), 2, {I(18), I(65)}, OUT_T("<18")},
    {"range", R(64.5), 2, {I(18), I(65)}, OUT_T("18-64")},
    {"range", T("30"), 2, {I(18), I(65)}, OUT_T("18-64")},
    {"range", T("x"), 2, {I(18), I(65)}, OUT_NULL},
    {"range", R(2.0), 2, {R(1.5), R(2.5)}, OUT_T("[1.5,2.5)")},
    {"range", R(2.5), 2, {R(1.5), R(2.5)}, OUT_T(">=2.5")},
    {"range", I(1), 2, {R(1.5), I(3)}, OUT_T("<1.5")},

    /* date_trunc */
    {"date_trunc", T("2024-05-17"), 1, {T("month")}, OUT_T("2024-05-01")},
    {"date_trunc", T("2024-05-17"), 1, {T("year")}, OUT_T("2024-01-01")},
    {"date_trunc", T("2024-05-17"), 1, {T("day")}, OUT_T("2024-05-17")},
    {"date_trunc", D("2024-05-17"), 1, {T("month")}, OUT_T("2024-05-01")},
    {"date_trunc", T("2024-05-17 13:45:10"), 1, {T("month")},
     OUT_T("2024-05-01 00:00:00")},
    {"date_trunc", T("2024-05-17T13:45:10.123Z"), 1, {T("day")},
     OUT_T("2024-05-17T00:00:00Z")},
    {"date_trunc", T("2024-05-17T13:45:10+08:00"), 1, {T("year")},
     OUT_T("2024-01-01T00:00:00+08:00")},
    {"date_trunc", T("2024-05-17 13:45"), 1, {T("day")},
     OUT_T("2024-05-17 00:00:00")},
    {"date_trunc", T("2024-02-29"), 1, {T("year")}, OUT_T("2024-01-01")},
    {"date_trunc", T("2024-02-30"), 1, {T("year")}, OUT_NULL},
    {"date_trunc", T("2023-02-29"), 1, {T("month")}, OUT_NULL},
    {"date_trunc", T("2024-05-17 25:00:00"), 1, {T("day")}, OUT_NULL},
    {"date_trunc", T("2024-5-17"), 1, {T("day")}, OUT_NULL},
    {"date_trunc", T("17/05/2024"), 1, {T("day")}, OUT_NULL},
    {"date_trunc", T("2024-05-17x"), 1, {T("day")}, OUT_NULL},
    {"date_trunc", T(""), 1, {T("day")}, OUT_NULL},
    {"date_trunc", I(20240517), 1, {T("day")}, OUT_NULL},

    /* hive_mask: Hive LanguageManual and udf_mask.q.out */
    {"hive_mask", T("abcd-EFGH-8765-4321"), 0, {NUL},
     OUT_T("xxxx-XXXX-nnnn-nnnn")},
    {"hive_mask", T("abcd-EFGH-8765-4321"), 3, {T("U"), T("l"), T("#")},
     OUT_T("llll-UUUU-####-####")},
    {"hive_mask", T("TestString-123"), 4, {T("X"), T("x"), T("0"), T(":")},
     OUT_T("XxxxXxxxxx:000")},
    {"hive_mask", T("TestString-123"), 4, {T("X"), T("x"), T("0"), T("1")},
     OUT_T("XxxxXxxxxx1000")},
    {"hive_mask", I(0), 5, {I(-1), I(-1), I(-1), I(-1), I(4)}, OUT_I(4)},
    {"hive_mask", I(12345), 5, {I(-1), I(-1), I(-1), I(-1), T("5")},
     OUT_I(55555)},
    {"hive_mask", I(-123), 0, {NUL}, OUT_I(-111)},
    {"hive_mask", I(0), 0, {NUL}, OUT_I(1)},
    {"hive_mask", I(5), 5, {NUL, NUL, NUL, NUL, I(12)}, OUT_I(1)},
    {"hive_mask", D("2016-04-20"), 0, {NUL}, OUT_T("0000-01-01")},
    {"hive_mask", D("2016-04-20"), 8,
     {I(-1), I(-1), I(-1), I(-1), I(-1), I(0), I(0), I(0)},
     OUT_T("0000-01-01")},
    {"hive_mask", D("2016-04-20"), 8,
     {I(-1), I(-1), I(-1), I(-1), I(-1), I(-1), I(0), I(0)},
     OUT_T("0000-01-20")},
    {"hive_mask", D("2016-04-20"), 8,
     {I(-1), I(-1), I(-1), I(-1), I(-1), I(1), I(-1), I(0)},
     OUT_T("0000-04-01")},
    {"hive_mask", D("2016-04-20"), 8,
     {I(-1), I(-1), I(-1), I(-1), I(-1), I(1), I(0), I(-1)},
     OUT_T("2016-01-01")},
    {"hive_mask", D("2016-04-20"), 8,
     {I(-1), I(-1), I(-1), I(-1), I(-1), I(1), I(-1), I(-1)},
     OUT_T("2016-04-01")},
    {"hive_mask", D("2016-04-20"), 8,
     {I(-1), I(-1), I(-1), I(-1), I(-1), I(-1), I(0), I(-1)},
     OUT_T("2016-01-20")},
    {"hive_mask", D("2016-04-20"), 8,
     {I(-1), I(-1), I(-1), I(-1), I(-1), I(-1), I(-1), I(0)},
     OUT_T("0000-04-20")},
    {"hive_mask", D("2016-04-20"), 8,
     {I(-1), I(-1), I(-1), I(-1), I(-1), I(-1), I(-1), I(-1)},
     OUT_T("2016-04-20")},
    {"hive_mask", D("2016-04-20"), 8,
     {NUL, NUL, NUL, NUL, NUL, I(31), I(3), I(-1)}, OUT_NULL},
    {"hive_mask", D("2016-04-20 10:00:00"), 0, {NUL}, OUT_NULL},
    {"hive_mask", T("2016-04-20"), 0, {NUL}, OUT_T("nnnn-nn-nn")},
    {"hive_mask", R(3.5), 0, {NUL}, OUT_NULL},
    {"hive_mask", T("王小明abc"), 0, {NUL}, OUT_T("王小明xxx")},
    {"hive_mask", T("王小明abc"), 4, {NUL, NUL, NUL, T("*")}, OUT_T("***xxx")},
    {"hive_mask", T("Ünïcödé ΑΒγ Ωж"), 0, {NUL}, OUT_T("Xxxxxxx XXx Xx")},
    {"hive_mask", T("ＡＢｃ１２"), 0, {NUL}, OUT_T("XXxnn")},
    {"hive_mask", T("Ab1"), 3, {I(-1), I(-1), I(-1)}, OUT_T("Ab1")},
    {"hive_mask", T("Ab1!"), 4, {T(""), T(""), T(""), T("*")}, OUT_T("Xxn*")},
    {"hive_mask", T("Ab1"), 1, {I(0x738B)}, OUT_T("王xn")},
    {"hive_mask", T("\xff" "ab"), 0, {NUL}, OUT_T("\xef\xbf\xbdxx")},
    {"hive_mask", T(""), 0, {NUL}, OUT_T("")},

    /* hive_mask_first_n */
    {"hive_mask_first_n", T("1234-5678-8765-4321"), 1, {I(4)},
     OUT_T("nnnn-5678-8765-4321")},
    {"hive_mask_first_n", T("Aa12-5678-8765-4321"), 1, {I(4)},
     OUT_T("Xxnn-5678-8765-4321")},
    {"hive_mask_first_n", T("1234-5678"), 0, {NUL}, OUT_T("nnnn-5678")},
    {"hive_mask_first_n", T("ab"), 1, {I(4)}, OUT_T("xx")},
    {"hive_mask_first_n", T("abc"), 1, {I(0)}, OUT_T("abc")},
    {"hive_mask_first_n", T("abc"), 1, {I(-3)}, OUT_T("abc")},
    {"hive_mask_first_n", T("TestString-123"), 5,
     {I(4), T("X"), T("x"), T("0"), T(":")}, OUT_T("XxxxString-123")},
    {"hive_mask_first_n", I(12345), 0, {NUL}, OUT_I(11115)},
    {"hive_mask_first_n", I(-12345), 1, {I(2)}, OUT_I(-11345)},
    {"hive_mask_first_n", I(12345), 6, {I(2), NUL, NUL, NUL, NUL, T("5")},
     OUT_I(55345)},
    {"hive_mask_first_n", I(0), 0, {NUL}, OUT_I(1)},
    {"hive_mask_first_n", I(0), 1, {I(0)}, OUT_I(0)},
    {"hive_mask_first_n", D("2016-04-20"), 0, {NUL}, OUT_T("0000-01-01")},

    /* hive_mask_last_n */
    {"hive_mask_last_n", T("1234-5678-8765-4321"), 1, {I(4)},
     OUT_T("1234-5678-8765-nnnn")},
    {"hive_mask_last_n", T("1234-5678-8765-Hh21"), 1, {I(4)},
     OUT_T("1234-5678-8765-Xxnn")},
    {"hive_mask_last_n", T("张三abc"), 1, {I(2)}, OUT_T("张三axx")},
    {"hive_mask_last_n", I(12345), 1, {I(2)}, OUT_I(12311)},
    {"hive_mask_last_n", I(12), 0, {NUL}, OUT_I(11)},

    /* hive_mask_show_first_n (ward: a short value is masked whole) */
    {"hive_mask_show_first_n", T("1234-5678-8765-4321"), 1, {I(4)},
     OUT_T("1234-nnnn-nnnn-nnnn")},
    {"hive_mask_show_first_n", T("TestString-123"), 5,
     {I(4), T("X"), T("x"), T("0"), T(":")}, OUT_T("TestXxxxxx:000")},
    {"hive_mask_show_first_n", T("abc"), 1, {I(4)}, OUT_T("xxx")},
    {"hive_mask_show_first_n", T("abcd"), 1, {I(4)}, OUT_T("xxxx")},
    {"hive_mask_show_first_n", I(12345), 1, {I(2)}, OUT_I(12111)},
    {"hive_mask_show_first_n", I(123), 6,
     {I(4), I(-1), I(-1), I(-1), I(-1), T("5")}, OUT_I(555)},
    {"hive_mask_show_first_n", I(0), 1, {I(4)}, OUT_I(1)},

    /* hive_mask_show_last_n */
    {"hive_mask_show_last_n", T("1234-5678-8765-4321"), 1, {I(4)},
     OUT_T("nnnn-nnnn-nnnn-4321")},
    {"hive_mask_show_last_n", T("ab"), 1, {I(4)}, OUT_T("xx")},
    {"hive_mask_show_last_n", I(12345), 1, {I(2)}, OUT_I(11145)},
    {"hive_mask_show_last_n", I(45), 1, {I(2)}, OUT_I(11)},

    /* hive_mask_hash */
    {"hive_mask_hash", T("panda"), 0, {NUL},
     OUT_T("a7cdf5d0586b392473dd0cd08c9ba833240006a8a7310bf9bc8bf1aefdfaeadb")},
    {"hive_mask_hash", I(5), 0, {NUL}, OUT_NULL},
    {"hive_mask_hash", R(5.5), 0, {NUL}, OUT_NULL},
    {"hive_mask_hash", D("2020-01-01"), 0, {NUL}, OUT_NULL},

    /* anon_partial: PostgreSQL Anonymizer's example first */
    {"anon_partial", T("abcdefgh"), 3, {I(1), T("xxxx"), I(3)},
     OUT_T("axxxxfgh")},
    {"anon_partial", T("abcd"), 3, {I(1), T("**"), I(2)}, OUT_T("a**cd")},
    {"anon_partial", T("abc"), 3, {I(1), T("xx"), I(2)}, OUT_T("xx")},
    {"anon_partial", T("张三丰李四"), 3, {I(1), T("*"), I(1)}, OUT_T("张*四")},
    {"anon_partial", I(5551234), 3, {I(2), T("***"), I(2)}, OUT_T("55***34")},
    {"anon_partial", T("abc"), 3, {I(0), T("***"), I(0)}, OUT_T("***")},
    {"anon_partial", T(""), 3, {I(0), T("X"), I(0)}, OUT_T("X")},
    {"anon_partial", T("ab\xffzzzz"), 3, {I(1), T("X"), I(1)}, OUT_T("X")},

    /* anon_partial_email */
    {"anon_partial_email", T("daamien@gmail.com"), 0, {NUL},
     OUT_T("da******@gm******.com")},
    {"anon_partial_email", T("abc@example.co.uk"), 0, {NUL},
     OUT_T("ab******@ex******.uk")},
    {"anon_partial_email", T("ab@x.com"), 0, {NUL}, OUT_T("******@******.com")},
    {"anon_partial_email", T("a@b@c.org"), 0, {NUL},
     OUT_T("******@******.org")},
    {"anon_partial_email", T("foo"), 0, {NUL}, OUT_T("******@******")},
    {"anon_partial_email", T("foo@bar"), 0, {NUL}, OUT_T("******@******")},
    {"anon_partial_email", T("a.b@bar"), 0, {NUL}, OUT_T("******@******")},
    {"anon_partial_email", T("张三丰@例子网.中国"), 0, {NUL},
     OUT_T("张三******@例子******.中国")},

    /* mssql_default */
    {"mssql_default", T("Roberto"), 0, {NUL}, OUT_T("xxxx")},
    {"mssql_default", T("555.123.4567"), 0, {NUL}, OUT_T("xxxx")},
    {"mssql_default", T("ab"), 0, {NUL}, OUT_T("xx")},
    {"mssql_default", T("王小明"), 0, {NUL}, OUT_T("xxx")},
    {"mssql_default", T(""), 0, {NUL}, OUT_T("")},
    {"mssql_default", T("2024-05-17"), 0, {NUL}, OUT_T("xxxx")},
    {"mssql_default", I(42), 0, {NUL}, OUT_I(0)},
    {"mssql_default", D("2024-05-17"), 0, {NUL}, OUT_T("1900-01-01")},
    {"mssql_default", D("2024-05-17 10:11:12"), 0, {NUL},
     OUT_T("1900-01-01 00:00:00")},
    {"mssql_default", D("2024-05-17T10:11:12"), 0, {NUL},
     OUT_T("1900-01-01T00:00:00")},

    /* mssql_email: Microsoft's examples */
    {"mssql_email", T("RTamburello@contoso.com"), 0, {NUL},
     OUT_T("RXXX@XXXX.com")},
    {"mssql_email", T("JGalvin@contoso.com.co"), 0, {NUL},
     OUT_T("JXXX@XXXX.com")},
    {"mssql_email", T("王小明@例子.cn"), 0, {NUL}, OUT_T("王XXX@XXXX.com")},
    {"mssql_email", T("a"), 0, {NUL}, OUT_T("XXXX@XXXX.com")},
    {"mssql_email", T(""), 0, {NUL}, OUT_T("XXXX@XXXX.com")},

    /* mssql_partial: Microsoft's examples */
    {"mssql_partial", T("Roberto"), 3, {I(1), T("xxxxx"), I(1)},
     OUT_T("Rxxxxxo")},
    {"mssql_partial", T("Tamburello"), 3, {I(2), T("xxxx"), I(0)},
     OUT_T("Taxxxx")},
    {"mssql_partial", T("1234567812345678"), 3,
     {I(0), T("XXXX-XXXX-XXXX-"), I(4)}, OUT_T("XXXX-XXXX-XXXX-5678")},
    {"mssql_partial", T("555.123.4567"), 3, {I(1), T("XXXXXXX"), I(0)},
     OUT_T("5XXXXXXX")},
    {"mssql_partial", T("ab"), 3, {I(1), T("xx"), I(1)}, OUT_T("xx")},
};
/* clang-format on */

/* Growing through malloc, as the extension will through sqlite3_realloc. */
static void *grow(void *ctx, void *old, size_t size)
{
    (void)ctx;
    return realloc(old, size);
}

static void buf_free(MaskBuf *b)
{
    if (b->heap)
        free(b->data);
}

/*
 * run_vec applies V three ways (a small stack buffer that grows, a fixed
 * buffer of one byte, and a fixed buffer of exactly the needed size) and
 * checks that all agree with the expectation.
 */
static void run_vec(const Vec *v)
{
    char stack[16], err[256];
    MaskBuf b;
    mask_buf_init(&b, stack, sizeof stack, grow, NULL);
    int rc = mask_apply_name(v->fn, v->args, v->nargs, &v->in, &b, NULL, err,
                             sizeof err);
    if (rc != MASK_OK)
        fprintf(stderr, "%s\n", err);
    CHECK_INT(rc, MASK_OK);
    CHECK_INT(b.kind, v->kind);
    if (v->kind == MASK_TEXT && b.kind == MASK_TEXT) {
        if (strcmp(b.data, v->text) != 0)
            fprintf(stderr, "vector %s(%.*s)\n", v->fn,
                    (int)(v->in.s ? v->in.n : 0), v->in.s ? v->in.s : "");
        CHECK_STR(b.data, v->text);
        CHECK_INT(b.len, strlen(v->text));
        CHECK(utf8_valid(b.data, b.len));
    }
    if (v->kind == MASK_INT && b.kind == MASK_INT)
        CHECK_INT(b.i, v->i);
    buf_free(&b);

    if (v->kind != MASK_TEXT)
        return;
    /* A one-byte fixed buffer reports the length needed... */
    char one[1];
    mask_buf_init(&b, one, sizeof one, NULL, NULL);
    rc = mask_apply_name(v->fn, v->args, v->nargs, &v->in, &b, NULL, err,
                         sizeof err);
    size_t want = strlen(v->text);
    CHECK_INT(rc, want == 0 ? MASK_OK : MASK_ESPACE);
    CHECK_INT(b.len, want);
    /* ...and that much (plus the NUL) is enough. */
    char *exact = malloc(want + 1);
    mask_buf_init(&b, exact, want + 1, NULL, NULL);
    rc = mask_apply_name(v->fn, v->args, v->nargs, &v->in, &b, NULL, err,
                         sizeof err);
    if (rc != MASK_OK)
        fprintf(stderr, "exact buffer: %s\n", err);
    CHECK_INT(rc, MASK_OK);
    CHECK(rc == MASK_OK && strcmp(exact, v->text) == 0);
    free(exact);
}

/* ErrVec is a call that must fail with RC. */
typedef struct ErrVec {
    const char *fn;
    int nargs;
    MaskValue args[8];
    int rc;
} ErrVec;

/* clang-format off */
static const ErrVec errs[] = {
    {"keep", 1, {I(3)}, MASK_EARG},
    {"keep", 2, {T("3"), I(4)}, MASK_EARG},
    {"keep", 2, {I(-1), I(4)}, MASK_EARG},
    {"keep", 3, {I(1), I(1), T("**")}, MASK_EARG},
    {"keep", 3, {I(1), I(1), T("")}, MASK_EARG},
    {"keep", 3, {I(1), I(1), T("\xff")}, MASK_EARG},
    {"keep", 4, {I(1), I(1), T("*"), I(1)}, MASK_EARG},
    {"redact", 1, {I(1)}, MASK_EARG},
    {"null", 1, {I(1)}, MASK_EARG},
    {"cn_id", 1, {T("head")}, MASK_EARG},
    {"bucket", 1, {I(0)}, MASK_EARG},
    {"bucket", 1, {I(-10)}, MASK_EARG},
    {"bucket", 1, {R(-1.5)}, MASK_EARG},
    {"bucket", 1, {T("10")}, MASK_EARG},
    {"range", 2, {I(5), I(5)}, MASK_EARG},
    {"range", 2, {R(2.5), I(1)}, MASK_EARG},
    {"date_trunc", 1, {T("week")}, MASK_EARG},
    {"date_trunc", 0, {NUL}, MASK_EARG},
    {"hive_mask", 1, {I(0)}, MASK_EARG},
    {"hive_mask", 5, {NUL, NUL, NUL, NUL, T("abc")}, MASK_EARG},
    {"hive_mask", 1, {D("2020-01-01")}, MASK_EARG},
    {"hive_mask", 9, {NUL, NUL, NUL, NUL, NUL, NUL, NUL, NUL}, MASK_EARG},
    {"hive_mask_first_n", 1, {T("4")}, MASK_EARG},
    {"anon_partial", 3, {I(-1), T("x"), I(1)}, MASK_EARG},
    {"anon_partial", 2, {I(1), T("x")}, MASK_EARG},
    {"mssql_partial", 3, {I(1), I(2), I(1)}, MASK_EARG},
    {"hmac", 1, {T("ctx")}, MASK_EKEY},
    {"encrypt", 1, {T("ctx")}, MASK_EKEY},
    {"no_such_mask", 0, {NUL}, MASK_EARG},
};
/* clang-format on */

static void test_errors(void)
{
    static const MaskValue in = T("13812345678");
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        const ErrVec *e = &errs[i];
        char stack[64], err[256];
        MaskBuf b;
        mask_buf_init(&b, stack, sizeof stack, NULL, NULL);
        err[0] = '\0';
        int rc = mask_apply_name(e->fn, e->args, e->nargs, &in, &b, NULL, err,
                                 sizeof err);
        if (rc != e->rc)
            fprintf(stderr, "error vector %zu (%s)\n", i, e->fn);
        CHECK_INT(rc, e->rc);
        CHECK(err[0] != '\0');
        /* Messages never quote the value. */
        CHECK(strstr(err, "13812345678") == NULL);
        CHECK_INT(b.kind, MASK_NULL);
    }
}

/* default_args fills the arguments a catalog entry needs at minimum. */
static int default_args(const MaskSpec *s, MaskValue *args)
{
    for (int i = 0; i < s->min_args; i++) {
        switch (s->args[i]) {
        case MARG_INT: args[i] = mask_int(1); break;
        case MARG_NUMBER: args[i] = mask_int(10 + 10 * i); break;
        case MARG_STRING: args[i] = mask_cstr("*"); break;
        case MARG_WORD:
            args[i] = mask_text(s->words, strcspn(s->words, "|"));
            break;
        case MARG_SCALAR: args[i] = mask_null(); break;
        }
    }
    return s->min_args;
}

/*
 * test_catalog checks properties of every entry: dispatch covers it, NULL
 * in gives NULL out, and no output ever carries invalid UTF-8 or the
 * invalid bytes of the input.
 */
static void test_catalog(void)
{
    static const char *const inputs[] = {
        "\xff\xfe", "a\xc0\xafz",    "13812345678\xed\xa0\x80",
        "\xe4\xb8", "abc@\xf8x.com", "北京市\xff朝阳区",
    };
    MaskKey key;
    char err[256];
    static const char hex[] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    CHECK_INT(crypto_key_from_material(&key, hex, 64, err, sizeof err), 0);
    CHECK(mask_spec_count() == 27);
    for (size_t i = 0; i < mask_spec_count(); i++) {
        const MaskSpec *s = mask_spec_at(i);
        MaskValue args[MASK_MAX_ARGS];
        int nargs = default_args(s, args);
        char stack[64];
        MaskBuf b;

        /* NULL in, NULL out. */
        MaskValue nul = mask_null();
        mask_buf_init(&b, stack, sizeof stack, grow, NULL);
        int rc = mask_apply(s, args, nargs, &nul, &b, &key, err, sizeof err);
        if (rc != MASK_OK)
            fprintf(stderr, "%s\n", err);
        CHECK_INT(rc, MASK_OK);
        CHECK_INT(b.kind, MASK_NULL);
        rc = mask_apply(s, args, nargs, NULL, &b, &key, err, sizeof err);
        CHECK_INT(b.kind, MASK_NULL);
        buf_free(&b);

        /* Invalid UTF-8 never reaches the output. */
        for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
            MaskValue in = mask_cstr(inputs[k]);
            mask_buf_init(&b, stack, sizeof stack, grow, NULL);
            rc = mask_apply(s, args, nargs, &in, &b, &key, err, sizeof err);
            if (rc != MASK_OK)
                fprintf(stderr, "%s\n", err);
            CHECK_INT(rc, MASK_OK);
            if (b.kind == MASK_TEXT) {
                if (!utf8_valid(b.data, b.len))
                    fprintf(stderr, "%s leaks invalid UTF-8\n", s->name);
                CHECK(utf8_valid(b.data, b.len));
            }
            buf_free(&b);
        }
    }
    crypto_key_dispose(&key);
}

/* contains reports whether the N bytes at P hold the K bytes at Q. */
static bool contains(const char *p, size_t n, const char *q, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, q, k) == 0)
            return true;
    return false;
}

/* test_no_leak: for many lengths, keep-style masks never return a value
 * that contains the whole input, whatever its length. */
static void test_no_leak(void)
{
    static const char digits[] = "9876543210987654321";
    static const char *const fns[] = {
        "keep",
        "anon_partial",
        "mssql_partial",
        "hive_mask_show_first_n",
        "hive_mask_show_last_n",
        "cn_mobile",
        "cn_id",
        "cn_bank_card",
        "cn_landline",
        "cn_name",
        "email",
        "mssql_email",
    };
    for (size_t f = 0; f < sizeof fns / sizeof fns[0]; f++) {
        const MaskSpec *s = mask_spec_find(fns[f]);
        MaskValue args[3];
        int nargs = 0;
        if (strcmp(fns[f], "keep") == 0) {
            args[0] = mask_int(3);
            args[1] = mask_int(4);
            nargs = 2;
        } else if (strstr(fns[f], "partial") != NULL) {
            args[0] = mask_int(3);
            args[1] = mask_cstr("~");
            args[2] = mask_int(4);
            nargs = 3;
        } else if (strncmp(fns[f], "hive", 4) == 0) {
            args[0] = mask_int(4);
            nargs = 1;
        }
        for (size_t len = 1; len < sizeof digits; len++) {
            char stack[64], err[128];
            MaskBuf b;
            MaskValue in = mask_text(digits, len);
            mask_buf_init(&b, stack, sizeof stack, NULL, NULL);
            int rc = mask_apply(s, args, nargs, &in, &b, NULL, err, sizeof err);
            CHECK_INT(rc, MASK_OK);
            bool leak =
                b.kind == MASK_TEXT && contains(b.data, b.len, digits, len);
            if (leak)
                fprintf(stderr, "%s leaks a %zu-character value\n", fns[f],
                        len);
            CHECK(!leak);
        }
    }
}

/*
 * test_cn_id_roundtrip generates resident IDs with correct check digits,
 * checks that they validate and mask, then flips each digit in turn and
 * checks that every altered ID fails and is masked whole.
 */
static void test_cn_id_roundtrip(void)
{
    static const char *const regions[] = {"110105", "310115", "440308",
                                          "510107", "650102", "820000"};
    unsigned seed = 12345;
    int generated = 0, flipped_ok = 0, flips = 0;

    for (int n = 0; n < 600; n++) {
        char id[19];
        seed = seed * 1103515245u + 12345u;
        int year = 1900 + (int)(seed >> 8) % 120;
        seed = seed * 1103515245u + 12345u;
        int month = 1 + (int)(seed >> 8) % 12;
        seed = seed * 1103515245u + 12345u;
        int day = 1 + (int)(seed >> 8) % 28;
        seed = seed * 1103515245u + 12345u;
        int seq = (int)(seed >> 8) % 1000;
        snprintf(id, sizeof id, "%s%04d%02d%02d%03d", regions[n % 6], year,
                 month, day, seq);
        id[17] = mask_cn_id_check(id);
        id[18] = '\0';
        if (mask_cn_id_valid(id, 18))
            generated++;

        char stack[64], err[64];
        MaskBuf b;
        MaskValue in = mask_text(id, 18), tail = mask_cstr("tail");
        mask_buf_init(&b, stack, sizeof stack, NULL, NULL);
        mask_apply_name("cn_id", &tail, 1, &in, &b, NULL, err, sizeof err);
        CHECK(b.kind == MASK_TEXT && memcmp(b.data, id, 14) == 0 &&
              strcmp(b.data + 14, "****") == 0);

        /* Any single-digit change breaks the check digit (GB 11643 detects
         * every single substitution). */
        for (int pos = 0; pos < 18; pos++) {
            char bad[19];
            memcpy(bad, id, 19);
            char c0 = bad[pos];
            bad[pos] = c0 == 'X' ? '0' : (char)(c0 == '9' ? '0' : c0 + 1);
            flips++;
            if (!mask_cn_id_valid(bad, 18))
                flipped_ok++;
        }
    }
    CHECK_INT(generated, 600);
    CHECK_INT(flipped_ok, flips);
    CHECK_INT(mask_cn_id_check("11010519491231002"), 'X');
    CHECK_INT(mask_cn_id_check("1101051949123100a"), 0);
    CHECK(!mask_cn_id_valid("11010519491231002", 17));
}

/* test_buffers checks growth from nothing, ENOMEM and reuse. */
static void *no_mem(void *ctx, void *old, size_t size)
{
    (void)ctx;
    (void)old;
    (void)size;
    return NULL;
}

static void test_buffers(void)
{
    static const char big[] = "一二三四五六七八九十一二三四五六七八九十一二三四"
                              "五六七八九十一二三四五六七八九十";
    MaskValue args[2] = {mask_int(1), mask_int(1)};
    MaskValue in = mask_cstr(big);
    char err[128];
    MaskBuf b;

    mask_buf_init(&b, NULL, 0, grow, NULL);
    CHECK_INT(mask_apply_name("keep", args, 2, &in, &b, NULL, err, sizeof err),
              MASK_OK);
    CHECK(b.heap);
    CHECK_INT(b.len, strlen(big) - 38 * 2);
    CHECK(strncmp(b.data, "一*", 4) == 0);
    buf_free(&b);

    mask_buf_init(&b, NULL, 0, no_mem, NULL);
    CHECK_INT(mask_apply_name("keep", args, 2, &in, &b, NULL, err, sizeof err),
              MASK_ENOMEM);
    CHECK(!b.heap);

    mask_buf_init(&b, NULL, 0, NULL, NULL);
    CHECK_INT(mask_apply_name("null", NULL, 0, &in, &b, NULL, err, sizeof err),
              MASK_OK);
    CHECK_INT(b.kind, MASK_NULL);

    /* mssql_default gives a real zero for reals. */
    MaskValue r = mask_real(2.5);
    CHECK_INT(mask_apply_name("mssql_default", NULL, 0, &r, &b, NULL, err,
                              sizeof err),
              MASK_OK);
    CHECK(b.kind == MASK_REAL && b.r == 0.0);

    /* A spec copied out of the catalog still dispatches: its
     * implementation travels with it. */
    MaskSpec copy = *mask_spec_find("keep");
    char stack[32];
    mask_buf_init(&b, stack, sizeof stack, NULL, NULL);
    MaskValue phone = mask_cstr("13812345678");
    MaskValue ka[2] = {mask_int(3), mask_int(4)};
    CHECK_INT(mask_apply(&copy, ka, 2, &phone, &b, NULL, err, sizeof err),
              MASK_OK);
    CHECK_STR(b.data, "138****5678");
}

/* test_utf8 covers the decoder's strictness. */
static void test_utf8(void)
{
    uint32_t cp;
    CHECK_INT(utf8_decode("\xe7\x8e\x8b", 3, &cp), 3);
    CHECK_INT(cp, 0x738B);
    CHECK_INT(utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
    CHECK_INT(cp, 0x1F600);
    CHECK_INT(utf8_decode("\xc0\xaf", 2, &cp), 1); /* overlong */
    CHECK(cp == UTF8_BAD);
    CHECK_INT(utf8_decode("\xed\xa0\x80", 3, &cp), 1); /* surrogate */
    CHECK(cp == UTF8_BAD);
    CHECK_INT(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 1); /* > U+10FFFF */
    CHECK(cp == UTF8_BAD);
    CHECK_INT(utf8_decode("\xe7\x8e", 2, &cp), 1); /* truncated */
    CHECK(cp == UTF8_BAD);
    CHECK(utf8_valid("王小明abc", strlen("王小明abc")));
    CHECK(!utf8_valid("ab\x80", 3));
    CHECK_INT(utf8_count("王小明abc", strlen("王小明abc")), 6);
    CHECK_INT(utf8_count("\xff\xfe", 2), 2);
    CHECK_INT(utf8_offset("王小明", 9, 2), 6);
    CHECK_INT(utf8_offset("王小明", 9, 5), 9);
    char out[4];
    CHECK_INT(utf8_encode(0x738B, out), 3);
    CHECK(memcmp(out, "\xe7\x8e\x8b", 3) == 0);
    CHECK_INT(utf8_encode(0xD800, out), 0);
    CHECK_INT(utf8_encode(0x110000, out), 0);
}

/* bind_value binds a vector's MaskValue to parameter I of ST. */
static void bind_value(sqlite3_stmt *st, int i, const MaskValue *v)
{
    switch (v->kind) {
    case MASK_NULL: sqlite3_bind_null(st, i); break;
    case MASK_INT: sqlite3_bind_int64(st, i, v->i); break;
    case MASK_REAL: sqlite3_bind_double(st, i, v->r); break;
    default: sqlite3_bind_text(st, i, v->s, (int)v->n, SQLITE_STATIC); break;
    }
}

/* Catalog is one entry of mask_catalog.def as the tests see it: the name
 * and the sample calls. */
typedef struct Catalog {
    const char *name;        /* the entry's name */
    const char *samples[12]; /* SQL argument lists, NULL-terminated */
} Catalog;

/* clang-format off */
#define SAMPLES(...) {__VA_ARGS__, NULL}
/* clang-format on */
#define MASK(name, min, max, kinds, words, input, keyed, json, sig, check,     \
             samples)                                                          \
    {#name, samples},
static const Catalog catalog[] = {
#include "mask_catalog.def"
};
#undef MASK
#undef SAMPLES

#define N_CATALOG (sizeof catalog / sizeof catalog[0])

/*
 * sample_args parses SAMPLE, a catalog sample ("1,1,'#'", "NULL,12", ""),
 * into ARGS: NULL, 'text', a real when it has a '.', else an integer.
 * Returns the number of arguments, or -1 for a sample it cannot read.
 */
static int sample_args(const char *sample, MaskValue *args)
{
    int n = 0;
    const char *p = sample;
    while (*p != '\0') {
        if (n == MASK_MAX_ARGS)
            return -1;
        size_t len = strcspn(p, ",");
        if (p[0] == '\'') {
            if (len < 2 || p[len - 1] != '\'')
                return -1;
            args[n++] = mask_text(p + 1, len - 2);
        } else if (len == 4 && strncmp(p, "NULL", 4) == 0) {
            args[n++] = mask_null();
        } else {
            char *end;
            args[n++] = memchr(p, '.', len) != NULL
                            ? mask_real(strtod(p, &end))
                            : mask_int(strtoll(p, &end, 10));
            if (end != p + len)
                return -1;
        }
        p += len;
        if (*p == ',' && *++p == '\0')
            return -1;
    }
    return n;
}

/*
 * test_samples holds the list in mask_catalog.def to the table built from
 * it, and each sample call to the core: it reads, passes mask_check_args
 * and masks a value. t0010 splits the samples on white space.
 */
static void test_samples(void)
{
    CHECK_INT(N_CATALOG, mask_spec_count());
    for (size_t i = 0; i < N_CATALOG && i < mask_spec_count(); i++) {
        const MaskSpec *s = mask_spec_at(i);
        CHECK_STR(catalog[i].name, s->name);
        CHECK(catalog[i].samples[0] != NULL);
        for (const char *const *p = catalog[i].samples; *p; p++) {
            MaskValue args[MASK_MAX_ARGS];
            MaskArgError bad;
            int n = sample_args(*p, args);
            if (n < 0 || !mask_check_args(s, args, n, &bad))
                fprintf(stderr, "%s sample \"%s\" refused\n", s->name, *p);
            CHECK(n >= 0 && mask_check_args(s, args, n, &bad));
            CHECK(strpbrk(*p, " \t\n") == NULL);
            if (s->keyed || n < 0)
                continue;
            char stack[64], err[128];
            MaskBuf b;
            MaskValue in = mask_cstr("13812345678");
            mask_buf_init(&b, stack, sizeof stack, grow, NULL);
            CHECK_INT(mask_apply(s, args, n, &in, &b, NULL, err, sizeof err),
                      MASK_OK);
            buf_free(&b);
        }
    }
}

/* CheckVec is a call mask_check_args refuses: the argument it blames and
 * the message, or a call it lets through (arg 99). */
typedef struct CheckVec {
    const char *fn;      /* catalog name */
    int nargs;           /* arguments given */
    MaskValue args[8];   /* the arguments */
    int arg;             /* the argument blamed, -1 the call, 99 none */
    const char *message; /* the message, without the name */
} CheckVec;

/* clang-format off */
static const CheckVec checks[] = {
    {"keep", 3, {I(1), I(1), T("**")}, 2, "char must be one character"},
    {"keep", 2, {I(1), I(-1)}, 1, "first and last must not be negative"},
    {"keep", 1, {I(1)}, -1, "takes 2 to 3 arguments, got 1"},
    {"bucket", 1, {R(1.0 / 0.0)}, 0, "width must be positive"},
    {"range", 2, {I(7), R(7.0)}, -1, "low must be less than high"},
    /* 2^53 and 2^53 + 1 are one double, and two integers. */
    {"range", 2, {I(9007199254740992), I(9007199254740993)}, 99, NULL},
    {"range", 2, {I(9007199254740992), R(9007199254740993.0)}, -1,
     "low must be less than high"},
    {"hive_mask", 1, {I(0x110000)}, 0, "argument 1 is not a character or -1"},
    {"hive_mask", 5, {NUL, NUL, NUL, NUL, R(1.5)}, 4,
     "argument 5 must be an integer"},
    {"hive_mask", 8, {NUL, NUL, NUL, NUL, NUL, NUL, NUL, T("y")}, 7,
     "argument 8 must be an integer"},
    {"hive_mask_first_n", 3, {I(2), NUL, I(0xD800)}, 2,
     "argument 3 is not a character or -1"},
    {"hive_mask_last_n", 2, {I(2), T("\xff")}, 1, "argument 2 is not UTF-8"},
    {"mssql_partial", 3, {I(1), T("x"), I(-2)}, 2,
     "prefix and suffix must not be negative"},
    {"cn_id", 1, {T("year")}, 0, "argument 1 must be one of tail|birth|all"},
};
/* clang-format on */

/*
 * test_checks: mask_check_args, which both the compiler and the runtime
 * run, blames the right argument; mask_apply refuses with the same words
 * for a value, and lets NULL through as the SQL runtime does.
 */
static void test_checks(void)
{
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        const CheckVec *v = &checks[i];
        const MaskSpec *s = mask_spec_find(v->fn);
        MaskArgError bad = {99, ""};
        bool ok = mask_check_args(s, v->args, v->nargs, &bad);
        CHECK(ok == (v->arg == 99));
        CHECK_INT(ok ? 99 : bad.arg, v->arg);
        if (v->message == NULL)
            continue;
        CHECK_STR(bad.message, v->message);
        char stack[64], err[160], want[160];
        MaskBuf b;
        MaskValue in = mask_cstr("abc");
        mask_buf_init(&b, stack, sizeof stack, NULL, NULL);
        CHECK_INT(
            mask_apply(s, v->args, v->nargs, &in, &b, NULL, err, sizeof err),
            MASK_EARG);
        snprintf(want, sizeof want, "%s: %s", v->fn, v->message);
        CHECK_STR(err, want);
        /* Past the kinds, the entry's own rules wait for a value. */
        MaskSpec kinds_only = *s;
        kinds_only.check = NULL;
        if (mask_check_args(&kinds_only, v->args, v->nargs, &bad)) {
            MaskValue nul = mask_null();
            CHECK_INT(mask_apply(s, v->args, v->nargs, &nul, &b, NULL, err,
                                 sizeof err),
                      MASK_OK);
            CHECK_INT(b.kind, MASK_NULL);
        }
    }
}

/*
 * print_calls writes the sample calls for tests/cli/t0010, one a line:
 * "FORM NAME ARGS", FORM keyed (needs the key), json (PostgreSQL takes the
 * arguments as one jsonb array) or plain; ARGS may be empty.
 */
static int print_calls(void)
{
    for (size_t i = 0; i < N_CATALOG; i++) {
        const MaskSpec *s = mask_spec_find(catalog[i].name);
        const char *form = s->keyed ? "keyed" : s->json_args ? "json" : "plain";
        for (const char *const *p = catalog[i].samples; *p; p++)
            printf("%s %s %s\n", form, s->name, *p);
    }
    return 0;
}

/*
 * test_sql runs every vector again through the SQL function the runtime
 * registers, ward_<fn>(value, args...), with date inputs tagged by
 * ward_date(): the SQL surface must give what the core gives.
 */
static void test_sql(void)
{
    sqlite3 *db;
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    CHECK(ward_runtime_open(db, NULL) == SQLITE_OK);
    for (size_t k = 0; k < sizeof vecs / sizeof vecs[0]; k++) {
        const Vec *v = &vecs[k];
        char sql[256];
        int n = snprintf(sql, sizeof sql, "SELECT ward_%s(%s", v->fn,
                         v->in.kind == MASK_DATE ? "ward_date(?1)" : "?1");
        for (int i = 0; i < v->nargs; i++)
            n += snprintf(sql + n, sizeof sql - (size_t)n, ", ?%d", i + 2);
        snprintf(sql + n, sizeof sql - (size_t)n, ")");
        sqlite3_stmt *st = NULL;
        CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
        bind_value(st, 1, &v->in);
        for (int i = 0; i < v->nargs; i++)
            bind_value(st, i + 2, &v->args[i]);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            fprintf(stderr, "sql vector %zu %s: %s\n", k, v->fn,
                    sqlite3_errmsg(db));
        CHECK_INT(rc, SQLITE_ROW);
        if (rc == SQLITE_ROW && v->kind == MASK_TEXT)
            CHECK_STR((const char *)sqlite3_column_text(st, 0), v->text);
        else if (rc == SQLITE_ROW && v->kind == MASK_INT)
            CHECK_INT(sqlite3_column_int64(st, 0), v->i);
        else if (rc == SQLITE_ROW)
            CHECK_INT(sqlite3_column_type(st, 0), SQLITE_NULL);
        sqlite3_finalize(st);
    }
    /* Arity is checked at the SQL surface too. */
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT ward_keep('x')", -1, &st, NULL) ==
          SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ERROR);
    CHECK(strstr(sqlite3_errmsg(db), "ward_keep takes") != NULL);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* test_mask --calls prints the catalog's sample calls (print_calls). */
int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--calls") == 0)
        return print_calls();
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        run_vec(&vecs[i]);
    test_sql();
    test_errors();
    test_catalog();
    test_samples();
    test_checks();
    test_no_leak();
    test_cn_id_roundtrip();
    test_buffers();
    test_utf8();
    return check_report("test_mask");
}
