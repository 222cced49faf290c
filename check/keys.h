/*
 * keys.h - the masking key of a corpus run, on each target.
 *
 * A corpus may carry a test key (`key:`, 64 hex digits): keyed masks use
 * it for the length of the run, so expected pseudonyms are stable and CI
 * needs no production key. The SQLite runtime reads its key from the
 * process environment (WARD_KEY_FILE, else WARD_KEY) once per connection:
 * keys_env_enter puts the test key there and keys_env_leave puts back what
 * was there before. PostgreSQL keeps the derived subkeys in the table
 * ward.key, which `ward key load` fills; the corpus runner fills it the
 * same way (keys_pg_store) inside each case's transaction. Key bytes are
 * never printed, logged or put in a message.
 */
#ifndef WARD_KEYS_H
#define WARD_KEYS_H

#include "crypto.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* The environment as keys_env_enter found it. */
typedef struct KeyEnv {
    bool entered;   /* a test key is in the environment */
    char *key;      /* WARD_KEY before, or NULL; caller frees via leave */
    char *key_file; /* WARD_KEY_FILE before, or NULL */
} KeyEnv;

/* keys_env_enter: when HEX (a corpus's key) is non-NULL, sets WARD_KEY to
 * it and unsets WARD_KEY_FILE (which would win), saving both in SAVED;
 * with HEX NULL it changes nothing. Pairs with keys_env_leave; pairs nest
 * (a mutant's run inside a check's). */
void keys_env_enter(const char *hex, KeyEnv *saved);

/* keys_env_leave restores the environment that SAVED recorded. */
void keys_env_leave(KeyEnv *saved);

/* keys_pg_quiet turns off, for DB's session, every setting under which
 * the server would write a statement's parameters (the key) to its log.
 * They are superuser settings: false when one is refused. */
bool keys_pg_quiet(PGconn *db);

/* keys_pg_store puts KEY's subkeys into ward.key on DB as bound
 * parameters. Returns 0, or -1 with the server's message in ERR (caller
 * frees with free; never holds key bytes). */
int keys_pg_store(PGconn *db, const MaskKey *key, char **err);

#endif
