/*
 * tollgate_echo: the sample upstream of `tollgate up`.  It answers every
 * request with what it received, as JSON:
 *
 *     {"method": "GET", "uri": "/x?a=1",
 *      "headers": {"Host": "...", "X-Tollgate-App-Id": "...", ...},
 *      "body": "..."}
 *
 * so that a newcomer sees which headers the gateway added.  A body nginx
 * kept in a file is shown as null rather than read back (which would block).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_tollgate_body.h"
#include "ngx_http_tollgate_echo.h"


/* Appends "s" with JSON escapes; returns the new end. */
static u_char *
ngx_http_tollgate_echo_str(u_char *p, u_char *s, size_t len)
{
    *p++ = '"';
    p = (u_char *) ngx_escape_json(p, s, len);
    *p++ = '"';
    return p;
}


static size_t
ngx_http_tollgate_echo_len(u_char *s, size_t len)
{
    return 2 + len + ngx_escape_json(NULL, s, len);
}


static void
ngx_http_tollgate_echo_send(ngx_http_request_t *r)
{
    ngx_list_part_t *part;
    ngx_table_elt_t *h;
    ngx_str_t        body;
    ngx_buf_t       *b;
    ngx_chain_t      out;
    ngx_uint_t       i, first;
    ngx_int_t        rc, in_file;
    size_t           len;
    u_char          *p;

    rc = ngx_http_tollgate_read_body(r, &body);
    if (rc == NGX_ERROR) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }
    in_file = rc == NGX_DECLINED;

    /* Two passes over the headers: size, then write. */
    len =
        sizeof("{\"method\":,\"uri\":,\"headers\":{},\"body\":}\n")
        + ngx_http_tollgate_echo_len(r->method_name.data, r->method_name.len)
        + ngx_http_tollgate_echo_len(r->unparsed_uri.data, r->unparsed_uri.len)
        + (in_file ? 4 : ngx_http_tollgate_echo_len(body.data, body.len));

    part = &r->headers_in.headers.part;
    h = part->elts;
    for (i = 0; /* void */; i++) {
        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            h = part->elts;
            i = 0;
        }
        len += 2 + ngx_http_tollgate_echo_len(h[i].key.data, h[i].key.len)
               + ngx_http_tollgate_echo_len(h[i].value.data, h[i].value.len);
    }

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = ngx_cpymem(b->last, "{\"method\":", 10);
    p = ngx_http_tollgate_echo_str(p, r->method_name.data, r->method_name.len);
    p = ngx_cpymem(p, ",\"uri\":", 7);
    p = ngx_http_tollgate_echo_str(p, r->unparsed_uri.data,
                                   r->unparsed_uri.len);
    p = ngx_cpymem(p, ",\"headers\":{", 12);

    first = 1;
    part = &r->headers_in.headers.part;
    h = part->elts;
    for (i = 0; /* void */; i++) {
        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            h = part->elts;
            i = 0;
        }
        if (!first) {
            *p++ = ',';
        }
        first = 0;
        p = ngx_http_tollgate_echo_str(p, h[i].key.data, h[i].key.len);
        *p++ = ':';
        p = ngx_http_tollgate_echo_str(p, h[i].value.data, h[i].value.len);
    }

    p = ngx_cpymem(p, "},\"body\":", 9);
    if (in_file) {
        p = ngx_cpymem(p, "null", 4);
    } else {
        p = ngx_http_tollgate_echo_str(p, body.data, body.len);
    }
    p = ngx_cpymem(p, "}\n", 2);
    b->last = p;
    b->last_buf = 1;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    out.buf = b;
    out.next = NULL;
    ngx_http_finalize_request(r, ngx_http_output_filter(r, &out));
}


ngx_int_t
ngx_http_tollgate_echo_handler(ngx_http_request_t *r)
{
    ngx_int_t rc;

    rc = ngx_http_read_client_request_body(r, ngx_http_tollgate_echo_send);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }
    return NGX_DONE;
}
