// `cli audit export [--since ISO] [--until ISO]`: the audit trail as JSON lines on stdout (no
// secrets are ever stored in it), for archiving or handing to an auditor.

import { parseArgs } from 'node:util';
import { readAuditEvents } from '../repositories/audit-retention.js';
import type { CliContext } from './context.js';

export const auditUsage = 'audit export [--since 2026-01-01T00:00:00Z] [--until …]';

export async function auditCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'export') throw new Error(`usage:\n  ${auditUsage}`);
  const { values } = parseArgs({ args: rest, options: { since: { type: 'string' }, until: { type: 'string' } } });
  const since = new Date(values.since ?? '1970-01-01T00:00:00Z');
  const until = new Date(values.until ?? ctx.clock.now().toISOString());
  if (Number.isNaN(since.getTime()) || Number.isNaN(until.getTime())) throw new Error('--since and --until take ISO 8601 times');
  let n = 0;
  for await (const row of readAuditEvents(ctx.database.db, { since, until })) {
    ctx.out(JSON.stringify({ ...row, id: String(row.id), at: row.at.toISOString() }));
    n += 1;
  }
  process.stderr.write(`${n} audit events exported\n`);
  return 0;
}
