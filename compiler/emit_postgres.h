/*
 * emit_postgres.h - the PostgreSQL target: one script for psql.
 *
 * The script carries the runtime (runtime/postgres/ files, embedded at build
 * time) and, for the policy: NOLOGIN group roles (inherits as membership),
 * the decision catalog (ward.cell, from the decision function for every
 * role alone and every scenario) and the other catalogs the runtime reads
 * (write grants, audited columns, approvals and their guards), a schema
 * named after the policy with a security_barrier view per table whose
 * columns follow ward.outcome for the current session (writes through its
 * INSTEAD OF trigger), the export and unmask views, the keyed masks'
 * row functions, row-level security and write-audit triggers on the base
 * tables, grants (the policy's roles reach the views only), and the
 * manifest for `ward verify --dsn`. The views belong to ward_reader, a
 * NOLOGIN role without BYPASSRLS that owns nothing else, so row security
 * applies to every read through them. docs/dba-postgres.md tells the DBA.
 *
 * A policy with a mask the PostgreSQL runtime does not have is refused
 * with a diagnostic rather than compiled into a script that would not
 * enforce it (today every mask of the catalog has one).
 */
#ifndef WARD_EMIT_POSTGRES_H
#define WARD_EMIT_POSTGRES_H

#include "diag.h"
#include "model.h"
#include "strbuf.h"

/* emit_postgres_check reports (to D) what of M this target cannot enforce
 * yet. Returns false when anything was reported. */
bool emit_postgres_check(const Model *m, Diag *d);

/* What a script holds beyond the policy. */
typedef struct PgOptions {
    /* BEGIN ... COMMIT around it; the corpus runner applies the script
     * inside a transaction of its own that it rolls back. */
    bool transaction;
    /* pgaudit's object-audit configuration for the audited columns. */
    bool pgaudit;
    /* Leave the runtime (schema ward) out: it is there already. The corpus
     * runner applies it once per run (emit_postgres_runtime) and the
     * policy once per case. */
    bool no_runtime;
} PgOptions;

/* emit_postgres_runtime writes the runtime alone, as a script applies it:
 * the same for every policy. */
void emit_postgres_runtime(StrBuf *out);

/* emit_postgres writes the script for M to OUT. Call after the check. */
void emit_postgres(const Model *m, const PgOptions *opt, StrBuf *out);

/* emit_postgres_fingerprint writes a query of (type, name, sha256) over
 * what the script for POLICY made, as the server keeps it: views, base
 * tables with their row security and policies, triggers, the runtime's
 * functions, the catalog's rows. The script stores it in ward.manifest;
 * `ward verify --dsn` runs it again and compares. */
void emit_postgres_fingerprint(const char *policy, StrBuf *out);

/* emit_postgres_oracles writes a query of (tbl, col, what, roles, n): each
 * column of POLICY's protected tables that a unique or exclusion
 * constraint, a unique index or a foreign key ("what", named) covers, and
 * which some roles ("roles", n of them, with the scenarios where it holds
 * when not in all) may write but do not see in clear: a write the table
 * refuses tells them whether another row holds the value written. The
 * script warns of each when applied; `ward verify --dsn` too. */
void emit_postgres_oracles(const char *policy, StrBuf *out);

#endif
