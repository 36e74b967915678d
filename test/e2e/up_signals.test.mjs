// However `tollgate up` ends, both of its children stop: SIGINT, SIGTERM
// and SIGHUP stop them in order; SIGKILL (or a crash) leaves the kernel
// to send them SIGTERM (PR_SET_PDEATHSIG).  And while it runs, the
// gateway's refusals reach its terminal, one short line each.

import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {freePort} from './lib/gateway.mjs';
import {SANITIZER} from './lib/tollgated.mjs';
import {eventually, gone, refuses, up} from './lib/up.mjs';

async function stack() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tollgate-upsig-'));
  const adminPort = await freePort();
  const gatewayPort = await freePort();
  const run = await up([
    '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${adminPort}`, '--gateway-listen',
    `127.0.0.1:${gatewayPort}`
  ]);
  assert.match(run.out, /Ctrl-C stops both\./, run.out);
  const tollgated = Number((await readFile(path.join(dataDir, 'lock'), 'utf8')).trim());
  const nginx = Number((await readFile(path.join(dataDir, 'nginx/nginx.pid'), 'utf8')).trim());
  assert.ok(tollgated > 0 && nginx > 0);
  return {dataDir, adminPort, gatewayPort, run, pids: [tollgated, nginx]};
}

async function assertStopped(s) {
  assert.ok(await eventually(() => refuses(s.gatewayPort)), 'nginx still listens');
  assert.ok(await eventually(() => refuses(s.adminPort)), 'tollgated still listens');
  for (const pid of s.pids) {
    assert.ok(await eventually(() => gone(pid)), `PID ${pid} still runs`);
  }
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  test(`${signal} to tollgate up stops tollgated and nginx`, async () => {
    const s = await stack();
    try {
      if (signal === 'SIGINT') {
        // Refusals are shown as they happen, and the banner says so.
        assert.match(s.run.out, /refusals  shown here, one line each; every call: .*access\.log/);
        const res = await fetch(`http://127.0.0.1:${s.gatewayPort}/nokey?x=1`);
        assert.equal(res.status, 401);
        assert.ok(
            await eventually(() => /gateway: 401 GET \/nokey \(-\): \S/.test(s.run.stdout), 5000),
            s.run.out);
        // Only calls: tollgate up's own readiness checks are not refusals.
        assert.doesNotMatch(s.run.stdout, /gateway: \d+ GET \/ /);
      }
      s.run.proc.kill(signal);
      const {code} = await s.run.exited;
      assert.equal(code, 0, s.run.out);
      assert.match(s.run.out, new RegExp(`stopping \\(${signal}\\)`));
      await assertStopped(s);
      assert.doesNotMatch(s.run.out, SANITIZER);
    } finally {
      s.run.proc.kill('SIGKILL');
      await rm(s.dataDir, {recursive: true, force: true});
    }
  });
}

test('SIGKILL of tollgate up still stops tollgated and nginx', async () => {
  const s = await stack();
  try {
    s.run.proc.kill('SIGKILL');
    const {signal} = await s.run.exited;
    assert.equal(signal, 'SIGKILL');
    await assertStopped(s);
  } finally {
    await rm(s.dataDir, {recursive: true, force: true});
  }
});
