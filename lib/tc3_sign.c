/*
 * Tencent Cloud's TC3-HMAC-SHA256 signature.  See tc3_sign.h;
 * reference/huawei_tencent_authing.md B.4 has the algorithm and the
 * published vector the unit tests check.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/tc3_sign.h"


/* Sets *out to the value of item "name=value"; 0 if item is not name.
 * A second occurrence of a part makes the value empty, which fails. */
static int
tg_tc3_auth_part(tg_str_t item, const char *name, tg_str_t *out, int *seen)
{
    size_t len = strlen(name);

    if (item.len <= len || memcmp(item.ptr, name, len) != 0
        || item.ptr[len] != '=') {
        return 0;
    }

    *out = *seen ? TG_STR_NULL
                 : (tg_str_t){ item.ptr + len + 1, item.len - len - 1 };
    *seen = 1;
    return 1;
}


static int
tg_tc3_is_date(tg_str_t s)
{
    size_t i;

    if (s.len != TG_TC3_DATE_LEN || s.ptr[4] != '-' || s.ptr[7] != '-') {
        return 0;
    }
    for (i = 0; i < s.len; i++) {
        if (i != 4 && i != 7 && !isdigit((unsigned char) s.ptr[i])) {
            return 0;
        }
    }
    return 1;
}


/* Splits "ID/DATE/SERVICE/tc3_request" into out. */
static int
tg_tc3_scope_parse(tg_str_t credential, tg_tc3_auth_t *out)
{
    tg_str_t    parts[4];
    const char *p = credential.ptr, *end = p + credential.len, *slash;
    size_t      n = 0;

    while (n < 4) {
        slash = memchr(p, '/', (size_t) (end - p));
        parts[n++] = (tg_str_t){ p, (size_t) ((slash ? slash : end) - p) };
        if (slash == NULL) {
            break;
        }
        p = slash + 1;
    }

    if (n != 4 || parts[3].ptr + parts[3].len != end || parts[0].len == 0
        || parts[2].len == 0 || parts[2].len > TG_TC3_SERVICE_MAX
        || !tg_tc3_is_date(parts[1])
        || !tg_str_eq_c(parts[3], TG_TC3_TERMINATOR))
    {
        return TG_EINVALID;
    }

    out->key_id = parts[0];
    out->date = parts[1];
    out->service = parts[2];
    return TG_OK;
}


int
tg_tc3_auth_parse(tg_str_t header, tg_tc3_auth_t *out)
{
    static const tg_str_t algorithm = TG_STR(TG_TC3_ALGORITHM " ");
    tg_str_t              rest, item, credential = TG_STR_NULL;
    const char           *comma;
    int                   seen[3] = { 0, 0, 0 };

    memset(out, 0, sizeof(*out));

    if (header.ptr == NULL || !tg_str_has_prefix(header, algorithm)) {
        return TG_EINVALID;
    }

    rest = (tg_str_t){ header.ptr + algorithm.len, header.len - algorithm.len };

    while (rest.len > 0) {
        comma = memchr(rest.ptr, ',', rest.len);
        item = (tg_str_t){ rest.ptr, comma != NULL ? (size_t) (comma - rest.ptr)
                                                   : rest.len };
        rest = comma != NULL ? (tg_str_t){ comma + 1, rest.len - item.len - 1 }
                             : (tg_str_t){ rest.ptr + rest.len, 0 };
        item = tg_str_trim(item);

        if (!tg_tc3_auth_part(item, "Credential", &credential, &seen[0])
            && !tg_tc3_auth_part(item, "SignedHeaders", &out->signed_headers,
                                 &seen[1])
            && !tg_tc3_auth_part(item, "Signature", &out->signature, &seen[2]))
        {
            return TG_EINVALID;
        }
    }

    if (credential.len == 0 || out->signed_headers.len == 0
        || out->signature.len == 0)
    {
        return TG_EINVALID;
    }

    return tg_tc3_scope_parse(credential, out);
}


/* RFC 9110's tchar: the bytes a header name is made of. */
static int
tg_tc3_is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9')
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}


int
tg_tc3_signed_headers_parse(
    tg_str_t list, char names[TG_TC3_HEADERS_MAX][TG_TC3_HEADER_NAME_MAX + 1],
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

        if (len == 0 || len > TG_TC3_HEADER_NAME_MAX
            || *n == TG_TC3_HEADERS_MAX) {
            return TG_EINVALID;
        }

        for (i = 0; i < len; i++) {
            if (!tg_tc3_is_tchar((unsigned char) p[i])) {
                return TG_EINVALID;
            }
            names[*n][i] = (char) tolower((unsigned char) p[i]);
        }
        names[*n][len] = '\0';

        for (i = 0; i < *n; i++) {
            if (strcmp(names[i], names[*n]) == 0) {
                return TG_EINVALID;
            }
        }
        (*n)++;

        if (semi == NULL) {
            return TG_OK;
        }
        p = semi + 1;
    }
}


int
tg_tc3_date(int64_t seconds, char out[TG_TC3_DATE_LEN + 1])
{
    struct tm tm;
    time_t    t = (time_t) seconds;

    /* 253402300799 is 9999-12-31T23:59:59Z. */
    if (seconds < 0 || seconds > INT64_C(253402300799)
        || gmtime_r(&t, &tm) == NULL
        || strftime(out, TG_TC3_DATE_LEN + 1, "%Y-%m-%d", &tm)
               != TG_TC3_DATE_LEN)
    {
        return TG_EINVALID;
    }

    return TG_OK;
}


static int
tg_tc3_header_cmp(const void *a, const void *b)
{
    const tg_tc3_header_t *x = a, *y = b;
    size_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
    int    c = n > 0 ? memcmp(x->name.ptr, y->name.ptr, n) : 0;

    if (c != 0) {
        return c;
    }
    return x->name.len < y->name.len ? -1 : x->name.len > y->name.len;
}


static int
tg_tc3_append_lower(tg_buf_t *out, tg_str_t s)
{
    size_t i;
    int    rc = tg_buf_reserve(out, s.len);

    for (i = 0; i < s.len && rc == TG_OK; i++) {
        out->ptr[out->len++] = (char) tolower((unsigned char) s.ptr[i]);
    }
    if (rc == TG_OK) {
        out->ptr[out->len] = '\0';
    }
    return rc;
}


/* Appends "name:value\n" per header, then "\n" and "a;b;c". */
static int
tg_tc3_canonical_headers(const tg_tc3_header_t *headers, size_t n,
                         int lower_values, tg_buf_t *out)
{
    tg_tc3_header_t *sorted = NULL;
    tg_str_t         value;
    size_t           i;
    int              rc = TG_OK;

    if (n > 0) {
        sorted = malloc(n * sizeof(*sorted));
        if (sorted == NULL) {
            return TG_ENOMEM;
        }
        memcpy(sorted, headers, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), tg_tc3_header_cmp);
    }

    for (i = 0; i < n && rc == TG_OK; i++) {
        value = tg_str_trim(sorted[i].value);
        rc = tg_tc3_append_lower(out, sorted[i].name);
        if (rc == TG_OK) {
            rc = tg_buf_append(out, ":", 1);
        }
        if (rc == TG_OK) {
            rc = lower_values ? tg_tc3_append_lower(out, value)
                              : tg_buf_append(out, value.ptr, value.len);
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
            rc = tg_tc3_append_lower(out, sorted[i].name);
        }
    }

    free(sorted);
    return rc;
}


/* Appends hex(SHA-256(s)). */
static int
tg_tc3_append_hash(tg_buf_t *out, tg_str_t s)
{
    uint8_t digest[TG_SHA256_LEN];
    char    hex[2 * TG_SHA256_LEN + 1];

    if (tg_sha256(s, digest) != TG_OK) {
        return TG_EINTERNAL;
    }
    tg_hex_encode(digest, sizeof(digest), hex);
    return tg_buf_append(out, hex, 2 * TG_SHA256_LEN);
}


int
tg_tc3_canonical_request(const tg_tc3_request_t *req, int lower_values,
                         tg_buf_t *out)
{
    int rc;

    rc = tg_buf_printf(out, TG_STR_FMT "\n" TG_STR_FMT "\n" TG_STR_FMT "\n",
                       TG_STR_ARG(req->method), TG_STR_ARG(req->path),
                       TG_STR_ARG(req->query));
    if (rc == TG_OK) {
        rc = tg_tc3_canonical_headers(req->headers, req->nheaders, lower_values,
                                      out);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_tc3_append_hash(out, req->payload);
    }
    return rc;
}


int
tg_tc3_string_to_sign(tg_str_t timestamp, tg_str_t date, tg_str_t service,
                      tg_str_t canonical, tg_buf_t *out)
{
    int rc;

    rc = tg_buf_printf(
        out,
        TG_TC3_ALGORITHM "\n" TG_STR_FMT "\n" TG_STR_FMT "/" TG_STR_FMT
                         "/" TG_TC3_TERMINATOR "\n",
        TG_STR_ARG(timestamp), TG_STR_ARG(date), TG_STR_ARG(service));
    if (rc == TG_OK) {
        rc = tg_tc3_append_hash(out, canonical);
    }
    return rc;
}


int
tg_tc3_sign(tg_str_t secret, tg_str_t date, tg_str_t service, tg_str_t sts,
            char out[TG_TC3_SIGNATURE_LEN + 1])
{
    uint8_t  k1[TG_SHA256_LEN], k2[TG_SHA256_LEN], mac[TG_SHA256_LEN];
    tg_buf_t key = TG_BUF_INIT;
    int      rc;

    /* Each step's key and output are separate buffers. */

    rc = tg_buf_append(&key, "TC3", 3);
    if (rc == TG_OK && secret.len > 0) {
        rc = tg_buf_append(&key, secret.ptr, secret.len);
    }
    if (rc == TG_OK) {
        rc = tg_hmac_sha256(tg_buf_str(&key), date, k1);
    }
    if (rc == TG_OK) {
        rc = tg_hmac_sha256((tg_str_t){ (char *) k1, sizeof(k1) }, service, k2);
    }
    if (rc == TG_OK) {
        rc = tg_hmac_sha256((tg_str_t){ (char *) k2, sizeof(k2) },
                            TG_STR(TG_TC3_TERMINATOR), k1);
    }
    if (rc == TG_OK) {
        rc = tg_hmac_sha256((tg_str_t){ (char *) k1, sizeof(k1) }, sts, mac);
    }
    if (rc == TG_OK) {
        tg_hex_encode(mac, sizeof(mac), out);
    }

    tg_buf_wipe(&key);
    tg_wipe(k1, sizeof(k1));
    tg_wipe(k2, sizeof(k2));
    tg_wipe(mac, sizeof(mac));
    return rc;
}


int
tg_tc3_verify(tg_str_t secret, tg_str_t date, tg_str_t service, tg_str_t sts,
              tg_str_t signature)
{
    char   expected[TG_TC3_SIGNATURE_LEN + 1];
    char   given[TG_TC3_SIGNATURE_LEN];
    size_t i;
    int    rc;

    if (signature.len != TG_TC3_SIGNATURE_LEN) {
        return TG_EUNAUTHENTICATED;
    }

    rc = tg_tc3_sign(secret, date, service, sts, expected);
    if (rc != TG_OK) {
        return rc;
    }

    for (i = 0; i < TG_TC3_SIGNATURE_LEN; i++) {
        given[i] = (char) tolower((unsigned char) signature.ptr[i]);
    }

    /* constant time comparison */
    rc =
        tg_equal_ct(expected, TG_TC3_SIGNATURE_LEN, given, TG_TC3_SIGNATURE_LEN)
            ? TG_OK
            : TG_EUNAUTHENTICATED;

    tg_wipe(expected, sizeof(expected));
    return rc;
}
