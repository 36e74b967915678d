/*
 * Huawei Cloud APIG's field rules.  See huawei_rules.h.
 */

#include <stdint.h>

#include "tollgate/error.h"
#include "tollgate/huawei_rules.h"
#include "tollgate/utf8.h"


static int
tg_huawei_fail(const char **rule, const char *text)
{
    if (rule != NULL) {
        *rule = text;
    }
    return TG_EINVALID;
}


int
tg_huawei_app_name_check(tg_str_t name, const char **rule)
{
    static const char text[] =
        "must be 3-64 characters of letters, digits, '_' or CJK, starting "
        "with a letter or CJK";
    size_t  pos = 0, n = 0;
    int32_t c;
    int     alpha;

    while (pos < name.len) {
        c = tg_utf8_next(name, &pos);
        if (c < 0) {
            return tg_huawei_fail(rule, "must be valid UTF-8");
        }

        alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (n == 0 && !(alpha || tg_utf8_is_cjk(c))) {
            return tg_huawei_fail(rule, text);
        }
        if (!(alpha || (c >= '0' && c <= '9') || c == '_' || tg_utf8_is_cjk(c)))
        {
            return tg_huawei_fail(rule, text);
        }
        if (++n > 64) {
            return tg_huawei_fail(rule, text);
        }
    }

    return n >= 3 ? TG_OK : tg_huawei_fail(rule, text);
}


int
tg_huawei_app_code_check(tg_str_t code, const char **rule)
{
    if (code.len < 64 || code.len > 180) {
        return tg_huawei_fail(rule, "must be 64-180 characters");
    }
    return TG_OK;
}
