/*
 * run_postgres.h - running a corpus on the PostgreSQL target through
 * libpq: `ward check POLICY --target postgres --dsn DSN`.
 *
 * Same cases, same comparisons, same coverage as the SQLite runner
 * (runner.h). The run is one transaction on the server, rolled back at
 * its end: the runtime is applied once, each case in a savepoint rolled
 * back after it; each step runs as a role holding exactly the session's
 * roles, never as a superuser or a role that bypasses row security.
 */
#ifndef WARD_RUN_POSTGRES_H
#define WARD_RUN_POSTGRES_H

#include "runner.h"

/* runner_run_postgres runs corpus C against M's script on the database DSN
 * names. With FIRST_FAILURE it stops at the first failing case (a mutant
 * needs no more to be killed); the cases after it are not run and count
 * as neither passed nor failed. False with ERR when the run cannot start. */
bool runner_run_postgres(const Model *m, const Corpus *c, const char *dsn,
                         bool first_failure, Arena *a, RunResult *out,
                         const char **err);

#endif
