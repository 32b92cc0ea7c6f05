// `cli audit export [--since ISO] [--until ISO] [--account ID] [--event NAME]`: the audit trail as
// JSON lines on stdout (no secrets are ever stored in it), for archiving or handing to an auditor.

import { parseArgs } from 'node:util';
import type { CliContext } from './context.js';

export const auditUsage = 'audit export [--since 2026-01-01T00:00:00Z] [--until …] [--account ACCOUNT_ID|staff:ID] [--event NAME|PREFIX.]';

export async function auditCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'export') throw new Error(`usage:\n  ${auditUsage}`);
  const { values } = parseArgs({ args: rest, options: { since: { type: 'string' }, until: { type: 'string' }, account: { type: 'string' }, event: { type: 'string' } } });
  const since = new Date(values.since ?? '1970-01-01T00:00:00Z');
  const until = new Date(values.until ?? ctx.clock.now().toISOString());
  if (Number.isNaN(since.getTime()) || Number.isNaN(until.getTime())) throw new Error('--since and --until take ISO 8601 times');
  let n = 0;
  for await (const row of ctx.operations().exportAudit({ since, until, party: values.account, event: values.event })) {
    ctx.out(JSON.stringify(row));
    n += 1;
  }
  process.stderr.write(`${n} audit events exported\n`);
  return 0;
}
