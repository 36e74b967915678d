/*
 * libFuzzer driver for lib/tc3_sign.c, the parsers of Tencent's
 * TC3-HMAC-SHA256 signature that read attacker-controlled requests in
 * tollgated: the Authorization header, its SignedHeaders list, and the
 * canonical request built from headers and a body.
 *
 * The input is split at NUL bytes: an Authorization header, a body, then
 * "name:value" headers.  Beyond memory safety (ASan, UBSan), it checks
 * the contracts callers rely on: parsed parts point into the header, the
 * scope's date has its shape, header names are unique lowercase tokens
 * within the limits, and a canonical request has its six lines.  A
 * broken contract aborts.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/tc3_sign.h"

#include "fuzz.h"


static void
fuzz_signed_headers(tg_str_t list)
{
    char   names[TG_TC3_HEADERS_MAX][TG_TC3_HEADER_NAME_MAX + 1];
    size_t n = 0;

    if (tg_tc3_signed_headers_parse(list, names, &n) == TG_OK) {
        fuzz_check_header_names(names, n, TG_TC3_HEADERS_MAX, 1);
    }
}


static void
fuzz_auth(tg_str_t header)
{
    tg_tc3_auth_t auth;

    if (tg_tc3_auth_parse(header, &auth) != TG_OK) {
        return;
    }

    check(inside(auth.key_id, header) && auth.key_id.len > 0);
    check(inside(auth.date, header) && auth.date.len == TG_TC3_DATE_LEN);
    check(inside(auth.service, header) && auth.service.len > 0
          && auth.service.len <= TG_TC3_SERVICE_MAX);
    check(inside(auth.signed_headers, header));
    check(inside(auth.signature, header) && auth.signature.len > 0);

    fuzz_signed_headers(auth.signed_headers);
}


static void
fuzz_canonical(tg_str_t body, const tg_tc3_header_t *headers, size_t n)
{
    tg_tc3_request_t req;
    tg_buf_t         out = TG_BUF_INIT;
    size_t           i, lines = 0;

    memset(&req, 0, sizeof(req));
    req.method = TG_STR("POST");
    req.path = TG_STR("/");
    req.query = TG_STR("");
    req.headers = headers;
    req.nheaders = n;
    req.payload = body;

    check(tg_tc3_canonical_request(&req, (int) (n & 1), &out) == TG_OK);

    /* method, path, query, one line per header, "", list, hash: the
     * newlines are at least 5 + n (values may hold more). */
    for (i = 0; i < out.len; i++) {
        lines += out.ptr[i] == '\n';
    }
    check(lines >= 5 + n);
    check(out.len >= 64);

    tg_buf_free(&out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_tc3_header_t headers[TG_TC3_HEADERS_MAX];
    tg_str_t        parts[2 + TG_TC3_HEADERS_MAX];
    size_t          nparts, n = 0, i;

    nparts = fuzz_fields(data, size, parts, 2 + TG_TC3_HEADERS_MAX);

    fuzz_auth(parts[0]);
    fuzz_signed_headers(parts[0]);

    for (i = 2; i < nparts; i++) {
        n += fuzz_pair(parts[i], ':', &headers[n]);
    }

    fuzz_canonical(nparts > 1 ? parts[1] : TG_STR(""), headers, n);
    return 0;
}
