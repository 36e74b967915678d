/*
 * Authing's and GenAuth's management-API signature.  See authing_sign.h;
 * the reference's Part C.2 has the algorithm and the vector the unit
 * tests check, and the end-to-end tests check it against the SDK itself.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tollgate/authing_sign.h"
#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/time.h"
#include "tollgate/utf8.h"


typedef struct {
    const char *scheme; /* "authing " */
    const char *prefix; /* "x-authing-" */
} tg_authing_variant_spec_t;

static const tg_authing_variant_spec_t tg_authing_variants[] = {
    [TG_AUTHING_VARIANT_AUTHING] = { "authing ", "x-authing-" },
    [TG_AUTHING_VARIANT_GENAUTH] = { "GenAuth ", "x-genauth-" },
};


/* A character allowed in the id or the signature of the header. */
static int
tg_authing_auth_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != ':';
}


int
tg_authing_auth_parse(tg_str_t header, tg_authing_auth_t *out)
{
    const tg_authing_variant_spec_t *spec = NULL;
    size_t                           i, n, colon = SIZE_MAX;

    for (i = 0; i < sizeof(tg_authing_variants) / sizeof(*spec); i++) {
        n = strlen(tg_authing_variants[i].scheme);
        if (header.len > n
            && memcmp(header.ptr, tg_authing_variants[i].scheme, n) == 0) {
            spec = &tg_authing_variants[i];
            out->variant = (tg_authing_variant_t) i;
            header.ptr += n;
            header.len -= n;
            break;
        }
    }
    if (spec == NULL) {
        return TG_EINVALID;
    }

    for (i = 0; i < header.len; i++) {
        if (header.ptr[i] == ':' && colon == SIZE_MAX) {
            colon = i;
        } else if (!tg_authing_auth_char((unsigned char) header.ptr[i])) {
            return TG_EINVALID;
        }
    }
    if (colon == SIZE_MAX || colon == 0 || colon + 1 == header.len) {
        return TG_EINVALID;
    }

    out->key_id = (tg_str_t){ header.ptr, colon };
    out->signature =
        (tg_str_t){ header.ptr + colon + 1, header.len - colon - 1 };
    return TG_OK;
}


int
tg_authing_header_signed(tg_authing_variant_t variant, tg_str_t name)
{
    const char *prefix = tg_authing_variants[variant].prefix;
    size_t      n = strlen(prefix);

    if (name.len == 4 && strncasecmp(name.ptr, "date", 4) == 0) {
        return 1;
    }
    return name.len > n && strncasecmp(name.ptr, prefix, n) == 0;
}


/*
 * The next UTF-16 code unit of s from *pos; *low holds the low surrogate
 * still to give of the last code point, or 0.
 */
static uint32_t
tg_authing_unit(tg_str_t s, size_t *pos, uint32_t *low)
{
    int32_t  cp;
    uint32_t u;

    if (*low != 0) {
        u = *low;
        *low = 0;
        return u;
    }

    cp = tg_utf8_next(s, pos);
    if (cp < 0) {
        return (unsigned char) s.ptr[(*pos)++];
    }
    if (cp < 0x10000) {
        return (uint32_t) cp;
    }

    cp -= 0x10000;
    *low = 0xdc00 + ((uint32_t) cp & 0x3ff);
    return 0xd800 + ((uint32_t) cp >> 10);
}


int
tg_authing_compare(tg_str_t a, tg_str_t b)
{
    size_t   i = 0, j = 0;
    uint32_t la = 0, lb = 0, ua, ub;

    while ((i < a.len || la != 0) && (j < b.len || lb != 0)) {
        ua = tg_authing_unit(a, &i, &la);
        ub = tg_authing_unit(b, &j, &lb);
        if (ua != ub) {
            return ua < ub ? -1 : 1;
        }
    }

    if (i < a.len || la != 0) {
        return 1;
    }
    return j < b.len || lb != 0 ? -1 : 0;
}


static int
tg_authing_item_cmp(const void *x, const void *y)
{
    const tg_authing_item_t *a = x, *b = y;

    return tg_authing_compare(a->name, b->name);
}


/* Orders header names as their lowercase forms sort. */
static int
tg_authing_item_cmp_nocase(const void *x, const void *y)
{
    const tg_authing_item_t *a = x, *b = y;
    size_t i, n = a->name.len < b->name.len ? a->name.len : b->name.len;
    int    ca, cb;

    for (i = 0; i < n; i++) {
        ca = tolower((unsigned char) a->name.ptr[i]);
        cb = tolower((unsigned char) b->name.ptr[i]);
        if (ca != cb) {
            return ca - cb;
        }
    }
    return a->name.len < b->name.len ? -1 : a->name.len > b->name.len;
}


/* Appends a header value with \t \n \r \f as spaces, trimmed as
 * JavaScript's String.prototype.trim() trims ASCII whitespace. */
static int
tg_authing_append_value(tg_buf_t *out, tg_str_t v)
{
    size_t i, start = 0, end = v.len;
    char   c;
    int    rc = TG_OK;

    while (start < end && isspace((unsigned char) v.ptr[start])) {
        start++;
    }
    while (end > start && isspace((unsigned char) v.ptr[end - 1])) {
        end--;
    }

    for (i = start; i < end && rc == TG_OK; i++) {
        c = v.ptr[i];
        if (c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            c = ' ';
        }
        rc = tg_buf_append(out, &c, 1);
    }

    return rc;
}


/* Appends the signed headers, sorted, each "name:value\n". */
static int
tg_authing_append_headers(const tg_authing_request_t *req, tg_buf_t *out)
{
    tg_authing_item_t signed_[TG_AUTHING_ITEMS_MAX];
    size_t            i, k, n = 0;
    int               rc = TG_OK;

    for (i = 0; i < req->nheaders; i++) {
        if (!tg_authing_header_signed(req->variant, req->headers[i].name)) {
            continue;
        }
        if (n == TG_AUTHING_ITEMS_MAX) {
            return TG_EINVALID;
        }
        signed_[n++] = req->headers[i];
    }

    qsort(signed_, n, sizeof(tg_authing_item_t), tg_authing_item_cmp_nocase);

    for (i = 0; i < n && rc == TG_OK; i++) {
        if (i > 0 && tg_str_eq_nocase(signed_[i - 1].name, signed_[i].name)) {
            return TG_EINVALID;
        }
        for (k = 0; k < signed_[i].name.len && rc == TG_OK; k++) {
            char c = (char) tolower((unsigned char) signed_[i].name.ptr[k]);
            rc = tg_buf_append(out, &c, 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, ":", 1);
        }
        if (rc == TG_OK) {
            rc = tg_authing_append_value(out, signed_[i].value);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, "\n", 1);
        }
    }

    return rc;
}


/* Appends the path and the parameters, sorted, "?k=v&k=v". */
static int
tg_authing_append_resource(const tg_authing_request_t *req, tg_buf_t *out)
{
    tg_authing_item_t sorted[TG_AUTHING_ITEMS_MAX];
    size_t            i, n = req->nparams;
    int               rc;

    if (n > TG_AUTHING_ITEMS_MAX) {
        return TG_EINVALID;
    }
    if (n > 0) {
        memcpy(sorted, req->params, n * sizeof(tg_authing_item_t));
    }

    /* A stable order for equal names keeps the server deterministic;
     * the SDK's names are an object's keys, never repeated. */
    qsort(sorted, n, sizeof(tg_authing_item_t), tg_authing_item_cmp);

    rc = tg_buf_append(out, req->path.ptr, req->path.len);
    if (rc == TG_OK && (n > 0 || req->bare_query)) {
        rc = tg_buf_append(out, "?", 1);
    }

    for (i = 0; i < n && rc == TG_OK; i++) {
        if (i > 0) {
            rc = tg_buf_append(out, "&", 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, sorted[i].name.ptr, sorted[i].name.len);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, "=", 1);
        }
        if (rc == TG_OK) {
            rc = tg_buf_append(out, sorted[i].value.ptr, sorted[i].value.len);
        }
    }

    return rc;
}


int
tg_authing_string_to_sign(const tg_authing_request_t *req, tg_buf_t *out)
{
    size_t mark = out->len;
    int    rc;

    rc = tg_buf_append(out, req->method.ptr, req->method.len);
    if (rc == TG_OK) {
        rc = tg_buf_append(out, "\n", 1);
    }
    if (rc == TG_OK) {
        rc = tg_authing_append_headers(req, out);
    }
    if (rc == TG_OK) {
        rc = tg_authing_append_resource(req, out);
    }

    if (rc != TG_OK) {
        tg_buf_truncate(out, mark);
    }
    return rc;
}


int
tg_authing_sign(tg_str_t secret, tg_str_t sts,
                char out[TG_AUTHING_SIGNATURE_LEN + 1])
{
    return tg_hmac_sha1_base64(secret, sts, out);
}


int
tg_authing_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature)
{
    char expected[TG_AUTHING_SIGNATURE_LEN + 1];
    int  rc, match;

    rc = tg_authing_sign(secret, sts, expected);
    if (rc != TG_OK) {
        return rc;
    }

    /* constant time comparison */
    match = tg_equal_ct(expected, TG_AUTHING_SIGNATURE_LEN, signature.ptr,
                        signature.len);
    tg_wipe(expected, sizeof(expected));
    return match ? TG_OK : TG_EUNAUTHENTICATED;
}


/* The month's number (1-12) of its English abbreviation, or 0. */
static unsigned
tg_authing_month(const char *p)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    unsigned          m;

    for (m = 0; m < 12; m++) {
        if (memcmp(p, months + 3 * m, 3) == 0) {
            return m + 1;
        }
    }
    return 0;
}


int
tg_authing_date_parse(tg_str_t s, int64_t *ms)
{
    static const char days[] = "MonTueWedThuFriSatSun";
    char              rfc3339[21];
    unsigned          month, i;
    const char       *p = s.ptr;

    /* "Mon, 23 Nov 2026 04:00:00 GMT": 29 characters, fixed places. */
    if (s.len != 29 || p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' '
        || p[16] != ' ' || memcmp(p + 25, " GMT", 4) != 0)
    {
        return TG_EINVALID;
    }

    for (i = 0; i < 7 && memcmp(p, days + 3 * i, 3) != 0; i++) {
    }
    month = tg_authing_month(p + 8);
    if (i == 7 || month == 0) {
        return TG_EINVALID;
    }

    /* The rest (digits, ranges, the day of the month) is RFC 3339's. */
    memcpy(rfc3339, p + 12, 4);
    rfc3339[4] = '-';
    rfc3339[5] = (char) ('0' + month / 10);
    rfc3339[6] = (char) ('0' + month % 10);
    rfc3339[7] = '-';
    memcpy(rfc3339 + 8, p + 5, 2);
    rfc3339[10] = 'T';
    memcpy(rfc3339 + 11, p + 17, 8);
    rfc3339[19] = 'Z';
    rfc3339[20] = '\0';

    return tg_time_parse((tg_str_t){ rfc3339, 20 }, ms);
}
