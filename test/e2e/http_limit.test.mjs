// The management API serves at most max_connections HTTP connections at
// once, each on a thread of its own (daemon/http/http.c); one more is
// closed as soon as it is accepted, and a slot freed serves again.

import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import {after, before, test} from 'node:test';

import {binDir, startTollgated} from './lib/tollgated.mjs';

const LIMIT = 3;
const REQUEST = 'GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n\r\n';

let d;

before(async () => {
  d = await startTollgated({args: ['--max-connections', String(LIMIT)]});
});

after(async () => {
  await d?.stop();
});

// Opens a connection and sends one request on it; resolves {socket,
// text, closed}: what came back before the answer's end or the close.
function ask() {
  return new Promise((resolve, reject) => {
    const socket = net.connect(d.port, '127.0.0.1');
    let text = '';
    const done = (closed) => resolve({socket, text, closed});
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(REQUEST));
    socket.on('data', (chunk) => {
      text += chunk;
      if (/\r\n\r\n[\s\S]*\}/.test(text)) {
        done(false);
      }
    });
    socket.on(
        'error',
        (err) => err.code === 'ECONNRESET' || err.code === 'EPIPE' ? done(true) : reject(err));
    socket.on('close', () => done(true));
  });
}

test(
    'the connection past max_connections is closed unanswered; a freed slot serves again',
    async () => {
      const held = [];
      for (let i = 0; i < LIMIT; i++) {
        const r = await ask();
        assert.match(r.text, /^HTTP\/1\.1 200/, `connection ${i + 1} of ${LIMIT}`);
        assert.equal(r.closed, false, 'kept alive');
        held.push(r.socket);
      }

      const over = await ask();
      assert.equal(over.closed, true);
      assert.equal(over.text, '', 'nothing answered past the limit');

      // The held connections still serve.
      held[0].write(REQUEST);
      const again = await new Promise((resolve) => {
        let text = '';
        held[0].on('data', (chunk) => {
          text += chunk;
          if (/\r\n\r\n[\s\S]*\}/.test(text)) {
            resolve(text);
          }
        });
      });
      assert.match(again, /^HTTP\/1\.1 200/);

      // Freeing one slot lets a new connection in (its thread ends a little
      // after the close is seen).
      held.pop().destroy();
      let served = null;
      for (let tries = 0; tries < 100 && served === null; tries++) {
        const r = await ask();
        if (!r.closed) {
          served = r;
        } else {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      assert.ok(served, 'a freed slot serves a new connection');
      assert.match(served.text, /^HTTP\/1\.1 200/);
      served.socket.destroy();
      for (const s of held) {
        s.destroy();
      }
      assert.match(d.stderr, /connection limit/i, 'the refusal is logged');
    });

test('max_connections is 1 to 16384', () => {
  for (const bad of ['0', '16385', 'many']) {
    const r =
        spawnSync(path.join(binDir, 'tollgated'), ['--max-connections', bad], {encoding: 'utf8'});
    assert.equal(r.status, 2, `--max-connections ${bad}: ${r.stderr}`);
    assert.match(r.stderr, /max.connections/);
  }
});
