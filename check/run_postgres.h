/*
 * run_postgres.h - running a corpus on the PostgreSQL target through
 * libpq: `ward check POLICY --target postgres --dsn DSN`.
 *
 * Same cases, same comparisons, same coverage as the SQLite runner
 * (runner.h); each case is a transaction on the server that is rolled
 * back, each step runs as a role holding exactly the session's roles, never
 * as a superuser or a role that bypasses row security. Only reads run on
 * this target so far; other operations fail their case and say so.
 */
#ifndef WARD_RUN_POSTGRES_H
#define WARD_RUN_POSTGRES_H

#include "runner.h"

bool runner_run_postgres(const Model *m, const Corpus *c, const char *dsn,
                         Arena *a, RunResult *out, const char **err);

#endif
