/*
 * runner.c - running a corpus on the SQLite target (see runner.h).
 */
#include "runner.h"

#include "decide.h"
#include "keys.h"
#include "verdict.h"
#include "emit_sqlite.h"
#include "report.h"
#include "sql_quote.h"
#include "ward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Run {
    const Model *m;
    const Corpus *c;
    Arena *a;
    sqlite3 *db;
    StrBuf why; /* the failing step's explanation */
    Exercised *ex;
    bool shared; /* db is shared by a run of read cases */
} Run;

size_t cell_count(const Model *m)
{
    size_t cols = 0;
    for (size_t t = 0; t < m->ntables; t++)
        cols += m->tables[t].ncolumns;
    return m->nroles * (m->nscenarios + 1) * cols;
}

size_t cell_index(const Model *m, int role, int scenario, int table, int column)
{
    /* Table.columns_before: no walk over the tables for every cell. */
    const Table *last = &m->tables[m->ntables - 1];
    size_t cols = last->columns_before + last->ncolumns;
    size_t col = m->tables[table].columns_before + (size_t)column;
    return ((size_t)role * (m->nscenarios + 1) + (size_t)(scenario + 1)) *
               cols +
           col;
}

/* ---- values ---- */

static void bind_cval(sqlite3_stmt *st, int i, const CVal *v)
{
    switch (v->kind) {
    case CV_NULL: sqlite3_bind_null(st, i); break;
    case CV_BOOL:
    case CV_INT: sqlite3_bind_int64(st, i, v->i); break;
    case CV_REAL: sqlite3_bind_double(st, i, v->r); break;
    case CV_TEXT:
        sqlite3_bind_text(st, i, v->s, (int)v->n, SQLITE_STATIC);
        break;
    }
}

/* column_value is column I of ST's current row as a corpus value, typed
 * as SQLite returned it. Arena-owned. */
static CVal column_value(Arena *a, sqlite3_stmt *st, int i)
{
    CVal v = {0};
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
        v.kind = CV_NULL;
        v.s = "NULL";
        break;
    case SQLITE_INTEGER:
        v.kind = CV_INT;
        v.i = sqlite3_column_int64(st, i);
        v.s = arena_printf(a, "%lld", (long long)v.i);
        break;
    case SQLITE_FLOAT:
        v.kind = CV_REAL;
        v.r = sqlite3_column_double(st, i);
        /* The shortest text that reads back as the same double. */
        v.s = arena_printf(a, "%.15g", v.r);
        if (strtod(v.s, NULL) != v.r)
            v.s = arena_printf(a, "%.17g", v.r);
        break;
    default:
        v.kind = CV_TEXT;
        v.n = (size_t)sqlite3_column_bytes(st, i);
        v.s = arena_strndup(a, (const char *)sqlite3_column_text(st, i), v.n);
        return v;
    }
    v.n = strlen(v.s);
    return v;
}

/* names appends the keys of MP as a quoted, comma-separated list. */
static void names(StrBuf *sql, const CMap *mp)
{
    for (size_t i = 0; i < mp->n; i++) {
        sb_puts(sql, i ? ", " : "");
        sql_put_ident(sql, mp->items[i].key);
    }
}

/* ---- the template ---- */

static const char *sql_type(ColType t)
{
    switch (t) {
    case TYPE_INTEGER: return "INTEGER";
    case TYPE_REAL: return "REAL";
    case TYPE_BOOLEAN: return "BOOLEAN";
    default: return "TEXT";
    }
}

void runner_tables_sql(const Model *m, const char *(*type_name)(ColType),
                       StrBuf *out)
{
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        sb_puts(out, "CREATE TABLE ");
        sql_put_ident(out, tb->name);
        sb_puts(out, " (");
        for (size_t k = 0; k < tb->ncolumns; k++) {
            sb_puts(out, k ? ", " : "");
            sql_put_ident(out, tb->columns[k].name);
            sb_printf(out, " %s%s", type_name(tb->columns[k].type),
                      tb->columns[k].key ? " PRIMARY KEY" : "");
        }
        sb_puts(out, ");\n");
    }
}

bool runner_template(const Model *m, const Corpus *c, Arena *a,
                     unsigned char **image, sqlite3_int64 *size,
                     const char **err)
{
    Run run = {.m = m, .c = c, .a = a};
    Run *r = &run;
    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    StrBuf sql;
    sb_init(&sql);
    runner_tables_sql(m, sql_type, &sql);
    char *msg = NULL;
    bool ok = sqlite3_exec(db, sql.data, NULL, NULL, &msg) == SQLITE_OK;
    for (size_t f = 0; ok && f < r->c->nfixtures; f++) {
        const CFixture *fx = &r->c->fixtures[f];
        for (size_t row = 0; ok && row < fx->nrows; row++) {
            const CMap *mp = &fx->rows[row];
            sb_reset(&sql);
            sb_puts(&sql, "INSERT INTO ");
            sql_put_ident(&sql, fx->table);
            sb_puts(&sql, " (");
            names(&sql, mp);
            sb_puts(&sql, mp->n ? ") VALUES (" : ") DEFAULT VALUES");
            for (size_t i = 0; i < mp->n; i++)
                sb_printf(&sql, "%s?", i ? ", " : "");
            if (mp->n)
                sb_putc(&sql, ')');
            sqlite3_stmt *st = NULL;
            ok = sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) == SQLITE_OK;
            for (size_t i = 0; ok && i < mp->n; i++)
                bind_cval(st, (int)i + 1, &mp->items[i].val);
            if (ok && sqlite3_step(st) != SQLITE_DONE) {
                size_t line, col;
                srcmap_line_col(mp->at.file, mp->at.begin, &line, &col);
                msg = sqlite3_mprintf("fixture at %s:%zu:%zu: %s",
                                      mp->at.file->name, line, col,
                                      sqlite3_errmsg(db));
                ok = false;
            }
            sqlite3_finalize(st);
        }
    }
    sb_reset(&sql);
    emit_sqlite(m, &sql);
    if (ok && sqlite3_exec(db, sql.data, NULL, NULL, &msg) != SQLITE_OK)
        ok = false;
    sb_free(&sql);
    if (ok) {
        *image = sqlite3_serialize(db, "main", size, 0);
        ok = *image != NULL;
    } else {
        *err = arena_printf(r->a, "cannot build the test database: %s",
                            msg ? msg : sqlite3_errmsg(db));
    }
    sqlite3_free(msg);
    sqlite3_close(db);
    return ok;
}

sqlite3 *runner_open(const unsigned char *image, sqlite3_int64 size)
{
    unsigned char *copy = sqlite3_malloc64((sqlite3_uint64)size);
    sqlite3 *db = NULL;
    if (!copy || sqlite3_open(":memory:", &db) != SQLITE_OK) {
        sqlite3_free(copy);
        sqlite3_close(db);
        return NULL;
    }
    memcpy(copy, image, (size_t)size);
    int rc = sqlite3_deserialize(db, "main", copy, size, size,
                                 SQLITE_DESERIALIZE_FREEONCLOSE |
                                     SQLITE_DESERIALIZE_RESIZEABLE);
    if (rc == SQLITE_OK)
        rc = ward_runtime_open(db, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* ---- one step ---- */

void runner_attrs_json(const CMap *attrs, StrBuf *out)
{
    sb_putc(out, '{');
    for (size_t i = 0; i < attrs->n; i++) {
        const CVal *v = &attrs->items[i].val;
        if (i)
            sb_putc(out, ',');
        sb_put_json(out, attrs->items[i].key, strlen(attrs->items[i].key));
        sb_putc(out, ':');
        if (v->kind == CV_TEXT)
            sb_put_json(out, v->s, v->n);
        else if (v->kind == CV_NULL)
            sb_puts(out, "null");
        else if (v->kind == CV_BOOL)
            sb_puts(out, v->i ? "true" : "false");
        else
            sb_puts(out, v->s);
    }
    sb_putc(out, '}');
}

const char *runner_session_text(Arena *a, const CSession *s)
{
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "roles ");
    for (size_t i = 0; i < s->nroles; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", s->roles[i]);
    if (!s->nroles)
        sb_puts(&sb, "(none)");
    if (s->user)
        sb_printf(&sb, ", user %s", s->user);
    if (s->scenario)
        sb_printf(&sb, ", scenario %s", s->scenario);
    for (size_t i = 0; i < s->attrs.n; i++)
        sb_printf(&sb, ", session.%s = %s", s->attrs.items[i].key,
                  s->attrs.items[i].val.s);
    const char *t = arena_strdup(a, sb_cstr(&sb));
    sb_free(&sb);
    return t;
}

/* set_session sets S on the connection; false with the runtime's
 * refusal in *ERROR (arena-owned). */
static bool set_session(Run *r, const CSession *s, const char **error)
{
    StrBuf roles, attrs;
    sb_init(&roles);
    sb_init(&attrs);
    for (size_t i = 0; i < s->nroles; i++)
        sb_printf(&roles, "%s%s", i ? "," : "", s->roles[i]);
    runner_attrs_json(&s->attrs, &attrs);
    char *err = NULL;
    int rc = ward_session_set(r->db, sb_cstr(&roles), s->user, s->scenario,
                              s->attrs.n ? attrs.data : NULL, &err);
    if (rc != SQLITE_OK)
        *error = arena_strdup(r->a, err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    sb_free(&roles);
    sb_free(&attrs);
    return rc == SQLITE_OK;
}

static void where_clause(StrBuf *sql, const CMap *w, int first_param,
                         const RunDialect *d)
{
    for (size_t i = 0; i < w->n; i++) {
        sb_puts(sql, i ? " AND " : " WHERE ");
        sql_put_ident(sql, w->items[i].key);
        sb_printf(sql, "%s%s%d", d->is, d->param, first_param + (int)i);
    }
}

static void bind_map(sqlite3_stmt *st, const CMap *mp, int first_param)
{
    for (size_t i = 0; i < mp->n; i++)
        bind_cval(st, first_param + (int)i, &mp->items[i].val);
}

/* relation writes a view the session reads: PREFIX and the table, in the
 * dialect's schema if it has one. */
static void relation(const RunDialect *d, const char *prefix, const char *table,
                     StrBuf *sql)
{
    if (d->schema) {
        sql_put_ident(sql, d->schema);
        sb_putc(sql, '.');
    }
    StrBuf n;
    sb_init(&n);
    sb_puts(&n, prefix);
    sb_puts(&n, table);
    sql_put_ident(sql, n.data);
    sb_free(&n);
}

const RunDialect RUN_SQLITE = {"?", " IS ", NULL, "ward_request",
                               "ward_approve"};

void runner_step_sql(const Model *m, const CStep *st, const RunDialect *d,
                     StrBuf *sql)
{
    const CMap *set = &st->set;
    const char *table = st->table >= 0 ? m->tables[st->table].name : "";
    switch (st->op) {
    case COP_READ:
        sb_puts(sql, "SELECT ");
        if (st->column >= 0)
            sql_put_ident(sql, m->tables[st->table].columns[st->column].name);
        else if (st->expect_map)
            names(sql, &st->expect);
        else
            sb_puts(sql, "*");
        sb_puts(sql, " FROM ");
        relation(d, "", table, sql);
        where_clause(sql, &st->where, 1, d);
        break;
    case COP_WRITE:
        sb_puts(sql, "UPDATE ");
        relation(d, "", table, sql);
        sb_puts(sql, " SET ");
        for (size_t i = 0; i < set->n; i++) {
            sb_puts(sql, i ? ", " : "");
            sql_put_ident(sql, set->items[i].key);
            sb_printf(sql, " = %s%zu", d->param, i + 1);
        }
        where_clause(sql, &st->where, (int)set->n + 1, d);
        break;
    case COP_INSERT:
        sb_puts(sql, "INSERT INTO ");
        relation(d, "", table, sql);
        sb_puts(sql, " (");
        names(sql, set);
        sb_puts(sql, ") VALUES (");
        for (size_t i = 0; i < set->n; i++)
            sb_printf(sql, "%s%s%zu", i ? ", " : "", d->param, i + 1);
        sb_putc(sql, ')');
        break;
    case COP_DELETE:
        sb_puts(sql, "DELETE FROM ");
        relation(d, "", table, sql);
        where_clause(sql, &st->where, 1, d);
        break;
    case COP_EXPORT:
        sb_puts(sql, "SELECT * FROM ");
        relation(d, "ward_export_", table, sql);
        where_clause(sql, &st->where, 1, d);
        break;
    case COP_REQUEST:
        sb_printf(sql, "SELECT %s(%s1, %s2)", d->request, d->param, d->param);
        break;
    case COP_APPROVE:
        sb_printf(sql, "SELECT %s(%s1)", d->approve, d->param);
        break;
    case COP_NONE: break;
    }
}

/* step_session is the decision functions' Session for a step. */
static void step_session(const Model *m, const CStep *st, Arena *a, Session *s)
{
    session_init(s, m, a);
    for (size_t i = 0; i < st->session.nroles; i++)
        if (st->session.role_ids[i] >= 0) /* else an unknown-role step */
            session_add_role(s, m, st->session.role_ids[i]);
    s->scenario = st->session.scenario_id;
}

const char *runner_decided_by(const Model *m, const CStep *st, int c, Arena *a)
{
    Session s;
    step_session(m, st, a, &s);
    Decision d;
    decide_column(m, &s, st->table, c, a, &d);
    return arena_printf(a, "%s: %s", outcome_text(a, &d.result),
                        report_why(m, a, &d.result));
}

static void note_read(const Model *m, const CStep *st, int c, Exercised *ex,
                      const Session *s)
{
    Decision d;
    decide_column(m, s, st->table, c, NULL, &d);
    if (d.result.rule)
        ex->rules[d.result.rule->id] = true;
    if (st->session.nroles == 1)
        ex->cells[cell_index(m, st->session.role_ids[0],
                             st->session.scenario_id, st->table, c)] = true;
}

/* note_no_rows: a passing step of one role alone that asserts it sees no
 * rows of a table at all (expect_rows: 0, no where) covers every cell of
 * that role, scenario and table, when the role sees no rows of the table
 * by the policy itself (no rows rule names it): no value can be asserted
 * there. A role that saw no rows only for want of an attribute covers
 * nothing this way. */
static void note_no_rows(const Model *m, const CStep *st, Exercised *ex,
                         const Session *s, Arena *a)
{
    if (!st->has_expect_rows || st->expect_rows != 0 || st->where.n ||
        st->session.nroles != 1)
        return;
    RowFilter f;
    decide_rows(m, s, st->table, a, &f);
    if (f.kind != ROWS_NONE)
        return;
    for (size_t c = 0; c < m->tables[st->table].ncolumns; c++)
        ex->cells[cell_index(m, st->session.role_ids[0],
                             st->session.scenario_id, st->table, (int)c)] =
            true;
}

/* used_approval is the approval whose approved request the passing step
 * ST must have used, or NULL: the runtime refuses the operation otherwise.
 * An export of a guarded table; a read asserting more than N rows of a
 * table read `beyond N rows`; an update asserting a row, setting a guarded
 * column; a delete asserting a row, of a guarded table. A step that
 * asserts no row may have touched none, and used nothing. */
static const Approval *used_approval(const Model *m, const CStep *st)
{
    const Approval *by = NULL;
    const Guard *g;
    bool rows = st->has_expect_rows && st->expect_rows > 0;
    switch (st->op) {
    case COP_EXPORT: decide_guard(m, GUARD_EXPORT, st->table, -1, &by); break;
    case COP_READ:
        g = decide_guard(m, GUARD_EXPORT, st->table, -1, &by);
        if (!g || g->beyond < 0 || !st->has_expect_rows ||
            st->expect_rows <= g->beyond)
            by = NULL;
        break;
    case COP_DELETE:
        if (rows)
            decide_guard(m, GUARD_DELETE, st->table, -1, &by);
        break;
    case COP_WRITE:
        for (size_t i = 0; rows && !by && i < st->set.n; i++)
            decide_guard(m, GUARD_UPDATE, st->table, st->set.items[i].column,
                         &by);
        break;
    default: break;
    }
    return by;
}

void runner_note(const Model *m, const CStep *st, Exercised *ex, Arena *a)
{
    Session s;
    step_session(m, st, a, &s);
    const Approval *used = used_approval(m, st);
    if (used) {
        /* Allocated here, so that every runner's Exercised records it. */
        if (!ex->approvals)
            ex->approvals = arena_alloc(a, (m->napprovals + 1) * sizeof(bool));
        ex->approvals[used - m->approvals] = true;
    }
    if (st->op == COP_READ || st->op == COP_EXPORT)
        note_no_rows(m, st, ex, &s, a);
    if (st->op == COP_READ || st->op == COP_EXPORT) {
        if (st->has_expect && st->column >= 0)
            note_read(m, st, st->column, ex, &s);
        for (size_t i = 0; st->expect_map && i < st->expect.n; i++)
            note_read(m, st, st->expect.items[i].column, ex, &s);
        if (st->has_expect || st->has_expect_rows) {
            RowFilter f;
            decide_rows(m, &s, st->table, a, &f);
            for (size_t i = 0; i < f.nrules; i++)
                ex->rowrules[f.rules[i]->id] = true;
        }
    }
    if (st->op == COP_WRITE || st->op == COP_INSERT)
        for (size_t i = 0; i < st->set.n; i++) {
            const WriteRule *by = NULL;
            if (decide_write(m, &s, st->table, st->set.items[i].column, &by) &&
                by)
                ex->writes[by->id] = true;
        }
}

void runner_audit_missing(StrBuf *why, const CMap *f)
{
    sb_puts(why, "  expected an audit row with");
    for (size_t i = 0; i < f->n; i++)
        sb_printf(why, " %s %s", f->items[i].key, f->items[i].val.s);
    sb_puts(why, ", and the step left none\n");
}

/* AuditAt is what the audit probe needs: the connection and the last
 * audit row before the step. */
typedef struct AuditAt {
    Run *r;
    sqlite3_int64 since;
} AuditAt;

/* audit_found is the SQLite runner's AuditProbe: a row appended since the
 * step began matches every field of F. */
static bool audit_found(void *ctx, const CMap *f)
{
    const AuditAt *at = ctx;
    /* Each test reads its parameter; the number follows the text. */
    static const char *const cols[][2] = {
        {"table", "tbl = ?"},
        {"column", "instr(',' || columns || ',', ',' || ?"},
        {"op", "op = ?"},
        {"user", "user = ?"},
    };
    StrBuf sql;
    sb_init(&sql);
    sb_puts(&sql, "SELECT count(*) FROM ward_audit WHERE seq > ?1");
    for (size_t i = 0; i < f->n; i++)
        for (size_t j = 0; j < 4; j++)
            if (strcmp(f->items[i].key, cols[j][0]) == 0)
                sb_printf(&sql, " AND %s%d%s", cols[j][1], (int)i + 2,
                          j == 1 ? " || ',') > 0" : "");
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(at->r->db, sql.data, -1, &q, NULL);
    sb_free(&sql);
    sqlite3_bind_int64(q, 1, at->since);
    for (size_t i = 0; i < f->n; i++)
        sqlite3_bind_text(q, (int)i + 2, f->items[i].val.s, -1, SQLITE_STATIC);
    bool found = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0;
    sqlite3_finalize(q);
    return found;
}

static sqlite3_int64 audit_high(Run *r)
{
    sqlite3_stmt *q = NULL;
    sqlite3_int64 n = 0;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT coalesce(max(seq), 0) FROM ward_audit", -1,
                           &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* matched_rows: the rows of the session's view a write or delete step
 * names, counted before it runs. A write through a view reports no
 * changes of its own on SQLite (its INSTEAD OF triggers make them), and
 * PostgreSQL reports the rows its triggers took: the rows matched, on both
 * targets. */
static int64_t matched_rows(Run *r, const CStep *st)
{
    if (st->op != COP_WRITE && st->op != COP_DELETE)
        return 0;
    StrBuf sql;
    sb_init(&sql);
    sb_puts(&sql, "SELECT count(*) FROM ");
    sql_put_ident(&sql, r->m->tables[st->table].name);
    where_clause(&sql, &st->where, 1, &RUN_SQLITE);
    sqlite3_stmt *q = NULL;
    int64_t n = 0;
    if (sqlite3_prepare_v2(r->db, sql.data, -1, &q, NULL) == SQLITE_OK) {
        bind_map(q, &st->where, 1);
        if (sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    sb_free(&sql);
    return n;
}

/* bind_step binds the values of ST's statement Q, numbered as
 * runner_step_sql numbers them. */
static void bind_step(sqlite3_stmt *q, const CStep *st)
{
    if (st->op == COP_WRITE) {
        bind_map(q, &st->set, 1);
        bind_map(q, &st->where, (int)st->set.n + 1);
    } else if (st->op == COP_INSERT) {
        bind_map(q, &st->set, 1);
    } else if (st->op == COP_REQUEST) {
        sqlite3_bind_text(q, 1, st->target, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, st->reason, -1, SQLITE_STATIC);
    } else if (st->op == COP_APPROVE) {
        sqlite3_bind_text(q, 1, st->target, -1, SQLITE_STATIC);
    } else {
        bind_map(q, &st->where, 1);
    }
}

/* run_statement runs ST's statement in the session already set and
 * describes what it did in OUT (see StepResult). */
static void run_statement(Run *r, const CStep *st, StepResult *out)
{
    int64_t matched = matched_rows(r, st);
    StrBuf sql;
    sb_init(&sql);
    runner_step_sql(r->m, st, &RUN_SQLITE, &sql);
    sb_printf(&r->why, "  query:   %s\n", sql.data);
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(r->db, sql.data, -1, &q, NULL);
    sb_free(&sql);
    if (rc == SQLITE_OK) {
        bind_step(q, st);
        rc = SQLITE_ROW;
    }
    while (rc == SQLITE_ROW && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (out->rows++ || !st->has_expect)
            continue;
        /* The first row, kept for expect. */
        out->has_row = true;
        out->ncols = (size_t)sqlite3_column_count(q);
        out->names = arena_alloc(r->a, (out->ncols + 1) * sizeof *out->names);
        out->values = arena_alloc(r->a, (out->ncols + 1) * sizeof *out->values);
        for (int i = 0; i < (int)out->ncols; i++) {
            out->names[i] = arena_strdup(r->a, sqlite3_column_name(q, i));
            out->values[i] = column_value(r->a, q, i);
        }
    }
    if (rc == SQLITE_DONE && (st->op == COP_WRITE || st->op == COP_DELETE))
        out->rows = matched;
    else if (rc == SQLITE_DONE && st->op == COP_INSERT)
        out->rows = sqlite3_changes64(r->db);
    if (rc != SQLITE_DONE)
        out->error = arena_strdup(r->a, sqlite3_errmsg(r->db));
    sqlite3_finalize(q);
}

/* end_session returns the connection to no session (WHEN: before or
 * after the step). A session left set would read the audit log and set
 * the clock as that session, which the runtime refuses: the step would
 * fail for a reason that is the runner's, not the policy's. It fails
 * here instead, saying so. */
static bool end_session(Run *r, const char *when)
{
    char *err = NULL;
    if (ward_session_end(r->db, &err) == SQLITE_OK)
        return true;
    sb_printf(&r->why, "  the runner could not end the session %s: %s\n", when,
              err ? err : sqlite3_errmsg(r->db));
    sqlite3_free(err);
    return false;
}

static bool run_step(Run *r, const CStep *st)
{
    sb_printf(&r->why, "  session: %s\n",
              runner_session_text(r->a, &st->session));
    if (st->when)
        sb_printf(&r->why, "  at:      %s\n", st->when);
    /* The audit log is read, and the clock set, with no session: sessions
     * may do neither. A step without `at:` runs on the real clock. */
    if (!end_session(r, "before the step"))
        return false;
    char *err = NULL;
    if (ward_clock_set(r->db, st->when, &err) != SQLITE_OK) {
        sb_printf(&r->why, "  the clock was refused: %s\n",
                  err ? err : sqlite3_errmsg(r->db));
        sqlite3_free(err);
        return false;
    }
    AuditAt at = {r, audit_high(r)};
    StepResult res = {0};
    if (set_session(r, &st->session, &res.error))
        run_statement(r, st, &res);
    else
        res.session_refused = true;
    if (!end_session(r, "after the step"))
        return false;
    Verdict v = {r->m, r->c, r->a, audit_found, &at};
    bool ok = verdict_step(&v, st, &res, &r->why);
    /* What this passing step exercised. */
    if (ok && !res.error)
        runner_note(r->m, st, r->ex, r->a);
    return ok;
}

/* A single read changes no data (only the audit log grows, and audit
 * expectations look at rows appended after the step began), so runs of
 * read cases share one copy of the database instead of one each. */
static bool read_only(const CCase *c)
{
    return !c->steps && c->step[0].op == COP_READ;
}

static void run_case(Run *r, const CCase *c, const unsigned char *image,
                     sqlite3_int64 size, CaseResult *out)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    out->c = c;
    out->pass = true;
    sb_reset(&r->why);
    if (r->db && !(read_only(c) && r->shared)) {
        sqlite3_close(r->db);
        r->db = NULL;
    }
    r->shared = read_only(c);
    if (!r->db && !(r->db = runner_open(image, size))) {
        out->pass = false;
        sb_printf(&r->why, "  cannot open a copy of the test database\n");
    }
    for (size_t i = 0; out->pass && i < c->nsteps; i++) {
        sb_reset(&r->why);
        if (c->steps)
            sb_printf(&r->why, "  step %zu of %zu\n", i + 1, c->nsteps);
        if (!run_step(r, &c->step[i])) {
            out->pass = false;
            out->step = i;
        }
    }
    if (!out->pass)
        out->failure = arena_strdup(r->a, sb_cstr(&r->why));
    if (!r->shared) {
        sqlite3_close(r->db);
        r->db = NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
              (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

void run_result_init(const Model *m, Arena *a, RunResult *out)
{
    memset(out, 0, sizeof *out);
    out->ex.rules = arena_alloc(a, (m->nrules + 1) * sizeof(bool));
    out->ex.rowrules = arena_alloc(a, (m->nrowrules + 1) * sizeof(bool));
    out->ex.writes = arena_alloc(a, (m->nwrites + 1) * sizeof(bool));
    out->ex.cells = arena_alloc(a, (cell_count(m) + 1) * sizeof(bool));
}

bool runner_run(const Model *m, const Corpus *c, Arena *a, RunResult *out,
                const char **err)
{
    run_result_init(m, a, out);
    Run r = {.m = m, .c = c, .a = a, .ex = &out->ex};
    unsigned char *image = NULL;
    sqlite3_int64 size = 0;
    if (!runner_template(m, c, a, &image, &size, err))
        return false;
    KeyEnv env;
    keys_env_enter(c->key, &env);
    sb_init(&r.why);
    out->cases = arena_alloc(a, (c->ncases + 1) * sizeof *out->cases);
    out->ncases = c->ncases;
    for (size_t i = 0; i < c->ncases; i++) {
        run_case(&r, &c->cases[i], image, size, &out->cases[i]);
        out->failed += !out->cases[i].pass;
    }
    sqlite3_close(r.db);
    sqlite3_free(image);
    sb_free(&r.why);
    keys_env_leave(&env);
    return true;
}
