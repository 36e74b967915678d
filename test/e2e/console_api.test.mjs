// What the console reads of the native API beyond its files: the key's
// permissions in its session (and in whoami), computed by the authorizer;
// policies binding a session's calls as they bind signed ones; the
// server-side count of apps with old secrets, for any number of apps; and
// the listener's root sending a browser to the console.

import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {sessionCall, signIn, startConsoleDaemon} from './lib/console.mjs';
import {keyWith} from './lib/policies.mjs';
import {ADMIN_ID, ADMIN_SECRET, startTollgated} from './lib/tollgated.mjs';

let d;

before(async () => {
  d = await startConsoleDaemon(['--app-write-rate', '0']);
});

after(async () => {
  await d.stop();
});

// One request with the target sent as given: {status, headers, body}.
function raw(daemon, method, target, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
        {host: '127.0.0.1', port: daemon.port, method, path: target, headers}, (res) => {
          let body = '';
          res.on('data', (c) => body += c);
          res.on('end', () => resolve({status: res.statusCode, headers: res.headers, body}));
        });
    req.on('error', reject);
    req.end();
  });
}

const A = (name) => `apigateway:${name}`;

describe('permissions', () => {
  let app;
  const keys = {};

  before(async () => {
    const acct = await d.call('POST', '/v1/accounts', {body: {name: 'perm'}});
    assert.equal(acct.status, 201, acct.text);
    const res =
        await d.call('POST', '/v1/apps', {body: {name: 'perm_app', account_id: acct.json.id}});
    assert.equal(res.status, 201, res.text);
    app = res.json;
    keys.ro = await keyWith(d, 'perm', 'TollgateReadOnlyAccess');
    keys.op = await keyWith(d, 'perm', 'TollgateCredentialOperator');
    keys.full = await keyWith(d, 'perm', 'TollgateFullAccess');
    keys.one = await keyWith(d, 'perm', 'OneApp', {
      Statement: [
        {Effect: 'Allow', Action: '*', Resource: `acs:apigateway:*:*:app/${app.app_id}`},
        {Effect: 'Deny', Action: 'apigateway:DeleteApp', Resource: 'acs:apigateway:*:*:app/*'},
      ],
    });
    const member = await d.call('POST', '/v1/accounts/perm/access-keys', {body: {}});
    keys.member = {id: member.json.id, secret: member.json.secret};
  });

  test('the admin key may do everything, and has no policies', async () => {
    const s = await signIn(d, ADMIN_ID, ADMIN_SECRET);
    assert.equal(s.json.has_policies, false);
    const p = s.json.permissions;
    // One entry per canonical action (48 in docs/access-control.md today).
    assert.ok(Object.keys(p).length >= 48, Object.keys(p).join());
    assert.ok(Object.keys(p).every((k) => /^apigateway:[A-Za-z]+$/.test(k)));
    assert.ok(Object.values(p).every((v) => v === true), JSON.stringify(p));
  });

  test('a member key without policies: its role alone, no admin action', async () => {
    const s = await signIn(d, keys.member.id, keys.member.secret);
    const p = s.json.permissions;
    assert.equal(s.json.has_policies, false);
    assert.equal(p[A('ResetAppSecret')], true);
    assert.equal(p[A('CreateAccessKey')], true);
    for (const admin of ['CreateAccount', 'ModifyAccount', 'DeleteAccount', 'RotateKeyring']) {
      assert.equal(p[A(admin)], false, admin);
    }
  });

  test('read-only: reads, but no secret in clear and no change', async () => {
    const s = await signIn(d, keys.ro.id, keys.ro.secret);
    const p = s.json.permissions;
    assert.equal(s.json.has_policies, true);
    for (const read of ['DescribeApps', 'DescribeApp', 'DescribeAppKeys', 'DescribeAuditEvents']) {
      assert.equal(p[A(read)], true, read);
    }
    for (const no
             of ['DescribeAppSecurity', 'ResetAppSecret', 'DeleteApp', 'CreateApp',
                 'SetAppsAuthorities', 'DeleteAccessKey', 'CreateAccount']) {
      assert.equal(p[A(no)], false, no);
    }
    // The session's GET /v1/sessions/current says the same after a reload.
    const again = await sessionCall(d, s, 'GET', '/v1/sessions/current');
    assert.deepEqual(again.json.permissions, p);
  });

  test('credential operator: resets, never reveals or deletes', async () => {
    const s = await signIn(d, keys.op.id, keys.op.secret);
    const p = s.json.permissions;
    assert.equal(p[A('ResetAppSecret')], true);
    assert.equal(p[A('ResetAppCode')], true);
    assert.equal(p[A('DescribeAppKeys')], true);
    for (const no
             of ['DescribeAppSecurity', 'DeleteApp', 'DeleteAppKey', 'ModifyApp',
                 'DescribeAuditEvents', 'DescribeApis']) {
      assert.equal(p[A(no)], false, no);
    }
  });

  test('a key limited to one app may act (on that app); a Deny on every app wins', async () => {
    const s = await signIn(d, keys.one.id, keys.one.secret);
    const p = s.json.permissions;
    assert.equal(p[A('ResetAppSecret')], true, 'allowed somewhere: the control shows');
    assert.equal(p[A('DeleteApp')], false);
  });

  test('full access: everything a member may do', async () => {
    const s = await signIn(d, keys.full.id, keys.full.secret);
    assert.equal(s.json.has_policies, true);
    assert.equal(s.json.permissions[A('DeleteApp')], true);
    assert.equal(s.json.permissions[A('CreateAccount')], false, 'still not an admin');
  });

  test('whoami carries the same permissions', async () => {
    const who = await d.call('GET', '/v1/whoami', {auth: [keys.ro.id, keys.ro.secret]});
    assert.equal(who.status, 200, who.text);
    assert.equal(who.json.has_policies, true);
    const s = await signIn(d, keys.ro.id, keys.ro.secret);
    assert.deepEqual(who.json.permissions, s.json.permissions);
  });

  test('a session is bound by its key\'s policies: a forced call is 403', async () => {
    const ro = await signIn(d, keys.ro.id, keys.ro.secret);
    const reveal = await sessionCall(d, ro, 'GET', `/v1/apps/${app.id}/secret`);
    assert.equal(reveal.status, 403, reveal.text);
    assert.equal(reveal.json.error.code, 'forbidden');
    assert.match(reveal.json.error.message, /DescribeAppSecurity.*TollgateReadOnlyAccess/);
    const reset = await sessionCall(d, ro, 'POST', `/v1/apps/${app.id}/reset-secret`, {body: {}});
    assert.equal(reset.status, 403, reset.text);
    const del = await sessionCall(d, ro, 'DELETE', `/v1/apps/${app.id}`);
    assert.equal(del.status, 403, del.text);
    assert.equal((await sessionCall(d, ro, 'GET', `/v1/apps/${app.id}`)).status, 200);

    const op = await signIn(d, keys.op.id, keys.op.secret);
    const rotated = await sessionCall(d, op, 'POST', `/v1/apps/${app.id}/reset-secret`, {body: {}});
    assert.equal(rotated.status, 200, rotated.text);
    const del2 = await sessionCall(d, op, 'DELETE', `/v1/apps/${app.id}`);
    assert.equal(del2.status, 403, del2.text);
    assert.match(del2.json.error.message, /NoReveal/);
    assert.equal((await d.call('GET', `/v1/apps/${app.id}`)).status, 200, 'nothing deleted');

    // The refusals are audited as a signed call's are, under the key.
    const audit = await d.call('GET', `/v1/audit?actor=${keys.op.id}&action=app.delete`);
    assert.equal(audit.json.items[0].result, 'failure');
  });

  test('a policy attached while a session is open applies to its next call', async () => {
    const s = await signIn(d, keys.member.id, keys.member.secret);
    assert.equal(s.json.permissions[A('DeleteApp')], true);
    const att = await d.call(
        'POST', `/v1/accounts/perm/access-keys/${keys.member.id}/policies`,
        {body: {name: 'TollgateReadOnlyAccess'}});
    assert.equal(att.status, 201, att.text);
    assert.equal((await sessionCall(d, s, 'DELETE', `/v1/apps/${app.id}`)).status, 403);
    const now = await sessionCall(d, s, 'GET', '/v1/sessions/current');
    assert.equal(now.json.permissions[A('DeleteApp')], false);
    assert.equal(now.json.has_policies, true);
  });
});

describe('apps with old secrets, counted by the server', () => {
  test('secret_older_than counts every app, past 100', async () => {
    const acct = await d.call('POST', '/v1/accounts', {body: {name: 'bulk'}});
    assert.equal(acct.status, 201, acct.text);
    const bulk = acct.json.id;
    const N = 130;
    for (let i = 0; i < N; i += 10) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + 10); j++) {
        batch.push(d.call('POST', '/v1/apps', {body: {name: `bulk_${j}`, account_id: bulk}}));
      }
      for (const res of await Promise.all(batch)) {
        assert.equal(res.status, 201, res.text);
      }
    }
    // An app whose only key pair is deleted... cannot be: a pair is kept.
    // An app made now has a secret of age 0: older than 0 s, not than 1 day.
    const all = await d.call('GET', `/v1/apps?account_id=${bulk}&secret_older_than=0&limit=1`);
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json.total, N);
    assert.equal(all.json.items.length, 1);
    const day = await d.call('GET', `/v1/apps?account_id=${bulk}&secret_older_than=86400`);
    assert.equal(day.json.total, 0);

    // Wait a second: every secret is then older than 1 s; a reset renews one.
    await new Promise((r) => setTimeout(r, 1100));
    const some = (await d.call('GET', `/v1/apps?account_id=${bulk}&name=bulk_7`)).json.items[0];
    const reset = await d.call('POST', `/v1/apps/${some.id}/reset-secret`, {body: {}});
    assert.equal(reset.status, 200, reset.text);
    const older = await d.call('GET', `/v1/apps?account_id=${bulk}&secret_older_than=1&limit=100`);
    assert.equal(older.status, 200, older.text);
    assert.equal(older.json.total, N - 1);
    assert.equal(older.json.items.length, 100);
    const renewed =
        await d.call('GET', `/v1/apps?account_id=${bulk}&secret_older_than=1&name=bulk_7`);
    assert.equal(renewed.json.total, 0);
  });

  test('the limits are checked at their edges', async () => {
    const max = await d.call('GET', '/v1/apps?secret_older_than=316224000');
    assert.equal(max.status, 200, max.text);
    for (const bad of ['316224001', '-1', 'x', '', '1.5', '0x10']) {
      const res = await d.call('GET', `/v1/apps?secret_older_than=${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal(res.json.error.field, 'secret_older_than', bad);
    }
    const twice = await d.call('GET', '/v1/apps?secret_older_than=1&secret_older_than=2');
    assert.equal(twice.status, 400);
  });

  test('a member key counts its own account\'s apps only', async () => {
    const key = await d.call('POST', '/v1/accounts/bulk/access-keys', {body: {}});
    const s = await signIn(d, key.json.id, key.json.secret);
    const res = await sessionCall(d, s, 'GET', '/v1/apps?secret_older_than=0&limit=1');
    assert.equal(res.json.total, 130);
  });
});

describe('the listener\'s root', () => {
  test('GET and HEAD / send a browser to /console/', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await raw(d, method, '/');
      assert.equal(res.status, 302, method);
      assert.equal(res.headers.location, '/console/');
    }
    const q = await raw(d, 'GET', '/?from=bookmark');
    assert.equal(q.status, 302);
  });

  test('other calls to / are left to the API dialects', async () => {
    const post = await d.call('POST', '/');
    assert.equal(post.status, 404);
    assert.equal(post.json.error.code, 'route_not_found');
    const alibaba = await raw(d, 'GET', '/?Action=DescribeApps');
    assert.notEqual(alibaba.status, 302);
    assert.match(alibaba.body, /"Code"/);
  });

  test('without a console to serve, / is the native API\'s unknown route', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-console-empty-'));
    const e = await startTollgated({args: ['--console-dir', dir]});
    try {
      const res = await e.call('GET', '/');
      assert.equal(res.status, 404);
      assert.equal(res.json.error.code, 'route_not_found');
      assert.equal((await raw(e, 'HEAD', '/')).status, 404);
    } finally {
      await e.stop();
      await rm(dir, {recursive: true, force: true});
    }
  });
});
