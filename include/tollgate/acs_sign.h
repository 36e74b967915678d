/*
 * Alibaba Cloud's management-API signatures (ACS): the RPC signature
 * version 1.0 (HMAC-SHA1, a "Signature" parameter) and V3
 * (ACS3-HMAC-SHA256 in the Authorization header), with Alibaba's
 * percent-encoding.  Pure functions: the caller collects the request's
 * parameters and headers, looks the secret up, and keeps the nonces.
 *
 * A verifier builds the server's string to sign (which holds no secret,
 * so it can go back to the client when the signatures differ), signs it
 * and compares in constant time.
 *
 * Ownership: inputs are only read; strings to sign are appended to a
 * caller's tg_buf_t; signatures are written to caller arrays.
 */

#ifndef TOLLGATE_ACS_SIGN_H
#define TOLLGATE_ACS_SIGN_H

#include <stddef.h>

#include "tollgate/canon.h"
#include "tollgate/str.h"


#define TG_ACS_V1_SIGNATURE_LEN 28 /* base64 of a SHA-1 MAC */
#define TG_ACS_V3_SIGNATURE_LEN 64 /* hex of a SHA-256 MAC */
#define TG_ACS_V3_ALGORITHM     "ACS3-HMAC-SHA256"

#define TG_ACS_V3_HEADERS_MAX     32 /* names in a SignedHeaders list */
#define TG_ACS_V3_HEADER_NAME_MAX TG_CANON_HEADER_NAME_MAX

/* One request parameter or header: a name and its decoded value. */
typedef tg_canon_pair_t tg_acs_param_t;

/* The parts of a V3 Authorization header, pointing into it. */
typedef struct {
    tg_str_t credential;     /* the AccessKeyId */
    tg_str_t signed_headers; /* "host;x-acs-action;..." */
    tg_str_t signature;      /* lowercase hex */
} tg_acs_v3_auth_t;

/* What a V3 canonical request is made of. */
typedef struct {
    tg_str_t              method; /* "POST" */
    tg_str_t              path;   /* decoded, "/" for RPC */
    const tg_acs_param_t *query;  /* decoded query parameters */
    size_t                nquery;
    const tg_acs_param_t *headers; /* the signed headers, any order */
    size_t                nheaders;
    tg_str_t              payload_hash; /* hex SHA-256 of the body */
} tg_acs_v3_request_t;


/* Alibaba's percent-encoding is RFC 3986's: tg_percent_encode() (str.h). */

/*
 * Appends the v1 string to sign of a request to out:
 *     METHOD "&" enc("/") "&" enc(canonical query)
 * where the canonical query is every parameter but "Signature", encoded,
 * sorted by encoded name (then value) and joined with '&'.  Returns 0 or
 * TG_ENOMEM.
 */
int tg_acs_v1_string_to_sign(tg_str_t method, const tg_acs_param_t *params,
                             size_t n, tg_buf_t *out);

/* Base64(HMAC-SHA1(secret + "&", sts)) into out.  Returns 0 or an error. */
int tg_acs_v1_sign(tg_str_t secret, tg_str_t sts,
                   char out[TG_ACS_V1_SIGNATURE_LEN + 1]);

/*
 * Checks a v1 signature (constant time).  Returns 0 on a match, else
 * TG_EUNAUTHENTICATED (or TG_ENOMEM).
 */
int tg_acs_v1_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature);

/*
 * Splits "ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b,Signature=hex"
 * (spaces allowed after the commas).  Returns 0, or TG_EINVALID when the
 * algorithm differs or a part is missing, empty or repeated.
 */
int tg_acs_v3_auth_parse(tg_str_t header, tg_acs_v3_auth_t *out);

/*
 * Splits a SignedHeaders list ("host;x-acs-date;...") into names[0..*n),
 * each lowercased and NUL-terminated.  Returns 0, or TG_EINVALID for an
 * empty list or name, a name that is not an HTTP token or is longer than
 * TG_ACS_V3_HEADER_NAME_MAX, or more than TG_ACS_V3_HEADERS_MAX names
 * (then *n and names are unspecified).
 */
int tg_acs_v3_signed_headers_parse(
    tg_str_t list,
    char     names[TG_ACS_V3_HEADERS_MAX][TG_ACS_V3_HEADER_NAME_MAX + 1],
    size_t  *n);

/* Whether the request has a header (name lowercase). */
typedef int (*tg_acs_header_sent_pt)(void *data, const char *name);

/*
 * The first header that a V3 request must sign and does not: x-acs-date
 * and x-acs-signature-nonce always (they make a replay detectable), and
 * x-acs-action, x-acs-version and x-acs-content-sha256 when sent(data,
 * name) says the request has them.  headers are the signed headers, with
 * lowercase names.  Returns NULL when every one is signed.
 */
const char *tg_acs_v3_unsigned_header(const tg_acs_param_t *headers, size_t n,
                                      tg_acs_header_sent_pt sent, void *data);

/*
 * Appends the V3 canonical request to out:
 *     METHOD \n path \n query \n headers \n signed-header-list \n hash
 * Query parameters are "enc(name)=enc(value)" sorted and joined by '&';
 * headers are "lowercase-name:trimmed-value\n" sorted by name; the
 * signed-header list is the same names joined by ';'.  Returns 0 or
 * TG_ENOMEM.
 */
int tg_acs_v3_canonical_request(const tg_acs_v3_request_t *req, tg_buf_t *out);

/* Appends "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical)) to out. */
int tg_acs_v3_string_to_sign(tg_str_t canonical, tg_buf_t *out);

/* hex(HMAC-SHA256(secret, sts)) into out.  Returns 0 or an error. */
int tg_acs_v3_sign(tg_str_t secret, tg_str_t sts,
                   char out[TG_ACS_V3_SIGNATURE_LEN + 1]);

/* Checks a V3 signature (constant time, hex in any case): 0 or
 * TG_EUNAUTHENTICATED. */
int tg_acs_v3_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature);

#endif /* TOLLGATE_ACS_SIGN_H */
