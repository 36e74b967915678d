/*
 * UTF-8 decoding and character classes.
 *
 * Strict decoding as RFC 3629 defines it: no overlong forms, no surrogate
 * code points, nothing above U+10FFFF.  Lengths that rules speak of
 * ("at most 64 characters") are counted in code points.
 */

#ifndef TOLLGATE_UTF8_H
#define TOLLGATE_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/str.h"


/*
 * Decodes the code point at s.ptr[*pos] and advances *pos past it.
 * Returns the code point, or -1 if the bytes there are not valid UTF-8
 * (then *pos is unchanged).  *pos must be less than s.len.
 */
int32_t tg_utf8_next(tg_str_t s, size_t *pos);

/*
 * Counts the code points in s.  Returns 0 and sets *count, or TG_EINVALID
 * if s is not valid UTF-8.
 */
int tg_utf8_count(tg_str_t s, size_t *count);

/* 1 if cp is a CJK character: a Han ideograph (the unified and
 * compatibility blocks and their extensions), kana, or a Hangul syllable. */
int tg_utf8_is_cjk(int32_t cp);

/* 1 if cp is a control character (C0, DEL or C1), else 0. */
int tg_utf8_is_control(int32_t cp);

/*
 * Copies s into out (size bytes, size >= 1) as valid UTF-8 text: each
 * invalid byte and each control character becomes '?', and the copy is
 * cut at a character boundary to fit.  For text that came from a request
 * and goes to a log or the audit trail.  out may be s.ptr (in place).
 * Returns the length written (without the NUL).
 */
size_t tg_utf8_sanitize(tg_str_t s, char *out, size_t size);

#endif /* TOLLGATE_UTF8_H */
