// APIs and grants: the registry (register an API), and one API with the
// apps that may call it (grant, revoke).  An app's own page shows the
// other direction.

import {api, enc, may, query} from '../api.js';
import {h, replace, when} from '../dom.js';
import {confirmDialog, field, modal, pager, showError, loading} from '../ui.js';
import {grantDialog, grantsTable} from './app.js';

const LIMIT = 20;

export async function apisPage(main, ctx) {
  let offset = 0;
  const list = h('div');

  async function load() {
    loading(list);
    const page = await api('GET', `/v1/apis${query({limit: LIMIT, offset})}`);
    replace(list, page.items.length === 0 ? h('p', {class: 'muted'}, 'No API registered.') :
      h('table', {'data-test': 'apis-table'},
        h('thead', null, h('tr', null, ['Name', 'Stage', 'Description', 'Provider account', 'Created']
          .map((t) => h('th', null, t)))),
        h('tbody', null, page.items.map((a) => h('tr', null,
          h('td', null, h('a', {href: `#/apis/${enc(a.id)}`}, a.name)),
          h('td', null, a.stage || 'any'),
          h('td', null, a.description),
          h('td', {class: 'mono'}, a.account_id),
          h('td', null, when(a.created_at)))))),
      pager(offset, LIMIT, page.total, (o) => {
        offset = o;
        load();
      }));
  }

  async function register() {
    const created = await modal('Register an API', (done) => {
      const name = h('input', {name: 'name', required: true, spellcheck: 'false',
                               'data-test': 'api-name'});
      const description = h('input', {name: 'description'});
      const stage = h('input', {name: 'stage', placeholder: 'none: every stage'});
      const form = h('form', {class: 'stack', onsubmit: async (e) => {
        e.preventDefault();
        const body = {name: name.value.trim(), description: description.value};
        if (stage.value.trim()) {
          body.stage = stage.value.trim();
        }
        try {
          done(await api('POST', '/v1/apis', body));
        } catch (err) {
          showError(err, form);
        }
      }},
        field('Name', name, 'letters, digits, _, - and ., starting with a letter'),
        field('Description', description), field('Stage', stage),
        h('div', {class: 'actions'},
          h('button', {type: 'button', onclick: () => done(undefined)}, 'Cancel'),
          h('button', {type: 'submit', class: 'primary', 'data-test': 'create-api'}, 'Register')));
      return form;
    });
    if (created) {
      location.hash = `#/apis/${enc(created.id)}`;
    }
  }

  replace(main,
    h('div', {class: 'title-row'}, h('h1', null, 'APIs'),
      may(ctx.session, 'CreateApi') ? h('button', {type: 'button', class: 'primary',
        'data-test': 'new-api', onclick: register}, 'Register an API') : null),
    list);
  await load();
}

export async function apiPage(main, ctx, id) {
  const a = await api('GET', `/v1/apis/${enc(id)}`);
  const grants = h('div');

  async function load() {
    if (!may(ctx.session, 'DescribeAuthorizedApps')) {
      return;
    }
    const page = await api('GET', `/v1/apis/${enc(id)}/grants`);
    replace(grants, grantsTable(page.items, 'app', !mayRevoke ? null : async (g) => {
      if (await confirmDialog('Revoke', `Revoke ${g.app.name}'s access to ${a.name} on ${g.stage}?`,
                              'Revoke', {danger: true})) {
        try {
          await api('DELETE', `/v1/apps/${enc(g.app.id)}/grants/${enc(a.id)}${query({stage: g.stage})}`);
        } catch (err) {
          showError(err);
        }
        load();
      }
    }));
  }

  async function remove() {
    if (await confirmDialog('Delete API', `Delete ${a.name} and every grant of it?`, 'Delete',
                            {danger: true})) {
      try {
        await api('DELETE', `/v1/apis/${enc(a.id)}`);
        location.hash = '#/apis';
      } catch (err) {
        showError(err);
      }
    }
  }

  // Only its provider's keys and admins may change an API or grant it,
  // and only if the key's policies allow it.
  const mine = ctx.session.role === 'admin' || a.account_id === ctx.session.account_id;
  const mayRevoke = mine && may(ctx.session, 'RemoveAppsAuthorities');
  replace(main,
    h('div', {class: 'title-row'}, h('h1', null, 'API ', a.name),
      mine && may(ctx.session, 'DeleteApi') ? h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'danger', 'data-test': 'delete-api', onclick: remove},
          'Delete')) : null),
    h('dl', {class: 'facts card'},
      h('dt', null, 'Id'), h('dd', {class: 'mono'}, a.id),
      h('dt', null, 'Stage'), h('dd', null, a.stage || 'any'),
      h('dt', null, 'Description'), h('dd', null, a.description || '—'),
      h('dt', null, 'Provider account'), h('dd', {class: 'mono'}, a.account_id)),
    h('section', {class: 'card'},
      h('div', {class: 'title-row'}, h('h2', null, 'Apps that may call it'),
        mine && may(ctx.session, 'SetAppsAuthorities') ? h('button', {type: 'button', class: 'small',
                            onclick: () => grantDialog(ctx, null, a).then((g) => g && load())},
          'Grant an app') : null),
      grants));
  await load();
}
