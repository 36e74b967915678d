/*
 * The Alibaba Cloud dialect: API Gateway's management API (CloudAPI,
 * version 2016-07-14), wire-compatible with Alibaba's own SDKs.
 *
 * RPC style on the management listener: POST or GET to "/", with the
 * parameters in the query string and/or a form body, signed with the RPC
 * signature v1.0 or V3 (lib/acs_sign.c) by a Tollgate access key.  The
 * adapter only translates: every action is a core-service call, rendered
 * in Alibaba's JSON (or XML) shapes and error codes.  docs/dialects/
 * alibaba.md lists the actions and every deviation.
 *
 * Ownership: the adapter uses the service, which it does not own.
 */

#ifndef TOLLGATE_ALIBABA_H
#define TOLLGATE_ALIBABA_H

#include <stddef.h>

#include "http/http.h"
#include "service/service.h"


typedef struct tg_alibaba_s tg_alibaba_t;


/* Creates the adapter over svc.  Returns 0 or TG_ENOMEM. */
int tg_alibaba_create(tg_service_t *svc, tg_alibaba_t **out);

/* Frees the adapter.  ali may be NULL. */
void tg_alibaba_destroy(tg_alibaba_t *ali);

/*
 * Whether a request is the dialect's: the path "/" with an Action
 * parameter, an x-acs-action header, an ACS3 Authorization header or a
 * form body.  The native API has no route at "/", so nothing of it is
 * taken.
 */
int tg_alibaba_claims(const tg_http_request_t *req);

/* Answers one request of the dialect. */
void tg_alibaba_handle(tg_alibaba_t *ali, tg_http_request_t *req,
                       tg_http_response_t *res);

#endif /* TOLLGATE_ALIBABA_H */
