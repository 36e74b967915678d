// logrotate with the configurations we ship, run for real (`logrotate -s
// STATE -f CONF`, CONF rewritten to temporary paths): etc/logrotate.d/
// tollgate (tollgated's log_file and the nginx of `tollgate up`, reopened
// by `tollgate reload`) and packaging/etc/logrotate.conf.in (the Debian
// package's gateway logs, reopened by nginx on SIGUSR1).  After a
// rotation each program writes to the new file, and every line written
// before, during or after it is in one file or the other, once.

import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import http from 'node:http';
import {tmpdir, userInfo} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {freePort} from './lib/gateway.mjs';
import {binDir, repoRoot} from './lib/tollgated.mjs';
import {eventually, up} from './lib/up.mjs';

const LOGROTATE = process.env.TOLLGATE_LOGROTATE || '/usr/sbin/logrotate';
const NGINX = process.env.TOLLGATE_NGINX || '/usr/sbin/nginx';

async function text(file) {
  return readFile(file, 'utf8').catch(() => '');
}

// Runs logrotate on conf (forced, its own state file, the CLI under
// test first in PATH); resolves with what it said.
async function logrotate(dir, conf) {
  const proc = spawn(LOGROTATE, ['-v', '-s', path.join(dir, 'state'), '-f', conf], {
    env: {PATH: `${binDir}:${process.env.PATH}`},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let said = '';
  proc.stdout.on('data', (c) => said += c);
  proc.stderr.on('data', (c) => said += c);
  const code = await new Promise((resolve) => proc.on('exit', resolve));
  assert.equal(code, 0, `logrotate failed:\n${said}`);
  return said;
}

// A GET on a connection of its own (a reload closes idle keep-alive
// connections, which a pooled client could be reusing at that moment).
function get(port, p) {
  return new Promise((resolve, reject) => {
    http.get({host: '127.0.0.1', port, path: p, agent: false}, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        }).on('error', reject);
  });
}

// How many lines of the files (first and then second) name marker.
async function count(files, marker) {
  let n = 0;
  for (const f of files) {
    n += (await text(f)).split('\n').filter((l) => l.includes(marker)).length;
  }
  return n;
}

test(
    'etc/logrotate.d/tollgate: tollgated and the nginx of tollgate up reopen their logs',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-logrotate-'));
      const dataDir = path.join(dir, 'var');
      const logDir = path.join(dir, 'log');
      await mkdir(logDir);
      const log = path.join(logDir, 'tollgated.log');
      const gwPort = await freePort();
      const adminPort = await freePort();

      // The shipped file, its paths moved under dir.
      let conf = await readFile(path.join(repoRoot, 'etc/logrotate.d/tollgate'), 'utf8');
      conf = conf.replaceAll('/var/log/tollgate', logDir).replaceAll('/var/lib/tollgate', dataDir);
      assert.match(conf, /tollgate reload --data-dir /);
      const confFile = path.join(dir, 'logrotate.conf');
      await writeFile(confFile, conf);

      const run = await up(
          [
            '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${adminPort}`, '--gateway-listen',
            `127.0.0.1:${gwPort}`
          ],
          {TOLLGATE_LOG_FILE: log});
      const access = path.join(dataDir, 'nginx/access.log');
      const calls = async (tag, n) => {
        for (let i = 0; i < n; i++) {
          assert.equal(await get(gwPort, `/${tag}-${i}`), 401);
          assert.equal(await get(adminPort, `/${tag}-${i}`), 404);
        }
      };
      try {
        assert.match(run.out, /Ctrl-C stops both\./, run.out);
        await calls('before', 5);
        assert.ok(await eventually(async () => await count([log], 'before-4') === 1));
        assert.ok(await eventually(async () => await count([access], 'before-4') === 1));

        // Calls go on while logrotate renames the files and has both
        // programs reopen them, until nginx's reload is done (its old
        // workers finish what they took, into the renamed file).
        let during = 0, going = true;
        const background = (async () => {
                             while (going) {
                               await calls(`during${during}`, 1);
                               during++;
                             }
                           })().catch((e) => e);
        const said = await logrotate(dir, confFile);
        assert.match(said, /renaming .*tollgated\.log to .*tollgated\.log\.1/);
        assert.match(said, /renaming .*nginx\/access\.log to .*access\.log\.1/);
        assert.ok(
            await eventually(async () => /settings reloaded/.test(await text(log))),
            await text(`${log}.1`));
        // The old workers started before the rotation; the reload is done
        // when all of them have exited.
        const errors = path.join(dataDir, 'nginx/error.log');
        const old = (await text(`${errors}.1`)).match(/start worker process \d+/g).length;
        assert.ok(await eventually(
            async () =>
                ((await text(errors)).match(/worker process \d+ exited/g) || []).length >= old));
        going = false;
        assert.equal(await background, undefined, run.out);
        assert.ok(during > 0);

        // Now both write to the new files.
        await calls('after', 3);
        assert.ok(await eventually(async () => await count([access], 'after-2') === 1));
        await calls('last', 1);
        assert.ok(await eventually(async () => await count([access, log], 'last-0') === 2));

        // Before: in the rotated files only.  After: in the new ones only.
        // During: each line once, in one or the other.
        for (const [file, next] of [[log, `${log}.1`], [access, `${access}.1`]]) {
          assert.equal(await count([next], 'before-'), 5, file);
          assert.equal(await count([file], 'before-'), 0, file);
          assert.equal(await count([file], 'after-'), 3, file);
          assert.equal(await count([next], 'after-'), 0, file);
          for (let i = 0; i < during; i++) {
            assert.equal(await count([file, next], `/during${i}-0`), 1, `${file}: during${i}`);
          }
        }
        assert.equal(run.proc.exitCode, null, run.out);
      } finally {
        run.proc.kill('SIGINT');
        await run.exited;
        await rm(dir, {recursive: true, force: true});
      }
    });

test('packaging/etc/logrotate.conf.in: the gateway reopens its logs on SIGUSR1', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-logrotate-pkg-'));
  const logDir = path.join(dir, 'log');
  const runDir = path.join(dir, 'run');
  await mkdir(logDir);
  await mkdir(runDir);
  const port = await freePort();
  const {username} = userInfo();
  const group = spawnSync('id', ['-gn'], {encoding: 'utf8'}).stdout.trim();

  let conf = await readFile(path.join(repoRoot, 'packaging/etc/logrotate.conf.in'), 'utf8');
  conf = conf.replaceAll('@LOGDIR@', logDir)
             .replaceAll('@GATEWAY_RUNDIR@', runDir)
             .replace('create 0640 tollgate tollgate', `create 0640 ${username} ${group}`);
  assert.doesNotMatch(conf, /@[A-Z_]+@/);
  const confFile = path.join(dir, 'logrotate.conf');
  await writeFile(confFile, conf);

  // An nginx with the package's log and pid paths.
  const user = process.getuid() === 0 ? 'user root root;' : '';
  const nginxConf = path.join(dir, 'nginx.conf');
  await writeFile(nginxConf, `${user}
daemon off;
worker_processes 1;
pid ${runDir}/nginx.pid;
error_log ${logDir}/gateway-error.log notice;
events { worker_connections 64; }
http {
  access_log ${logDir}/gateway-access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { return 204; }
  }
}
`);
  const nginx = spawn(NGINX, ['-c', nginxConf, '-p', dir], {stdio: 'ignore'});
  const exited = new Promise((resolve) => nginx.on('exit', resolve));
  const access = path.join(logDir, 'gateway-access.log');
  const get204 = async (p) => assert.equal(await get(port, p), 204);
  try {
    assert.ok(await eventually(() => get204('/up').then(() => true, () => false)));
    for (let i = 0; i < 4; i++) {
      await get204(`/before-${i}`);
    }
    assert.ok(await eventually(async () => await count([access], 'before-3') === 1));

    const said = await logrotate(dir, confFile);
    assert.match(said, /renaming .*gateway-access\.log to .*gateway-access\.log\.1/);
    // Its one worker reopens when it reads the master's message: from the
    // first call in the new file on, every call is.
    let probe = 0;
    assert.ok(await eventually(async () => {
      await get204(`/probe${probe++}`);
      return (await text(access)).includes('/probe');
    }));
    assert.equal(await count([access, `${access}.1`], '/probe'), probe);
    for (let i = 0; i < 4; i++) {
      await get204(`/after-${i}`);
    }
    assert.ok(await eventually(async () => await count([access], 'after-3') === 1));
    assert.equal(await count([`${access}.1`], 'before-'), 4);
    assert.equal(await count([access], 'before-'), 0);
    assert.equal(await count([`${access}.1`], 'after-'), 0);
    const errors = path.join(logDir, 'gateway-error.log');
    assert.match((await text(errors)) + (await text(`${errors}.1`)), /reopening logs/);

    // A second rotation compresses the first (delaycompress), and the
    // new file keeps the mode the configuration asks for.
    await logrotate(dir, confFile);
    await get204('/third');
    assert.ok(await eventually(async () => await count([access], '/third') === 1));
    const names = await readdir(logDir);
    assert.ok(names.includes('gateway-access.log.2.gz'), names.join(' '));
    assert.equal(await count([`${access}.1`], 'after-'), 4);
  } finally {
    nginx.kill('SIGQUIT');
    await exited;
    await rm(dir, {recursive: true, force: true});
  }
});
