// Starts the whole stack for a test: a real tollgated (lib/tollgated.mjs),
// an upstream that echoes what it received as JSON, and Debian's nginx with
// the Tollgate module (build/nginx/ngx_http_tollgate_module.so) in front of
// it, all on free loopback ports with temporary directories.

import {spawn} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';

import {repoRoot, startTollgated} from './tollgated.mjs';

export const moduleFile = process.env.TOLLGATE_NGINX_MODULE ||
    path.join(repoRoot, 'build/nginx/ngx_http_tollgate_module.so');
const NGINX = process.env.TOLLGATE_NGINX || '/usr/sbin/nginx';

// A free loopback port (free when asked: bind it soon), for a server to listen on, below the
// kernel's ephemeral range (32768 and up), so that no outgoing connection of any process takes it
// between this call and the bind, and spread over 10000-32767 from a
// random start per process, so that test files running at once rarely
// pick the same one.  Never the same port twice in one process.
const given = new Set();
let next = Math.floor(Math.random() * 22768);

function canListen(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort() {
  for (let tries = 0; tries < 1000; tries++) {
    next = (next + 7919) % 22768;
    const port = 10000 + next;
    if (!given.has(port) && await canListen(port)) {
      given.add(port);
      return port;
    }
  }
  throw new Error('no free port below the ephemeral range');
}

// An upstream that answers every request with what it saw.
async function startEcho() {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function nginxConf({dir, dataDir, port, upstream, locations, workers, servers, zone}) {
  const user = process.getuid && process.getuid() === 0 ? 'user root root;' : '';
  return `load_module ${moduleFile};
${user}
daemon off;
master_process on;
worker_processes ${workers};
error_log ${dir}/error.log info;
pid ${dir}/nginx.pid;
events { worker_connections 512; }
http {
  log_format tollgate '$status $tollgate_scheme $tollgate_app_id "$tollgate_error"';
  access_log ${dir}/access.log tollgate;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  tollgate_projection ${dataDir}/projection;
  tollgate_key_file ${dataDir}/dataplane.key;
  tollgate_zone tollgate:${zone};

  server {
    listen 127.0.0.1:${port};
${locations(`http://127.0.0.1:${upstream}`)}
  }
${servers}
}
`;
}

export class Gateway {
  constructor(opts = {}) {
    this.tollgatedArgs = opts.tollgatedArgs || [];
    this.locations = opts.locations;
    this.workers = opts.workers || 2;
    this.zone = opts.zone || '1m';
    this.servers = opts.servers || '';  // more server blocks, verbatim
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    this.admin = await startTollgated({args: this.tollgatedArgs});
    this.echo = await startEcho();
    this.dir = await mkdtemp(path.join(tmpdir(), 'tollgate-nginx-'));
    this.port = await freePort();
    const conf = nginxConf({
      dir: this.dir,
      dataDir: this.admin.dataDir,
      port: this.port,
      upstream: this.echo.address().port,
      locations: this.locations,
      workers: this.workers,
      servers: this.servers,
      zone: this.zone,
    });
    this.confFile = path.join(this.dir, 'nginx.conf');
    await writeFile(this.confFile, conf);

    this.nginxErr = '';
    this.nginx =
        spawn(NGINX, ['-c', this.confFile, '-p', this.dir], {stdio: ['ignore', 'ignore', 'pipe']});
    this.nginx.stderr.setEncoding('utf8');
    this.nginx.stderr.on('data', (c) => this.nginxErr += c);
    this.nginxExited =
        new Promise((resolve) => this.nginx.on('exit', (code, signal) => resolve({code, signal})));

    const deadline = Date.now() + 10000;
    for (;;) {
      if (this.nginx.exitCode !== null) {
        throw new Error(`nginx exited:\n${this.nginxErr}\n${await this.errorLog()}`);
      }
      try {
        await fetch(`${this.url}/`, {method: 'HEAD'});
        break;
      } catch {
        if (Date.now() > deadline) {
          throw new Error(`nginx did not start:\n${await this.errorLog()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    return this;
  }

  async errorLog() {
    try {
      return await readFile(path.join(this.dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop() {
    if (this.nginx && this.nginx.exitCode === null) {
      this.nginx.kill('SIGQUIT');
      await this.nginxExited;
    }
    await new Promise((resolve) => this.echo.close(resolve));
    await this.admin.stop();
    const log = await this.errorLog();
    await rm(this.dir, {recursive: true, force: true});
    if (/\[(alert|emerg|crit)\]|signal \d+ \(core dumped\)|exited on signal/.test(log)) {
      throw new Error(`nginx reported a fault:\n${log}`);
    }
  }
}

// Polls fn until it returns true: the projection follows commits
// asynchronously (within milliseconds).
export async function eventually(fn, ms = 3000) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) {
      throw new Error('the gateway did not converge');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function startGateway(opts) {
  return new Gateway(opts).start();
}
