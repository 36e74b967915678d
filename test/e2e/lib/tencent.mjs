// Tencent's own npm client, unchanged, pointed at a running tollgated:
// tencentcloud-sdk-nodejs's apigateway v20180808 Client (TC3-HMAC-SHA256,
// POST with a JSON body).  The SDK signs the service named by the
// endpoint's first label and the host without its port, as documented in
// reference/huawei_tencent_authing.md B.4 and Part D.
//
// rawCall() builds requests by hand for what the SDK never sends (an old
// timestamp, a replay, a tampered action).  It follows the reference's
// algorithm, not the SDK's code.

import crypto from 'node:crypto';
import {createRequire} from 'node:module';

import {ADMIN_ID, ADMIN_SECRET, rejects, responseOf} from './tollgated.mjs';

export {rejects};

const require = createRequire(import.meta.url);
const tencentcloud = require('tencentcloud-sdk-nodejs');

export const VERSION = '2018-08-08';

// The SDK's apigateway client (POST with a JSON body, or GET with the
// parameters flattened into the query); its calls throw TencentCloudSDKHttpException
// (with .code) on an error answer.
export function tencentClient(
    d, {id = ADMIN_ID, secret = ADMIN_SECRET, endpoint, method = 'POST'} = {}) {
  const Client = tencentcloud.apigateway.v20180808.Client;
  return new Client({
    credential: {secretId: id, secretKey: secret},
    region: 'ap-guangzhou',
    profile: {
      httpProfile: {
        endpoint: endpoint || `127.0.0.1:${d.port}`,
        protocol: 'http://',
        reqMethod: method,
        reqTimeout: 30,
      },
    },
  });
}

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const hmac = (key, s, enc) => crypto.createHmac('sha256', key).update(s).digest(enc);

// The TC3 Authorization of a request (reference B.4).
export function tc3Authorization(
    {id, secret, service, timestamp, host, contentType, payload, signedExtra = {}}) {
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const headers = {'content-type': contentType, 'host': host, ...signedExtra};
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST', '/', '', names.map((n) => `${n}:${headers[n]}\n`).join(''), names.join(';'),
    sha256(payload)
  ].join('\n');
  const scope = `${date}/${service}/tc3_request`;
  const sts = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256(canonical)].join('\n');
  const k = hmac(hmac(hmac('TC3' + secret, date), service), 'tc3_request');
  const signature = hmac(k, sts, 'hex');
  return `TC3-HMAC-SHA256 Credential=${id}/${scope}, SignedHeaders=${names.join(';')}, ` +
      `Signature=${signature}`;
}

// One hand-built call; returns {status, json, text}.
export async function rawCall(d, action, body = {}, opts = {}) {
  const {
    id = ADMIN_ID,
    secret = ADMIN_SECRET,
    service = 'apigateway',
    timestamp = Math.floor(Date.now() / 1000),
    version = VERSION,
    contentType = 'application/json',
    signedExtra = {},
    headers = {},
    authorization,
  } = opts;
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const host = `127.0.0.1:${d.port}`;
  const h = {
    'Content-Type': contentType,
    'X-TC-Timestamp': String(timestamp),
    'X-TC-Version': version,
    'X-TC-Region': 'ap-guangzhou',
    ...signedExtra,
  };
  if (action !== null) {
    h['X-TC-Action'] = action;
  }
  h.Authorization = authorization ??
      tc3Authorization({id, secret, service, timestamp, host, contentType, payload, signedExtra});
  Object.assign(h, headers);
  return responseOf(await fetch(`${d.url}/`, {method: 'POST', headers: h, body: payload}));
}
