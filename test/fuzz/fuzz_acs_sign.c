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
#include <string.h>

#include "tollgate/acs_sign.h"
#include "tollgate/error.h"
#include "tollgate/str.h"

#include "fuzz.h"


#define PARAMS_MAX 64

static void
fuzz_signed_headers(tg_str_t list)
{
    char   names[TG_ACS_V3_HEADERS_MAX][TG_ACS_V3_HEADER_NAME_MAX + 1];
    size_t n = 0;

    if (tg_acs_v3_signed_headers_parse(list, names, &n) == TG_OK) {
        fuzz_check_header_names(names, n, TG_ACS_V3_HEADERS_MAX, 0);
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
    tg_str_t       fields[2 + PARAMS_MAX];
    size_t         nfields, i, n = 0;

    nfields = fuzz_fields(data, size, fields, 2 + PARAMS_MAX);
    for (i = 2; i < nfields; i++) {
        (void) fuzz_pair(fields[i], '=', &params[n++]);
    }

    fuzz_authorization(fields[0]);
    fuzz_signed_headers(fields[0]);
    fuzz_v1(nfields > 1 ? fields[1] : TG_STR(""), params, n);
    fuzz_v3(nfields > 1 ? fields[1] : TG_STR(""), params, n);
    return 0;
}
