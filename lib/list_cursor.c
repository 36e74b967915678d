/*
 * The opaque cursor of a keyset-paged listing (see
 * include/tollgate/list_cursor.h).
 */

#include <string.h>

#include "tollgate/cred.h"
#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "tollgate/list_cursor.h"


static const char tg_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char tg_hex[] = "0123456789abcdef";


/* The value of a lowercase hex digit, or -1. */
static int
tg_hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}


int
tg_list_cursor_body(const tg_list_pos_t *pos,
                    uint8_t              out[TG_LIST_CURSOR_BODY_LEN])
{
    uint64_t key;
    size_t   i;
    int      hi, lo;

    if (pos->order > TG_LIST_CURSOR_ORDER_MAX || pos->key < 0
        || pos->key > TG_LIST_CURSOR_KEY_MAX
        || !tg_id_valid((tg_str_t){ pos->id, strnlen(pos->id, TG_ID_LEN + 1) }))
    {
        return TG_EINVALID;
    }

    out[0] = TG_LIST_CURSOR_VERSION;
    out[1] = (uint8_t) pos->order;
    key = (uint64_t) pos->key;
    for (i = 0; i < 8; i++) {
        out[2 + i] = (uint8_t) (key >> (56 - 8 * i));
    }
    for (i = 0; i < TG_ID_LEN / 2; i++) {
        hi = tg_hex_value(pos->id[2 * i]);
        lo = tg_hex_value(pos->id[2 * i + 1]);
        out[10 + i] = (uint8_t) (hi << 4 | lo);
    }

    return TG_OK;
}


int
tg_list_cursor_encode(const tg_list_pos_t *pos,
                      const uint8_t        mac[TG_LIST_CURSOR_MAC_LEN],
                      char                 out[TG_LIST_CURSOR_LEN + 1])
{
    uint8_t  raw[TG_LIST_CURSOR_RAW_LEN];
    uint32_t v;
    size_t   i, o = 0;
    int      rc;

    rc = tg_list_cursor_body(pos, raw);
    if (rc != TG_OK) {
        return rc;
    }
    memcpy(raw + TG_LIST_CURSOR_BODY_LEN, mac, TG_LIST_CURSOR_MAC_LEN);

    /* 42 bytes are 14 groups of 3: no padding, no partial group. */
    for (i = 0; i < TG_LIST_CURSOR_RAW_LEN; i += 3) {
        v = (uint32_t) raw[i] << 16 | (uint32_t) raw[i + 1] << 8 | raw[i + 2];
        out[o++] = tg_b64url[v >> 18 & 63];
        out[o++] = tg_b64url[v >> 12 & 63];
        out[o++] = tg_b64url[v >> 6 & 63];
        out[o++] = tg_b64url[v & 63];
    }
    out[o] = '\0';

    return TG_OK;
}


int
tg_list_cursor_decode(tg_str_t text, tg_list_pos_t *pos,
                      uint8_t mac[TG_LIST_CURSOR_MAC_LEN])
{
    uint8_t  raw[TG_LIST_CURSOR_RAW_LEN];
    uint64_t key = 0;
    uint32_t v;
    size_t   i, j, o = 0;
    int      d;

    memset(pos, 0, sizeof(*pos));
    memset(mac, 0, TG_LIST_CURSOR_MAC_LEN);

    if (text.ptr == NULL || text.len != TG_LIST_CURSOR_LEN) {
        return TG_EINVALID;
    }

    for (i = 0; i < TG_LIST_CURSOR_LEN; i += 4) {
        v = 0;
        for (j = 0; j < 4; j++) {
            d = tg_base64_digit((unsigned char) text.ptr[i + j], 1);
            if (d < 0) {
                return TG_EINVALID;
            }
            v = v << 6 | (uint32_t) d;
        }
        raw[o++] = (uint8_t) (v >> 16);
        raw[o++] = (uint8_t) (v >> 8);
        raw[o++] = (uint8_t) v;
    }

    for (i = 0; i < 8; i++) {
        key = key << 8 | raw[2 + i];
    }
    if (raw[0] != TG_LIST_CURSOR_VERSION || raw[1] > TG_LIST_CURSOR_ORDER_MAX
        || key > (uint64_t) TG_LIST_CURSOR_KEY_MAX)
    {
        return TG_EINVALID;
    }

    pos->order = raw[1];
    pos->key = (int64_t) key;
    for (i = 0; i < TG_ID_LEN / 2; i++) {
        pos->id[2 * i] = tg_hex[raw[10 + i] >> 4];
        pos->id[2 * i + 1] = tg_hex[raw[10 + i] & 15];
    }
    pos->id[TG_ID_LEN] = '\0';
    memcpy(mac, raw + TG_LIST_CURSOR_BODY_LEN, TG_LIST_CURSOR_MAC_LEN);

    return TG_OK;
}
