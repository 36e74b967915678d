// The hostile-input corpus of test/e2e/hostile_corpus.test.mjs: malformed
// requests to each management dialect and to the gateway, as raw requests
// ({method, target, headers: [[name, value]...], body}), every string a
// sequence of bytes (latin1: '\xff' is the byte 0xff, not UTF-8).  None of
// them may be answered 2xx or 5xx, and none may write.
//
// Each case: {dialect, name, request} and optionally
//   twice: the request is sent twice (a replay); the second is judged;
//   raw: Buffer, sent as is instead of a request;
//   layer: 'http' when tollgated's HTTP layer must find it malformed (the
//          dialect that claims it refuses it with its malformed-request
//          code); 'mhd' when libmicrohttpd refuses it before tollgated.
// ctx: {port, gatewayPort, project, app: {id, app_key, app_secret, code},
//       adminId, adminSecret, basic}.

import {createHash, createHmac, randomUUID} from 'node:crypto';

import {isoSeconds, percentEncode, VERSION as ALI_VERSION} from '../lib/alibaba.mjs';
import {sign as authingSign} from '../lib/authing.mjs';
import {sign as huaweiSign} from '../lib/huawei.mjs';
import {VERSION as TC_VERSION} from '../lib/tencent.mjs';

// Values that no field may hold: each as the raw bytes of a JSON string's
// content or of an escaped query value.
const BAD_TEXT = [
  ['invalid UTF-8', '\xff\xfe'],
  ['an overlong UTF-8 slash', '\xc0\xaf'],
  ['a UTF-8 surrogate', '\xed\xa0\x80'],
  ['a truncated UTF-8 sequence', 'ab\xe2\x82'],
  ['a control character', 'a\x01b'],
  ['4 KiB of text', 'n'.repeat(4096)],
];
const BAD_JSON_TEXT = [
  ...BAD_TEXT,
  ['an escaped NUL', 'a\\u0000b'],
  ['an escaped lone surrogate', '\\ud800'],
];
const BAD_NUMBERS = [
  '-1',
  '0',
  '-9223372036854775809',
  '9223372036854775808',
  '1e309',
  '-1e309',
  '99999999999999999999999',
  '1.5',
  '0x10',
  'NaN',
  '"12"',
  'true',
  'null',
  '[]',
  '{}',
];
const BAD_ESCAPES =
    ['%', '%4', '%zz', '%%41', '%C0%AF', '%ED%A0%80', '%FF', '%00', 'a%0', '%u0041'];

const sha256 = (s) => createHash('sha256').update(s, 'latin1').digest('hex');
const nest = (n) => '['.repeat(n) + ']'.repeat(n);
const nestObj = (n) => '{"a":'.repeat(n) + '1' +
    '}'.repeat(n);

function req(method, target, headers, body) {
  return {method, target, headers, body};
}

// ---- native ---------------------------------------------------------------

function native(ctx) {
  const auth = ['Authorization', ctx.basic];
  const json = ['Content-Type', 'application/json'];
  const app = ctx.app.id;
  const cases = [];
  const add = (name, request, extra = {}) =>
      cases.push({dialect: 'native', name, request, ...extra});
  const writes = [
    ['POST', '/v1/apps', (v) => `{"name":${v}}`],
    ['PATCH', `/v1/apps/${app}`, (v) => `{"description":${v}}`],
    ['POST', `/v1/apps/${app}/reset-secret`, (v) => `{"app_secret":${v}}`],
    ['POST', `/v1/apps/${app}/codes`, (v) => `{"app_code":${v}}`],
    ['PUT', `/v1/apps/${app}/grants/default`, (v) => `{"stage":${v}}`],
    ['POST', '/v1/apis', (v) => `{"name":${v}}`],
  ];
  for (const [method, target, body] of writes) {
    for (const [what, text] of BAD_JSON_TEXT) {
      add(`${method} ${target}: ${what} in a string`,
          req(method, target, [auth, json], body(`"${text}"`)));
    }
    for (const n of ['1', 'true', '[]', '{}']) {
      add(`${method} ${target}: ${n} for a string`, req(method, target, [auth, json], body(n)));
    }
    add(`${method} ${target}: a truncated body`,
        req(method, target, [auth, json], body('"abc').slice(0, -1)));
    add(`${method} ${target}: text/plain`,
        req(method, target, [auth, ['Content-Type', 'text/plain']], body('"x_name"')));
    add(`${method} ${target}: a form body`,
        req(method, target, [auth, ['Content-Type', 'application/x-www-form-urlencoded']],
            'name=x_name'));
    add(`${method} ${target}: deep JSON`, req(method, target, [auth, json], nest(5000)));
    add(`${method} ${target}: deep objects`, req(method, target, [auth, json], nestObj(3000)));
    add(`${method} ${target}: a JSON array`, req(method, target, [auth, json], '[{"name":"a"}]'));
    add(`${method} ${target}: two JSON values`, req(method, target, [auth, json], '{}{}'));
    add(`${method} ${target}: a duplicated member`,
        req(method, target, [auth, json], '{"name":"dup_a","name":"dup_b","description":1}'));
    add(`${method} ${target}: an unknown member`,
        req(method, target, [auth, json], '{"nonsense_member":1}'));
    add(`${method} ${target}: no credentials`, req(method, target, [json], body('"x_name"')));
    add(`${method} ${target}: another key's secret`,
        req(method, target,
            [
              [
                'Authorization',
                'Basic ' + Buffer.from(`${ctx.adminId}:wrong-secret`).toString('base64')
              ],
              json
            ],
            body('"x_name"')));
  }
  for (const n of BAD_NUMBERS.filter((v) => v !== '0')) {
    add(`grace_seconds ${n}`,
        req('POST', `/v1/apps/${app}/reset-secret`, [auth, json], `{"grace_seconds":${n}}`));
    add(`rate_limit.rps ${n}`,
        req('PATCH', `/v1/apps/${app}`, [auth, json], `{"rate_limit":{"rps":${n},"burst":1}}`));
    add(`limit=${n}`, req('GET', `/v1/apps?limit=${encodeURIComponent(n)}`, [auth]));
  }
  for (const n of BAD_NUMBERS.filter((v) => v !== '0')) {
    add(`offset=${n}`, req('GET', `/v1/apps?offset=${encodeURIComponent(n)}`, [auth]));
  }
  for (const e of BAD_ESCAPES) {
    add(`an escape ${e} in a query value`, req('GET', `/v1/apps?name=${e}`, [auth]));
    add(`an escape ${e} in the path`, req('GET', `/v1/apps/${e}`, [auth]));
  }
  const tags = {};
  for (let i = 0; i < 40; i++) {
    tags[`k${i}`] = 'v';
  }
  add('40 tags', req('POST', '/v1/apps', [auth, json], JSON.stringify({name: 'x_tags', tags})));
  add('a tag value that is an object',
      req('POST', '/v1/apps', [auth, json], '{"name":"x_tag","tags":{"a":{"b":1}}}'));
  add('a duplicated limit', req('GET', '/v1/apps?limit=1&limit=1000', [auth]));
  add('a duplicated Authorization header',
      req('GET', '/v1/whoami', [auth, ['Authorization', 'Basic eDp5']]));
  add('a duplicated Content-Type',
      req('POST', '/v1/apps', [auth, json, ['Content-Type', 'text/plain']], '{"name":"x_dup"}'));
  add('a 100 KiB path', req('GET', `/v1/apps/${'a'.repeat(100 * 1024)}`, [auth]));
  add('a 64 KiB header', req('GET', '/v1/whoami', [auth, ['X-Big', 'b'.repeat(64 * 1024)]]));
  add('500 headers',
      req('GET', '/v1/whoami', [auth, ...[...Array(500).keys()].map((i) => [`X-H${i}`, 'v'])]));
  add('a body beyond the cap', req('POST', '/v1/apps', [auth, json], ' '.repeat(2 << 20)));
  add('a Basic header of bad base64', req('GET', '/v1/whoami', [['Authorization', 'Basic %%%']]));
  add('a Basic header without a colon',
      req('GET', '/v1/whoami',
          [['Authorization', 'Basic ' + Buffer.from('nocolon').toString('base64')]]));
  add('a Basic header of invalid UTF-8',
      req('GET', '/v1/whoami',
          [['Authorization', 'Basic ' + Buffer.from('\xff:\xfe', 'latin1').toString('base64')]]));
  add('an unknown method', req('BREW', '/v1/apps', [auth]));
  add('a key pair beyond the limit',
      req('POST', `/v1/apps/${ctx.full.id}/keys`, [auth, json], '{}'));
  add('an AppCode beyond the limit',
      req('POST', `/v1/apps/${ctx.full.id}/codes`, [auth, json], '{}'));
  add('a named AppCode beyond the limit',
      req('POST', `/v1/apps/${ctx.full.id}/codes`, [auth, json],
          `{"app_code":"${'Q'.repeat(40)}"}`));
  add('a dot-dot path', req('GET', '/v1/apps/../accounts', [auth]));
  add('an escaped slash', req('GET', `/v1/apps%2F${app}`, [auth]));
  return cases;
}

// ---- Alibaba (RPC, signature v1) -------------------------------------------

// A signed Alibaba call; pairs are [key, value] already percent-encoded
// (so that a value can hold any byte), signed as sent.
function aliPairs(ctx, action, extra = [], {nonce = randomUUID(), time = new Date()} = {}) {
  return [
    ['AccessKeyId', ctx.adminId],
    ['Action', action],
    ['Format', 'JSON'],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureNonce', nonce],
    ['SignatureVersion', '1.0'],
    ['Timestamp', percentEncode(isoSeconds(time))],
    ['Version', ALI_VERSION],
    ...extra,
  ];
}

function aliSignature(method, pairs, secret) {
  const canonical = [...pairs]
                        .sort(
                            (a, b) => a[0] < b[0] ? -1 :
                                a[0] > b[0]       ? 1 :
                                a[1] < b[1]       ? -1 :
                                                    1)
                        .map(([k, v]) => `${k}=${v}`)
                        .join('&');
  const sts = `${method}&%2F&${percentEncode(canonical)}`;
  return createHmac('sha1', secret + '&').update(Buffer.from(sts, 'latin1')).digest('base64');
}

function aliRequest(
    ctx, pairs,
    {method = 'GET', signAs = method, secret = ctx.adminSecret, headers = [], path = '/'} = {}) {
  const signed = [...pairs, ['Signature', percentEncode(aliSignature(signAs, pairs, secret))]];
  const query = signed.map(([k, v]) => `${k}=${v}`).join('&');
  if (method === 'GET') {
    return req('GET', `${path}?${query}`, headers);
  }
  return req(
      method, path, [['Content-Type', 'application/x-www-form-urlencoded'], ...headers], query);
}

function alibaba(ctx) {
  const cases = [];
  const add = (name, request, extra = {}) =>
      cases.push({dialect: 'alibaba', name, request, ...extra});
  const key = ctx.app.app_key;
  const fields = [
    ['CreateApp', 'AppName', []],
    ['ModifyApp', 'Description', [['AppId', String(ctx.app.app_id)]]],
    ['ResetAppSecret', 'NewAppSecret', [['AppKey', key]]],
    ['CreateApp', 'Description', [['AppName', 'hostile_ali']]],
  ];
  for (const [action, field, rest] of fields) {
    for (const [what, text] of BAD_TEXT) {
      const enc = [...Buffer.from(text, 'latin1')]
                      .map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0'))
                      .join('');
      for (const method of ['GET', 'POST']) {
        add(`${method} ${action}: ${what} in ${field}`,
            aliRequest(ctx, aliPairs(ctx, action, [...rest, [field, enc]]), {method}));
      }
    }
    for (const e of BAD_ESCAPES) {
      add(`${action}: the escape ${e} in ${field}`,
          aliRequest(ctx, aliPairs(ctx, action, [...rest, [field, e]]), {method: 'POST'}));
    }
    add(`${action}: ${field} twice`,
        aliRequest(ctx, aliPairs(ctx, action, [...rest, [field, 'one_a'], [field, 'two_b']])));
  }
  for (const n of BAD_NUMBERS) {
    const v = percentEncode(n);
    add(`DescribeApps PageSize=${n}`,
        aliRequest(ctx, aliPairs(ctx, 'DescribeApps', [['PageSize', v]])));
    add(`DescribeApps PageNumber=${n}`,
        aliRequest(ctx, aliPairs(ctx, 'DescribeApps', [['PageNumber', v]])));
    add(`ModifyApp AppId=${n}`,
        aliRequest(ctx, aliPairs(ctx, 'ModifyApp', [['AppId', v], ['Description', 'd']])));
    add(`CreateApp Tag.${n}.Key`,
        aliRequest(ctx, aliPairs(ctx, 'CreateApp', [
                     ['AppName', 'hostile_tag'], [`Tag.${v}.Key`, 'k'], [`Tag.${v}.Value`, 'v']
                   ])));
  }
  const tags = [];
  for (let i = 1; i <= 21; i++) {
    tags.push([`Tag.${i}.Key`, `k${i}`], [`Tag.${i}.Value`, 'v']);
  }
  add('CreateApp with 21 tags',
      aliRequest(
          ctx, aliPairs(ctx, 'CreateApp', [['AppName', 'hostile_tags'], ...tags]),
          {method: 'POST'}));
  add('CreateApp Tag.1 twice',
      aliRequest(ctx, aliPairs(ctx, 'CreateApp', [
                   ['AppName', 'hostile_t2'], ['Tag.1.Key', 'a'], ['Tag.1.Key', 'b']
                 ])));
  add('CreateApp Tag.1.Value without its key',
      aliRequest(
          ctx, aliPairs(ctx, 'CreateApp', [['AppName', 'hostile_t3'], ['Tag.1.Value', 'a']])));
  add('Action twice', aliRequest(ctx, [
        ...aliPairs(ctx, 'CreateApp', [['AppName', 'hostile_a2']]), ['Action', 'DescribeApps']
      ]));
  add('Signature twice', (() => {
        const r = aliRequest(ctx, aliPairs(ctx, 'DescribeApps'));
        r.target += '&Signature=AAAA';
        return r;
      })());
  add('signed as GET, sent as POST',
      aliRequest(
          ctx, aliPairs(ctx, 'CreateApp', [['AppName', 'hostile_m']]),
          {method: 'POST', signAs: 'GET'}));
  add('signed as POST, sent as GET',
      aliRequest(ctx, aliPairs(ctx, 'DescribeApps'), {method: 'GET', signAs: 'POST'}));
  add('signed with another secret',
      aliRequest(ctx, aliPairs(ctx, 'CreateApp', [['AppName', 'hostile_s']]), {secret: 'nope'}));
  add('a timestamp an hour ahead',
      aliRequest(ctx, aliPairs(ctx, 'DescribeApps', [], {time: new Date(Date.now() + 3600e3)})));
  add('a timestamp a day old',
      aliRequest(ctx, aliPairs(ctx, 'DescribeApps', [], {time: new Date(Date.now() - 86400e3)})));
  add('a timestamp that is no date',
      aliRequest(
          ctx,
          aliPairs(ctx, 'DescribeApps').map(([k, v]) => k === 'Timestamp' ? [k, 'yesterday'] : [
            k, v
          ])));
  add('a replayed nonce', aliRequest(ctx, aliPairs(ctx, 'DescribeApps')), {twice: true});
  add('an empty nonce',
      aliRequest(
          ctx,
          aliPairs(ctx, 'DescribeApps').map(([k,
                                              v]) => k === 'SignatureNonce' ? [k, ''] : [k, v])));
  add('SignatureMethod HMAC-MD5',
      aliRequest(
          ctx,
          aliPairs(ctx, 'DescribeApps')
              .map(([k, v]) => k === 'SignatureMethod' ? [k, 'HMAC-MD5'] : [k, v])));
  add('an unknown action', aliRequest(ctx, aliPairs(ctx, 'DropEverything')));
  add('CreateAppCode beyond the limit',
      aliRequest(ctx, aliPairs(ctx, 'CreateAppCode', [
                   ['AppId', String(ctx.full.app_id)], ['AppCode', 'R'.repeat(40)]
                 ])));
  add('an unknown version',
      aliRequest(
          ctx, aliPairs(ctx, 'DescribeApps').map(([k, v]) => k === 'Version' ? [k, '2099-01-01'] : [
            k, v
          ])));
  add('an unknown access key',
      aliRequest(
          ctx,
          aliPairs(ctx, 'DescribeApps')
              .map(([k, v]) => k === 'AccessKeyId' ? [k, 'TGnobody0000000000000000'] : [k, v])));
  add('POST with a JSON body',
      req('POST', '/', [['Content-Type', 'application/json'], ['x-acs-action', 'CreateApp']],
          '{"AppName":"x"}'));
  add('a form body cut short', (() => {
        const r = aliRequest(
            ctx, aliPairs(ctx, 'CreateApp', [['AppName', 'hostile_cut']]), {method: 'POST'});
        r.body = r.body.slice(0, r.body.length - 7);
        return r;
      })());
  add('x-acs-action against Action',
      aliRequest(ctx, aliPairs(ctx, 'DescribeApps'), {headers: [['x-acs-action', 'CreateApp']]}));
  add('an ACS3 Authorization of garbage',
      req('POST', '/',
          [
            ['Authorization', 'ACS3-HMAC-SHA256 Credential=x,SignedHeaders=host,Signature=00'],
            ['x-acs-action', 'CreateApp'], ['x-acs-version', ALI_VERSION]
          ],
          ''));
  add('an ACS3 Authorization for another body', (() => {
        const headers = [
          [
            'Authorization',
            `ACS3-HMAC-SHA256 Credential=${
                ctx.adminId},SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=${
                           '0'.repeat(64)}`
          ],
          ['x-acs-action', 'DescribeApps'], ['x-acs-version', ALI_VERSION],
          ['x-acs-date', isoSeconds(new Date())], ['x-acs-signature-nonce', randomUUID()],
          ['x-acs-content-sha256', sha256('other')]
        ];
        return req('POST', '/', headers, '');
      })());
  return cases;
}

// ---- Huawei (SDK-HMAC-SHA256) ----------------------------------------------

// Signs with Huawei's own signer.  A raw body (any bytes) is signed
// through X-Sdk-Content-Sha256, its hash, which the signer takes as given
// and the server checks against the body; signedBody signs other bytes
// than those sent.
function huaweiRequest(ctx, method, path, opts = {}) {
  const {
    query = {},
    body,
    signedBody = body,
    sendPath = path,
    sendMethod = method,
    mutate,
    sk = ctx.adminSecret
  } = opts;
  const base = `http://127.0.0.1:${ctx.port}`;
  const headers = signedBody === undefined ? {} : {'X-Sdk-Content-Sha256': sha256(signedBody)};
  const s = huaweiSign(base, method, path, {ak: ctx.adminId, sk, query, headers});
  const sent = Object.entries(s.headers).filter(([k]) => k.toLowerCase() !== 'content-length');
  const qs = new URLSearchParams(query).toString();
  const r = req(sendMethod, sendPath + (qs ? `?${qs}` : ''), sent, body);
  return mutate ? mutate(r) : r;
}

function huawei(ctx) {
  const cases = [];
  const add = (name, request, extra = {}) =>
      cases.push({dialect: 'huawei', name, request, ...extra});
  const v2 = `/v2/${ctx.project}/apigw/instances/default`;
  const v1 = `/v1/${ctx.project}/apigw/instances/default`;
  const post = (path, body, more = {}) => huaweiRequest(ctx, 'POST', path, {body, ...more});
  const setHeader = (name, value) => (r) =>
      ({...r, headers: r.headers.map(([k, v]) => k.toLowerCase() === name ? [k, value] : [k, v])});
  for (const base of [v2, v1]) {
    const apps = `${base}/apps`;
    for (const [what, text] of BAD_JSON_TEXT) {
      add(`${base} create: ${what} in name`, post(apps, `{"name":"${text}"}`));
      add(`${base} create: ${what} in remark`,
          post(apps, `{"name":"hostile_hw","remark":"${text}"}`));
      add(`${base} reset: ${what} in app_secret`,
          huaweiRequest(
              ctx, 'PUT', `${apps}/secret/${ctx.app.id}`, {body: `{"app_secret":"${text}"}`}));
    }
    // Huawei's own clamp a page below 1 (docs/dialects/huawei.md).
    for (const n of BAD_NUMBERS.filter((v) => v !== '0' && v !== '-1')) {
      add(`${base} list limit=${n}`,
          huaweiRequest(ctx, 'GET', apps, {query: {limit: n, page_size: n}}));
      add(`${base} create name ${n}`, post(apps, `{"name":${n}}`));
    }
    for (const e of BAD_ESCAPES) {
      add(`${base} an escape ${e} in the app id`, huaweiRequest(ctx, 'GET', `${apps}/${e}`));
    }
    add(`${base} deep JSON`, post(apps, nest(5000)));
    add(`${base} deep objects`, post(apps, nestObj(3000)));
    add(`${base} a truncated body`, post(apps, '{"name":"hostile_hw"'));
    add(`${base} name twice`, post(apps, '{"name":"hostile_a","name":"hostile_b"}'));
    add(`${base} a body other than signed`,
        post(apps, '{"name":"hostile_other"}', {signedBody: '{"name":"hostile_hw"}'}));
    add(`${base} signed for another path`,
        huaweiRequest(ctx, 'GET', apps, {sendPath: `${apps}/${ctx.app.id}`}));
    add(`${base} signed for GET, sent as DELETE`,
        huaweiRequest(ctx, 'GET', `${apps}/${ctx.app.id}`, {sendMethod: 'DELETE'}));
    add(`${base} signed with another secret`,
        post(apps, '{"name":"hostile_sk"}', {sk: 'not-the-secret'}));
    add(`${base} text/plain`,
        post(apps, '{"name":"hostile_tp"}', {mutate: setHeader('content-type', 'text/plain')}));
    add(`${base} a replay`, huaweiRequest(ctx, 'GET', apps, {query: {limit: '1'}}), {twice: true});
    for (const [what, shift] of [['an hour ahead', 3600e3], ['a day old', -86400e3]]) {
      const date =
          new Date(Date.now() + shift).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
      add(`${base} X-Sdk-Date ${what}`,
          huaweiRequest(ctx, 'GET', apps, {mutate: setHeader('x-sdk-date', date)}));
    }
    add(`${base} an Authorization of garbage`,
        req('GET', apps,
            [['Authorization', 'SDK-HMAC-SHA256 \xff\xfe'], ['X-Sdk-Date', '20260101T000000Z']]));
    add(`${base} no signature`, req('GET', apps, []));
    add(`${base} an AppCode with invalid UTF-8`,
        post(
            `${apps}/${ctx.app.id}/app-codes`,
            '{"app_code":"\xff\xfe' +
                'a'.repeat(40) + '"}'));
    add(`${base} an AppCode beyond the limit`,
        post(`${apps}/${ctx.full.id}/app-codes`, `{"app_code":"${'S'.repeat(64)}"}`));
    add(`${base} 1000 AppCodes in one body`,
        post(
            `${apps}/${ctx.app.id}/app-codes`,
            JSON.stringify({app_code: [...Array(1000).keys()].map((i) => `c${i}`.repeat(20))})));
  }
  return cases;
}

// ---- Tencent (TC3-HMAC-SHA256) ---------------------------------------------

// TC3-HMAC-SHA256 (reference B.4) over the payload's bytes (latin1), so
// that a body of any bytes is signed as sent.  The action is signed too:
// Tencent takes the signature for a nonce, and the same body sent to two
// actions in one second would otherwise be a replay.
function tc3(ctx, {secret, timestamp, host, contentType, payload, action}) {
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const canonical = [
    'POST', '/', '',
    `content-type:${contentType}\nhost:${host}\nx-tc-action:${action.toLowerCase()}\n`,
    'content-type;host;x-tc-action', sha256(payload)
  ].join('\n');
  const scope = `${date}/apigateway/tc3_request`;
  const sts = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256(canonical)].join('\n');
  const hmac = (key, v) => createHmac('sha256', key).update(v).digest();
  const k = hmac(hmac(hmac('TC3' + secret, date), 'apigateway'), 'tc3_request');
  const signature = createHmac('sha256', k).update(sts).digest('hex');
  return `TC3-HMAC-SHA256 Credential=${ctx.adminId}/${scope}, ` +
      'SignedHeaders=content-type;host;x-tc-action, ' +
      `Signature=${signature}`;
}

function tencentRequest(ctx, action, payload, opts = {}) {
  const {
    contentType = 'application/json',
    secret = ctx.adminSecret,
    timestamp = Math.floor(Date.now() / 1000),
    signedPayload = payload,
    headers = [],
    version = TC_VERSION
  } = opts;
  const host = `127.0.0.1:${ctx.port}`;
  const authorization =
      tc3(ctx, {secret, timestamp, host, contentType, payload: signedPayload, action});
  return req(
      'POST', '/',
      [
        ['Host', host], ['Content-Type', contentType], ['X-TC-Action', action],
        ['X-TC-Timestamp', String(timestamp)], ['X-TC-Version', version],
        ['X-TC-Region', 'ap-guangzhou'], ['Authorization', authorization], ...headers
      ],
      payload);
}

function tencent(ctx) {
  const cases = [];
  const add = (name, request, extra = {}) =>
      cases.push({dialect: 'tencent', name, request, ...extra});
  const fields = [
    ['CreateApiApp', 'ApiAppName', {}],
    ['CreateApiApp', 'ApiAppDesc', {ApiAppName: 'hostile_tc'}],
    ['ModifyApiApp', 'ApiAppName', {ApiAppId: ctx.app.id}],
    ['DeleteApiApp', 'ApiAppId', {}],
    ['DescribeApiApp', 'ApiAppId', {}],
  ];
  for (const [action, field, rest] of fields) {
    const base = JSON.stringify(rest).slice(1, -1);
    const body = (v) => `{${base}${base ? ',' : ''}"${field}":${v}}`;
    for (const [what, text] of BAD_JSON_TEXT) {
      add(`${action}: ${what} in ${field}`, tencentRequest(ctx, action, body(`"${text}"`)));
    }
    for (const n of BAD_NUMBERS.filter((v) => v !== 'null' && v !== '"12"')) {
      add(`${action}: ${n} in ${field}`, tencentRequest(ctx, action, body(n)));
    }
    add(`${action}: ${field} twice`,
        tencentRequest(ctx, action, `{"${field}":"a_one","${field}":"b_two"}`));
    add(`${action}: deep JSON`, tencentRequest(ctx, action, nest(5000)));
    add(`${action}: a truncated body`, tencentRequest(ctx, action, body('"abcdef"').slice(0, -3)));
    add(`${action}: a body other than signed`,
        tencentRequest(ctx, action, body('"hostile_x"'), {signedPayload: '{}'}));
  }
  for (const n of BAD_NUMBERS.filter((v) => v !== 'null' && v !== '0')) {
    add(`DescribeApiAppsStatus Limit ${n}`,
        tencentRequest(ctx, 'DescribeApiAppsStatus', `{"Limit":${n}}`));
    add(`DescribeApiAppsStatus Offset ${n}`,
        tencentRequest(ctx, 'DescribeApiAppsStatus', `{"Offset":${n}}`));
  }
  const filters = [...Array(60).keys()].map((i) => ({Name: 'ApiAppId', Values: [`id${i}`]}));
  add('60 filters',
      tencentRequest(ctx, 'DescribeApiAppsStatus', JSON.stringify({Filters: filters})));
  add('a filter with 1000 values', tencentRequest(ctx, 'DescribeApiAppsStatus', JSON.stringify({
        Filters: [{Name: 'ApiAppId', Values: [...Array(1000).keys()].map(String)}]
      })));
  add('a form body', tencentRequest(ctx, 'CreateApiApp', 'ApiAppName=hostile_f', {
        contentType: 'application/x-www-form-urlencoded'
      }));
  add('signed with another secret',
      tencentRequest(ctx, 'CreateApiApp', '{"ApiAppName":"hostile_s"}', {secret: 'nope'}));
  add('a timestamp an hour ahead',
      tencentRequest(
          ctx, 'DescribeApiAppsStatus', '{}', {timestamp: Math.floor(Date.now() / 1000) + 3600}));
  add('a timestamp a day old',
      tencentRequest(
          ctx, 'DescribeApiAppsStatus', '{}', {timestamp: Math.floor(Date.now() / 1000) - 86400}));
  add('a replay', tencentRequest(ctx, 'DescribeApiAppsStatus', '{}'), {twice: true});
  add('an unknown action', tencentRequest(ctx, 'DropEverything', '{}'));
  add('an unknown version',
      tencentRequest(ctx, 'DescribeApiAppsStatus', '{}', {version: '2099-01-01'}));
  add('X-TC-Action twice',
      tencentRequest(
          ctx, 'DescribeApiAppsStatus', '{}', {headers: [['X-TC-Action', 'CreateApiApp']]}));
  add('a TC3 Authorization of garbage',
      req('POST', '/',
          [
            ['X-TC-Action', 'CreateApiApp'], ['Authorization', 'TC3-HMAC-SHA256 \xff'],
            ['Content-Type', 'application/json']
          ],
          '{}'));
  add('an X-TC-Timestamp that is no number',
      tencentRequest(ctx, 'DescribeApiAppsStatus', '{}', {headers: [['X-TC-Timestamp', '12abc']]}));
  return cases;
}

// ---- Authing ---------------------------------------------------------------

function authingRequest(ctx, method, path, params, {
  secret = ctx.adminSecret,
  date = new Date(),
  body,
  nonce = authingSign.makeNonce(),
  sendPath = path,
  sendMethod = method,
  extraHeaders = []
} = {}) {
  const headers = {
    'content-type': 'application/json',
    'x-authing-signature-nonce': nonce,
    'x-authing-signature-method': 'HMAC-SHA1',
    'x-authing-signature-version': '1.0',
    'x-authing-sdk-version': 'authing-node-sdk:4.0.1',
    'x-authing-lang': 'zh-CN',
    date: date.toUTCString(),
  };
  const sts = authingSign.buildStringToSign(method, path, headers, params);
  const mac = createHmac('sha1', secret).update(sts, 'utf8').digest('base64');
  headers.authorization = `authing ${ctx.adminId}:${mac}`;
  let target = sendPath;
  let payload;
  if (method === 'GET') {
    const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
    target += q.size ? `?${q}` : '';
  } else {
    payload = body ?? JSON.stringify(params);
  }
  return req(sendMethod, target, [...Object.entries(headers), ...extraHeaders], payload);
}

function authing(ctx) {
  const cases = [];
  const add = (name, request, extra = {}) =>
      cases.push({dialect: 'authing', name, request, ...extra});
  const refresh = '/api/v3/refresh-application-secret';
  const get = '/api/v3/get-application';
  for (const [what, text] of BAD_JSON_TEXT) {
    add(`refresh: ${what} in appId`,
        authingRequest(ctx, 'POST', refresh, {appId: 'x'}, {body: `{"appId":"${text}"}`}));
    add(`token: ${what} in accessKeyId`,
        req('POST', '/api/v3/get-management-token', [['Content-Type', 'application/json']],
            `{"accessKeyId":"${text}","accessKeySecret":"x"}`));
  }
  for (const n of BAD_NUMBERS) {
    add(`refresh: appId ${n}`,
        authingRequest(ctx, 'POST', refresh, {appId: 'x'}, {body: `{"appId":${n}}`}));
    add(`list: page=${n}`,
        authingRequest(ctx, 'GET', '/api/v3/list-applications', {page: n, limit: 10}));
    add(`list: limit=${n}`,
        authingRequest(ctx, 'GET', '/api/v3/list-applications', {page: 1, limit: n}));
  }
  for (const e of BAD_ESCAPES) {
    add(`get: the escape ${e} in appId`, (() => {
          const r = authingRequest(ctx, 'GET', get, {appId: 'placeholder'});
          r.target = `${get}?appId=${e}`;
          return r;
        })());
  }
  add('refresh: deep JSON', authingRequest(ctx, 'POST', refresh, {appId: 'x'}, {body: nest(5000)}));
  add('refresh: a truncated body',
      authingRequest(ctx, 'POST', refresh, {appId: ctx.app.id}, {body: `{"appId":"${ctx.app.id}`}));
  add('refresh: a body other than signed',
      authingRequest(
          ctx, 'POST', refresh, {appId: 'other'}, {body: JSON.stringify({appId: ctx.app.id})}));
  add('refresh: appId twice',
      authingRequest(
          ctx, 'POST', refresh, {appId: 'x'}, {body: `{"appId":"x","appId":"${ctx.app.id}"}`}));
  add('refresh: signed for another path',
      authingRequest(
          ctx, 'POST', '/api/v3/get-application', {appId: ctx.app.id}, {sendPath: refresh}));
  add('get: signed for POST, sent as GET',
      authingRequest(ctx, 'POST', get, {appId: ctx.app.id}, {sendMethod: 'GET'}));
  add('refresh: signed with another secret',
      authingRequest(ctx, 'POST', refresh, {appId: ctx.app.id}, {secret: 'nope'}));
  add('refresh: a Date an hour ahead',
      authingRequest(
          ctx, 'POST', refresh, {appId: ctx.app.id}, {date: new Date(Date.now() + 3600e3)}));
  add('refresh: a Date a day old',
      authingRequest(
          ctx, 'POST', refresh, {appId: ctx.app.id}, {date: new Date(Date.now() - 86400e3)}));
  add('get: a replayed nonce', authingRequest(ctx, 'GET', get, {appId: ctx.app.id}), {twice: true});
  add('refresh: two Authorization headers',
      authingRequest(
          ctx, 'POST', refresh, {appId: ctx.app.id},
          {extraHeaders: [['authorization', 'authing x:y']]}));
  add('refresh: a Bearer token of garbage',
      req('POST', refresh,
          [['Authorization', 'Bearer \xff\xfe'], ['Content-Type', 'application/json']],
          `{"appId":"${ctx.app.id}"}`));
  add('refresh: a Bearer token that is a JWT of none',
      req('POST', refresh,
          [
            ['Authorization', 'Bearer eyJhbGciOiJub25lIn0.e30.'],
            ['x-authing-userpool-id', ctx.project], ['Content-Type', 'application/json']
          ],
          `{"appId":"${ctx.app.id}"}`));
  for (const [what, text] of BAD_TEXT) {
    const enc =
        [...Buffer.from(text, 'latin1')].map((b) => '%' + b.toString(16).padStart(2, '0')).join('');
    add(`get: ${what} in appId`, (() => {
          const r = authingRequest(ctx, 'GET', get, {appId: 'placeholder'});
          r.target = `${get}?appId=${enc}`;
          return r;
        })());
    add(`list: ${what} in page`,
        authingRequest(ctx, 'GET', '/api/v3/list-applications', {page: text, limit: 10}));
  }
  add('token: deep JSON',
      req('POST', '/api/v3/get-management-token', [['Content-Type', 'application/json']],
          nest(5000)));
  add('token: the admin id with a wrong secret',
      req('POST', '/api/v3/get-management-token', [['Content-Type', 'application/json']],
          JSON.stringify({accessKeyId: ctx.adminId, accessKeySecret: 'wrong'})));
  add('an unknown route', authingRequest(ctx, 'POST', '/api/v3/drop-everything', {}));
  return cases;
}

// ---- raw bytes: NUL and framing, to any dialect -----------------------------

function rawBytes(ctx) {
  const cases = [];
  const add = (dialect, name, text, layer = 'http') =>
      cases.push({dialect, name, raw: Buffer.from(text, 'latin1'), layer});
  const auth = `Authorization: ${ctx.basic}\r\n`;
  const paths = {
    native: '/v1/apps',
    huawei: `/v2/${ctx.project}/apigw/instances/default/apps`,
    authing: '/api/v3/list-applications',
    alibaba: '/?Action=DescribeApps',
    tencent: '/',
  };
  for (const [dialect, path] of Object.entries(paths)) {
    const extra = dialect === 'tencent' ? 'X-TC-Action: DescribeApiAppsStatus\r\n' : '';
    const line = (target, version = 'HTTP/1.1') =>
        `GET ${target} ${version}\r\nHost: x\r\n${auth}${extra}`;
    add(dialect, 'a raw NUL in the path', `${line(path + '\0x')}\r\n`);
    add(dialect, 'a raw NUL ending the target', `${line(path + '\0')}\r\n`);
    add(dialect, 'a raw NUL and a fake version in the target', `${line(path + '\0HTTP/1.1')}\r\n`);
    add(dialect, 'a raw NUL in a header value', `${line(path)}X-Note: a\0b\r\n\r\n`);
    add(dialect, 'a raw NUL in the last header', `${line(path)}X-Note: ab\0\0\0\0cd\r\n\r\n`);
    add(dialect, 'a raw NUL in Authorization',
        `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}Authorization: ${ctx.basic}\0junk\r\n\r\n`);
    add(dialect, 'a raw NUL in the method',
        `G\0ET ${path} HTTP/1.1\r\nHost: x\r\n${auth}${extra}\r\n`);
    // libmicrohttpd knows no such version and refuses it itself.
    add(dialect, 'a raw NUL in the version', `${line(path, 'HTTP/1.1\0')}\r\n`, 'mhd');
    add(dialect, 'a raw NUL in Content-Type',
        `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth}${
            extra}Content-Type: application/json\0x\r\nContent-Length: 2\r\n\r\n{}`);
    add(dialect, 'a folded header', `${line(path)}X-Note: a\r\n folded\r\n\r\n`);
    add(dialect, 'two Authorization headers', `${line(path)}Authorization: Basic eDp5\r\n\r\n`);
    add(dialect, 'an escaped slash in the path',
        `${line(path.replace(/\/([^/]*)$/, '%2F$1'))}\r\n`);
    add(dialect, 'a % that begins no escape',
        `${line(path + (path.includes('?') ? '&' : '?') + 'a=%zz')}\r\n`);
    add(dialect, 'a head of 40 KiB', `${line(path)}X-Big: ${'b'.repeat(40 * 1024)}\r\n\r\n`);
    add(dialect, '101 headers',
        `${line(path)}${[...Array(101).keys()].map((i) => `X-H${i}: v\r\n`).join('')}\r\n`);
    add(dialect, 'two Content-Length headers',
        `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth}${
            extra}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x`);
    add(dialect, 'Content-Length with Transfer-Encoding',
        `POST ${path} HTTP/1.1\r\nHost: x\r\n${auth}${
            extra}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
  }
  return cases;
}

// ---- the gateway -------------------------------------------------------------

function gateway(ctx) {
  const cases = [];
  const add = (name, request) => cases.push({dialect: 'gateway', name, request});
  const {app_key: key, app_secret: secret, code} = ctx.app;
  // A GET of /ok.txt signed in Alibaba's X-Ca scheme (reference/alibaba.md 4.2).
  const xca = ({
    path = '/ok.txt',
    signPath = path,
    method = 'GET',
    signMethod = method,
    ts = Date.now(),
    nonce = randomUUID(),
    extra = [],
    sk = secret,
    keyValue = key
  } = {}) => {
    const h = [['x-ca-key', keyValue], ['x-ca-nonce', nonce], ['x-ca-timestamp', String(ts)]];
    const sts = [
      signMethod, 'application/json', '', '', '', ...h.map(([n, v]) => `${n}:${v}`), signPath
    ].join('\n');
    const sig = createHmac('sha256', sk).update(Buffer.from(sts, 'latin1')).digest('base64');
    return req(method, path, [
      ['Accept', 'application/json'], ...h,
      ['x-ca-signature-headers', 'x-ca-key,x-ca-nonce,x-ca-timestamp'], ['x-ca-signature', sig],
      ...extra
    ]);
  };
  add('X-Ca signed for another path', xca({signPath: '/other.txt'}));
  add('X-Ca signed for POST, sent as GET', xca({signMethod: 'POST'}));
  add('X-Ca a timestamp an hour ahead', xca({ts: Date.now() + 3600e3}));
  add('X-Ca a timestamp a day old', xca({ts: Date.now() - 86400e3}));
  add('X-Ca a timestamp that is no number', xca({ts: '12ab'}));
  add('X-Ca a negative timestamp', xca({ts: -1}));
  add('X-Ca a huge timestamp', xca({ts: '99999999999999999999999'}));
  add('X-Ca another secret', xca({sk: 'not-the-secret'}));
  add('X-Ca an unknown key', xca({keyValue: 'NoSuchAppKey00000000'}));
  add('X-Ca a key of invalid UTF-8', xca({keyValue: '\xff\xfe\xfd'}));
  add('X-Ca an empty nonce', xca({nonce: ''}));
  add('X-Ca a 4 KiB nonce', xca({nonce: 'n'.repeat(4096)}));
  add('X-Ca two x-ca-key headers', xca({extra: [['x-ca-key', 'other']]}));
  add('X-Ca two signatures', xca({extra: [['x-ca-signature', 'AAAA']]}));
  add('X-Ca signed headers listing a missing one', (() => {
        const r = xca();
        r.headers = r.headers.map(
            ([k, v]) => k === 'x-ca-signature-headers' ? [k, `${v},x-ca-missing`] : [k, v]);
        return r;
      })());
  add('X-Ca a 64 KiB header', xca({extra: [['x-big', 'b'.repeat(64 * 1024)]]}));
  add('X-Ca a 100 KiB URL', xca({path: `/ok.txt?${'q'.repeat(100 * 1024)}`}));
  for (const e of BAD_ESCAPES) {
    // Signed without the query it carries.
    add(`X-Ca an escape ${e} in an unsigned query`,
        xca({path: `/ok.txt?a=${e}`, signPath: '/ok.txt'}));
  }
  const replay = xca();
  cases.push({dialect: 'gateway', name: 'X-Ca a replayed nonce', request: replay, twice: true});
  for (const [what, value] of [
           ['empty', ''],
           ['short', 'abc'],
           ['invalid UTF-8', '\xff'.repeat(40)],
           ['4 KiB', 'c'.repeat(4096)],
           ['another app\'s', 'A'.repeat(40)],
           ['with a space', `${code} x`],
  ]) {
    add(`AppCode ${what} in Authorization`,
        req('GET', '/ok.txt', [['Authorization', `APPCODE ${value}`]]));
    add(`AppCode ${what} in X-Apig-AppCode`, req('GET', '/ok.txt', [['X-Apig-AppCode', value]]));
  }
  add('AppCode twice, differing',
      req('GET', '/ok.txt',
          [['Authorization', `APPCODE ${code}`], ['Authorization', 'APPCODE other']]));
  add('AppCode and a signature at once', xca({extra: [['Authorization', `APPCODE ${code}`]]}));
  add('SDK-HMAC-SHA256 of garbage', req('GET', '/ok.txt', [
        ['Authorization', 'SDK-HMAC-SHA256 Access=x, SignedHeaders=host, Signature=zz'],
        ['X-Sdk-Date', '20260101T000000Z']
      ]));
  add('SDK-HMAC-SHA256 without a date',
      req('GET', '/ok.txt', [[
            'Authorization',
            `SDK-HMAC-SHA256 Access=${key}, SignedHeaders=host, Signature=${'0'.repeat(64)}`
          ]]));
  add('Tencent hmac of garbage', req('GET', '/ok.txt', [
        [
          'Authorization',
          'hmac id="x", algorithm="hmac-sha1", headers="date source", signature="\xff"'
        ],
        ['Date', new Date().toUTCString()], ['Source', 'x']
      ]));
  add('Tencent hmac a Date a day old', req('GET', '/ok.txt', [
        [
          'Authorization',
          `hmac id="${key}", algorithm="hmac-sha1", headers="date source", signature="AAAA"`
        ],
        ['Date', new Date(Date.now() - 86400e3).toUTCString()], ['Source', 'x']
      ]));
  add('no credentials', req('GET', '/ok.txt', []));
  for (const [what, text] of BAD_TEXT) {
    add(`X-Ca ${what} in the key`, xca({keyValue: text}));
    add(`X-Ca ${what} in the nonce`, xca({nonce: text, sk: 'not-the-secret'}));
    add(`X-Ca ${what} in the signature`, (() => {
          const r = xca();
          r.headers = r.headers.map(([k, v]) => k === 'x-ca-signature' ? [k, text] : [k, v]);
          return r;
        })());
    add(`AppCode ${what}`, req('GET', '/ok.txt', [['Authorization', `APPCODE ${text}`]]));
  }
  for (const n of BAD_NUMBERS) {
    add(`X-Ca timestamp ${n}`, xca({ts: n}));
  }
  const raw = (name, text) =>
      cases.push({dialect: 'gateway', name, raw: Buffer.from(text, 'latin1')});
  raw('a raw NUL in the path',
      `GET /ok\0.txt HTTP/1.1\r\nHost: x\r\nAuthorization: APPCODE ${code}\r\n\r\n`);
  raw('a raw NUL in the AppCode',
      `GET /ok.txt HTTP/1.1\r\nHost: x\r\nAuthorization: APPCODE ${code}\0x\r\n\r\n`);
  raw('a raw NUL in a header name',
      `GET /ok.txt HTTP/1.1\r\nHost: x\r\nX-A\0: 1\r\nAuthorization: APPCODE ${code}\r\n\r\n`);
  raw('two Content-Length headers',
      `POST /ok.txt HTTP/1.1\r\nHost: x\r\nAuthorization: APPCODE ${
          code}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`);
  raw('Content-Length with Transfer-Encoding',
      `POST /ok.txt HTTP/1.1\r\nHost: x\r\nAuthorization: APPCODE ${
          code}\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
  raw('a folded Authorization',
      `GET /ok.txt HTTP/1.1\r\nHost: x\r\nAuthorization: APPCODE\r\n ${code}\r\n\r\n`);
  raw('an escaped NUL in the path',
      `GET /ok%00.txt HTTP/1.1\r\nHost: x\r\nAuthorization: APPCODE ${code}\r\n\r\n`);
  return cases;
}

export function corpus(ctx) {
  return [
    ...native(ctx),
    ...alibaba(ctx),
    ...huawei(ctx),
    ...tencent(ctx),
    ...authing(ctx),
    ...rawBytes(ctx),
    ...gateway(ctx),
  ];
}

// The bytes of a request: Content-Length from the body unless the
// headers give one.
export function serialize({method, target, headers, body}) {
  const lines = [`${method} ${target} HTTP/1.1`];
  const names = headers.map(([k]) => k.toLowerCase());
  if (!names.includes('host')) {
    lines.push('Host: 127.0.0.1');
  }
  for (const [k, v] of headers) {
    lines.push(`${k}: ${v}`);
  }
  const payload = body === undefined ? Buffer.alloc(0) :
      Buffer.isBuffer(body)          ? body :
                                       Buffer.from(body, 'latin1');
  if (body !== undefined && !names.includes('content-length') &&
      !names.includes('transfer-encoding')) {
    lines.push(`Content-Length: ${payload.length}`);
  }
  lines.push('Connection: close', '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), payload]);
}
