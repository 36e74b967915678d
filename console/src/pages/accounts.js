// Accounts and access keys.  An admin key sees every account and may
// create, disable and delete them; a member key sees its own account and
// manages its member keys.  A new key's secret is shown once.

import {api, enc, may} from '../api.js';
import {h, replace, when} from '../dom.js';
import {badge, confirmDialog, field, modal, secretOnce, showError, typedConfirm} from '../ui.js';

export async function accountsPage(main, ctx) {
  const admin = ctx.session.role === 'admin';
  const can = (action) => admin && may(ctx.session, action);
  const list = h('div');

  async function load() {
    const page = await api('GET', '/v1/accounts?limit=100');
    replace(list, h('table', {'data-test': 'accounts-table'},
      h('thead', null, h('tr', null, ['Name', 'Status', 'App quota', 'Created', '']
        .map((t) => h('th', null, t)))),
      h('tbody', null, page.items.map((a) => h('tr', null,
        h('td', null, h('a', {href: `#/accounts/${enc(a.id)}`}, a.name)),
        h('td', null, badge(a.status)),
        h('td', null, a.app_quota ?? 'default'),
        h('td', null, when(a.created_at)),
        h('td', {class: 'row-actions'},
          can('ModifyAccount') ? h('button', {type: 'button', class: 'small', onclick: async () => {
            try {
              await api('PATCH', `/v1/accounts/${enc(a.id)}`,
                        {status: a.status === 'enabled' ? 'disabled' : 'enabled'});
            } catch (err) {
              showError(err);
            }
            load();
          }}, a.status === 'enabled' ? 'Disable' : 'Enable') : null,
          can('DeleteAccount') ? h('button', {type: 'button', class: 'small danger',
                                              'data-test': 'delete-account', onclick: async () => {
            if (await typedConfirm('Delete account', `Delete the account ${a.name}? Only an empty ` +
                                   'account can be deleted.', a.name, 'Delete account')) {
              try {
                await api('DELETE', `/v1/accounts/${enc(a.id)}`);
              } catch (err) {
                showError(err);
              }
              load();
            }
          }}, 'Delete') : null))))));
  }

  async function create() {
    const created = await modal('New account', (done) => {
      const name = h('input', {name: 'name', required: true, spellcheck: 'false'});
      const quota = h('input', {name: 'app_quota', type: 'number', min: '0'});
      const form = h('form', {class: 'stack', onsubmit: async (e) => {
        e.preventDefault();
        const body = {name: name.value.trim()};
        if (quota.value !== '') {
          body.app_quota = Number(quota.value);
        }
        try {
          done(await api('POST', '/v1/accounts', body));
        } catch (err) {
          showError(err, form);
        }
      }},
        field('Name', name), field('App quota', quota, 'empty: the daemon\'s default'),
        h('div', {class: 'actions'},
          h('button', {type: 'button', onclick: () => done(undefined)}, 'Cancel'),
          h('button', {type: 'submit', class: 'primary'}, 'Create')));
      return form;
    });
    if (created) {
      location.hash = `#/accounts/${enc(created.id)}`;
    }
  }

  replace(main,
    h('div', {class: 'title-row'}, h('h1', null, 'Accounts'),
      can('CreateAccount') ? h('button', {type: 'button', class: 'primary', 'data-test': 'new-account',
                                          onclick: create}, 'New account') : null),
    admin ? null : h('p', {class: 'muted'}, 'A member key sees its own account only.'),
    list);
  await load();
}

export async function accountPage(main, ctx, id) {
  const admin = ctx.session.role === 'admin';
  const can = (action) => may(ctx.session, action);
  const account = await api('GET', `/v1/accounts/${enc(id)}`);
  const base = `/v1/accounts/${enc(account.id)}/access-keys`;
  const keys = h('div');

  async function load() {
    if (!can('DescribeAccessKeys')) {
      replace(keys, h('p', {class: 'muted'}, 'This key may not list access keys.'));
      return;
    }
    const page = await api('GET', base);
    replace(keys, h('table', {'data-test': 'access-keys-table'},
      h('thead', null, h('tr', null, ['Id', 'Role', 'Status', 'Description', 'Last used', '']
        .map((t) => h('th', null, t)))),
      h('tbody', null, page.items.map((k) => {
        const mayChange = admin || k.role !== 'admin';
        return h('tr', null,
          h('td', {class: 'mono'}, k.id),
          h('td', null, k.role),
          h('td', null, badge(k.status)),
          h('td', null, k.description),
          h('td', null, when(k.last_used_at)),
          h('td', {class: 'row-actions'}, mayChange ? [
            can('ModifyAccessKey') ? h('button', {type: 'button', class: 'small', onclick: async () => {
              try {
                await api('PATCH', `${base}/${enc(k.id)}`,
                          {status: k.status === 'enabled' ? 'disabled' : 'enabled'});
              } catch (err) {
                showError(err);
              }
              load();
            }}, k.status === 'enabled' ? 'Disable' : 'Enable') : null,
            can('DeleteAccessKey') ? h('button', {type: 'button', class: 'small danger',
                                                  'data-test': 'delete-access-key', onclick: async () => {
              if (await confirmDialog('Delete access key', `Delete ${k.id}? Its sessions end too.`,
                                      'Delete', {danger: true})) {
                try {
                  await api('DELETE', `${base}/${enc(k.id)}`);
                } catch (err) {
                  showError(err);
                }
                load();
              }
            }}, 'Delete') : null] : null));
      }))));
  }

  async function create() {
    const key = await modal('New access key', (done) => {
      const role = h('select', {name: 'role'}, h('option', {value: 'member'}, 'member'),
        admin ? h('option', {value: 'admin'}, 'admin') : null);
      const description = h('input', {name: 'description'});
      const form = h('form', {class: 'stack', onsubmit: async (e) => {
        e.preventDefault();
        try {
          done(await api('POST', base, {role: role.value, description: description.value}));
        } catch (err) {
          showError(err, form);
        }
      }},
        field('Role', role), field('Description', description),
        h('div', {class: 'actions'},
          h('button', {type: 'button', onclick: () => done(undefined)}, 'Cancel'),
          h('button', {type: 'submit', class: 'primary', 'data-test': 'create-key'}, 'Create')));
      return form;
    });
    if (key) {
      await secretOnce('New access key', [['Access key id', key.id], ['Secret', key.secret]]);
      await load();
    }
  }

  replace(main,
    h('div', {class: 'title-row'}, h('h1', null, 'Account ', account.name, ' ', badge(account.status)),
      can('CreateAccessKey') ? h('button', {type: 'button', class: 'primary', 'data-test': 'new-key',
                                            onclick: create}, 'New access key') : null),
    h('dl', {class: 'facts card'},
      h('dt', null, 'Id'), h('dd', {class: 'mono'}, account.id),
      h('dt', null, 'App quota'), h('dd', null, account.app_quota ?? 'default'),
      h('dt', null, 'Created'), h('dd', null, when(account.created_at))),
    h('section', {class: 'card'}, h('h2', null, 'Access keys'), keys));
  await load();
}
