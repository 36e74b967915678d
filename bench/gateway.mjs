// Throughput, latency and worker CPU of the gateway, measured with wrk
// against one nginx worker pinned to CPU 0 (wrk runs on CPU 1), in the
// same run, scenarios interleaved over several rounds:
//
//   baseline     nginx proxying the very same signed requests (same
//                headers, same sizes) to the upstream, with no
//                authentication, over upstream keepalive connections
//                (proxy_http_version 1.1, Connection "") as every scenario
//   secure_link  nginx's own signed-URL check (secure_link_md5), the
//                cheapest check nginx ships
//   signed       Tollgate verifying X-Ca HmacSHA256 signatures; every
//                request is distinct (its own nonce), nonces are checked
//   signed_sha1  the same with HmacSHA1
//   appcode      AppCode authentication
//
// The upstream is a server block of the same nginx that answers 200 at
// once, so the figures show the cost of authentication, not of a backend.
// For each run the worker's CPU time (/proc/PID/schedstat, in ns) is
// divided by the requests wrk completed: the CPU per request.  The figure
// the issue asks for is the signed scenario's CPU per request above the
// baseline's, divided by one bare one-shot HMAC-SHA256 of a string of the
// same length, measured on the same CPU in the same round
// (build/bench/hmac_cost).
//
// Each round runs the baseline first and the other scenarios after it;
// one more baseline run closes the last round.  A scenario's run is
// compared with the baseline interpolated to its place between the
// baseline runs before and after it (each phase its own baseline), so
// that a drift of the machine during a round cancels out too; the median
// over the rounds is reported, with the spread of the per-round ratios
// (min, quartiles, max), which says whether a goal is met beyond the
// noise.  Beside the ratio of requests/s, the ratio of the worker's CPU
// per request (the baseline's over the scenario's): the requests/s ratio
// a worker that had its CPU to itself would give, which other processes
// on the machine disturb far less.  A warm-up round of short runs, not
// counted, comes first.  The projection holds 1,000 apps (synthetic ones
// from build/bench/fill_projection, plus the bench's own); then it is
// filled to 1,000,000 and the signed scenario runs again ("signed_1m",
// against its own baseline).  Results go to bench/results/gateway.json.
//
//   node bench/gateway.mjs [seconds per run] [rounds] [warm-up seconds]

import {execFileSync, spawn} from 'node:child_process';
import {createHash, createHmac, randomUUID} from 'node:crypto';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {freePort, startGateway} from '../test/e2e/lib/gateway.mjs';
import {repoRoot} from '../test/e2e/lib/tollgated.mjs';

const fill =
    process.env.TOLLGATE_FILL_PROJECTION || path.join(repoRoot, 'build/bench/fill_projection');
const hmacCost = process.env.TOLLGATE_HMAC_COST || path.join(repoRoot, 'build/bench/hmac_cost');
const seconds = Number(process.argv[2] || 3);
const rounds = Number(process.argv[3] || 6);
const warmupSeconds = Number(process.argv[4] || 1);
const connections = 32;
const secureLinkSecret = 'bench-secret';

// Every proxied location talks to the upstream over kept-alive connections.
const proxy = `
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://bench_upstream;`;

// The zone, sized as docs/gateway.md says for the rate this bench drives:
// 32 bytes per nonce held, each held for the 15-minute window, at 50,000
// signed requests/s (above what one worker serves here): 1,374 MB, as a
// gateway serving that rate all day would need.
const signedPerSecond = 50000;
const zoneMb = Math.ceil(signedPerSecond * 15 * 60 * 32 / 2 ** 20);

const upstreamPort = await freePort();
const gw = await startGateway({
  workers: 1,
  zone: `${zoneMb}m`,
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
  locations: () => `
    access_log off;
    keepalive_requests 1000000;
    location /plain/ {${proxy}
    }
    location /link/ {
      secure_link $arg_md5,$arg_expires;
      secure_link_md5 "$secure_link_expires$uri ${secureLinkSecret}";
      if ($secure_link = "") { return 403; }
      if ($secure_link = "0") { return 410; }${proxy}
    }
    location / {
      tollgate on;
      tollgate_api default;
      proxy_set_header X-Tollgate-App-Id $tollgate_app_id;${proxy}
    }`,
});

// The one worker, pinned to CPU 0; wrk and hmac_cost get CPU 1 and 0.
const worker = (await readFile(`/proc/${gw.nginx.pid}/task/${gw.nginx.pid}/children`, 'utf8'))
                   .trim()
                   .split(/\s+/)
                   .map(Number);
if (worker.length !== 1) {
  throw new Error(`expected one nginx worker, found ${worker.length}`);
}
execFileSync('taskset', ['-pc', '0', String(worker[0])], {stdio: 'ignore'});

async function workerCpuNs() {
  return Number((await readFile(`/proc/${worker[0]}/schedstat`, 'utf8')).split(' ')[0]);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'tollgate-bench-'));

async function call(method, pathname, body) {
  const r = await gw.admin.call(method, pathname, {body});
  if (r.status >= 300) {
    throw new Error(`${method} ${pathname}: ${r.text}`);
  }
  return r.json;
}

// The string to sign of a request (lib/xca.c's layout).
function stringToSign(app, nonce, ts, pathname) {
  return `GET\napplication/json\n\n\n\nx-ca-key:${app.app_key}\nx-ca-nonce:${nonce}\n` +
      `x-ca-timestamp:${ts}\n${pathname}`;
}

// Signed requests, each with its own nonce, as lines "second nonce
// signature": perSecond of them for each second of a run (and one more
// second), each signed with a timestamp that many seconds after ts, so
// that a run sends each request in the second its timestamp names, as a
// client signing at the moment it sends does.  (The nonce table places a
// nonce by its timestamp's second: one timestamp for a whole run would
// keep its nonces in fewer pages than real clients do.)
function signedLines(app, perSecond, seconds, pathname, digest) {
  const ts = Date.now();
  const lines = [];
  for (let s = 0; s <= seconds; s++) {
    const sts0 = String(ts + s * 1000);
    for (let i = 0; i < perSecond; i++) {
      const nonce = randomUUID();
      const sts = stringToSign(app, nonce, sts0, pathname);
      lines.push(
          `${s} ${nonce} ${createHmac(digest, app.app_secret).update(sts).digest('base64')}`);
    }
  }
  return {ts, text: lines.join('\n') + '\n'};
}

// A wrk script (one thread) that sends each pre-signed request once, those
// of the run's n-th second (by os.time()) in its n-th second, with their
// timestamp.
function signedScript(app, file, ts, pathname, method = 'HmacSHA256') {
  return `
local lines = {}
local cursor = {}
local last = 0
local start
function init(args)
  for line in io.lines("${file}") do
    local s, rest = line:match("(%d+) (.*)")
    s = tonumber(s)
    if lines[s] == nil then
      lines[s] = {}
      cursor[s] = 0
      if s > last then last = s end
    end
    lines[s][#lines[s] + 1] = rest
  end
end
function request()
  if start == nil then start = os.time() end
  local s = os.time() - start
  if s > last then s = last end
  cursor[s] = cursor[s] + 1
  if cursor[s] > #lines[s] then cursor[s] = 1 end
  local nonce, sig = lines[s][cursor[s]]:match("(%S+) (%S+)")
  return wrk.format("GET", "${pathname}", {
    ["Accept"] = "application/json",
    ["X-Ca-Key"] = "${app.app_key}",
    ["X-Ca-Nonce"] = nonce,
    ["X-Ca-Timestamp"] = tostring(${ts} + s * 1000),
    ["X-Ca-Signature-Method"] = "${method}",
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
${doneFn}`;
}

// Prints the p99.9 that wrk's --latency table leaves out.
const doneFn = `
function done(summary, latency, requests)
  io.stderr:write("p999 ", latency:percentile(99.9), "\\n")
end
`;

function fillProjection(from, to) {
  return new Promise((resolve, reject) => {
    const p = spawn(fill, [gw.admin.dataDir, String(from), String(to)], {stdio: 'inherit'});
    p.on('error', reject);
    p.on('close', (code) => code === 0 ? resolve() : reject(new Error(`fill_projection: ${code}`)));
  });
}

// Runs wrk on CPU 1; returns its output and the worker's CPU time (ns).
// With TOLLGATE_BENCH_PROFILE=<scenario>, the worker is profiled during
// that scenario's runs (perf record -e cpu-clock -g, to work/perf.<n>).
let profiles = 0;
async function runWrk(url, script, name, duration = seconds) {
  const args = ['-c', '1', 'wrk', '-t1', `-c${connections}`, `-d${duration}s`, '--latency'];
  if (script) {
    args.push('-s', script);
  }
  args.push(url);
  let perf = null;
  if (process.env.TOLLGATE_BENCH_PROFILE === name && duration === seconds) {
    const file = path.join(process.env.TOLLGATE_BENCH_PROFILE_DIR || work, `perf.${profiles++}`);
    perf = spawn(
        'perf', ['record', '-q', '-e', 'cpu-clock', '-g', '-p', String(worker[0]), '-o', file],
        {stdio: 'ignore'});
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const cpu0 = await workerCpuNs();
  const out = await new Promise((resolve, reject) => {
    const p = spawn('taskset', args);
    let out = '';
    p.stdout.on('data', (c) => out += c);
    p.stderr.on('data', (c) => out += c);
    p.on('error', reject);
    p.on('close', (code) => code === 0 ? resolve(out) : reject(new Error(out)));
  });
  const cpuNs = await workerCpuNs() - cpu0;
  if (perf !== null) {
    perf.kill('SIGINT');
    await new Promise((resolve) => perf.on('close', resolve));
  }
  return {out, cpuNs};
}

// One bare HMAC of len bytes on the worker's CPU (ns), one-shot and keyed.
function bareHmac(len) {
  return JSON.parse(
      execFileSync('taskset', ['-c', '0', hmacCost, String(len)], {encoding: 'utf8'}));
}

function ms(text) {
  const m = text.match(/^([\d.]+)(us|ms|s)$/);
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function parse({out, cpuNs}) {
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
  const p50 = ms(out.match(/^\s+50%\s+(\S+)/m)[1]);
  const p99 = ms(out.match(/^\s+99%\s+(\S+)/m)[1]);
  const bad = Number((out.match(/Non-2xx or 3xx responses: (\d+)/) || [0, 0])[1]);
  const total = Number(out.match(/(\d+) requests in/)[1]);
  const refusal = (out.match(/^first refusal: .*$/m) || [''])[0];
  const p999 = Number(out.match(/^p999 (\d+)/m)[1]) / 1000;
  return {rps, p50, p99, p999, bad, total, refusal, cpu_us: cpuNs / 1000 / total};
}


// A script that sends the one secure_link URL (valid for an hour).
function secureLinkScript(pathname) {
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const md5 =
      createHash('md5').update(`${expires}${pathname} ${secureLinkSecret}`).digest('base64url');
  return `wrk.path = "${pathname}?md5=${md5}&expires=${expires}"\n${doneFn}`;
}

// Writes one round's scripts; every signed request is distinct.
async function roundScripts(app, tag, perSecond, runSeconds) {
  const scripts = {};
  for (const [name, digest, method] of [
           ['signed', 'sha256', 'HmacSHA256'], ['signed_sha1', 'sha1', 'HmacSHA1']]) {
    const pathname = `/bench/${tag}`;
    const {ts, text} = signedLines(app, perSecond, runSeconds, pathname, digest);
    const file = path.join(work, `${name}${tag}.txt`);
    await writeFile(file, text);
    scripts[name] = path.join(work, `${name}${tag}.lua`);
    await writeFile(scripts[name], signedScript(app, file, ts, pathname, method));
    if (name === 'signed') {
      // The baseline sends the same requests where nothing checks them.
      scripts.baseline = path.join(work, `plain${tag}.lua`);
      await writeFile(scripts.baseline, signedScript(app, file, ts, `/plain${pathname}`, method));
    }
  }
  return scripts;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round3 = (x) => +x.toFixed(3);

// The q-quantile of xs, interpolated between the two values around it.
function quantile(xs, q) {
  const v = [...xs].sort((a, b) => a - b);
  const at = (v.length - 1) * q;
  const lo = Math.floor(at);
  return v[lo] + (v[Math.min(lo + 1, v.length - 1)] - v[lo]) * (at - lo);
}

// The spread of per-round figures: {<key>_min, _q1, _q3, _max}.
function spread(key, xs) {
  return {
    [`${key}_min`]: round3(Math.min(...xs)),
    [`${key}_q1`]: round3(quantile(xs, 0.25)),
    [`${key}_q3`]: round3(quantile(xs, 0.75)),
    [`${key}_max`]: round3(Math.max(...xs)),
  };
}

// "median [min-max]" of a figure and its spread in r.
const withSpread = (r, key, median) =>
    `${median.toFixed(3)} [${r[`${key}_min`].toFixed(3)}-${r[`${key}_max`].toFixed(3)}]`;

try {
  await call('POST', '/v1/apis', {name: 'default'});
  const app = await call('POST', '/v1/apps', {name: 'bench', generate_app_code: true});
  await call('PUT', `/v1/apps/${app.id}/grants/default`, {});
  await new Promise((resolve) => setTimeout(resolve, 200));

  // Enough distinct requests for every second of a run at well above the
  // expected rate.
  const perSecond = 100000;
  const scenarios = {
    baseline: [],
    secure_link: [],
    signed: [],
    signed_sha1: [],
    appcode: [],
    baseline_1m: [],
    signed_1m: [],
  };
  const hmac = [];
  // The signed string's length, for the bare HMAC beside it.
  const stsLen = stringToSign(app, randomUUID(), String(Date.now()), '/bench/r0').length;
  await fillProjection(0, 999);
  const appcodeScript = path.join(work, 'appcode.lua');
  await writeFile(
      appcodeScript,
      `wrk.headers["Authorization"] = "APPCODE ${app.app_codes[0].app_code}"\n` +
          `wrk.path = "/code/x"\n${doneFn}`);
  const linkScript = path.join(work, 'link.lua');
  await writeFile(linkScript, secureLinkScript('/link/x'));

  // One run of a scenario; a signed one must not run out of requests.
  const measure = async (script, name, duration = seconds) => {
    const run = parse(await runWrk(gw.url, script, name, duration));
    if (run.total > perSecond * duration) {
      throw new Error(
          `ran out of distinct requests (${run.total} in ${duration} s): raise perSecond`);
    }
    return run;
  };
  const order = ['secure_link', 'signed', 'signed_sha1', 'appcode'];
  const scriptOf = (scripts, name) =>
      ({secure_link: linkScript, appcode: appcodeScript})[name] || scripts[name];

  // The warm-up: every scenario once, briefly, not counted (the workers'
  // caches, the nonce zone's first pages, the CPU's clock).
  if (warmupSeconds > 0) {
    const scripts = await roundScripts(app, 'w', perSecond, warmupSeconds);
    for (const name of ['baseline', ...order]) {
      await measure(scriptOf(scripts, name), `warmup_${name}`, warmupSeconds);
    }
  }

  // Each scenario's place in its round, 1..order.length, between the
  // round's baseline (0) and the next one (order.length + 1).
  const place = {};
  for (let round = 0; round < rounds; round++) {
    const scripts = await roundScripts(app, `r${round}`, perSecond, seconds);
    scenarios.baseline.push(await measure(scripts.baseline, 'baseline'));
    for (const [i, name] of order.entries()) {
      scenarios[name].push(await measure(scriptOf(scripts, name), name));
      place[name] = (i + 1) / (order.length + 1);
    }
    hmac.push(bareHmac(stsLen));
  }
  const closing = {
    baseline:
        await measure((await roundScripts(app, 'rz', perSecond, seconds)).baseline, 'baseline')
  };

  // The same signed calls with 1,000,000 apps in the projection.
  const t0 = Date.now();
  await fillProjection(999, 999999);
  const fillSeconds = (Date.now() - t0) / 1000;
  console.log(`filled the projection to 1,000,000 apps in ${fillSeconds.toFixed(1)} s`);
  for (let round = 0; round < rounds; round++) {
    const scripts = await roundScripts(app, `m${round}`, perSecond, seconds);
    scenarios.baseline_1m.push(await measure(scripts.baseline, 'baseline_1m'));
    scenarios.signed_1m.push(await measure(scripts.signed, 'signed_1m'));
  }
  place.signed_1m = 1 / 2;
  closing.baseline_1m =
      await measure((await roundScripts(app, 'mz', perSecond, seconds)).baseline, 'baseline_1m');

  const hmacUs = median(hmac.map((h) => h.oneshot_sha256_ns)) / 1000;
  const result = {
    when: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0].model}`,
    seconds,
    rounds,
    connections,
    string_to_sign_bytes: stsLen,
    bare_hmac_sha256_us: round3(hmacUs),
    bare_hmac_sha1_us: round3(median(hmac.map((h) => h.oneshot_sha1_ns)) / 1000),
    keyed_hmac_sha256_us: round3(median(hmac.map((h) => h.keyed_sha256_ns)) / 1000),
    scenarios: {},
  };
  for (const [name, runs] of Object.entries(scenarios)) {
    // Each run against the baseline interpolated to its place in its round
    // (between the round's baseline run and the next), then the median of
    // those: drift between rounds and within a round cancels out.
    const own = name.endsWith('_1m') ? 'baseline_1m' : 'baseline';
    const base = (i, key) => {
      const b = scenarios[own];
      const next = i + 1 < b.length ? b[i + 1] : closing[own];
      const f = place[name] || 0;
      return b[i][key] * (1 - f) + next[key] * f;
    };
    const ratios = runs.map((r, i) => r.rps / base(i, 'rps'));
    const cpuRatios = runs.map((r, i) => base(i, 'cpu_us') / r.cpu_us);
    const aboves = runs.map((r, i) => r.cpu_us - base(i, 'cpu_us'));
    const above = median(aboves);
    result.scenarios[name] = {
      rps_median: Math.round(median(runs.map((r) => r.rps))),
      ratio_to_baseline: round3(median(ratios)),
      ...spread('ratio', ratios),
      cpu_ratio_to_baseline: round3(median(cpuRatios)),
      ...spread('cpu_ratio', cpuRatios),
      p50_ms: median(runs.map((r) => r.p50)),
      p99_ms: median(runs.map((r) => r.p99)),
      p999_ms: median(runs.map((r) => r.p999)),
      cpu_us_per_request: round3(median(runs.map((r) => r.cpu_us))),
      cpu_us_above_baseline: round3(above),
      above_baseline_in_bare_hmacs: round3(above / hmacUs),
      non_2xx: runs.reduce((n, r) => n + r.bad, 0),
      runs_rps: runs.map((r) => Math.round(r.rps)),
      runs_cpu_us: runs.map((r) => round3(r.cpu_us)),
      runs_ratio: ratios.map(round3),
      runs_cpu_ratio: cpuRatios.map(round3),
      runs_cpu_us_above_baseline: aboves.map(round3),
    };
  }
  const s1m = result.scenarios.signed_1m, s1k = result.scenarios.signed;
  result.signed_1m_to_1k = round3(s1m.ratio_to_baseline / s1k.ratio_to_baseline);
  // The phases run one after the other: round i of one against round i of
  // the other, for the spread.
  Object.assign(
      result, spread('signed_1m_to_1k', s1m.runs_ratio.map((x, i) => x / s1k.runs_ratio[i])));
  result.signed_1m_to_1k_cpu = round3(s1m.cpu_ratio_to_baseline / s1k.cpu_ratio_to_baseline);
  Object.assign(
      result,
      spread('signed_1m_to_1k_cpu', s1m.runs_cpu_ratio.map((x, i) => x / s1k.runs_cpu_ratio[i])));
  result.warmup_seconds = warmupSeconds;
  result.fill_to_1m_seconds = round3(fillSeconds);

  console.log(
      `gateway, ${result.machine}, 1 worker on CPU 0, wrk -t1 -c${connections} on CPU 1, ` +
      `${seconds}s x ${rounds} rounds interleaved (medians)`);
  console.log(
      `  bare one-shot HMAC-SHA256 of ${stsLen} bytes: ${result.bare_hmac_sha256_us} us ` +
      `(HMAC-SHA1 ${result.bare_hmac_sha1_us} us; keyed once ${result.keyed_hmac_sha256_us} us)`);
  console.log(
      '  scenario        req/s  ratio [min-max]        CPU ratio [min-max]    p50 ms   ' +
      'p99 ms p99.9 ms  CPU us/req  above base  in HMACs  non-2xx');
  for (const [name, r] of Object.entries(result.scenarios)) {
    console.log(`  ${name.padEnd(12)} ${String(r.rps_median).padStart(8)}  ${
        withSpread(r, 'ratio', r.ratio_to_baseline)}  ${
        withSpread(r, 'cpu_ratio', r.cpu_ratio_to_baseline)} ${r.p50_ms.toFixed(3).padStart(8)} ${
        r.p99_ms.toFixed(3).padStart(8)} ${r.p999_ms.toFixed(3).padStart(8)} ${
        r.cpu_us_per_request.toFixed(2).padStart(
            11)} ${r.cpu_us_above_baseline.toFixed(2).padStart(11)} ${
        r.above_baseline_in_bare_hmacs.toFixed(2).padStart(9)} ${String(r.non_2xx).padStart(8)}`);
  }
  for (const name of ['signed', 'appcode', 'signed_1m']) {
    const r = result.scenarios[name];
    console.log(`  ${name} per round: ratio ${r.runs_ratio.join(' ')}; CPU ratio ${
        r.runs_cpu_ratio.join(
            ' ')}; CPU above base (us) ${r.runs_cpu_us_above_baseline.join(' ')}`);
  }
  console.log(`  1,000,000 apps vs 1,000 (each against its own baseline): ${
      withSpread(result, 'signed_1m_to_1k', result.signed_1m_to_1k)}; in CPU ${
      withSpread(result, 'signed_1m_to_1k_cpu', result.signed_1m_to_1k_cpu)}`);
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

// The figures of issue 16's goal table, and each scenario's requests/s
// for the chart, in the shape bench/report.mjs reads (bench/README.md).
{
  const {addFigures, figure} = await import('./lib/figures.mjs');
  await addFigures('gateway', (r) => {
    const s = r.scenarios;
    const plain = (name) => name.endsWith('_1m') ? s.baseline_1m : s.baseline;
    const plainLabel = (name) => name.endsWith('_1m') ? 'plain proxy, 1M apps' : 'plain proxy';
    const vsPlain = (id, name) => figure(id, {
      value: s[name].rps_median,
      baseline_label: plainLabel(name),
      baseline_value: plain(name).rps_median,
      ratio: s[name].ratio_to_baseline,
      rounds: r.rounds,
      note: `rounds ${s[name].ratio_min}-${s[name].ratio_max}; in worker CPU ${
          s[name].cpu_ratio_to_baseline} (${s[name].cpu_ratio_min}-${s[name].cpu_ratio_max}); p99 ${
          s[name].p99_ms} ms, ${s[name].cpu_us_per_request} us CPU/request`,
    });
    return [
      figure('gateway.signed_cpu', {
        value: s.signed.cpu_us_above_baseline,
        baseline_label: `bare HMAC-SHA256 of ${r.string_to_sign_bytes} bytes`,
        baseline_value: r.bare_hmac_sha256_us,
        ratio: s.signed.above_baseline_in_bare_hmacs,
        rounds: r.rounds,
        note: s.signed.runs_cpu_us_above_baseline === undefined ?
            undefined :
            `rounds ${Math.min(...s.signed.runs_cpu_us_above_baseline)}-${
                Math.max(...s.signed.runs_cpu_us_above_baseline)} us`,
      }),
      vsPlain('gateway.signed_rps', 'signed'),
      vsPlain('gateway.appcode_rps', 'appcode'),
      figure('gateway.signed_1m', {
        value: s.signed_1m.ratio_to_baseline,
        baseline_label: 'with 1,000 apps',
        baseline_value: s.signed.ratio_to_baseline,
        ratio: r.signed_1m_to_1k,
        rounds: r.rounds,
        note: r.signed_1m_to_1k_min === undefined ?
            undefined :
            `rounds ${r.signed_1m_to_1k_min}-${r.signed_1m_to_1k_max}; in worker CPU ${
                r.signed_1m_to_1k_cpu} (${r.signed_1m_to_1k_cpu_min}-${r.signed_1m_to_1k_cpu_max})`,
      }),
      ...Object.entries(s).map(
          ([name, x]) => figure(`gateway.rps.${name}`, {
            label:
                `${name} requests/s (p99 ${x.p99_ms} ms, ${x.cpu_us_per_request} us CPU/request)`,
            unit: 'req/s',
            value: x.rps_median,
            baseline_label: name.startsWith('baseline') ? null : plainLabel(name),
            baseline_value: name.startsWith('baseline') ? null : plain(name).rps_median,
            ratio: name.startsWith('baseline') ? null : x.ratio_to_baseline,
            rounds: r.rounds,
            chart: {panel: 'gateway', series: 'requests/s', x: name},
          })),
    ];
  });
}
