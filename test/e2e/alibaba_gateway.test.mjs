// The Alibaba dialect and the gateway together: an app made with
// Alibaba's pop-core client, its secret read with DescribeAppSecurity,
// signs a call through nginx with Alibaba's aliyun-api-gateway client; after
// ResetAppSecret, the secret DescribeAppSecurity then returns signs, and
// the old one no longer does.

import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {popCore} from './lib/alibaba.mjs';
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

test(
    'DescribeAppSecurity\'s secret signs through the gateway, before and after ResetAppSecret',
    async () => {
      const pop = popCore(gw.admin);
      const api = await gw.admin.call('POST', '/v1/apis', {body: {name: 'default'}});
      assert.equal(api.status, 201, api.text);

      const {AppId} = await pop.request('CreateApp', {AppName: 'GatewayApp'}, {method: 'POST'});
      const grant = await gw.admin.call('PUT', `/v1/apps/${AppId}/grants/default`, {body: {}});
      assert.equal(grant.status, 201, grant.text);

      const first = await pop.request('DescribeAppSecurity', {AppId});
      await eventually(async () => (await status(first.AppKey, first.AppSecret)).status === 200);
      const ok = await status(first.AppKey, first.AppSecret);
      assert.equal(ok.echo.headers['x-tollgate-app-id'], String(AppId));

      await pop.request('ResetAppSecret', {AppKey: first.AppKey}, {method: 'POST'});
      const second = await pop.request('DescribeAppSecurity', {AppId});
      assert.notEqual(second.AppSecret, first.AppSecret);
      await eventually(async () => (await status(second.AppKey, second.AppSecret)).status === 200);
      const old = await status(first.AppKey, first.AppSecret);
      assert.equal(old.status, 400);
      assert.match(old.message, /^Invalid Signature, Server StringToSign:/);
    });
