// Runs `tollgate up` for a test: collects its output, and tells when it
// printed its banner or exited.

import {spawn} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

import {binDir, pgStoreUrl} from './tollgated.mjs';

// Whether nothing listens on a loopback port.
export function refuses(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

// Resolves once test() holds, polling for up to ms.
export async function eventually(test, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

// Whether process pid has exited (or is a zombie no one reaped yet).
export async function gone(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^State:\s+Z/m.test(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

// With TOLLGATE_E2E_PG (make e2e-pg), a --data-dir without --store gets
// the PostgreSQL schema of that directory as its --store.
function withStore(args) {
  const dir = args.indexOf('--data-dir');
  if (!process.env.TOLLGATE_E2E_PG || dir < 0 || args.includes('--store')) {
    return args;
  }
  return [...args, '--store', pgStoreUrl(args[dir + 1])];
}

// Starts `tollgate up`; resolves once it printed its banner, or exited.
export async function up(args, env = {}) {
  const proc = spawn(path.join(binDir, 'tollgate'), ['up', ...withStore(args)], {
    env: {PATH: process.env.PATH, HOME: '/nonexistent', ...env},
  });
  const run = {proc, out: '', stdout: '', stderr: ''};
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (c) => {
    run.out += c;
    run.stdout += c;
  });
  proc.stderr.on('data', (c) => {
    run.out += c;
    run.stderr += c;
  });
  run.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({code, signal})));
  await new Promise((resolve, reject) => {
    const timer =
        setTimeout(() => reject(new Error(`tollgate up did not start:\n${run.out}`)), 30000);
    proc.stdout.on('data', () => {
      if (run.out.includes('Ctrl-C stops both.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    run.exited.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  return run;
}
