/*
 * The steps commands share: request bodies from options, app paths, and
 * sending a request and printing its answer.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/cred_policy.h"
#include "tollgate/error.h"
#include "tollgate/str.h"
#include "cli.h"


static int
tg_cli_body_set(json_t *body, const char *field, json_t *v)
{
    if (v == NULL || json_object_set_new(body, field, v) != 0) {
        return tg_cli_nomem();
    }
    return TG_CLI_OK;
}


int
tg_cli_body_str(json_t *body, const char *field, const tg_cli_args_t *a,
                const char *opt)
{
    const char *value = tg_cli_opt(a, opt);
    json_t     *v;

    if (value == NULL) {
        return TG_CLI_OK;
    }
    /* json_string() refuses what is not UTF-8, and so would tollgated. */
    v = json_string(value);
    if (v == NULL) {
        return tg_cli_usage_error("--%s: not valid UTF-8", opt);
    }
    return tg_cli_body_set(body, field, v);
}


int
tg_cli_body_int(json_t *body, const char *field, const tg_cli_args_t *a,
                const char *opt, int64_t min, int64_t max)
{
    int64_t n;
    int     rc;

    if (!tg_cli_has(a, opt)) {
        return TG_CLI_OK;
    }
    rc = tg_cli_opt_int(a, opt, min, max, &n);
    if (rc != TG_CLI_OK) {
        return rc;
    }
    return tg_cli_body_set(body, field, json_integer((json_int_t) n));
}


/* A duration option ("90", "15m", "12h", "7d") as seconds. */
static int
tg_cli_body_seconds(json_t *body, const char *field, const tg_cli_args_t *a,
                    const char *opt, int64_t min, int64_t max)
{
    const char *value = tg_cli_opt(a, opt);
    int64_t     n;

    if (value == NULL) {
        return TG_CLI_OK;
    }
    if (tg_duration_parse(tg_str_c(value), &n) != TG_OK || n < min || n > max) {
        return tg_cli_usage_error("--%s: expected a duration such as 90, 15m, "
                                  "12h or 7d, not \"%s\"",
                                  opt, value);
    }
    return tg_cli_body_set(body, field, json_integer((json_int_t) n));
}


/* An "on" or "off" option as true or false. */
static int
tg_cli_body_onoff(json_t *body, const char *field, const tg_cli_args_t *a,
                  const char *opt)
{
    const char *value = tg_cli_opt(a, opt);

    if (value == NULL) {
        return TG_CLI_OK;
    }
    if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
        return tg_cli_usage_error("--%s: expected on or off, not \"%s\"", opt,
                                  value);
    }
    return tg_cli_body_set(body, field, json_boolean(strcmp(value, "on") == 0));
}


int
tg_cli_body_flag(json_t *body, const char *field, const tg_cli_args_t *a,
                 const char *opt)
{
    if (!tg_cli_has(a, opt)) {
        return TG_CLI_OK;
    }
    return tg_cli_body_set(body, field, json_true());
}


int
tg_cli_body_tags(json_t *body, const tg_cli_args_t *a)
{
    const char *tag, *eq;
    json_t     *tags, *value;
    char       *key;
    int         i = 0;

    if (!tg_cli_has(a, "tag")) {
        return TG_CLI_OK;
    }

    tags = json_object();
    if (tags == NULL) {
        return tg_cli_nomem();
    }

    while ((tag = tg_cli_opt_next(a, "tag", &i)) != NULL) {
        eq = strchr(tag, '=');
        if (eq == NULL) {
            json_decref(tags);
            return tg_cli_usage_error("--tag %s: expected KEY=VALUE", tag);
        }
        key = tg_strndup(tag, (size_t) (eq - tag));
        if (key == NULL) {
            json_decref(tags);
            return tg_cli_nomem();
        }
        if (json_object_get(tags, key) != NULL) {
            free(key);
            json_decref(tags);
            return tg_cli_usage_error("--tag %s: the key is given twice", tag);
        }
        value = json_string(eq + 1);
        if (value == NULL || json_object_set_new(tags, key, value) != 0) {
            free(key);
            json_decref(tags);
            return tg_cli_usage_error("--tag %s: not valid UTF-8", tag);
        }
        free(key);
    }

    return tg_cli_body_set(body, "tags", tags);
}


int
tg_cli_app_path(tg_cli_t *cli, const tg_cli_args_t *a, tg_buf_t *path,
                const char *suffix)
{
    char id[64];
    int  rc;

    rc = tg_cli_app_ref(cli, a->pos[0], id);
    if (rc != TG_CLI_OK) {
        return rc;
    }

    if (tg_cli_path(path, "/v1/apps/%s", id) != TG_OK
        || tg_cli_path(path, suffix, a->pos[1], a->pos[2]) != TG_OK)
    {
        return tg_cli_nomem();
    }
    return TG_CLI_OK;
}


int
tg_cli_send(tg_cli_t *cli, const char *method, tg_buf_t *path, json_t *body,
            const char *done)
{
    json_t *answer = NULL;
    int     rc;

    rc = tg_cli_call(cli, method, path->ptr, body, &answer);
    if (rc == TG_CLI_OK) {
        if (answer != NULL) {
            tg_cli_print_object(cli, answer);
        } else if (!cli->json && done != NULL) {
            puts(done);
        }
    }

    json_decref(answer);
    json_decref(body);
    tg_buf_free(path);
    return rc;
}


int
tg_cli_show_list(tg_cli_t *cli, const tg_cli_args_t *a, tg_buf_t *path,
                 int pageable, const tg_cli_col_t *cols)
{
    json_t *items = NULL;
    int     rc;

    rc = tg_cli_list(cli, a, path, pageable, &items);
    if (rc == TG_CLI_OK) {
        tg_cli_print_list(cli, items, cols);
    }
    json_decref(items);
    tg_buf_free(path);
    return rc;
}


int
tg_cli_body_fields(json_t *body, const tg_cli_args_t *a,
                   const tg_cli_field_t *fields)
{
    const tg_cli_field_t *f;
    int                   rc = TG_CLI_OK;

    for (f = fields; f->field != NULL && rc == TG_CLI_OK; f++) {
        switch (f->type) {
        case TG_F_STR:
            rc = f->opt != NULL
                     ? tg_cli_body_str(body, f->field, a, f->opt)
                     : tg_cli_body_set(body, f->field, json_string(f->value));
            break;
        case TG_F_INT:
            rc = tg_cli_body_int(body, f->field, a, f->opt, f->min, f->max);
            break;
        case TG_F_TRUE:
            rc = f->opt != NULL ? tg_cli_body_flag(body, f->field, a, f->opt)
                                : tg_cli_body_set(body, f->field, json_true());
            break;
        case TG_F_NULL:
            if (tg_cli_has(a, f->opt)) {
                rc = tg_cli_body_set(body, f->field, json_null());
            }
            break;
        case TG_F_SECONDS:
            rc = tg_cli_body_seconds(body, f->field, a, f->opt, f->min, f->max);
            break;
        case TG_F_ONOFF:
            rc = tg_cli_body_onoff(body, f->field, a, f->opt);
            break;
        }
    }
    return rc;
}


int
tg_cli_make_body(const tg_cli_args_t *a, const char *method,
                 const tg_cli_field_t *fields, json_t **body)
{
    int rc;

    *body = NULL;
    if (fields == NULL) {
        return TG_CLI_OK;
    }

    *body = json_object();
    rc = *body != NULL ? tg_cli_body_fields(*body, a, fields) : tg_cli_nomem();
    if (rc == TG_CLI_OK && strcmp(method, "PATCH") == 0
        && json_object_size(*body) == 0)
    {
        rc = tg_cli_usage_error("nothing to change (see --help)");
    }
    if (rc != TG_CLI_OK) {
        json_decref(*body);
        *body = NULL;
    }
    return rc;
}


int
tg_cli_write(tg_cli_t *cli, const tg_cli_args_t *a, const char *method,
             tg_buf_t *path, const tg_cli_field_t *fields, const char *done)
{
    json_t *body;
    int     rc;

    rc = tg_cli_make_body(a, method, fields, &body);
    if (rc != TG_CLI_OK) {
        tg_buf_free(path);
        return rc;
    }
    return tg_cli_send(cli, method, path, body, done);
}


int
tg_cli_app_write(tg_cli_t *cli, const tg_cli_args_t *a, const char *method,
                 const char *suffix, const tg_cli_field_t *fields,
                 const char *done)
{
    tg_buf_t path = TG_BUF_INIT;
    json_t  *body;
    int      rc;

    /* The options are checked before the app is looked up. */
    rc = tg_cli_make_body(a, method, fields, &body);
    if (rc == TG_CLI_OK) {
        rc = tg_cli_app_path(cli, a, &path, suffix);
    }
    if (rc != TG_CLI_OK) {
        json_decref(body);
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_send(cli, method, &path, body, done);
}


int
tg_cli_pos_write(tg_cli_t *cli, const tg_cli_args_t *a, const char *method,
                 const char *fmt, const tg_cli_field_t *fields,
                 const char *done)
{
    tg_buf_t path = TG_BUF_INIT;

    if (tg_cli_path(&path, fmt, a->pos[0]) != TG_OK) {
        tg_buf_free(&path);
        return tg_cli_nomem();
    }
    return tg_cli_write(cli, a, method, &path, fields, done);
}


int
tg_cli_body_account(tg_cli_t *cli, const tg_cli_args_t *a, json_t *body)
{
    char account[64];
    int  rc;

    if (!tg_cli_has(a, "account")) {
        return TG_CLI_OK;
    }
    rc = tg_cli_account_ref(cli, tg_cli_opt(a, "account"), account);
    if (rc == TG_CLI_OK
        && json_object_set_new(body, "account_id", json_string(account)) != 0)
    {
        rc = tg_cli_nomem();
    }
    return rc;
}


int
tg_cli_query_account(tg_cli_t *cli, const tg_cli_args_t *a, tg_buf_t *path)
{
    char account[64];
    int  rc;

    if (!tg_cli_has(a, "account")) {
        return TG_CLI_OK;
    }
    rc = tg_cli_account_ref(cli, tg_cli_opt(a, "account"), account);
    if (rc == TG_CLI_OK && tg_cli_query(path, "account_id", account) != TG_OK) {
        rc = tg_cli_nomem();
    }
    return rc;
}


int
tg_cli_create(tg_cli_t *cli, const tg_cli_args_t *a, const char *collection,
              const tg_cli_field_t *fields,
              int (*more)(const tg_cli_args_t *a, json_t *body))
{
    tg_buf_t path = TG_BUF_INIT;
    json_t  *body;
    int      rc;

    body = json_pack("{s:s}", "name", a->pos[0]);
    if (body == NULL) {
        return tg_cli_usage_error("NAME: not valid UTF-8");
    }

    rc = tg_cli_body_fields(body, a, fields);
    if (rc == TG_CLI_OK && more != NULL) {
        rc = more(a, body);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_body_account(cli, a, body);
    }
    if (rc == TG_CLI_OK && tg_buf_append_c(&path, collection) != TG_OK) {
        rc = tg_cli_nomem();
    }
    if (rc != TG_CLI_OK) {
        json_decref(body);
        tg_buf_free(&path);
        return rc;
    }
    return tg_cli_send(cli, "POST", &path, body, NULL);
}
