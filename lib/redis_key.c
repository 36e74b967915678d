/*
 * The Redis keys of the gateway's cluster-wide data plane, and the
 * command that carries them (see include/tollgate/redis_key.h).
 */

#include <string.h>

#include "tollgate/error.h"
#include "tollgate/redis_key.h"


#define TG_RKEY_APP_MAX 64


/* An app id: 1 to TG_RKEY_APP_MAX lowercase hex letters and digits, so
 * that it can be a hash tag (no braces) and nothing else. */
static int
tg_rkey_app_valid(tg_str_t app)
{
    size_t i;

    if (app.ptr == NULL || app.len == 0 || app.len > TG_RKEY_APP_MAX) {
        return 0;
    }
    for (i = 0; i < app.len; i++) {
        if (!((app.ptr[i] >= '0' && app.ptr[i] <= '9')
              || (app.ptr[i] >= 'a' && app.ptr[i] <= 'f')))
        {
            return 0;
        }
    }
    return 1;
}


/* Writes n in decimal at the end of buf (24 bytes); returns where it
 * starts.  (No snprintf: this runs several times per call.) */
static char *
tg_rkey_decimal(char *buf, size_t n)
{
    char *p = buf + 24;

    do {
        *--p = (char) ('0' + n % 10);
        n /= 10;
    } while (n != 0);
    return p;
}


/* Appends n bytes at *p if they fit before end; returns 0 if not. */
static int
tg_rkey_put(char **p, const char *end, const char *s, size_t n)
{
    if ((size_t) (end - *p) < n) {
        return 0;
    }
    if (n > 0) {
        memcpy(*p, s, n);
    }
    *p += n;
    return 1;
}


int
tg_rkey_nonce(tg_str_t app, tg_str_t key, tg_str_t nonce, char *out, size_t cap,
              size_t *len)
{
    char  count[24], *digits;
    char *p = out, *end = out + cap;

    if (!tg_rkey_app_valid(app) || key.ptr == NULL || key.len == 0
        || (nonce.ptr == NULL && nonce.len != 0))
    {
        return TG_EINVALID;
    }
    if (key.len > TG_RKEY_NONCE_MAX || nonce.len > TG_RKEY_NONCE_MAX - key.len)
    {
        return TG_ETOO_LARGE;
    }

    digits = tg_rkey_decimal(count, key.len);
    if (!tg_rkey_put(&p, end, "tg:n:{", 6)
        || !tg_rkey_put(&p, end, app.ptr, app.len)
        || !tg_rkey_put(&p, end, "}:", 2)
        || !tg_rkey_put(&p, end, digits, (size_t) (count + 24 - digits))
        || !tg_rkey_put(&p, end, ":", 1)
        || !tg_rkey_put(&p, end, key.ptr, key.len)
        || !tg_rkey_put(&p, end, ":", 1)
        || !tg_rkey_put(&p, end, nonce.ptr, nonce.len))
    {
        return TG_ETOO_LARGE;
    }
    *len = (size_t) (p - out);
    return TG_OK;
}


int
tg_rkey_bucket(tg_str_t app, char *out, size_t cap, size_t *len)
{
    char *p = out, *end = out + cap;

    if (!tg_rkey_app_valid(app)) {
        return TG_EINVALID;
    }
    if (!tg_rkey_put(&p, end, "tg:r:{", 6)
        || !tg_rkey_put(&p, end, app.ptr, app.len)
        || !tg_rkey_put(&p, end, "}", 1))
    {
        return TG_ETOO_LARGE;
    }
    *len = (size_t) (p - out);
    return TG_OK;
}


/* Appends "<mark><n>\r\n". */
static int
tg_resp_header(char **p, const char *end, char mark, size_t n)
{
    char count[24], *digits;

    digits = tg_rkey_decimal(count, n);
    return tg_rkey_put(p, end, &mark, 1)
           && tg_rkey_put(p, end, digits, (size_t) (count + 24 - digits))
           && tg_rkey_put(p, end, "\r\n", 2);
}


int
tg_resp_command(char *out, size_t cap, int argc, const tg_str_t *argv,
                size_t *len)
{
    char *p = out, *end = out + cap;
    int   i;

    if (argc < 1) {
        return TG_EINVALID;
    }
    if (!tg_resp_header(&p, end, '*', (size_t) argc)) {
        return TG_ETOO_LARGE;
    }
    for (i = 0; i < argc; i++) {
        if (!tg_resp_header(&p, end, '$', argv[i].len)
            || !tg_rkey_put(&p, end, argv[i].ptr, argv[i].len)
            || !tg_rkey_put(&p, end, "\r\n", 2))
        {
            return TG_ETOO_LARGE;
        }
    }
    *len = (size_t) (p - out);
    return TG_OK;
}
