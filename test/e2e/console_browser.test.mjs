// The web console in a real browser: Debian's headless Chromium, driven
// by playwright-core, against a real tollgated serving the built assets.
// One browser for the whole file; each person gets a fresh context (its
// own cookies).  Every page must load without a console error or a
// Content-Security-Policy violation.  Screenshots of the main pages are
// saved to build/console-screenshots/ (docs/console/ holds a copy).

import assert from 'node:assert/strict';
import {mkdir} from 'node:fs/promises';
import path from 'node:path';
import {after, before, test} from 'node:test';

import {launchChromium, screenshotDir, startConsoleDaemon} from './lib/console.mjs';
import {keyWith} from './lib/policies.mjs';
import {ADMIN_ID, ADMIN_SECRET} from './lib/tollgated.mjs';

let d, browser;
const problems = [];  // console errors, page errors and CSP violations
const EXPECTED_REFUSAL =
    /^Failed to load resource: the server responded with a status of 4(01|03|04|09|22)/;

before(async () => {
  d = await startConsoleDaemon(['--app-write-rate', '0']);  // many apps, fast
  browser = await launchChromium();
  await mkdir(screenshotDir, {recursive: true});
});

after(async () => {
  await browser?.close();
  await d?.stop();
});

// A fresh browser context (cookies of its own) with a page that records
// every console error and CSP violation into problems.
async function newPage() {
  const context = await browser.newContext({viewport: {width: 1280, height: 860}});
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    // Chromium logs every refused API call (a wrong key's 401, a
    // policy's 403, a non-empty account's 409, a validation's 422):
    // those are the tests' own doing.
    if (msg.type() === 'error' && !EXPECTED_REFUSAL.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page: ${err.message}`));
  page.setDefaultTimeout(10000);
  return {context, page};
}

async function shot(page, name) {
  await page.screenshot({path: path.join(screenshotDir, `${name}.png`), fullPage: true});
}

async function signInThrough(page, id, secret) {
  await page.goto(`${d.url}/console/`);
  await page.fill('[data-test=key-id]', id);
  await page.fill('[data-test=key-secret]', secret);
  await page.click('button[type=submit]');
}

// Polls cond (in Node: the page's strict CSP forbids Playwright's
// in-page polling, which evaluates strings) until it holds.
async function waitUntil(cond, ms = 10000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${cond}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitText(page, selector, text) {
  await waitUntil(async () => (await page.locator(selector).first().textContent()) === text);
}

// The one dialog open now.
const dialog = 'dialog[open]';

const admin = {};

test('a wrong key is refused, and the form keeps no secret', async () => {
  const {context, page} = await newPage();
  await signInThrough(page, ADMIN_ID, 'not-the-right-secret-000');
  const error = page.locator('[data-test=signin-error]');
  await error.waitFor({state: 'visible'});
  assert.match(await error.textContent(), /wrong/);
  assert.equal(await page.inputValue('[data-test=key-secret]'), '');
  assert.equal((await context.cookies()).length, 0);
  await shot(page, 'signin');
  await context.close();

  const audit = await d.call('GET', '/v1/audit?action=auth.failure');
  assert.ok(audit.json.items.some((e) => e.detail && e.detail.reason === 'wrong secret'));
});

test('the admin signs in: an HttpOnly session, nothing in storage', async () => {
  const {context, page} = await newPage();
  admin.context = context;
  admin.page = page;
  await signInThrough(page, ADMIN_ID, ADMIN_SECRET);
  await page.locator('[data-test=whoami]').waitFor();
  assert.match(await page.textContent('[data-test=whoami]'), /admin/);

  const [cookie] = await context.cookies();
  assert.equal(cookie.name, 'tollgate_session');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/v1/', 'sent to the API only, not to /console/ or elsewhere');
  const stored =
      await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length]);
  assert.deepEqual(stored, ['', 0, 0]);
  assert.ok(!page.url().includes(ADMIN_SECRET));
});

test('create an app, with the server\'s validation beside the field', async () => {
  const {page} = admin;
  await page.click('a[href="#/apps"]');
  await page.click('[data-test=new-app]');
  await page.fill('[data-test=app-name]', '1-not-a-name');
  await page.fill(`${dialog} textarea[name=tags]`, 'team=web\nenv=prod');
  await page.click('[data-test=create-app]');
  const fieldError = page.locator(`${dialog} .field-error[data-field=name]`);
  await fieldError.waitFor();
  assert.match(await fieldError.textContent(), /name/);

  await page.fill('[data-test=app-name]', 'shop_frontend');
  await page.click('[data-test=create-app]');
  await page.locator('[data-test=secret-once]').waitFor();
  const [appKey, appSecret] = await page.locator('[data-test=secret-value]').allTextContents();
  assert.match(appSecret, /^[A-Za-z0-9]{40}$/);
  await shot(page, 'app-created-secret-once');
  await page.click('[data-test=secret-done]');

  await page.waitForURL(/#\/apps\/[0-9a-f]{32}$/);
  admin.appId = page.url().split('/').pop();
  admin.appKey = appKey;
  admin.firstSecret = appSecret;
  await page.locator('[data-test=keys-table]').waitFor();
  const table = await page.textContent('[data-test=keys-table]');
  assert.ok(table.includes(appKey));
  assert.ok(!table.includes(appSecret), 'the secret shows masked');

  const app = await d.call('GET', `/v1/apps/${admin.appId}`);
  assert.deepEqual(app.json.tags, {team: 'web', env: 'prod'});
});

test('the apps list finds it by name, AppKey and tag', async () => {
  const {page} = admin;
  for (let i = 0; i < 3; i++) {
    await d.call('POST', '/v1/apps', {body: {name: `filler_${i}`, status: 'disabled'}});
  }
  await page.goto(`${d.url}/console/#/apps`);
  await page.locator('[data-test=apps-table]').waitFor();
  assert.equal(await page.textContent('[data-test=page-info]'), '1–4 of 4');

  for (const [by, text] of [
           ['app_key', admin.appKey], ['tag', 'team:web'], ['name', 'shop_frontend']]) {
    await page.selectOption('[data-test=search-by]', by);
    await page.fill('[data-test=search]', text);
    await page.press('[data-test=search]', 'Enter');
    await waitText(page, '[data-test=page-info]', '1–1 of 1');
    assert.match(await page.textContent('[data-test=apps-table]'), /shop_frontend/);
  }
  await page.fill('[data-test=search]', '');
  await page.selectOption('[data-test=status-filter]', 'disabled');
  await waitText(page, '[data-test=page-info]', '1–3 of 3');
  await page.selectOption('[data-test=status-filter]', '');
  await waitText(page, '[data-test=page-info]', '1–4 of 4');
  await shot(page, 'apps');
});

test('reset the secret with a grace period; the new one is shown once', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/apps/${admin.appId}`);
  await page.click('[data-test=reset-secret]');
  await page.selectOption('[data-test=grace]', '3600');
  await page.click(`${dialog} [data-test=confirm]`);
  await page.locator('[data-test=secret-once]').waitFor();
  const values = await page.locator('[data-test=secret-value]').allTextContents();
  const newSecret = values[1];
  assert.notEqual(newSecret, admin.firstSecret);
  assert.match(await page.textContent('[data-test=secret-once]'), /only time/);
  await page.click('[data-test=secret-done]');

  // Reloaded: the old key is listed for its grace period, the new secret masked.
  await waitUntil(async () => / until /.test(await page.textContent('[data-test=keys-table]')));
  assert.ok(!(await page.textContent('[data-test=keys-table]')).includes(newSecret));

  const shown = await d.call('GET', `/v1/apps/${admin.appId}/secret`);
  assert.equal(shown.json.app_secret, newSecret);
  assert.ok(shown.json.key_pairs[0].previous_expires_at, 'a grace period was set');
  const t = Date.parse(shown.json.key_pairs[0].previous_expires_at) - Date.now();
  assert.ok(t > 3500 * 1000 && t <= 3600 * 1000, `grace of about an hour: ${t}`);
  admin.secret = newSecret;
});

test('reveal needs a confirmation, is audited, and shows the secret', async () => {
  const {page} = admin;
  await page.click('[data-test=reveal]');
  await page.click(`${dialog} button:has-text("Cancel")`);
  assert.equal(await page.locator('[data-test=revealed-secret]').count(), 0);

  await page.click('[data-test=reveal]');
  await page.click(`${dialog} [data-test=confirm]`);
  await page.locator('[data-test=revealed-secret]').first().waitFor();
  assert.equal(
      await page.locator('[data-test=revealed-secret]').first().textContent(), admin.secret);
  assert.match(await page.textContent('[data-test=reveal-timer]'), /hidden again/);
  await shot(page, 'app-revealed');

  const audit = await d.call('GET', `/v1/audit?app=${admin.appId}&action=app.secret.reveal`);
  assert.equal(audit.json.total, 2, 'the page\'s reveal and the test\'s own');
  assert.ok(audit.json.items.every((e) => e.actor === ADMIN_ID));
});

test('key pairs and AppCodes: added and shown once, then deleted', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/apps/${admin.appId}`);
  await page.click('[data-test=add-code]');
  await page.locator('[data-test=secret-once]').waitFor();
  const [code] = await page.locator('[data-test=secret-value]').allTextContents();
  assert.match(code, /^[0-9a-f]{64}$/);
  await page.click('[data-test=secret-done]');
  await page.locator('[data-test=codes-table]').waitFor();
  const codes = await page.textContent('[data-test=codes-table]');
  assert.ok(codes.includes(`${code.slice(0, 3)}************${code.slice(-3)}`), codes);
  assert.ok(!codes.includes(code));

  await page.click('[data-test=add-key]');
  await page.locator('[data-test=secret-once]').waitFor();
  const [key, secret] = await page.locator('[data-test=secret-value]').allTextContents();
  await page.click('[data-test=secret-done]');
  await waitUntil(async () => (await page.textContent('[data-test=keys-table]')).includes(key));
  assert.ok(!(await page.textContent('[data-test=keys-table]')).includes(secret));
  assert.equal((await d.call('GET', `/v1/apps/${admin.appId}/keys`)).json.items.length, 2);

  await page.locator('[data-test=keys-table] tr', {hasText: key})
      .locator('[data-test=delete-key]')
      .click();
  await page.click(`${dialog} [data-test=confirm]`);
  await waitUntil(async () => !(await page.textContent('[data-test=keys-table]')).includes(key));
  await page.click('[data-test=delete-code]');
  await page.click(`${dialog} [data-test=confirm]`);
  await page.locator('text=No AppCode.').waitFor();
  assert.equal((await d.call('GET', `/v1/apps/${admin.appId}/keys`)).json.items.length, 1);
  assert.equal((await d.call('GET', `/v1/apps/${admin.appId}/codes`)).json.items.length, 0);
});

test('revealed secrets are hidden again after 30 seconds', async () => {
  const {context, page} = await newPage();
  await context.clock.install();
  await signInThrough(page, ADMIN_ID, ADMIN_SECRET);
  await page.locator('[data-test=whoami]').waitFor();
  await page.goto(`${d.url}/console/#/apps/${admin.appId}`);
  await page.click('[data-test=reveal]');
  await page.click(`${dialog} [data-test=confirm]`);
  await page.locator('[data-test=revealed-secret]').first().waitFor();
  await page.clock.fastForward(29000);
  assert.equal(await page.locator('[data-test=revealed-secret]').count(), 1, 'shown at 29 s');
  await page.clock.fastForward(1500);
  await waitUntil(async () => (await page.locator('[data-test=revealed-secret]').count()) === 0);
  assert.ok(!(await page.textContent('[data-test=keys-table]')).includes(admin.secret));
  await context.close();
});

test('register an API and grant it to the app with an expiry', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/apis`);
  await page.click('[data-test=new-api]');
  await page.fill('[data-test=api-name]', 'orders');
  await page.click('[data-test=create-api]');
  await page.waitForURL(/#\/apis\/[0-9a-f]{32}$/);

  await page.goto(`${d.url}/console/#/apps/${admin.appId}`);
  await page.click('[data-test=grant]');
  await page.selectOption('[data-test=grant-api]', {label: 'orders'});
  await page.selectOption('[data-test=grant-expiry]', {label: '30 days'});
  await page.click(`${dialog} [data-test=confirm]`);
  await page.locator('[data-test=grants-table]').waitFor();
  assert.match(await page.textContent('[data-test=grants-table]'), /orders.*RELEASE/s);
  await shot(page, 'app');

  const grants = await d.call('GET', `/v1/apps/${admin.appId}/grants`);
  assert.equal(grants.json.items.length, 1);
  const days = (Date.parse(grants.json.items[0].expires_at) - Date.now()) / 86400000;
  assert.ok(days > 29.9 && days <= 30, `expires in 30 days: ${days}`);

  // The other direction: the API's page lists the app.
  await page.goto(`${d.url}/console/#/apis/orders`);
  await page.locator('[data-test=grants-table]').waitFor();
  assert.match(await page.textContent('[data-test=grants-table]'), /shop_frontend/);
  await shot(page, 'api');
});

test('the audit page shows the events, filtered by app', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/audit`);
  await page.fill('[data-test=audit-app]', 'shop_frontend');  // by name
  await page.click('[data-test=audit-apply]');
  await page.locator('[data-test=audit-table]').waitFor();
  const actions = await page.locator('[data-test=audit-action-cell]').allTextContents();
  for (const a of ['app.create', 'app.secret.reset', 'app.secret.reveal', 'grant.put']) {
    assert.ok(actions.includes(a), `${a} in ${actions}`);
  }
  assert.ok(!actions.includes('session.create'), 'filtered by the app');
  await shot(page, 'audit');

  await page.fill('[data-test=audit-app]', '');
  await page.selectOption('[data-test=audit-action]', 'session.create');
  await page.click('[data-test=audit-apply]');
  await waitUntil(async () => {
    const cells = await page.locator('[data-test=audit-action-cell]').allTextContents();
    return cells.length > 0 && cells.every((c) => c === 'session.create');
  });
});

// A datetime-local value ("2026-11-30T09:15") of a time, in local time as
// the page reads it.
function localInput(ms) {
  const t = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T` +
      `${p(t.getHours())}:${p(t.getMinutes())}`;
}

test('the audit page filters by time range', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/audit`);
  await page.locator('[data-test=audit-table]').waitFor();
  await page.fill('[data-test=audit-app]', '');
  await page.selectOption('[data-test=audit-action]', '');
  const hour = 3600 * 1000;

  // In the next hour: nothing yet.
  await page.fill('[data-test=audit-since]', localInput(Date.now() + hour));
  await page.click('[data-test=audit-apply]');
  await page.locator('text=No event matches.').waitFor();

  // The last hour to the next: this run's events, the same as the API's.
  await page.fill('[data-test=audit-since]', localInput(Date.now() - hour));
  await page.fill('[data-test=audit-until]', localInput(Date.now() + hour));
  await page.click('[data-test=audit-apply]');
  await page.locator('[data-test=audit-table]').waitFor();
  const shown = await page.locator('[data-test=audit-action-cell]').count();
  const total = (await d.call('GET', '/v1/audit?limit=1')).json.total;
  assert.equal(shown, Math.min(50, total));
  assert.ok(shown > 0);

  // Until a past year: nothing.
  await page.fill('[data-test=audit-since]', '');
  await page.fill('[data-test=audit-until]', '2020-01-01T00:00');
  await page.click('[data-test=audit-apply]');
  await page.locator('text=No event matches.').waitFor();
});

test('revoke the grant from the API\'s page', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/apis/orders`);
  await page.locator('[data-test=grants-table]').waitFor();
  await page.click('[data-test=grants-table] button:has-text("Revoke")');
  await page.click(`${dialog} [data-test=confirm]`);
  await page.locator('text=No grant.').waitFor();
  assert.equal((await d.call('GET', `/v1/apps/${admin.appId}/grants`)).json.items.length, 0);
});

test('try a call: the string to sign, the headers and a curl line', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/try`);
  await page.fill('[data-test=try-app]', 'shop_frontend');
  await page.selectOption('[data-test=try-method]', 'POST');
  await page.fill('[data-test=try-path]', '/orders?b=2&a=1');
  await page.fill('[data-test=try-body]', '{"n":1}');
  await page.click('[data-test=try-sign]');
  await page.locator('[data-test=try-sts]').waitFor();
  const sts = (await page.textContent('[data-test=try-sts]')).replace(/↵/g, '');
  const lines = sts.split('\n');
  assert.equal(lines[0], 'POST');
  assert.equal(lines[1], 'application/json');
  assert.equal(lines[2], 'CCwmyKa8dSJqMdpUlcySkg==', 'Content-MD5 of {"n":1}');
  assert.equal(lines[3], 'application/json; charset=UTF-8');
  assert.match(lines[5], new RegExp(`^x-ca-key:${admin.appKey}$`));
  assert.equal(lines.at(-1), '/orders?a=1&b=2');
  const curl = await page.textContent('[data-test=try-curl]');
  assert.match(curl, /^curl -sS -X POST 'http:\/\/127\.0\.0\.1:8080\/orders\?b=2&a=1'/);
  assert.match(curl, /x-ca-signature: [A-Za-z0-9+/]{43}=/);
  assert.ok(!curl.includes(admin.secret), 'the curl line holds no secret');
  await shot(page, 'try');
});

test('the overview counts apps and draws the audit activity', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/overview`);
  await page.locator('[data-test=activity-chart]').waitFor();
  assert.equal(await page.textContent('[data-test=count-apps]'), '4');
  assert.equal(await page.textContent('[data-test=count-enabled]'), '1');
  assert.equal(await page.textContent('[data-test=count-old]'), '0');
  assert.ok(await page.locator('[data-test=activity-chart] rect.bar').count() >= 14);

  // Past 100 apps, the server still counts them all: 101 more, in an
  // account of their own, made through the API.
  const bulk = await d.call('POST', '/v1/accounts', {body: {name: 'bulk'}});
  assert.equal(bulk.status, 201, bulk.text);
  for (let i = 0; i < 101; i += 20) {
    const made = await Promise.all(Array.from(
        {length: Math.min(20, 101 - i)},
        (_, j) =>
            d.call('POST', '/v1/apps', {body: {name: `bulk_${i + j}`, account_id: bulk.json.id}})));
    assert.ok(made.every((r) => r.status === 201), made.map((r) => r.status).join());
  }
  await page.reload();
  await page.locator('[data-test=activity-chart]').waitFor();
  assert.equal(await page.textContent('[data-test=count-apps]'), '105');
  await page.fill('[data-test=age-days]', '0');
  await waitText(page, '[data-test=count-old]', '105');
  await page.fill('[data-test=age-days]', '1');
  await waitText(page, '[data-test=count-old]', '0');
  await page.fill('[data-test=age-days]', '90');
  await shot(page, 'overview');
});

test('disable and enable the app; a reloaded page keeps its session', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/apps/${admin.appId}`);
  await page.reload();
  await page.locator('[data-test=toggle-status]').waitFor();
  await page.click('[data-test=toggle-status]');
  await waitUntil(async () => (await page.textContent('h1')).includes('disabled'));
  assert.equal((await d.call('GET', `/v1/apps/${admin.appId}`)).json.status, 'disabled');
  await page.click('[data-test=toggle-status]');
  await waitUntil(async () => (await page.textContent('h1')).includes('enabled'));
  assert.equal((await d.call('GET', `/v1/apps/${admin.appId}`)).json.status, 'enabled');
});

test('an app is deleted only after its name is typed', async () => {
  const {page} = admin;
  const app = (await d.call('GET', '/v1/apps?name=filler_0')).json.items[0];
  await page.goto(`${d.url}/console/#/apps/${app.id}`);
  await page.click('[data-test=delete-app]');
  const confirm = page.locator(`${dialog} [data-test=confirm]`);
  assert.equal(await confirm.isDisabled(), true);
  await page.fill('[data-test=typed-confirm]', 'filler_');
  assert.equal(await confirm.isDisabled(), true);
  await page.fill('[data-test=typed-confirm]', 'filler_0');
  await confirm.click();
  await page.waitForURL(/#\/apps$/);
  assert.equal((await d.call('GET', `/v1/apps/${app.id}`)).status, 404);
});

const member = {};

test('accounts: the admin makes an account and a member key, shown once', async () => {
  const {page} = admin;
  const acct = await d.call('POST', '/v1/accounts', {body: {name: 'partners'}});
  assert.equal(acct.status, 201, acct.text);
  await page.goto(`${d.url}/console/#/accounts`);
  await page.locator('[data-test=accounts-table]').waitFor();
  assert.match(await page.textContent('[data-test=accounts-table]'), /partners/);
  await shot(page, 'accounts');

  await page.goto(`${d.url}/console/#/accounts/partners`);
  await page.click('[data-test=new-key]');
  await page.click('[data-test=create-key]');
  await page.locator('[data-test=secret-once]').waitFor();
  [member.id, member.secret] = await page.locator('[data-test=secret-value]').allTextContents();
  await page.click('[data-test=secret-done]');
  await waitUntil(
      async () => (await page.textContent('[data-test=access-keys-table]')).includes(member.id));
  await shot(page, 'account');
});

test('a member key cannot see another account\'s apps', async () => {
  const {context, page} = await newPage();
  await signInThrough(page, member.id, member.secret);
  await page.locator('[data-test=whoami]').waitFor();
  assert.match(await page.textContent('[data-test=whoami]'), /member/);

  await page.click('a[href="#/apps"]');
  await page.click('[data-test=new-app]');
  await page.fill('[data-test=app-name]', 'partner_app');
  await page.click('[data-test=create-app]');
  await page.click('[data-test=secret-done]');
  await page.waitForURL(/#\/apps\/[0-9a-f]{32}$/);

  await page.goto(`${d.url}/console/#/apps`);
  await page.locator('[data-test=apps-table]').waitFor();
  const list = await page.textContent('[data-test=apps-table]');
  assert.match(list, /partner_app/);
  assert.doesNotMatch(list, /shop_frontend|filler_/);
  assert.equal(await page.textContent('[data-test=page-info]'), '1–1 of 1');

  // Nor open one by its id.
  await page.goto(`${d.url}/console/#/apps/${admin.appId}`);
  await page.locator('.notice.error').waitFor();
  assert.match(await page.textContent('.notice.error'), /no such app|not found/i);

  // Another provider's API is shown without the controls the key may not use.
  await page.goto(`${d.url}/console/#/apis/orders`);
  await page.locator('h1:has-text("API orders")').waitFor();
  assert.equal(await page.locator('button:has-text("Delete")').count(), 0);
  assert.equal(await page.locator('button:has-text("Grant an app")').count(), 0);

  // The admin-only controls are not shown.
  await page.goto(`${d.url}/console/#/accounts`);
  await page.locator('[data-test=accounts-table]').waitFor();
  assert.equal(await page.locator('button:has-text("New account")').count(), 0);
  member.context = context;
  member.page = page;
});

test('the admin disables the member\'s key: its session ends at once', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/accounts/partners`);
  await page.locator('[data-test=access-keys-table]').waitFor();
  await page.locator('[data-test=access-keys-table] tr', {hasText: member.id})
      .locator('button:has-text("Disable")')
      .click();
  await waitUntil(
      async () => /disabled/.test(await page.textContent('[data-test=access-keys-table]')));

  await member.page.click('a[href="#/apps"]');
  await member.page.locator('[data-test=key-id]').waitFor();
  assert.match(await member.page.textContent('form.signin'), /session has ended/);
  await member.context.close();
});

test('the admin deletes the member\'s access key', async () => {
  const {page} = admin;
  await page.goto(`${d.url}/console/#/accounts/partners`);
  await page.locator('[data-test=access-keys-table]').waitFor();
  await page.locator('[data-test=access-keys-table] tr', {hasText: member.id})
      .locator('[data-test=delete-access-key]')
      .click();
  await page.click(`${dialog} [data-test=confirm]`);
  await waitUntil(
      async () => !(await page.textContent('[data-test=access-keys-table]')).includes(member.id));
  const gone = await d.call('GET', `/v1/accounts/partners/access-keys/${member.id}`);
  assert.equal(gone.status, 404, gone.text);
  const audit = await d.call('GET', `/v1/audit?action=access_key.delete&actor=${ADMIN_ID}`);
  assert.equal(audit.json.total, 1);
});

test('the admin deletes an account after typing its name', async () => {
  const {page} = admin;
  assert.equal((await d.call('POST', '/v1/accounts', {body: {name: 'scratch'}})).status, 201);
  await page.goto(`${d.url}/console/#/accounts`);
  await page.locator('[data-test=accounts-table]').waitFor();
  await page.locator('[data-test=accounts-table] tr', {hasText: 'scratch'})
      .locator('[data-test=delete-account]')
      .click();
  const confirm = page.locator(`${dialog} [data-test=confirm]`);
  await page.fill('[data-test=typed-confirm]', 'scratc');
  assert.equal(await confirm.isDisabled(), true);
  await page.fill('[data-test=typed-confirm]', 'scratch');
  await confirm.click();
  await waitUntil(
      async () => !(await page.textContent('[data-test=accounts-table]')).includes('scratch'));
  assert.equal((await d.call('GET', '/v1/accounts/scratch')).status, 404);

  // An account that holds apps is refused, and the page says why.
  await page.locator('[data-test=accounts-table] tr', {hasText: 'partners'})
      .locator('[data-test=delete-account]')
      .click();
  await page.fill('[data-test=typed-confirm]', 'partners');
  await page.click(`${dialog} [data-test=confirm]`);
  await page.locator('.notice.error').waitFor();
  assert.equal((await d.call('GET', '/v1/accounts/partners')).status, 200);
});

// The buttons of an app's page that a key sees.
async function appButtons(page, appId) {
  await page.goto(`${d.url}/console/#/apps/${appId}`);
  await page.locator('[data-test=keys-table]').waitFor();
  const count = async (t) => page.locator(`[data-test=${t}]`).count();
  return {
    reset: await count('reset-secret'),
    reveal: await count('reveal'),
    deleteApp: await count('delete-app'),
    deleteKey: await count('delete-key'),
    addKey: await count('add-key'),
    toggle: await count('toggle-status'),
  };
}

test('policies: a read-only key sees no reset, reveal or delete', async () => {
  const app = (await d.call('GET', '/v1/apps?name=partner_app')).json.items[0];
  const ro = await keyWith(d, 'partners', 'TollgateReadOnlyAccess');
  const {context, page} = await newPage();
  await signInThrough(page, ro.id, ro.secret);
  await page.locator('[data-test=whoami]').waitFor();
  assert.match(await page.textContent('[data-test=whoami]'), /limited by policies/);
  assert.deepEqual(
      await appButtons(page, app.id),
      {reset: 0, reveal: 0, deleteApp: 0, deleteKey: 0, addKey: 0, toggle: 0});
  assert.equal(await page.locator('input[name=name]').getAttribute('readonly'), '');
  assert.equal(await page.locator('[data-test=save-app]').count(), 0);
  await shot(page, 'app-read-only');
  assert.equal(await page.locator('a[href="#/try"]').count(), 0, 'no signing: no secret');
  assert.equal(await page.locator('a[href="#/audit"]').count(), 1, 'reads the audit trail');
  await page.goto(`${d.url}/console/#/apps`);
  await page.locator('[data-test=apps-table]').waitFor();
  assert.equal(await page.locator('[data-test=new-app]').count(), 0);
  await context.close();
});

test('policies: a credential operator resets, and sees no reveal or delete', async () => {
  const app = (await d.call('GET', '/v1/apps?name=partner_app')).json.items[0];
  const op = await keyWith(d, 'partners', 'TollgateCredentialOperator');
  const {context, page} = await newPage();
  await signInThrough(page, op.id, op.secret);
  await page.locator('[data-test=whoami]').waitFor();
  assert.deepEqual(
      await appButtons(page, app.id),
      {reset: 1, reveal: 0, deleteApp: 0, deleteKey: 0, addKey: 0, toggle: 0});
  // Its overview leaves out what it may not read (APIs, the audit trail).
  assert.equal(await page.locator('a[href="#/audit"]').count(), 0);

  await page.click('[data-test=reset-secret]');
  await page.click(`${dialog} [data-test=confirm]`);
  await page.locator('[data-test=secret-once]').waitFor();
  await page.click('[data-test=secret-done]');
  const audit = await d.call('GET', `/v1/audit?action=app.secret.reset&actor=${op.id}`);
  assert.equal(audit.json.total, 1);
  assert.equal(audit.json.items[0].result, 'success');
  await context.close();
});

test('policies: a call the key may no longer make is refused, and shown', async () => {
  const app = (await d.call('GET', '/v1/apps?name=partner_app')).json.items[0];
  const key = await d.call('POST', '/v1/accounts/partners/access-keys', {body: {}});
  const {context, page} = await newPage();
  await signInThrough(page, key.json.id, key.json.secret);
  await page.locator('[data-test=whoami]').waitFor();
  const buttons = await appButtons(page, app.id);
  assert.equal(buttons.deleteApp, 1, 'no policy yet: the role allows it');

  // Read-only from now on: the page still shows the button, the server refuses.
  const att = await d.call(
      'POST', `/v1/accounts/partners/access-keys/${key.json.id}/policies`,
      {body: {name: 'TollgateReadOnlyAccess'}});
  assert.equal(att.status, 201, att.text);
  await page.click('[data-test=delete-app]');
  await page.fill('[data-test=typed-confirm]', 'partner_app');
  await page.click(`${dialog} [data-test=confirm]`);
  await page.locator('.notice.error').waitFor();
  assert.match(
      await page.textContent('.notice.error'),
      /apigateway:DeleteApp .*denied by policy TollgateReadOnlyAccess|no policy/);
  assert.equal((await d.call('GET', `/v1/apps/${app.id}`)).status, 200, 'not deleted');

  // Reloaded, the page reads the key's permissions again and hides it.
  await page.reload();
  await page.locator('[data-test=keys-table]').waitFor();
  assert.equal(await page.locator('[data-test=delete-app]').count(), 0);
  await context.close();
});

test('sign out ends the session on the server', async () => {
  const {page, context} = admin;
  const [cookie] = await context.cookies();
  await page.click('[data-test=sign-out]');
  await page.locator('[data-test=key-id]').waitFor();
  assert.equal((await context.cookies()).length, 0, 'the browser dropped the cookie');

  const res =
      await fetch(`${d.url}/v1/whoami`, {headers: {cookie: `${cookie.name}=${cookie.value}`}});
  assert.equal(res.status, 401, 'the old cookie no longer works');
  await context.close();

  const audit = await d.call('GET', `/v1/audit?action=session.delete&actor=${ADMIN_ID}`);
  assert.equal(audit.json.total, 1);
});

test('no console error and no CSP violation on any page', () => {
  assert.deepEqual(problems, []);
});
