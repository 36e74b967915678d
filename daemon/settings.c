/*
 * The core's settings table, and loading it, with the groups of settings
 * the dialects declare, from the config file, the environment and the
 * command line.
 */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/conf.h"
#include "tollgate/cred_policy.h"
#include "tollgate/error.h"
#include "tollgate/projection.h"
#include "tollgate/str.h"
#include "tollgate/version.h"
#include "settings.h"


#define TG_OFF(member) offsetof(tg_settings_t, member)
#define TG_TEXT_(x)    #x
#define TG_TEXT(x)     TG_TEXT_(x) /* a numeric macro's default as text */

/* clang-format off */

static const tg_setting_t tg_settings[] = {
    { "config", TG_SETTING_STRING, TG_OFF(config), NULL, 0, 0, NULL,
      "a settings file of \"name = value\" lines" },
    { "data_dir", TG_SETTING_STRING, TG_OFF(data_dir), "./var", 0, 0, NULL,
      "where the database, keyring and first admin key live" },
    { "listen", TG_SETTING_STRING, TG_OFF(listen), "127.0.0.1:9080", 0, 0,
      NULL, "the management API's address, host:port (port 0: any free)" },
    { "tls_cert", TG_SETTING_STRING, TG_OFF(tls_cert), NULL, 0, 0, NULL,
      "a PEM certificate (chain) file: the management API speaks HTTPS" },
    { "tls_key", TG_SETTING_STRING, TG_OFF(tls_key), NULL, 0, 0, NULL,
      "the certificate's PEM private key file" },
    { "require_tls", TG_SETTING_STRING, TG_OFF(require_tls), "on", 0, 0,
      "on|off",
      "on: plain HTTP is answered only for clients on this host's loopback "
      "(others get 403)" },
    { "log_format", TG_SETTING_STRING, TG_OFF(log_format), "text", 0, 0,
      "text|json", "log lines as text or JSON" },
    { "log_level", TG_SETTING_STRING, TG_OFF(log_level), "info", 0, 0,
      "debug|info|warn|error", "the least severe level logged" },
    { "log_file", TG_SETTING_STRING, TG_OFF(log_file), NULL, 0, 0, NULL,
      "append the log to this file, reopened on SIGHUP (default stderr)" },
    { "threads", TG_SETTING_INT, TG_OFF(threads), "4", 1, 64, NULL,
      "database connections: how many requests read the store at once (each HTTP connection has its own thread)" },
    { "max_connections", TG_SETTING_INT, TG_OFF(max_connections), "1024", 1,
      16384, NULL,
      "HTTP connections served at once, each by a thread of its own; one "
      "more is closed as soon as it is accepted" },
    { "max_body", TG_SETTING_INT, TG_OFF(max_body), "65536", 1024, 16777216,
      NULL, "the largest request body in bytes; larger gets 413" },
    { "max_apps", TG_SETTING_INT, TG_OFF(max_apps), "1000", 1, 100000000,
      NULL, "apps per account, unless the account sets its own quota" },
    { "max_key_pairs", TG_SETTING_INT, TG_OFF(max_key_pairs), "5", 1, 100,
      NULL, "AppKey/AppSecret pairs per app" },
    { "max_codes", TG_SETTING_INT, TG_OFF(max_codes), "5", 1, 100, NULL,
      "AppCodes per app" },
    { "max_grace_seconds", TG_SETTING_INT, TG_OFF(max_grace_seconds),
      "604800", 0, 31536000, NULL,
      "the longest grace period a secret reset may grant" },
    { "app_write_rate", TG_SETTING_NUMBER, TG_OFF(app_write_rate), "50", 0,
      1000000, NULL,
      "app creates, modifies and deletes per second per account (0: no "
      "limit)" },
    { "app_write_burst", TG_SETTING_NUMBER, TG_OFF(app_write_burst), "50", 1,
      1000000, NULL, "how many of those may come at once" },
    { "code_reset_interval", TG_SETTING_INT, TG_OFF(code_reset_interval),
      "60", 0, 86400, NULL, "seconds between two resets of one AppCode" },
    { "projection_map_size", TG_SETTING_INT, TG_OFF(projection_map_size),
      TG_TEXT(TG_PROJ_MAP_MIB), TG_PROJ_MAP_MIB_MIN, TG_PROJ_MAP_MIB_MAX, NULL,
      "the LMDB projection's largest size, in MiB (the file grows as "
      "needed)" },
    { "alibaba_nonces", TG_SETTING_INT, TG_OFF(signed_nonces), NULL,
      1, 16777216, NULL,
      "the former name of signed_nonces: it sets the same value" },
    { "signed_nonces", TG_SETTING_INT, TG_OFF(signed_nonces), "200000",
      1, 16777216, NULL,
      "nonces of signed management calls remembered at once, each until "
      "its timestamp leaves the 15-minute window; when full, new signed "
      "calls get 503 until the soonest expire" },
    { "sync", TG_SETTING_STRING, TG_OFF(sync), "full", 0, 0, "full|normal",
      "full: fsync every commit (survives power loss); normal: survives "
      "a crash of tollgated only" },
    { "default_reveal_once", TG_SETTING_STRING, TG_OFF(default_reveal_once),
      "off", 0, 0, "on|off",
      "a new account's credential policy: secrets shown only at create "
      "and reset" },
    { "default_max_secret_age", TG_SETTING_INT,
      TG_OFF(default_max_secret_age), "0", 0, 316224000, NULL,
      "a new account's credential policy: seconds a secret stays valid "
      "(0: forever)" },
    { "default_min_grace", TG_SETTING_INT, TG_OFF(default_min_grace), "0",
      0, 31536000, NULL,
      "a new account's credential policy: the shortest rotation grace, "
      "seconds (at most max_grace_seconds); a reset asking none gets it" },
    { "default_max_grace", TG_SETTING_INT, TG_OFF(default_max_grace), "0",
      0, 31536000, NULL,
      "a new account's credential policy: the longest rotation grace, "
      "seconds (0: max_grace_seconds)" },
    { "default_secret_min_length", TG_SETTING_INT,
      TG_OFF(default_secret_min_length), "0", 0, 128, NULL,
      "a new account's credential policy: the shortest caller-chosen "
      "AppSecret (0: no rule)" },
    { "default_secret_classes", TG_SETTING_INT,
      TG_OFF(default_secret_classes), "0", 0, 4, NULL,
      "a new account's credential policy: character classes a "
      "caller-chosen AppSecret mixes (lowercase, uppercase, digits, others)" },
    { "store", TG_SETTING_STRING, TG_OFF(store), NULL, 0, 0, NULL,
      "the store: a postgres:// URL of a PostgreSQL database (several "
      "nodes may share it), or unset: SQLite in data_dir" },
    { "log_retention", TG_SETTING_INT, TG_OFF(log_retention), "168", 0,
      87600, NULL,
      "hours the store keeps the change log's rows (0: no age limit); a "
      "node behind what is kept rebuilds its projection from the store" },
    { "log_retention_rows", TG_SETTING_INT, TG_OFF(log_retention_rows),
      "1000000", 0, 1000000000000, NULL,
      "the most change-log rows the store keeps (0: no limit)" },
    { "admin_access_key_id", TG_SETTING_STRING, TG_OFF(admin_access_key_id),
      NULL, 0, 0, NULL,
      "the first admin key's id, used once on an empty store" },
    { "admin_access_key_secret", TG_SETTING_STRING,
      TG_OFF(admin_access_key_secret), NULL, 0, 0, NULL,
      "its secret (prefer the environment: flags show in ps)" },
};

/* clang-format on */

#define TG_NSETTINGS (sizeof(tg_settings) / sizeof(tg_settings[0]))


/* The core's group first, then the others. */
typedef struct {
    tg_settings_group_t all[TG_SETTINGS_GROUPS_MAX + 1];
    size_t              n;
} tg_groups_t;


static void
tg_groups_init(tg_groups_t *g, tg_settings_t *s,
               const tg_settings_group_t *groups, size_t ngroups)
{
    size_t i;

    g->all[0] = (tg_settings_group_t){ tg_settings, TG_NSETTINGS, s };
    g->n = 1;

    for (i = 0; i < ngroups && i < TG_SETTINGS_GROUPS_MAX; i++) {
        g->all[g->n++] = groups[i];
    }
}


/* The setting of this name, and its group; NULL if there is none. */
static const tg_setting_t *
tg_setting_find(const tg_groups_t *g, tg_str_t name,
                const tg_settings_group_t **group)
{
    size_t i, k;

    for (i = 0; i < g->n; i++) {
        for (k = 0; k < g->all[i].n; k++) {
            if (tg_str_eq_c(name, g->all[i].table[k].name)) {
                *group = &g->all[i];
                return &g->all[i].table[k];
            }
        }
    }

    return NULL;
}


/* "--data-dir" for "data_dir". */
static void
tg_setting_flag(const tg_setting_t *st, char *out, size_t size)
{
    size_t i;

    snprintf(out, size, "--%s", st->name);
    for (i = 2; out[i] != '\0'; i++) {
        if (out[i] == '_') {
            out[i] = '-';
        }
    }
}


/* "TOLLGATE_DATA_DIR" for "data_dir". */
static void
tg_setting_env(const tg_setting_t *st, char *out, size_t size)
{
    size_t i;

    snprintf(out, size, "TOLLGATE_%s", st->name);
    for (i = 0; out[i] != '\0'; i++) {
        out[i] = (char) toupper((unsigned char) out[i]);
    }
}


static int
tg_choice_ok(const char *choices, tg_str_t value)
{
    const char *p = choices, *bar;
    size_t      len;

    for (;;) {
        bar = strchr(p, '|');
        len = bar != NULL ? (size_t) (bar - p) : strlen(p);
        if (value.len == len && memcmp(value.ptr, p, len) == 0) {
            return 1;
        }
        if (bar == NULL) {
            return 0;
        }
        p = bar + 1;
    }
}


/* Stores value into the setting st of the struct values. */
static int
tg_setting_apply(void *values, const tg_setting_t *st, tg_str_t value,
                 const char *origin, char *errbuf, size_t errlen)
{
    char  *field = (char *) values + st->offset, *copy, *end;
    double number;

    if (st->type == TG_SETTING_STRING) {
        if (st->choices != NULL && !tg_choice_ok(st->choices, value)) {
            snprintf(errbuf, errlen, "%s: %s must be one of %s", origin,
                     st->name, st->choices);
            return TG_EINVALID;
        }

        copy = tg_strndup(value.ptr, value.len);
        if (copy == NULL) {
            return TG_ENOMEM;
        }

        if (*(char **) field != NULL) {
            tg_wipe(*(char **) field, strlen(*(char **) field));
            free(*(char **) field);
        }
        *(char **) field = copy;
        return TG_OK;
    }

    copy = tg_strndup(value.ptr, value.len);
    if (copy == NULL) {
        return TG_ENOMEM;
    }

    errno = 0;
    number = strtod(copy, &end);
    if (value.len == 0 || *end != '\0' || errno != 0 || isnan(number)
        || number < st->min || number > st->max
        || (st->type == TG_SETTING_INT && number != floor(number)))
    {
        snprintf(errbuf, errlen, "%s: %s must be %s from %g to %g", origin,
                 st->name,
                 st->type == TG_SETTING_INT ? "an integer" : "a number",
                 st->min, st->max);
        free(copy);
        return TG_EINVALID;
    }

    free(copy);

    if (st->type == TG_SETTING_INT) {
        *(int64_t *) field = (int64_t) number;
    } else {
        *(double *) field = number;
    }

    return TG_OK;
}


typedef struct {
    const tg_groups_t *groups;
    const char        *path;
    char              *errbuf;
    size_t             errlen;
} tg_conf_ctx_t;


static int
tg_settings_conf_line(void *data, tg_str_t name, tg_str_t value, unsigned line)
{
    tg_conf_ctx_t             *ctx = data;
    const tg_settings_group_t *group = NULL;
    const tg_setting_t        *st = tg_setting_find(ctx->groups, name, &group);
    char                       origin[512];

    snprintf(origin, sizeof(origin), "%s:%u", ctx->path, line);

    if (st == NULL || strcmp(st->name, "config") == 0) {
        snprintf(ctx->errbuf, ctx->errlen, "%s: unknown setting \"%.*s\"",
                 origin, (int) name.len, name.ptr);
        return TG_EINVALID;
    }

    return tg_setting_apply(group->values, st, value, origin, ctx->errbuf,
                            ctx->errlen);
}


static int
tg_settings_read_file(const tg_groups_t *g, const char *path, char *errbuf,
                      size_t errlen)
{
    tg_conf_ctx_t ctx = { g, path, errbuf, errlen };
    tg_buf_t      text = TG_BUF_INIT;
    FILE         *f;
    char          chunk[4096];
    size_t        n;
    unsigned      line = 0;
    int           rc = TG_OK;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(errbuf, errlen, "config file %s: %s", path, strerror(errno));
        return TG_EINVALID;
    }

    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && rc == TG_OK) {
        rc = tg_buf_append(&text, chunk, n);
    }
    fclose(f);

    if (rc == TG_OK) {
        rc = tg_conf_parse(tg_buf_str(&text), tg_settings_conf_line, &ctx,
                           &line);
        if (rc == TG_EINVALID && errbuf[0] == '\0') {
            snprintf(errbuf, errlen, "%s:%u: expected \"name = value\"", path,
                     line);
        }
    }

    tg_buf_wipe(&text);
    return rc;
}


/* Finds --config / --config=FILE among the flags. */
static const char *
tg_settings_config_flag(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            return argv[i + 1];
        }
        if (strncmp(argv[i], "--config=", 9) == 0) {
            return argv[i] + 9;
        }
    }

    return NULL;
}


static int
tg_settings_defaults(const tg_groups_t *g)
{
    const tg_setting_t *st;
    char                errbuf[64];
    size_t              i, k;

    for (i = 0; i < g->n; i++) {
        for (k = 0; k < g->all[i].n; k++) {
            st = &g->all[i].table[k];
            if (st->def != NULL
                && tg_setting_apply(g->all[i].values, st, tg_str_c(st->def),
                                    "default", errbuf, sizeof(errbuf))
                       != TG_OK)
            {
                return TG_ENOMEM;
            }
        }
    }

    return TG_OK;
}


static int
tg_settings_environment(const tg_groups_t *g, char *errbuf, size_t errlen)
{
    const tg_setting_t *st;
    char                env[80];
    const char         *value;
    size_t              i, k;
    int                 rc;

    for (i = 0; i < g->n; i++) {
        for (k = 0; k < g->all[i].n; k++) {
            st = &g->all[i].table[k];
            tg_setting_env(st, env, sizeof(env));
            value = getenv(env);
            if (value != NULL) {
                rc = tg_setting_apply(g->all[i].values, st, tg_str_c(value),
                                      env, errbuf, errlen);
                if (rc != TG_OK) {
                    return rc;
                }
            }
        }
    }

    return TG_OK;
}


/* The setting a flag ("--data-dir" or "--data-dir=...") names. */
static const tg_setting_t *
tg_setting_of_flag(const tg_groups_t *g, const char *arg, size_t len,
                   const tg_settings_group_t **group)
{
    char   flag[80];
    size_t i, k;

    for (i = 0; i < g->n; i++) {
        for (k = 0; k < g->all[i].n; k++) {
            tg_setting_flag(&g->all[i].table[k], flag, sizeof(flag));
            if (strlen(flag) == len && strncmp(arg, flag, len) == 0) {
                *group = &g->all[i];
                return &g->all[i].table[k];
            }
        }
    }

    return NULL;
}


/* Applies one flag; *i advances past its value. */
static int
tg_settings_flag(const tg_groups_t *g, int argc, char **argv, int *i,
                 char *errbuf, size_t errlen)
{
    const tg_settings_group_t *group = NULL;
    const tg_setting_t        *st;
    const char                *arg = argv[*i], *eq;
    tg_str_t                   value;
    char                       flag[80];

    eq = strchr(arg, '=');
    st = tg_setting_of_flag(
        g, arg, eq != NULL ? (size_t) (eq - arg) : strlen(arg), &group);
    if (st == NULL) {
        snprintf(errbuf, errlen, "unknown flag %.60s (see --help)", arg);
        return TG_EINVALID;
    }

    tg_setting_flag(st, flag, sizeof(flag));

    if (eq != NULL) {
        value = tg_str_c(eq + 1);
    } else if (*i + 1 < argc) {
        value = tg_str_c(argv[++*i]);
    } else {
        snprintf(errbuf, errlen, "%s needs a value", flag);
        return TG_EINVALID;
    }

    return tg_setting_apply(group->values, st, value, flag, errbuf, errlen);
}


tg_settings_result_t
tg_settings_load(tg_settings_t *s, const tg_settings_group_t *groups,
                 size_t ngroups, int argc, char **argv, char *errbuf,
                 size_t errlen)
{
    tg_groups_t      g;
    tg_cred_policy_t policy;
    const char      *config, *rule;
    int              i;

    errbuf[0] = '\0';
    tg_groups_init(&g, s, groups, ngroups);

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            tg_settings_usage(stdout, groups, ngroups);
            return TG_SETTINGS_EXIT;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("tollgated %s\n", TG_VERSION);
            return TG_SETTINGS_EXIT;
        }
    }

    if (ngroups > TG_SETTINGS_GROUPS_MAX) {
        snprintf(errbuf, errlen, "too many groups of settings");
        return TG_SETTINGS_ERROR;
    }

    memset(s, 0, sizeof(*s));

    if (tg_settings_defaults(&g) != TG_OK) {
        snprintf(errbuf, errlen, "out of memory");
        return TG_SETTINGS_ERROR;
    }

    config = tg_settings_config_flag(argc, argv);
    if (config == NULL) {
        config = getenv("TOLLGATE_CONFIG");
    }

    if (config != NULL
        && tg_settings_read_file(&g, config, errbuf, errlen) != TG_OK)
    {
        return TG_SETTINGS_ERROR;
    }

    if (tg_settings_environment(&g, errbuf, errlen) != TG_OK) {
        return TG_SETTINGS_ERROR;
    }

    for (i = 1; i < argc; i++) {
        if (tg_settings_flag(&g, argc, argv, &i, errbuf, errlen) != TG_OK) {
            return TG_SETTINGS_ERROR;
        }
    }

    if ((s->admin_access_key_id == NULL)
        != (s->admin_access_key_secret == NULL)) {
        snprintf(errbuf, errlen,
                 "admin_access_key_id and admin_access_key_secret go "
                 "together");
        return TG_SETTINGS_ERROR;
    }

    if (tg_settings_cred_policy(s, &policy, &rule) != TG_OK) {
        snprintf(errbuf, errlen, "%s", rule);
        return TG_SETTINGS_ERROR;
    }

    return TG_SETTINGS_RUN;
}


int
tg_settings_cred_policy(const tg_settings_t *s, tg_cred_policy_t *out,
                        const char **rule)
{
    tg_field_t field;

    memset(out, 0, sizeof(*out));
    out->reveal_once = strcmp(s->default_reveal_once, "on") == 0;
    out->max_secret_age = s->default_max_secret_age;
    out->min_grace = s->default_min_grace;
    out->max_grace = s->default_max_grace;
    out->secret_min_length = s->default_secret_min_length;
    out->secret_classes = s->default_secret_classes;

    /* Each member is within its own range (the table's); what is left is
     * how the graces compare with each other and max_grace_seconds. */
    if (tg_cred_policy_check(out, s->max_grace_seconds, &field, rule) != TG_OK)
    {
        *rule = field == TG_FIELD_MAX_GRACE
                    ? "default_max_grace must be at most max_grace_seconds"
                    : "default_min_grace must be at most default_max_grace "
                      "and max_grace_seconds";
        return TG_EINVALID;
    }
    return TG_OK;
}


void
tg_settings_group_free(const tg_settings_group_t *group)
{
    size_t i;
    char **field;

    for (i = 0; i < group->n; i++) {
        if (group->table[i].type == TG_SETTING_STRING) {
            field = (char **) ((char *) group->values + group->table[i].offset);
            if (*field != NULL) {
                tg_wipe(*field, strlen(*field));
                free(*field);
                *field = NULL;
            }
        }
    }
}


void
tg_settings_free(tg_settings_t *s)
{
    tg_settings_group_t core = { tg_settings, TG_NSETTINGS, s };

    tg_settings_group_free(&core);
}


/* 1 if the setting st holds different values in a and b. */
static int
tg_setting_differs(const tg_setting_t *st, const void *a, const void *b)
{
    const char *fa = (const char *) a + st->offset;
    const char *fb = (const char *) b + st->offset;
    const char *sa, *sb;
    int64_t     ia, ib;
    double      da, db;

    switch (st->type) {
    case TG_SETTING_STRING:
        memcpy(&sa, fa, sizeof(sa));
        memcpy(&sb, fb, sizeof(sb));
        return (sa == NULL) != (sb == NULL)
               || (sa != NULL && strcmp(sa, sb) != 0);
    case TG_SETTING_INT:
        memcpy(&ia, fa, sizeof(ia));
        memcpy(&ib, fb, sizeof(ib));
        return ia != ib;
    default:
        memcpy(&da, fa, sizeof(da));
        memcpy(&db, fb, sizeof(db));
        return da != db;
    }
}


/* 1 if a later setting of the table stores into the same field: the
 * table lists a former name (alibaba_nonces) before the setting it
 * sets (signed_nonces), which is the one to name. */
static int
tg_setting_alias(const tg_setting_t *table, size_t n, size_t k)
{
    size_t i;

    for (i = k + 1; i < n; i++) {
        if (table[i].offset == table[k].offset) {
            return 1;
        }
    }

    return 0;
}


static void
tg_settings_group_changed(const tg_setting_t *table, size_t n, const void *a,
                          const void *b, tg_settings_changed_pt fn, void *data)
{
    size_t k;

    for (k = 0; k < n; k++) {
        if (!tg_setting_alias(table, n, k)
            && tg_setting_differs(&table[k], a, b)) {
            fn(data, table[k].name);
        }
    }
}


void
tg_settings_each_changed(const tg_settings_t       *old,
                         const tg_settings_group_t *old_groups,
                         const tg_settings_t       *fresh,
                         const tg_settings_group_t *fresh_groups,
                         size_t ngroups, tg_settings_changed_pt fn, void *data)
{
    size_t i;

    tg_settings_group_changed(tg_settings, TG_NSETTINGS, old, fresh, fn, data);

    for (i = 0; i < ngroups; i++) {
        if (old_groups[i].table == fresh_groups[i].table) {
            tg_settings_group_changed(old_groups[i].table, old_groups[i].n,
                                      old_groups[i].values,
                                      fresh_groups[i].values, fn, data);
        }
    }
}


static void
tg_settings_usage_group(FILE *out, const tg_settings_group_t *group)
{
    const tg_setting_t *st;
    char                flag[80], env[80];
    size_t              i;

    for (i = 0; i < group->n; i++) {
        st = &group->table[i];
        tg_setting_flag(st, flag, sizeof(flag));
        tg_setting_env(st, env, sizeof(env));
        fprintf(out, "  %-28s %s\n      %s", flag, env, st->help);
        if (st->choices != NULL) {
            fprintf(out, " (%s)", st->choices);
        }
        if (st->def != NULL) {
            fprintf(out, " [default: %s]", st->def);
        }
        fprintf(out, "\n");
    }
}


void
tg_settings_usage(FILE *out, const tg_settings_group_t *groups, size_t ngroups)
{
    tg_settings_group_t core = { tg_settings, TG_NSETTINGS, NULL };
    size_t              i;

    fprintf(out, "usage: tollgated [--name value]...\n"
                 "\n"
                 "Runs Tollgate's control plane: the management API over the "
                 "embedded store.\n"
                 "Each setting is a flag, an environment variable, or a line "
                 "\"name = value\"\n"
                 "in the --config file; flags win over the environment, which "
                 "wins over the file.\n"
                 "\n");

    tg_settings_usage_group(out, &core);
    for (i = 0; i < ngroups; i++) {
        tg_settings_usage_group(out, &groups[i]);
    }

    fprintf(out, "\n  --help, --version\n");
}
