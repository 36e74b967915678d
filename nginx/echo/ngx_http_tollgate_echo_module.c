/*
 * ngx_http_tollgate_echo_module: the sample upstream of `tollgate up`, a
 * module of its own so that a production nginx, which loads only
 * ngx_http_tollgate_module, carries no test code.
 *
 * `tollgate_echo;` (location) answers every request with what it
 * received, as JSON:
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


static char *ngx_http_tollgate_echo(ngx_conf_t *cf, ngx_command_t *cmd,
                                    void *conf);


static ngx_command_t ngx_http_tollgate_echo_commands[] = {

    { ngx_string("tollgate_echo"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS,
      ngx_http_tollgate_echo, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    ngx_null_command
};


static ngx_http_module_t ngx_http_tollgate_echo_module_ctx = {
    NULL, /* preconfiguration */
    NULL, /* postconfiguration */
    NULL, /* create main configuration */
    NULL, /* init main configuration */
    NULL, /* create server configuration */
    NULL, /* merge server configuration */
    NULL, /* create location configuration */
    NULL  /* merge location configuration */
};


ngx_module_t ngx_http_tollgate_echo_module = {
    NGX_MODULE_V1,
    &ngx_http_tollgate_echo_module_ctx, /* module context */
    ngx_http_tollgate_echo_commands,    /* module directives */
    NGX_HTTP_MODULE,                    /* module type */
    NULL,                               /* init master */
    NULL,                               /* init module */
    NULL,                               /* init process */
    NULL,                               /* init thread */
    NULL,                               /* exit thread */
    NULL,                               /* exit process */
    NULL,                               /* exit master */
    NGX_MODULE_V1_PADDING
};


/*
 * Sets *body to the body nginx has read, joined in the pool; empty without
 * one.  Returns NGX_OK, NGX_DECLINED if part of it is in a file, or
 * NGX_ERROR.
 */
static ngx_int_t
ngx_http_tollgate_echo_body(ngx_http_request_t *r, ngx_str_t *body)
{
    ngx_chain_t *cl;
    size_t       len = 0;
    u_char      *p;

    ngx_str_set(body, "");
    if (r->request_body == NULL) {
        return NGX_OK;
    }
    for (cl = r->request_body->bufs; cl != NULL; cl = cl->next) {
        if (cl->buf->in_file) {
            return NGX_DECLINED;
        }
        if (ngx_buf_in_memory(cl->buf)) {
            len += cl->buf->last - cl->buf->pos;
        }
    }
    p = ngx_pnalloc(r->pool, len + 1);
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

    rc = ngx_http_tollgate_echo_body(r, &body);
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


static ngx_int_t
ngx_http_tollgate_echo_handler(ngx_http_request_t *r)
{
    ngx_int_t rc;

    rc = ngx_http_read_client_request_body(r, ngx_http_tollgate_echo_send);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }
    return NGX_DONE;
}


/* tollgate_echo; */
static char *
ngx_http_tollgate_echo(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_tollgate_echo_handler;
    return NGX_CONF_OK;
}
