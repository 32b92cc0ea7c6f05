// The one place an account's identity level is computed and a proof is recorded. Each proof names
// the identity it proved (a keyed digest of certificate type, document number and name); the level
// counts only proofs of the identity the account holds now, so none can be carried to another person.

import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { levelFromProofs, type IdentityLevel, type ProofKind } from '../domain/levels.js';
import { NotFoundError } from '../errors/app-error.js';
import { findIdentityEnvelopes, lockAccount } from '../repositories/accounts.js';
import { insertIdentityProof, listIdentityProofs, type ProofRow } from '../repositories/identity-proofs.js';
import { piiAad } from './pii-aad.js';
import type { Secrets } from './secrets.js';

/** Who an account (or an upstream, or a face check) says a person is; absent parts are part of the identity too. */
export interface IdentityParts {
  certType?: string | null | undefined;
  /** Normalised (validateDocument's `number`). */
  number?: string | null | undefined;
  name?: string | null | undefined;
}

export interface NewProof {
  kind: ProofKind;
  level: IdentityLevel;
  adapter: string;
  reference?: string | null;
  /** The identity the evidence is about (identityKeyOf), which need not be the account's current one. */
  identityKey: string;
}

export interface IdentityLevels {
  /** The keyed digest naming an identity. */
  keyOf(identity: IdentityParts): string;
  /** The level an account has with these proofs while it holds `identity`. */
  levelOf(identity: IdentityParts, proofs: readonly Pick<ProofRow, 'kind' | 'level' | 'identityKey'>[]): { identityKey: string; level: IdentityLevel };
  /** The account's identity key and level as stored now (inside or outside a transaction); undefined for no account. */
  current(db: Kysely<DB>, accountId: string): Promise<{ identityKey: string; level: IdentityLevel } | undefined>;
  /** Locks the account, records the proof, and returns the level before and after. Throws NotFoundError. */
  record(trx: Transaction<DB>, accountId: string, proof: NewProof, now: Date): Promise<{ from: IdentityLevel; to: IdentityLevel }>;
}

export function createIdentityLevels(secrets: Pick<Secrets, 'cipher' | 'blindIndex'>): IdentityLevels {
  const { cipher, blindIndex } = secrets;

  const keyOf = (identity: IdentityParts): string =>
    blindIndex('identity', JSON.stringify([identity.certType ?? '', identity.number ?? '', identity.name?.trim() ?? '']));

  const levelOf: IdentityLevels['levelOf'] = (identity, proofs) => {
    const identityKey = keyOf(identity);
    return { identityKey, level: levelFromProofs(proofs, identityKey) };
  };

  async function current(db: Kysely<DB>, accountId: string) {
    const envelopes = await findIdentityEnvelopes(db, accountId);
    if (!envelopes) return undefined;
    const identity: IdentityParts = {
      certType: envelopes.certType,
      number: envelopes.numberEnvelope === null ? null : cipher.decrypt(envelopes.numberEnvelope, piiAad.documentNumber(accountId)),
      name: envelopes.nameEnvelope === null ? null : cipher.decrypt(envelopes.nameEnvelope, piiAad.name(accountId)),
    };
    return levelOf(identity, await listIdentityProofs(db, accountId));
  }

  return {
    keyOf,
    levelOf,
    current,
    async record(trx, accountId, proof, now) {
      if (!(await lockAccount(trx, accountId))) throw new NotFoundError();
      const before = await current(trx, accountId);
      if (!before) throw new NotFoundError();
      await insertIdentityProof(trx, {
        id: randomUUID(),
        accountId,
        kind: proof.kind,
        level: proof.level,
        adapter: proof.adapter,
        reference: proof.reference ?? null,
        identityKey: proof.identityKey,
        now,
      });
      const after = await current(trx, accountId);
      return { from: before.level, to: after?.level ?? before.level };
    },
  };
}
