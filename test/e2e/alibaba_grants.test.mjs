// Alibaba's authorization actions (Tollgate's grants), with Alibaba's own
// clients: N apps to one API and one app to N APIs, stages, AuthValidTime,
// the 100-id limit at its edge, all-or-nothing calls, and the listings;
// the grants read the same through the native API.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {Cloud, cloudApi, popCore, rejects} from './lib/alibaba.mjs';
import {createApi, plain, startTollgated} from './lib/tollgated.mjs';

let d, pop, v3;

before(async () => {
  // No write rate: this file makes a hundred apps at once.
  d = await startTollgated({args: ['--app-write-rate', '0']});
  pop = popCore(d);
  v3 = cloudApi(d);
});

after(async () => {
  await d.stop();
});

const api = (name) => createApi(d, name);

async function app(name) {
  return (await pop.request('CreateApp', {AppName: name}, {method: 'POST'})).AppId;
}

async function fails(action, params, code, status = 400) {
  const e = await rejects(() => pop.request(action, params, {method: 'POST'}));
  assert.equal(e.code, code, e.message);
  return e.data;
}

describe('apps to an API', () => {
  test('SetAppsAuthorities, DescribeAuthorizedApps, RemoveAppsAuthorities', async () => {
    const weather = await api('weather');
    const a = await app('Grant_A');
    const b = await app('Grant_B');

    const res = await pop.request(
        'SetAppsAuthorities', {
          ApiId: weather,
          AppIds: `${a},${b}`,
          StageName: 'RELEASE',
          AuthValidTime: 'Fri,05Oct203016:00:00GMT',
          Description: 'Queries weather',
          GroupId: '523e8dc7bbe04613b5b1d726c2a7889d',
        },
        {method: 'POST'});
    assert.deepEqual(Object.keys(res), ['RequestId']);

    const listed = await pop.request('DescribeAuthorizedApps', {ApiId: weather});
    assert.equal(listed.TotalCount, 2);
    const items = plain(listed.AuthorizedApps.AuthorizedApp);
    assert.deepEqual(items.map((x) => x.AppId).sort(), [a, b].sort());
    const one = items.find((x) => x.AppId === a);
    assert.equal(one.AppName, 'Grant_A');
    assert.equal(one.StageName, 'RELEASE');
    assert.equal(one.AuthVaildTime, '2030-10-05T16:00:00Z');
    assert.match(one.AuthorizedTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // Filters and paging.
    const byName =
        await pop.request('DescribeAuthorizedApps', {ApiId: weather, AppName: 'Grant_B'});
    assert.deepEqual(plain(byName.AuthorizedApps.AuthorizedApp).map((x) => x.AppId), [b]);
    const page =
        await pop.request('DescribeAuthorizedApps', {ApiId: weather, PageSize: 1, PageNumber: 2});
    assert.equal(page.AuthorizedApps.AuthorizedApp.length, 1);
    assert.equal(page.TotalCount, 2);
    const test = await pop.request('DescribeAuthorizedApps', {ApiId: weather, StageName: 'TEST'});
    assert.equal(test.TotalCount, 0);

    // The native API sees the same grant.
    const native = (await d.call('GET', `/v1/apps/${a}/grants`)).json;
    assert.equal(native.items.length, 1);
    assert.equal(native.items[0].api.id, weather);
    assert.equal(native.items[0].expires_at, '2030-10-05T16:00:00Z');

    await pop.request(
        'RemoveAppsAuthorities', {ApiId: weather, AppIds: String(a), StageName: 'RELEASE'});
    const left = await pop.request('DescribeAuthorizedApps', {ApiId: weather});
    assert.deepEqual(plain(left.AuthorizedApps.AuthorizedApp).map((x) => x.AppId), [b]);
    await fails(
        'RemoveAppsAuthorities', {ApiId: weather, AppIds: String(a), StageName: 'RELEASE'},
        'NotFoundAuthorization');
  });

  test('all or nothing: one unknown app, no grant made', async () => {
    const maps = await api('maps');
    const a = await app('Atomic_A');
    await fails(
        'SetAppsAuthorities', {ApiId: maps, AppIds: `${a},424242`, StageName: 'RELEASE'},
        'NotFoundApp');
    const listed = await pop.request('DescribeAuthorizedApps', {ApiId: maps});
    assert.equal(listed.TotalCount, 0);
  });

  test('the parameters each call requires, and their rules', async () => {
    const news = await api('news');
    const a = await app('Rules_A');
    await fails('SetAppsAuthorities', {AppIds: String(a), StageName: 'RELEASE'}, 'MissingApiId');
    await fails('SetAppsAuthorities', {ApiId: news, StageName: 'RELEASE'}, 'MissingAppIds');
    await fails('SetAppsAuthorities', {ApiId: news, AppIds: String(a)}, 'MissingStageName');
    await fails(
        'SetAppsAuthorities', {ApiId: news, AppIds: String(a), StageName: 'PROD'},
        'InvalidStageName');
    await fails(
        'SetAppsAuthorities', {ApiId: news, AppIds: `${a},x`, StageName: 'TEST'}, 'InvalidAppIds');
    await fails(
        'SetAppsAuthorities', {ApiId: news, AppIds: `${a},,${a}`, StageName: 'TEST'},
        'InvalidAppIds');
    await fails(
        'SetAppsAuthorities', {ApiId: 'f'.repeat(32), AppIds: String(a), StageName: 'TEST'},
        'NotFoundApi');
    await fails(
        'SetAppsAuthorities',
        {ApiId: news, AppIds: String(a), StageName: 'TEST', AuthValidTime: 'tomorrow'},
        'InvalidAuthValidTime');
    await fails(
        'SetAppsAuthorities',
        {ApiId: news, AppIds: String(a), StageName: 'TEST', AuthValidTime: '2001-01-01T00:00:00Z'},
        'InvalidAuthValidTime');
    await fails('DescribeAuthorizedApps', {}, 'MissingApiId');
    await fails('DescribeAuthorizedApps', {ApiId: news, StageName: 'prod'}, 'InvalidStageName');
    // Every stage of the three.
    for (const stage of ['RELEASE', 'PRE', 'TEST']) {
      await pop.request('SetAppsAuthorities', {ApiId: news, AppIds: String(a), StageName: stage});
    }
    assert.equal((await pop.request('DescribeAuthorizedApps', {ApiId: news})).TotalCount, 3);
  });

  test('100 AppIds pass, 101 do not', async () => {
    const bulk = await api('bulk');
    const ids = [];
    for (let i = 0; i < 101; i++) {
      ids.push((await d.call('POST', '/v1/apps', {body: {name: `Bulk_${i}`}})).json.app_id);
    }
    const e = await fails(
        'SetAppsAuthorities', {ApiId: bulk, AppIds: ids.join(','), StageName: 'RELEASE'},
        'InvalidAppIds');
    assert.match(e.Message, /1 to 100/);
    assert.equal((await pop.request('DescribeAuthorizedApps', {ApiId: bulk})).TotalCount, 0);
    await pop.request(
        'SetAppsAuthorities',
        {ApiId: bulk, AppIds: ids.slice(0, 100).join(','), StageName: 'RELEASE'}, {method: 'POST'});
    const listed = await pop.request('DescribeAuthorizedApps', {ApiId: bulk, PageSize: 100});
    assert.equal(listed.TotalCount, 100);
    assert.equal(listed.AuthorizedApps.AuthorizedApp.length, 100);
    await fails(
        'RemoveAppsAuthorities', {ApiId: bulk, AppIds: ids.join(','), StageName: 'RELEASE'},
        'InvalidAppIds');
    await pop.request(
        'RemoveAppsAuthorities',
        {ApiId: bulk, AppIds: ids.slice(0, 100).join(','), StageName: 'RELEASE'}, {method: 'POST'});
    assert.equal((await pop.request('DescribeAuthorizedApps', {ApiId: bulk})).TotalCount, 0);
  });
});

describe('an app to APIs', () => {
  test(
      'SetApisAuthorities, DescribeAuthorizedApis, RemoveApisAuthorities (V3 client)', async () => {
        const a = await app('Consumer_A');
        const x = await api('api_x');
        const y = await api('api_y');
        await v3.setApisAuthorities(new Cloud.SetApisAuthoritiesRequest({
          appId: a,
          apiIds: `${x},${y}`,
          stageName: 'TEST',
          authValidTime: '2031-01-02T03:04:05Z',
        }));
        const listed =
            await v3.describeAuthorizedApis(new Cloud.DescribeAuthorizedApisRequest({appId: a}));
        assert.equal(listed.body.totalCount, 2);
        const apis = listed.body.authorizedApis.authorizedApi;
        assert.deepEqual(apis.map((z) => z.apiId).sort(), [x, y].sort());
        assert.deepEqual(apis.map((z) => z.apiName).sort(), ['api_x', 'api_y']);
        assert.equal(apis[0].stageName, 'TEST');
        assert.equal(apis[0].authVaildTime, '2031-01-02T03:04:05Z');
        assert.equal(apis[0].operator, 'PROVIDER');

        await v3.removeApisAuthorities(
            new Cloud.RemoveApisAuthoritiesRequest({appId: a, apiIds: x, stageName: 'TEST'}));
        const left = await pop.request('DescribeAuthorizedApis', {AppId: a});
        assert.deepEqual(plain(left.AuthorizedApis.AuthorizedApi).map((z) => z.ApiId), [y]);
        const e = await rejects(
            () => v3.removeApisAuthorities(
                new Cloud.RemoveApisAuthoritiesRequest({appId: a, apiIds: x, stageName: 'TEST'})));
        assert.equal(e.code, 'NotFoundAuthorization');
      });

  test('100 ApiIds pass, 101 do not; failures', async () => {
    const a = await app('Consumer_B');
    const apis = [];
    for (let i = 0; i < 101; i++) {
      apis.push(await api(`many_${i}`));
    }
    await fails(
        'SetApisAuthorities', {AppId: a, ApiIds: apis.join(','), StageName: 'RELEASE'},
        'InvalidApiIds');
    await pop.request(
        'SetApisAuthorities',
        {AppId: a, ApiIds: apis.slice(0, 100).join(','), StageName: 'RELEASE'}, {method: 'POST'});
    const listed =
        await pop.request('DescribeAuthorizedApis', {AppId: a, PageSize: 100, PageNumber: 1});
    assert.equal(listed.TotalCount, 100);
    assert.equal(listed.AuthorizedApis.AuthorizedApi.length, 100);
    await fails('SetApisAuthorities', {ApiIds: apis[0], StageName: 'RELEASE'}, 'MissingAppId');
    await fails('SetApisAuthorities', {AppId: a, StageName: 'RELEASE'}, 'MissingApiIds');
    await fails('RemoveApisAuthorities', {AppId: a, ApiIds: apis[0]}, 'MissingStageName');
    await fails('DescribeAuthorizedApis', {}, 'MissingAppId');
    await fails('DescribeAuthorizedApis', {AppId: 777777}, 'NotFoundApp');
  });
});
