/*
 * Helpers every dialect shares.  See dialect_util.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tollgate/crypto.h"
#include "tollgate/time.h"
#include "dialects/dialect_util.h"


void
tg_dialect_actor_init(tg_actor_t *actor, const tg_http_request_t *req)
{
    memset(actor, 0, sizeof(*actor));
    snprintf(actor->request_id, sizeof(actor->request_id), "%s",
             tg_http_request_id(req));
    snprintf(actor->source, sizeof(actor->source), "%s", tg_http_remote(req));
    actor->secure = tg_http_is_secure(req);
}


json_t *
tg_dialect_json_time(int64_t ms)
{
    char text[TG_RFC3339_LEN + 1];

    if (ms == 0) {
        return json_string("");
    }

    tg_time_format(ms, 0, text);
    return json_string(text);
}


json_t *
tg_dialect_json_string(const char *s)
{
    return json_string(s != NULL ? s : "");
}


const void *
tg_dialect_error_row(const void *table, size_t n, size_t size, int code)
{
    const char *row = table;
    size_t      i;

    for (i = 0; i < n; i++, row += size) {
        /* A struct's address is its first member's. */
        if (*(const int *) (const void *) row == code) {
            return row;
        }
    }

    return NULL;
}


int
tg_dialect_basic_authenticate(tg_service_t *svc, const char *header,
                              tg_actor_t *actor, tg_error_t *err)
{
    tg_str_t encoded, key_id, secret;
    uint8_t *decoded;
    size_t   n = 0, size;
    char    *colon;
    int      rc = TG_EUNAUTHENTICATED;

    if (header == NULL || strncasecmp(header, "Basic ", 6) != 0) {
        return tg_error_set(err, TG_EUNAUTHENTICATED, TG_FIELD_NONE,
                            "send an access key with HTTP Basic "
                            "authentication (curl -u ID:SECRET)");
    }

    encoded = tg_str_trim(tg_str_c(header + 6));
    size = encoded.len / 4 * 3 + 1;
    decoded = malloc(size);
    if (decoded == NULL) {
        return tg_error_code(err, TG_ENOMEM);
    }

    if (tg_base64_decode(encoded, decoded, &n) == TG_OK) {
        decoded[n] = '\0';
        colon = memchr(decoded, ':', n);
        if (colon != NULL) {
            key_id = (tg_str_t){ (char *) decoded,
                                 (size_t) (colon - (char *) decoded) };
            secret = (tg_str_t){ colon + 1, n - key_id.len - 1 };
            rc = tg_service_authenticate(svc, key_id, secret, actor, err);
        }
    }

    tg_wipe(decoded, size);
    free(decoded);

    if (rc == TG_EUNAUTHENTICATED) {
        return tg_error_set(err, rc, TG_FIELD_NONE,
                            "the access key id or secret is wrong, or the "
                            "key or its account is disabled");
    }
    return rc == TG_OK ? rc : tg_error_code(err, rc);
}
