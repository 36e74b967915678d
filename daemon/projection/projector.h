/*
 * The projector: keeps the data plane's LMDB projection current.
 *
 * It owns <data_dir>/projection/ (an LMDB environment, the format of
 * include/tollgate/projection.h) and <data_dir>/dataplane.key (the key
 * that seals secrets in it, made on first start, mode 0600).  It applies
 * the change log in order, one LMDB transaction per batch that also
 * records the last seq applied, so the projection always matches some
 * committed state of the store.  At open it catches up from that seq; a
 * thread then follows new commits, woken by the service, and polls as a
 * safety net.  Each sync that leaves nothing unapplied also writes the
 * heartbeat (about once a second, include/tollgate/projection.h), by
 * which the gateway knows that the projection is still kept current.
 * A failing sync is logged when it begins, at most once a minute while
 * it goes on, and when it ends; tg_projector_health() reports it.
 *
 * A projection whose data file is damaged (shorter than its pages, or not
 * LMDB's) is removed and rebuilt from the whole change log: at open, and
 * before each sync, so that the gateway's workers, which refuse it
 * meanwhile, find a sound one in new files.
 */

#ifndef TOLLGATE_PROJECTOR_H
#define TOLLGATE_PROJECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "service/service.h"


typedef struct tg_projector_s tg_projector_t;

typedef struct {
    const char   *data_dir; /* must outlive the projector */
    size_t        map_size; /* the LMDB map size in bytes */
    tg_service_t *service;
} tg_projector_options_t;


/*
 * Opens (creating if needed) the projection and its key, and catches up
 * with the change log.  Returns 0, or an error with a message in errbuf.
 */
int tg_projector_open(const tg_projector_options_t *options,
                      tg_projector_t **out, char *errbuf, size_t size);

/* Starts following the service's commits in a thread. */
int tg_projector_start(tg_projector_t *p);

/*
 * Also wakes it when another process commits changes to the store (a
 * shared PostgreSQL store: other nodes), in a thread of its own; nothing
 * for a store that cannot tell (SQLite).  Call after tg_projector_start().
 */
int tg_projector_follow(tg_projector_t *p, tg_store_t *store);

/* Applies every change committed so far, in the calling thread. */
int tg_projector_sync(tg_projector_t *p);

/* The last change-log seq applied. */
int64_t tg_projector_seq(tg_projector_t *p);

/* The last heartbeat written (Unix ms), 0 before the first. */
int64_t tg_projector_heartbeat(tg_projector_t *p);

/*
 * The projection's state (tg_dp_health_pt, data is p): the last seq
 * applied, when a sync last succeeded, and the failure of the syncs
 * since, if they failed.  Thread-safe; never waits for a sync.  Not
 * latest_seq, which the service adds.  tg_projector_start() makes it the
 * service's reporter.
 */
void tg_projector_health(void *data, tg_dp_health_t *out);

/* Stops the thread and closes the projection.  p may be NULL. */
void tg_projector_close(tg_projector_t *p);

#endif /* TOLLGATE_PROJECTOR_H */
