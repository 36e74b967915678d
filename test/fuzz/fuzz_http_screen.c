/*
 * libFuzzer driver for lib/http_screen.c, the screen that decides a
 * request is malformed before any dialect reads it: the request target's
 * escapes, the once-only and framing rules of the headers, and the walk
 * that finds a raw NUL in a head libmicrohttpd cut in place.
 *
 * The input is a request head as a client sends it.  Beyond memory
 * safety (ASan, UBSan), it checks that a target passes only without a
 * NUL, raw or escaped, and with every '%' beginning an escape; that the
 * verdict on the headers agrees with a count of them; and, over the head
 * cut as libmicrohttpd 0.9 cuts it (fuzz_mhd_head.h), that the walk fails
 * whenever a raw NUL hides something and passes when there is none.
 * Seeded from the hostile corpus's raw requests.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tollgate/http_screen.h"

#include "fuzz.h"
#include "fuzz_mhd_head.h"


static int
is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
           || (c >= 'A' && c <= 'F');
}


/* The target passes only if it is clean. */
static void
check_uri(const uint8_t *data, size_t size)
{
    const char *why = tg_http_screen_uri((const char *) data, size);
    size_t      i;

    if (why != NULL) {
        check(why[0] != '\0');
        return;
    }
    for (i = 0; i < size; i++) {
        check(data[i] != '\0');
        if (data[i] == '%') {
            check(i + 2 < size && is_hex(data[i + 1]) && is_hex(data[i + 2]));
            check(!(data[i + 1] == '0' && data[i + 2] == '0'));
        }
    }
}


/* The verdict agrees with a count of the headers. */
static void
check_headers(const mhd_head_t *h)
{
    tg_http_screen_t scr;
    unsigned         cl = 0, te = 0;
    size_t           i;

    memset(&scr, 0, sizeof(scr));
    for (i = 0; i < h->nheaders; i++) {
        tg_http_screen_header(&scr, h->key[i], h->key_size[i], h->value[i],
                              h->value_size[i]);
        if (h->key_size[i] == 14
            && strncasecmp(h->key[i], "content-length", 14) == 0) {
            cl++;
        }
        if (h->key_size[i] == 17
            && strncasecmp(h->key[i], "transfer-encoding", 17) == 0)
        {
            te++;
        }
    }
    if (cl > 1 || (cl > 0 && te > 0)) {
        check(tg_http_screen_verdict(&scr) != NULL);
    }
    if (tg_http_screen_verdict(&scr) == NULL) {
        check(!scr.nul && !scr.repeated && cl <= 1 && !(cl > 0 && te > 0));
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mhd_head_t h;

    check_uri(data, size);

    if (mhd_head_cut(&h, data, size) == 0) {
        if (mhd_head_hides_nul(data, h.size)) {
            check(mhd_head_walk(&h));
        } else if (memchr(data, '\0', h.size) == NULL) {
            check(!mhd_head_walk(&h));
        }
        check_headers(&h);
        check_uri((const uint8_t *) h.uri, h.uri_len);
    }
    free(h.buf);
    return 0;
}
