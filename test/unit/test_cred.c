/*
 * Tests of lib/cred.c: each generator's length, alphabet and uniformity
 * (every character shows up over many draws, none far more often than
 * the others), that each passes its own validator; then each validator
 * at its edges, and masking.
 */

#include <stdlib.h>
#include <string.h>

#include "tollgate/cred.h"
#include "tollgate/time.h"

#include "unit.h"


#define DRAWS 10000

static const char alnum[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static const char hexdigits[] = "0123456789abcdef";

static char big[512];


static tg_str_t
rep(const char *unit, size_t n)
{
    return tg_test_repeat(big, sizeof(big), unit, n);
}


/* A generator of fixed-length text (as tg_cred_format_t holds one). */
typedef int (*generate_pt)(char *out);


/*
 * Draws DRAWS values of len characters from generate into a buffer of
 * exactly len + 1 bytes (so that a write past it shows), checks each one
 * is len characters of alphabet after skip fixed leading characters,
 * that two draws in a row differ, and that the characters are close to
 * uniform: each one of the alphabet appears within 10% of the expected
 * count.  With at least 160,000 characters drawn that is over six
 * standard deviations, so the check does not flake; a generator with
 * modulo bias (some characters 25% likelier) fails it.
 */
static void
check_generator(generate_pt generate, size_t len, size_t skip,
                const char *alphabet)
{
    size_t nalpha = strlen(alphabet), i, j, total;
    size_t counts[256] = { 0 };
    char  *out, *prev;
    double expect;

    out = malloc(len + 1);
    prev = malloc(len + 1);
    assert_non_null(out);
    assert_non_null(prev);
    prev[0] = '\0';

    for (i = 0; i < DRAWS; i++) {
        assert_rc(generate(out), TG_OK);
        assert_int_equal(strlen(out), len);
        assert_string_not_equal(out, prev);

        for (j = skip; j < len; j++) {
            if (strchr(alphabet, out[j]) == NULL) {
                print_error("'%c' is not in the alphabet\n", out[j]);
                fail();
            }
            counts[(unsigned char) out[j]]++;
        }

        memcpy(prev, out, len + 1);
    }

    total = DRAWS * (len - skip);
    expect = (double) total / (double) nalpha;

    for (i = 0; i < nalpha; i++) {
        size_t n = counts[(unsigned char) alphabet[i]];

        if (n < expect * 0.9 || n > expect * 1.1) {
            print_error("'%c' drawn %zu times, expected about %.0f\n",
                        alphabet[i], n, expect);
            fail();
        }
    }

    free(out);
    free(prev);
}


static void
test_id_generate(void **state)
{
    char id[TG_ID_LEN + 1];

    (void) state;

    /* The last 20 digits are random; the first 12 are the time. */
    check_generator(tg_id_generate, TG_ID_LEN, 12, hexdigits);

    assert_rc(tg_id_generate(id), TG_OK);
    assert_true(tg_id_valid(tg_str_c(id)));
}


/* An id made later sorts after one made before, and its first 12 digits
 * are the time it was made in Unix ms. */
static void
test_id_order(void **state)
{
    char    first[TG_ID_LEN + 1], later[TG_ID_LEN + 1], time_hex[13];
    int64_t before, after, at;

    (void) state;

    before = tg_time_now_ms();
    assert_rc(tg_id_generate(first), TG_OK);
    after = tg_time_now_ms();

    memcpy(time_hex, first, 12);
    time_hex[12] = '\0';
    at = (int64_t) strtoll(time_hex, NULL, 16);
    assert_true(at >= before && at <= after);

    do {
        assert_rc(tg_id_generate(later), TG_OK);
    } while (memcmp(later, first, 12) == 0);

    assert_true(strcmp(first, later) < 0);
}


static void
test_draw_below(void **state)
{
    unsigned  seen[10] = { 0 };
    uint64_t  v;
    size_t    i;
    tg_draw_t d;

    (void) state;
    tg_draw_init(&d);

    assert_rc(tg_draw_below(&d, 0, &v), TG_EINTERNAL);

    for (i = 0; i < 100; i++) {
        v = 99;
        assert_rc(tg_draw_below(&d, 1, &v), TG_OK);
        assert_int_equal(v, 0);
    }

    for (i = 0; i < 10000; i++) {
        assert_rc(tg_draw_below(&d, 10, &v), TG_OK);
        assert_true(v < 10);
        seen[v]++;
    }

    /* Each value is expected 1000 times; 700 is ten deviations away. */
    for (i = 0; i < 10; i++) {
        assert_in_range(seen[i], 700, 1300);
    }

    for (i = 0; i < 100; i++) {
        assert_rc(tg_draw_below(&d, UINT64_MAX, &v), TG_OK);
        assert_true(v < UINT64_MAX);
        assert_rc(tg_draw_below(&d, (uint64_t) 1 << 63 | 1, &v), TG_OK);
        assert_true(v <= (uint64_t) 1 << 63);
    }
    tg_draw_wipe(&d);
}


/* One draw serves many values, drawn full again as it runs out: each
 * value of its format, all different; what is left is wiped. */
static void
test_draw(void **state)
{
    char      ids[20][TG_ID_LEN + 1], keys[20][TG_APP_KEY_LEN + 1];
    char      secrets[20][TG_APP_SECRET_LEN + 1];
    int64_t   numbers[20];
    tg_draw_t d;
    size_t    i, j;

    (void) state;

    tg_draw_init(&d);
    for (i = 0; i < 20; i++) {
        assert_rc(tg_draw_id(&d, ids[i]), TG_OK);
        assert_rc(tg_draw_app_id(&d, &numbers[i]), TG_OK);
        assert_rc(tg_app_key_format.draw(&d, keys[i]), TG_OK);
        assert_rc(tg_app_secret_format.draw(&d, secrets[i]), TG_OK);

        assert_true(tg_id_valid(tg_str_c(ids[i])));
        assert_true(numbers[i] >= TG_APP_ID_MIN && numbers[i] <= TG_APP_ID_MAX);
        assert_rc(tg_app_key_check(tg_str_c(keys[i]), NULL), TG_OK);
        assert_int_equal(strlen(keys[i]), TG_APP_KEY_LEN);
        assert_rc(tg_app_secret_check(tg_str_c(secrets[i]), NULL), TG_OK);
        assert_int_equal(strlen(secrets[i]), TG_APP_SECRET_LEN);

        for (j = 0; j < i; j++) {
            assert_string_not_equal(ids[i], ids[j]);
            assert_true(numbers[i] != numbers[j]);
            assert_string_not_equal(keys[i], keys[j]);
            assert_string_not_equal(secrets[i], secrets[j]);
        }
    }

    tg_draw_wipe(&d);
    for (i = 0; i < sizeof(d.bytes); i++) {
        assert_int_equal(d.bytes[i], 0);
    }
}


/* Each credential format generates its length of its alphabet, and its
 * check passes what it generates. */
static void
test_cred_formats_generate(void **state)
{
    static const struct {
        const tg_cred_format_t *format;
        size_t                  len;
        const char             *alphabet;
    } formats[] = {
        { &tg_app_key_format, TG_APP_KEY_LEN, alnum },
        { &tg_app_secret_format, TG_APP_SECRET_LEN, alnum },
        { &tg_app_code_format, TG_APP_CODE_LEN, hexdigits },
    };
    char   value[TG_CRED_GENERATED_MAX + 1];
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        const tg_cred_format_t *f = formats[i].format;

        assert_int_equal(f->len, formats[i].len);
        check_generator(f->generate, f->len, 0, formats[i].alphabet);

        assert_rc(f->generate(value), TG_OK);
        assert_rc(f->check(tg_str_c(value), NULL), TG_OK);
    }
}


static void
test_access_key_id_generate(void **state)
{
    char id[TG_ACCESS_KEY_ID_LEN + 1];

    (void) state;

    check_generator(tg_access_key_id_generate, TG_ACCESS_KEY_ID_LEN, 2, alnum);

    assert_rc(tg_access_key_id_generate(id), TG_OK);
    assert_memory_equal(id, "TG", 2);
    assert_rc(tg_access_key_id_check(tg_str_c(id), NULL), TG_OK);
}


static void
test_access_key_secret_generate(void **state)
{
    char secret[TG_ACCESS_KEY_SECRET_LEN + 1];

    (void) state;

    check_generator(tg_access_key_secret_generate, TG_ACCESS_KEY_SECRET_LEN, 0,
                    alnum);

    assert_rc(tg_access_key_secret_generate(secret), TG_OK);
    assert_rc(tg_access_key_secret_check(tg_str_c(secret), NULL), TG_OK);
}


/* AppIds stay in [10^13, 10^14), and spread over the range. */
static void
test_app_id_generate(void **state)
{
    int64_t  id, prev = 0;
    unsigned first_digit[10] = { 0 };
    size_t   i;

    (void) state;

    for (i = 0; i < DRAWS; i++) {
        assert_rc(tg_app_id_generate(&id), TG_OK);
        assert_true(id >= TG_APP_ID_MIN);
        assert_true(id <= TG_APP_ID_MAX);
        assert_true(id != prev);
        first_digit[id / TG_APP_ID_MIN]++;
        prev = id;
    }

    /* Leading digits 1-9 are equally likely: about 1111 each. */
    assert_int_equal(first_digit[0], 0);
    for (i = 1; i <= 9; i++) {
        assert_in_range(first_digit[i], 900, 1350);
    }

    assert_true(TG_APP_ID_MAX < (int64_t) 1 << 53);
}


/* Version 4 and the RFC 4122 variant, in lowercase 8-4-4-4-12 form. */
static void
test_request_id_generate(void **state)
{
    char    *id, prev[TG_REQUEST_ID_LEN + 1] = "";
    unsigned variants = 0;
    size_t   i, j;

    (void) state;

    id = malloc(TG_REQUEST_ID_LEN + 1);
    assert_non_null(id);

    for (i = 0; i < 1000; i++) {
        assert_rc(tg_request_id_generate(id), TG_OK);
        assert_int_equal(strlen(id), 36);
        assert_string_not_equal(id, prev);

        for (j = 0; j < 36; j++) {
            if (j == 8 || j == 13 || j == 18 || j == 23) {
                assert_int_equal(id[j], '-');
            } else {
                assert_non_null(strchr(hexdigits, id[j]));
            }
        }

        assert_int_equal(id[14], '4');
        assert_non_null(strchr("89ab", id[19]));
        variants |= 1u << (strchr("89ab", id[19]) - "89ab");

        memcpy(prev, id, sizeof(prev));
    }

    /* The variant fixes two bits only: all four nibbles occur. */
    assert_int_equal(variants, 0xf);
    free(id);
}


static void
test_id_valid(void **state)
{
    (void) state;

    assert_true(tg_id_valid(TG_STR("0123456789abcdef0123456789abcdef")));
    assert_true(tg_id_valid(rep("f", 32)));
    assert_false(tg_id_valid(rep("f", 31)));
    assert_false(tg_id_valid(rep("f", 33)));
    assert_false(tg_id_valid(TG_STR("")));
    assert_false(tg_id_valid(TG_STR("0123456789ABCDEF0123456789abcdef")));
    assert_false(tg_id_valid(TG_STR("0123456789abcdeg0123456789abcdef")));
    assert_false(tg_id_valid(TG_STR("0123456789abcdef0123456789abcde ")));
    assert_false(tg_id_valid(TG_STR("0123456789abcdef0123456789abcde\0")));
}


#define assert_ok(check, s)  assert_rc(check((s), NULL), TG_OK)
#define assert_bad(check, s) assert_rc(check((s), NULL), TG_EINVALID)


/* Each check at its length edges, with a character every rule takes. */
static void
test_check_lengths(void **state)
{
    static const struct {
        int (*check)(tg_str_t value, const char **rule);
        size_t min, max;
    } checks[] = {
        { tg_app_key_check, 8, 200 },
        { tg_app_secret_check, 8, 128 },
        { tg_app_code_check, 32, 180 },
        { tg_access_key_id_check, 4, 64 },
    };
    size_t i;

    (void) state;

    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        assert_ok(checks[i].check, rep("k", checks[i].min));
        assert_bad(checks[i].check, rep("k", checks[i].min - 1));
        assert_ok(checks[i].check, rep("k", checks[i].max));
        assert_bad(checks[i].check, rep("k", checks[i].max + 1));
    }
}


static void
test_app_key_check(void **state)
{
    const char *rule = NULL;

    (void) state;

    assert_bad(tg_app_key_check, TG_STR(""));

    assert_ok(tg_app_key_check, TG_STR("1bcdefgh"));
    assert_ok(tg_app_key_check, TG_STR("Ab_cd-ef"));
    assert_ok(tg_app_key_check, TG_STR("abcdefg_"));
    assert_ok(tg_app_key_check, TG_STR("abcdefg-"));
    assert_bad(tg_app_key_check, TG_STR("_bcdefgh"));
    assert_bad(tg_app_key_check, TG_STR("-bcdefgh"));
    assert_bad(tg_app_key_check, TG_STR("abcdefg!"));
    assert_bad(tg_app_key_check, TG_STR("abcdefg."));
    assert_bad(tg_app_key_check, TG_STR("abcd efgh"));
    assert_bad(tg_app_key_check, TG_STR("abcdefg\0"));
    assert_bad(tg_app_key_check, TG_STR("abcdefg\xc3\xa9"));

    assert_rc(tg_app_key_check(TG_STR("short"), &rule), TG_EINVALID);
    assert_non_null(rule);
    assert_null(strstr(rule, "short"));
}


static void
test_app_secret_check(void **state)
{
    (void) state;

    /* Each special character, after the first. */
    assert_ok(tg_app_secret_check, TG_STR("s_-!@#$%"));
    assert_ok(tg_app_secret_check, TG_STR("s_______"));
    assert_ok(tg_app_secret_check, TG_STR("s-------"));
    assert_ok(tg_app_secret_check, TG_STR("s!!!!!!!"));
    assert_ok(tg_app_secret_check, TG_STR("s@@@@@@@"));
    assert_ok(tg_app_secret_check, TG_STR("s#######"));
    assert_ok(tg_app_secret_check, TG_STR("s$$$$$$$"));
    assert_ok(tg_app_secret_check, TG_STR("s%%%%%%%"));
    assert_ok(tg_app_secret_check, TG_STR("9abcdefg"));

    /* Never first. */
    assert_bad(tg_app_secret_check, TG_STR("_secret1"));
    assert_bad(tg_app_secret_check, TG_STR("!secret1"));
    assert_bad(tg_app_secret_check, TG_STR("%secret1"));

    /* Other punctuation. */
    assert_bad(tg_app_secret_check, TG_STR("secret1^"));
    assert_bad(tg_app_secret_check, TG_STR("secret1&"));
    assert_bad(tg_app_secret_check, TG_STR("secret1*"));
    assert_bad(tg_app_secret_check, TG_STR("secret1="));
    assert_bad(tg_app_secret_check, TG_STR("secret 1"));
    assert_bad(tg_app_secret_check, TG_STR("secret1\0"));
}


static void
test_app_code_check(void **state)
{
    char code[40];

    (void) state;

    /* First character: a letter, a digit, '+' or '/'. */
    memset(code, 'c', 32);
    code[32] = '\0';
    code[0] = '+';
    assert_ok(tg_app_code_check, tg_str_c(code));
    code[0] = '/';
    assert_ok(tg_app_code_check, tg_str_c(code));
    code[0] = '7';
    assert_ok(tg_app_code_check, tg_str_c(code));
    code[0] = '=';
    assert_bad(tg_app_code_check, tg_str_c(code));
    code[0] = '_';
    assert_bad(tg_app_code_check, tg_str_c(code));
    code[0] = '-';
    assert_bad(tg_app_code_check, tg_str_c(code));
    code[0] = '!';
    assert_bad(tg_app_code_check, tg_str_c(code));

    /* The rest: also _!@#$%-= */
    assert_ok(tg_app_code_check, TG_STR("c+_!@#$%-/=ccccccccccccccccccccccc"));
    code[0] = 'c';
    code[31] = '.';
    assert_bad(tg_app_code_check, tg_str_c(code));
    code[31] = '&';
    assert_bad(tg_app_code_check, tg_str_c(code));
    code[31] = ' ';
    assert_bad(tg_app_code_check, tg_str_c(code));
}


static void
test_access_key_id_check(void **state)
{
    (void) state;

    assert_ok(tg_access_key_id_check, TG_STR("_.-x"));
    assert_ok(tg_access_key_id_check, TG_STR("TG.admin-key_1"));

    /* ':' would split HTTP Basic credentials. */
    assert_bad(tg_access_key_id_check, TG_STR("ab:cd"));
    assert_bad(tg_access_key_id_check, TG_STR(":abc"));
    assert_bad(tg_access_key_id_check, TG_STR("abc:"));

    assert_bad(tg_access_key_id_check, TG_STR("ab cd"));
    assert_bad(tg_access_key_id_check, TG_STR("ab@cd"));
    assert_bad(tg_access_key_id_check, TG_STR("ab/cd"));
    assert_bad(tg_access_key_id_check, TG_STR("abc\0"));
}


static void
test_access_key_secret_check(void **state)
{
    char   printable[95];
    size_t i;

    (void) state;

    assert_ok(tg_access_key_secret_check, rep("s", 16));
    assert_bad(tg_access_key_secret_check, rep("s", 15));
    assert_ok(tg_access_key_secret_check, rep("s", 128));
    assert_bad(tg_access_key_secret_check, rep("s", 129));

    /* Every printable ASCII character but space. */
    for (i = 0; i < 94; i++) {
        printable[i] = (char) (0x21 + i);
    }
    printable[94] = '\0';
    assert_ok(tg_access_key_secret_check, tg_str_c(printable));

    assert_bad(tg_access_key_secret_check, TG_STR("secret with space"));
    assert_bad(tg_access_key_secret_check, TG_STR("secret_with\ttab_"));
    assert_bad(tg_access_key_secret_check, TG_STR("secret_with_del\x7f"));
    assert_bad(tg_access_key_secret_check, TG_STR("secret_with_nul\0"));
    assert_bad(tg_access_key_secret_check, TG_STR("secret_with_\xc3\xa9__"));
}


/* Masks into a buffer of exactly TG_MASK_LEN + 1 bytes. */
static void
check_mask(tg_str_t secret, const char *expect)
{
    char  *out = malloc(TG_MASK_LEN + 1);
    size_t n;

    assert_non_null(out);
    n = tg_secret_mask(secret, out);
    assert_int_equal(n, strlen(expect));
    assert_string_equal(out, expect);
    free(out);
}


static void
test_secret_mask(void **state)
{
    (void) state;

    check_mask(TG_STR("abcdefghijklmnopqrstuvw"), "************");
    check_mask(TG_STR("abcdefghijklmnopqrstuvwx"), "abc************vwx");
    check_mask(TG_STR("0123456789012345678901234567890123456789"),
               "012************789");
    check_mask(TG_STR("a"), "************");
    check_mask(TG_STR(""), "************");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_generate),
        cmocka_unit_test(test_id_order),
        cmocka_unit_test(test_draw),
        cmocka_unit_test(test_draw_below),
        cmocka_unit_test(test_cred_formats_generate),
        cmocka_unit_test(test_access_key_id_generate),
        cmocka_unit_test(test_access_key_secret_generate),
        cmocka_unit_test(test_app_id_generate),
        cmocka_unit_test(test_request_id_generate),
        cmocka_unit_test(test_id_valid),
        cmocka_unit_test(test_check_lengths),
        cmocka_unit_test(test_app_key_check),
        cmocka_unit_test(test_app_secret_check),
        cmocka_unit_test(test_app_code_check),
        cmocka_unit_test(test_access_key_id_check),
        cmocka_unit_test(test_access_key_secret_check),
        cmocka_unit_test(test_secret_mask),
    };

    return cmocka_run_group_tests_name("cred", tests, NULL, NULL);
}
