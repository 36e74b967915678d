// The Huawei dialect and the gateway together, with Huawei's own signer
// (@huaweicloud/huaweicloud-sdk-core's AKSKSigner, unchanged): an app made
// through Huawei's routes signs calls through nginx with its AppKey and
// AppSecret; after the seed's secret reset the new secret passes and the
// old one is refused with APIG.0303.  Then the scheme's failures in
// Huawei's shape, X-Apig-AppCode, and the Alibaba scheme beside it.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {eventually, startGateway} from './lib/gateway.mjs';
import {call, sdkDate, send, sign} from './lib/huawei.mjs';
import {ADMIN_ID, ADMIN_SECRET} from './lib/tollgated.mjs';

let gw, project, app, secret;

before(async () => {
  gw = await startGateway({
    locations: (upstream) => `
    location / {
      tollgate on;
      tollgate_api default;
      tollgate_schemes huawei huawei_appcode;
      proxy_set_header X-Tollgate-App $tollgate_app;
      proxy_set_header X-Tollgate-Scheme $tollgate_scheme;
      proxy_pass ${upstream};
    }
    location /all/ {
      tollgate on;
      tollgate_api default;
      tollgate_body_max 1k;
      proxy_set_header X-Tollgate-Scheme $tollgate_scheme;
      proxy_pass ${upstream};
    }`,
  });
  project = (await gw.admin.call('GET', '/v1/whoami')).json.account_id;
  const api = await gw.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
  assert.equal(api.status, 201, api.text);

  secret = 'first_secret_01';
  const made = await mgmt('POST', '/apps', {data: {name: 'gateway_app', app_secret: secret}});
  assert.equal(made.status, 201, made.text);
  app = made.json;
  const grant = await gw.admin.call('PUT', `/v1/apps/${app.id}/grants/default`, {body: {}});
  assert.equal(grant.status, 201, grant.text);
  await eventually(async () => (await gateway('GET', '/ready')).status === 200);
});

after(async () => {
  await gw.stop();
});

function mgmt(method, route, opts = {}) {
  return call(
      gw.admin.url, method, `/v2/${project}/apigw/instances/default${route}`,
      {ak: ADMIN_ID, sk: ADMIN_SECRET, ...opts});
}

// A call through the gateway signed with an app's key and secret.
function gateway(method, path, opts = {}) {
  return call(gw.url, method, path, {ak: app.app_key, sk: secret, ...opts});
}

function refused(res, status, code, message) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.equal(res.json.error_code, code, res.text);
  assert.match(res.json.error_msg, message);
  assert.match(res.json.request_id, /^[0-9a-f]{32}$/);
  assert.equal(res.headers['x-request-id'], res.json.request_id);
}

describe('SDK-HMAC-SHA256', () => {
  test('a signed call passes, its body and query signed', async () => {
    const res = await gateway('POST', '/orders', {query: {id: '7', empty: ''}, data: {a: 1}});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.headers['x-tollgate-app'], app.id);
    assert.equal(res.json.headers['x-tollgate-scheme'], 'huawei');
    assert.equal(res.json.body, '{"a":1}');
    assert.equal(res.json.headers.authorization, undefined);
  });

  test('the seed: after a reset the new secret passes and the old is APIG.0303', async () => {
    const reset =
        await mgmt('PUT', `/apps/secret/${app.id}`, {data: {app_secret: 'second_secret_02'}});
    assert.equal(reset.status, 200, reset.text);
    assert.equal(reset.json.app_secret, '******');
    const old = secret;
    secret = 'second_secret_02';
    await eventually(async () => (await gateway('GET', '/orders')).status === 200);
    refused(await gateway('GET', '/orders', {sk: old}), 401, 'APIG.0303', /verify signature fail/);
  });

  test('what was signed cannot change, and is accepted once', async () => {
    const s = sign(gw.url, 'POST', '/orders', {ak: app.app_key, sk: secret, data: {a: 1}});
    refused(
        await send(s.url, {method: 'POST', headers: s.headers, body: '{"a":2}'}), 401, 'APIG.0303',
        /verify signature fail/);
    const q = sign(gw.url, 'GET', '/orders', {ak: app.app_key, sk: secret, query: {n: '1'}});
    refused(
        await send(q.url.replace('n=1', 'n=2'), {method: 'GET', headers: q.headers}), 401,
        'APIG.0303', /verify signature fail/);
    assert.equal((await send(q.url, {method: 'GET', headers: q.headers})).status, 200);
    refused(
        await send(q.url, {method: 'GET', headers: q.headers}), 401, 'APIG.0303', /already used/);
  });

  test('X-Sdk-Date: within the skew, signed, once', async () => {
    const old = sdkDate(new Date(Date.now() - 16 * 60 * 1000));
    refused(
        await gateway('GET', '/orders', {headers: {'X-Sdk-Date': old}}), 401, 'APIG.0303',
        /signature expired, signature time:\d{8}T\d{6}Z/);
    const s = sign(gw.url, 'GET', '/orders', {ak: app.app_key, sk: secret});
    const h = {...s.headers};
    h.Authorization = h.Authorization.replace(/SignedHeaders=[^,]*/, 'SignedHeaders=host');
    refused(await send(s.url, {method: 'GET', headers: h}), 401, 'APIG.0303', /not signed/);
    const noDate = {...s.headers};
    delete noDate['X-Sdk-Date'];
    refused(await send(s.url, {method: 'GET', headers: noDate}), 401, 'APIG.0303', /X-Sdk-Date/);
  });

  test('unknown keys, malformed headers, repeated parameters', async () => {
    refused(
        await gateway('GET', '/orders', {ak: 'no_such_key_1'}), 401, 'APIG.0303',
        /app not found, appkey no_such_key_1/);
    refused(
        await send(
            `${gw.url}/orders`, {method: 'GET', headers: {Authorization: 'SDK-HMAC-SHA256 x'}}),
        401, 'APIG.0303', /invalid authorization/);
    refused(
        await send(`${gw.url}/orders`, {method: 'GET', headers: {}}), 401, 'APIG.0303',
        /authorization not found/);
    const s = sign(gw.url, 'GET', '/orders', {ak: app.app_key, sk: secret, query: {a: '1'}});
    refused(
        await send(s.url + '&a=1', {method: 'GET', headers: s.headers}), 400, 'APIG.0201',
        /repeated/);
  });

  test('a missing grant is APIG.0304, a disabled app APIG.0502', async () => {
    const other =
        await mgmt('POST', '/apps', {data: {name: 'ungranted_app', app_secret: 'ungranted_1'}});
    assert.equal(other.status, 201, other.text);
    const as = {ak: other.json.app_key, sk: 'ungranted_1'};
    await eventually(async () => (await gateway('GET', '/x', as)).status === 403);
    refused(
        await gateway('GET', '/x', {...as, query: {n: '2'}}), 403, 'APIG.0304', /not authorized/);

    await gw.admin.call('PUT', `/v1/apps/${other.json.id}/grants/default`, {body: {}});
    await gw.admin.call('PATCH', `/v1/apps/${other.json.id}`, {body: {status: 'disabled'}});
    await eventually(async () => (await gateway('GET', '/x', as)).status === 405);
    refused(await gateway('GET', '/x', {...as, query: {n: '3'}}), 405, 'APIG.0502', /frozen/);
  });
});

describe('X-Apig-AppCode', () => {
  test('an AppCode made through Huawei\'s routes passes; a wrong one is APIG.0303', async () => {
    const code = await mgmt('PUT', `/apps/${app.id}/app-codes`);
    assert.equal(code.status, 201, code.text);
    const value = code.json.app_code;
    await eventually(async () => (await send(`${gw.url}/c`, {
                                   method: 'GET',
                                   headers: {'X-Apig-AppCode': value},
                                 })).status === 200);
    const ok = await send(`${gw.url}/c`, {method: 'GET', headers: {'X-Apig-AppCode': value}});
    assert.equal(ok.json.headers['x-tollgate-scheme'], 'huawei_appcode');
    assert.equal(ok.json.headers['x-apig-appcode'], undefined);
    refused(
        await send(`${gw.url}/c`, {method: 'GET', headers: {'X-Apig-AppCode': 'f'.repeat(64)}}),
        401, 'APIG.0303', /appcode/);
  });

  test('a code and a signature at once are ambiguous', async () => {
    const s = sign(gw.url, 'GET', '/c', {ak: app.app_key, sk: secret});
    refused(
        await send(
            s.url, {method: 'GET', headers: {...s.headers, 'X-Apig-AppCode': 'x'.repeat(64)}}),
        400, 'APIG.0201', /more than one credential/);
  });
});

describe('beside the Alibaba schemes', () => {
  test('a location with every scheme takes Huawei\'s signature, and its body limit', async () => {
    const ok = await gateway('POST', '/all/x', {data: {b: 'x'}});
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.headers['x-tollgate-scheme'], 'huawei');
    refused(
        await gateway('POST', '/all/x', {data: {b: 'x'.repeat(2000)}}), 413, 'APIG.0201',
        /too large/);
    // Without a credential, the first scheme the location takes answers:
    // Alibaba's, as before.
    const none = await send(`${gw.url}/all/x`, {method: 'GET', headers: {}});
    assert.equal(none.status, 401);
    assert.ok(none.headers['x-ca-error-message']);
  });
});
