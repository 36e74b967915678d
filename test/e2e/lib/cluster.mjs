// Several Tollgate nodes on one machine, as docs/cluster.md runs them: a
// real PostgreSQL (Debian's server, initdb into a temporary directory,
// listening only on a Unix socket there), a real Redis (redis-server on a
// free loopback port, nothing saved), and N nodes, each a tollgated with
// its own data directory and LMDB projection and an nginx with the module
// in front of it (lib/stack.mjs), all sharing the PostgreSQL store and the
// keyring of the first node.
//
//   const c = await startCluster({nodes: 3});
//   c.nodes[0].admin.call(...)     // node 1's management API (Tollgated)
//   bySignature(c.nodes[2], app)   // a call at node 3's gateway
//   await c.stop();
//
// The servers are stopped and their directories removed by stop(), also
// when a test failed; a server that cannot start throws with its log.

import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {chmod, chown, copyFile, mkdtemp, readdir, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';

import {freePort} from './gateway.mjs';
import {Stack} from './stack.mjs';
import {repoRoot, Tollgated} from './tollgated.mjs';

export const CHECKER = process.env.TOLLGATE_PROJECTION_CHECK ||
    path.join(repoRoot, 'build/test/tools/projection_check');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Debian's newest PostgreSQL server programs, or null.
async function pgBinDir() {
  let versions = [];
  try {
    versions = await readdir('/usr/lib/postgresql');
  } catch {
    return null;
  }
  versions.sort((a, b) => Number(a) - Number(b));
  const last = versions.pop();
  return last ? path.join('/usr/lib/postgresql', last, 'bin') : null;
}

// Whether the machine has what startCluster() starts; a reason if not.
export async function clusterMissing() {
  if (!(await pgBinDir())) {
    return 'no PostgreSQL server (scripts/deps.sh test)';
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    return 'no redis-server (scripts/deps.sh test)';
  }
  return null;
}

// A throwaway PostgreSQL server, as scripts/pg-test.sh starts one: as
// root, its programs run as the postgres user of Debian's package.
export class Postgres {
  // durable: fsync on (benchmarks); the tests' server skips it.
  constructor({durable = false} = {}) {
    this.durable = durable;
  }

  async start() {
    this.bin = await pgBinDir();
    assert.ok(this.bin, 'no PostgreSQL server (scripts/deps.sh test)');
    this.dir = await mkdtemp(path.join(tmpdir(), 'tollgate-cluster-pg-'));
    this.root = process.getuid && process.getuid() === 0;
    if (this.root) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], {encoding: 'utf8'}).stdout);
      const gid = Number(spawnSync('id', ['-g', 'postgres'], {encoding: 'utf8'}).stdout);
      await chown(this.dir, uid, gid);
      await chmod(this.dir, 0o755);
    }
    this.run('initdb', [
      '-D', `${this.dir}/data`, '--username=tollgate', '--auth=trust', '--encoding=UTF8',
      '--locale=C'
    ]);
    this.startServer();
    return this;
  }

  // The store URL of the database (a Unix socket in this.dir).
  get url() {
    return `postgresql://tollgate@/postgres?host=${this.dir}`;
  }

  run(program, args) {
    const argv = [path.join(this.bin, program), ...args];
    const r = this.root ? spawnSync('runuser', ['-u', 'postgres', '--', ...argv], {cwd: '/'}) :
                          spawnSync(argv[0], argv.slice(1), {cwd: '/'});
    assert.equal(r.status, 0, `${program}: ${r.stdout}${r.stderr}`);
  }

  startServer() {
    const opts = `-k ${this.dir} -c listen_addresses= ` +
        (this.durable ? '' : '-c fsync=off -c full_page_writes=off ') +
        '-c log_min_error_statement=panic -c max_connections=200';
    this.run('pg_ctl', [
      '-D', `${this.dir}/data`, '-l', `${this.dir}/server.log`, '-w', '-t', '60', '-o', opts,
      'start'
    ]);
  }

  // Stops the server the hard way (mode immediate), as a crash would.
  stopServer() {
    this.run('pg_ctl', ['-D', `${this.dir}/data`, '-m', 'immediate', 'stop']);
  }

  // One SQL statement through psql; its output, unaligned.
  sql(statement) {
    const r = spawnSync(
        'psql', ['-qAtX', '-v', 'ON_ERROR_STOP=1', this.url, '-c', statement], {encoding: 'utf8'});
    assert.equal(r.status, 0, `psql: ${r.stderr}`);
    return r.stdout.trim();
  }

  async stop() {
    if (!this.dir) {
      return;
    }
    try {
      this.stopServer();
    } catch {
      // (already stopped)
    }
    await rm(this.dir, {recursive: true, force: true});
  }
}

// A throwaway Redis on a free loopback port: no persistence.
export class Redis {
  async start() {
    this.dir = await mkdtemp(path.join(tmpdir(), 'tollgate-cluster-redis-'));
    this.port = await freePort();
    this.log = '';
    this.proc = spawn(
        'redis-server',
        [
          '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
          '--dir', this.dir, '--daemonize', 'no'
        ],
        {stdio: ['ignore', 'pipe', 'pipe']});
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (c) => this.log += c);
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
    const deadline = Date.now() + 10000;
    while (!/Ready to accept connections/.test(this.log)) {
      assert.ok(this.proc.exitCode === null, `redis-server exited:\n${this.log}`);
      assert.ok(Date.now() < deadline, `redis-server did not start:\n${this.log}`);
      await sleep(20);
    }
    return this;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await this.exited;
    }
    await rm(this.dir, {recursive: true, force: true});
  }
}

// One node: tollgated on the shared store, nginx with the module in front
// (a Stack whose tollgated is given the store URL).
export class Node extends Stack {
  constructor({name, store, args = [], http = ''}) {
    super({http});
    this.name = name;
    this.store = store;
    this.args = args;
  }

  async init() {
    await super.init();
    this.admin = new Tollgated({
      dataDir: this.dataDir,
      env: {TOLLGATE_STORE: this.store},
      args: ['--app-write-rate', '0', ...this.args],
    });
    return this;
  }

  async health() {
    return (await this.admin.call('GET', '/healthz', {auth: null})).json;
  }

  // test/tools/projection_check of this node's projection against the
  // store: {status, stdout}.
  projectionCheck() {
    const r = spawnSync(CHECKER, [this.dataDir, this.store], {encoding: 'utf8'});
    return {status: r.status, stdout: r.stdout + r.stderr};
  }
}

export class Cluster {
  constructor({nodes = 3, args = [], http = () => '', durable = false} = {}) {
    this.count = nodes;
    this.durable = durable;
    this.args = args;
    this.http = http;  // (cluster) => more http-level nginx directives
    this.nodes = [];
  }

  async start() {
    this.pg = await new Postgres({durable: this.durable}).start();
    this.redis = await new Redis().start();
    for (let i = 0; i < this.count; i++) {
      const node = await new Node({
                     name: `node${i + 1}`,
                     store: this.pg.url,
                     args: this.args,
                     http: this.http(this),
                   }).init();
      if (i > 0) {
        // One keyring: each node opens the secrets the others sealed.
        await copyFile(
            path.join(this.nodes[0].dataDir, 'keyring.json'),
            path.join(node.dataDir, 'keyring.json'));
      }
      await node.admin.start();
      await node.startNginx();
      this.nodes.push(node);
    }
    return this;
  }

  // Resolves once every running node's projection has applied the
  // store's newest change; throws after ms.
  async settled(ms = 10000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const hs = await Promise.all(this.nodes.filter((n) => n.admin.proc).map((n) => n.health()));
      const latest = Math.max(...hs.map((h) => h.projection.latest_seq));
      if (hs.every((h) => h.projection.applied_seq === latest)) {
        return latest;
      }
      assert.ok(Date.now() < deadline, `not settled: ${JSON.stringify(hs)}`);
      await sleep(20);
    }
  }

  async stop() {
    const errors = [];
    for (const node of this.nodes) {
      try {
        await node.stop();
      } catch (e) {
        errors.push(`${node.name}: ${e.message}`);
      }
    }
    await this.redis?.stop();
    const log = this.pg ? await readFile(`${this.pg.dir}/server.log`, 'utf8').catch(() => '') : '';
    await this.pg?.stop();
    if (errors.length > 0) {
      throw new Error(`${errors.join('\n')}\nPostgreSQL's log:\n${log.slice(-4000)}`);
    }
  }
}

export async function startCluster(opts) {
  const c = new Cluster(opts);
  try {
    return await c.start();
  } catch (e) {
    await c.stop().catch(() => {});
    throw e;
  }
}
