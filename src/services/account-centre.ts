// The user centre's own rules: its sessions (random cookie value, only the SHA-256 kept, idle and
// absolute expiry), replacing the phone, unlinking an upstream account (never the last way in),
// favourites, and the account's activity and sign-in history from the audit trail.

import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { maskPhone } from '../domain/masking.js';
import { AppError, NotFoundError } from '../errors/app-error.js';
import { findAccountIdByPhoneIndex, listUpstreamLinks, lockAccount } from '../repositories/accounts.js';
import {
  deleteUpstreamLink,
  listAccountAuditEvents,
  listProviderRowsForAccount,
  newestTokenIatByGrant,
  type StoredModelRow,
  replacePhone,
  signInMethodCounts,
  type AuditRow,
} from '../repositories/account-settings.js';
import {
  deleteAccountSession,
  findLiveAccountSession,
  insertAccountSession,
  listLiveAccountSessions,
  touchAccountSession,
  type AccountSessionRow,
} from '../repositories/account-sessions.js';
import { addFavourite, listFavouriteClientIds, removeFavourite } from '../repositories/favourites.js';
import { piiAad, type ChangeContext } from './accounts.js';
import type { Audit } from './audit.js';
import type { Secrets } from './secrets.js';
import { DuplicateError } from '../repositories/duplicates.js';

/** Idle and absolute lifetimes of a user-centre session. */
export const ACCOUNT_SESSION_IDLE_SECONDS = 30 * 60;
export const ACCOUNT_SESSION_MAX_SECONDS = 12 * 60 * 60;

export interface AccountCentre {
  /** Creates a session; returns the cookie value (shown once, never stored). */
  startSession(accountId: string, meta: { ip?: string | undefined; userAgent?: string | undefined }): Promise<{ token: string; idHash: string }>;
  /** The live session behind a cookie value (its idle expiry extended), or undefined. */
  resumeSession(token: string | undefined): Promise<AccountSessionRow | undefined>;
  listSessions(accountId: string): Promise<AccountSessionRow[]>;
  endSession(idHash: string, accountId: string): Promise<boolean>;
  /**
   * Replaces the phone; `via` (how the holder was proven: the old phone's code or a face check) goes
   * to the audit trail. Throws AppError('account.phone.taken', 409) when another account holds the number.
   */
  changePhone(accountId: string, phoneE164: string, previousE164: string | undefined, context?: ChangeContext, via?: 'sms' | 'face' | 'none'): Promise<void>;
  links(accountId: string): Promise<Array<{ upstream: string; createdAt: Date }>>;
  /** Throws NotFoundError (no such link) or AppError('account.links.last_method', 409). */
  unlink(accountId: string, upstream: string, context?: ChangeContext): Promise<void>;
  favourites(accountId: string): Promise<string[]>;
  setFavourite(accountId: string, clientId: string, on: boolean): Promise<void>;
  activity(accountId: string, options: { prefix?: string; limit: number }): Promise<AuditRow[]>;
  /** oidc-provider's live Grant rows for the account, each with the newest token `iat` under it (epoch seconds). */
  grants(accountId: string): Promise<Array<StoredModelRow & { lastTokenIat: number | undefined }>>;
  /** oidc-provider's live Session rows for the account. */
  providerSessions(accountId: string): Promise<StoredModelRow[]>;
}

export const hashSessionToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export function createAccountCentre(deps: { db: Kysely<DB>; clock: Clock; secrets: Pick<Secrets, 'cipher' | 'blindIndex'>; audit: Audit }): AccountCentre {
  const { db, clock, audit } = deps;
  const { cipher, blindIndex } = deps.secrets;
  const plus = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

  return {
    async startSession(accountId, meta) {
      const token = randomBytes(32).toString('base64url');
      const idHash = hashSessionToken(token);
      const now = clock.now();
      await insertAccountSession(db, {
        idHash,
        accountId,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: plus(now, ACCOUNT_SESSION_IDLE_SECONDS),
        ip: meta.ip?.slice(0, 64) ?? null,
        userAgent: meta.userAgent?.slice(0, 300) ?? null,
      });
      return { token, idHash };
    },

    async resumeSession(token) {
      if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const now = clock.now();
      const session = await findLiveAccountSession(db, hashSessionToken(token), now);
      if (!session) return undefined;
      if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
        const expiresAt = new Date(Math.min(plus(now, ACCOUNT_SESSION_IDLE_SECONDS).getTime(), plus(session.createdAt, ACCOUNT_SESSION_MAX_SECONDS).getTime()));
        await touchAccountSession(db, session.idHash, now, expiresAt);
        return { ...session, lastSeenAt: now, expiresAt };
      }
      return session;
    },

    listSessions: (accountId) => listLiveAccountSessions(db, accountId, clock.now()),
    endSession: (idHash, accountId) => deleteAccountSession(db, idHash, accountId),

    async changePhone(accountId, phoneE164, previousE164, context = {}, via) {
      const phoneIndex = blindIndex('phone', phoneE164);
      const holder = await findAccountIdByPhoneIndex(db, phoneIndex);
      if (holder !== undefined) throw new AppError('account.phone.taken', 409);
      try {
        await db.transaction().execute(async (trx) => {
          if (!(await lockAccount(trx, accountId))) throw new NotFoundError();
          await replacePhone(trx, { accountId, phoneEnvelope: cipher.encrypt(phoneE164, piiAad.phone(accountId)), phoneIndex, verifiedAt: clock.now() });
        });
      } catch (err) {
        if (err instanceof DuplicateError) throw new AppError('account.phone.taken', 409);
        throw err;
      }
      await audit.record({
        event: 'account.phone_changed',
        outcome: 'success',
        subject: accountId,
        ...context,
        details: { from: previousE164 ? maskPhone(previousE164) : null, to: maskPhone(phoneE164), ...(via ? { via } : {}) },
      });
    },

    async links(accountId) {
      return (await listUpstreamLinks(db, accountId)).map((l) => ({ upstream: l.upstream, createdAt: l.createdAt }));
    },

    async unlink(accountId, upstream, context = {}) {
      await db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, accountId))) throw new NotFoundError();
        const counts = await signInMethodCounts(trx, accountId);
        if (!counts.password && !counts.phone && counts.links <= 1) throw new AppError('account.links.last_method', 409);
        if (!(await deleteUpstreamLink(trx, accountId, upstream))) throw new NotFoundError();
      });
      await audit.record({ event: 'account.upstream_unlinked', outcome: 'success', subject: accountId, ...context, details: { upstream } });
    },

    favourites: (accountId) => listFavouriteClientIds(db, accountId),
    async setFavourite(accountId, clientId, on) {
      if (on) await addFavourite(db, accountId, clientId, clock.now());
      else await removeFavourite(db, accountId, clientId);
    },
    activity: (accountId, options) => listAccountAuditEvents(db, accountId, options),
    async grants(accountId) {
      const rows = await listProviderRowsForAccount(db, 'Grant', accountId, clock.now());
      const newest = await newestTokenIatByGrant(db, rows.map((r) => r.id));
      return rows.map((r) => ({ ...r, lastTokenIat: newest.get(r.id) }));
    },
    providerSessions: (accountId) => listProviderRowsForAccount(db, 'Session', accountId, clock.now()),
  };
}
