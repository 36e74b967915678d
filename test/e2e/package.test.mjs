// The Debian package and `make install`: `make deb` builds the package
// (TOLLGATE_DEB names one already built instead); `dpkg -x` unpacks it into
// a temporary root, where its layout, control fields, conffiles, units,
// manual pages and maintainer scripts are checked; then tollgated and the
// gateway (nginx -p with the packaged module and configuration, paths moved
// into the temporary root, since nothing runs as root here) start from that
// layout, and the packaged CLI creates an app and makes a signed call
// through the gateway.

import assert from 'node:assert/strict';
import {execFile as execFileCb, spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {promisify} from 'node:util';

import {eventually, freePort} from './lib/gateway.mjs';
import {repoRoot, SANITIZER, Tollgated} from './lib/tollgated.mjs';

const execFile = promisify(execFileCb);
const NGINX = process.env.TOLLGATE_NGINX || '/usr/sbin/nginx';

const run = (cmd, args, opts = {}) =>
    execFile(cmd, args, {maxBuffer: 16 << 20, timeout: 600000, ...opts});

// Every file the package must hold, with its mode.
const LAYOUT = {
  'usr/sbin/tollgated': 0o755,
  'usr/bin/tollgate': 0o755,
  'usr/lib/nginx/modules/ngx_http_tollgate_module.so': 0o644,
  'usr/share/nginx/modules-available/mod-http-tollgate.conf': 0o644,
  'lib/systemd/system/tollgated.service': 0o644,
  'lib/systemd/system/tollgate-gateway.service': 0o644,
  'etc/tollgate/tollgated.conf': 0o644,
  'etc/tollgate/gateway.conf': 0o644,
  'etc/tollgate/sites/default.conf': 0o644,
  'etc/logrotate.d/tollgate-gateway': 0o644,
  'usr/share/man/man8/tollgated.8.gz': 0o644,
  'usr/share/man/man1/tollgate.1.gz': 0o644,
  'usr/share/doc/tollgate/service.md': 0o644,
  'usr/share/doc/tollgate/openapi.yaml': 0o644,
  'usr/share/doc/tollgate/api.md': 0o644,
  'usr/share/tollgate/nginx-up.conf.template': 0o644,
};

const CONFFILES = [
  '/etc/tollgate/tollgated.conf',
  '/etc/tollgate/gateway.conf',
  '/etc/tollgate/sites/default.conf',
  '/etc/logrotate.d/tollgate-gateway',
];

async function versionH() {
  const h = await readFile(path.join(repoRoot, 'include/tollgate/version.h'), 'utf8');
  return h.match(/#define TG_VERSION "([^"]+)"/)[1];
}

// Every file under dir, relative, sorted.
async function filesUnder(dir) {
  return (await readdir(dir, {recursive: true, withFileTypes: true}))
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
      .sort();
}

// Checks a manual page renders without a warning.
async function manRenders(file) {
  const {stdout, stderr} =
      await run('sh', ['-c', 'MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null', 'sh', file]);
  assert.equal(stdout + stderr, '', `${file}: man warned`);
  const {stdout: text} = await run('man', ['-l', file], {env: {...process.env, MANWIDTH: '80'}});
  assert.match(text, /NAME/);
  assert.match(text, /SYNOPSIS/);
}

// The package under test, built once for the file (TOLLGATE_DEB: a
// given one).
let debBuilt;
function theDeb() {
  debBuilt ??= (async () => {
    if (process.env.TOLLGATE_DEB)
      return process.env.TOLLGATE_DEB;
    const {stdout} = await run('make', ['--no-print-directory', '-s', 'deb'], {cwd: repoRoot});
    return path.resolve(repoRoot, stdout.trim().split('\n').pop());
  })();
  return debBuilt;
}

describe('the Debian package', () => {
  let deb, tmp, root;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-deb-'));
    deb = await theDeb();
    root = path.join(tmp, 'root');
    await mkdir(root);
    await run('dpkg', ['-x', deb, root]);
  });

  after(async () => {
    if (tmp)
      await rm(tmp, {recursive: true, force: true});
  });

  test('is named and described from version.h, with its dependencies', async () => {
    const version = await versionH();
    assert.equal(
        path.basename(deb),
        `tollgate_${version}_${(await run('dpkg', ['--print-architecture'])).stdout.trim()}.deb`);
    const field = async (name) => (await run('dpkg-deb', ['-f', deb, name])).stdout.trim();
    assert.equal(await field('Package'), 'tollgate');
    assert.equal(await field('Version'), version);
    const depends = await field('Depends');
    for (const lib
             of ['libc6', 'libmicrohttpd12', 'libjansson4', 'libsqlite3-0', 'libssl3', 'liblmdb0',
                 'libcurl4', 'adduser']) {
      assert.match(depends, new RegExp(`(^|, )${lib}( |,|$)`), `Depends lacks ${lib}: ${depends}`);
    }
    // The nginx ABI of the sources the module was built against.
    const abi = (await readFile('/usr/share/nginx/src/debian/libnginx-mod.abisubstvars', 'utf8'))
                    .match(/^nginx:abi=(.+)$/m)[1];
    assert.match(depends, new RegExp(`(^|, )${abi.replace(/[.]/g, '\\.')}(,|$)`));
    assert.ok(Number(await field('Installed-Size')) > 100);
    assert.match(await field('Maintainer'), /<[^>]+>/);
  });

  test('holds the layout, and nothing of the build tree', async () => {
    for (const [file, mode] of Object.entries(LAYOUT)) {
      const st = await stat(path.join(root, file));
      assert.equal(st.mode & 0o7777, mode, `${file}: mode ${(st.mode & 0o7777).toString(8)}`);
    }
    const files = await filesUnder(root);
    const stray = files.filter((f) => /\.(o|a|d|in)$|\/build\/|echo/.test(f));
    assert.deepEqual(stray, []);
    // Placeholders all filled, paths all Debian's.
    for (const f of files.filter((f) => f.startsWith('etc/') || f.includes('systemd'))) {
      const text = await readFile(path.join(root, f), 'utf8');
      assert.doesNotMatch(text, /@[A-Z_]+@/, f);
      assert.doesNotMatch(text, /\/usr\/local|\/home\/|\/work\//, f);
    }
    const conf = await readFile(path.join(root, 'etc/tollgate/gateway.conf'), 'utf8');
    assert.match(conf, /^load_module \/usr\/lib\/nginx\/modules\/ngx_http_tollgate_module\.so;$/m);
    // Stripped programs.
    const {stdout} = await run('file', ['-L', path.join(root, 'usr/sbin/tollgated')]);
    assert.match(stdout, /stripped/);
    assert.doesNotMatch(stdout, /not stripped/);
  });

  test('declares its configuration as conffiles', async () => {
    const dir = path.join(tmp, 'control');
    await run('dpkg-deb', ['-e', deb, dir]);
    const conffiles = (await readFile(path.join(dir, 'conffiles'), 'utf8')).trim().split('\n');
    assert.deepEqual(conffiles.sort(), [...CONFFILES].sort());
    for (const f of conffiles)
      assert.ok(existsSync(path.join(root, f)), f);
    // Every file under etc/ is a conffile.
    const etc = (await filesUnder(path.join(root, 'etc'))).map((f) => `/etc/${f}`);
    assert.deepEqual(etc.sort(), [...CONFFILES].sort());
    for (const script of ['postinst', 'prerm', 'postrm']) {
      const st = await stat(path.join(dir, script));
      assert.equal(st.mode & 0o777, 0o755, script);
      await run('sh', ['-n', path.join(dir, script)]);
    }
    // md5sums covers every file but the conffiles.
    const sums = (await readFile(path.join(dir, 'md5sums'), 'utf8')).trim().split('\n');
    const files = (await filesUnder(root)).filter((f) => !f.startsWith('etc/'));
    assert.deepEqual(sums.map((l) => l.split(/\s+/)[1]).sort(), files);
    await run('md5sum', ['--quiet', '-c', path.join(dir, 'md5sums')], {cwd: root});
  });

  test('postinst creates the user and the directories, once', async () => {
    // The script, its paths moved under tmp, with the commands that would
    // change the system replaced by ones that record their calls.
    const sys = path.join(tmp, 'sys');
    const bin = path.join(tmp, 'fakebin');
    await mkdir(bin, {recursive: true});
    const log = path.join(tmp, 'calls.log');
    const fake = (body) => `#!/bin/sh\necho "$(basename "$0") $*" >>${log}\n${body}\n`;
    await writeFile(path.join(bin, 'getent'), fake(`grep -qx "$2" ${tmp}/$1 2>/dev/null`));
    await writeFile(path.join(bin, 'addgroup'), fake(`echo "$3" >>${tmp}/group`));
    await writeFile(
        path.join(bin, 'adduser'), fake(`for a; do :; done; echo "$a" >>${tmp}/passwd`));
    await writeFile(path.join(bin, 'chown'), fake(''));
    await writeFile(path.join(bin, 'systemctl'), fake(''));
    for (const f of await readdir(bin))
      await chmod(path.join(bin, f), 0o755);
    const dirs = 'for dir in /var/lib/tollgate:0700 /var/log/tollgate:0750; do';
    const original = await readFile(path.join(tmp, 'control/postinst'), 'utf8');
    assert.ok(original.includes(dirs));
    const script = original.replace(dirs, dirs.replaceAll('/var/', `${sys}/var/`))
                       .replaceAll('/run/systemd/system', root);  // "systemd runs"
    await writeFile(path.join(tmp, 'postinst'), script, {mode: 0o755});
    const env = {...process.env, PATH: `${bin}:${process.env.PATH}`};

    await run(path.join(tmp, 'postinst'), ['configure', ''], {env});
    const first = await readFile(log, 'utf8');
    assert.match(first, /^addgroup --system --quiet tollgate$/m);
    assert.match(
        first, /^adduser --system .*--ingroup tollgate .*--home \/var\/lib\/tollgate .*tollgate$/m);
    assert.match(first, /^systemctl daemon-reload$/m);
    assert.doesNotMatch(first, /try-restart/);  // a first install starts nothing
    assert.equal((await stat(`${sys}/var/lib/tollgate`)).mode & 0o777, 0o700);
    assert.equal((await stat(`${sys}/var/log/tollgate`)).mode & 0o777, 0o750);

    await writeFile(log, '');
    await run(path.join(tmp, 'postinst'), ['configure', '0.0.9'], {env});
    const second = await readFile(log, 'utf8');
    assert.doesNotMatch(second, /adduser|addgroup|chown/);
    assert.match(second, /^systemctl try-restart tollgated.service tollgate-gateway.service$/m);
  });

  test(
      'its units verify and are hardened', {skip: !existsSync('/usr/bin/systemd-analyze')},
      async () => {
        const units = path.join(tmp, 'units');
        await mkdir(units);
        for (const name of ['tollgated.service', 'tollgate-gateway.service']) {
          const text = await readFile(path.join(root, 'lib/systemd/system', name), 'utf8');
          for (const line
                   of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes',
                       'PrivateTmp=yes', 'User=tollgate', 'StateDirectory=tollgate',
                       'LogsDirectory=tollgate']) {
            assert.match(text, new RegExp(`^${line}$`, 'm'), `${name}: ${line}`);
          }
          assert.match(text, /^RuntimeDirectory=tollgate/m);
          assert.match(text, /^CapabilityBoundingSet=(CAP_NET_BIND_SERVICE)?$/m);
          // The program from the unpacked root (systemd-analyze checks it
          // is executable).
          await writeFile(
              path.join(units, name),
              text.replace('/usr/sbin/tollgated', path.join(root, 'usr/sbin/tollgated')));
        }
        const {stdout, stderr} = await run('systemd-analyze', [
          'verify', '--man=no',
          ...['tollgated.service', 'tollgate-gateway.service'].map((u) => path.join(units, u))
        ]);
        assert.equal(stdout + stderr, '', 'systemd-analyze verify said something');
        // systemd's own rating of their exposure, 0 (none) to 10: "OK" is
        // below 5; both must stay under 2.5.
        for (const name of ['tollgated.service', 'tollgate-gateway.service']) {
          const {stdout: report} =
              await run('systemd-analyze', ['security', '--offline=yes', path.join(units, name)]);
          const level = Number(report.match(/Overall exposure level for \S+: ([\d.]+)/)[1]);
          assert.ok(level < 2.5, `${name}: exposure ${level}`);
        }
      });

  test('its manual pages render without warnings', async () => {
    await manRenders(path.join(root, 'usr/share/man/man8/tollgated.8.gz'));
    await manRenders(path.join(root, 'usr/share/man/man1/tollgate.1.gz'));
  });

  test('runs from its layout: tollgated, the gateway, the CLI, a signed call', async () => {
    const top = path.join(tmp, 'run');
    const dataDir = path.join(top, 'var/lib/tollgate');
    const etc = path.join(top, 'etc/tollgate');
    const logDir = path.join(top, 'var/log/tollgate');
    const gwPort = await freePort();

    // An upstream that answers with what it received.
    const upstream = http.createServer((req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end(JSON.stringify({url: req.url, headers: req.headers}));
    });
    await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));

    // The packaged configuration, its system paths moved under top.
    const moves = [
      ['/usr/lib/nginx/modules', path.join(root, 'usr/lib/nginx/modules')],
      ['/etc/tollgate', etc],
      ['/var/lib/tollgate', dataDir],
      ['/var/log/tollgate', logDir],
      ['/run/tollgate-gateway', path.join(top, 'run/tollgate-gateway')],
      ['/var/cache/tollgate-gateway', path.join(top, 'var/cache/tollgate-gateway')],
      ['listen 127.0.0.1:8080;', `listen 127.0.0.1:${gwPort};`],
      ['server 127.0.0.1:8081;', `server 127.0.0.1:${upstream.address().port};`],
    ];
    for (const f of ['tollgated.conf', 'gateway.conf', 'sites/default.conf']) {
      let text = await readFile(path.join(root, 'etc/tollgate', f), 'utf8');
      for (const [from, to] of moves) {
        text = text.replaceAll(from, to);
      }
      await mkdir(path.dirname(path.join(etc, f)), {recursive: true});
      await writeFile(path.join(etc, f), text);
    }
    for (const d
             of [logDir, path.join(top, 'run/tollgate-gateway'),
                 path.join(top, 'var/cache/tollgate-gateway')]) {
      await mkdir(d, {recursive: true});
    }
    const gatewayConf = await readFile(path.join(etc, 'gateway.conf'), 'utf8');
    assert.doesNotMatch(gatewayConf, /\s\/(var|run)\/|\s\/etc\/tollgate/);

    // tollgated from the package, with its packaged settings (data_dir
    // moved): it makes the first admin key on its first start.
    const d = new Tollgated({
      binDir: path.join(root, 'usr/sbin'),
      dataDir,
      bootstrap: false,
      args: ['--config', path.join(etc, 'tollgated.conf')],
    });
    await d.start();
    let nginx;
    try {
      const health = await d.call('GET', '/healthz', {auth: null});
      assert.equal(health.status, 200);

      // The gateway: Debian's nginx with the packaged module and config.
      const user = process.getuid() === 0 ? ' user root root;' : '';
      await run(NGINX, [
        '-t', '-q', '-p', top, '-e', path.join(logDir, 'gateway-error.log'), '-c',
        path.join(etc, 'gateway.conf'), '-g', `daemon off;${user}`
      ]);
      let nginxErr = '';
      nginx = spawn(
          NGINX,
          [
            '-p', top, '-e', path.join(logDir, 'gateway-error.log'), '-c',
            path.join(etc, 'gateway.conf'), '-g', `daemon off;${user}`
          ],
          {stdio: ['ignore', 'ignore', 'pipe']});
      nginx.stderr.on('data', (c) => nginxErr += c);
      const nginxExited = new Promise((resolve) => nginx.on('exit', resolve));

      // The packaged CLI, with the admin key file tollgated wrote.
      const cli = (...args) =>
          run(path.join(root, 'usr/bin/tollgate'),
              ['--config', path.join(dataDir, 'admin-access-key'), ...args]);
      assert.equal(((await stat(path.join(dataDir, 'admin-access-key'))).mode & 0o777), 0o600);
      await cli('whoami');
      await cli('api', 'create', 'default');
      await cli('app', 'create', 'pkg_app');
      await cli('grant', 'add', 'pkg_app', 'default');

      const url = `http://127.0.0.1:${gwPort}/hello?name=deb`;
      let answer;
      await eventually(async () => {
        if (nginx.exitCode !== null)
          throw new Error(`nginx exited:\n${nginxErr}`);
        try {
          answer = JSON.parse((await cli('sign', '--app', 'pkg_app', url)).stdout);
          return true;
        } catch {
          return false;
        }
      }, 10000);
      assert.equal(answer.url, '/hello?name=deb');
      assert.match(answer.headers['x-tollgate-app-id'], /^\d+$/);
      assert.equal(answer.headers['x-ca-signature'], undefined);  // stripped

      // A wrong secret is refused at the gateway.
      const show = JSON.parse((await cli('--json', 'app', 'show', 'pkg_app')).stdout);
      const refused =
          await cli('sign', '--app-key', show.app_key, '--app-secret', 'wrong-secret-1', url)
              .then(() => null, (e) => e);
      assert.ok(refused, 'a call signed with a wrong secret passed');

      // nginx's own refusals are JSON in the packaged gateway too; the
      // module's keep their shape.
      const big = await new Promise((resolve, reject) => {
        const req = http.request(
            {
              host: '127.0.0.1',
              port: gwPort,
              method: 'POST',
              path: '/x',
              headers: {'content-length': 2000000},  // over client_max_body_size
            },
            (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (c) => body += c);
              res.on('end', () => {
                req.destroy();
                resolve({status: res.statusCode, type: res.headers['content-type'], body});
              });
            });
        req.on('error', reject);
        req.flushHeaders();
      });
      assert.equal(big.status, 413, big.body);
      assert.match(big.type, /^application\/json/);
      assert.deepEqual(JSON.parse(big.body), {message: 'Request body too large'});
      const unsigned = await fetch(`http://127.0.0.1:${gwPort}/x`);
      assert.equal(unsigned.status, 401);
      assert.deepEqual(Object.keys(await unsigned.json()), ['Message', 'RequestId']);

      // The access log records the calls, and no credential.
      nginx.kill('SIGQUIT');
      await nginxExited;
      nginx = null;
      const access = await readFile(path.join(logDir, 'gateway-access.log'), 'utf8');
      assert.match(access, /"GET \/hello" 200 /);
      assert.match(access, /"GET \/hello" 4\d\d .* "[A-Za-z ]+"$/m);  // the reason alone
      assert.doesNotMatch(access, /name=deb|StringToSign/);
      assert.ok(!access.includes(show.app_key), 'the access log holds an AppKey');
      const errors = await readFile(path.join(logDir, 'gateway-error.log'), 'utf8');
      assert.doesNotMatch(errors, /\[(alert|emerg|crit)\]/);
    } finally {
      if (nginx)
        nginx.kill('SIGKILL');
      await new Promise((resolve) => upstream.close(resolve));
      await d.stop({keepData: true});
    }
    assert.doesNotMatch(d.stderr, SANITIZER);
  });
});

describe('tollgate up from the package', () => {
  let tmp, root;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-deb-up-'));
    const deb = await theDeb();
    root = path.join(tmp, 'root');
    await mkdir(root);
    await run('dpkg', ['-x', deb, root]);
  });

  after(async () => {
    if (tmp)
      await rm(tmp, {recursive: true, force: true});
  });

  const upArgs = async (dataDir) =>
      ['up', '--data-dir', dataDir, '--admin-listen', `127.0.0.1:${await freePort()}`,
       '--gateway-listen', `127.0.0.1:${await freePort()}`];

  test('without --upstream it says that it needs one (no sample upstream)', async () => {
    const e = await run(path.join(root, 'usr/bin/tollgate'), await upArgs(path.join(tmp, 'v1')))
                  .then(() => null, (err) => err);
    assert.ok(e, 'tollgate up started without an upstream');
    assert.equal(e.code, 2);
    assert.match(
        e.stderr,
        /^tollgate: the sample upstream \(\S+\/usr\/lib\/nginx\/modules\/ngx_http_tollgate_echo_module\.so\) is not installed; give --upstream URL/);
  });

  test('with --upstream it finds tollgated, the module and the template it installed', async () => {
    const upstream = http.createServer((req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      res.end('{"mine":true}');
    });
    await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const dataDir = path.join(tmp, 'v2');
    const args = await upArgs(dataDir);
    const gateway = args[args.indexOf('--gateway-listen') + 1];
    const proc = spawn(
        path.join(root, 'usr/bin/tollgate'),
        [...args, '--upstream', `http://127.0.0.1:${upstream.address().port}`],
        {env: {PATH: process.env.PATH, HOME: '/nonexistent'}});
    let out = '';
    proc.stdout.on('data', (c) => out += c);
    proc.stderr.on('data', (c) => out += c);
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    try {
      await eventually(() => out.includes('Ctrl-C stops both.') || proc.exitCode !== null, 30000);
      assert.match(out, /Ctrl-C stops both\./);
      const conf = await readFile(path.join(dataDir, 'nginx/nginx.conf'), 'utf8');
      assert.match(
          conf,
          new RegExp(
              `^load_module ${root}/usr/lib/nginx/modules/ngx_http_tollgate_module\\.so;$`, 'm'));
      assert.doesNotMatch(conf, /echo/);
      const res = await fetch(`http://${gateway}/x`);
      assert.equal(res.status, 401);
      assert.deepEqual(Object.keys(await res.json()), ['Message', 'RequestId']);
    } finally {
      proc.kill('SIGINT');
      await exited;
      await new Promise((resolve) => upstream.close(resolve));
    }
    assert.doesNotMatch(out, SANITIZER);
  });
});

describe('make install', () => {
  let tmp;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'tollgate-install-'));
  });

  after(async () => {
    if (tmp)
      await rm(tmp, {recursive: true, force: true});
  });

  test('installs under DESTDIR/PREFIX with the paths of PREFIX', async () => {
    const dest = path.join(tmp, 'dest');
    await run(
        'make', ['--no-print-directory', '-s', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr/local'],
        {cwd: repoRoot});
    const base = path.join(dest, 'usr/local');
    for (const [file, mode] of Object.entries({
           'sbin/tollgated': 0o755,
           'bin/tollgate': 0o755,
           'lib/tollgate/ngx_http_tollgate_module.so': 0o644,
           'share/man/man8/tollgated.8.gz': 0o644,
           'share/man/man1/tollgate.1.gz': 0o644,
           'lib/systemd/system/tollgated.service': 0o644,
           'lib/systemd/system/tollgate-gateway.service': 0o644,
           'share/tollgate/examples/etc/tollgate/tollgated.conf': 0o644,
           'share/tollgate/examples/etc/tollgate/gateway.conf': 0o644,
           'share/tollgate/examples/etc/tollgate/sites/default.conf': 0o644,
           'share/tollgate/examples/logrotate.d/tollgate-gateway': 0o644,
           'share/doc/tollgate/service.md': 0o644,
         })) {
      const st = await stat(path.join(base, file));
      assert.equal(st.mode & 0o7777, mode, file);
    }
    // Nothing outside DESTDIR/PREFIX: no /etc, no unit in /lib.
    assert.deepEqual(await readdir(dest), ['usr']);
    assert.deepEqual(await readdir(path.join(dest, 'usr')), ['local']);

    const unit = await readFile(path.join(base, 'lib/systemd/system/tollgated.service'), 'utf8');
    assert.match(
        unit,
        /^ExecStart=\/usr\/local\/sbin\/tollgated --config \/etc\/tollgate\/tollgated\.conf$/m);
    const conf = await readFile(
        path.join(base, 'share/tollgate/examples/etc/tollgate/gateway.conf'), 'utf8');
    assert.match(conf, /^load_module \/usr\/local\/lib\/tollgate\/ngx_http_tollgate_module\.so;$/m);
    assert.doesNotMatch(conf, /@[A-Z_]+@/);

    // The installed program runs, and its manual page renders.
    const {stdout} = await run(path.join(base, 'sbin/tollgated'), ['--version']);
    assert.match(stdout, new RegExp(await versionH()));
    await manRenders(path.join(base, 'share/man/man8/tollgated.8.gz'));
  });

  test('installs the console\'s files when the build made them', async () => {
    // A build tree with the real binaries and a console of one file.
    const build = path.join(tmp, 'build');
    await mkdir(path.join(build, 'console/assets'), {recursive: true});
    await symlink(path.join(repoRoot, 'build/bin'), path.join(build, 'bin'));
    await symlink(path.join(repoRoot, 'build/nginx'), path.join(build, 'nginx'));
    await writeFile(path.join(build, 'console/index.html'), '<!doctype html>');
    await writeFile(path.join(build, 'console/assets/app.js'), '');
    const dest = path.join(tmp, 'console-dest');
    await run(
        path.join(repoRoot, 'packaging/install.sh'), ['local', dest, '/opt/tg'],
        {env: {...process.env, BUILD: build}});
    const share = path.join(dest, 'opt/tg/share/tollgate/console');
    assert.equal(await readFile(path.join(share, 'index.html'), 'utf8'), '<!doctype html>');
    assert.equal((await stat(path.join(share, 'assets/app.js'))).mode & 0o777, 0o644);
  });
});
