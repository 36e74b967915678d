/*
 * libFuzzer driver for lib/utf8.c, the strict UTF-8 decoder that counts
 * names and descriptions from requests, and the sanitizer that copies
 * request text into logs and the audit trail.
 *
 * Beyond memory safety (ASan, UBSan), it checks that the decoder accepts
 * exactly what RFC 3629 allows (no overlong forms, no surrogates, nothing
 * above U+10FFFF; re-encoding a code point gives its bytes back), that the
 * count agrees with a walk, and that the sanitizer's output is valid
 * UTF-8 without control characters, NUL-terminated, within its size, in
 * place too.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/utf8.h"

#include "fuzz.h"


/* Encodes cp (valid) into out; returns its length. */
static size_t
encode(int32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t) cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t) (0xc0 | cp >> 6);
        out[1] = (uint8_t) (0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t) (0xe0 | cp >> 12);
        out[1] = (uint8_t) (0x80 | (cp >> 6 & 0x3f));
        out[2] = (uint8_t) (0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t) (0xf0 | cp >> 18);
    out[1] = (uint8_t) (0x80 | (cp >> 12 & 0x3f));
    out[2] = (uint8_t) (0x80 | (cp >> 6 & 0x3f));
    out[3] = (uint8_t) (0x80 | (cp & 0x3f));
    return 4;
}


/* Walks s; returns 1 and sets *count if all of it is valid. */
static int
walk(tg_str_t s, size_t *count)
{
    size_t  pos = 0, at, len;
    int32_t cp;
    uint8_t bytes[4];

    *count = 0;
    while (pos < s.len) {
        at = pos;
        cp = tg_utf8_next(s, &pos);
        if (cp < 0) {
            check(pos == at);
            return 0;
        }
        check(cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff));
        len = encode(cp, bytes);
        check(pos - at == len && memcmp(s.ptr + at, bytes, len) == 0);
        (*count)++;
    }
    return 1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t s = { (const char *) data, size }, o;
    size_t   count = 0, walked, n, cap, i, c;
    char    *out;
    int      ok;

    ok = walk(s, &walked);
    check(tg_utf8_count(s, &count) == (ok ? TG_OK : TG_EINVALID));
    check(!ok || count == walked);

    cap = size > 0 ? (size_t) data[0] % 64 + 1 : 1;
    for (i = 0; i < 2; i++, cap = 4 * size + 1) {
        out = malloc(cap);
        if (out == NULL) {
            return 0;
        }
        n = tg_utf8_sanitize(s, out, cap);
        check(n < cap && out[n] == '\0');
        o = (tg_str_t){ out, n };
        check(walk(o, &c));
        for (size_t pos = 0; pos < o.len;) {
            check(!tg_utf8_is_control(tg_utf8_next(o, &pos)));
        }
        if (i == 1 && ok) {
            check(count == c);
        }
        free(out);
    }

    /* In place, as tg_native_fail() sanitizes its message. */
    out = malloc(size + 1);
    if (out != NULL) {
        memcpy(out, data, size);
        n = tg_utf8_sanitize((tg_str_t){ out, size }, out, size + 1);
        check(n <= size && out[n] == '\0' && walk((tg_str_t){ out, n }, &c));
        check(!ok || c == count);
        free(out);
    }
    return 0;
}
