/*
 * mask_cn.c - Chinese personal information: mobile and landline numbers,
 * the 18-digit resident identity number (GB 11643), personal names, bank
 * cards and postal addresses (docs/masks.md, "Chinese PII").
 *
 * Each function first recognises the format. A value that is not of it
 * (a mobile mask applied to an e-mail address, an ID with a wrong check
 * digit) is masked whole, one '*' per character: a value the mask cannot
 * read is never passed through.
 */
#include "mask_impl.h"

#include "utf8.h"

/* whole masks c->s whole with '*'. */
static int whole(MaskCall *c)
{
    mask_whole(c, "*", 1);
    return MASK_OK;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/*
 * phone_digits splits a phone number into its digits D (at most CAP), their
 * byte offsets POS and whether each starts a group (follows a non-digit).
 * A leading '+' sets *PLUS; the bytes of SEPS separate groups. Returns
 * false for any other byte or too many digits: the caller masks it whole.
 */
static bool phone_digits(const MaskCall *c, const char *seps, char *d,
                         size_t *pos, bool *group, size_t cap, size_t *nd,
                         bool *plus)
{
    *nd = 0;
    *plus = false;
    for (size_t i = 0; i < c->n; i++) {
        char ch = c->s[i];
        if (is_digit(ch)) {
            if (*nd == cap)
                return false;
            group[*nd] = i == 0 || !is_digit(c->s[i - 1]);
            d[*nd] = ch;
            pos[(*nd)++] = i;
        } else if (ch == '+' && *nd == 0 && !*plus) {
            *plus = true;
        } else if (ch == '\0' || !strchr(seps, ch)) {
            return false;
        }
    }
    return true;
}

/* cn_mobile(): 11-digit mobile, optional +86 / 0086 / 86 prefix. */
int mask_fn_cn_mobile(MaskCall *c)
{
    size_t pos[16];
    char d[16];
    bool group[16];
    size_t nd;
    bool plus;

    mask_input_text(c);
    mask_set_text(c->out);
    if (!phone_digits(c, " -", d, pos, group, sizeof d, &nd, &plus))
        return whole(c);
    /* st is where the 11-digit national number starts among the digits. */
    size_t st;
    if (nd == 11 && !plus)
        st = 0;
    else if (nd == 13 && d[0] == '8' && d[1] == '6')
        st = 2;
    else if (nd == 15 && !plus && memcmp(d, "0086", 4) == 0)
        st = 4;
    else
        return whole(c);
    if (d[st] != '1' || d[st + 1] < '3' || d[st + 1] > '9')
        return whole(c);
    /* Copy the value, separators and prefix included, starring digits 4-7
     * of the national number. */
    size_t from = 0;
    for (size_t k = st + 3; k < st + 7; k++) {
        mask_put(c->out, c->s + from, pos[k] - from);
        mask_put(c->out, "*", 1);
        from = pos[k] + 1;
    }
    mask_put(c->out, c->s + from, c->n - from);
    return MASK_OK;
}

/* Check-digit weights of GB 11643 for positions 1..17. */
static const int id_weights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                   3, 7, 9,  10, 5, 8, 4, 2};

char mask_cn_id_check(const char *s)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (!is_digit(s[i]))
            return 0;
        sum += (s[i] - '0') * id_weights[i];
    }
    return "10X98765432"[sum % 11];
}

bool mask_cn_id_valid(const char *s, size_t n)
{
    if (n != 18)
        return false;
    for (int i = 0; i < 17; i++)
        if (!is_digit(s[i]))
            return false;
    /* The birth date, YYYYMMDD at positions 7..14, must be a real date. */
    int y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 +
            (s[9] - '0');
    int m = (s[10] - '0') * 10 + (s[11] - '0');
    int d = (s[12] - '0') * 10 + (s[13] - '0');
    if (y < 1800 || y > 2199 || m < 1 || m > 12 || d < 1 ||
        d > mask_days_in_month(y, m))
        return false;
    char want = mask_cn_id_check(s);
    char got = s[17] == 'x' ? 'X' : s[17];
    return got == want;
}

/* cn_id([tail|birth|all]) */
int mask_fn_cn_id(MaskCall *c)
{
    size_t from = 3, to = 14; /* default: keep 3 and the last 4 */

    if (c->nargs > 0) {
        const MaskValue *w = &c->args[0];
        if (w->n == 4 && memcmp(w->s, "tail", 4) == 0) {
            from = 14;
            to = 18;
        } else if (w->n == 5 && memcmp(w->s, "birth", 5) == 0) {
            from = 6;
            to = 14;
        } else { /* all */
            from = 1;
            to = 17;
        }
    }
    mask_input_text(c);
    mask_set_text(c->out);
    if (!mask_cn_id_valid(c->s, c->n))
        return whole(c);
    mask_put(c->out, c->s, from);
    mask_put_repeat(c->out, "*", 1, to - from);
    mask_put(c->out, c->s + to, 18 - to);
    return MASK_OK;
}

/*
 * Compound surnames (复姓), simplified and common traditional forms. Left
 * out on purpose: pairs whose first character is a common single surname
 * and whose second is common in given names (单于, 贺兰, 张廖, 王孙), where
 * "single surname + given name" is the likelier reading.
 */
static const char *const compound[] = {
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容",
    "长孙", "宇文", "司徒", "司空", "夏侯", "轩辕", "令狐", "钟离", "独孤",
    "南宫", "西门", "东门", "南门", "端木", "百里", "呼延", "东郭", "南郭",
    "太史", "申屠", "闻人", "澹台", "公冶", "宗政", "濮阳", "淳于", "太叔",
    "仲孙", "赫连", "万俟", "拓跋", "闾丘", "子车", "亓官", "司寇", "巫马",
    "公西", "颛孙", "壤驷", "公良", "漆雕", "乐正", "宰父", "谷梁", "段干",
    "左丘", "梁丘", "公羊", "羊舌", "微生", "公仪", "公乘", "鲜于", "北宫",
    "叔孙", "仲长", "夹谷", "第五", "歐陽", "司馬", "諸葛", "東方", "尉遲",
    "公孫", "長孫", "軒轅", "鍾離", "獨孤", "南宮", "西門", "東門", "南門",
    "東郭", "聞人", "澹臺", "顓孫", "閭丘", "鮮于", "万俟",
};

/* surname_len returns 2 when S starts with a compound surname, else 1. */
static size_t surname_len(const char *s, size_t n)
{
    if (n >= 6 && (unsigned char)s[0] >= 0xE0) {
        for (size_t i = 0; i < sizeof compound / sizeof compound[0]; i++)
            if (memcmp(s, compound[i], 6) == 0)
                return 2;
    }
    return 1;
}

/* cn_name(): keep the surname, one '*' per other character. */
int mask_fn_cn_name(MaskCall *c)
{
    mask_input_text(c);
    mask_set_text(c->out);
    if (!utf8_valid(c->s, c->n))
        return whole(c);
    size_t count = utf8_count(c->s, c->n);
    size_t keep = surname_len(c->s, c->n);
    if (count <= keep)
        return whole(c);
    size_t off = utf8_offset(c->s, c->n, keep);
    mask_put(c->out, c->s, off);
    mask_put_repeat(c->out, "*", 1, count - keep);
    return MASK_OK;
}

/* cn_bank_card(): 12-19 digits after removing spaces and '-'. */
int mask_fn_cn_bank_card(MaskCall *c)
{
    char d[19];
    size_t nd = 0;

    mask_input_text(c);
    mask_set_text(c->out);
    for (size_t i = 0; i < c->n; i++) {
        char ch = c->s[i];
        if (is_digit(ch)) {
            if (nd == sizeof d)
                return whole(c);
            d[nd++] = ch;
        } else if (ch != ' ' && ch != '-') {
            return whole(c);
        }
    }
    if (nd < 12)
        return whole(c);
    mask_put(c->out, d, 6);
    mask_put_repeat(c->out, "*", 1, nd - 10);
    mask_put(c->out, d + nd - 4, 4);
    return MASK_OK;
}

/* Code points the address scanner looks for. */
enum {
    CP_SHENG = 0x7701, /* 省 province */
    CP_SHI = 0x5E02,   /* 市 city */
    CP_QU = 0x533A,    /* 区 district (also in 自治区, 地区, 行政区) */
    CP_XIAN = 0x53BF,  /* 县 county */
    CP_ZHOU = 0x5DDE,  /* 州 (autonomous) prefecture */
    CP_MENG = 0x76DF,  /* 盟 league */
    CP_QI = 0x65D7,    /* 旗 banner */
    CP_ZI = 0x81EA,    /* 自 */
    CP_ZHI = 0x6CBB,   /* 治 */
    CP_XING = 0x884C,  /* 行 */
    CP_ZHENG = 0x653F, /* 政 */
    CP_DI = 0x5730     /* 地 */
};

#define ADDR_SCAN 64 /* characters the scanner looks at */
#define ADDR_SEG  12 /* longest administrative name, in characters */

/* is_stop reports characters that end the search for a district: below
 * county level (镇 乡 街 路 道 号 村 巷 弄 楼 栋 室) or a digit. */
static bool is_stop(uint32_t cp)
{
    switch (cp) {
    case 0x9547:
    case 0x4E61:
    case 0x8857:
    case 0x8DEF:
    case 0x9053:
    case 0x53F7:
    case 0x6751:
    case 0x5DF7:
    case 0x5F04:
    case 0x697C:
    case 0x680B:
    case 0x5BA4: return true;
    default: return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19);
    }
}

/* is_municipality reports 北京, 上海, 天津 or 重庆 in CP[0..2). */
static bool is_municipality(const uint32_t *cp)
{
    return (cp[0] == 0x5317 && cp[1] == 0x4EAC) ||
           (cp[0] == 0x4E0A && cp[1] == 0x6D77) ||
           (cp[0] == 0x5929 && cp[1] == 0x6D25) ||
           (cp[0] == 0x91CD && cp[1] == 0x5E86);
}

/* is_province_qu reports a 区 at I ending 自治区 or 特别行政区. */
static bool is_province_qu(const uint32_t *cp, size_t i)
{
    return (i >= 2 && cp[i - 2] == CP_ZI && cp[i - 1] == CP_ZHI) ||
           (i >= 2 && cp[i - 2] == CP_XING && cp[i - 1] == CP_ZHENG);
}

/*
 * address_keep returns how many of the NC characters CP to keep: through
 * the province (省, 自治区, 特别行政区 or a municipality), the city (市, 州,
 * 盟, 地区) and the district (区, 县, 旗, or a county-level 市), as far as
 * each is found within ADDR_SEG characters of the previous one.
 */
static size_t address_keep(const uint32_t *cp, size_t nc)
{
    size_t p = 0, kept = 0;
    bool muni = false;

    /* Province: the first administrative suffix decides. */
    for (size_t i = 0; i < nc && i < ADDR_SEG; i++) {
        uint32_t x = cp[i];
        if (x == CP_SHENG || (x == CP_QU && is_province_qu(cp, i))) {
            kept = p = i + 1;
        } else if (x == CP_SHI && i == 2 && is_municipality(cp)) {
            kept = p = i + 1;
            muni = true;
        } else if (x != CP_SHI && x != CP_QU && x != CP_XIAN && x != CP_ZHOU &&
                   x != CP_MENG && x != CP_QI) {
            continue;
        }
        break;
    }
    /* City, unless a municipality already was one. */
    if (!muni) {
        for (size_t i = p; i < nc && i < p + ADDR_SEG; i++) {
            uint32_t x = cp[i];
            if (is_stop(x))
                return kept;
            if (x == CP_QU && i > 0 && cp[i - 1] == CP_DI) {
                kept = i + 1; /* 地区: a prefecture */
            } else if (x == CP_QU || x == CP_XIAN || x == CP_QI) {
                return i + 1; /* straight to the district */
            } else if (x == CP_SHI || x == CP_ZHOU || x == CP_MENG) {
                kept = i + 1;
            } else {
                continue;
            }
            break;
        }
        if (kept == p)
            return kept;
        p = kept;
    }
    /* District. */
    for (size_t i = p; i < nc && i < p + ADDR_SEG; i++) {
        uint32_t x = cp[i];
        if (is_stop(x))
            break;
        if (x == CP_QU || x == CP_XIAN || x == CP_QI || x == CP_SHI)
            return i + 1;
    }
    return kept;
}

/* cn_address(): keep down to the district or county, star the rest. */
int mask_fn_cn_address(MaskCall *c)
{
    uint32_t cp[ADDR_SCAN];
    size_t off[ADDR_SCAN + 1];
    size_t nc = 0, i = 0;

    mask_input_text(c);
    mask_set_text(c->out);
    /* One pass: decode the first ADDR_SCAN characters, count the rest. */
    bool valid = true;
    size_t count = 0;
    off[0] = 0;
    while (i < c->n) {
        uint32_t x;
        size_t at = i;
        i += (size_t)utf8_decode(c->s + i, c->n - i, &x);
        if (x == UTF8_BAD)
            valid = false;
        if (nc < ADDR_SCAN) {
            off[nc] = at;
            cp[nc++] = x;
            off[nc] = i;
        }
        count++;
    }
    if (!valid)
        return whole(c);
    size_t keep = address_keep(cp, nc); /* <= nc */
    mask_put(c->out, c->s, off[keep]);
    mask_put_repeat(c->out, "*", 1, count - keep);
    return MASK_OK;
}

/*
 * cn_landline(): [+86 | 0086] area code, 7 or 8 local digits, optional
 * extension. Keeps the country and area codes and all but the last four
 * local digits; stars the last four and any extension.
 */
int mask_fn_cn_landline(MaskCall *c)
{
    size_t pos[24];
    char d[24];
    bool group[24]; /* digit k starts a group (follows a separator) */
    size_t nd;
    bool plus;

    mask_input_text(c);
    mask_set_text(c->out);
    if (!phone_digits(c, " -()", d, pos, group, sizeof d, &nd, &plus))
        return whole(c);
    /* k walks the digits: country code, trunk 0, area code, local. */
    size_t k = 0, area;
    bool country = false;
    if (plus) {
        if (nd < 2 || d[0] != '8' || d[1] != '6')
            return whole(c);
        k = 2;
        country = true;
    } else if (nd >= 4 && memcmp(d, "0086", 4) == 0) {
        k = 4;
        country = true;
    }
    if (k < nd && d[k] == '0')
        k++; /* the trunk prefix */
    else if (!country)
        return whole(c);
    if (k >= nd || d[k] == '0')
        return whole(c);
    /* 10 (Beijing) and 2X are two-digit area codes, the rest three. */
    if (d[k] == '1')
        area = k + 1 < nd && d[k + 1] == '0' ? 2 : 0;
    else
        area = d[k] == '2' ? 2 : 3;
    if (area == 0)
        return whole(c);
    k += area;
    size_t rest = nd > k ? nd - k : 0, local = 0;
    if (rest == 7 || rest == 8)
        local = rest;
    else if (rest > 8 && rest - 8 <= 6 && group[k + 8])
        local = 8;
    else if (rest > 7 && rest - 7 <= 6 && group[k + 7])
        local = 7;
    if (local == 0 || d[k] < '2')
        return whole(c);
    /* Star the last four local digits and the extension. */
    size_t from = 0;
    for (size_t j = k + local - 4; j < nd; j++) {
        mask_put(c->out, c->s + from, pos[j] - from);
        mask_put(c->out, "*", 1);
        from = pos[j] + 1;
    }
    mask_put(c->out, c->s + from, c->n - from);
    return MASK_OK;
}
