/*
 * mask_spec.h - the catalog of masking functions: names, arities, argument
 * kinds and the kind of value each applies to.
 *
 * The catalog is pure data shared by the compiler (which checks a policy's
 * `mask NAME = fn(args)` against it) and the runtime (which registers each
 * entry as the SQL function ward_<name>). Adding a function means adding one
 * entry here and its implementation in mask.c.
 */
#ifndef WARD_MASK_SPEC_H
#define WARD_MASK_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#define MASK_MAX_ARGS 9

typedef enum MaskArgKind {
    MARG_INT,    /* a whole number literal, >= 0 unless the entry allows sign */
    MARG_NUMBER, /* an integer or real literal */
    MARG_STRING, /* a string literal */
    MARG_WORD,   /* a bare word from MaskSpec.words, e.g. date_trunc(month) */
    MARG_SCALAR  /* a string or a number literal (Hive's optional chars) */
} MaskArgKind;

typedef enum MaskInput {
    MIN_ANY,    /* any column type; non-text values are masked as text */
    MIN_TEXT,   /* text columns */
    MIN_NUMBER, /* integer or real columns */
    MIN_DATE    /* date or datetime columns (ISO 8601 text) */
} MaskInput;

typedef struct MaskSpec {
    const char *name;                /* bare name; in SQL ward_<name> */
    int min_args;                    /* required arguments */
    int max_args;                    /* required plus optional arguments */
    MaskArgKind args[MASK_MAX_ARGS]; /* kind of each argument, in order */
    const char *words;               /* MARG_WORD choices, '|' separated */
    MaskInput input;                 /* the column types it applies to */
    bool keyed;                      /* needs WARD_KEY_FILE / WARD_KEY */
    const char *signature;           /* how docs and hints spell the call */
} MaskSpec;

/* mask_spec_find returns the entry named NAME, or NULL. Borrowed, static. */
const MaskSpec *mask_spec_find(const char *name);

/* mask_spec_count and mask_spec_at enumerate the catalog in a fixed order. */
size_t mask_spec_count(void);
const MaskSpec *mask_spec_at(size_t i);

#endif
