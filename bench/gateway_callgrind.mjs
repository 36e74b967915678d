// Instructions per request of the gateway, counted by valgrind's callgrind:
// a figure that, unlike CPU time, does not move when other processes load
// the machine, for comparing two builds of the module.
//
// Starts tollgated and the bench's nginx (bench/gateway.mjs's locations),
// then a second nginx on the same projection, zone size and locations,
// single-process (master_process off) under callgrind.  It sends N plain
// proxied requests, then N X-Ca HmacSHA256 ones (each with its own
// nonce), then N AppCode ones, one keep-alive connection, dumping the
// counters after each batch; prints the instructions per request of each
// and the difference to plain, beside the instructions of one bare
// one-shot HMAC-SHA256 of the same string (counted the same way, in
// build/bench/hmac_cost run under callgrind).  The dumps stay in the
// directory printed, for callgrind_annotate.
//
//   node bench/gateway_callgrind.mjs [requests per batch] [synthetic apps]
//
// With synthetic apps (say 1000000), the projection is first filled with
// that many apps (build/bench/fill_projection), as bench/gateway.mjs's
// signed_1m runs are, to count what a large projection costs a call.

import {execFileSync, spawn} from 'node:child_process';
import {createHmac, randomUUID} from 'node:crypto';
import {mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {freePort, startGateway} from '../test/e2e/lib/gateway.mjs';
import {repoRoot} from '../test/e2e/lib/tollgated.mjs';

const hmacCost = process.env.TOLLGATE_HMAC_COST || path.join(repoRoot, 'build/bench/hmac_cost');
const n = Number(process.argv[2] || 2000);
const synthetic = Number(process.argv[3] || 0);
const fill =
    process.env.TOLLGATE_FILL_PROJECTION || path.join(repoRoot, 'build/bench/fill_projection');
const out = await mkdtemp(path.join(os.tmpdir(), 'tollgate-callgrind-'));

const proxy = `
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://bench_upstream;`;
const upstreamPort = await freePort();
const locations = () => `
    access_log off;
    keepalive_requests 1000000;
    location /plain/ {${proxy}
    }
    location / {
      tollgate on;
      tollgate_api default;
      proxy_set_header X-Tollgate-App-Id $tollgate_app_id;${proxy}
    }`;
const gw = await startGateway({
  workers: 1,
  zone: '64m',
  tollgatedArgs: ['--app-write-rate', '0'],
  servers: `  upstream bench_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${upstreamPort};
    access_log off;
    keepalive_requests 1000000;
    location / { return 200 "ok\\n"; }
  }`,
  locations,
});

let vg = null;
try {
  const call = async (method, pathname, body) => {
    const r = await gw.admin.call(method, pathname, {body});
    if (r.status >= 300) {
      throw new Error(`${method} ${pathname}: ${r.text}`);
    }
    return r.json;
  };
  await call('POST', '/v1/apis', {name: 'default'});
  const app = await call('POST', '/v1/apps', {name: 'bench', generate_app_code: true});
  await call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  if (synthetic > 0) {
    execFileSync(fill, [gw.admin.dataDir, '0', String(synthetic)], {stdio: 'inherit'});
    console.log(`filled the projection with ${synthetic} synthetic apps`);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));

  // The second nginx: the same configuration, its own port, one process.
  const port = await freePort();
  const upstream2 = await freePort();
  let conf = (await readFile(gw.confFile, 'utf8'))
                 .replace('master_process on;', 'master_process off;')
                 .replaceAll(`127.0.0.1:${gw.port}`, `127.0.0.1:${port}`)
                 .replaceAll(`127.0.0.1:${upstreamPort}`, `127.0.0.1:${upstream2}`)
                 .replace(/pid [^;]*;/, `pid ${out}/nginx.pid;`)
                 .replace(/error_log [^;]*;/, `error_log ${out}/error.log info;`);
  const confFile = path.join(out, 'nginx.conf');
  await writeFile(confFile, conf);
  vg = spawn(
      'valgrind',
      [
        '--tool=callgrind', `--callgrind-out-file=${out}/callgrind.out`, '--dump-instr=no',
        '/usr/sbin/nginx', '-c', confFile, '-p', gw.dir
      ],
      {stdio: ['ignore', 'ignore', 'pipe']});
  let vgErr = '';
  vg.stderr.on('data', (c) => vgErr += c);
  const url = `http://127.0.0.1:${port}`;
  const agent = new http.Agent({keepAlive: true, maxSockets: 1});
  const get = (pathname, headers) => new Promise((resolve, reject) => {
    const req = http.get(`${url}${pathname}`, {agent, headers}, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
  });
  for (let deadline = Date.now() + 60000;;) {
    try {
      await get('/plain/x', {});
      break;
    } catch (e) {
      if (Date.now() > deadline || vg.exitCode !== null) {
        throw new Error(`nginx under callgrind did not start: ${vgErr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  const ts = String(Date.now());
  const signed = (pathname) => {
    const nonce = randomUUID();
    const sts = `GET\napplication/json\n\n\n\nx-ca-key:${app.app_key}\nx-ca-nonce:${nonce}\n` +
        `x-ca-timestamp:${ts}\n${pathname}`;
    return {
      'Accept': 'application/json',
      'X-Ca-Key': app.app_key,
      'X-Ca-Nonce': nonce,
      'X-Ca-Timestamp': ts,
      'X-Ca-Signature-Method': 'HmacSHA256',
      'X-Ca-Signature-Headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
      'X-Ca-Signature': createHmac('sha256', app.app_secret).update(sts).digest('base64'),
    };
  };
  const stsLen = `GET\napplication/json\n\n\n\nx-ca-key:${app.app_key}\nx-ca-nonce:${
                     randomUUID()}\nx-ca-timestamp:${ts}\n/bench/r0`
                     .length;
  const batches = {
    plain: () => get('/plain/bench/r0', signed('/plain/bench/r0')),
    signed: () => get('/bench/r0', signed('/bench/r0')),
    appcode: () => get('/code/x', {'Authorization': `APPCODE ${app.app_codes[0].app_code}`}),
  };

  // Warm up every path (the MAC cache, the zone), then count each batch.
  for (const send of Object.values(batches)) {
    for (let i = 0; i < 50; i++) {
      const res = await send();
      if (res.statusCode !== 200) {
        throw new Error(`warm-up: ${res.statusCode} ${res.headers['x-ca-error-message']}`);
      }
    }
  }
  const control = (flag) => execFileSync('callgrind_control', [flag, String(vg.pid)]);
  control('-z');
  const counts = {};
  for (const [name, send] of Object.entries(batches)) {
    for (let i = 0; i < n; i++) {
      const res = await send();
      if (res.statusCode !== 200) {
        throw new Error(`${name}: ${res.statusCode}`);
      }
    }
    control('-d');
    const files =
        (await readdir(out)).filter((f) => f.startsWith('callgrind.out.')).sort((a, b) => {
          return Number(a.split('.').pop()) - Number(b.split('.').pop());
        });
    const text = await readFile(path.join(out, files[files.length - 1]), 'utf8');
    counts[name] = Number(text.match(/^summary: (\d+)/m)[1]) / n;
  }

  // One bare one-shot HMAC-SHA256 of the same length, counted the same way
  // (hmac_cost runs 9 batches of k).
  const k = 2000;
  const hmacOut = path.join(out, 'hmac.out');
  execFileSync(
      'valgrind',
      [
        '--tool=callgrind', `--callgrind-out-file=${hmacOut}`, '--toggle-collect=HMAC', hmacCost,
        String(stsLen), String(k), 'sha256'
      ],
      {stdio: 'ignore'});
  const hmacIr = Number((await readFile(hmacOut, 'utf8')).match(/^summary: (\d+)/m)[1]) / (9 * k);

  console.log(`instructions per request (callgrind, ${n} requests each, dumps in ${out})`);
  for (const [name, c] of Object.entries(counts)) {
    console.log(
        `  ${name.padEnd(8)} ${Math.round(c).toLocaleString('en').padStart(10)}  above plain ${
            Math.round(c - counts.plain).toLocaleString('en').padStart(8)}`);
  }
  console.log(`  one bare one-shot HMAC-SHA256 of ${stsLen} bytes: ${Math.round(hmacIr)}; signed ${
      ((counts.signed - counts.plain) / hmacIr).toFixed(2)} HMACs above plain`);
} finally {
  if (vg !== null && vg.exitCode === null) {
    vg.kill('SIGQUIT');
    await new Promise((resolve) => vg.on('exit', resolve));
  }
  await gw.stop();
}
