/*
 * Releasing and copying the model's records.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/model.h"
#include "tollgate/str.h"


void
tg_tags_free(tg_tag_t *tags, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(tags[i].key);
        free(tags[i].value);
        tags[i].key = NULL;
        tags[i].value = NULL;
    }
}


int
tg_tags_copy(tg_tag_t *dst, size_t *ndst, const tg_tag_t *src, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        dst[i].key = tg_strndup(src[i].key, strlen(src[i].key));
        dst[i].value = tg_strndup(src[i].value, strlen(src[i].value));

        if (dst[i].key == NULL || dst[i].value == NULL) {
            tg_tags_free(dst, i + 1);
            *ndst = 0;
            return TG_ENOMEM;
        }
    }

    *ndst = n;
    return TG_OK;
}


void
tg_app_free(tg_app_t *app)
{
    if (app != NULL) {
        free(app->name);
        free(app->description);
        free(app->extend);
        tg_tags_free(app->tags, app->ntags);
        memset(app, 0, sizeof(*app));
    }
}


void
tg_api_free(tg_api_t *api)
{
    if (api != NULL) {
        free(api->name);
        free(api->description);
        memset(api, 0, sizeof(*api));
    }
}


void
tg_grant_free(tg_grant_t *grant)
{
    if (grant != NULL) {
        free(grant->app_name);
        free(grant->api_name);
        memset(grant, 0, sizeof(*grant));
    }
}


void
tg_account_free(tg_account_t *account)
{
    if (account != NULL) {
        free(account->name);
        memset(account, 0, sizeof(*account));
    }
}


void
tg_access_key_free(tg_access_key_t *key)
{
    if (key != NULL) {
        free(key->description);
        free(key->secret_sealed);
        memset(key, 0, sizeof(*key));
    }
}
