// What the policy tests share: an account with two apps and member keys,
// each with one policy attached: read-only, credential operator, limited to
// one app, and allowed only from a network the tests never call from.

import assert from 'node:assert/strict';

// A member key of account with the policy attached: by name, or inline
// (document given).  Returns {id, secret, auth}.
export async function keyWith(d, account, name, document) {
  const key = await d.call('POST', `/v1/accounts/${account}/access-keys`, {body: {}});
  assert.equal(key.status, 201, key.text);
  const body = document ? {name, document} : {name};
  const att =
      await d.call('POST', `/v1/accounts/${account}/access-keys/${key.json.id}/policies`, {body});
  assert.equal(att.status, 201, att.text);
  return {id: key.json.id, secret: key.json.secret, auth: [key.json.id, key.json.secret]};
}

// Sets up the account and its keys: {account, a, b, ro, op, one, outside}.
// a and b are native app objects (with app_key and app_secret).
export async function policyWorld(d, name) {
  const account = await d.call('POST', '/v1/accounts', {body: {name}});
  assert.equal(account.status, 201, account.text);
  const apps = [];
  for (const app of [`${name}_a`, `${name}_b`]) {
    const res = await d.call('POST', '/v1/apps', {body: {name: app, account_id: account.json.id}});
    assert.equal(res.status, 201, res.text);
    apps.push(res.json);
  }
  const [a, b] = apps;
  const only = (resource, condition) => ({
    Version: '1',
    Statement: [{
      Sid: 'Only',
      Effect: 'Allow',
      Action: '*',
      Resource: resource,
      ...(condition ? {Condition: condition} : {}),
    }],
  });
  return {
    account: account.json,
    a,
    b,
    ro: await keyWith(d, name, 'TollgateReadOnlyAccess'),
    op: await keyWith(d, name, 'TollgateCredentialOperator'),
    one: await keyWith(d, name, 'OneApp', only(`acs:apigateway:*:*:app/${a.app_id}`)),
    outside: await keyWith(
        d, name, 'Office',
        only('*', {IpAddress: {'acs:SourceIp': ['10.0.0.0/8', '2001:db8::/32']}})),
  };
}

// The audit event of a response, by its request id.
export async function auditOf(d, requestId) {
  const all = await d.call('GET', '/v1/audit?limit=100');
  assert.equal(all.status, 200, all.text);
  const e = all.json.items.find((x) => x.request_id.toLowerCase() === requestId.toLowerCase());
  assert.ok(e, `no audit event for request ${requestId}`);
  return e;
}

// The newest audit event of action (an event name) by the key id.
export async function lastAudit(d, action, keyId) {
  const all = await d.call('GET', `/v1/audit?action=${action}&actor=${keyId}&limit=1`);
  assert.equal(all.status, 200, all.text);
  assert.equal(all.json.items.length, 1, all.text);
  return all.json.items[0];
}

// The app's secret, read by the admin.
export async function secretOf(d, app) {
  const res = await d.call('GET', `/v1/apps/${app.id}/secret`);
  assert.equal(res.status, 200, res.text);
  return JSON.stringify(res.json);
}
