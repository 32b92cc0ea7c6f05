// Runs the provider as a real separate process (`src/main.ts` through tsx), the way a node runs
// behind a load balancer, and waits until it answers /healthz.

import { spawn, type ChildProcess } from 'node:child_process';
import { projectRoot } from '../../src/paths.js';
import { freePort } from './pg-cluster.js';

export interface NodeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Sends `signal` and resolves with the exit code (or the signal name) within `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

/**
 * `env` is all the process sees besides PATH, HOME and PORT; unless `asNewcomer`, NODE_ENV is
 * development and LOG_LEVEL warn. `asNewcomer` starts it as `npm start` does on a fresh clone:
 * nothing else set (no NODE_ENV, no keys, no upstream settings), only what `env` adds.
 */
export async function startNodeProcess(env: Record<string, string>, options: { port?: number; asNewcomer?: boolean } = {}): Promise<NodeProcess> {
  const port = options.port ?? (await freePort());
  const defaults: Record<string, string> = options.asNewcomer ? {} : { NODE_ENV: 'development', LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...defaults, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 240_000; // the embedded engine starts in seconds when idle, minutes on a loaded 2-core machine
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode ?? 'gone';
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
