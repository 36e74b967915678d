/*
 * The request body as one string (see the header).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_tollgate_body.h"


ngx_int_t
ngx_http_tollgate_read_body(ngx_http_request_t *r, ngx_str_t *body)
{
    ngx_chain_t *cl;
    ngx_buf_t   *one = NULL;
    size_t       len = 0;
    ngx_uint_t   n = 0;
    u_char      *p;

    ngx_str_set(body, "");
    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    /* A chunked body ends with an empty buffer that only marks the end:
     * neither in memory nor in a file, it holds nothing. */
    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        if (cl->buf->in_file) {
            return NGX_DECLINED;
        }
        if (ngx_buf_in_memory(cl->buf) && cl->buf->last > cl->buf->pos) {
            one = cl->buf;
            len += cl->buf->last - cl->buf->pos;
            n++;
        }
    }

    if (n <= 1) {
        if (one != NULL) {
            body->data = one->pos;
            body->len = len;
        }
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }
    body->data = p;
    body->len = len;
    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        if (ngx_buf_in_memory(cl->buf)) {
            p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        }
    }
    return NGX_OK;
}
