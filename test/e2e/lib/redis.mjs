// A throwaway Redis for a test: Debian's redis-server (scripts/deps.sh
// test) on a free loopback port, with no persistence, in a temporary
// directory; stopped, killed, paused (SIGSTOP, a Redis that does not
// answer) and started again on the same port by the test.

import {spawn} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';

import {freePort} from './gateway.mjs';

const REDIS_SERVER = process.env.TOLLGATE_REDIS_SERVER || '/usr/bin/redis-server';

// One command over RESP, with a deadline: a simple reply's line (+OK,
// :1, -ERR ...), or a bulk string's text.  With a password, AUTH goes
// first and its +OK is skipped.
export function redisCommand(port, args, ms = 2000, password = null) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${args[0]}: no answer in ${ms} ms`));
    }, ms);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const command = (list) => `*${list.length}\r\n` +
        list.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('');
    socket.on('connect', () => {
      socket.write((password !== null ? command(['AUTH', password]) : '') + command(args));
    });
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (password !== null && data.subarray(0, 5).toString() === '+OK\r\n') {
        data = data.subarray(5);
        password = null;
      }
      const eol = data.indexOf('\r\n');
      if (eol < 0) {
        return;
      }
      let reply = data.subarray(0, eol).toString('utf8');
      const bulk = reply.match(/^\$(\d+)$/);
      if (bulk) {
        const end = eol + 2 + Number(bulk[1]);
        if (data.length < end) {
          return;
        }
        reply = data.subarray(eol + 2, end).toString('utf8');
      }
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    });
  });
}

export class Redis {
  // args: more redis-server arguments; password: for the test's commands
  // (--requirepass in args).
  constructor({args = [], password = null} = {}) {
    this.args = args;
    this.password = password;
  }

  async start() {
    this.dir ||= await mkdtemp(path.join(tmpdir(), 'tollgate-redis-'));
    this.port ||= await freePort();
    this.err = '';
    this.proc = spawn(
        REDIS_SERVER,
        [
          '--port',
          String(this.port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          this.dir,
          '--daemonize',
          'no',
          '--loglevel',
          'warning',
          ...this.args,
        ],
        {stdio: ['ignore', 'ignore', 'pipe']});
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (c) => this.err += c);
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
    const deadline = Date.now() + 10000;
    for (;;) {
      if (this.proc.exitCode !== null) {
        throw new Error(`redis-server exited: ${this.err}`);
      }
      try {
        if (await redisCommand(this.port, ['PING'], 500, this.password) === '+PONG') {
          return this;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(`redis-server did not start: ${this.err}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  command(...args) {
    return redisCommand(this.port, args, 2000, this.password);
  }

  pause() {
    this.proc.kill('SIGSTOP');
  }

  resume() {
    this.proc.kill('SIGCONT');
  }

  // Stops the server abruptly (its data is gone).
  async kill() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGCONT');
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }

  async stop() {
    await this.kill();
    if (this.dir) {
      await rm(this.dir, {recursive: true, force: true});
    }
  }
}
