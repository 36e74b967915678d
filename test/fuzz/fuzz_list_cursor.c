/*
 * libFuzzer driver for lib/list_cursor.c's parser of the opaque listing
 * cursor.  Beyond memory safety (ASan, UBSan), it checks that whatever
 * decodes is in range and encodes back to the very same text (one text
 * per cursor: nothing decodes that the encoder would not have made), and
 * that decoding refuses with its outputs zeroed.  Run with `make fuzz`.
 */

#include <stdint.h>
#include <string.h>

#include "tollgate/error.h"
#include "tollgate/list_cursor.h"

#include "fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t zero[TG_LIST_CURSOR_MAC_LEN];
    char                 text[TG_LIST_CURSOR_LEN + 1];
    tg_list_pos_t        pos;
    uint8_t              mac[TG_LIST_CURSOR_MAC_LEN];
    tg_str_t             in = { (const char *) data, size };

    if (tg_list_cursor_decode(in, &pos, mac) != TG_OK) {
        check(pos.key == 0 && pos.order == 0 && pos.id[0] == '\0');
        check(memcmp(mac, zero, sizeof(mac)) == 0);
        return 0;
    }

    check(size == TG_LIST_CURSOR_LEN);
    check(pos.order <= TG_LIST_CURSOR_ORDER_MAX);
    check(pos.key >= 0 && pos.key <= TG_LIST_CURSOR_KEY_MAX);
    check(strlen(pos.id) == TG_ID_LEN);
    check(tg_list_cursor_encode(&pos, mac, text) == TG_OK);
    check(memcmp(text, data, TG_LIST_CURSOR_LEN) == 0);
    return 0;
}
