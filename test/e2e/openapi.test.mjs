// docs/openapi.yaml against the real thing: the document is valid OpenAPI
// 3.1; every route in the daemon's route tables (and the few served outside
// them) is documented, and every documented route is served; and the
// answers of a real tollgated, driven through the main flows and the
// errors, conform to the document.

import assert from 'node:assert/strict';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {OpenApi, routesInSources, shapeOf, validateDocument} from './lib/openapi.mjs';
import {ADMIN_ID, ADMIN_SECRET, repoRoot, startTollgated} from './lib/tollgated.mjs';

// Routes served outside the native route tables, with the file whose
// dialect claims them: routesInSources() cannot see these.
const OUTSIDE_TABLES = new Map([
  ['GET /metrics', 'daemon/metrics.c'],
  ['GET /readyz', 'daemon/metrics.c'],
]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

  // A call that must fail with status and code (and field, if given).
  async function refused(status, code, method, pathname, opts = {}) {
    const body = await expect(status, method, pathname, opts);
    assert.equal(body.error.code, code, `${method} ${pathname}: ${JSON.stringify(body)}`);
    if (opts.field !== undefined)
      assert.equal(body.error.field, opts.field, `${method} ${pathname}: ${JSON.stringify(body)}`);
    return body;
  }

  // The problems found since the last look; asserted empty.
  function conforms() {
    const found = problems.splice(0);
    assert.deepEqual(found, [], found.join('\n'));
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
    // The routes outside the tables: their dialect still claims their path,
    // and the daemon serves them (neither route_not_found nor 405).
    for (const [route, file] of OUTSIDE_TABLES) {
      const [method, pathname] = route.split(' ');
      assert.ok(
          !served.has(route), `${route} is in a route table now: drop it from OUTSIDE_TABLES`);
      const source = await readFile(path.join(repoRoot, file), 'utf8');
      assert.ok(source.includes(`"${pathname}"`), `${file} no longer names ${pathname}`);
      const res = await d.call(method, pathname, {auth: null});
      const code = res.json && res.json.error && res.json.error.code;
      assert.ok(
          ![404, 405].includes(res.status) && code !== 'route_not_found',
          `${route}: ${res.status} ${res.text}`);
      served.set(route, file);
    }
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
    await expect(201, 'POST', '/v1/apps', {body: {name: 'oa_second'}});
    const first = await expect(200, 'GET', '/v1/apps?limit=1');
    assert.ok(first.next_cursor, 'more than one app: a next cursor');
    await expect(200, 'GET', `/v1/apps?limit=1&cursor=${first.next_cursor}`);
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
    for (const auth of [null, [ADMIN_ID, 'wrong-' + ADMIN_SECRET]]) {
      const res = await call('GET', '/v1/apps', {auth});
      assert.equal(res.status, 401, res.text);
      assert.match(res.headers.get('www-authenticate') || '', /^Basic realm="tollgate"/);
    }
    await expect(403, 'POST', '/v1/accounts', {auth: member, body: {name: 'oa_nope'}});
    await expect(404, 'GET', '/v1/apps/00000000000000000000000000000000', {auth: member});
    await expect(400, 'GET', '/v1/apps?limit=abc', {auth: member});
    await expect(400, 'GET', '/v1/apps?colour=red', {auth: member});
    await expect(400, 'GET', `/v1/apps?cursor=${'A'.repeat(56)}`, {auth: member});
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
    await refused(
        422, 'missing_field', 'POST', '/v1/apps',
        {auth: member, body: {description: 'no name'}, field: 'name'});
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

    conforms();
  });

  test('health, readiness and metrics conform to the document', async () => {
    await expect(200, 'GET', '/healthz', {auth: null});

    // The projector syncs once a second: ready after its first sync.
    let ready;
    for (let i = 0; i < 60; i++) {
      ready = await call('GET', '/readyz', {auth: null});
      if (ready.status === 200)
        break;
      await sleep(100);
    }
    assert.equal(ready.status, 200, ready.text);
    assert.equal(ready.json.status, 'ready');

    const metrics = await call('GET', '/metrics');
    assert.equal(metrics.status, 200, metrics.text);
    assert.match(metrics.text, /^tollgate_\w+/m);
    await refused(401, 'unauthenticated', 'GET', '/metrics', {auth: null});
    const acct = await expect(201, 'POST', '/v1/accounts', {body: {name: 'oa_scraper'}});
    const key = await expect(201, 'POST', '/v1/accounts/oa_scraper/access-keys', {body: {}});
    await refused(403, 'forbidden', 'GET', '/metrics', {auth: [key.id, key.secret]});
    await expect(204, 'DELETE', `/v1/accounts/oa_scraper/access-keys/${key.id}`);
    await expect(204, 'DELETE', `/v1/accounts/${acct.id}`);

    // Not ready: a daemon whose bound on the sync's age is always passed.
    const stale = await startTollgated({args: ['--ready-max-age', '0.001']});
    try {
      let res;
      for (let i = 0; i < 60; i++) {
        res = await stale.call('GET', '/readyz', {auth: null});
        if (res.status === 503)
          break;
        await sleep(100);
      }
      assert.equal(res.status, 503, res.text);
      problems.push(...api.check('GET', '/readyz', res));
      assert.match(res.json.reason, /ready_max_age/);
    } finally {
      await stale.stop();
    }
    conforms();
  });

  test('console sessions conform to the document', async () => {
    const signin = await call(
        'POST', '/v1/sessions',
        {auth: null, body: {access_key_id: ADMIN_ID, access_key_secret: ADMIN_SECRET}});
    assert.equal(signin.status, 201, signin.text);
    const cookie = signin.headers.get('set-cookie').split(';')[0];
    const csrf = signin.json.csrf_token;
    const session = {auth: null, headers: {cookie}};
    const withCsrf = {auth: null, headers: {cookie, 'x-csrf-token': csrf}};

    const current = await expect(200, 'GET', '/v1/sessions/current', session);
    assert.equal(current.csrf_token, csrf);
    assert.equal((await expect(200, 'GET', '/v1/whoami', session)).access_key_id, ADMIN_ID);

    // Unsafe calls need the CSRF token.
    await refused(403, 'forbidden', 'POST', '/v1/accounts', {...session, body: {name: 'oa_csrf'}});
    const acct = await expect(201, 'POST', '/v1/accounts', {...withCsrf, body: {name: 'oa_csrf'}});
    await expect(204, 'DELETE', `/v1/accounts/${acct.id}`, withCsrf);

    // With HTTP Basic there is no session to read; no challenge either.
    const basic = await call('GET', '/v1/sessions/current');
    assert.equal(basic.status, 401, basic.text);
    assert.equal(basic.headers.get('www-authenticate'), null);

    await refused(403, 'forbidden', 'DELETE', '/v1/sessions/current', session);
    const out = await call('DELETE', '/v1/sessions/current', withCsrf);
    assert.equal(out.status, 204, out.text);

    // The session has ended: 401, without a challenge a browser would show.
    for (const [method, pathname] of [['GET', '/v1/sessions/current'], ['GET', '/v1/apps']]) {
      const res = await call(method, pathname, session);
      assert.equal(res.status, 401, res.text);
      assert.equal(res.headers.get('www-authenticate'), null);
    }

    const wrong = await call(
        'POST', '/v1/sessions',
        {auth: null, body: {access_key_id: ADMIN_ID, access_key_secret: 'wrong-' + ADMIN_SECRET}});
    assert.equal(wrong.status, 401, wrong.text);
    assert.equal(wrong.headers.get('www-authenticate'), null);
    await refused(
        422, 'missing_field', 'POST', '/v1/sessions',
        {auth: null, body: {access_key_id: ADMIN_ID}, field: 'access_key_secret'});
    await refused(
        422, 'unknown_field', 'POST', '/v1/sessions',
        {auth: null, body: {access_key_id: ADMIN_ID, access_key_secret: 'x', remember: true}});
    conforms();
  });

  test('access-control policies conform to the document', async () => {
    const acct = await expect(201, 'POST', '/v1/accounts', {body: {name: 'oa_pol'}});
    const key = await expect(201, 'POST', '/v1/accounts/oa_pol/access-keys', {body: {}});
    const base = '/v1/accounts/oa_pol/policies';
    const doc = {
      Version: '1',
      Statement: [{
        Sid: 'ReadFromTheOffice',
        Effect: 'Allow',
        Action: ['apigateway:Describe*'],
        Resource: '*',
        Condition: {IpAddress: {'acs:SourceIp': ['10.0.0.0/8']}}
      }]
    };

    // Named policies.
    const created = await expect(
        201, 'POST', base, {body: {name: 'OaReaders', description: 'readers', document: doc}});
    assert.deepEqual(created.document, doc);
    assert.equal(created.builtin, false);
    await refused(
        409, 'policy_name_taken', 'POST', base, {body: {name: 'OaReaders', document: doc}});
    await refused(
        409, 'policy_name_taken', 'POST', base,
        {body: {name: 'TollgateFullAccess', document: doc}});
    await refused(422, 'invalid_field', 'POST', base, {
      body: {
        name: 'OaBad',
        document: {Statement: [{Effect: 'Allow', Action: 'apigateway:NoSuchAction', Resource: '*'}]}
      },
      field: 'document'
    });
    await refused(422, 'missing_field', 'POST', base, {body: {document: doc}, field: 'name'});
    const list = await expect(200, 'GET', base);
    assert.ok(list.items.some((p) => p.builtin && p.name === 'TollgateReadOnlyAccess'));
    assert.ok(list.items.some((p) => p.name === 'OaReaders'));
    await expect(200, 'GET', `${base}/OaReaders`);
    await expect(200, 'GET', `${base}/TollgateCredentialOperator`);
    await refused(404, 'policy_not_found', 'GET', `${base}/OaNothing`);
    await refused(404, 'account_not_found', 'GET', '/v1/accounts/oa_nothing/policies');
    const changed = await expect(
        200, 'PATCH', `${base}/OaReaders`,
        {body: {description: 'office readers', document: JSON.stringify(doc)}});
    assert.equal(changed.description, 'office readers');
    await refused(
        422, 'invalid_field', 'PATCH', `${base}/TollgateFullAccess`,
        {body: {description: 'mine'}, field: 'name'});

    // Attached to a key: named, inline and built-in.
    const kp = `/v1/accounts/oa_pol/access-keys/${key.id}/policies`;
    assert.equal((await expect(201, 'POST', kp, {body: {name: 'OaReaders'}})).kind, 'named');
    const inline = await expect(201, 'POST', kp, {
      body: {
        name: 'OaNoApps',
        document: {Statement: [{Effect: 'Deny', Action: 'apigateway:CreateApp', Resource: '*'}]}
      }
    });
    assert.equal(inline.kind, 'inline');
    await expect(201, 'POST', kp, {body: {name: 'TollgateReadOnlyAccess'}});
    await refused(409, 'policy_name_taken', 'POST', kp, {body: {name: 'OaReaders'}});
    await refused(404, 'policy_not_found', 'POST', kp, {body: {name: 'OaNothing'}});
    await refused(
        404, 'access_key_not_found', 'GET', '/v1/accounts/oa_pol/access-keys/TGnone0000/policies');
    const attached = await expect(200, 'GET', kp);
    assert.deepEqual(
        attached.items.map((p) => `${p.name} ${p.kind}`).sort(),
        ['OaNoApps inline', 'OaReaders named', 'TollgateReadOnlyAccess named']);
    await refused(409, 'conflict', 'DELETE', `${base}/OaReaders`);

    // The key, held to its policies.
    await refused(
        403, 'forbidden', 'POST', '/v1/apps', {auth: [key.id, key.secret], body: {name: 'oa_no'}});

    // The simulator: an explicit deny, an allow, the default deny, no policies.
    const arn = `acs:apigateway:local:${acct.id}:app/1`;
    const check = (body) =>
        expect(200, 'POST', '/v1/policies/check', {body: {account_id: 'oa_pol', ...body}});
    const deny = await check({
      access_key_id: key.id,
      action: 'apigateway:DescribeAppSecurity',
      resource: arn,
      source_ip: '10.1.2.3',
      time: '2026-11-30T08:00:00Z',
      secure: false
    });
    assert.equal(deny.allowed, false);
    assert.equal(deny.effect, 'deny');
    assert.equal(deny.statement.policy, 'TollgateReadOnlyAccess');
    const allow = await check({
      access_key_id: key.id,
      action: 'apigateway:DescribeApp',
      resource: arn,
      source_ip: '10.1.2.3'
    });
    assert.equal(allow.effect, 'allow');
    assert.equal(allow.allowed, true);
    const none =
        await check({access_key_id: key.id, action: 'apigateway:ModifyApp', resource: arn});
    assert.equal(none.effect, 'implicit_deny');
    assert.equal(none.statement, undefined);
    const plain = await expect(
        200, 'POST', '/v1/policies/check',
        {body: {access_key_id: ADMIN_ID, action: 'apigateway:ModifyApp', resource: arn}});
    assert.equal(plain.has_policies, false);
    assert.equal(plain.effect, undefined);
    await refused(422, 'invalid_field', 'POST', '/v1/policies/check', {
      body: {
        account_id: 'oa_pol',
        access_key_id: key.id,
        action: 'apigateway:NoSuchAction',
        resource: arn
      }
    });
    await refused(
        422, 'missing_field', 'POST', '/v1/policies/check',
        {body: {account_id: 'oa_pol', access_key_id: key.id, action: 'apigateway:DescribeApp'}});
    await refused(404, 'access_key_not_found', 'POST', '/v1/policies/check', {
      body: {
        account_id: 'oa_pol',
        access_key_id: 'TGnone0000',
        action: 'apigateway:DescribeApp',
        resource: arn
      }
    });

    // Detached, then deleted.
    await expect(204, 'DELETE', `${kp}/OaReaders`);
    await refused(404, 'policy_not_found', 'DELETE', `${kp}/OaReaders`);
    await expect(204, 'DELETE', `${kp}/OaNoApps`);
    await expect(204, 'DELETE', `${kp}/TollgateReadOnlyAccess`);
    await expect(204, 'DELETE', `${base}/OaReaders`);
    await refused(404, 'policy_not_found', 'DELETE', `${base}/OaReaders`);
    await expect(204, 'DELETE', `/v1/accounts/oa_pol/access-keys/${key.id}`);
    await expect(204, 'DELETE', `/v1/accounts/${acct.id}`);
    conforms();
  });

  test('credential policies conform to the document', async () => {
    const policy = {
      reveal_once: true,
      max_secret_age: 3600,
      min_grace: 0,
      max_grace: 600,
      secret_min_length: 20,
      secret_classes: 3
    };
    const acct = await expect(201, 'POST', '/v1/accounts', {body: {name: 'oa_strict', ...policy}});
    assert.deepEqual(acct.credential_policy, policy);
    await refused(
        422, 'invalid_field', 'POST', '/v1/accounts',
        {body: {name: 'oa_lax', max_secret_age: 316224001}, field: 'max_secret_age'});
    const changed = await expect(
        200, 'PATCH', '/v1/accounts/oa_strict', {body: {min_grace: 60, max_grace: null}});
    assert.equal(changed.credential_policy.min_grace, 60);
    assert.equal(changed.credential_policy.max_grace, null);

    const app = await expect(
        201, 'POST', '/v1/apps',
        {body: {name: 'oa_expiring', account_id: acct.id, generate_app_code: true}});
    const expires = Date.parse(app.secret_expires_at);
    assert.ok(Math.abs(expires - Date.now() - 3600e3) < 60e3, app.secret_expires_at);
    await refused(403, 'secret_reveal_refused', 'GET', `/v1/apps/${app.id}/secret`);
    await refused(
        422, 'invalid_field', 'POST', `/v1/apps/${app.id}/reset-secret`,
        {body: {grace_seconds: 10}, field: 'grace_seconds'});
    await refused(
        422, 'invalid_field', 'POST', `/v1/apps/${app.id}/reset-secret`,
        {body: {app_secret: 'weak1234', grace_seconds: 60}, field: 'app_secret'});

    const soon = await expect(200, 'GET', `/v1/apps?expiring_within=7200&account_id=${acct.id}`);
    assert.deepEqual(soon.items.map((a) => a.id), [app.id]);
    const later = await expect(200, 'GET', `/v1/apps?expiring_within=60&account_id=${acct.id}`);
    assert.deepEqual(later.items, []);
    await refused(
        400, 'bad_request', 'GET', '/v1/apps?expiring_within=-1', {field: 'expiring_within'});
    await refused(
        400, 'bad_request', 'GET', '/v1/apps?expiring_within=316224001',
        {field: 'expiring_within'});

    await expect(204, 'DELETE', `/v1/apps/${app.id}`);
    await expect(204, 'DELETE', `/v1/accounts/${acct.id}`);
    conforms();
  });

  test('the audit events of sessions, policies and refusals conform to the document', async () => {
    const audit = await expect(200, 'GET', '/v1/audit?limit=100');
    const seen = new Set(audit.items.map((e) => `${e.action} ${e.result}`));
    for (const want
             of ['session.create success', 'session.delete success', 'auth.failure failure',
                 'policy.create success', 'policy.update success', 'policy.delete success',
                 'policy.attach success', 'policy.detach success', 'app.create failure',
                 'app.secret.reveal failure']) {
      assert.ok(seen.has(want), `no ${want} event in ${[...seen].join(', ')}`);
    }
    const reveal = audit.items.find((e) => e.action === 'app.secret.reveal');
    assert.equal(reveal.error, 'secret_reveal_refused');
    const denied = audit.items.find((e) => e.action === 'app.create' && e.result === 'failure');
    assert.equal(denied.error, 'forbidden');
    conforms();
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
