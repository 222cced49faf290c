/*
 * test_check.c - the corpus runner's machinery that the CLI tests cannot
 * reach: translation validation catches SQL that disagrees with the
 * decision function; the one verdict fails a wrong expectation on every
 * kind of step; typed comparison.
 */
#include "check.h"

#include "corpus.h"
#include "decide.h"
#include "exhaustive.h"
#include "model.h"
#include "parse.h"
#include "runner.h"
#include "verdict.h"

#include <stdlib.h>
#include <unistd.h>

static const char *const POLICY = "policy t version 1;\n"
                                  "role clerk;\n"
                                  "role boss;\n"
                                  "mask last4 = keep(0, 4);\n"
                                  "table cards {\n"
                                  "  id integer key;\n"
                                  "  number text;\n"
                                  "  holder text;\n"
                                  "  mask number with last4 to clerk;\n"
                                  "  show number to boss;\n"
                                  "  hide holder to clerk;\n"
                                  "}\n";

static Model *build(Arena *a, const char *text)
{
    Diag d;
    diag_init(&d, a);
    Source *src = source_from_string(a, "t.ward", text, strlen(text));
    ParseResult pr;
    Model *m = NULL;
    if (parse_source(a, &d, src, &pr) == 0 && pr.root)
        m = model_build(a, &d, src, pr.root);
    if (d.errors)
        diag_print(&d, stderr);
    diag_dispose(&d);
    return m;
}

/* load_corpus loads TEXT as a corpus of M; NULL after printing errors. */
static Corpus *load_corpus(Arena *a, const Model *m, const char *text)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/ward-test-check-%ld.yaml",
             (long)getpid());
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    Diag d;
    diag_init(&d, a);
    Corpus *c = corpus_load(a, &d, path);
    if (c && !corpus_bind(c, m, &d))
        c = NULL;
    if (d.errors)
        diag_print(&d, stderr);
    diag_dispose(&d);
    remove(path);
    return c;
}

static Corpus *corpus(Arena *a, const Model *m)
{
    return load_corpus(a, m,
                       "fixtures:\n  cards:\n"
                       "    - {id: 1, number: \"6222020200001234\", holder: "
                       "ann}\n"
                       "    - {id: 2, number: \"6222020200005678\", holder: "
                       "bob}\n"
                       "cases: []\n");
}

static void test_exhaustive(void)
{
    Arena a;
    arena_init(&a);
    Model *m = build(&a, POLICY);
    CHECK(m != NULL);
    Corpus *c = m ? corpus(&a, m) : NULL;
    CHECK(c != NULL);
    if (!c) {
        arena_free(&a);
        return;
    }
    ExhaustiveResult r;
    const char *err = NULL;
    CHECK(exhaustive_run(m, c, NULL, &a, &r, &err));
    /* Each role alone and the two together, x 1 (no scenario) x 2 rows x
     * 3 columns. */
    CHECK_INT(r.sessions, 3);
    CHECK_INT(r.multi, 1);
    CHECK_INT(r.checked, 18);
    CHECK_INT(r.nmismatches, 0);

    /* A mutant of the catalog's rank table (a mask above show): each role
     * alone still agrees; the two together see the clerk's mask where the
     * boss's show must win, and are caught. */
    ExhaustiveOptions tamper = {
        NULL, "UPDATE ward_cell SET rank = 3 WHERE effect = 'mask'"};
    CHECK(exhaustive_compare(m, m, c, &tamper, &a, &r, &err));
    CHECK_INT(r.nmismatches, 2);
    CHECK(r.nmismatches &&
          strstr(r.mismatches[0], "roles clerk+boss: cards.number of row 1: "
                                  "the decision (show: ") != NULL);

    /* SQL compiled from a policy where the clerk sees the number in clear,
     * held to the original decisions: every clerk number differs. */
    char *bad = arena_strdup(&a, POLICY);
    char *at = strstr(bad, "mask number with last4 to clerk;");
    memcpy(at, "show number             to clerk;",
           strlen("show number             to clerk;"));
    Model *emit = build(&a, bad);
    CHECK(emit != NULL);
    if (emit) {
        ExhaustiveOptions lite = {NULL, NULL};
        CHECK(exhaustive_compare(m, emit, c, &lite, &a, &r, &err));
        CHECK_INT(r.nmismatches, 2);
        CHECK(r.nmismatches &&
              strstr(r.mismatches[0], "cards.number of row 1: the decision "
                                      "(mask last4") != NULL);
    }
    arena_free(&a);
}

/* Two masks of equal standing: the one written first wins, for a session
 * of both roles; c inherits a, so {a, c} is c alone and {b, c} holds all. */
static const char *const FIRST_POLICY = "policy f version 1;\n"
                                        "role a;\n"
                                        "role b;\n"
                                        "role c inherits a;\n"
                                        "mask head2 = keep(2, 0);\n"
                                        "mask tail4 = keep(0, 4);\n"
                                        "table cards {\n"
                                        "  id integer key;\n"
                                        "  number text;\n"
                                        "  holder text;\n"
                                        "  mask number with head2 to b;\n"
                                        "  mask number with tail4 to a;\n"
                                        "}\n";

static void test_exhaustive_first_written(void)
{
    Arena a;
    arena_init(&a);
    Model *m = build(&a, FIRST_POLICY);
    Corpus *c = m ? corpus(&a, m) : NULL;
    CHECK(c != NULL);
    if (!c) {
        arena_free(&a);
        return;
    }
    /* Equal combination keys give equal values, for every pair of roles:
     * the promise that lets the SQL break ties as it likes. */
    for (int x = 0; x < 3; x++)
        for (int y = 0; y < 3; y++)
            for (int col = 0; col < 3; col++) {
                Outcome ox = decide_role(m, x, -1, 0, col, NULL);
                Outcome oy = decide_role(m, y, -1, 0, col, NULL);
                CombineKey kx = combine_key(m, &ox), ky = combine_key(m, &oy);
                if (kx.rank == ky.rank && kx.pos == ky.pos)
                    CHECK_STR(outcome_text(&a, &ox), outcome_text(&a, &oy));
            }
    ExhaustiveResult r;
    const char *err = NULL;
    CHECK(exhaustive_run(m, c, NULL, &a, &r, &err));
    /* a, b, c alone; all three (which {b, c} is too: c's own decision, no
     * rule naming it, shows the number, and show wins); {a, b}. */
    CHECK_INT(r.sessions, 5);
    CHECK_INT(r.multi, 2);
    CHECK_INT(r.nmismatches, 0);
    /* A mutant of the ordering's second key (the last written first):
     * only the session whose best decisions are the two masks sees it. */
    ExhaustiveOptions tamper = {NULL, "UPDATE ward_cell SET pos = -pos"};
    CHECK(exhaustive_compare(m, m, c, &tamper, &a, &r, &err));
    CHECK_INT(r.nmismatches, 2); /* {a, b} x 2 rows */
    CHECK(r.nmismatches &&
          strstr(r.mismatches[0], "roles a+b: cards.number of row 1: the "
                                  "decision (mask head2") != NULL);
    arena_free(&a);
}

/* Every kind of step, each with a passing case and cases whose one wrong
 * expectation must fail it: no expect* key is ignored on any step. */
static const char *const KINDS_POLICY =
    "policy k version 1;\n"
    "role clerk;\n"
    "role boss;\n"
    "mask last4 = keep(0, 4);\n"
    "table cards {\n"
    "  id integer key;\n"
    "  number text;\n"
    "  amount real;\n"
    "  mask number with last4 to clerk;\n"
    "  show number to boss;\n"
    "  rows all for clerk, boss;\n"
    "  write amount to clerk;\n"
    "  write id, number, amount to boss;\n"
    "}\n"
    "approval export_cards \"export the cards\" {\n"
    "  export cards;\n"
    "  by 1 of boss;\n"
    "}\n"
    "audit cards read number write all;\n";

static const char *const KINDS_CORPUS =
    "fixtures:\n"
    "  cards:\n"
    "    - {id: 1, number: \"6222020200001234\", amount: 300.0}\n"
    "    - {id: 2, number: \"6222020200005678\", amount: 12.5}\n"
    "cases:\n"
    "  - name: ok read\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    read: cards.number\n"
    "    where: {id: 1}\n"
    "    expect: \"************1234\"\n"
    "    expect_audit: {table: cards, column: number, op: read, user: k1}\n"
    "  - name: wrong read value\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    read: cards.number\n"
    "    where: {id: 1}\n"
    "    expect: \"6222020200001234\"\n"
    "  - name: wrong read rows\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    read: cards\n"
    "    expect_rows: 3\n"
    "  - name: wrong read audit\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    read: cards.number\n"
    "    where: {id: 1}\n"
    "    expect_audit: {table: cards, column: number, op: read, user: k2}\n"
    "  - name: wrong read refusal\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    read: cards\n"
    "    expect_error: write-denied\n"
    "  - name: ok typed\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    read: cards\n"
    "    where: {id: 1}\n"
    "    expect: {amount: 300, id: 1.0}\n"
    "  - name: wrong typed\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    read: cards.amount\n"
    "    where: {id: 1}\n"
    "    expect: \"300\"\n"
    "  - name: ok write\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    write: cards\n"
    "    where: {id: 2}\n"
    "    set: {amount: 13}\n"
    "    expect_rows: 1\n"
    "    expect_audit: {table: cards, column: amount, op: update}\n"
    "  - name: wrong write rows\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    write: cards\n"
    "    where: {id: 2}\n"
    "    set: {amount: 13}\n"
    "    expect_rows: 2\n"
    "  - name: wrong write audit\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    write: cards\n"
    "    where: {id: 2}\n"
    "    set: {amount: 13}\n"
    "    expect_audit: {table: cards, column: number, op: update}\n"
    "  - name: wrong write refusal\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    write: cards\n"
    "    where: {id: 2}\n"
    "    set: {number: \"1\"}\n"
    "    expect_error: approval-required\n"
    "  - name: ok insert\n"
    "    session: {roles: [boss], user: b1}\n"
    "    insert: cards\n"
    "    set: {id: 3, number: \"6222020200009999\", amount: 1}\n"
    "    expect_rows: 1\n"
    "  - name: wrong insert rows\n"
    "    session: {roles: [boss], user: b1}\n"
    "    insert: cards\n"
    "    set: {id: 3, number: \"6222020200009999\", amount: 1}\n"
    "    expect_rows: 0\n"
    "  - name: ok delete\n"
    "    session: {roles: [boss], user: b1}\n"
    "    delete: cards\n"
    "    where: {id: 2}\n"
    "    expect_rows: 1\n"
    "    expect_audit: {table: cards, op: delete, user: b1}\n"
    "  - name: wrong delete rows\n"
    "    session: {roles: [boss], user: b1}\n"
    "    delete: cards\n"
    "    where: {id: 2}\n"
    "    expect_rows: 2\n"
    "  - name: ok export\n"
    "    steps:\n"
    "      - session: {roles: [clerk], user: k1}\n"
    "        request: export_cards\n"
    "        reason: audit\n"
    "        expect: 1\n"
    "        expect_rows: 1\n"
    "      - session: {roles: [boss], user: b1}\n"
    "        approve: export_cards\n"
    "        expect: 0\n"
    "      - session: {roles: [clerk], user: k1}\n"
    "        export: cards\n"
    "        where: {id: 1}\n"
    "        expect: {number: \"************1234\", amount: 300}\n"
    "        expect_rows: 1\n"
    "  - name: wrong export value\n"
    "    steps:\n"
    "      - session: {roles: [clerk], user: k1}\n"
    "        request: export_cards\n"
    "        reason: audit\n"
    "      - session: {roles: [boss], user: b1}\n"
    "        approve: export_cards\n"
    "      - session: {roles: [clerk], user: k1}\n"
    "        export: cards\n"
    "        expect: {number: WRONG}\n"
    "  - name: wrong export rows\n"
    "    steps:\n"
    "      - session: {roles: [clerk], user: k1}\n"
    "        request: export_cards\n"
    "        reason: audit\n"
    "      - session: {roles: [boss], user: b1}\n"
    "        approve: export_cards\n"
    "      - session: {roles: [clerk], user: k1}\n"
    "        export: cards\n"
    "        expect_rows: 1\n"
    "  - name: wrong request value\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    request: export_cards\n"
    "    reason: audit\n"
    "    expect: 2\n"
    "  - name: wrong request audit\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    request: export_cards\n"
    "    reason: audit\n"
    "    expect_audit: {op: approve}\n"
    "  - name: wrong approve value\n"
    "    steps:\n"
    "      - session: {roles: [clerk], user: k1}\n"
    "        request: export_cards\n"
    "        reason: audit\n"
    "      - session: {roles: [boss], user: b1}\n"
    "        approve: export_cards\n"
    "        expect: 1\n"
    "  - name: wrong approve refusal\n"
    "    steps:\n"
    "      - session: {roles: [clerk], user: k1}\n"
    "        request: export_cards\n"
    "        reason: audit\n"
    "      - session: {roles: [clerk], user: k1}\n"
    "        approve: export_cards\n"
    "        expect_error: not-approver\n"
    "  - name: ok unknown role\n"
    "    session: {roles: [janitor], user: j1}\n"
    "    read: cards\n"
    "    expect_error: unknown-role\n"
    "  - name: wrong unknown role\n"
    "    session: {roles: [clerk], user: k1}\n"
    "    read: cards\n"
    "    expect_error: unknown-role\n";

/* What each case of KINDS_CORPUS must say: a wrong case fails, naming
 * what was wrong. */
static const char *const KINDS_WANT[][2] = {
    {"ok read", NULL},
    {"wrong read value",
     "cards.number: expected the text \"6222020200001234\", "
     "got the text \"************1234\""},
    {"wrong read rows", "expected 3 rows, got 2"},
    {"wrong read audit", "expected an audit row with table cards column "
                         "number op read user k2"},
    {"wrong read refusal", "expected the refusal [write-denied], and it "
                           "succeeded"},
    {"ok typed", NULL},
    {"wrong typed", "expected the text \"300\", got the real 300"},
    {"ok write", NULL},
    {"wrong write rows", "expected 2 rows, got 1"},
    {"wrong write audit", "expected an audit row with table cards column "
                          "number op update"},
    {"wrong write refusal", "expected the refusal [approval-required], got: "
                            "ward: [write-denied]"},
    {"ok insert", NULL},
    {"wrong insert rows", "expected 0 rows, got 1"},
    {"ok delete", NULL},
    {"wrong delete rows", "expected 2 rows, got 1"},
    {"ok export", NULL},
    {"wrong export value", "number: expected the text \"WRONG\", got the "
                           "text \"************1234\""},
    {"wrong export rows", "expected 1 row, got 2"},
    {"wrong request value", "expected the integer 2, got the integer 1"},
    {"wrong request audit", "expected an audit row with op approve"},
    {"wrong approve value", "expected the integer 1, got the integer 0"},
    {"wrong approve refusal", "expected the refusal [not-approver], got: "
                              "ward: [self-approval]"},
    {"ok unknown role", NULL},
    {"wrong unknown role", "expected the refusal [unknown-role], and it "
                           "succeeded"},
};

static void test_every_kind(void)
{
    Arena a;
    arena_init(&a);
    Model *m = build(&a, KINDS_POLICY);
    Corpus *c = m ? load_corpus(&a, m, KINDS_CORPUS) : NULL;
    CHECK(c != NULL);
    RunResult rr;
    const char *err = NULL;
    if (!c || !runner_run(m, c, &a, &rr, &err)) {
        CHECK(!"the corpus runs");
        arena_free(&a);
        return;
    }
    size_t n = sizeof KINDS_WANT / sizeof *KINDS_WANT;
    CHECK_INT(rr.ncases, n);
    for (size_t i = 0; i < n && i < rr.ncases; i++) {
        const CaseResult *cr = &rr.cases[i];
        CHECK_STR(cr->c->name, KINDS_WANT[i][0]);
        const char *want = KINDS_WANT[i][1];
        CHECK(cr->pass == (want == NULL));
        if (want && (!cr->failure || !strstr(cr->failure, want)))
            fprintf(stderr, "case '%s' failed with:\n%s  want: %s\n",
                    cr->c->name, cr->failure ? cr->failure : "(nothing)\n",
                    want);
        CHECK(!want || (cr->failure && strstr(cr->failure, want)));
        if (!want && !cr->pass)
            fprintf(stderr, "case '%s' failed:\n%s", cr->c->name, cr->failure);
    }
    arena_free(&a);
}

/* Expected values convert to the column's type where that is exact. */
static void test_convert(void)
{
    CVal i300 = {CV_INT, 300, 0, "300", 3, {0}};
    CVal r300 = {CV_REAL, 0, 300.0, "300.0", 5, {0}};
    CVal r3005 = {CV_REAL, 0, 300.5, "300.5", 5, {0}};
    CVal t300 = {CV_TEXT, 0, 0, "300", 3, {0}};
    CVal one = {CV_INT, 1, 0, "1", 1, {0}};
    CVal yes = {CV_BOOL, 1, 0, "true", 4, {0}};

    CVal v = verdict_convert(&i300, TYPE_REAL);
    CHECK(v.kind == CV_REAL && v.r == 300.0);
    CHECK(verdict_same(&v, &r300));
    v = verdict_convert(&r300, TYPE_INTEGER);
    CHECK(v.kind == CV_INT && v.i == 300);
    v = verdict_convert(&r3005, TYPE_INTEGER);
    CHECK(v.kind == CV_REAL); /* inexact: stays a real, and fails */
    CHECK(!verdict_same(&v, &i300));
    v = verdict_convert(&i300, TYPE_TEXT);
    CHECK(v.kind == CV_TEXT && verdict_same(&v, &t300));
    v = verdict_convert(&t300, TYPE_INTEGER);
    CHECK(v.kind == CV_TEXT); /* text never converts */
    CHECK(!verdict_same(&v, &i300));
    v = verdict_convert(&one, TYPE_BOOLEAN);
    CHECK(v.kind == CV_BOOL && verdict_same(&v, &yes));
    CHECK(verdict_same(&yes, &one)); /* SQLite has no booleans */
    CVal big = {CV_REAL, 0,  9223372036854775808.0, "9223372036854775808.0",
                21,      {0}};
    v = verdict_convert(&big, TYPE_INTEGER);
    CHECK(v.kind == CV_REAL); /* beyond int64: no conversion */
}

/* The corpus's key is the run's key, and the environment is as it was
 * after: a production key file that would fail the run is set aside. */
static void test_key_env(void)
{
    Arena a;
    arena_init(&a);
    Model *m = build(&a, "policy d version 1;\n"
                         "role sales;\n"
                         "table orders {\n"
                         "  id integer key;\n"
                         "  customer text;\n"
                         "  mask customer with hmac(\"customer\") to sales;\n"
                         "}\n");
    Corpus *c =
        m ? load_corpus(
                &a, m,
                "key: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
                "1c1d1e1f\n"
                "fixtures:\n  orders:\n    - {id: 1, customer: acme}\n"
                "cases:\n"
                "  - name: a stable pseudonym\n"
                "    session: {roles: [sales], user: s1}\n"
                "    read: orders.customer\n"
                "    where: {id: 1}\n"
                "    expect: 0fb809a498e2d5fb4c6a184f85c599b905922b8020a07f48af"
                "3d42bfbfbcc544\n")
          : NULL;
    CHECK(c != NULL);
    setenv("WARD_KEY_FILE", "/nonexistent/ward.key", 1);
    unsetenv("WARD_KEY");
    RunResult rr;
    const char *err = NULL;
    CHECK(c && runner_run(m, c, &a, &rr, &err));
    CHECK(c && rr.failed == 0);
    if (c && rr.failed)
        fprintf(stderr, "%s", rr.cases[0].failure);
    CHECK_STR(getenv("WARD_KEY_FILE"), "/nonexistent/ward.key");
    CHECK(getenv("WARD_KEY") == NULL);
    unsetenv("WARD_KEY_FILE");
    arena_free(&a);
}

int main(void)
{
    test_exhaustive();
    test_exhaustive_first_written();
    test_every_kind();
    test_convert();
    test_key_env();
    return check_report("test_check");
}
