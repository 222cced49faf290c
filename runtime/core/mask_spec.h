/*
 * mask_spec.h - the catalog of masking functions: each entry's name,
 * arity, argument kinds, the column types it applies to, the check of its
 * arguments and its implementation.
 *
 * The entries come from one list, mask_catalog.def, which says how to add
 * a function. The compiler checks a policy's `mask NAME = fn(args)`
 * against an entry's arity and kinds with messages of its own, then runs
 * mask_check_args (mask.h) for the entry's own rules; the runtimes register
 * or find each entry by name and apply it with mask_apply, which runs the
 * same mask_check_args.
 */
#ifndef WARD_MASK_SPEC_H
#define WARD_MASK_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#define MASK_MAX_ARGS 9

/* A policy's whole-number mask arguments are 32-bit: PostgreSQL's runtime
 * declares them integer, and Hive narrows its own to int. */
#define MASK_ARG_INT_MAX 2147483647
#define MASK_ARG_INT_MIN (-MASK_ARG_INT_MAX - 1)

typedef enum MaskArgKind {
    MARG_INT,    /* a whole number; in a policy 0 to MASK_ARG_INT_MAX */
    MARG_NUMBER, /* an integer or real literal */
    MARG_STRING, /* a string literal */
    MARG_WORD,   /* a bare word from MaskSpec.words, e.g. date_trunc(month) */
    MARG_SCALAR  /* a string or a number literal (Hive's optional chars);
                  * in a policy an integer fits in 32 bits */
} MaskArgKind;

typedef enum MaskInput {
    MIN_ANY,    /* any column type; non-text values are masked as text */
    MIN_TEXT,   /* text columns */
    MIN_NUMBER, /* integer or real columns */
    MIN_DATE    /* date or datetime columns (ISO 8601 text) */
} MaskInput;

struct MaskValue;
struct MaskArgError;
struct MaskCall;

/* MaskCheck holds arguments already of the right kinds to the rules of one
 * entry (keep's char is one character, range's low < high). Returns false
 * with OUT filled (mask.h) when they break one. */
typedef bool (*MaskCheck)(const struct MaskValue *args, int nargs,
                          struct MaskArgError *out);

/* MaskImpl applies one entry to one value (mask_impl.h). */
typedef int (*MaskImpl)(struct MaskCall *c);

typedef struct MaskSpec {
    const char *name;                /* bare name; in SQL ward_<name> */
    int min_args;                    /* required arguments */
    int max_args;                    /* required plus optional arguments */
    MaskArgKind args[MASK_MAX_ARGS]; /* kind of each argument, in order */
    const char *words;               /* MARG_WORD choices, '|' separated */
    MaskInput input;                 /* the column types it applies to */
    bool keyed;                      /* needs WARD_KEY_FILE / WARD_KEY */
    bool json_args;                  /* PostgreSQL: arguments as one jsonb */
    const char *signature;           /* how docs and hints spell the call */
    MaskCheck check;                 /* the entry's own rules, or NULL */
    MaskImpl impl;                   /* mask_fn_<name> */
} MaskSpec;

/* mask_spec_find returns the entry named NAME, or NULL. Borrowed, static. */
const MaskSpec *mask_spec_find(const char *name);

/* mask_spec_count and mask_spec_at enumerate the catalog in a fixed order. */
size_t mask_spec_count(void);
const MaskSpec *mask_spec_at(size_t i);

#endif
