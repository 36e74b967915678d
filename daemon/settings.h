/*
 * tollgated's settings.
 *
 * Every setting has a name ("data_dir") and can be given three ways, the
 * later winning: a line "data_dir = ./var" in the config file, the
 * environment variable TOLLGATE_DATA_DIR, and the flag --data-dir.  The
 * config file is named by --config or TOLLGATE_CONFIG.  One table in
 * settings.c lists them all, with defaults, limits and help.
 */

#ifndef TOLLGATE_SETTINGS_H
#define TOLLGATE_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>


typedef struct {
    char   *config;
    char   *data_dir;
    char   *listen;
    char   *log_format;
    char   *log_level;
    int64_t threads;
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
    char   *admin_access_key_id;
    char   *admin_access_key_secret;
} tg_settings_t;

typedef enum {
    TG_SETTINGS_RUN = 0, /* settings loaded: start */
    TG_SETTINGS_EXIT,    /* --help or --version was answered: exit 0 */
    TG_SETTINGS_ERROR    /* a bad setting: message in errbuf, exit 2 */
} tg_settings_result_t;


/*
 * Loads the settings from defaults, the config file, the environment and
 * argv.  On error writes a message naming the setting into errbuf.
 */
tg_settings_result_t tg_settings_load(tg_settings_t *s, int argc, char **argv,
                                      char *errbuf, size_t errlen);

/* Releases the strings; wipes the bootstrap secret first. */
void tg_settings_free(tg_settings_t *s);

/* Prints the usage and every setting with its default. */
void tg_settings_usage(FILE *out);

#endif /* TOLLGATE_SETTINGS_H */
