/*
 * Length-carrying byte strings, a growable buffer, constant-time
 * comparison and wiping.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tollgate/error.h"
#include "tollgate/str.h"


tg_str_t
tg_str_c(const char *s)
{
    if (s == NULL) {
        return TG_STR_NULL;
    }

    return (tg_str_t){ s, strlen(s) };
}


int
tg_str_eq(tg_str_t a, tg_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}


int
tg_str_eq_c(tg_str_t a, const char *s)
{
    return tg_str_eq(a, tg_str_c(s));
}


static int
tg_ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}


int
tg_str_eq_nocase(tg_str_t a, tg_str_t b)
{
    size_t i;

    if (a.len != b.len) {
        return 0;
    }

    for (i = 0; i < a.len; i++) {
        if (tg_ascii_lower((unsigned char) a.ptr[i])
            != tg_ascii_lower((unsigned char) b.ptr[i]))
        {
            return 0;
        }
    }

    return 1;
}


int
tg_str_cmp(tg_str_t a, tg_str_t b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int    c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;

    if (c != 0) {
        return c;
    }
    return a.len < b.len ? -1 : a.len > b.len;
}


int
tg_str_has_prefix(tg_str_t s, tg_str_t prefix)
{
    return s.len >= prefix.len
           && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}


tg_str_t
tg_str_trim(tg_str_t s)
{
    while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }

    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) {
        s.len--;
    }

    return s;
}


tg_str_t
tg_uri_path(tg_str_t uri)
{
    const char *q;

    if (uri.len == 0) {
        return uri;
    }
    q = memchr(uri.ptr, '?', uri.len);
    if (q != NULL) {
        uri.len = (size_t) (q - uri.ptr);
    }
    return uri;
}


int
tg_equal_ct(const void *a, size_t alen, const void *b, size_t blen)
{
    if (alen != blen) {
        return 0;
    }

    /* constant time comparison */

    return alen == 0 || CRYPTO_memcmp(a, b, alen) == 0;
}


int
tg_hex_equal_ct(tg_str_t expected, tg_str_t given)
{
    char          lower[TG_HEX_EQUAL_MAX];
    unsigned char c;
    size_t        i;
    int           match;

    if (given.len != expected.len || expected.len > sizeof(lower)) {
        return 0;
    }

    /* Hex compares without case: lower the given digits, branch-free. */

    for (i = 0; i < given.len; i++) {
        c = (unsigned char) given.ptr[i];
        lower[i] = (char) (c | (unsigned char) ((c >= 'A' && c <= 'Z') << 5));
    }

    match = tg_equal_ct(expected.ptr, expected.len, lower, given.len);
    tg_wipe(lower, sizeof(lower));
    return match;
}


void
tg_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0) {
        OPENSSL_cleanse(p, n);
    }
}


int
tg_str_to_int64(tg_str_t s, int64_t min, int64_t max, int64_t *out)
{
    size_t   i = 0;
    int      negative = 0;
    int64_t  v;
    uint64_t value = 0, limit;

    if (s.len > 0 && s.ptr[0] == '-') {
        negative = 1;
        i = 1;
    }

    if (i == s.len || s.len - i > 19) {
        return TG_EINVALID;
    }

    limit = negative ? (uint64_t) INT64_MAX + 1 : (uint64_t) INT64_MAX;

    for (; i < s.len; i++) {
        unsigned d = (unsigned char) s.ptr[i] - '0';

        if (d > 9 || value > (limit - d) / 10) {
            return TG_EINVALID;
        }

        value = value * 10 + d;
    }

    v = negative ? (int64_t) (0 - value) : (int64_t) value;
    if (v < min || v > max) {
        return TG_EINVALID;
    }

    *out = v;
    return TG_OK;
}


char *
tg_strndup(const char *s, size_t len)
{
    char *p = malloc(len + 1);

    if (p == NULL) {
        return NULL;
    }

    if (len > 0) {
        memcpy(p, s, len);
    }

    p[len] = '\0';
    return p;
}


int
tg_buf_reserve(tg_buf_t *b, size_t extra)
{
    size_t cap;
    char  *p;

    if (extra >= SIZE_MAX / 2 - b->len) {
        return TG_ENOMEM;
    }

    if (b->len + extra + 1 <= b->cap) {
        return TG_OK;
    }

    cap = b->cap > 0 ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }

    p = realloc(b->ptr, cap);
    if (p == NULL) {
        return TG_ENOMEM;
    }

    b->ptr = p;
    b->cap = cap;
    return TG_OK;
}


int
tg_buf_append(tg_buf_t *b, const void *data, size_t len)
{
    if (tg_buf_reserve(b, len) != TG_OK) {
        return TG_ENOMEM;
    }

    if (len > 0) {
        memcpy(b->ptr + b->len, data, len);
    }

    b->len += len;
    b->ptr[b->len] = '\0';
    return TG_OK;
}


int
tg_buf_append_c(tg_buf_t *b, const char *s)
{
    return tg_buf_append(b, s, strlen(s));
}


int
tg_buf_append_int(tg_buf_t *b, int64_t n)
{
    char     digits[24];
    char    *p = digits + sizeof(digits);
    uint64_t u = n < 0 ? 0 - (uint64_t) n : (uint64_t) n;

    do {
        *--p = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (n < 0) {
        *--p = '-';
    }

    return tg_buf_append(b, p, (size_t) (digits + sizeof(digits) - p));
}


size_t
tg_json_plain_len(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];

        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            break;
        }
    }
    return i;
}


int
tg_buf_append_lower(tg_buf_t *b, tg_str_t s)
{
    size_t i;
    char   c;
    int    rc = tg_buf_reserve(b, s.len);

    for (i = 0; i < s.len && rc == TG_OK; i++) {
        c = s.ptr[i];
        b->ptr[b->len++] = (char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    if (rc == TG_OK && b->ptr != NULL) {
        b->ptr[b->len] = '\0';
    }
    return rc;
}


int
tg_buf_printf(tg_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);

    if (n < 0 || tg_buf_reserve(b, (size_t) n) != TG_OK) {
        return TG_ENOMEM;
    }

    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t) n + 1, fmt, ap);
    va_end(ap);

    b->len += (size_t) n;
    return TG_OK;
}


void
tg_buf_truncate(tg_buf_t *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->ptr[len] = '\0';
    }
}


void
tg_buf_reset(tg_buf_t *b)
{
    b->len = 0;
    if (b->ptr != NULL) {
        b->ptr[0] = '\0';
    }
}


void
tg_buf_free(tg_buf_t *b)
{
    free(b->ptr);
    *b = TG_BUF_INIT;
}


void
tg_buf_wipe(tg_buf_t *b)
{
    tg_wipe(b->ptr, b->cap);
    tg_buf_free(b);
}


tg_str_t
tg_buf_str(const tg_buf_t *b)
{
    return (tg_str_t){ b->ptr, b->len };
}


int
tg_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}


int
tg_is_tchar(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9')
           || (c > 0 && c < 0x80 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}


static int
tg_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
           || c == '~';
}


int
tg_percent_encode(tg_buf_t *b, tg_str_t s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t            i, start = b->len;
    char              esc[3];
    int               rc = TG_OK;

    for (i = 0; i < s.len && rc == TG_OK; i++) {
        unsigned char c = (unsigned char) s.ptr[i];

        if (tg_unreserved(c)) {
            rc = tg_buf_append(b, s.ptr + i, 1);
            continue;
        }
        esc[0] = '%';
        esc[1] = hex[c >> 4];
        esc[2] = hex[c & 0x0f];
        rc = tg_buf_append(b, esc, 3);
    }

    if (rc == TG_OK) {
        rc = tg_buf_append(b, "", 0);
    }
    if (rc != TG_OK) {
        b->len = start;
        if (b->ptr != NULL) {
            b->ptr[start] = '\0';
        }
    }
    return rc;
}


int
tg_form_decode_byte(tg_str_t s, size_t *i)
{
    unsigned char c = (unsigned char) s.ptr[*i];
    int           hi, lo;

    if (c == '+') {
        (*i)++;
        return ' ';
    }
    if (c != '%') {
        (*i)++;
        return c;
    }
    if (*i + 2 >= s.len) {
        return -1;
    }
    hi = tg_hex_digit((unsigned char) s.ptr[*i + 1]);
    lo = tg_hex_digit((unsigned char) s.ptr[*i + 2]);
    if (hi < 0 || lo < 0) {
        return -1;
    }
    *i += 3;
    return hi << 4 | lo;
}
