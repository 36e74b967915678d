// How soon a write on one node is enforced at another node's gateway:
// three nodes on one PostgreSQL (test/e2e/lib/cluster.mjs: a throwaway
// server and Redis, three tollgated + nginx), and for each of `count`
// secret resets without grace made through node 1's API, the time from
// its answer (the commit) until node 2's gateway first refuses the old
// secret, polled back to back.  Beside it, in the same run and the same
// way, the single-node figure of bench/propagation.mjs: one tollgated on
// SQLite and its own gateway.  Samples of the two alternate, at rest;
// then each is measured while other apps' secrets are reset in the
// background at [rate] per second (8 at a time, paced; on the cluster,
// through nodes 1 and 3 in turn).  Prints the median, p90, p99 and max
// of each, and writes bench/results/cluster.json.
//
//   node bench/cluster.mjs [count] [rate]

import {mkdir, writeFile} from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {startCluster} from '../test/e2e/lib/cluster.mjs';
import {Stack} from '../test/e2e/lib/stack.mjs';
import {repoRoot} from '../test/e2e/lib/tollgated.mjs';

import {signedGet} from './lib/xca_get.mjs';

const count = Number(process.argv[2] || 200);
const rate = Number(process.argv[3] || 500);

async function call(node, method, pathname, body) {
  const r = await node.admin.call(method, pathname, {body});
  if (r.status >= 300) {
    throw new Error(`${method} ${pathname}: ${r.text}`);
  }
  return r.json;
}

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return {
    n: s.length,
    median_ms: +at(0.5).toFixed(2),
    p90_ms: +at(0.9).toFixed(2),
    p99_ms: +at(0.99).toFixed(2),
    max_ms: +s[s.length - 1].toFixed(2),
  };
}

// A route: resets through writer, enforcement watched at gateway.
async function route(writer, gateway, name) {
  await call(writer, 'POST', '/v1/apis', {name: 'default'}).catch(() => {});
  const app = await call(writer, 'POST', '/v1/apps', {name});
  await call(writer, 'PUT', `/v1/apps/${app.id}/grants/default`, {});
  gateway.agent ||= new http.Agent({keepAlive: true, maxSockets: 1});
  const r = {writer, gateway, app, secret: app.app_secret, samples: []};
  while (await signedGet(gateway, '/ok.txt', app.app_key, r.secret) !== 200) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // One reset, timed from its answer to the first refusal of the secret
  // it replaced.
  r.sample = async () => {
    const reset = await call(writer, 'POST', `/v1/apps/${app.id}/reset-secret`, {});
    const committed = process.hrtime.bigint();
    while (await signedGet(gateway, '/ok.txt', app.app_key, r.secret) === 200) {
      // poll back to back
    }
    r.samples.push(Number(process.hrtime.bigint() - committed) / 1e6);
    r.secret = reset.app_secret;
  };
  return r;
}

// Other apps' resets through writers at rate per second until stopped;
// returns the rate reached.
async function backgroundLoad(writers, tag) {
  const others = [];
  for (let i = 0; i < 64; i++) {
    const w = writers[i % writers.length];
    others.push({w, id: (await call(w, 'POST', '/v1/apps', {name: `${tag}${i}`})).id});
  }
  let stop = false;
  const t0 = Date.now();
  let done = 0;
  const running = Promise.all(Array.from({length: 8}, async (_, w) => {
    for (let k = 0; !stop; k++) {
      const o = others[(8 * k + w) % others.length];
      await call(o.w, 'POST', `/v1/apps/${o.id}/reset-secret`, {});
      done++;
      const due = t0 + ((8 * k + w + 8) * 1000) / rate;
      if (due > Date.now()) {
        await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
    }
  }));
  return async () => {
    stop = true;
    await running;
    return done / ((Date.now() - t0) / 1000);
  };
}

// (PostgreSQL with fsync on, as SQLite's --sync full is)
const cluster = await startCluster({nodes: 3, durable: true});
const single = await new Stack().init();
try {
  await single.admin.start();
  await single.startNginx();
  const [n1, n2, n3] = cluster.nodes;

  const across = await route(n1, n2, 'across');
  const alone = await route(single, single, 'alone');

  for (let i = 0; i < count; i++) {
    await across.sample();
    await alone.sample();
  }
  const atRest = {cluster: summary(across.samples), single: summary(alone.samples)};

  across.samples = [];
  let stop = await backgroundLoad([n1, n3], 'load');
  for (let i = 0; i < count; i++) {
    await across.sample();
  }
  const clusterRate = await stop();
  alone.samples = [];
  stop = await backgroundLoad([single], 'load');
  for (let i = 0; i < count; i++) {
    await alone.sample();
  }
  const singleRate = await stop();
  const underLoad = {
    cluster: {...summary(across.samples), background_resets_per_s: Math.round(clusterRate)},
    single: {...summary(alone.samples), background_resets_per_s: Math.round(singleRate)},
  };

  const result = {
    machine: `${os.cpus().length} x ${os.cpus()[0].model}`,
    load_average_1m: +os.loadavg()[0].toFixed(2),  // other work on the machine
    what: 'reset through node 1 until node 2\'s gateway refuses the old secret ' +
        '(cluster: 3 nodes, PostgreSQL 15 with fsync on); single: one node on SQLite, ' +
        'its own gateway',
    count,
    at_rest: atRest,
    under_load: underLoad,
  };
  const line = (name, r) => `${name}: median ${r.median_ms} ms, p90 ${r.p90_ms} ms, p99 ${
      r.p99_ms} ms, max ${r.max_ms} ms`;
  console.log(`propagation, ${count} resets each (reset -> enforced at a gateway)`);
  console.log(`  at rest   ${line('node 1 -> node 2 (PostgreSQL)', atRest.cluster)}`);
  console.log(`  at rest   ${line('single node (SQLite)         ', atRest.single)}`);
  console.log(`  under ${Math.round(clusterRate)} resets/s ${
      line('node 1 -> node 2 (PostgreSQL)', underLoad.cluster)}`);
  console.log(`  under ${Math.round(singleRate)} resets/s ${
      line('single node (SQLite)         ', underLoad.single)}`);
  const dir = path.join(repoRoot, 'bench/results');
  await mkdir(dir, {recursive: true});
  await writeFile(path.join(dir, 'cluster.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  for (const node of [...cluster.nodes, single]) {
    node.agent?.destroy();
  }
  await single.stop();
  await cluster.stop();
}

// Issue 15's propagation figures, in the shape bench/report.mjs reads
// (bench/README.md): node 1 -> node 2 on PostgreSQL, beside one node on
// SQLite measured in the same run.
{
  const {addFigures, figure} = await import('./lib/figures.mjs');
  await addFigures(
      'cluster',
      (r) =>
          [figure('cluster.prop_p50', {
             value: r.at_rest.cluster.median_ms,
             baseline_label: 'one node (SQLite), same run',
             baseline_value: r.at_rest.single.median_ms,
             note: `at rest, ${r.count} resets`,
           }),
           figure('cluster.prop_p99', {
             value: r.at_rest.cluster.p99_ms,
             baseline_label: 'one node (SQLite), same run',
             baseline_value: r.at_rest.single.p99_ms,
             note: `at rest, ${r.count} resets; under ${
                 r.under_load.cluster.background_resets_per_s} resets/s: p99 ${
                 r.under_load.cluster.p99_ms} ms`,
           }),
  ]);
}
