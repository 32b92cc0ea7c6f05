// Which version of 《隐私政策》 and 《个人证件信息处理规则》 a citizen agreed to (issue 15): a new
// version in config/policies.json is asked for again at the next sign-in (oidc/policy.ts), and
// the answer is recorded here, with an audit record either way.

import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Clock } from '../domain/clock.js';
import { recordPolicyAcceptance } from '../repositories/accounts.js';
import type { Audit } from './audit.js';
import type { ChangeContext } from './accounts.js';

export interface PolicyAcceptance {
  /** The version in force (config/policies.json). */
  readonly version: string;
  /** What changed in this version, as the operator wrote it (may be empty). */
  readonly changes: readonly string[];
  /** True when the account has not agreed to the version in force (never asked, or an older version). */
  needsAcceptance(account: { policyVersion: string | null }): boolean;
  /**
   * Records that the account agreed to `version` (once: an answer for a version already recorded
   * is true with no second audit record); false (nothing recorded) when `version` is no longer the
   * one in force (the page was shown before the operator published a newer one) or the account is gone.
   */
  accept(accountId: string, version: string, context?: ChangeContext & { clientId?: string | null }): Promise<boolean>;
  /** Records (audit only) that the account did not agree; the sign-in then ends with access_denied. */
  decline(accountId: string, context?: ChangeContext & { clientId?: string | null }): Promise<void>;
}

export function createPolicyAcceptance(deps: { db: Kysely<DB>; clock: Clock; audit: Audit; version: string; changes?: readonly string[] }): PolicyAcceptance {
  const { db, clock, audit, version } = deps;
  return {
    version,
    changes: deps.changes ?? [],
    needsAcceptance: (account) => account.policyVersion !== version,
    async accept(accountId, agreed, context = {}) {
      if (agreed !== version) return false;
      const recorded = await recordPolicyAcceptance(db, accountId, version, clock.now());
      if (recorded === 'gone') return false;
      // the same answer sent twice (a double click, two tabs) is one acceptance in the trail
      if (recorded === 'recorded') await audit.record({ event: 'account.policies_accepted', outcome: 'success', subject: accountId, ...context, details: { version } });
      return true;
    },
    async decline(accountId, context = {}) {
      await audit.record({ event: 'account.policies_declined', outcome: 'info', subject: accountId, ...context, details: { version } });
    },
  };
}
