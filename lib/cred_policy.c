/*
 * The checks of an account's credential policy (cred_policy.h).
 */

#include <stddef.h>

#include "tollgate/cred_policy.h"
#include "tollgate/error.h"


static int
tg_cred_policy_seconds_ok(int64_t v)
{
    return v >= 0 && v <= TG_CRED_POLICY_SECONDS_MAX;
}


int
tg_cred_policy_check(const tg_cred_policy_t *p, int64_t limit,
                     tg_field_t *field, const char **rule)
{
    static const char *const seconds = "must be a number of seconds from 0 "
                                       "to 316224000 (ten years)";

    if (!tg_cred_policy_seconds_ok(p->max_secret_age)) {
        *field = TG_FIELD_MAX_SECRET_AGE;
        *rule = seconds;
        return TG_EINVALID;
    }

    if (!tg_cred_policy_seconds_ok(p->max_grace) || p->max_grace > limit) {
        *field = TG_FIELD_MAX_GRACE;
        *rule = "must be from 0 (the installation's limit) to the "
                "installation's longest grace (--max-grace-seconds)";
        return TG_EINVALID;
    }

    if (!tg_cred_policy_seconds_ok(p->min_grace)
        || p->min_grace > tg_cred_policy_grace_max(p, limit))
    {
        *field = TG_FIELD_MIN_GRACE;
        *rule = "must be from 0 to the longest grace allowed";
        return TG_EINVALID;
    }

    if (p->secret_min_length < 0 || p->secret_min_length > 128) {
        *field = TG_FIELD_SECRET_MIN_LENGTH;
        *rule = "must be from 0 (no rule) to 128";
        return TG_EINVALID;
    }

    if (p->secret_classes < 0 || p->secret_classes > TG_CRED_CLASSES_MAX) {
        *field = TG_FIELD_SECRET_CLASSES;
        *rule = "must be from 0 (no rule) to 4";
        return TG_EINVALID;
    }

    return TG_OK;
}


int64_t
tg_cred_policy_grace_max(const tg_cred_policy_t *p, int64_t limit)
{
    return p->max_grace > 0 && p->max_grace < limit ? p->max_grace : limit;
}


int64_t
tg_cred_policy_grace_default(const tg_cred_policy_t *p, int64_t limit)
{
    int64_t max = tg_cred_policy_grace_max(p, limit);

    if (p->min_grace <= 0) {
        return 0;
    }
    return p->min_grace < max ? p->min_grace : max;
}


int
tg_cred_policy_grace_check(const tg_cred_policy_t *p, int64_t limit,
                           int64_t grace)
{
    return grace >= p->min_grace && grace <= tg_cred_policy_grace_max(p, limit)
               ? TG_OK
               : TG_EINVALID;
}


int
tg_cred_classes(tg_str_t s)
{
    unsigned seen = 0;
    size_t   i;
    int      n = 0;

    for (i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char) s.ptr[i];

        if (c >= 'a' && c <= 'z') {
            seen |= 1u;
        } else if (c >= 'A' && c <= 'Z') {
            seen |= 2u;
        } else if (c >= '0' && c <= '9') {
            seen |= 4u;
        } else {
            seen |= 8u;
        }
    }

    for (; seen != 0; seen >>= 1) {
        n += (int) (seen & 1u);
    }
    return n;
}


int
tg_cred_policy_secret_check(const tg_cred_policy_t *p, tg_str_t secret,
                            const char **rule)
{
    if ((int64_t) secret.len < p->secret_min_length) {
        *rule = "is shorter than the account's credential policy allows "
                "(secret_min_length)";
        return TG_EINVALID;
    }

    if (tg_cred_classes(secret) < p->secret_classes) {
        *rule = "mixes fewer character classes (lowercase, uppercase, "
                "digits, others) than the account's credential policy "
                "asks (secret_classes)";
        return TG_EINVALID;
    }

    return TG_OK;
}


int64_t
tg_cred_policy_expires_at(const tg_cred_policy_t *p, int64_t set_at)
{
    return p->max_secret_age > 0 ? set_at + p->max_secret_age * 1000 : 0;
}


int
tg_duration_parse(tg_str_t text, int64_t *seconds)
{
    int64_t v = 0, unit = 1;
    size_t  i, digits;

    for (i = 0; i < text.len && text.ptr[i] >= '0' && text.ptr[i] <= '9'; i++) {
        if (v > TG_CRED_POLICY_SECONDS_MAX) {
            return TG_EINVALID;
        }
        v = v * 10 + (text.ptr[i] - '0');
    }
    digits = i;

    if (digits == 0 || text.len - digits > 1) {
        return TG_EINVALID;
    }

    if (digits < text.len) {
        switch (text.ptr[digits]) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return TG_EINVALID;
        }
    }

    if (v > TG_CRED_POLICY_SECONDS_MAX / unit) {
        return TG_EINVALID;
    }

    *seconds = v * unit;
    return TG_OK;
}
