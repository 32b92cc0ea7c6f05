// Graphical captchas: issue a raster image (captcha-image.ts) with a proof-of-work challenge for the
// page's script, and keep only the HMAC of the lower-cased answer in the database; verify consumes
// it once, right or wrong, so each image allows one guess.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { consumeCaptcha, consumeCaptchaSpendingWork, insertCaptcha } from '../repositories/captchas.js';
import { CAPTCHA_MIME, ensureCaptchaFont, randomCaptchaText, renderCaptchaImage } from './captcha-image.js';
import { hashSecret, verifySecret } from './crypto/index.js';
import type { PowChallenge, PowOutcome, ProofOfWork } from './proof-of-work.js';
import { isUuid } from '../domain/ids.js';

export interface CaptchaService {
  /**
   * A new captcha: its id, the image as a `data:image/jpeg;base64,…` URI, and a proof-of-work
   * challenge that an SMS send with this captcha must also carry solved.
   */
  issue(): Promise<IssuedCaptcha>;
  /** True once for the right answer (case-insensitive); false for anything else. Always consumes. */
  verify(id: string, answer: string): Promise<boolean>;
  /**
   * verify, and the proof of work issued with the captcha (the solution payload ProofOfWork.check reads) checked and
   * spent in the same statement: both are used up on every attempt. Never throws for bad input.
   */
  verifyWithWork(id: string, answer: string, powPayload: string): Promise<{ answered: boolean; work: PowOutcome }>;
  /** The newest issued answer when `dev` (for tests and the dev page); otherwise undefined. */
  lastAnswer(): string | undefined;
}

export interface IssuedCaptcha {
  id: string;
  image: string;
  pow: PowChallenge;
}

export interface CaptchaDeps {
  db: Kysely<DB>;
  clock: Clock;
  /** HMAC key (≥ 32 bytes) for the stored answer hashes. */
  key: Buffer;
  ttlSeconds?: number;
  dev: boolean;
  proofOfWork: ProofOfWork;
}

const MAX_ANSWER_LENGTH = 16;

function normalise(answer: string): string {
  return answer.trim().toLowerCase();
}

/** Whether `answer` is the one whose HMAC was stored (false when nothing was consumed). */
function answers(key: Buffer, answerHash: string | undefined, answer: string): boolean {
  if (answerHash === undefined) return false;
  if (typeof answer !== 'string' || answer.length > MAX_ANSWER_LENGTH) return false;
  return verifySecret(key, normalise(answer), answerHash);
}

/** Throws at start when the shipped captcha font cannot be loaded (see captcha-image.ts). */
export function createCaptchaService(deps: CaptchaDeps): CaptchaService {
  const { db, clock, key, dev } = deps;
  ensureCaptchaFont();
  const ttlSeconds = deps.ttlSeconds ?? 300;
  let newestAnswer: string | undefined;

  const verify = async (id: string, answer: string): Promise<boolean> => (isUuid(id) ? answers(key, await consumeCaptcha(db, id, clock.now()), answer) : false);

  return {
    async issue() {
      // Characters people confuse never appear (captcha-image.ts); answers compare case-insensitively.
      const text = randomCaptchaText();
      const id = randomUUID();
      const now = clock.now();
      await insertCaptcha(db, {
        id,
        answerHash: hashSecret(key, normalise(text)),
        expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
        createdAt: now,
      });
      const image = renderCaptchaImage(text);
      const pow = await deps.proofOfWork.issue();
      if (dev) newestAnswer = text;
      return { id, image: `data:${CAPTCHA_MIME};base64,${image.toString('base64')}`, pow };
    },

    verify,

    async verifyWithWork(id, answer, powPayload) {
      const work = await deps.proofOfWork.check(powPayload);
      if (typeof work === 'string') return { answered: await verify(id, answer), work };
      const consumed = await consumeCaptchaSpendingWork(db, isUuid(id) ? id : null, clock.now(), work);
      return { answered: answers(key, consumed.answerHash, answer), work: consumed.spent ? 'ok' : 'replayed' };
    },

    lastAnswer() {
      return dev ? newestAnswer : undefined;
    },
  };
}
