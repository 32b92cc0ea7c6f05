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
  // One read of an account per request: findAccount, claims() and the access-token claims of the
  // same request share it (a level raised by step-up happens in an earlier request).
  const perRequest = new WeakMap<object, Map<string, Promise<AccountView | undefined>>>();
  const load = (ctx: object | undefined, id: string): Promise<AccountView | undefined> => {
    if (!ctx) return guardDatabase(() => deps.accounts.getAccount(id));
    let cache = perRequest.get(ctx);
    if (!cache) perRequest.set(ctx, (cache = new Map()));
    let pending = cache.get(id);
    if (!pending) {
      pending = guardDatabase(() => deps.accounts.getAccount(id));
      pending.catch(() => cache?.delete(id));
      cache.set(id, pending);
    }
    return pending;
  };

  return {
    findAccount: async (ctx, sub) => {
      const account = await load(ctx, sub);
      if (!account || account.status !== 'active') return undefined;
      return {
        accountId: account.id,
        claims: async (_use, scope) => {
          const family = deps.family && /(^|\s)family(\s|$)/.test(scope) ? await guardDatabase(() => (deps.family as Pick<FamilyService, 'claimsFor'>).claimsFor(account.id)) : [];
          return accountClaimsFor(account, family) as { sub: string };
        },
      };
    },
    accessTokenClaims: async (ctx, accountId) => {
      const account = await load(ctx, accountId);
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
