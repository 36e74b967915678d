// The gateway's view of the projection stays honest: a projection that
// tollgated replaced is followed without a reload, a missing one refuses
// calls (503) until it appears, one that tollgated stopped confirming
// (its heartbeat) refuses calls until it does again, and the error log
// says so without flooding.  Each test starts tollgated and nginx itself, in the order
// the case needs, on one data directory.

import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {closeSync, openSync, readFileSync, readSync} from 'node:fs';
import {readFile, rename, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {test} from 'node:test';

import {eventually} from './lib/gateway.mjs';
import {bothAnswer, byAppCode, bySignature, grantedApp, Stack, WORKERS} from './lib/stack.mjs';

test('a projection rebuilt by a restarted tollgated is followed without a reload', async () => {
  const stack = await new Stack().init();
  try {
    await stack.admin.start();
    await stack.startNginx();
    const app = await grantedApp(stack, 'replaced');
    await eventually(() => bothAnswer(stack, app, 200));

    // The probe: the projection is removed and tollgated restarted, so
    // it builds a new one in a new file; then the app is disabled.
    await stack.admin.stop({keepData: true});
    await stack.removeProjection();
    await stack.admin.restart();
    await stack.call('PATCH', `/v1/apps/${app.id}`, {status: 'disabled'});

    // The running workers switch to the new projection and refuse it.
    await eventually(() => bothAnswer(stack, app, 403, 'App Disabled'), 5000);
    assert.match(await stack.errorLog(), /the projection ".*" was replaced or removed/);

    await stack.call('PATCH', `/v1/apps/${app.id}`, {status: 'enabled'});
    await eventually(() => bothAnswer(stack, app, 200), 5000);
  } finally {
    await stack.stop();
  }
});

test('a projection moved away, its files still linked, is followed by its path', async () => {
  const stack = await new Stack().init();
  try {
    await stack.admin.start();
    await stack.startNginx();
    const app = await grantedApp(stack, 'moved');
    await eventually(() => bothAnswer(stack, app, 200));

    // The probe: the directory is renamed, so the files the workers hold
    // stay linked (only the paths tell), and tollgated makes a new one.
    await stack.admin.stop({keepData: true});
    const dir = path.join(stack.dataDir, 'projection');
    await rename(dir, `${dir}.old`);
    await stack.admin.restart();
    await stack.call('PATCH', `/v1/apps/${app.id}`, {status: 'disabled'});

    await eventually(() => bothAnswer(stack, app, 403, 'App Disabled'), 5000);
    assert.match(await stack.errorLog(), /the projection ".*" was replaced or removed/);
  } finally {
    await stack.stop();
  }
});

test('nginx started before tollgated refuses calls with 503, then passes', async () => {
  const stack = await new Stack().init();
  try {
    // tollgated made the key and the app before; its projection is gone.
    await stack.admin.start();
    const app = await grantedApp(stack, 'early');
    await stack.admin.stop({keepData: true});
    await stack.removeProjection();

    await stack.startNginx();
    for (let i = 0; i < 30; i++) {
      assert.deepEqual(
          await bySignature(stack, app), {status: 503, message: 'Projection Unavailable'});
      assert.deepEqual(
          await byAppCode(stack, app), {status: 503, message: 'Projection Unavailable'});
    }
    // A 503 of the module is JSON, in the scheme's shape: no HTML page.
    const res = await fetch(
        `${stack.url}/json`, {headers: {authorization: `APPCODE ${app.app_codes[0].app_code}`}});
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.equal((await res.json()).Message, 'Projection Unavailable');

    await stack.admin.restart();
    await eventually(() => bothAnswer(stack, app, 200), 5000);

    // Sixty refusals, and the failure was logged once per worker, not per call.
    const log = await stack.errorLog();
    const reports = log.split('\n').filter((l) => l.includes('cannot open the projection'));
    assert.ok(reports.length >= 1 && reports.length <= WORKERS, reports.join('\n'));
    const refused = [...log.matchAll(/is open and current again \((\d+) calls refused meanwhile/g)];
    assert.ok(refused.length >= 1 && refused.length <= WORKERS, log);
    assert.ok(refused.reduce((sum, m) => sum + Number(m[1]), 0) >= 60, log);
  } finally {
    await stack.stop();
  }
});

test('a projection tollgated stopped confirming refuses calls until it does again', async () => {
  const stack = await new Stack({http: 'tollgate_projection_max_age 3s;'}).init();
  try {
    await stack.admin.start();
    await stack.startNginx();
    const app = await grantedApp(stack, 'heartbeat');
    await eventually(() => bothAnswer(stack, app, 200));

    // tollgated frozen: its last heartbeat ages past the bound.
    stack.admin.proc.kill('SIGSTOP');
    const stopped = Date.now();
    await eventually(() => bothAnswer(stack, app, 503, 'Projection Stale'), 8000);
    assert.ok(Date.now() - stopped >= 1000, 'refused too early');
    assert.match(
        await stack.errorLog(),
        /the projection ".*" is stale: tollgated last confirmed it \d+ms ago/);

    stack.admin.proc.kill('SIGCONT');
    await eventually(() => bothAnswer(stack, app, 200), 5000);
    assert.match(await stack.errorLog(), /is open and current again/);
  } finally {
    await stack.stop();
  }
});

test('tollgate_projection_max_age takes off or at least two heartbeats', async () => {
  const stack = await new Stack().init();
  try {
    await stack.admin.start();  // makes the key that the configuration reads
    for (const [value, ok] of [
             ['off', true], ['2s', true], ['1m', true], ['1s', false], ['x', false]]) {
      stack.http = `tollgate_projection_max_age ${value};`;
      const r = await stack.checkConf();
      assert.equal(r.status === 0, ok, `${value}: ${r.stderr}`);
      if (!ok) {
        assert.match(
            r.stderr, /tollgate_projection_max_age must be "off" or a time of at least 2000ms/);
      }
    }
  } finally {
    await stack.stop();
  }
});

// Whether a process's readable memory holds needle; null if this
// system does not let the test read it.
function memoryHolds(pid, needle) {
  let maps, fd;
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n');
    fd = openSync(`/proc/${pid}/mem`, 'r');
  } catch {
    return null;
  }
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (const line of maps) {
      const m = line.match(/^([0-9a-f]+)-([0-9a-f]+) r/);
      if (!m || /\[(vvar|vsyscall|vdso)\]/.test(line)) {
        continue;
      }
      const end = parseInt(m[2], 16);
      // Terabytes of a sanitizer's shadow memory (make e2e-nginx-asan)
      // would take hours to read, and hold no copy of nginx's data.
      if (end - parseInt(m[1], 16) > 2 ** 32) {
        continue;
      }
      // Chunks overlap by the needle's length, so no match is split.
      for (let at = parseInt(m[1], 16); at < end; at += chunk.length - needle.length) {
        let n;
        try {
          n = readSync(fd, chunk, 0, Math.min(chunk.length, end - at), at);
        } catch {
          break;  // a region the kernel will not read
        }
        if (chunk.subarray(0, n).includes(needle)) {
          return true;
        }
      }
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

test('the master wipes the data-plane key of a configuration it frees', async (t) => {
  const stack = await new Stack().init();
  try {
    await stack.admin.start();
    await stack.startNginx();
    const keyFile = path.join(stack.dataDir, 'dataplane.key');
    const first = Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'hex');
    const seen = memoryHolds(stack.nginx.pid, first);
    if (seen === null) {
      t.skip('this system does not let the test read nginx\'s memory');
      return;
    }
    assert.ok(seen, 'the test cannot see the key it looks for');

    // A reload with another key frees the first configuration.
    await writeFile(keyFile, randomBytes(32).toString('hex') + '\n');
    stack.nginx.kill('SIGHUP');
    await eventually(
        async () => ((await stack.errorLog()).match(/start worker processes/g) || []).length >= 2,
        5000);
    assert.equal(memoryHolds(stack.nginx.pid, first), false);
  } finally {
    await stack.stop();
  }
});
