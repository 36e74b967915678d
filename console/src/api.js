// The native API, called with the session cookie (sent by the browser,
// HttpOnly: the page never sees it) and the session's CSRF token, which
// lives only in this module's memory.

let csrf = '';
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http_error';
    this.field = e.field || null;
    this.requestId = e.request_id || null;
  }
}

export function setCsrf(token) {
  csrf = token || '';
}

// fn runs when a call finds the session ended (401).
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

export async function api(method, path, body, {quiet401 = false} = {}) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf) {
    headers['X-CSRF-Token'] = csrf;
  }

  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
    redirect: 'error',
  });

  if (res.status === 204) {
    return null;
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !quiet401) {
      onSignedOut(err);
    }
    throw err;
  }
  return data;
}

// A query string of the parameters that have a value.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one !== undefined && one !== null && one !== '') {
        q.append(k, String(one));
      }
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;

// Whether the session's key may perform action ("ResetAppSecret") on its
// account's resources, as the server computed it at sign-in or reload
// (the session's permissions, from the same authorizer as every call).
// A hint to hide controls: the server still decides each call.
export function may(session, action) {
  const p = session && session.permissions;
  return !p || p[`apigateway:${action}`] !== false;
}
