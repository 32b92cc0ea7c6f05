// First and later sign-ins through an upstream (电子社保卡, 江苏政务, 支付宝): the (upstream, subject)
// link names one account; a first sign-in asserting a document links the account holding it, or
// creates one from the assertion. Account, document, link and proof are written in ONE transaction,
// and the upstream's level is recorded as an `upstream_assertion` proof that never lowers a level.
// 账号关联 from the user centre links an upstream identity to the signed-in account instead: never
// one linked elsewhere (no takeover), and an asserted document must be the account's own.

import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { isCertType, validateDocument } from '../domain/documents.js';
import { levelRank, type IdentityLevel } from '../domain/levels.js';
import { maskPhone } from '../domain/masking.js';
import type { UpstreamName } from '../domain/sign-in-methods.js';
import {
  accountNeedsPhone,
  clearNeedsPhone,
  findAccountIdByDocumentIndexes,
  findAccountIdByPhoneIndex,
  insertAccount,
  insertAccountDocument,
  insertPhone,
  listUpstreamLinks,
  lockAccount,
} from '../repositories/accounts.js';
import { findUpstreamLink, insertUpstreamLinkRow } from '../repositories/upstream-links.js';
import { findAccountDocumentIndex } from '../repositories/account-identity.js';
import { AppError, NotFoundError } from '../errors/app-error.js';
import { piiAad, ConflictError, type ChangeContext } from './accounts.js';
import type { Audit } from './audit.js';
import type { IdentityLevels } from './identity-levels.js';
import type { Secrets } from './secrets.js';
import { DuplicateError, orDuplicate } from '../repositories/duplicates.js';

/** What an upstream asserted, in the one shape the linking rules need. */
export interface UpstreamAssertion {
  upstream: UpstreamName;
  subject: string;
  name?: string;
  certType?: string;
  idNumber?: string;
  /**
   * A mobile number the upstream has on record for this person (江苏政务's `mobile`): its word only,
   * never proof of possession. Linking ignores it; binding a phone offers it, proven by an SMS code.
   */
  phone?: string;
  /** Our level for this assertion (already mapped through the upstream's configured table). */
  level: IdentityLevel;
}

export type UpstreamSignIn =
  | { outcome: 'linked'; accountId: string; needsPhone: boolean }
  | { outcome: 'linked_by_document'; accountId: string; needsPhone: boolean }
  | { outcome: 'created'; accountId: string; needsPhone: boolean };

export interface UpstreamLinkService {
  /** Resolves the assertion to an account (linking or creating it); the account may still need a phone. */
  signIn(assertion: UpstreamAssertion, context?: { ip?: string; requestId?: string }): Promise<UpstreamSignIn>;
  /**
   * Binds a verified phone to an account that has none. Throws ConflictError('registration.phone_taken')
   * when another account holds the number.
   */
  bindPhone(accountId: string, phoneE164: string, context?: { ip?: string; requestId?: string }): Promise<void>;
  /**
   * 账号关联: links the asserted upstream identity to `accountId` (a signed-in account). A document
   * the upstream asserts must be the account's own; then its level is recorded as a proof. Audited
   * either way. Returns 'already_linked' when it is linked to this account already. Throws
   * AppError (params.upstream = the upstream): 'account.links.taken' 409 (linked to another
   * account), 'account.links.upstream_in_use' 409 (this account has another account of that
   * upstream), 'account.links.identity_mismatch' 403, 'account.links.no_document' 409; NotFoundError.
   */
  link(accountId: string, assertion: UpstreamAssertion, context?: ChangeContext): Promise<{ outcome: 'linked' | 'already_linked'; level: IdentityLevel }>;
}

/** Why a 账号关联 was refused (the i18n key is `account.links.<reason>`). */
export type LinkRefusal = 'taken' | 'upstream_in_use' | 'identity_mismatch' | 'no_document';
const refusalStatus: Record<LinkRefusal, number> = { taken: 409, upstream_in_use: 409, identity_mismatch: 403, no_document: 409 };

/** Runs `work` again once when a parallel transaction of the same identity won a unique index: the rules then decide on its outcome. */
async function againIfRaced<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await orDuplicate(work);
  } catch (err) {
    if (!(err instanceof DuplicateError)) throw err;
    return work();
  }
}

export function createUpstreamLinkService(deps: { db: Kysely<DB>; clock: Clock; secrets: Pick<Secrets, 'cipher' | 'blindIndex'>; levels: IdentityLevels; audit: Audit }): UpstreamLinkService {
  const { db, clock, audit, levels } = deps;
  const { cipher, blindIndex } = deps.secrets;

  /**
   * Records the upstream's level as a proof of the identity it asserted (its document and name):
   * it counts for the account only while the account holds that same identity.
   */
  async function recordProof(trx: Transaction<DB>, accountId: string, assertion: UpstreamAssertion, now: Date): Promise<{ from: IdentityLevel; to: IdentityLevel }> {
    if (assertion.level === 'registered') {
      const current = await levels.current(trx, accountId);
      if (!current) throw new Error('account vanished during the upstream sign-in');
      return { from: current.level, to: current.level };
    }
    const document = documentOf(assertion);
    const identityKey = levels.keyOf({ certType: document?.certType, number: document?.number, name: assertion.name });
    return levels.record(trx, accountId, { kind: 'upstream_assertion', level: assertion.level, adapter: assertion.upstream, reference: `${assertion.upstream}:${now.toISOString().slice(0, 10)}`, identityKey }, now);
  }

  const needsPhone = (accountId: string) => accountNeedsPhone(db, accountId);

  /** The normalised document of the assertion, when it carries a valid one. */
  function documentOf(assertion: UpstreamAssertion): { certType: string; number: string } | undefined {
    if (!assertion.idNumber || !assertion.certType || !isCertType(assertion.certType)) return undefined;
    const checked = validateDocument(assertion.certType, assertion.idNumber, clock.now());
    return checked.ok ? { certType: assertion.certType, number: checked.number } : undefined;
  }

  async function attempt(assertion: UpstreamAssertion): Promise<UpstreamSignIn & { from?: IdentityLevel; to?: IdentityLevel }> {
    const now = clock.now();
    const existing = await findUpstreamLink(db, assertion.upstream, assertion.subject);
    if (existing) {
      const raised = await db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, existing.accountId))) return undefined;
        const current = await levels.current(trx, existing.accountId);
        // A later sign-in only adds a proof when it brings a higher level than the account has.
        if (!current || levelRank(assertion.level) <= levelRank(current.level)) return undefined;
        return recordProof(trx, existing.accountId, assertion, now);
      });
      return { outcome: 'linked', accountId: existing.accountId, needsPhone: await needsPhone(existing.accountId), ...(raised ?? {}) };
    }

    const document = documentOf(assertion);
    const numberIndex = document ? blindIndex('document', document.number) : undefined;
    const holder = numberIndex ? await findAccountIdByDocumentIndexes(db, [numberIndex]) : undefined;
    if (holder) {
      const changed = await db.transaction().execute(async (trx) => {
        await insertUpstreamLinkRow(trx, { accountId: holder, upstream: assertion.upstream, subject: assertion.subject, now });
        return recordProof(trx, holder, assertion, now);
      });
      return { outcome: 'linked_by_document', accountId: holder, needsPhone: await needsPhone(holder), ...changed };
    }

    const accountId = randomUUID();
    await db.transaction().execute(async (trx) => {
      const name = assertion.name?.trim();
      await insertAccount(trx, { id: accountId, nameEnvelope: name ? cipher.encrypt(name, piiAad.name(accountId)) : null, needsPhone: true, now });
      if (document && numberIndex) {
        await insertAccountDocument(trx, {
          accountId,
          certType: document.certType,
          numberEnvelope: cipher.encrypt(document.number, piiAad.documentNumber(accountId)),
          numberIndex,
          now,
        });
      }
      await insertUpstreamLinkRow(trx, { accountId, upstream: assertion.upstream, subject: assertion.subject, now });
      await recordProof(trx, accountId, assertion, now);
    });
    return { outcome: 'created', accountId, needsPhone: true };
  }

  /** An upstream assertion that raised the account's level is audited as a level change. */
  const auditRaise = async (accountId: string, from: IdentityLevel, to: IdentityLevel, assertion: UpstreamAssertion, context: ChangeContext) => {
    if (levelRank(to) <= levelRank(from)) return;
    await audit.record({ event: 'account.level_changed', outcome: 'success', subject: accountId, ...context, details: { from, to, kind: 'upstream_assertion', adapter: assertion.upstream } });
  };

  return {
    async signIn(assertion, context = {}) {
      // A parallel first sign-in (same subject or same document) may win the race: take its result.
      const result = await againIfRaced(() => attempt(assertion));
      if (result.outcome !== 'linked') {
        await audit.record({
          event: result.outcome === 'created' ? 'account.created_from_upstream' : 'account.upstream_linked',
          outcome: 'success',
          subject: result.accountId,
          ...context,
          details: { upstream: assertion.upstream, level: assertion.level },
        });
      }
      if (result.from && result.to) await auditRaise(result.accountId, result.from, result.to, assertion, context);
      return { outcome: result.outcome, accountId: result.accountId, needsPhone: result.needsPhone };
    },

    async link(accountId, assertion, context = {}) {
      const refuse = (reason: LinkRefusal) => new AppError(`account.links.${reason}`, refusalStatus[reason], { upstream: assertion.upstream });
      const document = documentOf(assertion);
      const attemptLink = () =>
        db.transaction().execute(async (trx) => {
          if (!(await lockAccount(trx, accountId))) throw new NotFoundError();
          const current = (await levels.current(trx, accountId))?.level ?? 'registered';
          const existing = await findUpstreamLink(trx, assertion.upstream, assertion.subject);
          if (existing) {
            if (existing.accountId !== accountId) throw refuse('taken');
            return { outcome: 'already_linked' as const, from: current, to: current };
          }
          if ((await listUpstreamLinks(trx, accountId)).some((l) => l.upstream === assertion.upstream)) throw refuse('upstream_in_use');
          // An upstream that asserts a document (valid or not) speaks for that person only.
          if (assertion.idNumber !== undefined) {
            const own = await findAccountDocumentIndex(trx, accountId);
            if (own === undefined) throw refuse('no_document');
            if (!document || own !== blindIndex('document', document.number)) throw refuse('identity_mismatch');
          }
          const now = clock.now();
          await insertUpstreamLinkRow(trx, { accountId, upstream: assertion.upstream, subject: assertion.subject, now });
          // Only an identity matched to the account's document raises its level.
          const change = document ? await recordProof(trx, accountId, assertion, now) : { from: current, to: current };
          return { outcome: 'linked' as const, ...change };
        });
      let result;
      try {
        // A parallel link or first sign-in of the same identity may win the race: decide again.
        result = await againIfRaced(attemptLink);
      } catch (err) {
        if (err instanceof AppError && err.code.startsWith('account.links.')) {
          await audit.record({ event: 'account.upstream_linked', outcome: 'failure', subject: accountId, ...context, details: { upstream: assertion.upstream, via: 'account_centre', reason: err.code.slice('account.links.'.length) } });
        }
        throw err;
      }
      if (result.outcome === 'linked') {
        await audit.record({ event: 'account.upstream_linked', outcome: 'success', subject: accountId, ...context, details: { upstream: assertion.upstream, via: 'account_centre', level: document ? assertion.level : 'registered' } });
        await auditRaise(accountId, result.from, result.to, assertion, context);
      }
      return { outcome: result.outcome, level: result.to };
    },

    async bindPhone(accountId, phoneE164, context = {}) {
      const phoneIndex = blindIndex('phone', phoneE164);
      const holder = await findAccountIdByPhoneIndex(db, phoneIndex);
      if (holder && holder !== accountId) throw new ConflictError('registration.phone_taken', 'phone');
      const now = clock.now();
      try {
        await db.transaction().execute(async (trx) => {
          if (!holder) await insertPhone(trx, { accountId, phoneEnvelope: cipher.encrypt(phoneE164, piiAad.phone(accountId)), phoneIndex, verifiedAt: now });
          await clearNeedsPhone(trx, accountId, now);
        });
      } catch (err) {
        if (err instanceof DuplicateError) throw new ConflictError('registration.phone_taken', 'phone');
        throw err;
      }
      await audit.record({ event: 'account.phone_bound', outcome: 'success', subject: accountId, ...context, details: { phone: maskPhone(phoneE164) } });
    },
  };
}
