/*
 * What the vendors' canonical requests share.  See canon.h.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/canon.h"
#include "tollgate/error.h"


/* The index of the name item is "name=value" for, or n if none. */
static size_t
tg_canon_auth_name(tg_str_t item, const char *const *names, size_t n)
{
    size_t i, len;

    for (i = 0; i < n; i++) {
        len = strlen(names[i]);
        if (item.len > len && memcmp(item.ptr, names[i], len) == 0
            && item.ptr[len] == '=')
        {
            return i;
        }
    }
    return n;
}


int
tg_canon_auth_params(tg_str_t params, const char *const *names,
                     tg_str_t *values, size_t n)
{
    tg_str_t    rest = params, item;
    const char *comma;
    size_t      i, len;

    for (i = 0; i < n; i++) {
        values[i] = TG_STR_NULL;
    }

    while (rest.len > 0) {
        comma = memchr(rest.ptr, ',', rest.len);
        item = (tg_str_t){ rest.ptr, comma != NULL ? (size_t) (comma - rest.ptr)
                                                   : rest.len };
        rest = comma != NULL ? (tg_str_t){ comma + 1, rest.len - item.len - 1 }
                             : (tg_str_t){ rest.ptr + rest.len, 0 };
        item = tg_str_trim(item);

        i = tg_canon_auth_name(item, names, n);
        if (i == n || values[i].ptr != NULL) {
            return TG_EINVALID; /* unknown, empty or repeated */
        }
        len = strlen(names[i]) + 1;
        values[i] = (tg_str_t){ item.ptr + len, item.len - len };
    }

    for (i = 0; i < n; i++) {
        if (values[i].len == 0) {
            return TG_EINVALID;
        }
    }
    return TG_OK;
}


int
tg_canon_header_names_parse(tg_str_t list,
                            char (*names)[TG_CANON_HEADER_NAME_MAX + 1],
                            size_t max, unsigned flags, size_t *n)
{
    const char *p = list.ptr, *end = list.ptr + list.len, *semi;
    tg_str_t    name;
    size_t      len, i;

    *n = 0;

    if (list.len == 0) {
        return TG_EINVALID;
    }

    for (;;) {
        semi = memchr(p, ';', (size_t) (end - p));
        len = (size_t) ((semi != NULL ? semi : end) - p);

        if (len == 0 || len > TG_CANON_HEADER_NAME_MAX || *n == max) {
            return TG_EINVALID;
        }
        for (i = 0; i < len; i++) {
            if (!tg_is_tchar((unsigned char) p[i])) {
                return TG_EINVALID;
            }
        }

        name = (tg_str_t){ p, len };
        for (i = 0; (flags & TG_CANON_UNIQUE) && i < *n; i++) {
            if (tg_str_eq_nocase(tg_str_c(names[i]), name)) {
                return TG_EINVALID;
            }
        }

        for (i = 0; i < len; i++) {
            names[*n][i] =
                p[i] >= 'A' && p[i] <= 'Z' ? (char) (p[i] + 32) : p[i];
        }
        names[*n][len] = '\0';
        (*n)++;

        if (semi == NULL) {
            return TG_OK;
        }
        p = semi + 1;
    }
}


int
tg_canon_path(tg_str_t path, tg_buf_t *out)
{
    size_t i, start = 0;
    int    rc = TG_OK;

    if (path.len == 0) {
        return tg_buf_append(out, "/", 1);
    }

    for (i = 0; i <= path.len && rc == TG_OK; i++) {
        if (i == path.len || path.ptr[i] == '/') {
            rc = tg_percent_encode(out,
                                   (tg_str_t){ path.ptr + start, i - start });
            if (rc == TG_OK && i < path.len) {
                rc = tg_buf_append(out, "/", 1);
            }
            start = i + 1;
        }
    }

    return rc;
}


static int
tg_canon_pair_cmp(const void *a, const void *b)
{
    const tg_canon_pair_t *x = a, *y = b;
    int                    c = tg_str_cmp(x->name, y->name);

    return c != 0 ? c : tg_str_cmp(x->value, y->value);
}


/* Copies headers into pairs with names lowered into lower (one buffer of
 * every name's bytes) and values trimmed. */
static void
tg_canon_lower_pairs(const tg_canon_pair_t *headers, size_t n, char *lower,
                     tg_canon_pair_t *pairs)
{
    size_t i, j, pos = 0;
    char   c;

    for (i = 0; i < n; i++) {
        for (j = 0; j < headers[i].name.len; j++) {
            c = headers[i].name.ptr[j];
            lower[pos + j] = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        }
        pairs[i].name = (tg_str_t){ lower + pos, headers[i].name.len };
        pairs[i].value = tg_str_trim(headers[i].value);
        pos += headers[i].name.len;
    }
}


int
tg_canon_headers(const tg_canon_pair_t *headers, size_t n, unsigned flags,
                 tg_buf_t *out)
{
    tg_canon_pair_t *pairs = NULL;
    char            *lower = NULL;
    size_t           i, total = 0;
    int              rc = TG_OK;

    for (i = 0; i < n; i++) {
        total += headers[i].name.len;
    }

    if (n > 0) {
        pairs = calloc(n, sizeof(*pairs));
        lower = malloc(total + 1);
        if (pairs == NULL || lower == NULL) {
            free(pairs);
            free(lower);
            return TG_ENOMEM;
        }
        tg_canon_lower_pairs(headers, n, lower, pairs);
    }

    if ((flags & TG_CANON_SORT) && n > 1) {
        qsort(pairs, n, sizeof(*pairs), tg_canon_pair_cmp);
    }

    for (i = 0; i < n && rc == TG_OK; i++) {
        rc = tg_buf_append(out, pairs[i].name.ptr, pairs[i].name.len);
        if (rc == TG_OK) {
            rc = tg_buf_append(out, ":", 1);
        }
        if (rc == TG_OK && pairs[i].value.len > 0) {
            rc = (flags & TG_CANON_LOWER_VALUE)
                     ? tg_buf_append_lower(out, pairs[i].value)
                     : tg_buf_append(out, pairs[i].value.ptr,
                                     pairs[i].value.len);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, "\n", 1);
        }
    }

    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }

    for (i = 0; i < n && rc == TG_OK; i++) {
        if (i > 0) {
            rc = tg_buf_append(out, ";", 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, pairs[i].name.ptr, pairs[i].name.len);
        }
    }

    free(pairs);
    free(lower);
    return rc;
}
