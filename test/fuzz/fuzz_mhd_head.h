/*
 * A model of how libmicrohttpd 0.9 cuts a request head in place, for the
 * tests of lib/http_screen.c's walk (test/unit/test_http_screen.c and
 * test/fuzz/fuzz_http_screen.c): the head is copied, every line end (CR
 * LF, a bare LF or a bare CR) becomes NULs, the space after the method,
 * the last space before the version and each header's ':' become NULs,
 * and every piece is measured up to its first NUL, as libmicrohttpd
 * measures what it hands on.  Header-only.
 */

#ifndef TOLLGATE_FUZZ_MHD_HEAD_H
#define TOLLGATE_FUZZ_MHD_HEAD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MHD_HEAD_HEADERS_MAX 64

typedef struct {
    char       *buf;  /* the copy, cut */
    size_t      size; /* the head, through the empty line's end */
    const char *method, *uri, *version;
    size_t      uri_len;
    size_t      nheaders;
    const char *key[MHD_HEAD_HEADERS_MAX];
    size_t      key_size[MHD_HEAD_HEADERS_MAX];
    const char *value[MHD_HEAD_HEADERS_MAX];
    size_t      value_size[MHD_HEAD_HEADERS_MAX];
} mhd_head_t;


/* The line at *pos: cuts its end and returns its length, moving *pos to
 * the next line; -1 if no line end is left. */
static inline long
mhd_head_line(mhd_head_t *h, size_t len, size_t *pos)
{
    size_t start = *pos, i = start;

    while (i < len && h->buf[i] != '\r' && h->buf[i] != '\n') {
        i++;
    }
    if (i == len) {
        return -1;
    }
    *pos = i + 1;
    if (h->buf[i] == '\r' && i + 1 < len && h->buf[i + 1] == '\n') {
        h->buf[i + 1] = '\0';
        *pos = i + 2;
    }
    h->buf[i] = '\0';
    return (long) (i - start);
}


/*
 * Cuts data as libmicrohttpd would: 0, or -1 for a head it would refuse
 * (no empty line, a request line without a method, a URI and a version,
 * a header
 * without ':', a folded line, too many headers).  Free h->buf after.
 */
static inline int
mhd_head_cut(mhd_head_t *h, const uint8_t *data, size_t len)
{
    size_t pos = 0, start;
    long   n;
    char  *line, *sp, *colon;

    memset(h, 0, sizeof(*h));
    h->buf = malloc(len + 1);
    if (h->buf == NULL) {
        return -1;
    }
    memcpy(h->buf, data, len);
    h->buf[len] = '\0';

    n = mhd_head_line(h, len, &pos);
    if (n <= 0) {
        return -1;
    }
    line = h->buf;
    sp = memchr(line, ' ', (size_t) n);
    if (sp == NULL || sp == line) {
        return -1;
    }
    *sp++ = '\0';
    while (sp < line + n && *sp == ' ') {
        sp++;
    }
    h->method = line;
    h->uri = sp;
    for (h->version = line + n; h->version > sp; h->version--) {
        if (h->version[-1] == ' ') {
            break;
        }
    }
    if (h->version == sp || h->version == line + n) {
        return -1;
    }
    ((char *) h->version)[-1] = '\0';
    h->uri_len = strlen(h->uri);

    for (;;) {
        start = pos;
        n = mhd_head_line(h, len, &pos);
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            h->size = pos;
            return 0;
        }
        line = h->buf + start;
        colon = memchr(line, ':', (size_t) n);
        if (line[0] == ' ' || line[0] == '\t' || colon == NULL
            || h->nheaders == MHD_HEAD_HEADERS_MAX)
        {
            return -1;
        }
        *colon++ = '\0';
        while (*colon == ' ' || *colon == '\t') {
            colon++;
        }
        h->key[h->nheaders] = line;
        h->key_size[h->nheaders] = strlen(line);
        h->value[h->nheaders] = colon;
        h->value_size[h->nheaders] = strlen(colon);
        h->nheaders++;
    }
}


/* Walks a cut head: 1 if the walk finds it bad. */
static inline int
mhd_head_walk(const mhd_head_t *h)
{
    tg_http_walk_t w;
    size_t         i;

    tg_http_walk_start(&w, h->method, h->size, h->uri, h->uri_len, h->version);
    for (i = 0; i < h->nheaders && !w.bad; i++) {
        tg_http_walk_header(&w, h->key[i], h->key_size[i], h->value[i],
                            h->value_size[i]);
    }
    return tg_http_walk_end(&w);
}


/* 1 if the head's bytes hold a NUL that hides something: one followed,
 * within its line, by a byte other than NUL.  (NULs alone before a line
 * end cut nothing off, whatever the walk makes of them.) */
static inline int
mhd_head_hides_nul(const uint8_t *data, size_t size)
{
    size_t i;
    int    nul = 0;

    for (i = 0; i < size; i++) {
        if (data[i] == '\r' || data[i] == '\n') {
            nul = 0;
        } else if (data[i] == '\0') {
            nul = 1;
        } else if (nul) {
            return 1;
        }
    }
    return 0;
}

#endif /* TOLLGATE_FUZZ_MHD_HEAD_H */
