// Shared pieces of the pages: dialogs, notices, field errors, paging.

import {h, append, replace} from './dom.js';

// Opens a modal <dialog> holding body; resolves with what done() is given
// (undefined when it is dismissed with Escape or Cancel).
export function modal(title, build, {wide = false} = {}) {
  return new Promise((resolve) => {
    const dlg = h('dialog', {class: wide ? 'wide' : null, 'aria-label': title});
    let settled = false;
    const done = (value) => {
      if (!settled) {
        settled = true;
        dlg.close();
        dlg.remove();
        resolve(value);
      }
    };
    dlg.addEventListener('close', () => done(undefined));
    append(dlg, [h('h2', null, title), build(done)]);
    document.body.append(dlg);
    dlg.showModal();
  });
}

// Asks to confirm: resolves true or false.
export async function confirmDialog(title, text, action = 'Confirm', {danger = false} = {}) {
  const ok = await modal(title, (done) => h('div', null,
      h('p', null, text),
      h('div', {class: 'actions'},
        h('button', {type: 'button', onclick: () => done(false)}, 'Cancel'),
        h('button', {type: 'button', class: danger ? 'danger' : 'primary',
                     'data-test': 'confirm', onclick: () => done(true)}, action))));
  return ok === true;
}

// Asks to type word before a destructive action.
export async function typedConfirm(title, text, word, action) {
  const ok = await modal(title, (done) => {
    const input = h('input', {type: 'text', autocomplete: 'off', 'aria-label': 'confirmation',
                              'data-test': 'typed-confirm', spellcheck: 'false'});
    const button = h('button', {type: 'submit', class: 'danger', disabled: true,
                                'data-test': 'confirm'}, action);
    input.addEventListener('input', () => {
      button.disabled = input.value !== word;
    });
    return h('form', {onsubmit: (e) => {
      e.preventDefault();
      done(input.value === word);
    }},
      h('p', null, text),
      h('p', null, 'Type ', h('code', null, word), ' to confirm.'),
      input,
      h('div', {class: 'actions'},
        h('button', {type: 'button', onclick: () => done(false)}, 'Cancel'), button));
  });
  return ok === true;
}

// Shows a secret once, with a copy button and a warning.
export function secretOnce(title, rows, warning) {
  return modal(title, (done) => h('div', {'data-test': 'secret-once'},
      h('p', {class: 'warning', role: 'alert'}, warning ||
        'Copy it now: this is the only time Tollgate shows it in clear. ' +
        'Later it is masked, and revealing it again is audited.'),
      rows.map(([label, value]) => h('div', {class: 'secret-row'},
        h('label', null, label),
        h('code', {class: 'secret', 'data-test': 'secret-value'}, value),
        copyButton(value))),
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'primary', 'data-test': 'secret-done',
                     onclick: () => done(true)}, 'I have copied it'))), {wide: true});
}

export function copyButton(value) {
  const b = h('button', {type: 'button', class: 'small'}, 'Copy');
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      b.textContent = 'Copied';
    } catch {
      b.textContent = 'Select and copy';
    }
    setTimeout(() => {
      b.textContent = 'Copy';
    }, 2000);
  });
  return b;
}

// A message at the top of the page.
export function notice(text, kind = 'ok') {
  const area = document.getElementById('notices');
  if (!area) {
    return;
  }
  const n = h('div', {class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status'}, text);
  area.append(n);
  setTimeout(() => n.remove(), kind === 'error' ? 10000 : 5000);
}

// Shows an API error: beside its field when the form has one, else on top.
export function showError(err, form) {
  if (form) {
    for (const el of form.querySelectorAll('.field-error')) {
      el.remove();
    }
  }
  const field = err && err.field && form && form.querySelector(`[name="${err.field}"]`);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.after(h('span', {class: 'field-error', role: 'alert', 'data-field': err.field},
        err.message));
    field.focus();
    return;
  }
  notice(err && err.message ? err.message : String(err), 'error');
}

// A labelled input row.
export function field(label, input, hint) {
  return h('label', {class: 'field'}, h('span', null, label), input,
      hint ? h('small', null, hint) : null);
}

// Tags as "key=value" lines, and back.
export function tagsToText(tags) {
  return Object.entries(tags || {}).map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('\n');
}

export function textToTags(text) {
  const tags = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) {
      continue;
    }
    const eq = t.indexOf('=');
    if (eq < 0) {
      tags[t] = '';
    } else {
      tags[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
    }
  }
  return tags;
}

// Paging controls: "1–20 of 153", previous, next.
export function pager(offset, limit, total, go) {
  const last = Math.min(offset + limit, total);
  return h('div', {class: 'pager'},
    h('span', {'data-test': 'page-info'},
      total === 0 ? 'none' : `${offset + 1}–${last} of ${total}`),
    h('button', {type: 'button', class: 'small', disabled: offset === 0,
                 onclick: () => go(Math.max(0, offset - limit))}, '‹ Previous'),
    h('button', {type: 'button', class: 'small', disabled: last >= total,
                 onclick: () => go(offset + limit)}, 'Next ›'));
}

export function badge(status) {
  return h('span', {class: `badge ${status}`}, status);
}

export function loading(el) {
  replace(el, h('p', {class: 'muted'}, 'Loading…'));
}
