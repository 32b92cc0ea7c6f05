// Password sign-in (账号 + 密码) with lockout: known and unknown identifiers lock alike after the
// same number of failures, and every path spends one bcrypt verification so timing says nothing.

import { maskDocument, maskPhone } from '../domain/masking.js';
import { parseMobile } from '../domain/phone.js';
import { canonicalIdentifier, type AccountService } from './accounts.js';
import type { Audit } from './audit.js';
import type { BlindIndex, PasswordHasher } from './crypto/index.js';
import type { Lockout } from './lockout.js';

export interface PasswordSignInInput {
  identifier: string;
  password: string;
  ip?: string;
  requestId?: string;
  clientId?: string;
}

export type PasswordSignInResult =
  | { ok: true; accountId: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date };

export interface PasswordSignIn {
  /** Never throws for bad credentials; throws only when the database or hashing pool fails. */
  signIn(input: PasswordSignInInput): Promise<PasswordSignInResult>;
}

export interface PasswordSignInDeps {
  accounts: Pick<AccountService, 'findAccountIdByIdentifier' | 'verifyPassword'>;
  lockout: Pick<Lockout, 'status' | 'recordFailure' | 'reset'>;
  hasher: Pick<PasswordHasher, 'verifyAgainstDummy'>;
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
  return accountId ? `account:${accountId}` : `identifier:${blindIndex('identifier', canonicalIdentifier(identifier))}`;
}

const noAccount = '00000000-0000-0000-0000-000000000000';

export function createPasswordSignIn(deps: PasswordSignInDeps): PasswordSignIn {
  const { accounts, lockout, hasher, blindIndex, audit } = deps;

  return {
    async signIn(input) {
      const accountId = await accounts.findAccountIdByIdentifier(input.identifier);
      const key = lockoutKeyFor(accountId, input.identifier, blindIndex);
      const base = { event: 'signin.password', subject: accountId ?? null, clientId: input.clientId, ip: input.ip, requestId: input.requestId };
      const identifier = maskIdentifier(input.identifier);

      const status = await lockout.status(key);
      if (status.locked) {
        await hasher.verifyAgainstDummy(input.password); // same time as a real check
        await audit.record({ ...base, outcome: 'failure', details: { identifier, reason: 'locked' } });
        return { ok: false, reason: 'locked', until: status.until };
      }

      // An unknown identifier takes the same path (a credential look-up that finds nothing, then the
      // dummy hash) so its answer costs the same queries and time as a wrong password.
      const ok = await accounts.verifyPassword(accountId ?? noAccount, input.password);
      if (ok && accountId) {
        if (status.failures !== 0) await lockout.reset(key); // nothing on record: no write
        await audit.record({ ...base, outcome: 'success', details: { identifier } });
        return { ok: true, accountId };
      }

      const failure = await lockout.recordFailure(key);
      const reason = failure.locked ? 'locked' : 'invalid';
      await audit.record({ ...base, outcome: 'failure', details: { identifier, reason, failures: failure.failures } });
      if (failure.engaged) {
        await audit.record({
          ...base,
          event: 'account.locked',
          outcome: 'info',
          details: { identifier, failures: failure.failures, until: failure.until?.toISOString() },
        });
      }
      return failure.locked ? { ok: false, reason: 'locked', until: failure.until } : { ok: false, reason: 'invalid' };
    },
  };
}
