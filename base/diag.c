/*
 * diag.c - sources, line maps and rendering of diagnostics (see diag.h).
 */
#include "diag.h"

#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Policies are hand-written; anything larger is a mistake or an attack. */
#define SOURCE_LIMIT ((size_t)16 << 20)

void diag_init(Diag *d, Arena *arena)
{
    memset(d, 0, sizeof *d);
    d->arena = arena;
}

void diag_dispose(Diag *d)
{
    free(d->items);
    d->items = NULL;
    d->len = d->cap = 0;
}

/* vformat formats FMT into a new arena string of any length: a message may
 * quote a long name or literal, and a fixed buffer would cut it silently.
 * The format attributes here and on add/add_note pass the callers' checked
 * formats through (clang's -Wformat-nonliteral wants them). */
__attribute__((format(printf, 2, 0))) static char *
vformat(Arena *a, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0)
        n = 0;
    char *s = arena_alloc(a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

__attribute__((format(printf, 4, 0))) static Diagnostic *
add(Diag *d, Severity sev, Span at, const char *fmt, va_list ap)
{
    Diagnostic *x = arena_alloc(d->arena, sizeof *x);
    x->sev = sev;
    x->at = at;
    x->msg = vformat(d->arena, fmt, ap);
    x->seq = d->len;
    if (d->len == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->items = xrealloc(d->items, d->cap * sizeof *d->items);
    }
    d->items[d->len++] = x;
    if (sev == SEV_ERROR)
        d->errors++;
    else
        d->warnings++;
    return x;
}

Diagnostic *diag_error(Diag *d, Span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diagnostic *x = add(d, SEV_ERROR, at, fmt, ap);
    va_end(ap);
    return x;
}

Diagnostic *diag_error_code(Diag *d, DiagCode code, Span at, const char *fmt,
                            ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diagnostic *x = add(d, SEV_ERROR, at, fmt, ap);
    va_end(ap);
    x->code = code;
    return x;
}

Diagnostic *diag_warning(Diag *d, Span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diagnostic *x = add(d, SEV_WARNING, at, fmt, ap);
    va_end(ap);
    return x;
}

__attribute__((format(printf, 5, 0))) static void
add_note(Diag *d, Diagnostic *x, Span at, const char *kind, const char *fmt,
         va_list ap)
{
    DiagNote *notes = arena_alloc(d->arena, (x->nnotes + 1) * sizeof *notes);
    if (x->nnotes)
        memcpy(notes, x->notes, x->nnotes * sizeof *notes);
    notes[x->nnotes].at = at;
    notes[x->nnotes].kind = kind;
    notes[x->nnotes].msg = vformat(d->arena, fmt, ap);
    x->notes = notes;
    x->nnotes++;
}

void diag_note(Diag *d, Diagnostic *x, Span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_note(d, x, at, "note", fmt, ap);
    va_end(ap);
}

void diag_hint(Diag *d, Diagnostic *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_note(d, x, (Span){0}, "hint", fmt, ap);
    va_end(ap);
}

static void build_lines(Source *src, Arena *a)
{
    size_t n = 1;
    for (size_t i = 0; i < src->len; i++)
        if (src->text[i] == '\n')
            n++;
    src->lines = arena_alloc(a, n * sizeof *src->lines);
    src->nlines = 0;
    src->lines[src->nlines++] = 0;
    for (size_t i = 0; i < src->len; i++)
        if (src->text[i] == '\n')
            src->lines[src->nlines++] = (uint32_t)(i + 1);
}

Source *source_from_string(Arena *a, const char *name, const char *text,
                           size_t len)
{
    Source *src = arena_alloc(a, sizeof *src);
    src->name = arena_strdup(a, name);
    src->text = arena_strndup(a, text, len);
    src->len = len;
    build_lines(src, a);
    return src;
}

Source *source_load(Arena *a, Diag *d, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(d, (Span){0}, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    StrBuf sb;
    sb_init(&sb);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        sb_append(&sb, buf, n);
        if (sb.len > SOURCE_LIMIT)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    Source *src = NULL;
    if (bad)
        diag_error(d, (Span){0}, "cannot read '%s'", path);
    else if (sb.len > SOURCE_LIMIT)
        diag_error(d, (Span){0}, "'%s' is larger than 16 MiB", path);
    else
        src = source_from_string(a, path, sb_cstr(&sb), sb.len);
    sb_free(&sb);
    return src;
}

void srcmap_line_col(const Source *src, uint32_t offset, size_t *line,
                     size_t *col)
{
    /* Binary search for the last line start <= offset. */
    size_t lo = 0, hi = src->nlines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (src->lines[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    *line = lo + 1;
    size_t c = 1;
    for (uint32_t i = src->lines[lo]; i < offset && i < src->len; i++)
        if (((unsigned char)src->text[i] & 0xC0) != 0x80)
            c++;
    *col = c;
}

Span span_join(Span a, Span b)
{
    if (!a.file)
        return b;
    if (!b.file)
        return a;
    Span s = a;
    if (b.begin < s.begin)
        s.begin = b.begin;
    if (b.end > s.end)
        s.end = b.end;
    return s;
}

size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 64;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *diag_suggest(const char *name, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    size_t limit = strlen(name) / 3 + 1;
    for (size_t i = 0; i < n; i++) {
        size_t dist = edit_distance(name, cands[i]);
        if (dist < best_d && dist <= limit) {
            best = cands[i];
            best_d = dist;
        }
    }
    return best;
}

/* A line longer than SHOW_MAX bytes is shown as a window of about that
 * many around the caret, "..." marking what is cut: a long one-line YAML
 * flow list would otherwise be printed whole for each of its errors. */
#define SHOW_MAX 240

/* show_line prints the source line of AT and an underline beneath it. */
static void show_line(FILE *out, Span at)
{
    const Source *src = at.file;
    const char *text = src->text;
    size_t line, col;
    srcmap_line_col(src, at.begin, &line, &col);
    uint32_t start = src->lines[line - 1];
    uint32_t stop = start;
    while (stop < src->len && text[stop] != '\n' && text[stop] != '\r')
        stop++;
    uint32_t from = start, to = stop;
    if (stop - start > SHOW_MAX) {
        if (at.begin > start + SHOW_MAX / 3)
            from = at.begin - SHOW_MAX / 3;
        while (from > start && ((unsigned char)text[from] & 0xC0) == 0x80)
            from--;
        to = stop - from > SHOW_MAX ? from + SHOW_MAX : stop;
        while (to < stop && ((unsigned char)text[to] & 0xC0) == 0x80)
            to++;
    }
    char gutter[32];
    int gw = snprintf(gutter, sizeof gutter, "%5zu", line);
    fprintf(out, "%s | %s", gutter, from > start ? "..." : "");
    /* Control bytes (a NUL, a tab) print as one visible column. */
    for (uint32_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)text[i];
        fputc(c == '\t' ? ' ' : c < 0x20 || c == 0x7f ? '?' : c, out);
    }
    fprintf(out, "%s\n%*s | ", to < stop ? "..." : "", gw, "");
    size_t pad =
        (from > start ? 3 : 0) + text_width(text + from, at.begin - from);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', out);
    fputc('^', out);
    uint32_t end = at.end < to ? at.end : to;
    if (end > at.begin) {
        /* The caret covers the first character; tildes cover the rest. */
        uint32_t first = at.begin + 1;
        while (first < end && ((unsigned char)text[first] & 0xC0) == 0x80)
            first++;
        size_t w = text_width(text + first, end - first);
        for (size_t i = 0; i < w; i++)
            fputc('~', out);
    }
    fputc('\n', out);
}

static void print_one(FILE *out, const Diagnostic *x)
{
    const char *sev = x->sev == SEV_ERROR ? "error" : "warning";
    /* "[E001]" after the message; nothing for a diagnostic without code. */
    char code[16] = "";
    if (x->code != DIAG_NO_CODE)
        snprintf(code, sizeof code, " [E%03d]", (int)x->code);
    if (x->at.file) {
        size_t line, col;
        srcmap_line_col(x->at.file, x->at.begin, &line, &col);
        fprintf(out, "%s:%zu:%zu: %s: %s%s\n", x->at.file->name, line, col, sev,
                x->msg, code);
        show_line(out, x->at);
    } else {
        fprintf(out, "ward: %s: %s%s\n", sev, x->msg, code);
    }
    for (size_t i = 0; i < x->nnotes; i++) {
        const DiagNote *n = &x->notes[i];
        if (n->at.file) {
            size_t line, col;
            srcmap_line_col(n->at.file, n->at.begin, &line, &col);
            fprintf(out, "%s:%zu:%zu: %s: %s\n", n->at.file->name, line, col,
                    n->kind, n->msg);
            show_line(out, n->at);
        } else {
            fprintf(out, "%s: %s\n", n->kind, n->msg);
        }
    }
}

static int by_position(const void *pa, const void *pb)
{
    const Diagnostic *a = *(Diagnostic *const *)pa;
    const Diagnostic *b = *(Diagnostic *const *)pb;
    /* Located diagnostics of one file in source order, report order else. */
    if (a->at.file && b->at.file && a->at.file == b->at.file &&
        a->at.begin != b->at.begin)
        return a->at.begin < b->at.begin ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The most diagnostics printed: past these, the rest are counted. A
 * hostile or generated input can have an error per byte; nobody reads
 * past the first screens, and the output stays bounded. */
#define PRINT_MAX 200

void diag_print(Diag *d, FILE *out)
{
    if (d->len > 1)
        qsort(d->items, d->len, sizeof *d->items, by_position);
    for (size_t i = 0; i < d->len && i < PRINT_MAX; i++)
        print_one(out, d->items[i]);
    if (d->len > PRINT_MAX)
        fprintf(out, "ward: %zu more errors and warnings not shown\n",
                d->len - PRINT_MAX);
}
