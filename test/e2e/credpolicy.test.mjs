// Per-account credential policy (docs/security.md), in every dialect:
// reveal-once refuses every reveal route; a grace a reset asks for must be
// within the bounds, and a reset that asks for none (every vendor's) gets
// the minimum; caller-chosen AppSecrets meet the strength rule; the native
// filter and the CLI list the apps whose secrets expire within a period;
// the policy itself is validated at its edges.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {after, before, beforeEach, describe, test} from 'node:test';

import {rawCall as aliCall} from './lib/alibaba.mjs';
import {assertError, client as authingClient} from './lib/authing.mjs';
import {call as huaweiCall} from './lib/huawei.mjs';
import {rawCall as tcCall} from './lib/tencent.mjs';
import {ADMIN_ID, ADMIN_SECRET, binDir, startTollgated} from './lib/tollgated.mjs';

let d, project, authing;

before(async () => {
  d = await startTollgated({args: ['--app-write-rate', '0']});
  project = (await d.call('GET', '/v1/whoami')).json.account_id;
  authing = authingClient(d);
});

after(async () => {
  await d.stop();
});

const NO_POLICY = {
  reveal_once: false,
  max_secret_age: null,
  min_grace: 0,
  max_grace: null,
  secret_min_length: 0,
  secret_classes: 0,
};

async function setPolicy(policy, account = 'default') {
  const res = await d.call('PATCH', `/v1/accounts/${account}`, {body: policy});
  assert.equal(res.status, 200, res.text);
  return res.json.credential_policy;
}

let counter = 0;

async function newApp(extra = {}) {
  const res = await d.call('POST', '/v1/apps', {body: {name: `cp_app${++counter}`, ...extra}});
  assert.equal(res.status, 201, res.text);
  return res.json;
}

function huawei(method, route, data) {
  return huaweiCall(
      d.url, method, `/v2/${project}/apigw/instances/default${route}`,
      {ak: ADMIN_ID, sk: ADMIN_SECRET, ...(data ? {data} : {})});
}

// Tencent's ApiAppId of an app: "app-" and its AppId in base 36.
const tcId = (app) => `app-${BigInt(app.app_id).toString(36)}`;

function expectNative(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error.code, code, res.text);
  if (field !== undefined) {
    assert.equal(res.json.error.field, field, res.text);
  }
}

function expectAlibaba(res, status, code, message) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.Code, code, res.text);
  if (message) {
    assert.match(res.json.Message, message);
  }
}

function expectHuawei(res, status, code, message) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error_code, code, res.text);
  if (message) {
    assert.match(res.json.error_msg, message);
  }
}

function expectTencent(res, code, message) {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.Response.Error?.Code, code, res.text);
  if (message) {
    assert.match(res.json.Response.Error.Message, message);
  }
}

describe('the policy', () => {
  beforeEach(async () => {
    await setPolicy(NO_POLICY);
  });

  test('defaults to no rule, and reads back what was set', async () => {
    const res = await d.call('GET', '/v1/accounts/default');
    assert.deepEqual(res.json.credential_policy, NO_POLICY);
    const set = {
      reveal_once: true,
      max_secret_age: 7776000,
      min_grace: 60,
      max_grace: 86400,
      secret_min_length: 24,
      secret_classes: 3,
    };
    assert.deepEqual(await setPolicy(set), set);
    // A change of one member keeps the others.
    assert.deepEqual(await setPolicy({min_grace: 0}), {...set, min_grace: 0});
  });

  test('is validated at each edge, nothing written on a refusal', async () => {
    await setPolicy({min_grace: 10, max_grace: 100});
    const refuse = async (body, field) => expectNative(
        await d.call('PATCH', '/v1/accounts/default', {body}), 422, 'invalid_field', field);
    await refuse({min_grace: 101}, 'min_grace');
    await refuse({max_grace: 9}, 'min_grace');
    await refuse({min_grace: -1}, 'min_grace');
    await refuse({max_grace: 604801}, 'max_grace');
    await refuse({max_secret_age: -1}, 'max_secret_age');
    await refuse({max_secret_age: 316224001}, 'max_secret_age');
    await refuse({secret_min_length: 129}, 'secret_min_length');
    await refuse({secret_classes: 5}, 'secret_classes');
    await refuse({secret_classes: -1}, 'secret_classes');
    expectNative(
        await d.call('PATCH', '/v1/accounts/default', {body: {reveal_once: 'yes'}}), 422,
        'invalid_field');
    const now = (await d.call('GET', '/v1/accounts/default')).json.credential_policy;
    assert.deepEqual(now, {...NO_POLICY, min_grace: 10, max_grace: 100});
    // The edges themselves pass.
    await setPolicy({
      min_grace: 100,
      max_grace: 100,
      max_secret_age: 316224000,
      secret_classes: 4,
      secret_min_length: 128
    });
  });

  test('is set by admins only', async () => {
    const acc = await d.call('POST', '/v1/accounts', {body: {name: 'cp_member'}});
    assert.equal(acc.status, 201, acc.text);
    const key = await d.call('POST', '/v1/accounts/cp_member/access-keys', {body: {}});
    const res = await d.call(
        'PATCH', '/v1/accounts/cp_member',
        {body: {reveal_once: false}, auth: [key.json.id, key.json.secret]});
    assert.equal(res.status, 403, res.text);
  });
});

describe('reveal-once', () => {
  let app;

  before(async () => {
    await setPolicy({...NO_POLICY, reveal_once: true});
    app = await newApp();
    assert.match(app.app_secret, /^[A-Za-z0-9]{40}$/, 'create shows the secret');
  });

  after(async () => {
    await setPolicy(NO_POLICY);
  });

  test('native: the reveal route is refused, and the refusal audited', async () => {
    expectNative(await d.call('GET', `/v1/apps/${app.id}/secret`), 403, 'secret_reveal_refused');
    const audit = await d.call('GET', `/v1/audit?app=${app.id}`);
    const refused = audit.json.items.find((e) => e.result === 'failure');
    assert.ok(refused, audit.text);
    assert.equal(refused.error, 'secret_reveal_refused');
    assert.doesNotMatch(audit.text, new RegExp(app.app_secret));
  });

  test('Alibaba: DescribeAppSecurity and DescribeAppSecurities are refused', async () => {
    for (const action of ['DescribeAppSecurity', 'DescribeAppSecurities']) {
      const res = await aliCall(d, action, {AppId: String(app.app_id)});
      expectAlibaba(res, 403, 'ForbiddenRevealAppSecret', /reveal-once/);
      assert.doesNotMatch(res.text, new RegExp(app.app_secret));
    }
  });

  test('Authing: get-application-secret is refused', async () => {
    const res = await authing.getApplicationSecret({appId: app.id});
    assertError(res, 403, 1001);
    assert.match(res.message, /reveal-once/);
  });

  test('Huawei and Tencent show the secret masked, as always', async () => {
    const hw = await huawei('GET', `/apps/${app.id}`);
    assert.equal(hw.status, 200, hw.text);
    assert.equal(hw.json.app_secret, '******');
    assert.doesNotMatch(hw.text, new RegExp(app.app_secret));
    const tc = await tcCall(d, 'DescribeApiApp', {ApiAppId: tcId(app)});
    assert.equal(tc.json.Response.Error, undefined, tc.text);
    assert.doesNotMatch(tc.text, new RegExp(app.app_secret));
  });

  test('a reset still shows the new secret once', async () => {
    const reset = await d.call('POST', `/v1/apps/${app.id}/reset-secret`);
    assert.equal(reset.status, 200, reset.text);
    assert.match(reset.json.app_secret, /^[A-Za-z0-9]{40}$/);
    const refresh = await authing.refreshApplicationSecret({appId: app.id});
    assert.equal(refresh.statusCode, 200, JSON.stringify(refresh));
    assert.match(refresh.data.secret, /^[A-Za-z0-9]{40}$/);
  });

  test('turned off, every reveal route answers again', async () => {
    await setPolicy({reveal_once: false});
    assert.equal((await d.call('GET', `/v1/apps/${app.id}/secret`)).status, 200);
    assert.equal(
        (await aliCall(d, 'DescribeAppSecurity', {AppId: String(app.app_id)})).status, 200);
    assert.equal((await authing.getApplicationSecret({appId: app.id})).statusCode, 200);
    await setPolicy({reveal_once: true});
  });
});

describe('grace bounds', () => {
  let app;

  before(async () => {
    await setPolicy({...NO_POLICY, min_grace: 60, max_grace: 3600});
    app = await newApp();
  });

  after(async () => {
    await setPolicy(NO_POLICY);
  });

  test('native: a grace below the minimum or above the maximum is refused', async () => {
    for (const grace of [0, 59, 3601, 604800]) {
      const res =
          await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {grace_seconds: grace}});
      expectNative(res, 422, 'invalid_field', 'grace_seconds');
      assert.match(res.json.error.message, /from 60 to 3600 seconds/);
    }
    for (const grace of [60, 3600]) {
      const res =
          await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {grace_seconds: grace}});
      assert.equal(res.status, 200, res.text);
    }
  });

  // The grace the app's primary pair keeps its replaced secret for,
  // measured from t (ms).
  async function graceSince(t) {
    const keys = await d.call('GET', `/v1/apps/${app.id}/keys`);
    assert.equal(keys.status, 200, keys.text);
    const primary = keys.json.items.find((k) => k.primary);
    assert.ok(primary.previous_expires_at, keys.text);
    return Math.round((Date.parse(primary.previous_expires_at) - t) / 1000);
  }

  test('a native reset that asks for no grace gets the minimum one', async () => {
    const t = Date.now();
    const res = await d.call('POST', `/v1/apps/${app.id}/reset-secret`);
    assert.equal(res.status, 200, res.text);
    assert.ok(Math.abs(await graceSince(t) - 60) <= 1);
    const audit = await d.call('GET', `/v1/audit?app=${app.id}&action=app.secret.reset`);
    assert.equal(audit.json.items[0].detail.grace_seconds, 60, audit.text);
  });

  test('every vendor reset (no grace) gets the minimum one', async () => {
    const resets = {
      alibaba: async () => aliCall(d, 'ResetAppSecret', {AppKey: app.app_key}),
      huaweiReset: async () => huawei('PUT', `/apps/secret/${app.id}`, {}),
      huaweiModify: async () => huawei(
          'PUT', `/apps/${app.id}`, {name: app.name, app_secret: `Another_Secret_${++counter}`}),
      tencent: async () =>
          tcCall(d, 'UpdateApiAppKey', {ApiAppId: tcId(app), ApiAppKey: app.app_key}),
      authing: async () => authing.refreshApplicationSecret({appId: app.id}),
    };
    for (const [name, reset] of Object.entries(resets)) {
      const t = Date.now();
      const res = await reset();
      const ok = res.statusCode === 200 ||
          (res.status === 200 && !res.json?.Response?.Error && !res.json?.Code);
      assert.ok(ok, `${name}: ${res.text ?? JSON.stringify(res)}`);
      assert.ok(Math.abs(await graceSince(t) - 60) <= 1, name);
    }
  });

  test('with no minimum, a reset that asks for none keeps no grace', async () => {
    await setPolicy({min_grace: 0});
    const ali = await aliCall(d, 'ResetAppSecret', {AppKey: app.app_key});
    assert.equal(ali.status, 200, ali.text);
    const keys = await d.call('GET', `/v1/apps/${app.id}/keys`);
    assert.equal(keys.json.items.find((k) => k.primary).previous_expires_at, null, keys.text);
    await setPolicy({min_grace: 60});
  });
});

describe('strength of caller-chosen secrets', () => {
  const WEAK_LONG = 'onlylowercaseletters22';  // 1 class
  const TWO = 'lowerAndUpperOnlyXYZab';        // 2 classes
  const SHORT = 'Ab1_short';                   // 4 classes, 9 long
  const STRONG = 'Strong_Secret_0123456';      // 4 classes, 21 long
  let app;

  before(async () => {
    await setPolicy({...NO_POLICY, secret_min_length: 20, secret_classes: 3});
    app = await newApp();
  });

  after(async () => {
    await setPolicy(NO_POLICY);
  });

  test('native: create, reset and key add', async () => {
    for (const weak of [WEAK_LONG, TWO, SHORT]) {
      expectNative(
          await d.call('POST', '/v1/apps', {body: {name: `cp_weak${++counter}`, app_secret: weak}}),
          422, 'invalid_field', 'app_secret');
      expectNative(
          await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {app_secret: weak}}), 422,
          'invalid_field', 'app_secret');
      expectNative(
          await d.call('POST', `/v1/apps/${app.id}/keys`, {body: {app_secret: weak}}), 422,
          'invalid_field', 'app_secret');
    }
    const res =
        await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {app_secret: STRONG}});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.app_secret, STRONG);
    // A generated secret needs no rule of the caller's.
    assert.equal((await d.call('POST', `/v1/apps/${app.id}/reset-secret`)).status, 200);
  });

  test('Alibaba: CreateApp, ResetAppSecret, CreateAppKey', async () => {
    expectAlibaba(
        await aliCall(d, 'CreateApp', {AppName: `cpAli${++counter}`, AppSecret: TWO}), 400,
        'InvalidAppSecret', /character classes/);
    expectAlibaba(
        await aliCall(d, 'ResetAppSecret', {AppKey: app.app_key, NewAppSecret: SHORT}), 400,
        'InvalidNewAppSecret', /shorter/);
    const key = await aliCall(
        d, 'CreateAppKey',
        {AppId: String(app.app_id), AppKey: `cpKey${counter}xx`, AppSecret: TWO});
    assert.equal(key.status, 400, key.text);
    assert.match(key.json.Code, /^Invalid/);
    const ok = await aliCall(d, 'CreateApp', {AppName: `cpAli${++counter}`, AppSecret: STRONG});
    assert.equal(ok.status, 200, ok.text);
  });

  test('Huawei: create, reset and modify', async () => {
    expectHuawei(
        await huawei('POST', '/apps', {name: `cp_hw${++counter}`, app_secret: TWO}), 400,
        'APIG.2012', /character classes/);
    expectHuawei(
        await huawei('PUT', `/apps/secret/${app.id}`, {app_secret: SHORT}), 400, 'APIG.2012',
        /shorter/);
    expectHuawei(
        await huawei('PUT', `/apps/${app.id}`, {name: app.name, app_secret: WEAK_LONG}), 400,
        'APIG.2012', /character classes/);
    const ok = await huawei('PUT', `/apps/secret/${app.id}`, {app_secret: STRONG});
    assert.equal(ok.status, 200, ok.text);
  });

  test('Tencent: UpdateApiAppKey with a chosen secret', async () => {
    expectTencent(
        await tcCall(
            d, 'UpdateApiAppKey', {ApiAppId: tcId(app), ApiAppKey: app.app_key, ApiAppSecret: TWO}),
        'InvalidParameterValue', /character classes/);
    expectTencent(
        await tcCall(
            d, 'UpdateApiAppKey',
            {ApiAppId: tcId(app), ApiAppKey: app.app_key, ApiAppSecret: STRONG}),
        undefined);
  });
});

describe('apps whose secrets expire within a period', () => {
  let soon, later, never;

  before(async () => {
    const accounts = {};
    for (const name of ['cp_soon', 'cp_later', 'cp_never']) {
      const res = await d.call('POST', '/v1/accounts', {body: {name}});
      assert.equal(res.status, 201, res.text);
      accounts[name] = res.json.id;
    }
    await setPolicy({max_secret_age: 5 * 86400}, 'cp_soon');
    await setPolicy({max_secret_age: 30 * 86400}, 'cp_later');
    const make = async (name, account) => {
      const res = await d.call(
          'POST', '/v1/apps',
          {body: {name, account_id: accounts[account], generate_app_code: true}});
      assert.equal(res.status, 201, res.text);
      return res.json;
    };
    soon = await make('expiring_soon', 'cp_soon');
    later = await make('expiring_later', 'cp_later');
    never = await make('expiring_never', 'cp_never');
  });

  const ids = (res) =>
      res.json.items.map((a) => a.id).filter((id) => [soon.id, later.id, never.id].includes(id));

  test('the native filter, at its edges', async () => {
    const at = async (s) => {
      const res = await d.call('GET', `/v1/apps?expiring_within=${s}&limit=100`);
      assert.equal(res.status, 200, res.text);
      return ids(res);
    };
    assert.deepEqual(await at(7 * 86400), [soon.id]);
    assert.deepEqual(await at(4 * 86400), []);
    assert.deepEqual((await at(31 * 86400)).sort(), [soon.id, later.id].sort());
    for (const bad of ['-1', '7d', '316224001', '']) {
      const res = await d.call('GET', `/v1/apps?expiring_within=${bad}`);
      expectNative(res, 400, 'bad_request', 'expiring_within');
    }
  });

  test('an app shows when its secret expires', async () => {
    const shown = Date.parse(soon.secret_expires_at);
    assert.ok(
        Math.abs(shown - (Date.parse(soon.created_at) + 5 * 86400e3)) <= 1000,
        soon.secret_expires_at);
    assert.equal(never.secret_expires_at, null);
    // The create's answer shows the AppCode's expiry too, as a list of
    // the app's codes does.
    const code = soon.app_codes[0];
    assert.equal(
        Date.parse(code.secret_expires_at), Date.parse(code.created_at) + 5 * 86400e3,
        JSON.stringify(code));
    const codes = await d.call('GET', `/v1/apps/${soon.id}/codes`);
    assert.equal(codes.json.items[0].secret_expires_at, code.secret_expires_at, codes.text);
    assert.equal(never.app_codes[0].secret_expires_at, null);
    const got = await d.call('GET', `/v1/apps/${later.id}`);
    assert.equal(Date.parse(got.json.secret_expires_at), Date.parse(later.secret_expires_at));
    // A reset moves it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reset = await d.call('POST', `/v1/apps/${later.id}/reset-secret`);
    assert.equal(reset.status, 200, reset.text);
    const after = await d.call('GET', `/v1/apps/${later.id}`);
    assert.ok(Date.parse(after.json.secret_expires_at) > Date.parse(later.secret_expires_at));
  });

  test('an account\'s new maximum age moves its apps in and out', async () => {
    await setPolicy({max_secret_age: null}, 'cp_soon');
    const res = await d.call('GET', '/v1/apps?expiring_within=604800&limit=100');
    assert.deepEqual(ids(res), []);
    await setPolicy({max_secret_age: 5 * 86400}, 'cp_soon');
  });

  test('tollgate app list --expiring 7d', () => {
    const run = (...args) => spawnSync(
        path.join(binDir, 'tollgate'),
        [
          '--endpoint', d.url, '--access-key-id', ADMIN_ID, '--access-key-secret', ADMIN_SECRET,
          ...args
        ],
        {encoding: 'utf8'});
    const r = run('--json', 'app', 'list', '--expiring', '7d', '--limit', '100');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(ids({json: {items: JSON.parse(r.stdout)}}), [soon.id]);
    const table = run('app', 'list', '--expiring', '7d', '--limit', '100');
    assert.match(table.stdout, /SECRET_EXPIRES/);
    assert.match(table.stdout, /expiring_soon .* \d{4}-\d\d-\d\dT/);
    assert.doesNotMatch(table.stdout, /expiring_later|expiring_never/);
    const bad = run('app', 'list', '--expiring', '7w');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--expiring/);
  });

  test('tollgate account update sets the policy', () => {
    const r = spawnSync(
        path.join(binDir, 'tollgate'),
        [
          '--endpoint',
          d.url,
          '--access-key-id',
          ADMIN_ID,
          '--access-key-secret',
          ADMIN_SECRET,
          '--json',
          'account',
          'update',
          'cp_never',
          '--reveal-once',
          'on',
          '--max-secret-age',
          '90d',
          '--min-grace',
          '1m',
          '--max-grace',
          '2h',
          '--secret-min-length',
          '24',
          '--secret-classes',
          '3'
        ],
        {encoding: 'utf8'});
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).credential_policy, {
      reveal_once: true,
      max_secret_age: 7776000,
      min_grace: 60,
      max_grace: 7200,
      secret_min_length: 24,
      secret_classes: 3,
    });
  });
});

describe('the installation\'s defaults for new accounts', () => {
  const DEFAULTS = {
    reveal_once: true,
    max_secret_age: 7776000,
    min_grace: 60,
    max_grace: 3600,
    secret_min_length: 20,
    secret_classes: 3,
  };
  let e;

  before(async () => {
    e = await startTollgated({
      args: [
        '--default-reveal-once', 'on', '--default-max-secret-age', '7776000', '--default-min-grace',
        '60', '--default-max-grace', '3600', '--default-secret-min-length', '20'
      ],
      env: {TOLLGATE_DEFAULT_SECRET_CLASSES: '3'},
    });
  });

  after(async () => {
    await e?.stop();
  });

  test('the first account gets them, and they hold', async () => {
    const res = await e.call('GET', '/v1/accounts/default');
    assert.deepEqual(res.json.credential_policy, DEFAULTS);
    const app = await e.call('POST', '/v1/apps', {body: {name: 'defaults_app'}});
    assert.equal(app.status, 201, app.text);
    expectNative(
        await e.call('GET', `/v1/apps/${app.json.id}/secret`), 403, 'secret_reveal_refused');
    expectNative(
        await e.call(
            'POST', '/v1/apps', {body: {name: 'weak', app_secret: 'weak_but_long_enough'}}),
        422, 'invalid_field', 'app_secret');
  });

  test('a new account gets them; members the create sets win', async () => {
    const plain = await e.call('POST', '/v1/accounts', {body: {name: 'dflt_plain'}});
    assert.equal(plain.status, 201, plain.text);
    assert.deepEqual(plain.json.credential_policy, DEFAULTS);
    const own = await e.call(
        'POST', '/v1/accounts', {body: {name: 'dflt_own', reveal_once: false, min_grace: 0}});
    assert.equal(own.status, 201, own.text);
    assert.deepEqual(own.json.credential_policy, {...DEFAULTS, reveal_once: false, min_grace: 0});
    // Checked as a whole: a maximum below the default minimum is refused.
    expectNative(
        await e.call('POST', '/v1/accounts', {body: {name: 'dflt_bad', max_grace: 30}}), 422,
        'invalid_field', 'min_grace');
    assert.equal((await e.call('GET', '/v1/accounts/dflt_bad')).status, 404);
  });

  test('defaults that disagree stop tollgated', () => {
    const cases = [
      [['--default-min-grace', '61', '--default-max-grace', '60'], /default_min_grace must be/],
      [['--max-grace-seconds', '100', '--default-max-grace', '101'], /default_max_grace must be/],
      [['--default-secret-classes', '5'], /default_secret_classes must be an integer from 0 to 4/],
      [['--default-reveal-once', 'yes'], /default_reveal_once must be one of on\|off/],
    ];
    for (const [args, re] of cases) {
      const res = spawnSync(
          path.join(binDir, 'tollgated'), ['--data-dir', '/nonexistent/tg-unused', ...args],
          {encoding: 'utf8', timeout: 10000});
      assert.equal(res.status, 2, args.join(' '));
      assert.match(res.stderr, re);
    }
  });
});
