/*
 * Tencent Cloud's management-API signature TC3-HMAC-SHA256 (API 3.0):
 * the Authorization header, the canonical request, the string to sign
 * and the derived-key chain.  Pure functions: the caller collects the
 * request's signed headers and body, looks the secret up, and applies
 * the clock window (the core does, see service_signed.c).
 *
 * Ownership: inputs are only read; parsed parts point into the header;
 * texts are appended to a caller's tg_buf_t; signatures are written to
 * caller arrays.
 */

#ifndef TOLLGATE_TC3_SIGN_H
#define TOLLGATE_TC3_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/canon.h"
#include "tollgate/str.h"


#define TG_TC3_ALGORITHM       "TC3-HMAC-SHA256"
#define TG_TC3_TERMINATOR      "tc3_request"
#define TG_TC3_SIGNATURE_LEN   64 /* hex of a SHA-256 MAC */
#define TG_TC3_DATE_LEN        10 /* "2019-02-25" */
#define TG_TC3_HEADERS_MAX     16 /* names in a SignedHeaders list */
#define TG_TC3_HEADER_NAME_MAX TG_CANON_HEADER_NAME_MAX
#define TG_TC3_SERVICE_MAX     64 /* characters of the scope's service */

/* The parts of an Authorization header, pointing into it. */
typedef struct {
    tg_str_t key_id;         /* the SecretId */
    tg_str_t date;           /* the scope's date, "YYYY-MM-DD" */
    tg_str_t service;        /* the scope's service, "apigateway" */
    tg_str_t signed_headers; /* "content-type;host" */
    tg_str_t signature;      /* hex */
} tg_tc3_auth_t;

/* One signed header: its lowercase name and its value as received. */
typedef tg_canon_pair_t tg_tc3_header_t;

/* What a canonical request is made of. */
typedef struct {
    tg_str_t               method;  /* "POST" */
    tg_str_t               path;    /* "/" */
    tg_str_t               query;   /* the query string as sent; "" */
    const tg_tc3_header_t *headers; /* the signed headers, any order */
    size_t                 nheaders;
    tg_str_t               payload; /* the body, as sent */
} tg_tc3_request_t;


/*
 * Splits "TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request,
 * SignedHeaders=a;b, Signature=hex" (spaces allowed after the commas).
 * Returns 0, or TG_EINVALID when the algorithm differs, a part is
 * missing, empty or repeated, the scope has not exactly these four
 * parts, its date is not "YYYY-MM-DD" or its service is longer than
 * TG_TC3_SERVICE_MAX.
 */
int tg_tc3_auth_parse(tg_str_t header, tg_tc3_auth_t *out);

/*
 * Splits a SignedHeaders list ("content-type;host") into names[0..*n),
 * each lowercased and NUL-terminated.  Returns 0, or TG_EINVALID for an
 * empty list or name, a name that is not an HTTP token or longer than
 * TG_TC3_HEADER_NAME_MAX, a name listed twice, or more than
 * TG_TC3_HEADERS_MAX names.
 */
int tg_tc3_signed_headers_parse(
    tg_str_t list, char names[TG_TC3_HEADERS_MAX][TG_TC3_HEADER_NAME_MAX + 1],
    size_t *n);

/*
 * The UTC date of a Unix time in seconds, "YYYY-MM-DD", into out.
 * Returns 0, or TG_EINVALID for a time before 1970 or after 9999.
 */
int tg_tc3_date(int64_t seconds, char out[TG_TC3_DATE_LEN + 1]);

/*
 * Appends the canonical request to out:
 *     METHOD \n path \n query \n headers \n signed-header-list \n
 *     hex(SHA-256(payload))
 * where headers are "name:value\n" sorted by name (values trimmed, and
 * lowercased if lower_values: Tencent's documentation lowercases them,
 * its Node SDK does not) and the list is the names joined by ';'.
 * Returns 0 or TG_ENOMEM (TG_EINTERNAL if hashing fails).
 */
int tg_tc3_canonical_request(const tg_tc3_request_t *req, int lower_values,
                             tg_buf_t *out);

/*
 * Appends the string to sign to out:
 *     "TC3-HMAC-SHA256\n" timestamp "\n" date "/" service "/tc3_request\n"
 *     hex(SHA-256(canonical))
 * timestamp is the X-TC-Timestamp as sent.  Returns 0 or an error.
 */
int tg_tc3_string_to_sign(tg_str_t timestamp, tg_str_t date, tg_str_t service,
                          tg_str_t canonical, tg_buf_t *out);

/*
 * hex(HMAC-SHA256(k, sts)) into out, where k is derived from the secret:
 * HMAC("TC3" secret, date), then service, then "tc3_request".  The
 * derived keys are wiped.  Returns 0 or an error.
 */
int tg_tc3_sign(tg_str_t secret, tg_str_t date, tg_str_t service, tg_str_t sts,
                char out[TG_TC3_SIGNATURE_LEN + 1]);

/*
 * Checks a signature (constant time, hex in any case).  Returns 0 on a
 * match, else TG_EUNAUTHENTICATED (or TG_ENOMEM).
 */
int tg_tc3_verify(tg_str_t secret, tg_str_t date, tg_str_t service,
                  tg_str_t sts, tg_str_t signature);

#endif /* TOLLGATE_TC3_SIGN_H */
