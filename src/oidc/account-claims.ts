// What oidc-provider learns about an account: findAccount and the claims each scope releases
// (CONTRACTS.md), including OpenID Connect for Identity Assurance `verified_claims`, plus the
// claims stamped on access tokens (shown by introspection).

import type { FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import type { AccountService, AccountView } from '../services/accounts.js';
import type { FamilyMemberClaim, FamilyService } from '../services/family.js';
import { guardDatabase } from './adapter.js';
import { levelRank } from '../domain/levels.js';

export interface AccountClaims {
  findAccount: FindAccount;
  accessTokenClaims: (ctx: KoaContextWithOIDC, accountId: string) => Promise<Record<string, unknown> | undefined>;
}

/** The trust framework under which levels are asserted (published in discovery). */
export const trustFramework = 'cn_jsrs_rsxt';

const evidenceForProof: Record<string, string> = {
  registry_match: 'population_registry_check',
  face_match: 'face_verification',
  upstream_assertion: 'federated_assertion',
};

function verifiedClaims(account: AccountView): Record<string, unknown> | undefined {
  if (levelRank(account.level) < levelRank('real_name') || !account.documentNumber) return undefined;
  const proofs = account.proofs.filter((p) => levelRank(p.level) >= levelRank('real_name'));
  const newest = proofs.reduce<Date | undefined>((max, p) => (!max || p.createdAt > max ? p.createdAt : max), undefined);
  return {
    verification: {
      trust_framework: trustFramework,
      ...(newest ? { time: newest.toISOString() } : {}),
      evidence: proofs.map((p) => ({
        type: 'electronic_record',
        check_details: [{ check_method: evidenceForProof[p.kind] ?? p.kind, organization: p.adapter }],
        time: p.createdAt.toISOString(),
      })),
    },
    claims: {
      ...(account.name ? { name: account.name } : {}),
      cert_type: account.certType,
      id_number: account.documentNumber,
    },
  };
}

/** `familyMembers`: the account's bound family numbers (read only when the `family` scope asks). */
export function accountClaimsFor(account: AccountView, familyMembers: FamilyMemberClaim[] = []): Record<string, unknown> {
  return {
    sub: account.id,
    identity_level: account.level,
    ...(account.name ? { name: account.name } : {}),
    ...(account.phoneE164 ? { phone_number: account.phoneE164, phone_number_verified: true } : {}),
    ...(account.certType ? { cert_type: account.certType } : {}),
    ...(account.documentNumber ? { id_number: account.documentNumber } : {}),
    ...(verifiedClaims(account) ? { verified_claims: verifiedClaims(account) } : {}),
    family_members: familyMembers,
  };
}

export function createAccountClaims(deps: { accounts: Pick<AccountService, 'getAccount'>; family?: Pick<FamilyService, 'claimsFor'> }): AccountClaims {
  return {
    findAccount: async (_ctx, sub) => {
      const account = await guardDatabase(() => deps.accounts.getAccount(sub));
      if (!account || account.status !== 'active') return undefined;
      return {
        accountId: account.id,
        claims: async (_use, scope) => {
          // read again so a level raised during this session is what the client sees
          const fresh = (await guardDatabase(() => deps.accounts.getAccount(sub))) ?? account;
          const family = deps.family && /(^|\s)family(\s|$)/.test(scope) ? await guardDatabase(() => (deps.family as Pick<FamilyService, 'claimsFor'>).claimsFor(fresh.id)) : [];
          return accountClaimsFor(fresh, family) as { sub: string };
        },
      };
    },
    accessTokenClaims: async (ctx, accountId) => {
      const account = await guardDatabase(() => deps.accounts.getAccount(accountId));
      if (!account) return undefined;
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken ?? ctx.oidc.entities.DeviceCode;
      const origin = source as { acr?: string; amr?: string[] } | undefined;
      return {
        identity_level: account.level,
        ...(origin?.acr ? { acr: origin.acr } : {}),
        ...(origin?.amr ? { amr: origin.amr } : {}),
      };
    },
  };
}
