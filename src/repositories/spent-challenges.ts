// SQL for spent proof-of-work challenges: record a challenge's hash once (the insert decides who
// spent it first), purge the ones past their expiry.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/** True when this call recorded the hash; false when it was already spent (replay). */
export async function spendChallenge(db: Kysely<DB>, challengeHash: string, expiresAt: Date): Promise<boolean> {
  const row = await db
    .insertInto('spent_challenges')
    .values({ challenge_hash: challengeHash, expires_at: expiresAt })
    .onConflict((oc) => oc.column('challenge_hash').doNothing())
    .returning('challenge_hash')
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes spent challenges that expired before `before` (they are refused as expired anyway). */
export async function deleteExpiredSpentChallenges(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('spent_challenges').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
