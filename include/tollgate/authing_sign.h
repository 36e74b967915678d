/*
 * Authing's (and GenAuth's) management-API signature, as authing-node-sdk
 * 4.x and the GenAuth Node SDK sign: HMAC-SHA1 over a string to sign,
 * base64, in "Authorization: authing <AccessKeyId>:<signature>" (GenAuth:
 * "GenAuth <AccessKeyId>:<signature>").  Pure functions: the caller
 * collects the headers and parameters, looks the secret up, checks the
 * date and keeps the nonces.
 *
 *     StringToSign = METHOD "\n"
 *                    + for each signed header, sorted by name:
 *                          name ":" value "\n"
 *                    + path [ "?" name "=" value ("&" name "=" value)* ]
 *
 * Signed headers are those named "date" or starting with the variant's
 * prefix ("x-authing-", "x-genauth-"); names are lowercase, values have
 * \t \n \r \f turned into spaces and are then trimmed of whitespace.
 * Parameters are the query's for GET and the JSON body's top-level
 * fields for POST, as text and not encoded, sorted by name in the order
 * JavaScript's Array.prototype.sort gives (UTF-16 code units).
 *
 * Ownership: inputs are only read; strings to sign are appended to a
 * caller's tg_buf_t; signatures are written to caller arrays.
 */

#ifndef TOLLGATE_AUTHING_SIGN_H
#define TOLLGATE_AUTHING_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/str.h"


#define TG_AUTHING_SIGNATURE_LEN 28 /* base64 of a SHA-1 MAC */

/* The most headers or parameters one string to sign holds. */
#define TG_AUTHING_ITEMS_MAX 64

typedef enum {
    TG_AUTHING_VARIANT_AUTHING = 0, /* "authing ", x-authing-* */
    TG_AUTHING_VARIANT_GENAUTH      /* "GenAuth ", x-genauth-* */
} tg_authing_variant_t;

/* A header or a parameter: its name and value as text. */
typedef struct {
    tg_str_t name;
    tg_str_t value;
} tg_authing_item_t;

/* The parts of an Authorization header, pointing into it. */
typedef struct {
    tg_authing_variant_t variant;
    tg_str_t             key_id;
    tg_str_t             signature;
} tg_authing_auth_t;

/* What a string to sign is made of. */
typedef struct {
    tg_str_t                 method; /* "GET", "POST" */
    tg_authing_variant_t     variant;
    const tg_authing_item_t *headers; /* every header, any order */
    size_t                   nheaders;
    tg_str_t                 path; /* "/api/v3/get-application" */
    const tg_authing_item_t *params;
    size_t                   nparams;

    /* Whether to write the "?" with no parameter after it: the SDK does
     * when it names parameters whose values are all undefined, which
     * leave nothing in the URL. */
    int bare_query;
} tg_authing_request_t;


/*
 * Splits "authing <id>:<signature>" or "GenAuth <id>:<signature>" (the
 * scheme's case as written, one space).  Returns 0, or TG_EINVALID when
 * the scheme differs, or the id or signature is empty or holds a space,
 * ':' or a control character.
 */
int tg_authing_auth_parse(tg_str_t header, tg_authing_auth_t *out);

/* 1 if a header of this name (any case) is signed in variant, else 0. */
int tg_authing_header_signed(tg_authing_variant_t variant, tg_str_t name);

/*
 * Orders two strings as JavaScript sorts them: by UTF-16 code units, the
 * UTF-8 text decoded (a byte that is not valid UTF-8 counts as its own
 * value).  Returns <0, 0 or >0.
 */
int tg_authing_compare(tg_str_t a, tg_str_t b);

/*
 * Appends the string to sign of req to out.  Headers that are not signed
 * are skipped.  Returns 0; TG_ENOMEM; or TG_EINVALID (out unchanged)
 * when more than TG_AUTHING_ITEMS_MAX headers or parameters would be
 * signed, or a signed header name comes twice (in any case).
 */
int tg_authing_string_to_sign(const tg_authing_request_t *req, tg_buf_t *out);

/* Base64(HMAC-SHA1(secret, sts)) and a NUL into out.  Returns 0 or an
 * error. */
int tg_authing_sign(tg_str_t secret, tg_str_t sts,
                    char out[TG_AUTHING_SIGNATURE_LEN + 1]);

/* Checks a signature (constant time): 0 on a match, TG_EUNAUTHENTICATED
 * otherwise, or another error. */
int tg_authing_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature);

/*
 * Parses an HTTP date in the form JavaScript's toUTCString() writes
 * (RFC 7231's IMF-fixdate: "Mon, 23 Nov 2026 04:00:00 GMT"), the weekday
 * not checked against the date.  Returns 0 and sets *ms, or TG_EINVALID.
 */
int tg_authing_date_parse(tg_str_t s, int64_t *ms);

#endif /* TOLLGATE_AUTHING_SIGN_H */
