// Helpers of the console's tests: where its built assets are, a daemon
// that serves them, sessions over plain HTTP, and Debian's headless
// Chromium driven by playwright-core.

import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import path from 'node:path';

import {repoRoot, startTollgated} from './tollgated.mjs';

// `make console` builds here (the e2e target depends on it).
export const consoleDir = process.env.TOLLGATE_CONSOLE_DIR || path.join(repoRoot, 'build/console');

// Screenshots of the pages, from a real run; docs/console/ holds a copy.
export const screenshotDir =
    process.env.TOLLGATE_SCREENSHOT_DIR || path.join(repoRoot, 'build/console-screenshots');

export const CHROMIUM = process.env.TOLLGATE_CHROMIUM || '/usr/bin/chromium';

export async function startConsoleDaemon(args = []) {
  assert.ok(
      existsSync(path.join(consoleDir, 'index.html')),
      `no console in ${consoleDir}: run make console`);
  return startTollgated({args: ['--console-dir', consoleDir, ...args]});
}

// Signs in over HTTP: {cookie, csrf, json} ("name=value" for Cookie).
export async function signIn(d, id, secret) {
  const res = await fetch(`${d.url}/v1/sessions`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({access_key_id: id, access_key_secret: secret}),
  });
  const json = await res.json();
  assert.equal(res.status, 201, JSON.stringify(json));
  const setCookie = res.headers.get('set-cookie');
  return {cookie: setCookie.split(';')[0], csrf: json.csrf_token, setCookie, json};
}

// One call with a session: {status, json, headers}.
export async function sessionCall(d, s, method, pathname, {body, csrf = s.csrf} = {}) {
  const headers = {cookie: s.cookie};
  if (csrf) {
    headers['x-csrf-token'] = csrf;
  }
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(
      `${d.url}${pathname}`,
      {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await res.text();
  return {status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null, text};
}

export async function launchChromium() {
  const {chromium} = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
