// Bench process: the bound for password sign-ins — bcryptjs verifications per second on every core
// (one worker thread per core, each verifying in a tight loop), at the provider's cost (default 10).
// Argv[2] JSON: { cost, durationMs, warmupMs }. Prints `RESULT {"perSecond", "threads", ...}`.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

const options = JSON.parse(process.argv[2] ?? '{}') as { cost?: number; durationMs?: number; warmupMs?: number };
const cost = options.cost ?? 10;
const durationMs = options.durationMs ?? 10_000;
const warmupMs = options.warmupMs ?? 1000;
const threads = availableParallelism();
const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');

// Plain CommonJS worker source (like the provider's own pool), so no loader runs in the threads.
const source = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
const hash = bcrypt.hashSync('Bench#2026pass', workerData.cost);
const warmEnd = Date.now() + workerData.warmupMs;
while (Date.now() < warmEnd) bcrypt.compareSync('Bench#2026pass', hash);
const started = performance.now();
const end = started + workerData.durationMs;
let count = 0;
while (performance.now() < end) { if (bcrypt.compareSync('Bench#2026pass', hash)) count += 1; }
parentPort.postMessage({ count, ms: performance.now() - started });
`;

const results = await Promise.all(
  Array.from({ length: threads }, () =>
    new Promise<{ count: number; ms: number }>((resolve, reject) => {
      const worker = new Worker(source, { eval: true, workerData: { bcryptPath, cost, durationMs, warmupMs }, execArgv: [] });
      worker.once('message', (m: { count: number; ms: number }) => resolve(m));
      worker.once('error', reject);
    }),
  ),
);
const perSecond = results.reduce((sum, r) => sum + (r.count * 1000) / r.ms, 0);
process.stdout.write(`RESULT ${JSON.stringify({ cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6, perSecond, threads, cost, perThread: results.map((r) => (r.count * 1000) / r.ms) })}\n`);
process.exit(0);
