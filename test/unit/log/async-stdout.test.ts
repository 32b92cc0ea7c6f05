// The server logs to stdout asynchronously (asyncStdout): every line logged before the process exits
// must still reach stdout, also when it exits at once after a burst (process.exit flushes the buffer).

import { spawnSync } from 'node:child_process';
import t from 'tap';

const script = `
import { asyncStdout, createLogger } from './src/log/logger.ts';
const logger = createLogger('info', asyncStdout());
for (let i = 0; i < 2000; i++) logger.info({ i, password: 'hunter2' }, 'line');
process.exit(0);
`;

t.test('a burst logged right before process.exit reaches stdout whole, redacted', async (t) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
  t.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { i: number; password: string });
  t.equal(lines.length, 2000, 'every line written');
  t.same([lines[0]?.i, lines[1999]?.i], [0, 1999], 'in order');
  t.ok(lines.every((l) => l.password === '[redacted]'), 'the redact list still applies');
});
