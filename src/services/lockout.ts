// Password lockout: the one place a password check meets its counter. Each attempt on a key (an
// account, or an unknown identifier's blind index) reserves a slot in PostgreSQL before the
// password is checked; a locked key checks nothing. Shared by every node.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { deleteLoginFailure, releaseLoginAttempt, reserveLoginAttempt } from '../repositories/login-failures.js';

export type AttemptOutcome =
  | { ok: true }
  /** A wrong password in slot `failures` (below the limit). */
  | { ok: false; reason: 'invalid'; failures: number }
  /**
   * Locked until `until`. `engaged` is true only for the wrong password in the last slot, whose
   * check engaged the lock (`failures` === maxFailures); a refused attempt checked nothing.
   */
  | { ok: false; reason: 'locked'; until: Date; failures: number; engaged: boolean };

export interface Lockout {
  readonly maxFailures: number;
  readonly lockSeconds: number;
  /**
   * Runs `check` (a password verification: true = right) under the lockout of `key`. The attempt is
   * counted first, atomically; `check` runs only when the key was not locked, so at most
   * `maxFailures` checks run between two successes however many attempts arrive at once. A success
   * forgets the attempts counted up to it. When `check` throws, its attempt stays counted.
   */
  attempt(key: string, check: () => Promise<boolean>): Promise<AttemptOutcome>;
  /** Forgets the key's failures and any lock (an operator's unlock, a password reset). */
  reset(key: string): Promise<void>;
}

/** The lockout key of an account (the same for every path that checks its password). */
export function accountLockoutKey(accountId: string): string {
  return `account:${accountId}`;
}

export interface LockoutDeps {
  db: Kysely<DB>;
  clock: Clock;
  /** Failures that engage the lock (≥ 1). */
  maxFailures: number;
  /** How long a lock holds (> 0). */
  lockSeconds: number;
}

export function createLockout(deps: LockoutDeps): Lockout {
  const { db, clock, maxFailures, lockSeconds } = deps;

  return {
    maxFailures,
    lockSeconds,
    async attempt(key, check) {
      const now = clock.now();
      const reservation = await reserveLoginAttempt(db, { key, now, lockUntil: new Date(now.getTime() + lockSeconds * 1000), maxFailures });
      if (!reservation.granted) {
        // Locked before this attempt: nothing is checked. (A refused row always carries its lock.)
        return { ok: false, reason: 'locked', until: reservation.lockedUntil ?? now, failures: reservation.slot, engaged: false };
      }
      if (await check()) {
        await releaseLoginAttempt(db, key, reservation.slot);
        return { ok: true };
      }
      if (reservation.lockedUntil !== null) {
        return { ok: false, reason: 'locked', until: reservation.lockedUntil, failures: reservation.slot, engaged: true };
      }
      return { ok: false, reason: 'invalid', failures: reservation.slot };
    },
    async reset(key) {
      await deleteLoginFailure(db, key);
    },
  };
}
