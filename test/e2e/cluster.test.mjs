// Three nodes (tollgated + nginx with the module, each on its own ports,
// data directory and projection) sharing one real PostgreSQL and one
// Redis, which the test starts from Debian's packages (lib/cluster.mjs):
//   - an app created on node 1 is usable at node 3's gateway within the
//     propagation bound;
//   - a secret reset on node 2 is enforced on all three gateways: the old
//     secret refused, the new accepted, within the bound;
//   - concurrent creates of one app name, AppKey or AppCode on the three
//     nodes give exactly one success; the others a clean 4xx in the
//     dialect's shape (native, Alibaba, Huawei);
//   - a node stopped during writes (SIGKILL, then SIGTERM) catches up when
//     it starts again, and its projection matches the store key by key
//     (test/tools/projection_check against PostgreSQL);
//   - each node's /healthz reports its projection's lag behind the store;
//   - with PostgreSQL down, the gateways serve on from their projections
//     and management writes answer 503; once it is back, all recover.
//
// The propagation bound is 1 s: a node's projector is woken by the
// store's NOTIFY and applies within milliseconds (bench/cluster.mjs
// measures it); its poll alone, the fallback, runs every second.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {rawCall} from './lib/alibaba.mjs';
import {clusterMissing, startCluster} from './lib/cluster.mjs';
import {freePort, moduleFile} from './lib/gateway.mjs';
import {call as huaweiCall} from './lib/huawei.mjs';
import {byAppCode, bySignature, NGINX} from './lib/stack.mjs';
import {ADMIN_ID, ADMIN_SECRET, SANITIZER} from './lib/tollgated.mjs';
import {up} from './lib/up.mjs';

const BOUND_MS = 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls test() until it holds; the time it took, in ms, or throws after
// ms.
async function within(ms, what, test) {
  const started = Date.now();
  for (;;) {
    if (await test()) {
      return Date.now() - started;
    }
    assert.ok(Date.now() - started < ms, `${what}: not within ${ms} ms`);
    await sleep(5);
  }
}

const skip = await clusterMissing();

describe('three nodes on one PostgreSQL', {skip: skip || false}, () => {
  let c, n1, n2, n3;

  before(async () => {
    // The three gateways share their nonces and the apps' rate limits
    // through the cluster's Redis (docs/gateway.md).
    c = await startCluster({nodes: 3, http: (cl) => `tollgate_redis 127.0.0.1:${cl.redis.port};`});
    [n1, n2, n3] = c.nodes;
    const api = await n1.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
    assert.equal(api.status, 201, api.text);
  });

  after(async () => {
    await c?.stop();
  });

  // A new app with an AppCode, granted "default", made through node's API.
  async function granted(node, name) {
    const app = await node.call('POST', '/v1/apps', {name, generate_app_code: true});
    await node.call('PUT', `/v1/apps/${app.id}/grants/default`, {});
    return app;
  }

  test('an app created on node 1 is usable at node 3\'s gateway within 1 s', async () => {
    const times = [];
    for (let i = 0; i < 5; i++) {
      const app = await granted(n1, `made_on_1_${i}`);
      // (before, node 3's gateway does not know the AppKey)
      times.push(await within(BOUND_MS, `app ${i} at node 3`, async () => {
        return (await bySignature(n3, app)).status === 200;
      }));
      assert.deepEqual(await byAppCode(n3, app), {status: 200, message: null});
      await within(
          BOUND_MS, `app ${i} at node 2`, async () => (await bySignature(n2, app)).status === 200);
    }
    console.log(`created on node 1 -> usable at node 3: ${times.join(', ')} ms`);
  });

  test('with Redis on, an app\'s rate limit holds across the three nodes', async () => {
    const rps = 1, burst = 5;
    const app = await n2.call(
        'POST', '/v1/apps', {name: 'limited', generate_app_code: true, rate_limit: {rps, burst}});
    await n2.call('PUT', `/v1/apps/${app.id}/grants/default`, {});
    await c.settled();  // every node's projection has it; no call spent
    // 45 calls at once over the three gateways, signed and by AppCode.
    const t0 = Date.now();
    const results = await Promise.all(
        Array.from({length: 45}, (_, i) => (i % 2 ? bySignature : byAppCode)(c.nodes[i % 3], app)));
    const elapsed = (Date.now() - t0) / 1000;
    const statuses = JSON.stringify(results.map((r) => r.status));
    const admitted = results.filter((r) => r.status === 200).length;
    assert.equal(admitted + results.filter((r) => r.status === 429).length, 45, statuses);
    // Each node alone would admit its own burst: three times 5.
    assert.ok(admitted >= burst, statuses);
    assert.ok(
        admitted <= burst + Math.ceil(elapsed * rps),
        `${admitted} admitted in ${elapsed} s: ${statuses}`);
  });

  test('a reset on node 2 is enforced on all three gateways within 1 s', async () => {
    const app = await granted(n1, 'reset_on_2');
    for (const node of c.nodes) {
      await within(
          BOUND_MS, `${node.name} accepts the app`,
          async () => (await bySignature(node, app)).status === 200);
    }
    for (let round = 0; round < 3; round++) {
      const reset = await n2.admin.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {}});
      assert.equal(reset.status, 200, reset.text);
      const old = {...app};
      app.app_secret = reset.json.app_secret;
      assert.notEqual(app.app_secret, old.app_secret);
      const times = await Promise.all(c.nodes.map(
          (node) => within(
              BOUND_MS, `${node.name} refuses the old secret`,
              async () => (await bySignature(node, old)).status !== 200)));
      for (const node of c.nodes) {
        const refused = await bySignature(node, old);
        assert.equal(refused.status, 400, `${node.name}: ${JSON.stringify(refused)}`);
        assert.match(refused.message, /^Invalid Signature, Server StringToSign:/, node.name);
        assert.equal((await bySignature(node, app)).status, 200, `${node.name}: new secret`);
      }
      console.log(
          `reset on node 2 -> old secret refused at nodes 1, 2, 3 after ${times.join(', ')} ms`);
    }
  });

  // Each round, the three nodes make the same create at once: exactly
  // one 201, and the others call's refusal answered by check.
  async function race(rounds, call, ok, check) {
    for (let i = 0; i < rounds; i++) {
      const answers = await Promise.all(c.nodes.map((node, k) => call(node, i, k)));
      const made = answers.filter(ok);
      assert.equal(made.length, 1, answers.map((a) => a.text).join('\n'));
      for (const a of answers.filter((x) => !ok(x))) {
        check(a);
      }
    }
  }

  const native = (body) => (node, i, k) => node.admin.call('POST', '/v1/apps', {body: body(i, k)});
  const created = (a) => a.status === 201;
  const refusedWith = (code) => (a) => {
    assert.equal(a.status, 409, a.text);
    assert.equal(a.json.error.code, code, a.text);
  };

  test('concurrent creates of one app name on three nodes: one succeeds', async () => {
    await race(
        6, native((i) => ({name: `race_name_${i}`})), created, refusedWith('app_name_taken'));
    for (let i = 0; i < 6; i++) {
      const list = await n3.admin.call('GET', `/v1/apps?name=race_name_${i}`);
      assert.equal(list.json.total, 1, list.text);
    }
  });

  test('concurrent creates of one AppKey or AppCode on three nodes: one succeeds', async () => {
    await race(
        6, native((i, k) => ({name: `race_key_${i}_${k}`, app_key: `clusterKey${i}`})), created,
        refusedWith('app_key_taken'));
    await race(
        6, native((i, k) => ({name: `race_code_${i}_${k}`, app_code: `${i}`.padEnd(40, 'd')})),
        created, refusedWith('app_code_taken'));
  });

  test('the same races through Alibaba\'s dialect: one success, RepeatedAppName', async () => {
    const alibaba = (params) => (node, i, k) =>
        rawCall(node.admin, 'CreateApp', params(i, k), {method: 'POST'});
    const ok = (a) => a.status === 200 && a.json.AppId !== undefined;
    const refused = (code) => (a) => {
      assert.equal(a.status, 400, a.text);
      assert.equal(a.json.Code, code, a.text);
      assert.ok(a.json.RequestId, a.text);
    };
    await race(4, alibaba((i) => ({AppName: `AliRace${i}`})), ok, refused('RepeatedAppName'));
    await race(
        4, alibaba((i, k) => ({
                     AppName: `AliKey${i}x${k}`,
                     AppKey: `2040${i}000`,
                     AppSecret: 'nzyNqFkRWB2uLw86nzyNqFkR',
                   })),
        ok, refused('RepeatedAppKey'));
  });

  test('the AppKey race through Huawei\'s dialect: one 201, APIG.3310', async () => {
    // (the names differ: Huawei's signature has no nonce, and the same
    // request signed in the same second is a replay, wherever it lands)
    const project = (await n1.admin.call('GET', '/v1/whoami')).json.account_id;
    const huawei = (i, k) => (node) =>
        huaweiCall(node.admin.url, 'POST', `/v2/${project}/apigw/instances/default/apps`, {
          ak: ADMIN_ID,
          sk: ADMIN_SECRET,
          data: {name: `hw_key_${i}_${k}`, app_key: `hwRace${i}Key`}
        });
    await race(4, (node, i, k) => huawei(i, k)(node), (a) => a.status === 201, (a) => {
      assert.equal(a.status, 400, a.text);
      assert.equal(a.json.error_code, 'APIG.3310', a.text);
      assert.equal(typeof a.json.error_msg, 'string', a.text);
    });
  });

  // Writers on nodes 1 and 2 until stop() resolves: creates of granted
  // apps, resets, disables and deletes.  Every write must succeed.
  function writeLoad(tag) {
    let stopping = false;
    let n = 0;
    const writers = [n1, n2, n1, n2].map(async (node, w) => {
      while (!stopping) {
        const app = await granted(node, `${tag}_${w}_${n++}`);
        const reset = await node.admin.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {}});
        assert.equal(reset.status, 200, reset.text);
        if (n % 3 === 0) {
          await node.call('PATCH', `/v1/apps/${app.id}`, {status: 'disabled'});
        } else if (n % 3 === 1) {
          const del = await node.admin.call('DELETE', `/v1/apps/${app.id}`);
          assert.equal(del.status, 204, del.text);
        }
      }
    });
    return {
      made: () => n,
      stop: async () => {
        stopping = true;
        await Promise.all(writers);
      },
    };
  }

  for (const how of ['SIGKILL', 'SIGTERM']) {
    test(`node 3 stopped by ${how} during writes catches up, key by key`, async () => {
      const load = writeLoad(`down_${how}`);
      await sleep(400);
      if (how === 'SIGKILL') {
        await n3.admin.kill9();
      } else {
        await n3.admin.stop({keepData: true});
      }
      const before = load.made();
      await sleep(1000);
      assert.ok(load.made() > before, 'writes went on while node 3 was down');
      await n3.admin.restart();
      // It catches up before it serves its API.
      const h = await n3.health();
      assert.ok(h.projection.applied_seq > 0, JSON.stringify(h));
      await sleep(400);
      await load.stop();

      await c.settled();
      for (const node of c.nodes) {
        const r = node.projectionCheck();
        assert.equal(r.status, 0, `${node.name}: ${r.stdout}`);
        assert.match(r.stdout, /compared [1-9]\d* records .* 0 differences/, node.name);
      }
      // And its gateway serves what was written while it was down.
      const app = await granted(n1, `after_${how}`);
      await within(
          BOUND_MS, 'node 3 serves a new app',
          async () => (await bySignature(n3, app)).status === 200);
    });
  }

  test('each node\'s /healthz reports its projection lag behind the store', async () => {
    const stop = writeLoad('lag');
    const seen = [];
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      for (const node of c.nodes) {
        const p = (await node.health()).projection;
        assert.equal(p.lag, p.latest_seq - p.applied_seq, JSON.stringify(p));
        assert.ok(p.lag >= 0, JSON.stringify(p));
        seen.push(p.lag);
      }
    }
    await stop.stop();
    const latest = await c.settled();
    // latest_seq is the shared store's newest change, the same on every
    // node; once applied, lag 0 everywhere.
    const newest = Number(c.pg.sql('SELECT max(seq) FROM changes'));
    assert.equal(latest, newest);
    for (const node of c.nodes) {
      const h = await node.health();
      assert.equal(h.status, 'ok');
      assert.deepEqual(
          [h.projection.status, h.projection.lag, h.projection.latest_seq], ['ok', 0, newest],
          node.name);
    }
    console.log(`lag seen under writes: max ${Math.max(...seen)}, ${seen.length} samples`);
  });

  // Whether the module knows the tollgate_redis directive (the gateway
  // on Redis, docs/gateway.md): nginx -t of a configuration with it.
  async function moduleHasRedis(dir) {
    const conf = path.join(dir, 'redis-check.conf');
    await writeFile(conf, `load_module ${moduleFile};
error_log ${dir}/redis-check.log;
pid ${dir}/redis-check.pid;
events {}
http { tollgate_redis 127.0.0.1:${c.redis.port}; }
`);
    const r = spawnSync(NGINX, ['-t', '-c', conf, '-p', dir], {encoding: 'utf8'});
    return !/unknown directive "tollgate_redis"/.test(r.stderr);
  }

  test('a fourth node by tollgate up --store (and --redis) serves the cluster', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-cluster-up-'));
    const redis = await moduleHasRedis(dir);
    const dataDir = path.join(dir, 'node4');
    const [adminPort, gatewayPort] = [await freePort(), await freePort()];
    const args = [
      '--data-dir', dataDir, '--store', c.pg.url, '--admin-listen', `127.0.0.1:${adminPort}`,
      '--gateway-listen', `127.0.0.1:${gatewayPort}`
    ];
    // A bad --redis is refused before anything starts.
    const bad = await up([...args, '--redis', '127.0.0.1:6379;evil']);
    assert.notEqual((await bad.exited).code, 0, bad.out);
    assert.match(bad.out, /--redis: host\[:port\] or unix:\/path/);

    // The cluster's keyring; tollgate up's calls use the admin key of the
    // environment.
    await mkdir(dataDir, {mode: 0o700, recursive: true});
    await copyFile(path.join(n1.dataDir, 'keyring.json'), path.join(dataDir, 'keyring.json'));
    const run = await up([...args, ...(redis ? ['--redis', `127.0.0.1:${c.redis.port}`] : [])], {
      TOLLGATE_ADMIN_ACCESS_KEY_ID: ADMIN_ID,
      TOLLGATE_ADMIN_ACCESS_KEY_SECRET: ADMIN_SECRET,
      // (the module the other nodes run, with its echo module beside it)
      TOLLGATE_NGINX_MODULE: moduleFile,
    });
    try {
      assert.match(run.out, /Tollgate is up/, run.out);
      const conf = await readFile(path.join(dataDir, 'nginx/nginx.conf'), 'utf8');
      if (redis) {
        assert.ok(conf.includes(`tollgate_redis 127.0.0.1:${c.redis.port};`), conf);
      } else {
        console.log('(the module has no tollgate_redis yet: tollgate up ran without --redis)');
        assert.doesNotMatch(conf, /tollgate_redis/);
      }
      const node4 = {url: `http://127.0.0.1:${gatewayPort}`};
      const app = await granted(n1, 'served_by_up');
      await within(
          BOUND_MS, 'the fourth node serves an app made on node 1',
          async () => (await bySignature(node4, app, '/hello')).status === 200);
      if (redis) {
        // Its gateway kept the call's nonce in the shared Redis.
        const keys = spawnSync('redis-cli', ['-p', String(c.redis.port), 'dbsize'], {
                       encoding: 'utf8'
                     }).stdout;
        assert.ok(Number(keys) > 0, `redis dbsize: ${keys}`);
      }
      const health = await (await fetch(`http://127.0.0.1:${adminPort}/healthz`)).json();
      assert.equal(health.projection.latest_seq, await c.settled());
    } finally {
      run.proc.kill('SIGINT');
      const {code} = await run.exited;
      await rm(dir, {recursive: true, force: true});
      assert.equal(code, 0, run.out);
      assert.doesNotMatch(run.out, SANITIZER);
    }
  });

  test('PostgreSQL down: the gateways serve on, writes answer 503, all recover', async () => {
    const app = await granted(n1, 'through_outage');
    for (const node of c.nodes) {
      await within(
          BOUND_MS, `${node.name} accepts the app`,
          async () => (await bySignature(node, app)).status === 200);
    }
    c.pg.stopServer();
    try {
      for (const node of c.nodes) {
        // The gateway reads its own projection, not the store.
        assert.equal((await bySignature(node, app)).status, 200, node.name);
        assert.equal((await byAppCode(node, app)).status, 200, node.name);
        const r = await node.admin.call('POST', '/v1/apps', {body: {name: `down_${node.name}`}});
        assert.equal(r.status, 503, r.text);
        assert.ok(r.json.error.code, r.text);
        // The health endpoints say the store is down: 503, not a 5xx
        // of their own.
        const health = await fetch(`${node.admin.url}/healthz`);
        const h = await health.json();
        assert.equal(health.status, 503, JSON.stringify(h));
        assert.equal(h.store, 'down', JSON.stringify(h));
        const ready = await fetch(`${node.admin.url}/readyz`);
        const y = await ready.json();
        assert.equal(ready.status, 503, JSON.stringify(y));
        assert.equal(y.reason, 'the store does not answer', JSON.stringify(y));
      }
    } finally {
      c.pg.startServer();
    }
    // Each node's pooled connections were dropped by the restart: its
    // first write after it is made on a new one, and succeeds.
    for (const node of c.nodes) {
      const r = await node.admin.call('POST', '/v1/apps', {body: {name: `back_${node.name}`}});
      assert.equal(r.status, 201, r.text);
    }
    const after = await granted(n1, 'after_outage');
    await within(
        5000, 'node 3 serves an app made after the outage',
        async () => (await bySignature(n3, after)).status === 200);
    await c.settled();
  });
});
