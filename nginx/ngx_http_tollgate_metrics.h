/*
 * The gateway's metrics: counters in shared memory, added to by every
 * worker with atomic operations (no lock on the request path), and a
 * location (tollgate_metrics;) that serves them in the Prometheus text
 * format with what the zone and the projection show at that moment.
 *
 * Counted: calls verified by scheme; calls refused by scheme (none when
 * the call carried no credential) and neutral reason; and, with
 * tollgate_metrics_per_app N, the same per app for the first N apps seen
 * (one slot each, claimed for good), the rest counted together under
 * app="_other".  Only apps from the projection take a slot, never a
 * caller's text.  docs/operations.md lists the metrics.
 *
 * The counters live in their own zone, "tollgate_metrics", sized for N;
 * a reload with the same N keeps them, another N starts them afresh.
 */

#ifndef NGX_HTTP_TOLLGATE_METRICS_H
#define NGX_HTTP_TOLLGATE_METRICS_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_tollgate_scheme.h"
#include "ngx_http_tollgate_view.h"


/* The most apps counted apart (tollgate_metrics_per_app). */
#define NGX_TOLLGATE_METRICS_APPS_MAX 10000

/* The main configuration's part for the metrics. */
typedef struct {
    ngx_int_t                 per_app; /* tollgate_metrics_per_app */
    ngx_shm_zone_t           *shm;     /* the counters; NULL: none */
    ngx_shm_zone_t           *zone;    /* nonces and buckets */
    ngx_http_tollgate_view_t *view;
    ngx_msec_t                max_age; /* the projection's, 0: off */
} ngx_http_tollgate_metrics_conf_t;


/*
 * Adds the counters' zone, at the end of the main configuration, for a
 * module in use (zone and view set).  Returns NGX_CONF_OK or
 * NGX_CONF_ERROR after logging why.
 */
char *ngx_http_tollgate_metrics_init_conf(ngx_conf_t                       *cf,
                                          ngx_http_tollgate_metrics_conf_t *mc);

/* tollgate_metrics; in a location: it answers with the metrics. */
char *ngx_http_tollgate_metrics_location(ngx_conf_t *cf, ngx_command_t *cmd,
                                         void *conf);

/* Counts a call verified with scheme, for app (TG_PROJ_ID_LEN bytes). */
void ngx_http_tollgate_metrics_verified(ngx_http_tollgate_metrics_conf_t *mc,
                                        const ngx_http_tollgate_scheme_t *s,
                                        const u_char                     *app);

/* Counts a call refused for reason; scheme NULL if it carried no
 * credential, app NULL if none was found. */
void ngx_http_tollgate_metrics_refused(ngx_http_tollgate_metrics_conf_t *mc,
                                       const ngx_http_tollgate_scheme_t *s,
                                       ngx_uint_t reason, const u_char *app);

/* The metrics' configuration for r (ngx_http_tollgate_module.c). */
ngx_http_tollgate_metrics_conf_t *
ngx_http_tollgate_metrics_conf(ngx_http_request_t *r);

#endif /* NGX_HTTP_TOLLGATE_METRICS_H */
