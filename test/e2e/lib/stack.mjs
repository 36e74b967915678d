// tollgated and nginx with the module on one data directory, started and
// stopped apart, for the tests of the gateway's view of the projection
// (gateway_projection, gateway_damage); and calls by both of Alibaba's
// schemes.

import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {createHmac, randomUUID} from 'node:crypto';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';

import {freePort, moduleFile} from './gateway.mjs';
import {Tollgated} from './tollgated.mjs';

export const NGINX = process.env.TOLLGATE_NGINX || '/usr/sbin/nginx';
export const WORKERS = 2;

// tollgated and nginx on one data directory, started and stopped apart.
export class Stack {
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

  // The pids of nginx's workers.
  async workers() {
    const pid = this.nginx.pid;
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  }

  // Kills a worker with SIGKILL, as a crash would.
  killWorker(pid) {
    (this.killed ||= []).push(pid);
    process.kill(pid, 'SIGKILL');
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
    // A worker the test killed is no fault.
    const killed = this.killed || [];
    const log = (await this.errorLog())
                    .split('\n')
                    .filter((l) => !killed.some((pid) => l.includes(`${pid} exited on signal 9`)))
                    .join('\n');
    await rm(this.dir, {recursive: true, force: true});
    if (/\[(alert|emerg|crit)\]|signal \d+ \(core dumped\)|exited on signal/.test(log)) {
      throw new Error(`nginx reported a fault:\n${log}`);
    }
  }
}

// An app granted the API "default", with an AppCode.
export async function grantedApp(stack, name) {
  await stack.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
  const app = await stack.call('POST', '/v1/apps', {name, generate_app_code: true});
  await stack.call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  return app;
}

export async function answer(res) {
  await res.arrayBuffer();
  return {status: res.status, message: res.headers.get('x-ca-error-message')};
}

// A GET signed with the app's key (reference/alibaba.md section 4.2).
export async function bySignature(stack, app, pathname = '/ok.txt') {
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

export async function byAppCode(stack, app, pathname = '/ok.txt') {
  const code = app.app_codes[0].app_code;
  return answer(
      await fetch(`${stack.url}${pathname}`, {headers: {authorization: `APPCODE ${code}`}}));
}

// Both schemes answer status (and message, when given).
export async function bothAnswer(stack, app, status, message) {
  for (const call of [bySignature, byAppCode]) {
    const r = await call(stack, app);
    if (r.status !== status || (message !== undefined && r.message !== message)) {
      return false;
    }
  }
  return true;
}
