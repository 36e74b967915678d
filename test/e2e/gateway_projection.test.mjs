// The gateway's view of the projection stays honest: a projection that
// tollgated replaced is followed without a reload, a missing one refuses
// calls (503) until it appears, one that tollgated stopped confirming
// (its heartbeat) refuses calls until it does again, and the error log
// says so without flooding.  Each test starts tollgated and nginx itself, in the order
// the case needs, on one data directory.

import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {createHmac, randomBytes, randomUUID} from 'node:crypto';
import {closeSync, openSync, readFileSync, readSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';

import {eventually, freePort, moduleFile} from './lib/gateway.mjs';
import {Tollgated} from './lib/tollgated.mjs';

const NGINX = process.env.TOLLGATE_NGINX || '/usr/sbin/nginx';
const WORKERS = 2;

// tollgated and nginx on one data directory, started and stopped apart.
class Stack {
  constructor({http = ''} = {}) {
    this.http = http;  // more http-level directives, verbatim
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async init() {
    this.dir = await mkdtemp(path.join(tmpdir(), 'tollgate-view-'));
    this.dataDir = path.join(this.dir, 'data');
    await mkdir(this.dataDir);
    await mkdir(path.join(this.dir, 'www'));
    await writeFile(path.join(this.dir, 'www', 'ok.txt'), 'ok\n');
    this.port = await freePort();
    this.admin = new Tollgated({dataDir: this.dataDir, args: ['--app-write-rate', '0']});
    return this;
  }

  async call(method, pathname, body) {
    const r = await this.admin.call(method, pathname, body === undefined ? {} : {body});
    assert.ok(r.status < 300, `${method} ${pathname}: ${r.text}`);
    return r.json;
  }

  async writeConf() {
    const user = process.getuid && process.getuid() === 0 ? 'user root root;' : '';
    const conf = `load_module ${moduleFile};
${user}
daemon off;
master_process on;
worker_processes ${WORKERS};
error_log ${this.dir}/error.log info;
pid ${this.dir}/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${this.dir}/client_body;
  proxy_temp_path ${this.dir}/proxy;
  fastcgi_temp_path ${this.dir}/fastcgi;
  uwsgi_temp_path ${this.dir}/uwsgi;
  scgi_temp_path ${this.dir}/scgi;
  tollgate_projection ${this.dataDir}/projection;
  tollgate_key_file ${this.dataDir}/dataplane.key;
  tollgate_zone tollgate:1m;
  ${this.http}
  server {
    listen 127.0.0.1:${this.port};
    location / {
      tollgate on;
      root ${this.dir}/www;
    }
  }
}
`;
    const confFile = path.join(this.dir, 'nginx.conf');
    await writeFile(confFile, conf);
    return confFile;
  }

  // nginx -t: {status, stderr}.
  async checkConf() {
    const r =
        spawnSync(NGINX, ['-t', '-c', await this.writeConf(), '-p', this.dir], {encoding: 'utf8'});
    return {status: r.status, stderr: r.stderr};
  }

  async startNginx() {
    const confFile = await this.writeConf();
    this.nginxErr = '';
    this.nginx =
        spawn(NGINX, ['-c', confFile, '-p', this.dir], {stdio: ['ignore', 'ignore', 'pipe']});
    this.nginx.stderr.setEncoding('utf8');
    this.nginx.stderr.on('data', (c) => this.nginxErr += c);
    this.nginxExited = new Promise((resolve) => this.nginx.on('exit', resolve));
    const deadline = Date.now() + 10000;
    for (;;) {
      if (this.nginx.exitCode !== null) {
        throw new Error(`nginx exited:\n${this.nginxErr}\n${await this.errorLog()}`);
      }
      try {
        await (await fetch(`${this.url}/`, {method: 'HEAD'})).arrayBuffer();
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new Error(`nginx did not start:\n${await this.errorLog()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  async errorLog() {
    try {
      return await readFile(path.join(this.dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async removeProjection() {
    await rm(path.join(this.dataDir, 'projection'), {recursive: true, force: true});
  }

  async stop() {
    if (this.nginx && this.nginx.exitCode === null) {
      this.nginx.kill('SIGQUIT');
      await this.nginxExited;
    }
    if (this.admin.proc) {
      this.admin.proc.kill('SIGCONT');
      await this.admin.stop();
    }
    const log = await this.errorLog();
    await rm(this.dir, {recursive: true, force: true});
    if (/\[(alert|emerg|crit)\]|signal \d+ \(core dumped\)|exited on signal/.test(log)) {
      throw new Error(`nginx reported a fault:\n${log}`);
    }
  }
}

// An app granted the API "default", with an AppCode.
async function grantedApp(stack, name) {
  await stack.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
  const app = await stack.call('POST', '/v1/apps', {name, generate_app_code: true});
  await stack.call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  return app;
}

async function answer(res) {
  await res.arrayBuffer();
  return {status: res.status, message: res.headers.get('x-ca-error-message')};
}

// A GET signed with the app's key (reference/alibaba.md section 4.2).
async function bySignature(stack, app, pathname = '/ok.txt') {
  const h = {
    'x-ca-key': app.app_key,
    'x-ca-nonce': randomUUID(),
    'x-ca-timestamp': String(Date.now()),
    accept: 'application/json',
  };
  const names = ['x-ca-key', 'x-ca-nonce', 'x-ca-timestamp'];
  const sts =
      ['GET', h.accept, '', '', '', ...names.map((n) => `${n}:${h[n]}`), pathname].join('\n');
  h['x-ca-signature-headers'] = names.join(',');
  h['x-ca-signature'] = createHmac('sha256', app.app_secret).update(sts).digest('base64');
  return answer(await fetch(`${stack.url}${pathname}`, {headers: h}));
}

async function byAppCode(stack, app, pathname = '/ok.txt') {
  const code = app.app_codes[0].app_code;
  return answer(
      await fetch(`${stack.url}${pathname}`, {headers: {authorization: `APPCODE ${code}`}}));
}

// Both schemes answer status (and message, when given).
async function bothAnswer(stack, app, status, message) {
  for (const call of [bySignature, byAppCode]) {
    const r = await call(stack, app);
    if (r.status !== status || (message !== undefined && r.message !== message)) {
      return false;
    }
  }
  return true;
}

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
