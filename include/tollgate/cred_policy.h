/*
 * An account's credential policy: the rules its apps' secrets follow
 * beyond the installation's own.  These are the pure checks; the core
 * service (daemon/service/) applies them on every create, reset and
 * reveal, whatever the dialect, and the projection carries the expiry
 * they give a secret to the gateway.
 *
 * Every field's zero value means "no rule", so a zeroed policy is the
 * default: secrets may be revealed again, never age out, take any grace
 * the installation allows, and any caller-chosen secret its format
 * allows.
 *
 * Ownership: nothing here allocates; rules are static strings.
 */

#ifndef TOLLGATE_CRED_POLICY_H
#define TOLLGATE_CRED_POLICY_H

#include <stdint.h>

#include "tollgate/error.h"
#include "tollgate/str.h"


/* The longest maximum secret age, minimum or maximum grace: ten years. */
#define TG_CRED_POLICY_SECONDS_MAX (10LL * 366 * 86400)

/* The character classes a strength rule counts. */
#define TG_CRED_CLASSES_MAX 4 /* lowercase, uppercase, digits, others */

typedef struct {
    int     reveal_once;       /* secrets shown only at create and reset */
    int64_t max_secret_age;    /* seconds a secret is valid; 0: forever */
    int64_t min_grace;         /* the shortest rotation grace, seconds */
    int64_t max_grace;         /* the longest; 0: the installation's */
    int64_t secret_min_length; /* of caller-chosen secrets; 0: no rule */
    int64_t secret_classes;    /* classes they must mix, 0 to 4 */
} tg_cred_policy_t;


/*
 * Checks a policy's fields against each other and the installation's
 * longest grace (limit, > 0).  Returns 0, or TG_EINVALID with *field
 * naming the field (TG_FIELD_MIN_GRACE) and *rule the rule it breaks.
 */
int tg_cred_policy_check(const tg_cred_policy_t *p, int64_t limit,
                         tg_field_t *field, const char **rule);

/*
 * The longest grace a reset may ask for under p with the installation's
 * limit: p->max_grace when set and below it, else limit.
 */
int64_t tg_cred_policy_grace_max(const tg_cred_policy_t *p, int64_t limit);

/*
 * The grace a reset gets when it asks for none: p->min_grace, clamped
 * into the bounds (the installation's limit may have dropped below it).
 */
int64_t tg_cred_policy_grace_default(const tg_cred_policy_t *p, int64_t limit);

/*
 * Checks a reset's grace in seconds: it must be from p->min_grace to
 * tg_cred_policy_grace_max().  Returns 0, or TG_EINVALID.
 */
int tg_cred_policy_grace_check(const tg_cred_policy_t *p, int64_t limit,
                               int64_t grace);

/*
 * Checks a caller-chosen secret against p's strength rule: at least
 * p->secret_min_length bytes and characters of at least p->secret_classes
 * of the four classes.  Returns 0, or TG_EINVALID with *rule set.  The
 * secret is only read; nothing of it is kept or told.
 */
int tg_cred_policy_secret_check(const tg_cred_policy_t *p, tg_str_t secret,
                                const char **rule);

/* How many of the four character classes s mixes. */
int tg_cred_classes(tg_str_t s);

/*
 * When a secret set at set_at (Unix ms) passes p's maximum age, in Unix
 * ms; 0 when p sets none.
 */
int64_t tg_cred_policy_expires_at(const tg_cred_policy_t *p, int64_t set_at);

/*
 * Parses a duration: a whole number of seconds, optionally followed by
 * one unit, s, m, h or d ("90", "15m", "7d"), from 0 to
 * TG_CRED_POLICY_SECONDS_MAX seconds.  Returns 0, or TG_EINVALID.
 */
int tg_duration_parse(tg_str_t text, int64_t *seconds);

#endif /* TOLLGATE_CRED_POLICY_H */
