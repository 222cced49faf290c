/*
 * verdict.c - the one verdict of a corpus step (see verdict.h).
 *
 * The order is the contract that both targets share: a refusal first (the
 * one expected, or an unexpected failure), then, for a step that ran, the
 * expected values on its first row and its row count, and last the audit
 * rows it must have left (a refused step leaves one too).
 */
#include "verdict.h"

#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

CVal verdict_convert(const CVal *v, ColType t)
{
    CVal out = *v;
    switch (v->kind) {
    case CV_NULL:
    case CV_TEXT: break;
    case CV_INT:
        if (t == TYPE_REAL) {
            out.kind = CV_REAL;
            out.r = (double)v->i;
        } else if (t == TYPE_BOOLEAN && (v->i == 0 || v->i == 1)) {
            out.kind = CV_BOOL;
        } else if (t == TYPE_TEXT || t == TYPE_DATE || t == TYPE_DATETIME) {
            out.kind = CV_TEXT;
        }
        break;
    case CV_REAL:
        /* A whole real within int64's range: 2^63 itself is not. */
        if (t == TYPE_INTEGER && v->r == floor(v->r) && v->r >= -0x1p63 &&
            v->r < 0x1p63) {
            out.kind = CV_INT;
            out.i = (int64_t)v->r;
        } else if (t == TYPE_TEXT || t == TYPE_DATE || t == TYPE_DATETIME) {
            out.kind = CV_TEXT;
        }
        break;
    case CV_BOOL:
        if (t == TYPE_TEXT || t == TYPE_DATE || t == TYPE_DATETIME)
            out.kind = CV_TEXT;
        break;
    }
    return out;
}

bool verdict_same(const CVal *want, const CVal *got)
{
    switch (want->kind) {
    case CV_NULL: return got->kind == CV_NULL;
    case CV_BOOL:
    case CV_INT:
        return (got->kind == CV_INT || got->kind == CV_BOOL) &&
               got->i == want->i;
    case CV_REAL: return got->kind == CV_REAL && got->r == want->r;
    case CV_TEXT:
        return got->kind == CV_TEXT && got->n == want->n &&
               memcmp(got->s, want->s, want->n) == 0;
    }
    return false;
}

const char *verdict_describe(Arena *a, const CVal *v)
{
    switch (v->kind) {
    case CV_NULL: return "NULL";
    case CV_BOOL: return v->i ? "true" : "false";
    case CV_INT: return arena_printf(a, "the integer %lld", (long long)v->i);
    case CV_REAL: return arena_printf(a, "the real %s", v->s);
    case CV_TEXT: return arena_printf(a, "the text \"%s\"", v->s);
    }
    return "?";
}

/* compare holds GOT to WANT after converting both to the column's type
 * (COLUMN of the step's table, -1 for none: a request's or an approval's
 * value), and says what differs under NAME. */
static bool compare(const Verdict *v, const CStep *st, const char *name,
                    int column, const CVal *want, const CVal *got, StrBuf *why)
{
    CVal w = *want, g = *got;
    if (column >= 0 && st->table >= 0) {
        ColType t = v->m->tables[st->table].columns[column].type;
        w = verdict_convert(want, t);
        g = verdict_convert(got, t);
    }
    if (verdict_same(&w, &g))
        return true;
    sb_printf(why, "  %s: expected %s, got %s\n", name,
              verdict_describe(v->a, &w), verdict_describe(v->a, &g));
    if (column >= 0 && st->table >= 0)
        sb_printf(why, "  decided by %s\n",
                  runner_decided_by(v->m, st, column, v->a));
    return false;
}

/* find is the index of column NAME in R's first row, or -1. */
static int find(const StepResult *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (strcmp(r->names[i], name) == 0)
            return (int)i;
    return -1;
}

static bool expect_values(const Verdict *v, const CStep *st,
                          const StepResult *r, StrBuf *why)
{
    if (!r->has_row || r->ncols == 0) {
        sb_puts(why, st->op == COP_READ || st->op == COP_EXPORT
                         ? "  expected a row, and the session sees none\n"
                         : "  expected a value, and the step returned none\n");
        return false;
    }
    if (!st->expect_map)
        return compare(v, st, st->target, st->column, &st->expect_value,
                       &r->values[0], why);
    bool ok = true;
    for (size_t i = 0; i < st->expect.n; i++) {
        const CPair *p = &st->expect.items[i];
        int k = find(r, p->key);
        if (k < 0) {
            sb_printf(why,
                      "  %s: expected %s, and the row has no such "
                      "column\n",
                      p->key, verdict_describe(v->a, &p->val));
            ok = false;
            continue;
        }
        ok = compare(v, st, p->key, p->column, &p->val, &r->values[k], why) &&
             ok;
    }
    return ok;
}

bool verdict_step(const Verdict *v, const CStep *st, const StepResult *r,
                  StrBuf *why)
{
    const char *how = r->session_refused ? "the session was refused"
                                         : "it "
                                           "failed";
    if (st->expect_error) {
        char *code = arena_printf(v->a, "[%s]", st->expect_error);
        if (!r->error) {
            sb_printf(why, "  expected the refusal %s, and it succeeded\n",
                      code);
            return false;
        }
        if (!strstr(r->error, code)) {
            sb_printf(why, "  expected the refusal %s, got: %s\n", code,
                      r->error);
            return false;
        }
    } else if (r->error) {
        sb_printf(why, "  %s: %s\n", how, r->error);
        if (strstr(r->error, "[no-key]") && !v->c->key)
            sb_puts(why, "  hint: give the corpus a test key (key: and 64 "
                         "hex digits, at its top): keyed masks then need no "
                         "production key\n");
        return false;
    }
    bool ok = true;
    if (!r->error && st->has_expect)
        ok = expect_values(v, st, r, why);
    if (!r->error && st->has_expect_rows && r->rows != st->expect_rows) {
        sb_printf(why, "  expected %lld row%s, got %lld\n",
                  (long long)st->expect_rows, st->expect_rows == 1 ? "" : "s",
                  (long long)r->rows);
        ok = false;
    }
    for (size_t k = 0; ok && k < st->naudits; k++) {
        const CMap *f = &st->audits[k].fields;
        if (!v->audit || !v->audit(v->audit_ctx, f)) {
            runner_audit_missing(why, f);
            ok = false;
        }
    }
    return ok;
}
