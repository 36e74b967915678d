/*
 * Byte strings with a length, and a growable buffer.
 *
 * Ownership: a tg_str_t never owns its bytes; it points into memory that
 * someone else keeps alive.  A tg_buf_t owns its bytes; tg_buf_free()
 * releases them and tg_buf_wipe() also zeroes them first, for buffers that
 * held a secret.  Parsing code takes tg_str_t and never relies on a NUL.
 */

#ifndef TOLLGATE_STR_H
#define TOLLGATE_STR_H

#include <stddef.h>
#include <stdint.h>


typedef struct {
    const char *ptr;
    size_t      len;
} tg_str_t;

#define TG_STR(lit)   ((tg_str_t){ (lit), sizeof(lit) - 1 })
#define TG_STR_NULL   ((tg_str_t){ NULL, 0 })
#define TG_STR_FMT    "%.*s"
#define TG_STR_ARG(s) (int) (s).len, (s).ptr

typedef struct {
    char  *ptr; /* NUL-terminated when ptr != NULL */
    size_t len;
    size_t cap;
} tg_buf_t;

#define TG_BUF_INIT ((tg_buf_t){ NULL, 0, 0 })


/* A tg_str_t over a NUL-terminated string; NULL gives TG_STR_NULL. */
tg_str_t tg_str_c(const char *s);

/* 1 if a and b hold the same bytes, else 0.  Not constant time. */
int tg_str_eq(tg_str_t a, tg_str_t b);

/* 1 if a holds the same bytes as the NUL-terminated s, else 0. */
int tg_str_eq_c(tg_str_t a, const char *s);

/* 1 if a and b are equal ignoring ASCII case, else 0. */
int tg_str_eq_nocase(tg_str_t a, tg_str_t b);

/*
 * Orders a and b byte-wise (unsigned), a shorter string before a longer
 * one it begins; a NULL ptr with len 0 is the empty string.  Returns <0, 0
 * or >0, as memcmp() does.  A qsort() key for the signing schemes.
 */
int tg_str_cmp(tg_str_t a, tg_str_t b);

/* 1 if s starts with prefix, else 0. */
int tg_str_has_prefix(tg_str_t s, tg_str_t prefix);

/* s without leading and trailing spaces and tabs. */
tg_str_t tg_str_trim(tg_str_t s);

/* A request target's path: uri up to its first '?', or all of it. */
tg_str_t tg_uri_path(tg_str_t uri);

/*
 * Compares two byte strings in time that depends only on their lengths,
 * never on where they differ.  Returns 1 if equal, else 0.
 */
int tg_equal_ct(const void *a, size_t alen, const void *b, size_t blen);

/*
 * Compares a signature given in hex (either case) with the lowercase hex
 * that was expected, in time that depends only on expected.len.  Returns
 * 1 if they are the same digits, else 0 (always 0 when the lengths
 * differ).  expected.len is at most TG_HEX_EQUAL_MAX.
 */
#define TG_HEX_EQUAL_MAX 128
int tg_hex_equal_ct(tg_str_t expected, tg_str_t given);

/* Zeroes n bytes at p in a way the compiler cannot remove. */
void tg_wipe(void *p, size_t n);

/*
 * Parses a decimal integer in [min, max] that fills all of s: an optional
 * '-', then digits, no spaces.  Returns 0, or TG_EINVALID and leaves *out
 * unchanged.
 */
int tg_str_to_int64(tg_str_t s, int64_t min, int64_t max, int64_t *out);

/* The value of the hex digit c (either case), or -1. */
int tg_hex_digit(int c);

/* 1 if c is an RFC 9110 tchar (a byte of a header name or a token). */
int tg_is_tchar(int c);

/*
 * Appends s to b percent-encoded as RFC 3986 asks (and Alibaba signs):
 * A-Z a-z 0-9 '-' '.' '_' '~' stay, every other byte becomes %XY in upper
 * case.  Returns 0, or TG_ENOMEM and leaves b unchanged.
 */
int tg_percent_encode(tg_buf_t *b, tg_str_t s);

/*
 * Decodes the application/x-www-form-urlencoded byte at s.ptr[*i] ('+' is
 * a space, %XY a byte) and moves *i past it.  Returns the byte (0-255),
 * or -1 for a '%' not followed by two hex digits, leaving *i unchanged:
 * the caller decides whether that is an error or a literal '%'.
 */
int tg_form_decode_byte(tg_str_t s, size_t *i);

/* A malloc'd NUL-terminated copy of s, or NULL if out of memory. */
char *tg_strndup(const char *s, size_t len);

/*
 * Appends len bytes to b, growing it.  Returns 0, or TG_ENOMEM and leaves
 * b unchanged.  b stays NUL-terminated.
 */
int tg_buf_append(tg_buf_t *b, const void *data, size_t len);

/* Appends a NUL-terminated string.  Errors as tg_buf_append(). */
int tg_buf_append_c(tg_buf_t *b, const char *s);

/* Appends n in decimal (no printf: it runs on every reply and log line).
 * Errors as tg_buf_append(). */
int tg_buf_append_int(tg_buf_t *b, int64_t n);

/*
 * How many of the first len bytes of s need no escape in a JSON string
 * (printable ASCII other than '"' and '\\'), stopping at the first that
 * does: len when s is its own JSON string body.
 */
size_t tg_json_plain_len(const char *s, size_t len);

/*
 * Appends s with A-Z lowered (ASCII only, no locale).  Errors as
 * tg_buf_append().
 */
int tg_buf_append_lower(tg_buf_t *b, tg_str_t s);

/* Appends printf output.  Errors as tg_buf_append(). */
int tg_buf_printf(tg_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Ensures room for extra more bytes.  Errors as tg_buf_append(). */
int tg_buf_reserve(tg_buf_t *b, size_t extra);

/* Shortens b to its first len bytes (len <= b->len), keeping its storage:
 * how a writer undoes its partial append after a failure. */
void tg_buf_truncate(tg_buf_t *b, size_t len);

/* Empties b but keeps its storage. */
void tg_buf_reset(tg_buf_t *b);

/* Releases b's storage; b becomes empty.  This function can't fail. */
void tg_buf_free(tg_buf_t *b);

/* Zeroes b's storage, then releases it. */
void tg_buf_wipe(tg_buf_t *b);

/* The buffer's bytes as a tg_str_t. */
tg_str_t tg_buf_str(const tg_buf_t *b);

#endif /* TOLLGATE_STR_H */
