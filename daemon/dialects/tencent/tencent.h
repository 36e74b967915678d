/*
 * The Tencent Cloud dialect: API Gateway's management API (apigateway,
 * version 2018-08-08), wire-compatible with Tencent's own SDKs.
 *
 * API 3.0 style on the management listener: POST to "/" with the action
 * in X-TC-Action, the version in X-TC-Version, the time in
 * X-TC-Timestamp and the parameters as a JSON body, signed with
 * TC3-HMAC-SHA256 (lib/tc3_sign.c) by a Tollgate access key.  Every
 * answer is HTTP 200 with {"Response": {...}}, errors included, as
 * Tencent's SDKs expect.  The adapter only translates: every action is a
 * core-service call.  docs/dialects/tencent.md lists the actions and
 * every deviation.
 *
 * Ownership: the adapter uses the service, which it does not own.
 */

#ifndef TOLLGATE_TENCENT_H
#define TOLLGATE_TENCENT_H

#include "dialects.h"


/*
 * The dialect, for the registry (dialects.c).  It claims requests to "/"
 * only: with an X-TC-Action header (a vendor header) or a
 * TC3-HMAC-SHA256 Authorization header (an Authorization scheme), which
 * is what Tencent's SDKs send.  It never claims by parameter shape: an
 * Action parameter alone is Alibaba's.
 */
extern const tg_dialect_t tg_tencent_dialect;

#endif /* TOLLGATE_TENCENT_H */
