/*
 * tollgated's settings.
 *
 * Every setting has a name ("data_dir") and can be given three ways, the
 * later winning: a line "data_dir = ./var" in the config file, the
 * environment variable TOLLGATE_DATA_DIR, and the flag --data-dir.  The
 * config file is named by --config or TOLLGATE_CONFIG.  One table in
 * settings.c lists the core's, with defaults, limits and help; a dialect
 * declares its own the same way in its descriptor (dialects.h), and they
 * are loaded and listed by --help with the core's.
 */

#ifndef TOLLGATE_SETTINGS_H
#define TOLLGATE_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tollgate/cred_policy.h"


typedef enum {
    TG_SETTING_STRING, /* char *, malloc'd */
    TG_SETTING_INT,    /* int64_t */
    TG_SETTING_NUMBER  /* double */
} tg_setting_type_t;

/* One setting: where its value goes in its group's struct, and how it
 * is checked and described. */
typedef struct {
    const char       *name; /* "data_dir": --data-dir, TOLLGATE_DATA_DIR */
    tg_setting_type_t type;
    size_t            offset;
    const char       *def; /* NULL: unset */
    double            min; /* numbers */
    double            max;
    const char       *choices; /* strings: "a|b", or NULL for any */
    const char       *help;
} tg_setting_t;

/* A table of settings and the struct their offsets point into. */
typedef struct {
    const tg_setting_t *table;
    size_t              n;
    void               *values;
} tg_settings_group_t;

#define TG_SETTINGS_GROUPS_MAX 16 /* groups besides the core's */

typedef struct {
    char   *config;
    char   *data_dir;
    char   *listen;
    char   *tls_cert;
    char   *tls_key;
    char   *require_tls; /* "on" or "off" */
    char   *log_format;
    char   *log_level;
    char   *log_file; /* NULL: stderr */
    int64_t threads;
    int64_t max_connections;
    int64_t max_body;
    int64_t max_apps;
    int64_t max_key_pairs;
    int64_t max_codes;
    int64_t max_grace_seconds;
    double  app_write_rate;
    double  app_write_burst;
    int64_t code_reset_interval;
    int64_t projection_map_size; /* MiB */
    int64_t signed_nonces;
    char   *sync;
    char   *default_reveal_once; /* "on" or "off": a new account's policy */
    int64_t default_max_secret_age;
    int64_t default_min_grace;
    int64_t default_max_grace;
    int64_t default_secret_min_length;
    int64_t default_secret_classes;
    char   *store;         /* a postgres:// URL, or NULL: SQLite in data_dir */
    int64_t log_retention; /* hours; 0: no age limit */
    int64_t log_retention_rows; /* 0: no limit */
    char   *admin_access_key_id;
    char   *admin_access_key_secret;
} tg_settings_t;

typedef enum {
    TG_SETTINGS_RUN = 0, /* settings loaded: start */
    TG_SETTINGS_EXIT,    /* --help or --version was answered: exit 0 */
    TG_SETTINGS_ERROR    /* a bad setting: message in errbuf, exit 2 */
} tg_settings_result_t;


/*
 * Loads the core's settings into s, and those of the ngroups (at most
 * TG_SETTINGS_GROUPS_MAX) other groups into their structs (which the
 * caller zeroed), from defaults, the config file, the environment and
 * argv.  On error writes
 * a message naming the setting into errbuf.  Release with
 * tg_settings_free() and tg_settings_group_free().
 */
tg_settings_result_t tg_settings_load(tg_settings_t             *s,
                                      const tg_settings_group_t *groups,
                                      size_t ngroups, int argc, char **argv,
                                      char *errbuf, size_t errlen);

/*
 * The credential policy a new account gets (the default_* settings) into
 * *out.  Returns 0, or TG_EINVALID with *rule naming the settings that
 * disagree (tg_settings_load() has checked it).
 */
int tg_settings_cred_policy(const tg_settings_t *s, tg_cred_policy_t *out,
                            const char **rule);

/* Releases the strings; wipes them first (one is a bootstrap secret). */
void tg_settings_free(tg_settings_t *s);

/* Releases (and wipes) the strings of a group's struct. */
void tg_settings_group_free(const tg_settings_group_t *group);

/*
 * Calls fn with the name of each setting whose value differs between
 * two loads: old and fresh (the core's), and old_groups[i] and
 * fresh_groups[i] (the same tables, in the same order).  A former
 * name is not named: the setting it sets is.
 */
typedef void (*tg_settings_changed_pt)(void *data, const char *name);

void tg_settings_each_changed(const tg_settings_t       *old,
                              const tg_settings_group_t *old_groups,
                              const tg_settings_t       *fresh,
                              const tg_settings_group_t *fresh_groups,
                              size_t ngroups, tg_settings_changed_pt fn,
                              void *data);

/* Prints the usage and every setting, the groups' too, with defaults. */
void tg_settings_usage(FILE *out, const tg_settings_group_t *groups,
                       size_t ngroups);

#endif /* TOLLGATE_SETTINGS_H */
