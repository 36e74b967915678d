// The limits that nodes sharing a store share, and the change log's
// retention (docs/limits.md).
//
// Two tollgated nodes on one PostgreSQL store (TOLLGATE_E2E_PG: make
// e2e-pg): a signed call (Alibaba's RPC signature) replayed on the other
// node is refused; an account's app writes stop at the burst whichever
// node takes them, and Tencent's per-action rate holds; a store that
// cannot answer refuses with each dialect's 503-class error; a node stopped while the other writes
// and prunes the change log past its position rebuilds its projection from the store at its start,
// equal to the store key by key (test/tools/projection_check).
//
// With SQLite (one node): the log pruned, then the projection restored
// from an old copy: rebuilt from the store at the start, equal to it.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import crypto from 'node:crypto';
import {copyFile, cp, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {isoSeconds, rawCall} from './lib/alibaba.mjs';
import {rawCall as tencentRaw, tencentClient} from './lib/tencent.mjs';
import {pgSchema, pgStoreUrl, repoRoot, Tollgated} from './lib/tollgated.mjs';

const CHECKER = process.env.TOLLGATE_PROJECTION_CHECK ||
    path.join(repoRoot, 'build/test/tools/projection_check');

const skipPg = !process.env.TOLLGATE_E2E_PG && 'needs PostgreSQL (make e2e-pg)';

// Runs projection_check on a node's data directory (and store URL).
function checkProjection(dataDir, store) {
  const r = spawnSync(CHECKER, store ? [dataDir, store] : [dataDir], {encoding: 'utf8'});
  assert.match(r.stdout, /compared \d+ records/, r.stdout + r.stderr);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout;
}

// Waits until the janitor (about once a second) has pruned.
function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function createApp(d, name, accountId) {
  const body = accountId ? {name, account_id: accountId} : {name};
  const made = await d.call('POST', '/v1/apps', {body});
  assert.equal(made.status, 201, made.text);
  return made.json;
}

describe('two nodes share the limits', {skip: skipPg}, () => {
  let n1, n2, dirs, store;

  before(async () => {
    dirs = [
      await mkdtemp(path.join(tmpdir(), 'tollgate-limits1-')),
      await mkdtemp(path.join(tmpdir(), 'tollgate-limits2-'))
    ];
    store = pgStoreUrl(dirs[0]);
    // A burst of 10 app writes with (almost) no refill: the count alone
    // decides, however slow the machine; one change-log row kept.
    const args =
        ['--app-write-rate', '0.001', '--app-write-burst', '10', '--log-retention-rows', '1'];
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

  test('a signed call replayed on the other node is refused', async () => {
    for (const [first, second] of [[n1, n2], [n2, n1]]) {
      const nonce = crypto.randomUUID();
      const timestamp = isoSeconds(new Date());
      const ok = await rawCall(first, 'DescribeApps', {AppOwner: '1'}, {nonce, timestamp});
      assert.equal(ok.status, 200, ok.text);
      const again = await rawCall(second, 'DescribeApps', {AppOwner: '1'}, {nonce, timestamp});
      assert.equal(again.status, 400, again.text);
      assert.equal(again.json.Code, 'SignatureNonceUsed');
    }
  });

  test('an account\'s app writes stop at the burst across both nodes', async () => {
    const acc = await n1.call('POST', '/v1/accounts', {body: {name: 'rate_acc'}});
    assert.equal(acc.status, 201, acc.text);
    const statuses = [];
    for (let i = 0; i < 12; i++) {
      const node = i % 2 === 0 ? n1 : n2;
      const res =
          await node.call('POST', '/v1/apps', {body: {name: `rate_${i}`, account_id: acc.json.id}});
      statuses.push(res.status);
      if (res.status === 429) {
        assert.equal(res.json.error.code, 'rate_limited', res.text);
        assert.ok(Number(res.headers.get('retry-after')) >= 1);
      }
    }
    assert.deepEqual(statuses, [...Array(10).fill(201), 429, 429]);
    const list = await n2.call('GET', `/v1/apps?account_id=${acc.json.id}`);
    assert.equal(list.json.total, 10);
  });

  test('Tencent\'s 20 calls a second per action hold across both nodes', async () => {
    const account = (await n1.call('POST', '/v1/accounts', {body: {name: 'tc_rate'}})).json;
    const key = (await n1.call('POST', `/v1/accounts/${account.id}/access-keys`)).json;
    const clients = [n1, n2].map((n) => tencentClient(n, {id: key.id, secret: key.secret}));

    // 40 at once, half on each node: node-local buckets would pass all
    // 40; a shared one 20, and what it refilled while they ran.
    const started = Date.now();
    const results = await Promise.all(Array.from(
        {length: 40},
        (_, i) =>
            clients[i % 2].DescribeApiAppsStatus({Offset: i}).then(() => 'ok', (e) => e.code)));
    const elapsed = Date.now() - started;
    const ok = results.filter((r) => r === 'ok').length;
    const limited = results.filter((r) => r === 'RequestLimitExceeded').length;
    assert.equal(ok + limited, 40, results.join(','));
    assert.ok(ok >= 20, `only ${ok} passed`);
    assert.ok(ok <= 21 + Math.ceil(elapsed * 20 / 1000), `${ok} passed in ${elapsed} ms`);
  });

  // Runs SQL on the nodes' schema (pgStoreUrl() names it after dirs[0]).
  function psql(sql) {
    const schema = pgSchema(dirs[0]);
    const r = spawnSync(
        'psql',
        [
          '-q', '-v', 'ON_ERROR_STOP=1', process.env.TOLLGATE_E2E_PG, '-c',
          `SET search_path = ${schema}; ${sql}`
        ],
        {encoding: 'utf8'});
    assert.equal(r.status, 0, `psql: ${r.stderr}`);
  }

  test('a store that cannot answer refuses, in each dialect\'s shape', async () => {
    const nonce = crypto.randomUUID();
    const timestamp = isoSeconds(new Date());
    psql('ALTER TABLE limit_nonces RENAME TO limit_nonces_away');
    psql('ALTER TABLE limit_buckets RENAME TO limit_buckets_away');
    try {
      const ali = await rawCall(n2, 'DescribeApps', {AppOwner: '1'}, {nonce, timestamp});
      assert.equal(ali.status, 503, ali.text);
      assert.equal(ali.json.Code, 'ServiceUnavailable');

      const tc = await tencentRaw(n1, 'DescribeApiAppsStatus', {});
      assert.equal(tc.json.Response.Error.Code, 'InternalError', tc.text);

      const made = await n1.call('POST', '/v1/apps', {body: {name: 'in_outage'}});
      assert.equal(made.status, 503, made.text);
      assert.equal(made.json.error.code, 'busy');
    } finally {
      psql('ALTER TABLE limit_nonces_away RENAME TO limit_nonces');
      psql('ALTER TABLE limit_buckets_away RENAME TO limit_buckets');
    }

    // Nothing of it was kept: the same signed call passes now, once.
    const ok = await rawCall(n1, 'DescribeApps', {AppOwner: '1'}, {nonce, timestamp});
    assert.equal(ok.status, 200, ok.text);
    const list = await n2.call('GET', '/v1/apps?name=in_outage');
    assert.equal(list.json.total, 0, list.text);
  });

  test('a node behind the pruned log rebuilds its projection from the store', async () => {
    const gone = await createApp(n1, 'pruned_gone');
    await n2.stop({keepData: true});

    const kept = await createApp(n1, 'pruned_kept');
    const del = await n1.call('DELETE', `/v1/apps/${gone.id}`);
    assert.equal(del.status, 204, del.text);
    await createApp(n1, 'pruned_last');
    await pause(2500);

    await n2.restart();
    assert.match(n2.stderr, /rebuilding from the store/);
    assert.match(n2.stderr, /projection rebuilt from the store/);
    const health = (await n2.call('GET', '/healthz', {auth: null})).json.projection;
    assert.equal(health.applied_seq, health.latest_seq, JSON.stringify(health));
    const out = checkProjection(dirs[1], store);
    assert.match(out, /0 differences/);

    // It serves and follows as before.
    const got = await n2.call('GET', `/v1/apps/${kept.id}`);
    assert.equal(got.status, 200, got.text);
  });
});

describe(
    'one node (SQLite) prunes its log', {skip: !!process.env.TOLLGATE_E2E_PG && 'SQLite'}, () => {
      test('a projection restored from an old copy is rebuilt from the store', async () => {
        const d = new Tollgated({args: ['--log-retention-rows', '1']});
        await d.start();
        const backup = await mkdtemp(path.join(tmpdir(), 'tollgate-projection-copy-'));
        try {
          const old = await createApp(d, 'before_copy');
          await d.stop({keepData: true});
          await cp(path.join(d.dataDir, 'projection'), backup, {recursive: true});

          await d.restart();
          await createApp(d, 'after_copy');
          const del = await d.call('DELETE', `/v1/apps/${old.id}`);
          assert.equal(del.status, 204, del.text);
          await createApp(d, 'last');
          await pause(2500);
          await d.stop({keepData: true});

          await rm(path.join(d.dataDir, 'projection'), {recursive: true, force: true});
          await cp(backup, path.join(d.dataDir, 'projection'), {recursive: true});
          await d.restart();
          assert.match(d.stderr, /rebuilding from the store/);
          await d.stop({keepData: true});
          checkProjection(d.dataDir);
        } finally {
          await rm(backup, {recursive: true, force: true});
          await rm(d.dataDir, {recursive: true, force: true});
        }
      });
    });
