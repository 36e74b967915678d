// One GET signed with Alibaba's X-Ca HmacSHA256 (the nonce and timestamp
// fresh), as the bench scripts send it to a gateway: resolves with the
// status.  port: the gateway's; agent: its keep-alive agent.

import {createHmac, randomUUID} from 'node:crypto';
import http from 'node:http';

export function signedGet({port, agent}, pathname, key, secret) {
  const ts = String(Date.now());
  const nonce = randomUUID();
  const sts = `GET\napplication/json\n\n\n\nx-ca-key:${key}\nx-ca-nonce:${nonce}\n` +
      `x-ca-timestamp:${ts}\n${pathname}`;
  const headers = {
    accept: 'application/json',
    'x-ca-key': key,
    'x-ca-nonce': nonce,
    'x-ca-timestamp': ts,
    'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp',
    'x-ca-signature': createHmac('sha256', secret).update(sts).digest('base64'),
  };
  return new Promise((resolve, reject) => {
    const req = http.get({host: '127.0.0.1', port, path: pathname, headers, agent}, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
}
