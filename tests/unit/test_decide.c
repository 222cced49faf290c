/*
 * test_decide.c - the decision function against what docs/semantics.md
 * says: docs/semantics.md#column-reads, docs/semantics.md#rows,
 * docs/semantics.md#writes, docs/semantics.md#approvals.
 *
 * Each test compiles a small policy from a string and asks decide_* about
 * sessions, one semantic rule at a time: bases and defaults, the union of
 * roles, inheritance, scenario narrowing and granting, masks of equal
 * standing, conflicts, rows and writes; then the running example.
 */
#include "check.h"

#include "decide.h"
#include "parse.h"
#include "report.h"

#include <stdlib.h>

static Arena arena;

/* build compiles TEXT; returns NULL (and the error count) on errors. */
static Model *build(const char *text, int *errors)
{
    Diag d;
    diag_init(&d, &arena);
    Source *src = source_from_string(&arena, "t.ward", text, strlen(text));
    ParseResult pr;
    Model *m = NULL;
    if (parse_source(&arena, &d, src, &pr) == 0)
        m = model_build(&arena, &d, src, pr.root);
    if (errors)
        *errors = d.errors;
    if (!m && !errors)
        diag_print(&d, stderr);
    diag_dispose(&d);
    return m;
}

/* session_of holds the comma-separated ROLES in SCENARIO (NULL: none). */
static Session session_of(const Model *m, const char *roles,
                          const char *scenario)
{
    Session s;
    session_init(&s, m, &arena);
    char *copy = arena_strdup(&arena, roles);
    for (char *save = NULL, *r = strtok_r(copy, ",", &save); r;
         r = strtok_r(NULL, ",", &save))
        session_add_role(&s, m, model_role(m, r));
    s.scenario = scenario ? model_scenario(m, scenario) : -1;
    return s;
}

/* cell decides TABLE.COLUMN for ROLES in SCENARIO and returns its text:
 * show, hide or "mask NAME". */
static const char *cell(const Model *m, const char *roles, const char *scenario,
                        const char *table, const char *column)
{
    Session s = session_of(m, roles, scenario);
    int t = model_table(m, table);
    Decision d;
    decide_column(m, &s, t, model_column(m, t, column), &arena, &d);
    return outcome_text(&arena, &d.result);
}

static Why why(const Model *m, const char *role, const char *scenario,
               const char *column)
{
    Session s;
    session_init(&s, m, &arena);
    session_add_role(&s, m, model_role(m, role));
    s.scenario = scenario ? model_scenario(m, scenario) : -1;
    Decision d;
    decide_column(m, &s, 0, model_column(m, 0, column), NULL, &d);
    return d.result.why;
}

#define HEAD "policy p version 1;\n"

static void test_bases(void)
{
    Model *m = build(
        HEAD "role a; role b;\n"
             "mask m1 = keep(1, 0);\n"
             "classification c.mask default mask m1;\n"
             "classification c.hide default hide;\n"
             "classification c.show default show;\n"
             "classification c.none;\n"
             "table t {\n"
             "  plain text; cm text c.mask; ch text c.hide; cs text c.show;\n"
             "  cn text c.none; cd text c.mask; rr text c.hide;\n"
             "  hide cd;\n"
             "  show rr to a;\n"
             "  mask rr with m1;\n"
             "}\n",
        NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_STR(cell(m, "a", NULL, "t", "plain"), "show");
    CHECK_INT(why(m, "a", NULL, "plain"), WHY_UNCLASSIFIED);
    CHECK_STR(cell(m, "a", NULL, "t", "cm"), "mask m1");
    CHECK_INT(why(m, "a", NULL, "cm"), WHY_CLASS_DEFAULT);
    CHECK_STR(cell(m, "a", NULL, "t", "ch"), "hide");
    CHECK_STR(cell(m, "a", NULL, "t", "cs"), "show");
    /* A classification without a default hides its columns. */
    CHECK_STR(cell(m, "a", NULL, "t", "cn"), "hide");
    CHECK_INT(why(m, "a", NULL, "cn"), WHY_CLASS_NO_DEFAULT);
    /* The column's own default beats the classification's. */
    CHECK_STR(cell(m, "a", NULL, "t", "cd"), "hide");
    CHECK_INT(why(m, "a", NULL, "cd"), WHY_COLUMN_DEFAULT);
    /* A rule naming the role beats the column default. */
    CHECK_STR(cell(m, "a", NULL, "t", "rr"), "show");
    CHECK_INT(why(m, "a", NULL, "rr"), WHY_ROLE_RULE);
    CHECK_STR(cell(m, "b", NULL, "t", "rr"), "mask m1");
}

static void test_union_and_inheritance(void)
{
    Model *m =
        build(HEAD "role agent; role super inherits agent; role ph; role aud;\n"
                   "mask m1 = keep(1, 0); mask m2 = keep(0, 1);\n"
                   "table t {\n"
                   "  x text; y text; z text;\n"
                   "  show x to agent;\n"
                   "  hide x to ph;\n"
                   "  mask y with m2 to aud;\n"
                   "  mask y with m1 to ph;\n"
                   "  hide y;\n"
                   "  hide z to agent;\n"
                   "  mask z with m1 to super;\n"
                   "}\n",
              NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    /* Inheritance: super holds agent, so agent's show reaches it. */
    CHECK_STR(cell(m, "super", NULL, "t", "x"), "show");
    CHECK_STR(cell(m, "ph", NULL, "t", "x"), "hide");
    /* Roles only add access: show beats hide. */
    CHECK_STR(cell(m, "ph,agent", NULL, "t", "x"), "show");
    /* mask beats hide */
    CHECK_STR(cell(m, "agent,ph", NULL, "t", "y"), "mask m1");
    CHECK_STR(cell(m, "agent", NULL, "t", "y"), "hide");
    /* Two masks of equal standing: the rule written first wins, whatever
     * the order of roles. */
    CHECK_STR(cell(m, "ph,aud", NULL, "t", "y"), "mask m2");
    CHECK_STR(cell(m, "aud,ph", NULL, "t", "y"), "mask m2");
    /* An inherited hide does not stop the role's own mask. */
    CHECK_STR(cell(m, "super", NULL, "t", "z"), "mask m1");
    CHECK_STR(cell(m, "agent", NULL, "t", "z"), "hide");
    /* A session without roles sees nothing. */
    Session s;
    session_init(&s, m, &arena);
    Decision d;
    decide_column(m, &s, 0, 0, NULL, &d);
    CHECK_INT(d.result.effect, EFFECT_HIDE);
    CHECK_INT(d.result.why, WHY_NO_ROLE);
}

static void test_scenarios(void)
{
    Model *m = build(HEAD "role a; role b; role c;\n"
                          "scenario call; scenario review;\n"
                          "mask m1 = keep(1, 0); mask m2 = keep(0, 1);\n"
                          "table t {\n"
                          "  s text; k text; h text; g text; w text;\n"
                          "  show s to a, b;\n"
                          "  hide s in call;\n"
                          "  show s to b in call;\n"
                          "  mask k with m1 to a;\n"
                          "  mask k with m2 in call;\n"
                          "  hide h;\n"
                          "  mask h with m1 in call;\n"
                          "  show h in review;\n"
                          "  hide g;\n"
                          "  show g to c in call;\n"
                          "  mask w with m1 in call;\n"
                          "}\n",
                     NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    /* No scenario: the base decides. */
    CHECK_STR(cell(m, "a", NULL, "t", "s"), "show");
    /* A scenario-wide hide narrows a shown column. */
    CHECK_STR(cell(m, "a", "call", "t", "s"), "hide");
    CHECK_INT(why(m, "a", "call", "s"), WHY_SCENARIO_NARROW);
    /* A rule naming role and scenario decides outright. */
    CHECK_STR(cell(m, "b", "call", "t", "s"), "show");
    CHECK_INT(why(m, "b", "call", "s"), WHY_SCENARIO_ROLE);
    /* Another scenario leaves the base alone. */
    CHECK_STR(cell(m, "a", "review", "t", "s"), "show");
    /* A scenario mask replaces another mask ... */
    CHECK_STR(cell(m, "a", "call", "t", "k"), "mask m2");
    /* ... and never unhides. */
    CHECK_STR(cell(m, "a", "call", "t", "h"), "hide");
    /* A scenario-wide show never widens. */
    CHECK_STR(cell(m, "a", "review", "t", "h"), "hide");
    /* Only a rule naming both role and scenario grants within it. */
    CHECK_STR(cell(m, "c", "call", "t", "g"), "show");
    CHECK_STR(cell(m, "c", NULL, "t", "g"), "hide");
    /* An unclassified shown column is masked by a scenario mask. */
    CHECK_STR(cell(m, "b", "call", "t", "w"), "mask m1");
    CHECK_STR(cell(m, "b", NULL, "t", "w"), "show");
    /* Union inside a scenario: b's grant beats a's narrowed hide. */
    CHECK_STR(cell(m, "a,b", "call", "t", "s"), "show");
}

static void test_conflicts(void)
{
    int errors = 0;
    Model *m = build(HEAD "role a;\ntable t { x text; show x to a; "
                          "hide x to a; }\n",
                     &errors);
    CHECK(m == NULL);
    CHECK_INT(errors, 1);
    /* Both naming no role, in one scenario. */
    m = build(HEAD "role a; scenario s; mask m = keep(1, 1);\n"
                   "table t { x text; hide x in s; mask x with m in s; }\n",
              &errors);
    CHECK(m == NULL);
    CHECK_INT(errors, 1);
    /* Different masks for the same role: a conflict too. */
    m = build(HEAD "role a; mask m = keep(1, 1); mask n = keep(2, 1);\n"
                   "table t { x text; mask x with m to a; "
                   "mask x with n to a; }\n",
              &errors);
    CHECK(m == NULL);
    /* The same effect twice is no conflict; other scenario neither. */
    m = build(HEAD "role a; scenario s;\n"
                   "table t { x text; show x to a; show x to a; "
                   "hide x to a in s; }\n",
              &errors);
    CHECK(m != NULL);
    CHECK_INT(errors, 0);
}

static int rows_kind(const Model *m, const char *roles, size_t *nrules)
{
    Session s = session_of(m, roles, NULL);
    RowFilter f;
    decide_rows(m, &s, 0, &arena, &f);
    *nrules = f.nrules;
    return f.kind;
}

static void test_rows(void)
{
    Model *m = build(HEAD "role mgr; role rep; role sup; role other;\n"
                          "table t { store integer; owner text;\n"
                          "  rows where store = session.store for mgr;\n"
                          "  rows where owner = current_user for rep;\n"
                          "  rows all for sup;\n"
                          "}\n"
                          "table free { x text; }\n",
                     NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    size_t n = 0;
    CHECK_INT(rows_kind(m, "mgr", &n), ROWS_WHERE);
    CHECK_INT(n, 1);
    /* A union of the rules naming the session's roles. */
    CHECK_INT(rows_kind(m, "mgr,rep", &n), ROWS_WHERE);
    CHECK_INT(n, 2);
    /* rows all absorbs the rest. */
    CHECK_INT(rows_kind(m, "mgr,sup", &n), ROWS_ALL);
    /* Deny by default once a table has rows rules. */
    CHECK_INT(rows_kind(m, "other", &n), ROWS_NONE);
    /* A table without rows rules shows every row. */
    Session s;
    session_init(&s, m, &arena);
    session_add_role(&s, m, model_role(m, "other"));
    RowFilter f;
    decide_rows(m, &s, model_table(m, "free"), &arena, &f);
    CHECK_INT(f.kind, ROWS_ALL);
}

static void test_writes(void)
{
    Model *m = build(HEAD "role agent; role super inherits agent; role ph;\n"
                          "table t { name text; phone text; id text;\n"
                          "  write name, phone to agent;\n"
                          "  write id to super;\n"
                          "}\n",
                     NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    Session s;
    session_init(&s, m, &arena);
    session_add_role(&s, m, model_role(m, "agent"));
    const WriteRule *by = NULL;
    CHECK(decide_write(m, &s, 0, 0, &by));
    CHECK(by != NULL);
    CHECK(!decide_write(m, &s, 0, 2, &by));
    CHECK(by == NULL);
    Session sup;
    session_init(&sup, m, &arena);
    session_add_role(&sup, m, model_role(m, "super"));
    CHECK(decide_write(m, &sup, 0, 1, NULL)); /* inherited from agent */
    CHECK(decide_write(m, &sup, 0, 2, NULL));
    Session ph;
    session_init(&ph, m, &arena);
    session_add_role(&ph, m, model_role(m, "ph"));
    CHECK(!decide_write(m, &ph, 0, 0, NULL));
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The running example, against what docs/semantics.md says it means. */
static void test_running_example(void)
{
    char *text = slurp("policies/gsp_pharmacy.ward");
    CHECK(text != NULL);
    if (!text)
        return;
    Model *m = build(text, NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    /* only customer-service supervisors see full phone numbers */
    CHECK_STR(cell(m, "cs_supervisor", NULL, "customers", "phone"), "show");
    CHECK_STR(cell(m, "cs_agent", NULL, "customers", "phone"),
              "mask phone_mid");
    CHECK_STR(cell(m, "compliance", NULL, "customers", "phone"),
              "mask phone_mid");
    /* pharmacists see medication history but never contact details */
    CHECK_STR(cell(m, "pharmacist", NULL, "customers", "medication"), "show");
    CHECK_STR(cell(m, "pharmacist", NULL, "customers", "phone"), "hide");
    CHECK_STR(cell(m, "pharmacist", "outbound_call", "customers", "phone"),
              "hide");
    /* on the outbound-call screen the ID's last four are hidden */
    CHECK_STR(cell(m, "cs_supervisor", "outbound_call", "customers", "id_card"),
              "mask id_tail");
    CHECK_STR(cell(m, "cs_supervisor", NULL, "customers", "id_card"), "show");
    CHECK_STR(cell(m, "cs_agent", "outbound_call", "customers", "id_card"),
              "hide");
    /* medication is hidden on the call screen except for pharmacists */
    CHECK_STR(
        cell(m, "cs_supervisor", "outbound_call", "customers", "medication"),
        "hide");
    CHECK_STR(cell(m, "pharmacist", "outbound_call", "customers", "medication"),
              "show");
    CHECK_STR(cell(m, "cs_agent", NULL, "customers", "name"), "mask surname");
    size_t n;
    CHECK_INT(rows_kind(m, "store_manager", &n), ROWS_WHERE);
    CHECK_INT(rows_kind(m, "cs_agent", &n), ROWS_ALL);
    CHECK_INT(m->napprovals, 1);
    CHECK_INT(m->approvals[0].count, 1);
    CHECK_INT(m->approvals[0].expires, 24 * 3600);
}

/* Membership rows rules: the model resolves each test for the emitters,
 * and decide_rows treats the rule as any other rows rule. */
static void test_membership(void)
{
    Model *m = build(
        HEAD "role mkt; role mgr; role fin;\n"
             "table doctors { id integer key; region text;\n"
             "  rows where id in (select doctor_id from attendance) for mkt;\n"
             "  rows where region = \"x\" or region not in (select region\n"
             "    from regions where manager = current_user) for mgr;\n"
             "}\n"
             "table attendance { doctor_id integer; event_id integer; }\n"
             "table regions { manager text; region text; }\n",
        NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_INT(m->nrowrules, 2);
    const RowRule *mkt = &m->rowrules[0], *mgr = &m->rowrules[1];
    CHECK_INT(mkt->nmembers, 1);
    CHECK_INT(mkt->members[0].table, model_table(m, "attendance"));
    CHECK_INT(mkt->members[0].column, 0);
    CHECK(mkt->members[0].where == NULL);
    CHECK(!mkt->members[0].negated);
    CHECK(model_membership(m, mkt->expr) == &mkt->members[0]);
    CHECK_INT(mgr->nmembers, 1);
    CHECK_INT(mgr->members[0].table, model_table(m, "regions"));
    CHECK_INT(mgr->members[0].column, 1);
    CHECK(mgr->members[0].where != NULL);
    CHECK(mgr->members[0].negated);
    /* The or's right side is the membership node. */
    CHECK(model_membership(m, mgr->expr->as.binary.right) == &mgr->members[0]);
    CHECK(model_membership(m, mgr->expr) == NULL);
    size_t n = 0;
    CHECK_INT(rows_kind(m, "mkt", &n), ROWS_WHERE);
    CHECK_INT(rows_kind(m, "mkt,mgr", &n), ROWS_WHERE);
    CHECK_INT(n, 2);
    CHECK_INT(rows_kind(m, "fin", &n), ROWS_NONE);
    /* The other table's own rows are not filtered by these rules. */
    Session s = session_of(m, "mkt", NULL);
    RowFilter f;
    decide_rows(m, &s, model_table(m, "attendance"), &arena, &f);
    CHECK_INT(f.kind, ROWS_ALL);
    ModelFeature what;
    CHECK(model_uses_v11(m, &what));
    CHECK_STR(what.what, "a membership test (in (select ...))");
    CHECK_INT(what.at.begin, mkt->members[0].at.begin);
}

/* The voters' closed role sets for decide_approval_met, from "a,b;c". */
static size_t voters_of(const Model *m, const char *spec, const bool **out,
                        size_t cap)
{
    size_t n = 0;
    char *copy = arena_strdup(&arena, spec);
    for (char *save = NULL, *v = strtok_r(copy, ";", &save); v && n < cap;
         v = strtok_r(NULL, ";", &save)) {
        Session s = session_of(m, v, NULL);
        out[n++] = s.roles;
    }
    return n;
}

static bool met(const Model *m, int approval, const char *spec)
{
    const bool *v[16];
    size_t n = voters_of(m, spec, v, 16);
    return decide_approval_met(&m->approvals[approval], v, n);
}

/* by N of ROLES counts distinct voters; clauses joined by 'and' are each
 * filled by different people. */
static void test_approval_clauses(void)
{
    Model *m = build(HEAD "role comp; role sales; role boss inherits sales;\n"
                          "role other;\n"
                          "table t { id integer key; x text; }\n"
                          "approval one { delete t; by 2 of comp, sales; }\n"
                          "approval each { export t beyond 100 rows;\n"
                          "  by 1 of comp and 1 of sales; expires 1h; }\n"
                          "approval mix { unmask t.x;\n"
                          "  by 1 of comp, sales and 2 of sales; }\n",
                     NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    const Approval *one = &m->approvals[0], *each = &m->approvals[1];
    /* v1 fields: exact for one clause; sum and union for several. */
    CHECK_INT(one->nclauses, 1);
    CHECK_INT(one->count, 2);
    CHECK_INT(one->nroles, 2);
    CHECK_INT(each->nclauses, 2);
    CHECK_INT(each->count, 2);
    CHECK_INT(each->nroles, 2);
    CHECK_INT(each->clauses[1].count, 1);
    CHECK_INT(each->clauses[1].roles[0], model_role(m, "sales"));
    /* export T beyond N rows is an export guard with a threshold. */
    CHECK_INT(each->nguards, 1);
    CHECK_INT(each->guards[0].op, GUARD_EXPORT);
    CHECK_INT(each->guards[0].beyond, 100);
    CHECK_INT(one->guards[0].beyond, -1);
    const Approval *by = NULL;
    CHECK(decide_guard(m, GUARD_EXPORT, 0, -1, &by) == &each->guards[0]);
    CHECK(by == each);
    CHECK(decide_guard(m, GUARD_UNMASK, 0, 1, &by) != NULL);
    CHECK(decide_guard(m, GUARD_UPDATE, 0, 1, &by) == NULL);
    CHECK(by == NULL);

    /* by 2 of comp, sales: any two voters holding either. */
    CHECK(met(m, 0, "comp;comp"));
    CHECK(met(m, 0, "comp;boss"));
    CHECK(!met(m, 0, "comp"));
    CHECK(!met(m, 0, "comp;other"));
    /* by 1 of comp and 1 of sales: one of each, distinct people. */
    CHECK(met(m, 1, "comp;sales"));
    CHECK(met(m, 1, "sales;comp"));
    CHECK(met(m, 1, "boss;comp")); /* boss holds sales */
    CHECK(!met(m, 1, "comp;comp"));
    CHECK(!met(m, 1, "comp,sales")); /* one person fills one clause */
    CHECK(met(m, 1, "comp,sales;sales"));
    CHECK(met(m, 1, "comp,sales;comp"));
    CHECK(!met(m, 1, "other;other;comp"));
    /* by 1 of comp, sales and 2 of sales: the first voter may have to move
     * to the other clause for everyone to fit (an augmenting path). */
    CHECK(met(m, 2, "sales;sales;comp"));
    CHECK(met(m, 2, "sales;comp;sales"));
    CHECK(!met(m, 2, "sales;comp;comp"));
    CHECK(met(m, 2, "sales;sales;sales"));
    CHECK(!met(m, 2, "sales;sales"));
    /* Who may vote at all. */
    Session o = session_of(m, "other", NULL), b = session_of(m, "boss", NULL);
    CHECK(!decide_may_approve(each, o.roles));
    CHECK(decide_may_approve(each, b.roles));
    ModelFeature what;
    CHECK(model_uses_v11(m, &what));
    CHECK_STR(what.what, "'export ... beyond N rows'");
    Diag d;
    diag_init(&d, &arena);
    CHECK_INT(model_refuse_v11(m, &d, "sqlite", V11_ALL), 3);
    CHECK_STR(d.items[0]->msg, "'export ... beyond N rows' is not supported "
                               "by the sqlite target yet");
    CHECK_STR(d.items[1]->msg, "an approval with several 'by' clauses is not "
                               "supported by the sqlite target yet");
    diag_dispose(&d);
    /* A v1 policy uses nothing new. */
    Model *v1 = build(HEAD "role a; table t { x text; rows all for a; }\n"
                           "approval e { export t; by 2 of a; }\n",
                      NULL);
    CHECK(v1 != NULL);
    if (v1) {
        CHECK(!model_uses_v11(v1, &what));
        CHECK(what.what == NULL);
    }
}

/* contains: NEEDLE occurs in HAY. */
static bool contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

/* The matrix and explain: a role that sees no rows shows "no rows" in its
 * cells; each role's rows (the rule, or none) and writes; the approvals
 * guarding a table and what is audited. */
static void test_matrix_and_explain(void)
{
    Model *m = build(
        HEAD "role mkt; role mgr; role fin; role comp;\n"
             "classification pii.phone default mask keep(3, 4);\n"
             "table doctors { id integer key; phone text pii.phone;\n"
             "  region text;\n"
             "  rows where id in (select doctor_id from attendance) for mkt;\n"
             "  rows all for comp;\n"
             "  write phone, region to mgr;\n"
             "  rows where region = session.region for mgr;\n"
             "}\n"
             "table attendance { doctor_id integer; }\n"
             "approval exp \"bulk\" { export doctors beyond 50 rows;\n"
             "  by 1 of comp and 1 of mgr; expires 2h; }\n"
             "approval peek { unmask doctors.phone; by 1 of comp; }\n"
             "audit doctors read phone write all;\n",
        NULL);
    CHECK(m != NULL);
    if (!m)
        return;
    int t = model_table(m, "doctors");
    int fin = model_role(m, "fin"), mkt = model_role(m, "mkt");
    /* fin sees no rows: its cells say so, not a mask. */
    CHECK_STR(report_matrix_cell(m, fin, -1, t, 1, &arena), "no rows");
    CHECK_STR(report_matrix_cell(m, mkt, -1, t, 1, &arena), "mask keep(3, 4)");
    /* The other table has no rows rule: everyone sees its rows. */
    CHECK_STR(
        report_matrix_cell(m, fin, -1, model_table(m, "attendance"), 0, &arena),
        "show");
    Session s = session_of(m, "mkt", NULL);
    CHECK_STR(report_rows_text(m, &s, t, &arena),
              "where id in (select doctor_id from attendance)");
    CHECK_STR(report_writes_text(m, &s, t, &arena), "none");
    s = session_of(m, "mkt,mgr", NULL);
    CHECK_STR(report_rows_text(m, &s, t, &arena),
              "where (id in (select doctor_id from attendance)) or (region "
              "= session.region)");
    CHECK_STR(report_writes_text(m, &s, t, &arena), "phone, region");
    s = session_of(m, "fin", NULL);
    CHECK_STR(report_rows_text(m, &s, t, &arena), "none");
    s = session_of(m, "comp,mkt", NULL);
    CHECK_STR(report_rows_text(m, &s, t, &arena), "all");
    /* Approvals and audit. */
    const Approval *exp = &m->approvals[0];
    CHECK_STR(report_guard_text(m, &exp->guards[0], &arena),
              "export of doctors, and any statement reading more than 50 "
              "of its rows");
    CHECK_STR(report_guard_text(m, &m->approvals[1].guards[0], &arena),
              "temporary unmask of doctors.phone");
    CHECK_STR(report_by_text(m, exp, &arena), "1 of comp and 1 of mgr");
    CHECK_STR(report_audit_text(m, t, -1, &arena),
              "reads of phone; writes of every column");
    CHECK_STR(report_audit_text(m, t, 1, &arena), "reads and writes of phone");
    CHECK_STR(report_audit_text(m, t, 0, &arena), "writes of id");
    CHECK_STR(report_audit_text(m, model_table(m, "attendance"), -1, &arena),
              "none");

    StrBuf sb;
    sb_init(&sb);
    report_matrix(m, &arena, &sb);
    CHECK(
        contains(sb_cstr(&sb), "\nfin   no rows  no rows          no rows\n"));
    CHECK(contains(sb_cstr(&sb), "table doctors, writes and rows\n"));
    CHECK(contains(sb_cstr(&sb),
                   "\nmgr   phone, region  where region = session.region\n"));
    CHECK(contains(sb_cstr(&sb), "\nfin   none           none\n"));
    sb_reset(&sb);
    s = session_of(m, "fin", NULL);
    report_explain(m, &s, t, -1, &arena, &sb);
    CHECK(contains(sb_cstr(&sb), "(this session sees no rows of doctors"));
    CHECK(contains(sb_cstr(&sb), "  approvals:\n    exp \"bulk\" (t.ward:"));
    CHECK(contains(sb_cstr(&sb), "      by: 1 of comp and 1 of mgr (one "
                                 "person counts for one clause)\n"));
    CHECK(contains(sb_cstr(&sb), "      expires 2h\n"));
    CHECK(contains(sb_cstr(&sb), "this session may not approve it"));
    CHECK(contains(sb_cstr(&sb), "    peek (t.ward:"));
    CHECK(contains(sb_cstr(&sb), "  audit: reads of phone; writes of every "
                                 "column (t.ward:"));
    sb_reset(&sb);
    s = session_of(m, "mkt", NULL);
    report_explain(m, &s, t, 0, &arena, &sb);
    CHECK(contains(sb_cstr(&sb), "reads attendance as stored"));
    /* Column id: the export guards the table, the unmask only phone. */
    CHECK(contains(sb_cstr(&sb), "    exp \"bulk\""));
    CHECK(!contains(sb_cstr(&sb), "    peek"));
    CHECK(contains(sb_cstr(&sb), "  audit: writes of id (t.ward:"));
    sb_free(&sb);
}

int main(void)
{
    arena_init(&arena);
    test_bases();
    test_union_and_inheritance();
    test_scenarios();
    test_conflicts();
    test_rows();
    test_writes();
    test_running_example();
    test_membership();
    test_approval_clauses();
    test_matrix_and_explain();
    arena_free(&arena);
    return check_report("test_decide");
}
