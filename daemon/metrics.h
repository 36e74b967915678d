/*
 * tollgated's operations metrics, and its /metrics and /readyz endpoints.
 *
 * The counters are process-wide, like the log: one tollgated has one
 * store, one projection and one HTTP server.  They are relaxed atomics,
 * so counting on the request path takes no lock; a scrape reads each
 * counter once and may see a request counted in one family and not yet
 * in another, which Prometheus tolerates.  A histogram's _count is the
 * total of the buckets it printed, so the two always agree.
 *
 * What is counted, and by whom:
 *   - requests, by dialect, canonical action and status, and their
 *     latency by dialect: tg_dialect_set_dispatch() (dialects.c), with
 *     the action the authorizer noted on the request's thread;
 *   - the store's group commits, their latency and batch sizes:
 *     tg_group_commit() (store/store.c);
 *   - at scrape time: the projection's lag and health, and the
 *     occupancy of the service's rate buckets and nonce store.
 *
 * The endpoints are registered as a dialect (tg_metrics_dialect, in
 * metrics_endpoints.h) that claims GET /metrics and GET /readyz by path;
 * docs/operations.md has the metrics and the settings.  This header
 * depends on nothing, so that the store and the authorizer can count.
 */

#ifndef TOLLGATE_METRICS_H
#define TOLLGATE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/str.h"

/* The service (service/service.h), which only tg_metrics_render() reads. */
typedef struct tg_service_s tg_service_t;


/* The dialects whose requests are counted apart, in table order; the
 * table is checked against it when the endpoints start. */
#define TG_METRICS_DIALECTS_MAX 12


/* Forgets the action noted on this thread: called before a request. */
void tg_metrics_action_reset(void);

/*
 * Notes that the request this thread serves asks for action (a
 * tg_action_t): the first noted is the request's.  Called by the
 * authorizer.
 */
void tg_metrics_action_note(int action);

/*
 * The action noted on this thread (-1: none), and replacing it: the
 * store carries a durable write's to the thread that runs its body
 * (tg_txn_run()), and the body's back.
 */
int  tg_metrics_action_get(void);
void tg_metrics_action_set(int action);

/* Counts a request answered by dialect (its index in the table) with
 * status, in ns nanoseconds, with the action noted on this thread. */
void tg_metrics_request(size_t dialect, unsigned status, int64_t ns);

/* Counts a group commit of batch operations that took ns nanoseconds;
 * failed: the commit failed. */
void tg_metrics_store_commit(int64_t ns, size_t batch, int failed);

/* A monotonic clock in nanoseconds, for the durations above. */
int64_t tg_metrics_now_ns(void);

/*
 * Appends every metric, in the text exposition format, to b: the
 * counters, then what svc reports now (projection, occupancy).
 * Returns 0, TG_ENOMEM, or the service's error reading the projection's
 * state (then b holds the counters only).
 */
int tg_metrics_render(tg_buf_t *b, tg_service_t *svc);

#endif /* TOLLGATE_METRICS_H */
