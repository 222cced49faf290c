/*
 * sqlite_journal.c - the audit journal: where a session's read records and
 * write attempts go first, on a database file.
 *
 * Appending a record to ward_audit costs a commit, and a commit on the
 * session's own connection would also count in its change counter and be
 * undone by its rollbacks. So, on a database file, the runtime writes each
 * record of a read or a write attempt to a journal file of its connection
 * (`DB-wardlog-PID-RANDOM`) with one write(2): it survives the application
 * being killed the moment the statement returns. Records are folded into
 * the chained log later, in batches, through a connection of the
 * runtime's own (so the session's transaction, locks and counters are not
 * touched): after a statement when FOLD_BATCH records or FOLD_AGE seconds
 * have gathered and nothing else runs, when a session starts or ends, and
 * when the connection closes. A fold runs in one write transaction, which
 * also records in ward_journal how far the journal has been folded, so a
 * crash between the commit and the journal's removal never folds a record
 * twice. Journals left by a process that died are folded by the next
 * session on the database (or `ward audit fold`).
 *
 * What a power loss can cost: records written to the journal but not yet
 * folded and synced are in the operating system's cache only (at most
 * FOLD_BATCH records or FOLD_AGE seconds of them); WARD_AUDIT_SYNC=1 syncs
 * the journal after every record, at the cost of one fsync each.
 *
 * In-memory databases have no journal: their records go to ward_audit
 * directly (sqlite_audit.c).
 */
#include "sqlite_rt.h"

#include "audit_chain.h"
#include "ward.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FOLD_BATCH 256
#define FOLD_AGE   1.0         /* seconds */
#define ROTATE     (64 * 1024) /* bytes: a folded journal this long is replaced */

struct RtJournal {
    int fd;             /* -1: not open yet */
    char *path;         /* this connection's journal */
    char *dir, *base;   /* the database's directory and file name */
    sqlite3 *own;       /* the runtime's connection for folding */
    sqlite3_int64 size; /* bytes written */
    int pending;        /* records not folded yet */
    double oldest;      /* when the oldest of them was written */
    bool sync;          /* WARD_AUDIT_SYNC: fsync every record */
    bool broken;        /* cannot be used: records go to the log directly */
    int seq;            /* rotations so far */
};

static bool split(const char *path, char **dir, char **base);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* on_file: the main database is a file of the default (unix) VFS, which a
 * second connection opens by its name. */
static bool on_file(sqlite3 *db, const char *path)
{
    if (!path || !*path)
        return false;
    char *vfs = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_VFSNAME, &vfs) !=
            SQLITE_OK ||
        !vfs)
        return false;
    bool unix_vfs = strncmp(vfs, "unix", 4) == 0;
    sqlite3_free(vfs);
    return unix_vfs;
}

RtJournal *rt_journal_new(WardConn *w)
{
    if (!on_file(w->db, w->path))
        return NULL;
    RtJournal *j = sqlite3_malloc(sizeof *j);
    if (!j)
        return NULL;
    memset(j, 0, sizeof *j);
    j->fd = -1;
    const char *s = getenv("WARD_AUDIT_SYNC");
    j->sync = s && *s && strcmp(s, "0") != 0;
    if (!split(w->path, &j->dir, &j->base)) {
        sqlite3_free(j);
        return NULL;
    }
    return j;
}

/* ---- writing ---- */

static int journal_open(RtJournal *j)
{
    unsigned char r[8];
    sqlite3_randomness(sizeof r, r);
    sqlite3_free(j->path);
    j->path = sqlite3_mprintf(
        "%s%s-wardlog-%ld-%02x%02x%02x%02x%02x%02x%02x%02x-%d", j->dir, j->base,
        (long)getpid(), r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], j->seq);
    if (!j->path)
        return -1;
    j->fd =
        open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    j->size = 0;
    return j->fd < 0 ? -1 : 0;
}

/* put appends one field: "-" for NULL, or "+LEN:BYTES". */
static void put(sqlite3_str *s, const char *f)
{
    if (!f) {
        sqlite3_str_appendchar(s, 1, '-');
        return;
    }
    sqlite3_str_appendf(s, "+%d:", (int)strlen(f));
    sqlite3_str_appendall(s, f);
}

int rt_journal_write(WardConn *w, char *const f[])
{
    RtJournal *j = w->journal;
    if (!j || j->broken)
        return -1;
    if (j->fd < 0 && journal_open(j) != 0) {
        j->broken = true;
        sqlite3_log(SQLITE_CANTOPEN,
                    "ward: cannot open an audit journal next to %s (%s): "
                    "records go to the log directly",
                    w->path, strerror(errno));
        return -1;
    }
    sqlite3_str *payload = sqlite3_str_new(w->db);
    for (int i = 0; i < AUDIT_NFIELDS; i++)
        put(payload, f[i]);
    int n = sqlite3_str_length(payload);
    char *body = sqlite3_str_finish(payload);
    char *rec = body ? sqlite3_mprintf("R%d:%s\n", n, body) : NULL;
    sqlite3_free(body);
    if (!rec)
        return -1;
    size_t len = strlen(rec), off = 0;
    while (off < len) {
        ssize_t k = write(j->fd, rec + off, len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    sqlite3_free(rec);
    if (off < len || (j->sync && fsync(j->fd) != 0)) {
        j->broken = true;
        return -1;
    }
    j->size += (sqlite3_int64)len;
    if (!j->pending++)
        j->oldest = now_s();
    return 0;
}

/* ---- reading a journal ---- */

/* Record is one record read back: its fields point into the buffer. */
typedef struct Record {
    const char *f[AUDIT_NFIELDS];
    size_t n[AUDIT_NFIELDS];
} Record;

/* parse reads the record at *P (END the buffer's end); false when it is
 * incomplete or malformed (the end of what was written whole). */
static bool parse(const char **p, const char *end, Record *r)
{
    const char *s = *p;
    if (s >= end || *s != 'R')
        return false;
    char *e;
    long total = strtol(s + 1, &e, 10);
    if (e >= end || *e != ':' || total < 0 || end - (e + 1) < total + 1 ||
        e[1 + total] != '\n')
        return false;
    const char *q = e + 1, *qend = e + 1 + total;
    for (int i = 0; i < AUDIT_NFIELDS; i++) {
        if (q < qend && *q == '-') {
            r->f[i] = NULL;
            r->n[i] = 0;
            q++;
            continue;
        }
        if (q >= qend || *q != '+')
            return false;
        long n = strtol(q + 1, &e, 10);
        if (e >= qend || *e != ':' || n < 0 || qend - (e + 1) < n)
            return false;
        r->f[i] = e + 1;
        r->n[i] = (size_t)n;
        q = e + 1 + n;
    }
    if (q != qend)
        return false;
    *p = qend + 1;
    return true;
}

/* slurp reads PATH from byte FROM to its end; *LEN gets the bytes read. */
static char *slurp(const char *path, sqlite3_int64 from, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *buf = NULL;
    *len = 0;
    if (fstat(fd, &st) == 0 && from <= st.st_size &&
        (buf = sqlite3_malloc64((size_t)(st.st_size - from) + 1))) {
        size_t want = (size_t)(st.st_size - from), off = 0;
        while (off < want) {
            ssize_t k =
                pread(fd, buf + off, want - off, (off_t)from + (off_t)off);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            off += (size_t)k;
        }
        *len = off;
    }
    close(fd);
    return buf;
}

/* ---- folding ---- */

static int own_connection(WardConn *w, RtJournal *j, int busy_ms)
{
    if (!j->own) {
        int rc = sqlite3_open_v2(w->path, &j->own, SQLITE_OPEN_READWRITE, NULL);
        if (rc != SQLITE_OK) {
            sqlite3_close(j->own);
            j->own = NULL;
            return rc;
        }
    }
    sqlite3_busy_timeout(j->own, busy_ms);
    return SQLITE_OK;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* folded reads how far journal NAME has been folded (0 when never). */
static sqlite3_int64 folded(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 at = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT folded FROM main.\"ward_journal\" WHERE "
                           "name = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            at = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return at;
}

/* fold_file appends the records of journal PATH not yet folded to the log,
 * in DB's open write transaction; *END gets how far it is folded now. */
static int fold_file(sqlite3 *db, const char *path, sqlite3_int64 *end)
{
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    size_t len = 0;
    sqlite3_int64 from = folded(db, name);
    char *buf = slurp(path, from, &len);
    if (!buf) {
        *end = from;
        return errno == ENOENT ? SQLITE_OK : SQLITE_IOERR;
    }
    const char *p = buf;
    const char *stop = buf + len;
    char prev[65] = AUDIT_GENESIS;
    sqlite3_stmt *last = NULL, *ins = NULL, *mark = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT hash FROM main.\"ward_audit\" ORDER BY "
                                "seq DESC LIMIT 1",
                                -1, &last, NULL);
    if (rc == SQLITE_OK && sqlite3_step(last) == SQLITE_ROW &&
        sqlite3_column_text(last, 0))
        sqlite3_snprintf(sizeof prev, prev, "%s", sqlite3_column_text(last, 0));
    sqlite3_finalize(last);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO main.\"ward_audit\" (at, user, "
                                "roles, scenario, op, tbl, key, columns, "
                                "nrows, detail, prev, hash) VALUES (?1, ?2, "
                                "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                -1, &ins, NULL);
    Record r;
    while (rc == SQLITE_OK && parse(&p, stop, &r)) {
        char hash[65];
        if (audit_chain_hash(prev, r.f, r.n, hash) != 0) {
            rc = SQLITE_ERROR;
            break;
        }
        for (int i = 0; i < AUDIT_NFIELDS; i++)
            if (r.f[i])
                sqlite3_bind_text(ins, i + 1, r.f[i], (int)r.n[i],
                                  SQLITE_STATIC);
            else
                sqlite3_bind_null(ins, i + 1);
        sqlite3_bind_text(ins, 11, prev, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 12, hash, -1, SQLITE_STATIC);
        rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(ins);
        memcpy(prev, hash, sizeof prev);
    }
    sqlite3_finalize(ins);
    *end = from + (sqlite3_int64)(p - buf);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO main.\"ward_journal\" (name, "
                                "folded) VALUES (?1, ?2) ON CONFLICT (name) "
                                "DO UPDATE SET folded = excluded.folded",
                                -1, &mark, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(mark, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(mark, 2, *end);
        rc = sqlite3_step(mark) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(mark);
    sqlite3_free(buf);
    return rc;
}

/* forget removes a fully folded journal file and its ward_journal row. */
static void forget(sqlite3 *db, const char *path)
{
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    if (unlink(path) != 0 && errno != ENOENT)
        return;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "DELETE FROM main.\"ward_journal\" WHERE name = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

/* fold_own folds this connection's journal; with CLOSING it removes it. */
static int fold_own(WardConn *w, RtJournal *j, bool closing, int busy_ms)
{
    if (j->fd < 0 && !closing)
        return SQLITE_OK;
    if (j->pending == 0 && !closing && j->size < ROTATE)
        return SQLITE_OK;
    int rc = own_connection(w, j, busy_ms);
    if (rc != SQLITE_OK)
        return rc;
    if (exec(j->own, "BEGIN IMMEDIATE") != SQLITE_OK)
        return SQLITE_BUSY;
    sqlite3_int64 end = 0;
    rc = j->path ? fold_file(j->own, j->path, &end) : SQLITE_OK;
    if (rc != SQLITE_OK || exec(j->own, "COMMIT") != SQLITE_OK) {
        exec(j->own, "ROLLBACK");
        return rc != SQLITE_OK ? rc : SQLITE_BUSY;
    }
    j->pending = 0;
    if (j->path && (closing || end >= ROTATE) && end >= j->size) {
        /* Everything is in the log: the file can go. */
        if (j->fd >= 0)
            close(j->fd);
        j->fd = -1;
        forget(j->own, j->path);
        sqlite3_free(j->path);
        j->path = NULL;
        j->seq++;
    }
    return SQLITE_OK;
}

/* alive: the process of a journal's name still runs (or may: a pid it
 * cannot signal is someone else's, alive). */
static bool alive(long pid)
{
    if (pid == (long)getpid())
        return true;
    return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

int rt_journal_fold_orphans(sqlite3 *db, const char *dir, const char *base,
                            int *folded_files)
{
    DIR *d = opendir(dir);
    if (!d)
        return SQLITE_OK;
    char *prefix = sqlite3_mprintf("%s-wardlog-", base);
    size_t np = prefix ? strlen(prefix) : 0;
    int rc = prefix ? SQLITE_OK : SQLITE_NOMEM;
    struct dirent *e;
    while (rc == SQLITE_OK && (e = readdir(d))) {
        if (strncmp(e->d_name, prefix, np) != 0)
            continue;
        long pid = strtol(e->d_name + np, NULL, 10);
        if (pid <= 0 || alive(pid))
            continue;
        char *path = sqlite3_mprintf("%s%s", dir, e->d_name);
        if (!path) {
            rc = SQLITE_NOMEM;
            break;
        }
        if (exec(db, "BEGIN IMMEDIATE") != SQLITE_OK) {
            sqlite3_free(path);
            rc = SQLITE_BUSY;
            break;
        }
        sqlite3_int64 end = 0;
        rc = fold_file(db, path, &end);
        if (rc == SQLITE_OK && exec(db, "COMMIT") == SQLITE_OK) {
            forget(db, path);
            if (folded_files)
                (*folded_files)++;
        } else {
            exec(db, "ROLLBACK");
        }
        sqlite3_free(path);
    }
    closedir(d);
    sqlite3_free(prefix);
    return rc;
}

/* split sets DIR and BASE (sqlite3_malloc'd) from a database's PATH. */
static bool split(const char *path, char **dir, char **base)
{
    const char *slash = strrchr(path, '/');
    *dir = slash ? sqlite3_mprintf("%.*s", (int)(slash - path + 1), path)
                 : sqlite3_mprintf("./");
    *base = sqlite3_mprintf("%s", slash ? slash + 1 : path);
    if (*dir && *base)
        return true;
    sqlite3_free(*dir);
    sqlite3_free(*base);
    return false;
}

int ward_audit_fold(const char *path, int *folded, char **err)
{
    char *dir, *base;
    sqlite3 *db = NULL;
    *folded = 0;
    if (err)
        *err = NULL;
    if (!split(path, &dir, &base))
        return SQLITE_NOMEM;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        rc = rt_journal_fold_orphans(db, dir, base, folded);
    }
    if (rc != SQLITE_OK && err)
        *err =
            sqlite3_mprintf("%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    sqlite3_free(dir);
    sqlite3_free(base);
    return rc;
}

int ward_audit_journals(const char *path)
{
    char *dir, *base;
    if (!split(path, &dir, &base))
        return 0;
    char *prefix = sqlite3_mprintf("%s-wardlog-", base);
    int n = 0;
    DIR *d = prefix ? opendir(dir) : NULL;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    sqlite3_free(prefix);
    sqlite3_free(dir);
    sqlite3_free(base);
    return n;
}

void rt_journal_settle(WardConn *w, sqlite3_stmt *current)
{
    RtJournal *j = w->journal;
    if (!j || !j->pending)
        return;
    /* Only when the session's connection holds nothing the fold would
     * wait for: no transaction and no other statement (CURRENT is the one
     * starting or ending). */
    if (!sqlite3_get_autocommit(w->db) || rt_guard_running(w, current))
        return;
    if (j->pending < FOLD_BATCH && now_s() - j->oldest < FOLD_AGE)
        return;
    fold_own(w, j, false, 0);
}

void rt_journal_boundary(WardConn *w)
{
    RtJournal *j = w->journal;
    if (!j)
        return;
    if (j->pending && sqlite3_get_autocommit(w->db))
        fold_own(w, j, false, 0);
    if (!j->own && own_connection(w, j, 0) != SQLITE_OK)
        return;
    rt_journal_fold_orphans(j->own, j->dir, j->base, NULL);
}

void rt_journal_dispose(WardConn *w)
{
    RtJournal *j = w->journal;
    if (!j)
        return;
    if (j->fd >= 0 || j->path)
        fold_own(w, j, true, 5000);
    if (j->fd >= 0)
        close(j->fd);
    sqlite3_close(j->own);
    sqlite3_free(j->path);
    sqlite3_free(j->dir);
    sqlite3_free(j->base);
    sqlite3_free(j);
    w->journal = NULL;
}
