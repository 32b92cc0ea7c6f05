// SQL for spent proof-of-work challenges: purge the ones past their expiry. A challenge's hash is
// recorded once, with the captcha it came with (captchas.ts: consumeCaptchaSpendingWork).

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/** Removes spent challenges that expired before `before` (they are refused as expired anyway). */
export async function deleteExpiredSpentChallenges(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('spent_challenges').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
