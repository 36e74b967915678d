/*
 * libFuzzer driver for the native API's route matcher and its handlers
 * (daemon/dialects/native/): the path router (/v1/apps/{}/keys/{}...,
 * 405 with Allow, unknown paths), HTTP Basic authentication, and every
 * route's decoding of its JSON body and query, run whole on a real core
 * service (fuzz_service.h) with a SQLite store.  fuzz_daemon_native
 * fuzzes the body and query decoders alone; this one reaches them
 * through the routes.
 *
 * The input is fuzz_service.h's, with the methods GET, POST, PATCH and
 * DELETE (PUT when bit 3 of the first byte is set); with the
 * authenticate bit the driver adds the admin's Basic credentials.  Beyond
 * memory safety (ASan, UBSan) and leaks, it checks that every answer has
 * a status a client can act on, never a 500, and a body that is empty or
 * JSON.  Run with `make fuzz`.
 */

#define _XOPEN_SOURCE 700

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/native/native.h"
#include "tollgate/error.h"

#include "fuzz_http.h"
#include "fuzz_service.h"


/* FUZZ_ADMIN_ID ":" FUZZ_ADMIN_SECRET in base64. */
#define BASIC                                                          \
    "Basic VEdmdXp6QWRtaW4wMDAxOmZ1enotYWRtaW4tc2VjcmV0LTAxMjM0NTY3OD" \
    "lhYmNkZWY="

static const char *const methods[4] = { "GET", "POST", "PATCH", "DELETE" };
static char              app[TG_ID_LEN + 1];


int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    tg_service_limits_t limits;

    (void) argc;
    (void) argv;
    memset(&limits, 0, sizeof(limits));
    limits.max_apps = 50;
    limits.max_key_pairs = 5;
    limits.max_codes = 5;
    limits.max_grace_seconds = 3600;
    fuzz_service_open("fuzz-native", &limits);
    fuzz_service_app_keep(app);
    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_http_response_t res;
    fuzz_call_t        c;
    json_t            *doc;

    if (fuzz_call_make(&c, data, size, app, methods) != 0) {
        return 0;
    }
    if (data[0] & 0x08) {
        c.req.method = "PUT";
    }
    if (c.authenticate) {
        (void) fuzz_call_header(&c, "Authorization", BASIC);
    }

    memset(&res, 0, sizeof(res));
    tg_native_handle(fuzz_svc.svc, &c.req, &res);
    fuzz_check_response(&res);
    if (res.body.len > 0) {
        doc = json_loadb(res.body.ptr, res.body.len, 0, NULL);
        check(doc != NULL);
        json_decref(doc);
    }
    tg_buf_free(&res.body);

    if (strcmp(c.req.method, "DELETE") == 0) {
        fuzz_service_app_keep(app); /* "@app" stays an app */
    }
    fuzz_call_free(&c);
    return 0;
}
