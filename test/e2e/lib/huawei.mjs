// Calls signed with Huawei's own signer: @huaweicloud/huaweicloud-sdk-core's
// AKSKSigner, unchanged.  It signs a request object (endpoint with its path,
// method, headers, queryParams, data); the call is then sent as it signed
// it, with node:http so that the Host header is the one signed.

import {AKSKSigner} from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import {BasicCredentials} from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import http from 'node:http';

// Sends one request; answers {status, headers, text, json}.
export function send(url, {method, headers, body}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method, headers}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => text += c);
      res.on('end', () => {
        let json = null;
        try {
          json = text.length > 0 ? JSON.parse(text) : null;
        } catch {
          json = null;
        }
        resolve({status: res.statusCode, headers: res.headers, text, json});
      });
    });
    req.on('error', reject);
    if (body !== undefined) {
      req.write(body);
    }
    req.end();
  });
}

// Signs with the SDK's signer.  query: an object of strings; data: a JSON
// body (an object: the signer hashes JSON.stringify(data)).
export function sign(base, method, path, {ak, sk, query = {}, data, headers = {}} = {}) {
  const request = {
    endpoint: base + path,
    method,
    headers: {'Content-Type': 'application/json;charset=UTF-8', ...headers},
    queryParams: query,
    data,
  };
  const credentials = new BasicCredentials().withAk(ak).withSk(sk);
  const signed = AKSKSigner.sign(request, credentials);
  const qs = new URLSearchParams(query).toString();
  return {
    url: base + path + (qs ? '?' + qs : ''),
    headers: signed,
    body: data === undefined ? undefined : JSON.stringify(data),
  };
}

// Signs and sends.
export async function call(base, method, path, opts = {}) {
  const s = sign(base, method, path, opts);
  return send(s.url, {method, headers: s.headers, body: s.body});
}

// "YYYYMMDDTHHMMSSZ" of a Date, as X-Sdk-Date is written.
export function sdkDate(date) {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
