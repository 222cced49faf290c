/*
 * check_report.c - `ward check` end to end (see check_report.h).
 */
#include "check_report.h"

#include "corpus.h"
#include "coverage.h"
#include "exhaustive.h"
#include "mutate.h"
#include "run_postgres.h"
#include "runner.h"
#include "emit_postgres.h"
#include "emit_sqlite.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* CheckRun is one check's results: cases, coverage, and the optional
 * exhaustive and mutation runs. */
typedef struct CheckRun {
    const Model *m;
    const Corpus *c;
    const char *corpus_path;
    RunResult run;
    Coverage cov;
    bool mutated;
    MutationResult mut;
    bool below_min;
    bool exhausted;
    ExhaustiveResult exh;
} CheckRun;

/* ---- text ---- */

static void text_report(const CheckRun *r, const CheckOptions *o, FILE *out)
{
    bool colour = isatty(fileno(out)) && !getenv("NO_COLOR");
    const char *red = colour ? "\033[31m" : "",
               *green = colour ? "\033[32m" : "",
               *off = colour ? "\033[0m" : "";
    for (size_t i = 0; i < r->run.ncases; i++) {
        const CaseResult *cr = &r->run.cases[i];
        if (cr->pass) {
            fprintf(out, "%sok%s   %s\n", green, off, cr->c->name);
            continue;
        }
        size_t line, col;
        srcmap_line_col(cr->c->at.file, cr->c->at.begin, &line, &col);
        fprintf(out, "%sFAIL%s %s (%s:%zu:%zu)\n%s", red, off, cr->c->name,
                cr->c->at.file->name, line, col, cr->failure);
    }
    fprintf(out, "%zu case%s: %zu passed, %zu failed\n", r->run.ncases,
            r->run.ncases == 1 ? "" : "s", r->run.ncases - r->run.failed,
            r->run.failed);
    fprintf(out, "coverage: rules %zu/%zu (%.1f%%), cells %zu/%zu (%.1f%%)\n",
            r->cov.rules_covered, r->cov.rules, r->cov.rule_pct,
            r->cov.cells_covered, r->cov.cells, r->cov.cell_pct);
    for (size_t i = 0; i < r->cov.nmissing; i++)
        fprintf(out, "%s\n", r->cov.missing[i]);
    if (r->below_min)
        fprintf(out, "%scoverage %.1f%% is below the minimum %.1f%%%s\n", red,
                coverage_pct(&r->cov), o->min_coverage, off);
    if (r->exhausted) {
        fprintf(out,
                "exhaustive: %zu values in %zu sessions (%zu of several "
                "roles) held to the decision function, %zu mismatch%s (%zu "
                "table x session pairs skipped)\n",
                r->exh.checked, r->exh.sessions, r->exh.multi,
                r->exh.nmismatches, r->exh.nmismatches == 1 ? "" : "es",
                r->exh.skipped);
        if (r->exh.unrun)
            fprintf(out,
                    "exhaustive: %zu role sets beyond the first %d not run\n",
                    r->exh.unrun, EXHAUSTIVE_MAX_SETS);
        for (size_t i = 0; i < r->exh.nmismatches && i < 20; i++)
            fprintf(out, "  %smismatch%s: %s\n", red, off,
                    r->exh.mismatches[i]);
    }
    if (r->mutated) {
        fprintf(out, "mutants: %zu, killed %zu, survived %zu\n", r->mut.n,
                r->mut.n - r->mut.survived, r->mut.survived);
        for (size_t i = 0; i < r->mut.n; i++)
            if (!r->mut.mutants[i].killed)
                fprintf(out, "  %ssurvived%s: %s\n", red, off,
                        r->mut.mutants[i].what);
    }
}

/* ---- JSON ---- */

static void json_str(FILE *out, const char *s)
{
    StrBuf sb;
    sb_init(&sb);
    sb_put_json(&sb, s ? s : "", s ? strlen(s) : 0);
    fputs(sb_cstr(&sb), out);
    sb_free(&sb);
}

static void json_report(const CheckRun *r, const CheckOptions *o, FILE *out)
{
    fputs("{\n  \"policy\": ", out);
    json_str(out, o->policy);
    fputs(",\n  \"corpus\": ", out);
    json_str(out, r->corpus_path);
    fputs(",\n  \"target\": ", out);
    json_str(out, o->target ? o->target : "sqlite");
    fprintf(out,
            ",\n  \"passed\": %zu,\n"
            "  \"failed\": %zu,\n  \"cases\": [",
            r->run.ncases - r->run.failed, r->run.failed);
    for (size_t i = 0; i < r->run.ncases; i++) {
        const CaseResult *cr = &r->run.cases[i];
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
        json_str(out, cr->c->name);
        fprintf(out, ", \"pass\": %s, \"ms\": %.3f",
                cr->pass ? "true" : "false", cr->ms);
        if (!cr->pass) {
            fputs(", \"failure\": ", out);
            json_str(out, cr->failure);
        }
        fputc('}', out);
    }
    fprintf(out,
            "\n  ],\n  \"coverage\": {\"rules\": %zu, \"rules_covered\": %zu, "
            "\"cells\": %zu, \"cells_covered\": %zu, \"percent\": %.1f, "
            "\"uncovered\": {\"rules\": [",
            r->cov.rules, r->cov.rules_covered, r->cov.cells,
            r->cov.cells_covered, coverage_pct(&r->cov));
    for (size_t i = 0; i < r->cov.nrules_missing; i++) {
        fputs(i ? ", " : "", out);
        json_str(out, r->cov.rules_missing[i]);
    }
    fputs("], \"cells\": [", out);
    for (size_t i = 0; i < r->cov.ngaps; i++) {
        const CoverGap *g = &r->cov.gaps[i];
        fputs(i ? ",\n    {\"role\": " : "\n    {\"role\": ", out);
        json_str(out, r->m->roles[g->role].name);
        fputs(", \"scenario\": ", out);
        if (g->scenario < 0)
            fputs("null", out);
        else
            json_str(out, r->m->scenarios[g->scenario].name);
        fputs(", \"columns\": [", out);
        for (size_t k = 0; k < g->ncolumns; k++) {
            fputs(k ? ", " : "", out);
            json_str(out, g->columns[k]);
        }
        fputs("]}", out);
    }
    fputs("]}}", out);
    if (o->has_min)
        fprintf(out, ",\n  \"min_coverage\": %.1f", o->min_coverage);
    if (r->exhausted) {
        fprintf(out,
                ",\n  \"exhaustive\": {\"checked\": %zu, \"sessions\": %zu, "
                "\"multi_role_sessions\": %zu, \"skipped\": %zu, "
                "\"role_sets_not_run\": %zu, \"mismatches\": [",
                r->exh.checked, r->exh.sessions, r->exh.multi, r->exh.skipped,
                r->exh.unrun);
        for (size_t i = 0; i < r->exh.nmismatches && i < 20; i++) {
            fputs(i ? ", " : "", out);
            json_str(out, r->exh.mismatches[i]);
        }
        fputs("]}", out);
    }
    if (r->mutated) {
        fprintf(out, ",\n  \"mutants\": {\"total\": %zu, \"survived\": [",
                r->mut.n);
        bool first = true;
        for (size_t i = 0; i < r->mut.n; i++)
            if (!r->mut.mutants[i].killed) {
                fputs(first ? "" : ", ", out);
                json_str(out, r->mut.mutants[i].what);
                first = false;
            }
        fputs("]}", out);
    }
    fputs("\n}\n", out);
}

/* ---- JUnit XML ---- */

static void xml(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default:
            /* XML 1.0 allows no control characters but tab and newline. */
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputc(' ', out);
            else
                fputc(*s, out);
        }
    }
}

static void junit_case(FILE *out, const char *cls, const char *name, double ms,
                       const char *failure)
{
    fputs("    <testcase classname=\"", out);
    xml(out, cls);
    fputs("\" name=\"", out);
    xml(out, name);
    fprintf(out, "\" time=\"%.3f\"", ms / 1000.0);
    if (!failure) {
        fputs("/>\n", out);
        return;
    }
    const char *nl = strchr(failure, '\n');
    fputs(">\n      <failure message=\"", out);
    char first[512];
    snprintf(first, sizeof first, "%.*s",
             (int)(nl ? (size_t)(nl - failure) : strlen(failure)), failure);
    xml(out, first);
    fputs("\">", out);
    xml(out, failure);
    fputs("</failure>\n    </testcase>\n", out);
}

static void junit_report(const CheckRun *r, const CheckOptions *o, FILE *out)
{
    size_t tests =
        r->run.ncases + 1 + (r->mutated ? 1 : 0) + (r->exhausted ? 1 : 0);
    size_t failures = r->run.failed + (r->below_min ? 1 : 0) +
                      (r->mutated && r->mut.survived ? 1 : 0) +
                      (r->exhausted && r->exh.nmismatches ? 1 : 0);
    double total = 0;
    for (size_t i = 0; i < r->run.ncases; i++)
        total += r->run.cases[i].ms;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
          "  <testsuite name=\"ward check ",
          out);
    xml(out, o->policy);
    fprintf(out,
            "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
            "time=\"%.3f\">\n",
            tests, failures, total / 1000.0);
    for (size_t i = 0; i < r->run.ncases; i++) {
        const CaseResult *cr = &r->run.cases[i];
        junit_case(out, r->m->name, cr->c->name, cr->ms,
                   cr->pass ? NULL : cr->failure);
    }
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "coverage %.1f%% is below the minimum %.1f%%\n",
              coverage_pct(&r->cov), o->min_coverage);
    for (size_t i = 0; i < r->cov.nmissing; i++)
        sb_printf(&sb, "%s\n", r->cov.missing[i]);
    junit_case(out, r->m->name, "coverage", 0, r->below_min ? sb.data : NULL);
    if (r->exhausted) {
        sb_reset(&sb);
        sb_printf(&sb, "%zu values differ from the decision function\n",
                  r->exh.nmismatches);
        for (size_t i = 0; i < r->exh.nmismatches && i < 20; i++)
            sb_printf(&sb, "mismatch: %s\n", r->exh.mismatches[i]);
        junit_case(out, r->m->name, "exhaustive", 0,
                   r->exh.nmismatches ? sb.data : NULL);
    }
    if (r->mutated) {
        sb_reset(&sb);
        sb_printf(&sb, "%zu of %zu mutants survived\n", r->mut.survived,
                  r->mut.n);
        for (size_t i = 0; i < r->mut.n; i++)
            if (!r->mut.mutants[i].killed)
                sb_printf(&sb, "survived: %s\n", r->mut.mutants[i].what);
        junit_case(out, r->m->name, "mutants", 0,
                   r->mut.survived ? sb.data : NULL);
    }
    sb_free(&sb);
    fputs("  </testsuite>\n</testsuites>\n", out);
}

/* ---- running ---- */

/* run loads and runs the corpus of M; 0, 1 or 2. */
static int run(const Model *m, const CheckOptions *o, Arena *a, Diag *d,
               CheckRun *r)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->corpus_path = o->corpus ? o->corpus : m->corpus_path;
    if (!r->corpus_path) {
        diag_error(d, m->at,
                   "policy %s names no corpus: add `corpus \"FILE\";` or "
                   "give --corpus",
                   m->name);
        return 2;
    }
    Corpus *c = corpus_load(a, d, r->corpus_path);
    if (!c || !corpus_bind(c, m, d))
        return 2;
    r->c = c;
    const char *err = NULL;
    bool pg = o->target && strcmp(o->target, "postgres") == 0;
    if (pg ? !emit_postgres_check(m, d) : !emit_sqlite_check(m, d))
        return 2;
    if (pg ? !runner_run_postgres(m, c, o->dsn, false, a, &r->run, &err)
           : !runner_run(m, c, a, &r->run, &err)) {
        fprintf(stderr, "ward check: %s\n", err);
        return 2;
    }
    coverage_compute(m, &r->run.ex, a, &r->cov);
    r->below_min = o->has_min && coverage_pct(&r->cov) < o->min_coverage;
    if (o->exhaustive) {
        if (!exhaustive_run(m, c, pg ? o->dsn : NULL, a, &r->exh, &err)) {
            fprintf(stderr, "ward check: %s\n", err);
            return 2;
        }
        r->exhausted = true;
    }
    if (o->mutate) {
        if (!mutate_run(m, c, pg ? o->dsn : NULL, a, &r->mut, &err)) {
            fprintf(stderr, "ward check: %s\n", err);
            return 2;
        }
        r->mutated = true;
    }
    return r->run.failed || r->below_min || (r->mutated && r->mut.survived) ||
                   (r->exhausted && r->exh.nmismatches)
               ? 1
               : 0;
}

static int print_diagnostics(Diag *d)
{
    diag_print(d, stderr);
    return d->errors ? 2 : 0;
}

int check_policy(const CheckOptions *o, FILE *out)
{
    Arena a;
    arena_init(&a);
    Diag d;
    diag_init(&d, &a);
    Model *m = load_policy(&a, &d, o->policy, NULL);
    int rc = 2;
    CheckRun r;
    if (m && !d.errors) {
        rc = run(m, o, &a, &d, &r);
        if (rc != 2) {
            if (strcmp(o->format, "json") == 0)
                json_report(&r, o, out);
            else if (strcmp(o->format, "junit") == 0)
                junit_report(&r, o, out);
            else
                text_report(&r, o, out);
        }
    }
    if (print_diagnostics(&d))
        rc = 2;
    diag_dispose(&d);
    arena_free(&a);
    return rc;
}

int check_model(const Model *m, const char *corpus)
{
    Arena a;
    arena_init(&a);
    Diag d;
    diag_init(&d, &a);
    CheckOptions o = {.corpus = corpus, .format = "text"};
    CheckRun r;
    int rc = run(m, &o, &a, &d, &r);
    if (rc == 1) {
        for (size_t i = 0; i < r.run.ncases; i++)
            if (!r.run.cases[i].pass)
                fprintf(stderr, "ward compile: case '%s' failed\n%s",
                        r.run.cases[i].c->name, r.run.cases[i].failure);
        fprintf(stderr,
                "ward compile: %zu of %zu cases of %s failed; nothing "
                "written\n",
                r.run.failed, r.run.ncases, r.corpus_path);
    } else if (rc == 0) {
        fprintf(stderr, "ward compile: %s: %zu cases passed\n", r.corpus_path,
                r.run.ncases);
    }
    if (print_diagnostics(&d))
        rc = 2;
    diag_dispose(&d);
    arena_free(&a);
    return rc;
}
