// Sign-in lockout: consecutive failures per key (an account, or an unknown identifier's blind
// index) lock the key for a while once they reach the limit. State lives in PostgreSQL, shared by all nodes.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { deleteLoginFailure, findLoginFailure, recordLoginFailure } from '../repositories/login-failures.js';

/** `until` is when a lock lapses (present exactly when locked). */
export type LockoutStatus = { locked: true; until: Date } | { locked: false; until?: undefined; /** Failures on record (none: nothing to reset). */ failures?: number };

export type FailureResult = LockoutStatus & {
  /** Failures counted since the last reset or lapsed lock, this one included. */
  failures: number;
  /** True only for the one failure that engaged the lock (failures === maxFailures). */
  engaged: boolean;
};

export interface Lockout {
  readonly maxFailures: number;
  readonly lockSeconds: number;
  status(key: string): Promise<LockoutStatus>;
  /** Counts a failure atomically; locks the key when the count reaches maxFailures. */
  recordFailure(key: string): Promise<FailureResult>;
  /** Forgets the key's failures and any lock (after a success, or an operator's unlock). */
  reset(key: string): Promise<void>;
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
  const lockedNow = (until: Date | null, now: Date): until is Date => until !== null && until.getTime() > now.getTime();

  return {
    maxFailures,
    lockSeconds,
    async status(key) {
      const state = await findLoginFailure(db, key);
      const now = clock.now();
      if (state && lockedNow(state.lockedUntil, now)) return { locked: true, until: state.lockedUntil };
      return { locked: false, failures: state?.failures ?? 0 };
    },
    async recordFailure(key) {
      const now = clock.now();
      const lockUntil = new Date(now.getTime() + lockSeconds * 1000);
      const state = await recordLoginFailure(db, { key, now, lockUntil, maxFailures });
      if (!lockedNow(state.lockedUntil, now)) return { locked: false, failures: state.failures, engaged: false };
      return { locked: true, until: state.lockedUntil, failures: state.failures, engaged: state.failures === maxFailures };
    },
    async reset(key) {
      await deleteLoginFailure(db, key);
    },
  };
}
