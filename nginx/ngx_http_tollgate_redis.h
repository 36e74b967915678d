/*
 * The gateway's optional cluster-wide data plane: the nonces that
 * signatures spend and each app's rate-limit bucket, kept in one Redis
 * that every gateway of a cluster shares (tollgate_redis), instead of in
 * the node's shared-memory zone.  Off unless tollgate_redis is set.
 *
 * The checks run after everything else admitted the call, in one round
 * trip: a Lua script claims the nonce (SET NX PX) and takes a token from
 * the app's bucket, atomically.  The worker never blocks on Redis: each
 * worker has one connection, driven by nginx's event loop through
 * hiredis's asynchronous API, and a request that needs Redis is suspended
 * until the reply, or its timeout (tollgate_redis_timeout), resumes it.
 * When Redis is down, slow or failing, the request is decided by the
 * node-local zone (tollgate_redis_fail local, the default) or refused
 * with 503 (closed).  See docs/gateway.md, "Cluster-wide limits with
 * Redis".
 *
 * The core (ngx_http_tollgate_module.c) calls in at three points: where a
 * scheme spends a nonce, where the rate limit is taken, and once the call
 * is admitted.  The state is the module's: per worker in its main
 * configuration, per request in its request context.
 */

#ifndef NGX_HTTP_TOLLGATE_REDIS_H
#define NGX_HTTP_TOLLGATE_REDIS_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/str.h"
#include "ngx_http_tollgate_scheme.h"


extern ngx_module_t ngx_http_tollgate_redis_module;


/* Whether tollgate_redis is set: nonces and rate limits are then
 * deferred (the two functions below) and decided by
 * ngx_http_tollgate_redis_outcome(). */
ngx_int_t ngx_http_tollgate_redis_enabled(ngx_http_request_t *r);

/*
 * Defers the claim of nonce for key (an AppKey) until expires_ms (the
 * wall clock), for the app call->app; ts_ms, its signed timestamp (-1:
 * none), places it in the zone if the call is decided there.  Returns NGX_OK,
 * NGX_ABORT if key and nonce are too long together (as the zone's limit), or
 * NGX_ERROR (out of memory).
 */
ngx_int_t ngx_http_tollgate_redis_nonce(ngx_http_tollgate_call_t *call,
                                        tg_str_t key, tg_str_t nonce,
                                        int64_t ts_ms, int64_t expires_ms);

/*
 * Defers taking a token from the bucket of the app call->app (rate per
 * second, burst).  Returns NGX_OK, or NGX_DECLINED with call->failure set
 * (out of memory).
 */
ngx_int_t ngx_http_tollgate_redis_rate(ngx_http_tollgate_call_t *call,
                                       ngx_uint_t rate, ngx_uint_t burst);

/*
 * Decides what was deferred for the admitted request r.  Returns NGX_OK
 * when the call passes (or nothing was deferred); NGX_AGAIN while r waits
 * for Redis: the reply or the timeout runs r's phases again, and the
 * caller calls again then; NGX_DECLINED with *reason set (a nonce used, a
 * rate limit with Retry-After set, Redis unavailable when failing
 * closed).  Without Redis, the call is decided by zone, as without
 * tollgate_redis.  Once decided, the answer stays the same.
 */
ngx_int_t ngx_http_tollgate_redis_outcome(ngx_http_request_t *r,
                                          ngx_shm_zone_t     *zone,
                                          ngx_uint_t         *reason);

#endif /* NGX_HTTP_TOLLGATE_REDIS_H */
