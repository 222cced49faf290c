/*
 * audit_chain.h - the hash chain of the audit log, shared by the runtime
 * (which appends rows) and `ward audit verify` (which walks them).
 *
 * Each audit row carries the hash of its predecessor (prev; 64 zeros for
 * the first row) and its own hash: SHA-256 over a fixed tag, prev, and the
 * row's fields in order, each written with its length so that no two
 * different rows encode alike and NULL differs from the empty string.
 * Changing, inserting or deleting any row breaks the chain at that row.
 */
#ifndef WARD_AUDIT_CHAIN_H
#define WARD_AUDIT_CHAIN_H

#include <stddef.h>

/* The hashed fields, in order: at, user, roles, scenario, op, tbl, key,
 * columns, nrows, detail (nrows as decimal text). */
#define AUDIT_NFIELDS 10

/* The prev of the first row. */
#define AUDIT_GENESIS                                                          \
    "0000000000000000000000000000000000000000000000000000000000000000"

/* audit_chain_hash writes the row's hash, 64 lower-case hex digits and a
 * NUL, to OUT. FIELDS[i] is NULL for SQL NULL; LENS[i] its length in bytes.
 * Returns 0, or -1 when OpenSSL fails. */
int audit_chain_hash(const char *prev, const char *const fields[AUDIT_NFIELDS],
                     const size_t lens[AUDIT_NFIELDS], char out[65]);

#endif
