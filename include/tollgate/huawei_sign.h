/*
 * Huawei Cloud's SDK-HMAC-SHA256 signature: the AK/SK signature of its
 * management APIs, and the app signature of APIG's gateway (the same
 * algorithm with the AppKey and AppSecret).  Pure functions: the caller
 * collects the request's query and signed headers, looks the secret up
 * and keeps the replay rules.
 *
 *   CanonicalRequest = METHOD \n URI \n query \n headers \n list \n hash
 *   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA-256(CR))
 *   Signature        = hex(HMAC-SHA256(secret, StringToSign))
 *
 * Rules as Tollgate reads them (reference/huawei_tencent_authing.md A.5):
 *
 *   - URI: every '/'-separated segment of the decoded path is
 *     percent-encoded (RFC 3986 unreserved kept, uppercase hex) and a '/'
 *     is appended when the result does not end with one.
 *   - Query: "enc(name)=enc(value)" sorted by decoded name, then value,
 *     byte-wise, joined by '&'.  Huawei's gateway JS signer writes an
 *     empty value as just "enc(name)": TG_HW_EMPTY_BARE builds that form.
 *   - Headers: "name:trimmed value\n" for each name of the SignedHeaders
 *     list, in the list's order, then the list itself as the client sent
 *     it (lowercased).  Huawei's signers sort the list, so this is the
 *     same text for them; a verifier that re-sorted would accept a list
 *     its client did not sign.
 *   - Hash: the request's X-Sdk-Content-Sha256 when sent, else the hex
 *     SHA-256 of the body: the caller's choice, given as payload_hash.
 *
 * Ownership: inputs are only read; canonical requests and strings to sign
 * are appended to a caller's tg_buf_t; parsed parts point into the input.
 */

#ifndef TOLLGATE_HUAWEI_SIGN_H
#define TOLLGATE_HUAWEI_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/canon.h"
#include "tollgate/str.h"


#define TG_HW_ALGORITHM     "SDK-HMAC-SHA256"
#define TG_HW_SIGNATURE_LEN 64 /* hex of a SHA-256 MAC */
#define TG_HW_DATE_LEN      16 /* "20191115T033655Z" */
#define TG_HW_UNSIGNED      "UNSIGNED-PAYLOAD"
#define TG_HW_EMPTY_SHA256 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#define TG_HW_HEADERS_MAX     32 /* names in a SignedHeaders list */
#define TG_HW_HEADER_NAME_MAX TG_CANON_HEADER_NAME_MAX

/* The most parameters the gateway reads in a signed call's query. */
#define TG_HW_GATEWAY_QUERY_MAX 128

/* How an empty query value is written. */
#define TG_HW_EMPTY_EQUALS 0 /* "k=": the SDKs and the documents */
#define TG_HW_EMPTY_BARE   1 /* "k": the gateway's JS signer */

/* A query parameter (decoded) or a signed header (lowercase name). */
typedef tg_canon_pair_t tg_hw_pair_t;

/* The parts of an Authorization header, pointing into it. */
typedef struct {
    tg_str_t access;         /* the AK, or an AppKey */
    tg_str_t signed_headers; /* "content-type;host;x-sdk-date" */
    tg_str_t signature;      /* hex */
} tg_hw_auth_t;

/* What a canonical request is made of. */
typedef struct {
    tg_str_t            method; /* uppercase, as sent */
    tg_str_t            path;   /* decoded, from '/' */
    const tg_hw_pair_t *query;  /* decoded, in any order */
    size_t              nquery;
    const tg_hw_pair_t *headers; /* in the SignedHeaders list's order */
    size_t              nheaders;
    tg_str_t            payload_hash;
    int                 empty_form; /* TG_HW_EMPTY_* */
} tg_hw_request_t;


/*
 * Splits "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex"
 * (one or more spaces after the algorithm, optional spaces after each
 * comma, the parts in this order, as Huawei's own verifier demo reads
 * them).  Returns 0, or TG_EINVALID when the algorithm differs, a part
 * is missing, empty or out of order, the signature is not 64 hex digits,
 * or a byte below 0x20 (a NUL...) appears.
 */
int tg_hw_auth_parse(tg_str_t header, tg_hw_auth_t *out);

/*
 * Splits a SignedHeaders list into names[0..*n), lowercased and
 * NUL-terminated, in the list's order.  Returns 0, or TG_EINVALID for an
 * empty list or name, a name that is not an HTTP token or is longer than
 * TG_HW_HEADER_NAME_MAX, a name listed twice (in any case), or more than
 * TG_HW_HEADERS_MAX names (then *n and names are unspecified).
 */
int tg_hw_signed_headers_parse(
    tg_str_t list, char names[TG_HW_HEADERS_MAX][TG_HW_HEADER_NAME_MAX + 1],
    size_t *n);

/* 1 if names[0..n) holds name (lowercase), else 0. */
int tg_hw_signed(char names[][TG_HW_HEADER_NAME_MAX + 1], size_t n,
                 const char *name);

/*
 * Parses an X-Sdk-Date ("20191115T033655Z", UTC, exactly that form) into
 * Unix milliseconds.  Returns 0, or TG_EINVALID for any other text or an
 * impossible date.
 */
int tg_hw_date_parse(tg_str_t date, int64_t *ms);

/*
 * Splits a request's raw query (without the '?') into pairs[0..*n): at
 * each '&' (empty fields, as in "a=1&&b=2", are skipped), then at the
 * field's first '=' (later ones belong to the value; a field without one
 * has an empty value).  Names and values are form-decoded ('+' is a
 * space, "%XX" a byte, a '%' without two hex digits is kept as is) into
 * out, which must have room for query.len bytes; the pairs point into
 * it.  *empty is set to 1 when some value is empty, else 0.
 *
 * Returns 0; TG_EINVALID when a decoded name appears twice (bytewise);
 * TG_ETOO_LARGE for more than max parameters; TG_ENOSPC when cap is below
 * query.len.  On failure *n counts the pairs decoded before it.
 */
int tg_hw_query_parse(tg_str_t query, char *out, size_t cap,
                      tg_hw_pair_t *pairs, size_t max, size_t *n, int *empty);

/*
 * Percent-decodes a request path into out (room for path.len bytes): "%XX"
 * is a byte, a '%' without two hex digits is kept, '+' stays a '+'.
 * Returns 0 with *len set, or TG_ENOSPC when cap is below path.len.
 */
int tg_hw_path_decode(tg_str_t path, char *out, size_t cap, size_t *len);

/*
 * Appends the canonical request of req to out.  Returns 0, or TG_ENOMEM
 * (out is then unchanged in length).
 */
int tg_hw_canonical_request(const tg_hw_request_t *req, tg_buf_t *out);

/* Appends "SDK-HMAC-SHA256\n" date "\n" hex(SHA-256(canonical)) to out.
 * Returns 0, TG_ENOMEM or TG_EINTERNAL. */
int tg_hw_string_to_sign(tg_str_t date, tg_str_t canonical, tg_buf_t *out);

/* hex(HMAC-SHA256(secret, sts)) and a NUL into out.  Returns 0 or
 * TG_EINTERNAL; the raw MAC is wiped. */
int tg_hw_sign(tg_str_t secret, tg_str_t sts,
               char out[TG_HW_SIGNATURE_LEN + 1]);

/*
 * Checks a signature (hex in any case) in constant time.  Returns 0 on a
 * match, TG_EUNAUTHENTICATED on a mismatch, or TG_EINTERNAL.
 */
int tg_hw_verify(tg_str_t secret, tg_str_t sts, tg_str_t signature);

#endif /* TOLLGATE_HUAWEI_SIGN_H */
