/*
 * Tencent Cloud API Gateway's application authentication.  See
 * tencent_hmac.h; reference/huawei_tencent_authing.md B.5 has the
 * algorithm and the vectors the unit tests check.
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tollgate/error.h"
#include "tollgate/tencent_hmac.h"


int
tg_tchmac_detect(tg_str_t authorization)
{
    return authorization.len > 5
           && strncasecmp(authorization.ptr, "hmac ", 5) == 0;
}


int
tg_tchmac_is_form(tg_str_t content_type)
{
    static const tg_str_t form = TG_STR("application/x-www-form-urlencoded");

    return content_type.len >= form.len
           && strncasecmp(content_type.ptr, form.ptr, form.len) == 0;
}


/* Reads `name="value"` at *p; 0, or TG_EINVALID. */
static int
tg_tchmac_param(const char **p, const char *end, tg_str_t *name,
                tg_str_t *value)
{
    const char *s = *p, *eq, *close;

    eq = memchr(s, '=', (size_t) (end - s));
    if (eq == NULL || eq == s || eq + 1 >= end || eq[1] != '"') {
        return TG_EINVALID;
    }
    close = memchr(eq + 2, '"', (size_t) (end - eq - 2));
    if (close == NULL) {
        return TG_EINVALID;
    }

    *name = (tg_str_t){ s, (size_t) (eq - s) };
    *value = (tg_str_t){ eq + 2, (size_t) (close - eq - 2) };
    *p = close + 1;
    return TG_OK;
}


/* Stores value in *slot unless it was set already. */
static int
tg_tchmac_set(tg_str_t *slot, tg_str_t value)
{
    if (slot->ptr != NULL) {
        return TG_EINVALID;
    }
    *slot = value;
    return TG_OK;
}


int
tg_tchmac_auth_parse(tg_str_t header, tg_tchmac_auth_t *out)
{
    const char *p, *end;
    tg_str_t    name, value, *slot;

    memset(out, 0, sizeof(*out));

    if (!tg_tchmac_detect(header)) {
        return TG_EINVALID;
    }

    p = header.ptr + 5;
    end = header.ptr + header.len;

    for (;;) {
        while (p < end && *p == ' ') {
            p++;
        }
        if (p == end) {
            break;
        }
        if (tg_tchmac_param(&p, end, &name, &value) != TG_OK) {
            return TG_EINVALID;
        }

        if (tg_str_eq_c(name, "id")) {
            slot = &out->id;
        } else if (tg_str_eq_c(name, "algorithm")) {
            slot = &out->algorithm;
        } else if (tg_str_eq_c(name, "headers")) {
            slot = &out->headers;
        } else if (tg_str_eq_c(name, "signature")) {
            slot = &out->signature;
        } else {
            return TG_EINVALID;
        }
        if (tg_tchmac_set(slot, value) != TG_OK) {
            return TG_EINVALID;
        }

        while (p < end && *p == ' ') {
            p++;
        }
        if (p < end && *p != ',') {
            return TG_EINVALID;
        }
        if (p < end) {
            p++;
        }
    }

    if (out->id.len == 0 || out->signature.len == 0) {
        return TG_EMISSING;
    }
    return TG_OK;
}


int
tg_tchmac_algorithm_parse(tg_str_t name, tg_tchmac_alg_t *alg)
{
    static const char *const names[] = { "hmac-sha1", "hmac-sha256",
                                         "hmac-sha384", "hmac-sha512" };
    size_t                   i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (tg_str_eq_nocase(name, tg_str_c(names[i]))) {
            *alg = (tg_tchmac_alg_t) i;
            return TG_OK;
        }
    }
    return TG_EINVALID;
}


int
tg_tchmac_headers_parse(tg_str_t list, tg_str_t names[TG_TCHMAC_HEADERS_MAX],
                        size_t *n)
{
    const char *p = list.ptr, *end = p != NULL ? p + list.len : p, *start;
    size_t      i;

    *n = 0;

    while (p < end) {
        if (*p == ' ') {
            p++;
            continue;
        }
        start = p;
        while (p < end && *p != ' ') {
            if (!tg_is_tchar((unsigned char) *p)) {
                return TG_EINVALID;
            }
            p++;
        }
        if (*n == TG_TCHMAC_HEADERS_MAX) {
            return TG_EINVALID;
        }
        names[*n] = (tg_str_t){ start, (size_t) (p - start) };
        for (i = 0; i < *n; i++) {
            if (tg_str_eq_nocase(names[i], names[*n])) {
                return TG_EINVALID;
            }
        }
        (*n)++;
    }

    return TG_OK;
}


void
tg_tchmac_path(tg_str_t path, tg_str_t *stripped, const char **stage)
{
    static const struct {
        const char *prefix;
        const char *stage;
    } envs[] = { { "/release", "RELEASE" },
                 { "/prepub", "PRE" },
                 { "/test", "TEST" } };
    size_t i, len;

    *stripped = path.len > 0 ? path : TG_STR("/");
    *stage = NULL;

    for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
        len = strlen(envs[i].prefix);
        if (path.len >= len && memcmp(path.ptr, envs[i].prefix, len) == 0
            && (path.len == len || path.ptr[len] == '/'))
        {
            *stage = envs[i].stage;
            *stripped = path.len == len
                            ? TG_STR("/")
                            : (tg_str_t){ path.ptr + len, path.len - len };
            return;
        }
    }
}


/* A decoded parameter: offsets into one text buffer. */
typedef struct {
    size_t key, key_len, value, value_len;
} tg_tchmac_param_t;

typedef struct {
    tg_buf_t           text;
    tg_tchmac_param_t *items;
    size_t             n;
    size_t             cap;
} tg_tchmac_params_t;


/* Decodes s (form encoding, a lone '%' kept) onto text. */
static int
tg_tchmac_decode(tg_buf_t *text, tg_str_t s)
{
    size_t i = 0;
    int    c;
    char   byte;

    while (i < s.len) {
        c = tg_form_decode_byte(s, &i);
        if (c < 0) {
            c = '%';
            i++;
        }
        byte = (char) c;
        if (tg_buf_append(text, &byte, 1) != TG_OK) {
            return TG_ENOMEM;
        }
    }
    return TG_OK;
}


/* Adds the pieces of a query or form text. */
static int
tg_tchmac_params_add(tg_tchmac_params_t *ps, tg_str_t s)
{
    const char        *p = s.ptr, *end = s.ptr + s.len, *amp, *eq;
    tg_tchmac_param_t *item, *grown;
    size_t             len, cap;

    while (p < end) {
        amp = memchr(p, '&', (size_t) (end - p));
        len = (size_t) ((amp != NULL ? amp : end) - p);

        if (len > 0) {
            if (ps->n == ps->cap) {
                cap = ps->cap > 0 ? ps->cap * 2 : 8;
                grown = realloc(ps->items, cap * sizeof(*grown));
                if (grown == NULL) {
                    return TG_ENOMEM;
                }
                ps->items = grown;
                ps->cap = cap;
            }
            item = &ps->items[ps->n++];
            eq = memchr(p, '=', len);

            item->key = ps->text.len;
            if (tg_tchmac_decode(
                    &ps->text,
                    (tg_str_t){ p, eq != NULL ? (size_t) (eq - p) : len })
                != TG_OK)
            {
                return TG_ENOMEM;
            }
            item->key_len = ps->text.len - item->key;
            item->value = ps->text.len;
            if (eq != NULL
                && tg_tchmac_decode(
                       &ps->text,
                       (tg_str_t){ eq + 1, len - (size_t) (eq - p) - 1 })
                       != TG_OK)
            {
                return TG_ENOMEM;
            }
            item->value_len = ps->text.len - item->value;
        }

        p += len + 1;
    }

    return TG_OK;
}


/* A parameter as sorted: pointing into the text, which no longer grows. */
typedef struct {
    tg_str_t key;
    tg_str_t value;
} tg_tchmac_pair_t;


static int
tg_tchmac_pair_cmp(const void *a, const void *b)
{
    const tg_tchmac_pair_t *x = a, *y = b;

    return tg_str_cmp(x->key, y->key);
}


/* Appends "?k=v&k" of the sorted parameters, or nothing. */
static int
tg_tchmac_params_write(tg_tchmac_params_t *ps, tg_buf_t *out)
{
    tg_tchmac_pair_t *pairs;
    size_t            i;
    int               rc = TG_OK;

    if (ps->n == 0) {
        return TG_OK;
    }

    pairs = malloc(ps->n * sizeof(*pairs));
    if (pairs == NULL) {
        return TG_ENOMEM;
    }
    for (i = 0; i < ps->n; i++) {
        pairs[i].key =
            (tg_str_t){ ps->text.ptr + ps->items[i].key, ps->items[i].key_len };
        pairs[i].value = (tg_str_t){ ps->text.ptr + ps->items[i].value,
                                     ps->items[i].value_len };
    }
    qsort(pairs, ps->n, sizeof(*pairs), tg_tchmac_pair_cmp);

    for (i = 1; i < ps->n && rc == TG_OK; i++) {
        if (tg_str_eq(pairs[i].key, pairs[i - 1].key)) {
            rc = TG_EINVALID;
        }
    }

    for (i = 0; i < ps->n && rc == TG_OK; i++) {
        rc = tg_buf_append(out, i == 0 ? "?" : "&", 1);
        if (rc == TG_OK && pairs[i].key.len > 0) {
            rc = tg_buf_append(out, pairs[i].key.ptr, pairs[i].key.len);
        }
        if (rc == TG_OK && pairs[i].value.len > 0) {
            rc = tg_buf_append(out, "=", 1);
            if (rc == TG_OK) {
                rc = tg_buf_append(out, pairs[i].value.ptr, pairs[i].value.len);
            }
        }
    }

    free(pairs);
    return rc;
}


/* Appends s, or nothing for a NULL ptr, and a newline. */
static int
tg_tchmac_line(tg_buf_t *out, tg_str_t s)
{
    int rc = s.len > 0 ? tg_buf_append(out, s.ptr, s.len) : TG_OK;

    return rc == TG_OK ? tg_buf_append(out, "\n", 1) : rc;
}


int
tg_tchmac_string_to_sign(const tg_tchmac_request_t *req, tg_buf_t *out)
{
    tg_tchmac_params_t ps;
    tg_str_t           path;
    const char        *stage;
    size_t             i;
    int                rc = TG_OK;

    memset(&ps, 0, sizeof(ps));

    for (i = 0; i < req->nheaders && rc == TG_OK; i++) {
        rc = tg_buf_append_lower(out, req->headers[i].name);
        if (rc == TG_OK) {
            rc = tg_buf_append(out, ": ", 2);
        }
        if (rc == TG_OK) {
            rc = tg_tchmac_line(out, req->headers[i].value);
        }
    }

    if (rc == TG_OK) {
        rc = tg_tchmac_line(out, req->method);
    }
    if (rc == TG_OK) {
        rc = tg_tchmac_line(out, req->accept);
    }
    if (rc == TG_OK) {
        rc = tg_tchmac_line(out, req->content_type);
    }
    if (rc == TG_OK) {
        rc = tg_tchmac_line(out, req->content_md5);
    }

    tg_tchmac_path(req->path, &path, &stage);
    if (rc == TG_OK) {
        rc = tg_buf_append(out, path.ptr, path.len);
    }

    /* The text holds a buffer before any item points into it. */
    if (rc == TG_OK) {
        rc = tg_buf_reserve(&ps.text, 64);
    }
    if (rc == TG_OK) {
        rc = tg_tchmac_params_add(&ps, req->query);
    }
    if (rc == TG_OK) {
        rc = tg_tchmac_params_add(&ps, req->form);
    }
    if (rc == TG_OK) {
        rc = tg_tchmac_params_write(&ps, out);
    }

    tg_buf_wipe(&ps.text);
    free(ps.items);
    return rc;
}


int
tg_tchmac_sign(tg_tchmac_alg_t alg, tg_str_t secret, tg_str_t sts,
               char out[TG_TCHMAC_SIGNATURE_MAX + 1])
{
    uint8_t mac[TG_SHA512_LEN];
    size_t  len;
    int     rc;

    switch (alg) {
    case TG_TCHMAC_SHA1:
        rc = tg_hmac_sha1(secret, sts, mac);
        len = TG_SHA1_LEN;
        break;
    case TG_TCHMAC_SHA256:
        rc = tg_hmac_sha256(secret, sts, mac);
        len = TG_SHA256_LEN;
        break;
    case TG_TCHMAC_SHA384:
        rc = tg_hmac_sha384(secret, sts, mac);
        len = TG_SHA384_LEN;
        break;
    case TG_TCHMAC_SHA512:
        rc = tg_hmac_sha512(secret, sts, mac);
        len = TG_SHA512_LEN;
        break;
    default:
        return TG_EINTERNAL;
    }

    if (rc == TG_OK) {
        tg_base64_encode(mac, len, out);
    }
    tg_wipe(mac, sizeof(mac));
    return rc;
}


int
tg_tchmac_verify(tg_tchmac_alg_t alg, tg_str_t secret, tg_str_t sts,
                 tg_str_t signature)
{
    char expected[TG_TCHMAC_SIGNATURE_MAX + 1];
    int  rc;

    rc = tg_tchmac_sign(alg, secret, sts, expected);
    if (rc != TG_OK) {
        return rc;
    }

    /* constant time comparison */
    rc = tg_equal_ct(expected, strlen(expected), signature.ptr, signature.len)
             ? TG_OK
             : TG_EUNAUTHENTICATED;

    tg_wipe(expected, sizeof(expected));
    return rc;
}


/* Reads n digits at s; -1 if any is not one. */
static int64_t
tg_tchmac_digits(const char *s, size_t n)
{
    int64_t v = 0;
    size_t  i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}


/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
tg_tchmac_days(int64_t y, int64_t m, int64_t d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = y / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}


int
tg_tchmac_date_check(tg_str_t value, int64_t now_ms, int64_t skew_ms)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char days[] = "SunMonTueWedThuFriSat";
    const char       *s = value.ptr, *m;
    int64_t           day, year, hh, mm, ss, month, at;

    /* "Mon, 23 Nov 2026 04:00:00 GMT": 29 bytes exactly. */
    if (value.len != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' '
        || s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':'
        || s[25] != ' ' || memcmp(s + 26, "GMT", 3) != 0)
    {
        return TG_EINVALID;
    }

    m = NULL;
    for (month = 0; month < 12 && m == NULL; month++) {
        if (memcmp(s + 8, months + 3 * month, 3) == 0) {
            m = s + 8;
        }
    }

    day = tg_tchmac_digits(s + 5, 2);
    year = tg_tchmac_digits(s + 12, 4);
    hh = tg_tchmac_digits(s + 17, 2);
    mm = tg_tchmac_digits(s + 20, 2);
    ss = tg_tchmac_digits(s + 23, 2);

    if (m == NULL || day < 1 || day > 31 || year < 1970 || hh < 0 || hh > 23
        || mm < 0 || mm > 59 || ss < 0 || ss > 60)
    {
        return TG_EINVALID;
    }

    at = tg_tchmac_days(year, month, day);
    if (memcmp(s, days + 3 * ((at % 7 + 11) % 7), 3) != 0) {
        return TG_EINVALID; /* the weekday must be the date's */
    }

    at = ((at * 24 + hh) * 60 + mm) * 60 + ss;
    at *= 1000;

    if (at < now_ms - skew_ms || at > now_ms + skew_ms) {
        return TG_ESKEW;
    }
    return TG_OK;
}
