/*
 * tollgate policy: access-control policies, their attachment to access
 * keys, and the simulator that tells whether a key may do something.
 * See docs/access-control.md.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "cli.h"


/* A document is read whole, up to this (the server refuses more). */
#define TG_CLI_DOCUMENT_MAX (64 * 1024)

static const tg_cli_col_t tg_cli_policy_cols[] = {
    { "NAME", "name" },
    { "BUILTIN", "builtin" },
    { "DESCRIPTION", "description" },
    { "UPDATED", "updated_at" },
    { NULL, NULL },
};

static const tg_cli_col_t tg_cli_key_policy_cols[] = {
    { "NAME", "name" },
    { "KIND", "kind" },
    { "ATTACHED", "attached_at" },
    { NULL, NULL },
};


/* The account of --account (an id or a name), else the caller's own. */
static int
tg_cli_policy_account(tg_cli_t *cli, const tg_cli_args_t *a, char *id)
{
    const char *ref = tg_cli_opt(a, "account");

    return ref != NULL ? tg_cli_account_ref(cli, ref, id)
                       : tg_cli_own_account(cli, id);
}


/* Reads the document that --document names (a file, or "-": stdin) and
 * sets it as body's "document", parsed. */
static int
tg_cli_policy_document(const tg_cli_args_t *a, json_t *body)
{
    const char  *name = tg_cli_opt(a, "document");
    json_error_t jerr;
    json_t      *doc;
    FILE        *f;
    char        *text;
    size_t       n;

    if (name == NULL) {
        return TG_CLI_OK;
    }

    f = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");
    if (f == NULL) {
        return tg_cli_usage_error("cannot open the document %s", name);
    }
    text = malloc(TG_CLI_DOCUMENT_MAX + 1);
    n = text != NULL ? fread(text, 1, TG_CLI_DOCUMENT_MAX + 1, f) : 0;
    if (f != stdin) {
        fclose(f);
    }
    if (text == NULL) {
        return tg_cli_nomem();
    }
    if (n > TG_CLI_DOCUMENT_MAX) {
        free(text);
        return tg_cli_usage_error("the document %s is too large", name);
    }

    doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (doc == NULL) {
        return tg_cli_usage_error("the document %s is not JSON (line %d): %s",
                                  name, jerr.line, jerr.text);
    }
    json_object_set_new(body, "document", doc);
    return TG_CLI_OK;
}


/* Builds "/v1/accounts/<account>" + fmt (its "%s" from args) in path. */
static int
tg_cli_policy_path(tg_cli_t *cli, const tg_cli_args_t *a, tg_buf_t *path,
                   const char *fmt, const char *arg1, const char *arg2)
{
    char account[65];
    int  rc;

    rc = tg_cli_policy_account(cli, a, account);
    if (rc != TG_CLI_OK) {
        return rc;
    }
    if (tg_cli_path(path, fmt, account, arg1, arg2) != TG_OK) {
        tg_buf_free(path);
        return tg_cli_nomem();
    }
    return TG_CLI_OK;
}


static int
tg_cli_policy_create(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    json_t  *body;
    int      rc;

    if (!tg_cli_has(a, "document")) {
        return tg_cli_usage_error("policy create needs --document FILE");
    }
    rc = tg_cli_policy_path(cli, a, &path, "/v1/accounts/%s/policies", NULL,
                            NULL);
    if (rc != TG_CLI_OK) {
        return rc;
    }

    body = json_pack("{s:s}", "name", a->pos[0]);
    rc = body != NULL ? tg_cli_policy_document(a, body) : tg_cli_nomem();
    if (rc == TG_CLI_OK && tg_cli_has(a, "description")) {
        json_object_set_new(body, "description",
                            json_string(tg_cli_opt(a, "description")));
    }
    if (rc != TG_CLI_OK) {
        json_decref(body);
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_send(cli, "POST", &path, body, NULL);
}


static int
tg_cli_policy_list(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    int      rc;

    rc = tg_cli_policy_path(cli, a, &path, "/v1/accounts/%s/policies", NULL,
                            NULL);
    return rc == TG_CLI_OK
               ? tg_cli_show_list(cli, a, &path, 0, tg_cli_policy_cols)
               : rc;
}


static int
tg_cli_policy_show(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    int      rc;

    rc = tg_cli_policy_path(cli, a, &path, "/v1/accounts/%s/policies/%s",
                            a->pos[0], NULL);
    return rc == TG_CLI_OK ? tg_cli_send(cli, "GET", &path, NULL, NULL) : rc;
}


static int
tg_cli_policy_update(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    json_t  *body;
    int      rc;

    if (!tg_cli_has(a, "document") && !tg_cli_has(a, "description")) {
        return tg_cli_usage_error("nothing to change: give --document or "
                                  "--description");
    }
    rc = tg_cli_policy_path(cli, a, &path, "/v1/accounts/%s/policies/%s",
                            a->pos[0], NULL);
    if (rc != TG_CLI_OK) {
        return rc;
    }

    body = json_object();
    rc = body != NULL ? tg_cli_policy_document(a, body) : tg_cli_nomem();
    if (rc == TG_CLI_OK && tg_cli_has(a, "description")) {
        json_object_set_new(body, "description",
                            json_string(tg_cli_opt(a, "description")));
    }
    if (rc != TG_CLI_OK) {
        json_decref(body);
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_send(cli, "PATCH", &path, body, NULL);
}


static int
tg_cli_policy_delete(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    int      rc;

    rc = tg_cli_policy_path(cli, a, &path, "/v1/accounts/%s/policies/%s",
                            a->pos[0], NULL);
    return rc == TG_CLI_OK
               ? tg_cli_send(cli, "DELETE", &path, NULL, "policy deleted")
               : rc;
}


static int
tg_cli_policy_attach(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    json_t  *body;
    int      rc;

    rc = tg_cli_policy_path(cli, a, &path,
                            "/v1/accounts/%s/access-keys/%s/policies",
                            a->pos[0], NULL);
    if (rc != TG_CLI_OK) {
        return rc;
    }

    body = json_pack("{s:s}", "name", a->pos[1]);
    rc = body != NULL ? tg_cli_policy_document(a, body) : tg_cli_nomem();
    if (rc != TG_CLI_OK) {
        json_decref(body);
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_send(cli, "POST", &path, body, NULL);
}


static int
tg_cli_policy_detach(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    int      rc;

    rc = tg_cli_policy_path(cli, a, &path,
                            "/v1/accounts/%s/access-keys/%s/policies/%s",
                            a->pos[0], a->pos[1]);
    return rc == TG_CLI_OK
               ? tg_cli_send(cli, "DELETE", &path, NULL, "policy detached")
               : rc;
}


static int
tg_cli_policy_attached(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_buf_t path = TG_BUF_INIT;
    int      rc;

    rc = tg_cli_policy_path(cli, a, &path,
                            "/v1/accounts/%s/access-keys/%s/policies",
                            a->pos[0], NULL);
    return rc == TG_CLI_OK
               ? tg_cli_show_list(cli, a, &path, 0, tg_cli_key_policy_cols)
               : rc;
}


/* Prints the simulator's answer: allowed or denied, and why. */
static void
tg_cli_policy_verdict(json_t *r)
{
    json_t     *st = json_object_get(r, "statement");
    const char *effect = json_string_value(json_object_get(r, "effect"));
    const char *sid = json_string_value(json_object_get(st, "sid"));

    printf("%s: %s on %s\n",
           json_is_true(json_object_get(r, "allowed")) ? "allowed" : "denied",
           json_string_value(json_object_get(r, "action")),
           json_string_value(json_object_get(r, "resource")));

    if (!json_is_true(json_object_get(r, "has_policies"))) {
        printf("the key has no policies: its role decides (%s)\n",
               json_is_true(json_object_get(r, "role_allows"))
                   ? "an admin key, or its own account"
                   : "another account's resource");
        return;
    }
    if (st != NULL) {
        printf("decided by policy %s, statement %lld%s%s (%s)\n",
               json_string_value(json_object_get(st, "policy")),
               (long long) json_integer_value(json_object_get(st, "index")),
               sid != NULL && sid[0] != '\0' ? ", Sid " : "",
               sid != NULL ? sid : "",
               effect != NULL && strcmp(effect, "deny") == 0 ? "Deny"
                                                             : "Allow");
    } else {
        printf("no statement allows it: denied by default\n");
    }
    if (!json_is_true(json_object_get(r, "role_allows"))) {
        printf("and the key's role does not reach that account\n");
    }
}


static int
tg_cli_policy_check(tg_cli_t *cli, tg_cli_args_t *a)
{
    static const char *const opts[][2] = {
        { "key", "access_key_id" }, { "action", "action" },
        { "resource", "resource" }, { "ip", "source_ip" },
        { "time", "time" },         { "account", "account_id" },
    };
    json_t *body, *out = NULL;
    size_t  i;
    int     rc;

    if (!tg_cli_has(a, "key") || !tg_cli_has(a, "action")
        || !tg_cli_has(a, "resource"))
    {
        return tg_cli_usage_error("policy check needs --key, --action and "
                                  "--resource");
    }

    body = json_object();
    if (body == NULL) {
        return tg_cli_nomem();
    }
    for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (tg_cli_has(a, opts[i][0])) {
            json_object_set_new(body, opts[i][1],
                                json_string(tg_cli_opt(a, opts[i][0])));
        }
    }
    json_object_set_new(body, "secure", json_boolean(tg_cli_has(a, "secure")));

    rc = tg_cli_call(cli, "POST", "/v1/policies/check", body, &out);
    json_decref(body);
    if (rc != TG_CLI_OK) {
        return rc;
    }

    if (cli->json) {
        tg_cli_print_object(cli, out);
    } else {
        tg_cli_policy_verdict(out);
    }
    rc =
        json_is_true(json_object_get(out, "allowed")) ? TG_CLI_OK : TG_CLI_EAPI;
    json_decref(out);
    return rc;
}


#define TG_CLI_ACCOUNT_OPT                                           \
    {                                                                \
        "account", TG_OPT_VALUE, "ACCOUNT", "default: the key's own" \
    }

static const tg_cli_opt_t tg_cli_policy_create_opts[] = {
    { "document", TG_OPT_VALUE, "FILE", "the policy's JSON (- for stdin)" },
    { "description", TG_OPT_VALUE, "TEXT", "what it is for" },
    TG_CLI_ACCOUNT_OPT,
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_policy_account_opts[] = {
    TG_CLI_ACCOUNT_OPT,
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_policy_attach_opts[] = {
    { "document", TG_OPT_VALUE, "FILE", "attach an inline policy instead" },
    TG_CLI_ACCOUNT_OPT,
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_cli_policy_check_opts[] = {
    { "key", TG_OPT_VALUE, "ID", "the access key" },
    { "action", TG_OPT_VALUE, "ACTION", "e.g. apigateway:ResetAppSecret" },
    { "resource", TG_OPT_VALUE, "ARN",
      "acs:apigateway:<region>:<acct>:app/<id>" },
    { "ip", TG_OPT_VALUE, "ADDRESS", "the caller's address (default: none)" },
    { "time", TG_OPT_VALUE, "TIME", "RFC 3339 (default: now)" },
    { "secure", 0, NULL, "the call comes over TLS" },
    { "account", TG_OPT_VALUE, "ACCOUNT", "the key's account" },
    { NULL, 0, NULL, NULL },
};


const tg_cli_cmd_t tg_cli_policy_cmds[] = {
    { "policy", "create", "NAME", 1, 1, tg_cli_policy_create_opts,
      "Create a named policy from a JSON document.", tg_cli_policy_create },
    { "policy", "list", "", 0, 0, tg_cli_policy_account_opts,
      "List the built-in policies and the account's.", tg_cli_policy_list },
    { "policy", "show", "NAME", 1, 1, tg_cli_policy_account_opts,
      "Show a policy and its document.", tg_cli_policy_show },
    { "policy", "update", "NAME", 1, 1, tg_cli_policy_create_opts,
      "Replace a policy's document or description.", tg_cli_policy_update },
    { "policy", "delete", "NAME", 1, 1, tg_cli_policy_account_opts,
      "Delete a named policy (detached first).", tg_cli_policy_delete },
    { "policy", "attach", "KEY POLICY", 2, 2, tg_cli_policy_attach_opts,
      "Attach a named policy to an access key, or an inline one.",
      tg_cli_policy_attach },
    { "policy", "detach", "KEY POLICY", 2, 2, tg_cli_policy_account_opts,
      "Detach a policy from an access key.", tg_cli_policy_detach },
    { "policy", "attached", "KEY", 1, 1, tg_cli_policy_account_opts,
      "List the policies attached to an access key.", tg_cli_policy_attached },
    { "policy", "check", "", 0, 0, tg_cli_policy_check_opts,
      "Would a key be allowed an action on a resource? Names the statement.",
      tg_cli_policy_check },
    { NULL, NULL, NULL, 0, 0, NULL, NULL, NULL },
};
