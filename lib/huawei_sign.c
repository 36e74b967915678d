/*
 * Huawei Cloud's SDK-HMAC-SHA256 signature.  See huawei_sign.h;
 * reference/huawei_tencent_authing.md A.5 and A.6 have the algorithm and
 * the vectors the unit tests check.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/huawei_sign.h"
#include "tollgate/time.h"


static int
tg_hw_is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9')
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}


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
    const char *p = list.ptr, *end = list.ptr + list.len, *semi;
    size_t      len, i;

    *n = 0;

    if (list.len == 0) {
        return TG_EINVALID;
    }

    for (;;) {
        semi = memchr(p, ';', (size_t) (end - p));
        len = (size_t) ((semi != NULL ? semi : end) - p);

        if (len == 0 || len > TG_HW_HEADER_NAME_MAX || *n == TG_HW_HEADERS_MAX)
        {
            return TG_EINVALID;
        }

        for (i = 0; i < len; i++) {
            if (!tg_hw_is_tchar((unsigned char) p[i])) {
                return TG_EINVALID;
            }
            names[*n][i] = (char) tolower((unsigned char) p[i]);
        }
        names[*n][len] = '\0';

        if (tg_hw_signed(names, *n, names[*n])) {
            return TG_EINVALID;
        }
        (*n)++;

        if (semi == NULL) {
            return TG_OK;
        }
        p = semi + 1;
    }
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
tg_hw_str_cmp(tg_str_t a, tg_str_t b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int    c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;

    if (c != 0) {
        return c;
    }
    return a.len < b.len ? -1 : a.len > b.len;
}


static int
tg_hw_pair_cmp(const void *a, const void *b)
{
    const tg_hw_pair_t *const *x = a, *const *y = b;
    int                        c = tg_hw_str_cmp((*x)->name, (*y)->name);

    return c != 0 ? c : tg_hw_str_cmp((*x)->value, (*y)->value);
}


/* The path's segments, encoded, with a trailing '/'. */
static int
tg_hw_canonical_uri(tg_str_t path, tg_buf_t *out)
{
    const char *p = path.ptr, *end = path.ptr + path.len, *slash;
    int         rc = TG_OK;

    while (p < end && rc == TG_OK) {
        slash = memchr(p, '/', (size_t) (end - p));
        if (slash == NULL) {
            slash = end;
        }
        rc = tg_percent_encode(out, (tg_str_t){ p, (size_t) (slash - p) });
        if (rc == TG_OK && slash < end) {
            rc = tg_buf_append(out, "/", 1);
        }
        p = slash + 1;
    }

    if (rc == TG_OK && (out->len == 0 || out->ptr[out->len - 1] != '/')) {
        rc = tg_buf_append(out, "/", 1);
    }

    return rc;
}


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
    size_t start = out->len, i;
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

    for (i = 0; i < req->nheaders && rc == TG_OK; i++) {
        tg_str_t value = tg_str_trim(req->headers[i].value);

        rc = tg_buf_printf(out, "%.*s:%.*s\n", (int) req->headers[i].name.len,
                           req->headers[i].name.ptr, (int) value.len,
                           value.len > 0 ? value.ptr : "");
    }

    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    for (i = 0; i < req->nheaders && rc == TG_OK; i++) {
        if (i > 0) {
            rc = tg_buf_append(out, ";", 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, req->headers[i].name.ptr,
                               req->headers[i].name.len);
        }
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, req->payload_hash.ptr, req->payload_hash.len);
    }

    if (rc != TG_OK) {
        out->len = start;
        if (out->ptr != NULL) {
            out->ptr[start] = '\0';
        }
    }
    return rc;
}


int
tg_hw_string_to_sign(tg_str_t date, tg_str_t canonical, tg_buf_t *out)
{
    uint8_t digest[TG_SHA256_LEN];
    char    hex[2 * TG_SHA256_LEN + 1];

    if (tg_sha256(canonical, digest) != TG_OK) {
        return TG_EINTERNAL;
    }
    tg_hex_encode(digest, sizeof(digest), hex);

    return tg_buf_printf(out, TG_HW_ALGORITHM "\n%.*s\n%s", (int) date.len,
                         date.len > 0 ? date.ptr : "", hex);
}


int
tg_hw_sign(tg_str_t secret, tg_str_t sts, char out[TG_HW_SIGNATURE_LEN + 1])
{
    uint8_t mac[TG_SHA256_LEN];
    int     rc;

    out[0] = '\0';

    rc = tg_hmac_sha256(secret, sts, mac);
    if (rc == TG_OK) {
        tg_hex_encode(mac, sizeof(mac), out);
    }

    tg_wipe(mac, sizeof(mac));
    return rc == TG_OK ? TG_OK : TG_EINTERNAL;
}


int
tg_hw_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature)
{
    char   expected[TG_HW_SIGNATURE_LEN + 1];
    char   given[TG_HW_SIGNATURE_LEN];
    size_t i;
    int    rc, match;

    rc = tg_hw_sign(secret, sts, expected);
    if (rc != TG_OK) {
        return rc;
    }

    /* Hex compares without case; a wrong length never matches. */

    for (i = 0; i < sizeof(given); i++) {
        given[i] = i < signature.len
                       ? (char) tolower((unsigned char) signature.ptr[i])
                       : '\0';
    }

    /* constant time comparison */
    match = signature.len == TG_HW_SIGNATURE_LEN
            && tg_equal_ct(expected, TG_HW_SIGNATURE_LEN, given, sizeof(given));

    tg_wipe(expected, sizeof(expected));
    return match ? TG_OK : TG_EUNAUTHENTICATED;
}
