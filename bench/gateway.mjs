// Throughput and latency of the gateway, measured with wrk against one
// nginx (one worker) in the same run:
//
//   baseline  nginx proxying the very same signed requests (same headers,
//             same sizes) to a fixed upstream, with no authentication
//   signed    the same with Tollgate verifying HmacSHA256 X-Ca signatures;
//             every request is distinct (its own nonce), nonces are checked
//   appcode   the same with AppCode authentication
//
// The upstream is a server block of the same nginx that answers 200 at
// once, so the figures show the cost of authentication, not of a backend.
// Each scenario runs `rounds` times, interleaved, and the medians are
// reported with the ratio to the baseline.  The projection holds 1,000 apps
// (synthetic ones from build/bench/fill_projection, plus the bench's own);
// then it is filled to 1,000,000 and the signed scenario runs again
// ("signed_1m", with its ratio to "signed").  Results go to bench/results/.
//
//   node bench/gateway.mjs [seconds per run] [rounds]

import {spawn} from 'node:child_process';
import {createHmac, randomUUID} from 'node:crypto';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {freePort, startGateway} from '../test/e2e/lib/gateway.mjs';
import {repoRoot} from '../test/e2e/lib/tollgated.mjs';

const fill =
    process.env.TOLLGATE_FILL_PROJECTION || path.join(repoRoot, 'build/bench/fill_projection');
const seconds = Number(process.argv[2] || 5);
const rounds = Number(process.argv[3] || 3);
const connections = 32;

const upstreamPort = await freePort();
const gw = await startGateway({
  workers: 1,
  // Every nonce is kept for the 15-minute window: about 256 bytes each.
  zone: '256m',
  tollgatedArgs: ['--app-write-rate', '0'],
  servers: `  server {
    listen 127.0.0.1:${upstreamPort};
    access_log off;
    location / { return 200 "ok\\n"; }
  }`,
  locations: () => `
    access_log off;
    location /plain/ {
      proxy_pass http://127.0.0.1:${upstreamPort};
    }
    location / {
      tollgate on;
      tollgate_api default;
      proxy_set_header X-Tollgate-App-Id $tollgate_app_id;
      proxy_pass http://127.0.0.1:${upstreamPort};
    }`,
});

const work = await mkdtemp(path.join(os.tmpdir(), 'tollgate-bench-'));

async function call(method, pathname, body) {
  const r = await gw.admin.call(method, pathname, {body});
  if (r.status >= 300) {
    throw new Error(`${method} ${pathname}: ${r.text}`);
  }
  return r.json;
}

// Signed requests, each with its own nonce, as lines "nonce signature".
function signedLines(app, count, pathname) {
  const ts = String(Date.now());
  const lines = [];
  for (let i = 0; i < count; i++) {
    const nonce = randomUUID();
    const sts = `GET\napplication/json\n\n\n\nx-ca-key:${app.app_key}\nx-ca-nonce:${nonce}\n` +
        `x-ca-timestamp:${ts}\n${pathname}`;
    lines.push(`${nonce} ${createHmac('sha256', app.app_secret).update(sts).digest('base64')}`);
  }
  return {ts, text: lines.join('\n') + '\n'};
}

// A wrk script (one thread) that sends each pre-signed request once.
function signedScript(app, file, ts, pathname) {
  return `
local lines = {}
local n = 0
local cursor = 0
function init(args)
  for line in io.lines("${file}") do
    n = n + 1
    lines[n] = line
  end
end
function request()
  cursor = cursor + 1
  if cursor > n then cursor = 1 end
  local nonce, sig = lines[cursor]:match("(%S+) (%S+)")
  return wrk.format("GET", "${pathname}", {
    ["Accept"] = "application/json",
    ["X-Ca-Key"] = "${app.app_key}",
    ["X-Ca-Nonce"] = nonce,
    ["X-Ca-Timestamp"] = "${ts}",
    ["X-Ca-Signature-Headers"] = "x-ca-key,x-ca-nonce,x-ca-timestamp",
    ["X-Ca-Signature"] = sig,
  })
end
function response(status, headers, body)
  if status ~= 200 and not shown then
    shown = true
    io.stderr:write("first refusal: ", status, " ", headers["X-Ca-Error-Message"] or "", "\\n")
  end
end
`;
}

function fillProjection(from, to) {
  return new Promise((resolve, reject) => {
    const p = spawn(fill, [gw.admin.dataDir, String(from), String(to)], {stdio: 'inherit'});
    p.on('error', reject);
    p.on('close', (code) => code === 0 ? resolve() : reject(new Error(`fill_projection: ${code}`)));
  });
}

function runWrk(url, script) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency'];
  if (script) {
    args.push('-s', script);
  }
  args.push(url);
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', args);
    let out = '';
    p.stdout.on('data', (c) => out += c);
    p.stderr.on('data', (c) => out += c);
    p.on('error', reject);
    p.on('close', (code) => code === 0 ? resolve(out) : reject(new Error(out)));
  });
}

function ms(text) {
  const m = text.match(/^([\d.]+)(us|ms|s)$/);
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function parse(out) {
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const p50 = ms(out.match(/^\s+50%\s+(\S+)/m)[1]);
  const p99 = ms(out.match(/^\s+99%\s+(\S+)/m)[1]);
  const bad = Number((out.match(/Non-2xx or 3xx responses: (\d+)/) || [0, 0])[1]);
  const total = Number(out.match(/(\d+) requests in/)[1]);
  const refusal = (out.match(/^first refusal: .*$/m) || [''])[0];
  return {rps, p50, p99, bad, total, refusal};
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await call('POST', '/v1/apis', {name: 'default'});
  const app = await call('POST', '/v1/apps', {name: 'bench', generate_app_code: true});
  await call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  await new Promise((resolve) => setTimeout(resolve, 200));

  // Enough distinct requests for every run at well above the expected rate.
  const perRun = 150000 * seconds;
  const scenarios = {baseline: [], signed: [], appcode: [], baseline_1m: [], signed_1m: []};
  await fillProjection(0, 999);
  const appcodeScript = path.join(work, 'appcode.lua');
  await writeFile(
      appcodeScript, `wrk.headers["Authorization"] = "APPCODE ${app.app_codes[0].app_code}"\n`);

  for (let round = 0; round < rounds; round++) {
    const pathname = `/bench/r${round}`;
    const {ts, text} = signedLines(app, perRun, pathname);
    const file = path.join(work, `signed${round}.txt`);
    await writeFile(file, text);
    const script = path.join(work, `signed${round}.lua`);
    await writeFile(script, signedScript(app, file, ts, pathname));

    // The baseline sends the same requests where nothing checks them.
    const plain = path.join(work, `plain${round}.lua`);
    await writeFile(plain, signedScript(app, file, ts, `/plain${pathname}`));
    scenarios.baseline.push(parse(await runWrk(`${gw.url}/plain${pathname}`, plain)));

    const signed = parse(await runWrk(`${gw.url}${pathname}`, script));
    if (signed.total > perRun) {
      throw new Error(`ran out of distinct requests (${signed.total} > ${perRun}): raise perRun`);
    }
    scenarios.signed.push(signed);

    scenarios.appcode.push(parse(await runWrk(`${gw.url}/code/x`, appcodeScript)));
  }

  // The same signed calls with 1,000,000 apps in the projection.
  const t0 = Date.now();
  await fillProjection(999, 999999);
  console.log(
      `filled the projection to 1,000,000 apps in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (let round = 0; round < rounds; round++) {
    const pathname = `/bench/m${round}`;
    const {ts, text} = signedLines(app, perRun, pathname);
    const file = path.join(work, `million${round}.txt`);
    await writeFile(file, text);
    const script = path.join(work, `million${round}.lua`);
    await writeFile(script, signedScript(app, file, ts, pathname));
    const plain = path.join(work, `plainm${round}.lua`);
    await writeFile(plain, signedScript(app, file, ts, `/plain${pathname}`));
    scenarios.baseline_1m.push(parse(await runWrk(`${gw.url}/plain${pathname}`, plain)));
    scenarios.signed_1m.push(parse(await runWrk(`${gw.url}${pathname}`, script)));
  }

  // Each phase against its own baseline, so that drift between the
  // phases (the machine is shared) cancels out.
  const base = median(scenarios.baseline.map((r) => r.rps));
  const base1m = median(scenarios.baseline_1m.map((r) => r.rps));
  const result = {
    machine: `${os.cpus().length} x ${os.cpus()[0].model}`,
    seconds,
    rounds,
    connections,
    scenarios: {},
  };
  for (const [name, runs] of Object.entries(scenarios)) {
    const rps = median(runs.map((r) => r.rps));
    result.scenarios[name] = {
      rps_median: Math.round(rps),
      p50_ms: median(runs.map((r) => r.p50)),
      p99_ms: median(runs.map((r) => r.p99)),
      ratio_to_baseline: +(rps / (name.endsWith('_1m') ? base1m : base)).toFixed(3),
      non_2xx: runs.reduce((n, r) => n + r.bad, 0),
      runs_rps: runs.map((r) => Math.round(r.rps)),
    };
  }
  result.signed_1m_to_1k =
      +(result.scenarios.signed_1m.rps_median / result.scenarios.signed.rps_median).toFixed(3);

  console.log(
      `gateway throughput, ${result.machine}, wrk -t1 -c${connections}, ${seconds}s x ${rounds}`);
  for (const [name, r] of Object.entries(result.scenarios)) {
    console.log(`  ${name.padEnd(8)} ${String(r.rps_median).padStart(7)} req/s  p50 ${
        r.p50_ms} ms  p99 ${r.p99_ms} ms  ratio ${r.ratio_to_baseline}  non-2xx ${r.non_2xx}`);
  }
  console.log(
      `  1,000,000 apps vs 1,000 (each against its own baseline): ${result.signed_1m_to_1k}`);
  for (const [name, r] of Object.entries(result.scenarios)) {
    if (r.non_2xx > 0) {
      const why = scenarios[name].map((x) => x.refusal).find(Boolean) ||
          ((await gw.errorLog()).match(/tollgate: [45]\d\d "[^"]*".*request: "GET \/bench/) ||
           [''])[0];
      throw new Error(
          `${name}: ${r.non_2xx} refused requests (${why}): the measurement is not valid`);
    }
  }

  const dir = path.join(repoRoot, 'bench/results');
  await mkdir(dir, {recursive: true});
  await writeFile(path.join(dir, 'gateway.json'), JSON.stringify(result, null, 2) + '\n');
} finally {
  await rm(work, {recursive: true, force: true});
  await gw.stop();
}
