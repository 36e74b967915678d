/*
 * What every dialect does alike, whatever its vendor: who the caller is
 * before authentication, and the JSON values that several vendors print
 * the same way.  A dialect's own rules (its error shape, its codes, its
 * request ids) stay in its folder.
 */

#ifndef TOLLGATE_DIALECT_UTIL_H
#define TOLLGATE_DIALECT_UTIL_H

#include <stdint.h>

#include <jansson.h>

#include "http/http.h"
#include "service/authz.h"
#include "service/service.h"


/* Sets actor to an unauthenticated caller of req: every field zero but
 * the request id and the caller's address, as the audit trail wants. */
void tg_dialect_actor_init(tg_actor_t *actor, const tg_http_request_t *req);

/* A time in RFC 3339 at seconds ("2020-12-01T10:44:55Z"), or "" for 0:
 * the form of Alibaba's and Tencent's management APIs. */
json_t *tg_dialect_json_time(int64_t ms);

/* A JSON string of a C string (NULL: ""). */
json_t *tg_dialect_json_string(const char *s);

/*
 * The row for the core's error code in a dialect's error table, or NULL
 * if it has none: the table has n rows of size bytes, each a struct whose
 * first member is the code it maps (an int).  TG_DIALECT_ERROR_ROW() is
 * the same for a table that is an array in scope.
 */
const void *tg_dialect_error_row(const void *table, size_t n, size_t size,
                                 int code);

#define TG_DIALECT_ERROR_ROW(table, code)                             \
    tg_dialect_error_row((table), sizeof(table) / sizeof((table)[0]), \
                         sizeof((table)[0]), (code))

/* tg_service_grant_list_by_app() or tg_service_grant_list_by_api(): a
 * dialect that lists the grants of an app and of an API the same way
 * takes the one it is asked for. */
typedef int (*tg_grant_list_pt)(tg_service_t *svc, const tg_actor_t *actor,
                                tg_str_t ref, const tg_grant_filter_t *filter,
                                tg_grant_t **items, size_t *n, int64_t *total,
                                tg_error_t *err);

/*
 * Authenticates the access key of header, an HTTP Basic Authorization
 * value (NULL: none), into actor; the decoded secret is wiped.  Returns 0,
 * or TG_EUNAUTHENTICATED (or a service error) in err, with a message that
 * does not say which part was wrong.
 */
int tg_dialect_basic_authenticate(tg_service_t *svc, const char *header,
                                  tg_actor_t *actor, tg_error_t *err);

#endif /* TOLLGATE_DIALECT_UTIL_H */
