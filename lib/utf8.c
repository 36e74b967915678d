/*
 * Strict UTF-8 decoding, and the character classes that name rules use.
 */

#include <string.h>

#include "tollgate/error.h"
#include "tollgate/utf8.h"


int32_t
tg_utf8_next(tg_str_t s, size_t *pos)
{
    const unsigned char *p = (const unsigned char *) s.ptr + *pos;
    size_t               left = s.len - *pos, need, i;
    int32_t              cp, min;

    if (p[0] < 0x80) {
        *pos += 1;
        return p[0];
    }

    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        need = 1;
        cp = p[0] & 0x1f;
        min = 0x80;

    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        need = 2;
        cp = p[0] & 0x0f;
        min = 0x800;

    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        need = 3;
        cp = p[0] & 0x07;
        min = 0x10000;

    } else {
        return -1;
    }

    if (left <= need) {
        return -1;
    }

    for (i = 1; i <= need; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return -1;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }

    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return -1;
    }

    *pos += need + 1;
    return cp;
}


int
tg_utf8_count(tg_str_t s, size_t *count)
{
    size_t pos = 0, n = 0;

    while (pos < s.len) {
        if (tg_utf8_next(s, &pos) < 0) {
            return TG_EINVALID;
        }
        n++;
    }

    *count = n;
    return TG_OK;
}


int
tg_utf8_is_cjk(int32_t cp)
{
    static const int32_t ranges[][2] = {
        { 0x3040, 0x309f },   /* Hiragana */
        { 0x30a0, 0x30ff },   /* Katakana */
        { 0x3400, 0x4dbf },   /* CJK Unified Ideographs Extension A */
        { 0x4e00, 0x9fff },   /* CJK Unified Ideographs */
        { 0xac00, 0xd7a3 },   /* Hangul Syllables */
        { 0xf900, 0xfaff },   /* CJK Compatibility Ideographs */
        { 0x20000, 0x2ebef }, /* Extensions B to F */
        { 0x2f800, 0x2fa1f }, /* Compatibility Ideographs Supplement */
        { 0x30000, 0x323af }, /* Extensions G and H */
    };
    size_t i;

    for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        if (cp >= ranges[i][0] && cp <= ranges[i][1]) {
            return 1;
        }
    }

    return 0;
}


int
tg_utf8_is_control(int32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}


size_t
tg_utf8_sanitize(tg_str_t s, char *out, size_t size)
{
    size_t  pos = 0, start, len = 0, n;
    int32_t cp;

    while (pos < s.len) {
        start = pos;
        cp = tg_utf8_next(s, &pos);

        if (cp < 0 || tg_utf8_is_control(cp)) {
            if (cp < 0) {
                pos = start + 1;
            }
            if (len + 1 >= size) {
                break;
            }
            out[len++] = '?';
            continue;
        }

        n = pos - start;
        if (len + n >= size) {
            break;
        }
        memmove(out + len, s.ptr + start, n); /* out may be s.ptr */
        len += n;
    }

    out[len] = '\0';
    return len;
}
