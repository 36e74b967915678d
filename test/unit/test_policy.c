/*
 * Tests of lib/policy.c: wildcards in actions and resources, deny over
 * allow over the default deny, each condition at its edges, addresses,
 * limits at their edge, and malformed documents named by statement and
 * field.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/policy.h"
#include "tollgate/time.h"

#include "unit.h"


#define APP_ARN "acs:apigateway:local:acc1:app/100"


/* Knows a few actions, as the daemon's table would. */
static int
known_action(void *data, tg_str_t name)
{
    static const char *const names[] = { "apigateway:ResetAppSecret",
                                         "apigateway:DescribeApp",
                                         "apigateway:DescribeApps",
                                         "apigateway:DeleteApp", NULL };
    size_t                   i;

    (void) data;
    for (i = 0; names[i] != NULL; i++) {
        if (tg_str_eq_nocase(name, tg_str_c(names[i]))) {
            return 1;
        }
    }
    return 0;
}


static tg_policy_t *
parse_ok(const char *text)
{
    tg_policy_error_t err;
    tg_policy_t      *p = NULL;
    int rc = tg_policy_parse(tg_str_c(text), known_action, NULL, &p, &err);

    if (rc != TG_OK) {
        print_error("refused: %s: %s\n", err.field, err.message);
    }
    assert_rc(rc, TG_OK);
    assert_non_null(p);
    return p;
}


/* Parses text, expecting a refusal of field. */
static void
parse_bad(const char *text, const char *field, int statement)
{
    tg_policy_error_t err;
    tg_policy_t      *p = (tg_policy_t *) 1;

    assert_rc(tg_policy_parse(tg_str_c(text), known_action, NULL, &p, &err),
              TG_EINVALID);
    assert_null(p);
    assert_string_equal(err.field, field);
    assert_int_equal(err.statement, statement);
    assert_true(err.message[0] != '\0');
}


static tg_policy_effect_t
decide(const tg_policy_t *p, const char *action, const char *resource,
       const tg_policy_context_t *ctx)
{
    const tg_policy_t   *one[1] = { p };
    tg_policy_decision_t d;

    tg_policy_decide(one, 1, tg_str_c(action), tg_str_c(resource), ctx, &d);
    return d.effect;
}


static const tg_policy_context_t plain = { "10.1.2.3", 1767225600000, 0 };


static void
test_match_wildcards(void **state)
{
    (void) state;

    assert_true(tg_policy_match(TG_STR("*"), TG_STR(""), 0));
    assert_true(tg_policy_match(TG_STR("*"), TG_STR("anything"), 0));
    assert_true(tg_policy_match(TG_STR("a?c"), TG_STR("abc"), 0));
    assert_false(tg_policy_match(TG_STR("a?c"), TG_STR("ac"), 0));
    assert_false(tg_policy_match(TG_STR("a?c"), TG_STR("abbc"), 0));
    assert_true(tg_policy_match(TG_STR("a*c"), TG_STR("ac"), 0));
    assert_true(tg_policy_match(TG_STR("a*b*c"), TG_STR("axxbyybzc"), 0));
    assert_false(tg_policy_match(TG_STR("a*b*c"), TG_STR("axxbyyd"), 0));
    assert_true(tg_policy_match(TG_STR("apigateway:Describe*"),
                                TG_STR("apigateway:DescribeAppSecurity"), 0));
    assert_false(tg_policy_match(TG_STR("apigateway:Describe*"),
                                 TG_STR("apigateway:ResetAppSecret"), 0));
    assert_true(tg_policy_match(TG_STR("APIGATEWAY:describe*"),
                                TG_STR("apigateway:DescribeApp"), 1));
    assert_false(tg_policy_match(TG_STR("APIGATEWAY:describe*"),
                                 TG_STR("apigateway:DescribeApp"), 0));
    assert_false(tg_policy_match(TG_STR("abc"), TG_STR("abcd"), 0));
    assert_false(tg_policy_match(TG_STR(""), TG_STR("a"), 0));
    assert_true(tg_policy_match(TG_STR(""), TG_STR(""), 0));
}


/* A pattern made to make naive backtracking exponential stays fast. */
static void
test_match_pathological(void **state)
{
    char pattern[257], value[300];

    (void) state;
    memset(pattern, 0, sizeof(pattern));
    for (size_t i = 0; i < 128; i++) {
        pattern[2 * i] = 'a';
        pattern[2 * i + 1] = '*';
    }
    pattern[255] = 'b';
    memset(value, 'a', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';

    assert_false(tg_policy_match(tg_str_c(pattern), tg_str_c(value), 0));
}


static void
test_actions_and_resources(void **state)
{
    tg_policy_t *p;

    (void) state;
    p = parse_ok("{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\","
                 "\"Action\":\"apigateway:Describe*\","
                 "\"Resource\":\"acs:apigateway:*:acc1:app/*\"}]}");

    assert_int_equal(decide(p, "apigateway:DescribeApp", APP_ARN, &plain),
                     TG_POLICY_ALLOWED);
    assert_int_equal(decide(p, "apigateway:ResetAppSecret", APP_ARN, &plain),
                     TG_POLICY_NO_MATCH);
    assert_int_equal(decide(p, "apigateway:DescribeApp",
                            "acs:apigateway:local:acc2:app/100", &plain),
                     TG_POLICY_NO_MATCH);
    assert_int_equal(decide(p, "apigateway:DescribeApp",
                            "acs:apigateway:local:acc1:api/100", &plain),
                     TG_POLICY_NO_MATCH);
    tg_policy_destroy(p);

    /* One app only, with '?' */
    p = parse_ok("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"*\"],"
                 "\"Resource\":[\"acs:apigateway:*:*:app/10?\"]}]}");
    assert_int_equal(decide(p, "apigateway:DeleteApp", APP_ARN, &plain),
                     TG_POLICY_ALLOWED);
    assert_int_equal(decide(p, "apigateway:DeleteApp",
                            "acs:apigateway:local:acc1:app/1000", &plain),
                     TG_POLICY_NO_MATCH);
    tg_policy_destroy(p);
}


static void
test_deny_over_allow(void **state)
{
    const tg_policy_t   *both[2];
    tg_policy_decision_t d;
    tg_policy_t         *allow, *deny;

    (void) state;
    allow = parse_ok("{\"Statement\":[{\"Sid\":\"All\",\"Effect\":\"Allow\","
                     "\"Action\":\"*\",\"Resource\":\"*\"}]}");
    deny = parse_ok("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                    "\"apigateway:DescribeApp\",\"Resource\":\"*\"},"
                    "{\"Sid\":\"NoDelete\",\"Effect\":\"Deny\",\"Action\":"
                    "\"apigateway:Delete*\",\"Resource\":\"*\"}]}");
    both[0] = allow;
    both[1] = deny;

    tg_policy_decide(both, 2, TG_STR("apigateway:DeleteApp"), TG_STR(APP_ARN),
                     &plain, &d);
    assert_int_equal(d.effect, TG_POLICY_DENIED);
    assert_int_equal(d.policy, 1);
    assert_int_equal(d.statement, 1);
    assert_string_equal(d.sid, "NoDelete");

    tg_policy_decide(both, 2, TG_STR("apigateway:DescribeApp"), TG_STR(APP_ARN),
                     &plain, &d);
    assert_int_equal(d.effect, TG_POLICY_ALLOWED);
    assert_int_equal(d.policy, 0);
    assert_string_equal(d.sid, "All");

    /* Nothing applies: the default deny. */
    tg_policy_decide(both + 1, 1, TG_STR("apigateway:ResetAppSecret"),
                     TG_STR(APP_ARN), &plain, &d);
    assert_int_equal(d.effect, TG_POLICY_NO_MATCH);
    assert_string_equal(d.sid, "");

    assert_true(tg_policy_may_allow(both + 1, 1,
                                    TG_STR("apigateway:DescribeApp"), &plain));
    assert_false(tg_policy_may_allow(both + 1, 1,
                                     TG_STR("apigateway:DeleteApp"), &plain));

    tg_policy_destroy(allow);
    tg_policy_destroy(deny);
}


static void
test_condition_ip(void **state)
{
    tg_policy_context_t ctx = plain;
    tg_policy_t        *p, *not ;

    (void) state;
    p = parse_ok("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                 "\"Resource\":\"*\",\"Condition\":{\"IpAddress\":"
                 "{\"acs:SourceIp\":[\"10.1.0.0/16\",\"2001:db8::/32\"]}}}]}");
    not = parse_ok("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                   "\"Resource\":\"*\",\"Condition\":{\"NotIpAddress\":"
                   "{\"acs:sourceip\":\"10.1.0.0/16\"}}}]}");

    static const struct {
        const char *ip;
        int         in;
    } cases[] = {
        { "10.1.0.0", 1 },
        { "10.1.255.255", 1 },
        { "10.0.255.255", 0 },
        { "10.2.0.0", 0 },
        { "::ffff:10.1.2.3", 1 },
        { "2001:db8::1", 1 },
        { "2001:db8:ffff::", 1 },
        { "2001:db9::", 0 },
        { "::1", 0 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ctx.source_ip = cases[i].ip;
        assert_int_equal(decide(p, "apigateway:DeleteApp", APP_ARN, &ctx),
                         cases[i].in ? TG_POLICY_ALLOWED : TG_POLICY_NO_MATCH);
    }

    ctx.source_ip = "10.0.0.1";
    assert_int_equal(decide(not, "apigateway:DeleteApp", APP_ARN, &ctx),
                     TG_POLICY_ALLOWED);
    ctx.source_ip = "10.1.0.1";
    assert_int_equal(decide(not, "apigateway:DeleteApp", APP_ARN, &ctx),
                     TG_POLICY_NO_MATCH);

    /* An unknown address satisfies neither. */
    ctx.source_ip = "-";
    assert_int_equal(decide(p, "apigateway:DeleteApp", APP_ARN, &ctx),
                     TG_POLICY_NO_MATCH);
    assert_int_equal(decide(not, "apigateway:DeleteApp", APP_ARN, &ctx),
                     TG_POLICY_NO_MATCH);
    ctx.source_ip = NULL;
    assert_int_equal(decide(not, "apigateway:DeleteApp", APP_ARN, &ctx),
                     TG_POLICY_NO_MATCH);

    tg_policy_destroy(p);
    tg_policy_destroy(not );
}


static void
test_cidr_parse(void **state)
{
    tg_policy_cidr_t c;

    (void) state;
    assert_rc(tg_policy_cidr_parse(TG_STR("0.0.0.0/0"), &c), TG_OK);
    assert_true(tg_policy_cidr_contains(&c, "255.255.255.255"));
    assert_false(tg_policy_cidr_contains(&c, "2001:db8::1"));
    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0.1/32"), &c), TG_OK);
    assert_true(tg_policy_cidr_contains(&c, "10.0.0.1"));
    assert_false(tg_policy_cidr_contains(&c, "10.0.0.2"));
    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0.1"), &c), TG_OK);
    assert_int_equal(c.bits, 128);
    assert_rc(tg_policy_cidr_parse(TG_STR("::/0"), &c), TG_OK);
    assert_true(tg_policy_cidr_contains(&c, "10.0.0.1"));
    assert_rc(tg_policy_cidr_parse(TG_STR("2001:db8::/128"), &c), TG_OK);
    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0.128/25"), &c), TG_OK);
    assert_true(tg_policy_cidr_contains(&c, "10.0.0.255"));
    assert_false(tg_policy_cidr_contains(&c, "10.0.0.127"));

    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0.0/33"), &c), TG_EINVALID);
    assert_rc(tg_policy_cidr_parse(TG_STR("::/129"), &c), TG_EINVALID);
    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0.1/24"), &c), TG_EINVALID);
    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0.0/"), &c), TG_EINVALID);
    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0/8"), &c), TG_EINVALID);
    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0.0/-1"), &c), TG_EINVALID);
    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0.0/+8"), &c), TG_EINVALID);
    assert_rc(tg_policy_cidr_parse(TG_STR("10.0.0.0\0/8"), &c), TG_EINVALID);
    assert_rc(tg_policy_cidr_parse(TG_STR(""), &c), TG_EINVALID);
    assert_rc(tg_policy_cidr_parse(TG_STR("host.example"), &c), TG_EINVALID);
}


static void
test_condition_time(void **state)
{
    tg_policy_context_t ctx = plain;
    tg_policy_t        *lt, *le, *gt, *ge;
    int64_t             edge;

    (void) state;
    assert_rc(tg_time_parse(TG_STR("2026-06-01T00:00:00Z"), &edge), TG_OK);

#define TIME_POLICY(op)                                                \
    parse_ok("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"," \
             "\"Resource\":\"*\",\"Condition\":{\"" op "\":"           \
             "{\"acs:CurrentTime\":\"2026-06-01T00:00:00Z\"}}}]}")
    lt = TIME_POLICY("DateLessThan");
    le = TIME_POLICY("DateLessThanEquals");
    gt = TIME_POLICY("DateGreaterThan");
    ge = TIME_POLICY("DateGreaterThanEquals");
#undef TIME_POLICY

    ctx.now_ms = edge - 1;
    assert_int_equal(decide(lt, "*", APP_ARN, &ctx), TG_POLICY_ALLOWED);
    assert_int_equal(decide(le, "*", APP_ARN, &ctx), TG_POLICY_ALLOWED);
    assert_int_equal(decide(gt, "*", APP_ARN, &ctx), TG_POLICY_NO_MATCH);
    assert_int_equal(decide(ge, "*", APP_ARN, &ctx), TG_POLICY_NO_MATCH);

    ctx.now_ms = edge;
    assert_int_equal(decide(lt, "*", APP_ARN, &ctx), TG_POLICY_NO_MATCH);
    assert_int_equal(decide(le, "*", APP_ARN, &ctx), TG_POLICY_ALLOWED);
    assert_int_equal(decide(gt, "*", APP_ARN, &ctx), TG_POLICY_NO_MATCH);
    assert_int_equal(decide(ge, "*", APP_ARN, &ctx), TG_POLICY_ALLOWED);

    ctx.now_ms = edge + 1;
    assert_int_equal(decide(lt, "*", APP_ARN, &ctx), TG_POLICY_NO_MATCH);
    assert_int_equal(decide(le, "*", APP_ARN, &ctx), TG_POLICY_NO_MATCH);
    assert_int_equal(decide(gt, "*", APP_ARN, &ctx), TG_POLICY_ALLOWED);
    assert_int_equal(decide(ge, "*", APP_ARN, &ctx), TG_POLICY_ALLOWED);

    tg_policy_destroy(lt);
    tg_policy_destroy(le);
    tg_policy_destroy(gt);
    tg_policy_destroy(ge);
}


static void
test_condition_bool_and_all(void **state)
{
    tg_policy_context_t ctx = plain;
    tg_policy_t        *p, *q;

    (void) state;
    p = parse_ok("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
                 "\"Resource\":\"*\",\"Condition\":{\"Bool\":"
                 "{\"acs:SecureTransport\":\"true\"},"
                 "\"IpAddress\":{\"acs:SourceIp\":\"10.0.0.0/8\"}}}]}");
    q = parse_ok("{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\","
                 "\"Resource\":\"*\",\"Condition\":{\"Bool\":"
                 "{\"acs:SecureTransport\":false}}}]}");

    ctx.secure = 0;
    assert_int_equal(decide(p, "*", APP_ARN, &ctx), TG_POLICY_NO_MATCH);
    assert_int_equal(decide(q, "*", APP_ARN, &ctx), TG_POLICY_DENIED);
    ctx.secure = 1;
    assert_int_equal(decide(p, "*", APP_ARN, &ctx), TG_POLICY_ALLOWED);
    assert_int_equal(decide(q, "*", APP_ARN, &ctx), TG_POLICY_NO_MATCH);

    /* Every condition must hold. */
    ctx.source_ip = "192.168.0.1";
    assert_int_equal(decide(p, "*", APP_ARN, &ctx), TG_POLICY_NO_MATCH);

    tg_policy_destroy(p);
    tg_policy_destroy(q);
}


static void
test_malformed(void **state)
{
    (void) state;

    parse_bad("", "", -1);
    parse_bad("[]", "", -1);
    parse_bad("{\"Statement\":[]}", "Statement", -1);
    parse_bad("{\"Statement\":{}}", "Statement", -1);
    parse_bad("{}", "Statement", -1);
    parse_bad("{\"Version\":\"2\",\"Statement\":[]}", "Version", -1);
    parse_bad("{\"Statment\":[]}", "Statment", -1);
    parse_bad("{\"Statement\":[1]}", "Statement[0]", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"*\"},{\"Effect\":\"Permit\",\"Action\":\"*\","
              "\"Resource\":\"*\"}]}",
              "Statement[1].Effect", 1);
    parse_bad("{\"Statement\":[{\"Action\":\"*\",\"Resource\":\"*\"}]}",
              "Statement[0].Effect", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}",
              "Statement[0].Action", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\"}]}",
              "Statement[0].Resource", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"*\","
              "\"apigateway:ResetAppSecrets\"],\"Resource\":\"*\"}]}",
              "Statement[0].Action[1]", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
              "\"ecs:DescribeInstances\",\"Resource\":\"*\"}]}",
              "Statement[0].Action", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[],"
              "\"Resource\":\"*\"}]}",
              "Statement[0].Action", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":[5]}]}",
              "Statement[0].Resource[0]", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"arn:aws:s3:::x\"}]}",
              "Statement[0].Resource", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"acs:apigateway:*:*:app/a b\"}]}",
              "Statement[0].Resource", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"*\",\"NotAction\":\"*\"}]}",
              "Statement[0].NotAction", 0);
    parse_bad("{\"Statement\":[{\"Sid\":\"a-b\",\"Effect\":\"Allow\","
              "\"Action\":\"*\",\"Resource\":\"*\"}]}",
              "Statement[0].Sid", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{}}}]}",
              "Statement[0].Condition.StringEquals", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"*\",\"Condition\":{\"IpAddress\":"
              "{\"acs:CurrentTime\":\"10.0.0.0/8\"}}}]}",
              "Statement[0].Condition.IpAddress.acs:CurrentTime", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"*\",\"Condition\":{\"IpAddress\":"
              "{\"acs:SourceIp\":[\"10.0.0.0/8\",\"10.0.0.1/8\"]}}}]}",
              "Statement[0].Condition.IpAddress.acs:SourceIp[1]", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":"
              "{\"acs:CurrentTime\":\"tomorrow\"}}}]}",
              "Statement[0].Condition.DateLessThan.acs:CurrentTime", 0);
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"*\",\"Condition\":{\"Bool\":"
              "{\"acs:SecureTransport\":\"yes\"}}}]}",
              "Statement[0].Condition.Bool.acs:SecureTransport", 0);
    /* Duplicated keys are refused, not resolved. */
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Effect\":\"Deny\","
              "\"Action\":\"*\",\"Resource\":\"*\"}]}",
              "", -1);
    /* A NUL inside a string. */
    parse_bad("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
              "\"Resource\":\"acs:apigateway:\\u0000\"}]}",
              "", -1);
}


/* Builds a document of n statements, each padded by pad spaces. */
static char *
statements(size_t n, size_t pad)
{
    static const char one[] =
        "{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}";
    size_t size = 32 + n * (sizeof(one) + 1 + pad);
    char  *text = malloc(size), *at;

    assert_non_null(text);
    at = text + sprintf(text, "{\"Statement\":[");
    for (size_t i = 0; i < n; i++) {
        at += sprintf(at, "%s%s%*s", i > 0 ? "," : "", one, (int) pad, "");
    }
    sprintf(at, "]}");
    return text;
}


static void
test_limits(void **state)
{
    tg_policy_error_t err;
    tg_policy_t      *p;
    char             *text, pattern[TG_POLICY_PATTERN_MAX + 2];
    char              doc[512];
    size_t            len;

    (void) state;

    text = statements(TG_POLICY_STATEMENTS_MAX, 0);
    p = parse_ok(text);
    assert_int_equal(tg_policy_statement_count(p), TG_POLICY_STATEMENTS_MAX);
    tg_policy_destroy(p);
    free(text);

    text = statements(TG_POLICY_STATEMENTS_MAX + 1, 0);
    parse_bad(text, "Statement", -1);
    free(text);

    /* The document's size: pad with whitespace to exactly the limit. */
    text = statements(1, 0);
    len = strlen(text);
    text = realloc(text, TG_POLICY_DOCUMENT_MAX + 2);
    assert_non_null(text);
    memset(text + len, ' ', TG_POLICY_DOCUMENT_MAX + 1 - len);
    text[TG_POLICY_DOCUMENT_MAX] = '\0';
    p = parse_ok(text);
    tg_policy_destroy(p);
    text[TG_POLICY_DOCUMENT_MAX] = ' ';
    text[TG_POLICY_DOCUMENT_MAX + 1] = '\0';
    assert_rc(tg_policy_parse(tg_str_c(text), NULL, NULL, &p, &err),
              TG_EINVALID);
    assert_string_equal(err.field, "");
    free(text);

    /* A resource pattern of exactly the limit, then one past it. */
    memset(pattern, '*', sizeof(pattern));
    memcpy(pattern, "acs:apigateway:", 15);
    pattern[TG_POLICY_PATTERN_MAX] = '\0';
    snprintf(doc, sizeof(doc),
             "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
             "\"Resource\":\"%s\"}]}",
             pattern);
    p = parse_ok(doc);
    tg_policy_destroy(p);
    pattern[TG_POLICY_PATTERN_MAX] = '*';
    pattern[TG_POLICY_PATTERN_MAX + 1] = '\0';
    snprintf(doc, sizeof(doc),
             "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\","
             "\"Resource\":\"%s\"}]}",
             pattern);
    parse_bad(doc, "Statement[0].Resource", 0);

    /* Sid: 64 then 65 characters. */
    memset(pattern, 'S', TG_POLICY_SID_MAX);
    pattern[TG_POLICY_SID_MAX] = '\0';
    snprintf(doc, sizeof(doc),
             "{\"Statement\":[{\"Sid\":\"%s\",\"Effect\":\"Allow\","
             "\"Action\":\"*\",\"Resource\":\"*\"}]}",
             pattern);
    p = parse_ok(doc);
    assert_string_equal(tg_policy_statement_sid(p, 0), pattern);
    tg_policy_destroy(p);
    pattern[TG_POLICY_SID_MAX] = 'S';
    pattern[TG_POLICY_SID_MAX + 1] = '\0';
    snprintf(doc, sizeof(doc),
             "{\"Statement\":[{\"Sid\":\"%s\",\"Effect\":\"Allow\","
             "\"Action\":\"*\",\"Resource\":\"*\"}]}",
             pattern);
    parse_bad(doc, "Statement[0].Sid", 0);
}


/* Values per array: 32 accepted, 33 refused. */
static void
test_values_limit(void **state)
{
    tg_buf_t     b = TG_BUF_INIT;
    tg_policy_t *p;
    size_t       n;

    (void) state;
    for (n = TG_POLICY_VALUES_MAX; n <= TG_POLICY_VALUES_MAX + 1; n++) {
        tg_buf_reset(&b);
        assert_rc(tg_buf_append_c(&b, "{\"Statement\":[{\"Effect\":\"Allow\","
                                      "\"Action\":\"*\",\"Resource\":["),
                  TG_OK);
        for (size_t i = 0; i < n; i++) {
            assert_rc(tg_buf_printf(&b, "%s\"acs:apigateway:*:*:app/%zu\"",
                                    i > 0 ? "," : "", i),
                      TG_OK);
        }
        assert_rc(tg_buf_append_c(&b, "]}]}"), TG_OK);

        if (n == TG_POLICY_VALUES_MAX) {
            p = parse_ok(b.ptr);
            assert_int_equal(decide(p, "apigateway:DeleteApp",
                                    "acs:apigateway:x:y:app/31", &plain),
                             TG_POLICY_ALLOWED);
            tg_policy_destroy(p);
        } else {
            parse_bad(b.ptr, "Statement[0].Resource", 0);
        }
    }
    tg_buf_free(&b);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_wildcards),
        cmocka_unit_test(test_match_pathological),
        cmocka_unit_test(test_actions_and_resources),
        cmocka_unit_test(test_deny_over_allow),
        cmocka_unit_test(test_condition_ip),
        cmocka_unit_test(test_cidr_parse),
        cmocka_unit_test(test_condition_time),
        cmocka_unit_test(test_condition_bool_and_all),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_values_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
