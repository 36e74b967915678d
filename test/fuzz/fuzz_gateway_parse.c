/*
 * libFuzzer driver for the gateway's request parsers in lib/, the pure
 * cores the nginx module runs on every request's bytes: Huawei's query
 * split and form decoding (tg_hw_query_parse()), its path decoding
 * (tg_hw_path_decode()), the request target's path (tg_uri_path()) and
 * Tencent's form test (tg_tchmac_is_form()).
 *
 * The input is split at NUL bytes: a query, a request target, a
 * Content-Type.  Each decoder writes into a heap buffer of exactly the
 * room its contract asks for, so ASan sees a byte written past it.
 * Beyond memory safety it checks the contracts the module relies on: the
 * pairs lie in the output buffer, no name twice, the count of non-empty
 * fields, the empty-value flag, and a decoding never longer than its
 * input.  A broken contract aborts.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/huawei_sign.h"
#include "tollgate/str.h"
#include "tollgate/tencent_hmac.h"

#include "fuzz.h"


/* A small limit, so that inputs reach it. */
#define SMALL_MAX 4


/* The '&'-separated fields of query that are not empty. */
static size_t
fields(tg_str_t query)
{
    size_t i, k = 0;

    for (i = 0; i < query.len; i++) {
        k += query.ptr[i] != '&' && (i == 0 || query.ptr[i - 1] == '&');
    }
    return k;
}


static void
fuzz_query(tg_str_t query, size_t max)
{
    tg_hw_pair_t pairs[TG_HW_GATEWAY_QUERY_MAX];
    tg_str_t     all;
    char        *out;
    size_t       n = 0, i, j, total = 0, k = fields(query);
    int          rc, empty = 0, some_empty = 0;

    out = malloc(query.len > 0 ? query.len : 1);
    check(out != NULL);
    all = (tg_str_t){ out, query.len };

    rc = tg_hw_query_parse(query, out, query.len, pairs, max, &n, &empty);
    check(n <= max && n <= k);
    for (i = 0; i < n; i++) {
        check(inside(pairs[i].name, all) && inside(pairs[i].value, all));
        total += pairs[i].name.len + pairs[i].value.len;
        some_empty |= pairs[i].value.len == 0;
        for (j = 0; j < i; j++) {
            check(!tg_str_eq(pairs[i].name, pairs[j].name));
        }
    }
    check(total <= query.len);

    switch (rc) {
    case TG_OK:
        check(n == k && empty == some_empty);
        break;
    case TG_ETOO_LARGE:
        check(n == max && k > max);
        break;
    case TG_EINVALID:
        check(n < k);
        break;
    default:
        check(0);
    }

    /* too little room is refused, never overrun */
    if (query.len > 0) {
        check(
            tg_hw_query_parse(query, out, query.len - 1, pairs, max, &n, &empty)
            == TG_ENOSPC);
    }
    free(out);
}


static void
fuzz_path(tg_str_t target)
{
    tg_str_t path = tg_uri_path(target);
    char    *out;
    size_t   len = 0;

    check(path.ptr == target.ptr && path.len <= target.len);
    check(path.len == 0 || memchr(path.ptr, '?', path.len) == NULL);
    check(path.len == target.len || target.ptr[path.len] == '?');

    out = malloc(path.len > 0 ? path.len : 1);
    check(out != NULL);
    check(tg_hw_path_decode(path, out, path.len, &len) == TG_OK);
    check(len <= path.len);
    if (path.len > 0 && memchr(path.ptr, '%', path.len) == NULL) {
        check(len == path.len && memcmp(out, path.ptr, len) == 0);
    }
    free(out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t f[3] = { { "", 0 }, { "", 0 }, { "", 0 } };
    int      form;

    fuzz_fields(data, size, f, 3);

    fuzz_query(f[0], TG_HW_GATEWAY_QUERY_MAX);
    fuzz_query(f[0], SMALL_MAX);
    fuzz_path(f[1]);

    form = tg_tchmac_is_form(f[2]);
    check(form == 0 || form == 1);
    check(!form || f[2].len >= sizeof("application/x-www-form-urlencoded") - 1);
    return 0;
}
