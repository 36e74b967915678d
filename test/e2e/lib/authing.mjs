// Helpers of the Authing dialect's tests: the SDK's ManagementClient
// pointed at a tollgated, tenants, and raw signed calls built with the
// SDK's own signing functions (GenAuth's variant written out, since its
// SDK is not on npm), for what the SDK never sends (replays, old dates,
// wrong signatures).

import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {createRequire} from 'node:module';

import {ADMIN_ID, ADMIN_SECRET} from './tollgated.mjs';

const require = createRequire(import.meta.url);
const {ManagementClient} = require('authing-node-sdk');
const sign = require('authing-node-sdk/dist/utils/buildSignature.js');

export {ManagementClient, sign};

export function client(d, {id = ADMIN_ID, secret = ADMIN_SECRET} = {}) {
  return new ManagementClient({accessKeyId: id, accessKeySecret: secret, host: d.url});
}

// A new account with a member key: {account, id, secret}.
export async function tenant(d, name) {
  const account = await d.call('POST', '/v1/accounts', {body: {name}});
  assert.equal(account.status, 201, account.text);
  const key = await d.call('POST', `/v1/accounts/${name}/access-keys`, {body: {}});
  assert.equal(key.status, 201, key.text);
  return {account: account.json, id: key.json.id, secret: key.json.secret};
}

// An app made through the native API, as the key [id, secret] (the admin's
// by default): its native JSON.
export async function nativeApp(d, name, auth) {
  const res = await d.call('POST', '/v1/apps', {body: {name}, ...(auth ? {auth} : {})});
  assert.equal(res.status, 201, res.text);
  return res.json;
}

// GenAuth's string to sign: the SDK's, over x-genauth-* headers.
function genAuthStringToSign(method, path, headers, params) {
  const names =
      Object.keys(headers).filter((k) => k.startsWith('x-genauth-') || k === 'date').sort();
  const h = names.map((k) => `${k}:${String(headers[k]).replace(/[\t\n\r\f]/g, ' ').trim()}\n`);
  const keys = Object.keys(params).sort();
  const p =
      keys.filter((k) => params[k] !== undefined)
          .map(
              (k) => `${k}=${
                  typeof params[k] === 'object' && params[k] !== null ? JSON.stringify(params[k]) :
                                                                        params[k]}`);
  return `${method}\n${h.join('')}${path}${keys.length ? '?' + p.join('&') : ''}`;
}

// One signed call, as the SDK would make it unless told otherwise:
// {status, json}.  opts: id, secret, nonce, date (a Date), genauth,
// headers (added after signing), tamper (changes the signed params).
export async function signedCall(d, method, path, params = {}, opts = {}) {
  const {id = ADMIN_ID, secret = ADMIN_SECRET, genauth = false} = opts;
  const p = genauth ? 'x-genauth-' : 'x-authing-';
  const headers = {
    'content-type': 'application/json',
    [`${p}signature-nonce`]: opts.nonce ?? sign.makeNonce(),
    [`${p}signature-method`]: 'HMAC-SHA1',
    [`${p}signature-version`]: '1.0',
    [`${p}sdk-version`]: 'authing-node-sdk:4.0.1',
    [`${p}lang`]: 'zh-CN',
    date: (opts.date ?? new Date()).toUTCString(),
  };
  const sts = genauth ? genAuthStringToSign(method, path, headers, params) :
                        sign.buildStringToSign(method, path, headers, params);
  const mac = createHmac('sha1', secret).update(sts, 'utf8').digest('base64');
  headers.authorization = `${genauth ? 'GenAuth' : 'authing'} ${id}:${mac}`;
  const sent = opts.tamper ? opts.tamper(params) : params;
  let url = d.url + path;
  let body;
  if (method === 'GET') {
    const q = new URLSearchParams(
        Object.entries(sent).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    url += q.size ? `?${q}` : '';
  } else {
    body = opts.raw ?? JSON.stringify(sent);
  }
  const res = await fetch(url, {method, headers: {...headers, ...opts.headers}, body});
  const text = await res.text();
  return {status: res.status, text, json: text ? JSON.parse(text) : null};
}

// A management token for [id, secret]: its data ({access_token, expires_in}).
export async function managementToken(d, id = ADMIN_ID, secret = ADMIN_SECRET) {
  const res = await d.call(
      'POST', '/api/v3/get-management-token',
      {auth: null, body: {accessKeyId: id, accessKeySecret: secret}});
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.statusCode, 200, res.text);
  return res.json.data;
}

// A call with a token and the pool it acts on.
export async function tokenCall(d, method, path, token, pool, {body} = {}) {
  const headers = {authorization: `Bearer ${token}`};
  if (pool !== undefined) {
    headers['x-authing-userpool-id'] = pool;
  }
  return d.call(method, path, {auth: null, headers, body});
}

// Asserts an Authing error: HTTP 200 (5xx for the server's own), and
// the envelope's statusCode and apiCode.
export function assertError(res, statusCode, apiCode) {
  const json = res.json ?? res;
  assert.equal(res.status ?? 200, statusCode >= 500 ? statusCode : 200, JSON.stringify(json));
  assert.equal(json.statusCode, statusCode, JSON.stringify(json));
  assert.equal(json.apiCode, apiCode, JSON.stringify(json));
  assert.match(json.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(typeof json.message, 'string');
  assert.equal(json.data, undefined);
}
