// Proof of work on the sends that cost money (SMS): an HMAC-signed ALTCHA challenge (altcha-lib,
// SHA-256, deterministic counter below `difficulty`) that the page's script or the app solves; the
// server checks signature, work and expiry (injected Clock); the captcha's statement spends it once.

import { createHash, randomInt } from 'node:crypto';
import { createChallenge, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Clock } from '../domain/clock.js';

/** What a solver gets: the ALTCHA v2 challenge (`parameters` + `signature`). */
export type PowChallenge = Challenge;

export type PowOutcome = 'ok' | 'missing' | 'invalid' | 'expired' | 'replayed';

/** A solution whose signature, work and expiry check out, not spent yet: its one spend is recorded under `challengeHash` until `expiresAt`. */
export interface UnspentWork {
  challengeHash: string;
  expiresAt: Date;
}

export interface ProofOfWork {
  /** A fresh signed challenge, valid for `ttlSeconds`. */
  issue(): Promise<PowChallenge>;
  /**
   * Checks a solution payload (base64 of `{ challenge, solution: { counter, derivedKey } }`, the
   * ALTCHA widget's format): signature, work, expiry. It is spent with the captcha it came with, in
   * the captcha's statement (services/captcha.ts: 'ok' once, then 'replayed'). Never throws.
   */
  check(payload: string): Promise<'missing' | 'invalid' | 'expired' | UnspentWork>;
}

export interface ProofOfWorkDeps {
  clock: Clock;
  /** HMAC key (≥ 32 bytes) for the challenge signatures. */
  key: Buffer;
  /** Counters the solver has to try at most (on average half): the work per send. */
  difficulty: number;
  ttlSeconds: number;
}

const ALGORITHM = 'SHA-256';
const MAX_PAYLOAD_LENGTH = 4096;

interface DecodedPayload {
  challenge: Challenge;
  solution: { counter: number; derivedKey: string };
}

function decode(payload: string): DecodedPayload | undefined {
  if (payload.length > MAX_PAYLOAD_LENGTH || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(payload)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const v = value as Partial<DecodedPayload> | null;
  const parameters = v?.challenge?.parameters;
  if (!parameters || typeof parameters !== 'object' || typeof v?.challenge?.signature !== 'string') return undefined;
  if (parameters.algorithm !== ALGORITHM || typeof v.solution !== 'object' || v.solution === null) return undefined;
  const { counter, derivedKey } = v.solution;
  if (typeof counter !== 'number' || typeof derivedKey !== 'string') return undefined;
  return { challenge: v.challenge as Challenge, solution: { counter, derivedKey } };
}

export function createProofOfWork(deps: ProofOfWorkDeps): ProofOfWork {
  const { clock, difficulty, ttlSeconds } = deps;
  const secret = deps.key.toString('hex');

  const check = async (payload: string): Promise<'missing' | 'invalid' | 'expired' | UnspentWork> => {
    if (typeof payload !== 'string' || payload.length === 0) return 'missing';
    const decoded = decode(payload);
    if (!decoded) return 'invalid';
    let verified: boolean;
    try {
      const result = await verifySolution({ challenge: decoded.challenge, solution: decoded.solution, deriveKey, hmacSignatureSecret: secret });
      verified = result.verified;
    } catch {
      return 'invalid';
    }
    if (!verified) return 'invalid';
    const exp = decoded.challenge.parameters.data?.exp;
    if (typeof exp !== 'number' || exp * 1000 <= clock.now().getTime()) return 'expired';
    return { challengeHash: createHash('sha256').update(decoded.challenge.signature ?? '').digest('hex'), expiresAt: new Date(exp * 1000) };
  };

  return {
    check,

    async issue() {
      const expiresAt = Math.floor(clock.now().getTime() / 1000) + ttlSeconds;
      return createChallenge({
        algorithm: ALGORITHM,
        cost: 1,
        counter: randomInt(0, difficulty),
        deriveKey,
        hmacSignatureSecret: secret,
        // Our own expiry, checked against the injected clock (the library's would use Date.now()).
        data: { exp: expiresAt },
      });
    },

  };
}
