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

#include <libpq-fe.h>

/* runner_run_postgres runs corpus C against M's script on the database DSN
 * names. With FIRST_FAILURE it stops at the first failing case (a mutant
 * needs no more to be killed); the cases after it are not run and count
 * as neither passed nor failed. False with ERR when the run cannot start. */
bool runner_run_postgres(const Model *m, const Corpus *c, const char *dsn,
                         bool first_failure, Arena *a, RunResult *out,
                         const char **err);

/* The runner's world without the cases, for a check of another kind
 * (check/exhaustive_postgres.c): one transaction on the server, rolled
 * back by pg_world_close, holding M's tables (schema ward_check_base),
 * C's fixtures and test key, the runtime and M's script. NULL with ERR
 * when it cannot be made. */
typedef struct PgRun PgRun;
PgRun *pg_world_open(const Model *m, const Corpus *c, const char *dsn, Arena *a,
                     const char **err);

/* pg_world_become makes the session S's user (granted exactly S's roles;
 * never a superuser), becomes it and sets S's scenario and attributes, as
 * a corpus step does. False with *REFUSAL: the server's refusal or the
 * runner's reason. The caller's savepoint takes it all back; RESET ROLE
 * returns to the runner's role. */
bool pg_world_become(PgRun *r, const CSession *s, const char **refusal);

PGconn *pg_world_conn(PgRun *r);
void pg_world_close(PgRun *r);

#endif
