// The HTTP surface and the settings: request ids, routes and methods, the
// body cap at its edge, the request log, and how settings are given.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {ADMIN_ID, ADMIN_SECRET, binDir, startTollgated} from './lib/tollgated.mjs';

describe('protocol', () => {
  let d;

  before(async () => {
    d = await startTollgated({args: ['--max-body', '1024']});
  });

  after(async () => {
    await d.stop();
  });

  test('every response carries a fresh X-Request-Id', async () => {
    const ids = new Set();
    const responses = [
      await d.call('GET', '/healthz', {auth: null}),
      await d.call('GET', '/v1/apps'),
      await d.call('GET', '/v1/apps', {auth: null}),
      await d.call('GET', '/v1/nowhere'),
      await d.call('PUT', '/v1/apps'),
      await d.call('POST', '/v1/apps', {raw: 'x', headers: {'content-type': 'text/plain'}}),
      await d.call('POST', '/v1/apps', {
        raw: '{"name":"' +
            'x'.repeat(2000) + '"}',
        headers: {'content-type': 'application/json'}
      }),
    ];
    for (const r of responses) {
      const id = r.headers.get('x-request-id');
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
    assert.equal(ids.size, responses.length);
  });

  test('healthz needs no key; everything else does', async () => {
    const res = await d.call('GET', '/healthz', {auth: null});
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'ok');
    assert.equal(res.json.projection.error, null);
    for (const p of ['/v1/whoami', '/v1/apps', '/v1/apis', '/v1/accounts', '/v1/audit']) {
      assert.equal((await d.call('GET', p, {auth: null})).status, 401, p);
    }
  });

  test('unknown routes are 404; known routes with another method are 405', async () => {
    let res = await d.call('GET', '/v2/apps');
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'route_not_found');
    res = await d.call('PUT', '/v1/apps');
    assert.equal(res.status, 405);
    assert.equal(res.json.error.code, 'method_not_allowed');
    assert.equal(res.headers.get('allow'), 'POST, GET');
    res = await d.call('POST', '/v1/apps/abc');
    assert.equal(res.headers.get('allow'), 'GET, PATCH, DELETE');
    // A trailing slash names the same resource.
    assert.equal((await d.call('GET', '/v1/apps/')).status, 200);
    assert.equal((await d.call('GET', '/v1//apps')).status, 404);
  });

  test('the body cap holds at its edge', async () => {
    // Exactly 1024 bytes is read; 1025 is refused unread with 413.
    const exact = '{"name":"' +
        'x'.repeat(1024 - 12) + '"}';
    assert.equal(Buffer.byteLength(exact), 1023);
    const pad = (s, n) => s + ' '.repeat(n - Buffer.byteLength(s));
    let res = await d.call(
        'POST', '/v1/apps', {raw: pad(exact, 1024), headers: {'content-type': 'application/json'}});
    assert.equal(res.status, 422, res.text);  // read and judged: the name is too long
    assert.equal(res.json.error.field, 'name');
    res = await d.call(
        'POST', '/v1/apps', {raw: pad(exact, 1025), headers: {'content-type': 'application/json'}});
    assert.equal(res.status, 413, res.text);
    assert.equal(res.json.error.code, 'body_too_large');
  });

  test('a chunked body beyond the cap is refused too', async () => {
    const status = await new Promise((resolve, reject) => {
      const sock = net.connect(d.port, '127.0.0.1');
      let data = '';
      sock.on('data', (b) => {
        data += b;
      });
      sock.on('end', () => resolve(Number(data.split(' ')[1])));
      sock.on('error', reject);
      const auth = Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64');
      const chunk = 'x'.repeat(600);
      sock.write(
          'POST /v1/apps HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' +
          `Authorization: Basic ${auth}\r\nContent-Type: application/json\r\n` +
          'Transfer-Encoding: chunked\r\n\r\n');
      sock.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      sock.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
    });
    assert.equal(status, 413);
  });

  test('one JSON log line per request, without query strings', async () => {
    const res = await d.call('GET', '/v1/apps?name=secretish-query-value');
    const id = res.headers.get('x-request-id');
    await new Promise((r) => setTimeout(r, 50));
    const line = d.logLines.find((l) => l.msg === 'request' && l.id === id);
    assert.ok(line, d.stderr.slice(-500));
    assert.equal(line.method, 'GET');
    assert.equal(line.path, '/v1/apps');
    assert.equal(line.status, 200);
    assert.equal(line.actor, ADMIN_ID);
    assert.equal(line.remote, '127.0.0.1');
    assert.equal(typeof line.ms, 'number');
    assert.ok(!d.stderr.includes('secretish-query-value'));
  });
});

describe('settings', () => {
  const bin = () => path.join(binDir, 'tollgated');

  test('--help lists every setting with its flag and variable', () => {
    const res = spawnSync(bin(), ['--help'], {encoding: 'utf8'});
    assert.equal(res.status, 0);
    for (const name
             of ['data-dir', 'listen', 'log-format', 'log-level', 'threads', 'max-body', 'max-apps',
                 'max-key-pairs', 'max-codes', 'max-grace-seconds', 'app-write-rate',
                 'app-write-burst', 'code-reset-interval', 'sync', 'admin-access-key-id',
                 'admin-access-key-secret', 'config']) {
      assert.match(
          res.stdout, new RegExp(`--${name} +TOLLGATE_${name.toUpperCase().replaceAll('-', '_')}`));
    }
    assert.match(spawnSync(bin(), ['--version'], {encoding: 'utf8'}).stdout, /^tollgated \d/);
  });

  test('bad settings stop the daemon with a message naming them', () => {
    const cases = [
      [['--bogus', '1'], /unknown flag --bogus/],
      [['--max-apps', '0'], /--max-apps: max_apps must be an integer from 1/],
      [['--max-apps', '2.5'], /max_apps must be an integer/],
      [['--log-format', 'xml'], /log_format must be one of text\|json/],
      [['--threads'], /--threads needs a value/],
      [['--listen', 'nonsense'], /listen: expected host:port/],
      [['--admin-access-key-id', 'abcd'], /go together/],
    ];
    // A fresh data directory each time: one left by another build could
    // hold a newer schema and fail earlier than the setting does.
    for (const [args, re] of cases) {
      const dir = mkdtempSync(path.join(tmpdir(), 'tg-unused-'));
      const res =
          spawnSync(bin(), ['--data-dir', dir, ...args], {encoding: 'utf8', timeout: 10000});
      rmSync(dir, {recursive: true, force: true});
      assert.notEqual(res.status, 0, args.join(' '));
      assert.match(res.stderr, re, res.stderr);
    }
    const env = {...process.env, TOLLGATE_MAX_CODES: '101'};
    const res = spawnSync(bin(), ['--help-not'], {encoding: 'utf8', env});
    assert.equal(res.status, 2);
    assert.match(res.stderr, /TOLLGATE_MAX_CODES: max_codes must be an integer from 1 to 100/);
  });

  test('config file < environment < flags', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-conf-'));
    const conf = path.join(dir, 'tollgated.conf');
    await writeFile(conf, '# settings\nmax_apps = 1\nmax_codes = "2"\n\nlog_level = warn\n');
    try {
      // The file says 1 app; the environment says 2; no flag: 2 apps pass.
      const d = await startTollgated(
          {args: ['--config', conf, '--log-level', 'info'], env: {TOLLGATE_MAX_APPS: '2'}});
      try {
        assert.equal((await d.call('POST', '/v1/apps', {body: {name: 'c1'}})).status, 201);
        assert.equal((await d.call('POST', '/v1/apps', {body: {name: 'c2'}})).status, 201);
        assert.equal((await d.call('POST', '/v1/apps', {body: {name: 'c3'}})).status, 409);
        const app = (await d.call('GET', '/v1/apps?name=c1')).json.items[0];
        for (let i = 0; i < 2; i++) {
          assert.equal((await d.call('POST', `/v1/apps/${app.id}/codes`)).status, 201);
        }
        assert.equal((await d.call('POST', `/v1/apps/${app.id}/codes`)).status, 409);
      } finally {
        await d.stop();
      }
      // A flag beats the environment.
      const f = await startTollgated({
        args: ['--config', conf, '--log-level', 'info', '--max-apps', '1'],
        env: {TOLLGATE_MAX_APPS: '2'}
      });
      try {
        assert.equal((await f.call('POST', '/v1/apps', {body: {name: 'f1'}})).status, 201);
        assert.equal((await f.call('POST', '/v1/apps', {body: {name: 'f2'}})).status, 409);
      } finally {
        await f.stop();
      }
      await writeFile(conf, 'no_such_setting = 1\n');
      let res = spawnSync(bin(), ['--config', conf], {encoding: 'utf8'});
      assert.equal(res.status, 2);
      assert.match(res.stderr, /tollgated\.conf:1: unknown setting "no_such_setting"/);
      await writeFile(conf, 'listen\n');
      res = spawnSync(bin(), ['--config', conf], {encoding: 'utf8'});
      assert.match(res.stderr, /tollgated\.conf:1: expected "name = value"/);
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  });

  test('text logs are one line per event', async () => {
    const d = await startTollgated({args: ['--log-format', 'text']});
    try {
      await d.call('GET', '/v1/apps');
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await d.stop();
    }
    assert.match(
        d.stderr,
        /^\d{4}-\d\d-\d\dT[\d:.]+Z info {2}request id=[0-9a-f-]{36} remote=127\.0\.0\.1 method=GET path=\/v1\/apps status=200 /m);
  });
});

describe('hostile text', () => {
  let d;

  before(async () => {
    d = await startTollgated();
  });

  after(async () => {
    await d.stop();
  });

  test(
      'invalid UTF-8 in paths and queries never breaks a response, the audit or the log',
      async () => {
        let res = await d.call('DELETE', '/v1/apps/%FF%FEabc');
        assert.equal(res.status, 404);
        res = await d.call('GET', '/v1/apps?%FF%01=1');
        assert.equal(res.status, 400);
        assert.equal(res.json.error.code, 'bad_request');
        assert.match(res.json.error.message, /unknown query parameter "\?\?"/);
        res = await d.call('GET', '/v1/apis/%C3%28');
        assert.equal(res.status, 404);
        const audit = await d.call('GET', '/v1/audit?action=app.delete');
        assert.equal(audit.status, 200, audit.text);
        assert.equal(audit.json.items[0].target.id, '??abc');
        await new Promise((r) => setTimeout(r, 50));
        for (const line of d.stderr.split('\n').filter((l) => l.length > 0)) {
          // stderr is decoded as UTF-8: an invalid byte would be U+FFFD.
          assert.ok(!line.includes('\uFFFD'), line);
          JSON.parse(line);
        }
        assert.ok(d.logLines.some((l) => l.path === '/v1/apps/??abc'));
      });
});
