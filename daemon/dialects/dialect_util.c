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
