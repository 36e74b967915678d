// The Authing dialect with authing-node-sdk 4.x unchanged (its
// ManagementClient, host set to tollgated): refresh an application's
// secret and read it back, the application reads, Authing's errors and
// apiCodes; then the signature's rules with raw calls signed by the
// SDK's own functions: a wrong signature, a replayed nonce, a date
// outside the window, repeated headers, unsigned changes, and GenAuth's
// variant of the signature.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {assertError, client, nativeApp, sign, signedCall, tenant} from './lib/authing.mjs';
import {ADMIN_ID, startTollgated} from './lib/tollgated.mjs';

let d, admin, app;

before(async () => {
  d = await startTollgated();
  admin = client(d);
  app = await nativeApp(d, 'authing_app');
});

after(async () => {
  await d.stop();
});

const ID = /^[0-9a-f]{32}$/;
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('the SDK\'s own functions give the unit tests\' vectors (lib/authing_sign.c)', () => {
  // test/unit/test_authing_sign.c checks the C code against these.
  const headers = {
    'accept': 'application/json',
    'x-authing-signature-nonce': '0123456789abcdef0123456789abcdef',
    'x-authing-signature-method': 'HMAC-SHA1',
    'x-authing-signature-version': '1.0',
    'x-authing-sdk-version': 'authing-node-sdk:4.0.1',
    'x-authing-lang': 'zh-CN',
    'date': 'Mon, 23 Nov 2026 04:00:00 GMT',
  };
  const vector = (method, path, params) =>
      sign.buildSignature('test-secret', sign.buildStringToSign(method, path, headers, params));
  assert.equal(
      vector('POST', '/api/v3/refresh-application-secret', {appId: '6229ffa1234567890cade3e3d9'}),
      'vhFke4eSQqWLBaTy7SgtRbCs2VA=');
  assert.equal(
      vector('GET', '/api/v3/list-applications', {
        page: 1,
        limit: 10,
        isIntegrateApp: false,
        isSelfBuiltApp: false,
        ssoEnabled: false,
        keywords: undefined,
        all: undefined,
      }),
      'n8OvUQ6C0F30ut8oerKI92lodEg=');
  assert.equal(
      vector('GET', '/api/v3/get-application', {appId: undefined}), 'TBJKA6Rv/kG7qSWdbhVOnx12xvI=');
  assert.equal(
      vector('POST', '/x', {
        '\uffff': 'a',
        '\u{1F600}': 'b',
        'Z': 'c',
        'a': {k: [1, 'x']},
        'n': null,
        't': true,
      }),
      '3UQL5iUSoBhIpz+Oo6Je4cbOz2w=');
});

describe('the SDK, signed', () => {
  test('refreshApplicationSecret returns the new secret, as the seed shows', async () => {
    const before = (await d.call('GET', `/v1/apps/${app.id}/secret`)).json;
    const res = await admin.refreshApplicationSecret({appId: app.id});
    assert.deepEqual(Object.keys(res).sort(), ['data', 'message', 'requestId', 'statusCode']);
    assert.equal(res.statusCode, 200);
    assert.equal(typeof res.message, 'string');
    assert.match(res.requestId, REQUEST_ID);
    assert.deepEqual(Object.keys(res.data), ['secret']);
    assert.notEqual(res.data.secret, before.app_secret);

    // What the native API reveals, and what Authing's read returns.
    const after = (await d.call('GET', `/v1/apps/${app.id}/secret`)).json;
    assert.equal(after.app_secret, res.data.secret);
    const read = await admin.getApplicationSecret({appId: app.id});
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.data, {secret: res.data.secret});

    // Each refresh makes another.
    const again = await admin.refreshApplicationSecret({appId: app.id});
    assert.notEqual(again.data.secret, res.data.secret);
  });

  test('getApplication and listApplications in Authing\'s shapes', async () => {
    const who = (await d.call('GET', '/v1/whoami')).json;
    const one = await admin.getApplication({appId: app.id});
    assert.equal(one.statusCode, 200);
    assert.equal(one.data.appId, app.id);
    assert.equal(one.data.appName, 'authing_app');
    assert.equal(one.data.userPoolId, who.account_id);
    assert.equal(one.data.isIntegrateApp, false);
    assert.equal(one.data.ssoEnabled, false);
    assert.deepEqual(one.data.redirectUris, []);
    assert.equal(one.data.appSecret, undefined);

    for (let i = 0; i < 4; i++) {
      await nativeApp(d, `listed_${i}`);
    }
    const page1 = await admin.listApplications({page: 1, limit: 2});
    assert.equal(page1.statusCode, 200);
    assert.equal(page1.data.totalCount, 5);
    assert.equal(page1.data.list.length, 2);
    const page3 = await admin.listApplications({page: 3, limit: 2});
    assert.equal(page3.data.list.length, 1);
    const ids = new Set([...page1.data.list, ...page3.data.list].map((a) => a.appId));
    assert.equal(ids.size, 3);
    for (const a of page1.data.list) {
      assert.match(a.appId, ID);
    }
    const defaults = await admin.listApplications({});
    assert.equal(defaults.data.list.length, 5);
    // Tollgate's apps are self-built, without single sign-on.
    assert.equal((await admin.listApplications({isIntegrateApp: true})).data.totalCount, 0);
    assert.equal((await admin.listApplications({ssoEnabled: true})).data.totalCount, 0);
  });

  test('an unknown app is 2011, a missing appId 2010, bad paging 400', async () => {
    assertError(await admin.refreshApplicationSecret({appId: 'f'.repeat(32)}), 404, 2011);
    assertError(await admin.getApplicationSecret({appId: '6229ffa1234567890cade3e3d9'}), 404, 2011);
    assertError(await admin.getApplication({appId: app.id.toUpperCase()}), 404, 2011);
    // The numeric AppId is Alibaba's, not Authing's.
    assertError(await admin.getApplication({appId: String(app.app_id)}), 404, 2011);
    assertError(await admin.refreshApplicationSecret({}), 400, 2010);
    assertError(await admin.refreshApplicationSecret({appId: 7}), 400, 2010);
    // The SDK signs a bare "?" when every parameter is undefined.
    assertError(await admin.getApplication({}), 400, 2010);
    assertError(await admin.listApplications({page: 0}), 400, 400);
    assertError(await admin.listApplications({limit: 101}), 400, 400);
    assert.equal((await admin.listApplications({limit: 100})).statusCode, 200);
  });

  test('another pool\'s app is unknown to a member key', async () => {
    const alice = await tenant(d, 'alice');
    const mine = await nativeApp(d, 'alice_app', [alice.id, alice.secret]);
    const asAlice = client(d, alice);
    assert.equal((await asAlice.getApplication({appId: mine.id})).statusCode, 200);
    assertError(await asAlice.refreshApplicationSecret({appId: app.id}), 404, 2011);
    assertError(await asAlice.getApplicationSecret({appId: app.id}), 404, 2011);
    const list = await asAlice.listApplications({});
    assert.deepEqual(list.data.list.map((a) => a.appId), [mine.id]);
  });

  test('a wrong secret or an unknown key is refused (2020)', async () => {
    assertError(
        await client(d, {secret: 'not-the-secret'}).refreshApplicationSecret({appId: app.id}), 401,
        2020);
    assertError(
        await client(d, {id: 'TGnoSuchKey000000000000'}).getApplication({appId: app.id}), 401,
        2020);
  });
});

describe('the signature\'s rules', () => {
  const path = '/api/v3/get-application-secret';

  test('a call signed by the SDK\'s functions passes; its nonce passes once', async () => {
    const nonce = sign.makeNonce();
    const first = await signedCall(d, 'GET', path, {appId: app.id}, {nonce});
    assert.equal(first.json.statusCode, 200, first.text);
    const replay = await signedCall(d, 'GET', path, {appId: app.id}, {nonce});
    assertError(replay, 401, 2020);
    assert.match(replay.json.message, /nonce/);
    // The same nonce for another key is that key's own.
    const bob = await tenant(d, 'bob');
    assertError(
        await signedCall(d, 'GET', path, {appId: app.id}, {nonce, id: bob.id, secret: bob.secret}),
        404, 2011);
  });

  test('the date must be within 15 minutes either way', async () => {
    const min = 60 * 1000;
    for (const skew of [-14 * min, 14 * min]) {
      const ok =
          await signedCall(d, 'GET', path, {appId: app.id}, {date: new Date(Date.now() + skew)});
      assert.equal(ok.json.statusCode, 200, ok.text);
    }
    for (const skew of [-16 * min, 16 * min]) {
      const late =
          await signedCall(d, 'GET', path, {appId: app.id}, {date: new Date(Date.now() + skew)});
      assertError(late, 401, 2020);
      assert.match(late.json.message, /window/);
    }
  });

  test('a signature that does not match is refused, and the body is signed', async () => {
    assertError(await signedCall(d, 'GET', path, {appId: app.id}, {secret: 'wrong'}), 401, 2020);
    // Parameters changed after signing (query and JSON body).
    assertError(
        await signedCall(
            d, 'GET', path, {appId: app.id}, {tamper: () => ({appId: 'f'.repeat(32)})}),
        401, 2020);
    assertError(
        await signedCall(
            d, 'POST', '/api/v3/refresh-application-secret', {appId: app.id},
            {tamper: (p) => ({...p, extra: 1})}),
        401, 2020);
    // A signed header changed, or an x-authing-* header added after signing.
    assertError(
        await signedCall(d, 'GET', path, {appId: app.id}, {headers: {'x-authing-lang': 'en-US'}}),
        401, 2020);
    assertError(
        await signedCall(d, 'GET', path, {appId: app.id}, {headers: {'x-authing-app-id': 'x'}}),
        401, 2020);
    // An unsigned header may be added.
    const extra = await signedCall(d, 'GET', path, {appId: app.id}, {headers: {'x-other': '1'}});
    assert.equal(extra.json.statusCode, 200, extra.text);
  });

  test('JSON body fields are signed as the SDK renders them', async () => {
    const res = await signedCall(d, 'POST', '/api/v3/refresh-application-secret', {
      appId: app.id,
      n: 1.5,
      big: 12345678901,
      t: true,
      z: null,
      o: {k: [1, 'x', {y: false}]},
      '\u{1F600}': 'sorted as UTF-16',
      '\uffff': 'after it',
    });
    assert.equal(res.json.statusCode, 200, res.text);
  });

  test('missing, malformed or repeated parts are refused', async () => {
    const url = `${d.url}${path}?appId=${app.id}`;
    const none = await fetch(url);
    assertError({status: none.status, json: await none.json()}, 401, 2020);
    const bad = await fetch(url, {headers: {authorization: `authing ${ADMIN_ID}`}});
    assertError({status: bad.status, json: await bad.json()}, 401, 2020);
    // Without a date, or a nonce.
    for (const drop of ['date', 'x-authing-signature-nonce']) {
      const res = await signedCall(d, 'GET', path, {appId: app.id}, {headers: {[drop]: ''}});
      assertError(res, 401, 2020);
    }
    // An unsupported signature method.
    assertError(
        await signedCall(
            d, 'GET', path, {appId: app.id},
            {headers: {'x-authing-signature-method': 'HMAC-SHA256'}}),
        401, 2020);
    // A parameter sent twice.
    const twice = await signedCall(d, 'GET', path, {appId: app.id});
    assert.equal(twice.json.statusCode, 200);
    const res = await fetch(`${url}&appId=${app.id}`, {headers: {authorization: 'authing a:b'}});
    assertError({status: res.status, json: await res.json()}, 400, 400);
    // A body that is not a JSON object, or repeats a field.
    for (const raw of ['[1]', '{"appId":"a","appId":"b"}', '{', '"x"']) {
      const r =
          await signedCall(d, 'POST', '/api/v3/refresh-application-secret', {appId: app.id}, {raw});
      assertError(r, 400, 400);
    }
  });

  test('the GenAuth variant: "GenAuth <id>:<sig>" over x-genauth-* headers', async () => {
    const res = await signedCall(
        d, 'POST', '/api/v3/refresh-application-secret', {appId: app.id}, {genauth: true});
    assert.equal(res.json.statusCode, 200, res.text);
    const revealed = (await d.call('GET', `/v1/apps/${app.id}/secret`)).json;
    assert.equal(revealed.app_secret, res.json.data.secret);
    const nonce = sign.makeNonce();
    assert.equal(
        (await signedCall(d, 'GET', path, {appId: app.id}, {genauth: true, nonce})).json.statusCode,
        200);
    assertError(
        await signedCall(d, 'GET', path, {appId: app.id}, {genauth: true, nonce}), 401, 2020);
    assertError(
        await signedCall(d, 'GET', path, {appId: app.id}, {genauth: true, secret: 'x'}), 401, 2020);
  });

  test('unknown routes and methods, and a body too large', async () => {
    const r = await d.call('GET', '/api/v3/create-application', {auth: null});
    assertError(r, 404, 404);
    const m = await d.call('GET', '/api/v3/refresh-application-secret', {auth: null});
    assertError(m, 405, 405);
    const big = await d.call(
        'POST', '/api/v3/refresh-application-secret',
        {auth: null, raw: 'x'.repeat(70000), headers: {'content-type': 'application/json'}});
    assertError(big, 413, 413);
  });
});
