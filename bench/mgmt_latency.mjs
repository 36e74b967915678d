// Throughput and latency of the management API's durable writes (the
// default --sync full: every acknowledged write is fsynced) at concurrency
// 1, 8 and 64: secret resets (each of a different app) and app creates,
// through the native API (HTTP Basic) and through the Alibaba dialect
// (RPC calls signed with HMAC-SHA1, POSTed as a form, as Alibaba's
// pop-core SDK sends them), against the release build of tollgated on
// loopback.
//
// Stores: SQLite always; PostgreSQL too when TOLLGATE_TEST_PG_URL names a
// server.  Without it, when Debian's PostgreSQL server is installed, the
// script runs itself again under scripts/pg-test.sh, which starts a
// throwaway server (with fsync on here, TOLLGATE_PG_OPTS, so that its
// figures are durable as SQLite's are; TOLLGATE_BENCH_NO_PG=1 skips it).
// Each daemon on PostgreSQL gets a schema of its own.
//
// With TOLLGATE_BASELINE_BIN_DIR (another build's bin/, e.g. the commit
// before group commit), the same runs go against that build too (on
// SQLite; on PostgreSQL if that build has it), interleaved with this
// one's: the figures are printed side by side, with the ratios.  The
// client is Node's http module with keep-alive connections, one per
// call in flight; then, for the native API at c=1, 8 and 64, wrk too
// (bench/lib/mgmt_wrk.lua, 5 s a run), the client issue 16 measured with:
// it takes far less of the two shared CPUs per call than Node does, and
// the goal figures at c=1 and 64 are wrk's when it ran (keys "<op> wrk c=<n>
// <build>[ postgres]").  Prints ops/s and the median, p99 and max latency;
// writes bench/results/mgmt_latency.json, whose runs are keyed
// "<op> c=<n> <build>" for the native API on SQLite (as before), and
// "<op> <dialect> c=<n> <build>[ postgres]" for the others.
//
//   node bench/mgmt_latency.mjs [ops per run] [rounds]

import {spawn, spawnSync} from 'node:child_process';
import {createHmac, randomUUID} from 'node:crypto';
import {closeSync, existsSync, fdatasyncSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync} from 'node:fs';
import {mkdir, rm, writeFile} from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {isoSeconds, percentEncode, v1StringToSign, VERSION} from '../test/e2e/lib/alibaba.mjs';
import {ADMIN_ID, ADMIN_SECRET, binDir, repoRoot, startTollgated} from '../test/e2e/lib/tollgated.mjs';

// A PostgreSQL server installed but none given: run again beside one.
function pgInstalled() {
  const root = '/usr/lib/postgresql';
  return existsSync(root) &&
      readdirSync(root).some((v) => existsSync(path.join(root, v, 'bin/initdb')));
}
if (!process.env.TOLLGATE_TEST_PG_URL && !process.env.TOLLGATE_BENCH_NO_PG && pgInstalled()) {
  const r = spawnSync(
      path.join(repoRoot, 'scripts/pg-test.sh'), [process.execPath, ...process.argv.slice(1)], {
        stdio: 'inherit',
        env: {
          ...process.env,
          TOLLGATE_PG_OPTS: '-c fsync=on -c full_page_writes=on -c max_connections=400'
        },
      });
  process.exit(r.status ?? 1);
}

const perRun = Number(process.argv[2] || 1000);
const rounds = Number(process.argv[3] || 1);
const levels = [1, 8, 64];
const dialects = ['native', 'alibaba'];
// --threads: as many as the highest concurrency measured, so that every
// write in flight can be in the store's group at once (docs/operations.md).
const threads = process.env.TOLLGATE_BENCH_THREADS || '64';
const pgUrl = process.env.TOLLGATE_TEST_PG_URL || null;

const builds = {
  current: binDir
};
if (process.env.TOLLGATE_BASELINE_BIN_DIR) {
  builds.baseline = process.env.TOLLGATE_BASELINE_BIN_DIR;
}
const stores = pgUrl ? ['sqlite', 'postgres'] : ['sqlite'];

function summary(samples, seconds) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return {
    n: s.length,
    ops_per_s: Math.round(s.length / seconds),
    median_ms: +at(0.5).toFixed(3),
    p99_ms: +at(0.99).toFixed(3),
    max_ms: +s[s.length - 1].toFixed(3),
  };
}

// One call over a keep-alive connection of d.agent; resolves {status,
// text}.  Each figure has its agents, destroyed at its end, so that no
// connection idles long enough for the server to close it under a call.
function request(d, method, pathname, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
        {host: '127.0.0.1', port: d.port, method, path: pathname, headers, agent: d.agent},
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => text += chunk);
          res.on('end', () => resolve({status: res.statusCode, text}));
        });
    req.on('error', reject);
    req.end(body);
  });
}

const basic = 'Basic ' + Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64');

// A native API call; resolves the parsed answer.
async function native(d, method, pathname, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = {authorization: basic};
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  const res = await request(d, method, pathname, headers, payload);
  if (res.status >= 300) {
    throw new Error(`${method} ${pathname}: ${res.status} ${res.text}`);
  }
  return res.text ? JSON.parse(res.text) : null;
}

// An Alibaba RPC call, signed (v1, HMAC-SHA1) and POSTed as a form, as
// pop-core sends it: a fresh nonce and timestamp each.
async function alibaba(d, action, params) {
  const all = {
    AccessKeyId: ADMIN_ID,
    Action: action,
    Format: 'JSON',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: randomUUID(),
    SignatureVersion: '1.0',
    Timestamp: isoSeconds(new Date()),
    Version: VERSION,
    ...params,
  };
  all.Signature =
      createHmac('sha1', ADMIN_SECRET + '&').update(v1StringToSign('POST', all)).digest('base64');
  const body =
      Object.entries(all).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
  const res = await request(
      d, 'POST', '/', {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(body),
      },
      body);
  if (res.status >= 300) {
    throw new Error(`${action}: ${res.status} ${res.text}`);
  }
  return JSON.parse(res.text);
}

// The operations, by dialect: reset(app) and create(name), each
// resolving once answered.
const ops = {
  native: {
    reset: (d, app) => native(d, 'POST', `/v1/apps/${app.id}/reset-secret`),
    create: (d, name) => native(d, 'POST', '/v1/apps', {name}),
  },
  alibaba: {
    reset: (d, app) => alibaba(d, 'ResetAppSecret', {AppKey: app.app_key}),
    create: (d, name) => alibaba(d, 'CreateApp', {AppName: name}),
  },
};

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// Runs count operations (op(i) returns a promise of ms), concurrency at a
// time; returns the latencies and the elapsed seconds.
async function load(count, concurrency, op) {
  const samples = [];
  let next = 0;
  for (const d of Object.values(daemons)) {
    d.agent = new http.Agent({keepAlive: true, maxSockets: 64});
  }
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (next < count) {
      const i = next++;
      samples.push(await op(i));
    }
  }
  await Promise.all(Array.from({length: concurrency}, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const d of Object.values(daemons)) {
    d.agent.destroy();
  }
  return {samples, seconds};
}

// The daemons serve the whole run (about 8 minutes): the test helper's
// watchdog, which kills a daemon a failed test forgot after 5 minutes,
// waits longer here.
const DAEMON_LIFE_MS = 60 * 60 * 1000;

// A daemon on store (its own schema on PostgreSQL), or null when this
// build cannot run on it.
async function start(dir, store) {
  const args = ['--max-apps', '10000000', '--app-write-rate', '0', '--threads', threads];
  if (store !== 'postgres') {
    return startTollgated({binDir: dir, args, watchdogMs: DAEMON_LIFE_MS});
  }
  process.env.TOLLGATE_E2E_PG = pgUrl;
  try {
    return await startTollgated({binDir: dir, args, watchdogMs: DAEMON_LIFE_MS});
  } catch (e) {
    console.log(`  (${dir}: no PostgreSQL store: ${e.message.split('\n')[0]})`);
    return null;
  } finally {
    delete process.env.TOLLGATE_E2E_PG;
  }
}

const total = perRun * levels.length * rounds * dialects.length;

// What one fdatasync costs on the file system the daemons' stores are on
// (os.tmpdir(), where startTollgated() makes their data directories): 4
// KiB appended, then synced, n times; {median_ms, p99_ms}.  A durable
// write at concurrency 1 waits for at least one (its group's commit), so
// its latency cannot fall below this figure.
function measureFdatasync(n = 200) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-sync-'));
  const fd = openSync(path.join(dir, 'f'), 'w');
  const page = Buffer.alloc(4096, 1);
  const ms = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      writeSync(fd, page);
      fdatasyncSync(fd);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, {recursive: true, force: true});
  }
  ms.sort((a, b) => a - b);
  return {
    median_ms: +ms[Math.floor(n / 2)].toFixed(3),
    p99_ms: +ms[Math.floor(n * 0.99)].toFixed(3),
  };
}

// wrk (bench/lib/mgmt_wrk.lua), when installed: rounds of wrkSeconds,
// the builds interleaved in each; a figure is the rate over all its
// rounds and the median of their latencies, so that one run's hiccup
// does not make the figure.
const wrkSeconds = process.env.BENCH_QUICK ? 1 : 3;
const wrkRounds = process.env.BENCH_QUICK ? 1 : 3;
function wrkInstalled() {
  return spawnSync('wrk', ['--version']).error === undefined;
}

// One wrk run of op at concurrency c against d: {requests, seconds,
// refused, p50_us, p99_us, max_us}; throws if any write was refused.
// Asynchronous: the daemons' logs go on being read meanwhile (a blocked
// pipe would stall them).
async function wrkRun(d, op, c, idsFile, prefix) {
  const child = spawn(
      'wrk',
      [
        '-t1', `-c${c}`, `-d${wrkSeconds}s`, '-s', path.join(repoRoot, 'bench/lib/mgmt_wrk.lua'),
        d.url
      ],
      {
        env: {
          ...process.env,
          TG_WRK_AUTH: basic,
          TG_WRK_OP: op,
          TG_WRK_IDS: idsFile,
          TG_WRK_PREFIX: prefix
        },
      });
  let stdout = '', stderr = '';
  child.stdout.on('data', (b) => stdout += b);
  child.stderr.on('data', (b) => stderr += b);
  const status = await new Promise((resolve) => child.on('close', resolve));
  const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'));
  if (status !== 0 || !line) {
    throw new Error(`wrk ${op} c=${c}: ${status}\n${stdout}\n${stderr}`);
  }
  const out = JSON.parse(line);
  if (out.refused > 0) {
    throw new Error(`wrk ${op} c=${c}: ${out.refused} of ${out.requests} refused\n${stdout}`);
  }
  return out;
}
const daemons = {};  // by "<build>" or "<build> postgres"
for (const store of stores) {
  for (const [name, dir] of Object.entries(builds)) {
    const d = await start(dir, store);
    if (d) {
      daemons[store === 'sqlite' ? name : `${name} postgres`] = d;
    }
  }
}

const key = (op, dialect, c, name) => dialect === 'native' && !name.endsWith('postgres') ?
    `${op} c=${c} ${name}` :
    `${op} ${dialect} c=${c} ${name}`;

try {
  // The apps whose secrets are reset, one reset each.
  const apps = {};
  for (const [name, d] of Object.entries(daemons)) {
    apps[name] = [];
    await load(total, 8, async (i) => {
      apps[name].push(await native(d, 'POST', '/v1/apps', {name: `reset${i}`}));
      return 0;
    });
  }

  const fdatasync = measureFdatasync();
  const runs = {};
  const used = Object.fromEntries(Object.keys(daemons).map((n) => [n, 0]));
  for (let round = 0; round < rounds; round++) {
    for (const c of levels) {
      for (const dialect of dialects) {
        for (const [name, d] of Object.entries(daemons)) {
          const from = used[name];
          used[name] += perRun;
          const r = await load(
              perRun, c, (i) => timed(() => ops[dialect].reset(d, apps[name][from + i])));
          (runs[key('reset', dialect, c, name)] ||= []).push(r);
        }
        for (const [name, d] of Object.entries(daemons)) {
          const r = await load(
              perRun, c,
              (i) => timed(() => ops[dialect].create(d, `r${round}${dialect}c${c}n${i}`)));
          (runs[key('create', dialect, c, name)] ||= []).push(r);
        }
      }
    }
  }

  // The same writes again with wrk as the client (as issue 16 measured
  // them): a C client costs the shared CPUs far less per call than
  // Node's http, so that more of the machine is left to tollgated.  The
  // native API, at c=1, 8 and 64, for wrkSeconds each, interleaved.
  const wrkRuns = {};
  if (wrkInstalled()) {
    const idsFile = path.join(os.tmpdir(), `tollgate-bench-ids-${process.pid}`);
    try {
      for (let round = 0; round < wrkRounds; round++) {
        for (const c of levels) {
          for (const op of ['reset', 'create']) {
            for (const [name, d] of Object.entries(daemons)) {
              await writeFile(idsFile, apps[name].map((a) => a.id).join('\n') + '\n');
              const r = await wrkRun(d, op, c, idsFile, `w${round}c${c}n`);
              (wrkRuns[key(op, 'wrk', c, name)] ||= []).push(r);
            }
          }
        }
      }
    } finally {
      await rm(idsFile, {force: true});
    }
  }

  const result = {
    when: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0].model}`,
    load_average: os.loadavg().map((x) => +x.toFixed(2)),
    sync: 'full',
    threads: Number(threads),
    fdatasync,
    ops_per_run: perRun,
    rounds,
    builds,
    stores,
    dialects,
    runs: {},
  };
  for (const [k, rs] of Object.entries(runs)) {
    // All rounds' samples together; the rate over their total time.
    result.runs[k] = summary(rs.flatMap((r) => r.samples), rs.reduce((s, r) => s + r.seconds, 0));
  }
  for (const [k, rs] of Object.entries(wrkRuns)) {
    // wrk keeps no samples: the rate over all rounds, the latencies the
    // median of the rounds'.
    const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    result.runs[k] = {
      n: rs.reduce((t, r) => t + r.requests, 0),
      ops_per_s: Math.round(
          rs.reduce((t, r) => t + r.requests, 0) / rs.reduce((t, r) => t + r.seconds, 0)),
      median_ms: mid(rs.map((r) => r.p50_us)) / 1000,
      p99_ms: mid(rs.map((r) => r.p99_us)) / 1000,
      max_ms: Math.max(...rs.map((r) => r.max_us)) / 1000,
      client: 'wrk',
      rounds: rs.length,
      seconds_per_round: wrkSeconds,
    };
  }

  console.log(
      `management writes, ${result.machine}, --sync full, --threads ${threads}, ` +
      `${perRun} ops x ${rounds} rounds per figure, load average ${result.load_average[0]}`);
  console.log(
      '  operation dialect    c  build                 ops/s  median ms   p99 ms   max ms  ' +
      (builds.baseline ? 'x baseline' : ''));
  for (const op of ['reset', 'create']) {
    for (const dialect of dialects) {
      for (const c of levels) {
        for (const name of Object.keys(daemons)) {
          const r = result.runs[key(op, dialect, c, name)];
          const base = name.startsWith('current') &&
              result.runs[key(op, dialect, c, name.replace('current', 'baseline'))];
          const ratio = base ? (r.ops_per_s / base.ops_per_s).toFixed(2) : '';
          console.log(`  ${op.padEnd(9)} ${dialect.padEnd(8)} ${String(c).padStart(3)}  ${
              name.padEnd(
                  18)} ${String(r.ops_per_s).padStart(8)} ${r.median_ms.toFixed(3).padStart(10)} ${
              r.p99_ms.toFixed(3).padStart(8)} ${r.max_ms.toFixed(3).padStart(8)}  ${ratio}`);
        }
      }
    }
  }
  for (const [k, r] of Object.entries(result.runs).filter(([, r]) => r.client === 'wrk')) {
    const base = k.includes('current') && result.runs[k.replace('current', 'baseline')];
    const ratio = base ? (r.ops_per_s / base.ops_per_s).toFixed(2) : '';
    console.log(`  ${k.padEnd(40)} ${String(r.ops_per_s).padStart(8)} ${
        r.median_ms.toFixed(3).padStart(
            10)} ${r.p99_ms.toFixed(3).padStart(8)} ${r.max_ms.toFixed(3).padStart(8)}  ${
        ratio}  (client: wrk -t1, ${wrkRounds} x ${wrkSeconds} s)`);
  }
  console.log(
      `  fdatasync of 4 KiB appended, on ${os.tmpdir()} (the stores' file system): ` +
      `median ${fdatasync.median_ms} ms, p99 ${fdatasync.p99_ms} ms: a durable write at c=1 ` +
      'waits for one');
  if (pgUrl) {
    console.log('  (postgres: a throwaway local server, scripts/pg-test.sh)');
  }
  const dir = path.join(repoRoot, 'bench/results');
  await mkdir(dir, {recursive: true});
  await writeFile(path.join(dir, 'mgmt_latency.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  for (const d of Object.values(daemons)) {
    await d.stop();
  }
}

// The figures of issue 16's goal table, and each run's ops/s for the
// chart, in the shape bench/report.mjs reads (bench/README.md).  A run is
// "<op> c=<n> <build and variant>"; the BENCH_BASELINE build's run, when
// there is one, is each figure's baseline.
{
  const {addFigures, figure} = await import('./lib/figures.mjs');
  await addFigures('mgmt_latency', (r) => {
    // "<op> c=<n> <build>" (native API, SQLite), or
    // "<op> <dialect> c=<n> <build>[ postgres]".
    const runs = Object.entries(r.runs).flatMap(([key, s]) => {
      const m = key.match(/^(\S+)(?: (\S+))? c=(\d+) (.*)$/);
      return m ? [{op: m[1], c: Number(m[3]), tag: `${m[2] || ''} ${m[4]}`.trim(), s}] : [];
    });
    const ours = runs.filter((x) => !/\bbaseline\b/.test(x.tag));
    // The goal figures: the native API on SQLite; at c=1, 8 and 64 with wrk
    // as the client when it ran (the issue's own client), else Node's.
    const primary =
        ours.filter((x) => x.tag === 'wrk current').concat(ours.filter((x) => x.tag === 'current'));
    const base = (x) => runs.find(
        (y) => y.op === x.op && y.c === x.c && y.tag === x.tag.replace(/\bcurrent\b/, 'baseline'));
    const tagText = (x) =>
        x.tag.replace(/\bcurrent\b/, '').replace(/\s+/g, ' ').trim() || 'native API';
    const one = (id, op, c, stat) => {
      const x = primary.find((y) => y.op === op && y.c === c);
      const b = x && base(x);
      return figure(id, {
        value: x && x.s[stat],
        baseline_label: b && 'BENCH_BASELINE build',
        baseline_value: b && b.s[stat],
        rounds: (x && x.s.rounds) || r.rounds,
        note: x &&
            `${x.s.n} ops, ${tagText(x)}, --threads ${r.threads}` +
                (id === 'cp.reset_c1_p50' && r.fdatasync ?
                     `; one fdatasync on that disk: median ${r.fdatasync.median_ms} ms` :
                     ''),
      });
    };
    // PostgreSQL beside SQLite (issue 15), the native API at c=64.
    const pg = (id, op) => {
      const x = ours.find((y) => y.op === op && y.c === 64 && y.tag === 'wrk current postgres') ||
          ours.find((y) => y.op === op && y.c === 64 && /postgres/.test(y.tag));
      const b = primary.find((y) => y.op === op && y.c === 64);
      return x && figure(id, {
               value: x.s.ops_per_s,
               baseline_label: 'SQLite store, same run',
               baseline_value: b && b.s.ops_per_s,
               rounds: x.s.rounds || r.rounds,
               note: `${x.s.n} ops, p99 ${x.s.p99_ms} ms (SQLite ${b && b.s.p99_ms} ms)`,
             });
    };
    return [
      pg('cluster.reset_c64_pg', 'reset'),
      pg('cluster.create_c64_pg', 'create'),
      one('cp.reset_c64', 'reset', 64, 'ops_per_s'),
      one('cp.reset_c64_p99', 'reset', 64, 'p99_ms'),
      one('cp.create_c64', 'create', 64, 'ops_per_s'),
      one('cp.reset_c1_p50', 'reset', 1, 'median_ms'),
      ...ours.map((x) => {
        const b = base(x);
        return figure(`cp.ops.${x.op}.${tagText(x).replace(/\W+/g, '_')}.c${x.c}`, {
          label: `${x.op}s/s at concurrency ${x.c}, ${tagText(x)} (p99 ${x.s.p99_ms} ms)`,
          unit: 'ops/s',
          value: x.s.ops_per_s,
          baseline_label: b && 'BENCH_BASELINE build',
          baseline_value: b && b.s.ops_per_s,
          rounds: x.s.rounds || r.rounds,
          chart: {panel: 'control', series: `${x.op}, ${tagText(x)}`, x: `c=${x.c}`},
        });
      }),
    ];
  });
}
