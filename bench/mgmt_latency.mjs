// Throughput and latency of the management API's durable writes (the
// default --sync full: every acknowledged write is fsynced) at concurrency
// 1, 8 and 64: secret resets (each of a different app) and app creates,
// through the native API, against the release build of tollgated on
// loopback.  With TOLLGATE_BASELINE_BIN_DIR (another build's bin/, e.g.
// the commit before group commit), the same runs go against that build
// too, interleaved with this one's, in the same run: the figures are
// printed side by side, with the ratios.  Prints ops/s and the median,
// p99 and max latency; writes bench/results/mgmt_latency.json.
//
//   node bench/mgmt_latency.mjs [ops per run] [rounds]

import {mkdir, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {binDir, repoRoot, startTollgated} from '../test/e2e/lib/tollgated.mjs';

const perRun = Number(process.argv[2] || 1000);
const rounds = Number(process.argv[3] || 1);
const levels = [1, 8, 64];
const threads = process.env.TOLLGATE_BENCH_THREADS || '16';

const builds = {
  current: binDir
};
if (process.env.TOLLGATE_BASELINE_BIN_DIR) {
  builds.baseline = process.env.TOLLGATE_BASELINE_BIN_DIR;
}

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

async function timed(d, method, pathname, body) {
  const t0 = process.hrtime.bigint();
  const res = await d.call(method, pathname, {body});
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status >= 300) {
    throw new Error(`${method} ${pathname}: ${res.status} ${res.text}`);
  }
  return {ms, json: res.json};
}

// Runs count operations (op(i) returns a promise of ms), concurrency at a
// time; returns the latencies and the elapsed seconds.
async function load(count, concurrency, op) {
  const samples = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (next < count) {
      const i = next++;
      samples.push(await op(i));
    }
  }
  await Promise.all(Array.from({length: concurrency}, worker));
  return {samples, seconds: Number(process.hrtime.bigint() - t0) / 1e9};
}

const total = perRun * levels.length * rounds;
const daemons = {};
for (const [name, dir] of Object.entries(builds)) {
  daemons[name] = await startTollgated({
    binDir: dir,
    args: ['--max-apps', String(2 * total + 10), '--app-write-rate', '0', '--threads', threads],
  });
}

try {
  // The apps whose secrets are reset, one reset each.
  const ids = {};
  for (const [name, d] of Object.entries(daemons)) {
    ids[name] = (await load(total, 8, async (i) => {
                  const {json} = await timed(d, 'POST', '/v1/apps', {name: `reset${i}`});
                  return json.id;
                })).samples;
  }

  const runs = {};
  const used = Object.fromEntries(Object.keys(daemons).map((n) => [n, 0]));
  for (let round = 0; round < rounds; round++) {
    for (const c of levels) {
      for (const [name, d] of Object.entries(daemons)) {
        const key = `reset c=${c} ${name}`;
        const from = used[name];
        used[name] += perRun;
        const r = await load(
            perRun, c,
            async (i) =>
                (await timed(d, 'POST', `/v1/apps/${ids[name][from + i]}/reset-secret`)).ms);
        (runs[key] ||= []).push(r);
      }
      for (const [name, d] of Object.entries(daemons)) {
        const key = `create c=${c} ${name}`;
        const r = await load(
            perRun, c,
            async (i) => (await timed(d, 'POST', '/v1/apps', {name: `r${round}c${c}n${i}`})).ms);
        (runs[key] ||= []).push(r);
      }
    }
  }

  const result = {
    when: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0].model}`,
    sync: 'full',
    threads: Number(threads),
    ops_per_run: perRun,
    rounds,
    builds,
    runs: {},
  };
  for (const [key, rs] of Object.entries(runs)) {
    // All rounds' samples together; the rate over their total time.
    result.runs[key] = summary(rs.flatMap((r) => r.samples), rs.reduce((s, r) => s + r.seconds, 0));
  }

  console.log(
      `management writes, ${result.machine}, --sync full, --threads ${threads}, ` +
      `${perRun} ops x ${rounds} rounds per figure`);
  console.log(
      '  operation    c  build        ops/s  median ms   p99 ms   max ms  ' +
      (builds.baseline ? 'x baseline' : ''));
  for (const op of ['reset', 'create']) {
    for (const c of levels) {
      for (const name of Object.keys(builds)) {
        const r = result.runs[`${op} c=${c} ${name}`];
        const base = result.runs[`${op} c=${c} baseline`];
        const ratio = base && name !== 'baseline' ? (r.ops_per_s / base.ops_per_s).toFixed(2) : '';
        console.log(`  ${op.padEnd(8)} ${String(c).padStart(4)}  ${name.padEnd(9)} ${
            String(r.ops_per_s).padStart(8)} ${r.median_ms.toFixed(3).padStart(10)} ${
            r.p99_ms.toFixed(3).padStart(8)} ${r.max_ms.toFixed(3).padStart(8)}  ${ratio}`);
      }
    }
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
    const runs = Object.entries(r.runs).flatMap(([key, s]) => {
      const m = key.match(/^(\S+) c=(\d+) (.*)$/);
      return m ? [{op: m[1], c: Number(m[2]), tag: m[3], s}] : [];
    });
    const ours = runs.filter((x) => !/\bbaseline\b/.test(x.tag));
    const base = (x) => runs.find(
        (y) => y.op === x.op && y.c === x.c && y.tag === x.tag.replace(/\bcurrent\b/, 'baseline'));
    const tagText = (x) => x.tag.replace(/\bcurrent\b/, '').trim() || 'native API';
    const one = (id, op, c, stat) => {
      const x = ours.find((y) => y.op === op && y.c === c);
      const b = x && base(x);
      return figure(id, {
        value: x && x.s[stat],
        baseline_label: b && 'BENCH_BASELINE build',
        baseline_value: b && b.s[stat],
        rounds: r.rounds,
        note: x && `${x.s.n} ops, ${tagText(x)}`,
      });
    };
    return [
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
          rounds: r.rounds,
          chart: {panel: 'control', series: `${x.op}, ${tagText(x)}`, x: `c=${x.c}`},
        });
      }),
    ];
  });
}
