// What recovery and appeals change once the citizen has proven a factor: a new password (lockout
// cleared, other sessions and refresh tokens ended), an ID takeover (the previous holder's phone,
// links, family bindings, sessions and tokens removed), a phone moved to its owner, a family
// binding of the citizen's document removed. Each writes an audit record. The account of a proven
// document is the one registered with its number AND its certificate type.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import {
  deleteFamilyBindingByMember,
  deleteFamilyBindingsOfBinder,
  deletePhoneByIndex,
  deletePhoneOfAccount,
  deleteProviderRowsOfAccount,
  deleteUpstreamLinksOfAccount,
  sessionModels,
  setNeedsPhone,
  tokenModels,
  upsertPhone,
} from '../repositories/account-revocation.js';
import { piiAad, type AccountService, type ChangeContext } from './accounts.js';
import type { Audit } from './audit.js';
import type { Lockout } from './lockout.js';
import type { PasswordHasher } from './crypto/index.js';
import type { CertType } from '../domain/documents.js';
import { checkPassword } from '../domain/password-policy.js';
import { NotFoundError, ValidationError } from '../errors/app-error.js';
import { upsertPasswordHash } from '../repositories/account-credentials.js';
import type { Secrets } from './secrets.js';

/** A document as an appeal proved it: its certificate type and number. */
export interface ProvenDocument {
  certType: CertType;
  idNumber: string;
}

export interface AccountRecovery {
  /** Sets the new password (policy checked), clears the lock, ends sessions and revokes tokens. */
  resetPassword(accountId: string, password: string, context: ChangeContext): Promise<void>;
  /**
   * The account registered with this document: the number (as people type it) and the same
   * certificate type — a passport and a Taiwan permit with the same digits are different people.
   */
  holderOf(document: ProvenDocument): Promise<string | undefined>;
  /**
   * The rightful holder of the document takes its account over (after a face check); returns the
   * account. Throws NotFoundError when no account holds this type and number, ValidationError
   * when the password breaks the policy.
   */
  takeOver(document: ProvenDocument, password: string, context: ChangeContext): Promise<string>;
  /** Moves a proven phone from whoever holds it to `toAccountId` (or just frees it). */
  reclaimPhone(phoneE164: string, toAccountId: string | undefined, context: ChangeContext): Promise<{ previousHolder: string | undefined }>;
  /** Removes the family binding of this document number; returns the binder, if there was one. */
  releaseFamilyBinding(documentNumber: string, context: ChangeContext): Promise<string | undefined>;
}

export function createAccountRecovery(deps: {
  db: Kysely<DB>;
  clock: Clock;
  secrets: Pick<Secrets, 'cipher' | 'blindIndex'>;
  accounts: AccountService;
  lockout: Lockout;
  hasher: Pick<PasswordHasher, 'hash'>;
  audit: Audit;
}): AccountRecovery {
  const { db, clock, secrets, audit } = deps;

  /** Checks the password policy for this account and hashes it (before any transaction opens). */
  const newHash = async (accountId: string, password: string): Promise<string> => {
    const account = await deps.accounts.getAccount(accountId);
    if (!account) throw new NotFoundError();
    const policy = checkPassword(password, { phone: account.phoneE164, documentNumber: account.documentNumber });
    if (!policy.ok) throw new ValidationError(policy.codes[0], 'password');
    return deps.hasher.hash(password);
  };

  const holderOf = async (document: ProvenDocument): Promise<string | undefined> => {
    const accountId = await deps.accounts.findAccountIdByDocument(document.idNumber);
    if (!accountId) return undefined;
    return (await deps.accounts.getAccount(accountId))?.certType === document.certType ? accountId : undefined;
  };

  return {
    async resetPassword(accountId, password, context) {
      const hash = await newHash(accountId, password);
      await db.transaction().execute(async (trx) => {
        await upsertPasswordHash(trx, accountId, hash, clock.now());
        await deleteProviderRowsOfAccount(trx, accountId, [...sessionModels, 'RefreshToken']);
      });
      await deps.lockout.reset(`account:${accountId}`);
      await audit.record({ event: 'account.password_reset', outcome: 'success', subject: accountId, ...context });
    },

    holderOf,

    async takeOver(document, password, context) {
      const accountId = await holderOf(document);
      if (!accountId) throw new NotFoundError();
      const hash = await newHash(accountId, password);
      // all or nothing: a crash part-way leaves the account as it was, and the appeal can be redone
      const removed = await db.transaction().execute(async (trx) => {
        await deletePhoneOfAccount(trx, accountId);
        const links = await deleteUpstreamLinksOfAccount(trx, accountId);
        const family = await deleteFamilyBindingsOfBinder(trx, accountId);
        await setNeedsPhone(trx, accountId, true, clock.now());
        await upsertPasswordHash(trx, accountId, hash, clock.now());
        const ended = await deleteProviderRowsOfAccount(trx, accountId, [...sessionModels, ...tokenModels]);
        return { links, family, ended };
      });
      await deps.lockout.reset(`account:${accountId}`);
      await audit.record({ event: 'appeal.document_takeover', outcome: 'success', subject: accountId, ...context, details: removed });
      return accountId;
    },

    async reclaimPhone(phoneE164, toAccountId, context) {
      const index = secrets.blindIndex('phone', phoneE164);
      const previousHolder = await db.transaction().execute(async (trx) => {
        const holder = await deletePhoneByIndex(trx, index);
        if (toAccountId) {
          await upsertPhone(trx, { accountId: toAccountId, phoneEnvelope: secrets.cipher.encrypt(phoneE164, piiAad.phone(toAccountId)), phoneIndex: index, now: clock.now() });
          await setNeedsPhone(trx, toAccountId, false, clock.now());
        }
        return holder;
      });
      await audit.record({ event: 'appeal.phone_reclaimed', outcome: 'success', subject: toAccountId ?? null, ...context, details: { previousHolder: previousHolder ?? null } });
      if (previousHolder && previousHolder !== toAccountId) {
        await audit.record({ event: 'account.phone_removed_by_appeal', outcome: 'info', subject: previousHolder, ...context });
      }
      return { previousHolder };
    },

    async releaseFamilyBinding(documentNumber, context) {
      const index = secrets.blindIndex('document', documentNumber);
      const binder = await db.transaction().execute((trx) => deleteFamilyBindingByMember(trx, index));
      await audit.record({ event: 'appeal.family_unbound', outcome: binder ? 'success' : 'info', subject: binder ?? null, ...context });
      if (binder) await audit.record({ event: 'family.unbound', outcome: 'success', subject: binder, ...context, details: { by: 'appeal' } });
      return binder;
    },
  };
}
