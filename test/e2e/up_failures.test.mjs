// tollgate up when it cannot start: it checks its own children (not
// "something answers on the port"), names the real cause, stops what it
// started, removes a data directory it created, and exits non-zero,
// before any banner.

import assert from 'node:assert/strict';
import {access, mkdtemp, readFile, rm} from 'node:fs/promises';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {freePort} from './lib/gateway.mjs';
import {SANITIZER} from './lib/tollgated.mjs';
import {refuses, up} from './lib/up.mjs';

// An HTTP server on a port, as another program would hold it.
async function squatter(port) {
  const server = http.createServer((req, res) => res.end('not tollgate\n'));
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function exists(file) {
  return access(file).then(() => true, () => false);
}

async function scratch() {
  const parent = await mkdtemp(path.join(tmpdir(), 'tollgate-upfail-'));
  return {parent, dataDir: path.join(parent, 'var')};
}

test('the admin port taken: says so, starts nothing, removes the new data directory', async () => {
  const {parent, dataDir} = await scratch();
  const adminPort = await freePort();
  const gatewayPort = await freePort();
  const other = await squatter(adminPort);
  try {
    const run = await up([
      '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${adminPort}`, '--gateway-listen',
      `127.0.0.1:${gatewayPort}`
    ]);
    const {code} = await run.exited;
    assert.equal(code, 4, run.out);
    assert.match(
        run.stderr,
        new RegExp(`tollgated did not start: the address 127\\.0\\.0\\.1:${
            adminPort} is in use by another program \\(choose another with --admin-listen\\)`));
    // tollgated's own line says it too.
    assert.match(run.stderr, /cannot start step=listen/);
    assert.doesNotMatch(run.out, /Tollgate is up|no access key|registered the API/);
    assert.equal(await exists(dataDir), false, 'the data directory this start made is kept');
    assert.ok(await refuses(gatewayPort), 'nginx listens');
    assert.doesNotMatch(run.out, SANITIZER);
  } finally {
    await new Promise((resolve) => other.close(resolve));
    await rm(parent, {recursive: true, force: true});
  }
});

test('the gateway port taken: says so, stops tollgated, prints no banner', async () => {
  const {parent, dataDir} = await scratch();
  const adminPort = await freePort();
  const gatewayPort = await freePort();
  const other = await squatter(gatewayPort);
  try {
    const run = await up([
      '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${adminPort}`, '--gateway-listen',
      `127.0.0.1:${gatewayPort}`
    ]);
    const {code} = await run.exited;
    assert.equal(code, 4, run.out);
    assert.match(
        run.stderr,
        new RegExp(`nginx did not start: the address 127\\.0\\.0\\.1:${
            gatewayPort} is in use by another program \\(choose another with --gateway-listen\\)`));
    assert.match(run.stderr, /nginx: \[emerg\] bind\(\) .* failed \(98: Address already in use\)/);
    assert.doesNotMatch(run.out, /Tollgate is up/);
    assert.ok(await refuses(adminPort), 'tollgated still listens');
    assert.equal(await exists(dataDir), false);
    // The other program was left alone.
    assert.equal(await (await fetch(`http://127.0.0.1:${gatewayPort}/`)).text(), 'not tollgate\n');
    assert.doesNotMatch(run.out, SANITIZER);
  } finally {
    await new Promise((resolve) => other.close(resolve));
    await rm(parent, {recursive: true, force: true});
  }
});

test('a second tollgate up on the same data directory names the PID that holds it', async () => {
  const {parent, dataDir} = await scratch();
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const first = await up([
    '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${ports[0]}`, '--gateway-listen',
    `127.0.0.1:${ports[1]}`
  ]);
  try {
    assert.match(first.out, /Tollgate is up/);
    const holder = Number((await readFile(path.join(dataDir, 'lock'), 'utf8')).trim());
    assert.ok(holder > 0);

    const second = await up([
      '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${ports[2]}`, '--gateway-listen',
      `127.0.0.1:${ports[3]}`
    ]);
    const {code} = await second.exited;
    assert.equal(code, 4, second.out);
    assert.match(
        second.stderr,
        new RegExp(`tollgated did not start: the data directory ${dataDir} is locked by PID ${
            holder} \\(another tollgated`));
    assert.match(second.stderr, new RegExp(`lock="locked by PID ${holder}"`));
    assert.doesNotMatch(second.out, /Tollgate is up|registered the API/);
    assert.ok(await refuses(ports[2]));
    assert.ok(await refuses(ports[3]));

    // The first stack is untouched: its data, its ports.
    assert.ok(await exists(path.join(dataDir, 'admin-access-key')));
    assert.equal((await fetch(`http://127.0.0.1:${ports[0]}/healthz`)).status, 200);
    assert.equal(first.proc.exitCode, null);
  } finally {
    first.proc.kill('SIGINT');
    await first.exited;
    await rm(parent, {recursive: true, force: true});
  }
});
