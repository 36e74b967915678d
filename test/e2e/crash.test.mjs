// Crash safety: clients write continuously (creates, resets, key pairs,
// AppCodes, grants, deletes; some resets through Alibaba's pop-core) while
// tollgated is killed with SIGKILL at random moments, and at three crash
// points of the test build (TOLLGATE_CRASH_AT, daemon/crash_point.h):
// between the store's commit and the projector's, in the middle of a
// group-commit batch, and after a commit before its answers.  After each
// restart:
//   - every acknowledged write is there with the value acknowledged (the
//     test keeps each app's acknowledged state: its pairs and secrets,
//     AppCodes, grants, whether it was deleted);
//   - a write that got no answer is either wholly there or wholly absent
//     (never an app without its pair, a code without its app...);
//   - the store holds exactly the apps the test knows of;
//   - test/tools/projection_check finds the LMDB projection equal to the
//     store, record by record;
//   - the gateway (nginx with the module) passes calls signed with the
//     acknowledged secrets and AppCodes, and refuses the replaced ones
//     and those of deleted apps.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {randomBytes, randomInt} from 'node:crypto';
import path from 'node:path';
import {test} from 'node:test';

import {popCore} from './lib/alibaba.mjs';
import {byAppCode, bySignature, Stack} from './lib/stack.mjs';
import {pgStoreUrl, repoRoot} from './lib/tollgated.mjs';

const CHECKER = process.env.TOLLGATE_PROJECTION_CHECK ||
    path.join(repoRoot, 'build/test/tools/projection_check');
const WRITERS = 6;
const RANDOM_KILLS = 20;
// Each lands exactly at a place a random kill rarely hits.
const CRASH_POINTS = ['projector.applying', 'store.group_pending', 'store.committed'];
const APIS = ['default', 'api_b', 'api_c'];
const MAX_APPS_PER_WRITER = 5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const alnum = (n) => {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(n)].map((b) => chars[b % chars.length]).join('');
};
const pick = (xs) => xs[randomInt(xs.length)];

// An app's state as the store answers it, in a comparable form: its pairs
// (AppKey, secret, the AppKey kept in grace), its AppCodes, its grants.
function normal({pairs, codes, grants}) {
  return JSON.stringify({
    pairs: [...pairs].sort((a, b) => a[0].localeCompare(b[0])),
    codes: [...codes].sort(),
    grants: [...grants].sort(),
  });
}

// What the test knows of one app: the acknowledged state, and the write
// in flight or left unanswered (pending).
class App {
  constructor(writer, name) {
    this.writer = writer;
    this.name = name;
    this.id = null;
    this.pairs = new Map();  // AppKey -> {secret, prev (AppKey in grace) or null}
    this.codes = new Map();  // code id -> value
    this.grants = new Set();
    this.retired = [];  // [AppKey, secret] replaced without grace
    this.deleted = false;
    this.pending = null;  // {op, candidates(state) -> [state...]} unanswered
  }

  state() {
    return {
      pairs: [...this.pairs].map(([k, p]) => [k, p.secret, p.prev]),
      codes: [...this.codes.values()],
      grants: [...this.grants],
    };
  }
}

class Crash {
  constructor(stack) {
    this.stack = stack;
    this.d = stack.admin;
    this.apps = [];
    this.writes = 0;      // acknowledged
    this.unanswered = 0;  // sent, no answer: checked whole or absent
    this.kills = 0;
    this.records = 0;    // projection records compared
    this.checks = 0;     // projection_check runs
    this.appChecks = 0;  // app states compared with the store
    this.gatewayCalls = 0;
    this.counter = 0;
  }

  // One call; undefined when no answer came (the daemon died).
  async call(method, pathname, body) {
    try {
      return await this.d.call(method, pathname, body === undefined ? {} : {body});
    } catch {
      return undefined;
    }
  }

  live(writer) {
    return this.apps.filter((a) => a.writer === writer && !a.deleted && a.id && !a.pending);
  }

  // One write by writer: returns false once the daemon stops answering.
  async step(writer) {
    const mine = this.live(writer);
    const choices = mine.length < MAX_APPS_PER_WRITER ? ['create', 'create'] : ['delete'];
    if (mine.length > 0) {
      choices.push(
          'reset', 'reset', 'addPair', 'delPair', 'addCode', 'resetCode', 'delCode', 'grant',
          'revoke', 'aliReset');
    }
    const what = pick(choices);
    if (what === 'create') {
      return this.create(writer);
    }
    return this[what](pick(mine));
  }

  // Sends a write about app; apply(res) updates the acknowledged state on a
  // 2xx; without an answer app stays pending with its candidates.
  async write(app, op, candidates, send, apply) {
    app.pending = {op, candidates};
    const res = await send();
    (app.log ||= []).push(`${op}:${res?.status}`);
    if (res === undefined || res.status >= 500) {
      this.unanswered++;
      return res !== undefined;
    }
    app.pending = null;
    if (res.status < 300) {
      apply(res);
      this.writes++;
    } else {
      // A refusal (a limit, a last pair): nothing was written, which the
      // next comparison checks.
      assert.ok(res.status < 500, `${op}: ${res.status} ${res.text}`);
    }
    return true;
  }

  async create(writer) {
    const app = new App(writer, `crash_w${writer}_${++this.counter}`);
    const withCode = randomInt(2) === 1;
    this.apps.push(app);
    return this.write(
        app, 'create', () => [], () => this.call('POST', '/v1/apps', {
          name: app.name,
          generate_app_code: withCode,
        }),
        (res) => {
          assert.equal(res.status, 201, res.text);
          app.id = res.json.id;
          app.pairs.set(res.json.app_key, {secret: res.json.app_secret, prev: null});
          for (const c of res.json.app_codes || []) {
            app.codes.set(c.id, c.app_code);
          }
          assert.equal(app.codes.size, withCode ? 1 : 0);
        });
  }

  async delete(app) {
    return this.write(
        app, 'delete', (s) => [s, null], () => this.call('DELETE', `/v1/apps/${app.id}`), () => {
          app.deleted = true;
        });
  }

  async reset(app) {
    const key = pick([...app.pairs.keys()]);
    const own = randomInt(2) === 1 ? alnum(40) : undefined;
    const grace = randomInt(4) === 0 ? 3600 : 0;
    const after = (s) => ({
      ...s,
      pairs: s.pairs.map((p) => p[0] === key ? [key, own ?? '*', grace ? key : null] : p),
    });
    return this.write(
        app, 'reset', (s) => [s, after(s)],
        () => this.call('POST', `/v1/apps/${app.id}/reset-secret`, {
          key,
          grace_seconds: grace,
          ...(own ? {app_secret: own} : {}),
        }),
        (res) => {
          const pair = app.pairs.get(key);
          if (own) {
            assert.equal(res.json.app_secret, own);
          }
          if (!grace) {
            app.retired.push([key, pair.secret]);
          }
          if (pair.prevSecret) {
            app.retired.push([key, pair.prevSecret]);  // its grace ends
          }
          app.pairs.set(key, {
            secret: res.json.app_secret,
            prev: grace ? key : null,
            prevSecret: grace ? pair.secret : null,  // valid until its grace ends
          });
        });
  }

  // ResetAppSecret through Alibaba's dialect and SDK, with our secret.
  async aliReset(app) {
    const key = pick([...app.pairs.keys()]);
    const secret = alnum(32);
    const after = (s) => ({
      ...s,
      pairs: s.pairs.map((p) => p[0] === key ? [key, secret, null] : p),
    });
    return this.write(
        app, 'aliReset', (s) => [s, after(s)],
        async () => {
          try {
            await popCore(this.d).request(
                'ResetAppSecret', {AppKey: key, NewAppSecret: secret}, {method: 'POST'});
            return {status: 200};
          } catch (err) {
            return typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code) ?
                undefined :
                {status: err.statusCode || 400, text: String(err)};
          }
        },
        () => {
          const pair = app.pairs.get(key);
          app.retired.push([key, pair.secret]);
          if (pair.prevSecret) {
            app.retired.push([key, pair.prevSecret]);
          }
          app.pairs.set(key, {secret, prev: null});
        });
  }

  async addPair(app) {
    const key = `crash${alnum(20)}`, secret = alnum(40);
    return this.write(
        app, 'addPair', (s) => [s, {...s, pairs: [...s.pairs, [key, secret, null]]}],
        () => this.call('POST', `/v1/apps/${app.id}/keys`, {app_key: key, app_secret: secret}),
        (res) => {
          assert.equal(res.json.app_secret, secret);
          app.pairs.set(key, {secret, prev: null});
        });
  }

  async delPair(app) {
    // Never the first (primary) pair: the store answers last_key_pair
    // for a lone one, and a deleted primary moves the role.
    const keys = [...app.pairs.keys()].slice(1);
    if (keys.length === 0) {
      return this.addPair(app);
    }
    const key = pick(keys);
    return this.write(
        app, 'delPair', (s) => [s, {...s, pairs: s.pairs.filter((p) => p[0] !== key)}],
        () => this.call('DELETE', `/v1/apps/${app.id}/keys/${key}`), () => {
          const pair = app.pairs.get(key);
          app.retired.push([key, pair.secret]);
          if (pair.prevSecret) {
            app.retired.push([key, pair.prevSecret]);
          }
          app.pairs.delete(key);
        });
  }

  async addCode(app) {
    const code = alnum(40);
    return this.write(
        app, 'addCode', (s) => [s, {...s, codes: [...s.codes, code]}],
        () => this.call('POST', `/v1/apps/${app.id}/codes`, {app_code: code}), (res) => {
          assert.equal(res.json.app_code, code);
          app.codes.set(res.json.id, code);
        });
  }

  async resetCode(app) {
    if (app.codes.size === 0) {
      return this.addCode(app);
    }
    const [id, old] = pick([...app.codes]);
    const code = alnum(40);
    return this.write(
        app, 'resetCode', (s) => [s, {...s, codes: s.codes.map((c) => c === old ? code : c)}],
        () => this.call('POST', `/v1/apps/${app.id}/codes/${id}/reset`, {app_code: code}),
        (res) => {
          assert.equal(res.json.app_code, code);
          app.retiredCodes = [...(app.retiredCodes || []), old];
          app.codes.set(id, code);
        });
  }

  async delCode(app) {
    if (app.codes.size === 0) {
      return this.addCode(app);
    }
    const [id, old] = pick([...app.codes]);
    return this.write(
        app, 'delCode', (s) => [s, {...s, codes: s.codes.filter((c) => c !== old)}],
        () => this.call('DELETE', `/v1/apps/${app.id}/codes/${id}`), () => {
          app.retiredCodes = [...(app.retiredCodes || []), old];
          app.codes.delete(id);
        });
  }

  async grant(app) {
    const api = pick(APIS);
    return this.write(
        app, 'grant',
        (s) => [s, {...s, grants: s.grants.includes(api) ? s.grants : [...s.grants, api]}],
        () => this.call('PUT', `/v1/apps/${app.id}/grants/${api}`, {}), () => {
          app.grants.add(api);
        });
  }

  async revoke(app) {
    if (app.grants.size === 0) {
      return this.grant(app);
    }
    const api = pick([...app.grants]);
    return this.write(
        app, 'revoke', (s) => [s, {...s, grants: s.grants.filter((g) => g !== api)}],
        () => this.call('DELETE', `/v1/apps/${app.id}/grants/${api}`), () => {
          app.grants.delete(api);
        });
  }

  async writer(n) {
    while (this.running) {
      if (!await this.step(n)) {
        return;
      }
    }
  }

  // --- after a restart -----------------------------------------------------

  async read(method, pathname) {
    const res = await this.d.call(method, pathname);
    assert.ok(res.status === 200 || res.status === 404, `${method} ${pathname}: ${res.text}`);
    return res;
  }

  // The store's state of app id, or null if it does not exist.
  async serverState(id) {
    const shown = await this.read('GET', `/v1/apps/${id}/secret`);
    if (shown.status === 404) {
      return null;
    }
    const grants = await this.read('GET', `/v1/apps/${id}/grants`);
    const codes = await this.read('GET', `/v1/apps/${id}/codes`);
    // Never half-made: a pair at least, each with its secret.
    assert.ok(shown.json.key_pairs.length >= 1, `app ${id} without a key pair`);
    for (const p of shown.json.key_pairs) {
      assert.ok(p.app_secret && p.app_key, `app ${id}: a pair without a secret`);
    }
    assert.equal(codes.json.items.length, shown.json.app_codes.length);
    return {
      state: {
        pairs:
            shown.json.key_pairs.map((p) => [p.app_key, p.app_secret, p.previous_app_key ?? null]),
        codes: shown.json.app_codes.map((c) => c.app_code),
        grants: grants.json.items.map((g) => g.api.name),
      },
      codeIds: codes.json.items.map((c) => c.id),
    };
  }

  // Whether got equals want, where want may hold '*' for a secret the
  // unanswered write generated (any value other than the old one).
  static matches(want, got, before) {
    const a = JSON.parse(normal(want)), b = JSON.parse(normal(got));
    if (a.pairs.length !== b.pairs.length) {
      return false;
    }
    const old = new Map(before.pairs.map((p) => [p[0], p[1]]));
    for (let i = 0; i < a.pairs.length; i++) {
      const [k, s, prev] = a.pairs[i];
      const [gk, gs, gprev] = b.pairs[i];
      if (k !== gk || prev !== gprev || (s === '*' ? gs === old.get(k) : s !== gs)) {
        return false;
      }
    }
    return JSON.stringify(a.codes) === JSON.stringify(b.codes) &&
        JSON.stringify(a.grants) === JSON.stringify(b.grants);
  }

  // Takes the store's state as the acknowledged one (after an unanswered
  // write that the comparison found whole, or absent).
  adopt(app, server) {
    const was = new Map(app.pairs);
    app.pairs = new Map(server.state.pairs.map(([k, s, prev]) => {
      const p = was.get(k);
      const prevSecret = !p || prev !== k ? null : p.secret === s ? p.prevSecret : p.secret;
      return [k, {secret: s, prev, prevSecret}];
    }));
    for (const [k, p] of was) {
      const now = app.pairs.get(k);
      if (!now || (now.secret !== p.secret && now.prev !== k)) {
        app.retired.push([k, p.secret]);
      }
    }
    // Both lists come from one query, oldest first.
    app.codes = new Map(server.codeIds.map((id, i) => [id, server.state.codes[i]]));
    app.grants = new Set(server.state.grants);
  }

  async verifyApp(app) {
    if (app.id === null) {
      // An unanswered create: the app is wholly there, or not at all.
      const found = await this.read('GET', `/v1/apps?name=${app.name}`);
      assert.equal(app.pending?.op, 'create');
      if (found.json.items.length === 0) {
        app.deleted = true;
        app.pending = null;
        return;
      }
      app.id = found.json.items[0].id;
      const server = await this.serverState(app.id);
      assert.ok(server.state.pairs.length === 1, `${app.name}: half-made`);
      assert.ok(server.state.codes.length <= 1, `${app.name}: half-made`);
      this.adopt(app, server);
      app.pending = null;
      this.appChecks++;
      return;
    }
    const server = await this.serverState(app.id);
    this.appChecks++;
    if (app.deleted) {
      assert.equal(server, null, `${app.name}: deleted, yet back`);
      return;
    }
    const mine = app.state();
    if (app.pending === null) {
      assert.ok(server, `${app.name}: acknowledged, yet gone`);
      assert.equal(normal(server.state), normal(mine), `${app.name}: not as acknowledged`);
      return;
    }
    const {op, candidates} = app.pending;
    const options = candidates(mine);
    if (server === null) {
      assert.ok(options.includes(null), `${app.name}: gone after an unanswered ${op}`);
      app.deleted = true;
    } else {
      assert.ok(
          options.some((o) => o !== null && Crash.matches(o, server.state, mine)),
          `${app.name}: after an unanswered ${op}: ${normal(server.state)}\nnot one of ` +
              options.map((o) => o && normal(o)).join('\n'));
      this.adopt(app, server);
    }
    app.pending = null;
  }

  async verify() {
    for (const app of this.apps) {
      await this.verifyApp(app);
    }
    // The store holds the apps the test knows of, and no other.
    const list = await this.read('GET', '/v1/apps?limit=100');
    const ids = list.json.items.map((a) => a.id).sort();
    const known = this.apps.filter((a) => !a.deleted).map((a) => a.id).sort();
    assert.deepEqual(ids, known);
    this.apps = this.apps.filter((a) => !a.deleted || a.retired.length > 0);
  }

  checkProjection(expectEqual = true) {
    const store = pgStoreUrl(this.d.dataDir);  // null for SQLite
    const r = spawnSync(CHECKER, [this.d.dataDir, ...(store ? [store] : [])], {encoding: 'utf8'});
    this.checks++;
    const m = r.stdout.match(/compared (\d+) records/);
    assert.ok(m, `projection_check: ${r.stdout}${r.stderr}`);
    this.records += Number(m[1]);
    if (expectEqual) {
      assert.equal(r.status, 0, r.stdout + r.stderr);
    }
    return r;
  }

  // The gateway enforces the recovered state, for a sample of apps.
  async checkGateway(sample) {
    const apps = sample ? this.apps.filter(() => randomInt(3) === 0) : this.apps;
    for (const app of apps) {
      const granted = !app.deleted && app.grants.has('default');
      const expect = async (call, creds, ok, what) => {
        const r = await call(this.stack, creds);
        this.gatewayCalls++;
        assert.equal(
            r.status === 200, ok,
            `${app.name}: ${what}: ${r.status} ${r.message ?? ''} after ${app.log}`);
      };
      if (!app.deleted) {
        for (const [key, p] of app.pairs) {
          await expect(
              bySignature, {app_key: key, app_secret: p.secret}, granted, 'acknowledged secret');
          if (p.prevSecret) {
            await expect(
                bySignature, {app_key: key, app_secret: p.prevSecret}, granted,
                'a replaced secret within its grace');
          }
        }
        for (const code of app.codes.values()) {
          await expect(byAppCode, {app_codes: [{app_code: code}]}, granted, 'acknowledged AppCode');
        }
      }
      for (const [key, secret] of app.retired.slice(-3)) {
        if (app.pairs.get(key)?.secret !== secret) {
          await expect(bySignature, {app_key: key, app_secret: secret}, false, 'replaced secret');
        }
      }
      for (const code of (app.retiredCodes || []).slice(-2)) {
        if (![...app.codes.values()].includes(code)) {
          await expect(byAppCode, {app_codes: [{app_code: code}]}, false, 'replaced AppCode');
        }
      }
    }
  }

  // Writers run until the daemon dies: killed after killAfter ms, or at
  // its crash point.
  async round({killAfter, crashPoint}) {
    this.running = true;
    const writers = [...Array(WRITERS).keys()].map((n) => this.writer(n));
    if (crashPoint) {
      let timer;
      const died = await Promise.race([
        this.d.exited.then(() => true),
        new Promise((resolve) => timer = setTimeout(resolve, 15000, false)),
      ]);
      clearTimeout(timer);
      assert.ok(died, `the crash point ${crashPoint} was not reached`);
      assert.match(this.d.stderr, new RegExp(`crash point ${crashPoint.replace('.', '\\.')}`));
      this.d.proc = null;
    } else {
      await sleep(killAfter);
      await this.d.kill9();
    }
    this.kills++;
    this.running = false;
    await Promise.all(writers);
  }
}

test('acknowledged writes survive SIGKILL at random moments and at crash points', async () => {
  const stack = await new Stack().init();
  stack.admin.args = ['--app-write-rate', '0', '--code-reset-interval', '0'];
  const crash = new Crash(stack);
  let failed = true;
  try {
    await stack.admin.start();
    await stack.startNginx();
    for (const api of APIS) {
      await stack.call('POST', '/v1/apis', {name: api});
    }

    const plan = [...Array(RANDOM_KILLS).fill(null), ...CRASH_POINTS];
    // The crash points among the random kills, not first.
    for (let i = plan.length - 1; i > 1; i--) {
      const j = 1 + randomInt(i);
      [plan[i], plan[j]] = [plan[j], plan[i]];
    }
    for (const point of plan) {
      if (point) {
        // Restart armed: the point fires at its Nth pass.
        await stack.admin.stop({keepData: true});
        stack.admin.env = {TOLLGATE_CRASH_AT: `${point}:${1 + randomInt(3)}`};
        await stack.admin.restart();
        stack.admin.env = {};
      }
      await crash.round({killAfter: 150 + randomInt(700), crashPoint: point});
      if (point === 'projector.applying') {
        // The store committed what the projection did not: the checker
        // sees the projection behind, before the restart catches it up.
        const r = crash.checkProjection(false);
        assert.equal(r.status, 1, r.stdout);
        assert.match(r.stdout, /meta seq: \d+, the store's newest change \d+/);
      }
      await stack.admin.restart();
      await crash.verify();
      crash.checkProjection();
      await crash.checkGateway(true);
    }
    await crash.checkGateway(false);

    // A secret replaced with a short grace passes until the grace ends,
    // across a kill, and is refused after.
    const graced = await stack.call('POST', '/v1/apps', {name: 'crash_graced'});
    await stack.call('PUT', `/v1/apps/${graced.id}/grants/default`, {});
    const reset =
        await stack.call('POST', `/v1/apps/${graced.id}/reset-secret`, {grace_seconds: 2});
    const old = {app_key: graced.app_key, app_secret: graced.app_secret};
    await stack.admin.kill9();
    crash.kills++;
    await stack.admin.restart();
    crash.checkProjection();
    assert.equal((await bySignature(stack, old)).status, 200, 'within the grace');
    await sleep(Date.parse(reset.previous_expires_at) + 1000 - Date.now());
    assert.notEqual((await bySignature(stack, old)).status, 200, 'after the grace');
    assert.equal(
        (await bySignature(stack, {app_key: graced.app_key, app_secret: reset.app_secret})).status,
        200);
    crash.gatewayCalls += 3;

    console.log(
        `crash: ${crash.writes} acknowledged writes checked (${crash.unanswered} unanswered, ` +
        `each found whole or absent), ${crash.kills} kills (${CRASH_POINTS.length} at crash ` +
        `points), ${crash.appChecks} app states compared with the store, ` +
        `${crash.checks} projection checks comparing ${crash.records} records key by key, ` +
        `${crash.gatewayCalls} gateway calls`);
    assert.ok(crash.kills >= 20);
    assert.ok(crash.writes > 100, `only ${crash.writes} writes`);
    failed = false;
  } finally {
    // A daemon that died at a failed step is not the failure to report.
    await stack.stop().catch((err) => {
      if (!failed) {
        throw err;
      }
    });
  }
});
