// Graphical captchas (svg-captcha): issue an SVG image and keep only the HMAC of its lower-cased
// answer in the database; verify consumes it once, right or wrong, so each image allows one guess.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import svgCaptcha from 'svg-captcha';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { consumeCaptcha, insertCaptcha } from '../repositories/captchas.js';
import { hashSecret, verifySecret } from './crypto/index.js';

export interface CaptchaService {
  /** A new captcha: its id and the image as a `data:image/svg+xml;base64,…` URI. */
  issue(): Promise<{ id: string; image: string }>;
  /** True once for the right answer (case-insensitive); false for anything else. Always consumes. */
  verify(id: string, answer: string): Promise<boolean>;
  /** The newest issued answer when `dev` (for tests and the dev page); otherwise undefined. */
  lastAnswer(): string | undefined;
}

export interface CaptchaDeps {
  db: Kysely<DB>;
  clock: Clock;
  /** HMAC key (≥ 32 bytes) for the stored answer hashes. */
  key: Buffer;
  ttlSeconds?: number;
  dev: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ANSWER_LENGTH = 16;
/** Characters people confuse (0/O/o, 1/l/I/i) never appear; answers compare case-insensitively. */
const IGNORED_CHARS = '0oO1lIi';

function normalise(answer: string): string {
  return answer.trim().toLowerCase();
}

export function createCaptchaService(deps: CaptchaDeps): CaptchaService {
  const { db, clock, key, dev } = deps;
  const ttlSeconds = deps.ttlSeconds ?? 300;
  let newestAnswer: string | undefined;

  return {
    async issue() {
      const { text, data } = svgCaptcha.create({ size: 4, ignoreChars: IGNORED_CHARS, noise: 2, color: true });
      const id = randomUUID();
      const now = clock.now();
      await insertCaptcha(db, {
        id,
        answerHash: hashSecret(key, normalise(text)),
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
        createdAt: now,
      });
      if (dev) newestAnswer = text;
      return { id, image: `data:image/svg+xml;base64,${Buffer.from(data, 'utf8').toString('base64')}` };
    },

    async verify(id, answer) {
      if (typeof id !== 'string' || !UUID.test(id)) return false;
      const answerHash = await consumeCaptcha(db, id, clock.now());
      if (answerHash === undefined) return false;
      if (typeof answer !== 'string' || answer.length > MAX_ANSWER_LENGTH) return false;
      return verifySecret(key, normalise(answer), answerHash);
    },

    lastAnswer() {
      return dev ? newestAnswer : undefined;
    },
  };
}
