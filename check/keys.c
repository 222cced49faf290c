/*
 * keys.c - the masking key of a corpus run (see keys.h), and the one copy
 * of the code that stores a key in a PostgreSQL database: `ward key load`
 * (cli/cmd_key.c) and the PostgreSQL corpus runner both call it.
 */
#include "keys.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *saved(const char *name)
{
    const char *v = getenv(name);
    return v ? strdup(v) : NULL;
}

void keys_env_enter(const char *hex, KeyEnv *out)
{
    memset(out, 0, sizeof *out);
    if (!hex)
        return;
    out->entered = true;
    out->key = saved("WARD_KEY");
    out->key_file = saved("WARD_KEY_FILE");
    unsetenv("WARD_KEY_FILE");
    setenv("WARD_KEY", hex, 1);
}

/* restore puts NAME back to V (NULL: unset), then wipes and frees V: it
 * may be a production key. */
static void restore(const char *name, char *v)
{
    if (v) {
        setenv(name, v, 1);
        OPENSSL_cleanse(v, strlen(v));
        free(v);
    } else {
        unsetenv(name);
    }
}

void keys_env_leave(KeyEnv *s)
{
    if (!s->entered)
        return;
    restore("WARD_KEY", s->key);
    restore("WARD_KEY_FILE", s->key_file);
    memset(s, 0, sizeof *s);
}

bool keys_pg_quiet(PGconn *db)
{
    PGresult *res = PQexec(db, "SET log_statement = 'none'; "
                               "SET log_min_duration_statement = -1; "
                               "SET log_parameter_max_length = 0; "
                               "SET log_parameter_max_length_on_error = 0");
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok;
}

int keys_pg_store(PGconn *db, const MaskKey *key, char **err)
{
    char mac[2 + 2 * sizeof key->mac + 1] = "\\x";
    char siv[2 + 2 * sizeof key->siv + 1] = "\\x";
    for (size_t i = 0; i < sizeof key->mac; i++)
        snprintf(mac + 2 + 2 * i, 3, "%02x", key->mac[i]);
    for (size_t i = 0; i < sizeof key->siv; i++)
        snprintf(siv + 2 + 2 * i, 3, "%02x", key->siv[i]);
    const char *params[2] = {mac, siv};
    PGresult *res =
        PQexecParams(db,
                     "INSERT INTO ward.key (id, mac, siv) "
                     "VALUES (1, $1::bytea, $2::bytea) ON CONFLICT (id) "
                     "DO UPDATE SET mac = EXCLUDED.mac, siv = EXCLUDED.siv",
                     2, NULL, params, NULL, NULL, 0);
    OPENSSL_cleanse(mac, sizeof mac);
    OPENSSL_cleanse(siv, sizeof siv);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        *err = strdup(PQerrorMessage(db));
        rc = -1;
    }
    PQclear(res);
    return rc;
}
