/*
 * ward_pg.h - what the files of the runtime's C library for PostgreSQL
 * (build/ward_pg.so) share.
 *
 * The library gives the SQL runtime (runtime/postgres/ *.sql) C versions of
 * its hot functions, under the same names: every mask and the crypto
 * primitives (from runtime/core), the text a mask reads, the session's
 * user, a per-session memo of the decisions, and the read audit's per-row
 * counting with its records kept in backend memory and appended at commit.
 * native.sql declares them when the library loads and the DBA did not ask
 * for the SQL runtime; otherwise the SQL versions stay (docs/dba-postgres.md,
 * "The C library and the SQL runtime").
 *
 * Every function runs with its caller's rights. Where one needs the
 * runtime's (the decision's lookups, the audit log), it calls a SECURITY
 * DEFINER function of the SQL runtime through fmgr, found by its schema,
 * name and argument type OIDs, never by a name a session could shadow.
 */
#ifndef WARD_PG_H
#define WARD_PG_H

#include "postgres.h"

#include "fmgr.h"

/*
 * wardpg_stmt numbers the session's top-level statements: it moves on at
 * each top-level executor start or utility command (pg_module.c), so two
 * statements of one query string differ, and the statements that a
 * function runs inside another statement belong to it.
 */
extern uint64 wardpg_stmt;

/* wardpg_memo_flush forgets every remembered decision (pg_session.c). */
void wardpg_memo_flush(void);

/* wardpg_caller_name is the session's user as ward.caller_ names it,
 * palloc'd in the current memory context. */
char *wardpg_caller_name(void);

/* wardpg_caller_oid is that user's OID. */
Oid wardpg_caller_oid(void);

/*
 * wardpg_fn_lookup finds ward.NAME with the NARGS argument types TYPES and
 * returns its OID; with MISSING_OK, InvalidOid when there is none. The
 * name is never resolved through a search path.
 */
Oid wardpg_fn_lookup(const char *name, int nargs, const Oid *types,
                     bool missing_ok);

/* pg_session.c: a standby session's state in memory, at the end of a
 * (sub)transaction and at DISCARD TEMP or ALL. */
void wardpg_state_xact(bool commit);
void wardpg_state_subxact(bool commit, SubTransactionId sub,
                          SubTransactionId parent);
void wardpg_state_discard(void);

/* pg_read.c: the transaction's end, for the pending read records. */
void wardpg_reads_precommit(void);
void wardpg_reads_abort(void);

#endif
