// A provider node run as `npm start` runs it with WORKERS > 1 (a cluster primary and its workers)
// on a fresh PostgreSQL database, and what its tests read from it: the workers' pids from the
// JSON log lines, their CPU from /proc, and requests on fresh connections (the primary hands each
// new connection to the next worker in turn).

import http from 'node:http';
import { processTicks } from '../../bench/lib/cpu.js';
import { createEmptyPostgresDatabase } from './database.js';
import { testEncryptionKey } from './app.js';
import { startNodeProcess, type NodeProcess } from './node-process.js';

export interface ClusterNode extends NodeProcess {
  databaseUrl: string;
  /** Pids of the workers that said `worker listening`, in order (replacements come later). */
  listeningPids(): number[];
  /** Log lines (parsed JSON) whose msg matches. */
  logs(msg: RegExp): Array<Record<string, unknown>>;
}

export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function startClusterNode(baseUrl: string, env: Record<string, string> = {}, workers = 2): Promise<ClusterNode & { drop(): Promise<void> }> {
  const fresh = await createEmptyPostgresDatabase(baseUrl);
  const node = await startNodeProcess({ DATABASE_URL: fresh.url, ENCRYPTION_KEY: testEncryptionKey, BCRYPT_COST: '4', LOG_LEVEL: 'info', WORKERS: String(workers), ...env });
  const logs = (msg: RegExp) =>
    node
      .output()
      .split('\n')
      .flatMap((line) => {
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          return typeof parsed.msg === 'string' && msg.test(parsed.msg) ? [parsed] : [];
        } catch {
          return [];
        }
      });
  const cluster: ClusterNode & { drop(): Promise<void> } = {
    ...node,
    databaseUrl: fresh.url,
    logs,
    listeningPids: () => logs(/^worker listening$/).map((l) => l.pid as number),
    drop: () => fresh.drop(),
  };
  await waitUntil('every worker listening', () => logs(/^jsrs-idp node ready$/).length > 0 || node.child.exitCode !== null, 120_000);
  if (node.child.exitCode !== null) throw new Error(`node exited:\n${node.output()}`);
  return cluster;
}

/** GET on a new connection (no keep-alive): status and body, or the error's message. */
export function getOnNewConnection(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ error: err.message }));
  });
}

/** CPU ticks (user + system) a process has used so far; 0 when it is gone (the bench's reader). */
export const cpuTicks = processTicks;

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The value of one sample line in Prometheus text, e.g. `jsrs_cluster_workers`. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
