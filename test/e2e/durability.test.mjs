// What tollgated keeps on disk: acknowledged writes survive kill -9,
// secrets are sealed (no plaintext byte sequence of them reaches the
// database files or the logs), files are private, the first admin key is
// made once, and a loose keyring is refused.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {chmod, mkdtemp, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {binDir, startTollgated, Tollgated} from './lib/tollgated.mjs';

// Every file under dir (the database, the keyring, the LMDB projection...),
// named by its path relative to dir.
async function filesOf(dir) {
  const entries = await readdir(dir, {recursive: true, withFileTypes: true});
  const files = entries.filter((e) => e.isFile());
  return Promise.all(files.map(async (e) => {
    const full = path.join(e.path ?? e.parentPath, e.name);
    return {name: path.relative(dir, full), data: await readFile(full)};
  }));
}

test('acknowledged writes survive kill -9', async () => {
  const d = await startTollgated();
  try {
    const created = await Promise.all([...Array(40).keys()].map(
        (i) => d.call('POST', '/v1/apps', {body: {name: `durable${i}`}})));
    created.forEach((r) => assert.equal(r.status, 201, r.text));
    const reset = await d.call('POST', `/v1/apps/${created[0].json.id}/reset-secret`);
    assert.equal(reset.status, 200);
    // No clean shutdown: the process dies right after the last answer.
    await d.kill9();
    await d.restart();
    const list = await d.call('GET', '/v1/apps?limit=100');
    assert.equal(list.json.total, 40);
    const shown = await d.call('GET', `/v1/apps/${created[0].json.id}/secret`);
    assert.equal(shown.json.app_secret, reset.json.app_secret);
    const other = await d.call('GET', `/v1/apps/${created[39].json.id}/secret`);
    assert.equal(other.json.app_secret, created[39].json.app_secret);
  } finally {
    await d.stop();
  }
});

test('secrets never reach the database files or the logs in clear', async () => {
  const d = await startTollgated({args: ['--log-level', 'debug', '--code-reset-interval', '0']});
  const known = {
    appSecret: 'SealedSecret_Known_0001',
    resetSecret: 'SealedSecret_Known_0002',
    pairSecret: 'SealedSecret_Known_0003',
    appCode: 'SealedCode+Known/0004' +
        'z'.repeat(20),
    codeReset: 'SealedCode+Known/0005' +
        'y'.repeat(20),
    accessSecret: 'AccessSecret-Known-0006',
  };
  try {
    const app = (await d.call('POST', '/v1/apps', {
                  body: {name: 'sealed', app_secret: known.appSecret, app_code: known.appCode}
                })).json;
    await d.call(
        'POST', `/v1/apps/${app.id}/reset-secret`,
        {body: {app_secret: known.resetSecret, grace_seconds: 600}});
    await d.call('POST', `/v1/apps/${app.id}/keys`, {body: {app_secret: known.pairSecret}});
    await d.call(
        'POST', `/v1/apps/${app.id}/codes/${app.app_codes[0].id}/reset`,
        {body: {app_code: known.codeReset}});
    await d.call('POST', '/v1/accounts/default/access-keys', {body: {secret: known.accessSecret}});
    // Failed calls carrying secrets must not log them either.
    await d.call('POST', '/v1/apps', {body: {name: 'sealed', app_secret: known.appSecret}});
    await d.call('POST', '/v1/apps', {
      body: {
        name: 'x',
        app_secret: `${known.appSecret}!!!!!!` +
            'x'.repeat(120)
      }
    });
    await d.call('GET', '/v1/whoami', {auth: ['nobody', known.accessSecret]});
    // Everything went through: reveal shows the current values.
    const shown = (await d.call('GET', `/v1/apps/${app.id}/secret`)).json;
    assert.equal(shown.app_secret, known.resetSecret);
    assert.deepEqual(shown.app_codes.map((c) => c.app_code), [known.codeReset]);

    // Kill hard so that the WAL and shared memory files are still there.
    await d.kill9();
    const files = await filesOf(d.dataDir);
    assert.ok(files.some((f) => f.name === 'tollgate.db-wal'), files.map((f) => f.name).join());
    // The projection holds them too, sealed under the data-plane key.
    assert.ok(files.some((f) => f.name === 'projection/data.mdb'), files.map((f) => f.name).join());
    const logs = Buffer.from(d.stderr);
    for (const [what, value] of Object.entries(known)) {
      const needle = Buffer.from(value);
      for (const f of files) {
        assert.equal(f.data.indexOf(needle), -1, `${what} in clear in ${f.name}`);
      }
      assert.equal(logs.indexOf(needle), -1, `${what} in the log`);
    }
    // The generated secrets too.
    for (const value of [app.app_secret]) {
      for (const f of files) {
        assert.equal(f.data.indexOf(Buffer.from(value)), -1, `generated secret in ${f.name}`);
      }
    }
    // And after a restart they still open.
    await d.restart();
    const again = (await d.call('GET', `/v1/apps/${app.id}/secret`)).json;
    assert.equal(again.app_secret, known.resetSecret);
  } finally {
    await d.stop();
  }
});

test('one data directory serves one daemon at a time', async () => {
  const d = await startTollgated();
  try {
    const res = spawnSync(
        path.join(binDir, 'tollgated'), ['--data-dir', d.dataDir, '--listen', '127.0.0.1:0'],
        {encoding: 'utf8', timeout: 10000});
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /another tollgated is using this data directory/);
    assert.equal((await d.call('GET', '/healthz', {auth: null})).status, 200);
  } finally {
    await d.stop();
  }
});

test('the data directory and its files are private', async () => {
  const d = await startTollgated();
  try {
    await d.call('POST', '/v1/apps', {body: {name: 'private'}});
    assert.equal((await stat(d.dataDir)).mode & 0o777, 0o700);
    for (const name of await readdir(d.dataDir)) {
      const mode = (await stat(path.join(d.dataDir, name))).mode & 0o777;
      assert.equal(mode & 0o077, 0, `${name} has mode ${mode.toString(8)}`);
    }
    const keyring = JSON.parse(await readFile(path.join(d.dataDir, 'keyring.json'), 'utf8'));
    assert.equal(keyring.format, 'tollgate-keyring/1');
    assert.equal(keyring.primary, 'k1');
    assert.equal(Buffer.from(keyring.keys[0].key, 'base64').length, 32);
    assert.equal(Buffer.from(keyring.index_key, 'base64').length, 32);
  } finally {
    await d.stop();
  }
});

test('the first admin key is generated once, saved privately, never logged', async () => {
  const d = new Tollgated({bootstrap: false});
  await d.start();
  try {
    const file = path.join(d.dataDir, 'admin-access-key');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    const id = text.match(/^access_key_id = (\S+)$/m)[1];
    const secret = text.match(/^access_key_secret = (\S+)$/m)[1];
    assert.match(id, /^TG[A-Za-z0-9]{22}$/);
    assert.match(secret, /^[A-Za-z0-9]{40}$/);
    // The endpoint is where tollgated listens: port 0 became a real port.
    assert.equal(text.match(/^endpoint = (\S+)$/m)[1], d.url);
    const line = d.logLines.find((l) => l.msg === 'first admin access key written');
    assert.equal(line.path, file);
    assert.equal(line.access_key_id, id);
    assert.ok(!d.stderr.includes(secret));
    assert.equal((await d.call('GET', '/v1/whoami', {auth: [id, secret]})).json.role, 'admin');

    // A restart finds a store with keys and makes none.
    await d.stop({keepData: true});
    await d.restart();
    assert.equal(d.logLines.find((l) => l.msg === 'first admin access key written'), undefined);
    assert.equal(await readFile(file, 'utf8'), text);
    const keys = await d.call('GET', '/v1/accounts/default/access-keys', {auth: [id, secret]});
    assert.equal(keys.json.total, 1);

    // The file takes its name only once its key is committed.  A crash
    // between the two leaves it pending; the next start names it.
    await d.stop({keepData: true});
    await rename(file, `${file}.pending`);
    await d.restart();
    assert.equal(await readFile(file, 'utf8'), text);
    assert.equal((await readdir(d.dataDir)).includes('admin-access-key.pending'), false);
  } finally {
    await d.stop();
  }
});

test('the bootstrap key can come from the environment; it is used once', async () => {
  const d = await startTollgated();
  try {
    const line = d.logLines.find((l) => l.msg === 'first admin access key created from settings');
    assert.ok(line);
    assert.ok(!d.stderr.includes('e2e-admin-secret'));
    assert.equal((await readdir(d.dataDir)).includes('admin-access-key'), false);
  } finally {
    await d.stop();
  }
});

test('a keyring that is loose, missing or foreign is refused', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-keyring-'));
  const other = await mkdtemp(path.join(tmpdir(), 'tollgate-keyring-other-'));
  const keyring = path.join(dir, 'keyring.json');
  const run = () => spawnSync(
      path.join(binDir, 'tollgated'), ['--data-dir', dir, '--listen', '127.0.0.1:0'],
      {encoding: 'utf8', timeout: 10000});
  try {
    for (const d of [new Tollgated({dataDir: dir}), new Tollgated({dataDir: other})]) {
      await d.start();
      await d.stop({keepData: true});
    }
    const original = await readFile(keyring);

    await chmod(keyring, 0o644);
    let res = run();
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /keyring\.json is readable by others \(mode 644\); run chmod 600/);
    await chmod(keyring, 0o600);

    // Missing next to an existing store: never silently replaced.
    await rm(keyring);
    res = run();
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /keyring\.json is missing, but the store exists/);
    assert.equal((await readdir(dir)).includes('keyring.json'), false);

    // Another installation's keyring does not open this store.
    await writeFile(keyring, await readFile(path.join(other, 'keyring.json')), {mode: 0o600});
    res = run();
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /the keyring does not open this store's secrets/);

    // The right one does.
    await writeFile(keyring, original, {mode: 0o600});
    const d = new Tollgated({dataDir: dir});
    await d.start();
    assert.equal((await d.call('GET', '/v1/whoami')).status, 200);
    await d.stop({keepData: true});
  } finally {
    await rm(dir, {recursive: true, force: true});
    await rm(other, {recursive: true, force: true});
  }
});

test('rotate-keyring re-seals every secret under a new key and drops the old', async () => {
  const d = await startTollgated({args: ['--code-reset-interval', '0']});
  const rotate = () => spawnSync(
      path.join(binDir, 'tollgated'), ['rotate-keyring', '--data-dir', d.dataDir],
      {encoding: 'utf8', timeout: 30000});
  try {
    const app = (await d.call('POST', '/v1/apps', {
                  body: {name: 'rotated', app_secret: 'BeforeRotation_1', app_code: 'r'.repeat(40)}
                })).json;
    await d.call(
        'POST', `/v1/apps/${app.id}/reset-secret`,
        {body: {app_secret: 'BeforeRotation_2', grace_seconds: 600}});
    const member = (await d.call('POST', '/v1/accounts/default/access-keys')).json;

    // Not while the daemon runs.
    let res = rotate();
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /another tollgated is using this data directory/);

    await d.stop({keepData: true});
    const indexBefore = JSON.parse(await readFile(path.join(d.dataDir, 'keyring.json'))).index_key;
    res = rotate();
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /keyring rotated.*primary=k2 key_pairs=1 app_codes=1/);
    const keyring = JSON.parse(await readFile(path.join(d.dataDir, 'keyring.json')));
    assert.equal(keyring.primary, 'k2');
    assert.deepEqual(keyring.keys.map((k) => k.id), ['k2']);
    assert.equal(keyring.index_key, indexBefore);
    assert.equal((await stat(path.join(d.dataDir, 'keyring.json'))).mode & 0o777, 0o600);

    await d.restart();
    // Every sealed value now names k2; none is left under k1.
    const db = Buffer.concat((await filesOf(d.dataDir))
                                 .filter((f) => f.name.startsWith('tollgate.db'))
                                 .map((f) => f.data));
    assert.ok(db.includes('tg1.k2.'));
    const shown = (await d.call('GET', `/v1/apps/${app.id}/secret`)).json;
    assert.equal(shown.app_secret, 'BeforeRotation_2');
    assert.deepEqual(shown.app_codes.map((c) => c.app_code), ['r'.repeat(40)]);
    assert.equal(shown.key_pairs[0].previous_app_key, app.app_key);
    assert.equal(
        (await d.call('GET', '/v1/whoami', {auth: [member.id, member.secret]})).status, 200);
    const event = (await d.call('GET', '/v1/audit?action=keyring.rotate')).json.items[0];
    assert.equal(event.result, 'success');
    assert.equal(event.source, 'local');
    // The admin and member access keys' sealed secrets too.
    assert.deepEqual(event.detail, {primary: 'k2', key_pairs: 1, app_codes: 1, access_keys: 2});

    // New values seal under k2; a second rotation moves on to k3.
    await d.call('POST', `/v1/apps/${app.id}/codes`, {body: {app_code: 's'.repeat(40)}});
    await d.stop({keepData: true});
    res = rotate();
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /primary=k3 key_pairs=1 app_codes=2/);
    await d.restart();
    assert.deepEqual(
        (await d.call('GET', `/v1/apps/${app.id}/secret`)).json.app_codes.map((c) => c.app_code),
        ['r'.repeat(40), 's'.repeat(40)]);
  } finally {
    await d.stop();
  }
});
