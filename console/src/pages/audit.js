// The audit trail: filters (app, actor, action, time range) and pages,
// newest first.

import {api, query} from '../api.js';
import {h, replace, when} from '../dom.js';
import {field, pager, loading} from '../ui.js';

const LIMIT = 50;

export const ACTIONS = [
  'app.create', 'app.update', 'app.delete', 'app.secret.reset', 'app.secret.reveal',
  'key.create', 'key.update', 'key.delete', 'code.create', 'code.reset', 'code.delete',
  'api.create', 'api.update', 'api.delete', 'grant.put', 'grant.delete',
  'account.create', 'account.update', 'account.delete',
  'access_key.create', 'access_key.update', 'access_key.delete',
  'session.create', 'session.delete', 'auth.failure',
];

function iso(local) {
  return local ? new Date(local).toISOString() : '';
}

export async function auditPage(main) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const state = {offset: 0};
  const app = h('input', {name: 'app', value: params.get('app') || '', placeholder: 'app id or name',
                          spellcheck: 'false', 'data-test': 'audit-app'});
  const actor = h('input', {name: 'actor', placeholder: 'access key id', spellcheck: 'false',
                            'data-test': 'audit-actor'});
  const action = h('select', {name: 'action', 'data-test': 'audit-action'},
    h('option', {value: ''}, 'Any action'), ACTIONS.map((a) => h('option', {value: a}, a)));
  const since = h('input', {name: 'since', type: 'datetime-local', 'data-test': 'audit-since'});
  const until = h('input', {name: 'until', type: 'datetime-local', 'data-test': 'audit-until'});
  const list = h('div');

  // An app named rather than given by id is looked up first.
  async function appId() {
    const v = app.value.trim();
    if (v === '' || /^[0-9a-f]{32}$/.test(v)) {
      return v;
    }
    const found = await api('GET', `/v1/apps${query({name: v, limit: 1})}`);
    if (found.items.length === 0) {
      throw new Error(`no app is named ${v}`);
    }
    return found.items[0].id;
  }

  async function load() {
    loading(list);
    try {
      const page = await api('GET', `/v1/audit${query({
        app: await appId(), actor: actor.value.trim(), action: action.value,
        since: iso(since.value), until: iso(until.value), limit: LIMIT, offset: state.offset})}`);
      replace(list, table(page.items), pager(state.offset, LIMIT, page.total, (o) => {
        state.offset = o;
        load();
      }));
    } catch (err) {
      replace(list, h('p', {class: 'field-error', role: 'alert'}, err.message));
    }
  }

  replace(main, h('h1', null, 'Audit'),
    h('form', {class: 'toolbar wrap', onsubmit: (e) => {
      e.preventDefault();
      state.offset = 0;
      load();
    }}, field('App', app), field('Actor', actor), field('Action', action),
      field('Since', since), field('Until', until),
      h('button', {type: 'submit', 'data-test': 'audit-apply'}, 'Apply')),
    list);
  await load();
}

function table(events) {
  if (events.length === 0) {
    return h('p', {class: 'muted'}, 'No event matches.');
  }
  return h('table', {'data-test': 'audit-table'},
    h('thead', null, h('tr', null, ['Time', 'Actor', 'Action', 'Target', 'App', 'Result', 'Source']
      .map((t) => h('th', null, t)))),
    h('tbody', null, events.map((e) => h('tr', {class: e.result === 'failure' ? 'failed' : null},
      h('td', null, when(e.time)),
      h('td', {class: 'mono'}, e.actor || '—'),
      h('td', {'data-test': 'audit-action-cell'}, e.action),
      h('td', {class: 'mono'}, e.target ? `${e.target.type} ${e.target.id}` : '—'),
      h('td', {class: 'mono'}, e.app ? h('a', {href: `#/apps/${e.app}`}, e.app.slice(0, 8)) : '—'),
      h('td', null, e.result === 'failure' ? `failure: ${e.error}` : e.result),
      h('td', null, e.source)))));
}
