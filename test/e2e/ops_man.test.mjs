// The manual pages in man/ render without a warning, and cover what an
// operator reaches for: reload (SIGHUP, `tollgate reload`), `tollgate
// version`, `tollgate policy`, TLS, the credential policy, the console,
// the log file and the metrics settings.  (package.test.mjs renders the
// packaged, gzipped copies too.)

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {test} from 'node:test';

import {repoRoot} from './lib/tollgated.mjs';

function render(page) {
  const file = path.join(repoRoot, 'man', page);
  const env = {...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: ''};
  const warned = spawnSync(
      'sh', ['-c', 'man --warnings -l "$1" 2>&1 >/dev/null', 'sh', file], {encoding: 'utf8', env});
  assert.equal(warned.status, 0);
  assert.equal(warned.stdout, '', `${page}: man warned`);
  const r = spawnSync('man', ['-l', file], {encoding: 'utf8', env: {...env, MANPAGER: 'cat'}});
  assert.equal(r.status, 0, r.stderr);
  // Without the formatting: hyphenation at line ends joined, spaces single.
  return r.stdout.replace(/.\x08/g, '').replace(/‐\n\s+/g, '').replace(/\s+/g, ' ');
}

test('tollgated(8) covers reload, TLS, the log file, metrics and the console', () => {
  const text = render('tollgated.8');
  for (const want
           of ['SIGHUP', 'setting applied', 'setting changed, needs a restart', 'tollgate reload',
               'systemctl reload tollgated', '--tls-cert', '--tls-key', '--require-tls',
               '--log-file', 'logrotate(8)', '--metrics-open-loopback', '--ready-max-age',
               '--ready-max-lag', '--console-dir', '--console-session-seconds',
               '--console-idle-seconds', '--max-secret-age', '--reveal-once', 'max_body',
               'max_apps', 'app_write_rate']) {
    assert.ok(text.includes(want), `tollgated(8) lacks ${want}`);
  }
});

test('tollgate(1) covers reload, version, policy, TLS and the credential policy', () => {
  const text = render('tollgate.1');
  for (const want
           of ['reload [--data-dir dir]', 'SIGHUP', 'version', 'policy create', 'policy check',
               'attach', '--cacert', 'TOLLGATE_CACERT', '--tls-cert', '--tls-key', '--require-tls',
               '--reveal-once', '--max-secret-age', '--no-max-secret-age', '--min-grace',
               '--max-grace', '--secret-min-length', '--secret-classes', '--upstream']) {
    assert.ok(text.includes(want), `tollgate(1) lacks ${want}`);
  }
});
