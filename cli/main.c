/*
 * tollgate: the command line of tollgated's native API.
 *
 *     tollgate [global options] GROUP COMMAND [arguments] [options]
 *
 * The endpoint and the access key come from, in this order of precedence,
 * the global flags, the TOLLGATE_* environment, the config file and the
 * default endpoint.
 */

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tollgate/conf.h"
#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/version.h"
#include "cli.h"


#define TG_CLI_CONFIG_MAX (64 * 1024)

/* What the global flags, the environment or the config file set. */
typedef struct {
    const char *endpoint;
    const char *key_id;
    const char *key_secret;
    const char *config;
    const char *cacert;
    int         json;
    int         help;
    int         version;
} tg_cli_globals_t;

typedef struct {
    tg_cli_t   *cli;
    const char *path;
    int         said; /* the callback printed the error */
} tg_cli_conf_ctx_t;


static int
tg_cli_version(tg_cli_t *cli, tg_cli_args_t *a)
{
    (void) cli;
    (void) a;
    printf("tollgate %s\n", TG_VERSION);
    return TG_CLI_OK;
}


static const tg_cli_cmd_t tg_cli_misc_cmds[] = {
    { "version", NULL, "", 0, 0, NULL, "Show the version.", tg_cli_version },
    { NULL, NULL, NULL, 0, 0, NULL, NULL, NULL },
};

static const tg_cli_cmd_t *const tg_cli_tables[] = {
    tg_cli_app_cmds, tg_cli_api_cmds,  tg_cli_account_cmds, tg_cli_sign_cmds,
    tg_cli_up_cmds,  tg_cli_misc_cmds, tg_cli_policy_cmds,
};

#define TG_CLI_NTABLES (sizeof(tg_cli_tables) / sizeof(tg_cli_tables[0]))


/* The CLI's memory may hold secrets (answers, bodies): wipe what jansson
 * frees. */
static void
tg_cli_json_free(void *p)
{
    if (p != NULL) {
        tg_wipe(p, malloc_usable_size(p));
        free(p);
    }
}


static void
tg_cli_help(FILE *f)
{
    const tg_cli_cmd_t *cmd;
    const char         *last = "";
    size_t              t;

    fprintf(f, "usage: tollgate [global options] GROUP COMMAND [arguments] "
               "[options]\n\n"
               "Manages Tollgate's apps, credentials, APIs and access keys "
               "through\ntollgated's native API.\n\ncommands:\n");

    for (t = 0; t < TG_CLI_NTABLES; t++) {
        for (cmd = tg_cli_tables[t]; cmd->group != NULL; cmd++) {
            if (cmd->name == NULL) {
                fprintf(f, "  %-12s %s\n", cmd->group, cmd->summary);
            } else if (strcmp(cmd->group, last) != 0) {
                fprintf(f, "  %-12s", cmd->group);
                for (last = cmd->group;
                     cmd->group != NULL && strcmp(cmd->group, last) == 0; cmd++)
                {
                    fprintf(f, " %s", cmd->name);
                }
                fputc('\n', f);
                cmd--;
            }
        }
    }

    fprintf(f, "\nglobal options:\n"
               "  --endpoint URL             tollgated's address "
               "(TOLLGATE_ENDPOINT;\n"
               "                             default " TG_CLI_DEFAULT_ENDPOINT
               ")\n"
               "  --access-key-id ID         the access key "
               "(TOLLGATE_ACCESS_KEY_ID)\n"
               "  --access-key-secret S      its secret "
               "(TOLLGATE_ACCESS_KEY_SECRET)\n"
               "  --config FILE              endpoint and key as \"name = "
               "value\" lines\n"
               "                             (TOLLGATE_CLI_CONFIG; default\n"
               "                             ~/.config/tollgate/cli.conf)\n"
               "  --cacert FILE              the CA (PEM) that signed an https "
               "endpoint's\n"
               "                             certificate (TOLLGATE_CACERT)\n"
               "  --json                     print the API's JSON\n"
               "  --help                     show help; tollgate GROUP "
               "[COMMAND] --help\n"
               "  --version                  show the version\n"
               "\nexit status: 0 done, 1 refused by tollgated (4xx), 2 bad "
               "usage or config,\n3 tollgated unreachable, 4 tollgated failed "
               "(5xx).\n");
}


static void
tg_cli_group_help(FILE *f, const char *group)
{
    const tg_cli_cmd_t *cmd;
    size_t              t;

    fprintf(f,
            "usage: tollgate %s COMMAND [arguments] [options]\n\n"
            "commands:\n",
            group);
    for (t = 0; t < TG_CLI_NTABLES; t++) {
        for (cmd = tg_cli_tables[t]; cmd->group != NULL; cmd++) {
            if (strcmp(cmd->group, group) == 0) {
                fprintf(f, "  %-14s %s\n", cmd->name, cmd->summary);
            }
        }
    }
    fprintf(f, "\ntollgate %s COMMAND --help shows a command's options.\n",
            group);
}


/*
 * Finds group's command name (NULL for a group that is a command).
 * Returns the command; NULL if there is none, with *group_known set if
 * the group exists.
 */
static const tg_cli_cmd_t *
tg_cli_find(const char *group, const char *name, int *group_known)
{
    const tg_cli_cmd_t *cmd;
    size_t              t;

    *group_known = 0;
    for (t = 0; t < TG_CLI_NTABLES; t++) {
        for (cmd = tg_cli_tables[t]; cmd->group != NULL; cmd++) {
            if (strcmp(cmd->group, group) != 0) {
                continue;
            }
            *group_known = 1;
            if (cmd->name == NULL
                || (name != NULL && strcmp(cmd->name, name) == 0)) {
                return cmd;
            }
        }
    }
    return NULL;
}


/*
 * The edit distance of a and b (insertions, deletions, substitutions and
 * swaps of two neighbours), up to TG_CLI_NEAR_MAX + 1: enough to tell a
 * typo from another word.
 */
#define TG_CLI_NEAR_MAX 2
#define TG_CLI_WORD_MAX 32

static size_t
tg_cli_distance(const char *a, const char *b)
{
    size_t d[TG_CLI_WORD_MAX + 1][TG_CLI_WORD_MAX + 1];
    size_t la = strlen(a), lb = strlen(b), i, j, best;

    if (la > TG_CLI_WORD_MAX || lb > TG_CLI_WORD_MAX) {
        return TG_CLI_NEAR_MAX + 1;
    }
    for (i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best) {
                best = d[i - 1][j] + 1;
            }
            if (d[i][j - 1] + 1 < best) {
                best = d[i][j - 1] + 1;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
                && d[i - 2][j - 2] + 1 < best)
            {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}


/*
 * The command word closest to word: a group's (group NULL) or one of
 * group's commands; NULL if none is within TG_CLI_NEAR_MAX (and less than
 * the word's length: "ls" is no typo of "up").
 */
static const char *
tg_cli_near(const char *group, const char *word)
{
    const tg_cli_cmd_t *cmd;
    const char         *cand, *best = NULL;
    size_t              t, d, bestd = TG_CLI_NEAR_MAX + 1;

    for (t = 0; t < TG_CLI_NTABLES; t++) {
        for (cmd = tg_cli_tables[t]; cmd->group != NULL; cmd++) {
            if (group != NULL && strcmp(cmd->group, group) != 0) {
                continue;
            }
            cand = group != NULL ? cmd->name : cmd->group;
            if (cand == NULL) {
                continue;
            }
            d = tg_cli_distance(word, cand);
            if (d < bestd && d < strlen(word)) {
                best = cand;
                bestd = d;
            }
        }
    }
    return best;
}


/* Parses the global options before the group; sets *next to the first
 * argument that is not one. */
static int
tg_cli_globals(tg_cli_globals_t *g, int argc, char **argv, int *next)
{
    static const char *const names[] = { "endpoint", "access-key-id",
                                         "access-key-secret", "config",
                                         "cacert" };
    const char **slots[] = { &g->endpoint, &g->key_id, &g->key_secret,
                             &g->config, &g->cacert };
    const char  *arg, *eq;
    size_t       i, len;
    int          n;

    for (n = 1; n < argc && strncmp(argv[n], "-", 1) == 0; n++) {
        arg = argv[n];
        if (strcmp(arg, "--json") == 0) {
            g->json = 1;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            g->help = 1;
            continue;
        }
        if (strcmp(arg, "--version") == 0) {
            g->version = 1;
            continue;
        }

        eq = strchr(arg, '=');
        len = eq != NULL ? (size_t) (eq - arg) : strlen(arg);
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            if (len == strlen(names[i]) + 2 && arg[0] == '-' && arg[1] == '-'
                && memcmp(arg + 2, names[i], len - 2) == 0)
            {
                break;
            }
        }
        if (i == sizeof(names) / sizeof(names[0])) {
            return tg_cli_usage_error("unknown option %s (see --help)", arg);
        }
        if (eq != NULL) {
            *slots[i] = eq + 1;
        } else if (n + 1 < argc) {
            *slots[i] = argv[++n];
        } else {
            return tg_cli_usage_error("--%s needs a value", names[i]);
        }
    }

    *next = n;
    return TG_CLI_OK;
}


/* Replaces *slot with a copy of the first of values that is not NULL. */
static int
tg_cli_set(char **slot, const char *value)
{
    char *copy;

    if (value == NULL) {
        return TG_CLI_OK;
    }
    copy = tg_strndup(value, strlen(value));
    if (copy == NULL) {
        return tg_cli_nomem();
    }
    if (*slot != NULL) {
        tg_wipe(*slot, strlen(*slot));
        free(*slot);
    }
    *slot = copy;
    return TG_CLI_OK;
}


static int
tg_cli_on_setting(void *data, tg_str_t name, tg_str_t value, unsigned line)
{
    tg_cli_conf_ctx_t *ctx = data;
    char             **slot;
    char              *copy;

    if (tg_str_eq_c(name, "endpoint")) {
        slot = &ctx->cli->endpoint;
    } else if (tg_str_eq_c(name, "access_key_id")) {
        slot = &ctx->cli->key_id;
    } else if (tg_str_eq_c(name, "access_key_secret")) {
        slot = &ctx->cli->key_secret;
    } else if (tg_str_eq_c(name, "cacert")) {
        slot = &ctx->cli->cacert;
    } else {
        fprintf(stderr,
                "tollgate: config %s:%u: unknown setting \"%.*s\" (the "
                "settings are endpoint, access_key_id, access_key_secret)\n",
                ctx->path, line, TG_STR_ARG(name));
        ctx->said = 1;
        return TG_EINVALID;
    }

    copy = tg_strndup(value.ptr, value.len);
    if (copy == NULL) {
        return TG_ENOMEM;
    }
    if (*slot != NULL) {
        tg_wipe(*slot, strlen(*slot));
        free(*slot);
    }
    *slot = copy;
    return TG_OK;
}


/* Reads the file at path (at most TG_CLI_CONFIG_MAX bytes) into text. */
static int
tg_cli_read_file(const char *path, tg_buf_t *text, int *loose)
{
    struct stat st;
    char        chunk[4096];
    ssize_t     n;
    int         fd, rc = TG_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    if (fstat(fd, &st) == 0) {
        *loose = (st.st_mode & 077) != 0;
    }

    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = errno;
            break;
        }
        if (n == 0) {
            break;
        }
        if (text->len + (size_t) n > TG_CLI_CONFIG_MAX) {
            rc = EFBIG;
            break;
        }
        if (tg_buf_append(text, chunk, (size_t) n) != TG_OK) {
            rc = ENOMEM;
            break;
        }
    }

    tg_wipe(chunk, sizeof(chunk));
    close(fd);
    return rc;
}


/*
 * Loads the config file: path if given (it must exist), else the default
 * one if it exists.
 */
int
tg_cli_load_config(tg_cli_t *cli, const char *path)
{
    tg_cli_conf_ctx_t ctx;
    tg_buf_t          text = TG_BUF_INIT;
    const char       *home;
    char              def[4096];
    unsigned          line = 0;
    int               rc, loose = 0, explicit = path != NULL;

    if (path == NULL) {
        home = getenv("HOME");
        if (home == NULL || home[0] == '\0') {
            return TG_CLI_OK;
        }
        snprintf(def, sizeof(def), "%s/.config/tollgate/cli.conf", home);
        path = def;
    }

    rc = tg_cli_read_file(path, &text, &loose);
    if (rc == ENOENT && !explicit) {
        tg_buf_wipe(&text);
        return TG_CLI_OK;
    }
    if (rc != 0) {
        tg_buf_wipe(&text);
        return tg_cli_usage_error("config %s: %s", path, strerror(rc));
    }

    ctx.cli = cli;
    ctx.path = path;
    ctx.said = 0;
    rc = tg_conf_parse(tg_buf_str(&text), tg_cli_on_setting, &ctx, &line);
    tg_buf_wipe(&text);

    if (rc == TG_EINVALID && ctx.said) {
        return TG_CLI_EUSAGE;
    }
    if (rc == TG_EINVALID) {
        return tg_cli_usage_error("config %s:%u: expected \"name = value\"",
                                  path, line);
    }
    if (rc != TG_OK) {
        return rc == TG_ENOMEM ? tg_cli_nomem() : TG_CLI_EUSAGE;
    }

    if (loose && cli->key_secret != NULL) {
        fprintf(stderr,
                "tollgate: warning: %s holds a secret and others may read "
                "it (chmod 600 it)\n",
                path);
    }
    return TG_CLI_OK;
}


/* Settles the endpoint and the key: file, then environment, then flags. */
static int
tg_cli_configure(tg_cli_t *cli, const tg_cli_globals_t *g)
{
    const char *config = g->config;
    size_t      len;
    int         rc;

    if (config == NULL) {
        config = getenv("TOLLGATE_CLI_CONFIG");
    }
    rc = tg_cli_load_config(cli, config);
    if (rc == TG_CLI_OK) {
        rc = tg_cli_set(&cli->endpoint, getenv("TOLLGATE_ENDPOINT"));
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_set(&cli->key_id, getenv("TOLLGATE_ACCESS_KEY_ID"));
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_set(&cli->key_secret, getenv("TOLLGATE_ACCESS_KEY_SECRET"));
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_set(&cli->cacert, getenv("TOLLGATE_CACERT"));
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_set(&cli->cacert, g->cacert);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_set(&cli->endpoint, g->endpoint);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_set(&cli->key_id, g->key_id);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_cli_set(&cli->key_secret, g->key_secret);
    }
    if (rc == TG_CLI_OK && cli->endpoint == NULL) {
        rc = tg_cli_set(&cli->endpoint, TG_CLI_DEFAULT_ENDPOINT);
    }
    if (rc != TG_CLI_OK) {
        return rc;
    }

    if (strncmp(cli->endpoint, "http://", 7) != 0
        && strncmp(cli->endpoint, "https://", 8) != 0)
    {
        return tg_cli_usage_error("endpoint \"%s\": expected http://HOST:PORT "
                                  "or https://...",
                                  cli->endpoint);
    }
    len = strlen(cli->endpoint);
    while (len > 0 && cli->endpoint[len - 1] == '/') {
        cli->endpoint[--len] = '\0';
    }

    /* The key is checked when a command first calls tollgated: some
     * commands (sign without --app) never do. */
    return TG_CLI_OK;
}


static void
tg_cli_free(tg_cli_t *cli)
{
    if (cli->key_secret != NULL) {
        tg_wipe(cli->key_secret, strlen(cli->key_secret));
    }
    free(cli->endpoint);
    free(cli->key_id);
    free(cli->key_secret);
    free(cli->cacert);
    if (cli->curl != NULL) {
        curl_easy_cleanup(cli->curl);
    }
}


/* Runs cmd with its arguments, argv[0..argc). */
static int
tg_cli_run(const tg_cli_globals_t *g, const tg_cli_cmd_t *cmd, int argc,
           char **argv)
{
    tg_cli_args_t a;
    tg_cli_t      cli;
    int           rc, json = g->json, help = 0;

    memset(&cli, 0, sizeof(cli));

    rc = tg_cli_args_parse(&a, cmd, argc, argv, &json, &help);
    if (rc == TG_CLI_OK && help) {
        tg_cli_usage(stdout, cmd);
        tg_cli_args_free(&a);
        return TG_CLI_OK;
    }

    cli.json = json;
    if (rc == TG_CLI_OK) {
        rc = tg_cli_configure(&cli, g);
    }
    if (rc == TG_CLI_OK) {
        cli.curl = curl_easy_init();
        if (cli.curl == NULL) {
            rc = tg_cli_nomem();
        }
    }
    if (rc == TG_CLI_OK) {
        rc = cmd->run(&cli, &a);
    }

    tg_cli_args_free(&a);
    tg_cli_free(&cli);
    return rc;
}


static int
tg_cli_main(int argc, char **argv)
{
    tg_cli_globals_t    g;
    const tg_cli_cmd_t *cmd;
    const char         *group, *name, *near;
    int                 rc, n = 1, known, asked;

    memset(&g, 0, sizeof(g));
    rc = tg_cli_globals(&g, argc, argv, &n);
    if (rc != TG_CLI_OK) {
        return rc;
    }

    if (g.version) {
        printf("tollgate %s\n", TG_VERSION);
        return TG_CLI_OK;
    }

    if (n == argc || strcmp(argv[n], "help") == 0) {
        if (n + 1 < argc) {
            g.help = 1;
            n++;
        } else {
            tg_cli_help(g.help || n < argc ? stdout : stderr);
            return g.help || n < argc ? TG_CLI_OK : TG_CLI_EUSAGE;
        }
    }

    group = argv[n++];
    name = n < argc && argv[n][0] != '-' ? argv[n] : NULL;
    cmd = tg_cli_find(group, name, &known);

    if (!known) {
        near = tg_cli_near(NULL, group);
        if (near != NULL) {
            return tg_cli_usage_error("unknown command \"%s\"; did you mean "
                                      "\"%s\"? (see --help)",
                                      group, near);
        }
        return tg_cli_usage_error("unknown command \"%s\" (see --help)", group);
    }
    if (cmd == NULL) {
        if (name == NULL) {
            asked = g.help
                    || (n < argc
                        && (strcmp(argv[n], "--help") == 0
                            || strcmp(argv[n], "-h") == 0));
            tg_cli_group_help(asked ? stdout : stderr, group);
            return asked ? TG_CLI_OK : TG_CLI_EUSAGE;
        }
        near = tg_cli_near(group, name);
        if (near != NULL) {
            return tg_cli_usage_error("unknown command \"%s %s\"; did you "
                                      "mean \"%s %s\"? (see tollgate %s "
                                      "--help)",
                                      group, name, group, near, group);
        }
        return tg_cli_usage_error("unknown command \"%s %s\" (see tollgate "
                                  "%s --help)",
                                  group, name, group);
    }
    if (cmd->name != NULL) {
        n++;
    }
    if (g.help) {
        tg_cli_usage(stdout, cmd);
        return TG_CLI_OK;
    }

    return tg_cli_run(&g, cmd, argc - n, argv + n);
}


int
main(int argc, char **argv)
{
    int rc;

    json_set_alloc_funcs(malloc, tg_cli_json_free);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("tollgate: cannot initialise libcurl\n", stderr);
        return TG_CLI_ESERVER;
    }

    rc = tg_cli_main(argc, argv);

    curl_global_cleanup();
    return rc;
}
