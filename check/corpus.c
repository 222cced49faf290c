/*
 * corpus.c - loading the audit test corpus with libyaml (see corpus.h).
 *
 * libyaml builds the document tree; this file walks it once, turning each
 * mapping into the structs of corpus.h and reporting, at the node's place,
 * every unknown key, missing key and value of the wrong kind. Positions:
 * libyaml counts lines and columns in characters; they are turned into
 * byte offsets of the loaded Source so diagnostics render like the
 * policy's own.
 */
#include "corpus.h"

#include "utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* The most nodes a corpus may hold once its aliases are expanded (each
 * alias stands for a whole copy of its anchor's content, and the loader
 * builds a copy wherever it reaches one): a billion-laughs document is
 * refused before it is walked. docs/security.md lists the limits. */
#define CORPUS_MAX_NODES 1000000

/* The deepest nesting of one-line [lists] and {mappings} accepted: libyaml
 * takes time quadratic in it (20,000 levels: 3 s), and a corpus needs a
 * handful (case, steps, session, roles). */
#define CORPUS_MAX_FLOW_DEPTH 256

typedef struct Loader {
    Arena *a;
    Diag *d;
    const Source *src;
    yaml_document_t doc;
    /* offset's index of the lines that are not ASCII only: per line,
     * NULL until needed, then the byte offset of every CHARS_STEP-th
     * character (nchars[line] of them); ascii[line]: 0 unknown, 1 ASCII
     * only, 2 not. */
    uint8_t *ascii;
    uint32_t **chars;
    size_t *nchars;
} Loader;

/* line_end is the byte offset of the end of 0-based LINE (its '\n', or the
 * end of the text). */
static uint32_t line_end(const Source *src, size_t line)
{
    if (line + 1 < src->nlines)
        return src->lines[line + 1] - 1;
    return (uint32_t)src->len;
}

#define CHARS_STEP 64

/* offset turns a libyaml mark (0-based line, column in characters) into a
 * byte offset of the source. An ASCII line is indexed directly; another is
 * decoded once into a checkpoint every CHARS_STEP characters, so that each
 * mark costs at most CHARS_STEP decodes however long its line. */
static uint32_t offset(Loader *l, yaml_mark_t m)
{
    const Source *src = l->src;
    if (m.line >= src->nlines)
        return (uint32_t)src->len;
    size_t at = src->lines[m.line], end = line_end(src, m.line);
    if (!l->ascii[m.line]) {
        l->ascii[m.line] = 1;
        for (size_t i = at; i < end; i++)
            if ((unsigned char)src->text[i] >= 0x80)
                l->ascii[m.line] = 2;
        if (l->ascii[m.line] == 2) {
            size_t n = 0;
            uint32_t *marks = arena_alloc(l->a, ((end - at) / CHARS_STEP + 1) *
                                                    sizeof *marks);
            for (size_t i = at, c = 0; i < end; c++) {
                if (c % CHARS_STEP == 0)
                    marks[n++] = (uint32_t)i;
                uint32_t cp;
                i += (size_t)utf8_decode(src->text + i, src->len - i, &cp);
            }
            l->chars[m.line] = marks;
            l->nchars[m.line] = n;
        }
    }
    if (l->ascii[m.line] == 1)
        return (uint32_t)(at + m.column < end ? at + m.column : end);
    size_t c = 0, k = m.column / CHARS_STEP;
    if (k >= l->nchars[m.line])
        k = l->nchars[m.line] ? l->nchars[m.line] - 1 : 0;
    if (l->nchars[m.line]) {
        at = l->chars[m.line][k];
        c = k * CHARS_STEP;
    }
    for (; c < m.column && at < src->len; c++) {
        uint32_t cp;
        at += (size_t)utf8_decode(src->text + at, src->len - at, &cp);
    }
    return (uint32_t)at;
}

static Span span_of(Loader *l, const yaml_node_t *n)
{
    Span s = {l->src, offset(l, n->start_mark), offset(l, n->end_mark)};
    if (s.end < s.begin)
        s.end = s.begin;
    /* A node's end mark may sit on a later line: keep the caret on one. */
    uint32_t eol = line_end(l->src, n->start_mark.line);
    if (s.end > eol && s.begin <= eol)
        s.end = eol;
    if (s.end == s.begin && s.end < l->src->len)
        s.end++;
    return s;
}

static yaml_node_t *node(Loader *l, int i)
{
    return yaml_document_get_node(&l->doc, i);
}

static void *alloc_n(Loader *l, size_t n, size_t size)
{
    return arena_alloc(l->a, (n ? n : 1) * size);
}

static const char *kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a list";
    default: return "a scalar";
    }
}

static bool want(Loader *l, const yaml_node_t *n, yaml_node_type_t type,
                 const char *what)
{
    if (n && n->type == type)
        return true;
    if (n)
        diag_error(l->d, span_of(l, n), "%s must be %s, not %s", what,
                   type == YAML_MAPPING_NODE    ? "a mapping"
                   : type == YAML_SEQUENCE_NODE ? "a list"
                                                : "a scalar",
                   kind_name(n));
    return false;
}

static const char *text_of(Loader *l, const yaml_node_t *n)
{
    return arena_strndup(l->a, (const char *)n->data.scalar.value,
                         n->data.scalar.length);
}

static bool plain_is(const yaml_node_t *n, const char *const *words)
{
    for (; *words; words++)
        if (n->data.scalar.length == strlen(*words) &&
            memcmp(n->data.scalar.value, *words, n->data.scalar.length) == 0)
            return true;
    return false;
}

/* scalar resolves a scalar node's type (YAML 1.2 core schema). */
static CVal scalar(Loader *l, const yaml_node_t *n)
{
    static const char *const nulls[] = {"null", "Null", "NULL", "~", "", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    CVal v = {CV_TEXT,      0, 0.0, text_of(l, n), n->data.scalar.length,
              span_of(l, n)};
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return v;
    if (plain_is(n, nulls)) {
        v.kind = CV_NULL;
    } else if (plain_is(n, trues) || plain_is(n, falses)) {
        v.kind = CV_BOOL;
        v.i = plain_is(n, trues);
    } else {
        char *end;
        errno = 0;
        long long i = strtoll(v.s, &end, 10);
        if (*v.s && *end == '\0' && errno == 0) {
            v.kind = CV_INT;
            v.i = i;
            return v;
        }
        double r = strtod(v.s, &end);
        if (*v.s && *end == '\0' && strspn(v.s, "+-0123456789.eE") == v.n) {
            v.kind = CV_REAL;
            v.r = r;
        }
    }
    return v;
}

static bool scalar_text(Loader *l, const yaml_node_t *n, const char *what,
                        const char **out, Span *at)
{
    if (!want(l, n, YAML_SCALAR_NODE, what))
        return false;
    *out = text_of(l, n);
    if (at)
        *at = span_of(l, n);
    return true;
}

/* map_of reads a mapping of names to scalars. */
static bool map_of(Loader *l, const yaml_node_t *n, const char *what, CMap *out)
{
    memset(out, 0, sizeof *out);
    if (!want(l, n, YAML_MAPPING_NODE, what))
        return false;
    out->at = span_of(l, n);
    size_t len =
        (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    out->items = alloc_n(l, len, sizeof *out->items);
    bool ok = true;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
        if (!want(l, k, YAML_SCALAR_NODE, "a key") ||
            !want(l, v, YAML_SCALAR_NODE, "a value")) {
            ok = false;
            continue;
        }
        CPair *cp = &out->items[out->n++];
        cp->key = text_of(l, k);
        cp->key_at = span_of(l, k);
        cp->val = scalar(l, v);
        cp->column = -1;
    }
    return ok;
}

/* ---- sessions and steps ---- */

static bool session_of(Loader *l, const yaml_node_t *n, CSession *s)
{
    memset(s, 0, sizeof *s);
    s->scenario_id = -1;
    if (!want(l, n, YAML_MAPPING_NODE, "session"))
        return false;
    s->at = span_of(l, n);
    bool ok = true;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
        if (!want(l, k, YAML_SCALAR_NODE, "a key"))
            return false;
        const char *key = text_of(l, k);
        if (strcmp(key, "roles") == 0) {
            if (v->type == YAML_SCALAR_NODE) {
                s->roles = alloc_n(l, 1, sizeof *s->roles);
                s->role_at = alloc_n(l, 1, sizeof *s->role_at);
                s->roles[0] = text_of(l, v);
                s->role_at[0] = span_of(l, v);
                s->nroles = 1;
                continue;
            }
            if (!want(l, v, YAML_SEQUENCE_NODE, "roles")) {
                ok = false;
                continue;
            }
            size_t len = (size_t)(v->data.sequence.items.top -
                                  v->data.sequence.items.start);
            s->roles = alloc_n(l, len, sizeof *s->roles);
            s->role_at = alloc_n(l, len, sizeof *s->role_at);
            for (yaml_node_item_t *i = v->data.sequence.items.start;
                 i < v->data.sequence.items.top; i++) {
                if (!scalar_text(l, node(l, *i), "a role", &s->roles[s->nroles],
                                 &s->role_at[s->nroles]))
                    ok = false;
                else
                    s->nroles++;
            }
        } else if (strcmp(key, "user") == 0) {
            ok = scalar_text(l, v, "user", &s->user, NULL) && ok;
        } else if (strcmp(key, "scenario") == 0) {
            ok = scalar_text(l, v, "scenario", &s->scenario, &s->scenario_at) &&
                 ok;
        } else if (strcmp(key, "attrs") == 0) {
            ok = map_of(l, v, "attrs", &s->attrs) && ok;
        } else {
            Diagnostic *x = diag_error(l->d, span_of(l, k),
                                       "unknown session key '%s'", key);
            diag_hint(l->d, x,
                      "a session has roles, user, scenario and "
                      "attrs");
            ok = false;
        }
    }
    return ok;
}

static const struct {
    const char *key;
    COp op;
} OPS[] = {
    {"read", COP_READ},       {"write", COP_WRITE},   {"insert", COP_INSERT},
    {"delete", COP_DELETE},   {"export", COP_EXPORT}, {"request", COP_REQUEST},
    {"approve", COP_APPROVE},
};

const char *cop_name(COp op)
{
    for (size_t i = 0; i < sizeof OPS / sizeof *OPS; i++)
        if (OPS[i].op == op)
            return OPS[i].key;
    return "none";
}

static bool audits_of(Loader *l, const yaml_node_t *v, CStep *st)
{
    static const char *const keys[] = {"table", "column", "op", "user"};
    const yaml_node_t *one[1] = {v};
    size_t len = 1;
    if (v->type == YAML_SEQUENCE_NODE)
        len =
            (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    st->audits = alloc_n(l, len, sizeof *st->audits);
    bool ok = true;
    for (size_t i = 0; i < len; i++) {
        const yaml_node_t *n = v->type == YAML_SEQUENCE_NODE
                                   ? node(l, v->data.sequence.items.start[i])
                                   : one[0];
        CAudit *au = &st->audits[st->naudits];
        au->at = span_of(l, n);
        if (!map_of(l, n, "expect_audit", &au->fields)) {
            ok = false;
            continue;
        }
        for (size_t k = 0; k < au->fields.n; k++) {
            bool known = false;
            for (size_t j = 0; j < 4; j++)
                known = known || strcmp(au->fields.items[k].key, keys[j]) == 0;
            if (!known) {
                Diagnostic *x = diag_error(l->d, au->fields.items[k].key_at,
                                           "unknown expect_audit key '%s'",
                                           au->fields.items[k].key);
                diag_hint(l->d, x,
                          "expect_audit matches on table, column, "
                          "op and user");
                ok = false;
            }
        }
        st->naudits++;
    }
    return ok;
}

/* valid_time: is T a UTC time as `at:` takes it, YYYY-MM-DDTHH:MM:SSZ
 * with optional fractions of a second, naming a day that exists? */
static bool valid_time(const char *t)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t i = 0;
    for (; shape[i]; i++)
        if (shape[i] == 'd' ? !(t[i] >= '0' && t[i] <= '9') : t[i] != shape[i])
            return false;
    if (t[i] == '.') {
        size_t digits = strspn(t + i + 1, "0123456789");
        if (!digits)
            return false;
        i += 1 + digits;
    }
    if (strcmp(t + i, "Z") != 0)
        return false;
    int y = atoi(t), mo = atoi(t + 5), d = atoi(t + 8), h = atoi(t + 11),
        mi = atoi(t + 14), sec = atoi(t + 17);
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mo >= 1 && mo <= 12 && d >= 1 && d <= days[mo - 1] &&
           !(mo == 2 && d == 29 && !leap) && h < 24 && mi < 60 && sec < 60;
}

/* step_key reads one key of a step; false when it is not a step key. */
static bool step_key(Loader *l, const char *key, const yaml_node_t *k,
                     const yaml_node_t *v, CStep *st, bool *ok)
{
    for (size_t i = 0; i < sizeof OPS / sizeof *OPS; i++) {
        if (strcmp(key, OPS[i].key) != 0)
            continue;
        if (st->op != COP_NONE) {
            Diagnostic *x = diag_error(l->d, span_of(l, k),
                                       "a step does one thing: '%s' after "
                                       "'%s'",
                                       key, cop_name(st->op));
            diag_hint(l->d, x, "use a steps list for several operations");
            *ok = false;
        }
        st->op = OPS[i].op;
        *ok = scalar_text(l, v, key, &st->target, &st->target_at) && *ok;
        return true;
    }
    if (strcmp(key, "session") == 0)
        *ok = session_of(l, v, &st->session) && *ok;
    else if (strcmp(key, "where") == 0)
        *ok = map_of(l, v, "where", &st->where) && *ok;
    else if (strcmp(key, "set") == 0)
        *ok = map_of(l, v, "set", &st->set) && *ok;
    else if (strcmp(key, "reason") == 0)
        *ok = scalar_text(l, v, "reason", &st->reason, NULL) && *ok;
    else if (strcmp(key, "expect") == 0) {
        st->has_expect = true;
        st->expect_at = span_of(l, v);
        if (v->type == YAML_MAPPING_NODE) {
            st->expect_map = true;
            *ok = map_of(l, v, "expect", &st->expect) && *ok;
        } else if (want(l, v, YAML_SCALAR_NODE, "expect")) {
            st->expect_value = scalar(l, v);
        } else {
            *ok = false;
        }
    } else if (strcmp(key, "expect_rows") == 0) {
        CVal n = want(l, v, YAML_SCALAR_NODE, "expect_rows") ? scalar(l, v)
                                                             : (CVal){0};
        st->has_expect_rows = true;
        st->expect_rows_at = span_of(l, v);
        if (n.kind != CV_INT || n.i < 0) {
            diag_error(l->d, span_of(l, v),
                       "expect_rows must be a whole number of rows");
            *ok = false;
        }
        st->expect_rows = n.i;
    } else if (strcmp(key, "expect_error") == 0) {
        *ok = scalar_text(l, v, "expect_error", &st->expect_error,
                          &st->expect_error_at) &&
              *ok;
    } else if (strcmp(key, "expect_audit") == 0) {
        *ok = audits_of(l, v, st) && *ok;
    } else if (strcmp(key, "at") == 0) {
        if (!scalar_text(l, v, "at", &st->when, &st->when_at)) {
            *ok = false;
        } else if (!valid_time(st->when)) {
            Diagnostic *x = diag_error(l->d, st->when_at,
                                       "at must be a time in UTC such as "
                                       "\"2026-12-01T10:00:00Z\"");
            diag_hint(l->d, x,
                      "the step runs with the runtime's clock at that "
                      "time (expiry, audit and request times)");
            *ok = false;
        }
    } else {
        return false;
    }
    return true;
}

static void step_init(CStep *st)
{
    memset(st, 0, sizeof *st);
    st->session.scenario_id = -1;
    st->table = st->column = st->approval = -1;
}

/* step_check: a step does one operation as a session, and asserts only
 * what that operation can show. NAME is its case's name (may be NULL);
 * NTH is the step's place in a steps list, 0 for a case of one step. */
static bool step_check(Loader *l, CStep *st, const char *name, size_t nth)
{
    const char *c = name ? name : "(unnamed)";
    if (st->op == COP_NONE) {
        Diagnostic *x = diag_error(l->d, st->at, "this step does nothing");
        diag_hint(l->d, x,
                  "give one of read, write, insert, delete, export, "
                  "request or approve");
        return false;
    }
    if (!st->session.at.file) {
        Diagnostic *x;
        if (nth) {
            x = diag_error(l->d, st->at, "step %zu of case '%s' has no session",
                           nth, c);
            diag_hint(l->d, x,
                      "every step runs as someone: give it session: "
                      "{roles: [...], user: ...}");
        } else {
            x = diag_error(l->d, st->at, "case '%s' has no session", c);
            diag_hint(l->d, x,
                      "give the case session: {roles: [...], user: ...}; "
                      "several operations go in a steps: list, each step "
                      "with its own session");
        }
        return false;
    }
    bool ok = true;
    if (st->expect_error && (st->has_expect || st->has_expect_rows)) {
        Diagnostic *x = diag_error(
            l->d, st->has_expect ? st->expect_at : st->expect_rows_at,
            "a step that expects a refusal returns nothing: %s cannot go "
            "with expect_error",
            st->has_expect ? "expect" : "expect_rows");
        diag_hint(l->d, x, "expect_audit can: a refused step is audited too");
        ok = false;
    } else if (st->has_expect && (st->op == COP_WRITE || st->op == COP_INSERT ||
                                  st->op == COP_DELETE)) {
        Diagnostic *x = diag_error(l->d, st->expect_at,
                                   "a %s returns no row: expect has nothing "
                                   "to compare",
                                   cop_name(st->op));
        diag_hint(l->d, x,
                  "expect_rows counts the rows it %s; to see what it did, "
                  "read the table in a next step of a steps list",
                  st->op == COP_INSERT ? "inserted" : "matched");
        ok = false;
    } else if (st->has_expect && st->expect_map &&
               (st->op == COP_REQUEST || st->op == COP_APPROVE)) {
        diag_error(l->d, st->expect_at,
                   "a%s returns one value (%s): expect a value, not a map",
                   st->op == COP_REQUEST ? " request" : "n approval",
                   st->op == COP_REQUEST ? "the request's number"
                                         : "the approvals it still needs");
        ok = false;
    }
    if (!st->has_expect && !st->has_expect_rows && !st->expect_error &&
        !st->naudits && st->op == COP_READ) {
        diag_error(l->d, st->at,
                   "this read asserts nothing: give expect, expect_rows, "
                   "expect_error or expect_audit");
        return false;
    }
    if (st->op == COP_WRITE && !st->set.n) {
        diag_error(l->d, st->target_at, "a write needs a set: map");
        return false;
    }
    return ok;
}

static bool case_of(Loader *l, const yaml_node_t *n, CCase *c)
{
    memset(c, 0, sizeof *c);
    if (!want(l, n, YAML_MAPPING_NODE, "a case"))
        return false;
    c->at = span_of(l, n);
    /* The name first, wherever it is: step errors name their case. */
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
        if (k->type == YAML_SCALAR_NODE && v->type == YAML_SCALAR_NODE &&
            strcmp(text_of(l, k), "name") == 0)
            c->name = text_of(l, v);
    }
    CStep one;
    step_init(&one);
    one.at = c->at;
    bool ok = true, any_step_key = false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
        if (!want(l, k, YAML_SCALAR_NODE, "a key"))
            return false;
        const char *key = text_of(l, k);
        if (strcmp(key, "name") == 0) {
            ok = scalar_text(l, v, "name", &c->name, NULL) && ok;
        } else if (strcmp(key, "steps") == 0) {
            if (!want(l, v, YAML_SEQUENCE_NODE, "steps")) {
                ok = false;
                continue;
            }
            size_t len = (size_t)(v->data.sequence.items.top -
                                  v->data.sequence.items.start);
            c->steps = true;
            c->step = alloc_n(l, len, sizeof *c->step);
            for (yaml_node_item_t *i = v->data.sequence.items.start;
                 i < v->data.sequence.items.top; i++) {
                yaml_node_t *sn = node(l, *i);
                CStep *st = &c->step[c->nsteps++];
                step_init(st);
                if (!want(l, sn, YAML_MAPPING_NODE, "a step")) {
                    ok = false;
                    continue;
                }
                st->at = span_of(l, sn);
                for (yaml_node_pair_t *q = sn->data.mapping.pairs.start;
                     q < sn->data.mapping.pairs.top; q++) {
                    yaml_node_t *sk = node(l, q->key);
                    if (!want(l, sk, YAML_SCALAR_NODE, "a key"))
                        return false;
                    const char *skey = text_of(l, sk);
                    if (!step_key(l, skey, sk, node(l, q->value), st, &ok)) {
                        diag_error(l->d, span_of(l, sk),
                                   "unknown step key '%s'", skey);
                        ok = false;
                    }
                }
                ok = step_check(l, st, c->name, c->nsteps) && ok;
            }
        } else if (step_key(l, key, k, v, &one, &ok)) {
            any_step_key = true;
        } else {
            Diagnostic *x =
                diag_error(l->d, span_of(l, k), "unknown case key '%s'", key);
            diag_hint(l->d, x,
                      "a case has name, and either steps or session, an "
                      "operation and expectations");
            ok = false;
        }
    }
    if (!c->name) {
        diag_error(l->d, c->at, "this case has no name");
        return false;
    }
    if (c->steps && any_step_key) {
        diag_error(l->d, c->at,
                   "case '%s' has steps and a step of its own: put every "
                   "operation in the steps list",
                   c->name);
        return false;
    }
    if (!c->steps) {
        ok = step_check(l, &one, c->name, 0) && ok;
        c->step = alloc_n(l, 1, sizeof *c->step);
        c->step[0] = one;
        c->nsteps = 1;
    } else if (c->nsteps == 0) {
        diag_error(l->d, c->at, "case '%s' has an empty steps list", c->name);
        return false;
    }
    return ok;
}

static bool fixtures_of(Loader *l, const yaml_node_t *n, Corpus *c)
{
    if (!want(l, n, YAML_MAPPING_NODE, "fixtures"))
        return false;
    size_t len =
        (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    c->fixtures = alloc_n(l, len, sizeof *c->fixtures);
    bool ok = true;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
        CFixture *f = &c->fixtures[c->nfixtures];
        memset(f, 0, sizeof *f);
        f->table_id = -1;
        if (!scalar_text(l, k, "a table name", &f->table, &f->at) ||
            !want(l, v, YAML_SEQUENCE_NODE, "a table's fixtures")) {
            ok = false;
            continue;
        }
        size_t rows =
            (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        f->rows = alloc_n(l, rows, sizeof *f->rows);
        for (yaml_node_item_t *i = v->data.sequence.items.start;
             i < v->data.sequence.items.top; i++)
            ok =
                map_of(l, node(l, *i), "a fixture row", &f->rows[f->nrows++]) &&
                ok;
        c->nfixtures++;
    }
    return ok;
}

/* point is a one-character span at libyaml's mark M. */
static Span point(Loader *l, yaml_mark_t m)
{
    Span at = {l->src, offset(l, m), offset(l, m)};
    if (at.end < l->src->len && l->src->text[at.end] != '\n')
        at.end++;
    return at;
}

/* yaml_error reports what libyaml could not parse, at its line and column,
 * with a note where the enclosing list or mapping began and a hint for the
 * usual mistakes: indentation, tabs, a list of steps without `steps:`, a
 * one-line [list] or {mapping} left open. */
static void yaml_error(Loader *l, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "bad YAML";
    const char *context = p->context ? p->context : "";
    Span at = point(l, p->problem_mark);
    Diagnostic *x =
        diag_error(l->d, at, "%s%s%s", problem, *context ? " " : "", context);
    const char *text = l->src->text;
    char ch = at.begin < l->src->len ? text[at.begin] : '\0';
    /* The line's first character that is not a space. */
    size_t bol = at.begin;
    while (bol > 0 && text[bol - 1] != '\n')
        bol--;
    size_t first = bol;
    while (first < l->src->len && text[first] == ' ')
        first++;
    size_t col = first - bol + 1, ctx_col = p->context_mark.column + 1;
    bool dash = first + 1 < l->src->len && text[first] == '-' &&
                (text[first + 1] == ' ' || text[first + 1] == '\n');
    if (ch == '\t' || strstr(problem, "tab"))
        diag_hint(l->d, x, "YAML indents with spaces, never tabs");
    else if (strstr(problem, "did not find expected key") && dash)
        diag_hint(l->d, x,
                  "a list cannot start among a mapping's keys: the steps of "
                  "a case go under `steps:`, one `- session: ...` item each");
    else if (strstr(problem, "did not find expected key"))
        diag_hint(l->d, x,
                  "the keys of one mapping line up: this mapping's keys "
                  "start at column %zu, this line at column %zu",
                  ctx_col, col);
    else if (strstr(problem, "did not find expected '-' indicator"))
        diag_hint(l->d, x,
                  "the items of this list start with '-' at column %zu, this "
                  "line at column %zu; an item's keys line up with the key "
                  "after its '-'",
                  ctx_col, col);
    else if (strstr(problem, "mapping values are not allowed") && dash)
        diag_hint(l->d, x,
                  "a list under a key needs that key on a line of its own, "
                  "ending in ':' (the steps of a case go under `steps:`)");
    else if (strstr(problem, "mapping values are not allowed"))
        diag_hint(l->d, x,
                  "': ' ends a key: quote a value that holds ': ', or line "
                  "this key up with the keys above it");
    else if (strstr(problem, "did not find expected ',' or"))
        diag_hint(l->d, x,
                  "a [list] or {mapping} written on one line is not closed, "
                  "or a value in it holds an unquoted ',' or ':'");
    else if (strstr(problem, "could not find expected ':'"))
        diag_hint(l->d, x,
                  "a key needs ':' after it; a value that goes on over "
                  "several lines must be quoted");
    const char *began = strstr(context, "mapping")      ? "the mapping"
                        : strstr(context, "sequence")   ? "the list"
                        : strstr(context, "collection") ? "the list"
                        : strstr(context, "key")        ? "the key"
                        : strstr(context, "scalar")     ? "the value"
                                                        : NULL;
    if (began && p->context_mark.line != p->problem_mark.line)
        diag_note(l->d, x, point(l, p->context_mark), "%s starts here", began);
}

/* ---- the document as a whole, before its walk ---- */

/* children lists the node indices under N (a mapping's keys and values in
 * order) in OUT, which holds room for every one; returns their count. */
static size_t children(const yaml_node_t *n, int *out)
{
    size_t k = 0;
    if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = n->data.sequence.items.start;
             i < n->data.sequence.items.top; i++)
            out[k++] = *i;
    } else if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
             p < n->data.mapping.pairs.top; p++) {
            out[k++] = p->key;
            out[k++] = p->value;
        }
    }
    return k;
}

static size_t nchildren(const yaml_node_t *n)
{
    if (n->type == YAML_SEQUENCE_NODE)
        return (size_t)(n->data.sequence.items.top -
                        n->data.sequence.items.start);
    if (n->type == YAML_MAPPING_NODE)
        return 2 * (size_t)(n->data.mapping.pairs.top -
                            n->data.mapping.pairs.start);
    return 0;
}

typedef struct KeyRef {
    const yaml_node_t *key;
    size_t nth; /* its place in the mapping */
} KeyRef;

static int key_cmp(const void *a, const void *b)
{
    const KeyRef *x = a, *y = b;
    size_t xn = x->key->data.scalar.length, yn = y->key->data.scalar.length;
    int c = memcmp(x->key->data.scalar.value, y->key->data.scalar.value,
                   xn < yn ? xn : yn);
    if (c)
        return c;
    if (xn != yn)
        return xn < yn ? -1 : 1;
    return x->nth < y->nth ? -1 : x->nth > y->nth;
}

/* repeated_keys reports each scalar key of mapping N given again after its
 * first time. The loader fills one field per key, and would lose (or, for
 * a list, overrun) the first value of a repeated one; YAML forbids them
 * anyway. Sorting keeps a mapping of many keys linear-logarithmic. */
static bool repeated_keys(Loader *l, const yaml_node_t *n)
{
    size_t len =
        (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (len < 2)
        return true;
    KeyRef *keys = xmalloc(len * sizeof *keys);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        const yaml_node_t *key = node(l, n->data.mapping.pairs.start[i].key);
        if (key && key->type == YAML_SCALAR_NODE)
            keys[k++] = (KeyRef){key, i};
    }
    qsort(keys, k, sizeof *keys, key_cmp);
    bool ok = true;
    /* Equal keys sort together, first given first: report each later one
     * against the first. */
    for (size_t i = 1, run = 0; i < k; i++) {
        const yaml_node_t *a = keys[run].key, *b = keys[i].key;
        if (a->data.scalar.length != b->data.scalar.length ||
            memcmp(a->data.scalar.value, b->data.scalar.value,
                   a->data.scalar.length) != 0) {
            run = i;
            continue;
        }
        Diagnostic *x =
            diag_error(l->d, span_of(l, b), "repeated key '%s'", text_of(l, b));
        diag_note(l->d, x, span_of(l, a), "first given here");
        if (strcmp(text_of(l, b), "steps") == 0)
            diag_hint(l->d, x,
                      "a case has one steps: list, which holds all "
                      "of its steps");
        else
            diag_hint(l->d, x,
                      "a mapping holds each key once: merge the "
                      "two into one");
        ok = false;
    }
    free(keys);
    return ok;
}

/* vet checks the document before it is walked, visiting each node once
 * however many aliases name it: no mapping repeats a key, no alias refers
 * to a node that contains it (the walk would never end), and the nodes the
 * walk reaches, each alias expanded, number at most CORPUS_MAX_NODES. An
 * explicit stack keeps deeply nested input off the C stack. */
static bool vet(Loader *l)
{
    yaml_node_t *first = l->doc.nodes.start;
    size_t count = (size_t)(l->doc.nodes.top - first);
    if (!count)
        return true;
    /* Per node: 0 unseen, 1 on the stack, 2 done; and its expanded size,
     * saturated at CORPUS_MAX_NODES + 1. */
    uint8_t *state = xmalloc(count);
    size_t *size = xmalloc(count * sizeof *size);
    memset(state, 0, count);
    memset(size, 0, count * sizeof *size);
    typedef struct Frame {
        int id;      /* 1-based node index */
        size_t next; /* the next child to visit */
    } Frame;
    Frame *stack = xmalloc(count * sizeof *stack);
    size_t depth = 0;
    bool ok = true;
    stack[depth++] = (Frame){1, 0};
    state[0] = 1;
    while (depth && ok) {
        Frame *f = &stack[depth - 1];
        yaml_node_t *n = &first[f->id - 1];
        if (f->next == 0 && n->type == YAML_MAPPING_NODE)
            ok = repeated_keys(l, n) && ok;
        if (f->next < nchildren(n)) {
            int kid = n->type == YAML_SEQUENCE_NODE
                          ? n->data.sequence.items.start[f->next]
                      : f->next % 2
                          ? n->data.mapping.pairs.start[f->next / 2].value
                          : n->data.mapping.pairs.start[f->next / 2].key;
            f->next++;
            if (kid < 1 || (size_t)kid > count)
                continue;
            if (state[kid - 1] == 1) {
                Diagnostic *x = diag_error(l->d, span_of(l, &first[kid - 1]),
                                           "an alias refers to a node that "
                                           "contains it");
                diag_hint(l->d, x,
                          "the content would never end: an alias "
                          "(*name) may only repeat a node already "
                          "complete");
                ok = false;
            } else if (state[kid - 1] == 0) {
                state[kid - 1] = 1;
                stack[depth++] = (Frame){kid, 0};
            }
            continue;
        }
        /* Every child is done: this node's size is theirs plus one. */
        size_t total = 1;
        int *kids = xmalloc((nchildren(n) + 1) * sizeof *kids);
        size_t nk = children(n, kids);
        for (size_t i = 0; i < nk; i++)
            if (kids[i] >= 1 && (size_t)kids[i] <= count)
                total += size[kids[i] - 1];
        free(kids);
        if (total > CORPUS_MAX_NODES)
            total = CORPUS_MAX_NODES + 1;
        size[f->id - 1] = total;
        state[f->id - 1] = 2;
        depth--;
    }
    if (ok && size[0] > CORPUS_MAX_NODES) {
        /* Point at the smallest node that is over the limit on its own:
         * where the aliases multiply. */
        int at = 1;
        for (bool deeper = true; deeper;) {
            deeper = false;
            yaml_node_t *n = &first[at - 1];
            int *kids = xmalloc((nchildren(n) + 1) * sizeof *kids);
            size_t nk = children(n, kids);
            for (size_t i = 0; i < nk && !deeper; i++)
                if (kids[i] >= 1 && (size_t)kids[i] <= count &&
                    size[kids[i] - 1] > CORPUS_MAX_NODES) {
                    at = kids[i];
                    deeper = true;
                }
            free(kids);
        }
        Diagnostic *x = diag_error(l->d, span_of(l, &first[at - 1]),
                                   "the corpus holds more than %d values "
                                   "once its aliases are expanded",
                                   CORPUS_MAX_NODES);
        diag_hint(l->d, x,
                  "an alias (*name) stands for a whole copy of its "
                  "anchor's content; aliases of aliases multiply");
        ok = false;
    }
    free(stack);
    free(size);
    free(state);
    return ok;
}

/* key_of reads the corpus's test key: 64 hex digits (32 bytes), the
 * material a key file would hold. The message never repeats it. */
static bool key_of(Loader *l, const yaml_node_t *v, Corpus *c)
{
    if (!scalar_text(l, v, "key", &c->key, &c->key_at))
        return false;
    size_t n = strlen(c->key);
    if (n != 64 || strspn(c->key, "0123456789abcdefABCDEF") != n) {
        Diagnostic *x = diag_error(l->d, c->key_at,
                                   "key must be 64 hex digits (a 32-byte "
                                   "test key), not %zu characters%s",
                                   n,
                                   strspn(c->key, "0123456789abcdefABCDEF") == n
                                       ? ""
                                       : " with other than hex digits");
        diag_hint(l->d, x,
                  "`openssl rand -hex 32` makes one; it is for tests only: "
                  "never a production key");
        c->key = NULL;
        return false;
    }
    return true;
}

/* flow_depth_ok checks, before libyaml reads SRC, that its [ ] and { }
 * nest at most CORPUS_MAX_FLOW_DEPTH deep. It skips quoted scalars and
 * comments; a bracket inside a plain scalar counts, which can only
 * overestimate, and only a file with hundreds of them unclosed notices. */
static bool flow_depth_ok(Loader *l)
{
    const char *t = l->src->text;
    size_t n = l->src->len, depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c == '"' || c == '\'') {
            for (i++; i < n && t[i] != c; i++)
                if (c == '"' && t[i] == '\\')
                    i++;
        } else if (c == '#' && (i == 0 || t[i - 1] == ' ' || t[i - 1] == '\t' ||
                                t[i - 1] == '\n')) {
            while (i < n && t[i] != '\n')
                i++;
        } else if (c == '[' || c == '{') {
            if (++depth > CORPUS_MAX_FLOW_DEPTH) {
                Diagnostic *x = diag_error(
                    l->d, (Span){l->src, (uint32_t)i, (uint32_t)i + 1},
                    "lists and mappings nest more than %d deep here",
                    CORPUS_MAX_FLOW_DEPTH);
                diag_hint(l->d, x,
                          "a corpus nests a few levels: cases, "
                          "steps, a session, its roles");
                return false;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return true;
}

Corpus *corpus_load(Arena *a, Diag *d, const char *path)
{
    Source *src = source_load(a, d, path);
    return src ? corpus_load_source(a, d, src) : NULL;
}

Corpus *corpus_load_source(Arena *a, Diag *d, const Source *src)
{
    Loader l = {.a = a, .d = d, .src = src};
    l.ascii = arena_alloc(a, src->nlines + 1);
    memset(l.ascii, 0, src->nlines + 1);
    l.chars = arena_alloc(a, (src->nlines + 1) * sizeof *l.chars);
    l.nchars = arena_alloc(a, (src->nlines + 1) * sizeof *l.nchars);
    memset(l.nchars, 0, (src->nlines + 1) * sizeof *l.nchars);
    if (!flow_depth_ok(&l))
        return NULL;
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)src->text,
                                 src->len);
    if (!yaml_parser_load(&parser, &l.doc)) {
        yaml_error(&l, &parser);
        yaml_parser_delete(&parser);
        return NULL;
    }
    yaml_parser_delete(&parser);
    Corpus *c = arena_alloc(a, sizeof *c);
    c->src = src;
    bool ok = true;
    yaml_node_t *root = yaml_document_get_root_node(&l.doc);
    if (root && !vet(&l)) {
        ok = false;
    } else if (!root) {
        diag_error(d, (Span){src, 0, 0}, "the corpus is empty");
        ok = false;
    } else if (want(&l, root, YAML_MAPPING_NODE, "a corpus")) {
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
             p < root->data.mapping.pairs.top; p++) {
            yaml_node_t *k = node(&l, p->key), *v = node(&l, p->value);
            const char *key = k->type == YAML_SCALAR_NODE ? text_of(&l, k) : "";
            if (strcmp(key, "fixtures") == 0) {
                ok = fixtures_of(&l, v, c) && ok;
            } else if (strcmp(key, "cases") == 0 &&
                       want(&l, v, YAML_SEQUENCE_NODE, "cases")) {
                size_t len = (size_t)(v->data.sequence.items.top -
                                      v->data.sequence.items.start);
                c->cases = alloc_n(&l, len, sizeof *c->cases);
                for (yaml_node_item_t *i = v->data.sequence.items.start;
                     i < v->data.sequence.items.top; i++)
                    ok =
                        case_of(&l, node(&l, *i), &c->cases[c->ncases++]) && ok;
            } else if (strcmp(key, "key") == 0) {
                ok = key_of(&l, v, c) && ok;
            } else if (strcmp(key, "cases") != 0) {
                Diagnostic *x = diag_error(d, span_of(&l, k),
                                           "unknown corpus key '%s'", key);
                diag_hint(d, x, "a corpus has key, fixtures and cases");
                ok = false;
            } else {
                ok = false;
            }
        }
    } else {
        ok = false;
    }
    yaml_document_delete(&l.doc);
    return ok ? c : NULL;
}

/* ---- names against the policy ---- */

static const char *const CODES[] = {
    "approval-required",
    "write-denied",
    "self-approval",
    "not-approver",
    "already-approved",
    "expired",
    "session-locked",
    "unknown-role",
    "unknown-scenario",
    "unknown-approval",
    "unknown-request",
    "no-key",
    NULL,
};

bool corpus_known_code(const char *code)
{
    for (const char *const *c = CODES; *c; c++)
        if (strcmp(*c, code) == 0)
            return true;
    return false;
}

static void suggest(Diag *d, Diagnostic *x, const char *name,
                    const char *const *cands, size_t n)
{
    const char *s = diag_suggest(name, cands, n);
    if (s)
        diag_hint(d, x, "did you mean '%s'?", s);
}

static int bind_table(const Model *m, Diag *d, const char *name, Span at)
{
    int t = model_table(m, name);
    if (t < 0) {
        const char **names =
            arena_alloc(d->arena, (m->ntables + 1) * sizeof *names);
        for (size_t i = 0; i < m->ntables; i++)
            names[i] = m->tables[i].name;
        Diagnostic *x =
            diag_error(d, at, "no table '%s' in policy %s", name, m->name);
        suggest(d, x, name, names, m->ntables);
    }
    return t;
}

static bool bind_columns(const Model *m, Diag *d, int t, CMap *map,
                         const char *what)
{
    bool ok = true;
    for (size_t i = 0; i < map->n; i++) {
        CPair *p = &map->items[i];
        p->column = model_column(m, t, p->key);
        if (p->column < 0) {
            const Table *tb = &m->tables[t];
            const char **names =
                arena_alloc(d->arena, (tb->ncolumns + 1) * sizeof *names);
            for (size_t c = 0; c < tb->ncolumns; c++)
                names[c] = tb->columns[c].name;
            Diagnostic *x = diag_error(d, p->key_at,
                                       "%s: no column '%s' in "
                                       "table %s",
                                       what, p->key, tb->name);
            suggest(d, x, p->key, names, tb->ncolumns);
            ok = false;
        }
    }
    return ok;
}

/* expects: does step ST expect the refusal CODE? */
static bool expects(const CStep *st, const char *code)
{
    return st->expect_error && strcmp(st->expect_error, code) == 0;
}

/* bind_session resolves the roles and scenario of ST's session. A step
 * that expects unknown-role (unknown-scenario) may name ones the policy
 * does not declare: their refusal is what it tests. */
static bool bind_session(const Model *m, Diag *d, CStep *st)
{
    CSession *s = &st->session;
    bool ok = true;
    s->role_ids = arena_alloc(d->arena, (s->nroles + 1) * sizeof *s->role_ids);
    for (size_t i = 0; i < s->nroles; i++) {
        s->role_ids[i] = model_role(m, s->roles[i]);
        if (s->role_ids[i] < 0 && !expects(st, "unknown-role")) {
            const char **names =
                arena_alloc(d->arena, (m->nroles + 1) * sizeof *names);
            for (size_t r = 0; r < m->nroles; r++)
                names[r] = m->roles[r].name;
            Diagnostic *x =
                diag_error(d, s->role_at[i], "no role '%s' in policy %s",
                           s->roles[i], m->name);
            if (diag_suggest(s->roles[i], names, m->nroles))
                suggest(d, x, s->roles[i], names, m->nroles);
            else
                diag_hint(d, x,
                          "a step that tests the refusal of a role the "
                          "policy does not declare expects unknown-role");
            ok = false;
        }
    }
    if (s->scenario) {
        s->scenario_id = model_scenario(m, s->scenario);
        if (s->scenario_id < 0 && !expects(st, "unknown-scenario")) {
            diag_error(d, s->scenario_at, "no scenario '%s' in policy %s",
                       s->scenario, m->name);
            ok = false;
        }
    }
    return ok;
}

static bool bind_step(const Model *m, Diag *d, CStep *st)
{
    bool ok = bind_session(m, d, st);
    if (st->expect_error && !corpus_known_code(st->expect_error)) {
        Diagnostic *x =
            diag_error(d, st->expect_error_at, "unknown refusal code '%s'",
                       st->expect_error);
        suggest(d, x, st->expect_error, CODES,
                sizeof CODES / sizeof *CODES - 1);
        ok = false;
    }
    if (st->op == COP_REQUEST || st->op == COP_APPROVE) {
        for (size_t i = 0; i < m->napprovals; i++)
            if (strcmp(m->approvals[i].name, st->target) == 0)
                st->approval = (int)i;
        if (st->approval < 0 && !expects(st, "unknown-approval")) {
            diag_error(d, st->target_at, "no approval '%s' in policy %s",
                       st->target, m->name);
            ok = false;
        }
        if (st->op == COP_REQUEST && !st->reason) {
            diag_error(d, st->target_at, "a request needs a reason");
            ok = false;
        }
        return ok;
    }
    const char *dot = strchr(st->target, '.');
    char *tname =
        arena_strndup(d->arena, st->target,
                      dot ? (size_t)(dot - st->target) : strlen(st->target));
    st->table = bind_table(m, d, tname, st->target_at);
    if (st->table < 0)
        return false;
    if (dot) {
        if (st->op != COP_READ) {
            diag_error(d, st->target_at, "%s takes a table, not a column",
                       cop_name(st->op));
            return false;
        }
        st->column = model_column(m, st->table, dot + 1);
        if (st->column < 0) {
            diag_error(d, st->target_at, "no column '%s' in table %s", dot + 1,
                       tname);
            return false;
        }
        if (st->expect_map) {
            diag_error(d, st->expect_at,
                       "a read of one column expects a value, not a map");
            ok = false;
        }
    } else if (st->op == COP_READ && st->has_expect && !st->expect_map) {
        diag_error(d, st->expect_at,
                   "a read of a whole table expects a map of column to "
                   "value: read %s.COLUMN to expect one value",
                   tname);
        ok = false;
    }
    ok = bind_columns(m, d, st->table, &st->where, "where") && ok;
    ok = bind_columns(m, d, st->table, &st->set, "set") && ok;
    if (st->expect_map)
        ok = bind_columns(m, d, st->table, &st->expect, "expect") && ok;
    return ok;
}

bool corpus_bind(Corpus *c, const Model *m, Diag *d)
{
    bool ok = true;
    for (size_t i = 0; i < c->nfixtures; i++) {
        CFixture *f = &c->fixtures[i];
        f->table_id = bind_table(m, d, f->table, f->at);
        if (f->table_id < 0) {
            ok = false;
            continue;
        }
        for (size_t r = 0; r < f->nrows; r++)
            ok = bind_columns(m, d, f->table_id, &f->rows[r], "fixture") && ok;
    }
    for (size_t i = 0; i < c->ncases; i++)
        for (size_t s = 0; s < c->cases[i].nsteps; s++)
            ok = bind_step(m, d, &c->cases[i].step[s]) && ok;
    return ok;
}
