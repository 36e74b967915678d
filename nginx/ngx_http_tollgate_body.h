/*
 * The request body as one string in memory, for the signature (form
 * parameters, Content-MD5), whether it came with a length or chunked.
 */

#ifndef NGX_HTTP_TOLLGATE_BODY_H
#define NGX_HTTP_TOLLGATE_BODY_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * Sets *body to the body nginx has read: a view of its one buffer, or a
 * copy joining several (from the request's pool); empty without a body.
 * Returns NGX_OK; NGX_DECLINED if nginx kept part of it in a file (reading
 * that back would block a worker); NGX_ERROR without memory.
 */
ngx_int_t ngx_http_tollgate_read_body(ngx_http_request_t *r, ngx_str_t *body);

#endif /* NGX_HTTP_TOLLGATE_BODY_H */
