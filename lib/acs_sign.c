/*
 * Alibaba Cloud's management-API signatures: v1.0 (HMAC-SHA1) and V3
 * (ACS3-HMAC-SHA256).  See acs_sign.h; reference/alibaba.md section 3
 * has the algorithms and the published vectors the unit tests check.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/acs_sign.h"
#include "tollgate/canon.h"
#include "tollgate/crypto.h"
#include "tollgate/error.h"


/* By encoded name, then encoded value. */
static int
tg_acs_pair_cmp(const void *a, const void *b)
{
    const tg_acs_param_t *x = a, *y = b;
    int                   c = tg_str_cmp(x->name, y->name);

    return c != 0 ? c : tg_str_cmp(x->value, y->value);
}


/*
 * Appends the canonical query of params (all but skip, if given):
 * "enc(k)=enc(v)" sorted by encoded name and value, joined by '&'.
 * Huawei's query (huawei_sign.c) looks alike but is another rule: it
 * sorts by the decoded bytes and may write an empty value bare.
 */
static int
tg_acs_canonical_query(const tg_acs_param_t *params, size_t n, tg_str_t skip,
                       tg_buf_t *out)
{
    tg_buf_t        text = TG_BUF_INIT;
    tg_acs_param_t *pairs = NULL;
    size_t         *offsets = NULL, i, m = 0;
    int             rc = TG_OK;

    if (n > 0) {
        pairs = calloc(n, sizeof(tg_acs_param_t));
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
        qsort(pairs, m, sizeof(tg_acs_param_t), tg_acs_pair_cmp);
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
    tg_buf_t key = TG_BUF_INIT;
    int      rc;

    rc = tg_buf_append(&key, secret.ptr, secret.len);
    if (rc == TG_OK) {
        rc = tg_buf_append(&key, "&", 1);
    }
    if (rc == TG_OK) {
        rc = tg_hmac_sha1_base64(tg_buf_str(&key), sts, out);
    }

    tg_buf_wipe(&key);
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


int
tg_acs_v3_auth_parse(tg_str_t header, tg_acs_v3_auth_t *out)
{
    static const tg_str_t    algorithm = TG_STR(TG_ACS_V3_ALGORITHM " ");
    static const char *const names[] = { "Credential", "SignedHeaders",
                                         "Signature" };
    tg_str_t                 values[3];

    memset(out, 0, sizeof(*out));

    if (!tg_str_has_prefix(header, algorithm)
        || tg_canon_auth_params((tg_str_t){ header.ptr + algorithm.len,
                                            header.len - algorithm.len },
                                names, values, 3)
               != TG_OK)
    {
        return TG_EINVALID;
    }

    out->credential = values[0];
    out->signed_headers = values[1];
    out->signature = values[2];
    return TG_OK;
}


int
tg_acs_v3_signed_headers_parse(
    tg_str_t list,
    char names[TG_ACS_V3_HEADERS_MAX][TG_ACS_V3_HEADER_NAME_MAX + 1], size_t *n)
{
    /* Alibaba's verifier does not refuse a name listed twice. */
    return tg_canon_header_names_parse(list, names, TG_ACS_V3_HEADERS_MAX, 0,
                                       n);
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


int
tg_acs_v3_canonical_request(const tg_acs_v3_request_t *req, tg_buf_t *out)
{
    int rc;

    rc = tg_buf_append(out, req->method.ptr, req->method.len);
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_canon_path(req->path, out);
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
        rc = tg_canon_headers(req->headers, req->nheaders, TG_CANON_SORT, out);
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
    char hex[TG_SHA256_HEX_LEN + 1];
    int  rc;

    rc = tg_sha256_hex(canonical, hex);
    if (rc == TG_OK) {
        rc = tg_buf_append_c(out, TG_ACS_V3_ALGORITHM "\n");
    }
    if (rc == TG_OK) {
        rc = tg_buf_append(out, hex, TG_SHA256_HEX_LEN);
    }

    return rc;
}


int
tg_acs_v3_sign(tg_str_t secret, tg_str_t sts,
               char out[TG_ACS_V3_SIGNATURE_LEN + 1])
{
    return tg_hmac_sha256_hex(secret, sts, out);
}


int
tg_acs_v3_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature)
{
    char expected[TG_ACS_V3_SIGNATURE_LEN + 1];
    int  rc, match;

    rc = tg_acs_v3_sign(secret, sts, expected);
    if (rc != TG_OK) {
        return rc;
    }

    /* constant time comparison, hex in any case */
    match = tg_hex_equal_ct((tg_str_t){ expected, TG_ACS_V3_SIGNATURE_LEN },
                            signature);
    tg_wipe(expected, sizeof(expected));
    return match ? TG_OK : TG_EUNAUTHENTICATED;
}
