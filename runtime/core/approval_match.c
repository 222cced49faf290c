/*
 * approval_match.c - a maximum matching of voters to an approval's places
 * (Kuhn's augmenting paths; see approval_match.h).
 */
#include "approval_match.h"

#include <string.h>

typedef struct Matching {
    ApprovalTakes takes;
    void *ctx;
    int clause[APPROVAL_MAX_PLACES]; /* the clause of each place */
    int owner[APPROVAL_MAX_PLACES];  /* the voter holding it, or -1 */
    bool seen[APPROVAL_MAX_PLACES];  /* tried in this search */
    size_t nplaces;
} Matching;

/* place tries to give voter V a place, moving earlier voters to other
 * places they can fill. */
static bool place(Matching *mt, size_t v)
{
    for (size_t p = 0; p < mt->nplaces; p++) {
        if (mt->seen[p] || !mt->takes(mt->ctx, (size_t)mt->clause[p], v))
            continue;
        mt->seen[p] = true;
        if (mt->owner[p] < 0 || place(mt, (size_t)mt->owner[p])) {
            mt->owner[p] = (int)v;
            return true;
        }
    }
    return false;
}

size_t approval_places(size_t nclauses, const int *counts)
{
    size_t n = 0;
    for (size_t c = 0; c < nclauses; c++)
        n += counts[c] > 0 ? (size_t)counts[c] : 0;
    return n < APPROVAL_MAX_PLACES ? n : APPROVAL_MAX_PLACES;
}

size_t approval_placed(size_t nclauses, const int *counts, size_t nvoters,
                       ApprovalTakes takes, void *ctx)
{
    Matching mt;
    mt.takes = takes;
    mt.ctx = ctx;
    mt.nplaces = 0;
    for (size_t c = 0; c < nclauses; c++)
        for (int k = 0; k < counts[c] && mt.nplaces < APPROVAL_MAX_PLACES; k++)
            mt.clause[mt.nplaces++] = (int)c;
    for (size_t p = 0; p < mt.nplaces; p++)
        mt.owner[p] = -1;
    size_t filled = 0;
    for (size_t v = 0; v < nvoters && filled < mt.nplaces; v++) {
        memset(mt.seen, 0, sizeof mt.seen);
        if (place(&mt, v))
            filled++;
    }
    return filled;
}
