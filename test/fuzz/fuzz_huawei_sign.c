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

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/huawei_sign.h"
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


static int
inside(tg_str_t part, tg_str_t s)
{
    return part.len == 0
           || (part.ptr >= s.ptr && part.ptr + part.len <= s.ptr + s.len);
}


static void
fuzz_signed_headers(tg_str_t list)
{
    char   names[TG_HW_HEADERS_MAX][TG_HW_HEADER_NAME_MAX + 1];
    size_t n = 0, i, j;

    if (tg_hw_signed_headers_parse(list, names, &n) != TG_OK) {
        return;
    }

    check(n >= 1 && n <= TG_HW_HEADERS_MAX);
    for (i = 0; i < n; i++) {
        check(names[i][0] != '\0' && strlen(names[i]) <= TG_HW_HEADER_NAME_MAX);
        for (j = 0; names[i][j] != '\0'; j++) {
            check(!isupper((unsigned char) names[i][j]));
        }
        for (j = 0; j < i; j++) {
            check(strcmp(names[i], names[j]) != 0);
        }
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
    const char  *p = (const char *) data, *end = p + size, *nul, *eq;
    size_t       nparts = 0, nquery = 0, i;
    int64_t      ms;

    while (p <= end && nparts < sizeof(parts) / sizeof(parts[0])) {
        nul = memchr(p, '\0', (size_t) (end - p));
        if (nul == NULL) {
            nul = end;
        }
        parts[nparts].ptr = p;
        parts[nparts].len = (size_t) (nul - p);
        nparts++;
        p = nul + 1;
    }

    if (nparts > 0) {
        fuzz_auth(parts[0]);
        fuzz_signed_headers(parts[0]);
    }
    if (nparts > 1 && tg_hw_date_parse(parts[1], &ms) == TG_OK) {
        check(parts[1].len == TG_HW_DATE_LEN);
    }
    if (nparts > 2) {
        for (i = 3; i < nparts; i++) {
            eq = memchr(parts[i].ptr, '=', parts[i].len);
            query[nquery].name.ptr = parts[i].ptr;
            query[nquery].name.len =
                eq != NULL ? (size_t) (eq - parts[i].ptr) : parts[i].len;
            query[nquery].value.ptr = eq != NULL ? eq + 1 : parts[i].ptr;
            query[nquery].value.len =
                eq != NULL ? parts[i].len - query[nquery].name.len - 1 : 0;
            nquery++;
        }
        fuzz_canonical(parts[2], query, nquery, size % 2);
    }

    return 0;
}
