/*
 * libFuzzer driver for lib/cred_policy.c: the duration parser (the CLI's
 * --expiring, --max-secret-age) and the strength rule over any bytes.
 *
 * Beyond memory safety (ASan, UBSan), it checks that a duration that
 * parses is within its bounds and prints back to an equal value in
 * seconds, that a refused one leaves the output alone, and that the
 * strength rule agrees with its two parts (length, classes).  Run with
 * `make fuzz`.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tollgate/cred_policy.h"
#include "tollgate/error.h"

#include "fuzz.h"


static void
fuzz_duration(tg_str_t s)
{
    int64_t v = -7, again = -7;
    char    text[32];
    int     rc;

    rc = tg_duration_parse(s, &v);
    if (rc != TG_OK) {
        check(rc == TG_EINVALID && v == -7);
        return;
    }
    check(v >= 0 && v <= TG_CRED_POLICY_SECONDS_MAX);
    snprintf(text, sizeof(text), "%llds", (long long) v);
    check(tg_duration_parse(tg_str_c(text), &again) == TG_OK && again == v);
}


static void
fuzz_strength(tg_str_t s, uint8_t length, uint8_t classes)
{
    tg_cred_policy_t p;
    const char      *rule = NULL;
    int              rc, want;

    memset(&p, 0, sizeof(p));
    p.secret_min_length = length;
    p.secret_classes = classes % (TG_CRED_CLASSES_MAX + 1);

    want = (int64_t) s.len >= p.secret_min_length
           && tg_cred_classes(s) >= p.secret_classes;
    rc = tg_cred_policy_secret_check(&p, s, &rule);
    check(rc == (want ? TG_OK : TG_EINVALID));
    check(rc == TG_OK || rule != NULL);
    check(tg_cred_classes(s) >= 0 && tg_cred_classes(s) <= TG_CRED_CLASSES_MAX);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t s = { (const char *) data, size };

    fuzz_duration(s);
    if (size >= 2) {
        fuzz_strength((tg_str_t){ (const char *) data + 2, size - 2 }, data[0],
                      data[1]);
    }
    return 0;
}
