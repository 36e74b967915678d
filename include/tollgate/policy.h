/*
 * Access-control policy documents: parsing, validation and evaluation.
 *
 * A policy is a JSON document of statements, in the style of Alibaba
 * Cloud's RAM:
 *
 *     {"Version": "1",
 *      "Statement": [{"Sid": "Rotate",
 *                     "Effect": "Allow",
 *                     "Action": ["apigateway:Reset*"],
 *                     "Resource": "acs:apigateway:*:*:app/1*",
 *                     "Condition": {"IpAddress":
 *                                       {"acs:SourceIp": "10.0.0.0/8"}}}]}
 *
 * Action and Resource are a pattern or an array of them, where '*'
 * matches any run of characters and '?' any one; actions compare without
 * regard to case, resources exactly.  A statement applies when its
 * action, its resource and every one of its conditions match.  Across
 * the statements of one or several policies an explicit Deny wins, then
 * an Allow; else the request is denied by default.
 *
 * Conditions (operator -> key -> value or array of values; a condition
 * holds when any value matches, NotIpAddress when none does):
 *     IpAddress, NotIpAddress      acs:SourceIp         "10.0.0.0/8", "::1"
 *     DateLessThan[Equals],        acs:CurrentTime      RFC 3339 time
 *     DateGreaterThan[Equals]
 *     Bool                         acs:SecureTransport  true, "false"
 * A condition on a value the request does not have (an unknown source
 * address) does not hold.
 *
 * This file knows no action table: the parser asks a callback whether a
 * name without wildcards is an action.  Nothing here does I/O.
 *
 * Ownership: tg_policy_parse() returns a policy that the caller destroys
 * with tg_policy_destroy(); a decision points into the policies it was
 * made from and lives as long as they do.
 */

#ifndef TOLLGATE_POLICY_H
#define TOLLGATE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/str.h"


/* Limits, each accepted at its value and refused one past it. */
#define TG_POLICY_DOCUMENT_MAX   6144 /* bytes of a document, as RAM's */
#define TG_POLICY_STATEMENTS_MAX 32   /* statements in a document */
#define TG_POLICY_VALUES_MAX                                             \
    32                               /* items of one Action, Resource or \
                                        condition value array */
#define TG_POLICY_CONDITIONS_MAX 8   /* operator/key pairs of a statement */
#define TG_POLICY_PATTERN_MAX    256 /* bytes of one action or resource */
#define TG_POLICY_SID_MAX        64  /* bytes of a Sid */

#define TG_POLICY_VERSION "1"

/* The condition keys. */
#define TG_POLICY_KEY_SOURCE_IP "acs:SourceIp"
#define TG_POLICY_KEY_TIME      "acs:CurrentTime"
#define TG_POLICY_KEY_SECURE    "acs:SecureTransport"

typedef struct tg_policy_s tg_policy_t;

/* Why a document was refused: the field ("Statement[1].Action[0]", or
 * "" for the document as a whole) and the rule it broke. */
typedef struct {
    int  statement; /* its index, or -1 */
    char field[96];
    char message[160];
} tg_policy_error_t;

/* Whether name (no wildcard in it) is an action: 1 or 0. */
typedef int (*tg_policy_action_known_pt)(void *data, tg_str_t name);

/* What the conditions see of a request. */
typedef struct {
    const char *source_ip; /* as text; NULL or unparsable: unknown */
    int64_t     now_ms;    /* Unix ms */
    int         secure;    /* the call came over TLS */
} tg_policy_context_t;

typedef enum {
    TG_POLICY_NO_MATCH = 0, /* no statement applies: denied by default */
    TG_POLICY_ALLOWED,
    TG_POLICY_DENIED /* an explicit Deny */
} tg_policy_effect_t;

/* The outcome of an evaluation and the statement that decided it (for
 * TG_POLICY_NO_MATCH, policy and statement are 0 and sid is ""). */
typedef struct {
    tg_policy_effect_t effect;
    size_t             policy;    /* its index among those evaluated */
    size_t             statement; /* its index in that policy */
    const char        *sid;       /* its Sid, or "" */
} tg_policy_decision_t;


/*
 * Parses and validates a document of at most TG_POLICY_DOCUMENT_MAX
 * bytes.  known, if not NULL, is asked about every action named without
 * wildcards.  Returns 0 with *policy set, TG_EINVALID with err filled
 * (*policy NULL), or TG_ENOMEM.
 */
int tg_policy_parse(tg_str_t text, tg_policy_action_known_pt known, void *data,
                    tg_policy_t **policy, tg_policy_error_t *err);

/* Frees a policy.  NULL is ignored. */
void tg_policy_destroy(tg_policy_t *policy);

/* How many statements policy has. */
size_t tg_policy_statement_count(const tg_policy_t *policy);

/* The Sid of statement i, or "". */
const char *tg_policy_statement_sid(const tg_policy_t *policy, size_t i);

/*
 * Evaluates n policies (NULL entries are skipped) for action on resource
 * in ctx: an explicit Deny, else an Allow (the first of each, in order),
 * else no match.  Fills d.
 */
void tg_policy_decide(const tg_policy_t *const *policies, size_t n,
                      tg_str_t action, tg_str_t resource,
                      const tg_policy_context_t *ctx, tg_policy_decision_t *d);

/*
 * Whether some Allow statement of the n policies matches action and
 * holds its conditions in ctx, whatever its resource: 1 or 0.  A listing
 * asks it first, then filters its items with tg_policy_decide().
 */
int tg_policy_may_allow(const tg_policy_t *const *policies, size_t n,
                        tg_str_t action, const tg_policy_context_t *ctx);

/*
 * Matches value against pattern ('*': any run, '?': any one character),
 * ignoring ASCII case if nocase.  Returns 1 or 0.  Linear in the lengths'
 * product at worst.
 */
int tg_policy_match(tg_str_t pattern, tg_str_t value, int nocase);

/* An address block: IPv4 addresses are kept as IPv4-mapped IPv6. */
typedef struct {
    uint8_t  addr[16];
    unsigned bits; /* 0-128 */
} tg_policy_cidr_t;

/*
 * Parses "a.b.c.d", "a.b.c.d/n" (0-32), an IPv6 address or "addr/n"
 * (0-128).  Host bits set below the prefix are refused.  Returns 0 or
 * TG_EINVALID.
 */
int tg_policy_cidr_parse(tg_str_t text, tg_policy_cidr_t *cidr);

/* Whether the address ip (text, IPv4 or IPv6; "::ffff:a.b.c.d" counts as
 * a.b.c.d) is in cidr: 1, or 0 (also for an unparsable ip). */
int tg_policy_cidr_contains(const tg_policy_cidr_t *cidr, const char *ip);

#endif /* TOLLGATE_POLICY_H */
