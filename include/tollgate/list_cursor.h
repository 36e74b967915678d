/*
 * The opaque cursor of a keyset-paged listing: where the next page
 * starts (the sort key and id of the last row the previous page gave,
 * and the order they are in), and a MAC that the caller computes over the
 * cursor's body and the filter it was made for, so that a cursor is
 * refused if changed, forged or used with another filter.
 *
 * On the wire it is exactly TG_LIST_CURSOR_LEN characters of unpadded
 * base64url ([A-Za-z0-9_-]) of TG_LIST_CURSOR_RAW_LEN bytes: version (1
 * byte), order (1), key (8, big-endian), id (16, the 32 hex digits as
 * bytes), MAC (16).  Pure: no allocation, the caller owns every buffer.
 */

#ifndef TOLLGATE_LIST_CURSOR_H
#define TOLLGATE_LIST_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "tollgate/model.h"
#include "tollgate/str.h"


#define TG_LIST_CURSOR_VERSION   1
#define TG_LIST_CURSOR_ORDER_MAX 15
/* The largest sort key: 9999-12-31T23:59:59.999Z in Unix ms. */
#define TG_LIST_CURSOR_KEY_MAX  INT64_C(253402300799999)
#define TG_LIST_CURSOR_BODY_LEN 26 /* what the MAC covers */
#define TG_LIST_CURSOR_MAC_LEN  16
#define TG_LIST_CURSOR_RAW_LEN \
    (TG_LIST_CURSOR_BODY_LEN + TG_LIST_CURSOR_MAC_LEN)
#define TG_LIST_CURSOR_LEN 56 /* base64url of the raw bytes */

/* A position in a listing: after the row (key, id) in order. */
typedef struct {
    unsigned order;             /* 0-TG_LIST_CURSOR_ORDER_MAX */
    int64_t  key;               /* 0-TG_LIST_CURSOR_KEY_MAX */
    char     id[TG_ID_LEN + 1]; /* 32 lowercase hex digits */
} tg_list_pos_t;

/*
 * Writes the body of pos's cursor (the bytes its MAC covers) into out.
 * Returns TG_OK, or TG_EINVALID if pos is out of its ranges or its id is
 * not an id.
 */
int tg_list_cursor_body(const tg_list_pos_t *pos,
                        uint8_t              out[TG_LIST_CURSOR_BODY_LEN]);

/*
 * Writes the cursor of pos with mac and a NUL into out.  Returns TG_OK,
 * or TG_EINVALID as tg_list_cursor_body().
 */
int tg_list_cursor_encode(const tg_list_pos_t *pos,
                          const uint8_t        mac[TG_LIST_CURSOR_MAC_LEN],
                          char                 out[TG_LIST_CURSOR_LEN + 1]);

/*
 * Parses a cursor into pos and the MAC it carries (which the caller must
 * check, in constant time, against the one it computes over the body,
 * tg_list_cursor_body(pos)).  Returns TG_OK, or TG_EINVALID for anything
 * that is not exactly a cursor: another length, a character outside
 * base64url (a NUL included), another version, an order, key or id out
 * of range.  On error pos and mac are zeroed.
 */
int tg_list_cursor_decode(tg_str_t text, tg_list_pos_t *pos,
                          uint8_t mac[TG_LIST_CURSOR_MAC_LEN]);

#endif /* TOLLGATE_LIST_CURSOR_H */
