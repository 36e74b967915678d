// The Tencent dialect's binding actions with Tencent's own SDK: an app
// bound to an API on an environment (a Tollgate grant on a stage), the
// listings both ways with their paging and filters, and the documented
// failures (unknown app or API, bad environment, unbinding what is not
// bound).

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {rejects, tencentClient} from './lib/tencent.mjs';
import {createApi, startTollgated} from './lib/tollgated.mjs';

let d, tc;

before(async () => {
  d = await startTollgated();
  tc = tencentClient(d);
});

after(async () => {
  await d.stop();
});

const api = (name) => createApi(d, name);

async function app(name) {
  return (await tc.CreateApiApp({ApiAppName: name})).Result.ApiAppId;
}

async function fails(action, params, code) {
  const e = await rejects(() => tc[action](params));
  assert.equal(e.code, code, e.message);
}

const bind = (ApiAppId, ApiId, Environment = 'release') =>
    tc.BindApiApp({ApiAppId, ApiId, Environment, ServiceId: 'service-tollgate'});

describe('BindApiApp and UnbindApiApp', () => {
  test('bind grants the app the API on the environment\'s stage', async () => {
    const a = await app('tc_bind');
    const orders = await api('tc-orders');
    assert.equal((await bind(a, orders, 'release')).Result, true);
    assert.equal((await bind(a, 'tc-orders', 'prepub')).Result, true, 'an API by its name');

    const native = (await d.call('GET', '/v1/apps?name=tc_bind')).json.items[0];
    const grants = (await d.call('GET', `/v1/apps/${native.id}/grants`)).json.items;
    assert.deepEqual(grants.map((g) => g.stage).sort(), ['PRE', 'RELEASE']);

    assert.equal(
        (await tc.UnbindApiApp(
             {ApiAppId: a, ApiId: orders, Environment: 'prepub', ServiceId: 'service-tollgate'}))
            .Result,
        true);
    const left = (await d.call('GET', `/v1/apps/${native.id}/grants`)).json.items;
    assert.deepEqual(left.map((g) => g.stage), ['RELEASE']);
  });

  test('refuses a bad environment, unknown app or API, and what is not bound', async () => {
    const a = await app('tc_bind_bad');
    const id = await api('tc-bad');
    await fails(
        'BindApiApp', {ApiAppId: a, ApiId: id, Environment: 'prod', ServiceId: 's'},
        'InvalidParameterValue.InvalidEnv');
    await fails(
        'BindApiApp', {ApiAppId: a, ApiId: id, Environment: 'RELEASE', ServiceId: 's'},
        'InvalidParameterValue.InvalidEnv');
    await fails(
        'BindApiApp', {ApiAppId: 'app-zzzzzzzz', ApiId: id, Environment: 'test', ServiceId: 's'},
        'ResourceNotFound.InvalidApiApp');
    await fails(
        'BindApiApp', {ApiAppId: a, ApiId: 'api-nope', Environment: 'test', ServiceId: 's'},
        'ResourceNotFound.InvalidApi');
    await fails('BindApiApp', {ApiAppId: a, ApiId: id, Environment: 'test'}, 'MissingParameter');
    await fails(
        'UnbindApiApp', {ApiAppId: a, ApiId: id, Environment: 'test', ServiceId: 's'},
        'UnsupportedOperation.ResourceUnassociated');
  });
});

describe('DescribeApiAppBindApisStatus and DescribeApiBindApiAppsStatus', () => {
  test('list an app\'s APIs and APIs\' apps, with paging and filters', async () => {
    const a = await app('tc_list_1');
    const b = await app('tc_list_2');
    const x = await api('tc-list-x');
    const y = await api('tc-list-y');
    await bind(a, x, 'release');
    await bind(a, y, 'test');
    await bind(b, x, 'release');

    const apis = await tc.DescribeApiAppBindApisStatus({ApiAppId: a});
    assert.equal(apis.Result.TotalCount, 2);
    const first = apis.Result.ApiAppApiSet[0];
    assert.deepEqual(Object.keys(first).sort(), [
      'ApiAppId', 'ApiAppName', 'ApiId', 'ApiName', 'ApiRegion', 'AuthorizedTime',
      'EnvironmentName', 'ServiceId'
    ]);
    assert.equal(first.ApiAppId, a);
    assert.equal(first.ServiceId, 'service-tollgate');
    assert.deepEqual(
        apis.Result.ApiAppApiSet.map((i) => i.EnvironmentName).sort(), ['release', 'test']);

    const onlyTest = await tc.DescribeApiAppBindApisStatus(
        {ApiAppId: a, Filters: [{Name: 'Environment', Values: ['test']}]});
    assert.equal(onlyTest.Result.TotalCount, 1);
    assert.equal(onlyTest.Result.ApiAppApiSet[0].ApiName, 'tc-list-y');

    const apps = await tc.DescribeApiBindApiAppsStatus(
        {ServiceId: 'service-tollgate', ApiIds: [x, y], Limit: 2, Offset: 1});
    assert.equal(apps.Result.TotalCount, 3);
    assert.equal(apps.Result.ApiAppApiSet.length, 2);

    const one = await tc.DescribeApiBindApiAppsStatus(
        {ServiceId: 'service-tollgate', ApiIds: [x], Filters: [{Name: 'ApiAppId', Values: [b]}]});
    assert.equal(one.Result.TotalCount, 1);
    assert.equal(one.Result.ApiAppApiSet[0].ApiAppName, 'tc_list_2');
  });

  test('refuses what the listings do not take', async () => {
    const a = await app('tc_list_bad');
    await fails(
        'DescribeApiAppBindApisStatus', {ApiAppId: a, Filters: [{Name: 'ApiName', Values: ['x']}]},
        'InvalidParameterValue.InvalidFilterNotSupportedName');
    await fails(
        'DescribeApiAppBindApisStatus', {ApiAppId: 'app-zzzzzzzz'},
        'ResourceNotFound.InvalidApiApp');
    await fails(
        'DescribeApiBindApiAppsStatus', {ServiceId: 'service-tollgate', ApiIds: []},
        'InvalidParameter.FormatError');
    await fails(
        'DescribeApiBindApiAppsStatus', {ServiceId: 'service-tollgate', ApiIds: ['api-nope']},
        'ResourceNotFound.InvalidApi');
    await fails(
        'DescribeApiBindApiAppsStatus',
        {ServiceId: 'service-tollgate', ApiIds: Array.from({length: 101}, (_, i) => `a${i}`)},
        'InvalidParameter.FormatError');
  });
});
