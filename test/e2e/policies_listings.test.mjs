// Listings filtered item by item by a key's policies (docs/access-control.md):
// grants (of an app, of an API), access keys, policies and the audit trail
// show only what the key may see, and their totals count only that; a key
// without policies sees them all, as before.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {rawCall as aliCall} from './lib/alibaba.mjs';
import {keyWith, policyWorld} from './lib/policies.mjs';
import {startTollgated} from './lib/tollgated.mjs';

let d, w, api, hiddenApi, lim;

const allow = (Action, Resource) => ({Effect: 'Allow', Action, Resource});
const deny = (Action, Resource) => ({Effect: 'Deny', Action, Resource});
const doc = (...Statement) => ({Version: '1', Statement});

before(async () => {
  d = await startTollgated();
  w = await policyWorld(d, 'lst');
  const made = [];
  for (const name of ['lst_api', 'lst_hidden']) {
    const res = await d.call('POST', '/v1/apis', {body: {name, account_id: w.account.id}});
    assert.equal(res.status, 201, res.text);
    made.push(res.json);
  }
  [api, hiddenApi] = made;
  for (const app of [w.a, w.b]) {
    for (const a of [api, hiddenApi]) {
      const g = await d.call('PUT', `/v1/apps/${app.id}/grants/${a.name}`, {body: {}});
      assert.equal(g.status, 201, g.text);
    }
  }
  // Limited to app a, may read the registry, and is denied one API.
  lim = await keyWith(
      d, 'lst', 'LimitedToA',
      doc(allow('*', `acs:apigateway:*:*:app/${w.a.app_id}`),
          allow('apigateway:Describe*', 'acs:apigateway:*:*:api/*'),
          deny('apigateway:DescribeAuthorizedApis', 'acs:apigateway:*:*:api/lst_hidden')));
});

after(async () => {
  await d.stop();
});

describe('grants', () => {
  test('of an API: a key limited to one app sees that app\'s grant alone', async () => {
    const all = await d.call('GET', `/v1/apis/${api.id}/grants`);
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json.total, 2, all.text);

    const res = await d.call('GET', `/v1/apis/${api.id}/grants`, {auth: lim.auth});
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.items.map((g) => g.app.id), [w.a.id], res.text);
    assert.equal(res.json.total, 1);

    // Alibaba's pages count what the key sees.
    const key = {id: lim.id, secret: lim.secret};
    const page1 = await aliCall(
        d, 'DescribeAuthorizedApps', {ApiId: api.id, PageSize: '1', PageNumber: '1'}, key);
    assert.equal(page1.status, 200, page1.text);
    assert.equal(page1.json.TotalCount, 1, page1.text);
    assert.equal(page1.json.AuthorizedApps.AuthorizedApp[0].AppId, w.a.app_id, page1.text);
    const page2 = await aliCall(
        d, 'DescribeAuthorizedApps', {ApiId: api.id, PageSize: '1', PageNumber: '2'}, key);
    assert.equal(page2.status, 200, page2.text);
    assert.equal(page2.json.TotalCount, 1, page2.text);
    assert.deepEqual(page2.json.AuthorizedApps.AuthorizedApp, [], page2.text);
  });

  test('of an app: its grants, less an API a Deny hides', async () => {
    const all = await d.call('GET', `/v1/apps/${w.a.id}/grants`);
    assert.equal(all.json.total, 2, all.text);

    const res = await d.call('GET', `/v1/apps/${w.a.id}/grants`, {auth: lim.auth});
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.items.map((g) => g.api.name), ['lst_api'], res.text);
    assert.equal(res.json.total, 1);

    // The plain one-app key (no rule on APIs) sees both of a's grants.
    const one = await d.call('GET', `/v1/apps/${w.a.id}/grants`, {auth: w.one.auth});
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.total, 2, one.text);

    // Another app's grants are refused as before.
    const other = await d.call('GET', `/v1/apps/${w.b.id}/grants`, {auth: lim.auth});
    assert.equal(other.status, 403, other.text);
  });
});

describe('access keys', () => {
  test('a key allowed on itself lists itself alone', async () => {
    const key = await d.call('POST', '/v1/accounts/lst/access-keys', {body: {}});
    assert.equal(key.status, 201, key.text);
    const self = [key.json.id, key.json.secret];
    const att = await d.call('POST', `/v1/accounts/lst/access-keys/${key.json.id}/policies`, {
      body: {
        name: 'Self',
        document: doc(
            allow('apigateway:DescribeAccessKeys', `acs:apigateway:*:*:accesskey/${key.json.id}`)),
      },
    });
    assert.equal(att.status, 201, att.text);

    const all = await d.call('GET', '/v1/accounts/lst/access-keys');
    assert.ok(all.json.items.length >= 6, all.text);

    const res = await d.call('GET', '/v1/accounts/lst/access-keys', {auth: self});
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.items.map((k) => k.id), [key.json.id], res.text);

    // A key whose policies allow no listing of keys anywhere is refused.
    const none = await d.call('GET', '/v1/accounts/lst/access-keys', {auth: w.op.auth});
    assert.equal(none.status, 403, none.text);
  });
});

describe('policies', () => {
  test('a key allowed on the built-in ones lists those alone', async () => {
    const named = await d.call(
        'POST', '/v1/accounts/lst/policies',
        {body: {name: 'lst_named', document: doc(allow('apigateway:DescribeApps', '*'))}});
    assert.equal(named.status, 201, named.text);
    const builtins = await keyWith(
        d, 'lst', 'BuiltinsOnly',
        doc(allow('apigateway:DescribePolicies', 'acs:apigateway:*:*:policy/Tollgate*')));

    const all = await d.call('GET', '/v1/accounts/lst/policies');
    assert.ok(all.json.items.some((p) => p.name === 'lst_named'), all.text);

    const res = await d.call('GET', '/v1/accounts/lst/policies', {auth: builtins.auth});
    assert.equal(res.status, 200, res.text);
    const names = res.json.items.map((p) => p.name);
    assert.ok(names.length >= 3, res.text);
    assert.ok(names.every((n) => n.startsWith('Tollgate')), res.text);
  });
});

describe('the audit trail', () => {
  test('a key limited to one app sees that app\'s events alone', async () => {
    // An event of a, one of b, one of no app.
    for (const app of [w.a, w.b]) {
      const res = await d.call('PATCH', `/v1/apps/${app.id}`, {body: {description: 'audited'}});
      assert.equal(res.status, 200, res.text);
    }
    const ofA = await d.call('GET', `/v1/audit?app=${w.a.id}&limit=100`);
    assert.ok(ofA.json.total >= 2, ofA.text);
    const all = await d.call('GET', `/v1/audit?account_id=${w.account.id}&limit=100`);
    assert.ok(all.json.items.some((e) => e.app === w.b.id), all.text);
    assert.ok(all.json.items.some((e) => e.app === null), all.text);

    const res = await d.call('GET', '/v1/audit?limit=100', {auth: w.one.auth});
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.items.map((e) => e.id), ofA.json.items.map((e) => e.id));
    assert.equal(res.json.total, ofA.json.total);

    // Paged, the total stays what the key may see.
    const page = await d.call('GET', '/v1/audit?limit=1&offset=1', {auth: w.one.auth});
    assert.equal(page.json.total, ofA.json.total);
    assert.deepEqual(page.json.items.map((e) => e.id), [ofA.json.items[1].id]);

    // Asking for b's events gives none.
    const b = await d.call('GET', `/v1/audit?app=${w.b.id}`, {auth: w.one.auth});
    assert.equal(b.status, 200, b.text);
    assert.deepEqual(b.json.items, []);
    assert.equal(b.json.total, 0);
  });

  test('a key allowed on the trail itself sees the events of no app too', async () => {
    const trail = await keyWith(
        d, 'lst', 'TrailAndA',
        doc(allow('apigateway:DescribeAuditEvents', 'acs:apigateway:*:*:audit/*'),
            allow('apigateway:DescribeAuditEvents', `acs:apigateway:*:*:app/${w.a.app_id}`)));
    const res = await d.call('GET', '/v1/audit?limit=100', {auth: trail.auth});
    assert.equal(res.status, 200, res.text);
    assert.ok(res.json.items.some((e) => e.app === null), res.text);
    assert.ok(res.json.items.some((e) => e.app === w.a.id), res.text);
    assert.ok(!res.json.items.some((e) => e.app === w.b.id), res.text);
    // The read-only built-in policy sees everything of its account.
    const ro = await d.call('GET', '/v1/audit?limit=100', {auth: w.ro.auth});
    assert.ok(ro.json.items.some((e) => e.app === w.b.id), ro.text);
  });
});
