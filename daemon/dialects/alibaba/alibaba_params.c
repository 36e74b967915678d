/*
 * The Alibaba dialect's parameters: the query string and a form body
 * merged into one list, and the readers of typed, flattened and
 * comma-separated parameters.  Unknown parameters are ignored, as
 * Alibaba's gateway does (the SDKs send RegionId, SecurityToken...).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialects/alibaba/alibaba_int.h"


/* Parameters while they load: offsets into call->text, which moves. */
typedef struct {
    tg_ali_call_t *call;
    size_t        *offsets; /* 3 per parameter */
    size_t         n;
    size_t         cap;
    int            rc;
} tg_ali_loader_t;


static int
tg_ali_loader_add(tg_ali_loader_t *l, tg_str_t name, tg_str_t value)
{
    tg_buf_t *text = &l->call->text;
    size_t   *grown;
    int       rc;

    if (l->n == TG_ALI_PARAMS_MAX) {
        return tg_ali_fail(l->call, 400, "InvalidParameter",
                           "The request has more than %d parameters.",
                           TG_ALI_PARAMS_MAX);
    }

    if (l->n == l->cap) {
        l->cap = l->cap == 0 ? 32 : l->cap * 2;
        grown = realloc(l->offsets, l->cap * 3 * sizeof(size_t));
        if (grown == NULL) {
            return tg_ali_fail(l->call, 500, "InternalError",
                               "The request processing has failed due to "
                               "some unknown error.");
        }
        l->offsets = grown;
    }

    l->offsets[3 * l->n] = text->len;
    rc = tg_buf_append(text, name.ptr, name.len);
    l->offsets[3 * l->n + 1] = text->len;
    if (rc == TG_OK) {
        rc = tg_buf_append(text, value.ptr != NULL ? value.ptr : "", value.len);
    }
    l->offsets[3 * l->n + 2] = text->len;
    l->n++;

    return rc == TG_OK ? TG_OK
                       : tg_ali_fail(l->call, 500, "InternalError",
                                     "The request processing has failed due "
                                     "to some unknown error.");
}


static int
tg_ali_query_arg(void *data, const char *key, const char *value)
{
    tg_ali_loader_t *l = data;

    l->rc = tg_ali_loader_add(l, tg_str_c(key), tg_str_c(value));
    return l->rc != TG_OK;
}


/* Decodes form text in place ('+' is a space); returns the new length,
 * or (size_t) -1 on a bad escape or an escaped NUL, which the strings
 * handed on would end at. */
static size_t
tg_ali_form_decode(char *s, size_t len)
{
    tg_str_t in = { s, len };
    size_t   i = 0, o = 0;
    int      c;

    while (i < len) {
        c = tg_form_decode_byte(in, &i);
        if (c <= 0) {
            return (size_t) -1;
        }
        s[o++] = (char) c;
    }

    return o;
}


/* Adds the parameters of an x-www-form-urlencoded body. */
static int
tg_ali_form_load(tg_ali_loader_t *l, tg_str_t body)
{
    tg_buf_t copy = TG_BUF_INIT;
    char    *p, *end, *amp, *eq;
    size_t   nlen, vlen;
    int      rc = TG_OK;

    if (body.len == 0) {
        return TG_OK;
    }

    if (tg_buf_append(&copy, body.ptr, body.len) != TG_OK) {
        return tg_ali_fail(l->call, 500, "InternalError",
                           "The request processing has failed due to some "
                           "unknown error.");
    }

    p = copy.ptr;
    end = copy.ptr + copy.len;

    while (p < end && rc == TG_OK) {
        amp = memchr(p, '&', (size_t) (end - p));
        if (amp == NULL) {
            amp = end;
        }
        eq = memchr(p, '=', (size_t) (amp - p));

        if (amp > p) {
            nlen =
                tg_ali_form_decode(p, (size_t) ((eq != NULL ? eq : amp) - p));
            vlen = eq != NULL
                       ? tg_ali_form_decode(eq + 1, (size_t) (amp - eq - 1))
                       : 0;
            if (nlen == (size_t) -1 || vlen == (size_t) -1) {
                rc = tg_ali_fail(l->call, 400, "InvalidParameter",
                                 "The form body is not well formatted.");
            } else {
                rc = tg_ali_loader_add(
                    l, (tg_str_t){ p, nlen },
                    (tg_str_t){ eq != NULL ? eq + 1 : "", vlen });
            }
        }

        p = amp + 1;
    }

    tg_buf_wipe(&copy);
    return rc;
}


/* Refuses a name given twice (in the query, the body, or both). */
static int
tg_ali_no_repeats(tg_ali_call_t *call)
{
    size_t i, j;

    for (i = 1; i < call->nparams; i++) {
        for (j = 0; j < i; j++) {
            if (tg_str_eq(call->params[i].name, call->params[j].name)) {
                return tg_ali_fail(call, 400, "InvalidParameter",
                                   "The parameter %.*s is repeated.",
                                   (int) (call->params[i].name.len > 64
                                              ? 64
                                              : call->params[i].name.len),
                                   call->params[i].name.ptr);
            }
        }
    }

    return TG_OK;
}


int
tg_ali_params_load(tg_ali_call_t *call)
{
    static const char form[] = "application/x-www-form-urlencoded";
    tg_ali_loader_t   l;
    const char       *type = tg_http_header(call->req, "Content-Type");
    size_t            i;

    memset(&l, 0, sizeof(l));
    l.call = call;

    tg_http_query_each(call->req, tg_ali_query_arg, &l);
    call->nquery = l.n;

    if (l.rc == TG_OK && type != NULL
        && strncasecmp(type, form, sizeof(form) - 1) == 0)
    {
        l.rc = tg_ali_form_load(&l, tg_http_body(call->req));
    }

    if (l.rc == TG_OK && l.n > 0) {
        call->params = calloc(l.n, sizeof(tg_acs_param_t));
        if (call->params == NULL) {
            l.rc = tg_ali_fail(call, 500, "InternalError",
                               "The request processing has failed due to "
                               "some unknown error.");
        }
    }

    if (l.rc == TG_OK) {
        for (i = 0; i < l.n; i++) {
            call->params[i].name =
                (tg_str_t){ call->text.ptr + l.offsets[3 * i],
                            l.offsets[3 * i + 1] - l.offsets[3 * i] };
            call->params[i].value =
                (tg_str_t){ call->text.ptr + l.offsets[3 * i + 1],
                            l.offsets[3 * i + 2] - l.offsets[3 * i + 1] };
        }
        call->nparams = l.n;
        l.rc = tg_ali_no_repeats(call);
    }

    free(l.offsets);
    return l.rc;
}


tg_str_t
tg_ali_param(const tg_ali_call_t *call, const char *name)
{
    size_t i;

    for (i = 0; i < call->nparams; i++) {
        if (tg_str_eq_c(call->params[i].name, name)) {
            return call->params[i].value;
        }
    }

    return TG_STR_NULL;
}


int
tg_ali_require(tg_ali_call_t *call, const char *name, tg_str_t *out)
{
    *out = tg_ali_param(call, name);
    return out->len > 0 ? TG_OK : tg_ali_missing(call, name);
}


int
tg_ali_int(tg_ali_call_t *call, const char *name, int required, int64_t min,
           int64_t max, int64_t def, int64_t *out)
{
    tg_str_t value = tg_ali_param(call, name);
    char     rule[96];

    *out = def;

    if (value.ptr == NULL || (value.len == 0 && !required)) {
        return required ? tg_ali_missing(call, name) : TG_OK;
    }

    if (tg_str_to_int64(value, min, max, out) != TG_OK) {
        snprintf(rule, sizeof(rule), "must be an integer from %lld to %lld",
                 (long long) min, (long long) max);
        return tg_ali_invalid(call, name, rule);
    }

    return TG_OK;
}


int
tg_ali_app_id(tg_ali_call_t *call, const char *name, int required, char ref[24])
{
    int64_t id = 0;
    int     rc;

    ref[0] = '\0';
    rc = tg_ali_int(call, name, required, 1, INT64_MAX, 0, &id);
    if (rc == TG_OK && id > 0) {
        snprintf(ref, 24, "%lld", (long long) id);
    }

    return rc;
}


int
tg_ali_bool(tg_ali_call_t *call, const char *name, int *given, int *out)
{
    tg_str_t value = tg_ali_param(call, name);

    *given = value.len > 0;
    *out = 0;

    if (!*given) {
        return TG_OK;
    }
    if (tg_str_eq_nocase(value, TG_STR("true"))) {
        *out = 1;
        return TG_OK;
    }
    if (tg_str_eq_nocase(value, TG_STR("false"))) {
        return TG_OK;
    }

    return tg_ali_invalid(call, name, "must be true or false");
}


/*
 * If name is prefix "." N rest, with N a decimal in [1, max] without a
 * leading zero, sets *index to N - 1 and *tail to rest (which may be
 * empty) and returns 1; returns -1 for the prefix with a bad or no N
 * (a bare "Tag."), and 0 for other names.
 */
static int
tg_ali_indexed(tg_str_t name, const char *prefix, size_t max, size_t *index,
               tg_str_t *tail)
{
    size_t   plen = strlen(prefix), i;
    uint64_t n = 0;

    if (name.len < plen + 1 || memcmp(name.ptr, prefix, plen) != 0
        || name.ptr[plen] != '.')
    {
        return 0;
    }

    for (i = plen + 1; i < name.len && name.ptr[i] >= '0' && name.ptr[i] <= '9';
         i++)
    {
        if (n > max) {
            return -1;
        }
        n = n * 10 + (uint64_t) (name.ptr[i] - '0');
    }

    if (i == plen + 1 || name.ptr[plen + 1] == '0' || n < 1 || n > max
        || (i < name.len && name.ptr[i] != '.'))
    {
        return -1;
    }

    *index = (size_t) (n - 1);
    *tail = (tg_str_t){ name.ptr + i, name.len - i };
    return 1;
}


int
tg_ali_tags(tg_ali_call_t *call, const char *prefix, tg_tag_spec_t *tags,
            size_t *n)
{
    tg_str_t keys[TG_TAGS_MAX], values[TG_TAGS_MAX], tail;
    size_t   i, index;
    int      r;

    memset(keys, 0, sizeof(keys));
    memset(values, 0, sizeof(values));
    *n = 0;

    for (i = 0; i < call->nparams; i++) {
        r = tg_ali_indexed(call->params[i].name, prefix, TG_TAGS_MAX, &index,
                           &tail);
        if (r == 0) {
            continue;
        }
        if (r < 0
            || (!tg_str_eq_c(tail, ".Key") && !tg_str_eq_c(tail, ".Value"))) {
            return tg_ali_invalid(call, prefix,
                                  "give Tag.N.Key and Tag.N.Value with N "
                                  "from 1 to 20");
        }
        if (tg_str_eq_c(tail, ".Key")) {
            keys[index] = call->params[i].value;
        } else {
            values[index] = call->params[i].value;
        }
    }

    for (i = 0; i < TG_TAGS_MAX; i++) {
        if (values[i].ptr != NULL && keys[i].ptr == NULL) {
            return tg_ali_fail(call, 400, "InvalidParameter.TagKey",
                               "%s.%zu.Value is given without %s.%zu.Key.",
                               prefix, i + 1, prefix, i + 1);
        }
        if (keys[i].ptr != NULL) {
            tags[*n].key = keys[i];
            tags[*n].value = values[i].ptr != NULL ? values[i] : TG_STR("");
            (*n)++;
        }
    }

    return TG_OK;
}


int
tg_ali_list(tg_ali_call_t *call, const char *prefix, size_t max,
            tg_str_t *items, size_t *n)
{
    tg_str_t tail;
    size_t   i, index, count = 0;
    int      r;

    for (i = 0; i < max; i++) {
        items[i] = TG_STR_NULL;
    }

    for (i = 0; i < call->nparams; i++) {
        r = tg_ali_indexed(call->params[i].name, prefix, max, &index, &tail);
        if (r < 0 || (r > 0 && tail.len > 0)) {
            char rule[80];

            snprintf(rule, sizeof(rule), "give %s.N with N from 1 to %zu",
                     prefix, max);
            return tg_ali_invalid(call, prefix, rule);
        }
        if (r > 0) {
            items[index] = call->params[i].value;
        }
    }

    /* Keep the order of N, without the gaps. */

    for (i = 0; i < max; i++) {
        if (items[i].ptr != NULL) {
            items[count++] = items[i];
        }
    }

    *n = count;
    return TG_OK;
}


int
tg_ali_csv(tg_ali_call_t *call, const char *name, size_t max, tg_str_t *items,
           size_t *n)
{
    tg_str_t    value, item;
    const char *p, *end, *comma;
    char        rule[80];

    *n = 0;

    if (tg_ali_require(call, name, &value) != TG_OK) {
        return TG_EMISSING;
    }

    p = value.ptr;
    end = value.ptr + value.len;

    while (p <= end) {
        comma = memchr(p, ',', (size_t) (end - p));
        if (comma == NULL) {
            comma = end;
        }
        item = tg_str_trim((tg_str_t){ p, (size_t) (comma - p) });

        if (item.len == 0 || *n == max) {
            snprintf(rule, sizeof(rule), "give 1 to %zu comma-separated values",
                     max);
            return tg_ali_invalid(call, name, rule);
        }

        items[(*n)++] = item;
        p = comma + 1;
    }

    return TG_OK;
}


int
tg_ali_paging(tg_ali_call_t *call, int64_t *number, int64_t *size)
{
    int rc;

    rc = tg_ali_int(call, "PageNumber", 0, 1, 1000000000, 1, number);
    if (rc == TG_OK) {
        rc = tg_ali_int(call, "PageSize", 0, 1, TG_PAGE_SIZE_MAX, 10, size);
    }

    return rc;
}
