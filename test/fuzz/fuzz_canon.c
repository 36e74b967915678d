/*
 * libFuzzer driver for lib/canon.c, the canonical-request pieces the
 * signature schemes share: the "Name=value, ..." Authorization
 * parameters, the SignedHeaders list, the canonical path and the block of
 * canonical headers.  The schemes' drivers reach these through their own
 * rules; this one calls them directly, with every flag.
 *
 * Beyond memory safety (ASan, UBSan), it checks: parsed parameters point
 * into the input, are not empty and hold no ',' (names come from the
 * list asked for); a SignedHeaders list parses to names that obey
 * fuzz_check_header_names(); the canonical path starts with '/', keeps
 * the path's '/'s and holds only unreserved bytes and upper-case escapes;
 * the canonical headers hold a line per header and the empty line
 * before the names.  The input is a selector byte, then NUL-separated
 * fields.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/canon.h"
#include "tollgate/error.h"
#include "tollgate/str.h"

#include "fuzz.h"


#define FIELDS 16


static void
check_auth_params(tg_str_t s)
{
    static const char *const names[] = { "Access", "SignedHeaders",
                                         "Signature" };
    tg_str_t                 values[3];
    size_t                   i;
    int                      rc;

    rc = tg_canon_auth_params(s, names, values, 3);
    check(rc == TG_OK || rc == TG_EINVALID);
    if (rc != TG_OK) {
        return;
    }
    for (i = 0; i < 3; i++) {
        check(values[i].ptr != NULL && values[i].len > 0);
        check(inside(values[i], s));
        check(memchr(values[i].ptr, ',', values[i].len) == NULL);
    }
}


static void
check_header_names(tg_str_t s, unsigned flags)
{
    char   names[8][TG_CANON_HEADER_NAME_MAX + 1];
    size_t n = 0;
    int    rc;

    rc = tg_canon_header_names_parse(s, names, 8, flags, &n);
    check(rc == TG_OK || rc == TG_EINVALID);
    if (rc == TG_OK) {
        fuzz_check_header_names(names, n, 8, (flags & TG_CANON_UNIQUE) != 0);
    }
}


static int
unreserved(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || strchr("-_.~", c) != NULL;
}


static void
check_path(tg_str_t s)
{
    tg_buf_t out = TG_BUF_INIT;
    size_t   i, slashes = 0, out_slashes = 0;

    check(tg_canon_path(s, &out) == TG_OK);
    if (s.len == 0) {
        check(out.len == 1 && out.ptr[0] == '/');
        tg_buf_free(&out);
        return;
    }
    for (i = 0; i < s.len; i++) {
        slashes += s.ptr[i] == '/';
    }
    for (i = 0; i < out.len; i++) {
        if (out.ptr[i] == '/') {
            out_slashes++;
        } else if (out.ptr[i] == '%') {
            check(i + 2 < out.len);
            check(strchr("0123456789ABCDEF", out.ptr[i + 1]) != NULL
                  && strchr("0123456789ABCDEF", out.ptr[i + 2]) != NULL);
            i += 2;
        } else {
            check(unreserved(out.ptr[i]));
        }
    }
    /* Every '/' kept, where it was: none added, none escaped. */
    check(out_slashes == slashes);
    check((out.len > 0 && out.ptr[0] == '/') == (s.ptr[0] == '/'));
    tg_buf_free(&out);
}


static void
check_headers(const tg_str_t *fields, size_t n, unsigned flags)
{
    tg_canon_pair_t pairs[FIELDS];
    tg_buf_t        out = TG_BUF_INIT;
    size_t          i, lines = 0;

    for (i = 0; i < n; i++) {
        (void) fuzz_pair(fields[i], ':', &pairs[i]);
    }
    check(tg_canon_headers(pairs, n, flags, &out) == TG_OK);

    /* n lines of headers, an empty line, then the names. */
    for (i = 0; i < out.len; i++) {
        lines += out.ptr[i] == '\n';
    }
    check(lines >= n + 1);
    tg_buf_free(&out);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t fields[FIELDS], s;
    size_t   n;

    if (size == 0) {
        return 0;
    }
    s = (tg_str_t){ (const char *) data + 1, size - 1 };

    switch (data[0] & 0x07) {
    case 0:
        check_auth_params(s);
        break;
    case 1:
        check_header_names(s, 0);
        break;
    case 2:
        check_header_names(s, TG_CANON_UNIQUE);
        break;
    case 3:
        check_path(s);
        break;
    default:
        n = fuzz_fields(data + 1, size - 1, fields, FIELDS);
        check_headers(fields, n, (unsigned) (data[0] >> 3) & 0x03);
        break;
    }
    return 0;
}
