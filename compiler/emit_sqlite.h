/*
 * emit_sqlite.h - the SQLite target: one apply script per policy.
 *
 * The script stores the policy's decisions in catalog tables (ward_cell,
 * ward_rowrule, ward_write, ...), computed here by the decision function for
 * every role alone and every scenario; the runtime (runtime/sqlite/) combines
 * the rows of a session's roles when a table is first used in a session and
 * serves the table through a virtual table of the same name. The script also
 * creates the audit log, the approval tables, their guard triggers and the
 * write-audit triggers on the protected tables, and a manifest of everything it
 * created so that `ward verify` can report drift. docs/dba-sqlite.md describes
 * the result.
 *
 * The script is deterministic (byte-identical for the same policy text),
 * runs in one transaction, is idempotent, and never drops or rewrites a
 * base table or the audit log.
 */
#ifndef WARD_EMIT_SQLITE_H
#define WARD_EMIT_SQLITE_H

#include "model.h"
#include "strbuf.h"
#include "ward.h" /* WARD_SQLITE_FORMAT */

/* emit_sqlite_check reports, into D, what of M the SQLite target cannot
 * enforce yet (docs/language.md lists it); false when it reported any. */
bool emit_sqlite_check(const Model *m, Diag *d);

/* emit_sqlite writes the apply script for M to OUT. */
void emit_sqlite(const Model *m, StrBuf *out);

/* emit_sqlite_row_expr writes a row expression as SQL over TABLE's own
 * columns (qualified by TABLE), with session.ATTR as ward_attr('ATTR') and
 * current_user as ward_user(). */
void emit_sqlite_row_expr(const char *table, const Node *e, StrBuf *out);

#endif
