// Apps over the native API: create, read, list, modify, delete, and every
// rule on their fields, at its edges.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {startTollgated} from './lib/tollgated.mjs';

let d;

before(async () => {
  d = await startTollgated();
});

after(async () => {
  await d.stop();
});

function expectError(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error.code, code, res.text);
  assert.match(res.json.error.request_id, /^[0-9a-f-]{36}$/);
  assert.equal(res.headers.get('x-request-id'), res.json.error.request_id);
  if (field !== undefined) {
    assert.equal(res.json.error.field, field, res.text);
  }
}

async function create(body) {
  const res = await d.call('POST', '/v1/apps', {body});
  assert.equal(res.status, 201, res.text);
  return res.json;
}

describe('create', () => {
  test('returns the app with its generated credentials', async () => {
    const app = await create(
        {name: 'orders_client', description: 'd', tags: {env: 'dev'}, extend: '110210264071'});
    assert.match(app.id, /^[0-9a-f]{32}$/);
    assert.ok(Number.isInteger(app.app_id));
    assert.ok(app.app_id >= 1e13 && app.app_id < 1e14);
    assert.equal(app.name, 'orders_client');
    assert.equal(app.description, 'd');
    assert.deepEqual(app.tags, {env: 'dev'});
    assert.equal(app.extend, '110210264071');
    assert.equal(app.status, 'enabled');
    assert.equal(app.creator, 'USER');
    assert.equal(app.rate_limit, null);
    assert.match(app.app_key, /^[A-Za-z0-9]{24}$/);
    assert.match(app.app_secret, /^[A-Za-z0-9]{40}$/);
    assert.match(app.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(app.updated_at, app.created_at);
    assert.equal(app.app_codes, undefined);
  });

  test('takes the caller\'s own key, secret and code', async () => {
    const app = await create({
      name: 'custom_creds',
      app_key: '60030986',
      app_secret: 'nzyNqFkRWB2uLw86',
      app_code: '3aaf905a0a1f4f0eabc6d891dfa08afc'
    });
    assert.equal(app.app_key, '60030986');
    assert.equal(app.app_secret, 'nzyNqFkRWB2uLw86');
    assert.equal(app.app_codes.length, 1);
    assert.equal(app.app_codes[0].app_code, '3aaf905a0a1f4f0eabc6d891dfa08afc');
  });

  test('generates an AppCode on request', async () => {
    const app = await create({name: 'with_code', generate_app_code: true});
    assert.match(app.app_codes[0].app_code, /^[0-9a-f]{64}$/);
  });

  test('stores status, creator and rate limit', async () => {
    const app = await create(
        {name: 'limited', status: 'disabled', creator: 'MARKET', rate_limit: {rps: 100}});
    assert.equal(app.status, 'disabled');
    assert.equal(app.creator, 'MARKET');
    assert.deepEqual(app.rate_limit, {rps: 100, burst: 100});
  });

  test('requires a name', async () => {
    expectError(await d.call('POST', '/v1/apps', {body: {}}), 422, 'missing_field', 'name');
  });

  test('app names: 1 and 64 characters pass, 0 and 65 do not', async () => {
    await create({name: 'a'});
    await create({
      name: 'n' +
          'x'.repeat(63)
    });
    expectError(await d.call('POST', '/v1/apps', {body: {name: ''}}), 422, 'invalid_field', 'name');
    expectError(
        await d.call('POST', '/v1/apps', {
          body: {
            name: 'n' +
                'x'.repeat(64)
          }
        }),
        422, 'invalid_field', 'name');
  });

  test('app names: CJK counts as one character each', async () => {
    const app = await create({
      name: '订单' +
          '应'.repeat(62)
    });
    assert.equal([...app.name].length, 64);
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: '应'.repeat(65)}}), 422, 'invalid_field',
        'name');
  });

  test('app names: must start with a letter or CJK; no other characters', async () => {
    for (const name of ['1abc', '_abc', '-abc', 'ab c', 'ab.c', 'ab/c', 'é']) {
      expectError(await d.call('POST', '/v1/apps', {body: {name}}), 422, 'invalid_field', 'name');
    }
    await create({name: 'ok_name-2'});
  });

  test('names are unique within an account', async () => {
    await create({name: 'twice'});
    const res = await d.call('POST', '/v1/apps', {body: {name: 'twice'}});
    expectError(res, 409, 'app_name_taken', 'name');
  });

  test('description: 255 characters pass, 256 do not', async () => {
    await create({name: 'desc255', description: 'é'.repeat(255)});
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'desc256', description: 'é'.repeat(256)}}),
        422, 'invalid_field', 'description');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'descctl', description: 'a\u0001b'}}), 422,
        'invalid_field', 'description');
  });

  test('extend: 1024 characters pass, 1025 do not', async () => {
    await create({name: 'ext1024', extend: 'x'.repeat(1024)});
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'ext1025', extend: 'x'.repeat(1025)}}), 422,
        'invalid_field', 'extend');
  });

  test('tags: 20 pass, 21 do not; key and value lengths', async () => {
    const twenty = Object.fromEntries([...Array(20).keys()].map((i) => [`k${i}`, `v${i}`]));
    const app = await create({name: 'tags20', tags: twenty});
    assert.equal(Object.keys(app.tags).length, 20);
    const more = {...twenty, k20: 'v'};
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'tags21', tags: more}}), 422,
        'invalid_field', 'tags');
    await create({name: 'tagk128', tags: {['k'.repeat(128)]: 'v'.repeat(128)}});
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'tagk129', tags: {['k'.repeat(129)]: 'v'}}}),
        422, 'invalid_field', 'tags');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'tagv129', tags: {k: 'v'.repeat(129)}}}),
        422, 'invalid_field', 'tags');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'tagcolon', tags: {'a:b': 'v'}}}), 422,
        'invalid_field', 'tags');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'tagnum', tags: {a: 1}}}), 422,
        'invalid_field', 'tags');
    await create({name: 'tagempty', tags: {a: ''}});
  });

  test('rate limits at their edges', async () => {
    await create({name: 'rl_max', rate_limit: {rps: 1000000, burst: 1000000}});
    for (const rate_limit
             of [{rps: 0}, {rps: 0, burst: 0}, {rps: 1000001}, {rps: 5, burst: 0},
                 {rps: 5, burst: 1000001}, {rps: -1}]) {
      expectError(
          await d.call('POST', '/v1/apps', {body: {name: 'rl_bad', rate_limit}}), 422,
          'invalid_field', 'rate_limit');
    }
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'rl_bad', rate_limit: {burst: 3}}}), 422,
        'missing_field', 'rate_limit');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'rl_bad', rate_limit: {rps: 1, per: 2}}}),
        422, 'unknown_field', 'rate_limit');
  });

  test('custom credentials obey the vendor formats', async () => {
    const bad = [
      [{app_key: '1234567'}, 'app_key'],
      [{app_key: '_1234567'}, 'app_key'],
      [{app_key: 'k'.repeat(201)}, 'app_key'],
      [{app_secret: 'short7!'}, 'app_secret'],
      [{app_secret: '!startsbad'}, 'app_secret'],
      [{app_secret: 's'.repeat(129)}, 'app_secret'],
      [{app_secret: 'has space here'}, 'app_secret'],
      [{app_code: 'c'.repeat(31)}, 'app_code'],
      [{app_code: 'c'.repeat(181)}, 'app_code'],
      [
        {
          app_code: '_' +
              'c'.repeat(40)
        },
        'app_code'
      ],
    ];
    for (const [fields, field] of bad) {
      const res = await d.call('POST', '/v1/apps', {body: {name: 'badcred', ...fields}});
      expectError(res, 422, 'invalid_field', field);
      // The error names the rule, never the value that was sent.
      assert.ok(!res.text.includes(Object.values(fields)[0]), res.text);
    }
    await create({
      name: 'edge_creds',
      app_key: 'k'.repeat(200),
      app_secret: 's'.repeat(128),
      app_code: 'c'.repeat(180)
    });
    await create({
      name: 'edge_creds_min',
      app_key: 'K1234567',
      app_secret: 'S_-!@#$%',
      app_code: '/' +
          'c'.repeat(31)
    });
  });

  test('AppKeys and AppCodes are unique across Tollgate', async () => {
    await create({name: 'uniq1', app_key: 'sharedAppKey1', app_code: 'x'.repeat(40)});
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'uniq2', app_key: 'sharedAppKey1'}}), 409,
        'app_key_taken', 'app_key');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'uniq3', app_code: 'x'.repeat(40)}}), 409,
        'app_code_taken', 'app_code');
    // Nothing of a refused create was written.
    const list = await d.call('GET', '/v1/apps?name=uniq2');
    assert.equal(list.json.total, 0);
  });

  test('bad bodies: types, unknown fields, JSON, media type', async () => {
    expectError(await d.call('POST', '/v1/apps', {body: {name: 5}}), 422, 'invalid_field');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'x', status: 'on'}}), 422, 'invalid_field',
        'status');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'x', creator: 'ME'}}), 422, 'invalid_field',
        'creator');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'x', extra: 1}}), 422, 'unknown_field');
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'x', tags: ['a']}}), 422, 'invalid_field');
    expectError(
        await d.call(
            'POST', '/v1/apps',
            {raw: '{"name":"x"', headers: {'content-type': 'application/json'}}),
        400, 'invalid_json');
    expectError(
        await d.call(
            'POST', '/v1/apps', {raw: '[1,2]', headers: {'content-type': 'application/json'}}),
        400, 'invalid_json');
    expectError(
        await d.call(
            'POST', '/v1/apps',
            {raw: '{"name":"a","name":"b"}', headers: {'content-type': 'application/json'}}),
        400, 'invalid_json');
    expectError(
        await d.call(
            'POST', '/v1/apps',
            {raw: '{"name":"a\\u0000b"}', headers: {'content-type': 'application/json'}}),
        400, 'invalid_json');
    expectError(
        await d.call('POST', '/v1/apps', {
          raw: '{"name":"x","rate_limit":{"rps":1.5}}',
          headers: {'content-type': 'application/json'}
        }),
        422, 'invalid_field');
    expectError(
        await d.call(
            'POST', '/v1/apps',
            {raw: 'name=x', headers: {'content-type': 'application/x-www-form-urlencoded'}}),
        415, 'unsupported_media_type');
  });

  test('invalid UTF-8 in a body is refused', async () => {
    const raw =
        Buffer.concat([Buffer.from('{"name":"ab'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expectError(
        await d.call('POST', '/v1/apps', {raw, headers: {'content-type': 'application/json'}}), 400,
        'invalid_json');
  });
});

describe('read and list', () => {
  let a, b, c;

  before(async () => {
    a = await create({name: 'list_a', tags: {team: 'red', tier: 'prod'}});
    b = await create({name: 'list_b', tags: {team: 'blue', tier: 'prod'}});
    c = await create({name: 'list_c', tags: {team: 'red'}, status: 'disabled'});
  });

  test('get masks the secret', async () => {
    const res = await d.call('GET', `/v1/apps/${a.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.app_key, a.app_key);
    assert.equal(
        res.json.app_secret, a.app_secret.slice(0, 3) + '*'.repeat(12) + a.app_secret.slice(-3));
    assert.ok(!res.text.includes(a.app_secret));
  });

  test('get by numeric AppId', async () => {
    const res = await d.call('GET', `/v1/apps/${a.app_id}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.id, a.id);
  });

  test('unknown ids are 404', async () => {
    expectError(
        await d.call(
            'GET',
            '/v1/apps/' +
                '0'.repeat(32)),
        404, 'app_not_found');
    expectError(await d.call('GET', '/v1/apps/not-an-id'), 404, 'app_not_found');
    expectError(await d.call('GET', '/v1/apps/12345'), 404, 'app_not_found');
  });

  test('filters by name, AppKey, tag and status', async () => {
    let res = await d.call('GET', '/v1/apps?name=list_b');
    assert.deepEqual(res.json.items.map((x) => x.id), [b.id]);
    res = await d.call('GET', `/v1/apps?app_key=${c.app_key}`);
    assert.deepEqual(res.json.items.map((x) => x.id), [c.id]);
    res = await d.call('GET', '/v1/apps?tag=team:red');
    assert.deepEqual(res.json.items.map((x) => x.id), [a.id, c.id]);
    res = await d.call('GET', '/v1/apps?tag=team:red&tag=tier:prod');
    assert.deepEqual(res.json.items.map((x) => x.id), [a.id]);
    res = await d.call('GET', '/v1/apps?tag=tier');
    assert.deepEqual(res.json.items.map((x) => x.id), [a.id, b.id]);
    res = await d.call('GET', '/v1/apps?tag=team:red&status=disabled');
    assert.deepEqual(res.json.items.map((x) => x.id), [c.id]);
    res = await d.call('GET', '/v1/apps?name=nobody');
    assert.deepEqual(res.json, {items: [], total: 0});
  });

  test('pages with limit and offset, with the total', async () => {
    const all = (await d.call('GET', '/v1/apps?limit=100')).json;
    assert.ok(all.total >= 3);
    const page = (await d.call('GET', '/v1/apps?limit=2&offset=1')).json;
    assert.equal(page.total, all.total);
    assert.deepEqual(page.items.map((x) => x.id), all.items.slice(1, 3).map((x) => x.id));
    assert.equal((await d.call('GET', '/v1/apps?limit=1')).json.items.length, 1);
  });

  test('bad query parameters are 400', async () => {
    expectError(await d.call('GET', '/v1/apps?limit=0'), 400, 'bad_request', 'limit');
    expectError(await d.call('GET', '/v1/apps?limit=101'), 400, 'bad_request', 'limit');
    expectError(await d.call('GET', '/v1/apps?limit=abc'), 400, 'bad_request', 'limit');
    expectError(await d.call('GET', '/v1/apps?offset=-1'), 400, 'bad_request', 'offset');
    expectError(await d.call('GET', '/v1/apps?nmae=x'), 400, 'bad_request', 'query');
    expectError(await d.call('GET', '/v1/apps?name=a&name=b'), 400, 'bad_request', 'query');
    expectError(await d.call('GET', '/v1/apps?status=on'), 400, 'bad_request', 'status');
    const tags = [...Array(21).keys()].map((i) => `tag=k${i}`).join('&');
    expectError(await d.call('GET', `/v1/apps?${tags}`), 400, 'bad_request', 'tags');
    const twenty = [...Array(20).keys()].map((i) => `tag=k${i}`).join('&');
    assert.equal((await d.call('GET', `/v1/apps?${twenty}`)).status, 200);
  });
});

describe('modify and delete', () => {
  test('patch changes only the fields given', async () => {
    const app = await create({name: 'patch_me', description: 'old', tags: {a: '1'}});
    let res = await d.call('PATCH', `/v1/apps/${app.id}`, {body: {description: 'new'}});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.description, 'new');
    assert.deepEqual(res.json.tags, {a: '1'});
    assert.equal(res.json.name, 'patch_me');
    res = await d.call('PATCH', `/v1/apps/${app.id}`, {
      body: {
        name: 'patched',
        tags: null,
        status: 'disabled',
        rate_limit: {rps: 5, burst: 10},
        extend: 'e'
      }
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.name, 'patched');
    assert.deepEqual(res.json.tags, {});
    assert.equal(res.json.status, 'disabled');
    assert.deepEqual(res.json.rate_limit, {rps: 5, burst: 10});
    res = await d.call('PATCH', `/v1/apps/${app.id}`, {body: {rate_limit: null}});
    assert.equal(res.json.rate_limit, null);
    // The secret survives a patch unchanged and stays masked.
    assert.equal(res.json.app_key, app.app_key);
    assert.ok(!res.text.includes(app.app_secret));
  });

  test('patch refuses a taken name and bad values, and writes nothing', async () => {
    const x = await create({name: 'patch_x'});
    await create({name: 'patch_y'});
    expectError(
        await d.call('PATCH', `/v1/apps/${x.id}`, {body: {name: 'patch_y'}}), 409, 'app_name_taken',
        'name');
    expectError(
        await d.call(
            'PATCH', `/v1/apps/${x.id}`, {body: {name: 'patch_z', description: 'x'.repeat(256)}}),
        422, 'invalid_field', 'description');
    assert.equal((await d.call('GET', `/v1/apps/${x.id}`)).json.name, 'patch_x');
    expectError(
        await d.call('PATCH', `/v1/apps/${x.id}`, {body: {app_key: 'abcdefgh'}}), 422,
        'unknown_field');
    // Renaming to its own name is not a conflict.
    assert.equal(
        (await d.call('PATCH', `/v1/apps/${x.id}`, {body: {name: 'patch_x'}})).status, 200);
  });

  test('delete removes the app, its keys, codes and grants', async () => {
    const app = await create({name: 'doomed', generate_app_code: true});
    await d.call('POST', '/v1/apis', {body: {name: 'doomed_api'}});
    assert.equal((await d.call('PUT', `/v1/apps/${app.id}/grants/doomed_api`)).status, 201);
    const res = await d.call('DELETE', `/v1/apps/${app.id}`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    expectError(await d.call('GET', `/v1/apps/${app.id}`), 404, 'app_not_found');
    expectError(await d.call('DELETE', `/v1/apps/${app.id}`), 404, 'app_not_found');
    assert.equal((await d.call('GET', `/v1/apps?app_key=${app.app_key}`)).json.total, 0);
    assert.equal((await d.call('GET', '/v1/apis/doomed_api/grants')).json.total, 0);
    // Its AppKey and AppCode are free again.
    await create({name: 'reborn', app_key: app.app_key, app_code: app.app_codes[0].app_code});
  });
});

describe('limits', () => {
  test('apps per account: the default from --max-apps, exceeded at the edge', async () => {
    const small = await startTollgated({args: ['--max-apps', '3']});
    try {
      for (const name of ['q1', 'q2', 'q3']) {
        assert.equal((await small.call('POST', '/v1/apps', {body: {name}})).status, 201);
      }
      const res = await small.call('POST', '/v1/apps', {body: {name: 'q4'}});
      expectError(res, 409, 'app_limit_exceeded');
      assert.equal((await small.call('GET', '/v1/apps')).json.total, 3);
      // An account's own quota overrides the default.
      const acc =
          (await small.call('POST', '/v1/accounts', {body: {name: 'big', app_quota: 4}})).json;
      for (const name of ['b1', 'b2', 'b3', 'b4']) {
        assert.equal(
            (await small.call('POST', '/v1/apps', {body: {name, account_id: acc.id}})).status, 201);
      }
      expectError(
          await small.call('POST', '/v1/apps', {body: {name: 'b5', account_id: acc.id}}), 409,
          'app_limit_exceeded');
      // Deleting one makes room again.
      const first = (await small.call('GET', '/v1/apps?name=q1')).json.items[0];
      assert.equal((await small.call('DELETE', `/v1/apps/${first.id}`)).status, 204);
      assert.equal((await small.call('POST', '/v1/apps', {body: {name: 'q4'}})).status, 201);
    } finally {
      await small.stop();
    }
  });

  test('app writes per account are rate limited, with Retry-After', async () => {
    // A rate so slow that no token comes back during the test: exactly
    // `burst` writes pass, the next is refused.
    const slow =
        await startTollgated({args: ['--app-write-rate', '0.001', '--app-write-burst', '3']});
    try {
      const a1 = await slow.call('POST', '/v1/apps', {body: {name: 'r1'}});
      assert.equal(a1.status, 201);
      assert.equal(
          (await slow.call('PATCH', `/v1/apps/${a1.json.id}`, {body: {extend: 'x'}})).status, 200);
      assert.equal((await slow.call('DELETE', `/v1/apps/${a1.json.id}`)).status, 204);
      const res = await slow.call('POST', '/v1/apps', {body: {name: 'r2'}});
      expectError(res, 429, 'rate_limited');
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      assert.equal((await slow.call('GET', '/v1/apps?name=r2')).json.total, 0);
      // Reads are not limited.
      assert.equal((await slow.call('GET', '/v1/apps')).status, 200);
    } finally {
      await slow.stop();
    }
  });
});
