/*
 * The Huawei Cloud APIG dialect: the app routes of APIG's management API
 * (v2, and v1's forms) under /v2/{project_id}/apigw/ and
 * /v1/{project_id}/apigw/, signed with SDK-HMAC-SHA256 over Tollgate
 * access keys, answered in Huawei's shapes and error codes.  See
 * docs/dialects/huawei.md.
 */

#ifndef TOLLGATE_HUAWEI_H
#define TOLLGATE_HUAWEI_H

#include "dialects.h"


extern const tg_dialect_t tg_huawei_dialect;

#endif /* TOLLGATE_HUAWEI_H */
