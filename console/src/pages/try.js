// Try a call: signs a gateway call with an app's primary key pair as
// `tollgate sign` does, and shows the string to sign, the headers and a
// curl line.  The secret is revealed (an audited read) for the signing,
// kept in this function's memory only, and dropped after.

import {api, enc, query} from '../api.js';
import {h, replace} from '../dom.js';
import {copyButton, field, showError} from '../ui.js';
import {curlLine, signCall} from '../sign.js';

// An app's id from its id or name.
async function appId(ref) {
  if (/^[0-9a-f]{32}$/.test(ref)) {
    return ref;
  }
  const found = await api('GET', `/v1/apps${query({name: ref, limit: 1})}`);
  if (found.items.length === 0) {
    throw new Error(`no app is named ${ref}`);
  }
  return found.items[0].id;
}

export async function tryPage(main) {
  const apps = await api('GET', '/v1/apps?limit=100');
  const app = h('input', {name: 'app', list: 'try-apps', spellcheck: 'false',
                          value: apps.items.length > 0 ? apps.items[0].name : '',
                          placeholder: 'an app\'s name or id', 'data-test': 'try-app'});
  const names = h('datalist', {id: 'try-apps'}, apps.items.map((a) => h('option', {value: a.name})));
  const method = h('select', {name: 'method', 'data-test': 'try-method'},
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', {value: m}, m)));
  const gateway = h('input', {name: 'gateway', value: `${location.protocol}//${location.hostname}:8080`,
                              spellcheck: 'false', 'data-test': 'try-gateway'});
  const path = h('input', {name: 'path', value: '/hello?name=world', spellcheck: 'false',
                           'data-test': 'try-path'});
  const stage = h('input', {name: 'stage', value: 'RELEASE', spellcheck: 'false'});
  const body = h('textarea', {name: 'body', rows: 4, placeholder: '{"json": "body"}',
                              'data-test': 'try-body'});
  const out = h('div');

  const form = h('form', {class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    let secret = null;
    try {
      const url = new URL(path.value, gateway.value).toString();
      secret = await api('GET', `/v1/apps/${enc(await appId(app.value.trim()))}/secret`);
      const m = method.value;
      const b = m === 'GET' || m === 'DELETE' ? '' : body.value;
      const signed = await signCall({method: m, url, body: b, stage: stage.value,
                                     appKey: secret.app_key, appSecret: secret.app_secret});
      const curl = curlLine(m, url, signed.headers, b);
      replace(out,
        h('h2', null, 'String to sign'),
        h('pre', {class: 'sts', 'data-test': 'try-sts'}, signed.sts.replace(/\n/g, '↵\n')),
        h('h2', null, 'Signed headers'),
        h('table', {'data-test': 'try-headers'}, h('tbody', null,
          [...signed.headers].map(([n, v]) => h('tr', null, h('th', null, n),
            h('td', {class: 'mono'}, v))))),
        h('h2', null, 'curl'),
        h('pre', {class: 'curl', 'data-test': 'try-curl'}, curl), copyButton(curl));
    } catch (err) {
      showError(err, form);
    } finally {
      if (secret) {
        secret.app_secret = '';
        secret.key_pairs = [];
        secret.app_codes = [];
      }
    }
  }},
    h('p', {class: 'muted'}, 'Signs with the app\'s primary key pair the way Alibaba\'s X-Ca-* ' +
      'clients do. Reading the secret for this is recorded in the audit trail; the page ' +
      'keeps it only while it signs.'),
    field('App', app), names, field('Method', method), field('Gateway', gateway),
    field('Path and query', path), field('Stage', stage), field('Body', body),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary',
                                              'data-test': 'try-sign'}, 'Sign')));
  replace(main, h('h1', null, 'Try a call'),
    apps.items.length === 0 ? h('p', {class: 'muted'}, 'Create an app first.') : form, out);
}
