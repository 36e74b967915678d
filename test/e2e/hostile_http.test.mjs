// Hostile requests against tollgated's HTTP layer and dialects: NUL bytes
// (raw and escaped) in paths, query arguments and headers, a body framed
// twice, and parameters that contradict what was signed.  Node's fetch
// refuses some of these requests, so they go over raw sockets, byte for
// byte.

import assert from 'node:assert/strict';
import net from 'node:net';
import {after, before, describe, test} from 'node:test';

import {rawCall, VERSION} from './lib/alibaba.mjs';
import {ADMIN_ID, ADMIN_SECRET, startTollgated} from './lib/tollgated.mjs';

const BASIC = 'Basic ' + Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64');

// Sends the bytes as they are and reads until the server closes or the
// first response is complete.  Returns {status, headers, body, json}.
function rawRequest(port, bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    sock.setTimeout(5000, () => {
      sock.destroy();
      reject(new Error('timeout'));
    });
    sock.on('error', reject);
    sock.on('data', (c) => {
      chunks.push(c);
      const res = parse(Buffer.concat(chunks));
      if (res) {
        sock.destroy();
        resolve(res);
      }
    });
    sock.on('end', () => resolve(parse(Buffer.concat(chunks), true)));
    sock.end(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1'));
  });
}

function parse(buf, final = false) {
  const text = buf.toString('latin1');
  const head = text.indexOf('\r\n\r\n');
  if (head < 0) {
    return final ? {status: 0, headers: {}, body: text, json: null} : null;
  }
  const lines = text.slice(0, head).split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  const body = text.slice(head + 4);
  const length = Number(headers['content-length'] ?? -1);
  if (length >= 0 && Buffer.byteLength(body, 'latin1') < length && !final) {
    return null;
  }
  let json = null;
  try {
    json = JSON.parse(body);
  } catch {
  }
  return {status, headers, body, json};
}

function get(target, extra = '') {
  return `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: ${BASIC}\r\n${extra}\r\n`;
}

describe('NUL bytes', () => {
  let d, appId;

  before(async () => {
    d = await startTollgated();
    const res = await d.call('POST', '/v1/apps', {body: {name: 'nul-probe'}});
    assert.equal(res.status, 201);
    appId = res.json.id;
  });

  after(async () => {
    await d.stop();
  });

  test('the probe app answers with a clean path', async () => {
    const res = await rawRequest(d.port, get(`/v1/apps/${appId}`));
    assert.equal(res.status, 200);
  });

  for (const [name, target] of [
           ['an escaped NUL ending the path', (id) => `/v1/apps/${id}%00xyz`],
           ['an escaped NUL before a sub-resource', (id) => `/v1/apps/${id}%00/secret`],
           ['an escaped NUL in a query value', () => '/v1/apps?limit=5%00abc'],
           ['an escaped NUL in a query name', () => '/v1/apps?li%00mit=5'],
  ]) {
    test(`refuses ${name}`, async () => {
      const res = await rawRequest(d.port, get(target(appId)));
      assert.equal(res.status, 400, res.body);
      assert.equal(res.json.error.code, 'malformed_request');
      assert.match(res.json.error.message, /NUL/);
    });
  }

  test('an escaped %2500 is not a NUL', async () => {
    const res = await rawRequest(d.port, get('/v1/apps?limit=5%2500'));
    assert.equal(res.status, 400);
    assert.notEqual(res.json.error.code, 'malformed_request');
  });
});

describe('the size of the head', () => {
  let d;

  before(async () => {
    d = await startTollgated();
  });

  after(async () => {
    await d.stop();
  });

  // The head at its size: "GET /v1/whoami HTTP/1.1\r\n" ... "\r\n\r\n".
  const head = (size) => {
    const start = get('/v1/whoami', 'X-Pad: ');
    const pad = size - Buffer.byteLength(start) - 2;
    return `${start.slice(0, -2)}${'p'.repeat(pad)}\r\n\r\n`;
  };

  test('32 KiB of request line and headers are read; one byte more is refused', async () => {
    assert.equal(Buffer.byteLength(head(32 * 1024)), 32 * 1024);
    const ok = await rawRequest(d.port, head(32 * 1024));
    assert.equal(ok.status, 200, ok.body);
    const res = await rawRequest(d.port, head(32 * 1024 + 1));
    assert.equal(res.status, 400, res.body);
    assert.equal(res.json.error.code, 'malformed_request');
    assert.match(res.json.error.message, /larger than 32 KiB/);
  });

  test('100 headers are read; 101 are refused', async () => {
    // Host and Authorization, then X-H headers up to the count.
    const headers = (n) =>
        get('/v1/whoami', [...Array(n - 2).keys()].map((i) => `X-H${i}: v\r\n`).join(''));
    assert.equal((await rawRequest(d.port, headers(100))).status, 200);
    const res = await rawRequest(d.port, headers(101));
    assert.equal(res.status, 400, res.body);
    assert.match(res.json.error.message, /more than 100 headers/);
  });

  // libmicrohttpd keeps a request's head in its 64 KiB connection pool
  // (TG_HTTP_MEMORY_LIMIT): heads up to about 63 KiB reach tollgated and
  // get the dialect's 400; beyond the pool libmicrohttpd answers itself.
  const big = (size) => {
    const start = 'GET /?Action=DescribeApps HTTP/1.1\r\nHost: x\r\nX-Big: ';
    return `${start}${'b'.repeat(size - start.length - 4)}\r\n\r\n`;
  };

  test(
      'a head well over the limit but within the pool is refused in the shape of the dialect',
      async () => {
        for (const size of [33 * 1024, 56 * 1024]) {
          const res = await rawRequest(d.port, big(size));
          assert.equal(res.status, 400, res.body);
          assert.equal(res.json.Code, 'InvalidParameter', res.body);
        }
      });

  test('a head beyond the pool gets libmicrohttpd\'s refusal, and the server goes on', async () => {
    for (const size of [64 * 1024, 200 * 1024]) {
      const res = await rawRequest(d.port, big(size));
      assert.ok(res.status === 431 || res.status === 414, `${res.status} ${res.body}`);
    }
    assert.equal((await rawRequest(d.port, head(1024))).status, 200);
  });
});

describe('body framing', () => {
  let d;

  before(async () => {
    d = await startTollgated();
  });

  after(async () => {
    await d.stop();
  });

  const post = (headers, body) =>
      `POST /v1/apps HTTP/1.1\r\nHost: x\r\nAuthorization: ${BASIC}\r\n` +
      `Content-Type: application/json\r\n${headers}\r\n${body}`;
  const body = '{"name":"framed"}';

  test('one Content-Length is read', async () => {
    const res = await rawRequest(d.port, post(`Content-Length: ${body.length}\r\n`, body));
    assert.equal(res.status, 201, res.body);
  });

  test('two Content-Length headers are refused, equal or not', async () => {
    for (const second of [body.length, 2]) {
      const res = await rawRequest(
          d.port, post(`Content-Length: ${body.length}\r\nContent-Length: ${second}\r\n`, body));
      assert.equal(res.status, 400, res.body);
      assert.match(res.json.error.message, /Content-Length/);
    }
  });

  test('Transfer-Encoding with Content-Length is refused', async () => {
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const res = await rawRequest(
        d.port,
        post(`Transfer-Encoding: chunked\r\nContent-Length: ${chunked.length}\r\n`, chunked));
    assert.equal(res.status, 400, res.body);
    assert.match(res.json.error.message, /Transfer-Encoding/);
  });

  test('requests cut off or broken before the handler leave nothing behind', async () => {
    // Each opens a request (the raw URI is seen) that never reaches the
    // handler; the sanitizer daemon reports a leak at stop if one stays.
    for (const bytes
             of ['GET /v1/apps HTTP/1.1\r\n', 'GET /v1/apps HTTP/1.1\r\nHost: x\r\nBad',
                 'GET /v1/apps HTTP/1.1\r\nno colon here\r\n\r\n']) {
      await new Promise((resolve) => {
        const sock = net.connect(d.port, '127.0.0.1', () => sock.end(bytes));
        sock.on('error', resolve);
        sock.on('close', resolve);
        sock.resume();
      });
    }
    assert.equal((await d.call('GET', '/healthz', {auth: null})).status, 200);
  });

  test('nothing refused was written', async () => {
    const res = await d.call('GET', '/v1/apps');
    const names = res.json.items.map((a) => a.name);
    assert.deepEqual(names, ['framed']);
  });
});

describe('the Alibaba dialect', () => {
  let d;

  before(async () => {
    d = await startTollgated();
  });

  after(async () => {
    await d.stop();
  });

  const refused = (res, pattern) => {
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.Code, 'InvalidParameter', res.text);
    assert.match(res.json.Message, pattern);
  };

  test('x-acs-action or x-acs-version against the signed parameters is refused', async () => {
    refused(
        await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {headers: {'x-acs-action': 'DeleteApp'}}),
        /x-acs-action contradicts the parameter Action/);
    refused(
        await rawCall(
            d, 'DescribeApps', {AppOwner: '1'}, {headers: {'x-acs-version': '2099-01-01'}}),
        /x-acs-version contradicts the parameter Version/);
    // Headers that agree are no contradiction.
    const res = await rawCall(
        d, 'DescribeApps', {AppOwner: '1'},
        {headers: {'x-acs-action': 'DescribeApps', 'x-acs-version': VERSION}});
    assert.equal(res.status, 200, res.text);
  });

  test('a bare Tag. parameter is refused', async () => {
    for (const action of ['CreateApp', 'DescribeAppAttributes']) {
      const res = await rawCall(d, action, {AppName: 'bare_tag', 'Tag.': 'x'});
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.Code, 'InvalidTag', res.text);
    }
    assert.equal(
        (await rawCall(d, 'CreateApp', {AppName: 'tag_ok', 'Tag.1.Key': 'k'})).status, 200);
  });

  test('an escaped NUL in a form body or the query is refused', async () => {
    refused(
        await rawCall(d, 'CreateApp', {AppName: 'nul\0app'}, {method: 'POST'}),
        /form body is not well formatted/);
    // In the query, the HTTP layer finds it malformed; Alibaba refuses it
    // in its own shape.
    refused(
        await rawCall(d, 'CreateApp', {AppName: 'nul\0app'}),
        /^The request is malformed: The request URI holds a NUL byte\.$/);
    const list = await rawCall(d, 'DescribeAppAttributes', {});
    const names = list.json.Apps.AppAttribute.map((a) => a.AppName);
    assert.ok(!names.some((n) => n.startsWith('nul')), names.join());
  });
});

describe('a member key naming another account', () => {
  let d, alice, bob;

  const member = async (name) => {
    const account = await d.call('POST', '/v1/accounts', {body: {name}});
    const key = await d.call('POST', `/v1/accounts/${name}/access-keys`, {body: {}});
    assert.equal(key.status, 201, key.text);
    return {account: account.json, key: [key.json.id, key.json.secret]};
  };

  before(async () => {
    d = await startTollgated();
    alice = await member('alice');
    bob = await member('bob');
    assert.equal(
        (await d.call('POST', '/v1/apps', {body: {name: 'alice_app'}, auth: alice.key})).status,
        201);
  });

  after(async () => {
    await d.stop();
  });

  test('is refused on create, app list and audit list', async () => {
    const calls = [
      ['POST', '/v1/apps', {name: 'bobs_in_alice', account_id: alice.account.id}],
      ['GET', `/v1/apps?account_id=${alice.account.id}`],
      ['GET', `/v1/audit?account_id=${alice.account.id}`],
    ];
    for (const [method, path, body] of calls) {
      const res = await d.call(method, path, {body, auth: bob.key});
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.json.error.code, 'forbidden');
      assert.ok(!res.text.includes('alice_app'));
    }
  });

  test('naming its own account, or none, is answered', async () => {
    for (const path
             of ['/v1/apps', `/v1/apps?account_id=${bob.account.id}`,
                 `/v1/audit?account_id=${bob.account.id}`]) {
      assert.equal((await d.call('GET', path, {auth: bob.key})).status, 200, path);
    }
    // An admin key may name any account.
    const res = await d.call('GET', `/v1/apps?account_id=${alice.account.id}`);
    assert.deepEqual(res.json.items.map((a) => a.name), ['alice_app']);
  });
});
