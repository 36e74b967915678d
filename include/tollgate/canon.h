/*
 * The pieces of a signed request's canonical text that several vendors'
 * signatures share: the "Name=value, ..." parameters of an Authorization
 * header, a SignedHeaders list, the canonical path, and the block of
 * canonical headers.  Each scheme (acs_sign.c, tc3_sign.c, huawei_sign.c)
 * keeps its own rules: which names, what order, what limits; these only
 * do what their rules have in common.
 *
 * Ownership: inputs are only read; parsed parts point into the input;
 * texts are appended to a caller's tg_buf_t.
 */

#ifndef TOLLGATE_CANON_H
#define TOLLGATE_CANON_H

#include <stddef.h>

#include "tollgate/str.h"


#define TG_CANON_HEADER_NAME_MAX 63 /* characters in a signed header name */

/* A name and its value: a query parameter or a header. */
typedef struct {
    tg_str_t name;
    tg_str_t value;
} tg_canon_pair_t;

/* Flags of tg_canon_header_names_parse(). */
#define TG_CANON_UNIQUE 0x1 /* a name listed twice (in any case) fails */

/* Flags of tg_canon_headers(). */
#define TG_CANON_SORT        0x1 /* by lowercase name, then trimmed value */
#define TG_CANON_LOWER_VALUE 0x2 /* lowercase the values too */


/*
 * Reads the ','-separated "Name=value" items of params (each trimmed of
 * spaces and tabs) into values[i] for the item named names[i], i < n.
 * Returns 0 when every name is there exactly once with a value that is
 * not empty; else TG_EINVALID: an item with another name (or no '='), an
 * empty item between commas, a name repeated, missing or empty.  A
 * trailing comma is allowed.  values[] are TG_STR_NULL or point into
 * params.
 */
int tg_canon_auth_params(tg_str_t params, const char *const *names,
                         tg_str_t *values, size_t n);

/*
 * Splits a SignedHeaders list ("host;x-acs-date") into names[0..*n), each
 * lowercased and NUL-terminated, in the list's order.  Returns 0, or
 * TG_EINVALID for an empty list or name, a name that is not an HTTP token
 * or is longer than TG_CANON_HEADER_NAME_MAX, more than max names, or
 * (with TG_CANON_UNIQUE) a name listed twice; *n and names are then
 * unspecified.
 */
int tg_canon_header_names_parse(tg_str_t list,
                                char (*names)[TG_CANON_HEADER_NAME_MAX + 1],
                                size_t max, unsigned flags, size_t *n);

/*
 * Appends the decoded path with every '/'-separated segment
 * percent-encoded (tg_percent_encode()) and the '/'s kept: "/a b/" gives
 * "/a%20b/"; an empty path gives "/".  Returns 0 or TG_ENOMEM.
 */
int tg_canon_path(tg_str_t path, tg_buf_t *out);

/*
 * Appends the canonical headers of headers[0..n):
 *     lowercase-name ":" trimmed-value "\n"    (per header)
 *     "\n"
 *     lowercase-name ";" lowercase-name ...    (the same names)
 * in the given order, or with TG_CANON_SORT byte-wise by lowercase name,
 * then trimmed value.  TG_CANON_LOWER_VALUE lowercases the values (ASCII).
 * Returns 0 or TG_ENOMEM.
 */
int tg_canon_headers(const tg_canon_pair_t *headers, size_t n, unsigned flags,
                     tg_buf_t *out);

#endif /* TOLLGATE_CANON_H */
