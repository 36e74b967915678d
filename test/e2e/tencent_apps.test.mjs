// The Tencent dialect's app actions with Tencent's own SDK
// (tencentcloud-sdk-nodejs, apigateway v20180808), unchanged: every
// action, its documented failures (unknown app, bad format, limits), the
// TC3 signature's refusals (bad, expired, replayed, unknown key), the
// 20 calls a second per action and account, and the same app read
// through the native API.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {rawCall, rejects, tencentClient} from './lib/tencent.mjs';
import {ADMIN_ID, ADMIN_SECRET, startTollgated} from './lib/tollgated.mjs';

let d, tc;

before(async () => {
  d = await startTollgated();
  tc = tencentClient(d);
});

after(async () => {
  await d.stop();
});

// Waits for the 20-a-second buckets to refill before a test that makes
// many calls of one action.
const refill = () => new Promise((r) => setTimeout(r, 1100));

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const APP_ID = /^app-[0-9a-z]+$/;

// The SDK's error for a call that must fail: its code; the raw answer is
// an HTTP 200 with Response.Error, as Tencent does.
async function fails(action, params, code) {
  const e = await rejects(() => tc[action](params));
  assert.equal(e.code, code, e.message);
  assert.ok(e.requestId, 'an error carries the RequestId');
  const raw = await rawCall(d, action, params);
  assert.equal(raw.status, 200, raw.text);
  assert.equal(raw.json.Response.Error.Code, code, raw.text);
  return e;
}

async function create(name, desc) {
  const res = await tc.CreateApiApp({ApiAppName: name, ApiAppDesc: desc});
  return res.Result;
}

async function info(id) {
  const res = await tc.DescribeApiAppsStatus({Filters: [{Name: 'ApiAppId', Values: [id]}]});
  assert.equal(res.Result.TotalCount, 1);
  return res.Result.ApiAppSet[0];
}

// The native id of an app, found by its name.
async function nativeApp(name) {
  const res = await d.call('GET', `/v1/apps?name=${encodeURIComponent(name)}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.items.length, 1, res.text);
  return res.json.items[0];
}

describe('CreateApiApp', () => {
  test('answers the ApiAppInfo with the key and secret in clear', async () => {
    const res = await tc.CreateApiApp({ApiAppName: 'tc_create', ApiAppDesc: 'first app'});
    assert.match(res.RequestId, /^[0-9a-f-]{36}$/);
    const app = res.Result;
    assert.deepEqual(Object.keys(app).sort(), [
      'ApiAppDesc', 'ApiAppId', 'ApiAppKey', 'ApiAppName', 'ApiAppSecret', 'CreatedTime',
      'ModifiedTime'
    ]);
    assert.match(app.ApiAppId, APP_ID);
    assert.equal(app.ApiAppName, 'tc_create');
    assert.equal(app.ApiAppDesc, 'first app');
    assert.ok(app.ApiAppKey.length >= 8);
    assert.ok(app.ApiAppSecret.length >= 8 && !app.ApiAppSecret.includes('*'));
    assert.match(app.CreatedTime, TIME);
    assert.match(app.ModifiedTime, TIME);

    // The same app, secret and all, in the native API.
    const native = await nativeApp('tc_create');
    const secret = await d.call('GET', `/v1/apps/${native.id}/secret`);
    assert.equal(secret.json.app_key, app.ApiAppKey);
    assert.equal(secret.json.app_secret, app.ApiAppSecret);
  });

  test('refuses a missing or repeated name and unknown parameters', async () => {
    await fails('CreateApiApp', {ApiAppDesc: 'x'}, 'MissingParameter');
    await create('tc_dup');
    await fails(
        'CreateApiApp', {ApiAppName: 'tc_dup', ApiAppDesc: 'again'}, 'InvalidParameterValue');
    await fails('CreateApiApp', {ApiAppName: 'tc_x', AppKey: 'k'}, 'UnknownParameter');
    await fails('CreateApiApp', {ApiAppName: 42}, 'InvalidParameter.FormatError');
  });

  test('refuses an app beyond the account quota', async () => {
    const account =
        (await d.call('POST', '/v1/accounts', {body: {name: 'tc-quota', app_quota: 1}})).json;
    const key = (await d.call('POST', `/v1/accounts/${account.id}/access-keys`)).json;
    const other = tencentClient(d, {id: key.id, secret: key.secret});
    await other.CreateApiApp({ApiAppName: 'tc_quota_1'});
    const e = await rejects(() => other.CreateApiApp({ApiAppName: 'tc_quota_2'}));
    assert.equal(e.code, 'LimitExceeded.ApiAppCountLimitExceeded');

    // Another account's app reads as unknown.
    const mine = await create('tc_not_theirs');
    const e2 = await rejects(() => other.DeleteApiApp({ApiAppId: mine.ApiAppId}));
    assert.equal(e2.code, 'ResourceNotFound.InvalidApiApp');
  });
});

describe('ModifyApiApp, DeleteApiApp, DescribeApiApp', () => {
  test('modify changes the name and description; the id stays', async () => {
    const app = await create('tc_modify', 'old');
    const res = await tc.ModifyApiApp(
        {ApiAppId: app.ApiAppId, ApiAppName: 'tc_modified', ApiAppDesc: 'new'});
    assert.equal(res.Result, true);
    const now = await info(app.ApiAppId);
    assert.equal(now.ApiAppName, 'tc_modified');
    assert.equal(now.ApiAppDesc, 'new');
    assert.equal(now.ApiAppKey, app.ApiAppKey);
    assert.notEqual(now.ApiAppSecret, app.ApiAppSecret, 'reads mask the secret');
  });

  test('delete removes the app; unknown and malformed ids are refused', async () => {
    const app = await create('tc_delete');
    assert.equal((await tc.DeleteApiApp({ApiAppId: app.ApiAppId})).Result, true);
    // (Not the same body again at once: that is the same signed request.)
    await fails(
        'ModifyApiApp', {ApiAppId: app.ApiAppId, ApiAppDesc: 'gone'},
        'ResourceNotFound.InvalidApiApp');
    await fails('ModifyApiApp', {ApiAppId: 'app-zzzzzzzz'}, 'ResourceNotFound.InvalidApiApp');
    await fails('ModifyApiApp', {ApiAppId: 'kzofrjbl'}, 'InvalidParameter.FormatError');
    await fails('ModifyApiApp', {ApiAppId: 'app-KZOF'}, 'InvalidParameter.FormatError');
    await fails('DeleteApiApp', {}, 'MissingParameter');
  });

  test('DescribeApiApp (not in the SDK, reached by request()) reads one app', async () => {
    const app = await create('tc_describe');
    const res = await tc.request('DescribeApiApp', {ApiAppId: app.ApiAppId});
    assert.equal(res.Result.ApiAppName, 'tc_describe');
    assert.equal(res.Result.ApiAppKey, app.ApiAppKey);
  });
});

describe('DescribeApiAppsStatus', () => {
  test('pages with Limit and Offset and filters by id, name and keyword', async () => {
    const a = await create('tc_list_a');
    await create('tc_list_b');
    const page = await tc.DescribeApiAppsStatus({Limit: 1, Offset: 0});
    assert.equal(page.Result.ApiAppSet.length, 1);
    assert.ok(page.Result.TotalCount >= 2);

    const byName =
        await tc.DescribeApiAppsStatus({Filters: [{Name: 'ApiAppName', Values: ['tc_list_b']}]});
    assert.equal(byName.Result.TotalCount, 1);
    assert.equal(byName.Result.ApiAppSet[0].ApiAppName, 'tc_list_b');

    const byKeyword =
        await tc.DescribeApiAppsStatus({Filters: [{Name: 'KeyWord', Values: [a.ApiAppId]}]});
    assert.equal(byKeyword.Result.ApiAppSet[0].ApiAppName, 'tc_list_a');

    // A keyword that is no ApiAppId searches the names, in any case.
    const part = await tc.DescribeApiAppsStatus({Filters: [{Name: 'KeyWord', Values: ['LIST_']}]});
    assert.deepEqual(
        part.Result.ApiAppSet.map((x) => x.ApiAppName).sort(), ['tc_list_a', 'tc_list_b']);
    const nothing =
        await tc.DescribeApiAppsStatus({Filters: [{Name: 'KeyWord', Values: ['no_such_part']}]});
    assert.equal(nothing.Result.TotalCount, 0);

    const none =
        await tc.DescribeApiAppsStatus({Filters: [{Name: 'ApiAppId', Values: ['app-zzzzzzzz']}]});
    assert.equal(none.Result.TotalCount, 0);
    assert.deepEqual(none.Result.ApiAppSet, []);
  });

  test('refuses bad filters and pages at their edges', async () => {
    await refill();
    await tc.DescribeApiAppsStatus({Limit: 100});
    await fails('DescribeApiAppsStatus', {Limit: 101}, 'InvalidParameterValue');
    await fails('DescribeApiAppsStatus', {Limit: 0}, 'InvalidParameterValue');
    await fails('DescribeApiAppsStatus', {Offset: -1}, 'InvalidParameterValue');
    await fails('DescribeApiAppsStatus', {Limit: '5'}, 'InvalidParameter.FormatError');
    await fails(
        'DescribeApiAppsStatus', {Filters: [{Name: 'Nope', Values: ['x']}]},
        'InvalidParameterValue.InvalidFilterNotSupportedName');
    await fails(
        'DescribeApiAppsStatus', {Filters: [{Name: 'ApiAppName'}]}, 'InvalidParameter.FormatError');
  });
});

describe('UpdateApiAppKey', () => {
  test('sets the key and the given secret; answers Result true', async () => {
    const app = await create('tc_rotate');
    const key = 'APID6JmG21yRCc03h4z16hlsTqj1wpO3dB3ZQcUP';
    const secret = 'Dc44ACV2Da3Gm9JVaaaaaaaaumYRI4CZfVG8Qiuv';
    const res =
        await tc.UpdateApiAppKey({ApiAppId: app.ApiAppId, ApiAppKey: key, ApiAppSecret: secret});
    assert.deepEqual(Object.keys(res).sort(), ['RequestId', 'Result']);
    assert.equal(res.Result, true);
    assert.equal((await info(app.ApiAppId)).ApiAppKey, key);
    const native = await nativeApp('tc_rotate');
    const revealed = (await d.call('GET', `/v1/apps/${native.id}/secret`)).json.key_pairs;
    assert.equal(revealed.length, 1);
    assert.equal(revealed[0].app_key, key);
    assert.equal(revealed[0].app_secret, secret);
  });

  test('without ApiAppSecret a new secret is generated', async () => {
    const app = await create('tc_rotate_gen');
    await tc.UpdateApiAppKey({ApiAppId: app.ApiAppId, ApiAppKey: 'APIDgeneratedsecret0001'});
    const native = await nativeApp('tc_rotate_gen');
    const revealed = (await d.call('GET', `/v1/apps/${native.id}/secret`)).json.key_pairs[0];
    assert.equal(revealed.app_key, 'APIDgeneratedsecret0001');
    assert.notEqual(revealed.app_secret, app.ApiAppSecret);
    assert.ok(revealed.app_secret.length >= 8);
  });

  test('refuses a missing key, a taken key, a bad secret and an unknown app', async () => {
    const a = await create('tc_rotate_a');
    const b = await create('tc_rotate_b');
    await fails('UpdateApiAppKey', {ApiAppId: a.ApiAppId}, 'MissingParameter');
    await fails(
        'UpdateApiAppKey', {ApiAppId: a.ApiAppId, ApiAppKey: b.ApiAppKey},
        'FailedOperation.AccessKeyExist');
    await fails(
        'UpdateApiAppKey',
        {ApiAppId: a.ApiAppId, ApiAppKey: 'APIDshortsecret01', ApiAppSecret: 'x'},
        'InvalidParameterValue');
    await fails(
        'UpdateApiAppKey', {ApiAppId: 'app-zzzzzzzz', ApiAppKey: 'APIDunknownapp0001'},
        'ResourceNotFound.InvalidApiApp');
    await fails(
        'UpdateApiAppKey', {ApiAppId: 'nope', ApiAppKey: 'APIDunknownapp0001'},
        'InvalidParameter.FormatError');
  });
});

describe('TC3 authentication', () => {
  test('a wrong secret, an unknown SecretId and an expired timestamp are refused', async () => {
    await refill();
    const wrong = tencentClient(d, {secret: 'not-the-secret-0123456789'});
    let e = await rejects(() => wrong.DescribeApiAppsStatus({}));
    assert.equal(e.code, 'AuthFailure.SignatureFailure');
    const unknown = tencentClient(d, {id: 'TGnoSuchKey000000001'});
    e = await rejects(() => unknown.DescribeApiAppsStatus({}));
    assert.equal(e.code, 'AuthFailure.SecretIdNotFound');

    const now = Math.floor(Date.now() / 1000);
    let raw = await rawCall(d, 'DescribeApiAppsStatus', {Limit: 3}, {timestamp: now - 330});
    assert.equal(raw.status, 200);
    assert.equal(raw.json.Response.Error.Code, 'AuthFailure.SignatureExpire');
    raw = await rawCall(d, 'DescribeApiAppsStatus', {Limit: 3}, {timestamp: now + 330});
    assert.equal(raw.json.Response.Error.Code, 'AuthFailure.SignatureExpire');
    raw = await rawCall(d, 'DescribeApiAppsStatus', {Limit: 4}, {timestamp: now - 270});
    assert.equal(raw.json.Response.Error, undefined, raw.text);
  });

  test('the same signed request twice is refused, as is its action changed', async () => {
    const app = await create('tc_replay');
    const body = {ApiAppId: app.ApiAppId, ApiAppName: 'tc_replayed'};
    const timestamp = Math.floor(Date.now() / 1000);

    // X-TC-Action is not signed by the SDK: the same signature with
    // another action must not delete the app.
    let raw = await rawCall(d, 'DeleteApiApp', body, {timestamp});
    assert.equal(raw.json.Response.Error.Code, 'UnknownParameter', raw.text);
    raw = await rawCall(d, 'ModifyApiApp', body, {timestamp});
    assert.equal(raw.json.Response.Error.Code, 'AuthFailure.SignatureFailure', raw.text);
    assert.match(raw.json.Response.Error.Message, /received already/);

    raw = await rawCall(d, 'ModifyApiApp', body, {timestamp: timestamp + 1});
    assert.equal(raw.json.Response.Result, true, raw.text);
    raw = await rawCall(d, 'ModifyApiApp', body, {timestamp: timestamp + 1});
    assert.equal(raw.json.Response.Error.Code, 'AuthFailure.SignatureFailure');
    assert.equal((await info(app.ApiAppId)).ApiAppName, 'tc_replayed');
  });

  test('a tampered body, a wrong scope date and unsigned headers are refused', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signed = await rawCall(d, 'DescribeApiAppsStatus', {Limit: 7}, {timestamp});
    assert.equal(signed.json.Response.Error, undefined);

    let raw = await rawCall(d, 'DescribeApiAppsStatus', {Limit: 8}, {
      timestamp,
      headers: {Authorization: 'TC3-HMAC-SHA256 Credential=' + ADMIN_ID + '/x'},
    });
    assert.equal(raw.json.Response.Error.Code, 'AuthFailure.InvalidAuthorization');

    raw = await rawCall(d, 'DescribeApiAppsStatus', {Limit: 9}, {timestamp: timestamp - 86400});
    assert.equal(raw.json.Response.Error.Code, 'AuthFailure.SignatureExpire');

    raw = await rawCall(d, 'DescribeApiAppsStatus', {Limit: 10}, {
      timestamp,
      authorization: `TC3-HMAC-SHA256 Credential=${ADMIN_ID}/2001-01-01/apigateway/tc3_request, ` +
          `SignedHeaders=content-type;host, Signature=${'0'.repeat(64)}`,
    });
    assert.equal(raw.json.Response.Error.Code, 'AuthFailure.SignatureFailure');

    raw = await rawCall(d, 'DescribeApiAppsStatus', {Limit: 11}, {
      timestamp,
      authorization:
          `TC3-HMAC-SHA256 Credential=${ADMIN_ID}/${
              new Date(timestamp * 1000).toISOString().slice(0, 10)}/apigateway/tc3_request, ` +
          `SignedHeaders=host, Signature=${'0'.repeat(64)}`,
    });
    assert.equal(raw.json.Response.Error.Code, 'AuthFailure.InvalidAuthorization');

    // The body as signed, then another body under the same signature.
    const auth = (await import('./lib/tencent.mjs')).tc3Authorization({
      id: ADMIN_ID,
      secret: ADMIN_SECRET,
      service: 'apigateway',
      timestamp,
      host: `127.0.0.1:${d.port}`,
      contentType: 'application/json',
      payload: '{"Limit":12}',
    });
    raw = await rawCall(d, 'DescribeApiAppsStatus', {Limit: 13}, {timestamp, authorization: auth});
    assert.equal(raw.json.Response.Error.Code, 'AuthFailure.SignatureFailure');
  });

  test('version, action and method are checked; errors are HTTP 200', async () => {
    let raw = await rawCall(d, 'DescribeApiAppsStatus', {}, {version: '2017-01-01'});
    assert.equal(raw.status, 200);
    assert.equal(raw.json.Response.Error.Code, 'NoSuchVersion');
    raw = await rawCall(d, 'DescribeInstances', {});
    assert.equal(raw.json.Response.Error.Code, 'InvalidAction');
    raw = await rawCall(d, 'DescribeApiAppsStatus', '[1,2]');
    assert.equal(raw.json.Response.Error.Code, 'InvalidParameter.FormatError');
    raw = await rawCall(d, 'DescribeApiAppsStatus', '{"Limit":1,"Limit":2}');
    assert.equal(raw.json.Response.Error.Code, 'InvalidParameter.FormatError');
    raw = await rawCall(
        d, 'DescribeApiAppsStatus',
        '{"Limit":1,"Filters":[{"Name":"ApiAppName","Values":["a\\u0000b"]}]}');
    assert.equal(raw.json.Response.Error.Code, 'InvalidParameter.FormatError');

    const res = await fetch(
        `${d.url}/`, {method: 'PUT', headers: {'X-TC-Action': 'DescribeApiAppsStatus'}});
    assert.equal(res.status, 200);
    assert.equal((await res.json()).Response.Error.Code, 'UnsupportedProtocol');
  });

  test('an endpoint named apigateway.* signs the service apigateway', async () => {
    // The SDK takes the service from the endpoint's first label; a
    // custom endpoint of any name works too (the host is signed without
    // its port).
    const named = tencentClient(d, {endpoint: `localhost:${d.port}`});
    const res = await named.CreateApiApp({ApiAppName: 'tc_localhost'});
    assert.match(res.Result.ApiAppId, APP_ID);
  });
});

describe('the GET form', () => {
  test('the SDK with reqMethod GET: flattened parameters, strings for numbers', async () => {
    await refill();
    const get = tencentClient(d, {method: 'GET'});
    const made = await get.CreateApiApp({ApiAppName: 'tc_get_one', ApiAppDesc: 'it\'s (GET) *ok*'});
    assert.match(made.Result.ApiAppId, APP_ID);
    assert.equal(made.Result.ApiAppDesc, 'it\'s (GET) *ok*');

    const list = await get.DescribeApiAppsStatus({
      Limit: 5,
      Offset: 0,
      Filters: [{Name: 'ApiAppName', Values: ['tc_get_one']}],
    });
    assert.equal(list.Result.TotalCount, 1);
    assert.equal(list.Result.ApiAppSet[0].ApiAppId, made.Result.ApiAppId);

    const key = 'APIDviaGET000000000000001';
    assert.equal(
        (await get.UpdateApiAppKey({ApiAppId: made.Result.ApiAppId, ApiAppKey: key})).Result, true);
    assert.equal((await info(made.Result.ApiAppId)).ApiAppKey, key);

    let e = await rejects(() => get.DescribeApiAppsStatus({Limit: 101}));
    assert.equal(e.code, 'InvalidParameterValue');
    e = await rejects(() => get.DescribeApiAppsStatus({Limit: 'ten'}));
    assert.equal(e.code, 'InvalidParameter.FormatError');
  });

  test('a tampered or malformed query is refused', async () => {
    const url = `${d.url}/?Limit=1&Limit=2`;
    const res = await fetch(
        url, {headers: {'X-TC-Action': 'DescribeApiAppsStatus', 'X-TC-Version': '2018-08-08'}});
    assert.equal((await res.json()).Response.Error.Code, 'InvalidParameter.FormatError');
    const gap = await fetch(
        `${d.url}/?Filters.1.Name=ApiAppName`,
        {headers: {'X-TC-Action': 'DescribeApiAppsStatus', 'X-TC-Version': '2018-08-08'}});
    assert.equal((await gap.json()).Response.Error.Code, 'InvalidParameter.FormatError');
    const post = await rawCall(d, 'DescribeApiAppsStatus', {}, {});
    assert.equal(post.json.Response.Error, undefined);
  });
});

describe('RequestLimitExceeded', () => {
  test('20 calls a second per action and account, then refused', async () => {
    const account = (await d.call('POST', '/v1/accounts', {body: {name: 'tc-rate'}})).json;
    const key = (await d.call('POST', `/v1/accounts/${account.id}/access-keys`)).json;
    const client = tencentClient(d, {id: key.id, secret: key.secret});

    // Distinct bodies: the same signed request twice is a replay.  The
    // bucket starts full (20) and refills at 20 a second while the calls
    // run, so at least 20 pass and, sent at once, not all 40 do.  (The
    // exact edge is a unit test: test_service_signed.c.)
    const calls = Array.from(
        {length: 40},
        (_, i) => client.DescribeApiAppsStatus({Offset: i}).then(() => 'ok', (e) => e.code));
    const results = await Promise.all(calls);
    const ok = results.filter((r) => r === 'ok').length;
    const limited = results.filter((r) => r === 'RequestLimitExceeded').length;
    assert.equal(ok + limited, 40, results.join(','));
    assert.ok(ok >= 20, `only ${ok} passed`);
    assert.ok(limited >= 1, 'none was limited');

    // Another action has its own bucket, as does another account.
    await client.CreateApiApp({ApiAppName: 'tc_rate_other'});
    await tc.DescribeApiAppsStatus({Offset: 99});

    // A second later the bucket has refilled.
    await new Promise((r) => setTimeout(r, 1100));
    await client.DescribeApiAppsStatus({Offset: 100});
  });
});
