// Family numbers (亲情号): a real-name account binds up to 8 relatives by document. The member must
// match the population registry and must be neither registered nor bound elsewhere; a bound number
// counts as taken for registration. Numbers and names are encrypted, with a unique blind index.
// Each attempt answers "registered / bound / registry match", so attempts are limited per binder
// per day (counted atomically), and a registered member is told by SMS that someone tried.

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PopulationRegistry } from '../adapters/population-registry/types.js';
import type { SmsGateway } from '../adapters/sms/types.js';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { isCertType, validateDocument, type CertType } from '../domain/documents.js';
import { levelRank } from '../domain/levels.js';
import { maskDocument, maskName } from '../domain/masking.js';
import { checkName } from '../domain/names.js';
import { AppError, NotFoundError, RateLimitedError, ValidationError } from '../errors/app-error.js';
import { findAccountIdByDocumentIndexes, lockAccount } from '../repositories/accounts.js';
import { lockDocumentNumber } from '../repositories/document-locks.js';
import {
  countFamilyBindings,
  deleteFamilyBinding,
  familyIndexBound,
  insertFamilyBinding,
  listFamilyBindings,
  type FamilyRelation,
} from '../repositories/family-bindings.js';
import { documentCandidates, type AccountService, type ChangeContext } from './accounts.js';
import type { Audit } from './audit.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Secrets } from './secrets.js';
import { DuplicateError } from '../repositories/duplicates.js';
import { isUuid } from '../domain/ids.js';

export const familyRelations = ['parent', 'spouse', 'child', 'other'] as const satisfies readonly FamilyRelation[];
export type { FamilyRelation };
export const MAX_FAMILY_BINDINGS = 8;

export function isFamilyRelation(value: unknown): value is FamilyRelation {
  return typeof value === 'string' && (familyRelations as readonly string[]).includes(value);
}

/** A family member as the user centre shows it (number masked; the full number never leaves). */
export interface FamilyMember {
  id: string;
  name: string;
  certType: string;
  numberMasked: string;
  relation: FamilyRelation;
  createdAt: Date;
}

/** The `family` scope's claim entry (CONTRACTS.md). */
export interface FamilyMemberClaim {
  name: string;
  cert_type: string;
  id_number_masked: string;
  relation: FamilyRelation;
}

export interface BindInput {
  certType: string;
  documentNumber: string;
  name: string;
  relation: string;
}

export interface FamilyService {
  list(binderAccountId: string): Promise<FamilyMember[]>;
  claimsFor(binderAccountId: string): Promise<FamilyMemberClaim[]>;
  /**
   * Throws AppError('account.family.level_required', 403) below real_name, ValidationError for a
   * bad field (field named), RateLimitedError('account.family.rate_limited') past the binder's
   * attempts per day, AppError 409 ('account.family.limit' | 'account.family.registered' |
   * 'account.family.bound'), AppError('account.family.mismatch', 422), AppError('account.family.registry_unavailable', 503).
   * The caller checks the captcha first.
   */
  bind(binderAccountId: string, input: BindInput, context?: ChangeContext): Promise<FamilyMember>;
  /** Throws NotFoundError when no such binding belongs to the binder. */
  unbind(binderAccountId: string, bindingId: string, context?: ChangeContext): Promise<void>;
  /** Whether a document number (as typed, any type) is bound as someone's family number. */
  isBound(documentNumber: string): Promise<boolean>;
}

/** The AAD of the encrypted member columns (also used by the account import). */
export const familyPiiAad = {
  number: (id: string) => `family_bindings.number:${id}`,
  name: (id: string) => `family_bindings.name:${id}`,
};
const aad = familyPiiAad;

/** A registered member hears about attempts on their number at most this often. */
const MEMBER_NOTICE_WINDOW_SECONDS = 86_400;

export function createFamilyService(deps: {
  db: Kysely<DB>;
  secrets: Pick<Secrets, 'cipher' | 'blindIndex'>;
  registry: PopulationRegistry;
  accounts: Pick<AccountService, 'getAccount' | 'documentTaken' | 'findAccountIdByDocument'>;
  clock: Clock;
  audit: Audit;
  rateLimiter: RateLimiter;
  /** The SMS port, for the notice to a registered member. */
  sms: SmsGateway;
  /** Bind attempts (that reach a look-up) per binder per 24 hours. */
  bindAttemptsPerDay: number;
}): FamilyService {
  const { db, registry, accounts, clock, audit, rateLimiter } = deps;
  const { cipher, blindIndex } = deps.secrets;

  /** Tells a registered member, by SMS without a code, that someone tried to bind their number (once a day at most). */
  const noticeMember = async (binderAccountId: string, documentNumber: string, context: ChangeContext) => {
    const memberId = await accounts.findAccountIdByDocument(documentNumber);
    const phone = memberId ? (await accounts.getAccount(memberId))?.phoneE164 : undefined;
    if (!memberId || !phone || memberId === binderAccountId) return;
    const once = await rateLimiter.hit({ bucket: `family:notice:${blindIndex('document', documentNumber)}`, limit: 1, windowSeconds: MEMBER_NOTICE_WINDOW_SECONDS });
    if (!once.ok) return;
    let outcome: 'success' | 'failure' = 'success';
    try {
      await deps.sms.notify(phone, 'family_attempt');
    } catch {
      outcome = 'failure'; // the binder's answer does not depend on the gateway
    }
    // On the member's own activity page: without the binder's IP address (the binder's request id traces it).
    await audit.record({ event: 'account.family_attempt_noticed', outcome, subject: memberId, actor: binderAccountId, ...(context.requestId ? { requestId: context.requestId } : {}) });
  };

  const list = async (binderAccountId: string): Promise<FamilyMember[]> => {
    if (!isUuid(binderAccountId)) return [];
    const rows = await listFamilyBindings(db, binderAccountId);
    return rows.map((r) => ({
      id: r.id,
      name: cipher.decrypt(r.memberNameEnvelope, aad.name(r.id)),
      certType: r.memberCertType,
      numberMasked: maskDocument(cipher.decrypt(r.memberNumberEnvelope, aad.number(r.id))),
      relation: r.relation,
      createdAt: r.createdAt,
    }));
  };

  const isBound = async (documentNumber: string) =>
    familyIndexBound(db, documentCandidates(documentNumber, clock.now()).map((n) => blindIndex('document', n)));

  return {
    list,
    isBound,
    async claimsFor(binderAccountId) {
      return (await list(binderAccountId)).map((m) => ({ name: m.name, cert_type: m.certType, id_number_masked: m.numberMasked, relation: m.relation }));
    },

    async bind(binderAccountId, input, context = {}) {
      const binder = await accounts.getAccount(binderAccountId);
      if (!binder || binder.status !== 'active') throw new NotFoundError();
      if (levelRank(binder.level) < levelRank('real_name')) throw new AppError('account.family.level_required', 403);
      if (!isCertType(input.certType)) throw new ValidationError('documents.unknown_type', 'certType');
      const document = validateDocument(input.certType, input.documentNumber, clock.now());
      if (!document.ok) throw new ValidationError(document.code, 'documentNumber');
      const checked = checkName(input.name);
      if (!checked.ok) throw new ValidationError(checked.code, 'name');
      const { name } = checked;
      if (!isFamilyRelation(input.relation)) throw new ValidationError('account.family.relation_invalid', 'relation');
      const certType: CertType = input.certType;
      const numberIndex = blindIndex('document', document.number);

      // One statement counts the attempt and answers, so parallel attempts cannot pass the limit.
      const allowed = await rateLimiter.hit({ bucket: `family:bind:${binderAccountId}`, limit: deps.bindAttemptsPerDay, windowSeconds: 86_400 });
      if (!allowed.ok) throw new RateLimitedError(allowed.retryAfterSeconds, 'account.family.rate_limited');
      if ((await list(binderAccountId)).length >= MAX_FAMILY_BINDINGS) throw new AppError('account.family.limit', 409, { max: MAX_FAMILY_BINDINGS });
      if (await accounts.documentTaken(document.number)) {
        await noticeMember(binderAccountId, document.number, context);
        throw new AppError('account.family.registered', 409);
      }
      if (await isBound(document.number)) throw new AppError('account.family.bound', 409);
      let verdict;
      try {
        verdict = await registry.verify(certType, document.number, name);
      } catch {
        verdict = 'unavailable' as const;
      }
      if (verdict === 'unavailable') throw new AppError('account.family.registry_unavailable', 503);
      if (verdict !== 'match') {
        await audit.record({ event: 'account.family_bound', outcome: 'failure', subject: binderAccountId, ...context, details: { reason: 'registry_mismatch', member: maskDocument(document.number) } });
        throw new AppError('account.family.mismatch', 422);
      }

      const id = randomUUID();
      const now = clock.now();
      try {
        await db.transaction().execute(async (trx) => {
          if (!(await lockAccount(trx, binderAccountId))) throw new NotFoundError(); // serialises one binder's binds
          if ((await countFamilyBindings(trx, binderAccountId)) >= MAX_FAMILY_BINDINGS) throw new AppError('account.family.limit', 409, { max: MAX_FAMILY_BINDINGS });
          // A registration of this number at the same moment waits here, or this binding waits for it.
          await lockDocumentNumber(trx, numberIndex);
          if (await findAccountIdByDocumentIndexes(trx, [numberIndex])) throw new AppError('account.family.registered', 409);
          await insertFamilyBinding(trx, {
            id,
            binderAccountId,
            memberCertType: certType,
            memberNumberEnvelope: cipher.encrypt(document.number, aad.number(id)),
            memberNumberIndex: numberIndex,
            memberNameEnvelope: cipher.encrypt(name, aad.name(id)),
            relation: input.relation as FamilyRelation,
            createdAt: now,
          });
        });
      } catch (err) {
        if (err instanceof DuplicateError) throw new AppError('account.family.bound', 409); // bound by someone else meanwhile
        throw err;
      }
      await audit.record({
        event: 'account.family_bound',
        outcome: 'success',
        subject: binderAccountId,
        ...context,
        details: { binding: id, relation: input.relation, member: maskDocument(document.number), member_name: maskName(name) },
      });
      return { id, name, certType, numberMasked: maskDocument(document.number), relation: input.relation as FamilyRelation, createdAt: now };
    },

    async unbind(binderAccountId, bindingId, context = {}) {
      if (!isUuid(binderAccountId) || !isUuid(bindingId)) throw new NotFoundError();
      const removed = await deleteFamilyBinding(db, bindingId, binderAccountId);
      if (!removed) throw new NotFoundError();
      const member = maskDocument(cipher.decrypt(removed.memberNumberEnvelope, aad.number(bindingId)));
      await audit.record({ event: 'account.family_unbound', outcome: 'success', subject: binderAccountId, ...context, details: { binding: bindingId, relation: removed.relation, member } });
    },
  };
}
