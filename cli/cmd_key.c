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

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define USAGE "ward key load --dsn DSN"

/* quiet_logs turns off, for this connection, every setting under which
 * the server would write the statement's parameters (the key) to its log.
 * They are superuser settings; false when one is refused. */
static bool quiet_logs(PGconn *db)
{
    PGresult *res = PQexec(db, "SET log_statement = 'none'; "
                               "SET log_min_duration_statement = -1; "
                               "SET log_parameter_max_length = 0; "
                               "SET log_parameter_max_length_on_error = 0");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

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
    char hex[2 + 2 * sizeof key.mac + 1] = "\\x";
    char siv[2 + 2 * sizeof key.siv + 1] = "\\x";
    for (size_t i = 0; i < sizeof key.mac; i++)
        snprintf(hex + 2 + 2 * i, 3, "%02x", key.mac[i]);
    for (size_t i = 0; i < sizeof key.siv; i++)
        snprintf(siv + 2 + 2 * i, 3, "%02x", key.siv[i]);
    crypto_key_dispose(&key);

    int rc = EXIT_OK;
    PGconn *db = NULL;
    if (cli_pg_connect("key load", dsn, &db) != EXIT_OK) {
        rc = EXIT_USAGE;
    } else if (!quiet_logs(db)) {
        fprintf(stderr,
                "ward key load: cannot keep the key out of the server log on "
                "this connection (%s): load it as a superuser\n",
                PQerrorMessage(db));
        rc = EXIT_USAGE;
    } else {
        const char *params[2] = {hex, siv};
        PGresult *res =
            PQexecParams(db,
                         "INSERT INTO ward.key (id, mac, siv) "
                         "VALUES (1, $1::bytea, $2::bytea) ON CONFLICT (id) "
                         "DO UPDATE SET mac = EXCLUDED.mac, siv = EXCLUDED.siv",
                         2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr,
                    "ward key load: %s(apply a script from `ward compile "
                    "--target postgres` first, as its owner)\n",
                    PQerrorMessage(db));
            rc = EXIT_USAGE;
        } else {
            fprintf(stderr, "ward key load: the masking key is in ward.key\n");
        }
        PQclear(res);
    }
    PQfinish(db);
    OPENSSL_cleanse(hex, sizeof hex);
    OPENSSL_cleanse(siv, sizeof siv);
    return rc;
}
