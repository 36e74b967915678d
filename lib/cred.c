/*
 * Credential generation from the CSPRNG, and the format rules for
 * credentials that callers supply.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/cred.h"
#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/time.h"


/* The leading bytes of an id that hold its time (48 bits of Unix ms). */
#define TG_ID_TIME_BYTES 6


static const char tg_alnum[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";


static int
tg_fail(const char **rule, const char *text)
{
    if (rule != NULL) {
        *rule = text;
    }
    return TG_EINVALID;
}


void
tg_draw_init(tg_draw_t *d)
{
    d->used = sizeof(d->bytes);
}


void
tg_draw_wipe(tg_draw_t *d)
{
    tg_wipe(d->bytes, sizeof(d->bytes));
    d->used = sizeof(d->bytes);
}


/* Takes n random bytes from d into out, drawing d full again when it
 * holds too few; each byte taken is wiped from d. */
static int
tg_draw_take(tg_draw_t *d, uint8_t *out, size_t n)
{
    if (n > sizeof(d->bytes)) {
        return tg_random_bytes(out, n);
    }

    if (sizeof(d->bytes) - d->used < n) {
        if (tg_random_bytes(d->bytes, sizeof(d->bytes)) != TG_OK) {
            return TG_EINTERNAL;
        }
        d->used = 0;
    }

    memcpy(out, d->bytes + d->used, n);
    tg_wipe(d->bytes + d->used, n);
    d->used += n;
    return TG_OK;
}


/*
 * Fills out[0..n) with characters drawn uniformly from the 62 of
 * tg_alnum, and NUL-terminates it.  Bytes of 248 or more are rejected so
 * that each character is equally likely (248 = 4 * 62).
 */
static int
tg_alnum_draw(tg_draw_t *d, char *out, size_t n)
{
    uint8_t pool[64];
    size_t  i = 0, j, want;
    int     rc = TG_OK;

    while (i < n && rc == TG_OK) {
        want = n - i < sizeof(pool) ? n - i : sizeof(pool);
        rc = tg_draw_take(d, pool, want);

        for (j = 0; j < want && rc == TG_OK; j++) {
            if (pool[j] < 248) {
                out[i++] = tg_alnum[pool[j] % 62];
            }
        }
    }

    tg_wipe(pool, sizeof(pool));
    out[n] = '\0';
    return rc == TG_OK ? TG_OK : TG_EINTERNAL;
}


static int
tg_hex_draw(tg_draw_t *d, char *out, size_t nbytes)
{
    uint8_t raw[64];

    if (nbytes > sizeof(raw) || tg_draw_take(d, raw, nbytes) != TG_OK) {
        return TG_EINTERNAL;
    }

    tg_hex_encode(raw, nbytes, out);
    tg_wipe(raw, sizeof(raw));
    return TG_OK;
}


/* A generator without a draw of its own draws one for its value. */
#define TG_DRAW_ONE(call) \
    tg_draw_t d_;         \
    int       rc_;        \
                          \
    tg_draw_init(&d_);    \
    rc_ = call;           \
    tg_draw_wipe(&d_);    \
    return rc_


/*
 * An id is 32 lowercase hex digits: the first 12 the time it was made in
 * Unix ms, the other 20 random (80 bits).  Ids made later sort later (on
 * one clock), so that the indexes keyed by them (apps, credentials, the
 * audit trail by app) grow at their end: a create writes the index pages
 * the one before it wrote, not one page at random of an index of millions
 * of entries, which would be read first and then written to the log whole.
 */
int
tg_draw_id(tg_draw_t *d, char out[TG_ID_LEN + 1])
{
    uint64_t now = (uint64_t) tg_time_now_ms();
    uint8_t  raw[TG_ID_LEN / 2];
    int      i;

    for (i = TG_ID_TIME_BYTES - 1; i >= 0; i--) {
        raw[i] = (uint8_t) (now & 0xff);
        now >>= 8;
    }

    if (tg_draw_take(d, raw + TG_ID_TIME_BYTES, sizeof(raw) - TG_ID_TIME_BYTES)
        != TG_OK)
    {
        return TG_EINTERNAL;
    }

    tg_hex_encode(raw, sizeof(raw), out);
    return TG_OK;
}


int
tg_id_generate(char out[TG_ID_LEN + 1])
{
    TG_DRAW_ONE(tg_draw_id(&d_, out));
}


int
tg_draw_below(tg_draw_t *d, uint64_t bound, uint64_t *out)
{
    uint64_t r, limit;

    if (bound == 0) {
        return TG_EINTERNAL;
    }

    /* The largest multiple of bound that fits; draws at or above it are
     * rejected, so that every residue is equally likely. */
    limit = UINT64_MAX - UINT64_MAX % bound;
    do {
        if (tg_draw_take(d, (uint8_t *) &r, sizeof(r)) != TG_OK) {
            return TG_EINTERNAL;
        }
    } while (r >= limit);

    *out = r % bound;
    return TG_OK;
}


int
tg_draw_app_id(tg_draw_t *d, int64_t *out)
{
    uint64_t r;

    if (tg_draw_below(d, TG_APP_ID_MAX - TG_APP_ID_MIN + 1, &r) != TG_OK) {
        return TG_EINTERNAL;
    }
    *out = TG_APP_ID_MIN + (int64_t) r;
    return TG_OK;
}


int
tg_app_id_generate(int64_t *out)
{
    TG_DRAW_ONE(tg_draw_app_id(&d_, out));
}


static int
tg_app_key_draw(tg_draw_t *d, char *out)
{
    return tg_alnum_draw(d, out, TG_APP_KEY_LEN);
}


static int
tg_app_secret_draw(tg_draw_t *d, char *out)
{
    return tg_alnum_draw(d, out, TG_APP_SECRET_LEN);
}


static int
tg_app_code_draw(tg_draw_t *d, char *out)
{
    return tg_hex_draw(d, out, TG_APP_CODE_LEN / 2);
}


int
tg_app_key_generate(char out[TG_APP_KEY_LEN + 1])
{
    TG_DRAW_ONE(tg_app_key_draw(&d_, out));
}


int
tg_app_secret_generate(char out[TG_APP_SECRET_LEN + 1])
{
    TG_DRAW_ONE(tg_app_secret_draw(&d_, out));
}


int
tg_app_code_generate(char out[TG_APP_CODE_LEN + 1])
{
    TG_DRAW_ONE(tg_app_code_draw(&d_, out));
}


int
tg_access_key_id_generate(char out[TG_ACCESS_KEY_ID_LEN + 1])
{
    out[0] = 'T';
    out[1] = 'G';
    TG_DRAW_ONE(tg_alnum_draw(&d_, out + 2, TG_ACCESS_KEY_ID_LEN - 2));
}


int
tg_access_key_secret_generate(char out[TG_ACCESS_KEY_SECRET_LEN + 1])
{
    TG_DRAW_ONE(tg_alnum_draw(&d_, out, TG_ACCESS_KEY_SECRET_LEN));
}


int
tg_request_id_generate(char out[TG_REQUEST_ID_LEN + 1])
{
    uint8_t raw[16];
    char    hex[33];

    if (tg_random_bytes(raw, sizeof(raw)) != TG_OK) {
        return TG_EINTERNAL;
    }

    raw[6] = (uint8_t) ((raw[6] & 0x0f) | 0x40); /* version 4 */
    raw[8] = (uint8_t) ((raw[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    tg_hex_encode(raw, sizeof(raw), hex);

    memcpy(out, hex, 8);
    out[8] = '-';
    memcpy(out + 9, hex + 8, 4);
    out[13] = '-';
    memcpy(out + 14, hex + 12, 4);
    out[18] = '-';
    memcpy(out + 19, hex + 16, 4);
    out[23] = '-';
    memcpy(out + 24, hex + 20, 12);
    out[36] = '\0';
    return TG_OK;
}


int
tg_id_valid(tg_str_t s)
{
    size_t i;

    if (s.len != TG_ID_LEN) {
        return 0;
    }

    for (i = 0; i < s.len; i++) {
        char c = s.ptr[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }

    return 1;
}


static int
tg_is_alnum(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9');
}


/*
 * What a custom value of one format may hold: min..max characters, the
 * first alnum or in first_extra, every other alnum or in rest_extra; and
 * what a refusal says.
 */
typedef struct {
    size_t      min, max;
    const char *first_extra;
    const char *rest_extra;
    const char *rule;
} tg_charset_t;

static const tg_charset_t tg_app_key_chars = {
    TG_APP_KEY_MIN, TG_APP_KEY_MAX, "", "_-",
    "must be 8-200 of letters, digits, '_' or '-', starting with a letter or "
    "digit"
};

static const tg_charset_t tg_app_secret_chars = {
    TG_APP_SECRET_MIN, TG_APP_SECRET_MAX, "", "_-!@#$%",
    "must be 8-128 of letters, digits or _-!@#$%, starting with a letter or "
    "digit"
};

static const tg_charset_t tg_app_code_chars = {
    TG_APP_CODE_MIN, TG_APP_CODE_MAX, "+/", "+_!@#$%-/=",
    "must be 32-180 of letters, digits or +_!@#$%-/=, starting with a "
    "letter, a digit, '+' or '/'"
};

static const tg_charset_t tg_access_key_id_chars = {
    TG_ACCESS_KEY_ID_MIN, TG_ACCESS_KEY_ID_MAX, "_.-", "_.-",
    "must be 4-64 of letters, digits, '_', '.' or '-'"
};


/* TG_OK if s matches cs, else TG_EINVALID with cs's rule. */
static int
tg_charset_check(const tg_charset_t *cs, tg_str_t s, const char **rule)
{
    size_t i;

    if (s.len < cs->min || s.len > cs->max) {
        return tg_fail(rule, cs->rule);
    }

    for (i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char) s.ptr[i];
        const char   *extra = i == 0 ? cs->first_extra : cs->rest_extra;

        if (!tg_is_alnum(c) && (c == '\0' || strchr(extra, c) == NULL)) {
            return tg_fail(rule, cs->rule);
        }
    }

    return TG_OK;
}


int
tg_app_key_check(tg_str_t key, const char **rule)
{
    return tg_charset_check(&tg_app_key_chars, key, rule);
}


int
tg_app_secret_check(tg_str_t secret, const char **rule)
{
    return tg_charset_check(&tg_app_secret_chars, secret, rule);
}


int
tg_app_code_check(tg_str_t code, const char **rule)
{
    return tg_charset_check(&tg_app_code_chars, code, rule);
}


int
tg_access_key_id_check(tg_str_t id, const char **rule)
{
    return tg_charset_check(&tg_access_key_id_chars, id, rule);
}


int
tg_access_key_secret_check(tg_str_t secret, const char **rule)
{
    size_t i;

    if (secret.len < TG_ACCESS_KEY_SECRET_MIN
        || secret.len > TG_ACCESS_KEY_SECRET_MAX)
    {
        goto invalid;
    }

    for (i = 0; i < secret.len; i++) {
        if (secret.ptr[i] < 0x21 || secret.ptr[i] > 0x7e) {
            goto invalid;
        }
    }

    return TG_OK;

invalid:

    return tg_fail(rule, "must be 16-128 printable ASCII characters "
                         "without spaces");
}


size_t
tg_secret_mask(tg_str_t secret, char out[TG_MASK_LEN + 1])
{
    static const char stars[] = "************";
    size_t            n = 0;

    if (secret.len >= 24) {
        memcpy(out, secret.ptr, 3);
        n = 3;
    }

    memcpy(out + n, stars, sizeof(stars) - 1);
    n += sizeof(stars) - 1;

    if (secret.len >= 24) {
        memcpy(out + n, secret.ptr + secret.len - 3, 3);
        n += 3;
    }

    out[n] = '\0';
    return n;
}


/* A generated value fits the buffers that tg_cred_format_t callers keep. */
_Static_assert(TG_APP_KEY_LEN <= TG_CRED_GENERATED_MAX, "AppKey too long");
_Static_assert(TG_APP_SECRET_LEN <= TG_CRED_GENERATED_MAX, "secret too long");
_Static_assert(TG_APP_CODE_LEN <= TG_CRED_GENERATED_MAX, "AppCode too long");

const tg_cred_format_t tg_app_key_format = {
    TG_APP_KEY_LEN,
    tg_app_key_generate,
    tg_app_key_draw,
    tg_app_key_check,
};

const tg_cred_format_t tg_app_secret_format = {
    TG_APP_SECRET_LEN,
    tg_app_secret_generate,
    tg_app_secret_draw,
    tg_app_secret_check,
};

const tg_cred_format_t tg_app_code_format = {
    TG_APP_CODE_LEN,
    tg_app_code_generate,
    tg_app_code_draw,
    tg_app_code_check,
};


void
tg_cred_free(tg_cred_t *c)
{
    if (c != NULL) {
        free(c->key);
        free(c->sealed);
        free(c->prev_key);
        free(c->prev_sealed);
        memset(c, 0, sizeof(*c));
    }
}
