/*
 * Tests of the gateway's request parsers in lib/, the pure cores the
 * nginx module calls: Huawei's query split (tg_hw_query_parse(): '&' and
 * '=' splitting, form decoding, repeated names, the parameter limit at
 * its edge) and path decoding (tg_hw_path_decode()), the request target's
 * path (tg_uri_path()) and Tencent's form test (tg_tchmac_is_form()).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tollgate/huawei_sign.h"
#include "tollgate/tencent_hmac.h"

#include "unit.h"


#define QUERY_CAP 8192

typedef struct {
    char         out[QUERY_CAP];
    tg_hw_pair_t pairs[TG_HW_GATEWAY_QUERY_MAX];
    size_t       n;
    int          empty;
} parsed_t;


static int
parse(parsed_t *p, const char *query)
{
    tg_str_t q = tg_str_c(query);

    memset(p, 0, sizeof(*p));
    return tg_hw_query_parse(q, p->out, sizeof(p->out), p->pairs,
                             TG_HW_GATEWAY_QUERY_MAX, &p->n, &p->empty);
}


static void
test_query_empty(void **state)
{
    parsed_t p;

    (void) state;
    assert_rc(parse(&p, ""), TG_OK);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.empty, 0);

    assert_rc(parse(&p, "&&&"), TG_OK);
    assert_int_equal(p.n, 0);

    /* no room needed, no buffer given */
    assert_rc(tg_hw_query_parse(TG_STR(""), NULL, 0, p.pairs,
                                TG_HW_GATEWAY_QUERY_MAX, &p.n, &p.empty),
              TG_OK);
    assert_int_equal(p.n, 0);
}


static void
test_query_split(void **state)
{
    parsed_t p;

    (void) state;
    assert_rc(parse(&p, "&a=1&&b=2&"), TG_OK);
    assert_int_equal(p.n, 2);
    assert_str_equal(p.pairs[0].name, "a");
    assert_str_equal(p.pairs[0].value, "1");
    assert_str_equal(p.pairs[1].name, "b");
    assert_str_equal(p.pairs[1].value, "2");
    assert_int_equal(p.empty, 0);

    /* '=' after the first belongs to the value */
    assert_rc(parse(&p, "a==b=c&d=e="), TG_OK);
    assert_int_equal(p.n, 2);
    assert_str_equal(p.pairs[0].name, "a");
    assert_str_equal(p.pairs[0].value, "=b=c");
    assert_str_equal(p.pairs[1].value, "e=");

    /* an empty name, a bare name and an empty value */
    assert_rc(parse(&p, "=x&bare&k="), TG_OK);
    assert_int_equal(p.n, 3);
    assert_str_equal(p.pairs[0].name, "");
    assert_str_equal(p.pairs[0].value, "x");
    assert_str_equal(p.pairs[1].name, "bare");
    assert_str_equal(p.pairs[1].value, "");
    assert_str_equal(p.pairs[2].name, "k");
    assert_int_equal(p.empty, 1);

    assert_rc(parse(&p, "k"), TG_OK);
    assert_int_equal(p.empty, 1);
}


static void
test_query_decoding(void **state)
{
    parsed_t p;

    (void) state;
    assert_rc(parse(&p, "a+b=c+d&%41%3d=%26%3D%2b"), TG_OK);
    assert_int_equal(p.n, 2);
    assert_str_equal(p.pairs[0].name, "a b");
    assert_str_equal(p.pairs[0].value, "c d");
    /* an encoded '=' or '&' splits nothing */
    assert_str_equal(p.pairs[1].name, "A=");
    assert_str_equal(p.pairs[1].value, "&=+");

    /* a '%' without two hex digits is kept, and what follows it read */
    assert_rc(parse(&p, "a=%&b=%4&c=%zz&d=%4g&e=%"), TG_OK);
    assert_int_equal(p.n, 5);
    assert_str_equal(p.pairs[0].value, "%");
    assert_str_equal(p.pairs[1].value, "%4");
    assert_str_equal(p.pairs[2].value, "%zz");
    assert_str_equal(p.pairs[3].value, "%4g");
    assert_str_equal(p.pairs[4].value, "%");

    /* a NUL byte decodes like any other */
    assert_rc(parse(&p, "n=%00x"), TG_OK);
    assert_int_equal(p.pairs[0].value.len, 2);
    assert_int_equal(p.pairs[0].value.ptr[0], '\0');
    assert_int_equal(p.pairs[0].value.ptr[1], 'x');
}


static void
test_query_repeated(void **state)
{
    parsed_t p;

    (void) state;
    assert_rc(parse(&p, "a=1&a=2"), TG_EINVALID);
    assert_int_equal(p.n, 1);
    assert_rc(parse(&p, "a&a"), TG_EINVALID);
    /* the same name once decoded */
    assert_rc(parse(&p, "a%20b=1&a+b=2"), TG_EINVALID);
    assert_rc(parse(&p, "%61=1&a=2"), TG_EINVALID);
    assert_rc(parse(&p, "=1&=2"), TG_EINVALID);
    /* names compare bytewise: case matters */
    assert_rc(parse(&p, "a=1&A=2"), TG_OK);
    assert_int_equal(p.n, 2);
}


/* "p0=&p1=&...": n distinct names, empty values. */
static const char *
many(char *buf, size_t size, size_t n)
{
    size_t i, len = 0;

    buf[0] = '\0';
    for (i = 0; i < n; i++) {
        len += (size_t) snprintf(buf + len, size - len,
                                 "%sp%zu=", i > 0 ? "&" : "", i);
        assert_true(len < size);
    }
    return buf;
}


static void
test_query_limit(void **state)
{
    char     q[QUERY_CAP];
    parsed_t p;
    size_t   n;

    (void) state;
    assert_rc(parse(&p, many(q, sizeof(q), TG_HW_GATEWAY_QUERY_MAX)), TG_OK);
    assert_int_equal(p.n, TG_HW_GATEWAY_QUERY_MAX);
    assert_str_equal(p.pairs[TG_HW_GATEWAY_QUERY_MAX - 1].name, "p127");

    /* empty fields do not count */
    n = strlen(q);
    memcpy(q + n, "&&&", 4);
    assert_rc(parse(&p, q), TG_OK);

    assert_rc(parse(&p, many(q, sizeof(q), TG_HW_GATEWAY_QUERY_MAX + 1)),
              TG_ETOO_LARGE);
    assert_int_equal(p.n, TG_HW_GATEWAY_QUERY_MAX);

    /* a smaller limit, at its edge */
    assert_rc(tg_hw_query_parse(TG_STR("a&b"), p.out, sizeof(p.out), p.pairs, 2,
                                &p.n, &p.empty),
              TG_OK);
    assert_rc(tg_hw_query_parse(TG_STR("a&b&c"), p.out, sizeof(p.out), p.pairs,
                                2, &p.n, &p.empty),
              TG_ETOO_LARGE);
    assert_rc(tg_hw_query_parse(TG_STR("a"), p.out, sizeof(p.out), p.pairs, 0,
                                &p.n, &p.empty),
              TG_ETOO_LARGE);
}


static void
test_query_room(void **state)
{
    char         out[3];
    tg_hw_pair_t pairs[4];
    size_t       n;
    int          empty;

    (void) state;
    assert_rc(tg_hw_query_parse(TG_STR("a=b"), out, 3, pairs, 4, &n, &empty),
              TG_OK);
    assert_str_equal(pairs[0].value, "b");
    assert_rc(tg_hw_query_parse(TG_STR("a=bc"), out, 3, pairs, 4, &n, &empty),
              TG_ENOSPC);
    assert_int_equal(n, 0);
}


static void
test_path_decode(void **state)
{
    char   out[64];
    size_t len;

    (void) state;
    assert_rc(tg_hw_path_decode(TG_STR(""), out, 0, &len), TG_OK);
    assert_int_equal(len, 0);

    assert_rc(
        tg_hw_path_decode(TG_STR("/a%20b/c+d/%2F"), out, sizeof(out), &len),
        TG_OK);
    assert_str_equal(((tg_str_t){ out, len }), "/a b/c+d//");

    assert_rc(
        tg_hw_path_decode(TG_STR("/%/%4/%zz/%4g%41%"), out, sizeof(out), &len),
        TG_OK);
    assert_str_equal(((tg_str_t){ out, len }), "/%/%4/%zz/%4gA%");

    assert_rc(tg_hw_path_decode(TG_STR("/%00"), out, sizeof(out), &len), TG_OK);
    assert_int_equal(len, 2);
    assert_int_equal(out[1], '\0');

    /* room for path.len bytes, not fewer */
    assert_rc(tg_hw_path_decode(TG_STR("/abc"), out, 4, &len), TG_OK);
    assert_rc(tg_hw_path_decode(TG_STR("/abc"), out, 3, &len), TG_ENOSPC);
    assert_int_equal(len, 0);
}


static void
test_uri_path(void **state)
{
    (void) state;
    assert_str_equal(tg_uri_path(TG_STR("/a/b?x=1?y")), "/a/b");
    assert_str_equal(tg_uri_path(TG_STR("/a/b")), "/a/b");
    assert_str_equal(tg_uri_path(TG_STR("?x")), "");
    assert_str_equal(tg_uri_path(TG_STR("/a?")), "/a");
    assert_int_equal(tg_uri_path((tg_str_t){ NULL, 0 }).len, 0);
}


static void
test_tchmac_is_form(void **state)
{
    (void) state;
    assert_true(tg_tchmac_is_form(TG_STR("application/x-www-form-urlencoded")));
    assert_true(tg_tchmac_is_form(
        TG_STR("Application/X-WWW-Form-URLEncoded; charset=utf-8")));
    assert_false(tg_tchmac_is_form(TG_STR("application/x-www-form-urlencode")));
    assert_false(tg_tchmac_is_form(TG_STR("application/json")));
    assert_false(tg_tchmac_is_form(TG_STR("")));
    assert_false(tg_tchmac_is_form((tg_str_t){ NULL, 0 }));
    assert_false(
        tg_tchmac_is_form(TG_STR(" application/x-www-form-urlencoded")));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_empty),
        cmocka_unit_test(test_query_split),
        cmocka_unit_test(test_query_decoding),
        cmocka_unit_test(test_query_repeated),
        cmocka_unit_test(test_query_limit),
        cmocka_unit_test(test_query_room),
        cmocka_unit_test(test_path_decode),
        cmocka_unit_test(test_uri_path),
        cmocka_unit_test(test_tchmac_is_form),
    };

    return cmocka_run_group_tests_name("gateway_parse", tests, NULL, NULL);
}
