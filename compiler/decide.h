/*
 * decide.h - the one decision function: what a session sees.
 *
 * Given a session (roles closed under inherits, an optional scenario, named
 * attributes) decide_column answers show, mask with which function, or hide
 * for one table.column, with the rule that decided and, per role, how that
 * role's own decision came about. decide_rows gives the row filter and
 * decide_write the write grant. explain, the matrix, coverage and both SQL
 * emitters call these functions and nothing else. What they decide is
 * docs/semantics.md#column-reads, docs/semantics.md#rows,
 * docs/semantics.md#writes and docs/semantics.md#approvals.
 */
#ifndef WARD_DECIDE_H
#define WARD_DECIDE_H

#include "model.h"

typedef struct SessionAttr {
    const char *name;  /* without the "session." prefix */
    const char *value; /* as given */
} SessionAttr;

typedef struct Session {
    bool *roles;      /* roles[r]: the session holds role r (closed) */
    int scenario;     /* -1 for none */
    const char *user; /* may be NULL */
    SessionAttr *attrs;
    size_t nattrs;
} Session;

/* session_init makes an empty session for M; session_add_role adds a role
 * and everything it inherits. Arena-owned. */
void session_init(Session *s, const Model *m, Arena *a);
void session_add_role(Session *s, const Model *m, int role);

/* Why a decision came out as it did. */
typedef enum Why {
    WHY_ROLE_RULE,        /* a rule naming the role and no scenario */
    WHY_COLUMN_DEFAULT,   /* a rule naming neither role nor scenario */
    WHY_CLASS_DEFAULT,    /* the classification's default */
    WHY_CLASS_NO_DEFAULT, /* classified without a default: hidden */
    WHY_UNCLASSIFIED,     /* no rule and no classification: shown */
    WHY_SCENARIO_ROLE,    /* a rule naming the role and the scenario */
    WHY_SCENARIO_NARROW,  /* a scenario-wide rule narrowed the base */
    WHY_NO_ROLE,          /* the session holds no role */
} Why;

typedef struct Outcome {
    Effect effect;
    const MaskFn *mask; /* for EFFECT_MASK */
    Why why;
    const Rule *rule;   /* the deciding rule, or NULL for defaults */
    int classification; /* for WHY_CLASS_*, else -1 */
} Outcome;

typedef struct RoleDecision {
    int role;
    Outcome base;        /* step 1: without the scenario */
    Outcome final;       /* step 2: with it */
    const Rule *ignored; /* a scenario-wide rule that could not widen */
} RoleDecision;

typedef struct Decision {
    Outcome result;         /* the session's decision */
    int role;               /* the role whose decision won, -1 for none */
    RoleDecision *per_role; /* one per held role, in declaration order */
    size_t nper_role;
} Decision;

/* decide_role is steps 1 and 2 of the contract for ROLE alone. */
Outcome decide_role(const Model *m, int role, int scenario, int table,
                    int column, RoleDecision *trace);

/* The combination rule: how one session's roles' own decisions make its
 * decision, written here once. Each role's decision has a key: its rank
 * (effect_rank) and, for a mask, the position of the mask's source
 * (outcome_pos; 0 for show and hide, whose value is their effect). The
 * session takes the decision of highest rank, then of lowest pos. Two
 * decisions with equal keys give the same value (one source, one mask).
 *
 * decide_column applies the rule in C. Both emitters write each role's
 * decision with its key (ward_cell's and ward.cell's rank and pos), and
 * both runtimes' SQL does nothing but take the first row by
 * `ORDER BY rank DESC, pos`: the SQL holds no ranking of its own, and
 * `ward check --exhaustive` holds it to decide_column on sessions of
 * several roles on both targets. */
typedef struct CombineKey {
    int rank;     /* higher wins */
    uint32_t pos; /* then lower wins */
} CombineKey;

CombineKey combine_key(const Model *m, const Outcome *o);

/* combine_before: a role's decision with key A is taken over one with B. */
bool combine_before(CombineKey a, CombineKey b);

/* decide_column decides for the whole session: per role, then the
 * combination rule. OUT->per_role is filled from A when A is non-NULL. */
void decide_column(const Model *m, const Session *s, int table, int column,
                   Arena *a, Decision *out);

/* effect_rank orders effects by permissiveness: show 2, mask 1, hide 0. */
int effect_rank(Effect e);

/* outcome_pos is where a decision's source was written (for "first wins"). */
uint32_t outcome_pos(const Model *m, const Outcome *o);

typedef enum RowKind {
    ROWS_ALL,   /* no filter */
    ROWS_NONE,  /* the table has rows rules, none names a held role */
    ROWS_WHERE, /* the union of the expressions in rules */
} RowKind;

typedef struct RowFilter {
    RowKind kind;
    const RowRule **rules; /* the applying rules (for ROWS_WHERE and the
                              `rows all` that made ROWS_ALL) */
    size_t nrules;
} RowFilter;

/* decide_rows gives the row filter of TABLE for S. Arena-owned. */
void decide_rows(const Model *m, const Session *s, int table, Arena *a,
                 RowFilter *out);

/* decide_write reports whether S may write TABLE.COLUMN; BY receives the
 * granting rule (or NULL). */
bool decide_write(const Model *m, const Session *s, int table, int column,
                  const WriteRule **by);

/* decide_guard finds the approval that guards operation OP on TABLE (and
 * COLUMN for update and unmask, else -1): returns its Guard and sets *BY,
 * or returns NULL. One operation has at most one guard (model.c). */
const Guard *decide_guard(const Model *m, GuardOp op, int table, int column,
                          const Approval **by);

/* decide_may_approve reports whether a holder of ROLES (a closed role set,
 * as in Session.roles) may vote on AP at all: it holds a role of one of the
 * `by` line's clauses. The requester never may (the runtimes check that). */
bool decide_may_approve(const Approval *ap, const bool *roles);

/* decide_approval_met reports whether the votes of N approvers satisfy
 * AP's `by` line. APPROVERS[i] is the closed role set of the i-th voter;
 * the voters are distinct people, none of them the requester. Each clause
 * needs its count of voters holding one of its roles, and one voter counts
 * for one clause only: `by 1 of a and 1 of b` is not met by one person
 * holding a and b. Decided as a matching of voters to the clauses' places
 * (augmenting paths), so the order of the votes never matters. */
bool decide_approval_met(const Approval *ap, const bool *const *approvers,
                         size_t n);

/* outcome_text renders "show", "mask phone_mid" or "hide". Arena-owned. */
const char *outcome_text(Arena *a, const Outcome *o);

#endif
