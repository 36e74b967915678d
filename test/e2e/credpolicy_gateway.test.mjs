// The maximum secret age at the gateway: an account's max_secret_age is
// projected with each secret, and a call signed with a secret past it is
// refused in each scheme's own shape (Alibaba's X-Ca, Huawei's
// SDK-HMAC-SHA256, Tencent's hmac, and the AppCodes of Alibaba's and
// Huawei's simple authentication), while a fresh one passes; a reset
// renews it.  A short age (a few seconds) stands in for days.  A vendor's
// reset under a minimum grace keeps the replaced secret valid for it.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {after, before, describe, test} from 'node:test';

import {rawCall as aliCall} from './lib/alibaba.mjs';
import {client as authingClient} from './lib/authing.mjs';
import {eventually, startGateway} from './lib/gateway.mjs';
import {call as huaweiCall} from './lib/huawei.mjs';
import {rawCall as tcCall} from './lib/tencent.mjs';
import {ADMIN_ID, ADMIN_SECRET} from './lib/tollgated.mjs';

const AGE = 3;  // seconds

let gw, app, secret, code;

before(async () => {
  gw = await startGateway({
    tollgatedArgs: ['--app-write-rate', '0', '--code-reset-interval', '0'],
    locations: (upstream) => `
    location / {
      tollgate on;
      tollgate_api default;
      add_header X-Tollgate-Error $tollgate_error always;
      proxy_pass ${upstream};
    }`,
  });
  const api = await gw.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
  assert.equal(api.status, 201, api.text);
});

after(async () => {
  await gw.stop();
});

// Alibaba's X-Ca signature (reference/alibaba.md section 4.2).
async function byXca(key, sk, pathname = '/release/orders') {
  const h = {
    'x-ca-key': key,
    'x-ca-nonce': crypto.randomUUID(),
    'x-ca-timestamp': String(Date.now()),
    accept: 'application/json',
  };
  const names = ['x-ca-key', 'x-ca-nonce', 'x-ca-timestamp'];
  const sts =
      ['GET', h.accept, '', '', '', ...names.map((n) => `${n}:${h[n]}`), pathname].join('\n');
  h['x-ca-signature-headers'] = names.join(',');
  h['x-ca-signature'] = crypto.createHmac('sha256', sk).update(sts).digest('base64');
  const res = await fetch(`${gw.url}${pathname}`, {headers: h});
  await res.arrayBuffer();
  return {status: res.status, message: res.headers.get('x-ca-error-message')};
}

// Tencent's hmac application authentication (Kong's hmac-auth).
async function byTencent(key, sk, pathname = '/release/orders') {
  const headers = {'X-Date': new Date().toUTCString(), 'Accept': 'application/json'};
  const sts = [
    `x-date: ${headers['X-Date']}`, 'GET', headers.Accept, '', '',
    pathname.replace(/^\/release/, '')
  ].join('\n');
  const signature = crypto.createHmac('sha1', sk).update(sts).digest('base64');
  headers.Authorization =
      `hmac id="${key}", algorithm="hmac-sha1", headers="x-date", signature="${signature}"`;
  const res = await fetch(`${gw.url}${pathname}`, {headers});
  const text = await res.text();
  return {status: res.status, message: res.status === 401 ? JSON.parse(text).message : null};
}

async function byHuawei(key, sk, pathname = '/release/orders') {
  const res = await huaweiCall(gw.url, 'GET', pathname, {ak: key, sk});
  return {status: res.status, code: res.json?.error_code, message: res.json?.error_msg};
}

async function byAppCode(value, pathname = '/release/orders') {
  const res = await fetch(`${gw.url}${pathname}`, {headers: {authorization: `APPCODE ${value}`}});
  await res.arrayBuffer();
  return {status: res.status, message: res.headers.get('x-ca-error-message')};
}

async function byHuaweiAppCode(value, pathname = '/release/orders') {
  const res = await fetch(`${gw.url}${pathname}`, {headers: {'X-Apig-AppCode': value}});
  const text = await res.text();
  return {status: res.status, json: res.status === 200 ? null : JSON.parse(text)};
}

async function allPass(key, sk) {
  return (await byXca(key, sk)).status === 200 && (await byHuawei(key, sk)).status === 200 &&
      (await byTencent(key, sk)).status === 200;
}

async function setAge(age) {
  const res = await gw.admin.call('PATCH', '/v1/accounts/default', {body: {max_secret_age: age}});
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.credential_policy.max_secret_age, age);
}

describe('a secret past its account\'s maximum age', () => {
  before(async () => {
    const made = await gw.admin.call(
        'POST', '/v1/apps', {body: {name: 'aging_app', generate_app_code: true}});
    assert.equal(made.status, 201, made.text);
    app = made.json;
    secret = app.app_secret;
    code = app.app_codes[0];
    const grant = await gw.admin.call('PUT', `/v1/apps/${app.id}/grants/default`, {body: {}});
    assert.equal(grant.status, 201, grant.text);
    await eventually(() => allPass(app.app_key, secret));
  });

  test('is refused in every scheme\'s shape, and a reset renews it', async () => {
    // Setting the age re-projects the account's apps: an old secret is
    // refused without any change to the app itself.
    await setAge(AGE);
    await eventually(
        async () => (await byXca(app.app_key, secret)).status !== 200, AGE * 1000 + 5000);

    const xca = await byXca(app.app_key, secret);
    assert.equal(xca.status, 401);
    assert.match(xca.message, /^AppSecret Expired/);

    const hw = await byHuawei(app.app_key, secret);
    assert.equal(hw.status, 401);
    assert.equal(hw.code, 'APIG.0303');
    assert.match(hw.message, /app secret expired/);

    const tc = await byTencent(app.app_key, secret);
    assert.equal(tc.status, 401);
    assert.match(tc.message, /secret has expired/);

    // A wrong secret is still a bad signature, not an expired one: the
    // refusal tells nothing to who does not hold the secret.
    const wrong = await byXca(app.app_key, 'not-the-secret');
    assert.equal(wrong.status, 400);
    assert.match(wrong.message, /^Invalid Signature/);

    // The reset gives a fresh secret, valid for AGE seconds again.
    const reset = await gw.admin.call('POST', `/v1/apps/${app.id}/reset-secret`);
    assert.equal(reset.status, 200, reset.text);
    secret = reset.json.app_secret;
    await eventually(() => allPass(app.app_key, secret));
  });

  test('an AppCode past the age is refused in both simple schemes; a reset renews it', async () => {
    // The code was made with the app, before the first test: by now it
    // is older than AGE.
    await setAge(AGE);
    await eventually(
        async () => (await byAppCode(code.app_code)).status === 401, AGE * 1000 + 5000);
    const ali = await byAppCode(code.app_code);
    assert.match(ali.message, /^AppCode Expired/);
    const hw = await byHuaweiAppCode(code.app_code);
    assert.equal(hw.status, 401);
    assert.equal(hw.json.error_code, 'APIG.0303');
    assert.match(hw.json.error_msg, /appcode expired/);
    // An unknown code is still unknown.
    assert.match((await byAppCode('x'.repeat(64))).message, /not exists/);

    const reset = await gw.admin.call('POST', `/v1/apps/${app.id}/codes/${code.id}/reset`);
    assert.equal(reset.status, 200, reset.text);
    code = reset.json;
    // The code shows its own expiry, AGE from its reset.
    assert.equal(
        Date.parse(code.secret_expires_at), Date.parse(code.updated_at) + AGE * 1000, reset.text);
    const codes = await gw.admin.call('GET', `/v1/apps/${app.id}/codes`);
    assert.equal(codes.json.items[0].secret_expires_at, code.secret_expires_at, codes.text);
    await eventually(async () => (await byAppCode(code.app_code)).status === 200);
    assert.equal((await byHuaweiAppCode(code.app_code)).status, 200);
  });

  test('an age lifted lets the secret pass again', async () => {
    await setAge(AGE);
    await eventually(
        async () => (await byXca(app.app_key, secret)).status === 401, AGE * 1000 + 5000);
    await setAge(null);
    await eventually(() => allPass(app.app_key, secret));
  });
});

// A vendor's reset carries no grace: in an account with a minimum grace
// it gets that grace, so the replaced secret stays valid at the gateway
// until the grace ends, whichever dialect reset it.
describe('a vendor reset under a minimum grace', () => {
  const GRACE = 6;  // seconds
  let graceApp, current;

  before(async () => {
    const res = await gw.admin.call('PATCH', '/v1/accounts/default', {body: {min_grace: GRACE}});
    assert.equal(res.status, 200, res.text);
    const made = await gw.admin.call('POST', '/v1/apps', {body: {name: 'grace_app'}});
    assert.equal(made.status, 201, made.text);
    graceApp = made.json;
    current = graceApp.app_secret;
    const grant = await gw.admin.call('PUT', `/v1/apps/${graceApp.id}/grants/default`, {body: {}});
    assert.equal(grant.status, 201, grant.text);
    await eventually(async () => (await byXca(graceApp.app_key, current)).status === 200);
  });

  after(async () => {
    await gw.admin.call('PATCH', '/v1/accounts/default', {body: {min_grace: 0}});
  });

  const project = async () => (await gw.admin.call('GET', '/v1/whoami')).json.account_id;
  const huawei = async (method, route, data) => huaweiCall(
      gw.admin.url, method, `/v2/${await project()}/apigw/instances/default${route}`,
      {ak: ADMIN_ID, sk: ADMIN_SECRET, data});
  const tcId = (a) => `app-${BigInt(a.app_id).toString(36)}`;
  let n = 0;

  // Each reset answers the new secret: chosen, or shown (Authing).
  const resets = {
    'Alibaba ResetAppSecret': async () => {
      const secret = `Ali_Grace_Secret_${++n}`;
      const res = await aliCall(
          gw.admin, 'ResetAppSecret', {AppKey: graceApp.app_key, NewAppSecret: secret});
      assert.equal(res.status, 200, res.text);
      return secret;
    },
    'Huawei reset': async () => {
      const secret = `Hw_Grace_Secret_${++n}`;
      const res = await huawei('PUT', `/apps/secret/${graceApp.id}`, {app_secret: secret});
      assert.equal(res.status, 200, res.text);
      return secret;
    },
    'Huawei modify': async () => {
      const secret = `Hw_Modify_Secret_${++n}`;
      const res =
          await huawei('PUT', `/apps/${graceApp.id}`, {name: graceApp.name, app_secret: secret});
      assert.equal(res.status, 200, res.text);
      return secret;
    },
    'Tencent UpdateApiAppKey': async () => {
      const secret = `Tc_Grace_Secret_${++n}`;
      const res = await tcCall(
          gw.admin, 'UpdateApiAppKey',
          {ApiAppId: tcId(graceApp), ApiAppKey: graceApp.app_key, ApiAppSecret: secret});
      assert.equal(res.json.Response.Error, undefined, res.text);
      return secret;
    },
    'Authing refresh': async () => {
      const res = await authingClient(gw.admin).refreshApplicationSecret({appId: graceApp.id});
      assert.equal(res.statusCode, 200, JSON.stringify(res));
      return res.data.secret;
    },
  };

  for (const [name, reset] of Object.entries(resets)) {
    test(`${name}: the replaced secret passes until the grace ends`, async () => {
      const old = current;
      const t = Date.now();
      current = await reset();
      assert.notEqual(current, old);
      // Both pass while the grace lasts (the projection follows at once).
      await eventually(async () => (await byXca(graceApp.app_key, current)).status === 200);
      assert.equal((await byXca(graceApp.app_key, old)).status, 200, 'within the grace');
      // Then the replaced one is refused, and no sooner than its grace.
      await eventually(
          async () => (await byXca(graceApp.app_key, old)).status !== 200, GRACE * 1000 + 5000);
      assert.ok(Date.now() - t >= GRACE * 1000 - 100, 'refused before its grace ended');
      assert.equal((await byXca(graceApp.app_key, current)).status, 200);
    });
  }
});

// Every key pair ages on its own: a second pair past the age is refused
// like the primary one, the listing shows each pair's own expiry, and a
// reset of one pair renews that pair alone.
describe('a second key pair past the maximum age', () => {
  let pairApp, second;

  before(async () => {
    const made = await gw.admin.call('POST', '/v1/apps', {body: {name: 'two_pairs'}});
    assert.equal(made.status, 201, made.text);
    pairApp = made.json;
    const grant = await gw.admin.call('PUT', `/v1/apps/${pairApp.id}/grants/default`, {body: {}});
    assert.equal(grant.status, 201, grant.text);
    // One second apart, so that the two pairs expire apart.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const added = await gw.admin.call('POST', `/v1/apps/${pairApp.id}/keys`, {body: {}});
    assert.equal(added.status, 201, added.text);
    second = added.json;
    await eventually(() => allPass(second.app_key, second.app_secret));
  });

  after(async () => {
    await setAge(null);
  });

  const listed = async () => {
    const res = await gw.admin.call('GET', `/v1/apps/${pairApp.id}/keys`);
    assert.equal(res.status, 200, res.text);
    return Object.fromEntries(res.json.items.map((k) => [k.id, k]));
  };

  test('is refused in every scheme, and listed with its own expiry', async () => {
    let pairs = await listed();
    assert.equal(pairs[second.id].secret_expires_at, null);

    await setAge(AGE);
    pairs = await listed();
    for (const pair of Object.values(pairs)) {
      // Not reset: its secret was set when the pair was made.
      assert.equal(
          Date.parse(pair.secret_expires_at), Date.parse(pair.created_at) + AGE * 1000,
          JSON.stringify(pair));
    }
    const primary = Object.values(pairs).find((k) => k.primary);
    assert.ok(
        Date.parse(pairs[second.id].secret_expires_at) > Date.parse(primary.secret_expires_at));

    await eventually(
        async () => (await byXca(second.app_key, second.app_secret)).status === 401,
        AGE * 1000 + 5000);
    assert.match((await byXca(second.app_key, second.app_secret)).message, /^AppSecret Expired/);
    const hw = await byHuawei(second.app_key, second.app_secret);
    assert.equal(hw.status, 401);
    assert.match(hw.message, /app secret expired/);
    const tc = await byTencent(second.app_key, second.app_secret);
    assert.equal(tc.status, 401);
    assert.match(tc.message, /secret has expired/);
  });

  test('a reset of the second pair renews it alone', async () => {
    const before = await listed();
    const reset =
        await gw.admin.call('POST', `/v1/apps/${pairApp.id}/keys/${second.id}/reset-secret`);
    assert.equal(reset.status, 200, reset.text);
    assert.ok(
        Date.parse(reset.json.secret_expires_at) > Date.parse(before[second.id].secret_expires_at),
        reset.text);
    await eventually(() => allPass(second.app_key, reset.json.app_secret));

    const after = await listed();
    assert.equal(after[second.id].secret_expires_at, reset.json.secret_expires_at);
    const primary = Object.values(after).find((k) => k.primary);
    assert.equal(primary.secret_expires_at, before[primary.id].secret_expires_at);
    assert.equal((await byXca(pairApp.app_key, pairApp.app_secret)).status, 401);
  });
});
