// The Authing dialect and the gateway together: authing-node-sdk
// refreshes an app's secret; the secret it returns is the one the native
// API reveals, it signs a call through nginx (with Alibaba's X-Ca-*
// client, the gateway's scheme), and the old secret no longer does.

import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {client} from './lib/authing.mjs';
import {eventually, startGateway} from './lib/gateway.mjs';
import {appIdLocation, xcaGet} from './lib/xca.mjs';

let gw;

before(async () => {
  gw = await startGateway({locations: appIdLocation});
});

after(async () => {
  await gw.stop();
});

function status(key, secret) {
  return xcaGet(`${gw.url}/orders?id=7`, key, secret);
}

test('the refreshed secret passes the gateway, and the old one is refused', async () => {
  const api = await gw.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
  assert.equal(api.status, 201, api.text);
  const app = await gw.admin.call('POST', '/v1/apps', {body: {name: 'authing_gateway'}});
  assert.equal(app.status, 201, app.text);
  const {id, app_key: key, app_secret: first} = app.json;
  const grant = await gw.admin.call('PUT', `/v1/apps/${id}/grants/default`, {body: {}});
  assert.equal(grant.status, 201, grant.text);
  await eventually(async () => (await status(key, first)).status === 200);

  const res = await client(gw.admin).refreshApplicationSecret({appId: id});
  assert.equal(res.statusCode, 200);
  const second = res.data.secret;
  assert.notEqual(second, first);
  const revealed = await gw.admin.call('GET', `/v1/apps/${id}/secret`);
  assert.equal(revealed.json.app_secret, second);

  await eventually(async () => (await status(key, second)).status === 200);
  const ok = await status(key, second);
  assert.equal(ok.echo.headers['x-tollgate-app-id'], String(app.json.app_id));
  const old = await status(key, first);
  assert.equal(old.status, 400);
  assert.match(old.message, /^Invalid Signature/);
});
