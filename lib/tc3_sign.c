/*
 * Tencent Cloud's TC3-HMAC-SHA256 signature.  See tc3_sign.h;
 * reference/huawei_tencent_authing.md B.4 has the algorithm and the
 * published vector the unit tests check.
 */

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "tollgate/canon.h"
#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/tc3_sign.h"


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
    static const tg_str_t    algorithm = TG_STR(TG_TC3_ALGORITHM " ");
    static const char *const names[] = { "Credential", "SignedHeaders",
                                         "Signature" };
    tg_str_t                 values[3];

    memset(out, 0, sizeof(*out));

    if (header.ptr == NULL || !tg_str_has_prefix(header, algorithm)
        || tg_canon_auth_params((tg_str_t){ header.ptr + algorithm.len,
                                            header.len - algorithm.len },
                                names, values, 3)
               != TG_OK)
    {
        return TG_EINVALID;
    }

    out->signed_headers = values[1];
    out->signature = values[2];
    return tg_tc3_scope_parse(values[0], out);
}


int
tg_tc3_signed_headers_parse(
    tg_str_t list, char names[TG_TC3_HEADERS_MAX][TG_TC3_HEADER_NAME_MAX + 1],
    size_t *n)
{
    return tg_canon_header_names_parse(list, names, TG_TC3_HEADERS_MAX,
                                       TG_CANON_UNIQUE, n);
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


/* Appends hex(SHA-256(s)). */
static int
tg_tc3_append_hash(tg_buf_t *out, tg_str_t s)
{
    char hex[TG_SHA256_HEX_LEN + 1];

    if (tg_sha256_hex(s, hex) != TG_OK) {
        return TG_EINTERNAL;
    }
    return tg_buf_append(out, hex, TG_SHA256_HEX_LEN);
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
        rc = tg_canon_headers(
            req->headers, req->nheaders,
            TG_CANON_SORT | (lower_values ? TG_CANON_LOWER_VALUE : 0), out);
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
    uint8_t  k1[TG_SHA256_LEN], k2[TG_SHA256_LEN];
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
        rc =
            tg_hmac_sha256_hex((tg_str_t){ (char *) k1, sizeof(k1) }, sts, out);
    }

    tg_buf_wipe(&key);
    tg_wipe(k1, sizeof(k1));
    tg_wipe(k2, sizeof(k2));
    return rc;
}


int
tg_tc3_verify(tg_str_t secret, tg_str_t date, tg_str_t service, tg_str_t sts,
              tg_str_t signature)
{
    char expected[TG_TC3_SIGNATURE_LEN + 1];
    int  rc;

    if (signature.len != TG_TC3_SIGNATURE_LEN) {
        return TG_EUNAUTHENTICATED;
    }

    rc = tg_tc3_sign(secret, date, service, sts, expected);
    if (rc != TG_OK) {
        return rc;
    }

    /* constant time comparison, hex in any case */
    rc =
        tg_hex_equal_ct((tg_str_t){ expected, TG_TC3_SIGNATURE_LEN }, signature)
            ? TG_OK
            : TG_EUNAUTHENTICATED;

    tg_wipe(expected, sizeof(expected));
    return rc;
}
