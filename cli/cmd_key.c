/*
 * cmd_key.c - `ward key load --dsn DSN`: put the masking key into a
 * PostgreSQL database that a compiled script has set up.
 *
 * The key material comes from WARD_KEY_FILE or WARD_KEY, as for the SQLite
 * runtime; the HMAC subkey and the AES-256-SIV key are derived here by the
 * same code the C core uses, so pseudonyms and encryption tokens agree
 * across targets, and are sent as bound parameters: never in SQL text,
 * never printed. Exit 0 loaded, 2 no key, no server, or no ward schema
 * there.
 */
#include "cli.h"

#include "crypto.h"
#include "keys.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE "ward key load --dsn DSN"

int cmd_key(int argc, char **argv)
{
    Args a = {argc, argv, 1, "key"};
    const char *sub = NULL, *dsn = NULL;
    for (const char *arg; (arg = args_next(&a));) {
        if (strncmp(arg, "--dsn", 5) == 0 && (!arg[5] || arg[5] == '=')) {
            if (!(dsn = args_value(&a, arg)))
                return EXIT_USAGE;
        } else if (strcmp(arg, "--help") == 0) {
            return printf("usage: %s\n", USAGE), EXIT_OK;
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage("key", USAGE, "unknown option '%s'", arg);
        } else if (!sub) {
            sub = arg;
        } else {
            return cli_usage("key", USAGE, "unexpected '%s'", arg);
        }
    }
    if (!sub || strcmp(sub, "load") != 0)
        return cli_usage("key", USAGE, "%s%s%s",
                         sub ? "unknown subcommand '" : "no subcommand given",
                         sub ? sub : "", sub ? "'" : "");
    if (!dsn)
        return cli_usage("key", USAGE, "no --dsn given");

    MaskKey key;
    char err[200];
    if (crypto_key_load_env(&key, err, sizeof err) != 0) {
        fprintf(stderr, "ward key load: %s\n", err);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    PGconn *db = NULL;
    char *why = NULL;
    if (cli_pg_connect("key load", dsn, &db) != EXIT_OK) {
        rc = EXIT_USAGE;
    } else if (!keys_pg_quiet(db)) {
        fprintf(stderr,
                "ward key load: cannot keep the key out of the server log on "
                "this connection (%s): load it as a superuser\n",
                PQerrorMessage(db));
        rc = EXIT_USAGE;
    } else if (keys_pg_store(db, &key, &why) != 0) {
        fprintf(stderr,
                "ward key load: %s(apply a script from `ward compile "
                "--target postgres` first, as its owner)\n",
                why);
        rc = EXIT_USAGE;
    } else {
        fprintf(stderr, "ward key load: the masking key is in ward.key\n");
    }
    free(why);
    crypto_key_dispose(&key);
    PQfinish(db);
    return rc;
}
