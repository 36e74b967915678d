/*
 * tollgate_echo: a content handler that answers with the request it
 * received, as JSON (the sample upstream of `tollgate up`).
 */

#ifndef NGX_HTTP_TOLLGATE_ECHO_H
#define NGX_HTTP_TOLLGATE_ECHO_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* The location's content handler: reads the body, then echoes. */
ngx_int_t ngx_http_tollgate_echo_handler(ngx_http_request_t *r);

#endif /* NGX_HTTP_TOLLGATE_ECHO_H */
