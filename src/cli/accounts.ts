// `cli accounts find|unlock|revoke-sessions`: the service desk's actions for automation, through
// the same operations as the staff console. Output is masked; a change needs --reason (audited).

import { parseArgs } from 'node:util';
import type { CliContext } from './context.js';

export const accountsUsage = `accounts find --document NUMBER | --phone MOBILE
  accounts unlock ACCOUNT_ID --reason TEXT
  accounts revoke-sessions ACCOUNT_ID --reason TEXT`;

export async function accountsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { document: { type: 'string' }, phone: { type: 'string' }, reason: { type: 'string' } },
    allowPositionals: true,
  });
  const ops = ctx.operations();
  if (sub === 'find') {
    if (Boolean(values.document) === Boolean(values.phone)) throw new Error('accounts find needs exactly one of --document or --phone (exact match)');
    const id = values.phone ? await ops.findCitizen('phone', values.phone) : await ops.findCitizen('document', values.document as string);
    const citizen = id ? await ops.citizen(id) : undefined;
    if (!citizen) {
      ctx.out('no account');
      return 1;
    }
    ctx.out(JSON.stringify({
      accountId: citizen.accountId,
      status: citizen.status,
      level: citizen.level,
      name: citizen.maskedName,
      document: citizen.maskedDocument,
      phone: citizen.maskedPhone,
      createdAt: citizen.createdAt.toISOString(),
      lockedUntil: citizen.lock.lockedUntil?.toISOString() ?? null,
      failures: citizen.lock.failures,
    }));
    return 0;
  }
  if (sub === 'unlock' || sub === 'revoke-sessions') {
    const id = positionals[0];
    if (!id) throw new Error(`usage: accounts ${sub} ACCOUNT_ID --reason TEXT`);
    const reason = values.reason?.trim();
    if (!reason) throw new Error(`accounts ${sub} needs --reason (it goes to the audit trail)`);
    if (sub === 'unlock') {
      await ops.unlock(id, { kind: 'cli' }, reason);
      ctx.out(`unlocked ${id}`);
    } else {
      ctx.out(`ended ${await ops.revokeSessions(id, { kind: 'cli' }, reason)} sessions and tokens of ${id}`);
    }
    return 0;
  }
  throw new Error(`usage:\n  ${accountsUsage}`);
}
