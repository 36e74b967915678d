// The API registry and the grants of apps to APIs.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {startTollgated} from './lib/tollgated.mjs';

let d;
let app;

function expectError(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json.error.code, code, res.text);
  if (field !== undefined) {
    assert.equal(res.json.error.field, field, res.text);
  }
}

before(async () => {
  d = await startTollgated();
  app = (await d.call('POST', '/v1/apps', {body: {name: 'caller'}})).json;
});

after(async () => {
  await d.stop();
});

describe('registry', () => {
  test('create, read by id and by name, list, update, delete', async () => {
    const res =
        await d.call('POST', '/v1/apis', {body: {name: 'orders.v1', description: 'Orders'}});
    assert.equal(res.status, 201, res.text);
    const api = res.json;
    assert.match(api.id, /^[0-9a-f]{32}$/);
    assert.equal(api.stage, null);
    assert.deepEqual((await d.call('GET', `/v1/apis/${api.id}`)).json, api);
    assert.deepEqual((await d.call('GET', '/v1/apis/orders.v1')).json, api);
    const list = await d.call('GET', '/v1/apis');
    assert.ok(list.json.items.some((a) => a.id === api.id));
    const up = await d.call(
        'PATCH', '/v1/apis/orders.v1', {body: {description: 'All orders', stage: 'test'}});
    assert.equal(up.json.description, 'All orders');
    assert.equal(up.json.stage, 'TEST');
    assert.equal((await d.call('DELETE', `/v1/apis/${api.id}`)).status, 204);
    expectError(await d.call('GET', '/v1/apis/orders.v1'), 404, 'api_not_found');
  });

  test('names: identifiers, unique, 64 characters at most', async () => {
    assert.equal((await d.call('POST', '/v1/apis', {body: {name: 'a'.repeat(64)}})).status, 201);
    expectError(
        await d.call('POST', '/v1/apis', {body: {name: 'a'.repeat(65)}}), 422, 'invalid_field',
        'name');
    expectError(
        await d.call('POST', '/v1/apis', {body: {name: 'a'.repeat(64)}}), 409, 'api_name_taken',
        'name');
    for (const name of ['1api', 'my api', '订单', '']) {
      expectError(await d.call('POST', '/v1/apis', {body: {name}}), 422, 'invalid_field', 'name');
    }
    expectError(await d.call('POST', '/v1/apis', {body: {}}), 422, 'missing_field', 'name');
    expectError(
        await d.call('POST', '/v1/apis', {body: {name: 'st', stage: 'x'.repeat(33)}}), 422,
        'invalid_field', 'stage');
  });
});

describe('grants', () => {
  before(async () => {
    await d.call('POST', '/v1/apis', {body: {name: 'payments'}});
    await d.call('POST', '/v1/apis', {body: {name: 'staging_only', stage: 'TEST'}});
  });

  test('grant defaults to RELEASE and never expires', async () => {
    const res = await d.call('PUT', `/v1/apps/${app.id}/grants/payments`);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.stage, 'RELEASE');
    assert.equal(res.json.expires_at, null);
    assert.equal(res.json.expired, false);
    assert.deepEqual(
        res.json.app, {id: app.id, app_id: app.app_id, name: 'caller', account_id: app.account_id});
    assert.equal(res.json.api.name, 'payments');
  });

  test('granting again updates (200) the expiry; stages are separate grants', async () => {
    const expires = new Date(Date.now() + 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
    const res =
        await d.call('PUT', `/v1/apps/${app.id}/grants/payments`, {body: {expires_at: expires}});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.expires_at, expires);
    const pre = await d.call('PUT', `/v1/apps/${app.id}/grants/payments`, {body: {stage: 'pre'}});
    assert.equal(pre.status, 201);
    assert.equal(pre.json.stage, 'PRE');
    const list = await d.call('GET', `/v1/apps/${app.id}/grants`);
    assert.deepEqual(
        list.json.items.map((g) => [g.api.name, g.stage]),
        [['payments', 'PRE'], ['payments', 'RELEASE']]);
    const byApi = await d.call('GET', '/v1/apis/payments/grants');
    assert.equal(byApi.json.total, 2);
  });

  test('expiry must be a future RFC 3339 time', async () => {
    expectError(
        await d.call(
            'PUT', `/v1/apps/${app.id}/grants/payments`,
            {body: {expires_at: '2001-01-01T00:00:00Z'}}),
        422, 'invalid_field', 'expires_at');
    expectError(
        await d.call('PUT', `/v1/apps/${app.id}/grants/payments`, {body: {expires_at: 'tomorrow'}}),
        422, 'invalid_field', 'expires_at');
    expectError(
        await d.call(
            'PUT', `/v1/apps/${app.id}/grants/payments`,
            {body: {expires_at: '2099-02-30T00:00:00Z'}}),
        422, 'invalid_field', 'expires_at');
  });

  test('an API tied to a stage takes grants on it only', async () => {
    const res = await d.call('PUT', `/v1/apps/${app.id}/grants/staging_only`);
    assert.equal(res.json.stage, 'TEST');
    expectError(
        await d.call('PUT', `/v1/apps/${app.id}/grants/staging_only`, {body: {stage: 'RELEASE'}}),
        422, 'invalid_field', 'stage');
  });

  test('revoke one stage, then all; unknown grants are 404', async () => {
    assert.equal(
        (await d.call('DELETE', `/v1/apps/${app.id}/grants/payments?stage=pre`)).status, 204);
    let list = await d.call('GET', `/v1/apps/${app.id}/grants`);
    assert.deepEqual(
        list.json.items.filter((g) => g.api.name === 'payments').map((g) => g.stage), ['RELEASE']);
    expectError(
        await d.call('DELETE', `/v1/apps/${app.id}/grants/payments?stage=pre`), 404,
        'grant_not_found');
    assert.equal((await d.call('DELETE', `/v1/apps/${app.id}/grants/payments`)).status, 204);
    list = await d.call('GET', `/v1/apps/${app.id}/grants`);
    assert.ok(!list.json.items.some((g) => g.api.name === 'payments'));
    expectError(
        await d.call('DELETE', `/v1/apps/${app.id}/grants/payments`), 404, 'grant_not_found');
    expectError(await d.call('PUT', `/v1/apps/${app.id}/grants/no_such_api`), 404, 'api_not_found');
    expectError(
        await d.call('PUT', `/v1/apps/${'0'.repeat(32)}/grants/payments`), 404, 'app_not_found');
  });

  test('deleting an API removes its grants', async () => {
    await d.call('POST', '/v1/apis', {body: {name: 'short_lived'}});
    await d.call('PUT', `/v1/apps/${app.id}/grants/short_lived`);
    assert.equal((await d.call('DELETE', '/v1/apis/short_lived')).status, 204);
    const list = await d.call('GET', `/v1/apps/${app.id}/grants`);
    assert.ok(!list.json.items.some((g) => g.api.name === 'short_lived'));
  });
});
