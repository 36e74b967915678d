// The Huawei dialect's management routes, signed with Huawei's own signer
// (@huaweicloud/huaweicloud-sdk-core's AKSKSigner, unchanged): every app
// route and AppCode route, v2 and the seed's v1 form, their failures at
// their edges (missing and invalid fields, unknown app, name taken, code
// count exceeded, bad signature, expired X-Sdk-Date, replay, another
// account's project, unknown instance), and the same app in the native API.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {call, sdkDate, send, sign} from './lib/huawei.mjs';
import {ADMIN_ID, ADMIN_SECRET, startTollgated} from './lib/tollgated.mjs';

let d, project, admin, alice;

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const ID = /^[0-9a-f]{32}$/;

async function tenant(name) {
  const account = await d.call('POST', '/v1/accounts', {body: {name}});
  assert.equal(account.status, 201, account.text);
  const key = await d.call('POST', `/v1/accounts/${name}/access-keys`, {body: {}});
  assert.equal(key.status, 201, key.text);
  return {project: account.json.id, ak: key.json.id, sk: key.json.secret};
}

before(async () => {
  d = await startTollgated({args: ['--max-codes', '5']});
  project = (await d.call('GET', '/v1/whoami')).json.account_id;
  admin = {ak: ADMIN_ID, sk: ADMIN_SECRET};
  alice = await tenant('alice');
});

after(async () => {
  await d.stop();
});

const v2 = (p = project) => `/v2/${p}/apigw/instances/default`;
const v1 = (p = project) => `/v1/${p}/apigw/instances/default`;

// A signed call as the admin unless who says otherwise.
function hw(method, path, opts = {}) {
  return call(d.url, method, path, {...admin, ...opts});
}

// Huawei's signature has no nonce: Tollgate takes the signature for one,
// so the same request signed in the same second is accepted once.  A test
// that sends one request twice on purpose waits for the next second.
function nextSecond() {
  return new Promise((resolve) => setTimeout(resolve, 1000 - Date.now() % 1000 + 5));
}

function fails(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error_code, code, res.text);
  assert.equal(typeof res.json.error_msg, 'string');
  const id = typeof res.headers.get === 'function' ? res.headers.get('x-request-id') :
                                                     res.headers['x-request-id'];
  assert.equal(res.json.request_id, id);
  return res.json;
}

async function createApp(name, extra = {}) {
  const res = await hw('POST', v2() + '/apps', {data: {name, ...extra}});
  assert.equal(res.status, 201, res.text);
  return res.json;
}

describe('apps', () => {
  test('create answers 201 with the app object, its secret masked', async () => {
    const res = await hw('POST', v2() + '/apps', {data: {name: 'app_001', remark: 'First app'}});
    assert.equal(res.status, 201, res.text);
    assert.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/);
    const app = res.json;
    assert.deepEqual(Object.keys(app).sort(), [
      'app_key', 'app_secret', 'app_type', 'creator', 'id', 'name', 'register_time', 'remark',
      'status', 'update_time'
    ]);
    assert.match(app.id, ID);
    assert.equal(app.name, 'app_001');
    assert.equal(app.remark, 'First app');
    assert.equal(app.status, 1);
    assert.equal(app.creator, 'USER');
    assert.equal(app.app_secret, '******');
    assert.equal(app.app_type, 'apig');
    assert.match(app.register_time, TIME);
    assert.match(app.update_time, TIME);

    // The same app, in the native API.
    const native = await d.call('GET', `/v1/apps/${app.id}`);
    assert.equal(native.status, 200, native.text);
    assert.equal(native.json.name, 'app_001');
    assert.equal(native.json.app_key, app.app_key);
  });

  test('custom app_key and app_secret, at their edges', async () => {
    const key8 = 'k'.repeat(8), secret8 = 's'.repeat(8);
    const app = await createApp('custom_keys', {app_key: key8, app_secret: secret8});
    assert.equal(app.app_key, key8);
    const reveal = await d.call('GET', `/v1/apps/${app.id}/secret`);
    assert.equal(reveal.json.app_secret, secret8);

    await createApp('custom_long', {app_key: 'K'.repeat(200), app_secret: 'S'.repeat(128)});
    fails(
        await hw('POST', v2() + '/apps', {data: {name: 'k7', app_key: 'k'.repeat(7)}}), 400,
        'APIG.2012');
    fails(
        await hw('POST', v2() + '/apps', {data: {name: 'k201', app_key: 'k'.repeat(201)}}), 400,
        'APIG.2012');
    fails(
        await hw('POST', v2() + '/apps', {data: {name: 'k_dash', app_key: '-abcdefgh'}}), 400,
        'APIG.2012');
    fails(
        await hw('POST', v2() + '/apps', {data: {name: 's7', app_secret: 's'.repeat(7)}}), 400,
        'APIG.2012');
    fails(
        await hw('POST', v2() + '/apps', {data: {name: 's129', app_secret: 's'.repeat(129)}}), 400,
        'APIG.2012');
    fails(
        await hw('POST', v2() + '/apps', {data: {name: 's_bad', app_secret: 'abcdefgh^'}}), 400,
        'APIG.2012');
    fails(
        await hw('POST', v2() + '/apps', {data: {name: 'dup_key', app_key: key8}}), 400,
        'APIG.3310');
  });

  test('names: 3-64 characters, a letter or CJK first; taken names refused', async () => {
    await createApp('abc');
    await createApp('a'.repeat(64));
    await createApp('应用_名称');
    const missing =
        fails(await hw('POST', v2() + '/apps', {data: {remark: 'x'}}), 400, 'APIG.2001');
    assert.match(missing.error_msg, /name/);
    fails(await hw('POST', v2() + '/apps', {data: {name: ''}}), 400, 'APIG.2001');
    for (const name of ['ab', 'a'.repeat(65), '1abc', '_abc', 'ab-c', 'ab c']) {
      const e = fails(await hw('POST', v2() + '/apps', {data: {name}}), 400, 'APIG.2012');
      assert.match(e.error_msg, /parameterName:name/);
    }
    fails(await hw('POST', v2() + '/apps', {data: {name: 7}}), 400, 'APIG.2012');
    await nextSecond();
    fails(await hw('POST', v2() + '/apps', {data: {name: 'abc'}}), 400, 'APIG.3203');
    fails(
        await hw('POST', v2() + '/apps', {data: {name: 'remark_long', remark: 'r'.repeat(256)}}),
        400, 'APIG.2012');
    await createApp('remark_255', {remark: 'r'.repeat(255)});
  });

  test('show, update, delete; an unknown app is APIG.3004', async () => {
    const app = await createApp('show_me', {remark: 'before'});
    const shown = await hw('GET', `${v2()}/apps/${app.id}`);
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual(shown.json, app);

    const updated =
        await hw('PUT', `${v2()}/apps/${app.id}`, {data: {name: 'show_me2', remark: 'after'}});
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.json.name, 'show_me2');
    assert.equal(updated.json.remark, 'after');
    assert.equal(updated.json.app_key, app.app_key);
    fails(await hw('PUT', `${v2()}/apps/${app.id}`, {data: {remark: 'no name'}}), 400, 'APIG.2001');

    // The AppKey and secret change with the app, in one transaction.
    const rekeyed = await hw('PUT', `${v2()}/apps/${app.id}`, {
      data: {name: 'show_me3', app_key: 'RekeyedShowMe_1', app_secret: 'NewSecret_0001'},
    });
    assert.equal(rekeyed.status, 200, rekeyed.text);
    assert.equal(rekeyed.json.app_key, 'RekeyedShowMe_1');
    assert.equal(rekeyed.json.app_secret, '******');
    const revealed = await d.call('GET', `/v1/apps/${app.id}/secret`);
    assert.equal(revealed.json.app_key, 'RekeyedShowMe_1');
    assert.equal(revealed.json.app_secret, 'NewSecret_0001');

    // A bad or taken AppKey changes nothing, the name included.
    const other = await createApp('show_other');
    fails(
        await hw('PUT', `${v2()}/apps/${app.id}`, {data: {name: 'show_me4', app_key: '-bad_key_'}}),
        400, 'APIG.2012');
    fails(
        await hw(
            'PUT', `${v2()}/apps/${app.id}`, {data: {name: 'show_me4', app_key: other.app_key}}),
        400, 'APIG.3310');
    fails(
        await hw('PUT', `${v2()}/apps/${app.id}`, {data: {name: 'show_me4', app_secret: 'short'}}),
        400, 'APIG.2012');
    await nextSecond();  // the same signed GET twice in a second is a replay
    const unchanged = await hw('GET', `${v2()}/apps/${app.id}`);
    assert.equal(unchanged.json.name, 'show_me3');
    assert.equal(unchanged.json.app_key, 'RekeyedShowMe_1');

    const deleted = await hw('DELETE', `${v2()}/apps/${app.id}`);
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal(deleted.text, '');
    await nextSecond();
    fails(await hw('GET', `${v2()}/apps/${app.id}`), 404, 'APIG.3004');
    await nextSecond();
    fails(await hw('DELETE', `${v2()}/apps/${app.id}`), 404, 'APIG.3004');
    fails(await hw('GET', `${v2()}/apps/not-an-id`), 404, 'APIG.3004');
    fails(await hw('PUT', `${v2()}/apps/secret/${'0'.repeat(32)}`), 404, 'APIG.3004');
  });

  test('validation answers id, name and remark', async () => {
    const app = await createApp('validate_me', {remark: 'r'});
    const res = await hw('GET', `${v2()}/apps/validation/${app.id}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, {id: app.id, name: 'validate_me', remark: 'r'});
    fails(await hw('GET', `${v2()}/apps/validation/${'f'.repeat(32)}`), 404, 'APIG.3004');
  });

  test('list: offset and limit with Huawei\'s clamping, and filters', async () => {
    for (let i = 0; i < 3; i++) {
      await createApp(`list_${i}`);
    }
    const all = await hw('GET', v2() + '/apps', {query: {limit: '100'}});
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json.size, all.json.apps.length);
    assert.ok(all.json.total >= 3);

    const page = await hw('GET', v2() + '/apps', {query: {offset: '1', limit: '2'}});
    assert.equal(page.json.size, 2);
    assert.deepEqual(page.json.apps.map((a) => a.id), all.json.apps.slice(1, 3).map((a) => a.id));

    // limit 0 or below is 20; offset below 0 is 0.
    const def = await hw('GET', v2() + '/apps', {query: {limit: '0', offset: '-5'}});
    assert.equal(def.json.apps[0].id, all.json.apps[0].id);
    assert.equal(def.json.size, Math.min(20, all.json.total));
    fails(await hw('GET', v2() + '/apps', {query: {limit: 'x'}}), 400, 'APIG.2012');

    const byName =
        await hw('GET', v2() + '/apps', {query: {name: 'list_1', precise_search: 'name'}});
    assert.deepEqual(byName.json.apps.map((a) => a.name), ['list_1']);
    // Without precise_search, name is a part of the name, in any case.
    const fuzzy = await hw('GET', v2() + '/apps', {query: {name: 'IST_', limit: '100'}});
    assert.deepEqual(fuzzy.json.apps.map((a) => a.name), ['list_0', 'list_1', 'list_2']);
    assert.equal(fuzzy.json.total, 3);
    const percent = await hw('GET', v2() + '/apps', {query: {name: '%'}});
    assert.equal(percent.json.total, 0);
    fails(
        await hw('GET', v2() + '/apps', {query: {name: 'x', precise_search: 'remark'}}), 400,
        'APIG.2012');
    const key = byName.json.apps[0].app_key;
    const byKey = await hw('GET', v2() + '/apps', {query: {app_key: key}});
    assert.deepEqual(byKey.json.apps.map((a) => a.name), ['list_1']);
    const byId = await hw('GET', v2() + '/apps', {query: {id: byName.json.apps[0].id, name: ''}});
    assert.deepEqual(byId.json, {total: 1, size: 1, apps: byName.json.apps});
    const none = await hw('GET', v2() + '/apps', {query: {id: 'f'.repeat(32)}});
    assert.deepEqual(none.json, {total: 0, size: 0, apps: []});
    const valid = await hw('GET', v2() + '/apps', {query: {status: '1', limit: '1'}});
    assert.equal(valid.json.apps[0].status, 1);
    fails(await hw('GET', v2() + '/apps', {query: {status: '3'}}), 400, 'APIG.2012');
    fails(await hw('GET', v2() + '/apps', {query: {creator: 'SOMEONE'}}), 400, 'APIG.2012');

    // creator filters: an app made for the marketplace, through the native API.
    const market =
        await d.call('POST', '/v1/apps', {body: {name: 'list_market', creator: 'MARKET'}});
    assert.equal(market.status, 201, market.text);
    const markets = await hw('GET', v2() + '/apps', {query: {creator: 'MARKET', limit: '100'}});
    assert.deepEqual(markets.json.apps.map((a) => a.name), ['list_market']);
    const users = await hw('GET', v2() + '/apps', {query: {creator: 'USER', limit: '100'}});
    assert.ok(users.json.apps.length > 0);
    assert.ok(users.json.apps.every((a) => a.creator === 'USER'));

    // v1: page_size and page_no.
    const p2 = await hw('GET', v1() + '/apps', {query: {page_size: '2', page_no: '2'}});
    assert.equal(p2.status, 200, p2.text);
    assert.deepEqual(p2.json.apps.map((a) => a.id), all.json.apps.slice(2, 4).map((a) => a.id));
  });
});

describe('reset secret (the seed)', () => {
  test('v2 and v1, with and without app_secret; the secret is masked', async () => {
    const app = await createApp('reset_me');
    const before = (await d.call('GET', `/v1/apps/${app.id}/secret`)).json.app_secret;

    const res =
        await hw('PUT', `${v2()}/apps/secret/${app.id}`, {data: {app_secret: 'app_secret_sample'}});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, app.id);
    assert.equal(res.json.app_secret, '******');
    assert.equal(res.json.app_key, app.app_key);
    let now = (await d.call('GET', `/v1/apps/${app.id}/secret`)).json.app_secret;
    assert.equal(now, 'app_secret_sample');

    const v1res = await hw('PUT', `${v1()}/apps/secret/${app.id}`);
    assert.equal(v1res.status, 200, v1res.text);
    assert.equal(v1res.json.app_secret, '******');
    now = (await d.call('GET', `/v1/apps/${app.id}/secret`)).json.app_secret;
    assert.notEqual(now, 'app_secret_sample');
    assert.notEqual(now, before);

    // The edges of app_secret: 8 and 128 pass; 7, 129, a bad first
    // character or character, the wrong type fail.
    for (const s of ['a'.repeat(8), 'a'.repeat(128), 'A1_-!@#$%']) {
      const ok = await hw('PUT', `${v2()}/apps/secret/${app.id}`, {data: {app_secret: s}});
      assert.equal(ok.status, 200, ok.text);
    }
    for (const s of ['a'.repeat(7), 'a'.repeat(129), '_abcdefgh', 'abcdefgh&', '', 12345678]) {
      const e = fails(
          await hw('PUT', `${v2()}/apps/secret/${app.id}`, {data: {app_secret: s}}), 400,
          'APIG.2012');
      assert.doesNotMatch(e.error_msg, /abcdefgh/);
    }
  });
});

describe('app codes', () => {
  test('create with a code, generate, list, show, delete; at most 5', async () => {
    const app = await createApp('codes_app');
    const base = `${v2()}/apps/${app.id}/app-codes`;
    const given = 'A'.repeat(63) + '+/=';
    const made = await hw('POST', base, {data: {app_code: given}});
    assert.equal(made.status, 201, made.text);
    assert.deepEqual(Object.keys(made.json).sort(), ['app_code', 'app_id', 'create_time', 'id']);
    assert.equal(made.json.app_code, given);
    assert.equal(made.json.app_id, app.id);
    assert.match(made.json.create_time, TIME);

    const gen = await hw('PUT', base);
    assert.equal(gen.status, 201, gen.text);
    assert.match(gen.json.app_code, /^[0-9a-f]{64}$/);

    fails(await hw('POST', base, {data: {}}), 400, 'APIG.2001');
    fails(await hw('POST', base, {data: {app_code: 'a'.repeat(63)}}), 400, 'APIG.2012');
    fails(await hw('POST', base, {data: {app_code: 'a'.repeat(181)}}), 400, 'APIG.2012');
    fails(
        await hw('POST', base, {
          data: {
            app_code: '-' +
                'a'.repeat(70)
          }
        }),
        400, 'APIG.2012');
    await nextSecond();
    fails(await hw('POST', base, {data: {app_code: given}}), 400, 'APIG.2012');
    const longest = await hw('POST', base, {data: {app_code: 'b'.repeat(180)}});
    assert.equal(longest.status, 201, longest.text);

    const list = await hw('GET', base);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.total, 3);
    assert.equal(list.json.size, 3);
    assert.ok(list.json.app_codes.every((c) => c.app_code.includes('*')));
    const page = await hw('GET', base, {query: {offset: '1', limit: '1'}});
    assert.deepEqual(page.json.app_codes.map((c) => c.id), [list.json.app_codes[1].id]);

    const shown = await hw('GET', `${base}/${made.json.id}`);
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.json.id, made.json.id);
    fails(await hw('GET', `${base}/${'0'.repeat(32)}`), 404, 'APIG.3082');

    await nextSecond();
    assert.equal((await hw('PUT', base)).status, 201);
    await nextSecond();
    assert.equal((await hw('PUT', base)).status, 201);
    await nextSecond();
    fails(await hw('PUT', base), 403, 'APIG.3131');

    const del = await hw('DELETE', `${base}/${made.json.id}`);
    assert.equal(del.status, 204, del.text);
    await nextSecond();
    fails(await hw('DELETE', `${base}/${made.json.id}`), 404, 'APIG.3082');
    fails(await hw('GET', `${v2()}/apps/${'e'.repeat(32)}/app-codes`), 404, 'APIG.3004');
  });
});

describe('authentication and projects', () => {
  test('a wrong secret, an unknown key, no signature: APIG.0301', async () => {
    fails(await hw('GET', v2() + '/apps', {sk: 'wrong-secret'}), 401, 'APIG.0301');
    fails(await hw('GET', v2() + '/apps', {ak: 'TGnobody000000000000000'}), 401, 'APIG.0301');
    const res = await send(d.url + v2() + '/apps', {method: 'GET', headers: {}});
    fails(res, 401, 'APIG.0301');
    // HTTP Basic is the native API's, not Huawei's.
    fails(await d.call('GET', v2() + '/apps'), 401, 'APIG.0301');
  });

  test('X-Sdk-Date within 15 minutes; a replay is refused', async () => {
    const old = sdkDate(new Date(Date.now() - 16 * 60 * 1000));
    const e =
        fails(await hw('GET', v2() + '/apps', {headers: {'X-Sdk-Date': old}}), 401, 'APIG.0301');
    assert.match(e.error_msg, /expired/);
    const recent = sdkDate(new Date(Date.now() - 14 * 60 * 1000));
    assert.equal((await hw('GET', v2() + '/apps', {headers: {'X-Sdk-Date': recent}})).status, 200);

    const s = sign(d.url, 'GET', v2() + '/apps', admin);
    assert.equal((await send(s.url, {method: 'GET', headers: s.headers})).status, 200);
    fails(await send(s.url, {method: 'GET', headers: s.headers}), 401, 'APIG.0301');
  });

  test('what was signed cannot change', async () => {
    const app = await createApp('tamper_me');
    const s = sign(d.url, 'PUT', `${v2()}/apps/${app.id}`, {...admin, data: {name: 'tamper_me'}});
    const body = JSON.stringify({name: 'tampered'});
    fails(await send(s.url, {method: 'PUT', headers: s.headers, body}), 401, 'APIG.0301');
    const q = sign(d.url, 'GET', v2() + '/apps', {...admin, query: {limit: '1'}});
    fails(
        await send(q.url.replace('limit=1', 'limit=2'), {method: 'GET', headers: q.headers}), 401,
        'APIG.0301');
    // x-sdk-date must be signed; an unsigned one is refused.
    const h = {...q.headers};
    h.Authorization = h.Authorization.replace(/SignedHeaders=[^,]*/, 'SignedHeaders=host');
    fails(await send(q.url, {method: 'GET', headers: h}), 401, 'APIG.0301');
  });

  test('another account\'s project, an unknown instance', async () => {
    const me = {ak: alice.ak, sk: alice.sk};
    const mine = await hw('POST', v2(alice.project) + '/apps', {...me, data: {name: 'alice_app'}});
    assert.equal(mine.status, 201, mine.text);
    fails(await hw('GET', v2(project) + '/apps', me), 403, 'APIG.0310');
    fails(await hw('GET', v1(project) + '/apps', me), 403, 'APIG.0310');
    fails(await hw('GET', `/v2/${project}/apigw/instances/other/apps`, me), 403, 'APIG.0310');
    fails(await hw('GET', `/v2/${alice.project}/apigw/instances/other/apps`, me), 404, 'APIG.3030');

    // The admin reaches alice's project, and only through it.
    const list = await hw('GET', v2(alice.project) + '/apps');
    assert.deepEqual(list.json.apps.map((a) => a.name), ['alice_app']);
    fails(await hw('GET', `${v2()}/apps/${mine.json.id}`), 404, 'APIG.3004');
    assert.equal((await hw('GET', `${v2(alice.project)}/apps/${mine.json.id}`)).status, 200);
    // Alice's key does not reach the admin's apps through her project.
    const adminApp = await createApp('admin_only');
    fails(await hw('GET', `${v2(alice.project)}/apps/${adminApp.id}`, me), 404, 'APIG.3004');
  });

  test('unknown routes and methods are APIG.0101; bad bodies APIG.2011', async () => {
    fails(await hw('GET', v2() + '/nothing'), 404, 'APIG.0101');
    fails(await hw('PATCH', v2() + '/apps'), 404, 'APIG.0101');
    const s = sign(d.url, 'POST', v2() + '/apps', admin);
    const bad = await send(s.url, {method: 'POST', headers: {...s.headers}, body: undefined});
    fails(bad, 400, 'APIG.2001');
  });
});

describe('app-auths', () => {
  test('authorize, list both ways, cancel; a result for each pair', async () => {
    const api = await d.call('POST', '/v1/apis', {body: {name: 'orders'}});
    assert.equal(api.status, 201, api.text);
    const a1 = await createApp('auth_app_1');
    const a2 = await createApp('auth_app_2');

    const res = await hw('POST', v2() + '/app-auths', {
      data: {
        env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID',
        app_ids: [a1.id, a2.id, 'f'.repeat(32)],
        api_ids: [api.json.id]
      },
    });
    assert.equal(res.status, 201, res.text);
    const auths = res.json.auths;
    assert.equal(auths.length, 3);
    assert.deepEqual(auths.map((x) => x.auth_result.status), ['SUCCESS', 'SUCCESS', 'FAILED']);
    assert.equal(auths[2].auth_result.error_code, 'APIG.3004');
    assert.equal(auths[0].app_id, a1.id);
    assert.equal(auths[0].api_id, api.json.id);
    assert.equal(auths[0].api_name, 'orders');
    assert.match(auths[0].id, ID);
    assert.match(auths[0].auth_time, TIME);
    assert.equal(auths[0].auth_role, 'PROVIDER');

    // The same grant again is skipped; an unknown API fails its pair.
    const again = await hw('POST', v2() + '/app-auths', {
      data:
          {env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID', app_ids: [a1.id], api_ids: ['orders', 'nope']},
    });
    assert.deepEqual(again.json.auths.map((x) => x.auth_result.status), ['SKIPPED', 'FAILED']);
    assert.equal(again.json.auths[1].auth_result.error_code, 'APIG.3002');

    // The same grant, in the native API.
    const native = await d.call('GET', `/v1/apps/${a1.id}/grants`);
    assert.equal(native.status, 200, native.text);

    const apis = await hw('GET', v2() + '/app-auths/binded-apis', {query: {app_id: a1.id}});
    assert.equal(apis.status, 200, apis.text);
    assert.equal(apis.json.total, 1);
    assert.equal(apis.json.auths[0].api_name, 'orders');
    assert.equal(apis.json.auths[0].env_id, 'DEFAULT_ENVIRONMENT_RELEASE_ID');
    assert.equal(apis.json.auths[0].env_name, 'RELEASE');
    assert.equal(apis.json.auths[0].id, auths[0].id);

    const apps = await hw('GET', v2() + '/app-auths/binded-apps', {query: {api_id: api.json.id}});
    assert.equal(apps.status, 200, apps.text);
    assert.deepEqual(apps.json.auths.map((x) => x.app_name).sort(), ['auth_app_1', 'auth_app_2']);
    const named = await hw(
        'GET', v2() + '/app-auths/binded-apps',
        {query: {api_id: 'orders', app_name: 'auth_app_2'}});
    assert.deepEqual(named.json.auths.map((x) => x.app_id), [a2.id]);

    // The APIs a1 is not granted on RELEASE, and on PRE.
    await d.call('POST', '/v1/apis', {body: {name: 'zz_unbound'}});
    const unbound = await hw(
        'GET', v2() + '/app-auths/unbinded-apis',
        {query: {app_id: a1.id, env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID'}});
    assert.equal(unbound.status, 200, unbound.text);
    assert.ok(unbound.json.apis.some((x) => x.name === 'zz_unbound'));
    assert.ok(!unbound.json.apis.some((x) => x.name === 'orders'));
    assert.equal(unbound.json.size, unbound.json.apis.length);
    const pre = await hw(
        'GET', v2() + '/app-auths/unbinded-apis',
        {query: {app_id: a1.id, env_id: 'PRE', limit: '100'}});
    assert.ok(pre.json.apis.some((x) => x.name === 'orders'));
    assert.equal(pre.json.apis[0].run_env_name, 'PRE');
    fails(
        await hw('GET', v2() + '/app-auths/unbinded-apis', {query: {app_id: a1.id}}), 400,
        'APIG.2001');
    fails(
        await hw(
            'GET', v2() + '/app-auths/unbinded-apis',
            {query: {app_id: a1.id, env_id: 'bad stage!'}}),
        400, 'APIG.2012');
    fails(
        await hw(
            'GET', v2() + '/app-auths/unbinded-apis',
            {query: {app_id: 'e'.repeat(32), env_id: 'PRE'}}),
        404, 'APIG.3004');

    const cancel = await hw('DELETE', `${v2()}/app-auths/${auths[0].id}`);
    assert.equal(cancel.status, 204, cancel.text);
    await nextSecond();
    fails(await hw('DELETE', `${v2()}/app-auths/${auths[0].id}`), 404, 'APIG.3009');
    fails(await hw('DELETE', `${v2()}/app-auths/not-an-id`), 404, 'APIG.3009');
    const after =
        await hw('GET', v2() + '/app-auths/binded-apis', {query: {app_id: a1.id, limit: '5'}});
    assert.equal(after.json.total, 0);

    // Another account cannot cancel it.
    const other = await hw(
        'DELETE', `${v2(alice.project)}/app-auths/${auths[1].id}`, {ak: alice.ak, sk: alice.sk});
    fails(other, 404, 'APIG.3009');
  });

  test('required fields and their shapes', async () => {
    const a = await createApp('auth_fields');
    const post = (data) => hw('POST', v2() + '/app-auths', {data});
    fails(await post({app_ids: [a.id], api_ids: ['orders']}), 400, 'APIG.2001');
    fails(await post({env_id: 'RELEASE', api_ids: ['orders']}), 400, 'APIG.2001');
    fails(await post({env_id: 'RELEASE', app_ids: [], api_ids: ['orders']}), 400, 'APIG.2001');
    fails(await post({env_id: 'RELEASE', app_ids: a.id, api_ids: ['orders']}), 400, 'APIG.2012');
    fails(await post({env_id: 'RELEASE', app_ids: [a.id], api_ids: [7]}), 400, 'APIG.2012');
    fails(await post({env_id: 5, app_ids: [a.id], api_ids: ['orders']}), 400, 'APIG.2012');
    const many = Array.from({length: 101}, () => a.id);
    fails(await post({env_id: 'RELEASE', app_ids: many, api_ids: ['orders']}), 400, 'APIG.2012');
    const bad = await post({env_id: 'no such stage!', app_ids: [a.id], api_ids: ['orders']});
    assert.equal(bad.status, 201, bad.text);
    assert.equal(bad.json.auths[0].auth_result.status, 'FAILED');
    assert.equal(bad.json.auths[0].auth_result.error_code, 'APIG.2012');
    fails(await hw('GET', v2() + '/app-auths/binded-apis'), 400, 'APIG.2001');
    fails(await hw('GET', v2() + '/app-auths/binded-apps'), 400, 'APIG.2001');
    fails(
        await hw('GET', v2() + '/app-auths/binded-apis', {query: {app_id: 'x'}}), 404, 'APIG.3004');
  });
});

// Last in the file: it fills the API registry.
test('a page larger than 500 is clamped to 500, as Huawei does', async () => {
  const a = await createApp('page_edge');
  const existing = (await hw('GET', v2() + '/app-auths/unbinded-apis', {
                     query: {app_id: a.id, env_id: 'RELEASE', limit: '1'}
                   })).json.total;
  for (let i = existing; i < 501; i++) {
    const res = await d.call('POST', '/v1/apis', {body: {name: `zzz_page_${i}`}});
    assert.equal(res.status, 201, res.text);
  }
  const page = (limit) =>
      hw('GET', v2() + '/app-auths/unbinded-apis',
         {query: {app_id: a.id, env_id: 'RELEASE', limit: String(limit)}});
  for (const [limit, size] of [[500, 500], [501, 500], [10000, 500], [499, 499]]) {
    const res = await page(limit);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.total, 501);
    assert.equal(res.json.size, size, `limit ${limit}`);
    assert.equal(res.json.apis.length, size);
  }
});
