/*
 * The native REST API: Tollgate's own dialect of the management API.
 *
 * It routes /healthz and /v1/..., authenticates HTTP Basic access keys,
 * turns JSON requests into core-service calls and renders the results
 * and errors.  The route table is in native.c; docs/api.md describes it.
 */

#ifndef TOLLGATE_NATIVE_H
#define TOLLGATE_NATIVE_H

#include "dialects.h"
#include "http/http.h"
#include "service/service.h"


/*
 * The dialect, for the registry (dialects.c).  It claims its own paths,
 * /v1/... and /healthz, by path; and answers, as the fallback, whatever
 * no other dialect claims (with its 404 or 405).
 */
extern const tg_dialect_t tg_native_dialect;

/* Answers one request on the native API. */
void tg_native_handle(tg_service_t *svc, tg_http_request_t *req,
                      tg_http_response_t *res);

#endif /* TOLLGATE_NATIVE_H */
