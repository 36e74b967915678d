// Starts a real tollgated for a test: a fresh data directory, a free
// loopback port (--listen 127.0.0.1:0, read back from the log), JSON logs.
// stop() fails if the daemon exited badly or a sanitizer reported anything.
//
// With TOLLGATE_E2E_PG set to a postgres:// URL (scripts/pg-test.sh sets
// TOLLGATE_TEST_PG_URL; `make e2e-pg`), each daemon's store is instead a
// schema of its own in that database, named after its data directory's
// path, so that a restart with the same directory finds its store again.

import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const binDir = process.env.TOLLGATE_BIN_DIR || path.join(repoRoot, 'build/bin');

export const ADMIN_ID = 'TGe2eAdminKey0000000001';
export const ADMIN_SECRET = 'e2e-admin-secret-0123456789abcdef';

// What a sanitizer build prints when it finds something.
export const SANITIZER = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/;

// A daemon that a failed test forgot to stop is killed after this long,
// so that the run ends with the failure instead of hanging.
const WATCHDOG_MS = 5 * 60 * 1000;

// The PostgreSQL schema of the daemon whose data directory is dataDir:
// its name and a hash of its path (many are named "data").
export function pgSchema(dataDir) {
  return 'e2e_' + path.basename(dataDir).replace(/[^A-Za-z0-9]/g, '_').toLowerCase().slice(0, 40) +
      '_' + createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
}

// The --store URL of a daemon whose data directory is dataDir, when the
// tests run against PostgreSQL; null for SQLite.  Makes its schema.
export function pgStoreUrl(dataDir) {
  const base = process.env.TOLLGATE_E2E_PG;
  if (!base) {
    return null;
  }
  const schema = pgSchema(dataDir);
  const made = spawnSync(
      'psql', ['-q', '-v', 'ON_ERROR_STOP=1', base, '-c', `CREATE SCHEMA IF NOT EXISTS ${schema}`],
      {encoding: 'utf8'});
  assert.equal(made.status, 0, `psql: ${made.stderr}`);
  // (a string: a URL whose host is a socket directory is no WHATWG URL)
  return base + (base.includes('?') ? '&' : '?') +
      'options=' + encodeURIComponent(`-csearch_path=${schema}`);
}

export class Tollgated {
  constructor(opts = {}) {
    this.args = opts.args || [];
    this.binDir = opts.binDir || binDir;  // another build (benchmarks)
    this.env = opts.env || {};
    this.bootstrapEnv = opts.bootstrap !== false;
    this.dataDir = opts.dataDir || null;
    this.watchdogMs = opts.watchdogMs || WATCHDOG_MS;  // a benchmark's daemon lives longer
    this.ownsDataDir = !opts.dataDir;
    this.proc = null;
    this.stderr = '';
    this.port = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get logLines() {
    return this.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  }

  async start() {
    if (!this.dataDir) {
      this.dataDir = await mkdtemp(path.join(tmpdir(), 'tollgate-e2e-'));
    }
    const env = {...process.env, ...this.env};
    if (this.bootstrapEnv) {
      env.TOLLGATE_ADMIN_ACCESS_KEY_ID = ADMIN_ID;
      env.TOLLGATE_ADMIN_ACCESS_KEY_SECRET = ADMIN_SECRET;
    }
    // The sanitizer build must not stop at the first leak report silently.
    env.ASAN_OPTIONS = env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0';
    env.UBSAN_OPTIONS = env.UBSAN_OPTIONS || 'print_stacktrace=1';

    const store = this.env.TOLLGATE_STORE === undefined ? pgStoreUrl(this.dataDir) : null;
    const args = [
      '--data-dir', this.dataDir, '--listen', '127.0.0.1:0', '--log-format', 'json',
      ...(store ? ['--store', store] : []), ...this.args
    ];
    const proc = spawn(
        path.join(this.binDir, 'tollgated'), args, {env, stdio: ['ignore', 'ignore', 'pipe']});
    const watchdog = setTimeout(() => proc.kill('SIGKILL'), this.watchdogMs).unref();
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      resolve({code, signal});
    }));
    this.proc.stderr.setEncoding('utf8');

    this.port = await new Promise((resolve, reject) => {
      const timer =
          setTimeout(() => reject(new Error(`tollgated did not start:\n${this.stderr}`)), 15000);
      // Matched until the daemon listens, not after: a match flattens the
      // whole string, so matching on every chunk cost time quadratic in
      // the log (at 30 MB of log, 1.8 s of CPU per 10 MB more: a benchmark's
      // daemon, which logs every request, lost a share of the two CPUs).
      let listening = false;
      this.proc.stderr.on('data', (chunk) => {
        this.stderr += chunk;
        if (listening) {
          return;
        }
        const m = this.stderr.match(/tollgated listening.*?port"?[:=]"?(\d+)/);
        if (m) {
          listening = true;
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      this.exited.then(({code, signal}) => {
        clearTimeout(timer);
        reject(new Error(`tollgated exited (${code ?? signal}) before listening:\n${this.stderr}`));
      });
    });
    return this;
  }

  // Stops with SIGTERM; rejects on a bad exit or a sanitizer report.
  async stop({keepData = false} = {}) {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
    }
    const {code, signal} = await this.exited;
    this.proc = null;
    if (!keepData && this.ownsDataDir) {
      await rm(this.dataDir, {recursive: true, force: true});
    }
    if (SANITIZER.test(this.stderr)) {
      throw new Error(`sanitizer report from tollgated:\n${this.stderr}`);
    }
    if (code !== 0) {
      throw new Error(`tollgated exited with ${code ?? signal}:\n${this.stderr}`);
    }
  }

  // Kills the daemon the hard way, as a crash would.
  async kill9() {
    this.proc.kill('SIGKILL');
    await this.exited;
    this.proc = null;
  }

  async restart() {
    this.stderr = '';
    return this.start();
  }

  // One HTTP call.  auth: [id, secret], null for none; default the admin.
  async call(method, pathname, {body, auth = [ADMIN_ID, ADMIN_SECRET], headers = {}, raw} = {}) {
    const h = {...headers};
    if (auth) {
      h.authorization = 'Basic ' + Buffer.from(`${auth[0]}:${auth[1]}`).toString('base64');
    }
    let payload;
    if (raw !== undefined) {
      payload = raw;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = h['content-type'] || 'application/json';
    }
    return responseOf(await fetch(this.url + pathname, {method, headers: h, body: payload}));
  }
}

export async function startTollgated(opts) {
  return new Tollgated(opts).start();
}

// Registers an API through the native API; returns its id.
export async function createApi(d, name) {
  const res = await d.call('POST', '/v1/apis', {body: {name}});
  assert.equal(res.status, 201, res.text);
  return res.json.id;
}

// A plain JSON copy of what an SDK returned (no class, no undefined).
export const plain = (x) => JSON.parse(JSON.stringify(x));

// What a fetch() answered: {status, headers, text, json}, json null when
// the body is empty or not JSON.
export async function responseOf(res) {
  const text = await res.text();
  let json = null;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  return {status: res.status, headers: res.headers, text, json};
}

// Runs fn, which must throw; returns the error.
export async function rejects(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}
