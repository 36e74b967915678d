// The gateway's tollgate_metrics location (nginx/ngx_http_tollgate_metrics.c):
// calls verified and refused, by scheme and reason, counted in shared memory
// by two workers and served as one text, read with the strict parser of
// lib/prometheus.mjs.  Per-app series are bounded by tollgate_metrics_per_app
// (here 1: the first app seen, the others as _other).  Then the alert rules
// (etc/prometheus/tollgate.rules.yml) parse, and name only metrics that a
// real scrape of the gateway or of tollgated has.

import aliyun from 'aliyun-api-gateway';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createHmac, randomUUID} from 'node:crypto';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import YAML from 'yaml';

import {eventually, freePort, startGateway} from './lib/gateway.mjs';
import {parsePrometheus, sampleValue} from './lib/prometheus.mjs';
import {binDir, repoRoot, SANITIZER} from './lib/tollgated.mjs';

let gw;

const LOCATIONS = (upstream) => `
    location / {
      tollgate on;
      tollgate_api default;
      proxy_pass ${upstream};
    }
    location = /metrics {
      tollgate_metrics;
      allow 127.0.0.1;
      deny all;
    }`;

async function call(method, pathname, body) {
  const r = await gw.admin.call(method, pathname, body === undefined ? {} : {body});
  assert.ok(r.status < 300, `${method} ${pathname}: ${r.text}`);
  return r.json;
}

async function gatewayScrape() {
  const res = await fetch(`${gw.url}/metrics`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(await res.text());
}

// GETs path signed by Alibaba's client; returns the status.
async function xca(app, pathname) {
  try {
    await new aliyun.Client(app.app_key, app.app_secret).get(`${gw.url}${pathname}`);
    return 200;
  } catch (err) {
    return err.code;
  }
}

// A request signed by hand with a wrong secret.
function badSignature(app) {
  const h = {
    'x-ca-key': app.app_key,
    'x-ca-timestamp': String(Date.now()),
    'x-ca-nonce': randomUUID(),
    accept: 'application/json',
  };
  const sts = `GET\napplication/json\n\n\n\nx-ca-key:${h['x-ca-key']}\nx-ca-nonce:${
      h['x-ca-nonce']}\nx-ca-timestamp:${h['x-ca-timestamp']}\n/bad`;
  h['x-ca-signature-headers'] = 'x-ca-key,x-ca-nonce,x-ca-timestamp';
  h['x-ca-signature'] = createHmac('sha256', 'not-the-secret').update(sts).digest('base64');
  return fetch(`${gw.url}/bad`, {headers: h});
}

before(async () => {
  gw = await startGateway({
    locations: LOCATIONS,
    tollgatedArgs: ['--app-write-rate', '0'],
    workers: 2,
    servers: '  tollgate_metrics_per_app 1;\n',
  });
  await call('POST', '/v1/apis', {name: 'default'});
});

after(async () => {
  await gw.stop();
});

test('calls verified and refused, by scheme, reason and app', async () => {
  const first = await call('POST', '/v1/apps', {name: 'metrics_first'});
  await call('PUT', `/v1/apps/${first.id}/grants/default`, {});
  const coded = await call('POST', '/v1/apps', {name: 'metrics_coded', generate_app_code: true});
  await call('PUT', `/v1/apps/${coded.id}/grants/default`, {});
  const ungranted = await call('POST', '/v1/apps', {name: 'metrics_ungranted'});
  await eventually(async () => (await xca(ungranted, '/wait')) === 403);

  const start = await gatewayScrape();
  const verified = (m, scheme) =>
      sampleValue(m, 'tollgate_gateway_calls_verified_total', {scheme}) ?? 0;
  const refused = (m, scheme, reason) =>
      sampleValue(m, 'tollgate_gateway_calls_refused_total', {scheme, reason}) ?? 0;

  // The first app seen after the start takes the one slot: the
  // ungranted app's refusal above came first, so it is the slot's.
  assert.equal(sampleValue(start, 'tollgate_gateway_app_slots', {state: 'used'}), 1);
  assert.equal(sampleValue(start, 'tollgate_gateway_app_slots', {state: 'capacity'}), 1);
  const slotted = (m, kind) =>
      sampleValue(m, `tollgate_gateway_app_calls_${kind}_total`, {app: ungranted.id});
  const other = (m, kind) =>
      sampleValue(m, `tollgate_gateway_app_calls_${kind}_total`, {app: '_other'});
  assert.equal(slotted(start, 'refused'), refused(start, 'alibaba', 'not_granted'));

  // Over both workers: several connections, one call each.
  for (let i = 0; i < 3; i++) {
    assert.equal(await xca(first, `/ok/${i}`), 200);
  }
  const code = coded.app_codes[0].app_code;
  const byCode = await fetch(`${gw.url}/code`, {headers: {authorization: `APPCODE ${code}`}});
  assert.equal(byCode.status, 200);
  assert.equal((await fetch(`${gw.url}/none`)).status, 401);
  assert.equal((await fetch(`${gw.url}/none2`)).status, 401);
  assert.equal((await badSignature(first)).status, 400);
  assert.equal(await xca({app_key: 'no_such_key_0000', app_secret: 'x'}, '/unknown'), 400);
  assert.equal(await xca(ungranted, '/ungranted'), 403);

  const end = await gatewayScrape();
  assert.equal(verified(end, 'alibaba') - verified(start, 'alibaba'), 3);
  assert.equal(verified(end, 'appcode') - verified(start, 'appcode'), 1);
  assert.equal(refused(end, 'none', 'no_credential') - refused(start, 'none', 'no_credential'), 2);
  assert.equal(
      refused(end, 'alibaba', 'bad_signature') - refused(start, 'alibaba', 'bad_signature'), 1);
  assert.equal(
      refused(end, 'alibaba', 'unknown_key') - refused(start, 'alibaba', 'unknown_key'), 1);
  assert.equal(
      refused(end, 'alibaba', 'not_granted') - refused(start, 'alibaba', 'not_granted'), 1);
  const total = (m) =>
      m.get('tollgate_gateway_calls_refused_total').samples.reduce((a, s) => a + s.value, 0);
  assert.equal(total(end) - total(start), 5, 'nothing else was refused');

  // The slot's app, and everyone else together.
  assert.equal(slotted(end, 'refused') - slotted(start, 'refused'), 1);
  assert.equal(slotted(end, 'verified'), 0);
  assert.equal(other(end, 'verified') - other(start, 'verified'), 4);
  assert.equal(other(end, 'refused') - (other(start, 'refused') ?? 0), 1, 'the bad signature');
  assert.equal(sampleValue(end, 'tollgate_gateway_app_slots', {state: 'used'}), 1);
  const apps = end.get('tollgate_gateway_app_calls_verified_total').samples;
  assert.equal(apps.length, 2, 'one slot and _other: the bound holds');

  // The zone and the projection.
  assert.ok(sampleValue(end, 'tollgate_gateway_zone_nonces') >= 3);
  // A 1m zone's table is read whole: a few live nonces in some 55,000 slots.
  const load = sampleValue(end, 'tollgate_gateway_zone_nonce_load');
  assert.ok(load > 0 && load < 0.001, `load ${load}`);
  assert.ok(sampleValue(end, 'tollgate_gateway_zone_pages') > 0);
  const free = sampleValue(end, 'tollgate_gateway_zone_pages_free');
  assert.ok(free > 0 && free <= sampleValue(end, 'tollgate_gateway_zone_pages'));
  assert.equal(sampleValue(end, 'tollgate_gateway_zone_rate_buckets'), 0);
  assert.equal(sampleValue(end, 'tollgate_gateway_projection_readable'), 1);
  const age = sampleValue(end, 'tollgate_gateway_projection_age_seconds');
  assert.ok(age >= 0 && age < 10, `age ${age}`);
  assert.equal(sampleValue(end, 'tollgate_gateway_projection_max_age_seconds'), 30);

  for (const f of end.values()) {
    assert.ok(f.help && f.help.length > 10, `${f.name} has help`);
    assert.notEqual(f.type, 'untyped', `${f.name} has a type`);
  }

  // The location itself is not verified, and takes only GET and HEAD.
  assert.equal((await fetch(`${gw.url}/metrics`, {method: 'POST', body: 'x'})).status, 405);
});

test('a reload keeps the counts', async () => {
  const before = await gatewayScrape();
  const verifiedBefore =
      sampleValue(before, 'tollgate_gateway_calls_verified_total', {scheme: 'alibaba'});
  assert.ok(verifiedBefore >= 3);
  gw.nginx.kill('SIGHUP');
  await eventually(async () => /reconfiguring/.test(await gw.errorLog()), 10000);
  // Old workers finish; new ones answer with the same zone.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await gatewayScrape();
  assert.equal(
      sampleValue(after, 'tollgate_gateway_calls_verified_total', {scheme: 'alibaba'}),
      verifiedBefore);
  assert.equal(sampleValue(after, 'tollgate_gateway_app_slots', {state: 'used'}), 1);
});

test('the alert rules parse and name metrics that exist', async () => {
  const text = await readFile(path.join(repoRoot, 'etc/prometheus/tollgate.rules.yml'), 'utf8');
  const doc = YAML.parse(text);
  assert.ok(Array.isArray(doc.groups) && doc.groups.length > 0);

  const daemon = await gw.admin.call('GET', '/metrics');
  assert.equal(daemon.status, 200, daemon.text);
  const names = new Set();
  for (const m of [parsePrometheus(daemon.text), await gatewayScrape()]) {
    for (const f of m.values()) {
      for (const s of f.samples) {
        names.add(s.name);
      }
      names.add(f.name);
    }
  }

  let rules = 0;
  for (const group of doc.groups) {
    assert.equal(typeof group.name, 'string');
    for (const rule of group.rules) {
      rules++;
      assert.equal(typeof rule.alert, 'string', JSON.stringify(rule));
      assert.equal(typeof rule.expr, 'string');
      assert.ok(rule.annotations?.summary, `${rule.alert} has a summary`);
      assert.ok(['warning', 'critical'].includes(rule.labels?.severity), rule.alert);
      const used = rule.expr.match(/\btollgate_[a-z_]+/g) || [];
      assert.ok(used.length > 0, rule.alert);
      for (const name of used) {
        assert.ok(names.has(name), `${rule.alert}: ${name} is in no scrape`);
      }
    }
  }
  assert.ok(rules >= 5);
});

test('tollgate up serves the gateway\'s metrics on /tollgate/metrics', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tollgate-up-metrics-'));
  const adminPort = await freePort();
  const gatewayPort = await freePort();
  const proc = spawn(
      path.join(binDir, 'tollgate'),
      [
        'up', '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${adminPort}`, '--gateway-listen',
        `127.0.0.1:${gatewayPort}`
      ],
      {env: {PATH: process.env.PATH, HOME: '/nonexistent'}});
  let out = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (c) => out += c);
  proc.stderr.on('data', (c) => out += c);
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20000;
    while (!out.includes('Ctrl-C stops both.')) {
      assert.ok(Date.now() < deadline && proc.exitCode === null, out);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await fetch(`http://127.0.0.1:${gatewayPort}/no-credential`).then((r) => r.arrayBuffer());
    const res = await fetch(`http://127.0.0.1:${gatewayPort}/tollgate/metrics`);
    assert.equal(res.status, 200);
    const m = parsePrometheus(await res.text());
    assert.ok(
        sampleValue(
            m, 'tollgate_gateway_calls_refused_total', {scheme: 'none', reason: 'no_credential'}) >=
        1);
  } finally {
    proc.kill('SIGINT');
  }
  assert.equal(await exited, 0, out);
  assert.doesNotMatch(out, SANITIZER);
  await rm(dataDir, {recursive: true, force: true});
});
