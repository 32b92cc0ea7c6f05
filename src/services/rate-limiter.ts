// Fixed-window rate limits over the rate_limits table, shared by every node: `consume` checks and
// counts several buckets at once, all or nothing, in one transaction holding their row locks.

import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { AppError } from '../errors/app-error.js';
import { deleteBucket, hitBucket, insertMissingBuckets, lockBuckets, saveBucket, type BucketRow } from '../repositories/rate-limits.js';

export interface RateLimitRule {
  /** Opaque name built by the caller, e.g. `sms:phone:<blindIndex>:m`. */
  bucket: string;
  /** Uses allowed per window; a use beyond it is refused. */
  limit: number;
  windowSeconds: number;
}

export type RateLimitDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /**
   * Counts one use against every rule's bucket, or none when any bucket is full; then
   * `retryAfterSeconds` is the longest wait among the full ones (whole seconds, at least 1).
   * Throws AppError('errors.internal') for a duplicate bucket or a non-positive window.
   */
  consume(rules: RateLimitRule[]): Promise<RateLimitDecision>;
  /** Forgets a bucket (e.g. after a successful sign-in or by an operator). */
  reset(bucket: string): Promise<void>;
  /** One bucket, one statement (the per-IP limits on every POST): cheaper than `consume`. */
  hit(rule: RateLimitRule): Promise<RateLimitDecision>;
}

/** Thrown inside the transaction to roll it back; never leaves this module. */
class Refused {
  constructor(readonly retryAfterSeconds: number) {}
}

/** Counts one use on every locked bucket, or throws Refused (nothing written) when one is full. */
async function countAll(trx: Transaction<DB>, rules: readonly RateLimitRule[], now: Date): Promise<void> {
  const names = rules.map((rule) => rule.bucket);
  await insertMissingBuckets(trx, names, now);
  const rows = new Map((await lockBuckets(trx, names)).map((row) => [row.bucket, row]));

  const next: BucketRow[] = [];
  let retryAfterMs = 0;
  for (const rule of rules) {
    const row = rows.get(rule.bucket);
    const live = row !== undefined && row.reset_at.getTime() > now.getTime();
    const count = live ? row.count : 0;
    const resetAt = live ? row.reset_at : new Date(now.getTime() + rule.windowSeconds * 1000);
    if (count + 1 > rule.limit) retryAfterMs = Math.max(retryAfterMs, resetAt.getTime() - now.getTime());
    else next.push({ bucket: rule.bucket, count: count + 1, reset_at: resetAt });
  }
  // Rolling back means a refused call leaves no trace, not even the buckets it created.
  if (next.length !== rules.length) throw new Refused(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  for (const row of next) await saveBucket(trx, row);
}

export function createRateLimiter(deps: { db: Kysely<DB>; clock: Clock }): RateLimiter {
  const { db, clock } = deps;

  return {
    async consume(rules) {
      if (rules.length === 0) return { ok: true };
      if (new Set(rules.map((rule) => rule.bucket)).size !== rules.length) throw new AppError('errors.internal', 500);
      if (rules.some((rule) => !(rule.windowSeconds > 0))) throw new AppError('errors.internal', 500);

      const now = clock.now();
      try {
        await db.transaction().execute((trx) => countAll(trx, rules, now));
        return { ok: true };
      } catch (err) {
        if (err instanceof Refused) return { ok: false, retryAfterSeconds: err.retryAfterSeconds };
        throw err;
      }
    },

    async reset(bucket) {
      await deleteBucket(db, bucket);
    },

    async hit(rule) {
      if (!(rule.windowSeconds > 0)) throw new AppError('errors.internal', 500);
      const now = clock.now();
      const { count, resetAt } = await hitBucket(db, rule.bucket, now, new Date(now.getTime() + rule.windowSeconds * 1000));
      if (count <= rule.limit) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000)) };
    },
  };
}
