/*
 * tollgated's operations metrics and its /metrics and /readyz endpoints
 * (see the header; docs/operations.md lists every metric).
 */

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/prom.h"
#include "tollgate/time.h"
#include "dialects/dialect_util.h"
#include "metrics.h"
#include "metrics_endpoints.h"


/* The statuses counted apart; any other is counted as "other". */
static const unsigned tg_metrics_statuses[] = {
    200, 201, 204, 400, 401, 403, 404, 405, 409, 410,
    413, 415, 422, 429, 500, 501, 502, 503, 504,
};

#define TG_METRICS_NSTATUSES \
    (sizeof(tg_metrics_statuses) / sizeof(tg_metrics_statuses[0]) + 1)

/* One more action than the table: requests that named none (refused
 * before the authorizer, or asking nothing of it, like /healthz). */
#define TG_METRICS_NACTIONS (TG_ACTION_COUNT + 1)

/* Request latency, seconds. */
static const double tg_metrics_latency_bounds[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,  0.5,    1,     2.5,  5,     10,
};
#define TG_METRICS_NLATENCY (sizeof(tg_metrics_latency_bounds) / sizeof(double))

/* Commit latency, seconds: a commit is an fsync or two. */
static const double tg_metrics_commit_bounds[] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
};
#define TG_METRICS_NCOMMIT (sizeof(tg_metrics_commit_bounds) / sizeof(double))

/* Operations per group commit (at most TG_STORE_GROUP_MAX). */
static const double tg_metrics_batch_bounds[] = { 1, 2, 4, 8, 16, 32, 64 };
#define TG_METRICS_NBATCH (sizeof(tg_metrics_batch_bounds) / sizeof(double))

typedef struct {
    atomic_uint_fast64_t counts[TG_METRICS_NLATENCY + 1];
    atomic_uint_fast64_t sum_ns;
} tg_metrics_latency_t;

typedef struct {
    atomic_uint_fast64_t requests[TG_METRICS_DIALECTS_MAX][TG_METRICS_NACTIONS]
                                 [TG_METRICS_NSTATUSES];
    tg_metrics_latency_t latency[TG_METRICS_DIALECTS_MAX];

    atomic_uint_fast64_t commit_counts[TG_METRICS_NCOMMIT + 1];
    atomic_uint_fast64_t commit_sum_ns;
    atomic_uint_fast64_t commit_failures;
    atomic_uint_fast64_t batch_counts[TG_METRICS_NBATCH + 1];
    atomic_uint_fast64_t batch_sum;
} tg_metrics_t;

/* Process-wide, like the log (see the header); zero at start. */
static tg_metrics_t tg_metrics;

/* The action of the request this thread serves, or -1. */
static _Thread_local int tg_metrics_action = -1;


static void
tg_metrics_add(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}


static uint64_t
tg_metrics_get(atomic_uint_fast64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}


/* The bucket of v among n increasing bounds (n: above them all). */
static size_t
tg_metrics_bucket(const double *bounds, size_t n, double v)
{
    size_t i;

    for (i = 0; i < n && v > bounds[i]; i++) {
        /* void */
    }
    return i;
}


int64_t
tg_metrics_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}


void
tg_metrics_action_reset(void)
{
    tg_metrics_action = -1;
}


void
tg_metrics_action_note(int action)
{
    if (tg_metrics_action < 0 && action >= 0 && action < TG_ACTION_COUNT) {
        tg_metrics_action = action;
    }
}


int
tg_metrics_action_get(void)
{
    return tg_metrics_action;
}


void
tg_metrics_action_set(int action)
{
    tg_metrics_action = action >= 0 && action < TG_ACTION_COUNT ? action : -1;
}


static size_t
tg_metrics_status_index(unsigned status)
{
    size_t i;

    for (i = 0; i + 1 < TG_METRICS_NSTATUSES; i++) {
        if (tg_metrics_statuses[i] == status) {
            return i;
        }
    }
    return TG_METRICS_NSTATUSES - 1;
}


void
tg_metrics_request(size_t dialect, unsigned status, int64_t ns)
{
    tg_metrics_latency_t *l;
    size_t                action;

    if (dialect >= TG_METRICS_DIALECTS_MAX) {
        return;
    }
    action = tg_metrics_action >= 0 ? (size_t) tg_metrics_action
                                    : TG_METRICS_NACTIONS - 1;
    ns = ns > 0 ? ns : 0;

    tg_metrics_add(
        &tg_metrics.requests[dialect][action][tg_metrics_status_index(status)],
        1);

    l = &tg_metrics.latency[dialect];
    tg_metrics_add(
        &l->counts[tg_metrics_bucket(tg_metrics_latency_bounds,
                                     TG_METRICS_NLATENCY, (double) ns / 1e9)],
        1);
    tg_metrics_add(&l->sum_ns, (uint64_t) ns);
}


void
tg_metrics_store_commit(int64_t ns, size_t batch, int failed)
{
    ns = ns > 0 ? ns : 0;

    tg_metrics_add(
        &tg_metrics.commit_counts[tg_metrics_bucket(
            tg_metrics_commit_bounds, TG_METRICS_NCOMMIT, (double) ns / 1e9)],
        1);
    tg_metrics_add(&tg_metrics.commit_sum_ns, (uint64_t) ns);
    tg_metrics_add(
        &tg_metrics.batch_counts[tg_metrics_bucket(
            tg_metrics_batch_bounds, TG_METRICS_NBATCH, (double) batch)],
        1);
    tg_metrics_add(&tg_metrics.batch_sum, batch);
    if (failed) {
        tg_metrics_add(&tg_metrics.commit_failures, 1);
    }
}


/* ---- rendering --------------------------------------------------------- */


/* Reads n counters into out. */
static void
tg_metrics_read(atomic_uint_fast64_t *c, uint64_t *out, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        out[i] = tg_metrics_get(&c[i]);
    }
}


static int
tg_metrics_render_requests(tg_buf_t *b)
{
    const tg_dialect_t *const *table;
    tg_prom_label_t            labels[3];
    char                       status[16];
    uint64_t                   v;
    size_t                     n, d, a, s;
    int                        rc;

    table = tg_dialect_table(&n);
    n = n < TG_METRICS_DIALECTS_MAX ? n : TG_METRICS_DIALECTS_MAX;

    rc = tg_prom_family(b, "tollgate_http_requests_total", "counter",
                        "Management requests answered, by dialect, "
                        "canonical action (\"none\": no action was asked) "
                        "and HTTP status.");

    for (d = 0; rc == TG_OK && d < n; d++) {
        for (a = 0; rc == TG_OK && a < TG_METRICS_NACTIONS; a++) {
            for (s = 0; rc == TG_OK && s < TG_METRICS_NSTATUSES; s++) {
                v = tg_metrics_get(&tg_metrics.requests[d][a][s]);
                if (v == 0) {
                    continue;
                }
                if (s + 1 < TG_METRICS_NSTATUSES) {
                    snprintf(status, sizeof(status), "%u",
                             tg_metrics_statuses[s]);
                } else {
                    snprintf(status, sizeof(status), "other");
                }
                labels[0] = (tg_prom_label_t){ "dialect", table[d]->name };
                labels[1] =
                    (tg_prom_label_t){ "action",
                                       a < TG_ACTION_COUNT
                                           ? tg_action_name((tg_action_t) a)
                                           : "none" };
                labels[2] = (tg_prom_label_t){ "status", status };
                rc = tg_prom_sample_u64(b, "tollgate_http_requests_total",
                                        labels, 3, v);
            }
        }
    }

    if (rc == TG_OK) {
        rc = tg_prom_family(b, "tollgate_http_request_duration_seconds",
                            "histogram",
                            "Time to answer a management request, from "
                            "dispatch to the response, by dialect.");
    }
    for (d = 0; rc == TG_OK && d < n; d++) {
        uint64_t counts[TG_METRICS_NLATENCY + 1];

        tg_metrics_read(tg_metrics.latency[d].counts, counts,
                        TG_METRICS_NLATENCY + 1);
        labels[0] = (tg_prom_label_t){ "dialect", table[d]->name };
        rc = tg_prom_histogram(
            b, "tollgate_http_request_duration_seconds", labels, 1,
            tg_metrics_latency_bounds, counts, TG_METRICS_NLATENCY,
            (double) tg_metrics_get(&tg_metrics.latency[d].sum_ns) / 1e9);
    }
    return rc;
}


static int
tg_metrics_render_store(tg_buf_t *b)
{
    uint64_t commits[TG_METRICS_NCOMMIT + 1], batches[TG_METRICS_NBATCH + 1];
    int      rc;

    tg_metrics_read(tg_metrics.commit_counts, commits, TG_METRICS_NCOMMIT + 1);
    tg_metrics_read(tg_metrics.batch_counts, batches, TG_METRICS_NBATCH + 1);

    rc =
        tg_prom_family(b, "tollgate_store_commit_duration_seconds", "histogram",
                       "Time a group commit of the store took (the "
                       "transaction's commit, its fsync included).");
    if (rc == TG_OK) {
        rc = tg_prom_histogram(
            b, "tollgate_store_commit_duration_seconds", NULL, 0,
            tg_metrics_commit_bounds, commits, TG_METRICS_NCOMMIT,
            (double) tg_metrics_get(&tg_metrics.commit_sum_ns) / 1e9);
    }
    if (rc == TG_OK) {
        rc = tg_prom_family(b, "tollgate_store_commit_batch_size", "histogram",
                            "Write operations made durable by one group "
                            "commit.");
    }
    if (rc == TG_OK) {
        rc = tg_prom_histogram(b, "tollgate_store_commit_batch_size", NULL, 0,
                               tg_metrics_batch_bounds, batches,
                               TG_METRICS_NBATCH,
                               (double) tg_metrics_get(&tg_metrics.batch_sum));
    }
    if (rc == TG_OK) {
        rc = tg_prom_family(b, "tollgate_store_commit_failures_total",
                            "counter", "Group commits that failed.");
    }
    if (rc == TG_OK) {
        rc = tg_prom_sample_u64(b, "tollgate_store_commit_failures_total", NULL,
                                0, tg_metrics_get(&tg_metrics.commit_failures));
    }
    return rc;
}


/* One gauge or counter family with one unlabelled sample. */
static int
tg_metrics_one(tg_buf_t *b, const char *name, const char *type,
               const char *help, double value)
{
    int rc = tg_prom_family(b, name, type, help);

    return rc == TG_OK ? tg_prom_sample(b, name, NULL, 0, value) : rc;
}


/* The projection's lag in seconds: how long since it was last known to
 * hold every change, 0 while it holds them all. */
static double
tg_metrics_age_s(const tg_dp_health_t *h, int64_t now_ms)
{
    if (h->last_sync_at <= 0) {
        return now_ms / 1000.0; /* never synced */
    }
    return now_ms > h->last_sync_at ? (double) (now_ms - h->last_sync_at) / 1e3
                                    : 0;
}


static int
tg_metrics_render_projection(tg_buf_t *b, const tg_dp_health_t *h)
{
    int64_t lag = h->latest_seq - h->applied_seq, now = tg_time_now_ms();
    double  age = tg_metrics_age_s(h, now);
    int     rc;

    rc = tg_metrics_one(b, "tollgate_projection_applied_seq", "gauge",
                        "The last change the gateway's projection holds.",
                        (double) h->applied_seq);
    if (rc == TG_OK) {
        rc = tg_metrics_one(b, "tollgate_projection_latest_seq", "gauge",
                            "The store's newest change.",
                            (double) h->latest_seq);
    }
    if (rc == TG_OK) {
        rc = tg_metrics_one(b, "tollgate_projection_lag_changes", "gauge",
                            "Changes the projection has not applied yet.",
                            (double) (lag > 0 ? lag : 0));
    }
    if (rc == TG_OK) {
        rc = tg_metrics_one(b, "tollgate_projection_lag_seconds", "gauge",
                            "Seconds since the projection last held every "
                            "change; 0 while it holds them all.",
                            lag > 0 ? age : 0);
    }
    if (rc == TG_OK) {
        rc = tg_metrics_one(b, "tollgate_projection_sync_age_seconds", "gauge",
                            "Seconds since the last sync of the projection "
                            "that succeeded (one runs every second).",
                            age);
    }
    if (rc == TG_OK) {
        rc = tg_metrics_one(b, "tollgate_projection_failing", "gauge",
                            "1 while the projection's syncs fail, else 0.",
                            h->failing_since != 0);
    }
    if (rc == TG_OK) {
        rc = tg_metrics_one(b, "tollgate_projection_failures", "gauge",
                            "Syncs of the projection failed in a row.",
                            (double) h->failures);
    }
    return rc;
}


static int
tg_metrics_render_occupancy(tg_buf_t *b, tg_service_t *svc)
{
    tg_service_occupancy_t o;
    tg_prom_label_t        label;
    int                    rc;

    tg_service_occupancy(svc, &o);

    rc = tg_metrics_one(b, "tollgate_signed_nonces", "gauge",
                        "Nonces of signed management calls the nonce store "
                        "remembers (expired ones until the next call).",
                        (double) o.signed_nonces);
    if (rc == TG_OK) {
        rc = tg_metrics_one(b, "tollgate_signed_nonces_capacity", "gauge",
                            "The nonce store's capacity (signed_nonces); "
                            "full, it refuses signed calls.",
                            (double) o.signed_nonces_max);
    }
    if (rc == TG_OK) {
        rc = tg_prom_family(b, "tollgate_rate_limit_buckets", "gauge",
                            "Management rate-limit buckets held in memory: "
                            "app writes per account, and calls per account "
                            "and action.");
    }
    label.name = "limit";
    label.value = "app_write";
    if (rc == TG_OK) {
        rc = tg_prom_sample_u64(b, "tollgate_rate_limit_buckets", &label, 1,
                                o.write_buckets);
    }
    label.value = "action";
    if (rc == TG_OK) {
        rc = tg_prom_sample_u64(b, "tollgate_rate_limit_buckets", &label, 1,
                                o.action_buckets);
    }
    return rc;
}


int
tg_metrics_render(tg_buf_t *b, tg_service_t *svc)
{
    tg_dp_health_t h;
    tg_error_t     err;
    int            rc;

    memset(&err, 0, sizeof(err));

    rc = tg_metrics_render_requests(b);
    if (rc == TG_OK) {
        rc = tg_metrics_render_store(b);
    }
    if (rc == TG_OK) {
        rc = tg_metrics_render_occupancy(b, svc);
    }
    if (rc == TG_OK) {
        rc = tg_service_dp_health(svc, &h, &err);
        if (rc == TG_OK && h.reported) {
            rc = tg_metrics_render_projection(b, &h);
        }
    }
    return rc;
}


/* ---- the endpoints ------------------------------------------------------ */


typedef struct {
    char   *open_loopback; /* "on": /metrics needs no key from loopback */
    double  ready_max_age; /* seconds */
    int64_t ready_max_lag; /* changes; 0: no bound */
} tg_metrics_settings_t;

typedef struct {
    tg_service_t *svc;
    int           open_loopback;
    double        ready_max_age;
    int64_t       ready_max_lag;
} tg_metrics_endpoints_t;

/* clang-format off */

static const tg_setting_t tg_metrics_settings[] = {
    { "metrics_open_loopback", TG_SETTING_STRING,
      offsetof(tg_metrics_settings_t, open_loopback), "off", 0, 0, "on|off",
      "on: GET /metrics answers a client on a loopback address without an "
      "access key (others still need one)" },
    { "ready_max_age", TG_SETTING_NUMBER,
      offsetof(tg_metrics_settings_t, ready_max_age), "10", 0.001, 86400,
      NULL,
      "GET /readyz fails when the projection's last good sync is older "
      "than this, in seconds" },
    { "ready_max_lag", TG_SETTING_INT,
      offsetof(tg_metrics_settings_t, ready_max_lag), "0", 0, 1e12, NULL,
      "GET /readyz fails when the projection is more changes than this "
      "behind the store (0: no bound)" },
};

/* clang-format on */


static int
tg_metrics_create(tg_service_t *svc, const void *settings, void **out)
{
    const tg_metrics_settings_t *s = settings;
    tg_metrics_endpoints_t      *m;
    size_t                       n;

    (void) tg_dialect_table(&n);
    if (n > TG_METRICS_DIALECTS_MAX) {
        return TG_EINTERNAL; /* raise TG_METRICS_DIALECTS_MAX */
    }

    m = calloc(1, sizeof(tg_metrics_endpoints_t));
    if (m == NULL) {
        return TG_ENOMEM;
    }
    m->svc = svc;
    m->open_loopback =
        s->open_loopback != NULL && strcmp(s->open_loopback, "on") == 0;
    m->ready_max_age = s->ready_max_age > 0 ? s->ready_max_age : 10;
    m->ready_max_lag = s->ready_max_lag;
    *out = m;
    return TG_OK;
}


static void
tg_metrics_destroy(void *m)
{
    free(m);
}


static tg_claim_t
tg_metrics_claim(const tg_claim_request_t *req)
{
    tg_str_t path = tg_str_c(req->path);

    return tg_str_eq_c(path, "/metrics") || tg_str_eq_c(path, "/readyz")
               ? TG_CLAIM_PATH
               : TG_CLAIM_NONE;
}


/* Answers with a JSON body (taken), or 500 without one. */
static void
tg_metrics_json(tg_http_response_t *res, unsigned status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;

    json_decref(body);
    if (text == NULL || tg_buf_append_c(&res->body, text) != TG_OK) {
        res->status = 500;
    } else {
        res->status = status;
    }
    free(text);
}


/* Answers an error in the native API's shape. */
static void
tg_metrics_fail(tg_http_request_t *req, tg_http_response_t *res,
                const tg_error_t *err)
{
    int code = err->code != TG_OK ? err->code : TG_EINTERNAL;

    if (code == TG_EUNAUTHENTICATED) {
        tg_http_response_header(res, "WWW-Authenticate",
                                "Basic realm=\"tollgate\", charset=\"UTF-8\"");
    }
    tg_metrics_json(
        res, tg_err_http_status(code),
        json_pack("{s:{s:s,s:s,s:s}}", "error", "code", tg_err_name(code),
                  "message",
                  err->detail[0] != '\0' ? err->detail : tg_strerror(code),
                  "request_id", tg_http_request_id(req)));
}


/* Whether the client's address is a loopback one. */
static int
tg_metrics_loopback(const char *addr)
{
    return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0
           || strncasecmp(addr, "::ffff:127.", 11) == 0;
}


/*
 * Authenticates the request's HTTP Basic access key into actor.  Returns
 * 0, or TG_EUNAUTHENTICATED (or a service error) in err.
 */
static int
tg_metrics_authenticate(tg_service_t *svc, tg_http_request_t *req,
                        tg_actor_t *actor, tg_error_t *err)
{
    return tg_dialect_basic_authenticate(
        svc, tg_http_header(req, "Authorization"), actor, err);
}


/* GET /metrics: an admin key, a key granted apigateway:DescribeMetrics,
 * or (metrics_open_loopback) any client on loopback. */
static void
tg_metrics_scrape(tg_metrics_endpoints_t *m, tg_http_request_t *req,
                  tg_http_response_t *res)
{
    tg_actor_t actor;
    tg_error_t err;
    int        rc;

    memset(&err, 0, sizeof(err));
    tg_dialect_actor_init(&actor, req);

    if (!(m->open_loopback && tg_http_header(req, "Authorization") == NULL
          && tg_metrics_loopback(tg_http_remote(req))))
    {
        rc = tg_metrics_authenticate(m->svc, req, &actor, &err);
        if (rc == TG_OK) {
            tg_http_set_actor(req, actor.key_id);
            rc = tg_service_metrics_authorize(m->svc, &actor, &err);
        }
        if (rc != TG_OK) {
            tg_metrics_fail(req, res, &err);
            return;
        }
    }

    rc = tg_metrics_render(&res->body, m->svc);
    if (rc != TG_OK) {
        tg_buf_free(&res->body);
        tg_error_code(&err, rc);
        tg_metrics_fail(req, res, &err);
        return;
    }
    res->status = 200;
    res->content_type = TG_PROM_CONTENT_TYPE;
}


/*
 * GET /readyz: 200 when the projection is current enough for the
 * gateway to serve, else 503; both with the projection's lag.  Like
 * /healthz it needs no key and says nothing secret.
 */
static void
tg_metrics_ready(tg_metrics_endpoints_t *m, tg_http_request_t *req,
                 tg_http_response_t *res)
{
    tg_dp_health_t h;
    tg_error_t     err;
    const char    *reason = NULL;
    int64_t        lag;
    double         age;

    memset(&err, 0, sizeof(err));
    if (tg_service_dp_health(m->svc, &h, &err) != TG_OK) {
        tg_metrics_fail(req, res, &err);
        return;
    }

    lag = h.latest_seq - h.applied_seq;
    age = tg_metrics_age_s(&h, tg_time_now_ms());

    if (!h.reported) {
        reason = "no projection is kept";
    } else if (h.store_down) {
        reason = "the store does not answer";
    } else if (h.failing_since != 0) {
        reason = "the projection's syncs fail";
    } else if (age > m->ready_max_age) {
        reason = "the projection's last good sync is older than "
                 "ready_max_age";
    } else if (m->ready_max_lag > 0 && lag > m->ready_max_lag) {
        reason = "the projection is more than ready_max_lag changes behind";
    }

    tg_metrics_json(
        res, reason == NULL ? 200 : 503,
        json_pack("{s:s, s:s?, s:{s:I, s:f, s:f, s:I, s:I, s:b, s:s?}}",
                  "status", reason == NULL ? "ready" : "not_ready", "reason",
                  reason, "projection", "lag_changes",
                  (json_int_t) (lag > 0 ? lag : 0), "lag_seconds",
                  lag > 0 ? age : 0.0, "sync_age_seconds", age, "applied_seq",
                  (json_int_t) h.applied_seq, "latest_seq",
                  (json_int_t) h.latest_seq, "failing", h.failing_since != 0,
                  "error", h.error[0] != '\0' ? h.error : NULL));
}


static void
tg_metrics_handle(void *data, tg_http_request_t *req, tg_http_response_t *res)
{
    tg_metrics_endpoints_t *m = data;
    tg_error_t              err;

    memset(&err, 0, sizeof(err));

    if (strcmp(tg_http_method(req), "GET") != 0) {
        tg_http_response_header(res, "Allow", "GET");
        tg_error_code(&err, TG_EMETHOD);
        tg_metrics_fail(req, res, &err);
        return;
    }

    if (strcmp(tg_http_path(req), "/metrics") == 0) {
        tg_metrics_scrape(m, req, res);
    } else {
        tg_metrics_ready(m, req, res);
    }
}


const tg_dialect_t tg_metrics_dialect = {
    .name = "metrics",
    .settings = tg_metrics_settings,
    .nsettings = sizeof(tg_metrics_settings) / sizeof(tg_metrics_settings[0]),
    .settings_size = sizeof(tg_metrics_settings_t),
    .create = tg_metrics_create,
    .destroy = tg_metrics_destroy,
    .claim = tg_metrics_claim,
    .handle = tg_metrics_handle,
};
