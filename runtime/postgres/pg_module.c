/*
 * pg_module.c - the C library's entry: module magic, its ABI tag, the
 * statement numbering, and the callbacks that end cached state.
 *
 * Loaded by the first call of one of its functions in a session (no
 * shared_preload_libraries needed). From then on:
 *   - executor and utility hooks number the top-level statements
 *     (wardpg_stmt), which tell one statement's reads from the next;
 *   - transaction callbacks append the pending read records before commit
 *     and end them on abort (pg_read.c), and forget remembered decisions
 *     when a (sub)transaction aborts, since the state they came from may
 *     have rolled back;
 *   - cache invalidations (any relation's, a role's, a membership's) make
 *     the memo forget too (pg_session.c).
 */
#include "ward_pg.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/syscache.h"

PG_MODULE_MAGIC;

void _PG_init(void);

uint64 wardpg_stmt = 1;

/* depth: executors and utility commands running now, outside in. */
static int depth;

static ExecutorStart_hook_type prev_start;
static ExecutorRun_hook_type prev_run;
static ExecutorFinish_hook_type prev_finish;
static ProcessUtility_hook_type prev_utility;

static void start_hook(QueryDesc *q, int eflags)
{
    if (depth == 0)
        wardpg_stmt++;
    if (prev_start)
        prev_start(q, eflags);
    else
        standard_ExecutorStart(q, eflags);
}

static void run_hook(QueryDesc *q, ScanDirection dir, uint64 count, bool once)
{
    depth++;
    PG_TRY();
    {
        if (prev_run)
            prev_run(q, dir, count, once);
        else
            standard_ExecutorRun(q, dir, count, once);
    }
    PG_FINALLY();
    {
        depth--;
    }
    PG_END_TRY();
}

static void finish_hook(QueryDesc *q)
{
    depth++;
    PG_TRY();
    {
        if (prev_finish)
            prev_finish(q);
        else
            standard_ExecutorFinish(q);
    }
    PG_FINALLY();
    {
        depth--;
    }
    PG_END_TRY();
}

/* A utility command at the top (a DO block, EXPLAIN ANALYZE, COPY) is one
 * statement, with everything it runs. */
static void utility_hook(PlannedStmt *pstmt, const char *query, bool ro_tree,
                         ProcessUtilityContext ctx, ParamListInfo params,
                         QueryEnvironment *env, DestReceiver *dest,
                         QueryCompletion *qc)
{
    if (depth == 0)
        wardpg_stmt++;
    /* DISCARD TEMP drops the session's state table on the primary; a
     * standby's state in memory goes with it (unless locked). */
    if (IsA(pstmt->utilityStmt, DiscardStmt) &&
        (((DiscardStmt *)pstmt->utilityStmt)->target == DISCARD_ALL ||
         ((DiscardStmt *)pstmt->utilityStmt)->target == DISCARD_TEMP))
        wardpg_state_discard();
    depth++;
    PG_TRY();
    {
        if (prev_utility)
            prev_utility(pstmt, query, ro_tree, ctx, params, env, dest, qc);
        else
            standard_ProcessUtility(pstmt, query, ro_tree, ctx, params, env,
                                    dest, qc);
    }
    PG_FINALLY();
    {
        depth--;
    }
    PG_END_TRY();
}

static void xact_cb(XactEvent ev, void *arg)
{
    (void)arg;
    switch (ev) {
    case XACT_EVENT_PRE_COMMIT:
    case XACT_EVENT_PRE_PREPARE: wardpg_reads_precommit(); break;
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PREPARE: wardpg_state_xact(true); break;
    case XACT_EVENT_ABORT:
        wardpg_reads_abort();
        wardpg_state_xact(false);
        wardpg_memo_flush();
        break;
    default: break;
    }
}

static void subxact_cb(SubXactEvent ev, SubTransactionId sub,
                       SubTransactionId parent, void *arg)
{
    (void)arg;
    if (ev == SUBXACT_EVENT_COMMIT_SUB) {
        wardpg_state_subxact(true, sub, parent);
    } else if (ev == SUBXACT_EVENT_ABORT_SUB) {
        wardpg_state_subxact(false, sub, parent);
        wardpg_memo_flush();
    }
}

static void relcache_cb(Datum arg, Oid relid)
{
    (void)arg;
    (void)relid;
    wardpg_memo_flush();
}

static void syscache_cb(Datum arg, int cacheid, uint32 hash)
{
    (void)arg;
    (void)cacheid;
    (void)hash;
    wardpg_memo_flush();
}

void _PG_init(void)
{
    prev_start = ExecutorStart_hook;
    ExecutorStart_hook = start_hook;
    prev_run = ExecutorRun_hook;
    ExecutorRun_hook = run_hook;
    prev_finish = ExecutorFinish_hook;
    ExecutorFinish_hook = finish_hook;
    prev_utility = ProcessUtility_hook;
    ProcessUtility_hook = utility_hook;
    RegisterXactCallback(xact_cb, NULL);
    RegisterSubXactCallback(subxact_cb, NULL);
    CacheRegisterRelcacheCallback(relcache_cb, (Datum)0);
    CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, syscache_cb, (Datum)0);
    CacheRegisterSyscacheCallback(AUTHOID, syscache_cb, (Datum)0);
}

/*
 * ward_pg_abi_1: the library's interface version, which native.sql names
 * as the symbol it looks for. A library of another version lacks it, and
 * the script keeps the SQL runtime (or, asked for C, stops). Bump it, here
 * and in native.sql, whenever a function's signature or meaning changes.
 */
PG_FUNCTION_INFO_V1(ward_pg_abi_1);
Datum ward_pg_abi_1(PG_FUNCTION_ARGS)
{
    (void)fcinfo;
    PG_RETURN_INT32(1);
}

Oid wardpg_fn_lookup(const char *name, int nargs, const Oid *types,
                     bool missing_ok)
{
    List *qn =
        list_make2(makeString(pstrdup("ward")), makeString(pstrdup(name)));
    return LookupFuncName(qn, nargs, types, missing_ok);
}

/*
 * The session's user (ward.caller_): the role the session SET ROLE to when
 * that role may log in, else the session's login role. A SET ROLE to a
 * group changes nothing (docs/dba-postgres.md, "Who the user is").
 */
Oid wardpg_caller_oid(void)
{
    Oid r = GetCurrentRoleId();
    if (OidIsValid(r)) {
        HeapTuple t = SearchSysCache1(AUTHOID, ObjectIdGetDatum(r));
        bool login = false;
        if (HeapTupleIsValid(t)) {
            login = ((Form_pg_authid)GETSTRUCT(t))->rolcanlogin;
            ReleaseSysCache(t);
        }
        if (login)
            return r;
    }
    return GetSessionUserId();
}

char *wardpg_caller_name(void)
{
    return GetUserNameFromId(wardpg_caller_oid(), false);
}

PG_FUNCTION_INFO_V1(ward_pg_caller);
Datum ward_pg_caller(PG_FUNCTION_ARGS)
{
    (void)fcinfo;
    PG_RETURN_TEXT_P(cstring_to_text(wardpg_caller_name()));
}
