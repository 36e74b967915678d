// A store with many apps (BENCH_APPS, default 1,000,000) in one account:
// what each operation costs there, beside its goal (issue 16).
//
// 1. Durable creates (--sync full) at concurrency 64 in the empty account
//    of a fresh tollgated (release build), with wrk as the client
//    (bench/lib/mgmt_wrk.lua, as bench/mgmt_latency.mjs drives it; wrk
//    -t1 -c64, BENCH_CREATE_SECONDS a run, 5 s, 3 runs): Node's HTTP
//    client costs about as much CPU per call as tollgated does, on the
//    same two cores, so its figure measures the client.  Then, beside
//    it, the same with Node's fetch() (BENCH_CREATES calls, 3,000), only
//    as a detail.  A create answered other than 2xx is counted as
//    refused, never as a create; and after each run the account's app
//    count (the store's) must have grown by at least the creates wrk
//    saw answered 2xx, or the figure is not measured.
// 2. bench/fill_store (built by make bench) fills the stopped daemon's
//    store with BENCH_APPS apps, each with two tags and a sealed key pair.
// 3. The projection is removed, and tollgated started: the time to listen
//    is the rebuild of the projection from the store (with BENCH_APPS
//    apps).  Then a cold start, with the projection in place.
// 4. Reads, one at a time: list by name, by tag (1 app in 100 holds it),
//    a page at offset 40,000, the last page (offset N - 20) and the
//    middle one (offset N / 2, the deepest from either end); p50/p99.
//    Then the same three pages reached by cursor (keyset paging): each
//    page's cursor obtained once (from the page before it, by offset),
//    then timed like the offset pages, beside them.
// 5. Durable creates at concurrency 64 again (wrk), in that account,
//    beside BENCH_APPS apps, interleaved (3 rounds) with creates in
//    another account of the same store that starts empty (the create
//    body's "account_id"); then Node's fetch() in that account, a detail.
// 6. tollgated's RSS after all that (VmRSS, and VmHWM, its peak), and the
//    peak of the tollgated that rebuilt the projection (step 3), read as
//    it listens, before it stops.
//
// Prints each figure beside its goal; writes bench/results/scale.json.
// With BENCH_QUICK=1 (make bench BENCH_QUICK=1), a smoke run: 10,000
// apps, one round of 1 s wrk runs, fewer reads (its figures mean nothing).
//
//   BENCH_APPS=100000 node bench/scale.mjs

import {execFileSync, spawn} from 'node:child_process';
import {mkdir, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {ADMIN_ID, ADMIN_SECRET, binDir, repoRoot, Tollgated} from '../test/e2e/lib/tollgated.mjs';

const quick = Boolean(process.env.BENCH_QUICK);
const apps = Number(process.env.BENCH_APPS || (quick ? 10000 : 1000000));
const creates = Number(process.env.BENCH_CREATES || (quick ? 300 : 3000));
const createSeconds = Number(process.env.BENCH_CREATE_SECONDS || (quick ? 1 : 5));
const reads = Number(process.env.BENCH_READS || (quick ? 50 : 300));
const threads = process.env.TOLLGATE_BENCH_THREADS || '16';
const fillStore = path.join(repoRoot, 'build/bench/fill_store');

const summary = (samples, seconds) => {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return {
    n: s.length,
    ...(seconds ? {ops_per_s: Math.round(s.length / seconds)} : {}),
    p50_ms: +at(0.5).toFixed(3),
    p99_ms: +at(0.99).toFixed(3),
    max_ms: +s[s.length - 1].toFixed(3),
  };
};

async function timed(d, method, pathname, body) {
  const t0 = process.hrtime.bigint();
  const res = await d.call(method, pathname, {body});
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status >= 300) {
    throw new Error(`${method} ${pathname}: ${res.status} ${res.text}`);
  }
  return {ms, json: res.json};
}

// count operations, concurrency at a time: latencies and seconds.
async function load(count, concurrency, op) {
  const samples = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (next < count) {
      samples.push(await op(next++));
    }
  }
  await Promise.all(Array.from({length: concurrency}, worker));
  return {samples, seconds: Number(process.hrtime.bigint() - t0) / 1e9};
}

const daemon = (dataDir) => new Tollgated({
  dataDir,
  args: ['--max-apps', String(apps + 10000000), '--app-write-rate', '0', '--threads', threads],
});

// Starts d: the milliseconds from spawn to listening.
async function startTimed(d) {
  const t0 = process.hrtime.bigint();
  await d.start();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// Starts tollgated on dataDir, whose projection is missing, and stops it
// once it listens: the milliseconds the rebuild took, and its memory
// then (its peak: the rebuild).  (The test helper gives a start 15 s.)
async function rebuildTimed(dataDir) {
  const t0 = process.hrtime.bigint();
  const proc = spawn(
      path.join(binDir, 'tollgated'),
      ['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-format', 'json'],
      {stdio: ['ignore', 'ignore', 'pipe']});
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  let stderr = '';
  proc.stderr.setEncoding('utf8');
  await new Promise((resolve, reject) => {
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (/tollgated listening/.test(stderr)) {
        resolve();
      }
    });
    exited.then(() => reject(new Error(`tollgated exited while rebuilding:\n${stderr}`)));
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const mem = await memory({proc});
  proc.kill('SIGTERM');
  await exited;
  return {ms, mem};
}

async function memory(d) {
  const status = await readFile(`/proc/${d.proc.pid}/status`, 'utf8');
  const kb = (name) => Number(status.match(new RegExp(`${name}:\\s+(\\d+)`))[1]);
  const mb = (name) => +(kb(name) / 1024).toFixed(1);
  // RssFile: the shared libraries, and the projection's pages the
  // projector read since it last unmapped them (LMDB maps data.mdb; the
  // pages stay in the page cache, shared with the gateway).  RssAnon:
  // the heap (SQLite's page caches, LMDB's dirty pages), thread stacks.
  return {rss_mb: mb('VmRSS'), hwm_mb: mb('VmHWM'), anon_mb: mb('RssAnon'), file_mb: mb('RssFile')};
}

// Node's fetch() as the client: count creates, 64 at a time, named
// tag<i>; a refusal throws.
const createRun = async (d, tag, count = creates, account_id = undefined) => load(
    count, 64,
    async (i) => (await timed(d, 'POST', '/v1/apps', {name: `${tag}${i}`, account_id})).ms);
const rounds = quick ? 1 : 3;

const basic = 'Basic ' + Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64');

// The admin key's own account: where fill_store puts its apps ("default")
// and where a create that names no account goes.
async function ownAccount(d) {
  const res = await d.call('GET', '/v1/whoami');
  if (res.status !== 200 || !res.json?.account_id) {
    throw new Error(`GET /v1/whoami: ${res.status} ${res.text.slice(0, 200)}`);
  }
  return res.json.account_id;
}

// The apps of account as the store counts them: an exact total when only
// the account filters (docs/api.md).  (An admin's listing that names no
// account covers every account.)
async function appCount(d, account) {
  const res = await d.call('GET', `/v1/apps?limit=1&account_id=${account}`);
  if (res.status !== 200 || !Number.isInteger(res.json?.total)) {
    throw new Error(`counting the apps of ${account}: ${res.status} ${res.text.slice(0, 200)}`);
  }
  return res.json.total;
}

// One wrk run (bench/lib/mgmt_wrk.lua) of durable creates at concurrency
// 64 for createSeconds, named prefix<n> (n from 1: each run a prefix of
// its own), in account: named in the create's body, or (own) not named,
// the admin key's own account.  wrk's line
// ({requests, seconds, refused, status_errors, socket_errors, p50_us,
// p99_us, max_us}), with ok: the answers of 2xx (wrk's requests less
// those of status 400 or more), created: how much the store's count of
// the account's apps grew, and verified: every 2xx answer is an app there
// (ok <= created), and created exceeds ok by no more than the calls in
// flight when wrk stopped or cut off (64), and those of the run before in
// that account that the store committed only after its count (64).
async function wrkCreates(d, prefix, account, own = false) {
  const before = await appCount(d, account);
  const child = spawn(
      'wrk',
      [
        '-t1', '-c64', `-d${createSeconds}s`, '--timeout', '10s', '-s',
        path.join(repoRoot, 'bench/lib/mgmt_wrk.lua'), d.url
      ],
      {
        env: {
          ...process.env,
          TG_WRK_AUTH: basic,
          TG_WRK_OP: 'create',
          TG_WRK_PREFIX: prefix,
          ...(own ? {} : {TG_WRK_ACCOUNT: account}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let stdout = '', stderr = '';
  child.stdout.on('data', (b) => stdout += b);
  child.stderr.on('data', (b) => stderr += b);
  const status = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'));
  if (status !== 0 || !line) {
    throw new Error(`wrk creates ${prefix}: ${status}\n${stdout}\n${stderr}`);
  }
  const out = JSON.parse(line);
  out.ok = out.requests - out.status_errors;
  out.created = (await appCount(d, account)) - before;
  out.verified = out.created >= out.ok && out.created <= out.ok + 2 * 64 + out.socket_errors;
  if (out.refused > 0 || !out.verified) {
    console.log(`  wrk creates ${prefix}: ${out.ok} answered 2xx, ${out.status_errors} refused, ${
        out.socket_errors} socket errors; the store counts ${out.created} new apps${
        out.verified ? '' : ' (does not match: the figure is not measured)'}`);
  }
  return out;
}

// wrk's runs together: the creates answered 2xx over the runs' seconds;
// the latencies (refusals' included), the median of the runs'.
function mergeWrk(rs) {
  const sum = (f) => rs.reduce((t, r) => t + f(r), 0);
  const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    client: `wrk -t1 -c64, ${createSeconds} s a run`,
    runs: rs.length,
    per_run_ops_per_s: rs.map((r) => Math.round(r.ok / r.seconds)),
    n: sum((r) => r.ok),
    ops_per_s: Math.round(sum((r) => r.ok) / sum((r) => r.seconds)),
    p50_ms: mid(rs.map((r) => r.p50_us)) / 1000,
    p99_ms: mid(rs.map((r) => r.p99_us)) / 1000,
    max_ms: Math.max(...rs.map((r) => r.max_us)) / 1000,
    refused: sum((r) => r.status_errors),
    socket_errors: sum((r) => r.socket_errors),
    created: sum((r) => r.created),
    verified: rs.every((r) => r.verified),
  };
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-scale-'));
const result = {
  when: new Date().toISOString(),
  machine: `${os.cpus().length} x ${os.cpus()[0].model}`,
  load: os.loadavg().map((x) => +x.toFixed(2)),
  apps,
  quick,
  rounds,
  create_client: {wrk: `wrk -t1 -c64, ${createSeconds} s a run`, node: `fetch(), ${creates} calls`},
  sync: 'full',
  threads: Number(threads),
  measured: {},
};
const fig = result.measured;

try {
  let d = daemon(dataDir);
  await d.start();
  const fresh = [];
  for (let round = 0; round < rounds; round++) {
    fresh.push(await wrkCreates(d, `wfresh${round}_`, await ownAccount(d), true));
  }
  fig.creates_c64_empty = mergeWrk(fresh);
  const emptyNode = await createRun(d, 'nfresh');
  fig.creates_c64_empty_node = {client: 'fetch', ...summary(emptyNode.samples, emptyNode.seconds)};
  await d.stop({keepData: true});

  const before = Date.now();
  const out = execFileSync(fillStore, [dataDir, 'default', '0', String(apps)], {encoding: 'utf8'});
  process.stdout.write(out);
  result.fill_s = +((Date.now() - before) / 1000).toFixed(1);
  result.store_mb = +((await stat(path.join(dataDir, 'tollgate.db'))).size / 2 ** 20).toFixed(0);

  await rm(path.join(dataDir, 'projection'), {recursive: true, force: true});
  const rebuilt = await rebuildTimed(dataDir);
  fig.rebuild_ms = +rebuilt.ms.toFixed(0);
  fig.memory_rebuild = rebuilt.mem;
  result.projection_mb =
      +((await stat(path.join(dataDir, 'projection/data.mdb'))).size / 2 ** 20).toFixed(0);

  d = daemon(dataDir);
  fig.cold_start_ms = +(await startTimed(d)).toFixed(0);
  fig.memory_at_start = await memory(d);

  const pick = (i) => Math.floor((i * 7919) % apps);
  const q = (r) => load(reads, 1, async (i) => (await timed(d, 'GET', r(i))).ms);
  const byName = await q((i) => `/v1/apps?name=fill${pick(i)}`);
  fig.list_by_name = summary(byName.samples);
  const byTag = await q((i) => `/v1/apps?tag=team:t${i % 100}&limit=20`);
  fig.list_by_tag = summary(byTag.samples);
  const deep = Math.min(40000, Math.max(0, apps - 20));
  const page40k = await q((i) => `/v1/apps?offset=${deep + (i % 10)}&limit=20`);
  fig.page_at_40000 = summary(page40k.samples);
  const last = await q((i) => `/v1/apps?offset=${Math.max(0, apps - 20 - (i % 10))}&limit=20`);
  fig.last_page = summary(last.samples);
  // The deepest page there is: the middle, as far from either end.
  const middle = Math.floor(apps / 2);
  const mid = await q((i) => `/v1/apps?offset=${middle + (i % 10)}&limit=20`);
  fig.middle_page = summary(mid.samples);
  // The same pages by cursor: the 10 cursors that start the pages at
  // position..position + 9, each the next_cursor of the page before.
  const cursorsAt = async (position) => {
    const cursors = [];
    for (let j = 0; j < 10; j++) {
      const at = Math.max(0, Math.min(position + j, apps - 1));
      const before = await d.call(
          'GET', `/v1/apps?offset=${Math.max(0, at - 20)}&limit=${Math.min(20, Math.max(1, at))}`);
      if (!before.json.next_cursor) {
        throw new Error(`no cursor for the page at ${at}: ${before.text.slice(0, 200)}`);
      }
      cursors.push(before.json.next_cursor);
    }
    return cursors;
  };
  const byCursor = async (position) => {
    const cursors = await cursorsAt(position);
    return summary((await q((i) => `/v1/apps?cursor=${cursors[i % 10]}&limit=20`)).samples);
  };
  fig.cursor_page_at_40000 = await byCursor(deep);
  fig.cursor_last_page = await byCursor(Math.max(0, apps - 30));
  fig.cursor_middle_page = await byCursor(middle);
  const check = await d.call('GET', '/v1/apps?tag=team:t7&limit=1');
  result.tag_total = check.json.total;
  result.all_total = (await d.call('GET', '/v1/apps?limit=1')).json.total;

  // Interleaved rounds on this store: creates in the full account, and
  // in an account of its own that starts empty.
  const made = await d.call('POST', '/v1/accounts', {body: {name: 'scale_empty'}});
  if (made.status !== 201) {
    throw new Error(`POST /v1/accounts: ${made.status} ${made.text}`);
  }
  const other = made.json;
  const full = await ownAccount(d);
  result.full_account_apps = await appCount(d, full);
  if (result.full_account_apps < apps) {
    throw new Error(`the admin's account holds ${result.full_account_apps} apps, not ${apps}`);
  }
  const runs = {full: [], other: []};
  for (let round = 0; round < rounds; round++) {
    runs.full.push(await wrkCreates(d, `wfull${round}_`, full, true));
    runs.other.push(await wrkCreates(d, `wother${round}_`, other.id));
  }
  fig.creates_c64_full = mergeWrk(runs.full);
  fig.creates_c64_other_account = mergeWrk(runs.other);
  const fullNode = await createRun(d, 'nfull');
  fig.creates_c64_full_node = {client: 'fetch', ...summary(fullNode.samples, fullNode.seconds)};
  fig.memory_at_end = await memory(d);
  await d.stop({keepData: true});
} finally {
  await rm(dataDir, {recursive: true, force: true});
}

// A wrk figure: its creates/s, null when the store's count did not match.
const createsPerS = (m) => m.verified ? m.ops_per_s : null;
const goals = [
  [
    'durable creates/s, c=64, empty account', createsPerS(fig.creates_c64_empty), '>= 3000',
    (x) => x >= 3000
  ],
  [
    `durable creates/s, c=64, ${apps} apps`, createsPerS(fig.creates_c64_full), '>= 3000',
    (x) => x >= 3000
  ],
  [
    '  same store, another (empty) account', createsPerS(fig.creates_c64_other_account), '>= 3000',
    (x) => x >= 3000
  ],
  ['cold start ms', fig.cold_start_ms, '< 2000', (x) => x < 2000],
  [
    'RSS MB (end; peak; anon)',
    `${fig.memory_at_end.rss_mb}; ${fig.memory_at_end.hwm_mb}; ${fig.memory_at_end.anon_mb}`,
    '< 200', () => fig.memory_at_end.hwm_mb < 200
  ],
  [
    '  the rebuild\'s tollgated (peak; anon)',
    `${fig.memory_rebuild.hwm_mb}; ${fig.memory_rebuild.anon_mb}`, '< 200',
    () => fig.memory_rebuild.hwm_mb < 200
  ],
  ['list by name p99 ms', fig.list_by_name.p99_ms, '< 10', (x) => x < 10],
  ['list by tag p99 ms', fig.list_by_tag.p99_ms, '< 10', (x) => x < 10],
  ['page at offset 40,000 p99 ms', fig.page_at_40000.p99_ms, '< 10', (x) => x < 10],
  [`last page (offset ${apps - 20}) p99 ms`, fig.last_page.p99_ms, '< 10', (x) => x < 10],
  [
    `middle page (offset ${Math.floor(apps / 2)}) p99 ms`, fig.middle_page.p99_ms, '< 10',
    (x) => x < 10
  ],
  ['page by cursor at 40,000 p99 ms', fig.cursor_page_at_40000.p99_ms, '< 10', (x) => x < 10],
  [`last page by cursor p99 ms`, fig.cursor_last_page.p99_ms, '< 10', (x) => x < 10],
  [
    `middle page by cursor (${Math.floor(apps / 2)}) p99 ms`, fig.cursor_middle_page.p99_ms, '< 10',
    (x) => x < 10
  ],
  ['projection rebuild ms', fig.rebuild_ms, '< 30000', (x) => x < 30000],
];
result.load_end = os.loadavg().map((x) => +x.toFixed(2));
result.goals = goals.map(
    ([name, value, goal, ok]) => ({name, value, goal, met: value !== null && !!ok(value)}));

console.log(
    `scale: ${apps} apps in one account, ${result.machine}, load ${
        result.load.join(' ')} (at the end ${result.load_end.join(' ')}), ` +
    `--sync full, --threads ${threads}; store ${result.store_mb} MB, projection ` +
    `${result.projection_mb} MB, filled in ${result.fill_s} s`);
for (const g of result.goals) {
  console.log(`  ${g.name.padEnd(40)} ${String(g.value).padStart(14)}  goal ${g.goal.padEnd(8)} ${
      g.met ? 'met' : 'NOT met'}`);
}
console.log(
    `  (p50 ms: name ${fig.list_by_name.p50_ms}, tag ${fig.list_by_tag.p50_ms}, offset 40,000 ${
        fig.page_at_40000.p50_ms}, last page ${fig.last_page.p50_ms}, middle ${
        fig.middle_page.p50_ms}; by cursor: 40,000 ${fig.cursor_page_at_40000.p50_ms}, middle ${
        fig.cursor_middle_page.p50_ms}, last ${fig.cursor_last_page.p50_ms}; totals: all ${
        result.all_total}, ` +
    `tag ${result.tag_total})`);
const wrkLine = (name, m) => `${name} ${m.ops_per_s}/s (p50 ${m.p50_ms}, p99 ${m.p99_ms} ms, ${
    m.n} answered 2xx, ${m.refused} refused, ${m.socket_errors} socket errors, store +${m.created}${
    m.verified ? '' : ', NOT matching'})`;
console.log(`  creates with ${result.create_client.wrk}: ${
    wrkLine(
        'fresh store', fig.creates_c64_empty)}; ${wrkLine(`${apps} apps`, fig.creates_c64_full)}; ${
    wrkLine('empty account', fig.creates_c64_other_account)}`);
console.log(
    `  creates with Node's ${result.create_client.node} (a detail: the client costs as ` +
    `much CPU as tollgated): fresh store ${fig.creates_c64_empty_node.ops_per_s}/s (p99 ${
        fig.creates_c64_empty_node.p99_ms} ms), ${apps} apps ${
        fig.creates_c64_full_node.ops_per_s}/s (p99 ${fig.creates_c64_full_node.p99_ms} ms)`);
const dir = path.join(repoRoot, 'bench/results');
await mkdir(dir, {recursive: true});
await writeFile(path.join(dir, 'scale.json'), JSON.stringify(result, null, 2) + '\n');

// The figures of issue 16's table, in the shape bench/report.mjs reads
// (bench/README.md).  A deep page is the slowest of the deep pages
// measured (offset 40,000, the middle, the last).
{
  const {addFigures, figure} = await import('./lib/figures.mjs');
  await addFigures('scale', (r) => {
    const m = r.measured;
    const at = `${r.apps.toLocaleString('en')} apps`;
    const deep = [
      ['offset 40,000', m.page_at_40000], [`offset ${Math.floor(r.apps / 2)}`, m.middle_page],
      ['the last page', m.last_page]
    ].sort((a, b) => b[1].p99_ms - a[1].p99_ms)[0];
    // Creates: wrk's figures (the creates answered 2xx), not measured when
    // the store's count of apps did not grow by as many.
    const creates = (c) => c.verified ? c.ops_per_s : null;
    const createNote = (c) =>
        `${c.client}, ${c.runs} run${c.runs === 1 ? '' : 's'}, ${c.n} creates; p99 ${c.p99_ms} ms` +
        (c.refused + c.socket_errors > 0 ?
             `; ${c.refused} refused, ${c.socket_errors} socket errors (not counted)` :
             '') +
        (c.verified ? '' : `; the store counted ${c.created} new apps: not measured`);
    const nodeFigure = (id, what, c) =>
        c && figure(id, {
          label: `durable app creates/s at concurrency 64, ${what}, ` +
              'with Node\'s fetch() as the client (a detail: the goal figure is wrk\'s)',
          unit: 'ops/s',
          value: c.ops_per_s,
          note: `${c.n} creates; p99 ${c.p99_ms} ms`,
        });
    return [
      figure('scale.create_c64_0', {
        value: creates(m.creates_c64_empty),
        rounds: r.rounds,
        note: `fresh store; ${createNote(m.creates_c64_empty)}`,
      }),
      figure('scale.create_c64_1m', {
        value: creates(m.creates_c64_full),
        baseline_label: 'an empty account of the same store, interleaved',
        baseline_value: creates(m.creates_c64_other_account),
        rounds: r.rounds,
        note: `${at}; ${createNote(m.creates_c64_full)}` +
            `; the empty account: ${createNote(m.creates_c64_other_account)}`,
      }),
      ...[nodeFigure('scale.create_c64_0_node', 'fresh store', m.creates_c64_empty_node),
          nodeFigure('scale.create_c64_1m_node', at, m.creates_c64_full_node),
    ].filter(Boolean),
      figure('scale.cold_start', {value: m.cold_start_ms, note: at}),
      figure('scale.rss', {
        value: m.memory_at_end.hwm_mb,
        note: `${at}; the peak; at the end ${m.memory_at_end.rss_mb} MB, of it anonymous ${
                  m.memory_at_end.anon_mb} MB, mapped files ${m.memory_at_end.file_mb} MB` +
            (m.memory_rebuild ?
                 `; the tollgated that rebuilt the projection peaked at ${
                     m.memory_rebuild.hwm_mb} MB (anonymous ${m.memory_rebuild.anon_mb} MB)` :
                 ''),
      }),
      figure('scale.list_name_p99', {value: m.list_by_name.p99_ms, note: at}),
      figure('scale.list_tag_p99', {value: m.list_by_tag.p99_ms, note: `${at}, 1 in 100 tagged`}),
      figure(
          'scale.deep_page_p99', {value: deep[1].p99_ms, note: `${at}, ${deep[0]} (the slowest)`}),
      ...(m.cursor_middle_page ? [(() => {
        // The slowest of the pages by cursor, beside the slowest by offset.
        const byCursor = [
          ['at 40,000', m.cursor_page_at_40000],
          [`at ${Math.floor(r.apps / 2)}`, m.cursor_middle_page],
          ['the last page', m.cursor_last_page]
        ].sort((a, b) => b[1].p99_ms - a[1].p99_ms)[0];
        return figure('scale.deep_page_cursor_p99', {
          value: byCursor[1].p99_ms,
          baseline_label: `by offset (${deep[0]})`,
          baseline_value: deep[1].p99_ms,
          note: `${at}, ${byCursor[0]} (the slowest by cursor)`,
        });
      })()] :
                                 []),
      figure('scale.rebuild', {value: m.rebuild_ms / 1000, note: at}),
    ];
  });
}
