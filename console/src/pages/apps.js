// Apps: the list (search by name, AppKey or tag; a status filter; pages
// of 20 for accounts with thousands) and the form that creates one, with
// the server's validation shown beside the field it concerns.

import {api, may, query} from '../api.js';
import {h, replace, when} from '../dom.js';
import {badge, field, modal, pager, secretOnce, showError, textToTags, loading} from '../ui.js';

const LIMIT = 20;

export async function appsPage(main, ctx) {
  const state = {by: 'name', text: '', status: '', offset: 0};
  const list = h('div', {class: 'list'});

  const byInput = h('select', {'aria-label': 'search by', 'data-test': 'search-by'},
    h('option', {value: 'name'}, 'Name'),
    h('option', {value: 'app_key'}, 'AppKey'),
    h('option', {value: 'tag'}, 'Tag (key or key:value)'));
  const textInput = h('input', {type: 'search', placeholder: 'Search…', 'aria-label': 'search',
                                'data-test': 'search'});
  const statusInput = h('select', {'aria-label': 'status', 'data-test': 'status-filter'},
    h('option', {value: ''}, 'Any status'),
    h('option', {value: 'enabled'}, 'Enabled'),
    h('option', {value: 'disabled'}, 'Disabled'));

  async function load() {
    loading(list);
    const params = {status: state.status, limit: LIMIT, offset: state.offset};
    if (state.text) {
      params[state.by] = state.text;
    }
    try {
      const page = await api('GET', `/v1/apps${query(params)}`);
      replace(list, table(page.items), pager(state.offset, LIMIT, page.total, (o) => {
        state.offset = o;
        load();
      }));
    } catch (err) {
      replace(list, h('p', {class: 'field-error'}, err.message));
    }
  }

  const search = h('form', {class: 'toolbar', onsubmit: (e) => {
    e.preventDefault();
    state.by = byInput.value;
    state.text = textInput.value.trim();
    state.status = statusInput.value;
    state.offset = 0;
    load();
  }}, byInput, textInput, statusInput, h('button', {type: 'submit'}, 'Search'),
    h('span', {class: 'spacer'}),
    may(ctx.session, 'CreateApp') ? h('button', {type: 'button', class: 'primary',
      'data-test': 'new-app', onclick: () => createApp(ctx)}, 'New app') : null);
  statusInput.addEventListener('change', () => search.requestSubmit());

  replace(main, h('h1', null, 'Apps'), search, list);
  await load();
}

function table(apps) {
  if (apps.length === 0) {
    return h('p', {class: 'muted'}, 'No app matches.');
  }
  return h('table', {'data-test': 'apps-table'},
    h('thead', null, h('tr', null, ['Name', 'AppId', 'AppKey', 'Status', 'Tags', 'Created']
      .map((t) => h('th', null, t)))),
    h('tbody', null, apps.map((a) => h('tr', null,
      h('td', null, h('a', {href: `#/apps/${a.id}`}, a.name)),
      h('td', {class: 'mono'}, a.app_id),
      h('td', {class: 'mono'}, a.app_key),
      h('td', null, badge(a.status)),
      h('td', null, Object.entries(a.tags || {}).map(([k, v]) =>
        h('span', {class: 'tag'}, v ? `${k}:${v}` : k))),
      h('td', null, when(a.created_at))))));
}

async function createApp(ctx) {
  const app = await modal('New app', (done) => {
    const name = h('input', {name: 'name', required: true, spellcheck: 'false',
                             'data-test': 'app-name'});
    const description = h('input', {name: 'description'});
    const tags = h('textarea', {name: 'tags', rows: 3, placeholder: 'team=web\nenv=prod'});
    const appKey = h('input', {name: 'app_key', spellcheck: 'false', autocomplete: 'off'});
    const appSecret = h('input', {name: 'app_secret', type: 'password', autocomplete: 'new-password'});
    const code = h('input', {name: 'generate_app_code', type: 'checkbox'});
    const account = h('input', {name: 'account_id', spellcheck: 'false'});
    const form = h('form', {class: 'stack', onsubmit: async (e) => {
      e.preventDefault();
      const body = {name: name.value.trim(), description: description.value,
                    tags: textToTags(tags.value)};
      if (appKey.value.trim()) {
        body.app_key = appKey.value.trim();
      }
      if (appSecret.value) {
        body.app_secret = appSecret.value;
      }
      if (code.checked) {
        body.generate_app_code = true;
      }
      if (account.value.trim()) {
        body.account_id = account.value.trim();
      }
      try {
        const created = await api('POST', '/v1/apps', body);
        appSecret.value = '';
        done(created);
      } catch (err) {
        showError(err, form);
      }
    }},
      field('Name', name, 'letters, digits, _ and -, starting with a letter'),
      field('Description', description),
      field('Tags', tags, 'one key=value a line'),
      h('details', null, h('summary', null, 'Custom credentials (optional)'),
        field('AppKey', appKey, 'else generated'),
        field('AppSecret', appSecret, 'else generated'),
        h('label', {class: 'check'}, code, ' Also make an AppCode'),
        ctx.session.role === 'admin' ? field('Account id', account, 'admins: create in that account')
                                      : null),
      h('div', {class: 'actions'},
        h('button', {type: 'button', onclick: () => done(undefined)}, 'Cancel'),
        h('button', {type: 'submit', class: 'primary', 'data-test': 'create-app'}, 'Create')));
    return form;
  });
  if (!app) {
    return;
  }
  const rows = [['AppKey', app.app_key], ['AppSecret', app.app_secret]];
  for (const c of app.app_codes || []) {
    rows.push(['AppCode', c.app_code]);
  }
  await secretOnce(`App ${app.name} created`, rows);
  location.hash = `#/apps/${app.id}`;
}
