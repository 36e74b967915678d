/*
 * tollgate api|grant: the API registry, and which apps may call what.
 */

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "cli.h"


static const tg_cli_col_t tg_cli_api_cols[] = {
    { "ID", "id" },
    { "NAME", "name" },
    { "STAGE", "stage" },
    { "ACCOUNT_ID", "account_id" },
    { "DESCRIPTION", "description" },
    { "CREATED", "created_at" },
    { NULL, NULL },
};

static const tg_cli_col_t tg_cli_grant_cols[] = {
    { "APP", "app.name" },       { "APP_ID", "app.app_id" },
    { "API", "api.name" },       { "STAGE", "stage" },
    { "EXPIRES", "expires_at" }, { "EXPIRED", "expired" },
    { "UPDATED", "updated_at" }, { NULL, NULL },
};


static int
tg_cli_api_create(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "description", "description", TG_F_STR, NULL, 0, 0 },
        { "stage", "stage", TG_F_STR, NULL, 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    return tg_cli_create(cli, a, "/v1/apis", fields, NULL);
}


static int
tg_cli_api_list(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    int      rc = TG_CLI_OK;

    if (tg_buf_append_c(&path, "/v1/apis") != TG_OK) {
        return tg_cli_nomem();
    }
    rc = tg_cli_query_account(cli, a, &path);
    if (rc != TG_CLI_OK) {
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_show_list(cli, a, &path, 1, tg_cli_api_cols);
}


static int
tg_cli_api_show(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_pos_write(cli, a, "GET", "/v1/apis/%s", NULL, NULL);
}


static int
tg_cli_api_delete(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_pos_write(cli, a, "DELETE", "/v1/apis/%s", NULL,
                            "API deleted");
}


static int
tg_cli_api_update(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "description", "description", TG_F_STR, NULL, 0, 0 },
        { "stage", "stage", TG_F_STR, NULL, 0, 0 },
        { "stage", "no-stage", TG_F_NULL, NULL, 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    if (tg_cli_has(a, "stage") && tg_cli_has(a, "no-stage")) {
        return tg_cli_usage_error("--stage and --no-stage exclude each other");
    }
    return tg_cli_pos_write(cli, a, "PATCH", "/v1/apis/%s", fields, NULL);
}


static int
tg_cli_grant_add(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "stage", "stage", TG_F_STR, NULL, 0, 0 },
        { "expires_at", "expires-at", TG_F_STR, NULL, 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    return tg_cli_app_write(cli, a, "PUT", "/grants/%s", fields, NULL);
}


static int
tg_cli_grant_remove(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    int      rc;

    rc = tg_cli_app_path(cli, a, &path, "/grants/%s");
    if (rc == TG_CLI_OK
        && tg_cli_query(&path, "stage", tg_cli_opt(a, "stage")) != TG_OK)
    {
        rc = tg_cli_nomem();
    }
    if (rc != TG_CLI_OK) {
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_write(cli, a, "DELETE", &path, NULL, "grant removed");
}


static int
tg_cli_grant_list(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    int      rc = TG_CLI_OK;

    if ((a->npos == 1) == tg_cli_has(a, "api")) {
        return tg_cli_usage_error("grant list takes an APP or --api API");
    }

    if (a->npos == 1) {
        rc = tg_cli_app_path(cli, a, &path, "/grants");
    } else if (tg_cli_path(&path, "/v1/apis/%s/grants", tg_cli_opt(a, "api"))
               != TG_OK)
    {
        rc = tg_cli_nomem();
    }
    if (rc != TG_CLI_OK) {
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_show_list(cli, a, &path, 0, tg_cli_grant_cols);
}


static const tg_cli_opt_t tg_cli_api_create_opts[] = {
    { "description", TG_OPT_VALUE, "TEXT", "what the API does" },
    { "stage", TG_OPT_VALUE, "STAGE", "the only stage it is on" },
    { "account", TG_OPT_VALUE, "ACCOUNT", "admins: the provider account" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_api_list_opts[] = {
    { "account", TG_OPT_VALUE, "ACCOUNT", "only this provider's" },
    TG_CLI_PAGE_OPTS,
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_api_update_opts[] = {
    { "description", TG_OPT_VALUE, "TEXT", "a new description" },
    { "stage", TG_OPT_VALUE, "STAGE", "the only stage it is on" },
    { "no-stage", 0, NULL, "no longer bound to one stage" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_grant_add_opts[] = {
    { "stage", TG_OPT_VALUE, "STAGE", "default: the API's, else RELEASE" },
    { "expires-at", TG_OPT_VALUE, "TIME", "RFC 3339 (default: never)" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_grant_remove_opts[] = {
    { "stage", TG_OPT_VALUE, "STAGE", "only on this stage (default: all)" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_grant_list_opts[] = {
    { "api", TG_OPT_VALUE, "API", "the grants of this API instead" },
    { NULL, 0, NULL, NULL },
};


const tg_cli_cmd_t tg_cli_api_cmds[] = {
    { "api", "create", "NAME", 1, 1, tg_cli_api_create_opts, "Register an API.",
      tg_cli_api_create },
    { "api", "list", "", 0, 0, tg_cli_api_list_opts, "List APIs by name.",
      tg_cli_api_list },
    { "api", "show", "API", 1, 1, NULL, "Show an API (id or name).",
      tg_cli_api_show },
    { "api", "update", "API", 1, 1, tg_cli_api_update_opts,
      "Change an API's description or stage.", tg_cli_api_update },
    { "api", "delete", "API", 1, 1, NULL, "Delete an API and its grants.",
      tg_cli_api_delete },

    { "grant", "add", "APP API", 2, 2, tg_cli_grant_add_opts,
      "Let an app call an API (on a stage, until a time).", tg_cli_grant_add },
    { "grant", "remove", "APP API", 2, 2, tg_cli_grant_remove_opts,
      "Revoke an app's grant to an API.", tg_cli_grant_remove },
    { "grant", "list", "[APP]", 0, 1, tg_cli_grant_list_opts,
      "List an app's grants, or an API's (--api).", tg_cli_grant_list },

    { NULL, NULL, NULL, 0, 0, NULL, NULL, NULL },
};
