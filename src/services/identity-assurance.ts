// Raising an account's identity level: the real-name correction (基本信息修改, offered only while no
// registry match holds: name and document checked with the population registry after the citizen
// proved it is them, a captcha and a daily limit) and face verification for 实人. Each upgrade is a
// proof of the identity it checked, recorded through identity-levels; an audit event names it.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { validateDocument, type CertType } from '../domain/documents.js';
import { levelRank, type IdentityLevel } from '../domain/levels.js';
import { AppError, NotFoundError, RateLimitedError, UpstreamError, ValidationError } from '../errors/app-error.js';
import type { FaceVerifier, FaceResult } from '../adapters/face-verification/types.js';
import type { PopulationRegistry } from '../adapters/population-registry/types.js';
import { replaceAccountDocument, updateAccountName } from '../repositories/account-identity.js';
import { claimDocumentNumber, piiAad, type AccountService, type ChangeContext } from './accounts.js';
import type { Audit } from './audit.js';
import type { CaptchaService } from './captcha.js';
import type { IdentityLevels } from './identity-levels.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Reauthentication, ReauthProof } from './reauthentication.js';
import type { Secrets } from './secrets.js';

export interface PersonIdentity {
  certType: string;
  idNumber: string;
  name: string;
}

/** What every correction must bring besides the new identity: the captcha and the citizen's proof that it is them. */
export interface CorrectionGuard {
  captchaId: string;
  captchaAnswer: string;
  reauth: ReauthProof;
}

export interface IdentityAssurance {
  /** Whether the account may still correct its name and document online (no registry match holds yet). */
  canCorrectRealName(accountId: string): Promise<boolean>;
  /**
   * 基本信息修改 for an account without a registry match: after the captcha and the re-authentication,
   * within the daily limit, checks name + document with the registry; on a match stores them and
   * records the proof. Throws AppError('realname.locked', 403) once a match holds (the document is
   * verified: changes go through 用户申诉 or the service desk), ValidationError ('captcha.invalid',
   * the re-authentication's errors, document errors, 'realname.mismatch'), RateLimitedError
   * ('realname.too_many'), ConflictError (document taken or bound as a family number), UpstreamError.
   */
  correctRealName(accountId: string, input: { certType: CertType; documentNumber: string; name: string }, guard: CorrectionGuard, context?: ChangeContext): Promise<IdentityLevel>;
  /** Whether a face verifier is configured. */
  readonly faceAvailable: boolean;
  /** Starts a face check for this person (never for an identity the browser chose for an account); `identityKey` names who is checked. */
  startFaceCheck(person: PersonIdentity, returnUrl?: string): Promise<{ certifyId: string; certifyUrl: string; identityKey: string }>;
  faceResult(certifyId: string): Promise<FaceResult>;
  /** For a page polling a flow's check: no check yet → failed; the verifier unreachable → pending. */
  settledFaceResult(certifyId: string | undefined): Promise<FaceResult>;
  /** Records a passed face check of the identity `identityKey` names (startFaceCheck's); it counts while the account holds that identity. Returns the new level. */
  recordFaceMatch(accountId: string, check: { certifyId: string; identityKey: string }, context?: ChangeContext): Promise<IdentityLevel>;
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
  levels: IdentityLevels;
  captcha: Pick<CaptchaService, 'verify'>;
  reauth: Pick<Reauthentication, 'verify'>;
  rateLimiter: Pick<RateLimiter, 'consume'>;
  /** Registry checks one account may ask for per day through the correction. */
  correctionsPerDay: number;
  audit: Audit;
}): IdentityAssurance {
  const { db, clock, secrets, audit, levels } = deps;

  const requireFace = (): FaceVerifier => {
    if (!deps.face) throw new UpstreamError('face', 'face.unavailable');
    return deps.face;
  };

  const canCorrectRealName = async (accountId: string) => (await deps.accounts.getAccount(accountId))?.level === 'registered';

  return {
    faceAvailable: deps.face !== undefined,
    canCorrectRealName,

    async correctRealName(accountId, input, guard, context = {}) {
      const account = await deps.accounts.getAccount(accountId);
      if (!account) throw new NotFoundError();
      if (account.level !== 'registered') throw new AppError('realname.locked', 403);
      if (!(await deps.captcha.verify(guard.captchaId, guard.captchaAnswer))) throw new ValidationError('captcha.invalid', 'captcha');
      await deps.reauth.verify(accountId, guard.reauth);
      const doc = validateDocument(input.certType, input.documentNumber, clock.now());
      if (!doc.ok) throw new ValidationError(doc.code, 'documentNumber');
      const name = input.name.trim();
      if (name.length === 0) throw new ValidationError('registration.name_required', 'name');
      // The registry answers "match or not": an oracle, so every question is counted first.
      const decision = await deps.rateLimiter.consume([{ bucket: `realname:${accountId}:d`, limit: deps.correctionsPerDay, windowSeconds: 86400 }]);
      if (!decision.ok) throw new RateLimitedError(decision.retryAfterSeconds, 'realname.too_many');
      const verdict = await deps.registry.verify(input.certType, doc.number, name);
      if (verdict === 'unavailable') throw new UpstreamError('registry', 'realname.registry_unavailable');
      if (verdict !== 'match') {
        await audit.record({ event: 'account.real_name_check', outcome: 'failure', subject: accountId, ...context, details: { certType: input.certType } });
        throw new ValidationError('realname.mismatch', 'name');
      }
      const now = clock.now();
      const numberIndex = secrets.blindIndex('document', doc.number);
      const identityKey = levels.keyOf({ certType: input.certType, number: doc.number, name });
      const { from, to } = await db.transaction().execute(async (trx) => {
        const before = await levels.current(trx, accountId);
        // Decided again under the account's lock: a parallel correction may have matched already.
        if (!before) throw new NotFoundError();
        if (before.level !== 'registered') throw new AppError('realname.locked', 403);
        await claimDocumentNumber(trx, numberIndex, accountId);
        await replaceAccountDocument(trx, {
          accountId,
          certType: input.certType,
          numberEnvelope: secrets.cipher.encrypt(doc.number, piiAad.documentNumber(accountId)),
          numberIndex,
          now,
        });
        await updateAccountName(trx, accountId, secrets.cipher.encrypt(name, piiAad.name(accountId)), now);
        const recorded = await levels.record(trx, accountId, { kind: 'registry_match', level: 'real_name', adapter: 'population-registry', reference: `registry:${now.toISOString().slice(0, 10)}`, identityKey }, now);
        return { from: before.level, to: recorded.to };
      });
      await audit.record({ event: 'account.real_name_corrected', outcome: 'success', subject: accountId, ...context, details: { from, to, certType: input.certType, reauth: guard.reauth.method } });
      if (levelRank(to) > levelRank(from)) {
        await audit.record({ event: 'account.level_changed', outcome: 'success', subject: accountId, ...context, details: { from, to, kind: 'registry_match' } });
      }
      return to;
    },

    async startFaceCheck(person, returnUrl) {
      const outerOrderNo = randomUUID().replace(/-/g, '');
      const started = await requireFace().initialize({ outerOrderNo, name: person.name, certType: person.certType, idNumber: person.idNumber, ...(returnUrl ? { returnUrl } : {}) });
      return { ...started, identityKey: levels.keyOf({ certType: person.certType, number: person.idNumber, name: person.name }) };
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

    async recordFaceMatch(accountId, check, context = {}) {
      await audit.record({ event: 'account.face_verified', outcome: 'success', subject: accountId, ...context, details: { certifyId: check.certifyId } });
      return deps.accounts.addProof(accountId, { kind: 'face_match', level: 'real_person', adapter: 'face-verification', reference: check.certifyId, identityKey: check.identityKey }, context);
    },

    async identityOf(accountId) {
      const account = await deps.accounts.getAccount(accountId);
      if (!account?.documentNumber || !account.certType || !account.name) return undefined;
      return { certType: account.certType, idNumber: account.documentNumber, name: account.name };
    },
  };
}
