/*
 * The dialect table, the one decision of which dialect answers a
 * request, and the set of running dialects.  See dialects.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tollgate/error.h"
#include "dialects.h"
#include "console/console.h"
#include "dialects/alibaba/alibaba.h"
#include "dialects/authing/authing.h"
#include "dialects/huawei/huawei.h"
#include "dialects/native/native.h"
#include "dialects/tencent/tencent.h"
#include "metrics.h"
#include "metrics_endpoints.h"


/* clang-format off */

/* Every dialect tollgated speaks.  Among equal claims the first listed
 * wins, so the fallback goes first only because nothing ties with it. */
static const tg_dialect_t *const tg_dialects[] = {
    &tg_native_dialect,
    &tg_alibaba_dialect,
    &tg_authing_dialect,
    &tg_tencent_dialect,
    &tg_huawei_dialect,
    &tg_metrics_dialect,
    &tg_console_dialect,
};

/* clang-format on */

#define TG_NDIALECTS (sizeof(tg_dialects) / sizeof(tg_dialects[0]))

struct tg_dialect_set_s {
    void *instances[TG_NDIALECTS];
    void *settings[TG_NDIALECTS]; /* each dialect's settings struct */
};


const tg_dialect_t *const *
tg_dialect_table(size_t *n)
{
    *n = TG_NDIALECTS;
    return tg_dialects;
}


int
tg_dialect_pick(const tg_dialect_t *const *table, size_t n,
                const tg_claim_request_t *req)
{
    tg_claim_t best = TG_CLAIM_NONE, claim;
    size_t     i;
    int        pick = -1;

    for (i = 0; i < n; i++) {
        claim = table[i]->claim(req);
        if (claim > best) {
            best = claim;
            pick = (int) i;
        }
    }

    return pick;
}


const char *
tg_claim_header(const tg_claim_request_t *req, const char *name)
{
    return req->header(req->src, name);
}


const char *
tg_claim_query(const tg_claim_request_t *req, const char *name)
{
    return req->query(req->src, name);
}


int
tg_claim_auth_scheme(const tg_claim_request_t *req, const char *scheme)
{
    const char *auth = tg_claim_header(req, "Authorization");
    size_t      len = strlen(scheme);

    return auth != NULL && strncmp(auth, scheme, len) == 0 && auth[len] == ' ';
}


int
tg_claim_form_has(const tg_claim_request_t *req, const char *name)
{
    static const char form[] = "application/x-www-form-urlencoded";
    const char       *type = tg_claim_header(req, "Content-Type");
    const char       *p = req->body.ptr, *end = p + req->body.len, *amp;
    size_t            len = strlen(name), item;

    if (type == NULL || strncasecmp(type, form, sizeof(form) - 1) != 0
        || req->body.len == 0)
    {
        return 0;
    }

    while (p < end) {
        amp = memchr(p, '&', (size_t) (end - p));
        item = (size_t) ((amp != NULL ? amp : end) - p);

        if (item >= len && memcmp(p, name, len) == 0
            && (item == len || p[len] == '=')) {
            return 1;
        }

        p += item + 1;
    }

    return 0;
}


static const char *
tg_claim_http_header(const void *src, const char *name)
{
    return tg_http_header(src, name);
}


static const char *
tg_claim_http_query(const void *src, const char *name)
{
    return tg_http_query(src, name);
}


int
tg_dialect_set_create(tg_dialect_set_t **out)
{
    tg_dialect_set_t *set;
    size_t            i;

    *out = NULL;

    set = calloc(1, sizeof(tg_dialect_set_t));
    if (set == NULL) {
        return TG_ENOMEM;
    }

    for (i = 0; i < TG_NDIALECTS; i++) {
        if (tg_dialects[i]->settings_size > 0) {
            set->settings[i] = calloc(1, tg_dialects[i]->settings_size);
            if (set->settings[i] == NULL) {
                tg_dialect_set_destroy(set);
                return TG_ENOMEM;
            }
        }
    }

    *out = set;
    return TG_OK;
}


size_t
tg_dialect_set_settings(tg_dialect_set_t *set, tg_settings_group_t *groups,
                        size_t max)
{
    size_t i, n = 0;

    for (i = 0; i < TG_NDIALECTS; i++) {
        if (tg_dialects[i]->nsettings > 0) {
            if (n < max) {
                groups[n].table = tg_dialects[i]->settings;
                groups[n].n = tg_dialects[i]->nsettings;
                groups[n].values = set->settings[i];
            }
            n++;
        }
    }

    return n;
}


int
tg_dialect_set_start(tg_dialect_set_t *set, tg_service_t *svc, char *errbuf,
                     size_t errlen)
{
    size_t i;
    int    rc;

    for (i = 0; i < TG_NDIALECTS; i++) {
        if (tg_dialects[i]->create == NULL) {
            set->instances[i] = svc;
            continue;
        }
        rc = tg_dialects[i]->create(svc, set->settings[i], &set->instances[i]);
        if (rc != TG_OK) {
            snprintf(errbuf, errlen, "the %s dialect: %s", tg_dialects[i]->name,
                     tg_strerror(rc));
            return rc;
        }
    }

    return TG_OK;
}


/*
 * Refuses a malformed request with the dialect picked (an index, or -1),
 * or with the first dialect (the fallback) if that one cannot refuse.
 * Returns the index of the dialect that answered.
 */
static int
tg_dialect_refuse(tg_dialect_set_t *set, int pick, tg_http_request_t *req,
                  tg_http_response_t *res)
{
    tg_error_t err;

    if (pick < 0 || tg_dialects[pick]->refuse == NULL) {
        pick = 0;
    }

    memset(&err, 0, sizeof(err));
    tg_error_set(&err, TG_EMALFORMED, TG_FIELD_NONE, "%s",
                 tg_http_malformed(req));
    tg_dialects[pick]->refuse(set->instances[pick], req, res, &err);
    return pick;
}


void
tg_dialect_set_dispatch(tg_dialect_set_t *set, tg_http_request_t *req,
                        tg_http_response_t *res)
{
    tg_claim_request_t claim;
    int64_t            started;
    int                pick;

    claim.method = tg_http_method(req);
    claim.path = tg_http_path(req);
    claim.body = tg_http_body(req);
    claim.header = tg_claim_http_header;
    claim.query = tg_claim_http_query;
    claim.src = req;

    pick = tg_dialect_pick(tg_dialects, TG_NDIALECTS, &claim);
    if (pick < 0 && tg_http_malformed(req) == NULL) {
        res->status = 404;
        return;
    }

    started = tg_metrics_now_ns();
    tg_metrics_action_reset();
    if (tg_http_malformed(req) != NULL) {
        pick = tg_dialect_refuse(set, pick, req, res);
    } else {
        tg_dialects[pick]->handle(set->instances[pick], req, res);
    }
    tg_metrics_request((size_t) pick, res->status,
                       tg_metrics_now_ns() - started);
}


void
tg_dialect_set_destroy(tg_dialect_set_t *set)
{
    tg_settings_group_t group;
    size_t              i;

    if (set == NULL) {
        return;
    }

    for (i = TG_NDIALECTS; i-- > 0;) {
        if (set->instances[i] != NULL && tg_dialects[i]->destroy != NULL) {
            tg_dialects[i]->destroy(set->instances[i]);
        }
        if (set->settings[i] != NULL) {
            group.table = tg_dialects[i]->settings;
            group.n = tg_dialects[i]->nsettings;
            group.values = set->settings[i];
            tg_settings_group_free(&group);
            free(set->settings[i]);
        }
    }

    free(set);
}
