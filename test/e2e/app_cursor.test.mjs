// Keyset (cursor) paging of GET /v1/apps (docs/api.md#pagination): a walk
// by next_cursor gives the whole listing once, in order, whatever is
// created or deleted between pages; a cursor is bound to its filter and
// account; anything that is not a cursor is a 400 in the native shape.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {keyWith} from './lib/policies.mjs';
import {startTollgated} from './lib/tollgated.mjs';

let d;
let acme;
let other;
let otherKey;
const made = [];  // acme's apps, oldest first: {id, team}

before(async () => {
  d = await startTollgated({args: ['--app-write-rate', '0']});
  acme = (await d.call('POST', '/v1/accounts', {body: {name: 'cursor_acme', app_quota: 100}})).json;
  other = (await d.call('POST', '/v1/accounts', {body: {name: 'cursor_other'}})).json;
  const key = (await d.call('POST', `/v1/accounts/${other.id}/access-keys`)).json;
  otherKey = [key.id, key.secret];
  for (let i = 0; i < 23; i++) {
    const team = i % 3 === 0 ? 'red' : 'blue';
    const res = await d.call('POST', '/v1/apps', {
      body: {name: `c${i}`, account_id: acme.id, tags: {team}},
    });
    assert.equal(res.status, 201, res.text);
    made.push({id: res.json.id, app_id: res.json.app_id, team});
  }
  const theirs = await d.call('POST', '/v1/apps', {body: {name: 'theirs'}, auth: otherKey});
  assert.equal(theirs.status, 201, theirs.text);
});

after(async () => {
  await d.stop();
});

const get = (query, opts) => d.call('GET', `/v1/apps?${query}`, opts);
const list = async (query, opts) => {
  const res = await get(query, opts);
  assert.equal(res.status, 200, res.text);
  return res.json;
};
const ids = (page) => page.items.map((a) => a.id);

// Every page of query by cursor; between(pageNumber, seen) runs after
// each page.
const walk = async (query, between = async () => {}, opts = undefined) => {
  const seen = [];
  let page = await list(query, opts);
  for (let i = 0;; i++) {
    seen.push(...ids(page));
    if (!page.next_cursor) {
      return seen;
    }
    assert.match(page.next_cursor, /^[A-Za-z0-9_-]{56}$/);
    await between(i, seen);
    page = await list(`${query}&cursor=${page.next_cursor}`, opts);
  }
};

const refused = async (query, opts) => {
  const res = await get(query, opts);
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error.code, 'bad_request');
  assert.equal(res.json.error.field, 'cursor');
  return res.json.error;
};

describe('cursor paging', () => {
  test('a walk by cursor is the whole listing, in order, each page with the total', async () => {
    const all = made.map((a) => a.id);
    for (const limit of [1, 4, 22, 23]) {
      assert.deepEqual(await walk(`account_id=${acme.id}&limit=${limit}`), all);
    }
    const first = await list(`account_id=${acme.id}&limit=5`);
    assert.equal(first.total, 23);
    const second = await list(`account_id=${acme.id}&limit=5&cursor=${first.next_cursor}`);
    assert.equal(second.total, 23);
    assert.deepEqual(ids(second), all.slice(5, 10));
    // The last page, full or not, has no next cursor.
    assert.equal((await list(`account_id=${acme.id}&limit=23`)).next_cursor, undefined);
    assert.equal((await list(`account_id=${acme.id}&limit=100`)).next_cursor, undefined);
  });

  test('an offset page gives the cursor of the page after it', async () => {
    const page = await list(`account_id=${acme.id}&limit=4&offset=8`);
    const next = await list(`account_id=${acme.id}&limit=4&cursor=${page.next_cursor}`);
    assert.deepEqual(ids(next), made.slice(12, 16).map((a) => a.id));
  });

  test('every filter pages by cursor: a tag, a name, a status', async () => {
    const red = made.filter((a) => a.team === 'red').map((a) => a.id);
    assert.deepEqual(await walk(`account_id=${acme.id}&tag=team:red&limit=2`), red);
    assert.deepEqual(await walk(`tag=team:red&limit=3`), red);
    assert.deepEqual(await walk(`account_id=${acme.id}&tag=team&limit=5`), made.map((a) => a.id));
    assert.deepEqual(await walk(`account_id=${acme.id}&name=c7&limit=1`), [made[7].id]);
    assert.deepEqual(
        await walk(`account_id=${acme.id}&status=enabled&tag=team:blue&limit=4`),
        made.filter((a) => a.team === 'blue').map((a) => a.id));
    assert.deepEqual(await walk(`account_id=${acme.id}&expiring_within=60&limit=4`), []);
  });

  test('a key with policies walks by cursor what its policies let it see', async () => {
    const some = [made[1], made[2], made[5], made[11], made[20]];
    const key = await keyWith(d, acme.id, 'CursorSome', {
      Version: '1',
      Statement: [{
        Effect: 'Allow',
        Action: '*',
        Resource: some.map((a) => `acs:apigateway:*:*:app/${a.app_id}`),
      }],
    });
    const first = await list(`limit=2`, {auth: key.auth});
    assert.equal(first.total, some.length);
    assert.deepEqual(await walk('limit=2', undefined, {auth: key.auth}), some.map((a) => a.id));
    // The admin's cursor of the same listing (scoped to acme) works too:
    // the cursor names a position, the key's policies still filter.
    const admin = await list(`account_id=${acme.id}&limit=3`);
    const rest = await list(`limit=5&cursor=${admin.next_cursor}`, {auth: key.auth});
    assert.deepEqual(ids(rest), some.slice(2).map((a) => a.id));
  });

  test('creates and deletes between pages: no row that stayed is skipped or repeated', async () => {
    const gone = new Set();
    const aheadGone = [];
    const added = [];
    const order = new Map(made.map((a, i) => [a.id, i]));
    const seen = await walk(`account_id=${acme.id}&limit=3`, async (i, seen) => {
      // Deletes the second app the walk has not reached yet and one it
      // has passed, and creates one (after every other, in the order).
      const last = order.get(seen.filter((id) => order.has(id)).at(-1));
      const ahead = made.slice(last + 1).filter((a) => !gone.has(a.id))[1];
      const behind = made.slice(0, last + 1).filter((a) => !gone.has(a.id))[0];
      for (const app of [ahead, behind]) {
        if (app) {
          const res = await d.call('DELETE', `/v1/apps/${app.id}`);
          assert.equal(res.status, 204, res.text);
          gone.add(app.id);
        }
      }
      if (ahead) {
        aheadGone.push(ahead.id);
      }
      if (i < 3) {
        const res =
            await d.call('POST', '/v1/apps', {body: {name: `new${i}`, account_id: acme.id}});
        assert.equal(res.status, 201, res.text);
        added.push(res.json.id);
      }
    });
    assert.ok(aheadGone.length > 2);
    assert.equal(new Set(seen).size, seen.length, 'no app twice');
    const stayed = made.map((a) => a.id).filter((id) => !gone.has(id));
    assert.deepEqual(seen.filter((id) => order.has(id) && !gone.has(id)), stayed);
    assert.deepEqual(
        seen.filter((id) => added.includes(id)), added, 'created after the cursor: seen');
    assert.ok(!seen.some((id) => aheadGone.includes(id)), 'deleted ahead: not seen');
    // What remains, walked again, is the listing as it is now.
    const now = (await list(`account_id=${acme.id}&limit=100`)).items.map((a) => a.id);
    assert.deepEqual(await walk(`account_id=${acme.id}&limit=7`), now);
  });

  test('a cursor for another filter, account, key or with an offset is refused', async () => {
    const page = await list(`account_id=${acme.id}&limit=2`);
    const c = page.next_cursor;
    assert.ok(c);
    await refused(`account_id=${other.id}&limit=2&cursor=${c}`);
    await refused(`limit=2&cursor=${c}`);
    await refused(`account_id=${acme.id}&tag=team:red&limit=2&cursor=${c}`);
    await refused(`account_id=${acme.id}&name=c1&limit=2&cursor=${c}`);
    await refused(`account_id=${acme.id}&status=enabled&limit=2&cursor=${c}`);
    await refused(`account_id=${acme.id}&expiring_within=5&limit=2&cursor=${c}`);
    // The other account's key, scoped to its own account, may not use it.
    await refused(`limit=2&cursor=${c}`, {auth: otherKey});
    const both = await refused(`account_id=${acme.id}&limit=2&offset=0&cursor=${c}`);
    assert.match(both.message, /offset/);
    // The page size may change along a walk.
    assert.equal((await list(`account_id=${acme.id}&limit=9&cursor=${c}`)).items.length, 9);
    // A tag cursor is bound to the tag's value.
    const red = await list(`account_id=${acme.id}&tag=team:red&limit=1`);
    await refused(`account_id=${acme.id}&tag=team:blue&limit=1&cursor=${red.next_cursor}`);
    await refused(`account_id=${acme.id}&tag=team&limit=1&cursor=${red.next_cursor}`);
  });

  test('anything but a cursor is a 400, never a 500', async () => {
    const c = (await list(`account_id=${acme.id}&limit=2`)).next_cursor;
    const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const bad = [
      '',
      'x',
      c.slice(0, 55),
      c + 'A',
      c.slice(0, 55) + '=',
      c.slice(0, 55) + '%2B',
      c.slice(0, 54) + '%2F%2F',
      'A'.repeat(56),
      '_'.repeat(56),
      '-'.repeat(56),
      'A'.repeat(4096),
      encodeURIComponent('é'.repeat(28)),
      flip(c, 0),
      flip(c, 1),
      flip(c, 10),
      flip(c, 20),
      flip(c, 40),
      flip(c, 55),
      '%20'.repeat(56),
    ];
    for (const b of bad) {
      await refused(`account_id=${acme.id}&limit=2&cursor=${b}`);
    }
    // A NUL anywhere in the query is refused by the HTTP layer.
    const nul = await get(`account_id=${acme.id}&limit=2&cursor=${c}%00`);
    assert.equal(nul.status, 400, nul.text);
    // Two cursors: a repeated parameter.
    const twice = await get(`account_id=${acme.id}&limit=2&cursor=${c}&cursor=${c}`);
    assert.equal(twice.status, 400, twice.text);
  });
});
