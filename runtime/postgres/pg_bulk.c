/*
 * pg_bulk.c - the bulk-read gate in C (`export T beyond N rows`): the rows
 * a session's view of T produces, counted per statement in backend
 * memory.
 *
 * The view calls ward.bulk_open_ once per statement (an initplan: here it
 * has nothing to open) and ward.bulk_ in its WHERE for every row it
 * produces. The count is per transaction (its local id): in autocommit
 * each statement is one, and the statements of an explicit transaction
 * count together (more rows, never fewer). Not per executor statement:
 * a function the planner folds, a trigger deferred to the commit or a
 * portal executed in chunks over the extended protocol all run queries
 * outside any executor the hooks see begin, and each would have counted
 * from zero. Nothing a session runs inside its transaction resets it:
 * a rolled-back subtransaction or DISCARD TEMP leaves backend memory be. At row
 * N + 1 the SQL runtime's ward.bulk_gate_ (SECURITY DEFINER, approval.sql) uses
 * an approved request or refuses; the rest of the statement's rows pass. The
 * runtime's own reads of a view (as ward_reader or ward_owner) are not counted:
 * they are not a session's.
 */
#include "ward_pg.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* One view's count: the policy and table it is for, in one string. */
typedef struct BulkRec {
    char *key;               /* "policy\ttable" */
    LocalTransactionId lxid; /* the transaction counted */
    int64 n;                 /* its rows so far */
    bool approved;           /* it used an approval: the rest pass */
    struct BulkRec *next;
} BulkRec;

static BulkRec *recs;

/* runtime_self: is the current user the runtime's own, reading a view for
 * a session (an export's row count, a written row still in sight)? */
static bool runtime_self(void)
{
    static Oid reader = InvalidOid, owner = InvalidOid;
    if (!OidIsValid(reader))
        reader = get_role_oid("ward_reader", true);
    if (!OidIsValid(owner))
        owner = get_role_oid("ward_owner", true);
    Oid u = GetUserId();
    return u == reader || u == owner;
}

static BulkRec *rec_of(const char *p, const char *t)
{
    char *key = psprintf("%s\t%s", p, t);
    for (BulkRec *r = recs; r; r = r->next)
        if (strcmp(r->key, key) == 0) {
            pfree(key);
            return r;
        }
    BulkRec *r = MemoryContextAllocZero(TopMemoryContext, sizeof *r);
    r->key = MemoryContextStrdup(TopMemoryContext, key);
    pfree(key);
    r->next = recs;
    return recs = r;
}

/* ward.bulk_open_(p, t): the C library keeps its counts in memory, and
 * opens nothing. */
PG_FUNCTION_INFO_V1(ward_pg_bulk_open);
Datum ward_pg_bulk_open(PG_FUNCTION_ARGS)
{
    (void)fcinfo;
    PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT8OID));
}

/* ward.bulk_(p, t, n, tok): count a row of P.T's view; past N, the gate. */
PG_FUNCTION_INFO_V1(ward_pg_bulk);
Datum ward_pg_bulk(PG_FUNCTION_ARGS)
{
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("ward: ward.bulk_ needs a table and a limit")));
    if (runtime_self())
        PG_RETURN_BOOL(true);
    int64 limit = PG_GETARG_INT64(2);
    /* A view names its table by constants: the record is found once per
     * query, not per row. */
    FmgrInfo *fl = fcinfo->flinfo;
    BulkRec *r = fl->fn_extra;
    if (r == NULL) {
        r = rec_of(text_to_cstring(PG_GETARG_TEXT_PP(0)),
                   text_to_cstring(PG_GETARG_TEXT_PP(1)));
        if (get_fn_expr_arg_stable(fl, 0) && get_fn_expr_arg_stable(fl, 1))
            fl->fn_extra = r;
    }
    if (r->lxid != MyProc->lxid) {
        r->lxid = MyProc->lxid;
        r->n = 0;
        r->approved = false;
    }
    r->n++;
    if (r->n <= limit || r->approved)
        PG_RETURN_BOOL(true);
    /* Row N + 1: an approval, used up by this statement, or an error. */
    static Oid gate = InvalidOid;
    if (!OidIsValid(gate)) {
        Oid types[3] = {TEXTOID, TEXTOID, INT8OID};
        gate = wardpg_fn_lookup("bulk_gate_", 3, types, false);
    }
    OidFunctionCall3(gate, PG_GETARG_DATUM(0), PG_GETARG_DATUM(1),
                     Int64GetDatum((int64)MyProc->lxid));
    r->approved = true;
    PG_RETURN_BOOL(true);
}

/* ward.bulk_reset_(): forget every count, as if a new transaction began.
 * For the corpus runner, which runs a whole corpus in one transaction and
 * each step as the autocommit statement it stands for; the superuser's
 * alone (a session that could call it would read past any limit). */
PG_FUNCTION_INFO_V1(ward_pg_bulk_reset);
Datum ward_pg_bulk_reset(PG_FUNCTION_ARGS)
{
    (void)fcinfo;
    if (!superuser())
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("ward: only a superuser resets the bulk-read "
                               "counts")));
    for (BulkRec *r = recs; r; r = r->next)
        r->lxid = InvalidLocalTransactionId;
    PG_RETURN_VOID();
}
