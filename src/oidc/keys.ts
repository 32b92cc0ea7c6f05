// The provider's key material: signing keys (RS256 and ES256 JWKs) and cookie keys, created on
// first start, stored encrypted, rotated without invalidating what the previous keys signed.

import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import {
  countActiveKeys,
  insertKey,
  listUsableKeys,
  lockSigningKeys,
  retireActiveKeys,
  type KeyUse,
} from '../repositories/signing-keys.js';
import type { SecretBox } from './secret-box.js';

export const signingAlgorithms = ['RS256', 'ES256'] as const;
const keyAad = (kid: string) => `signing_keys.private:${kid}`;

export interface KeyMaterial {
  /** Private JWKs, active ones first (oidc-provider signs with the first key of each algorithm). */
  jwks: JWK[];
  /** Cookie signing keys, newest first (the first signs, all verify). */
  cookieKeys: string[];
}

async function newSigningKey(alg: (typeof signingAlgorithms)[number]): Promise<{ kid: string; jwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, jwk, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } };
}

async function insertNewKeys(
  trx: Parameters<typeof insertKey>[0],
  box: SecretBox,
  use: KeyUse,
  now: Date,
): Promise<void> {
  if (use === 'sig') {
    for (const alg of signingAlgorithms) {
      const key = await newSigningKey(alg);
      await insertKey(trx, {
        kid: key.kid,
        use,
        alg,
        privateEnvelope: box.encrypt(JSON.stringify(key.jwk), keyAad(key.kid)),
        publicJwk: key.publicJwk as Record<string, unknown>,
        createdAt: now,
      });
    }
    return;
  }
  const kid = `cookie-${randomBytes(8).toString('hex')}`;
  await insertKey(trx, {
    kid,
    use,
    alg: 'HS256',
    privateEnvelope: box.encrypt(randomBytes(32).toString('base64url'), keyAad(kid)),
    publicJwk: null,
    createdAt: now,
  });
}

/** Creates the first key set of each use when none is active (safe when several nodes start at once). */
export async function ensureKeys(db: Kysely<DB>, box: SecretBox, clock: Clock): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockSigningKeys(trx);
    for (const use of ['sig', 'cookie'] as const) {
      if ((await countActiveKeys(trx, use)) === 0) await insertNewKeys(trx, box, use, clock.now());
    }
  });
}

/**
 * Retires the active keys of `use` and creates new ones. Retired signing keys stay published
 * (and cookie keys keep verifying) for `publishSeconds`, so nothing they signed is invalidated.
 */
export async function rotateKeys(db: Kysely<DB>, box: SecretBox, clock: Clock, use: KeyUse, publishSeconds: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockSigningKeys(trx);
    const now = clock.now();
    await retireActiveKeys(trx, use, now, new Date(now.getTime() + publishSeconds * 1000));
    // a retired key is created one millisecond earlier than its successor, so ordering stays stable
    await insertNewKeys(trx, box, use, new Date(now.getTime() + 1));
  });
}

/** Loads the usable keys; configured cookie keys (COOKIE_KEYS), when given, replace the stored ones. */
export async function loadKeyMaterial(db: Kysely<DB>, box: SecretBox, clock: Clock, configuredCookieKeys: readonly string[] = []): Promise<KeyMaterial> {
  const now = clock.now();
  const sig = await listUsableKeys(db, 'sig', now);
  const cookie = await listUsableKeys(db, 'cookie', now);
  const active = sig.filter((k) => k.status === 'active');
  const retired = sig.filter((k) => k.status === 'retired');
  const byAlg = (a: { alg: string }, b: { alg: string }) =>
    signingAlgorithms.indexOf(a.alg as 'RS256') - signingAlgorithms.indexOf(b.alg as 'RS256');
  const jwks = [...active.sort(byAlg), ...retired].map((k) => JSON.parse(box.decrypt(k.privateEnvelope, keyAad(k.kid))) as JWK);
  const cookieKeys = configuredCookieKeys.length > 0 ? [...configuredCookieKeys] : cookie.map((k) => box.decrypt(k.privateEnvelope, keyAad(k.kid)));
  return { jwks, cookieKeys };
}
