// One-time codes (SMS and similar): 6 random digits stored only as a keyed HMAC, short-lived,
// single use, with an attempt counter that holds across nodes: one conditional update per try counts
// it and, on a match, consumes the code.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { findNewestCode, replaceLiveCode, tryCode } from '../repositories/one-time-codes.js';
import { generateNumericCode, hashSecret } from './crypto/index.js';

export const codeOutcomes = ['ok', 'invalid', 'expired', 'exhausted'] as const;
export type CodeOutcome = (typeof codeOutcomes)[number];

export interface OneTimeCodes {
  /** A fresh code for purpose+target; earlier unconsumed codes for the same pair become void. */
  create(purpose: string, targetIndex: string): Promise<{ code: string; expiresAt: Date }>;
  /**
   * Checks `code` against the newest code for purpose+target, counting the try:
   * 'ok' (now consumed) · 'invalid' (wrong code, already used or voided, or no code was ever
   * created) · 'expired' (past its expiry) · 'exhausted' (max attempts reached: the code is void).
   */
  verify(purpose: string, targetIndex: string, code: string): Promise<CodeOutcome>;
}

export interface OneTimeCodesDeps {
  db: Kysely<DB>;
  clock: Clock;
  /** HMAC key (≥ 32 bytes) for the stored code hashes. */
  key: Buffer;
  ttlSeconds: number;
  maxAttempts: number;
}

const CODE_DIGITS = 6;

export function createOneTimeCodes(deps: OneTimeCodesDeps): OneTimeCodes {
  const { db, clock, key, ttlSeconds, maxAttempts } = deps;

  return {
    async create(purpose, targetIndex) {
      const code = generateNumericCode(CODE_DIGITS);
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
      const codeHash = hashSecret(key, code);
      await replaceLiveCode(db, { id: randomUUID(), purpose, targetIndex, codeHash, maxAttempts, expiresAt, createdAt: now });
      return { code, expiresAt };
    },

    async verify(purpose, targetIndex, code) {
      const now = clock.now();
      // The stored value is a keyed HMAC: comparing it in the database reveals nothing a timing could
      // use (the guesser cannot compute the HMAC of a guess without the key).
      const tried = await tryCode(db, purpose, targetIndex, hashSecret(key, typeof code === 'string' ? code : ''), now);
      if (tried.counted) return tried.consumed ? 'ok' : 'invalid';
      const newest = await findNewestCode(db, purpose, targetIndex);
      if (!newest || newest.consumed_at !== null) return 'invalid';
      if (newest.attempts >= newest.max_attempts) return 'exhausted';
      return 'expired';
    },
  };
}
