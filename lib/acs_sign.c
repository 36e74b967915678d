/*
 * Alibaba Cloud's management-API signatures: v1.0 (HMAC-SHA1) and V3
 * (ACS3-HMAC-SHA256).  See acs_sign.h; reference/alibaba.md section 3
 * has the algorithms and the published vectors the unit tests check.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/acs_sign.h"
#include "tollgate/crypto.h"
#include "tollgate/error.h"


/* An encoded name and value, pointing into one buffer. */
typedef struct {
    tg_str_t name;
    tg_str_t value;
} tg_acs_pair_t;


static int
tg_acs_str_cmp(tg_str_t a, tg_str_t b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int    c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;

    if (c != 0) {
        return c;
    }
    return a.len < b.len ? -1 : a.len > b.len;
}


static int
tg_acs_pair_cmp(const void *a, const void *b)
{
    const tg_acs_pair_t *x = a, *y = b;
    int                  c = tg_acs_str_cmp(x->name, y->name);

    return c != 0 ? c : tg_acs_str_cmp(x->value, y->value);
}


/*
 * Appends the canonical query of params (all but skip, if given):
 * "enc(k)=enc(v)" sorted by encoded name and value, joined by '&'.
 */
static int
tg_acs_canonical_query(const tg_acs_param_t *params, size_t n, tg_str_t skip,
                       tg_buf_t *out)
{
    tg_buf_t       text = TG_BUF_INIT;
    tg_acs_pair_t *pairs = NULL;
    size_t        *offsets = NULL, i, m = 0;
    int            rc = TG_OK;

    if (n > 0) {
        pairs = calloc(n, sizeof(tg_acs_pair_t));
        offsets = calloc(n * 3, sizeof(size_t));
        if (pairs == NULL || offsets == NULL) {
            rc = TG_ENOMEM;
            goto cleanup;
        }
    }

    /* Encode everything into one buffer first; point into it after, as
     * the buffer may move while it grows. */

    for (i = 0; i < n && rc == TG_OK; i++) {
        if (skip.ptr != NULL && tg_str_eq(params[i].name, skip)) {
            continue;
        }
        offsets[3 * m] = text.len;
        rc = tg_percent_encode(&text, params[i].name);
        offsets[3 * m + 1] = text.len;
        if (rc == TG_OK) {
            rc = tg_percent_encode(&text, params[i].value);
        }
        offsets[3 * m + 2] = text.len;
        m++;
    }
    if (rc != TG_OK) {
        goto cleanup;
    }

    for (i = 0; i < m; i++) {
        pairs[i].name = (tg_str_t){ text.ptr + offsets[3 * i],
                                    offsets[3 * i + 1] - offsets[3 * i] };
        pairs[i].value = (tg_str_t){ text.ptr + offsets[3 * i + 1],
                                     offsets[3 * i + 2] - offsets[3 * i + 1] };
    }

    if (m > 1) {
        qsort(pairs, m, sizeof(tg_acs_pair_t), tg_acs_pair_cmp);
    }

    for (i = 0; i < m && rc == TG_OK; i++) {
        if (i > 0) {
            rc = tg_buf_append(out, "&", 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, pairs[i].name.ptr, pairs[i].name.len);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, "=", 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, pairs[i].value.ptr, pairs[i].value.len);
        }
    }

cleanup:

    tg_buf_wipe(&text);
    free(pairs);
    free(offsets);
    return rc;
}


int
tg_acs_v1_string_to_sign(tg_str_t method, const tg_acs_param_t *params,
                         size_t n, tg_buf_t *out)
{
    tg_buf_t query = TG_BUF_INIT;
    int      rc;

    rc = tg_acs_canonical_query(params, n, TG_STR("Signature"), &query);
    if (rc == TG_OK) {
        rc = tg_buf_append(out, method.ptr, method.len);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append_c(out, "&%2F&");
    }
    if (rc == TG_OK) {
        rc = tg_percent_encode(out, tg_buf_str(&query));
    }

    tg_buf_wipe(&query);
    return rc;
}


int
tg_acs_v1_sign(tg_str_t secret, tg_str_t sts,
               char out[TG_ACS_V1_SIGNATURE_LEN + 1])
{
    uint8_t  mac[TG_SHA1_LEN];
    tg_buf_t key = TG_BUF_INIT;
    int      rc;

    rc = tg_buf_append(&key, secret.ptr, secret.len);
    if (rc == TG_OK) {
        rc = tg_buf_append(&key, "&", 1);
    }
    if (rc == TG_OK) {
        rc = tg_hmac_sha1(tg_buf_str(&key), sts, mac);
    }
    if (rc == TG_OK) {
        tg_base64_encode(mac, sizeof(mac), out);
    }

    tg_buf_wipe(&key);
    tg_wipe(mac, sizeof(mac));
    return rc;
}


int
tg_acs_v1_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature)
{
    char expected[TG_ACS_V1_SIGNATURE_LEN + 1];
    int  rc, match;

    rc = tg_acs_v1_sign(secret, sts, expected);
    if (rc != TG_OK) {
        return rc;
    }

    /* constant time comparison */
    match = tg_equal_ct(expected, TG_ACS_V1_SIGNATURE_LEN, signature.ptr,
                        signature.len);
    tg_wipe(expected, sizeof(expected));
    return match ? TG_OK : TG_EUNAUTHENTICATED;
}


/* Sets *part to the value of "name=value" if s starts with name=. */
static int
tg_acs_auth_part(tg_str_t s, const char *name, tg_str_t *part)
{
    size_t n = strlen(name);

    if (s.len <= n || memcmp(s.ptr, name, n) != 0 || s.ptr[n] != '=') {
        return 0;
    }
    if (part->ptr != NULL) {
        part->len = 0; /* repeated: an empty part fails below */
        return 1;
    }
    *part = (tg_str_t){ s.ptr + n + 1, s.len - n - 1 };
    return 1;
}


int
tg_acs_v3_auth_parse(tg_str_t header, tg_acs_v3_auth_t *out)
{
    static const tg_str_t algorithm = TG_STR(TG_ACS_V3_ALGORITHM " ");
    tg_str_t              rest, item;
    const char           *comma;

    memset(out, 0, sizeof(*out));

    if (!tg_str_has_prefix(header, algorithm)) {
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

        if (!tg_acs_auth_part(item, "Credential", &out->credential)
            && !tg_acs_auth_part(item, "SignedHeaders", &out->signed_headers)
            && !tg_acs_auth_part(item, "Signature", &out->signature))
        {
            return TG_EINVALID;
        }
    }

    return out->credential.len > 0 && out->signed_headers.len > 0
                   && out->signature.len > 0
               ? TG_OK
               : TG_EINVALID;
}


/* RFC 9110's tchar: the bytes a header name is made of. */
static int
tg_acs_is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9')
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}


int
tg_acs_v3_signed_headers_parse(
    tg_str_t list,
    char names[TG_ACS_V3_HEADERS_MAX][TG_ACS_V3_HEADER_NAME_MAX + 1], size_t *n)
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

        if (len == 0 || len > TG_ACS_V3_HEADER_NAME_MAX
            || *n == TG_ACS_V3_HEADERS_MAX) {
            return TG_EINVALID;
        }

        for (i = 0; i < len; i++) {
            if (!tg_acs_is_tchar((unsigned char) p[i])) {
                return TG_EINVALID;
            }
            names[*n][i] = (char) tolower((unsigned char) p[i]);
        }
        names[*n][len] = '\0';
        (*n)++;

        if (semi == NULL) {
            return TG_OK;
        }
        p = semi + 1;
    }
}


static int
tg_acs_signed(const tg_acs_param_t *headers, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (tg_str_eq_c(headers[i].name, name)) {
            return 1;
        }
    }
    return 0;
}


const char *
tg_acs_v3_unsigned_header(const tg_acs_param_t *headers, size_t n,
                          tg_acs_header_sent_pt sent, void *data)
{
    static const char *const always[] = { "x-acs-date",
                                          "x-acs-signature-nonce" };
    static const char *const if_sent[] = { "x-acs-action", "x-acs-version",
                                           "x-acs-content-sha256" };
    size_t                   i;

    for (i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
        if (!tg_acs_signed(headers, n, always[i])) {
            return always[i];
        }
    }

    for (i = 0; i < sizeof(if_sent) / sizeof(if_sent[0]); i++) {
        if (sent(data, if_sent[i]) && !tg_acs_signed(headers, n, if_sent[i])) {
            return if_sent[i];
        }
    }

    return NULL;
}


/* Appends a path with each byte but '/' percent-encoded. */
static int
tg_acs_canonical_path(tg_str_t path, tg_buf_t *out)
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
tg_acs_header_cmp(const void *a, const void *b)
{
    return tg_acs_pair_cmp(a, b);
}


/* Appends "name:value\n" per header, then "\n" and "a;b;c". */
static int
tg_acs_canonical_headers(const tg_acs_param_t *headers, size_t n, tg_buf_t *out)
{
    tg_acs_pair_t *sorted = NULL;
    char          *lower = NULL;
    size_t         i, j, total = 0, pos = 0;
    int            rc = TG_OK;

    for (i = 0; i < n; i++) {
        total += headers[i].name.len;
    }

    if (n > 0) {
        sorted = calloc(n, sizeof(tg_acs_pair_t));
        lower = malloc(total + 1);
        if (sorted == NULL || lower == NULL) {
            free(sorted);
            free(lower);
            return TG_ENOMEM;
        }
    }

    for (i = 0; i < n; i++) {
        for (j = 0; j < headers[i].name.len; j++) {
            lower[pos + j] =
                (char) tolower((unsigned char) headers[i].name.ptr[j]);
        }
        sorted[i].name = (tg_str_t){ lower + pos, headers[i].name.len };
        sorted[i].value = tg_str_trim(headers[i].value);
        pos += headers[i].name.len;
    }

    if (n > 1) {
        qsort(sorted, n, sizeof(tg_acs_pair_t), tg_acs_header_cmp);
    }

    for (i = 0; i < n && rc == TG_OK; i++) {
        rc = tg_buf_append(out, sorted[i].name.ptr, sorted[i].name.len);
        if (rc == TG_OK) {
            rc = tg_buf_append(out, ":", 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(
                out, sorted[i].value.ptr != NULL ? sorted[i].value.ptr : "",
                sorted[i].value.len);
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
            rc = tg_buf_append(out, sorted[i].name.ptr, sorted[i].name.len);
        }
    }

    free(sorted);
    free(lower);
    return rc;
}


int
tg_acs_v3_canonical_request(const tg_acs_v3_request_t *req, tg_buf_t *out)
{
    int rc;

    rc = tg_buf_append(out, req->method.ptr, req->method.len);
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_acs_canonical_path(req->path, out);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_acs_canonical_query(req->query, req->nquery, TG_STR_NULL, out);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_acs_canonical_headers(req->headers, req->nheaders, out);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(
            out, req->payload_hash.ptr != NULL ? req->payload_hash.ptr : "",
            req->payload_hash.len);
    }

    return rc;
}


int
tg_acs_v3_string_to_sign(tg_str_t canonical, tg_buf_t *out)
{
    uint8_t digest[TG_SHA256_LEN];
    char    hex[2 * TG_SHA256_LEN + 1];
    int     rc;

    rc = tg_sha256(canonical, digest);
    if (rc == TG_OK) {
        tg_hex_encode(digest, sizeof(digest), hex);
        rc = tg_buf_append_c(out, TG_ACS_V3_ALGORITHM "\n");
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, hex, 2 * TG_SHA256_LEN);
    }

    return rc;
}


int
tg_acs_v3_sign(tg_str_t secret, tg_str_t sts,
               char out[TG_ACS_V3_SIGNATURE_LEN + 1])
{
    uint8_t mac[TG_SHA256_LEN];
    int     rc;

    rc = tg_hmac_sha256(secret, sts, mac);
    if (rc == TG_OK) {
        tg_hex_encode(mac, sizeof(mac), out);
    }

    tg_wipe(mac, sizeof(mac));
    return rc;
}


int
tg_acs_v3_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature)
{
    char   expected[TG_ACS_V3_SIGNATURE_LEN + 1];
    char   given[TG_ACS_V3_SIGNATURE_LEN];
    size_t i;
    int    rc, match;

    rc = tg_acs_v3_sign(secret, sts, expected);
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
    match =
        signature.len == TG_ACS_V3_SIGNATURE_LEN
        && tg_equal_ct(expected, TG_ACS_V3_SIGNATURE_LEN, given, sizeof(given));
    tg_wipe(expected, sizeof(expected));
    return match ? TG_OK : TG_EUNAUTHENTICATED;
}
