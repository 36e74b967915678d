/*
 * Prints the table of actions that docs/access-control.md shows, from the
 * authorizer's own table (TG_ACTION_MAP in daemon/service/authz.h): each
 * action's canonical name, access level, resource and audit event.
 * `make docs-actions` writes it into the page; `make test` fails if the
 * page's copy differs, so that the documentation cannot drift.
 */

#include <stdio.h>

#include "service/authz.h"


int
main(void)
{
    size_t i;

    printf("| Action | Access level | Resource | Audit event | Who |\n");
    printf("| --- | --- | --- | --- | --- |\n");

    for (i = 0; i < TG_ACTION_COUNT; i++) {
        const char *event = tg_action_event((tg_action_t) i);
        tg_error_t  err;
        tg_actor_t  member = { 0 };

        printf("| `%s` | %s | `%s` | %s%s%s | %s |\n",
               tg_action_name((tg_action_t) i),
               tg_access_level_name(tg_action_level((tg_action_t) i)),
               tg_action_resource((tg_action_t) i), event != NULL ? "`" : "",
               event != NULL ? event : "(not audited)",
               event != NULL ? "`" : "",
               tg_authorize_action(&member, (tg_action_t) i, &err) == TG_OK
                   ? "any key"
                   : "admin keys only");
    }

    return 0;
}
