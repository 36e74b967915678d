// Every refusal of the gateway is a small JSON body in the answering
// scheme's shape, never nginx's HTML page: Alibaba's (and AppCode's)
// {"Message","RequestId"} beside X-Ca-Error-Message and X-Ca-Request-Id,
// Huawei's {"error_code","error_msg","request_id"}, Tencent's
// {"message"}; 401, 400, 403, 413 and 429 alike.

import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createHmac, randomUUID} from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import {after, before, test} from 'node:test';

import {eventually, startGateway} from './lib/gateway.mjs';
import {binDir} from './lib/tollgated.mjs';

let gw;

const LOCATIONS = (upstream) => `
    location / {
      tollgate on;
      tollgate_api default;
      tollgate_body_max 1k;
      proxy_pass ${upstream};
    }
    location /alibaba/ {
      tollgate on;
      tollgate_api default;
      tollgate_schemes alibaba;
      proxy_pass ${upstream};
    }
    location /appcode/ {
      tollgate on;
      tollgate_api default;
      tollgate_schemes appcode;
      proxy_pass ${upstream};
    }
    location /huawei/ {
      tollgate on;
      tollgate_api default;
      tollgate_schemes huawei huawei_appcode;
      proxy_pass ${upstream};
    }
    location /tencent/ {
      tollgate on;
      tollgate_api default;
      tollgate_schemes tencent;
      proxy_pass ${upstream};
    }`;

async function call(method, pathname, body) {
  const r = await gw.admin.call(method, pathname, body === undefined ? {} : {body});
  assert.ok(r.status < 300, `${method} ${pathname}: ${r.text}`);
  return r.json;
}

// The refusal's status and parsed body, after checking it is JSON.
async function refusal(res, status) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.doesNotMatch(text, /<html|<center>|nginx/i);
  assert.ok(text.length < 4096, text);
  return JSON.parse(text);
}

function alibabaShape(res, json) {
  assert.deepEqual(Object.keys(json), ['Message', 'RequestId']);
  assert.equal(json.Message, res.headers.get('x-ca-error-message'));
  assert.equal(json.RequestId, res.headers.get('x-ca-request-id'));
  assert.match(json.RequestId, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
}

// A GET signed as Alibaba's clients sign (the string to sign of
// docs/gateway.md), with the nonce given.
function signedGet(path, key, secret, nonce = randomUUID()) {
  const h = {'x-ca-key': key, 'x-ca-nonce': nonce, 'x-ca-timestamp': String(Date.now())};
  const names = Object.keys(h).sort();
  const sts =
      ['GET', 'application/json', '', '', '', ...names.map((n) => `${n}:${h[n]}`), path].join('\n');
  h['x-ca-signature-headers'] = names.join(',');
  h['x-ca-signature'] = createHmac('sha256', secret).update(sts).digest('base64');
  return fetch(`${gw.url}${path}`, {headers: {...h, accept: 'application/json'}});
}

before(async () => {
  gw = await startGateway({locations: LOCATIONS, tollgatedArgs: ['--app-write-rate', '0']});
  await call('POST', '/v1/apis', {name: 'default'});
});

after(async () => {
  await gw.stop();
});

test('no credential: each scheme answers 401 in its own JSON', async () => {
  for (const where of ['/alibaba/x', '/appcode/x']) {
    const res = await fetch(`${gw.url}${where}`);
    alibabaShape(res, await refusal(res, 401));
  }
  let res = await fetch(`${gw.url}/huawei/x`);
  const hw = await refusal(res, 401);
  assert.deepEqual(Object.keys(hw), ['error_code', 'error_msg', 'request_id']);
  res = await fetch(`${gw.url}/tencent/x`);
  assert.deepEqual(Object.keys(await refusal(res, 401)), ['message']);
});

test(
    'Alibaba: bad key, bad signature (the string to sign, escaped), not granted, too large, throttled',
    async () => {
      let res = await fetch(`${gw.url}/alibaba/x`, {
        headers: {
          'x-ca-key': 'nobody',
          'x-ca-signature': 'AAAA',
          'x-ca-timestamp': String(Date.now()),
          'x-ca-nonce': 'n1',
          'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
        }
      });
      let json = await refusal(res, 400);
      alibabaShape(res, json);
      assert.equal(json.Message, 'Invalid AppKey');

      const app = await call('POST', '/v1/apps', {name: 'json_errors'});
      const sign = (nonce) => signedGet('/alibaba/x', app.app_key, app.app_secret, nonce);
      await eventually(async () => (await sign()).status === 403);
      res = await sign();
      json = await refusal(res, 403);
      alibabaShape(res, json);
      assert.equal(json.Message, 'Unauthorized');

      // A wrong signature: the message holds the server's string to
      // sign, with what the request sent, escaped in the body.
      res = await fetch(`${gw.url}/alibaba/x`, {
        headers: {
          'x-ca-key': app.app_key,
          'x-ca-signature': 'AAAA',
          'x-ca-timestamp': String(Date.now()),
          'x-ca-nonce': 'n"2\\',
          'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
        }
      });
      json = await refusal(res, 400);
      alibabaShape(res, json);
      assert.match(json.Message, /^Invalid Signature, Server StringToSign:`GET#.*n"2\\#/);

      await call('PUT', `/v1/apps/${app.id}/grants/default`, {});
      await call('PATCH', `/v1/apps/${app.id}`, {rate_limit: {rps: 1, burst: 1}});
      await eventually(async () => (await sign()).status === 429);
      res = await sign();
      json = await refusal(res, 429);
      alibabaShape(res, json);

      // Larger than tollgate_body_max: 413, refused before it is read.
      res = await fetch(`${gw.url}/big`, {
        method: 'POST',
        headers: {
          'x-ca-key': app.app_key,
          'x-ca-signature': 'AAAA',
          'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==',
          'content-type': 'application/octet-stream',
        },
        body: Buffer.alloc(4096, 1),
      });
      alibabaShape(res, await refusal(res, 413));
    });

test('a HEAD refusal has the headers and no body', async () => {
  const res = await fetch(`${gw.url}/alibaba/x`, {method: 'HEAD'});
  assert.equal(res.status, 401);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.equal(await res.text(), '');
});

test('tollgate sign shows where the strings to sign part, when they do', async () => {
  const app = await call('POST', '/v1/apps', {name: 'sts_differ'});
  await call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  // A proxy on the way adds a query parameter the client did not sign.
  const proxy = http.createServer((req, res) => {
    const out = http.request(
        `${gw.url}${req.url}?added=1`, {method: req.method, headers: req.headers}, (up) => {
          res.writeHead(up.statusCode, up.headers);
          up.pipe(res);
        });
    req.pipe(out);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    // (Not spawnSync: the proxy answers from this process.)
    const sign = () => new Promise((resolve) => {
      const proc = spawn(
          path.join(binDir, 'tollgate'),
          [
            'sign', '--app-key', app.app_key, '--app-secret', app.app_secret,
            `http://127.0.0.1:${proxy.address().port}/p`
          ],
          {env: {PATH: process.env.PATH, HOME: '/nonexistent'}});
      const r = {stdout: '', stderr: ''};
      proc.stdout.on('data', (c) => r.stdout += c);
      proc.stderr.on('data', (c) => r.stderr += c);
      proc.on('close', (status) => resolve({...r, status}));
    });
    await eventually(async () => /Invalid Signature/.test((await sign()).stderr));
    const r = await sign();
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n');
    assert.equal(lines[0], 'tollgate: the gateway answered 400: Invalid Signature');
    const client = lines[3].match(/^  client `(.*)`$/)[1];
    assert.match(client, /^GET#application\/json####x-ca-key:.*#\/p$/);
    assert.equal(lines[2], `  server \`${client}?added=1\``);
    assert.equal(
        lines[1],
        `tollgate: the strings to sign differ from character ${
            client.length + 1} on (newlines as #):`);
  } finally {
    await new Promise((resolve) => proxy.close(resolve));
  }
});
