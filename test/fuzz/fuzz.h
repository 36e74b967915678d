/*
 * What the libFuzzer drivers of the signing schemes share: aborting on a
 * broken contract, splitting the input into NUL-separated fields and
 * "name=value" pairs, and the contract of a parsed SignedHeaders list.
 * Header-only: each driver is built alone with the library's sources.
 */

#ifndef TOLLGATE_FUZZ_H
#define TOLLGATE_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/canon.h"
#include "tollgate/str.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* Aborts, which libFuzzer reports as a crash, unless ok. */
static inline void
check(int ok)
{
    if (!ok) {
        abort();
    }
}


/* Whether part lies inside s (or is empty). */
static inline int
inside(tg_str_t part, tg_str_t s)
{
    return part.len == 0
           || (part.ptr >= s.ptr && part.ptr + part.len <= s.ptr + s.len);
}


/*
 * Splits data at its NUL bytes into fields[0..n), at most max of them
 * (the rest of the input is dropped).  An input of k NULs gives k + 1
 * fields, empty ones included; every field points into data.  Returns n,
 * at least 1 when max > 0.
 */
static inline size_t
fuzz_fields(const uint8_t *data, size_t size, tg_str_t *fields, size_t max)
{
    const char *p = (const char *) data, *end = p + size, *nul;
    size_t      n = 0;

    while (n < max) {
        nul = p < end ? memchr(p, '\0', (size_t) (end - p)) : NULL;
        fields[n++] = (tg_str_t){ p, (size_t) ((nul != NULL ? nul : end) - p) };
        if (nul == NULL) {
            break;
        }
        p = nul + 1;
    }
    return n;
}


/*
 * Splits item at its first sep into a name and a value (both pointing into
 * item).  Returns 1, or 0 when there is no sep: then the name is all of
 * item and the value empty.
 */
static inline int
fuzz_pair(tg_str_t item, char sep, tg_canon_pair_t *pair)
{
    const char *at = item.len > 0 ? memchr(item.ptr, sep, item.len) : NULL;

    if (at == NULL) {
        *pair = (tg_canon_pair_t){ item, (tg_str_t){ item.ptr, 0 } };
        return 0;
    }
    pair->name = (tg_str_t){ item.ptr, (size_t) (at - item.ptr) };
    pair->value = (tg_str_t){ at + 1, item.len - pair->name.len - 1 };
    return 1;
}


/*
 * The contract of a parsed SignedHeaders list (tg_canon_header_names_parse()
 * and the schemes over it): 1 to max names, each 1 to
 * TG_CANON_HEADER_NAME_MAX visible ASCII bytes, none upper case, none a
 * separator; with unique, no name twice.
 */
static inline void
fuzz_check_header_names(char (*names)[TG_CANON_HEADER_NAME_MAX + 1], size_t n,
                        size_t max, int unique)
{
    size_t i, j, len;
    char   c;

    check(n >= 1 && n <= max);
    for (i = 0; i < n; i++) {
        len = strlen(names[i]);
        check(len >= 1 && len <= TG_CANON_HEADER_NAME_MAX);
        for (j = 0; j < len; j++) {
            c = names[i][j];
            check(c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z')
                  && strchr(";,=:", c) == NULL);
        }
        for (j = 0; unique && j < i; j++) {
            check(strcmp(names[i], names[j]) != 0);
        }
    }
}

#endif /* TOLLGATE_FUZZ_H */
