// The Alibaba dialect's transport and authentication, with Alibaba's own
// clients: pop-core (signature v1 by GET and POST), the CloudAPI client
// (V3, and v2), the generic openapi-client (V3 and v2); then what the
// SDKs never send, by hand: wrong signatures, old timestamps, replayed
// nonces, unknown keys and actions, XML, and the native API left alone.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {after, before, describe, test} from 'node:test';

import {Cloud, cloudApi, isoSeconds, openApiClient, popCore, rawCall, rejects, v1StringToSign} from './lib/alibaba.mjs';
import {ADMIN_ID, ADMIN_SECRET, pgStoreUrl, startTollgated} from './lib/tollgated.mjs';

let d;

before(async () => {
  d = await startTollgated();
});

after(async () => {
  await d.stop();
});

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

// Alibaba's error body: every field, and the status.
function expectError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(
      Object.keys(res.json).sort(), ['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
  assert.equal(res.json.Code, code, res.text);
  assert.match(res.json.RequestId, REQUEST_ID);
  assert.equal(res.json.RequestId, res.headers.get('x-request-id').toUpperCase());
  assert.equal(res.json.HostId, `127.0.0.1:${d.port}`);
  assert.ok(res.json.Recommend.includes(`q=${code}`));
  assert.match(res.headers.get('content-type'), /^application\/json/);
}

describe('the SDKs sign and are understood', () => {
  test('pop-core by GET and by POST (form body)', async () => {
    const c = popCore(d);
    const made = await c.request('CreateApp', {AppName: 'pop_get_app', Description: 'by GET'});
    assert.ok(Number.isInteger(made.AppId));
    assert.equal(made.Code, undefined);
    assert.match(made.RequestId, REQUEST_ID);
    const made2 = await c.request(
        'CreateApp', {AppName: 'pop_post_app', Description: 'by POST ~*()!\' 中文'},
        {method: 'POST'});
    const got = await c.request('DescribeApp', {AppId: made2.AppId}, {method: 'POST'});
    assert.equal(got.AppName, 'pop_post_app');
    assert.equal(got.Description, 'by POST ~*()!\' 中文');
  });

  test('the CloudAPI client with V3 and with v2', async () => {
    for (const v2 of [false, true]) {
      const c = cloudApi(d, {v2});
      const name = v2 ? 'cloudapi_v2_app' : 'cloudapi_v3_app';
      const made = await c.createApp(new Cloud.CreateAppRequest({appName: name}));
      assert.equal(made.statusCode, 200);
      assert.ok(Number.isInteger(made.body.appId));
      const got = await c.describeApp(new Cloud.DescribeAppRequest({appId: made.body.appId}));
      assert.equal(got.body.appName, name);
    }
  });

  test('the generic openapi-client with V3 and with v2', async () => {
    for (const v2 of [false, true]) {
      const call = openApiClient(d, {v2});
      const name = v2 ? 'oc_v2_app' : 'oc_v3_app';
      const made =
          await call('CreateApp', {AppName: name, 'Tag.1.Key': 'env', 'Tag.1.Value': 'dev'});
      assert.equal(made.TagStatus, true);
      const got = await call('DescribeApp', {AppId: String(made.AppId)});
      assert.equal(got.AppName, name);
    }
  });

  test('query and form parameters are merged', async () => {
    // The common parameters in the query, the business ones in the body,
    // all of them signed.
    const all = {
      AccessKeyId: ADMIN_ID,
      Action: 'CreateApp',
      Format: 'JSON',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: crypto.randomUUID(),
      SignatureVersion: '1.0',
      Timestamp: isoSeconds(new Date()),
      Version: '2016-07-14',
      AppName: 'merged_app',
      Description: 'from the body',
    };
    all.Signature = crypto.createHmac('sha1', ADMIN_SECRET + '&')
                        .update(v1StringToSign('POST', all))
                        .digest('base64');
    const query = new URLSearchParams();
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(all)) {
      (k === 'AppName' || k === 'Description' ? body : query).set(k, v);
    }
    const res = await fetch(`${d.url}/?${query}`, {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded; charset=UTF-8'},
      body: body.toString(),
    });
    const json = await res.json();
    assert.equal(res.status, 200, JSON.stringify(json));
    const got = await rawCall(d, 'DescribeApp', {AppId: String(json.AppId)});
    assert.equal(got.json.Description, 'from the body');
  });

  test('a parameter given twice is refused', async () => {
    const twice = await fetch(`${d.url}/?Action=DescribeApp&AppId=1&AppId=2`);
    const json = await twice.json();
    assert.equal(twice.status, 400);
    assert.equal(json.Code, 'InvalidParameter');
    assert.match(json.Message, /AppId is repeated/);
  });
});

describe('signatures', () => {
  test('a wrong v1 signature gets the server\'s string to sign', async () => {
    const c = popCore(d, {secret: 'not-the-secret'});
    const e = await rejects(() => c.request('DescribeApps', {AppOwner: 1}));
    assert.equal(e.code, 'SignatureDoesNotMatch');
    const prefix =
        'Specified signature is not matched with our calculation. server string to sign is:';
    assert.ok(e.data.Message.startsWith(prefix), e.data.Message);
    const sts = e.data.Message.slice(prefix.length);
    assert.match(
        sts,
        /^GET&%2F&AccessKeyId%3DTGe2eAdminKey0000000001%26Action%3DDescribeApps%26AppOwner%3D1%26/);
    // The secret never appears; the string to sign is what we compute.
    assert.ok(!e.data.Message.includes('e2e-admin-secret'));
  });

  test('the string to sign in the message matches the request', async () => {
    const params = {AppOwner: '1'};
    const res = await rawCall(d, 'DescribeApps', params, {
      tamper: (p) => {
        p.Signature = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
      },
    });
    expectError(res, 400, 'SignatureDoesNotMatch');
    const sts = res.json.Message.split('server string to sign is:')[1];
    assert.ok(sts.startsWith('GET&%2F&'));
    assert.ok(sts.includes('AppOwner%3D1'));
    assert.ok(!sts.includes('Signature%3D'));
  });

  test('a wrong V3 signature gets the string to sign and the canonical request', async () => {
    const c = cloudApi(d, {secret: 'not-the-secret'});
    const e = await rejects(() => c.describeApps(new Cloud.DescribeAppsRequest({appOwner: 1})));
    assert.equal(e.code, 'SignatureDoesNotMatch');
    assert.equal(e.statusCode, 400);
    assert.match(
        e.data.Message,
        /server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64} canonical request is:POST\n\/\nAppOwner=1\n/);
  });

  test('an unknown access key', async () => {
    const e = await rejects(
        () => popCore(d, {id: 'TGnoSuchKey000000'}).request('DescribeApps', {AppOwner: 1}));
    assert.equal(e.code, 'InvalidAccessKeyId.NotFound');
    const res = await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {id: 'TGnoSuchKey000000'});
    expectError(res, 404, 'InvalidAccessKeyId.NotFound');
    const e3 = await rejects(() => cloudApi(d, {
                                     id: 'TGnoSuchKey000000'
                                   }).describeApps(new Cloud.DescribeAppsRequest({appOwner: 1})));
    assert.equal(e3.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(e3.statusCode, 404);
  });

  test('a disabled access key, once the signature matched', async () => {
    const key = (await d.call('POST', '/v1/accounts/default/access-keys')).json;
    assert.ok((await popCore(d, {id: key.id, secret: key.secret}).request('DescribeApps', {
                AppOwner: 1
              })).Apps);
    await d.call(
        'PATCH', `/v1/accounts/default/access-keys/${key.id}`, {body: {status: 'disabled'}});
    const e = await rejects(
        () => popCore(d, {id: key.id, secret: key.secret}).request('DescribeApps', {AppOwner: 1}));
    assert.equal(e.code, 'InvalidAccessKeyId.Inactive');
    // With a wrong signature, the key's status is not told.
    const e2 = await rejects(
        () => popCore(d, {id: key.id, secret: 'wrong'}).request('DescribeApps', {AppOwner: 1}));
    assert.equal(e2.code, 'SignatureDoesNotMatch');
  });

  test('a missing signature, method or parameter', async () => {
    expectError(
        await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {sign: false}), 400, 'MissingSignature');
    expectError(
        await rawCall(d, 'DescribeApps', {AppOwner: '1', SignatureMethod: 'HMAC-SHA256'}), 400,
        'InvalidSignatureMethod');
    expectError(
        await rawCall(d, 'DescribeApps', {AppOwner: '1', SignatureNonce: undefined}), 400,
        'MissingSignatureNonce');
    expectError(
        await rawCall(d, 'DescribeApps', {AppOwner: '1', AccessKeyId: undefined}), 400,
        'MissingAccessKeyId');
  });

  test('a malformed V3 Authorization header', async () => {
    const res = await fetch(`${d.url}/`, {
      method: 'POST',
      headers: {
        'authorization': 'ACS3-HMAC-SHA256 Credential=x',
        'x-acs-action': 'DescribeApps',
        'x-acs-version': '2016-07-14',
      },
    });
    const json = await res.json();
    assert.equal(res.status, 400);
    assert.equal(json.Code, 'IncompleteSignature');
  });
});

describe('timestamps and nonces', () => {
  const minutes = (n) => isoSeconds(new Date(Date.now() + n * 60000));

  test('a timestamp more than 15 minutes off is expired, either way', async () => {
    expectError(
        await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {timestamp: minutes(-16)}), 400,
        'InvalidTimeStamp.Expired');
    expectError(
        await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {timestamp: minutes(16)}), 400,
        'InvalidTimeStamp.Expired');
    // Inside the window, by a margin for the clocks of the test itself.
    assert.equal(
        (await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {timestamp: minutes(-14)})).status, 200);
    assert.equal(
        (await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {timestamp: minutes(14)})).status, 200);
  });

  test('a malformed timestamp', async () => {
    expectError(
        await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {timestamp: '2024-13-01 00:00'}), 400,
        'InvalidTimeStamp.Format');
  });

  test('a nonce used once is refused the second time (v1, GET and POST)', async () => {
    for (const method of ['GET', 'POST']) {
      const nonce = crypto.randomUUID();
      const first = await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {nonce, method});
      assert.equal(first.status, 200, first.text);
      expectError(
          await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {nonce, method}), 400,
          'SignatureNonceUsed');
    }
  });

  test('a replayed V3 request is refused', async () => {
    // The server's canonical request of a failed SDK call gives the
    // headers the SDK sends; the same request, signed right, is sent twice.
    const bad = await rejects(
        () =>
            cloudApi(d, {secret: 'x'}).describeApps(new Cloud.DescribeAppsRequest({appOwner: 1})));
    const canonical = bad.data.Message.split('canonical request is:')[1];
    const headers =
        Object.fromEntries(canonical.split('\n').filter((l) => /^x-acs-/.test(l)).map((l) => {
          const i = l.indexOf(':');
          return [l.slice(0, i), l.slice(i + 1)];
        }));
    const signed = ['host', ...Object.keys(headers)].sort();
    const canon = [
      'POST', '/', 'AppOwner=1',
      signed.map((h) => `${h}:${h === 'host' ? `127.0.0.1:${d.port}` : headers[h]}\n`).join(''),
      signed.join(';'), crypto.createHash('sha256').update('').digest('hex')
    ].join('\n');
    const sts = 'ACS3-HMAC-SHA256\n' + crypto.createHash('sha256').update(canon).digest('hex');
    const sig = crypto.createHmac('sha256', ADMIN_SECRET).update(sts).digest('hex');
    const send = () => fetch(`${d.url}/?AppOwner=1`, {
      method: 'POST',
      headers: {
        ...headers,
        authorization: `ACS3-HMAC-SHA256 Credential=${ADMIN_ID},SignedHeaders=${
            signed.join(';')},Signature=${sig}`,
      },
    });
    // The failed call did not use its nonce up: only a matching signature
    // records one.
    const first = await send();
    assert.equal(first.status, 200, await first.text());
    const again = await send();
    const json = await again.json();
    assert.equal(again.status, 400);
    assert.equal(json.Code, 'SignatureNonceUsed');
  });

  test('a signed header the request lacks is refused', async () => {
    const res = await fetch(`${d.url}/?AppOwner=1`, {
      method: 'POST',
      headers: {
        'x-acs-action': 'DescribeApps',
        'x-acs-version': '2016-07-14',
        'authorization':
            `ACS3-HMAC-SHA256 Credential=${ADMIN_ID},SignedHeaders=host;x-acs-date,Signature=00`,
      },
    });
    const json = await res.json();
    assert.equal(res.status, 400);
    assert.equal(json.Code, 'IncompleteSignature');
    assert.match(json.Message, /x-acs-date is not in the request/);
  });
});

describe('dispatch and formats', () => {
  test('an unknown action or version', async () => {
    expectError(await rawCall(d, 'DescribeNothing', {}), 404, 'InvalidApi.NotFound');
    expectError(
        await rawCall(d, 'DescribeApps', {AppOwner: '1', Version: '2017-01-01'}), 400,
        'InvalidVersion');
  });

  test('Format=XML renders the same tree, and errors too', async () => {
    const made =
        await popCore(d).request('CreateApp', {AppName: 'xml_app', Description: 'a < b & c'});
    const res = await rawCall(d, 'DescribeApp', {AppId: String(made.AppId)}, {format: 'XML'});
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/xml;charset=utf-8');
    assert.match(res.text, /^<\?xml version="1.0" encoding="UTF-8"\?><DescribeAppResponse>/);
    assert.ok(res.text.includes(`<AppId>${made.AppId}</AppId>`));
    assert.ok(res.text.includes('<Description>a &lt; b &amp; c</Description>'));
    assert.ok(res.text.includes('<Disabled>false</Disabled>'));
    const list = await rawCall(d, 'DescribeAppAttributes', {AppName: 'xml_app'}, {format: 'xml'});
    assert.match(list.text, /<Apps><AppAttribute><AppId>\d+<\/AppId>.*<\/AppAttribute><\/Apps>/);
    const err = await rawCall(d, 'DescribeApp', {}, {format: 'XML'});
    assert.equal(err.status, 400);
    assert.match(
        err.text,
        /<Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>[^<]+<\/HostId><Code>MissingAppId<\/Code>/);
    const bad = await rawCall(d, 'DescribeApp', {}, {format: 'YAML'});
    assert.equal(bad.json.Code, 'InvalidParameter.Format');
  });

  test('a success carries no Code', async () => {
    const res = await rawCall(d, 'DescribeApps', {AppOwner: '1'});
    assert.equal(res.status, 200);
    assert.equal(res.json.Code, undefined);
    assert.deepEqual(
        Object.keys(res.json).sort(),
        ['Apps', 'PageNumber', 'PageSize', 'RequestId', 'TotalCount']);
  });

  test('the native API is left alone', async () => {
    assert.equal((await d.call('GET', '/healthz', {auth: null})).status, 200);
    const root = await d.call('GET', '/');
    assert.equal(root.status, 404);
    assert.equal(root.json.error.code, 'route_not_found');
    // Alibaba's parameters on a native route are the native API's.
    const native = await d.call('GET', '/v1/apps?Action=DescribeApps');
    assert.equal(native.status, 400);
    assert.equal(native.json.error.code, 'bad_request');
  });

  test('methods other than GET and POST', async () => {
    const res = await fetch(`${d.url}/?Action=DescribeApps`, {method: 'PUT'});
    const json = await res.json();
    assert.equal(res.status, 400);
    assert.equal(json.Code, 'UnsupportedHTTPMethod');
  });
});

describe('access keys made before schema 2', () => {
  test('sign nothing until used once with Basic, then sign', async () => {
    const {spawnSync} = await import('node:child_process');
    const path = (await import('node:path')).default;
    const q = await startTollgated();
    try {
      const key = (await q.call('POST', '/v1/accounts/default/access-keys')).json;
      await q.stop({keepData: true});
      // As a schema 1 store left it: the hash, no sealed secret.
      const update = `UPDATE access_keys SET secret_sealed = NULL WHERE id = '${key.id}'`;
      const pg = pgStoreUrl(q.dataDir);
      const sql = pg ?
          spawnSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', pg, '-c', update], {encoding: 'utf8'}) :
          spawnSync('sqlite3', [path.join(q.dataDir, 'tollgate.db'), update], {encoding: 'utf8'});
      assert.equal(sql.status, 0, sql.stderr);
      await q.restart();

      const e = await rejects(
          () =>
              popCore(q, {id: key.id, secret: key.secret}).request('DescribeApps', {AppOwner: 1}));
      assert.equal(e.code, 'InvalidAccessKeyId.Inactive');
      assert.match(e.data.Message, /made before Tollgate kept signing secrets/);
      // Basic still works, and seals the secret on the way.
      assert.equal((await q.call('GET', '/v1/whoami', {auth: [key.id, key.secret]})).status, 200);
      const ok =
          await popCore(q, {id: key.id, secret: key.secret}).request('DescribeApps', {AppOwner: 1});
      assert.ok(ok.Apps);
    } finally {
      await q.stop();
    }
  });
});
