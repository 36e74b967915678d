/*
 * A command's options: --name VALUE, --name=VALUE, flags, repeats, "--"
 * to end the options, and "-" to read a secret from stdin.
 */

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "cli.h"


/* A secret read from stdin is one line of at most this many bytes. */
#define TG_CLI_STDIN_MAX 4096


static const tg_cli_opt_t tg_cli_global_opts[] = {
    { "json", 0, NULL, "print the API's JSON instead of a table" },
    { "help", 0, NULL, "show this help" },
    { NULL, 0, NULL, NULL },
};


static const tg_cli_opt_t *
tg_cli_opt_find(const tg_cli_opt_t *opts, const char *name, size_t len)
{
    for (; opts != NULL && opts->name != NULL; opts++) {
        if (strlen(opts->name) == len && memcmp(opts->name, name, len) == 0) {
            return opts;
        }
    }
    return NULL;
}


/*
 * Reads one line from stdin into a->stdin_value: the value of an option
 * given as "-".  The line's end (\n or \r\n) is not part of it.
 */
static int
tg_cli_read_stdin(tg_cli_args_t *a, const char *name)
{
    char    chunk[512];
    ssize_t n;

    if (a->stdin_value.ptr != NULL) {
        return tg_cli_usage_error("only one option may read stdin (--%s)",
                                  name);
    }

    for (;;) {
        n = read(STDIN_FILENO, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return tg_cli_usage_error("--%s -: cannot read stdin: %s", name,
                                      strerror(errno));
        }
        if (n == 0) {
            break;
        }
        if (a->stdin_value.len + (size_t) n > TG_CLI_STDIN_MAX
            || tg_buf_append(&a->stdin_value, chunk, (size_t) n) != TG_OK)
        {
            tg_wipe(chunk, sizeof(chunk));
            return tg_cli_usage_error("--%s -: stdin holds more than %d bytes",
                                      name, TG_CLI_STDIN_MAX);
        }
    }
    tg_wipe(chunk, sizeof(chunk));

    if (tg_buf_append(&a->stdin_value, "", 0) != TG_OK) {
        return tg_cli_nomem();
    }

    if (a->stdin_value.len > 0
        && a->stdin_value.ptr[a->stdin_value.len - 1] == '\n')
    {
        a->stdin_value.ptr[--a->stdin_value.len] = '\0';
        if (a->stdin_value.len > 0
            && a->stdin_value.ptr[a->stdin_value.len - 1] == '\r')
        {
            a->stdin_value.ptr[--a->stdin_value.len] = '\0';
        }
    }

    if (a->stdin_value.len == 0
        || memchr(a->stdin_value.ptr, '\n', a->stdin_value.len) != NULL)
    {
        return tg_cli_usage_error("--%s -: stdin must hold exactly one "
                                  "non-empty line",
                                  name);
    }

    return TG_CLI_OK;
}


static int
tg_cli_args_add(tg_cli_args_t *a, const tg_cli_opt_t *opt, const char *value)
{
    int i, rc;

    if (!(opt->flags & TG_OPT_MULTI)) {
        for (i = 0; i < a->nseen; i++) {
            if (a->seen[i].opt == opt) {
                return tg_cli_usage_error("--%s given twice", opt->name);
            }
        }
    }

    if (a->nseen == TG_CLI_MAX_SEEN) {
        return tg_cli_usage_error("more than %d options", TG_CLI_MAX_SEEN);
    }

    if ((opt->flags & TG_OPT_STDIN) && value != NULL && strcmp(value, "-") == 0)
    {
        rc = tg_cli_read_stdin(a, opt->name);
        if (rc != TG_CLI_OK) {
            return rc;
        }
        value = a->stdin_value.ptr;
    }

    a->seen[a->nseen].opt = opt;
    a->seen[a->nseen].value = value;
    a->nseen++;
    return TG_CLI_OK;
}


/* Handles argv[*i], an option; may consume argv[*i + 1] as its value. */
static int
tg_cli_args_option(tg_cli_args_t *a, const tg_cli_cmd_t *cmd, int argc,
                   char **argv, int *i, int *json, int *help)
{
    const tg_cli_opt_t *opt;
    const char         *name, *eq, *value;
    size_t              len;

    name = argv[*i] + 2;
    eq = strchr(name, '=');
    len = eq != NULL ? (size_t) (eq - name) : strlen(name);

    opt = tg_cli_opt_find(tg_cli_global_opts, name, len);
    if (opt != NULL) {
        if (eq != NULL) {
            return tg_cli_usage_error("--%s takes no value", opt->name);
        }
        *(opt == &tg_cli_global_opts[0] ? json : help) = 1;
        return TG_CLI_OK;
    }

    opt = tg_cli_opt_find(cmd->opts, name, len);
    if (opt == NULL) {
        return tg_cli_usage_error("unknown option --%.*s (see --help)",
                                  (int) len, name);
    }

    if (!(opt->flags & TG_OPT_VALUE)) {
        if (eq != NULL) {
            return tg_cli_usage_error("--%s takes no value", opt->name);
        }
        return tg_cli_args_add(a, opt, NULL);
    }

    if (eq != NULL) {
        value = eq + 1;
    } else if (*i + 1 < argc) {
        value = argv[++*i];
    } else {
        return tg_cli_usage_error("--%s needs a value (%s)", opt->name,
                                  opt->meta);
    }

    return tg_cli_args_add(a, opt, value);
}


int
tg_cli_args_parse(tg_cli_args_t *a, const tg_cli_cmd_t *cmd, int argc,
                  char **argv, int *json, int *help)
{
    int i, rc, options = 1;

    memset(a, 0, sizeof(*a));
    a->cmd = cmd;
    a->opts = cmd->opts;

    for (i = 0; i < argc; i++) {
        if (options && strcmp(argv[i], "--") == 0) {
            options = 0;
            continue;
        }

        if (options && strncmp(argv[i], "--", 2) == 0) {
            rc = tg_cli_args_option(a, cmd, argc, argv, &i, json, help);
            if (rc != TG_CLI_OK) {
                return rc;
            }
            continue;
        }

        if (options && argv[i][0] == '-' && argv[i][1] != '\0') {
            if (strcmp(argv[i], "-h") == 0) {
                *help = 1;
                continue;
            }
            return tg_cli_usage_error("unknown option %s (see --help)",
                                      argv[i]);
        }

        if (a->npos == TG_CLI_MAX_POS || a->npos == cmd->max_pos) {
            return tg_cli_usage_error("unexpected argument \"%s\"", argv[i]);
        }
        a->pos[a->npos++] = argv[i];
    }

    if (!*help && a->npos < cmd->min_pos) {
        return tg_cli_usage_error("missing argument (usage: tollgate %s%s%s "
                                  "%s)",
                                  cmd->group, cmd->name != NULL ? " " : "",
                                  cmd->name != NULL ? cmd->name : "",
                                  cmd->usage);
    }

    return TG_CLI_OK;
}


void
tg_cli_args_free(tg_cli_args_t *a)
{
    tg_buf_wipe(&a->stdin_value);
}


const char *
tg_cli_opt(const tg_cli_args_t *a, const char *name)
{
    int i;

    for (i = a->nseen - 1; i >= 0; i--) {
        if (strcmp(a->seen[i].opt->name, name) == 0) {
            return a->seen[i].value;
        }
    }
    return NULL;
}


int
tg_cli_has(const tg_cli_args_t *a, const char *name)
{
    int i;

    for (i = 0; i < a->nseen; i++) {
        if (strcmp(a->seen[i].opt->name, name) == 0) {
            return 1;
        }
    }
    return 0;
}


const char *
tg_cli_opt_next(const tg_cli_args_t *a, const char *name, int *i)
{
    for (; *i < a->nseen; (*i)++) {
        if (strcmp(a->seen[*i].opt->name, name) == 0) {
            return a->seen[(*i)++].value;
        }
    }
    return NULL;
}


int
tg_cli_opt_int(const tg_cli_args_t *a, const char *name, int64_t min,
               int64_t max, int64_t *out)
{
    const char *value = tg_cli_opt(a, name);

    if (value == NULL) {
        return TG_CLI_OK;
    }

    if (tg_str_to_int64(tg_str_c(value), min, max, out) != TG_OK) {
        return tg_cli_usage_error("--%s: expected an integer from %lld to "
                                  "%lld",
                                  name, (long long) min, (long long) max);
    }
    return TG_CLI_OK;
}


void
tg_cli_usage(FILE *f, const tg_cli_cmd_t *cmd)
{
    const tg_cli_opt_t *o;
    char                left[64];

    fprintf(f, "usage: tollgate %s%s%s%s%s [options]\n\n%s\n", cmd->group,
            cmd->name != NULL ? " " : "", cmd->name != NULL ? cmd->name : "",
            cmd->usage[0] != '\0' ? " " : "", cmd->usage, cmd->summary);

    fprintf(f, "\noptions:\n");
    for (o = cmd->opts; o != NULL && o->name != NULL; o++) {
        snprintf(left, sizeof(left), "--%s%s%s", o->name,
                 (o->flags & TG_OPT_VALUE) ? " " : "",
                 (o->flags & TG_OPT_VALUE) ? o->meta : "");
        fprintf(f, "  %-26s %s%s%s\n", left, o->help,
                (o->flags & TG_OPT_MULTI) ? " (repeatable)" : "",
                (o->flags & TG_OPT_STDIN) ? " (\"-\" reads stdin)" : "");
    }
    for (o = tg_cli_global_opts; o->name != NULL; o++) {
        snprintf(left, sizeof(left), "--%s", o->name);
        fprintf(f, "  %-26s %s\n", left, o->help);
    }
}
