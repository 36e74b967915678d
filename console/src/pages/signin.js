// Signing in: the access key's id and secret go once to POST
// /v1/sessions, which answers with an HttpOnly session cookie; the
// secret is dropped from the form at once and never stored.

import {api} from '../api.js';
import {h} from '../dom.js';

export function signInPage(onSignedIn, message) {
  const id = h('input', {name: 'access_key_id', autocomplete: 'username', required: true,
                         spellcheck: 'false', 'data-test': 'key-id'});
  const secret = h('input', {name: 'access_key_secret', type: 'password', required: true,
                             autocomplete: 'off', 'data-test': 'key-secret'});
  const error = h('p', {class: 'field-error', role: 'alert', 'data-test': 'signin-error'},
      '');
  error.hidden = true;
  const button = h('button', {type: 'submit', class: 'primary'}, 'Sign in');

  const form = h('form', {class: 'signin', onsubmit: async (e) => {
    e.preventDefault();
    button.disabled = true;
    error.hidden = true;
    const body = {access_key_id: id.value.trim(), access_key_secret: secret.value};
    secret.value = '';
    try {
      const session = await api('POST', '/v1/sessions', body, {quiet401: true});
      onSignedIn(session);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      button.disabled = false;
      secret.focus();
    } finally {
      body.access_key_secret = '';
    }
  }},
    h('h1', null, 'Tollgate console'),
    message ? h('p', {class: 'muted', role: 'status'}, message) : null,
    h('p', null, 'Sign in with an access key. Its secret is checked once and not kept: ' +
      'the browser holds a session that ends after a while, or when you sign out.'),
    h('label', {class: 'field'}, h('span', null, 'Access key id'), id),
    h('label', {class: 'field'}, h('span', null, 'Access key secret'), secret),
    error,
    h('div', {class: 'actions'}, button));
  setTimeout(() => id.focus(), 0);
  return h('div', {class: 'signin-wrap'}, form);
}
