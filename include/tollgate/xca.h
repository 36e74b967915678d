/*
 * Alibaba Cloud API Gateway's data-plane schemes: the X-Ca-* digest
 * signature and AppCode ("APPCODE <code>") authentication.
 *
 * Ownership: nothing here allocates or keeps a pointer.  Every output goes
 * to memory the caller supplies with its capacity, and every tg_str_t
 * returned points into the caller's input or into those buffers.  A
 * function that runs out of room returns TG_ENOSPC, writes nothing past
 * the capacities it was given, and reports the sizes it needs, so that
 * the nginx module can size buffers from request lengths and the CLI can
 * retry with larger ones.
 *
 * The string to sign (reference/alibaba.md section 4.2):
 *
 *   METHOD "\n" Accept "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
 *   name ":" value "\n"            for each signed header, sorted by name
 *   path [ "?" k1 "=" v1 "&" k2 ... ]     (no trailing newline)
 *
 * Rules that the vendor leaves open, as Tollgate decides them:
 *
 *   - X-Ca-Signature-Headers is split at commas and each name trimmed of
 *     spaces and tabs; empty names are skipped.  X-Ca-Signature,
 *     X-Ca-Signature-Headers, Accept, Content-MD5, Content-Type and Date
 *     (in any case) are skipped, since they are signed elsewhere or not at
 *     all.  Names keep the client's spelling, are sorted byte-wise, and a
 *     name listed twice with the same spelling is signed once (a sorted map
 *     keyed by the spelling, as the vendor's Java SDK builds it).  Names
 *     that differ only in case are different keys: both are printed, with
 *     the same value.  Values are looked up case-insensitively by the
 *     caller's callback; a listed header the request lacks is TG_EMISSING,
 *     and one it carries more than once is TG_ECONFLICT (the upstream
 *     would see a value that was not signed).
 *   - Parameters are the query's, then the form body's, split at '&'.
 *     Keys and values are percent-decoded with '+' as a space, as Node's
 *     querystring does for the aliyun-api-gateway client; a '%' that does
 *     not start two hex digits is kept literally.  Empty pieces ("a&&b",
 *     a trailing '&') carry no parameter and are skipped; a piece with an
 *     empty key ("=v") is the parameter "" as in Node.  Keys are sorted
 *     byte-wise (UTF-8 order; Node sorts UTF-16 code units, which differs
 *     only between U+E000..U+FFFF and astral characters).  A key that
 *     comes twice (in the query, the form, or one in each) is TG_EINVALID:
 *     Alibaba documents that the first value is signed, its Node client
 *     signs the values joined with commas ("a=1,999", which "a=1%2C999"
 *     also signs), and the upstream would read both; no client can sign
 *     such a request unambiguously, so the gateway refuses it.  An empty
 *     value is written as just the key.  No parameters, no '?'.
 *   - Decoding makes "a=1%26b%3D2" and "a=1&b=2" sign the same text.
 *     That ambiguity is the scheme's (clients sign decoded values).
 */

#ifndef TOLLGATE_XCA_H
#define TOLLGATE_XCA_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/crypto.h"
#include "tollgate/str.h"


/* The longest X-Ca-Signature we produce: base64 of a SHA-256 MAC. */
#define TG_XCA_SIGNATURE_MAX (TG_BASE64_ENCODED_LEN(TG_SHA256_LEN) - 1)

/* The length of a Content-MD5 value: base64 of 16 bytes. */
#define TG_XCA_CONTENT_MD5_LEN (TG_BASE64_ENCODED_LEN(TG_MD5_LEN) - 1)

/* The default clock skew for X-Ca-Timestamp: 15 minutes, in ms. */
#define TG_XCA_SKEW_MS (15 * 60 * 1000LL)

/* The X-Ca-Error-Message prefix that clients strip to print the STS. */
#define TG_XCA_STS_MESSAGE_PREFIX "Invalid Signature, Server StringToSign:"

/* The exact length of tg_xca_sts_message()'s output for an STS of n
 * bytes: the prefix, two backticks and one byte per STS byte. */
#define TG_XCA_STS_MESSAGE_LEN(n) (sizeof(TG_XCA_STS_MESSAGE_PREFIX) + 1 + (n))

/* Tollgate's query parameter for AppCode authentication.  The vendor's
 * name is unverified (reference/alibaba.md section 4.5). */
#define TG_XCA_APPCODE_PARAM "AppCode"


typedef enum {
    TG_XCA_HMAC_SHA256 = 0, /* the default */
    TG_XCA_HMAC_SHA1
} tg_xca_method_t;

/* A key and its value: a signed header or a decoded parameter. */
typedef struct {
    tg_str_t key;
    tg_str_t value;
} tg_xca_pair_t;

/*
 * Looks up a request header by name, ignoring ASCII case.  Returns 1 and
 * sets *value if the request has it once (an empty value is a value), 0
 * if not, a negative value if it has several headers of that name.
 */
typedef int (*tg_xca_header_fn)(void *ctx, tg_str_t name, tg_str_t *value);

/*
 * A request, as sent.  Absent headers are empty strings.  path is the
 * request target before '?', not decoded; query is what follows '?'
 * (empty if none).  form is the raw body only when the content type is
 * application/x-www-form-urlencoded (see tg_xca_is_form()), else empty.
 */
typedef struct {
    tg_str_t         method;
    tg_str_t         accept;
    tg_str_t         content_md5;
    tg_str_t         content_type;
    tg_str_t         date;
    tg_str_t         signature_headers; /* X-Ca-Signature-Headers */
    tg_str_t         path;
    tg_str_t         query;
    tg_str_t         form;
    tg_xca_header_fn header;
    void            *header_ctx;
} tg_xca_request_t;

/* Caller-owned memory for tg_xca_string_to_sign(). */
typedef struct {
    tg_xca_pair_t *pairs; /* sorting room for headers, then parameters */
    size_t         pairs_cap;
    char          *scratch; /* decoded parameters */
    size_t         scratch_cap;
    char          *out; /* the string to sign; not NUL-terminated */
    size_t         out_cap;
} tg_xca_buffers_t;

/* The sizes tg_xca_string_to_sign() needs, in elements and bytes. */
typedef struct {
    size_t pairs;
    size_t scratch;
    size_t out;
} tg_xca_need_t;


/*
 * Builds the string to sign of req into buf->out and points *sts at it.
 *
 * Sets *need on TG_OK and on TG_ENOSPC.  pairs and scratch are bounds
 * computed from the lengths of req's fields (at most one pair per comma
 * or '&'-piece, and query.len + form.len bytes); out is the exact length
 * when pairs and scratch sufficed, else a bound.  Calling again with
 * capacities of at least *need never returns TG_ENOSPC (for the same
 * request and header values).  buf may hold zero capacities and NULL
 * pointers to ask for the sizes.
 *
 * Returns TG_OK, TG_ENOSPC (nothing written past any capacity; *sts
 * unchanged), TG_EMISSING if a listed header is absent or TG_ECONFLICT if
 * it is sent more than once: *culprit (if not NULL) then points at its
 * name in req->signature_headers, as the client spelled it, and *need is
 * not meaningful.  Header errors are found before buffers are checked, so
 * even a sizing call reports them.  TG_EINVALID if a parameter key is
 * repeated: found only by a call with sufficient buffers, *culprit then
 * points at the decoded key in buf->scratch.  The callback is the only
 * code that reads headers; it is called once per signed name.
 */
int tg_xca_string_to_sign(const tg_xca_request_t *req,
                          const tg_xca_buffers_t *buf, tg_str_t *sts,
                          tg_xca_need_t *need, tg_str_t *culprit);

/*
 * 1 if a Content-Type value names application/x-www-form-urlencoded
 * (ignoring case, parameters such as "; charset=UTF-8" and spaces), else
 * 0.  Only then are body parameters part of the string to sign.
 */
int tg_xca_is_form(tg_str_t content_type);

/*
 * 1 if X-Ca-Signature-Headers lists name (ignoring case and the spaces
 * around each name, as tg_xca_string_to_sign() reads it), else 0.  The
 * names it never signs in the Headers block (Accept, Date...) are not
 * listed by this count.
 */
int tg_xca_header_signed(tg_str_t signature_headers, tg_str_t name);

/*
 * Parses X-Ca-Signature-Method.  value.ptr == NULL means the header is
 * absent, which selects HmacSHA256.  Otherwise the value must be exactly
 * "HmacSHA256" or "HmacSHA1" (case matters; an empty value is invalid).
 * Returns TG_OK, or TG_EINVALID and leaves *method unchanged.
 */
int tg_xca_method_parse(tg_str_t value, tg_xca_method_t *method);

/* The header value naming method: "HmacSHA256" or "HmacSHA1". */
const char *tg_xca_method_name(tg_xca_method_t method);

/*
 * Writes X-Ca-Signature for sts, base64(HMAC(secret, sts)), and a NUL to
 * out, and sets *len (if not NULL).  Returns TG_OK, or TG_EINTERNAL (out
 * then holds an empty string).  Wipes the raw MAC from the stack.
 */
int tg_xca_sign(tg_xca_method_t method, tg_str_t secret, tg_str_t sts,
                char out[TG_XCA_SIGNATURE_MAX + 1], size_t *len);

/*
 * Checks a client's X-Ca-Signature against sts under secret.  The
 * comparison is constant time; its duration depends only on the lengths
 * of the two signatures, which are public.  Returns TG_OK, TG_ESIGNATURE,
 * or TG_EINTERNAL.  Call it once per valid secret during a rotation grace.
 */
int tg_xca_verify(tg_xca_method_t method, tg_str_t secret, tg_str_t sts,
                  tg_str_t signature);

/* The HMAC algorithm of a signature method. */
tg_hmac_alg_t tg_xca_hmac_alg(tg_xca_method_t method);

/*
 * The same check with mac, an HMAC keyed once with the secret
 * (tg_hmac_create() with tg_xca_hmac_alg() of the method), which a
 * gateway worker keeps between requests.  Returns TG_OK, TG_ESIGNATURE,
 * or TG_EINTERNAL.
 */
int tg_xca_verify_mac(tg_hmac_t *mac, tg_str_t sts, tg_str_t signature);

/*
 * Checks X-Ca-Timestamp (decimal milliseconds since the epoch, digits
 * only) against now_ms.  |now_ms - ts| <= skew_ms passes, so a timestamp
 * exactly skew_ms away is accepted.  Returns TG_OK, TG_ETIMESTAMP if the
 * value is not such a number ("Invalid Timestamp"), or TG_ESKEW if it is
 * too far from now ("Timestamp Expired").  Call only when the header is
 * present; whether it is required is the caller's policy.  On TG_OK, *ts
 * (if not NULL) is the timestamp.
 */
int tg_xca_timestamp_check(tg_str_t value, int64_t now_ms, int64_t skew_ms,
                           int64_t *ts);

/* Writes base64(MD5(body)) and a NUL to out.  TG_OK or TG_EINTERNAL. */
int tg_xca_content_md5(tg_str_t body, char out[TG_XCA_CONTENT_MD5_LEN + 1]);

/*
 * Checks a Content-MD5 header against body, in constant time.  The
 * gateway's rule: a Content-MD5 sent with an empty body is invalid, even
 * if it is the MD5 of nothing.  Call only when the header is present and
 * the body is not a form (form bodies are signed through their
 * parameters).  Returns TG_OK, TG_EDIGEST or TG_EINTERNAL.
 */
int tg_xca_content_md5_check(tg_str_t header, tg_str_t body);

/*
 * Writes the X-Ca-Error-Message for a signature mismatch:
 * TG_XCA_STS_MESSAGE_PREFIX "`" sts "`", with each '\n' as '#' and every
 * other control character (below 0x20, and 0x7f) as '?', so that the
 * result is a valid HTTP header value.  Bytes from 0x80 are kept.
 * Sets *len to TG_XCA_STS_MESSAGE_LEN(sts.len), the exact length; no NUL
 * is written.  Returns TG_OK, or TG_ENOSPC if cap is smaller (nothing is
 * written; *len still tells the size needed).
 */
int tg_xca_sts_message(tg_str_t sts, char *out, size_t cap, size_t *len);

/*
 * Reads an Authorization value in the AppCode scheme: the word APPCODE in
 * any ASCII case (auth schemes are case-insensitive, RFC 9110 section
 * 11.1), exactly one space, then the code: visible ASCII (0x21-0x7e), at
 * least one character, nothing after it.
 *
 * Returns 1 and sets *code (pointing into value) when it is a well-formed
 * AppCode; 0 if value is another scheme ("APPCODEX ...", "Basic ...",
 * empty), so the caller tries the next scheme; TG_EINVALID if it names
 * the AppCode scheme but is malformed ("APPCODE", "APPCODE ",
 * "APPCODE  x", "APPCODE x y").  *code is set only when 1 is returned.
 */
int tg_xca_appcode_from_header(tg_str_t value, tg_str_t *code);

/*
 * Finds the query parameter named exactly TG_XCA_APPCODE_PARAM (after
 * percent-decoding, as in the string to sign) and writes its decoded value
 * to out (not NUL-terminated).
 *
 * Returns 1 and sets *len when found once with a non-empty value; 0 if
 * there is no such parameter; TG_ECONFLICT if there are several (which
 * code would the upstream read?); TG_EINVALID if its value is empty;
 * TG_ENOSPC if the
 * value needs more than cap bytes (*len then holds the size needed, and
 * nothing is written past cap).  An AppCode is at most TG_APP_CODE_MAX
 * bytes, so a buffer of that size suffices for any valid one.
 */
int tg_xca_appcode_from_query(tg_str_t query, char *out, size_t cap,
                              size_t *len);

#endif /* TOLLGATE_XCA_H */
