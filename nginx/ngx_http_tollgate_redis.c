/*
 * ngx_http_tollgate_redis_module: nonces and rate limits shared by every
 * gateway of a cluster, in Redis (see ngx_http_tollgate_redis.h).
 *
 * Per worker: one hiredis asynchronous context whose socket is an nginx
 * connection (ngx_get_connection), its read and write events registered
 * level-triggered while hiredis wants them, so that the event loop runs
 * redisAsyncHandleRead/Write and nothing ever blocks.  A connection is
 * usable ("ready") once Redis answered the SCRIPT LOAD sent first on it;
 * until then, and while it is down, requests are decided without Redis at
 * once.  A lost or refused connection is tried again after a backoff
 * (100 ms doubling to 2 s).  A Redis that stops answering (a timeout
 * whose reply has not come) makes new requests skip it at once; if it
 * stays silent for NGX_TOLLGATE_REDIS_STALL_MS, the connection is dropped
 * and made again.
 *
 * Per request: what the core deferred (the nonce, the bucket), sent as
 * one EVALSHA when the call is admitted; the request waits with its main
 * count raised and a timer; the reply (or the timer) posts the request's
 * event, which runs its phases again.  A command in flight is an "op"
 * owned by hiredis (it calls every callback exactly once, with NULL when
 * the connection goes); a request that ends first only unlinks itself.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <openssl/evp.h>

#include "tollgate/error.h"
#include "tollgate/redis_key.h"
#include "ngx_http_tollgate_redis.h"
#include "ngx_http_tollgate_zone.h"


#define NGX_TOLLGATE_REDIS_PORT        6379
#define NGX_TOLLGATE_REDIS_TIMEOUT     50   /* ms, tollgate_redis_timeout */
#define NGX_TOLLGATE_REDIS_CONNECT_MS  1000 /* connect and SCRIPT LOAD */
#define NGX_TOLLGATE_REDIS_STALL_MS    1000 /* silent this long: reconnect */
#define NGX_TOLLGATE_REDIS_BACKOFF_MIN 100
#define NGX_TOLLGATE_REDIS_BACKOFF_MAX 2000
#define NGX_TOLLGATE_REDIS_INFLIGHT    4096 /* commands waiting, at most */
#define NGX_TOLLGATE_REDIS_LOG_EVERY   1000 /* ms between error reports */
#define NGX_TOLLGATE_REDIS_PASSWORD    256  /* bytes, at most */

#define NGX_TOLLGATE_REDIS_FAIL_LOCAL  1
#define NGX_TOLLGATE_REDIS_FAIL_CLOSED 2

/* The script's answers (its first element). */
#define NGX_TOLLGATE_REDIS_PASS       0
#define NGX_TOLLGATE_REDIS_NONCE_USED 1
#define NGX_TOLLGATE_REDIS_THROTTLED  2


/*
 * One round trip: claims the nonce (KEYS[1], unless ARGV[1] is "r") for
 * ARGV[2] ms, then takes a token from the bucket (the last key, unless
 * ARGV[1] is "n") at ARGV[3] tokens a second up to ARGV[4].  The bucket
 * is lib/ratelimit.c's, on Redis's clock (TIME): a hash of tokens "t" and
 * the time "l" they were counted, expiring once it would be full again.
 * Answers {0, 0} (passes), {1, 0} (nonce used: no token is taken) or
 * {2, retry ms}.  Redis 5 or later (a write after TIME).
 */
static const char ngx_http_tollgate_redis_script[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local mode, k = ARGV[1], 1\n"
    "if mode ~= 'r' then\n"
    "  if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then\n"
    "    return {1, 0}\n"
    "  end\n"
    "  k = 2\n"
    "end\n"
    "if mode ~= 'n' then\n"
    "  local rate, burst = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "  local b = redis.call('HMGET', KEYS[k], 't', 'l')\n"
    "  local tokens, last = tonumber(b[1]), tonumber(b[2])\n"
    "  if tokens == nil or last == nil then\n"
    "    tokens, last = burst, now\n"
    "  elseif now > last then\n"
    "    tokens = math.min(burst, tokens + (now - last) * rate / 1000)\n"
    "    last = now\n"
    "  end\n"
    "  if tokens < 1 - 1e-9 then\n"
    "    return {2, math.max(1, math.ceil((1 - 0.5e-9 - tokens) * 1000 / "
    "rate))}\n"
    "  end\n"
    "  redis.call('HSET', KEYS[k], 't', tokens - 1, 'l', last)\n"
    "  redis.call('PEXPIRE', KEYS[k], math.ceil(burst * 1000 / rate) + 1000)\n"
    "end\n"
    "return {0, 0}\n";


typedef struct ngx_http_tollgate_redis_ctx_s ngx_http_tollgate_redis_ctx_t;

/* The worker's connection, and the configuration (tollgate_redis*). */
typedef struct {
    ngx_str_t  address; /* as written, for the log */
    char      *host;    /* an IP address, or a Unix socket's path */
    int        port;    /* 0: host is a Unix socket */
    ngx_msec_t timeout;
    ngx_uint_t fail;
    char       sha[41]; /* the script's SHA-1, hex, NUL-terminated */
    ngx_str_t  password_file;
    ngx_str_t  password; /* empty: no AUTH; wiped with the configuration */

    redisAsyncContext *ac;
    ngx_connection_t  *conn;
    ngx_log_t         *log;
    ngx_event_t        reconnect; /* the backoff's timer */
    ngx_event_t        watchdog;  /* connecting too long, or stalled */
    ngx_msec_t         backoff;
    ngx_msec_t         logged; /* when an error was last reported */
    ngx_uint_t         inflight;
    unsigned           ready : 1;    /* connected, and the script loaded */
    unsigned           stalled : 1;  /* a reply is overdue */
    unsigned           degraded : 1; /* deciding without Redis, reported */
    unsigned           exiting : 1;
    unsigned           writing : 1; /* in redisAsyncHandleWrite() */
} ngx_http_tollgate_redis_conf_t;

/* A command in flight; hiredis's callback frees it. */
typedef struct {
    ngx_http_tollgate_redis_conf_t *rcf;
    ngx_http_tollgate_redis_ctx_t  *ctx;      /* NULL once the request left */
    unsigned                        eval : 1; /* sent as EVAL */
} ngx_http_tollgate_redis_op_t;

enum {
    NGX_TOLLGATE_REDIS_DEFERRED = 0,
    NGX_TOLLGATE_REDIS_WAITING,
    NGX_TOLLGATE_REDIS_ANSWERED,
    NGX_TOLLGATE_REDIS_DECIDED
};

/* A request's deferred checks. */
struct ngx_http_tollgate_redis_ctx_s {
    ngx_http_request_t           *r;
    ngx_http_tollgate_redis_op_t *op;
    ngx_event_t                   event; /* the timeout; the resumption */
    ngx_uint_t                    state;
    int64_t                       now_ms;
    u_char                        app[TG_PROJ_ID_LEN];
    ngx_str_t                     key, nonce; /* copies */
    int64_t                       nonce_ttl_ms;
    int64_t                       nonce_ts; /* signed; -1: none */
    ngx_uint_t                    rate, burst;
    unsigned                      has_nonce : 1;
    unsigned                      has_rate : 1;
    unsigned                      unanswered : 1; /* decide without Redis */
    ngx_int_t                     answer; /* NGX_TOLLGATE_REDIS_PASS... */
    int64_t                       retry_ms;
    ngx_int_t                     rc; /* once decided */
    ngx_uint_t                    reason;
};


static void *ngx_http_tollgate_redis_create_conf(ngx_conf_t *cf);
static char *ngx_http_tollgate_redis_init_conf(ngx_conf_t *cf, void *conf);
static char *ngx_http_tollgate_redis_address(ngx_conf_t *cf, ngx_command_t *cmd,
                                             void *conf);
static char *ngx_http_tollgate_redis_password(ngx_conf_t    *cf,
                                              ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_tollgate_redis_init_process(ngx_cycle_t *cycle);
static void      ngx_http_tollgate_redis_exit_process(ngx_cycle_t *cycle);
static void
ngx_http_tollgate_redis_connect(ngx_http_tollgate_redis_conf_t *rcf);


static ngx_conf_enum_t ngx_http_tollgate_redis_fail_modes[] = {
    { ngx_string("local"), NGX_TOLLGATE_REDIS_FAIL_LOCAL },
    { ngx_string("closed"), NGX_TOLLGATE_REDIS_FAIL_CLOSED },
    { ngx_null_string, 0 }
};


static ngx_command_t ngx_http_tollgate_redis_commands[] = {

    { ngx_string("tollgate_redis"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
      ngx_http_tollgate_redis_address, NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL },

    { ngx_string("tollgate_redis_password_file"),
      NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_http_tollgate_redis_password,
      NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL },

    { ngx_string("tollgate_redis_timeout"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot, NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_tollgate_redis_conf_t, timeout), NULL },

    { ngx_string("tollgate_redis_fail"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot, NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_tollgate_redis_conf_t, fail),
      &ngx_http_tollgate_redis_fail_modes },

    ngx_null_command
};


static ngx_http_module_t ngx_http_tollgate_redis_module_ctx = {
    NULL,                                /* preconfiguration */
    NULL,                                /* postconfiguration */
    ngx_http_tollgate_redis_create_conf, /* create main configuration */
    ngx_http_tollgate_redis_init_conf,   /* init main configuration */
    NULL,                                /* create server configuration */
    NULL,                                /* merge server configuration */
    NULL,                                /* create location configuration */
    NULL                                 /* merge location configuration */
};


ngx_module_t ngx_http_tollgate_redis_module = {
    NGX_MODULE_V1,
    &ngx_http_tollgate_redis_module_ctx,  /* module context */
    ngx_http_tollgate_redis_commands,     /* module directives */
    NGX_HTTP_MODULE,                      /* module type */
    NULL,                                 /* init master */
    NULL,                                 /* init module */
    ngx_http_tollgate_redis_init_process, /* init process */
    NULL,                                 /* init thread */
    NULL,                                 /* exit thread */
    ngx_http_tollgate_redis_exit_process, /* exit process */
    NULL,                                 /* exit master */
    NGX_MODULE_V1_PADDING
};


/* ---- configuration ---------------------------------------------------- */


static void *
ngx_http_tollgate_redis_create_conf(ngx_conf_t *cf)
{
    ngx_http_tollgate_redis_conf_t *rcf;

    rcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_tollgate_redis_conf_t));
    if (rcf == NULL) {
        return NULL;
    }
    rcf->timeout = NGX_CONF_UNSET_MSEC;
    rcf->fail = NGX_CONF_UNSET_UINT;
    return rcf;
}


/* The script's SHA-1 in hex, for EVALSHA. */
static ngx_int_t
ngx_http_tollgate_redis_script_sha(char *hex)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char     md[EVP_MAX_MD_SIZE];
    unsigned int      len, i;

    if (EVP_Digest(ngx_http_tollgate_redis_script,
                   sizeof(ngx_http_tollgate_redis_script) - 1, md, &len,
                   EVP_sha1(), NULL)
            != 1
        || len != 20)
    {
        return NGX_ERROR;
    }
    for (i = 0; i < len; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0xf];
    }
    hex[2 * len] = '\0';
    return NGX_OK;
}


static char *
ngx_http_tollgate_redis_init_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_tollgate_redis_conf_t *rcf = conf;

    ngx_conf_init_msec_value(rcf->timeout, NGX_TOLLGATE_REDIS_TIMEOUT);
    ngx_conf_init_uint_value(rcf->fail, NGX_TOLLGATE_REDIS_FAIL_LOCAL);
    if (rcf->timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate_redis_timeout must be more than 0");
        return NGX_CONF_ERROR;
    }
    if (rcf->host != NULL
        && ngx_http_tollgate_redis_script_sha(rcf->sha) != NGX_OK) {
        return NGX_CONF_ERROR;
    }
    return NGX_CONF_OK;
}


/*
 * tollgate_redis ADDRESS;  host[:port] (6379), or unix:/path.  A name is
 * resolved here, once, so that no worker ever waits for a resolver.
 */
static char *
ngx_http_tollgate_redis_address(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_redis_conf_t *rcf = conf;
    ngx_str_t                      *value = cf->args->elts;
    ngx_url_t                       u;
    u_char                          text[NGX_SOCKADDR_STRLEN + 1];
    size_t                          len;

    if (rcf->host != NULL) {
        return "is duplicate";
    }

    ngx_memzero(&u, sizeof(ngx_url_t));
    u.url = value[1];
    u.default_port = NGX_TOLLGATE_REDIS_PORT;
    if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s in tollgate_redis \"%V\"",
                           u.err != NULL ? u.err : "no address", &u.url);
        return NGX_CONF_ERROR;
    }

#if (NGX_HAVE_UNIX_DOMAIN)
    if (u.family == AF_UNIX) {
        len = u.host.len;
        rcf->host = ngx_pnalloc(cf->pool, len + 1);
        if (rcf->host == NULL) {
            return NGX_CONF_ERROR;
        }
        ngx_memcpy(rcf->host, u.host.data, len);
        rcf->host[len] = '\0';
        rcf->port = 0;
        rcf->address = value[1];
        return NGX_CONF_OK;
    }
#endif

    len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, text,
                        NGX_SOCKADDR_STRLEN, 0);
    rcf->host = ngx_pnalloc(cf->pool, len + 1);
    if (rcf->host == NULL) {
        return NGX_CONF_ERROR;
    }
    ngx_memcpy(rcf->host, text, len);
    rcf->host[len] = '\0';
    rcf->port = (int) ngx_inet_get_port(u.addrs[0].sockaddr);
    rcf->address = value[1];
    return NGX_CONF_OK;
}


static void
ngx_http_tollgate_redis_wipe(void *data)
{
    ngx_str_t *password = data;

    if (password->data != NULL) {
        ngx_explicit_memzero(password->data, NGX_TOLLGATE_REDIS_PASSWORD + 1);
    }
}


/*
 * tollgate_redis_password_file FILE;  the password Redis asks for (AUTH,
 * requirepass), read once here, a last newline left out.  In a file, not
 * in the configuration (which nginx -T prints), as tollgate_key_file.
 */
static char *
ngx_http_tollgate_redis_password(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_tollgate_redis_conf_t *rcf = conf;
    ngx_str_t                      *value = cf->args->elts;
    ngx_pool_cleanup_t             *cln;
    ngx_file_t                      file;
    ssize_t                         n;

    if (rcf->password_file.data != NULL) {
        return "is duplicate";
    }
    rcf->password_file = value[1];

    /* Registered first, so that the password is wiped on every path. */
    cln = ngx_pool_cleanup_add(cf->pool, 0);
    rcf->password.data = ngx_pnalloc(cf->pool, NGX_TOLLGATE_REDIS_PASSWORD + 1);
    if (cln == NULL || rcf->password.data == NULL) {
        return NGX_CONF_ERROR;
    }
    cln->handler = ngx_http_tollgate_redis_wipe;
    cln->data = &rcf->password;

    if (ngx_conf_full_name(cf->cycle, &rcf->password_file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }
    ngx_memzero(&file, sizeof(ngx_file_t));
    file.name = rcf->password_file;
    file.log = cf->log;
    file.fd = ngx_open_file(file.name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "tollgate_redis_password_file \"%V\" cannot be "
                           "opened",
                           &file.name);
        return NGX_CONF_ERROR;
    }
    n = ngx_read_file(&file, rcf->password.data,
                      NGX_TOLLGATE_REDIS_PASSWORD + 1, 0);
    ngx_close_file(file.fd);

    if (n > 0 && rcf->password.data[n - 1] == '\n') {
        n--;
    }
    if (n > 0 && rcf->password.data[n - 1] == '\r') {
        n--;
    }
    if (n <= 0 || n > NGX_TOLLGATE_REDIS_PASSWORD) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "tollgate_redis_password_file \"%V\" must hold "
                           "1 to %d bytes",
                           &file.name, NGX_TOLLGATE_REDIS_PASSWORD);
        return NGX_CONF_ERROR;
    }
    rcf->password.len = (size_t) n;
    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_tollgate_redis_enabled(ngx_http_request_t *r)
{
    ngx_http_tollgate_redis_conf_t *rcf;

    rcf = ngx_http_get_module_main_conf(r, ngx_http_tollgate_redis_module);
    return rcf != NULL && rcf->host != NULL;
}


/* ---- the worker's connection: hiredis on nginx's event loop ----------- */


/* Reports an error, at most once a second (a down Redis is not a flood). */
static void
ngx_http_tollgate_redis_report(ngx_http_tollgate_redis_conf_t *rcf,
                               ngx_uint_t level, const char *what,
                               const char *detail)
{
    if (rcf->logged != 0
        && ngx_current_msec - rcf->logged < NGX_TOLLGATE_REDIS_LOG_EVERY)
    {
        return;
    }
    rcf->logged = ngx_current_msec;
    if (rcf->logged == 0) {
        rcf->logged = 1;
    }
    ngx_log_error(level, rcf->log, 0, "tollgate: Redis \"%V\": %s%s%s",
                  &rcf->address, what, detail != NULL ? ": " : "",
                  detail != NULL ? detail : "");
}


static void
ngx_http_tollgate_redis_add_read(void *data)
{
    ngx_http_tollgate_redis_conf_t *rcf = data;

    if (rcf->conn != NULL && !rcf->conn->read->active) {
        (void) ngx_add_event(rcf->conn->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_tollgate_redis_del_read(void *data)
{
    ngx_http_tollgate_redis_conf_t *rcf = data;

    if (rcf->conn != NULL && rcf->conn->read->active) {
        (void) ngx_del_event(rcf->conn->read, NGX_READ_EVENT, 0);
    }
}


/*
 * hiredis has output.  While connecting, the write event says when the
 * connection is made.  Once connected, the write is posted instead: the
 * commands of every call admitted in this turn of the event loop go out
 * in one write, without an epoll_ctl per call; the write handler waits
 * for the socket only if it is full.
 */
static void
ngx_http_tollgate_redis_add_write(void *data)
{
    ngx_http_tollgate_redis_conf_t *rcf = data;
    ngx_event_t                    *wev;

    if (rcf->conn == NULL) {
        return;
    }
    wev = rcf->conn->write;
    if (rcf->ac != NULL && (rcf->ac->c.flags & REDIS_CONNECTED)) {
        /* (From the write handler, which decides itself: posting again
         * there would loop while the socket is full.) */
        if (!rcf->writing && !wev->active && !wev->posted) {
            ngx_post_event(wev, &ngx_posted_events);
        }
    } else if (!wev->active) {
        (void) ngx_add_event(wev, NGX_WRITE_EVENT, 0);
    }
}


static void
ngx_http_tollgate_redis_del_write(void *data)
{
    ngx_http_tollgate_redis_conf_t *rcf = data;

    if (rcf->conn != NULL && rcf->conn->write->active) {
        (void) ngx_del_event(rcf->conn->write, NGX_WRITE_EVENT, 0);
    }
}


/* hiredis is done with the socket (it closes it next): give the
 * connection back without closing it. */
static void
ngx_http_tollgate_redis_cleanup(void *data)
{
    ngx_http_tollgate_redis_conf_t *rcf = data;
    ngx_connection_t               *c = rcf->conn;

    if (c == NULL) {
        return;
    }
    ngx_http_tollgate_redis_del_read(rcf);
    ngx_http_tollgate_redis_del_write(rcf);
    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }
    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }
    c->fd = (ngx_socket_t) -1;
    ngx_free_connection(c);
    rcf->conn = NULL;
}


static void
ngx_http_tollgate_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t               *c = ev->data;
    ngx_http_tollgate_redis_conf_t *rcf = c->data;

    if (rcf->ac != NULL && rcf->conn == c) {
        redisAsyncHandleRead(rcf->ac);
    }
}


static void
ngx_http_tollgate_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t               *c = ev->data;
    ngx_http_tollgate_redis_conf_t *rcf = c->data;
    redisAsyncContext              *ac = rcf->ac;

    if (ac == NULL || rcf->conn != c) {
        return;
    }
    rcf->writing = 1;
    redisAsyncHandleWrite(ac);
    rcf->writing = 0;

    /* Output left (the socket is full): wait until it can take more. */
    if (rcf->ac == ac && rcf->conn == c && (ac->c.flags & REDIS_CONNECTED)
        && ac->c.obuf != NULL && sdslen(ac->c.obuf) > 0 && !ev->active)
    {
        (void) ngx_add_event(ev, NGX_WRITE_EVENT, 0);
    }
}


/* Tries again after the backoff, which doubles up to its maximum. */
static void
ngx_http_tollgate_redis_retry(ngx_http_tollgate_redis_conf_t *rcf)
{
    rcf->ready = 0;
    rcf->stalled = 0;
    if (rcf->watchdog.timer_set) {
        ngx_del_timer(&rcf->watchdog);
    }
    if (rcf->exiting || rcf->reconnect.timer_set) {
        return;
    }
    ngx_add_timer(&rcf->reconnect, rcf->backoff);
    rcf->backoff = ngx_min(rcf->backoff * 2, NGX_TOLLGATE_REDIS_BACKOFF_MAX);
}


/* Drops the connection (its commands are answered with NULL) and tries
 * again later. */
static void
ngx_http_tollgate_redis_drop(ngx_http_tollgate_redis_conf_t *rcf)
{
    redisAsyncContext *ac = rcf->ac;

    rcf->ac = NULL;
    rcf->ready = 0;
    if (ac != NULL) {
        redisAsyncFree(ac);
    }
    ngx_http_tollgate_redis_retry(rcf);
}


static void
ngx_http_tollgate_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_tollgate_redis_connect(ev->data);
}


/* Connecting took too long, or a reply is long overdue. */
static void
ngx_http_tollgate_redis_watchdog_handler(ngx_event_t *ev)
{
    ngx_http_tollgate_redis_conf_t *rcf = ev->data;

    rcf->logged = 0;
    ngx_http_tollgate_redis_report(
        rcf, NGX_LOG_ERR,
        rcf->ready ? "no answer: reconnecting" : "connecting timed out", NULL);
    ngx_http_tollgate_redis_drop(rcf);
}


static void
ngx_http_tollgate_redis_loaded(redisAsyncContext *ac, void *reply,
                               void *privdata)
{
    ngx_http_tollgate_redis_conf_t *rcf = ac->data;
    redisReply                     *rep = reply;

    (void) privdata;
    if (rep == NULL || rcf->ac != ac) {
        return; /* the connection went */
    }
    if (rep->type != REDIS_REPLY_STRING || rep->len != 40
        || ngx_strncmp(rep->str, rcf->sha, 40) != 0)
    {
        rcf->logged = 0;
        ngx_http_tollgate_redis_report(rcf, NGX_LOG_ERR, "SCRIPT LOAD failed",
                                       rep->type == REDIS_REPLY_ERROR ? rep->str
                                                                      : NULL);
        return; /* the watchdog drops it */
    }
    if (rcf->watchdog.timer_set) {
        ngx_del_timer(&rcf->watchdog);
    }
    rcf->ready = 1;
    rcf->backoff = NGX_TOLLGATE_REDIS_BACKOFF_MIN;
    ngx_log_error(NGX_LOG_NOTICE, rcf->log, 0,
                  "tollgate: Redis \"%V\" is ready", &rcf->address);
}


static void
ngx_http_tollgate_redis_authenticated(redisAsyncContext *ac, void *reply,
                                      void *privdata)
{
    ngx_http_tollgate_redis_conf_t *rcf = ac->data;
    redisReply                     *rep = reply;

    (void) privdata;
    if (rep != NULL && rcf->ac == ac && rep->type == REDIS_REPLY_ERROR) {
        rcf->logged = 0;
        ngx_http_tollgate_redis_report(rcf, NGX_LOG_ERR, "AUTH failed",
                                       rep->str);
        /* SCRIPT LOAD fails too: the watchdog drops the connection. */
    }
}


/* Sends AUTH with the password: the first command on a connection. */
static ngx_int_t
ngx_http_tollgate_redis_auth(ngx_http_tollgate_redis_conf_t *rcf)
{
    char     cmd[NGX_TOLLGATE_REDIS_PASSWORD + 64];
    tg_str_t argv[2];
    size_t   len;
    int      sent;

    argv[0] = TG_STR("AUTH");
    argv[1] = (tg_str_t){ (char *) rcf->password.data, rcf->password.len };
    sent = tg_resp_command(cmd, sizeof(cmd), 2, argv, &len) == TG_OK
           && redisAsyncFormattedCommand(rcf->ac,
                                         ngx_http_tollgate_redis_authenticated,
                                         NULL, cmd, len)
                  == REDIS_OK;
    ngx_explicit_memzero(cmd, sizeof(cmd));
    return sent ? NGX_OK : NGX_ERROR;
}


static void
ngx_http_tollgate_redis_connected(const redisAsyncContext *ac, int status)
{
    ngx_http_tollgate_redis_conf_t *rcf = ac->data;

    if (status != REDIS_OK) {
        /* hiredis frees the context once this returns. */
        rcf->ac = NULL;
        ngx_http_tollgate_redis_report(rcf, NGX_LOG_ERR, "cannot connect",
                                       ac->errstr);
        ngx_http_tollgate_redis_retry(rcf);
        return;
    }
    if (rcf->password.len != 0 && ngx_http_tollgate_redis_auth(rcf) != NGX_OK) {
        ngx_http_tollgate_redis_report(rcf, NGX_LOG_ERR, "AUTH failed", NULL);
    }
    if (redisAsyncCommand(rcf->ac, ngx_http_tollgate_redis_loaded, NULL,
                          "SCRIPT LOAD %s", ngx_http_tollgate_redis_script)
        != REDIS_OK)
    {
        ngx_http_tollgate_redis_report(rcf, NGX_LOG_ERR, "SCRIPT LOAD failed",
                                       NULL);
    }
}


static void
ngx_http_tollgate_redis_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_http_tollgate_redis_conf_t *rcf = ac->data;

    if (rcf->ac == ac) {
        rcf->ac = NULL;
        if (!rcf->exiting) {
            rcf->logged = 0;
            ngx_http_tollgate_redis_report(
                rcf, NGX_LOG_WARN,
                status == REDIS_OK ? "disconnected" : "connection lost",
                ac->errstr[0] != '\0' ? ac->errstr : NULL);
        }
    }
    ngx_http_tollgate_redis_retry(rcf);
}


/* Starts connecting, without waiting: hiredis connects non-blocking, and
 * the write event says when the connection is made. */
static void
ngx_http_tollgate_redis_connect(ngx_http_tollgate_redis_conf_t *rcf)
{
    redisAsyncContext *ac;
    ngx_connection_t  *c;

    if (rcf->exiting || rcf->ac != NULL) {
        return;
    }
    ac = rcf->port != 0 ? redisAsyncConnect(rcf->host, rcf->port)
                        : redisAsyncConnectUnix(rcf->host);
    if (ac == NULL || ac->err) {
        ngx_http_tollgate_redis_report(rcf, NGX_LOG_ERR, "cannot connect",
                                       ac != NULL ? ac->errstr
                                                  : "out of memory");
        if (ac != NULL) {
            redisAsyncFree(ac);
        }
        ngx_http_tollgate_redis_retry(rcf);
        return;
    }

    c = ngx_get_connection(ac->c.fd, rcf->log);
    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_http_tollgate_redis_retry(rcf);
        return;
    }
    c->data = rcf;
    c->read->handler = ngx_http_tollgate_redis_read_handler;
    c->write->handler = ngx_http_tollgate_redis_write_handler;
    c->read->log = rcf->log;
    c->write->log = rcf->log;
    rcf->conn = c;
    rcf->ac = ac;

    ac->data = rcf;
    ac->ev.data = rcf;
    ac->ev.addRead = ngx_http_tollgate_redis_add_read;
    ac->ev.delRead = ngx_http_tollgate_redis_del_read;
    ac->ev.addWrite = ngx_http_tollgate_redis_add_write;
    ac->ev.delWrite = ngx_http_tollgate_redis_del_write;
    ac->ev.cleanup = ngx_http_tollgate_redis_cleanup;
    /* (Setting the connect callback asks for the write event.) */
    redisAsyncSetConnectCallback(ac, ngx_http_tollgate_redis_connected);
    redisAsyncSetDisconnectCallback(ac, ngx_http_tollgate_redis_disconnected);

    ngx_add_timer(&rcf->watchdog, NGX_TOLLGATE_REDIS_CONNECT_MS);
}


static ngx_int_t
ngx_http_tollgate_redis_init_process(ngx_cycle_t *cycle)
{
    ngx_http_tollgate_redis_conf_t *rcf;

    if (ngx_http_cycle_get_module_main_conf(cycle, ngx_http_core_module)
        == NULL) {
        return NGX_OK; /* no http block */
    }
    rcf = ngx_http_cycle_get_module_main_conf(cycle,
                                              ngx_http_tollgate_redis_module);
    if (rcf == NULL || rcf->host == NULL) {
        return NGX_OK;
    }

    rcf->log = cycle->log;
    rcf->backoff = NGX_TOLLGATE_REDIS_BACKOFF_MIN;
    rcf->reconnect.handler = ngx_http_tollgate_redis_reconnect_handler;
    rcf->reconnect.data = rcf;
    rcf->reconnect.log = cycle->log;
    rcf->reconnect.cancelable = 1;
    rcf->watchdog.handler = ngx_http_tollgate_redis_watchdog_handler;
    rcf->watchdog.data = rcf;
    rcf->watchdog.log = cycle->log;
    rcf->watchdog.cancelable = 1;

    ngx_http_tollgate_redis_connect(rcf);
    return NGX_OK;
}


static void
ngx_http_tollgate_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_tollgate_redis_conf_t *rcf;
    redisAsyncContext              *ac;

    if (ngx_http_cycle_get_module_main_conf(cycle, ngx_http_core_module)
        == NULL) {
        return;
    }
    rcf = ngx_http_cycle_get_module_main_conf(cycle,
                                              ngx_http_tollgate_redis_module);
    if (rcf == NULL || rcf->host == NULL) {
        return;
    }
    rcf->exiting = 1;
    if (rcf->reconnect.timer_set) {
        ngx_del_timer(&rcf->reconnect);
    }
    if (rcf->watchdog.timer_set) {
        ngx_del_timer(&rcf->watchdog);
    }
    ac = rcf->ac;
    rcf->ac = NULL;
    if (ac != NULL) {
        redisAsyncFree(ac); /* its socket's connection is given back */
    }
}


/* ---- a request's round trip ------------------------------------------- */


/* The request is gone: its command, if one is in flight, answers no one. */
static void
ngx_http_tollgate_redis_request_cleanup(void *data)
{
    ngx_http_tollgate_redis_ctx_t *ctx = data;

    if (ctx->op != NULL) {
        ctx->op->ctx = NULL;
        ctx->op = NULL;
    }
    if (ctx->event.timer_set) {
        ngx_del_timer(&ctx->event);
    }
    if (ctx->event.posted) {
        ngx_delete_posted_event(&ctx->event);
    }
}


static void ngx_http_tollgate_redis_resume(ngx_event_t *ev);


/* The request's context, made on first use.  NULL if out of memory. */
static ngx_http_tollgate_redis_ctx_t *
ngx_http_tollgate_redis_ctx(ngx_http_tollgate_call_t *call)
{
    ngx_http_request_t            *r = call->r;
    ngx_http_tollgate_redis_ctx_t *ctx;
    ngx_pool_cleanup_t            *cln;

    ctx = ngx_http_get_module_ctx(r, ngx_http_tollgate_redis_module);
    if (ctx != NULL) {
        return ctx;
    }
    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_tollgate_redis_ctx_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (ctx == NULL || cln == NULL) {
        return NULL;
    }
    ctx->r = r;
    ctx->now_ms = call->now_ms;
    ctx->event.handler = ngx_http_tollgate_redis_resume;
    ctx->event.data = ctx;
    ctx->event.log = r->connection->log;
    cln->handler = ngx_http_tollgate_redis_request_cleanup;
    cln->data = ctx;
    ngx_http_set_ctx(r, ctx, ngx_http_tollgate_redis_module);
    return ctx;
}


ngx_int_t
ngx_http_tollgate_redis_nonce(ngx_http_tollgate_call_t *call, tg_str_t key,
                              tg_str_t nonce, int64_t ts_ms, int64_t expires_ms)
{
    ngx_http_tollgate_redis_ctx_t *ctx;
    u_char                        *copy;

    if (key.len + 1 + nonce.len > NGX_HTTP_TOLLGATE_NONCE_ENTRY_MAX
        || key.len + nonce.len > TG_RKEY_NONCE_MAX)
    {
        return NGX_ABORT;
    }
    ctx = ngx_http_tollgate_redis_ctx(call);
    copy = ngx_pnalloc(call->r->pool, key.len + nonce.len + 1);
    if (ctx == NULL || copy == NULL) {
        return NGX_ERROR;
    }
    /* The nonce may be in the caller's stack (Huawei's signature). */
    ngx_memcpy(copy, key.ptr, key.len);
    ngx_memcpy(copy + key.len, nonce.ptr, nonce.len);
    ctx->key.data = copy;
    ctx->key.len = key.len;
    ctx->nonce.data = copy + key.len;
    ctx->nonce.len = nonce.len;
    ctx->nonce_ttl_ms = ngx_max(expires_ms - call->now_ms, 1);
    ctx->nonce_ts = ts_ms;
    ctx->has_nonce = 1;
    ngx_memcpy(ctx->app, call->app.app, TG_PROJ_ID_LEN);
    return NGX_OK;
}


ngx_int_t
ngx_http_tollgate_redis_rate(ngx_http_tollgate_call_t *call, ngx_uint_t rate,
                             ngx_uint_t burst)
{
    ngx_http_tollgate_redis_ctx_t *ctx;

    ctx = ngx_http_tollgate_redis_ctx(call);
    if (ctx == NULL) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL);
    }
    ctx->rate = rate;
    ctx->burst = burst;
    ctx->has_rate = 1;
    ngx_memcpy(ctx->app, call->app.app, TG_PROJ_ID_LEN);
    return NGX_OK;
}


/*
 * Reads the script's answer into ctx.  Returns NGX_OK, NGX_DECLINED for
 * NOSCRIPT (Redis forgot the script: send it whole), or NGX_ERROR for
 * any other reply, which leaves the call to be decided without Redis.
 */
static ngx_int_t
ngx_http_tollgate_redis_parse(ngx_http_tollgate_redis_ctx_t *ctx,
                              redisReply                    *rep)
{
    if (rep->type == REDIS_REPLY_ERROR) {
        return rep->len >= 8 && ngx_strncmp(rep->str, "NOSCRIPT", 8) == 0
                   ? NGX_DECLINED
                   : NGX_ERROR;
    }
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2
        || rep->element[0]->type != REDIS_REPLY_INTEGER
        || rep->element[1]->type != REDIS_REPLY_INTEGER)
    {
        return NGX_ERROR;
    }
    switch (rep->element[0]->integer) {
    case NGX_TOLLGATE_REDIS_PASS:
    case NGX_TOLLGATE_REDIS_NONCE_USED:
        ctx->answer = (ngx_int_t) rep->element[0]->integer;
        return NGX_OK;
    case NGX_TOLLGATE_REDIS_THROTTLED:
        if (rep->element[1]->integer < 1) {
            return NGX_ERROR;
        }
        ctx->answer = NGX_TOLLGATE_REDIS_THROTTLED;
        ctx->retry_ms = rep->element[1]->integer;
        return NGX_OK;
    default:
        return NGX_ERROR;
    }
}


static ngx_int_t
ngx_http_tollgate_redis_send(ngx_http_tollgate_redis_conf_t *rcf,
                             ngx_http_tollgate_redis_ctx_t  *ctx,
                             ngx_http_tollgate_redis_op_t   *op);


/* The reply to a request's command, or NULL if the connection went. */
static void
ngx_http_tollgate_redis_reply(redisAsyncContext *ac, void *reply,
                              void *privdata)
{
    ngx_http_tollgate_redis_op_t   *op = privdata;
    ngx_http_tollgate_redis_conf_t *rcf = op->rcf;
    ngx_http_tollgate_redis_ctx_t  *ctx = op->ctx;
    redisReply                     *rep = reply;
    ngx_int_t                       rc = NGX_ERROR;

    (void) ac;
    rcf->inflight--;
    if (rep != NULL && rcf->stalled) {
        rcf->stalled = 0; /* it answers again */
        if (rcf->watchdog.timer_set) {
            ngx_del_timer(&rcf->watchdog);
        }
    }

    if (ctx != NULL && rep != NULL) {
        rc = ngx_http_tollgate_redis_parse(ctx, rep);
        if (rc == NGX_DECLINED && !op->eval) {
            ctx->op = NULL;
            op->eval = 1;
            if (ngx_http_tollgate_redis_send(rcf, ctx, op) == NGX_OK) {
                return; /* the same op, sent again whole */
            }
        }
        if (rc != NGX_OK) {
            ngx_http_tollgate_redis_report(
                rcf, NGX_LOG_ERR, "unexpected reply",
                rep->type == REDIS_REPLY_ERROR ? rep->str : NULL);
        }
    }
    ngx_free(op);
    if (ctx == NULL) {
        return; /* timed out, or the request ended */
    }

    ctx->op = NULL;
    ctx->unanswered = rc != NGX_OK;
    ctx->state = NGX_TOLLGATE_REDIS_ANSWERED;
    if (ctx->event.timer_set) {
        ngx_del_timer(&ctx->event);
    }
    /* Resumed from the event loop, not from inside hiredis. */
    ngx_post_event(&ctx->event, &ngx_posted_events);
}


/* n in decimal, written into buf (NGX_INT64_LEN bytes). */
static tg_str_t
ngx_http_tollgate_redis_number(char *buf, int64_t n)
{
    u_char *end;

    end = ngx_sprintf((u_char *) buf, "%L", n);
    return (tg_str_t){ buf, (size_t) (end - (u_char *) buf) };
}


/*
 * Sends ctx's checks as one EVALSHA (EVAL once op->eval is set), with op
 * as the callback's data: the caller's, which stays the caller's unless
 * sent, or NULL for a new one.  Returns NGX_OK once sent, NGX_DECLINED if
 * Redis is not usable now (not ready, stalled, too many commands
 * waiting), NGX_ERROR otherwise.
 */
static ngx_int_t
ngx_http_tollgate_redis_send(ngx_http_tollgate_redis_conf_t *rcf,
                             ngx_http_tollgate_redis_ctx_t  *ctx,
                             ngx_http_tollgate_redis_op_t   *op)
{
    char nkey[TG_RKEY_MAX], bkey[TG_RKEY_MAX], ttl[NGX_INT64_LEN],
        rate[NGX_INT64_LEN], burst[NGX_INT64_LEN],
        cmd[sizeof(ngx_http_tollgate_redis_script) + 2 * TG_RKEY_MAX + 256];
    ngx_http_tollgate_redis_op_t *fresh;
    tg_str_t                      argv[9], app;
    size_t                        len;
    int                           argc = 0, keys = 0;

    if (!rcf->ready || rcf->stalled || rcf->ac == NULL
        || rcf->inflight >= NGX_TOLLGATE_REDIS_INFLIGHT)
    {
        return NGX_DECLINED;
    }

    app = (tg_str_t){ (const char *) ctx->app, TG_PROJ_ID_LEN };
    if (op != NULL && op->eval) {
        argv[argc++] = TG_STR("EVAL");
        argv[argc++] = TG_STR(ngx_http_tollgate_redis_script);
    } else {
        argv[argc++] = TG_STR("EVALSHA");
        argv[argc++] = (tg_str_t){ rcf->sha, 40 };
    }
    argc++; /* the number of keys, set below */

    if (ctx->has_nonce) {
        if (tg_rkey_nonce(
                app, (tg_str_t){ (char *) ctx->key.data, ctx->key.len },
                (tg_str_t){ (char *) ctx->nonce.data, ctx->nonce.len }, nkey,
                sizeof(nkey), &len)
            != TG_OK)
        {
            return NGX_ERROR;
        }
        argv[argc++] = (tg_str_t){ nkey, len };
        keys++;
    }
    if (ctx->has_rate) {
        if (tg_rkey_bucket(app, bkey, sizeof(bkey), &len) != TG_OK) {
            return NGX_ERROR;
        }
        argv[argc++] = (tg_str_t){ bkey, len };
        keys++;
    }
    argv[2] = keys == 2 ? TG_STR("2") : TG_STR("1");

    argv[argc++] = ctx->has_nonce ? (ctx->has_rate ? TG_STR("nr") : TG_STR("n"))
                                  : TG_STR("r");
    argv[argc++] = ngx_http_tollgate_redis_number(ttl, ctx->nonce_ttl_ms);
    argv[argc++] = ngx_http_tollgate_redis_number(rate, (int64_t) ctx->rate);
    argv[argc++] = ngx_http_tollgate_redis_number(burst, (int64_t) ctx->burst);

    if (tg_resp_command(cmd, sizeof(cmd), argc, argv, &len) != TG_OK) {
        return NGX_ERROR;
    }

    fresh = NULL;
    if (op == NULL) {
        fresh = ngx_alloc(sizeof(ngx_http_tollgate_redis_op_t), rcf->log);
        if (fresh == NULL) {
            return NGX_ERROR;
        }
        fresh->eval = 0;
        op = fresh;
    }
    op->rcf = rcf;
    op->ctx = ctx;
    if (redisAsyncFormattedCommand(rcf->ac, ngx_http_tollgate_redis_reply, op,
                                   cmd, len)
        != REDIS_OK)
    {
        ngx_free(fresh);
        return NGX_DECLINED;
    }
    rcf->inflight++;
    ctx->op = op;
    return NGX_OK;
}


/* The reply came, or the time ran out: run the request's phases again. */
static void
ngx_http_tollgate_redis_resume(ngx_event_t *ev)
{
    ngx_http_tollgate_redis_ctx_t  *ctx = ev->data;
    ngx_http_request_t             *r = ctx->r;
    ngx_connection_t               *c = r->connection;
    ngx_http_tollgate_redis_conf_t *rcf;

    if (ev->timedout) {
        ev->timedout = 0;
        rcf = ngx_http_get_module_main_conf(r, ngx_http_tollgate_redis_module);
        if (ctx->op != NULL) {
            ctx->op->ctx = NULL; /* its reply, if it comes, is dropped */
            ctx->op = NULL;
        }
        ctx->unanswered = 1;
        ctx->state = NGX_TOLLGATE_REDIS_ANSWERED;
        if (!rcf->stalled && rcf->ac != NULL) {
            /* Until Redis answers again, calls skip it. */
            rcf->stalled = 1;
            ngx_http_tollgate_redis_report(
                rcf, NGX_LOG_WARN, "no answer within the timeout", NULL);
            if (!rcf->watchdog.timer_set) {
                ngx_add_timer(&rcf->watchdog, NGX_TOLLGATE_REDIS_STALL_MS);
            }
        }
    }

    r->main->count--;
    ngx_http_set_log_request(c->log, r);
    ngx_http_core_run_phases(r);
    ngx_http_run_posted_requests(c);
}


/*
 * Decides the call in this node's zone, as without tollgate_redis (see
 * ngx_http_tollgate_spend_nonce() and the core's throttle).
 */
static ngx_int_t
ngx_http_tollgate_redis_local(ngx_http_tollgate_redis_ctx_t *ctx,
                              ngx_shm_zone_t *zone, ngx_uint_t *reason)
{
    ngx_str_t                     app;
    ngx_int_t                     rc;
    ngx_http_tollgate_nonce_ref_t ref;

    if (ctx->has_nonce) {
        rc = ngx_http_tollgate_nonce_locate(zone, &ctx->key, &ctx->nonce,
                                            ctx->nonce_ts, &ref);
        if (rc == NGX_OK) {
            rc = ngx_http_tollgate_nonce_use(zone, &ref, ctx->now_ms,
                                             ctx->now_ms + ctx->nonce_ttl_ms);
        }
        if (rc != NGX_OK) {
            *reason = rc == NGX_DECLINED ? NGX_TOLLGATE_NONCE_USED
                      : rc == NGX_ABORT  ? NGX_TOLLGATE_BAD_NONCE
                                         : NGX_TOLLGATE_UNAVAILABLE;
            return NGX_DECLINED;
        }
    }
    if (ctx->has_rate) {
        app.data = ctx->app;
        app.len = TG_PROJ_ID_LEN;
        rc = ngx_http_tollgate_rate_take(zone, &app, (double) ctx->rate,
                                         (double) ctx->burst, &ctx->retry_ms);
        if (rc == NGX_BUSY) {
            ctx->answer = NGX_TOLLGATE_REDIS_THROTTLED;
            *reason = NGX_TOLLGATE_THROTTLED;
            return NGX_DECLINED;
        }
        if (rc != NGX_OK) {
            *reason = NGX_TOLLGATE_UNAVAILABLE;
            return NGX_DECLINED;
        }
    }
    return NGX_OK;
}


/* Decides the call from Redis's answer, or without it. */
static ngx_int_t
ngx_http_tollgate_redis_decide(ngx_http_tollgate_redis_conf_t *rcf,
                               ngx_http_tollgate_redis_ctx_t  *ctx,
                               ngx_shm_zone_t *zone, ngx_uint_t *reason)
{
    if (ctx->unanswered) {
        if (!rcf->degraded) {
            rcf->degraded = 1;
            ngx_log_error(NGX_LOG_WARN, ctx->r->connection->log, 0,
                          "tollgate: Redis \"%V\" unavailable: calls are %s",
                          &rcf->address,
                          rcf->fail == NGX_TOLLGATE_REDIS_FAIL_CLOSED
                              ? "refused (tollgate_redis_fail closed)"
                              : "limited by this node alone");
        }
        if (rcf->fail == NGX_TOLLGATE_REDIS_FAIL_CLOSED) {
            *reason = NGX_TOLLGATE_UNAVAILABLE;
            return NGX_DECLINED;
        }
        return ngx_http_tollgate_redis_local(ctx, zone, reason);
    }

    if (rcf->degraded) {
        rcf->degraded = 0;
        ngx_log_error(NGX_LOG_NOTICE, ctx->r->connection->log, 0,
                      "tollgate: Redis \"%V\" answers again", &rcf->address);
    }
    switch (ctx->answer) {
    case NGX_TOLLGATE_REDIS_PASS:
        return NGX_OK;
    case NGX_TOLLGATE_REDIS_NONCE_USED:
        *reason = NGX_TOLLGATE_NONCE_USED;
        return NGX_DECLINED;
    default:
        *reason = NGX_TOLLGATE_THROTTLED;
        return NGX_DECLINED;
    }
}


/* Tells a throttled caller when to come back. */
static void
ngx_http_tollgate_redis_retry_after(ngx_http_request_t            *r,
                                    ngx_http_tollgate_redis_ctx_t *ctx)
{
    u_char *p;

    p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
    if (p == NULL) {
        return;
    }
    r->headers_out.content_length_n = 0;
    (void) ngx_http_tollgate_add_header(
        r, "Retry-After", p,
        ngx_sprintf(p, "%L", (ctx->retry_ms + 999) / 1000) - p);
}


ngx_int_t
ngx_http_tollgate_redis_outcome(ngx_http_request_t *r, ngx_shm_zone_t *zone,
                                ngx_uint_t *reason)
{
    ngx_http_tollgate_redis_conf_t *rcf;
    ngx_http_tollgate_redis_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_tollgate_redis_module);
    if (ctx == NULL) {
        return NGX_OK; /* nothing deferred */
    }
    if (!ctx->has_nonce && !ctx->has_rate) {
        return NGX_OK;
    }
    rcf = ngx_http_get_module_main_conf(r, ngx_http_tollgate_redis_module);

    switch (ctx->state) {
    case NGX_TOLLGATE_REDIS_DEFERRED:
        if (ngx_http_tollgate_redis_send(rcf, ctx, NULL) == NGX_OK) {
            ctx->state = NGX_TOLLGATE_REDIS_WAITING;
            r->main->count++;
            ngx_add_timer(&ctx->event, rcf->timeout);
            return NGX_AGAIN;
        }
        ctx->unanswered = 1;
        break;
    case NGX_TOLLGATE_REDIS_WAITING:
        return NGX_AGAIN;
    case NGX_TOLLGATE_REDIS_DECIDED:
        *reason = ctx->reason;
        return ctx->rc;
    default:
        break;
    }

    ctx->rc = ngx_http_tollgate_redis_decide(rcf, ctx, zone, &ctx->reason);
    ctx->state = NGX_TOLLGATE_REDIS_DECIDED;
    if (ctx->rc == NGX_DECLINED && ctx->reason == NGX_TOLLGATE_THROTTLED) {
        ngx_http_tollgate_redis_retry_after(r, ctx);
    }
    *reason = ctx->reason;
    return ctx->rc;
}
