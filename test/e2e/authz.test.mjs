// The authorizer seen from outside: every audited event names its canonical
// action beside its own, refusals are audited under the action refused, and
// a member's grant listings are confined to its own apps, filtered and paged
// in the core the same through both dialects.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {popCore, rejects} from './lib/alibaba.mjs';
import {ADMIN_ID, plain, startTollgated} from './lib/tollgated.mjs';

let d;
let carol;  // {account, key: [id, secret]}, a member key

before(async () => {
  d = await startTollgated();
  const account = await d.call('POST', '/v1/accounts', {body: {name: 'carol'}});
  assert.equal(account.status, 201, account.text);
  const key = await d.call('POST', '/v1/accounts/carol/access-keys', {body: {}});
  assert.equal(key.status, 201, key.text);
  carol = {account: account.json, key: [key.json.id, key.json.secret]};
});

after(async () => {
  await d.stop();
});

// The newest audit event of a request, by its request id.
async function eventOf(res) {
  const id = res.headers.get('x-request-id');
  const all = await d.call('GET', '/v1/audit?limit=100');
  const e = all.json.items.find((x) => x.request_id === id);
  assert.ok(e, `no event for request ${id}`);
  return e;
}

describe('canonical actions in the audit trail', () => {
  test('each write names its action, whichever file runs it', async () => {
    const cases = [];
    async function step(canonical, action, method, path, body) {
      const res = await d.call(method, path, {body});
      assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
      cases.push({canonical, action, res});
      return res.json;
    }

    const app = await step('apigateway:CreateApp', 'app.create', 'POST', '/v1/apps', {
      name: 'authz_app',
      account_id: carol.account.id,
    });
    await step('apigateway:ModifyApp', 'app.update', 'PATCH', `/v1/apps/${app.id}`, {
      description: 'x',
    });
    await step(
        'apigateway:ResetAppSecret', 'app.secret.reset', 'POST', `/v1/apps/${app.id}/reset-secret`,
        {});
    await step(
        'apigateway:DescribeAppSecurity', 'app.secret.reveal', 'GET', `/v1/apps/${app.id}/secret`);
    await step('apigateway:CreateApi', 'api.create', 'POST', '/v1/apis', {name: 'authz_api'});
    await step(
        'apigateway:SetAppsAuthorities', 'grant.put', 'PUT', `/v1/apps/${app.id}/grants/authz_api`);
    await step(
        'apigateway:RemoveAppsAuthorities', 'grant.delete', 'DELETE',
        `/v1/apps/${app.id}/grants/authz_api`);
    await step('apigateway:CreateAccount', 'account.create', 'POST', '/v1/accounts', {
      name: 'dora',
    });
    await step(
        'apigateway:CreateAccessKey', 'access_key.create', 'POST', '/v1/accounts/dora/access-keys',
        {});
    // Credentials of every kind go through the same code: each operation
    // still names its own action.
    const key =
        await step('apigateway:CreateAppKey', 'key.create', 'POST', `/v1/apps/${app.id}/keys`, {});
    await step(
        'apigateway:ModifyAppKey', 'key.update', 'PATCH', `/v1/apps/${app.id}/keys/${key.id}`,
        {primary: true});
    await step(
        'apigateway:DeleteAppKey', 'key.delete', 'DELETE', `/v1/apps/${app.id}/keys/${key.id}`);
    const code = await step(
        'apigateway:CreateAppCode', 'code.create', 'POST', `/v1/apps/${app.id}/codes`, {});
    // A new code is inside its reset interval: the refusal is audited
    // under the action refused.
    const reset = await d.call('POST', `/v1/apps/${app.id}/codes/${code.id}/reset`, {body: {}});
    assert.equal(reset.status, 429, reset.text);
    const refused = await eventOf(reset);
    assert.equal(refused.action, 'code.reset');
    assert.equal(refused.canonical_action, 'apigateway:ResetAppCode');
    assert.equal(refused.result, 'failure');
    await step(
        'apigateway:DeleteAppCode', 'code.delete', 'DELETE', `/v1/apps/${app.id}/codes/${code.id}`);
    await step('apigateway:DeleteApp', 'app.delete', 'DELETE', `/v1/apps/${app.id}`);

    for (const {canonical, action, res} of cases) {
      const e = await eventOf(res);
      assert.equal(e.action, action);
      assert.equal(e.canonical_action, canonical, JSON.stringify(e));
      assert.equal(e.result, 'success');
    }
  });

  test('a failed authentication is no action', async () => {
    const res = await d.call('GET', '/v1/apps', {auth: [ADMIN_ID, 'wrong-secret-0123456789']});
    assert.equal(res.status, 401);
    const all = await d.call('GET', '/v1/audit?action=auth.failure&limit=1');
    assert.equal(all.json.items[0].action, 'auth.failure');
    assert.equal(all.json.items[0].canonical_action, null);
  });

  test('a refusal is audited under the action refused, with its old error', async () => {
    const own = await d.call('POST', '/v1/apps', {body: {name: 'admins_app'}});
    assert.equal(own.status, 201, own.text);

    const touch = await d.call(
        'PATCH', `/v1/apps/${own.json.id}`, {body: {description: 'y'}, auth: carol.key});
    assert.equal(touch.status, 404, touch.text);
    assert.equal(touch.json.error.code, 'app_not_found');
    let e = await eventOf(touch);
    assert.equal(e.actor, carol.key[0]);
    assert.equal(e.canonical_action, 'apigateway:ModifyApp');
    assert.equal(e.result, 'failure');
    assert.equal(e.error, 'app_not_found');

    const create = await d.call('POST', '/v1/accounts', {body: {name: 'eve'}, auth: carol.key});
    assert.equal(create.status, 403, create.text);
    assert.equal(create.json.error.code, 'forbidden');
    e = await eventOf(create);
    assert.equal(e.canonical_action, 'apigateway:CreateAccount');
    assert.equal(e.error, 'forbidden');

    // Asking for an admin key is refused before the account is looked at.
    const admin = await d.call(
        'POST', '/v1/accounts/no_such_account/access-keys',
        {body: {role: 'admin'}, auth: carol.key});
    assert.equal(admin.status, 403, admin.text);
    assert.equal(admin.json.error.code, 'forbidden');
    e = await eventOf(admin);
    assert.equal(e.canonical_action, 'apigateway:CreateAccessKey');
  });
});

describe('grant listings in the core', () => {
  let api;       // the admin's API
  let mine;      // carol's app {id, app_id}
  let theirs;    // the admin's apps
  let carolPop;  // Alibaba's client with carol's key
  let pop;

  before(async () => {
    pop = popCore(d);
    carolPop = popCore(d, {id: carol.key[0], secret: carol.key[1]});
    api = (await d.call('POST', '/v1/apis', {body: {name: 'listed_api'}})).json;
    const c = await d.call('POST', '/v1/apps', {body: {name: 'carols_app'}, auth: carol.key});
    assert.equal(c.status, 201, c.text);
    mine = c.json;
    theirs = [];
    for (const name of ['zeta_app', 'alpha_app']) {
      theirs.push((await d.call('POST', '/v1/apps', {body: {name}})).json);
    }
    for (const a of [mine, ...theirs]) {
      const g = await d.call('PUT', `/v1/apps/${a.id}/grants/listed_api`, {body: {stage: 'PRE'}});
      assert.equal(g.status, 201, g.text);
    }
    const g =
        await d.call('PUT', `/v1/apps/${theirs[0].id}/grants/listed_api`, {body: {stage: 'TEST'}});
    assert.equal(g.status, 201, g.text);
  });

  test('an admin lists every app, by name then stage, in pages', async () => {
    const all = await pop.request('DescribeAuthorizedApps', {ApiId: api.id});
    assert.equal(all.TotalCount, 4);
    assert.deepEqual(plain(all.AuthorizedApps.AuthorizedApp).map((x) => [x.AppName, x.StageName]), [
      ['alpha_app', 'PRE'],
      ['carols_app', 'PRE'],
      ['zeta_app', 'PRE'],
      ['zeta_app', 'TEST'],
    ]);

    const page =
        await pop.request('DescribeAuthorizedApps', {ApiId: api.id, PageSize: 3, PageNumber: 2});
    assert.equal(page.TotalCount, 4);
    assert.equal(page.PageNumber, 2);
    assert.equal(page.PageSize, 3);
    assert.deepEqual(
        plain(page.AuthorizedApps.AuthorizedApp).map((x) => [x.AppName, x.StageAlias]),
        [['zeta_app', 'Test']]);

    const beyond =
        await pop.request('DescribeAuthorizedApps', {ApiId: api.id, PageSize: 2, PageNumber: 9});
    assert.equal(beyond.TotalCount, 4);
    assert.deepEqual(plain(beyond.AuthorizedApps.AuthorizedApp), []);

    const filtered = await pop.request(
        'DescribeAuthorizedApps',
        {ApiId: api.id, AppId: theirs[0].app_id, StageName: 'PRE', AppName: 'zeta_app'});
    assert.equal(filtered.TotalCount, 1);
    assert.equal(plain(filtered.AuthorizedApps.AuthorizedApp)[0].AppId, theirs[0].app_id);

    const native = await d.call('GET', `/v1/apis/${api.id}/grants`);
    assert.equal(native.json.total, 4);
    assert.equal(native.json.items.length, 4);
  });

  test('a member lists only its own apps, in both dialects', async () => {
    const listed = await carolPop.request('DescribeAuthorizedApps', {ApiId: api.id});
    assert.equal(listed.TotalCount, 1);
    assert.deepEqual(plain(listed.AuthorizedApps.AuthorizedApp).map((x) => x.AppId), [mine.app_id]);

    const native = await d.call('GET', `/v1/apis/listed_api/grants`, {auth: carol.key});
    assert.equal(native.json.total, 1);
    assert.equal(native.json.items[0].app.id, mine.id);

    // Another account's app reads as not found, as before.
    const e =
        await rejects(() => carolPop.request('DescribeAuthorizedApis', {AppId: theirs[0].app_id}));
    assert.equal(e.code, 'NotFoundApp', e.message);
  });

  test('the page size is capped at 100 in both dialects', async () => {
    const e =
        await rejects(() => pop.request('DescribeAuthorizedApps', {ApiId: api.id, PageSize: 101}));
    assert.match(e.code, /PageSize/, e.message);
    const ok = await pop.request('DescribeAuthorizedApps', {ApiId: api.id, PageSize: 100});
    assert.equal(ok.TotalCount, 4);

    const res = await d.call('GET', '/v1/apis?limit=101');
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.message, 'limit: must be an integer from 1 to 100');
    assert.equal((await d.call('GET', '/v1/apis?limit=100')).status, 200);
  });
});
