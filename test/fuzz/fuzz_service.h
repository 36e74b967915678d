/*
 * A real core service for the fuzz_daemon_* drivers that run a dialect's
 * handler whole: a SQLite store in a fresh temporary directory (removed
 * at exit), a keyring with one master key, the service over both, and the
 * bootstrap admin signed in.  Made once, in LLVMFuzzerInitialize(); the
 * handlers' writes accumulate in it, within its limits.  Only one driver
 * includes it (after fuzz_http.h), so it defines the functions.
 */

#ifndef TOLLGATE_FUZZ_SERVICE_H
#define TOLLGATE_FUZZ_SERVICE_H

/* The driver defines _XOPEN_SOURCE 700 before any include, for nftw(). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/service.h"
#include "tollgate/seal.h"

#include "fuzz.h"


#define FUZZ_ADMIN_ID     "TGfuzzAdmin0001"
#define FUZZ_ADMIN_SECRET "fuzz-admin-secret-0123456789abcdef"

typedef struct {
    char          dir[64];
    tg_store_t   *store;
    tg_keyring_t *keyring;
    tg_service_t *svc;
    tg_actor_t    admin;
} fuzz_service_t;

static fuzz_service_t fuzz_svc;


static int
fuzz_service_remove(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    return remove(path);
}


static void
fuzz_service_close(void)
{
    if (fuzz_svc.svc != NULL) {
        tg_service_destroy(fuzz_svc.svc);
    }
    tg_store_close(fuzz_svc.store);
    if (fuzz_svc.keyring != NULL) {
        tg_keyring_destroy(fuzz_svc.keyring);
    }
    if (fuzz_svc.dir[0] != '\0') {
        nftw(fuzz_svc.dir, fuzz_service_remove, 8, FTW_DEPTH | FTW_PHYS);
    }
    memset(&fuzz_svc, 0, sizeof(fuzz_svc));
}


/* Opens the service of limits (max_apps and the like bound how much the
 * fuzzer's writes can grow the store); aborts on failure. */
static void
fuzz_service_open(const char *name, const tg_service_limits_t *limits)
{
    static const uint8_t master[TG_SEAL_KEY_LEN] = { 7, 8, 9 };
    tg_db_options_t      o;
    tg_error_t           err;
    char                 path[96];
    int                  created;

    memset(&err, 0, sizeof(err));
    snprintf(fuzz_svc.dir, sizeof(fuzz_svc.dir), "/tmp/tollgate-%s-XXXXXX",
             name);
    check(mkdtemp(fuzz_svc.dir) != NULL);
    atexit(fuzz_service_close);

    snprintf(path, sizeof(path), "%s/tollgate.db", fuzz_svc.dir);
    memset(&o, 0, sizeof(o));
    o.path = path;
    o.connections = 2;
    o.busy_ms = 1000;

    check(tg_store_open(&tg_db_sqlite, &o, &fuzz_svc.store) == TG_OK);
    check(tg_keyring_create(&fuzz_svc.keyring) == TG_OK);
    check(tg_keyring_add(fuzz_svc.keyring, TG_STR("k1"), master) == TG_OK);
    tg_keyring_set_index_key(fuzz_svc.keyring, master);
    check(tg_service_create(fuzz_svc.store, fuzz_svc.keyring, limits,
                            &fuzz_svc.svc)
          == TG_OK);
    check(tg_service_bootstrap(fuzz_svc.svc, TG_STR(FUZZ_ADMIN_ID),
                               TG_STR(FUZZ_ADMIN_SECRET), &created, &err)
          == TG_OK);
    check(tg_service_authenticate(fuzz_svc.svc, TG_STR(FUZZ_ADMIN_ID),
                                  TG_STR(FUZZ_ADMIN_SECRET), &fuzz_svc.admin,
                                  &err)
          == TG_OK);
}


static void fuzz_service_app(const char *name, char id[TG_ID_LEN + 1]);


/* Makes the app id stands for (again, when a call deleted it). */
static void
fuzz_service_app_keep(char id[TG_ID_LEN + 1])
{
    static unsigned made;
    tg_app_view_t   view;
    tg_error_t      err;
    char            name[32];
    int             rc;

    memset(&view, 0, sizeof(view));
    memset(&err, 0, sizeof(err));
    if (id[0] != '\0') {
        rc = tg_service_app_get(fuzz_svc.svc, &fuzz_svc.admin, tg_str_c(id),
                                &view, &err);
        tg_app_view_free(&view);
        if (rc != TG_EAPP_NOT_FOUND) {
            return;
        }
    }
    snprintf(name, sizeof(name), "fuzz_app_%u", made++);
    fuzz_service_app(name, id);
}


/* Makes an app of the admin's account; aborts on failure. */
static void
fuzz_service_app(const char *name, char id[TG_ID_LEN + 1])
{
    tg_app_spec_t spec;
    tg_app_view_t view;
    tg_error_t    err;

    memset(&spec, 0, sizeof(spec));
    memset(&view, 0, sizeof(view));
    memset(&err, 0, sizeof(err));
    spec.name = tg_str_c(name);
    spec.enabled = 1;
    spec.generate_app_code = 1;
    check(
        tg_service_app_create(fuzz_svc.svc, &fuzz_svc.admin, &spec, &view, &err)
        == TG_OK);
    memcpy(id, view.app.id, TG_ID_LEN + 1);
    tg_app_view_free(&view);
}


/* The response's contract: a status a client can act on, never a 500
 * (out of memory aside, which the fuzzer's limits do not reach). */
static void
fuzz_check_response(const tg_http_response_t *res)
{
    if (getenv("FUZZ_VERBOSE") != NULL) {
        fprintf(stderr, "answered %u: %.*s\n", res->status, (int) res->body.len,
                res->body.ptr != NULL ? res->body.ptr : "");
    }
    if (res->status < 200 || res->status >= 600 || res->status == 500) {
        fprintf(stderr, "answered %u: %.*s\n", res->status, (int) res->body.len,
                res->body.ptr != NULL ? res->body.ptr : "");
        abort();
    }
}


/* ---- a dialect's request from the fuzzer's bytes ------------------------ */

/*
 * The input of a fuzz_daemon_<dialect> driver: a byte whose low 2 bits
 * pick the method in the driver's table of four (fuzz_methods: GET,
 * POST, PUT, DELETE) and whose bit 2 asks the
 * driver to authenticate the call (each driver its dialect's way); then
 * the path, up to a NUL; then fuzz_http_request()'s input (query,
 * headers, body).  "@app" in the path, a query value or the body stands
 * for the id of an app the driver made (ids are random, which no seed
 * could know), "@account" for the admin's account.
 */
typedef struct {
    tg_http_request_t req;
    int               authenticate;
    char             *path;   /* owned, substituted */
    char             *body;   /* owned, substituted */
    char             *values; /* owned: the substituted query values */
} fuzz_call_t;


/* A malloc'd copy of s (len bytes) with "@app" and "@account" replaced;
 * *out_len its length.  NULL when out of memory. */
static char *
fuzz_subst(const char *s, size_t len, const char *app, const char *account,
           size_t *out_len)
{
    size_t cap = len * 9 + 1, n = 0, i = 0;
    char  *out = malloc(cap);

    if (out == NULL) {
        return NULL;
    }
    while (i < len) {
        if (len - i >= 4 && memcmp(s + i, "@app", 4) == 0) {
            memcpy(out + n, app, strlen(app));
            n += strlen(app);
            i += 4;
        } else if (len - i >= 8 && memcmp(s + i, "@account", 8) == 0) {
            memcpy(out + n, account, strlen(account));
            n += strlen(account);
            i += 8;
        } else {
            out[n++] = s[i++];
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}


static const char *const fuzz_methods[4] = { "GET", "POST", "PUT", "DELETE" };


/* Builds the call, its method from methods[4]; returns 0, or -1 (nothing
 * to free) to skip the input. */
static int
fuzz_call_make(fuzz_call_t *c, const uint8_t *data, size_t size,
               const char *app, const char *const *methods)
{
    const char    *account = fuzz_svc.admin.account_id;
    const uint8_t *nul;
    size_t         plen, len, i, total = 0, at = 0;

    memset(c, 0, sizeof(*c));
    if (size < 2) {
        return -1;
    }
    nul = memchr(data + 1, '\0', size - 1);
    plen = nul != NULL ? (size_t) (nul - data - 1) : size - 1;

    if (fuzz_http_request(&c->req, nul != NULL ? nul + 1 : data + size,
                          nul != NULL ? size - plen - 2 : 0)
        != 0)
    {
        return -1;
    }
    c->req.method = methods[data[0] & 0x03];
    c->authenticate = (data[0] & 0x04) != 0;

    c->path = fuzz_subst((const char *) data + 1, plen, app, account, &len);
    c->body = fuzz_subst(c->req.body.ptr, c->req.body.len, app, account, &len);
    for (i = 0; i < c->req.nquery; i++) {
        if (c->req.query[i][1] != NULL) {
            total += strlen(c->req.query[i][1]) * 9 + 1;
        }
    }
    c->values = malloc(total + 1);
    if (c->path == NULL || c->body == NULL || c->values == NULL) {
        free(c->path);
        free(c->body);
        free(c->values);
        fuzz_http_request_free(&c->req);
        return -1;
    }
    c->req.path = c->path;
    c->req.body = (tg_str_t){ c->body, len };

    for (i = 0; i < c->req.nquery; i++) {
        char *v;

        if (c->req.query[i][1] == NULL) {
            continue;
        }
        v = fuzz_subst(c->req.query[i][1], strlen(c->req.query[i][1]), app,
                       account, &len);
        if (v == NULL) {
            continue;
        }
        memcpy(c->values + at, v, len + 1);
        free(v);
        c->req.query[i][1] = c->values + at;
        at += len + 1;
    }
    return 0;
}


/* Adds a header (both strings must outlive the call); 0, or -1 if full. */
static int
fuzz_call_header(fuzz_call_t *c, const char *name, const char *value)
{
    if (c->req.nheaders == FUZZ_HTTP_ARGS) {
        return -1;
    }
    c->req.headers[c->req.nheaders][0] = name;
    c->req.headers[c->req.nheaders++][1] = value;
    return 0;
}


static void
fuzz_call_free(fuzz_call_t *c)
{
    free(c->path);
    free(c->body);
    free(c->values);
    fuzz_http_request_free(&c->req);
}

#endif /* TOLLGATE_FUZZ_SERVICE_H */
