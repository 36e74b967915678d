// Alibaba's own npm clients, unchanged, pointed at a running tollgated:
// @alicloud/pop-core (RPC signature v1, GET or POST), the generated
// @alicloud/cloudapi20160714 client on @alicloud/openapi-core (V3 by
// default, or v2), and the generic @alicloud/openapi-client (V3 or v2).
//
// rawCall() builds requests by hand for what the SDKs never send (a
// replayed nonce, an old timestamp).  It follows reference/alibaba.md
// section 3, not any SDK's code.

import crypto from 'node:crypto';
import {createRequire} from 'node:module';

import {ADMIN_ID, ADMIN_SECRET, rejects, responseOf} from './tollgated.mjs';

export {rejects};

const require = createRequire(import.meta.url);
const {RPCClient} = require('@alicloud/pop-core');
const Cloud = require('@alicloud/cloudapi20160714');
const {$OpenApiUtil} = require('@alicloud/openapi-core');
const OpenApiClient = require('@alicloud/openapi-client');
const TeaUtil = require('@alicloud/tea-util');

export {Cloud};
export const VERSION = '2016-07-14';

// pop-core's RPCClient; request(action, params, {method}) throws on errors.
export function popCore(d, {id = ADMIN_ID, secret = ADMIN_SECRET} = {}) {
  return new RPCClient(
      {accessKeyId: id, accessKeySecret: secret, endpoint: d.url, apiVersion: VERSION});
}

// The generated CloudAPI client: V3 signatures, or v2 (RPC v1) if asked.
export function cloudApi(d, {id = ADMIN_ID, secret = ADMIN_SECRET, v2 = false} = {}) {
  const config = new $OpenApiUtil.Config({
    accessKeyId: id,
    accessKeySecret: secret,
    endpoint: `127.0.0.1:${d.port}`,
    protocol: 'http',
  });
  if (v2) {
    config.signatureAlgorithm = 'v2';
  }
  return new Cloud.default(config);
}

// The generic Tea client: callApi with RPC parameters in the query.
export function openApiClient(d, {id = ADMIN_ID, secret = ADMIN_SECRET, v2 = false} = {}) {
  const config = new OpenApiClient.Config({
    accessKeyId: id,
    accessKeySecret: secret,
    endpoint: `127.0.0.1:${d.port}`,
    protocol: 'http',
  });
  if (v2) {
    config.signatureAlgorithm = 'v2';
  }
  const client = new OpenApiClient.default(config);
  return async (action, query = {}) => {
    const params = new OpenApiClient.Params({
      action,
      version: VERSION,
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const request = new OpenApiClient.OpenApiRequest({query});
    const res = await client.callApi(params, request, new TeaUtil.RuntimeOptions({}));
    return res.body;
  };
}

// Alibaba's percent-encoding (RFC 3986 unreserved kept, uppercase hex).
export function percentEncode(s) {
  return encodeURIComponent(s).replace(
      /[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function v1StringToSign(method, params) {
  const canonical = Object.keys(params)
                        .filter((k) => k !== 'Signature')
                        .map((k) => [percentEncode(k), percentEncode(params[k])])
                        .sort(
                            (a, b) =>
                                (a[0] < b[0]     ? -1 :
                                     a[0] > b[0] ? 1 :
                                                   0))
                        .map(([k, v]) => `${k}=${v}`)
                        .join('&');
  return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

export function isoSeconds(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// A v1-signed call built by hand.  Returns {status, json, text, headers}.
export async function rawCall(d, action, params = {}, opts = {}) {
  const {
    method = 'GET',
    id = ADMIN_ID,
    secret = ADMIN_SECRET,
    nonce = crypto.randomUUID(),
    timestamp = isoSeconds(new Date()),
    format = 'JSON',
    sign = true,
    tamper,
    headers = {},
  } = opts;
  const all = {
    AccessKeyId: id,
    Action: action,
    Format: format,
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: nonce,
    SignatureVersion: '1.0',
    Timestamp: timestamp,
    Version: VERSION,
    ...params,
  };
  for (const k of Object.keys(all)) {
    if (all[k] === undefined) {
      delete all[k];
    }
  }
  if (sign) {
    all.Signature = crypto.createHmac('sha1', secret + '&')
                        .update(v1StringToSign(method, all))
                        .digest('base64');
  }
  if (tamper) {
    tamper(all);
  }
  const encoded =
      Object.entries(all).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
  const init = {method, headers: {...headers}};
  let url = `${d.url}/`;
  if (method === 'GET') {
    url += `?${encoded}`;
  } else {
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
    init.body = encoded;
  }
  return responseOf(await fetch(url, init));
}
