// Child processes of the bench: started with their output in log files, tracked so that every one
// of them is stopped (SIGTERM, then SIGKILL) whatever happens to the run.

import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const running = new Set<ChildProcess>();

export interface Started {
  child: ChildProcess;
  /** The first `READY {json}` line, parsed (services that announce themselves). */
  ready: Record<string, unknown>;
  stop(graceMs?: number): Promise<void>;
}

function stopper(child: ChildProcess) {
  return (graceMs = 12_000) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        running.delete(child);
        resolve();
        return;
      }
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        running.delete(child);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/**
 * Starts a long-running process; resolves when it prints `READY {json}` (wantReady) or at once.
 * stdout (after READY) and stderr go to `<logDir>/<name>.log`.
 */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd: string; logDir: string; wantReady: boolean; timeoutMs?: number },
): Promise<Started> {
  const logFd = openSync(join(options.logDir, `${name}.log`), 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', options.wantReady ? 'pipe' : logFd, logFd],
  });
  closeSync(logFd);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const stop = stopper(child);
  if (!options.wantReady) return { child, ready: {}, stop };
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${options.timeoutMs ?? 60_000} ms (see ${name}.log)`)), options.timeoutMs ?? 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const line = /^READY (.*)$/m.exec(buffer)?.[1];
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready (see ${name}.log)`));
    });
  });
  child.stdout?.resume();
  return { child, ready, stop };
}

/** Runs a bench script to completion and returns its `RESULT {json}` line, parsed. */
export async function runForResult<T>(
  name: string,
  script: string,
  arg: string,
  options: { cwd: string; logDir: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<T> {
  const logFd = openSync(join(options.logDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', script, arg], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', logFd] });
  closeSync(logFd);
  running.add(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('exit', (c) => {
      clearTimeout(timer);
      running.delete(child);
      resolve(c);
    });
  });
  const line = /^RESULT (.*)$/m.exec(out)?.[1];
  if (code !== 0 || !line) throw new Error(`${name} failed (exit ${code}); see ${name}.log. ${out.slice(-500)}`);
  return JSON.parse(line) as T;
}

/** Stops every child still running (used on failure and at exit). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopper(child)(3000)));
}

/** Kills every child at once, synchronously (process exit handler). */
export function killAllNow(): void {
  for (const child of running) child.kill('SIGKILL');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200 or `timeoutMs` passes. */
export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!isAlive()) throw new Error(`process serving ${url} exited`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}
