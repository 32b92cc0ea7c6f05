// `cli cases overdue`: bad ratings (不满意, 非常不满意) whose 整改反馈 is past its 15-working-day term,
// one JSON line each on stdout (client, case number, service, level, rated and due times).

import { listOverdueRectifications } from '../repositories/cases.js';
import type { CliContext } from './context.js';

export const casesUsage = 'cases overdue';

export async function casesCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub] = args;
  if (sub !== 'overdue') throw new Error(`usage:\n  ${casesUsage}`);
  const rows = await listOverdueRectifications(ctx.database.db, ctx.clock.now(), 10_000);
  for (const row of rows) {
    ctx.out(JSON.stringify({ client_id: row.clientId, case_no: row.caseNo, service: row.service, level: row.level, rated_at: row.ratedAt.toISOString(), due_at: row.dueAt.toISOString() }));
  }
  process.stderr.write(`${rows.length} overdue rectification replies\n`);
  return 0;
}
