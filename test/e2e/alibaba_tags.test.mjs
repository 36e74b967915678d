// Alibaba's tag actions on apps (ResourceType=app, ResourceId = AppId),
// with Alibaba's own clients: tag several apps at once or none, untag by
// key or all, list by app or by tag with paging; other resource types are
// refused.

import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {Cloud, cloudApi, popCore, rejects} from './lib/alibaba.mjs';
import {plain, startTollgated} from './lib/tollgated.mjs';

let d, pop, v3;

before(async () => {
  d = await startTollgated({args: ['--app-write-rate', '0']});
  pop = popCore(d);
  v3 = cloudApi(d);
});

after(async () => {
  await d.stop();
});

async function app(name, tags) {
  return (await pop.request('CreateApp', {AppName: name, Tag: tags}, {method: 'POST'})).AppId;
}

async function tagsOf(id) {
  const res =
      await pop.request('ListTagResources', {ResourceType: 'app', ResourceId: [String(id)]});
  return plain(res.TagResources.TagResource).map((t) => [t.TagKey, t.TagValue]);
}

test('TagResources on several apps; a key already there takes the new value', async () => {
  const a = await app('TagsA', [{Key: 'env', Value: 'dev'}]);
  const b = await app('TagsB');
  await v3.tagResources(new Cloud.TagResourcesRequest({
    resourceType: 'app',
    resourceId: [String(a), String(b)],
    tag: [{key: 'env', value: 'prod'}, {key: 'team', value: 'pay'}],
  }));
  assert.deepEqual(await tagsOf(a), [['env', 'prod'], ['team', 'pay']]);
  assert.deepEqual(await tagsOf(b), [['env', 'prod'], ['team', 'pay']]);
  const res = await pop.request('ListTagResources', {ResourceType: 'app', ResourceId: [String(a)]});
  assert.deepEqual(
      plain(res.TagResources.TagResource[0]),
      {ResourceId: String(a), ResourceType: 'app', TagKey: 'env', TagValue: 'prod'});
  assert.equal(res.NextToken, '-1');
  // The native API reads the same tags.
  assert.deepEqual((await d.call('GET', `/v1/apps/${b}`)).json.tags, {env: 'prod', team: 'pay'});
});

test('all or none: an unknown app, or more than 20 tags', async () => {
  const a = await app('TagsAtomic');
  let e = await rejects(() => pop.request('TagResources', {
    ResourceType: 'app',
    ResourceId: [String(a), '999999'],
    Tag: [{Key: 'k', Value: 'v'}],
  }));
  assert.equal(e.code, 'NotFoundResourceId');
  assert.deepEqual(await tagsOf(a), []);

  const twenty = Array.from({length: 20}, (_, i) => ({Key: `k${i}`, Value: 'v'}));
  const full = await app('TagsFull', twenty);
  e = await rejects(() => pop.request('TagResources', {
    ResourceType: 'app',
    ResourceId: [String(a), String(full)],
    Tag: [{Key: 'extra', Value: 'v'}],
  }));
  assert.equal(e.code, 'InvalidTag');
  assert.deepEqual(await tagsOf(a), []);
  // Replacing a value of a full app is fine.
  await pop.request(
      'TagResources',
      {ResourceType: 'app', ResourceId: [String(full)], Tag: [{Key: 'k0', Value: 'w'}]});
  assert.equal((await tagsOf(full)).length, 20);
});

test('UntagResources by key, All, or neither', async () => {
  const a =
      await app('Untag', [{Key: 'a', Value: '1'}, {Key: 'b', Value: '2'}, {Key: 'c', Value: '3'}]);
  await pop.request(
      'UntagResources', {ResourceType: 'app', ResourceId: [String(a)], TagKey: ['a'], All: true});
  assert.deepEqual(await tagsOf(a), [['b', '2'], ['c', '3']]);
  await pop.request('UntagResources', {ResourceType: 'app', ResourceId: [String(a)]});
  assert.deepEqual(await tagsOf(a), [['b', '2'], ['c', '3']]);
  await v3.untagResources(
      new Cloud.UntagResourcesRequest({resourceType: 'app', resourceId: [String(a)], all: true}));
  assert.deepEqual(await tagsOf(a), []);
});

test('ListTagResources by tag, a page at a time', async () => {
  for (let i = 0; i < 55; i++) {
    await app(`Paged_${i}`, [{Key: 'batch', Value: 'paged'}]);
  }
  const first = await pop.request(
      'ListTagResources', {ResourceType: 'app', Tag: [{Key: 'batch', Value: 'paged'}]});
  assert.equal(first.TagResources.TagResource.length, 50);
  assert.equal(first.NextToken, '50');
  const second = await v3.listTagResources(new Cloud.ListTagResourcesRequest({
    resourceType: 'app',
    tag: [{key: 'batch', value: 'paged'}],
    nextToken: first.NextToken,
  }));
  assert.equal(second.body.tagResources.tagResource.length, 5);
  assert.equal(second.body.nextToken, '-1');
});

test('what the tag actions refuse', async () => {
  const a = await app('TagRules');
  const cases = [
    [
      'TagResources', {ResourceId: [String(a)], Tag: [{Key: 'k', Value: 'v'}]},
      'MissingResourceType'
    ],
    [
      'TagResources',
      {ResourceType: 'apiGroup', ResourceId: [String(a)], Tag: [{Key: 'k', Value: 'v'}]},
      'InvalidResourceType'
    ],
    ['TagResources', {ResourceType: 'app', Tag: [{Key: 'k', Value: 'v'}]}, 'MissingResourceId'],
    ['TagResources', {ResourceType: 'app', ResourceId: [String(a)]}, 'MissingTag'],
    [
      'TagResources', {ResourceType: 'app', ResourceId: [String(a)], 'Tag.1.Value': 'v'},
      'InvalidParameter.TagKey'
    ],
    [
      'TagResources', {ResourceType: 'app', ResourceId: ['abc'], Tag: [{Key: 'k', Value: 'v'}]},
      'InvalidResourceId'
    ],
    [
      'TagResources',
      {ResourceType: 'app', 'ResourceId.51': String(a), Tag: [{Key: 'k', Value: 'v'}]},
      'InvalidResourceId'
    ],
    [
      'UntagResources', {ResourceType: 'app', ResourceId: ['424242'], All: true},
      'NotFoundResourceId'
    ],
    ['ListTagResources', {ResourceType: 'app'}, 'MissingResourceId'],
    [
      'ListTagResources', {ResourceType: 'app', Tag: [{Key: 'k'}], NextToken: 'x'},
      'InvalidNextToken'
    ],
  ];
  for (const [action, params, code] of cases) {
    const e = await rejects(() => pop.request(action, params, {method: 'POST'}));
    assert.equal(e.code, code, `${action} ${JSON.stringify(params)}: ${e.message}`);
  }
});
