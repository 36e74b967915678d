// docs/openapi.yaml against the real thing: the document is valid OpenAPI
// 3.1; every route in the daemon's route tables is documented, and every
// documented route is served; and the answers of a real tollgated, driven
// through the main flows and the errors, conform to the document.

import assert from 'node:assert/strict';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {OpenApi, routesInSources, shapeOf, validateDocument} from './lib/openapi.mjs';
import {ADMIN_ID, ADMIN_SECRET, repoRoot, startTollgated} from './lib/tollgated.mjs';

describe('docs/openapi.yaml', () => {
  let api, d;
  const problems = [];

  // One call, checked against the document; returns the response.
  async function call(method, pathname, opts = {}) {
    const res = await d.call(method, pathname, opts);
    const bare = pathname.split('?')[0];
    problems.push(...api.check(method, bare, res));
    return res;
  }

  // A call that must answer status.
  async function expect(status, method, pathname, opts) {
    const res = await call(method, pathname, opts);
    assert.equal(res.status, status, `${method} ${pathname}: ${res.text}`);
    return res.json;
  }

  before(async () => {
    api = await OpenApi.load();
    d = await startTollgated({args: ['--max-body', '4096', '--code-reset-interval', '1']});
  });

  after(async () => {
    if (d)
      await d.stop();
  });

  test('is a valid OpenAPI 3.1 document', async () => {
    const res = await validateDocument();
    assert.deepEqual(res.errors, undefined, JSON.stringify(res.errors, null, 2));
    assert.equal(res.valid, true);
    assert.equal(res.version, '3.1');
    const h = await readFile(path.join(repoRoot, 'include/tollgate/version.h'), 'utf8');
    assert.equal(
        api.doc.info.version, h.match(/#define TG_VERSION "([^"]+)"/)[1],
        'info.version is not version.h\'s');
  });

  test('documents every route of the route tables, and nothing else', async () => {
    const served = await routesInSources();
    assert.ok(served.size >= 30, `only ${served.size} routes found in daemon/`);
    const documented = new Set(api.operations().map((op) => {
      const [m, t] = op.split(' ');
      return `${m} ${shapeOf(t)}`;
    }));

    const undocumented =
        [...served].filter(([r]) => !documented.has(r)).map(([r, file]) => `  ${r}   (${file})`);
    const unserved = [...documented].filter((r) => !served.has(r)).map((r) => `  ${r}`);
    if (undocumented.length) {
      console.log(`routes served but missing from docs/openapi.yaml:\n${undocumented.join('\n')}`);
    }
    if (unserved.length) {
      console.log(
          `routes in docs/openapi.yaml that no route table serves:\n${unserved.join('\n')}`);
    }
    assert.deepEqual({undocumented, unserved}, {undocumented: [], unserved: []});
  });

  test('every documented route is served by the running daemon', async () => {
    // Placeholders for the path parameters: the route must be found (the
    // answer may be a 404 for the resource, never route_not_found or 405).
    const wrong = [];
    for (const op of api.operations()) {
      const [method, template] = op.split(' ');
      const pathname = template.replace(/\{[^}]+\}/g, 'nosuchthing');
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
      const res = await call(method, pathname, {body});
      const code = res.json && res.json.error && res.json.error.code;
      if (code === 'route_not_found' || code === 'method_not_allowed') {
        wrong.push(`${op}: ${res.status} ${code}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('real answers of the main flows conform to the document', async () => {
    // Health and identity.
    await expect(200, 'GET', '/healthz', {auth: null});
    const me = await expect(200, 'GET', '/v1/whoami');
    assert.equal(me.role, 'admin');

    // Accounts and access keys.
    const acct = await expect(201, 'POST', '/v1/accounts', {body: {name: 'oa_acme'}});
    await expect(200, 'GET', '/v1/accounts?limit=10');
    await expect(200, 'GET', `/v1/accounts/${acct.id}`);
    await expect(200, 'PATCH', '/v1/accounts/oa_acme', {body: {app_quota: 50}});
    const key = await expect(
        201, 'POST', `/v1/accounts/${acct.id}/access-keys`, {body: {description: 'ci'}});
    assert.ok(key.secret.length >= 16);
    const member = [key.id, key.secret];
    await expect(200, 'GET', `/v1/accounts/${acct.id}/access-keys`);
    await expect(200, 'GET', `/v1/accounts/${acct.id}/access-keys/${key.id}`);
    await expect(
        200, 'PATCH', `/v1/accounts/${acct.id}/access-keys/${key.id}`,
        {body: {description: 'ci runner'}});
    const who = await expect(200, 'GET', '/v1/whoami', {auth: member});
    assert.equal(who.role, 'member');
    const empty = await expect(201, 'POST', '/v1/accounts', {body: {name: 'oa_empty'}});
    await expect(204, 'DELETE', `/v1/accounts/${empty.id}`);

    // Apps, in the member's account.
    const app = await expect(201, 'POST', '/v1/apps', {
      auth: member,
      body: {
        name: 'oa_shop',
        description: 'the shop',
        tags: {team: 'web'},
        rate_limit: {rps: 10},
        generate_app_code: true
      }
    });
    assert.equal(app.app_codes.length, 1);
    await expect(200, 'GET', '/v1/apps?tag=team:web&status=enabled&limit=5', {auth: member});
    await expect(200, 'GET', `/v1/apps/${app.app_id}`, {auth: member});
    await expect(
        200, 'PATCH', `/v1/apps/${app.id}`,
        {auth: member, body: {extend: '{"x":1}', rate_limit: null, tags: null}});

    // Secrets and key pairs.
    const reset = await expect(
        200, 'POST', `/v1/apps/${app.id}/reset-secret`, {auth: member, body: {grace_seconds: 60}});
    assert.equal(reset.previous_app_key, app.app_key);
    await expect(200, 'GET', `/v1/apps/${app.id}/secret`, {auth: member});
    const pair = await expect(201, 'POST', `/v1/apps/${app.id}/keys`, {auth: member});
    await expect(200, 'GET', `/v1/apps/${app.id}/keys`, {auth: member});
    await expect(
        200, 'PATCH', `/v1/apps/${app.id}/keys/${pair.id}`, {auth: member, body: {primary: true}});
    await expect(
        200, 'POST', `/v1/apps/${app.id}/keys/${pair.app_key}/reset-secret`,
        {auth: member, body: {}});
    await expect(204, 'DELETE', `/v1/apps/${app.id}/keys/${pair.id}`, {auth: member});

    // AppCodes: one reset, then a second too soon.
    const code = await expect(201, 'POST', `/v1/apps/${app.id}/codes`, {auth: member});
    await expect(200, 'GET', `/v1/apps/${app.id}/codes`, {auth: member});
    await new Promise((resolve) => setTimeout(resolve, 1100));  // --code-reset-interval
    await expect(200, 'POST', `/v1/apps/${app.id}/codes/${code.id}/reset`, {auth: member});
    await expect(429, 'POST', `/v1/apps/${app.id}/codes/${code.id}/reset`, {auth: member});
    await expect(204, 'DELETE', `/v1/apps/${app.id}/codes/${code.id}`, {auth: member});

    // APIs and grants.
    const orders = await expect(
        201, 'POST', '/v1/apis', {auth: member, body: {name: 'oa.orders', stage: 'release'}});
    await expect(200, 'GET', '/v1/apis?limit=10', {auth: member});
    await expect(200, 'GET', '/v1/apis/oa.orders', {auth: member});
    await expect(
        200, 'PATCH', `/v1/apis/${orders.id}`, {auth: member, body: {description: 'orders'}});
    const grant = await expect(
        201, 'PUT', `/v1/apps/${app.id}/grants/${orders.id}`,
        {auth: member, body: {expires_at: '2099-01-01T00:00:00Z'}});
    assert.equal(grant.stage, 'RELEASE');
    await expect(200, 'PUT', `/v1/apps/${app.id}/grants/oa.orders`, {auth: member});
    await expect(200, 'GET', `/v1/apps/${app.id}/grants`, {auth: member});
    await expect(200, 'GET', `/v1/apis/${orders.id}/grants`, {auth: member});
    await expect(
        204, 'DELETE', `/v1/apps/${app.id}/grants/${orders.id}?stage=RELEASE`, {auth: member});
    await expect(404, 'DELETE', `/v1/apps/${app.id}/grants/${orders.id}`, {auth: member});

    // Audit.
    const audit = await expect(200, 'GET', `/v1/audit?app=${app.id}&limit=100`);
    assert.ok(audit.items.some((e) => e.action === 'app.secret.reveal'));
    await expect(200, 'GET', '/v1/audit?action=auth.failure', {auth: member});

    // Errors.
    const base = `/v1/apps/${app.id}`;
    await expect(401, 'GET', '/v1/apps', {auth: null});
    await expect(401, 'GET', '/v1/apps', {auth: [ADMIN_ID, 'wrong-' + ADMIN_SECRET]});
    await expect(403, 'POST', '/v1/accounts', {auth: member, body: {name: 'oa_nope'}});
    await expect(404, 'GET', '/v1/apps/00000000000000000000000000000000', {auth: member});
    await expect(400, 'GET', '/v1/apps?limit=abc', {auth: member});
    await expect(400, 'GET', '/v1/apps?colour=red', {auth: member});
    await expect(
        400, 'POST', '/v1/apps',
        {auth: member, raw: '{"name":', headers: {'content-type': 'application/json'}});
    await expect(
        415, 'POST', '/v1/apps',
        {auth: member, raw: 'name=x', headers: {'content-type': 'text/plain'}});
    await expect(
        413, 'POST', '/v1/apps',
        {auth: member, body: {name: 'oa_big', description: 'x'.repeat(5000)}});
    await expect(422, 'POST', '/v1/apps', {auth: member, body: {name: 'oa_x', colour: 'red'}});
    await expect(422, 'POST', '/v1/apps', {auth: member, body: {description: 'no name'}});
    await expect(
        422, 'PATCH', `${base}/keys/${app.app_key}`, {auth: member, body: {primary: false}});
    await expect(409, 'POST', '/v1/apps', {auth: member, body: {name: 'oa_shop'}});
    await expect(409, 'DELETE', `${base}/keys/${reset.id}`, {auth: member});
    await expect(409, 'DELETE', `/v1/accounts/${acct.id}`);

    // Unknown paths and methods answer in the same shape.
    const notFound = await d.call('GET', '/v1/nothing-here');
    assert.equal(notFound.status, 404);
    problems.push(...api.checkAgainst('/components/responses/RouteNotFound', notFound)
                      .map((p) => `GET /v1/nothing-here: ${p}`));
    const notAllowed = await d.call('PUT', '/v1/apps');
    assert.equal(notAllowed.status, 405);
    assert.equal(notAllowed.headers.get('allow'), 'POST, GET');
    problems.push(...api.checkAgainst('/components/responses/MethodNotAllowed', notAllowed)
                      .map((p) => `PUT /v1/apps: ${p}`));

    // Clean up through the API, which the document covers too.
    await expect(204, 'DELETE', `/v1/apis/${orders.id}`, {auth: member});
    await expect(204, 'DELETE', base, {auth: member});
    await expect(204, 'DELETE', `/v1/accounts/${acct.id}/access-keys/${key.id}`);

    assert.deepEqual(problems, [], problems.join('\n'));
  });

  test('every documented operation was exercised with a success', () => {
    const missing = api.operations().filter((op) => {
      const seen = api.exercised.get(op);
      return !seen || ![...seen].some((s) => s >= 200 && s < 300);
    });
    assert.deepEqual(
        missing, [], `add a call for each to test/e2e/openapi.test.mjs:\n` + missing.join('\n'));
  });

  test('the checker itself refuses a body that breaks the document', () => {
    const fake = {
      status: 200,
      headers: new Headers({'content-type': 'application/json', 'x-request-id': 'r'}),
      text: '{"access_key_id":"k","role":"root"}',
      json: {access_key_id: 'k', role: 'root'}
    };
    const found = api.check('GET', '/v1/whoami', fake);
    assert.ok(found.some((p) => /required property 'account_id'/.test(p)), found.join('\n'));
    assert.ok(found.some((p) => /allowed values/.test(p)), found.join('\n'));
    assert.match(api.check('GET', '/v1/whoami', {...fake, status: 418})[0], /not documented/);
  });
});
