/*
 * The screen of a request's head: what tollgated's HTTP layer decides is
 * malformed before any dialect reads the request.  Pure functions over
 * bytes, so that they can be unit-tested and fuzzed without a server
 * (daemon/http/http.c feeds them what libmicrohttpd hands it).
 *
 * Every check answers why a request is malformed, as one sentence for
 * the client, or NULL when it is not.  No reason quotes the input.
 */

#ifndef TOLLGATE_HTTP_SCREEN_H
#define TOLLGATE_HTTP_SCREEN_H

#include <stddef.h>


/*
 * The raw request target, len bytes as received (escapes kept, the query
 * included): a NUL byte, an escaped NUL (%00), a '%' that begins no
 * escape (libmicrohttpd keeps it as it is, where another reader may
 * decode it), or an escaped '/' in the path (libmicrohttpd decodes it
 * into a separator, so "/v1/apps%2F<id>" would reach a route a proxy in
 * front never saw).
 */
const char *tg_http_screen_uri(const char *uri, size_t len);

/*
 * Whether a header (name_len bytes, any case) may appear only once: those
 * that name who calls, what the body is, or what a signature covers,
 * since a dialect reads one of them and a proxy in front may have read
 * another.
 */
int tg_http_screen_is_once(const char *name, size_t name_len);


#define TG_HTTP_SCREEN_ONCE_MAX 32

/* The most headers a request may have. */
#define TG_HTTP_SCREEN_HEADERS_MAX 100

/*
 * What the headers say, counted over every one received, in order: feed
 * each to tg_http_screen_header(), then ask tg_http_screen_verdict().
 * Zero it before the first header.  It points into the names it was fed,
 * which must outlive it.
 */
typedef struct {
    unsigned    content_length;
    unsigned    transfer_encoding;
    size_t      count;    /* headers fed */
    int         nul;      /* a header name or value holds a NUL */
    int         repeated; /* a once-only header came twice */
    const char *seen[TG_HTTP_SCREEN_ONCE_MAX]; /* once-only names so far */
    size_t      seen_len[TG_HTTP_SCREEN_ONCE_MAX];
    size_t      nseen;
} tg_http_screen_t;

/* One header: key_size bytes of name, value_size of value (value may be
 * NULL for none). */
void tg_http_screen_header(tg_http_screen_t *scr, const char *key,
                           size_t key_size, const char *value,
                           size_t value_size);

/* Why the headers fed so far make the request malformed, or NULL: a NUL,
 * more than TG_HTTP_SCREEN_HEADERS_MAX headers, a repeated once-only
 * header, two Content-Length headers, or
 * Content-Length with Transfer-Encoding (a body framed twice, which
 * proxies in front may read differently). */
const char *tg_http_screen_verdict(const tg_http_screen_t *scr);


/*
 * The raw-NUL walk of a head cut in place, as libmicrohttpd 0.9 does it:
 * the request line and the header lines stay in its read buffer, the
 * space after the method, the one before the version, each header's ':'
 * and every line's CR LF (or bare LF) become NULs, and each piece is
 * handed on as a pointer to its start, measured up to its first NUL.  A
 * raw NUL byte in a piece therefore ends it early, unseen.  But the
 * pieces must follow each other exactly as the layout puts them (after a
 * separator's NUL and the spaces skipped), and the head must end with
 * only the line ends' NULs: a NUL cut leaves the rest of its piece in
 * between, and the walk fails.  So do a folded header line (its value is
 * moved elsewhere) and any layout the walk does not know: it fails
 * closed.  A NUL just before a line's LF is indistinguishable from its CR
 * and hides nothing.  The URI's bytes are not read (libmicrohttpd cuts
 * and unescapes its query in place after measuring it: uri_len is its
 * length as received).  Bytes are read only within [head, head + size).
 *
 *     tg_http_walk_t w;
 *     tg_http_walk_start(&w, method, head_size, uri, strlen(uri), version);
 *     for each header in order: tg_http_walk_header(&w, key, ...);
 *     bad = tg_http_walk_end(&w);
 */
typedef struct {
    const char *head; /* the method's first byte */
    const char *at;   /* where the next piece must start */
    const char *end;  /* the end of the head */
    int         bad;
} tg_http_walk_t;

void tg_http_walk_start(tg_http_walk_t *w, const char *head, size_t size,
                        const char *uri, size_t uri_len, const char *version);

void tg_http_walk_header(tg_http_walk_t *w, const char *key, size_t key_size,
                         const char *value, size_t value_size);

/* 1 if the head holds a raw NUL (or a layout the walk does not know),
 * else 0. */
int tg_http_walk_end(const tg_http_walk_t *w);

#endif /* TOLLGATE_HTTP_SCREEN_H */
