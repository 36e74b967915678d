// Which dialect answers a request (daemon/dialects.c), seen from a client:
// Alibaba's RPC calls to "/" are claimed by what Alibaba's SDKs send (an
// Action parameter in the query or a form body, an x-acs-action header, an
// ACS3 Authorization header), and nothing else; the native API answers the
// rest, including a form body without an Action.

import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {startTollgated} from './lib/tollgated.mjs';

let d;

before(async () => {
  d = await startTollgated();
});

after(async () => {
  await d.stop();
});

const FORM = {
  'content-type': 'application/x-www-form-urlencoded'
};

describe('dialect claims', () => {
  test('an Action in a form body is Alibaba\'s', async () => {
    const res = await fetch(`${d.url}/`, {
      method: 'POST',
      headers: FORM,
      body: 'Action=DescribeApps&Version=2016-07-14',
    });
    const json = await res.json();
    assert.equal(res.status, 400);
    assert.equal(json.Code, 'MissingSignature');
  });

  test('a form body without an Action is not', async () => {
    const res = await d.call('POST', '/', {raw: 'AppName=x&Version=2016-07-14', headers: FORM});
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'route_not_found');
  });

  test('an x-acs-action header or an ACS3 Authorization alone is Alibaba\'s', async () => {
    for (const headers
             of [{'x-acs-action': 'DescribeApps', 'x-acs-version': '2016-07-14'},
                 {'authorization': 'ACS3-HMAC-SHA256 Credential=x'},
    ]) {
      const res = await fetch(`${d.url}/`, {method: 'POST', headers});
      const json = await res.json();
      assert.equal(res.status, 400, JSON.stringify(json));
      assert.ok(json.Code, JSON.stringify(json));
      assert.equal(json.error, undefined);
    }
  });

  test('off "/", Alibaba\'s signals are the native API\'s', async () => {
    const res = await fetch(`${d.url}/other?Action=DescribeApps`, {
      method: 'POST',
      headers: {'x-acs-action': 'DescribeApps'},
    });
    const json = await res.json();
    assert.equal(res.status, 404);
    assert.equal(json.error.code, 'route_not_found');
  });
});
