/*
 * pg_read.c - the read audit in C: records kept per connection, appended
 * to ward.audit at commit.
 *
 * A view column of an audited column calls, once per statement, the
 * initplan ward.outcome_read_ (the decision, and "this statement reads
 * column POS of table T"), and per row ward.read_ (count this row). Here
 * both live in backend memory: a record per statement and table holds the
 * columns read, the rows counted (a row met twice in a row, by the filter
 * and by the output, counts once), and who read when (user, roles and
 * scenario as the record opens). Nothing is written while the statement
 * runs; the records are appended to the chained log just before the
 * transaction commits, in the order they opened. So the log's head is
 * locked only while a transaction commits, not while it stays open after
 * a read. The append is C as well (append_chain): what ward.read_append_
 * and ward.audit_append_ do, in one statement per record, as the
 * runtime's owner.
 *
 * Where the transaction cannot write (READ ONLY, or a hot standby), the
 * records go, at the same moment, to the database named by ward.audit_sink
 * (the primary) through a connection of this backend, whose
 * ward.audit_remote_ appends them there. With no sink the read is refused
 * before its first value, and a sink it cannot reach refuses it too.
 *
 * A transaction that aborts takes no record to ward.audit; each goes to
 * the server log instead, as a LOG line that names the read. A
 * subtransaction that rolls back keeps its reads: their values were shown.
 *
 * The per-statement count per table is also what a bulk-read gate needs
 * ("export T beyond N rows"): ReadRec.nrows is exact and current at every
 * row, so ward.read_ can compare it with a limit as it counts.
 */
#include "ward_pg.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "audit_chain.h" /* AUDIT_NFIELDS: the fields the chain hashes */
#include "libpq-fe.h"

#define READS_EARLY 1000 /* records kept before a writable one appends */

typedef struct ReadRec {
    uint64 stmt;                        /* the statement (wardpg_stmt) */
    char gk[17];                        /* the table's key (ward.tbl.gk) */
    char *policy, *tbl;                 /* the protected table */
    char *at, *user, *roles, *scenario; /* when the record opened */
    Bitmapset *cols;                    /* positions of the columns read */
    int64 nrows;                        /* rows counted */
    Oid last_tbl;                       /* the row counted last: its table */
    ItemPointerData last;               /* and its ctid */
    bool has_last;
    struct ReadRec *next;
} ReadRec;

static MemoryContext reads_cxt;
static ReadRec *head, *tail, *cur;
static int nrecs;
static PGconn *sink;

static void reads_reset(void)
{
    head = tail = cur = NULL;
    nrecs = 0;
    if (reads_cxt)
        MemoryContextReset(reads_cxt);
}

static bool writable(void)
{
    return !XactReadOnly && !RecoveryInProgress();
}

/* find is the record of the running statement for table GK, or NULL. */
static ReadRec *find(const char *gk)
{
    if (cur && cur->stmt == wardpg_stmt && strcmp(cur->gk, gk) == 0)
        return cur;
    for (ReadRec *r = head; r; r = r->next)
        if (r->stmt == wardpg_stmt && strcmp(r->gk, gk) == 0)
            return cur = r;
    return NULL;
}

/* now_text: the time as ward.now_ writes it (UTC, milliseconds). */
static char *now_text(void)
{
    struct pg_tm tm;
    fsec_t fsec;
    if (timestamp2tm(GetCurrentTimestamp(), NULL, &tm, &fsec, NULL, NULL) != 0)
        elog(ERROR, "ward: the clock is out of range");
    return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year,
                    tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    (int)(fsec / 1000));
}

static Datum call(FmgrInfo *fl, int n, Datum *args, bool *isnull);

/* ---- the sink ---- */

static char *sink_conninfo(void)
{
    Oid f = wardpg_fn_lookup("audit_sink_fill_", 0, NULL, false);
    LOCAL_FCINFO(fc, 0);
    FmgrInfo fl;
    fmgr_info(f, &fl);
    InitFunctionCallInfoData(*fc, &fl, 0, InvalidOid, NULL, NULL);
    Datum d = FunctionCallInvoke(fc);
    return fc->isnull ? NULL : text_to_cstring(DatumGetTextPP(d));
}

/* sink_open makes sure the connection to the sink is up, or refuses. */
static void sink_open(void)
{
    if (sink && PQstatus(sink) == CONNECTION_OK)
        return;
    if (sink) {
        PQfinish(sink);
        sink = NULL;
    }
    char *ci = sink_conninfo();
    if (ci == NULL)
        ereport(ERROR,
                (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                 errmsg("ward: [read-only] an audited column is read here "
                        "only with an audit sink: this transaction cannot "
                        "write ward.audit, and ward.audit_sink is empty"),
                 errhint("docs/dba-postgres.md, \"Read replicas\"")));
    PGconn *c = PQconnectdb(ci);
    if (PQstatus(c) != CONNECTION_OK) {
        char *msg = pstrdup(PQerrorMessage(c));
        PQfinish(c);
        ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
                        errmsg("ward: [audit-sink] the audit sink cannot be "
                               "reached, so an audited column is not read: "
                               "%s",
                               msg)));
    }
    sink = c;
}

static void json_field(StringInfo s, const char *k, const char *v, bool comma)
{
    if (comma)
        appendStringInfoChar(s, ',');
    escape_json(s, k);
    appendStringInfoChar(s, ':');
    if (v)
        escape_json(s, v);
    else
        appendStringInfoString(s, "null");
}

/* sink_send appends every record through the sink, or raises. */
static void sink_send(void)
{
    sink_open();
    StringInfoData s;
    initStringInfo(&s);
    appendStringInfoChar(&s, '[');
    for (ReadRec *r = head; r; r = r->next) {
        appendStringInfoString(&s, r == head ? "{" : ",{");
        json_field(&s, "policy", r->policy, false);
        json_field(&s, "tbl", r->tbl, true);
        json_field(&s, "at", r->at, true);
        json_field(&s, "user", r->user, true);
        json_field(&s, "roles", r->roles, true);
        json_field(&s, "scenario", r->scenario, true);
        json_field(&s, "detail",
                   RecoveryInProgress() ? "from a standby"
                                        : "from a read-only transaction",
                   true);
        if (r->has_last)
            appendStringInfo(&s, ",\"nrows\":" INT64_FORMAT, r->nrows);
        appendStringInfoString(&s, ",\"cols\":[");
        int k = -1;
        bool first = true;
        while ((k = bms_next_member(r->cols, k)) >= 0) {
            appendStringInfo(&s, first ? "%d" : ",%d", k);
            first = false;
        }
        appendStringInfoString(&s, "]}");
    }
    appendStringInfoChar(&s, ']');
    const char *vals[1] = {s.data};
    PGresult *res =
        PQexecParams(sink, "SELECT ward.audit_remote_($1::pg_catalog.jsonb)", 1,
                     NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char *msg = pstrdup(PQerrorMessage(sink));
        PQclear(res);
        PQfinish(sink);
        sink = NULL;
        ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
                        errmsg("ward: [audit-sink] the audit sink refused "
                               "the read records: %s",
                               msg)));
    }
    PQclear(res);
}

/* ---- appending ---- */

/*
 * The chained append, as ward.read_append_ and ward.audit_append_ do it
 * (audit.sql), with the row's hash from the core (audit_chain.c). It runs
 * as the runtime's owner with search_path pinned to pg_catalog, pg_temp,
 * as a SECURITY DEFINER function of the runtime would: the session's
 * own settings and rights play no part.
 */
static SPIPlanPtr plan_last;

static SPIPlanPtr keep(SPIPlanPtr *slot, const char *q, int n, Oid *types)
{
    if (*slot == NULL) {
        SPIPlanPtr p = SPI_prepare(q, n, types);
        if (p == NULL || SPI_keepplan(p) != 0)
            elog(ERROR, "ward: cannot prepare the audit append: %s",
                 SPI_result_code_string(SPI_result));
        *slot = p;
    }
    return *slot;
}

static Datum opt_text(const char *s, char *null)
{
    *null = s ? ' ' : 'n';
    return s ? PointerGetDatum(cstring_to_text(s)) : (Datum)0;
}

/* cols_text: the record's column positions as ward.read_cols_ takes
 * them ("2,3"). */
static char *cols_text(ReadRec *r)
{
    StringInfoData s;
    initStringInfo(&s);
    int k = -1;
    while ((k = bms_next_member(r->cols, k)) >= 0)
        appendStringInfo(&s, s.len ? ",%d" : "%d", k);
    return s.data;
}

/* col_names: the audited columns' names at the record's positions, from
 * ward.read_cols_ (remembered per session). */
static char *col_names(ReadRec *r)
{
    Oid t3[3] = {TEXTOID, TEXTOID, TEXTOID};
    FmgrInfo fl;
    fmgr_info(wardpg_fn_lookup("read_cols_", 3, t3, false), &fl);
    Datum a[3] = {CStringGetTextDatum(r->policy), CStringGetTextDatum(r->tbl),
                  CStringGetTextDatum(cols_text(r))};
    bool isnull;
    Datum d = call(&fl, 3, a, &isnull);
    return isnull ? NULL : TextDatumGetCString(d);
}

/* fields_text: the row's fields as the chain hashes them after the tag
 * and prev (runtime/core/audit_chain.c): "\nLEN:" and the bytes, or "\n-"
 * for NULL, in order. */
static char *fields_text(const char *const f[AUDIT_NFIELDS])
{
    StringInfoData s;
    initStringInfo(&s);
    for (int i = 0; i < AUDIT_NFIELDS; i++) {
        if (f[i] == NULL) {
            appendStringInfoString(&s, "\n-");
            continue;
        }
        appendStringInfo(&s, "\n%zu:", strlen(f[i]));
        appendStringInfoString(&s, f[i]);
    }
    return s.data;
}

/*
 * append_chain appends every record, one statement each: it locks the
 * head, hashes the tag, the head's hash and the row's fields (SHA-256, as
 * the chain defines it), inserts the row and moves the head. One
 * statement, so one executor start, per record: an audited autocommit
 * read pays that and its commit.
 */
static void append_chain(void)
{
    Oid ti[8] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID,
                 TEXTOID, TEXTOID, INT8OID, TEXTOID};
    SPIPlanPtr p = keep(
        &plan_last,
        "WITH h AS (SELECT seq, hash FROM ward.audit_head WHERE id "
        "OPERATOR(pg_catalog.=) 1 FOR UPDATE), n AS (SELECT h.seq "
        "OPERATOR(pg_catalog.+) 1 AS seq, h.hash AS prev, "
        "pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to("
        "'ward-audit-1' OPERATOR(pg_catalog.||) pg_catalog.chr(10) "
        "OPERATOR(pg_catalog.||) h.hash OPERATOR(pg_catalog.||) $8, "
        "'UTF8')), 'hex') AS hash FROM h), i AS (INSERT INTO ward.audit "
        "SELECT n.seq, $1, $2, $3, $4, 'read', $5, NULL, $6, $7, NULL, "
        "n.prev, n.hash FROM n) UPDATE ward.audit_head SET seq = n.seq, "
        "hash = n.hash FROM n WHERE audit_head.id OPERATOR(pg_catalog.=) 1",
        8, ti);
    for (ReadRec *r = head; r; r = r->next) {
        char *cols = col_names(r);
        char *nrows = r->has_last ? psprintf(INT64_FORMAT, r->nrows) : NULL;
        const char *f[AUDIT_NFIELDS] = {r->at,  r->user, r->roles, r->scenario,
                                        "read", r->tbl,  NULL,     cols,
                                        nrows,  NULL};
        Datum a[8];
        char nulls[9] = "        ";
        a[0] = opt_text(r->at, &nulls[0]);
        a[1] = opt_text(r->user, &nulls[1]);
        a[2] = opt_text(r->roles, &nulls[2]);
        a[3] = opt_text(r->scenario, &nulls[3]);
        a[4] = opt_text(r->tbl, &nulls[4]);
        a[5] = opt_text(cols, &nulls[5]);
        a[6] = Int64GetDatum(r->nrows);
        nulls[6] = r->has_last ? ' ' : 'n';
        a[7] = CStringGetTextDatum(fields_text(f));
        if (SPI_execute_plan(p, a, nulls, false, 0) != SPI_OK_UPDATE ||
            SPI_processed != 1)
            elog(ERROR, "ward: cannot append to the audit log");
    }
}

static void append_local(void)
{
    Oid owner = get_role_oid("ward_owner", false);
    Oid save_uid;
    int save_sec;
    GetUserIdAndSecContext(&save_uid, &save_sec);
    int nest = NewGUCNestLevel();
    (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
                            PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
                                      SECURITY_RESTRICTED_OPERATION);
    PushActiveSnapshot(GetTransactionSnapshot());
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "ward: SPI_connect failed");
    append_chain();
    SPI_finish();
    PopActiveSnapshot();
    SetUserIdAndSecContext(save_uid, save_sec);
    AtEOXact_GUC(true, nest);
}

static void append_all(void)
{
    if (head == NULL)
        return;
    if (writable())
        append_local();
    else
        sink_send();
    reads_reset();
}

void wardpg_reads_precommit(void)
{
    append_all();
}

void wardpg_reads_abort(void)
{
    for (ReadRec *r = head; r; r = r->next) {
        StringInfoData cols;
        initStringInfo(&cols);
        int k = -1;
        while ((k = bms_next_member(r->cols, k)) >= 0)
            appendStringInfo(&cols, cols.len ? ",%d" : "%d", k);
        ereport(
            LOG,
            (errmsg("ward: not in ward.audit: %s read %s.%s (columns "
                    "%s, " INT64_FORMAT " rows) at %s in a transaction that "
                    "rolled back",
                    r->user, r->policy, r->tbl, cols.data, r->nrows, r->at)));
    }
    reads_reset();
}

/* ---- the SQL functions ---- */

/* Calls a function of the runtime through an FmgrInfo cached in CACHE. */
typedef struct ReadFns {
    FmgrInfo outcome, table, roles, scenario;
} ReadFns;

static Datum call(FmgrInfo *fl, int n, Datum *args, bool *isnull)
{
    LOCAL_FCINFO(fc, 3);
    InitFunctionCallInfoData(*fc, fl, n, InvalidOid, NULL, NULL);
    for (int i = 0; i < n; i++) {
        fc->args[i].value = args[i];
        fc->args[i].isnull = false;
    }
    Datum d = FunctionCallInvoke(fc);
    *isnull = fc->isnull;
    return d;
}

static char *call_text(FmgrInfo *fl, int n, Datum *args)
{
    bool isnull;
    Datum d = call(fl, n, args, &isnull);
    return isnull ? NULL : text_to_cstring(DatumGetTextPP(d));
}

static ReadFns *read_fns(FunctionCallInfo fcinfo)
{
    FmgrInfo *fl = fcinfo->flinfo;
    if (fl->fn_extra)
        return fl->fn_extra;
    ReadFns *f = MemoryContextAllocZero(fl->fn_mcxt, sizeof *f);
    Oid t3[3] = {TEXTOID, TEXTOID, TEXTOID};
    fmgr_info_cxt(wardpg_fn_lookup("outcome", 3, t3, false), &f->outcome,
                  fl->fn_mcxt);
    fmgr_info_cxt(wardpg_fn_lookup("read_table_", 3, t3, false), &f->table,
                  fl->fn_mcxt);
    fmgr_info_cxt(wardpg_fn_lookup("roles_", 1, t3, false), &f->roles,
                  fl->fn_mcxt);
    fmgr_info_cxt(wardpg_fn_lookup("scenario", 0, NULL, false), &f->scenario,
                  fl->fn_mcxt);
    fl->fn_extra = f;
    return f;
}

/*
 * ward.outcome_read_(p, t, c, gk, pos): ward.outcome for an audited
 * column, which also opens (or adds column POS to) the running
 * statement's record for table T, when the session sees the column at
 * all. A table that is not protected is refused: the record's names come
 * from the caller.
 */
PG_FUNCTION_INFO_V1(ward_pg_outcome_read);
Datum ward_pg_outcome_read(PG_FUNCTION_ARGS)
{
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) ||
        PG_ARGISNULL(3) || PG_ARGISNULL(4))
        PG_RETURN_INT32(0);
    ReadFns *f = read_fns(fcinfo);
    Datum a3[3] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), PG_GETARG_DATUM(2)};
    bool isnull;
    Datum o = call(&f->outcome, 3, a3, &isnull);
    int32 out = isnull ? 0 : DatumGetInt32(o);
    if (out == 0)
        PG_RETURN_INT32(0);
    char *gk = text_to_cstring(PG_GETARG_TEXT_PP(3));
    int32 pos = PG_GETARG_INT32(4);
    if (pos < 0 || pos > MaxHeapAttributeNumber)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("ward: no column %d", pos)));
    ReadRec *r = find(gk);
    if (r == NULL) {
        Datum at[3] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1),
                       PG_GETARG_DATUM(3)};
        Datum ok = call(&f->table, 3, at, &isnull);
        char *p = text_to_cstring(PG_GETARG_TEXT_PP(0));
        char *t = text_to_cstring(PG_GETARG_TEXT_PP(1));
        if (isnull || !DatumGetBool(ok))
            ereport(ERROR,
                    (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                     errmsg("ward: %s.%s is not a protected table", p, t)));
        if (!writable())
            sink_open();
        else if (nrecs >= READS_EARLY)
            append_all();
        char *roles = call_text(&f->roles, 1, a3);
        char *scenario = call_text(&f->scenario, 0, NULL);
        char *user = wardpg_caller_name();
        char *now = now_text();
        if (reads_cxt == NULL)
            reads_cxt = AllocSetContextCreate(TopMemoryContext, "ward reads",
                                              ALLOCSET_DEFAULT_SIZES);
        MemoryContext old = MemoryContextSwitchTo(reads_cxt);
        r = palloc0(sizeof *r);
        r->stmt = wardpg_stmt;
        strlcpy(r->gk, gk, sizeof r->gk);
        r->policy = pstrdup(p);
        r->tbl = pstrdup(t);
        r->at = pstrdup(now);
        r->user = pstrdup(user);
        r->roles = roles ? pstrdup(roles) : NULL;
        r->scenario = scenario ? pstrdup(scenario) : NULL;
        MemoryContextSwitchTo(old);
        if (tail)
            tail->next = r;
        else
            head = r;
        tail = cur = r;
        nrecs++;
    }
    if (!bms_is_member(pos, r->cols)) {
        MemoryContext old = MemoryContextSwitchTo(reads_cxt);
        r->cols = bms_add_member(r->cols, pos);
        MemoryContextSwitchTo(old);
    }
    PG_RETURN_INT32(out);
}

/*
 * ward.read_(gk, tbl, row, v): V, one row of an audited column as the view
 * shows it, counted in the running statement's record for table GK (a row
 * met twice in a row counts once). A row is its relation (a partition, on
 * a partitioned table) and its ctid. Without a record (called by hand) it
 * counts nothing.
 */
PG_FUNCTION_INFO_V1(ward_pg_read);
Datum ward_pg_read(PG_FUNCTION_ARGS)
{
    if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1) && !PG_ARGISNULL(2)) {
        text *g = PG_GETARG_TEXT_PP(0);
        char gk[17];
        text_to_cstring_buffer(g, gk, sizeof gk);
        ReadRec *r = find(gk);
        Oid tbl = PG_GETARG_OID(1);
        ItemPointer row = (ItemPointer)PG_GETARG_POINTER(2);
        if (r && (!r->has_last || r->last_tbl != tbl ||
                  !ItemPointerEquals(&r->last, row))) {
            r->nrows++;
            r->last_tbl = tbl;
            r->last = *row;
            r->has_last = true;
        }
    }
    if (PG_ARGISNULL(3))
        PG_RETURN_NULL();
    PG_RETURN_DATUM(PG_GETARG_DATUM(3));
}

/* ward.reads_flush_(): append this session's records now, when the
 * transaction can write (the corpus runner looks in ward.audit before it
 * rolls back). Only ever appends what the session read. */
PG_FUNCTION_INFO_V1(ward_pg_reads_flush);
Datum ward_pg_reads_flush(PG_FUNCTION_ARGS)
{
    (void)fcinfo;
    if (writable())
        append_all();
    PG_RETURN_VOID();
}

/*
 * ward.append_only_(): the audit log's guard (audit.sql): no row of
 * ward.audit or ward.audit_head is updated, deleted or truncated, except
 * that the head moves one row forward at a time. In C, since every
 * append fires it.
 */
PG_FUNCTION_INFO_V1(ward_pg_append_only);
Datum ward_pg_append_only(PG_FUNCTION_ARGS)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        elog(ERROR, "ward: ward.append_only_ is a trigger");
    TriggerData *td = (TriggerData *)fcinfo->context;
    Relation rel = td->tg_relation;
    if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) &&
        TRIGGER_FIRED_FOR_ROW(td->tg_event) &&
        strcmp(RelationGetRelationName(rel), "audit_head") == 0) {
        TupleDesc d = RelationGetDescr(rel);
        int aseq = SPI_fnumber(d, "seq"), aid = SPI_fnumber(d, "id");
        bool n1 = true, n2 = true, n3 = true, n4 = true;
        if (aseq > 0 && aid > 0) {
            Datum os = heap_getattr(td->tg_trigtuple, aseq, d, &n1);
            Datum ns = heap_getattr(td->tg_newtuple, aseq, d, &n2);
            Datum oi = heap_getattr(td->tg_trigtuple, aid, d, &n3);
            Datum ni = heap_getattr(td->tg_newtuple, aid, d, &n4);
            if (!n1 && !n2 && !n3 && !n4 &&
                DatumGetInt64(ns) == DatumGetInt64(os) + 1 &&
                DatumGetInt32(ni) == DatumGetInt32(oi))
                return PointerGetDatum(td->tg_newtuple);
        }
    }
    ereport(ERROR, (errcode(ERRCODE_RAISE_EXCEPTION),
                    errmsg("ward: [append-only] the audit log cannot be "
                           "changed or deleted")));
}
