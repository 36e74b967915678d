/*
 * Alibaba's AppCode scheme ("appcode"): `Authorization: APPCODE <code>`,
 * or, where the location allows it, an `AppCode` query parameter.  The
 * code is looked up by its keyed hash; failures take the shape of
 * Alibaba's gateway (ngx_http_tollgate_xca_render()).
 *
 * A call names one code: a code in both places, or two `AppCode`
 * parameters, is ambiguous and refused (the upstream could read the
 * other one).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "tollgate/error.h"
#include "tollgate/xca.h"
#include "ngx_http_tollgate_scheme.h"


/* The longest AppCode read from the query. */
#define NGX_TOLLGATE_CODE_MAX 256

enum {
    APPCODE_AUTHORIZATION = 0,
    APPCODE_STAGE
};

static const ngx_str_t ngx_http_tollgate_appcode_headers[] = {
    ngx_string("authorization"), ngx_string("x-ca-stage"), ngx_null_string
};

static const ngx_str_t ngx_http_tollgate_appcode_spelled[] = {
    ngx_string("Authorization"), ngx_string("X-Ca-Stage")
};


/* What the Authorization header says: 1 a code, 0 no AppCode,
 * TG_EINVALID a malformed one. */
static int
ngx_http_tollgate_appcode_header(ngx_http_tollgate_call_t *call, tg_str_t *code)
{
    ngx_table_elt_t *h = call->headers[APPCODE_AUTHORIZATION];

    if (h == NULL) {
        return 0;
    }
    return tg_xca_appcode_from_header(ngx_http_tollgate_header_value(h), code);
}


/* What the query says, where allowed: as tg_xca_appcode_from_query(). */
static int
ngx_http_tollgate_appcode_query(ngx_http_tollgate_call_t *call, char *out,
                                size_t *len)
{
    if (!call->settings->appcode_query) {
        return 0;
    }
    return tg_xca_appcode_from_query(
        (tg_str_t){ (char *) call->r->args.data, call->r->args.len }, out,
        NGX_TOLLGATE_CODE_MAX, len);
}


static ngx_int_t
ngx_http_tollgate_appcode_detect(ngx_http_tollgate_call_t *call)
{
    tg_str_t code;
    char     out[NGX_TOLLGATE_CODE_MAX];
    size_t   len;

    return ngx_http_tollgate_appcode_header(call, &code) != 0
           || ngx_http_tollgate_appcode_query(call, out, &len) != 0;
}


static ngx_int_t
ngx_http_tollgate_appcode_needs_body(ngx_http_tollgate_call_t *call)
{
    (void) call;
    return 0;
}


static ngx_int_t
ngx_http_tollgate_appcode_verify(ngx_http_tollgate_call_t *call)
{
    tg_str_t   code;
    u_char    *qcode;
    size_t     qlen;
    ngx_uint_t i;
    ngx_int_t  rc;
    int        hrc, qrc;

    for (i = 0; ngx_http_tollgate_appcode_headers[i].len != 0; i++) {
        if (call->dup & ((uint32_t) 1 << i)) {
            return ngx_http_tollgate_refuse(
                call, NGX_TOLLGATE_DUPLICATE_HEADER,
                &ngx_http_tollgate_appcode_spelled[i]);
        }
    }

    qcode = ngx_pnalloc(call->r->pool, NGX_TOLLGATE_CODE_MAX);
    if (qcode == NULL) {
        return NGX_ERROR;
    }

    hrc = ngx_http_tollgate_appcode_header(call, &code);
    qrc = ngx_http_tollgate_appcode_query(call, (char *) qcode, &qlen);

    if ((hrc != 0 && qrc != 0) || qrc == TG_ECONFLICT) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_AMBIGUOUS, NULL);
    }
    if (hrc < 0 || qrc < 0) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_MALFORMED_CODE,
                                        NULL);
    }
    if (qrc == 1) {
        code = (tg_str_t){ (char *) qcode, qlen };
    }

    rc = ngx_http_tollgate_find_code(call, code);
    if (rc == NGX_ERROR) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_INTERNAL, NULL);
    }
    if (rc == 0) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_UNKNOWN_CODE, NULL);
    }
    if (call->aged) {
        return ngx_http_tollgate_refuse(call, NGX_TOLLGATE_CODE_EXPIRED, NULL);
    }

    if (call->headers[APPCODE_STAGE] != NULL) {
        call->stage = call->headers[APPCODE_STAGE]->value;
    }
    return NGX_OK;
}


const ngx_http_tollgate_scheme_t ngx_http_tollgate_appcode_scheme = {
    ngx_string("appcode"),
    ngx_http_tollgate_appcode_headers,
    (uint32_t) 1 << APPCODE_AUTHORIZATION,
    ngx_http_tollgate_appcode_detect,
    ngx_http_tollgate_appcode_needs_body,
    ngx_http_tollgate_appcode_verify,
    ngx_http_tollgate_xca_render
};
