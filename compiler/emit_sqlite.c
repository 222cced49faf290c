/*
 * emit_sqlite.c - the SQLite apply script (see emit_sqlite.h).
 *
 * Layout of the script, in order:
 *   1. BEGIN IMMEDIATE, and a zero-row SELECT of every protected column, so
 *      that a policy that does not match the database stops before anything
 *      is created (apply with `sqlite3 -bail`);
 *   2. the state tables (audit log, approval requests and votes), created
 *      only if missing and never dropped;
 *   3. the catalog tables, dropped and refilled: they hold nothing but what
 *      this policy says;
 *   4. the triggers: append-only audit log, approval rules, write audit;
 *   5. the manifest, and COMMIT.
 */
#include "emit_sqlite.h"

#include "crypto.h"
#include "decide.h"
#include "emit_common.h"
#include "sql_quote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows per multi-row INSERT: well under SQLite's 500-term compound limit. */
#define ROWS_PER_INSERT 100

/* Room for the catalog tables' row texts (checked below). */
#define CATALOG_MAX 16

typedef struct ManifestEntry {
    const char *name;
    const char *type;
    char sha[2 * CRYPTO_SHA256_LEN + 1];
} ManifestEntry;

typedef struct Emit {
    const Model *m;
    StrBuf *out;
    ManifestEntry *manifest;
    size_t nmanifest, capmanifest;
    /* An open multi-row INSERT: its table and how many rows it holds. */
    const char *ins_table;
    int ins_catalog; /* its index in CATALOG_TABLES, or -1 */
    size_t ins_rows;
    size_t row_start; /* where the open row's values begin in out */
    /* Each catalog table's rows as written (values joined by ", ", one row
     * per line): `ward verify` renders the stored rows the same way. */
    StrBuf rows[CATALOG_MAX];
    /* A catalog value being made: a mask's arguments, or the expression
     * of the rows rule TEXT_OF. */
    StrBuf text;
    const RowRule *text_of;
} Emit;

static void hex_sha256(const char *s, size_t n, char *out)
{
    unsigned char d[CRYPTO_SHA256_LEN];
    memset(d, 0, sizeof d);
    crypto_sha256(s, n, d);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* manifest_add makes room for one more entry of the manifest. */
static ManifestEntry *manifest_add(Emit *e, const char *type, const char *name)
{
    if (e->nmanifest == e->capmanifest) {
        e->capmanifest = e->capmanifest ? 2 * e->capmanifest : 32;
        e->manifest =
            xrealloc(e->manifest, e->capmanifest * sizeof *e->manifest);
    }
    ManifestEntry *me = &e->manifest[e->nmanifest++];
    me->name = name;
    me->type = type;
    return me;
}

/* object_hash records TEXT's hash in the manifest under TYPE and NAME. */
static void object_hash(Emit *e, const char *type, const char *name,
                        const StrBuf *text)
{
    ManifestEntry *me = manifest_add(e, type, name);
    hex_sha256(text->len ? text->data : "", text->len, me->sha);
}

/*
 * object writes one CREATE statement (SQL, without the ';') and records it
 * in the manifest under the text SQLite will keep in sqlite_schema: SQLite
 * stores a CREATE ... IF NOT EXISTS statement without those three words.
 */
static void object(Emit *e, const char *type, const char *name, const char *sql)
{
    sb_puts(e->out, sql);
    sb_puts(e->out, ";\n");
    ManifestEntry *me = manifest_add(e, type, name);
    const char *ine = strstr(sql, " IF NOT EXISTS ");
    StrBuf stored;
    sb_init(&stored);
    if (ine && strncmp(sql, "CREATE TABLE IF", 15) == 0) {
        sb_append(&stored, sql, (size_t)(ine - sql));
        sb_putc(&stored, ' ');
        sb_puts(&stored, ine + strlen(" IF NOT EXISTS "));
    } else {
        sb_puts(&stored, sql);
    }
    hex_sha256(stored.data, stored.len, me->sha);
    sb_free(&stored);
}

/* ---- multi-row inserts into the catalog ---- */

static int catalog_index(const char *table);

static void row_begin(Emit *e, const char *table, const char *cols)
{
    if (e->ins_table &&
        (strcmp(e->ins_table, table) != 0 || e->ins_rows == ROWS_PER_INSERT)) {
        sb_puts(e->out, ";\n");
        e->ins_table = NULL;
    }
    if (!e->ins_table) {
        sb_printf(e->out, "INSERT INTO \"%s\" (%s) VALUES\n  (", table, cols);
        e->ins_table = table;
        e->ins_catalog = catalog_index(table);
        e->ins_rows = 0;
    } else {
        sb_puts(e->out, ",\n  (");
    }
    e->ins_rows++;
    e->row_start = e->out->len;
}

static void row_end(Emit *e)
{
    int i = e->ins_catalog;
    if (i >= 0) {
        sb_append(&e->rows[i], e->out->data + e->row_start,
                  e->out->len - e->row_start);
        sb_putc(&e->rows[i], '\n');
    }
    sb_putc(e->out, ')');
}

/* row_strs writes a row of N string values (NULL allowed). */
static void row_strs(Emit *e, const char *table, const char *cols, int n,
                     const char *const *vals)
{
    row_begin(e, table, cols);
    for (int i = 0; i < n; i++) {
        if (i)
            sb_puts(e->out, ", ");
        sql_put_str(e->out, vals[i]);
    }
    row_end(e);
}

static void rows_flush(Emit *e)
{
    if (e->ins_table)
        sb_puts(e->out, ";\n");
    e->ins_table = NULL;
}

/* ---- row expressions in SQLite's dialect ---- */

/* column_ref names a column qualified by its table: an unqualified name
 * that does not resolve would silently become a string in SQLite. */
static void column_ref(const char *table, const char *column, StrBuf *out)
{
    sql_put_ident(out, table);
    sb_putc(out, '.');
    sql_put_ident(out, column);
}

static void row_column(const RowExpr *x, const char *name, StrBuf *out)
{
    column_ref(x->table, name, out);
}

static void row_session(const RowExpr *x, const Node *attr, const Node *other,
                        StrBuf *out)
{
    (void)x;
    (void)other;
    sb_puts(out, "ward_attr(");
    sql_put_str(out, attr->as.session.attr);
    sb_putc(out, ')');
}

static void membership(const RowExpr *x, const Node *e, StrBuf *out);

static const RowDialect SQLITE_ROWS = {
    .column = row_column,
    .session = row_session,
    .membership = membership,
    .current_user = "ward_user()",
    .bool_words = false,
    .membership_parens = false,
};

/* membership is `OPERAND [not] in (select COL from T where E)`: T read as
 * stored (main, never a temp name), E's names qualified by T, nulls never
 * matching (model.h), so the test is true or false, never unknown. SQLite
 * runs the uncorrelated subquery once per statement into an ephemeral index,
 * or probes an index on T's column. */
static void membership(const RowExpr *x, const Node *e, StrBuf *out)
{
    const char *other = e->as.in_select.table->as.name.text;
    const char *col = e->as.in_select.column->as.name.text;
    sb_putc(out, '(');
    emit_row_operand(x, e->as.in_select.operand, NULL, out);
    sb_puts(out, " IS NOT NULL AND ");
    emit_row_operand(x, e->as.in_select.operand, NULL, out);
    sb_puts(out, e->as.in_select.negated ? " NOT IN (SELECT " : " IN (SELECT ");
    column_ref(other, col, out);
    sb_puts(out, " FROM main.");
    sql_put_ident(out, other);
    sb_puts(out, " WHERE ");
    column_ref(other, col, out);
    sb_puts(out, " IS NOT NULL");
    if (e->as.in_select.where) {
        RowExpr inner = {&SQLITE_ROWS, NULL, NULL, other};
        sb_puts(out, " AND ");
        emit_row_operand(&inner, e->as.in_select.where, NULL, out);
    }
    sb_puts(out, "))");
}

void emit_sqlite_row_expr(const char *table, const Node *e, StrBuf *out)
{
    RowExpr x = {&SQLITE_ROWS, NULL, NULL, table};
    emit_row_expr(&x, e, out);
}

/* ---- the script ---- */

/* The v1.1 constructs this target does not enforce yet: none. */
#define SQLITE_LACKS 0u

bool emit_sqlite_check(const Model *m, Diag *d)
{
    return model_refuse_v11(m, d, "sqlite", SQLITE_LACKS) == 0;
}

static const char *const STATE_TABLES[][2] = {
    {"ward_audit", "CREATE TABLE IF NOT EXISTS \"ward_audit\" (\n"
                   "  seq      INTEGER PRIMARY KEY AUTOINCREMENT,\n"
                   "  at       TEXT NOT NULL,\n"
                   "  user     TEXT,\n"
                   "  roles    TEXT,\n"
                   "  scenario TEXT,\n"
                   "  op       TEXT NOT NULL,\n"
                   "  tbl      TEXT,\n"
                   "  key      TEXT,\n"
                   "  columns  TEXT,\n"
                   "  nrows    INTEGER,\n"
                   "  detail   TEXT,\n"
                   "  prev     TEXT NOT NULL,\n"
                   "  hash     TEXT NOT NULL\n"
                   ")"},
    {"ward_request", "CREATE TABLE IF NOT EXISTS \"ward_request\" (\n"
                     "  id           INTEGER PRIMARY KEY AUTOINCREMENT,\n"
                     "  approval     TEXT NOT NULL,\n"
                     "  requester    TEXT NOT NULL,\n"
                     "  reason       TEXT NOT NULL,\n"
                     "  requested_at TEXT NOT NULL,\n"
                     "  expires_at   TEXT,\n"
                     "  used_at      TEXT\n"
                     ")"},
    {"ward_journal", "CREATE TABLE IF NOT EXISTS \"ward_journal\" (\n"
                     "  name   TEXT PRIMARY KEY,\n"
                     "  folded INTEGER NOT NULL\n"
                     ")"},
    {"ward_vote",
     "CREATE TABLE IF NOT EXISTS \"ward_vote\" (\n"
     "  request  INTEGER NOT NULL REFERENCES \"ward_request\" (id),\n"
     "  approver TEXT NOT NULL,\n"
     "  roles    TEXT NOT NULL,\n"
     "  at       TEXT NOT NULL,\n"
     "  PRIMARY KEY (request, approver)\n"
     ")"},
};

static const char *const CATALOG_TABLES[][2] = {
    {"ward_policy", "CREATE TABLE \"ward_policy\" (\n"
                    "  id            INTEGER PRIMARY KEY CHECK (id = 1),\n"
                    "  format        INTEGER NOT NULL,\n"
                    "  name          TEXT NOT NULL,\n"
                    "  version       INTEGER NOT NULL,\n"
                    "  label         TEXT,\n"
                    "  source_sha256 TEXT NOT NULL\n"
                    ")"},
    {"ward_role", "CREATE TABLE \"ward_role\" (name TEXT PRIMARY KEY, "
                  "label TEXT)"},
    {"ward_role_closure",
     "CREATE TABLE \"ward_role_closure\" (role TEXT NOT NULL, "
     "holds TEXT NOT NULL, PRIMARY KEY (role, holds))"},
    {"ward_scenario", "CREATE TABLE \"ward_scenario\" (name TEXT PRIMARY KEY, "
                      "label TEXT)"},
    {"ward_table", "CREATE TABLE \"ward_table\" (name TEXT PRIMARY KEY, "
                   "key TEXT, has_rows INTEGER NOT NULL)"},
    {"ward_column",
     "CREATE TABLE \"ward_column\" (tbl TEXT NOT NULL, name TEXT NOT NULL, "
     "pos INTEGER NOT NULL, type TEXT NOT NULL, audit_read INTEGER NOT NULL, "
     "audit_write INTEGER NOT NULL, PRIMARY KEY (tbl, name))"},
    {"ward_cell",
     "CREATE TABLE \"ward_cell\" (tbl TEXT NOT NULL, col TEXT NOT NULL, "
     "role TEXT NOT NULL, scenario TEXT NOT NULL, effect TEXT NOT NULL, "
     "rank INTEGER NOT NULL, pos INTEGER NOT NULL, mask TEXT, args TEXT, "
     "PRIMARY KEY (tbl, col, role, scenario))"},
    {"ward_rowrule", "CREATE TABLE \"ward_rowrule\" (tbl TEXT NOT NULL, "
                     "role TEXT NOT NULL, expr TEXT)"},
    {"ward_write", "CREATE TABLE \"ward_write\" (tbl TEXT NOT NULL, "
                   "col TEXT NOT NULL, role TEXT NOT NULL)"},
    {"ward_approval", "CREATE TABLE \"ward_approval\" (name TEXT PRIMARY KEY, "
                      "label TEXT, count INTEGER NOT NULL, expires INTEGER "
                      "NOT NULL)"},
    {"ward_clause",
     "CREATE TABLE \"ward_clause\" (approval TEXT NOT NULL, clause INTEGER "
     "NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (approval, clause))"},
    {"ward_approver", "CREATE TABLE \"ward_approver\" (approval TEXT NOT NULL, "
                      "clause INTEGER NOT NULL, role TEXT NOT NULL)"},
    {"ward_guard", "CREATE TABLE \"ward_guard\" (approval TEXT NOT NULL, "
                   "op TEXT NOT NULL, tbl TEXT NOT NULL, col TEXT NOT NULL, "
                   "beyond INTEGER)"},
};

/* The approval rules, for every path that inserts a vote. Messages are
 * fixed strings (RAISE takes no expressions); the runtime rewrites them
 * with the names involved. Order matters: a requester approving their own
 * request is told so even without an approving role. */
static const char *const STATE_TRIGGERS[][2] = {
    {"ward_audit_no_update",
     "CREATE TRIGGER \"ward_audit_no_update\" BEFORE UPDATE ON \"ward_audit\"\n"
     "BEGIN\n"
     "  SELECT RAISE(ABORT, 'ward: [append-only] the audit log cannot be "
     "changed');\n"
     "END"},
    {"ward_audit_no_delete",
     "CREATE TRIGGER \"ward_audit_no_delete\" BEFORE DELETE ON \"ward_audit\"\n"
     "BEGIN\n"
     "  SELECT RAISE(ABORT, 'ward: [append-only] the audit log cannot be "
     "changed');\n"
     "END"},
    {"ward_request_check",
     "CREATE TRIGGER \"ward_request_check\" BEFORE INSERT ON "
     "\"ward_request\"\n"
     "BEGIN\n"
     "  SELECT RAISE(ABORT, 'ward: [unknown-approval] no such approval')\n"
     "  WHERE NOT EXISTS (SELECT 1 FROM \"ward_approval\" WHERE name = "
     "NEW.approval);\n"
     "END"},
    {"ward_request_use_once",
     "CREATE TRIGGER \"ward_request_use_once\" BEFORE UPDATE ON "
     "\"ward_request\"\n"
     "WHEN OLD.used_at IS NOT NULL OR NEW.used_at IS NULL\n"
     "  OR NEW.id IS NOT OLD.id OR NEW.approval IS NOT OLD.approval\n"
     "  OR NEW.requester IS NOT OLD.requester OR NEW.reason IS NOT "
     "OLD.reason\n"
     "  OR NEW.requested_at IS NOT OLD.requested_at\n"
     "  OR NEW.expires_at IS NOT OLD.expires_at\n"
     "BEGIN\n"
     "  SELECT RAISE(ABORT, 'ward: [append-only] a request is only ever "
     "marked used, once');\n"
     "END"},
    {"ward_request_no_delete",
     "CREATE TRIGGER \"ward_request_no_delete\" BEFORE DELETE ON "
     "\"ward_request\"\n"
     "BEGIN\n"
     "  SELECT RAISE(ABORT, 'ward: [append-only] approval requests are "
     "kept');\n"
     "END"},
    {"ward_vote_check",
     "CREATE TRIGGER \"ward_vote_check\" BEFORE INSERT ON \"ward_vote\"\n"
     "BEGIN\n"
     "  SELECT RAISE(ABORT, 'ward: [unknown-request] no such request')\n"
     "  WHERE NOT EXISTS (SELECT 1 FROM \"ward_request\" WHERE id = "
     "NEW.request);\n"
     "  SELECT RAISE(ABORT, 'ward: [self-approval] a requester cannot approve "
     "their own request')\n"
     "  FROM \"ward_request\" WHERE id = NEW.request AND requester = "
     "NEW.approver;\n"
     "  SELECT RAISE(ABORT, 'ward: [not-approver] no approving role')\n"
     "  WHERE NOT EXISTS (SELECT 1 FROM \"ward_request\" r JOIN "
     "\"ward_approver\" a ON a.approval = r.approval\n"
     "                   WHERE r.id = NEW.request\n"
     "                     AND instr(',' || NEW.roles || ',', ',' || a.role "
     "|| ',') > 0);\n"
     "  SELECT RAISE(ABORT, 'ward: [already-approved] this approver already "
     "approved')\n"
     "  WHERE EXISTS (SELECT 1 FROM \"ward_vote\" WHERE request = NEW.request "
     "AND approver = NEW.approver);\n"
     "  SELECT RAISE(ABORT, 'ward: [expired] the request is used or "
     "expired')\n"
     "  FROM \"ward_request\" WHERE id = NEW.request\n"
     "   AND (used_at IS NOT NULL OR (expires_at IS NOT NULL AND expires_at "
     "<= NEW.at));\n"
     "  SELECT RAISE(ABORT, 'ward: [already-approved] the request has all its "
     "approvals')\n"
     "  FROM \"ward_request\" r JOIN \"ward_approval\" a ON a.name = "
     "r.approval\n"
     "  WHERE r.id = NEW.request\n"
     "    AND (SELECT count(*) FROM \"ward_vote\" v WHERE v.request = r.id) "
     ">= a.count\n"
     "    AND NOT EXISTS (SELECT 1 FROM \"ward_clause\" c WHERE c.approval = "
     "a.name AND c.clause > 0);\n"
     "END"},
    {"ward_vote_no_update",
     "CREATE TRIGGER \"ward_vote_no_update\" BEFORE UPDATE ON \"ward_vote\"\n"
     "BEGIN\n"
     "  SELECT RAISE(ABORT, 'ward: [append-only] approvals cannot be "
     "changed');\n"
     "END"},
    {"ward_vote_no_delete",
     "CREATE TRIGGER \"ward_vote_no_delete\" BEFORE DELETE ON \"ward_vote\"\n"
     "BEGIN\n"
     "  SELECT RAISE(ABORT, 'ward: [append-only] approvals cannot be "
     "changed');\n"
     "END"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(NELEM(CATALOG_TABLES) <= CATALOG_MAX,
               "Emit.rows holds every catalog table");

static int catalog_index(const char *table)
{
    for (size_t i = 0; i < NELEM(CATALOG_TABLES); i++)
        if (strcmp(CATALOG_TABLES[i][0], table) == 0)
            return (int)i;
    return -1;
}

static void header(Emit *e)
{
    const Model *m = e->m;
    char sha[2 * CRYPTO_SHA256_LEN + 1];
    hex_sha256(m->src->text, m->src->len, sha);
    sb_printf(e->out,
              "-- ward: SQLite script for policy %s version %lld\n"
              "-- source sha256 %s\n"
              "--\n"
              "-- Generated; do not edit: `ward verify DB` reports any "
              "change made by hand.\n"
              "-- Apply:  sqlite3 -bail DB '.read THIS_FILE'\n"
              "-- Then every connection that loads the runtime "
              "(.load ward) and calls\n"
              "-- ward_session() sees the data as this policy says. "
              "docs/dba-sqlite.md has the details.\n\n",
              m->name, (long long)m->version, sha);
    sb_puts(e->out, "BEGIN IMMEDIATE;\n\n");
    sb_puts(e->out, "-- The database must have every protected column: stop "
                    "here if not.\n");
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        sb_puts(e->out, "SELECT ");
        for (size_t c = 0; c < tb->ncolumns; c++) {
            if (c)
                sb_puts(e->out, ", ");
            column_ref(tb->name, tb->columns[c].name, e->out);
        }
        sb_puts(e->out, " FROM main.");
        sql_put_ident(e->out, tb->name);
        sb_puts(e->out, " LIMIT 0;\n");
    }
}

/* Where each of the catalog's rows goes, and the columns its values fill
 * (the values of CatalogRel, and a cell's effect, mask and arguments, a
 * rows rule's expression). */
static const struct {
    const char *table, *cols;
} ROWS_INTO[CATALOG_NREL] = {
    [CATALOG_ROLE] = {"ward_role", "name, label"},
    [CATALOG_ROLE_CLOSURE] = {"ward_role_closure", "role, holds"},
    [CATALOG_SCENARIO] = {"ward_scenario", "name, label"},
    [CATALOG_TABLE] = {"ward_table", "name, key, has_rows"},
    [CATALOG_COLUMN] = {"ward_column",
                        "tbl, name, pos, type, audit_read, audit_write"},
    [CATALOG_CELL] = {"ward_cell", "tbl, col, role, scenario, effect, rank, "
                                   "pos, mask, args"},
    [CATALOG_ROWRULE] = {"ward_rowrule", "tbl, role, expr"},
    [CATALOG_WRITE] = {"ward_write", "tbl, col, role"},
    [CATALOG_APPROVAL] = {"ward_approval", "name, label, count, expires"},
    [CATALOG_CLAUSE] = {"ward_clause", "approval, clause, count"},
    [CATALOG_APPROVER] = {"ward_approver", "approval, clause, role"},
    [CATALOG_GUARD] = {"ward_guard", "approval, op, tbl, col, beyond"},
};

static const char *const BOOLS[2] = {"0", "1"};

/* put_values writes values FROM to TO of ROW, FROM first in the SQL row
 * when it is 0. */
static void put_values(Emit *e, const CatalogRow *row, int from, int to)
{
    for (int i = from; i < to; i++) {
        if (i)
            sb_puts(e->out, ", ");
        emit_catalog_value(e->out, &row->v[i], BOOLS);
    }
}

/* cell_row writes a cell: its effect after the scenario and, after the
 * rank and position, the mask as its catalog name and its arguments as
 * JSON: the runtime calls the C core with them. No printf: a million
 * times over. */
static void cell_row(Emit *e, const CatalogRow *row)
{
    const Outcome *oc = row->outcome;
    StrBuf *o = e->out;
    put_values(e, row, 0, 4);
    sb_puts(o, ", '");
    sb_puts(o, effect_name(oc->effect));
    sb_putc(o, '\'');
    put_values(e, row, 4, row->n);
    sb_puts(o, ", ");
    if (oc->effect == EFFECT_MASK) {
        sb_reset(&e->text);
        e->text_of = NULL;
        sql_put_json_args(&e->text, oc->mask->call);
        sql_put_str(o, oc->mask->spec->name);
        sb_puts(o, ", ");
        sql_put_text(o, e->text.data, e->text.len);
    } else {
        sb_puts(o, "NULL, NULL");
    }
}

/* rowrule_row adds the rule's expression, or NULL for `rows all`: written
 * once per rule, for the first of its roles. */
static void rowrule_row(Emit *e, const CatalogRow *row)
{
    const RowRule *rr = row->rowrule;
    put_values(e, row, 0, row->n);
    sb_puts(e->out, ", ");
    if (!rr->expr) {
        sb_puts(e->out, "NULL");
        return;
    }
    if (e->text_of != rr) {
        sb_reset(&e->text);
        emit_sqlite_row_expr(e->m->tables[rr->table].name, rr->expr, &e->text);
        e->text_of = rr;
    }
    sql_put_text(e->out, e->text.data, e->text.len);
}

static void catalog_row(void *ctx, const CatalogRow *row)
{
    Emit *e = ctx;
    row_begin(e, ROWS_INTO[row->rel].table, ROWS_INTO[row->rel].cols);
    if (row->rel == CATALOG_CELL)
        cell_row(e, row);
    else if (row->rel == CATALOG_ROWRULE)
        rowrule_row(e, row);
    else
        put_values(e, row, 0, row->n);
    row_end(e);
}

/* catalog: the policy's row, then everything the runtime reads. */
static void catalog(Emit *e)
{
    const Model *m = e->m;
    StrBuf *o = e->out;
    char sha[2 * CRYPTO_SHA256_LEN + 1];
    hex_sha256(m->src->text, m->src->len, sha);

    row_begin(e, "ward_policy",
              "id, format, name, version, label, source_sha256");
    sb_printf(o, "1, %d, ", WARD_SQLITE_FORMAT);
    sql_put_str(o, m->name);
    sb_printf(o, ", %lld, ", (long long)m->version);
    sql_put_str(o, m->label);
    sb_puts(o, ", ");
    sql_put_str(o, sha);
    row_end(e);

    sb_init(&e->text);
    emit_catalog_walk(m, catalog_row, e);
    sb_free(&e->text);
    rows_flush(e);
}

/* key_sql is how a write-audit trigger names the row: its key column, or
 * the rowid for a table without one. */
static void key_sql(const Table *tb, const char *which, StrBuf *out)
{
    sb_printf(out, "%s.", which);
    if (tb->key >= 0)
        sql_put_ident(out, tb->columns[tb->key].name);
    else
        sb_puts(out, "rowid");
}

static const char *const WRITE_OPS[] = {"insert", "update", "delete"};

static void audit_triggers(Emit *e, Arena *a)
{
    const Model *m = e->m;
    StrBuf *o = e->out;
    StrBuf t;
    sb_init(&t);
    for (size_t ti = 0; ti < m->ntables; ti++) {
        const Table *tb = &m->tables[ti];
        const Audit *au = model_audit(m, (int)ti);
        bool any = false;
        for (size_t c = 0; au && c < tb->ncolumns; c++)
            any = any || au->write[c];
        for (size_t op = 0; op < NELEM(WRITE_OPS); op++) {
            const char *name =
                arena_printf(a, "ward_audit_%s_%s", tb->name, WRITE_OPS[op]);
            sb_puts(o, "DROP TRIGGER IF EXISTS main.");
            sql_put_ident(o, name);
            sb_puts(o, ";\n");
            if (!any)
                continue;
            const char *row = op == 2 ? "OLD" : "NEW";
            sb_reset(&t);
            sb_puts(&t, "CREATE TRIGGER ");
            sql_put_ident(&t, name);
            sb_printf(&t, " AFTER %s ON ",
                      op == 0   ? "INSERT"
                      : op == 1 ? "UPDATE"
                                : "DELETE");
            sql_put_ident(&t, tb->name);
            sb_puts(&t, "\nBEGIN\n  SELECT ward_audit_write(");
            sb_printf(&t, "'%s', ", WRITE_OPS[op]);
            sql_put_str(&t, tb->name);
            sb_puts(&t, ", ");
            key_sql(tb, row, &t);
            /* The changed audited columns, by name: never their values. */
            for (size_t c = 0; c < tb->ncolumns && op < 2; c++) {
                if (!au->write[c])
                    continue;
                sb_puts(&t, ",\n    CASE WHEN NEW.");
                sql_put_ident(&t, tb->columns[c].name);
                if (op == 0) {
                    sb_puts(&t, " IS NOT NULL");
                } else {
                    sb_puts(&t, " IS NOT OLD.");
                    sql_put_ident(&t, tb->columns[c].name);
                }
                sb_puts(&t, " THEN ");
                sql_put_str(&t, tb->columns[c].name);
                sb_puts(&t, " END");
            }
            sb_puts(&t, ");\nEND");
            object(e, "trigger", name, t.data);
        }
    }
    sb_free(&t);
}

void emit_sqlite(const Model *m, StrBuf *out)
{
    Arena a;
    arena_init(&a);
    Emit e = {.m = m, .out = out};
    header(&e);

    sb_puts(out, "\n-- State: kept across applies, never dropped.\n");
    for (size_t i = 0; i < NELEM(STATE_TABLES); i++)
        object(&e, "table", STATE_TABLES[i][0], STATE_TABLES[i][1]);

    sb_puts(out, "\n-- Catalog: what this policy decides, for the runtime "
                 "to read.\n");
    for (size_t i = 0; i < NELEM(CATALOG_TABLES); i++) {
        sb_printf(out, "DROP TABLE IF EXISTS main.\"%s\";\n",
                  CATALOG_TABLES[i][0]);
        object(&e, "table", CATALOG_TABLES[i][0], CATALOG_TABLES[i][1]);
    }
    catalog(&e);

    sb_puts(out, "\n-- The audit log is append-only; approvals follow the "
                 "policy's rules.\n");
    for (size_t i = 0; i < NELEM(STATE_TRIGGERS); i++) {
        sb_printf(out, "DROP TRIGGER IF EXISTS main.\"%s\";\n",
                  STATE_TRIGGERS[i][0]);
        object(&e, "trigger", STATE_TRIGGERS[i][0], STATE_TRIGGERS[i][1]);
    }

    sb_puts(out, "\n-- Audited writes: who changed which columns of which "
                 "row (never the values).\n");
    audit_triggers(&e, &a);

    /* The catalog's contents, as "rows" entries: hand edits of a decision
     * are drift too. */
    for (size_t i = 0; i < NELEM(CATALOG_TABLES); i++) {
        object_hash(&e, "rows", CATALOG_TABLES[i][0], &e.rows[i]);
        sb_free(&e.rows[i]);
    }

    sb_puts(out, "\n-- What this script created, for `ward verify`.\n");
    sb_puts(out, "DROP TABLE IF EXISTS main.\"ward_manifest\";\n");
    sb_puts(out, "CREATE TABLE \"ward_manifest\" (type TEXT NOT NULL, "
                 "name TEXT NOT NULL, sha256 TEXT NOT NULL, "
                 "PRIMARY KEY (type, name));\n");
    for (size_t i = 0; i < e.nmanifest; i++) {
        const char *v[] = {e.manifest[i].type, e.manifest[i].name,
                           e.manifest[i].sha};
        row_strs(&e, "ward_manifest", "type, name, sha256", 3, v);
    }
    rows_flush(&e);
    sb_puts(out, "\nCOMMIT;\n");
    free(e.manifest);
    arena_free(&a);
}
