/*
 * Huawei Cloud's SDK-HMAC-SHA256 signature.  See huawei_sign.h;
 * reference/huawei_tencent_authing.md A.5 and A.6 have the algorithm and
 * the vectors the unit tests check.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/canon.h"
#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/huawei_sign.h"
#include "tollgate/time.h"


static int
tg_hw_is_hex(tg_str_t s)
{
    size_t i;

    for (i = 0; i < s.len; i++) {
        if (tg_hex_digit((unsigned char) s.ptr[i]) < 0) {
            return 0;
        }
    }
    return 1;
}


/* Reads "name=" at *p, then the value up to a ',' (or the end if last);
 * moves *p past the value.  Returns 0 or TG_EINVALID. */
static int
tg_hw_auth_part(const char **p, const char *end, const char *name, int last,
                tg_str_t *value)
{
    size_t      len = strlen(name);
    const char *start, *stop;

    if ((size_t) (end - *p) < len || memcmp(*p, name, len) != 0) {
        return TG_EINVALID;
    }

    start = *p + len;
    stop = last ? end : memchr(start, ',', (size_t) (end - start));
    if (stop == NULL || stop == start) {
        return TG_EINVALID;
    }

    value->ptr = start;
    value->len = (size_t) (stop - start);
    *p = stop;

    if (!last) {
        (*p)++;
        while (*p < end && **p == ' ') {
            (*p)++;
        }
    }

    return TG_OK;
}


/* Not tg_canon_auth_params(): Huawei's verifier reads the three parts in
 * their order, after one or more spaces, and refuses control bytes. */
int
tg_hw_auth_parse(tg_str_t header, tg_hw_auth_t *out)
{
    static const char algorithm[] = TG_HW_ALGORITHM;
    const char       *p = header.ptr, *end = header.ptr + header.len;
    size_t            i;

    memset(out, 0, sizeof(*out));

    for (i = 0; i < header.len; i++) {
        if ((unsigned char) header.ptr[i] < 0x20) {
            return TG_EINVALID;
        }
    }

    if (header.len <= sizeof(algorithm)
        || memcmp(p, algorithm, sizeof(algorithm) - 1) != 0
        || p[sizeof(algorithm) - 1] != ' ')
    {
        return TG_EINVALID;
    }

    p += sizeof(algorithm) - 1;
    while (p < end && *p == ' ') {
        p++;
    }

    if (tg_hw_auth_part(&p, end, "Access=", 0, &out->access) != TG_OK
        || tg_hw_auth_part(&p, end, "SignedHeaders=", 0, &out->signed_headers)
               != TG_OK
        || tg_hw_auth_part(&p, end, "Signature=", 1, &out->signature) != TG_OK
        || out->signature.len != TG_HW_SIGNATURE_LEN
        || !tg_hw_is_hex(out->signature))
    {
        memset(out, 0, sizeof(*out));
        return TG_EINVALID;
    }

    return TG_OK;
}


int
tg_hw_signed(char names[][TG_HW_HEADER_NAME_MAX + 1], size_t n,
             const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}


int
tg_hw_signed_headers_parse(
    tg_str_t list, char names[TG_HW_HEADERS_MAX][TG_HW_HEADER_NAME_MAX + 1],
    size_t *n)
{
    return tg_canon_header_names_parse(list, names, TG_HW_HEADERS_MAX,
                                       TG_CANON_UNIQUE, n);
}


int
tg_hw_date_parse(tg_str_t date, int64_t *ms)
{
    /* "YYYYMMDDTHHMMSSZ" into "YYYY-MM-DDTHH:MM:SSZ" for tg_time_parse(). */
    static const char shape[] = "ddddddddTddddddZ";
    char              text[21];
    size_t            i;

    if (date.len != TG_HW_DATE_LEN) {
        return TG_EINVALID;
    }

    for (i = 0; i < TG_HW_DATE_LEN; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char) date.ptr[i])
                            : date.ptr[i] != shape[i])
        {
            return TG_EINVALID;
        }
    }

    memcpy(text, date.ptr, 4);
    text[4] = '-';
    memcpy(text + 5, date.ptr + 4, 2);
    text[7] = '-';
    memcpy(text + 8, date.ptr + 6, 3); /* "DDT" */
    memcpy(text + 11, date.ptr + 9, 2);
    text[13] = ':';
    memcpy(text + 14, date.ptr + 11, 2);
    text[16] = ':';
    memcpy(text + 17, date.ptr + 13, 3); /* "SSZ" */
    text[20] = '\0';

    return tg_time_parse(tg_str_c(text), ms) == TG_OK ? TG_OK : TG_EINVALID;
}


/* ---- the canonical request ---- */


static int
tg_hw_pair_cmp(const void *a, const void *b)
{
    const tg_hw_pair_t *const *x = a, *const *y = b;
    int                        c = tg_str_cmp((*x)->name, (*y)->name);

    return c != 0 ? c : tg_str_cmp((*x)->value, (*y)->value);
}


/* The path's segments, encoded, with a trailing '/'. */
static int
tg_hw_canonical_uri(tg_str_t path, tg_buf_t *out)
{
    int rc = tg_canon_path(path, out);

    if (rc == TG_OK && out->ptr[out->len - 1] != '/') {
        rc = tg_buf_append(out, "/", 1);
    }
    return rc;
}


/* Sorted by decoded name, then value (Alibaba's V3 sorts the encoded
 * text: acs_sign.c), then encoded; an empty value per req->empty_form. */
static int
tg_hw_canonical_query(const tg_hw_request_t *req, tg_buf_t *out)
{
    const tg_hw_pair_t **sorted = NULL;
    size_t               i;
    int                  rc = TG_OK;

    if (req->nquery == 0) {
        return TG_OK;
    }

    sorted = calloc(req->nquery, sizeof(*sorted));
    if (sorted == NULL) {
        return TG_ENOMEM;
    }
    for (i = 0; i < req->nquery; i++) {
        sorted[i] = &req->query[i];
    }
    qsort(sorted, req->nquery, sizeof(*sorted), tg_hw_pair_cmp);

    for (i = 0; i < req->nquery && rc == TG_OK; i++) {
        if (i > 0) {
            rc = tg_buf_append(out, "&", 1);
        }
        if (rc == TG_OK) {
            rc = tg_percent_encode(out, sorted[i]->name);
        }
        if (rc == TG_OK
            && (sorted[i]->value.len > 0
                || req->empty_form == TG_HW_EMPTY_EQUALS))
        {
            rc = tg_buf_append(out, "=", 1);
        }
        if (rc == TG_OK) {
            rc = tg_percent_encode(out, sorted[i]->value);
        }
    }

    free(sorted);
    return rc;
}


int
tg_hw_canonical_request(const tg_hw_request_t *req, tg_buf_t *out)
{
    size_t start = out->len;
    int    rc;

    rc = tg_buf_append(out, req->method.ptr, req->method.len);
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_hw_canonical_uri(req->path, out);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_hw_canonical_query(req, out);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }

    if (rc == TG_OK) {
        /* In the SignedHeaders list's order: a verifier that re-sorted
         * would accept a list its client did not sign. */
        rc = tg_canon_headers(req->headers, req->nheaders, 0, out);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, req->payload_hash.ptr, req->payload_hash.len);
    }

    if (rc != TG_OK) {
        tg_buf_truncate(out, start);
    }
    return rc;
}


int
tg_hw_string_to_sign(tg_str_t date, tg_str_t canonical, tg_buf_t *out)
{
    char hex[TG_SHA256_HEX_LEN + 1];

    if (tg_sha256_hex(canonical, hex) != TG_OK) {
        return TG_EINTERNAL;
    }

    return tg_buf_printf(out, TG_HW_ALGORITHM "\n%.*s\n%s", (int) date.len,
                         date.len > 0 ? date.ptr : "", hex);
}


int
tg_hw_sign(tg_str_t secret, tg_str_t sts, char out[TG_HW_SIGNATURE_LEN + 1])
{
    return tg_hmac_sha256_hex(secret, sts, out);
}


int
tg_hw_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature)
{
    char expected[TG_HW_SIGNATURE_LEN + 1];
    int  rc, match;

    rc = tg_hw_sign(secret, sts, expected);
    if (rc != TG_OK) {
        return rc;
    }

    /* constant time comparison, hex in any case */
    match =
        tg_hex_equal_ct((tg_str_t){ expected, TG_HW_SIGNATURE_LEN }, signature);

    tg_wipe(expected, sizeof(expected));
    return match ? TG_OK : TG_EUNAUTHENTICATED;
}


/*
 * Decodes the field of query starting at *i (up to the next '&') into
 * *pair, writing the bytes at *out and advancing both.
 */
static void
tg_hw_query_field(tg_str_t query, size_t *i, char **out, tg_hw_pair_t *pair)
{
    tg_str_t *part = &pair->name;
    int       c;

    pair->name = (tg_str_t){ *out, 0 };
    pair->value = (tg_str_t){ *out, 0 };

    while (*i < query.len && query.ptr[*i] != '&') {
        if (query.ptr[*i] == '=' && part == &pair->name) {
            part = &pair->value;
            part->ptr = *out;
            (*i)++;
            continue;
        }
        c = tg_form_decode_byte(query, i);
        if (c < 0) {
            c = '%';
            (*i)++;
        }
        *(*out)++ = (char) c;
        part->len++;
    }
}


int
tg_hw_query_parse(tg_str_t query, char *out, size_t cap, tg_hw_pair_t *pairs,
                  size_t max, size_t *n, int *empty)
{
    size_t i = 0, j;

    *n = 0;
    *empty = 0;
    if (cap < query.len) {
        return TG_ENOSPC;
    }

    while (i < query.len) {
        if (query.ptr[i] == '&') {
            i++;
            continue;
        }
        if (*n == max) {
            return TG_ETOO_LARGE;
        }

        tg_hw_query_field(query, &i, &out, &pairs[*n]);

        *empty |= pairs[*n].value.len == 0;
        for (j = 0; j < *n; j++) {
            if (tg_str_eq(pairs[j].name, pairs[*n].name)) {
                return TG_EINVALID;
            }
        }
        (*n)++;
    }

    return TG_OK;
}


int
tg_hw_path_decode(tg_str_t path, char *out, size_t cap, size_t *len)
{
    size_t i = 0;
    int    c;

    *len = 0;
    if (cap < path.len) {
        return TG_ENOSPC;
    }

    while (i < path.len) {
        if (path.ptr[i] == '%') {
            c = tg_form_decode_byte(path, &i);
            if (c < 0) {
                c = '%';
                i++;
            }
        } else {
            c = (unsigned char) path.ptr[i++];
        }
        out[(*len)++] = (char) c;
    }

    return TG_OK;
}
