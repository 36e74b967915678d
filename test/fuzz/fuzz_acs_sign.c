/*
 * libFuzzer driver for lib/acs_sign.c, the parsers of Alibaba's
 * management-API signatures that read attacker-controlled requests in
 * tollgated: the V3 Authorization header, its SignedHeaders list, and
 * the v1 and V3 canonicalizations of the request's parameters.
 *
 * The input is split at NUL bytes: an Authorization header, a method,
 * then "name=value" parameters.  Beyond memory safety (ASan, UBSan), it
 * checks the contracts callers rely on: parsed parts point into the
 * header, header names are lowercase tokens within the limits, and a v1
 * string to sign is the method and two '&' around percent-encoded text.
 * A broken contract aborts.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/acs_sign.h"
#include "tollgate/error.h"
#include "tollgate/str.h"


#define PARAMS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
check(int ok)
{
    if (!ok) {
        abort();
    }
}


/* Whether part lies inside s (or is empty). */
static int
inside(tg_str_t part, tg_str_t s)
{
    return part.len == 0
           || (part.ptr >= s.ptr && part.ptr + part.len <= s.ptr + s.len);
}


static void
fuzz_signed_headers(tg_str_t list)
{
    char   names[TG_ACS_V3_HEADERS_MAX][TG_ACS_V3_HEADER_NAME_MAX + 1];
    size_t n = 0, i, j, len;

    if (tg_acs_v3_signed_headers_parse(list, names, &n) != TG_OK) {
        return;
    }

    check(n >= 1 && n <= TG_ACS_V3_HEADERS_MAX);
    for (i = 0; i < n; i++) {
        len = strlen(names[i]);
        check(len >= 1 && len <= TG_ACS_V3_HEADER_NAME_MAX);
        for (j = 0; j < len; j++) {
            check(names[i][j] > 0x20 && names[i][j] < 0x7f
                  && !(names[i][j] >= 'A' && names[i][j] <= 'Z')
                  && names[i][j] != ';');
        }
    }
}


static void
fuzz_authorization(tg_str_t header)
{
    tg_acs_v3_auth_t auth;

    if (tg_acs_v3_auth_parse(header, &auth) != TG_OK) {
        return;
    }

    check(auth.credential.len > 0 && auth.signed_headers.len > 0
          && auth.signature.len > 0);
    check(inside(auth.credential, header) && inside(auth.signed_headers, header)
          && inside(auth.signature, header));
    fuzz_signed_headers(auth.signed_headers);
}


static int
unreserved(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
           || c == '~';
}


static void
fuzz_v1(tg_str_t method, const tg_acs_param_t *params, size_t n)
{
    tg_buf_t sts = TG_BUF_INIT;
    size_t   i, amps = 0;

    if (tg_acs_v1_string_to_sign(method, params, n, &sts) != TG_OK) {
        tg_buf_free(&sts);
        return;
    }

    check(sts.len >= method.len + 5
          && memcmp(sts.ptr, method.ptr, method.len) == 0
          && memcmp(sts.ptr + method.len, "&%2F&", 5) == 0);
    for (i = method.len; i < sts.len; i++) {
        amps += sts.ptr[i] == '&';
        check(sts.ptr[i] == '&' || sts.ptr[i] == '%' || unreserved(sts.ptr[i]));
    }
    check(amps == 2);

    (void) tg_acs_v1_verify(TG_STR("secret"), tg_buf_str(&sts), method);
    tg_buf_free(&sts);
}


static void
fuzz_v3(tg_str_t method, const tg_acs_param_t *params, size_t n)
{
    tg_acs_v3_request_t req;
    tg_buf_t            canonical = TG_BUF_INIT, sts = TG_BUF_INIT;

    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = TG_STR("/");
    req.query = params;
    req.nquery = n / 2;
    req.headers = params + n / 2;
    req.nheaders = n - n / 2;
    req.payload_hash = TG_STR("e3b0");

    if (tg_acs_v3_canonical_request(&req, &canonical) == TG_OK
        && tg_acs_v3_string_to_sign(tg_buf_str(&canonical), &sts) == TG_OK)
    {
        check(tg_str_has_prefix(tg_buf_str(&sts),
                                TG_STR(TG_ACS_V3_ALGORITHM "\n")));
        (void) tg_acs_v3_verify(TG_STR("secret"), tg_buf_str(&sts), method);
    }

    tg_buf_free(&canonical);
    tg_buf_free(&sts);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_acs_param_t params[PARAMS_MAX];
    tg_str_t       rest = { (const char *) data, size }, field[2], item;
    const char    *end, *eq;
    size_t         i, n = 0;

    for (i = 0; i < 2; i++) {
        end = rest.len > 0 ? memchr(rest.ptr, '\0', rest.len) : NULL;
        field[i].ptr = rest.ptr;
        field[i].len = end != NULL ? (size_t) (end - rest.ptr) : rest.len;
        rest.ptr += field[i].len + (end != NULL);
        rest.len -= field[i].len + (end != NULL);
    }

    while (rest.len > 0 && n < PARAMS_MAX) {
        end = memchr(rest.ptr, '\0', rest.len);
        item.ptr = rest.ptr;
        item.len = end != NULL ? (size_t) (end - rest.ptr) : rest.len;
        rest.ptr += item.len + (end != NULL);
        rest.len -= item.len + (end != NULL);

        eq = memchr(item.ptr, '=', item.len);
        params[n].name =
            (tg_str_t){ item.ptr,
                        eq != NULL ? (size_t) (eq - item.ptr) : item.len };
        params[n].value =
            eq != NULL ? (tg_str_t){ eq + 1, item.len - params[n].name.len - 1 }
                       : TG_STR("");
        n++;
    }

    fuzz_authorization(field[0]);
    fuzz_signed_headers(field[0]);
    fuzz_v1(field[1], params, n);
    fuzz_v3(field[1], params, n);
    return 0;
}
