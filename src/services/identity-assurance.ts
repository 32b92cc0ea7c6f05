// Raising an account's identity level: the real-name correction (基本信息修改: name and document
// checked again with the population registry) and face verification for 实人. Each upgrade is a
// proof row (what, when, which adapter) and an audit event; levels never go down.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { validateDocument, type CertType } from '../domain/documents.js';
import { levelFromProofs, levelRank, maxLevel, type IdentityLevel } from '../domain/levels.js';
import { AppError, NotFoundError, UpstreamError, ValidationError } from '../errors/app-error.js';
import type { FaceVerifier, FaceResult } from '../adapters/face-verification/types.js';
import type { PopulationRegistry } from '../adapters/population-registry/types.js';
import { findDocumentOwner, replaceAccountDocument, updateAccountName } from '../repositories/account-identity.js';
import { lockAccountLevel, updateAccountLevel } from '../repositories/accounts.js';
import { insertIdentityProof, listIdentityProofs } from '../repositories/identity-proofs.js';
import { ConflictError, piiAad, type AccountService, type ChangeContext } from './accounts.js';
import type { Audit } from './audit.js';
import type { Secrets } from './secrets.js';

export interface PersonIdentity {
  certType: string;
  idNumber: string;
  name: string;
}

export interface IdentityAssurance {
  /** Re-checks name + document with the registry; on a match stores them and raises the level. Throws ValidationError ('realname.mismatch' …), ConflictError, UpstreamError. */
  correctRealName(accountId: string, input: { certType: CertType; documentNumber: string; name: string }, context?: ChangeContext): Promise<IdentityLevel>;
  /** Whether a face verifier is configured. */
  readonly faceAvailable: boolean;
  /** Starts a face check for this person (never for an identity the browser chose for an account). */
  startFaceCheck(person: PersonIdentity, returnUrl?: string): Promise<{ certifyId: string; certifyUrl: string }>;
  faceResult(certifyId: string): Promise<FaceResult>;
  /** For a page polling a flow's check: no check yet → failed; the verifier unreachable → pending. */
  settledFaceResult(certifyId: string | undefined): Promise<FaceResult>;
  /** Records a passed face check of the account's own identity as a proof; returns the new level. */
  recordFaceMatch(accountId: string, certifyId: string, context?: ChangeContext): Promise<IdentityLevel>;
  /** The account's own identity for a face check; undefined when it has no document yet. */
  identityOf(accountId: string): Promise<PersonIdentity | undefined>;
}

export function createIdentityAssurance(deps: {
  db: Kysely<DB>;
  clock: Clock;
  secrets: Pick<Secrets, 'cipher' | 'blindIndex'>;
  registry: PopulationRegistry;
  face: FaceVerifier | undefined;
  accounts: AccountService;
  audit: Audit;
}): IdentityAssurance {
  const { db, clock, secrets, audit } = deps;

  const requireFace = (): FaceVerifier => {
    if (!deps.face) throw new UpstreamError('face', 'face.unavailable');
    return deps.face;
  };

  return {
    faceAvailable: deps.face !== undefined,

    async correctRealName(accountId, input, context = {}) {
      const doc = validateDocument(input.certType, input.documentNumber, clock.now());
      if (!doc.ok) throw new ValidationError(doc.code, 'documentNumber');
      const name = input.name.trim();
      const verdict = await deps.registry.verify(input.certType, doc.number, name);
      if (verdict === 'unavailable') throw new UpstreamError('registry', 'realname.registry_unavailable');
      if (verdict !== 'match') {
        await audit.record({ event: 'account.real_name_check', outcome: 'failure', subject: accountId, ...context, details: { certType: input.certType } });
        throw new ValidationError('realname.mismatch', 'name');
      }
      const now = clock.now();
      const numberIndex = secrets.blindIndex('document', doc.number);
      const { from, to } = await db.transaction().execute(async (trx) => {
        const current = await lockAccountLevel(trx, accountId);
        if (current === undefined) throw new NotFoundError();
        const owner = await findDocumentOwner(trx, numberIndex);
        if (owner && owner !== accountId) throw new ConflictError('registration.document_taken', 'documentNumber');
        await replaceAccountDocument(trx, {
          accountId,
          certType: input.certType,
          numberEnvelope: secrets.cipher.encrypt(doc.number, piiAad.documentNumber(accountId)),
          numberIndex,
          now,
        });
        await updateAccountName(trx, accountId, secrets.cipher.encrypt(name, piiAad.name(accountId)), now);
        await insertIdentityProof(trx, { id: randomUUID(), accountId, kind: 'registry_match', level: 'real_name', adapter: 'population-registry', reference: `registry:${now.toISOString().slice(0, 10)}`, now });
        const next = maxLevel([current, levelFromProofs(await listIdentityProofs(trx, accountId))]);
        if (next !== current) await updateAccountLevel(trx, accountId, next, now);
        return { from: current, to: next };
      });
      await audit.record({ event: 'account.real_name_corrected', outcome: 'success', subject: accountId, ...context, details: { from, to, certType: input.certType } });
      if (levelRank(to) > levelRank(from)) {
        await audit.record({ event: 'account.level_changed', outcome: 'success', subject: accountId, ...context, details: { from, to, kind: 'registry_match' } });
      }
      return to;
    },

    async startFaceCheck(person, returnUrl) {
      const outerOrderNo = randomUUID().replace(/-/g, '');
      return requireFace().initialize({ outerOrderNo, name: person.name, certType: person.certType, idNumber: person.idNumber, ...(returnUrl ? { returnUrl } : {}) });
    },

    async faceResult(certifyId) {
      return requireFace().query(certifyId);
    },

    async settledFaceResult(certifyId) {
      if (!certifyId) return 'failed';
      return requireFace().query(certifyId).catch((err: unknown) => {
        if (err instanceof UpstreamError) return 'pending' as const;
        throw err;
      });
    },

    async recordFaceMatch(accountId, certifyId, context = {}) {
      await audit.record({ event: 'account.face_verified', outcome: 'success', subject: accountId, ...context, details: { certifyId } });
      return deps.accounts.addProof(accountId, { kind: 'face_match', level: 'real_person', adapter: 'face-verification', reference: certifyId }, context);
    },

    async identityOf(accountId) {
      const account = await deps.accounts.getAccount(accountId);
      if (!account?.documentNumber || !account.certType || !account.name) return undefined;
      return { certType: account.certType, idNumber: account.documentNumber, name: account.name };
    },
  };
}

export { AppError };
