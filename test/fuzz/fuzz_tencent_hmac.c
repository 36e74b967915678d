/*
 * libFuzzer driver for lib/tencent_hmac.c, the parsers of Tencent's
 * application authentication that read attacker-controlled requests in
 * the gateway: the Authorization header, its headers list, the path's
 * environment prefix, the parameters of the string to sign, and X-Date.
 *
 * The input is split at NUL bytes: an Authorization header, a path, a
 * query, a form body, an X-Date.  Beyond memory safety (ASan, UBSan), it
 * checks the contracts callers rely on: parsed parts point into the
 * header, header names are unique non-empty tokens within the limit, a
 * stripped path starts with '/', and a string to sign has the four lines
 * of METHOD, Accept, Content-Type and Content-MD5.  A broken contract
 * aborts.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/tencent_hmac.h"

#include "fuzz.h"


static void
fuzz_auth(tg_str_t header)
{
    tg_tchmac_auth_t auth;
    tg_tchmac_alg_t  alg;
    tg_str_t         names[TG_TCHMAC_HEADERS_MAX];
    size_t           n = 0, i, j;

    if (tg_tchmac_auth_parse(header, &auth) != TG_OK) {
        return;
    }

    check(tg_tchmac_detect(header));
    check(inside(auth.id, header) && auth.id.len > 0);
    check(inside(auth.signature, header) && auth.signature.len > 0);
    check(inside(auth.algorithm, header) && inside(auth.headers, header));
    (void) tg_tchmac_algorithm_parse(auth.algorithm, &alg);

    if (tg_tchmac_headers_parse(auth.headers, names, &n) != TG_OK) {
        return;
    }
    check(n <= TG_TCHMAC_HEADERS_MAX);
    for (i = 0; i < n; i++) {
        check(names[i].len > 0 && inside(names[i], auth.headers));
        for (j = 0; j < i; j++) {
            check(!tg_str_eq_nocase(names[i], names[j]));
        }
    }
}


static void
fuzz_sts(tg_str_t path, tg_str_t query, tg_str_t form)
{
    tg_tchmac_request_t req;
    tg_buf_t            out = TG_BUF_INIT;
    tg_str_t            stripped;
    const char         *stage;
    size_t              i, lines = 0;
    int                 rc;

    tg_tchmac_path(path, &stripped, &stage);
    check(stripped.len > 0 && (stripped.ptr[0] == '/' || stage == NULL));

    memset(&req, 0, sizeof(req));
    req.method = TG_STR("POST");
    req.path = path;
    req.query = query;
    req.form = form;

    rc = tg_tchmac_string_to_sign(&req, &out);
    check(rc == TG_OK || rc == TG_EINVALID);
    if (rc == TG_OK) {
        for (i = 0; i < out.len; i++) {
            lines += out.ptr[i] == '\n';
        }
        check(lines >= 4);
        check(out.len >= 9 && memcmp(out.ptr, "POST\n\n\n\n", 8) == 0);
    }
    tg_buf_free(&out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *) data, *end = p + size, *nul;
    tg_str_t    parts[5] = {
           { "", 0 }, { "", 0 }, { "", 0 }, { "", 0 }, { "", 0 }
    };
    size_t n = 0;

    while (n < 5) {
        nul = memchr(p, '\0', (size_t) (end - p));
        parts[n++] = (tg_str_t){ p, (size_t) ((nul != NULL ? nul : end) - p) };
        if (nul == NULL) {
            break;
        }
        p = nul + 1;
    }

    fuzz_auth(parts[0]);
    fuzz_sts(parts[1], parts[2], parts[3]);
    (void) tg_tchmac_date_check(parts[4], INT64_C(1795406400000),
                                TG_TCHMAC_SKEW_MS);
    return 0;
}
