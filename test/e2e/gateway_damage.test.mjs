// A damaged projection never kills a gateway worker: a data file cut
// short is found before it is read (reading it would raise SIGBUS), calls
// get 503 meanwhile, the error log says so, and once tollgated rebuilds
// the projection (it does at start) calls pass again without a reload.
// The reader slots of a worker that died anyway are reclaimed.

import assert from 'node:assert/strict';
import {truncate} from 'node:fs/promises';
import path from 'node:path';
import {test} from 'node:test';

import {eventually} from './lib/gateway.mjs';
import {bothAnswer, byAppCode, bySignature, grantedApp, Stack, WORKERS} from './lib/stack.mjs';

const UNAVAILABLE = {
  status: 503,
  message: 'Projection Unavailable'
};

function startsOfWorkers(log) {
  return (log.match(/start worker process /g) || []).length;
}

test('a projection cut short gets 503, kills no worker, and is rebuilt by tollgated', async () => {
  const stack = await new Stack().init();
  try {
    await stack.admin.start();
    await stack.startNginx();
    const app = await grantedApp(stack, 'damaged');
    await eventually(() => bothAnswer(stack, app, 200));
    // Several apps, so that the data file holds pages past the first two.
    for (let i = 0; i < 20; i++) {
      await grantedApp(stack, `filler-${i}`);
    }
    await eventually(() => bothAnswer(stack, app, 200));

    // The probe: the data file cut to its two meta pages, under running
    // workers whose maps still cover the pages that are gone.
    await stack.admin.stop({keepData: true});
    await truncate(path.join(stack.dataDir, 'projection', 'data.mdb'), 8192);
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(await bySignature(stack, app), UNAVAILABLE);
      assert.deepEqual(await byAppCode(stack, app), UNAVAILABLE);
    }
    let log = await stack.errorLog();
    assert.doesNotMatch(log, /exited on signal/);
    assert.equal(startsOfWorkers(log), WORKERS, log);
    assert.match(
        log, /the projection ".*" is damaged: its data file holds 8192 bytes, its pages need \d+/);

    // tollgated rebuilds it at start; the workers follow without a reload.
    await stack.admin.restart();
    assert.match(stack.admin.stderr, /the data file is damaged; rebuilding the projection/);
    await eventually(() => bothAnswer(stack, app, 200), 5000);
    log = await stack.errorLog();
    assert.doesNotMatch(log, /exited on signal/);
    assert.equal(startsOfWorkers(log), WORKERS, log);
    assert.match(log, /is open and current again \(\d+ calls refused meanwhile\)/);

    // Cut short under a running tollgated: it rebuilds the projection
    // before its next sync (about a second) and keeps running.
    await truncate(path.join(stack.dataDir, 'projection', 'data.mdb'), 8192);
    await eventually(
        () => /the data file is damaged; rebuilding the projection/.test(stack.admin.stderr), 5000);
    await eventually(() => bothAnswer(stack, app, 200), 5000);
    assert.equal(stack.admin.proc.exitCode, null);
    log = await stack.errorLog();
    assert.doesNotMatch(log, /exited on signal/);
    assert.equal(startsOfWorkers(log), WORKERS, log);
  } finally {
    await stack.stop();
  }
});

test('the reader slot of a worker killed while it held one is reclaimed', async () => {
  const stack = await new Stack().init();
  try {
    await stack.admin.start();
    await stack.startNginx();
    const app = await grantedApp(stack, 'reader');
    await eventually(() => bothAnswer(stack, app, 200));

    // Every worker holds a reader slot once it served a call; one dies.
    const [victim] = await stack.workers();
    stack.killWorker(victim);
    await eventually(async () => startsOfWorkers(await stack.errorLog()) > WORKERS, 5000);
    await eventually(() => bothAnswer(stack, app, 200));

    // The new worker freed the dead one's slot when it opened the projection.
    await eventually(
        async () =>
            /held the reader slots of 1 dead processes; freed them/.test(await stack.errorLog()),
        5000);

    // So does tollgated at its start, while a live worker keeps the lock
    // file's table (nginx's master held still, so that no new worker
    // reclaims the slot first).  Every worker holds a slot from its start.
    await eventually(async () => (await stack.workers()).length === WORKERS, 5000);
    const [another] = await stack.workers();
    stack.nginx.kill('SIGSTOP');
    try {
      stack.killWorker(another);
      await stack.admin.stop({keepData: true});
      await stack.admin.restart();
    } finally {
      stack.nginx.kill('SIGCONT');
    }
    assert.ok(
        stack.admin.logLines.some(
            (l) => l.msg === 'projection: freed dead readers\' slots' && l.readers === 1),
        stack.admin.stderr);
    await eventually(() => bothAnswer(stack, app, 200), 5000);
  } finally {
    await stack.stop();
  }
});
