/*
 * tollgate app|key|code: apps, their key pairs and their AppCodes.
 */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/cred.h"
#include "tollgate/cred_policy.h"
#include "tollgate/error.h"
#include "tollgate/str.h"
#include "cli.h"


#define TG_CLI_MAX_RATE  1000000
#define TG_CLI_MAX_GRACE (100LL * 365 * 86400)


static const tg_cli_col_t tg_cli_app_cols[] = {
    { "ID", "id" },
    { "APP_ID", "app_id" },
    { "NAME", "name" },
    { "STATUS", "status" },
    { "APP_KEY", "app_key" },
    { "TAGS", "tags" },
    { "CREATED", "created_at" },
    { NULL, NULL },
};

/* app list --expiring: when each app's secret expires, in place of its
 * tags. */
static const tg_cli_col_t tg_cli_app_expiring_cols[] = {
    { "ID", "id" },           { "APP_ID", "app_id" },
    { "NAME", "name" },       { "STATUS", "status" },
    { "APP_KEY", "app_key" }, { "SECRET_EXPIRES", "secret_expires_at" },
    { NULL, NULL },
};

static const tg_cli_col_t tg_cli_key_cols[] = {
    { "ID", "id" },
    { "APP_KEY", "app_key" },
    { "APP_SECRET", "app_secret" },
    { "PRIMARY", "primary" },
    { "PREVIOUS_KEY_EXPIRES", "previous_expires_at" },
    { "CREATED", "created_at" },
    { NULL, NULL },
};

static const tg_cli_col_t tg_cli_code_cols[] = {
    { "ID", "id" },
    { "APP_CODE", "app_code" },
    { "CREATED", "created_at" },
    { "UPDATED", "updated_at" },
    { NULL, NULL },
};


/* The fields an app's create and update share. */
static int
tg_cli_app_fields(const tg_cli_args_t *a, json_t *body)
{
    static const tg_cli_field_t fields[] = {
        { "description", "description", TG_F_STR, NULL, 0, 0 },
        { "extend", "extend", TG_F_STR, NULL, 0, 0 },
        { "status", "status", TG_F_STR, NULL, 0, 0 },
        { "creator", "creator", TG_F_STR, NULL, 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };
    static const tg_cli_field_t rate[] = {
        { "rps", "rps", TG_F_INT, NULL, 1, TG_CLI_MAX_RATE },
        { "burst", "burst", TG_F_INT, NULL, 1, TG_CLI_MAX_RATE },
        { NULL, NULL, 0, NULL, 0, 0 },
    };
    json_t *limit;
    int     rc;

    rc = tg_cli_body_fields(body, a, fields);
    if (rc == TG_CLI_OK) {
        rc = tg_cli_body_tags(body, a);
    }
    if (rc != TG_CLI_OK) {
        return rc;
    }

    if (tg_cli_has(a, "burst") && !tg_cli_has(a, "rps")) {
        return tg_cli_usage_error("--burst needs --rps");
    }
    if (!tg_cli_has(a, "rps")) {
        return TG_CLI_OK;
    }
    if (strcmp(tg_cli_opt(a, "rps"), "0") == 0) {
        return tg_cli_usage_error(
            "--rps 0: a rate is 1 or more; for no rate limit, %s",
            strcmp(a->cmd->name, "update") == 0 ? "give --no-rate-limit"
                                                : "leave --rps out");
    }

    limit = json_object();
    if (limit == NULL || json_object_set_new(body, "rate_limit", limit) != 0) {
        return tg_cli_nomem();
    }
    return tg_cli_body_fields(limit, a, rate);
}


static int
tg_cli_app_create(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "app_key", "app-key", TG_F_STR, NULL, 0, 0 },
        { "app_secret", "app-secret", TG_F_STR, NULL, 0, 0 },
        { "app_code", "app-code", TG_F_STR, NULL, 0, 0 },
        { "generate_app_code", "generate-code", TG_F_TRUE, NULL, 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    return tg_cli_create(cli, a, "/v1/apps", fields, tg_cli_app_fields);
}


/* --expiring DURATION: ?expiring_within=SECONDS. */
static int
tg_cli_app_expiring(tg_buf_t *path, const char *value)
{
    char    seconds[24];
    int64_t n;

    if (tg_duration_parse(tg_str_c(value), &n) != TG_OK) {
        return tg_cli_usage_error("--expiring: expected a duration such as "
                                  "12h or 7d, not \"%s\"",
                                  value);
    }
    snprintf(seconds, sizeof(seconds), "%lld", (long long) n);
    return tg_cli_query(path, "expiring_within", seconds) == TG_OK
               ? TG_CLI_OK
               : tg_cli_nomem();
}


static int
tg_cli_app_list(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t    path = TG_BUF_INIT;
    const char *tag;
    char       *filter;
    int         i = 0, rc = TG_CLI_OK;

    if (tg_buf_append_c(&path, "/v1/apps") != TG_OK
        || tg_cli_query(&path, "name", tg_cli_opt(a, "name")) != TG_OK
        || tg_cli_query(&path, "app_key", tg_cli_opt(a, "app-key")) != TG_OK
        || tg_cli_query(&path, "status", tg_cli_opt(a, "status")) != TG_OK)
    {
        rc = tg_cli_nomem();
    }
    if (rc == TG_CLI_OK && tg_cli_has(a, "expiring")) {
        rc = tg_cli_app_expiring(&path, tg_cli_opt(a, "expiring"));
    }

    /* The API's tag filter is "key:value"; the CLI's is KEY=VALUE. */
    while (rc == TG_CLI_OK && (tag = tg_cli_opt_next(a, "tag", &i)) != NULL) {
        filter = tg_strndup(tag, strlen(tag));
        if (filter == NULL) {
            rc = tg_cli_nomem();
            break;
        }
        if (strchr(filter, '=') != NULL) {
            *strchr(filter, '=') = ':';
        }
        if (tg_cli_query(&path, "tag", filter) != TG_OK) {
            rc = tg_cli_nomem();
        }
        free(filter);
    }

    if (rc == TG_CLI_OK) {
        rc = tg_cli_query_account(cli, a, &path);
    }

    if (rc != TG_CLI_OK) {
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_show_list(cli, a, &path, 1,
                            tg_cli_has(a, "expiring") ? tg_cli_app_expiring_cols
                                                      : tg_cli_app_cols);
}


static int
tg_cli_app_show(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_app_write(cli, a, "GET", "", NULL, NULL);
}


static int
tg_cli_app_update(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "name", "name", TG_F_STR, NULL, 0, 0 },
        { "tags", "clear-tags", TG_F_NULL, NULL, 0, 0 },
        { "rate_limit", "no-rate-limit", TG_F_NULL, NULL, 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };
    tg_buf_t path = TG_BUF_INIT;
    json_t  *body;
    int      rc;

    if (tg_cli_has(a, "clear-tags") && tg_cli_has(a, "tag")) {
        return tg_cli_usage_error("--clear-tags and --tag exclude each other");
    }
    if (tg_cli_has(a, "no-rate-limit") && tg_cli_has(a, "rps")) {
        return tg_cli_usage_error("--no-rate-limit and --rps exclude each "
                                  "other");
    }

    body = json_object();
    if (body == NULL) {
        return tg_cli_nomem();
    }

    rc = tg_cli_body_fields(body, a, fields);
    if (rc == TG_CLI_OK) {
        rc = tg_cli_app_fields(a, body);
    }
    if (rc == TG_CLI_OK && json_object_size(body) == 0) {
        rc = tg_cli_usage_error("nothing to change (see --help)");
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_app_path(cli, a, &path, "");
    }
    if (rc != TG_CLI_OK) {
        json_decref(body);
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_send(cli, "PATCH", &path, body, NULL);
}


static int
tg_cli_app_delete(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_app_write(cli, a, "DELETE", "", NULL, "app deleted");
}


static int
tg_cli_app_reveal(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_app_write(cli, a, "GET", "/secret", NULL, NULL);
}


/* A reset's body; "key" only exists on app reset-secret. */
static const tg_cli_field_t tg_cli_reset_fields[] = {
    { "app_secret", "app-secret", TG_F_STR, NULL, 0, 0 },
    { "app_key", "app-key", TG_F_STR, NULL, 0, 0 },
    { "grace_seconds", "grace", TG_F_INT, NULL, 0, TG_CLI_MAX_GRACE },
    { "key", "key", TG_F_STR, NULL, 0, 0 },
    { NULL, NULL, 0, NULL, 0, 0 },
};


static int
tg_cli_app_reset_secret(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_app_write(cli, a, "POST", "/reset-secret",
                            tg_cli_reset_fields, NULL);
}


static const tg_cli_field_t tg_cli_key_add_fields[] = {
    { "app_key", "app-key", TG_F_STR, NULL, 0, 0 },
    { "app_secret", "app-secret", TG_F_STR, NULL, 0, 0 },
    { "primary", "primary", TG_F_TRUE, NULL, 0, 0 },
    { NULL, NULL, 0, NULL, 0, 0 },
};

static const tg_cli_field_t tg_cli_code_fields[] = {
    { "app_code", "app-code", TG_F_STR, NULL, 0, 0 },
    { NULL, NULL, 0, NULL, 0, 0 },
};


/*
 * The key and code commands, one implementation for every credential
 * kind: a kind's entry gives its command group, its paths under the app,
 * its body fields and its list's columns.
 */
typedef struct {
    const char           *group; /* "key" */
    const char           *list;  /* the kind's collection */
    const char           *item;  /* one of them, by id */
    const char           *reset; /* its reset */
    const tg_cli_field_t *add_fields;
    const tg_cli_field_t *reset_fields;
    const tg_cli_col_t   *cols;
    const char           *deleted; /* said after a delete */
} tg_cli_cred_t;

static const tg_cli_cred_t tg_cli_creds[TG_CRED_KINDS] = {
    [TG_CRED_KEY_PAIR] = { "key", "/keys", "/keys/%s", "/keys/%s/reset-secret",
                           tg_cli_key_add_fields, tg_cli_reset_fields,
                           tg_cli_key_cols, "key pair deleted" },
    [TG_CRED_APP_CODE] = { "code", "/codes", "/codes/%s", "/codes/%s/reset",
                           tg_cli_code_fields, tg_cli_code_fields,
                           tg_cli_code_cols, "AppCode deleted" },
};


/* The kind whose group the command is in. */
static const tg_cli_cred_t *
tg_cli_cred(const tg_cli_args_t *a)
{
    size_t k = 0;

    while (strcmp(tg_cli_creds[k].group, a->cmd->group) != 0) {
        k++;
        assert(k < TG_CRED_KINDS);
    }

    return &tg_cli_creds[k];
}


static int
tg_cli_cred_list(tg_cli_t *cli, tg_cli_args_t *a)
{
    const tg_cli_cred_t *kind = tg_cli_cred(a);
    tg_buf_t             path = TG_BUF_INIT;
    int                  rc;

    rc = tg_cli_app_path(cli, a, &path, kind->list);
    if (rc != TG_CLI_OK) {
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_show_list(cli, a, &path, 0, kind->cols);
}


static int
tg_cli_cred_add(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_app_write(cli, a, "POST", tg_cli_cred(a)->list,
                            tg_cli_cred(a)->add_fields, NULL);
}


static int
tg_cli_cred_reset(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_app_write(cli, a, "POST", tg_cli_cred(a)->reset,
                            tg_cli_cred(a)->reset_fields, NULL);
}


static int
tg_cli_cred_delete(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_app_write(cli, a, "DELETE", tg_cli_cred(a)->item, NULL,
                            tg_cli_cred(a)->deleted);
}


static int
tg_cli_key_primary(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "primary", NULL, TG_F_TRUE, NULL, 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    return tg_cli_app_write(cli, a, "PATCH", "/keys/%s", fields, NULL);
}


#define TG_CLI_APP_FIELD_OPTS                                            \
    { "description", TG_OPT_VALUE, "TEXT", "at most 255 characters" },   \
        { "tag", TG_OPT_VALUE | TG_OPT_MULTI, "KEY=VALUE",               \
          "a tag (at most 20)" },                                        \
        { "extend", TG_OPT_VALUE, "TEXT",                                \
          "free text, at most 1024 characters" },                        \
        { "status", TG_OPT_VALUE, "STATUS", "enabled or disabled" },     \
        { "creator", TG_OPT_VALUE, "CREATOR", "USER or MARKET" },        \
        { "rps", TG_OPT_VALUE, "N", "rate limit: requests per second" }, \
    {                                                                    \
        "burst", TG_OPT_VALUE, "N", "rate limit: burst (default: --rps)" \
    }

static const tg_cli_opt_t tg_cli_app_create_opts[] = {
    TG_CLI_APP_FIELD_OPTS,
    { "app-key", TG_OPT_VALUE, "KEY", "the AppKey (else generated)" },
    { "app-secret", TG_OPT_VALUE | TG_OPT_STDIN, "SECRET",
      "the AppSecret (else generated)" },
    { "app-code", TG_OPT_VALUE | TG_OPT_STDIN, "CODE", "an AppCode" },
    { "generate-code", 0, NULL, "generate an AppCode" },
    { "account", TG_OPT_VALUE, "ACCOUNT", "admins: the account (id or name)" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_app_list_opts[] = {
    { "name", TG_OPT_VALUE, "NAME", "only the app with this name" },
    { "app-key", TG_OPT_VALUE, "KEY", "only the app holding this AppKey" },
    { "tag", TG_OPT_VALUE | TG_OPT_MULTI, "KEY[=VALUE]",
      "only apps with this tag" },
    { "status", TG_OPT_VALUE, "STATUS", "only enabled or disabled apps" },
    { "expiring", TG_OPT_VALUE, "DURATION",
      "only apps whose secrets pass their account's maximum age within "
      "DURATION (7d, 12h...), or have" },
    { "account", TG_OPT_VALUE, "ACCOUNT", "admins: only this account's" },
    TG_CLI_PAGE_OPTS,
    { "cursor", TG_OPT_VALUE, "CURSOR",
      "read the page that starts at CURSOR (printed by the page before)" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_app_update_opts[] = {
    { "name", TG_OPT_VALUE, "NAME", "a new name" },
    TG_CLI_APP_FIELD_OPTS,
    { "clear-tags", 0, NULL, "remove every tag" },
    { "no-rate-limit", 0, NULL, "remove the rate limit" },
    { NULL, 0, NULL, NULL },
};

#define TG_CLI_RESET_OPTS                                                      \
    { "app-secret", TG_OPT_VALUE | TG_OPT_STDIN, "SECRET",                     \
      "the new AppSecret (else generated)" },                                  \
        { "app-key", TG_OPT_VALUE, "KEY", "also give the pair a new AppKey" }, \
    {                                                                          \
        "grace", TG_OPT_VALUE, "SECONDS",                                      \
            "keep the old key and secret valid this long"                      \
    }

static const tg_cli_opt_t tg_cli_reset_opts[] = {
    TG_CLI_RESET_OPTS,
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_app_reset_opts[] = {
    { "key", TG_OPT_VALUE, "KEY", "the pair (id or AppKey; default primary)" },
    TG_CLI_RESET_OPTS,
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_key_add_opts[] = {
    { "app-key", TG_OPT_VALUE, "KEY", "the AppKey (else generated)" },
    { "app-secret", TG_OPT_VALUE | TG_OPT_STDIN, "SECRET",
      "the AppSecret (else generated)" },
    { "primary", 0, NULL, "make it the primary pair" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_code_opts[] = {
    { "app-code", TG_OPT_VALUE | TG_OPT_STDIN, "CODE",
      "the AppCode (else generated)" },
    { NULL, 0, NULL, NULL },
};


const tg_cli_cmd_t tg_cli_app_cmds[] = {
    { "app", "create", "NAME", 1, 1, tg_cli_app_create_opts,
      "Create an app with one key pair; prints its secret in clear.",
      tg_cli_app_create },
    { "app", "list", "", 0, 0, tg_cli_app_list_opts, "List apps, oldest first.",
      tg_cli_app_list },
    { "app", "show", "APP", 1, 1, NULL,
      "Show an app (APP: its id, AppId or name).", tg_cli_app_show },
    { "app", "update", "APP", 1, 1, tg_cli_app_update_opts,
      "Change an app's fields; --tag replaces every tag.", tg_cli_app_update },
    { "app", "delete", "APP", 1, 1, NULL,
      "Delete an app with its keys, codes and grants.", tg_cli_app_delete },
    { "app", "reset-secret", "APP", 1, 1, tg_cli_app_reset_opts,
      "Rotate a key pair's secret; prints the new one.",
      tg_cli_app_reset_secret },
    { "app", "reveal", "APP", 1, 1, NULL,
      "Show an app's secrets and AppCodes in clear (audited).",
      tg_cli_app_reveal },

    { "key", "list", "APP", 1, 1, NULL,
      "List an app's key pairs, primary first.", tg_cli_cred_list },
    { "key", "add", "APP", 1, 1, tg_cli_key_add_opts,
      "Add a key pair; prints its secret in clear.", tg_cli_cred_add },
    { "key", "primary", "APP KEY", 2, 2, NULL,
      "Make a key pair (id or AppKey) the primary one.", tg_cli_key_primary },
    { "key", "delete", "APP KEY", 2, 2, NULL,
      "Delete a key pair (not the last).", tg_cli_cred_delete },
    { "key", "reset-secret", "APP KEY", 2, 2, tg_cli_reset_opts,
      "Rotate a key pair's secret; prints the new one.", tg_cli_cred_reset },

    { "code", "list", "APP", 1, 1, NULL, "List an app's AppCodes, masked.",
      tg_cli_cred_list },
    { "code", "add", "APP", 1, 1, tg_cli_code_opts,
      "Add an AppCode; prints it in clear.", tg_cli_cred_add },
    { "code", "reset", "APP CODE_ID", 2, 2, tg_cli_code_opts,
      "Replace an AppCode; prints the new one.", tg_cli_cred_reset },
    { "code", "delete", "APP CODE_ID", 2, 2, NULL, "Delete an AppCode.",
      tg_cli_cred_delete },

    { NULL, NULL, NULL, 0, 0, NULL, NULL, NULL },
};
