/*
 * main.c - the `ward` command: dispatches to one cmd_<name>.c per command.
 *
 * Exit codes: 0 success, 1 a check or verification failed, 2 bad usage or
 * bad input. Every message starts with "ward".
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WARD_VERSION "0.1.0"

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"compile", cmd_compile, "check a policy and compile it"},
    {"check", cmd_check, "run the policy's audit test corpus, with coverage"},
    {"explain", cmd_explain, "show what a session sees, and why"},
    {"matrix", cmd_matrix, "the role x column decision table"},
    {"fmt", cmd_fmt, "rewrite a policy in canonical layout"},
    {"parse", cmd_parse, "parse a policy and print its syntax tree"},
    {"verify", cmd_verify, "report drift from the applied SQLite script"},
    {"audit", cmd_audit,
     "audit verify DB: check the audit log's chain; audit fold DB"},
    {"key", cmd_key, "key load --dsn DSN: the masking key into PostgreSQL"},
};

static void usage(FILE *out)
{
    fputs("usage: ward COMMAND [ARGS]\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\nward COMMAND --help shows a command's options.\n", out);
}

const char *args_next(Args *a)
{
    return a->i < a->argc ? a->argv[a->i++] : NULL;
}

const char *args_value(Args *a, const char *opt)
{
    const char *eq = strchr(opt, '=');
    if (eq)
        return eq + 1;
    if (a->i >= a->argc) {
        fprintf(stderr, "ward %s: option %s needs a value\n", a->cmd, opt);
        return NULL;
    }
    return a->argv[a->i++];
}

int cli_usage(const char *cmd, const char *usage_line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ward %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nusage: %s\n", usage_line);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_diagnostics(Diag *d)
{
    diag_print(d, stderr);
    return d->errors ? EXIT_USAGE : EXIT_OK;
}

/* write_all writes LEN bytes at DATA to FD; false on a short write. */
static bool write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        off += (size_t)w;
    }
    return true;
}

/* write_in_place writes to a path that is not a regular file (a device,
 * a FIFO): opened for writing as it is, never created, renamed over or
 * truncated. */
static int write_in_place(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY);
    bool ok = fd >= 0 && write_all(fd, data, len);
    if (fd >= 0)
        ok = close(fd) == 0 && ok;
    if (!ok)
        fprintf(stderr, "ward: cannot write '%s': %s\n", path, strerror(errno));
    return ok ? 0 : -1;
}

/* link_target is the path that the symbolic link PATH leads to, following
 * every link; when the last one dangles, the missing file it names (a new
 * file is then created there). NULL with errno set when it cannot be
 * resolved. Caller frees. */
static char *link_target(const char *path)
{
    char *real = realpath(path, NULL);
    if (real || errno != ENOENT)
        return real;
    /* A dangling link: resolve its directory, then add the name it holds.
     * Only one level: a dangling link to a dangling link is refused. */
    char to[4096];
    ssize_t n = readlink(path, to, sizeof to - 1);
    if (n < 0 || (size_t)n >= sizeof to - 1)
        return NULL;
    to[n] = '\0';
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    size_t full = dirlen + (size_t)n + 1;
    char *joined = malloc(full);
    if (!joined)
        return NULL;
    if (to[0] == '/')
        snprintf(joined, full, "%s", to);
    else
        snprintf(joined, full, "%.*s%s", (int)dirlen, path, to);
    struct stat st;
    if (lstat(joined, &st) == 0) {
        free(joined); /* another link, or it appeared meanwhile */
        errno = ELOOP;
        return NULL;
    }
    return joined;
}

/* give_mode sets the temporary file FD to what PATH will be: the mode and
 * owner of the file it replaces (OLD, or NULL), else a new file's mode
 * under the umask (mkstemp makes 0600: a script compiled by root would be
 * unreadable to the DBA who applies it). The owner first: a chown may
 * clear the set-id bits. An owner we may not give (not root) is left as
 * ours, the group kept when we may. 0 or -1. */
static int give_mode(int fd, const struct stat *old)
{
    if (!old) {
        mode_t mask = umask(0);
        umask(mask);
        return fchmod(fd, 0666 & ~mask);
    }
    if (fchown(fd, old->st_uid, old->st_gid) != 0 &&
        fchown(fd, (uid_t)-1, old->st_gid) != 0) {
        /* Neither: the new file is ours, as any rewrite by us would be. */
    }
    return fchmod(fd, old->st_mode & 07777);
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
            fprintf(stderr, "ward: cannot write to standard output\n");
            return -1;
        }
        return 0;
    }
    /* A symbolic link stays one: the file it names is written. */
    char *target = NULL;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
        !(target = link_target(path))) {
        fprintf(stderr, "ward: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    const char *dest = target ? target : path;
    bool exists = stat(dest, &st) == 0;
    /* A device or a pipe (-o /dev/null, -o /dev/stdout, a FIFO) is written
     * in place: renaming over it would replace it with a file. */
    if (exists && !S_ISREG(st.st_mode)) {
        int rc = write_in_place(dest, data, len);
        free(target);
        return rc;
    }
    /* A regular file or a new path: a temporary file beside it, renamed
     * over it once complete, so a failure never leaves half a file. */
    size_t n = strlen(dest);
    char *tmp = malloc(n + 16);
    if (!tmp) {
        free(target);
        return -1;
    }
    snprintf(tmp, n + 16, "%s.tmpXXXXXX", dest);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "ward: cannot create '%s': %s\n", path,
                strerror(errno));
        free(tmp);
        free(target);
        return -1;
    }
    bool ok = give_mode(fd, exists ? &st : NULL) == 0 &&
              write_all(fd, data, len) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, dest) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "ward: cannot write '%s': %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(target);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        strcmp(name, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("ward %s\n", WARD_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "ward: unknown command '%s'\n", name);
    usage(stderr);
    return EXIT_USAGE;
}
