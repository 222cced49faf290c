/*
 * arena.h - bump allocation for one compilation.
 *
 * Tokens, AST nodes, symbols, strings and diagnostics of a compilation all
 * live in one Arena and are freed together by arena_free. Nothing in an arena
 * is freed one by one. Under -DARENA_DEBUG every allocation is its own malloc
 * so that AddressSanitizer sees overruns.
 *
 * Allocation never fails from the caller's point of view: on out-of-memory the
 * process stops with a message (the compiler is a batch program).
 */
#ifndef WARD_ARENA_H
#define WARD_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;

typedef struct Arena {
    ArenaBlock *head; /* most recent block; older ones chain behind it */
} Arena;

void arena_init(Arena *a);
void arena_free(Arena *a);

/* arena_alloc returns SIZE zeroed bytes, aligned for any type. Arena-owned. */
void *arena_alloc(Arena *a, size_t size);

/* arena_strndup copies N bytes of S and adds a NUL. Arena-owned. */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);

/* arena_printf formats into a new arena string. Arena-owned. */
char *arena_printf(Arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* xmalloc and xrealloc stop the process on out-of-memory. Caller frees. */
void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);

#endif
