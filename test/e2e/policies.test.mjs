// Access-control policies through the native API and Alibaba's SDK
// (@alicloud/pop-core): a read-only key cannot reset; a credential operator
// resets but neither reveals nor deletes; a key limited to one app neither
// sees nor touches the other; a key allowed from one network is refused
// from another.  A refusal writes nothing and the audit trail names the
// statement that decided it.  Then managing policies, their validation, and
// the simulator behind `tollgate policy check`.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {popCore, rejects} from './lib/alibaba.mjs';
import {auditOf, keyWith, lastAudit, policyWorld, secretOf} from './lib/policies.mjs';
import {startTollgated} from './lib/tollgated.mjs';

let d, w;

before(async () => {
  d = await startTollgated();
  w = await policyWorld(d, 'pol');
});

after(async () => {
  await d.stop();
});

const arn = (app) => `acs:apigateway:local:${w.account.id}:app/${app.app_id}`;

function forbidden(res, action, resource) {
  assert.equal(res.status, 403, res.text);
  assert.equal(res.json.error.code, 'forbidden');
  assert.ok(res.json.error.message.includes(action), res.text);
  assert.ok(res.json.error.message.includes(resource), res.text);
  return res.json.error.message;
}

describe('native API', () => {
  test('a read-only key reads, cannot reset or reveal; nothing changes', async () => {
    const before1 = await secretOf(d, w.a);
    assert.equal((await d.call('GET', `/v1/apps/${w.a.id}`, {auth: w.ro.auth})).status, 200);
    const reset =
        await d.call('POST', `/v1/apps/${w.a.id}/reset-secret`, {auth: w.ro.auth, body: {}});
    assert.match(forbidden(reset, 'apigateway:ResetAppSecret', arn(w.a)), /no policy .* allows it/);
    assert.equal(await secretOf(d, w.a), before1);

    const reveal = await d.call('GET', `/v1/apps/${w.a.id}/secret`, {auth: w.ro.auth});
    assert.match(
        forbidden(reveal, 'apigateway:DescribeAppSecurity', arn(w.a)),
        /TollgateReadOnlyAccess statement 1 Sid NoSecrets/);

    const e = await auditOf(d, reveal.headers.get('x-request-id'));
    assert.equal(e.result, 'failure');
    assert.equal(e.error, 'forbidden');
    assert.equal(e.canonical_action, 'apigateway:DescribeAppSecurity');
    assert.match(e.detail.reason, /TollgateReadOnlyAccess statement 1 Sid NoSecrets/);
    const r = await auditOf(d, reset.headers.get('x-request-id'));
    assert.equal(r.action, 'app.secret.reset');
    assert.match(r.detail.reason, /apigateway:ResetAppSecret/);
  });

  test('a credential operator resets, cannot reveal or delete', async () => {
    const before1 = await secretOf(d, w.b);
    const reset =
        await d.call('POST', `/v1/apps/${w.b.id}/reset-secret`, {auth: w.op.auth, body: {}});
    assert.equal(reset.status, 200, reset.text);
    assert.notEqual(await secretOf(d, w.b), before1);

    const reveal = await d.call('GET', `/v1/apps/${w.b.id}/secret`, {auth: w.op.auth});
    assert.match(
        forbidden(reveal, 'apigateway:DescribeAppSecurity', arn(w.b)),
        /TollgateCredentialOperator statement 2 Sid NoReveal/);
    const del = await d.call('DELETE', `/v1/apps/${w.b.id}`, {auth: w.op.auth});
    forbidden(del, 'apigateway:DeleteApp', arn(w.b));
    assert.equal((await d.call('GET', `/v1/apps/${w.b.id}`)).status, 200);

    const e = await auditOf(d, del.headers.get('x-request-id'));
    assert.equal(e.action, 'app.delete');
    assert.match(e.detail.reason, /statement 2 Sid NoReveal/);
  });

  test('a key limited to one app neither sees nor touches the other', async () => {
    const list = await d.call('GET', '/v1/apps', {auth: w.one.auth});
    assert.equal(list.status, 200, list.text);
    // Leaving an app out of a listing is no refusal to record.
    const none = await d.call('GET', `/v1/audit?actor=${w.one.id}&action=authz.denied&limit=100`);
    assert.equal(none.json.items.length, 0, none.text);
    assert.deepEqual(list.json.items.map((x) => x.id), [w.a.id]);
    assert.equal(list.json.total, 1);

    const read = await d.call('GET', `/v1/apps/${w.b.id}`, {auth: w.one.auth});
    forbidden(read, 'apigateway:DescribeApp', arn(w.b));
    // A read has no event of its own: its refusal is recorded as one.
    const e = await auditOf(d, read.headers.get('x-request-id'));
    assert.equal(e.action, 'authz.denied');
    assert.equal(e.canonical_action, 'apigateway:DescribeApp');
    assert.deepEqual(e.target, {type: 'app', id: String(w.b.app_id)});
    assert.equal(e.error, 'forbidden');
    assert.match(e.detail.reason, /denied by default/);
    const before1 = await secretOf(d, w.b);
    forbidden(
        await d.call('POST', `/v1/apps/${w.b.id}/reset-secret`, {auth: w.one.auth, body: {}}),
        'apigateway:ResetAppSecret', arn(w.b));
    assert.equal(await secretOf(d, w.b), before1);

    const ok =
        await d.call('POST', `/v1/apps/${w.a.id}/reset-secret`, {auth: w.one.auth, body: {}});
    assert.equal(ok.status, 200, ok.text);
  });

  test('the API catalogue lists only the APIs a key\'s policies show', async () => {
    for (const name of ['pol_api_1', 'pol_api_2', 'pol_api_3']) {
      assert.equal((await d.call('POST', '/v1/apis', {body: {name}})).status, 201);
    }
    const key = await keyWith(d, 'pol', 'TwoApis', {
      Statement: [{
        Effect: 'Allow',
        Action: 'apigateway:DescribeApi*',
        Resource: ['acs:apigateway:*:*:api/pol_api_1', 'acs:apigateway:*:*:api/pol_api_3'],
      }],
    });
    const all = await d.call('GET', '/v1/apis', {auth: key.auth});
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.json.items.map((x) => x.name), ['pol_api_1', 'pol_api_3']);
    assert.equal(all.json.total, 2);
    const page = await d.call('GET', '/v1/apis?limit=1&offset=1', {auth: key.auth});
    assert.deepEqual(page.json.items.map((x) => x.name), ['pol_api_3']);
    assert.equal(page.json.total, 2);
    assert.equal((await d.call('GET', '/v1/apis/pol_api_2', {auth: key.auth})).status, 403);
  });

  test('a call from outside the policy\'s networks is refused', async () => {
    const res = await d.call('GET', `/v1/apps/${w.a.id}`, {auth: w.outside.auth});
    forbidden(res, 'apigateway:DescribeApp', arn(w.a));
    const e = await auditOf(d, res.headers.get('x-request-id'));
    assert.equal(e.action, 'authz.denied');
    assert.equal(e.source, '127.0.0.1');
    // A listing the key may not make at all is refused, and recorded.
    const list = await d.call('GET', '/v1/apps', {auth: w.outside.auth});
    forbidden(list, 'apigateway:DescribeApps', 'app/*');
    assert.equal(
        (await auditOf(d, list.headers.get('x-request-id'))).canonical_action,
        'apigateway:DescribeApps');
    // The same policy, with the loopback network, lets it through.
    const near = await keyWith(d, 'pol', 'Near', {
      Statement: [{
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: {IpAddress: {'acs:SourceIp': ['127.0.0.0/8', '::1']}},
      }],
    });
    assert.equal((await d.call('GET', `/v1/apps/${w.a.id}`, {auth: near.auth})).status, 200);
  });

  test('an admin key without policies keeps its full power', async () => {
    const res = await d.call('GET', `/v1/apps/${w.a.id}/secret`);
    assert.equal(res.status, 200, res.text);
  });

  test('an admin key with a read-only policy is read-only', async () => {
    const key = await d.call('POST', '/v1/accounts/pol/access-keys', {body: {role: 'admin'}});
    assert.equal(key.status, 201, key.text);
    const att = await d.call(
        'POST', `/v1/accounts/pol/access-keys/${key.json.id}/policies`,
        {body: {name: 'TollgateReadOnlyAccess'}});
    assert.equal(att.status, 201, att.text);
    const auth = [key.json.id, key.json.secret];
    assert.equal((await d.call('GET', '/v1/accounts', {auth})).status, 200);
    const res = await d.call('POST', '/v1/accounts', {auth, body: {name: 'nope'}});
    forbidden(res, 'apigateway:CreateAccount', ':account/nope');
    assert.equal((await d.call('GET', '/v1/accounts/nope')).status, 404);
  });

  test('a policy on one account name creates that account alone', async () => {
    const key = await d.call('POST', '/v1/accounts/pol/access-keys', {body: {role: 'admin'}});
    assert.equal(key.status, 201, key.text);
    const att = await d.call('POST', `/v1/accounts/pol/access-keys/${key.json.id}/policies`, {
      body: {
        name: 'TeamAccounts',
        document: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'apigateway:CreateAccount',
              Resource: 'acs:apigateway:*:*:account/team-*',
            },
            {
              Effect: 'Deny',
              Action: 'apigateway:CreateAccount',
              Resource: 'acs:apigateway:*:*:account/team-secret',
            },
          ],
        },
      },
    });
    assert.equal(att.status, 201, att.text);
    const auth = [key.json.id, key.json.secret];
    const made = await d.call('POST', '/v1/accounts', {auth, body: {name: 'team-blue'}});
    assert.equal(made.status, 201, made.text);
    for (const name of ['other', 'team-secret']) {
      const res = await d.call('POST', '/v1/accounts', {auth, body: {name}});
      forbidden(res, 'apigateway:CreateAccount', `:account/${name}`);
      assert.equal((await d.call('GET', `/v1/accounts/${name}`)).status, 404);
    }
    // The simulator names the same resource.
    const sim = await d.call('POST', '/v1/policies/check', {
      body: {
        access_key_id: key.json.id,
        account_id: w.account.id,
        action: 'apigateway:CreateAccount',
        resource: 'acs:apigateway:local:*:account/team-red',
      },
    });
    assert.equal(sim.status, 200, sim.text);
    assert.equal(sim.json.allowed, true, sim.text);
    const simDenied = await d.call('POST', '/v1/policies/check', {
      body: {
        access_key_id: key.json.id,
        account_id: w.account.id,
        action: 'apigateway:CreateAccount',
        resource: 'acs:apigateway:local:*:account/team-secret',
      },
    });
    assert.equal(simDenied.json.allowed, false, simDenied.text);
    assert.equal(simDenied.json.effect, 'deny', simDenied.text);
  });
});

describe('Alibaba dialect (pop-core)', () => {
  const pop = (k) => popCore(d, {id: k.id, secret: k.secret});

  // Alibaba's NoPermission (403); the audit names the action refused.
  async function noPermission(fn, action, audited = true) {
    const e = await rejects(fn);
    assert.equal(e.code, 'NoPermission', e.message);
    if (!audited) {
      return e;
    }
    const id = e.data?.RequestId;
    assert.ok(id, JSON.stringify(e.data));
    const ev = await auditOf(d, id);
    assert.equal(ev.canonical_action, action);
    assert.equal(ev.error, 'forbidden');
    return e;
  }

  test('read-only: ResetAppSecret is NoPermission (403); nothing changes', async () => {
    const before1 = await secretOf(d, w.a);
    const ro = pop(w.ro);
    const apps = await ro.request('DescribeApps', {AppOwner: 1, PageSize: 100});
    assert.ok(apps.Apps.AppItem.length >= 2);
    await noPermission(
        () => ro.request('ResetAppSecret', {AppKey: w.a.app_key}, {method: 'POST'}),
        'apigateway:ResetAppSecret');
    assert.equal(await secretOf(d, w.a), before1);
    const e = await lastAudit(d, 'app.secret.reset', w.ro.id);
    assert.equal(e.result, 'failure', JSON.stringify(e));
    assert.match(e.detail?.reason ?? '', /denied by default/, JSON.stringify(e));
  });

  test(
      'credential operator: resets, but DescribeAppSecurity and DeleteApp are refused',
      async () => {
        const op = pop(w.op);
        const before1 = await secretOf(d, w.a);
        await op.request('ResetAppSecret', {AppKey: w.a.app_key}, {method: 'POST'});
        assert.notEqual(await secretOf(d, w.a), before1);
        await noPermission(
            () => op.request('DescribeAppSecurity', {AppId: w.a.app_id}),
            'apigateway:DescribeAppSecurity');
        await noPermission(
            () => op.request('DeleteApp', {AppId: w.a.app_id}, {method: 'POST'}),
            'apigateway:DeleteApp');
        assert.equal((await d.call('GET', `/v1/apps/${w.a.id}`)).status, 200);
        const e = await lastAudit(d, 'app.delete', w.op.id);
        assert.match(e.detail.reason, /TollgateCredentialOperator statement 2 Sid NoReveal/);
      });

  test('one app: DescribeApps lists it alone; the other is refused', async () => {
    const one = pop(w.one);
    const apps = await one.request('DescribeApps', {AppOwner: 1, PageSize: 100});
    assert.deepEqual(apps.Apps.AppItem.map((x) => x.AppId), [w.a.app_id]);
    assert.equal(apps.TotalCount, 1);
    await noPermission(
        () => one.request('ResetAppSecret', {AppKey: w.b.app_key}, {method: 'POST'}),
        'apigateway:ResetAppSecret');
    const other = await one.request('DescribeAppAttributes', {AppId: w.b.app_id});
    assert.deepEqual(other.Apps.AppAttribute ?? [], []);
    await noPermission(
        () => one.request('DescribeAppSecurity', {AppId: w.b.app_id}),
        'apigateway:DescribeAppSecurity');
  });

  test('outside the CIDR: refused', async () => {
    await noPermission(
        () => pop(w.outside).request('ResetAppSecret', {AppKey: w.a.app_key}, {method: 'POST'}),
        'apigateway:ResetAppSecret');
  });
});

describe('managing policies', () => {
  const doc = {
    Version: '1',
    Statement: [{Sid: 'Read', Effect: 'Allow', Action: 'apigateway:Describe*', Resource: '*'}],
  };

  test('create, list (built-in ones first), get, update, attach, delete', async () => {
    const made = await d.call(
        'POST', '/v1/accounts/pol/policies',
        {body: {name: 'Readers', description: 'read', document: doc}});
    assert.equal(made.status, 201, made.text);
    assert.equal(made.json.builtin, false);
    assert.deepEqual(made.json.document, doc);

    const list = await d.call('GET', '/v1/accounts/pol/policies');
    assert.deepEqual(
        list.json.items.map((x) => x.name).slice(0, 3),
        ['TollgateFullAccess', 'TollgateReadOnlyAccess', 'TollgateCredentialOperator']);
    assert.ok(list.json.items.some((x) => x.name === 'Readers'));

    const taken =
        await d.call('POST', '/v1/accounts/pol/policies', {body: {name: 'Readers', document: doc}});
    assert.equal(taken.status, 409, taken.text);
    assert.equal(taken.json.error.code, 'policy_name_taken');

    const key = await keyWith(d, 'pol', 'Readers');
    assert.equal((await d.call('GET', `/v1/apps/${w.a.id}`, {auth: key.auth})).status, 200);
    assert.equal(
        (await d.call('POST', `/v1/apps/${w.a.id}/reset-secret`, {auth: key.auth, body: {}}))
            .status,
        403);

    // The shared policy changes for every key that has it, at once.
    const upd = await d.call('PATCH', '/v1/accounts/pol/policies/Readers', {
      body: {document: {Statement: [{Effect: 'Allow', Action: '*', Resource: '*'}]}},
    });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(
        (await d.call('POST', `/v1/apps/${w.a.id}/reset-secret`, {auth: key.auth, body: {}}))
            .status,
        200);

    const busy = await d.call('DELETE', '/v1/accounts/pol/policies/Readers');
    assert.equal(busy.status, 409, busy.text);
    const attached = await d.call('GET', `/v1/accounts/pol/access-keys/${key.id}/policies`);
    assert.deepEqual(attached.json.items.map((x) => [x.name, x.kind]), [['Readers', 'named']]);
    const detach =
        await d.call('DELETE', `/v1/accounts/pol/access-keys/${key.id}/policies/Readers`);
    assert.equal(detach.status, 204, detach.text);
    assert.equal((await d.call('DELETE', '/v1/accounts/pol/policies/Readers')).status, 204);
    assert.equal((await d.call('GET', '/v1/accounts/pol/policies/Readers')).status, 404);

    // Without policies, the member key acts in its account again.
    assert.equal(
        (await d.call('POST', `/v1/apps/${w.a.id}/reset-secret`, {auth: key.auth, body: {}}))
            .status,
        200);
  });

  test('a bad document is refused naming the statement and the field', async () => {
    const cases = [
      [{Statement: [{Effect: 'Maybe', Action: '*', Resource: '*'}]}, 'Statement[0].Effect'],
      [
        {
          Statement:
              [doc.Statement[0], {Effect: 'Allow', Action: ['apigateway:Nope'], Resource: '*'}]
        },
        'Statement[1].Action[0]',
      ],
      [{Statement: [{Effect: 'Allow', Action: '*'}]}, 'Statement[0].Resource'],
      [
        {
          Statement: [{
            Effect: 'Allow',
            Action: '*',
            Resource: '*',
            Condition: {IpAddress: {'acs:SourceIp': '10.0.0.1/8'}},
          }],
        },
        'Statement[0].Condition.IpAddress.acs:SourceIp',
      ],
      [{Version: '2', Statement: [doc.Statement[0]]}, 'Version'],
    ];
    for (const [document, field] of cases) {
      const res =
          await d.call('POST', '/v1/accounts/pol/policies', {body: {name: 'Bad', document}});
      assert.equal(res.status, 422, res.text);
      assert.equal(res.json.error.field, 'document');
      assert.ok(res.json.error.message.startsWith(`document: ${field}: `), res.text);
    }
    // The document's size, at its limit and one past it.
    const pad = (n) => {
      const base = JSON.stringify({Statement: [doc.Statement[0]]});
      return base.slice(0, -1) + ' '.repeat(n - base.length) + '}';
    };
    let res = await d.call(
        'POST', '/v1/accounts/pol/policies', {body: {name: 'Big', document: pad(6144)}});
    assert.equal(res.status, 201, res.text);
    res = await d.call(
        'POST', '/v1/accounts/pol/policies', {body: {name: 'Bigger', document: pad(6145)}});
    assert.equal(res.status, 422, res.text);
    assert.match(res.json.error.message, /at most 6144 bytes/);
  });

  test('a built-in policy can be attached but not changed', async () => {
    const res = await d.call(
        'PATCH', '/v1/accounts/pol/policies/TollgateFullAccess', {body: {description: 'x'}});
    assert.equal(res.status, 422, res.text);
    const unknown = await d.call(
        'POST', `/v1/accounts/pol/access-keys/${w.ro.id}/policies`, {body: {name: 'Nothing'}});
    assert.equal(unknown.status, 404, unknown.text);
  });

  test('a restricted key cannot attach itself more power', async () => {
    const res = await d.call(
        'POST', `/v1/accounts/pol/access-keys/${w.ro.id}/policies`,
        {auth: w.ro.auth, body: {name: 'TollgateFullAccess'}});
    forbidden(res, 'apigateway:AttachPolicy', `accesskey/${w.ro.id}`);
    const detach = await d.call(
        'DELETE', `/v1/accounts/pol/access-keys/${w.ro.id}/policies/TollgateReadOnlyAccess`,
        {auth: w.ro.auth});
    forbidden(detach, 'apigateway:DetachPolicy', `accesskey/${w.ro.id}`);
  });
});

describe('the simulator (POST /v1/policies/check)', () => {
  async function check(body) {
    const res = await d.call('POST', '/v1/policies/check', {body: {account_id: 'pol', ...body}});
    assert.equal(res.status, 200, res.text);
    return res.json;
  }

  test('names the deciding statement, or the default deny', async () => {
    let r = await check(
        {access_key_id: w.op.id, action: 'apigateway:DescribeAppSecurity', resource: arn(w.a)});
    assert.equal(r.allowed, false);
    assert.equal(r.effect, 'deny');
    assert.deepEqual(
        r.statement, {policy: 'TollgateCredentialOperator', index: 2, sid: 'NoReveal'});

    r = await check(
        {access_key_id: w.op.id, action: 'apigateway:ResetAppSecret', resource: arn(w.a)});
    assert.equal(r.allowed, true);
    assert.deepEqual(r.statement, {policy: 'TollgateCredentialOperator', index: 0, sid: 'Rotate'});

    r = await check(
        {access_key_id: w.ro.id, action: 'apigateway:ResetAppSecret', resource: arn(w.a)});
    assert.equal(r.allowed, false);
    assert.equal(r.effect, 'implicit_deny');
    assert.equal(r.statement, undefined);
  });

  test('takes the address, the time and the transport', async () => {
    const base = {
      access_key_id: w.outside.id,
      action: 'apigateway:DescribeApp',
      resource: arn(w.a)
    };
    assert.equal((await check({...base, source_ip: '10.200.0.1'})).allowed, true);
    assert.equal((await check({...base, source_ip: '2001:db8::7'})).allowed, true);
    assert.equal((await check({...base, source_ip: '11.0.0.1'})).allowed, false);
    assert.equal((await check(base)).allowed, false);

    const timed = await keyWith(d, 'pol', 'Until2030', {
      Statement: [{
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: {
          DateLessThan: {'acs:CurrentTime': '2030-01-01T00:00:00Z'},
          Bool: {'acs:SecureTransport': 'true'},
        },
      }],
    });
    const t = {access_key_id: timed.id, action: 'apigateway:DescribeApp', resource: arn(w.a)};
    assert.equal((await check({...t, secure: true, time: '2029-12-31T23:59:59Z'})).allowed, true);
    assert.equal((await check({...t, secure: true, time: '2030-01-01T00:00:00Z'})).allowed, false);
    assert.equal((await check({...t, secure: false, time: '2029-01-01T00:00:00Z'})).allowed, false);
    // Over plain HTTP (all the management listener serves today) it is refused.
    assert.equal((await d.call('GET', `/v1/apps/${w.a.id}`, {auth: timed.auth})).status, 403);
  });

  test('refuses an unknown action or a resource that is no ARN', async () => {
    for (const body
             of [{access_key_id: w.op.id, action: 'apigateway:Nope', resource: arn(w.a)},
                 {access_key_id: w.op.id, action: 'apigateway:DescribeApp', resource: 'app/1'},
    ]) {
      const res = await d.call('POST', '/v1/policies/check', {body: {account_id: 'pol', ...body}});
      assert.equal(res.status, 422, res.text);
    }
  });
});
