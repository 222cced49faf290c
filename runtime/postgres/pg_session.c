/*
 * pg_session.c - the session's decisions, remembered.
 *
 * The views ask, once per statement and column, what the session may see
 * (ward.outcome), and the row rules ask for the session's attributes; each
 * answer is a few catalog lookups in PL/pgSQL. Here they are asked once per
 * session: ward_pg_memo stands for ward.outcome, ward.scenario, ward.attr,
 * ward.attr_bigint, ward.attr_float, ward.roles_ and ward.read_table_,
 * and calls the SQL runtime's ward.<name>_fill_ (roles_fill_ for roles_;
 * same arguments) only for a question it has
 * not answered for this user since it last forgot.
 *
 * It forgets everything (wardpg_memo_flush) when what the answers came
 * from may have changed:
 *   - the session's scenario, attributes or lock (ward.put_ and ward.lock
 *     call ward.memo_flush_);
 *   - any relation's cache entry is invalidated: DISCARD TEMP dropping the
 *     session's state table, a re-applied script, and every change to the
 *     runtime's catalog tables, whose statement trigger ward.changed_
 *     sends that invalidation to every session at commit (a pinned
 *     attribute, a new decision);
 *   - a role or a membership changes (GRANT, REVOKE, ALTER ROLE);
 *   - a transaction or subtransaction aborts (a scenario set in it is
 *     gone).
 * The answer depends on the user too, and the user can change without
 * any of these (SET ROLE to a login role): the user is part of the key.
 */
#include "ward_pg.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#define MEMO_ARGS 192   /* bytes of arguments a remembered call may have */
#define MEMO_MAX  10000 /* answers remembered before forgetting them all */

typedef struct MemoKey {
    Oid fn;               /* the memo function asked */
    Oid caller;           /* the session's user */
    uint32 len;           /* bytes used in args */
    char args[MEMO_ARGS]; /* the arguments, length-prefixed; zero padded */
} MemoKey;

typedef struct MemoEntry {
    MemoKey key; /* hash key: first */
    bool isnull; /* the answer is NULL */
    Datum value; /* the answer, in memo_cxt */
} MemoEntry;

/* How one memo function asks its fill: found once per FmgrInfo. */
typedef struct MemoFn {
    FmgrInfo fill; /* ward.<name>_fill_ */
    int16 typlen;  /* the answer's type */
    bool typbyval;
} MemoFn;

static MemoryContext memo_cxt;
static HTAB *memo;
static uint64 memo_gen; /* moves on at each flush */

void wardpg_memo_flush(void)
{
    memo_gen++;
    if (memo_cxt == NULL)
        return;
    memo = NULL;
    MemoryContextReset(memo_cxt);
}

static HTAB *memo_table(void)
{
    if (memo_cxt == NULL)
        memo_cxt = AllocSetContextCreate(TopMemoryContext, "ward memo",
                                         ALLOCSET_DEFAULT_SIZES);
    if (memo == NULL) {
        HASHCTL ctl;
        memset(&ctl, 0, sizeof ctl);
        ctl.keysize = sizeof(MemoKey);
        ctl.entrysize = sizeof(MemoEntry);
        ctl.hcxt = memo_cxt;
        memo = hash_create("ward memo", 64, &ctl,
                           HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    }
    return memo;
}

static MemoFn *memo_fn(FunctionCallInfo fcinfo)
{
    FmgrInfo *fl = fcinfo->flinfo;
    if (fl->fn_extra)
        return fl->fn_extra;
    HeapTuple tp = SearchSysCache1(PROCOID, ObjectIdGetDatum(fl->fn_oid));
    if (!HeapTupleIsValid(tp))
        elog(ERROR, "ward: no function %u", fl->fn_oid);
    Form_pg_proc p = (Form_pg_proc)GETSTRUCT(tp);
    /* outcome: outcome_fill_; roles_: roles_fill_. */
    const char *own = NameStr(p->proname);
    size_t n = strlen(own);
    char *name =
        psprintf("%s%s", own, n && own[n - 1] == '_' ? "fill_" : "_fill_");
    Oid fill =
        wardpg_fn_lookup(name, p->pronargs, p->proargtypes.values, false);
    Oid rettype = p->prorettype;
    ReleaseSysCache(tp);
    MemoFn *m = MemoryContextAllocZero(fl->fn_mcxt, sizeof *m);
    fmgr_info_cxt(fill, &m->fill, fl->fn_mcxt);
    get_typlenbyval(rettype, &m->typlen, &m->typbyval);
    fl->fn_extra = m;
    return m;
}

/* key writes the call's arguments (text, or NULL) to K; false when they
 * do not fit, and the call is then not remembered. */
static bool key(FunctionCallInfo fcinfo, MemoKey *k)
{
    memset(k, 0, sizeof *k);
    k->fn = fcinfo->flinfo->fn_oid;
    k->caller = wardpg_caller_oid();
    for (int i = 0; i < PG_NARGS(); i++) {
        if (PG_ARGISNULL(i)) {
            if (k->len + 1 > MEMO_ARGS)
                return false;
            k->args[k->len++] = 0;
            continue;
        }
        text *t = PG_GETARG_TEXT_PP(i);
        uint32 n = VARSIZE_ANY_EXHDR(t);
        if (k->len + 1 + sizeof n + n > MEMO_ARGS)
            return false;
        k->args[k->len++] = 1;
        memcpy(k->args + k->len, &n, sizeof n);
        k->len += sizeof n;
        memcpy(k->args + k->len, VARDATA_ANY(t), n);
        k->len += n;
    }
    return true;
}

PG_FUNCTION_INFO_V1(ward_pg_memo);
Datum ward_pg_memo(PG_FUNCTION_ARGS)
{
    MemoFn *m = memo_fn(fcinfo);
    MemoKey k;
    bool keep = key(fcinfo, &k);
    if (keep) {
        MemoEntry *e = hash_search(memo_table(), &k, HASH_FIND, NULL);
        if (e != NULL) {
            if (e->isnull)
                PG_RETURN_NULL();
            /* A copy: the memo may forget before the caller is done. */
            return datumCopy(e->value, m->typbyval, m->typlen);
        }
    }
    uint64 gen = memo_gen;
    LOCAL_FCINFO(fc, FUNC_MAX_ARGS);
    InitFunctionCallInfoData(*fc, &m->fill, PG_NARGS(), fcinfo->fncollation,
                             NULL, NULL);
    for (int i = 0; i < PG_NARGS(); i++)
        fc->args[i] = fcinfo->args[i];
    Datum v = FunctionCallInvoke(fc);
    bool isnull = fc->isnull;
    /* Forgotten meanwhile: the answer may already be out of date. */
    if (!keep || gen != memo_gen)
        goto out;
    HTAB *h = memo_table();
    if (hash_get_num_entries(h) >= MEMO_MAX) {
        wardpg_memo_flush();
        h = memo_table();
    }
    MemoEntry *e = hash_search(h, &k, HASH_ENTER, NULL);
    e->isnull = isnull;
    e->value = (Datum)0;
    if (!isnull) {
        MemoryContext old = MemoryContextSwitchTo(memo_cxt);
        e->value = datumCopy(v, m->typbyval, m->typlen);
        MemoryContextSwitchTo(old);
    }
out:
    if (isnull)
        PG_RETURN_NULL();
    return v;
}

/* ward.memo_flush_(): the session's state changed. */
PG_FUNCTION_INFO_V1(ward_pg_memo_flush);
Datum ward_pg_memo_flush(PG_FUNCTION_ARGS)
{
    (void)fcinfo;
    wardpg_memo_flush();
    PG_RETURN_VOID();
}

/*
 * ward.changed_(): the statement trigger of the runtime's catalog tables.
 * It invalidates the table's relation cache entry, which every session
 * hears of when the change commits, and so forgets its answers.
 */
PG_FUNCTION_INFO_V1(ward_pg_changed);
Datum ward_pg_changed(PG_FUNCTION_ARGS)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        elog(ERROR, "ward: ward.changed_ is a trigger");
    TriggerData *td = (TriggerData *)fcinfo->context;
    CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
    return PointerGetDatum(NULL);
}

/*
 * ---- the session's state on a hot standby ----
 *
 * On the primary the session's state (scenario, attributes, the lock, the
 * write statements' identities) is a temporary table that only the
 * runtime's definer functions own (session.sql). A standby can make no
 * table, so there ward.state_get_ and ward.state_set_ keep it here, in
 * the backend's memory, which no SQL reaches: ward.mem_ and ward.mem_set_,
 * which no user may call. It behaves as the table does: a change rolls
 * back with its (sub)transaction (an undo log), and DISCARD TEMP or
 * DISCARD ALL forgets an unlocked session's state, never a locked one's.
 */

typedef struct StateVar {
    char key[NAMEDATALEN * 2]; /* hash key: the state's key */
    char *value;               /* NULL when unset */
} StateVar;

typedef struct StateUndo {
    char key[NAMEDATALEN * 2];
    char *old;            /* the value before, or NULL */
    SubTransactionId sub; /* the subtransaction that changed it */
    struct StateUndo *next;
} StateUndo;

static MemoryContext state_cxt;
static HTAB *state;
static StateUndo *undo;

static HTAB *state_table(void)
{
    if (state_cxt == NULL)
        state_cxt = AllocSetContextCreate(TopMemoryContext, "ward state",
                                          ALLOCSET_DEFAULT_SIZES);
    if (state == NULL) {
        HASHCTL ctl;
        memset(&ctl, 0, sizeof ctl);
        ctl.keysize = sizeof(((StateVar *)0)->key);
        ctl.entrysize = sizeof(StateVar);
        ctl.hcxt = state_cxt;
        state = hash_create("ward state", 16, &ctl,
                            HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
    }
    return state;
}

static void state_key(const char *k, char out[NAMEDATALEN * 2])
{
    if (strlen(k) >= NAMEDATALEN * 2)
        ereport(ERROR, (errcode(ERRCODE_NAME_TOO_LONG),
                        errmsg("ward: a session key is too long")));
    memset(out, 0, NAMEDATALEN * 2);
    strlcpy(out, k, NAMEDATALEN * 2);
}

static const char *state_get(const char *k)
{
    char key[NAMEDATALEN * 2];
    state_key(k, key);
    StateVar *v = hash_search(state_table(), key, HASH_FIND, NULL);
    return v ? v->value : NULL;
}

/* state_put sets K to V (NULL: unset), undoably when LOG. */
static void state_put(const char *k, const char *v, bool log)
{
    char key[NAMEDATALEN * 2];
    state_key(k, key);
    bool found;
    StateVar *e = hash_search(state_table(), key, HASH_ENTER, &found);
    if (!found)
        e->value = NULL;
    if (log) {
        StateUndo *u = MemoryContextAllocZero(state_cxt, sizeof *u);
        memcpy(u->key, key, sizeof key);
        u->old = e->value;
        u->sub = GetCurrentSubTransactionId();
        u->next = undo;
        undo = u;
    }
    e->value = v ? MemoryContextStrdup(state_cxt, v) : NULL;
}

void wardpg_state_xact(bool commit)
{
    while (undo) {
        StateUndo *u = undo;
        undo = u->next;
        if (!commit)
            state_put(u->key, u->old, false);
    }
}

void wardpg_state_subxact(bool commit, SubTransactionId sub,
                          SubTransactionId parent)
{
    for (StateUndo *u = undo; u && u->sub >= sub; u = u->next)
        if (commit && u->sub == sub)
            u->sub = parent;
    if (commit)
        return;
    while (undo && undo->sub >= sub) {
        StateUndo *u = undo;
        undo = u->next;
        state_put(u->key, u->old, false);
    }
}

void wardpg_state_discard(void)
{
    if (state == NULL || state_get("locked") != NULL)
        return;
    HASH_SEQ_STATUS it;
    StateVar *v;
    hash_seq_init(&it, state);
    while ((v = hash_seq_search(&it)) != NULL)
        if (v->value)
            state_put(v->key, NULL, true);
    wardpg_memo_flush();
}

/* ward.mem_(key): the standby session's KEY, or NULL. */
PG_FUNCTION_INFO_V1(ward_pg_mem);
Datum ward_pg_mem(PG_FUNCTION_ARGS)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    const char *v = state_get(text_to_cstring(PG_GETARG_TEXT_PP(0)));
    if (v == NULL)
        PG_RETURN_NULL();
    PG_RETURN_TEXT_P(cstring_to_text(v));
}

/* ward.mem_set_(key, value): sets it, until the (sub)transaction rolls
 * back. */
PG_FUNCTION_INFO_V1(ward_pg_mem_set);
Datum ward_pg_mem_set(PG_FUNCTION_ARGS)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_VOID();
    char *k = text_to_cstring(PG_GETARG_TEXT_PP(0));
    char *v = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
    state_put(k, v, true);
    wardpg_memo_flush();
    PG_RETURN_VOID();
}
