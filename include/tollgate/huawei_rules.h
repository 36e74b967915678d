/*
 * Huawei Cloud APIG's field rules, stricter than the core's, which its
 * dialect applies at its boundary (reference/huawei_tencent_authing.md
 * A.2, the newest SDK's where documents differ).  The core's rules
 * (rules.h, cred.h) still apply after these.
 *
 * Each returns 0, or TG_EINVALID with *rule set to a static sentence;
 * rule may be NULL, as in rules.h.
 */

#ifndef TOLLGATE_HUAWEI_RULES_H
#define TOLLGATE_HUAWEI_RULES_H

#include "tollgate/str.h"


/* Names: 3-64 characters of ASCII letters, digits, '_' and CJK, starting
 * with a letter or a CJK character. */
int tg_huawei_app_name_check(tg_str_t name, const char **rule);

/* AppCodes: 64-180 characters (the core checks the character set). */
int tg_huawei_app_code_check(tg_str_t code, const char **rule);

#endif /* TOLLGATE_HUAWEI_RULES_H */
