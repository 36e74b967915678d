// Each HTTP connection has its own thread (daemon/http/http.c): a durable
// write waits for its group's commit on its connection's thread, never
// behind another connection's request.  With --threads 1 (one database
// connection for reads), concurrent writes on separate connections still
// reach the store together and share group commits; with a pool of HTTP
// threads as small, every group held one write.  The thread that holds the
// store's turn runs the writes queued behind its own (daemon/store/store.c),
// and /metrics still counts each under its own action.

import assert from 'node:assert/strict';
import http from 'node:http';
import {after, before, describe, test} from 'node:test';

import {parsePrometheus, sampleValue} from './lib/prometheus.mjs';
import {ADMIN_ID, ADMIN_SECRET, startTollgated} from './lib/tollgated.mjs';

const basic = 'Basic ' + Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64');

// POSTs body to pathname over agent's connections; resolves {status, json}.
function post(d, agent, pathname, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
        {
          host: '127.0.0.1',
          port: d.port,
          method: 'POST',
          path: pathname,
          agent,
          headers: {authorization: basic, 'content-type': 'application/json'},
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => text += chunk);
          res.on('end', () => resolve({status: res.statusCode, json: JSON.parse(text)}));
        });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function commits(d) {
  const res = await d.call('GET', '/metrics');
  assert.equal(res.status, 200, res.text);
  const m = parsePrometheus(res.text);
  return {
    groups: sampleValue(m, 'tollgate_store_commit_batch_size_count'),
    ops: sampleValue(m, 'tollgate_store_commit_batch_size_sum'),
    // Resets answered 200, counted under their action: the reset's body
    // notes it on the thread that runs it, which may be another request's.
    resets: sampleValue(m, 'tollgate_http_requests_total', {
              dialect: 'native',
              action: 'apigateway:ResetAppSecret',
              status: '200',
            }) ??
        0,
  };
}

describe('a thread per connection', () => {
  const writers = 24;
  let d;
  let agent;
  let ids;

  before(async () => {
    d = await startTollgated({args: ['--threads', '1', '--app-write-rate', '0']});
    agent = new http.Agent({keepAlive: true, maxSockets: writers});
    ids = [];
    for (let i = 0; i < writers; i++) {
      const res = await post(d, agent, '/v1/apps', {name: `conn_app_${i}`});
      assert.equal(res.status, 201);
      ids.push(res.json.id);
    }
  });

  after(async () => {
    agent.destroy();
    await d.stop();
  });

  test('concurrent writes on separate connections share group commits', async () => {
    // A group forms while the one before it commits: a few rounds make it
    // all but certain that one of them holds more than one write.
    let shared = false;
    for (let round = 0; round < 5 && !shared; round++) {
      const before = await commits(d);
      const answers =
          await Promise.all(ids.map((id) => post(d, agent, `/v1/apps/${id}/reset-secret`, {})));
      for (const a of answers) {
        assert.equal(a.status, 200);
      }
      const now = await commits(d);
      const groups = now.groups - before.groups;
      const ops = now.ops - before.ops;
      assert.ok(ops >= writers, `${ops} writes committed`);
      assert.equal(now.resets - before.resets, writers, 'every reset counted under its action');
      assert.ok(groups >= 1 && groups <= ops);
      shared = groups < ops;
    }
    assert.ok(shared, 'every group held one write: the writes were served one at a time');
  });

  test('a connection that holds a request open does not stop another', async () => {
    // A request whose body never finishes occupies its connection; a
    // second connection is answered meanwhile.
    const stuck = http.request({
      host: '127.0.0.1',
      port: d.port,
      method: 'POST',
      path: `/v1/apps/${ids[0]}/reset-secret`,
      headers: {authorization: basic, 'content-type': 'application/json', 'content-length': '100'},
    });
    stuck.on('error', () => {});
    stuck.write('{');
    const started = Date.now();
    const res = await post(d, agent, `/v1/apps/${ids[1]}/reset-secret`, {});
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started < 5000);
    stuck.destroy();
  });
});
