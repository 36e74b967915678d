// tollgated's GET /metrics and GET /readyz (daemon/metrics.c), scraped
// after real traffic in the native dialect and Alibaba's (signed by
// @alicloud/pop-core), and read with a strict parser of the text format
// (lib/prometheus.mjs): the counters move by what was done, histograms
// are consistent, and the endpoints refuse whom they should.

import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {popCore} from './lib/alibaba.mjs';
import {parsePrometheus, sampleValue} from './lib/prometheus.mjs';
import {ADMIN_ID, ADMIN_SECRET, repoRoot, startTollgated} from './lib/tollgated.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(100);
  }
}

// Scrapes d's /metrics as the admin; returns the parsed families.
async function scrape(d, auth = [ADMIN_ID, ADMIN_SECRET]) {
  const res = await d.call('GET', '/metrics', {auth});
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(res.text);
}

const requests = (m, dialect, action, status) =>
    sampleValue(m, 'tollgate_http_requests_total', {dialect, action, status: String(status)}) ?? 0;
const latencyCount = (m, dialect) =>
    sampleValue(m, 'tollgate_http_request_duration_seconds_count', {dialect});
const value = (m, name, labels) => sampleValue(m, name, labels);

describe('GET /metrics', () => {
  let d;
  let member;  // a member account's key: [id, secret]

  before(async () => {
    d = await startTollgated({args: ['--signed-nonces', '5000']});
    const account = await d.call('POST', '/v1/accounts', {body: {name: 'metrics_member'}});
    assert.equal(account.status, 201, account.text);
    const key = await d.call('POST', '/v1/accounts/metrics_member/access-keys', {body: {}});
    assert.equal(key.status, 201, key.text);
    member = [key.json.id, key.json.secret];
  });

  after(async () => {
    await d.stop();
  });

  test('the counters move by the traffic, in two dialects', async () => {
    const before = await scrape(d);

    for (let i = 0; i < 3; i++) {
      const r = await d.call('POST', '/v1/apps', {body: {name: `metrics_app_${i}`}});
      assert.equal(r.status, 201, r.text);
    }
    const missing = await d.call('GET', '/v1/apps/no_such_app');
    assert.equal(missing.status, 404, missing.text);
    const listed = await d.call('GET', '/v1/apps');
    assert.equal(listed.status, 200, listed.text);
    const nowhere = await d.call('GET', '/v1/no_such_route');
    assert.equal(nowhere.status, 404, nowhere.text);
    const otherAccount = await d.call('GET', '/v1/apps?account_id=someone_else', {auth: member});
    assert.equal(otherAccount.status, 403, otherAccount.text);
    const pop = popCore(d);
    const created = await pop.request('CreateApp', {AppName: 'MetricsAlibaba'}, {method: 'POST'});
    assert.ok(created.AppId > 0);
    const dup = await pop.request('CreateApp', {AppName: 'MetricsAlibaba'}, {method: 'POST'})
                    .then(() => null, (e) => e);
    assert.ok(dup, 'a second app of the same name is refused');

    const after = await scrape(d);
    const moved = (dialect, action, status) =>
        requests(after, dialect, action, status) - requests(before, dialect, action, status);

    assert.equal(moved('native', 'apigateway:CreateApp', 201), 3);
    // An app that does not exist counts under the action asked for,
    // though it is not found before its owner can be checked; a listing
    // under its own, refused or not; a path no route serves under none.
    assert.equal(moved('native', 'apigateway:DescribeApp', 404), 1);
    assert.equal(moved('native', 'apigateway:DescribeApps', 200), 1);
    assert.equal(moved('native', 'apigateway:DescribeApps', 403), 1);
    assert.equal(moved('native', 'none', 404), 1);
    assert.equal(moved('alibaba', 'apigateway:CreateApp', 200), 1);
    const dupStatus = Object.fromEntries(
        after.get('tollgate_http_requests_total')
            .samples.filter((s) => s.labels.dialect === 'alibaba' && s.labels.status !== '200')
            .map((s) => [s.labels.status, s.value]));
    assert.equal(Object.values(dupStatus).reduce((a, b) => a + b, 0), 1, JSON.stringify(dupStatus));
    // The first scrape is counted once it is answered.
    assert.equal(moved('metrics', 'apigateway:DescribeMetrics', 200), 1);

    // One latency observation per request, per dialect.
    assert.equal(latencyCount(after, 'native') - latencyCount(before, 'native'), 7);
    assert.equal(latencyCount(after, 'alibaba') - latencyCount(before, 'alibaba'), 2);
    assert.ok(
        value(after, 'tollgate_http_request_duration_seconds_sum', {dialect: 'native'}) >
        value(before, 'tollgate_http_request_duration_seconds_sum', {dialect: 'native'}));

    // Four writes committed, in one or more group commits.
    const commits = (m) => value(m, 'tollgate_store_commit_duration_seconds_count');
    const ops = (m) => value(m, 'tollgate_store_commit_batch_size_sum');
    assert.ok(commits(after) - commits(before) >= 1);
    assert.ok(commits(after) - commits(before) <= ops(after) - ops(before));
    assert.ok(ops(after) - ops(before) >= 4, `${ops(before)} -> ${ops(after)}`);
    assert.equal(value(after, 'tollgate_store_commit_batch_size_count'), commits(after));
    assert.equal(value(after, 'tollgate_store_commit_failures_total'), 0);

    // pop-core's calls are signed: their nonces are remembered.  On a
    // PostgreSQL store the nonces and buckets live in its shared tables,
    // not in this node's memory, and these gauges stay 0 (limits.md).
    assert.equal(value(after, 'tollgate_signed_nonces_capacity'), 5000);
    if (process.env.TOLLGATE_E2E_PG) {
      assert.equal(value(after, 'tollgate_signed_nonces'), 0);
      assert.equal(value(after, 'tollgate_rate_limit_buckets', {limit: 'app_write'}), 0);
    } else {
      assert.ok(value(after, 'tollgate_signed_nonces') >= 2);
      assert.ok(value(after, 'tollgate_rate_limit_buckets', {limit: 'app_write'}) >= 1);
    }
    assert.ok(value(after, 'tollgate_rate_limit_buckets', {limit: 'action'}) >= 0);

    for (const f of after.values()) {
      assert.ok(f.help && f.help.length > 10, `${f.name} has help`);
      assert.notEqual(f.type, 'untyped', `${f.name} has a type`);
    }
  });

  test('the projection catches up, and says so', async () => {
    const r = await d.call('POST', '/v1/apps', {body: {name: 'metrics_projection'}});
    assert.equal(r.status, 201, r.text);
    const m = await until('the projection to catch up', async () => {
      const s = await scrape(d);
      return value(s, 'tollgate_projection_lag_changes') === 0 ? s : null;
    });
    assert.equal(
        value(m, 'tollgate_projection_applied_seq'), value(m, 'tollgate_projection_latest_seq'));
    assert.ok(value(m, 'tollgate_projection_latest_seq') >= 5);
    assert.equal(value(m, 'tollgate_projection_lag_seconds'), 0);
    assert.ok(value(m, 'tollgate_projection_sync_age_seconds') < 5);
    assert.equal(value(m, 'tollgate_projection_failing'), 0);
    assert.equal(value(m, 'tollgate_projection_failures'), 0);
  });

  test('refused without an admin key', async () => {
    const none = await d.call('GET', '/metrics', {auth: null});
    assert.equal(none.status, 401, none.text);
    assert.equal(none.json.error.code, 'unauthenticated');
    assert.match(none.headers.get('www-authenticate'), /^Basic /);
    assert.doesNotMatch(none.text, /tollgate_/);

    const wrong = await d.call('GET', '/metrics', {auth: [ADMIN_ID, 'not-the-secret']});
    assert.equal(wrong.status, 401, wrong.text);

    const garbage =
        await d.call('GET', '/metrics', {auth: null, headers: {authorization: 'Basic %%%'}});
    assert.equal(garbage.status, 401, garbage.text);

    const theirs = await d.call('GET', '/metrics', {auth: member});
    assert.equal(theirs.status, 403, theirs.text);
    assert.equal(theirs.json.error.code, 'forbidden');

    const post = await d.call('POST', '/metrics', {body: {}});
    assert.equal(post.status, 405, post.text);
    assert.equal(post.headers.get('allow'), 'GET');
  });
});

test('metrics_open_loopback lets a loopback scraper in without a key', async () => {
  const d = await startTollgated({args: ['--metrics-open-loopback', 'on']});
  try {
    const res = await d.call('GET', '/metrics', {auth: null});
    assert.equal(res.status, 200, res.text);
    const m = parsePrometheus(res.text);
    assert.ok(m.has('tollgate_http_requests_total'));
    // A key that is sent is still checked.
    const wrong = await d.call('GET', '/metrics', {auth: [ADMIN_ID, 'not-the-secret']});
    assert.equal(wrong.status, 401, wrong.text);
    // Only /metrics is opened.
    const apps = await d.call('GET', '/v1/apps', {auth: null});
    assert.equal(apps.status, 401, apps.text);
  } finally {
    await d.stop();
  }
  const bad =
      await startTollgated({args: ['--metrics-open-loopback', 'yes']}).then(() => null, (e) => e);
  assert.ok(bad, 'only on or off');
});

describe('GET /readyz', () => {
  test('ready, with the projection lag', async () => {
    const d = await startTollgated();
    try {
      await d.call('POST', '/v1/apps', {body: {name: 'ready_app'}});
      const res = await until('readiness', async () => {
        const r = await d.call('GET', '/readyz', {auth: null});
        return r.status === 200 && r.json.projection.lag_changes === 0 ? r : null;
      });
      assert.equal(res.json.status, 'ready');
      const p = res.json.projection;
      assert.equal(p.lag_seconds, 0);
      assert.ok(p.sync_age_seconds >= 0 && p.sync_age_seconds < 5, res.text);
      assert.equal(p.applied_seq, p.latest_seq);
      assert.equal(p.failing, false);
      assert.equal(p.error, null);
    } finally {
      await d.stop();
    }
  });

  test('not ready when the projection is older than ready_max_age', async () => {
    // The projector syncs once a second: a bound of 1 ms is always passed.
    const d = await startTollgated({args: ['--ready-max-age', '0.001']});
    try {
      const res = await until('the bound to be passed', async () => {
        const r = await d.call('GET', '/readyz', {auth: null});
        return r.status === 503 ? r : null;
      });
      assert.equal(res.json.status, 'not_ready');
      assert.match(res.json.reason, /older than ready_max_age/);
      assert.equal(res.json.projection.failing, false);
      // Liveness is another matter.
      assert.equal((await d.call('GET', '/healthz', {auth: null})).status, 200);
    } finally {
      await d.stop();
    }
  });

  test('not ready while the projection fails, ready again after', async () => {
    const holder = path.join(repoRoot, 'build/test/tools/hold_projection');
    const d = await startTollgated(
        {args: ['--projection-map-size', '16', '--app-write-rate', '0', '--max-apps', '100000']});
    const proc = spawn(holder, [d.dataDir], {stdio: ['pipe', 'pipe', 'inherit']});
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    try {
      await new Promise((resolve, reject) => {
        proc.on('error', reject);
        proc.stdout.on('data', (c) => String(c).includes('holding') && resolve());
      });
      let n = 0;
      await until('the projection to fail', async () => {
        const batch = await Promise.all([...Array(20).keys()].map(
            () => d.call('POST', '/v1/apps', {body: {name: `ready_fill_${n++}`}})));
        batch.forEach((r) => assert.equal(r.status, 201, r.text));
        return (await d.call('GET', '/readyz', {auth: null})).status === 503;
      }, 120000);
      const res = await d.call('GET', '/readyz', {auth: null});
      assert.equal(res.status, 503);
      assert.equal(res.json.reason, 'the projection\'s syncs fail');
      assert.equal(res.json.projection.failing, true);
      assert.match(res.json.projection.error, /the projection is full/);
      assert.ok(res.json.projection.lag_changes > 0, res.text);
      assert.ok(res.json.projection.lag_seconds > 0, res.text);

      const m = await scrape(d);
      assert.equal(value(m, 'tollgate_projection_failing'), 1);
      assert.ok(value(m, 'tollgate_projection_failures') >= 1);
      assert.ok(value(m, 'tollgate_projection_lag_changes') > 0);

      proc.stdin.end();
      await exited;
      await until(
          'readiness again',
          async () => (await d.call('GET', '/readyz', {auth: null})).status === 200, 30000);
    } finally {
      proc.stdin.end();
      await exited;
      await d.stop();
    }
  });
});

// The parser the tests rely on must refuse, or the tests above prove
// nothing about the format.
test('the strict parser refuses what the text format does not allow', () => {
  const good = '# HELP a_total A "quoted" \\\\ help\\n.\n# TYPE a_total counter\n' +
      'a_total{x="q\\"\\\\\\n"} 1\n' +
      '# HELP h H.\n# TYPE h histogram\n' +
      'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n';
  const m = parsePrometheus(good);
  assert.equal(sampleValue(m, 'a_total', {x: 'q"\\\n'}), 1);
  assert.equal(m.get('a_total').help, 'A "quoted" \\ help\n.');
  assert.equal(sampleValue(m, 'h_count'), 2);

  const bad = {
    'no final line feed': 'a 1',
    'a bad name': '1a 1\n',
    'a bad escape': 'a{x="\\t"} 1\n',
    'an unquoted value': 'a{x=1} 1\n',
    'a reserved label': 'a{__x="1"} 1\n',
    'a label twice': 'a{x="1",x="2"} 1\n',
    'a bad value': 'a 1,5\n',
    'the same series twice': 'a{x="1"} 1\na{x="1"} 2\n',
    'TYPE twice': '# TYPE a gauge\n# TYPE a gauge\na 1\n',
    'TYPE after samples': 'a 1\n# TYPE a gauge\n',
    'samples apart': '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n',
    'a negative counter': '# TYPE a counter\na -1\n',
    'no +Inf bucket': '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
    '+Inf not the count': '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n',
    'buckets not cumulative': '# TYPE h histogram\nh_bucket{le="1"} 2\n' +
        'h_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    'no sum': '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\n',
  };
  for (const [why, text] of Object.entries(bad)) {
    assert.throws(() => parsePrometheus(text), Error, why);
  }
});
