/*
 * libFuzzer driver for the Huawei dialect's request decoding
 * (daemon/dialects/huawei/): the claim, the path router
 * (/v1|v2/{project}/apigw/instances/{instance}/...), the SDK-HMAC-SHA256
 * Authorization and X-Sdk-Date parsing, the query (pages, filters) and
 * the JSON bodies of each route's handler, run whole on a real core
 * service (fuzz_service.h) with a SQLite store.
 *
 * The input is fuzz_service.h's: method, path ("@app" an app's id,
 * "@account" the admin's project), then query, headers and body; with
 * the authenticate bit the driver signs the request with the admin's
 * key, as Huawei's SDK does (SignedHeaders x-sdk-date, an unsigned
 * payload), so that the handlers' decoding is reached too.  Beyond
 * memory safety (ASan, UBSan) and leaks, it checks that every answer has
 * a status a client can act on, never a 500, and a JSON body.  Run with
 * `make fuzz`.
 */

#define _XOPEN_SOURCE 700

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialects.h"
#include "dialects/huawei/huawei_int.h"
#include "tollgate/error.h"
#include "tollgate/huawei_sign.h"

#include "fuzz_http.h"
#include "fuzz_service.h"


static void *hw;
static char  app[TG_ID_LEN + 1];


static const char *
claim_header(const void *src, const char *name)
{
    return tg_http_header(src, name);
}


static const char *
claim_query(const void *src, const char *name)
{
    return tg_http_query(src, name);
}


int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    tg_service_limits_t  limits;
    tg_huawei_settings_t settings = { NULL };

    (void) argc;
    (void) argv;
    memset(&limits, 0, sizeof(limits));
    limits.max_apps = 50;
    limits.max_key_pairs = 5;
    limits.max_codes = 5;
    limits.max_grace_seconds = 3600;
    fuzz_service_open("fuzz-huawei", &limits);
    fuzz_service_app_keep(app);
    check(tg_huawei_dialect.create(fuzz_svc.svc, &settings, &hw) == TG_OK);
    return 0;
}


/* Signs the call with the admin's key: its headers point into date and
 * authorization, which must outlive it.  0, or -1 when it cannot (then
 * it goes unsigned). */
static int
sign(fuzz_call_t *c, char date[TG_HW_DATE_LEN + 1], char *authorization,
     size_t size)
{
    tg_hw_pair_t    query[FUZZ_HTTP_ARGS], header;
    tg_hw_request_t r;
    tg_buf_t        canonical = TG_BUF_INIT, sts = TG_BUF_INIT;
    char            signature[TG_HW_SIGNATURE_LEN + 1];
    time_t          now = time(NULL);
    struct tm       tm;
    size_t          i;
    int             rc;

    if (c->req.nheaders + 3 > FUZZ_HTTP_ARGS) {
        return -1;
    }
    gmtime_r(&now, &tm);
    strftime(date, TG_HW_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm);

    for (i = 0; i < c->req.nquery; i++) {
        query[i].name = tg_str_c(c->req.query[i][0]);
        query[i].value =
            tg_str_c(c->req.query[i][1] != NULL ? c->req.query[i][1] : "");
    }
    header = (tg_hw_pair_t){ TG_STR("x-sdk-date"), tg_str_c(date) };

    memset(&r, 0, sizeof(r));
    r.method = tg_str_c(c->req.method);
    r.path = tg_str_c(c->req.path);
    r.query = query;
    r.nquery = c->req.nquery;
    r.headers = &header;
    r.nheaders = 1;
    r.payload_hash = TG_STR(TG_HW_UNSIGNED);
    r.empty_form = TG_HW_EMPTY_EQUALS;

    rc = tg_hw_canonical_request(&r, &canonical);
    if (rc == TG_OK) {
        rc = tg_hw_string_to_sign(tg_str_c(date), tg_buf_str(&canonical), &sts);
    }
    if (rc == TG_OK) {
        rc = tg_hw_sign(TG_STR(FUZZ_ADMIN_SECRET), tg_buf_str(&sts), signature);
    }
    tg_buf_free(&canonical);
    tg_buf_free(&sts);
    if (rc != TG_OK) {
        return -1;
    }

    snprintf(authorization, size,
             TG_HW_ALGORITHM " Access=" FUZZ_ADMIN_ID
                             ", SignedHeaders=x-sdk-date, Signature=%s",
             signature);
    (void) fuzz_call_header(c, "Authorization", authorization);
    (void) fuzz_call_header(c, "X-Sdk-Date", date);
    (void) fuzz_call_header(c, "X-Sdk-Content-Sha256", TG_HW_UNSIGNED);
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_claim_request_t claim;
    tg_http_response_t res;
    fuzz_call_t        c;
    json_t            *doc;
    char               date[TG_HW_DATE_LEN + 1];
    char               authorization[256];

    if (fuzz_call_make(&c, data, size, app, fuzz_methods) != 0) {
        return 0;
    }
    if (c.authenticate) {
        (void) sign(&c, date, authorization, sizeof(authorization));
    }

    memset(&claim, 0, sizeof(claim));
    claim.method = c.req.method;
    claim.path = c.req.path;
    claim.body = c.req.body;
    claim.header = claim_header;
    claim.query = claim_query;
    claim.src = &c.req;

    /* The server hands the dialect only the requests it claims. */
    if (tg_huawei_dialect.claim(&claim) != TG_CLAIM_NONE) {
        memset(&res, 0, sizeof(res));
        tg_huawei_dialect.handle(hw, &c.req, &res);
        fuzz_check_response(&res);
        if (res.body.len > 0) {
            doc = json_loadb(res.body.ptr, res.body.len, 0, NULL);
            check(doc != NULL);
            json_decref(doc);
        }
        tg_buf_free(&res.body);
    }

    if (strcmp(c.req.method, "DELETE") == 0) {
        fuzz_service_app_keep(app); /* "@app" stays an app */
    }
    fuzz_call_free(&c);
    return 0;
}
