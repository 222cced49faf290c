/*
 * check.h - a tiny assertion framework for ward's C unit tests.
 *
 * Each tests/unit/test_*.c file is its own program: it runs its CHECKs, prints
 * one line per failure (file:line and the expression), and ends with the line
 * "<name>: N passed, N failed" that tests/run.sh adds up. The exit status is 1
 * when any check failed.
 */
#ifndef WARD_CHECK_H
#define WARD_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed; /* checks that held */
static int check_failed; /* checks that did not */

#define CHECK(expr)                                                            \
    do {                                                                       \
        if (expr) {                                                            \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #expr);                                                    \
        }                                                                      \
    } while (0)

/* CHECK_STR compares two C strings (either may be NULL) and prints both. */
#define CHECK_STR(got, want)                                                   \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        if ((g_ == NULL && w_ == NULL) ||                                      \
            (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0)) {               \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: %s\n  got:  %s%s%s\n  want: %s%s%s\n",     \
                    __FILE__, __LINE__, #got, g_ ? "\"" : "",                  \
                    g_ ? g_ : "NULL", g_ ? "\"" : "", w_ ? "\"" : "",          \
                    w_ ? w_ : "NULL", w_ ? "\"" : "");                         \
        }                                                                      \
    } while (0)

/* CHECK_INT compares two integers and prints both. */
#define CHECK_INT(got, want)                                                   \
    do {                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);               \
        if (g_ == w_) {                                                        \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: %s\n  got:  %lld\n  want: %lld\n",         \
                    __FILE__, __LINE__, #got, g_, w_);                         \
        }                                                                      \
    } while (0)

/* check_report prints the closing line and returns the exit status. */
static inline int check_report(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
