/*
 * libFuzzer driver for lib/policy.c: the policy parser, the wildcard
 * matcher and the address blocks.
 *
 * Beyond memory safety (ASan, UBSan), it checks the contracts: a refused
 * document leaves no policy and names a field or the document; an
 * accepted one evaluates without crashing, an explicit Deny always names
 * a statement that exists; a pattern without wildcards matches itself
 * and only itself; "*" matches anything; an address block parsed from
 * text contains its own address.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/policy.h"
#include "tollgate/str.h"

#include "fuzz.h"


static void
fuzz_document(tg_str_t text)
{
    static const tg_policy_context_t ctx = { "10.0.0.1", 1767225600000, 1 };
    const tg_policy_t               *one[1];
    tg_policy_decision_t             d;
    tg_policy_error_t                err;
    tg_policy_t                     *p = NULL;
    int                              rc;

    rc = tg_policy_parse(text, NULL, NULL, &p, &err);
    if (rc != TG_OK) {
        check(p == NULL);
        check(rc == TG_EINVALID || rc == TG_ENOMEM);
        check(rc != TG_EINVALID || err.message[0] != '\0');
        return;
    }

    one[0] = p;
    tg_policy_decide(one, 1, TG_STR("apigateway:ResetAppSecret"),
                     TG_STR("acs:apigateway:local:acc:app/1"), &ctx, &d);
    if (d.effect != TG_POLICY_NO_MATCH) {
        check(d.statement < tg_policy_statement_count(p));
        check(strcmp(d.sid, tg_policy_statement_sid(p, d.statement)) == 0);
    }
    (void) tg_policy_may_allow(one, 1, TG_STR("apigateway:DescribeApp"), &ctx);

    tg_policy_destroy(p);
}


static void
fuzz_match(tg_str_t pattern, tg_str_t value)
{
    int plain = memchr(pattern.ptr, '*', pattern.len) == NULL
                && memchr(pattern.ptr, '?', pattern.len) == NULL;

    check(tg_policy_match(TG_STR("*"), value, 0));
    if (plain) {
        check(tg_policy_match(pattern, pattern, 0));
        check(tg_policy_match(pattern, value, 0) == tg_str_eq(pattern, value));
    }
    (void) tg_policy_match(pattern, value, 1);
}


static void
fuzz_cidr(tg_str_t text)
{
    tg_policy_cidr_t c;
    char             addr[64];
    const char      *slash;

    if (tg_policy_cidr_parse(text, &c) != TG_OK || text.len >= sizeof(addr)) {
        return;
    }
    check(c.bits <= 128);

    slash = memchr(text.ptr, '/', text.len);
    memcpy(addr, text.ptr,
           slash != NULL ? (size_t) (slash - text.ptr) : text.len);
    addr[slash != NULL ? (size_t) (slash - text.ptr) : text.len] = '\0';
    check(tg_policy_cidr_contains(&c, addr));
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tg_str_t    in = { (const char *) data, size };
    const char *nul = memchr(in.ptr, '\0', in.len);

    fuzz_document(in);

    if (nul != NULL) {
        tg_str_t a = { in.ptr, (size_t) (nul - in.ptr) };
        tg_str_t b = { nul + 1, in.len - a.len - 1 };

        fuzz_match(a, b);
        fuzz_cidr(a);
    } else {
        fuzz_cidr(in);
    }

    return 0;
}
