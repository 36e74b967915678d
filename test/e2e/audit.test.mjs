// The audit trail: who did what, to which target, with what result; its
// filters; and that it never holds a secret.

import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {ADMIN_ID, startTollgated} from './lib/tollgated.mjs';

let d;

before(async () => {
  d = await startTollgated();
});

after(async () => {
  await d.stop();
});

test('every mutation and reveal leaves one event with the request id', async () => {
  const secret = 'AuditSecret_0123456789';
  const code = 'auditcode'.repeat(4);
  const steps = [];
  async function step(action, method, path, body) {
    const res = await d.call(method, path, {body});
    assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
    steps.push({action, requestId: res.headers.get('x-request-id')});
    return res.json;
  }

  const app = await step(
      'app.create', 'POST', '/v1/apps', {name: 'audited', app_secret: secret, app_code: code});
  await step('app.update', 'PATCH', `/v1/apps/${app.id}`, {description: 'x'});
  await step(
      'app.secret.reset', 'POST', `/v1/apps/${app.id}/reset-secret`, {app_secret: secret + 'B'});
  await step('app.secret.reveal', 'GET', `/v1/apps/${app.id}/secret`);
  const key = await step('key.create', 'POST', `/v1/apps/${app.id}/keys`, {});
  await step('key.update', 'PATCH', `/v1/apps/${app.id}/keys/${key.id}`, {primary: true});
  await step('key.delete', 'DELETE', `/v1/apps/${app.id}/keys/${app.app_key}`);
  const c = await step('code.create', 'POST', `/v1/apps/${app.id}/codes`, {});
  await step('code.delete', 'DELETE', `/v1/apps/${app.id}/codes/${c.id}`);
  await step('api.create', 'POST', '/v1/apis', {name: 'audited_api'});
  await step('grant.put', 'PUT', `/v1/apps/${app.id}/grants/audited_api`);
  await step('grant.delete', 'DELETE', `/v1/apps/${app.id}/grants/audited_api`);
  await step('api.delete', 'DELETE', '/v1/apis/audited_api');
  await step('app.delete', 'DELETE', `/v1/apps/${app.id}`);

  const res = await d.call('GET', `/v1/audit?app=${app.id}&limit=100`);
  const events = res.json.items;
  const appSteps = steps.filter((s) => !s.action.startsWith('api.'));
  assert.equal(events.length, appSteps.length, JSON.stringify(events.map((e) => e.action)));
  // Newest first.
  assert.deepEqual(events.map((e) => e.action), appSteps.map((s) => s.action).reverse());
  assert.deepEqual(events.map((e) => e.request_id), appSteps.map((s) => s.requestId).reverse());
  for (const e of events) {
    assert.equal(e.actor, ADMIN_ID);
    assert.equal(e.result, 'success');
    assert.equal(e.app, app.id);
    assert.equal(e.source, '127.0.0.1');
    assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  // No event holds any of the secrets that went through.
  const all = await d.call('GET', '/v1/audit?limit=100');
  for (const s of [secret, secret + 'B', code, app.app_secret, key.app_secret, c.app_code]) {
    assert.ok(!all.text.includes(s), `audit holds ${s}`);
  }
});

test('failed mutations are recorded with their error', async () => {
  await d.call('POST', '/v1/apps', {body: {name: 'dup'}});
  const res = await d.call('POST', '/v1/apps', {body: {name: 'dup'}});
  assert.equal(res.status, 409);
  const events = (await d.call('GET', '/v1/audit?action=app.create&limit=1')).json.items;
  assert.equal(events[0].result, 'failure');
  assert.equal(events[0].error, 'app_name_taken');
  assert.equal(events[0].request_id, res.headers.get('x-request-id'));
});

test('filters: actor, action, time range, paging', async () => {
  const t0 = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 10));
  const member = (await d.call('POST', '/v1/accounts/default/access-keys')).json;
  const auth = [member.id, member.secret];
  const made = await d.call('POST', '/v1/apps', {body: {name: 'by_member'}, auth});
  assert.equal(made.status, 201);
  await new Promise((r) => setTimeout(r, 10));
  const t1 = new Date().toISOString();

  let res = await d.call('GET', `/v1/audit?actor=${member.id}`);
  assert.deepEqual(res.json.items.map((e) => e.action), ['app.create']);
  res = await d.call('GET', `/v1/audit?since=${t0}&until=${t1}`);
  assert.deepEqual(res.json.items.map((e) => e.action), ['app.create', 'access_key.create']);
  res = await d.call('GET', `/v1/audit?since=${t1}`);
  assert.equal(res.json.total, 0);
  res = await d.call('GET', '/v1/audit?action=access_key.create');
  assert.equal(res.json.items[0].target.id, member.id);
  const all = (await d.call('GET', '/v1/audit?limit=100')).json;
  const page = (await d.call('GET', '/v1/audit?limit=2&offset=1')).json;
  assert.equal(page.total, all.total);
  assert.deepEqual(page.items.map((e) => e.id), all.items.slice(1, 3).map((e) => e.id));
  for (const q of ['since=yesterday', 'until=2026-13-01T00:00:00Z', 'limit=101', 'who=x']) {
    const bad = await d.call('GET', `/v1/audit?${q}`);
    assert.equal(bad.status, 400, q);
  }
});
