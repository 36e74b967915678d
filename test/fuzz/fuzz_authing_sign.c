/*
 * libFuzzer driver for lib/authing_sign.c, the parsers of Authing's and
 * GenAuth's management-API signature that read attacker-controlled
 * requests in tollgated: the Authorization header, the Date header, and
 * the string to sign built from the request's headers and parameters.
 *
 * The input is split at NUL bytes: an Authorization header, a date, a
 * method, a path, then "name=value" items, headers before the first
 * empty item and parameters after it.  Beyond memory safety (ASan,
 * UBSan), it checks the contracts callers rely on: parsed parts point
 * into the header and hold no ':' or space, a parsed date prints back in
 * range, a string to sign starts with the method and a newline (or the
 * buffer is unchanged on refusal), and the UTF-16 order is antisymmetric.
 * A broken contract aborts.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/authing_sign.h"
#include "tollgate/error.h"
#include "tollgate/str.h"

#include "fuzz.h"


#define ITEMS_MAX (TG_AUTHING_ITEMS_MAX + 8)

static void
fuzz_auth(tg_str_t header)
{
    tg_authing_auth_t a;

    if (tg_authing_auth_parse(header, &a) != TG_OK) {
        return;
    }
    check(a.key_id.len > 0 && inside(a.key_id, header));
    check(a.signature.len > 0 && inside(a.signature, header));
    check(memchr(a.key_id.ptr, ':', a.key_id.len) == NULL);
    check(memchr(a.signature.ptr, ' ', a.signature.len) == NULL);
}


static void
fuzz_date(tg_str_t s)
{
    int64_t ms;

    if (tg_authing_date_parse(s, &ms) == TG_OK) {
        check(ms >= INT64_C(-62167219200000) && ms < INT64_C(253402300800000));
    }
}


static tg_authing_item_t
split_item(tg_str_t s)
{
    const char *eq = memchr(s.ptr, '=', s.len);

    if (eq == NULL) {
        return (tg_authing_item_t){ s, TG_STR_NULL };
    }
    return (tg_authing_item_t){ { s.ptr, (size_t) (eq - s.ptr) },
                                { eq + 1, s.len - (size_t) (eq - s.ptr) - 1 } };
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t             parts[4 + 2 * ITEMS_MAX];
    tg_authing_item_t    headers[ITEMS_MAX], params[ITEMS_MAX];
    tg_authing_request_t req;
    tg_buf_t             sts = TG_BUF_INIT;
    const char          *p = (const char *) data, *end = p + size, *nul;
    size_t               n = 0, i, nh = 0, np = 0;
    int                  in_params = 0, rc;

    while (p <= end && n < sizeof(parts) / sizeof(parts[0])) {
        nul = memchr(p, '\0', (size_t) (end - p));
        parts[n++] = (tg_str_t){ p, (size_t) ((nul != NULL ? nul : end) - p) };
        if (nul == NULL) {
            break;
        }
        p = nul + 1;
    }
    while (n < 4) {
        parts[n++] = TG_STR("");
    }

    fuzz_auth(parts[0]);
    fuzz_date(parts[1]);

    for (i = 4; i < n; i++) {
        if (parts[i].len == 0 && !in_params) {
            in_params = 1;
        } else if (in_params && np < ITEMS_MAX) {
            params[np++] = split_item(parts[i]);
        } else if (!in_params && nh < ITEMS_MAX) {
            headers[nh++] = split_item(parts[i]);
        }
    }

    if (np >= 2) {
        int ab = tg_authing_compare(params[0].name, params[1].name);
        int ba = tg_authing_compare(params[1].name, params[0].name);
        check((ab < 0 && ba > 0) || (ab > 0 && ba < 0) || (ab == 0 && ba == 0));
    }

    memset(&req, 0, sizeof(req));
    req.method = parts[2];
    req.variant = size > 0 && (data[0] & 1) ? TG_AUTHING_VARIANT_GENAUTH
                                            : TG_AUTHING_VARIANT_AUTHING;
    req.headers = headers;
    req.nheaders = nh;
    req.path = parts[3];
    req.params = params;
    req.nparams = np;
    req.bare_query = size > 1 && (data[1] & 1);

    rc = tg_authing_string_to_sign(&req, &sts);
    if (rc == TG_OK) {
        check(sts.len > req.method.len
              && memcmp(sts.ptr, req.method.ptr, req.method.len) == 0
              && sts.ptr[req.method.len] == '\n');
    } else {
        check(rc == TG_EINVALID && sts.len == 0);
    }

    tg_buf_free(&sts);
    return 0;
}
