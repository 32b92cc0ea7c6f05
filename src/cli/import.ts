// `cli import accounts FILE [--dry-run] [--resume]`: imports the legacy platform's accounts (see
// docs/migrating.md); `cli import legacy-hashes`: how many accounts still carry a legacy password hash.

import { parseArgs } from 'node:util';
import { readDescriptor } from '../import/descriptor.js';
import { importAccounts } from '../import/import-accounts.js';
import { countLegacyHashes } from '../import/repository.js';
import { createAudit } from '../services/audit.js';
import { createIdentityLevels } from '../services/identity-levels.js';
import type { CliContext } from './context.js';

export const importUsage = `import accounts FILE [--descriptor FILE.descriptor.json] [--dry-run] [--resume] [--batch 1000]
  import legacy-hashes`;

/** accounts.jsonl → accounts.descriptor.json (beside the export). */
export function defaultDescriptorPath(file: string): string {
  return `${file.replace(/\.jsonl?$/i, '')}.descriptor.json`;
}

export async function importCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'legacy-hashes') {
    const counts = await countLegacyHashes(ctx.database.db, ctx.config.security.bcryptCost);
    ctx.out(JSON.stringify({ legacy_hashes: counts.total, salted_digests: counts.digests, bcrypt_other_cost: counts.bcryptOtherCost }));
    return 0;
  }
  if (sub !== 'accounts') throw new Error(`usage:\n  ${importUsage}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { descriptor: { type: 'string' }, 'dry-run': { type: 'boolean' }, resume: { type: 'boolean' }, batch: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new Error(`usage:\n  ${importUsage}`);
  if (values['dry-run'] && values.resume) throw new Error('--dry-run and --resume do not go together');
  const batchSize = Number(values.batch ?? 1000);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('--batch takes a whole number from 1 to 10000');
  const descriptor = await readDescriptor(values.descriptor ?? defaultDescriptorPath(file));
  const started = Date.now();
  const report = await importAccounts({
    db: ctx.database.db,
    secrets: ctx.secrets,
    levels: createIdentityLevels(ctx.secrets),
    clock: ctx.clock,
    descriptor,
    file,
    dryRun: values['dry-run'] ?? false,
    resume: values.resume ?? false,
    batchSize,
    onBatch: ({ line, counts }) => process.stderr.write(`line ${line}: ${counts.imported} imported, ${counts.duplicates} duplicates, ${counts.refused} refused, ${counts.conflicts} conflicts\n`),
  });
  if (!report.dryRun) {
    await createAudit({ db: ctx.database.db, clock: ctx.clock, logger: ctx.logger }).record({
      event: 'accounts.imported',
      outcome: 'success',
      actor: 'cli',
      details: { platform: descriptor.platform, ...report.counts, ...(report.resumedAfterLine !== undefined ? { resumedAfterLine: report.resumedAfterLine } : {}) },
    });
  }
  ctx.out(
    JSON.stringify({
      dry_run: report.dryRun,
      lines: report.lines,
      ...report.counts,
      ...(report.resumedAfterLine !== undefined ? { resumed_after_line: report.resumedAfterLine } : {}),
      seconds: Math.round((Date.now() - started) / 100) / 10,
      refused_report: report.refusedFile,
      conflicts_report: report.conflictsFile,
    }),
  );
  return 0;
}
