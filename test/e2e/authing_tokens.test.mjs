// The Authing dialect's token mode, over plain HTTP as the reference
// describes it (authing-node-sdk 4.x signs every call and has no token
// client): get-management-token trades an access key for a token that
// expires; calls carry it with the user pool (a Tollgate account) they
// act on, and a token acts on its own pool only.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {assertError, managementToken, nativeApp, tenant, tokenCall} from './lib/authing.mjs';
import {ADMIN_ID, startTollgated} from './lib/tollgated.mjs';

let d, alice, bob, aliceApp, bobApp;

before(async () => {
  d = await startTollgated();
  alice = await tenant(d, 'alice');
  bob = await tenant(d, 'bob');
  aliceApp = await nativeApp(d, 'alice_app', [alice.id, alice.secret]);
  bobApp = await nativeApp(d, 'bob_app', [bob.id, bob.secret]);
});

after(async () => {
  await d.stop();
});

const secretOf = async (id) => (await d.call('GET', `/v1/apps/${id}/secret`)).json.app_secret;

describe('get-management-token', () => {
  test('returns a token that expires in 7200 s by default', async () => {
    const data = await managementToken(d, alice.id, alice.secret);
    assert.deepEqual(Object.keys(data).sort(), ['access_token', 'expires_in']);
    assert.equal(data.expires_in, 7200);
    // A JWT whose claims name the pool; Tollgate signs it.
    const [header, payload, mac] = data.access_token.split('.');
    assert.ok(mac.length > 0);
    assert.equal(JSON.parse(Buffer.from(header, 'base64url')).alg, 'HS256');
    const claims = JSON.parse(Buffer.from(payload, 'base64url'));
    assert.equal(claims.scoped_userpool_id, alice.account.id);
    assert.equal(claims.sub, alice.id);
    assert.equal(claims.exp - claims.iat, 7200);
    // Issuing it is audited, without the token.
    const audit = await d.call('GET', `/v1/audit?actor=${alice.id}&action=token.issue`);
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.json.items.length, 1, audit.text);
    assert.equal(audit.json.items[0].result, 'success');
    assert.doesNotMatch(audit.text, new RegExp(data.access_token.split('.')[2]));
  });

  test('refuses wrong or missing credentials', async () => {
    const wrong = await d.call(
        'POST', '/api/v3/get-management-token',
        {auth: null, body: {accessKeyId: alice.id, accessKeySecret: 'x'}});
    assertError(wrong, 401, 2020);
    assert.doesNotMatch(wrong.text, /access_token/);
    const missing = await d.call(
        'POST', '/api/v3/get-management-token', {auth: null, body: {accessKeyId: alice.id}});
    assertError(missing, 400, 400);
    const typed = await d.call(
        'POST', '/api/v3/get-management-token',
        {auth: null, body: {accessKeyId: alice.id, accessKeySecret: 5}});
    assertError(typed, 400, 400);
  });
});

describe('calls with a token', () => {
  test('refresh and read back with the token and its pool', async () => {
    const {access_token: token} = await managementToken(d, alice.id, alice.secret);
    const res = await tokenCall(
        d, 'POST', '/api/v3/refresh-application-secret', token, alice.account.id,
        {body: {appId: aliceApp.id}});
    assert.equal(res.json.statusCode, 200, res.text);
    assert.equal(res.json.data.secret, await secretOf(aliceApp.id));
    const read = await tokenCall(
        d, 'GET', `/api/v3/get-application-secret?appId=${aliceApp.id}`, token, alice.account.id);
    assert.deepEqual(read.json.data, {secret: res.json.data.secret});
    const list = await tokenCall(
        d, 'GET', '/api/v3/list-applications?page=1&limit=10', token, alice.account.id);
    assert.deepEqual(list.json.data.list.map((a) => a.appId), [aliceApp.id]);
    // An unknown app is still 2011.
    assertError(
        await tokenCall(
            d, 'GET', `/api/v3/get-application?appId=${'0'.repeat(32)}`, token, alice.account.id),
        404, 2011);
  });

  test('a token used on another pool is refused', async () => {
    const {access_token: token} = await managementToken(d, alice.id, alice.secret);
    const before = await secretOf(bobApp.id);
    const other = await tokenCall(
        d, 'POST', '/api/v3/refresh-application-secret', token, bob.account.id,
        {body: {appId: bobApp.id}});
    assertError(other, 403, 1001);
    // In its own pool, another pool's app is unknown.
    assertError(
        await tokenCall(
            d, 'POST', '/api/v3/refresh-application-secret', token, alice.account.id,
            {body: {appId: bobApp.id}}),
        404, 2011);
    assert.equal(await secretOf(bobApp.id), before);
  });

  test('an admin key\'s token acts within its own pool only', async () => {
    const {access_token: token} = await managementToken(d);
    const who = (await d.call('GET', '/v1/whoami')).json;
    assertError(
        await tokenCall(
            d, 'GET', `/api/v3/get-application?appId=${aliceApp.id}`, token, who.account_id),
        404, 2011);
    assertError(
        await tokenCall(
            d, 'GET', `/api/v3/get-application?appId=${aliceApp.id}`, token, alice.account.id),
        403, 1001);
    assert.equal(ADMIN_ID, who.access_key_id);
  });

  test('a token without its pool, tampered with, or of a disabled key is refused', async () => {
    const {access_token: token} = await managementToken(d, bob.id, bob.secret);
    const url = `/api/v3/get-application?appId=${bobApp.id}`;
    assert.equal((await tokenCall(d, 'GET', url, token, bob.account.id)).json.statusCode, 200);
    assertError(await tokenCall(d, 'GET', url, token), 401, 2020);
    assertError(await tokenCall(d, 'GET', url, token, ''), 401, 2020);

    // Claims rewritten to another pool: the MAC no longer holds.
    const [h, p, mac] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    claims.scoped_userpool_id = alice.account.id;
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mac}`;
    assertError(await tokenCall(d, 'GET', url, forged, alice.account.id), 401, 2020);
    assertError(await tokenCall(d, 'GET', url, `${h}.${p}.`, bob.account.id), 401, 2020);
    assertError(await tokenCall(d, 'GET', url, 'x'.repeat(5000), bob.account.id), 401, 2020);
    assertError(await tokenCall(d, 'GET', url, 'a.b.c', bob.account.id), 401, 2020);

    // Disabling the key revokes its tokens; enabling it restores them.
    const path = `/v1/accounts/bob/access-keys/${bob.id}`;
    assert.equal((await d.call('PATCH', path, {body: {status: 'disabled'}})).status, 200);
    assertError(await tokenCall(d, 'GET', url, token, bob.account.id), 403, 1001);
    assert.equal((await d.call('PATCH', path, {body: {status: 'enabled'}})).status, 200);
    assert.equal((await tokenCall(d, 'GET', url, token, bob.account.id)).json.statusCode, 200);
  });
});

test('a token expires after --authing-token-seconds', async () => {
  const short = await startTollgated({args: ['--authing-token-seconds', '1']});
  try {
    const app = await nativeApp(short, 'short_lived');
    const who = (await short.call('GET', '/v1/whoami')).json;
    const data = await managementToken(short);
    assert.equal(data.expires_in, 1);
    const url = `/api/v3/get-application?appId=${app.id}`;
    assert.equal(
        (await tokenCall(short, 'GET', url, data.access_token, who.account_id)).json.statusCode,
        200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const late = await tokenCall(short, 'GET', url, data.access_token, who.account_id);
    assertError(late, 401, 2020);
    assert.match(late.json.message, /expired/);
  } finally {
    await short.stop();
  }
});
