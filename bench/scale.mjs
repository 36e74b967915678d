// A store with many apps (BENCH_APPS, default 1,000,000) in one account:
// what each operation costs there, beside its goal (issue 16).
//
// 1. Durable creates (--sync full) at concurrency 64 in the empty account
//    of a fresh tollgated (release build).
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
// 5. Durable creates at concurrency 64 again, in that account, beside
//    BENCH_APPS apps, interleaved (3 rounds) with creates in another
//    account of the same store that starts empty.
// 6. tollgated's RSS after all that (VmRSS, and VmHWM, its peak), and the
//    peak of the tollgated that rebuilt the projection (step 3), read as
//    it listens, before it stops.
//
// Prints each figure beside its goal; writes bench/results/scale.json.
//
//   BENCH_APPS=100000 node bench/scale.mjs

import {execFileSync, spawn} from 'node:child_process';
import {mkdir, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {binDir, repoRoot, Tollgated} from '../test/e2e/lib/tollgated.mjs';

const apps = Number(process.env.BENCH_APPS || 1000000);
const creates = Number(process.env.BENCH_CREATES || 3000);
const reads = Number(process.env.BENCH_READS || 300);
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
  args: ['--max-apps', String(apps + 10 * creates), '--app-write-rate', '0', '--threads', threads],
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

const createRun = async (d, tag, count = creates, account_id = undefined) => load(
    count, 64,
    async (i) => (await timed(d, 'POST', '/v1/apps', {name: `${tag}${i}`, account_id})).ms);
const rounds = 3;
const perRound = Math.ceil(creates / rounds);

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-scale-'));
const result = {
  when: new Date().toISOString(),
  machine: `${os.cpus().length} x ${os.cpus()[0].model}`,
  load: os.loadavg().map((x) => +x.toFixed(2)),
  apps,
  sync: 'full',
  threads: Number(threads),
  measured: {},
};
const fig = result.measured;

try {
  let d = daemon(dataDir);
  await d.start();
  const empty = await createRun(d, 'empty');
  fig.creates_c64_empty = summary(empty.samples, empty.seconds);
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
  const other = (await d.call('POST', '/v1/accounts', {body: {name: 'scale_empty'}})).json;
  const runs = {full: [], other: []};
  for (let round = 0; round < rounds; round++) {
    runs.full.push(await createRun(d, `full${round}_`, perRound));
    runs.other.push(await createRun(d, `other${round}_`, perRound, other.id));
  }
  const merged = (rs) =>
      summary(rs.flatMap((r) => r.samples), rs.reduce((t, r) => t + r.seconds, 0));
  fig.creates_c64_full = merged(runs.full);
  fig.creates_c64_other_account = merged(runs.other);
  fig.memory_at_end = await memory(d);
  await d.stop({keepData: true});
} finally {
  await rm(dataDir, {recursive: true, force: true});
}

const goals = [
  [
    'durable creates/s, c=64, empty account', fig.creates_c64_empty.ops_per_s, '>= 3000',
    (x) => x >= 3000
  ],
  [
    `durable creates/s, c=64, ${apps} apps`, fig.creates_c64_full.ops_per_s, '>= 3000',
    (x) => x >= 3000
  ],
  [
    '  same store, another (empty) account', fig.creates_c64_other_account.ops_per_s, '>= 3000',
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
result.goals = goals.map(([name, value, goal, ok]) => ({name, value, goal, met: !!ok(value)}));

console.log(
    `scale: ${apps} apps in one account, ${result.machine}, load ${result.load.join(' ')}, ` +
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
    return [
      figure('scale.create_c64_0', {
        value: m.creates_c64_empty.ops_per_s,
        note: `fresh store; p99 ${m.creates_c64_empty.p99_ms} ms`,
      }),
      figure('scale.create_c64_1m', {
        value: m.creates_c64_full.ops_per_s,
        baseline_label: 'an empty account of the same store, interleaved',
        baseline_value: m.creates_c64_other_account.ops_per_s,
        note: `${at}; p99 ${m.creates_c64_full.p99_ms} ms`,
      }),
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
