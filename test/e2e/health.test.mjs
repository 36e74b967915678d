// GET /healthz reports the projection: its lag behind the store and its
// failure.  A projection that cannot be updated answers 503 with the
// error, is logged once when it starts failing (not at every retry), and
// reports ok again, logging the recovery, once the cause is gone.  Writes
// are still acknowledged meanwhile: the store stays authoritative.
//
// The failure is a full LMDB map, made the way it happens in the field:
// a stuck reader (test/tools/hold_projection) holds an old snapshot, so
// LMDB cannot reuse any page and every write takes new ones until the
// smallest map (16 MiB) is full.

import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {freePort} from './lib/gateway.mjs';
import {binDir, repoRoot, SANITIZER, startTollgated} from './lib/tollgated.mjs';

const holder = path.join(repoRoot, 'build/test/tools/hold_projection');

// Starts a stuck reader on dataDir's projection; resolves once it holds.
function holdProjection(dataDir) {
  const proc = spawn(holder, [dataDir], {stdio: ['pipe', 'pipe', 'inherit']});
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`hold_projection exited with ${code}`)));
    proc.stdout.on('data', (chunk) => {
      if (String(chunk).includes('holding')) {
        resolve({
          release: () => new Promise((done) => {
            proc.removeAllListeners('exit');
            proc.on('exit', done);
            proc.stdin.end();
          })
        });
      }
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function health(d) {
  return d.call('GET', '/healthz', {auth: null});
}

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(100);
  }
}

const logged = (d, msg) => d.logLines.filter((l) => l.msg === msg);

test('healthz reports a current projection', async () => {
  const d = await startTollgated();
  try {
    const created = await d.call('POST', '/v1/apps', {body: {name: 'health_ok'}});
    assert.equal(created.status, 201, created.text);
    const res = await until('the projection to catch up', async () => {
      const r = await health(d);
      return r.json.projection.lag === 0 ? r : null;
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.status, 'ok');
    const p = res.json.projection;
    assert.equal(p.status, 'ok');
    assert.ok(p.applied_seq >= 1, res.text);
    assert.equal(p.latest_seq, p.applied_seq);
    assert.equal(p.error, null);
    assert.match(p.last_sync_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Date.parse(p.last_sync_at) - Date.now()) < 10000, p.last_sync_at);
  } finally {
    await d.stop();
  }
});

test('a projection that cannot be updated: 503, logged once, ok again after', async () => {
  const d = await startTollgated(
      {args: ['--projection-map-size', '16', '--app-write-rate', '0', '--max-apps', '100000']});
  let hold = null;
  try {
    hold = await holdProjection(d.dataDir);
    // Every write is acknowledged: the store is authoritative, the
    // projection only follows it.
    let n = 0;
    await until('the projection to fail', async () => {
      const batch = await Promise.all([...Array(20).keys()].map(
          () => d.call('POST', '/v1/apps', {body: {name: `fill_${n++}`}})));
      batch.forEach((r) => assert.equal(r.status, 201, r.text));
      return (await health(d)).status === 503;
    }, 120000);

    const failing = await health(d);
    assert.equal(failing.status, 503, failing.text);
    assert.equal(failing.json.status, 'failing');
    const p = failing.json.projection;
    assert.equal(p.status, 'failing');
    assert.match(p.error.message, /the projection is full; raise --projection-map-size/);
    assert.match(p.error.since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(p.error.failures >= 1);
    assert.ok(p.lag > 0, failing.text);
    assert.equal(p.lag, p.latest_seq - p.applied_seq);

    // A write while failing is still acknowledged, and widens the lag.
    const app = await d.call('POST', '/v1/apps', {body: {name: 'while_failing'}});
    assert.equal(app.status, 201, app.text);
    const patched = await d.call('PATCH', `/v1/apps/${app.json.id}`, {body: {description: 'x'}});
    assert.equal(patched.status, 200, patched.text);
    const later = await health(d);
    assert.equal(later.status, 503);
    assert.ok(later.json.projection.lag >= p.lag + 2, later.text);

    // The projector retries every second; the log says it once.
    await sleep(3500);
    const again = await health(d);
    assert.ok(again.json.projection.error.failures >= p.error.failures + 2, again.text);
    assert.equal(again.json.projection.error.since, p.error.since);
    const failed = logged(d, 'projection update failed');
    assert.equal(failed.length, 1, JSON.stringify(failed));
    assert.match(failed[0].error, /the projection is full/);
    assert.equal(logged(d, 'projection update still failing').length, 0);

    // The cause removed, the next retry catches up.
    await hold.release();
    hold = null;
    const ok = await until('the projection to recover', async () => {
      const r = await health(d);
      return r.status === 200 && r.json.projection.lag === 0 ? r : null;
    });
    assert.equal(ok.json.status, 'ok');
    assert.equal(ok.json.projection.status, 'ok');
    assert.equal(ok.json.projection.error, null);
    assert.equal(ok.json.projection.applied_seq, later.json.projection.latest_seq);
    const recovered = logged(d, 'projection recovered');
    assert.equal(recovered.length, 1, d.stderr);
    assert.ok(recovered[0].failures >= 3);
    assert.equal(logged(d, 'projection update failed').length, 1);
  } finally {
    if (hold) {
      await hold.release();
    }
    await d.stop();
  }
});

test('a full projection mends when tollgated restarts with a larger map', async () => {
  const small = ['--projection-map-size', '16', '--app-write-rate', '0', '--max-apps', '100000'];
  const d = await startTollgated({args: small});
  let hold = null;
  try {
    hold = await holdProjection(d.dataDir);
    let n = 0;
    await until('the projection to fail', async () => {
      const batch = await Promise.all([...Array(20).keys()].map(
          () => d.call('POST', '/v1/apps', {body: {name: `big_${n++}`}})));
      batch.forEach((r) => assert.equal(r.status, 201, r.text));
      return (await health(d)).status === 503;
    }, 120000);
    const failing = (await health(d)).json.projection;

    // The stuck reader stays; the larger map makes room all the same.
    await d.stop({keepData: true});
    d.args = ['--projection-map-size', '64', ...small.slice(2)];
    await d.restart();
    const ok = await health(d);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.projection.status, 'ok');
    assert.equal(ok.json.projection.lag, 0);
    assert.equal(ok.json.projection.applied_seq, failing.latest_seq);
    assert.equal(logged(d, 'projection update failed').length, 0);
  } finally {
    if (hold) {
      await hold.release();
    }
    await d.stop();
  }
});

test('tollgate up says when the projection fails, and where the logs are', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tollgate-up-health-'));
  const adminPort = await freePort();
  const gatewayPort = await freePort();
  const proc = spawn(
      path.join(binDir, 'tollgate'),
      [
        'up', '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${adminPort}`, '--gateway-listen',
        `127.0.0.1:${gatewayPort}`
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: '/nonexistent',
          TOLLGATE_PROJECTION_MAP_SIZE: '16',
          TOLLGATE_APP_WRITE_RATE: '0',
          TOLLGATE_MAX_APPS: '100000',
        }
      });
  let out = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (c) => out += c);
  proc.stderr.on('data', (c) => out += c);
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  let hold = null;
  try {
    await until(
        'tollgate up to start', () => out.includes('Ctrl-C stops both.') || proc.exitCode !== null);
    assert.match(out, /Ctrl-C stops both\./);
    assert.match(
        out, new RegExp(`logs +tollgated: this terminal; nginx: .*${dataDir}/nginx/error\\.log`));

    const text = await readFile(path.join(dataDir, 'admin-access-key'), 'utf8');
    const id = text.match(/^access_key_id = (\S+)$/m)[1];
    const secret = text.match(/^access_key_secret = (\S+)$/m)[1];
    const authorization = 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
    const base = `http://127.0.0.1:${adminPort}`;

    hold = await holdProjection(dataDir);
    let n = 0;
    await until('the projection to fail', async () => {
      await Promise.all([...Array(20).keys()].map(async () => {
        const r = await fetch(`${base}/v1/apps`, {
          method: 'POST',
          headers: {authorization, 'content-type': 'application/json'},
          body: JSON.stringify({name: `up_fill_${n++}`}),
        });
        assert.equal(r.status, 201, await r.text());
      }));
      return (await fetch(`${base}/healthz`)).status === 503;
    }, 120000);
    await until('tollgate up to report it', () => out.includes('the projection is failing'), 15000);
    assert.match(out, /tollgate: the projection is failing: the projection is full/);

    await hold.release();
    hold = null;
    await until(
        'tollgate up to report the recovery', () => out.includes('the projection is current again'),
        15000);
    assert.equal(out.split('the projection is failing').length, 2, out);
  } finally {
    if (hold) {
      await hold.release();
    }
    proc.kill('SIGINT');
  }
  assert.equal(await exited, 0, out);
  assert.doesNotMatch(out, SANITIZER);
  await rm(dataDir, {recursive: true, force: true});
});
