/*
 * Tencent Cloud API Gateway's application authentication (the data
 * plane's "hmac" scheme): the Authorization header, the string to sign,
 * the X-Date window and the signatures.
 *
 *   Authorization: hmac id="<ApiAppKey>", algorithm="hmac-sha1",
 *                  headers="x-date source", signature="<base64>"
 *
 * The string to sign (reference/huawei_tencent_authing.md B.5):
 *
 *   lowercase(name) ": " value "\n"     for each signed header, as listed
 *   METHOD "\n" Accept "\n" Content-Type "\n" Content-MD5 "\n"
 *   path [ "?" k1 "=" v1 "&" k2 ... ]    (no trailing newline)
 *
 * where the path has its environment prefix (/release, /prepub, /test)
 * removed ("" becomes "/"), and the parameters are the query's and a form
 * body's, decoded, sorted by key; an empty value is written as the key
 * alone.  Content-MD5 is copied as sent (Tencent's demos send base64 of
 * the hex MD5, not of the digest).
 *
 * Rules the vendor leaves open, as Tollgate decides them: a parameter
 * that comes twice (in the query, the form or both) is refused, as no
 * client can sign it unambiguously; a header listed twice is refused;
 * "x-date" must be among the signed headers.
 *
 * Ownership: parsed parts point into the caller's input; the string to
 * sign is appended to a caller's tg_buf_t.
 */

#ifndef TOLLGATE_TENCENT_HMAC_H
#define TOLLGATE_TENCENT_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/crypto.h"
#include "tollgate/str.h"


/* The longest signature: base64 of a SHA-512 MAC. */
#define TG_TCHMAC_SIGNATURE_MAX (TG_BASE64_ENCODED_LEN(TG_SHA512_LEN) - 1)

/* Names in a headers="..." list, at most. */
#define TG_TCHMAC_HEADERS_MAX 16

/* X-Date must be within this of the server's clock, either way. */
#define TG_TCHMAC_SKEW_MS (900 * 1000LL)

typedef enum {
    TG_TCHMAC_SHA1 = 0,
    TG_TCHMAC_SHA256,
    TG_TCHMAC_SHA384,
    TG_TCHMAC_SHA512
} tg_tchmac_alg_t;

/* The parts of an Authorization header, pointing into it (unquoted). */
typedef struct {
    tg_str_t id;        /* the ApiAppKey */
    tg_str_t algorithm; /* "hmac-sha1"; NULL ptr if absent */
    tg_str_t headers;   /* "x-date source"; NULL ptr if absent */
    tg_str_t signature; /* base64 */
} tg_tchmac_auth_t;

/* One signed header: its name as listed and its value. */
typedef struct {
    tg_str_t name;
    tg_str_t value;
} tg_tchmac_header_t;

/* What the string to sign is made of. */
typedef struct {
    tg_str_t                  method;
    tg_str_t                  accept;       /* NULL ptr: absent */
    tg_str_t                  content_type; /* NULL ptr: absent */
    tg_str_t                  content_md5;  /* NULL ptr: absent */
    tg_str_t                  path;    /* as sent, up to '?', not decoded */
    tg_str_t                  query;   /* as sent, after '?' */
    tg_str_t                  form;    /* a form body, else empty */
    const tg_tchmac_header_t *headers; /* as listed */
    size_t                    nheaders;
} tg_tchmac_request_t;


/*
 * Whether an Authorization value is this scheme's: "hmac " in any case.
 */
int tg_tchmac_detect(tg_str_t authorization);

/*
 * 1 if a Content-Type starts with "application/x-www-form-urlencoded" in
 * any case (so its parameters are signed), else 0.
 */
int tg_tchmac_is_form(tg_str_t content_type);

/*
 * Splits `hmac id="...", algorithm="...", headers="...", signature="..."`
 * (parameters in any order, separated by commas and optional spaces,
 * values in double quotes without escapes).  Returns 0; TG_EMISSING when
 * id or signature is absent or empty; TG_EINVALID for any other shape (an
 * unknown or repeated parameter, a missing quote).
 */
int tg_tchmac_auth_parse(tg_str_t header, tg_tchmac_auth_t *out);

/* "hmac-sha1", "hmac-sha256", "hmac-sha384", "hmac-sha512" in any case:
 * 0, or TG_EINVALID. */
int tg_tchmac_algorithm_parse(tg_str_t name, tg_tchmac_alg_t *alg);

/*
 * Splits a headers list (names separated by spaces) into names[0..*n).
 * Returns 0, or TG_EINVALID for a name that is not an HTTP token, a name
 * listed twice (in any case), or more than TG_TCHMAC_HEADERS_MAX names.
 * An empty list is 0 names.
 */
int tg_tchmac_headers_parse(tg_str_t list,
                            tg_str_t names[TG_TCHMAC_HEADERS_MAX], size_t *n);

/*
 * The path without its environment prefix, and the stage the prefix
 * names ("RELEASE", "PRE", "TEST"), or NULL when there is none.
 */
void tg_tchmac_path(tg_str_t path, tg_str_t *stripped, const char **stage);

/*
 * Appends the string to sign to out.  Returns 0, TG_EINVALID for a
 * parameter that comes twice, or TG_ENOMEM.
 */
int tg_tchmac_string_to_sign(const tg_tchmac_request_t *req, tg_buf_t *out);

/* base64(HMAC(secret, sts)) and a NUL into out.  0 or TG_EINTERNAL. */
int tg_tchmac_sign(tg_tchmac_alg_t alg, tg_str_t secret, tg_str_t sts,
                   char out[TG_TCHMAC_SIGNATURE_MAX + 1]);

/* Checks a signature in constant time: 0 on a match, else
 * TG_EUNAUTHENTICATED. */
int tg_tchmac_verify(tg_tchmac_alg_t alg, tg_str_t secret, tg_str_t sts,
                     tg_str_t signature);

/*
 * Parses an X-Date ("Mon, 23 Nov 2026 04:00:00 GMT", RFC 1123) into Unix
 * ms and checks it is within skew_ms of now_ms.  Returns 0, TG_EINVALID
 * for another shape, or TG_ESKEW.
 */
int tg_tchmac_date_check(tg_str_t value, int64_t now_ms, int64_t skew_ms);

#endif /* TOLLGATE_TENCENT_HMAC_H */
