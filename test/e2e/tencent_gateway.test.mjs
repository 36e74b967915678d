// The Tencent dialect and the gateway together: an app made with
// Tencent's SDK (CreateApiApp), bound with BindApiApp, calls through nginx
// signed with Tencent's application authentication (Authorization: hmac
// id=...), by a client built from the reference's algorithm (B.5) and
// checked against its vector; after UpdateApiAppKey the new key and
// secret pass and the old ones are refused with Tencent's 401 messages.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {after, before, describe, test} from 'node:test';

import {eventually, startGateway} from './lib/gateway.mjs';
import {tencentClient} from './lib/tencent.mjs';

let gw, tc;

before(async () => {
  gw = await startGateway({
    locations: (upstream) => `
    location / {
      tollgate on;
      tollgate_api orders;
      add_header X-Tollgate-Error $tollgate_error always;
      proxy_set_header X-Tollgate-App-Id $tollgate_app_id;
      proxy_pass ${upstream};
    }`,
  });
  tc = tencentClient(gw.admin);
});

after(async () => {
  await gw.stop();
});

// The reference's string to sign: signed headers, method, Accept,
// Content-Type, Content-MD5, then the path without its environment and
// the sorted, decoded parameters (an empty value is the key alone).
function stringToSign({method, path, query = {}, form = {}, headers, signed}) {
  const lines = signed.map((h) => `${h.toLowerCase()}: ${headers[h]}`);
  let p = path.replace(/^\/(release|prepub|test)(?=\/|$)/, '') || '/';
  const params = {...query, ...form};
  const keys = Object.keys(params).sort();
  if (keys.length > 0) {
    p += '?' + keys.map((k) => (params[k] === '' ? k : `${k}=${params[k]}`)).join('&');
  }
  return [
    ...lines, method, headers.Accept ?? '', headers['Content-Type'] ?? '',
    headers['Content-MD5'] ?? '', p
  ].join('\n');
}

function sign(secret, sts, algorithm = 'hmac-sha1') {
  return crypto.createHmac(algorithm.slice(5), secret).update(sts).digest('base64');
}

// Tencent's demos send base64 of the hex MD5, not of the digest.
const contentMd5 = (body) =>
    Buffer.from(crypto.createHash('md5').update(body).digest('hex')).toString('base64');

// One call through the gateway; returns {status, error, echo}.
async function call(key, secret, opts = {}) {
  const {
    method = 'GET',
    path = '/release/orders',
    query = {},
    form,
    date = new Date(),
    algorithm = 'hmac-sha1',
    signed = ['X-Date'],
    extra = {},
    tamper = (h) => h,
    sendPath = path,
    sendQuery = query,
  } = opts;
  const headers = {'X-Date': date.toUTCString(), 'Accept': 'application/json', ...extra};
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-MD5'] = contentMd5(body);
  }
  const sts = stringToSign({method, path, query, form, headers, signed});
  headers.Authorization = `hmac id="${key}", algorithm="${algorithm}", headers="${
      signed.map((h) => h.toLowerCase()).join(' ')}", signature="${sign(secret, sts, algorithm)}"`;
  const qs = new URLSearchParams(sendQuery).toString();
  const res = await fetch(
      `${gw.url}${sendPath}${qs ? '?' + qs : ''}`, {method, headers: tamper(headers), body});
  const text = await res.text();
  const out = {
    status: res.status,
    error: res.headers.get('x-tollgate-error'),
    echo: res.status === 200 ? JSON.parse(text) : null,
  };
  if (res.status === 401) {
    // Tencent's (Kong's) shape: {"message": "..."}, the same message.
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(JSON.parse(text), {message: out.error});
  }
  return out;
}

test('the client reproduces the reference vector', () => {
  const headers = {
    'X-Date': 'Mon, 23 Nov 2026 04:00:00 GMT',
    'Accept': 'application/json',
    'Content-Type': 'application/json',
    'Content-MD5': contentMd5('{"arg1":"a","arg2":"b"}'),
  };
  assert.equal(headers['Content-MD5'], 'MzNiMjk0MTJjZWIzMWQ5NmE1OGRiZDYyOWMwNWQ0ZGE=');
  const sts = stringToSign(
      {method: 'POST', path: '/data', query: {a: '1', b: '2'}, headers, signed: ['X-Date']});
  assert.equal(
      sign('Dc44ACV2Da3Gm9JVaaaaaaaaumYRI4CZfVG8Qiuv', sts), 'Pbkdp50aJelkItrgm+nL9LHo4XA=');
});

describe('an app made and rotated with the SDK calls through the gateway', () => {
  let app, api;

  before(async () => {
    api = (await gw.admin.call('POST', '/v1/apis', {body: {name: 'orders'}})).json.id;
    app = (await tc.CreateApiApp({ApiAppName: 'tc_gateway'})).Result;
    await tc.BindApiApp({
      ApiAppId: app.ApiAppId,
      ApiId: api,
      Environment: 'release',
      ServiceId: 'service-tollgate'
    });
    await eventually(async () => (await call(app.ApiAppKey, app.ApiAppSecret)).status === 200);
  });

  test('a signed call passes, with every algorithm, parameters and a form', async () => {
    const ok = await call(app.ApiAppKey, app.ApiAppSecret, {query: {b: '2', a: 'x y', e: ''}});
    assert.equal(ok.status, 200, ok.error);
    assert.match(ok.echo.url, /^\/release\/orders\?/);
    assert.equal(ok.echo.headers.authorization, undefined, 'the credential is not forwarded');
    for (const algorithm of ['hmac-sha256', 'hmac-sha384', 'hmac-sha512']) {
      assert.equal((await call(app.ApiAppKey, app.ApiAppSecret, {algorithm})).status, 200);
    }
    const posted = await call(app.ApiAppKey, app.ApiAppSecret, {
      method: 'POST',
      form: {name: 'tea', qty: '2'},
      signed: ['X-Date', 'Content-MD5'],
    });
    assert.equal(posted.status, 200, posted.error);
    const signedExtra = await call(app.ApiAppKey, app.ApiAppSecret, {
      signed: ['X-Date', 'Source'],
      extra: {Source: 'AndriodApp'},
    });
    assert.equal(signedExtra.status, 200, signedExtra.error);
  });

  test('refusals are 401 with Tencent\'s messages', async () => {
    const k = app.ApiAppKey, s = app.ApiAppSecret;
    let r = await call(k, 'wrong-secret-0123456789');
    assert.equal(r.status, 401);
    assert.equal(r.error, 'HMAC signature cannot be verified.');

    r = await call(k, s, {date: new Date(Date.now() - 901 * 1000)});
    assert.equal(r.status, 401);
    assert.equal(
        r.error,
        'HMAC signature cannot be verified, the x-date header is out of date for HMAC ' +
            'Authentication.');
    assert.equal((await call(k, s, {date: new Date(Date.now() - 880 * 1000)})).status, 200);

    r = await call(k, s, {signed: [], extra: {}});
    assert.equal(r.status, 401);
    assert.match(r.error, /a valid x-date header is required/);

    r = await call(k, s, {algorithm: 'hmac-md5'});
    assert.equal(r.status, 401);
    assert.equal(r.error, 'HMAC algorithm not supported.');

    r = await call(k, s, {tamper: (h) => ({...h, Authorization: `hmac id="${k}"`})});
    assert.equal(r.error, 'HMAC id or signature missing.');
    r = await call(k, s, {tamper: (h) => ({...h, Authorization: 'hmac id=nope'})});
    assert.equal(r.error, 'HMAC authorization format error.');

    r = await call(k, s, {signed: ['X-Date', 'Source']});
    assert.equal(r.status, 401);
    assert.equal(r.error, 'HMAC signature cannot be verified, a valid source header is required.');

    // The path and the parameters are signed.
    r = await call(k, s, {sendPath: '/release/admin'});
    assert.equal(r.error, 'HMAC signature cannot be verified.');
    r = await call(k, s, {query: {a: '1'}, sendQuery: {a: '2'}});
    assert.equal(r.error, 'HMAC signature cannot be verified.');
    r = await call(k, s, {query: {a: '1'}, sendQuery: {a: '1', b: ''}});
    assert.equal(r.error, 'HMAC signature cannot be verified.');
    // A parameter sent twice is refused (the upstream could read either).
    r = await call(k, s, {query: {a: '1'}, sendQuery: [['a', '1'], ['a', '1']]});
    assert.equal(r.status, 401);
    assert.match(r.error, /a parameter is sent twice/);
    // The environment prefix is not signed, it is the stage asked for.
    r = await call(k, s, {sendPath: '/orders', path: '/release/orders'});
    assert.equal(r.status, 200, r.error);

    // Another environment than the bound one is not granted.
    r = await call(k, s, {path: '/test/orders'});
    assert.equal(r.status, 401);
    assert.equal(r.error, 'HMAC apikey is invalid for API.');

    r = await call('APIDunknownkey00000000001', s);
    assert.equal(r.status, 401);

    // A refused call's unread body is discarded, and the connection
    // serves the next call; HEAD gets the status without a body.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/release/orders`, {
        method: 'POST',
        headers: {'Authorization': 'hmac id="x"', 'Content-Type': 'application/json'},
        body: JSON.stringify({big: 'x'.repeat(20000)}),
      });
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), {message: 'HMAC id or signature missing.'});
    }
    const head = await fetch(
        `${gw.url}/release/orders`, {method: 'HEAD', headers: {'Authorization': 'hmac id="x"'}});
    assert.equal(head.status, 401);
    assert.equal((await call(k, s)).status, 200);
  });

  test('grace, disabled apps and rate limits are the core\'s, as for other schemes', async () => {
    const other = (await tc.CreateApiApp({ApiAppName: 'tc_gateway_core'})).Result;
    await tc.BindApiApp({
      ApiAppId: other.ApiAppId,
      ApiId: api,
      Environment: 'release',
      ServiceId: 'service-tollgate'
    });
    const native = (await gw.admin.call('GET', '/v1/apps?name=tc_gateway_core')).json.items[0];
    await eventually(async () => (await call(other.ApiAppKey, other.ApiAppSecret)).status === 200);

    // A reset with grace: both secrets pass until it ends.
    const reset = await gw.admin.call(
        'POST', `/v1/apps/${native.id}/reset-secret`, {body: {grace_seconds: 60}});
    assert.equal(reset.status, 200, reset.text);
    const fresh = reset.json.app_secret;
    await eventually(async () => (await call(other.ApiAppKey, fresh)).status === 200);
    assert.equal((await call(other.ApiAppKey, other.ApiAppSecret)).status, 200);

    // A rate limit of 1 a second: the second call at once is throttled.
    await gw.admin.call('PATCH', `/v1/apps/${native.id}`, {body: {rate_limit: {rps: 1, burst: 1}}});
    await eventually(async () => (await call(other.ApiAppKey, fresh)).status === 429);

    // A disabled app is refused.
    await gw.admin.call('PATCH', `/v1/apps/${native.id}`, {body: {status: 'disabled'}});
    await eventually(async () => (await call(other.ApiAppKey, fresh)).status === 401);
    assert.equal((await call(other.ApiAppKey, fresh)).error, 'HMAC apikey is invalid for API.');
  });

  test('after UpdateApiAppKey the new pair passes and the old one does not', async () => {
    const key = 'APIDrotated0000000000000000000000000001';
    const secret = 'RotatedSecret0123456789abcdefghijklmnopq';
    const res =
        await tc.UpdateApiAppKey({ApiAppId: app.ApiAppId, ApiAppKey: key, ApiAppSecret: secret});
    assert.equal(res.Result, true);
    await eventually(async () => (await call(key, secret)).status === 200);
    const ok = await call(key, secret);
    assert.equal(ok.status, 200);
    const old = await call(app.ApiAppKey, app.ApiAppSecret);
    assert.equal(old.status, 401);
    assert.equal(old.error, 'HMAC signature cannot be verified.');
    const mixed = await call(key, app.ApiAppSecret);
    assert.equal(mixed.status, 401);

    // UnbindApiApp takes the grant away.  (A second after BindApiApp: the
    // same signed body within a second is refused as a replay.)
    await new Promise((r) => setTimeout(r, 1100));
    await tc.UnbindApiApp({
      ApiAppId: app.ApiAppId,
      ApiId: api,
      Environment: 'release',
      ServiceId: 'service-tollgate'
    });
    await eventually(async () => (await call(key, secret)).status === 401);
    assert.equal((await call(key, secret)).error, 'HMAC apikey is invalid for API.');
  });
});
