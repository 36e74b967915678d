// The console's shell: the session, the layout and the router.  Pages
// live in pages/; each is a function (main, ctx, ...params) that fills
// main.  Routes are in the URL's fragment (#/apps/ID), so that the
// server serves one page and no secret ever goes to a URL.

import {api, may, setCsrf, whenSignedOut} from './api.js';
import {h, replace} from './dom.js';
import {showError} from './ui.js';
import {signInPage} from './pages/signin.js';
import {overviewPage} from './pages/overview.js';
import {appsPage} from './pages/apps.js';
import {appPage} from './pages/app.js';
import {apisPage, apiPage} from './pages/apis.js';
import {accountsPage, accountPage} from './pages/accounts.js';
import {auditPage} from './pages/audit.js';
import {tryPage} from './pages/try.js';

const root = document.getElementById('app');
const ctx = {session: null};

const routes = [
  [/^\/overview$/, overviewPage, 'overview'],
  [/^\/apps$/, appsPage, 'apps'],
  [/^\/apps\/([0-9a-f]{32})$/, appPage, 'apps'],
  [/^\/apis$/, apisPage, 'apis'],
  [/^\/apis\/([^/]+)$/, apiPage, 'apis'],
  [/^\/accounts$/, accountsPage, 'accounts'],
  [/^\/accounts\/([^/]+)$/, accountPage, 'accounts'],
  [/^\/audit$/, auditPage, 'audit'],
  [/^\/try$/, tryPage, 'try'],
];

// Each entry is shown when the key may perform its action (null: always).
const nav = [
  ['overview', 'Overview', null],
  ['apps', 'Apps', 'DescribeApps'],
  ['apis', 'APIs and grants', 'DescribeApis'],
  ['accounts', 'Accounts and keys', 'DescribeAccounts'],
  ['audit', 'Audit', 'DescribeAuditEvents'],
  ['try', 'Try a call', 'DescribeAppSecurity'],
];

function currentPath() {
  const p = location.hash.replace(/^#/, '');
  return p.startsWith('/') ? p.split('?')[0] : '/overview';
}

async function signOut() {
  try {
    await api('DELETE', '/v1/sessions/current', undefined, {quiet401: true});
  } catch {
    // Ended already: the page forgets it all the same.
  }
  forget('You are signed out.');
}

function forget(message) {
  ctx.session = null;
  setCsrf('');
  renderSignIn(message);
}

function renderSignIn(message) {
  replace(root, signInPage(async (session) => {
    ctx.session = session;
    setCsrf(session.csrf_token);
    render();
  }, message));
}

function layout(active) {
  const s = ctx.session;
  const main = h('main', {id: 'main'});
  replace(root,
    h('header', {class: 'top'},
      h('a', {class: 'brand', href: '#/overview'}, 'Tollgate'),
      h('nav', null, nav.filter(([, , action]) => !action || may(s, action)).map(([id, label]) =>
        h('a', {href: `#/${id}`, class: id === active ? 'active' : null,
                'aria-current': id === active ? 'page' : null}, label))),
      h('div', {class: 'who'},
        h('span', {'data-test': 'whoami', title: `account ${s.account_id}`},
          s.access_key_id, ' · ', s.role, s.has_policies ? ' · limited by policies' : ''),
        h('button', {type: 'button', class: 'small', 'data-test': 'sign-out', onclick: signOut},
          'Sign out'))),
    h('div', {id: 'notices', 'aria-live': 'polite'}),
    main);
  return main;
}

function render() {
  if (!ctx.session) {
    renderSignIn();
    return;
  }
  const path = currentPath();
  for (const [re, page, active] of routes) {
    const m = path.match(re);
    if (m) {
      const main = layout(active);
      Promise.resolve(page(main, ctx, ...m.slice(1).map(decodeURIComponent))).catch((err) => {
        if (err && err.status !== 401) {
          showError(err);
        }
      });
      return;
    }
  }
  location.hash = '#/overview';
}

whenSignedOut(() => forget('Your session has ended: sign in again.'));
window.addEventListener('hashchange', render);

// A page reloaded keeps its session (the cookie) but has lost the CSRF
// token: the session hands it over again.
api('GET', '/v1/sessions/current', undefined, {quiet401: true}).then((s) => {
  ctx.session = s;
  setCsrf(s.csrf_token);
  render();
}, () => renderSignIn());
