/*
 * Tests of lib/list_cursor.c: a cursor decodes to what it was made of,
 * has one length and one alphabet, and anything else (every length but
 * one, every byte outside base64url, another version, an order, key or id
 * out of range) is refused with nothing left in the outputs.
 */

#include <string.h>

#include "tollgate/list_cursor.h"

#include "unit.h"


#define ID "0123456789abcdef0123456789abcdef"


static const uint8_t mac_bytes[TG_LIST_CURSOR_MAC_LEN] = {
    0xff, 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60,
    0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xee,
};


static void
pos_make(tg_list_pos_t *pos, unsigned order, int64_t key, const char *id)
{
    memset(pos, 0, sizeof(*pos));
    pos->order = order;
    pos->key = key;
    memcpy(pos->id, id,
           strlen(id) + 1 < sizeof(pos->id) ? strlen(id) + 1 : sizeof(pos->id));
}


/* Decoding fails and leaves nothing behind. */
static void
assert_refused(const char *text, size_t len)
{
    tg_list_pos_t        pos;
    uint8_t              mac[TG_LIST_CURSOR_MAC_LEN];
    static const uint8_t zero[TG_LIST_CURSOR_MAC_LEN];

    assert_rc(tg_list_cursor_decode((tg_str_t){ text, len }, &pos, mac),
              TG_EINVALID);
    assert_int_equal(pos.key, 0);
    assert_int_equal(pos.order, 0);
    assert_string_equal(pos.id, "");
    assert_memory_equal(mac, zero, sizeof(mac));
}


static void
test_round_trip(void **state)
{
    static const int64_t keys[] = {
        0, 1, 255, 256, INT64_C(1764502000123), TG_LIST_CURSOR_KEY_MAX
    };
    char          text[TG_LIST_CURSOR_LEN + 1];
    tg_list_pos_t pos, back;
    uint8_t       mac[TG_LIST_CURSOR_MAC_LEN];
    size_t        i, j;

    (void) state;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        pos_make(&pos, (unsigned) i % (TG_LIST_CURSOR_ORDER_MAX + 1), keys[i],
                 i % 2 ? ID : "ffffffffffffffffffffffffffffffff");
        assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_OK);
        assert_int_equal(strlen(text), TG_LIST_CURSOR_LEN);
        for (j = 0; j < TG_LIST_CURSOR_LEN; j++) {
            assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                   "opqrstuvwxyz0123456789-_",
                                   text[j]));
        }
        assert_rc(tg_list_cursor_decode(tg_str_c(text), &back, mac), TG_OK);
        assert_int_equal(back.order, pos.order);
        assert_int_equal(back.key, pos.key);
        assert_string_equal(back.id, pos.id);
        assert_memory_equal(mac, mac_bytes, sizeof(mac));
    }

    /* The order is the last thing the body's first bytes say. */
    pos_make(&pos, TG_LIST_CURSOR_ORDER_MAX, 7, ID);
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_OK);
    assert_rc(tg_list_cursor_decode(tg_str_c(text), &back, mac), TG_OK);
    assert_int_equal(back.order, TG_LIST_CURSOR_ORDER_MAX);
}


static void
test_body(void **state)
{
    uint8_t       body[TG_LIST_CURSOR_BODY_LEN];
    tg_list_pos_t pos;

    (void) state;

    pos_make(&pos, 2, 0x010203040506, ID);
    assert_rc(tg_list_cursor_body(&pos, body), TG_OK);
    assert_int_equal(body[0], TG_LIST_CURSOR_VERSION);
    assert_int_equal(body[1], 2);
    assert_int_equal(body[2], 0x00);
    assert_int_equal(body[4], 0x01);
    assert_int_equal(body[9], 0x06);
    assert_int_equal(body[10], 0x01);
    assert_int_equal(body[11], 0x23);
    assert_int_equal(body[25], 0xef);
}


static void
test_encode_refuses_what_is_out_of_range(void **state)
{
    char          text[TG_LIST_CURSOR_LEN + 1];
    tg_list_pos_t pos;

    (void) state;

    pos_make(&pos, TG_LIST_CURSOR_ORDER_MAX + 1, 1, ID);
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_EINVALID);
    pos_make(&pos, 0, -1, ID);
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_EINVALID);
    pos_make(&pos, 0, TG_LIST_CURSOR_KEY_MAX + 1, ID);
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_EINVALID);
    pos_make(&pos, 0, 1, "0123456789ABCDEF0123456789abcdef");
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_EINVALID);
    pos_make(&pos, 0, 1, "0123456789abcdef0123456789abcde");
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_EINVALID);
    pos_make(&pos, 0, 1, "");
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_EINVALID);
    /* An id without its NUL: 33 bytes of hex. */
    memset(pos.id, 'a', sizeof(pos.id));
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_EINVALID);
}


static void
test_decode_refuses_every_length_but_one(void **state)
{
    char          text[TG_LIST_CURSOR_LEN + 1], big[4096];
    tg_list_pos_t pos;
    size_t        len;

    (void) state;

    pos_make(&pos, 0, 1764502000123, ID);
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_OK);

    for (len = 0; len < TG_LIST_CURSOR_LEN; len++) {
        assert_refused(text, len);
    }
    memset(big, 'A', sizeof(big));
    memcpy(big, text, TG_LIST_CURSOR_LEN);
    for (len = TG_LIST_CURSOR_LEN + 1; len <= TG_LIST_CURSOR_LEN + 8; len++) {
        assert_refused(big, len);
    }
    assert_refused(big, sizeof(big));
    assert_refused(NULL, 0);
    assert_refused(NULL, TG_LIST_CURSOR_LEN);
}


static void
test_decode_refuses_every_other_byte(void **state)
{
    char          text[TG_LIST_CURSOR_LEN + 1], bad[TG_LIST_CURSOR_LEN];
    tg_list_pos_t pos;
    size_t        at;
    int           c;

    (void) state;

    pos_make(&pos, 1, 1764502000123, ID);
    assert_rc(tg_list_cursor_encode(&pos, mac_bytes, text), TG_OK);

    for (c = 0; c < 256; c++) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '_')
        {
            continue;
        }
        /* First, inside, last: '=', '+', '/', NUL, space, UTF-8 bytes. */
        for (at = 0; at < TG_LIST_CURSOR_LEN; at += TG_LIST_CURSOR_LEN / 4 - 1)
        {
            memcpy(bad, text, sizeof(bad));
            bad[at] = (char) c;
            assert_refused(bad, sizeof(bad));
        }
        memcpy(bad, text, sizeof(bad));
        bad[TG_LIST_CURSOR_LEN - 1] = (char) c;
        assert_refused(bad, sizeof(bad));
    }
}


/* Encodes raw bytes as a cursor's text would be, without the checks. */
static void
raw_text(const uint8_t raw[TG_LIST_CURSOR_RAW_LEN],
         char          out[TG_LIST_CURSOR_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrst"
                              "uvwxyz0123456789-_";
    uint32_t          v;
    size_t            i, o = 0;

    for (i = 0; i < TG_LIST_CURSOR_RAW_LEN; i += 3) {
        v = (uint32_t) raw[i] << 16 | (uint32_t) raw[i + 1] << 8 | raw[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = b64[v >> 6 & 63];
        out[o++] = b64[v & 63];
    }
    out[o] = '\0';
}


static void
test_decode_refuses_values_out_of_range(void **state)
{
    uint8_t       raw[TG_LIST_CURSOR_RAW_LEN];
    char          text[TG_LIST_CURSOR_LEN + 1];
    tg_list_pos_t pos;
    uint8_t       mac[TG_LIST_CURSOR_MAC_LEN];
    size_t        i;

    (void) state;

    pos_make(&pos, 0, TG_LIST_CURSOR_KEY_MAX, ID);
    assert_rc(tg_list_cursor_body(&pos, raw), TG_OK);
    memcpy(raw + TG_LIST_CURSOR_BODY_LEN, mac_bytes, TG_LIST_CURSOR_MAC_LEN);
    raw_text(raw, text);
    assert_rc(tg_list_cursor_decode(tg_str_c(text), &pos, mac), TG_OK);

    /* Versions 0 and 2. */
    raw[0] = 0;
    raw_text(raw, text);
    assert_refused(text, TG_LIST_CURSOR_LEN);
    raw[0] = 2;
    raw_text(raw, text);
    assert_refused(text, TG_LIST_CURSOR_LEN);
    raw[0] = TG_LIST_CURSOR_VERSION;

    /* Order past its range. */
    raw[1] = TG_LIST_CURSOR_ORDER_MAX + 1;
    raw_text(raw, text);
    assert_refused(text, TG_LIST_CURSOR_LEN);
    raw[1] = 0xff;
    raw_text(raw, text);
    assert_refused(text, TG_LIST_CURSOR_LEN);
    raw[1] = 0;

    /* The key one past its largest, and negative (the sign bit). */
    for (i = 0; i < 8; i++) {
        raw[2 + i] =
            (uint8_t) ((uint64_t) (TG_LIST_CURSOR_KEY_MAX + 1) >> (56 - 8 * i));
    }
    raw_text(raw, text);
    assert_refused(text, TG_LIST_CURSOR_LEN);
    for (i = 2; i < 10; i++) {
        raw[i] = 0xff;
    }
    raw_text(raw, text);
    assert_refused(text, TG_LIST_CURSOR_LEN);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_encode_refuses_what_is_out_of_range),
        cmocka_unit_test(test_decode_refuses_every_length_but_one),
        cmocka_unit_test(test_decode_refuses_every_other_byte),
        cmocka_unit_test(test_decode_refuses_values_out_of_range),
    };

    return cmocka_run_group_tests_name("list_cursor", tests, NULL, NULL);
}
