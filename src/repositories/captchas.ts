// SQL for graphical captchas: store the HMAC of the answer, consume it once (atomically), purge.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface NewCaptcha {
  id: string;
  answerHash: string;
  expiresAt: Date;
  createdAt: Date;
}

export async function insertCaptcha(db: Kysely<DB>, captcha: NewCaptcha): Promise<void> {
  await db
    .insertInto('captchas')
    .values({ id: captcha.id, answer_hash: captcha.answerHash, expires_at: captcha.expiresAt, created_at: captcha.createdAt })
    .execute();
}

/**
 * Marks a live captcha consumed in one conditional update and returns its answer hash; undefined
 * when it does not exist, expired, or was already consumed. `id` must be a well-formed uuid.
 */
export async function consumeCaptcha(db: Kysely<DB>, id: string, now: Date): Promise<string | undefined> {
  const row = await db
    .updateTable('captchas')
    .set({ consumed_at: now })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('answer_hash')
    .executeTakeFirst();
  return row?.answer_hash;
}

/** Removes captchas that expired before `before` (housekeeping); returns how many. */
export async function deleteExpiredCaptchas(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('captchas').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
