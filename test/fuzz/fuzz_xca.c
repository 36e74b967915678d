/*
 * libFuzzer driver for lib/xca.c, the X-Ca-* parsers that read
 * attacker-controlled requests in the nginx module.
 *
 * The input is split at NUL bytes into the request's fields, then
 * "name:value" headers.  Beyond memory safety (ASan, UBSan), it checks the
 * contracts that callers size buffers by: a sizing call's bounds suffice,
 * the exact size is exact, a short buffer gives TG_ENOSPC and is never
 * written past its capacity, the error message is a safe header value, a
 * repeated parameter or header is refused and named, and a repeated
 * AppCode parameter is ambiguous.  A broken contract aborts.  Run with `make
 * fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/xca.h"

#include "fuzz.h"


#define FIELDS 9
#define CANARY 0xa5

typedef struct {
    tg_str_t names[32];
    tg_str_t values[32];
    size_t   n;
} headers_t;


/* The nginx module's contract: 1 once, 0 absent, -1 sent several times. */
static int
lookup(void *ctx, tg_str_t name, tg_str_t *value)
{
    headers_t *h = ctx;
    size_t     i;
    int        found = 0;

    for (i = 0; i < h->n; i++) {
        if (tg_str_eq_nocase(name, h->names[i])) {
            if (found) {
                return -1;
            }
            *value = h->values[i];
            found = 1;
        }
    }

    return found;
}


/* Builds with exactly the sizes asked for, then with one byte too few. */
static void
fuzz_string_to_sign(const tg_xca_request_t *req)
{
    tg_xca_buffers_t buf;
    tg_xca_need_t    bound, exact, again;
    tg_str_t         sts = TG_STR_NULL, missing = TG_STR_NULL;
    char            *msg;
    size_t           i, len;
    int              rc;

    memset(&buf, 0, sizeof(buf));
    rc = tg_xca_string_to_sign(req, &buf, &sts, &bound, &missing);
    if (rc == TG_EMISSING || rc == TG_ECONFLICT) {
        /* a listed name, looked up as listed */
        check(missing.len > 0
              && tg_xca_header_signed(req->signature_headers, missing));
        return;
    }
    check(rc == TG_ENOSPC && sts.ptr == NULL);

    buf.pairs = malloc((bound.pairs + 1) * sizeof(tg_xca_pair_t));
    buf.scratch = malloc(bound.scratch + 1);
    buf.out = malloc(bound.out + 1);
    check(buf.pairs != NULL && buf.scratch != NULL && buf.out != NULL);
    buf.pairs_cap = bound.pairs;
    buf.scratch_cap = bound.scratch;
    buf.out_cap = bound.out;

    rc = tg_xca_string_to_sign(req, &buf, &sts, &exact, &missing);
    if (rc == TG_EINVALID) {
        /* a repeated key, decoded in the scratch */
        check(sts.ptr == NULL && missing.ptr >= buf.scratch
              && missing.ptr + missing.len <= buf.scratch + bound.scratch);
        goto cleanup;
    }
    check(rc == TG_OK && sts.ptr == buf.out && sts.len == exact.out);
    check(exact.out <= bound.out);

    /* one byte short: TG_ENOSPC, the same exact size, nothing past cap */
    if (exact.out > 0) {
        memset(buf.out, CANARY, bound.out + 1);
        buf.out_cap = exact.out - 1;
        rc = tg_xca_string_to_sign(req, &buf, &sts, &again, &missing);
        check(rc == TG_ENOSPC && again.out == exact.out);
        for (i = exact.out - 1; i <= bound.out; i++) {
            check((uint8_t) buf.out[i] == CANARY);
        }
        buf.out_cap = bound.out;
        rc = tg_xca_string_to_sign(req, &buf, &sts, &again, &missing);
        check(rc == TG_OK && sts.len == exact.out);
    }

    len = TG_XCA_STS_MESSAGE_LEN(sts.len);
    msg = malloc(len);
    check(msg != NULL);
    check(tg_xca_sts_message(sts, msg, len, &len) == TG_OK);
    for (i = 0; i < len; i++) {
        check((uint8_t) msg[i] >= 0x20 && (uint8_t) msg[i] != 0x7f);
    }
    check(tg_xca_sts_message(sts, msg, len - 1, &len) == TG_ENOSPC);
    free(msg);

cleanup:

    free(buf.pairs);
    free(buf.scratch);
    free(buf.out);
}


static void
fuzz_small_parsers(const tg_str_t *field)
{
    tg_xca_method_t method;
    tg_str_t        code = TG_STR_NULL;
    char            out[16];
    size_t          len = 0;
    int64_t         ts;
    int             rc;

    (void) tg_xca_method_parse(field[0], &method);
    ts = -1;
    rc = tg_xca_timestamp_check(field[1], 1646365291734, TG_XCA_SKEW_MS, &ts);
    check(rc == TG_OK ? ts >= 1646365291734 - TG_XCA_SKEW_MS
                            && ts <= 1646365291734 + TG_XCA_SKEW_MS
                      : ts == -1);
    (void) tg_xca_is_form(field[3]);
    (void) tg_xca_content_md5_check(field[2], field[8]);

    rc = tg_xca_appcode_from_header(field[5], &code);
    check(rc == 0 || rc == TG_EINVALID || (rc == 1 && code.len > 0));

    rc = tg_xca_appcode_from_query(field[7], out, sizeof(out), &len);
    check(rc == 0 || rc == TG_EINVALID || rc == TG_ECONFLICT
          || (rc == 1 && len <= sizeof(out))
          || (rc == TG_ENOSPC && len > sizeof(out)));

    /* a name is listed once it is a whole, trimmed piece of the list */
    rc = tg_xca_header_signed(field[5], field[4]);
    check(rc == 0 || rc == 1);
    check(tg_xca_header_signed(field[5], TG_STR("")) == 0);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t         field[FIELDS], rest = { (const char *) data, size };
    tg_xca_request_t req;
    headers_t        h;
    const char      *end, *colon;
    size_t           i;

    for (i = 0; i < FIELDS; i++) {
        end = rest.len > 0 ? memchr(rest.ptr, '\0', rest.len) : NULL;
        field[i].ptr = rest.ptr;
        field[i].len = end != NULL ? (size_t) (end - rest.ptr) : rest.len;
        rest.ptr += field[i].len + (end != NULL);
        rest.len -= field[i].len + (end != NULL);
    }

    h.n = 0;
    while (rest.len > 0 && h.n < 32) {
        end = memchr(rest.ptr, '\0', rest.len);
        tg_str_t line = { rest.ptr,
                          end != NULL ? (size_t) (end - rest.ptr) : rest.len };
        rest.ptr += line.len + (end != NULL);
        rest.len -= line.len + (end != NULL);
        colon = memchr(line.ptr, ':', line.len);
        if (colon == NULL) {
            continue;
        }
        h.names[h.n] = (tg_str_t){ line.ptr, (size_t) (colon - line.ptr) };
        h.values[h.n] =
            (tg_str_t){ colon + 1, line.len - h.names[h.n].len - 1 };
        h.n++;
    }

    memset(&req, 0, sizeof(req));
    req.method = field[0];
    req.accept = field[1];
    req.content_md5 = field[2];
    req.content_type = field[3];
    req.date = field[4];
    req.signature_headers = field[5];
    req.path = field[6];
    req.query = field[7];
    req.form = field[8];
    req.header = lookup;
    req.header_ctx = &h;

    fuzz_string_to_sign(&req);
    fuzz_small_parsers(field);

    return 0;
}
