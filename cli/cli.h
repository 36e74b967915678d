/*
 * The tollgate CLI: a client of tollgated's native API.
 *
 * main.c resolves the endpoint and the access key and dispatches to a
 * command; args.c parses a command's options; client.c talks HTTP with
 * libcurl; output.c prints tables, objects and JSON; resolve.c turns the
 * names a user types into the ids routes take; cmd_*.c hold the commands.
 *
 * Every command returns an exit status, one of TG_CLI_*, and prints its
 * own errors: a command that fails has already said why on stderr.
 */

#ifndef TOLLGATE_CLI_H
#define TOLLGATE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <curl/curl.h>
#include <jansson.h>

#include "tollgate/str.h"


/* Exit statuses. */
#define TG_CLI_OK         0 /* done */
#define TG_CLI_EAPI       1 /* tollgated refused the request (4xx) */
#define TG_CLI_EUSAGE     2 /* a bad command line or config file */
#define TG_CLI_ETRANSPORT 3 /* tollgated could not be reached */
#define TG_CLI_ESERVER    4 /* tollgated failed (5xx, or an answer not JSON) */

#define TG_CLI_DEFAULT_ENDPOINT "http://127.0.0.1:9080"


typedef struct {
    char *endpoint;
    char *key_id;
    char *key_secret;
    char *cacert; /* a PEM CA file to verify an https endpoint, or NULL */
    int   json;   /* --json: print the API's JSON as it is */
    int   quiet;  /* do not print a refusal (the caller handles it) */
    long  status; /* the last answer's HTTP status */
    CURL *curl;   /* one handle, reused: keeps the connection */
} tg_cli_t;


/* Option flags. */
#define TG_OPT_VALUE 0x1 /* takes a value: --name VALUE or --name=VALUE */
#define TG_OPT_MULTI 0x2 /* may repeat; every value is kept */
#define TG_OPT_STDIN 0x4 /* the value "-" means: read it from stdin */

typedef struct {
    const char *name; /* without the leading "--" */
    unsigned    flags;
    const char *meta; /* the value's name in help, e.g. "SECONDS" */
    const char *help;
} tg_cli_opt_t;

/* --limit and --offset, for the lists that page. */
#define TG_CLI_PAGE_OPTS                                          \
    { "limit", TG_OPT_VALUE, "N", "read one page of N (1-100)" }, \
    {                                                             \
        "offset", TG_OPT_VALUE, "N", "skip N items"               \
    }

#define TG_CLI_MAX_POS  4
#define TG_CLI_MAX_SEEN 64

typedef struct tg_cli_cmd_s tg_cli_cmd_t;

typedef struct {
    const tg_cli_cmd_t *cmd;  /* the command they are for */
    const tg_cli_opt_t *opts; /* the command's, ended by a NULL name */
    const char         *pos[TG_CLI_MAX_POS];
    int                 npos;
    struct {
        const tg_cli_opt_t *opt;
        const char         *value; /* NULL for a flag */
    } seen[TG_CLI_MAX_SEEN];
    int      nseen;
    tg_buf_t stdin_value; /* what an option's "-" read; wiped at the end */
} tg_cli_args_t;

struct tg_cli_cmd_s {
    const char         *group; /* "app"; the command itself if name is NULL */
    const char         *name;  /* "create", or NULL */
    const char         *usage; /* the positional arguments, e.g. "APP KEY" */
    int                 min_pos;
    int                 max_pos;
    const tg_cli_opt_t *opts;    /* ended by a NULL name; NULL for none */
    const char         *summary; /* one line */
    int (*run)(tg_cli_t *cli, tg_cli_args_t *a);
};

/* The command tables, each ended by a NULL group. */
extern const tg_cli_cmd_t tg_cli_app_cmds[];
extern const tg_cli_cmd_t tg_cli_api_cmds[];
extern const tg_cli_cmd_t tg_cli_account_cmds[];
extern const tg_cli_cmd_t tg_cli_sign_cmds[];
extern const tg_cli_cmd_t tg_cli_up_cmds[];
extern const tg_cli_cmd_t tg_cli_policy_cmds[];

/*
 * main.c: loads a config file ("name = value") into cli: path, which must
 * exist, or if path is NULL the default one if it exists.
 */
int tg_cli_load_config(tg_cli_t *cli, const char *path);


/* args.c */

/*
 * Parses argv[0..argc) against cmd's options and the global ones (--json,
 * --help).  Returns TG_CLI_OK, or TG_CLI_EUSAGE after printing why.  Sets
 * *help if --help was given.
 */
int tg_cli_args_parse(tg_cli_args_t *a, const tg_cli_cmd_t *cmd, int argc,
                      char **argv, int *json, int *help);

/* Wipes and frees what the parse read from stdin. */
void tg_cli_args_free(tg_cli_args_t *a);

/* The last value of option name, or NULL if it was not given. */
const char *tg_cli_opt(const tg_cli_args_t *a, const char *name);

/* 1 if option name was given, else 0. */
int tg_cli_has(const tg_cli_args_t *a, const char *name);

/*
 * Iterates over the values of a repeatable option: start with *i = 0;
 * returns the next value, or NULL at the end.
 */
const char *tg_cli_opt_next(const tg_cli_args_t *a, const char *name, int *i);

/*
 * Parses option name's value as an integer in [min, max] into *out.
 * Returns TG_CLI_OK (also when the option is absent: *out is unchanged),
 * or TG_CLI_EUSAGE after printing why.
 */
int tg_cli_opt_int(const tg_cli_args_t *a, const char *name, int64_t min,
                   int64_t max, int64_t *out);

/* Prints a command's usage and options to f. */
void tg_cli_usage(FILE *f, const tg_cli_cmd_t *cmd);


/* client.c */

/*
 * Sends method path (already escaped, with its query) with body (may be
 * NULL) and reads the answer.  On a 2xx, returns TG_CLI_OK and sets *out
 * to the parsed body (NULL for 204), which the caller decrefs.  Otherwise
 * prints the error and returns TG_CLI_EAPI, TG_CLI_ETRANSPORT or
 * TG_CLI_ESERVER.  out may be NULL when the answer is not needed.
 */
int tg_cli_call(tg_cli_t *cli, const char *method, const char *path,
                json_t *body, json_t **out);

/*
 * Like tg_cli_call for a GET of a list: follows the pages of a route that
 * pages (pageable), and sets *items to every item.  a's --limit and
 * --offset, when given, ask for that one page instead.
 */
int tg_cli_list(tg_cli_t *cli, const tg_cli_args_t *a, tg_buf_t *path,
                int pageable, json_t **items);

/*
 * Builds a path: fmt's "%s" are replaced by the arguments, each escaped
 * as a path segment.  Only "%s" is understood.
 */
int tg_cli_path(tg_buf_t *b, const char *fmt, ...);

/* Appends "?name=value" or "&name=value", escaped, if value != NULL. */
int tg_cli_query(tg_buf_t *b, const char *name, const char *value);

/* Prints "tollgate: <what>" to stderr and returns TG_CLI_EUSAGE. */
int tg_cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Prints "tollgate: out of memory" and returns TG_CLI_EUSAGE. */
int tg_cli_nomem(void);


/* output.c */

typedef struct {
    const char *header;
    const char *field; /* a member, or "a.b" for a member of a member */
} tg_cli_col_t;

/* Prints items as a table with cols (ended by a NULL header), or as JSON. */
void tg_cli_print_list(const tg_cli_t *cli, json_t *items,
                       const tg_cli_col_t *cols);

/* Prints one object as "name: value" lines, or as JSON. */
void tg_cli_print_object(const tg_cli_t *cli, json_t *obj);

/* The width of s on a terminal: 2 for East Asian wide characters. */
size_t tg_cli_width(const char *s);


/* body.c: request bodies from options, and the steps commands share */

/* Sets body's field to option opt's value, if it was given. */
int tg_cli_body_str(json_t *body, const char *field, const tg_cli_args_t *a,
                    const char *opt);

/* Sets body's field to option opt's integer value in [min, max]. */
int tg_cli_body_int(json_t *body, const char *field, const tg_cli_args_t *a,
                    const char *opt, int64_t min, int64_t max);

/* Sets body's field to true if flag opt was given. */
int tg_cli_body_flag(json_t *body, const char *field, const tg_cli_args_t *a,
                     const char *opt);

/* Sets body's "account_id" from --account (an id or a name), if given. */
int tg_cli_body_account(tg_cli_t *cli, const tg_cli_args_t *a, json_t *body);

/* Sets body's "tags" from the --tag KEY=VALUE options, if any. */
int tg_cli_body_tags(json_t *body, const tg_cli_args_t *a);

/* How an option becomes a member of a request body. */
typedef enum {
    TG_F_STR,     /* the option's value; with opt NULL, value */
    TG_F_INT,     /* the option's value as an integer in [min, max] */
    TG_F_TRUE,    /* true when the flag is given; with opt NULL, always */
    TG_F_NULL,    /* null when the flag is given */
    TG_F_SECONDS, /* a duration ("90", "15m", "7d") as seconds in [min, max] */
    TG_F_ONOFF    /* "on" or "off", as true or false */
} tg_cli_ftype_t;

typedef struct {
    const char    *field;
    const char    *opt;
    tg_cli_ftype_t type;
    const char    *value;
    int64_t        min;
    int64_t        max;
} tg_cli_field_t;

/* Sets body's members from a's options as fields (ended by a NULL field)
 * say. */
int tg_cli_body_fields(json_t *body, const tg_cli_args_t *a,
                       const tg_cli_field_t *fields);

/*
 * Builds a body from fields into *body (NULL if fields is NULL).  A PATCH
 * with nothing to change is a usage error.
 */
int tg_cli_make_body(const tg_cli_args_t *a, const char *method,
                     const tg_cli_field_t *fields, json_t **body);

/*
 * The common shape of a command: builds a body from fields (no body if
 * fields is NULL), sends method to path (freed), and prints the answer
 * (done for a 204).  A PATCH with nothing to change is a usage error.
 */
int tg_cli_write(tg_cli_t *cli, const tg_cli_args_t *a, const char *method,
                 tg_buf_t *path, const tg_cli_field_t *fields,
                 const char *done);

/* tg_cli_write() to "/v1/apps/<APP>" suffix (see tg_cli_app_path()). */
int tg_cli_app_write(tg_cli_t *cli, const tg_cli_args_t *a, const char *method,
                     const char *suffix, const tg_cli_field_t *fields,
                     const char *done);

/* Appends "account_id" to path's query from --account, if given. */
int tg_cli_query_account(tg_cli_t *cli, const tg_cli_args_t *a, tg_buf_t *path);

/*
 * POSTs to collection a body of "name" (a's first argument), fields, what
 * more adds (may be NULL) and --account, and prints the answer.
 */
int tg_cli_create(tg_cli_t *cli, const tg_cli_args_t *a, const char *collection,
                  const tg_cli_field_t *fields,
                  int (*more)(const tg_cli_args_t *a, json_t *body));

/* tg_cli_write() to fmt with a's first argument for its "%s". */
int tg_cli_pos_write(tg_cli_t *cli, const tg_cli_args_t *a, const char *method,
                     const char *fmt, const tg_cli_field_t *fields,
                     const char *done);

/*
 * Builds "/v1/apps/<id>" followed by suffix into path, with the app that
 * a's first argument names; suffix's "%s" take the next arguments.
 */
int tg_cli_app_path(tg_cli_t *cli, const tg_cli_args_t *a, tg_buf_t *path,
                    const char *suffix);

/*
 * Sends method path with body and prints the answer as an object; for a
 * 204, prints done (e.g. "app deleted") unless --json.  Frees path and
 * body.
 */
int tg_cli_send(tg_cli_t *cli, const char *method, tg_buf_t *path, json_t *body,
                const char *done);

/* Reads the list at path (freed) and prints it with cols. */
int tg_cli_show_list(tg_cli_t *cli, const tg_cli_args_t *a, tg_buf_t *path,
                     int pageable, const tg_cli_col_t *cols);


/* resolve.c */

/*
 * Sets id to the app that ref names: an id or a numeric AppId is used as
 * it is; anything else is looked up as an app name.  id has room for 64
 * bytes.
 */
int tg_cli_app_ref(tg_cli_t *cli, const char *ref, char *id);

/* Sets id to the id of the account that ref (an id or a name) names. */
int tg_cli_account_ref(tg_cli_t *cli, const char *ref, char *id);

/* Sets id to the caller's own account id (whoami). */
int tg_cli_own_account(tg_cli_t *cli, char *id);

#endif /* TOLLGATE_CLI_H */
