/*
 * cli.h - what the `ward` subcommands share: exit codes, option parsing and
 * the way diagnostics reach stderr.
 */
#ifndef WARD_CLI_H
#define WARD_CLI_H

#include "diag.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <stdbool.h>

typedef enum ExitCode {
    EXIT_OK = 0,     /* success */
    EXIT_FAILED = 1, /* a check or verification failed */
    EXIT_USAGE = 2,  /* bad usage or bad input (diagnostics printed) */
} ExitCode;

/* Args walks argv: positional words and --name value / --name=value. */
typedef struct Args {
    int argc;
    char **argv;
    int i;           /* next argument */
    const char *cmd; /* subcommand name, for messages */
} Args;

/* args_next returns the next argument or NULL. An option's name is returned
 * with its leading dashes; its value comes from args_value. */
const char *args_next(Args *a);
/* args_value returns the value of option OPT (inline "=v" or the next word),
 * or NULL after printing a usage error. */
const char *args_value(Args *a, const char *opt);

/* cli_usage prints "ward CMD: MSG" and the usage line; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* cli_finish prints the diagnostics and returns EXIT_USAGE on errors. */
int cli_diagnostics(Diag *d);

/* write_file_atomic writes LEN bytes to PATH. A regular file or a new path
 * is written through a temporary file and a rename, so a failure never
 * leaves a half-written file; the file keeps the mode and owner of the one
 * it replaces, and a new one gets 0666 less the umask. A device or a FIFO
 * is written in place (never replaced); a symbolic link is kept and the
 * file it names written. "-" is stdout. 0, or -1 with a message printed. */
int write_file_atomic(const char *path, const char *data, size_t len);

/* cli_db_open opens PATH read-only for command CMD; EXIT_USAGE (message
 * printed) when it is missing or not a database. */
int cli_db_open(const char *cmd, const char *path, sqlite3 **out);

/* cli_pg_connect connects to DSN for command CMD; EXIT_USAGE (message
 * printed) when the server cannot be reached. */
int cli_pg_connect(const char *cmd, const char *dsn, PGconn **out);

int cmd_compile(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_key(int argc, char **argv);

int cmd_parse(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_matrix(int argc, char **argv);

#endif
