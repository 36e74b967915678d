/*
 * Credentials: generating them and checking caller-supplied ones.
 *
 * Generated values come from the OS CSPRNG, carry (but for ids, which
 * name and grant nothing) at least 128 bits of entropy, and satisfy every
 * vendor's published format, so one app reads the same way in every dialect:
 *
 *   id          32 lowercase hex: 48 bits of the time in ms, then 80
 *               random bits (an id names, it grants nothing)
 *   AppKey      24 of [A-Za-z0-9]                142 bits  (Huawei: 8-200,
 *                                                           alnum first)
 *   AppSecret   40 of [A-Za-z0-9]                238 bits  (Huawei: 8-128)
 *   AppCode     64 lowercase hex                 256 bits  (Huawei: 64-180)
 *   access key  "TG" + 22 of [A-Za-z0-9]         131 bits
 *   its secret  40 of [A-Za-z0-9]                238 bits
 *   AppId       integer in [10^13, 10^14)        (Alibaba's AppId is an
 *                                                 integer; below 2^53)
 *
 * Caller-supplied values are checked against the rules below.  Each
 * *_check() returns 0 or TG_EINVALID and sets *rule (if not NULL) to a
 * static sentence that never contains the value.  Generators return 0 or
 * TG_EINTERNAL if the CSPRNG failed.
 *
 * An app's credentials come in kinds (key pairs, AppCodes), stored as one
 * record type, tg_cred_t.  Each layer keeps one table indexed by
 * tg_cred_kind_t: the store its tables and columns, the service its rules
 * (daemon/service/service_creds.c), the native dialect its routes' fields
 * and JSON, the CLI its commands.  The formats of a kind's values are
 * here, as tg_cred_format_t.
 */

#ifndef TOLLGATE_CRED_H
#define TOLLGATE_CRED_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/rules.h"
#include "tollgate/str.h"


#define TG_APP_KEY_LEN           24
#define TG_APP_KEY_MIN           8
#define TG_APP_KEY_MAX           200
#define TG_APP_SECRET_LEN        40
#define TG_APP_SECRET_MIN        8
#define TG_APP_SECRET_MAX        128
#define TG_APP_CODE_LEN          64
#define TG_APP_CODE_MIN          32
#define TG_APP_CODE_MAX          180
#define TG_ACCESS_KEY_ID_LEN     24
#define TG_ACCESS_KEY_ID_MIN     4
#define TG_ACCESS_KEY_ID_MAX     64
#define TG_ACCESS_KEY_SECRET_LEN 40
#define TG_ACCESS_KEY_SECRET_MIN 16
#define TG_ACCESS_KEY_SECRET_MAX 128
#define TG_APP_ID_MIN            10000000000000LL
#define TG_APP_ID_MAX            99999999999999LL
#define TG_REQUEST_ID_LEN        36
#define TG_MASK_LEN              18 /* the longest tg_secret_mask() output */
#define TG_CRED_GENERATED_MAX    64 /* the longest generated credential */


typedef enum {
    TG_CRED_KEY_PAIR = 0, /* an AppKey (public) and its AppSecret */
    TG_CRED_APP_CODE,     /* a bearer code, named by itself */
    TG_CRED_KINDS
} tg_cred_kind_t;

/*
 * One credential of an app as stored, whatever its kind.  A kind named
 * by a public key (an AppKey) has key and may keep its replaced key and
 * secret for a grace period (prev_*); a kind named by its secret (an
 * AppCode) has hash, the keyring's index hash of the secret, instead.
 * Strings are malloc'd; tg_cred_free() releases them.
 */
typedef struct {
    char    id[TG_ID_LEN + 1];
    char    app[TG_ID_LEN + 1];        /* the owning app's id */
    char   *key;                       /* public name, or NULL */
    char    hash[TG_HASH_HEX_LEN + 1]; /* index hash, or "" */
    char   *sealed;                    /* the secret, sealed */
    int     primary;                   /* the app's primary one */
    char   *prev_key;                  /* in grace, else NULL */
    char   *prev_sealed;               /* in grace, else NULL */
    int64_t prev_expires_at;           /* 0 when there is no grace */
    int64_t created_at;
    int64_t updated_at; /* also when it was last reset */
    int64_t secret_at;  /* when its secret was set (its age counts from) */
} tg_cred_t;

/* The format of one credential value: how it is generated (len
 * characters and a NUL into out) and how a given one is checked. */
typedef struct tg_draw_s tg_draw_t;

typedef struct {
    size_t len;
    int (*generate)(char *out);
    int (*draw)(tg_draw_t *d, char *out); /* the same, from d */
    int (*check)(tg_str_t value, const char **rule);
} tg_cred_format_t;

extern const tg_cred_format_t tg_app_key_format;
extern const tg_cred_format_t tg_app_secret_format;
extern const tg_cred_format_t tg_app_code_format;


/*
 * Random bytes drawn from the CSPRNG at once for several values: a call
 * costs about as much as a few hundred bytes of its output, and an app's
 * create draws seven values.  Values are taken from it in order, each
 * byte once (and wiped from it as it is taken); it is drawn full again
 * when it holds too few.  tg_draw_wipe() wipes what is left.
 */
struct tg_draw_s {
    uint8_t bytes[256];
    size_t  used; /* the bytes taken; all: empty */
};

void tg_draw_init(tg_draw_t *d);
void tg_draw_wipe(tg_draw_t *d);

/* A uniformly distributed integer in [0, bound), bound > 0, from d
 * without modulo bias.  Returns 0, or TG_EINTERNAL. */
int tg_draw_below(tg_draw_t *d, uint64_t bound, uint64_t *out);

/* An id: TG_ID_LEN hex digits, its time in ms then 80 random bits, so
 * that ids sort in the order they were made (on one clock). */
int tg_id_generate(char out[TG_ID_LEN + 1]);
int tg_draw_id(tg_draw_t *d, char out[TG_ID_LEN + 1]);
int tg_app_id_generate(int64_t *out);
int tg_draw_app_id(tg_draw_t *d, int64_t *out);
int tg_app_key_generate(char out[TG_APP_KEY_LEN + 1]);
int tg_app_secret_generate(char out[TG_APP_SECRET_LEN + 1]);
int tg_app_code_generate(char out[TG_APP_CODE_LEN + 1]);
int tg_access_key_id_generate(char out[TG_ACCESS_KEY_ID_LEN + 1]);
int tg_access_key_secret_generate(char out[TG_ACCESS_KEY_SECRET_LEN + 1]);

/* A random (version 4) UUID in lowercase, for request ids. */
int tg_request_id_generate(char out[TG_REQUEST_ID_LEN + 1]);

/* 1 if s is 32 lowercase hex characters, else 0. */
int tg_id_valid(tg_str_t s);

/* AppKeys: 8-200 of [A-Za-z0-9_-], starting with a letter or digit
 * (Huawei's app_key rule, the strictest published). */
int tg_app_key_check(tg_str_t key, const char **rule);

/* AppSecrets: 8-128 of [A-Za-z0-9_-!@#$%], starting with a letter or
 * digit (Huawei's app_secret rule). */
int tg_app_secret_check(tg_str_t secret, const char **rule);

/* AppCodes: 32-180 of [A-Za-z0-9+_!@#$%-/=], starting with a letter, a
 * digit, '+' or '/' (Huawei's character rule; its 64-character minimum is
 * the Huawei dialect's, since Alibaba's AppCodes are 32 characters). */
int tg_app_code_check(tg_str_t code, const char **rule);

/* Access-key ids: 4-64 of [A-Za-z0-9_.-] (never ':', for HTTP Basic). */
int tg_access_key_id_check(tg_str_t id, const char **rule);

/* Access-key secrets: 16-128 printable ASCII characters, no space. */
int tg_access_key_secret_check(tg_str_t secret, const char **rule);

/*
 * Writes a masked form of a secret and a NUL into out, which holds
 * TG_MASK_LEN + 1 bytes: the first and last 3 characters around 12 '*'
 * if the secret has at least 24 characters (too few to matter), else 12
 * '*' alone.  Returns the number of characters written.
 */
size_t tg_secret_mask(tg_str_t secret, char out[TG_MASK_LEN + 1]);

/* Frees a credential's strings and zeroes it.  c may be NULL. */
void tg_cred_free(tg_cred_t *c);

#endif /* TOLLGATE_CRED_H */
