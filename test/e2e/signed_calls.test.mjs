// Signed management calls are authenticated by the core: one nonce store
// for every dialect, sized by --signed-nonces (or its former name
// --alibaba-nonces, or TOLLGATE_SIGNED_NONCES), which refuses new nonces
// with a 503 when full rather than forget one; and a nonce is remembered
// for as long as its timestamp is in the window, whatever that timestamp.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {describe, test} from 'node:test';

import {isoSeconds, rawCall} from './lib/alibaba.mjs';
import {startTollgated} from './lib/tollgated.mjs';

// Fills a store of two nonces, then expects the third call refused.
async function expectFullAfterTwo(d) {
  for (let i = 0; i < 2; i++) {
    const res = await rawCall(d, 'DescribeApps', {AppOwner: '1'});
    assert.equal(res.status, 200, res.text);
  }
  const full = await rawCall(d, 'DescribeApps', {AppOwner: '1'});
  assert.equal(full.status, 503, full.text);
  assert.equal(full.json.Code, 'ServiceUnavailable');
  assert.match(full.json.Message, /too many signature nonces/);
}

// Nodes that share a PostgreSQL store keep the nonces in it, without the
// in-memory bound (docs/limits.md).
const bounded = {
  skip: !!process.env.TOLLGATE_E2E_PG && 'the store keeps the nonces'
};

describe('the nonce store', () => {
  for (const [name, opts] of [
           ['--signed-nonces', {args: ['--signed-nonces', '2']}],
           ['--alibaba-nonces (its former name)', {args: ['--alibaba-nonces', '2']}],
           ['TOLLGATE_SIGNED_NONCES', {env: {TOLLGATE_SIGNED_NONCES: '2'}}],
           ['TOLLGATE_ALIBABA_NONCES', {env: {TOLLGATE_ALIBABA_NONCES: '2'}}],
  ]) {
    test(`is sized by ${name} and refuses when full`, bounded, async () => {
      const d = await startTollgated(opts);
      try {
        await expectFullAfterTwo(d);
      } finally {
        await d.stop();
      }
    });
  }

  test('both names set one value: the later flag wins', bounded, async () => {
    const d = await startTollgated({args: ['--signed-nonces', '100', '--alibaba-nonces', '2']});
    try {
      await expectFullAfterTwo(d);
    } finally {
      await d.stop();
    }
  });

  test('--help lists both names', async () => {
    const {spawnSync} = await import('node:child_process');
    const path = (await import('node:path')).default;
    const {binDir} = await import('./lib/tollgated.mjs');
    const help = spawnSync(path.join(binDir, 'tollgated'), ['--help'], {encoding: 'utf8'});
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--signed-nonces\s+TOLLGATE_SIGNED_NONCES/);
    assert.match(help.stdout, /--alibaba-nonces\s+TOLLGATE_ALIBABA_NONCES/);
  });

  test('a replay inside the window is refused whatever its timestamp', async () => {
    const d = await startTollgated();
    try {
      for (const minutes of [-14, 0, 14]) {
        const nonce = crypto.randomUUID();
        const timestamp = isoSeconds(new Date(Date.now() + minutes * 60000));
        const first = await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {nonce, timestamp});
        assert.equal(first.status, 200, first.text);
        const again = await rawCall(d, 'DescribeApps', {AppOwner: '1'}, {nonce, timestamp});
        assert.equal(again.status, 400);
        assert.equal(again.json.Code, 'SignatureNonceUsed');
      }
    } finally {
      await d.stop();
    }
  });
});
