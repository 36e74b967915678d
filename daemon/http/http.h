/*
 * tollgated's HTTP server, over libmicrohttpd.
 *
 * The server collects each request (its body capped at max_body), gives
 * it a request id, calls one handler, and sends the response with an
 * X-Request-Id header.  It then logs one line for the request.  It knows
 * nothing of routes or dialects: the handler does.
 *
 * The server alone decides that a request is malformed (the screen of
 * lib/http_screen.c): a NUL, raw or escaped, in the request line or a
 * header, a folded header, a malformed escape or an escaped '/' in the
 * path, a repeated once-only header, two Content-Length headers, or
 * Content-Length with Transfer-Encoding.  It then reads no body and calls
 * the handler at once with tg_http_malformed() set; the handler (the
 * dialect that claims the request) refuses it in its own shape, and the
 * server closes the connection.
 *
 * Transport security: with a certificate and key (tls_cert, tls_key) the
 * listener speaks only HTTPS.  Without them it speaks plain HTTP, and
 * with require_tls set it answers plain requests from a client that is
 * not on this host's loopback (127.0.0.0/8, ::1) with 403 in the native
 * error shape (code "tls_required"): secrets never cross a network in
 * clear.
 *
 * Ownership: a request and its strings live until the handler returns.
 * The handler fills the response; the server sends its body and then
 * wipes and frees it, since bodies may carry secrets.
 */

#ifndef TOLLGATE_HTTP_H
#define TOLLGATE_HTTP_H

#include <stddef.h>

#include "tollgate/str.h"


#define TG_HTTP_HEADERS_MAX 10

typedef struct tg_http_server_s  tg_http_server_t;
typedef struct tg_http_request_s tg_http_request_t;

typedef struct {
    const char *name;
    char        value[160];
} tg_http_header_t;

/* The server adds Cache-Control: no-store unless the handler sets a
 * Cache-Control header of its own. */
typedef struct {
    unsigned         status;
    const char      *content_type; /* default application/json */
    tg_buf_t         body;
    tg_http_header_t headers[TG_HTTP_HEADERS_MAX];
    size_t           nheaders;
} tg_http_response_t;

typedef void (*tg_http_handler_pt)(void *data, tg_http_request_t *req,
                                   tg_http_response_t *res);

typedef struct {
    const char        *listen; /* "host:port", "[v6]:port" */
    size_t             max_body;
    tg_http_handler_pt handler;
    void              *data;
    const char        *tls_cert;    /* PEM certificate (chain) file, or NULL */
    const char        *tls_key;     /* its PEM private key file, or NULL */
    int                require_tls; /* plain HTTP only from loopback */
    unsigned           max_connections; /* served at once (a thread each) */
} tg_http_options_t;


/* The largest certificate or key file read, in bytes. */
#define TG_HTTP_TLS_FILE_MAX (1024 * 1024)


/*
 * Binds and starts serving.  Returns 0, or an error with a message in
 * errbuf: TG_EINVALID for a bad address, a certificate without a key (or
 * the reverse), a file that cannot be read, a libmicrohttpd built
 * without TLS, or a certificate and key it refuses.
 */
int tg_http_start(const tg_http_options_t *options, tg_http_server_t **srv,
                  char *errbuf, size_t errlen);

/* Changes the largest body accepted, for requests whose body is not
 * being read yet; safe while the server runs (a reload). */
void tg_http_set_max_body(tg_http_server_t *srv, size_t max_body);

/* The port the server listens on (useful with port 0). */
unsigned tg_http_port(const tg_http_server_t *srv);

/* Stops serving, waiting for requests in progress.  srv may be NULL. */
void tg_http_stop(tg_http_server_t *srv);

/* 1 if the server speaks HTTPS. */
int tg_http_server_secure(const tg_http_server_t *srv);


const char *tg_http_method(const tg_http_request_t *req);

/* The path, percent-decoded, without the query. */
const char *tg_http_path(const tg_http_request_t *req);

/* The request target as received: escapes kept, the query included. */
const char *tg_http_uri(const tg_http_request_t *req);

tg_str_t tg_http_body(const tg_http_request_t *req);

/* 1 if the body was larger than max_body (and was dropped). */
int tg_http_body_too_large(const tg_http_request_t *req);

/* Why the request is malformed, one sentence that quotes no input, or
 * NULL.  A malformed request has no body, and its strings may have been
 * cut at a NUL: only refuse it. */
const char *tg_http_malformed(const tg_http_request_t *req);

/* A request header (case-insensitive name), or NULL. */
const char *tg_http_header(const tg_http_request_t *req, const char *name);

/* The first value of a query argument, or NULL. */
const char *tg_http_query(const tg_http_request_t *req, const char *name);

/* Calls fn for every query argument in order; value may be NULL for a
 * bare "?key".  Stops early if fn returns non-zero. */
typedef int (*tg_http_arg_pt)(void *data, const char *key, const char *value);
void tg_http_query_each(const tg_http_request_t *req, tg_http_arg_pt fn,
                        void *data);

/* Calls fn for every request header in order, a repeated one each time
 * it came.  Stops early if fn returns non-zero. */
void tg_http_header_each(const tg_http_request_t *req, tg_http_arg_pt fn,
                         void *data);

const char *tg_http_request_id(const tg_http_request_t *req);

/* The client's address, as text. */
const char *tg_http_remote(const tg_http_request_t *req);

/* 1 if the request came over TLS, else 0: what an authorization
 * condition on transport ("came over TLS") reads. */
int tg_http_is_secure(const tg_http_request_t *req);

/* 1 if the client is on this host's loopback (127.0.0.0/8 or ::1, an
 * IPv4-mapped one included). */
int tg_http_is_loopback(const tg_http_request_t *req);

/* Names the access key that made the request, for the request log. */
void tg_http_set_actor(tg_http_request_t *req, const char *key_id);

/* Adds a response header; the value is formatted and truncated to fit. */
void tg_http_response_header(tg_http_response_t *res, const char *name,
                             const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* TOLLGATE_HTTP_H */
