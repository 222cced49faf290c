/*
 * mask.h - the masking core: one generic entry point that applies any
 * catalog entry (mask_spec.h) to one value.
 *
 * The SQLite extension calls mask_apply from each ward_<name> SQL function,
 * and the PostgreSQL differential test calls it to compute the outputs that
 * the PL/pgSQL runtime must reproduce. The core is pure C: no database, no
 * global mutable state, no malloc. Output goes to a caller-provided MaskBuf,
 * which grows only through the caller's allocator callback (the extension
 * passes one built on sqlite3_realloc64). docs/masks.md documents every
 * function's semantics; the rules shared by all of them are:
 *
 *   - NULL in gives NULL out (no function turns NULL into a value).
 *   - Text is UTF-8 and is counted in characters, never bytes; no output
 *     ever splits a character.
 *   - A value too short to keep anything back is masked whole: no function
 *     reveals a whole value (or a whole e-mail local part or domain) that
 *     its kept parts would cover.
 *   - Invalid UTF-8 never reaches the output: the value is masked whole, each
 *     invalid byte counting as one character. Hashes and keyed functions
 *     process the raw bytes.
 *   - Integers and reals given to text masks are masked as their text form:
 *     integers in decimal, reals in the shortest form that reads back to the
 *     same double ("%.15g" .. "%.17g": 0.1, 37, 1e+20).
 */
#ifndef WARD_MASK_H
#define WARD_MASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "mask_spec.h"

/* Return codes of mask_apply and mask_decrypt: 0, or one of these. */
enum {
    MASK_OK = 0,
    MASK_EARG = -1,    /* an argument is missing, of the wrong kind or range */
    MASK_EKEY = -2,    /* a keyed function was called without a loaded key */
    MASK_ENOMEM = -3,  /* the grow callback returned NULL */
    MASK_ESPACE = -4,  /* a fixed MaskBuf is too small; len = bytes needed */
    MASK_ECRYPTO = -5, /* OpenSSL failed */
    MASK_EINPUT = -6   /* mask_decrypt: not a ward token, or tampered with */
};

/* MaskKind tags a MaskValue (input or argument) and a MaskBuf result. */
typedef enum MaskKind {
    MASK_NULL, /* SQL NULL */
    MASK_INT,  /* 64-bit integer in .i */
    MASK_REAL, /* double in .r */
    MASK_TEXT, /* UTF-8 text at .s, .n bytes (need not be NUL-terminated) */
    MASK_DATE  /* text at .s/.n that the caller knows is a date or datetime
                * column (ISO 8601); only the Hive and SQL Server families
                * treat it differently from MASK_TEXT */
} MaskKind;

/* MaskValue is one borrowed input value or argument. */
typedef struct MaskValue {
    MaskKind kind; /* which of the fields below is meaningful */
    int64_t i;     /* MASK_INT */
    double r;      /* MASK_REAL */
    const char *s; /* MASK_TEXT, MASK_DATE: borrowed bytes */
    size_t n;      /* MASK_TEXT, MASK_DATE: length in bytes */
} MaskValue;

/*
 * MaskGrow resizes an output buffer, with realloc semantics: OLD is NULL the
 * first time (the core copies the caller's initial bytes itself), SIZE is
 * the new size in bytes. It returns the new block, or NULL when out of
 * memory (the old block is then still valid and still the caller's).
 */
typedef void *(*MaskGrow)(void *ctx, void *old, size_t size);

/*
 * MaskBuf receives the result of one call. The caller sets it up with
 * mask_buf_init and owns it; after the call, kind says what came back.
 * Whatever the return code, if heap is true the caller frees data with the
 * allocator behind grow.
 */
typedef struct MaskBuf {
    MaskKind kind; /* result: MASK_NULL, MASK_INT, MASK_REAL or MASK_TEXT */
    int64_t i;     /* result when kind == MASK_INT */
    double r;      /* result when kind == MASK_REAL */
    char *data;    /* result text when kind == MASK_TEXT, NUL-terminated */
    size_t len;    /* bytes of text, without the NUL (needed on ESPACE) */
    size_t cap;    /* bytes available at data */
    MaskGrow grow; /* NULL: data is fixed and never grows */
    void *ctx;     /* passed to grow */
    bool heap;     /* data came from grow: the caller must free it */
    int fail;      /* internal: sticky MASK_ESPACE or MASK_ENOMEM */
} MaskBuf;

/*
 * mask_buf_init prepares B to write into MEM (CAP bytes, may be NULL and 0),
 * growing through GROW (may be NULL) with CTX. A fixed buffer that is too
 * small makes mask_apply return MASK_ESPACE with len set to the bytes needed
 * (provide len + 1 for the NUL; for encrypt this includes scratch room, so
 * it exceeds the token's length).
 */
void mask_buf_init(MaskBuf *b, char *mem, size_t cap, MaskGrow grow, void *ctx);

/* MaskArgError says why a call's arguments were refused. */
typedef struct MaskArgError {
    int arg;           /* the argument at fault (0-based), or -1: the call */
    char message[128]; /* lower case, without the function's name */
} MaskArgError;

/*
 * mask_check_args holds the NARGS arguments ARGS to SPEC: the arity, each
 * argument's kind (below), then the entry's own rules (spec->check).
 * Returns true, or false with OUT filled. mask_apply runs it on every call
 * (the entry's rules only when the value is not NULL); the compiler runs it
 * on a policy's literals after its own kind checks, so that a policy never
 * compiles a call the runtime would refuse.
 */
bool mask_check_args(const MaskSpec *spec, const MaskValue *args, int nargs,
                     MaskArgError *out);

/*
 * mask_apply applies the catalog entry SPEC, with its NARGS arguments ARGS
 * (the policy's literals, in catalog order), to the value IN, and writes
 * the result to OUT. KEY is needed only by keyed entries (spec->keyed) and
 * may be NULL otherwise. Returns MASK_OK, or a negative MASK_E* code with a
 * one-line lower-case message in ERR (ERRLEN bytes; may be NULL, 0) that
 * never contains the value or key bytes.
 *
 * Arguments are checked by mask_check_args: MARG_INT takes MASK_INT,
 * MARG_NUMBER MASK_INT or MASK_REAL, MARG_STRING and MARG_WORD MASK_TEXT
 * (a word must be one of spec->words), MARG_SCALAR any kind (MASK_NULL means
 * "the default"). Reentrant and thread-safe for distinct OUT buffers.
 */
int mask_apply(const MaskSpec *spec, const MaskValue *args, int nargs,
               const MaskValue *in, MaskBuf *out, const MaskKey *key, char *err,
               size_t errlen);

/*
 * mask_apply_name is mask_apply for the catalog entry called NAME; unknown
 * names give MASK_EARG. A convenience for tests and tools: the extension
 * resolves the spec once and calls mask_apply.
 */
int mask_apply_name(const char *name, const MaskValue *args, int nargs,
                    const MaskValue *in, MaskBuf *out, const MaskKey *key,
                    char *err, size_t errlen);

/*
 * mask_decrypt reverses encrypt(CONTEXT): it decodes the token at TOKEN
 * (N bytes, as produced by mask_apply for "encrypt"), authenticates it
 * against CONTEXT (CTXLEN bytes) and writes the plaintext (the value's text
 * form) to OUT as MASK_TEXT. A NULL TOKEN (with N 0) gives MASK_NULL.
 * Returns MASK_OK; MASK_EKEY without a key; MASK_EINPUT for a malformed
 * token, a different context or key, or any tampering.
 */
int mask_decrypt(const char *token, size_t n, const char *context,
                 size_t ctxlen, MaskBuf *out, const MaskKey *key, char *err,
                 size_t errlen);

/*
 * mask_cn_id_valid reports whether the N bytes at S are a valid 18-character
 * resident identity number (GB 11643): 17 digits with a real birth date,
 * then the check digit (0-9 or X/x) that mask_cn_id_check computes.
 */
bool mask_cn_id_valid(const char *s, size_t n);

/*
 * mask_cn_id_check returns the GB 11643 check character ('0'..'9' or 'X')
 * for the 17 ASCII digits at S: the digits weighted 7 9 10 5 8 4 2 1 6 3 7 9
 * 10 5 8 4 2, summed, mod 11, indexing "10X98765432". Returns 0 if any of
 * the 17 is not a digit.
 */
char mask_cn_id_check(const char *s);

/* Constructors for MaskValue, for callers and tests. */
static inline MaskValue mask_null(void)
{
    MaskValue v = {MASK_NULL, 0, 0.0, NULL, 0};
    return v;
}

static inline MaskValue mask_int(int64_t i)
{
    MaskValue v = {MASK_INT, i, 0.0, NULL, 0};
    return v;
}

static inline MaskValue mask_real(double r)
{
    MaskValue v = {MASK_REAL, 0, r, NULL, 0};
    return v;
}

static inline MaskValue mask_text(const char *s, size_t n)
{
    MaskValue v = {MASK_TEXT, 0, 0.0, s, n};
    return v;
}

/* mask_cstr is mask_text for a NUL-terminated string. */
static inline MaskValue mask_cstr(const char *s)
{
    return mask_text(s, strlen(s));
}

static inline MaskValue mask_date(const char *s, size_t n)
{
    MaskValue v = {MASK_DATE, 0, 0.0, s, n};
    return v;
}

#endif
