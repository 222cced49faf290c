/*
 * emit_postgres.c - the PostgreSQL script (see emit_postgres.h).
 */
#include "emit_postgres.h"

#include "decide.h"
#include "sql_quote.h"

#include <stdio.h>
#include <string.h>

/* The runtime's SQL (runtime/postgres/), embedded by mk/embed.sh. */
extern const char pg_runtime_sql[];

/* The masks runtime/postgres/masks.sql has so far. */
static const char *const PORTED[] = {
    "keep",
    "redact",
    "null",
    "email",
    "hash",
    "anon_partial",
    "anon_partial_email",
    "mssql_default",
    "mssql_email",
    "mssql_partial",
    "cn_mobile",
    "cn_id",
    "cn_name",
    "cn_bank_card",
    "cn_landline",
    "cn_address",
    "bucket",
    "range",
    "date_trunc",
    "hive_mask",
    "hive_mask_first_n",
    "hive_mask_last_n",
    "hive_mask_show_first_n",
    "hive_mask_show_last_n",
    "hive_mask_hash",
    NULL,
};

static bool ported(const MaskSpec *spec)
{
    for (const char *const *p = PORTED; *p; p++)
        if (strcmp(*p, spec->name) == 0)
            return true;
    return false;
}

static void refuse(Diag *d, Span at, const char *what)
{
    Diagnostic *x = diag_error(d, at,
                               "the PostgreSQL target does not enforce %s "
                               "yet",
                               what);
    diag_hint(d, x,
              "compile for --target sqlite, which enforces the whole "
              "policy");
}

bool emit_postgres_check(const Model *m, Diag *d)
{
    int before = d->errors;
    for (size_t i = 0; i < m->nwrites; i++)
        refuse(d, m->writes[i].at, "write rules");
    for (size_t i = 0; i < m->napprovals; i++)
        refuse(d, m->approvals[i].at, "approvals");
    for (size_t i = 0; i < m->naudits; i++)
        refuse(d, m->audits[i].at, "audit");
    for (size_t t = 0; t < m->ntables; t++)
        for (size_t c = 0; c < m->tables[t].ncolumns; c++)
            for (size_t r = 0; r < m->nroles; r++)
                for (int s = -1; s < (int)m->nscenarios; s++) {
                    Outcome o = decide_role(m, (int)r, s, (int)t, (int)c, NULL);
                    if (o.effect != EFFECT_MASK)
                        continue;
                    const Column *col = &m->tables[t].columns[c];
                    if (ported(o.mask->spec) &&
                        !(strcmp(o.mask->spec->name, "mssql_default") == 0 &&
                          (col->type == TYPE_DATE ||
                           col->type == TYPE_DATETIME)))
                        continue;
                    if (strcmp(o.mask->spec->name, "hmac") == 0) {
                        /* PostgreSQL checks EXECUTE on a view's functions
                         * as the user, who could then pseudonymise a
                         * guessed value and compare. */
                        Diagnostic *x = diag_error(
                            d, o.mask->at,
                            "hmac is not compiled for PostgreSQL yet: a user "
                            "allowed to call it through the view could "
                            "confirm a guessed value against its pseudonym");
                        diag_hint(d, x, "compile for --target sqlite");
                        return false;
                    }
                    Diagnostic *x = diag_error(
                        d, o.mask->at,
                        "mask function %s has no PostgreSQL implementation "
                        "yet",
                        o.mask->spec->name);
                    diag_hint(d, x,
                              "ported so far: keep, redact, null, email, "
                              "hash, anon_partial, anon_partial_email, "
                              "mssql_default, mssql_email, mssql_partial, "
                              "cn_mobile, cn_id, cn_name, cn_bank_card, "
                              "cn_landline, cn_address, bucket, range, "
                              "date_trunc and the Hive family");
                    return false;
                }
    return d->errors == before;
}

/* ---- expressions ---- */

/* attr writes session.ATTR typed like what it is compared with: an
 * attribute that does not fit the type is NULL and matches no row. */
static void attr(const Table *tb, const Node *s, const Node *other, StrBuf *out)
{
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

static void expr(const Table *tb, const Node *e, const Node *other,
                 StrBuf *out);

static void operand(const Table *tb, const Node *e, const Node *other,
                    StrBuf *out)
{
    bool atom = e->kind != NODE_BINARY && e->kind != NODE_NOT &&
                e->kind != NODE_IN && e->kind != NODE_IS_NULL;
    if (!atom)
        sb_putc(out, '(');
    expr(tb, e, other, out);
    if (!atom)
        sb_putc(out, ')');
}

static void expr(const Table *tb, const Node *e, const Node *other, StrBuf *out)
{
    static const char *const ops[] = {
        " = ", " <> ", " < ", " <= ", " > ", " >= ", " AND ", " OR "};
    switch (e->kind) {
    case NODE_BINARY:
        operand(tb, e->as.binary.left, e->as.binary.right, out);
        sb_puts(out, ops[e->as.binary.op]);
        operand(tb, e->as.binary.right, e->as.binary.left, out);
        return;
    case NODE_NOT:
        sb_puts(out, "NOT ");
        operand(tb, e->as.not_.operand, NULL, out);
        return;
    case NODE_IN:
        operand(tb, e->as.in.operand,
                LIST_LEN(e->as.in.values) ? LIST_AT(e->as.in.values, 0) : NULL,
                out);
        sb_puts(out, e->as.in.negated ? " NOT IN (" : " IN (");
        for (size_t i = 0; i < LIST_LEN(e->as.in.values); i++) {
            sb_puts(out, i ? ", " : "");
            expr(tb, LIST_AT(e->as.in.values, i), e->as.in.operand, out);
        }
        sb_putc(out, ')');
        return;
    case NODE_IS_NULL:
        operand(tb, e->as.is_null.operand, NULL, out);
        sb_puts(out, e->as.is_null.negated ? " IS NOT NULL" : " IS NULL");
        return;
    case NODE_NAME: sql_put_ident(out, e->as.name.text); return;
    case NODE_SESSION: attr(tb, e, other, out); return;
    case NODE_CURRENT_USER: sb_puts(out, "(current_user)::text"); return;
    default: sql_put_literal(out, e, true); return;
    }
}

/* ---- the script ---- */

/* Outcomes of one column: 0 hide, 1 show, 2.. each distinct mask. */
typedef struct Outcomes {
    const MaskFn *masks[64];
    int n;
} Outcomes;

static int outcome_code(Outcomes *oc, const Outcome *o)
{
    if (o->effect == EFFECT_HIDE)
        return 0;
    if (o->effect == EFFECT_SHOW)
        return 1;
    for (int i = 0; i < oc->n; i++)
        if (strcmp(oc->masks[i]->text, o->mask->text) == 0)
            return 2 + i;
    if (oc->n == 64)
        return 0; /* never reached by a real policy; hiding is safe */
    oc->masks[oc->n++] = o->mask;
    return 1 + oc->n;
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
        column_as(c, "::text", out);
        sb_puts(out, ")");
        return;
    }
    if (strncmp(fn, "hive_", 5) == 0) {
        if (c->type == TYPE_REAL) {
            sb_puts(out, "NULL::text"); /* Hive: unsupported type */
            return;
        }
        sb_printf(out, "ward.%s%s(", fn, date ? "_date" : "");
        column_as(c, whole ? as_int : "::text", out);
        sb_puts(out, ", ");
        json_args(mf->call, out);
        sb_puts(out, "::jsonb)::text");
        return;
    }
    if (strcmp(fn, "mssql_default") == 0 && (whole || c->type == TYPE_REAL)) {
        sb_puts(out, "ward.mssql_default(");
        column_as(c, whole ? as_int : "::float8", out);
        sb_puts(out, ")::text");
        return;
    }
    sb_printf(out, "ward.%s(", fn);
    column_as(c, c->type == TYPE_BOOLEAN ? "::integer::text" : "::text", out);
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

static void roles(const Model *m, StrBuf *out)
{
    sb_puts(out, "\n-- The policy's roles: NOLOGIN groups; users are granted "
                 "them.\nDO $ward$\nBEGIN\n");
    for (size_t r = 0; r <= m->nroles; r++) {
        const char *name = r < m->nroles ? m->roles[r].name : "ward_reader";
        sb_puts(out, "    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE "
                     "rolname = ");
        sql_put_str(out, name);
        sb_puts(out, ") THEN\n        CREATE ROLE ");
        sql_put_ident(out, name);
        sb_printf(out, " NOLOGIN%s;\n    END IF;\n",
                  r < m->nroles ? "" : " NOBYPASSRLS");
    }
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

/* view_name writes the view of TB: "policy"."table". */
static void view_name(const Model *m, const Table *tb, StrBuf *out)
{
    sql_put_ident(out, m->name);
    sb_putc(out, '.');
    sql_put_ident(out, tb->name);
}

static void table_sql(const Model *m, size_t t, StrBuf *out, StrBuf *cells,
                      bool *first_cell)
{
    const Table *tb = &m->tables[t];
    sb_puts(out, "\nDROP VIEW IF EXISTS ");
    view_name(m, tb, out);
    sb_puts(out, ";\nCREATE VIEW ");
    view_name(m, tb, out);
    sb_puts(out, " WITH (security_barrier) AS\nSELECT");
    for (size_t c = 0; c < tb->ncolumns; c++) {
        const Column *col = &tb->columns[c];
        Outcomes oc = {{0}, 0};
        for (size_t r = 0; r < m->nroles; r++)
            for (int s = -1; s < (int)m->nscenarios; s++) {
                Outcome o = decide_role(m, (int)r, s, (int)t, (int)c, NULL);
                int code = outcome_code(&oc, &o);
                sb_puts(cells, *first_cell ? "\n  (" : ",\n  (");
                *first_cell = false;
                sql_put_str(cells, m->name);
                sb_puts(cells, ", ");
                sql_put_str(cells, tb->name);
                sb_puts(cells, ", ");
                sql_put_str(cells, col->name);
                sb_puts(cells, ", ");
                sql_put_str(cells, m->roles[r].name);
                sb_puts(cells, ", ");
                sql_put_str(cells, s < 0 ? "" : m->scenarios[s].name);
                sb_printf(cells, ", %d, %d, %lu)", code, effect_rank(o.effect),
                          (unsigned long)outcome_pos(m, &o));
            }
        /* One decision per statement: the initplan computes it once. */
        sb_printf(out, "%s\n    CASE (SELECT ward.outcome(", c ? "," : "");
        sql_put_str(out, m->name);
        sb_puts(out, ", ");
        sql_put_str(out, tb->name);
        sb_puts(out, ", ");
        sql_put_str(out, col->name);
        sb_puts(out, "))\n        WHEN 1 THEN \"t\".");
        sql_put_ident(out, col->name);
        if (oc.n)
            sb_puts(out, "::text");
        for (int i = 0; i < oc.n; i++) {
            sb_printf(out, "\n        WHEN %d THEN ", 2 + i);
            mask_sql(col, oc.masks[i], out);
        }
        sb_puts(out, "\n    END AS ");
        sql_put_ident(out, col->name);
    }
    sb_puts(out, "\nFROM ");
    sql_put_ident(out, tb->name);
    sb_puts(out, " AS \"t\";\nALTER VIEW ");
    view_name(m, tb, out);
    sb_puts(out, " OWNER TO \"ward_reader\";\nGRANT SELECT ON ");
    view_name(m, tb, out);
    sb_puts(out, " TO ");
    role_list(m, out);
    sb_puts(out, ";\n");

    /* The base table: the policy's roles reach it only through the view;
     * the view's owner reads it under row security. */
    sb_puts(out, "REVOKE ALL ON TABLE ");
    sql_put_ident(out, tb->name);
    sb_puts(out, " FROM PUBLIC, ");
    role_list(m, out);
    sb_puts(out, ";\nGRANT SELECT ON TABLE ");
    sql_put_ident(out, tb->name);
    sb_puts(out, " TO \"ward_reader\";\nALTER TABLE ");
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
        for (size_t i = 0; i < m->nrowrules; i++) {
            const RowRule *rr = &m->rowrules[i];
            if (rr->table != (int)t)
                continue;
            sb_puts(out, any ? "\n    OR (" : "\n    (");
            any = true;
            sb_puts(out, "(");
            for (size_t k = 0; k < rr->nroles; k++) {
                sb_puts(out, k ? " OR " : "");
                sb_puts(out, "pg_has_role(current_user, ");
                sql_put_str(out, m->roles[rr->roles[k]].name);
                sb_puts(out, ", 'MEMBER')");
            }
            sb_puts(out, ")");
            if (rr->expr) {
                sb_puts(out, " AND (");
                expr(tb, rr->expr, NULL, out);
                sb_puts(out, ")");
            }
            sb_puts(out, ")");
        }
    }
    sb_puts(out, ");\n");
}

void emit_postgres(const Model *m, StrBuf *out)
{
    emit_postgres_script(m, true, out);
}

void emit_postgres_script(const Model *m, bool transaction, StrBuf *out)
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
    if (transaction)
        sb_puts(out, "BEGIN;\n");
    sb_puts(out, "\n-- The database must have every protected column: stop "
                 "here if not.\n");
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        sb_puts(out, "SELECT ");
        for (size_t c = 0; c < tb->ncolumns; c++) {
            sb_puts(out, c ? ", " : "");
            sql_put_ident(out, tb->name);
            sb_putc(out, '.');
            sql_put_ident(out, tb->columns[c].name);
        }
        sb_puts(out, " FROM ");
        sql_put_ident(out, tb->name);
        sb_puts(out, " LIMIT 0;\n");
    }
    sb_puts(out, "\n-- The runtime.\n");
    sb_puts(out, pg_runtime_sql);
    roles(m, out);

    StrBuf views, cells;
    sb_init(&views);
    sb_init(&cells);
    bool first = true;
    for (size_t t = 0; t < m->ntables; t++)
        table_sql(m, t, &views, &cells, &first);

    sb_puts(out, "\n-- What this policy decides, for ward.outcome.\n"
                 "DELETE FROM ward.cell WHERE policy = ");
    sql_put_str(out, m->name);
    sb_puts(out, ";\n");
    if (!first) {
        sb_puts(out, "INSERT INTO ward.cell (policy, tbl, col, role, "
                     "scenario, outcome, rank, pos) VALUES");
        sb_append(out, cells.data, cells.len);
        sb_puts(out, ";\n");
    }
    sb_puts(out, "DELETE FROM ward.scenario_def WHERE policy = ");
    sql_put_str(out, m->name);
    sb_puts(out, ";\n");
    for (size_t s = 0; s < m->nscenarios; s++) {
        sb_puts(out, "INSERT INTO ward.scenario_def VALUES (");
        sql_put_str(out, m->name);
        sb_puts(out, ", ");
        sql_put_str(out, m->scenarios[s].name);
        sb_puts(out, ");\n");
    }

    sb_puts(out, "\n-- The masked views, and the base tables behind them.\n"
                 "CREATE SCHEMA IF NOT EXISTS ");
    sql_put_ident(out, m->name);
    sb_puts(out, ";\nREVOKE ALL ON SCHEMA ");
    sql_put_ident(out, m->name);
    sb_puts(out, " FROM PUBLIC;\nGRANT USAGE ON SCHEMA ");
    sql_put_ident(out, m->name);
    sb_puts(out, " TO \"ward_reader\", ");
    role_list(m, out);
    sb_puts(out, ";\n");
    sb_append(out, views.data, views.len);
    sb_free(&views);
    sb_free(&cells);
    if (transaction)
        sb_puts(out, "\nCOMMIT;\n");
}
