// One app: its fields and tags (editable), its key pairs and AppCodes
// (masked; reveal behind a confirmation, audited, hidden again after
// REVEAL_SECONDS), secret resets with a grace period, new credentials
// shown once, enable/disable, its grants, and delete with a typed
// confirmation.

import {api, enc, may, query} from '../api.js';
import {h, replace, when} from '../dom.js';
import {badge, confirmDialog, field, modal, notice, secretOnce, showError, tagsToText,
        textToTags, typedConfirm, copyButton} from '../ui.js';

const REVEAL_SECONDS = 30;

export const GRACE_PRESETS = [
  [0, 'None: the old secret stops at once'],
  [300, '5 minutes'],
  [3600, '1 hour'],
  [86400, '1 day'],
  [604800, '7 days'],
];

export async function appPage(main, ctx, id) {
  const base = `/v1/apps/${enc(id)}`;
  // The controls the key may use: the others are not shown.
  const can = (action) => may(ctx.session, action);
  const view = {app: null, keys: [], codes: [], grants: [], revealed: null, timer: null};
  const sections = {
    head: h('div'), details: h('section', {class: 'card'}), keys: h('section', {class: 'card'}),
    codes: h('section', {class: 'card'}), grants: h('section', {class: 'card'}),
  };
  replace(main, sections.head, sections.details, sections.keys, sections.codes, sections.grants);

  async function load() {
    const none = Promise.resolve({items: []});
    const [app, keys, codes, grants] = await Promise.all([
      api('GET', base), can('DescribeAppKeys') ? api('GET', `${base}/keys`) : none,
      can('DescribeAppCodes') ? api('GET', `${base}/codes`) : none,
      can('DescribeAuthorizedApis') ? api('GET', `${base}/grants`) : none]);
    Object.assign(view, {app, keys: keys.items, codes: codes.items, grants: grants.items});
    draw();
  }

  function hideRevealed() {
    clearTimeout(view.timer);
    view.revealed = null;
    view.timer = null;
  }

  function draw() {
    const a = view.app;
    replace(sections.head,
      h('div', {class: 'title-row'},
        h('h1', null, a.name, ' ', badge(a.status)),
        h('div', {class: 'actions'},
          can('ModifyApp') ? h('button', {type: 'button', 'data-test': 'toggle-status',
                                          onclick: toggleStatus},
            a.status === 'enabled' ? 'Disable' : 'Enable') : null,
          can('DescribeAppSecurity') ? h('button', {type: 'button', 'data-test': 'reveal',
                                                    onclick: reveal}, 'Reveal secrets') : null,
          can('DeleteApp') ? h('button', {type: 'button', class: 'danger', 'data-test': 'delete-app',
                                          onclick: remove}, 'Delete') : null)));
    drawDetails();
    drawKeys();
    drawCodes();
    drawGrants();
  }

  function drawDetails() {
    const a = view.app;
    const ro = !can('ModifyApp');  // shown, not editable
    const name = h('input', {name: 'name', value: a.name, spellcheck: 'false', readonly: ro});
    const description = h('input', {name: 'description', value: a.description, readonly: ro});
    const tags = h('textarea', {name: 'tags', rows: 3, value: tagsToText(a.tags),
                                'data-test': 'tags', readonly: ro});
    const form = h('form', {class: 'stack', onsubmit: async (e) => {
      e.preventDefault();
      try {
        view.app = await api('PATCH', base, {name: name.value.trim(),
                                             description: description.value,
                                             tags: textToTags(tags.value)});
        notice('Saved.');
        draw();
      } catch (err) {
        showError(err, form);
      }
    }},
      h('dl', {class: 'facts'},
        h('dt', null, 'Id'), h('dd', {class: 'mono'}, a.id),
        h('dt', null, 'AppId'), h('dd', {class: 'mono'}, a.app_id),
        h('dt', null, 'Account'), h('dd', {class: 'mono'}, a.account_id),
        h('dt', null, 'Created'), h('dd', null, when(a.created_at)),
        h('dt', null, 'Updated'), h('dd', null, when(a.updated_at))),
      field('Name', name), field('Description', description),
      field('Tags', tags, 'one key=value a line'),
      can('ModifyApp') ? h('div', {class: 'actions'},
        h('button', {type: 'submit', 'data-test': 'save-app'}, 'Save')) : null);
    replace(sections.details, h('h2', null, 'Details'), form);
  }

  function secretCell(masked, clear) {
    if (clear === undefined) {
      return h('td', {class: 'mono'}, masked);
    }
    return h('td', {class: 'mono revealed'}, h('span', {'data-test': 'revealed-secret'}, clear),
        ' ', copyButton(clear));
  }

  function drawKeys() {
    const shown = view.revealed ? new Map(view.revealed.key_pairs.map((k) => [k.id, k])) : null;
    replace(sections.keys,
      h('div', {class: 'title-row'}, h('h2', null, 'Key pairs'),
        can('CreateAppKey') ? h('button', {type: 'button', class: 'small', 'data-test': 'add-key',
                                           onclick: addKey}, 'Add key pair') : null),
      view.revealed ? h('p', {class: 'warning', 'data-test': 'reveal-timer'},
        `Secrets shown in clear; hidden again in ${REVEAL_SECONDS} s.`) : null,
      h('table', {'data-test': 'keys-table'},
        h('thead', null, h('tr', null, ['AppKey', 'AppSecret', 'Primary', 'Previous key until',
          'Updated', ''].map((t) => h('th', null, t)))),
        h('tbody', null, view.keys.map((k) => h('tr', null,
          h('td', {class: 'mono'}, k.app_key),
          secretCell(k.app_secret, shown ? shown.get(k.id)?.app_secret : undefined),
          h('td', null, k.primary ? 'yes' : can('ModifyAppKey') ? h('button', {type: 'button',
            class: 'small', onclick: () => makePrimary(k)}, 'Make primary') : 'no'),
          h('td', null, k.previous_expires_at ? `${k.previous_app_key} until ${when(k.previous_expires_at)}` : '—'),
          h('td', null, when(k.updated_at)),
          h('td', {class: 'row-actions'},
            can('ResetAppSecret') ? h('button', {type: 'button', class: 'small',
              'data-test': 'reset-secret', onclick: () => resetSecret(k)}, 'Reset secret') : null,
            can('DeleteAppKey') ? h('button', {type: 'button', class: 'small danger',
              disabled: view.keys.length < 2, 'data-test': 'delete-key',
              onclick: () => deleteKey(k)}, 'Delete') : null))))));
  }

  function drawCodes() {
    const shown = view.revealed ? view.revealed.app_codes : null;
    replace(sections.codes,
      h('div', {class: 'title-row'}, h('h2', null, 'AppCodes'),
        can('CreateAppCode') ? h('button', {type: 'button', class: 'small', 'data-test': 'add-code',
                                            onclick: addCode}, 'Add AppCode') : null),
      view.codes.length === 0 ? h('p', {class: 'muted'}, 'No AppCode.') :
      h('table', {'data-test': 'codes-table'},
        h('thead', null, h('tr', null, ['AppCode', 'Updated', ''].map((t) => h('th', null, t)))),
        h('tbody', null, view.codes.map((c) => h('tr', null,
          secretCell(c.app_code, shown ? revealedCode(c.app_code, shown) : undefined),
          h('td', null, when(c.updated_at)),
          h('td', {class: 'row-actions'},
            can('ResetAppCode') ? h('button', {type: 'button', class: 'small',
              'data-test': 'reset-code', onclick: () => resetCode(c)}, 'Reset') : null,
            can('DeleteAppCode') ? h('button', {type: 'button', class: 'small danger',
              'data-test': 'delete-code', onclick: () => deleteCode(c)}, 'Delete') : null))))));
  }

  function drawGrants() {
    if (!can('DescribeAuthorizedApis')) {
      replace(sections.grants);
      return;
    }
    replace(sections.grants,
      h('div', {class: 'title-row'}, h('h2', null, 'APIs this app may call'),
        can('SetAppsAuthorities') ? h('button', {type: 'button', class: 'small', 'data-test': 'grant',
          onclick: () => grantDialog(ctx, view.app).then((g) => g && load())},
          'Grant an API') : null),
      grantsTable(view.grants, 'api', !can('RemoveAppsAuthorities') ? null : async (g) => {
        if (await confirmDialog('Revoke', `Revoke ${view.app.name}'s access to ${g.api.name} on ${g.stage}?`,
                                'Revoke', {danger: true})) {
          await revoke(g);
          load();
        }
      }));
  }

  async function toggleStatus() {
    const next = view.app.status === 'enabled' ? 'disabled' : 'enabled';
    try {
      view.app = await api('PATCH', base, {status: next});
      notice(`The app is ${next}.`);
      draw();
    } catch (err) {
      showError(err);
    }
  }

  async function reveal() {
    if (!await confirmDialog('Reveal secrets',
        'Show this app\'s secrets and AppCodes in clear? The read is recorded in the audit ' +
        `trail under your key, and they are hidden again after ${REVEAL_SECONDS} seconds.`,
        'Reveal')) {
      return;
    }
    try {
      hideRevealed();
      view.revealed = await api('GET', `${base}/secret`);
      view.timer = setTimeout(() => {
        hideRevealed();
        draw();
      }, REVEAL_SECONDS * 1000);
      draw();
    } catch (err) {
      showError(err);
    }
  }

  async function resetSecret(k) {
    const grace = await modal('Reset secret', (done) => {
      const select = h('select', {name: 'grace_seconds', 'data-test': 'grace'},
        GRACE_PRESETS.map(([s, label]) => h('option', {value: String(s)}, label)));
      return h('form', {class: 'stack', onsubmit: (e) => {
        e.preventDefault();
        done(Number(select.value));
      }},
        h('p', null, `A new secret replaces the one of ${k.app_key}. Callers still signing with the old ` +
          'one are refused once its grace period ends.'),
        field('Keep the old secret valid for', select),
        h('div', {class: 'actions'},
          h('button', {type: 'button', onclick: () => done(undefined)}, 'Cancel'),
          h('button', {type: 'submit', class: 'danger', 'data-test': 'confirm'}, 'Reset secret')));
    });
    if (grace === undefined) {
      return;
    }
    try {
      const pair = await api('POST', `${base}/reset-secret`, {key: k.id, grace_seconds: grace});
      hideRevealed();
      await secretOnce('New secret', [['AppKey', pair.app_key], ['AppSecret', pair.app_secret]],
        'Copy the new secret now: this is the only time Tollgate shows it in clear. ' +
        (pair.previous_expires_at ? `The old one works until ${when(pair.previous_expires_at)}.`
                                  : 'The old one no longer works.'));
      await load();
    } catch (err) {
      showError(err);
    }
  }

  async function addKey() {
    try {
      const pair = await api('POST', `${base}/keys`, {});
      await secretOnce('New key pair', [['AppKey', pair.app_key], ['AppSecret', pair.app_secret]]);
      await load();
    } catch (err) {
      showError(err);
    }
  }

  async function makePrimary(k) {
    try {
      await api('PATCH', `${base}/keys/${enc(k.id)}`, {primary: true});
      await load();
    } catch (err) {
      showError(err);
    }
  }

  async function deleteKey(k) {
    if (await confirmDialog('Delete key pair', `Delete the pair ${k.app_key}? Callers using it are refused at once.`,
                            'Delete', {danger: true})) {
      try {
        await api('DELETE', `${base}/keys/${enc(k.id)}`);
        await load();
      } catch (err) {
        showError(err);
      }
    }
  }

  async function addCode() {
    try {
      const c = await api('POST', `${base}/codes`, {});
      await secretOnce('New AppCode', [['AppCode', c.app_code]]);
      await load();
    } catch (err) {
      showError(err);
    }
  }

  async function resetCode(c) {
    if (!await confirmDialog('Reset AppCode', 'Replace this AppCode? The old one stops working at once.',
                             'Reset', {danger: true})) {
      return;
    }
    try {
      const n = await api('POST', `${base}/codes/${enc(c.id)}/reset`, {});
      await secretOnce('New AppCode', [['AppCode', n.app_code]]);
      await load();
    } catch (err) {
      showError(err);
    }
  }

  async function deleteCode(c) {
    if (await confirmDialog('Delete AppCode', 'Delete this AppCode? Callers using it are refused at once.',
                            'Delete', {danger: true})) {
      try {
        await api('DELETE', `${base}/codes/${enc(c.id)}`);
        await load();
      } catch (err) {
        showError(err);
      }
    }
  }

  async function revoke(g) {
    try {
      await api('DELETE', `/v1/apps/${enc(g.app.id)}/grants/${enc(g.api.id)}${query({stage: g.stage})}`);
      notice('Revoked.');
    } catch (err) {
      showError(err);
    }
  }

  async function remove() {
    const a = view.app;
    if (!await typedConfirm('Delete app', `Delete ${a.name} with its key pairs, AppCodes and grants? ` +
                            'Callers using its credentials are refused at once. This cannot be undone.',
                            a.name, 'Delete app')) {
      return;
    }
    try {
      await api('DELETE', base);
      notice(`${a.name} is deleted.`);
      location.hash = '#/apps';
    } catch (err) {
      showError(err);
    }
  }

  await load();
}

// The revealed code that a masked one ("abc************xyz") stands for.
function revealedCode(masked, codes) {
  const head = masked.slice(0, 3), tail = masked.slice(-3);
  const match = codes.filter((c) => c.startsWith(head) && c.endsWith(tail));
  return match.length === 1 ? match[0] : undefined;
}

// A table of grants; other is 'api' (an app's grants) or 'app' (an API's);
// onRevoke null: no Revoke button.
export function grantsTable(grants, other, onRevoke) {
  if (grants.length === 0) {
    return h('p', {class: 'muted'}, 'No grant.');
  }
  return h('table', {'data-test': 'grants-table'},
    h('thead', null, h('tr', null, [other === 'api' ? 'API' : 'App', 'Stage', 'Expires', 'Status', '']
      .map((t) => h('th', null, t)))),
    h('tbody', null, grants.map((g) => h('tr', null,
      h('td', null, other === 'api' ? h('a', {href: `#/apis/${enc(g.api.id)}`}, g.api.name)
                                    : h('a', {href: `#/apps/${g.app.id}`}, g.app.name)),
      h('td', null, g.stage),
      h('td', null, g.expires_at ? when(g.expires_at) : 'never'),
      h('td', null, badge(g.expired ? 'expired' : 'active')),
      h('td', {class: 'row-actions'}, onRevoke ? h('button', {type: 'button', class: 'small danger',
        onclick: () => onRevoke(g)}, 'Revoke') : null)))));
}

const EXPIRY_PRESETS = [
  ['', 'Never'],
  [String(86400), '1 day'],
  [String(30 * 86400), '30 days'],
  [String(365 * 86400), '1 year'],
];

// Grants an API to app (or, with api given, an app to the API).
export async function grantDialog(ctx, app, api0) {
  const apis = api0 ? {items: [api0]} : await api('GET', '/v1/apis?limit=100');
  return modal('Grant access', (done) => {
    const apiSel = h('select', {name: 'api', 'data-test': 'grant-api'},
      apis.items.map((a) => h('option', {value: a.id}, a.name)));
    const appInput = h('input', {name: 'app', value: app ? app.id : '', spellcheck: 'false',
                                 placeholder: 'app id', 'data-test': 'grant-app'});
    const stage = h('input', {name: 'stage', placeholder: 'the API\'s stage, else RELEASE',
                              'data-test': 'grant-stage'});
    const expires = h('select', {name: 'expires_at', 'data-test': 'grant-expiry'},
      EXPIRY_PRESETS.map(([v, label]) => h('option', {value: v}, label)));
    const form = h('form', {class: 'stack', onsubmit: async (e) => {
      e.preventDefault();
      const body = {};
      if (stage.value.trim()) {
        body.stage = stage.value.trim();
      }
      if (expires.value) {
        body.expires_at = new Date(Date.now() + Number(expires.value) * 1000).toISOString();
      }
      try {
        const g = await api('PUT', `/v1/apps/${enc(appInput.value.trim())}/grants/${enc(apiSel.value)}`,
                            body);
        notice(`${g.app.name} may call ${g.api.name} on ${g.stage}.`);
        done(g);
      } catch (err) {
        showError(err, form);
      }
    }},
      app ? h('p', null, 'App ', h('strong', null, app.name)) : field('App', appInput),
      field('API', apiSel), field('Stage', stage), field('Expires', expires),
      h('div', {class: 'actions'},
        h('button', {type: 'button', onclick: () => done(undefined)}, 'Cancel'),
        h('button', {type: 'submit', class: 'primary', 'data-test': 'confirm',
                     disabled: apis.items.length === 0}, 'Grant')));
    return form;
  });
}
