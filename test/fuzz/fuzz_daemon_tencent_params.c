/*
 * libFuzzer driver for the Tencent dialect's parameter parser
 * (daemon/dialects/tencent/tencent_params.c): the query string re-encoded
 * as TC3 signs it and, for a GET, its flattened parameters
 * ("Filters.0.Values.1=x") unflattened into JSON; the JSON body of a
 * POST; and the readers the actions call.
 *
 * The request comes from the fake server of fuzz_http.h (the first
 * byte's top bit makes it a GET).  Beyond memory safety (ASan, UBSan), it
 * checks: a failure names a code and a NUL-terminated message, and only
 * running out of memory is an InternalError; the re-encoded query holds
 * only unreserved bytes, '=', '&' and upper-case escapes; and each reader
 * keeps within its bounds.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/tencent/tencent_int.h"
#include "tollgate/error.h"

#include "fuzz_http.h"


#define IDS_MAX 8

static const char *const filter_names[] = { "ApiAppId", "ApiAppName", NULL };
static const char *const known[] = { "ApiAppId",    "ApiAppName", "ApiIds",
                                     "Filters",     "Limit",      "Offset",
                                     "Environment", NULL };


/* A failed step named its error; reset it for the next reader. */
static void
check_failure(tg_tc_call_t *call, int rc)
{
    if (rc == TG_OK) {
        check(call->code[0] == '\0');
        return;
    }
    check(call->code[0] != '\0'
          && memchr(call->code, '\0', sizeof(call->code)) != NULL
          && memchr(call->message, '\0', sizeof(call->message)) != NULL
          && strcmp(call->code, "InternalError") != 0);
    call->code[0] = '\0';
    call->message[0] = '\0';
}


static void
check_query(tg_str_t q)
{
    size_t i;
    char   c;

    for (i = 0; i < q.len; i++) {
        c = q.ptr[i];
        if (c == '%') {
            check(i + 2 < q.len
                  && strchr("0123456789ABCDEF", q.ptr[i + 1]) != NULL
                  && strchr("0123456789ABCDEF", q.ptr[i + 2]) != NULL
                  && q.ptr[i + 1] != '\0' && q.ptr[i + 2] != '\0');
        } else {
            check(c != '\0'
                  && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                      || (c >= '0' && c <= '9')
                      || strchr("-_.!~*()=&", c) != NULL));
        }
    }
}


static void
read_params(tg_tc_call_t *call)
{
    tg_tc_filter_t filters[TG_TC_FILTERS_MAX];
    tg_str_t       s, items[IDS_MAX], stage;
    int64_t        limit, offset;
    char           ref[TG_TC_REF_MAX];
    size_t         n, i;
    int            rc;

    check_failure(call, tg_tc_params_only(call, known));

    rc = tg_tc_string(call, "ApiAppName", 0, &s);
    check_failure(call, rc);

    rc = tg_tc_paging(call, &limit, &offset);
    check_failure(call, rc);
    check(rc != TG_OK || (limit >= 1 && limit <= 100 && offset >= 0));

    rc = tg_tc_strings(call, "ApiIds", IDS_MAX, items, &n);
    check_failure(call, rc);
    check(rc != TG_OK || (n >= 1 && n <= IDS_MAX));
    for (i = 0; rc == TG_OK && i < n; i++) {
        check(items[i].len > 0);
    }

    rc = tg_tc_filters(call, filter_names, filters, &n);
    check_failure(call, rc);
    check(rc != TG_OK || n <= TG_TC_FILTERS_MAX);
    for (i = 0; rc == TG_OK && i < n; i++) {
        check(filters[i].nvalues <= TG_TC_VALUES_MAX);
    }

    rc = tg_tc_app_param(call, "ApiAppId", ref);
    check_failure(call, rc);
    check(rc != TG_OK || memchr(ref, '\0', TG_TC_REF_MAX) != NULL);

    if (tg_tc_string(call, "Environment", 0, &s) == TG_OK && s.ptr != NULL) {
        check_failure(call, tg_tc_stage(call, s, &stage));
    }
    call->code[0] = '\0';
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_http_request_t req;
    tg_tc_call_t     *call;
    int               rc;

    if (fuzz_http_request(&req, data, size) != 0) {
        return 0;
    }
    req.method = size > 0 && (data[0] & 0x80) ? "GET" : "POST";
    call = calloc(1, sizeof(*call));
    if (call == NULL) {
        fuzz_http_request_free(&req);
        return 0;
    }
    call->req = &req;

    rc = tg_tc_query_load(call);
    check_failure(call, rc);
    if (rc == TG_OK) {
        check_query(tg_buf_str(&call->query));
        rc = tg_tc_params_load(call);
        check_failure(call, rc);
    }
    if (rc == TG_OK) {
        check(json_is_object(call->params));
        read_params(call);
    }

    tg_tc_params_free(call);
    free(call);
    fuzz_http_request_free(&req);
    return 0;
}
