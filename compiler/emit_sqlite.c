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
} Emit;

static void hex_sha256(const char *s, size_t n, char *out)
{
    unsigned char d[CRYPTO_SHA256_LEN];
    memset(d, 0, sizeof d);
    crypto_sha256(s, n, d);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/*
 * object writes one CREATE statement (SQL, without the ';') and records it
 * in the manifest under the text SQLite will keep in sqlite_schema: SQLite
 * stores a CREATE ... IF NOT EXISTS statement without those three words.
 */
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

/* ---- SQL text for decisions ---- */

/* column_ref names a column qualified by its table: an unqualified name
 * that does not resolve would silently become a string in SQLite. */
static void column_ref(const char *table, const char *column, StrBuf *out)
{
    sql_put_ident(out, table);
    sb_putc(out, '.');
    sql_put_ident(out, column);
}

static const char *binop_sql(BinOp op)
{
    switch (op) {
    case OP_EQ: return " = ";
    case OP_NE: return " <> ";
    case OP_LT: return " < ";
    case OP_LE: return " <= ";
    case OP_GT: return " > ";
    case OP_GE: return " >= ";
    case OP_AND: return " AND ";
    case OP_OR: return " OR ";
    }
    return " ";
}

/* Operands are parenthesised unless they are atoms: SQL's precedence of
 * NOT, IS and IN differs enough from the policy language's to not rely on
 * it. */
static void operand(const char *table, const Node *e, StrBuf *out)
{
    bool atom = e->kind != NODE_BINARY && e->kind != NODE_NOT &&
                e->kind != NODE_IN && e->kind != NODE_IS_NULL;
    if (!atom)
        sb_putc(out, '(');
    emit_sqlite_row_expr(table, e, out);
    if (!atom)
        sb_putc(out, ')');
}

/* membership is `OPERAND [not] in (select COL from T where E)`: T read as
 * stored (main, never a temp name), E's names qualified by T, nulls never
 * matching (model.h), so the test is true or false, never unknown. SQLite
 * runs the uncorrelated subquery once per statement into an ephemeral index,
 * or probes an index on T's column. */
static void membership(const char *table, const Node *e, StrBuf *out)
{
    const char *other = e->as.in_select.table->as.name.text;
    const char *col = e->as.in_select.column->as.name.text;
    sb_putc(out, '(');
    operand(table, e->as.in_select.operand, out);
    sb_puts(out, " IS NOT NULL AND ");
    operand(table, e->as.in_select.operand, out);
    sb_puts(out, e->as.in_select.negated ? " NOT IN (SELECT " : " IN (SELECT ");
    column_ref(other, col, out);
    sb_puts(out, " FROM main.");
    sql_put_ident(out, other);
    sb_puts(out, " WHERE ");
    column_ref(other, col, out);
    sb_puts(out, " IS NOT NULL");
    if (e->as.in_select.where) {
        sb_puts(out, " AND ");
        operand(other, e->as.in_select.where, out);
    }
    sb_puts(out, "))");
}

void emit_sqlite_row_expr(const char *table, const Node *e, StrBuf *out)
{
    switch (e->kind) {
    case NODE_BINARY:
        operand(table, e->as.binary.left, out);
        sb_puts(out, binop_sql(e->as.binary.op));
        operand(table, e->as.binary.right, out);
        return;
    case NODE_NOT:
        sb_puts(out, "NOT ");
        operand(table, e->as.not_.operand, out);
        return;
    case NODE_IN:
        operand(table, e->as.in.operand, out);
        sb_puts(out, e->as.in.negated ? " NOT IN (" : " IN (");
        for (size_t i = 0; i < LIST_LEN(e->as.in.values); i++) {
            if (i)
                sb_puts(out, ", ");
            emit_sqlite_row_expr(table, LIST_AT(e->as.in.values, i), out);
        }
        sb_putc(out, ')');
        return;
    case NODE_IS_NULL:
        operand(table, e->as.is_null.operand, out);
        sb_puts(out, e->as.is_null.negated ? " IS NOT NULL" : " IS NULL");
        return;
    case NODE_IN_SELECT: membership(table, e, out); return;
    case NODE_NAME: column_ref(table, e->as.name.text, out); return;
    case NODE_SESSION:
        sb_puts(out, "ward_attr(");
        sql_put_str(out, e->as.session.attr);
        sb_putc(out, ')');
        return;
    case NODE_CURRENT_USER: sb_puts(out, "ward_user()"); return;
    default: sql_put_literal(out, e, false); return;
    }
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
                      "label TEXT, count INTEGER NOT NULL, expires INTEGER)"},
    {"ward_clause",
     "CREATE TABLE \"ward_clause\" (approval TEXT NOT NULL, clause INTEGER "
     "NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (approval, clause))"},
    {"ward_approver", "CREATE TABLE \"ward_approver\" (approval TEXT NOT NULL, "
                      "clause INTEGER NOT NULL, role TEXT NOT NULL)"},
    {"ward_guard", "CREATE TABLE \"ward_guard\" (approval TEXT NOT NULL, "
                   "op TEXT NOT NULL, tbl TEXT NOT NULL, col TEXT, beyond "
                   "INTEGER)"},
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

    for (size_t r = 0; r < m->nroles; r++) {
        const char *v[] = {m->roles[r].name, m->roles[r].label};
        row_strs(e, "ward_role", "name, label", 2, v);
    }
    for (size_t r = 0; r < m->nroles; r++)
        for (size_t h = 0; h < m->nroles; h++)
            if (m->roles[r].closure[h]) {
                const char *v[] = {m->roles[r].name, m->roles[h].name};
                row_strs(e, "ward_role_closure", "role, holds", 2, v);
            }
    for (size_t s = 0; s < m->nscenarios; s++) {
        const char *v[] = {m->scenarios[s].name, m->scenarios[s].label};
        row_strs(e, "ward_scenario", "name, label", 2, v);
    }
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        row_begin(e, "ward_table", "name, key, has_rows");
        sql_put_str(o, tb->name);
        sb_puts(o, ", ");
        sql_put_str(o, tb->key >= 0 ? tb->columns[tb->key].name : NULL);
        sb_printf(o, ", %d", tb->has_rows ? 1 : 0);
        row_end(e);
    }
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        const Audit *au = model_audit(m, (int)t);
        for (size_t c = 0; c < tb->ncolumns; c++) {
            row_begin(e, "ward_column",
                      "tbl, name, pos, type, audit_read, audit_write");
            sql_put_str(o, tb->name);
            sb_puts(o, ", ");
            sql_put_str(o, tb->columns[c].name);
            sb_printf(o, ", %zu, '%s', %d, %d", c,
                      coltype_name(tb->columns[c].type),
                      au && au->read[c] ? 1 : 0, au && au->write[c] ? 1 : 0);
            row_end(e);
        }
    }

    /* Every role alone, with no scenario and in each one: the runtime takes
     * the most permissive row of a session's roles (decide_column's rule).
     * A mask is stored as its catalog name and its arguments as JSON; the
     * runtime calls the C core with them. */
    StrBuf expr;
    sb_init(&expr);
    for (size_t t = 0; t < m->ntables; t++) {
        const Table *tb = &m->tables[t];
        for (size_t c = 0; c < tb->ncolumns; c++)
            for (size_t r = 0; r < m->nroles; r++)
                for (int s = -1; s < (int)m->nscenarios; s++) {
                    Outcome oc =
                        decide_role(m, (int)r, s, (int)t, (int)c, NULL);
                    row_begin(e, "ward_cell",
                              "tbl, col, role, scenario, effect, rank, pos, "
                              "mask, args");
                    sql_put_str(o, tb->name);
                    sb_puts(o, ", ");
                    sql_put_str(o, tb->columns[c].name);
                    sb_puts(o, ", ");
                    sql_put_str(o, m->roles[r].name);
                    sb_puts(o, ", ");
                    sql_put_str(o, s < 0 ? "" : m->scenarios[s].name);
                    /* ", 'effect', rank, pos, ": no printf, a million
                     * times over. */
                    sb_puts(o, ", '");
                    sb_puts(o, effect_name(oc.effect));
                    sb_puts(o, "', ");
                    CombineKey k = combine_key(m, &oc);
                    sb_put_int(o, k.rank);
                    sb_puts(o, ", ");
                    sb_put_int(o, k.pos);
                    sb_puts(o, ", ");
                    if (oc.effect == EFFECT_MASK) {
                        sb_reset(&expr);
                        sql_put_json_args(&expr, oc.mask->call);
                        sql_put_str(o, oc.mask->spec->name);
                        sb_puts(o, ", ");
                        sql_put_text(o, expr.data, expr.len);
                    } else {
                        sb_puts(o, "NULL, NULL");
                    }
                    row_end(e);
                }
    }
    for (size_t i = 0; i < m->nrowrules; i++) {
        const RowRule *rr = &m->rowrules[i];
        sb_reset(&expr);
        if (rr->expr)
            emit_sqlite_row_expr(m->tables[rr->table].name, rr->expr, &expr);
        for (size_t k = 0; k < rr->nroles; k++) {
            row_begin(e, "ward_rowrule", "tbl, role, expr");
            sql_put_str(o, m->tables[rr->table].name);
            sb_puts(o, ", ");
            sql_put_str(o, m->roles[rr->roles[k]].name);
            sb_puts(o, ", ");
            if (rr->expr)
                sql_put_text(o, expr.data, expr.len);
            else
                sb_puts(o, "NULL");
            row_end(e);
        }
    }
    sb_free(&expr);
    for (size_t i = 0; i < m->nwrites; i++) {
        const WriteRule *w = &m->writes[i];
        const Table *tb = &m->tables[w->table];
        for (size_t c = 0; c < w->ncolumns; c++)
            for (size_t k = 0; k < w->nroles; k++) {
                const char *v[] = {tb->name, tb->columns[w->columns[c]].name,
                                   m->roles[w->roles[k]].name};
                row_strs(e, "ward_write", "tbl, col, role", 3, v);
            }
    }
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        row_begin(e, "ward_approval", "name, label, count, expires");
        sql_put_str(o, ap->name);
        sb_puts(o, ", ");
        sql_put_str(o, ap->label);
        sb_printf(o, ", %d, ", ap->count);
        if (ap->expires > 0)
            sb_printf(o, "%lld", (long long)ap->expires);
        else
            sb_puts(o, "NULL");
        row_end(e);
    }
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        for (size_t c = 0; c < ap->nclauses; c++) {
            row_begin(e, "ward_clause", "approval, clause, count");
            sql_put_str(o, ap->name);
            sb_printf(o, ", %zu, %d", c, ap->clauses[c].count);
            row_end(e);
        }
    }
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        for (size_t c = 0; c < ap->nclauses; c++)
            for (size_t k = 0; k < ap->clauses[c].nroles; k++) {
                row_begin(e, "ward_approver", "approval, clause, role");
                sql_put_str(o, ap->name);
                sb_printf(o, ", %zu, ", c);
                sql_put_str(o, m->roles[ap->clauses[c].roles[k]].name);
                row_end(e);
            }
    }
    for (size_t i = 0; i < m->napprovals; i++) {
        const Approval *ap = &m->approvals[i];
        for (size_t k = 0; k < ap->nguards; k++) {
            const Guard *g = &ap->guards[k];
            const Table *tb = &m->tables[g->table];
            row_begin(e, "ward_guard", "approval, op, tbl, col, beyond");
            sql_put_str(o, ap->name);
            sb_printf(o, ", '%s', ", guard_op_name(g->op));
            sql_put_str(o, tb->name);
            sb_puts(o, ", ");
            sql_put_str(o, g->column >= 0 ? tb->columns[g->column].name : NULL);
            if (g->beyond >= 0)
                sb_printf(o, ", %lld", (long long)g->beyond);
            else
                sb_puts(o, ", NULL");
            row_end(e);
        }
    }
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
