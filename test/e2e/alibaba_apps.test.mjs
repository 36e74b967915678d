// The Alibaba dialect's app actions, with Alibaba's own clients: every
// action, its parameters and its documented failures at their edges, the
// limits from the seed (1,000 apps per account, 50 writes a second: small
// here), and the same app read through the native API and back.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {Cloud, cloudApi, openApiClient, popCore, rawCall, rejects} from './lib/alibaba.mjs';
import {plain, startTollgated} from './lib/tollgated.mjs';

let d, pop, v3;

before(async () => {
  d = await startTollgated({args: ['--code-reset-interval', '60']});
  pop = popCore(d);
  v3 = cloudApi(d);
});

after(async () => {
  await d.stop();
});

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

// pop-core parses into objects without a prototype: compare their data.
// pop-core's error for a call that must fail: its Code and status.
async function popFails(action, params, code, status = 400) {
  const e = await rejects(() => pop.request(action, params, {method: 'POST'}));
  assert.equal(e.code, code, e.message);
  const raw = await rawCall(
      d, action, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])));
  assert.equal(raw.status, status, raw.text);
  assert.equal(raw.json.Code, code);
  return e.data;
}

async function createApp(params) {
  return (await pop.request('CreateApp', params, {method: 'POST'})).AppId;
}

describe('CreateApp', () => {
  test('takes every parameter and answers AppId and TagStatus only', async () => {
    const res = await pop.request(
        'CreateApp', {
          AppName: 'CreateAppTest',
          Description: 'test',
          Tag: [{Key: 'env', Value: 'dev'}, {Key: 'team', Value: 'pay'}],
          AppKey: '60030986',
          AppSecret: 'nzyNqFkRWB2uLw86',
          AppCode: '3aaf905a0a1f4f0eabc6d891dfa08afc',
          Extend: '110210264071',
        },
        {method: 'POST'});
    assert.deepEqual(Object.keys(res).sort(), ['AppId', 'RequestId', 'TagStatus']);
    assert.ok(Number.isSafeInteger(res.AppId) && res.AppId > 0);
    assert.equal(res.TagStatus, true);

    const sec = await pop.request('DescribeAppSecurity', {AppId: res.AppId});
    assert.equal(sec.AppKey, '60030986');
    assert.equal(typeof sec.AppKey, 'string');
    assert.equal(sec.AppSecret, 'nzyNqFkRWB2uLw86');
    assert.equal(sec.AppCode, '3aaf905a0a1f4f0eabc6d891dfa08afc');
    assert.match(sec.CreatedTime, TIME);

    const attrs = await pop.request('DescribeAppAttributes', {AppId: res.AppId});
    const app = attrs.Apps.AppAttribute[0];
    assert.equal(app.Extend, '110210264071');
    assert.deepEqual(
        plain(app.Tags.TagInfo), [{Key: 'env', Value: 'dev'}, {Key: 'team', Value: 'pay'}]);
  });

  test('TagStatus is false without tags; the V3 client reads it', async () => {
    const res = await v3.createApp(new Cloud.CreateAppRequest({appName: 'NoTags'}));
    assert.equal(res.body.tagStatus, false);
    assert.ok(Number.isInteger(res.body.appId));
  });

  test('AppName is required', async () => {
    await popFails('CreateApp', {Description: 'x'}, 'MissingAppName');
    await popFails('CreateApp', {AppName: ''}, 'MissingAppName');
  });

  test('AppName: 4 and 26 characters pass, 3 and 27 do not', async () => {
    await createApp({AppName: 'abcd'});
    await createApp({
      AppName: 'a' +
          'b'.repeat(25)
    });
    const e = await popFails('CreateApp', {AppName: 'abc'}, 'InvalidAppName');
    assert.match(e.Message, /The specified parameter AppName value is not valid: must be 4-26/);
    await popFails(
        'CreateApp', {
          AppName: 'a' +
              'b'.repeat(26)
        },
        'InvalidAppName');
  });

  test('AppName: letters, digits and _, starting with a letter', async () => {
    await createApp({AppName: 'App_2_ok'});
    for (const bad of ['1app', '_app', 'my-app', 'my app', 'app.v1']) {
      await popFails('CreateApp', {AppName: bad}, 'InvalidAppName');
    }
  });

  test('a name already used in the account', async () => {
    await createApp({AppName: 'DupName'});
    const e = await popFails('CreateApp', {AppName: 'DupName'}, 'RepeatedAppName');
    assert.equal(e.Message, 'The specified AppName is repeated.');
    const v = await rejects(() => v3.createApp(new Cloud.CreateAppRequest({appName: 'DupName'})));
    assert.equal(v.code, 'RepeatedAppName');
    assert.equal(v.statusCode, 400);
  });

  test('Description: 180 characters pass, 181 do not', async () => {
    await createApp({AppName: 'Desc180', Description: 'd'.repeat(180)});
    await createApp({AppName: 'Desc180cjk', Description: '中'.repeat(180)});
    await popFails(
        'CreateApp', {AppName: 'Desc181', Description: 'd'.repeat(181)}, 'InvalidDescription');
  });

  test('tags: 20 pass, N of 21 does not; a Value needs its Key', async () => {
    const tags = Array.from({length: 20}, (_, i) => ({Key: `k${i}`, Value: `v${i}`}));
    const id = await createApp({AppName: 'Tags20', Tag: tags});
    const attrs = await pop.request('DescribeAppAttributes', {AppId: id});
    assert.equal(attrs.Apps.AppAttribute[0].Tags.TagInfo.length, 20);
    await popFails('CreateApp', {AppName: 'Tags21', 'Tag.21.Key': 'k'}, 'InvalidTag');
    await popFails(
        'CreateApp', {AppName: 'TagNoKey', 'Tag.1.Value': 'v'}, 'InvalidParameter.TagKey');
    await popFails(
        'CreateApp', {AppName: 'TagDup', 'Tag.1.Key': 'a', 'Tag.2.Key': 'a'}, 'InvalidTag');
    // A Key alone is a tag with an empty value.
    const id2 = await createApp({AppName: 'TagKeyOnly', 'Tag.1.Key': 'solo'});
    const got = await pop.request('DescribeAppAttributes', {AppId: id2});
    assert.deepEqual(plain(got.Apps.AppAttribute[0].Tags.TagInfo), [{Key: 'solo', Value: ''}]);
  });

  test('a custom AppKey already in use', async () => {
    await createApp({AppName: 'KeyOwner', AppKey: 'shared_key_1'});
    await popFails('CreateApp', {AppName: 'KeyThief', AppKey: 'shared_key_1'}, 'RepeatedAppKey');
  });
});

describe('reading apps', () => {
  let id;

  before(async () => {
    id = await createApp({
      AppName: 'ReadMe',
      Description: 'to read',
      Extend: 'ext-1',
      Tag: [{Key: 'env', Value: 'prod'}]
    });
  });

  test('DescribeApp', async () => {
    const got = await pop.request('DescribeApp', {AppId: id});
    assert.deepEqual(Object.keys(got).sort(), [
      'AppId', 'AppName', 'CreatedTime', 'Description', 'Disabled', 'Extend', 'ModifiedTime',
      'RequestId'
    ]);
    assert.equal(got.AppId, id);
    assert.equal(got.AppName, 'ReadMe');
    assert.equal(got.Disabled, false);
    assert.equal(got.Extend, 'ext-1');
    assert.match(got.ModifiedTime, TIME);
  });

  test('DescribeApp: a missing, malformed or unknown AppId', async () => {
    await popFails('DescribeApp', {}, 'MissingAppId');
    const e = await popFails('DescribeApp', {AppId: 'abc'}, 'InvalidAppId');
    assert.match(e.Message, /must be an integer/);
    await popFails('DescribeApp', {AppId: '0'}, 'InvalidAppId');
    const nf = await popFails('DescribeApp', {AppId: '12345'}, 'NotFoundApp');
    assert.equal(nf.Message, 'Cannot find resource according to your specified App.');
  });

  test('DescribeAppAttributes filters by every parameter', async () => {
    const by = async (params) =>
        (await pop.request('DescribeAppAttributes', params)).Apps.AppAttribute.map((a) => a.AppId);
    assert.deepEqual(await by({AppName: 'ReadMe'}), [id]);
    assert.deepEqual(await by({AppId: id}), [id]);
    assert.deepEqual(await by({Extend: 'ext-1'}), [id]);
    assert.deepEqual(await by({Tag: [{Key: 'env', Value: 'prod'}]}), [id]);
    assert.deepEqual(await by({Tag: [{Key: 'env'}]}).then((ids) => ids.includes(id)), true);
    assert.deepEqual(await by({AppName: 'NoSuchApp'}), []);
    const sec = await pop.request('DescribeAppSecurity', {AppId: id});
    assert.deepEqual(await by({AppKey: sec.AppKey}), [id]);
    await pop.request('CreateAppCode', {AppId: String(id), AppCode: 'c'.repeat(32)});
    assert.deepEqual(await by({AppCode: 'c'.repeat(32)}), [id]);
    assert.deepEqual(await by({AppCode: 'd'.repeat(32)}), []);
    assert.deepEqual(await by({AppName: 'ReadMe', EnableTagAuth: true}), [id]);
  });

  test('DescribeAppAttributes pages and sorts by modification', async () => {
    const a = await createApp({AppName: 'SortA'});
    await new Promise((r) => setTimeout(r, 5));
    const b = await createApp({AppName: 'SortB'});
    await new Promise((r) => setTimeout(r, 5));
    await pop.request('ModifyApp', {AppId: a, Description: 'touched'});
    const desc = await pop.request('DescribeAppAttributes', {PageSize: 2});
    assert.equal(desc.PageSize, 2);
    assert.equal(desc.PageNumber, 1);
    assert.ok(desc.TotalCount >= 3);
    assert.deepEqual(desc.Apps.AppAttribute.map((x) => x.AppId), [a, b]);
    const asc = await pop.request('DescribeAppAttributes', {Sort: 'asc', PageSize: 100});
    const ids = asc.Apps.AppAttribute.map((x) => x.AppId);
    assert.ok(ids.indexOf(b) < ids.indexOf(a));
    const page2 = await pop.request('DescribeAppAttributes', {PageSize: 1, PageNumber: 2});
    assert.deepEqual(page2.Apps.AppAttribute.map((x) => x.AppId), [b]);
    const empty = await pop.request('DescribeAppAttributes', {PageSize: 100, PageNumber: 1000});
    assert.deepEqual(empty.Apps.AppAttribute, []);
    await popFails('DescribeAppAttributes', {PageSize: 101}, 'InvalidPageSize');
    await popFails('DescribeAppAttributes', {PageSize: 0}, 'InvalidPageSize');
    await popFails('DescribeAppAttributes', {PageNumber: 0}, 'InvalidPageNumber');
    await popFails('DescribeAppAttributes', {Sort: 'up'}, 'InvalidSort');
    const v =
        await v3.describeAppAttributes(new Cloud.DescribeAppAttributesRequest({pageSize: 100}));
    assert.equal(v.body.pageSize, 100);
    assert.ok(v.body.apps.appAttribute.some((x) => x.appId === a));
  });

  test('DescribeApps by AppId or owner', async () => {
    await popFails('DescribeApps', {}, 'MissingAppIdOrAppOwner');
    const one = await pop.request('DescribeApps', {AppId: id});
    assert.deepEqual(
        plain(one.Apps.AppItem), [{AppId: id, AppName: 'ReadMe', Description: 'to read'}]);
    assert.equal(one.TotalCount, 1);
    const mine = await pop.request('DescribeApps', {AppOwner: 1546564, PageSize: 100});
    assert.ok(mine.Apps.AppItem.some((x) => x.AppId === id));
    const v = await v3.describeApps(new Cloud.DescribeAppsRequest({appId: id}));
    assert.equal(v.body.apps.appItem[0].appName, 'ReadMe');
  });
});

describe('ModifyApp and DeleteApp', () => {
  test('ModifyApp changes each parameter, and nothing without one', async () => {
    const id = await createApp({AppName: 'ToModify', Description: 'before'});
    const before = await pop.request('DescribeApp', {AppId: id});
    const res = await pop.request('ModifyApp', {AppId: id});
    assert.deepEqual(Object.keys(res), ['RequestId']);
    assert.deepEqual(
        plain({...(await pop.request('DescribeApp', {AppId: id})), RequestId: 0}),
        plain({...before, RequestId: 0}));

    await v3.modifyApp(new Cloud.ModifyAppRequest({
      appId: id,
      appName: 'Modified',
      description: 'after',
      extend: 'x2',
      disabled: true,
      tag: [{key: 'k', value: 'v'}],
    }));
    const got = await pop.request('DescribeAppAttributes', {AppId: id});
    const app = got.Apps.AppAttribute[0];
    assert.equal(app.AppName, 'Modified');
    assert.equal(app.Description, 'after');
    assert.equal(app.Extend, 'x2');
    assert.equal(app.Disabled, true);
    assert.deepEqual(plain(app.Tags.TagInfo), [{Key: 'k', Value: 'v'}]);
    // And through the native API.
    const native = (await d.call('GET', `/v1/apps/${id}`)).json;
    assert.equal(native.status, 'disabled');
    assert.equal(native.name, 'Modified');
  });

  test('ModifyApp refuses what CreateApp refuses', async () => {
    const id = await createApp({AppName: 'ModRules'});
    await createApp({AppName: 'ModTaken'});
    await popFails('ModifyApp', {AppId: id, AppName: 'abc'}, 'InvalidAppName');
    await popFails('ModifyApp', {AppId: id, AppName: 'a'.repeat(27)}, 'InvalidAppName');
    await popFails('ModifyApp', {AppId: id, AppName: 'ModTaken'}, 'RepeatedAppName');
    await popFails('ModifyApp', {AppId: id, Description: 'd'.repeat(181)}, 'InvalidDescription');
    await popFails('ModifyApp', {AppId: id, Disabled: 'maybe'}, 'InvalidDisabled');
    await popFails('ModifyApp', {AppId: id, 'Tag.1.Value': 'v'}, 'InvalidParameter.TagKey');
    await popFails('ModifyApp', {AppName: 'NoId'}, 'MissingAppId');
    await popFails('ModifyApp', {AppId: 99999, AppName: 'Ghost'}, 'NotFoundApp');
    // Nothing was changed by the failures.
    assert.equal((await pop.request('DescribeApp', {AppId: id})).AppName, 'ModRules');
  });

  test('DeleteApp deletes, then the app is not found', async () => {
    const id = await createApp({AppName: 'ToDelete'});
    const res =
        await v3.deleteApp(new Cloud.DeleteAppRequest({appId: id, tag: [{key: 'a', value: 'b'}]}));
    assert.equal(res.statusCode, 200);
    await popFails('DescribeApp', {AppId: id}, 'NotFoundApp');
    await popFails('DeleteApp', {AppId: id}, 'NotFoundApp');
    await popFails('DeleteApp', {}, 'MissingAppId');
    assert.equal((await d.call('GET', `/v1/apps/${id}`)).status, 404);
  });
});

describe('secrets', () => {
  test(
      'ResetAppSecret: found by AppKey, answers only RequestId; DescribeAppSecurity shows the new secret',
      async () => {
        const id = await createApp({AppName: 'ResetMe'});
        const before = await pop.request('DescribeAppSecurity', {AppId: id});
        const res = await pop.request('ResetAppSecret', {AppKey: before.AppKey}, {method: 'POST'});
        assert.deepEqual(Object.keys(res), ['RequestId']);
        const after1 = await pop.request('DescribeAppSecurity', {AppId: id});
        assert.equal(after1.AppKey, before.AppKey);
        assert.notEqual(after1.AppSecret, before.AppSecret);
        assert.ok(after1.AppSecret.length >= 32);

        // NewAppKey and NewAppSecret, with the V3 client.
        await v3.resetAppSecret(new Cloud.ResetAppSecretRequest({
          appKey: before.AppKey,
          newAppKey: 'renamed_key_1',
          newAppSecret: 'New_Secret_1234567890',
        }));
        const after2 = await pop.request('DescribeAppSecurity', {AppId: id});
        assert.equal(after2.AppKey, 'renamed_key_1');
        assert.equal(after2.AppSecret, 'New_Secret_1234567890');
        // The native API reads the same pair.
        const native = (await d.call('GET', `/v1/apps/${id}/secret`)).json;
        assert.equal(native.app_key, 'renamed_key_1');
        assert.equal(native.app_secret, 'New_Secret_1234567890');
      });

  test('ResetAppSecret failures', async () => {
    const id = await createApp({AppName: 'ResetFails', AppKey: 'reset_fails_key'});
    await createApp({AppName: 'ResetOther', AppKey: 'reset_other_key'});
    await popFails('ResetAppSecret', {}, 'MissingAppKey');
    const e = await popFails('ResetAppSecret', {AppKey: 'no_such_app_key'}, 'NotFoundAppKey');
    assert.equal(e.Message, 'Cannot find resource according to your specified AppKey.');
    await popFails(
        'ResetAppSecret', {AppKey: 'reset_fails_key', NewAppKey: 'reset_other_key'},
        'RepeatedNewAppKey');
    await popFails(
        'ResetAppSecret', {AppKey: 'reset_fails_key', NewAppSecret: 'short'},
        'InvalidNewAppSecret');
    assert.equal((await pop.request('DescribeAppSecurity', {AppId: id})).AppKey, 'reset_fails_key');
  });

  test('DescribeAppSecurities lists every pair; CreateAppKey and DeleteAppKey', async () => {
    const id = await createApp({AppName: 'ManyKeys', AppKey: 'many_keys_1'});
    await pop.request(
        'CreateAppKey',
        {AppId: String(id), AppKey: 'many_keys_2', AppSecret: '6f0a4ad7918a4b41a57fc087d5b066d0'});
    await v3.createAppKey(new Cloud.CreateAppKeyRequest({appId: String(id)}));
    const list = await pop.request('DescribeAppSecurities', {AppId: id});
    const keys = list.AppSecuritys.AppSecurity;
    assert.equal(keys.length, 3);
    assert.equal(keys[0].AppKey, 'many_keys_1');
    assert.equal(keys[1].AppKey, 'many_keys_2');
    assert.equal(keys[1].AppSecret, '6f0a4ad7918a4b41a57fc087d5b066d0');
    assert.match(keys[2].CreatedTime, TIME);

    await popFails('CreateAppKey', {AppId: String(id), AppKey: 'many_keys_1'}, 'RepeatedAppKey');
    await popFails('CreateAppKey', {}, 'MissingAppId');
    await pop.request('DeleteAppKey', {AppId: String(id), AppKey: 'many_keys_2'});
    await popFails('DeleteAppKey', {AppId: String(id), AppKey: 'many_keys_2'}, 'NotFoundAppKey');
    await popFails('DeleteAppKey', {AppId: String(id)}, 'MissingAppKey');
    await pop.request('DeleteAppKey', {AppId: String(id), AppKey: keys[2].AppKey});
    // An app keeps one pair.
    await popFails(
        'DeleteAppKey', {AppId: String(id), AppKey: 'many_keys_1'}, 'ForbiddenAppKey', 403);
  });

  test('CreateAppCode, ResetAppCode (once a minute) and DeleteAppCode', async () => {
    const id = await createApp({AppName: 'Codes', AppCode: 'a'.repeat(32)});
    await v3.createAppCode(
        new Cloud.CreateAppCodeRequest({appId: String(id), appCode: 'b'.repeat(32)}));
    await popFails(
        'CreateAppCode', {AppId: String(id), AppCode: 'b'.repeat(32)}, 'RepeatedAppCode');

    // The code was made this minute: not yet.
    const t = await popFails(
        'ResetAppCode', {AppCode: 'a'.repeat(32), NewAppCode: 'e'.repeat(32)}, 'Throttling.User');
    assert.match(t.Message, /once every 60 seconds/);
    await popFails('ResetAppCode', {AppCode: 'f'.repeat(32)}, 'NotFoundAppCode');
    await popFails('ResetAppCode', {}, 'MissingAppCode');

    await popFails(
        'DeleteAppCode', {AppId: String(id), AppCode: 'f'.repeat(32)}, 'NotFoundAppCode');
    await pop.request('DeleteAppCode', {AppId: String(id), AppCode: 'b'.repeat(32)});
    const sec = await pop.request('DescribeAppSecurity', {AppId: id});
    assert.equal(sec.AppCode, 'a'.repeat(32));
    // Another app's code is not this app's.
    const other = await createApp({AppName: 'OtherCodes'});
    await popFails(
        'DeleteAppCode', {AppId: String(other), AppCode: 'a'.repeat(32)}, 'NotFoundAppCode');
  });
});

describe('one app, every dialect', () => {
  test('made natively, read and changed through Alibaba, and back', async () => {
    const native =
        (await d.call('POST', '/v1/apps', {
          body: {name: 'NativeMade', description: 'n', app_key: 'native_key_1', tags: {env: 'dev'}}
        })).json;
    const got = await pop.request('DescribeApp', {AppId: native.app_id});
    assert.equal(got.AppName, 'NativeMade');
    assert.equal(got.Description, 'n');
    const sec = await pop.request('DescribeAppSecurity', {AppId: native.app_id});
    const reveal = (await d.call('GET', `/v1/apps/${native.id}/secret`)).json;
    assert.equal(sec.AppKey, 'native_key_1');
    assert.equal(sec.AppSecret, reveal.app_secret);
    await pop.request('ModifyApp', {AppId: native.app_id, Description: 'via alibaba'});
    assert.equal((await d.call('GET', `/v1/apps/${native.id}`)).json.description, 'via alibaba');
  });

  test('made through Alibaba, read natively', async () => {
    const call = openApiClient(d);
    const made = await call(
        'CreateApp',
        {AppName: 'AliMade', Description: 'a', Extend: 'e', 'Tag.1.Key': 't', 'Tag.1.Value': 'v'});
    const native = (await d.call('GET', `/v1/apps/${made.AppId}`)).json;
    assert.equal(native.app_id, made.AppId);
    assert.equal(native.name, 'AliMade');
    assert.equal(native.description, 'a');
    assert.equal(native.extend, 'e');
    assert.deepEqual(native.tags, {t: 'v'});
    assert.equal(native.status, 'enabled');
  });

  test('another account\'s app reads as not found', async () => {
    const account = (await d.call('POST', '/v1/accounts', {body: {name: 'other-tenant'}})).json;
    const key = (await d.call('POST', `/v1/accounts/${account.id}/access-keys`)).json;
    const id = await createApp({AppName: 'AdminsOwn'});
    const theirs = popCore(d, {id: key.id, secret: key.secret});
    const e = await rejects(() => theirs.request('DescribeApp', {AppId: id}));
    assert.equal(e.code, 'NotFoundApp');
    const e2 = await rejects(() => theirs.request('DescribeAppSecurity', {AppId: id}));
    assert.equal(e2.code, 'NotFoundApp');
    const mine = await theirs.request('CreateApp', {AppName: 'TheirsOwn'});
    const listed = await theirs.request('DescribeApps', {AppOwner: 1, PageSize: 100});
    assert.deepEqual(listed.Apps.AppItem.map((x) => x.AppId), [mine.AppId]);
  });
});

describe('limits', () => {
  test('the account\'s app quota: ExceedLimitApp at the edge', async () => {
    const q = await startTollgated({args: ['--max-apps', '3']});
    try {
      const c = popCore(q);
      for (let i = 1; i <= 3; i++) {
        await c.request('CreateApp', {AppName: `Quota_${i}`});
      }
      const e = await rejects(() => c.request('CreateApp', {AppName: 'Quota_4'}));
      assert.equal(e.code, 'ExceedLimitApp');
      assert.match(
          e.data.Message,
          /The specified App count exceeds the limit: the account may hold at most 3 apps/);
      const v = await rejects(
          () => cloudApi(q).createApp(new Cloud.CreateAppRequest({appName: 'Quota_4'})));
      assert.equal(v.code, 'ExceedLimitApp');
      assert.equal(v.statusCode, 400);
      // Room again after a delete.
      const first =
          (await c.request('DescribeAppAttributes', {AppName: 'Quota_1'})).Apps.AppAttribute[0];
      await c.request('DeleteApp', {AppId: first.AppId});
      await c.request('CreateApp', {AppName: 'Quota_4'});
    } finally {
      await q.stop();
    }
  });

  test('app writes per second per account: Throttling.User', async () => {
    const q = await startTollgated({args: ['--app-write-rate', '1', '--app-write-burst', '2']});
    try {
      const c = popCore(q);
      await c.request('CreateApp', {AppName: 'Rate_1'});
      await c.request('CreateApp', {AppName: 'Rate_2'});
      const e = await rejects(() => c.request('CreateApp', {AppName: 'Rate_3'}));
      assert.equal(e.code, 'Throttling.User');
      const v = await rejects(
          () => cloudApi(q).createApp(new Cloud.CreateAppRequest({appName: 'Rate_3'})));
      assert.equal(v.name, 'ThrottlingError');
      // Reads are not writes.
      assert.ok((await c.request('DescribeApps', {AppOwner: 1})).Apps);
    } finally {
      await q.stop();
    }
  });
});
