// How soon the gateway enforces a committed secret reset: for each of
// `count` resets without grace, the time from the management API's answer
// (the commit) until the gateway first refuses the old secret, polled
// back to back.  Measured at rest, then while other apps' secrets are
// reset in the background at [rate] per second (8 at a time, paced; the
// rate reached is printed).  Prints the median, p90, p99 and max of each.
// Results go to bench/results/propagation.json.
//
//   node bench/propagation.mjs [count] [rate]

import {mkdir, writeFile} from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {startGateway} from '../test/e2e/lib/gateway.mjs';
import {ADMIN_ID, ADMIN_SECRET, repoRoot} from '../test/e2e/lib/tollgated.mjs';

import {signedGet} from './lib/xca_get.mjs';

const count = Number(process.argv[2] || 200);
const rate = Number(process.argv[3] || 1000);
const agent = new http.Agent({keepAlive: true, maxSockets: 1});
// The background resets' connections: Node's http module with keep-alive
// costs the client less CPU than fetch(), so that the rate is reached on
// a small machine.
const loadAgent = new http.Agent({keepAlive: true, maxSockets: 8});
const basic = 'Basic ' + Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64');

const gw = await startGateway({
  workers: 1,
  tollgatedArgs: ['--app-write-rate', '0'],
  locations: (upstream) => `
    access_log off;
    location / {
      tollgate on;
      proxy_pass ${upstream};
    }`,
});

async function call(method, pathname, body) {
  const r = await gw.admin.call(method, pathname, {body});
  if (r.status >= 300) {
    throw new Error(`${method} ${pathname}: ${r.text}`);
  }
  return r.json;
}

// A management POST without a body over loadAgent; resolves when answered.
function post(pathname) {
  return new Promise((resolve, reject) => {
    const req = http.request(
        {
          host: '127.0.0.1',
          port: gw.admin.port,
          method: 'POST',
          path: pathname,
          headers: {authorization: basic},
          agent: loadAgent,
        },
        (res) => {
          res.resume();
          res.on(
              'end',
              () => res.statusCode < 300 ?
                  resolve() :
                  reject(new Error(`POST ${pathname}: ${res.statusCode}`)));
        });
    req.on('error', reject);
    req.end();
  });
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

try {
  await call('POST', '/v1/apis', {name: 'default'});
  const app = await call('POST', '/v1/apps', {name: 'propagation'});
  await call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  let secret = app.app_secret;
  while (await signedGet({port: gw.port, agent}, '/p', app.app_key, secret) !== 200) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  // Resets of the app, each timed from its answer to the first refusal
  // of the secret it replaced.
  async function measure() {
    const samples = [];
    for (let i = 0; i < count; i++) {
      const reset = await call('POST', `/v1/apps/${app.id}/reset-secret`, {});
      const committed = process.hrtime.bigint();
      while (await signedGet({port: gw.port, agent}, '/p', app.app_key, secret) === 200) {
        // poll back to back
      }
      samples.push(Number(process.hrtime.bigint() - committed) / 1e6);
      secret = reset.app_secret;
    }
    return summary(samples);
  }

  // Other apps' resets at rate per second until stopped; returns the
  // rate reached.
  const others = [];
  for (let i = 0; i < 64; i++) {
    others.push((await call('POST', '/v1/apps', {name: `load${i}`})).id);
  }
  let stop = false;
  async function load() {
    const t0 = Date.now();
    let done = 0;
    await Promise.all(Array.from({length: 8}, async (_, w) => {
      for (let k = 0; !stop; k++) {
        await post(`/v1/apps/${others[(8 * k + w) % others.length]}/reset-secret`);
        done++;
        const due = t0 + ((8 * k + w + 8) * 1000) / rate;
        if (due > Date.now()) {
          await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        }
      }
    }));
    return done / ((Date.now() - t0) / 1000);
  }

  const atRest = await measure();
  const background = load();
  const underLoad = await measure();
  stop = true;
  const reached = await background;

  const result = {
    machine: `${os.cpus().length} x ${os.cpus()[0].model}`,
    load_average: os.loadavg().map((x) => +x.toFixed(2)),
    at_rest: atRest,
    under_load: {...underLoad, background_resets_per_s: Math.round(reached)},
  };
  for (const [name, r] of [
           ['at rest', atRest], [`under ${Math.round(reached)} resets/s`, underLoad]]) {
    console.log(`reset -> enforced by the gateway, ${name}, ${count} resets: median ${
        r.median_ms} ms, p90 ${r.p90_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms`);
  }
  const dir = path.join(repoRoot, 'bench/results');
  await mkdir(dir, {recursive: true});
  await writeFile(path.join(dir, 'propagation.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  agent.destroy();
  loadAgent.destroy();
  await gw.stop();
}

// The figures of issue 16's goal table, in the shape bench/report.mjs
// reads (bench/README.md).
{
  const {addFigures, figure} = await import('./lib/figures.mjs');
  await addFigures('propagation', (r) => {
    const load = r.under_load;
    const note = `${load.n} resets, under ${load.background_resets_per_s} background resets/s`;
    return [
      figure('prop.reset_p99_load', {
        value: load.p99_ms,
        baseline_label: 'at rest',
        baseline_value: r.at_rest.p99_ms,
        rounds: 1,
        note,
      }),
      figure('prop.reset_p50_load', {
        label: 'secret reset -> first gateway refusal of the old secret, median, under load',
        unit: 'ms',
        value: load.median_ms,
        baseline_label: 'at rest',
        baseline_value: r.at_rest.median_ms,
        rounds: 1,
        note,
      }),
    ];
  });
}
