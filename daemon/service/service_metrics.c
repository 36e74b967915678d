/*
 * What the operations' metrics (daemon/metrics.c) read of the service:
 * the occupancy of its bounded in-memory tables, and who may read them.
 */

#include "tollgate/nonce.h"
#include "service/service_int.h"


void
tg_service_occupancy(tg_service_t *svc, tg_service_occupancy_t *out)
{
    pthread_mutex_lock(&svc->nonce_lock);
    out->signed_nonces = tg_nonce_cache_size(svc->nonces);
    pthread_mutex_unlock(&svc->nonce_lock);
    out->signed_nonces_max = (uint64_t) tg_service_limits(svc).signed_nonces;

    pthread_mutex_lock(&svc->lock);
    out->write_buckets = svc->nbuckets;
    out->action_buckets = svc->naction_buckets;
    pthread_mutex_unlock(&svc->lock);
}


int
tg_service_metrics_authorize(tg_service_t *svc, const tg_actor_t *actor,
                             tg_error_t *err)
{
    tg_resource_t res;

    tg_resource_init(&res, svc->region, TG_RESOURCE_METRICS, TG_STR_NULL,
                     TG_STR_NULL);
    return tg_authorize(actor, TG_ACTION_DESCRIBE_METRICS, &res, err);
}
