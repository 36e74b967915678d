/*
 * Names to ids.  Routes take an app's id or numeric AppId, and some bodies
 * an account's id; users would rather type names.
 */

#include <ctype.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "cli.h"


#define TG_CLI_ID_LEN 32


/* 1 if s is a resource id: 32 lowercase hex digits. */
static int
tg_cli_is_id(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (!isdigit((unsigned char) s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) {
            return 0;
        }
    }
    return i == TG_CLI_ID_LEN;
}


static int
tg_cli_is_number(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        if (!isdigit((unsigned char) s[i])) {
            return 0;
        }
    }
    return i > 0 && i < 20;
}


static int
tg_cli_copy_id(json_t *obj, char *id)
{
    const char *s = json_string_value(json_object_get(obj, "id"));

    if (s == NULL || strlen(s) >= 64) {
        fprintf(stderr, "tollgate: the answer holds no id\n");
        return TG_CLI_ESERVER;
    }
    strcpy(id, s);
    return TG_CLI_OK;
}


int
tg_cli_app_ref(tg_cli_t *cli, const char *ref, char *id)
{
    tg_buf_t path = TG_BUF_INIT;
    json_t  *page = NULL, *items;
    int      rc;

    if (tg_cli_is_id(ref) || tg_cli_is_number(ref)) {
        if (strlen(ref) >= 64) {
            return tg_cli_usage_error("app \"%s\": too long", ref);
        }
        strcpy(id, ref);
        return TG_CLI_OK;
    }

    if (tg_buf_append_c(&path, "/v1/apps") != TG_OK
        || tg_cli_query(&path, "name", ref) != TG_OK
        || tg_cli_query(&path, "limit", "100") != TG_OK)
    {
        tg_buf_free(&path);
        return tg_cli_nomem();
    }

    rc = tg_cli_call(cli, "GET", path.ptr, NULL, &page);
    tg_buf_free(&path);
    if (rc != TG_CLI_OK) {
        return rc;
    }

    items = json_object_get(page, "items");
    switch (json_array_size(items)) {
    case 0:
        fprintf(stderr, "tollgate: app_not_found: no app is named \"%s\"\n",
                ref);
        rc = TG_CLI_EAPI;
        break;
    case 1:
        rc = tg_cli_copy_id(json_array_get(items, 0), id);
        break;
    default:
        fprintf(stderr,
                "tollgate: \"%s\" names an app in %zu accounts; give its id "
                "or AppId\n",
                ref, json_array_size(items));
        rc = TG_CLI_EAPI;
    }

    json_decref(page);
    return rc;
}


int
tg_cli_account_ref(tg_cli_t *cli, const char *ref, char *id)
{
    tg_buf_t path = TG_BUF_INIT;
    json_t  *account = NULL;
    int      rc;

    if (tg_cli_is_id(ref)) {
        strcpy(id, ref);
        return TG_CLI_OK;
    }

    if (tg_cli_path(&path, "/v1/accounts/%s", ref) != TG_OK) {
        tg_buf_free(&path);
        return tg_cli_nomem();
    }

    rc = tg_cli_call(cli, "GET", path.ptr, NULL, &account);
    tg_buf_free(&path);
    if (rc == TG_CLI_OK) {
        rc = tg_cli_copy_id(account, id);
    }
    json_decref(account);
    return rc;
}


int
tg_cli_own_account(tg_cli_t *cli, char *id)
{
    json_t     *me = NULL;
    const char *s;
    int         rc;

    rc = tg_cli_call(cli, "GET", "/v1/whoami", NULL, &me);
    if (rc != TG_CLI_OK) {
        return rc;
    }

    s = json_string_value(json_object_get(me, "account_id"));
    if (s == NULL || strlen(s) >= 64) {
        fprintf(stderr, "tollgate: the answer holds no account id\n");
        rc = TG_CLI_ESERVER;
    } else {
        strcpy(id, s);
    }
    json_decref(me);
    return rc;
}
