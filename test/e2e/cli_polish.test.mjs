// The CLI's small courtesies: `tollgate version`, "did you mean" for a
// mistyped command, one clear line for an unknown setting (the CLI's file
// and tollgated's), the same JSON shape for AppCodes in `app reveal` as in
// `app create`, and the hint from `--rps 0` to `--no-rate-limit`.

import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';

import {ADMIN_ID, ADMIN_SECRET, binDir, SANITIZER, startTollgated} from './lib/tollgated.mjs';

let d;
let home;

function cli(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(binDir, 'tollgate'), args, {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        TOLLGATE_ENDPOINT: d.url,
        TOLLGATE_ACCESS_KEY_ID: ADMIN_ID,
        TOLLGATE_ACCESS_KEY_SECRET: ADMIN_SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c) => stdout += c);
    proc.stderr.on('data', (c) => stderr += c);
    proc.on('error', reject);
    proc.on('close', (code) => {
      assert.doesNotMatch(stderr, SANITIZER);
      resolve({code, stdout, stderr});
    });
  });
}

before(async () => {
  d = await startTollgated();
  home = await mkdtemp(path.join(tmpdir(), 'tollgate-polish-'));
});

after(async () => {
  await d.stop();
  await rm(home, {recursive: true, force: true});
});

test('tollgate version, like --version', async () => {
  const r = await cli(['version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^tollgate \d+\.\d+\.\d+\n$/);
  assert.equal(r.stdout, (await cli(['--version'])).stdout);
  assert.match((await cli(['--help'])).stdout, /^  version +Show the version\.$/m);
});

test('a mistyped command or subcommand: did you mean', async () => {
  for (const [args, said] of [
           [['apps', 'list'], 'unknown command "apps"; did you mean "app"? (see --help)'],
           [['grnat', 'add'], 'unknown command "grnat"; did you mean "grant"? (see --help)'],
           [['versoin'], 'unknown command "versoin"; did you mean "version"? (see --help)'],
           [
             ['app', 'lsit'],
             'unknown command "app lsit"; did you mean "app list"? (see tollgate app --help)'
           ],
           [
             ['key', 'ad'],
             'unknown command "key ad"; did you mean "key add"? (see tollgate key --help)'
           ],
           // Nothing near: no guess.
           [['frobnicate'], 'unknown command "frobnicate" (see --help)'],
           [['ls'], 'unknown command "ls" (see --help)'],
  ]) {
    const r = await cli(args);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `tollgate: ${said}\n`);
  }
});

test('an unknown setting in a config file is one line, for the CLI and for tollgated', async () => {
  const file = path.join(home, 'cli.conf');
  await writeFile(file, 'endpoint = http://127.0.0.1:1\nsecret_key = x\n', {mode: 0o600});
  const r = await cli(['--config', file, 'app', 'list']);
  assert.equal(r.code, 2);
  assert.equal(
      r.stderr,
      `tollgate: config ${file}:2: unknown setting "secret_key" (the settings are endpoint, ` +
          'access_key_id, access_key_secret)\n');

  const conf = path.join(home, 'tollgated.conf');
  await writeFile(conf, 'log_level = debug\nmax_app = 5\n');
  const t = spawnSync(path.join(binDir, 'tollgated'), ['--config', conf], {encoding: 'utf8'});
  assert.equal(t.status, 2);
  assert.equal(t.stderr, `tollgated: ${conf}:2: unknown setting "max_app"\n`);
});

test('app reveal lists AppCodes as objects, as app create does', async () => {
  const created =
      JSON.parse((await cli(['--json', 'app', 'create', 'shapes', '--generate-code'])).stdout);
  const r = await cli(['--json', 'app', 'reveal', 'shapes']);
  assert.equal(r.code, 0, r.stderr);
  const shown = JSON.parse(r.stdout);
  assert.deepEqual(shown.app_codes, created.app_codes);
  assert.deepEqual(
      Object.keys(shown.app_codes[0]),
      ['id', 'app_code', 'secret_expires_at', 'created_at', 'updated_at']);
});

test('--rps 0 says how to have no rate limit', async () => {
  let r = await cli(['app', 'create', 'norate', '--rps', '0']);
  assert.equal(r.code, 2);
  assert.equal(
      r.stderr, 'tollgate: --rps 0: a rate is 1 or more; for no rate limit, leave --rps out\n');
  await cli(['app', 'create', 'limited', '--rps', '5']);
  r = await cli(['app', 'update', 'limited', '--rps', '0']);
  assert.equal(r.code, 2);
  assert.equal(
      r.stderr,
      'tollgate: --rps 0: a rate is 1 or more; for no rate limit, give --no-rate-limit\n');
  r = await cli(['app', 'update', 'limited', '--no-rate-limit']);
  assert.equal(r.code, 0, r.stderr);
});
