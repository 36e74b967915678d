// Two tollgated nodes on one PostgreSQL store (each with its own data
// directory and projection, the same keyring): what one writes the other
// serves, and its projection applies at once (LISTEN/NOTIFY), or at its
// start when it was stopped; racing creates of the same app name, AppKey or AppCode on both
// give exactly one success, and an account's quota holds with creates
// from both.  Runs only against PostgreSQL (TOLLGATE_E2E_PG: make e2e-pg).

import assert from 'node:assert/strict';
import {copyFile, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {pgStoreUrl, rejects, Tollgated} from './lib/tollgated.mjs';

const skip = !process.env.TOLLGATE_E2E_PG && 'needs PostgreSQL (make e2e-pg)';

describe('two nodes on one store', {skip}, () => {
  let n1, n2, dirs;

  before(async () => {
    dirs = [
      await mkdtemp(path.join(tmpdir(), 'tollgate-node1-')),
      await mkdtemp(path.join(tmpdir(), 'tollgate-node2-'))
    ];
    const store = pgStoreUrl(dirs[0]);
    // A generous write rate: the races below are many creates at once.
    const args = ['--app-write-rate', '1000', '--app-write-burst', '1000'];
    n1 = await new Tollgated({dataDir: dirs[0], env: {TOLLGATE_STORE: store}, args}).start();
    await copyFile(path.join(dirs[0], 'keyring.json'), path.join(dirs[1], 'keyring.json'));
    n2 = await new Tollgated({dataDir: dirs[1], env: {TOLLGATE_STORE: store}, args}).start();
  });

  after(async () => {
    await n2?.stop();
    await n1?.stop();
    for (const dir of dirs) {
      await rm(dir, {recursive: true, force: true});
    }
  });

  test('an app created on node 1 is served by node 2, and in its projection', async () => {
    const made = await n1.call('POST', '/v1/apps', {body: {name: 'from_node_1'}});
    assert.equal(made.status, 201, made.text);
    const got = await n2.call('GET', `/v1/apps/${made.json.id}`);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.name, 'from_node_1');
    assert.equal(got.json.app_key, made.json.app_key);

    // Node 2's projector finds node 1's changes in the shared log (its
    // poll runs every second).
    const deadline = Date.now() + 5000;
    let health;
    for (;;) {
      health = (await n2.call('GET', '/healthz', {auth: null})).json.projection;
      if (health.applied_seq > 0 && health.lag === 0) {
        break;
      }
      assert.ok(Date.now() < deadline, JSON.stringify(health));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(health.applied_seq, health.latest_seq);
  });

  // The time from a create's answer on node 1 until node 2's projection
  // has applied it, in ms.
  async function propagation(name) {
    const made = await n1.call('POST', '/v1/apps', {body: {name}});
    assert.equal(made.status, 201, made.text);
    const started = Date.now();
    const want = (await n1.call('GET', '/healthz', {auth: null})).json.projection.latest_seq;
    for (;;) {
      const health = (await n2.call('GET', '/healthz', {auth: null})).json.projection;
      if (health.applied_seq >= want) {
        return Date.now() - started;
      }
      assert.ok(Date.now() - started < 5000, JSON.stringify(health));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  test('node 2 is woken by node 1\'s commits, faster than its poll', async () => {
    // The poll runs every second: by it alone, each create would wait
    // 500 ms on average, and 8 in a row under 500 ms once in 256 runs.
    const times = [];
    for (let i = 0; i < 8; i++) {
      times.push(await propagation(`wake_${i}`));
    }
    assert.ok(times.every((ms) => ms < 500), times.join(' '));
  });

  test('a node stopped while the other writes catches up when it starts', async () => {
    await n2.stop({keepData: true});
    for (let i = 0; i < 5; i++) {
      const made = await n1.call('POST', '/v1/apps', {body: {name: `while_down_${i}`}});
      assert.equal(made.status, 201, made.text);
    }
    await n2.restart();
    // It catches up before it serves.
    const health = (await n2.call('GET', '/healthz', {auth: null})).json.projection;
    const latest = (await n1.call('GET', '/healthz', {auth: null})).json.projection.latest_seq;
    assert.equal(health.applied_seq, latest, JSON.stringify(health));
  });

  // Each round, the two nodes create at once; exactly one may succeed.
  async function race(rounds, body, code) {
    for (let i = 0; i < rounds; i++) {
      const [a, b] = await Promise.all([
        n1.call('POST', '/v1/apps', {body: body(i, 'a')}),
        n2.call('POST', '/v1/apps', {body: body(i, 'b')})
      ]);
      const statuses = [a.status, b.status].sort();
      assert.deepEqual(statuses, [201, 409], `${a.text} ${b.text}`);
      const refused = a.status === 409 ? a : b;
      assert.equal(refused.json.error.code, code, refused.text);
    }
  }

  test('racing creates of one app name: exactly one succeeds', async () => {
    await race(10, (i) => ({name: `race_name_${i}`}), 'app_name_taken');
    for (let i = 0; i < 10; i++) {
      const list = await n2.call('GET', `/v1/apps?name=race_name_${i}`);
      assert.equal(list.json.total, 1, list.text);
    }
  });

  test('racing creates of one AppKey or one AppCode: exactly one succeeds', async () => {
    await race(
        8, (i, node) => ({name: `race_key_${i}_${node}`, app_key: `raceAppKey${i}`}),
        'app_key_taken');
    await race(
        8, (i, node) => ({name: `race_code_${i}_${node}`, app_code: `${i}`.padEnd(40, 'c')}),
        'app_code_taken');
  });

  test('an account\'s app quota holds with creates on both nodes', async () => {
    const acc = await n1.call('POST', '/v1/accounts', {body: {name: 'quota_acc', app_quota: 5}});
    assert.equal(acc.status, 201, acc.text);
    const creates = [];
    for (let i = 0; i < 8; i++) {
      const node = i % 2 === 0 ? n1 : n2;
      creates.push(
          node.call('POST', '/v1/apps', {body: {name: `quota_${i}`, account_id: acc.json.id}}));
    }
    const results = await Promise.all(creates);
    const made = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    assert.equal(made.length, 5, results.map((r) => r.text).join('\n'));
    for (const r of refused) {
      assert.equal(r.json.error.code, 'app_limit_exceeded', r.text);
    }
    const list = await n2.call('GET', `/v1/apps?account_id=${acc.json.id}`);
    assert.equal(list.json.total, 5);
  });
});

// These need no server.
describe('the store setting', () => {
  for (const [store, error] of [
           ['mysql://db/tollgate', /not a postgres:\/\/ or postgresql:\/\/ URL/], [
             'postgres://tollgate@/nodb?host=/nonexistent-tollgate-dir',
             /cannot connect to the PostgreSQL store.*nonexistent-tollgate-dir/
           ]]) {
    test(`tollgated refuses to start on ${store.split(':')[0]}: ${error.source}`, async () => {
      const d = new Tollgated({env: {TOLLGATE_STORE: store}});
      const e = await rejects(() => d.start());
      assert.match(e.message, /exited \(1\) before listening/);
      assert.match(d.stderr, error);
      // The URL is not logged (it may hold a password).
      assert.doesNotMatch(d.stderr, /"path":"postgres/);
      await rm(d.dataDir, {recursive: true, force: true});
    });
  }
});
