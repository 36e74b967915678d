/*
 * The Authing / GenAuth dialect: Authing's management API v3 for
 * applications (refresh-application-secret and the reads beside it),
 * wire-compatible with authing-node-sdk 4.x's ManagementClient given
 * Tollgate's address as its host.
 *
 * Calls are authenticated in either of the SDKs' two ways: signed with
 * a Tollgate access key ("authing <id>:<HMAC-SHA1>", or GenAuth's
 * variant, lib/authing_sign.c), or carrying a bearer token that
 * get-management-token issued (daemon/service/service_tokens.c) with the
 * user pool (a Tollgate account) it acts on.  The adapter only
 * translates: every route is a core-service call, rendered in Authing's
 * envelope and apiCodes.  docs/dialects/authing.md lists the routes and
 * every deviation.
 *
 * Ownership: the adapter uses the service, which it does not own.
 */

#ifndef TOLLGATE_AUTHING_H
#define TOLLGATE_AUTHING_H

#include "dialects.h"


/* The dialect, for the registry (dialects.c).  It claims every request
 * under "/api/v3/" (a path prefix no other dialect serves). */
extern const tg_dialect_t tg_authing_dialect;

#endif /* TOLLGATE_AUTHING_H */
