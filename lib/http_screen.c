/*
 * The screen of a request's head.  See include/tollgate/http_screen.h.
 */

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "tollgate/http_screen.h"


static int
tg_http_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
           || (c >= 'A' && c <= 'F');
}


const char *
tg_http_screen_uri(const char *uri, size_t len)
{
    const char *query = memchr(uri, '?', len);
    size_t      i;

    if (memchr(uri, '\0', len) != NULL) {
        return "The request URI holds a NUL byte";
    }

    for (i = 0; i < len; i++) {
        if (uri[i] != '%') {
            continue;
        }
        if (len - i < 3 || !tg_http_is_hex(uri[i + 1])
            || !tg_http_is_hex(uri[i + 2])) {
            return "The request URI holds a '%' that begins no escape";
        }
        if (uri[i + 1] == '0' && uri[i + 2] == '0') {
            return "The request URI holds a NUL byte";
        }
        if ((query == NULL || uri + i < query) && uri[i + 1] == '2'
            && (uri[i + 2] == 'f' || uri[i + 2] == 'F'))
        {
            return "The request path holds an escaped '/' (%2F)";
        }
    }

    return NULL;
}


/* Exact names, then prefixes of the vendors' signing headers. */
static const char *const tg_http_once[] = {
    "authorization", "content-type", "host", "date", "content-md5",
};

static const char *const tg_http_once_prefixes[] = {
    "x-acs-", "x-tc-", "x-sdk-", "x-authing-", "x-genauth-",
};


int
tg_http_screen_is_once(const char *name, size_t name_len)
{
    size_t i, n;

    for (i = 0; i < sizeof(tg_http_once) / sizeof(tg_http_once[0]); i++) {
        n = strlen(tg_http_once[i]);
        if (name_len == n && strncasecmp(name, tg_http_once[i], n) == 0) {
            return 1;
        }
    }
    for (i = 0; i < sizeof(tg_http_once_prefixes) / sizeof(char *); i++) {
        n = strlen(tg_http_once_prefixes[i]);
        if (name_len >= n
            && strncasecmp(name, tg_http_once_prefixes[i], n) == 0) {
            return 1;
        }
    }
    return 0;
}


/* 1 if name is the header called lower (lower case, NUL-terminated). */
static int
tg_http_screen_named(const char *name, size_t len, const char *lower)
{
    return len == strlen(lower) && strncasecmp(name, lower, len) == 0;
}


/* Records a once-only header; sets scr->repeated on its second time. */
static void
tg_http_screen_once(tg_http_screen_t *scr, const char *key, size_t len)
{
    size_t i;

    if (!tg_http_screen_is_once(key, len)) {
        return;
    }
    for (i = 0; i < scr->nseen; i++) {
        if (scr->seen_len[i] == len && strncasecmp(scr->seen[i], key, len) == 0)
        {
            scr->repeated = 1;
            return;
        }
    }
    if (scr->nseen == TG_HTTP_SCREEN_ONCE_MAX) {
        scr->repeated = 1; /* more signing headers than any vendor's */
        return;
    }
    scr->seen[scr->nseen] = key;
    scr->seen_len[scr->nseen++] = len;
}


void
tg_http_screen_header(tg_http_screen_t *scr, const char *key, size_t key_size,
                      const char *value, size_t value_size)
{
    scr->count++;

    if (memchr(key, '\0', key_size) != NULL
        || (value != NULL && memchr(value, '\0', value_size) != NULL))
    {
        scr->nul = 1;
        return;
    }

    tg_http_screen_once(scr, key, key_size);
    if (tg_http_screen_named(key, key_size, "content-length")) {
        scr->content_length++;
    } else if (tg_http_screen_named(key, key_size, "transfer-encoding")) {
        scr->transfer_encoding++;
    }
}


const char *
tg_http_screen_verdict(const tg_http_screen_t *scr)
{
    if (scr->nul) {
        return "A request header holds a NUL byte";
    }
    if (scr->count > TG_HTTP_SCREEN_HEADERS_MAX) {
        return "The request has more than 100 headers";
    }
    if (scr->repeated) {
        return "A header that may appear once is repeated";
    }
    if (scr->content_length > 1) {
        return "The request has more than one Content-Length header";
    }
    if (scr->transfer_encoding > 0 && scr->content_length > 0) {
        return "The request has both Transfer-Encoding and Content-Length";
    }
    return NULL;
}


/*
 * The offset of p in the head, if p lies in it (at its end included when
 * end is set): pointers that may come from elsewhere are compared as
 * addresses, never subtracted.
 */
static int
tg_http_walk_offset(const tg_http_walk_t *w, const char *p, int end,
                    size_t *off)
{
    uintptr_t a = (uintptr_t) p, h = (uintptr_t) w->head;
    uintptr_t size = (uintptr_t) w->end - h;

    if (p == NULL || a < h || a - h > size || (!end && a - h == size)) {
        return 0;
    }
    *off = (size_t) (a - h);
    return 1;
}


/* The length of the string at off, within the head; the head's rest if
 * it holds no NUL. */
static size_t
tg_http_walk_strlen(const tg_http_walk_t *w, size_t off)
{
    return strnlen(w->head + off, (size_t) (w->end - w->head) - off);
}


void
tg_http_walk_start(tg_http_walk_t *w, const char *head, size_t size,
                   const char *uri, size_t uri_len, const char *version)
{
    size_t n, p, u, v;

    w->head = head;
    w->end = head + size;
    w->at = head;
    w->bad = 1;

    /* "METHOD" NUL spaces "URI" NUL "VERSION" */
    n = tg_http_walk_strlen(w, 0);
    if (n == 0 || n + 1 >= size || !tg_http_walk_offset(w, uri, 0, &u)
        || !tg_http_walk_offset(w, version, 0, &v))
    {
        return;
    }
    for (p = n + 1; p < u && head[p] == ' '; p++) {
    }
    if (p != u || uri_len == 0 || size - u <= uri_len + 1
        || u + uri_len + 1 != v) {
        return;
    }
    n = tg_http_walk_strlen(w, v);
    if (n == 0) {
        return;
    }
    w->at = head + v + n;
    w->bad = 0;
}


/* Steps over the 1 or 2 NULs of a line end (CR LF or LF) to next. */
static int
tg_http_walk_line_end(tg_http_walk_t *w, size_t next)
{
    size_t at = (size_t) (w->at - w->head), size = (size_t) (w->end - w->head);

    if (at < size && w->head[at] == '\0' && next == at + 1) {
        w->at = w->head + next;
        return 1;
    }
    if (at + 1 < size && w->head[at] == '\0' && w->head[at + 1] == '\0'
        && next == at + 2)
    {
        w->at = w->head + next;
        return 1;
    }
    return 0;
}


void
tg_http_walk_header(tg_http_walk_t *w, const char *key, size_t key_size,
                    const char *value, size_t value_size)
{
    size_t k, v, p, size = (size_t) (w->end - w->head);

    if (w->bad) {
        return;
    }
    w->bad = 1;

    if (value == NULL || !tg_http_walk_offset(w, key, 0, &k)
        || !tg_http_walk_line_end(w, k) || size - k <= key_size
        || tg_http_walk_strlen(w, k) != key_size)
    {
        return;
    }
    /* The ':' became a NUL; the spaces and tabs after it are skipped. */
    p = k + key_size + 1;
    if (!tg_http_walk_offset(w, value, 1, &v)) {
        return;
    }
    while (p < v && (w->head[p] == ' ' || w->head[p] == '\t')) {
        p++;
    }
    if (p != v || size - v < value_size
        || (value_size < size - v && w->head[v + value_size] != '\0'))
    {
        return;
    }
    w->at = w->head + v + value_size;
    w->bad = 0;
}


int
tg_http_walk_end(const tg_http_walk_t *w)
{
    const char *p;
    size_t      n;

    if (w->bad) {
        return 1;
    }

    /* Only the last line's end and the empty line's are left. */
    n = (size_t) (w->end - w->at);
    if (n < 2 || n > 4) {
        return 1;
    }
    for (p = w->at; p < w->end; p++) {
        if (*p != '\0') {
            return 1;
        }
    }
    return 0;
}
