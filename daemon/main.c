/*
 * tollgated: Tollgate's control plane.
 *
 * Start-up, in order: settings; the data directory (0700, locked for
 * this process); the keyring (generated on first start); the store
 * (migrated to the current schema); the first admin access key if the
 * store has none; the HTTP server.  Then the main thread waits for SIGINT
 * or SIGTERM and shuts everything down in reverse; SIGHUP meanwhile
 * reopens the log file and applies the settings that can change live
 * (tg_reload()).  Every file tollgated creates is private to its user.
 *
 * "tollgated rotate-keyring [settings]" instead rotates the keyring of a
 * stopped installation and exits.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "tollgate/cred.h"
#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/seal.h"
#include "dialects.h"
#include "http/http.h"
#include "crash_point.h"
#include "keyring_file.h"
#include "log.h"
#include "service/service.h"
#include "settings.h"
#include "projection/projector.h"
#include "store/store.h"


#define TG_ADMIN_KEY_FILE "admin-access-key"

typedef struct {
    tg_settings_t     settings;
    tg_keyring_t     *keyring;
    tg_store_t       *store;
    tg_service_t     *service;
    tg_projector_t   *projector;
    tg_janitor_t     *janitor;
    tg_http_server_t *http;
    int               lock_fd;
    char              data_dir[PATH_MAX];
    tg_dialect_set_t *dialects;
} tg_daemon_t;


/* jansson's memory may hold secrets (request bodies, responses): wipe
 * every block it frees. */
static void
tg_json_free(void *p)
{
    if (p != NULL) {
        tg_wipe(p, malloc_usable_size(p));
        free(p);
    }
}


static void
tg_fatal(const char *what, const char *detail)
{
    TG_LOG(TG_LOG_ERROR, "cannot start", TG_LF_STR("step", what),
           TG_LF_STR("error", detail));
}


/* Creates the data directory (and its parents) with mode 0700. */
static int
tg_data_dir_prepare(tg_daemon_t *d)
{
    char   path[PATH_MAX];
    size_t i, len;

    len = strlen(d->settings.data_dir);
    if (len == 0 || len >= sizeof(path)) {
        tg_fatal("data_dir", "the path is empty or too long");
        return TG_EINVALID;
    }

    memcpy(path, d->settings.data_dir, len + 1);

    for (i = 1; i <= len; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            char saved = path[i];

            path[i] = '\0';
            if (mkdir(path, 0700) != 0 && errno != EEXIST) {
                tg_fatal("data_dir", strerror(errno));
                return TG_EINTERNAL;
            }
            path[i] = saved;
        }
    }

    if (realpath(path, d->data_dir) == NULL) {
        tg_fatal("data_dir", strerror(errno));
        return TG_EINTERNAL;
    }

    return TG_OK;
}


static void
tg_data_path(const tg_daemon_t *d, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", d->data_dir, name);
}


/*
 * Takes the data directory for this process alone: two daemons on one
 * store would each trust their own view of the keyring.  The lock file
 * holds the PID of the process that holds it, for the operator, for the
 * error a second daemon gives, and for `tollgate reload`.
 */
static int
tg_data_dir_lock(tg_daemon_t *d)
{
    char    path[PATH_MAX + 32], text[64];
    ssize_t n;
    long    holder;

    tg_data_path(d, "lock", path, sizeof(path));

    d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (d->lock_fd < 0) {
        tg_fatal("data_dir", strerror(errno));
        return TG_EINTERNAL;
    }

    if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            tg_fatal("data_dir", strerror(errno));
            return TG_EINVALID;
        }
        n = pread(d->lock_fd, text, sizeof(text) - 1, 0);
        text[n > 0 ? n : 0] = '\0';
        holder = strtol(text, NULL, 10);
        if (holder > 0) {
            snprintf(text, sizeof(text), "locked by PID %ld", holder);
        }
        TG_LOG(TG_LOG_ERROR, "cannot start", TG_LF_STR("step", "data_dir"),
               TG_LF_STR("error", "another tollgated is using this data "
                                  "directory"),
               TG_LF_STR("data_dir", d->data_dir),
               TG_LF_STR("lock", holder > 0 ? text : "held"));
        return TG_EINVALID;
    }

    n = snprintf(text, sizeof(text), "%ld\n", (long) getpid());
    if (ftruncate(d->lock_fd, 0) != 0 || pwrite(d->lock_fd, text, n, 0) != n) {
        tg_fatal("data_dir", strerror(errno));
        return TG_EINTERNAL;
    }
    return TG_OK;
}


/* The PostgreSQL URL of the store setting, or NULL: SQLite. */
static const char *
tg_store_url(const tg_daemon_t *d)
{
    const char *url = d->settings.store;

    return url != NULL && url[0] != '\0' ? url : NULL;
}


/* Opens the keyring; a new one is made only for a new store. */
static int
tg_keyring_prepare(tg_daemon_t *d)
{
    char path[PATH_MAX + 32], db[PATH_MAX + 32], errbuf[768];
    int  created;

    tg_data_path(d, "keyring.json", path, sizeof(path));
    tg_data_path(d, "tollgate.db", db, sizeof(db));

    /* A shared store may be new or not: a keyring made here that does not
     * open its secrets is refused when the service checks it. */
    if (tg_keyring_file_open(path,
                             tg_store_url(d) != NULL || access(db, F_OK) != 0,
                             &d->keyring, &created, errbuf, sizeof(errbuf))
        != TG_OK)
    {
        tg_fatal("keyring", errbuf);
        return TG_EINVALID;
    }

    TG_LOG(TG_LOG_INFO, created ? "keyring created" : "keyring loaded",
           TG_LF_STR("path", path),
           TG_LF_STR("primary", tg_keyring_primary(d->keyring)));
    return TG_OK;
}


static int
tg_store_prepare(tg_daemon_t *d)
{
    const tg_db_driver_t *driver = &tg_db_sqlite;
    const char           *url = tg_store_url(d);
    tg_db_options_t       options;
    char                  path[PATH_MAX + 32];
    int                   rc;

    tg_data_path(d, "tollgate.db", path, sizeof(path));

    memset(&options, 0, sizeof(options));
    options.path = path;
    options.connections = (unsigned) d->settings.threads + 1;
    options.sync_full = strcmp(d->settings.sync, "full") == 0;
    options.busy_ms = 10000;

    if (url != NULL) {
        if (strncmp(url, "postgres://", 11) != 0
            && strncmp(url, "postgresql://", 13) != 0)
        {
            tg_fatal("store", "not a postgres:// or postgresql:// URL");
            return TG_EINVALID;
        }
        driver = &tg_db_postgres;
        options.path = url;
        /* (the URL is not logged: it may hold a password) */
        snprintf(path, sizeof(path), "(the store setting's database)");
    }

    rc = tg_store_open(driver, &options, &d->store);
    if (rc != TG_OK) {
        tg_fatal("store", tg_strerror(rc));
        return rc;
    }

    TG_LOG(TG_LOG_INFO, "store opened", TG_LF_STR("path", path),
           TG_LF_STR("driver", driver->name),
           TG_LF_INT("schema", tg_store_schema_version(d->store)));
    return TG_OK;
}


/* The service's limits as the settings s say. */
static tg_service_limits_t
tg_limits_of(const tg_settings_t *s)
{
    tg_service_limits_t limits;
    const char         *rule;

    limits.max_apps = s->max_apps;
    limits.max_key_pairs = s->max_key_pairs;
    limits.max_codes = s->max_codes;
    limits.max_grace_seconds = s->max_grace_seconds;
    limits.app_write_rate = s->app_write_rate;
    limits.app_write_burst = s->app_write_burst;
    limits.code_reset_interval = s->code_reset_interval;
    limits.signed_nonces = s->signed_nonces;
    (void) tg_settings_cred_policy(s, &limits.account_policy,
                                   &rule); /* checked when loaded */

    return limits;
}


static int
tg_service_prepare(tg_daemon_t *d)
{
    tg_service_limits_t limits = tg_limits_of(&d->settings);
    char                errbuf[256];
    int                 rc;

    if (tg_service_create(d->store, d->keyring, &limits, &d->service) != TG_OK)
    {
        tg_fatal("service", "out of memory");
        return TG_ENOMEM;
    }

    rc = tg_dialect_set_start(d->dialects, d->service, errbuf, sizeof(errbuf));
    if (rc != TG_OK) {
        tg_fatal("dialects", errbuf);
        return rc;
    }

    if (tg_service_keyring_verify(d->service, NULL) != TG_OK) {
        tg_fatal("keyring", "the keyring does not open this store's secrets "
                            "(is keyring.json from another installation?)");
        return TG_ESEALED;
    }

    return TG_OK;
}


/* Writes a generated first admin key where the operator will find it,
 * before the store learns of it, so that it is never lost. */
/*
 * The URL a client on this host reaches tollgated at: the listen host (a
 * wildcard becomes loopback) and the port actually bound (port 0 picks one).
 */
static void
tg_endpoint(const tg_daemon_t *d, char *out, size_t size)
{
    const char *listen = d->settings.listen, *colon = strrchr(listen, ':');
    size_t      hostlen = colon != NULL ? (size_t) (colon - listen) : 0;
    const char *host = listen;

    if ((hostlen == 7 && strncmp(listen, "0.0.0.0", 7) == 0) || hostlen == 0) {
        host = "127.0.0.1";
        hostlen = 9;
    } else if (hostlen == 4 && strncmp(listen, "[::]", 4) == 0) {
        host = "[::1]";
        hostlen = 5;
    }

    snprintf(out, size, "%s://%.*s:%u",
             tg_http_server_secure(d->http) ? "https" : "http", (int) hostlen,
             host, tg_http_port(d->http));
}


/* Writes the first admin key to file, a file that names itself path. */
static int
tg_admin_key_save(const tg_daemon_t *d, const char *path, const char *file,
                  const char *id, const char *secret)
{
    tg_buf_t text = TG_BUF_INIT;
    char     errbuf[512], endpoint[300];
    int      rc;

    tg_endpoint(d, endpoint, sizeof(endpoint));

    rc = tg_buf_printf(&text,
                       "# The first admin access key of this Tollgate, made "
                       "on first start.\n"
                       "# Use it with the CLI (tollgate --config %s ...)\n"
                       "# or with curl -u \"ID:SECRET\".  Keep it private.\n"
                       "endpoint = %s\n"
                       "access_key_id = %s\n"
                       "access_key_secret = %s\n",
                       path, endpoint, id, secret);
    if (rc == TG_OK) {
        rc = tg_file_write_private(file, text.ptr, errbuf, sizeof(errbuf));
        if (rc != TG_OK) {
            tg_fatal("admin access key", errbuf);
        }
    }

    tg_buf_wipe(&text);
    return rc;
}


/*
 * Gives the pending admin key file its real name.  After a crash between
 * the commit and the rename (recover), a pending file left with no file
 * of the real name is the committed key; otherwise there is nothing to
 * do.
 */
static int
tg_admin_key_publish(const char *pending, const char *path, int recover)
{
    char errbuf[PATH_MAX * 2 + 64];

    if (recover && (access(pending, F_OK) != 0 || access(path, F_OK) == 0)) {
        return TG_OK;
    }
    if (rename(pending, path) != 0) {
        snprintf(errbuf, sizeof(errbuf), "%s -> %s: %s", pending, path,
                 strerror(errno));
        tg_fatal("admin access key", errbuf);
        return TG_EINTERNAL;
    }
    return TG_OK;
}


/*
 * On an empty store, creates the first admin key: the one the settings
 * name, or a generated one.  A generated key is saved first, under a
 * pending name, and the file takes its real name only once the key is
 * committed: a client that finds the file (tollgate up, as soon as the
 * port answers) finds a key that works, and a crash between the two
 * steps loses nothing, since the next start finishes the rename.
 */
static int
tg_bootstrap(tg_daemon_t *d)
{
    char       id[TG_ACCESS_KEY_ID_LEN + 1];
    char       secret[TG_ACCESS_KEY_SECRET_LEN + 1];
    char       path[PATH_MAX + 32], pending[PATH_MAX + 48];
    tg_error_t err;
    tg_str_t   key_id, key_secret;
    int        needed, created = 0, rc;

    memset(&err, 0, sizeof(err));

    tg_data_path(d, TG_ADMIN_KEY_FILE, path, sizeof(path));
    tg_data_path(d, TG_ADMIN_KEY_FILE ".pending", pending, sizeof(pending));

    rc = tg_service_bootstrap_needed(d->service, &needed, &err);
    if (rc != TG_OK) {
        tg_fatal("bootstrap", tg_strerror(rc));
        return rc;
    }
    if (!needed) {
        return tg_admin_key_publish(pending, path, 1);
    }

    if (d->settings.admin_access_key_id != NULL) {
        unlink(pending); /* a generated key that was never committed */
        key_id = tg_str_c(d->settings.admin_access_key_id);
        key_secret = tg_str_c(d->settings.admin_access_key_secret);

    } else {
        rc = tg_access_key_id_generate(id);
        if (rc == TG_OK) {
            rc = tg_access_key_secret_generate(secret);
        }
        if (rc == TG_OK) {
            rc = tg_admin_key_save(d, path, pending, id, secret);
        }
        if (rc != TG_OK) {
            tg_wipe(secret, sizeof(secret));
            return rc;
        }
        key_id = tg_str_c(id);
        key_secret = tg_str_c(secret);
    }

    rc = tg_service_bootstrap(d->service, key_id, key_secret, &created, &err);
    tg_wipe(secret, sizeof(secret));

    if (rc != TG_OK) {
        unlink(pending);
        TG_LOG(TG_LOG_ERROR, "cannot create the first admin access key",
               TG_LF_STR("field", tg_field_name(err.field)),
               TG_LF_STR("error",
                         err.detail[0] != '\0' ? err.detail : tg_strerror(rc)));
        return rc;
    }
    if (d->settings.admin_access_key_id == NULL) {
        rc = tg_admin_key_publish(pending, path, 0);
        if (rc != TG_OK) {
            return rc;
        }
    }

    if (d->settings.admin_access_key_id != NULL) {
        TG_LOG(TG_LOG_INFO, "first admin access key created from settings",
               TG_LF_STR("access_key_id", d->settings.admin_access_key_id));
    } else {
        TG_LOG(TG_LOG_INFO, "first admin access key written",
               TG_LF_STR("path", path), TG_LF_STR("access_key_id", id));
    }

    return TG_OK;
}


/* The next free key id of the form "k<n>". */
static void
tg_keyring_next_kid(const tg_keyring_t *kr, char *kid, size_t size)
{
    const uint8_t *key;
    const char    *id;
    unsigned long  n, max = 0;
    size_t         i;

    for (i = 0; i < tg_keyring_count(kr); i++) {
        tg_keyring_key_at(kr, i, &id, &key);
        n = id[0] == 'k' ? strtoul(id + 1, NULL, 10) : 0;
        if (n > max && n < 100000000) {
            max = n;
        }
    }

    snprintf(kid, size, "k%u", (unsigned) (max + 1));
}


/*
 * Rotates the keyring: adds a new primary key and saves the keyring with
 * both; re-seals every secret under the new key in one transaction; then
 * saves the keyring without the old keys.  A crash at any point leaves a
 * keyring that opens everything, and running it again finishes the job.
 */
static int
tg_rotate_keyring(tg_daemon_t *d)
{
    tg_keyring_t *fresh = NULL;
    tg_actor_t    actor;
    tg_error_t    err;
    uint8_t       key[TG_SEAL_KEY_LEN];
    char          kid[TG_SEAL_KID_MAX + 1], path[PATH_MAX + 32], errbuf[512];
    int64_t       pairs, codes;
    int           rc;

    memset(&actor, 0, sizeof(actor));
    memset(&err, 0, sizeof(err));
    snprintf(actor.source, sizeof(actor.source), "local");
    (void) tg_request_id_generate(actor.request_id);
    actor.admin = 1; /* whoever holds the stopped data directory */

    tg_data_path(d, "keyring.json", path, sizeof(path));
    tg_keyring_next_kid(d->keyring, kid, sizeof(kid));

    rc = tg_random_bytes(key, sizeof(key));
    if (rc == TG_OK) {
        rc = tg_keyring_add(d->keyring, tg_str_c(kid), key);
    }
    if (rc == TG_OK) {
        rc = tg_keyring_set_primary(d->keyring, tg_str_c(kid));
    }
    if (rc == TG_OK) {
        rc = tg_keyring_file_write(path, d->keyring, errbuf, sizeof(errbuf));
    }
    if (rc != TG_OK) {
        tg_fatal("rotate-keyring", "cannot add a key to the keyring");
        goto cleanup;
    }

    rc = tg_service_keyring_reseal(d->service, &actor, &pairs, &codes, &err);
    if (rc != TG_OK) {
        tg_fatal("rotate-keyring", tg_strerror(rc));
        goto cleanup;
    }

    /* Everything opens with the new key: keep only it. */

    rc = tg_keyring_create(&fresh);
    if (rc == TG_OK) {
        rc = tg_keyring_add(fresh, tg_str_c(kid), key);
    }
    if (rc == TG_OK) {
        tg_keyring_set_index_key(fresh, tg_keyring_index_key(d->keyring));
        rc = tg_keyring_file_write(path, fresh, errbuf, sizeof(errbuf));
    }
    if (rc != TG_OK) {
        tg_fatal("rotate-keyring", "cannot drop the old keys");
        goto cleanup;
    }

    TG_LOG(TG_LOG_INFO, "keyring rotated", TG_LF_STR("path", path),
           TG_LF_STR("primary", kid), TG_LF_INT("key_pairs", pairs),
           TG_LF_INT("app_codes", codes));

cleanup:

    tg_wipe(key, sizeof(key));
    tg_keyring_destroy(fresh);
    return rc;
}


/* Routes each request to the dialect that claims it (dialects.c). */
static void
tg_dispatch(void *data, tg_http_request_t *req, tg_http_response_t *res)
{
    tg_daemon_t *d = data;

    tg_dialect_set_dispatch(d->dialects, req, res);
}


static int
tg_http_prepare(tg_daemon_t *d)
{
    tg_http_options_t options;
    char              errbuf[512];

    memset(&options, 0, sizeof(options));
    options.listen = d->settings.listen;
    options.max_body = (size_t) d->settings.max_body;
    options.handler = tg_dispatch;
    options.data = d;
    options.tls_cert = d->settings.tls_cert;
    options.tls_key = d->settings.tls_key;
    options.require_tls = strcmp(d->settings.require_tls, "on") == 0;
    options.max_connections = (unsigned) d->settings.max_connections;

    if (tg_http_start(&options, &d->http, errbuf, sizeof(errbuf)) != TG_OK) {
        tg_fatal("listen", errbuf);
        return TG_EINVALID;
    }
    return TG_OK;
}


/* Says where tollgated listens, once it is ready to serve. */
static int
tg_announce(tg_daemon_t *d)
{
    char port[16];
    char path[PATH_MAX + 32];

    snprintf(port, sizeof(port), "%u", tg_http_port(d->http));
    tg_data_path(d, TG_ADMIN_KEY_FILE, path, sizeof(path));

    TG_LOG(
        TG_LOG_INFO, "tollgated listening",
        TG_LF_STR("listen", d->settings.listen), TG_LF_STR("port", port),
        TG_LF_STR("tls", tg_http_server_secure(d->http) ? "on" : "off"),
        TG_LF_STR("data_dir", d->data_dir),
        TG_LF_STR("admin_key_file", access(path, F_OK) == 0 ? path : "(none)"));
    return TG_OK;
}


/*
 * Opens the data plane's projection, brings it up to date with the store,
 * and follows the service's commits from now on.
 */
static int
tg_projection_prepare(tg_daemon_t *d)
{
    tg_projector_options_t options;
    char                   errbuf[512];
    int                    rc;

    options.data_dir = d->data_dir;
    options.map_size = (size_t) d->settings.projection_map_size << 20;
    options.service = d->service;

    rc = tg_projector_open(&options, &d->projector, errbuf, sizeof(errbuf));
    if (rc == TG_OK) {
        rc = tg_projector_start(d->projector);
        snprintf(errbuf, sizeof(errbuf), "cannot start its thread");
    }
    if (rc == TG_OK) {
        rc = tg_projector_follow(d->projector, d->store);
        snprintf(errbuf, sizeof(errbuf), "cannot start its follower thread");
    }
    if (rc != TG_OK) {
        tg_fatal("projection", errbuf);
        return rc;
    }

    TG_LOG(TG_LOG_INFO, "projection ready",
           TG_LF_INT("seq", tg_projector_seq(d->projector)));
    return TG_OK;
}


/* Starts pruning the store: the change log by the retention settings,
 * and the limits nodes share. */
static int
tg_janitor_prepare(tg_daemon_t *d)
{
    tg_log_retention_t retention;

    retention.max_age_ms = d->settings.log_retention * 3600 * 1000;
    retention.max_rows = d->settings.log_retention_rows;
    if (tg_store_janitor_start(d->store, &retention, &d->janitor) != TG_OK) {
        tg_fatal("store", "cannot start the janitor's thread");
        return TG_EINTERNAL;
    }
    return TG_OK;
}


/*
 * The settings a reload applies: the log level, the body cap and the
 * service's limits.  Requests read them through tg_service_limits() and
 * the server's atomic cap, so they may change while requests run.  The
 * others (the address, the data directory, TLS, threads, the size of
 * the nonce store, the dialects' settings...) are read once at start.
 */
static const char *const tg_live_settings[] = {
    "log_level",      "max_body",        "max_apps",
    "max_key_pairs",  "max_codes",       "max_grace_seconds",
    "app_write_rate", "app_write_burst", "code_reset_interval",
};


static int
tg_setting_live(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(tg_live_settings) / sizeof(tg_live_settings[0]); i++)
    {
        if (strcmp(name, tg_live_settings[i]) == 0) {
            return 1;
        }
    }

    return 0;
}


/* Logs each changed setting: applied, or needing a restart.  Names
 * only: a value may be a secret. */
static void
tg_reload_changed(void *data, const char *name)
{
    (void) data;

    if (tg_setting_live(name)) {
        TG_LOG(TG_LOG_INFO, "setting applied", TG_LF_STR("setting", name));
    } else {
        TG_LOG(TG_LOG_WARN, "setting changed, needs a restart",
               TG_LF_STR("setting", name));
    }
}


/* Makes the live settings of fresh those of d, and applies them. */
static void
tg_reload_apply(tg_daemon_t *d, tg_settings_t *fresh)
{
    tg_settings_t      *s = &d->settings;
    tg_service_limits_t limits;
    char               *old;

    old = s->log_level;
    s->log_level = fresh->log_level;
    fresh->log_level = old;

    s->max_body = fresh->max_body;
    s->max_apps = fresh->max_apps;
    s->max_key_pairs = fresh->max_key_pairs;
    s->max_codes = fresh->max_codes;
    s->max_grace_seconds = fresh->max_grace_seconds;
    s->app_write_rate = fresh->app_write_rate;
    s->app_write_burst = fresh->app_write_burst;
    s->code_reset_interval = fresh->code_reset_interval;

    limits = tg_limits_of(s);
    tg_service_set_limits(d->service, &limits);
    tg_http_set_max_body(d->http, (size_t) s->max_body);
}


/*
 * SIGHUP: reopens the log file (logrotate renamed it) and re-reads the
 * settings (file, environment, flags), applying those that can change
 * live (tg_live_settings) and logging each other one that changed as
 * needing a restart.  A bad setting keeps all the old ones.
 */
static void
tg_reload(tg_daemon_t *d, int argc, char **argv)
{
    tg_settings_group_t groups[TG_SETTINGS_GROUPS_MAX];
    tg_settings_group_t current[TG_SETTINGS_GROUPS_MAX];
    tg_dialect_set_t   *scratch = NULL;
    tg_settings_t       fresh;
    tg_log_level_t      level = TG_LOG_INFO, was = TG_LOG_INFO;
    char                errbuf[512];
    size_t              ngroups;
    int                 rc;

    if (d->settings.log_file != NULL
        && tg_log_open(d->settings.log_file, errbuf, sizeof(errbuf)) != TG_OK)
    {
        TG_LOG(TG_LOG_ERROR, "cannot reopen the log file",
               TG_LF_STR("error", errbuf));
    }

    /* The dialects' settings are read into a set of their own, only to
     * say which changed: a reload applies none of them. */
    memset(&fresh, 0, sizeof(fresh));
    if (tg_dialect_set_create(&scratch) != TG_OK) {
        TG_LOG(TG_LOG_ERROR, "settings not reloaded",
               TG_LF_STR("error", "out of memory"));
        return;
    }
    ngroups = tg_dialect_set_settings(scratch, groups, TG_SETTINGS_GROUPS_MAX);
    rc = tg_settings_load(&fresh, groups, ngroups, argc, argv, errbuf,
                          sizeof(errbuf));

    if (rc != TG_SETTINGS_RUN
        || tg_log_level_parse(fresh.log_level, &level) != TG_OK)
    {
        TG_LOG(TG_LOG_ERROR, "settings not reloaded, the old ones stay",
               TG_LF_STR("error", errbuf));
    } else {
        /* Said at the more verbose of the two levels, then the new one. */
        (void) tg_log_level_parse(d->settings.log_level, &was);
        tg_log_set_level(level < was ? level : was);
        TG_LOG(TG_LOG_INFO, "settings reloaded",
               TG_LF_STR("log_level", fresh.log_level),
               TG_LF_INT("max_body", fresh.max_body),
               TG_LF_INT("max_apps", fresh.max_apps));
        (void) tg_dialect_set_settings(d->dialects, current,
                                       TG_SETTINGS_GROUPS_MAX);
        tg_settings_each_changed(&d->settings, current, &fresh, groups, ngroups,
                                 tg_reload_changed, NULL);
        tg_log_set_level(level);
        tg_reload_apply(d, &fresh);
    }

    tg_settings_free(&fresh);
    tg_dialect_set_destroy(scratch);
}


static void
tg_daemon_close(tg_daemon_t *d)
{
    tg_http_stop(d->http);
    tg_store_janitor_stop(d->janitor);
    tg_projector_close(d->projector);
    tg_dialect_set_destroy(d->dialects);
    tg_service_destroy(d->service);
    tg_store_close(d->store);
    tg_keyring_destroy(d->keyring);
    tg_settings_free(&d->settings);

    if (d->lock_fd >= 0) {
        close(d->lock_fd);
    }
}


int
main(int argc, char **argv)
{
    tg_settings_group_t groups[TG_SETTINGS_GROUPS_MAX];
    size_t              ngroups;
    tg_daemon_t         d;
    tg_log_level_t      level = TG_LOG_INFO;
    sigset_t            signals;
    char                errbuf[512];
    int                 sig = 0, rc = 1, rotate = 0;

    memset(&d, 0, sizeof(d));
    d.lock_fd = -1;
    umask(077);
    json_set_alloc_funcs(malloc, tg_json_free);

    if (tg_crash_point_init(errbuf, sizeof(errbuf)) != 0) {
        fprintf(stderr, "tollgated: %s\n", errbuf);
        return 2;
    }

    if (argc > 1 && strcmp(argv[1], "rotate-keyring") == 0) {
        rotate = 1;
        argv[1] = argv[0];
        argc--;
        argv++;
    }

    /* The dialects first: their settings are loaded with the core's. */

    if (tg_dialect_set_create(&d.dialects) != TG_OK) {
        fprintf(stderr, "tollgated: out of memory\n");
        return 1;
    }
    ngroups =
        tg_dialect_set_settings(d.dialects, groups, TG_SETTINGS_GROUPS_MAX);

    switch (tg_settings_load(&d.settings, groups, ngroups, argc, argv, errbuf,
                             sizeof(errbuf)))
    {
    case TG_SETTINGS_EXIT:
        tg_daemon_close(&d);
        return 0;
    case TG_SETTINGS_ERROR:
        fprintf(stderr, "tollgated: %s\n", errbuf);
        tg_daemon_close(&d);
        return 2;
    default:
        break;
    }

    (void) tg_log_level_parse(d.settings.log_level, &level);
    tg_log_configure(strcmp(d.settings.log_format, "json") == 0, level);
    if (d.settings.log_file != NULL
        && tg_log_open(d.settings.log_file, errbuf, sizeof(errbuf)) != TG_OK)
    {
        fprintf(stderr, "tollgated: log_file %s\n", errbuf);
        tg_daemon_close(&d);
        return 2;
    }

    /* Every thread inherits this mask, so only the main thread takes the
     * signals, in sigwait() below. */

    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (rotate) {
        if (tg_data_dir_prepare(&d) == TG_OK && tg_data_dir_lock(&d) == TG_OK
            && tg_keyring_prepare(&d) == TG_OK && tg_store_prepare(&d) == TG_OK
            && tg_service_prepare(&d) == TG_OK
            && tg_rotate_keyring(&d) == TG_OK)
        {
            rc = 0;
        }

    } else if (tg_data_dir_prepare(&d) == TG_OK && tg_data_dir_lock(&d) == TG_OK
               && tg_keyring_prepare(&d) == TG_OK
               && tg_store_prepare(&d) == TG_OK
               && tg_service_prepare(&d) == TG_OK
               && tg_projection_prepare(&d) == TG_OK
               && tg_janitor_prepare(&d) == TG_OK
               && tg_http_prepare(&d) == TG_OK && tg_bootstrap(&d) == TG_OK
               && tg_announce(&d) == TG_OK)
    {
        tg_crash_point_arm();
        while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
            tg_reload(&d, argc, argv);
        }
        TG_LOG(TG_LOG_INFO, "shutting down",
               TG_LF_STR("signal", sig == SIGINT ? "SIGINT" : "SIGTERM"));
        rc = 0;
    }

    tg_daemon_close(&d);
    return rc;
}
