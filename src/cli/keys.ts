// `cli keys rotate [--cookie] [--publish-hours N]` and `cli keys list`: rotate signing or cookie
// keys. Retired keys stay published (and keep verifying) for the publish window; every node
// picks up the new set within KEY_RELOAD_SECONDS.

import { parseArgs } from 'node:util';
import { listUsableKeys } from '../repositories/signing-keys.js';
import type { CliContext } from './context.js';

export const keysUsage = `keys rotate [--cookie] [--publish-hours 48]
  keys list`;

export async function keysCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    for (const use of ['sig', 'cookie'] as const) {
      for (const k of await listUsableKeys(ctx.database.db, use, ctx.clock.now())) {
        ctx.out(`${use}\t${k.alg}\t${k.status}\t${k.kid}\t${k.createdAt.toISOString()}${k.expiresAt ? `\tpublished until ${k.expiresAt.toISOString()}` : ''}`);
      }
    }
    return 0;
  }
  if (sub !== 'rotate') throw new Error(`usage:\n  ${keysUsage}`);
  const { values } = parseArgs({ args: rest, options: { cookie: { type: 'boolean' }, 'publish-hours': { type: 'string' } } });
  const hours = Number(values['publish-hours'] ?? 48);
  if (!Number.isFinite(hours) || hours <= 0) throw new Error('--publish-hours must be a positive number');
  const use = values.cookie ? 'cookie' : 'sig';
  await ctx.operations().rotateKeys(use, Math.round(hours * 3600), { kind: 'cli' });
  ctx.out(`rotated ${use === 'sig' ? 'signing' : 'cookie'} keys; previous ones stay valid for ${hours} h`);
  return 0;
}
