/*
 * emit_postgres.c - the PostgreSQL script (see emit_postgres.h).
 *
 * Layout of the script, in order (emit_postgres, at the end, follows it):
 *   1. settings and BEGIN, and a check that every protected column exists
 *      and every key column is unique, so that a policy that does not
 *      match the database stops before anything is made (header,
 *      preflight);
 *   2. the runtime, schema ward (unless PgOptions.no_runtime), and for a
 *      policy with a bulk-read gate the refusal of the SQL runtime
 *      (runtime);
 *   3. the policy's roles, NOLOGIN groups, with the views' owner and the
 *      policy's writer, and what the owner may call (roles,
 *      reader_grants);
 *   4. the catalog: the policy's rows of ward's tables, replaced
 *      (catalogs);
 *   5. the policy's schema and the views membership tests read through
 *      (policy_schema);
 *   6. the base tables: rights taken back, row security, write-audit
 *      triggers (base_sql);
 *   7. the views: the policy's writer function, the keyed masks'
 *      functions, each table's read, export and unmask views (views);
 *   8. pgaudit's object audit, with --pgaudit (pgaudit);
 *   9. the manifest for `ward verify --dsn`, a warning for each existence
 *      oracle, and COMMIT (manifest, oracle_warnings).
 *
 * Every function it writes (the policy's writer, the keyed masks') pins
 * search_path = pg_catalog, pg_temp, pg_temp last, and names every other
 * relation with its schema, as the runtime does (runtime/postgres/reset.sql
 * says why; tests/cli/t0016 holds both to it).
 */
#include "emit_postgres.h"

#include "decide.h"
#include "emit_common.h"
#include "sql_quote.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The runtime's SQL (runtime/postgres/), embedded by mk/embed.sh. */
extern const char pg_runtime_sql[];

/* The v1.1 constructs this target does not enforce yet: none. A construct
 * named here is refused with its location rather than compiled into
 * weaker SQL. */
#define POSTGRES_LACKS 0u

bool emit_postgres_check(const Model *m, Diag *d)
{
    return !model_refuse_v11(m, d, "postgres", POSTGRES_LACKS);
}

/* ---- row expressions in PostgreSQL's dialect ---- */

/* attr writes session.ATTR typed like what it is compared with: an
 * attribute that does not fit the type is NULL and matches no row. */
static void attr(const RowExpr *x, const Node *s, const Node *other,
                 StrBuf *out)
{
    const Table *tb = x->tb;
    const char *fn = "ward.attr";
    if (other && other->kind == NODE_NAME) {
        for (size_t c = 0; c < tb->ncolumns; c++)
            if (strcmp(tb->columns[c].name, other->as.name.text) == 0) {
                ColType t = tb->columns[c].type;
                fn = t == TYPE_INTEGER ? "ward.attr_bigint"
                     : t == TYPE_REAL  ? "ward.attr_float"
                                       : "ward.attr";
            }
    } else if (other && other->kind == NODE_INT) {
        fn = "ward.attr_bigint";
    } else if (other && other->kind == NODE_REAL) {
        fn = "ward.attr_float";
    }
    sb_printf(out, "%s(", fn);
    sql_put_str(out, s->as.session.attr);
    sb_putc(out, ')');
}

/* A name is the row's own column: row security evaluates the expression
 * over the base table alone. */
static void row_column(const RowExpr *x, const char *name, StrBuf *out)
{
    (void)x;
    sql_put_ident(out, name);
}

static void membership(const RowExpr *x, const Node *e, StrBuf *out);

static const RowDialect PG_ROWS = {
    .column = row_column,
    .session = attr,
    .membership = membership,
    .current_user = "(SELECT ward.caller_())",
    .bool_words = true,
    .membership_parens = true,
};

/* member_view names the view through which membership tests read TABLE
 * as stored: owned by the policy's writer, which bypasses row security. */
static void member_view(const Model *m, int table, StrBuf *out)
{
    sql_put_ident(out, m->name);
    sb_printf(out, ".\"ward_member_%d\"", table);
}

/* The alias of the other table inside a membership test (names that begin
 * with ward_ are reserved, so no table of the policy is named so). */
#define MEMBER_ALIAS "\"ward_member\""

/* member_operand writes a membership test's operand, a column named by
 * its table, so that the other table's columns cannot capture it. */
static void member_operand(const RowExpr *x, const Node *op, StrBuf *out)
{
    if (op->kind != NODE_NAME) {
        emit_row_operand(x, op, NULL, out);
        return;
    }
    sql_put_ident(out, x->tb->name);
    sb_putc(out, '.');
    sql_put_ident(out, op->as.name.text);
}

/* membership writes `OP [NOT] IN (SELECT C FROM T WHERE E)` as a
 * correlated EXISTS, which the planner runs as an index probe per row or
 * as one hashed pass, whichever costs less. A NULL operand is in no set
 * and out of none, as on SQLite (emit_sqlite.c). */
static void membership(const RowExpr *x, const Node *e, StrBuf *out)
{
    const Membership *ms = model_membership(x->m, e);
    const Table *other = &x->m->tables[ms->table];
    const Node *op = ms->operand;
    sb_putc(out, '(');
    member_operand(x, op, out);
    sb_puts(out, " IS NOT NULL AND ");
    sb_puts(out, ms->negated ? "NOT EXISTS (SELECT 1 FROM "
                             : "EXISTS (SELECT 1 FROM ");
    member_view(x->m, ms->table, out);
    sb_puts(out, " AS " MEMBER_ALIAS " WHERE " MEMBER_ALIAS ".");
    sql_put_ident(out, other->columns[ms->column].name);
    sb_puts(out, " = ");
    member_operand(x, op, out);
    if (ms->where) {
        /* Unqualified names in E are the other table's: the innermost
         * FROM is searched first. */
        RowExpr inner = {&PG_ROWS, x->m, other, other->name};
        sb_puts(out, " AND ");
        emit_row_operand(&inner, ms->where, NULL, out);
    }
    sb_puts(out, "))");
}

/* ---- the script ---- */

/* The outcomes of one column, numbered as ward.cell and the views number
 * them: 0 hide, 1 show, 2.. each distinct mask, in the order of the
 * column's cells (emit_column_cells). As many masks as the column has. */
typedef struct Outcomes {
    Arena *a;             /* the masks array grows here */
    const MaskFn **masks; /* code 2 + i is masks[i] */
    int n, cap;
    bool hidden; /* some role or scenario hides the column */
} Outcomes;

static void outcomes_init(Outcomes *oc, Arena *a)
{
    *oc = (Outcomes){.a = a};
}

/* outcome_code numbers O among the column's outcomes so far, adding a mask
 * not seen before. */
static int outcome_code(Outcomes *oc, const Outcome *o)
{
    if (o->effect == EFFECT_HIDE) {
        oc->hidden = true;
        return 0;
    }
    if (o->effect == EFFECT_SHOW)
        return 1;
    for (int i = 0; i < oc->n; i++)
        if (strcmp(oc->masks[i]->text, o->mask->text) == 0)
            return 2 + i;
    if (oc->n == oc->cap) {
        int cap = oc->cap ? 2 * oc->cap : 8;
        const MaskFn **grown = arena_alloc(oc->a, (size_t)cap * sizeof *grown);
        if (oc->n)
            memcpy(grown, oc->masks, (size_t)oc->n * sizeof *grown);
        oc->masks = grown;
        oc->cap = cap;
    }
    oc->masks[oc->n++] = o->mask;
    return 1 + oc->n;
}

static void count_outcome(void *ctx, int role, int scenario, const Outcome *o)
{
    (void)role;
    (void)scenario;
    outcome_code(ctx, o);
}

/* column_outcomes numbers the outcomes of column C of table T. */
static void column_outcomes(const Model *m, size_t t, size_t c, Outcomes *oc)
{
    emit_column_cells(m, (int)t, (int)c, count_outcome, oc);
}

/* json_args writes a call's literal arguments as one JSON array, the form
 * the Hive functions take (a number stays a number, a string a string). */
static void json_args(const Node *call, StrBuf *out)
{
    StrBuf j;
    sb_init(&j);
    sb_putc(&j, '[');
    for (size_t i = 0; i < LIST_LEN(call->as.call.args); i++) {
        const Node *a = LIST_AT(call->as.call.args, i);
        sb_puts(&j, i ? ", " : "");
        if (a->kind == NODE_INT) {
            sb_printf(&j, "%lld", (long long)a->as.int_lit.value);
        } else if (a->kind == NODE_REAL) {
            sb_printf(&j, "%.17g", a->as.real_lit.value);
        } else if (a->kind == NODE_STRING) {
            sb_put_json(&j, a->as.string.value, a->as.string.len);
        } else {
            sb_puts(&j, "null");
        }
    }
    sb_putc(&j, ']');
    sql_put_text(out, j.data, j.len);
    sb_free(&j);
}

static void column_as(const Column *c, const char *cast, StrBuf *out)
{
    sb_puts(out, "\"t\".");
    sql_put_ident(out, c->name);
    sb_puts(out, cast);
}

/* column_text writes column C as text for a mask to read. A date, a
 * timestamp or a real goes through ward.text_, which writes it as the
 * server does by default whatever the session set: a session's own
 * DateStyle or TimeZone would otherwise choose what a mask shows (under
 * DateStyle German, keep(4, 0) of 1990-03-07, meant to show the year,
 * shows 07.0), and its extra_float_digits, at 0 or below, would round a
 * real before the mask reads it (bucket(10.0) of 39.99 gave [40,50) at
 * -14, telling which side of a bound the value lies near). Text, integers
 * and booleans read the same under any setting. */
static void column_text(const Column *c, StrBuf *out)
{
    if (c->type == TYPE_DATE || c->type == TYPE_DATETIME ||
        c->type == TYPE_REAL) {
        sb_puts(out, "ward.text_(");
        column_as(c, ")", out);
        return;
    }
    column_as(c, c->type == TYPE_BOOLEAN ? "::integer::text" : "::text", out);
}

/* mask_sql is the column through MF, as text. The value reaches each
 * function as the C core receives it: numbers as numbers where the
 * function tells them apart (Hive, SQL Server's default), dates tagged. */
static void mask_sql(const Column *c, const MaskFn *mf, StrBuf *out)
{
    const char *fn = mf->spec->name;
    bool date = c->type == TYPE_DATE || c->type == TYPE_DATETIME;
    bool whole = c->type == TYPE_INTEGER || c->type == TYPE_BOOLEAN;
    const char *as_int =
        c->type == TYPE_BOOLEAN ? "::integer::bigint" : "::bigint";
    if (strcmp(fn, "hive_mask_hash") == 0) {
        if (c->type != TYPE_TEXT) {
            sb_puts(out, "NULL::text");
            return;
        }
        sb_puts(out, "ward.hive_mask_hash(");
        column_text(c, out);
        sb_puts(out, ")");
        return;
    }
    /* The Hive family: arguments as one jsonb, the catalog says. */
    if (mf->spec->json_args) {
        if (c->type == TYPE_REAL) {
            sb_puts(out, "NULL::text"); /* Hive: unsupported type */
            return;
        }
        sb_printf(out, "ward.%s%s(", fn, date ? "_date" : "");
        if (whole)
            column_as(c, as_int, out);
        else
            column_text(c, out);
        sb_puts(out, ", ");
        json_args(mf->call, out);
        sb_puts(out, "::jsonb)::text");
        return;
    }
    if (strcmp(fn, "mssql_default") == 0 && date) {
        sb_puts(out, "ward.mssql_default_date(");
        column_text(c, out);
        sb_puts(out, ")");
        return;
    }
    if (strcmp(fn, "mssql_default") == 0 && (whole || c->type == TYPE_REAL)) {
        sb_puts(out, "ward.mssql_default(");
        column_as(c, whole ? as_int : "::float8", out);
        sb_puts(out, ")::text");
        return;
    }
    sb_printf(out, "ward.%s(", fn);
    column_text(c, out);
    for (size_t i = 0; i < LIST_LEN(mf->call->as.call.args); i++) {
        sb_puts(out, ", ");
        sql_put_literal(out, LIST_AT(mf->call->as.call.args, i), true);
    }
    sb_puts(out, ")");
}

static void role_list(const Model *m, StrBuf *out)
{
    for (size_t r = 0; r < m->nroles; r++) {
        sb_puts(out, r ? ", " : "");
        sql_put_ident(out, m->roles[r].name);
    }
}

/* fnv_hex writes 16 hex digits of FNV-1a over the N strings, each with its
 * terminating NUL. */
static void fnv_hex(const char *const *parts, int n, char out[17])
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < n; i++)
        for (const char *p = parts[i];; p++) {
            h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
            if (!*p)
                break;
        }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* writer_role names the role that alone writes POLICY's tables for the
 * runtime: ward_w_ and a hash of the policy's name (role names are the
 * cluster's, and a policy's name may be long). */
static void writer_role(const char *policy, char out[24])
{
    char h[17];
    fnv_hex(&policy, 1, h);
    snprintf(out, 24, "ward_w_%s", h);
}

static void roles(const Model *m, StrBuf *out)
{
    sb_puts(out, "\n-- The policy's roles: NOLOGIN groups; users are granted "
                 "them.\nDO $ward$\nBEGIN\n");
    for (size_t r = 0; r <= m->nroles; r++) {
        const char *name = r < m->nroles ? m->roles[r].name : "ward_reader";
        sb_puts(out,
                "    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE "
                "rolname = ");
        sql_put_str(out, name);
        sb_puts(out, ") THEN\n        CREATE ROLE ");
        sql_put_ident(out, name);
        sb_printf(out, " NOLOGIN%s;\n    END IF;\n",
                  r < m->nroles ? "" : " NOBYPASSRLS");
    }
    char w[24];
    writer_role(m->name, w);
    sb_puts(out, "    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE "
                 "rolname = ");
    sql_put_str(out, w);
    sb_puts(out, ") THEN\n        CREATE ROLE ");
    sql_put_ident(out, w);
    sb_puts(out, " NOLOGIN BYPASSRLS;\n    END IF;\n");
    sb_puts(out, "END\n$ward$;\n");
    for (size_t r = 0; r < m->nroles; r++)
        for (size_t p = 0; p < m->roles[r].nparents; p++) {
            sb_puts(out, "GRANT ");
            sql_put_ident(out, m->roles[m->roles[r].parents[p]].name);
            sb_puts(out, " TO ");
            sql_put_ident(out, m->roles[r].name);
            sb_puts(out, ";\n");
        }
}

/* view_name writes a view of TB: "policy"."PREFIXtable". */
static void view_name(const Model *m, const char *prefix, const Table *tb,
                      StrBuf *out)
{
    StrBuf n;
    sb_init(&n);
    sb_puts(&n, prefix);
    sb_puts(&n, tb->name);
    sql_put_ident(out, m->name);
    sb_putc(out, '.');
    sql_put_ident(out, n.data);
    sb_free(&n);
}

/* guard_of is the approval guarding OP on table T (column C, or any column
 * when C < 0), or NULL. */
static const Approval *guard_of(const Model *m, GuardOp op, int t, int c)
{
    const Table *tb = &m->tables[t];
    for (size_t k = 0; k < tb->nguards; k++) {
        const Approval *ap = &m->approvals[tb->guards[k]];
        for (size_t g = 0; g < ap->nguards; g++) {
            const Guard *gd = &ap->guards[g];
            if (gd->op == op && gd->table == t && (c < 0 || gd->column == c))
                return ap;
        }
    }
    return NULL;
}

/* settings_key names table T of the policy in the session settings that
 * count its reads (ward.r_KEY): 16 hex digits of FNV-1a over both names,
 * since setting names allow no quoting. */
static void settings_key(const Model *m, const Table *tb, char out[17])
{
    const char *parts[2] = {m->name, tb->name};
    fnv_hex(parts, 2, out);
}

typedef enum ViewMode { VIEW_READ, VIEW_EXPORT, VIEW_UNMASK } ViewMode;

static const char *const VIEW_PREFIX[] = {"", "ward_export_", "ward_unmask_"};

static void policy_table_col(const Model *m, const Table *tb, const Column *c,
                             StrBuf *out)
{
    sql_put_str(out, m->name);
    sb_puts(out, ", ");
    sql_put_str(out, tb->name);
    sb_puts(out, ", ");
    sql_put_str(out, c->name);
}

/* counted writes the value V, through the read counter when COUNT (the
 * column's reads are audited). */
static void counted(const Model *m, size_t t, bool count, const char *v,
                    StrBuf *out)
{
    if (!count) {
        sb_puts(out, v);
        return;
    }
    char gk[17];
    settings_key(m, &m->tables[t], gk);
    /* A row is its table and ctid: the rows of two partitions of a
     * partitioned table may share a ctid. */
    sb_printf(out, "ward.read_('%s', \"t\".tableoid, \"t\".ctid, %s)", gk, v);
}

/* regclass_of writes TB's base table as a regclass literal: found by the
 * script's search_path when it runs. */
static void regclass_of(const Table *tb, StrBuf *out)
{
    StrBuf id;
    sb_init(&id);
    sql_put_ident(&id, tb->name);
    sql_put_str(out, id.data);
    sb_puts(out, "::regclass");
    sb_free(&id);
}

/* raise_message writes FMT's message as the literal a RAISE takes, whose
 * % marks a placeholder: each % of the message is doubled. */
static void raise_message(StrBuf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void raise_message(StrBuf *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    StrBuf esc;
    sb_init(&esc);
    for (const char *c = msg; *c; c++) {
        if (*c == '%')
            sb_putc(&esc, '%');
        sb_putc(&esc, *c);
    }
    sql_put_text(out, esc.data, esc.len);
    sb_free(&esc);
    free(msg);
}

/* keyed: the masks that read the key (hmac, encrypt), as the catalog
 * says. */
static bool keyed(const MaskFn *mf)
{
    return mf->spec->keyed;
}

/* keyed_name writes the function that gives column C of table T through
 * its keyed mask with outcome CODE: "policy"."ward_keyed_GK_C_CODE". */
static void keyed_name(const Model *m, size_t t, size_t c, int code,
                       StrBuf *out)
{
    char gk[17];
    settings_key(m, &m->tables[t], gk);
    char name[64];
    snprintf(name, sizeof name, "ward_keyed_%s_%zu_%d", gk, c, code);
    sql_put_ident(out, m->name);
    sb_putc(out, '.');
    sql_put_ident(out, name);
}

/*
 * keyed_sql: the keyed masks of every column, one function each. A view
 * cannot call ward.hmac or ward.encrypt for the user: PostgreSQL checks
 * EXECUTE on a view's functions as the user, who could then pseudonymise
 * a guessed value and compare. So the view passes only the row (its ctid)
 * to a function that runs as ward_reader, the only role allowed to call
 * the keyed masks: it reads the value itself, under the row rules (row
 * security applies to ward_reader), and only when the user's decision for
 * the column is this mask; otherwise NULL. The base table is named as the
 * script's search_path finds it, schema and all, since the function's
 * own search_path is pinned.
 */
static void keyed_sql(const Model *m, Arena *a, StrBuf *out)
{
    StrBuf body;
    sb_init(&body);
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        for (size_t c = 0; c < tb->ncolumns; c++) {
            Outcomes oc;
            outcomes_init(&oc, a);
            column_outcomes(m, t, c, &oc);
            for (int i = 0; i < oc.n; i++) {
                if (!keyed(oc.masks[i]))
                    continue;
                sb_reset(&body);
                sb_puts(&body, "CREATE FUNCTION ");
                keyed_name(m, t, c, 2 + i, &body);
                sb_puts(&body, "(r tid) RETURNS text LANGUAGE plpgsql STABLE "
                               "SECURITY DEFINER SET search_path = "
                               "pg_catalog, pg_temp AS $b$ BEGIN IF ");
                /* Called by hand it is a read all the same. */
                const Audit *au = model_audit(m, (int)t);
                if (au && au->read[c]) {
                    char gk[17];
                    settings_key(m, tb, gk);
                    sb_puts(&body, "ward.outcome_read_(");
                    policy_table_col(m, tb, &tb->columns[c], &body);
                    sb_printf(&body, ", '%s', %zu)", gk, c);
                } else {
                    sb_puts(&body, "ward.outcome(");
                    policy_table_col(m, tb, &tb->columns[c], &body);
                    sb_puts(&body, ")");
                }
                sb_printf(&body, " <> %d THEN RETURN NULL; END IF; ", 2 + i);
                sb_puts(&body, "RETURN (SELECT ");
                mask_sql(&tb->columns[c], oc.masks[i], &body);
                sb_puts(&body, " FROM ");
                /* The base table's qualified name goes between the two
                 * halves, found when the script runs. */
                /* A row is named by its ctid, unique only within one
                 * partition. */
                sb_puts(out, "    IF (SELECT relkind FROM pg_catalog.pg_class "
                             "WHERE oid = ");
                regclass_of(tb, out);
                sb_puts(out, ") = 'p' THEN\n        RAISE EXCEPTION ");
                raise_message(out,
                              "ward: keyed masks need a plain table: "
                              "%s is partitioned",
                              tb->name);
                sb_puts(out, ";\n    END IF;\n");
                sb_puts(out, "EXECUTE ");
                sql_put_text(out, body.data, body.len);
                sb_puts(out, "\n    || (SELECT format('%I.%I', n.nspname, "
                             "c.relname) FROM pg_catalog.pg_class c JOIN "
                             "pg_catalog.pg_namespace n "
                             "ON n.oid = c.relnamespace WHERE c.oid = ");
                regclass_of(tb, out);
                sb_puts(out, ")\n    || ' AS \"t\" WHERE \"t\".ctid = r); "
                             "END $b$';\n");
                sb_puts(out, "EXECUTE ");
                StrBuf q;
                sb_init(&q);
                sb_puts(&q, "ALTER FUNCTION ");
                keyed_name(m, t, c, 2 + i, &q);
                sb_puts(&q, "(tid) OWNER TO \"ward_reader\"; REVOKE ALL ON "
                            "FUNCTION ");
                keyed_name(m, t, c, 2 + i, &q);
                sb_puts(&q, "(tid) FROM PUBLIC; GRANT EXECUTE ON FUNCTION ");
                keyed_name(m, t, c, 2 + i, &q);
                sb_puts(&q, "(tid) TO ");
                role_list(m, &q);
                sql_put_text(out, q.data, q.len);
                sb_puts(out, ";\n");
                sb_free(&q);
            }
        }
    }
    sb_free(&body);
}

/* column_sql writes column C of table T as view MODE computes it. One
 * decision per statement: the initplan computes it once. */
static void column_sql(const Model *m, Arena *a, size_t t, size_t c,
                       ViewMode mode, StrBuf *out)
{
    const Table *tb = &m->tables[t];
    const Column *col = &tb->columns[c];
    const Audit *au = model_audit(m, (int)t);
    bool count = au && au->read[c] && mode != VIEW_EXPORT;
    Outcomes oc;
    outcomes_init(&oc, a);
    column_outcomes(m, t, c, &oc);
    StrBuf v;
    sb_init(&v);
    column_as(col, oc.n ? "::text" : "", &v);
    if (mode == VIEW_UNMASK &&
        guard_of(m, GUARD_UNMASK, (int)t, (int)c) != NULL) {
        sb_puts(out, "\n    CASE WHEN (SELECT ward.unmask_gate_(");
        policy_table_col(m, tb, col, out);
        sb_puts(out, ")) THEN ");
        counted(m, t, count, v.data, out);
        sb_puts(out, " END AS ");
        sql_put_ident(out, col->name);
        sb_free(&v);
        return;
    }
    if (oc.n == 0 && !oc.hidden && !count) {
        /* Shown to every role in every scenario: the column itself, so
         * that a predicate on it (a key lookup) can use its index. */
        sb_puts(out, "\n    ");
        counted(m, t, count, v.data, out);
        sb_puts(out, " AS ");
        sql_put_ident(out, col->name);
        sb_free(&v);
        return;
    }
    sb_puts(out, count ? "\n    CASE (SELECT ward.outcome_read_("
                       : "\n    CASE (SELECT ward.outcome(");
    policy_table_col(m, tb, col, out);
    if (count) {
        char gk[17];
        settings_key(m, tb, gk);
        sb_printf(out, ", '%s', %zu", gk, c);
    }
    sb_puts(out, "))\n        WHEN 1 THEN ");
    counted(m, t, count, v.data, out);
    for (int i = 0; i < oc.n; i++) {
        sb_printf(out, "\n        WHEN %d THEN ", 2 + i);
        sb_reset(&v);
        if (keyed(oc.masks[i])) {
            keyed_name(m, t, c, 2 + i, &v);
            sb_puts(&v, "(\"t\".ctid)");
        } else {
            mask_sql(col, oc.masks[i], &v);
        }
        counted(m, t, count, v.data, out);
    }
    sb_puts(out, "\n    END AS ");
    sql_put_ident(out, col->name);
    sb_free(&v);
}

/* bulk_guard is TABLE's `export T beyond N rows`, or NULL. */
static const Guard *bulk_guard(const Model *m, int table)
{
    const Table *tb = &m->tables[table];
    for (size_t k = 0; k < tb->nguards; k++) {
        const Approval *ap = &m->approvals[tb->guards[k]];
        for (size_t g = 0; g < ap->nguards; g++) {
            const Guard *gd = &ap->guards[g];
            if (gd->op == GUARD_EXPORT && gd->table == table && gd->beyond >= 0)
                return gd;
        }
    }
    return NULL;
}

static void view_sql(const Model *m, Arena *a, size_t t, ViewMode mode,
                     StrBuf *out)
{
    const Table *tb = &m->tables[t];
    const char *prefix = VIEW_PREFIX[mode];
    sb_puts(out, "\nDROP VIEW IF EXISTS ");
    view_name(m, prefix, tb, out);
    sb_puts(out, ";\nCREATE VIEW ");
    view_name(m, prefix, tb, out);
    sb_puts(out, " WITH (security_barrier) AS\nSELECT");
    for (size_t c = 0; c < tb->ncolumns; c++) {
        sb_puts(out, c ? "," : "");
        column_sql(m, a, t, c, mode, out);
    }
    sb_puts(out, "\nFROM ");
    sql_put_ident(out, tb->name);
    sb_puts(out, " AS \"t\"");
    const Guard *bulk = bulk_guard(m, (int)t);
    if (mode == VIEW_EXPORT) {
        /* The gate: once per statement, before the first row. */
        sb_puts(out, "\nWHERE (SELECT ward.export_gate_(");
        sql_put_str(out, m->name);
        sb_puts(out, ", ");
        sql_put_str(out, tb->name);
        sb_puts(out, "))");
    } else if (bulk) {
        /* The bulk-read gate counts every row the view produces, after
         * the row rules (row security, inside) and the caller's leakproof
         * conditions, which PostgreSQL evaluates first: approval.sql. */
        sb_puts(out, "\nWHERE ward.bulk_(");
        sql_put_str(out, m->name);
        sb_puts(out, ", ");
        sql_put_str(out, tb->name);
        sb_printf(out, ", %lld, (SELECT ward.bulk_open_(",
                  (long long)bulk->beyond);
        sql_put_str(out, m->name);
        sb_puts(out, ", ");
        sql_put_str(out, tb->name);
        sb_puts(out, ")))");
    }
    sb_puts(out, ";\nALTER VIEW ");
    view_name(m, prefix, tb, out);
    sb_puts(out, " OWNER TO \"ward_reader\";\nGRANT SELECT");
    if (mode == VIEW_READ)
        sb_puts(out, ", INSERT, UPDATE, DELETE");
    sb_puts(out, " ON ");
    view_name(m, prefix, tb, out);
    sb_puts(out, " TO ");
    role_list(m, out);
    sb_puts(out, ";\n");
    if (mode != VIEW_READ)
        return;
    /* The runtime reads it for the caller: is a written row still in
     * sight, how many rows does an export take. */
    sb_puts(out, "GRANT SELECT ON ");
    view_name(m, prefix, tb, out);
    sb_puts(out, " TO \"ward_owner\";\n");
    /* Writes: the trigger checks them against the policy; each UPDATE or
     * DELETE statement first draws its identity (an approval serves one
     * statement). */
    sb_puts(out, "CREATE TRIGGER \"ward_write\" INSTEAD OF INSERT OR UPDATE "
                 "OR DELETE ON ");
    view_name(m, prefix, tb, out);
    sb_puts(out, "\n    FOR EACH ROW EXECUTE FUNCTION ward.view_write_(");
    sql_put_str(out, m->name);
    sb_puts(out, ");\nCREATE TRIGGER \"ward_write_statement\" BEFORE UPDATE "
                 "OR DELETE ON ");
    view_name(m, prefix, tb, out);
    sb_puts(out,
            "\n    FOR EACH STATEMENT EXECUTE FUNCTION "
            "ward.stmt_begin_();\nCREATE TRIGGER \"ward_write_statement_end\" "
            "AFTER UPDATE OR DELETE ON ");
    view_name(m, prefix, tb, out);
    sb_puts(out, "\n    FOR EACH STATEMENT EXECUTE FUNCTION "
                 "ward.stmt_end_();\n");
}

/* role_test writes "the caller holds one of ROLES", once per statement:
 * one initplan for the rule, whatever its number of roles (each subquery
 * is planned apart, on every statement that is not prepared). */
static void role_test(const Model *m, const int *ids, size_t n, StrBuf *out)
{
    sb_puts(out, "(SELECT ");
    for (size_t k = 0; k < n; k++) {
        sb_puts(out, k ? " OR " : "");
        sb_puts(out, "pg_has_role(ward.caller_()::name, ");
        sql_put_str(out, m->roles[ids[k]].name);
        sb_puts(out, ", 'MEMBER')");
    }
    sb_puts(out, ")");
}

/* revoke_partitions takes the policy's roles' and PUBLIC's rights on
 * every partition of TB: a partition is a table of its own, and read
 * around the parent it would show its rows unmasked and unfiltered. */
static void revoke_partitions(const Model *m, const Table *tb, StrBuf *out)
{
    sb_puts(out, "DO $ward$\nDECLARE\n    r regclass;\nBEGIN\n    FOR r IN "
                 "SELECT relid FROM pg_catalog.pg_partition_tree(");
    regclass_of(tb, out);
    sb_puts(out, ") WHERE relid <> ");
    regclass_of(tb, out);
    sb_puts(out, " LOOP\n        EXECUTE format('REVOKE ALL ON TABLE %s FROM "
                 "PUBLIC, \"ward_owner\", ");
    StrBuf rl;
    sb_init(&rl);
    role_list(m, &rl);
    /* format() reads % as a placeholder; role names hold none that
     * matter, but a literal % must be doubled all the same. */
    for (size_t k = 0; k < rl.len; k++) {
        if (rl.data[k] == '%')
            sb_putc(out, '%');
        if (rl.data[k] == '\'')
            sb_putc(out, '\'');
        sb_putc(out, rl.data[k]);
    }
    sb_free(&rl);
    sb_puts(out, "', r);\n    END LOOP;\nEND\n$ward$;\n");
}

/* row_security: TB's row rules as the policy its views' owner reads it
 * under: a row is in sight when some rule names a role of the caller and
 * its expression holds. */
static void row_security(const Model *m, const Table *tb, StrBuf *out)
{
    sb_puts(out, "ALTER TABLE ");
    sql_put_ident(out, tb->name);
    sb_puts(out, " ENABLE ROW LEVEL SECURITY;\nDROP POLICY IF EXISTS "
                 "\"ward_read\" ON ");
    sql_put_ident(out, tb->name);
    sb_puts(out, ";\nCREATE POLICY \"ward_read\" ON ");
    sql_put_ident(out, tb->name);
    sb_puts(out, " FOR SELECT TO \"ward_reader\" USING (");
    if (!tb->has_rows) {
        sb_puts(out, "true");
    } else {
        bool any = false;
        for (size_t i = 0; i < tb->nrowrules; i++) {
            const RowRule *rr = model_rowrule(m, tb->rowrules[i]);
            if (!rr)
                continue;
            sb_puts(out, any ? "\n    OR (" : "\n    (");
            any = true;
            role_test(m, rr->roles, rr->nroles, out);
            if (rr->expr) {
                RowExpr x = {&PG_ROWS, m, tb, tb->name};
                sb_puts(out, " AND (");
                emit_row_expr(&x, rr->expr, out);
                sb_puts(out, ")");
            }
            sb_puts(out, ")");
        }
    }
    sb_puts(out, ");\n");
}

/* audit_trigger: the write-audit trigger of table T, when it has audited
 * writes; recorded whoever makes them. */
static void audit_trigger(const Model *m, size_t t, StrBuf *out)
{
    const Table *tb = &m->tables[t];
    sb_puts(out, "DROP TRIGGER IF EXISTS \"ward_audit\" ON ");
    sql_put_ident(out, tb->name);
    sb_puts(out, ";\n");
    const Audit *au = model_audit(m, (int)t);
    bool any = false;
    for (size_t c = 0; au && c < tb->ncolumns; c++)
        any = any || au->write[c];
    if (!any)
        return;
    sb_puts(out, "CREATE TRIGGER \"ward_audit\" AFTER INSERT OR UPDATE OR "
                 "DELETE ON ");
    sql_put_ident(out, tb->name);
    sb_puts(out, "\n    FOR EACH ROW EXECUTE FUNCTION ward.audit_write_(");
    sql_put_str(out, m->name);
    sb_puts(out, ", ");
    sql_put_str(out, tb->key >= 0 ? tb->columns[tb->key].name : "");
    /* The table's name: on a partitioned table the trigger fires on the
     * partition, whose name TG_TABLE_NAME gives. */
    sb_puts(out, ", ");
    sql_put_str(out, tb->name);
    sb_puts(out, ");\n");
}

/* base_sql: the base table behind the views. The policy's roles reach it
 * only through them; their owner reads it under row security; the
 * policy's writer writes it; audited writes are recorded. */
static void base_sql(const Model *m, size_t t, StrBuf *out)
{
    const Table *tb = &m->tables[t];
    sb_puts(out, "\nREVOKE ALL ON TABLE ");
    sql_put_ident(out, tb->name);
    sb_puts(out, " FROM PUBLIC, \"ward_owner\", ");
    role_list(m, out);
    sb_puts(out, ";\n");
    revoke_partitions(m, tb, out);
    sb_puts(out, "GRANT SELECT ON TABLE ");
    sql_put_ident(out, tb->name);
    sb_puts(out, " TO \"ward_reader\";\nGRANT SELECT, INSERT, UPDATE, "
                 "DELETE ON TABLE ");
    sql_put_ident(out, tb->name);
    /* The runtime's writer names the table by its schema. */
    char w[24];
    writer_role(m->name, w);
    sb_puts(out, " TO ");
    sql_put_ident(out, w);
    sb_puts(
        out,
        ";\nDO $ward$\nBEGIN\n    EXECUTE format('GRANT USAGE ON "
        "SCHEMA %I TO %I', (SELECT n.nspname FROM pg_catalog.pg_class c JOIN "
        "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ");
    regclass_of(tb, out);
    sb_puts(out, "), ");
    sql_put_str(out, w);
    sb_puts(out, ");\nEND\n$ward$;\n");
    row_security(m, tb, out);
    audit_trigger(m, t, out);
}

/* member_views: the views through which membership tests read the other
 * table as stored, whoever the caller: owned by the policy's writer, which
 * bypasses row security and may read the policy's tables (base_sql), and
 * readable by ward_reader alone, in whose rights row security evaluates
 * the rules. An earlier apply's go first, with the row rules that read
 * them (base_sql makes those again). */
static void member_views(const Model *m, StrBuf *out)
{
    sb_puts(out,
            "DO $ward$\nDECLARE\n    v record;\nBEGIN\n    FOR v IN "
            "SELECT viewname FROM pg_catalog.pg_views WHERE schemaname = ");
    sql_put_str(out, m->name);
    sb_puts(out, " AND viewname LIKE 'ward\\_member\\_%' LOOP\n"
                 "        EXECUTE format('DROP VIEW %I.%I CASCADE', ");
    sql_put_str(out, m->name);
    sb_puts(out, ", v.viewname);\n    END LOOP;\nEND\n$ward$;\n");
    char w[24];
    writer_role(m->name, w);
    /* The tables some membership test reads, in one pass over the rules
     * (not one per table). */
    bool *read = xmalloc((m->ntables + 1) * sizeof *read);
    memset(read, 0, (m->ntables + 1) * sizeof *read);
    for (size_t i = 0; i < m->nrowrules; i++)
        for (size_t k = 0; k < m->rowrules[i].nmembers; k++)
            read[m->rowrules[i].members[k].table] = true;
    for (size_t t = 0; t < m->ntables; t++) {
        if (!read[t])
            continue;
        sb_puts(out, "CREATE VIEW ");
        member_view(m, (int)t, out);
        sb_puts(out, " AS SELECT * FROM ");
        sql_put_ident(out, m->tables[t].name);
        sb_puts(out, ";\nALTER VIEW ");
        member_view(m, (int)t, out);
        sb_puts(out, " OWNER TO ");
        sql_put_ident(out, w);
        sb_puts(out, ";\nREVOKE ALL ON ");
        member_view(m, (int)t, out);
        sb_puts(out, " FROM PUBLIC;\nGRANT SELECT ON ");
        member_view(m, (int)t, out);
        sb_puts(out, " TO \"ward_reader\";\n");
    }
    free(read);
}

/* ---- the catalog ---- */

/* The catalog as PostgreSQL keeps it: each of the policy's tables of
 * schema ward with its columns after policy, in the order the script
 * replaces them. Row security and pg_has_role stand for the SQLite
 * catalog's rows rules and role closure. */
static const struct {
    CatalogRel rel;
    const char *table, *cols;
} CATALOG_INTO[] = {
    {CATALOG_CELL, "cell", "tbl, col, role, scenario, outcome, rank, pos"},
    {CATALOG_SCENARIO, "scenario_def", "name"},
    {CATALOG_ROLE, "role", "name, pos"},
    {CATALOG_ROLE_CLOSURE, "role_closure", "role, holds"},
    {CATALOG_TABLE, "tbl", "name, base, keycol, gk, has_rows"},
    {CATALOG_WRITE, "write", "tbl, col, role"},
    {CATALOG_COLUMN, "audit_col", "tbl, col, pos, rd, wr"},
    {CATALOG_APPROVAL, "approval", "name, label, count, expires"},
    {CATALOG_CLAUSE, "clause", "approval, clause, count"},
    {CATALOG_APPROVER, "approver", "approval, clause, role"},
    {CATALOG_GUARD, "guard", "approval, op, tbl, col, beyond"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const BOOLS[2] = {"false", "true"};

/* Rows walks the catalog into one VALUES list per relation. */
typedef struct Rows {
    const Model *m;
    StrBuf rel[CATALOG_NREL];
    Outcomes oc;    /* the cells' column's outcomes so far */
    int oc_t, oc_c; /* that column */
} Rows;

/* put_values adds values FROM to TO of ROW to the row being written. */
static void put_values(StrBuf *rows, const CatalogRow *row, int from, int to)
{
    for (int i = from; i < to; i++) {
        sb_puts(rows, ", ");
        emit_catalog_value(rows, &row->v[i], BOOLS);
    }
}

/* catalog_row writes ROW, the policy first, with what this target adds:
 * a cell's outcome numbered as the views number it, a table's base table
 * as this script's search_path finds it and its settings key. Only audited
 * columns are kept. */
static void catalog_row(void *ctx, const CatalogRow *row)
{
    Rows *w = ctx;
    const Model *m = w->m;
    StrBuf *rows = &w->rel[row->rel];
    bool audited = row->rel == CATALOG_COLUMN &&
                   (row->v[4].num != 0 || row->v[5].num != 0);
    if (row->rel == CATALOG_ROWRULE || (row->rel == CATALOG_COLUMN && !audited))
        return;
    sb_puts(rows, rows->len ? ",\n  (" : "\n  (");
    sql_put_str(rows, m->name);
    switch (row->rel) {
    case CATALOG_ROLE:
        put_values(rows, row, 0, 1);
        sb_puts(rows, ", ");
        sb_put_int(rows, row->role);
        break;
    case CATALOG_SCENARIO: put_values(rows, row, 0, 1); break;
    case CATALOG_TABLE: {
        const Table *tb = &m->tables[row->table];
        char gk[17];
        settings_key(m, tb, gk);
        put_values(rows, row, 0, 1);
        sb_puts(rows, ", ");
        regclass_of(tb, rows);
        put_values(rows, row, 1, 2);
        sb_printf(rows, ", '%s'", gk);
        put_values(rows, row, 2, 3);
        break;
    }
    case CATALOG_COLUMN:
        put_values(rows, row, 0, 3);
        put_values(rows, row, 4, 6);
        break;
    case CATALOG_CELL:
        if (row->table != w->oc_t || row->column != w->oc_c) {
            outcomes_init(&w->oc, w->oc.a);
            w->oc_t = row->table;
            w->oc_c = row->column;
        }
        put_values(rows, row, 0, 4);
        sb_puts(rows, ", ");
        sb_put_int(rows, outcome_code(&w->oc, row->outcome));
        put_values(rows, row, 4, row->n);
        break;
    default: put_values(rows, row, 0, row->n); break;
    }
    sb_putc(rows, ')');
}

/* catalogs: what the runtime's functions look up, for this policy; each
 * table's rows for the policy replaced. */
static void catalogs(const Model *m, Arena *a, StrBuf *out)
{
    Rows w = {.m = m, .oc_t = -1, .oc_c = -1};
    outcomes_init(&w.oc, a);
    for (int i = 0; i < CATALOG_NREL; i++)
        sb_init(&w.rel[i]);
    emit_catalog_walk(m, catalog_row, &w);
    sb_puts(out, "\n-- What this policy decides, for the runtime.\n");
    for (size_t i = 0; i < NELEM(CATALOG_INTO); i++) {
        const StrBuf *rows = &w.rel[CATALOG_INTO[i].rel];
        sb_printf(out,
                  "DELETE FROM ward.%s WHERE policy = ", CATALOG_INTO[i].table);
        sql_put_str(out, m->name);
        sb_puts(out, ";\n");
        if (rows->len) {
            sb_printf(out, "INSERT INTO ward.%s (policy, %s) VALUES",
                      CATALOG_INTO[i].table, CATALOG_INTO[i].cols);
            sb_append(out, rows->data, rows->len);
            sb_puts(out, "\nON CONFLICT DO NOTHING;\n");
        }
    }
    for (int i = 0; i < CATALOG_NREL; i++)
        sb_free(&w.rel[i]);
    /* The grants between the policy's roles, as its inheritance says
     * (runtime/postgres/session.sql). */
    sb_puts(out, "DO $ward$ BEGIN PERFORM ward.roles_settle_(");
    sql_put_str(out, m->name);
    sb_puts(out, "); END $ward$;\n");
}

/* The fingerprint's parts; "$P" stands for the policy's name as a
 * literal, "$W" for its writer role's. Every part yields (type, name, body). */
static const char *const FINGERPRINT[] = {
    /* The views: definition, options (security_barrier), owner, grants. */
    "SELECT 'view' AS type, c.relname::text AS name, concat_ws(E'\\n', "
    "pg_get_viewdef(c.oid), c.reloptions::text, pg_get_userbyid(c.relowner), "
    "c.relacl::text) AS body FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = $P AND c.relkind = 'v'",
    /* The base tables: row security on and forced or not, owner, grants,
     * their policies, and what runs when they are written or read:
     * column defaults and grants, constraints, rules, indexes. */
    "SELECT 'table', t.name, concat_ws(E'\\n', c.relrowsecurity, "
    "c.relforcerowsecurity, pg_get_userbyid(c.relowner), c.relacl::text, "
    "(SELECT string_agg(concat_ws(' ', pl.polname, pl.polcmd, "
    "pl.polpermissive, pl.polroles::regrole[]::text, pg_get_expr(pl.polqual, "
    "pl.polrelid), pg_get_expr(pl.polwithcheck, pl.polrelid)), E'\\n' ORDER "
    "BY pl.polname) FROM pg_catalog.pg_policy pl WHERE pl.polrelid = c.oid), "
    "(SELECT string_agg(concat_ws(' ', a.attname, a.attacl::text, "
    "pg_get_expr(d.adbin, d.adrelid)), E'\\n' ORDER BY a.attnum) "
    "FROM pg_catalog.pg_attribute a "
    "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid "
    "AND d.adnum = a.attnum WHERE a.attrelid = c.oid AND a.attnum > 0 "
    "AND NOT a.attisdropped), (SELECT string_agg(pg_get_constraintdef(k.oid), "
    "E'\\n' ORDER BY k.conname) FROM pg_catalog.pg_constraint k "
    "WHERE k.conrelid = c.oid), (SELECT string_agg(pg_get_ruledef(r.oid), "
    "E'\\n' ORDER BY r.rulename) FROM pg_catalog.pg_rewrite r "
    "WHERE r.ev_class = c.oid), (SELECT string_agg("
    "pg_get_indexdef(i.indexrelid), E'\\n' ORDER BY "
    "i.indexrelid::regclass::text) FROM pg_catalog.pg_index i "
    "WHERE i.indrelid = c.oid)) FROM ward.tbl t "
    "JOIN pg_catalog.pg_class c ON c.oid = t.base WHERE t.policy = $P",
    /* The runtime's roles and the policy's: who may bypass row security,
     * log in, who holds the runtime's own roles, and which of the
     * policy's roles each holds (a grant between them made by hand). */
    "SELECT 'role', r.rolname::text, concat_ws(' ', r.rolsuper, "
    "r.rolbypassrls, r.rolcanlogin, r.rolinherit, CASE WHEN r.rolname LIKE "
    "'ward\\_%' THEN (SELECT string_agg(m.member::regrole::text, ',' ORDER "
    "BY m.member::regrole::text) FROM pg_catalog.pg_auth_members m "
    "WHERE m.roleid = r.oid) END, (SELECT string_agg(o.rolname::text, ',' "
    "ORDER BY o.rolname) FROM pg_catalog.pg_roles o WHERE o.oid <> r.oid "
    "AND o.rolname IN (SELECT name FROM ward.role WHERE policy = $P) "
    "AND pg_catalog.pg_has_role(r.oid, o.oid, 'MEMBER'))) "
    "FROM pg_catalog.pg_roles r "
    "WHERE r.rolname IN ('ward_reader', 'ward_owner', $W) "
    "OR r.rolname IN (SELECT name FROM ward.role WHERE policy = $P)",
    /* Who may read or write the runtime's tables. */
    "SELECT 'grants', 'ward.' || c.relname, c.relacl::text "
    "FROM pg_catalog.pg_class c WHERE c.relnamespace = 'ward'::regnamespace "
    "AND c.relkind IN ('r', 'S')",
    /* Triggers on the base tables, the views and the runtime's tables
     * (the audit log's append-only guard), enabled or not. */
    "SELECT 'trigger', c.relname || '.' || g.tgname, "
    "concat_ws(E'\\n', pg_get_triggerdef(g.oid), g.tgenabled) "
    "FROM pg_catalog.pg_trigger g "
    "JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid "
    "WHERE NOT g.tgisinternal AND (c.relnamespace IN (SELECT oid "
    "FROM pg_catalog.pg_namespace WHERE nspname IN ($P, 'ward')) "
    "OR c.oid IN (SELECT base FROM ward.tbl WHERE policy = $P))",
    /* The runtime's functions, and the policy's (the keyed masks'). */
    "SELECT 'function', p.oid::regprocedure::text, concat_ws(E'\\n', "
    "p.prosrc, p.proconfig::text, p.prosecdef, p.provolatile, "
    "pg_get_userbyid(p.proowner), p.proacl::text) FROM pg_catalog.pg_proc p "
    "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname IN ('ward', $P)",
    NULL,
};

/* put_query writes Q to OUT with "$P" replaced by POLICY as a literal and
 * "$W" by its writer role's name as one. */
static void put_query(const char *policy, const char *q, StrBuf *out)
{
    StrBuf lit, wlit;
    sb_init(&lit);
    sb_init(&wlit);
    sql_put_str(&lit, policy);
    char w[24];
    writer_role(policy, w);
    sql_put_str(&wlit, w);
    for (const char *p = q; *p; p++) {
        if (p[0] == '$' && p[1] == 'P') {
            sb_append(out, lit.data, lit.len);
            p++;
        } else if (p[0] == '$' && p[1] == 'W') {
            sb_append(out, wlit.data, wlit.len);
            p++;
        } else {
            sb_putc(out, *p);
        }
    }
    sb_free(&lit);
    sb_free(&wlit);
}

void emit_postgres_fingerprint(const char *policy, StrBuf *out)
{
    StrBuf q;
    sb_init(&q);
    for (int i = 0; FINGERPRINT[i]; i++)
        sb_printf(&q, "%s\n  %s", i ? " UNION ALL" : "", FINGERPRINT[i]);
    /* The catalog's rows for the policy are its decisions: every table
     * the script fills. */
    for (size_t i = 0; i < NELEM(CATALOG_INTO); i++)
        sb_printf(&q,
                  " UNION ALL\n  SELECT 'rows', 'ward.%s', (SELECT "
                  "string_agg(to_jsonb(x)::text, E'\\n' ORDER BY "
                  "to_jsonb(x)::text) FROM ward.%s x WHERE x.policy = $P)",
                  CATALOG_INTO[i].table, CATALOG_INTO[i].table);
    sb_puts(out, "SELECT type, name, encode(sha256(convert_to(coalesce(body, "
                 "''), 'UTF8')), 'hex') AS sha256 FROM (");
    put_query(policy, q.data, out);
    sb_puts(out, "\n) f");
    sb_free(&q);
}

/*
 * The constraints that make an existence oracle (docs/dba-postgres.md).
 * A role that may write a column it does not see in clear learns, from a
 * write the table refuses, whether another row holds the value it wrote:
 * a unique or exclusion constraint (or unique index) covering the column
 * refuses a value some row has, a foreign key from it one that the other
 * table lacks. A refused write rolls back, audit row and all.
 *
 * held: each policy role and the policy roles it holds (itself included);
 * blind: a column a role may write (through a role it holds) and, in a
 * scenario ('' for none), sees through none of them in clear; covers: the
 * columns of each such constraint or unique index of a protected table,
 * its key columns and those its expressions and predicate name.
 */
static const char ORACLES[] =
    "WITH held AS (SELECT r.name AS role, h.name AS holds FROM ward.role r "
    "JOIN ward.role h ON h.policy = r.policy "
    "JOIN pg_catalog.pg_roles ro ON ro.rolname = r.name "
    "JOIN pg_catalog.pg_roles ho ON ho.rolname = h.name "
    "WHERE r.policy = $P AND pg_catalog.pg_has_role(ro.oid, ho.oid, 'MEMBER')"
    "), sc AS (SELECT ''::text AS s UNION SELECT name FROM ward.scenario_def "
    "WHERE policy = $P"
    "), blind AS (SELECT DISTINCT w.tbl, w.col, hw.role, sc.s "
    "FROM ward.write w JOIN held hw ON hw.holds = w.role CROSS JOIN sc "
    "WHERE w.policy = $P AND NOT EXISTS (SELECT 1 FROM ward.cell c "
    "JOIN held hc ON hc.holds = c.role WHERE hc.role = hw.role "
    "AND c.policy = $P AND c.tbl = w.tbl AND c.col = w.col "
    "AND c.scenario = sc.s AND c.outcome = 1)"
    "), idx AS (SELECT t.name AS tbl, i.indexrelid, "
    "coalesce((SELECT CASE k.contype WHEN 'p' THEN 'primary key ' "
    "WHEN 'u' THEN 'unique constraint ' ELSE 'exclusion constraint ' END "
    "|| pg_catalog.quote_ident(k.conname) FROM pg_catalog.pg_constraint k "
    "WHERE k.conindid = i.indexrelid AND k.conrelid = t.base "
    "AND k.contype IN ('p', 'u', 'x')), 'unique index ' "
    "|| pg_catalog.quote_ident(ic.relname)) AS what, t.base "
    "FROM ward.tbl t JOIN pg_catalog.pg_index i ON i.indrelid = t.base "
    "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
    "WHERE t.policy = $P AND (i.indisunique OR i.indisexclusion)"
    "), covers AS (SELECT x.tbl, a.attname::text AS col, x.what FROM idx x "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = x.base AND a.attnum > 0 "
    "WHERE a.attnum = ANY (SELECT i.indkey[n] FROM pg_catalog.pg_index i, "
    "pg_catalog.generate_series(0, i.indnatts - 1) n "
    "WHERE i.indexrelid = x.indexrelid) "
    "OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
    "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
    "AND d.objid = x.indexrelid AND d.refobjid = x.base "
    "AND d.refobjsubid = a.attnum) "
    "UNION SELECT t.name, a.attname::text, 'foreign key ' "
    "|| pg_catalog.quote_ident(k.conname) FROM ward.tbl t "
    "JOIN pg_catalog.pg_constraint k ON k.conrelid = t.base "
    "AND k.contype = 'f' JOIN pg_catalog.pg_attribute a "
    "ON a.attrelid = t.base AND a.attnum = ANY (k.conkey) "
    "WHERE t.policy = $P"
    "), who AS (SELECT k.tbl, k.col, k.what, b.role || CASE WHEN "
    "bool_or(b.s = '') THEN '' ELSE ' (in scenario ' "
    "|| string_agg(b.s, ', ' ORDER BY b.s) || ')' END AS who "
    "FROM covers k JOIN blind b ON b.tbl = k.tbl AND b.col = k.col "
    "GROUP BY k.tbl, k.col, k.what, b.role"
    ") SELECT tbl, col, what, string_agg(who, ', ' ORDER BY who) AS roles, "
    "count(*) AS n FROM who GROUP BY tbl, col, what ORDER BY 1, 2, 3";

void emit_postgres_oracles(const char *policy, StrBuf *out)
{
    put_query(policy, ORACLES, out);
}

/* pgaudit: its object audit logs every statement that touches what the
 * audit role may touch; the role is never granted to anyone. Reads
 * through the views reach the base table's columns, so they are logged
 * too, in the server log, whatever happens to the transaction. */
static void pgaudit(const Model *m, StrBuf *out)
{
    sb_puts(out, "\n-- pgaudit object audit (--pgaudit): the server needs "
                 "shared_preload_libraries = 'pgaudit'.\n"
                 "CREATE EXTENSION IF NOT EXISTS pgaudit;\n"
                 "DO $ward$\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM "
                 "pg_catalog.pg_roles WHERE rolname = 'ward_auditor') THEN\n"
                 "        CREATE ROLE \"ward_auditor\" NOLOGIN;\n    END "
                 "IF;\n    EXECUTE format('ALTER DATABASE %I SET pgaudit.role "
                 "= %L', current_database(), 'ward_auditor');\nEND\n"
                 "$ward$;\n");
    static const char *const PRIV[] = {"SELECT", "INSERT", "UPDATE"};
    for (size_t i = 0; i < m->naudits; i++) {
        const Audit *au = &m->audits[i];
        const Table *tb = &m->tables[au->table];
        sb_puts(out, "REVOKE ALL ON TABLE ");
        sql_put_ident(out, tb->name);
        sb_puts(out, " FROM \"ward_auditor\";\n");
        for (int p = 0; p < 3; p++) {
            bool any = false;
            for (size_t c = 0; c < tb->ncolumns; c++) {
                if (!(p == 0 ? au->read[c] : au->write[c]))
                    continue;
                sb_printf(out, "%s", any ? ", " : "GRANT ");
                if (!any)
                    sb_printf(out, "%s (", PRIV[p]);
                any = true;
                sql_put_ident(out, tb->columns[c].name);
            }
            if (!any)
                continue;
            sb_puts(out, ") ON TABLE ");
            sql_put_ident(out, tb->name);
            sb_puts(out, " TO \"ward_auditor\";\n");
            if (p == 2) {
                sb_puts(out, "GRANT DELETE ON TABLE ");
                sql_put_ident(out, tb->name);
                sb_puts(out, " TO \"ward_auditor\";\n");
            }
        }
    }
}

void emit_postgres_runtime(StrBuf *out)
{
    sb_puts(out, "\n-- The runtime.\n");
    sb_puts(out, pg_runtime_sql);
}

/* ---- the script, part by part, in order ---- */

/* header: what the script is and how to apply it; settings, BEGIN. */
static void header(const Model *m, const PgOptions *opt, StrBuf *out)
{
    sb_printf(out,
              "-- ward: PostgreSQL script for policy %s version %lld\n"
              "--\n"
              "-- Generated; do not edit. Apply as a superuser:\n"
              "--   psql -v ON_ERROR_STOP=1 -f THIS_FILE DBNAME\n"
              "-- Users log in as roles granted the policy's roles and read "
              "the views\n"
              "-- in schema %s. docs/dba-postgres.md has the details.\n\n",
              m->name, (long long)m->version, m->name);
    sb_puts(out, "SET client_min_messages = warning;\n"
                 "SET standard_conforming_strings = on;\n");
    if (opt->transaction)
        sb_puts(out, "BEGIN;\n");
}

/* preflight: the database must have every protected column, and every
 * key column must be unique in its table, before anything is made. */
static void preflight(const Model *m, StrBuf *out)
{
    sb_puts(out, "\n-- The database must have every protected column: stop "
                 "here if not.\n");
    sb_puts(out, "DO $ward$\nBEGIN\n");
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        sb_puts(out, "    PERFORM ");
        for (size_t c = 0; c < tb->ncolumns; c++) {
            sb_puts(out, c ? ", " : "");
            sql_put_ident(out, tb->name);
            sb_putc(out, '.');
            sql_put_ident(out, tb->columns[c].name);
        }
        sb_puts(out, " FROM ");
        sql_put_ident(out, tb->name);
        sb_puts(out, " LIMIT 0;\n");
        if (tb->key < 0)
            continue;
        /* Writes name a row by its key: a key the table does not keep
         * unique would reach other rows, out of sight included. */
        sb_puts(
            out,
            "    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN "
            "pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum "
            "= i.indkey[0] WHERE i.indrelid = ");
        regclass_of(tb, out);
        sb_puts(out, " AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred "
                     "IS NULL AND i.indexprs IS NULL AND a.attname = ");
        sql_put_str(out, tb->columns[tb->key].name);
        sb_puts(out, ") THEN\n        RAISE EXCEPTION ");
        raise_message(out,
                      "ward: the key column %s.%s is not unique in the table: "
                      "give it a primary key or a unique constraint",
                      tb->name, tb->columns[tb->key].name);
        sb_puts(out, ";\n    END IF;\n");
    }
    sb_puts(out, "END\n$ward$;\n");
}

/* runtime: the runtime itself unless OPT leaves it out, then, for a
 * policy with a bulk-read gate, the refusal of the SQL runtime: the gate's
 * count lives in the C library's memory, where the session cannot set it
 * back (approval.sql); no C library, no policy, rather than a gate that
 * can be reset. */
static void runtime(const Model *m, const PgOptions *opt, StrBuf *out)
{
    if (!opt->no_runtime)
        emit_postgres_runtime(out);
    bool gated = false;
    for (size_t t = 0; t < m->ntables && !gated; t++)
        gated = bulk_guard(m, (int)t) != NULL;
    if (!gated)
        return;
    sb_puts(out, "\n-- export T beyond N rows needs the C library.\n"
                 "DO $ward$\nBEGIN\n    IF ward.runtime() <> 'c' THEN\n"
                 "        RAISE EXCEPTION 'ward: this policy has a "
                 "bulk-read gate (export T beyond N rows), which needs "
                 "the C library ward_pg: the SQL runtime cannot count "
                 "rows where the session cannot reset the count' USING "
                 "HINT = 'make install-pg, then apply again with "
                 "ward.pg_runtime unset or c (docs/dba-postgres.md, "
                 "\"Bulk reads\")';\n    END IF;\nEND\n$ward$;\n");
}

/* reader_grants: what the views' owner, ward_reader, may call of the
 * runtime, and the runtime's reading of a view in its rights. */
static void reader_grants(StrBuf *out)
{
    sb_puts(out, "-- Only the views' owner calls the keyed masks (see "
                 "ward_keyed_ functions).\nGRANT EXECUTE ON FUNCTION "
                 "ward.hmac(text, text), ward.encrypt(text, text), "
                 "ward.read_open_(text, text, text, integer) TO "
                 "\"ward_reader\";\n"
                 "-- The runtime reads a policy view as the views' owner, "
                 "never with its own rights.\nALTER FUNCTION "
                 "ward.view_rows_(text, text, text, text) OWNER TO "
                 "\"ward_reader\";\nREVOKE ALL ON FUNCTION "
                 "ward.view_rows_(text, text, text, text) FROM PUBLIC;\n"
                 "GRANT EXECUTE ON FUNCTION ward.view_rows_(text, text, text, "
                 "text) TO \"ward_owner\";\n");
}

/* policy_schema: the schema named after the policy, which holds its
 * views and functions, and the views membership tests read through. */
static void policy_schema(const Model *m, StrBuf *out)
{
    sb_puts(out, "\n-- The policy's schema: its views and functions.\n"
                 "CREATE SCHEMA IF NOT EXISTS ");
    sql_put_ident(out, m->name);
    sb_puts(out, ";\nREVOKE ALL ON SCHEMA ");
    sql_put_ident(out, m->name);
    sb_puts(out, " FROM PUBLIC;\nGRANT USAGE ON SCHEMA ");
    sql_put_ident(out, m->name);
    sb_puts(out, " TO \"ward_reader\", \"ward_owner\", ");
    role_list(m, out);
    sb_puts(out, ";\n");
    member_views(m, out);
}

/* writer_function: "policy"."ward_dml_", ward.dml_ as the policy's
 * writer, which alone writes the policy's tables for the runtime. */
static void writer_function(const Model *m, StrBuf *out)
{
    char w[24];
    writer_role(m->name, w);
    sb_puts(out, "GRANT \"ward_writers\" TO ");
    sql_put_ident(out, w);
    sb_puts(out, ";\nDROP FUNCTION IF EXISTS ");
    sql_put_ident(out, m->name);
    sb_puts(out, ".\"ward_dml_\"(text, jsonb, jsonb);\nCREATE FUNCTION ");
    sql_put_ident(out, m->name);
    sb_puts(out, ".\"ward_dml_\"(q text, a jsonb, b jsonb)\nRETURNS jsonb "
                 "LANGUAGE plpgsql SECURITY DEFINER\nSET search_path = "
                 "pg_catalog, pg_temp AS $ward$\nBEGIN\n    RETURN "
                 "ward.dml_(q, a, b);\nEND\n$ward$;\nALTER FUNCTION ");
    sql_put_ident(out, m->name);
    sb_puts(out, ".\"ward_dml_\"(text, jsonb, jsonb) OWNER TO ");
    sql_put_ident(out, w);
    sb_puts(out, ";\nREVOKE ALL ON FUNCTION ");
    sql_put_ident(out, m->name);
    sb_puts(out, ".\"ward_dml_\"(text, jsonb, jsonb) FROM PUBLIC;\nGRANT "
                 "EXECUTE ON FUNCTION ");
    sql_put_ident(out, m->name);
    sb_puts(out, ".\"ward_dml_\"(text, jsonb, jsonb) TO \"ward_owner\";\n");
}

/* keyed_functions: the views an earlier version made and this one does
 * not, and the keyed masks' functions, dropped; these made again. */
static void keyed_functions(const Model *m, Arena *a, StrBuf *out)
{
    sb_puts(out, "DO $ward$\nDECLARE\n    v record;\nBEGIN\n"
                 "    FOR v IN SELECT viewname FROM pg_catalog.pg_views WHERE "
                 "schemaname = ");
    sql_put_str(out, m->name);
    sb_puts(out, " AND viewname NOT LIKE 'ward\\_member\\_%' LOOP\n"
                 "        EXECUTE format('DROP VIEW %I.%I', ");
    sql_put_str(out, m->name);
    sb_puts(out,
            ", v.viewname);\n    END LOOP;\n"
            "    -- The keyed masks' functions, made again below.\n"
            "    FOR v IN SELECT p.oid::regprocedure AS f FROM "
            "pg_catalog.pg_proc p "
            "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE "
            "n.nspname = ");
    sql_put_str(out, m->name);
    sb_puts(out, " AND p.proname LIKE 'ward\\_keyed\\_%' LOOP\n"
                 "        EXECUTE format('DROP FUNCTION %s', v.f);\n"
                 "    END LOOP;\n");
    keyed_sql(m, a, out);
    sb_puts(out, "END\n$ward$;\n");
}

/* views: the policy's writer, the keyed masks' functions, then each
 * table's read and export views and, where a column is unmask-guarded,
 * its unmask view. */
static void views(const Model *m, Arena *a, StrBuf *out)
{
    sb_puts(out, "\n-- The views: masked reads, writes, exports, unmasking.\n");
    writer_function(m, out);
    keyed_functions(m, a, out);
    for (size_t t = 0; t < m->ntables; t++) {
        view_sql(m, a, t, VIEW_READ, out);
        view_sql(m, a, t, VIEW_EXPORT, out);
        bool unmask = false;
        for (size_t c = 0; c < m->tables[t].ncolumns; c++)
            unmask =
                unmask || guard_of(m, GUARD_UNMASK, (int)t, (int)c) != NULL;
        if (unmask)
            view_sql(m, a, t, VIEW_UNMASK, out);
    }
    /* The read counter of earlier versions, which took the row as text,
     * once no view (of another policy, applied by an earlier version)
     * calls it. */
    sb_puts(out, "DO $ward$\nDECLARE\n    f regprocedure := "
                 "to_regprocedure('ward.read_(text, text, anyelement)');\n"
                 "BEGIN\n    IF f IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                 "pg_catalog.pg_depend d WHERE d.refobjid = f) THEN\n"
                 "        EXECUTE format('DROP FUNCTION %s', f);\n    END IF;"
                 "\nEND\n$ward$;\n");
}

/* manifest: the policy's version, and what the script made as the server
 * keeps it (emit_postgres_fingerprint), for `ward verify --dsn`. */
static void manifest(const Model *m, StrBuf *out)
{
    sb_puts(out, "\n-- What this script made, as the server keeps it, for "
                 "`ward verify --dsn`.\nINSERT INTO ward.policy VALUES (");
    sql_put_str(out, m->name);
    sb_printf(out,
              ", %lld) ON CONFLICT (policy) DO UPDATE SET version = "
              "EXCLUDED.version;\nDELETE FROM ward.manifest WHERE "
              "policy = ",
              (long long)m->version);
    sql_put_str(out, m->name);
    sb_puts(out, ";\nINSERT INTO ward.manifest SELECT ");
    sql_put_str(out, m->name);
    sb_puts(out, ", type, name, sha256 FROM (");
    emit_postgres_fingerprint(m->name, out);
    sb_puts(out, ") m;\n");
}

/* oracle_warnings: a warning for each constraint that would tell a role
 * what it may not see (emit_postgres_oracles). */
static void oracle_warnings(const Model *m, StrBuf *out)
{
    sb_puts(out,
            "\n-- Unique, exclusion and foreign key constraints on a column "
            "a role may\n-- write but not see: existence oracles "
            "(docs/dba-postgres.md).\nDO $ward$\nDECLARE\n    o "
            "record;\nBEGIN\n    FOR o IN ");
    emit_postgres_oracles(m->name, out);
    sb_puts(out, " LOOP\n        RAISE WARNING 'ward: %.% is in %, and % % "
                 "may write it without seeing it in clear: a write the table "
                 "refuses tells whether another row holds the value written "
                 "(docs/dba-postgres.md)',\n            o.tbl, o.col, o.what, "
                 "CASE WHEN o.n = 1 THEN 'role' ELSE 'roles' END, o.roles;\n"
                 "    END LOOP;\nEND\n$ward$;\n");
}

/* emit_postgres writes the script's parts in the order the file's opening
 * comment gives. */
void emit_postgres(const Model *m, const PgOptions *opt, StrBuf *out)
{
    Arena a;
    arena_init(&a);
    header(m, opt, out);
    preflight(m, out);
    runtime(m, opt, out);
    roles(m, out);
    reader_grants(out);
    catalogs(m, &a, out);
    policy_schema(m, out);
    sb_puts(out, "\n-- The base tables: reached through the views only.\n");
    for (size_t t = 0; t < m->ntables; t++)
        base_sql(m, t, out);
    views(m, &a, out);
    if (opt->pgaudit)
        pgaudit(m, out);
    manifest(m, out);
    oracle_warnings(m, out);
    if (opt->transaction)
        sb_puts(out, "\nCOMMIT;\n");
    arena_free(&a);
}
