/*
 * libFuzzer driver for lib/str.c's decoders of request text: the
 * x-www-form-urlencoded byte decoder, the RFC 3986 percent-encoder that
 * signatures are computed over, and the decimal integer parser.
 *
 * Beyond memory safety (ASan, UBSan), it checks the decoder against a
 * plain model (a bad escape leaves the index unchanged), that decoding an
 * encoding gives the input back with only unreserved bytes and upper-case
 * escapes on the way, and the integer parser against strtoll().  Run with
 * `make fuzz`.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/str.h"

#include "fuzz.h"


/* The form decoder's model: the byte at s[i], or -1 for a bad escape. */
static int
model(tg_str_t s, size_t i, size_t *next)
{
    static const char hex[] = "0123456789abcdefABCDEF";
    char              two[3] = { 0 };

    if (s.ptr[i] != '%') {
        *next = i + 1;
        return s.ptr[i] == '+' ? ' ' : (unsigned char) s.ptr[i];
    }
    if (s.len - i < 3 || s.ptr[i + 1] == '\0' || s.ptr[i + 2] == '\0'
        || strchr(hex, s.ptr[i + 1]) == NULL
        || strchr(hex, s.ptr[i + 2]) == NULL)
    {
        return -1;
    }
    memcpy(two, s.ptr + i + 1, 2);
    *next = i + 3;
    return (int) strtol(two, NULL, 16);
}


static void
fuzz_form(tg_str_t s)
{
    size_t i = 0, at, next = 0;
    int    c;

    while (i < s.len) {
        at = i;
        c = tg_form_decode_byte(s, &i);
        check(c == model(s, at, &next));
        if (c < 0) {
            check(i == at);
            i++; /* as a caller that keeps a literal '%' would */
        } else {
            check(c <= 255 && i == next);
        }
    }
}


static void
fuzz_percent(tg_str_t s)
{
    tg_buf_t b = TG_BUF_INIT;
    tg_str_t e;
    size_t   i = 0, o = 0;
    int      c;

    check(tg_percent_encode(&b, s) == TG_OK);
    e = tg_buf_str(&b);
    check(e.len >= s.len && e.len <= 3 * s.len);
    while (i < e.len) {
        check(strchr("+ ", e.ptr[i]) == NULL || e.ptr[i] == '\0');
        if (e.ptr[i] == '%') {
            check(strchr("0123456789ABCDEF", e.ptr[i + 1]) != NULL
                  && strchr("0123456789ABCDEF", e.ptr[i + 2]) != NULL);
        }
        c = tg_form_decode_byte(e, &i);
        check(c >= 0 && o < s.len && c == (unsigned char) s.ptr[o++]);
    }
    check(o == s.len);
    tg_buf_free(&b);
}


static void
fuzz_int64(tg_str_t s)
{
    char   *text, *end;
    int64_t v = 7, want;
    int     rc, ok;

    text = tg_strndup(s.ptr, s.len);
    if (text == NULL) {
        return;
    }
    rc = tg_str_to_int64(s, INT64_MIN, INT64_MAX, &v);
    errno = 0;
    want = strtoll(text, &end, 10);
    ok = s.len > 0 && memchr(s.ptr, '\0', s.len) == NULL && errno == 0
         && end == text + s.len
         && (text[0] == '-' || (text[0] >= '0' && text[0] <= '9'))
         && s.len - (text[0] == '-') <= 19; /* digits, leading zeros too */
    check(rc == (ok ? TG_OK : TG_EINVALID));
    check(ok ? v == want : v == 7);
    if (ok) {
        check(tg_str_to_int64(s, want, want, &v) == TG_OK);
        if (want < INT64_MAX) {
            check(tg_str_to_int64(s, want + 1, INT64_MAX, &v) == TG_EINVALID);
        }
    }
    free(text);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t s = { (const char *) data, size };

    fuzz_form(s);
    fuzz_percent(s);
    if (size <= 64) {
        fuzz_int64(s);
    }
    return 0;
}
