// An app's secrets: rotation with and without grace, reveal, key pairs and
// AppCodes, with their limits at the edges.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {startTollgated} from './lib/tollgated.mjs';

let d;

before(async () => {
  // AppCodes may be reset at once here; the interval has its own test.
  d = await startTollgated({args: ['--code-reset-interval', '0']});
});

after(async () => {
  await d.stop();
});

function expectError(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error.code, code, res.text);
  if (field !== undefined) {
    assert.equal(res.json.error.field, field, res.text);
  }
}

let counter = 0;

async function newApp(extra = {}) {
  const res = await d.call('POST', '/v1/apps', {body: {name: `app${++counter}`, ...extra}});
  assert.equal(res.status, 201, res.text);
  return res.json;
}

async function reveal(app) {
  const res = await d.call('GET', `/v1/apps/${app.id}/secret`);
  assert.equal(res.status, 200, res.text);
  return res.json;
}

describe('reset-secret', () => {
  test('generates a new secret; the old one is gone at once by default', async () => {
    const app = await newApp();
    const res = await d.call('POST', `/v1/apps/${app.id}/reset-secret`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.app_key, app.app_key);
    assert.match(res.json.app_secret, /^[A-Za-z0-9]{40}$/);
    assert.notEqual(res.json.app_secret, app.app_secret);
    assert.equal(res.json.previous_app_key, null);
    assert.equal(res.json.previous_expires_at, null);
    const shown = await reveal(app);
    assert.equal(shown.app_secret, res.json.app_secret);
    assert.equal(shown.key_pairs[0].previous_app_key, null);
  });

  test('takes a chosen secret and a new AppKey', async () => {
    const app = await newApp();
    const res = await d.call(
        'POST', `/v1/apps/${app.id}/reset-secret`,
        {body: {app_secret: 'Chosen_Secret-1', app_key: 'newAppKey01'}});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.app_key, 'newAppKey01');
    assert.equal(res.json.app_secret, 'Chosen_Secret-1');
    assert.equal((await d.call('GET', `/v1/apps?app_key=newAppKey01`)).json.items[0].id, app.id);
    assert.equal((await d.call('GET', `/v1/apps?app_key=${app.app_key}`)).json.total, 0);
  });

  test('records the previous secret\'s expiry during a grace period', async () => {
    const app = await newApp();
    const before = Date.now();
    const res = await d.call(
        'POST', `/v1/apps/${app.id}/reset-secret`,
        {body: {grace_seconds: 3600, app_key: `gracedKey${counter}`}});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.previous_app_key, app.app_key);
    const expires = Date.parse(res.json.previous_expires_at);
    assert.ok(Math.abs(expires - (before + 3600e3)) < 5000, res.json.previous_expires_at);
    // The replaced AppKey stays reserved while its grace lasts.
    const other =
        await d.call('POST', '/v1/apps', {body: {name: `taker${counter}`, app_key: app.app_key}});
    assert.equal(other.status, 409, other.text);
    assert.equal(other.json.error.code, 'app_key_taken');
    // A second reset without grace ends the first one's grace.
    const again = await d.call('POST', `/v1/apps/${app.id}/reset-secret`);
    assert.equal(again.json.previous_app_key, null);
    assert.equal(
        (await d.call('POST', '/v1/apps', {body: {name: `taker2${counter}`, app_key: app.app_key}}))
            .status,
        201);
  });

  test('grace_seconds: 0 and 604800 pass, -1 and 604801 do not', async () => {
    const app = await newApp();
    for (const grace_seconds of [0, 604800]) {
      assert.equal(
          (await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {grace_seconds}})).status,
          200);
    }
    for (const grace_seconds of [-1, 604801]) {
      expectError(
          await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {grace_seconds}}), 422,
          'invalid_field', 'grace_seconds');
    }
    expectError(
        await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {grace_seconds: '60'}}), 422,
        'invalid_field');
  });

  test('refuses a taken AppKey and bad values, and changes nothing', async () => {
    const a = await newApp();
    const b = await newApp();
    expectError(
        await d.call('POST', `/v1/apps/${a.id}/reset-secret`, {body: {app_key: b.app_key}}), 409,
        'app_key_taken', 'app_key');
    expectError(
        await d.call('POST', `/v1/apps/${a.id}/reset-secret`, {body: {app_secret: 'short'}}), 422,
        'invalid_field', 'app_secret');
    const shown = await reveal(a);
    assert.equal(shown.app_key, a.app_key);
    assert.equal(shown.app_secret, a.app_secret);
    expectError(
        await d.call('POST', `/v1/apps/${'f'.repeat(32)}/reset-secret`), 404, 'app_not_found');
    expectError(
        await d.call('POST', `/v1/apps/${a.id}/reset-secret`, {body: {key: 'no-such-key'}}), 404,
        'key_not_found');
  });

  test('resets a named pair, by id or by AppKey', async () => {
    const app = await newApp();
    const extra = (await d.call('POST', `/v1/apps/${app.id}/keys`)).json;
    let res = await d.call('POST', `/v1/apps/${app.id}/keys/${extra.id}/reset-secret`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, extra.id);
    assert.notEqual(res.json.app_secret, extra.app_secret);
    res = await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {key: extra.app_key}});
    assert.equal(res.json.id, extra.id);
    // The primary pair was not touched.
    assert.equal((await reveal(app)).app_secret, app.app_secret);
  });
});

describe('reveal', () => {
  test('shows every pair and code in clear, and is audited', async () => {
    const app = await newApp({app_code: 'r'.repeat(40)});
    await d.call('POST', `/v1/apps/${app.id}/codes`, {body: {app_code: 's'.repeat(40)}});
    const shown = await reveal(app);
    assert.equal(shown.id, app.id);
    assert.equal(shown.app_key, app.app_key);
    assert.equal(shown.app_secret, app.app_secret);
    // The codes are objects, as the app's creation shows them.
    assert.deepEqual(shown.app_codes.map((c) => c.app_code), ['r'.repeat(40), 's'.repeat(40)]);
    assert.deepEqual(
        Object.keys(shown.app_codes[0]),
        ['id', 'app_code', 'secret_expires_at', 'created_at', 'updated_at']);
    assert.equal(shown.key_pairs.length, 1);
    assert.equal(shown.key_pairs[0].app_secret, app.app_secret);
    const audit = await d.call('GET', `/v1/audit?app=${app.id}&action=app.secret.reveal`);
    assert.equal(audit.json.total, 1);
    assert.equal(audit.json.items[0].result, 'success');
    assert.ok(!audit.text.includes(app.app_secret));
  });

  test('reveal of an unknown app is 404 and audited as a failure', async () => {
    expectError(await d.call('GET', `/v1/apps/${'e'.repeat(32)}/secret`), 404, 'app_not_found');
    const audit = await d.call('GET', '/v1/audit?action=app.secret.reveal&limit=1');
    assert.equal(audit.json.items[0].result, 'failure');
    assert.equal(audit.json.items[0].error, 'app_not_found');
  });
});

describe('key pairs', () => {
  test('add up to five, masked in lists; the sixth is refused', async () => {
    const app = await newApp();
    const added = [];
    for (let i = 0; i < 4; i++) {
      const res = await d.call('POST', `/v1/apps/${app.id}/keys`);
      assert.equal(res.status, 201, res.text);
      assert.match(res.json.app_secret, /^[A-Za-z0-9]{40}$/);
      assert.equal(res.json.primary, false);
      added.push(res.json);
    }
    expectError(await d.call('POST', `/v1/apps/${app.id}/keys`), 409, 'key_limit_exceeded');
    const list = await d.call('GET', `/v1/apps/${app.id}/keys`);
    assert.equal(list.json.total, 5);
    assert.equal(list.json.items[0].app_key, app.app_key);
    assert.equal(list.json.items[0].primary, true);
    for (const k of added) {
      assert.ok(!list.text.includes(k.app_secret));
    }
    assert.match(list.json.items[1].app_secret, /^.{3}\*{12}.{3}$/);
  });

  test('custom pairs, uniqueness, and making one primary', async () => {
    const app = await newApp();
    const res = await d.call(
        'POST', `/v1/apps/${app.id}/keys`,
        {body: {app_key: `pairKey${counter}`, app_secret: 'pairSecret1', primary: true}});
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.primary, true);
    let got = (await d.call('GET', `/v1/apps/${app.id}`)).json;
    assert.equal(got.app_key, `pairKey${counter}`);
    expectError(
        await d.call('POST', `/v1/apps/${app.id}/keys`, {body: {app_key: app.app_key}}), 409,
        'app_key_taken');
    const back =
        await d.call('PATCH', `/v1/apps/${app.id}/keys/${app.app_key}`, {body: {primary: true}});
    assert.equal(back.status, 200, back.text);
    got = (await d.call('GET', `/v1/apps/${app.id}/keys`)).json;
    assert.deepEqual(got.items.map((k) => k.primary), [true, false]);
    assert.equal(got.items[0].app_key, app.app_key);
    expectError(
        await d.call('PATCH', `/v1/apps/${app.id}/keys/${app.app_key}`, {body: {primary: false}}),
        422, 'invalid_field', 'primary');
  });

  test('deleting the primary promotes the oldest; the last cannot go', async () => {
    const app = await newApp();
    const second = (await d.call('POST', `/v1/apps/${app.id}/keys`)).json;
    assert.equal((await d.call('DELETE', `/v1/apps/${app.id}/keys/${app.app_key}`)).status, 204);
    const list = (await d.call('GET', `/v1/apps/${app.id}/keys`)).json;
    assert.equal(list.total, 1);
    assert.equal(list.items[0].id, second.id);
    assert.equal(list.items[0].primary, true);
    expectError(
        await d.call('DELETE', `/v1/apps/${app.id}/keys/${second.id}`), 409, 'last_key_pair');
    expectError(
        await d.call('DELETE', `/v1/apps/${app.id}/keys/${'a'.repeat(32)}`), 404, 'key_not_found');
  });

  test('a pair of another app is not found through this one', async () => {
    const a = await newApp();
    const b = await newApp();
    expectError(await d.call('DELETE', `/v1/apps/${a.id}/keys/${b.app_key}`), 404, 'key_not_found');
  });
});

describe('AppCodes', () => {
  test('add up to five; the sixth is refused; list masks them', async () => {
    const app = await newApp();
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const res = await d.call('POST', `/v1/apps/${app.id}/codes`);
      assert.equal(res.status, 201, res.text);
      assert.match(res.json.app_code, /^[0-9a-f]{64}$/);
      codes.push(res.json);
    }
    expectError(await d.call('POST', `/v1/apps/${app.id}/codes`), 409, 'code_limit_exceeded');
    const list = await d.call('GET', `/v1/apps/${app.id}/codes`);
    assert.equal(list.json.total, 5);
    for (const c of codes) {
      assert.ok(!list.text.includes(c.app_code));
    }
    assert.equal(
        list.json.items[0].app_code,
        codes[0].app_code.slice(0, 3) + '*'.repeat(12) + codes[0].app_code.slice(-3));
  });

  test('a given code: rules at the edges, unique across apps', async () => {
    const app = await newApp();
    const other = await newApp();
    assert.equal(
        (await d.call('POST', `/v1/apps/${app.id}/codes`, {
          body: {
            app_code: '+' +
                'a'.repeat(31)
          }
        })).status,
        201);
    expectError(
        await d.call('POST', `/v1/apps/${app.id}/codes`, {body: {app_code: 'a'.repeat(31)}}), 422,
        'invalid_field', 'app_code');
    expectError(
        await d.call('POST', `/v1/apps/${other.id}/codes`, {
          body: {
            app_code: '+' +
                'a'.repeat(31)
          }
        }),
        409, 'app_code_taken', 'app_code');
  });

  test('reset replaces a code; delete removes it', async () => {
    const app = await newApp();
    const code = (await d.call('POST', `/v1/apps/${app.id}/codes`)).json;
    const res = await d.call(
        'POST', `/v1/apps/${app.id}/codes/${code.id}/reset`, {body: {app_code: 'n'.repeat(50)}});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, code.id);
    assert.equal(res.json.app_code, 'n'.repeat(50));
    assert.deepEqual((await reveal(app)).app_codes.map((c) => c.app_code), ['n'.repeat(50)]);
    // The old code is free again, the new one taken.
    const other = await newApp();
    assert.equal(
        (await d.call('POST', `/v1/apps/${other.id}/codes`, {body: {app_code: code.app_code}}))
            .status,
        201);
    assert.equal((await d.call('DELETE', `/v1/apps/${app.id}/codes/${code.id}`)).status, 204);
    assert.deepEqual((await reveal(app)).app_codes, []);
    expectError(
        await d.call('DELETE', `/v1/apps/${app.id}/codes/${code.id}`), 404, 'code_not_found');
  });

  test('a code can be reset once a minute by default', async () => {
    const strict = await startTollgated();
    try {
      const app = (await strict.call('POST', '/v1/apps', {
                    body: {name: 'coded', generate_app_code: true}
                  })).json;
      const code = app.app_codes[0];
      const res = await strict.call('POST', `/v1/apps/${app.id}/codes/${code.id}/reset`);
      assert.equal(res.status, 429, res.text);
      assert.equal(res.json.error.code, 'rate_limited');
      const retry = Number(res.headers.get('retry-after'));
      assert.ok(retry >= 59 && retry <= 60, `Retry-After ${retry}`);
      const shown = (await strict.call('GET', `/v1/apps/${app.id}/secret`)).json;
      assert.deepEqual(shown.app_codes, [code]);
    } finally {
      await strict.stop();
    }
  });
});
