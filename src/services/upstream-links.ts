// First and later sign-ins through an upstream (电子社保卡, 江苏政务, 支付宝): the (upstream, subject)
// link names one account; a first sign-in asserting a document links the account holding it, or
// creates one from the assertion. Account, document, link and proof are written in ONE transaction,
// and the upstream's level is recorded as an `upstream_assertion` proof that never lowers a level.

import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { isCertType, validateDocument } from '../domain/documents.js';
import { levelFromProofs, levelRank, maxLevel, type IdentityLevel } from '../domain/levels.js';
import { maskPhone } from '../domain/masking.js';
import {
  accountNeedsPhone,
  clearNeedsPhone,
  findAccountIdByDocumentIndexes,
  findAccountIdByPhoneIndex,
  insertAccount,
  insertAccountDocument,
  insertPhone,
  lockAccountLevel,
  updateAccountLevel,
} from '../repositories/accounts.js';
import { insertIdentityProof, listIdentityProofs } from '../repositories/identity-proofs.js';
import { findUpstreamLink, insertUpstreamLinkRow } from '../repositories/upstream-links.js';
import { piiAad, ConflictError } from './accounts.js';
import type { Audit } from './audit.js';
import type { Secrets } from './secrets.js';

/** What an upstream asserted, in the one shape the linking rules need. */
export interface UpstreamAssertion {
  upstream: 'essc' | 'jszw' | 'alipay';
  subject: string;
  name?: string;
  certType?: string;
  idNumber?: string;
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
}

function uniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

export function createUpstreamLinkService(deps: { db: Kysely<DB>; clock: Clock; secrets: Pick<Secrets, 'cipher' | 'blindIndex'>; audit: Audit }): UpstreamLinkService {
  const { db, clock, audit } = deps;
  const { cipher, blindIndex } = deps.secrets;

  /** Adds the upstream proof and raises the level when it is higher; never lowers it. */
  async function recordProof(trx: Transaction<DB>, accountId: string, assertion: UpstreamAssertion, now: Date): Promise<{ from: IdentityLevel; to: IdentityLevel }> {
    const current = await lockAccountLevel(trx, accountId);
    if (current === undefined) throw new Error('account vanished during the upstream sign-in');
    if (assertion.level === 'registered') return { from: current, to: current };
    await insertIdentityProof(trx, {
      id: randomUUID(),
      accountId,
      kind: 'upstream_assertion',
      level: assertion.level,
      adapter: assertion.upstream,
      reference: `${assertion.upstream}:${now.toISOString().slice(0, 10)}`,
      now,
    });
    const next = maxLevel([current, levelFromProofs(await listIdentityProofs(trx, accountId))]);
    if (next !== current) await updateAccountLevel(trx, accountId, next, now);
    return { from: current, to: next };
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
      const levels = await db.transaction().execute(async (trx) => {
        const current = await lockAccountLevel(trx, existing.accountId);
        // A later sign-in only adds a proof when it brings a higher level than the account has.
        if (current === undefined || levelRank(assertion.level) <= levelRank(current)) return { from: current, to: current };
        return recordProof(trx, existing.accountId, assertion, now);
      });
      return { outcome: 'linked', accountId: existing.accountId, needsPhone: await needsPhone(existing.accountId), ...(levels.from ? { from: levels.from, to: levels.to as IdentityLevel } : {}) };
    }

    const document = documentOf(assertion);
    const numberIndex = document ? blindIndex('document', document.number) : undefined;
    const holder = numberIndex ? await findAccountIdByDocumentIndexes(db, [numberIndex]) : undefined;
    if (holder) {
      const levels = await db.transaction().execute(async (trx) => {
        await insertUpstreamLinkRow(trx, { accountId: holder, upstream: assertion.upstream, subject: assertion.subject, now });
        return recordProof(trx, holder, assertion, now);
      });
      return { outcome: 'linked_by_document', accountId: holder, needsPhone: await needsPhone(holder), ...levels };
    }

    const accountId = randomUUID();
    await db.transaction().execute(async (trx) => {
      const name = assertion.name?.trim();
      await insertAccount(trx, { id: accountId, level: 'registered', nameEnvelope: name ? cipher.encrypt(name, piiAad.name(accountId)) : null, needsPhone: true, now });
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

  return {
    async signIn(assertion, context = {}) {
      let result;
      try {
        result = await attempt(assertion);
      } catch (err) {
        // A parallel first sign-in (same subject or same document) won the race: take its result.
        if (!uniqueViolation(err)) throw err;
        result = await attempt(assertion);
      }
      if (result.outcome !== 'linked') {
        await audit.record({
          event: result.outcome === 'created' ? 'account.created_from_upstream' : 'account.upstream_linked',
          outcome: 'success',
          subject: result.accountId,
          ...context,
          details: { upstream: assertion.upstream, level: assertion.level },
        });
      }
      if (result.from && result.to && levelRank(result.to) > levelRank(result.from)) {
        await audit.record({ event: 'account.level_changed', outcome: 'success', subject: result.accountId, ...context, details: { from: result.from, to: result.to, kind: 'upstream_assertion', adapter: assertion.upstream } });
      }
      return { outcome: result.outcome, accountId: result.accountId, needsPhone: result.needsPhone };
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
        if (uniqueViolation(err)) throw new ConflictError('registration.phone_taken', 'phone');
        throw err;
      }
      await audit.record({ event: 'account.phone_bound', outcome: 'success', subject: accountId, ...context, details: { phone: maskPhone(phoneE164) } });
    },
  };
}
