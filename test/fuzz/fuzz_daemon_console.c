/*
 * libFuzzer driver for what the web console reads of a request: the
 * file name after "/console/" (daemon/console/console.c), the
 * Accept-Encoding header, and the session cookie in the Cookie header
 * (daemon/dialects/native/native_sessions.c).
 *
 * The input is split at its first NUL: the name, and the header value
 * (used as both Accept-Encoding and Cookie).  Beyond memory safety, it
 * checks that an accepted name cannot leave the console's directory or
 * name a hidden file (every segment non-empty, of the allowed bytes, not
 * led by a dot, at most TG_CONSOLE_SEGMENTS_MAX of them), and that a
 * cookie found lies inside the header and holds no ';'.  Run with
 * `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "console/console.h"
#include "dialects/native/native_int.h"
#include "tollgate/error.h"

#include "fuzz_http.h"


static void
check_name(const char *raw, size_t len)
{
    char   name[256];
    size_t i, seg = 0, nseg = 1;

    if (tg_console_name(raw, len, name, sizeof(name)) != TG_OK) {
        return;
    }
    if (len == 0) {
        check(strcmp(name, "index.html") == 0);
        return;
    }
    check(strlen(name) == len && memcmp(name, raw, len) == 0);
    for (i = 0; i < len; i++) {
        if (name[i] == '/') {
            check(seg > 0);
            seg = 0;
            nseg++;
            continue;
        }
        check(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_-.",
                     name[i])
              != NULL);
        check(seg > 0 || name[i] != '.');
        check(++seg <= TG_CONSOLE_SEGMENT_MAX);
    }
    check(seg > 0 && nseg <= TG_CONSOLE_SEGMENTS_MAX);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_http_request_t req;
    const uint8_t    *nul = memchr(data, '\0', size);
    size_t            nlen = nul != NULL ? (size_t) (nul - data) : size;
    char             *header;
    tg_str_t          id;
    int               rc;

    check_name((const char *) data, nlen);

    header = malloc(size - nlen + 1);
    if (header == NULL) {
        return 0;
    }
    memcpy(header, data + nlen, size - nlen);
    header[size - nlen] = '\0';
    if (nul != NULL) {
        memmove(header, header + 1, size - nlen); /* past the NUL */
    }

    rc = tg_console_accepts_gzip(header);
    check(rc == 0 || rc == 1);

    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.path = "/v1/whoami";
    req.headers[0][0] = "Cookie";
    req.headers[0][1] = header;
    req.nheaders = 1;

    rc = tg_native_session_cookie(&req, &id);
    check(rc >= -1 && rc <= 1);
    if (rc == 1) {
        check(id.ptr >= header && id.ptr + id.len <= header + strlen(header));
        check(memchr(id.ptr, ';', id.len) == NULL);
    }

    free(header);
    return 0;
}
