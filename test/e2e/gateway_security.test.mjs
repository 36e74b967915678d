// The gateway's answers to a hostile client: ambiguous requests are
// refused rather than half checked.  Each test sends what a probe sent:
// a repeated parameter under the signature of one value, a replay with
// unsigned fresh timestamp and nonce, duplicate credential headers, an
// AppCode in two places, a chunked signed body, an over-long nonce.
// Requests are signed by hand (reference/alibaba.md section 4.2) and sent
// with node:http, which can send a header twice.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {createHash, createHmac, randomUUID} from 'node:crypto';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {eventually, moduleFile, startGateway} from './lib/gateway.mjs';

let gw;
let app;  // granted to "default", with an AppCode
let code;

const LOCATIONS = (upstream) => `
    location / {
      tollgate on;
      tollgate_appcode_query on;
      tollgate_body_max 1k;
      client_body_buffer_size 4k;
      proxy_pass ${upstream};
    }
    location /optional/ {
      tollgate on;
      tollgate_replay_headers optional;
      proxy_pass ${upstream};
    }`;

// Sends a request; a header given an array is sent once per value, and
// chunked: true sends the body without a length.
function send({method = 'GET', target, headers = {}, body, chunked = false}) {
  return new Promise((resolve, reject) => {
    const url = new URL(gw.url);
    const h = {...headers};
    if (body !== undefined && !chunked) {
      h['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request(
        {host: url.hostname, port: url.port, method, path: target, headers: h}, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode,
              message: res.headers['x-ca-error-message'],
              seen: res.statusCode === 200 ? JSON.parse(text) : undefined,
            });
          });
        });
    req.on('error', reject);
    if (body !== undefined) {
      if (chunked) {
        // Two chunks, so that the body arrives in pieces.
        req.write(body.slice(0, 1));
        req.write(body.slice(1));
      } else {
        req.write(body);
      }
    }
    req.end();
  });
}

// Signed headers for a request whose string to sign ends with signedPath
// (the path and the sorted parameters, as the client signs them).
// names: the headers listed in X-Ca-Signature-Headers (default: every
// x-ca-* header given); omit: x-ca-* headers not to send at all.
function signed({method = 'GET', signedPath, headers = {}, names, omit = [], key, secret}) {
  const h = {
    'x-ca-key': key ?? app.app_key,
    'x-ca-timestamp': String(Date.now()),
    'x-ca-nonce': randomUUID(),
    accept: 'application/json',
    ...headers,
  };
  for (const n of omit) {
    delete h[n];
  }
  const list = names ?? Object.keys(h).filter((n) => n.startsWith('x-ca-')).sort();
  const sts = [
    method, h.accept ?? '', h['content-md5'] ?? '', h['content-type'] ?? '', h.date ?? '',
    ...list.map((n) => `${n}:${h[n]}`), signedPath
  ].join('\n');
  h['x-ca-signature-headers'] = list.join(',');
  h['x-ca-signature'] = createHmac('sha256', secret ?? app.app_secret).update(sts).digest('base64');
  return h;
}

before(async () => {
  gw = await startGateway({locations: LOCATIONS});
  const call = async (method, pathname, body) => {
    const r = await gw.admin.call(method, pathname, {body});
    assert.ok(r.status < 300, r.text);
    return r.json;
  };
  await call('POST', '/v1/apis', {name: 'default'});
  app = await call('POST', '/v1/apps', {name: 'probed', generate_app_code: true});
  code = app.app_codes[0].app_code;
  await call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  await eventually(
      async () => (await send({target: '/w', headers: signed({signedPath: '/w'})})).status === 200);
});

after(async () => {
  await gw.stop();
});

describe('repeated parameters', () => {
  test('?amount=1&amount=999 does not pass with the signature of ?amount=1', async () => {
    let r = await send({
      target: '/p?amount=1&amount=999',
      headers: signed({signedPath: '/p?amount=1'}),
    });
    assert.deepEqual([r.status, r.message], [400, 'Repeated Parameter']);
    // Signed as Alibaba's Node client signs it (the values joined by
    // commas): refused too, since "?amount=1%2C999" signs the same.
    r = await send({
      target: '/p?amount=1&amount=999',
      headers: signed({signedPath: '/p?amount=1,999'}),
    });
    assert.deepEqual([r.status, r.message], [400, 'Repeated Parameter']);
    // One value each: admitted.
    r = await send({target: '/p?amount=1&b=2', headers: signed({signedPath: '/p?amount=1&b=2'})});
    assert.equal(r.status, 200, r.message);
  });

  test('a key in both the query and a form body is refused', async () => {
    const form = 'amount=999';
    const r = await send({
      method: 'POST',
      target: '/p?amount=1',
      headers: signed({
        method: 'POST',
        signedPath: '/p?amount=1',
        headers: {'content-type': 'application/x-www-form-urlencoded'},
      }),
      body: form,
    });
    assert.deepEqual([r.status, r.message], [400, 'Repeated Parameter']);
  });

  test('two AppCode parameters, or an AppCode header and parameter, are ambiguous', async () => {
    let r = await send({target: `/c?AppCode=${code}&AppCode=unknown`});
    assert.deepEqual([r.status, r.message], [400, 'Ambiguous Credentials']);
    r = await send({
      target: '/c?AppCode=unknown',
      headers: {authorization: `APPCODE ${code}`},
    });
    assert.deepEqual([r.status, r.message], [400, 'Ambiguous Credentials']);
    // Each alone passes.
    r = await send({target: '/c', headers: {authorization: `APPCODE ${code}`}});
    assert.equal(r.status, 200, r.message);
    r = await send({target: `/c?AppCode=${code}`});
    assert.equal(r.status, 200, r.message);
  });

  test('an X-Ca signature and an AppCode together are ambiguous', async () => {
    const r = await send({
      target: '/both',
      headers: {...signed({signedPath: '/both'}), authorization: `APPCODE ${code}`},
    });
    assert.deepEqual([r.status, r.message], [400, 'Ambiguous Credentials']);
  });
});

describe('replay protection does not depend on the client', () => {
  test('a timestamp and nonce left out of X-Ca-Signature-Headers are refused', async () => {
    const headers = signed({signedPath: '/r', names: ['x-ca-key']});
    let r = await send({target: '/r', headers});
    assert.deepEqual([r.status, r.message], [400, 'Header X-Ca-Timestamp is not Signed']);
    // The same signature with fresh values, or with none.
    r = await send({
      target: '/r',
      headers: {...headers, 'x-ca-timestamp': String(Date.now()), 'x-ca-nonce': randomUUID()},
    });
    assert.deepEqual([r.status, r.message], [400, 'Header X-Ca-Timestamp is not Signed']);
    const {'x-ca-timestamp': ts, 'x-ca-nonce': nonce, ...bare} = headers;
    assert.ok(ts && nonce);
    r = await send({target: '/r', headers: bare});
    assert.deepEqual([r.status, r.message], [400, 'Header X-Ca-Timestamp is Required']);
    // A signed timestamp with an unsigned nonce.
    r = await send({
      target: '/r',
      headers: signed({signedPath: '/r', names: ['x-ca-key', 'x-ca-timestamp']}),
    });
    assert.deepEqual([r.status, r.message], [400, 'Header X-Ca-Nonce is not Signed']);
  });

  test('by default both are required; tollgate_replay_headers optional', async () => {
    let r = await send({target: '/r', headers: signed({signedPath: '/r', omit: ['x-ca-nonce']})});
    assert.deepEqual([r.status, r.message], [400, 'Header X-Ca-Nonce is Required']);
    r = await send({
      target: '/r',
      headers: signed({signedPath: '/r', omit: ['x-ca-timestamp', 'x-ca-nonce']}),
    });
    assert.deepEqual([r.status, r.message], [400, 'Header X-Ca-Timestamp is Required']);
    r = await send({
      target: '/r',
      headers: signed({signedPath: '/r', headers: {'x-ca-nonce': ''}}),
    });
    assert.deepEqual([r.status, r.message], [400, 'Invalid Nonce']);

    // Where they are optional, a call may leave them out; but what is
    // sent must still be signed.
    r = await send({
      target: '/optional/r',
      headers: signed({signedPath: '/optional/r', omit: ['x-ca-timestamp', 'x-ca-nonce']}),
    });
    assert.equal(r.status, 200, r.message);
    r = await send({
      target: '/optional/r',
      headers: signed({signedPath: '/optional/r', names: ['x-ca-key', 'x-ca-timestamp']}),
    });
    assert.deepEqual([r.status, r.message], [400, 'Header X-Ca-Nonce is not Signed']);
    // A nonce without a timestamp is once per AppKey too.
    const nonceOnly = signed({signedPath: '/optional/r', omit: ['x-ca-timestamp']});
    r = await send({target: '/optional/r', headers: nonceOnly});
    assert.equal(r.status, 200, r.message);
    r = await send({target: '/optional/r', headers: nonceOnly});
    assert.deepEqual([r.status, r.message], [400, 'Nonce Used']);
  });

  test('an over-long key and nonce is the client\'s error (400), not a retry (503)', async () => {
    const r = await send({
      target: '/n',
      headers: signed({signedPath: '/n', headers: {'x-ca-nonce': 'n'.repeat(600)}}),
    });
    assert.deepEqual([r.status, r.message], [400, 'Invalid Nonce']);
  });
});

test('header names count in any case, once collected', async () => {
  const headers = {};
  for (const [name, value] of Object.entries(signed({signedPath: '/case'}))) {
    headers[name.toUpperCase()] = value;
  }
  let r = await send({target: '/case', headers});
  assert.equal(r.status, 200, r.message);
  for (const [name, value] of Object.entries(signed({signedPath: '/case'}))) {
    headers[name.toUpperCase()] = value;
  }
  headers['X-CA-NONCE'] = [headers['X-CA-NONCE'], headers['X-CA-NONCE']];
  r = await send({target: '/case', headers});
  assert.deepEqual([r.status, r.message], [400, 'Duplicate Header X-Ca-Nonce']);
});

describe('duplicate credential headers', () => {
  for (const name
           of ['x-ca-key', 'x-ca-signature', 'x-ca-timestamp', 'x-ca-nonce', 'x-ca-stage',
               'x-ca-signature-method', 'x-ca-signature-headers']) {
    test(`two ${name} headers are refused`, async () => {
      const headers = signed({signedPath: '/d', headers: {'x-ca-stage': 'RELEASE'}});
      headers[name] = [headers[name], name === 'x-ca-key' ? 'OtherKey_0001' : headers[name]];
      const r = await send({target: '/d', headers});
      const spelled = name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()).replace('X-Ca', 'X-Ca');
      assert.equal(r.status, 400);
      assert.equal(r.message.toLowerCase(), `duplicate header ${spelled}`.toLowerCase());
    });
  }

  test('a signed header of the client\'s sent twice is refused', async () => {
    const headers = signed({signedPath: '/d', headers: {'x-ca-custom': 'one'}});
    headers['x-ca-custom'] = ['one', 'two'];
    const r = await send({target: '/d', headers});
    assert.deepEqual([r.status, r.message], [400, 'Duplicate Header x-ca-custom']);
  });

  test('two Authorization headers, or Content-MD5, are refused', async () => {
    // nginx itself refuses a second Authorization (the module would too).
    let r = await send({
      target: '/d',
      headers: {authorization: [`APPCODE ${code}`, 'APPCODE unknown']},
    });
    assert.equal(r.status, 400);
    const md5 = createHash('md5').update('abc').digest('base64');
    const headers = signed({
      method: 'POST',
      signedPath: '/d',
      headers: {'content-type': 'text/plain', 'content-md5': md5},
    });
    headers['content-md5'] = [md5, md5];
    r = await send({method: 'POST', target: '/d', headers, body: 'abc'});
    assert.deepEqual([r.status, r.message], [400, 'Duplicate Header Content-MD5']);
  });
});

describe('chunked bodies', () => {
  const md5 = (s) => createHash('md5').update(s).digest('base64');

  test('a 3-byte chunked body under Content-MD5 is read and verified', async () => {
    const headers = () => signed({
      method: 'POST',
      signedPath: '/b',
      headers: {'content-type': 'text/plain', 'content-md5': md5('abc')},
    });
    let r =
        await send({method: 'POST', target: '/b', headers: headers(), body: 'abc', chunked: true});
    assert.equal(r.status, 200, r.message);
    assert.equal(r.seen.body, 'abc');
    r = await send({method: 'POST', target: '/b', headers: headers(), body: 'abd', chunked: true});
    assert.deepEqual([r.status, r.message], [400, 'Invalid Content-MD5']);
  });

  test('a chunked form body is signed through its parameters', async () => {
    const form = {'content-type': 'application/x-www-form-urlencoded'};
    const r = await send({
      method: 'POST',
      target: '/f?z=1',
      headers: signed({method: 'POST', signedPath: '/f?a=x&b&z=1', headers: form}),
      body: 'a=x&b=',
      chunked: true,
    });
    assert.equal(r.status, 200, r.message);
    assert.equal(r.seen.body, 'a=x&b=');
  });

  test('a chunked body over tollgate_body_max is still 413', async () => {
    const body = 'x'.repeat(1025);
    const r = await send({
      method: 'POST',
      target: '/b',
      headers: signed({
        method: 'POST',
        signedPath: '/b',
        headers: {'content-type': 'text/plain', 'content-md5': md5(body)},
      }),
      body,
      chunked: true,
    });
    assert.deepEqual([r.status, r.message], [413, 'Request body too Large']);
  });
});

test('the production module carries no test code: tollgate_echo is not its directive', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-echo-'));
  try {
    const conf = path.join(dir, 'nginx.conf');
    const write = (modules) => writeFile(conf, `${modules}
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events {}
http { server { listen 127.0.0.1:1; location / { tollgate_echo; } } }
`);
    const test = () => spawnSync(
        process.env.TOLLGATE_NGINX || '/usr/sbin/nginx', ['-t', '-p', dir, '-c', conf],
        {encoding: 'utf8'});
    await write(`load_module ${moduleFile};`);
    let r = test();
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown directive "tollgate_echo"/);
    const echo =
        moduleFile.replace(/ngx_http_tollgate_module\.so$/, 'ngx_http_tollgate_echo_module.so');
    await write(`load_module ${moduleFile};\nload_module ${echo};`);
    r = test();
    assert.equal(r.status, 0, r.stderr);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
});
