// Transport security of the management API: tollgated serves HTTPS with a
// certificate this test makes (a CA and a leaf it signs, with the openssl
// CLI); the CLI (--cacert, TOLLGATE_CACERT), a vendor's SDK (Authing's)
// and tollgate up talk to it over https; and --require-tls (on by
// default) answers plain HTTP only to clients on the loopback.

import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import crypto from 'node:crypto';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import https from 'node:https';
import {networkInterfaces, tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {eventually, freePort, startGateway} from './lib/gateway.mjs';
import {ADMIN_ID, ADMIN_SECRET, binDir, SANITIZER, startTollgated} from './lib/tollgated.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const AUTH = 'Basic ' + Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64');

// A local address that is not loopback, if this host has one.
const OUTSIDE = Object.values(networkInterfaces())
                    .flat()
                    .find((a) => a && a.family === 'IPv4' && !a.internal)
                    ?.address;

// And an IPv6 one (not link-local), to test ::1 against it.
const OUTSIDE6 =
    Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv6' && !a.internal && !a.address.startsWith('fe80'))
        ?.address;

let dir, ca, cert, key;

function openssl(...args) {
  const r = spawnSync('openssl', args, {cwd: dir, encoding: 'utf8'});
  assert.equal(r.status, 0, r.stderr);
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tollgate-tls-'));
  ca = path.join(dir, 'ca.pem');
  cert = path.join(dir, 'cert.pem');
  key = path.join(dir, 'key.pem');
  openssl(
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout',
      'ca-key.pem', '-out', ca, '-days', '1', '-subj', '/CN=Tollgate test CA');
  openssl(
      'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
      '-out', 'leaf.csr', '-subj', '/CN=localhost');
  const san = `subjectAltName=DNS:localhost,IP:127.0.0.1${OUTSIDE ? `,IP:${OUTSIDE}` : ''}`;
  await writeFile(path.join(dir, 'leaf.ext'), `${san}\n`);
  openssl(
      'x509', '-req', '-in', 'leaf.csr', '-CA', ca, '-CAkey', 'ca-key.pem', '-CAcreateserial',
      '-out', cert, '-days', '1', '-extfile', 'leaf.ext');
});

after(async () => {
  await rm(dir, {recursive: true, force: true});
});

// One https request: {status, json}; rejects when TLS fails.
function httpsCall(url, {method = 'GET', ca: trust, body, auth = AUTH} = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(
        url, {
          method,
          ca: trust,
          headers: {
            ...(auth ? {authorization: auth} : {}),
            ...(body ? {'content-type': 'application/json'} : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => text += c);
          res.on('end', () => resolve({
                          status: res.statusCode,
                          headers: res.headers,
                          json: text ? JSON.parse(text) : null,
                        }));
        });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

function cli(args, env = {}) {
  return spawnSync(path.join(binDir, 'tollgate'), args, {
    encoding: 'utf8',
    env: {PATH: process.env.PATH, HOME: '/nonexistent', ...env},
  });
}

describe('tollgated over HTTPS', () => {
  let d, base, caPem;

  before(async () => {
    d = await startTollgated({args: ['--tls-cert', cert, '--tls-key', key]});
    base = `https://127.0.0.1:${d.port}`;
    caPem = await readFile(ca, 'utf8');
    assert.match(d.stderr, /"tls":"on"/);
  });

  after(async () => {
    await d.stop();
  });

  test('answers over TLS with a certificate its CA verifies', async () => {
    const res = await httpsCall(`${base}/v1/whoami`, {ca: caPem});
    assert.equal(res.status, 200);
    assert.equal(res.json.access_key_id, ADMIN_ID);
    await assert.rejects(httpsCall(`${base}/v1/whoami`), /self.signed|unable to (get|verify)/i);
  });

  test('a policy that asks for acs:SecureTransport allows a call over TLS', async () => {
    const made = await httpsCall(
        `${base}/v1/accounts/default/access-keys`, {method: 'POST', ca: caPem, body: {}});
    assert.equal(made.status, 201);
    const secure = {
      Statement: [{
        Effect: 'Allow',
        Action: 'apigateway:Describe*',
        Resource: '*',
        Condition: {Bool: {'acs:SecureTransport': 'true'}},
      }],
    };
    const att = await httpsCall(
        `${base}/v1/accounts/default/access-keys/${made.json.id}/policies`,
        {method: 'POST', ca: caPem, body: {name: 'tls_only', document: secure}});
    assert.equal(att.status, 201);
    const auth = 'Basic ' + Buffer.from(`${made.json.id}:${made.json.secret}`).toString('base64');
    const listed = await httpsCall(`${base}/v1/apps`, {ca: caPem, auth});
    assert.equal(listed.status, 200);
    const denied = await httpsCall(
        `${base}/v1/apps`, {method: 'POST', ca: caPem, auth, body: {name: 'tls_denied'}});
    assert.equal(denied.status, 403);
  });

  test('a console session cookie is Secure over TLS', async () => {
    const res = await httpsCall(`${base}/v1/sessions`, {
      method: 'POST',
      ca: caPem,
      auth: null,
      body: {access_key_id: ADMIN_ID, access_key_secret: ADMIN_SECRET},
    });
    assert.equal(res.status, 201);
    assert.match(String(res.headers['set-cookie']), /; HttpOnly; SameSite=Strict; Secure$/);
  });

  test('plain HTTP gets no answer on the TLS port', async () => {
    await assert.rejects(
        fetch(`http://127.0.0.1:${d.port}/v1/whoami`, {headers: {authorization: AUTH}}));
  });

  test('the CLI talks https with --cacert or TOLLGATE_CACERT', () => {
    const common =
        ['--endpoint', base, '--access-key-id', ADMIN_ID, '--access-key-secret', ADMIN_SECRET];
    const made = cli([...common, '--cacert', ca, '--json', 'app', 'create', 'tls_app']);
    assert.equal(made.status, 0, made.stderr);
    assert.equal(JSON.parse(made.stdout).name, 'tls_app');
    const listed = cli([...common, 'app', 'list'], {TOLLGATE_CACERT: ca});
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /tls_app/);
    const untrusted = cli([...common, 'app', 'list']);
    assert.equal(untrusted.status, 3, untrusted.stderr);
    assert.match(untrusted.stderr, /cannot reach https:/);
  });

  test('a vendor SDK (Authing\'s) talks https', async () => {
    const made = await httpsCall(
        `${base}/v1/apps`, {method: 'POST', ca: caPem, body: {name: 'tls_sdk_app'}});
    assert.equal(made.status, 201);
    const script = `
      import {client} from ${JSON.stringify(path.join(here, 'lib/authing.mjs'))};
      const admin = client({url: ${JSON.stringify(base)}});
      const app = await admin.getApplication({appId: ${JSON.stringify(made.json.id)}});
      const secret = await admin.refreshApplicationSecret({appId: ${JSON.stringify(made.json.id)}});
      console.log(JSON.stringify({got: app.statusCode, name: app.data.appName,
                                  refreshed: secret.statusCode}));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: {...process.env, NODE_EXTRA_CA_CERTS: ca},
    });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout.trim().split('\n').pop());
    assert.deepEqual(out, {got: 200, name: 'tls_sdk_app', refreshed: 200}, run.stdout);
  });
});

describe('--require-tls', () => {
  test(
      'refuses plain HTTP from a non-loopback client, not from loopback', {
        skip: OUTSIDE ? false : 'this host has no non-loopback address',
      },
      async () => {
        const d = await startTollgated({args: ['--listen', '0.0.0.0:0']});
        try {
          const outside = await fetch(
              `http://${OUTSIDE}:${d.port}/v1/whoami`, {headers: {authorization: AUTH}});
          assert.equal(outside.status, 403);
          const body = await outside.json();
          assert.equal(body.error.code, 'tls_required');
          assert.match(body.error.message, /loopback/);
          const inside =
              await fetch(`http://127.0.0.1:${d.port}/v1/whoami`, {headers: {authorization: AUTH}});
          assert.equal(inside.status, 200);
          await inside.arrayBuffer();
        } finally {
          await d.stop();
        }
      });

  test(
      'over IPv6: ::1 is loopback, another address is not', {
        skip: OUTSIDE6 ? false : 'this host has no non-loopback IPv6 address',
      },
      async () => {
        const d = await startTollgated({args: ['--listen', '[::]:0']});
        try {
          const outside = await fetch(
              `http://[${OUTSIDE6}]:${d.port}/v1/whoami`, {headers: {authorization: AUTH}});
          assert.equal(outside.status, 403);
          assert.equal((await outside.json()).error.code, 'tls_required');
          const inside =
              await fetch(`http://[::1]:${d.port}/v1/whoami`, {headers: {authorization: AUTH}});
          assert.equal(inside.status, 200);
          await inside.arrayBuffer();
        } finally {
          await d.stop();
        }
      });

  test(
      'off, plain HTTP is answered from anywhere', {
        skip: OUTSIDE ? false : 'this host has no non-loopback address',
      },
      async () => {
        const d = await startTollgated({args: ['--listen', '0.0.0.0:0', '--require-tls', 'off']});
        try {
          const outside = await fetch(
              `http://${OUTSIDE}:${d.port}/v1/whoami`, {headers: {authorization: AUTH}});
          assert.equal(outside.status, 200);
          await outside.arrayBuffer();
        } finally {
          await d.stop();
        }
      });

  test('a certificate without its key is refused at start', async () => {
    await assert.rejects(startTollgated({args: ['--tls-cert', cert]}), /tls_cert and tls_key/);
    await assert.rejects(
        startTollgated({args: ['--tls-cert', cert, '--tls-key', path.join(dir, 'none.pem')]}),
        /none\.pem/);
  });
});

test('tollgate up passes the TLS options on and talks https', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tollgate-up-tls-'));
  const adminPort = await freePort();
  const gatewayPort = await freePort();
  const proc = spawn(
      path.join(binDir, 'tollgate'),
      [
        'up', '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${adminPort}`, '--gateway-listen',
        `127.0.0.1:${gatewayPort}`, '--tls-cert', cert, '--tls-key', key
      ],
      {env: {PATH: process.env.PATH, HOME: '/nonexistent'}});
  let out = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (c) => out += c);
  proc.stderr.on('data', (c) => out += c);
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20000;
    while (!out.includes('Ctrl-C stops both.')) {
      assert.ok(Date.now() < deadline && proc.exitCode === null, out);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(out, /registered the API "default"/);
    assert.match(out, new RegExp(`admin     https://127\\.0\\.0\\.1:${adminPort}`));
    assert.match(out, new RegExp(`export TOLLGATE_CACERT=${cert.replace(/[.]/g, '\\.')}`));
    const res = await httpsCall(
        `https://127.0.0.1:${adminPort}/v1/apis/default`, {ca: await readFile(ca, 'utf8')});
    assert.equal(res.status, 401, 'the admin key of up is its own, not the test\'s');
  } finally {
    proc.kill('SIGINT');
  }
  assert.equal(await exited, 0, out);
  assert.doesNotMatch(out, SANITIZER);
  await rm(dataDir, {recursive: true, force: true});
});

// docs/gateway.md's TLS example: nginx's own TLS in front of the module,
// a call signed with Alibaba's X-Ca scheme over https.
test('the gateway over nginx\'s TLS: a signed call passes', async () => {
  const www = path.join(dir, 'www');
  await mkdir(www, {recursive: true});
  await writeFile(path.join(www, 'hello.txt'), 'hello over tls\n');
  const port = await freePort();
  const gw = await startGateway({
    locations: (upstream) => `location / { proxy_pass ${upstream}; }`,
    servers: `
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate     ${cert};
    ssl_certificate_key ${key};
    ssl_protocols       TLSv1.2 TLSv1.3;
    location / {
      tollgate on;
      tollgate_api default;
      root ${www};
    }
  }`,
  });
  try {
    const api = await gw.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
    assert.equal(api.status, 201, api.text);
    const app = (await gw.admin.call('POST', '/v1/apps', {body: {name: 'tls_gateway'}})).json;
    await gw.admin.call('PUT', `/v1/apps/${app.id}/grants/default`, {body: {}});
    const caPem = await readFile(ca, 'utf8');
    const signed = () => {
      const h = {
        'x-ca-key': app.app_key,
        'x-ca-nonce': crypto.randomUUID(),
        'x-ca-timestamp': String(Date.now()),
        accept: 'text/plain',
      };
      const names = ['x-ca-key', 'x-ca-nonce', 'x-ca-timestamp'];
      const sts = [
        'GET', h.accept, '', '', '', ...names.map((n) => `${n}:${h[n]}`), '/hello.txt'
      ].join('\n');
      h['x-ca-signature-headers'] = names.join(',');
      h['x-ca-signature'] =
          crypto.createHmac('sha256', app.app_secret).update(sts).digest('base64');
      return new Promise((resolve, reject) => {
        https
            .get(
                `https://127.0.0.1:${port}/hello.txt`, {ca: caPem, headers: h},
                (res) => {
                  let text = '';
                  res.setEncoding('utf8');
                  res.on('data', (c) => text += c);
                  res.on('end', () => resolve({status: res.statusCode, text}));
                })
            .on('error', reject);
      });
    };
    await eventually(async () => (await signed()).status === 200);
    assert.equal((await signed()).text, 'hello over tls\n');
  } finally {
    await gw.stop();
  }
});
