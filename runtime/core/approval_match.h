/*
 * approval_match.h - when the votes on a request satisfy an approval's `by`
 * line, shared by the decision function (compiler/decide.c, the reference
 * of the semantics) and the SQLite runtime (which decides it per request).
 *
 * `by 1 of compliance and 1 of sales_manager` needs each clause filled by
 * its count of distinct voters, and one voter counts for one clause only:
 * one person holding both roles fills one place. That is a matching of
 * voters to the clauses' places, found by augmenting paths, so the order of
 * the votes never matters. Pure C: no allocation, no database.
 */
#ifndef WARD_APPROVAL_MATCH_H
#define WARD_APPROVAL_MATCH_H

#include <stdbool.h>
#include <stddef.h>

/* The most places a `by` line may have (the compiler refuses more). */
#define APPROVAL_MAX_PLACES 100

/* ApprovalTakes reports whether voter V can fill a place of clause C. */
typedef bool (*ApprovalTakes)(void *ctx, size_t clause, size_t voter);

/*
 * approval_placed returns how many of the places of NCLAUSES clauses
 * (COUNTS[c] places for clause c, APPROVAL_MAX_PLACES in all at most) the
 * NVOTERS distinct voters can fill at once, one place each, TAKES saying who
 * may fill which. The line is met when it equals approval_places.
 */
size_t approval_placed(size_t nclauses, const int *counts, size_t nvoters,
                       ApprovalTakes takes, void *ctx);

/* approval_places is the number of places: the sum of COUNTS, capped at
 * APPROVAL_MAX_PLACES. */
size_t approval_places(size_t nclauses, const int *counts);

#endif
