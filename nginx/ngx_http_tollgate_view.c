/*
 * The worker's view of the projection (see the header).
 *
 * The view never serves, silently, a projection that tollgated no longer
 * writes.  Before a request's lookups (at most once per millisecond of
 * nginx's clock) it compares the files its environment has open with the
 * files the projection's directory names now: a projection removed, or
 * rebuilt in new files, is closed, and the new one opened.  A
 * projection that cannot be opened refuses requests with 503 and is
 * tried again with a growing delay, from requests, never in a loop; each
 * failure is logged when it starts and then once per interval, with the
 * number of calls it refused, so a missing projection cannot flood the
 * error log.
 *
 * A data file shorter than the pages its environment says are in use
 * (truncated, or damaged by hand) would turn reads into SIGBUS: the view
 * compares the two before every request's lookups, and when it opens,
 * and refuses calls (503) until tollgated rebuilds the projection (it
 * checks at start and before each sync).  Only a change between that
 * check and the read escapes it.  A worker that died anyway leaves its
 * reader slot in the lock file; the view reclaims dead readers' slots
 * when it opens, and when it finds every slot taken.
 *
 * tollgated writes a heartbeat into the projection about once a second,
 * when every change committed before it is applied.  A request whose
 * snapshot holds a heartbeat further than max_age from the clock is
 * refused (503): tollgated is stopped or hung, or cannot write (a full
 * map), and what the projection says may no longer be true.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <lmdb.h>

#include "tollgate/error.h"
#include "ngx_http_tollgate_scheme.h"
#include "ngx_http_tollgate_view.h"
#include "ngx_http_tollgate_zone.h"


/* The files LMDB keeps in an environment's directory. */
#define NGX_TOLLGATE_DATA_FILE "/data.mdb"
#define NGX_TOLLGATE_LOCK_FILE "/lock.mdb"

/* Retries of a projection that cannot be opened: the first wait, and the
 * longest.  A failed open costs a few system calls; the cap bounds how
 * long the gateway refuses calls once the projection is back. */
#define NGX_TOLLGATE_RETRY_FIRST 100
#define NGX_TOLLGATE_RETRY_MAX   1000

/* A failure that lasts is logged again this often (ms). */
#define NGX_TOLLGATE_REPORT_EVERY 60000

/* The paths are looked up again this often (ms); in between, the files
 * the environment has open are asked whether they are still linked. */
#define NGX_TOLLGATE_NAMES_EVERY 100

typedef enum {
    NGX_TOLLGATE_VIEW_OK = 0,
    NGX_TOLLGATE_VIEW_UNAVAILABLE, /* cannot be opened or read */
    NGX_TOLLGATE_VIEW_STALE,       /* its heartbeat is too old */
    NGX_TOLLGATE_VIEW_DAMAGED      /* its data file is too short */
} ngx_http_tollgate_failure_e;

/* The neutral reason (ngx_http_tollgate_scheme.h) of each failure. */
static const ngx_uint_t ngx_http_tollgate_reasons[] = {
    0,
    NGX_TOLLGATE_PROJECTION_UNAVAILABLE,
    NGX_TOLLGATE_PROJECTION_STALE,
    NGX_TOLLGATE_PROJECTION_UNAVAILABLE,
};

/*
 * The worker's memo of records read: copies of the values of recent
 * lookups, each valid for the one snapshot (environment generation and
 * transaction id) it was read in.  Every commit of tollgated starts a
 * new snapshot, so a value is never served past a change: a request
 * whose snapshot is the memo's skips LMDB's B-tree descents.  A slot a
 * request read is pinned until the request's lookups end, so that the
 * values it returned stay valid as LMDB's would.  It holds what the
 * projection holds (sealed secrets stay sealed).
 */
#define NGX_TOLLGATE_MEMO_SLOTS 256 /* a power of two */
#define NGX_TOLLGATE_MEMO_KEY   128
#define NGX_TOLLGATE_MEMO_VALUE 448

typedef struct {
    ngx_uint_t generation; /* 0: empty */
    size_t     txn_id;
    ngx_uint_t request; /* the last request that read it */
    ngx_uint_t db;
    size_t     key_len;
    size_t     value_len;
    u_char     key[NGX_TOLLGATE_MEMO_KEY];
    u_char     value[NGX_TOLLGATE_MEMO_VALUE];
} ngx_http_tollgate_memo_t;

/* Which file a path named when it was opened. */
typedef struct {
    dev_t           dev;
    ngx_file_uniq_t ino;
} ngx_http_tollgate_file_id_t;

struct ngx_http_tollgate_view_s {
    ngx_str_t  dir;       /* NUL-terminated, as are the two paths */
    u_char    *data_path; /* LMDB's data file */
    u_char    *lock_path; /* LMDB's lock file, where readers register */
    ngx_msec_t max_age;   /* 0: heartbeats are not checked */

    /* The worker's environment; env is NULL while it is closed. */
    MDB_env                    *env;
    MDB_txn                    *txn; /* reset between requests */
    MDB_dbi                     dbi[TG_PROJ_NDBS];
    ngx_http_tollgate_file_id_t data, lock; /* the files env has open */
    ngx_fd_t                    lock_fd;    /* the lock file, ours */
    ngx_msec_t                  checked;    /* when they were fstat()ed */
    ngx_msec_t                  named;      /* when the paths were */
    ngx_uint_t                  generation; /* counts the opens */

    /* Opening again while closed. */
    ngx_msec_t retry_at;
    ngx_msec_t retry_delay; /* 0 until an open fails */
    int        error;       /* the last open's LMDB error, or errno */
    off_t      size;        /* when damaged: the data file's size, */
    off_t      needed;      /* and what its environment uses */
    int64_t    heartbeat;   /* the last stale heartbeat read (0: none) */

    /* The snapshot the read transaction sees (mdb_txn_id()), and which
     * request's lookups it serves (pins the memo's slots). */
    size_t     txn_id;
    ngx_uint_t request;

    /* The heartbeat of the snapshot hb_txn of this environment: a
     * snapshot's records never change, so it is read once per snapshot,
     * not per request. */
    size_t  hb_txn; /* 0: none read */
    int64_t hb_value;

    ngx_http_tollgate_memo_t *memo; /* NGX_TOLLGATE_MEMO_SLOTS */

    /* What refuses calls now, when it was last logged, and how many calls
     * it refused so far. */
    ngx_http_tollgate_failure_e failure;
    ngx_msec_t                  reported_at;
    ngx_uint_t                  refused;
};


/* A pool cleanup: wipes a data-plane key. */
static void
ngx_http_tollgate_wipe_key(void *key)
{
    ngx_explicit_memzero(key, TG_SEAL_KEY_LEN);
}


char *
ngx_http_tollgate_load_key(ngx_conf_t *cf, ngx_str_t *name,
                           u_char key[TG_SEAL_KEY_LEN])
{
    ngx_pool_cleanup_t *cln;
    ngx_file_t          file;
    u_char              text[TG_SEAL_KEY_LEN * 2 + 2];
    ssize_t             n;
    int                 rc;

    /* Registered first, so that the key is wiped on every path.  A pool
     * runs its cleanups before it frees its memory, where key lives. */
    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }
    cln->handler = ngx_http_tollgate_wipe_key;
    cln->data = key;

    if (ngx_conf_full_name(cf->cycle, name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = *name;
    file.log = cf->log;
    file.fd = ngx_open_file(name->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "tollgate_key_file \"%V\" cannot be opened", name);
        return NGX_CONF_ERROR;
    }

    n = ngx_read_file(&file, text, sizeof(text), 0);
    ngx_close_file(file.fd);

    rc = n > 0 ? tg_proj_key_parse((tg_str_t){ (char *) text, (size_t) n }, key)
               : TG_EINVALID;
    ngx_explicit_memzero(text, sizeof(text));
    if (rc != TG_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate_key_file \"%V\" must hold 64 hex digits",
                           name);
        return NGX_CONF_ERROR;
    }
    return NGX_CONF_OK;
}


/* dir and file joined, NUL-terminated, from pool. */
static u_char *
ngx_http_tollgate_path(ngx_pool_t *pool, ngx_str_t *dir, const char *file)
{
    size_t  len = ngx_strlen(file);
    u_char *p;

    p = ngx_pnalloc(pool, dir->len + len + 1);
    if (p != NULL) {
        ngx_cpystrn(ngx_cpymem(p, dir->data, dir->len), (u_char *) file,
                    len + 1);
    }
    return p;
}


char *
ngx_http_tollgate_set_max_age(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_msec_t *max_age = (ngx_msec_t *) ((char *) conf + cmd->offset);
    ngx_str_t  *value = cf->args->elts;
    ngx_int_t   ms;

    if (*max_age != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }
    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        *max_age = 0;
        return NGX_CONF_OK;
    }

    /* Under two heartbeats, a heartbeat a little late would refuse calls. */
    ms = ngx_parse_time(&value[1], 0);
    if (ms == NGX_ERROR || ms < TG_PROJ_MAX_AGE_MIN_MS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate_projection_max_age must be \"off\" or a "
                           "time of at least %ims (tollgated confirms the "
                           "projection every %ims)",
                           (ngx_int_t) TG_PROJ_MAX_AGE_MIN_MS,
                           (ngx_int_t) TG_PROJ_HEARTBEAT_MS);
        return NGX_CONF_ERROR;
    }
    *max_age = (ngx_msec_t) ms;
    return NGX_CONF_OK;
}


ngx_http_tollgate_view_t *
ngx_http_tollgate_view_create(ngx_conf_t *cf, ngx_str_t *dir,
                              ngx_msec_t max_age)
{
    ngx_http_tollgate_view_t *view;

    view = ngx_pcalloc(cf->pool, sizeof(ngx_http_tollgate_view_t));
    if (view == NULL) {
        return NULL;
    }
    view->memo = ngx_pcalloc(cf->pool, NGX_TOLLGATE_MEMO_SLOTS
                                           * sizeof(ngx_http_tollgate_memo_t));
    if (view->memo == NULL) {
        return NULL;
    }
    view->max_age = max_age;
    view->lock_fd = NGX_INVALID_FILE;
    view->dir.len = dir->len;
    view->dir.data = ngx_http_tollgate_path(cf->pool, dir, "");
    view->data_path =
        ngx_http_tollgate_path(cf->pool, dir, NGX_TOLLGATE_DATA_FILE);
    view->lock_path =
        ngx_http_tollgate_path(cf->pool, dir, NGX_TOLLGATE_LOCK_FILE);
    if (view->dir.data == NULL || view->data_path == NULL
        || view->lock_path == NULL)
    {
        return NULL;
    }
    return view;
}


static void
ngx_http_tollgate_file_id(ngx_file_info_t *fi, ngx_http_tollgate_file_id_t *id)
{
    id->dev = fi->st_dev;
    id->ino = ngx_file_uniq(fi);
}


/* Returns 1 if path still names the file id was taken from. */
static int
ngx_http_tollgate_same_file(u_char *path, ngx_http_tollgate_file_id_t *id)
{
    ngx_file_info_t fi;

    return ngx_file_info(path, &fi) != NGX_FILE_ERROR && fi.st_dev == id->dev
           && ngx_file_uniq(&fi) == id->ino;
}


/* Records which files the new environment has open.  The data file is
 * the one LMDB holds; the lock file is opened again just after, and kept
 * open, so that an fstat() can tell whether it is still linked. */
static int
ngx_http_tollgate_view_ids(ngx_http_tollgate_view_t *view)
{
    ngx_file_info_t  fi;
    mdb_filehandle_t fd;
    int              rc;

    rc = mdb_env_get_fd(view->env, &fd);
    if (rc != 0) {
        return rc;
    }
    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        return ngx_errno;
    }
    ngx_http_tollgate_file_id(&fi, &view->data);

    view->lock_fd =
        ngx_open_file(view->lock_path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (view->lock_fd == NGX_INVALID_FILE) {
        return ngx_errno;
    }
    if (ngx_fd_info(view->lock_fd, &fi) == NGX_FILE_ERROR) {
        return ngx_errno;
    }
    ngx_http_tollgate_file_id(&fi, &view->lock);
    return 0;
}


/* Returns 1 if the lock file the view holds is still linked (a removed
 * or replaced projection's files are unlinked). */
static int
ngx_http_tollgate_lock_linked(ngx_http_tollgate_view_t *view)
{
    ngx_file_info_t fi;

    return ngx_fd_info(view->lock_fd, &fi) != NGX_FILE_ERROR && fi.st_nlink > 0;
}


/*
 * Returns 0 if the data file holds every page the environment uses; else
 * MDB_CORRUPTED, with both sizes kept for the log, or an errno.  Reads
 * the file's size, then the meta pages, which LMDB reads from its map of
 * the file's first two pages: those are checked first, in the system's
 * pages, which are LMDB's on the machine that made the projection.
 */
static int
ngx_http_tollgate_view_size(ngx_http_tollgate_view_t *view,
                            ngx_file_info_t          *data)
{
    ngx_file_info_t  fi;
    mdb_filehandle_t fd;
    MDB_envinfo      info;
    MDB_stat         st;
    off_t            needed;
    int              rc;

    rc = mdb_env_get_fd(view->env, &fd);
    if (rc != 0) {
        return rc;
    }
    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        return ngx_errno;
    }
    *data = fi;

    needed = 2 * (off_t) ngx_pagesize;
    if (ngx_file_size(&fi) >= needed) {
        rc = mdb_env_stat(view->env, &st);
        if (rc == 0) {
            rc = mdb_env_info(view->env, &info);
        }
        if (rc != 0) {
            return rc;
        }
        needed = ((off_t) info.me_last_pgno + 1) * (off_t) st.ms_psize;
    }
    if (ngx_file_size(&fi) >= needed) {
        return 0;
    }

    view->size = ngx_file_size(&fi);
    view->needed = needed;
    return MDB_CORRUPTED;
}


/* Begins (txn NULL) or renews the read transaction; when every reader
 * slot is taken, frees those of dead processes and tries once more. */
static int
ngx_http_tollgate_view_read(ngx_http_tollgate_view_t *view, ngx_log_t *log)
{
    ngx_uint_t tries;
    int        rc, dead;

    for (tries = 0;; tries++) {
        rc = view->txn == NULL
                 ? mdb_txn_begin(view->env, NULL, MDB_RDONLY, &view->txn)
                 : mdb_txn_renew(view->txn);
        if (rc == 0) {
            view->txn_id = mdb_txn_id(view->txn);
            view->request++;
        }
        if (rc != MDB_READERS_FULL || tries == 1
            || mdb_reader_check(view->env, &dead) != 0 || dead == 0)
        {
            return rc;
        }
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "tollgate: the projection \"%V\" had no free reader "
                      "slot; freed %d of dead processes",
                      &view->dir, dead);
    }
}


/* Frees the reader slots of dead processes (a worker killed while it held
 * one), so that they cannot fill the table. */
static void
ngx_http_tollgate_view_reap(ngx_http_tollgate_view_t *view, ngx_log_t *log)
{
    int dead = 0;

    if (mdb_reader_check(view->env, &dead) == 0 && dead > 0) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "tollgate: the projection \"%V\" held the reader "
                      "slots of %d dead processes; freed them",
                      &view->dir, dead);
    }
}


/* Opens the databases; committing keeps their handles for the env. */
static int
ngx_http_tollgate_view_dbis(ngx_http_tollgate_view_t *view)
{
    MDB_txn   *txn;
    ngx_uint_t i;
    int        rc;

    rc = mdb_txn_begin(view->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return rc;
    }
    for (i = 0; i < TG_PROJ_NDBS && rc == 0; i++) {
        rc = mdb_dbi_open(txn, tg_proj_db_name(i), 0, &view->dbi[i]);
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}


/*
 * Opens the environment and begins its read transaction.  Returns 0, or
 * an LMDB error (the environment closed).
 */
static int
ngx_http_tollgate_view_try(ngx_http_tollgate_view_t *view, ngx_log_t *log)
{
    ngx_file_info_t fi;
    int             rc;

    view->needed = 0;
    rc = mdb_env_create(&view->env);
    if (rc == 0) {
        rc = mdb_env_set_maxdbs(view->env, TG_PROJ_MAXDBS);
    }
    if (rc == 0) {
        rc = mdb_env_open(view->env, (char *) view->dir.data,
                          MDB_RDONLY | MDB_NOTLS, 0600);
    }
    if (rc == 0) {
        rc = ngx_http_tollgate_view_ids(view);
    }
    if (rc == 0) {
        rc = ngx_http_tollgate_view_size(view, &fi);
    }
    if (rc == 0) {
        ngx_http_tollgate_view_reap(view, log);
        rc = ngx_http_tollgate_view_dbis(view);
    }
    if (rc == 0) {
        rc = ngx_http_tollgate_view_read(view, log);
    }

    if (rc != 0) {
        ngx_http_tollgate_view_close(view);
    } else {
        view->generation++;
    }
    view->checked = ngx_current_msec;
    view->named = ngx_current_msec;
    return rc;
}


/*
 * Opens the environment if a retry is due, its read transaction begun.
 * Returns NGX_OK, or NGX_DECLINED (not due, or failed: the next try is
 * scheduled).
 */
static ngx_int_t
ngx_http_tollgate_view_reopen(ngx_http_tollgate_view_t *view, ngx_log_t *log)
{
    if ((ngx_msec_int_t) (ngx_current_msec - view->retry_at) < 0) {
        return NGX_DECLINED;
    }

    view->error = ngx_http_tollgate_view_try(view, log);
    if (view->error == 0) {
        view->retry_delay = 0;
        return NGX_OK;
    }

    view->retry_delay = view->retry_delay == 0
                            ? NGX_TOLLGATE_RETRY_FIRST
                            : ngx_min(2 * view->retry_delay,
                                      (ngx_msec_t) NGX_TOLLGATE_RETRY_MAX);
    view->retry_at = ngx_current_msec + view->retry_delay;
    return NGX_DECLINED;
}


/* Why the last open failed. */
static ngx_http_tollgate_failure_e
ngx_http_tollgate_view_failure(ngx_http_tollgate_view_t *view)
{
    return view->needed != 0 ? NGX_TOLLGATE_VIEW_DAMAGED
                             : NGX_TOLLGATE_VIEW_UNAVAILABLE;
}


/* The wall clock in Unix ms, as nginx cached it. */
static int64_t
ngx_http_tollgate_now_ms(void)
{
    ngx_time_t *tp = ngx_timeofday();

    return (int64_t) tp->sec * 1000 + (int64_t) tp->msec;
}


/*
 * Logs failure when it starts, with its cause; then, while it lasts,
 * once per interval with the number of calls it refused.
 */
static void
ngx_http_tollgate_view_report(ngx_http_tollgate_view_t   *view,
                              ngx_http_tollgate_failure_e failure,
                              ngx_log_t                  *log)
{
    if (failure == view->failure) {
        if (ngx_current_msec - view->reported_at >= NGX_TOLLGATE_REPORT_EVERY) {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "tollgate: the projection \"%V\" is still %s: "
                          "%ui calls refused so far",
                          &view->dir,
                          failure == NGX_TOLLGATE_VIEW_STALE ? "stale"
                          : failure == NGX_TOLLGATE_VIEW_DAMAGED
                              ? "damaged"
                              : "unavailable",
                          view->refused);
            view->reported_at = ngx_current_msec;
        }
        return;
    }

    if (failure == NGX_TOLLGATE_VIEW_STALE && view->heartbeat == 0) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "tollgate: the projection \"%V\" holds no heartbeat: "
                      "tollgated has not confirmed it yet; calls get 503 "
                      "until it does",
                      &view->dir);
    } else if (failure == NGX_TOLLGATE_VIEW_STALE) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "tollgate: the projection \"%V\" is stale: tollgated "
                      "last confirmed it %Lms ago, more than "
                      "tollgate_projection_max_age (%Mms); is tollgated "
                      "running?  calls get 503 until it confirms it again",
                      &view->dir, ngx_http_tollgate_now_ms() - view->heartbeat,
                      view->max_age);
    } else if (failure == NGX_TOLLGATE_VIEW_DAMAGED) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "tollgate: the projection \"%V\" is damaged: its data "
                      "file holds %O bytes, its pages need %O; tollgated "
                      "rebuilds it (within a second, or at its start); "
                      "calls get 503 until then",
                      &view->dir, view->size, view->needed);
    } else {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "tollgate: cannot open the projection \"%V\": %s; "
                      "calls get 503 until it opens (retrying)",
                      &view->dir, mdb_strerror(view->error));
    }

    view->failure = failure;
    view->reported_at = ngx_current_msec;
    view->refused = 0;
}


static ngx_int_t
ngx_http_tollgate_view_refuse(ngx_http_tollgate_view_t   *view,
                              ngx_http_tollgate_failure_e failure,
                              ngx_log_t *log, ngx_uint_t *reason)
{
    ngx_http_tollgate_view_report(view, failure, log);
    view->refused++;
    *reason = ngx_http_tollgate_reasons[failure];
    return NGX_DECLINED;
}


/* Returns 1 if the snapshot's heartbeat is recent enough, else 0 and
 * keeps what it read for the log. */
static int
ngx_http_tollgate_view_fresh(ngx_http_tollgate_view_t *view)
{
    tg_str_t value;
    int64_t  heartbeat;

    if (view->max_age == 0) {
        return 1;
    }

    if (view->hb_txn != 0 && view->hb_txn == view->txn_id) {
        heartbeat = view->hb_value;
    } else {
        if (!ngx_http_tollgate_get(view, TG_PROJ_META, TG_PROJ_META_HEARTBEAT,
                                   sizeof(TG_PROJ_META_HEARTBEAT) - 1, &value)
            || tg_proj_i64_decode(value, &heartbeat) != TG_OK)
        {
            heartbeat = 0;
        }
        view->hb_txn = view->txn_id;
        view->hb_value = heartbeat;
    }

    if (tg_proj_heartbeat_fresh(heartbeat, ngx_http_tollgate_now_ms(),
                                (int64_t) view->max_age))
    {
        return 1;
    }
    view->heartbeat = heartbeat;
    return 0;
}


/*
 * Closes the environment if its files are no longer the projection's, or
 * its data file was cut short (reading it would raise SIGBUS).  The files
 * are looked at once per millisecond of nginx's clock, not per request,
 * with one fstat() of each: the data file's size, and whether both are
 * still linked (tollgated removes a projection's files to make new
 * ones).  The paths themselves (a directory moved away and another put
 * in its place) are looked up every NGX_TOLLGATE_NAMES_EVERY ms.  The
 * syscalls stay off the hot path, and no check could close the race with
 * a file cut between the check and the read anyway.
 */
static void
ngx_http_tollgate_view_check(ngx_http_tollgate_view_t *view, ngx_log_t *log)
{
    ngx_file_info_t data;

    if (view->env == NULL || view->checked == ngx_current_msec) {
        return;
    }
    view->checked = ngx_current_msec;

    if (ngx_http_tollgate_view_size(view, &data) != 0) {
        ngx_http_tollgate_view_close(view);
        view->retry_at = ngx_current_msec;
        view->retry_delay = 0;
        return;
    }

    if (data.st_nlink > 0 && ngx_http_tollgate_lock_linked(view)) {
        if (ngx_current_msec - view->named < NGX_TOLLGATE_NAMES_EVERY) {
            return;
        }
        view->named = ngx_current_msec;
        if (ngx_http_tollgate_same_file(view->data_path, &view->data)
            && ngx_http_tollgate_same_file(view->lock_path, &view->lock))
        {
            return;
        }
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "tollgate: the projection \"%V\" was replaced or removed; "
                  "opening it again",
                  &view->dir);
    ngx_http_tollgate_view_close(view);
    view->retry_at = ngx_current_msec;
    view->retry_delay = 0;
}


void
ngx_http_tollgate_view_open(ngx_http_tollgate_view_t *view, ngx_log_t *log)
{
    view->retry_at = ngx_current_msec;
    if (ngx_http_tollgate_view_reopen(view, log) == NGX_OK) {
        mdb_txn_reset(view->txn);
    } else {
        ngx_http_tollgate_view_report(
            view, ngx_http_tollgate_view_failure(view), log);
    }
}


void
ngx_http_tollgate_view_close(ngx_http_tollgate_view_t *view)
{
    view->hb_txn = 0; /* another environment numbers its own snapshots */
    if (view->txn != NULL) {
        mdb_txn_abort(view->txn);
        view->txn = NULL;
    }
    if (view->env != NULL) {
        mdb_env_close(view->env);
        view->env = NULL;
    }
    if (view->lock_fd != NGX_INVALID_FILE) {
        (void) ngx_close_file(view->lock_fd);
        view->lock_fd = NGX_INVALID_FILE;
    }
}


ngx_int_t
ngx_http_tollgate_begin(ngx_http_request_t *r, ngx_http_tollgate_view_t *view,
                        ngx_uint_t *reason)
{
    ngx_log_t *log = r->connection->log;

    ngx_http_tollgate_view_check(view, log);

    if (view->env != NULL && ngx_http_tollgate_view_read(view, log) != 0) {
        /* MDB_MAP_RESIZED when the data outgrew this worker's map (tollgated
         * raised it), or a damaged environment: open it again, now. */
        ngx_http_tollgate_view_close(view);
        view->retry_at = ngx_current_msec;
    }

    /* A reopened environment's transaction is already begun. */
    if (view->env == NULL && ngx_http_tollgate_view_reopen(view, log) != NGX_OK)
    {
        return ngx_http_tollgate_view_refuse(
            view, ngx_http_tollgate_view_failure(view), log, reason);
    }

    if (!ngx_http_tollgate_view_fresh(view)) {
        mdb_txn_reset(view->txn);
        return ngx_http_tollgate_view_refuse(view, NGX_TOLLGATE_VIEW_STALE, log,
                                             reason);
    }

    if (view->failure != NGX_TOLLGATE_VIEW_OK) {
        ngx_log_error(NGX_LOG_NOTICE, log, 0,
                      "tollgate: the projection \"%V\" is open and current "
                      "again (%ui calls refused meanwhile)",
                      &view->dir, view->refused);
        view->failure = NGX_TOLLGATE_VIEW_OK;
        view->refused = 0;
    }
    return NGX_OK;
}


void
ngx_http_tollgate_end(ngx_http_tollgate_view_t *view)
{
    mdb_txn_reset(view->txn);
}


/* A key's memo slot: the key hashed from a seed of its database. */
static ngx_uint_t
ngx_http_tollgate_memo_slot(tg_proj_db_t db, const u_char *p, size_t len)
{
    uint64_t h;

    h = ngx_http_tollgate_hash(((uint64_t) db + 1) * 0x9e3779b97f4a7c15ULL, p,
                               len);
    return (ngx_uint_t) (h ^ (h >> 32)) & (NGX_TOLLGATE_MEMO_SLOTS - 1);
}


int
ngx_http_tollgate_get(ngx_http_tollgate_view_t *view, tg_proj_db_t db,
                      const void *key, size_t len, tg_str_t *value)
{
    ngx_http_tollgate_memo_t *m;
    MDB_val                   k, v;

    m = &view->memo[ngx_http_tollgate_memo_slot(db, key, len)];
    if (m->generation == view->generation && m->txn_id == view->txn_id
        && m->db == (ngx_uint_t) db && m->key_len == len
        && ngx_memcmp(m->key, key, len) == 0)
    {
        m->request = view->request;
        value->ptr = (const char *) m->value;
        value->len = m->value_len;
        return 1;
    }

    k.mv_data = (void *) key;
    k.mv_size = len;
    if (mdb_get(view->txn, view->dbi[db], &k, &v) != 0) {
        return 0;
    }
    value->ptr = v.mv_data;
    value->len = v.mv_size;

    /* Kept if it fits and its slot serves no value of this request. */
    if (len <= NGX_TOLLGATE_MEMO_KEY && v.mv_size <= NGX_TOLLGATE_MEMO_VALUE
        && (m->generation == 0 || m->request != view->request))
    {
        m->generation = view->generation;
        m->txn_id = view->txn_id;
        m->request = view->request;
        m->db = (ngx_uint_t) db;
        m->key_len = len;
        ngx_memcpy(m->key, key, len);
        m->value_len = v.mv_size;
        ngx_memcpy(m->value, v.mv_data, v.mv_size);
    }
    return 1;
}


ngx_uint_t
ngx_http_tollgate_view_generation(ngx_http_tollgate_view_t *view)
{
    return view->generation;
}


int
ngx_http_tollgate_load_app(ngx_http_tollgate_view_t *view,
                           const u_char id[TG_PROJ_ID_LEN], tg_proj_app_t *app)
{
    tg_str_t value;

    return ngx_http_tollgate_get(view, TG_PROJ_APPS, id, TG_PROJ_ID_LEN, &value)
           && tg_proj_app_decode(value, app) == TG_OK;
}


ngx_int_t
ngx_http_tollgate_view_heartbeat(ngx_http_request_t       *r,
                                 ngx_http_tollgate_view_t *view,
                                 int64_t                  *heartbeat)
{
    ngx_log_t *log = r->connection->log;
    tg_str_t   value;

    *heartbeat = 0;
    ngx_http_tollgate_view_check(view, log);

    if (view->env != NULL && ngx_http_tollgate_view_read(view, log) != 0) {
        ngx_http_tollgate_view_close(view);
        view->retry_at = ngx_current_msec;
    }
    if (view->env == NULL && ngx_http_tollgate_view_reopen(view, log) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (ngx_http_tollgate_get(view, TG_PROJ_META, TG_PROJ_META_HEARTBEAT,
                              sizeof(TG_PROJ_META_HEARTBEAT) - 1, &value)
        && tg_proj_i64_decode(value, heartbeat) != TG_OK)
    {
        *heartbeat = 0;
    }
    mdb_txn_reset(view->txn);
    return NGX_OK;
}
