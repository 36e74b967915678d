/*
 * The worker's view of the LMDB projection that tollgated writes
 * (include/tollgate/projection.h), and the data-plane key that opens the
 * secrets in it.
 *
 * Each worker holds one environment and one read transaction, renewed at
 * the start of a request's lookups and reset at their end, so a request
 * allocates nothing and sees one snapshot.  Values returned by
 * ngx_http_tollgate_get() point into LMDB's map: they are valid until
 * ngx_http_tollgate_end().  The view is allocated from the configuration's
 * pool and lives as long as it.
 */

#ifndef NGX_HTTP_TOLLGATE_VIEW_H
#define NGX_HTTP_TOLLGATE_VIEW_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/projection.h"
#include "tollgate/str.h"


typedef struct ngx_http_tollgate_view_s ngx_http_tollgate_view_t;


/*
 * Reads the data-plane key file (64 hex digits) into key, at
 * configuration time, and has key wiped when the configuration's pool is
 * freed: in the master at a reload, a failed reload or its exit, and in
 * each worker at its exit.  Returns NGX_CONF_OK, or NGX_CONF_ERROR after
 * logging why.
 */
char *ngx_http_tollgate_load_key(ngx_conf_t *cf, ngx_str_t *file,
                                 u_char key[TG_SEAL_KEY_LEN]);

/*
 * tollgate_projection_max_age TIME | off: sets the ngx_msec_t at
 * cmd->offset in conf (0 for off).  A directive handler.
 */
char *ngx_http_tollgate_set_max_age(ngx_conf_t *cf, ngx_command_t *cmd,
                                    void *conf);

/*
 * Makes the view of the projection in dir (an absolute path), from the
 * configuration's pool.  Calls are refused when the projection's
 * heartbeat is further than max_age (ms; 0: never) from the clock.
 * Nothing is opened until a worker starts.  Returns NULL without memory.
 */
ngx_http_tollgate_view_t *ngx_http_tollgate_view_create(ngx_conf_t *cf,
                                                        ngx_str_t  *dir,
                                                        ngx_msec_t  max_age);

/*
 * Opens the projection in a worker (init_process).  A projection that
 * cannot be opened yet is logged and opened again later, from a request.
 */
void ngx_http_tollgate_view_open(ngx_http_tollgate_view_t *view,
                                 ngx_log_t                *log);

/*
 * Counts the environments the view has opened: what was derived from the
 * projection (cached secrets) is stale when it changes.
 */
ngx_uint_t ngx_http_tollgate_view_generation(ngx_http_tollgate_view_t *view);

/* Closes the worker's environment (exit_process).  Idempotent. */
void ngx_http_tollgate_view_close(ngx_http_tollgate_view_t *view);

/*
 * Starts a request's lookups: renews the worker's read transaction on
 * the projection tollgated writes now.  Returns NGX_OK; or NGX_DECLINED
 * with *reason set (NGX_TOLLGATE_PROJECTION_UNAVAILABLE or _STALE, of
 * ngx_http_tollgate_scheme.h) when the projection cannot be read or its
 * heartbeat is too old.  Every NGX_OK is paired with
 * ngx_http_tollgate_end().
 */
ngx_int_t ngx_http_tollgate_begin(ngx_http_request_t       *r,
                                  ngx_http_tollgate_view_t *view,
                                  ngx_uint_t               *reason);

/* Ends a request's lookups: resets the read transaction. */
void ngx_http_tollgate_end(ngx_http_tollgate_view_t *view);

/*
 * Looks key up in db.  Returns 1 and sets *value (LMDB's memory, valid
 * until ngx_http_tollgate_end()), or 0 if it is absent or unreadable.
 */
int ngx_http_tollgate_get(ngx_http_tollgate_view_t *view, tg_proj_db_t db,
                          const void *key, size_t len, tg_str_t *value);

/* Reads app id's record into app.  Returns 1, or 0 if there is none. */
int ngx_http_tollgate_load_app(ngx_http_tollgate_view_t *view,
                               const u_char              id[TG_PROJ_ID_LEN],
                               tg_proj_app_t            *app);

/*
 * Reads the projection's heartbeat (Unix ms; 0 if it has none) for the
 * metrics, stale or not, opening the worker's environment if it can.
 * Returns NGX_OK, or NGX_DECLINED if the projection cannot be read.
 */
ngx_int_t ngx_http_tollgate_view_heartbeat(ngx_http_request_t       *r,
                                           ngx_http_tollgate_view_t *view,
                                           int64_t                  *heartbeat);

#endif /* NGX_HTTP_TOLLGATE_VIEW_H */
