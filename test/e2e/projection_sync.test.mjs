// The projection's commits are not fsynced (docs/architecture.md, "The
// change log and the projection"): a crash of tollgated loses nothing of
// it (the page cache survives), and a crash of the system leaves the
// mark of the boot that had unsynced commits, so that the next start
// rebuilds the projection from the change log.  The test build plays a
// restart of the system with TOLLGATE_TEST_BOOT_ID.  After each start,
// test/tools/projection_check finds the projection equal to the store.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {test} from 'node:test';

import {pgStoreUrl, repoRoot, startTollgated} from './lib/tollgated.mjs';

const CHECKER = process.env.TOLLGATE_PROJECTION_CHECK ||
    path.join(repoRoot, 'build/test/tools/projection_check');
const REBUILT = /the system restarted before its last commits were synced/;
const BOOT_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const BOOT_B = 'bbbbbbbb-0000-4000-8000-000000000002';

function checkProjection(d) {
  const store = pgStoreUrl(d.dataDir);  // null for SQLite
  const r = spawnSync(CHECKER, [d.dataDir, ...(store ? [store] : [])], {encoding: 'utf8'});
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const m = r.stdout.match(/compared (\d+) records/);
  assert.ok(m && Number(m[1]) > 0, r.stdout);
}

// Writes a few apps and resets; returns when the projection has them.
async function write(d, tag) {
  for (let i = 0; i < 5; i++) {
    const app = await d.call('POST', '/v1/apps', {body: {name: `${tag}${i}`}});
    assert.equal(app.status, 201, app.text);
    const reset = await d.call('POST', `/v1/apps/${app.json.id}/reset-secret`, {body: {}});
    assert.equal(reset.status, 200, reset.text);
  }
  for (let tries = 0; tries < 200; tries++) {
    const h = await d.call('GET', '/healthz', {auth: null});
    if (h.json?.projection?.lag === 0) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail('the projection did not catch up');
}

test('a crash of tollgated keeps the projection; a crash of the system rebuilds it', async () => {
  const d = await startTollgated({env: {TOLLGATE_TEST_BOOT_ID: BOOT_A}});
  try {
    await write(d, 'first');
    await d.kill9();

    // The same boot: the page cache held every unsynced commit.
    await d.restart();
    assert.doesNotMatch(d.stderr, REBUILT);
    checkProjection(d);
    await write(d, 'second');
    await d.kill9();

    // Another boot: the unsynced commits may be torn or lost.
    d.env.TOLLGATE_TEST_BOOT_ID = BOOT_B;
    await d.restart();
    assert.match(d.stderr, REBUILT);
    checkProjection(d);
    await write(d, 'third');
    await d.stop({keepData: true});

    // A clean stop synced everything and removed the mark.
    d.env.TOLLGATE_TEST_BOOT_ID = BOOT_A;
    await d.restart();
    assert.doesNotMatch(d.stderr, REBUILT);
    checkProjection(d);
  } finally {
    await d.stop();
  }
});
