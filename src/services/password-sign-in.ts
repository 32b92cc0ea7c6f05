// Password sign-in (账号 + 密码) under the shared lockout: known and unknown identifiers lock alike
// after the same number of failures; every checked attempt spends one bcrypt verification (the
// dummy one for an unknown identifier) so timing says nothing; a locked key checks nothing.

import { maskDocument, maskPhone } from '../domain/masking.js';
import { parseMobile } from '../domain/phone.js';
import { canonicalIdentifier, type AccountService, type AccountView } from './accounts.js';
import type { Audit } from './audit.js';
import type { BlindIndex } from './crypto/index.js';
import { accountLockoutKey, type Lockout } from './lockout.js';

export interface PasswordSignInInput {
  identifier: string;
  password: string;
  ip?: string;
  requestId?: string;
  clientId?: string;
}

export type PasswordSignInResult =
  /** `account`: the account as the sign-in read it (with the credential, before the password was checked). */
  | { ok: true; accountId: string; account: AccountView | undefined }
  /** `remaining`: wrong passwords left before the lock (counted the same for an unknown identifier). */
  | { ok: false; reason: 'invalid'; remaining: number }
  | { ok: false; reason: 'locked'; until: Date };

export interface PasswordSignIn {
  /** Never throws for bad credentials; throws only when the database or hashing pool fails. */
  signIn(input: PasswordSignInInput): Promise<PasswordSignInResult>;
}

export interface PasswordSignInDeps {
  accounts: Pick<AccountService, 'findPasswordCandidate'>;
  lockout: Pick<Lockout, 'attempt' | 'maxFailures'>;
  blindIndex: BlindIndex;
  audit: Audit;
}

/** The identifier as an audit trail may show it: `139****5678`, `3201**********3935`. */
export function maskIdentifier(raw: string): string {
  const canonical = canonicalIdentifier(raw);
  const mobile = parseMobile(canonical);
  if (mobile.ok) return maskPhone(mobile.e164);
  return canonical.length > 64 ? '*'.repeat(8) : maskDocument(canonical);
}

/** The lockout key: the account when the identifier names one, else the identifier's blind index. */
export function lockoutKeyFor(accountId: string | undefined, identifier: string, blindIndex: BlindIndex): string {
  return accountId ? accountLockoutKey(accountId) : `identifier:${blindIndex('identifier', canonicalIdentifier(identifier))}`;
}

export function createPasswordSignIn(deps: PasswordSignInDeps): PasswordSignIn {
  const { accounts, lockout, blindIndex, audit } = deps;

  return {
    async signIn(input) {
      const candidate = await accounts.findPasswordCandidate(input.identifier);
      const { accountId } = candidate;
      const key = lockoutKeyFor(accountId, input.identifier, blindIndex);
      const base = { event: 'signin.password' as const, subject: accountId ?? null, clientId: input.clientId, ip: input.ip, requestId: input.requestId };
      const identifier = maskIdentifier(input.identifier);

      // The attempt is counted before the password is checked; a locked key checks nothing. An
      // unknown identifier takes the same path (the one look-up, which finds nothing, then the
      // dummy hash) so its answer costs the same queries and time as a wrong password.
      const outcome = await lockout.attempt(key, async () => (await candidate.verify(input.password)) && accountId !== undefined);
      if (outcome.ok && accountId) {
        await audit.record({ ...base, outcome: 'success', details: { identifier } });
        return { ok: true, accountId, account: candidate.view() };
      }
      if (outcome.ok) return { ok: false, reason: 'invalid', remaining: lockout.maxFailures }; // unreachable: the check needs an account

      if (outcome.reason === 'invalid') {
        await audit.record({ ...base, outcome: 'failure', details: { identifier, reason: 'invalid', failures: outcome.failures } });
        return { ok: false, reason: 'invalid', remaining: Math.max(0, lockout.maxFailures - outcome.failures) };
      }
      // Refused while locked (nothing checked), or the wrong password that engaged the lock.
      await audit.record({ ...base, outcome: 'failure', details: { identifier, reason: 'locked', ...(outcome.engaged ? { failures: outcome.failures } : {}) } });
      if (outcome.engaged) {
        await audit.record({
          ...base,
          event: 'account.locked',
          outcome: 'info',
          details: { identifier, failures: outcome.failures, until: outcome.until.toISOString() },
        });
      }
      return { ok: false, reason: 'locked', until: outcome.until };
    },
  };
}
