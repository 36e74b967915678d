/*
 * Access-control policy documents: the parser turns a JSON document
 * (jansson) into plain statements, refusing anything it does not know
 * with the statement and field at fault; the evaluator matches
 * statements against a request.  See policy.h.
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "tollgate/error.h"
#include "tollgate/policy.h"
#include "tollgate/time.h"


typedef enum {
    TG_COND_IP = 0,
    TG_COND_NOT_IP,
    TG_COND_DATE_LT,
    TG_COND_DATE_LE,
    TG_COND_DATE_GT,
    TG_COND_DATE_GE,
    TG_COND_BOOL
} tg_cond_op_t;

/* The operators, the one key each takes, and the kind of its values. */
typedef struct {
    const char  *name;
    tg_cond_op_t op;
    const char  *key;
} tg_cond_operator_t;

static const tg_cond_operator_t tg_cond_operators[] = {
    { "IpAddress", TG_COND_IP, TG_POLICY_KEY_SOURCE_IP },
    { "NotIpAddress", TG_COND_NOT_IP, TG_POLICY_KEY_SOURCE_IP },
    { "DateLessThan", TG_COND_DATE_LT, TG_POLICY_KEY_TIME },
    { "DateLessThanEquals", TG_COND_DATE_LE, TG_POLICY_KEY_TIME },
    { "DateGreaterThan", TG_COND_DATE_GT, TG_POLICY_KEY_TIME },
    { "DateGreaterThanEquals", TG_COND_DATE_GE, TG_POLICY_KEY_TIME },
    { "Bool", TG_COND_BOOL, TG_POLICY_KEY_SECURE },
};

#define TG_COND_NOPERATORS \
    (sizeof(tg_cond_operators) / sizeof(tg_cond_operators[0]))

typedef union {
    tg_policy_cidr_t cidr;
    int64_t          time;
    int              flag;
} tg_cond_value_t;

typedef struct {
    tg_cond_op_t     op;
    size_t           n;
    tg_cond_value_t *values;
} tg_condition_t;

typedef struct {
    int             deny;
    char           *sid;
    char          **actions;
    size_t          nactions;
    char          **resources;
    size_t          nresources;
    tg_condition_t *conditions;
    size_t          nconditions;
} tg_statement_t;

struct tg_policy_s {
    tg_statement_t *statements;
    size_t          n;
};

/* What the parser carries along. */
typedef struct {
    tg_policy_action_known_pt known;
    void                     *data;
    tg_policy_error_t        *err;
    int                       nomem;
} tg_parse_t;


/* ---- errors ---- */


static int tg_policy_fail(tg_parse_t *p, int statement, const char *field,
                          const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fills the error: statement's (or the document's) field broke a rule. */
static int
tg_policy_fail(tg_parse_t *p, int statement, const char *field, const char *fmt,
               ...)
{
    tg_policy_error_t *err = p->err;
    va_list            ap;

    err->statement = statement;
    if (statement >= 0) {
        snprintf(err->field, sizeof(err->field), "Statement[%d]%s%s", statement,
                 field[0] != '\0' && field[0] != '[' ? "." : "", field);
    } else {
        snprintf(err->field, sizeof(err->field), "%s", field);
    }

    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);

    return TG_EINVALID;
}


/* ---- matching ---- */


static int
tg_policy_char_eq(char a, char b, int nocase)
{
    if (nocase) {
        if (a >= 'A' && a <= 'Z') {
            a = (char) (a - 'A' + 'a');
        }
        if (b >= 'A' && b <= 'Z') {
            b = (char) (b - 'A' + 'a');
        }
    }
    return a == b;
}


int
tg_policy_match(tg_str_t pattern, tg_str_t value, int nocase)
{
    size_t p = 0, v = 0, star_p = 0, star_v = 0;
    int    star = 0;

    /* Greedy with one backtrack point: the last '*' seen only ever has
     * to swallow one more character, which bounds the work. */

    while (v < value.len) {
        if (p < pattern.len && pattern.ptr[p] == '*') {
            star = 1;
            star_p = ++p;
            star_v = v;
        } else if (p < pattern.len
                   && (pattern.ptr[p] == '?'
                       || tg_policy_char_eq(pattern.ptr[p], value.ptr[v],
                                            nocase)))
        {
            p++;
            v++;
        } else if (star) {
            p = star_p;
            v = ++star_v;
        } else {
            return 0;
        }
    }

    while (p < pattern.len && pattern.ptr[p] == '*') {
        p++;
    }

    return p == pattern.len;
}


/* ---- addresses ---- */


/* Parses an address (no prefix) into 16 bytes; IPv4 as mapped IPv6.
 * Sets *v4.  Returns 0 or TG_EINVALID. */
static int
tg_policy_addr_parse(tg_str_t text, uint8_t addr[16], int *v4)
{
    char    buf[INET6_ADDRSTRLEN + 1];
    uint8_t four[4];

    if (text.len == 0 || text.len >= sizeof(buf)
        || memchr(text.ptr, '\0', text.len) != NULL)
    {
        return TG_EINVALID;
    }
    memcpy(buf, text.ptr, text.len);
    buf[text.len] = '\0';

    if (inet_pton(AF_INET, buf, four) == 1) {
        memset(addr, 0, 10);
        addr[10] = 0xff;
        addr[11] = 0xff;
        memcpy(addr + 12, four, 4);
        *v4 = 1;
        return TG_OK;
    }

    if (inet_pton(AF_INET6, buf, addr) == 1) {
        static const uint8_t mapped[12] = { 0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff };

        *v4 = memcmp(addr, mapped, sizeof(mapped)) == 0;
        return TG_OK;
    }

    return TG_EINVALID;
}


int
tg_policy_cidr_parse(tg_str_t text, tg_policy_cidr_t *cidr)
{
    const char *slash = memchr(text.ptr, '/', text.len);
    tg_str_t    addr = text;
    int64_t     bits;
    unsigned    i;
    int         v4;

    memset(cidr, 0, sizeof(*cidr));

    if (text.ptr == NULL) {
        return TG_EINVALID;
    }
    if (slash != NULL) {
        addr.len = (size_t) (slash - text.ptr);
    }

    if (tg_policy_addr_parse(addr, cidr->addr, &v4) != TG_OK) {
        return TG_EINVALID;
    }

    if (slash == NULL) {
        cidr->bits = 128;
        return TG_OK;
    }

    if (tg_str_to_int64((tg_str_t){ slash + 1, text.len - addr.len - 1 }, 0,
                        v4 ? 32 : 128, &bits)
        != TG_OK)
    {
        return TG_EINVALID;
    }
    cidr->bits = (unsigned) bits + (v4 ? 96 : 0);

    /* Host bits below the prefix say the writer meant something else. */
    for (i = cidr->bits; i < 128; i++) {
        if (cidr->addr[i / 8] & (0x80 >> (i % 8))) {
            return TG_EINVALID;
        }
    }

    return TG_OK;
}


int
tg_policy_cidr_contains(const tg_policy_cidr_t *cidr, const char *ip)
{
    uint8_t  addr[16];
    unsigned whole = cidr->bits / 8, rest = cidr->bits % 8;
    int      v4;

    if (ip == NULL || tg_policy_addr_parse(tg_str_c(ip), addr, &v4) != TG_OK) {
        return 0;
    }

    if (memcmp(addr, cidr->addr, whole) != 0) {
        return 0;
    }

    return rest == 0
           || ((addr[whole] ^ cidr->addr[whole]) & (0xff00 >> rest)) == 0;
}


/* ---- parsing ---- */


static char *
tg_policy_strdup(tg_parse_t *p, const char *s, size_t len)
{
    char *copy = tg_strndup(s, len);

    if (copy == NULL) {
        p->nomem = 1;
    }
    return copy;
}


/* Whether s holds only printable ASCII without spaces. */
static int
tg_policy_printable(tg_str_t s)
{
    size_t i;

    for (i = 0; i < s.len; i++) {
        if (s.ptr[i] <= ' ' || s.ptr[i] > '~') {
            return 0;
        }
    }
    return 1;
}


/* Checks an action pattern: "*", or "apigateway:" and letters or
 * wildcards, naming an action when it has no wildcard. */
static int
tg_policy_action_check(tg_parse_t *p, int si, const char *field, tg_str_t s)
{
    static const tg_str_t service = TG_STR("apigateway:");
    size_t                i;
    int                   wild = 0;

    if (tg_str_eq_c(s, "*")) {
        return TG_OK;
    }

    if (s.len <= service.len
        || !tg_policy_match(service, (tg_str_t){ s.ptr, service.len }, 1))
    {
        return tg_policy_fail(p, si, field,
                              "an action is \"*\" or \"apigateway:<Name>\", "
                              "with '*' and '?' as wildcards");
    }

    for (i = service.len; i < s.len; i++) {
        char c = s.ptr[i];

        if (c == '*' || c == '?') {
            wild = 1;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                     || (c >= '0' && c <= '9')))
        {
            return tg_policy_fail(p, si, field,
                                  "an action name holds letters, digits "
                                  "and the wildcards '*' and '?' only");
        }
    }

    if (!wild && p->known != NULL && !p->known(p->data, s)) {
        return tg_policy_fail(p, si, field, "no such action: %.*s",
                              (int) (s.len > 80 ? 80 : s.len), s.ptr);
    }

    return TG_OK;
}


/* Checks a resource pattern: "*" or "acs:apigateway:...". */
static int
tg_policy_resource_check(tg_parse_t *p, int si, const char *field, tg_str_t s)
{
    if (tg_str_eq_c(s, "*")) {
        return TG_OK;
    }

    if (!tg_str_has_prefix(s, TG_STR("acs:apigateway:"))) {
        return tg_policy_fail(p, si, field,
                              "a resource is \"*\" or "
                              "\"acs:apigateway:<region>:<account>:"
                              "<type>/<id>\", with '*' and '?' as wildcards");
    }

    return TG_OK;
}


typedef int (*tg_policy_check_pt)(tg_parse_t *p, int si, const char *field,
                                  tg_str_t s);

/*
 * Reads Action or Resource (a string or a non-empty array of strings)
 * into a malloc'd array of copies, each checked by check.
 */
static int
tg_policy_patterns(tg_parse_t *p, int si, const char *name, json_t *v,
                   tg_policy_check_pt check, char ***out, size_t *n)
{
    char     field[48];
    size_t   count, i;
    json_t  *item;
    tg_str_t s;
    int      rc;

    if (json_is_string(v)) {
        count = 1;
    } else if (json_is_array(v)) {
        count = json_array_size(v);
        if (count == 0 || count > TG_POLICY_VALUES_MAX) {
            return tg_policy_fail(p, si, name,
                                  "must hold 1 to %d patterns, not %zu",
                                  TG_POLICY_VALUES_MAX, count);
        }
    } else {
        return tg_policy_fail(p, si, name,
                              "must be a string or an array of strings");
    }

    *out = calloc(count, sizeof(char *));
    if (*out == NULL) {
        p->nomem = 1;
        return TG_ENOMEM;
    }
    *n = count;

    for (i = 0; i < count; i++) {
        item = json_is_array(v) ? json_array_get(v, i) : v;
        if (json_is_array(v)) {
            snprintf(field, sizeof(field), "%s[%zu]", name, i);
        } else {
            snprintf(field, sizeof(field), "%s", name);
        }

        if (!json_is_string(item)) {
            return tg_policy_fail(p, si, field, "must be a string");
        }
        s = (tg_str_t){ json_string_value(item), json_string_length(item) };

        if (s.len == 0 || s.len > TG_POLICY_PATTERN_MAX) {
            return tg_policy_fail(p, si, field,
                                  "must be 1 to %d bytes long, not %zu",
                                  TG_POLICY_PATTERN_MAX, s.len);
        }
        if (!tg_policy_printable(s)) {
            return tg_policy_fail(p, si, field,
                                  "must be printable ASCII without spaces");
        }

        rc = check(p, si, field, s);
        if (rc != TG_OK) {
            return rc;
        }

        (*out)[i] = tg_policy_strdup(p, s.ptr, s.len);
        if ((*out)[i] == NULL) {
            return TG_ENOMEM;
        }
    }

    return TG_OK;
}


/* Reads one condition value of op from item. */
static int
tg_policy_cond_value(tg_parse_t *p, int si, const char *field, tg_cond_op_t op,
                     json_t *item, tg_cond_value_t *value)
{
    tg_str_t s = TG_STR_NULL;

    if (json_is_string(item)) {
        s = (tg_str_t){ json_string_value(item), json_string_length(item) };
    }

    switch (op) {
    case TG_COND_IP:
    case TG_COND_NOT_IP:
        if (s.ptr == NULL || tg_policy_cidr_parse(s, &value->cidr) != TG_OK) {
            return tg_policy_fail(p, si, field,
                                  "must be an IPv4 or IPv6 address or "
                                  "block (\"10.0.0.0/8\", \"2001:db8::/32\") "
                                  "without host bits");
        }
        return TG_OK;

    case TG_COND_BOOL:
        if (json_is_boolean(item)) {
            value->flag = json_is_true(item);
        } else if (tg_str_eq_c(s, "true") || tg_str_eq_c(s, "false")) {
            value->flag = s.ptr[0] == 't';
        } else {
            return tg_policy_fail(p, si, field,
                                  "must be true or false, or \"true\" or "
                                  "\"false\"");
        }
        return TG_OK;

    default:
        if (s.ptr == NULL || tg_time_parse(s, &value->time) != TG_OK) {
            return tg_policy_fail(p, si, field,
                                  "must be an RFC 3339 time, such as "
                                  "\"2026-01-31T00:00:00Z\"");
        }
        return TG_OK;
    }
}


/* Reads one operator's key and its values into cond. */
static int
tg_policy_condition(tg_parse_t *p, int si, const tg_cond_operator_t *oper,
                    const char *key, json_t *v, tg_condition_t *cond)
{
    char   field[96];
    size_t count, i;
    int    rc;

    snprintf(field, sizeof(field), "Condition.%s.%s", oper->name, key);

    if (strcasecmp(key, oper->key) != 0) {
        return tg_policy_fail(p, si, field, "%s takes the key %s only",
                              oper->name, oper->key);
    }

    count = json_is_array(v) ? json_array_size(v) : 1;
    if (count == 0 || count > TG_POLICY_VALUES_MAX) {
        return tg_policy_fail(p, si, field, "must hold 1 to %d values, not %zu",
                              TG_POLICY_VALUES_MAX, count);
    }

    cond->op = oper->op;
    cond->values = calloc(count, sizeof(tg_cond_value_t));
    if (cond->values == NULL) {
        p->nomem = 1;
        return TG_ENOMEM;
    }
    cond->n = count;

    for (i = 0; i < count; i++) {
        if (json_is_array(v)) {
            snprintf(field, sizeof(field), "Condition.%s.%s[%zu]", oper->name,
                     key, i);
        }
        rc = tg_policy_cond_value(p, si, field, oper->op,
                                  json_is_array(v) ? json_array_get(v, i) : v,
                                  &cond->values[i]);
        if (rc != TG_OK) {
            return rc;
        }
    }

    return TG_OK;
}


static const tg_cond_operator_t *
tg_policy_operator_find(const char *name)
{
    size_t i;

    for (i = 0; i < TG_COND_NOPERATORS; i++) {
        if (strcmp(name, tg_cond_operators[i].name) == 0) {
            return &tg_cond_operators[i];
        }
    }
    return NULL;
}


/* Reads a statement's Condition block. */
static int
tg_policy_conditions(tg_parse_t *p, int si, json_t *v, tg_statement_t *st)
{
    const tg_cond_operator_t *oper;
    const char               *name, *key;
    json_t                   *keys, *value;
    char                      field[96];
    size_t                    count = 0;
    int                       rc;

    if (!json_is_object(v)) {
        return tg_policy_fail(p, si, "Condition", "must be an object");
    }

    json_object_foreach(v, name, keys)
    {
        count += json_is_object(keys) ? json_object_size(keys) : 1;
    }
    if (count > TG_POLICY_CONDITIONS_MAX) {
        return tg_policy_fail(p, si, "Condition",
                              "may hold at most %d conditions, not %zu",
                              TG_POLICY_CONDITIONS_MAX, count);
    }

    st->conditions = calloc(count > 0 ? count : 1, sizeof(tg_condition_t));
    if (st->conditions == NULL) {
        p->nomem = 1;
        return TG_ENOMEM;
    }

    json_object_foreach(v, name, keys)
    {
        snprintf(field, sizeof(field), "Condition.%s", name);

        oper = tg_policy_operator_find(name);
        if (oper == NULL) {
            return tg_policy_fail(p, si, field,
                                  "unknown operator; known: IpAddress, "
                                  "NotIpAddress, DateLessThan[Equals], "
                                  "DateGreaterThan[Equals], Bool");
        }
        if (!json_is_object(keys) || json_object_size(keys) == 0) {
            return tg_policy_fail(p, si, field,
                                  "must be an object of a key and its "
                                  "values");
        }

        json_object_foreach(keys, key, value)
        {
            rc = tg_policy_condition(p, si, oper, key, value,
                                     &st->conditions[st->nconditions]);
            st->nconditions++;
            if (rc != TG_OK) {
                return rc;
            }
        }
    }

    return TG_OK;
}


static int
tg_policy_statement(tg_parse_t *p, int si, json_t *v, tg_statement_t *st)
{
    static const char *const known[] = { "Sid",      "Effect",    "Action",
                                         "Resource", "Condition", NULL };
    const char              *key, *effect;
    json_t                  *value, *sid;
    size_t                   i;
    int                      rc;

    if (!json_is_object(v)) {
        return tg_policy_fail(p, si, "", "must be an object");
    }

    json_object_foreach(v, key, value)
    {
        for (i = 0; known[i] != NULL && strcmp(key, known[i]) != 0; i++) {
            /* void */
        }
        if (known[i] == NULL) {
            return tg_policy_fail(p, si, key,
                                  "unknown field; a statement has Sid, "
                                  "Effect, Action, Resource and Condition");
        }
    }

    sid = json_object_get(v, "Sid");
    if (sid != NULL) {
        tg_str_t s = { json_string_value(sid), json_string_length(sid) };
        size_t   j;

        if (!json_is_string(sid) || s.len == 0 || s.len > TG_POLICY_SID_MAX) {
            return tg_policy_fail(p, si, "Sid",
                                  "must be a string of 1 to %d letters "
                                  "and digits",
                                  TG_POLICY_SID_MAX);
        }
        for (j = 0; j < s.len; j++) {
            char c = s.ptr[j];

            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                  || (c >= '0' && c <= '9')))
            {
                return tg_policy_fail(p, si, "Sid",
                                      "must be a string of 1 to %d letters "
                                      "and digits",
                                      TG_POLICY_SID_MAX);
            }
        }
        st->sid = tg_policy_strdup(p, s.ptr, s.len);
        if (st->sid == NULL) {
            return TG_ENOMEM;
        }
    }

    value = json_object_get(v, "Effect");
    effect = json_string_value(value);
    if (value == NULL) {
        return tg_policy_fail(p, si, "Effect", "is missing");
    }
    if (effect == NULL
        || (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0))
    {
        return tg_policy_fail(p, si, "Effect", "must be \"Allow\" or \"Deny\"");
    }
    st->deny = effect[0] == 'D';

    value = json_object_get(v, "Action");
    if (value == NULL) {
        return tg_policy_fail(p, si, "Action", "is missing");
    }
    rc = tg_policy_patterns(p, si, "Action", value, tg_policy_action_check,
                            &st->actions, &st->nactions);
    if (rc != TG_OK) {
        return rc;
    }

    value = json_object_get(v, "Resource");
    if (value == NULL) {
        return tg_policy_fail(p, si, "Resource", "is missing");
    }
    rc = tg_policy_patterns(p, si, "Resource", value, tg_policy_resource_check,
                            &st->resources, &st->nresources);
    if (rc != TG_OK) {
        return rc;
    }

    value = json_object_get(v, "Condition");
    return value != NULL ? tg_policy_conditions(p, si, value, st) : TG_OK;
}


static int
tg_policy_document(tg_parse_t *p, json_t *doc, tg_policy_t *policy)
{
    const char *key;
    json_t     *value, *statements;
    size_t      n, i;
    int         rc;

    if (!json_is_object(doc)) {
        return tg_policy_fail(p, -1, "", "a policy is a JSON object");
    }

    json_object_foreach(doc, key, value)
    {
        if (strcmp(key, "Version") != 0 && strcmp(key, "Statement") != 0) {
            return tg_policy_fail(p, -1, key,
                                  "unknown field; a policy has Version and "
                                  "Statement");
        }
    }

    value = json_object_get(doc, "Version");
    if (value != NULL
        && (!json_is_string(value)
            || strcmp(json_string_value(value), TG_POLICY_VERSION) != 0))
    {
        return tg_policy_fail(p, -1, "Version", "must be \"%s\"",
                              TG_POLICY_VERSION);
    }

    statements = json_object_get(doc, "Statement");
    if (statements == NULL) {
        return tg_policy_fail(p, -1, "Statement", "is missing");
    }
    n = json_array_size(statements);
    if (!json_is_array(statements) || n == 0 || n > TG_POLICY_STATEMENTS_MAX) {
        return tg_policy_fail(p, -1, "Statement",
                              "must be an array of 1 to %d statements",
                              TG_POLICY_STATEMENTS_MAX);
    }

    policy->statements = calloc(n, sizeof(tg_statement_t));
    if (policy->statements == NULL) {
        p->nomem = 1;
        return TG_ENOMEM;
    }
    policy->n = n;

    for (i = 0; i < n; i++) {
        rc = tg_policy_statement(p, (int) i, json_array_get(statements, i),
                                 &policy->statements[i]);
        if (rc != TG_OK) {
            return rc;
        }
    }

    return TG_OK;
}


int
tg_policy_parse(tg_str_t text, tg_policy_action_known_pt known, void *data,
                tg_policy_t **policy, tg_policy_error_t *err)
{
    tg_parse_t   p = { known, data, err, 0 };
    json_error_t jerr;
    json_t      *doc;
    int          rc;

    memset(err, 0, sizeof(*err));
    err->statement = -1;
    *policy = NULL;

    if (text.len > TG_POLICY_DOCUMENT_MAX) {
        return tg_policy_fail(&p, -1, "",
                              "a policy is at most %d bytes, not %zu",
                              TG_POLICY_DOCUMENT_MAX, text.len);
    }

    doc = json_loadb(text.ptr != NULL ? text.ptr : "", text.len,
                     JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        return tg_policy_fail(&p, -1, "", "not JSON (line %d, column %d): %s",
                              jerr.line, jerr.column, jerr.text);
    }

    *policy = calloc(1, sizeof(tg_policy_t));
    rc = *policy != NULL ? tg_policy_document(&p, doc, *policy) : TG_ENOMEM;
    json_decref(doc);

    if (rc != TG_OK || p.nomem) {
        tg_policy_destroy(*policy);
        *policy = NULL;
        if (rc == TG_ENOMEM || p.nomem) {
            return TG_ENOMEM;
        }
    }

    return rc;
}


static void
tg_policy_strings_free(char **items, size_t n)
{
    size_t i;

    if (items != NULL) {
        for (i = 0; i < n; i++) {
            free(items[i]);
        }
        free(items);
    }
}


void
tg_policy_destroy(tg_policy_t *policy)
{
    tg_statement_t *st;
    size_t          i, j;

    if (policy == NULL) {
        return;
    }

    for (i = 0; i < policy->n; i++) {
        st = &policy->statements[i];
        free(st->sid);
        tg_policy_strings_free(st->actions, st->nactions);
        tg_policy_strings_free(st->resources, st->nresources);
        for (j = 0; st->conditions != NULL && j < st->nconditions; j++) {
            free(st->conditions[j].values);
        }
        free(st->conditions);
    }

    free(policy->statements);
    free(policy);
}


size_t
tg_policy_statement_count(const tg_policy_t *policy)
{
    return policy->n;
}


const char *
tg_policy_statement_sid(const tg_policy_t *policy, size_t i)
{
    return i < policy->n && policy->statements[i].sid != NULL
               ? policy->statements[i].sid
               : "";
}


/* ---- evaluation ---- */


static int
tg_policy_value_holds(tg_cond_op_t op, const tg_cond_value_t *value,
                      const tg_policy_context_t *ctx)
{
    switch (op) {
    case TG_COND_IP:
    case TG_COND_NOT_IP:
        return tg_policy_cidr_contains(&value->cidr, ctx->source_ip);
    case TG_COND_DATE_LT:
        return ctx->now_ms < value->time;
    case TG_COND_DATE_LE:
        return ctx->now_ms <= value->time;
    case TG_COND_DATE_GT:
        return ctx->now_ms > value->time;
    case TG_COND_DATE_GE:
        return ctx->now_ms >= value->time;
    case TG_COND_BOOL:
        return (ctx->secure != 0) == (value->flag != 0);
    }
    return 0;
}


static int
tg_policy_condition_holds(const tg_condition_t      *cond,
                          const tg_policy_context_t *ctx)
{
    size_t i;
    int    any = 0;

    for (i = 0; i < cond->n && !any; i++) {
        any = tg_policy_value_holds(cond->op, &cond->values[i], ctx);
    }

    if (cond->op == TG_COND_NOT_IP) {
        /* Not in any block, of an address the request has. */
        uint8_t addr[16];
        int     v4;

        return !any && ctx->source_ip != NULL
               && tg_policy_addr_parse(tg_str_c(ctx->source_ip), addr, &v4)
                      == TG_OK;
    }

    return any;
}


static int
tg_policy_any_match(char *const *patterns, size_t n, tg_str_t value, int nocase)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (tg_policy_match(tg_str_c(patterns[i]), value, nocase)) {
            return 1;
        }
    }
    return 0;
}


/* Whether st applies to action (and resource, unless a NULL ptr) in ctx. */
static int
tg_policy_statement_applies(const tg_statement_t *st, tg_str_t action,
                            tg_str_t resource, const tg_policy_context_t *ctx)
{
    size_t i;

    if (!tg_policy_any_match(st->actions, st->nactions, action, 1)) {
        return 0;
    }
    if (resource.ptr != NULL
        && !tg_policy_any_match(st->resources, st->nresources, resource, 0))
    {
        return 0;
    }
    for (i = 0; i < st->nconditions; i++) {
        if (!tg_policy_condition_holds(&st->conditions[i], ctx)) {
            return 0;
        }
    }
    return 1;
}


void
tg_policy_decide(const tg_policy_t *const *policies, size_t n, tg_str_t action,
                 tg_str_t resource, const tg_policy_context_t *ctx,
                 tg_policy_decision_t *d)
{
    const tg_statement_t *st;
    size_t                i, j;

    memset(d, 0, sizeof(*d));
    d->sid = "";

    if (resource.ptr == NULL) {
        resource = TG_STR("");
    }

    for (i = 0; i < n; i++) {
        for (j = 0; policies[i] != NULL && j < policies[i]->n; j++) {
            st = &policies[i]->statements[j];

            if (d->effect == TG_POLICY_ALLOWED && !st->deny) {
                continue;
            }
            if (!tg_policy_statement_applies(st, action, resource, ctx)) {
                continue;
            }

            d->effect = st->deny ? TG_POLICY_DENIED : TG_POLICY_ALLOWED;
            d->policy = i;
            d->statement = j;
            d->sid = st->sid != NULL ? st->sid : "";

            if (st->deny) {
                return;
            }
        }
    }
}


int
tg_policy_may_allow(const tg_policy_t *const *policies, size_t n,
                    tg_str_t action, const tg_policy_context_t *ctx)
{
    const tg_statement_t *st;
    size_t                i, j;

    for (i = 0; i < n; i++) {
        for (j = 0; policies[i] != NULL && j < policies[i]->n; j++) {
            st = &policies[i]->statements[j];
            if (!st->deny
                && tg_policy_statement_applies(st, action, TG_STR_NULL, ctx)) {
                return 1;
            }
        }
    }
    return 0;
}
