// `cli pii reencrypt [--batch 500]`: moves every stored envelope to the current ENCRYPTION_KEY and
// PII_ALGORITHM (e.g. to SM4 for 密评), resumably, while the service runs. Keep the old key in
// ENCRYPTION_KEYS_PREVIOUS until this reports nothing left to do.

import { parseArgs } from 'node:util';
import { reencryptAll } from '../services/reencrypt.js';
import { createAudit } from '../services/audit.js';
import type { CliContext } from './context.js';

export const piiUsage = 'pii reencrypt [--batch 500]';

export async function piiCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'reencrypt') throw new Error(`usage:\n  ${piiUsage}`);
  const { values } = parseArgs({ args: rest, options: { batch: { type: 'string' } } });
  const batchSize = Number(values.batch ?? 500);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch takes a positive whole number');
  const report = await reencryptAll(ctx.database.db, ctx.secrets.cipher, {
    batchSize,
    onColumn: (p) => ctx.out(`${p.table}.${p.column}: ${p.reencrypted} re-encrypted of ${p.scanned}`),
  });
  await createAudit({ db: ctx.database.db, clock: ctx.clock, logger: ctx.logger }).record({
    event: 'pii.reencrypted',
    outcome: 'success',
    actor: 'cli',
    details: { algorithm: ctx.config.security.piiAlgorithm, rows: report.reduce((n, p) => n + p.reencrypted, 0) },
  });
  return 0;
}
