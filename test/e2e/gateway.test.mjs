// The data plane: nginx with the Tollgate module in front of an echo
// upstream, fed by a real tollgated's LMDB projection.  Calls are signed by
// Alibaba's own npm client (aliyun-api-gateway), which nobody here wrote,
// and by hand where a failure needs a request that client will not make.

import aliyun from 'aliyun-api-gateway';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createHash, createHmac, randomUUID} from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {eventually, startGateway} from './lib/gateway.mjs';
import {ADMIN_ID, ADMIN_SECRET, binDir, SANITIZER} from './lib/tollgated.mjs';

let gw;
let api;  // the admin API of the stack's tollgated

const LOCATIONS = (upstream) => `
    location / {
      tollgate on;
      tollgate_api default;
      tollgate_appcode_query on;
      proxy_set_header X-Tollgate-App-Id $tollgate_app_id;
      proxy_set_header X-Tollgate-App $tollgate_app;
      proxy_set_header X-Tollgate-Scheme $tollgate_scheme;
      proxy_pass ${upstream};
    }
    location /pre/ {
      tollgate on;
      tollgate_api orders PRE;
      tollgate_schemes alibaba;
      proxy_pass ${upstream};
    }
    location /keep/ {
      tollgate on;
      tollgate_strip_credentials off;
      proxy_pass ${upstream};
    }
    location /open/ {
      proxy_pass ${upstream};
    }
    location /small/ {
      tollgate on;
      tollgate_body_max 1k;
      client_body_buffer_size 4k;
      proxy_pass ${upstream};
    }`;

async function call(method, pathname, body) {
  const r = await api.call(method, pathname, body === undefined ? {} : {body});
  assert.ok(r.status < 300, `${method} ${pathname}: ${r.text}`);
  return r.json;
}

// Creates an app granted to the API "default" (and to "orders" on PRE).
async function grantedApp(name, extra = {}) {
  const app = await call('POST', '/v1/apps', {name, ...extra});
  await call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  return app;
}

// Calls with the npm client; returns {status, message, data}.
async function signed(client, method, url, opts = {}) {
  try {
    const data = await client[method](`${gw.url}${url}`, opts);
    return {status: 200, data};
  } catch (err) {
    if (err.code === undefined || typeof err.code !== 'number') {
      throw err;
    }
    return {
      status: err.code,
      message: err.data.headers['x-ca-error-message'],
      headers: err.data.headers
    };
  }
}

// A request signed by hand, per reference/alibaba.md section 4.2.
// A GET signed by hand like handSigned(), sent with node:http so that
// extra headers may repeat a name ([name, value] pairs); resolves
// {status, text, json}.
function rawSigned({key, secret, path, extra}) {
  const h = {
    'x-ca-key': key,
    'x-ca-timestamp': String(Date.now()),
    'x-ca-nonce': randomUUID(),
    accept: 'application/json',
  };
  const names = Object.keys(h).filter((n) => n.startsWith('x-ca-')).sort();
  const sts =
      ['GET', h.accept, '', '', '', ...names.map((n) => `${n}:${h[n]}`)].join('\n') + '\n' + path;
  h['x-ca-signature-headers'] = names.join(',');
  h['x-ca-signature'] = createHmac('sha256', secret).update(sts).digest('base64');
  // (Given as an array, headers get no Host of node's.)
  const raw = [['Host', new URL(gw.url).host], ...Object.entries(h), ...extra].flat();
  return new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}${path}`, {headers: raw}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => text += chunk);
      res.on('end', () => resolve({
                      status: res.statusCode,
                      text,
                      json: /^\s*[{[]/.test(text) ? JSON.parse(text) : null
                    }));
    });
    req.on('error', reject);
    req.end();
  });
}

function handSigned(
    {key, secret, method = 'GET', path = '/hand', headers = {}, body, sign = {}, algo = 'sha256'}) {
  const h = {
    'x-ca-key': key,
    'x-ca-timestamp': String(Date.now()),
    'x-ca-nonce': randomUUID(),
    accept: 'application/json',
    ...headers,
  };
  const names = sign.names || Object.keys(h).filter((n) => n.startsWith('x-ca-')).sort();
  const lines = [
    method,
    h.accept || '',
    h['content-md5'] || '',
    h['content-type'] || '',
    h.date || '',
    ...names.map((n) => `${n}:${h[n] ?? ''}`),
  ];
  const sts = lines.join('\n') + '\n' + path;
  h['x-ca-signature-headers'] = names.join(',');
  h['x-ca-signature'] = createHmac(algo, secret).update(sts).digest('base64');
  return fetch(`${gw.url}${path}`, {method, headers: h, body});
}

// A request signed by hand against base, without X-Ca-Nonce unless given one, at ts (ms).
function handSignedAt(base, {key, secret, path = '/hand', nonce, ts = Date.now()}) {
  const h = {'x-ca-key': key, 'x-ca-timestamp': String(ts), accept: 'application/json'};
  const nonceLine = nonce === undefined ? '' : `x-ca-nonce:${nonce}\n`;
  const sts = `GET\napplication/json\n\n\n\nx-ca-key:${key}\n${nonceLine}x-ca-timestamp:${
      h['x-ca-timestamp']}\n${path}`;
  h['x-ca-signature-headers'] =
      nonce === undefined ? 'x-ca-key,x-ca-timestamp' : 'x-ca-key,x-ca-nonce,x-ca-timestamp';
  if (nonce !== undefined) {
    h['x-ca-nonce'] = nonce;
  }
  h['x-ca-signature'] = createHmac('sha256', secret).update(sts).digest('base64');
  return fetch(`${base}${path}`, {headers: h});
}

before(async () => {
  gw = await startGateway({locations: LOCATIONS, tollgatedArgs: ['--app-write-rate', '0']});
  api = gw.admin;
  await call('POST', '/v1/apis', {name: 'default'});
  await call('POST', '/v1/apis', {name: 'orders', stage: 'PRE'});
});

after(async () => {
  await gw.stop();
});

describe('signed calls that pass', () => {
  let app;
  let client;
  before(async () => {
    app = await grantedApp('signer');
    client = new aliyun.Client(app.app_key, app.app_secret);
    await eventually(async () => (await signed(client, 'get', '/warmup')).status === 200);
  });

  test('GET with a query: the upstream learns which app called', async () => {
    const r = await signed(client, 'get', '/orders/list?b=2&a=1', {query: {c: '你好 world'}});
    assert.equal(r.status, 200, r.message);
    assert.equal(r.data.method, 'GET');
    assert.equal(r.data.headers['x-tollgate-app-id'], String(app.app_id));
    assert.equal(r.data.headers['x-tollgate-app'], app.id);
    assert.equal(r.data.headers['x-tollgate-scheme'], 'alibaba');
    // Credentials are stripped before proxying.
    assert.equal(r.data.headers['x-ca-signature'], undefined);
    assert.equal(r.data.headers['x-ca-key'], app.app_key);
  });

  test('POST JSON (Content-MD5) and POST form (parameters signed)', async () => {
    let r = await signed(client, 'post', '/orders', {data: {item: 'book', n: 2}});
    assert.equal(r.status, 200, r.message);
    assert.deepEqual(JSON.parse(r.data.body), {item: 'book', n: 2});

    r = await signed(client, 'post', '/orders/form?z=last', {
      data: {nickname: 'nick', room_id: '6893', empty: ''},
      headers: {'content-type': aliyun.CONTENT_TYPE_FORM},
    });
    assert.equal(r.status, 200, r.message);
    assert.equal(r.data.body, 'nickname=nick&room_id=6893&empty=');
  });

  test('the credential is stripped from a long header list, every other header kept', async () => {
    // More than the 20 headers of nginx's first list part, sorted before
    // X-Ca-Signature, so that it is in a later part.
    const extra = {};
    for (let i = 10; i < 40; i++) {
      extra[`a-extra-${i}`] = `v${i}`;
    }
    const r = await handSigned(
        {key: app.app_key, secret: app.app_secret, path: '/long/list', headers: extra});
    assert.equal(r.status, 200, r.headers.get('x-ca-error-message'));
    const seen = await r.json();
    assert.equal(seen.headers['x-ca-signature'], undefined);
    assert.equal(seen.headers['x-ca-key'], app.app_key);
    for (const [name, value] of Object.entries(extra)) {
      assert.equal(seen.headers[name], value, name);
    }
    assert.equal(seen.headers['x-tollgate-app-id'], String(app.app_id));
  });

  test(
      'every scheme\'s credential header is stripped, also where the location accepts one scheme only',
      async () => {
        await call('PUT', `/v1/apps/${app.id}/grants/orders`, {stage: 'PRE'});
        await eventually(async () => (await signed(client, 'get', '/pre/x')).status === 200);
        // /pre/ accepts alibaba only: AppCode's Authorization and Huawei's
        // X-Apig-AppCode are other schemes' credentials, still not passed on.
        const r = await handSigned({
          key: app.app_key,
          secret: app.app_secret,
          path: '/pre/creds',
          headers: {
            'authorization': 'APPCODE 0123456789abcdef',
            'x-apig-appcode': 'c0de',
            'x-kept': 'yes'
          },
        });
        assert.equal(r.status, 200, r.headers.get('x-ca-error-message'));
        const seen = await r.json();
        assert.equal(seen.headers['x-ca-signature'], undefined);
        assert.equal(seen.headers['authorization'], undefined);
        assert.equal(seen.headers['x-apig-appcode'], undefined);
        assert.equal(seen.headers['x-kept'], 'yes');
        assert.equal(seen.headers['x-ca-key'], app.app_key);

        // More credential headers than the gateway notes by position
        // (NGX_TOLLGATE_CREDS_MAX, 4): the rest are found by name.
        const many = await rawSigned({
          key: app.app_key,
          secret: app.app_secret,
          path: '/pre/many',
          extra: [
            ['Authorization', 'Basic dXNlcjpw'],  // nginx refuses it twice
            ...[1, 2, 3, 4, 5].map((i) => ['X-Apig-AppCode', `c0de${i}`]),
            ['X-Kept', 'yes'],
          ],
        });
        assert.equal(many.status, 200, many.text);
        assert.equal(many.json.headers['authorization'], undefined);
        assert.equal(many.json.headers['x-apig-appcode'], undefined);
        assert.equal(many.json.headers['x-ca-signature'], undefined);
        assert.equal(many.json.headers['x-kept'], 'yes');
      });

  test('HmacSHA1, a stage pinned by the location, strip off', async () => {
    await call('PUT', `/v1/apps/${app.id}/grants/orders`, {stage: 'PRE'});
    await eventually(async () => (await signed(client, 'get', '/pre/x')).status === 200);
    const r = await handSigned({key: app.app_key, secret: app.app_secret, path: '/keep/y'});
    assert.equal(r.status, 200, r.headers.get('x-ca-error-message'));
    const seen = await r.json();
    assert.ok(seen.headers['x-ca-signature'], 'strip off keeps the signature');

    // HmacSHA1, signed by hand (the npm client only signs SHA-256).
    const sha1 = await handSigned({
      key: app.app_key,
      secret: app.app_secret,
      path: '/sha1',
      headers: {'x-ca-signature-method': 'HmacSHA1'},
      algo: 'sha1',
    });
    assert.equal(sha1.status, 200, sha1.headers.get('x-ca-error-message'));
    // The npm client, told to send the SHA-1 method header, still signs
    // SHA-256: the gateway checks SHA-1 and refuses.
    const res =
        await signed(client, 'get', '/sha1', {headers: {'x-ca-signature-method': 'HmacSHA1'}});
    assert.equal(res.status, 400);
    assert.match(res.message, /^Invalid Signature, Server StringToSign:`GET#/);
    const bogus = await handSigned(
        {key: app.app_key, secret: app.app_secret, headers: {'x-ca-signature-method': 'HmacMD5'}});
    assert.equal(bogus.status, 400);
    assert.equal(bogus.headers.get('x-ca-error-message'), 'Invalid Signature Method');
  });

  test('AppCode in the header (SimpleClient) and in the query', async () => {
    const withCode = await grantedApp('coded', {generate_app_code: true});
    const code = withCode.app_codes[0].app_code;
    const simple = new aliyun.SimpleClient(code);
    await eventually(async () => (await signed(simple, 'get', '/code')).status === 200);
    const r = await signed(simple, 'get', '/code/header');
    assert.equal(r.data.headers['x-tollgate-scheme'], 'appcode');
    assert.equal(r.data.headers['x-tollgate-app-id'], String(withCode.app_id));
    assert.equal(r.data.headers.authorization, undefined);

    const q = await fetch(`${gw.url}/code/query?AppCode=${code}`);
    assert.equal(q.status, 200);
    const unknown = await fetch(`${gw.url}/code/query`, {headers: {authorization: 'APPCODE nope'}});
    assert.equal(unknown.status, 400);
    assert.equal(unknown.headers.get('x-ca-error-message'), 'Invalid AppCode `not exists`');
    assert.match(
        unknown.headers.get('x-ca-request-id'),
        /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    // The /pre/ location accepts only signatures.
    const pre = await signed(simple, 'get', '/pre/code');
    assert.equal(pre.status, 401);
  });

  test('an unauthenticated location is left alone', async () => {
    const r = await fetch(`${gw.url}/open/x`);
    assert.equal(r.status, 200);
  });
});

describe('signed calls that fail, as Alibaba\'s gateway answers', () => {
  let app;
  let client;
  before(async () => {
    app = await grantedApp('failing');
    client = new aliyun.Client(app.app_key, app.app_secret);
    await eventually(async () => (await signed(client, 'get', '/warmup')).status === 200);
  });

  test('wrong secret: the server\'s string to sign in the message', async () => {
    const bad = new aliyun.Client(app.app_key, 'not-the-secret');
    const r = await signed(bad, 'get', '/x?q=1');
    assert.equal(r.status, 400);
    assert.match(
        r.message, /^Invalid Signature, Server StringToSign:`GET#application\/json##.*#x-ca-key:/);
    assert.match(r.message, /#\/x\?q=1`$/);
    assert.match(r.headers['x-ca-request-id'], /^[0-9A-F-]{36}$/);
  });

  test('unknown key, no credentials, no signature', async () => {
    let r = await signed(new aliyun.Client('NoSuchKey_0001', 'whatever'), 'get', '/x');
    assert.deepEqual([r.status, r.message], [400, 'Invalid AppKey']);
    const none = await fetch(`${gw.url}/x`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('x-ca-error-message'), 'Empty Signature');
    const noSig = await fetch(`${gw.url}/x`, {headers: {'x-ca-key': app.app_key}});
    assert.equal(noSig.status, 401);
    assert.equal(noSig.headers.get('x-ca-error-message'), 'Empty Signature');
  });

  test('replayed nonce, stale and malformed timestamps', async () => {
    const nonce = randomUUID();
    const at = Date.now();
    const once = (ts) => handSigned({
      key: app.app_key,
      secret: app.app_secret,
      path: '/once',
      headers: {'x-ca-nonce': nonce, 'x-ca-timestamp': String(ts)},
    });
    let r = await once(at);
    assert.equal(r.status, 200, r.headers.get('x-ca-error-message'));
    r = await once(at);
    assert.deepEqual([r.status, r.headers.get('x-ca-error-message')], [400, 'Nonce Used']);
    // A nonce is once per AppKey and signed timestamp: only its client can
    // sign it with another one.
    r = await once(at + 1);
    assert.equal(r.status, 200, r.headers.get('x-ca-error-message'));
    r = await once(at + 1);
    assert.deepEqual([r.status, r.headers.get('x-ca-error-message')], [400, 'Nonce Used']);

    // 15 minutes is accepted (less a second for the trip); 15 min 1 s is not.
    r = await signed(
        client, 'get', '/t', {headers: {'x-ca-timestamp': Date.now() - 15 * 60000 + 1000}});
    assert.equal(r.status, 200, r.message);
    r = await signed(
        client, 'get', '/t', {headers: {'x-ca-timestamp': Date.now() - 15 * 60000 - 1000}});
    assert.deepEqual([r.status, r.message], [400, 'Timestamp Expired']);
    r = await signed(client, 'get', '/t', {headers: {'x-ca-timestamp': Date.now() + 16 * 60000}});
    assert.deepEqual([r.status, r.message], [400, 'Timestamp Expired']);
    r = await signed(client, 'get', '/t', {headers: {'x-ca-timestamp': 'yesterday'}});
    assert.deepEqual([r.status, r.message], [400, 'Invalid Timestamp']);
  });

  test('wrong Content-MD5, missing signed header', async () => {
    const body = '{"a":1}';
    let r = await handSigned({
      key: app.app_key,
      secret: app.app_secret,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-md5': createHash('md5').update('{"a":2}').digest('base64')
      },
      body,
    });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('x-ca-error-message'), 'Invalid Content-MD5');

    r = await handSigned({
      key: app.app_key,
      secret: app.app_secret,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-md5': createHash('md5').update(body).digest('base64')
      },
      body,
    });
    assert.equal(r.status, 200, r.headers.get('x-ca-error-message'));

    r = await handSigned({
      key: app.app_key,
      secret: app.app_secret,
      sign: {names: ['x-ca-key', 'x-ca-missing', 'x-ca-nonce', 'x-ca-timestamp']},
    });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('x-ca-error-message'), 'Header x-ca-missing is Required');
  });

  test('no grant, an expired grant, a disabled app, a deleted app', async () => {
    const lonely = await call('POST', '/v1/apps', {name: 'ungranted'});
    const c = new aliyun.Client(lonely.app_key, lonely.app_secret);
    await eventually(async () => (await signed(c, 'get', '/x')).message === 'Unauthorized');
    assert.equal((await signed(c, 'get', '/x')).status, 403);

    const soon = new Date(Date.now() + 2500).toISOString();
    await call('PUT', `/v1/apps/${lonely.id}/grants/default`, {expires_at: soon});
    await eventually(async () => (await signed(c, 'get', '/x')).status === 200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(soon) - Date.now() + 100));
    const expired = await signed(c, 'get', '/x');
    assert.deepEqual([expired.status, expired.message], [403, 'Expiry of Authorization']);

    await call('PUT', `/v1/apps/${lonely.id}/grants/default`, {expires_at: null});
    await call('PATCH', `/v1/apps/${lonely.id}`, {status: 'disabled'});
    await eventually(async () => (await signed(c, 'get', '/x')).message === 'App Disabled');
    await call('PATCH', `/v1/apps/${lonely.id}`, {status: 'enabled'});
    await eventually(async () => (await signed(c, 'get', '/x')).status === 200);

    await api.call('DELETE', `/v1/apps/${lonely.id}`);
    await eventually(async () => (await signed(c, 'get', '/x')).message === 'Invalid AppKey');
  });

  test('the app\'s rate limit: 429 with Retry-After', async () => {
    const limited = await grantedApp('limited', {rate_limit: {rps: 1, burst: 2}});
    const c = new aliyun.Client(limited.app_key, limited.app_secret);
    // Until the app and its grant reach the gateway (400, then 403).
    await eventually(async () => [200, 429].includes((await signed(c, 'get', '/r')).status));
    const results = [];
    for (let i = 0; i < 4; i++) {
      results.push(await signed(c, 'get', '/r'));
    }
    const refused = results.filter((r) => r.status === 429);
    assert.ok(refused.length >= 2, JSON.stringify(results.map((r) => r.status)));
    assert.equal(refused[0].message, 'Throttled by APP Flow Control');
    assert.equal(refused[0].headers['retry-after'], '1');
  });
});

describe('limits at their edges', () => {
  test(
      'tollgate_body_max: a signed form body of exactly the limit passes, one byte more is 413',
      async () => {
        const app = await grantedApp('body_limits');
        const c = new aliyun.Client(app.app_key, app.app_secret);
        await eventually(async () => (await signed(c, 'get', '/small/w')).status === 200);
        // "v=" and 1022 characters: 1024 bytes.
        const form = {'content-type': aliyun.CONTENT_TYPE_FORM};
        let r = await signed(c, 'post', '/small/f', {data: {v: 'a'.repeat(1022)}, headers: form});
        assert.equal(r.status, 200, r.message);
        assert.equal(r.data.body.length, 1024);
        r = await signed(c, 'post', '/small/f', {data: {v: 'a'.repeat(1023)}, headers: form});
        assert.deepEqual([r.status, r.message], [413, 'Request body too Large']);
      });

  test('X-Ca-Stage: 32 characters is a stage (not granted here), 33 is invalid', async () => {
    const app = await grantedApp('stage_limits');
    const c = new aliyun.Client(app.app_key, app.app_secret);
    await eventually(async () => (await signed(c, 'get', '/s')).status === 200);
    let r = await signed(c, 'get', '/s', {headers: {'x-ca-stage': 'S'.repeat(32)}});
    assert.deepEqual([r.status, r.message], [403, 'Unauthorized']);
    r = await signed(c, 'get', '/s', {headers: {'x-ca-stage': 'S'.repeat(33)}});
    assert.deepEqual([r.status, r.message], [400, 'Invalid Stage']);
  });

  // A gateway with a 32k zone (a few pages of nonce table), nonces optional,
  // and an app named name granted its API.
  async function smallZone(name, directives = '') {
    const small = await startGateway({
      zone: '32k',
      locations: (upstream) => `
    location / {
      tollgate on;
      tollgate_replay_headers optional;${directives}
      proxy_pass ${upstream};
    }`,
    });
    try {
      await small.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
      const app = (await small.admin.call('POST', '/v1/apps', {body: {name}})).json;
      await small.admin.call('PUT', `/v1/apps/${app.id}/grants/default`, {body: {}});
      return {small, app};
    } catch (err) {
      await small.stop();
      throw err;
    }
  }

  test('a full nonce zone refuses calls with a nonce (503), not forgets them', async () => {
    const {small, app} = await smallZone('zone');
    try {
      const c = new aliyun.Client(app.app_key, app.app_secret);
      const call = async () => {
        try {
          await c.get(`${small.url}/z`);
          return {status: 200};
        } catch (err) {
          return {status: err.code, message: err.data.headers['x-ca-error-message']};
        }
      };
      const deadline = Date.now() + 3000;
      while ((await call()).status !== 200) {
        assert.ok(Date.now() < deadline, 'the gateway did not converge');
      }
      let last;
      for (let i = 0; i < 2000; i++) {
        last = await call();
        if (last.status !== 200) {
          break;
        }
      }
      assert.deepEqual([last.status, last.message], [503, 'Service Unavailable']);
      // A call without a nonce needs no room and still passes.
      const nonceless = await handSignedAt(small.url, {key: app.app_key, secret: app.app_secret});
      assert.equal(nonceless.status, 200, nonceless.headers.get('x-ca-error-message'));
    } finally {
      await small.stop();
    }
  });

  test('a nonce table filled to the brim still refuses every live nonce it holds', async () => {
    // A 32k zone's table is a few pages: filling it sends nonces on past
    // full lines to the end of their page and round it.  Half of them
    // expire within 2 s (their timestamp 9.5 s old, the skew 10 s), which
    // frees slots in the lines the others went past: a lookup must still
    // go on to those, and each is refused when replayed.
    const {small, app} = await smallZone('brim', '\n      tollgate_clock_skew 10s;');
    try {
      const key = {key: app.app_key, secret: app.app_secret};
      await eventually(async () => (await handSignedAt(small.url, key)).status === 200);
      const lasting = [];
      let last;
      let i = 0;
      for (; i < 20000; i++) {
        const short = i % 2 === 0;
        const sent = {nonce: `brim-${i}`, ts: Date.now() + (short ? -9500 : 9000)};
        const r = await handSignedAt(small.url, {...key, ...sent});
        last = [r.status, r.headers.get('x-ca-error-message')];
        if (r.status !== 200) {
          break;
        }
        if (!short) {
          lasting.push(sent);
        }
      }
      assert.deepEqual(last, [503, 'Service Unavailable']);
      assert.ok(lasting.length >= 100, `only ${lasting.length} lasting nonces fit`);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      for (const sent of lasting) {
        const r = await handSignedAt(small.url, {...key, ...sent});
        assert.deepEqual(
            [r.status, r.headers.get('x-ca-error-message')], [400, 'Nonce Used'], sent.nonce);
      }
      // The short-lived ones' slots are free again.
      const r = await handSignedAt(small.url, {...key, nonce: `brim-${i + 1}`});
      assert.equal(r.status, 200, r.headers.get('x-ca-error-message'));
    } finally {
      await small.stop();
    }
  });
});

describe('rotation', () => {
  test(
      'a reset without grace rejects the old secret; with grace both work until it ends',
      async () => {
        const app = await grantedApp('rotating');
        const old = new aliyun.Client(app.app_key, app.app_secret);
        await eventually(async () => (await signed(old, 'get', '/r')).status === 200);

        // Without grace: the old secret stops at once.  Measure how long the
        // gateway takes to enforce the committed reset.
        const started = Date.now();
        const reset = await call('POST', `/v1/apps/${app.id}/reset-secret`, {});
        const committed = Date.now();
        await eventually(async () => (await signed(old, 'get', '/r')).status === 400);
        console.log(`# reset enforced by the gateway ${
            Date.now() - committed} ms after its answer (${committed - started} ms to commit)`);
        const fresh = new aliyun.Client(reset.app_key, reset.app_secret);
        assert.equal((await signed(fresh, 'get', '/r')).status, 200);

        // With grace and a new AppKey: both pairs verify until it ends.
        const graced = await call(
            'POST', `/v1/apps/${app.id}/reset-secret`,
            {grace_seconds: 3, app_key: 'RotatedKey_0002'});
        const newest = new aliyun.Client('RotatedKey_0002', graced.app_secret);
        await eventually(async () => (await signed(newest, 'get', '/r')).status === 200);
        assert.equal((await signed(fresh, 'get', '/r')).status, 200);
        // previous_expires_at is shown to the second: the grace ends within
        // the second after it.
        const wait = Date.parse(graced.previous_expires_at) - Date.now() + 1100;
        await new Promise((resolve) => setTimeout(resolve, wait));
        const ended = await signed(fresh, 'get', '/r');
        assert.deepEqual([ended.status, ended.message], [400, 'Invalid AppKey']);
        assert.equal((await signed(newest, 'get', '/r')).status, 200);
      });
});

describe('the workers\' caches', () => {
  // Each worker keeps the HMAC states of recent secrets and copies of the
  // records it read, for one projection snapshot: warm them, change the
  // app, and from the first call that sees the change on, no call may be
  // served from what was cached before it.
  test('never serve a secret past its reset, nor an app past its disabling', async () => {
    const app = await grantedApp('cached');
    const old = new aliyun.Client(app.app_key, app.app_secret);
    await eventually(async () => (await signed(old, 'get', '/c')).status === 200);
    for (let i = 0; i < 40; i++) {
      assert.equal((await signed(old, 'get', '/c')).status, 200);
    }

    const reset = await call('POST', `/v1/apps/${app.id}/reset-secret`, {});
    const fresh = new aliyun.Client(reset.app_key, reset.app_secret);
    await eventually(async () => (await signed(fresh, 'get', '/c')).status === 200);
    for (let i = 0; i < 40; i++) {
      const stale = await signed(old, 'get', '/c');
      assert.equal(stale.status, 400, `call ${i}`);
      assert.match(stale.message, /^Invalid Signature/, `call ${i}`);
      assert.equal((await signed(fresh, 'get', '/c')).status, 200, `call ${i}`);
    }

    await call('PATCH', `/v1/apps/${app.id}`, {status: 'disabled'});
    await eventually(async () => (await signed(fresh, 'get', '/c')).status === 403);
    for (let i = 0; i < 40; i++) {
      const disabled = await signed(fresh, 'get', '/c');
      assert.deepEqual([disabled.status, disabled.message], [403, 'App Disabled'], `call ${i}`);
    }
  });
});

describe('tollgate sign', () => {
  // Runs the CLI against the stack (its management endpoint for --app).
  // Asynchronously: the echo upstream runs in this process.
  function sign(args, input) {
    const proc = spawn(path.join(binDir, 'tollgate'), ['sign', ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: '/nonexistent',
        TOLLGATE_ENDPOINT: api.url,
        TOLLGATE_ACCESS_KEY_ID: ADMIN_ID,
        TOLLGATE_ACCESS_KEY_SECRET: ADMIN_SECRET,
      },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (c) => stdout += c);
    proc.stderr.on('data', (c) => stderr += c);
    proc.stdin.on('error', () => {});  // the CLI may exit before reading it
    proc.stdin.end(input ?? '');
    return new Promise((resolve) => proc.on('close', (status) => {
      assert.doesNotMatch(stderr, SANITIZER);
      resolve({status, stdout, stderr});
    }));
  }

  test('signs as an app, GET, POST JSON and POST form, and the gateway admits it', async () => {
    const app = await grantedApp('cli_signer');
    const c = new aliyun.Client(app.app_key, app.app_secret);
    await eventually(async () => (await signed(c, 'get', '/w')).status === 200);

    let r = await sign(['--app', 'cli_signer', `${gw.url}/cli/get?b=2&a=1`]);
    assert.equal(r.status, 0, r.stderr);
    let seen = JSON.parse(r.stdout);
    assert.equal(seen.headers['x-tollgate-app-id'], String(app.app_id));
    assert.equal(seen.url, '/cli/get?b=2&a=1');

    r = await sign(
        ['--app-key', app.app_key, '--app-secret', '-', '--data', '{"x":1}', `${gw.url}/cli/json`],
        app.app_secret + '\n');
    assert.equal(r.status, 0, r.stderr);
    seen = JSON.parse(r.stdout);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.body, '{"x":1}');

    r = await sign(
        ['--app', app.id, '--form', '--data', 'name=a+b&empty=', '--sha1', `${gw.url}/cli/form`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).body, 'name=a+b&empty=');
  });

  test(
      'a refusal prints its message only: a wrong secret, a missing grant; --print sends nothing',
      async () => {
        const app = await grantedApp('cli_wrong');
        let r = await sign(
            ['--app-key', app.app_key, '--app-secret', 'wrong-secret-0000', `${gw.url}/cli/x?q=1`]);
        assert.equal(r.status, 1);
        assert.equal(r.stdout, '');
        // Both sides signed the same string: the secret is what differs.
        assert.equal(
            r.stderr,
            'tollgate: the gateway answered 400: Invalid Signature\n' +
                'tollgate: the gateway signed the same string as this client, so the AppSecret is ' +
                'wrong (was it reset? tollgate app reveal APP shows the current one)\n');

        // Signed right, but not granted: which grant, and the command.
        await call('POST', '/v1/apps', {name: 'cli_nogrant'});
        await eventually(
            async () => (await sign(['--app', 'cli_nogrant', `${gw.url}/cli/n`])).status === 1);
        r = await sign(['--app', 'cli_nogrant', `${gw.url}/cli/n`]);
        assert.equal(r.stdout, '');
        assert.equal(
            r.stderr,
            'tollgate: the gateway answered 403: Unauthorized\n' +
                'tollgate: the app has no grant to the API "default"; add it with:\n' +
                '  tollgate grant add cli_nogrant default\n');

        r = await sign([
          '--app-key', 'AnyKey_0001', '--app-secret', 'appSecret', '--print',
          'http://127.0.0.1:1/p?a=1'
        ]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(
            r.stdout, /^client StringToSign: `GET#application\/json####x-ca-key:AnyKey_0001#/);
        assert.match(r.stdout, /^x-ca-signature: [A-Za-z0-9+\/]{43}=$/m);

        r = await sign(['--app', 'cli_wrong', '--app-key', 'x', 'http://127.0.0.1:1/']);
        assert.equal(r.status, 2);
        r = await sign(['--app-key', 'x', '--app-secret', 'y', 'ftp://host/']);
        assert.equal(r.status, 2);
        r = await sign(['--app-key', 'x', '--app-secret', 'y', 'http://127.0.0.1:1/']);
        assert.equal(r.status, 3);

        // The gateway refuses a repeated parameter, so the CLI does not sign one.
        r = await sign(
            ['--app-key', 'x', '--app-secret', 'y', '--print', 'http://127.0.0.1:1/p?a=1&a=2']);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /the parameter a is repeated/);
      });
});
