/*
 * libFuzzer driver for the Alibaba dialect's parameter parser
 * (daemon/dialects/alibaba/alibaba_params.c): the query arguments and a
 * form body merged into one list, and the readers of typed, flattened and
 * comma-separated parameters that the actions call.
 *
 * The request comes from the fake server of fuzz_http.h.  Beyond memory
 * safety (ASan, UBSan), it checks: a failure is a 400 with a code and a
 * NUL-terminated message (never a 5xx, which only running out of memory
 * may give); a loaded list holds at most TG_ALI_PARAMS_MAX parameters,
 * no name twice, each pointing into the call's text; and each reader
 * returns items inside that text, within its bounds.  Run with `make
 * fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/alibaba/alibaba_int.h"
#include "tollgate/error.h"
#include "tollgate/model.h"

#include "fuzz_http.h"


#define IDS_MAX 8


/* A failed reader left a 400 and its code; a passing one nothing. */
static void
check_failure(tg_ali_call_t *call, int rc)
{
    if (rc == TG_OK) {
        check(call->status == 0);
        return;
    }
    check(call->status == 400 && call->code[0] != '\0'
          && memchr(call->code, '\0', sizeof(call->code)) != NULL
          && memchr(call->message, '\0', sizeof(call->message)) != NULL);
    call->status = 0;
    call->code[0] = '\0';
}


static void
read_params(tg_ali_call_t *call)
{
    tg_str_t      text = tg_buf_str(&call->text), items[IDS_MAX];
    tg_tag_spec_t tags[TG_TAGS_MAX];
    int64_t       number, size, v;
    char          ref[24];
    size_t        n, i;
    int           given, on, rc;

    rc = tg_ali_tags(call, "Tag", tags, &n);
    check_failure(call, rc);
    if (rc == TG_OK) {
        check(n <= TG_TAGS_MAX);
        for (i = 0; i < n; i++) {
            check(inside(tags[i].key, text));
        }
    }

    rc = tg_ali_list(call, "ResourceId", IDS_MAX, items, &n);
    check_failure(call, rc);
    for (i = 0; rc == TG_OK && i < n; i++) {
        check(n <= IDS_MAX && items[i].ptr != NULL && inside(items[i], text));
    }

    rc = tg_ali_csv(call, "AppIds", IDS_MAX, items, &n);
    check_failure(call, rc);
    for (i = 0; rc == TG_OK && i < n; i++) {
        check(n <= IDS_MAX && items[i].len > 0 && inside(items[i], text));
    }

    rc = tg_ali_paging(call, &number, &size);
    check_failure(call, rc);
    check(rc != TG_OK
          || (number >= 1 && size >= 1 && size <= TG_PAGE_SIZE_MAX));

    rc = tg_ali_app_id(call, "AppId", 1, ref);
    check_failure(call, rc);
    check(rc != TG_OK || (ref[0] >= '1' && ref[0] <= '9'));

    check_failure(call, tg_ali_int(call, "Quota", 0, -5, 5, 0, &v));
    check_failure(call, tg_ali_bool(call, "Enabled", &given, &on));
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_http_request_t req;
    tg_ali_call_t    *call;
    tg_str_t          text;
    size_t            i, j;
    int               rc;

    if (fuzz_http_request(&req, data, size) != 0) {
        return 0;
    }
    call = calloc(1, sizeof(*call));
    if (call == NULL) {
        fuzz_http_request_free(&req);
        return 0;
    }
    call->req = &req;
    call->text = TG_BUF_INIT;

    rc = tg_ali_params_load(call);
    if (rc != TG_OK) {
        check(call->status == 400 || call->status == 500);
        check(call->status == 400 || strcmp(call->code, "InternalError") == 0);
        check_failure(call, call->status == 400 ? rc : TG_OK);
    } else {
        text = tg_buf_str(&call->text);
        check(call->nparams <= TG_ALI_PARAMS_MAX
              && call->nquery <= call->nparams);
        for (i = 0; i < call->nparams; i++) {
            check(inside(call->params[i].name, text)
                  && inside(call->params[i].value, text));
            for (j = 0; j < i; j++) {
                check(!tg_str_eq(call->params[i].name, call->params[j].name));
            }
        }
        read_params(call);
    }

    tg_buf_wipe(&call->text);
    free(call->params);
    free(call);
    fuzz_http_request_free(&req);
    return 0;
}
