/*
 * libFuzzer driver for lib/huawei_sign.c, the parsers of Huawei's
 * SDK-HMAC-SHA256 signature that read attacker-controlled requests: the
 * Authorization header, its SignedHeaders list, X-Sdk-Date, and the
 * canonical request built from the request's path and query.
 *
 * The input is split at NUL bytes: an Authorization header, a date, a
 * path, then "name=value" query parameters.  Beyond memory safety (ASan,
 * UBSan) it checks the contracts callers rely on: parsed parts point into
 * the header, a signature is 64 hex digits, header names are lowercase
 * tokens within the limits and never repeated, and a canonical request
 * has its six lines with a URI that ends with '/' (and starts with
 * one when the path does).  A broken
 * contract aborts.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/huawei_sign.h"
#include "tollgate/str.h"

#include "fuzz.h"


#define PARAMS_MAX 64

static void
fuzz_signed_headers(tg_str_t list)
{
    char   names[TG_HW_HEADERS_MAX][TG_HW_HEADER_NAME_MAX + 1];
    size_t n = 0;

    if (tg_hw_signed_headers_parse(list, names, &n) == TG_OK) {
        fuzz_check_header_names(names, n, TG_HW_HEADERS_MAX, 1);
    }
}


static void
fuzz_auth(tg_str_t header)
{
    tg_hw_auth_t auth;

    if (tg_hw_auth_parse(header, &auth) != TG_OK) {
        return;
    }

    check(auth.access.len > 0 && inside(auth.access, header));
    check(auth.signed_headers.len > 0 && inside(auth.signed_headers, header));
    check(auth.signature.len == TG_HW_SIGNATURE_LEN
          && inside(auth.signature, header));
    check(memchr(auth.access.ptr, ',', auth.access.len) == NULL);

    fuzz_signed_headers(auth.signed_headers);
}


static void
fuzz_canonical(tg_str_t path, const tg_hw_pair_t *query, size_t nquery,
               int empty_form)
{
    static const tg_hw_pair_t header = { TG_STR("x-sdk-date"),
                                         TG_STR("20191115T033655Z") };
    tg_hw_request_t           req;
    tg_buf_t                  cr = TG_BUF_INIT, sts = TG_BUF_INIT;
    const char               *nl;
    size_t                    lines = 0, i;

    memset(&req, 0, sizeof(req));
    req.method = TG_STR("GET");
    req.path = path;
    req.query = query;
    req.nquery = nquery;
    req.headers = &header;
    req.nheaders = 1;
    req.payload_hash = TG_STR(TG_HW_EMPTY_SHA256);
    req.empty_form = empty_form;

    if (tg_hw_canonical_request(&req, &cr) != TG_OK) {
        tg_buf_free(&cr);
        return;
    }

    for (i = 0; i < cr.len; i++) {
        lines += cr.ptr[i] == '\n';
    }
    check(lines == 6); /* six parts; the headers block ends blank */

    nl = memchr(cr.ptr + 4, '\n', cr.len - 4);
    check(nl != NULL && nl[-1] == '/');
    check(path.len == 0 || path.ptr[0] != '/' || cr.ptr[4] == '/');

    check(tg_hw_string_to_sign(header.value, tg_buf_str(&cr), &sts) == TG_OK);
    check(sts.len == sizeof(TG_HW_ALGORITHM) + TG_HW_DATE_LEN + 1 + 64);

    tg_buf_free(&cr);
    tg_buf_free(&sts);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t     parts[3 + PARAMS_MAX];
    tg_hw_pair_t query[PARAMS_MAX];
    size_t       nparts, nquery = 0, i;
    int64_t      ms;

    nparts = fuzz_fields(data, size, parts, 3 + PARAMS_MAX);

    fuzz_auth(parts[0]);
    fuzz_signed_headers(parts[0]);

    if (nparts > 1 && tg_hw_date_parse(parts[1], &ms) == TG_OK) {
        check(parts[1].len == TG_HW_DATE_LEN);
    }
    if (nparts > 2) {
        for (i = 3; i < nparts; i++) {
            (void) fuzz_pair(parts[i], '=', &query[nquery++]);
        }
        fuzz_canonical(parts[2], query, nquery, size % 2);
    }

    return 0;
}
