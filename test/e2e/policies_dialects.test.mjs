// Access-control policies through the vendors' dialects that expose the
// operations: Huawei's app routes (APIG.1005, 403), Tencent's app actions
// with its SDK (UnauthorizedOperation) and Authing's application secrets
// with its SDK (apiCode 1001, statusCode 403).  Each reset checks
// apigateway:ResetAppSecret on the app, whatever the dialect calls it.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {assertError, client as authingClient, signedCall} from './lib/authing.mjs';
import {call as hwCall} from './lib/huawei.mjs';
import {auditOf, lastAudit, policyWorld, secretOf} from './lib/policies.mjs';
import {rejects, tencentClient} from './lib/tencent.mjs';
import {startTollgated} from './lib/tollgated.mjs';

let d, w;

before(async () => {
  d = await startTollgated();
  w = await policyWorld(d, 'dia');
});

after(async () => {
  await d.stop();
});

// The refusal of a key's last event of action is audited with its reason.
async function deniedInAudit(action, key, reason) {
  const e = await lastAudit(d, action, key.id);
  assert.equal(e.result, 'failure', JSON.stringify(e));
  assert.equal(e.error, 'forbidden');
  assert.match(e.detail?.reason ?? '', reason, JSON.stringify(e));
}

describe('Huawei', () => {
  const base = () => `/v2/${w.account.id}/apigw/instances/default`;
  const hw = (key, method, path, data) =>
      hwCall(d.url, method, base() + path, {ak: key.id, sk: key.secret, data});

  function refused(res) {
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json.error_code, 'APIG.1005', res.text);
  }

  test('read-only: the reset route is refused; nothing changes', async () => {
    const before1 = await secretOf(d, w.a);
    assert.equal((await hw(w.ro, 'GET', `/apps/${w.a.id}`)).status, 200);
    refused(await hw(w.ro, 'PUT', `/apps/secret/${w.a.id}`, {}));
    assert.equal(await secretOf(d, w.a), before1);
    await deniedInAudit(
        'app.secret.reset', w.ro, /apigateway:ResetAppSecret on .*denied by default/);
  });

  test('credential operator: resets; cannot delete', async () => {
    const before1 = await secretOf(d, w.a);
    const res = await hw(w.op, 'PUT', `/apps/secret/${w.a.id}`, {});
    assert.equal(res.status, 200, res.text);
    assert.notEqual(await secretOf(d, w.a), before1);
    refused(await hw(w.op, 'DELETE', `/apps/${w.a.id}`));
    assert.equal((await d.call('GET', `/v1/apps/${w.a.id}`)).status, 200);
    await deniedInAudit('app.delete', w.op, /TollgateCredentialOperator statement 2 Sid NoReveal/);
  });

  test('one app: lists it alone; the other is refused', async () => {
    const list = await hw(w.one, 'GET', '/apps');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.apps.map((x) => x.id), [w.a.id]);
    refused(await hw(w.one, 'GET', `/apps/${w.b.id}`));
    refused(await hw(w.one, 'PUT', `/apps/secret/${w.b.id}`, {}));
  });

  test('outside the CIDR: refused', async () => {
    refused(await hw(w.outside, 'PUT', `/apps/secret/${w.a.id}`, {}));
  });
});

describe('Tencent (tencentcloud-sdk-nodejs)', () => {
  const tc = (key) => tencentClient(d, {id: key.id, secret: key.secret});
  const tcId = (app) => `app-${app.app_id.toString(36)}`;

  async function unauthorized(fn) {
    const e = await rejects(fn);
    assert.equal(e.code, 'UnauthorizedOperation', e.message);
    return e;
  }

  test('read-only: UpdateApiAppKey is UnauthorizedOperation; nothing changes', async () => {
    const before1 = await secretOf(d, w.b);
    const ro = tc(w.ro);
    const e = await unauthorized(
        () => ro.UpdateApiAppKey({ApiAppId: tcId(w.b), ApiAppKey: 'APIDreadonly000000001'}));
    assert.equal(await secretOf(d, w.b), before1);
    const ev = await auditOf(d, e.requestId);
    assert.equal(ev.canonical_action, 'apigateway:ResetAppSecret');
    assert.match(ev.detail.reason, /denied by default/);
  });

  test('credential operator: UpdateApiAppKey passes; DeleteApiApp is refused', async () => {
    const op = tc(w.op);
    const res = await op.UpdateApiAppKey({ApiAppId: tcId(w.b), ApiAppKey: 'APIDoperator00000001'});
    assert.equal(res.Result, true);
    await unauthorized(() => op.DeleteApiApp({ApiAppId: tcId(w.b)}));
    assert.equal((await d.call('GET', `/v1/apps/${w.b.id}`)).status, 200);
    await deniedInAudit('app.delete', w.op, /Sid NoReveal/);
  });

  test('one app: DescribeApiAppsStatus lists it alone; the other is refused', async () => {
    const one = tc(w.one);
    const list = await one.DescribeApiAppsStatus({Limit: 100});
    assert.deepEqual(list.Result.ApiAppSet.map((x) => x.ApiAppId), [tcId(w.a)]);
    assert.equal(list.Result.TotalCount, 1);
    await unauthorized(
        () => one.UpdateApiAppKey({ApiAppId: tcId(w.b), ApiAppKey: 'APIDoneapp0000000001'}));
    await unauthorized(() => one.DeleteApiApp({ApiAppId: tcId(w.b)}));
  });

  test('outside the CIDR: refused', async () => {
    await unauthorized(() => tc(w.outside).DescribeApiAppsStatus({Limit: 10}));
  });
});

describe('Authing (authing-node-sdk)', () => {
  const ath = (key) => authingClient(d, {id: key.id, secret: key.secret});
  const reveal = (key, app) => signedCall(
      d, 'GET', '/api/v3/get-application-secret', {appId: app.id},
      {id: key.id, secret: key.secret});

  test('read-only: refreshApplicationSecret is refused (apiCode 1001)', async () => {
    const before1 = await secretOf(d, w.a);
    const ro = ath(w.ro);
    assert.equal((await ro.getApplication({appId: w.a.id})).statusCode, 200);
    assertError(await ro.refreshApplicationSecret({appId: w.a.id}), 403, 1001);
    assert.equal(await secretOf(d, w.a), before1);
    await deniedInAudit('app.secret.reset', w.ro, /denied by default/);
  });

  test('credential operator: refreshes; get-application-secret is refused', async () => {
    const before1 = await secretOf(d, w.a);
    const res = await ath(w.op).refreshApplicationSecret({appId: w.a.id});
    assert.equal(res.statusCode, 200, JSON.stringify(res));
    assert.notEqual(await secretOf(d, w.a), before1);
    assertError(await reveal(w.op, w.a), 403, 1001);
    await deniedInAudit(
        'app.secret.reveal', w.op, /TollgateCredentialOperator statement 2 Sid NoReveal/);
  });

  test('one app: listApplications shows it alone; the other is refused', async () => {
    const one = ath(w.one);
    const list = await one.listApplications({page: 1, limit: 50});
    assert.equal(list.statusCode, 200, JSON.stringify(list));
    assert.deepEqual(list.data.list.map((x) => x.appId), [w.a.id]);
    assertError(await one.refreshApplicationSecret({appId: w.b.id}), 403, 1001);
    assertError(await reveal(w.one, w.b), 403, 1001);
  });

  test('outside the CIDR: refused', async () => {
    assertError(await ath(w.outside).refreshApplicationSecret({appId: w.a.id}), 403, 1001);
  });
});
