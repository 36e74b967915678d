// App listings and the quota as the store answers them at any size
// (docs/storage.md#many-apps): totals from each account's count of apps,
// pages in order from the indexes, tag filters read from the tag's index,
// and the count kept exact through creates, failed creates and deletes.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {startTollgated} from './lib/tollgated.mjs';

let d;
let acme;
const made = [];  // acme's apps, oldest first: {id, name, team}

before(async () => {
  d = await startTollgated({args: ['--app-write-rate', '0']});
  acme = (await d.call('POST', '/v1/accounts', {body: {name: 'listing_acme', app_quota: 12}})).json;
  for (let i = 0; i < 10; i++) {
    const team = i % 3 === 0 ? 'red' : 'blue';
    const res = await d.call('POST', '/v1/apps', {
      body: {name: `l${i}`, account_id: acme.id, tags: {team, n: String(i)}},
    });
    assert.equal(res.status, 201, res.text);
    made.push({id: res.json.id, name: `l${i}`, team});
  }
});

after(async () => {
  await d.stop();
});

const list = async (query) => {
  const res = await d.call('GET', `/v1/apps?account_id=${acme.id}&${query}`);
  assert.equal(res.status, 200, res.text);
  return res.json;
};
const ids = (page) => page.items.map((a) => a.id);

describe('listing', () => {
  test('the account: its total, and its pages in the order of creation', async () => {
    const all = await list('limit=100');
    assert.equal(all.total, 10);
    assert.deepEqual(ids(all), made.map((a) => a.id));
    const pages = [];
    for (let offset = 0; offset < 10; offset += 4) {
      const page = await list(`limit=4&offset=${offset}`);
      assert.equal(page.total, 10);
      pages.push(...ids(page));
    }
    assert.deepEqual(pages, made.map((a) => a.id));
    const past = await list('limit=4&offset=10');
    assert.deepEqual(past, {items: [], total: 10});
  });

  test('a tag: its apps in order, counted, paged; with another filter too', async () => {
    const red = made.filter((a) => a.team === 'red').map((a) => a.id);
    const all = await list('tag=team:red');
    assert.equal(all.total, red.length);
    assert.deepEqual(ids(all), red);
    const second = await list('tag=team:red&limit=2&offset=2');
    assert.equal(second.total, red.length);
    assert.deepEqual(ids(second), red.slice(2, 4));
    assert.deepEqual(ids(await list('tag=team:red&tag=n:3')), [made[3].id]);
    assert.equal((await list('tag=team:red&tag=n:4')).total, 0);
    assert.equal((await list('tag=team')).total, 10);
    assert.deepEqual(ids(await list('tag=team:red&name=l6')), [made[6].id]);
    assert.equal((await list('tag=team:green')).total, 0);
    // Every account's, for an admin that names none: the tag in acme only.
    const everywhere = (await d.call('GET', '/v1/apps?tag=team:red&limit=100')).json;
    assert.deepEqual(ids(everywhere), red);
  });

  test('a tag changed on an app moves it between the tag listings', async () => {
    const app = made[1];
    const res = await d.call('PATCH', `/v1/apps/${app.id}`, {body: {tags: {team: 'red', n: '1'}}});
    assert.equal(res.status, 200, res.text);
    const red = made.filter((a) => a.team === 'red' || a === app).map((a) => a.id);
    assert.deepEqual(ids(await list('tag=team:red')), red);
    assert.equal((await list('tag=team:blue')).total, 10 - red.length);
    await d.call('PATCH', `/v1/apps/${app.id}`, {body: {tags: {team: 'blue', n: '1'}}});
  });
});

describe('the count of apps', () => {
  test('holds the quota at its edge through failures and deletes', async () => {
    const create = (name) => d.call('POST', '/v1/apps', {body: {name, account_id: acme.id}});
    // A name taken fails and counts nothing.
    assert.equal((await create('l0')).status, 409);
    assert.equal((await create('q10')).status, 201);
    const last = await create('q11');
    assert.equal(last.status, 201);
    assert.equal((await list('limit=1')).total, 12);
    const over = await create('q12');
    assert.equal(over.status, 409);
    assert.equal(over.json.error.code, 'app_limit_exceeded');

    // A delete frees one place, once.
    assert.equal((await d.call('DELETE', `/v1/apps/${last.json.id}`)).status, 204);
    assert.equal((await d.call('DELETE', `/v1/apps/${last.json.id}`)).status, 404);
    assert.equal((await list('limit=1')).total, 11);
    assert.equal((await create('q12')).status, 201);
    assert.equal((await create('q13')).status, 409);
    assert.equal((await list('limit=1')).total, 12);
  });
});
