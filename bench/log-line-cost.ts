// `npx tsx bench/log-line-cost.ts`: the CPU of one access-log line (the shape request-context.ts
// writes for every request) with the provider's logger and its redact list, against the same
// pino without redaction, both writing to a discarding destination. Prints µs per line.

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, lineShape } from '../src/log/logger.js';

const lines = Number(process.argv.find((a) => a.startsWith('--lines='))?.split('=')[1] ?? 200_000);
const discard = () => new Writable({ write: (_chunk, _enc, done) => done() });
const line = (i: number) => ({ reqId: `0f5c3a1e-${i}`, method: 'GET', route: '/me', path: '/me', status: 200, ms: 3.2 });

function perLineMicros(logger: pino.Logger): number {
  for (let i = 0; i < 20_000; i += 1) logger.info(line(i), 'request'); // warm-up
  const started = process.cpuUsage();
  for (let i = 0; i < lines; i += 1) logger.info(line(i), 'request');
  const used = process.cpuUsage(started);
  return (used.user + used.system) / lines;
}

const withRedact = createLogger('info', discard());
const without = pino(lineShape('info'), discard());
for (let round = 1; round <= 3; round += 1) {
  const a = perLineMicros(withRedact);
  const b = perLineMicros(without);
  process.stdout.write(`round ${round}: with the redact list ${a.toFixed(2)} µs/line, without ${b.toFixed(2)} µs/line, redaction ${(a - b).toFixed(2)} µs\n`);
}
