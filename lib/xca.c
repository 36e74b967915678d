/*
 * Alibaba's X-Ca-* signature and AppCode authentication: the string to
 * sign, signing, verification, and the timestamp, Content-MD5 and
 * Authorization checks around them.  Shared by the nginx module, the CLI,
 * the tests and the fuzzer; see include/tollgate/xca.h for the rules.
 *
 * Nothing here allocates: the nginx module calls it once per request with
 * memory from the request's pool.  Sorting is a heapsort on caller memory
 * (qsort may call malloc), made stable by breaking ties on the position of
 * each key in its input, which only grows in the order of occurrence.
 */

#include <stdint.h>
#include <string.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/xca.h"


/* Appends to a bounded buffer; counts what did not fit, writes none of it
 * nor anything after it. */
typedef struct {
    char  *ptr;
    size_t cap;
    size_t len;
    int    overflow;
} tg_xca_writer_t;


static void
tg_xca_put(tg_xca_writer_t *w, const char *p, size_t n)
{
    if (!w->overflow && n <= w->cap - w->len) {
        if (n > 0) {
            memcpy(w->ptr + w->len, p, n);
        }
    } else {
        w->overflow = 1;
    }

    w->len += n;
}


static void
tg_xca_put_str(tg_xca_writer_t *w, tg_str_t s)
{
    tg_xca_put(w, s.ptr, s.len);
}


static void
tg_xca_put_char(tg_xca_writer_t *w, char c)
{
    tg_xca_put(w, &c, 1);
}


/* Splits the next sep-delimited piece off *rest.  Returns 0 at the end. */
static int
tg_xca_next_piece(tg_str_t *rest, char sep, tg_str_t *piece)
{
    const char *end;

    if (rest->ptr == NULL) {
        return 0;
    }

    end = rest->len > 0 ? memchr(rest->ptr, sep, rest->len) : NULL;
    if (end == NULL) {
        *piece = *rest;
        *rest = TG_STR_NULL;
    } else {
        piece->ptr = rest->ptr;
        piece->len = (size_t) (end - rest->ptr);
        rest->ptr = end + 1;
        rest->len -= piece->len + 1;
    }

    return 1;
}


/* The number of pieces tg_xca_next_piece() yields: none for "". */
static size_t
tg_xca_count_pieces(tg_str_t s, char sep)
{
    size_t i, n = 1;

    if (s.len == 0) {
        return 0;
    }

    for (i = 0; i < s.len; i++) {
        n += s.ptr[i] == sep;
    }

    return n;
}


/* Headers that X-Ca-Signature-Headers may list but that are not signed
 * in the Headers block.  (By length first: this runs for every name of
 * the list, several times per request.) */
static int
tg_xca_header_excluded(tg_str_t name)
{
    switch (name.len) {
    case 4:
        return tg_str_eq_nocase(name, TG_STR("Date"));
    case 6:
        return tg_str_eq_nocase(name, TG_STR("Accept"));
    case 11:
        return tg_str_eq_nocase(name, TG_STR("Content-MD5"));
    case 12:
        return tg_str_eq_nocase(name, TG_STR("Content-Type"));
    case 14:
        return tg_str_eq_nocase(name, TG_STR("X-Ca-Signature"));
    case 22:
        return tg_str_eq_nocase(name, TG_STR("X-Ca-Signature-Headers"));
    default:
        return 0;
    }
}


/* The next name of X-Ca-Signature-Headers that is signed, trimmed. */
static int
tg_xca_next_header(tg_str_t *rest, tg_str_t *name)
{
    tg_str_t piece;

    while (tg_xca_next_piece(rest, ',', &piece)) {
        piece = tg_str_trim(piece);
        if (piece.len > 0 && !tg_xca_header_excluded(piece)) {
            *name = piece;
            return 1;
        }
    }

    return 0;
}


/* Decodes the byte of in at *i and moves *i past it: '+' is a space, %XX
 * a byte, and a '%' without two hex digits stays a '%' (as Node's
 * querystring does). */
static char
tg_xca_decode_next(tg_str_t in, size_t *i)
{
    int c = tg_form_decode_byte(in, i);

    if (c < 0) {
        (*i)++;
        return '%';
    }
    return (char) c;
}


/* Decodes in to out, which holds in.len bytes; returns the length. */
static tg_str_t
tg_xca_decode(tg_str_t in, char *out)
{
    size_t i = 0, n = 0;

    while (i < in.len) {
        out[n++] = tg_xca_decode_next(in, &i);
    }

    return (tg_str_t){ out, n };
}


/* Splits a parameter piece at its first '='; no '=' gives an empty value. */
static void
tg_xca_split_param(tg_str_t piece, tg_str_t *key, tg_str_t *value)
{
    const char *eq = memchr(piece.ptr, '=', piece.len);

    if (eq == NULL) {
        *key = piece;
        *value = (tg_str_t){ piece.ptr + piece.len, 0 };
        return;
    }

    key->ptr = piece.ptr;
    key->len = (size_t) (eq - piece.ptr);
    value->ptr = eq + 1;
    value->len = piece.len - key->len - 1;
}


/* Orders pairs by key bytes, then by where the key sits in memory. */
static int
tg_xca_pair_less(const tg_xca_pair_t *a, const tg_xca_pair_t *b)
{
    size_t n = a->key.len < b->key.len ? a->key.len : b->key.len;
    int    c = n > 0 ? memcmp(a->key.ptr, b->key.ptr, n) : 0;

    if (c != 0) {
        return c < 0;
    }
    if (a->key.len != b->key.len) {
        return a->key.len < b->key.len;
    }
    return (uintptr_t) a->key.ptr < (uintptr_t) b->key.ptr;
}


static void
tg_xca_sift_down(tg_xca_pair_t *p, size_t root, size_t n)
{
    size_t        child;
    tg_xca_pair_t t;

    while ((child = 2 * root + 1) < n) {
        if (child + 1 < n && tg_xca_pair_less(&p[child], &p[child + 1])) {
            child++;
        }
        if (!tg_xca_pair_less(&p[root], &p[child])) {
            return;
        }
        t = p[root];
        p[root] = p[child];
        p[child] = t;
        root = child;
    }
}


/* Below this many pairs (a usual request's), insertion sort: fewer
 * comparisons than heapsort, and the same order, which the comparison
 * fixes whole (no two pairs are equal). */
#define TG_XCA_SORT_SMALL 8

/* Heapsort: O(n log n) on hostile input, no allocation. */
static void
tg_xca_sort(tg_xca_pair_t *p, size_t n)
{
    size_t        i, j;
    tg_xca_pair_t t;

    if (n < TG_XCA_SORT_SMALL) {
        for (i = 1; i < n; i++) {
            t = p[i];
            for (j = i; j > 0 && tg_xca_pair_less(&t, &p[j - 1]); j--) {
                p[j] = p[j - 1];
            }
            p[j] = t;
        }
        return;
    }

    for (i = n / 2; i > 0; i--) {
        tg_xca_sift_down(p, i - 1, n);
    }

    for (i = n; i > 1; i--) {
        t = p[0];
        p[0] = p[i - 1];
        p[i - 1] = t;
        tg_xca_sift_down(p, 0, i - 1);
    }
}


/*
 * Looks every signed header up and computes the sizes the build needs:
 * exact for pairs and scratch bounds, an upper bound for out.  Returns
 * TG_OK, TG_EMISSING or TG_ECONFLICT (a signed header sent twice).
 */
static int
tg_xca_measure(const tg_xca_request_t *req, const tg_xca_buffers_t *buf,
               tg_xca_need_t *need, size_t *kept, tg_str_t *culprit)
{
    tg_str_t rest = req->signature_headers, name, value;
    size_t   params, headers, n = 0;
    int      found;

    need->out = req->method.len + req->accept.len + req->content_md5.len
                + req->content_type.len + req->date.len + 5 + req->path.len;

    while (tg_xca_next_header(&rest, &name)) {
        found = req->header != NULL ? req->header(req->header_ctx, name, &value)
                                    : 0;
        if (found <= 0) {
            if (culprit != NULL) {
                *culprit = name;
            }
            return found == 0 ? TG_EMISSING : TG_ECONFLICT;
        }
        need->out += name.len + 1 + value.len + 1;
        if (n < buf->pairs_cap && buf->pairs != NULL) {
            buf->pairs[n] = (tg_xca_pair_t){ name, value };
        }
        n++;
    }
    *kept = n;

    headers = tg_xca_count_pieces(req->signature_headers, ',');
    params = tg_xca_count_pieces(req->query, '&')
             + tg_xca_count_pieces(req->form, '&');

    need->pairs = headers > params ? headers : params;
    need->scratch = req->query.len + req->form.len;

    if (need->scratch > 0) {
        /* '?', and an '&' between the query and the form */
        need->out += need->scratch + 2;
    }

    return TG_OK;
}


/* Writes the signed headers, whose n pairs tg_xca_measure() kept. */
static void
tg_xca_write_headers(tg_xca_pair_t *pairs, size_t n, tg_xca_writer_t *w)
{
    size_t i;

    tg_xca_sort(pairs, n);

    for (i = 0; i < n; i++) {
        if (i > 0 && tg_str_eq(pairs[i].key, pairs[i - 1].key)) {
            continue;
        }
        tg_xca_put_str(w, pairs[i].key);
        tg_xca_put_char(w, ':');
        tg_xca_put_str(w, pairs[i].value);
        tg_xca_put_char(w, '\n');
    }
}


/*
 * Decodes the parameters of src into pairs[*n...].  Each key is decoded at
 * the offset of its piece in the scratch (src starts at base), and each
 * value at the offset of its raw value, so decoding never overlaps and
 * keys' addresses follow their order.
 */
static void
tg_xca_decode_params(tg_str_t src, char *base, tg_xca_pair_t *pairs, size_t *n)
{
    tg_str_t rest = src, piece, key, value;

    while (tg_xca_next_piece(&rest, '&', &piece)) {
        if (piece.len == 0) {
            continue;
        }
        tg_xca_split_param(piece, &key, &value);
        pairs[*n].key = tg_xca_decode(key, base + (key.ptr - src.ptr));
        pairs[*n].value = tg_xca_decode(value, base + (value.ptr - src.ptr));
        (*n)++;
    }
}


/*
 * Writes the sorted parameters.  A key that comes twice (in the query, the
 * form, or one in each) is refused: the upstream would see both values,
 * while clients sign one of them (Alibaba's documentation: the first) or
 * both joined with a comma (the Node client), never both unambiguously.
 * Returns TG_OK, or TG_EINVALID with *culprit at the decoded key.
 */
static int
tg_xca_write_params(const tg_xca_request_t *req, const tg_xca_buffers_t *buf,
                    tg_xca_writer_t *w, tg_str_t *culprit)
{
    size_t n = 0, i;

    if (req->query.len > 0) {
        tg_xca_decode_params(req->query, buf->scratch, buf->pairs, &n);
    }
    if (req->form.len > 0) {
        tg_xca_decode_params(req->form, buf->scratch + req->query.len,
                             buf->pairs, &n);
    }

    tg_xca_sort(buf->pairs, n);

    for (i = 0; i < n; i++) {
        if (i > 0 && tg_str_eq(buf->pairs[i].key, buf->pairs[i - 1].key)) {
            if (culprit != NULL) {
                *culprit = buf->pairs[i].key;
            }
            return TG_EINVALID;
        }
        tg_xca_put_char(w, i == 0 ? '?' : '&');
        tg_xca_put_str(w, buf->pairs[i].key);
        if (buf->pairs[i].value.len > 0) {
            tg_xca_put_char(w, '=');
            tg_xca_put_str(w, buf->pairs[i].value);
        }
    }

    return TG_OK;
}


int
tg_xca_string_to_sign(const tg_xca_request_t *req, const tg_xca_buffers_t *buf,
                      tg_str_t *sts, tg_xca_need_t *need, tg_str_t *culprit)
{
    tg_xca_writer_t w = { buf->out, buf->out_cap, 0, buf->out == NULL };
    size_t          kept;
    int             rc;

    rc = tg_xca_measure(req, buf, need, &kept, culprit);
    if (rc != TG_OK) {
        return rc;
    }

    if (buf->pairs_cap < need->pairs || buf->scratch_cap < need->scratch
        || (need->pairs > 0 && buf->pairs == NULL)
        || (need->scratch > 0 && buf->scratch == NULL))
    {
        return TG_ENOSPC;
    }

    tg_xca_put_str(&w, req->method);
    tg_xca_put_char(&w, '\n');
    tg_xca_put_str(&w, req->accept);
    tg_xca_put_char(&w, '\n');
    tg_xca_put_str(&w, req->content_md5);
    tg_xca_put_char(&w, '\n');
    tg_xca_put_str(&w, req->content_type);
    tg_xca_put_char(&w, '\n');
    tg_xca_put_str(&w, req->date);
    tg_xca_put_char(&w, '\n');
    tg_xca_write_headers(buf->pairs, kept, &w);
    tg_xca_put_str(&w, req->path);
    rc = tg_xca_write_params(req, buf, &w, culprit);
    if (rc != TG_OK) {
        return rc;
    }

    need->out = w.len;
    if (w.overflow) {
        return TG_ENOSPC;
    }

    *sts = (tg_str_t){ buf->out, w.len };
    return TG_OK;
}


int
tg_xca_is_form(tg_str_t content_type)
{
    const char *semi;

    if (content_type.len == 0) {
        return 0;
    }

    semi = memchr(content_type.ptr, ';', content_type.len);
    if (semi != NULL) {
        content_type.len = (size_t) (semi - content_type.ptr);
    }

    return tg_str_eq_nocase(tg_str_trim(content_type),
                            TG_STR("application/x-www-form-urlencoded"));
}


int
tg_xca_header_signed(tg_str_t signature_headers, tg_str_t name)
{
    tg_str_t rest = signature_headers, listed;

    while (tg_xca_next_header(&rest, &listed)) {
        if (tg_str_eq_nocase(listed, name)) {
            return 1;
        }
    }

    return 0;
}


int
tg_xca_method_parse(tg_str_t value, tg_xca_method_t *method)
{
    if (value.ptr == NULL || tg_str_eq_c(value, "HmacSHA256")) {
        *method = TG_XCA_HMAC_SHA256;
        return TG_OK;
    }

    if (tg_str_eq_c(value, "HmacSHA1")) {
        *method = TG_XCA_HMAC_SHA1;
        return TG_OK;
    }

    return TG_EINVALID;
}


const char *
tg_xca_method_name(tg_xca_method_t method)
{
    return method == TG_XCA_HMAC_SHA1 ? "HmacSHA1" : "HmacSHA256";
}


int
tg_xca_sign(tg_xca_method_t method, tg_str_t secret, tg_str_t sts,
            char out[TG_XCA_SIGNATURE_MAX + 1], size_t *len)
{
    uint8_t mac[TG_SHA256_LEN];
    size_t  mac_len, n = 0;
    int     rc;

    if (method == TG_XCA_HMAC_SHA1) {
        rc = tg_hmac_sha1(secret, sts, mac);
        mac_len = TG_SHA1_LEN;
    } else {
        rc = tg_hmac_sha256(secret, sts, mac);
        mac_len = TG_SHA256_LEN;
    }

    if (rc != TG_OK) {
        out[0] = '\0';
        goto cleanup;
    }

    n = tg_base64_encode(mac, mac_len, out);

cleanup:

    tg_wipe(mac, sizeof(mac));
    if (len != NULL) {
        *len = n;
    }
    return rc;
}


tg_hmac_alg_t
tg_xca_hmac_alg(tg_xca_method_t method)
{
    return method == TG_XCA_HMAC_SHA1 ? TG_HMAC_SHA1 : TG_HMAC_SHA256;
}


int
tg_xca_verify_mac(tg_hmac_t *mac, tg_str_t sts, tg_str_t signature)
{
    if (tg_hmac_size(mac) > TG_SHA256_LEN) {
        return TG_EINTERNAL;
    }
    return tg_hmac_verify_base64(mac, sts, signature);
}


int
tg_xca_verify(tg_xca_method_t method, tg_str_t secret, tg_str_t sts,
              tg_str_t signature)
{
    char   expected[TG_XCA_SIGNATURE_MAX + 1];
    size_t n;
    int    rc;

    rc = tg_xca_sign(method, secret, sts, expected, &n);
    if (rc != TG_OK) {
        goto cleanup;
    }

    /* constant time comparison */

    if (!tg_equal_ct(expected, n, signature.ptr, signature.len)) {
        rc = TG_ESIGNATURE;
    }

cleanup:

    tg_wipe(expected, sizeof(expected));
    return rc;
}


int
tg_xca_timestamp_check(tg_str_t value, int64_t now_ms, int64_t skew_ms,
                       int64_t *ts)
{
    int64_t  t = 0;
    uint64_t distance;
    unsigned d;
    size_t   i;

    if (value.len == 0 || value.ptr[0] < '0' || value.ptr[0] > '9') {
        return TG_ETIMESTAMP;
    }
    if (value.len <= 18) {
        /* no overflow possible: digits only, without tg_str_to_int64()'s
         * check per digit */
        for (i = 0; i < value.len; i++) {
            d = (unsigned) (unsigned char) value.ptr[i] - '0';
            if (d > 9) {
                return TG_ETIMESTAMP;
            }
            t = t * 10 + (int64_t) d;
        }
    } else if (tg_str_to_int64(value, 0, INT64_MAX, &t) != TG_OK) {
        return TG_ETIMESTAMP;
    }

    /* exact in unsigned arithmetic, since t >= 0 */
    distance = t >= now_ms ? (uint64_t) t - (uint64_t) now_ms
                           : (uint64_t) now_ms - (uint64_t) t;

    if (skew_ms < 0 || distance > (uint64_t) skew_ms) {
        return TG_ESKEW;
    }

    if (ts != NULL) {
        *ts = t;
    }
    return TG_OK;
}


int
tg_xca_content_md5(tg_str_t body, char out[TG_XCA_CONTENT_MD5_LEN + 1])
{
    uint8_t digest[TG_MD5_LEN];
    int     rc;

    rc = tg_md5(body, digest);
    if (rc != TG_OK) {
        out[0] = '\0';
        return rc;
    }

    tg_base64_encode(digest, sizeof(digest), out);
    return TG_OK;
}


int
tg_xca_content_md5_check(tg_str_t header, tg_str_t body)
{
    char expected[TG_XCA_CONTENT_MD5_LEN + 1];
    int  rc;

    if (body.len == 0) {
        return TG_EDIGEST;
    }

    rc = tg_xca_content_md5(body, expected);
    if (rc != TG_OK) {
        return rc;
    }

    /* constant time comparison */

    if (!tg_equal_ct(expected, TG_XCA_CONTENT_MD5_LEN, header.ptr, header.len))
    {
        return TG_EDIGEST;
    }

    return TG_OK;
}


int
tg_xca_sts_message(tg_str_t sts, char *out, size_t cap, size_t *len)
{
    static const tg_str_t prefix = TG_STR(TG_XCA_STS_MESSAGE_PREFIX);
    size_t                i, n = 0;
    unsigned char         c;

    *len = TG_XCA_STS_MESSAGE_LEN(sts.len);
    if (cap < *len) {
        return TG_ENOSPC;
    }

    memcpy(out, prefix.ptr, prefix.len);
    n = prefix.len;
    out[n++] = '`';

    for (i = 0; i < sts.len; i++) {
        c = (unsigned char) sts.ptr[i];
        if (c == '\n') {
            c = '#';
        } else if (c < 0x20 || c == 0x7f) {
            c = '?';
        }
        out[n++] = (char) c;
    }

    out[n++] = '`';
    return TG_OK;
}


int
tg_xca_appcode_from_header(tg_str_t value, tg_str_t *code)
{
    static const tg_str_t scheme = TG_STR("APPCODE");
    tg_str_t              word, rest;
    size_t                i;

    if (value.len < scheme.len) {
        return 0;
    }

    word = (tg_str_t){ value.ptr, scheme.len };
    if (!tg_str_eq_nocase(word, scheme)) {
        return 0;
    }

    if (value.len == scheme.len) {
        return TG_EINVALID; /* "APPCODE" alone */
    }

    if (value.ptr[scheme.len] != ' ') {
        /* "APPCODEX" is another scheme; "APPCODE\t" a malformed one */
        return tg_is_tchar((unsigned char) value.ptr[scheme.len]) ? 0
                                                                  : TG_EINVALID;
    }

    rest = (tg_str_t){ value.ptr + scheme.len + 1, value.len - scheme.len - 1 };
    if (rest.len == 0) {
        return TG_EINVALID;
    }

    for (i = 0; i < rest.len; i++) {
        if (rest.ptr[i] < 0x21 || rest.ptr[i] > 0x7e) {
            return TG_EINVALID;
        }
    }

    *code = rest;
    return 1;
}


/* 1 if raw percent-decodes to exactly want. */
static int
tg_xca_decoded_eq(tg_str_t raw, tg_str_t want)
{
    size_t i = 0, n = 0;

    while (i < raw.len) {
        if (n == want.len || tg_xca_decode_next(raw, &i) != want.ptr[n]) {
            return 0;
        }
        n++;
    }

    return n == want.len;
}


/* The raw value of the first AppCode parameter in *rest, which is left
 * after it.  Returns 0 when there is none. */
static int
tg_xca_next_appcode(tg_str_t *rest, tg_str_t *value)
{
    tg_str_t piece, key;

    while (tg_xca_next_piece(rest, '&', &piece)) {
        if (piece.len == 0) {
            continue;
        }

        tg_xca_split_param(piece, &key, value);
        if (tg_xca_decoded_eq(key, TG_STR(TG_XCA_APPCODE_PARAM))) {
            return 1;
        }
    }

    return 0;
}


int
tg_xca_appcode_from_query(tg_str_t query, char *out, size_t cap, size_t *len)
{
    tg_str_t rest = query, value, other;
    size_t   i = 0, n = 0;

    if (!tg_xca_next_appcode(&rest, &value)) {
        return 0;
    }
    if (tg_xca_next_appcode(&rest, &other)) {
        return TG_ECONFLICT;
    }

    while (i < value.len) {
        char c = tg_xca_decode_next(value, &i);

        if (n < cap) {
            out[n] = c;
        }
        n++;
    }

    *len = n;
    if (n == 0) {
        return TG_EINVALID;
    }
    return n <= cap ? 1 : TG_ENOSPC;
}
