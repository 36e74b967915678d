// Latency of the management API's writes: 1,000 sequential app creates and
// 1,000 sequential secret resets against the release build of tollgated on
// loopback, each with its fsync (the default --sync full).  Prints the
// median, p90, p99 and max, and writes them to bench/results/.
//
//   node bench/mgmt_latency.mjs [count]

import {mkdir, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {repoRoot, startTollgated} from '../test/e2e/lib/tollgated.mjs';

const count = Number(process.argv[2] || 1000);

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return {
    n: s.length,
    median_ms: +at(0.5).toFixed(3),
    p90_ms: +at(0.9).toFixed(3),
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

const d = await startTollgated({
  args: ['--max-apps', String(count + 10), '--app-write-rate', '0'],
});
try {
  const creates = [];
  const ids = [];
  for (let i = 0; i < count; i++) {
    const {ms, json} = await timed(d, 'POST', '/v1/apps', {name: `bench${i}`});
    creates.push(ms);
    ids.push(json.id);
  }
  const resets = [];
  for (let i = 0; i < count; i++) {
    resets.push((await timed(d, 'POST', `/v1/apps/${ids[i]}/reset-secret`)).ms);
  }
  const result = {
    when: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0].model}`,
    binary: d.proc ? d.proc.spawnfile : 'tollgated',
    sync: 'full',
    create: summary(creates),
    reset: summary(resets),
  };
  console.log(JSON.stringify(result, null, 2));
  const dir = path.join(repoRoot, 'bench/results');
  await mkdir(dir, {recursive: true});
  await writeFile(path.join(dir, 'mgmt_latency.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  await d.stop();
}
