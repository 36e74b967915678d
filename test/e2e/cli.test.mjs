// The tollgate CLI against a real tollgated: every command group, tables
// and --json, the config sources and their precedence, secrets on stdin,
// and the exit statuses (0 done, 1 refused, 2 usage, 3 unreachable,
// 4 server failure).

import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {ADMIN_ID, ADMIN_SECRET, binDir, SANITIZER, startTollgated} from './lib/tollgated.mjs';

let d;
let home;  // an empty $HOME, so that no user's cli.conf is read

// Runs the CLI.  env adds to (or, with a null value, removes from) the
// admin's credentials in the environment.
function cli(args, {input, env = {}} = {}) {
  const full = {
    PATH: process.env.PATH,
    HOME: home,
    ASAN_OPTIONS: 'detect_leaks=1',
    TOLLGATE_ENDPOINT: d.url,
    TOLLGATE_ACCESS_KEY_ID: ADMIN_ID,
    TOLLGATE_ACCESS_KEY_SECRET: ADMIN_SECRET,
  };
  for (const [k, v] of Object.entries(env)) {
    if (v === null) {
      delete full[k];
    } else {
      full[k] = v;
    }
  }
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(binDir, 'tollgate'), args, {env: full});
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (c) => stdout += c);
    proc.stderr.on('data', (c) => stderr += c);
    proc.on('error', reject);
    // The CLI may exit before it reads stdin: that is not the test's failure.
    proc.stdin.on('error', () => {});
    proc.on('close', (code) => {
      if (SANITIZER.test(stderr)) {
        reject(new Error(`sanitizer report from tollgate ${args.join(' ')}:\n${stderr}`));
      }
      resolve({code, stdout, stderr});
    });
    proc.stdin.end(input === undefined ? '' : input);
  });
}

async function ok(args, opts) {
  const r = await cli(args, opts);
  assert.equal(r.code, 0, `tollgate ${args.join(' ')}: ${r.stderr}`);
  return r;
}

async function json(args, opts) {
  return JSON.parse((await ok(['--json', ...args], opts)).stdout);
}

// The columns of a table, by display width (CJK counts 2), found from
// where each header starts.
function width(s) {
  let w = 0;
  for (const ch of s) {
    w +=
        /[\u1100-\u115f\u2e80-\u303e\u3040-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\uffe0-\uffe6]/u
            .test(ch) ?
        2 :
        1;
  }
  return w;
}

function columnStarts(line) {
  // Display-width offsets where a cell starts after two or more spaces.
  const starts = [0];
  let w = 0;
  let spaces = 0;
  for (const ch of line) {
    if (ch === ' ') {
      spaces++;
    } else {
      if (spaces >= 2) {
        starts.push(w);
      }
      spaces = 0;
    }
    w += width(ch);
  }
  return starts;
}

before(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'tollgate-cli-home-'));
  d = await startTollgated({args: ['--app-write-rate', '0', '--code-reset-interval', '1']});
});

after(async () => {
  await d.stop();
  await rm(home, {recursive: true, force: true});
});

describe('help and usage', () => {
  test('--help, --version and help per group and command', async () => {
    const top = await ok(['--help']);
    for (const group of ['app', 'key', 'code', 'api', 'grant', 'account', 'access-key', 'audit']) {
      assert.match(top.stdout, new RegExp(`^  ${group} `, 'm'));
    }
    assert.match((await ok(['--version'])).stdout, /^tollgate \d+\.\d+\.\d+\n$/);
    assert.match((await ok(['app', '--help'])).stdout, /reset-secret/);
    const create = await ok(['app', 'create', '--help']);
    assert.match(create.stdout, /--app-secret SECRET/);
    assert.match(create.stdout, /"-" reads stdin/);
    assert.match((await ok(['help', 'grant', 'add'])).stdout, /--expires-at TIME/);
  });

  test('usage errors exit 2 and say what is wrong', async () => {
    const cases = [
      [[], /usage: tollgate/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['app', 'frob'], /unknown command "app frob"/],
      [['app'], /commands:/],
      [['app', 'show'], /missing argument .*tollgate app show APP/],
      [['app', 'show', 'a', 'b'], /unexpected argument "b"/],
      [['app', 'list', '--bogus'], /unknown option --bogus/],
      [['app', 'create', 'x', '--rps'], /--rps needs a value/],
      [['app', 'create', 'x', '--rps', '-1'], /--rps: expected an integer from 1 to 1000000/],
      [['app', 'create', 'x', '--burst', '5'], /--burst needs --rps/],
      [['app', 'create', 'x', '--tag', 'novalue'], /expected KEY=VALUE/],
      [['app', 'create', 'x', '--tag', 'a=1', '--tag', 'a=2'], /key is given twice/],
      [['app', 'create', 'x', '--description', 'a', '--description', 'b'], /given twice/],
      [['app', 'update', 'x'], /nothing to change/],
      [['app', 'reset-secret', 'x', '--grace', '-1'], /--grace: expected an integer/],
      [['grant', 'list'], /an APP or --api API/],
      [['--endpoint', 'ftp://x', 'whoami'], /expected http:\/\/HOST:PORT/],
      [['--no-such-global', 'whoami'], /unknown option --no-such-global/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `tollgate ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stdout, '');
    }
  });

  test('no access key anywhere is a usage error', async () => {
    const r = await cli(
        ['whoami'], {env: {TOLLGATE_ACCESS_KEY_ID: null, TOLLGATE_ACCESS_KEY_SECRET: null}});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no access key/);
  });
});

describe('where the endpoint and key come from', () => {
  let dir;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tollgate-cli-conf-'));
  });
  after(async () => {
    await rm(dir, {recursive: true, force: true});
  });

  async function conf(name, text, mode = 0o600) {
    const file = path.join(dir, name);
    await writeFile(file, text);
    await chmod(file, mode);
    return file;
  }

  const noEnv = {
    TOLLGATE_ENDPOINT: null,
    TOLLGATE_ACCESS_KEY_ID: null,
    TOLLGATE_ACCESS_KEY_SECRET: null
  };

  test('the daemon\'s admin-access-key file works as a config file', async () => {
    // Without a bootstrap key in its settings, tollgated writes one, with
    // the endpoint it really listens on (port 0 picked a free one).
    const fresh = await startTollgated({bootstrap: false});
    try {
      const file = path.join(fresh.dataDir, 'admin-access-key');
      const me = await json(['--config', file, 'whoami'], {env: noEnv});
      assert.equal(me.role, 'admin');
      assert.match(me.access_key_id, /^TG[A-Za-z0-9]{22}$/);
      const created =
          await json(['--config', file, 'app', 'create', 'from_key_file'], {env: noEnv});
      assert.equal(created.account_id, me.account_id);
    } finally {
      await fresh.stop();
    }
  });

  test('a config file from --config, TOLLGATE_CLI_CONFIG or ~/.config', async () => {
    const good = `# a comment\nendpoint = ${d.url}/\naccess_key_id = ${ADMIN_ID}\n` +
        `access_key_secret = "${ADMIN_SECRET}"\n`;
    const file = await conf('good.conf', good);
    assert.equal((await json(['--config', file, 'whoami'], {env: noEnv})).access_key_id, ADMIN_ID);
    assert.equal(
        (await json(['whoami'], {env: {...noEnv, TOLLGATE_CLI_CONFIG: file}})).access_key_id,
        ADMIN_ID);

    const h = await mkdtemp(path.join(tmpdir(), 'tollgate-cli-home2-'));
    await mkdir(path.join(h, '.config/tollgate'), {recursive: true});
    await writeFile(path.join(h, '.config/tollgate/cli.conf'), good, {mode: 0o600});
    assert.equal((await json(['whoami'], {env: {...noEnv, HOME: h}})).access_key_id, ADMIN_ID);
    await rm(h, {recursive: true, force: true});
  });

  test('flags win over the environment, which wins over the file', async () => {
    const wrong = await conf(
        'wrong.conf',
        `endpoint = http://127.0.0.1:1\naccess_key_id = ${
            ADMIN_ID}\naccess_key_secret = wrong-secret-000000\n`);
    // The environment's endpoint and secret override the file's.
    assert.equal((await json(['--config', wrong, 'whoami'])).access_key_id, ADMIN_ID);
    // Flags override a wrong environment.
    const r = await json(
        [
          '--endpoint', d.url, '--access-key-id', ADMIN_ID, '--access-key-secret', ADMIN_SECRET,
          'whoami'
        ],
        {
          env: {
            TOLLGATE_ENDPOINT: 'http://127.0.0.1:1',
            TOLLGATE_ACCESS_KEY_SECRET: 'nope-nope-nope-nope'
          }
        });
    assert.equal(r.access_key_id, ADMIN_ID);
    // The file alone, with a wrong secret: refused by tollgated (exit 1).
    const refused = await cli(
        ['--config', wrong, '--endpoint', d.url, 'whoami'],
        {env: {TOLLGATE_ENDPOINT: null, TOLLGATE_ACCESS_KEY_SECRET: null}});
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^tollgate: unauthenticated: .* \(request [0-9a-f-]{36}\)\n$/);
    assert.doesNotMatch(refused.stderr, /wrong-secret/);
  });

  test('bad config files exit 2', async () => {
    const unknown = await conf('unknown.conf', 'endpoint = http://x\nsecret_key = 1\n');
    let r = await cli(['--config', unknown, 'whoami']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown\.conf:2: unknown setting "secret_key"/);

    const syntax = await conf('syntax.conf', 'just words\n');
    r = await cli(['--config', syntax, 'whoami']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /syntax\.conf:1: expected "name = value"/);

    r = await cli(['--config', path.join(dir, 'absent.conf'), 'whoami']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /absent\.conf: No such file or directory/);
  });

  test('a config file with a secret that others may read is warned about', async () => {
    const loose = await conf(
        'loose.conf',
        `endpoint = ${d.url}\naccess_key_id = ${ADMIN_ID}\naccess_key_secret = ${ADMIN_SECRET}\n`,
        0o644);
    const r = await ok(['--config', loose, 'whoami'], {env: noEnv});
    assert.match(r.stderr, /loose\.conf holds a secret and others may read it/);
  });
});

describe('apps', () => {
  test('the README tour: create, list, reset, reveal, audit, show --json', async () => {
    const created = await ok(['app', 'create', 'billing_worker', '--tag', 'team=payments']);
    assert.match(created.stdout, /^name: +billing_worker$/m);
    const secret = created.stdout.match(/^app_secret: +([A-Za-z0-9]{40})$/m)[1];

    const list = await ok(['app', 'list']);
    assert.match(list.stdout, /^ID +APP_ID +NAME +STATUS +APP_KEY +TAGS +CREATED$/m);
    assert.match(list.stdout, /billing_worker +enabled +\S+ +team=payments/);

    const reset = await json(['app', 'reset-secret', 'billing_worker', '--grace', '3600']);
    assert.notEqual(reset.app_secret, secret);
    assert.ok(reset.previous_expires_at);

    const revealed = await json(['app', 'reveal', 'billing_worker']);
    assert.equal(revealed.app_secret, reset.app_secret);
    const text = await ok(['app', 'reveal', 'billing_worker']);
    assert.match(text.stdout, /^key_pairs:\n  - id: +[0-9a-f]{32}$/m);

    const audit = await ok(['audit', '--app', 'billing_worker']);
    const actions = audit.stdout.split('\n').slice(1).filter(Boolean).map((l) => l.split(/\s+/)[3]);
    assert.deepEqual(
        actions, ['app.secret.reveal', 'app.secret.reveal', 'app.secret.reset', 'app.create']);

    const shown = await json(['app', 'show', 'billing_worker']);
    assert.equal(shown.name, 'billing_worker');
    assert.deepEqual(shown.tags, {team: 'payments'});
    assert.match(shown.app_secret, /^[A-Za-z0-9]{3}\*{12}[A-Za-z0-9]{3}$/);
    assert.ok(!JSON.stringify(shown).includes(reset.app_secret));
  });

  test('an app is named by its id, its AppId or its name', async () => {
    const app = await json(['app', 'create', 'three_names', '--description', 'd1']);
    for (const ref of [app.id, String(app.app_id), 'three_names']) {
      assert.equal((await json(['app', 'show', ref])).id, app.id);
    }
    const r = await cli(['app', 'show', 'no_such_app']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'tollgate: app_not_found: no app is named "no_such_app"\n');
    const byId = await cli(['app', 'show', '0'.repeat(32)]);
    assert.equal(byId.code, 1);
    assert.match(byId.stderr, /^tollgate: app_not_found: .*\(request /);
  });

  test('create with every field, update, filters, delete', async () => {
    const app = await json([
      'app',      'create',    'full_app',        '--description',  'all fields', '--tag',
      'env=dev',  '--tag',     'tier=gold',       '--extend',       '{"x":1}',    '--status',
      'disabled', '--creator', 'MARKET',          '--rps',          '10',         '--burst',
      '20',       '--app-key', 'FullAppKey_0001', '--generate-code'
    ]);
    assert.equal(app.app_key, 'FullAppKey_0001');
    assert.equal(app.status, 'disabled');
    assert.equal(app.creator, 'MARKET');
    assert.deepEqual(app.rate_limit, {rps: 10, burst: 20});
    assert.equal(app.app_codes.length, 1);

    assert.equal((await json(['app', 'list', '--tag', 'env=dev'])).length, 1);
    assert.equal((await json(['app', 'list', '--tag', 'tier'])).length, 1);
    assert.equal((await json(['app', 'list', '--app-key', 'FullAppKey_0001']))[0].id, app.id);
    assert.ok((await json(['app', 'list', '--status', 'disabled']))
                  .every((a) => a.status === 'disabled'));

    let u = await json([
      'app', 'update', 'full_app', '--name', 'renamed_app', '--status', 'enabled',
      '--no-rate-limit', '--clear-tags'
    ]);
    assert.equal(u.name, 'renamed_app');
    assert.equal(u.rate_limit, null);
    assert.deepEqual(u.tags, {});
    u = await json(['app', 'update', 'renamed_app', '--tag', 'k=v', '--rps', '5']);
    assert.deepEqual(u.tags, {k: 'v'});
    assert.deepEqual(u.rate_limit, {rps: 5, burst: 5});

    const del = await ok(['app', 'delete', 'renamed_app']);
    assert.equal(del.stdout, 'app deleted\n');
    assert.equal((await cli(['app', 'show', app.id])).code, 1);
    const again = await cli(['--json', 'app', 'delete', app.id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^tollgate: app_not_found: /);
    assert.equal(again.stdout, '');
  });

  test('refusals exit 1 with the API\'s code, message and request id', async () => {
    await ok(['app', 'create', 'dup_app']);
    const r = await cli(['app', 'create', 'dup_app']);
    assert.equal(r.code, 1);
    assert.match(
        r.stderr,
        /^tollgate: app_name_taken: name: an app with this name already exists in the account \(request [0-9a-f-]{36}\)\n$/);
    const bad = await cli(['app', 'create', 'x', '--status', 'sleeping']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^tollgate: invalid_field: status: /);
  });

  test('secrets can come from stdin', async () => {
    const secret = 'Stdin_Secret_0123456789';
    const app =
        await json(['app', 'create', 'stdin_app', '--app-secret', '-'], {input: secret + '\n'});
    assert.equal(app.app_secret, secret);
    const secret2 = 'Stdin_Secret_abcdefghij';
    await ok(['app', 'reset-secret', 'stdin_app', '--app-secret', '-'], {input: secret2 + '\r\n'});
    assert.equal((await json(['app', 'reveal', 'stdin_app'])).app_secret, secret2);

    for (const input of ['', '\n', 'two\nlines\n', 'x'.repeat(5000)]) {
      const r = await cli(['app', 'reset-secret', 'stdin_app', '--app-secret', '-'], {input});
      assert.equal(r.code, 2, JSON.stringify(input.slice(0, 20)));
      assert.match(r.stderr, /--app-secret -: stdin/);
    }
    // The edge: stdin holds at most 4096 bytes, its newline included.  At
    // the edge the CLI sends it (and tollgated refuses so long a secret).
    const edge = await cli(
        ['app', 'reset-secret', 'stdin_app', '--app-secret', '-'],
        {input: 'x'.repeat(4095) + '\n'});
    assert.equal(edge.code, 1, edge.stderr);
    assert.match(edge.stderr, /^tollgate: invalid_field: app_secret: /);
    const over = await cli(
        ['app', 'reset-secret', 'stdin_app', '--app-secret', '-'],
        {input: 'x'.repeat(4096) + '\n'});
    assert.equal(over.code, 2, over.stderr);
    assert.match(over.stderr, /stdin holds more than 4096 bytes/);

    const two =
        await cli(['app', 'create', 'x', '--app-secret', '-', '--app-code', '-'], {input: 'a'});
    assert.equal(two.code, 2);
    assert.match(two.stderr, /only one option may read stdin/);
  });

  test('tables align CJK names by display width', async () => {
    await ok(['app', 'create', '账单服务', '--tag', 'team=支付']);
    await ok(['app', 'create', 'ab', '--tag', 'team=x']);
    const out = (await ok(['app', 'list'])).stdout.split('\n').filter(Boolean);
    const header = columnStarts(out[0]);
    const rows = out.filter((l) => / (账单服务|ab) /.test(l));
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.deepEqual(columnStarts(row), header, row);
    }
  });

  test('lists read every page unless --limit asks for one', async () => {
    const d2 = await startTollgated({args: ['--app-write-rate', '0']});
    try {
      for (let i = 0; i < 105; i++) {
        const r = await d2.call('POST', '/v1/apps', {body: {name: `paged_${i}`}});
        assert.equal(r.status, 201, r.text);
      }
      const env = {TOLLGATE_ENDPOINT: d2.url};
      const all = await json(['app', 'list'], {env});
      assert.equal(all.length, 105);
      assert.equal(new Set(all.map((a) => a.id)).size, 105);
      // Walked by the pages' cursors, in order.
      assert.deepEqual(all.map((a) => a.name), Array.from({length: 105}, (_, i) => `paged_${i}`));
      const page = await json(['app', 'list', '--limit', '5', '--offset', '100'], {env});
      assert.deepEqual(
          page.map((a) => a.name),
          ['paged_100', 'paged_101', 'paged_102', 'paged_103', 'paged_104']);
      const table = await ok(['app', 'list'], {env});
      assert.equal(table.stdout.split('\n').filter(Boolean).length, 106);
      // One page tells where the next starts; --cursor reads it.
      const first = await ok(['--json', 'app', 'list', '--limit', '5'], {env});
      const cursor = first.stderr.match(/^next page: --cursor ([A-Za-z0-9_-]{56})$/m)[1];
      const second = await json(['app', 'list', '--limit', '5', '--cursor', cursor], {env});
      assert.deepEqual(
          second.map((a) => a.name), ['paged_5', 'paged_6', 'paged_7', 'paged_8', 'paged_9']);
      const lastPage = await ok(['app', 'list', '--limit', '5', '--offset', '100'], {env});
      assert.doesNotMatch(lastPage.stderr, /next page/);
      const forged = await cli(['app', 'list', '--cursor', 'A'.repeat(56)], {env});
      assert.equal(forged.code, 1);
      assert.match(forged.stderr, /^tollgate: bad_request: cursor: /);
      const bad = await cli(['app', 'list', '--limit', '101'], {env});
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^tollgate: bad_request: /);
    } finally {
      await d2.stop();
    }
  });
});

describe('key pairs and AppCodes', () => {
  test('key add, list, primary, reset-secret, delete', async () => {
    await ok(['app', 'create', 'keyed_app', '--app-key', 'KeyedFirst_001']);
    const added = await json(
        ['key', 'add', 'keyed_app', '--app-key', 'KeyedSecond_01', '--app-secret', '-'],
        {input: 'Second_secret_0001\n'});
    assert.equal(added.app_secret, 'Second_secret_0001');
    assert.equal(added.primary, false);

    const table = await ok(['key', 'list', 'keyed_app']);
    assert.match(table.stdout, /^ID +APP_KEY +APP_SECRET +PRIMARY/m);
    assert.match(table.stdout, /KeyedFirst_001 +\S+ +yes/);
    assert.match(table.stdout, /KeyedSecond_01 +\S+ +no/);
    assert.doesNotMatch(table.stdout, /Second_secret_0001/);

    assert.equal((await json(['key', 'primary', 'keyed_app', 'KeyedSecond_01'])).primary, true);
    assert.equal((await json(['app', 'show', 'keyed_app'])).app_key, 'KeyedSecond_01');

    const reset = await json([
      'key', 'reset-secret', 'keyed_app', 'KeyedFirst_001', '--app-key', 'KeyedFirst_002',
      '--grace', '60'
    ]);
    assert.equal(reset.app_key, 'KeyedFirst_002');
    assert.equal(reset.previous_app_key, 'KeyedFirst_001');

    const viaApp = await json(['app', 'reset-secret', 'keyed_app', '--key', 'KeyedFirst_002']);
    assert.equal(viaApp.app_key, 'KeyedFirst_002');

    assert.equal(
        (await ok(['key', 'delete', 'keyed_app', 'KeyedFirst_002'])).stdout, 'key pair deleted\n');
    const last = await cli(['key', 'delete', 'keyed_app', 'KeyedSecond_01']);
    assert.equal(last.code, 1);
    assert.match(last.stderr, /^tollgate: last_key_pair: /);
    const none = await cli(['key', 'primary', 'keyed_app', 'NoSuchKey_0001']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^tollgate: key_not_found: /);
  });

  test('code add, list, reset (rate limited), delete', async () => {
    await ok(['app', 'create', 'coded_app']);
    const given = 'c'.repeat(32);
    const code = await json(['code', 'add', 'coded_app', '--app-code', '-'], {input: given});
    assert.equal(code.app_code, given);
    const generated = await json(['code', 'add', 'coded_app']);
    assert.match(generated.app_code, /^[0-9a-f]{64}$/);

    const list = await ok(['code', 'list', 'coded_app']);
    assert.equal(list.stdout.split('\n').filter(Boolean).length, 3);
    assert.doesNotMatch(list.stdout, new RegExp(given));

    // The daemon allows one reset per code per second (--code-reset-interval).
    const early = await cli(['code', 'reset', 'coded_app', code.id]);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /^tollgate: rate_limited: /);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reset = await json(['code', 'reset', 'coded_app', code.id]);
    assert.notEqual(reset.app_code, given);
    assert.equal(reset.id, code.id);

    assert.equal((await ok(['code', 'delete', 'coded_app', code.id])).stdout, 'AppCode deleted\n');
    assert.equal((await json(['code', 'list', 'coded_app'])).length, 1);
  });
});

describe('APIs and grants', () => {
  test('api create, list, show, update, delete; grant add, list, remove', async () => {
    const api =
        await json(['api', 'create', 'cli_orders', '--description', 'orders', '--stage', 'pre']);
    assert.equal(api.stage, 'PRE');
    assert.match((await ok(['api', 'list'])).stdout, /cli_orders +PRE/);
    assert.equal((await json(['api', 'show', 'cli_orders'])).id, api.id);
    assert.equal((await json(['api', 'update', 'cli_orders', '--no-stage'])).stage, null);
    assert.equal((await json(['api', 'update', 'cli_orders', '--stage', 'test'])).stage, 'TEST');

    await ok(['app', 'create', 'granted_app']);
    const grant = await json(
        ['grant', 'add', 'granted_app', 'cli_orders', '--expires-at', '2099-01-01T00:00:00Z']);
    assert.equal(grant.stage, 'TEST');
    assert.equal(grant.api.name, 'cli_orders');
    const byApp = await ok(['grant', 'list', 'granted_app']);
    assert.match(byApp.stdout, /granted_app +\d+ +cli_orders +TEST +2099-01-01T00:00:00Z +no/);
    assert.equal((await json(['grant', 'list', '--api', 'cli_orders'])).length, 1);

    const past = await cli(
        ['grant', 'add', 'granted_app', 'cli_orders', '--expires-at', '2000-01-01T00:00:00Z']);
    assert.equal(past.code, 1);
    assert.match(past.stderr, /^tollgate: invalid_field: expires_at: /);

    assert.equal(
        (await ok(['grant', 'remove', 'granted_app', 'cli_orders', '--stage', 'test'])).stdout,
        'grant removed\n');
    const gone = await cli(['grant', 'remove', 'granted_app', 'cli_orders']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^tollgate: grant_not_found: /);

    assert.equal((await ok(['api', 'delete', 'cli_orders'])).stdout, 'API deleted\n');
    assert.equal((await cli(['api', 'show', 'cli_orders'])).code, 1);
  });
});

describe('accounts and access keys', () => {
  test('account and access-key commands, and a member key\'s view', async () => {
    const account = await json(['account', 'create', 'cli_tenant', '--app-quota', '2']);
    assert.equal(account.app_quota, 2);
    assert.match((await ok(['account', 'list'])).stdout, /cli_tenant +enabled +2/);
    assert.equal((await json(['account', 'show', 'cli_tenant'])).id, account.id);
    assert.equal(
        (await json(['account', 'update', 'cli_tenant', '--default-quota'])).app_quota, null);

    const key = await json(
        [
          'access-key', 'create', '--account', 'cli_tenant', '--id', 'cli_member_key', '--secret',
          '-', '--description', 'ci'
        ],
        {input: 'member-secret-0123456789\n'});
    assert.equal(key.secret, 'member-secret-0123456789');
    assert.equal(key.role, 'member');
    const listed = await ok(['access-key', 'list', '--account', 'cli_tenant']);
    assert.match(listed.stdout, /cli_member_key +member +enabled +ci/);
    assert.doesNotMatch(listed.stdout, /member-secret/);

    const member = {
      TOLLGATE_ACCESS_KEY_ID: 'cli_member_key',
      TOLLGATE_ACCESS_KEY_SECRET: 'member-secret-0123456789'
    };
    const me = await json(['whoami'], {env: member});
    assert.equal(me.account_name, 'cli_tenant');
    // access-key commands default to the caller's own account.
    assert.equal(
        (await json(['access-key', 'show', 'cli_member_key'], {env: member})).description, 'ci');
    await ok(['access-key', 'update', 'cli_member_key', '--description', 'ci2'], {env: member});
    // A member sees only its account's apps.
    await ok(['app', 'create', 'member_app'], {env: member});
    assert.deepEqual(
        (await json(['app', 'list'], {env: member})).map((a) => a.name), ['member_app']);
    const other = await cli(['app', 'show', 'billing_worker'], {env: member});
    assert.equal(other.code, 1);
    const forbidden = await cli(['account', 'create', 'nope'], {env: member});
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /^tollgate: forbidden: /);

    await ok(['access-key', 'disable', 'cli_member_key', '--account', 'cli_tenant']);
    const disabled = await cli(['whoami'], {env: member});
    assert.equal(disabled.code, 1);
    assert.match(disabled.stderr, /^tollgate: unauthenticated: /);
    await ok(['access-key', 'enable', 'cli_member_key', '--account', 'cli_tenant']);
    await ok(['whoami'], {env: member});

    const busy = await cli(['account', 'delete', 'cli_tenant']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /^tollgate: account_not_empty: /);
    await ok(['app', 'delete', 'member_app'], {env: member});
    assert.equal(
        (await ok(['access-key', 'delete', 'cli_member_key', '--account', 'cli_tenant'])).stdout,
        'access key deleted\n');
    assert.equal((await ok(['account', 'delete', 'cli_tenant'])).stdout, 'account deleted\n');
  });

  test('audit filters by actor, action and time, and pages', async () => {
    const all =
        await json(['audit', '--actor', ADMIN_ID, '--action', 'app.create', '--limit', '100']);
    assert.ok(all.length >= 3);
    assert.ok(all.every((e) => e.action === 'app.create' && e.actor === ADMIN_ID));
    const two = await json(
        ['audit', '--actor', ADMIN_ID, '--action', 'app.create', '--limit', '2', '--offset', '1']);
    assert.deepEqual(two.map((e) => e.id), all.slice(1, 3).map((e) => e.id));
    const future = await json(['audit', '--since', '2099-01-01T00:00:00Z']);
    assert.deepEqual(future, []);
    const table = await ok(['audit', '--limit', '1']);
    assert.match(table.stdout, /^ID +TIME +ACTOR +ACTION +TARGET +RESULT +ERROR\n\d+ /);
    const bad = await cli(['audit', '--since', 'yesterday']);
    assert.equal(bad.code, 1);
  });
});

describe('transport and server failures', () => {
  test('an endpoint that does not answer exits 3', async () => {
    const r = await cli(['whoami'], {env: {TOLLGATE_ENDPOINT: 'http://127.0.0.1:1'}});
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^tollgate: cannot reach http:\/\/127\.0\.0\.1:1: /);
  });

  test('a 5xx, or an answer that is not tollgated\'s, exits 4', async () => {
    let reply;
    const server = http.createServer((req, res) => reply(res));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const env = {TOLLGATE_ENDPOINT: `http://127.0.0.1:${server.address().port}`};
    try {
      reply = (res) => {
        res.writeHead(503, {'content-type': 'application/json', 'x-request-id': 'rid-1'});
        res.end('{"error":{"code":"busy","message":"the store is busy; retry"}}');
      };
      let r = await cli(['whoami'], {env});
      assert.equal(r.code, 4);
      assert.equal(r.stderr, 'tollgate: busy: the store is busy; retry (request rid-1)\n');

      reply = (res) => {
        res.writeHead(200, {'content-type': 'text/html'});
        res.end('<html>a proxy</html>');
      };
      r = await cli(['whoami'], {env});
      assert.equal(r.code, 4);
      assert.match(r.stderr, /HTTP 200: the answer is not tollgated's/);
    } finally {
      server.close();
    }
  });
});
