// SQL for graphical captchas: store the HMAC of the answer, consume it once (atomically, alone or
// with the proof of work it was issued with), purge.

import { sql, type Kysely } from 'kysely';
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

/** Marks the live captcha `id` (null: none) consumed, returning its answer hash: the one conditional update, as SQL. */
function consumedLive(id: string | null, now: Date) {
  return sql<{ answer_hash: string }>`update captchas set consumed_at = ${now}
              where id = ${id}::uuid and consumed_at is null and expires_at > ${now}
             returning answer_hash`;
}

/**
 * Marks a live captcha consumed in one conditional update and returns its answer hash; undefined
 * when it does not exist, expired, or was already consumed. `id` must be a well-formed uuid.
 */
export async function consumeCaptcha(db: Kysely<DB>, id: string, now: Date): Promise<string | undefined> {
  const { rows } = await consumedLive(id, now).execute(db);
  return rows[0]?.answer_hash;
}

/**
 * consumeCaptcha (`id` null: none to consume) and the one spend of a proof of work (its
 * challenge's hash recorded in spent_challenges) in ONE statement; each happens whatever the other finds.
 * `spent`: this call recorded the work (false: it was spent before, a replay).
 */
export async function consumeCaptchaSpendingWork(
  db: Kysely<DB>,
  id: string | null,
  now: Date,
  work: { challengeHash: string; expiresAt: Date },
): Promise<{ answerHash: string | undefined; spent: boolean }> {
  const { rows } = await sql<{ answer_hash: string | null; spent: boolean }>`
    with spent as (
      insert into spent_challenges (challenge_hash, expires_at) values (${work.challengeHash}, ${work.expiresAt})
      on conflict (challenge_hash) do nothing returning challenge_hash
    ), consumed as (${consumedLive(id, now)})
    select (select answer_hash from consumed) as answer_hash, exists (select 1 from spent) as spent`.execute(db);
  return { answerHash: rows[0]?.answer_hash ?? undefined, spent: rows[0]?.spent === true };
}

/** Removes captchas that expired before `before` (housekeeping); returns how many. */
export async function deleteExpiredCaptchas(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('captchas').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
