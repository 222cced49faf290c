/*
 * model.c - resolve and check a syntax tree into a Model (see model.h).
 *
 * Passes, in order, each over the whole file so that every error is found:
 *   header      exactly one `policy` line, first
 *   declare     roles, scenarios, masks, classifications, tables, approvals
 *   inherit     role parents, cycles, closures
 *   rules       access, rows and write rules bound to columns and roles
 *   index       each table's and each column's rules, for the decision
 *   conflicts   two rules deciding one cell differently
 *   approvals   guards, approvers, expiry
 *   audit       audited columns
 * Declarations are order-independent except classifications, which the
 * language requires before the columns that use them.
 */
#include "model.h"

#include "mask.h"

#include "parse.h"
#include "utf8.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The longest expiry of an approval: 100 years of 365 days. */
#define EXPIRY_MAX_SECONDS (36500LL * 86400)

typedef struct Builder {
    Arena *a;
    Diag *d;
    Model *m;
    RowRule *rows; /* the rows rule being checked, for its memberships */
    int sub_depth; /* > 0 inside a membership test's where */
} Builder;

/* --- small helpers -------------------------------------------------------- */

/* The room an array takes when its first element is appended. */
#define GROW_MIN 8

/*
 * grow makes room for element N of OLD, an array of N elements of SIZE
 * bytes, and returns the array: OLD itself while it has room, else a copy
 * in twice the room. The capacity follows from the count, so the model
 * needs no field for it: an array grown only by grow, from empty, holds
 * GROW_MIN elements and doubles whenever its count reaches a power of two
 * from there. Appending n elements copies fewer than 2n of them in all (a
 * copy on every append was quadratic in time and arena memory). Elements
 * past the count are zero, as arena_alloc returns them.
 * Warning: the array may move: a pointer into it is stale after a grow.
 * Arena-owned.
 */
static void *grow(Arena *a, void *old, size_t n, size_t size)
{
    if (n != 0 && (n < GROW_MIN || (n & (n - 1)) != 0))
        return old; /* room left */
    size_t cap = n ? 2 * n : GROW_MIN;
    void *p = arena_alloc(a, cap * size);
    if (n)
        memcpy(p, old, n * size);
    return p;
}

/* unknown reports "unknown WHAT 'NAME'" with a "did you mean" if close. */
static Diagnostic *unknown(Builder *b, Span at, const char *what,
                           const char *name, const char *const *cands, size_t n)
{
    Diagnostic *x = diag_error(b->d, at, "unknown %s '%s'", what, name);
    const char *s = diag_suggest(name, cands, n);
    if (s)
        diag_hint(b->d, x, "did you mean '%s'?", s);
    return x;
}

static void duplicate(Builder *b, Span at, const char *what, const char *name,
                      Span first)
{
    Diagnostic *x = diag_error(b->d, at, "duplicate %s '%s'", what, name);
    diag_note(b->d, x, first, "'%s' is first declared here", name);
}

static const char **role_names(Builder *b)
{
    const char **v = arena_alloc(b->a, (b->m->nroles + 1) * sizeof *v);
    for (size_t i = 0; i < b->m->nroles; i++)
        v[i] = b->m->roles[i].name;
    return v;
}

/* --- names ---------------------------------------------------------------- */

/* name_hash is FNV-1a over NAME's bytes. */
static size_t name_hash(const char *name)
{
    uint64_t h = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)h;
}

/* names_find is the index stored under NAME in X, or -1. */
static int names_find(const NameIndex *x, const char *name)
{
    if (!x->cap)
        return -1;
    for (size_t i = name_hash(name) & (x->cap - 1);; i = (i + 1) & (x->cap - 1))
        if (!x->names[i])
            return -1;
        else if (strcmp(x->names[i], name) == 0)
            return x->ids[i];
}

/* names_add stores ID under NAME (not yet in X), doubling the slots when
 * half are taken: a lookup then probes a few slots at most. The old slots
 * stay in the arena; all the copies add up to less than twice the last. */
static void names_add(Arena *a, NameIndex *x, const char *name, int id)
{
    if (2 * (x->n + 1) > x->cap) {
        NameIndex bigger = {NULL, NULL, x->cap ? 2 * x->cap : 16, 0};
        bigger.names = arena_alloc(a, bigger.cap * sizeof *bigger.names);
        bigger.ids = arena_alloc(a, bigger.cap * sizeof *bigger.ids);
        memset(bigger.names, 0, bigger.cap * sizeof *bigger.names);
        for (size_t i = 0; i < x->cap; i++)
            if (x->names[i])
                names_add(a, &bigger, x->names[i], x->ids[i]);
        *x = bigger;
    }
    size_t i = name_hash(name) & (x->cap - 1);
    while (x->names[i])
        i = (i + 1) & (x->cap - 1);
    x->names[i] = name;
    x->ids[i] = id;
    x->n++;
}

int model_role(const Model *m, const char *name)
{
    return names_find(&m->role_names, name);
}

int model_scenario(const Model *m, const char *name)
{
    return names_find(&m->scenario_names, name);
}

int model_table(const Model *m, const char *name)
{
    return names_find(&m->table_names, name);
}

int model_column(const Model *m, int table, const char *name)
{
    const Table *t = &m->tables[table];
    for (size_t i = 0; i < t->ncolumns; i++)
        if (strcmp(t->columns[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find_class(const Model *m, const char *name)
{
    return names_find(&m->class_names, name);
}

static int find_approval(const Model *m, const char *name)
{
    return names_find(&m->approval_names, name);
}

/* find_mask finds a declared mask. A mask whose call was wrong is declared
 * all the same, with no spec, so that its uses do not cascade into
 * "unknown mask" errors: callers treat it as already reported. */
static const MaskFn *find_mask(const Model *m, const char *name)
{
    int i = names_find(&m->mask_names, name);
    return i >= 0 ? m->masks[i] : NULL;
}

bool ids_contain(const int *roles, size_t n, int role)
{
    for (size_t i = 0; i < n; i++)
        if (roles[i] == role)
            return true;
    return false;
}

bool rule_names_role(const Rule *r, int role)
{
    return ids_contain(r->roles, r->nroles, role);
}

bool rule_has_column(const Rule *r, int column)
{
    return ids_contain(r->columns, r->ncolumns, column);
}

const char *coltype_name(ColType t)
{
    static const char *names[] = {"integer", "real",     "text",
                                  "date",    "datetime", "boolean"};
    return names[t];
}

static const char *label_of(const Node *n)
{
    return n ? n->as.string.value : NULL;
}

/* resolve_roles binds a list of role names; unknown ones are reported and
 * left out. Returns the count through N. Arena-owned. */
static int *resolve_roles(Builder *b, const Node *list, size_t *n)
{
    size_t len = LIST_LEN(list);
    int *v = arena_alloc(b->a, (len + 1) * sizeof *v);
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        const Node *name = LIST_AT(list, i);
        int r = model_role(b->m, name->as.name.text);
        if (r < 0) {
            unknown(b, name->at, "role", name->as.name.text, role_names(b),
                    b->m->nroles);
            continue;
        }
        if (ids_contain(v, *n, r)) {
            diag_error(b->d, name->at, "role '%s' is listed twice",
                       name->as.name.text);
            continue;
        }
        v[(*n)++] = r;
    }
    return v;
}

static const char **column_names(Builder *b, int table)
{
    const Table *t = &b->m->tables[table];
    const char **v = arena_alloc(b->a, (t->ncolumns + 1) * sizeof *v);
    for (size_t i = 0; i < t->ncolumns; i++)
        v[i] = t->columns[i].name;
    return v;
}

/* resolve_column binds NAME in TABLE, reporting an unknown one. */
static int resolve_column(Builder *b, int table, const Node *name)
{
    int c = model_column(b->m, table, name->as.name.text);
    if (c < 0) {
        Diagnostic *x =
            unknown(b, name->at, "column", name->as.name.text,
                    column_names(b, table), b->m->tables[table].ncolumns);
        if (x->nnotes == 0)
            diag_hint(b->d, x, "table '%s' has no such column",
                      b->m->tables[table].name);
    }
    return c;
}

static int *resolve_columns(Builder *b, int table, const Node *list, size_t *n)
{
    size_t len = LIST_LEN(list);
    int *v = arena_alloc(b->a, (len + 1) * sizeof *v);
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        const Node *name = LIST_AT(list, i);
        int c = resolve_column(b, table, name);
        if (c < 0)
            continue;
        if (ids_contain(v, *n, c)) {
            diag_error(b->d, name->at, "column '%s' is listed twice",
                       name->as.name.text);
            continue;
        }
        v[(*n)++] = c;
    }
    return v;
}

/* --- masks -------------------------------------------------------------- */

static bool word_allowed(const char *words, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = words; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, w, n) == 0)
            return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

static void arg_text(StrBuf *sb, const Node *arg)
{
    switch (arg->kind) {
    case NODE_INT: sb_puts(sb, arg->as.int_lit.text); break;
    case NODE_REAL: sb_puts(sb, arg->as.real_lit.text); break;
    case NODE_NAME: sb_puts(sb, arg->as.name.text); break;
    case NODE_STRING:
        sb_put_quoted(sb, arg->as.string.value, arg->as.string.len);
        break;
    default: break;
    }
}

static const char *arg_kind_text(MaskArgKind k, const MaskSpec *spec)
{
    switch (k) {
    case MARG_INT: return "a whole number";
    case MARG_NUMBER: return "a number";
    case MARG_STRING: return "a string";
    case MARG_SCALAR: return "a string or a number";
    case MARG_WORD: {
        /* "year|month|day" reads as "year, month or day". */
        static char buf[128];
        size_t o = 0;
        const char *last = strrchr(spec->words, '|');
        for (const char *w = spec->words; *w && o + 4 < sizeof buf; w++) {
            if (*w != '|') {
                buf[o++] = *w;
            } else if (w == last) {
                memcpy(buf + o, " or ", 4);
                o += 4;
            } else {
                buf[o++] = ',';
                buf[o++] = ' ';
            }
        }
        buf[o] = '\0';
        return buf;
    }
    }
    return "?";
}

/* arg_fits_kind reports whether the literal ARG is of kind K of SPEC. */
static bool arg_fits_kind(const Node *arg, MaskArgKind k, const MaskSpec *spec)
{
    switch (k) {
    case MARG_INT: return arg->kind == NODE_INT && arg->as.int_lit.value >= 0;
    case MARG_NUMBER: return arg->kind == NODE_INT || arg->kind == NODE_REAL;
    case MARG_STRING: return arg->kind == NODE_STRING;
    case MARG_SCALAR:
        return arg->kind == NODE_STRING || arg->kind == NODE_INT ||
               arg->kind == NODE_REAL;
    case MARG_WORD:
        return arg->kind == NODE_NAME &&
               word_allowed(spec->words, arg->as.name.text);
    }
    return false;
}

/* arg_fits_32 reports whether ARG, of kind K, is within the 32 bits a
 * whole-number mask argument has: PostgreSQL's runtime takes integer, and
 * Hive narrows to int, so a larger one would fail or wrap silently. */
static bool arg_fits_32(const Node *arg, MaskArgKind k)
{
    if (arg->kind != NODE_INT || (k != MARG_INT && k != MARG_SCALAR))
        return true;
    int64_t v = arg->as.int_lit.value;
    return v >= MASK_ARG_INT_MIN && v <= MASK_ARG_INT_MAX;
}

/* arg_value is the literal ARG as the masking core receives it. Borrowed:
 * text points into the tree. */
static MaskValue arg_value(const Node *arg)
{
    switch (arg->kind) {
    case NODE_INT: return mask_int(arg->as.int_lit.value);
    case NODE_REAL: return mask_real(arg->as.real_lit.value);
    case NODE_STRING:
        return mask_text(arg->as.string.value, arg->as.string.len);
    case NODE_NAME: return mask_cstr(arg->as.name.text);
    default: return mask_null();
    }
}

/* check_call checks CALL against the catalog: the function exists, the
 * arity fits, each argument has its kind and range, and the arguments keep
 * the entry's own rules (the core's mask_check_args, which the runtimes
 * run too). Returns NULL after reporting. */
static MaskFn *check_call(Builder *b, const Node *call, const char *declname)
{
    const char *fname = call->as.call.name->as.name.text;
    const MaskSpec *spec = mask_spec_find(fname);
    if (!spec) {
        size_t n = mask_spec_count();
        const char **cands = arena_alloc(b->a, n * sizeof *cands);
        for (size_t i = 0; i < n; i++)
            cands[i] = mask_spec_at(i)->name;
        Diagnostic *x = unknown(b, call->as.call.name->at, "masking function",
                                fname, cands, n);
        diag_hint(b->d, x, "docs/masks.md lists every masking function");
        return NULL;
    }
    const Node *args = call->as.call.args;
    int nargs = (int)LIST_LEN(args);
    if (nargs < spec->min_args || nargs > spec->max_args) {
        Diagnostic *x;
        if (spec->min_args == spec->max_args)
            x = diag_error(b->d, call->at, "%s takes %d argument%s, got %d",
                           fname, spec->min_args,
                           spec->min_args == 1 ? "" : "s", nargs);
        else
            x = diag_error(b->d, call->at,
                           "%s takes %d %s %d arguments, got %d", fname,
                           spec->min_args,
                           spec->max_args == spec->min_args + 1 ? "or" : "to",
                           spec->max_args, nargs);
        diag_hint(b->d, x, "%s", spec->signature);
        return NULL;
    }
    bool ok = true;
    MaskValue vals[MASK_MAX_ARGS];
    for (int i = 0; i < nargs; i++) {
        const Node *arg = LIST_AT(args, i);
        MaskArgKind k = spec->args[i];
        int len = (int)(arg->at.end - arg->at.begin);
        const char *text = arg->at.file->text + arg->at.begin;
        vals[i] = arg_value(arg);
        if (!arg_fits_kind(arg, k, spec)) {
            Diagnostic *x = diag_error(
                b->d, arg->at, "argument %d of %s must be %s%s, got %.*s",
                i + 1, fname, arg_kind_text(k, spec),
                k == MARG_INT ? " (0 or more)" : "", len, text);
            diag_hint(b->d, x, "%s", spec->signature);
            ok = false;
        } else if (!arg_fits_32(arg, k)) {
            Diagnostic *x = diag_error(
                b->d, arg->at,
                "argument %d of %s does not fit in 32 bits, got %.*s", i + 1,
                fname, len, text);
            diag_hint(b->d, x,
                      "a whole-number mask argument runs from %d to %d, as "
                      "an integer does in PostgreSQL",
                      k == MARG_INT ? 0 : MASK_ARG_INT_MIN, MASK_ARG_INT_MAX);
            ok = false;
        }
    }
    MaskArgError bad;
    if (ok && !mask_check_args(spec, vals, nargs, &bad)) {
        Span at = bad.arg >= 0 ? LIST_AT(args, bad.arg)->at : call->at;
        Diagnostic *x = diag_error(b->d, at, "%s: %s", fname, bad.message);
        diag_hint(b->d, x, "%s", spec->signature);
        ok = false;
    }
    if (!ok)
        return NULL;
    MaskFn *fn = arena_alloc(b->a, sizeof *fn);
    fn->name = declname;
    fn->spec = spec;
    fn->call = call;
    fn->at = call->at;
    StrBuf sb;
    sb_init(&sb);
    sb_printf(&sb, "%s(", fname);
    for (int i = 0; i < nargs; i++) {
        if (i)
            sb_puts(&sb, ", ");
        arg_text(&sb, LIST_AT(args, i));
    }
    sb_putc(&sb, ')');
    fn->text = arena_strdup(b->a, sb_cstr(&sb));
    sb_free(&sb);
    return fn;
}

/* resolve_mask_ref binds `with NAME` or `with fn(args)`. A bare name that is
 * not a declared mask may be a catalog function that needs no argument. */
static const MaskFn *resolve_mask_ref(Builder *b, const Node *ref)
{
    if (ref->kind == NODE_CALL)
        return check_call(b, ref, NULL);
    const char *name = ref->as.name.text;
    const MaskFn *fn = find_mask(b->m, name);
    if (fn)
        return fn->spec ? fn : NULL; /* a broken declaration: reported */
    const MaskSpec *spec = mask_spec_find(name);
    if (spec && spec->min_args == 0) {
        Node *call = ast_call_new(b->a, ref->at, (Node *)ref, NULL);
        return check_call(b, call, NULL);
    }
    const char **cands = arena_alloc(b->a, (b->m->nmasks + 1) * sizeof *cands);
    for (size_t i = 0; i < b->m->nmasks; i++)
        cands[i] = b->m->masks[i]->name;
    Diagnostic *x = unknown(b, ref->at, "mask", name, cands, b->m->nmasks);
    if (spec)
        diag_hint(b->d, x, "%s needs arguments: %s", name, spec->signature);
    else if (x->nnotes == 0)
        diag_hint(b->d, x, "declare it with: mask %s = keep(1, 0);", name);
    return NULL;
}

/* mask_fits reports whether FN can mask a column of type T. */
static bool mask_fits(const MaskFn *fn, ColType t)
{
    switch (fn->spec->input) {
    case MIN_ANY: return true;
    case MIN_TEXT: return t == TYPE_TEXT;
    case MIN_NUMBER: return t == TYPE_INTEGER || t == TYPE_REAL;
    case MIN_DATE: return t == TYPE_DATE || t == TYPE_DATETIME;
    }
    return false;
}

static const char *input_text(MaskInput in)
{
    switch (in) {
    case MIN_ANY: return "any";
    case MIN_TEXT: return "text";
    case MIN_NUMBER: return "integer or real";
    case MIN_DATE: return "date or datetime";
    }
    return "?";
}

static void check_mask_fits(Builder *b, const MaskFn *fn, const Column *c,
                            Span at)
{
    if (c->bad_type || mask_fits(fn, c->type))
        return;
    Diagnostic *x =
        diag_error(b->d, at, "%s masks %s columns, but '%s' is %s", fn->text,
                   input_text(fn->spec->input), c->name, coltype_name(c->type));
    diag_hint(b->d, x, "keep(first, last) and redact() mask any type");
}

/* --- names ---------------------------------------------------------------- */

/* Prefixes of the names that ward's runtime (ward_audit, ward_owner), SQLite
 * (sqlite_master) and PostgreSQL (pg_catalog, pg_read_all_data) own. */
static const char *const RESERVED_PREFIXES[] = {"ward_", "sqlite_", "pg_"};

/* Column names SQLite reads as the hidden row id, whatever the table says. */
static const char *const RESERVED_COLUMNS[] = {"rowid", "_rowid_", "oid"};

typedef struct ReservedName {
    const char *name; /* lower case; matched in any case */
    const char *hint; /* why the target refuses it or misreads it */
} ReservedName;

/* Policy names: on PostgreSQL the policy's views live in a schema of the
 * policy's name, so a schema that already exists would be taken over. */
static const ReservedName RESERVED_POLICIES[] = {
    {"ward", "the schema ward holds ward's own runtime on PostgreSQL"},
    {"public", "PostgreSQL already has a schema named public; a policy's "
               "views go into a schema named after the policy"},
    {"pg_catalog", "PostgreSQL already has a schema named pg_catalog; a "
                   "policy's views go into a schema named after the policy"},
    {"information_schema",
     "PostgreSQL already has a schema named information_schema; a policy's "
     "views go into a schema named after the policy"},
};

/* Role names that PostgreSQL refuses (public, none) or that GRANT, SET ROLE
 * and ALTER ROLE read as something else (role_specification in the
 * PostgreSQL 15 manual: PUBLIC | CURRENT_ROLE | CURRENT_USER |
 * SESSION_USER). Names beginning with pg_ are refused by the prefix rule. */
static const ReservedName RESERVED_ROLES[] = {
    {"public", "in GRANT, public means every role, so a grant to this role "
               "would reach everyone"},
    {"none", "PostgreSQL reserves the role name none (SET ROLE NONE drops "
             "back to the session user)"},
    {"current_user", "in GRANT, current_user means whoever runs the "
                     "statement, not a role of this name"},
    {"current_role", "in GRANT, current_role means whoever runs the "
                     "statement, not a role of this name"},
    {"session_user", "in GRANT, session_user means the user who connected, "
                     "not a role of this name"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ascii_lower is tolower for the ASCII letters of names, locale-free. */
static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* same_word compares NAME with the lower-case WORD in any case; names are
 * ASCII (the scanner sees to it). */
static bool same_word(const char *name, const char *word)
{
    for (; *name && *word; name++, word++)
        if (ascii_lower(*name) != *word)
            return false;
    return *name == *word;
}

/* starts_with_word: NAME begins with the lower-case WORD, in any case. */
static bool starts_with_word(const char *name, const char *word)
{
    for (; *word; name++, word++)
        if (ascii_lower(*name) != *word)
            return false;
    return true;
}

/* reserved_in returns the entry of TABLE that NAME spells, or NULL. */
static const ReservedName *reserved_in(const ReservedName *table, size_t n,
                                       const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (same_word(name, table[i].name))
            return &table[i];
    return NULL;
}

typedef enum NameKind {
    NAME_POLICY,
    NAME_ROLE,
    NAME_SCENARIO,
    NAME_MASK,
    NAME_CLASSIFICATION,
    NAME_TABLE,
    NAME_COLUMN,
    NAME_APPROVAL,
} NameKind;

static const char *name_kind_text(NameKind k)
{
    static const char *text[] = {"policy", "role",           "scenario",
                                 "mask",   "classification", "table",
                                 "column", "approval"};
    return text[k];
}

/* check_name reports a declared name that a target or the runtime cannot
 * take as it is: longer than MODEL_NAME_MAX bytes (E001), beginning with a
 * reserved prefix (E002), or a reserved column (E003), policy (E004) or role
 * (E005) name. Case never matters: SQLite folds names, and PostgreSQL folds
 * them wherever they are written unquoted. One report per name; the caller
 * declares the name anyway, so its uses do not cascade into "unknown" errors.
 */
static void check_name(Builder *b, const Node *name, NameKind kind)
{
    const char *text = name->as.name.text;
    const char *what = name_kind_text(kind);
    size_t len = strlen(text);
    if (len > MODEL_NAME_MAX) {
        Diagnostic *x = diag_error_code(b->d, DIAG_NAME_TOO_LONG, name->at,
                                        "%s name is longer than %d bytes", what,
                                        MODEL_NAME_MAX);
        diag_hint(b->d, x,
                  "it is %zu bytes; PostgreSQL keeps only the first %d bytes "
                  "of a name, so two longer names could become one",
                  len, MODEL_NAME_MAX);
        return;
    }
    for (size_t i = 0; i < COUNT(RESERVED_PREFIXES); i++) {
        const char *prefix = RESERVED_PREFIXES[i];
        if (!starts_with_word(text, prefix))
            continue;
        Diagnostic *x = diag_error_code(
            b->d, DIAG_RESERVED_PREFIX, name->at,
            "%s name '%s' begins with the reserved prefix '%.*s'", what, text,
            (int)strlen(prefix), text);
        diag_hint(b->d, x,
                  "names beginning with ward_, sqlite_ or pg_, in any case, "
                  "belong to ward's runtime, SQLite or PostgreSQL");
        return;
    }
    if (kind == NAME_COLUMN) {
        for (size_t i = 0; i < COUNT(RESERVED_COLUMNS); i++) {
            if (!same_word(text, RESERVED_COLUMNS[i]))
                continue;
            Diagnostic *x =
                diag_error_code(b->d, DIAG_RESERVED_COLUMN, name->at,
                                "column name '%s' is reserved", text);
            diag_hint(b->d, x,
                      "SQLite reads rowid, _rowid_ and oid, in any case, as "
                      "the table's hidden row id, not as a column");
            return;
        }
    }
    const ReservedName *r = NULL;
    DiagCode code = DIAG_NO_CODE;
    if (kind == NAME_POLICY) {
        r = reserved_in(RESERVED_POLICIES, COUNT(RESERVED_POLICIES), text);
        code = DIAG_RESERVED_POLICY;
    } else if (kind == NAME_ROLE) {
        r = reserved_in(RESERVED_ROLES, COUNT(RESERVED_ROLES), text);
        code = DIAG_RESERVED_ROLE;
    }
    if (!r)
        return;
    Diagnostic *x = diag_error_code(b->d, code, name->at,
                                    "%s name '%s' is reserved", what, text);
    diag_hint(b->d, x, "%s", r->hint);
}

/* --- pass: header ------------------------------------------------------- */

static void pass_header(Builder *b, const Node *items)
{
    const Node *first = NULL;
    for (size_t i = 0; i < LIST_LEN(items); i++) {
        const Node *n = LIST_AT(items, i);
        if (n->kind != NODE_POLICY)
            continue;
        if (first) {
            Diagnostic *x = diag_error(b->d, n->at,
                                       "a file holds one "
                                       "policy header");
            diag_note(b->d, x, first->at, "the policy header is here");
            continue;
        }
        first = n;
        if (i != 0)
            diag_error(b->d, n->at,
                       "the policy header must be the first statement");
        check_name(b, n->as.policy.name, NAME_POLICY);
        b->m->name = n->as.policy.name->as.name.text;
        b->m->version = n->as.policy.version->as.int_lit.value;
        b->m->label = label_of(n->as.policy.label);
        b->m->at = n->at;
        /* A version beyond int64 never gets here: the scanner refuses it. */
        if (b->m->version < 1)
            diag_error(b->d, n->as.policy.version->at,
                       "the policy version must be a whole number from 1 "
                       "up");
    }
    if (first)
        return;
    if (LIST_LEN(items) == 0) {
        Diagnostic *x = diag_error(b->d, (Span){b->m->src, 0, 0},
                                   "the policy file is empty");
        diag_hint(b->d, x,
                  "a policy starts with: policy NAME version 1 "
                  "\"what it protects\";");
        return;
    }
    Diagnostic *x = diag_error(b->d, LIST_AT(items, 0)->at,
                               "the policy file has no policy header");
    diag_hint(b->d, x, "start the file with: policy NAME version 1;");
}

/* --- pass: declarations ------------------------------------------------- */

/* plain_name rejects a dotted name where only classifications may have
 * dots; the name becomes a SQL identifier later. The caller declares the
 * name all the same, so that its uses do not cascade into "unknown" errors
 * (the model is discarded after any error). */
static bool plain_name(Builder *b, const Node *name, const char *what)
{
    if (!strchr(name->as.name.text, '.'))
        return true;
    diag_error(b->d, name->at, "%s %s name cannot contain '.'",
               strchr("aeiou", what[0]) ? "an" : "a", what);
    return false;
}

static void declare_role(Builder *b, const Node *n)
{
    const char *name = n->as.role.name->as.name.text;
    if (plain_name(b, n->as.role.name, "role"))
        check_name(b, n->as.role.name, NAME_ROLE);
    int prev = model_role(b->m, name);
    if (prev >= 0) {
        duplicate(b, n->as.role.name->at, "role", name, b->m->roles[prev].at);
        return;
    }
    b->m->roles = grow(b->a, b->m->roles, b->m->nroles, sizeof(Role));
    names_add(b->a, &b->m->role_names, name, (int)b->m->nroles);
    Role *r = &b->m->roles[b->m->nroles++];
    r->name = name;
    r->label = label_of(n->as.role.label);
    r->at = n->as.role.name->at;
}

static void declare_scenario(Builder *b, const Node *n)
{
    const char *name = n->as.scenario.name->as.name.text;
    if (plain_name(b, n->as.scenario.name, "scenario"))
        check_name(b, n->as.scenario.name, NAME_SCENARIO);
    int prev = model_scenario(b->m, name);
    if (prev >= 0) {
        duplicate(b, n->as.scenario.name->at, "scenario", name,
                  b->m->scenarios[prev].at);
        return;
    }
    b->m->scenarios =
        grow(b->a, b->m->scenarios, b->m->nscenarios, sizeof(Scenario));
    names_add(b->a, &b->m->scenario_names, name, (int)b->m->nscenarios);
    Scenario *s = &b->m->scenarios[b->m->nscenarios++];
    s->name = name;
    s->label = label_of(n->as.scenario.label);
    s->at = n->as.scenario.name->at;
}

static void declare_mask(Builder *b, const Node *n)
{
    const char *name = n->as.mask_def.name->as.name.text;
    if (plain_name(b, n->as.mask_def.name, "mask"))
        check_name(b, n->as.mask_def.name, NAME_MASK);
    const MaskFn *prev = find_mask(b->m, name);
    if (prev) {
        duplicate(b, n->as.mask_def.name->at, "mask", name, prev->at);
        return;
    }
    MaskFn *fn = check_call(b, n->as.mask_def.call, name);
    if (!fn) {
        /* Declared without a spec: its uses are not "unknown". */
        fn = arena_alloc(b->a, sizeof *fn);
        fn->name = name;
        fn->call = n->as.mask_def.call;
        fn->text = name;
    }
    fn->at = n->as.mask_def.name->at;
    b->m->masks = grow(b->a, b->m->masks, b->m->nmasks, sizeof(MaskFn *));
    names_add(b->a, &b->m->mask_names, name, (int)b->m->nmasks);
    b->m->masks[b->m->nmasks++] = fn;
}

static void declare_class(Builder *b, const Node *n)
{
    const char *name = n->as.classification.name->as.name.text;
    check_name(b, n->as.classification.name, NAME_CLASSIFICATION);
    int prev = find_class(b->m, name);
    if (prev >= 0) {
        duplicate(b, n->as.classification.name->at, "classification", name,
                  b->m->classes[prev].at);
        return;
    }
    const MaskFn *fn = NULL;
    Effect effect = n->as.classification.effect;
    if (n->as.classification.has_default && effect == EFFECT_MASK) {
        /* A wrong mask is reported; the classification is declared all
         * the same (hiding, in a model that is never used) so that its
         * columns do not cascade into "unknown classification". */
        fn = resolve_mask_ref(b, n->as.classification.mask);
        if (!fn)
            effect = EFFECT_HIDE;
    }
    b->m->classes =
        grow(b->a, b->m->classes, b->m->nclasses, sizeof(Classification));
    names_add(b->a, &b->m->class_names, name, (int)b->m->nclasses);
    Classification *c = &b->m->classes[b->m->nclasses++];
    c->name = name;
    c->label = label_of(n->as.classification.label);
    c->at = n->as.classification.name->at;
    c->has_default = n->as.classification.has_default;
    c->effect = effect;
    c->mask = fn;
}

static bool parse_type(const char *s, ColType *out)
{
    static const char *names[] = {"integer", "real",     "text",
                                  "date",    "datetime", "boolean"};
    for (size_t i = 0; i < 6; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (ColType)i;
            return true;
        }
    return false;
}

static void declare_column(Builder *b, Table *t, const Node *n)
{
    const char *name = n->as.column.name->as.name.text;
    for (size_t i = 0; i < t->ncolumns; i++)
        if (strcmp(t->columns[i].name, name) == 0) {
            duplicate(b, n->as.column.name->at, "column", name,
                      t->columns[i].at);
            return;
        }
    if (strchr(name, '.'))
        diag_error(b->d, n->as.column.name->at,
                   "a column name cannot contain '.'");
    else
        check_name(b, n->as.column.name, NAME_COLUMN);
    ColType type = TYPE_TEXT;
    const Node *tn = n->as.column.type;
    bool bad_type = !parse_type(tn->as.name.text, &type);
    if (bad_type) {
        static const char *types[] = {"integer", "real",     "text",
                                      "date",    "datetime", "boolean"};
        Diagnostic *x =
            unknown(b, tn->at, "column type", tn->as.name.text, types, 6);
        if (x->nnotes == 0)
            diag_hint(b->d, x,
                      "the types are integer, real, text, date, "
                      "datetime and boolean");
    }
    int cls = -1;
    const Node *classes = n->as.column.classes;
    for (size_t i = 0; i < LIST_LEN(classes); i++) {
        const Node *cn = LIST_AT(classes, i);
        size_t l1, l2, col;
        srcmap_line_col(b->m->src, tn->at.end, &l1, &col);
        srcmap_line_col(b->m->src, cn->at.begin, &l2, &col);
        if (l2 > l1) {
            /* `id integer key` + newline + `name text;` reads as one
             * column with tags; the user forgot a ';'. */
            Diagnostic *x = diag_error(b->d, cn->at,
                                       "expected ';' after "
                                       "column '%s'",
                                       name);
            diag_hint(b->d, x, "each column declaration ends with ';'");
            break;
        }
        if (i > 0) {
            diag_error(b->d, cn->at,
                       "a column has at most one "
                       "classification");
            break;
        }
        cls = find_class(b->m, cn->as.name.text);
        if (cls >= 0 && b->m->classes[cls].at.begin > cn->at.begin) {
            Diagnostic *x =
                diag_error(b->d, cn->at,
                           "classification '%s' is used before it is "
                           "declared",
                           cn->as.name.text);
            diag_note(b->d, x, b->m->classes[cls].at, "declared here");
            cls = -1;
        } else if (cls < 0) {
            const char **cands =
                arena_alloc(b->a, (b->m->nclasses + 1) * sizeof *cands);
            for (size_t k = 0; k < b->m->nclasses; k++)
                cands[k] = b->m->classes[k].name;
            unknown(b, cn->at, "classification", cn->as.name.text, cands,
                    b->m->nclasses);
        }
    }
    if (n->as.column.key_again.file)
        diag_error(b->d, n->as.column.key_again,
                   "'key' is written twice for column '%s'", name);
    if (n->as.column.key) {
        for (size_t i = 0; i < t->ncolumns; i++)
            if (t->columns[i].key) {
                Diagnostic *x =
                    diag_error(b->d, n->at,
                               "table '%s' already has a key column", t->name);
                diag_note(b->d, x, t->columns[i].at, "the key is '%s'",
                          t->columns[i].name);
                return;
            }
        t->key = (int)t->ncolumns;
    }
    t->columns = grow(b->a, t->columns, t->ncolumns, sizeof(Column));
    Column *c = &t->columns[t->ncolumns++];
    c->name = name;
    c->type = type;
    c->key = n->as.column.key;
    c->classification = cls;
    c->at = n->as.column.name->at;
    c->bad_type = bad_type;
    if (cls >= 0 && b->m->classes[cls].mask)
        check_mask_fits(b, b->m->classes[cls].mask, c, LIST_AT(classes, 0)->at);
}

static void declare_table(Builder *b, const Node *n)
{
    const char *name = n->as.table.name->as.name.text;
    int prev = model_table(b->m, name);
    if (prev >= 0) {
        duplicate(b, n->as.table.name->at, "table", name,
                  b->m->tables[prev].at);
        return;
    }
    if (strchr(name, '.'))
        diag_error(b->d, n->as.table.name->at,
                   "a table name cannot contain '.'");
    else
        check_name(b, n->as.table.name, NAME_TABLE);
    b->m->tables = grow(b->a, b->m->tables, b->m->ntables, sizeof(Table));
    names_add(b->a, &b->m->table_names, name, (int)b->m->ntables);
    Table *t = &b->m->tables[b->m->ntables++];
    t->name = name;
    t->at = n->as.table.name->at;
    t->key = -1;
    t->audit = -1;
    const Node *members = n->as.table.members;
    for (size_t i = 0; i < LIST_LEN(members); i++)
        if (LIST_AT(members, i)->kind == NODE_COLUMN)
            declare_column(b, t, LIST_AT(members, i));
    if (t->ncolumns == 0)
        diag_error(b->d, n->as.table.name->at, "table '%s' has no columns",
                   name);
}

static void pass_declare(Builder *b, const Node *items)
{
    /* Roles, scenarios and masks first: later declarations refer to them. */
    for (size_t i = 0; i < LIST_LEN(items); i++) {
        const Node *n = LIST_AT(items, i);
        if (n->kind == NODE_ROLE)
            declare_role(b, n);
        else if (n->kind == NODE_SCENARIO)
            declare_scenario(b, n);
        else if (n->kind == NODE_MASK_DEF)
            declare_mask(b, n);
    }
    for (size_t i = 0; i < LIST_LEN(items); i++)
        if (LIST_AT(items, i)->kind == NODE_CLASSIFICATION)
            declare_class(b, LIST_AT(items, i));
    for (size_t i = 0; i < LIST_LEN(items); i++)
        if (LIST_AT(items, i)->kind == NODE_TABLE)
            declare_table(b, LIST_AT(items, i));
}

/* --- pass: inheritance -------------------------------------------------- */

/* cycle_from walks parents depth-first; COLOR 1 is on the path, 2 done. */
static bool cycle_from(Builder *b, int r, int *color, int *path, size_t depth)
{
    color[r] = 1;
    path[depth] = r;
    Role *role = &b->m->roles[r];
    for (size_t i = 0; i < role->nparents; i++) {
        int p = role->parents[i];
        if (color[p] == 1) {
            StrBuf sb;
            sb_init(&sb);
            size_t k = 0;
            while (path[k] != p)
                k++;
            for (; k <= depth; k++)
                sb_printf(&sb, "%s -> ", b->m->roles[path[k]].name);
            sb_puts(&sb, b->m->roles[p].name);
            diag_error(b->d, b->m->roles[p].at, "role '%s' inherits itself: %s",
                       b->m->roles[p].name, sb_cstr(&sb));
            sb_free(&sb);
            return true;
        }
        if (color[p] == 0 && cycle_from(b, p, color, path, depth + 1))
            return true;
    }
    color[r] = 2;
    return false;
}

static void close_over(const Model *m, int r, bool *closure)
{
    if (closure[r])
        return;
    closure[r] = true;
    for (size_t i = 0; i < m->roles[r].nparents; i++)
        close_over(m, m->roles[r].parents[i], closure);
}

static void pass_inherit(Builder *b, const Node *items)
{
    for (size_t i = 0; i < LIST_LEN(items); i++) {
        const Node *n = LIST_AT(items, i);
        if (n->kind != NODE_ROLE)
            continue;
        int r = model_role(b->m, n->as.role.name->as.name.text);
        if (r < 0 || b->m->roles[r].at.begin != n->as.role.name->at.begin)
            continue; /* a duplicate, already reported */
        Role *role = &b->m->roles[r];
        role->parents = resolve_roles(b, n->as.role.inherits, &role->nparents);
        for (size_t k = 0; k < role->nparents; k++) {
            if (role->parents[k] != r)
                continue;
            diag_error(b->d, LIST_AT(n->as.role.inherits, k)->at,
                       "role '%s' inherits itself", role->name);
            role->parents[k] = role->parents[--role->nparents];
            break;
        }
    }
    size_t nr = b->m->nroles;
    int *color = arena_alloc(b->a, (nr + 1) * sizeof *color);
    int *path = arena_alloc(b->a, (nr + 1) * sizeof *path);
    for (size_t r = 0; r < nr; r++)
        if (color[r] == 0 && cycle_from(b, (int)r, color, path, 0))
            return; /* closures of a cyclic graph mean nothing */
    for (size_t r = 0; r < nr; r++) {
        b->m->roles[r].closure = arena_alloc(b->a, nr + 1);
        close_over(b->m, (int)r, b->m->roles[r].closure);
    }
}

/* --- pass: rules -------------------------------------------------------- */

typedef enum ExprType {
    ET_BOOL,
    ET_NUMBER,
    ET_TEXT,
    ET_DATE,
    ET_ANY,   /* session attributes and null */
    ET_ERROR, /* already reported */
} ExprType;

static const char *et_name(ExprType t)
{
    static const char *n[] = {"boolean", "number", "text",
                              "date",    "any",    "error"};
    return n[t];
}

static bool comparable(ExprType a, ExprType b)
{
    if (a == ET_ANY || b == ET_ANY || a == ET_ERROR || b == ET_ERROR)
        return true;
    if (a == b)
        return true;
    /* Dates are ISO 8601 text, so a string literal compares with them. */
    return (a == ET_TEXT && b == ET_DATE) || (a == ET_DATE && b == ET_TEXT);
}

static ExprType type_expr(Builder *b, int table, const Node *e);

static ExprType want_bool(Builder *b, int table, const Node *e,
                          const char *where)
{
    ExprType t = type_expr(b, table, e);
    if (t != ET_BOOL && t != ET_ERROR && t != ET_ANY) {
        diag_error(b->d, e->at, "%s needs a condition, not a %s value", where,
                   et_name(t));
        return ET_ERROR;
    }
    return t;
}

/* column_type is the expression type of TABLE.COLUMN; a column whose type
 * word was wrong (reported) compares with anything. */
static ExprType column_type(Builder *b, int table, int column)
{
    const Column *c = &b->m->tables[table].columns[column];
    if (c->bad_type)
        return ET_ANY;
    switch (c->type) {
    case TYPE_INTEGER:
    case TYPE_REAL: return ET_NUMBER;
    case TYPE_TEXT: return ET_TEXT;
    case TYPE_DATE:
    case TYPE_DATETIME: return ET_DATE;
    case TYPE_BOOLEAN: return ET_BOOL;
    }
    return ET_ERROR;
}

static const char **table_names(Builder *b)
{
    const char **v = arena_alloc(b->a, (b->m->ntables + 1) * sizeof *v);
    for (size_t i = 0; i < b->m->ntables; i++)
        v[i] = b->m->tables[i].name;
    return v;
}

/* type_membership checks one membership test of a rows rule on TABLE and
 * records it in the rule:
 *   expr ["not"] "in" "(" "select" name "from" name ["where" expr] ")"
 * The other table must be declared and be another table; the selected
 * column is one of its columns and compares with the operand; the where
 * is a condition over the other table's columns and holds no membership
 * itself (emitters then need no correlated subqueries). */
static ExprType type_membership(Builder *b, int table, const Node *e)
{
    ExprType lt = type_expr(b, table, e->as.in_select.operand);
    const Node *tn = e->as.in_select.table;
    const Node *cn = e->as.in_select.column;
    if (b->sub_depth > 0) {
        Diagnostic *x = diag_error(b->d, e->at,
                                   "a membership test cannot be nested in "
                                   "another one's where");
        diag_hint(b->d, x,
                  "the where of a subquery tests the columns of "
                  "its own table, session.ATTR and current_user");
        return ET_BOOL;
    }
    int t = model_table(b->m, tn->as.name.text);
    if (t < 0) {
        Diagnostic *x = unknown(b, tn->at, "table", tn->as.name.text,
                                table_names(b), b->m->ntables);
        if (x->nnotes == 0)
            diag_hint(b->d, x,
                      "a membership test reads another table "
                      "that the policy declares");
        return ET_BOOL;
    }
    if (t == table) {
        Diagnostic *x = diag_error(b->d, tn->at,
                                   "a membership test reads another table, "
                                   "not '%s' itself",
                                   tn->as.name.text);
        diag_hint(b->d, x, "test the columns of '%s' directly",
                  tn->as.name.text);
        return ET_BOOL;
    }
    int c = resolve_column(b, t, cn);
    if (c >= 0 && !comparable(lt, column_type(b, t, c))) {
        const Column *col = &b->m->tables[t].columns[c];
        Diagnostic *x = diag_error(b->d, cn->at, "cannot compare %s with %s",
                                   et_name(lt), et_name(column_type(b, t, c)));
        diag_hint(b->d, x, "'%s.%s' is %s", b->m->tables[t].name, col->name,
                  coltype_name(col->type));
    }
    if (e->as.in_select.where) {
        b->sub_depth++;
        want_bool(b, t, e->as.in_select.where, "the where of a subquery");
        b->sub_depth--;
    }
    if (b->rows && c >= 0) {
        RowRule *r = b->rows;
        r->members = grow(b->a, r->members, r->nmembers, sizeof(Membership));
        r->members[r->nmembers++] = (Membership){
            .node = e,
            .operand = e->as.in_select.operand,
            .table = t,
            .column = c,
            .where = e->as.in_select.where,
            .negated = e->as.in_select.negated,
            .at = e->at,
        };
    }
    return ET_BOOL;
}

/* qualified_column reports `T.C` in a rows rule of TABLE when T is a
 * declared table: the rule's own (write the column alone) or another one,
 * which a user writing a join by its where clause reaches for. Returns
 * whether it reported. Column names have no '.', so nothing is lost. */
static bool qualified_column(Builder *b, int table, const Node *e)
{
    const char *text = e->as.name.text, *dot = strchr(text, '.');
    if (!dot || dot == text || !dot[1])
        return false;
    char *t = arena_printf(b->a, "%.*s", (int)(dot - text), text);
    int other = model_table(b->m, t);
    if (other < 0 || (other == table && model_column(b->m, table, dot + 1) < 0))
        return false;
    Diagnostic *x = diag_error(b->d, e->at, "unknown column '%s'", text);
    if (other == table)
        diag_hint(b->d, x,
                  "a rows rule names its table's columns alone: "
                  "write '%s'",
                  dot + 1);
    else
        diag_hint(b->d, x,
                  "a rows rule cannot join tables; to keep the rows whose "
                  "column appears in '%s', write: COL in (select %s from "
                  "%s [where EXPR])",
                  t, dot + 1, t);
    return true;
}

/* type_expr types a row expression, reporting what does not fit. */
static ExprType type_expr(Builder *b, int table, const Node *e)
{
    switch (e->kind) {
    case NODE_NAME: {
        if (b->sub_depth > 0 && strchr(e->as.name.text, '.')) {
            /* `doctors.id` in a subquery's where: a correlated subquery. */
            Diagnostic *x = diag_error(b->d, e->at,
                                       "the where of a subquery reads only "
                                       "the columns of '%s'",
                                       b->m->tables[table].name);
            diag_hint(b->d, x,
                      "a membership test compares the rule's "
                      "column with the selected column; it cannot "
                      "refer to the rule's table inside");
            return ET_ERROR;
        }
        if (b->sub_depth == 0 && qualified_column(b, table, e))
            return ET_ERROR;
        int c = resolve_column(b, table, e);
        if (c < 0)
            return ET_ERROR;
        return column_type(b, table, c);
    }
    case NODE_IN_SELECT: return type_membership(b, table, e);
    case NODE_INT:
    case NODE_REAL: return ET_NUMBER;
    case NODE_STRING: return ET_TEXT;
    case NODE_BOOL: return ET_BOOL;
    case NODE_NULL: return ET_ANY;
    case NODE_SESSION: return ET_ANY;
    case NODE_CURRENT_USER: return ET_TEXT;
    case NODE_NOT:
        want_bool(b, table, e->as.not_.operand, "'not'");
        return ET_BOOL;
    case NODE_IS_NULL:
        type_expr(b, table, e->as.is_null.operand);
        return ET_BOOL;
    case NODE_BINARY: {
        BinOp op = e->as.binary.op;
        if (op == OP_AND || op == OP_OR) {
            const char *w = op == OP_AND ? "'and'" : "'or'";
            want_bool(b, table, e->as.binary.left, w);
            want_bool(b, table, e->as.binary.right, w);
            return ET_BOOL;
        }
        const Node *l = e->as.binary.left, *r = e->as.binary.right;
        if (l->kind == NODE_NULL || r->kind == NODE_NULL) {
            Diagnostic *x =
                diag_error(b->d, e->at, "a comparison with null is never true");
            diag_hint(b->d, x, "write 'is null' or 'is not null'");
            return ET_BOOL;
        }
        ExprType lt = type_expr(b, table, l);
        ExprType rt = type_expr(b, table, r);
        if (!comparable(lt, rt)) {
            diag_error(b->d, e->at, "cannot compare %s with %s", et_name(lt),
                       et_name(rt));
        } else if ((lt == ET_BOOL || rt == ET_BOOL) && op != OP_EQ &&
                   op != OP_NE) {
            diag_error(b->d, e->at, "booleans compare only with = and !=");
        }
        return ET_BOOL;
    }
    case NODE_IN: {
        ExprType lt = type_expr(b, table, e->as.in.operand);
        const Node *vals = e->as.in.values;
        for (size_t i = 0; i < LIST_LEN(vals); i++) {
            const Node *v = LIST_AT(vals, i);
            if (v->kind == NODE_NULL) {
                Diagnostic *x = diag_error(b->d, v->at,
                                           "null in an 'in' list never "
                                           "matches");
                diag_hint(b->d, x, "add: or COLUMN is null");
                continue;
            }
            ExprType vt = type_expr(b, table, v);
            if (!comparable(lt, vt))
                diag_error(b->d, v->at, "cannot compare %s with %s",
                           et_name(lt), et_name(vt));
        }
        return ET_BOOL;
    }
    default: break;
    }
    diag_error(b->d, e->at, "this is not a row expression");
    return ET_ERROR;
}

static void add_access(Builder *b, int table, const Node *n)
{
    Rule r = {0};
    r.table = table;
    r.effect = n->as.access.effect;
    r.at = n->at;
    r.scenario = -1;
    r.columns = resolve_columns(b, table, n->as.access.columns, &r.ncolumns);
    r.roles = resolve_roles(b, n->as.access.roles, &r.nroles);
    if (n->as.access.scenario) {
        const Node *sn = n->as.access.scenario;
        r.scenario = model_scenario(b->m, sn->as.name.text);
        if (r.scenario < 0) {
            const char **cands =
                arena_alloc(b->a, (b->m->nscenarios + 1) * sizeof *cands);
            for (size_t i = 0; i < b->m->nscenarios; i++)
                cands[i] = b->m->scenarios[i].name;
            unknown(b, sn->at, "scenario", sn->as.name.text, cands,
                    b->m->nscenarios);
            return;
        }
    }
    if (r.effect == EFFECT_MASK) {
        r.mask = resolve_mask_ref(b, n->as.access.mask);
        if (!r.mask)
            return;
        for (size_t i = 0; i < r.ncolumns; i++)
            check_mask_fits(b, r.mask,
                            &b->m->tables[table].columns[r.columns[i]],
                            n->as.access.mask->at);
    }
    if (r.ncolumns != LIST_LEN(n->as.access.columns) ||
        r.nroles != LIST_LEN(n->as.access.roles))
        return; /* reported above; a partial rule would mislead */
    r.id = (int)b->m->nrules;
    b->m->rules = grow(b->a, b->m->rules, b->m->nrules, sizeof(Rule));
    b->m->rules[b->m->nrules++] = r;
}

static void add_rows(Builder *b, int table, const Node *n)
{
    RowRule r = {0};
    r.table = table;
    r.expr = n->as.rows.expr;
    r.at = n->at;
    r.roles = resolve_roles(b, n->as.rows.roles, &r.nroles);
    b->rows = &r;
    if (r.expr)
        want_bool(b, table, r.expr, "a rows rule");
    b->rows = NULL;
    b->m->tables[table].has_rows = true;
    r.id = (int)b->m->nrowrules;
    b->m->rowrules =
        grow(b->a, b->m->rowrules, b->m->nrowrules, sizeof(RowRule));
    b->m->rowrules[b->m->nrowrules++] = r;
}

static void add_write(Builder *b, int table, const Node *n)
{
    WriteRule w = {0};
    w.table = table;
    w.at = n->at;
    w.columns = resolve_columns(b, table, n->as.write.columns, &w.ncolumns);
    w.roles = resolve_roles(b, n->as.write.roles, &w.nroles);
    w.id = (int)b->m->nwrites;
    b->m->writes = grow(b->a, b->m->writes, b->m->nwrites, sizeof(WriteRule));
    b->m->writes[b->m->nwrites++] = w;
}

static void pass_rules(Builder *b, const Node *items)
{
    for (size_t i = 0; i < LIST_LEN(items); i++) {
        const Node *n = LIST_AT(items, i);
        if (n->kind != NODE_TABLE)
            continue;
        int t = model_table(b->m, n->as.table.name->as.name.text);
        if (t < 0 || b->m->tables[t].at.begin != n->as.table.name->at.begin)
            continue;
        const Node *members = n->as.table.members;
        for (size_t k = 0; k < LIST_LEN(members); k++) {
            const Node *mem = LIST_AT(members, k);
            if (mem->kind == NODE_ACCESS)
                add_access(b, t, mem);
            else if (mem->kind == NODE_ROWS)
                add_rows(b, t, mem);
            else if (mem->kind == NODE_WRITE)
                add_write(b, t, mem);
        }
    }
}

/* --- pass: index ------------------------------------------------------- */

/* pass_index lists, for every table, the ids of its access, rows and write
 * rules and, for every column, the ids of the access rules naming it, all
 * in source order: the decision function and the emitters then look at a
 * cell's own rules, never at the whole policy (that was quadratic in the
 * number of tables). Counts first, then one exact allocation per list. */
static void pass_index(Builder *b)
{
    Model *m = b->m;
    for (size_t i = 0; i < m->nrules; i++) {
        const Rule *r = &m->rules[i];
        Table *t = &m->tables[r->table];
        t->nrules++;
        for (size_t k = 0; k < r->ncolumns; k++)
            t->columns[r->columns[k]].nrules++;
    }
    for (size_t i = 0; i < m->nrowrules; i++)
        m->tables[m->rowrules[i].table].nrowrules++;
    for (size_t i = 0; i < m->nwrites; i++)
        m->tables[m->writes[i].table].nwrites++;
    size_t columns = 0;
    for (size_t ti = 0; ti < m->ntables; ti++) {
        Table *t = &m->tables[ti];
        t->columns_before = columns;
        columns += t->ncolumns;
        t->rules = arena_alloc(b->a, (t->nrules + 1) * sizeof(int));
        t->rowrules = arena_alloc(b->a, (t->nrowrules + 1) * sizeof(int));
        t->writes = arena_alloc(b->a, (t->nwrites + 1) * sizeof(int));
        t->nrules = t->nrowrules = t->nwrites = 0;
        for (size_t c = 0; c < t->ncolumns; c++) {
            Column *col = &t->columns[c];
            col->rules = arena_alloc(b->a, (col->nrules + 1) * sizeof(int));
            col->nrules = 0;
        }
    }
    for (size_t i = 0; i < m->nrules; i++) {
        const Rule *r = &m->rules[i];
        Table *t = &m->tables[r->table];
        t->rules[t->nrules++] = (int)i;
        for (size_t k = 0; k < r->ncolumns; k++) {
            Column *col = &t->columns[r->columns[k]];
            col->rules[col->nrules++] = (int)i;
        }
    }
    for (size_t i = 0; i < m->nrowrules; i++) {
        Table *t = &m->tables[m->rowrules[i].table];
        t->rowrules[t->nrowrules++] = (int)i;
    }
    for (size_t i = 0; i < m->nwrites; i++) {
        Table *t = &m->tables[m->writes[i].table];
        t->writes[t->nwrites++] = (int)i;
    }
}

/* --- pass: conflicts ---------------------------------------------------- */

static bool same_effect(const Rule *a, const Rule *b)
{
    if (a->effect != b->effect)
        return false;
    if (a->effect != EFFECT_MASK)
        return true;
    return a->mask == b->mask || strcmp(a->mask->text, b->mask->text) == 0;
}

static const char *effect_text(Arena *a, const Rule *r)
{
    if (r->effect == EFFECT_MASK)
        return arena_printf(a, "masked with %s",
                            r->mask->name ? r->mask->name : r->mask->text);
    return r->effect == EFFECT_SHOW ? "shown" : "hidden";
}

/* shared_role returns a role both rules name, -1 when both name none, or
 * -2 when they name disjoint sets (no shared cell). */
static int shared_role(const Rule *a, const Rule *b)
{
    if (a->nroles == 0 && b->nroles == 0)
        return -1;
    for (size_t i = 0; i < a->nroles; i++)
        if (rule_names_role(b, a->roles[i]))
            return a->roles[i];
    return -2;
}

/* pass_conflicts reports each pair of rules of one table, in one scenario
 * or none, that decide a cell (a column and a role, or every role) each
 * their own way. Only rules of the same table can meet, so each rule is
 * held against the earlier rules of its table alone. */
static void pass_conflicts(Builder *b)
{
    Model *m = b->m;
    for (size_t j = 0; j < m->nrules; j++) {
        const Rule *later = &m->rules[j];
        const Table *tb = &m->tables[later->table];
        for (size_t ii = 0; ii < tb->nrules && tb->rules[ii] < (int)j; ii++) {
            const Rule *first = &m->rules[tb->rules[ii]];
            if (first->scenario != later->scenario || same_effect(first, later))
                continue;
            int role = shared_role(first, later);
            if (role == -2)
                continue;
            int col = -1;
            for (size_t k = 0; k < later->ncolumns && col < 0; k++)
                if (rule_has_column(first, later->columns[k]))
                    col = later->columns[k];
            if (col < 0)
                continue;
            const Table *t = &m->tables[later->table];
            const char *who = role >= 0 ? arena_printf(b->a, "for role '%s'",
                                                       m->roles[role].name)
                                        : "for every role";
            const char *when =
                later->scenario >= 0
                    ? arena_printf(b->a, " in scenario '%s'",
                                   m->scenarios[later->scenario].name)
                    : "";
            Diagnostic *x = diag_error(
                b->d, later->at,
                "conflicting rules: column '%s.%s' %s%s is %s here", t->name,
                t->columns[col].name, who, when, effect_text(b->a, later));
            diag_note(b->d, x, first->at, "and %s here",
                      effect_text(b->a, first));
            diag_hint(b->d, x, "keep one of the two rules");
            break; /* one report per later rule and earlier rule pair */
        }
    }
}

/* --- pass: approvals ---------------------------------------------------- */

/* add_guard binds the targets of one guarded operation:
 *   "export" names ["beyond" INT "rows"] ";"
 *   | ("delete" | "update" | "unmask") names ";" */
static void add_guard(Builder *b, Approval *ap, const Node *g)
{
    GuardOp op = g->as.guard.op;
    const Node *targets = g->as.guard.targets;
    int64_t beyond = -1;
    if (g->as.guard.beyond) {
        beyond = g->as.guard.beyond->as.int_lit.value;
        if (beyond < 1) {
            Diagnostic *x = diag_error(b->d, g->as.guard.beyond->at,
                                       "the row limit of an export must be "
                                       "1 or more");
            diag_hint(b->d, x,
                      "a statement that reads more rows than "
                      "the limit needs the approval");
            beyond = 1;
        }
    }
    for (size_t i = 0; i < LIST_LEN(targets); i++) {
        const Node *tn = LIST_AT(targets, i);
        const char *text = tn->as.name.text;
        const char *dot = strchr(text, '.');
        bool by_column = op == GUARD_UPDATE || op == GUARD_UNMASK;
        if (by_column && (!dot || strchr(dot + 1, '.'))) {
            Diagnostic *x =
                diag_error(b->d, tn->at, "%s needs TABLE.COLUMN, got '%s'",
                           guard_op_name(op), text);
            diag_hint(b->d, x, "for example: %s customers.phone;",
                      guard_op_name(op));
            continue;
        }
        if (!by_column && dot && model_table(b->m, text) >= 0)
            continue; /* a dotted table name, reported where declared */
        if (!by_column && dot) {
            Diagnostic *x =
                diag_error(b->d, tn->at, "%s guards a whole table, got '%s'",
                           guard_op_name(op), text);
            diag_hint(b->d, x, "write: %s %.*s;", guard_op_name(op),
                      (int)(dot - text), text);
            continue;
        }
        char *tname = arena_strndup(b->a, text,
                                    dot ? (size_t)(dot - text) : strlen(text));
        int t = model_table(b->m, tname);
        if (t < 0) {
            const char **cands =
                arena_alloc(b->a, (b->m->ntables + 1) * sizeof *cands);
            for (size_t k = 0; k < b->m->ntables; k++)
                cands[k] = b->m->tables[k].name;
            unknown(b, tn->at, "table", tname, cands, b->m->ntables);
            continue;
        }
        int c = -1;
        if (by_column) {
            Node *cn = ast_name_new(b->a, tn->at, dot + 1, strlen(dot + 1));
            c = resolve_column(b, t, cn);
            if (c < 0)
                continue;
        }
        ap->guards = grow(b->a, ap->guards, ap->nguards, sizeof(Guard));
        ap->guards[ap->nguards++] = (Guard){op, t, c, tn->at, beyond};
    }
}

/* add_clauses binds the clauses of a `by` line:
 *   "by" INT "of" names {"and" INT "of" names} ";"
 * Each clause needs 1 to 100 approvers, and so does the whole line. The v1
 * fields count and roles get the sum and the union (see model.h). */
static void add_clauses(Builder *b, Approval *ap, const Node *by)
{
    const Node *clauses = by->as.by.clauses;
    size_t n = LIST_LEN(clauses);
    ap->clauses = arena_alloc(b->a, (n + 1) * sizeof *ap->clauses);
    ap->roles = arena_alloc(b->a, (b->m->nroles + 1) * sizeof *ap->roles);
    ap->by_at = by->at;
    int64_t total = 0;
    bool counted = true; /* every clause's count is in range */
    for (size_t i = 0; i < n; i++) {
        const Node *cl = LIST_AT(clauses, i);
        ApprovalClause *c = &ap->clauses[ap->nclauses++];
        int64_t cnt = cl->as.by_clause.count->as.int_lit.value;
        if (cnt < 1 || cnt > 100) {
            diag_error(b->d, cl->as.by_clause.count->at,
                       "an approval needs from 1 to 100 approvers");
            counted = false;
        }
        c->count = (int)(cnt < 1 ? 1 : cnt > 100 ? 100 : cnt);
        c->roles = resolve_roles(b, cl->as.by_clause.roles, &c->nroles);
        c->at = cl->at;
        total += c->count;
        for (size_t k = 0; k < c->nroles; k++)
            if (!ids_contain(ap->roles, ap->nroles, c->roles[k]))
                ap->roles[ap->nroles++] = c->roles[k];
    }
    if (total > 100 && n > 1 && counted) {
        Diagnostic *x = diag_error(b->d, by->at,
                                   "an approval needs from 1 to 100 "
                                   "approvers, and this one needs %lld",
                                   (long long)total);
        diag_hint(b->d, x, "the clauses of a 'by' line add up");
    }
    ap->count = (int)(total > 100 ? 100 : total);
}

static void add_approval(Builder *b, const Node *n)
{
    const char *name = n->as.approval.name->as.name.text;
    if (plain_name(b, n->as.approval.name, "approval"))
        check_name(b, n->as.approval.name, NAME_APPROVAL);
    int prev = find_approval(b->m, name);
    if (prev >= 0) {
        duplicate(b, n->as.approval.name->at, "approval", name,
                  b->m->approvals[prev].at);
        return;
    }
    Approval ap = {0};
    ap.name = name;
    ap.label = label_of(n->as.approval.label);
    ap.at = n->as.approval.name->at;
    const Node *by = NULL, *expires = NULL;
    const Node *items = n->as.approval.items;
    for (size_t i = 0; i < LIST_LEN(items); i++) {
        const Node *it = LIST_AT(items, i);
        if (it->kind == NODE_GUARD) {
            add_guard(b, &ap, it);
        } else if (it->kind == NODE_BY) {
            if (by) {
                Diagnostic *x = diag_error(b->d, it->at,
                                           "approval '%s' has "
                                           "two 'by' lines",
                                           name);
                diag_note(b->d, x, by->at, "the first 'by' line is here");
                continue;
            }
            by = it;
            add_clauses(b, &ap, it);
        } else if (it->kind == NODE_EXPIRES) {
            if (expires) {
                Diagnostic *x = diag_error(b->d, it->at,
                                           "approval '%s' has "
                                           "two 'expires' lines",
                                           name);
                diag_note(b->d, x, expires->at,
                          "the first 'expires' line is here");
                continue;
            }
            expires = it;
            ap.expires_at = it->at;
            ap.expires = it->as.expires.duration->as.duration.seconds;
            /* A century: a later expiry passes year 9999, where SQLite's
             * timestamps end and PostgreSQL's intervals overflow. */
            if (ap.expires < 0 || ap.expires > EXPIRY_MAX_SECONDS) {
                Diagnostic *x = diag_error(b->d, it->as.expires.duration->at,
                                           "the expiry is too large");
                diag_hint(b->d, x,
                          "an approval expires within 100 years (36500d); "
                          "leave out 'expires' for one that never does");
            } else if (ap.expires == 0)
                diag_error(b->d, it->as.expires.duration->at,
                           "an expiry must be longer than zero");
        }
    }
    if (!by) {
        Diagnostic *x = diag_error(b->d, ap.at,
                                   "approval '%s' names no "
                                   "approvers",
                                   name);
        diag_hint(b->d, x, "add: by 1 of ROLE;");
    }
    bool wrote_guard = false;
    for (size_t i = 0; i < LIST_LEN(items); i++)
        wrote_guard |= LIST_AT(items, i)->kind == NODE_GUARD;
    if (!wrote_guard) {
        Diagnostic *x =
            diag_error(b->d, ap.at, "approval '%s' guards no operation", name);
        diag_hint(b->d, x,
                  "add one of: export T; delete T; update T.C; "
                  "unmask T.C;");
    }
    /* One operation guarded twice would need two approvals at once; in one
     * approval, `export t;` beside `export t beyond 10 rows;` would leave
     * the limit in doubt. */
    for (size_t g = 1; g < ap.nguards; g++)
        for (size_t h = 0; h < g; h++) {
            const Guard *o = &ap.guards[h];
            if (o->op != ap.guards[g].op || o->table != ap.guards[g].table ||
                o->column != ap.guards[g].column)
                continue;
            Diagnostic *x = diag_error(b->d, ap.guards[g].at,
                                       "this operation is already guarded "
                                       "by this approval");
            diag_note(b->d, x, o->at, "guarded here");
            break;
        }
    /* Only the approvals guarding the same table can guard the same
     * operation: Table.guards lists them. */
    for (size_t g = 0; g < ap.nguards; g++) {
        const Table *gt = &b->m->tables[ap.guards[g].table];
        for (size_t gk = 0; gk < gt->nguards; gk++) {
            int k = gt->guards[gk];
            for (size_t h = 0; h < b->m->approvals[k].nguards; h++) {
                const Guard *o = &b->m->approvals[k].guards[h];
                if (o->op == ap.guards[g].op &&
                    o->table == ap.guards[g].table &&
                    o->column == ap.guards[g].column) {
                    Diagnostic *x = diag_error(
                        b->d, ap.guards[g].at,
                        "this operation is already guarded by approval "
                        "'%s'",
                        b->m->approvals[k].name);
                    diag_note(b->d, x, o->at, "guarded here");
                }
            }
        }
    }
    int id = (int)b->m->napprovals;
    for (size_t g = 0; g < ap.nguards; g++) {
        Table *gt = &b->m->tables[ap.guards[g].table];
        if (gt->nguards && gt->guards[gt->nguards - 1] == id)
            continue;
        gt->guards = grow(b->a, gt->guards, gt->nguards, sizeof(int));
        gt->guards[gt->nguards++] = id;
    }
    names_add(b->a, &b->m->approval_names, name, id);
    b->m->approvals =
        grow(b->a, b->m->approvals, b->m->napprovals, sizeof(Approval));
    b->m->approvals[b->m->napprovals++] = ap;
}

/* --- pass: audit and corpus --------------------------------------------- */

static Audit *audit_for(Builder *b, int table, Span at)
{
    Table *t = &b->m->tables[table];
    if (t->audit >= 0)
        return &b->m->audits[t->audit];
    t->audit = (int)b->m->naudits;
    b->m->audits = grow(b->a, b->m->audits, b->m->naudits, sizeof(Audit));
    Audit *au = &b->m->audits[b->m->naudits++];
    size_t nc = b->m->tables[table].ncolumns;
    au->table = table;
    au->read = arena_alloc(b->a, nc + 1);
    au->write = arena_alloc(b->a, nc + 1);
    au->at = at;
    return au;
}

static void add_audit(Builder *b, const Node *n)
{
    const Node *tn = n->as.audit.table;
    int t = model_table(b->m, tn->as.name.text);
    if (t < 0) {
        const char **cands =
            arena_alloc(b->a, (b->m->ntables + 1) * sizeof *cands);
        for (size_t k = 0; k < b->m->ntables; k++)
            cands[k] = b->m->tables[k].name;
        unknown(b, tn->at, "table", tn->as.name.text, cands, b->m->ntables);
        return;
    }
    Audit *au = audit_for(b, t, n->at);
    bool seen[2] = {false, false};
    const Node *parts = n->as.audit.parts;
    for (size_t i = 0; i < LIST_LEN(parts); i++) {
        const Node *part = LIST_AT(parts, i);
        bool w = part->as.audit_part.write;
        if (seen[w]) {
            diag_error(b->d, part->at,
                       "'%s' appears twice in this audit "
                       "rule",
                       w ? "write" : "read");
            continue;
        }
        seen[w] = true;
        bool *cols = w ? au->write : au->read;
        size_t nc = b->m->tables[t].ncolumns;
        if (!part->as.audit_part.columns) {
            memset(cols, 1, nc);
            continue;
        }
        size_t n_ok;
        int *ids = resolve_columns(b, t, part->as.audit_part.columns, &n_ok);
        for (size_t k = 0; k < n_ok; k++)
            cols[ids[k]] = true;
    }
}

static void set_corpus(Builder *b, const Node *n)
{
    if (b->m->corpus) {
        Diagnostic *x = diag_error(b->d, n->at,
                                   "a policy has one corpus "
                                   "line");
        diag_note(b->d, x, b->m->corpus_at, "the first corpus line is here");
        return;
    }
    const Node *path = n->as.corpus.path;
    if (path->as.string.len == 0 ||
        strlen(path->as.string.value) != path->as.string.len) {
        diag_error(b->d, path->at,
                   "the corpus path is empty or holds a "
                   "NUL byte");
        return;
    }
    b->m->corpus = path->as.string.value;
    b->m->corpus_at = n->at;
    const char *src = b->m->src->name;
    const char *slash = strrchr(src, '/');
    if (b->m->corpus[0] == '/' || !slash)
        b->m->corpus_path = b->m->corpus;
    else
        b->m->corpus_path = arena_printf(b->a, "%.*s/%s", (int)(slash - src),
                                         src, b->m->corpus);
}

/* --- entry -------------------------------------------------------------- */

Model *model_build(Arena *a, Diag *d, const Source *src, const Node *root)
{
    Builder b = {a, d, arena_alloc(a, sizeof(Model)), NULL, 0};
    b.m->arena = a;
    b.m->src = src;
    int errors = d->errors;
    const Node *items = root->as.file.items;

    pass_header(&b, items);
    pass_declare(&b, items);
    pass_inherit(&b, items);
    pass_rules(&b, items);
    pass_index(&b);
    pass_conflicts(&b);
    for (size_t i = 0; i < LIST_LEN(items); i++) {
        const Node *n = LIST_AT(items, i);
        if (n->kind == NODE_APPROVAL)
            add_approval(&b, n);
        else if (n->kind == NODE_AUDIT)
            add_audit(&b, n);
        else if (n->kind == NODE_CORPUS)
            set_corpus(&b, n);
    }
    if (b.m->nroles == 0 && d->errors == errors)
        diag_error(d, b.m->at, "the policy declares no role");
    return d->errors > errors ? NULL : b.m;
}

Model *load_policy(Arena *a, Diag *d, const char *path, ParseResult *out)
{
    ParseResult local;
    ParseResult *pr = out ? out : &local;
    Source *src = source_load(a, d, path);
    if (!src)
        return NULL;
    if (parse_source(a, d, src, pr) < 0 || !pr->root)
        return NULL;
    return model_build(a, d, src, pr->root);
}

const Audit *model_audit(const Model *m, int table)
{
    int i = m->tables[table].audit;
    return i >= 0 ? &m->audits[i] : NULL;
}

/* find_id returns the element of ITEMS (N elements of SIZE bytes, each
 * holding an int id at offset AT, in ascending order) whose id is ID, or
 * NULL. In a model as built the element of id i is at index i; in a
 * mutant that left one out, the later ones sit one place early, and the
 * binary search finds them. */
static const void *find_id(const void *items, size_t n, size_t size, size_t at,
                           int id)
{
    const char *base = items;
    if (id >= 0 && (size_t)id < n &&
        *(const int *)(base + (size_t)id * size + at) == id)
        return base + (size_t)id * size;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int v = *(const int *)(base + mid * size + at);
        if (v == id)
            return base + mid * size;
        if (v < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const Rule *model_rule(const Model *m, int id)
{
    return find_id(m->rules, m->nrules, sizeof(Rule), offsetof(Rule, id), id);
}

const RowRule *model_rowrule(const Model *m, int id)
{
    return find_id(m->rowrules, m->nrowrules, sizeof(RowRule),
                   offsetof(RowRule, id), id);
}

const WriteRule *model_write(const Model *m, int id)
{
    return find_id(m->writes, m->nwrites, sizeof(WriteRule),
                   offsetof(WriteRule, id), id);
}

const Membership *model_membership(const Model *m, const Node *node)
{
    for (size_t i = 0; i < m->nrowrules; i++)
        for (size_t k = 0; k < m->rowrules[i].nmembers; k++)
            if (m->rowrules[i].members[k].node == node)
                return &m->rowrules[i].members[k];
    return NULL;
}

/* --- v1.1 constructs ------------------------------------------------------ */

/* each_v11 calls FN on every use in M of a v1.1 construct in ONLY (a set
 * of V11_*): the rows rules' membership tests, then each approval's limited
 * exports and its clauses. (Diagnostics are printed in source order
 * whatever the order here.) */
static void each_v11(const Model *m, unsigned only,
                     void (*fn)(void *, const char *, Span), void *ctx)
{
    for (size_t i = 0; i < m->nrowrules && (only & V11_MEMBERSHIP); i++)
        for (size_t k = 0; k < m->rowrules[i].nmembers; k++)
            fn(ctx, "a membership test (in (select ...))",
               m->rowrules[i].members[k].at);
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        for (size_t g = 0; g < ap->nguards && (only & V11_BEYOND); g++)
            if (ap->guards[g].beyond >= 0)
                fn(ctx, "'export ... beyond N rows'", ap->guards[g].at);
        if (ap->nclauses > 1 && (only & V11_CLAUSES))
            fn(ctx, "an approval with several 'by' clauses", ap->by_at);
    }
}

static void first_use(void *ctx, const char *what, Span at)
{
    ModelFeature *f = ctx;
    if (!f->what || at.begin < f->at.begin)
        *f = (ModelFeature){what, at};
}

bool model_uses_v11(const Model *m, ModelFeature *out)
{
    ModelFeature f = {NULL, {0}};
    each_v11(m, V11_ALL, first_use, &f);
    if (out)
        *out = f;
    return f.what != NULL;
}

typedef struct Refusal {
    Diag *d;
    const char *target;
    int n;
} Refusal;

static void refuse(void *ctx, const char *what, Span at)
{
    Refusal *r = ctx;
    Diagnostic *x = diag_error(
        r->d, at, "%s is not supported by the %s target yet", what, r->target);
    diag_hint(r->d, x, "docs/language.md lists what each target supports");
    r->n++;
}

int model_refuse_v11(const Model *m, Diag *d, const char *target,
                     unsigned lacking)
{
    Refusal r = {d, target, 0};
    each_v11(m, lacking, refuse, &r);
    return r.n;
}
