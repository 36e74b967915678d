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

#include "dialects.h"


/*
 * The dialect, for the registry (dialects.c).  It claims requests to "/"
 * only (the native API has no route there): with an x-acs-action header
 * (a vendor header), an ACS3-HMAC-SHA256 Authorization header (an
 * Authorization scheme), or an Action parameter in the query or a form
 * body (the shape of an RPC call), which is what Alibaba's SDKs send.
 */
extern const tg_dialect_t tg_alibaba_dialect;

#endif /* TOLLGATE_ALIBABA_H */
