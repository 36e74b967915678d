// Accounts, access keys and tenant isolation: one account never sees or
// touches another's apps; admin keys act on every account.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {ADMIN_ID, startTollgated} from './lib/tollgated.mjs';

let d;
let alice;  // { account, key: [id, secret] }
let bob;

function expectError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error.code, code, res.text);
}

async function tenant(name) {
  const account = await d.call('POST', '/v1/accounts', {body: {name}});
  assert.equal(account.status, 201, account.text);
  const key = await d.call(
      'POST', `/v1/accounts/${name}/access-keys`, {body: {description: `${name}'s key`}});
  assert.equal(key.status, 201, key.text);
  assert.match(key.json.id, /^TG[A-Za-z0-9]{22}$/);
  assert.match(key.json.secret, /^[A-Za-z0-9]{40}$/);
  assert.equal(key.json.role, 'member');
  return {account: account.json, key: [key.json.id, key.json.secret]};
}

before(async () => {
  d = await startTollgated();
  alice = await tenant('alice');
  bob = await tenant('bob');
});

after(async () => {
  await d.stop();
});

describe('isolation', () => {
  let app;  // alice's

  before(async () => {
    const res = await d.call(
        'POST', '/v1/apps', {body: {name: 'alice_app', generate_app_code: true}, auth: alice.key});
    assert.equal(res.status, 201, res.text);
    app = res.json;
    assert.equal(app.account_id, alice.account.id);
  });

  test('whoami names the caller', async () => {
    const res = await d.call('GET', '/v1/whoami', {auth: bob.key});
    const {permissions, ...who} = res.json;
    assert.deepEqual(who, {
      access_key_id: bob.key[0],
      account_id: bob.account.id,
      account_name: 'bob',
      role: 'member',
      has_policies: false,
    });
    // What the key may do (the console's hint): a member's role.
    assert.equal(permissions['apigateway:CreateApp'], true);
    assert.equal(permissions['apigateway:CreateAccount'], false);
  });

  test('another account sees nothing of the app', async () => {
    const list = await d.call('GET', '/v1/apps', {auth: bob.key});
    assert.deepEqual(list.json, {items: [], total: 0});
    assert.equal(
        (await d.call('GET', `/v1/apps?app_key=${app.app_key}`, {auth: bob.key})).json.total, 0);
    assert.equal((await d.call('GET', '/v1/apps?name=alice_app', {auth: bob.key})).json.total, 0);
    // Naming alice's account is refused, not answered with bob's own.
    expectError(
        await d.call('GET', `/v1/apps?account_id=${alice.account.id}`, {auth: bob.key}), 403,
        'forbidden');
    assert.equal(
        (await d.call('GET', `/v1/apps?account_id=${bob.account.id}`, {auth: bob.key})).status,
        200);
    for (const ref of [app.id, String(app.app_id)]) {
      expectError(await d.call('GET', `/v1/apps/${ref}`, {auth: bob.key}), 404, 'app_not_found');
    }
  });

  test('another account can touch nothing of the app', async () => {
    const calls = [
      ['PATCH', `/v1/apps/${app.id}`, {name: 'stolen'}],
      ['DELETE', `/v1/apps/${app.id}`],
      ['POST', `/v1/apps/${app.id}/reset-secret`, {}],
      ['GET', `/v1/apps/${app.id}/secret`],
      ['GET', `/v1/apps/${app.id}/keys`],
      ['POST', `/v1/apps/${app.id}/keys`, {}],
      ['DELETE', `/v1/apps/${app.id}/keys/${app.app_key}`],
      ['GET', `/v1/apps/${app.id}/codes`],
      ['POST', `/v1/apps/${app.id}/codes`, {}],
      ['DELETE', `/v1/apps/${app.id}/codes/${app.app_codes[0].id}`],
      ['GET', `/v1/apps/${app.id}/grants`],
    ];
    for (const [method, path, body] of calls) {
      const res = await d.call(method, path, {body, auth: bob.key});
      expectError(res, 404, 'app_not_found');
      assert.ok(!res.text.includes(app.app_secret));
    }
    // Bob may reuse the name in his own account.
    assert.equal(
        (await d.call('POST', '/v1/apps', {body: {name: 'alice_app'}, auth: bob.key})).status, 201);
    // Alice's app is unchanged.
    const shown = await d.call('GET', `/v1/apps/${app.id}/secret`, {auth: alice.key});
    assert.equal(shown.json.app_secret, app.app_secret);
    assert.equal(
        (await d.call('GET', `/v1/apps/${app.id}`, {auth: alice.key})).json.name, 'alice_app');
  });

  test('a member key cannot create in another account', async () => {
    expectError(
        await d.call(
            'POST', '/v1/apps', {body: {name: 'x', account_id: alice.account.id}, auth: bob.key}),
        403, 'forbidden');
  });

  test('an admin sees and acts on every account', async () => {
    const list = await d.call('GET', `/v1/apps?account_id=${alice.account.id}`);
    assert.deepEqual(list.json.items.map((x) => x.id), [app.id]);
    assert.equal((await d.call('GET', `/v1/apps/${app.id}`)).status, 200);
    const made = await d.call(
        'POST', '/v1/apps', {body: {name: 'made_for_bob', account_id: bob.account.id}});
    assert.equal(made.status, 201);
    assert.equal(made.json.account_id, bob.account.id);
    expectError(
        await d.call('POST', '/v1/apps', {body: {name: 'nowhere', account_id: 'f'.repeat(32)}}),
        404, 'account_not_found');
  });

  test('grants: only to one\'s own APIs; across accounts only by an admin', async () => {
    const api = await d.call('POST', '/v1/apis', {body: {name: 'bob_api'}, auth: bob.key});
    assert.equal(api.status, 201, api.text);
    assert.equal(api.json.account_id, bob.account.id);
    // The registry is a catalogue: alice may read it...
    assert.equal((await d.call('GET', '/v1/apis/bob_api', {auth: alice.key})).status, 200);
    // ...but not grant her app bob's API, nor change it.
    expectError(
        await d.call('PUT', `/v1/apps/${app.id}/grants/bob_api`, {auth: alice.key}), 403,
        'forbidden');
    expectError(await d.call('DELETE', '/v1/apis/bob_api', {auth: alice.key}), 403, 'forbidden');
    // Bob cannot grant alice's app (he cannot see it).
    expectError(
        await d.call('PUT', `/v1/apps/${app.id}/grants/bob_api`, {auth: bob.key}), 404,
        'app_not_found');
    // An admin can, and then each side sees what is theirs.
    assert.equal((await d.call('PUT', `/v1/apps/${app.id}/grants/bob_api`)).status, 201);
    assert.equal(
        (await d.call('GET', `/v1/apps/${app.id}/grants`, {auth: alice.key})).json.total, 1);
    assert.equal((await d.call('GET', '/v1/apis/bob_api/grants', {auth: bob.key})).json.total, 0);
    assert.equal((await d.call('GET', '/v1/apis/bob_api/grants', {auth: alice.key})).json.total, 1);
    assert.equal((await d.call('GET', '/v1/apis/bob_api/grants')).json.total, 1);
  });

  test('audit: a member sees its own account\'s events only', async () => {
    const mine = await d.call('GET', '/v1/audit?limit=100', {auth: bob.key});
    assert.ok(mine.json.total > 0);
    for (const e of mine.json.items) {
      assert.equal(e.account_id, bob.account.id, JSON.stringify(e));
    }
    const theirs = await d.call('GET', `/v1/audit?app=${app.id}`, {auth: bob.key});
    assert.equal(theirs.json.total, 0);
  });
});

describe('accounts', () => {
  test('only admins create, list all, change and delete accounts', async () => {
    expectError(
        await d.call('POST', '/v1/accounts', {body: {name: 'nope'}, auth: alice.key}), 403,
        'forbidden');
    const mine = await d.call('GET', '/v1/accounts', {auth: alice.key});
    assert.deepEqual(mine.json.items.map((a) => a.name), ['alice']);
    expectError(
        await d.call('GET', '/v1/accounts/bob', {auth: alice.key}), 404, 'account_not_found');
    assert.equal((await d.call('GET', '/v1/accounts/alice', {auth: alice.key})).status, 200);
    expectError(
        await d.call('PATCH', '/v1/accounts/alice', {body: {app_quota: 5}, auth: alice.key}), 403,
        'forbidden');
    const all = await d.call('GET', '/v1/accounts?limit=100');
    assert.ok(all.json.items.some((a) => a.name === 'default'));
  });

  test('names are identifiers and unique; quotas have bounds', async () => {
    expectError(
        await d.call('POST', '/v1/accounts', {body: {name: 'alice'}}), 409, 'account_name_taken');
    expectError(
        await d.call('POST', '/v1/accounts', {body: {name: '9lives'}}), 422, 'invalid_field');
    expectError(
        await d.call('POST', '/v1/accounts', {body: {name: 'q', app_quota: 1000001}}), 422,
        'invalid_field');
    assert.equal(
        (await d.call('POST', '/v1/accounts', {body: {name: 'q', app_quota: 1000000}})).status,
        201);
    const res = await d.call('PATCH', '/v1/accounts/q', {body: {app_quota: null, name: 'q2'}});
    assert.equal(res.json.app_quota, null);
    assert.equal(res.json.name, 'q2');
  });

  test('a disabled account\'s keys cannot authenticate', async () => {
    const carol = await tenant('carol');
    assert.equal((await d.call('GET', '/v1/whoami', {auth: carol.key})).status, 200);
    assert.equal(
        (await d.call('PATCH', '/v1/accounts/carol', {body: {status: 'disabled'}})).status, 200);
    expectError(await d.call('GET', '/v1/whoami', {auth: carol.key}), 401, 'unauthenticated');
    await d.call('PATCH', '/v1/accounts/carol', {body: {status: 'enabled'}});
    assert.equal((await d.call('GET', '/v1/whoami', {auth: carol.key})).status, 200);
  });

  test('only an empty account can be deleted', async () => {
    const dave = await tenant('dave');
    expectError(await d.call('DELETE', '/v1/accounts/dave'), 409, 'account_not_empty');
    assert.equal(
        (await d.call('DELETE', `/v1/accounts/dave/access-keys/${dave.key[0]}`)).status, 204);
    assert.equal((await d.call('DELETE', '/v1/accounts/dave')).status, 204);
    expectError(await d.call('GET', '/v1/accounts/dave'), 404, 'account_not_found');
  });
});

describe('access keys', () => {
  test('the secret is shown once; lists never show it', async () => {
    const made = await d.call('POST', '/v1/accounts/alice/access-keys', {auth: alice.key});
    assert.equal(made.status, 201);
    const list = await d.call('GET', '/v1/accounts/alice/access-keys', {auth: alice.key});
    assert.ok(list.json.items.some((k) => k.id === made.json.id));
    assert.ok(!list.text.includes(made.json.secret));
    const one =
        await d.call('GET', `/v1/accounts/alice/access-keys/${made.json.id}`, {auth: alice.key});
    assert.equal(one.json.secret, undefined);
    assert.ok(!one.text.includes(made.json.secret));
  });

  test('members manage member keys; admin keys are an admin\'s', async () => {
    expectError(
        await d.call(
            'POST', '/v1/accounts/alice/access-keys', {body: {role: 'admin'}, auth: alice.key}),
        403, 'forbidden');
    const admin = await d.call('POST', '/v1/accounts/alice/access-keys', {body: {role: 'admin'}});
    assert.equal(admin.json.role, 'admin');
    expectError(
        await d.call(
            'PATCH', `/v1/accounts/alice/access-keys/${admin.json.id}`,
            {body: {status: 'disabled'}, auth: alice.key}),
        403, 'forbidden');
    expectError(
        await d.call(
            'DELETE', `/v1/accounts/alice/access-keys/${admin.json.id}`, {auth: alice.key}),
        403, 'forbidden');
    // Keys of another account are not found.
    expectError(
        await d.call('GET', '/v1/accounts/bob/access-keys', {auth: alice.key}), 404,
        'account_not_found');
    expectError(
        await d.call('GET', `/v1/accounts/alice/access-keys/${bob.key[0]}`), 404,
        'access_key_not_found');
  });

  test('a disabled key cannot authenticate; enabling restores it', async () => {
    const k = (await d.call('POST', '/v1/accounts/alice/access-keys', {auth: alice.key})).json;
    const auth = [k.id, k.secret];
    assert.equal((await d.call('GET', '/v1/whoami', {auth})).status, 200);
    const off = await d.call(
        'PATCH', `/v1/accounts/alice/access-keys/${k.id}`,
        {body: {status: 'disabled', description: 'revoked'}, auth: alice.key});
    assert.equal(off.json.status, 'disabled');
    assert.equal(off.json.description, 'revoked');
    expectError(await d.call('GET', '/v1/whoami', {auth}), 401, 'unauthenticated');
    await d.call(
        'PATCH', `/v1/accounts/alice/access-keys/${k.id}`,
        {body: {status: 'enabled'}, auth: alice.key});
    assert.equal((await d.call('GET', '/v1/whoami', {auth})).status, 200);
    assert.notEqual(
        (await d.call('GET', `/v1/accounts/alice/access-keys/${k.id}`, {auth: alice.key}))
            .json.last_used_at,
        null);
  });

  test('custom ids and secrets obey their rules', async () => {
    const ok = await d.call(
        'POST', '/v1/accounts/alice/access-keys',
        {body: {id: 'ci-pipeline.1', secret: 'p'.repeat(16)}});
    assert.equal(ok.status, 201, ok.text);
    assert.equal(
        (await d.call('GET', '/v1/whoami', {auth: ['ci-pipeline.1', 'p'.repeat(16)]})).status, 200);
    expectError(
        await d.call('POST', '/v1/accounts/alice/access-keys', {body: {id: 'ci-pipeline.1'}}), 409,
        'access_key_taken');
    for (const body
             of [{id: 'abc'}, {id: 'a:bc1'}, {id: 'x'.repeat(65)}, {secret: 'p'.repeat(15)},
                 {secret: 'p'.repeat(129)}, {secret: 'with space 123456'}, {role: 'owner'}]) {
      expectError(
          await d.call('POST', '/v1/accounts/alice/access-keys', {body}), 422, 'invalid_field');
    }
    assert.equal(
        (await d.call('POST', '/v1/accounts/alice/access-keys', {
          body: {id: 'x'.repeat(64), secret: 'p'.repeat(128)}
        })).status,
        201);
  });

  test('the last enabled admin key can be neither disabled nor deleted', async () => {
    const solo = await startTollgated();
    try {
      expectError(
          await solo.call(
              'PATCH', `/v1/accounts/default/access-keys/${ADMIN_ID}`,
              {body: {status: 'disabled'}}),
          409, 'last_admin_key');
      expectError(
          await solo.call('DELETE', `/v1/accounts/default/access-keys/${ADMIN_ID}`), 409,
          'last_admin_key');
      expectError(
          await solo.call('PATCH', '/v1/accounts/default', {body: {status: 'disabled'}}), 409,
          'last_admin_key');
      const second = (await solo.call('POST', '/v1/accounts/default/access-keys', {
                       body: {role: 'admin'}
                     })).json;
      assert.equal(
          (await solo.call('DELETE', `/v1/accounts/default/access-keys/${ADMIN_ID}`, {
            auth: [second.id, second.secret]
          })).status,
          204);
      assert.equal(
          (await solo.call('GET', '/v1/whoami', {auth: [second.id, second.secret]})).status, 200);
    } finally {
      await solo.stop();
    }
  });
});

describe('authentication', () => {
  test('missing, malformed and wrong credentials are 401 and audited', async () => {
    const cases = [
      {},
      {authorization: 'Bearer abc'},
      {authorization: 'Basic !!!'},
      {authorization: 'Basic ' + Buffer.from('no-colon').toString('base64')},
      {authorization: 'Basic ' + Buffer.from(`${alice.key[0]}:wrong`).toString('base64')},
      {authorization: 'Basic ' + Buffer.from('TGunknownKey0000000000000:x').toString('base64')},
    ];
    for (const headers of cases) {
      const res = await d.call('GET', '/v1/apps', {auth: null, headers});
      expectError(res, 401, 'unauthenticated');
      assert.match(res.headers.get('www-authenticate'), /^Basic realm="tollgate"/);
    }
    const audit = await d.call('GET', '/v1/audit?action=auth.failure&limit=100');
    const reasons = audit.json.items.map((e) => e.detail && e.detail.reason);
    assert.ok(reasons.includes('wrong secret'), JSON.stringify(reasons));
    assert.ok(reasons.includes('unknown access key'), JSON.stringify(reasons));
    const wrong = audit.json.items.find((e) => e.detail.reason === 'wrong secret');
    assert.equal(wrong.actor, alice.key[0]);
    assert.equal(wrong.account_id, alice.account.id);
    assert.equal(wrong.result, 'failure');
    assert.equal(wrong.source, '127.0.0.1');
    assert.ok(!audit.text.includes('wrong'.repeat(2)));
  });

  test('a secret pasted as the key id is never recorded', async () => {
    // Generated secrets have the shape of key ids; only known ids are kept.
    const secretish = 'ThisLooksLikeASecret0123456789';
    await d.call('GET', '/v1/apps', {
      auth: null,
      headers: {authorization: 'Basic ' + Buffer.from(`${secretish}:x`).toString('base64')}
    });
    const audit = await d.call('GET', '/v1/audit?action=auth.failure&limit=1');
    assert.equal(audit.json.items[0].actor, null);
    assert.ok(!audit.text.includes('ThisLooksLikeASecret'));
  });
});
