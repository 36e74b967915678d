// Reload: SIGHUP makes tollgated reopen its log file (logrotate renames
// it first) and apply the settings that change live (log_level); a bad
// setting keeps the old ones.  `tollgate reload` finds tollgated's PID in
// the data directory's lock file, and reloads the nginx that `tollgate
// up` started, with the configuration it rendered.

import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {mkdtemp, readFile, rename, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {freePort} from './lib/gateway.mjs';
import {binDir, SANITIZER} from './lib/tollgated.mjs';
import {eventually, up} from './lib/up.mjs';

function reload(dataDir, ...more) {
  return spawnSync(path.join(binDir, 'tollgate'), ['reload', '--data-dir', dataDir, ...more], {
    encoding: 'utf8',
    env: {PATH: process.env.PATH, HOME: '/nonexistent'},
  });
}

async function text(file) {
  return readFile(file, 'utf8').catch(() => '');
}

test('SIGHUP reopens the log file and applies log_level; tollgate reload sends it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-reload-'));
  const conf = path.join(dir, 'tollgated.conf');
  const log = path.join(dir, 'tollgated.log');
  const dataDir = path.join(dir, 'var');
  const port = await freePort();
  await writeFile(conf, `log_level = info\nlog_file = ${log}\n`);
  const proc = spawn(
      path.join(binDir, 'tollgated'),
      ['--config', conf, '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`],
      {stdio: ['ignore', 'ignore', 'pipe']});
  let stderr = '';
  proc.stderr.on('data', (c) => stderr += c);
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  const health = () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.text());
  try {
    assert.ok(await eventually(() => health().then(() => true, () => false)));
    assert.match(await text(log), /tollgated listening/);
    assert.equal(stderr, '', 'the log goes to the file, not to stderr');

    // logrotate's part: rename; then tollgate reload.
    await rename(log, `${log}.1`);
    await health();
    let r = reload(dataDir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
        r.stdout, `tollgated (PID ${proc.pid}): reloading its settings, reopening its log\n`);
    assert.ok(await eventually(async () => /settings reloaded/.test(await text(log))));
    const rotated = await text(`${log}.1`);
    await health();
    assert.ok(await eventually(async () => /request .*path=\/healthz/.test(await text(log))));
    assert.equal(await text(`${log}.1`), rotated, 'the old file got new lines');
    assert.match((await text(log)), /settings reloaded log_level=info/);

    // log_level is live: at warn, a request (info) is no longer logged.
    await writeFile(conf, `log_level = warn\nlog_file = ${log}\n`);
    process.kill(proc.pid, 'SIGHUP');
    // The reload logs its lines at info, then lowers the level: a request
    // sent meanwhile could still be logged.
    assert.ok(
        await eventually(async () => /settings reloaded log_level=warn/.test(await text(log))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await health();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writeFile(conf, `log_level = loud\nlog_file = ${log}\n`);
    process.kill(proc.pid, 'SIGHUP');
    assert.ok(await eventually(async () => /settings not reloaded/.test(await text(log))));
    const lines = (await text(log)).split('\n');
    const at = lines.findIndex((l) => /settings not reloaded/.test(l));
    assert.match(lines[at], /error=".*tollgated\.conf:1: log_level must be one of/);
    // Between the reload to warn and the failed one: no request line.
    const before = lines.slice(0, at).reverse();
    assert.doesNotMatch(
        before.slice(0, before.findIndex((l) => /settings reloaded/.test(l))).join('\n'),
        /request/);
    assert.equal(proc.exitCode, null, 'tollgated stopped on a bad reload');
  } finally {
    proc.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
  assert.doesNotMatch(await text(log), SANITIZER);

  // No tollgated on the data directory now: reload says so.
  const r = reload(dataDir);
  assert.equal(r.status, 3);
  assert.equal(r.stderr, `tollgate: no tollgated runs on ${dataDir}\n`);
  await rm(dir, {recursive: true, force: true});
});

test('tollgate reload reloads the nginx of tollgate up too', async () => {
  const parent = await mkdtemp(path.join(tmpdir(), 'tollgate-reload-up-'));
  const dataDir = path.join(parent, 'var');
  const gatewayPort = await freePort();
  const run = await up([
    '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${await freePort()}`, '--gateway-listen',
    `127.0.0.1:${gatewayPort}`
  ]);
  try {
    assert.match(run.out, /Ctrl-C stops both\./, run.out);
    const r = reload(dataDir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^tollgated \(PID \d+\): reloading/);
    assert.match(r.stdout, new RegExp(`^nginx: reloading ${dataDir}/nginx/nginx\\.conf$`, 'm'));
    assert.ok(await eventually(async () => /settings reloaded/.test(run.out)));
    assert.ok(await eventually(
        async () => /signal 1 \(SIGHUP\) received.*reconfiguring/.test(
            await text(path.join(dataDir, 'nginx/error.log')))));
    // Both still serve.
    assert.equal((await fetch(`http://127.0.0.1:${gatewayPort}/x`)).status, 401);
    assert.equal(run.proc.exitCode, null);
  } finally {
    run.proc.kill('SIGINT');
    await run.exited;
    await rm(parent, {recursive: true, force: true});
  }
});
