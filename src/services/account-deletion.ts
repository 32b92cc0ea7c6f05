// 注销账号: a citizen deletes their own account after ticking the confirmation and proving it is them
// (the shared re-authentication). One transaction takes away the account and all it holds; the audit
// trail keeps its records (counts only here) for their retention period.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { NotFoundError, ValidationError } from '../errors/app-error.js';
import { countAccountHoldings, deleteAccountAndHoldings, listProviderSessionsOfAccount, type AccountHoldings } from '../repositories/account-deletion.js';
import { lockAccount } from '../repositories/accounts.js';
import type { ChangeContext } from './accounts.js';
import type { Audit } from './audit.js';
import { accountLockoutKey } from './lockout.js';
import type { Reauthentication, ReauthProof } from './reauthentication.js';

export type { AccountHoldings };

/** One relying party's part in one provider session of the deleted account: whom to tell by back-channel logout. */
export interface LogoutTarget {
  clientId: string;
  /** The subject the client knows (public subject type: the account id). */
  sub: string;
  sid: string;
}

export interface AccountDeletion {
  /** What the account holds now (the page says what goes). */
  holdings(accountId: string): Promise<AccountHoldings>;
  /**
   * Deletes the account. Checks, in this order: the confirmation (ValidationError
   * ('account.delete.confirm_required', 'confirm'), nothing verified or counted), then the proof —
   * throws what Reauthentication.verify throws (a wrong password counts towards the lockout) —
   * then NotFoundError when the account is already gone. Returns what was deleted and the
   * (client, sub, sid) of its provider sessions, for the back-channel logout the caller sends.
   */
  deleteAccount(accountId: string, input: { confirmed: boolean; reauth: ReauthProof }, context: ChangeContext): Promise<{ deleted: AccountHoldings; logoutTargets: LogoutTarget[] }>;
}

/** The (client, sid) pairs of oidc-provider Session payloads (`authorizations: { [clientId]: { sid } }`), once each. */
export function logoutTargetsOf(sessions: ReadonlyArray<Record<string, unknown>>): LogoutTarget[] {
  const out = new Map<string, LogoutTarget>();
  for (const session of sessions) {
    const sub = session.accountId;
    const authorizations = session.authorizations;
    if (typeof sub !== 'string' || !authorizations || typeof authorizations !== 'object') continue;
    for (const [clientId, authorization] of Object.entries(authorizations as Record<string, unknown>)) {
      const sid = (authorization as { sid?: unknown } | null)?.sid;
      if (typeof sid === 'string' && sid) out.set(`${clientId}\n${sid}`, { clientId, sub, sid });
    }
  }
  return [...out.values()];
}

export function createAccountDeletion(deps: { db: Kysely<DB>; audit: Audit; reauth: Pick<Reauthentication, 'verify'> }): AccountDeletion {
  const { db, audit, reauth } = deps;
  return {
    holdings: (accountId) => db.transaction().execute((trx) => countAccountHoldings(trx, accountId)),

    async deleteAccount(accountId, input, context) {
      if (!input.confirmed) throw new ValidationError('account.delete.confirm_required', 'confirm');
      try {
        await reauth.verify(accountId, input.reauth);
      } catch (err) {
        await audit.record({ event: 'account.deleted', outcome: 'failure', subject: accountId, actor: context.actor ?? accountId, ip: context.ip ?? null, requestId: context.requestId ?? null, details: { method: input.reauth.method } });
        throw err;
      }
      const done = await db.transaction().execute(async (trx) => {
        if (!(await lockAccount(trx, accountId))) return undefined;
        const deleted = await countAccountHoldings(trx, accountId);
        const logoutTargets = logoutTargetsOf(await listProviderSessionsOfAccount(trx, accountId));
        await deleteAccountAndHoldings(trx, accountId, accountLockoutKey(accountId));
        return { deleted, logoutTargets };
      });
      if (!done) throw new NotFoundError();
      // Counts and the way of proof only: nothing that names the person.
      await audit.record({
        event: 'account.deleted', outcome: 'success', subject: accountId, actor: context.actor ?? accountId, ip: context.ip ?? null, requestId: context.requestId ?? null,
        details: { method: input.reauth.method, ...done.deleted, relyingParties: new Set(done.logoutTargets.map((t) => t.clientId)).size },
      });
      return done;
    },
  };
}
