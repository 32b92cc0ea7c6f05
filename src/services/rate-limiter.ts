// Fixed-window rate limits over the rate_limits table, shared by every node: `consume` checks and
// counts several buckets at once, all or nothing, in one statement holding their row locks.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { AppError } from '../errors/app-error.js';
import { consumeBuckets, deleteBucket, hitBucket } from '../repositories/rate-limits.js';

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

export function createRateLimiter(deps: { db: Kysely<DB>; clock: Clock }): RateLimiter {
  const { db, clock } = deps;

  return {
    async consume(rules) {
      if (rules.length === 0) return { ok: true };
      if (new Set(rules.map((rule) => rule.bucket)).size !== rules.length) throw new AppError('errors.internal', 500);
      if (rules.some((rule) => !(rule.windowSeconds > 0))) throw new AppError('errors.internal', 500);

      const retryAfterSeconds = await consumeBuckets(db, rules, clock.now());
      return retryAfterSeconds === 0 ? { ok: true } : { ok: false, retryAfterSeconds };
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
