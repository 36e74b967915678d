// nginx's own refusals, outside the module (a malformed request 400, a
// forbidden or unknown location 403/404, a method a location refuses 405,
// a body over client_max_body_size 413, a URI too long 414, an internal
// 500, an upstream down 502 or slow 504), answer a small JSON body
// {"message": ...} with their status in every configuration we ship:
// etc/nginx.conf.in (tollgate up), packaging/etc/ (the Debian package's
// gateway) and the example of docs/gateway.md; the module's own refusals
// keep their body and shape.

import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {freePort, startGateway} from './lib/gateway.mjs';
import {repoRoot} from './lib/tollgated.mjs';
import {up} from './lib/up.mjs';

const read = (p) => readFile(path.join(repoRoot, p), 'utf8');

// The http-level map and the server-level error_page with its named
// location, as etc/nginx.conf.in has them.
async function snippets() {
  const text = await read('etc/nginx.conf.in');
  const map = text.match(/^ *map \$status \$tollgate_error_message \{\n[\s\S]*?\n *\}\n/m);
  const loc = text.match(
      /^ *error_page [0-9 ]+ \/tollgate\/error;\n *location = \/tollgate\/error \{\n[\s\S]*?\n *\}\n/m);
  assert.ok(map && loc, 'etc/nginx.conf.in has the JSON error pages');
  return {map: map[0], loc: loc[0]};
}

const squash = (s) => s.replace(/^ +/gm, '');

test('every shipped configuration has the same JSON error pages', async () => {
  const {map, loc} = await snippets();
  const gateway = await read('packaging/etc/gateway.conf.in');
  const site = await read('packaging/etc/gateway-default.conf.in');
  const doc = await read('docs/gateway.md');
  for (const [name, text, parts] of [
           ['packaging/etc/gateway.conf.in', gateway, [map]],
           ['packaging/etc/gateway-default.conf.in', site, [loc]],
           ['docs/gateway.md', doc, [map, loc]],
  ]) {
    for (const part of parts) {
      assert.ok(squash(text).includes(squash(part)), `${name} lacks:\n${part}`);
    }
  }
  for (const status of [400, 403, 404, 405, 413, 414, 500, 502, 503, 504]) {
    assert.match(map, new RegExp(`^ *${status} +"[^"]+";$`, 'm'));
    assert.match(loc, new RegExp(`error_page [0-9 ]*\\b${status}\\b`));
  }
});

// Sends raw bytes; resolves with the status, headers and body nginx sent.
function raw(port, bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const at = text.indexOf('\r\n\r\n');
      const head = text.slice(0, at).split('\r\n');
      const headers = Object.fromEntries(head.slice(1).map((l) => {
        const c = l.indexOf(':');
        return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()];
      }));
      resolve({status: Number(head[0].split(' ')[1]), headers, body: text.slice(at + 4)});
    });
    sock.write(bytes);
  });
}

function jsonError(res, status, message) {
  assert.equal(res.status, status, res.body);
  assert.match(res.headers['content-type'], /^application\/json/);
  assert.doesNotMatch(res.body, /<html|<center>|nginx/i);
  assert.deepEqual(JSON.parse(res.body), {message});
  assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
}

async function fetched(url, init) {
  const r = await fetch(url, init);
  return {status: r.status, headers: Object.fromEntries(r.headers), body: await r.text()};
}

const BAD_REQUEST = 'GET /x HTTP/1.1\r\nHost: x\r\nBad Header\r\nConnection: close\r\n\r\n';
const BAD_LINE = 'GET\x01 /x HTTP/1.1\r\nHost: x\r\n\r\n';
const TOO_LARGE = 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n' +
    'Connection: close\r\n\r\n';
const LONG_URI = `GET /${'u'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

test(
    'tollgate up (etc/nginx.conf.in): nginx refusals in JSON, the module\'s untouched',
    async () => {
      const port = await freePort();
      const parent = await mkdtemp(path.join(tmpdir(), 'tollgate-ops-errors-'));
      const run = await up([
        '--data-dir', path.join(parent, 'var'), '--admin-listen', `127.0.0.1:${await freePort()}`,
        '--gateway-listen', `127.0.0.1:${port}`
      ]);
      try {
        assert.match(run.out, /Ctrl-C stops both\./, run.out);
        jsonError(await raw(port, BAD_REQUEST), 400, 'Bad request');
        jsonError(await raw(port, BAD_LINE), 400, 'Bad request');
        jsonError(await raw(port, TOO_LARGE), 413, 'Request body too large');
        jsonError(await raw(port, LONG_URI), 414, 'Request URI too long');
        jsonError(
            await fetched(`http://127.0.0.1:${port}/tollgate/metrics`, {method: 'POST'}), 405,
            'Method not allowed');
        // The module's refusal keeps its own shape.
        const res = await fetched(`http://127.0.0.1:${port}/x`);
        assert.equal(res.status, 401, res.body);
        assert.deepEqual(Object.keys(JSON.parse(res.body)), ['Message', 'RequestId']);
        assert.ok(res.headers['x-ca-error-message']);
      } finally {
        run.proc.kill('SIGINT');
        await run.exited;
        await rm(parent, {recursive: true, force: true});
      }
    });

// Locations that make nginx refuse in each way, under the shipped
// snippets: no "location /" (unknown paths are 404), an upstream that is
// down, one that is slow, a forbidden and an internal error.
test('each status nginx answers by itself is JSON, with its status', async () => {
  const {map, loc} = await snippets();
  const down = await freePort();
  const slow = http.createServer(() => {});  // never answers
  await new Promise((resolve) => slow.listen(0, '127.0.0.1', resolve));
  const gw = await startGateway({
    servers: map,
    locations: (upstream) => `
${loc}
    location /api/ {
      tollgate on;
      tollgate_api default;
      proxy_pass ${upstream};
    }
    location /down/ { proxy_pass http://127.0.0.1:${down}; }
    location /slow/ {
      proxy_read_timeout 1s;
      proxy_pass http://127.0.0.1:${slow.address().port};
    }
    location /closed/ { deny all; }
    location /broken/ { return 500; }
    location /busy/ { return 503; }
    location = /tollgate/metrics { tollgate_metrics; }
`,
  });
  try {
    const url = (p) => `${gw.url}${p}`;
    jsonError(await fetched(url('/nowhere')), 404, 'Not found');
    jsonError(await fetched(url('/down/x')), 502, 'Bad gateway: the upstream did not answer');
    jsonError(
        await fetched(url('/slow/x')), 504, 'Gateway timeout: the upstream did not answer in time');
    jsonError(await fetched(url('/closed/x')), 403, 'Forbidden');
    jsonError(await fetched(url('/broken/x')), 500, 'Internal error');
    jsonError(await fetched(url('/busy/x')), 503, 'Service unavailable');
    jsonError(
        await fetched(url('/tollgate/metrics'), {method: 'DELETE'}), 405, 'Method not allowed');
    jsonError(await raw(gw.port, BAD_REQUEST), 400, 'Bad request');
    jsonError(await raw(gw.port, BAD_LINE), 400, 'Bad request');
    jsonError(await raw(gw.port, LONG_URI), 414, 'Request URI too long');
    // The error location is not a path clients can reach.
    jsonError(await fetched(url('/tollgate/error')), 404, 'Not found');
    jsonError(await raw(gw.port, TOO_LARGE.replace('/x', '/api/x')), 413, 'Request body too large');
    // HEAD: the status, no body.
    const head = await fetch(url('/nowhere'), {method: 'HEAD'});
    assert.equal(head.status, 404);
    assert.equal(await head.text(), '');
    // The module's own refusal is its own body, not the page.
    const res = await fetched(url('/api/x'));
    assert.equal(res.status, 401, res.body);
    assert.deepEqual(Object.keys(JSON.parse(res.body)), ['Message', 'RequestId']);
  } finally {
    await gw.stop();
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  }
});
