/*
 * A fake of daemon/http/http.h for the fuzz_daemon_* drivers, which link
 * the daemon's sources without its libmicrohttpd server: a request is
 * built from the fuzzer's bytes, as the server would hand it to a
 * dialect (C strings for the method, path, headers and query arguments,
 * already percent-decoded; the body as bytes).  Only one driver includes
 * it, so it defines the functions.
 */

#ifndef TOLLGATE_FUZZ_HTTP_H
#define TOLLGATE_FUZZ_HTTP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"

#include "fuzz.h"


#define FUZZ_HTTP_ARGS 32

struct tg_http_request_s {
    const char *method;
    const char *path;
    tg_str_t    body;
    const char *headers[FUZZ_HTTP_ARGS][2];
    size_t      nheaders;
    const char *query[FUZZ_HTTP_ARGS][2]; /* a NULL value: "name" alone */
    size_t      nquery;
    char       *text; /* the copy the strings point into */
};


/*
 * Builds req from data: a first byte giving the number of query
 * arguments (its low 4 bits) and of headers (its next 3 bits), then
 * NUL-separated fields: the query arguments ("name=value" or "name"),
 * the headers ("name:value"), and the body (the rest, NULs and all).
 * Returns 0, or -1 if out of memory.
 */
static inline int
fuzz_http_request(tg_http_request_t *req, const uint8_t *data, size_t size)
{
    size_t nq, nh, i, k;
    char  *p, *end, *nul, *sep;

    memset(req, 0, sizeof(*req));
    req->method = "POST";
    req->path = "/";
    if (size == 0) {
        return 0;
    }
    nq = data[0] & 0x0f;
    nh = (size_t) (data[0] >> 4 & 0x07);
    req->text = malloc(size); /* a NUL after the last field, too */
    if (req->text == NULL) {
        return -1;
    }
    memcpy(req->text, data + 1, size - 1);
    req->text[size - 1] = '\0';
    p = req->text;
    end = req->text + size - 1;

    for (i = 0; i < nq + nh && p < end; i++) {
        nul = memchr(p, '\0', (size_t) (end - p));
        if (nul == NULL) {
            nul = end;
        }
        k = i < nq ? 0 : 1;
        sep = strchr(p, k == 0 ? '=' : ':');
        if (sep != NULL) {
            *sep++ = '\0';
        }
        if (k == 0) {
            req->query[req->nquery][0] = p;
            req->query[req->nquery++][1] = sep;
        } else {
            req->headers[req->nheaders][0] = p;
            req->headers[req->nheaders++][1] = sep != NULL ? sep : "";
        }
        p = nul + 1;
    }
    req->body =
        p < end ? (tg_str_t){ p, (size_t) (end - p) } : (tg_str_t){ end, 0 };
    return 0;
}


static inline void
fuzz_http_request_free(tg_http_request_t *req)
{
    free(req->text);
}


int
tg_http_start(const tg_http_options_t *options, tg_http_server_t **srv,
              char *errbuf, size_t errlen)
{
    (void) options;
    (void) srv;
    snprintf(errbuf, errlen, "no server in a fuzz driver");
    return -1;
}


unsigned
tg_http_port(const tg_http_server_t *srv)
{
    (void) srv;
    return 0;
}


void
tg_http_stop(tg_http_server_t *srv)
{
    (void) srv;
}


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


/* The fake's requests come over plain HTTP from the loopback. */
int
tg_http_is_secure(const tg_http_request_t *req)
{
    (void) req;
    return 0;
}


int
tg_http_is_loopback(const tg_http_request_t *req)
{
    (void) req;
    return 1;
}


/* The fake has no escapes: its raw target is its path. */
const char *
tg_http_uri(const tg_http_request_t *req)
{
    return req->path;
}


tg_str_t
tg_http_body(const tg_http_request_t *req)
{
    return req->body;
}


int
tg_http_body_too_large(const tg_http_request_t *req)
{
    (void) req;
    return 0;
}


/* The first header of that name, as libmicrohttpd answers. */
const char *
tg_http_header(const tg_http_request_t *req, const char *name)
{
    size_t i;

    for (i = 0; i < req->nheaders; i++) {
        if (strcasecmp(req->headers[i][0], name) == 0) {
            return req->headers[i][1];
        }
    }
    return NULL;
}


const char *
tg_http_query(const tg_http_request_t *req, const char *name)
{
    size_t i;

    for (i = 0; i < req->nquery; i++) {
        if (strcmp(req->query[i][0], name) == 0) {
            return req->query[i][1];
        }
    }
    return NULL;
}


void
tg_http_query_each(const tg_http_request_t *req, tg_http_arg_pt fn, void *data)
{
    size_t i;

    for (i = 0; i < req->nquery; i++) {
        if (fn(data, req->query[i][0], req->query[i][1]) != 0) {
            return;
        }
    }
}


void
tg_http_header_each(const tg_http_request_t *req, tg_http_arg_pt fn, void *data)
{
    size_t i;

    for (i = 0; i < req->nheaders; i++) {
        if (fn(data, req->headers[i][0], req->headers[i][1]) != 0) {
            return;
        }
    }
}


const char *
tg_http_request_id(const tg_http_request_t *req)
{
    (void) req;
    return "fuzz";
}


const char *
tg_http_remote(const tg_http_request_t *req)
{
    (void) req;
    return "-";
}


void
tg_http_set_actor(tg_http_request_t *req, const char *key_id)
{
    (void) req;
    (void) key_id;
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

#endif /* TOLLGATE_FUZZ_HTTP_H */
