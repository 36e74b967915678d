/*
 * libFuzzer driver for the Authing dialect's request decoding
 * (daemon/dialects/authing/): the claim, the route of path and method,
 * the headers, the GET query and the POST JSON body (duplicates, field
 * counts, values rendered as the SDK signs them), the signature and
 * token parsing, and each route's handler behind them, run whole on a
 * real core service (fuzz_service.h) with a SQLite store.
 *
 * The input is fuzz_service.h's: method, path ("@app" an app's id), then
 * query, headers and body; with the authenticate bit the driver adds a
 * management token of the admin's, as a client does after
 * get-management-token, so the handlers' decoding is reached too.  Beyond
 * memory safety (ASan, UBSan) and leaks, it checks that every answer has
 * a status a client can act on, never a 500, and a JSON body.  Run with
 * `make fuzz`.
 */

#define _XOPEN_SOURCE 700

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/authing/authing_int.h"
#include "dialects.h"
#include "tollgate/error.h"

#include "fuzz_http.h"
#include "fuzz_service.h"


static void *ath;
static char  app[TG_ID_LEN + 1];
static char  bearer[TG_TOKEN_MAX + 16];


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
    tg_service_limits_t   limits;
    tg_authing_settings_t settings = { 3600 };
    tg_actor_t            actor;
    tg_buf_t              token = TG_BUF_INIT;
    tg_error_t            err;
    int64_t               expires_at;

    (void) argc;
    (void) argv;
    memset(&limits, 0, sizeof(limits));
    limits.max_apps = 50;
    limits.max_key_pairs = 5;
    limits.max_codes = 5;
    limits.max_grace_seconds = 3600;
    fuzz_service_open("fuzz-authing", &limits);
    fuzz_service_app_keep(app);
    check(tg_authing_dialect.create(fuzz_svc.svc, &settings, &ath) == TG_OK);

    memset(&actor, 0, sizeof(actor));
    memset(&err, 0, sizeof(err));
    check(tg_service_token_issue(fuzz_svc.svc, TG_STR(FUZZ_ADMIN_ID),
                                 TG_STR(FUZZ_ADMIN_SECRET), 86400, &actor,
                                 &token, &expires_at, &err)
          == TG_OK);
    snprintf(bearer, sizeof(bearer), "Bearer %s", token.ptr);
    tg_buf_wipe(&token);
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_claim_request_t claim;
    tg_http_response_t res;
    fuzz_call_t        c;
    json_t            *doc;

    if (fuzz_call_make(&c, data, size, app, fuzz_methods) != 0) {
        return 0;
    }
    if (c.authenticate) {
        (void) fuzz_call_header(&c, "authorization", bearer);
        (void) fuzz_call_header(&c, "x-authing-userpool-id",
                                fuzz_svc.admin.account_id);
    }

    memset(&claim, 0, sizeof(claim));
    claim.method = c.req.method;
    claim.path = c.req.path;
    claim.body = c.req.body;
    claim.header = claim_header;
    claim.query = claim_query;
    claim.src = &c.req;

    /* The server hands the dialect only the requests it claims. */
    if (tg_authing_dialect.claim(&claim) != TG_CLAIM_NONE) {
        memset(&res, 0, sizeof(res));
        tg_authing_dialect.handle(ath, &c.req, &res);
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
