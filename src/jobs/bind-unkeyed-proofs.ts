// Start-up data step for proofs recorded before proofs named their identity: each is bound to the
// identity its account holds when this runs (nothing better is known of it). Idempotent, batched;
// once every proof carries a key it finds nothing and costs one indexed query.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Logger } from '../log/logger.js';
import { lockAccount } from '../repositories/accounts.js';
import { keyUnkeyedProofs, listAccountsWithUnkeyedProofs } from '../repositories/identity-proofs.js';
import type { IdentityLevels } from '../services/identity-levels.js';

export async function bindUnkeyedProofs(deps: { db: Kysely<DB>; levels: IdentityLevels; logger: Logger; batchSize?: number }): Promise<number> {
  const size = deps.batchSize ?? 500;
  let bound = 0;
  for (;;) {
    const accounts = await listAccountsWithUnkeyedProofs(deps.db, size);
    let progress = 0;
    for (const accountId of accounts) {
      const keyed = await deps.db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, accountId))) return false;
        const current = await deps.levels.current(trx, accountId);
        if (current) await keyUnkeyedProofs(trx, accountId, current.identityKey);
        return current !== undefined;
      });
      if (keyed) progress += 1;
    }
    bound += progress;
    if (accounts.length < size || progress === 0) break;
  }
  if (bound > 0) deps.logger.info({ accounts: bound }, 'bound identity proofs recorded before the identity rule to their accounts\' current identity');
  return bound;
}
