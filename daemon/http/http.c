/*
 * The HTTP server: libmicrohttpd, a thread of its own for each connection.
 *
 * A request runs on its connection's thread from its first byte to its
 * answer, and a durable write waits there for its group's commit.  With
 * a pool of threads each serving several connections one request after
 * another, a request would also wait for its neighbours' commits (the
 * pool's workers take connections unevenly: one held 11 while 45 of 64
 * held none), which made the tail of latency and kept groups small; with
 * a thread per connection, every connection's write joins the group that
 * is forming.  Connections are capped (the max_connections setting: one
 * more is closed as soon as it is accepted), and an idle one is closed
 * after TG_HTTP_IDLE_SECONDS.
 *
 * libmicrohttpd calls the access handler several times per request: once
 * when the headers are in, once per chunk of body, and once more when
 * the body is complete.  The tg_http_request_t is made when the raw URI
 * is seen (the only place an escaped NUL shows) and completed by the
 * first call, which screens it (lib/http_screen.c): a malformed request
 * (a NUL in the URI or a header, a body framed twice...) is answered at
 * once, its body unread, the handler told why; a body beyond max_body
 * is dropped and flagged (a Content-Length beyond TG_HTTP_DRAIN_MAX is
 * answered at once, before the body is read); the last call runs the
 * handler and queues the response.
 *
 * TLS is libmicrohttpd's (GnuTLS): the certificate and key are read into
 * memory at start, handed to it, and the key's copy is wiped at stop.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "tollgate/cred.h"
#include "tollgate/error.h"
#include "tollgate/http_screen.h"
#include "tollgate/time.h"
#include "http/http.h"
#include "log.h"


/* The largest declared body beyond the cap that is read (and dropped)
 * before it is refused. */
#define TG_HTTP_DRAIN_MAX (16 * 1024 * 1024)


/*
 * The largest request head (request line and headers) read.  It is
 * checked here, so that a larger one is refused by the dialect that
 * claims it; libmicrohttpd's own limit (the memory of a connection, where
 * it answers with an HTML page of its own) is set above with a margin:
 * heads up to about 56 KiB still reach the dialect.  It is not larger,
 * because libmicrohttpd 0.9.75 zeroes the whole pool before each request
 * of a kept-alive connection (see docs/api.md, "Malformed requests").
 */
#define TG_HTTP_HEAD_MAX (32 * 1024)
/* Connections open at once (each its own thread), and how long one may
 * stay idle before it is closed. */
#define TG_HTTP_IDLE_SECONDS 30

#define TG_HTTP_MEMORY_LIMIT (64 * 1024)


struct tg_http_server_s {
    struct MHD_Daemon *daemon;
    tg_http_options_t  options;  /* read only, but for max_body */
    _Atomic size_t     max_body; /* tg_http_set_max_body() may change it */
    unsigned           port;
    int                walk_head; /* tg_http_raw_nul() knows this layout */
    int                secure;    /* HTTPS */
    tg_buf_t           cert;      /* PEM, NUL-terminated */
    tg_buf_t           key;       /* PEM, NUL-terminated; wiped at stop */
};

/* The body cap now: a reload may change it while requests are read. */
static size_t
tg_http_max_body(tg_http_server_t *srv)
{
    return atomic_load_explicit(&srv->max_body, memory_order_relaxed);
}


struct tg_http_request_s {
    struct MHD_Connection *conn;
    const char            *method;
    char                  *path;
    char                  *uri; /* as received */
    tg_buf_t               body;
    int                    too_large;
    int                    answered;
    const char            *uri_bad;     /* what is wrong with the raw URI */
    const char            *malformed;   /* why the request is, or NULL */
    const char            *raw_uri;     /* in libmicrohttpd's buffer, or NULL */
    size_t                 raw_uri_len; /* up to its first NUL */
    int                    secure;      /* came over TLS */
    int                    loopback;    /* from this host's loopback */
    char                   request_id[TG_REQUEST_ID_LEN + 1];
    char                   remote[INET6_ADDRSTRLEN];
    char                   actor[80];
    int64_t                started_ms;
};


const char *
tg_http_method(const tg_http_request_t *req)
{
    return req->method;
}


const char *
tg_http_path(const tg_http_request_t *req)
{
    return req->path;
}


const char *
tg_http_uri(const tg_http_request_t *req)
{
    return req->uri;
}


tg_str_t
tg_http_body(const tg_http_request_t *req)
{
    return tg_buf_str(&req->body);
}


int
tg_http_body_too_large(const tg_http_request_t *req)
{
    return req->too_large;
}


const char *
tg_http_malformed(const tg_http_request_t *req)
{
    return req->malformed;
}


const char *
tg_http_header(const tg_http_request_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}


const char *
tg_http_query(const tg_http_request_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}


typedef struct {
    tg_http_arg_pt fn;
    void          *data;
} tg_http_each_t;


static enum MHD_Result
tg_http_each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                 const char *value)
{
    tg_http_each_t *each = cls;

    (void) kind;
    return each->fn(each->data, key, value) == 0 ? MHD_YES : MHD_NO;
}


void
tg_http_query_each(const tg_http_request_t *req, tg_http_arg_pt fn, void *data)
{
    tg_http_each_t each = { fn, data };

    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND,
                              tg_http_each_arg, &each);
}


void
tg_http_header_each(const tg_http_request_t *req, tg_http_arg_pt fn, void *data)
{
    tg_http_each_t each = { fn, data };

    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, tg_http_each_arg,
                              &each);
}


const char *
tg_http_request_id(const tg_http_request_t *req)
{
    return req->request_id;
}


const char *
tg_http_remote(const tg_http_request_t *req)
{
    return req->remote;
}


int
tg_http_is_secure(const tg_http_request_t *req)
{
    return req->secure;
}


int
tg_http_is_loopback(const tg_http_request_t *req)
{
    return req->loopback;
}


void
tg_http_set_actor(tg_http_request_t *req, const char *key_id)
{
    snprintf(req->actor, sizeof(req->actor), "%s", key_id);
}


void
tg_http_response_header(tg_http_response_t *res, const char *name,
                        const char *fmt, ...)
{
    tg_http_header_t *h;
    va_list           ap;

    if (res->nheaders == TG_HTTP_HEADERS_MAX) {
        return;
    }

    h = &res->headers[res->nheaders++];
    h->name = name;
    va_start(ap, fmt);
    vsnprintf(h->value, sizeof(h->value), fmt, ap);
    va_end(ap);
}


/* 1 if sa is a loopback address: 127.0.0.0/8, ::1, or ::ffff:127.x. */
static int
tg_http_sockaddr_loopback(const struct sockaddr *sa)
{
    const struct in6_addr *a6;

    if (sa->sa_family == AF_INET) {
        return (ntohl(((const struct sockaddr_in *) sa)->sin_addr.s_addr) >> 24)
               == 127;
    }

    if (sa->sa_family == AF_INET6) {
        a6 = &((const struct sockaddr_in6 *) sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a6)
               || (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
    }

    return 0;
}


/* Writes the client's address as text into req->remote, and notes
 * whether it is on the loopback. */
static void
tg_http_remote_address(tg_http_request_t *req)
{
    const union MHD_ConnectionInfo *info;
    const struct sockaddr          *sa;
    char                           *out = req->remote;
    socklen_t                       size = sizeof(req->remote);

    snprintf(out, size, "-");

    info =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL) {
        return;
    }

    sa = info->client_addr;
    req->loopback = tg_http_sockaddr_loopback(sa);
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, out,
                  size);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, out,
                  size);
    }
}


/*
 * Called by libmicrohttpd with the raw request URI, before it unescapes
 * the path and the query arguments: the only place an escaped NUL can
 * still be seen, since the unescaped strings end at it.  "%00" is a NUL
 * wherever it stands, since a '%' cannot be a hex digit of an escape
 * before it.  The request made here becomes the connection's context.
 */
static void *
tg_http_uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
    tg_http_server_t  *srv = cls;
    tg_http_request_t *req;

    req = calloc(1, sizeof(tg_http_request_t));
    if (req == NULL) {
        return NULL;
    }

    req->conn = conn;
    req->secure = srv->secure;
    req->uri =
        tg_strndup(uri != NULL ? uri : "", uri != NULL ? strlen(uri) : 0);
    if (req->uri == NULL) {
        free(req);
        return NULL;
    }
    if (uri != NULL) {
        req->raw_uri = uri;
        req->raw_uri_len = strlen(uri);
        req->uri_bad = tg_http_screen_uri(uri, req->raw_uri_len);
    }
    req->started_ms = tg_time_monotonic_ms();
    snprintf(req->actor, sizeof(req->actor), "-");
    return req;
}


/* Completes the request begun by tg_http_uri_seen(). */
static int
tg_http_request_init(tg_http_request_t *req, const char *url,
                     const char *method)
{
    req->method = method;
    req->path = tg_strndup(url, strlen(url));
    tg_http_remote_address(req);

    if (req->path == NULL || tg_request_id_generate(req->request_id) != TG_OK) {
        return TG_ENOMEM;
    }

    return TG_OK;
}


static void
tg_http_request_destroy(tg_http_request_t *req)
{
    tg_buf_wipe(&req->body);
    free(req->path);
    free(req->uri);
    free(req);
}


/* Frees a response body once libmicrohttpd has sent it; bodies may hold
 * secrets, so they are wiped first. */
static void
tg_http_body_free(void *body)
{
    tg_wipe(body, strlen(body));
    free(body);
}


static void
tg_http_log(const tg_http_request_t *req, unsigned status, size_t bytes)
{
    TG_LOG(status >= 500 ? TG_LOG_ERROR : TG_LOG_INFO, "request",
           TG_LF_STR("id", req->request_id), TG_LF_STR("remote", req->remote),
           TG_LF_STR("method", req->method), TG_LF_STR("path", req->path),
           TG_LF_INT("status", status), TG_LF_INT("bytes", bytes),
           TG_LF_INT("ms", tg_time_monotonic_ms() - req->started_ms),
           TG_LF_STR("actor", req->actor));
}


/* Runs the handler and queues its response. */
static enum MHD_Result
tg_http_answer(tg_http_server_t *srv, tg_http_request_t *req)
{
    tg_http_response_t   res;
    struct MHD_Response *response;
    enum MHD_Result      rc;
    size_t               i, len;
    char                *body;

    memset(&res, 0, sizeof(res));
    res.status = 500;

    srv->options.handler(srv->options.data, req, &res);

    if (res.body.ptr == NULL && tg_buf_append(&res.body, "", 0) != TG_OK) {
        return MHD_NO;
    }

    body = res.body.ptr;
    len = res.body.len;

    response = MHD_create_response_from_buffer_with_free_callback(
        len, body, tg_http_body_free);
    if (response == NULL) {
        tg_buf_wipe(&res.body);
        return MHD_NO;
    }

    MHD_add_response_header(response, "X-Request-Id", req->request_id);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            res.content_type != NULL ? res.content_type
                                                     : "application/json");
    for (i = 0; i < res.nheaders; i++) {
        MHD_add_response_header(response, res.headers[i].name,
                                res.headers[i].value);
    }
    if (MHD_get_response_header(response, "Cache-Control") == NULL) {
        MHD_add_response_header(response, "Cache-Control", "no-store");
    }
    if (req->malformed != NULL) {
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    }

    rc = MHD_queue_response(req->conn, res.status, response);
    MHD_destroy_response(response);

    req->answered = 1;
    tg_http_log(req, res.status, len);
    return rc;
}


/*
 * The screen's input from libmicrohttpd: each header with its length.
 * Where libmicrohttpd measures headers with strlen() (0.9.75, Debian
 * 12's), a raw NUL still cuts a value unseen: the walk finds it.
 */
static enum MHD_Result
tg_http_screen_each(void *cls, enum MHD_ValueKind kind, const char *key,
                    size_t key_size, const char *value, size_t value_size)
{
    (void) kind;
    tg_http_screen_header(cls, key, key_size, value, value_size);
    return MHD_YES;
}


static enum MHD_Result
tg_http_walk_each(void *cls, enum MHD_ValueKind kind, const char *key,
                  size_t key_size, const char *value, size_t value_size)
{
    tg_http_walk_t *w = cls;

    (void) kind;
    tg_http_walk_header(w, key, key_size, value, value_size);
    return w->bad ? MHD_NO : MHD_YES;
}


/*
 * Returns 1 if the request line or a header holds a raw NUL byte (or the
 * head is laid out in a way the walk does not know), else 0: the walk of
 * lib/http_screen.c over libmicrohttpd's read buffer, whose layout
 * (process_header_line(), parse_initial_message_line() in its
 * connection.c) include/tollgate/http_screen.h describes.
 * MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE spans the whole head from the
 * method.
 */
static int
tg_http_raw_nul(const tg_http_request_t *req, const char *method,
                const char *version)
{
    const union MHD_ConnectionInfo *info;
    tg_http_walk_t                  w;

    info = MHD_get_connection_info(req->conn,
                                   MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (info == NULL || req->raw_uri == NULL || method == NULL
        || version == NULL) {
        return 1;
    }

    tg_http_walk_start(&w, method, info->header_size, req->raw_uri,
                       req->raw_uri_len, version);
    if (!w.bad) {
        MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND,
                                    tg_http_walk_each, &w);
    }
    return tg_http_walk_end(&w);
}


/*
 * The one decision that a request is malformed: a NUL in the path, a
 * query argument or a header (the strings handed on would silently end
 * at it), a malformed escape, a repeated once-only header, and a body
 * whose length is framed twice.  Returns the reason, or NULL.
 */
static const char *
tg_http_screen(const tg_http_server_t *srv, const tg_http_request_t *req,
               const char *method, const char *version)
{
    const union MHD_ConnectionInfo *info;
    tg_http_screen_t                scr;

    info = MHD_get_connection_info(req->conn,
                                   MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (info != NULL && info->header_size > TG_HTTP_HEAD_MAX) {
        return "The request line and headers are larger than 32 KiB";
    }

    if (req->uri_bad != NULL) {
        return req->uri_bad;
    }

    if (srv->walk_head && tg_http_raw_nul(req, method, version)) {
        return "The request line or a header holds a NUL byte, or a "
               "header line is folded";
    }

    memset(&scr, 0, sizeof(scr));
    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, tg_http_screen_each,
                                &scr);
    return tg_http_screen_verdict(&scr);
}


/* Answers a request no dialect should see at once, in the native error
 * shape: status with code and reason. */
static enum MHD_Result
tg_http_refuse_with(tg_http_request_t *req, unsigned status, const char *code,
                    const char *reason)
{
    struct MHD_Response *response;
    enum MHD_Result      rc;
    char                 body[320];
    int                  n;

    n = snprintf(body, sizeof(body),
                 "{\"error\":{\"code\":\"%s\","
                 "\"message\":\"%s\",\"request_id\":\"%s\"}}",
                 code, reason, req->request_id);
    if (n < 0 || (size_t) n >= sizeof(body)) {
        return MHD_NO;
    }

    response = MHD_create_response_from_buffer((size_t) n, body,
                                               MHD_RESPMEM_MUST_COPY);
    if (response == NULL) {
        return MHD_NO;
    }

    MHD_add_response_header(response, "X-Request-Id", req->request_id);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    MHD_add_response_header(response, "Cache-Control", "no-store");
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");

    rc = MHD_queue_response(req->conn, status, response);
    MHD_destroy_response(response);

    req->answered = 1;
    tg_http_log(req, status, (size_t) n);
    return rc;
}


static enum MHD_Result
tg_http_access(void *cls, struct MHD_Connection *conn, const char *url,
               const char *method, const char *version, const char *upload_data,
               size_t *upload_data_size, void **con_cls)
{
    tg_http_server_t  *srv = cls;
    tg_http_request_t *req = *con_cls;
    const char        *length;
    unsigned long long declared;
    char              *end;

    if (req == NULL) {
        return MHD_NO;
    }

    if (req->method == NULL) {
        if (tg_http_request_init(req, url, method) != TG_OK) {
            return MHD_NO;
        }

        /* A malformed request is answered at once, its body unread (its
         * framing may be what is wrong), by the dialect that claims it. */

        req->malformed = tg_http_screen(srv, req, method, version);
        if (req->malformed != NULL) {
            return tg_http_answer(srv, req);
        }

        /* Plain HTTP carries secrets in clear: loopback only. */

        if (srv->options.require_tls && !req->secure && !req->loopback) {
            return tg_http_refuse_with(
                req, MHD_HTTP_FORBIDDEN, "tls_required",
                "Plain HTTP is accepted only from this host's loopback: "
                "use HTTPS (tollgated --tls-cert, --tls-key).");
        }

        /* A declared body beyond the cap is dropped as it comes, up to
         * TG_HTTP_DRAIN_MAX, then refused: closing on a body still being
         * sent would reset the connection, and the client could lose the
         * answer.  A larger one is refused at once. */

        length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length != NULL) {
            declared = strtoull(length, &end, 10);
            if (*end == '\0' && declared > tg_http_max_body(srv)) {
                req->too_large = 1;
                if (declared > TG_HTTP_DRAIN_MAX) {
                    return tg_http_answer(srv, req);
                }
            }
        }

        return MHD_YES;
    }

    if (req->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        if (!req->too_large
            && req->body.len + *upload_data_size <= tg_http_max_body(srv))
        {
            if (tg_buf_append(&req->body, upload_data, *upload_data_size)
                != TG_OK) {
                return MHD_NO;
            }
        } else {
            req->too_large = 1;
            tg_buf_wipe(&req->body);
        }

        *upload_data_size = 0;
        return MHD_YES;
    }

    return tg_http_answer(srv, req);
}


static void
tg_http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
    (void) cls;
    (void) conn;
    (void) toe;

    if (*con_cls != NULL) {
        tg_http_request_destroy(*con_cls);
        *con_cls = NULL;
    }
}


static void
tg_http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char   line[256];
    size_t n;

    (void) cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
        line[--n] = '\0';
    }
    TG_LOG(TG_LOG_WARN, "http", TG_LF_STR("detail", line));
}


/* Splits "host:port" or "[v6]:port". */
static int
tg_http_split_listen(const char *listen, char *host, size_t hostlen, char *port,
                     size_t portlen)
{
    const char *colon;
    size_t      n;

    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');

        if (close == NULL || close[1] != ':') {
            return TG_EINVALID;
        }
        n = (size_t) (close - listen - 1);
        colon = close + 1;
        listen++;

    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL) {
            return TG_EINVALID;
        }
        n = (size_t) (colon - listen);
    }

    if (n == 0 || n >= hostlen || strlen(colon + 1) == 0
        || strlen(colon + 1) >= portlen)
    {
        return TG_EINVALID;
    }

    memcpy(host, listen, n);
    host[n] = '\0';
    snprintf(port, portlen, "%s", colon + 1);
    return TG_OK;
}


/*
 * Reads a PEM file into buf, NUL-terminated, in one allocation and
 * without stdio's buffer, so that a key leaves no copy behind but buf
 * (which the caller wipes).
 */
static int
tg_http_read_pem(const char *path, tg_buf_t *buf, char *errbuf, size_t errlen)
{
    struct stat st;
    ssize_t     n = 0;
    size_t      size = 0;
    int         fd, rc = TG_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        return TG_EINVALID;
    }

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0
        || st.st_size > TG_HTTP_TLS_FILE_MAX)
    {
        rc = TG_EINVALID;
    } else {
        size = (size_t) st.st_size;
        rc = tg_buf_reserve(buf, size + 1);
    }

    while (rc == TG_OK && buf->len < size) {
        n = read(fd, buf->ptr + buf->len, size - buf->len);
        if (n > 0) {
            buf->len += (size_t) n;
        } else if (n == 0 || errno != EINTR) {
            rc = TG_EINVALID;
        }
    }
    close(fd);

    if (rc == TG_OK) {
        buf->ptr[buf->len++] = '\0'; /* the NUL libmicrohttpd needs */
    }
    if (rc != TG_OK) {
        snprintf(errbuf, errlen, "%s: not a readable file of 1 to %d bytes",
                 path, TG_HTTP_TLS_FILE_MAX);
        return TG_EINVALID;
    }
    return TG_OK;
}


/* Reads the certificate and key that options name, if any. */
static int
tg_http_tls_load(tg_http_server_t *srv, const tg_http_options_t *options,
                 char *errbuf, size_t errlen)
{
    int rc;

    if ((options->tls_cert == NULL) != (options->tls_key == NULL)) {
        snprintf(errbuf, errlen, "TLS needs both tls_cert and tls_key");
        return TG_EINVALID;
    }
    if (options->tls_cert == NULL) {
        return TG_OK;
    }

    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(errbuf, errlen, "this libmicrohttpd is built without TLS");
        return TG_EINVALID;
    }

    rc = tg_http_read_pem(options->tls_cert, &srv->cert, errbuf, errlen);
    if (rc == TG_OK) {
        rc = tg_http_read_pem(options->tls_key, &srv->key, errbuf, errlen);
    }
    srv->secure = rc == TG_OK;
    return rc;
}


static void
tg_http_server_free(tg_http_server_t *srv)
{
    tg_buf_free(&srv->cert);
    tg_buf_wipe(&srv->key);
    free(srv);
}


int
tg_http_start(const tg_http_options_t *options, tg_http_server_t **out,
              char *errbuf, size_t errlen)
{
    tg_http_server_t           *srv;
    struct addrinfo             hints, *ai = NULL;
    const union MHD_DaemonInfo *info;
    char                        host[256], port[16];
    struct MHD_OptionItem       tls[3];
    unsigned                    flags;
    int                         rc, loopback;

    if (tg_http_split_listen(options->listen, host, sizeof(host), port,
                             sizeof(port))
        != TG_OK)
    {
        snprintf(errbuf, errlen, "listen: expected host:port, got \"%s\"",
                 options->listen);
        return TG_EINVALID;
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;

    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(errbuf, errlen, "listen %s: %s", options->listen,
                 gai_strerror(rc));
        return TG_EINVALID;
    }

    srv = calloc(1, sizeof(tg_http_server_t));
    if (srv == NULL) {
        freeaddrinfo(ai);
        return TG_ENOMEM;
    }

    srv->options = *options;
    atomic_init(&srv->max_body, options->max_body);
    /* The walk knows the head as the 0.9 series lays it out (0.9.75 to
     * 0.9.77 alike); 1.0 parses the head anew and refuses a raw NUL. */
    srv->walk_head = strncmp(MHD_get_version(), "0.9.", 4) == 0;

    loopback = tg_http_sockaddr_loopback(ai->ai_addr);

    if (tg_http_tls_load(srv, options, errbuf, errlen) != TG_OK) {
        freeaddrinfo(ai);
        tg_http_server_free(srv);
        return TG_EINVALID;
    }

    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION
            | MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }

    /* The certificate and key, when TLS is on; else nothing more. */
    tls[0] =
        (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, srv->cert.ptr };
    tls[1] =
        (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, srv->key.ptr };
    tls[2] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    if (srv->secure) {
        flags |= MHD_USE_TLS;
    }

    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, tg_http_access, srv, MHD_OPTION_EXTERNAL_LOGGER,
        tg_http_mhd_log, srv, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_NOTIFY_COMPLETED, tg_http_completed, srv,
        MHD_OPTION_URI_LOG_CALLBACK, tg_http_uri_seen, srv,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) TG_HTTP_IDLE_SECONDS,
        MHD_OPTION_CONNECTION_LIMIT, options->max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) TG_HTTP_MEMORY_LIMIT,
        MHD_OPTION_ARRAY, srv->secure ? tls : &tls[2], MHD_OPTION_END);

    freeaddrinfo(ai);

    if (srv->daemon == NULL) {
        snprintf(errbuf, errlen,
                 srv->secure ? "cannot listen on %s (address in use, or a "
                               "certificate and key that do not load?)"
                             : "cannot listen on %s (address in use?)",
                 options->listen);
        tg_http_server_free(srv);
        return TG_EINVALID;
    }

    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info != NULL ? info->port : 0;

    if (!srv->secure && !loopback) {
        TG_LOG(TG_LOG_WARN,
               options->require_tls
                   ? "plain HTTP on a non-loopback address: only loopback "
                     "clients are answered (require_tls); give tls_cert and "
                     "tls_key to serve others"
                   : "plain HTTP on a non-loopback address with require_tls "
                     "off: access-key secrets and AppSecrets cross the "
                     "network in clear",
               TG_LF_STR("listen", options->listen));
    }

    *out = srv;
    return TG_OK;
}


void
tg_http_set_max_body(tg_http_server_t *srv, size_t max_body)
{
    atomic_store_explicit(&srv->max_body, max_body, memory_order_relaxed);
}


unsigned
tg_http_port(const tg_http_server_t *srv)
{
    return srv->port;
}


void
tg_http_stop(tg_http_server_t *srv)
{
    if (srv != NULL) {
        MHD_stop_daemon(srv->daemon);
        tg_http_server_free(srv);
    }
}


int
tg_http_server_secure(const tg_http_server_t *srv)
{
    return srv->secure;
}
