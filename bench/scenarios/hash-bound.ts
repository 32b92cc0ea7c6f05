// The bcrypt hash bound: bcryptjs verifications at cost 10 on every core with nothing else running,
// the ceiling of password sign-ins (their reference).

import { join } from 'node:path';
import { fmt, type Row, type Scenario } from '../lib/context.js';
import { runForResult } from '../lib/procs.js';

const scenario: Scenario = {
  id: 'hash-bound',
  needs: 'alone',
  async run(bench) {
    const { durationSec } = bench.options;
    const r = await bench.metered(
      () => [],
      () =>
        runForResult<{ cpuSeconds: number; perSecond: number; threads: number; cost: number }>('hash-bound', join(bench.root, 'bench/hash-bound.ts'), JSON.stringify({ cost: 10, durationMs: durationSec * 1000, warmupMs: 1000 }), {
          cwd: bench.root,
          logDir: bench.tmp,
          timeoutMs: (durationSec + 30) * 1000,
        }),
    );
    bench.log(`hash bound: ${fmt(r.perSecond, 2)} verifications/s on ${r.threads} threads (cost ${r.cost}), foreign ${fmt(r.cpu.foreignCores, 2)} cores`);
    const row: Row = { scenario: 'bcrypt hash bound (reference)', unit: 'verifications/s', perSecond: r.perSecond, p50: null, p99: null, errors: 0, reference: null, ratio: null, cpu: r.cpu, note: `${r.threads} worker threads, cost ${r.cost}` };
    return [row];
  },
};
export default scenario;
