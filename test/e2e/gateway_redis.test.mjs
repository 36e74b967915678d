// The gateway's cluster-wide data plane (tollgate_redis): several
// gateways (each its own nginx, on one tollgated's projection) share the
// nonces and the apps' rate limits through one real Redis.  A nonce
// spent at one gateway is refused at another; an app's rate limit holds
// across three gateways, not three times over; a Redis that is down or
// does not answer costs a call at most the timeout, and the call is then
// decided by the node alone (tollgate_redis_fail local) or refused with
// 503 (closed); a Redis back again is used again.

import assert from 'node:assert/strict';
import {createHmac, randomUUID} from 'node:crypto';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {eventually} from './lib/gateway.mjs';
import {Redis} from './lib/redis.mjs';
import {Stack} from './lib/stack.mjs';

const TIMEOUT_MS = 50;
// A call that waited for Redis answers within this, however loaded the
// machine (the timeout, and an ASan nginx's own time).
const ANSWER_BOUND_MS = 1500;

function redisConf(redis, fail = 'local', more = '') {
  return `tollgate_redis 127.0.0.1:${redis.port};
  tollgate_redis_timeout ${TIMEOUT_MS}ms;
  tollgate_redis_fail ${fail};
  ${more}`;
}

// Headers of a GET signed with the app's key (X-Ca, HmacSHA256).
function signedHeaders(app, pathname = '/ok.txt', nonce = randomUUID()) {
  const h = {
    'x-ca-key': app.app_key,
    'x-ca-nonce': nonce,
    'x-ca-timestamp': String(Date.now()),
    accept: 'application/json',
  };
  const names = ['x-ca-key', 'x-ca-nonce', 'x-ca-timestamp'];
  const sts =
      ['GET', h.accept, '', '', '', ...names.map((n) => `${n}:${h[n]}`), pathname].join('\n');
  h['x-ca-signature-headers'] = names.join(',');
  h['x-ca-signature'] = createHmac('sha256', app.app_secret).update(sts).digest('base64');
  return h;
}

function appCodeHeaders(app) {
  return {authorization: `APPCODE ${app.app_codes[0].app_code}`};
}

async function call(gw, headers, pathname = '/ok.txt') {
  const t0 = Date.now();
  const res = await fetch(`${gw.url}${pathname}`, {headers});
  await res.arrayBuffer();
  return {
    status: res.status,
    message: res.headers.get('x-ca-error-message'),
    retryAfter: res.headers.get('retry-after'),
    ms: Date.now() - t0,
  };
}

// A signed call at gateway a, then the very same at gateway b.
async function replay(a, b, app) {
  const h = signedHeaders(app);
  return [await call(a, h), await call(b, h)];
}

describe('gateways sharing one Redis', () => {
  const redis = new Redis();
  let gws = [];  // three gateways, failing to the node-local zone
  let closed;    // a fourth, failing closed
  let probe;     // an app without a rate limit

  async function grantedApp(name, body = {}) {
    const app = await gws[0].call('POST', '/v1/apps', {name, generate_app_code: true, ...body});
    await gws[0].call('PUT', `/v1/apps/${app.id}/grants/default`, {});
    return app;
  }

  // Every gateway passes a fresh call of app (its writes reached them).
  async function reachedAll(app) {
    await eventually(async () => {
      for (const gw of [...gws, closed]) {
        if ((await call(gw, signedHeaders(app))).status !== 200) {
          return false;
        }
      }
      return true;
    }, 10000);
  }

  // Redis decides again: a nonce spent at one gateway is refused at another.
  async function redisAgain() {
    await eventually(async () => {
      const [first, again] = await replay(gws[0], gws[1], probe);
      return first.status === 200 && again.status === 400;
    }, 15000);
  }

  before(async () => {
    await redis.start();
    const first = await new Stack({http: redisConf(redis)}).init();
    await first.admin.start();
    gws = [first];
    for (let i = 0; i < 2; i++) {
      const gw = await new Stack({http: redisConf(redis)}).init();
      gw.dataDir = first.dataDir;  // the same projection and key
      gws.push(gw);
    }
    closed = await new Stack({http: redisConf(redis, 'closed')}).init();
    closed.dataDir = first.dataDir;
    for (const gw of [...gws, closed]) {
      await gw.startNginx();
    }
    await first.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
    probe = await grantedApp('probe');
    await reachedAll(probe);
  });

  after(async () => {
    redis.resume();
    const stacks = [closed, ...gws.slice().reverse()].filter(Boolean);
    try {
      for (const gw of stacks) {
        await gw.stop();
      }
    } finally {
      await redis.stop();
    }
  });

  test('a nonce spent at one gateway is refused at another', async () => {
    for (const [a, b] of [[0, 1], [1, 2], [2, 0]]) {
      const [first, again] = await replay(gws[a], gws[b], probe);
      assert.equal(first.status, 200);
      assert.deepEqual([again.status, again.message], [400, 'Nonce Used']);
    }
    // At the same gateway too, and the nonce is Redis's, namespaced.
    const [first, again] = await replay(gws[2], gws[2], probe);
    assert.deepEqual([first.status, again.status, again.message], [200, 400, 'Nonce Used']);
    const nonces = await redis.command('EVAL', 'return #redis.call("KEYS", "tg:n:{*}:*")', '0');
    assert.ok(Number(nonces.slice(1)) >= 4, nonces);
  });

  test('a nonce\'s length limit is the zone\'s: AppKey and nonce 511 bytes, not 512', async () => {
    const room = 511 - probe.app_key.length;
    const nonce = (n) => `${randomUUID()}${'n'.repeat(n - 36)}`;
    let r = await call(gws[0], signedHeaders(probe, '/ok.txt', nonce(room)));
    assert.equal(r.status, 200);
    r = await call(gws[0], signedHeaders(probe, '/ok.txt', nonce(room + 1)));
    assert.deepEqual([r.status, r.message], [400, 'Invalid Nonce']);
    // The longest key is in Redis, whole: a replay elsewhere is refused.
    const h = signedHeaders(probe, '/ok.txt', nonce(room));
    assert.equal((await call(gws[1], h)).status, 200);
    assert.deepEqual((await call(gws[2], h)).message, 'Nonce Used');
  });

  test('a Redis that forgot the script (SCRIPT FLUSH) is sent it whole', async () => {
    assert.equal(await redis.command('SCRIPT', 'FLUSH'), '+OK');
    const [first, again] = await replay(gws[0], gws[1], probe);
    assert.deepEqual([first.status, again.status, again.message], [200, 400, 'Nonce Used']);
    const stats = await redis.command('INFO', 'commandstats');
    assert.match(stats, /cmdstat_eval:calls=[1-9]/, stats);
  });

  test('an app\'s rate limit holds across three gateways, not three times over', async () => {
    const rps = 1, burst = 5;
    const limited = await grantedApp('limited', {rate_limit: {rps, burst}});
    // Its grant is in the projection once a later app's is.
    await reachedAll(await grantedApp('after_limited'));

    // 45 calls at once, spread over the three gateways, signed and by
    // AppCode (a call with a nonce and one without).
    const t0 = Date.now();
    const results = await Promise.all(Array.from(
        {length: 45},
        (_, i) => call(gws[i % 3], i % 2 ? signedHeaders(limited) : appCodeHeaders(limited))));
    const elapsed = (Date.now() - t0) / 1000;
    const admitted = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429);
    assert.equal(
        admitted + refused.length, results.length, JSON.stringify(results.map((r) => r.status)));
    // Each gateway alone would admit its own burst: 3 * 5.
    assert.ok(admitted >= burst, `${admitted} admitted`);
    assert.ok(
        admitted <= burst + Math.ceil(elapsed * rps),
        `${admitted} admitted in ${elapsed} s, limit ${burst} + ${rps}/s`);
    assert.equal(refused[0].message, 'Throttled by APP Flow Control');
    assert.equal(refused[0].retryAfter, '1');

    // The bucket fills again on Redis's clock: a call passes after a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await call(gws[1], signedHeaders(limited))).status, 200);
  });

  test('a reload: the new workers connect, the old ones leave no socket behind', async () => {
    const before = await gws[1].workers();
    process.kill(gws[1].nginx.pid, 'SIGHUP');
    await eventually(async () => {
      const now = await gws[1].workers();
      return now.length > 0 && now.every((pid) => !before.includes(pid));
    }, 15000);
    await redisAgain();
    // (An old worker's open socket would be an [alert], which stop() reports.)
    assert.doesNotMatch(await gws[1].errorLog(), /open socket/);
  });

  test('a Redis that does not answer costs a call the timeout, never a hang', async () => {
    redis.pause();
    try {
      // Calls at every gateway, several at once: each answers, decided by
      // the gateway's own zone (fail local), or 503 (fail closed).
      const results =
          await Promise.all([0, 1, 2, 0, 1, 2].map((i) => call(gws[i], signedHeaders(probe))));
      for (const r of results) {
        assert.equal(r.status, 200);
        assert.ok(r.ms < ANSWER_BOUND_MS, `${r.ms} ms`);
      }
      // A replay at the same gateway is still refused, by its zone.
      const [first, again] = await replay(gws[0], gws[0], probe);
      assert.deepEqual([first.status, again.status, again.message], [200, 400, 'Nonce Used']);

      const r = await call(closed, signedHeaders(probe));
      assert.deepEqual([r.status, r.message], [503, 'Service Unavailable']);
      assert.ok(r.ms < ANSWER_BOUND_MS, `${r.ms} ms`);
    } finally {
      redis.resume();
    }
    await redisAgain();
    assert.match(
        await gws[0].errorLog(),
        /Redis "127\.0\.0\.1:\d+" unavailable: calls are limited by this node alone/);
    assert.match(
        await closed.errorLog(), /unavailable: calls are refused \(tollgate_redis_fail closed\)/);
  });

  test('Redis down: the node decides alone; Redis back: the gateways reconnect', async () => {
    await redis.kill();
    for (const gw of gws) {
      const r = await call(gw, signedHeaders(probe));
      assert.equal(r.status, 200);
      assert.ok(r.ms < ANSWER_BOUND_MS, `${r.ms} ms`);
    }
    // Without Redis, a nonce is only this node's: another node takes it.
    const [first, again] = await replay(gws[0], gws[1], probe);
    assert.deepEqual([first.status, again.status], [200, 200]);
    const r = await call(closed, signedHeaders(probe));
    assert.deepEqual([r.status, r.message], [503, 'Service Unavailable']);

    await redis.start();  // the same port
    await redisAgain();
    await eventually(async () => (await call(closed, signedHeaders(probe))).status === 200, 15000);
    assert.match(await gws[0].errorLog(), /Redis "127\.0\.0\.1:\d+": connection lost/);
    assert.match(await gws[0].errorLog(), /Redis "127\.0\.0\.1:\d+" is ready/);
  });
});

describe('a Redis that asks for a password', () => {
  const redis =
      new Redis({args: ['--requirepass', 'e2e-redis-secret'], password: 'e2e-redis-secret'});
  let good, bad, app;

  before(async () => {
    await redis.start();
    good = await new Stack().init();
    bad = await new Stack().init();
    bad.dataDir = good.dataDir;
    await writeFile(path.join(good.dir, 'redis.pass'), 'e2e-redis-secret\n', {mode: 0o600});
    await writeFile(path.join(bad.dir, 'redis.pass'), 'not-the-secret\n', {mode: 0o600});
    good.http = redisConf(redis, 'local', `tollgate_redis_password_file ${good.dir}/redis.pass;`);
    bad.http = redisConf(redis, 'local', `tollgate_redis_password_file ${bad.dir}/redis.pass;`);
    await good.admin.start();
    await good.startNginx();
    await bad.startNginx();
    await good.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
    app = await good.call('POST', '/v1/apps', {name: 'auth'});
    await good.call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  });

  after(async () => {
    try {
      for (const gw of [bad, good].filter(Boolean)) {
        await gw.stop();
      }
    } finally {
      await redis.stop();
    }
  });

  test('the right password: the gateway uses Redis', async () => {
    await eventually(async () => (await call(good, signedHeaders(app))).status === 200, 10000);
    const [first, again] = await replay(good, good, app);
    assert.deepEqual([first.status, again.status, again.message], [200, 400, 'Nonce Used']);
    const stats = await redis.command('INFO', 'commandstats');
    assert.match(stats, /cmdstat_evalsha:calls=[1-9]/, stats);
  });

  test('a wrong one: calls are decided locally, and the log says why', async () => {
    await eventually(async () => (await call(bad, signedHeaders(app))).status === 200, 10000);
    // The nonce claimed in Redis by the good gateway is not seen here.
    const [first, again] = await replay(good, bad, app);
    assert.deepEqual([first.status, again.status], [200, 200]);
    await eventually(async () => /AUTH failed: WRONGPASS/.test(await bad.errorLog()), 5000);
  });

  test('a password file that cannot be read stops the configuration', async () => {
    const broken =
        await new Stack({
          http: redisConf(redis, 'local', `tollgate_redis_password_file ${good.dir}/missing.pass;`),
        }).init();
    broken.dataDir = good.dataDir;
    const r = await broken.checkConf();
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /tollgate_redis_password_file ".*missing\.pass" cannot be opened/);
    await broken.stop();
  });
});
