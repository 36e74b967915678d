/*
 * Helpers every dialect shares.  See dialect_util.h.
 */

#include <stdio.h>
#include <string.h>

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
