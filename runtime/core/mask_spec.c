/*
 * mask_spec.c - the catalog's table (see mask_spec.h), expanded from the
 * list in mask_catalog.def: one MaskSpec per MASK line, in its order.
 */
#include "mask_impl.h"

#include <string.h>

#define I MARG_INT
#define N MARG_NUMBER
#define S MARG_STRING
#define W MARG_WORD
#define X MARG_SCALAR
/* clang-format off */
#define ARGS(...) {__VA_ARGS__}
#define NONE {0}
/* clang-format on */

#define MASK(name_, min_, max_, kinds_, words_, input_, keyed_, json_, sig_,   \
             check_, samples_)                                                 \
    {.name = #name_,                                                           \
     .min_args = min_,                                                         \
     .max_args = max_,                                                         \
     .args = kinds_,                                                           \
     .words = words_,                                                          \
     .input = input_,                                                          \
     .keyed = keyed_,                                                          \
     .json_args = json_,                                                       \
     .signature = sig_,                                                        \
     .check = check_,                                                          \
     .impl = mask_fn_##name_},

static const MaskSpec specs[] = {
#include "mask_catalog.def"
};

const MaskSpec *mask_spec_find(const char *name)
{
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

size_t mask_spec_count(void)
{
    return sizeof specs / sizeof specs[0];
}

const MaskSpec *mask_spec_at(size_t i)
{
    return i < mask_spec_count() ? &specs[i] : NULL;
}
