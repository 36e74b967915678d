/*
 * tollgate account|access-key|audit|whoami: tenants, the keys that act in
 * them, and the trail of what they did.
 */

#include <string.h>

#include "tollgate/cred_policy.h"
#include "tollgate/error.h"
#include "tollgate/str.h"
#include "cli.h"


#define TG_CLI_MAX_QUOTA 1000000000

/* The credential policy's options, in create and update. */
#define TG_CLI_POLICY_FIELDS                                                  \
    { "reveal_once", "reveal-once", TG_F_ONOFF, NULL, 0, 0 },                 \
        { "max_secret_age",          "max-secret-age", TG_F_SECONDS, NULL, 1, \
          TG_CRED_POLICY_SECONDS_MAX },                                       \
        { "max_secret_age", "no-max-secret-age", TG_F_NULL, NULL, 0, 0 },     \
        { "min_grace", "min-grace", TG_F_SECONDS,                             \
          NULL,        0,           TG_CRED_POLICY_SECONDS_MAX },             \
        { "max_grace", "max-grace", TG_F_SECONDS,                             \
          NULL,        0,           TG_CRED_POLICY_SECONDS_MAX },             \
        { "secret_min_length", "secret-min-length", TG_F_INT, NULL, 0, 128 }, \
    {                                                                         \
        "secret_classes", "secret-classes", TG_F_INT, NULL, 0, 4              \
    }

#define TG_CLI_POLICY_OPTS                                               \
    { "reveal-once", TG_OPT_VALUE, "on|off",                             \
      "show a secret only when it is created or reset" },                \
        { "max-secret-age", TG_OPT_VALUE, "DURATION",                    \
          "the gateway refuses secrets older than this (90d, 12h...)" }, \
        { "no-max-secret-age", 0, NULL, "secrets never age out" },       \
        { "min-grace", TG_OPT_VALUE, "DURATION",                         \
          "the shortest rotation grace a reset may ask" },               \
        { "max-grace", TG_OPT_VALUE, "DURATION",                         \
          "the longest (0: tollgated's --max-grace-seconds)" },          \
        { "secret-min-length", TG_OPT_VALUE, "N",                        \
          "caller-chosen AppSecrets: at least N characters" },           \
    {                                                                    \
        "secret-classes", TG_OPT_VALUE, "N",                             \
            "and mixing N of lowercase, uppercase, digits, others"       \
    }

static const tg_cli_col_t tg_cli_account_cols[] = {
    { "ID", "id" },
    { "NAME", "name" },
    { "STATUS", "status" },
    { "APP_QUOTA", "app_quota" },
    { "CREATED", "created_at" },
    { NULL, NULL },
};

static const tg_cli_col_t tg_cli_access_key_cols[] = {
    { "ID", "id" },
    { "ROLE", "role" },
    { "STATUS", "status" },
    { "DESCRIPTION", "description" },
    { "LAST_USED", "last_used_at" },
    { "CREATED", "created_at" },
    { NULL, NULL },
};

static const tg_cli_col_t tg_cli_audit_cols[] = {
    { "ID", "id" },
    { "TIME", "time" },
    { "ACTOR", "actor" },
    { "ACTION", "action" },
    { "TARGET", "target.id" },
    { "RESULT", "result" },
    { "ERROR", "error" },
    { NULL, NULL },
};


static int
tg_cli_account_create(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "app_quota", "app-quota", TG_F_INT, NULL, 0, TG_CLI_MAX_QUOTA },
        TG_CLI_POLICY_FIELDS,
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    return tg_cli_create(cli, a, "/v1/accounts", fields, NULL);
}


static int
tg_cli_account_list(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;

    if (tg_buf_append_c(&path, "/v1/accounts") != TG_OK) {
        return tg_cli_nomem();
    }
    return tg_cli_show_list(cli, a, &path, 1, tg_cli_account_cols);
}


static int
tg_cli_account_show(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_pos_write(cli, a, "GET", "/v1/accounts/%s", NULL, NULL);
}


static int
tg_cli_account_delete(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_pos_write(cli, a, "DELETE", "/v1/accounts/%s", NULL,
                            "account deleted");
}


static int
tg_cli_account_update(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "name", "name", TG_F_STR, NULL, 0, 0 },
        { "status", "status", TG_F_STR, NULL, 0, 0 },
        { "app_quota", "app-quota", TG_F_INT, NULL, 0, TG_CLI_MAX_QUOTA },
        { "app_quota", "default-quota", TG_F_NULL, NULL, 0, 0 },
        TG_CLI_POLICY_FIELDS,
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    if (tg_cli_has(a, "app-quota") && tg_cli_has(a, "default-quota")) {
        return tg_cli_usage_error("--app-quota and --default-quota exclude "
                                  "each other");
    }
    if (tg_cli_has(a, "max-secret-age") && tg_cli_has(a, "no-max-secret-age")) {
        return tg_cli_usage_error("--max-secret-age and --no-max-secret-age "
                                  "exclude each other");
    }
    return tg_cli_pos_write(cli, a, "PATCH", "/v1/accounts/%s", fields, NULL);
}


/*
 * Sends method to "/v1/accounts/<account>/access-keys" and then suffix
 * (with the key id for its "%s"), with a body from fields: the account is
 * --account, else the caller's own.
 */
static int
tg_cli_access_key_write(tg_cli_t *cli, const tg_cli_args_t *a,
                        const char *method, const char *suffix,
                        const tg_cli_field_t *fields, const char *done)
{
    tg_buf_t    path = TG_BUF_INIT;
    const char *account = tg_cli_opt(a, "account");
    json_t     *body;
    char        own[64];
    int         rc;

    rc = tg_cli_make_body(a, method, fields, &body);
    if (rc == TG_CLI_OK && account == NULL) {
        rc = tg_cli_own_account(cli, own);
        account = own;
    }
    if (rc == TG_CLI_OK
        && (tg_cli_path(&path, "/v1/accounts/%s/access-keys", account) != TG_OK
            || tg_cli_path(&path, suffix, a->pos[0]) != TG_OK))
    {
        rc = tg_cli_nomem();
    }
    if (rc != TG_CLI_OK) {
        json_decref(body);
        tg_buf_free(&path);
        return rc;
    }
    if (body == NULL && strcmp(method, "GET") == 0 && *suffix == '\0') {
        return tg_cli_show_list(cli, a, &path, 0, tg_cli_access_key_cols);
    }
    return tg_cli_send(cli, method, &path, body, done);
}


static int
tg_cli_access_key_create(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "id", "id", TG_F_STR, NULL, 0, 0 },
        { "secret", "secret", TG_F_STR, NULL, 0, 0 },
        { "role", "role", TG_F_STR, NULL, 0, 0 },
        { "description", "description", TG_F_STR, NULL, 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    return tg_cli_access_key_write(cli, a, "POST", "", fields, NULL);
}


static int
tg_cli_access_key_list(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_access_key_write(cli, a, "GET", "", NULL, NULL);
}


static int
tg_cli_access_key_show(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_access_key_write(cli, a, "GET", "/%s", NULL, NULL);
}


static int
tg_cli_access_key_delete(tg_cli_t *cli, tg_cli_args_t *a)
{
    return tg_cli_access_key_write(cli, a, "DELETE", "/%s", NULL,
                                   "access key deleted");
}


static int
tg_cli_access_key_enable(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "status", NULL, TG_F_STR, "enabled", 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    return tg_cli_access_key_write(cli, a, "PATCH", "/%s", fields, NULL);
}


static int
tg_cli_access_key_disable(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "status", NULL, TG_F_STR, "disabled", 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    return tg_cli_access_key_write(cli, a, "PATCH", "/%s", fields, NULL);
}


static int
tg_cli_access_key_update(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const tg_cli_field_t fields[] = {
        { "description", "description", TG_F_STR, NULL, 0, 0 },
        { NULL, NULL, 0, NULL, 0, 0 },
    };

    return tg_cli_access_key_write(cli, a, "PATCH", "/%s", fields, NULL);
}


static int
tg_cli_audit(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const char *const filters[][2] = {
        { "actor", "actor" }, { "action", "action" }, { "since", "since" },
        { "until", "until" }, { "limit", "limit" },   { "offset", "offset" },
    };
    tg_buf_t path = TG_BUF_INIT;
    char     id[64];
    size_t   i;
    int      rc = TG_CLI_OK;

    if (tg_buf_append_c(&path, "/v1/audit") != TG_OK) {
        return tg_cli_nomem();
    }

    for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        if (tg_cli_query(&path, filters[i][1], tg_cli_opt(a, filters[i][0]))
            != TG_OK) {
            rc = tg_cli_nomem();
        }
    }

    if (rc == TG_CLI_OK && tg_cli_has(a, "app")) {
        rc = tg_cli_app_ref(cli, tg_cli_opt(a, "app"), id);
        if (rc == TG_CLI_OK && tg_cli_query(&path, "app", id) != TG_OK) {
            rc = tg_cli_nomem();
        }
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_query_account(cli, a, &path);
    }
    if (rc != TG_CLI_OK) {
        tg_buf_free(&path);
        return rc;
    }

    /* The trail is read a page at a time: it can be long. */
    return tg_cli_show_list(cli, a, &path, 0, tg_cli_audit_cols);
}


static int
tg_cli_whoami(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;

    if (tg_buf_append_c(&path, "/v1/whoami") != TG_OK) {
        return tg_cli_nomem();
    }
    return tg_cli_write(cli, a, "GET", &path, NULL, NULL);
}


static const tg_cli_opt_t tg_cli_account_create_opts[] = {
    { "app-quota", TG_OPT_VALUE, "N",
      "its apps at most (default: --max-apps)" },
    TG_CLI_POLICY_OPTS,
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_account_list_opts[] = {
    TG_CLI_PAGE_OPTS,
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_account_update_opts[] = {
    { "name", TG_OPT_VALUE, "NAME", "a new name" },
    { "status", TG_OPT_VALUE, "STATUS", "enabled or disabled" },
    { "app-quota", TG_OPT_VALUE, "N", "its apps at most" },
    { "default-quota", 0, NULL, "use the daemon's --max-apps" },
    TG_CLI_POLICY_OPTS,
    { NULL, 0, NULL, NULL },
};

#define TG_CLI_ACCOUNT_OPT                                \
    {                                                     \
        "account", TG_OPT_VALUE, "ACCOUNT",               \
            "the account (id or name; default: your own)" \
    }

static const tg_cli_opt_t tg_cli_access_key_opts[] = {
    TG_CLI_ACCOUNT_OPT,
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_access_key_create_opts[] = {
    TG_CLI_ACCOUNT_OPT,
    { "id", TG_OPT_VALUE, "ID", "the key's id (else generated)" },
    { "secret", TG_OPT_VALUE | TG_OPT_STDIN, "SECRET",
      "the key's secret (else generated)" },
    { "role", TG_OPT_VALUE, "ROLE", "member (default) or admin" },
    { "description", TG_OPT_VALUE, "TEXT", "what the key is for" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_access_key_update_opts[] = {
    TG_CLI_ACCOUNT_OPT,
    { "description", TG_OPT_VALUE, "TEXT", "what the key is for" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_audit_opts[] = {
    { "app", TG_OPT_VALUE, "APP", "only events of this app" },
    { "actor", TG_OPT_VALUE, "KEY_ID", "only what this access key did" },
    { "action", TG_OPT_VALUE, "ACTION", "only this action (app.create...)" },
    { "since", TG_OPT_VALUE, "TIME", "from this time on (RFC 3339)" },
    { "until", TG_OPT_VALUE, "TIME", "before this time (RFC 3339)" },
    { "account", TG_OPT_VALUE, "ACCOUNT", "admins: only this account's" },
    { "limit", TG_OPT_VALUE, "N", "at most N events (1-100, default 50)" },
    { "offset", TG_OPT_VALUE, "N", "skip the N newest" },
    { NULL, 0, NULL, NULL },
};


const tg_cli_cmd_t tg_cli_account_cmds[] = {
    { "account", "create", "NAME", 1, 1, tg_cli_account_create_opts,
      "Create an account (admins).", tg_cli_account_create },
    { "account", "list", "", 0, 0, tg_cli_account_list_opts,
      "List accounts (a member sees its own).", tg_cli_account_list },
    { "account", "show", "ACCOUNT", 1, 1, NULL, "Show an account (id or name).",
      tg_cli_account_show },
    { "account", "update", "ACCOUNT", 1, 1, tg_cli_account_update_opts,
      "Change an account (admins).", tg_cli_account_update },
    { "account", "delete", "ACCOUNT", 1, 1, NULL,
      "Delete an empty account (admins).", tg_cli_account_delete },

    { "access-key", "create", "", 0, 0, tg_cli_access_key_create_opts,
      "Create an access key; prints its secret, shown only once.",
      tg_cli_access_key_create },
    { "access-key", "list", "", 0, 0, tg_cli_access_key_opts,
      "List an account's access keys.", tg_cli_access_key_list },
    { "access-key", "show", "ID", 1, 1, tg_cli_access_key_opts,
      "Show an access key.", tg_cli_access_key_show },
    { "access-key", "update", "ID", 1, 1, tg_cli_access_key_update_opts,
      "Change an access key's description.", tg_cli_access_key_update },
    { "access-key", "enable", "ID", 1, 1, tg_cli_access_key_opts,
      "Enable an access key.", tg_cli_access_key_enable },
    { "access-key", "disable", "ID", 1, 1, tg_cli_access_key_opts,
      "Disable an access key: it no longer authenticates.",
      tg_cli_access_key_disable },
    { "access-key", "delete", "ID", 1, 1, tg_cli_access_key_opts,
      "Delete an access key.", tg_cli_access_key_delete },

    { "audit", NULL, "", 0, 0, tg_cli_audit_opts,
      "Read the audit trail, newest first.", tg_cli_audit },
    { "whoami", NULL, "", 0, 0, NULL,
      "Show the access key in use, its account and role.", tg_cli_whoami },

    { NULL, NULL, NULL, 0, 0, NULL, NULL, NULL },
};
