// Reload of the limits: SIGHUP makes tollgated re-read its config file
// and apply the service's limits (max_apps, max_body, max_grace_seconds,
// app_write_rate...) to the requests that follow, while it serves; the
// settings that cannot change live are named in the log as needing a
// restart, and keep their old values.

import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {startTollgated} from './lib/tollgated.mjs';
import {eventually} from './lib/up.mjs';

function logged(d, msg) {
  return d.logLines.filter((l) => l.msg === msg);
}

async function sighup(d, conf, text) {
  const before = logged(d, 'settings reloaded').length;
  await writeFile(conf, text);
  d.proc.kill('SIGHUP');
  assert.ok(await eventually(async () => logged(d, 'settings reloaded').length > before), d.stderr);
}

// A JSON body of exactly n bytes: an app create with a long description.
function bodyOf(n, name) {
  const head = `{"name":"${name}","description":"`;
  return head + 'd'.repeat(n - head.length - 2) + '"}';
}

test('SIGHUP applies new limits to the requests that follow', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-reload-limits-'));
  const conf = path.join(dir, 'tollgated.conf');
  await writeFile(conf, 'max_apps = 2\nmax_body = 1024\nmax_grace_seconds = 100\nthreads = 2\n');
  const d = await startTollgated({args: ['--config', conf]});
  const json = {'content-type': 'application/json'};
  try {
    // The limits at start.
    for (const name of ['a1', 'a2']) {
      assert.equal((await d.call('POST', '/v1/apps', {body: {name}})).status, 201);
    }
    let res = await d.call('POST', '/v1/apps', {body: {name: 'a3'}});
    assert.equal(res.status, 409, res.text);
    assert.equal(res.json.error.code, 'app_limit_exceeded');
    res = await d.call('POST', '/v1/apps', {raw: bodyOf(1025, 'big'), headers: json});
    assert.equal(res.status, 413, res.text);
    const app = (await d.call('GET', '/v1/apps?name=a1')).json.items[0];
    res = await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {grace_seconds: 101}});
    assert.equal(res.status, 422, res.text);
    assert.equal(res.json.error.field, 'grace_seconds');
    assert.match(res.json.error.message, /from 0 to 100/);

    // Raised in the file, then SIGHUP: the next requests see them, at
    // the new edges.  threads cannot change live.
    await sighup(
        d, conf,
        'max_apps = 3\nmax_body = 2048\nmax_grace_seconds = 300\nthreads = 3\n' +
            'authing_token_seconds = 600\n');
    const applied = logged(d, 'setting applied').map((l) => l.setting).sort();
    assert.deepEqual(applied, ['max_apps', 'max_body', 'max_grace_seconds']);
    const restart = logged(d, 'setting changed, needs a restart');
    assert.deepEqual(restart.map((l) => l.setting).sort(), ['authing_token_seconds', 'threads']);
    assert.ok(restart.every((l) => l.level === 'warn'));

    assert.equal((await d.call('POST', '/v1/apps', {body: {name: 'a3'}})).status, 201);
    res = await d.call('POST', '/v1/apps', {body: {name: 'a4'}});
    assert.equal(res.status, 409, res.text);
    res = await d.call('POST', '/v1/apps', {raw: bodyOf(2048, 'big'), headers: json});
    assert.equal(res.status, 422, res.text);  // read, then judged
    assert.equal(res.json.error.field, 'description');
    res = await d.call('POST', '/v1/apps', {raw: bodyOf(2049, 'big'), headers: json});
    assert.equal(res.status, 413, res.text);
    res = await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {grace_seconds: 301}});
    assert.equal(res.status, 422, res.text);
    assert.match(res.json.error.message, /from 0 to 300/);
    res = await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {grace_seconds: 300}});
    assert.equal(res.status, 200, res.text);

    // Lowered again: the limit holds downward too.
    await sighup(d, conf, 'max_apps = 1\nmax_body = 1024\nthreads = 2\n');
    const app2 = (await d.call('GET', '/v1/apps?name=a2')).json.items[0];
    assert.equal((await d.call('DELETE', `/v1/apps/${app2.id}`)).status, 204);
    res = await d.call('POST', '/v1/apps', {body: {name: 'a5'}});
    assert.equal(res.status, 409, res.text);
    res = await d.call('POST', `/v1/apps/${app.id}/reset-secret`, {body: {grace_seconds: 604800}});
    assert.equal(res.status, 200, res.text);  // back to the default

    // A bad file keeps every limit as it was.
    await writeFile(conf, 'max_apps = 0\n');
    const bad = logged(d, 'settings not reloaded, the old ones stay').length;
    d.proc.kill('SIGHUP');
    assert.ok(await eventually(
        async () => logged(d, 'settings not reloaded, the old ones stay').length > bad));
    res = await d.call('POST', '/v1/apps', {raw: bodyOf(1025, 'big'), headers: json});
    assert.equal(res.status, 413, res.text);
    assert.equal((await d.call('POST', '/v1/apps', {body: {name: 'a6'}})).status, 409);
  } finally {
    await d.stop();
    await rm(dir, {recursive: true, force: true});
  }
});

test('app_write_rate changes live', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-reload-rate-'));
  const conf = path.join(dir, 'tollgated.conf');
  await writeFile(conf, 'app_write_rate = 0.001\napp_write_burst = 1\n');
  const d = await startTollgated({args: ['--config', conf]});
  try {
    assert.equal((await d.call('POST', '/v1/apps', {body: {name: 'r1'}})).status, 201);
    let res = await d.call('POST', '/v1/apps', {body: {name: 'r2'}});
    assert.equal(res.status, 429, res.text);
    await sighup(d, conf, 'app_write_rate = 0\n');
    for (const name of ['r2', 'r3', 'r4']) {
      res = await d.call('POST', '/v1/apps', {body: {name}});
      assert.equal(res.status, 201, res.text);
    }
  } finally {
    await d.stop();
    await rm(dir, {recursive: true, force: true});
  }
});
