// `tollgate policy ...`: managing policies from the CLI, and the simulator
// `tollgate policy check`, which answers allowed or denied (exit 0 or 1)
// and names the deciding statement.

import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';

import {policyWorld} from './lib/policies.mjs';
import {ADMIN_ID, ADMIN_SECRET, binDir, SANITIZER, startTollgated} from './lib/tollgated.mjs';

let d, w, home;

function cli(args, {input} = {}) {
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    TOLLGATE_ENDPOINT: d.url,
    TOLLGATE_ACCESS_KEY_ID: ADMIN_ID,
    TOLLGATE_ACCESS_KEY_SECRET: ADMIN_SECRET,
  };
  return new Promise((resolve, reject) => {
    const proc = spawn(path.join(binDir, 'tollgate'), args, {env});
    let stdout = '', stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (c) => stdout += c);
    proc.stderr.on('data', (c) => stderr += c);
    proc.on('error', reject);
    proc.stdin.on('error', () => {});
    proc.on('close', (code) => {
      if (SANITIZER.test(stderr)) {
        reject(new Error(`sanitizer report from tollgate ${args.join(' ')}:\n${stderr}`));
      }
      resolve({code, stdout, stderr});
    });
    proc.stdin.end(input ?? '');
  });
}

before(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'tg-policy-cli-'));
  d = await startTollgated();
  w = await policyWorld(d, 'clip');
});

after(async () => {
  await d.stop();
  await rm(home, {recursive: true, force: true});
});

const arn = (app) => `acs:apigateway:local:${w.account.id}:app/${app.app_id}`;

test('policy check names the deciding statement; exit 0 allowed, 1 denied', async () => {
  let r = await cli([
    'policy',
    'check',
    '--account',
    'clip',
    '--key',
    w.op.id,
    '--action',
    'apigateway:DescribeAppSecurity',
    '--resource',
    arn(w.a),
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^denied: apigateway:DescribeAppSecurity on acs:apigateway:local:/);
  assert.match(
      r.stdout, /decided by policy TollgateCredentialOperator, statement 2, Sid NoReveal \(Deny\)/);

  r = await cli([
    'policy',
    'check',
    '--account',
    'clip',
    '--key',
    w.op.id,
    '--action',
    'apigateway:ResetAppSecret',
    '--resource',
    arn(w.a),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^allowed: /);
  assert.match(r.stdout, /statement 0, Sid Rotate \(Allow\)/);

  r = await cli([
    'policy',
    'check',
    '--account',
    'clip',
    '--key',
    w.outside.id,
    '--action',
    'apigateway:DescribeApp',
    '--resource',
    arn(w.a),
    '--ip',
    '10.9.8.7',
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  r = await cli([
    'policy',
    'check',
    '--account',
    'clip',
    '--key',
    w.outside.id,
    '--action',
    'apigateway:DescribeApp',
    '--resource',
    arn(w.a),
    '--ip',
    '192.0.2.1',
  ]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /denied by default/);

  r = await cli(['policy', 'check', '--key', w.op.id, '--action', 'apigateway:DescribeApp']);
  assert.equal(r.code, 2);
});

test('create from a file, list, attach, attached, detach, delete', async () => {
  const file = path.join(home, 'readers.json');
  await writeFile(file, JSON.stringify({
    Version: '1',
    Statement: [{Sid: 'Read', Effect: 'Allow', Action: 'apigateway:Describe*', Resource: '*'}],
  }));
  let r = await cli([
    'policy',
    'create',
    'Readers',
    '--account',
    'clip',
    '--document',
    file,
    '--description',
    'reads',
  ]);
  assert.equal(r.code, 0, r.stderr);
  r = await cli(['--json', 'policy', 'list', '--account', 'clip']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).some((p) => p.name === 'Readers'), r.stdout);

  const key = await d.call('POST', '/v1/accounts/clip/access-keys', {body: {}});
  r = await cli(['policy', 'attach', key.json.id, 'Readers', '--account', 'clip']);
  assert.equal(r.code, 0, r.stderr);
  r = await cli(['policy', 'attached', key.json.id, '--account', 'clip']);
  assert.match(r.stdout, /Readers\s+named/);

  // A bad document is refused naming the statement and the field.
  await writeFile(file, '{"Statement":[{"Effect":"Allow","Action":"*"}]}');
  r = await cli(['policy', 'update', 'Readers', '--account', 'clip', '--document', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Statement\[0\]\.Resource/);

  r = await cli(['policy', 'detach', key.json.id, 'Readers', '--account', 'clip']);
  assert.equal(r.code, 0, r.stderr);
  r = await cli(['policy', 'delete', 'Readers', '--account', 'clip']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /policy deleted/);
});
