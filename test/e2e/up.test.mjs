// tollgate up: the whole stack from one command.  It starts tollgated and
// nginx with the module, registers the API "default", answers a signed
// call through the sample echo upstream, and stops both on SIGINT.

import aliyun from 'aliyun-api-gateway';
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {freePort} from './lib/gateway.mjs';
import {SANITIZER} from './lib/tollgated.mjs';
import {refuses, up} from './lib/up.mjs';

async function admin(dataDir, port, method, pathname, body) {
  const text = await readFile(path.join(dataDir, 'admin-access-key'), 'utf8');
  const id = text.match(/^access_key_id = (\S+)$/m)[1];
  const secret = text.match(/^access_key_secret = (\S+)$/m)[1];
  const res = await fetch(`http://127.0.0.1:${port}${pathname}`, {
    method,
    headers: {
      authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64'),
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {status: res.status, json: await res.json()};
}

test(
    'tollgate up serves a signed call through the sample upstream, and Ctrl-C stops both',
    async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'tollgate-up-'));
      const adminPort = await freePort();
      const gatewayPort = await freePort();
      const run = await up([
        '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${adminPort}`, '--gateway-listen',
        `127.0.0.1:${gatewayPort}`
      ]);
      try {
        assert.match(run.out, /registered the API "default"/);
        assert.match(run.out, new RegExp(`gateway   http://127\\.0\\.0\\.1:${gatewayPort}`));
        assert.match(run.out, new RegExp(`admin     http://127\\.0\\.0\\.1:${adminPort}`));
        assert.match(run.out, /tollgate sign --app demo/);
        assert.match(
            run.out, new RegExp(`web console: http://127\\.0\\.0\\.1:${adminPort}/console/`));

        assert.equal((await admin(dataDir, adminPort, 'GET', '/v1/apis/default')).status, 200);
        const app = (await admin(dataDir, adminPort, 'POST', '/v1/apps', {name: 'demo'})).json;
        assert.equal(
            (await admin(dataDir, adminPort, 'PUT', `/v1/apps/${app.id}/grants/default`, {}))
                .status,
            201);

        const client = new aliyun.Client(app.app_key, app.app_secret);
        let echo;
        const deadline = Date.now() + 3000;
        while (!echo) {
          try {
            echo = await client.get(`http://127.0.0.1:${gatewayPort}/hello?name=world`);
          } catch (err) {
            if (Date.now() > deadline) {
              throw err;
            }
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
        // The sample upstream shows what the gateway passed on.
        assert.equal(echo.method, 'GET');
        assert.equal(echo.uri, '/hello?name=world');
        assert.equal(echo.headers['X-Tollgate-App-Id'], String(app.app_id));
        assert.equal(echo.headers['X-Tollgate-Scheme'], 'alibaba');
        assert.equal(echo.headers['x-ca-signature'], undefined);

        // A credential in the URL never reaches the access log: the shipped
        // log_format logs the path, not the query.
        const secret = 'urlAppCodeSecret0123456789abcdef';
        const res = await fetch(`http://127.0.0.1:${gatewayPort}/logged?AppCode=${secret}`);
        assert.ok(res.status >= 400, `${res.status}`);
        await res.arrayBuffer();
        // Nor through a refusal's message: a bad X-Ca signature's message
        // holds the server's string to sign, query included; the log keeps
        // only its reason.
        const signedSecret = 'urlSignedAppCode0123456789abcdef';
        await assert.rejects(
            new aliyun.Client(app.app_key, 'not-the-secret')
                .get(`http://127.0.0.1:${gatewayPort}/logged?AppCode=${signedSecret}`));
        const log = await readFile(path.join(dataDir, 'nginx/access.log'), 'utf8');
        assert.match(log, /"GET \/logged"/);
        assert.match(log, /"GET \/logged" 40\d alibaba \S+ "Invalid Signature"/);
        assert.doesNotMatch(log, new RegExp(secret));
        assert.doesNotMatch(log, new RegExp(signedSecret));
        assert.doesNotMatch(log, /StringToSign/);
        assert.doesNotMatch(log, /name=world/);

        // The rendered configuration is kept for the operator to copy.
        const conf = await readFile(path.join(dataDir, 'nginx/nginx.conf'), 'utf8');
        assert.match(conf, /tollgate_api default;/);
        assert.doesNotMatch(conf, /@[A-Z_]+@/);
      } finally {
        run.proc.kill('SIGINT');
      }
      const {code} = await run.exited;
      assert.equal(code, 0, run.out);
      assert.match(run.out, /stopping/);
      assert.ok(await refuses(gatewayPort), 'nginx still listens');
      assert.ok(await refuses(adminPort), 'tollgated still listens');
      assert.doesNotMatch(run.out, SANITIZER);
      await rm(dataDir, {recursive: true, force: true});
    });

test('tollgate up with --upstream, and a kept nginx.conf', async () => {
  const upstream = http.createServer((req, res) => {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({mine: true, app: req.headers['x-tollgate-app-id']}));
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tollgate-up-'));
  const adminPort = await freePort();
  const gatewayPort = await freePort();
  const args = [
    '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${adminPort}`, '--gateway-listen',
    `127.0.0.1:${gatewayPort}`, '--upstream', `http://127.0.0.1:${upstream.address().port}`
  ];
  // The upstream is closed whatever happens, or the runner would wait on it.
  try {
    await upWithUpstream(args, dataDir, adminPort, gatewayPort);
  } finally {
    await new Promise((resolve) => upstream.close(resolve));
    await rm(dataDir, {recursive: true, force: true});
  }
});

async function upWithUpstream(args, dataDir, adminPort, gatewayPort) {
  let run = await up(args);
  assert.match(run.out, /Ctrl-C stops both\./, run.out);
  try {
    const app = (await admin(dataDir, adminPort, 'POST', '/v1/apps', {name: 'mine'})).json;
    await admin(dataDir, adminPort, 'PUT', `/v1/apps/${app.id}/grants/default`, {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    const client = new aliyun.Client(app.app_key, app.app_secret);
    const answer = await client.get(`http://127.0.0.1:${gatewayPort}/x`);
    assert.deepEqual(answer, {mine: true, app: String(app.app_id)});
  } finally {
    run.proc.kill('SIGTERM');
  }
  assert.equal((await run.exited).code, 0, run.out);

  // A second start with the kept (here unchanged) file, and a missing
  // nginx binary: tollgated is stopped again and the exit says why.
  run = await up([
    ...args, '--nginx-conf', path.join(dataDir, 'nginx/nginx.conf'), '--nginx', '/nonexistent/nginx'
  ]);
  const {code} = await run.exited;
  assert.notEqual(code, 0);
  assert.match(run.out, /cannot run \/nonexistent\/nginx/);
  assert.match(run.out, /nginx did not start: it exited with status 127/);
  assert.ok(await refuses(adminPort), 'tollgated still listens');
}
