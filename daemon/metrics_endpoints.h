/*
 * tollgated's operations endpoints, GET /metrics and GET /readyz
 * (daemon/metrics.c), registered in the dialect table: a descriptor that
 * claims the two paths, with the settings they read
 * (metrics_open_loopback, ready_max_age, ready_max_lag).
 */

#ifndef TOLLGATE_METRICS_ENDPOINTS_H
#define TOLLGATE_METRICS_ENDPOINTS_H

#include "dialects.h"


extern const tg_dialect_t tg_metrics_dialect;

#endif /* TOLLGATE_METRICS_ENDPOINTS_H */
