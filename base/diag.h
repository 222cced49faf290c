/*
 * diag.h - source files, spans and the diagnostic sink.
 *
 * Every phase reports problems here instead of printing: a Diagnostic has a
 * severity, a Span (byte offsets into a Source), a message, and optional notes
 * (with their own location) and hints. diag_print renders them the way the
 * CLI shows them:
 *
 *   policy.ward:12:7: error: unknown role 'admn'
 *      12 |   show phone to admn;
 *         |                 ^~~~
 *   hint: did you mean 'admin'?
 *
 * Lines and columns count from 1; columns count characters, not bytes.
 */
#ifndef WARD_DIAG_H
#define WARD_DIAG_H

#include "arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A Source is one loaded file: its name as given and its bytes. */
typedef struct Source {
    const char *name; /* path as the user wrote it; arena-owned */
    const char *text; /* bytes, NUL-terminated; arena-owned */
    size_t len;       /* bytes in text, without the NUL */
    uint32_t *lines;  /* offset of each line start; built on demand */
    size_t nlines;    /* entries in lines */
} Source;

/* A Span is a half-open byte range [begin, end) of one Source. */
typedef struct Span {
    const Source *file; /* borrowed; NULL for "no location" */
    uint32_t begin;     /* first byte */
    uint32_t end;       /* one past the last byte */
} Span;

/* DiagCode: the stable code of a diagnostic, printed after its message as
 * "[E001]" so that tests, editors and CI can match on it. The number is the
 * code: a code is never renumbered or reused, and a new diagnostic takes the
 * next free number. DIAG_NO_CODE (0) prints nothing; most diagnostics older
 * than the codes carry none yet. docs/language.md lists the codes. */
typedef enum DiagCode {
    DIAG_NO_CODE = 0,
    DIAG_NAME_TOO_LONG = 1,     /* a declared name over 63 bytes */
    DIAG_RESERVED_PREFIX = 2,   /* a name beginning ward_, sqlite_, pg_ */
    DIAG_RESERVED_COLUMN = 3,   /* a column named rowid, _rowid_ or oid */
    DIAG_RESERVED_POLICY = 4,   /* a policy named ward, public, ... */
    DIAG_RESERVED_ROLE = 5,     /* a role named public, none, ... */
    DIAG_INT_OUT_OF_RANGE = 6,  /* an integer literal beyond int64 */
    DIAG_REAL_OUT_OF_RANGE = 7, /* a real literal beyond a double */
} DiagCode;

typedef enum Severity {
    SEV_ERROR,   /* the input is wrong; no output is produced */
    SEV_WARNING, /* suspicious but valid (lint) */
} Severity;

typedef struct DiagNote {
    Span at;          /* where the note points; file NULL for a bare hint */
    const char *kind; /* "note" or "hint" */
    const char *msg;  /* arena-owned */
} DiagNote;

typedef struct Diagnostic {
    Severity sev;
    DiagCode code;   /* stable code, or DIAG_NO_CODE */
    Span at;         /* the offending construct */
    const char *msg; /* short, lower-case, no trailing period */
    DiagNote *notes; /* arena-owned array */
    size_t nnotes;
    size_t seq; /* report order, keeps sorting stable */
} Diagnostic;

typedef struct Diag {
    Arena *arena;       /* borrowed: where messages live */
    Diagnostic **items; /* caller frees via diag_dispose */
    size_t len;
    size_t cap;
    int errors;   /* count of SEV_ERROR */
    int warnings; /* count of SEV_WARNING */
} Diag;

void diag_init(Diag *d, Arena *arena);
void diag_dispose(Diag *d);

/* Reporting returns the new Diagnostic so notes and hints can be added. */
Diagnostic *diag_error(Diag *d, Span at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
Diagnostic *diag_warning(Diag *d, Span at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* diag_error_code reports an error that carries the stable CODE. */
Diagnostic *diag_error_code(Diag *d, DiagCode code, Span at, const char *fmt,
                            ...) __attribute__((format(printf, 4, 5)));
void diag_note(Diag *d, Diagnostic *x, Span at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_hint(Diag *d, Diagnostic *x, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* diag_print writes every diagnostic in source order, then nothing else. */
void diag_print(Diag *d, FILE *out);

/* source_load reads PATH into a new Source. On failure it reports an error
 * without a location and returns NULL. Arena-owned. */
Source *source_load(Arena *a, Diag *d, const char *path);
/* source_from_string wraps TEXT (copied) as a Source named NAME. */
Source *source_from_string(Arena *a, const char *name, const char *text,
                           size_t len);

/* srcmap_line_col turns a byte offset into 1-based line and column. */
void srcmap_line_col(const Source *src, uint32_t offset, size_t *line,
                     size_t *col);

/* span_join covers A and B. */
Span span_join(Span a, Span b);

/* edit_distance is Levenshtein distance, capped; used for "did you mean". */
size_t edit_distance(const char *a, const char *b);

/* diag_suggest returns the one of N candidates closest to NAME, or NULL
 * when none is within a third of its length (plus one). Borrowed. */
const char *diag_suggest(const char *name, const char *const *cands, size_t n);

#endif
