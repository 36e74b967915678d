/*
 * Tests of daemon/dialects.c (which dialect answers a request) and of
 * daemon/dialects/dialect_util.c.  The real native, Alibaba and Tencent
 * claims are tested together, so that requests that look like two
 * vendors at once show the precedence: a path beats a vendor header,
 * which beats an Authorization scheme, which beats the shape of the
 * parameters; equal claims go to the dialect listed first.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialects.h"
#include "dialects/alibaba/alibaba.h"
#include "dialects/dialect_util.h"
#include "dialects/huawei/huawei.h"
#include "dialects/native/native.h"
#include "dialects/native/native_int.h"
#include "dialects/tencent/tencent.h"

#include "unit.h"


/* A request as a claim sees it: "name: value" headers and "name=value"
 * query arguments. */
typedef struct {
    const char *headers[8];
    const char *query[8];
} fake_t;


static const char *
fake_find(const char *const *list, const char *name, char sep, int nocase)
{
    size_t len = strlen(name);

    for (; *list != NULL; list++) {
        if ((nocase ? strncasecmp(*list, name, len) : strncmp(*list, name, len))
                == 0
            && (*list)[len] == sep)
        {
            return *list + len + 1 + (sep == ':');
        }
    }
    return NULL;
}


static const char *
fake_header(const void *src, const char *name)
{
    return fake_find(((const fake_t *) src)->headers, name, ':', 1);
}


static const char *
fake_query(const void *src, const char *name)
{
    return fake_find(((const fake_t *) src)->query, name, '=', 0);
}


static const tg_dialect_t *const table[] = { &tg_native_dialect,
                                             &tg_alibaba_dialect,
                                             &tg_tencent_dialect };


/* The name of the dialect that answers. */
static const char *
pick(const tg_dialect_t *const *t, size_t n, const char *method,
     const char *path, const fake_t *fake, const char *body)
{
    tg_claim_request_t req;
    int                i;

    req.method = method;
    req.path = path;
    req.body = tg_str_c(body);
    req.header = fake_header;
    req.query = fake_query;
    req.src = fake;

    i = tg_dialect_pick(t, n, &req);
    return i < 0 ? "(none)" : t[i]->name;
}

#define PICK(method, path, body, ...) \
    pick(table, 3, method, path, &(fake_t){ __VA_ARGS__ }, body)


static void
test_native_paths_and_fallback(void **state)
{
    (void) state;

    assert_string_equal(PICK("GET", "/v1/apps", "", { NULL }, { NULL }),
                        "native");
    assert_string_equal(PICK("GET", "/healthz", "", { NULL }, { NULL }),
                        "native");
    /* A path beats any other signal. */
    assert_string_equal(PICK("GET", "/v1/apps", "",
                             { "X-TC-Action: DescribeApps", NULL },
                             { "Action=DescribeApps", NULL }),
                        "native");
    /* What no one else claims is the native API's (its 404); in the
     * whole table, GET / is the console's (test_console_claims). */
    assert_string_equal(PICK("GET", "/", "", { NULL }, { NULL }), "native");
    assert_string_equal(PICK("GET", "/v2", "", { NULL }, { "Action=X", NULL }),
                        "native");
    assert_string_equal(PICK("POST", "/elsewhere", "",
                             { "x-acs-action: CreateApp", NULL }, { NULL }),
                        "native");
}


/* What Alibaba's SDKs send, and what they never do. */
static void
test_alibaba_claims(void **state)
{
    (void) state;

    /* pop-core by GET, the Tea clients with v2: Action in the query. */
    assert_string_equal(
        PICK("GET", "/", "", { NULL }, { "Action=DescribeApps", NULL }),
        "alibaba");
    /* pop-core by POST: everything in a form body. */
    assert_string_equal(
        PICK("POST", "/", "AccessKeyId=k&Action=CreateApp&AppName=a",
             { "Content-Type: application/x-www-form-urlencoded", NULL },
             { NULL }),
        "alibaba");
    assert_string_equal(
        PICK("POST", "/", "Action",
             { "content-type: application/x-www-form-urlencoded; "
               "charset=UTF-8",
               NULL },
             { NULL }),
        "alibaba");
    /* V3: the action header, or the signature scheme alone. */
    assert_string_equal(
        PICK("POST", "/", "", { "x-acs-action: CreateApp", NULL }, { NULL }),
        "alibaba");
    assert_string_equal(PICK("POST", "/", "",
                             { "Authorization: ACS3-HMAC-SHA256 "
                               "Credential=k",
                               NULL },
                             { NULL }),
                        "alibaba");

    /* Any form body is no longer enough: it must carry an Action. */
    assert_string_equal(
        PICK("POST", "/", "AppName=a&Actions=1&XAction=2",
             { "Content-Type: application/x-www-form-urlencoded", NULL },
             { NULL }),
        "native");
    /* Nor is an Action in a body that is not a form. */
    assert_string_equal(PICK("POST", "/", "Action=CreateApp",
                             { "Content-Type: application/json", NULL },
                             { NULL }),
                        "native");
    assert_string_equal(PICK("POST", "/", "",
                             { "Authorization: ACS3-HMAC-SHA256X", NULL },
                             { NULL }),
                        "native");
}


/* What Tencent's SDK sends, and what it never does. */
static void
test_tencent_claims(void **state)
{
    (void) state;

    /* The SDK: POST / with X-TC-Action and a TC3 signature. */
    assert_string_equal(
        PICK("POST", "/", "{}",
             { "Content-Type: application/json", "X-TC-Action: UpdateApiAppKey",
               "Authorization: TC3-HMAC-SHA256 Credential=k/2026-11-30/"
               "apigateway/tc3_request, SignedHeaders=content-type;host, "
               "Signature=00",
               NULL },
             { NULL }),
        "tencent");
    /* Either signal alone, in any case of the header name. */
    assert_string_equal(
        PICK("POST", "/", "", { "x-tc-action: CreateApiApp", NULL }, { NULL }),
        "tencent");
    assert_string_equal(PICK("POST", "/", "",
                             { "Authorization: TC3-HMAC-SHA256 x", NULL },
                             { NULL }),
                        "tencent");

    /* Not another path, another scheme, or an Action parameter alone:
     * those are Alibaba's RPC calls, or the native API's 404. */
    assert_string_equal(PICK("POST", "/v1/apps", "",
                             { "X-TC-Action: CreateApiApp", NULL }, { NULL }),
                        "native");
    assert_string_equal(PICK("POST", "/", "",
                             { "Authorization: TC3-HMAC-SHA256X", NULL },
                             { NULL }),
                        "native");
    /* The scheme's name alone, or a prefix of it, is no scheme. */
    assert_string_equal(PICK("POST", "/", "",
                             { "Authorization: TC3-HMAC-SHA256", NULL },
                             { NULL }),
                        "native");
    assert_string_equal(
        PICK("POST", "/", "", { "Authorization: TC3 x", NULL }, { NULL }),
        "native");
    assert_string_equal(PICK("GET", "/", "", { NULL },
                             { "Action=DescribeApiAppsStatus", NULL }),
                        "alibaba");
    assert_string_equal(
        PICK("POST", "/", "Action=UpdateApiAppKey&Version=2018-08-08",
             { "Content-Type: application/x-www-form-urlencoded", NULL },
             { NULL }),
        "alibaba");
}


/* Requests that look like two vendors at once. */
static void
test_two_vendors_at_once(void **state)
{
    (void) state;

    /* A vendor header beats the shape of the parameters... */
    assert_string_equal(PICK("GET", "/", "",
                             { "X-TC-Action: DescribeApps", NULL },
                             { "Action=DescribeApps", NULL }),
                        "tencent");
    assert_string_equal(
        PICK("POST", "/", "Action=CreateApp",
             { "Content-Type: application/x-www-form-urlencoded",
               "X-TC-Action: CreateApp", NULL },
             { NULL }),
        "tencent");
    /* ...and an Authorization scheme... */
    assert_string_equal(PICK("POST", "/", "",
                             { "Authorization: ACS3-HMAC-SHA256 x",
                               "X-TC-Action: CreateApp", NULL },
                             { NULL }),
                        "tencent");
    assert_string_equal(PICK("POST", "/", "",
                             { "Authorization: TC3-HMAC-SHA256 x",
                               "x-acs-action: CreateApp", NULL },
                             { NULL }),
                        "alibaba");
    /* ...which beats the shape. */
    assert_string_equal(PICK("GET", "/", "",
                             { "Authorization: TC3-HMAC-SHA256 x", NULL },
                             { "Action=DescribeApps", NULL }),
                        "tencent");
}


/* Huawei's paths: /v2/{project}/apigw/..., and /v1/ ones inside the
 * native prefix when the project is an account id. */
static void
test_huawei_paths(void **state)
{
    static const tg_dialect_t *const t[] = { &tg_native_dialect,
                                             &tg_alibaba_dialect,
                                             &tg_huawei_dialect };
    static const char project[] = "0123456789abcdef0123456789abcdef";
    fake_t            none = { { NULL }, { NULL } };
    fake_t acs = { { "x-acs-action: CreateApp", NULL }, { "Action=X", NULL } };
    char   path[160];

    (void) state;

    snprintf(path, sizeof(path), "/v2/%s/apigw/instances/default/apps",
             project);
    assert_string_equal(pick(t, 3, "GET", path, &none, ""), "huawei");
    assert_string_equal(pick(t, 3, "GET", path, &acs, ""), "huawei");
    assert_string_equal(pick(t, 3, "GET", "/v2/anything/apigw", &none, ""),
                        "huawei");

    snprintf(path, sizeof(path), "/v1/%s/apigw/instances/default/apps/secret/x",
             project);
    assert_string_equal(pick(t, 3, "PUT", path, &none, ""), "huawei");

    /* The native API keeps its own /v1/ routes, "apigw" in them or not. */
    assert_string_equal(pick(t, 3, "GET", "/v1/apps", &none, ""), "native");
    assert_string_equal(
        pick(t, 3, "GET", "/v1/accounts/apigw/access-keys", &none, ""),
        "native");
    assert_string_equal(
        pick(t, 3, "GET", "/v1/notanid/apigw/instances/default", &none, ""),
        "native");
    assert_string_equal(pick(t, 3, "GET", "/v2//apigw", &none, ""), "native");
    assert_string_equal(pick(t, 3, "GET", "/v2/p/other", &none, ""), "native");
}


/* Equal claims go to the dialect listed first. */
static void
test_ties_go_to_the_first_listed(void **state)
{
    static const tg_dialect_t *const reversed[] = { &tg_tencent_dialect,
                                                    &tg_alibaba_dialect };
    fake_t both = { { "x-acs-action: A", "X-TC-Action: A", NULL }, { NULL } };

    (void) state;

    assert_string_equal(pick(table, 3, "POST", "/", &both, ""), "alibaba");
    assert_string_equal(pick(reversed, 2, "POST", "/", &both, ""), "tencent");
    /* Without a fallback, what no one claims is no one's. */
    assert_string_equal(pick(reversed, 2, "GET", "/v1/apps", &both, ""),
                        "(none)");
}


/* The registry itself: every dialect complete, and names unique. */
/* The registered table: Authing's path prefix beats every other signal,
 * and its Authorization scheme claims nothing elsewhere. */
static void
test_authing_claims(void **state)
{
    const tg_dialect_t *const *t;
    size_t                     n;

    (void) state;
    t = tg_dialect_table(&n);

#define REAL(method, path, body, ...) \
    pick(t, n, method, path, &(fake_t){ __VA_ARGS__ }, body)

    assert_string_equal(
        REAL("POST", "/api/v3/refresh-application-secret", "",
             .headers = { "x-acs-action: CreateApp",
                          "Authorization: ACS3-HMAC-SHA256 x", NULL },
             .query = { "Action=CreateApp", NULL }),
        "authing");
    assert_string_equal(REAL("GET", "/api/v3/", "", .headers = { NULL }),
                        "authing");
    assert_string_equal(REAL("GET", "/", "",
                             .headers = { "Authorization: authing a:b", NULL },
                             .query = { "Action=DescribeApps", NULL }),
                        "alibaba");
    assert_string_equal(REAL("GET", "/v1/apps", "",
                             .headers = { "Authorization: GenAuth a:b", NULL }),
                        "native");
    assert_string_equal(REAL("GET", "/api/v3", "", .headers = { NULL }),
                        "native");
    assert_string_equal(
        REAL("GET", "/API/V3/get-application", "", .headers = { NULL }),
        "native");

#undef REAL
}


/* The registered table: the console's files are under /console, which
 * beats every other signal, and claims nothing beside it. */
static void
test_console_claims(void **state)
{
    const tg_dialect_t *const *t;
    size_t                     n;

    (void) state;
    t = tg_dialect_table(&n);

#define REAL(method, path, body, ...) \
    pick(t, n, method, path, &(fake_t){ __VA_ARGS__ }, body)

    assert_string_equal(REAL("GET", "/console/", "", .headers = { NULL }),
                        "console");
    assert_string_equal(REAL("GET", "/console", "", .headers = { NULL }),
                        "console");
    assert_string_equal(
        REAL("POST", "/console/assets/main.js", "Action=CreateApp",
             .headers = { "x-acs-action: CreateApp",
                          "Authorization: TC3-HMAC-SHA256 x", NULL },
             .query = { "Action=CreateApp", NULL }),
        "console");
    assert_string_equal(REAL("GET", "/consolex", "", .headers = { NULL }),
                        "native");
    assert_string_equal(REAL("GET", "/v1/console", "", .headers = { NULL }),
                        "native");
    assert_string_equal(REAL("POST", "/v1/sessions", "", .headers = { NULL }),
                        "native");
    assert_string_equal(REAL("GET", "/api/v3/console", "", .headers = { NULL }),
                        "authing");

    /* A browser's GET or HEAD of the root goes to the console, which
     * sends it to /console/ (or, with no console to serve, answers as
     * the native API does); a vendor's call to "/" stays the vendor's. */
    assert_string_equal(REAL("GET", "/", "", .headers = { NULL }), "console");
    assert_string_equal(REAL("HEAD", "/", "", .headers = { NULL }), "console");
    assert_string_equal(REAL("POST", "/", "", .headers = { NULL }), "native");
    assert_string_equal(REAL("GET", "/x", "", .headers = { NULL }), "native");
    assert_string_equal(REAL("GET", "/", "", .headers = { NULL },
                             .query = { "Action=DescribeApps", NULL }),
                        "alibaba");
    assert_string_equal(
        REAL("GET", "/", "", .headers = { "X-TC-Action: DescribeApps", NULL }),
        "tencent");
    assert_string_equal(
        REAL("GET", "/", "",
             .headers = { "Authorization: ACS3-HMAC-SHA256 x", NULL }),
        "alibaba");

#undef REAL
}


static void
test_table(void **state)
{
    const tg_dialect_t *const *t;
    size_t                     n, i, k;

    (void) state;

    t = tg_dialect_table(&n);
    assert_true(n >= 2);
    for (i = 0; i < n; i++) {
        assert_non_null(t[i]->name);
        /* Both or neither: without them the instance is the service,
         * and a dialect with settings needs create() to read them. */
        assert_true((t[i]->create == NULL) == (t[i]->destroy == NULL));
        assert_true(t[i]->nsettings == 0 || t[i]->create != NULL);
        assert_non_null(t[i]->claim);
        assert_non_null(t[i]->handle);
        assert_true((t[i]->nsettings == 0) == (t[i]->settings == NULL));
        for (k = 0; k < i; k++) {
            assert_true(strcmp(t[i]->name, t[k]->name) != 0);
        }
    }
}


/* dialect_util.c: the lookup in an error table, and the shared values. */
static void
test_dialect_util(void **state)
{
    typedef struct {
        int         error;
        const char *code;
    } row_t;
    static const row_t rows[] = {
        { TG_EINVALID, "first" },
        { TG_EAPP_NOT_FOUND, "app" },
        { TG_EINVALID, "second" },
    };
    const row_t *row;
    json_t      *v;

    (void) state;

    row = TG_DIALECT_ERROR_ROW(rows, TG_EAPP_NOT_FOUND);
    assert_non_null(row);
    assert_string_equal(row->code, "app");
    row = TG_DIALECT_ERROR_ROW(rows, TG_EINVALID);
    assert_non_null(row);
    assert_string_equal(row->code, "first");
    assert_null(TG_DIALECT_ERROR_ROW(rows, TG_ECONFLICT));
    assert_null(tg_dialect_error_row(rows, 0, sizeof(rows[0]), TG_EINVALID));

    v = tg_dialect_json_time(0);
    assert_string_equal(json_string_value(v), "");
    json_decref(v);
    v = tg_dialect_json_time(1606819495000);
    assert_string_equal(json_string_value(v), "2020-12-01T10:44:55Z");
    json_decref(v);
    v = tg_dialect_json_string(NULL);
    assert_string_equal(json_string_value(v), "");
    json_decref(v);
}


/* Asserts that the native renderer writes v as json_dumps() does. */
static void
assert_rendered_as_jansson(json_t *v)
{
    tg_buf_t out = TG_BUF_INIT;
    char    *expected = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

    assert_non_null(expected);
    assert_int_equal(tg_native_json_render(v, &out), 0);
    assert_non_null(out.ptr);
    assert_string_equal(out.ptr, expected);
    assert_int_equal(out.len, strlen(expected));
    free(expected);
    tg_buf_free(&out);
    json_decref(v);
}


/* The native reply's renderer against jansson's, on every kind of value,
 * escapes, empty containers, key order and deep nesting. */
static void
test_native_json_render(void **state)
{
    json_t  *deep, *inner;
    tg_buf_t none = TG_BUF_INIT;
    int      i;

    (void) state;

    assert_rendered_as_jansson(json_pack(
        "{s:s, s:I, s:I, s:b, s:b, s:n, s:f, s:{}, s:[], s:[i, s, {s:s}]}",
        "zeta", "plain", "alpha", (json_int_t) -9223372036854775807LL - 1,
        "mid", (json_int_t) 1234567890123LL, "t", 1, "f", 0, "nil", "real", 0.1,
        "empty", "none", "list", 7, "x", "k", "v"));
    assert_rendered_as_jansson(
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "quote\"key", "a\"b\\c/d", "ctl",
                  "\x01\b\f\n\r\t\x1f\x7f", "utf8", "caf\xc3\xa9 \xe2\x82\xac",
                  "astral", "\xf0\x9f\x98\x80", "\xc3\xa9", "key"));
    assert_rendered_as_jansson(json_stringn("nul\0inside", 11));
    assert_rendered_as_jansson(json_pack("[s, s, i]", "", " ", 0));
    assert_rendered_as_jansson(json_integer(-1));

    deep = json_pack("{s:s}", "leaf", "x\ny");
    for (i = 0; i < 40; i++) {
        inner = deep;
        deep = i % 2 == 0 ? json_pack("[o]", inner)
                          : json_pack("{s:o, s:i}", "in", inner, "n", i);
        assert_non_null(deep);
    }
    assert_rendered_as_jansson(deep);

    assert_int_equal(tg_native_json_render(NULL, &none), -1);
    assert_null(none.ptr);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_native_paths_and_fallback),
        cmocka_unit_test(test_alibaba_claims),
        cmocka_unit_test(test_tencent_claims),
        cmocka_unit_test(test_two_vendors_at_once),
        cmocka_unit_test(test_huawei_paths),
        cmocka_unit_test(test_ties_go_to_the_first_listed),
        cmocka_unit_test(test_authing_claims),
        cmocka_unit_test(test_console_claims),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_dialect_util),
        cmocka_unit_test(test_native_json_render),
    };

    return cmocka_run_group_tests_name("dialects", tests, NULL, NULL);
}
